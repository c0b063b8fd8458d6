// SPDX-License-Identifier: GPL-2.0
/*
 * What QMP says back (lib/qmp.c calls on_qmp() once the handshake is
 * done): every event into the timeline; DEVICE_DELETED ends a device_del
 * wait, SHUTDOWN's reason is kept; the reply to an action's command either
 * fails the run or, when it succeeded, says the action's emit= event. A
 * device_del waits for DEVICE_DELETED, or with until=unplugged also probes
 * /machine/peripheral (qom-list) until the device is gone; both bounded by
 * the action's timeout.
 */
#include <string.h>

#include "conductor.h"

#define PERIPHERAL	"/machine/peripheral"

/* A device_del was sent: wait for its end. */
void start_del_wait(struct conductor *c, int ai)
{
	double t = now_s(c);

	c->dels[ai] = (struct del_wait){
		.active = 1,
		.deadline = t + c->s->actions[ai].timeout_s,
		.started = t,
		.probe_at = t + DEL_PROBE_S,
	};
}

/*
 * device_del until=unplugged: ask QEMU every DEL_PROBE_S whether the device
 * is still in /machine/peripheral (qom-list), once QEMU has answered the
 * device_del itself. on_qmp() reads the answer (del_probe_answer()).
 */
static void probe_unplugged(struct conductor *c, int i, double t)
{
	struct del_wait *dw = &c->dels[i];
	struct json_object *args;

	/* no probe once QMP or the guest is gone: that ends the run itself */
	if (!c->s->actions[i].until_unplugged || dw->probe_id ||
	    c->act[i].qmp_id || t < dw->probe_at || !c->qmp.ready ||
	    c->qmp.fd < 0 || c->stop || c->guest_exited)
		return;
	args = json_object_new_object();
	json_object_object_add(args, "path", json_object_new_string(PERIPHERAL));
	dw->probe_id = hpc_qmp_send(&c->qmp, "qom-list", args);
	if (dw->probe_id < 0) {
		dw->probe_id = 0;
		snprintf(c->action_error, sizeof(c->action_error),
			 "device_del %s (line %d): QMP write failed",
			 c->s->actions[i].target, c->s->actions[i].line);
		stop(c, "%s", c->action_error);
	}
}

/* The device_del waits: a probe when one is due, the end at the deadline. */
void check_del_waits(struct conductor *c, double t)
{
	for (int i = 0; i < c->s->nactions; i++) {
		const struct hpc_action *a = &c->s->actions[i];

		if (!c->dels[i].active)
			continue;
		if (c->dels[i].deadline > t) {
			probe_unplugged(c, i, t);
			continue;
		}
		c->dels[i].active = 0;
		c->action_timeout = i + 1;
		tl_host(c, "timeout", a->until_unplugged ?
			"device_del %s: still in " PERIPHERAL " after %u s" :
			"device_del %s: no DEVICE_DELETED within %u s",
			a->target, a->timeout_s);
		stop(c, "device_del %s timed out", a->target);
	}
}

/* Is there {"name": target} in the array ret (a qom-list answer)? */
static int listed(struct json_object *ret, const char *target)
{
	struct json_object *name;
	size_t n = json_object_array_length(ret);

	for (size_t k = 0; k < n; k++)
		if (json_object_object_get_ex(json_object_array_get_idx(ret, k),
					      "name", &name) &&
		    strcmp(json_object_get_string(name), target) == 0)
			return 1;
	return 0;
}

/* The answer to the probe of device_del i. */
static void probe_answer(struct conductor *c, int i, struct json_object *msg)
{
	const struct hpc_action *a = &c->s->actions[i];
	struct del_wait *dw = &c->dels[i];
	struct json_object *ret;

	dw->probe_id = 0;
	dw->probe_at = now_s(c) + DEL_PROBE_S;
	if (!dw->active)
		return;
	if (!json_object_object_get_ex(msg, "return", &ret) ||
	    !json_object_is_type(ret, json_type_array)) {
		action_failed(c, i, "device_del %s (line %d): qom-list " PERIPHERAL " failed",
			      a->target, a->line);
		return;
	}
	if (listed(ret, a->target))
		return;
	dw->active = 0;
	tl_host(c, "unplugged",
		"device_del %s: gone from " PERIPHERAL " %.3f s after device_del (no DEVICE_DELETED yet)",
		a->target, now_s(c) - dw->started);
	if (a->emit[0])
		host_event(c, a->emit);
}

/* A device is gone: the device_del waits for it end, with their emit=. */
static void device_deleted(struct conductor *c, const char *id)
{
	for (int i = 0; i < c->s->nactions; i++) {
		if (!c->dels[i].active || strcmp(c->s->actions[i].target, id))
			continue;
		c->dels[i].active = 0;
		if (c->s->actions[i].emit[0])
			host_event(c, c->s->actions[i].emit);
	}
}

static void on_qmp_event(struct conductor *c, struct json_object *ev,
			 struct json_object *msg)
{
	const char *name = json_object_is_type(ev, json_type_string) ?
			   json_object_get_string(ev) : "";
	struct json_object *o = tl_new(c, "qmp"), *data = NULL;
	const char *v;

	json_object_object_add(o, "event", json_object_new_string(name));
	if (json_object_object_get_ex(msg, "data", &data))
		json_object_object_add(o, "data", json_object_get(data));
	tl_emit(c, o);
	if (strcmp(name, "DEVICE_DELETED") == 0 && (v = hpc_qmp_str(data, "device")))
		device_deleted(c, v);
	if (strcmp(name, "SHUTDOWN") == 0 && (v = hpc_qmp_str(data, "reason")))
		snprintf(c->g.shutdown_reason, sizeof(c->g.shutdown_reason), "%s", v);
}

/* QEMU's reply to action i's command. */
static void action_reply(struct conductor *c, int i, struct json_object *msg)
{
	const struct hpc_action *a = &c->s->actions[i];
	struct json_object *err;
	const char *d;

	c->act[i].qmp_id = 0;
	if (json_object_object_get_ex(msg, "error", &err)) {
		d = hpc_qmp_str(err, "desc");
		action_failed(c, i, "%s %s (line %d) failed: %.300s", action_name(a),
			      a->target[0] ? a->target : a->path, a->line, d ? d : "?");
	} else if (a->kind != HPC_ACT_DEVICE_DEL && a->emit[0]) {
		host_event(c, a->emit);
	}
}

void on_qmp(void *ctx, struct json_object *msg)
{
	struct conductor *c = ctx;
	struct json_object *ev, *jid;
	int id;

	if (json_object_object_get_ex(msg, "event", &ev)) {
		on_qmp_event(c, ev, msg);
		return;
	}
	if (!json_object_object_get_ex(msg, "id", &jid))
		return;
	id = json_object_get_int(jid);
	for (int i = 0; i < c->s->nactions; i++) {
		if (c->dels[i].probe_id && c->dels[i].probe_id == id) {
			probe_answer(c, i, msg);
			return;
		}
	}
	for (int i = 0; i < c->s->nactions; i++)
		if (c->act[i].qmp_id > 0 && c->act[i].qmp_id == id)
			action_reply(c, i, msg);
}
