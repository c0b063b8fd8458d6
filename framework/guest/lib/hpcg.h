/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers only the static guest programs need (guest/lib/hpcg.c): the fault
 * injection hpc-fail hands over. Everything else they share with the host
 * is in the core (hpc/parse.h, hpc/io.h, hpc/prng.h, hpc/linebuf.h,
 * hpc/proto.h; libhpccore.a).
 */
#ifndef HPCG_H
#define HPCG_H

#include <stddef.h>
#include <stdint.h>

#include "hpc/io.h"
#include "hpc/parse.h"

/* The files of the calling thread hpc-fail's injection turns on. */
#define HPCG_MAKE_IT_FAIL	"/proc/thread-self/make-it-fail"
#define HPCG_FAIL_NTH		"/proc/thread-self/fail-nth"
/* Largest HPC_FAIL_NTH taken. */
#define HPCG_FAIL_NTH_MAX	1000000000

/*
 * Fault injection handed over by hpc-fail: when the environment has
 * HPC_MAKE_IT_FAIL=1 (and maybe HPC_FAIL_NTH=N), turn on
 * /proc/thread-self/make-it-fail (and fail-nth) for the calling thread;
 * threads it creates afterwards inherit it. Call it when setup is done,
 * before starting the workload's threads. 1 when armed, 0 when not asked,
 * -errno on failure.
 */
int hpcg_fault_inject_arm(void);

/*
 * The same, confined to one stretch (a system call): the calling thread's
 * make-it-fail (and fail-nth) files are opened before anything is armed and
 * kept, so that hpcg_fault_inject_end() allocates nothing the injection
 * could fail (a write to them copies a few bytes to the stack); what the
 * program does afterwards (stdio buffers, output to tmpfs) meets no
 * failures. 1 when armed, 0 when not asked, -errno on failure (nothing
 * armed). hpcg_fault_inject_end() turns both off and closes the files; it
 * may be called after any return of hpcg_fault_inject_begin().
 */
struct hpcg_fault_scope {
	int make_it_fail;	/* fds, -1: not open */
	int fail_nth;
};

int hpcg_fault_inject_begin(struct hpcg_fault_scope *s);
void hpcg_fault_inject_end(struct hpcg_fault_scope *s);

/* Exit status of a guest program for bad usage. */
#define HPCG_EXIT_USAGE	2

/*
 * Bad usage: "<hpcg_prog>: <message> (see --help)" on stderr, exit
 * HPCG_EXIT_USAGE. A program sets hpcg_prog to its name first.
 */
extern const char *hpcg_prog;
void hpcg_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* Option values (core parsers), bad usage when they do not parse. */
uint64_t hpcg_opt_size(const char *opt, const char *s);
uint64_t hpcg_opt_duration(const char *opt, const char *s);
uint64_t hpcg_opt_u64(const char *opt, const char *s, uint64_t min,
		      uint64_t max);

/* $HPC_SEED when it is a canonical number, else dflt. */
uint64_t hpcg_env_seed(uint64_t dflt);

#endif
