// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-mirror-test: the PCI BAR device. BAR2 of a QEMU ivshmem-plain device
 * (1af4:1110) as ZONE_DEVICE memory, mapped through /dev/hpchaos at
 * HPC_MMAP_OFFSET(id): CPU and mirror both ways, bad mmap() arguments, its
 * fault point, fork and a get_user_pages() reference, revocation through
 * the ioctl (cooperative and surprise) with a driver rebind, and the holder
 * of the scenarios that remove the device. Without such a device the tests
 * skip; with one but no live provider they fail. Part of hpc-mirror-test's
 * one translation unit.
 */

/* The live PCI BAR provider, on a fresh mirror. */
FIXTURE(bar) {
	int fd;
	uint32_t id;
	struct hpc_provider pi;		/* its INFO at setup */
};

FIXTURE_SETUP(bar)
{
	char bdf[256] = "";

	test_process_init();
	if (!g.have_dev)
		SETUP_SKIP("%s", no_dev_reason());
	bar_can(_metadata, bdf, sizeof(bdf));
	self->fd = mopen();
	ASSERT_TRUE(self->fd >= 0);
	bar_live(_metadata, self->fd, bdf, &self->id, &self->pi);
}

FIXTURE_TEARDOWN(bar)
{
	undo_run();
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(bar, map)
{
	size_t n = 64, len = n * g.page, barlen = 0, i;
	char *p = MAP_FAILED, *last, *buf = malloc(len);
	unsigned char *snap = malloc(n);
	unsigned char want = HPC_SNAP_READ | HPC_SNAP_WRITE | HPC_SNAP_MIRRORED;
	struct hpc_provider pi;
	struct hpc_range_op op;
	int fd = self->fd;
	uint32_t id;
	long bad;

	ASSERT_TRUE(fd >= 0 && buf && snap);
	id = self->id;
	pi = self->pi;
	diag("provider %u %s: %llu pages at %#llx, generation %u", id, pi.name,
	     (unsigned long long)pi.pages, (unsigned long long)pi.phys_start,
	     pi.generation);
	ASSERT_TRUEF(!strncmp(pi.name, "bar:", 4), "provider name %s", pi.name);
	ASSERT_TRUE(pi.pages > n && pi.phys_start && pi.held == 0);
	barlen = pi.pages * g.page;
	p = bar_mmap(fd, id, 0, pi.pages, MAP_SHARED);
	ASSERT_TRUEF(p != MAP_FAILED, "mmap of the whole BAR: %s", strerror(errno));
	last = p + barlen - g.page;

	fill(p, len, 81);
	fill(last, g.page, 82);
	ASSERT_RET(range_op(fd, HPC_IOC_READ, p, len, buf, 0, &op), 0);
	bad = check_fill(buf, len, 81);
	ASSERT_TRUEF(bad < 0, "CORRUPT: mirror read of the BAR differs at word %ld", bad);
	ASSERT_TRUE(op.faults >= 1);
	ASSERT_RET(mread(fd, last, g.page, buf), 0);
	ASSERT_TRUE(check_fill(buf, g.page, 82) < 0);

	ASSERT_RET(range_op(fd, HPC_IOC_SNAPSHOT, p, len, snap, 0, NULL), 0);
	for (i = 0; i < n; i++) {
		ASSERT_TRUEF((snap[i] & HPC_SNAP_TYPE_MASK) == HPC_SNAP_DEVICE &&
		       (snap[i] & want) == want &&
		       !(snap[i] & HPC_SNAP_MIRROR_DIFF),
		       "page %zu: snapshot %#x, expected DEVICE, CPU rw, mirrored",
		       i, snap[i]);

	fill(buf, len, 83);
	}
	ASSERT_RET(mwrite(fd, p, len, buf), 0);
	bad = check_fill(p, len, 83);
	ASSERT_TRUEF(bad < 0, "CORRUPT: the CPU does not see the mirror's write (word %ld)", bad);
	memset(buf, 0, len);
	ASSERT_RET(range_op(fd, HPC_IOC_READ, p, len, buf, HPC_OP_NOFAULT, NULL), 0);
	ASSERT_TRUE(check_fill(buf, len, 83) < 0);
	ASSERT_RET(range_op(fd, HPC_IOC_VALIDATE, p, len, NULL, 0, &op), 0);
	ASSERT_TRUE(op.stale == 0);

	ASSERT_RET(prov_info(fd, id, &pi), 0);
	ASSERT_TRUEF(pi.pages_used >= n + 1 && pi.held == 0,
	       "pages_used %llu (expected >= %zu), held %llu",
	       (unsigned long long)pi.pages_used, n + 1,
	       (unsigned long long)pi.held);
	/* munmap: the mirror is invalidated, the provider maps nothing */
	ASSERT_TRUE(munmap(p, barlen) == 0);
	ASSERT_RET(range_op(fd, HPC_IOC_READ, p, len, buf, HPC_OP_NOFAULT, NULL),
		  ENOENT);
	p = MAP_FAILED;
	ASSERT_RET(prov_info(fd, id, &pi), 0);
	ASSERT_TRUEF(pi.pages_used == 0, "pages_used %llu with nothing mapped",
	       (unsigned long long)pi.pages_used);
	if (p != MAP_FAILED)
		munmap(p, barlen);
	free(buf);
	free(snap);
}

/*
 * Does the module map BAR pages as refcounted pages (bar_map=page, the
 * default where devmap ptes are gone) rather than as devmap ptes?
 */
static int bar_refcounted(void)
{
	char mode[32] = "";

	if (file_read("/sys/module/hpchaos/parameters/bar_map", mode, sizeof(mode)))
		return 0;
	return strncmp(mode, "page", 4) == 0;
}

/* Bad mmap() arguments give errors, never an oops. */
TEST_F(bar, mmap_args)
{
	struct hpc_provider pi, q;
	uint64_t base, size;
	uint32_t id, i, none = 0, dp = 0;
	char *p = MAP_FAILED;
	int fd = self->fd, e;

	ASSERT_TRUE(fd >= 0);
	id = self->id;
	pi = self->pi;
	base = HPC_MMAP_OFFSET(id);
	size = pi.pages * g.page;
	for (i = 1; i < HPC_MAX_PROVIDERS; i++) {
		e = prov_info(fd, i, &q);
		if (e == -ENODEV && !none)
			none = i;
		else if (!e && !dp && q.kind == HPC_PKIND_DEVICE_PRIVATE &&
			 q.state == HPC_PSTATE_LIVE)
			dp = i;
	}

#define MAP_ERR(off, len, flags, want) do {				\
	e = bar_mmap_err(fd, (off), (len), (flags));			\
	ASSERT_TRUEF(e == (want), "mmap(off=%#llx len=%#llx %s): %s, expected %s", \
	       (unsigned long long)(off), (unsigned long long)(len),	\
	       #flags, e ? strerror(e) : "mapped",			\
	       (want) ? strerror(want) : "mapped");			\
} while (0)

	MAP_ERR(base, g.page, MAP_PRIVATE, EINVAL);
	MAP_ERR(0, g.page, MAP_SHARED, ENODEV);
	MAP_ERR(base + size, g.page, MAP_SHARED, EINVAL);
	MAP_ERR(base, size + g.page, MAP_SHARED, EINVAL);
	MAP_ERR(base + size - g.page, 2 * g.page, MAP_SHARED, EINVAL);
	MAP_ERR(base + (HPC_MMAP_OFFSET(1) - g.page), g.page, MAP_SHARED,
		EINVAL);
	MAP_ERR(HPC_MMAP_OFFSET(HPC_MAX_PROVIDERS), g.page, MAP_SHARED, ENODEV);
	MAP_ERR(HPC_MMAP_OFFSET(1000), g.page, MAP_SHARED, ENODEV);
	if (none)
		MAP_ERR(HPC_MMAP_OFFSET(none), g.page, MAP_SHARED, ENODEV);
	if (dp)
		MAP_ERR(HPC_MMAP_OFFSET(dp), g.page, MAP_SHARED, EINVAL);
	/* the last page is fine, and cannot grow */
	MAP_ERR(base + size - g.page, g.page, MAP_SHARED, 0);
	p = bar_mmap(fd, id, pi.pages - 1, 1, MAP_SHARED);
	ASSERT_TRUE(p != MAP_FAILED);
	fill(p, g.page, 84);
	ASSERT_TRUE(check_fill(p, g.page, 84) < 0);
	ASSERT_TRUEF(mremap(p, g.page, 2 * g.page, MREMAP_MAYMOVE) == MAP_FAILED,
	       "mremap grew the mapping past the BAR");
	/* a read-only shared mapping works */
	ASSERT_TRUE(munmap(p, g.page) == 0);
	p = mmap(NULL, g.page, PROT_READ, MAP_SHARED, fd,
		 (off_t)(base + size - g.page));
	ASSERT_TRUE(p != MAP_FAILED);
	ASSERT_TRUE(check_fill(p, g.page, 84) < 0);
#undef MAP_ERR
	if (p != MAP_FAILED)
		munmap(p, g.page);
}

/* The bar_map fault point: SIGBUS for the CPU, -EFAULT for the mirror. */
TEST_F(bar, fault_point)
{
	char *p = MAP_FAILED, *buf = malloc(g.page), text[256];
	int fd = self->fd;
	uint32_t id;

	ASSERT_TRUE(fd >= 0 && buf);
	id = self->id;
	if (!g.have_dbg)
		SKIP(return, "no %s (debugfs)", HPC_DEBUGFS_DIR);
	p = bar_mmap(fd, id, 0, 4, MAP_SHARED);
	ASSERT_TRUE(p != MAP_FAILED);
	/* a fresh mapping: every touch faults (a child's too) */
	ASSERT_RET(fp_write("bar_map", "off"), 0);
	ASSERT_RET(fp_write("bar_map", "nth=1 error=-5"), 0);
	ASSERT_TRUEF(bar_sigbus(p, 0) == 1, "an injected -EIO did not give SIGBUS");
	ASSERT_TRUEF(bar_sigbus(p, 0) == 0, "the fault after the injected one failed too");
	ASSERT_RET(fp_read("bar_map", text, sizeof(text)), 0);
	ASSERT_TRUEF(kv(text, "injected") == 1 && kv(text, "calls") >= 2, "bar_map: %s",
	       text);
	/* -ENOMEM (the default): VM_FAULT_OOM, hmm_range_fault() -EFAULT */
	ASSERT_RET(fp_write("bar_map", "off"), 0);
	ASSERT_RET(fp_write("bar_map", "nth=1"), 0);
	ASSERT_RET(mread(fd, p + g.page, g.page, buf), EFAULT);
	ASSERT_RET(mread(fd, p + g.page, g.page, buf), 0);
	ASSERT_RET(fp_write("bar_map", "off"), 0);
	fill(p + 2 * g.page, g.page, 85);
	ASSERT_RET(mread(fd, p + 2 * g.page, g.page, buf), 0);
	ASSERT_TRUE(check_fill(buf, g.page, 85) < 0);
	fp_write("bar_map", "off");
	if (p != MAP_FAILED)
		munmap(p, 4 * g.page);
	free(buf);
}

/*
 * fork() shares the mapping (the child's write shows in the parent's
 * mirror without an invalidation); a get_user_pages() reference
 * (vmsplice) shows as held until it is put.
 */
TEST_F(bar, held_fork)
{
	struct hpc_provider pi;
	struct iovec iov;
	char *p = MAP_FAILED, *buf = malloc(g.page);
	int fd = self->fd, pfd[2] = { -1, -1 }, status;
	uint32_t id;
	pid_t pid;

	ASSERT_TRUE(fd >= 0 && buf);
	id = self->id;
	pi = self->pi;
	p = bar_mmap(fd, id, 8, 2, MAP_SHARED);
	ASSERT_TRUE(p != MAP_FAILED);
	fill(p, g.page, 86);
	ASSERT_RET(mread(fd, p, g.page, buf), 0);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		fill(p, g.page, 87);
		_exit(0);
	}
	ASSERT_TRUE(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
	ASSERT_RET(range_op(fd, HPC_IOC_READ, p, g.page, buf, HPC_OP_NOFAULT, NULL), 0);
	ASSERT_TRUEF(check_fill(buf, g.page, 87) < 0,
	       "the mirror does not see the child's write to the shared BAR page");

	ASSERT_TRUE(pipe2(pfd, O_CLOEXEC) == 0);
	iov.iov_base = p + g.page;
	iov.iov_len = g.page;
	ASSERT_TRUEF(vmsplice(pfd[1], &iov, 1, 0) == (ssize_t)g.page, "vmsplice: %s",
	       strerror(errno));
	ASSERT_RET(prov_info(fd, id, &pi), 0);
	ASSERT_TRUEF(pi.held == 1, "held %llu with one page in a pipe, expected 1",
	       (unsigned long long)pi.held);
	close(pfd[0]);
	close(pfd[1]);
	pfd[0] = pfd[1] = -1;
	ASSERT_RET(prov_info(fd, id, &pi), 0);
	ASSERT_TRUEF(pi.held == 0, "held %llu after the pipe is closed",
	       (unsigned long long)pi.held);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (p != MAP_FAILED)
		munmap(p, 2 * g.page);
	free(buf);
}

/* a second device node of /dev/hpchaos: another inode, another mapping */
#define BAR_NODE	"/tmp/hpc-bar-node"

static void bar_node_unlink(void *arg)
{
	(void)arg;
	unlink(BAR_NODE);
}

/* The BAR mapped through /dev/hpchaos and a second node of it, mirrored. */
struct bar_two {
	int fd2;
	char *p, *p2;
	int pfd[2];			/* a pipe holding page 1 of p */
};

static void bar_two_map(struct __test_metadata *_metadata, int fd, uint32_t id,
			size_t n, char *buf, struct bar_two *b)
{
	size_t len = n * g.page;
	struct iovec iov;
	struct stat st;

	unlink(BAR_NODE);
	undo_call(bar_node_unlink, NULL);
	ASSERT_TRUE(stat(HPC_DEVICE_PATH, &st) == 0);
	ASSERT_TRUE(mknod(BAR_NODE, S_IFCHR | 0600, st.st_rdev) == 0);
	b->fd2 = open(BAR_NODE, O_RDWR | O_CLOEXEC);
	ASSERT_TRUE(b->fd2 >= 0);
	b->p = bar_mmap(fd, id, 0, n, MAP_SHARED);
	b->p2 = bar_mmap(b->fd2, id, 0, n, MAP_SHARED);
	ASSERT_TRUE(b->p != MAP_FAILED && b->p2 != MAP_FAILED);
	fill(b->p, len, 88);
	ASSERT_TRUE(check_fill(b->p2, len, 88) < 0);
	ASSERT_RET(mread(fd, b->p, len, buf), 0);
	ASSERT_TRUE(check_fill(buf, len, 88) < 0);
	ASSERT_TRUE(pipe2(b->pfd, O_CLOEXEC) == 0);
	iov.iov_base = b->p + g.page;
	iov.iov_len = g.page;
	ASSERT_TRUE(vmsplice(b->pfd[1], &iov, 1, 0) == (ssize_t)g.page);
}

/* The revocation waits for the page in the pipe, then finishes. */
static void bar_revoke_held(struct __test_metadata *_metadata, int fd,
			    uint32_t id, size_t len, char *buf,
			    struct bar_two *b)
{
	struct hpc_counters c0, c;
	struct hpc_provider pj;

	ASSERT_RET(counters(fd, 1, &c0), 0);
	ASSERT_RET(prov_call(fd, HPC_POP_REVOKE, id, HPC_PFLAG_ASYNC, 0, &pj), 0);
	usleep(300000);
	ASSERT_RET(prov_info(fd, id, &pj), 0);
	ASSERT_TRUEF(pj.state == HPC_PSTATE_REVOKING && pj.held == 1,
	       "with a page held: state %u held %llu, expected REVOKING and 1",
	       pj.state, (unsigned long long)pj.held);
	ASSERT_RET(counters(fd, 0, &c), 0);
	ASSERT_TRUEF(c.state == HPC_STATE_LOST, "mirror state %u, not LOST", c.state);
	ASSERT_RET(mread(fd, b->p, len, buf), ENODEV);
	close(b->pfd[0]);
	close(b->pfd[1]);
	ASSERT_RET(prov_call(fd, HPC_POP_WAIT, id, 0, 10000, &pj), 0);
	diag("revoked in %llu us", (unsigned long long)pj.elapsed_us);
	ASSERT_TRUEF(pj.state == HPC_PSTATE_GONE && pj.revocations == 1 &&
	       pj.pages_used == 0 && pj.held == 0,
	       "LEAK: after revocation state %u revocations %llu used %llu held %llu",
	       pj.state, (unsigned long long)pj.revocations,
	       (unsigned long long)pj.pages_used, (unsigned long long)pj.held);
	ASSERT_RET(counters(fd, 1, &c), 0);
	ASSERT_TRUEF(c.revocations == c0.revocations + 1 && c.lost >= c0.lost + 1,
	       "global revocations %llu -> %llu, lost %llu -> %llu",
	       (unsigned long long)c0.revocations,
	       (unsigned long long)c.revocations,
	       (unsigned long long)c0.lost, (unsigned long long)c.lost);
}

/*
 * HPC_POP_REVOKE on a BAR provider: the driver gives the BAR up while the
 * device stays bound. It waits for a page held by a pipe; afterwards the
 * mirror is LOST, both device nodes' mappings SIGBUS, and an unbind + bind
 * of the PCI device brings the provider back under the same id with the
 * data the device kept, and the mirror recovers.
 */
TEST_F(bar, revoke)
{
	size_t n = 16, len = n * g.page;
	struct hpc_provider pi = self->pi, pj;
	struct bar_two b = { .fd2 = -1 };
	struct hpc_counters c;
	char *p3, *buf = malloc(len);
	const char *bdf = pi.name + 4;
	int fd = self->fd;
	uint32_t id = self->id;
	long bad;

	ASSERT_TRUE(fd >= 0 && buf);
	bar_two_map(_metadata, fd, id, n, buf, &b);
	bar_revoke_held(_metadata, fd, id, len, buf, &b);
	ASSERT_TRUEF(bar_sigbus(b.p, 0) == 1, "CPU read of a revoked BAR did not SIGBUS");
	ASSERT_TRUEF(bar_sigbus(b.p2, 1) == 1,
	       "the mapping through a second device node survived the revocation");
	ASSERT_TRUE(bar_mmap_err(fd, HPC_MMAP_OFFSET(id), g.page, MAP_SHARED) == ENODEV);
	ASSERT_RET(prov_call(fd, HPC_POP_REVOKE, id, 0, 0, NULL), ENODEV);

	/* re-plug: unbind and bind the PCI device */
	ASSERT_RET(file_write(BAR_DRIVER "/unbind", bdf), 0);
	ASSERT_RET(file_write(BAR_DRIVER "/bind", bdf), 0);
	ASSERT_RET(prov_info(fd, id, &pj), 0);
	ASSERT_TRUEF(pj.state == HPC_PSTATE_LIVE && pj.generation == pi.generation + 1 &&
	       !strcmp(pj.name, pi.name),
	       "after rebind: id %u state %u generation %u name %s", id, pj.state,
	       pj.generation, pj.name);
	ASSERT_RET(counters(fd, 0, &c), 0);
	ASSERT_TRUEF(c.state == HPC_STATE_ACTIVE, "mirror state %u after re-plug", c.state);
	ASSERT_TRUEF(bar_sigbus(b.p, 0) == 1, "a mapping of the old provider works again");
	p3 = bar_mmap(fd, id, 0, n, MAP_SHARED);
	ASSERT_TRUE(p3 != MAP_FAILED);
	bad = check_fill(p3, len, 88);
	ASSERT_TRUEF(bad < 0, "CORRUPT: the BAR lost its data over revoke and rebind (word %ld)",
	       bad);
	ASSERT_RET(mread(fd, p3, len, buf), 0);
	ASSERT_TRUE(check_fill(buf, len, 88) < 0);
	munmap(b.p, len);
	munmap(b.p2, len);
	munmap(p3, len);
	close(b.fd2);
	free(buf);
}

/*
 * HPC_PFLAG_SURPRISE on a BAR provider: no unmapping, straight to
 * memunmap_pages(), as if the hardware had vanished. The kernel lets the
 * process's mapping of the BAR outlive the memmap (devmap ptes are special:
 * nothing in them refers to a struct page), and it still reaches the
 * device; only the driver's remove() zaps it. The mirror learns afterwards
 * (LOST). Nothing here may touch the stale mapping through the kernel
 * (mirror, get_user_pages()): its pfns have no memmap any more.
 */
TEST_F(bar, surprise_revoke)
{
	size_t n = 4, len = n * g.page;
	struct hpc_provider pi, pj;
	struct hpc_counters c;
	char *p = MAP_FAILED, *p2 = MAP_FAILED, *buf = malloc(len);
	int fd = self->fd;
	uint32_t id;

	ASSERT_TRUE(fd >= 0 && buf);
	id = self->id;
	pi = self->pi;
	p = bar_mmap(fd, id, 32, n, MAP_SHARED);
	ASSERT_TRUE(p != MAP_FAILED);
	fill(p, len, 92);
	ASSERT_RET(mread(fd, p, len, buf), 0);
	ASSERT_RET(prov_call(fd, HPC_POP_REVOKE, id, HPC_PFLAG_SURPRISE, 5000, &pj), 0);
	ASSERT_TRUEF(pj.state == HPC_PSTATE_GONE && pj.held == 0 && pj.revocations == 1,
	       "after a surprise revocation: state %u held %llu revocations %llu",
	       pj.state, (unsigned long long)pj.held,
	       (unsigned long long)pj.revocations);
	ASSERT_RET(counters(fd, 0, &c), 0);
	ASSERT_TRUEF(c.state == HPC_STATE_LOST, "mirror state %u, not LOST", c.state);
	ASSERT_RET(mread(fd, p, len, buf), ENODEV);
	if (bar_refcounted()) {
		/* refcounted ptes would outlive the memmap: zapped even now */
		ASSERT_TRUEF(bar_sigbus(p, 0) == 1,
			     "bar_map=page: the mapping survived a surprise revocation");
		diag("bar_map=page: the surprise revocation zapped the mapping (%zu pages)", n);
	} else {
		ASSERT_TRUEF(check_fill(p, len, 92) < 0,
			     "expected the process to still reach the BAR through its old ptes");
		diag("after memunmap_pages() the process still maps the BAR (%zu pages)", n);
	}
	/* remove() zaps what the surprise left */
	ASSERT_RET(file_write(BAR_DRIVER "/unbind", pi.name + 4), 0);
	ASSERT_TRUEF(bar_sigbus(p, 0) == 1, "the mapping survived remove()");
	ASSERT_RET(file_write(BAR_DRIVER "/bind", pi.name + 4), 0);
	ASSERT_RET(prov_info(fd, id, &pj), 0);
	ASSERT_TRUE(pj.state == HPC_PSTATE_LIVE && pj.generation == pi.generation + 1);
	ASSERT_RET(counters(fd, 0, &c), 0);
	ASSERT_TRUE(c.state == HPC_STATE_ACTIVE);
	p2 = bar_mmap(fd, id, 32, n, MAP_SHARED);
	ASSERT_TRUE(p2 != MAP_FAILED);
	ASSERT_RET(mread(fd, p2, len, buf), 0);
	ASSERT_TRUE(check_fill(buf, len, 92) < 0);
	if (p != MAP_FAILED)
		munmap(p, len);
	if (p2 != MAP_FAILED)
		munmap(p2, len);
	free(buf);
}

/* What bar.replug holds and has seen. */
struct replug {
	int fd;
	uint32_t id;
	struct hpc_provider pi, pj;	/* at the start, the latest INFO */
	char *p, *buf;
	size_t len;
	int surprise, zeros, gone;
};

/* Surprise: the device is gone and nobody told the kernel (once zeros). */
static void replug_zeros(struct __test_metadata *_metadata, struct replug *rp)
{
	struct hpc_range_op op;
	struct hpc_counters c;
	int r, fd = rp->fd;
	size_t len = rp->len;

	r = mread(fd, rp->p, len, rp->buf);
	ASSERT_TRUEF(r == 0, "mirror read of the live BAR: %s", strerror(-r));
	if (!all_zero(rp->buf, len))
		return;
	ASSERT_TRUEF(all_zero(rp->p, len), "the mirror reads zeros, the CPU does not");
	ASSERT_RET(range_op(fd, HPC_IOC_VALIDATE, rp->p, len, NULL, 0, &op), 0);
	ASSERT_RET(counters(fd, 0, &c), 0);
	diag("surprise: mirror and CPU read zeros; VALIDATE stale=%u, mirror stale=%llu, state %u, provider still %u",
	     op.stale, (unsigned long long)c.stale, c.state, rp->pj.state);
	ASSERT_TRUEF(op.stale == 0 && c.stale == 0 && c.state == HPC_STATE_ACTIVE,
	       "expected the detector to be blind to a surprise removal");
	fill(rp->p, g.page, 91);
	ASSERT_TRUEF(all_zero(rp->p, g.page), "a CPU write to the vanished BAR was kept");
	rp->zeros = 1;
	ASSERT_RET(bar_mark(BAR_ZEROS, "zeros\n"), 0);
}

/* The provider was revoked (the guest removed the PCI device). */
static void replug_gone(struct __test_metadata *_metadata, struct replug *rp)
{
	struct hpc_provider *pj = &rp->pj;
	struct hpc_counters c;

	ASSERT_TRUEF(!rp->surprise || rp->zeros,
	       "the provider went away before the surprise removal was seen");
	ASSERT_RET(counters(rp->fd, 0, &c), 0);
	ASSERT_TRUEF(c.state == HPC_STATE_LOST && c.lost >= 1,
	       "mirror state %u lost %llu after revocation", c.state,
	       (unsigned long long)c.lost);
	ASSERT_RET(mread(rp->fd, rp->p, rp->len, rp->buf), ENODEV);
	ASSERT_TRUEF(bar_sigbus(rp->p, 0) == 1, "the revoked mapping did not SIGBUS");
	ASSERT_TRUEF(pj->pages_used == 0 && pj->held == 0 && pj->revocations >= 1,
	       "LEAK: used %llu held %llu revocations %llu",
	       (unsigned long long)pj->pages_used,
	       (unsigned long long)pj->held,
	       (unsigned long long)pj->revocations);
	diag("revoked in %llu us; mirror LOST", (unsigned long long)pj->elapsed_us);
	rp->gone = 1;
	ASSERT_RET(bar_mark(BAR_GONE, "gone\n"), 0);
}

/* Until the provider is back (same id, next generation), or bound seconds. */
static void replug_wait(struct __test_metadata *_metadata, struct replug *rp,
			uint64_t bound)
{
	uint64_t t0 = now_ns();

	for (;;) {
		ASSERT_TRUEF(now_ns() - t0 < bound * 1000000000ULL,
		       "timed out: zeros=%d gone=%d", rp->zeros, rp->gone);
		usleep(20000);
		ASSERT_RET(prov_info(rp->fd, rp->id, &rp->pj), 0);
		if (!rp->gone && rp->pj.state == HPC_PSTATE_LIVE) {
			if (rp->surprise && !rp->zeros)
				replug_zeros(_metadata, rp);
			continue;
		}
		if (!rp->gone) {
			if (rp->pj.state == HPC_PSTATE_GONE)
				replug_gone(_metadata, rp);
			continue;
		}
		if (rp->pj.state != HPC_PSTATE_LIVE)
			continue;
		ASSERT_TRUEF(rp->pj.generation > rp->pi.generation &&
			     !strcmp(rp->pj.name, rp->pi.name),
			     "back as generation %u name %s", rp->pj.generation,
			     rp->pj.name);
		return;
	}
}

/*
 * Holds a live mirror of the BAR while the device is removed and plugged
 * back from outside (scenarios/provider/bar-remove.scn, bar-surprise.scn).
 * Runs only with HPC_BAR_REPLUG=remove|surprise (else it skips), for at
 * most HPC_BAR_TIMEOUT seconds (60). It writes BAR_READY once the mirror
 * holds the BAR, then expects, in this order:
 *   surprise only: the device vanishes under the live mirror: mirror and
 *     CPU read zeros, while VALIDATE and the stale detector see nothing
 *     (BAR_ZEROS); a CPU write then is lost;
 *   the provider is revoked (the guest removed the PCI device): the mirror
 *     is LOST (-ENODEV), the mapping SIGBUS (BAR_GONE);
 *   the provider is back (same id, next generation): the mirror is ACTIVE,
 *     a new mapping has the data the device kept.
 */
TEST_F(bar, replug)
{
	const char *mode = getenv("HPC_BAR_REPLUG"), *env;
	size_t n = 16, len = n * g.page;
	struct replug rp = { .fd = self->fd, .id = self->id, .pi = self->pi,
			     .len = len };
	uint64_t bound = 60, v;
	struct hpc_counters c;
	char *p2;
	long bad;

	if (!mode || (strcmp(mode, "remove") && strcmp(mode, "surprise")))
		SKIP(return, "needs HPC_BAR_REPLUG=remove|surprise and a scenario that removes the device");
	rp.surprise = !strcmp(mode, "surprise");
	env = getenv("HPC_BAR_TIMEOUT");
	if (env && !hpc_parse_u64(env, strlen(env), 3600, &v) && v)
		bound = v;
	unlink(BAR_READY);
	unlink(BAR_ZEROS);
	unlink(BAR_GONE);
	rp.buf = malloc(len);
	ASSERT_TRUE(rp.fd >= 0 && rp.buf);
	rp.p = bar_mmap(rp.fd, rp.id, 0, n, MAP_SHARED);
	ASSERT_TRUE(rp.p != MAP_FAILED);
	fill(rp.p, len, 90);
	ASSERT_RET(mread(rp.fd, rp.p, len, rp.buf), 0);
	ASSERT_TRUE(check_fill(rp.buf, len, 90) < 0);
	ASSERT_TRUE(snap_count(rp.fd, rp.p, len, HPC_SNAP_DEVICE) == (long)n);
	ASSERT_RET(bar_mark(BAR_READY, rp.pi.name + 4), 0);
	diag("mirror of %s (provider %u, generation %u) live; waiting %llu s",
	     rp.pi.name, rp.id, rp.pi.generation, (unsigned long long)bound);

	replug_wait(_metadata, &rp, bound);
	diag("provider %u back as generation %u", rp.id, rp.pj.generation);
	ASSERT_RET(counters(rp.fd, 0, &c), 0);
	ASSERT_TRUEF(c.state == HPC_STATE_ACTIVE, "mirror state %u after re-plug", c.state);
	ASSERT_TRUEF(bar_sigbus(rp.p, 0) == 1, "the old provider's mapping works again");
	p2 = bar_mmap(rp.fd, rp.id, 0, n, MAP_SHARED);
	ASSERT_TRUE(p2 != MAP_FAILED);
	ASSERT_RET(mread(rp.fd, p2, len, rp.buf), 0);
	bad = check_fill(rp.buf, len, 90);
	ASSERT_TRUEF(bad < 0, "CORRUPT: after re-plug the BAR differs from what was written at word %ld",
	       bad);
	ASSERT_TRUE(check_fill(p2, len, 90) < 0);
	munmap(rp.p, len);
	munmap(p2, len);
	free(rp.buf);
}

/*
 * One unplug + re-plug + verify cycle under the live mirror of the
 * fixture (bar.cycles): NULL if it went as it must, else what went wrong.
 * *p maps the provider (salt k - 1 written), read through the mirror first;
 * on return a new mapping of the re-plugged device, salt k written.
 */
static const char *bar_cycle(int fd, uint32_t id, const char *bdf, char **p,
			     size_t n, uint64_t k, struct hpc_provider *pj,
			     char *buf)
{
	static char why[256];
	size_t len = n * g.page;
	struct hpc_counters c;
	uint32_t gen = pj->generation;
	char *p2;

	/* the mirror holds every page of the mapping when the device goes */
	if (mread(fd, *p, len, buf) != 0 || check_fill(buf, len, k - 1) >= 0)
		return "CORRUPT: the mirror does not read what the CPU wrote";
	if (file_write(BAR_DRIVER "/unbind", bdf) < 0)
		return "unbind failed";
	if (counters(fd, 0, &c) < 0 || c.state != HPC_STATE_LOST)
		return "the mirror is not LOST after the device's removal";
	if (mread(fd, *p, len, buf) != -ENODEV)
		return "a mirror read of the removed device did not fail with ENODEV";
	if (file_write(BAR_DRIVER "/bind", bdf) < 0)
		return "bind (re-plug) failed";
	if (prov_info(fd, id, pj) < 0 || pj->state != HPC_PSTATE_LIVE ||
	    pj->generation != gen + 1) {
		snprintf(why, sizeof(why), "after re-plug: provider %u state %u generation %u (want live, %u)",
			 id, pj->state, pj->generation, gen + 1);
		return why;
	}
	if (counters(fd, 0, &c) < 0 || c.state != HPC_STATE_ACTIVE)
		return "the mirror is not ACTIVE after the re-plug";
	p2 = bar_mmap(fd, id, 0, n, MAP_SHARED);
	if (p2 == MAP_FAILED)
		return "mmap of the re-plugged device failed";
	munmap(*p, len);
	*p = p2;
	if (check_fill(p2, len, k - 1) >= 0)
		return "CORRUPT: the device lost what the cycle before wrote";
	fill(p2, len, k);
	return NULL;
}

/*
 * Unplug and re-plug cycles under one live mirror, in one boot
 * (scenarios/provider/bar-cycles.scn, make bench): HPC_CYCLES=N cycles
 * (without it the test skips). Each: the PCI device is unbound from the
 * module's driver (its remove(): the provider is revoked, the mirror
 * LOST), bound again (the provider back under its id, next generation,
 * the mirror ACTIVE), the data of the cycle before checked and new data
 * written and read back through the mirror. Each cycle is a KTAP subtest
 * "cycle K"; the first that fails ends the test with what went wrong.
 */
TEST_F(bar, cycles)
{
	const char *env = getenv("HPC_CYCLES"), *why = NULL;
	size_t n = 16, len = n * g.page;
	struct hpc_provider pj = self->pi;
	uint64_t ncyc, k, t0, total = 0;
	char *p, *buf = malloc(len);

	if (!env || hpc_parse_u64(env, strlen(env), 100000, &ncyc) || !ncyc)
		SKIP(return, "needs HPC_CYCLES=N (1..100000)");
	ASSERT_TRUE(buf != NULL);
	p = bar_mmap(self->fd, self->id, 0, n, MAP_SHARED);
	ASSERT_TRUE(p != MAP_FAILED);
	fill(p, len, 0);
	printf("    # Subtest: bar.cycles\n    1..%llu\n", (unsigned long long)ncyc);
	for (k = 1; k <= ncyc && !why; k++) {
		t0 = now_ns();
		why = bar_cycle(self->fd, self->id, self->pi.name + 4, &p, n, k, &pj, buf);
		total += now_ns() - t0;
		printf("    %s %llu cycle %llu\n", why ? "not ok" : "ok",
		       (unsigned long long)k, (unsigned long long)k);
		if (why)
			printf("    # cycle %llu: %s\n", (unsigned long long)k, why);
		fflush(stdout);
	}
	diag("%llu cycles in %.3f s: %.1f ms per cycle, %.0f per hour",
	     (unsigned long long)(k - 1), total / 1e9, total / 1e6 / (double)(k - 1),
	     3600e9 * (double)(k - 1) / (double)total);
	ASSERT_TRUEF(!why, "cycle %llu of %llu: %s", (unsigned long long)(k - 1),
		     (unsigned long long)ncyc, why);
	munmap(p, len);
	free(buf);
}
