// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-mirror-test: owners and clusters (uapi version 3). Mirrors of
 * devices of different owners on one mm, device-private providers of two
 * clusters, the detector's owner check, cross-owner migration (through
 * system memory) and in-cluster migration (device to device), and the
 * re-registration of a provider under a new owner (HPC_POP_REOWN), alone
 * and under the traffic of both clusters (fixture owners). Part of
 * hpc-mirror-test's one translation unit.
 */

/* HPC_IOC_OWNER: set (owner > 0) or read (0) the owner of fd's device. */
static int set_owner(int fd, uint32_t owner, uint32_t *old)
{
	struct hpc_owner o = { .size = sizeof(o), .owner = owner };
	int r = xioctl(fd, HPC_IOC_OWNER, &o);

	if (!r && old)
		*old = o.old;
	return r;
}

/* A new device-private provider (never one already there) of owner. */
static int dp_add(int fd, uint32_t owner, uint32_t *id)
{
	struct hpc_provider p = {
		.size = sizeof(p), .op = HPC_POP_ADD, .pages = 1,
		.kind = HPC_PKIND_DEVICE_PRIVATE, .owner = owner,
	};
	int r = xioctl(fd, HPC_IOC_PROVIDER, &p);

	if (r)
		diag("HPC_POP_ADD owner %u: %s", owner, strerror(-r));
	*id = p.id;
	return r;
}

static int reown(int fd, uint32_t id, uint32_t owner, struct hpc_provider *out)
{
	struct hpc_provider p = {
		.size = sizeof(p), .op = HPC_POP_REOWN, .id = id,
		.owner = owner, .timeout_ms = 20000,
	};
	int r = xioctl(fd, HPC_IOC_PROVIDER, &p);

	if (out)
		*out = p;
	return r;
}

/* Pages of [p, p + len) whose SNAPSHOT byte has every bit of flag. */
static long snap_flag_count(int fd, void *p, size_t len, unsigned int flag)
{
	return snap_match(fd, p, len, flag, flag);
}

/* READ with HPC_OP_NOFAULT: only what the mirror holds. */
static int mread_nofault(int fd, const void *addr, size_t len, void *buf)
{
	return range_op(fd, HPC_IOC_READ, addr, len, buf, HPC_OP_NOFAULT, NULL);
}

/*
 * Mirrors a (owner 1), b (owner 2) and a2 (owner 1: a's cluster peer), all
 * of this process; providers p1 (owner 1), p2 (owner 2), p3 (owner 1),
 * added for the test and revoked after it.
 */
FIXTURE(owners) {
	int a, b, a2;
	uint32_t p1, p2, p3;
	struct hpc_counters g0;		/* module-wide, at setup */
};

FIXTURE_SETUP(owners)
{
	uint32_t old = 0;

	test_process_init();
	self->a = self->b = self->a2 = -1;
	if (!g.have_dev)
		SETUP_SKIP("%s", no_dev_reason());
	dp_can(_metadata);
	if (!(g.ver.caps & HPC_CAP_OWNERS))
		SETUP_SKIP("module without owners (HPC_CAP_OWNERS)");
	self->a = mopen();
	self->b = mopen();
	self->a2 = mopen();
	ASSERT_TRUE(self->a >= 0 && self->b >= 0 && self->a2 >= 0);
	ASSERT_RET(set_owner(self->b, 2, &old), 0);
	ASSERT_EQ(HPC_OWNER_DEFAULT, (int)old);
	ASSERT_RET(dp_add(self->a, 1, &self->p1), 0);
	ASSERT_RET(dp_add(self->a, 2, &self->p2), 0);
	ASSERT_RET(dp_add(self->a, 1, &self->p3), 0);
	ASSERT_RET(counters(self->a, 1, &self->g0), 0);
}

FIXTURE_TEARDOWN(owners)
{
	uint32_t ids[] = { self->p1, self->p2, self->p3 };
	unsigned int i;

	undo_run();
	for (i = 0; i < 3 && self->a >= 0; i++)
		if (ids[i])
			prov_call(self->a, HPC_POP_REVOKE, ids[i], 0, 20000, NULL);
	if (self->a >= 0)
		close(self->a);
	if (self->b >= 0)
		close(self->b);
	if (self->a2 >= 0)
		close(self->a2);
}

/* The detector found no owner violation (nor any other) since setup. */
static void owners_clean(struct __test_metadata *_metadata,
			 FIXTURE_DATA(owners) *self)
{
	struct hpc_counters c;

	ASSERT_RET(counters(self->a, 1, &c), 0);
	ASSERT_TRUEF(c.owner_stale == self->g0.owner_stale &&
		     c.stale == self->g0.stale,
		     "STALE: %llu owner violations, %llu stale uses since setup",
		     (unsigned long long)(c.owner_stale - self->g0.owner_stale),
		     (unsigned long long)(c.stale - self->g0.stale));
}

/*
 * Read [p, p + len) through mirror fd and check it holds salt's pattern;
 * *cross: how many pages that read migrated across owners (-1: failed).
 */
static void read_cross(struct __test_metadata *_metadata, int fd, char *p,
		       size_t len, char *buf, uint64_t salt, long *cross)
{
	struct hpc_counters c0, c1;

	*cross = -1;
	ASSERT_RET(counters(fd, 0, &c0), 0);
	ASSERT_RET(mread(fd, p, len, buf), 0);
	ASSERT_TRUEF(check_fill(buf, len, salt) < 0, "CORRUPT: read through mirror differs");
	ASSERT_RET(counters(fd, 0, &c1), 0);
	*cross = (long)(c1.migrate_cross - c0.migrate_cross);
}

/* Owners of mirrors and providers; the arguments that are refused. */
TEST_F(owners, args)
{
	size_t len = 4 * g.page;
	struct hpc_owner o;
	struct hpc_provider pi;
	char *p = anon(len), *buf = malloc(len);
	uint32_t old = 0;

	ASSERT_TRUE(p && buf);
	ASSERT_RET(set_owner(self->a, 0, &old), 0);
	ASSERT_EQ(HPC_OWNER_DEFAULT, (int)old);
	ASSERT_RET(set_owner(self->a, HPC_MAX_OWNERS, NULL), EINVAL);
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.pad = 1;
	ASSERT_RET(xioctl(self->a, HPC_IOC_OWNER, &o), EINVAL);
	o.size = sizeof(o) - 8;
	o.pad = 0;
	ASSERT_RET(xioctl(self->a, HPC_IOC_OWNER, &o), EINVAL);
	/* a mirror with entries keeps its owner until its table is reset */
	ASSERT_RET(set_owner(self->a2, 3, NULL), 0);
	ASSERT_RET(mread(self->a2, p, len, buf), 0);
	ASSERT_RET(set_owner(self->a2, 1, &old), EBUSY);
	ASSERT_RET(mreset(self->a2, HPC_RESET_TABLE, NULL), 0);
	ASSERT_RET(set_owner(self->a2, 1, &old), 0);
	ASSERT_EQ(3, (int)old);
	ASSERT_RET(prov_info(self->a, self->p1, &pi), 0);
	ASSERT_EQ(1, (int)pi.owner);
	ASSERT_RET(prov_info(self->a, self->p2, &pi), 0);
	ASSERT_EQ(2, (int)pi.owner);
	/* ADD: owner in range; other ops: no owner; REOWN: one */
	memset(&pi, 0, sizeof(pi));
	pi.size = sizeof(pi);
	pi.op = HPC_POP_ADD;
	pi.kind = HPC_PKIND_DEVICE_PRIVATE;
	pi.pages = 1;
	pi.owner = HPC_MAX_OWNERS;
	ASSERT_RET(xioctl(self->a, HPC_IOC_PROVIDER, &pi), EINVAL);
	memset(&pi, 0, sizeof(pi));
	pi.size = sizeof(pi);
	pi.op = HPC_POP_INFO;
	pi.id = self->p1;
	pi.owner = 1;
	ASSERT_RET(xioctl(self->a, HPC_IOC_PROVIDER, &pi), EINVAL);
	ASSERT_RET(reown(self->a, self->p1, 0, NULL), EINVAL);
	ASSERT_RET(reown(self->a, 15, 2, NULL), ENODEV);
	/* a device does not migrate into another cluster's memory */
	fill(p, len, 80);
	ASSERT_RET(migrate(self->a, p, len, HPC_OP_TO_DEVICE, self->p2, NULL), EXDEV);
	ASSERT_RET(migrate(self->b, p, len, HPC_OP_TO_DEVICE, self->p1, NULL), EXDEV);
	owners_clean(_metadata, self);
	munmap(p, len);
	free(buf);
}

/*
 * A page on a device of owner 1, faulted by a mirror of owner 2:
 * hmm_range_fault() migrates it to system memory first (counted on that
 * mirror and on the provider); and back the other way.
 */
TEST_F(owners, cross_owner_fault)
{
	size_t n = 16, len = n * g.page;
	long cross = 0;
	struct hpc_provider pi;
	char *p = anon_filled(_metadata, len, 81), *buf = malloc(len);
	uint64_t moved = 0;

	ASSERT_TRUE(buf != NULL);
	ASSERT_RET(migrate(self->a, p, len, HPC_OP_TO_DEVICE, self->p1, &moved), 0);
	ASSERT_TRUEF(moved == n, "moved %llu of %zu to provider %u", (unsigned long long)moved, n, self->p1);
	ASSERT_TRUE(snap_count(self->a, p, len, HPC_SNAP_DEV_PRIVATE) == (long)n);
	read_cross(_metadata, self->b, p, len, buf, 81, &cross);
	diag("owner 2 faulted %zu pages of owner 1: %ld migrated across", n, cross);
	ASSERT_TRUEF(cross == (long)n, "migrate_cross %ld, expected %zu", cross, n);
	ASSERT_TRUE(snap_count(self->b, p, len, HPC_SNAP_RAM) == (long)n);
	ASSERT_RET(prov_info(self->a, self->p1, &pi), 0);
	ASSERT_TRUEF(pi.migrate_cross >= n && pi.pages_used == 0,
		     "provider %u: cross %llu, %llu pages still used", self->p1,
		     (unsigned long long)pi.migrate_cross, (unsigned long long)pi.pages_used);
	/* system memory -> the other cluster's device; owner 1 pulls it back */
	ASSERT_RET(migrate(self->b, p, len, HPC_OP_TO_DEVICE, self->p2, &moved), 0);
	ASSERT_TRUE(moved == n);
	ASSERT_TRUE(snap_count(self->b, p, len, HPC_SNAP_DEV_PRIVATE) == (long)n);
	read_cross(_metadata, self->a, p, len, buf, 81, &cross);
	ASSERT_TRUE(cross == (long)n);
	ASSERT_TRUEF(check_fill(p, len, 81) < 0, "CORRUPT: CPU view differs");
	owners_clean(_metadata, self);
	munmap(p, len);
	free(buf);
}

/*
 * Within a cluster: a peer (same owner) uses the pages in place, no
 * migration; MIGRATE TO_DEVICE into another provider of the cluster moves
 * them device to device.
 */
TEST_F(owners, cluster_in_place)
{
	size_t n = 16, len = n * g.page;
	long cross = 0;
	struct hpc_provider i1, i3;
	char *p = anon_filled(_metadata, len, 82), *buf = malloc(len);
	uint64_t moved = 0;

	ASSERT_TRUE(buf != NULL);
	ASSERT_RET(migrate(self->a, p, len, HPC_OP_TO_DEVICE, self->p1, &moved), 0);
	ASSERT_TRUE(moved == n);
	read_cross(_metadata, self->a2, p, len, buf, 82, &cross);
	ASSERT_TRUEF(cross == 0, "the peer migrated %ld pages of its own cluster", cross);
	ASSERT_TRUEF(snap_flag_count(self->a2, p, len, HPC_SNAP_MIRRORED) == (long)n &&
		     snap_count(self->a2, p, len, HPC_SNAP_DEV_PRIVATE) == (long)n,
		     "the peer does not map the %zu device pages in place", n);
	/* device to device, p1 -> p3 */
	ASSERT_RET(migrate(self->a2, p, len, HPC_OP_TO_DEVICE, self->p3, &moved), 0);
	ASSERT_RET(prov_info(self->a, self->p1, &i1), 0);
	ASSERT_RET(prov_info(self->a, self->p3, &i3), 0);
	diag("device to device: %llu of %zu pages moved; provider %u holds %llu, provider %u %llu",
	     (unsigned long long)moved, n, self->p1, (unsigned long long)i1.pages_used,
	     self->p3, (unsigned long long)i3.pages_used);
	ASSERT_TRUEF(moved == n && i3.pages_used == n && i1.pages_used == 0,
		     "device to device moved %llu of %zu", (unsigned long long)moved, n);
	ASSERT_TRUE(snap_count(self->a, p, len, HPC_SNAP_DEV_PRIVATE) == (long)n);
	ASSERT_RET(mread(self->a, p, len, buf), 0);
	ASSERT_TRUEF(check_fill(buf, len, 82) < 0, "CORRUPT after device to device");
	ASSERT_TRUEF(check_fill(p, len, 82) < 0, "CORRUPT: CPU view differs");
	owners_clean(_metadata, self);
	munmap(p, len);
	free(buf);
}

/*
 * REOWN: the provider's whole pagemap goes (its pages evicted, the
 * mirrors' entries invalidated), a new one of the new owner takes the same
 * id; the mirrors stay ACTIVE and the data intact.
 */
TEST_F(owners, reown)
{
	size_t n = 32, len = n * g.page;
	struct hpc_counters c;
	struct hpc_provider before, pi;
	char *p = anon_filled(_metadata, len, 83), *buf = malloc(len);
	uint64_t moved = 0;

	ASSERT_TRUE(buf != NULL);
	ASSERT_RET(migrate(self->a, p, len, HPC_OP_TO_DEVICE, self->p1, &moved), 0);
	ASSERT_TRUE(moved == n);
	ASSERT_RET(mread(self->a, p, len, buf), 0);
	ASSERT_TRUE(snap_flag_count(self->a, p, len, HPC_SNAP_MIRRORED) == (long)n);
	ASSERT_RET(prov_info(self->a, self->p1, &before), 0);
	ASSERT_RET(reown(self->a, self->p1, 2, &pi), 0);
	diag("reown of provider %u: generation %u -> %u, owner %u -> %u",
	     self->p1, before.generation, pi.generation, before.owner, pi.owner);
	/* no entry of the old pagemap is left to use */
	ASSERT_RET(mread_nofault(self->a, p, len, buf), ENOENT);
	ASSERT_TRUEF(pi.id == self->p1 && pi.owner == 2 && pi.state == HPC_PSTATE_LIVE &&
		     pi.generation == before.generation + 1 && pi.pages_used == 0,
		     "after reown: id %u owner %u state %u generation %u used %llu",
		     pi.id, pi.owner, pi.state, pi.generation,
		     (unsigned long long)pi.pages_used);
	ASSERT_RET(counters(self->a, 0, &c), 0);
	ASSERT_TRUEF(c.state == HPC_STATE_ACTIVE, "mirror state %u after reown", c.state);
	ASSERT_TRUE(snap_count(self->a, p, len, HPC_SNAP_RAM) == (long)n);
	ASSERT_TRUEF(check_fill(p, len, 83) < 0, "CORRUPT: data lost by the reown");
	/* the new owner's device uses it; the old owner's no longer may */
	ASSERT_RET(migrate(self->a, p, len, HPC_OP_TO_DEVICE, self->p1, NULL), EXDEV);
	ASSERT_RET(migrate(self->b, p, len, HPC_OP_TO_DEVICE, self->p1, &moved), 0);
	ASSERT_TRUE(moved == n);
	ASSERT_RET(mread(self->a, p, len, buf), 0);
	ASSERT_TRUEF(check_fill(buf, len, 83) < 0, "CORRUPT after reown and migration");
	ASSERT_RET(counters(self->a, 0, &c), 0);
	ASSERT_TRUE(c.migrate_cross >= n);
	ASSERT_RET(counters(self->a, 1, &c), 0);
	ASSERT_TRUEF(c.evicted - self->g0.evicted >= n,
		     "the old pagemap evicted %llu pages, expected %zu",
		     (unsigned long long)(c.evicted - self->g0.evicted), n);
	owners_clean(_metadata, self);
	munmap(p, len);
	free(buf);
}

struct own_race {
	int fd;
	uint32_t prov[2];
	char *p;
	size_t len;
	uint64_t salt;
	atomic_int *stop;
	long rounds, moved, other, corrupt;
	int other_err;
};

/* Errors a worker may meet while providers change owner under it. */
static int own_race_ok(int e)
{
	return !e || e == -ENODEV || e == -EXDEV || e == -EBUSY || e == -ENOMEM;
}

static void own_race_note(struct own_race *r, int e)
{
	if (!own_race_ok(e)) {
		r->other++;
		r->other_err = e;
	}
}

/* One device's traffic: into whichever provider is its own, read, back. */
static void *own_race_worker(void *arg)
{
	struct own_race *r = arg;
	char *buf = malloc(r->len);
	unsigned int k = 0;

	while (buf && !atomic_load(r->stop)) {
		uint64_t moved = 0;
		int e = migrate(r->fd, r->p, r->len, HPC_OP_TO_DEVICE,
				r->prov[k++ & 1], &moved);

		own_race_note(r, e);
		__atomic_add_fetch(&r->moved, (long)moved, __ATOMIC_RELAXED);
		e = mread(r->fd, r->p, r->len, buf);
		own_race_note(r, e);
		if (!e && check_fill(buf, r->len, r->salt) >= 0)
			r->corrupt++;
		if (k % 3 == 0)
			own_race_note(r, migrate(r->fd, r->p, r->len,
						 HPC_OP_TO_SYSTEM, 0, NULL));
		r->rounds++;
	}
	free(buf);
	return NULL;
}

/*
 * Owner changes under traffic: mirrors of both clusters migrate, fault
 * and read the same memory while p1 is re-registered back and forth
 * between the clusters. Nothing stale, nothing lost, nothing leaked.
 */
TEST_F(owners, reown_traffic)
{
	size_t n = 64, len = n * g.page;
	atomic_int stop_a = 0, stop_b = 0;
	struct own_race ra = { .fd = self->a, .prov = { self->p1, self->p3 } };
	struct own_race rb = { .fd = self->b, .prov = { self->p1, self->p2 } };
	struct hpc_counters c;
	struct hpc_provider pi;
	pthread_t ta, tb;
	unsigned int i, reowns = 0;
	char *p = anon_filled(_metadata, len, 84);

	ra.p = rb.p = p;
	ra.len = rb.len = len;
	ra.salt = rb.salt = 84;
	ra.stop = &stop_a;
	rb.stop = &stop_b;
	ASSERT_TRUE(pthread_create(&ta, NULL, own_race_worker, &ra) == 0);
	ASSERT_TRUE(pthread_create(&tb, NULL, own_race_worker, &rb) == 0);
	for (i = 0; i < 6; i++) {
		usleep(200000);
		if (!reown(self->a, self->p1, i % 2 ? 1 : 2, &pi))
			reowns++;
	}
	/*
	 * Each device must have moved pages. Under load one thread may starve
	 * the other (seen: 42 rounds against 7, and the other's 7 found every
	 * page in the first cluster's memory): owner 1 runs until it moved
	 * some, then stops, and owner 2, alone, faults the pages back from
	 * owner 1's memory and moves them (20 s bound for each).
	 */
	for (i = 0; i < 200 && !__atomic_load_n(&ra.moved, __ATOMIC_RELAXED); i++)
		usleep(100000);
	atomic_store(&stop_a, 1);
	pthread_join(ta, NULL);
	for (i = 0; i < 200 && !__atomic_load_n(&rb.moved, __ATOMIC_RELAXED); i++)
		usleep(100000);
	atomic_store(&stop_b, 1);
	pthread_join(tb, NULL);
	diag("%u reowns; owner 1: %ld rounds, %ld pages moved; owner 2: %ld rounds, %ld pages moved",
	     reowns, ra.rounds, ra.moved, rb.rounds, rb.moved);
	ASSERT_EQ(6, (int)reowns);
	ASSERT_TRUEF(!ra.other && !rb.other, "unexpected errors: owner 1 %ld (%s), owner 2 %ld (%s)",
		     ra.other, strerror(-ra.other_err), rb.other, strerror(-rb.other_err));
	ASSERT_TRUEF(!ra.corrupt && !rb.corrupt, "CORRUPT: %ld + %ld reads differ",
		     ra.corrupt, rb.corrupt);
	ASSERT_TRUEF(ra.moved > 0 && rb.moved > 0, "no traffic: %ld and %ld pages moved",
		     ra.moved, rb.moved);
	ASSERT_TRUEF(check_fill(p, len, 84) < 0, "CORRUPT: CPU view differs");
	ASSERT_RET(counters(self->a, 1, &c), 0);
	diag("module-wide since setup: %llu pages migrated across owners, %llu evicted",
	     (unsigned long long)(c.migrate_cross - self->g0.migrate_cross),
	     (unsigned long long)(c.evicted - self->g0.evicted));
	ASSERT_TRUE(c.migrate_cross > self->g0.migrate_cross);
	owners_clean(_metadata, self);
	munmap(p, len);
}

struct own_watch {
	int fd;
	uint32_t id;
	atomic_int done;
	int saw_revoking, saw_enodev;
	char *p;
	size_t len;
};

/* While a REOWN runs: what INFO and a migration into it say. */
static void *own_watch_fn(void *arg)
{
	struct own_watch *w = arg;
	struct hpc_provider pi;

	while (!atomic_load(&w->done)) {
		if (!prov_info(w->fd, w->id, &pi) && pi.state == HPC_PSTATE_REVOKING) {
			w->saw_revoking = 1;
			if (migrate(w->fd, w->p, w->len, HPC_OP_TO_DEVICE, w->id,
				    NULL) == -ENODEV)
				w->saw_enodev = 1;
		}
		usleep(10000);
	}
	return NULL;
}

/*
 * The re-registration window: delay_reown_us holds it open (INFO says
 * REVOKING, a migration into it fails -ENODEV); the fault point
 * reown_register makes the new pagemap fail: the provider is gone, the
 * data safe in system memory, and an ADD works again.
 */
TEST_F(owners, reown_window)
{
	size_t n = 8, len = n * g.page;
	struct own_watch w = { .fd = self->b, .id = self->p1 };
	struct hpc_provider pi;
	struct knob k = { 0 };
	pthread_t tid;
	uint64_t t0, dt, moved = 0;
	uint32_t id;
	int r;

	if (!g.have_dbg)
		SKIP(return, "no %s (debugfs)", HPC_DEBUGFS_DIR);
	w.p = anon_filled(_metadata, len, 85);
	w.len = len;
	ASSERT_RET(migrate(self->a, w.p, len, HPC_OP_TO_DEVICE, self->p1, &moved), 0);
	ASSERT_TRUE(moved == n);
	ASSERT_TRUE(knob_set(&k, "delay_reown_us", 500000) == 0);
	ASSERT_TRUE(pthread_create(&tid, NULL, own_watch_fn, &w) == 0);
	t0 = now_ns();
	r = reown(self->a, self->p1, 2, &pi);
	dt = now_ns() - t0;
	atomic_store(&w.done, 1);
	pthread_join(tid, NULL);
	knob_restore(&k);
	ASSERT_RET(r, 0);
	diag("reown with delay_reown_us=500000: %llu ms; the watcher saw REVOKING %d, -ENODEV %d",
	     (unsigned long long)(dt / 1000000), w.saw_revoking, w.saw_enodev);
	ASSERT_TRUEF(dt >= 500000000ULL, "reown took %llu ms", (unsigned long long)(dt / 1000000));
	ASSERT_TRUE(w.saw_revoking && w.saw_enodev);
	ASSERT_TRUE(pi.state == HPC_PSTATE_LIVE && pi.owner == 2);
	/* the new pagemap cannot be had: the provider is gone, nothing lost */
	ASSERT_RET(migrate(self->b, w.p, len, HPC_OP_TO_DEVICE, self->p1, &moved), 0);
	ASSERT_TRUE(moved == n);
	ASSERT_TRUE(!fp_write("reown_register", "nth=1"));
	ASSERT_RET(reown(self->a, self->p1, 1, &pi), ENOMEM);
	ASSERT_RET(prov_info(self->a, self->p1, &pi), 0);
	ASSERT_TRUEF(pi.state == HPC_PSTATE_GONE && pi.pages_used == 0 && pi.held == 0,
		     "after a failed re-registration: state %u, %llu used, %llu held",
		     pi.state, (unsigned long long)pi.pages_used, (unsigned long long)pi.held);
	ASSERT_TRUEF(check_fill(w.p, len, 85) < 0, "CORRUPT after a failed re-registration");
	/* a gone slot is taken again (the first gone one: not always p1's) */
	ASSERT_RET(dp_add(self->a, 1, &id), 0);
	ASSERT_RET(prov_call(self->a, HPC_POP_REVOKE, id, 0, 20000, NULL), 0);
	owners_clean(_metadata, self);
	munmap(w.p, len);
}
