// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario parser: guest steps (run, check, bg, reap, emit, wait) and host
 * actions (on EVENT|@MS ... ACTION).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_parser.h"

/* Options after a step or action name: timeout=N, class=C, emit=E. */
struct opts {
	unsigned int timeout;
	int has_timeout;
	int cls;
	char emit[HPC_SCN_NAME];
	int until;		/* device_del: 0 not given, 1 deleted, 2 unplugged */
};

static int parse_opts(struct parser *p, char **w, int nw, struct opts *o,
		      const char *allowed)
{
	char seen[64] = "";
	int i;

	for (i = 0; i < nw; i++) {
		char *eq = strchr(w[i], '=');
		char key[16];
		size_t kl = eq ? (size_t)(eq - w[i]) : 0, sl = strlen(seen);

		if (!eq || kl >= sizeof(key))
			goto bad;
		memcpy(key, w[i], kl);
		key[kl] = '\0';
		if (!scn_word_in(allowed, key))
			goto bad;
		if (scn_word_in(seen, key)) {
			scn_perr(p, p->line, "%s= given twice", key);
			return -1;
		}
		snprintf(seen + sl, sizeof(seen) - sl, " %s", key);
		if (strcmp(key, "timeout") == 0) {
			if (scn_parse_uint(p, eq + 1, 1, 86400, "timeout", &o->timeout) < 0)
				return -1;
			o->has_timeout = 1;
		} else if (strcmp(key, "class") == 0) {
			o->cls = hpc_class_parse(eq + 1);
			if (o->cls <= HPC_C_NONE) {
				scn_perr(p, p->line,
					 "unknown class '%.32s': expected CRASH, WARN, KASAN, LOCKDEP, HANG, STALE, CORRUPT, LEAK, TIMEOUT or CHECK",
					 eq + 1);
				return -1;
			}
		} else if (strcmp(key, "until") == 0) {
			if (strcmp(eq + 1, "deleted") == 0) {
				o->until = 1;
			} else if (strcmp(eq + 1, "unplugged") == 0) {
				o->until = 2;
			} else {
				scn_perr(p, p->line,
					 "invalid until '%.32s': expected until=deleted (QEMU's DEVICE_DELETED, the default) or until=unplugged (the device left QEMU's /machine/peripheral)",
					 eq + 1);
				return -1;
			}
		} else if (strcmp(key, "emit") == 0) {
			if (scn_copy_name(p, o->emit, eq + 1, "event name") < 0)
				return -1;
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	scn_perr(p, p->line, "unexpected '%.64s': expected %s%s", w[i],
		 *allowed ? "one of " : "nothing after the name", allowed);
	return -1;
}

/* run|check|bg NAME [opts] : PAYLOAD  /  reap BG [opts]  /  emit NAME [: TEXT]  /  wait EVENT [opts] */
int scn_step(struct parser *p, enum hpc_step_kind kind, char *rest)
{
	struct hpc_scenario *s = p->s;
	struct hpc_step *st;
	char *payload = NULL, *colon, *w[MAX_WORDS];
	struct opts o = { 0 };
	int nw, needs_payload = kind == HPC_STEP_RUN || kind == HPC_STEP_CHECK ||
				kind == HPC_STEP_BG;

	colon = strstr(rest, " : ");
	if (!colon && (kind == HPC_STEP_RUN || kind == HPC_STEP_CHECK ||
		       kind == HPC_STEP_BG || kind == HPC_STEP_EMIT)) {
		colon = strstr(rest, "\t: ");
	}
	if (colon) {
		*colon = '\0';
		payload = colon + 3;
		while (*payload == ' ' || *payload == '\t')
			payload++;
	}
	nw = scn_split_words(rest, w, MAX_WORDS);
	if (nw < 1) {
		scn_perr(p, p->line, "expected '%s NAME%s'", hpc_step_kind_name(kind),
			 needs_payload ? " [timeout=S] : COMMAND" : "");
		return -1;
	}
	if (needs_payload && (!payload || !*payload)) {
		scn_perr(p, p->line, "expected '%s %s [timeout=S] : COMMAND' (a ' : ' then the shell command)",
			 hpc_step_kind_name(kind), w[0]);
		return -1;
	}
	if (payload && !needs_payload && kind != HPC_STEP_EMIT) {
		scn_perr(p, p->line, "'%s' takes no ' : ' command", hpc_step_kind_name(kind));
		return -1;
	}
	if (scn_full(p, s->nsteps, HPC_SCN_MAX_STEPS, "steps"))
		return -1;
	st = &s->steps[s->nsteps];
	*st = (struct hpc_step){ .kind = kind, .line = p->line,
				 .line_end = p->line_end };
	if (scn_copy_name(p, st->name, w[0], "step name") < 0)
		return -1;
	if (parse_opts(p, w + 1, nw - 1, &o,
		       kind == HPC_STEP_CHECK || kind == HPC_STEP_REAP ? "timeout class" :
		       kind == HPC_STEP_EMIT ? "" : "timeout") < 0)
		return -1;
	st->timeout_s = o.has_timeout ? o.timeout : 60;
	st->fail_class = o.cls ? (enum hpc_class)o.cls : HPC_C_CHECK;
	st->judged = kind == HPC_STEP_CHECK || (kind == HPC_STEP_REAP && o.cls);
	if ((kind == HPC_STEP_EMIT || kind == HPC_STEP_WAIT) &&
	    strcmp(st->name, HPC_EV_OUTCOME) == 0) {
		scn_perr(p, p->line, "%s", hpc_scn_outcome_reserved);
		return -1;
	}
	if (payload) {
		if (strlen(payload) >= sizeof(st->payload)) {
			scn_perr(p, p->line, "command too long (at most %zu bytes)",
				 sizeof(st->payload) - 1);
			return -1;
		}
		strcpy(st->payload, payload);
	}
	if (kind == HPC_STEP_REAP) {
		int found = 0;

		for (int i = 0; i < s->nsteps; i++)
			if (s->steps[i].kind == HPC_STEP_BG &&
			    strcmp(s->steps[i].name, st->name) == 0)
				found = 1;
		if (!found) {
			scn_perr(p, p->line, "reap '%s': no earlier 'bg %s' step",
				 st->name, st->name);
			return -1;
		}
	}
	s->nsteps++;
	return 0;
}

/* MS or MIN-MAX (MIN <= MAX), each lo..hi; the message names what. */
static int parse_range(struct parser *p, const char *v, unsigned int lo,
		       unsigned int hi, const char *what, const char *shown,
		       const char *pre, unsigned int *min, unsigned int *max)
{
	const char *dash = strchr(v, '-');
	char a[16], b[16];
	size_t al = dash ? (size_t)(dash - v) : strlen(v);
	unsigned long x, y;

	if (al == 0 || al >= sizeof(a) || (dash && (!dash[1] || strlen(dash + 1) >= sizeof(b))))
		goto bad;
	memcpy(a, v, al);
	a[al] = '\0';
	snprintf(b, sizeof(b), "%s", dash ? dash + 1 : a);
	if (strspn(a, "0123456789") != strlen(a) || strspn(b, "0123456789") != strlen(b) ||
	    strlen(a) > 8 || strlen(b) > 8)
		goto bad;
	x = strtoul(a, NULL, 10);
	y = strtoul(b, NULL, 10);
	if (x < lo || y > hi || x > y)
		goto bad;
	*min = (unsigned int)x;
	*max = (unsigned int)y;
	return 0;
bad:
	scn_perr(p, p->line,
		 "invalid %s '%.32s': expected %sMS or %sMIN-MAX (MIN <= MAX), milliseconds from %u to %u",
		 what, shown, pre, pre, lo, hi);
	return -1;
}

static int timing_key(const char *w)
{
	return strncmp(w, "after=", 6) == 0 || strncmp(w, "every=", 6) == 0 ||
	       strncmp(w, "count=", 6) == 0;
}

#define ON_USAGE "on EVENT|@MS [after=MS] [every=MS [count=N]] ACTION ARGS..."

/* Timing options between the trigger and the action: after= every= count=. */
static int parse_timing(struct parser *p, struct hpc_action *a, char **w,
			int nw, int *i)
{
	int seen_after = 0, seen_every = 0;

	for (; *i < nw && timing_key(w[*i]); (*i)++) {
		const char *v = w[*i] + 6;

		if (strncmp(w[*i], "after=", 6) == 0) {
			if (seen_after++) {
				scn_perr(p, p->line, "after= given twice");
				return -1;
			}
			if (a->at) {
				scn_perr(p, p->line,
					 "on @MS takes no after=: give the time as @MS or @MIN-MAX");
				return -1;
			}
			if (parse_range(p, v, 0, HPC_SCN_MAX_MS, "after", w[*i] + 6, "",
					&a->after_min_ms, &a->after_max_ms) < 0)
				return -1;
		} else if (strncmp(w[*i], "every=", 6) == 0) {
			if (seen_every++) {
				scn_perr(p, p->line, "every= given twice");
				return -1;
			}
			if (parse_range(p, v, HPC_SCN_MIN_EVERY_MS, HPC_SCN_MAX_MS,
					"every", w[*i] + 6, "", &a->every_min_ms,
					&a->every_max_ms) < 0)
				return -1;
		} else {
			if (a->count_given++) {
				scn_perr(p, p->line, "count= given twice");
				return -1;
			}
			if (scn_parse_uint(p, v, 1, HPC_SCN_MAX_FIRINGS, "count", &a->count) < 0)
				return -1;
		}
	}
	if (a->count_given && !a->every_min_ms) {
		scn_perr(p, p->line,
			 "count= needs every=MS (count is how often a repeated action fires)");
		return -1;
	}
	if (!a->every_min_ms)
		a->count = 1;
	else if (!a->count_given)
		a->count = HPC_SCN_MAX_FIRINGS;
	return 0;
}

/* device_add ID / device_del ID: once per device; emits ID:added|deleted. */
static int on_device(struct parser *p, struct hpc_action *a, char **w,
		     int nargs)
{
	const struct hpc_scenario *s = p->s;
	const struct hpc_device *d;
	int add = strcmp(w[0], "device_add") == 0;
	char ev[HPC_SCN_NAME];

	a->kind = add ? HPC_ACT_DEVICE_ADD : HPC_ACT_DEVICE_DEL;
	if (nargs != 1) {
		scn_perr(p, p->line, "expected '%s ID'", w[0]);
		return -1;
	}
	if (a->every_min_ms) {
		scn_perr(p, p->line,
			 "%s cannot repeat (every=): a device is added or deleted once; repeat signal or qom-set",
			 w[0]);
		return -1;
	}
	if (scn_copy_name(p, a->target, w[1], "device id") < 0)
		return -1;
	d = hpc_scenario_device(s, a->target);
	if (!d || d->is_object) {
		scn_perr(p, p->line, "%s: no device '%s' defined above", w[0],
			 a->target);
		return -1;
	}
	if (add && !d->hotplug) {
		scn_perr(p, p->line,
			 "device_add %s: the device is plugged at boot; mark it 'hotplug' (line %d)",
			 a->target, d->line);
		return -1;
	}
	for (int j = 0; j < s->nactions; j++)
		if (s->actions[j].kind == a->kind &&
		    strcmp(s->actions[j].target, a->target) == 0) {
			scn_perr(p, p->line,
				 "%s %s given twice (first at line %d): a device is %s once",
				 w[0], a->target, s->actions[j].line,
				 add ? "added" : "deleted");
			return -1;
		}
	snprintf(ev, sizeof(ev), "%.50s:%s", w[1], add ? "added" : "deleted");
	memcpy(a->emit, ev, sizeof(ev));
	return 0;
}

/* qom-set /QOM/PATH PROPERTY VALUE: no value QEMU could take as a path. */
static int on_qom_set(struct parser *p, struct hpc_action *a, char **w,
		      int nargs)
{
	a->kind = HPC_ACT_QOM_SET;
	if (nargs != 3 || strlen(w[1]) >= sizeof(a->path) ||
	    strlen(w[3]) >= sizeof(a->value) || w[1][0] != '/' ||
	    !scn_prop_value_valid(w[1]) || !scn_prop_value_valid(w[3])) {
		scn_perr(p, p->line, "expected 'qom-set /QOM/PATH PROPERTY VALUE'");
		return -1;
	}
	if (strchr(w[3], '/')) {
		/* a property set at run time may be one QEMU takes as a path */
		scn_perr(p, p->line,
			 "qom-set %.64s: a value with '/' could name a host path: expected a value without '/'",
			 w[2]);
		return -1;
	}
	strcpy(a->path, w[1]);
	if (scn_copy_name(p, a->prop, w[2], "property") < 0)
		return -1;
	strcpy(a->value, w[3]);
	return 0;
}

/* signal EVENT: only emits the event. */
static int on_signal(struct parser *p, struct hpc_action *a, char **w,
		     int nargs)
{
	a->kind = HPC_ACT_SIGNAL;
	if (nargs != 1) {
		scn_perr(p, p->line, "expected 'signal EVENT'");
		return -1;
	}
	return scn_copy_name(p, a->emit, w[1], "event name");
}

/* The trigger: EVENT, or @MS / @MIN-MAX after the agent's HELLO. */
static int on_trigger(struct parser *p, struct hpc_action *a, const char *w)
{
	if (w[0] != '@')
		return scn_copy_name(p, a->on, w, "event name");
	if (parse_range(p, w + 1, 0, HPC_SCN_MAX_MS, "time", w, "@",
			&a->after_min_ms, &a->after_max_ms) < 0)
		return -1;
	a->at = 1;
	strcpy(a->on, "boot");
	return 0;
}

/*
 * Where the options after an action's arguments start (w[i] is the
 * action): the first emit=, timeout= or until=; nw if none. -1 when a
 * timing option comes after the action.
 */
static int on_first_opt(struct parser *p, char **w, int nw, int i)
{
	int first_opt = nw;

	for (int j = i + 1; j < nw; j++) {
		if (timing_key(w[j])) {
			scn_perr(p, p->line, "'%.64s' goes before the action: '" ON_USAGE "'",
				 w[j]);
			return -1;
		}
		if (first_opt == nw &&
		    (strncmp(w[j], "emit=", 5) == 0 || strncmp(w[j], "timeout=", 8) == 0 ||
		     strncmp(w[j], "until=", 6) == 0))
			first_opt = j;
	}
	return first_opt;
}

static const struct {
	const char *name;
	int (*parse)(struct parser *p, struct hpc_action *a, char **w, int nargs);
} on_actions[] = {
	{ "device_add", on_device },
	{ "device_del", on_device },
	{ "qom-set", on_qom_set },
	{ "signal", on_signal },
};

/* The action w[0] with its nargs arguments. */
static int on_action(struct parser *p, struct hpc_action *a, char **w,
		     int nargs)
{
	for (size_t k = 0; k < sizeof(on_actions) / sizeof(on_actions[0]); k++)
		if (strcmp(w[0], on_actions[k].name) == 0)
			return on_actions[k].parse(p, a, w, nargs);
	if (scn_is_cxl_action(w[0]))
		return scn_on_cxl(p, a, w, nargs);
	scn_perr(p, p->line,
		 "unknown action '%.32s': expected device_add, device_del, qom-set, signal or a cxl-inject-* command (docs/scenarios.md)",
		 w[0]);
	return -1;
}

/* on EVENT|@MS [after=MS] [every=MS [count=N]] ACTION ARGS... [emit=E] [timeout=S] */
int scn_on(struct parser *p, char **w, int nw)
{
	struct hpc_scenario *s = p->s;
	struct hpc_action *a;
	struct opts o = { 0 };
	int i = 2, first_opt;

	if (nw < 3) {
		scn_perr(p, p->line, "expected '" ON_USAGE "'");
		return -1;
	}
	if (scn_full(p, s->nactions, HPC_SCN_MAX_ACTIONS, "host actions"))
		return -1;
	a = &s->actions[s->nactions];
	memset(a, 0, sizeof(*a));
	a->line = p->line;
	a->line_end = p->line_end;
	if (on_trigger(p, a, w[1]) < 0 || parse_timing(p, a, w, nw, &i) < 0)
		return -1;
	if (i >= nw) {
		scn_perr(p, p->line, "expected an action after '%.64s'", w[i - 1]);
		return -1;
	}
	first_opt = on_first_opt(p, w, nw, i);
	if (first_opt < 0 ||
	    parse_opts(p, w + first_opt, nw - first_opt, &o, "emit timeout until") < 0)
		return -1;
	if (o.until && strcmp(w[i], "device_del")) {
		scn_perr(p, p->line, "until= is an option of device_del only");
		return -1;
	}
	a->until_unplugged = o.until == 2;
	a->timeout_s = o.has_timeout ? o.timeout : 60;
	if (on_action(p, a, w + i, first_opt - i - 1) < 0)
		return -1;
	if (o.emit[0])
		strcpy(a->emit, o.emit);
	if (strcmp(a->emit, HPC_EV_OUTCOME) == 0) {
		scn_perr(p, p->line, "%s", hpc_scn_outcome_reserved);
		return -1;
	}
	s->nactions++;
	return 0;
}
