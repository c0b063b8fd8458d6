// SPDX-License-Identifier: GPL-2.0
/*
 * What the guest says, all of it untrusted (docs/internals.md, "Reliability"):
 * console lines (console.log, the timeline, the kmsg merge) and agent lines
 * (core/proto.c parses them; the timeline, steps.log, kmsg.log, the guest's
 * KTAP, outcomes, and the events that arm host actions). The plan goes the
 * other way once the agent said HELLO.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "conductor.h"

#define INVALID_RAW_MAX	128	/* bytes of a bad line kept in the timeline */

void send_guest(struct conductor *c, const char *line)
{
	if (c->fd[SOCK_AGENT] >= 0)
		(void)hpc_write_all(c->fd[SOCK_AGENT], line, strlen(line));
}

void on_console_line(void *ctx, const char *line, size_t len,
		     unsigned int flags)
{
	struct conductor *c = ctx;
	char clean[CONSOLE_MAX_LINE + 1];
	struct json_object *o;
	size_t n;

	n = len < CONSOLE_MAX_LINE ? len : CONSOLE_MAX_LINE;
	memcpy(clean, line, n);
	n = hpc_sanitize(clean, n);
	c->g.console_lines++;
	hpc_kmerge_console(c->kmerge, clean, n);
	if (n) {
		snprintf(c->g.console_last, sizeof(c->g.console_last), "%.*s",
			 (int)n, clean);
		c->g.console_last_t = now_s(c);
	}
	o = tl_new(c, "console");
	json_object_object_add(o, "n", json_object_new_int64((int64_t)c->g.console_lines));
	json_object_object_add(o, "line", json_object_new_string_len(clean, (int)n));
	if (flags & HPC_LINE_TRUNCATED)
		json_object_object_add(o, "truncated", json_object_new_boolean(1));
	tl_emit(c, o);
}

/* An agent line that is not what the protocol says: its start, printable. */
static void invalid_line(struct conductor *c, const char *raw, size_t len)
{
	struct json_object *o = tl_new(c, "guest");

	json_object_object_add(o, "type", json_object_new_string("invalid"));
	json_object_object_add(o, "raw", json_object_new_string_len(raw, (int)len));
	tl_emit(c, o);
}

/*
 * "outcome WORD [text]" from a program in the guest: how a device loss
 * ended. Untrusted: the word is kept (printable, cut) and judged later.
 */
static void outcome_event(struct conductor *c, const char *text)
{
	size_t n = strcspn(text, " \t");
	struct guest_state *g = &c->g;
	struct hpc_outcome_event *oc;

	g->outcomes_total++;
	if (g->noutcomes == MAX_OUTCOMES)
		return;
	oc = &g->outcomes[g->noutcomes++];
	if (n >= sizeof(oc->word))
		n = sizeof(oc->word) - 1;
	memcpy(oc->word, text, n);
	oc->word[n] = '\0';
	oc->word[hpc_sanitize(oc->word, n)] = '\0';
	oc->what = hpc_outcome_parse(oc->word);
	oc->t = now_s(c);
}

static void send_plan(struct conductor *c)
{
	char line[HPC_PROTO_MAX_LINE + 1];

	snprintf(line, sizeof(line), "PLAN %d\n", c->s->nsteps);
	send_guest(c, line);
	for (int i = 0; i < c->s->nsteps; i++) {
		const struct hpc_step *st = &c->s->steps[i];
		const char *payload = st->kind == HPC_STEP_REAP ? st->name : st->payload;

		if (hpc_proto_format_step(line, sizeof(line), i,
					  hpc_step_kind_name(st->kind),
					  st->timeout_s, st->name, payload) < 0) {
			stop(c, "step %s (line %d) does not fit the agent protocol",
			     st->name, st->line);
			return;
		}
		send_guest(c, line);
	}
	send_guest(c, "GO\n");
	tl_host(c, "plan", "sent %d steps", c->s->nsteps);
}

/*
 * KMSG: the kernel log, triaged, kept out of the timeline (the console has
 * the same lines); a bad record is shown there. kmsg.log: the records, one
 * per line as received ("prio,seq,ts,flags;text"), and "lost N" lines;
 * capped like console.log.
 */
static void on_kmsg(struct conductor *c, const struct hpc_msg *m)
{
	if (hpc_kmsg_parse(m->text, m->text_len, &c->g.rec) < 0) {
		invalid_line(c, m->text, m->text_len < INVALID_RAW_MAX ?
				 m->text_len : INVALID_RAW_MAX);
		return;
	}
	hpc_kmerge_record(c->kmerge, &c->g.rec);
	log_capped(c->files.kmsg, &c->files.kmsg_bytes, CONSOLE_MAX_BYTES,
		   "%s\n", m->text);
}

static void on_kmsg_lost(struct conductor *c, const struct hpc_msg *m)
{
	struct json_object *o = tl_new(c, "guest");

	hpc_kmerge_lost(c->kmerge, m->lost);
	log_capped(c->files.kmsg, &c->files.kmsg_bytes, CONSOLE_MAX_BYTES,
		   "lost %llu\n", (unsigned long long)m->lost);
	json_object_object_add(o, "type", json_object_new_string("KMSGLOST"));
	json_object_object_add(o, "lost", json_object_new_int64(
		m->lost > INT64_MAX ? INT64_MAX : (int64_t)m->lost));
	tl_emit(c, o);
}

/* The timeline record of an agent line: its type, and its guest time. */
static struct json_object *guest_record(struct conductor *c, const struct hpc_msg *m)
{
	struct json_object *o = tl_new(c, "guest");

	json_object_object_add(o, "type",
			       json_object_new_string(hpc_proto_msg_name(m->type)));
	if (m->type != HPC_MSG_OUT && m->type != HPC_MSG_KTAP && m->type != HPC_MSG_BYE)
		json_object_object_add(o, "guest_ns", json_object_new_int64((int64_t)m->guest_ns));
	return o;
}

static void on_hello(struct conductor *c, const struct hpc_msg *m)
{
	struct json_object *o = guest_record(c, m);

	json_object_object_add(o, "release", json_object_new_string(m->release));
	tl_emit(c, o);
	if (c->g.hello)
		return;
	c->g.hello = 1;
	c->g.hello_t = now_s(c);
	snprintf(c->g.release, sizeof(c->g.release), "%s", m->release);
	send_plan(c);
	event(c, "boot", EV_HOST);	/* the conductor saw HELLO */
}

static void on_event(struct conductor *c, const struct hpc_msg *m)
{
	struct json_object *o = guest_record(c, m);

	json_object_object_add(o, "name", json_object_new_string(m->name));
	json_object_object_add(o, "text", json_object_new_string(m->text));
	tl_emit(c, o);
	if (strcmp(m->name, HPC_EV_OUTCOME) == 0)
		outcome_event(c, m->text);
	event(c, m->name, EV_GUEST);
}

static void on_step(struct conductor *c, const struct hpc_msg *m)
{
	struct json_object *o = guest_record(c, m);
	struct hpc_step_result *r;

	json_object_object_add(o, "idx", json_object_new_int(m->idx));
	if (m->idx >= c->s->nsteps) {
		tl_emit(c, o);
		return;
	}
	r = &c->g.steps[m->idx];
	json_object_object_add(o, "step", json_object_new_string(c->s->steps[m->idx].name));
	if (m->type == HPC_MSG_STEP_START) {
		r->started = 1;
	} else {
		r->ended = 1;
		r->st = m->status;
		r->duration_ms = m->duration_ms;
		hpc_proto_format_status(&m->status, r->status, sizeof(r->status));
		json_object_object_add(o, "status", json_object_new_string(r->status));
		json_object_object_add(o, "duration_ms",
				       json_object_new_int64((int64_t)m->duration_ms));
	}
	tl_emit(c, o);
}

static void on_out(struct conductor *c, const struct hpc_msg *m)
{
	struct json_object *o = guest_record(c, m);
	const char *sn = m->idx < c->s->nsteps ? c->s->steps[m->idx].name : "?";

	json_object_object_add(o, "idx", json_object_new_int(m->idx));
	json_object_object_add(o, "text", json_object_new_string(m->text));
	tl_emit(c, o);
	log_capped(c->files.steps, &c->files.steps_bytes, STEPS_LOG_MAX_BYTES,
		   "[%s] %s\n", sn, m->text);
	if (m->idx < c->s->nsteps && m->text_len > 0)
		snprintf(c->g.steps[m->idx].last_out, sizeof(c->g.steps[0].last_out), "%.*s",
			 (int)sizeof(c->g.steps[0].last_out) - 1, m->text);
}

/* The guest's KTAP: what is kept is a prefix; once a line is dropped, so is the rest. */
static void on_ktap(struct conductor *c, const struct hpc_msg *m)
{
	struct json_object *o = guest_record(c, m);
	struct guest_state *g = &c->g;

	json_object_object_add(o, "idx", json_object_new_int(m->idx));
	json_object_object_add(o, "text", json_object_new_string(m->text));
	tl_emit(c, o);
	if (!g->ktap_cut && json_object_array_length(g->ktap_lines) < KTAP_MAX_LINES &&
	    g->ktap_bytes + (long)m->text_len + 1 <= KTAP_MAX_BYTES) {
		g->ktap_step[json_object_array_length(g->ktap_lines)] = (unsigned char)m->idx;
		json_object_array_add(g->ktap_lines, json_object_new_string(m->text));
		g->ktap_bytes += (long)m->text_len + 1;
	} else if (!g->ktap_cut++) {
		tl_host(c, "truncated",
			"guest KTAP: more than %d lines or %ld bytes; the rest is dropped (and cannot be XFAIL)",
			KTAP_MAX_LINES, KTAP_MAX_BYTES);
	}
}

static void on_bye(struct conductor *c, const struct hpc_msg *m)
{
	struct json_object *o = guest_record(c, m);

	json_object_object_add(o, "code", json_object_new_int(m->exit_code));
	tl_emit(c, o);
	c->g.bye = 1;
	c->g.bye_code = m->exit_code;
	c->g.bye_at = now_s(c);
}

/*
 * A frame of the kernel stack of a task of a step out of time (the agent
 * sends them before it kills the step): kept for the first such step, at
 * most STUCK_TASKS tasks of STUCK_FRAMES frames.
 */
static void on_stack(struct conductor *c, const struct hpc_msg *m)
{
	struct json_object *o = guest_record(c, m);
	struct guest_state *g = &c->g;
	struct stuck_task *t = NULL;
	char st[2] = { m->state, '\0' };

	json_object_object_add(o, "idx", json_object_new_int(m->idx));
	json_object_object_add(o, "pid", json_object_new_int(m->pid));
	json_object_object_add(o, "state", json_object_new_string(st));
	json_object_object_add(o, "text", json_object_new_string(m->text));
	tl_emit(c, o);
	if (m->idx >= c->s->nsteps || (g->stuck_step && g->stuck_step != m->idx + 1))
		return;
	g->stuck_step = m->idx + 1;
	for (int i = 0; i < g->nstuck && !t; i++)
		if (g->stuck[i].pid == m->pid)
			t = &g->stuck[i];
	if (!t && g->nstuck < STUCK_TASKS) {
		t = &g->stuck[g->nstuck++];
		t->pid = m->pid;
		t->state = m->state;
	}
	if (t && t->n < STUCK_FRAMES)
		snprintf(t->frame[t->n++], STUCK_FRAME_LEN, "%.*s", STUCK_FRAME_LEN - 1, m->text);
}

typedef void (*agent_msg_fn)(struct conductor *c, const struct hpc_msg *m);

/* By type; PING has none: heartbeats stay out of the timeline. */
static const agent_msg_fn handlers[HPC_MSG__COUNT] = {
	[HPC_MSG_HELLO] = on_hello,
	[HPC_MSG_EV] = on_event,
	[HPC_MSG_STEP_START] = on_step,
	[HPC_MSG_STEP_END] = on_step,
	[HPC_MSG_OUT] = on_out,
	[HPC_MSG_KTAP] = on_ktap,
	[HPC_MSG_BYE] = on_bye,
	[HPC_MSG_KMSG] = on_kmsg,
	[HPC_MSG_KMSG_LOST] = on_kmsg_lost,
	[HPC_MSG_STACK] = on_stack,
};

void on_agent_line(void *ctx, const char *line, size_t len, unsigned int flags)
{
	struct conductor *c = ctx;
	struct hpc_msg *m = &c->g.msg;
	char copy[HPC_PROTO_MAX_LINE];

	c->g.last_heard = now_s(c);
	if ((flags & HPC_LINE_TRUNCATED) || len >= sizeof(copy) ||
	    (memcpy(copy, line, len), hpc_proto_parse(copy, len, m) < 0)) {
		char bad[INVALID_RAW_MAX + 1];
		size_t n = len < INVALID_RAW_MAX ? len : INVALID_RAW_MAX;

		memcpy(bad, line, n);
		invalid_line(c, bad, hpc_sanitize(bad, n));
		return;
	}
	if (handlers[m->type])
		handlers[m->type](c, m);
}
