// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "hpc/ktap.h"
#include "hpc/linebuf.h"
#include "hpc/runfile.h"
#include "hpc/scenario.h"
#include "hpc/verdict.h"

static const char *const verdict_names[HPC_V__COUNT] = {
	[HPC_V_PASS] = "PASS",	 [HPC_V_RESET] = "RESET", [HPC_V_XFAIL] = "XFAIL",
	[HPC_V_SKIP] = "SKIP",	 [HPC_V_ERROR] = "ERROR", [HPC_V_FAIL] = "FAIL",
};

static const char *const class_names[HPC_C__COUNT] = {
	[HPC_C_NONE] = "",	     [HPC_C_CRASH] = "CRASH",
	[HPC_C_WARN] = "WARN",	     [HPC_C_KASAN] = "KASAN",
	[HPC_C_LOCKDEP] = "LOCKDEP", [HPC_C_HANG] = "HANG",
	[HPC_C_STALE] = "STALE",     [HPC_C_CORRUPT] = "CORRUPT",
	[HPC_C_LEAK] = "LEAK",	     [HPC_C_TIMEOUT] = "TIMEOUT",
	[HPC_C_CHECK] = "CHECK",
};

const char *hpc_verdict_name(enum hpc_verdict v)
{
	return (unsigned int)v < HPC_V__COUNT ? verdict_names[v] : "?";
}

const char *hpc_class_name(enum hpc_class c)
{
	return (unsigned int)c < HPC_C__COUNT ? class_names[c] : "?";
}

static int lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (names[i][0] && strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int hpc_verdict_parse(const char *s)
{
	return lookup(verdict_names, HPC_V__COUNT, s);
}

int hpc_class_parse(const char *s)
{
	return lookup(class_names, HPC_C__COUNT, s);
}

/* ---- the decision ---- */

void hpc_decision_set(struct hpc_decision *d, enum hpc_verdict v,
		      enum hpc_class c, const char *title, const char *fmt, ...)
{
	va_list ap;

	d->v = v;
	d->cls = c;
	snprintf(d->title, sizeof(d->title), "%s", title ? title : "");
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

static const char *str(const char *s)
{
	return s ? s : "";
}

/*
 * A failed check whose guest KTAP failures are all known-fail patterns is a
 * baseline failure: XFAIL. Otherwise the first unexpected failure is named
 * in the title. A KTAP cut anywhere (lines dropped by the conductor,
 * results beyond what the reader keeps) or cut short (a bail-out, fewer
 * top-level results than the plan) is never XFAIL: the failures not seen
 * may be unknown ones. d holds the FAIL of the check on entry.
 */
static void known_failures(const struct hpc_judge_in *in, struct hpc_decision *d,
			   const struct hpc_step *st)
{
	const struct hpc_scenario *s = in->s;
	const struct hpc_ktap *k = in->ktap;
	const struct hpc_ktap_info *info;
	const char *incomplete;
	const char *unexpected = NULL;
	char list[512] = "";
	size_t nfail = 0;

	if (!k)
		return;
	info = hpc_ktap_info(k);
	incomplete = in->ktap_cut ? "cut (more than the conductor keeps)" :
		     info->truncated ? "cut (more results than the KTAP reader keeps)" :
		     info->bailed_out ? "cut short (it bailed out)" :
		     info->plan >= 0 && info->total < (unsigned long)info->plan ?
		     "cut short (fewer results than its plan)" : NULL;
	for (size_t i = 0; i < hpc_ktap_nresults(k); i++) {
		const struct hpc_ktap_result *res = hpc_ktap_result(k, i);
		int known = 0;

		if (res->result != HPC_KTAP_FAIL)
			continue;
		for (int j = 0; j < s->nknown && !known; j++)
			known = fnmatch(s->known[j], res->name, 0) == 0;
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
		snprintf(d->title, sizeof(d->title), "%s: %s: unexpected failure in %s",
			 hpc_class_name(st->fail_class), st->name, unexpected);
	} else if (nfail > 0 && incomplete) {
		size_t n = strlen(d->reason);

		snprintf(d->reason + n, sizeof(d->reason) - n,
			 "; not XFAIL: the guest's KTAP was %s, so failures not looked at may be unknown ones",
			 incomplete);
	} else if (nfail > 0) {
		hpc_decision_set(d, HPC_V_XFAIL, HPC_C_NONE, NULL,
				 "only the known failures (%s) of %s; known-fail at line %d: %s",
				 list, st->name, s->known_line, s->known_reason);
	}
}

/*
 * Everything went fine: the outcome events decide between PASS, RESET and
 * FAIL. The first outcome the scenario does not expect decides; a reset
 * that it expects is RESET; a scenario that expects an outcome and got
 * none fails.
 */
static int judge_outcome(const struct hpc_judge_in *in, struct hpc_decision *d)
{
	const struct hpc_scenario *s = in->s;
	const unsigned int want = s->expect;
	const char *list = hpc_outcome_list(want);
	int reset = -1;

	for (int i = 0; i < in->noutcomes; i++) {
		const struct hpc_outcome_event *oc = &in->outcomes[i];

		if (!oc->what) {
			hpc_decision_set(d, HPC_V_ERROR, HPC_C_NONE, NULL,
					 "the guest reported outcome '%s' at %.3f s: expected 'outcome reset' or 'outcome revoke'",
					 oc->word, oc->t);
			return 1;
		}
		if (!(oc->what & want)) {
			if (want)
				hpc_decision_set(d, HPC_V_FAIL, HPC_C_CHECK, NULL,
						 "the guest reported outcome %s at %.3f s; the scenario expects %s (line %d)",
						 hpc_outcome_name(oc->what), oc->t, list,
						 s->expect_line);
			else
				hpc_decision_set(d, HPC_V_FAIL, HPC_C_CHECK, NULL,
						 "the guest reported outcome %s at %.3f s; the scenario expects no device loss (it has no 'expect' line)",
						 hpc_outcome_name(oc->what), oc->t);
			snprintf(d->title, sizeof(d->title), "CHECK: unexpected outcome: %s",
				 hpc_outcome_name(oc->what));
			return 1;
		}
		if (oc->what == HPC_OUTCOME_RESET && reset < 0)
			reset = i;
	}
	if (want && in->noutcomes == 0) {
		hpc_decision_set(d, HPC_V_FAIL, HPC_C_CHECK, NULL,
				 "expect %s (line %d), but no program in the guest wrote 'outcome %s' to $HPC_EVENTS",
				 list, s->expect_line, want == HPC_OUTCOME_RESET ? "reset" :
				 want == HPC_OUTCOME_REVOKE ? "revoke" : "reset|revoke");
		snprintf(d->title, sizeof(d->title), "CHECK: expected outcome %s, none reported",
			 list);
		return 1;
	}
	if (reset >= 0) {
		hpc_decision_set(d, HPC_V_RESET, HPC_C_NONE, NULL,
				 "all %d steps done; the device was lost (outcome reset at %.3f s), as expect at line %d allows",
				 s->nsteps, in->outcomes[reset].t, s->expect_line);
		return 1;
	}
	if (in->noutcomes > 0) {
		hpc_decision_set(d, HPC_V_PASS, HPC_C_NONE, NULL,
				 "all %d steps done; outcome revoke (at %.3f s), as expect at line %d allows",
				 s->nsteps, in->outcomes[0].t, s->expect_line);
		return 1;
	}
	hpc_decision_set(d, HPC_V_PASS, HPC_C_NONE, NULL, "all %d steps done", s->nsteps);
	return 1;
}

/*
 * Step i ran out of time: titled by where its task waits in the kernel when
 * the agent sent its stack (docs/verdicts.md, "When nothing crashed").
 */
static void judge_timeout(const struct hpc_judge_in *in, int i, struct hpc_decision *d)
{
	const struct hpc_step *st = &in->s->steps[i];

	if (in->stuck_step != i + 1 || !in->stuck_func || !in->stuck_func[0]) {
		hpc_decision_set(d, HPC_V_FAIL, HPC_C_TIMEOUT, NULL,
				 "step %s (line %d) did not finish within %u s",
				 st->name, st->line, st->timeout_s);
		snprintf(d->title, sizeof(d->title), "TIMEOUT: step %s", st->name);
		return;
	}
	hpc_decision_set(d, HPC_V_FAIL, HPC_C_TIMEOUT, NULL,
			 "step %s (line %d) did not finish within %u s; its task %d (state %c) waits in %s in the kernel (verdict.json stuck)",
			 st->name, st->line, st->timeout_s, in->stuck_pid, in->stuck_state,
			 in->stuck_func);
	snprintf(d->title, sizeof(d->title), "TIMEOUT: step %s stuck in %s", st->name, in->stuck_func);
}

/* Rows 11-15: the steps in order; 1 when one of them decided. */
static int judge_steps(const struct hpc_judge_in *in, struct hpc_decision *d)
{
	const struct hpc_scenario *s = in->s;

	for (int i = 0; in->steps && i < s->nsteps; i++) {
		const struct hpc_step *st = &s->steps[i];
		const struct hpc_step_result *r = &in->steps[i];

		if (!r->ended)
			continue;
		if (r->st.kind == HPC_ST_TIMEOUT) {
			judge_timeout(in, i, d);
			return 1;
		}
		if (r->st.kind == HPC_ST_EXIT && r->st.value == 0)
			continue;
		if (r->st.kind == HPC_ST_EXIT && r->st.value == HPC_KSFT_SKIP &&
		    (st->kind == HPC_STEP_RUN || st->kind == HPC_STEP_CHECK)) {
			hpc_decision_set(d, HPC_V_SKIP, HPC_C_NONE, NULL,
					 "%s %s (line %d) exited %d (skip)%s%s",
					 hpc_step_kind_name(st->kind), st->name, st->line,
					 HPC_KSFT_SKIP, r->last_out[0] ? ": " : "", r->last_out);
			return 1;
		}
		if (st->judged) {
			hpc_decision_set(d, HPC_V_FAIL, st->fail_class, NULL,
					 "%s %s (line %d) failed with status %s; see steps.log",
					 hpc_step_kind_name(st->kind), st->name, st->line,
					 r->status);
			snprintf(d->title, sizeof(d->title), "%s: %s %s failed",
				 hpc_class_name(st->fail_class),
				 hpc_step_kind_name(st->kind), st->name);
			if (st->kind == HPC_STEP_CHECK)
				known_failures(in, d, st);
			return 1;
		}
		if (st->kind != HPC_STEP_EMIT && st->kind != HPC_STEP_WAIT) {
			hpc_decision_set(d, HPC_V_ERROR, HPC_C_NONE, NULL,
					 "%s step %s (line %d) failed with status %s; see steps.log",
					 hpc_step_kind_name(st->kind), st->name, st->line,
					 r->status);
			return 1;
		}
	}
	return 0;
}

/*
 * The rows of docs/verdicts.md, "Precedence", in groups: each function
 * decides (returns 1, d set) or passes to the next group (0).
 */

/* Rows 1-3: before the guest ran (skip, interrupted, not_connected). */
static int judge_run(const struct hpc_judge_in *in, struct hpc_decision *d)
{
	const char *tail = str(in->qemu_tail);

	if (in->skip_reason && in->skip_reason[0])
		hpc_decision_set(d, HPC_V_SKIP, HPC_C_NONE, NULL, "%s", in->skip_reason);
	else if (in->interrupted)
		hpc_decision_set(d, HPC_V_ERROR, HPC_C_NONE, NULL, "interrupted by a signal");
	else if (!in->connected)
		hpc_decision_set(d, HPC_V_ERROR, HPC_C_NONE, NULL, "%s: %s", str(in->why_stop),
				 tail[0] ? tail : "(no output from the guest process)");
	else
		return 0;
	return 1;
}

/* Rows 4-6: kernel_report, action_error, device_del_timeout. */
static int judge_host(const struct hpc_judge_in *in, struct hpc_decision *d)
{
	const struct hpc_scenario *s = in->s;
	const struct hpc_action *a;

	if (in->report && in->report_where && in->report_where[0]) {
		hpc_decision_set(d, HPC_V_FAIL, in->report_cls, in->report_title,
				 "kernel report %s", in->report_where);
	} else if (in->report) {
		hpc_decision_set(d, HPC_V_FAIL, in->report_cls, in->report_title,
				 "kernel report at console line %zu", in->report_line);
	} else if (in->action_error && in->action_error[0]) {
		hpc_decision_set(d, HPC_V_ERROR, HPC_C_NONE, NULL, "%s", in->action_error);
	} else if (in->action_timeout > 0 && in->action_timeout <= s->nactions) {
		a = &s->actions[in->action_timeout - 1];
		hpc_decision_set(d, HPC_V_FAIL, HPC_C_TIMEOUT, NULL,
				 a->until_unplugged ?
				 "device_del %s (line %d): still in QEMU's /machine/peripheral after %u s" :
				 "device_del %s (line %d): no DEVICE_DELETED within %u s",
				 a->target, a->line, a->timeout_s);
		snprintf(d->title, sizeof(d->title), "TIMEOUT: device_del %s", a->target);
	} else {
		return 0;
	}
	return 1;
}

/* The guest process died of a crash signal (QEMU itself, or hpc-libvirt when
 * its libvirt host was lost): not the kernel. */
static bool qemu_died(const struct hpc_judge_in *in)
{
	return in->guest_exited && (in->guest_signal == SIGABRT ||
				    in->guest_signal == SIGSEGV || in->guest_signal == SIGBUS);
}

/* Rows 7-10: no HELLO from the agent. */
static int judge_boot(const struct hpc_judge_in *in, struct hpc_decision *d)
{
	const char *tail = str(in->qemu_tail);

	if (in->hello)
		return 0;
	if (in->console_lines == 0)
		hpc_decision_set(d, HPC_V_ERROR, HPC_C_NONE, NULL,
				 "no console output from the guest (%s)%s%s",
				 str(in->why_stop), tail[0] ? ": " : "", tail);
	else if (in->boot_bound)
		/*
		 * The kernel printed and then never started the agent: it
		 * stopped making progress in early boot (we stopped it; it
		 * did not stop by itself).
		 */
		hpc_decision_set(d, HPC_V_FAIL, HPC_C_HANG,
				 "HANG: guest did not reach the agent",
				 "no agent after %u s (boot bound); last console line, %.0f s before the bound: %s",
				 in->boot_timeout_s, in->console_silent_s,
				 str(in->console_last));
	else if (qemu_died(in) && tail[0])
		hpc_decision_set(d, HPC_V_ERROR, HPC_C_NONE, NULL,
				 "guest stopped before the agent started (shutdown reason: %s): QEMU died of signal %d: %s",
				 in->shutdown_reason && in->shutdown_reason[0] ?
				 in->shutdown_reason : "unknown", in->guest_signal, tail);
	else if (in->guest_exited)
		hpc_decision_set(d, HPC_V_ERROR, HPC_C_NONE, NULL,
				 "guest stopped before the agent started (shutdown reason: %s); see console.log",
				 in->shutdown_reason && in->shutdown_reason[0] ?
				 in->shutdown_reason : "unknown");
	else
		hpc_decision_set(d, HPC_V_FAIL, HPC_C_HANG,
				 "HANG: guest did not reach the agent", "%s",
				 str(in->why_stop));
	return 1;
}

/* Rows 16-19: no BYE from the agent, or BYE with an error. */
static int judge_bye(const struct hpc_judge_in *in, struct hpc_decision *d)
{
	const char *tail = str(in->qemu_tail);

	if (in->bye && in->bye_code == 0)
		return 0;
	if (in->bye)
		hpc_decision_set(d, HPC_V_ERROR, HPC_C_NONE, NULL,
				 "the agent reported an error (BYE %d); see timeline.jsonl",
				 in->bye_code);
	else if (qemu_died(in))
		/* QEMU itself died (an assertion, a crash): not the kernel */
		hpc_decision_set(d, HPC_V_ERROR, HPC_C_NONE, NULL,
				 "QEMU died of signal %d: %s", in->guest_signal,
				 tail[0] ? tail : "(nothing on its stderr)");
	else if (in->guest_exited)
		hpc_decision_set(d, HPC_V_FAIL, HPC_C_CRASH,
				 "CRASH: guest reset without a kernel report",
				 "guest stopped before the agent finished (shutdown reason: %s)",
				 in->shutdown_reason && in->shutdown_reason[0] ?
				 in->shutdown_reason : "unknown");
	else
		hpc_decision_set(d, HPC_V_FAIL, HPC_C_HANG, "HANG: guest unresponsive",
				 "%s", str(in->why_stop));
	return 1;
}

/* The precedence table: the first group that decides gives the verdict. */
static int (*const precedence[])(const struct hpc_judge_in *in,
				 struct hpc_decision *d) = {
	judge_run,	/* 1-3 */
	judge_host,	/* 4-6 */
	judge_boot,	/* 7-10 */
	judge_steps,	/* 11-14: the steps in order */
	judge_bye,	/* 15-18 */
	judge_outcome,	/* 19-: the outcome events; always decides */
};

void hpc_judge(const struct hpc_judge_in *in, struct hpc_decision *d)
{
	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < sizeof(precedence) / sizeof(precedence[0]); i++)
		if (precedence[i](in, d))
			return;
}

/* ---- verdict.json ---- */

struct json_object *hpc_verdict_json_new(const struct hpc_decision *d)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "schema", json_object_new_int(HPC_VERDICT_SCHEMA));
	json_object_object_add(o, "verdict", json_object_new_string(hpc_verdict_name(d->v)));
	json_object_object_add(o, "class", d->cls != HPC_C_NONE ?
			       json_object_new_string(hpc_class_name(d->cls)) : NULL);
	json_object_object_add(o, "title", d->title[0] ?
			       json_object_new_string(d->title) : NULL);
	json_object_object_add(o, "reason", json_object_new_string(d->reason));
	return o;
}

int hpc_verdict_json_write(const char *dir, struct json_object *o)
{
	const char *txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	char *data;
	int ret, e;

	if (!txt || asprintf(&data, "%s\n", txt) < 0)
		return -1;
	ret = hpc_runfile_write(dir, HPC_VERDICT_FILE, data, strlen(data));
	e = errno;
	free(data);
	errno = e;
	return ret;
}

/* A short printable excerpt of untrusted text for error messages. */
static void excerpt(char *dst, size_t n, const struct hpc_vstr *v)
{
	size_t k = v->len < 40 ? v->len : 40;

	if (k >= n)
		k = n - 1;
	for (size_t i = 0; i < k; i++) {
		char c = v->s[i];

		dst[i] = c == '\n' || c == '\r' || c == '\t' ? ' ' : c ? c : '?';
	}
	dst[k] = '\0';
	hpc_sanitize(dst, k);
}

/* Value of key: 1 present and not null, 0 absent or null. */
static int member(struct json_object *root, const char *key, struct json_object **o)
{
	*o = NULL;
	return json_object_object_get_ex(root, key, o) && *o ? 1 : 0;
}

static int get_string(struct json_object *root, const char *key, bool required,
		      struct hpc_vstr *out, char *why, size_t wlen)
{
	struct json_object *o;

	out->s = NULL;
	out->len = 0;
	if (!member(root, key, &o)) {
		if (!required)
			return 0;
		snprintf(why, wlen, "\"%s\" is missing", key);
		return -1;
	}
	if (!json_object_is_type(o, json_type_string)) {
		snprintf(why, wlen, "\"%s\" must be a string%s", key,
			 required ? "" : " or null");
		return -1;
	}
	out->s = json_object_get_string(o);
	out->len = (size_t)json_object_get_string_len(o);
	return 0;
}

/*
 * The string member key, one of the names parse() knows (verdicts,
 * classes) exactly: *out its index, -1 when absent or null (allowed unless
 * required). 0, or -1 with why set.
 */
static int get_name(struct json_object *root, const char *key, bool required,
		    int (*parse)(const char *), int *out, char *why, size_t wlen)
{
	struct hpc_vstr v;
	char ex[64];

	*out = -1;
	if (get_string(root, key, required, &v, why, wlen))
		return -1;
	if (!v.s)
		return 0;
	*out = strlen(v.s) == v.len ? parse(v.s) : -1;
	if (*out < 0) {
		excerpt(ex, sizeof(ex), &v);
		snprintf(why, wlen, "unknown \"%s\" \"%s\"", key, ex);
		return -1;
	}
	return 0;
}

/* "schema" 1, "scenario" not empty, the strings, "verdict", "class". */
static int read_decision(struct json_object *root, struct hpc_verdict_doc *doc,
			 char *why, size_t wlen)
{
	struct json_object *o;
	int v, c;

	if (!member(root, "schema", &o)) {
		snprintf(why, wlen, "\"schema\" is missing");
		return -1;
	}
	if (!json_object_is_type(o, json_type_int) ||
	    json_object_get_int64(o) != HPC_VERDICT_SCHEMA) {
		snprintf(why, wlen, "unsupported \"schema\" (expected %d)", HPC_VERDICT_SCHEMA);
		return -1;
	}
	if (get_string(root, "scenario", true, &doc->scenario, why, wlen))
		return -1;
	if (!doc->scenario.len) {
		snprintf(why, wlen, "\"scenario\" is empty");
		return -1;
	}
	if (get_string(root, "file", false, &doc->file, why, wlen) ||
	    get_string(root, "title", false, &doc->title, why, wlen) ||
	    get_string(root, "reason", false, &doc->reason, why, wlen) ||
	    get_name(root, "verdict", true, hpc_verdict_parse, &v, why, wlen) ||
	    get_name(root, "class", false, hpc_class_parse, &c, why, wlen))
		return -1;
	doc->v = (enum hpc_verdict)v;
	doc->cls = c < 0 ? HPC_C_NONE : (enum hpc_class)c;
	return 0;
}

/* "groups": an array of strings; the first one, if not "", is kept. */
static int read_groups(struct json_object *o, struct hpc_verdict_doc *doc,
		       char *why, size_t wlen)
{
	size_t n;
	struct json_object *g;

	if (!json_object_is_type(o, json_type_array))
		goto bad;
	n = json_object_array_length(o);
	for (size_t k = 0; k < n; k++) {
		g = json_object_array_get_idx(o, k);
		if (!g || !json_object_is_type(g, json_type_string))
			goto bad;
	}
	g = n > 0 ? json_object_array_get_idx(o, 0) : NULL;
	if (g && json_object_get_string_len(g) > 0) {
		doc->group.s = json_object_get_string(g);
		doc->group.len = (size_t)json_object_get_string_len(g);
	}
	return 0;
bad:
	snprintf(why, wlen, "\"groups\" must be an array of strings");
	return -1;
}

/* "duration_s": a finite number >= 0. */
static int read_duration(struct json_object *o, struct hpc_verdict_doc *doc,
			 char *why, size_t wlen)
{
	double d;

	if (json_object_is_type(o, json_type_int) ||
	    json_object_is_type(o, json_type_double)) {
		d = json_object_get_double(o);
		if (isfinite(d) && d >= 0) {
			doc->has_duration = true;
			doc->duration_s = d;
			return 0;
		}
	}
	snprintf(why, wlen, "\"duration_s\" must be a non-negative number or null");
	return -1;
}

/*
 * Member key of type t: 1 (*o set) present, 0 (*o NULL) absent or null,
 * -1 with why set to msg when of another type.
 */
static int typed_member(struct json_object *root, const char *key,
			enum json_type t, const char *msg,
			struct json_object **o, char *why, size_t wlen)
{
	if (!member(root, key, o))
		return 0;
	if (json_object_is_type(*o, t))
		return 1;
	snprintf(why, wlen, "%s", msg);
	return -1;
}

/* The members about the run, each optional: a wrong type is an error. */
static int read_run(struct json_object *root, struct hpc_verdict_doc *doc,
		    char *why, size_t wlen)
{
	struct json_object *o;

	if (member(root, "groups", &o) && read_groups(o, doc, why, wlen))
		return -1;
	if (typed_member(root, "seed", json_type_int,
			 "\"seed\" must be an integer or null", &o, why, wlen) < 0)
		return -1;
	doc->seed = o;
	if (member(root, "duration_s", &o) && read_duration(o, doc, why, wlen))
		return -1;
	if (typed_member(root, "interrupted", json_type_boolean,
			 "\"interrupted\" must be a boolean", &o, why, wlen) < 0)
		return -1;
	doc->interrupted = o && json_object_get_boolean(o);
	return typed_member(root, "steps", json_type_array,
			    "\"steps\" must be an array", &o, why, wlen) < 0 ? -1 : 0;
}

int hpc_verdict_json_read(struct json_object *root, struct hpc_verdict_doc *doc,
			  char *why, size_t wlen)
{
	memset(doc, 0, sizeof(*doc));
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(why, wlen, "not a JSON object");
		return -1;
	}
	if (read_decision(root, doc, why, wlen) || read_run(root, doc, why, wlen))
		return -1;
	return 0;
}
