// SPDX-License-Identifier: GPL-2.0
/*
 * Host actions (docs/internals.md, "Host action timers"): an event (HELLO
 * is "boot", a host action done, a guest event the scenario allows) arms
 * the actions "on" it; each then has at most one pending firing, planned
 * from the seed's draws (lib/scenario_sched.c hpc_action_delay_ms()); the loop
 * fires those that are due: a QMP command (device_add, device_del,
 * qom-set) or a host event to the guest (signal). What QMP answers is
 * qmp_events.c's.
 */
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "conductor.h"

const char *action_name(const struct hpc_action *a)
{
	return hpc_action_kind_name(a->kind);
}

/* What an action acts on: the device (CXL: the cxl-type3), the QOM path,
 * the signalled event. */
const char *action_target(const struct hpc_action *a)
{
	return a->kind == HPC_ACT_SIGNAL ? a->emit :
	       a->kind == HPC_ACT_QOM_SET ? a->path : a->target;
}

/*
 * A host action went wrong (QEMU refused it, a probe of it failed): said
 * in the timeline and in verdict.json (action_error); the run stops.
 */
void action_failed(struct conductor *c, int ai, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->action_error, sizeof(c->action_error), fmt, ap);
	va_end(ap);
	c->dels[ai].active = 0;
	tl_host(c, "action-error", "%s", c->action_error);
	stop(c, "host action failed");
}

/* A host event: to the guest (wakes its wait steps), and arms actions. */
void host_event(struct conductor *c, const char *name)
{
	char line[HPC_PROTO_MAX_NAME + 8];

	snprintf(line, sizeof(line), "EV %s\n", name);
	send_guest(c, line);
	event(c, name, EV_HOST);
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
static const char *guest_event_refusal(const struct hpc_scenario *s,
				       const char *name)
{
	static const char agent[] = HPC_EV_AGENT_PREFIX;

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

/* Firing k of action ai: its drawn delay. */
static unsigned int draw(const struct conductor *c, int ai, unsigned int k)
{
	return hpc_action_delay_ms(&c->s->actions[ai], c->opt.seed,
				   (unsigned int)ai, k);
}

/*
 * An event happened (host: HELLO, a host action done; guest: an emit step,
 * a program's event): arm the matching actions. A guest event the scenario
 * does not allow the guest is recorded as refused and arms nothing.
 */
void event(struct conductor *c, const char *name, enum ev_from from)
{
	double t = now_s(c);

	if (from == EV_GUEST) {
		const char *why = guest_event_refusal(c->s, name);

		if (why) {
			if (why[0])
				tl_host(c, "refused-event", "guest event %s refused: %s",
					name, why);
			return;
		}
	}
	for (int i = 0; i < c->s->nactions; i++) {
		struct act_state *as = &c->act[i];

		if (as->armed || strcmp(c->s->actions[i].on, name))
			continue;
		as->armed = 1;
		as->pending = 1;
		snprintf(as->trigger, sizeof(as->trigger), "%s", name);
		as->trigger_t = t;
		as->k = 0;
		as->delay_ms = draw(c, i, 0);
		as->due = t + as->delay_ms / 1000.0;
	}
}

/* The pending action due first (-1 if none); ties go to the lower index. */
int next_due(const struct conductor *c)
{
	int best = -1;

	for (int i = 0; i < c->s->nactions; i++)
		if (c->act[i].pending && (best < 0 || c->act[i].due < c->act[best].due))
			best = i;
	return best;
}

/*
 * A qom-set value that is a number (hpc_size_parse(): digits, optional
 * K/M/G/T), sent as a JSON integer: QOM uint64 and int properties such as
 * virtio-mem's requested-size refuse strings. true and false are booleans.
 */
static struct json_object *qom_value(const char *v)
{
	unsigned long long b;

	if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
		return json_object_new_boolean(v[0] == 't');
	if (hpc_size_parse(v, &b, NULL) == 0)
		return json_object_new_int64((int64_t)b);
	return json_object_new_string(v);
}

/* The QMP command of an action (NULL for signal), its arguments in *args. */
static const char *qmp_command(const struct conductor *c,
			       const struct hpc_action *a,
			       struct json_object **args)
{
	switch (a->kind) {
	case HPC_ACT_DEVICE_ADD:
		*args = hpc_device_qmp_args(hpc_scenario_device(c->s, a->target));
		return "device_add";
	case HPC_ACT_DEVICE_DEL:
		*args = json_object_new_object();
		json_object_object_add(*args, "id", json_object_new_string(a->target));
		return "device_del";
	case HPC_ACT_QOM_SET:
		*args = json_object_new_object();
		json_object_object_add(*args, "path", json_object_new_string(a->path));
		json_object_object_add(*args, "property", json_object_new_string(a->prop));
		json_object_object_add(*args, "value", qom_value(a->value));
		return "qom-set";
	case HPC_ACT_SIGNAL:
	case HPC_ACT__COUNT:
		break;
	default:	/* cxl-inject-*: the command is the action's name */
		*args = hpc_cxl_qmp_args(a);
		return action_name(a);
	}
	*args = NULL;
	return NULL;
}

/* The timeline record of a firing (docs/internals.md, "Timeline"). */
static void firing_record(struct conductor *c, int ai, double real)
{
	const struct hpc_action *a = &c->s->actions[ai];
	const struct act_state *as = &c->act[ai];
	struct json_object *o = tl_new(c, "host");

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
	if (a->kind != HPC_ACT_SIGNAL)
		json_object_object_add(o, "target", json_object_new_string(action_target(a)));
	if (a->kind == HPC_ACT_DEVICE_DEL && a->until_unplugged)
		json_object_object_add(o, "until", json_object_new_string("unplugged"));
	if (a->kind >= HPC_ACT_CXL_POISON)
		json_object_object_add(o, "qmp", hpc_cxl_qmp_args(a));
	tl_emit(c, o);
}

static void fire(struct conductor *c, int ai)
{
	const struct hpc_action *a = &c->s->actions[ai];
	struct act_state *as = &c->act[ai];
	struct json_object *args;
	const char *cmd = qmp_command(c, a, &args);
	double real = now_s(c);

	if (as->fired < SCHED_RECORD)
		as->rec[as->fired] = (struct firing){
			.delay_ms = as->delay_ms, .planned = as->due, .real = real,
		};
	as->fired++;
	if (a->kind == HPC_ACT_DEVICE_DEL)
		start_del_wait(c, ai);
	firing_record(c, ai, real);
	if (!cmd) {
		host_event(c, a->emit);
		return;
	}
	as->qmp_id = hpc_qmp_send(&c->qmp, cmd, args);
	if (as->qmp_id < 0) {
		snprintf(c->action_error, sizeof(c->action_error),
			 "%s (line %d): QMP write failed", action_name(a), a->line);
		stop(c, "%s", c->action_error);
	}
}

/*
 * The actions that are due, fired; then the device_del waits. The scenario
 * ends with BYE: nothing fires after it. Firings are planned from the
 * previous planned time, so a late one does not shift the rest; one that
 * is already due fires at once.
 */
void run_due_actions(struct conductor *c)
{
	double t = now_s(c);
	int ai;

	while (!c->g.bye && !c->stop && c->qmp.ready && (ai = next_due(c)) >= 0 &&
	       c->act[ai].due <= now_s(c)) {
		struct act_state *as = &c->act[ai];

		fire(c, ai);
		if (as->k + 1 < c->s->actions[ai].count) {
			as->k++;
			as->delay_ms = draw(c, ai, as->k);
			as->due += as->delay_ms / 1000.0;
		} else {
			as->pending = 0;
		}
	}
	check_del_waits(c, t);
}
