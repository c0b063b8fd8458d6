// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-conductor: runs one scenario on one guest and judges it.
 *
 * It listens on three unix sockets in the run directory (console, agent,
 * QMP), spawns the guest command the backend wrote (QEMU connects to the
 * sockets as a client), sends the scenario's steps to the guest agent, fires
 * host actions when their trigger events arrive, records one timeline and
 * writes verdict.json. The guest is always killed and reaped before exit.
 *
 * Usage: hpc-conductor --scenario FILE --dir RUNDIR --guest-argv FILE
 *                      [--run-id ID] [--seed N] [--kconfig FILE]
 *                      [--modules FILE] [--heartbeat S] [--report-grace S]
 * Exit: 0 PASS/RESET/XFAIL/SKIP, 1 FAIL, 3 ERROR, 2 usage, 130 interrupted.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include <fnmatch.h>

#include "hpc/linebuf.h"
#include "hpc/ktap.h"
#include "hpc/proto.h"
#include "hpc/qmp.h"
#include "hpc/scenario.h"
#include "hpc/triage.h"
#include "hpc/verdict.h"

#define CONSOLE_MAX_LINE	4096
#define CONSOLE_MAX_BYTES	(64L << 20)	/* console.log cap */
#define OUT_MAX_BYTES		(16L << 20)	/* steps.log cap */
#define CONNECT_TIMEOUT_S	30
#define POWEROFF_GRACE_S	30
#define MAX_PENDING		64

enum sock_id { SOCK_CONSOLE, SOCK_AGENT, SOCK_QMP, SOCK__COUNT };
static const char *const sock_names[SOCK__COUNT] = {
	"console.sock", "agent.sock", "qmp.sock",
};

struct step_result {
	int started, ended;
	char status[32];
	uint64_t duration_ms;
	struct hpc_status st;
};

struct pending {			/* an action waiting for its time */
	int action;
	double due;
	char trigger[HPC_SCN_NAME];
};

struct del_wait {			/* device_del waiting for DEVICE_DELETED */
	int action;
	double deadline;
	int active;
};

struct conductor {
	struct hpc_scenario *s;
	const char *dir, *run_id, *kconfig, *modules;
	unsigned long long seed;
	unsigned int heartbeat_s;
	unsigned int report_grace_s;	/* stop this long after a kernel report */
	double report_at;		/* when triage first had a primary report */
	struct timespec t0;

	int lfd[SOCK__COUNT], fd[SOCK__COUNT];
	int sigfd;
	pid_t guest;
	int guest_status, guest_exited;

	FILE *console_log, *timeline, *steps_log, *qmp_log;
	long console_bytes, out_bytes;
	size_t console_lines;
	struct hpc_linebuf console_lb, agent_lb;
	struct hpc_triage *triage;
	struct hpc_qmp qmp;

	/* guest state */
	int hello, bye, bye_code, plan_sent;
	double last_heard, bye_at;
	char release[HPC_PROTO_MAX_NAME + 1];
	struct step_result steps[HPC_SCN_MAX_STEPS];
	struct json_object *ktap_lines;	/* per step: array of guest KTAP lines */
	char shutdown_reason[64];

	/* host actions */
	int fired[HPC_SCN_MAX_ACTIONS];
	struct pending pend[MAX_PENDING];
	int npend;
	struct del_wait dels[HPC_SCN_MAX_ACTIONS];
	int qmp_ids[HPC_SCN_MAX_ACTIONS];	/* QMP id awaiting a reply */
	char action_error[512];
	int action_timeout;		/* index+1 of a device_del that timed out */

	/* end */
	int interrupted;
	char why_stop[256];
	int stop;
};

static struct conductor C;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - C.t0.tv_sec) +
	       (double)(t.tv_nsec - C.t0.tv_nsec) / 1e9;
}

static void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- timeline ---- */

static void tl_emit(struct json_object *o)
{
	if (!C.timeline) {
		json_object_put(o);
		return;
	}
	fprintf(C.timeline, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(C.timeline);
	json_object_put(o);
}

static struct json_object *tl_new(const char *src)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "t", json_object_new_double(now_s()));
	json_object_object_add(o, "src", json_object_new_string(src));
	return o;
}

static void tl_host(const char *type, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void tl_host(const char *type, const char *fmt, ...)
{
	struct json_object *o = tl_new("host");
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "text", json_object_new_string(buf));
	tl_emit(o);
}

/* ---- stopping ---- */

static void stop(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void stop(const char *fmt, ...)
{
	va_list ap;

	if (C.stop)
		return;
	C.stop = 1;
	va_start(ap, fmt);
	vsnprintf(C.why_stop, sizeof(C.why_stop), fmt, ap);
	va_end(ap);
	tl_host("stop", "%s", C.why_stop);
}

static void fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("hpc-conductor: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* ---- host events and actions ---- */

static void send_guest(const char *line)
{
	size_t n = strlen(line);

	if (C.fd[SOCK_AGENT] < 0)
		return;
	while (n > 0) {
		ssize_t w = write(C.fd[SOCK_AGENT], line, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		line += w;
		n -= (size_t)w;
	}
}

static void event(const char *name, const char *from);

static void host_event(const char *name)
{
	char line[HPC_PROTO_MAX_NAME + 8];

	snprintf(line, sizeof(line), "EV %s\n", name);
	send_guest(line);
	event(name, "host");
}

static const char *action_name(const struct hpc_action *a)
{
	static const char *const names[] = {
		[HPC_ACT_DEVICE_ADD] = "device_add", [HPC_ACT_DEVICE_DEL] = "device_del",
		[HPC_ACT_QOM_SET] = "qom-set",	     [HPC_ACT_SIGNAL] = "signal",
	};
	return names[a->kind];
}

static void fire(int ai, const char *trigger)
{
	const struct hpc_action *a = &C.s->actions[ai];
	struct json_object *o = tl_new("host"), *args = NULL;
	const char *cmd = NULL;

	json_object_object_add(o, "type", json_object_new_string("action"));
	json_object_object_add(o, "action", json_object_new_string(action_name(a)));
	json_object_object_add(o, "trigger", json_object_new_string(trigger));
	json_object_object_add(o, "line", json_object_new_int(a->line));

	switch (a->kind) {
	case HPC_ACT_DEVICE_ADD: {
		char js[4096];

		json_object_object_add(o, "target", json_object_new_string(a->target));
		if (hpc_device_qmp_json(hpc_scenario_device(C.s, a->target), js,
					sizeof(js)) == 0)
			args = json_tokener_parse(js);
		cmd = "device_add";
		break;
	}
	case HPC_ACT_DEVICE_DEL:
		json_object_object_add(o, "target", json_object_new_string(a->target));
		args = json_object_new_object();
		json_object_object_add(args, "id", json_object_new_string(a->target));
		cmd = "device_del";
		C.dels[ai].active = 1;
		C.dels[ai].deadline = now_s() + a->timeout_s;
		break;
	case HPC_ACT_QOM_SET: {
		args = json_object_new_object();
		json_object_object_add(args, "path", json_object_new_string(a->path));
		json_object_object_add(args, "property", json_object_new_string(a->prop));
		if (strcmp(a->value, "true") == 0 || strcmp(a->value, "false") == 0)
			json_object_object_add(args, "value",
					       json_object_new_boolean(a->value[0] == 't'));
		else
			json_object_object_add(args, "value", json_object_new_string(a->value));
		json_object_object_add(o, "target", json_object_new_string(a->path));
		cmd = "qom-set";
		break;
	}
	case HPC_ACT_SIGNAL:
		break;
	}
	tl_emit(o);
	if (!cmd) {
		host_event(a->emit);
		return;
	}
	C.qmp_ids[ai] = hpc_qmp_send(&C.qmp, cmd, args);
	if (C.qmp_ids[ai] < 0) {
		snprintf(C.action_error, sizeof(C.action_error),
			 "%s (line %d): QMP write failed", action_name(a), a->line);
		stop("%s", C.action_error);
	}
}

/* An event happened (guest emit, host action done): arm matching actions. */
static void event(const char *name, const char *from)
{
	for (int i = 0; i < C.s->nactions; i++) {
		const struct hpc_action *a = &C.s->actions[i];

		if (C.fired[i] || strcmp(a->on, name))
			continue;
		C.fired[i] = 1;
		if (C.npend == MAX_PENDING)
			continue;
		C.pend[C.npend].action = i;
		C.pend[C.npend].due = now_s() + a->after_ms / 1000.0;
		snprintf(C.pend[C.npend].trigger, sizeof(C.pend[0].trigger),
			 "%s", name);
		C.npend++;
	}
	(void)from;
}

static void run_due_actions(void)
{
	double t = now_s();

	for (int i = 0; i < C.npend;) {
		if (C.pend[i].due <= t && C.qmp.ready) {
			struct pending p = C.pend[i];

			C.pend[i] = C.pend[--C.npend];
			fire(p.action, p.trigger);
		} else {
			i++;
		}
	}
	for (int i = 0; i < C.s->nactions; i++) {
		if (!C.dels[i].active || C.dels[i].deadline > t)
			continue;
		C.dels[i].active = 0;
		C.action_timeout = i + 1;
		tl_host("timeout", "device_del %s: no DEVICE_DELETED within %u s",
			C.s->actions[i].target, C.s->actions[i].timeout_s);
		stop("device_del %s timed out", C.s->actions[i].target);
	}
}

/* ---- QMP ---- */

static void on_qmp(void *ctx, struct json_object *msg)
{
	struct json_object *ev, *data, *id, *err;

	(void)ctx;
	if (json_object_object_get_ex(msg, "event", &ev)) {
		const char *name = json_object_get_string(ev);
		struct json_object *o = tl_new("qmp");

		json_object_object_add(o, "event", json_object_new_string(name));
		if (json_object_object_get_ex(msg, "data", &data))
			json_object_object_add(o, "data", json_object_get(data));
		tl_emit(o);
		if (strcmp(name, "DEVICE_DELETED") == 0 &&
		    json_object_object_get_ex(msg, "data", &data) &&
		    json_object_object_get_ex(data, "device", &id)) {
			for (int i = 0; i < C.s->nactions; i++) {
				if (C.dels[i].active &&
				    strcmp(C.s->actions[i].target,
					   json_object_get_string(id)) == 0) {
					C.dels[i].active = 0;
					if (C.s->actions[i].emit[0])
						host_event(C.s->actions[i].emit);
				}
			}
		}
		if (strcmp(name, "SHUTDOWN") == 0 &&
		    json_object_object_get_ex(msg, "data", &data) &&
		    json_object_object_get_ex(data, "reason", &id))
			snprintf(C.shutdown_reason, sizeof(C.shutdown_reason), "%s",
				 json_object_get_string(id));
		return;
	}
	if (!json_object_object_get_ex(msg, "id", &id))
		return;
	for (int i = 0; i < C.s->nactions; i++) {
		const struct hpc_action *a = &C.s->actions[i];

		if (C.qmp_ids[i] <= 0 || C.qmp_ids[i] != json_object_get_int(id))
			continue;
		C.qmp_ids[i] = 0;
		if (json_object_object_get_ex(msg, "error", &err)) {
			struct json_object *desc;
			const char *d = "?";

			if (json_object_object_get_ex(err, "desc", &desc))
				d = json_object_get_string(desc);
			snprintf(C.action_error, sizeof(C.action_error),
				 "%s %s (line %d) failed: %.300s", action_name(a),
				 a->target[0] ? a->target : a->path, a->line, d);
			C.dels[i].active = 0;
			tl_host("action-error", "%s", C.action_error);
			stop("host action failed");
		} else if (a->kind != HPC_ACT_DEVICE_DEL && a->emit[0]) {
			host_event(a->emit);
		}
	}
}

/* ---- console ---- */

static void on_console_line(void *ctx, const char *line, size_t len,
			    unsigned int flags)
{
	char clean[CONSOLE_MAX_LINE + 1];
	struct json_object *o;
	size_t n;

	(void)ctx;
	n = len < CONSOLE_MAX_LINE ? len : CONSOLE_MAX_LINE;
	memcpy(clean, line, n);
	n = hpc_sanitize(clean, n);
	C.console_lines++;
	hpc_triage_line(C.triage, clean, n);
	o = tl_new("console");
	json_object_object_add(o, "n", json_object_new_int64((int64_t)C.console_lines));
	json_object_object_add(o, "line", json_object_new_string_len(clean, (int)n));
	if (flags & HPC_LINE_TRUNCATED)
		json_object_object_add(o, "truncated", json_object_new_boolean(1));
	tl_emit(o);
}

/*
 * Read what fd has into its line splitter; with raw, also append the bytes
 * to that file (up to CONSOLE_MAX_BYTES). Returns -1 on EOF or error.
 */
static int read_stream(int fd, struct hpc_linebuf *lb, hpc_line_fn fn,
		       FILE *raw, long *raw_bytes)
{
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0)
		return -1;
	if (raw && *raw_bytes < CONSOLE_MAX_BYTES) {
		fwrite(buf, 1, (size_t)n, raw);
		fflush(raw);
		*raw_bytes += n;
	}
	hpc_linebuf_feed(lb, buf, (size_t)n, fn, NULL);
	return 0;
}

/* ---- agent ---- */

static void send_plan(void)
{
	char line[HPC_PROTO_MAX_LINE + 1];

	snprintf(line, sizeof(line), "PLAN %d\n", C.s->nsteps);
	send_guest(line);
	for (int i = 0; i < C.s->nsteps; i++) {
		const struct hpc_step *st = &C.s->steps[i];
		const char *payload = st->kind == HPC_STEP_REAP ? st->name : st->payload;

		if (hpc_proto_format_step(line, sizeof(line), i,
					  hpc_step_kind_name(st->kind),
					  st->timeout_s, st->name, payload) < 0) {
			stop("step %s (line %d) does not fit the agent protocol",
			     st->name, st->line);
			return;
		}
		send_guest(line);
	}
	send_guest("GO\n");
	C.plan_sent = 1;
	tl_host("plan", "sent %d steps", C.s->nsteps);
}

static void on_agent_line(void *ctx, const char *line, size_t len,
			  unsigned int flags)
{
	static struct hpc_msg m;
	char copy[HPC_PROTO_MAX_LINE];
	struct json_object *o;

	(void)ctx;
	C.last_heard = now_s();
	o = tl_new("guest");
	if ((flags & HPC_LINE_TRUNCATED) || len >= sizeof(copy) ||
	    (memcpy(copy, line, len), hpc_proto_parse(copy, len, &m) < 0)) {
		char bad[129];
		size_t n = len < 128 ? len : 128;

		memcpy(bad, line, n);
		n = hpc_sanitize(bad, n);
		json_object_object_add(o, "type", json_object_new_string("invalid"));
		json_object_object_add(o, "raw", json_object_new_string_len(bad, (int)n));
		tl_emit(o);
		return;
	}
	json_object_object_add(o, "type",
			       json_object_new_string(hpc_proto_msg_name(m.type)));
	if (m.type != HPC_MSG_OUT && m.type != HPC_MSG_KTAP && m.type != HPC_MSG_BYE)
		json_object_object_add(o, "guest_ns", json_object_new_int64((int64_t)m.guest_ns));
	switch (m.type) {
	case HPC_MSG_HELLO:
		json_object_object_add(o, "release", json_object_new_string(m.release));
		tl_emit(o);
		if (!C.hello) {
			C.hello = 1;
			snprintf(C.release, sizeof(C.release), "%s", m.release);
			send_plan();
			event("boot", "guest");
		}
		return;
	case HPC_MSG_PING:
		json_object_put(o);	/* heartbeats stay out of the timeline */
		return;
	case HPC_MSG_EV:
		json_object_object_add(o, "name", json_object_new_string(m.name));
		json_object_object_add(o, "text", json_object_new_string(m.text));
		tl_emit(o);
		event(m.name, "guest");
		return;
	case HPC_MSG_STEP_START:
	case HPC_MSG_STEP_END:
		json_object_object_add(o, "idx", json_object_new_int(m.idx));
		if (m.idx < C.s->nsteps) {
			struct step_result *r = &C.steps[m.idx];

			json_object_object_add(o, "step",
					       json_object_new_string(C.s->steps[m.idx].name));
			if (m.type == HPC_MSG_STEP_START) {
				r->started = 1;
			} else {
				r->ended = 1;
				r->st = m.status;
				r->duration_ms = m.duration_ms;
				hpc_proto_format_status(&m.status, r->status,
							sizeof(r->status));
				json_object_object_add(o, "status",
						       json_object_new_string(r->status));
				json_object_object_add(o, "duration_ms",
						       json_object_new_int64((int64_t)m.duration_ms));
			}
		}
		tl_emit(o);
		return;
	case HPC_MSG_OUT:
		json_object_object_add(o, "idx", json_object_new_int(m.idx));
		json_object_object_add(o, "text", json_object_new_string(m.text));
		tl_emit(o);
		if (C.steps_log && C.out_bytes < OUT_MAX_BYTES) {
			const char *sn = m.idx < C.s->nsteps ? C.s->steps[m.idx].name : "?";

			C.out_bytes += fprintf(C.steps_log, "[%s] %s\n", sn, m.text);
			fflush(C.steps_log);
		}
		return;
	case HPC_MSG_KTAP:
		json_object_object_add(o, "text", json_object_new_string(m.text));
		tl_emit(o);
		if (json_object_array_length(C.ktap_lines) < 100000)
			json_object_array_add(C.ktap_lines, json_object_new_string(m.text));
		return;
	case HPC_MSG_BYE:
		json_object_object_add(o, "code", json_object_new_int(m.exit_code));
		tl_emit(o);
		C.bye = 1;
		C.bye_code = m.exit_code;
		C.bye_at = now_s();
		return;
	default:
		json_object_put(o);
		return;
	}
}

/* ---- the guest process ---- */

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		fatal("socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 1) < 0)
		fatal("cannot listen on %s: %s", path, strerror(errno));
	return fd;
}

static char **read_argv(const char *file)
{
	static char buf[65536];
	char **argv;
	size_t n, count = 0, i, k = 0;
	FILE *f = fopen(file, "r");

	if (!f)
		fatal("cannot open %s: %s", file, strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	if (!feof(f))
		fatal("%s: too large", file);
	fclose(f);
	if (n == 0 || buf[n - 1] != '\0')
		fatal("%s: expected NUL-terminated arguments", file);
	for (i = 0; i < n; i++)
		count += buf[i] == '\0';
	argv = calloc(count + 1, sizeof(*argv));
	if (!argv)
		fatal("out of memory");
	for (i = 0; i < n; i += strlen(buf + i) + 1)
		argv[k++] = buf + i;
	return argv;
}

static void spawn_guest(char **argv)
{
	pid_t parent = getpid();
	sigset_t all;

	C.guest = fork();
	if (C.guest < 0)
		fatal("fork: %s", strerror(errno));
	if (C.guest > 0)
		return;
	/* child */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	if (chdir(C.dir) < 0)
		_exit(127);
	{
		int in = open("/dev/null", O_RDONLY);
		int err = open("qemu.stderr", O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (in < 0 || err < 0)
			_exit(127);
		dup2(in, 0);
		dup2(err, 1);
		dup2(err, 2);
	}
	execvp(argv[0], argv);
	fprintf(stderr, "cannot execute %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void reap_guest(int block)
{
	int st;
	pid_t r;

	if (C.guest <= 0 || C.guest_exited)
		return;
	r = waitpid(C.guest, &st, block ? 0 : WNOHANG);
	if (r == C.guest) {
		C.guest_exited = 1;
		C.guest_status = st;
		tl_host("guest-exit", "guest process exited (%s %d)",
			WIFEXITED(st) ? "status" : "signal",
			WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	}
}

static void kill_guest(void)
{
	if (C.guest <= 0 || C.guest_exited)
		return;
	kill(-C.guest, SIGTERM);
	kill(C.guest, SIGTERM);
	for (int i = 0; i < 50 && !C.guest_exited; i++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		reap_guest(0);
	}
	if (!C.guest_exited) {
		kill(-C.guest, SIGKILL);
		kill(C.guest, SIGKILL);
		reap_guest(1);
	}
}

static void qemu_stderr_tail(char *buf, size_t cap)
{
	char path[4200];
	FILE *f;
	long sz;
	size_t n;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/qemu.stderr", C.dir);
	f = fopen(path, "r");
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, sz > (long)cap - 1 ? sz - (long)cap + 1 : 0, SEEK_SET);
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	n = hpc_sanitize(buf, n);
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = ' ';
}

static void handle_signals(void);

/* Accept QEMU's three connections. Returns 0, or -1 (reason in why_stop). */
static int accept_all(void)
{
	double deadline = now_s() + CONNECT_TIMEOUT_S;
	int connected = 0;

	while (connected < SOCK__COUNT) {
		struct pollfd pfd[SOCK__COUNT + 1];
		int n = 0;

		for (int i = 0; i < SOCK__COUNT; i++) {
			pfd[i].fd = C.fd[i] < 0 ? C.lfd[i] : -1;
			pfd[i].events = POLLIN;
		}
		pfd[SOCK__COUNT].fd = C.sigfd;
		pfd[SOCK__COUNT].events = POLLIN;
		n = poll(pfd, SOCK__COUNT + 1, 200);
		if (n < 0 && errno != EINTR)
			fatal("poll: %s", strerror(errno));
		if (pfd[SOCK__COUNT].revents & POLLIN) {
			handle_signals();
			if (C.interrupted)
				return -1;
		}
		for (int i = 0; i < SOCK__COUNT; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			C.fd[i] = accept4(C.lfd[i], NULL, NULL, SOCK_CLOEXEC);
			if (C.fd[i] >= 0)
				connected++;
		}
		reap_guest(0);
		if (C.guest_exited) {
			stop("guest process exited before connecting");
			return -1;
		}
		if (now_s() > deadline) {
			stop("guest did not connect within %d s", CONNECT_TIMEOUT_S);
			return -1;
		}
	}
	return 0;
}

/* ---- verdict ---- */

struct verdict {
	enum hpc_verdict v;
	enum hpc_class cls;
	char title[256];
	char reason[768];
};

static void set_v(struct verdict *vd, enum hpc_verdict v, enum hpc_class c,
		  const char *title, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void set_v(struct verdict *vd, enum hpc_verdict v, enum hpc_class c,
		  const char *title, const char *fmt, ...)
{
	va_list ap;

	vd->v = v;
	vd->cls = c;
	snprintf(vd->title, sizeof(vd->title), "%s", title ? title : "");
	va_start(ap, fmt);
	vsnprintf(vd->reason, sizeof(vd->reason), fmt, ap);
	va_end(ap);
}

/*
 * A failed check whose guest KTAP failures are all known-fail patterns is a
 * baseline failure (XFAIL); returns 1 then. Otherwise names the first
 * unexpected failure in title and returns 0.
 */
/* The KTAP the guest reported, parsed (NULL if out of memory). */
static struct hpc_ktap *guest_ktap(void)
{
	struct hpc_ktap *k = hpc_ktap_new();
	size_t nk = json_object_array_length(C.ktap_lines);

	if (!k)
		return NULL;
	for (size_t i = 0; i < nk; i++) {
		const char *l = json_object_get_string(json_object_array_get_idx(C.ktap_lines, i));

		hpc_ktap_line(k, l, strlen(l));
	}
	hpc_ktap_finish(k);
	return k;
}

static int known_failures_only(struct verdict *vd, const struct hpc_step *st)
{
	struct hpc_ktap *k = guest_ktap();
	size_t nfail = 0;
	const char *unexpected = NULL;
	char list[512] = "";
	int r = 0;

	if (!k)
		return 0;
	for (size_t i = 0; i < hpc_ktap_nresults(k); i++) {
		const struct hpc_ktap_result *res = hpc_ktap_result(k, i);
		int known = 0;

		if (res->result != HPC_KTAP_FAIL)
			continue;
		for (int j = 0; j < C.s->nknown && !known; j++)
			known = fnmatch(C.s->known[j], res->name, 0) == 0;
		if (!known) {
			unexpected = unexpected ? unexpected : res->name;
			continue;
		}
		nfail++;
		if (strlen(list) + strlen(res->name) + 3 < sizeof(list))
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 list[0] ? ", " : "", res->name);
	}
	if (unexpected) {
		snprintf(vd->title, sizeof(vd->title), "%s: %s: unexpected failure in %s",
			 hpc_class_name(st->fail_class), st->name, unexpected);
	} else if (nfail > 0) {
		set_v(vd, HPC_V_XFAIL, HPC_C_NONE, NULL,
		      "only the known failures (%s) of %s; known-fail at line %d: %s",
		      list, st->name, C.s->known_line, C.s->known_reason);
		r = 1;
	}
	hpc_ktap_free(k);
	return r;
}

static void judge(struct verdict *vd, int connected)
{
	const struct hpc_report *rep = hpc_triage_primary(C.triage);
	char tail[400];

	if (C.interrupted) {
		set_v(vd, HPC_V_ERROR, HPC_C_NONE, NULL, "interrupted by a signal");
		return;
	}
	if (!connected) {
		qemu_stderr_tail(tail, sizeof(tail));
		set_v(vd, HPC_V_ERROR, HPC_C_NONE, NULL, "%s: %s", C.why_stop,
		      tail[0] ? tail : "(no output from the guest process)");
		return;
	}
	if (rep) {
		set_v(vd, HPC_V_FAIL, rep->cls, rep->title,
		      "kernel report at console line %zu", rep->line);
		return;
	}
	if (C.action_error[0]) {
		set_v(vd, HPC_V_ERROR, HPC_C_NONE, NULL, "%s", C.action_error);
		return;
	}
	if (C.action_timeout) {
		const struct hpc_action *a = &C.s->actions[C.action_timeout - 1];

		set_v(vd, HPC_V_FAIL, HPC_C_TIMEOUT, NULL,
		      "device_del %s (line %d): no DEVICE_DELETED within %u s",
		      a->target, a->line, a->timeout_s);
		snprintf(vd->title, sizeof(vd->title), "TIMEOUT: device_del %s", a->target);
		return;
	}
	if (!C.hello) {
		if (C.console_lines == 0) {
			qemu_stderr_tail(tail, sizeof(tail));
			set_v(vd, HPC_V_ERROR, HPC_C_NONE, NULL,
			      "no console output from the guest (%s)%s%s", C.why_stop,
			      tail[0] ? ": " : "", tail);
		} else if (C.guest_exited) {
			set_v(vd, HPC_V_ERROR, HPC_C_NONE, NULL,
			      "guest stopped before the agent started (shutdown reason: %s); see console.log",
			      C.shutdown_reason[0] ? C.shutdown_reason : "unknown");
		} else {
			set_v(vd, HPC_V_FAIL, HPC_C_HANG, "HANG: guest did not reach the agent",
			      "%s", C.why_stop);
		}
		return;
	}
	/* Steps, in order: a failed check decides; a step timeout is TIMEOUT. */
	for (int i = 0; i < C.s->nsteps; i++) {
		const struct hpc_step *st = &C.s->steps[i];
		const struct step_result *r = &C.steps[i];

		if (!r->ended)
			continue;
		if (r->st.kind == HPC_ST_TIMEOUT) {
			set_v(vd, HPC_V_FAIL, HPC_C_TIMEOUT, NULL,
			      "step %s (line %d) did not finish within %u s",
			      st->name, st->line, st->timeout_s);
			snprintf(vd->title, sizeof(vd->title), "TIMEOUT: step %s", st->name);
			return;
		}
		if (r->st.kind == HPC_ST_EXIT && r->st.value == 0)
			continue;
		if (st->judged) {
			set_v(vd, HPC_V_FAIL, st->fail_class, NULL,
			      "%s %s (line %d) failed with status %s; see steps.log",
			      hpc_step_kind_name(st->kind), st->name, st->line, r->status);
			snprintf(vd->title, sizeof(vd->title), "%s: %s %s failed",
				 hpc_class_name(st->fail_class),
				 hpc_step_kind_name(st->kind), st->name);
			if (st->kind == HPC_STEP_CHECK)
				known_failures_only(vd, st);
			return;
		}
		if (st->kind != HPC_STEP_EMIT && st->kind != HPC_STEP_WAIT) {
			set_v(vd, HPC_V_ERROR, HPC_C_NONE, NULL,
			      "%s step %s (line %d) failed with status %s; see steps.log",
			      hpc_step_kind_name(st->kind), st->name, st->line, r->status);
			return;
		}
	}
	if (!C.bye) {
		if (C.guest_exited) {
			set_v(vd, HPC_V_FAIL, HPC_C_CRASH, "CRASH: guest reset without a kernel report",
			      "guest stopped before the agent finished (shutdown reason: %s)",
			      C.shutdown_reason[0] ? C.shutdown_reason : "unknown");
		} else {
			set_v(vd, HPC_V_FAIL, HPC_C_HANG, "HANG: guest unresponsive",
			      "%s", C.why_stop);
		}
		return;
	}
	if (C.bye_code != 0) {
		set_v(vd, HPC_V_ERROR, HPC_C_NONE, NULL,
		      "the agent reported an error (BYE %d); see timeline.jsonl", C.bye_code);
		return;
	}
	set_v(vd, HPC_V_PASS, HPC_C_NONE, NULL, "all %d steps done", C.s->nsteps);
}

static void write_ktap(void)
{
	char path[4200];
	FILE *f;
	size_t nk = json_object_array_length(C.ktap_lines);

	snprintf(path, sizeof(path), "%s/ktap.txt", C.dir);
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "KTAP version 1\n1..%d\n", C.s->nsteps);
	if (nk) {
		fputs("# KTAP from the guest:\n", f);
		for (size_t i = 0; i < nk; i++)
			fprintf(f, "    %s\n",
				json_object_get_string(json_object_array_get_idx(C.ktap_lines, i)));
	}
	for (int i = 0; i < C.s->nsteps; i++) {
		const struct step_result *r = &C.steps[i];
		int ok = r->ended && r->st.kind == HPC_ST_EXIT && r->st.value == 0;

		if (!r->ended && C.bye)
			fprintf(f, "ok %d %s # SKIP not run: an earlier step failed\n",
				i + 1, C.s->steps[i].name);
		else if (!r->ended)
			fprintf(f, "not ok %d %s # not finished\n", i + 1, C.s->steps[i].name);
		else
			fprintf(f, "%s %d %s%s%s\n", ok ? "ok" : "not ok", i + 1,
				C.s->steps[i].name, ok ? "" : " # status ",
				ok ? "" : r->status);
	}
	fclose(f);
}

static int write_verdict(const struct verdict *vd, double duration)
{
	struct json_object *o = json_object_new_object(), *g, *steps;
	char path[4200], tmp[4200];

	json_object_object_add(o, "schema", json_object_new_int(1));
	json_object_object_add(o, "scenario", json_object_new_string(C.s->name));
	json_object_object_add(o, "file", json_object_new_string(C.s->file));
	g = json_object_new_array();
	for (int i = 0; i < C.s->ngroups; i++)
		json_object_array_add(g, json_object_new_string(C.s->groups[i]));
	json_object_object_add(o, "groups", g);
	json_object_object_add(o, "run_id", json_object_new_string(C.run_id));
	json_object_object_add(o, "verdict", json_object_new_string(hpc_verdict_name(vd->v)));
	json_object_object_add(o, "class", vd->cls ?
			       json_object_new_string(hpc_class_name(vd->cls)) : NULL);
	json_object_object_add(o, "title", vd->title[0] ?
			       json_object_new_string(vd->title) : NULL);
	json_object_object_add(o, "reason", json_object_new_string(vd->reason));
	json_object_object_add(o, "seed", json_object_new_int64((int64_t)C.seed));
	json_object_object_add(o, "duration_s", json_object_new_double(duration));
	json_object_object_add(o, "interrupted", json_object_new_boolean(C.interrupted));
	json_object_object_add(o, "guest_release", C.release[0] ?
			       json_object_new_string(C.release) : NULL);
	steps = json_object_new_array();
	for (int i = 0; i < C.s->nsteps; i++) {
		struct json_object *st = json_object_new_object();

		json_object_object_add(st, "idx", json_object_new_int(i));
		json_object_object_add(st, "name", json_object_new_string(C.s->steps[i].name));
		json_object_object_add(st, "kind",
				       json_object_new_string(hpc_step_kind_name(C.s->steps[i].kind)));
		json_object_object_add(st, "status", C.steps[i].ended ?
				       json_object_new_string(C.steps[i].status) : NULL);
		json_object_object_add(st, "duration_ms",
				       json_object_new_int64((int64_t)C.steps[i].duration_ms));
		json_object_array_add(steps, st);
	}
	json_object_object_add(o, "steps", steps);
	if (json_object_array_length(C.ktap_lines) > 0) {
		struct hpc_ktap *k = guest_ktap();
		struct json_object *kt = json_object_new_object();
		static const enum hpc_ktap_res res[] = {
			HPC_KTAP_PASS, HPC_KTAP_FAIL, HPC_KTAP_SKIP, HPC_KTAP_XFAIL,
		};

		for (size_t i = 0; k && i < sizeof(res) / sizeof(res[0]); i++) {
			char key[16];
			size_t j;

			for (j = 0; j + 1 < sizeof(key) && hpc_ktap_res_name(res[i])[j]; j++)
				key[j] = (char)tolower((unsigned char)hpc_ktap_res_name(res[i])[j]);
			key[j] = '\0';
			json_object_object_add(kt, key,
					       json_object_new_int64((int64_t)hpc_ktap_count(k, 0, res[i])));
		}
		json_object_object_add(o, "guest_ktap", kt);
		hpc_ktap_free(k);
	}
	{
		const struct hpc_report *rep;
		struct json_object *reps = json_object_new_array();

		for (size_t i = 0; i < hpc_triage_count(C.triage); i++) {
			struct json_object *r = json_object_new_object();

			rep = hpc_triage_get(C.triage, i);
			json_object_object_add(r, "class",
					       json_object_new_string(hpc_class_name(rep->cls)));
			json_object_object_add(r, "title", json_object_new_string(rep->title));
			json_object_object_add(r, "console_line",
					       json_object_new_int64((int64_t)rep->line));
			json_object_array_add(reps, r);
		}
		json_object_object_add(o, "reports", reps);
	}
	snprintf(path, sizeof(path), "%s/verdict.json", C.dir);
	snprintf(tmp, sizeof(tmp), "%s/.verdict.json.tmp", C.dir);
	if (json_object_to_file_ext(tmp, o, JSON_C_TO_STRING_PRETTY) < 0 ||
	    rename(tmp, path) < 0) {
		json_object_put(o);
		fprintf(stderr, "hpc-conductor: cannot write %s\n", path);
		return -1;
	}
	json_object_put(o);
	return 0;
}

/* ---- main loop ---- */

static void handle_signals(void)
{
	struct signalfd_siginfo si;

	while (read(C.sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			reap_guest(0);
		} else {
			C.interrupted = 1;
			stop("interrupted by signal %u", si.ssi_signo);
		}
	}
}

static void loop(void)
{
	double boot_deadline = now_s() + C.s->boot_timeout_s;
	double deadline = now_s() + C.s->timeout_s;

	C.last_heard = now_s();
	while (!C.stop) {
		struct pollfd pfd[4];
		double t;
		int n;

		for (int i = 0; i < SOCK__COUNT; i++) {
			pfd[i].fd = C.fd[i];
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		pfd[3].fd = C.sigfd;
		pfd[3].events = POLLIN;
		pfd[3].revents = 0;
		n = poll(pfd, 4, 50);
		if (n < 0 && errno != EINTR)
			fatal("poll: %s", strerror(errno));
		if (pfd[3].revents & POLLIN)
			handle_signals();
		if ((pfd[SOCK_CONSOLE].revents & (POLLIN | POLLHUP)) &&
		    read_stream(C.fd[SOCK_CONSOLE], &C.console_lb, on_console_line,
				C.console_log, &C.console_bytes) < 0) {
			close(C.fd[SOCK_CONSOLE]);
			C.fd[SOCK_CONSOLE] = -1;
		}
		if ((pfd[SOCK_AGENT].revents & (POLLIN | POLLHUP)) &&
		    read_stream(C.fd[SOCK_AGENT], &C.agent_lb, on_agent_line,
				NULL, NULL) < 0) {
			close(C.fd[SOCK_AGENT]);
			C.fd[SOCK_AGENT] = -1;
		}
		if ((pfd[SOCK_QMP].revents & (POLLIN | POLLHUP)) && hpc_qmp_read(&C.qmp) < 0) {
			close(C.fd[SOCK_QMP]);
			C.fd[SOCK_QMP] = -1;
			C.qmp.fd = -1;
		}
		run_due_actions();
		reap_guest(0);
		t = now_s();
		if (C.guest_exited && C.fd[SOCK_CONSOLE] < 0 && C.fd[SOCK_AGENT] < 0) {
			stop("guest exited");
		} else if (C.guest_exited && t - C.bye_at > 2 && C.bye) {
			stop("guest exited after BYE");
		} else if (!C.hello && t > boot_deadline) {
			stop("no HELLO from the agent within %u s", C.s->boot_timeout_s);
		} else if (C.hello && !C.bye && t - C.last_heard > C.heartbeat_s) {
			stop("no word from the agent for %u s", C.heartbeat_s);
		} else if (t > deadline) {
			stop("scenario did not finish within %u s", C.s->timeout_s);
		} else if (C.bye && t - C.bye_at > POWEROFF_GRACE_S) {
			stop("guest did not power off within %d s of BYE", POWEROFF_GRACE_S);
		} else if (C.report_grace_s && !C.bye && hpc_triage_primary(C.triage)) {
			/*
			 * The verdict is FAIL now whatever follows: keep the
			 * console a little longer for the rest of the report,
			 * then stop instead of waiting out step timeouts.
			 */
			if (!C.report_at)
				C.report_at = t;
			else if (t - C.report_at > C.report_grace_s)
				stop("stopped %u s after the first kernel report",
				     C.report_grace_s);
		}
	}
	/* drain what is already buffered */
	hpc_linebuf_flush(&C.console_lb, on_console_line, NULL);
}

static FILE *open_out(const char *name)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", C.dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		fatal("cannot create %s: %s", path, strerror(errno));
	return fdopen(fd, "w");
}

static void usage(FILE *f)
{
	fputs("usage: hpc-conductor --scenario FILE --dir RUNDIR --guest-argv FILE\n"
	      "                     [--run-id ID] [--seed N] [--kconfig FILE]\n"
	      "                     [--modules FILE]\n"
	      "                     [--heartbeat SECONDS] [--report-grace SECONDS]\n", f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "dir", required_argument, NULL, 'd' },
		{ "guest-argv", required_argument, NULL, 'g' },
		{ "run-id", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 'S' },
		{ "kconfig", required_argument, NULL, 'k' },
		{ "modules", required_argument, NULL, 'm' },
		{ "heartbeat", required_argument, NULL, 'H' },
		{ "report-grace", required_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static struct hpc_scenario scn;
	const char *scn_file = NULL, *argv_file = NULL;
	char **guest_argv;
	struct verdict vd = { 0 };
	char reason[512];
	sigset_t mask;
	int c, connected;

	clock_gettime(CLOCK_MONOTONIC, &C.t0);
	C.run_id = "";
	C.heartbeat_s = 60;
	C.report_grace_s = 15;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': scn_file = optarg; break;
		case 'd': C.dir = optarg; break;
		case 'g': argv_file = optarg; break;
		case 'r': C.run_id = optarg; break;
		case 'S': C.seed = strtoull(optarg, NULL, 10); break;
		case 'k': C.kconfig = optarg; break;
		case 'm': C.modules = optarg; break;
		case 'H': C.heartbeat_s = (unsigned int)atoi(optarg); break;
		case 'G': C.report_grace_s = (unsigned int)atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!scn_file || !C.dir || !argv_file || optind != argc || C.heartbeat_s < 5) {
		usage(stderr);
		return 2;
	}
	if (hpc_scenario_load(scn_file, &scn, stderr, 20) < 0)
		return 2;
	C.s = &scn;
	C.ktap_lines = json_object_new_array();
	C.triage = hpc_triage_new();
	for (int i = 0; i < SOCK__COUNT; i++)
		C.fd[i] = C.lfd[i] = -1;

	if (hpc_scenario_check_reqs(&scn, C.kconfig, C.modules, reason, sizeof(reason))) {
		set_v(&vd, HPC_V_SKIP, HPC_C_NONE, NULL, "%s", reason);
		write_verdict(&vd, now_s());
		return 0;
	}

	C.console_log = open_out("console.log");
	C.timeline = open_out("timeline.jsonl");
	C.steps_log = open_out("steps.log");
	C.qmp_log = open_out("qmp.log");
	if (hpc_linebuf_init(&C.console_lb, CONSOLE_MAX_LINE) < 0 ||
	    hpc_linebuf_init(&C.agent_lb, HPC_PROTO_MAX_LINE - 1) < 0)
		fatal("out of memory");

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	C.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (C.sigfd < 0)
		fatal("signalfd: %s", strerror(errno));
	/* If the runner dies, even by SIGKILL, we hear SIGTERM and clean up. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1) {
		C.interrupted = 1;
		stop("the runner is gone");
	}

	guest_argv = read_argv(argv_file);
	/* Work inside the run directory: short socket paths, relative files. */
	if (chdir(C.dir) < 0)
		fatal("cannot enter %s: %s", C.dir, strerror(errno));
	C.dir = ".";
	for (int i = 0; i < SOCK__COUNT; i++) {
		char path[4200];

		snprintf(path, sizeof(path), "%s/%s", C.dir, sock_names[i]);
		C.lfd[i] = listen_unix(path);
	}
	tl_host("start", "scenario %s, seed %llu, run %s", scn.name, C.seed, C.run_id);
	connected = 0;
	if (!C.stop) {
		spawn_guest(guest_argv);
		connected = accept_all() == 0;
	}
	free(guest_argv);
	for (int i = 0; i < SOCK__COUNT; i++) {
		char path[4200];

		close(C.lfd[i]);
		snprintf(path, sizeof(path), "%s/%s", C.dir, sock_names[i]);
		unlink(path);
	}
	if (connected) {
		hpc_qmp_init(&C.qmp, C.fd[SOCK_QMP], C.qmp_log, now_s);
		C.qmp.on_msg = on_qmp;
		loop();
	}
	kill_guest();
	hpc_triage_finish(C.triage);
	judge(&vd, connected);
	tl_host("verdict", "%s%s%s%s%s", hpc_verdict_name(vd.v), vd.cls ? " " : "",
		hpc_class_name(vd.cls), vd.title[0] ? ": " : "", vd.title);
	write_verdict(&vd, now_s());
	write_ktap();
	if (C.interrupted)
		return 130;
	switch (vd.v) {
	case HPC_V_FAIL:
		return 1;
	case HPC_V_ERROR:
		return 3;
	default:
		return 0;
	}
}
