// SPDX-License-Identifier: GPL-2.0
/*
 * Runs the built guest agent (AGENT_BIN) as an ordinary process on a
 * socketpair and plays the host side of the agent protocol against it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "hpc/linebuf.h"
#include "hpc/proto.h"

#ifndef AGENT_BIN
#define AGENT_BIN "build/guest/hpc-agent"
#endif

struct run {
	pid_t pid;
	int fd;
	int eof;
	struct hpc_linebuf lb;
	char dir[64];
	struct hpc_msg *msgs;
	size_t n, cap;
	size_t cursor;		/* wait_msg() looks from here on */
	int invalid;
	int exit_status;
};

/* The run of the current test, cleaned up by teardown() if it fails. */
static struct run *live;
/* Next start(): give the agent a FIFO as its kernel log (DIR/kmsg-in). */
static int want_kin;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void on_line(void *ctx, const char *line, size_t len, unsigned int flags)
{
	struct run *r = ctx;
	char copy[HPC_PROTO_MAX_LINE];

	if (flags & HPC_LINE_TRUNCATED || len >= sizeof(copy)) {
		r->invalid++;
		return;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->msgs = realloc(r->msgs, r->cap * sizeof(*r->msgs));
		assert_non_null(r->msgs);
	}
	if (getenv("HPC_AGENT_TEST_TRACE"))
		fprintf(stderr, "# agent: %.*s\n", (int)(len > 200 ? 200 : len),
			line);
	memcpy(copy, line, len);
	if (hpc_proto_parse(copy, len, &r->msgs[r->n]) < 0) {
		fprintf(stderr, "# invalid line from agent: %.*s\n", (int)len,
			line);
		r->invalid++;
		return;
	}
	r->n++;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void make_dir(struct run *r, const char *cmdline)
{
	char path[128];

	live = r;
	r->fd = -1;
	snprintf(r->dir, sizeof(r->dir), "/tmp/hpc-agent-test.XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	snprintf(path, sizeof(path), "%s/cmdline", r->dir);
	write_file(path, cmdline);
	if (want_kin) {
		snprintf(path, sizeof(path), "%s/kmsg-in", r->dir);
		assert_int_equal(mkfifo(path, 0600), 0);
	}
}

static void exec_agent(struct run *r, const char *port_opt, const char *port)
{
	char kmsg[128], cmdline[128];

	snprintf(kmsg, sizeof(kmsg), "%s/kmsg", r->dir);
	snprintf(cmdline, sizeof(cmdline), "%s/cmdline", r->dir);
	if (want_kin) {
		char kin[128];

		snprintf(kin, sizeof(kin), "%s/kmsg-in", r->dir);
		execl(AGENT_BIN, "hpc-agent", port_opt, port, "--no-poweroff",
		      "--kmsg", kmsg, "--kmsg-in", kin, "--cmdline", cmdline,
		      "--workdir", r->dir, (char *)NULL);
		_exit(127);
	}
	execl(AGENT_BIN, "hpc-agent", port_opt, port, "--no-poweroff",
	      "--kmsg", kmsg, "--cmdline", cmdline, "--workdir", r->dir,
	      (char *)NULL);
	perror("exec " AGENT_BIN);
	_exit(127);
}

static void start_common(struct run *r)
{
	assert_int_equal(hpc_linebuf_init(&r->lb, HPC_PROTO_MAX_LINE - 1), 0);
	r->exit_status = -1;
}

/* The agent on a socketpair: --port-fd 3. */
static void start(struct run *r, const char *cmdline)
{
	int sv[2];

	memset(r, 0, sizeof(*r));
	make_dir(r, cmdline);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	r->pid = fork();
	assert_true(r->pid >= 0);
	if (r->pid == 0) {
		if (dup2(sv[1], 3) < 0)
			_exit(127);
		exec_agent(r, "--port-fd", "3");
	}
	close(sv[1]);
	r->fd = sv[0];
	start_common(r);
}

static void send_str(struct run *r, const char *s)
{
	size_t n = strlen(s);

	assert_int_equal(write(r->fd, s, n), (ssize_t)n);
}

static void send_step(struct run *r, int idx, const char *kind,
		      unsigned int timeout, const char *name,
		      const char *payload)
{
	char line[HPC_PROTO_MAX_LINE + 1];

	assert_true(hpc_proto_format_step(line, sizeof(line), idx, kind,
					  timeout, name, payload) > 0);
	send_str(r, line);
}

/* Read what is there within timeout_ms; -1 at end of file. */
static int pump(struct run *r, int timeout_ms)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	char buf[16384];
	ssize_t n;

	if (r->eof)
		return -1;
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	n = read(r->fd, buf, sizeof(buf));
	if (n <= 0) {
		hpc_linebuf_flush(&r->lb, on_line, r);
		r->eof = 1;
		return -1;
	}
	hpc_linebuf_feed(&r->lb, buf, (size_t)n, on_line, r);
	return 0;
}

/* Next message of type t (and name, for EV) after the cursor. */
static const struct hpc_msg *wait_msg(struct run *r, enum hpc_msg_type t,
				      const char *name, int timeout_ms)
{
	uint64_t until = now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		for (; r->cursor < r->n; r->cursor++) {
			const struct hpc_msg *m = &r->msgs[r->cursor];

			if (m->type == t && (!name || !strcmp(m->name, name))) {
				r->cursor++;
				return m;
			}
		}
		if (now_ms() >= until || pump(r, 50) < 0) {
			/* one last look at what the final read brought */
			for (; r->cursor < r->n; r->cursor++) {
				const struct hpc_msg *m = &r->msgs[r->cursor];

				if (m->type == t &&
				    (!name || !strcmp(m->name, name))) {
					r->cursor++;
					return m;
				}
			}
			return NULL;
		}
	}
}

/* Wait for the agent process to exit; its exit code, or -1. */
static int wait_exit(struct run *r, int timeout_ms)
{
	uint64_t until = now_ms() + (uint64_t)timeout_ms;
	int st;

	while (now_ms() < until) {
		pid_t p = waitpid(r->pid, &st, WNOHANG);

		if (p == r->pid) {
			r->pid = 0;
			r->exit_status = WIFEXITED(st) ? WEXITSTATUS(st) :
				128 + WTERMSIG(st);
			return r->exit_status;
		}
		pump(r, 20);
	}
	return -1;
}

/* BYE, then the process exit; returns the BYE code. */
static int finish(struct run *r, int timeout_ms)
{
	const struct hpc_msg *m = wait_msg(r, HPC_MSG_BYE, NULL, timeout_ms);
	int code;

	assert_non_null(m);
	code = m->exit_code;
	assert_int_equal(wait_exit(r, 5000), code);
	/* drain anything left */
	while (pump(r, 100) == 0)
		;
	return code;
}

static void cleanup(struct run *r)
{
	char cmd[160];

	live = NULL;
	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
	}
	if (r->fd >= 0)
		close(r->fd);
	hpc_linebuf_free(&r->lb);
	free(r->msgs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# cannot remove %s\n", r->dir);
}

static const struct hpc_msg *find(struct run *r, enum hpc_msg_type t, int idx)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->msgs[i].type == t && r->msgs[i].idx == idx)
			return &r->msgs[i];
	return NULL;
}

static size_t find_pos(struct run *r, enum hpc_msg_type t, int idx)
{
	const struct hpc_msg *m = find(r, t, idx);

	assert_non_null(m);
	return (size_t)(m - r->msgs);
}

static void assert_end(struct run *r, int idx, enum hpc_status_kind k, int v)
{
	const struct hpc_msg *m = find(r, HPC_MSG_STEP_END, idx);

	if (!m)
		fail_msg("no STEP %d END", idx);
	if (m->status.kind != k || m->status.value != v)
		fail_msg("step %d: status %d/%d, want %d/%d", idx,
			 m->status.kind, m->status.value, k, v);
	/* every END has a START before it */
	assert_true(find_pos(r, HPC_MSG_STEP_START, idx) <
		    (size_t)(m - r->msgs));
}

static int has_text(struct run *r, enum hpc_msg_type t, int idx,
		    const char *text)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->msgs[i].type == t &&
		    ((t != HPC_MSG_OUT && t != HPC_MSG_KTAP) || r->msgs[i].idx == idx) &&
		    strcmp(r->msgs[i].text, text) == 0)
			return 1;
	return 0;
}

static size_t count(struct run *r, enum hpc_msg_type t, int idx,
		    const char *name)
{
	size_t i, c = 0;

	for (i = 0; i < r->n; i++) {
		const struct hpc_msg *m = &r->msgs[i];

		if (m->type != t)
			continue;
		if (t == HPC_MSG_OUT && m->idx != idx)
			continue;
		if (name && strcmp(m->name, name) != 0)
			continue;
		c++;
	}
	return c;
}

static char *read_all(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static void test_hello_ping_empty_plan(void **state)
{
	static struct run r;
	struct utsname u;
	const struct hpc_msg *m;
	uint64_t t0 = now_ms();

	(void)state;
	start(&r, "console=ttyS0\n");
	m = wait_msg(&r, HPC_MSG_HELLO, NULL, 5000);
	assert_non_null(m);
	assert_int_equal(m->version, HPC_PROTO_VERSION);
	assert_int_equal(uname(&u), 0);
	assert_string_equal(m->release, u.release);
	m = wait_msg(&r, HPC_MSG_PING, NULL, 3000);
	assert_non_null(m);
	assert_true(now_ms() - t0 >= 900);
	send_str(&r, "PLAN 0\nGO\n");
	assert_int_equal(finish(&r, 5000), HPC_BYE_OK);
	assert_int_equal(r.invalid, 0);
	cleanup(&r);
}

/*
 * The kernel log: facility-0 records and hpchaos markers are forwarded as
 * KMSG, other userspace records are not (a program cannot make one look
 * like the kernel's), dictionary lines are skipped, a seq jump is KMSGLOST.
 */
static void test_kmsg_forward(void **state)
{
	static struct run r;
	static const char recs[] =
		"6,0,1000,-;Linux version 6.1.0\n"
		" SUBSYSTEM=virtio\n"
		"14,1,2000,-;BUG: KASAN: use-after-free in forged+0x1/0x2\n"
		"12,2,3000,-;hpchaos: run=km step=0 s start\n"
		"3,7,4000,-,caller=T5;BUG: KASAN: use-after-free in f+0x1/0x2\n"
		"not a record\n"
		"4,8,5000,-;WARNING: CPU: 0 PID: 1 at x.c:1 g+0x1/0x2\n";
	const struct hpc_msg *m;
	char path[128];
	int fd;

	(void)state;
	want_kin = 1;
	start(&r, "hpc.run=km\n");
	want_kin = 0;
	assert_non_null(wait_msg(&r, HPC_MSG_HELLO, NULL, 5000));
	snprintf(path, sizeof(path), "%s/kmsg-in", r.dir);
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, recs, sizeof(recs) - 1),
			 (ssize_t)sizeof(recs) - 1);
	close(fd);
	m = wait_msg(&r, HPC_MSG_KMSG_LOST, NULL, 5000);
	assert_non_null(m);
	assert_true(m->lost == 4);	/* seq 3..6 */
	send_str(&r, "PLAN 0\nGO\n");
	/* no marker comes back through the FIFO: BYE after the 1 s bound */
	assert_int_equal(finish(&r, 5000), HPC_BYE_OK);
	assert_int_equal(count(&r, HPC_MSG_KMSG, 0, NULL), 4);
	assert_true(has_text(&r, HPC_MSG_KMSG, 0, "6,0,1000,-;Linux version 6.1.0"));
	assert_true(has_text(&r, HPC_MSG_KMSG, 0,
			     "12,2,3000,-;hpchaos: run=km step=0 s start"));
	assert_true(has_text(&r, HPC_MSG_KMSG, 0,
			     "3,7,4000,-,caller=T5;BUG: KASAN: use-after-free in f+0x1/0x2"));
	assert_true(has_text(&r, HPC_MSG_KMSG, 0,
			     "4,8,5000,-;WARNING: CPU: 0 PID: 1 at x.c:1 g+0x1/0x2"));
	assert_false(has_text(&r, HPC_MSG_KMSG, 0,
			      "14,1,2000,-;BUG: KASAN: use-after-free in forged+0x1/0x2"));
	assert_int_equal(count(&r, HPC_MSG_KMSG_LOST, 0, NULL), 1);
	/* the loss is told before the record after the gap */
	{
		size_t lost = find_pos(&r, HPC_MSG_KMSG_LOST, 0), i;

		for (i = 0; i < r.n; i++)
			if (r.msgs[i].type == HPC_MSG_KMSG &&
			    !strncmp(r.msgs[i].text, "3,7,", 4))
				break;
		assert_true(i < r.n);
		assert_true(lost < i);
		assert_true(lost > 0 && r.msgs[lost - 1].type == HPC_MSG_KMSG);
	}
	assert_int_equal(r.invalid, 0);
	cleanup(&r);
}

static char *kmsg_of(struct run *r)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/kmsg", r->dir);
	return read_all(path);
}

/* Every step succeeds: the whole plan runs and BYE is 0. */
static void test_full_plan(void **state)
{
	static const char *const names[] = {
		"hello", "env", "load", "ping-host", "host-reply",
		"reap-load", "ktap", "passes", "done",
	};
	const int n_steps = (int)(sizeof(names) / sizeof(names[0]));
	static struct run r;
	const struct hpc_msg *m;
	char line[256];
	const char *kmsg;
	size_t k0, k6;

	(void)state;
	start(&r, "quiet hpc.run=r42 hpc.seed=7 hpc.extra=v1 hpc.run_id=no\n");
	assert_non_null(wait_msg(&r, HPC_MSG_HELLO, NULL, 5000));
	send_str(&r, "PLAN 9\n");
	send_step(&r, 0, "run", 10, "hello",
		  "echo hello; echo err >&2; printf 'no newline'");
	send_step(&r, 1, "run", 10, "env",
		  "echo \"$HPC_RUN_ID $HPC_STEP $HPC_STEP_NAME $HPC_SEED "
		  "$HPC_EXTRA\"; pwd; echo \"$PATH\"");
	send_step(&r, 2, "bg", 10, "load",
		  "sleep 0.3; echo bgout; echo 'ok 1 - bg' > \"$HPC_KTAP\"");
	send_step(&r, 3, "emit", 5, "ping-host", "hello host");
	send_step(&r, 4, "wait", 10, "host-reply", NULL);
	send_step(&r, 5, "reap", 10, "reap-load", "load");
	send_step(&r, 6, "run", 10, "ktap",
		  "printf 'KTAP version 1\\n1..1\\nok 1 - t\\n' > \"$HPC_KTAP\"");
	send_step(&r, 7, "check", 10, "passes", "test \"$HPC_STEP\" = 7");
	send_step(&r, 8, "emit", 0, "done", NULL);
	send_str(&r, "GO\n");

	m = wait_msg(&r, HPC_MSG_EV, "ping-host", 10000);
	assert_non_null(m);
	assert_string_equal(m->text, "hello host");
	send_str(&r, "EV host-reply\n");
	assert_int_equal(finish(&r, 20000), HPC_BYE_OK);
	assert_int_equal(r.invalid, 0);

	assert_end(&r, 0, HPC_ST_EXIT, 0);
	assert_true(has_text(&r, HPC_MSG_OUT, 0, "hello"));
	assert_true(has_text(&r, HPC_MSG_OUT, 0, "err"));
	assert_true(has_text(&r, HPC_MSG_OUT, 0, "no newline"));
	/* output comes before the END of its step */
	k0 = find_pos(&r, HPC_MSG_STEP_END, 0);
	for (size_t i = k0; i < r.n; i++)
		assert_false(r.msgs[i].type == HPC_MSG_OUT && r.msgs[i].idx == 0);

	assert_end(&r, 1, HPC_ST_EXIT, 0);
	assert_true(has_text(&r, HPC_MSG_OUT, 1, "r42 1 env 7 v1"));
	assert_true(has_text(&r, HPC_MSG_OUT, 1, r.dir));
	assert_true(has_text(&r, HPC_MSG_OUT, 1, "/bin:/sbin:/usr/bin:/usr/sbin"));

	/* bg, emit, wait, reap of a bg step that exits 0 */
	assert_end(&r, 2, HPC_ST_EXIT, 0);
	assert_end(&r, 3, HPC_ST_EXIT, 0);
	assert_end(&r, 4, HPC_ST_EXIT, 0);
	assert_end(&r, 5, HPC_ST_EXIT, 0);
	assert_true(has_text(&r, HPC_MSG_OUT, 2, "bgout"));
	/* a bg step's KTAP is its own, though it comes during another step */
	assert_true(has_text(&r, HPC_MSG_KTAP, 2, "ok 1 - bg"));

	assert_end(&r, 6, HPC_ST_EXIT, 0);
	/* KTAP lines of a step come before its END */
	k6 = 0;
	for (size_t i = find_pos(&r, HPC_MSG_STEP_START, 6);
	     i < find_pos(&r, HPC_MSG_STEP_END, 6); i++)
		if (r.msgs[i].type == HPC_MSG_KTAP)
			k6++;
	assert_int_equal(k6, 3);
	assert_true(has_text(&r, HPC_MSG_KTAP, 6, "KTAP version 1"));

	assert_end(&r, 7, HPC_ST_EXIT, 0);
	assert_end(&r, 8, HPC_ST_EXIT, 0);
	m = NULL;
	for (size_t i = 0; i < r.n; i++)
		if (r.msgs[i].type == HPC_MSG_EV && !strcmp(r.msgs[i].name, "done"))
			m = &r.msgs[i];
	assert_non_null(m);
	assert_int_equal(m->text_len, 0);
	assert_int_equal(count(&r, HPC_MSG_EV, 0, HPC_EV_ERROR), 0);
	assert_int_equal(count(&r, HPC_MSG_STEP_START, 0, NULL), n_steps);
	assert_int_equal(count(&r, HPC_MSG_STEP_END, 0, NULL), n_steps);

	/* step order: START i+1 after END i */
	for (int i = 0; i < n_steps - 1; i++)
		assert_true(find_pos(&r, HPC_MSG_STEP_END, i) <
			    find_pos(&r, HPC_MSG_STEP_START, i + 1));

	kmsg = kmsg_of(&r);
	for (int i = 0; i < n_steps; i++) {
		snprintf(line, sizeof(line), "hpchaos: run=r42 step=%d %s start\n",
			 i, names[i]);
		assert_non_null(strstr(kmsg, line));
		snprintf(line, sizeof(line), "hpchaos: run=r42 step=%d %s end\n",
			 i, names[i]);
		assert_non_null(strstr(kmsg, line));
	}
	assert_null(strstr(kmsg, "plan stopped"));
	assert_non_null(strstr(kmsg, "hpchaos: run=r42 agent done, exit code 0\n"));
	cleanup(&r);
}

/*
 * A plan with one failing step in the middle: that step's END is sent,
 * no later step starts, the kernel log says so and BYE is 1.
 */
struct step_def {
	const char *kind;
	unsigned int timeout;
	const char *name;
	const char *payload;
};

struct stop_case {
	struct step_def steps[4];	/* the last one fails */
	enum hpc_status_kind kind;	/* its END status */
	int value;
	uint64_t min_ms, max_ms;	/* its duration */
	size_t errors;			/* agent.error events */
	const char *bg_out;		/* an OUT line of step 0 */
	const char *ktap;		/* a KTAP line */
};

#define NO_MS 0, 60000

static const struct stop_case stop_cases[] = {
	{	/* check exit 3; the drain kills the bg step at once */
		{ { "bg", 0, "bgsleep", "sleep 30" },
		  { "check", 10, "fails", "exit 3" } },
		HPC_ST_EXIT, 3, NO_MS, 0, NULL, NULL,
	},
	{	/* run that times out */
		{ { "run", 10, "first", "true" },
		  { "run", 1, "slow", "sleep 10" } },
		HPC_ST_TIMEOUT, 0, 900, 3000, 0, NULL, NULL,
	},
	{	/* run killed by signal 9 */
		{ { "run", 10, "first", "true" },
		  { "run", 10, "sig", "kill -9 $$" } },
		HPC_ST_SIGNAL, 9, NO_MS, 0, NULL, NULL,
	},
	{	/* wait that times out */
		{ { "emit", 5, "hi", "there" },
		  { "run", 10, "first", "true" },
		  { "wait", 1, "never", NULL } },
		HPC_ST_TIMEOUT, 0, 900, 3000, 0, NULL, NULL,
	},
	{	/* reap of an unknown bg name */
		{ { "run", 10, "first", "true" },
		  { "reap", 5, "reap-none", "nosuch" } },
		HPC_ST_ERROR, 0, NO_MS, 1, NULL, NULL,
	},
	{	/* reap of a bg step that exits 5 */
		{ { "bg", 10, "load",
		    "sleep 0.3; echo bgout; echo 'ok 1 - bg' > \"$HPC_KTAP\"; "
		    "exit 5" },
		  { "run", 10, "first", "true" },
		  { "reap", 10, "reap-load", "load" } },
		HPC_ST_EXIT, 5, NO_MS, 0, "bgout", "ok 1 - bg",
	},
	{	/* reap whose own timeout expires: the bg step is killed */
		{ { "bg", 0, "slowpoke", "sleep 30" },
		  { "reap", 1, "reap-slowpoke", "slowpoke" } },
		HPC_ST_TIMEOUT, 0, 900, 3000, 0, NULL, NULL,
	},
};

static void test_plan_stops(void **state)
{
	const struct stop_case *c = *state;
	static struct run r;
	const struct hpc_msg *m;
	char line[256];
	const char *kmsg;
	struct stat st;
	int fail = 0, n;
	uint64_t t0;

	while (fail + 1 < 4 && c->steps[fail + 1].kind)
		fail++;
	n = fail + 3;
	start(&r, "hpc.run=stop\n");
	assert_non_null(wait_msg(&r, HPC_MSG_HELLO, NULL, 5000));
	snprintf(line, sizeof(line), "PLAN %d\n", n);
	send_str(&r, line);
	for (int i = 0; i <= fail; i++)
		send_step(&r, i, c->steps[i].kind, c->steps[i].timeout,
			  c->steps[i].name, c->steps[i].payload);
	/* what must not run */
	send_step(&r, fail + 1, "run", 10, "after", "touch after.ran");
	send_step(&r, fail + 2, "emit", 5, "late", "too late");
	t0 = now_ms();
	send_str(&r, "GO\n");
	assert_int_equal(finish(&r, 10000), HPC_BYE_FAIL);
	/* bg processes are killed at the end of the plan, not waited for */
	assert_true(now_ms() - t0 < 4500);
	assert_int_equal(r.invalid, 0);

	for (int i = 0; i < fail; i++)
		assert_end(&r, i, HPC_ST_EXIT, 0);
	assert_end(&r, fail, c->kind, c->value);
	m = find(&r, HPC_MSG_STEP_END, fail);
	if (m->duration_ms < c->min_ms || m->duration_ms >= c->max_ms)
		fail_msg("step %d took %llu ms", fail,
			 (unsigned long long)m->duration_ms);
	/* nothing after the failing step */
	for (int i = fail + 1; i < n; i++) {
		assert_null(find(&r, HPC_MSG_STEP_START, i));
		assert_null(find(&r, HPC_MSG_STEP_END, i));
	}
	assert_int_equal(count(&r, HPC_MSG_STEP_START, 0, NULL), fail + 1);
	assert_int_equal(count(&r, HPC_MSG_EV, 0, "late"), 0);
	snprintf(line, sizeof(line), "%s/after.ran", r.dir);
	assert_int_equal(stat(line, &st), -1);
	assert_int_equal(count(&r, HPC_MSG_EV, 0, HPC_EV_ERROR), c->errors);
	if (c->bg_out)
		assert_true(has_text(&r, HPC_MSG_OUT, 0, c->bg_out));
	if (c->ktap)
		assert_true(has_text(&r, HPC_MSG_KTAP, 0, c->ktap));

	kmsg = kmsg_of(&r);
	snprintf(line, sizeof(line), "hpchaos: run=stop step=%d %s end\n",
		 fail, c->steps[fail].name);
	assert_non_null(strstr(kmsg, line));
	snprintf(line, sizeof(line),
		 "hpchaos: run=stop plan stopped after step %d\n", fail);
	if (!strstr(kmsg, line))
		fail_msg("kmsg lacks \"%.*s\":\n%s", (int)strlen(line) - 1,
			 line, kmsg);
	snprintf(line, sizeof(line), "hpchaos: run=stop step=%d ", fail + 1);
	assert_null(strstr(kmsg, line));
	assert_non_null(strstr(kmsg, "hpchaos: run=stop agent done, exit code 1\n"));
	cleanup(&r);
}

static void test_events_remembered(void **state)
{
	static struct run r;
	const char *kmsg;

	(void)state;
	start(&r, "hpc.run=ev\n");
	assert_non_null(wait_msg(&r, HPC_MSG_HELLO, NULL, 5000));
	/* events before the plan are remembered and counted */
	send_str(&r, "EV a\nEV a\nEV b\n");
	send_str(&r, "PLAN 4\n");
	send_step(&r, 0, "wait", 5, "a", NULL);
	send_step(&r, 1, "wait", 5, "a", NULL);
	send_step(&r, 2, "wait", 0, "b", NULL);
	/* the third "a" never came; the last step, so nothing is stopped */
	send_step(&r, 3, "wait", 1, "a", NULL);
	send_str(&r, "GO\n");
	assert_int_equal(finish(&r, 10000), HPC_BYE_FAIL);
	assert_end(&r, 0, HPC_ST_EXIT, 0);
	assert_end(&r, 1, HPC_ST_EXIT, 0);
	assert_end(&r, 2, HPC_ST_EXIT, 0);
	assert_end(&r, 3, HPC_ST_TIMEOUT, 0);
	assert_int_equal(count(&r, HPC_MSG_EV, 0, HPC_EV_BAD_INPUT), 0);
	kmsg = kmsg_of(&r);
	assert_non_null(strstr(kmsg, "hpchaos: run=ev step=3 a end\n"));
	assert_null(strstr(kmsg, "plan stopped"));
	cleanup(&r);
}
/*
 * Programs send events through the FIFO named by $HPC_EVENTS: good lines
 * become EV lines (before the END of the step that wrote them), bad ones
 * are dropped and noted, a flood is cut by the rate limit.
 */
static void test_event_fifo(void **state)
{
	static struct run r;
	const struct hpc_msg *m;
	char path[128];
	struct stat st;
	size_t end0, n, i;

	(void)state;
	start(&r, "hpc.run=fifo\n");
	assert_non_null(wait_msg(&r, HPC_MSG_HELLO, NULL, 5000));
	send_str(&r, "PLAN 3\n");
	send_step(&r, 0, "run", 10, "writer",
		  "test -p \"$HPC_EVENTS\" || exit 9; "
		  "echo \"$HPC_EVENTS\"; "
		  "printf 'fifo-a hello there\\n' >\"$HPC_EVENTS\"; "
		  "printf 'bad/name x\\n' >\"$HPC_EVENTS\"; "
		  "{ head -c 3000 /dev/zero | tr '\\0' a; echo; } >\"$HPC_EVENTS\"; "
		  "echo >\"$HPC_EVENTS\"; "
		  "printf 'agent.error forged\\n' >\"$HPC_EVENTS\"; "
		  "printf 'fifo-c tab\\there\\r\\n' >\"$HPC_EVENTS\"; "
		  "exec 3>\"$HPC_EVENTS\"; printf 'fifo-b\\n' >&3; exec 3>&-");
	/* a burst far over the rate limit */
	send_step(&r, 1, "run", 10, "flood",
		  "i=0; while [ $i -lt 1000 ]; do echo \"flood $i\"; "
		  "i=$((i+1)); done >\"$HPC_EVENTS\"");
	/* the FIFO stays usable after all that, once the rate limit refilled */
	send_step(&r, 2, "run", 10, "after",
		  "sleep 1; printf 'fifo-last\\n' >\"$HPC_EVENTS\"");
	send_str(&r, "GO\n");
	assert_int_equal(finish(&r, 20000), HPC_BYE_OK);
	assert_int_equal(r.invalid, 0);
	assert_end(&r, 0, HPC_ST_EXIT, 0);
	assert_end(&r, 1, HPC_ST_EXIT, 0);
	assert_end(&r, 2, HPC_ST_EXIT, 0);

	snprintf(path, sizeof(path), "%s/events", r.dir);
	assert_true(has_text(&r, HPC_MSG_OUT, 0, path));
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0622);

	end0 = find_pos(&r, HPC_MSG_STEP_END, 0);
	r.cursor = 0;
	m = wait_msg(&r, HPC_MSG_EV, "fifo-a", 0);
	assert_non_null(m);
	assert_string_equal(m->text, "hello there");
	assert_true((size_t)(m - r.msgs) < end0);
	m = wait_msg(&r, HPC_MSG_EV, "fifo-c", 0);
	assert_non_null(m);
	assert_string_equal(m->text, "tab?here");
	m = wait_msg(&r, HPC_MSG_EV, "fifo-b", 0);
	assert_non_null(m);
	assert_int_equal(m->text_len, 0);
	assert_true((size_t)(m - r.msgs) < end0);
	assert_int_equal(count(&r, HPC_MSG_EV, 0, "fifo-last"), 1);
	/* nothing forged, nothing of the bad lines forwarded */
	assert_int_equal(count(&r, HPC_MSG_EV, 0, HPC_EV_ERROR), 0);
	assert_int_equal(count(&r, HPC_MSG_EV, 0, "bad"), 0);
	for (i = 0; i < r.n; i++)
		if (r.msgs[i].type == HPC_MSG_EV)
			assert_null(strstr(r.msgs[i].name, "aaaa"));

	/* 4 bad lines noted one by one, then the rate limit note(s) */
	r.cursor = 0;
	m = wait_msg(&r, HPC_MSG_EV, HPC_EV_BAD_EVENT, 0);
	assert_non_null(m);
	assert_string_equal(m->text, "bad event name: bad/name x");
	m = wait_msg(&r, HPC_MSG_EV, HPC_EV_BAD_EVENT, 0);
	assert_non_null(m);
	assert_non_null(strstr(m->text, "line too long: aaaa"));
	m = wait_msg(&r, HPC_MSG_EV, HPC_EV_BAD_EVENT, 0);
	assert_non_null(m);
	assert_string_equal(m->text, "empty line: ");
	m = wait_msg(&r, HPC_MSG_EV, HPC_EV_BAD_EVENT, 0);
	assert_non_null(m);
	assert_string_equal(m->text, "reserved event name: agent.error forged");

	n = count(&r, HPC_MSG_EV, 0, "flood");
	if (n < 150 || n > 600)
		fail_msg("%zu flood events forwarded", n);
	/* the summary before BYE counts everything */
	m = NULL;
	for (i = 0; i < r.n; i++)
		if (r.msgs[i].type == HPC_MSG_EV &&
		    !strcmp(r.msgs[i].name, HPC_EV_BAD_EVENT))
			m = &r.msgs[i];
	assert_non_null(m);
	{
		char want[160];

		snprintf(want, sizeof(want),
			 "%zu event lines dropped (4 malformed, %zu over the rate limit), %zu forwarded",
			 4 + 1000 - n, 1000 - n, n + 4);
		assert_string_equal(m->text, want);
	}
	cleanup(&r);
}

/* A host line of the longest size (4096 bytes with its newline) is taken. */
static void test_longest_line(void **state)
{
	static char payload[HPC_PROTO_MAX_LINE];
	static struct run r;
	size_t head = strlen("S 0 run 10 long "), n;

	(void)state;
	n = HPC_PROTO_MAX_LINE - 1 - head;
	memset(payload, 'x', n);
	memcpy(payload, "echo ok #", 9);
	payload[n] = '\0';
	start(&r, "");
	assert_non_null(wait_msg(&r, HPC_MSG_HELLO, NULL, 5000));
	send_str(&r, "PLAN 1\n");
	send_step(&r, 0, "run", 10, "long", payload);
	send_str(&r, "GO\n");
	assert_int_equal(finish(&r, 10000), HPC_BYE_OK);
	assert_int_equal(count(&r, HPC_MSG_EV, 0, HPC_EV_BAD_INPUT), 0);
	assert_end(&r, 0, HPC_ST_EXIT, 0);
	assert_true(has_text(&r, HPC_MSG_OUT, 0, "ok"));
	cleanup(&r);
}

static void test_bad_input(void **state)
{
	static char longline[6000];
	static const char nul[] = "EV x\0y\n";
	static struct run r;
	const struct hpc_msg *m;

	(void)state;
	start(&r, "");
	assert_non_null(wait_msg(&r, HPC_MSG_HELLO, NULL, 5000));
	send_str(&r, "HELLO 1 x\n");		/* unknown line */
	send_str(&r, "S 0 run 1 x y\n");	/* S outside a plan */
	send_str(&r, "PLAN 257\n");		/* malformed PLAN */
	send_str(&r, "\n");			/* empty line */
	send_str(&r, "EV bad/name\n");		/* malformed EV */
	send_str(&r, "EV a b\n");		/* malformed EV */
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 2] = '\n';
	send_str(&r, longline);			/* line too long */
	assert_int_equal(write(r.fd, nul, sizeof(nul) - 1),
			 (ssize_t)sizeof(nul) - 1);	/* NUL byte */
	send_str(&r, "PLAN 2\n");
	send_str(&r, "PLAN 2\n");		/* unexpected PLAN */
	send_str(&r, "S 0 run 5 ok true\n");
	send_str(&r, "S 0 run 5 dup true\n");	/* duplicate step */
	send_str(&r, "S 1 walk 5 x y\n");	/* bad kind */
	send_str(&r, "S 1 run 86401 x y\n");	/* bad timeout */
	send_str(&r, "S 1 run 05 x y\n");	/* bad timeout */
	send_str(&r, "S 1 run 5 bad/name y\n");	/* bad name */
	send_str(&r, "S 2 run 5 x y\n");	/* bad index */
	send_str(&r, "S -1 run 5 x y\n");	/* bad index */
	send_str(&r, "S 1  run 5 x y\n");	/* malformed S */
	send_str(&r, "S 1 run 5\n");		/* malformed S */
	send_str(&r, "GO now\n");		/* malformed GO */
	send_str(&r, "GO\n");			/* only 1 of 2 steps */
	m = wait_msg(&r, HPC_MSG_EV, HPC_EV_BAD_PLAN, 5000);
	assert_non_null(m);
	assert_string_equal(m->text, "GO with 1 of 2 steps");
	assert_int_equal(finish(&r, 5000), HPC_BYE_ERROR);
	assert_int_equal(count(&r, HPC_MSG_EV, 0, HPC_EV_BAD_INPUT), 19);
	assert_null(find(&r, HPC_MSG_STEP_START, 0));
	assert_int_equal(r.invalid, 0);
	cleanup(&r);
}

static void test_output_limits(void **state)
{
	static struct run r;
	size_t n, i, longest = 0;
	char note[64];

	(void)state;
	start(&r, "");
	assert_non_null(wait_msg(&r, HPC_MSG_HELLO, NULL, 5000));
	send_str(&r, "PLAN 3\n");
	/* one over-long line, escapes, a NUL byte */
	send_step(&r, 0, "run", 30, "long",
		  "head -c 10000 /dev/zero | tr '\\0' a; echo; echo after; "
		  "printf '\\033[31mred\\033[0m\\n'; printf 'a\\000b\\n'");
	/* a burst of 5000 lines: the rate limit drops some */
	send_step(&r, 1, "run", 30, "burst",
		  "i=0; while [ $i -lt 5000 ]; do echo line$i; i=$((i+1)); "
		  "done");
	/* more than the per-step cap */
	send_step(&r, 2, "run", 30, "flood", "seq 1 30000");
	send_str(&r, "GO\n");
	assert_int_equal(finish(&r, 30000), HPC_BYE_OK);
	assert_int_equal(r.invalid, 0);

	n = count(&r, HPC_MSG_OUT, 1, NULL);
	assert_true(n > 1900 && n < 5000);
	assert_true(has_text(&r, HPC_MSG_OUT, 1, "line0"));
	snprintf(note, sizeof(note), "[%zu lines dropped: rate limit]",
		 5000 - (n - 1));
	if (!has_text(&r, HPC_MSG_OUT, 1, note))
		fail_msg("missing \"%s\"", note);

	for (i = 0; i < r.n; i++)
		if (r.msgs[i].type == HPC_MSG_OUT && r.msgs[i].idx == 0 &&
		    r.msgs[i].text_len > longest)
			longest = r.msgs[i].text_len;
	assert_true(longest > 4000 && longest <= HPC_PROTO_MAX_LINE - 16);
	assert_true(has_text(&r, HPC_MSG_OUT, 0, "after"));
	assert_true(has_text(&r, HPC_MSG_OUT, 0, "red"));
	assert_true(has_text(&r, HPC_MSG_OUT, 0, "a?b"));

	assert_true(has_text(&r, HPC_MSG_OUT, 2, HPC_OUT_TRUNCATED));
	assert_true(count(&r, HPC_MSG_OUT, 2, NULL) < 20000);
	cleanup(&r);
}

static void test_bg_timeout_and_drain(void **state)
{
	static struct run r;
	uint64_t t0;
	const struct hpc_msg *m;

	(void)state;
	start(&r, "");
	assert_non_null(wait_msg(&r, HPC_MSG_HELLO, NULL, 5000));
	send_str(&r, "PLAN 4\n");
	send_step(&r, 0, "bg", 1, "sleeper", "sleep 30");
	send_step(&r, 1, "bg", 0, "forever", "echo started; exec sleep 30");
	send_step(&r, 2, "run", 5, "pause", "sleep 1.5");
	/* the reap of a bg step that timed out ends the plan (and is last) */
	send_step(&r, 3, "reap", 5, "reap-sleeper", "sleeper");
	t0 = now_ms();
	send_str(&r, "GO\n");
	assert_int_equal(finish(&r, 15000), HPC_BYE_FAIL);
	/* "forever" is killed at the end, not waited for */
	assert_true(now_ms() - t0 < 4500);
	assert_end(&r, 0, HPC_ST_EXIT, 0);
	assert_end(&r, 1, HPC_ST_EXIT, 0);
	assert_end(&r, 2, HPC_ST_EXIT, 0);
	assert_end(&r, 3, HPC_ST_TIMEOUT, 0);
	m = find(&r, HPC_MSG_STEP_END, 3);
	/* the bg step had already timed out, so reap returned at once */
	assert_true(m->duration_ms < 500);
	assert_true(has_text(&r, HPC_MSG_OUT, 1, "started"));
	cleanup(&r);
}
static void test_host_close(void **state)
{
	static struct run r;

	(void)state;
	start(&r, "");
	assert_non_null(wait_msg(&r, HPC_MSG_HELLO, NULL, 5000));
	send_str(&r, "PLAN 1\n");
	send_step(&r, 0, "run", 0, "long", "sleep 30");
	send_str(&r, "GO\n");
	assert_non_null(wait_msg(&r, HPC_MSG_STEP_START, NULL, 5000));
	shutdown(r.fd, SHUT_RDWR);
	assert_int_equal(wait_exit(&r, 5000), 1);
	cleanup(&r);
}

static void test_unix_socket_path(void **state)
{
	static struct run r;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int ls;

	(void)state;
	memset(&r, 0, sizeof(r));
	make_dir(&r, "hpc.run=sock\n");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/agent.sock", r.dir);
	ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(ls >= 0);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 1), 0);
	r.pid = fork();
	assert_true(r.pid >= 0);
	if (r.pid == 0)
		exec_agent(&r, "--port", sa.sun_path);
	r.fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	assert_true(r.fd >= 0);
	close(ls);
	start_common(&r);
	assert_non_null(wait_msg(&r, HPC_MSG_HELLO, NULL, 5000));
	send_str(&r, "PLAN 1\n");
	send_step(&r, 0, "run", 5, "hi", "echo $HPC_RUN_ID");
	send_str(&r, "GO\n");
	assert_int_equal(finish(&r, 5000), HPC_BYE_OK);
	assert_true(has_text(&r, HPC_MSG_OUT, 0, "sock"));
	cleanup(&r);
}

static void test_bad_args(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 2);
		execl(AGENT_BIN, "hpc-agent", "--bogus", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), HPC_BYE_ERROR);
}

static int teardown(void **state)
{
	(void)state;
	if (live)
		cleanup(live);
	return 0;
}

/* One test per stop_cases[] entry, with its own name. */
#define STOP_CASE(i, desc) \
	{ desc, test_plan_stops, NULL, teardown, (void *)&stop_cases[i] }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_hello_ping_empty_plan, teardown),
		cmocka_unit_test_teardown(test_kmsg_forward, teardown),
		cmocka_unit_test_teardown(test_full_plan, teardown),
		STOP_CASE(0, "stop: check exits 3"),
		STOP_CASE(1, "stop: run times out"),
		STOP_CASE(2, "stop: run killed by signal 9"),
		STOP_CASE(3, "stop: wait times out"),
		STOP_CASE(4, "stop: reap of an unknown name"),
		STOP_CASE(5, "stop: reaped bg step exits 5"),
		STOP_CASE(6, "stop: reap times out"),
		cmocka_unit_test_teardown(test_events_remembered, teardown),
		cmocka_unit_test_teardown(test_event_fifo, teardown),
		cmocka_unit_test_teardown(test_longest_line, teardown),
		cmocka_unit_test_teardown(test_bad_input, teardown),
		cmocka_unit_test_teardown(test_output_limits, teardown),
		cmocka_unit_test_teardown(test_bg_timeout_and_drain, teardown),
		cmocka_unit_test_teardown(test_host_close, teardown),
		cmocka_unit_test_teardown(test_unix_socket_path, teardown),
		cmocka_unit_test_teardown(test_bad_args, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
