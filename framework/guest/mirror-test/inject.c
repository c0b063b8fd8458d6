// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-mirror-test: injection through the mirror. The race of mirror reads
 * against invalidations, the debugfs delay knobs, the module's fault
 * points, the kernel's fault_attr, fail_function and kprobes, and the OOM
 * reaper's non-blockable invalidation. Part of hpc-mirror-test's one
 * translation unit (fixture: mirror).
 */

/* ---- the race: mirror reads against invalidations ---- */

#define RACE_PAGES	16

static uint64_t race_word(uint32_t gen, size_t pg, size_t w)
{
	return 0xA5ULL << 56 | (uint64_t)(gen & 0xffffff) << 32 |
	       (uint64_t)pg << 16 | w;
}

static int race_word_ok(uint64_t v, size_t pg, size_t w)
{
	return v == 0 || ((v >> 56) == 0xA5 && ((v >> 16) & 0xffff) == pg &&
			  (v & 0xffff) == w);
}

struct race {
	int fd;
	char *addr;
	size_t len;
	atomic_int stop;
	atomic_ulong ok, busy, efault, stale, other, bad_words;
	int other_err;
};

static void *race_reader(void *arg)
{
	struct race *r = arg;
	uint64_t *buf = malloc(r->len);
	size_t words = g.page / 8;

	while (buf && !atomic_load(&r->stop)) {
		int ret = mread(r->fd, r->addr, r->len, buf);
		size_t i;

		switch (ret) {
		case 0:
			atomic_fetch_add(&r->ok, 1);
			for (i = 0; i < r->len / 8; i++)
				if (!race_word_ok(buf[i], i / words, i % words))
					atomic_fetch_add(&r->bad_words, 1);
			break;
		case -EBUSY:
			atomic_fetch_add(&r->busy, 1);
			break;
		case -EFAULT:
			atomic_fetch_add(&r->efault, 1);
			break;
		case -ESTALE:
			atomic_fetch_add(&r->stale, 1);
			break;
		default:
			r->other_err = ret;
			atomic_fetch_add(&r->other, 1);
			break;
		}
	}
	free(buf);
	return NULL;
}

static void race_fill(char *p, size_t len, uint32_t gen)
{
	size_t pg, w, words = g.page / 8;

	for (pg = 0; pg < len / g.page; pg++) {
		uint64_t *q = (uint64_t *)(p + pg * g.page);

		for (w = 0; w < words; w++)
			q[w] = race_word(gen, pg, w);
	}
}

/* Invalidate and refill the range for g.race_secs; the number of rounds. */
static uint32_t race_invalidate(struct __test_metadata *_metadata, char *p,
				size_t len)
{
	uint64_t end = now_ns() + (uint64_t)g.race_secs * 1000000000ULL;
	uint32_t gen = 0;

	while (now_ns() < end) {
		gen++;
		if (gen % 8 == 0) {
			char *q;

			ASSERT_TRUE(munmap(p, len) == 0);
			q = mmap(p, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				 -1, 0);
			ASSERT_TRUE(q == p);
			madvise(p, len, MADV_NOHUGEPAGE);
		} else {
			ASSERT_TRUE(madvise(p, len, MADV_DONTNEED) == 0);
		}
		race_fill(p, len, gen);
		usleep(500);
	}
	return gen;
}

/* What the reader saw and the module counted after the race. */
static void race_judge(struct __test_metadata *_metadata, struct race *r,
		       const struct hpc_counters *c, const struct hpc_range_op *op,
		       uint32_t gen)
{
	diag("%u invalidation rounds; reads ok=%lu busy=%lu efault=%lu stale=%lu other=%lu bad_words=%lu",
	     gen, atomic_load(&r->ok), atomic_load(&r->busy),
	     atomic_load(&r->efault), atomic_load(&r->stale),
	     atomic_load(&r->other), atomic_load(&r->bad_words));
	diag("module: invalidations=%llu retries_seq=%llu retries_busy=%llu stale=%llu validate_mismatch=%llu",
	     (unsigned long long)c->invalidations,
	     (unsigned long long)c->retries_seq,
	     (unsigned long long)c->retries_busy,
	     (unsigned long long)c->stale,
	     (unsigned long long)c->validate_mismatch);
	ASSERT_TRUEF(c->stale == 0, "STALE: the mirror used %llu entries after their invalidation (last at 0x%llx, seq %llu -> %llu)",
	       (unsigned long long)c->stale,
	       (unsigned long long)c->stale_last_addr,
	       (unsigned long long)c->stale_last_seq,
	       (unsigned long long)c->stale_last_seq_now);
	ASSERT_TRUE(atomic_load(&r->stale) == 0);
	ASSERT_TRUE(op->stale == 0);
	ASSERT_TRUEF(atomic_load(&r->bad_words) == 0,
	       "CORRUPT: mirror reads returned %lu words that were never written",
	       atomic_load(&r->bad_words));
	ASSERT_TRUEF(atomic_load(&r->other) == 0, "reader error %d (%s)",
	       r->other_err, strerror(-r->other_err));
	ASSERT_TRUE(atomic_load(&r->ok) > 0);
	ASSERT_TRUE(c->invalidations > 0);
}

/*
 * One thread reads the range through the mirror over and over while this
 * one keeps invalidating it (MADV_DONTNEED, munmap + mmap) and refilling
 * it. The delay knobs widen the window between hmm_range_fault() and the
 * mirror lock, where a driver without the retry discipline goes wrong.
 */
TEST_F(mirror, race_stale)
{
	size_t len = RACE_PAGES * g.page;
	char *base = NULL, *p;
	struct race r = { 0 };
	struct hpc_counters c;
	struct hpc_range_op op;
	struct knob k1 = { 0 }, k2 = { 0 };
	pthread_t tid;
	uint32_t gen;
	int fd = self->fd;
	size_t maplen = 0;

	ASSERT_TRUE(fd >= 0);
	p = map_straddle(RACE_PAGES, &base, &maplen);
	ASSERT_NE(NULL, p);
	if (g.have_dbg) {
		ASSERT_RET(knob_set(&k1, "delay_fault_lock_us", 300), 0);
		ASSERT_RET(knob_set(&k2, "delay_invalidate_unlocked_us", 100),
			  0);
	} else {
		diag("no debugfs: racing without delays");
	}
	race_fill(p, len, 0);
	r.fd = fd;
	r.addr = p;
	r.len = len;
	ASSERT_TRUE(pthread_create(&tid, NULL, race_reader, &r) == 0);
	gen = race_invalidate(_metadata, p, len);
	atomic_store(&r.stop, 1);
	pthread_join(tid, NULL);
	knob_restore(&k1);
	knob_restore(&k2);

	ASSERT_RET(range_op(fd, HPC_IOC_VALIDATE, p, len, NULL, 0, &op), 0);
	ASSERT_RET(counters(fd, 0, &c), 0);
	race_judge(_metadata, &r, &c, &op, gen);
	unmap(base, maplen);
}

/* ---- knobs ---- */

TEST_F(mirror, delays)
{
	static const char *const knobs[] = {
		"delay_invalidate_us", "delay_invalidate_unlocked_us",
		"delay_fault_lock_us", "max_tries", "fault_timeout_ms",
		"stale_action", "auto_validate",
	};
	size_t n = 4, len = n * g.page, i;
	char *base = NULL, *p, *buf = malloc(len);
	struct knob k[8] = { { 0 } };
	struct knob kev = { 0 };
	uint64_t v, t0, dt;
	int fd = self->fd;
	size_t maplen = 0;

	if (!g.have_dbg)
		SKIP(return, "no %s (debugfs)", HPC_DEBUGFS_DIR);
	ASSERT_TRUE(fd >= 0 && buf);
	/* each knob reads back what was written */
	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		uint64_t old;

		ASSERT_RET(dbg_get(knobs[i], &old), 0);
		ASSERT_RET(knob_set(&k[i], knobs[i], old + 7), 0);
		ASSERT_RET(dbg_get(knobs[i], &v), 0);
		ASSERT_TRUEF(v == old + 7, "%s: wrote %" PRIu64 ", read %" PRIu64,
		       knobs[i], old + 7, v);
		knob_restore(&k[i]);
	}
	ASSERT_RET(dbg_get("delay_invalidate_events", &v), 0);
	ASSERT_TRUE(v == 0xffffffffULL);

	p = map_straddle(n, &base, &maplen);
	ASSERT_NE(NULL, p);
	fill(p, len, 17);
	/* between hmm_range_fault() and the lock: 2 chunks */
	ASSERT_RET(knob_set(&k[0], "delay_fault_lock_us", 50000), 0);
	t0 = now_ns();
	ASSERT_RET(mread(fd, p, len, buf), 0);
	dt = now_ns() - t0;
	knob_restore(&k[0]);
	ASSERT_TRUEF(dt >= 100000000ULL, "read took %" PRIu64 " us", dt / 1000);
	/* in the invalidate callback, locked and unlocked: 2 regions */
	ASSERT_RET(knob_set(&k[1], "delay_invalidate_us", 50000), 0);
	ASSERT_RET(knob_set(&k[2], "delay_invalidate_unlocked_us", 50000), 0);
	t0 = now_ns();
	ASSERT_TRUE(madvise(p, len, MADV_DONTNEED) == 0);
	dt = now_ns() - t0;
	ASSERT_TRUEF(dt >= 200000000ULL, "madvise took %" PRIu64 " us", dt / 1000);
	/* only UNMAP events delayed: DONTNEED (CLEAR) is not */
	ASSERT_RET(mread(fd, p, len, buf), 0);
	ASSERT_RET(knob_set(&kev, "delay_invalidate_events",
			   1U << HPC_EV_UNMAP), 0);
	t0 = now_ns();
	ASSERT_TRUE(madvise(p, len, MADV_DONTNEED) == 0);
	dt = now_ns() - t0;
	ASSERT_TRUEF(dt < 150000000ULL, "masked madvise took %" PRIu64 " us",
	       dt / 1000);
	ASSERT_RET(mread(fd, p, len, buf), 0);
	t0 = now_ns();
	ASSERT_TRUE(munmap(p, len) == 0);
	dt = now_ns() - t0;
	ASSERT_TRUEF(dt >= 200000000ULL, "munmap took %" PRIu64 " us", dt / 1000);
	for (i = 0; i < 8; i++)
		knob_restore(&k[i]);
	knob_restore(&kev);
	unmap(base, maplen);
	free(buf);
}

/* ---- fault points ---- */

enum trig { TRIG_OPEN, TRIG_NEW_REGION, TRIG_REFAULT, TRIG_ANY_OP };

static const struct {
	const char *name;
	enum trig trig;
} fpoints[] = {
	{ "mirror_alloc", TRIG_OPEN },
	{ "region_alloc", TRIG_NEW_REGION },
	{ "notifier_insert", TRIG_NEW_REGION },
	{ "op_alloc", TRIG_ANY_OP },
	{ "range_fault", TRIG_REFAULT },
	{ "program", TRIG_REFAULT },
};

/* points the tests of their own paths exercise (devpriv_faults, bar_*) */
static const char *const fpoints_elsewhere[] = {
	"dev_alloc", "backing_alloc", "migrate_setup", "ram_alloc",
	"evict_alloc", "bar_map", "reown_register",
};

#define N_FP (sizeof(fpoints) / sizeof(fpoints[0]))
#define N_FP_ELSEWHERE (sizeof(fpoints_elsewhere) / sizeof(fpoints_elsewhere[0]))

/* Run the operation that passes through a fault point; 0 or -errno. */
static int fp_trigger(int fd, enum trig t, char *p, size_t len, char *buf)
{
	int r;

	switch (t) {
	case TRIG_OPEN:
		r = mopen();
		if (r >= 0) {
			close(r);
			r = 0;
		}
		return r;
	case TRIG_NEW_REGION:
		r = mreset(fd, HPC_RESET_REGIONS, NULL);
		return r ? r : mread(fd, p, len, buf);
	case TRIG_REFAULT:
		r = mreset(fd, HPC_RESET_TABLE, NULL);
		return r ? r : mread(fd, p, len, buf);
	default:
		return mread(fd, p, len, buf);
	}
}

/* Every point the module has is known here, and the other way. */
static void fp_all_known(struct __test_metadata *_metadata)
{
	size_t i, found = 0;
	char path[256];
	struct dirent *de;
	DIR *d;
	int k;

	dbg_path(path, sizeof(path), "faults");
	d = opendir(path);
	ASSERT_NE(NULL, d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		for (i = 0; i < N_FP; i++)
			if (!strcmp(fpoints[i].name, de->d_name))
				break;
		for (k = 0; i == N_FP && k < (int)N_FP_ELSEWHERE; k++)
			if (!strcmp(fpoints_elsewhere[k], de->d_name))
				i = N_FP + 1;
		ASSERT_TRUEF(i != N_FP, "fault point %s has no test", de->d_name);
		found++;
	}
	closedir(d);
	ASSERT_TRUE(found == N_FP + N_FP_ELSEWHERE);
}

/* Probability mode: limited by times, reproducible by seed. */
static void fp_probability(struct __test_metadata *_metadata, int fd, char *p,
			   size_t len, char *buf)
{
	int fails[2][20], k, round;
	size_t found = 0;

	ASSERT_RET(fp_write("op_alloc", "probability=1 times=2 error=-28"), 0);
	ASSERT_RET(mread(fd, p, len, buf), ENOSPC);
	ASSERT_RET(mread(fd, p, len, buf), ENOSPC);
	ASSERT_RET(mread(fd, p, len, buf), 0);
	for (round = 0; round < 2; round++) {
		ASSERT_RET(fp_write("op_alloc",
				   "off probability=0.5 seed=42 error=-28"), 0);
		for (k = 0; k < 20; k++)
			fails[round][k] = mread(fd, p, len, buf) != 0;
	}
	ASSERT_RET(fp_write("op_alloc", "off"), 0);
	ASSERT_TRUE(memcmp(fails[0], fails[1], sizeof(fails[0])) == 0);
	for (k = 0; k < 20; k++)
		found += (size_t)fails[0][k];
	ASSERT_TRUEF(found > 0 && found < 20, "%zu of 20 failed at p=0.5", found);
}

TEST_F(mirror, fault_points)
{
	size_t n = 4, len = n * g.page, i;
	char *p, *buf, text[256];
	int fd = self->fd;
	struct hpc_range_op op;

	if (!g.have_dbg)
		SKIP(return, "no %s (debugfs)", HPC_DEBUGFS_DIR);
	p = map_buf(_metadata, n, &buf);
	fill(p, len, 18);
	fp_all_known(_metadata);

	for (i = 0; i < N_FP; i++) {
		const char *nm = fpoints[i].name;

		ASSERT_RET(fp_trigger(fd, fpoints[i].trig, p, len, buf), 0);
		ASSERT_RET(fp_write(nm, "nth=1 error=-28"), 0);
		ASSERT_RET(fp_trigger(fd, fpoints[i].trig, p, len, buf),
			  ENOSPC);
		ASSERT_RET(fp_trigger(fd, fpoints[i].trig, p, len, buf), 0);
		ASSERT_RET(fp_read(nm, text, sizeof(text)), 0);
		ASSERT_TRUEF(kv(text, "injected") == 1 && kv(text, "calls") >= 2,
		       "%s: %s", nm, text);
		ASSERT_RET(fp_write(nm, "off"), 0);
		ASSERT_RET(fp_read(nm, text, sizeof(text)), 0);
		ASSERT_TRUE(kv(text, "nth") == 0 && kv(text, "error") < 0);
		diag("%s reachable: %s", nm, strtok(text, "\n"));
	}

	/* an injected -EBUSY from hmm_range_fault() is retried */
	ASSERT_RET(fp_write("range_fault", "nth=1 error=-16"), 0);
	ASSERT_RET(mreset(fd, HPC_RESET_TABLE, NULL), 0);
	ASSERT_RET(range_op(fd, HPC_IOC_READ, p, len, buf, 0, &op), 0);
	ASSERT_TRUE(op.retries >= 1);
	ASSERT_TRUE(check_fill(buf, len, 18) < 0);
	ASSERT_RET(fp_write("range_fault", "off"), 0);

	fp_probability(_metadata, fd, p, len, buf);
	/* bad settings are refused */
	ASSERT_RET(fp_write("op_alloc", "probability=1.5"), EINVAL);
	ASSERT_RET(fp_write("op_alloc", "error=5"), EINVAL);
	ASSERT_RET(fp_write("op_alloc", "bogus=1"), EINVAL);
	ASSERT_RET(fp_write("op_alloc", "nth"), EINVAL);
	ASSERT_RET(mread(fd, p, len, buf), 0);
}

TEST_F(mirror, fault_attr)
{
	char path[256], val[32];
	size_t len = 2 * g.page;
	char *p = MAP_FAILED, *buf = malloc(len);
	int fd = self->fd, r;

	if (!(g.ver.caps & HPC_CAP_FAULT_ATTR))
		SKIP(return, "kernel without CONFIG_FAULT_INJECTION_DEBUG_FS (no fault_attr points)");
	ASSERT_TRUE(fd >= 0 && buf);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	dbg_path(path, sizeof(path), "fault_attr/op_alloc/probability");
	ASSERT_RET(file_read(path, val, sizeof(val)), 0);
	undo_write(path, "0");
	ASSERT_RET(file_write(path, "100"), 0);
	dbg_path(path, sizeof(path), "fault_attr/op_alloc/times");
	ASSERT_RET(file_write(path, "1"), 0);
	r = mread(fd, p, len, buf);
	dbg_path(path, sizeof(path), "fault_attr/op_alloc/probability");
	file_write(path, "0");
	ASSERT_RET(r, ENOMEM);
	ASSERT_RET(mread(fd, p, len, buf), 0);
}

TEST_F(mirror, error_injection)
{
	const char *ff = "/sys/kernel/debug/fail_function";
	char path[256];
	char list[8192], *line;
	size_t len = 2 * g.page;
	char *p = MAP_FAILED, *buf = malloc(len);
	int fd = self->fd, r;

	if (!(g.ver.caps & HPC_CAP_ERROR_INJECTION) || access(ff, F_OK))
		SKIP(return, "kernel without CONFIG_FUNCTION_ERROR_INJECTION/CONFIG_FAIL_FUNCTION (fail_function)");
	ASSERT_TRUE(fd >= 0 && buf);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	snprintf(path, sizeof(path), "%s/inject", ff);
	undo_write(path, "");
	ASSERT_RET(file_write(path, "hpc_fail_op_alloc"), 0);
	/*
	 * 6.1's fail_function decides in its kprobe handler with
	 * prandom_u32_max(), which takes the crng lock: from an int3 kprobe
	 * lockdep reports "inconsistent lock state" in crng_make_state (a
	 * kernel issue). Ftrace-based kprobes do not have it.
	 */
	if ((g.ver.kconfig & HPC_KCONFIG_PROVE_LOCKING) &&
	    (file_read("/sys/kernel/debug/kprobes/list", list, sizeof(list)) ||
	     !(line = strstr(list, "hpc_fail_op_alloc")) ||
	     !memmem(line, strcspn(line, "\n"), "[FTRACE]", 8))) {
		SKIP(return, "fail_function would use an int3 kprobe on this lockdep kernel: 6.1 reports 'inconsistent lock state' in crng_make_state from it (kernel issue; CONFIG_FUNCTION_TRACER avoids it)");
	}
	snprintf(path, sizeof(path), "%s/hpc_fail_op_alloc/retval", ff);
	/* a u64 in any base: -ENOSPC as a 64-bit two's complement */
	ASSERT_RET(file_write(path, "0xffffffffffffffe4"), 0);
	snprintf(path, sizeof(path), "%s/probability", ff);
	undo_write(path, "0");
	ASSERT_RET(file_write(path, "100"), 0);
	snprintf(path, sizeof(path), "%s/times", ff);
	ASSERT_RET(file_write(path, "1"), 0);
	r = mread(fd, p, len, buf);
	snprintf(path, sizeof(path), "%s/inject", ff);
	file_write(path, "");
	ASSERT_RET(r, ENOSPC);
	ASSERT_RET(mread(fd, p, len, buf), 0);
}

TEST_F(mirror, kprobe_delay)
{
	size_t len = 2 * g.page;
	char *p = MAP_FAILED, *buf = malloc(len), text[512], path[256];
	int fd = self->fd, r;
	uint64_t t0, dt;

	if (!(g.ver.caps & HPC_CAP_KPROBE_DELAY) || !g.have_dbg)
		SKIP(return, "kernel without CONFIG_KPROBES or debugfs");
	ASSERT_TRUE(fd >= 0 && buf);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	dbg_path(path, sizeof(path), "kprobe_delay");
	undo_write(path, "clear");
	ASSERT_RET(dbg_read("kprobe_delay", text, sizeof(text)), 0);
	ASSERT_TRUEF(!strcmp(text, "none\n"), "kprobe_delay: %s", text);
	ASSERT_RET(dbg_write("kprobe_delay", "hmm_range_fault 900"), 0);
	ASSERT_RET(dbg_read("kprobe_delay", text, sizeof(text)), 0);
	ASSERT_TRUEF(!strncmp(text, "hmm_range_fault 900 hits=0", 26), "%s", text);
	t0 = now_ns();
	r = mread(fd, p, len, buf);
	dt = now_ns() - t0;
	ASSERT_RET(r, 0);
	ASSERT_RET(dbg_read("kprobe_delay", text, sizeof(text)), 0);
	ASSERT_TRUEF(kv(text, "hits") >= 1, "%s", text);
	/* udelay() under TCG is only roughly calibrated */
	ASSERT_TRUEF(dt >= 450000, "read took %" PRIu64 " us", dt / 1000);
	diag("%s", strtok(text, "\n"));
	/* change, remove, errors */
	ASSERT_RET(dbg_write("kprobe_delay", "hmm_range_fault 10"), 0);
	ASSERT_RET(dbg_write("kprobe_delay", "hmm_range_fault 0"), 0);
	ASSERT_RET(dbg_read("kprobe_delay", text, sizeof(text)), 0);
	ASSERT_TRUEF(!strcmp(text, "none\n"), "kprobe_delay: %s", text);
	r = dbg_write("kprobe_delay", "hpc_no_such_function_xyz 10");
	ASSERT_TRUEF(r == -ENOENT || r == -EINVAL, "unknown symbol: %d", r);
	ASSERT_RET(dbg_write("kprobe_delay", "hmm_range_fault"), EINVAL);
	ASSERT_RET(dbg_write("kprobe_delay", "mmu_interval_read_begin 5"), 0);
	ASSERT_RET(dbg_write("kprobe_delay", "clear"), 0);
	ASSERT_RET(dbg_read("kprobe_delay", text, sizeof(text)), 0);
	ASSERT_TRUE(!strcmp(text, "none\n"));
	if (p != MAP_FAILED)
		munmap(p, len);
	free(buf);
}

/* ---- non-blockable invalidation: the OOM reaper ---- */

struct oom_child {
	int fd;
	char *p;
	size_t len;
	int contended;
};

/*
 * Parks in the module (uninterruptibly, so the process cannot exit and the
 * OOM reaper has to reap it): either in the fault path with no lock held,
 * or in the invalidate callback of an MADV_DONTNEED, mirror lock held.
 */
static void *oom_parked(void *arg)
{
	struct oom_child *c = arg;
	char *buf;

	if (c->contended) {
		madvise(c->p, c->len, MADV_DONTNEED);
		return NULL;
	}
	buf = malloc(c->len);
	if (buf)
		mread(c->fd, c->p, c->len, buf);
	return NULL;
}

static void oom_child_main(int go, int global, int contended)
{
	size_t i, big = (size_t)2 << 30;
	struct oom_child c;
	pthread_t tid;
	char ch, *buf, *m;

	if (read(go, &ch, 1) != 1)
		_exit(2);
	if (global && file_write("/proc/self/oom_score_adj", "1000"))
		_exit(2);
	c.len = 256 * g.page;
	c.contended = contended;
	c.fd = mopen();
	c.p = mmap(NULL, c.len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/*
	 * Mapped now: the parked thread may hold mmap_lock for reading,
	 * and a later mmap() would queue for writing behind it (which also
	 * makes the reaper's mmap_read_trylock() fail).
	 */
	m = mmap(NULL, big, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	buf = malloc(c.len);
	if (c.fd < 0 || c.p == MAP_FAILED || m == MAP_FAILED || !buf)
		_exit(2);
	memset(c.p, 1, c.len);
	if (contended && mread(c.fd, c.p, c.len, buf))
		_exit(2);
	if (pthread_create(&tid, NULL, oom_parked, &c))
		_exit(2);
	usleep(200000);
	for (i = 0; i < big; i += g.page)
		m[i] = 2;
	_exit(3);			/* not killed: no OOM */
}

/* pid of the oom_reaper kthread, or -1 */
static pid_t oom_reaper_pid(void)
{
	char path[300], comm[32];
	struct dirent *de;
	pid_t pid = -1;
	DIR *d = opendir("/proc");

	while (d && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if (!file_read(path, comm, sizeof(comm)) &&
		    !strcmp(comm, "oom_reaper\n")) {
			pid = atoi(de->d_name);
			break;
		}
	}
	if (d)
		closedir(d);
	return pid;
}

/* 'R', 'S', 'D', 'I', ... of a task, or '?' */
static char task_state(pid_t pid)
{
	char path[64], stat[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (file_read(path, stat, sizeof(stat)))
		return '?';
	p = strrchr(stat, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* how long a round's thread stays parked in the module: the maximum */
#define OOM_PARK_US	60000000U
/* a round that could not test what it was for: to be run again */
#define OOM_AGAIN	1

struct oom_env {
	int fd;
	int global;
	char cg[128];
	int mounted;			/* cgroup2 mounted by the test */
	pid_t reaper;
};

/* The parked thread's knobs of a round: set, restored to release it. */
struct oom_park {
	struct knob k, kev;
	int contended;
};

/*
 * Wait for the OOM kill of pid, releasing the parked thread once the
 * reaper's invalidation was seen (or, contended, it blocked for 500 ms);
 * the longest time the reaper was found blocked (D).
 */
static uint64_t oom_wait(struct __test_metadata *_metadata, struct oom_env *e,
			 struct oom_park *pk, pid_t pid, int *status,
			 const struct hpc_counters *c0)
{
	uint64_t end = now_ns() + 120000000000ULL, d_since = 0, d_max = 0, t;
	struct hpc_counters c1;
	int released = 0;

	while (waitpid(pid, status, WNOHANG) == 0) {
		ASSERT_TRUEF(now_ns() < end, "the child was not OOM-killed in 120 s");
		ASSERT_RET(counters(e->fd, 1, &c1), 0);
		t = now_ns();
		if (pk->contended && e->reaper > 0 &&
		    task_state(e->reaper) == 'D') {
			if (!d_since)
				d_since = t;
			if (t - d_since > d_max)
				d_max = t - d_since;
		} else {
			d_since = 0;
		}
		if (!released &&
		    (pk->contended ? c1.inval_busy > c0->inval_busy ||
				     d_max >= 500000000ULL :
				     c1.inval_nonblock > c0->inval_nonblock)) {
			knob_restore(&pk->k);	/* release the parked thread */
			knob_restore(&pk->kev);
			released = 1;
		}
		usleep(20000);
	}
	return d_max;
}

/* A child that waits for the go, parks a thread and allocates: its pid. */
static pid_t oom_child(struct __test_metadata *_metadata, struct oom_env *e,
		       int contended)
{
	char path[256], text[32];
	int go[2] = { -1, -1 };
	pid_t pid;

	ASSERT_TRUE(pipe(go) == 0);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		close(go[1]);
		oom_child_main(go[0], e->global, contended);
	}
	undo_kill(pid);
	close(go[0]);
	if (!e->global) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", e->cg);
		snprintf(text, sizeof(text), "%d", (int)pid);
		ASSERT_RET(file_write(path, text), 0);
	}
	ASSERT_TRUE(write(go[1], "g", 1) == 1);
	close(go[1]);
	return pid;
}

/*
 * One OOM kill of a child with a thread parked in the module. Uncontended:
 * the reaper's invalidation must get the mirror lock and clear the mirror
 * (inval_nonblock). Contended (the parked thread holds the lock): it must
 * give up at once (inval_busy), never sleep; a reaper found blocked (D)
 * for half a second slept in a non-blockable callback. 0, or OOM_AGAIN.
 */
static int oom_round(struct __test_metadata *_metadata, struct oom_env *e,
		     int contended)
{
	struct oom_park pk = { .contended = contended };
	struct hpc_counters c0, c1;
	uint64_t d_max, t_go;
	int status = 0;
	pid_t pid;

	ASSERT_RET(counters(e->fd, 1, &c0), 0);
	/* the parked thread stays until released (or OOM_PARK_US) */
	if (contended)
		ASSERT_RET(knob_set(&pk.kev, "delay_invalidate_events",
				   1U << HPC_EV_CLEAR), 0);
	ASSERT_RET(knob_set(&pk.k, contended ? "delay_invalidate_us" :
			    "delay_fault_lock_us", OOM_PARK_US), 0);
	pid = oom_child(_metadata, e, contended);
	t_go = now_ns();
	d_max = oom_wait(_metadata, e, &pk, pid, &status, &c0);
	knob_restore(&pk.k);
	knob_restore(&pk.kev);
	ASSERT_RET(counters(e->fd, 1, &c1), 0);
	diag("%s: child status 0x%x; inval_nonblock %llu -> %llu, inval_busy %llu -> %llu, oom_reaper blocked %llu ms",
	     contended ? "lock held" : "lock free", status,
	     (unsigned long long)c0.inval_nonblock,
	     (unsigned long long)c1.inval_nonblock,
	     (unsigned long long)c0.inval_busy,
	     (unsigned long long)c1.inval_busy,
	     (unsigned long long)(d_max / 1000000));
	ASSERT_TRUEF(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	       "the child was not killed by the OOM killer");
	ASSERT_TRUEF(c1.inval_nonblock > c0.inval_nonblock,
	       "the OOM reaper did not reach the mirror");
	if (contended) {
		if (c1.inval_busy == c0.inval_busy &&
		    now_ns() - t_go >= OOM_PARK_US * 1000ULL) {
			diag("the OOM kill came after the parked thread had left (%.1f s): no contention, round not counted",
			     (now_ns() - t_go) / 1e9);
			return OOM_AGAIN;
		}
		ASSERT_TRUEF(d_max < 500000000ULL,
		       "the OOM reaper slept %llu ms in the mirror's non-blockable invalidate callback",
		       (unsigned long long)(d_max / 1000000));
		ASSERT_TRUEF(c1.inval_busy > c0.inval_busy,
		       "a non-blockable invalidation met the held mirror lock and did not give up");
	}
	ASSERT_TRUE(c1.stale == c0.stale);
	return 0;
}

/* The cgroup of the rounds removed (it may take a moment), cgroup2 unmounted. */
static void oom_cgroup_undo(void *arg)
{
	struct oom_env *e = arg;
	int i;

	for (i = 0; e->cg[0] && i < 50 && rmdir(e->cg) && errno == EBUSY; i++)
		usleep(100000);
	if (e->mounted)
		umount(CGROUP_ROOT);
}

/*
 * System-wide OOM: this process, hpc-mirror-test and its parent (the
 * processes of the old single-process test) are protected (-1000) until
 * the test ends.
 */
static void oom_protect(struct __test_metadata *_metadata)
{
	pid_t pids[2] = { getppid(), g.parent };
	char path[64], adj[16];
	int i;

	ASSERT_RET(file_read("/proc/self/oom_score_adj", adj, sizeof(adj)), 0);
	undo_write("/proc/self/oom_score_adj", adj);
	ASSERT_RET(file_write("/proc/self/oom_score_adj", "-1000"), 0);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pids[i]);
		if (!file_read(path, adj, sizeof(adj))) {
			undo_write(path, adj);
			file_write(path, "-1000");
		}
	}
}

/* A small memory cgroup for the rounds' children. */
static void oom_cgroup(struct __test_metadata *_metadata, struct oom_env *e)
{
	char text[256];

	file_write(CGROUP_ROOT "/cgroup.subtree_control", "+memory");
	snprintf(e->cg, sizeof(e->cg), CGROUP_ROOT "/hpc-mirror-test-%d",
		 (int)getpid());
	ASSERT_TRUE(mkdir(e->cg, 0755) == 0 || errno == EEXIST);
	snprintf(text, sizeof(text), "%s/memory.max", e->cg);
	ASSERT_RET(file_write(text, "33554432"), 0);
	snprintf(text, sizeof(text), "%s/memory.swap.max", e->cg);
	file_write(text, "0");
}

/*
 * The only non-blockable invalidations in Linux 6.1 come from the OOM
 * reaper (and 6.1 does not mark interval-notifier callbacks with
 * non_block_start(), so DEBUG_ATOMIC_SLEEP cannot see a callback that
 * sleeps there). A child parks a thread in the module and allocates until
 * the OOM killer takes it: in a small memory cgroup when there is one,
 * else system-wide with oom_score_adj 1000 (the test's processes
 * protected with -1000).
 */
TEST_F(mirror, oom_nonblock)
{
	static struct oom_env e;
	char text[256];
	int i, r = OOM_AGAIN;

	if (!g.have_dbg)
		SKIP(return, "no %s (debugfs)", HPC_DEBUGFS_DIR);
	e.fd = self->fd;
	undo_call(oom_cgroup_undo, &e);
	if (access(CGROUP_ROOT "/cgroup.controllers", F_OK) &&
	    mount("none", CGROUP_ROOT, "cgroup2", 0, NULL) == 0)
		e.mounted = 1;
	if (file_read(CGROUP_ROOT "/cgroup.controllers", text, sizeof(text)) ||
	    !strstr(text, "memory"))
		e.global = 1;
	e.reaper = oom_reaper_pid();
	ASSERT_TRUE(e.fd >= 0);
	if (e.reaper < 0)
		diag("no oom_reaper thread found: blocking goes unseen");
	if (e.global) {
		diag("no memory cgroup: system-wide OOM");
		oom_protect(_metadata);
	} else {
		oom_cgroup(_metadata, &e);
	}
	ASSERT_TRUE(oom_round(_metadata, &e, 0) == 0);
	/* a slow OOM (a loaded host, KASAN) may come after the park: again */
	for (i = 0; i < 3 && (r = oom_round(_metadata, &e, 1)) == OOM_AGAIN; i++)
		;
	ASSERT_TRUE(r == 0);
}
