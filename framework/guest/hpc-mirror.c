// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-mirror: workload driver for the hpchaos module (/dev/hpchaos).
 *
 * Maps memory of one kind (anonymous, device-dax, bound to a NUMA node, or
 * a PCI BAR provider's), fills it with a seeded pattern and then lets
 * worker threads run a seeded random mix of operations on it through the
 * module's mirror (read, write, snapshot, validate, migrate) and through
 * the CPU (munmap + mmap, mprotect, fork), checking the data as it goes.
 *
 * Every page has a generation kept by the one thread that owns it; its
 * content is a function of (seed, page, generation), so after anything
 * (a revocation, a failed write) every byte can be verified. A write that
 * failed half way leaves its pages "unsure": either the old or the new
 * generation is accepted until the page is written again.
 *
 * Device loss (-ENODEV/-EIO from a range operation, SIGBUS on device
 * memory) ends the loop: with --expect-loss that is the "reset" outcome,
 * else an error. KTAP goes to $HPC_KTAP (else stdout), phase events to the
 * agent's FIFO $HPC_EVENTS, and libfiu points make user space fail on
 * request (--fiu).
 *
 * Exit: 0 ok, 1 runtime error, 2 bad usage, 3 corruption, 4 skipped.
 */
#define FIU_ENABLE 1	/* the real libfiu, linked statically (-lfiu) */

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

#include <fiu.h>
#include <fiu-control.h>

#include "hpc/proto.h"
#include "hpchaos.h"
#include "lib/hpcg.h"

#define EXIT_OK		0
#define EXIT_RUNTIME	1
#define EXIT_USAGE	2
#define EXIT_CORRUPT	3
#define EXIT_SKIP	4

#define MAX_THREADS	64
#define MAX_RANGE	16		/* pages (or device units) per op */
#define MAX_OPS_LIST	32		/* entries of --ops */
#define MAX_FIU		8		/* --fiu options */
#define MAX_REPORTS	64		/* CORRUPT lines printed in total */
#define MAX_REPORTS_PAGE 4		/* ... and per page */
#define MAX_NOTES	20		/* error/stale lines printed */
#define MAX_NODE	1023
#define MAX_ARG		256		/* longest path or list argument */
#define SETUP_TRIES	100		/* injected failures retried in setup */
#define VERIFY_CHUNK	64		/* pages per mirror read when verifying */
#define DEFAULT_SIZE	(16ULL << 20)
#define DEFAULT_ITERS	100
#define DAX_ALIGN	(2ULL << 20)	/* when sysfs does not say */
#define MPOL_BIND_	2		/* <linux/mempolicy.h> MPOL_BIND */
#define GOLDEN		0x9e3779b97f4a7c15ULL
/* pseudo errno of a failure injected with libfiu */
#define INJECTED	100000

#define FIU_MMAP	"hpc-mirror/mmap"
#define FIU_IOCTL	"hpc-mirror/ioctl"
#define FIU_ALLOC	"hpc-mirror/alloc"
#define FIU_OPEN	"hpc-mirror/open"

enum op {
	OP_READ, OP_WRITE, OP_SNAPSHOT, OP_VALIDATE, OP_MIGRATE, OP_MUNMAP,
	OP_MPROTECT, OP_FORK, OP__COUNT
};

static const char *const op_names[OP__COUNT] = {
	[OP_READ] = "read", [OP_WRITE] = "write", [OP_SNAPSHOT] = "snapshot",
	[OP_VALIDATE] = "validate", [OP_MIGRATE] = "migrate",
	[OP_MUNMAP] = "munmap", [OP_MPROTECT] = "mprotect", [OP_FORK] = "fork",
};

enum mem_kind { MEM_ANON, MEM_DEVDAX, MEM_NODE, MEM_PROVIDER };

static const char *const mem_names[] = {
	[MEM_ANON] = "anon", [MEM_DEVDAX] = "devdax", [MEM_NODE] = "node",
	[MEM_PROVIDER] = "provider",
};

/* page flags */
#define PF_UNSURE	0x01	/* old or new generation (a write failed) */
#define PF_UNMAPPED	0x02	/* a remap failed: nothing there */

/* What became of one operation's system call. */
enum res { RES_OK, RES_INJECTED, RES_TRANSIENT, RES_STALE, RES_LOST, RES_ERROR };

struct fiu_spec {
	const char *name;
	double prob;		/* 0: always */
};

static struct {
	enum mem_kind mem;
	char dax_path[MAX_ARG];
	char dax_name[64];
	unsigned int node;
	uint32_t provider;	/* --mem provider:ID */
	uint32_t migrate;	/* --migrate ID, 0 = none */
	uint64_t size;		/* 0: default for the kind */
	unsigned int threads;
	uint64_t duration_ns;
	uint64_t iterations;
	uint64_t seed;
	enum op ops[MAX_OPS_LIST];
	unsigned int nops;
	unsigned int op_mask;	/* 1 << enum op, for the first pass */
	int verify;
	int expect_loss;
	int inject;		/* --inject-corruption */
	char prefix[HPC_PROTO_MAX_NAME + 1];
	struct fiu_spec fiu[MAX_FIU];
	unsigned int nfiu;
} cfg = { .threads = 1, .seed = 1, .prefix = "mirror" };

/* One worker thread and its share of the pages. */
struct child_report {
	uint32_t n;
	uint32_t pad;
	struct { uint64_t page, off, want, got, gen; } r[MAX_REPORTS_PAGE];
};

struct worker {
	pthread_t tid;
	unsigned int idx;
	size_t first, npages;		/* its pages */
	uint64_t rng;
	enum op pass1[OP__COUNT];	/* the first pass: each kind once */
	unsigned int npass1;
	struct child_report *child;	/* MAP_SHARED, written by fork children */
	uint64_t iters;
};

static struct {
	int fd;				/* /dev/hpchaos: our mirror */
	int dax_fd;
	struct hpc_version ver;
	size_t page;
	size_t upp;			/* pages per unit (devdax align) */
	size_t npages;
	char *base;			/* the memory */
	uint32_t *gen;			/* generation of each page */
	uint8_t *flags;			/* PF_* of each page */
	FILE *ktap;
	int ktap_n;
	int ev_fd;
	unsigned int nthreads;
	struct worker *w;
	char skip_why[256];
	char lost_why[256];
	pthread_mutex_t lock;		/* output, lost_why */
} g = { .fd = -1, .dax_fd = -1, .ev_fd = -1,
	.lock = PTHREAD_MUTEX_INITIALIZER };

static atomic_int stop, lost;
static atomic_uint filled, passed, finished;
static atomic_ullong n_ops, n_reads, n_writes, n_cpu_writes, n_snapshots,
	n_validates, n_migrate_ops, n_migrated, n_munmaps, n_mprotects,
	n_forks, n_stale, n_injected, n_failed, n_errors, n_corrupt_pages,
	n_reports, n_notes, n_events_dropped;

static void runtime_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* ------------------------------------------------------------------ */
/* messages                                                            */

static void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("hpc-mirror: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see --help)\n", stderr);
	exit(EXIT_USAGE);
}

/* A bounded number of lines about errors and stale entries, on stderr. */
static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;
	unsigned long long n = atomic_fetch_add(&n_notes, 1);

	if (n > MAX_NOTES)
		return;
	pthread_mutex_lock(&g.lock);
	fputs("hpc-mirror: ", stderr);
	if (n == MAX_NOTES) {
		fputs("more notes suppressed\n", stderr);
	} else {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	pthread_mutex_unlock(&g.lock);
}

static void ktap(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ktap(const char *fmt, ...)
{
	FILE *f = g.ktap ? g.ktap : stdout;
	va_list ap;

	pthread_mutex_lock(&g.lock);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
	pthread_mutex_unlock(&g.lock);
}

/* One KTAP result: res 0 ok, 1 not ok, 2 skip (with why). */
static void ktap_result(const char *name, int res, const char *why)
{
	g.ktap_n++;
	if (res == 2)
		ktap("ok %d %s # SKIP %s", g.ktap_n, name, why ? why : "");
	else
		ktap("%s %d %s", res ? "not ok" : "ok", g.ktap_n, name);
}

/* ------------------------------------------------------------------ */
/* phase events through the agent's FIFO                               */

static void events_open(void)
{
	const char *path = getenv("HPC_EVENTS");
	struct stat st;
	int fd;

	if (!path || !*path || strnlen(path, 4096) >= 4096)
		return;
	if (fiu_fail(FIU_OPEN)) {
		atomic_fetch_add(&n_injected, 1);
		note("events: open %s: injected failure, no events", path);
		return;
	}
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return;		/* no FIFO, no reader: skip silently */
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		close(fd);
		return;
	}
	g.ev_fd = fd;
}

/* `<prefix>-<what> [text]` as one write (atomic: shorter than PIPE_BUF). */
static void event(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void event(const char *what, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n, m;

	if (g.ev_fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s-%s ", cfg.prefix, what);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	for (int i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\0')
			line[i] = ' ';
	line[n++] = '\n';
	if (write(g.ev_fd, line, (size_t)n) != n)
		atomic_fetch_add(&n_events_dropped, 1);
}

/*
 * "outcome reset" to the FIFO: how the device loss ended, for the host's
 * verdict (a scenario that does not 'expect reset' fails on it).
 */
static void outcome_event(const char *what)
{
	char line[64];
	int n;

	if (g.ev_fd < 0)
		return;
	n = snprintf(line, sizeof(line), "outcome %s\n", what);
	if (n < 0 || (size_t)n >= sizeof(line) || write(g.ev_fd, line, (size_t)n) != n)
		atomic_fetch_add(&n_events_dropped, 1);
}

/* ------------------------------------------------------------------ */
/* the pattern                                                         */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(struct worker *w)
{
	w->rng += GOLDEN;
	return mix64(w->rng);
}

/* Key of the content of page `page` at generation `gen`. */
static uint64_t page_key(size_t page, uint32_t gen)
{
	return mix64(cfg.seed ^ mix64((uint64_t)page * GOLDEN + 1)) ^
	       mix64(((uint64_t)gen + 1) * 0xd1b54a32d192ed03ULL);
}

static uint64_t pat_word(uint64_t key, size_t i)
{
	return mix64(key + ((uint64_t)i + 1) * GOLDEN);
}

static void fill_words(uint64_t *w, size_t page, uint32_t gen)
{
	uint64_t key = page_key(page, gen);
	size_t i, words = g.page / sizeof(uint64_t);

	for (i = 0; i < words; i++)
		w[i] = pat_word(key, i);
}

static void report_corrupt(uintptr_t addr, size_t page, size_t off,
			   uint64_t want, uint64_t got, uint32_t gen,
			   const char *check)
{
	if (atomic_fetch_add(&n_reports, 1) >= MAX_REPORTS)
		return;
	pthread_mutex_lock(&g.lock);
	printf("CORRUPT addr=0x%" PRIxPTR " page=%zu offset=%zu expected=0x%016"
	       PRIx64 " got=0x%016" PRIx64 " gen=%" PRIu32 " check=%s\n",
	       addr, page, off, want, got, gen, check);
	fflush(stdout);
	pthread_mutex_unlock(&g.lock);
}

/*
 * Compare a copy of page `page` (at w, read from addr) with what it must
 * hold. full: every word, else three. Returns the number of bad words.
 */
static unsigned long check_page(const uint64_t *w, uintptr_t addr,
				size_t page, int full, const char *check)
{
	uint32_t gen = g.gen[page];
	int unsure = g.flags[page] & PF_UNSURE;
	uint64_t key = page_key(page, gen);
	uint64_t okey = unsure && gen ? page_key(page, gen - 1) : key;
	size_t words = g.page / sizeof(uint64_t), i, step;
	unsigned long bad = 0;

	step = full ? 1 : words / 2 - 1;
	for (i = 0; i < words; i += step) {
		uint64_t want = pat_word(key, i);

		if (__builtin_expect(w[i] == want, 1))
			continue;
		if (unsure && w[i] == pat_word(okey, i))
			continue;
		if (bad < MAX_REPORTS_PAGE)
			report_corrupt(addr + i * 8, page, i * 8, want, w[i], gen,
				       check);
		bad++;
	}
	if (bad)
		atomic_fetch_add(&n_corrupt_pages, 1);
	return bad;
}

static char *page_addr(size_t page)
{
	return g.base + page * g.page;
}

/* ------------------------------------------------------------------ */
/* SIGBUS on device memory                                             */

static _Thread_local sigjmp_buf *volatile guard_jb;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *jb = guard_jb;

	(void)si;
	(void)uc;
	if (jb)
		siglongjmp(*jb, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Run fn(arg) touching the memory; -1 if it took a SIGBUS. */
static int guarded(void (*fn)(void *), void *arg)
{
	sigjmp_buf jb;

	if (sigsetjmp(jb, 1)) {
		guard_jb = NULL;
		return -1;
	}
	guard_jb = &jb;
	fn(arg);
	guard_jb = NULL;
	return 0;
}

struct cpu_job {
	size_t first, n;
	int full;
	const char *check;
	unsigned long bad;
	size_t done;		/* pages finished */
};

static void cpu_fill_fn(void *arg)
{
	struct cpu_job *j = arg;

	for (j->done = 0; j->done < j->n; j->done++) {
		size_t p = j->first + j->done;

		fill_words((uint64_t *)page_addr(p), p, g.gen[p]);
	}
}

static void cpu_check_fn(void *arg)
{
	struct cpu_job *j = arg;

	for (j->done = 0; j->done < j->n; j->done++) {
		size_t p = j->first + j->done;

		if (g.flags[p] & PF_UNMAPPED)
			continue;
		j->bad += check_page((const uint64_t *)page_addr(p),
				     (uintptr_t)page_addr(p), p, j->full,
				     j->check);
	}
}

/* The loop is over: the device (or its memory) is gone. */
static void lose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void lose(const char *fmt, ...)
{
	va_list ap;

	if (atomic_exchange(&lost, 1))
		return;
	pthread_mutex_lock(&g.lock);
	va_start(ap, fmt);
	vsnprintf(g.lost_why, sizeof(g.lost_why), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&g.lock);
	atomic_store(&stop, 1);
}

/* A runtime error: counted, noted, and the loop ends. */
static void runtime_error(const char *fmt, ...)
{
	char text[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	atomic_fetch_add(&n_errors, 1);
	atomic_store(&stop, 1);
	note("error: %s", text);
}

/* CPU writes of generation gen[] to pages [first, first+n); -1: SIGBUS. */
static int cpu_fill(size_t first, size_t n)
{
	struct cpu_job j = { .first = first, .n = n };

	if (guarded(cpu_fill_fn, &j) == 0)
		return 0;
	lose("SIGBUS writing page %zu (0x%" PRIxPTR ")", first + j.done,
	     (uintptr_t)page_addr(first + j.done));
	return -1;
}

/* CPU check of pages [first, first+n); bad words, or -1 on SIGBUS. */
static long cpu_check(size_t first, size_t n, int full, const char *check)
{
	struct cpu_job j = { .first = first, .n = n, .full = full,
			     .check = check };

	if (guarded(cpu_check_fn, &j) == 0)
		return (long)j.bad;
	lose("SIGBUS reading page %zu (0x%" PRIxPTR ")", first + j.done,
	     (uintptr_t)page_addr(first + j.done));
	return -1;
}

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
static void *setup_mmap(size_t len, int prot, int flags, int fd, off_t off)
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
static int setup_injected(const char *point)
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

/* The mirror's ioctls: 0, -errno, or -INJECTED. */
static int xioctl(unsigned long cmd, void *arg)
{
	fiu_return_on(FIU_IOCTL, -INJECTED);
	return ioctl(g.fd, cmd, arg) < 0 ? -errno : 0;
}

/* The same in setup, where an injected failure is retried. */
static int setup_ioctl(unsigned long cmd, void *arg)
{
	if (setup_injected(FIU_IOCTL) < 0)
		return -INJECTED;
	return ioctl(g.fd, cmd, arg) < 0 ? -errno : 0;
}

static int range_op(unsigned long cmd, size_t first, size_t n, void *buf,
		    uint32_t flags, uint32_t provider, struct hpc_range_op *res)
{
	struct hpc_range_op op = {
		.size = sizeof(op),
		.flags = flags,
		.addr = (uintptr_t)page_addr(first),
		.len = n * g.page,
		.buf = (uintptr_t)buf,
		.provider = provider,
	};
	int r = xioctl(cmd, &op);

	*res = op;
	return r;
}

static const char *state_name(uint32_t s)
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

static int get_counters(struct hpc_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	return ioctl(g.fd, HPC_IOC_COUNTERS, c) < 0 ? -errno : 0;
}

static int provider_info(uint32_t id, struct hpc_provider *p)
{
	memset(p, 0, sizeof(*p));
	p->size = sizeof(*p);
	p->op = HPC_POP_INFO;
	p->id = id;
	return ioctl(g.fd, HPC_IOC_PROVIDER, p) < 0 ? -errno : 0;
}

/* What an operation's return value means for the run. */
static enum res classify(int r, const char *what, size_t first, size_t n)
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
	size_t upp = units ? g.upp : 1;
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
		if (!(g.flags[p] & PF_UNSURE))
			continue;
		if (cpu_check(p, 1, 1, "settle") < 0 || cpu_fill(p, 1) < 0)
			return -1;
		g.flags[p] &= (uint8_t)~PF_UNSURE;
	}
	return 0;
}

/* Check pages [first, first+n) as copied into buf by the mirror. */
static void check_copy(const char *buf, size_t first, size_t n,
		       const char *check)
{
	for (size_t i = 0; i < n; i++)
		check_page((const uint64_t *)(buf + i * g.page),
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
	buf = xalloc(n * g.page);
	if (!buf)
		return;	/* injected (counted) or a runtime error */
	res = classify(range_op(HPC_IOC_READ, first, n, buf, 0, HPC_PROV_SYSTEM,
				&op), "read", first, n);
	if (res == RES_OK)
		atomic_fetch_add(&n_reads, 1);
	if (res != RES_INJECTED) {
		/* what it copied before it failed must be right too */
		size_t done = (size_t)(op.done / g.page);

		check_copy(buf, first, done < n ? done : n, "read");
		atomic_fetch_add(&n_stale, op.stale);
	}
	free(buf);
}

/* Write the next generation of [first, first+n) through the mirror. */
static enum res mirror_write(size_t first, size_t n)
{
	struct hpc_range_op op;
	char *buf = xalloc(n * g.page);
	size_t i, done;
	enum res res;

	if (!buf)	/* injected (counted) or a runtime error */
		return RES_INJECTED;
	for (i = 0; i < n; i++)
		fill_words((uint64_t *)(buf + i * g.page), first + i,
			   g.gen[first + i] + 1);
	res = classify(range_op(HPC_IOC_WRITE, first, n, buf, 0,
				HPC_PROV_SYSTEM, &op), "write", first, n);
	free(buf);
	if (res == RES_INJECTED)
		return res;
	atomic_fetch_add(&n_stale, op.stale);
	done = (size_t)(op.done / g.page);
	for (i = 0; i < n; i++) {
		g.gen[first + i]++;
		if (res != RES_OK && i >= done)
			g.flags[first + i] |= PF_UNSURE;
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
			g.gen[first + i]++;
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

static void op_migrate(struct worker *w)
{
	struct hpc_range_op op;
	struct hpc_provider pi;
	size_t first, n;
	int to_dev = rnd(w) % 3 != 0, touch = rnd(w) % 2 != 0, r;

	pick(w, &first, &n, 0);
	if (settle(first, n) < 0)
		return;
	r = range_op(HPC_IOC_MIGRATE, first, n, NULL,
		     to_dev ? HPC_OP_TO_DEVICE : HPC_OP_TO_SYSTEM,
		     to_dev ? cfg.migrate : HPC_PROV_SYSTEM, &op);
	if (r == -EOPNOTSUPP) {
		/* the provider went away under us? */
		if (provider_info(cfg.migrate, &pi) == 0 &&
		    pi.state == HPC_PSTATE_LIVE) {
			runtime_error("migrate 0x%" PRIxPTR ": %s (provider %u live)",
				      (uintptr_t)page_addr(first),
				      strerror(-r), cfg.migrate);
			return;
		}
		lose("migrate: provider %u is gone (%s)", cfg.migrate,
		     strerror(-r));
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

static int bind_node(char *addr, size_t len)
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
	size_t len = n * g.page;
	char *addr = page_addr(first);
	void *m;

	switch (cfg.mem) {
	case MEM_DEVDAX:
		m = mmap(addr, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, g.dax_fd,
			 (off_t)(first * g.page));
		break;
	case MEM_PROVIDER:
		m = mmap(addr, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, g.fd,
			 (off_t)(HPC_MMAP_OFFSET(cfg.provider) + first * g.page));
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
	if (munmap(page_addr(first), n * g.page) < 0) {
		runtime_error("munmap 0x%" PRIxPTR " +%zu pages: %s",
			      (uintptr_t)page_addr(first), n, strerror(errno));
		return;
	}
	r = map_again(first, n);
	if (r < 0) {
		for (i = 0; i < n; i++)
			g.flags[first + i] |= PF_UNMAPPED;
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
		g.gen[first + i]++;
		g.flags[first + i] &= (uint8_t)~PF_UNSURE;
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
	buf = xalloc(n * g.page);
	if (!buf)
		return;	/* injected (counted) or a runtime error */
	if (mprotect(page_addr(first), n * g.page, PROT_READ) < 0) {
		runtime_error("mprotect 0x%" PRIxPTR ": %s",
			      (uintptr_t)page_addr(first), strerror(errno));
		free(buf);
		return;
	}
	/* the same bytes: if the write wrongly goes through, nothing changes */
	for (i = 0; i < n; i++)
		fill_words((uint64_t *)(buf + i * g.page), first + i,
			   g.gen[first + i]);
	r = range_op(HPC_IOC_WRITE, first, n, buf, 0, HPC_PROV_SYSTEM, &op);
	if (r == 0) {
		atomic_fetch_add(&n_corrupt_pages, 1);
		if (atomic_fetch_add(&n_reports, 1) < MAX_REPORTS) {
			pthread_mutex_lock(&g.lock);
			printf("CORRUPT addr=0x%" PRIxPTR " page=%zu expected=EPERM"
			       " got=written check=mprotect\n",
			       (uintptr_t)page_addr(first), first);
			fflush(stdout);
			pthread_mutex_unlock(&g.lock);
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
	if (mprotect(page_addr(first), n * g.page, PROT_READ | PROT_WRITE) < 0)
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
	size_t words = g.page / sizeof(uint64_t), p, i;
	uint32_t bad = 0;

	if (cfg.mem != MEM_ANON && cfg.mem != MEM_NODE)
		_exit(0);	/* shared device memory: not ours to touch */
	for (p = first; p < first + n; p++) {
		const uint64_t *pw = (const uint64_t *)page_addr(p);
		uint64_t key = page_key(p, g.gen[p]);

		for (i = 0; i < words; i++) {
			uint64_t want = pat_word(key, i);

			if (pw[i] == want)
				continue;
			if (bad < MAX_REPORTS_PAGE) {
				w->child->r[bad].page = p;
				w->child->r[bad].off = i * 8;
				w->child->r[bad].want = want;
				w->child->r[bad].got = pw[i];
				w->child->r[bad].gen = g.gen[p];
			}
			bad++;
		}
	}
	w->child->n = bad;
	for (p = first; p < first + n; p++)
		fill_words((uint64_t *)page_addr(p), p, g.gen[p] + 7);
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
	atomic_fetch_add(&n_ops, 1);
}

static void flip_bit_fn(void *arg)
{
	struct cpu_job *j = arg;

	((volatile uint64_t *)page_addr(j->first))[1] ^= 0x10;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t it;
	int armed;

	for (size_t p = w->first; p < w->first + w->npages; p++)
		g.gen[p] = 1;
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
	if (cfg.inject && w->idx == 0 && !(g.flags[w->first] & PF_UNMAPPED) &&
	    !atomic_load(&lost)) {
		struct cpu_job j = { .first = w->first, .n = 1 };

		if (settle(w->first, 1) == 0 && guarded(flip_bit_fn, &j) < 0)
			lose("SIGBUS injecting the corruption");
	}
	atomic_fetch_add(&finished, 1);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* arguments                                                           */

static void usage(void)
{
	printf(
"usage: hpc-mirror [--mem KIND] [--migrate ID] [--size SIZE] [--threads N]\n"
"                  [--duration TIME | --iterations N] [--seed N] [--ops LIST]\n"
"                  [--verify] [--expect-loss] [--event-prefix P]\n"
"                  [--fiu NAME[:PROB]]... [--inject-corruption]\n"
"Drives the hpchaos module's mirror (/dev/hpchaos) over memory of one kind\n"
"with a seeded mix of operations, checking the data.\n"
"  --mem anon           anonymous memory (default)\n"
"  --mem devdax:/dev/daxX.Y  a MAP_SHARED mapping of a device-dax device\n"
"                       (size from sysfs, aligned to the device's align)\n"
"  --mem node:N         anonymous memory bound to NUMA node N (mbind)\n"
"  --mem provider:ID    the memory of PCI BAR provider ID (mmap of\n"
"                       /dev/hpchaos at HPC_MMAP_OFFSET(ID))\n"
"  --migrate ID         the migrate op moves pages to device-private\n"
"                       provider ID and back (anon or node memory)\n"
"  --size SIZE          bytes, or with K, M, G suffix (default 16M; devdax\n"
"                       and provider: the whole device)\n"
"  --threads N          worker threads, each on its own pages (1-%d, default 1)\n"
"  --duration TIME      run for TIME (s, ms, m; plain = s)\n"
"  --iterations N       or N operations per thread (default %d)\n"
"  --seed N             pattern and operation seed (default $HPC_SEED, else 1)\n"
"  --ops LIST           comma-separated mix of read, write, snapshot,\n"
"                       validate, migrate, munmap, mprotect, fork; a name\n"
"                       given twice is chosen twice as often (default: all\n"
"                       but migrate, plus migrate with --migrate)\n"
"  --verify             check every byte (else 3 words a page), and verify\n"
"                       all memory at the end\n"
"  --expect-loss        -ENODEV/-EIO from the mirror (and -EFAULT on devdax or\n"
"                       provider memory) and SIGBUS on device\n"
"                       memory end the loop as outcome=reset, not an error\n"
"  --event-prefix P     phase events P-started, P-loop, P-reset, P-done to\n"
"                       $HPC_EVENTS (default prefix: mirror)\n"
"  --inject-corruption  flip one bit before the final verification (with\n"
"                       --verify; to test that corruption gets reported)\n"
"  --fiu NAME[:PROB]    enable libfiu point NAME (hpc-mirror/mmap, ioctl,\n"
"                       alloc, open, or hpc-mirror/*), always or with\n"
"                       probability PROB (0 < PROB <= 1); repeatable\n"
"KTAP goes to $HPC_KTAP if set, else stdout.\n"
"exit: 0 ok, 1 runtime error, 2 bad usage, 3 corruption, 4 skipped\n",
	       MAX_THREADS, DEFAULT_ITERS);
}

static uint64_t parse_size(const char *s)
{
	uint64_t v;

	if (hpcg_parse_size(s, &v))
		usage_error("--size: bad size '%.32s' (e.g. 64M)", s);
	return v;
}

static uint64_t parse_duration(const char *s)
{
	uint64_t v;

	if (hpcg_parse_duration(s, &v))
		usage_error("--duration: bad time '%.32s' (e.g. 10s, 500ms, 2m, 1h)", s);
	return v;
}

static uint64_t parse_num(const char *opt, const char *s, uint64_t min,
			  uint64_t max)
{
	uint64_t v;

	if (hpcg_parse_u64(s, strnlen(s, 32), max, &v) < 0 || v < min)
		usage_error("%s: bad number '%.32s' (%" PRIu64 "..%" PRIu64 ")",
			    opt, s, min, max);
	return v;
}

static void parse_mem(const char *s)
{
	if (strnlen(s, MAX_ARG) >= MAX_ARG)
		usage_error("--mem: argument too long");
	if (strcmp(s, "anon") == 0) {
		cfg.mem = MEM_ANON;
	} else if (strncmp(s, "node:", 5) == 0) {
		cfg.mem = MEM_NODE;
		cfg.node = (unsigned int)parse_num("--mem node:N", s + 5, 0,
						   MAX_NODE);
	} else if (strncmp(s, "provider:", 9) == 0) {
		cfg.mem = MEM_PROVIDER;
		cfg.provider = (uint32_t)parse_num("--mem provider:ID", s + 9, 1,
						   HPC_MAX_PROVIDERS - 1);
	} else if (strncmp(s, "devdax:", 7) == 0) {
		const char *path = s + 7, *name = path + 5, *q = path + 8;
		size_t d1, d2;

		/* /dev/daxX.Y, nothing else */
		d1 = strncmp(path, "/dev/dax", 8) ? 0 : strspn(q, "0123456789");
		d2 = d1 && q[d1] == '.' ? strspn(q + d1 + 1, "0123456789") : 0;
		if (!d1 || !d2 || q[d1 + 1 + d2] || d1 + d2 > 20)
			usage_error("--mem devdax: expected /dev/daxX.Y, not '%.64s'",
				    path);
		cfg.mem = MEM_DEVDAX;
		snprintf(cfg.dax_path, sizeof(cfg.dax_path), "%s", path);
		snprintf(cfg.dax_name, sizeof(cfg.dax_name), "%s", name);
	} else {
		usage_error("--mem: unknown kind '%.64s' (anon, devdax:/dev/daxX.Y, node:N, provider:ID)",
			    s);
	}
}

static void parse_ops(const char *s)
{
	char list[MAX_ARG], *save = NULL, *tok;

	if (strnlen(s, MAX_ARG) >= MAX_ARG)
		usage_error("--ops: list too long");
	snprintf(list, sizeof(list), "%s", s);
	cfg.nops = 0;
	cfg.op_mask = 0;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int k;

		for (k = 0; k < OP__COUNT; k++)
			if (strcmp(tok, op_names[k]) == 0)
				break;
		if (k == OP__COUNT)
			usage_error("--ops: unknown op '%.32s' (read, write, snapshot, validate, migrate, munmap, mprotect, fork)",
				    tok);
		if (cfg.nops == MAX_OPS_LIST)
			usage_error("--ops: more than %d entries", MAX_OPS_LIST);
		cfg.ops[cfg.nops++] = (enum op)k;
		cfg.op_mask |= 1U << k;
	}
	if (!cfg.nops)
		usage_error("--ops: empty list");
}

static void parse_fiu(const char *s)
{
	static const char *const points[] = {
		FIU_MMAP, FIU_IOCTL, FIU_ALLOC, FIU_OPEN, "hpc-mirror/*",
	};
	const char *colon = strchr(s, ':');
	size_t nlen = colon ? (size_t)(colon - s) : strnlen(s, MAX_ARG);
	struct fiu_spec *f;
	size_t i;

	if (cfg.nfiu == MAX_FIU)
		usage_error("--fiu: at most %d points", MAX_FIU);
	f = &cfg.fiu[cfg.nfiu];
	for (i = 0; i < sizeof(points) / sizeof(points[0]); i++)
		if (strlen(points[i]) == nlen && !strncmp(points[i], s, nlen))
			f->name = points[i];
	if (!f->name)
		usage_error("--fiu: unknown point '%.*s' (hpc-mirror/mmap, hpc-mirror/ioctl, hpc-mirror/alloc, hpc-mirror/open, hpc-mirror/*)",
			    (int)(nlen > 64 ? 64 : nlen), s);
	f->prob = 0;
	if (colon) {
		char buf[24], *end;
		size_t plen = strnlen(colon + 1, sizeof(buf));

		if (plen == 0 || plen >= sizeof(buf))
			usage_error("--fiu %s: bad probability", f->name);
		memcpy(buf, colon + 1, plen + 1);
		if (!(buf[0] >= '0' && buf[0] <= '9') && buf[0] != '.')
			usage_error("--fiu %s: bad probability '%s' (0 < PROB <= 1)",
				    f->name, buf);
		errno = 0;
		f->prob = strtod(buf, &end);
		if (errno || *end || !(f->prob > 0) || f->prob > 1)
			usage_error("--fiu %s: bad probability '%s' (0 < PROB <= 1)",
				    f->name, buf);
	}
	cfg.nfiu++;
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mem", required_argument, NULL, 'm' },
		{ "migrate", required_argument, NULL, 'M' },
		{ "size", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "duration", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "seed", required_argument, NULL, 'S' },
		{ "ops", required_argument, NULL, 'o' },
		{ "verify", no_argument, NULL, 'v' },
		{ "expect-loss", no_argument, NULL, 'l' },
		{ "inject-corruption", no_argument, NULL, 'I' },
		{ "event-prefix", required_argument, NULL, 'e' },
		{ "fiu", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env_seed = getenv("HPC_SEED");
	int c, ops_given = 0;
	uint64_t v;

	if (env_seed && hpcg_parse_u64(env_seed, strnlen(env_seed, 32),
				       UINT64_MAX, &v) == 0)
		cfg.seed = v;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			parse_mem(optarg);
			break;
		case 'M':
			cfg.migrate = (uint32_t)parse_num("--migrate", optarg, 1,
							  HPC_MAX_PROVIDERS - 1);
			break;
		case 's':
			cfg.size = parse_size(optarg);
			break;
		case 't':
			cfg.threads = (unsigned int)parse_num("--threads", optarg,
							      1, MAX_THREADS);
			break;
		case 'd':
			cfg.duration_ns = parse_duration(optarg);
			break;
		case 'i':
			cfg.iterations = parse_num("--iterations", optarg, 1,
						   1000000000ULL);
			break;
		case 'S':
			cfg.seed = parse_num("--seed", optarg, 0, UINT64_MAX);
			break;
		case 'o':
			parse_ops(optarg);
			ops_given = 1;
			break;
		case 'v':
			cfg.verify = 1;
			break;
		case 'l':
			cfg.expect_loss = 1;
			break;
		case 'I':
			cfg.inject = 1;
			break;
		case 'e':
			if (strnlen(optarg, 64) > HPC_PROTO_MAX_NAME - 8 ||
			    !hpc_proto_name_ok(optarg, strnlen(optarg, 64)))
				usage_error("--event-prefix: expected 1-%d of [A-Za-z0-9_.:+-], not '%.64s'",
					    HPC_PROTO_MAX_NAME - 8, optarg);
			snprintf(cfg.prefix, sizeof(cfg.prefix), "%s", optarg);
			break;
		case 'f':
			parse_fiu(optarg);
			break;
		case 'h':
			usage();
			exit(EXIT_OK);
		default:
			if (optopt)
				usage_error("option '%.64s' needs a value",
					    argv[optind - 1]);
			usage_error("unknown option '%.64s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		usage_error("unexpected argument '%.64s'", argv[optind]);
	if (cfg.inject && !cfg.verify)
		usage_error("--inject-corruption: needs --verify (the final verification finds it)");
	if (cfg.duration_ns && cfg.iterations)
		usage_error("--duration and --iterations exclude each other");
	if (!cfg.duration_ns && !cfg.iterations)
		cfg.iterations = DEFAULT_ITERS;
	if (cfg.migrate && cfg.mem != MEM_ANON && cfg.mem != MEM_NODE)
		usage_error("--migrate: needs --mem anon or node:N (device-private migration moves anonymous pages)");
	if (!ops_given) {
		static const enum op dflt[] = {
			OP_READ, OP_WRITE, OP_SNAPSHOT, OP_VALIDATE, OP_MUNMAP,
			OP_MPROTECT, OP_FORK,
		};

		for (size_t i = 0; i < sizeof(dflt) / sizeof(dflt[0]); i++) {
			cfg.ops[cfg.nops++] = dflt[i];
			cfg.op_mask |= 1U << dflt[i];
		}
		if (cfg.migrate) {
			cfg.ops[cfg.nops++] = OP_MIGRATE;
			cfg.op_mask |= 1U << OP_MIGRATE;
		}
	} else if ((cfg.op_mask & (1U << OP_MIGRATE)) && !cfg.migrate) {
		usage_error("--ops: migrate needs --migrate ID (a device-private provider)");
	} else if (!(cfg.op_mask & (1U << OP_MIGRATE)) && cfg.migrate) {
		usage_error("--migrate: --ops does not include migrate");
	}
}

/* ------------------------------------------------------------------ */
/* setup                                                               */

static int skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g.skip_why, sizeof(g.skip_why), fmt, ap);
	va_end(ap);
	return EXIT_SKIP;
}

static int setup_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int setup_error(const char *fmt, ...)
{
	va_list ap;

	fputs("hpc-mirror: setup: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_RUNTIME;
}

static int read_sysfs_u64(const char *path, uint64_t *v)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *end;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	errno = 0;
	*v = strtoull(buf, &end, 0);
	if (errno || end == buf || (*end && *end != '\n'))
		return -1;
	return 0;
}

static int injected_too_often(const char *what)
{
	return setup_error("%s: injected failure %d times, giving up", what,
			   SETUP_TRIES + 1);
}

static int open_device(void)
{
	int fd, r;

	if (setup_injected(FIU_OPEN) < 0)
		return injected_too_often("open " HPC_DEVICE_PATH);
	fd = open(HPC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ENXIO || errno == ENODEV))
		return skip("no %s (modprobe hpchaos)", HPC_DEVICE_PATH);
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		return skip("cannot open %s: %s (not root?)", HPC_DEVICE_PATH,
			    strerror(errno));
	if (fd < 0)
		return setup_error("open %s: %s", HPC_DEVICE_PATH,
				   strerror(errno));
	g.fd = fd;
	g.ver.size = sizeof(g.ver);
	r = setup_ioctl(HPC_IOC_VERSION, &g.ver);
	if (r == -INJECTED)
		return injected_too_often("HPC_IOC_VERSION");
	if (r < 0)
		return skip("HPC_IOC_VERSION: %s (another uapi version?)",
			    strerror(-r));
	if (g.ver.version != HPC_UAPI_VERSION)
		return skip("module uapi version %u, hpc-mirror needs %d",
			    g.ver.version, HPC_UAPI_VERSION);
	if (g.ver.page_size != g.page)
		return setup_error("module page size %u, ours %zu",
				   g.ver.page_size, g.page);
	if (!(g.ver.caps & HPC_CAP_MIRROR))
		return skip("the module has no mirror (caps 0x%llx)",
			    (unsigned long long)g.ver.caps);
	if ((cfg.op_mask & (1U << OP_SNAPSHOT)) &&
	    !(g.ver.caps & HPC_CAP_SNAPSHOT))
		return skip("the module cannot snapshot (no HPC_CAP_SNAPSHOT)");
	if ((cfg.op_mask & (1U << OP_VALIDATE)) &&
	    !(g.ver.caps & HPC_CAP_VALIDATE))
		return skip("the module cannot validate (no HPC_CAP_VALIDATE)");
	return EXIT_OK;
}

/* Provider id must be live and of this kind; 0, or a skip/error. */
static int check_provider(uint32_t id, uint32_t kind, uint64_t caps,
			  const char *what, struct hpc_provider *pi)
{
	int r;

	if ((g.ver.caps & caps) != caps)
		return skip("the module has no %s provider on this kernel (caps 0x%llx)",
			    what, (unsigned long long)g.ver.caps);
	memset(pi, 0, sizeof(*pi));
	pi->size = sizeof(*pi);
	pi->op = HPC_POP_INFO;
	pi->id = id;
	r = setup_ioctl(HPC_IOC_PROVIDER, pi);
	if (r == -INJECTED)
		return injected_too_often("HPC_IOC_PROVIDER");
	if (r == -ENOENT || r == -EINVAL || r == -ENODEV ||
	    (r == 0 && pi->state == HPC_PSTATE_NONE))
		return skip("no provider %u", id);
	if (r < 0)
		return setup_error("provider %u: %s", id, strerror(-r));
	if (pi->kind != kind)
		return skip("provider %u (%.32s) is not a %s provider", id,
			    pi->name, what);
	if (pi->state != HPC_PSTATE_LIVE)
		return skip("provider %u (%.32s) is not live (state %u)", id,
			    pi->name, pi->state);
	return EXIT_OK;
}

/* device-dax: size and align from sysfs, an aligned MAP_SHARED mapping */
static int map_devdax(size_t *len, void **m)
{
	char path[160];
	uint64_t devsize, align;
	uintptr_t a;
	size_t head;
	char *res;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/size",
		 cfg.dax_name);
	if (read_sysfs_u64(path, &devsize) < 0 || devsize == 0)
		return skip("no device-dax %s (%s)", cfg.dax_name, path);
	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/align",
		 cfg.dax_name);
	if (read_sysfs_u64(path, &align) < 0 || align < g.page ||
	    (align & (align - 1)))
		align = DAX_ALIGN;
	if (!cfg.size)
		cfg.size = devsize / align * align;
	if (cfg.size > devsize)
		usage_error("--size: %" PRIu64 " bytes is more than %s has (%" PRIu64 ")",
			    cfg.size, cfg.dax_name, devsize);
	if (!cfg.size || cfg.size % align)
		usage_error("--size: %s needs a multiple of its align (%" PRIu64 " bytes)",
			    cfg.dax_name, align);
	if (setup_injected(FIU_OPEN) < 0)
		return injected_too_often("open device-dax");
	fd = open(cfg.dax_path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ENXIO || errno == ENODEV))
		return skip("cannot open %s: %s", cfg.dax_path,
			    strerror(errno));
	if (fd < 0)
		return setup_error("open %s: %s", cfg.dax_path,
				   strerror(errno));
	g.dax_fd = fd;
	g.upp = (size_t)(align / g.page);
	*len = (size_t)cfg.size;
	if (setup_injected(FIU_MMAP) < 0)
		return injected_too_often("mmap");
	/* an aligned hole, then the device mapped into it */
	res = mmap(NULL, *len + (size_t)align, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return setup_error("mmap %zu bytes: %s", *len, strerror(errno));
	a = ((uintptr_t)res + (uintptr_t)align - 1) & ~((uintptr_t)align - 1);
	head = a - (uintptr_t)res;
	*m = mmap((void *)a, *len, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_FIXED, fd, 0);
	if (*m == MAP_FAILED) {
		int e = errno;

		munmap(res, *len + (size_t)align);
		errno = e;
		return EXIT_OK;
	}
	if (head)
		munmap(res, head);
	if ((size_t)align - head)
		munmap((char *)a + *len, (size_t)align - head);
	return EXIT_OK;
}

static int map_memory(void)
{
	struct hpc_provider pi;
	size_t len = 0;
	void *m = MAP_FAILED;
	char path[64];
	int r;

	switch (cfg.mem) {
	case MEM_NODE:
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%u",
			 cfg.node);
		if (access(path, F_OK) < 0)
			return skip("no NUMA node %u", cfg.node);
		/* fall through */
	case MEM_ANON:
		if (!cfg.size)
			cfg.size = DEFAULT_SIZE;
		if (cfg.size > SIZE_MAX / 2)
			usage_error("--size: too large");
		len = (size_t)((cfg.size + g.page - 1) / g.page * g.page);
		if (setup_injected(FIU_MMAP) < 0)
			return injected_too_often("mmap");
		m = setup_mmap(len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		break;
	case MEM_DEVDAX:
		r = map_devdax(&len, &m);
		if (r)
			return r;
		break;
	case MEM_PROVIDER:
		r = check_provider(cfg.provider, HPC_PKIND_PCI_BAR,
				   HPC_CAP_PROVIDERS | HPC_CAP_PCI_BAR,
				   "PCI BAR", &pi);
		if (r)
			return r;
		if (!cfg.size)
			cfg.size = pi.pages * g.page;
		if (!cfg.size || cfg.size > pi.pages * g.page)
			usage_error("--size: %" PRIu64 " bytes is more than provider %u has (%" PRIu64 ")",
				    cfg.size, cfg.provider,
				    (uint64_t)(pi.pages * g.page));
		len = (size_t)((cfg.size + g.page - 1) / g.page * g.page);
		if (setup_injected(FIU_MMAP) < 0)
			return injected_too_often("mmap");
		m = setup_mmap(len, PROT_READ | PROT_WRITE, MAP_SHARED, g.fd,
			       (off_t)HPC_MMAP_OFFSET(cfg.provider));
		break;
	}
	if (m == MAP_FAILED)
		return setup_error("mmap %zu bytes of %s memory: %s", len,
				   mem_names[cfg.mem], strerror(errno));
	g.base = m;
	g.npages = len / g.page;
	cfg.size = len;
	if (cfg.mem == MEM_NODE) {
		r = bind_node(g.base, len);
		if (r == -EINVAL)
			return skip("NUMA node %u has no memory to bind to",
				    cfg.node);
		if (r < 0)
			return setup_error("mbind node %u: %s", cfg.node,
					   strerror(-r));
	}
	return EXIT_OK;
}

/* Allocate in setup (injected failures retried); NULL: out of memory. */
static void *setup_alloc(size_t n)
{
	void *p;

	if (setup_injected(FIU_ALLOC) < 0) {
		injected_too_often("malloc");
		return NULL;
	}
	p = calloc(1, n);
	if (!p)
		setup_error("out of memory (%zu bytes)", n);
	return p;
}

static int setup(void)
{
	unsigned int i;
	size_t units, per, extra, first = 0;
	int r;

	g.page = (size_t)sysconf(_SC_PAGESIZE);
	g.upp = 1;
	r = open_device();
	if (r)
		return r;
	if (cfg.migrate) {
		struct hpc_provider pi;

		if (!(g.ver.caps & HPC_CAP_MIGRATE))
			return skip("the module cannot migrate on this kernel (no HPC_CAP_MIGRATE)");
		r = check_provider(cfg.migrate, HPC_PKIND_DEVICE_PRIVATE,
				   HPC_CAP_PROVIDERS | HPC_CAP_DEVICE_PRIVATE,
				   "device-private", &pi);
		if (r)
			return r;
	}
	r = map_memory();
	if (r)
		return r;

	units = g.npages / g.upp;
	if (units < cfg.threads)
		usage_error("--size: %" PRIu64 " bytes is too small for %u threads (%zu bytes each at least)",
			    cfg.size, cfg.threads, g.upp * g.page);
	g.nthreads = cfg.threads;
	g.gen = setup_alloc(g.npages * sizeof(*g.gen));
	if (!g.gen)
		return EXIT_RUNTIME;
	g.flags = setup_alloc(g.npages);
	if (!g.flags)
		return EXIT_RUNTIME;
	g.w = setup_alloc(g.nthreads * sizeof(*g.w));
	if (!g.w)
		return EXIT_RUNTIME;
	per = units / g.nthreads;
	extra = units % g.nthreads;
	for (i = 0; i < g.nthreads; i++) {
		struct worker *w = &g.w[i];
		unsigned int k, j;

		w->idx = i;
		w->first = first;
		w->npages = (per + (i < extra ? 1 : 0)) * g.upp;
		first += w->npages;
		w->rng = mix64(cfg.seed ^ mix64(((uint64_t)i + 1) * GOLDEN));
		/* the first pass: every kind once, in a seeded order */
		for (k = 0; k < OP__COUNT; k++)
			if (cfg.op_mask & (1U << k))
				w->pass1[w->npass1++] = (enum op)k;
		for (k = w->npass1; k > 1; k--) {
			enum op t;

			j = (unsigned int)(rnd(w) % k);
			t = w->pass1[k - 1];
			w->pass1[k - 1] = w->pass1[j];
			w->pass1[j] = t;
		}
		w->child = setup_mmap(sizeof(*w->child), PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (w->child == MAP_FAILED)
			return setup_error("mmap: %s", strerror(errno));
	}
	return EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* after the loop                                                      */

struct verify_res {
	size_t checked, lost_pages, unmapped;
	unsigned long long corrupt_before;
	int mirror_checked;
};

static void verify_all(struct verify_res *v)
{
	struct hpc_counters c;
	char *buf;

	v->corrupt_before = atomic_load(&n_corrupt_pages);
	for (size_t p = 0; p < g.npages; p++) {
		struct cpu_job j = { .first = p, .n = 1, .full = 1,
				     .check = "verify" };

		if (g.flags[p] & PF_UNMAPPED) {
			v->unmapped++;
			continue;
		}
		if (guarded(cpu_check_fn, &j) < 0) {
			v->lost_pages++;
			continue;
		}
		v->checked++;
	}
	if (v->lost_pages && !atomic_load(&lost))
		lose("SIGBUS on %zu pages while verifying", v->lost_pages);
	/* and through the mirror, when it still works */
	if (atomic_load(&lost) || get_counters(&c) < 0 ||
	    c.state != HPC_STATE_ACTIVE)
		return;
	buf = malloc(VERIFY_CHUNK * g.page);
	if (!buf)
		return;
	for (size_t p = 0; p < g.npages; p += VERIFY_CHUNK) {
		size_t n = g.npages - p < VERIFY_CHUNK ? g.npages - p :
			   VERIFY_CHUNK, i;
		struct hpc_range_op op;
		int skip_chunk = 0, r;

		for (i = 0; i < n; i++)
			if (g.flags[p + i] & PF_UNMAPPED)
				skip_chunk = 1;
		if (skip_chunk)
			continue;
		/* injected failures and retry exhaustion: try again */
		for (int t = 0; t <= SETUP_TRIES; t++) {
			r = range_op(HPC_IOC_READ, p, n, buf, 0,
				     HPC_PROV_SYSTEM, &op);
			if (r == -INJECTED)
				atomic_fetch_add(&n_injected, 1);
			else if (r != -EBUSY)
				break;
		}
		if (r == -INJECTED || r == -EBUSY) {
			note("verify: mirror read of 0x%" PRIxPTR " kept failing (%s), not checked through the mirror",
			     (uintptr_t)page_addr(p),
			     r == -EBUSY ? strerror(EBUSY) : "injected");
			free(buf);
			return;
		}
		if (classify(r, "verify read", p, n) != RES_OK) {
			free(buf);
			return;
		}
		for (i = 0; i < n; i++)
			check_page((const uint64_t *)(buf + i * g.page),
				   (uintptr_t)page_addr(p + i), p + i, 1,
				   "verify-mirror");
	}
	v->mirror_checked = 1;
	free(buf);
}

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static const char *ops_list(char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < cfg.nops && n + 12 < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? "," : "",
				      op_names[cfg.ops[i]]);
	return buf;
}

static void install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int setup_fiu(void)
{
	fiu_set_prng_seed((unsigned int)mix64(cfg.seed));
	if (fiu_init(0) < 0)
		return setup_error("fiu_init failed");
	for (unsigned int i = 0; i < cfg.nfiu; i++) {
		const struct fiu_spec *f = &cfg.fiu[i];
		int r = f->prob > 0 && f->prob < 1 ?
			fiu_enable_random(f->name, 1, NULL, 0, (float)f->prob) :
			fiu_enable(f->name, 1, NULL, 0);

		if (r < 0)
			return setup_error("cannot enable fault point %s",
					   f->name);
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	char opsbuf[MAX_OPS_LIST * 10];
	const char *kpath, *outcome;
	struct hpc_counters c;
	struct verify_res vr = { 0 };
	uint64_t t0, next_progress;
	unsigned int i, started;
	int rc, have_c = 0, wl_bad, stale_bad, sent_started = 0, sent_loop = 0,
	    sent_reset = 0;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	install_handlers();

	kpath = getenv("HPC_KTAP");
	if (kpath && *kpath && strnlen(kpath, 4096) < 4096) {
		g.ktap = fopen(kpath, "we");
		if (!g.ktap)
			fprintf(stderr, "hpc-mirror: %s: %s (KTAP to stdout)\n",
				kpath, strerror(errno));
	}
	ktap("KTAP version 1");
	ktap("1..4");
	ktap("# hpc-mirror: seed=%" PRIu64 " mem=%s threads=%u ops=%s verify=%d expect-loss=%d",
	     cfg.seed, mem_names[cfg.mem], cfg.threads,
	     ops_list(opsbuf, sizeof(opsbuf)), cfg.verify, cfg.expect_loss);

	rc = setup_fiu();
	if (rc == EXIT_OK) {
		events_open();
		rc = setup();
	}
	if (rc != EXIT_OK) {
		const char *why = rc == EXIT_SKIP ? g.skip_why : "setup failed";

		if (rc == EXIT_SKIP) {
			fprintf(stderr, "hpc-mirror: SKIP: %s\n", g.skip_why);
			ktap_result("setup", 2, g.skip_why);
		} else {
			ktap_result("setup", 1, NULL);
		}
		ktap_result("workload", 2, why);
		ktap_result("verify", 2, why);
		ktap_result("counters", 2, why);
		printf("hpc-mirror: ops=0 reads=0 writes=0 migrations=0 stale=0 injected=%llu failed=0 outcome=%s\n",
		       (unsigned long long)atomic_load(&n_injected),
		       rc == EXIT_SKIP ? "skip" : "error");
		return rc;
	}
	ktap_result("setup", 0, NULL);
	printf("hpc-mirror: seed=%" PRIu64 " mem=%s%s%s size=%" PRIu64
	       " pages=%zu threads=%u ops=%s verify=%d",
	       cfg.seed, mem_names[cfg.mem],
	       cfg.mem == MEM_DEVDAX ? ":" : "",
	       cfg.mem == MEM_DEVDAX ? cfg.dax_path : "", cfg.size, g.npages,
	       g.nthreads, opsbuf, cfg.verify);
	if (cfg.mem == MEM_NODE)
		printf(" node=%u", cfg.node);
	if (cfg.mem == MEM_PROVIDER)
		printf(" provider=%u", cfg.provider);
	if (cfg.migrate)
		printf(" migrate=%u", cfg.migrate);
	if (cfg.duration_ns)
		printf(" duration=%.3fs\n", secs(cfg.duration_ns));
	else
		printf(" iterations=%" PRIu64 "\n", cfg.iterations);

	/* ---- the loop ---- */
	t0 = hpcg_mono_ns();
	for (started = 0; started < g.nthreads; started++) {
		rc = pthread_create(&g.w[started].tid, NULL, worker_main,
				    &g.w[started]);
		if (rc) {
			runtime_error("pthread_create: %s", strerror(rc));
			break;
		}
	}
	next_progress = t0 + 1000000000ULL;
	while (atomic_load(&finished) < started) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		uint64_t now;

		nanosleep(&ts, NULL);
		now = hpcg_mono_ns();
		if (cfg.duration_ns && now - t0 >= cfg.duration_ns)
			atomic_store(&stop, 1);
		if (!sent_started && atomic_load(&filled) == g.nthreads) {
			event("started", "seed=%" PRIu64 " mem=%s threads=%u",
			      cfg.seed, mem_names[cfg.mem], g.nthreads);
			sent_started = 1;
		}
		if (!sent_loop && atomic_load(&passed) == g.nthreads) {
			event("loop", "ops=%llu",
			      (unsigned long long)atomic_load(&n_ops));
			sent_loop = 1;
		}
		if (!sent_reset && atomic_load(&lost)) {
			pthread_mutex_lock(&g.lock);
			event("reset", "%s", g.lost_why);
			pthread_mutex_unlock(&g.lock);
			outcome_event("reset");
			sent_reset = 1;
		}
		if (now >= next_progress) {
			printf("progress: elapsed=%.1fs ops=%llu reads=%llu writes=%llu\n",
			       secs(now - t0),
			       (unsigned long long)atomic_load(&n_ops),
			       (unsigned long long)atomic_load(&n_reads),
			       (unsigned long long)atomic_load(&n_writes));
			next_progress += 1000000000ULL;
		}
	}
	for (i = 0; i < started; i++)
		pthread_join(g.w[i].tid, NULL);
	if (!sent_loop && atomic_load(&passed) == g.nthreads)
		event("loop", "ops=%llu", (unsigned long long)atomic_load(&n_ops));
	if (!sent_reset && atomic_load(&lost)) {
		event("reset", "%s", g.lost_why);
		outcome_event("reset");
	}

	if (atomic_load(&lost))
		printf("hpc-mirror: device lost: %s\n", g.lost_why);
	wl_bad = atomic_load(&n_errors) || atomic_load(&n_corrupt_pages) ||
		 (atomic_load(&lost) && !cfg.expect_loss) || started < g.nthreads;
	ktap("# workload: %.1fs ops=%llu reads=%llu writes=%llu cpu_writes=%llu snapshots=%llu validates=%llu migrate_ops=%llu munmaps=%llu mprotects=%llu forks=%llu",
	     secs(hpcg_mono_ns() - t0), (unsigned long long)atomic_load(&n_ops),
	     (unsigned long long)atomic_load(&n_reads),
	     (unsigned long long)atomic_load(&n_writes),
	     (unsigned long long)atomic_load(&n_cpu_writes),
	     (unsigned long long)atomic_load(&n_snapshots),
	     (unsigned long long)atomic_load(&n_validates),
	     (unsigned long long)atomic_load(&n_migrate_ops),
	     (unsigned long long)atomic_load(&n_munmaps),
	     (unsigned long long)atomic_load(&n_mprotects),
	     (unsigned long long)atomic_load(&n_forks));
	ktap("# workload: injected=%llu failed=%llu errors=%llu corrupt_pages=%llu lost=%d%s%s",
	     (unsigned long long)atomic_load(&n_injected),
	     (unsigned long long)atomic_load(&n_failed),
	     (unsigned long long)atomic_load(&n_errors),
	     (unsigned long long)atomic_load(&n_corrupt_pages),
	     atomic_load(&lost), atomic_load(&lost) ? " " : "",
	     atomic_load(&lost) ? g.lost_why : "");
	ktap_result("workload", wl_bad, NULL);

	/* ---- verify ---- */
	if (!cfg.verify) {
		ktap_result("verify", 2, "no --verify");
	} else {
		int was_lost = atomic_load(&lost);

		verify_all(&vr);
		ktap("# verify: pages=%zu checked=%zu lost=%zu unmapped=%zu mirror=%s corrupt_pages=%llu",
		     g.npages, vr.checked, vr.lost_pages, vr.unmapped,
		     vr.mirror_checked ? "checked" : "not usable",
		     atomic_load(&n_corrupt_pages) - vr.corrupt_before);
		ktap_result("verify",
			    atomic_load(&n_corrupt_pages) != vr.corrupt_before ||
			    (!was_lost && atomic_load(&lost) && !cfg.expect_loss),
			    NULL);
	}

	/* ---- counters ---- */
	if (get_counters(&c) == 0) {
		have_c = 1;
		ktap("# counters: state=%s faults=%llu retries_seq=%llu retries_busy=%llu invalidations=%llu reads=%llu writes=%llu stale=%llu validate_mismatch=%llu migrate_to_device=%llu migrate_to_ram=%llu evicted=%llu lost=%llu",
		     state_name(c.state), (unsigned long long)c.faults,
		     (unsigned long long)c.retries_seq,
		     (unsigned long long)c.retries_busy,
		     (unsigned long long)c.invalidations,
		     (unsigned long long)c.reads,
		     (unsigned long long)c.writes,
		     (unsigned long long)c.stale,
		     (unsigned long long)c.validate_mismatch,
		     (unsigned long long)c.migrate_to_device,
		     (unsigned long long)c.migrate_to_ram,
		     (unsigned long long)c.evicted, (unsigned long long)c.lost);
	}
	stale_bad = atomic_load(&n_stale) || (have_c && (c.stale ||
						       c.validate_mismatch));
	if (!have_c)
		ktap_result("counters", 2, "HPC_IOC_COUNTERS failed");
	else
		ktap_result("counters", stale_bad ||
			    c.reads < atomic_load(&n_reads) ||
			    c.writes < atomic_load(&n_writes), NULL);

	if (atomic_load(&lost))
		outcome = "reset";
	else if (have_c && (c.lost || c.evicted || c.revocations))
		outcome = "revoke";
	else
		outcome = "ok";
	printf("hpc-mirror: ops=%llu reads=%llu writes=%llu migrations=%llu stale=%llu injected=%llu failed=%llu outcome=%s\n",
	       (unsigned long long)atomic_load(&n_ops),
	       (unsigned long long)atomic_load(&n_reads),
	       (unsigned long long)atomic_load(&n_writes),
	       (unsigned long long)atomic_load(&n_migrated),
	       (unsigned long long)atomic_load(&n_stale),
	       (unsigned long long)atomic_load(&n_injected),
	       (unsigned long long)atomic_load(&n_failed), outcome);
	event("done", "outcome=%s", outcome);
	if (g.ktap)
		fclose(g.ktap);

	if (atomic_load(&n_corrupt_pages))
		return EXIT_CORRUPT;
	if (wl_bad || stale_bad || (have_c && (c.reads < atomic_load(&n_reads) ||
					       c.writes < atomic_load(&n_writes))))
		return EXIT_RUNTIME;
	return EXIT_OK;
}
