// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-fail: the kernel's fault injection (failslab, fail_page_alloc,
 * fail_function, fail-nth) aimed at one workload.
 *
 *   hpc-fail [OPTIONS] -- CMD [ARGS...]   arm, run CMD with make-it-fail, disarm
 *   hpc-fail [OPTIONS] --all-tasks         arm for every task and return
 *   hpc-fail off                          disarm everything
 *
 * With a command, the chosen facilities get task-filter=Y and CMD gets
 * HPC_MAKE_IT_FAIL=1 (and HPC_FAIL_NTH=N) in its environment: hpchaos
 * workloads (hpc-mirror) turn /proc/thread-self/make-it-fail on in their
 * worker threads once setup is done (hpcg_fault_inject_arm()). For any
 * other program --at-exec sets /proc/PID/make-it-fail right after its
 * exec (its later threads and children inherit it; its own start-up may
 * then meet failures too). Either way only the
 * workload and what the kernel does on its behalf (its page faults, its
 * ioctls, migrate_to_ram() of its touches) see failures: the rest of the
 * guest keeps working. For that, arming writes each probability last, after
 * the task filter is on, and disarming writes it 0 first and puts the
 * kernel's defaults back (ignore-gfp-wait and the like included), so every
 * run arms from the state the guest booted with; an error half-way through
 * arming disarms everything. Exit: CMD's status; 2 bad usage; 4 skip (the kernel
 * lacks the facility: CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC,
 * CONFIG_FAIL_FUNCTION, CONFIG_FAULT_INJECTION_DEBUG_FS); 1 other errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hpc/opts.h"
#include "lib/hpcg.h"

#define DBG		"/sys/kernel/debug"
#define EXIT_USAGE	HPCG_EXIT_USAGE
#define EXIT_SKIP	4
#define MAX_FUNCS	8
#define PUT_TRIES	100	/* writes of a fault_attr file met by -ENOMEM */
#define MAX_COUNT	1000000000	/* --times, --interval, --nth */
#define FUNC_NAME_MAX	120
#define DEFAULT_RETVAL	(-12)	/* -ENOMEM */
#define MAX_ERRNO	4095
/* The long options (hpc/opts.h). */
#define OPTS	"failslab=s fail-page-alloc=p fail-function=f times=t interval=i " \
		"nth=n verbose=v all-tasks!a at-exec!e help!h"

static struct {
	int failslab, page_alloc;	/* probability in %, -1: not used */
	const char *funcs[MAX_FUNCS];
	long retvals[MAX_FUNCS];
	int nfuncs;
	long times, interval, nth, verbose;
	int all_tasks;
	int at_exec;
} o = { .failslab = -1, .page_alloc = -1, .times = 100, .interval = 1,
	.nth = 0, .verbose = 1 };

/* Facilities may be armed (arm() has begun): die() disarms them first. */
static int armed;

static void disarm(void);

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("hpc-fail: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (armed)
		disarm();
	exit(code);
}

/*
 * Write one fault_attr file; 0 or -errno. -ENOMEM is retried: when the
 * injection is armed for every task (--all-tasks, and "hpc-fail off" after
 * it) our own open() and write() can meet it.
 */
static int vput(const char *dir, const char *file, const char *fmt, va_list ap)
{
	char path[256], val[64];
	int r, tries;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	vsnprintf(val, sizeof(val), fmt, ap);
	for (tries = 0; tries < PUT_TRIES; tries++) {
		r = hpc_write_file(path, val);
		if (r != -ENOMEM)
			break;
	}
	return r;
}

static int tryput(const char *dir, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int tryput(const char *dir, const char *file, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vput(dir, file, fmt, ap);
	va_end(ap);
	return r;
}

/* A write that must succeed: r is tryput()'s result; else die(). */
static void must(const char *dir, const char *file, int r)
{
	if (r)
		die(1, "%s/%s: cannot write it: %s", dir, file, strerror(-r));
}

#define putf(dir, file, ...) must(dir, file, tryput(dir, file, __VA_ARGS__))

static void need(const char *dir, const char *what)
{
	struct stat st;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		printf("SKIP: no %s: this kernel lacks %s\n", dir, what);
		exit(EXIT_SKIP);
	}
}

/*
 * The common fault_attr files of one facility, all but the probability:
 * that stays 0 (nothing fails) until arm() has set everything else.
 */
static void arm_attr(const char *dir, int task_filter)
{
	putf(dir, "probability", "0");
	putf(dir, "task-filter", "%c", task_filter ? 'Y' : 'N');
	putf(dir, "interval", "%ld", o.interval);
	putf(dir, "times", "%ld", o.times);
	putf(dir, "space", "0");
	putf(dir, "verbose", "%ld", o.verbose);
}

/*
 * Back to the kernel's defaults (FAULT_ATTR_INITIALIZER), the probability
 * first so that nothing fails from then on, whatever else cannot be
 * written. Returns whether the facility is there.
 */
static int disarm_attr(const char *dir)
{
	struct stat st;
	int r;

	if (stat(dir, &st))
		return 0;
	r = tryput(dir, "probability", "0");
	if (r)
		fprintf(stderr, "hpc-fail: %s/probability: cannot write 0: %s: STILL ARMED\n",
			dir, strerror(-r));
	tryput(dir, "task-filter", "N");
	tryput(dir, "times", "1");
	tryput(dir, "interval", "1");
	tryput(dir, "space", "0");
	return 1;
}

/* A facility's own file: its value while armed (NULL: none), its default. */
struct filter {
	const char *file;
	const char *armed;
	const char *dflt;
};

static const struct filter slab_filters[] = {
	{ "ignore-gfp-wait", "N", "Y" },
	{ NULL, NULL, NULL },
};

static const struct filter page_filters[] = {
	{ "ignore-gfp-wait", "N", "Y" },
	{ "ignore-gfp-highmem", "N", "Y" },
	{ "min-order", "0", "1" },
	{ NULL, NULL, NULL },
};

/* writing "\n" to inject clears every function; arm_functions() sets them */
static const struct filter function_filters[] = {
	{ "inject", NULL, "\n" },
	{ NULL, NULL, NULL },
};

enum { FAILSLAB, FAIL_PAGE_ALLOC, FAIL_FUNCTION, N_FACILITIES };

static const struct facility {
	const char *dir;
	const char *name;
	const char *config;		/* what a kernel without it lacks */
	const struct filter *filters;
} fac[N_FACILITIES] = {
	[FAILSLAB] = { DBG "/failslab", "failslab", "CONFIG_FAILSLAB",
		       slab_filters },
	[FAIL_PAGE_ALLOC] = { DBG "/fail_page_alloc", "fail_page_alloc",
			      "CONFIG_FAIL_PAGE_ALLOC", page_filters },
	[FAIL_FUNCTION] = { DBG "/fail_function", "fail_function",
			    "CONFIG_FAIL_FUNCTION", function_filters },
};

/* Is facility f asked for? */
static int used(int f)
{
	switch (f) {
	case FAILSLAB:
		return o.failslab >= 0;
	case FAIL_PAGE_ALLOC:
		return o.page_alloc >= 0;
	default:
		return o.nfuncs > 0;
	}
}

/* Failures a facility injected: what its "times" budget lost. */
static void report(const struct facility *f)
{
	char path[256], buf[32] = "";
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/times", f->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0 && o.times >= 0 && !o.nth)
		printf("hpc-fail: %s: %ld failures injected\n", f->name,
		       o.times - strtol(buf, NULL, 10));
}

/*
 * Everything off, and the facilities' own filters back to their defaults
 * too (failslab: ignore-gfp-wait Y; fail_page_alloc: ignore-gfp-wait Y,
 * ignore-gfp-highmem Y, min-order 1), so that every arm starts from the
 * state the kernel boots with.
 */
static void disarm(void)
{
	const struct filter *fl;
	int f;

	armed = 0;
	for (f = 0; f < N_FACILITIES; f++) {
		if (!disarm_attr(fac[f].dir))
			continue;
		for (fl = fac[f].filters; fl && fl->file; fl++)
			tryput(fac[f].dir, fl->file, "%s", fl->dflt);
	}
}

/* fail_function: the functions, each with its return value. */
static void arm_functions(void)
{
	char dir[256];
	int i, r;

	for (i = 0; i < o.nfuncs; i++) {
		r = hpc_write_file(DBG "/fail_function/inject", o.funcs[i]);
		if (r)
			die(r == -EINVAL || r == -ENOENT ? EXIT_USAGE : 1,
			    "fail_function: %s cannot be injected (%s): it must be marked ALLOW_ERROR_INJECTION",
			    o.funcs[i], strerror(-r));
		snprintf(dir, sizeof(dir), DBG "/fail_function/%s", o.funcs[i]);
		putf(dir, "retval", "%#lx", (unsigned long)o.retvals[i]);
	}
}

/*
 * The probabilities go on last, once every filter is in place: with the
 * task filter still off (how disarm() leaves it) a probability written
 * first arms the facility for every task in the guest, hpc-fail's own
 * writes of the other files included. A failed write undoes it all
 * (die()), so no facility stays armed half-way.
 */
static void arm(int task_filter)
{
	const struct filter *fl;
	int f;

	for (f = 0; f < N_FACILITIES; f++)
		if (used(f))
			need(fac[f].dir, fac[f].config);
	armed = 1;
	for (f = 0; f < N_FACILITIES; f++) {
		if (!used(f))
			continue;
		arm_attr(fac[f].dir, task_filter);
		for (fl = fac[f].filters; fl && fl->file; fl++)
			if (fl->armed)
				putf(fac[f].dir, fl->file, "%s", fl->armed);
	}
	if (o.nfuncs)
		arm_functions();
	if (o.failslab >= 0)
		putf(fac[FAILSLAB].dir, "probability", "%d", o.failslab);
	if (o.page_alloc >= 0)
		putf(fac[FAIL_PAGE_ALLOC].dir, "probability", "%d", o.page_alloc);
	/*
	 * With --nth the task's fail-nth decides, and probability 0 keeps
	 * should_fail() from drawing random numbers at all (from a kprobe,
	 * that trips lockdep in 6.1's crng on kernels without
	 * CONFIG_FUNCTION_TRACER).
	 */
	if (o.nfuncs && !o.nth)
		putf(fac[FAIL_FUNCTION].dir, "probability", "100");
}

static long num(const char *opt, const char *s, long lo, long hi)
{
	long long v;

	if (hpc_parse_ll(s, 0, lo, hi, &v))
		die(EXIT_USAGE, "%s: expected %ld..%ld, got '%.32s'", opt, lo, hi, s);
	return (long)v;
}

static void usage(FILE *f)
{
	fputs("usage: hpc-fail [OPTIONS] -- CMD [ARGS...]\n"
	      "       hpc-fail [OPTIONS] --all-tasks\n"
	      "       hpc-fail off\n"
	      "  --failslab P          fail slab allocations with probability P %\n"
	      "  --fail-page-alloc P   fail page allocations with probability P %\n"
	      "  --fail-function F[=E] make function F return E (default -12, ENOMEM);\n"
	      "                        F must be ALLOW_ERROR_INJECTION (e.g. hpc_fail_evict_alloc)\n"
	      "  --times N             at most N failures per facility (default 100; -1 no limit)\n"
	      "  --interval N          only every Nth eligible call may fail (default 1)\n"
	      "  --nth N               fail the Nth fault-injection site CMD reaches (fail-nth);\n"
	      "                        with it --fail-function fails only there (probability 0)\n"
	      "  --verbose N           0 quiet, 1 one line, 2 with a stack (default 1)\n"
	      "  --at-exec             set /proc/PID/make-it-fail right after CMD's exec (for\n"
	      "                        programs that do not read HPC_MAKE_IT_FAIL)\n"
	      "  --all-tasks           no task filter: every task can fail (arm and return)\n", f);
}

/* --fail-function F[=E] */
static void add_func(char *arg)
{
	char *eq;

	if (o.nfuncs == MAX_FUNCS)
		die(EXIT_USAGE, "--fail-function: at most %d", MAX_FUNCS);
	eq = strchr(arg, '=');
	o.retvals[o.nfuncs] = eq ? num("--fail-function", eq + 1, -MAX_ERRNO, -1) :
				   DEFAULT_RETVAL;
	if (eq)
		*eq = '\0';
	if (!*arg || strlen(arg) > FUNC_NAME_MAX || strchr(arg, '/'))
		die(EXIT_USAGE, "--fail-function: expected a function name");
	o.funcs[o.nfuncs++] = arg;
}

/* The options; the index of the first argument after them. */
static int parse_args(int argc, char **argv)
{
	int c;

	while ((c = hpc_getopt(argc, argv, "+h", OPTS)) != -1) {
		switch (c) {
		case 's': o.failslab = (int)num("--failslab", optarg, 0, 100); break;
		case 'p': o.page_alloc = (int)num("--fail-page-alloc", optarg, 0, 100); break;
		case 'f': add_func(optarg); break;
		case 't': o.times = num("--times", optarg, -1, MAX_COUNT); break;
		case 'i': o.interval = num("--interval", optarg, 1, MAX_COUNT); break;
		case 'n': o.nth = num("--nth", optarg, 1, MAX_COUNT); break;
		case 'v': o.verbose = num("--verbose", optarg, 0, 2); break;
		case 'a': o.all_tasks = 1; break;
		case 'e': o.at_exec = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(EXIT_USAGE);
		}
	}
	return optind;
}

/*
 * Start CMD, armed (the facilities are): its pid once its exec succeeded.
 * The flags go on after a successful exec (the pipe closes on it): set
 * before, the exec itself would meet the failures, and an exec that fails
 * past its point of no return is a SIGSEGV.
 */
static pid_t start_cmd(char **cmd)
{
	int sync[2], err, status;
	pid_t pid;

	if (pipe2(sync, O_CLOEXEC))
		die(1, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die(1, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(sync[0]);
		if (!o.at_exec) {
			char v[32];

			snprintf(v, sizeof(v), "%ld", o.nth);
			if (setenv("HPC_MAKE_IT_FAIL", "1", 1) ||
			    (o.nth && setenv("HPC_FAIL_NTH", v, 1)))
				_exit(127);
		}
		execvp(cmd[0], cmd);
		err = errno;
		if (write(sync[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(sync[1]);
	if (read(sync[0], &err, sizeof(err)) == (ssize_t)sizeof(err)) {
		waitpid(pid, &status, 0);
		disarm();
		die(127, "%s: %s", cmd[0], strerror(err));
	}
	close(sync[0]);
	return pid;
}

/* --at-exec: the flags of the process CMD became. */
static void flag_at_exec(pid_t pid)
{
	char path[64], v[32];
	int r;

	snprintf(path, sizeof(path), "/proc/%d/make-it-fail", (int)pid);
	if ((r = hpc_write_file(path, "1")))
		fprintf(stderr, "hpc-fail: %s: %s\n", path, strerror(-r));
	if (!o.nth)
		return;
	snprintf(v, sizeof(v), "%ld", o.nth);
	snprintf(path, sizeof(path), "/proc/%d/fail-nth", (int)pid);
	if ((r = hpc_write_file(path, v)))
		fprintf(stderr, "hpc-fail: %s: %s\n", path, strerror(-r));
}

/* What each facility injected, once CMD ended. */
static void report_all(void)
{
	int f;

	for (f = 0; f < N_FACILITIES; f++)
		if (used(f))
			report(&fac[f]);
	if (o.nth)
		printf("hpc-fail: fail-nth %ld: each armed thread failed its %ldth fault site (the kernel log says \"FAULT_INJECTION: forcing a failure\")\n",
		       o.nth, o.nth);
}

/* hpc-fail [OPTIONS] -- CMD ...: CMD's status. */
static int run_cmd(char **cmd)
{
	int status;
	pid_t pid;

	if (access("/proc/self/make-it-fail", F_OK) ||
	    (o.nth && access("/proc/self/fail-nth", F_OK))) {
		printf("SKIP: no /proc/self/make-it-fail or fail-nth: this kernel lacks CONFIG_FAULT_INJECTION\n");
		return EXIT_SKIP;
	}
	arm(1);
	fflush(stdout);
	pid = start_cmd(cmd);
	if (o.at_exec)
		flag_at_exec(pid);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die(1, "waitpid: %s", strerror(errno));
	report_all();
	disarm();
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "hpc-fail: %s killed by signal %d\n", cmd[0],
			WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	int first = parse_args(argc, argv);

	if (first < argc && !strcmp(argv[first], "off") && first + 1 == argc) {
		need(DBG, "debugfs");
		disarm();
		return 0;
	}
	if (o.failslab < 0 && o.page_alloc < 0 && !o.nfuncs && !o.nth)
		die(EXIT_USAGE, "nothing to inject: give --failslab, --fail-page-alloc, --fail-function or --nth");
	if (o.all_tasks) {
		if (first != argc)
			die(EXIT_USAGE, "--all-tasks arms and returns: no command");
		if (o.nth)
			die(EXIT_USAGE, "--nth is per task: it needs a command");
		arm(0);
		printf("armed for every task; 'hpc-fail off' disarms\n");
		return 0;
	}
	if (first == argc)
		die(EXIT_USAGE, "no command (hpc-fail [OPTIONS] -- CMD ...), or --all-tasks");
	return run_cmd(argv + first);
}
