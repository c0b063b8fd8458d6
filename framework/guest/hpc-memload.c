// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-memload: memory load with integrity checking, for scenarios that
 * hot-unplug, offline or migrate memory underneath a running program.
 *
 * Every pass writes each page of an anonymous mapping with a pattern that
 * depends on (seed, page index, pass) and then reads all pages back and
 * compares. With --verify, each page is also compared with the previous
 * pass's pattern right before it is overwritten, i.e. after it has sat in
 * memory for a whole pass (which is when offlining migrates it).
 *
 * Exit: 0 clean, 1 runtime error, 2 bad usage, 3 corruption found.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hpc/io.h"
#include "hpc/opts.h"
#include "hpc/prng.h"
#include "lib/hpcg.h"

#define EXIT_RUNTIME	1
#define EXIT_USAGE	HPCG_EXIT_USAGE
#define EXIT_CORRUPT	3
#define MAX_THREADS	256
#define MAX_REPORTS	64		/* CORRUPT lines printed in total */
#define MAX_REPORTS_PAGE 4		/* ... and per page */
#define MAX_NODE	1023
#define MPOL_BIND_	2		/* <linux/mempolicy.h> MPOL_BIND */
/* Second key of a page's pattern stream, per pass. */
#define PASS_MIX	0xd1b54a32d192ed03ULL
#define PROGRESS_NS	1000000000ULL	/* a progress line this often */
#define WATCH_NS	(50 * 1000 * 1000)	/* the main thread looks this often */
/* The long options (hpc/opts.h). */
#define OPTS	"size=s duration=d passes=p seed=S threads=t verify!v node=n " \
		"inject-corruption!i help!h"

struct worker {
	pthread_t tid;
	size_t first, count;		/* page range */
	atomic_ullong passes;		/* completed passes */
	atomic_int finished;
};

static struct {
	uint64_t size;
	uint64_t duration_ns;		/* 0: use passes */
	uint64_t passes;
	uint64_t seed;
	unsigned int threads;
	int verify;
	int inject;			/* flip a bit, to test the reporting */
	int node;			/* -1: no binding */
	size_t page;
	unsigned char *mem;
} cfg = { .passes = 0, .seed = 1, .threads = 1, .node = -1 };

static atomic_int stop;
static atomic_ullong bytes_written;
static atomic_ullong corrupt_words;
static atomic_int reports;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void usage(void)
{
	printf("usage: hpc-memload --size SIZE [--duration TIME | --passes N]\n"
	       "                   [--seed N] [--threads N] [--verify] [--node N]\n"
	       "  --size SIZE      memory to use: bytes or with K, M, G, T suffix\n"
	       "  --duration TIME  keep going for TIME (s, ms, m, h; plain = s);\n"
	       "                   the pass in progress is cut short at the end\n"
	       "  --passes N       do N passes (default 1)\n"
	       "  --seed N         pattern seed (default $HPC_SEED, else 1)\n"
	       "  --threads N      worker threads, each on its own share of pages\n"
	       "  --verify         also check each page against the previous\n"
	       "                   pass right before overwriting it\n"
	       "  --node N         bind the memory to NUMA node N (mbind)\n"
	       "  --inject-corruption  flip one bit after the first write (to\n"
	       "                   test that corruption gets reported)\n"
	       "exit: 0 clean, 1 runtime error, 2 bad usage, 3 corruption\n");
}

/* The splitmix64 stream that fills page `page` in pass `pass`. */
static struct hpc_prng page_stream(uint64_t page, uint64_t pass)
{
	struct hpc_prng r = {
		hpc_mix64(cfg.seed ^ hpc_mix64(page * HPC_PRNG_GAMMA + 1)) ^
		hpc_mix64(pass * PASS_MIX + page)
	};

	return r;
}

static void fill_page(uint64_t *w, size_t words, uint64_t page, uint64_t pass)
{
	struct hpc_prng r = page_stream(page, pass);
	size_t i;

	for (i = 0; i < words; i++)
		w[i] = hpc_prng_next(&r);
}

static void report_corrupt(uint64_t page, size_t off, uint64_t want,
			   uint64_t got, uint64_t pass, const char *when)
{
	if (atomic_fetch_add(&reports, 1) >= MAX_REPORTS)
		return;
	pthread_mutex_lock(&out_lock);
	printf("CORRUPT page=%" PRIu64 " offset=%zu expected=0x%016" PRIx64
	       " got=0x%016" PRIx64 " pass=%" PRIu64 " check=%s\n",
	       page, off, want, got, pass, when);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

/* Compare a page with its pattern; the number of bad words. */
static unsigned long check_page(const uint64_t *w, size_t words, uint64_t page,
				uint64_t pass, const char *when)
{
	struct hpc_prng r = page_stream(page, pass);
	unsigned long bad = 0;
	size_t i;

	for (i = 0; i < words; i++) {
		uint64_t want = hpc_prng_next(&r);

		if (__builtin_expect(w[i] != want, 0)) {
			if (bad < MAX_REPORTS_PAGE)
				report_corrupt(page, i * sizeof(*w), want, w[i],
					       pass, when);
			bad++;
		}
	}
	if (bad)
		atomic_fetch_add(&corrupt_words, bad);
	return bad;
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	size_t words = cfg.page / sizeof(uint64_t);
	uint64_t pass;

	for (pass = 0; !cfg.passes || pass < cfg.passes; pass++) {
		size_t i, done = 0;
		int bad = 0;

		if (atomic_load(&stop))
			break;
		for (i = 0; i < wk->count; i++) {
			uint64_t page = wk->first + i;
			uint64_t *w = (uint64_t *)(cfg.mem + page * cfg.page);

			if ((i & 63) == 0 && atomic_load(&stop))
				break;
			if (cfg.verify && pass > 0 &&
			    check_page(w, words, page, pass - 1, "before-write"))
				bad = 1;
			fill_page(w, words, page, pass);
			done++;
		}
		atomic_fetch_add(&bytes_written, (unsigned long long)done * cfg.page);
		if (cfg.inject && pass == 0 && wk->first == 0 && done > 0)
			((uint64_t *)cfg.mem)[1] ^= 0x10;
		for (i = 0; i < done; i++) {
			uint64_t page = wk->first + i;
			const uint64_t *w =
				(const uint64_t *)(cfg.mem + page * cfg.page);

			if (check_page(w, words, page, pass, "read-back"))
				bad = 1;
		}
		if (bad) {
			atomic_store(&stop, 1);
			break;
		}
		if (done == wk->count)
			atomic_fetch_add(&wk->passes, 1);
	}
	atomic_store(&wk->finished, 1);
	return NULL;
}

static void parse_args(int argc, char **argv)
{
	int c;

	cfg.seed = hpcg_env_seed(cfg.seed);
	opterr = 0;
	while ((c = hpc_getopt(argc, argv, "", OPTS)) != -1) {
		switch (c) {
		case 's':
			cfg.size = hpcg_opt_size("--size", optarg);
			break;
		case 'd':
			cfg.duration_ns = hpcg_opt_duration("--duration", optarg);
			break;
		case 'p':
			cfg.passes = hpcg_opt_u64("--passes", optarg, 1, 1000000000);
			break;
		case 'S':
			cfg.seed = hpcg_opt_u64("--seed", optarg, 0, UINT64_MAX);
			break;
		case 't':
			cfg.threads = (unsigned int)hpcg_opt_u64("--threads", optarg,
							      1, MAX_THREADS);
			break;
		case 'v': cfg.verify = 1; break;
		case 'i': cfg.inject = 1; break;
		case 'n':
			cfg.node = (int)hpcg_opt_u64("--node", optarg, 0, MAX_NODE);
			break;
		case 'h':
			usage();
			exit(0);
		default:
			hpcg_usage_error("unknown option or missing value: '%s'",
					 argv[optind - 1]);
		}
	}
	if (optind != argc)
		hpcg_usage_error("unexpected argument '%s'", argv[optind]);
	if (!cfg.size)
		hpcg_usage_error("--size is required");
	if (cfg.duration_ns && cfg.passes)
		hpcg_usage_error("--duration and --passes exclude each other");
	if (!cfg.duration_ns && !cfg.passes)
		cfg.passes = 1;
}

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static void bind_node(size_t len)
{
	unsigned long mask[(MAX_NODE + 1) / (8 * sizeof(unsigned long))];
	size_t bits = 8 * sizeof(unsigned long);

	memset(mask, 0, sizeof(mask));
	mask[(size_t)cfg.node / bits] |= 1UL << ((size_t)cfg.node % bits);
	if (syscall(SYS_mbind, cfg.mem, len, MPOL_BIND_, mask,
		    (unsigned long)(MAX_NODE + 2), 0) == 0)
		return;
	if (errno == EINVAL)
		hpcg_usage_error("--node %d: no such node, or it has no memory",
				 cfg.node);
	fprintf(stderr, "hpc-memload: mbind node %d: %s\n", cfg.node,
		strerror(errno));
	exit(EXIT_RUNTIME);
}

/* The mapping of cfg.size bytes (rounded up to pages); its page count. */
static uint64_t map_memory(void)
{
	uint64_t pages;

	cfg.page = (size_t)sysconf(_SC_PAGESIZE);
	if (cfg.size > UINT64_MAX - cfg.page || cfg.size > SIZE_MAX / 2)
		hpcg_usage_error("--size too large");
	pages = (cfg.size + cfg.page - 1) / cfg.page;
	cfg.size = pages * cfg.page;
	cfg.mem = mmap(NULL, (size_t)cfg.size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (cfg.mem == MAP_FAILED) {
		fprintf(stderr, "hpc-memload: mmap %" PRIu64 " bytes: %s\n",
			cfg.size, strerror(errno));
		exit(EXIT_RUNTIME);
	}
	if (cfg.node >= 0)
		bind_node((size_t)cfg.size);
	return pages;
}

/* nthreads workers, each on its share of the pages. 0, or -1. */
static int start_workers(struct worker *wk, unsigned int nthreads,
			 uint64_t pages)
{
	uint64_t per = pages / nthreads, extra = pages % nthreads, first = 0;
	unsigned int i;
	int rc;

	for (i = 0; i < nthreads; i++) {
		wk[i].first = (size_t)first;
		wk[i].count = (size_t)(per + (i < extra ? 1 : 0));
		first += wk[i].count;
	}
	for (i = 0; i < nthreads; i++) {
		rc = pthread_create(&wk[i].tid, NULL, worker_main, &wk[i]);
		if (rc) {
			fprintf(stderr, "hpc-memload: pthread_create: %s\n",
				strerror(rc));
			atomic_store(&stop, 1);
			while (i-- > 0)
				pthread_join(wk[i].tid, NULL);
			return -1;
		}
	}
	return 0;
}

/* Passes every worker has completed. */
static uint64_t min_passes(struct worker *wk, unsigned int nthreads)
{
	uint64_t min_pass = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < nthreads; i++)
		if (atomic_load(&wk[i].passes) < min_pass)
			min_pass = atomic_load(&wk[i].passes);
	return min_pass;
}

static int all_finished(struct worker *wk, unsigned int nthreads)
{
	unsigned int i;

	for (i = 0; i < nthreads; i++)
		if (!atomic_load(&wk[i].finished))
			return 0;
	return 1;
}

/* Until every worker has stopped: the duration, progress lines. */
static void watch_workers(struct worker *wk, unsigned int nthreads,
			  uint64_t t0)
{
	uint64_t next_progress = t0 + PROGRESS_NS;
	int all_stopped = 0;

	while (!all_stopped) {
		struct timespec ts = { 0, WATCH_NS };
		uint64_t now, min_pass;

		nanosleep(&ts, NULL);
		now = hpc_mono_ns();
		if (cfg.duration_ns && now - t0 >= cfg.duration_ns)
			atomic_store(&stop, 1);
		min_pass = min_passes(wk, nthreads);
		all_stopped = all_finished(wk, nthreads);
		if (now >= next_progress && !all_stopped) {
			pthread_mutex_lock(&out_lock);
			printf("progress: elapsed=%.1fs passes=%" PRIu64
			       " written=%llu\n", secs(now - t0), min_pass,
			       (unsigned long long)atomic_load(&bytes_written));
			pthread_mutex_unlock(&out_lock);
			next_progress += PROGRESS_NS;
		}
	}
}

int main(int argc, char **argv)
{
	static struct worker wk[MAX_THREADS];
	uint64_t pages, t0;
	unsigned long long bad;
	unsigned int i, nthreads;

	hpcg_prog = "hpc-memload";
	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	pages = map_memory();
	nthreads = cfg.threads < pages ? cfg.threads : (unsigned int)pages;

	printf("memload: size=%" PRIu64 " pages=%" PRIu64 " page=%zu threads=%u "
	       "seed=%" PRIu64 " verify=%d node=%d ", cfg.size, pages, cfg.page,
	       nthreads, cfg.seed, cfg.verify, cfg.node);
	if (cfg.duration_ns)
		printf("duration=%.3fs\n", secs(cfg.duration_ns));
	else
		printf("passes=%" PRIu64 "\n", cfg.passes);

	t0 = hpc_mono_ns();
	if (start_workers(wk, nthreads, pages) < 0)
		return EXIT_RUNTIME;
	watch_workers(wk, nthreads, t0);
	for (i = 0; i < nthreads; i++)
		pthread_join(wk[i].tid, NULL);

	bad = atomic_load(&corrupt_words);
	printf("%s: elapsed=%.1fs passes=%" PRIu64 " written=%llu "
	       "corrupt_words=%llu\n", bad ? "FAILED" : "done",
	       secs(hpc_mono_ns() - t0), min_passes(wk, nthreads),
	       (unsigned long long)atomic_load(&bytes_written), bad);
	munmap(cfg.mem, (size_t)cfg.size);
	return bad ? EXIT_CORRUPT : 0;
}
