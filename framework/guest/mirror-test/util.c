// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-mirror-test helpers: patterns, the ioctls of /dev/hpchaos, debugfs
 * knobs and fault points, providers, the PCI BAR device, and the list of
 * what a test changed outside its process (undone by the fixtures'
 * teardown). Part of hpc-mirror-test's one translation unit.
 */

/* ---- what a test changed outside its process ---- */

/*
 * Each test runs in a process of its own (the harness forks), so this list
 * is the test's: files to write back and processes to kill, undone in
 * reverse order by every fixture's teardown, whether the test passed or
 * an assertion ended it.
 */
#define UNDO_MAX	32

static struct {
	struct {
		char path[256];
		char val[64];
	} w[UNDO_MAX];
	int nw;
	pid_t pid[4];
	int npid;
	struct {
		void (*fn)(void *arg);
		void *arg;
	} call[4];
	int ncall;
} undo;

/* Write val to path when the test ends (first registration of a path wins). */
static void undo_write(const char *path, const char *val)
{
	int i;

	for (i = 0; i < undo.nw; i++)
		if (!strcmp(undo.w[i].path, path))
			return;
	if (undo.nw == UNDO_MAX)
		return;
	snprintf(undo.w[undo.nw].path, sizeof(undo.w[0].path), "%s", path);
	snprintf(undo.w[undo.nw].val, sizeof(undo.w[0].val), "%s", val);
	undo.nw++;
}

/* Kill (SIGKILL) and reap pid when the test ends, unless it was reaped. */
static void undo_kill(pid_t pid)
{
	if (undo.npid < (int)(sizeof(undo.pid) / sizeof(undo.pid[0])))
		undo.pid[undo.npid++] = pid;
}

/* Call fn(arg) when the test ends (after the kills, before the writes). */
static void undo_call(void (*fn)(void *arg), void *arg)
{
	if (undo.ncall < (int)(sizeof(undo.call) / sizeof(undo.call[0]))) {
		undo.call[undo.ncall].fn = fn;
		undo.call[undo.ncall++].arg = arg;
	}
}

static int file_write(const char *path, const char *val);

static void undo_run(void)
{
	while (undo.npid > 0) {
		pid_t pid = undo.pid[--undo.npid];

		if (waitpid(pid, NULL, WNOHANG) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
	}
	while (undo.ncall > 0) {
		undo.ncall--;
		undo.call[undo.ncall].fn(undo.call[undo.ncall].arg);
	}
	while (undo.nw > 0) {
		undo.nw--;
		file_write(undo.w[undo.nw].path, undo.w[undo.nw].val);
	}
}

/* ---- helpers ---- */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void fill(void *p, size_t len, uint64_t salt)
{
	uint64_t *w = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = mix64(g.seed ^ mix64(salt) ^ (i * GOLDEN));
}

/* Index of the first word that differs from the pattern, or -1. */
static long check_fill(const void *p, size_t len, uint64_t salt)
{
	const uint64_t *w = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i] != mix64(g.seed ^ mix64(salt) ^ (i * GOLDEN)))
			return (long)i;
	return -1;
}

static int all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i])
			return 0;
	return 1;
}

static int mopen(void)
{
	int fd = open(HPC_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static int range_op(int fd, unsigned long cmd, const void *addr, size_t len,
		    void *buf, uint32_t flags, struct hpc_range_op *res)
{
	struct hpc_range_op op = {
		.size = sizeof(op),
		.flags = flags,
		.addr = (uintptr_t)addr,
		.len = len,
		.buf = (uintptr_t)buf,
	};
	int r = xioctl(fd, cmd, &op);

	if (res)
		*res = op;
	return r;
}

static int mread(int fd, const void *addr, size_t len, void *buf)
{
	return range_op(fd, HPC_IOC_READ, addr, len, buf, 0, NULL);
}

static int mwrite(int fd, void *addr, size_t len, const void *buf)
{
	return range_op(fd, HPC_IOC_WRITE, addr, len, (void *)buf, 0, NULL);
}

static int counters(int fd, int global, struct hpc_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->flags = global ? HPC_CNT_GLOBAL : 0;
	return xioctl(fd, HPC_IOC_COUNTERS, c);
}

static int mreset(int fd, uint32_t flags, struct hpc_reset *res)
{
	struct hpc_reset r = { .size = sizeof(r), .flags = flags };
	int ret = xioctl(fd, HPC_IOC_RESET, &r);

	if (res)
		*res = r;
	return ret;
}

static uint64_t now_ns(void)
{
	return hpc_mono_ns();
}

/*
 * Map npages anonymous pages (plus slack) so that the returned range has
 * a region boundary in its middle; base and maplen are for munmap().
 */
static char *map_straddle(size_t npages, char **base, size_t *maplen)
{
	size_t len = npages * g.page;
	size_t total = len + 2 * g.region;
	uintptr_t b, bound;
	char *m;

	m = mmap(NULL, total, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	/* THP has its own test; here every page is a page */
	madvise(m, total, MADV_NOHUGEPAGE);
	b = (uintptr_t)m;
	bound = (b + len / 2 + g.region - 1) & ~(uintptr_t)(g.region - 1);
	*base = m;
	*maplen = total;
	return (char *)(bound - (npages / 2) * g.page);
}

static void unmap(char *base, size_t len)
{
	if (base)
		munmap(base, len);
}

/* debugfs */

static void dbg_path(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", HPC_DEBUGFS_DIR, name);
}

static int file_write(const char *path, const char *val)
{
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	return 0;
}

static int file_read(const char *path, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (len + 1 < cap && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	return 0;
}

static int dbg_write(const char *name, const char *val)
{
	char path[256];

	dbg_path(path, sizeof(path), name);
	return file_write(path, val);
}

static int dbg_read(const char *name, char *buf, size_t cap)
{
	char path[256];

	dbg_path(path, sizeof(path), name);
	return file_read(path, buf, cap);
}

static int dbg_get(const char *name, uint64_t *v)
{
	char buf[64];
	int r = dbg_read(name, buf, sizeof(buf));

	if (r)
		return r;
	*v = strtoull(buf, NULL, 0);
	return 0;
}

static int dbg_set(const char *name, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return dbg_write(name, buf);
}

/*
 * A debugfs knob set for the length of a test, restored afterwards (by
 * knob_restore, and in any case when the test ends).
 */
struct knob {
	const char *name;
	uint64_t old;
	int saved;
};

static int knob_set(struct knob *k, const char *name, uint64_t v)
{
	char path[256], old[32];
	int r;

	k->name = name;
	if (!k->saved) {
		r = dbg_get(name, &k->old);
		if (r)
			return r;
		dbg_path(path, sizeof(path), name);
		snprintf(old, sizeof(old), "%" PRIu64, k->old);
		undo_write(path, old);
		k->saved = 1;
	}
	return dbg_set(name, v);
}

static void knob_restore(struct knob *k)
{
	if (k->saved)
		dbg_set(k->name, k->old);
	k->saved = 0;
}

/* value of key=NUMBER in a debugfs text line */
static long long kv(const char *text, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "%s=", key);
	p = strstr(text, pat);
	if (!p)
		return -1;
	return strtoll(p + strlen(pat), NULL, 0);
}


/* ---- fault points ---- */

/* Configure a fault point; it is turned off again when the test ends. */
static int fp_write(const char *name, const char *cfg)
{
	char path[128], full[256];

	snprintf(path, sizeof(path), "faults/%s", name);
	dbg_path(full, sizeof(full), path);
	undo_write(full, "off");
	return dbg_write(path, cfg);
}

static int fp_read(const char *name, char *buf, size_t cap)
{
	char path[128];

	snprintf(path, sizeof(path), "faults/%s", name);
	return dbg_read(path, buf, cap);
}

/* ---- providers ---- */

static int prov_call(int fd, uint32_t op, uint32_t id, uint32_t flags,
		     uint32_t timeout_ms, struct hpc_provider *out_p)
{
	struct hpc_provider p = {
		.size = sizeof(p), .op = op, .id = id, .flags = flags,
		.timeout_ms = timeout_ms,
	};
	int r = xioctl(fd, HPC_IOC_PROVIDER, &p);

	if (out_p)
		*out_p = p;
	return r;
}

static int prov_info(int fd, uint32_t id, struct hpc_provider *p)
{
	return prov_call(fd, HPC_POP_INFO, id, 0, 0, p);
}

/* The id of a live device-private provider: an existing one, or a new one. */
static int dp_get(int fd, uint32_t *id)
{
	struct hpc_provider p = { .size = sizeof(p), .op = HPC_POP_ADD,
				  .kind = HPC_PKIND_DEVICE_PRIVATE,
				  .pages = 1 };
	uint32_t i;
	int r;

	for (i = 1; i < HPC_MAX_PROVIDERS; i++)
		if (!prov_info(fd, i, &p) && p.kind == HPC_PKIND_DEVICE_PRIVATE &&
		    p.state == HPC_PSTATE_LIVE && p.owner == HPC_OWNER_DEFAULT) {
			*id = i;
			return 0;
		}
	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.op = HPC_POP_ADD;
	p.kind = HPC_PKIND_DEVICE_PRIVATE;
	p.pages = 1;
	r = xioctl(fd, HPC_IOC_PROVIDER, &p);
	if (r)
		diag("HPC_POP_ADD: %s", strerror(-r));
	*id = p.id;
	return r;
}

static int migrate(int fd, void *addr, size_t len, uint32_t flags,
		   uint32_t prov, uint64_t *moved)
{
	struct hpc_range_op op = {
		.size = sizeof(op), .flags = flags, .addr = (uintptr_t)addr,
		.len = len, .provider = prov,
	};
	int r = xioctl(fd, HPC_IOC_MIGRATE, &op);

	if (moved)
		*moved = op.moved;
	return r;
}

/* Pages of [p, p + len) whose SNAPSHOT byte, masked with mask, is want. */
static long snap_match(int fd, void *p, size_t len, unsigned int mask,
		       unsigned int want)
{
	size_t n = len / g.page, i;
	unsigned char *s = malloc(n);
	long cnt = 0;

	if (!s)
		return -1;
	if (range_op(fd, HPC_IOC_SNAPSHOT, p, len, s, 0, NULL)) {
		free(s);
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((s[i] & mask) == want)
			cnt++;
	free(s);
	return cnt;
}

/* Pages of [p, p + len) the snapshot reports as type `type`. */
static long snap_count(int fd, void *p, size_t len, unsigned int type)
{
	return snap_match(fd, p, len, HPC_SNAP_TYPE_MASK, type);
}

static void *anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Move to device, mirror read/write there, move back, CPU sees the write. */
/* ---- the PCI BAR device ---- */

/*
 * BAR2 of a QEMU ivshmem-plain device (1af4:1110) as ZONE_DEVICE memory,
 * mapped through /dev/hpchaos at HPC_MMAP_OFFSET(id). Without such a
 * device the tests skip; with one but no live provider they fail.
 */

#define BAR_DRIVER	"/sys/bus/pci/drivers/hpchaos_bar"

/* PCI name (0000:01:00.0) of the first ivshmem-plain device, or "". */
static void bar_pci_dev(char *bdf, size_t cap)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	char path[320], ven[32], dev[32];
	struct dirent *de;

	bdf[0] = '\0';
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
			 de->d_name);
		if (file_read(path, ven, sizeof(ven)))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 de->d_name);
		if (file_read(path, dev, sizeof(dev)))
			continue;
		if (strtoul(ven, NULL, 16) == 0x1af4 &&
		    strtoul(dev, NULL, 16) == 0x1110) {
			snprintf(bdf, cap, "%s", de->d_name);
			break;
		}
	}
	if (d)
		closedir(d);
}

/* mmap() of npages of provider id from page first; MAP_FAILED on error */
static char *bar_mmap(int fd, uint32_t id, uint64_t first, size_t npages,
		      int flags)
{
	return mmap(NULL, npages * g.page, PROT_READ | PROT_WRITE, flags, fd,
		    (off_t)(HPC_MMAP_OFFSET(id) + first * g.page));
}

/* errno of an mmap() that should fail, 0 if it worked (and is undone) */
static int bar_mmap_err(int fd, uint64_t off, size_t len, int flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, (off_t)off);

	if (p != MAP_FAILED) {
		munmap(p, len);
		return 0;
	}
	return errno;
}

/*
 * Touch one byte of p in a child process (it shares the mapping): 1 when
 * the child died of SIGBUS, 0 when the access worked, -1 otherwise.
 */
static int bar_sigbus(void *p, int write)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		volatile unsigned char *c = p;

		if (write)
			*c = 0x5a;
		else
			(void)*c;
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS)
		return 1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}


/* bar_replug's marker files for the scenario's shell steps */
#define BAR_READY	"/tmp/hpc-bar.ready"	/* holds the PCI name */
#define BAR_ZEROS	"/tmp/hpc-bar.zeros"
#define BAR_GONE	"/tmp/hpc-bar.gone"

static int bar_mark(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t w;

	if (fd < 0)
		return -errno;
	w = write(fd, text, strlen(text));
	close(fd);
	return w == (ssize_t)strlen(text) ? 0 : -EIO;
}


/* Why a test cannot use /dev/hpchaos (the setup's skip reason). */
static const char *no_dev_reason(void)
{
	return g.dev_err == -ENOENT ?
		"no " HPC_DEVICE_PATH " (modprobe hpchaos)" :
		"cannot use " HPC_DEVICE_PATH " (not loaded, not root, or another uapi version)";
}

/*
 * npages straddling a region boundary (map_straddle) and a buffer of their
 * size, for a test: both stay until its process ends.
 */
static char *map_buf(struct __test_metadata *_metadata, size_t npages,
		     char **buf)
{
	char *base, *p;
	size_t maplen;

	*buf = malloc(npages * g.page);
	ASSERT_NE(NULL, *buf);
	p = map_straddle(npages, &base, &maplen);
	ASSERT_NE(NULL, p);
	return p;
}

/*
 * First thing in a test's process: the harness puts it in a process group
 * of its own, so a kill of the step's group (the agent's timeout) would
 * miss it; it dies with hpc-mirror-test instead.
 */
static void test_process_init(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != g.main_pid)
		_exit(1);
}
