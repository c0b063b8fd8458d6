// SPDX-License-Identifier: GPL-2.0
/*
 * The plan: host lines (PLAN, S, GO, EV; parsed by the core's
 * hpc_proto_parse_host(), checked here against the state of the plan) and
 * the steps, run one after the other (docs/internals.md, "Agent protocol").
 */
#include <stdlib.h>
#include <string.h>

#include "agent.h"

/* ------------------------------------------------------------------ */
/* steps                                                               */

static struct hpc_status status(enum hpc_status_kind k, int v)
{
	struct hpc_status st = { k, v };

	return st;
}

static void send_step_line(enum hpc_msg_type type, uint64_t now,
			   const struct hpc_status *st)
{
	struct hpc_msg *m = msg_begin(type);

	m->idx = A.cur;
	m->guest_ns = now;
	if (st) {
		m->status = *st;
		m->duration_ms = (now - A.cur_start_ns) / NS_PER_MS;
	}
	msg_send(1);
}

static void end_step(struct hpc_status st)
{
	struct step *s = &A.steps[A.cur];

	kmsg_printf("hpchaos: run=%s step=%d %s end", A.run_id, A.cur, s->name);
	send_step_line(HPC_MSG_STEP_END, hpc_mono_ns(), &st);
	A.cur++;
	/* The first step that fails ends the plan: what follows depended on it. */
	if (!(st.kind == HPC_ST_EXIT && st.value == 0)) {
		if (A.bye_code < HPC_BYE_FAIL)
			A.bye_code = HPC_BYE_FAIL;
		if (A.cur < A.plan_n)
			kmsg_printf("hpchaos: run=%s plan stopped after step %d",
				    A.run_id, A.cur - 1);
		A.cur = A.plan_n;
	}
	A.cur_started = 0;
	A.cur_target = NULL;
}

static struct proc *find_bg(const char *name, size_t len)
{
	int i;

	if (!hpc_proto_name_ok(name, len))
		return NULL;
	for (i = A.cur - 1; i >= 0; i--) {
		struct step *s = &A.steps[i];

		if (s->kind == HPC_STEP_BG && !A.procs[i].claimed &&
		    strlen(s->name) == len && memcmp(s->name, name, len) == 0)
			return &A.procs[i];
	}
	return NULL;
}

/* The step starts: what its kind does at once. */
static void run_step_kind(struct step *s)
{
	struct proc *t;

	switch (s->kind) {
	case HPC_STEP_RUN:
	case HPC_STEP_CHECK:
		if (spawn(A.cur) < 0)
			end_step(status(HPC_ST_ERROR, 0));
		break;
	case HPC_STEP_BG:
		if (spawn(A.cur) < 0)
			end_step(status(HPC_ST_ERROR, 0));
		else
			end_step(status(HPC_ST_EXIT, 0));
		break;
	case HPC_STEP_REAP:
		t = find_bg(s->payload, s->payload_len);
		if (!t) {
			report(HPC_EV_ERROR, "step %d: no bg step to reap", A.cur);
			end_step(status(HPC_ST_ERROR, 0));
			break;
		}
		t->claimed = 1;
		A.cur_target = t;
		break;
	case HPC_STEP_EMIT:
		send_event(s->name, strlen(s->name), s->payload,
			   s->payload_len);
		end_step(status(HPC_ST_EXIT, 0));
		break;
	case HPC_STEP_WAIT:
		break;
	}
}

static void start_step(void)
{
	struct step *s = &A.steps[A.cur];

	A.cur_started = 1;
	A.cur_start_ns = hpc_mono_ns();
	A.cur_deadline = s->timeout_s ?
		A.cur_start_ns + s->timeout_s * NS_PER_SEC : 0;
	kmsg_printf("hpchaos: run=%s step=%d %s start", A.run_id, A.cur,
		    s->name);
	/*
	 * Forward the kernel log up to this marker before the step runs: if
	 * the step kills the kernel, the host falls back to the console only
	 * from here on (docs/verdicts.md).
	 */
	kin_read(KIN_DRAIN);
	send_step_line(HPC_MSG_STEP_START, A.cur_start_ns, NULL);
	run_step_kind(s);
}

/* Let the current step progress; 1 if it ended. */
static int poll_step(uint64_t now)
{
	struct step *s = &A.steps[A.cur];
	struct proc *p;
	int expired = A.cur_deadline && now >= A.cur_deadline;

	switch (s->kind) {
	case HPC_STEP_RUN:
	case HPC_STEP_CHECK:
		p = &A.procs[A.cur];
		if (!p->done)
			return 0;
		end_step(p->result);
		return 1;
	case HPC_STEP_REAP:
		p = A.cur_target;
		if (p->done) {
			end_step(p->result);
			return 1;
		}
		if (!expired)
			return 0;
		p->timed_out = 1;
		stack_evidence(A.cur, p->pid);
		kill_proc(p, now);
		end_step(status(HPC_ST_TIMEOUT, 0));
		return 1;
	case HPC_STEP_WAIT:
		if (ev_take(s->name)) {
			end_step(status(HPC_ST_EXIT, 0));
			return 1;
		}
		if (!expired)
			return 0;
		/* no process of its own: the kernel's blocked tasks still tell */
		stack_evidence(A.cur, 0);
		end_step(status(HPC_ST_TIMEOUT, 0));
		return 1;
	default:
		return 1;
	}
}

void start_drain(void)
{
	A.state = PLAN_DRAINING;
	A.drain_deadline = hpc_mono_ns() + DRAIN_NS;
	kill_all_procs();
}

void advance(uint64_t now)
{
	while (A.state == PLAN_RUNNING) {
		if (A.cur >= A.plan_n) {
			start_drain();
			break;
		}
		if (!A.cur_started) {
			start_step();
			continue;
		}
		if (!poll_step(now))
			return;
	}
	if (A.state == PLAN_DRAINING &&
	    (all_procs_done() || now >= A.drain_deadline)) {
		events_read(READS_ALL);
		events_summary();
		kin_sync();
		msg_begin(HPC_MSG_BYE)->exit_code = A.bye_code;
		msg_send(1);
		agent_exit(A.bye_code);
	}
}

/* ------------------------------------------------------------------ */
/* lines from the host                                                 */

/* Keep a step line the core parsed: NULL, or why it was refused. */
static const char *host_step(const struct hpc_host_msg *hm)
{
	struct step *s = &A.steps[hm->idx];

	if (s->present)
		return "duplicate step";
	s->kind = hm->kind;
	s->timeout_s = hm->timeout_s;
	memcpy(s->name, hm->name, hm->name_len);
	s->name[hm->name_len] = '\0';
	s->payload_len = hm->payload_len;
	s->payload = malloc(s->payload_len + 1);
	if (!s->payload)
		fatal("out of memory");
	memcpy(s->payload, hm->payload, s->payload_len);
	s->payload[s->payload_len] = '\0';
	s->present = 1;
	A.plan_recv++;
	return NULL;
}

static const char *host_go(void)
{
	if (A.state != PLAN_RECEIVING && A.state != PLAN_NONE)
		return "unexpected GO";
	if (A.state == PLAN_NONE || A.plan_recv != A.plan_n) {
		report(HPC_EV_BAD_PLAN, "GO with %d of %d steps",
		       A.plan_recv, A.plan_n);
		A.bye_code = HPC_BYE_ERROR;
		start_drain();
		return NULL;
	}
	A.state = PLAN_RUNNING;
	A.cur = 0;
	A.cur_started = 0;
	return NULL;
}

/*
 * One line from the host: NULL, or why it was refused. The order of the
 * checks: the line itself (cut, NUL, empty, keyword), where the plan is
 * for PLAN and S, the fields, then where the plan is for GO.
 */
const char *agent_host_cmd(const char *line, size_t len, int cut)
{
	struct hpc_host_msg hm;
	const char *why;

	if (cut)
		return "line too long";
	why = hpc_proto_parse_host(line, len, A.plan_n, &hm);
	if (hm.type == HPC_HOST_PLAN && A.state != PLAN_NONE)
		return "unexpected PLAN";
	if (hm.type == HPC_HOST_STEP && A.state != PLAN_RECEIVING)
		return "S outside a plan";
	if (why)
		return why;
	switch (hm.type) {
	case HPC_HOST_EV:
		ev_add(hm.name, hm.name_len);
		return NULL;
	case HPC_HOST_STEP:
		return host_step(&hm);
	case HPC_HOST_PLAN:
		A.plan_n = (int)hm.plan_n;
		A.plan_recv = 0;
		A.state = PLAN_RECEIVING;
		return NULL;
	case HPC_HOST_GO:
		return host_go();
	default:
		return "unknown line";
	}
}

void agent_host_line(const char *line, size_t len, int cut)
{
	const char *why = agent_host_cmd(line, len, cut);
	char ex[EXCERPT_MAX + 1];

	if (!why)
		return;
	printable(ex, sizeof(ex), line, len);
	report(HPC_EV_BAD_INPUT, "%s: %s", why, ex);
}
