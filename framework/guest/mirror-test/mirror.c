// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-mirror-test: the mirror of anonymous memory. Reads, writes, the zero
 * page, SNAPSHOT, every invalidation the tests can cause (munmap, mremap,
 * mprotect, madvise, fork, the owner's exit), bad arguments, counters, the
 * reset state, VALIDATE, a transparent huge page. Part of hpc-mirror-test's
 * one translation unit.
 */

/* A fresh mirror (/dev/hpchaos opened) for each test. */
FIXTURE(mirror) {
	int fd;
};

FIXTURE_SETUP(mirror)
{
	test_process_init();
	if (!g.have_dev)
		SETUP_SKIP("%s", no_dev_reason());
	self->fd = mopen();
	ASSERT_TRUE(self->fd >= 0);
}

FIXTURE_TEARDOWN(mirror)
{
	undo_run();
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(mirror, version)
{
	struct hpc_version v = { .size = sizeof(v) };
	int fd;

	fd = mopen();
	ASSERT_TRUE(fd >= 0);
	ASSERT_RET(xioctl(fd, HPC_IOC_VERSION, &v), 0);
	ASSERT_TRUEF(v.version == HPC_UAPI_VERSION, "module uapi %u, test uapi %d",
	       v.version, HPC_UAPI_VERSION);
	ASSERT_TRUE(v.size == sizeof(v));
	ASSERT_TRUE(v.page_size == (uint32_t)sysconf(_SC_PAGESIZE));
	ASSERT_TRUE(v.region_size >= v.page_size);
	ASSERT_TRUE(v.max_op_len >= v.region_size);
	ASSERT_TRUE((v.caps & HPC_CAP_MIRROR) != 0);
	ASSERT_NE(NULL, memchr(v.planted_name, 0, sizeof(v.planted_name)));
	diag("caps=0x%llx kconfig=0x%llx region=%llu KiB planted=%s",
	     (unsigned long long)v.caps, (unsigned long long)v.kconfig,
	     (unsigned long long)v.region_size >> 10, v.planted_name);
}

TEST_F(mirror, open_close)
{
	int i, a = -1, b = -1;
	struct hpc_counters ca, cb;

	for (i = 0; i < 100; i++) {
		int fd = mopen();

		ASSERT_TRUEF(fd >= 0, "open #%d: %s", i, strerror(-fd));
		close(fd);
	}
	a = mopen();
	b = mopen();
	ASSERT_TRUE(a >= 0 && b >= 0);
	ASSERT_RET(counters(a, 0, &ca), 0);
	ASSERT_RET(counters(b, 0, &cb), 0);
	ASSERT_TRUE(ca.reads == 0 && cb.reads == 0 && ca.regions == 0);
	ASSERT_TRUE(ca.state == HPC_STATE_ACTIVE);
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
}

TEST_F(mirror, read_anon)
{
	size_t n = 48, len = n * g.page;
	char *p, *buf;
	struct hpc_range_op op;
	struct hpc_counters c;
	int fd = self->fd;
	long bad;

	p = map_buf(_metadata, n, &buf);
	fill(p, len, 1);
	ASSERT_RET(range_op(fd, HPC_IOC_READ, p, len, buf, 0, &op), 0);
	ASSERT_TRUE(op.done == len);
	ASSERT_TRUE(op.faults >= 2);		/* two regions at least */
	bad = check_fill(buf, len, 1);
	ASSERT_TRUEF(bad < 0, "word %ld differs", bad);
	/* served from the mirror now */
	memset(buf, 0, len);
	ASSERT_RET(range_op(fd, HPC_IOC_READ, p, len, buf, 0, &op), 0);
	ASSERT_TRUEF(op.faults == 0, "second read faulted %u times", op.faults);
	ASSERT_TRUE(check_fill(buf, len, 1) < 0);
	ASSERT_RET(counters(fd, 0, &c), 0);
	ASSERT_TRUE(c.pages_mirrored == n);
	ASSERT_TRUE(c.regions == 2);
	ASSERT_TRUE(c.reads == 2 && c.bytes_read == 2 * len);
	ASSERT_TRUE(c.stale == 0);
}

TEST_F(mirror, write_anon)
{
	size_t n = 40, len = n * g.page;
	char *p, *buf;
	struct hpc_range_op op;
	int fd = self->fd;
	long bad;

	p = map_buf(_metadata, n, &buf);
	memset(p, 0x5a, len);
	fill(buf, len, 2);
	ASSERT_RET(range_op(fd, HPC_IOC_WRITE, p, len, buf, 0, &op), 0);
	ASSERT_TRUE(op.done == len);
	bad = check_fill(p, len, 2);
	ASSERT_TRUEF(bad < 0, "CPU sees word %ld differ after the mirror wrote", bad);
	/* the CPU writes, the mirror (same pages) sees it */
	fill(p, len, 3);
	ASSERT_RET(mread(fd, p, len, buf), 0);
	ASSERT_TRUE(check_fill(buf, len, 3) < 0);
}

TEST_F(mirror, zero_page_cow)
{
	size_t n = 8, len = n * g.page;
	char *p, *buf;
	unsigned char snap[8];
	struct hpc_counters c0, c1;
	int fd = self->fd;
	size_t i;

	p = map_buf(_metadata, n, &buf);
	memset(buf, 0xff, len);
	ASSERT_RET(mread(fd, p, len, buf), 0);	/* read-faults: zero page */
	ASSERT_TRUE(all_zero(buf, len));
	ASSERT_RET(range_op(fd, HPC_IOC_SNAPSHOT, p, len, snap, 0, NULL), 0);
	for (i = 0; i < n; i++) {
		ASSERT_TRUEF((snap[i] & HPC_SNAP_TYPE_MASK) == HPC_SNAP_ZERO &&
		       (snap[i] & HPC_SNAP_MIRRORED) &&
		       !(snap[i] & HPC_SNAP_MIRROR_WRITE),
		       "page %zu: snapshot 0x%02x", i, snap[i]);
	}
	ASSERT_RET(counters(fd, 0, &c0), 0);
	fill(buf, len, 4);
	ASSERT_RET(mwrite(fd, p, len, buf), 0);	/* COW from the zero page */
	ASSERT_TRUE(check_fill(p, len, 4) < 0);
	ASSERT_RET(counters(fd, 0, &c1), 0);
	ASSERT_TRUEF(c1.invalidations > c0.invalidations,
	       "no invalidation when the zero page was replaced");
	ASSERT_RET(range_op(fd, HPC_IOC_SNAPSHOT, p, len, snap, 0, NULL), 0);
	for (i = 0; i < n; i++) {
		ASSERT_TRUEF((snap[i] & HPC_SNAP_TYPE_MASK) == HPC_SNAP_RAM &&
		       (snap[i] & HPC_SNAP_MIRROR_WRITE) &&
		       !(snap[i] & HPC_SNAP_MIRROR_DIFF),
		       "page %zu: snapshot 0x%02x", i, snap[i]);
	}
}

TEST_F(mirror, snapshot)
{
	size_t n = 8, len = n * g.page, i;
	char *p, *buf;
	unsigned char snap[8];
	struct hpc_range_op op;
	int fd = self->fd;
	volatile char sink;

	p = map_buf(_metadata, n, &buf);
	/* 0: untouched, 1: read (zero page), 2: written, 3: written then
	 * read-only, 4: PROT_NONE, 5: unmapped, 6: written+mirrored,
	 * 7: untouched */
	sink = p[1 * g.page];
	(void)sink;
	p[2 * g.page] = 1;
	p[3 * g.page] = 1;
	ASSERT_TRUE(mprotect(p + 3 * g.page, g.page, PROT_READ) == 0);
	ASSERT_TRUE(mprotect(p + 4 * g.page, g.page, PROT_NONE) == 0);
	ASSERT_TRUE(munmap(p + 5 * g.page, g.page) == 0);
	p[6 * g.page] = 1;
	ASSERT_RET(mread(fd, p + 6 * g.page, g.page, buf), 0);

	ASSERT_RET(range_op(fd, HPC_IOC_SNAPSHOT, p, len, snap, 0, &op), 0);
	ASSERT_TRUE(op.done == len);
	for (i = 0; i < n; i++)
		diag("page %zu: 0x%02x", i, snap[i]);
	ASSERT_TRUE(snap[0] == HPC_SNAP_NONE);
	ASSERT_TRUE(snap[1] == (HPC_SNAP_ZERO | HPC_SNAP_READ));
	ASSERT_TRUE(snap[2] == (HPC_SNAP_RAM | HPC_SNAP_READ | HPC_SNAP_WRITE));
	ASSERT_TRUE(snap[3] == (HPC_SNAP_RAM | HPC_SNAP_READ));
	ASSERT_TRUE(snap[4] == HPC_SNAP_ERROR);
	ASSERT_TRUE(snap[5] == HPC_SNAP_ERROR);
	ASSERT_TRUE(snap[6] == (HPC_SNAP_RAM | HPC_SNAP_READ | HPC_SNAP_WRITE |
			  HPC_SNAP_MIRRORED | HPC_SNAP_MIRROR_WRITE));
	ASSERT_TRUE(snap[7] == HPC_SNAP_NONE);
}

TEST_F(mirror, munmap)
{
	size_t n = 32, len = n * g.page;
	char *p, *buf;
	struct hpc_counters c0, c1;
	int fd = self->fd;

	p = map_buf(_metadata, n, &buf);
	fill(p, len, 5);
	ASSERT_RET(mread(fd, p, len, buf), 0);
	ASSERT_RET(counters(fd, 0, &c0), 0);
	ASSERT_TRUE(c0.pages_mirrored == n);
	ASSERT_TRUE(munmap(p, len) == 0);
	ASSERT_RET(counters(fd, 0, &c1), 0);
	ASSERT_TRUEF(c1.inval_event[HPC_EV_UNMAP] > c0.inval_event[HPC_EV_UNMAP],
	       "no UNMAP invalidation counted");
	ASSERT_TRUEF(c1.pages_mirrored == 0, "%llu entries survived munmap",
	       (unsigned long long)c1.pages_mirrored);
	ASSERT_RET(range_op(fd, HPC_IOC_READ, p, len, buf, HPC_OP_NOFAULT,
			   NULL), ENOENT);
	ASSERT_RET(mread(fd, p, len, buf), EFAULT);
	ASSERT_RET(mwrite(fd, p, len, buf), EFAULT);
	ASSERT_RET(counters(fd, 0, &c1), 0);
	ASSERT_TRUE(c1.stale == 0);
}

struct reader {
	int fd;
	char *addr;
	size_t len;
	atomic_int stop;
	atomic_ulong ok, efault, other;
	int other_err;
};

static void *munmap_reader(void *arg)
{
	struct reader *r = arg;
	char *buf = malloc(r->len);

	while (buf && !atomic_load(&r->stop)) {
		int ret = mread(r->fd, r->addr, r->len, buf);

		if (!ret)
			atomic_fetch_add(&r->ok, 1);
		else if (ret == -EFAULT)
			atomic_fetch_add(&r->efault, 1);
		else {
			r->other_err = ret;
			atomic_fetch_add(&r->other, 1);
		}
	}
	free(buf);
	return NULL;
}

/* munmap while another thread keeps reading through the mirror */
TEST_F(mirror, munmap_race)
{
	size_t n = 32, len = n * g.page;
	char *base = NULL, *p;
	struct reader r = { 0 };
	struct hpc_counters c;
	pthread_t tid;
	int fd = self->fd, started = 0, round;
	size_t maplen = 0;

	ASSERT_TRUE(fd >= 0);
	p = map_straddle(n, &base, &maplen);
	ASSERT_NE(NULL, p);
	r.fd = fd;
	r.addr = p;
	r.len = len;
	for (round = 0; round < 20; round++) {
		char *q;

		fill(p, len, 6);
		atomic_store(&r.stop, 0);
		ASSERT_TRUE(pthread_create(&tid, NULL, munmap_reader, &r) == 0);
		started = 1;
		usleep(2000);
		ASSERT_TRUE(munmap(p, len) == 0);
		usleep(1000);
		atomic_store(&r.stop, 1);
		pthread_join(tid, NULL);
		started = 0;
		/* after munmap returned, the range is gone for the mirror */
		ASSERT_RET(mread(fd, p, len, NULL), EFAULT);
		q = mmap(p, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		ASSERT_TRUE(q == p);
	}
	diag("reads ok=%lu efault=%lu other=%lu", atomic_load(&r.ok),
	     atomic_load(&r.efault), atomic_load(&r.other));
	ASSERT_TRUEF(atomic_load(&r.other) == 0, "reader error %d (%s)",
	       r.other_err, strerror(-r.other_err));
	ASSERT_RET(counters(fd, 0, &c), 0);
	ASSERT_TRUE(c.stale == 0);
	ASSERT_TRUE(c.inval_event[HPC_EV_UNMAP] >= 20);
	if (started) {
		atomic_store(&r.stop, 1);
		pthread_join(tid, NULL);
	}
	unmap(base, maplen);
}

TEST_F(mirror, mremap)
{
	size_t n = 16, len = n * g.page;
	char *p, *q = MAP_FAILED, *dst, *buf;
	struct hpc_counters c0, c1;
	int fd = self->fd;

	p = map_buf(_metadata, n, &buf);
	dst = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(dst != MAP_FAILED);
	fill(p, len, 7);
	ASSERT_RET(mread(fd, p, len, buf), 0);
	ASSERT_RET(counters(fd, 0, &c0), 0);
	q = mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	ASSERT_TRUE(q == dst);
	ASSERT_RET(counters(fd, 0, &c1), 0);
	ASSERT_TRUE(c1.inval_event[HPC_EV_UNMAP] > c0.inval_event[HPC_EV_UNMAP]);
	ASSERT_RET(mread(fd, p, len, buf), EFAULT);
	memset(buf, 0, len);
	ASSERT_RET(mread(fd, q, len, buf), 0);
	ASSERT_TRUE(check_fill(buf, len, 7) < 0);
	if (q != MAP_FAILED)
		munmap(q, len);
}

TEST_F(mirror, mprotect)
{
	size_t n = 16, len = n * g.page;
	char *p, *buf;
	struct hpc_counters c0, c1;
	int fd = self->fd, r;

	p = map_buf(_metadata, n, &buf);
	fill(buf, len, 8);
	ASSERT_RET(mwrite(fd, p, len, buf), 0);
	ASSERT_RET(counters(fd, 0, &c0), 0);
	ASSERT_TRUE(mprotect(p, len, PROT_READ) == 0);
	ASSERT_RET(counters(fd, 0, &c1), 0);
	ASSERT_TRUE(c1.inval_event[HPC_EV_PROTECTION_VMA] >
	      c0.inval_event[HPC_EV_PROTECTION_VMA]);
	r = mwrite(fd, p, len, buf);
	ASSERT_TRUEF(r == -EPERM || r == -EFAULT,
	       "mirror write to a read-only range: %d (%s)", r, strerror(-r));
	ASSERT_TRUE(check_fill(p, len, 8) < 0);
	ASSERT_RET(mread(fd, p, len, buf), 0);
	ASSERT_TRUE(check_fill(buf, len, 8) < 0);
	ASSERT_TRUE(mprotect(p, len, PROT_NONE) == 0);
	ASSERT_RET(mread(fd, p, len, buf), EFAULT);
	ASSERT_TRUE(mprotect(p, len, PROT_READ | PROT_WRITE) == 0);
	fill(buf, len, 9);
	ASSERT_RET(mwrite(fd, p, len, buf), 0);
	ASSERT_TRUE(check_fill(p, len, 9) < 0);
	ASSERT_RET(counters(fd, 0, &c1), 0);
	ASSERT_TRUE(c1.stale == 0);
}

TEST_F(mirror, madvise)
{
	size_t n = 16, len = n * g.page;
	char *p, *buf;
	struct hpc_counters c0, c1;
	int fd = self->fd;

	p = map_buf(_metadata, n, &buf);
	fill(p, len, 10);
	ASSERT_RET(mread(fd, p, len, buf), 0);
	ASSERT_RET(counters(fd, 0, &c0), 0);
	ASSERT_TRUE(madvise(p, len, MADV_DONTNEED) == 0);
	ASSERT_RET(counters(fd, 0, &c1), 0);
	ASSERT_TRUE(c1.inval_event[HPC_EV_CLEAR] > c0.inval_event[HPC_EV_CLEAR]);
	ASSERT_TRUE(c1.pages_mirrored == 0);
	ASSERT_RET(mread(fd, p, len, buf), 0);
	ASSERT_TRUE(all_zero(buf, len));
}

/*
 * fork() write-protects the parent's pages (invalidation); the next mirror
 * write must break COW and land in the parent's new page, never in the
 * page the child still shares.
 */
TEST_F(mirror, fork_cow)
{
	size_t n = 16, len = n * g.page;
	char *base = NULL, *p, *buf = malloc(len);
	struct hpc_counters c0, c1;
	int fd = self->fd, go[2] = { -1, -1 }, status;
	size_t maplen = 0;
	pid_t pid = -1;

	ASSERT_TRUE(fd >= 0 && buf);
	ASSERT_TRUE(pipe(go) == 0);
	p = map_straddle(n, &base, &maplen);
	ASSERT_NE(NULL, p);
	fill(buf, len, 11);
	ASSERT_RET(mwrite(fd, p, len, buf), 0);
	ASSERT_RET(counters(fd, 0, &c0), 0);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(check_fill(p, len, 11) < 0 ? 0 : 1);
	}
	undo_kill(pid);
	close(go[0]);
	go[0] = -1;
	ASSERT_RET(counters(fd, 0, &c1), 0);
	ASSERT_TRUEF(c1.inval_event[HPC_EV_PROTECTION_PAGE] >
	       c0.inval_event[HPC_EV_PROTECTION_PAGE],
	       "fork did not invalidate (protection_page %llu -> %llu)",
	       (unsigned long long)c0.inval_event[HPC_EV_PROTECTION_PAGE],
	       (unsigned long long)c1.inval_event[HPC_EV_PROTECTION_PAGE]);
	ASSERT_TRUE(c1.pages_mirrored == 0);
	fill(buf, len, 12);
	ASSERT_RET(mwrite(fd, p, len, buf), 0);
	ASSERT_TRUE(check_fill(p, len, 12) < 0);
	ASSERT_TRUE(write(go[1], "g", 1) == 1);
	ASSERT_TRUE(waitpid(pid, &status, 0) == pid);
	pid = -1;
	ASSERT_TRUEF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "the child saw the parent's mirror write (status 0x%x)",
	       status);
	if (go[0] >= 0)
		close(go[0]);
	if (go[1] >= 0)
		close(go[1]);
	unmap(base, maplen);
	free(buf);
}

/*
 * The mirrored process exits while another one holds the mirror: the
 * exit tears the mirror down (RELEASE), operations say -ESRCH, and the
 * last close still frees everything.
 */
TEST_F(mirror, owner_exit)
{
	int sv[2] = { -1, -1 }, fd = -1, status;
	char cbuf[CMSG_SPACE(sizeof(int))], byte;
	char *buf = mmap(NULL, g.page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	struct hpc_counters c;
	pid_t pid = -1;

	ASSERT_TRUE(buf != MAP_FAILED);
	ASSERT_TRUE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		size_t len = 16 * g.page;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char *cb = malloc(len);
		int mfd = mopen();

		if (p == MAP_FAILED || !cb || mfd < 0)
			_exit(2);
		fill(p, len, 20);
		if (mread(mfd, p, len, cb))
			_exit(3);
		memset(cbuf, 0, sizeof(cbuf));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &mfd, sizeof(int));
		byte = 'm';
		_exit(sendmsg(sv[1], &msg, 0) == 1 ? 0 : 4);
	}
	undo_kill(pid);
	ASSERT_TRUE(recvmsg(sv[0], &msg, 0) == 1);
	cm = CMSG_FIRSTHDR(&msg);
	ASSERT_TRUE(cm && cm->cmsg_type == SCM_RIGHTS);
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	ASSERT_TRUE(waitpid(pid, &status, 0) == pid);
	pid = -1;
	ASSERT_TRUEF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "child status 0x%x", status);
	ASSERT_RET(counters(fd, 0, &c), 0);
	ASSERT_TRUE(c.inval_event[HPC_EV_RELEASE] > 0 || c.inval_event[HPC_EV_UNMAP] > 0);
	ASSERT_TRUE(c.pages_mirrored == 0 && c.stale == 0);
	ASSERT_RET(mread(fd, buf, g.page, buf), ESRCH);
	ASSERT_RET(range_op(fd, HPC_IOC_SNAPSHOT, buf, g.page, buf, 0, NULL),
		  ESRCH);
	diag("after the owner exited: release=%llu unmap=%llu regions=%llu",
	     (unsigned long long)c.inval_event[HPC_EV_RELEASE],
	     (unsigned long long)c.inval_event[HPC_EV_UNMAP],
	     (unsigned long long)c.regions);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (buf != MAP_FAILED)
		munmap(buf, g.page);
}


/* Argument pointers, unknown ioctls, wrong struct sizes. */
static void bad_args_structs(struct __test_metadata *_metadata, int fd,
			     char *p, char *buf)
{
	struct hpc_range_op op;
	struct hpc_version v;
	struct hpc_counters c;
	struct hpc_reset r;

	/* argument pointers */
	ASSERT_RET(xioctl(fd, HPC_IOC_READ, NULL), EFAULT);
	ASSERT_RET(xioctl(fd, HPC_IOC_VERSION, (void *)8), EFAULT);
	ASSERT_RET(xioctl(fd, HPC_IOC_COUNTERS, (void *)0xffff888000000000UL),
		  EFAULT);
	/* unknown ioctls */
	ASSERT_RET(xioctl(fd, _IO(HPC_IOC_MAGIC, 0x7f), NULL), ENOTTY);
	ASSERT_RET(xioctl(fd, _IOWR(HPC_IOC_MAGIC, 0x01, uint64_t), buf),
		  ENOTTY);
	ASSERT_RET(xioctl(fd, _IOWR('x', 0x01, struct hpc_range_op), buf),
		  ENOTTY);
	/* wrong struct sizes */
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v) - 8;
	ASSERT_RET(xioctl(fd, HPC_IOC_VERSION, &v), EINVAL);
	memset(&op, 0, sizeof(op));
	op.size = sizeof(op) + 8;
	op.addr = (uintptr_t)p;
	op.len = g.page;
	op.buf = (uintptr_t)buf;
	ASSERT_RET(xioctl(fd, HPC_IOC_READ, &op), EINVAL);
	op.size = 0;
	ASSERT_RET(xioctl(fd, HPC_IOC_WRITE, &op), EINVAL);
	memset(&c, 0, sizeof(c));
	c.size = 1;
	ASSERT_RET(xioctl(fd, HPC_IOC_COUNTERS, &c), EINVAL);
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r) * 2;
	ASSERT_RET(xioctl(fd, HPC_IOC_RESET, &r), EINVAL);
}

/* Reserved fields and flags. */
static void bad_args_flags(struct __test_metadata *_metadata, int fd,
			   char *p, char *buf)
{
	struct hpc_range_op op;
	struct hpc_version v;
	struct hpc_counters c;

	/* reserved fields, flags */
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	v.reserved[3] = 1;
	ASSERT_RET(xioctl(fd, HPC_IOC_VERSION, &v), EINVAL);
	memset(&op, 0, sizeof(op));
	op.size = sizeof(op);
	op.addr = (uintptr_t)p;
	op.len = g.page;
	op.buf = (uintptr_t)buf;
	op.reserved[0] = 1;
	ASSERT_RET(xioctl(fd, HPC_IOC_READ, &op), EINVAL);
	ASSERT_RET(range_op(fd, HPC_IOC_READ, p, g.page, buf, 1U << 31, NULL),
		  EINVAL);
	ASSERT_RET(range_op(fd, HPC_IOC_SNAPSHOT, p, g.page, buf,
			   HPC_OP_NOFAULT, NULL), EINVAL);
	ASSERT_RET(range_op(fd, HPC_IOC_READ, p, g.page, buf,
			   HPC_OP_TO_DEVICE, NULL), EINVAL);
	memset(&op, 0, sizeof(op));
	op.size = sizeof(op);
	op.addr = (uintptr_t)p;
	op.len = g.page;
	op.buf = (uintptr_t)buf;
	op.provider = 7;
	ASSERT_RET(xioctl(fd, HPC_IOC_READ, &op), EINVAL);
	ASSERT_RET(range_op(fd, HPC_IOC_VALIDATE, p, g.page, buf, 0, NULL),
		  EINVAL);
	ASSERT_RET(mreset(fd, HPC_RESET_ENTER | HPC_RESET_LEAVE, NULL), EINVAL);
	ASSERT_RET(mreset(fd, 1U << 20, NULL), EINVAL);
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = 2;
	ASSERT_RET(xioctl(fd, HPC_IOC_COUNTERS, &c), EINVAL);
}

/* Ranges: unaligned, empty, huge, overflowing, beyond the task size. */
static void bad_args_ranges(struct __test_metadata *_metadata, int fd,
			    char *p, char *buf)
{
	uint64_t huge = 1ULL << 40;
	uintptr_t top = (uintptr_t)1 << 47;

	/* ranges */
	ASSERT_RET(mread(fd, p + 1, g.page, buf), EINVAL);
	ASSERT_RET(mread(fd, p, 0, buf), EINVAL);
	ASSERT_RET(mread(fd, p, g.page + 1, buf), EINVAL);
	ASSERT_RET(mread(fd, p, 100, buf), EINVAL);
	ASSERT_RET(mread(fd, p, huge, buf), EINVAL);
	ASSERT_RET(mread(fd, p, g.ver.max_op_len + g.page, buf), EINVAL);
	ASSERT_RET(mread(fd, (void *)(uintptr_t)-g.page, 2 * g.page, buf),
		  EINVAL);
	ASSERT_RET(mread(fd, (void *)(uintptr_t)(-2 * g.page), g.page, buf),
		  EINVAL);
	ASSERT_RET(mread(fd, (void *)top, g.page, buf), EINVAL);
	ASSERT_RET(mread(fd, (void *)(top - g.page), 2 * g.page, buf), EINVAL);
	ASSERT_RET(range_op(fd, HPC_IOC_SNAPSHOT, p, huge, buf, 0, NULL),
		  EINVAL);
	ASSERT_RET(range_op(fd, HPC_IOC_VALIDATE, (void *)(uintptr_t)-g.page,
			   2 * g.page, NULL, 0, NULL), EINVAL);
}

TEST_F(mirror, bad_args)
{
	size_t len = 4 * g.page;
	char *p = MAP_FAILED, *ro = MAP_FAILED, *buf = malloc(len);
	int fd = self->fd, w;

	ASSERT_TRUE(fd >= 0 && buf);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(p != MAP_FAILED && ro != MAP_FAILED);
	fill(p, len, 13);

	bad_args_structs(_metadata, fd, p, buf);
	bad_args_flags(_metadata, fd, p, buf);
	bad_args_ranges(_metadata, fd, p, buf);
	/* unmapped ranges */
	ASSERT_RET(mread(fd, NULL, g.page, buf), EFAULT);
	ASSERT_TRUE(munmap(p + 2 * g.page, g.page) == 0);
	ASSERT_RET(mread(fd, p, len, buf), EFAULT);
	ASSERT_RET(mwrite(fd, p + 2 * g.page, g.page, buf), EFAULT);
	/* bad user buffers */
	ASSERT_RET(mread(fd, p, g.page, NULL), EFAULT);
	ASSERT_RET(mread(fd, p, g.page, (void *)0xffff888000000000UL), EFAULT);
	ASSERT_RET(mread(fd, p, g.page, ro), EFAULT);
	ASSERT_RET(mwrite(fd, p, g.page, NULL), EFAULT);
	ASSERT_RET(range_op(fd, HPC_IOC_SNAPSHOT, p, g.page, NULL, 0, NULL),
		  EFAULT);
	/* overlapping: the range is its own buffer */
	ASSERT_RET(mread(fd, p, 2 * g.page, p), 0);
	ASSERT_TRUE(check_fill(p, 2 * g.page, 13) < 0);
	ASSERT_RET(mwrite(fd, p + g.page, g.page, p), 0);
	ASSERT_TRUE(check_fill(p + g.page, g.page, 13) < 0 ||
	      memcmp(p, p + g.page, g.page) == 0);
	/* read-only mapping: read fine, write refused */
	ASSERT_RET(mread(fd, ro, len, buf), 0);
	ASSERT_TRUE(all_zero(buf, len));
	w = mwrite(fd, ro, g.page, buf);
	ASSERT_TRUEF(w == -EPERM || w == -EFAULT, "write to read-only: %d", w);
	/* and the mirror still works */
	ASSERT_RET(mread(fd, p, g.page, buf), 0);
	if (p != MAP_FAILED)
		munmap(p, len);
	if (ro != MAP_FAILED)
		munmap(ro, len);
	free(buf);
}


TEST_F(mirror, counters)
{
	size_t n = 8, len = n * g.page;
	char *p, *buf;
	struct hpc_counters c, gc0, gc1;
	int fd = self->fd;

	p = map_buf(_metadata, n, &buf);
	ASSERT_RET(counters(fd, 1, &gc0), 0);
	ASSERT_TRUE(gc0.state == 0);
	fill(p, len, 14);
	ASSERT_RET(mread(fd, p, len, buf), 0);
	ASSERT_RET(mwrite(fd, p, len, buf), 0);
	ASSERT_RET(counters(fd, 0, &c), 0);
	ASSERT_TRUE(c.size == sizeof(c));
	ASSERT_TRUE(c.reads == 1 && c.writes == 1);
	ASSERT_TRUE(c.bytes_read == len && c.bytes_written == len);
	ASSERT_TRUE(c.faults >= 2 && c.fault_pages >= n);
	ASSERT_TRUE(c.pages_programmed >= n);
	ASSERT_TRUE(c.pages_mirrored == n && c.regions == 2);
	ASSERT_TRUE(c.state == HPC_STATE_ACTIVE);
	ASSERT_RET(counters(fd, 1, &gc1), 0);
	ASSERT_TRUE(gc1.reads >= gc0.reads + 1);
	ASSERT_TRUE(gc1.faults >= gc0.faults + c.faults);
	ASSERT_TRUE(gc1.pages_mirrored >= n);
	/* zeroing keeps the gauges */
	ASSERT_RET(mreset(fd, HPC_RESET_COUNTERS, NULL), 0);
	ASSERT_RET(counters(fd, 0, &c), 0);
	ASSERT_TRUE(c.reads == 0 && c.faults == 0 && c.resets == 1);
	ASSERT_TRUE(c.pages_mirrored == n && c.regions == 2);
	ASSERT_TRUE(munmap(p, len) == 0);
	ASSERT_RET(counters(fd, 0, &c), 0);
	ASSERT_TRUE(c.invalidations >= 2 && c.inval_pages == n);
	ASSERT_TRUE(c.pages_mirrored == 0);
}

TEST_F(mirror, reset_state)
{
	size_t n = 8, len = n * g.page, i;
	char *p, *buf;
	unsigned char snap[8];
	struct hpc_counters c;
	struct hpc_reset r;
	int fd = self->fd;

	p = map_buf(_metadata, n, &buf);
	fill(p, len, 15);
	ASSERT_RET(mread(fd, p, len, buf), 0);
	ASSERT_RET(mreset(fd, HPC_RESET_TABLE, &r), 0);
	ASSERT_TRUE(r.dropped == n && r.state == HPC_STATE_ACTIVE);
	ASSERT_RET(range_op(fd, HPC_IOC_SNAPSHOT, p, len, snap, 0, NULL), 0);
	for (i = 0; i < n; i++) {
		ASSERT_TRUE(!(snap[i] & HPC_SNAP_MIRRORED));
	}
	ASSERT_RET(range_op(fd, HPC_IOC_READ, p, len, buf, HPC_OP_NOFAULT,
			   NULL), ENOENT);
	ASSERT_RET(mread(fd, p, len, buf), 0);
	/* the reset state: every range operation fails cleanly */
	ASSERT_RET(mreset(fd, HPC_RESET_ENTER, &r), 0);
	ASSERT_TRUE(r.state == HPC_STATE_RESET);
	ASSERT_RET(mread(fd, p, len, buf), EIO);
	ASSERT_RET(mwrite(fd, p, len, buf), EIO);
	ASSERT_RET(range_op(fd, HPC_IOC_SNAPSHOT, p, len, snap, 0, NULL), EIO);
	ASSERT_RET(range_op(fd, HPC_IOC_VALIDATE, p, len, NULL, 0, NULL), EIO);
	ASSERT_RET(counters(fd, 0, &c), 0);
	ASSERT_TRUE(c.state == HPC_STATE_RESET);
	ASSERT_RET(mreset(fd, HPC_RESET_LEAVE, &r), 0);
	ASSERT_TRUE(r.state == HPC_STATE_ACTIVE);
	ASSERT_RET(mread(fd, p, len, buf), 0);
	ASSERT_TRUE(check_fill(buf, len, 15) < 0);
	ASSERT_RET(mreset(fd, HPC_RESET_REGIONS, &r), 0);
	ASSERT_TRUE(r.dropped == n);
	ASSERT_RET(counters(fd, 0, &c), 0);
	ASSERT_TRUE(c.regions == 0 && c.pages_mirrored == 0 && c.resets == 4);
	ASSERT_RET(mread(fd, p, len, buf), 0);
	ASSERT_TRUE(check_fill(buf, len, 15) < 0);
}

TEST_F(mirror, validate)
{
	size_t n = 24, len = n * g.page;
	char *base = NULL, *p, *buf = malloc(len);
	struct hpc_range_op op;
	struct hpc_counters c;
	struct knob av = { 0 };
	int fd = self->fd;
	size_t maplen = 0;

	ASSERT_TRUE(fd >= 0 && buf);
	p = map_straddle(n, &base, &maplen);
	ASSERT_NE(NULL, p);
	fill(p, len, 16);
	ASSERT_RET(mread(fd, p, len, buf), 0);
	ASSERT_RET(range_op(fd, HPC_IOC_VALIDATE, p, len, NULL, 0, &op), 0);
	ASSERT_TRUE(op.done == len && op.stale == 0);
	ASSERT_RET(counters(fd, 0, &c), 0);
	ASSERT_TRUE(c.validate_pages == n && c.validate_mismatch == 0);
	/* a range the mirror never saw validates trivially */
	ASSERT_RET(range_op(fd, HPC_IOC_VALIDATE, base, g.page, NULL, 0, &op),
		  0);
	if (g.have_dbg) {
		ASSERT_RET(knob_set(&av, "auto_validate", 1), 0);
		ASSERT_RET(mread(fd, p, len, buf), 0);
		ASSERT_RET(counters(fd, 0, &c), 0);
		ASSERT_TRUE(c.validate_pages == 2 * n);
	}
	ASSERT_TRUE(c.stale == 0);
	knob_restore(&av);
}

/* kB of AnonHugePages in this process, or -1 */
static long anon_huge_kb(void)
{
	char text[4096];
	const char *p;

	if (file_read("/proc/self/smaps_rollup", text, sizeof(text)))
		return -1;
	p = strstr(text, "AnonHugePages:");
	return p ? strtol(p + 14, NULL, 10) : -1;
}

/* A transparent huge page: mirrored page by page, then split. */
TEST_F(mirror, thp)
{
	const char *knob = "/sys/kernel/mm/transparent_hugepage/enabled";
	size_t huge = 2UL << 20, len = 2 * huge;
	char *m = MAP_FAILED, *p, *buf = malloc(huge), text[128];
	struct hpc_range_op op;
	struct hpc_counters c0, c1;
	int fd = self->fd;
	long kb;

	if (file_read(knob, text, sizeof(text)))
		SKIP(return, "no transparent huge pages (%s)", knob);
	/* the kernel turns THP off by itself on small machines */
	if (strstr(text, "[never]")) {
		undo_write(knob, "never");
		ASSERT_RET(file_write(knob, "madvise"), 0);
	}
	ASSERT_TRUE(fd >= 0 && buf);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(m != MAP_FAILED);
	p = (char *)(((uintptr_t)m + huge - 1) & ~(uintptr_t)(huge - 1));
	madvise(p, huge, MADV_HUGEPAGE);
	fill(p, huge, 19);
	kb = anon_huge_kb();
	diag("AnonHugePages: %ld kB", kb);
	ASSERT_RET(range_op(fd, HPC_IOC_READ, p, huge, buf, 0, &op), 0);
	ASSERT_TRUE(check_fill(buf, huge, 19) < 0);
	ASSERT_RET(counters(fd, 0, &c0), 0);
	ASSERT_TRUE(c0.pages_mirrored == huge / g.page);
	/* punch a page out: the huge mapping is split, the mirror told */
	ASSERT_TRUE(munmap(p + huge / 2, g.page) == 0);
	ASSERT_RET(counters(fd, 0, &c1), 0);
	ASSERT_TRUE(c1.invalidations > c0.invalidations);
	ASSERT_TRUE(c1.pages_mirrored < c0.pages_mirrored);
	ASSERT_RET(mread(fd, p + huge / 2, g.page, buf), EFAULT);
	ASSERT_RET(mread(fd, p, huge / 2, buf), 0);
	ASSERT_TRUE(check_fill(buf, huge / 2, 19) < 0);
	ASSERT_RET(range_op(fd, HPC_IOC_VALIDATE, p, huge, NULL, 0, &op), 0);
	ASSERT_TRUE(op.stale == 0);
	if (m != MAP_FAILED)
		munmap(m, len);
	free(buf);
}
