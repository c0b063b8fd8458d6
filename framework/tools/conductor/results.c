// SPDX-License-Identifier: GPL-2.0
/*
 * The end of a run: what it saw goes to lib/verdict.c's hpc_judge() (a
 * plain struct hpc_judge_in; the decision is made there, not here), then
 * verdict.json (hpc_verdict_json_new() and _write(); this file adds what
 * only the conductor knows: the schedule that ran, steps, outcomes,
 * reports, the guest's KTAP counts, the kernel log's channels) and
 * ktap.txt.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>

#include "conductor.h"
#include "hpc/ktapcheck.h"
#include "hpc/linebuf.h"
#include "hpc/symbolize.h"

/* The KTAP the guest reported, parsed (NULL if none or out of memory). */
static struct hpc_ktap *guest_ktap(const struct conductor *c)
{
	struct json_object *lines = c->g.ktap_lines;
	size_t nk = json_object_array_length(lines);
	struct hpc_ktap *k = nk ? hpc_ktap_new() : NULL;

	if (!k)
		return NULL;
	for (size_t i = 0; i < nk; i++) {
		const char *l = json_object_get_string(json_object_array_get_idx(lines, i));

		hpc_ktap_line(k, l, strlen(l));
	}
	hpc_ktap_finish(k);
	return k;
}

/* A report's console line (0: none), whatever its source. */
static size_t report_console_line(const struct conductor *c,
				  const struct hpc_report *rep)
{
	return rep->src == HPC_SRC_KMSG ?
	       hpc_kmerge_console_line(c->kmerge, rep->line) : rep->line;
}

/* Where a report is: its kernel log record and/or console line. */
static void report_where(const struct conductor *c, const struct hpc_report *rep,
			 char *buf, size_t cap)
{
	size_t cl = report_console_line(c, rep);

	if (rep->src == HPC_SRC_KMSG && cl)
		snprintf(buf, cap, "in kernel log record %zu (/dev/kmsg), console line %zu",
			 rep->line, cl);
	else if (rep->src == HPC_SRC_KMSG)
		snprintf(buf, cap, "in kernel log record %zu (/dev/kmsg)", rep->line);
	else
		snprintf(buf, cap, "at console line %zu (console only)", cl);
}

/* What the run saw, for lib/verdict.c's hpc_judge(). */
/*
 * The stuck task that names the step (STACK lines): the first in D state
 * with a function it waits in, else the first one not merely idle (a shell
 * waiting for its child); its index, its function in func, or -1.
 */
static int stuck_pick(const struct guest_state *g, char *func, size_t len)
{
	struct hpc_frame *f = calloc(STUCK_FRAMES, sizeof(*f));
	char fn[HPC_SYM_NAME_MAX];
	int best = -1;

	if (len)
		func[0] = '\0';
	for (int t = 0; f && t < g->nstuck; t++) {
		const struct stuck_task *k = &g->stuck[t];
		size_t n = 0;

		for (int i = 0; i < k->n; i++)
			n += (size_t)hpc_frame_parse(k->frame[i], strlen(k->frame[i]), &f[n]);
		if (hpc_stuck_func(f, n, fn, sizeof(fn)) < 0 || hpc_stuck_idle(fn))
			continue;
		if (best < 0 || (k->state == 'D' && g->stuck[best].state != 'D')) {
			best = t;
			snprintf(func, len, "%s", fn);
		}
	}
	free(f);
	return best;
}

void judge(struct conductor *c, struct hpc_decision *vd, int connected)
{
	char stuck_fn[HPC_SYM_NAME_MAX];
	int stuck = stuck_pick(&c->g, stuck_fn, sizeof(stuck_fn));
	const struct hpc_report *rep = hpc_triage_primary(c->triage);
	const struct guest_state *g = &c->g;
	struct hpc_ktap *k = guest_ktap(c);
	char tail[400];
	char where[200] = "";
	struct hpc_judge_in in = {
		.s = c->s,
		.interrupted = c->interrupted,
		.connected = connected,
		.why_stop = c->why_stop,
		.qemu_tail = tail,
		.report = rep != NULL,
		.report_cls = rep ? rep->cls : HPC_C_NONE,
		.report_title = rep ? rep->title : NULL,
		.report_line = rep ? rep->line : 0,
		.report_where = where,
		.action_error = c->action_error,
		.action_timeout = c->action_timeout,
		.hello = g->hello,
		.console_lines = g->console_lines,
		.boot_bound = c->boot_bound,
		.boot_timeout_s = c->s->boot_timeout_s,
		.console_last = g->console_last,
		.console_silent_s = g->console_last_t > 0 ? now_s(c) - g->console_last_t : 0,
		.guest_exited = c->exited_at_stop,
		.guest_signal = c->exited_at_stop && WIFSIGNALED(c->guest_status) ?
				WTERMSIG(c->guest_status) : 0,
		.shutdown_reason = g->shutdown_reason,
		.steps = g->steps,
		.stuck_step = stuck >= 0 ? g->stuck_step : 0,
		.stuck_pid = stuck >= 0 ? g->stuck[stuck].pid : 0,
		.stuck_state = stuck >= 0 ? g->stuck[stuck].state : 0,
		.stuck_func = stuck_fn,
		.bye = g->bye,
		.bye_code = g->bye_code,
		.outcomes = g->outcomes,
		.noutcomes = g->noutcomes,
		.ktap = k,
		.ktap_cut = g->ktap_cut,
	};

	if (rep)
		report_where(c, rep, where, sizeof(where));
	qemu_stderr_tail(c, tail, sizeof(tail));
	hpc_judge(&in, vd);
	hpc_ktap_free(k);
}

/* ---- ktap.txt ---- */

/*
 * The KTAP name of step i: its name, made unique when several steps share
 * it ("load", "load_2"), as KTAP consumers merge results of one name.
 */
static void ktap_step_name(const struct conductor *c, int i, char *out, size_t n)
{
	const char *name = c->s->steps[i].name;
	int same = 0, nth = 0;

	for (int j = 0; j < c->s->nsteps; j++)
		if (strcmp(c->s->steps[j].name, name) == 0 && (++same, j <= i))
			nth = same;
	if (nth > 1)
		snprintf(out, n, "%s_%d", name, nth);
	else
		snprintf(out, n, "%s", name);
}

static void ktap_step_line(FILE *f, const struct conductor *c, int i)
{
	const struct hpc_step_result *r = &c->g.steps[i];
	int ok = r->ended && r->st.kind == HPC_ST_EXIT && r->st.value == 0;
	char name[HPC_PROTO_MAX_NAME + 8];

	ktap_step_name(c, i, name, sizeof(name));
	if (!r->ended && c->g.bye)
		fprintf(f, "ok %d %s # SKIP not run: an earlier step failed\n", i + 1, name);
	else if (!r->ended)
		fprintf(f, "not ok %d %s # not finished\n", i + 1, name);
	else
		fprintf(f, "%s %d %s%s%s\n", ok ? "ok" : "not ok", i + 1, name,
			ok ? "" : " # status ", ok ? "" : r->status);
}

static bool ktap_doc_start(const char *l)
{
	return strncmp(l, "KTAP version ", 13) == 0 || strncmp(l, "TAP version ", 12) == 0;
}

/* A document failed: a top-level "not ok" or a bail-out in it. */
static bool ktap_doc_failed(struct json_object *lines, const unsigned char *step,
			    size_t from, size_t to, int i)
{
	for (size_t k = from; k < to; k++) {
		const char *l = json_object_get_string(json_object_array_get_idx(lines, k));

		if (step[k] == i && (strncmp(l, "not ok ", 7) == 0 || strncmp(l, "Bail out!", 9) == 0))
			return true;
	}
	return false;
}

static const char *ktap_at(struct json_object *lines, size_t k)
{
	return json_object_get_string(json_object_array_get_idx(lines, k));
}

/* Line k made printable (hpc_sanitize) into *buf; its length, -1 if out of memory. */
static long ktap_clean(struct json_object *lines, size_t k, char **buf)
{
	const char *l = ktap_at(lines, k);
	size_t len = strlen(l);
	char *nb = realloc(*buf, len + 1);

	if (!nb)
		return -1;
	*buf = nb;
	memcpy(nb, l, len);
	len = hpc_sanitize(nb, len);
	nb[len] = '\0';
	return (long)len;
}

static void ktap_first_problem(void *arg, unsigned long line, const char *msg)
{
	char *why = arg;

	if (!why[0])
		snprintf(why, 300, "line %lu of it: %s", line, msg);
}

/*
 * Is the document of step i in lines [from, to), made printable, valid
 * KTAP on its own (any indentation per level, plan required, unique names:
 * what ktap.txt is held to)? If not, why in why (300 bytes).
 */
static bool ktap_doc_valid(struct json_object *lines, const unsigned char *step,
			   size_t from, size_t to, int i, char *why)
{
	struct hpc_kcheck_opts o = { .indent = 0 };
	struct hpc_kcheck *k = hpc_kcheck_new(&o, ktap_first_problem, why);
	char *buf = NULL;
	bool ok = k != NULL;
	long len;

	why[0] = '\0';
	for (size_t n = from; ok && n < to; n++) {
		if (step[n] != i)
			continue;
		len = ktap_clean(lines, n, &buf);
		ok = len >= 0;
		if (ok)
			hpc_kcheck_line(k, buf, (size_t)len);
	}
	if (ok) {
		hpc_kcheck_finish(k);
		ok = hpc_kcheck_problems(k) == 0;
	} else {
		snprintf(why, 300, "out of memory checking it");
	}
	hpc_kcheck_free(k);
	free(buf);
	return ok;
}

/*
 * One document of the guest, nested at indent (4 or 8 spaces), made
 * printable. A valid one is re-indented, 4 spaces per level as KUnit
 * writes it; one that is not valid KTAP (cut short by a program that died,
 * or hostile) cannot make ktap.txt invalid: its lines become diagnostics.
 */
static void ktap_doc_write(FILE *f, struct json_object *lines, const unsigned char *step,
			   size_t from, size_t to, int i, const char *indent)
{
	struct hpc_kcheck_opts o = { .indent = 0 };
	struct hpc_kcheck *k = hpc_kcheck_new(&o, NULL, NULL);
	char why[300] = "out of memory", *buf = NULL;
	bool valid = k && ktap_doc_valid(lines, step, from, to, i, why);

	if (!valid)
		fprintf(f, "%s# hpchaos: the guest's KTAP below is not valid KTAP (%s); its lines follow as diagnostics\n",
			indent, why);
	for (size_t n = from; n < to; n++) {
		long len = step[n] == i ? ktap_clean(lines, n, &buf) : -1;
		size_t ws = 0;
		int depth;

		if (len < 0)
			continue;
		depth = valid ? hpc_kcheck_line(k, buf, (size_t)len) : -1;
		if (!valid)
			fprintf(f, "%s# %s\n", indent, buf);
		else if (depth < 0)
			fprintf(f, "%s%s\n", indent, buf);
		else {
			while (buf[ws] == ' ')
				ws++;
			fprintf(f, "%s%*s%s\n", indent, 4 * depth, "", buf + ws);
		}
	}
	free(buf);
	hpc_kcheck_free(k);
}

/*
 * The KTAP step i's programs wrote, nested under its result line as the
 * spec wants: one document as the step's subtest; several (a program run
 * more than once) each as a subtest of its own, "NAME.1", "NAME.2", ...
 */
static void ktap_step_docs(FILE *f, const struct conductor *c, int i)
{
	struct json_object *lines = c->g.ktap_lines;
	const unsigned char *step = c->g.ktap_step;
	size_t n = json_object_array_length(lines), first = n, k, start;
	int ndocs = 0, d = 0;
	char name[HPC_PROTO_MAX_NAME + 8];

	for (k = 0; k < n; k++) {
		if (step[k] != i)
			continue;
		if (first == n)
			first = k;
		ndocs += k == first || ktap_doc_start(ktap_at(lines, k));
	}
	if (!ndocs)
		return;
	ktap_step_name(c, i, name, sizeof(name));
	if (ndocs > 1)
		fprintf(f, "    KTAP version 1\n    # Subtest: %s\n    1..%d\n", name, ndocs);
	for (start = first; start < n; start = k) {
		for (k = start + 1; k < n && !(step[k] == i && ktap_doc_start(ktap_at(lines, k))); k++)
			;
		ktap_doc_write(f, lines, step, start, k, i, ndocs > 1 ? "        " : "    ");
		if (ndocs > 1) {
			d++;
			fprintf(f, "    %s %d %s.%d\n",
				ktap_doc_failed(lines, step, start, k, i) ? "not ok" : "ok", d, name, d);
		}
	}
}

void write_ktap(const struct conductor *c)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/ktap.txt", c->opt.dir);
	f = open_private(path);
	if (!f)
		return;
	fprintf(f, "KTAP version 1\n1..%d\n", c->s->nsteps);
	for (int i = 0; i < c->s->nsteps; i++) {
		ktap_step_docs(f, c, i);
		ktap_step_line(f, c, i);
	}
	if (c->g.ktap_cut)
		fprintf(f, "# KTAP from the guest truncated: %lu more lines dropped (at most %d lines, %ld bytes are kept)\n",
			c->g.ktap_cut, KTAP_MAX_LINES, KTAP_MAX_BYTES);
	fclose(f);
}

/* ---- verdict.json ---- */

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static struct json_object *j_int(int64_t v)
{
	return json_object_new_int64(v);
}

static struct json_object *j_str(const char *s)
{
	return json_object_new_string(s);
}

/* One firing of the schedule, for verdict.json. */
static struct json_object *firing_json(unsigned int k, unsigned int delay_ms,
				       double trigger_t, double planned,
				       const double *real)
{
	struct json_object *f = json_object_new_object();

	add(f, "firing", json_object_new_int((int)k));
	add(f, "delay_ms", j_int(delay_ms));
	add(f, "planned_s", j_s(planned));
	add(f, "planned_since_trigger_ms", j_ms(planned - trigger_t));
	if (real) {
		add(f, "real_s", j_s(*real));
		add(f, "since_trigger_ms", j_ms(*real - trigger_t));
		add(f, "late_ms", j_ms(*real - planned));
	}
	return f;
}

/* Action i as written and as it ran. */
static struct json_object *action_json(const struct conductor *c, int i)
{
	const struct hpc_action *a = &c->s->actions[i];
	const struct act_state *as = &c->act[i];
	struct json_object *o = json_object_new_object(), *fs = json_object_new_array();
	char timing[96];

	hpc_action_timing(a, timing, sizeof(timing));
	add(o, "idx", json_object_new_int(i));
	add(o, "line", json_object_new_int(a->line));
	add(o, "on", j_str(a->on));
	add(o, "at", json_object_new_boolean(a->at));
	add(o, "timing", j_str(timing));
	add(o, "action", j_str(action_name(a)));
	add(o, "target", j_str(action_target(a)));
	if (a->until_unplugged)
		add(o, "until", j_str("unplugged"));
	add(o, "count", json_object_new_int((int)a->count));
	add(o, "trigger", as->armed ? j_str(as->trigger) : NULL);
	add(o, "trigger_s", as->armed ? j_s(as->trigger_t) : NULL);
	add(o, "fired", json_object_new_int((int)as->fired));
	for (unsigned int k = 0; k < as->fired && k < SCHED_RECORD; k++)
		json_object_array_add(fs, firing_json(k, as->rec[k].delay_ms, as->trigger_t,
						      as->rec[k].planned, &as->rec[k].real));
	add(o, "firings", fs);
	if (as->fired > SCHED_RECORD)
		add(o, "firings_not_listed", json_object_new_int((int)(as->fired - SCHED_RECORD)));
	if (as->pending)
		add(o, "unfired", firing_json(as->k, as->delay_ms, as->trigger_t, as->due, NULL));
	return o;
}

/*
 * The concrete schedule that ran: per action its timing as written, its
 * trigger, and every firing with the drawn delay and the planned and the
 * real time (s since the conductor started, and ms since the trigger). A
 * firing that was due but never came (the scenario ended) is "unfired".
 */
static struct json_object *schedule_json(const struct conductor *c)
{
	struct json_object *arr = json_object_new_array();

	for (int i = 0; i < c->s->nactions; i++)
		json_object_array_add(arr, action_json(c, i));
	return arr;
}

/* expect, outcomes (kept) and outcomes_not_listed. */
static void add_outcomes(struct json_object *o, const struct conductor *c)
{
	const struct guest_state *g = &c->g;
	struct json_object *ex = json_object_new_array(), *oc = json_object_new_array();

	if (c->s->expect & HPC_OUTCOME_REVOKE)
		json_object_array_add(ex, j_str("revoke"));
	if (c->s->expect & HPC_OUTCOME_RESET)
		json_object_array_add(ex, j_str("reset"));
	add(o, "expect", ex);
	for (int i = 0; i < g->noutcomes; i++) {
		struct json_object *e = json_object_new_object();

		add(e, "outcome", j_str(g->outcomes[i].word));
		add(e, "t", j_s(g->outcomes[i].t));
		json_object_array_add(oc, e);
	}
	add(o, "outcomes", oc);
	if (g->outcomes_total > (unsigned int)g->noutcomes)
		add(o, "outcomes_not_listed",
		    j_int(g->outcomes_total - (unsigned int)g->noutcomes));
}

static struct json_object *steps_json(const struct conductor *c)
{
	struct json_object *steps = json_object_new_array();

	for (int i = 0; i < c->s->nsteps; i++) {
		const struct hpc_step_result *r = &c->g.steps[i];
		struct json_object *st = json_object_new_object();

		add(st, "idx", json_object_new_int(i));
		add(st, "name", j_str(c->s->steps[i].name));
		add(st, "kind", j_str(hpc_step_kind_name(c->s->steps[i].kind)));
		add(st, "status", r->ended ? j_str(r->status) : NULL);
		add(st, "duration_ms", j_int((int64_t)r->duration_ms));
		json_object_array_add(steps, st);
	}
	return steps;
}

/* The guest's KTAP results by kind ("pass", "fail", ...), and truncated. */
static struct json_object *guest_ktap_json(const struct conductor *c,
					   const struct hpc_ktap *k)
{
	static const enum hpc_ktap_res res[] = {
		HPC_KTAP_PASS, HPC_KTAP_FAIL, HPC_KTAP_SKIP, HPC_KTAP_XFAIL,
	};
	struct json_object *kt = json_object_new_object();

	for (size_t i = 0; k && i < sizeof(res) / sizeof(res[0]); i++) {
		const char *name = hpc_ktap_res_name(res[i]);
		char key[16];
		size_t j;

		for (j = 0; j + 1 < sizeof(key) && name[j]; j++)
			key[j] = (char)tolower((unsigned char)name[j]);
		key[j] = '\0';
		add(kt, key, j_int((int64_t)hpc_ktap_count(k, 0, res[i])));
	}
	if (c->g.ktap_cut || (k && hpc_ktap_info(k)->truncated))
		add(kt, "truncated", json_object_new_boolean(1));
	return kt;
}

/*
 * Cycles of one boot (docs/scenarios.md, "Many cycles per boot"): the
 * guest's KTAP subtests named "cycle K" (hpc-mirror-test -t bar.cycles
 * prints one per unplug + re-plug + verify cycle). NULL if there are none.
 */
static struct json_object *cycles_json(const struct hpc_ktap *k)
{
	unsigned long n = 0, passed = 0, first_failed = 0, num;
	struct json_object *o = NULL;
	char end;

	for (size_t i = 0; k && i < hpc_ktap_nresults(k); i++) {
		const struct hpc_ktap_result *r = hpc_ktap_result(k, i);

		if (r->depth == 0 || sscanf(r->name, "cycle %lu%c", &num, &end) != 1)
			continue;
		n++;
		if (r->result == HPC_KTAP_PASS)
			passed++;
		else if (!first_failed)
			first_failed = num;
	}
	if (n) {
		o = json_object_new_object();
		add(o, "n", j_int((int64_t)n));
		add(o, "passed", j_int((int64_t)passed));
		add(o, "failed", j_int((int64_t)(n - passed)));
		add(o, "first_failed", first_failed ? j_int((int64_t)first_failed) : NULL);
	}
	return o;
}

static struct json_object *reports_json(const struct conductor *c)
{
	struct json_object *reps = json_object_new_array();

	for (size_t i = 0; i < hpc_triage_count(c->triage); i++) {
		const struct hpc_report *rep = hpc_triage_get(c->triage, i);
		struct json_object *r = json_object_new_object();
		size_t cl = report_console_line(c, rep);

		add(r, "class", j_str(hpc_class_name(rep->cls)));
		add(r, "title", j_str(rep->title));
		/* where it came from (docs/verdicts.md) */
		add(r, "source", j_str(rep->src == HPC_SRC_KMSG ? "kmsg" : "console"));
		if (rep->src == HPC_SRC_KMSG)
			add(r, "kmsg_seq", j_int((int64_t)rep->line));
		add(r, "console_line", cl ? j_int((int64_t)cl) : NULL);
		json_object_array_add(reps, r);
	}
	return reps;
}

/* How much of the kernel log came by which channel. */
static struct json_object *kernel_log_json(const struct conductor *c)
{
	const struct hpc_kmerge_stats *ks = hpc_kmerge_stats(c->kmerge);
	struct json_object *kl = json_object_new_object();

	add(kl, "kmsg_records", j_int((int64_t)ks->records));
	add(kl, "kmsg_kernel_records", j_int((int64_t)ks->kernel_records));
	add(kl, "kmsg_lost", j_int(ks->lost > INT64_MAX ? INT64_MAX : (int64_t)ks->lost));
	add(kl, "console_lines_after_last_record", j_int((int64_t)ks->tail_lines));
	add(kl, "console_lines_in_loss_windows", j_int((int64_t)ks->unverified_lines));
	add(kl, "console_lines_over_bound", j_int((int64_t)ks->tail_dropped));
	return kl;
}

/* scenario, file, groups, run_id, seed, duration_s, interrupted, guest_release, hello_s */
static void add_run(struct json_object *o, const struct conductor *c)
{
	struct json_object *groups = json_object_new_array();

	add(o, "scenario", j_str(c->s->name));
	add(o, "file", j_str(c->s->file));
	for (int i = 0; i < c->s->ngroups; i++)
		json_object_array_add(groups, j_str(c->s->groups[i]));
	add(o, "groups", groups);
	add(o, "run_id", j_str(c->opt.run_id));
	add(o, "seed", j_int((int64_t)c->opt.seed));
	add(o, "duration_s", json_object_new_double(now_s(c)));
	add(o, "interrupted", json_object_new_boolean(c->interrupted));
	add(o, "guest_release", c->g.release[0] ? j_str(c->g.release) : NULL);
	add(o, "hello_s", c->g.hello ? j_s(c->g.hello_t) : NULL);
}

/* The kernel stacks of the tasks of the step that ran out of time. */
static struct json_object *stuck_json(const struct conductor *c)
{
	const struct guest_state *g = &c->g;
	struct json_object *o = json_object_new_object(), *tasks = json_object_new_array();
	char fn[HPC_SYM_NAME_MAX];
	int pick = stuck_pick(g, fn, sizeof(fn));

	add(o, "step", j_str(c->s->steps[g->stuck_step - 1].name));
	add(o, "function", fn[0] ? j_str(fn) : NULL);
	add(o, "pid", pick >= 0 ? j_int(g->stuck[pick].pid) : NULL);
	for (int t = 0; t < g->nstuck; t++) {
		struct json_object *k = json_object_new_object(), *stack = json_object_new_array();
		char st[2] = { g->stuck[t].state, '\0' };

		add(k, "pid", j_int(g->stuck[t].pid));
		add(k, "state", j_str(st));
		for (int i = 0; i < g->stuck[t].n; i++)
			json_object_array_add(stack, j_str(g->stuck[t].frame[i]));
		add(k, "stack", stack);
		json_object_array_add(tasks, k);
	}
	add(o, "tasks", tasks);
	return o;
}

/* verdict.json: 0, or -1 (said on stderr). */
int write_verdict(struct conductor *c, const struct hpc_decision *vd)
{
	struct json_object *o = hpc_verdict_json_new(vd);
	int r = 0;

	if (!o)
		fatal("out of memory");
	add_run(o, c);
	add(o, "schedule", schedule_json(c));
	add_outcomes(o, c);
	add(o, "steps", steps_json(c));
	if (c->g.stuck_step)
		add(o, "stuck", stuck_json(c));
	if (json_object_array_length(c->g.ktap_lines) > 0) {
		struct hpc_ktap *k = guest_ktap(c);
		struct json_object *cy = cycles_json(k);

		add(o, "guest_ktap", guest_ktap_json(c, k));
		if (cy)
			add(o, "cycles", cy);
		hpc_ktap_free(k);
	}
	add(o, "reports", reports_json(c));
	add(o, "kernel_log", kernel_log_json(c));
	if (c->files.timeline_dropped)
		add(o, "timeline_dropped", j_int((int64_t)c->files.timeline_dropped));
	if (hpc_verdict_json_write(c->opt.dir, o) < 0) {
		fprintf(stderr, "hpc-conductor: cannot write %s/" HPC_VERDICT_FILE ": %s\n",
			c->opt.dir, strerror(errno));
		r = -1;
	}
	json_object_put(o);
	return r;
}
