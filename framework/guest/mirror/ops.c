// SPDX-License-Identifier: GPL-2.0
/* hpc-mirror: the mirror's ioctls with fault points, the operations of a worker (see mirror.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


#include "mirror.h"

/* ------------------------------------------------------------------ */
/* system calls with fault points                                      */

/* A libfiu point says this call fails: counted. */
static int injected(const char *point)
{
	int fail = 0;

	fiu_do_on(point, fail = 1);
	if (fail)
		atomic_fetch_add(&n_injected, 1);
	return fail;
}

/*
 * mmap() in setup: a transient ENOMEM/EAGAIN (the kernel's own fault
 * injection, hpc-fail, aimed at this process) is retried a little.
 */
void *setup_mmap(size_t len, int prot, int flags, int fd, off_t off)
{
	void *m = MAP_FAILED;

	for (int t = 0; t <= SETUP_TRIES; t++) {
		m = mmap(NULL, len, prot, flags, fd, off);
		if (m != MAP_FAILED || (errno != ENOMEM && errno != EAGAIN))
			break;
		usleep(1000);
	}
	return m;
}

/* In setup an injected failure is retried; -1 when it kept failing. */
int setup_injected(const char *point)
{
	for (int t = 0; t <= SETUP_TRIES; t++)
		if (!injected(point))
			return 0;
	return -1;
}

/* An op's buffer; NULL (counted, or a runtime error) when it failed. */
static void *xalloc(size_t n)
{
	void *p;

	if (injected(FIU_ALLOC))
		return NULL;
	p = malloc(n);
	if (!p)
		runtime_error("out of memory (%zu bytes)", n);
	return p;
}

/*
 * The mirror a worker's operation goes through: its own (mw.fd), or with
 * --peer-owner, for some operations, the peer device's (mw.peer_fd).
 */
static _Thread_local int op_fd = -1;

static int cur_fd(void)
{
	return op_fd >= 0 ? op_fd : mw.fd;
}

/* The mirror's ioctls: 0, -errno, or -INJECTED. */
static int xioctl(unsigned long cmd, void *arg)
{
	fiu_return_on(FIU_IOCTL, -INJECTED);
	return ioctl(cur_fd(), cmd, arg) < 0 ? -errno : 0;
}

/* The same in setup, where an injected failure is retried. */
int setup_ioctl(unsigned long cmd, void *arg)
{
	if (setup_injected(FIU_IOCTL) < 0)
		return -INJECTED;
	return ioctl(mw.fd, cmd, arg) < 0 ? -errno : 0;
}

int range_op(unsigned long cmd, size_t first, size_t n, void *buf,
		    uint32_t flags, uint32_t provider, struct hpc_range_op *res)
{
	struct hpc_range_op op = {
		.size = sizeof(op),
		.flags = flags,
		.addr = (uintptr_t)page_addr(first),
		.len = n * mw.page,
		.buf = (uintptr_t)buf,
		.provider = provider,
	};
	int r = xioctl(cmd, &op);

	*res = op;
	return r;
}

const char *state_name(uint32_t s)
{
	switch (s) {
	case HPC_STATE_ACTIVE:
		return "ACTIVE";
	case HPC_STATE_RESET:
		return "RESET";
	case HPC_STATE_LOST:
		return "LOST";
	default:
		return "?";
	}
}

int get_counters(struct hpc_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	return ioctl(mw.fd, HPC_IOC_COUNTERS, c) < 0 ? -errno : 0;
}

static int provider_info(uint32_t id, struct hpc_provider *p)
{
	memset(p, 0, sizeof(*p));
	p->size = sizeof(*p);
	p->op = HPC_POP_INFO;
	p->id = id;
	return ioctl(mw.fd, HPC_IOC_PROVIDER, p) < 0 ? -errno : 0;
}

/* What an operation's return value means for the run. */
enum res classify(int r, const char *what, size_t first, size_t n)
{
	struct hpc_counters c;
	uintptr_t addr = (uintptr_t)page_addr(first);

	if (r == 0)
		return RES_OK;
	if (r == -INJECTED) {
		atomic_fetch_add(&n_injected, 1);
		return RES_INJECTED;
	}
	switch (-r) {
	case EBUSY:
	case ENOMEM:
	case ENOSPC:
	case EINTR:
	case EAGAIN:
		atomic_fetch_add(&n_failed, 1);
		note("%s 0x%" PRIxPTR " +%zu pages: %s (counted, going on)",
		     what, addr, n, strerror(-r));
		return RES_TRANSIENT;
	case ESTALE:
		atomic_fetch_add(&n_stale, 1);
		note("%s 0x%" PRIxPTR " +%zu pages: stale entry refused (%s)",
		     what, addr, n, strerror(-r));
		return RES_STALE;
	case ENODEV:
	case EIO:
		lose("%s 0x%" PRIxPTR ": %s, mirror state %s", what, addr,
		     strerror(-r),
		     get_counters(&c) == 0 ? state_name(c.state) : "unknown");
		return RES_LOST;
	case EFAULT:
		/*
		 * Device memory (devdax, provider) whose device went away:
		 * the mapping is still there but faulting it fails, so
		 * hmm_range_fault() says -EFAULT. On anonymous memory it
		 * is a real error.
		 */
		if (cfg.expect_loss &&
		    (cfg.mem == MEM_DEVDAX || cfg.mem == MEM_PROVIDER)) {
			lose("%s 0x%" PRIxPTR ": %s (device memory gone)",
			     what, addr, strerror(-r));
			return RES_LOST;
		}
		/* fall through */
	default:
		runtime_error("%s 0x%" PRIxPTR " +%zu pages: %s", what, addr, n,
			      strerror(-r));
		return RES_ERROR;
	}
}

/* ------------------------------------------------------------------ */
/* operations                                                          */

/* A range of whole units of the worker's share: first page, page count. */
static void pick(struct worker *w, size_t *first, size_t *n, int units)
{
	size_t upp = units ? mw.upp : 1;
	size_t total = w->npages / upp;
	size_t max = MAX_RANGE / upp ? MAX_RANGE / upp : 1;
	size_t k, u0;

	if (max > total)
		max = total;
	k = 1 + (size_t)(rnd(w) % max);
	u0 = (size_t)(rnd(w) % (total - k + 1));
	*first = w->first + u0 * upp;
	*n = k * upp;
}

/*
 * Pages left unsure by a failed write: check them (either generation is
 * fine) and write their generation again, so each page has one content
 * before the next operation. -1 if the memory is gone.
 */
static int settle(size_t first, size_t n)
{
	for (size_t p = first; p < first + n; p++) {
		if (!(mw.flags[p] & PF_UNSURE))
			continue;
		if (cpu_check(p, 1, 1, "settle") < 0 || cpu_fill(p, 1) < 0)
			return -1;
		mw.flags[p] &= (uint8_t)~PF_UNSURE;
	}
	return 0;
}

/* Check pages [first, first+n) as copied into buf by the mirror. */
static void check_copy(const char *buf, size_t first, size_t n,
		       const char *check)
{
	for (size_t i = 0; i < n; i++)
		check_page((const uint64_t *)(buf + i * mw.page),
			   (uintptr_t)page_addr(first + i), first + i,
			   cfg.verify, check);
}

static void op_read(struct worker *w)
{
	struct hpc_range_op op;
	size_t first, n;
	char *buf;
	enum res res;

	pick(w, &first, &n, 0);
	if (settle(first, n) < 0)
		return;
	buf = xalloc(n * mw.page);
	if (!buf)
		return;	/* injected (counted) or a runtime error */
	res = classify(range_op(HPC_IOC_READ, first, n, buf, 0, HPC_PROV_SYSTEM,
				&op), "read", first, n);
	if (res == RES_OK)
		atomic_fetch_add(&n_reads, 1);
	if (res != RES_INJECTED) {
		/* what it copied before it failed must be right too */
		size_t done = (size_t)(op.done / mw.page);

		check_copy(buf, first, done < n ? done : n, "read");
		atomic_fetch_add(&n_stale, op.stale);
	}
	free(buf);
}

/* Write the next generation of [first, first+n) through the mirror. */
static enum res mirror_write(size_t first, size_t n)
{
	struct hpc_range_op op;
	char *buf = xalloc(n * mw.page);
	size_t i, done;
	enum res res;

	if (!buf)	/* injected (counted) or a runtime error */
		return RES_INJECTED;
	for (i = 0; i < n; i++)
		fill_words((uint64_t *)(buf + i * mw.page), first + i,
			   mw.gen[first + i] + 1);
	res = classify(range_op(HPC_IOC_WRITE, first, n, buf, 0,
				HPC_PROV_SYSTEM, &op), "write", first, n);
	free(buf);
	if (res == RES_INJECTED)
		return res;
	atomic_fetch_add(&n_stale, op.stale);
	done = (size_t)(op.done / mw.page);
	for (i = 0; i < n; i++) {
		mw.gen[first + i]++;
		if (res != RES_OK && i >= done)
			mw.flags[first + i] |= PF_UNSURE;
	}
	if (res == RES_OK)
		atomic_fetch_add(&n_writes, 1);
	return res;
}

static void op_write(struct worker *w)
{
	size_t first, n, i;

	pick(w, &first, &n, 0);
	if (settle(first, n) < 0)
		return;
	if (rnd(w) % 4 == 0) {
		/* now and then by the CPU: the mirror must follow */
		for (i = 0; i < n; i++)
			mw.gen[first + i]++;
		if (cpu_fill(first, n) == 0)
			atomic_fetch_add(&n_cpu_writes, 1);
		return;
	}
	mirror_write(first, n);
}

static void op_snapshot(struct worker *w)
{
	struct hpc_range_op op;
	size_t first, n, i, diff = 0;
	unsigned char *buf;

	pick(w, &first, &n, 0);
	buf = xalloc(n);
	if (!buf)
		return;	/* injected (counted) or a runtime error */
	if (classify(range_op(HPC_IOC_SNAPSHOT, first, n, buf, 0,
			      HPC_PROV_SYSTEM, &op), "snapshot", first, n) == RES_OK) {
		atomic_fetch_add(&n_snapshots, 1);
		for (i = 0; i < n; i++) {
			if (!(buf[i] & HPC_SNAP_MIRROR_DIFF))
				continue;
			if (diff++ == 0)
				note("snapshot: mirror entry of 0x%" PRIxPTR
				     " differs from the CPU's (byte 0x%02x)",
				     (uintptr_t)page_addr(first + i), buf[i]);
		}
		atomic_fetch_add(&n_stale, diff);
	}
	free(buf);
}

static void op_validate(struct worker *w)
{
	struct hpc_range_op op;
	size_t first, n;
	enum res res;

	pick(w, &first, &n, 0);
	if (settle(first, n) < 0)
		return;
	res = classify(range_op(HPC_IOC_VALIDATE, first, n, NULL, 0,
				HPC_PROV_SYSTEM, &op), "validate", first, n);
	if (res == RES_INJECTED)
		return;
	if (op.stale)
		note("validate 0x%" PRIxPTR " +%zu pages: %u stale entries",
		     (uintptr_t)page_addr(first), n, op.stale);
	atomic_fetch_add(&n_stale, op.stale);
	if (res == RES_OK)
		atomic_fetch_add(&n_validates, 1);
	if (res == RES_OK && cfg.verify)
		cpu_check(first, n, 1, "validate");
}

/*
 * A provider of this operation's device to migrate into: one of --migrate
 * (or --peer-migrate, through the peer), at random.
 */
static uint32_t mig_target(struct worker *w)
{
	int peer = op_fd >= 0 && op_fd == mw.peer_fd;
	const uint32_t *ids = peer ? cfg.peer_mig : cfg.mig;
	unsigned int n = peer ? cfg.npeer_mig : cfg.nmig;

	return n ? ids[rnd(w) % n] : 0;
}

/*
 * MIGRATE TO_DEVICE into id failed with -ENODEV or -EXDEV: a provider in
 * the middle of a re-registration (not live yet), or now of another owner,
 * is a transient failure; a mirror that is LOST, or a provider that is
 * gone, is the device's loss. 1 if transient.
 */
static int mig_transient(uint32_t id, int r)
{
	struct hpc_counters c = { .size = sizeof(c) };
	struct hpc_provider pi;

	if (ioctl(cur_fd(), HPC_IOC_COUNTERS, &c) == 0 &&
	    c.state != HPC_STATE_ACTIVE)
		return 0;
	if (provider_info(id, &pi) < 0)
		return 0;
	if (r == -EXDEV && pi.state == HPC_PSTATE_LIVE)
		return 1;
	return r == -ENODEV && pi.state != HPC_PSTATE_GONE;
}

static void op_migrate(struct worker *w)
{
	struct hpc_range_op op;
	struct hpc_provider pi;
	size_t first, n;
	int to_dev = rnd(w) % 3 != 0, touch = rnd(w) % 2 != 0, r;
	uint32_t id = mig_target(w);

	if (!id)
		to_dev = 0;	/* a peer without providers: back only */
	pick(w, &first, &n, 0);
	if (settle(first, n) < 0)
		return;
	r = range_op(HPC_IOC_MIGRATE, first, n, NULL,
		     to_dev ? HPC_OP_TO_DEVICE : HPC_OP_TO_SYSTEM,
		     to_dev ? id : HPC_PROV_SYSTEM, &op);
	if (r == -EOPNOTSUPP) {
		/* the provider went away under us? */
		if (provider_info(id, &pi) == 0 &&
		    pi.state == HPC_PSTATE_LIVE) {
			runtime_error("migrate 0x%" PRIxPTR ": %s (provider %u live)",
				      (uintptr_t)page_addr(first),
				      strerror(-r), id);
			return;
		}
		lose("migrate: provider %u is gone (%s)", id, strerror(-r));
		return;
	}
	if (to_dev && (r == -ENODEV || r == -EXDEV) && mig_transient(id, r)) {
		atomic_fetch_add(&n_failed, 1);
		note("migrate to provider %u: %s: it is changing owner (counted, going on)",
		     id, strerror(-r));
		return;
	}
	if (classify(r, "migrate", first, n) == RES_INJECTED)
		return;
	atomic_fetch_add(&n_stale, op.stale);
	atomic_fetch_add(&n_migrated, op.moved);
	if (r == 0)
		atomic_fetch_add(&n_migrate_ops, 1);
	/* now and then the CPU touches them: migrate_to_ram() */
	if (r == 0 && touch)
		cpu_check(first, n, cfg.verify, "migrate");
}

int bind_node(char *addr, size_t len)
{
	unsigned long mask[(MAX_NODE + 1) / (8 * sizeof(unsigned long))];
	size_t bits = 8 * sizeof(unsigned long);

	memset(mask, 0, sizeof(mask));
	mask[cfg.node / bits] |= 1UL << (cfg.node % bits);
	return syscall(SYS_mbind, addr, len, MPOL_BIND_, mask,
		       (unsigned long)(MAX_NODE + 2), 0) == 0 ? 0 : -errno;
}

/* Map [first, first+n) again (MAP_FIXED) as the memory kind maps it. */
static int map_again(size_t first, size_t n)
{
	size_t len = n * mw.page;
	char *addr = page_addr(first);
	void *m;

	switch (cfg.mem) {
	case MEM_DEVDAX:
		m = mmap(addr, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, mw.dax_fd,
			 (off_t)(first * mw.page));
		break;
	case MEM_PROVIDER:
		m = mmap(addr, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, mw.fd,
			 (off_t)(HPC_MMAP_OFFSET(cfg.provider) + first * mw.page));
		break;
	default:
		m = mmap(addr, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
			 -1, 0);
		break;
	}
	if (m == MAP_FAILED)
		return -errno;
	if (cfg.mem == MEM_NODE)
		return bind_node(addr, len);
	return 0;
}

static void op_munmap(struct worker *w)
{
	size_t first, n, i;
	int r;

	pick(w, &first, &n, 1);
	if (settle(first, n) < 0)
		return;
	/* an injected mmap failure leaves the old mapping in place */
	if (fiu_fail(FIU_MMAP)) {
		atomic_fetch_add(&n_injected, 1);
		return;
	}
	if (munmap(page_addr(first), n * mw.page) < 0) {
		runtime_error("munmap 0x%" PRIxPTR " +%zu pages: %s",
			      (uintptr_t)page_addr(first), n, strerror(errno));
		return;
	}
	r = map_again(first, n);
	if (r < 0) {
		for (i = 0; i < n; i++)
			mw.flags[first + i] |= PF_UNMAPPED;
		/* the device went away: it cannot be mapped again */
		if (cfg.expect_loss && (r == -ENODEV || r == -ENXIO) &&
		    (cfg.mem == MEM_DEVDAX || cfg.mem == MEM_PROVIDER)) {
			lose("mmap again 0x%" PRIxPTR ": %s (device memory gone)",
			     (uintptr_t)page_addr(first), strerror(-r));
			return;
		}
		runtime_error("mmap again 0x%" PRIxPTR " +%zu pages: %s",
			      (uintptr_t)page_addr(first), n, strerror(-r));
		return;
	}
	atomic_fetch_add(&n_munmaps, 1);
	if (cfg.mem == MEM_DEVDAX || cfg.mem == MEM_PROVIDER) {
		/* device memory keeps its data across the mappings */
		cpu_check(first, n, cfg.verify, "remap");
		return;
	}
	/* fresh anonymous memory: the next generation, by mirror or CPU */
	if (rnd(w) % 2 && mirror_write(first, n) == RES_OK)
		return;
	/* (whatever the mirror wrote, the CPU writes it all again) */
	for (i = 0; i < n; i++) {
		mw.gen[first + i]++;
		mw.flags[first + i] &= (uint8_t)~PF_UNSURE;
	}
	if (cpu_fill(first, n) == 0)
		atomic_fetch_add(&n_cpu_writes, 1);
}

static void op_mprotect(struct worker *w)
{
	struct hpc_range_op op;
	size_t first, n, i;
	char *buf;
	int r;

	pick(w, &first, &n, 1);
	if (settle(first, n) < 0)
		return;
	buf = xalloc(n * mw.page);
	if (!buf)
		return;	/* injected (counted) or a runtime error */
	if (mprotect(page_addr(first), n * mw.page, PROT_READ) < 0) {
		runtime_error("mprotect 0x%" PRIxPTR ": %s",
			      (uintptr_t)page_addr(first), strerror(errno));
		free(buf);
		return;
	}
	/* the same bytes: if the write wrongly goes through, nothing changes */
	for (i = 0; i < n; i++)
		fill_words((uint64_t *)(buf + i * mw.page), first + i,
			   mw.gen[first + i]);
	r = range_op(HPC_IOC_WRITE, first, n, buf, 0, HPC_PROV_SYSTEM, &op);
	if (r == 0) {
		atomic_fetch_add(&n_corrupt_pages, 1);
		if (atomic_fetch_add(&n_reports, 1) < MAX_REPORTS) {
			pthread_mutex_lock(&mw.lock);
			printf("CORRUPT addr=0x%" PRIxPTR " page=%zu expected=EPERM"
			       " got=written check=mprotect\n",
			       (uintptr_t)page_addr(first), first);
			fflush(stdout);
			pthread_mutex_unlock(&mw.lock);
		}
	} else if (r != -EPERM && r != -EFAULT) {
		classify(r, "write read-only", first, n);
	}
	if (!atomic_load(&lost)) {
		r = range_op(HPC_IOC_READ, first, n, buf, 0, HPC_PROV_SYSTEM,
			     &op);
		if (classify(r, "read read-only", first, n) == RES_OK) {
			atomic_fetch_add(&n_reads, 1);
			check_copy(buf, first, n, "mprotect");
		}
	}
	if (mprotect(page_addr(first), n * mw.page, PROT_READ | PROT_WRITE) < 0)
		runtime_error("mprotect back 0x%" PRIxPTR ": %s",
			      (uintptr_t)page_addr(first), strerror(errno));
	else
		atomic_fetch_add(&n_mprotects, 1);
	free(buf);
}

/*
 * The fork child (one thread, async-signal-safe code only): its copy of
 * the pages must hold what the parent's held at fork time; then it writes
 * them, which must not reach the parent. Reports go to w->child.
 */
static void child_main(struct worker *w, size_t first, size_t n)
	__attribute__((noreturn));
static void child_main(struct worker *w, size_t first, size_t n)
{
	size_t words = mw.page / sizeof(uint64_t), p, i;
	uint32_t bad = 0;

	if (cfg.mem != MEM_ANON && cfg.mem != MEM_NODE)
		_exit(0);	/* shared device memory: not ours to touch */
	for (p = first; p < first + n; p++) {
		const uint64_t *pw = (const uint64_t *)page_addr(p);
		uint64_t key = page_key(p, mw.gen[p]);

		for (i = 0; i < words; i++) {
			uint64_t want = pat_word(key, i);

			if (pw[i] == want)
				continue;
			if (bad < MAX_REPORTS_PAGE) {
				w->child->r[bad].page = p;
				w->child->r[bad].off = i * 8;
				w->child->r[bad].want = want;
				w->child->r[bad].got = pw[i];
				w->child->r[bad].gen = mw.gen[p];
			}
			bad++;
		}
	}
	w->child->n = bad;
	for (p = first; p < first + n; p++)
		fill_words((uint64_t *)page_addr(p), p, mw.gen[p] + 7);
	_exit(bad ? EXIT_CORRUPT : 0);
}

static void op_fork(struct worker *w)
{
	size_t first, n, f2, n2;
	pid_t pid;
	int st;

	pick(w, &first, &n, 0);
	pick(w, &f2, &n2, 0);
	if (settle(first, n) < 0 || settle(f2, n2) < 0)
		return;
	memset(w->child, 0, sizeof(*w->child));
	pid = fork();
	if (pid == 0)
		child_main(w, first, n);
	if (pid < 0) {
		atomic_fetch_add(&n_failed, 1);
		note("fork: %s (counted, going on)", strerror(errno));
		return;
	}
	/* the parent writes while the child holds the old pages (COW) */
	if (cfg.mem == MEM_ANON || cfg.mem == MEM_NODE)
		mirror_write(f2, n2);
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			runtime_error("waitpid: %s", strerror(errno));
			return;
		}
	}
	atomic_fetch_add(&n_forks, 1);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return;
	if (WIFEXITED(st) && WEXITSTATUS(st) == EXIT_CORRUPT) {
		uint32_t k = w->child->n;

		atomic_fetch_add(&n_corrupt_pages, 1);
		for (uint32_t i = 0; i < k && i < MAX_REPORTS_PAGE; i++)
			report_corrupt((uintptr_t)page_addr(w->child->r[i].page) +
				       w->child->r[i].off,
				       w->child->r[i].page, w->child->r[i].off,
				       w->child->r[i].want, w->child->r[i].got,
				       (uint32_t)w->child->r[i].gen, "fork-child");
		return;
	}
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS) {
		lose("fork child: SIGBUS on the memory");
		return;
	}
	runtime_error("fork child: %s %d",
		      WIFSIGNALED(st) ? "signal" : "exit status",
		      WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

static void run_op(struct worker *w, enum op op)
{
	/* a peer device does half of the mirror's operations */
	op_fd = mw.peer_fd >= 0 && rnd(w) % 2 ? mw.peer_fd : mw.fd;
	switch (op) {
	case OP_READ:
		op_read(w);
		break;
	case OP_WRITE:
		op_write(w);
		break;
	case OP_SNAPSHOT:
		op_snapshot(w);
		break;
	case OP_VALIDATE:
		op_validate(w);
		break;
	case OP_MIGRATE:
		op_migrate(w);
		break;
	case OP_MUNMAP:
		op_munmap(w);
		break;
	case OP_MPROTECT:
		op_mprotect(w);
		break;
	case OP_FORK:
		op_fork(w);
		break;
	default:
		break;
	}
	op_fd = -1;
	atomic_fetch_add(&n_ops, 1);
}

static void flip_bit_fn(void *arg)
{
	struct cpu_job *j = arg;

	((volatile uint64_t *)page_addr(j->first))[1] ^= 0x10;
}

void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t it;
	int armed;

	for (size_t p = w->first; p < w->first + w->npages; p++)
		mw.gen[p] = 1;
	if (cpu_fill(w->first, w->npages) < 0) {
		atomic_fetch_add(&finished, 1);
		return NULL;
	}
	atomic_fetch_add(&filled, 1);
	/* hpc-fail's kernel fault injection, from here on, this thread only */
	armed = hpcg_fault_inject_arm();
	if (armed < 0)
		note("HPC_MAKE_IT_FAIL: cannot arm this thread: %s",
		     strerror(-armed));
	for (it = 0; !atomic_load(&stop); it++) {
		enum op op;

		if (cfg.iterations && it >= cfg.iterations)
			break;
		if (it < w->npass1)
			op = w->pass1[it];
		else
			op = cfg.ops[rnd(w) % cfg.nops];
		run_op(w, op);
		if (it + 1 == w->npass1)
			atomic_fetch_add(&passed, 1);
	}
	w->iters = it;
	/* --inject-corruption: a bit flipped behind the generation's back */
	if (cfg.inject && w->idx == 0 && !(mw.flags[w->first] & PF_UNMAPPED) &&
	    !atomic_load(&lost)) {
		struct cpu_job j = { .first = w->first, .n = 1 };

		if (settle(w->first, 1) == 0 && guarded(flip_bit_fn, &j) < 0)
			lose("SIGBUS injecting the corruption");
	}
	atomic_fetch_add(&finished, 1);
	return NULL;
}

