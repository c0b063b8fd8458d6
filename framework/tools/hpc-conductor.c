// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-conductor: runs one scenario on one guest and judges it.
 *
 * It listens on three unix sockets in the run directory (console, agent,
 * QMP), spawns the guest command the backend wrote (QEMU connects to the
 * sockets as a client), sends the scenario's steps to the guest agent, fires
 * host actions when their trigger events arrive (a guest event only when the
 * scenario lets the guest send it), records one timeline and writes
 * verdict.json. The guest is always killed and reaped before exit. The
 * verdict itself is lib/verdict.c's hpc_judge(), from what the run saw;
 * verdict.json is made and written by lib/verdict.c too.
 *
 * Host actions fire at their planned times (the poll timeout is the time to
 * the next one); their drawn delays come from the seed (lib/scenario.c), and
 * verdict.json records the schedule that ran. Outcome events ("outcome
 * reset|revoke") decide PASS, RESET or FAIL of an otherwise fine run, by
 * the scenario's expect line.
 *
 * Usage: hpc-conductor --scenario FILE --dir RUNDIR --guest-argv FILE
 *                      [--run-id ID] [--seed N] [--kconfig FILE]
 *                      [--modules FILE] [--heartbeat S] [--report-grace S]
 *                      [--timeline-max BYTES]
 *        hpc-conductor --scenario FILE --seed N --print-schedule
 *        hpc-conductor --scenario FILE --seed N --check-schedule VERDICT
 * Exit: 0 PASS/RESET/XFAIL/SKIP, 1 FAIL, 3 ERROR, 2 usage, 130 interrupted.
 * --check-schedule: 0 the recorded delays are those the seed gives, 1 not
 * (or none recorded), 2 unreadable.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
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

#include "hpc/linebuf.h"
#include "hpc/kmsg.h"
#include "hpc/ktap.h"
#include "hpc/proto.h"
#include "hpc/qmp.h"
#include "hpc/scenario.h"
#include "hpc/triage.h"
#include "hpc/verdict.h"

#define CONSOLE_MAX_LINE	4096
#define CONSOLE_MAX_BYTES	(64L << 20)	/* console.log cap */
#define OUT_MAX_BYTES		(16L << 20)	/* steps.log cap */
#define KTAP_MAX_BYTES		(8L << 20)	/* guest KTAP kept (ktap.txt, XFAIL) */
#define KTAP_MAX_LINES		100000
#define TIMELINE_MAX_BYTES	(128L << 20)	/* timeline.jsonl cap (default) */
#define TIMELINE_MIN_BYTES	(64L << 10)
#define CONNECT_TIMEOUT_S	30
#define POWEROFF_GRACE_S	30
#define SCHED_RECORD		100	/* firings per action kept for verdict.json */
#define MAX_OUTCOMES		16	/* outcome events kept */
#define AGENT_SILENT_S		5	/* no agent line for this long: it is not forwarding */

enum sock_id { SOCK_CONSOLE, SOCK_AGENT, SOCK_QMP, SOCK__COUNT };
static const char *const sock_names[SOCK__COUNT] = {
	"console.sock", "agent.sock", "qmp.sock",
};

struct firing {				/* one firing of a host action */
	unsigned int delay_ms;		/* drawn delay before it */
	double planned, real;		/* host clock, s since the start */
};

/*
 * A host action's schedule: armed by its trigger, then pending until its
 * next firing is due; a repeating action stays armed until its count.
 */
struct act_state {
	int armed, pending;
	char trigger[HPC_SCN_NAME];
	double trigger_t;		/* when the trigger happened */
	unsigned int k;			/* the next firing's number */
	unsigned int delay_ms;		/* its drawn delay */
	double due;			/* its planned time */
	unsigned int fired;		/* firings done */
	struct firing rec[SCHED_RECORD];
};

struct del_wait {			/* device_del waiting for DEVICE_DELETED */
	int action;
	double deadline;
	int active;
	/* until=unplugged: qom-list of /machine/peripheral every DEL_PROBE_S */
	double started, probe_at;
	int probe_id;			/* QMP id of the probe in flight, 0: none */
};

#define DEL_PROBE_S 0.25

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

	FILE *console_log, *timeline, *steps_log, *qmp_log, *kmsg_log;
	long console_bytes, out_bytes, kmsg_bytes;
	size_t console_lines;
	struct hpc_linebuf console_lb, agent_lb;
	struct hpc_triage *triage;
	struct hpc_kmerge *kmerge;	/* kernel records + console -> triage */
	struct hpc_qmp qmp;

	/* guest state */
	int hello, bye, bye_code, plan_sent;
	double last_heard, bye_at;
	char release[HPC_PROTO_MAX_NAME + 1];
	struct hpc_step_result steps[HPC_SCN_MAX_STEPS];
	struct json_object *ktap_lines;	/* per step: array of guest KTAP lines */
	long ktap_bytes;		/* their size, up to KTAP_MAX_BYTES */
	unsigned long ktap_cut;		/* lines dropped */
	long timeline_bytes;		/* up to timeline_max */
	long timeline_max;		/* --timeline-max */
	unsigned long timeline_dropped;	/* records not written */
	char shutdown_reason[64];
	char console_last[160];	/* the last console line, for a boot that stalled */
	double console_last_t;
	int boot_bound;		/* stopped at the boot bound without HELLO */
	struct hpc_outcome_event outcomes[MAX_OUTCOMES];
	int noutcomes;			/* kept */
	unsigned int outcomes_total;	/* received */

	/* host actions */
	struct act_state act[HPC_SCN_MAX_ACTIONS];
	double hello_t;			/* when the agent said HELLO */
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

static struct json_object *tl_new(const char *src);

/*
 * Records that are still written when the timeline is full: the end of the
 * run (at most one of each), so that the cut timeline still says how the
 * run ended.
 */
static int tl_always(struct json_object *o)
{
	struct json_object *src, *type;
	const char *t;

	if (!json_object_object_get_ex(o, "src", &src) ||
	    strcmp(json_object_get_string(src), "host") ||
	    !json_object_object_get_ex(o, "type", &type))
		return 0;
	t = json_object_get_string(type);
	return !strcmp(t, "stop") || !strcmp(t, "verdict");
}

/*
 * One record. timeline.jsonl holds at most C.timeline_max bytes: past that,
 * one "truncated" record says so, and later records are counted
 * (verdict.json "timeline_dropped"), not written.
 */
static void tl_emit(struct json_object *o)
{
	const char *s;
	size_t n;

	if (!C.timeline) {
		json_object_put(o);
		return;
	}
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	n = strlen(s) + 1;
	if (C.timeline_bytes + (long)n > C.timeline_max && !tl_always(o)) {
		if (!C.timeline_dropped++) {
			struct json_object *m = tl_new("host");

			json_object_object_add(m, "type", json_object_new_string("truncated"));
			json_object_object_add(m, "text", json_object_new_string(
				"timeline.jsonl is full: later records are dropped (counted in verdict.json timeline_dropped)"));
			fprintf(C.timeline, "%s\n",
				json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN));
			fflush(C.timeline);
			json_object_put(m);
		}
		json_object_put(o);
		return;
	}
	fprintf(C.timeline, "%s\n", s);
	fflush(C.timeline);
	C.timeline_bytes += (long)n;
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

enum ev_from { EV_HOST, EV_GUEST };

static void event(const char *name, enum ev_from from);

static void host_event(const char *name)
{
	char line[HPC_PROTO_MAX_NAME + 8];

	snprintf(line, sizeof(line), "EV %s\n", name);
	send_guest(line);
	event(name, EV_HOST);
}

static const char *action_name(const struct hpc_action *a)
{
	static const char *const names[] = {
		[HPC_ACT_DEVICE_ADD] = "device_add", [HPC_ACT_DEVICE_DEL] = "device_del",
		[HPC_ACT_QOM_SET] = "qom-set",	     [HPC_ACT_SIGNAL] = "signal",
	};
	return names[a->kind];
}

/* Milliseconds, rounded to microseconds, as a JSON number. */
static struct json_object *j_ms(double seconds)
{
	char buf[48];
	double ms = (double)(int64_t)(seconds * 1e6 + (seconds < 0 ? -0.5 : 0.5)) / 1e3;

	snprintf(buf, sizeof(buf), "%.3f", ms);
	return json_object_new_double_s(ms, buf);
}

/* Seconds, rounded to microseconds, as a JSON number. */
static struct json_object *j_s(double seconds)
{
	char buf[48];
	double s = (double)(int64_t)(seconds * 1e6 + (seconds < 0 ? -0.5 : 0.5)) / 1e6;

	snprintf(buf, sizeof(buf), "%.6f", s);
	return json_object_new_double_s(s, buf);
}

/*
 * A qom-set value that is a number (hpc_size_parse(): digits, optional
 * K/M/G/T), sent as a JSON integer: QOM uint64 and int properties such as
 * virtio-mem's requested-size refuse strings.
 */
static int qom_number(const char *v, int64_t *out)
{
	unsigned long long b;

	if (hpc_size_parse(v, &b, NULL))
		return 0;
	*out = (int64_t)b;
	return 1;
}

/* What an action acts on: the device, the QOM path, the signalled event. */
static const char *action_target(const struct hpc_action *a)
{
	return a->kind == HPC_ACT_SIGNAL ? a->emit :
	       a->kind == HPC_ACT_QOM_SET ? a->path : a->target;
}

static void fire(int ai)
{
	const struct hpc_action *a = &C.s->actions[ai];
	struct act_state *as = &C.act[ai];
	struct json_object *o = tl_new("host"), *args = NULL;
	const char *cmd = NULL;
	double real = now_s();

	if (as->fired < SCHED_RECORD) {
		as->rec[as->fired].delay_ms = as->delay_ms;
		as->rec[as->fired].planned = as->due;
		as->rec[as->fired].real = real;
	}
	as->fired++;
	json_object_object_add(o, "type", json_object_new_string("action"));
	json_object_object_add(o, "action", json_object_new_string(action_name(a)));
	json_object_object_add(o, "trigger", json_object_new_string(as->trigger));
	json_object_object_add(o, "line", json_object_new_int(a->line));
	json_object_object_add(o, "idx", json_object_new_int(ai));
	json_object_object_add(o, "firing", json_object_new_int((int)as->k));
	json_object_object_add(o, "delay_ms", json_object_new_int64(as->delay_ms));
	json_object_object_add(o, "trigger_t", j_s(as->trigger_t));
	json_object_object_add(o, "planned_t", j_s(as->due));
	json_object_object_add(o, "late_ms", j_ms(real - as->due));

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
		C.dels[ai].started = now_s();
		C.dels[ai].probe_at = now_s() + DEL_PROBE_S;
		C.dels[ai].probe_id = 0;
		if (a->until_unplugged)
			json_object_object_add(o, "until", json_object_new_string("unplugged"));
		break;
	case HPC_ACT_QOM_SET: {
		int64_t num;

		args = json_object_new_object();
		json_object_object_add(args, "path", json_object_new_string(a->path));
		json_object_object_add(args, "property", json_object_new_string(a->prop));
		if (strcmp(a->value, "true") == 0 || strcmp(a->value, "false") == 0)
			json_object_object_add(args, "value",
					       json_object_new_boolean(a->value[0] == 't'));
		else if (qom_number(a->value, &num))
			json_object_object_add(args, "value", json_object_new_int64(num));
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

/*
 * May this event from the guest arm actions? NULL: yes. Otherwise why not
 * ("" for the agent's own events, which are in the timeline already and
 * never trigger anything). The guest may send only what the scenario lets
 * it: an `emit` step's name, a name its `guest-events` declares, and
 * `outcome`. Host events (`boot`, ID:added, ID:deleted, every `emit=` and
 * `signal` of a host action) come only from the host side, even when a
 * guest-side name says the same.
 */
static const char *guest_event_refusal(const char *name)
{
	static const char agent[] = HPC_EV_AGENT_PREFIX;
	const struct hpc_scenario *s = C.s;

	if (strncmp(name, agent, sizeof(agent) - 1) == 0)
		return "";
	if (strcmp(name, "boot") == 0)
		return "a host event: only the host says it";
	for (int i = 0; i < s->nactions; i++)
		if (strcmp(s->actions[i].emit, name) == 0)
			return "a host event: only the host says it";
	if (strcmp(name, HPC_EV_OUTCOME) == 0)
		return NULL;
	for (int i = 0; i < s->nsteps; i++)
		if (s->steps[i].kind == HPC_STEP_EMIT && strcmp(s->steps[i].name, name) == 0)
			return NULL;
	for (int i = 0; i < s->nguest_events; i++)
		if (strcmp(s->guest_events[i], name) == 0)
			return NULL;
	return "not an emit step of the scenario, and no guest-events line declares it";
}

/*
 * An event happened (host: HELLO, a host action done; guest: an emit step,
 * a program's event): arm the matching actions. A guest event the scenario
 * does not allow the guest is recorded as refused and arms nothing.
 */
static void event(const char *name, enum ev_from from)
{
	double t = now_s();

	if (from == EV_GUEST) {
		const char *why = guest_event_refusal(name);

		if (why) {
			if (why[0])
				tl_host("refused-event", "guest event %s refused: %s",
					name, why);
			return;
		}
	}
	for (int i = 0; i < C.s->nactions; i++) {
		const struct hpc_action *a = &C.s->actions[i];
		struct act_state *as = &C.act[i];

		if (as->armed || strcmp(a->on, name))
			continue;
		as->armed = 1;
		as->pending = 1;
		snprintf(as->trigger, sizeof(as->trigger), "%s", name);
		as->trigger_t = t;
		as->k = 0;
		as->delay_ms = hpc_action_delay_ms(a, C.seed, (unsigned int)i, 0);
		as->due = t + as->delay_ms / 1000.0;
	}
}

/* The pending action due first (-1 if none); ties go to the lower index. */
static int next_due(void)
{
	int best = -1;

	for (int i = 0; i < C.s->nactions; i++)
		if (C.act[i].pending && (best < 0 || C.act[i].due < C.act[best].due))
			best = i;
	return best;
}

/*
 * device_del until=unplugged: ask QEMU every DEL_PROBE_S whether the device
 * is still in /machine/peripheral (qom-list), once QEMU has answered the
 * device_del itself. on_qmp() reads the answer (del_probe_answer()).
 */
static void probe_unplugged(int i, double t)
{
	struct json_object *args;

	/* no probe once QMP or the guest is gone: that ends the run itself */
	if (!C.s->actions[i].until_unplugged || C.dels[i].probe_id ||
	    C.qmp_ids[i] || t < C.dels[i].probe_at || !C.qmp.ready ||
	    C.qmp.fd < 0 || C.stop || C.guest_exited)
		return;
	args = json_object_new_object();
	json_object_object_add(args, "path", json_object_new_string("/machine/peripheral"));
	C.dels[i].probe_id = hpc_qmp_send(&C.qmp, "qom-list", args);
	if (C.dels[i].probe_id < 0) {
		C.dels[i].probe_id = 0;
		snprintf(C.action_error, sizeof(C.action_error),
			 "device_del %s (line %d): QMP write failed",
			 C.s->actions[i].target, C.s->actions[i].line);
		stop("%s", C.action_error);
	}
}

/* The answer to a probe: 1 if it was one (handled), else 0. */
static int del_probe_answer(int id, struct json_object *msg)
{
	for (int i = 0; i < C.s->nactions; i++) {
		const struct hpc_action *a = &C.s->actions[i];
		struct json_object *ret, *name;
		int present = 0;
		size_t n;

		if (!C.dels[i].probe_id || C.dels[i].probe_id != id)
			continue;
		C.dels[i].probe_id = 0;
		C.dels[i].probe_at = now_s() + DEL_PROBE_S;
		if (!C.dels[i].active)
			return 1;
		if (!json_object_object_get_ex(msg, "return", &ret) ||
		    !json_object_is_type(ret, json_type_array)) {
			snprintf(C.action_error, sizeof(C.action_error),
				 "device_del %s (line %d): qom-list /machine/peripheral failed",
				 a->target, a->line);
			C.dels[i].active = 0;
			tl_host("action-error", "%s", C.action_error);
			stop("host action failed");
			return 1;
		}
		n = json_object_array_length(ret);
		for (size_t k = 0; k < n && !present; k++)
			present = json_object_object_get_ex(json_object_array_get_idx(ret, k),
							    "name", &name) &&
				  strcmp(json_object_get_string(name), a->target) == 0;
		if (present)
			return 1;
		C.dels[i].active = 0;
		tl_host("unplugged",
			"device_del %s: gone from /machine/peripheral %.3f s after device_del (no DEVICE_DELETED yet)",
			a->target, now_s() - C.dels[i].started);
		if (a->emit[0])
			host_event(a->emit);
		return 1;
	}
	return 0;
}

static void run_due_actions(void)
{
	double t = now_s();
	int ai;

	/*
	 * The scenario ends with BYE: nothing fires after it. Firings are
	 * planned from the previous planned time, so a late one does not
	 * shift the rest; one that is already due fires at once.
	 */
	while (!C.bye && !C.stop && C.qmp.ready && (ai = next_due()) >= 0 &&
	       C.act[ai].due <= now_s()) {
		const struct hpc_action *a = &C.s->actions[ai];
		struct act_state *as = &C.act[ai];

		fire(ai);
		if (as->k + 1 < a->count) {
			as->k++;
			as->delay_ms = hpc_action_delay_ms(a, C.seed, (unsigned int)ai, as->k);
			as->due += as->delay_ms / 1000.0;
		} else {
			as->pending = 0;
		}
	}
	for (int i = 0; i < C.s->nactions; i++) {
		if (!C.dels[i].active)
			continue;
		if (C.dels[i].deadline > t) {
			probe_unplugged(i, t);
			continue;
		}
		C.dels[i].active = 0;
		C.action_timeout = i + 1;
		tl_host("timeout", C.s->actions[i].until_unplugged ?
			"device_del %s: still in /machine/peripheral after %u s" :
			"device_del %s: no DEVICE_DELETED within %u s",
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
		const char *name = json_object_is_type(ev, json_type_string) ?
				   json_object_get_string(ev) : "";
		struct json_object *o = tl_new("qmp");

		json_object_object_add(o, "event", json_object_new_string(name));
		if (json_object_object_get_ex(msg, "data", &data))
			json_object_object_add(o, "data", json_object_get(data));
		tl_emit(o);
		if (strcmp(name, "DEVICE_DELETED") == 0 &&
		    json_object_object_get_ex(msg, "data", &data) &&
		    json_object_object_get_ex(data, "device", &id) &&
		    json_object_is_type(id, json_type_string)) {
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
		    json_object_object_get_ex(data, "reason", &id) &&
		    json_object_is_type(id, json_type_string))
			snprintf(C.shutdown_reason, sizeof(C.shutdown_reason), "%s",
				 json_object_get_string(id));
		return;
	}
	if (!json_object_object_get_ex(msg, "id", &id))
		return;
	if (del_probe_answer(json_object_get_int(id), msg))
		return;
	for (int i = 0; i < C.s->nactions; i++) {
		const struct hpc_action *a = &C.s->actions[i];

		if (C.qmp_ids[i] <= 0 || C.qmp_ids[i] != json_object_get_int(id))
			continue;
		C.qmp_ids[i] = 0;
		if (json_object_object_get_ex(msg, "error", &err)) {
			struct json_object *desc;
			const char *d = "?";

			if (json_object_object_get_ex(err, "desc", &desc) &&
			    json_object_is_type(desc, json_type_string))
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
	hpc_kmerge_console(C.kmerge, clean, n);
	if (n) {
		snprintf(C.console_last, sizeof(C.console_last), "%.*s", (int)n, clean);
		C.console_last_t = now_s();
	}
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

/*
 * "outcome WORD [text]" from a program in the guest: how a device loss
 * ended. Untrusted: the word is kept (printable, cut) and judged later.
 */
static void outcome_event(const char *text)
{
	size_t n = strcspn(text, " \t");
	struct hpc_outcome_event *oc;

	C.outcomes_total++;
	if (C.noutcomes == MAX_OUTCOMES)
		return;
	oc = &C.outcomes[C.noutcomes++];
	if (n >= sizeof(oc->word))
		n = sizeof(oc->word) - 1;
	memcpy(oc->word, text, n);
	oc->word[n] = '\0';
	oc->word[hpc_sanitize(oc->word, n)] = '\0';
	oc->what = hpc_outcome_parse(oc->word);
	oc->t = now_s();
}

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

/*
 * kmsg.log: the kernel log records the agent forwarded, one per line as
 * received ("prio,seq,ts,flags;text"), and "lost N" lines; capped like
 * console.log.
 */
static void kmsg_log_line(const char *s)
{
	if (!C.kmsg_log || C.kmsg_bytes >= CONSOLE_MAX_BYTES)
		return;
	C.kmsg_bytes += fprintf(C.kmsg_log, "%s\n", s);
	fflush(C.kmsg_log);
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
	if (m.type == HPC_MSG_KMSG) {
		/* the kernel log: triaged, kept out of the timeline (the
		 * console has the same lines); a bad record is shown there */
		static struct hpc_kmsg rec;

		if (hpc_kmsg_parse(m.text, m.text_len, &rec) == 0) {
			hpc_kmerge_record(C.kmerge, &rec);
			kmsg_log_line(m.text);
			json_object_put(o);
			return;
		}
		json_object_object_add(o, "type", json_object_new_string("invalid"));
		json_object_object_add(o, "raw", json_object_new_string_len(m.text,
			(int)(m.text_len < 128 ? m.text_len : 128)));
		tl_emit(o);
		return;
	}
	if (m.type == HPC_MSG_KMSG_LOST) {
		hpc_kmerge_lost(C.kmerge, m.lost);
		snprintf(m.text, sizeof(m.text), "lost %llu", (unsigned long long)m.lost);
		kmsg_log_line(m.text);
		json_object_object_add(o, "type", json_object_new_string("KMSGLOST"));
		json_object_object_add(o, "lost", json_object_new_int64(
			m.lost > INT64_MAX ? INT64_MAX : (int64_t)m.lost));
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
			C.hello_t = now_s();
			snprintf(C.release, sizeof(C.release), "%s", m.release);
			send_plan();
			event("boot", EV_HOST);	/* the conductor saw HELLO */
		}
		return;
	case HPC_MSG_PING:
		json_object_put(o);	/* heartbeats stay out of the timeline */
		return;
	case HPC_MSG_EV:
		json_object_object_add(o, "name", json_object_new_string(m.name));
		json_object_object_add(o, "text", json_object_new_string(m.text));
		tl_emit(o);
		if (strcmp(m.name, HPC_EV_OUTCOME) == 0)
			outcome_event(m.text);
		event(m.name, EV_GUEST);
		return;
	case HPC_MSG_STEP_START:
	case HPC_MSG_STEP_END:
		json_object_object_add(o, "idx", json_object_new_int(m.idx));
		if (m.idx < C.s->nsteps) {
			struct hpc_step_result *r = &C.steps[m.idx];

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
		/* what is kept is a prefix: once a line is dropped, so is the rest */
		if (!C.ktap_cut && json_object_array_length(C.ktap_lines) < KTAP_MAX_LINES &&
		    C.ktap_bytes + (long)m.text_len + 1 <= KTAP_MAX_BYTES) {
			json_object_array_add(C.ktap_lines, json_object_new_string(m.text));
			C.ktap_bytes += (long)m.text_len + 1;
		} else if (!C.ktap_cut++) {
			tl_host("truncated",
				"guest KTAP: more than %d lines or %ld bytes; the rest is dropped (and cannot be XFAIL)",
				KTAP_MAX_LINES, KTAP_MAX_BYTES);
		}
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

/*
 * A file of the run for writing, private like the run directory (0600 even
 * if it existed). NULL with errno set on failure.
 */
static FILE *open_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f;

	if (fd < 0)
		return NULL;
	if (fchmod(fd, 0600) < 0 || !(f = fdopen(fd, "w"))) {
		int e = errno;

		close(fd);
		errno = e;
		return NULL;
	}
	return f;
}

/* ---- verdict ---- */

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

/* Where a report is: its kernel log record and/or console line. */
static void report_where(const struct hpc_report *rep, char *buf, size_t cap)
{
	size_t cl = rep->src == HPC_SRC_KMSG ?
		hpc_kmerge_console_line(C.kmerge, rep->line) : rep->line;

	if (rep->src == HPC_SRC_KMSG && cl)
		snprintf(buf, cap, "in kernel log record %zu (/dev/kmsg), console line %zu",
			 rep->line, cl);
	else if (rep->src == HPC_SRC_KMSG)
		snprintf(buf, cap, "in kernel log record %zu (/dev/kmsg)", rep->line);
	else
		snprintf(buf, cap, "at console line %zu (console only)", cl);
}

/* verdict.json fields of a report: where it came from (docs/verdicts.md). */
static void report_json(struct json_object *r, const struct hpc_report *rep)
{
	size_t cl = rep->src == HPC_SRC_KMSG ?
		hpc_kmerge_console_line(C.kmerge, rep->line) : rep->line;

	json_object_object_add(r, "source", json_object_new_string(
		rep->src == HPC_SRC_KMSG ? "kmsg" : "console"));
	if (rep->src == HPC_SRC_KMSG)
		json_object_object_add(r, "kmsg_seq", json_object_new_int64((int64_t)rep->line));
	json_object_object_add(r, "console_line", cl ? json_object_new_int64((int64_t)cl) : NULL);
}

/* What the run saw, for lib/verdict.c's hpc_judge(). */
static void judge(struct hpc_decision *vd, int connected)
{
	const struct hpc_report *rep = hpc_triage_primary(C.triage);
	struct hpc_ktap *k = json_object_array_length(C.ktap_lines) ? guest_ktap() : NULL;
	char tail[400];
	char where[200] = "";
	struct hpc_judge_in in = {
		.s = C.s,
		.interrupted = C.interrupted,
		.connected = connected,
		.why_stop = C.why_stop,
		.qemu_tail = tail,
		.report = rep != NULL,
		.report_cls = rep ? rep->cls : HPC_C_NONE,
		.report_title = rep ? rep->title : NULL,
		.report_line = rep ? rep->line : 0,
		.report_where = where,
		.action_error = C.action_error,
		.action_timeout = C.action_timeout,
		.hello = C.hello,
		.console_lines = C.console_lines,
		.boot_bound = C.boot_bound,
		.boot_timeout_s = C.s->boot_timeout_s,
		.console_last = C.console_last,
		.console_silent_s = C.console_last_t > 0 ? now_s() - C.console_last_t : 0,
		.guest_exited = C.guest_exited,
		.guest_signal = C.guest_exited && WIFSIGNALED(C.guest_status) ?
				WTERMSIG(C.guest_status) : 0,
		.shutdown_reason = C.shutdown_reason,
		.steps = C.steps,
		.bye = C.bye,
		.bye_code = C.bye_code,
		.outcomes = C.outcomes,
		.noutcomes = C.noutcomes,
		.ktap = k,
		.ktap_cut = C.ktap_cut,
	};

	if (rep)
		report_where(rep, where, sizeof(where));
	qemu_stderr_tail(tail, sizeof(tail));
	hpc_judge(&in, vd);
	hpc_ktap_free(k);
}

static void write_ktap(void)
{
	char path[4200];
	FILE *f;
	size_t nk = json_object_array_length(C.ktap_lines);

	snprintf(path, sizeof(path), "%s/ktap.txt", C.dir);
	f = open_private(path);
	if (!f)
		return;
	fprintf(f, "KTAP version 1\n1..%d\n", C.s->nsteps);
	if (nk) {
		fputs("# KTAP from the guest:\n", f);
		for (size_t i = 0; i < nk; i++)
			fprintf(f, "    %s\n",
				json_object_get_string(json_object_array_get_idx(C.ktap_lines, i)));
		if (C.ktap_cut)
			fprintf(f, "# KTAP from the guest truncated: %lu more lines dropped (at most %d lines, %ld bytes are kept)\n",
				C.ktap_cut, KTAP_MAX_LINES, KTAP_MAX_BYTES);
	}
	for (int i = 0; i < C.s->nsteps; i++) {
		const struct hpc_step_result *r = &C.steps[i];
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

/* One firing of the schedule, for verdict.json. */
static struct json_object *firing_json(unsigned int k, unsigned int delay_ms,
				       double trigger_t, double planned,
				       const double *real)
{
	struct json_object *f = json_object_new_object();

	json_object_object_add(f, "firing", json_object_new_int((int)k));
	json_object_object_add(f, "delay_ms", json_object_new_int64(delay_ms));
	json_object_object_add(f, "planned_s", j_s(planned));
	json_object_object_add(f, "planned_since_trigger_ms", j_ms(planned - trigger_t));
	if (real) {
		json_object_object_add(f, "real_s", j_s(*real));
		json_object_object_add(f, "since_trigger_ms", j_ms(*real - trigger_t));
		json_object_object_add(f, "late_ms", j_ms(*real - planned));
	}
	return f;
}

/*
 * The concrete schedule that ran: per action its timing as written, its
 * trigger, and every firing with the drawn delay and the planned and the
 * real time (s since the conductor started, and ms since the trigger). A
 * firing that was due but never came (the scenario ended) is "unfired".
 */
static struct json_object *schedule_json(void)
{
	struct json_object *arr = json_object_new_array();

	for (int i = 0; i < C.s->nactions; i++) {
		const struct hpc_action *a = &C.s->actions[i];
		const struct act_state *as = &C.act[i];
		struct json_object *o = json_object_new_object(), *fs;
		char timing[96];

		hpc_action_timing(a, timing, sizeof(timing));
		json_object_object_add(o, "idx", json_object_new_int(i));
		json_object_object_add(o, "line", json_object_new_int(a->line));
		json_object_object_add(o, "on", json_object_new_string(a->on));
		json_object_object_add(o, "at", json_object_new_boolean(a->at));
		json_object_object_add(o, "timing", json_object_new_string(timing));
		json_object_object_add(o, "action", json_object_new_string(action_name(a)));
		json_object_object_add(o, "target", json_object_new_string(action_target(a)));
		if (a->until_unplugged)
			json_object_object_add(o, "until", json_object_new_string("unplugged"));
		json_object_object_add(o, "count", json_object_new_int((int)a->count));
		json_object_object_add(o, "trigger", as->armed ?
				       json_object_new_string(as->trigger) : NULL);
		json_object_object_add(o, "trigger_s", as->armed ? j_s(as->trigger_t) : NULL);
		json_object_object_add(o, "fired", json_object_new_int((int)as->fired));
		fs = json_object_new_array();
		for (unsigned int k = 0; k < as->fired && k < SCHED_RECORD; k++)
			json_object_array_add(fs, firing_json(k, as->rec[k].delay_ms,
							      as->trigger_t,
							      as->rec[k].planned,
							      &as->rec[k].real));
		json_object_object_add(o, "firings", fs);
		if (as->fired > SCHED_RECORD)
			json_object_object_add(o, "firings_not_listed",
					       json_object_new_int((int)(as->fired - SCHED_RECORD)));
		if (as->pending)
			json_object_object_add(o, "unfired",
					       firing_json(as->k, as->delay_ms, as->trigger_t,
							   as->due, NULL));
		json_object_array_add(arr, o);
	}
	return arr;
}

static int write_verdict(const struct hpc_decision *vd, double duration)
{
	struct json_object *o = hpc_verdict_json_new(vd), *g, *steps;

	if (!o)
		fatal("out of memory");
	json_object_object_add(o, "scenario", json_object_new_string(C.s->name));
	json_object_object_add(o, "file", json_object_new_string(C.s->file));
	g = json_object_new_array();
	for (int i = 0; i < C.s->ngroups; i++)
		json_object_array_add(g, json_object_new_string(C.s->groups[i]));
	json_object_object_add(o, "groups", g);
	json_object_object_add(o, "run_id", json_object_new_string(C.run_id));
	json_object_object_add(o, "seed", json_object_new_int64((int64_t)C.seed));
	json_object_object_add(o, "duration_s", json_object_new_double(duration));
	json_object_object_add(o, "interrupted", json_object_new_boolean(C.interrupted));
	json_object_object_add(o, "guest_release", C.release[0] ?
			       json_object_new_string(C.release) : NULL);
	json_object_object_add(o, "hello_s", C.hello ? j_s(C.hello_t) : NULL);
	json_object_object_add(o, "schedule", schedule_json());
	{
		struct json_object *ex = json_object_new_array(), *oc;

		if (C.s->expect & HPC_OUTCOME_REVOKE)
			json_object_array_add(ex, json_object_new_string("revoke"));
		if (C.s->expect & HPC_OUTCOME_RESET)
			json_object_array_add(ex, json_object_new_string("reset"));
		json_object_object_add(o, "expect", ex);
		oc = json_object_new_array();
		for (int i = 0; i < C.noutcomes; i++) {
			struct json_object *e = json_object_new_object();

			json_object_object_add(e, "outcome",
					       json_object_new_string(C.outcomes[i].word));
			json_object_object_add(e, "t", j_s(C.outcomes[i].t));
			json_object_array_add(oc, e);
		}
		json_object_object_add(o, "outcomes", oc);
		if (C.outcomes_total > (unsigned int)C.noutcomes)
			json_object_object_add(o, "outcomes_not_listed",
					       json_object_new_int64(C.outcomes_total -
								    (unsigned int)C.noutcomes));
	}
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
		if (C.ktap_cut || (k && hpc_ktap_info(k)->truncated))
			json_object_object_add(kt, "truncated", json_object_new_boolean(1));
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
			report_json(r, rep);
			json_object_array_add(reps, r);
		}
		json_object_object_add(o, "reports", reps);
	}
	{
		/* how much of the kernel log came by which channel */
		const struct hpc_kmerge_stats *ks = hpc_kmerge_stats(C.kmerge);
		struct json_object *kl = json_object_new_object();

		json_object_object_add(kl, "kmsg_records", json_object_new_int64((int64_t)ks->records));
		json_object_object_add(kl, "kmsg_kernel_records",
				       json_object_new_int64((int64_t)ks->kernel_records));
		json_object_object_add(kl, "kmsg_lost", json_object_new_int64(
			ks->lost > INT64_MAX ? INT64_MAX : (int64_t)ks->lost));
		json_object_object_add(kl, "console_lines_after_last_record",
				       json_object_new_int64((int64_t)ks->tail_lines));
		json_object_object_add(kl, "console_lines_in_loss_windows",
				       json_object_new_int64((int64_t)ks->unverified_lines));
		json_object_object_add(kl, "console_lines_over_bound",
				       json_object_new_int64((int64_t)ks->tail_dropped));
		json_object_object_add(o, "kernel_log", kl);
	}
	if (C.timeline_dropped)
		json_object_object_add(o, "timeline_dropped",
				       json_object_new_int64((int64_t)C.timeline_dropped));
	if (hpc_verdict_json_write(C.dir, o) < 0) {
		fprintf(stderr, "hpc-conductor: cannot write %s/" HPC_VERDICT_FILE ": %s\n",
			C.dir, strerror(errno));
		json_object_put(o);
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

/*
 * How long poll may sleep: until the next host action is due (so that it
 * fires within a millisecond of its planned time), at most 50 ms (the
 * deadlines below are checked that often).
 */
static struct timespec *poll_timeout(struct timespec *ts)
{
	double wait = 0.05;
	int i = C.qmp.ready && !C.bye ? next_due() : -1;

	if (i >= 0 && C.act[i].due - now_s() < wait)
		wait = C.act[i].due - now_s();
	if (wait < 0)
		wait = 0;
	ts->tv_sec = 0;
	ts->tv_nsec = (long)(wait * 1e9);
	return ts;
}

static void loop(void)
{
	double boot_deadline = now_s() + C.s->boot_timeout_s;
	double deadline = now_s() + C.s->timeout_s;

	C.last_heard = now_s();
	while (!C.stop) {
		struct pollfd pfd[4];
		struct timespec ts;
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
		n = ppoll(pfd, 4, poll_timeout(&ts), NULL);
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
			C.boot_bound = 1;
			stop("no HELLO from the agent within %u s", C.s->boot_timeout_s);
		} else if (C.hello && !C.bye && t - C.last_heard > C.heartbeat_s) {
			stop("no word from the agent for %u s", C.heartbeat_s);
		} else if (t > deadline) {
			stop("scenario did not finish within %u s", C.s->timeout_s);
		} else if (C.bye && t - C.bye_at > POWEROFF_GRACE_S) {
			stop("guest did not power off within %d s of BYE", POWEROFF_GRACE_S);
		} else if (C.report_grace_s && !C.bye &&
			   (hpc_triage_primary(C.triage) ||
			    (t - C.last_heard > AGENT_SILENT_S &&
			     hpc_kmerge_tail_report(C.kmerge)))) {
			/*
			 * The verdict is FAIL now whatever follows: keep the
			 * console a little longer for the rest of the report,
			 * then stop instead of waiting out step timeouts. A
			 * report only on the console counts once the agent
			 * went silent (a dead kernel), not while it forwards.
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
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", C.dir, name);
	f = open_private(path);
	if (!f)
		fatal("cannot create %s: %s", path, strerror(errno));
	return f;
}

static void usage(FILE *f)
{
	fputs("usage: hpc-conductor --scenario FILE --dir RUNDIR --guest-argv FILE\n"
	      "                     [--run-id ID] [--seed N] [--kconfig FILE]\n"
	      "                     [--modules FILE]\n"
	      "                     [--heartbeat SECONDS] [--report-grace SECONDS]\n"
	      "                     [--timeline-max BYTES]\n"
	      "       hpc-conductor --scenario FILE --seed N --print-schedule\n"
	      "       hpc-conductor --scenario FILE --seed N --check-schedule VERDICT_JSON\n", f);
}

/* ---- the schedule without a guest ---- */

#define PRINT_FIRINGS	10

/* The drawn delays of every action for this seed, for people. */
static int print_schedule(const struct hpc_scenario *s)
{
	printf("seed %llu: %d host actions\n", C.seed, s->nactions);
	for (int i = 0; i < s->nactions; i++) {
		const struct hpc_action *a = &s->actions[i];
		char timing[96];

		hpc_action_timing(a, timing, sizeof(timing));
		printf("action %d (line %d): on %s%s%s %s %s: delay", i, a->line,
		       a->at ? "" : a->on, a->at || !timing[0] ? "" : " ", timing,
		       action_name(a), action_target(a));
		for (unsigned int k = 0; k < a->count && k < PRINT_FIRINGS; k++)
			printf("%s %u", k == 1 ? ", then every" : "",
			       hpc_action_delay_ms(a, C.seed, (unsigned int)i, k));
		printf(" ms%s\n", a->count > PRINT_FIRINGS ? " ..." : "");
	}
	return 0;
}

/* An int member in 0..max, or -1. */
static long long json_uint(struct json_object *o, const char *key, long long max)
{
	struct json_object *v;
	long long x;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	x = json_object_get_int64(v);
	return x < 0 || x > max ? -1 : x;
}

struct sched_check {
	int compared, bad;
};

static void check_firing(struct sched_check *sc, const struct hpc_scenario *s,
			 int idx, struct json_object *f)
{
	const struct hpc_action *a = &s->actions[idx];
	long long k = json_uint(f, "firing", HPC_SCN_MAX_FIRINGS);
	long long d = json_uint(f, "delay_ms", HPC_SCN_MAX_MS);
	unsigned int want;

	if (k < 0 || d < 0 || k >= a->count) {
		if (sc->bad++ < 10)
			printf("schedule: action %d (line %d): a recorded firing without a valid firing number or delay\n",
			       idx, a->line);
		return;
	}
	want = hpc_action_delay_ms(a, C.seed, (unsigned int)idx, (unsigned int)k);
	sc->compared++;
	if ((unsigned int)d != want && sc->bad++ < 10)
		printf("schedule: action %d (line %d) firing %lld: recorded delay %lld ms, seed %llu gives %u ms\n",
		       idx, a->line, k, d, C.seed, want);
}

/*
 * Re-derive the drawn delays from the seed and compare them with those a
 * verdict.json recorded. 0: the same; 1: they differ (each difference on
 * stdout) or none were recorded; 2: the file is unreadable.
 */
static int check_schedule(const struct hpc_scenario *s, const char *file)
{
	struct sched_check sc = { 0 };
	struct json_object *root, *sched, *seed;
	struct stat st;
	size_t n;

	if (stat(file, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (16 << 20)) {
		fprintf(stderr, "hpc-conductor: %s: not a readable verdict file\n", file);
		return 2;
	}
	root = json_object_from_file(file);
	if (!root || !json_object_is_type(root, json_type_object)) {
		fprintf(stderr, "hpc-conductor: %s: not a JSON object\n", file);
		json_object_put(root);
		return 2;
	}
	if (json_object_object_get_ex(root, "seed", &seed) &&
	    json_object_is_type(seed, json_type_int) &&
	    (unsigned long long)json_object_get_int64(seed) != C.seed)
		printf("schedule: note: %s was run with seed %lld, checking seed %llu\n",
		       file, (long long)json_object_get_int64(seed), C.seed);
	if (!json_object_object_get_ex(root, "schedule", &sched) ||
	    !json_object_is_type(sched, json_type_array)) {
		printf("schedule: %s recorded no schedule (an older result): cannot compare\n", file);
		json_object_put(root);
		return 1;
	}
	n = json_object_array_length(sched);
	if (n != (size_t)s->nactions && sc.bad++ < 10)
		printf("schedule: %zu actions recorded, the scenario has %d\n", n, s->nactions);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(sched, i), *fs, *u;
		long long idx = json_uint(e, "idx", HPC_SCN_MAX_ACTIONS - 1);
		long long line = json_uint(e, "line", INT32_MAX);

		if (idx < 0 || idx >= s->nactions) {
			if (sc.bad++ < 10)
				printf("schedule: recorded action %zu is not in the scenario\n", i);
			continue;
		}
		if (line != s->actions[idx].line && sc.bad++ < 10)
			printf("schedule: action %lld: recorded at line %lld, the scenario has it at line %d\n",
			       idx, line, s->actions[idx].line);
		if (json_object_object_get_ex(e, "firings", &fs) &&
		    json_object_is_type(fs, json_type_array))
			for (size_t k = 0; k < json_object_array_length(fs); k++)
				check_firing(&sc, s, (int)idx, json_object_array_get_idx(fs, k));
		if (json_object_object_get_ex(e, "unfired", &u) && u)
			check_firing(&sc, s, (int)idx, u);
	}
	json_object_put(root);
	if (sc.bad > 10)
		printf("schedule: ... %d differences in all\n", sc.bad);
	if (sc.bad)
		return 1;
	if (!s->nactions)
		printf("schedule: the scenario has no host actions: nothing to compare\n");
	else
		printf("schedule: %d delay%s of %d action%s re-derived from seed %llu: the same as recorded\n",
		       sc.compared, sc.compared == 1 ? "" : "s", s->nactions,
		       s->nactions == 1 ? "" : "s", C.seed);
	return 0;
}

/* Seeds are 0..INT64_MAX: verdict.json keeps them as JSON integers. */
static int parse_seed(const char *v, unsigned long long *out)
{
	char *end;
	unsigned long long x;

	errno = 0;
	if (!isdigit((unsigned char)v[0]))
		return -1;
	x = strtoull(v, &end, 10);
	if (errno || *end || x > (unsigned long long)INT64_MAX)
		return -1;
	*out = x;
	return 0;
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
		{ "timeline-max", required_argument, NULL, 'T' },
		{ "print-schedule", no_argument, NULL, 'P' },
		{ "check-schedule", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static struct hpc_scenario scn;
	const char *scn_file = NULL, *argv_file = NULL, *check_file = NULL;
	int print_sched = 0, seed_given = 0;
	char **guest_argv;
	struct hpc_decision vd = { 0 };
	char reason[512];
	sigset_t mask;
	int c, connected;

	clock_gettime(CLOCK_MONOTONIC, &C.t0);
	C.run_id = "";
	C.heartbeat_s = 60;
	C.report_grace_s = 15;
	C.timeline_max = TIMELINE_MAX_BYTES;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': scn_file = optarg; break;
		case 'd': C.dir = optarg; break;
		case 'g': argv_file = optarg; break;
		case 'r': C.run_id = optarg; break;
		case 'S':
			if (parse_seed(optarg, &C.seed) < 0) {
				fprintf(stderr, "hpc-conductor: --seed: expected a number from 0 to %lld, got '%.40s'\n",
					(long long)INT64_MAX, optarg);
				return 2;
			}
			seed_given = 1;
			break;
		case 'P': print_sched = 1; break;
		case 'C': check_file = optarg; break;
		case 'k': C.kconfig = optarg; break;
		case 'm': C.modules = optarg; break;
		case 'H': C.heartbeat_s = (unsigned int)atoi(optarg); break;
		case 'G': C.report_grace_s = (unsigned int)atoi(optarg); break;
		case 'T': {
			unsigned long long b;

			if (hpc_size_parse(optarg, &b, NULL) < 0 || b < TIMELINE_MIN_BYTES ||
			    b > (unsigned long long)LONG_MAX / 2) {
				fprintf(stderr, "hpc-conductor: --timeline-max: expected a size of %ldK or more, got '%.40s'\n",
					TIMELINE_MIN_BYTES >> 10, optarg);
				return 2;
			}
			C.timeline_max = (long)b;
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (print_sched || check_file) {
		if (!scn_file || !seed_given || optind != argc || C.dir) {
			usage(stderr);
			return 2;
		}
		if (hpc_scenario_load(scn_file, &scn, stderr, 20) < 0)
			return 2;
		if (print_sched)
			print_schedule(&scn);
		return check_file ? check_schedule(&scn, check_file) : 0;
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
	C.kmerge = C.triage ? hpc_kmerge_new(C.triage) : NULL;
	if (!C.kmerge)
		fatal("out of memory");
	for (int i = 0; i < SOCK__COUNT; i++)
		C.fd[i] = C.lfd[i] = -1;

	if (hpc_scenario_check_reqs(&scn, C.kconfig, C.modules, reason, sizeof(reason))) {
		struct hpc_judge_in in = { .s = &scn, .skip_reason = reason };

		hpc_judge(&in, &vd);
		write_verdict(&vd, now_s());
		return 0;
	}

	C.console_log = open_out("console.log");
	C.timeline = open_out("timeline.jsonl");
	C.steps_log = open_out("steps.log");
	C.qmp_log = open_out("qmp.log");
	C.kmsg_log = open_out("kmsg.log");
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
	hpc_kmerge_finish(C.kmerge);
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
