// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-mirror-test: functional tests of the hpchaos module (/dev/hpchaos)
 * on the kernel's kselftest harness (kselftest_harness.h of Debian's
 * linux-source, see runner/tools/ksft-headers.sh). KTAP goes to stdout
 * and, when $HPC_KTAP names a file, to that file too.
 *
 *   hpc-mirror-test [-l] [-t NAME[,NAME...]] [-s SEED] [-d RACE_SECONDS]
 *
 * Tests are named fixture[.variant].test; -t takes full names or their
 * leading parts (a fixture, a fixture.variant). Each test runs in a child
 * process of its own (the harness forks).
 *
 * Exit: 0 every test passed (skips allowed), 1 a test failed, 4 every
 * test was skipped, 2 bad usage.
 *
 * Needs root. Tests that need debugfs knobs, kprobes, fault_attr, cgroup2
 * or a device-memory provider skip with the reason when they are missing.
 *
 * The test files (mirror-test/: helpers, the mirror, injection, providers,
 * owners and clusters, the BAR device) are included here: the harness keeps
 * its registry of tests in static variables of the file that includes it,
 * so they are one translation unit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hpchaos.h"
#include "lib/hpcg.h"
#include "hpc/io.h"

/* assertion messages are KTAP diagnostics, in order with the results */
#define TH_LOG_STREAM stdout
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#define GOLDEN		0x9e3779b97f4a7c15ULL
#define CGROUP_ROOT	"/sys/fs/cgroup"
/* a bound for one test, above any the tests set themselves (-d, OOM) */
#define MT_TEST_TIMEOUT_S	(4 * 3600)
/* how the 6.1 harness ends a skipped test's process */
#define MT_SKIP_EXIT		255

static struct {
	uint64_t seed;
	unsigned int race_secs;
	int have_dev;			/* /dev/hpchaos opens */
	int dev_err;			/* why not: -errno of the open */
	int have_dbg;			/* debugfs knobs present */
	struct hpc_version ver;
	size_t page;
	size_t region;
	pid_t parent;			/* of the hpc-mirror-test process */
	pid_t main_pid;			/* the hpc-mirror-test process */
} g = { .seed = 1, .race_secs = 3 };

/* A diagnostic line (KTAP "# ..."), also from a test's process. */
static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* ASSERT_TRUE with a message of its own after the harness's */
#define ASSERT_TRUEF(cond, ...) ASSERT_TRUE(cond) TH_LOG(__VA_ARGS__)

/* expr gives 0 or -errno; want is 0 or a positive errno */
#define ASSERT_RET(expr, want) do {					\
	int r_ = (expr);						\
	ASSERT_EQ(-(want), r_)						\
		TH_LOG("%s = %d (%s), expected %d (%s)", #expr, r_,	\
		       r_ ? strerror(-r_) : "ok", -(want),		\
		       (want) ? strerror(want) : "ok");			\
} while (0)

/*
 * SKIP from a fixture's setup: the 6.1 harness runs the test after a setup
 * that skipped (it stops only on a failure), so the test's process ends
 * here, as the harness ends a skipped test's process.
 */
#define SETUP_SKIP(fmt, ...) SKIP(_exit(MT_SKIP_EXIT), fmt, ##__VA_ARGS__)

#include "mirror-test/util.c"
#include "mirror-test/mirror.c"
#include "mirror-test/inject.c"
#include "mirror-test/provider.c"
#include "mirror-test/owner.c"
#include "mirror-test/bar.c"

/* ---- last: the module as a whole ---- */

FIXTURE(module) {
	int unused;
};

FIXTURE_SETUP(module)
{
	test_process_init();
	if (!g.have_dev)
		SETUP_SKIP("%s", no_dev_reason());
}

FIXTURE_TEARDOWN(module)
{
	undo_run();
}

TEST_F(module, planted)
{
	char text[64];

	if (!g.have_dbg)
		SKIP(return, "no %s (debugfs)", HPC_DEBUGFS_DIR);
	ASSERT_RET(dbg_read("planted", text, sizeof(text)), 0);
	text[strcspn(text, "\n")] = '\0';
	ASSERT_STREQ(g.ver.planted_name, text)
		TH_LOG("debugfs planted=%s, VERSION says %s", text,
		       g.ver.planted_name);
	if (g.ver.planted)
		diag("this module has the PLANTED bug %s", text);
}

/* Nothing in the whole run tripped the stale-use detector. */
TEST_F(module, no_stale)
{
	struct hpc_counters c;
	int fd = mopen();

	ASSERT_TRUE(fd >= 0);
	ASSERT_RET(counters(fd, 1, &c), 0);
	ASSERT_TRUEF(c.stale == 0 && c.validate_mismatch == 0,
		     "STALE: %llu violations, %llu validate mismatches (last at 0x%llx)",
		     (unsigned long long)c.stale,
		     (unsigned long long)c.validate_mismatch,
		     (unsigned long long)c.stale_last_addr);
	diag("module totals: faults=%llu retries_seq=%llu retries_busy=%llu invalidations=%llu nonblock=%llu",
	     (unsigned long long)c.faults, (unsigned long long)c.retries_seq,
	     (unsigned long long)c.retries_busy,
	     (unsigned long long)c.invalidations,
	     (unsigned long long)c.inval_nonblock);
	close(fd);
}

/* ---- main: options, the selection, KTAP to $HPC_KTAP too ---- */

static void usage(void)
{
	printf("usage: hpc-mirror-test [-l] [-t NAME[,NAME...]] [-s SEED] [-d SECONDS]\n"
	       "  -l          list the tests\n"
	       "  -t NAMES    run only these tests (comma separated; a fixture or\n"
	       "              fixture.variant selects all its tests)\n"
	       "  -s SEED     pattern seed (default $HPC_SEED, else 1)\n"
	       "  -d SECONDS  length of mirror.race_stale (default 3)\n"
	       "exit: 0 all passed, 1 a test failed, 4 all skipped, 2 usage\n");
}

/* fixture[.variant].test */
static void test_name(char *buf, size_t cap, const struct __fixture_metadata *f,
		      const struct __fixture_variant_metadata *v,
		      const struct __test_metadata *t)
{
	snprintf(buf, cap, "%s%s%s.%s", f->name, v->name[0] ? "." : "",
		 v->name, t->name);
}

/* Is name in the comma-separated list, or a test of a fixture[.variant] in it? */
static int selected(const char *list, const char *name)
{
	const char *p = list, *e;
	size_t n;

	if (!list)
		return 1;
	for (; *p; p = *e ? e + 1 : e) {
		e = strchrnul(p, ',');
		n = (size_t)(e - p);
		if (n && !strncmp(name, p, n) && (!name[n] || name[n] == '.'))
			return 1;
	}
	return 0;
}

/* Calls fn for each (fixture, variant, test) in the harness's order. */
#define for_each_test(f, v, t, no_variant)				\
	for (f = __fixture_list; f; f = f->next)			\
		for (v = f->variant ?: &no_variant; v; v = v->next)	\
			for (t = f->tests; t; t = t->next)

static int list_tests(void)
{
	struct __fixture_variant_metadata no_variant = { .name = "" }, *v;
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	char name[256];

	for_each_test(f, v, t, no_variant) {
		test_name(name, sizeof(name), f, v, t);
		printf("%s\n", name);
	}
	return 0;
}

static void ktap_tee(void);

/* The selected tests, as the harness's test_harness_run() runs them all. */
static int run_tests(const char *only)
{
	struct __fixture_variant_metadata no_variant = { .name = "" }, *v;
	struct __fixture_metadata *f;
	struct __test_results *results;
	struct __test_metadata *t;
	unsigned int nsel = 0, count = 0, pass = 0, fail = 0;
	char name[256];

	for_each_test(f, v, t, no_variant) {
		test_name(name, sizeof(name), f, v, t);
		nsel += (unsigned int)selected(only, name);
	}
	if (!nsel) {
		fprintf(stderr, "hpc-mirror-test: no test matches '%s'\n", only);
		return 2;
	}
	ktap_tee();
	setvbuf(stdout, NULL, _IOLBF, 0);
	results = mmap(NULL, sizeof(*results), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (results == MAP_FAILED)
		return 1;
	ksft_print_header();
	ksft_set_plan(nsel);
	diag("hpc-mirror-test seed=%" PRIu64 " planted=%s", g.seed,
	     g.have_dev ? g.ver.planted_name : "?");
	for_each_test(f, v, t, no_variant) {
		uint64_t t0 = hpc_mono_ns();

		test_name(name, sizeof(name), f, v, t);
		if (!selected(only, name))
			continue;
		count++;
		t->results = results;
		t->timeout = MT_TEST_TIMEOUT_S;
		__run_test(f, v, t);
		t->results = NULL;
		fail += !t->passed;
		pass += t->passed && !t->skip;
		diag("%s: %.3f s", name, (double)(hpc_mono_ns() - t0) / 1e9);
	}
	munmap(results, sizeof(*results));
	ksft_print_msg("%s: %u / %u tests passed.\n", fail ? "FAILED" : "PASSED",
		       count - fail, count);
	ksft_print_cnts();
	if (fail)
		return 1;
	return pass ? 0 : KSFT_SKIP;
}

/* stdout also to $HPC_KTAP: every write goes to both */
static ssize_t tee_write(void *cookie, const char *buf, size_t len)
{
	int fd = *(int *)cookie;

	if (hpc_write_all(STDOUT_FILENO, buf, len) < 0 ||
	    hpc_write_all(fd, buf, len) < 0)
		return -1;
	return (ssize_t)len;
}

static void ktap_tee(void)
{
	static int fd = -1;
	cookie_io_functions_t io = { .write = tee_write };
	const char *path = getenv("HPC_KTAP");
	FILE *f;

	if (!path || !*path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "hpc-mirror-test: %s: %s\n", path, strerror(errno));
		return;
	}
	f = fopencookie(&fd, "w", io);
	if (f)
		stdout = f;
}

static void probe(void)
{
	int fd;

	g.page = (size_t)sysconf(_SC_PAGESIZE);
	g.parent = getppid();
	g.main_pid = getpid();
	fd = mopen();
	g.dev_err = fd < 0 ? fd : 0;
	if (fd >= 0) {
		g.ver.size = sizeof(g.ver);
		if (xioctl(fd, HPC_IOC_VERSION, &g.ver) == 0 &&
		    g.ver.version == HPC_UAPI_VERSION) {
			g.have_dev = 1;
			g.region = g.ver.region_size;
		}
		close(fd);
	}
	g.have_dbg = access(HPC_DEBUGFS_DIR "/faults", F_OK) == 0;
}

static int parse_num(const char *s, uint64_t max, uint64_t *v)
{
	return hpc_parse_u64(s, strlen(s), max, v);
}

int main(int argc, char **argv)
{
	const char *only = NULL, *env = getenv("HPC_SEED");
	uint64_t v;
	int opt;

	if (env && parse_num(env, UINT64_MAX, &v) == 0)
		g.seed = v;
	while ((opt = getopt(argc, argv, "lt:s:d:h")) != -1) {
		if (opt == 'l')
			return list_tests();
		if (opt == 't')
			only = optarg;
		else if (opt == 's' && !parse_num(optarg, UINT64_MAX, &g.seed))
			continue;
		else if (opt == 'd' && !parse_num(optarg, 3600, &v) && v)
			g.race_secs = (unsigned int)v;
		else if (opt == 'h' || opt == 's' || opt == 'd' || opt == '?') {
			usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind != argc) {
		usage();
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	probe();
	return run_tests(only);
}
