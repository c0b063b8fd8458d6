/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpc-mirror, the workload driver (guest/hpc-mirror.c: the run), in parts:
 *   report.c   messages, KTAP, phase events through the agent's FIFO
 *   pattern.c  the seeded page pattern, SIGBUS-guarded CPU access
 *   ops.c      the mirror's ioctls and the operations of a worker thread
 *   args.c     the command line (cfg)
 *   setup.c    the device, the memory of each kind, the workers
 * What they share is declared here: cfg (the options), mw (the run's
 * state) and the counters.
 */
#ifndef HPC_MIRROR_H
#define HPC_MIRROR_H

#define FIU_ENABLE 1	/* the real libfiu, linked statically (-lfiu) */

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <signal.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <fiu.h>
#include <fiu-control.h>

#include "hpc/prng.h"
#include "hpc/proto.h"
#include "hpchaos.h"
#include "../lib/hpcg.h"

#define EXIT_OK		0
#define EXIT_RUNTIME	1
#define EXIT_USAGE	2
#define EXIT_CORRUPT	3
#define EXIT_SKIP	4

#define MAX_THREADS	64
#define MAX_RANGE	16		/* pages (or device units) per op */
#define MAX_OPS_LIST	32		/* entries of --ops */
#define MAX_FIU		8		/* --fiu options */
#define MAX_MIGRATE	4		/* providers of --migrate, --peer-migrate */
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
#define GOLDEN		HPC_PRNG_GAMMA
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

enum mem_kind { MEM_ANON, MEM_DEVDAX, MEM_NODE, MEM_PROVIDER };

/* page flags */
#define PF_UNSURE	0x01	/* old or new generation (a write failed) */
#define PF_UNMAPPED	0x02	/* a remap failed: nothing there */

/* What became of one operation's system call. */
enum res { RES_OK, RES_INJECTED, RES_TRANSIENT, RES_STALE, RES_LOST, RES_ERROR };

struct fiu_spec {
	const char *name;
	double prob;		/* 0: always */
};

/* The options (args.c). */
struct mirror_cfg {
	enum mem_kind mem;
	char dax_path[MAX_ARG];
	char dax_name[64];
	unsigned int node;
	uint32_t provider;	/* --mem provider:ID */
	uint32_t migrate;	/* --migrate ID (the first of the list), 0 = none */
	/* --migrate ID,ID...: the providers migrate picks from */
	uint32_t mig[MAX_MIGRATE];
	unsigned int nmig;
	uint32_t owner;		/* --owner O: its device's owner, 0 = default */
	uint32_t peer_owner;	/* --peer-owner O: a second mirror, 0 = none */
	uint32_t peer_mig[MAX_MIGRATE];	/* --peer-migrate ID,ID... */
	unsigned int npeer_mig;
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
};

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

/* The run's state. */
struct mirror_state {
	int fd;				/* /dev/hpchaos: our mirror */
	int peer_fd;			/* --peer-owner: a second device's, or -1 */
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
};

/* A CPU pass over pages [first, first + n) under the SIGBUS guard. */
struct cpu_job {
	size_t first, n;
	int full;
	const char *check;
	unsigned long bad;
	size_t done;		/* pages finished */
};

extern struct mirror_cfg cfg;
extern struct mirror_state mw;
extern const char *const op_names[OP__COUNT];
extern const char *const mem_names[];

extern atomic_int stop, lost;
extern atomic_uint filled, passed, finished;
extern atomic_ullong n_ops, n_reads, n_writes, n_cpu_writes, n_snapshots,
	n_validates, n_migrate_ops, n_migrated, n_munmaps, n_mprotects,
	n_forks, n_stale, n_injected, n_failed, n_errors, n_corrupt_pages,
	n_reports, n_notes, n_events_dropped;

/* report.c: messages, KTAP, events */
void event(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void events_open(void);
void ktap(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ktap_result(const char *name, int res, const char *why);
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void outcome_event(const char *what);
void vsay(const char *what, const char *end, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* pattern.c: the pattern, guarded CPU access, the end of the loop */
unsigned long check_page(const uint64_t *w, uintptr_t addr,
			  size_t page, int full, const char *check);
long cpu_check(size_t first, size_t n, int full, const char *check);
void cpu_check_fn(void *arg);
int cpu_fill(size_t first, size_t n);
void fill_words(uint64_t *w, size_t page, uint32_t gen);
int guarded(void (*fn)(void *), void *arg);
void lose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

char *page_addr(size_t page);
uint64_t page_key(size_t page, uint32_t gen);
uint64_t pat_word(uint64_t key, size_t i);
void report_corrupt(uintptr_t addr, size_t page, size_t off,
		    uint64_t want, uint64_t got, uint32_t gen,
		    const char *check);
uint64_t rnd(struct worker *w);
void runtime_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void on_sigbus(int sig, siginfo_t *si, void *uc);
/* early memory-failure reports (SIGBUS BUS_MCEERR_AO), see on_sigbus() */
extern atomic_ullong n_hwpoison_ao;
extern atomic_uintptr_t hwpoison_addr;
extern atomic_int hwpoison_lsb;

/* ops.c: system calls with fault points, the worker */
int bind_node(char *addr, size_t len);
enum res classify(int r, const char *what, size_t first, size_t n);
int get_counters(struct hpc_counters *c);
int range_op(unsigned long cmd, size_t first, size_t n, void *buf,
		    uint32_t flags, uint32_t provider, struct hpc_range_op *res);
int setup_injected(const char *point);
int setup_ioctl(unsigned long cmd, void *arg);
void *setup_mmap(size_t len, int prot, int flags, int fd, off_t off);
const char *state_name(uint32_t s);
void *worker_main(void *arg);

/* args.c */
void parse_args(int argc, char **argv);
void usage(void);

/* setup.c */
int setup(void);
int setup_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
