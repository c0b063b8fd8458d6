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

#include "lib/hpcg.h"

#define EXIT_RUNTIME	1
#define EXIT_USAGE	2
#define EXIT_CORRUPT	3
#define MAX_THREADS	256
#define MAX_REPORTS	64		/* CORRUPT lines printed in total */
#define MAX_REPORTS_PAGE 4		/* ... and per page */
#define MAX_NODE	1023
#define MPOL_BIND_	2		/* <linux/mempolicy.h> MPOL_BIND */
#define GOLDEN		0x9e3779b97f4a7c15ULL

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

static void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("hpc-memload: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see --help)\n", stderr);
	exit(EXIT_USAGE);
}

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

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Start of the splitmix64 stream that fills page `page` in pass `pass`. */
static uint64_t page_base(uint64_t page, uint64_t pass)
{
	return mix64(cfg.seed ^ mix64(page * GOLDEN + 1)) ^
	       mix64(pass * 0xd1b54a32d192ed03ULL + page);
}

static void fill_page(uint64_t *w, size_t words, uint64_t page, uint64_t pass)
{
	uint64_t s = page_base(page, pass);
	size_t i;

	for (i = 0; i < words; i++) {
		s += GOLDEN;
		w[i] = mix64(s);
	}
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
	uint64_t s = page_base(page, pass);
	unsigned long bad = 0;
	size_t i;

	for (i = 0; i < words; i++) {
		uint64_t want;

		s += GOLDEN;
		want = mix64(s);
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

	if (hpcg_parse_u64(s, strlen(s), max, &v) < 0 || v < min)
		usage_error("bad %s '%s' (%" PRIu64 "..%" PRIu64 ")", opt, s, min,
			    max);
	return v;
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "passes", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 'S' },
		{ "threads", required_argument, NULL, 't' },
		{ "verify", no_argument, NULL, 'v' },
		{ "node", required_argument, NULL, 'n' },
		{ "inject-corruption", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env_seed = getenv("HPC_SEED");
	uint64_t v;
	int c;

	if (env_seed && hpcg_parse_u64(env_seed, strlen(env_seed), UINT64_MAX,
				       &v) == 0)
		cfg.seed = v;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			cfg.size = parse_size(optarg);
			break;
		case 'd':
			cfg.duration_ns = parse_duration(optarg);
			break;
		case 'p':
			cfg.passes = parse_num("--passes", optarg, 1, 1000000000);
			break;
		case 'S':
			cfg.seed = parse_num("--seed", optarg, 0, UINT64_MAX);
			break;
		case 't':
			cfg.threads = (unsigned int)parse_num("--threads", optarg,
							      1, MAX_THREADS);
			break;
		case 'v':
			cfg.verify = 1;
			break;
		case 'i':
			cfg.inject = 1;
			break;
		case 'n':
			cfg.node = (int)parse_num("--node", optarg, 0, MAX_NODE);
			break;
		case 'h':
			usage();
			exit(0);
		default:
			usage_error("unknown option or missing value: '%s'",
				    argv[optind - 1]);
		}
	}
	if (optind != argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!cfg.size)
		usage_error("--size is required");
	if (cfg.duration_ns && cfg.passes)
		usage_error("--duration and --passes exclude each other");
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
		usage_error("--node %d: no such node, or it has no memory",
			    cfg.node);
	fprintf(stderr, "hpc-memload: mbind node %d: %s\n", cfg.node,
		strerror(errno));
	exit(EXIT_RUNTIME);
}

int main(int argc, char **argv)
{
	static struct worker wk[MAX_THREADS];
	uint64_t pages, t0, next_progress, per, extra, first = 0;
	unsigned int i, nthreads;
	int all_stopped = 0, rc;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	cfg.page = (size_t)sysconf(_SC_PAGESIZE);
	if (cfg.size > UINT64_MAX - cfg.page || cfg.size > SIZE_MAX / 2)
		usage_error("--size too large");
	pages = (cfg.size + cfg.page - 1) / cfg.page;
	cfg.size = pages * cfg.page;
	nthreads = cfg.threads < pages ? cfg.threads : (unsigned int)pages;

	cfg.mem = mmap(NULL, (size_t)cfg.size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (cfg.mem == MAP_FAILED) {
		fprintf(stderr, "hpc-memload: mmap %" PRIu64 " bytes: %s\n",
			cfg.size, strerror(errno));
		return EXIT_RUNTIME;
	}
	if (cfg.node >= 0)
		bind_node((size_t)cfg.size);

	printf("memload: size=%" PRIu64 " pages=%" PRIu64 " page=%zu threads=%u "
	       "seed=%" PRIu64 " verify=%d node=%d ", cfg.size, pages, cfg.page,
	       nthreads, cfg.seed, cfg.verify, cfg.node);
	if (cfg.duration_ns)
		printf("duration=%.3fs\n", secs(cfg.duration_ns));
	else
		printf("passes=%" PRIu64 "\n", cfg.passes);

	per = pages / nthreads;
	extra = pages % nthreads;
	for (i = 0; i < nthreads; i++) {
		wk[i].first = (size_t)first;
		wk[i].count = (size_t)(per + (i < extra ? 1 : 0));
		first += wk[i].count;
	}
	t0 = hpcg_mono_ns();
	for (i = 0; i < nthreads; i++) {
		rc = pthread_create(&wk[i].tid, NULL, worker_main, &wk[i]);
		if (rc) {
			fprintf(stderr, "hpc-memload: pthread_create: %s\n",
				strerror(rc));
			atomic_store(&stop, 1);
			while (i-- > 0)
				pthread_join(wk[i].tid, NULL);
			return EXIT_RUNTIME;
		}
	}

	next_progress = t0 + 1000000000ULL;
	while (!all_stopped) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		uint64_t now, min_pass = UINT64_MAX;

		nanosleep(&ts, NULL);
		now = hpcg_mono_ns();
		if (cfg.duration_ns && now - t0 >= cfg.duration_ns)
			atomic_store(&stop, 1);
		all_stopped = 1;
		for (i = 0; i < nthreads; i++) {
			uint64_t p = atomic_load(&wk[i].passes);

			if (p < min_pass)
				min_pass = p;
			if (!atomic_load(&wk[i].finished))
				all_stopped = 0;
		}
		if (now >= next_progress && !all_stopped) {
			pthread_mutex_lock(&out_lock);
			printf("progress: elapsed=%.1fs passes=%" PRIu64
			       " written=%llu\n", secs(now - t0), min_pass,
			       (unsigned long long)atomic_load(&bytes_written));
			pthread_mutex_unlock(&out_lock);
			next_progress += 1000000000ULL;
		}
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(wk[i].tid, NULL);

	{
		uint64_t min_pass = UINT64_MAX;
		unsigned long long bad = atomic_load(&corrupt_words);

		for (i = 0; i < nthreads; i++)
			if (atomic_load(&wk[i].passes) < min_pass)
				min_pass = atomic_load(&wk[i].passes);
		printf("%s: elapsed=%.1fs passes=%" PRIu64 " written=%llu "
		       "corrupt_words=%llu\n", bad ? "FAILED" : "done",
		       secs(hpcg_mono_ns() - t0), min_pass,
		       (unsigned long long)atomic_load(&bytes_written), bad);
		munmap(cfg.mem, (size_t)cfg.size);
		return bad ? EXIT_CORRUPT : 0;
	}
}
