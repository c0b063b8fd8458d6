// SPDX-License-Identifier: GPL-2.0
/* hpc-mirror: the page pattern, SIGBUS-guarded CPU access (see mirror.h). */
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
/* the pattern                                                         */

uint64_t rnd(struct worker *w)
{
	w->rng += GOLDEN;
	return hpc_mix64(w->rng);
}

/* Key of the content of page `page` at generation `gen`. */
uint64_t page_key(size_t page, uint32_t gen)
{
	return hpc_mix64(cfg.seed ^ hpc_mix64((uint64_t)page * GOLDEN + 1)) ^
	       hpc_mix64(((uint64_t)gen + 1) * 0xd1b54a32d192ed03ULL);
}

uint64_t pat_word(uint64_t key, size_t i)
{
	return hpc_prng_at(key, i);
}

void fill_words(uint64_t *w, size_t page, uint32_t gen)
{
	uint64_t key = page_key(page, gen);
	size_t i, words = mw.page / sizeof(uint64_t);

	for (i = 0; i < words; i++)
		w[i] = pat_word(key, i);
}

void report_corrupt(uintptr_t addr, size_t page, size_t off,
			   uint64_t want, uint64_t got, uint32_t gen,
			   const char *check)
{
	if (atomic_fetch_add(&n_reports, 1) >= MAX_REPORTS)
		return;
	pthread_mutex_lock(&mw.lock);
	printf("CORRUPT addr=0x%" PRIxPTR " page=%zu offset=%zu expected=0x%016"
	       PRIx64 " got=0x%016" PRIx64 " gen=%" PRIu32 " check=%s\n",
	       addr, page, off, want, got, gen, check);
	fflush(stdout);
	pthread_mutex_unlock(&mw.lock);
}

/*
 * Compare a copy of page `page` (at w, read from addr) with what it must
 * hold. full: every word, else three. Returns the number of bad words.
 */
unsigned long check_page(const uint64_t *w, uintptr_t addr,
				size_t page, int full, const char *check)
{
	uint32_t gen = mw.gen[page];
	int unsure = mw.flags[page] & PF_UNSURE;
	uint64_t key = page_key(page, gen);
	uint64_t okey = unsure && gen ? page_key(page, gen - 1) : key;
	size_t words = mw.page / sizeof(uint64_t), i, step;
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

char *page_addr(size_t page)
{
	return mw.base + page * mw.page;
}

/* ------------------------------------------------------------------ */
/* SIGBUS on device memory                                             */

static _Thread_local sigjmp_buf *volatile guard_jb;

/*
 * A memory failure the kernel reports ahead of any access (BUS_MCEERR_AO:
 * memory_failure() took a poisoned page away from this process's mapping,
 * an early kill): counted, its address kept for the loop to print, and
 * the workload goes on. Any other SIGBUS is an access that failed.
 */
atomic_ullong n_hwpoison_ao;
atomic_uintptr_t hwpoison_addr;
atomic_int hwpoison_lsb;

void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *jb = guard_jb;

	(void)uc;
	if (si && si->si_code == BUS_MCEERR_AO) {
		atomic_store(&hwpoison_addr, (uintptr_t)si->si_addr);
		atomic_store(&hwpoison_lsb, (int)si->si_addr_lsb);
		atomic_fetch_add(&n_hwpoison_ao, 1);
		return;
	}
	if (jb)
		siglongjmp(*jb, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Run fn(arg) touching the memory; -1 if it took a SIGBUS. */
int guarded(void (*fn)(void *), void *arg)
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

static void cpu_fill_fn(void *arg)
{
	struct cpu_job *j = arg;

	for (j->done = 0; j->done < j->n; j->done++) {
		size_t p = j->first + j->done;

		fill_words((uint64_t *)page_addr(p), p, mw.gen[p]);
	}
}

void cpu_check_fn(void *arg)
{
	struct cpu_job *j = arg;

	for (j->done = 0; j->done < j->n; j->done++) {
		size_t p = j->first + j->done;

		if (mw.flags[p] & PF_UNMAPPED)
			continue;
		j->bad += check_page((const uint64_t *)page_addr(p),
				     (uintptr_t)page_addr(p), p, j->full,
				     j->check);
	}
}

/* The loop is over: the device (or its memory) is gone. */
void lose(const char *fmt, ...)
{
	va_list ap;

	if (atomic_exchange(&lost, 1))
		return;
	pthread_mutex_lock(&mw.lock);
	va_start(ap, fmt);
	vsnprintf(mw.lost_why, sizeof(mw.lost_why), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&mw.lock);
	atomic_store(&stop, 1);
}

/* A runtime error: counted, noted, and the loop ends. */
void runtime_error(const char *fmt, ...)
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
int cpu_fill(size_t first, size_t n)
{
	struct cpu_job j = { .first = first, .n = n };

	if (guarded(cpu_fill_fn, &j) == 0)
		return 0;
	lose("SIGBUS writing page %zu (0x%" PRIxPTR ")", first + j.done,
	     (uintptr_t)page_addr(first + j.done));
	return -1;
}

/* CPU check of pages [first, first+n); bad words, or -1 on SIGBUS. */
long cpu_check(size_t first, size_t n, int full, const char *check)
{
	struct cpu_job j = { .first = first, .n = n, .full = full,
			     .check = check };

	if (guarded(cpu_check_fn, &j) == 0)
		return (long)j.bad;
	lose("SIGBUS reading page %zu (0x%" PRIxPTR ")", first + j.done,
	     (uintptr_t)page_addr(first + j.done));
	return -1;
}

