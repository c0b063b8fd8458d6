// SPDX-License-Identifier: GPL-2.0
/*
 * The verdict decision (lib/verdict.c hpc_judge) against the precedence
 * table of docs/verdicts.md, row by row. Each row's test sets that row's
 * condition together with the conditions of every row below it (applied
 * from the bottom up, so a row's own fields win) and checks that the row
 * decides: what a row says, it says whatever the rows below would.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "hpc/ktap.h"
#include "hpc/scenario.h"
#include "hpc/verdict.h"

#ifndef FIXTURES_DIR
#define FIXTURES_DIR "tests/fixtures"
#endif

/* The steps of the test scenario. */
enum { ST_SLOW, ST_CHK, ST_SETUP, ST_WAIT, ST_REAP, ST_N };

static struct hpc_scenario scn;
static struct hpc_step_result steps[ST_N];
static struct hpc_outcome_event outcomes[4];
static struct hpc_ktap *ktap;

static void add_step(int i, enum hpc_step_kind kind, const char *name, int judged,
		     enum hpc_class cls)
{
	struct hpc_step *st = &scn.steps[i];

	st->kind = kind;
	snprintf(st->name, sizeof(st->name), "%s", name);
	st->judged = judged;
	st->fail_class = cls;
	st->timeout_s = 60;
	st->line = 10 + i;
}

static void scenario(void)
{
	memset(&scn, 0, sizeof(scn));
	snprintf(scn.name, sizeof(scn.name), "verdict-rows");
	add_step(ST_SLOW, HPC_STEP_CHECK, "slow", 1, HPC_C_CHECK);
	add_step(ST_CHK, HPC_STEP_CHECK, "chk", 1, HPC_C_CHECK);
	add_step(ST_SETUP, HPC_STEP_RUN, "setup", 0, HPC_C_NONE);
	add_step(ST_WAIT, HPC_STEP_WAIT, "d1:deleted", 0, HPC_C_NONE);
	add_step(ST_REAP, HPC_STEP_REAP, "load", 1, HPC_C_LEAK);
	scn.nsteps = ST_N;
	scn.actions[0].kind = HPC_ACT_DEVICE_DEL;
	snprintf(scn.actions[0].target, sizeof(scn.actions[0].target), "d1");
	snprintf(scn.actions[0].emit, sizeof(scn.actions[0].emit), "d1:deleted");
	scn.actions[0].timeout_s = 30;
	scn.actions[0].line = 20;
	scn.nactions = 1;
	snprintf(scn.known[0], sizeof(scn.known[0]), "exclusive*");
	scn.nknown = 1;
	scn.known_line = 5;
	snprintf(scn.known_reason, sizeof(scn.known_reason), "fails on stock 6.1");
}

/* A run where everything went fine: PASS. */
static void fine(struct hpc_judge_in *in)
{
	memset(in, 0, sizeof(*in));
	memset(steps, 0, sizeof(steps));
	memset(outcomes, 0, sizeof(outcomes));
	for (int i = 0; i < ST_N; i++) {
		steps[i].started = steps[i].ended = 1;
		snprintf(steps[i].status, sizeof(steps[i].status), "0");
	}
	in->s = &scn;
	in->connected = true;
	in->why_stop = "guest exited after BYE";
	in->qemu_tail = "";
	in->hello = true;
	in->console_lines = 300;
	in->guest_exited = true;
	in->steps = steps;
	in->bye = true;
	in->outcomes = outcomes;
}

static void step_status(int i, enum hpc_status_kind k, int value, const char *s)
{
	steps[i].ended = 1;
	steps[i].st.kind = k;
	steps[i].st.value = value;
	snprintf(steps[i].status, sizeof(steps[i].status), "%s", s);
}

/* The guest's KTAP from text lines (freed by teardown). */
static const struct hpc_ktap *ktap_of(const char *text)
{
	hpc_ktap_free(ktap);
	ktap = hpc_ktap_new();
	assert_non_null(ktap);
	hpc_ktap_text(ktap, text, strlen(text));
	hpc_ktap_finish(ktap);
	return ktap;
}

static void add_outcome(struct hpc_judge_in *in, const char *word, double t)
{
	struct hpc_outcome_event *oc = &outcomes[in->noutcomes++];

	snprintf(oc->word, sizeof(oc->word), "%s", word);
	oc->what = hpc_outcome_parse(word);
	oc->t = t;
}

/* ---- the rows: each sets its condition ---- */

static void c_skip(struct hpc_judge_in *in)
{
	in->skip_reason = "kernel lacks CONFIG_DEVICE_PRIVATE";
}

static void c_interrupted(struct hpc_judge_in *in)
{
	in->interrupted = true;
}

static void c_not_connected(struct hpc_judge_in *in)
{
	in->connected = false;
	in->why_stop = "guest process exited before connecting";
	in->qemu_tail = "qemu-system-x86_64: -device foo: 'foo' is not a valid device model name";
}

static void c_kernel_report(struct hpc_judge_in *in)
{
	in->report = true;
	in->report_cls = HPC_C_KASAN;
	in->report_title = "KASAN: use-after-free in memunmap_pages";
	in->report_line = 412;
}

static void c_action_error(struct hpc_judge_in *in)
{
	in->action_error = "device_del d1 (line 20) failed: Device 'd1' not found";
}

static void c_device_del_timeout(struct hpc_judge_in *in)
{
	in->action_timeout = 1;
}

static void c_no_hello_no_console(struct hpc_judge_in *in)
{
	in->hello = false;
	in->console_lines = 0;
	in->why_stop = "no HELLO from the agent within 120 s";
}

static void c_no_hello_boot_bound(struct hpc_judge_in *in)
{
	in->hello = false;
	in->console_lines = 40;
	in->guest_exited = true;	/* the conductor stopped it */
	in->boot_bound = true;
	in->boot_timeout_s = 120;
	in->console_last = "[    2.012345] Running RCU-tasks wait API self tests";
	in->console_silent_s = 118;
	in->why_stop = "no HELLO from the agent within 120 s";
}

static void c_no_hello_exited(struct hpc_judge_in *in)
{
	in->hello = false;
	in->console_lines = 40;
	in->guest_exited = true;
	in->shutdown_reason = "guest-reset";
}

static void c_no_hello_running(struct hpc_judge_in *in)
{
	in->hello = false;
	in->console_lines = 40;
	in->guest_exited = false;
	in->why_stop = "no HELLO from the agent within 120 s";
}

static void c_step_timeout(struct hpc_judge_in *in)
{
	(void)in;
	step_status(ST_SLOW, HPC_ST_TIMEOUT, 0, "timeout");
}

/* a check exits 4 (kselftest's skip): SKIP, its last output line the reason */
static void c_step_skipped(struct hpc_judge_in *in)
{
	(void)in;
	step_status(ST_SLOW, HPC_ST_EXIT, HPC_KSFT_SKIP, "4");
	snprintf(steps[ST_SLOW].last_out, sizeof(steps[ST_SLOW].last_out),
		 "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:8 error:0");
}

/* the agent sent the stack of the step's task: the title says where it waits */
static void c_step_timeout_stuck(struct hpc_judge_in *in)
{
	step_status(ST_SLOW, HPC_ST_TIMEOUT, 0, "timeout");
	in->stuck_step = ST_SLOW + 1;
	in->stuck_pid = 92;
	in->stuck_state = 'D';
	in->stuck_func = "migrate_vma_setup";
}

/* ...of another step (or none found): the plain title */
static void c_step_timeout_stuck_other(struct hpc_judge_in *in)
{
	step_status(ST_SLOW, HPC_ST_TIMEOUT, 0, "timeout");
	in->stuck_step = ST_CHK + 1;
	in->stuck_pid = 92;
	in->stuck_state = 'D';
	in->stuck_func = "migrate_vma_setup";
}

static void c_check_known_only(struct hpc_judge_in *in)
{
	step_status(ST_CHK, HPC_ST_EXIT, 1, "1");
	in->ktap = ktap_of("KTAP version 1\n1..3\nok 1 anon\nnot ok 2 exclusive\n"
			   "not ok 3 exclusive_cow\n");
	in->ktap_cut = false;
}

static void c_check_failed(struct hpc_judge_in *in)
{
	step_status(ST_CHK, HPC_ST_EXIT, 1, "1");
	in->ktap = NULL;
}

static void c_run_failed(struct hpc_judge_in *in)
{
	(void)in;
	step_status(ST_SETUP, HPC_ST_EXIT, 2, "2");
}

static void c_no_bye_qemu_died(struct hpc_judge_in *in)
{
	in->bye = false;
	in->guest_exited = true;
	in->guest_signal = SIGABRT;
	in->qemu_tail = "qemu-system-x86_64: ../hw/mem/pc-dimm.c:42: assertion failed";
	/* the plan did not finish: later steps never ended */
	steps[ST_REAP].ended = 0;
}

static void c_no_bye_exited(struct hpc_judge_in *in)
{
	in->bye = false;
	in->guest_exited = true;
	in->guest_signal = 0;
	in->shutdown_reason = "guest-reset";
	steps[ST_REAP].ended = 0;
}

static void c_no_bye_running(struct hpc_judge_in *in)
{
	in->bye = false;
	in->guest_exited = false;
	in->guest_signal = 0;
	in->why_stop = "no word from the agent for 60 s";
	steps[ST_REAP].ended = 0;
}

static void c_bye_error(struct hpc_judge_in *in)
{
	in->bye = true;
	in->bye_code = HPC_BYE_ERROR;
}

static void c_outcome_unknown(struct hpc_judge_in *in)
{
	add_outcome(in, "exploded", 3.5);
}

static void c_outcome_unexpected(struct hpc_judge_in *in)
{
	scn.expect = HPC_OUTCOME_REVOKE;
	scn.expect_line = 7;
	add_outcome(in, "reset", 4.25);
}

static void c_outcome_missing(struct hpc_judge_in *in)
{
	(void)in;
	scn.expect = HPC_OUTCOME_RESET;
	scn.expect_line = 7;
}

static void c_outcome_reset(struct hpc_judge_in *in)
{
	scn.expect = HPC_OUTCOME_RESET | HPC_OUTCOME_REVOKE;
	scn.expect_line = 7;
	add_outcome(in, "revoke", 1.5);
	add_outcome(in, "reset", 2.5);
}

static void c_pass(struct hpc_judge_in *in)
{
	(void)in;
}

struct row {
	const char *name;
	void (*cond)(struct hpc_judge_in *in);
	enum hpc_verdict v;
	enum hpc_class cls;
	const char *title;		/* exact; "" for none */
	const char *reason;		/* a part of it */
	int group;			/* rows of one group exclude each other */
};

/* docs/verdicts.md, "Precedence", in order. */
static const struct row rows[] = {
	{ "skip", c_skip, HPC_V_SKIP, HPC_C_NONE, "",
	  "kernel lacks CONFIG_DEVICE_PRIVATE", 0 },
	{ "interrupted", c_interrupted, HPC_V_ERROR, HPC_C_NONE, "",
	  "interrupted by a signal", 0 },
	{ "not_connected", c_not_connected, HPC_V_ERROR, HPC_C_NONE, "",
	  "guest process exited before connecting: qemu-system-x86_64: -device foo", 0 },
	{ "kernel_report", c_kernel_report, HPC_V_FAIL, HPC_C_KASAN,
	  "KASAN: use-after-free in memunmap_pages", "kernel report at console line 412", 0 },
	{ "action_error", c_action_error, HPC_V_ERROR, HPC_C_NONE, "",
	  "device_del d1 (line 20) failed: Device 'd1' not found", 0 },
	{ "device_del_timeout", c_device_del_timeout, HPC_V_FAIL, HPC_C_TIMEOUT,
	  "TIMEOUT: device_del d1", "no DEVICE_DELETED within 30 s", 0 },
	{ "no_hello_no_console", c_no_hello_no_console, HPC_V_ERROR, HPC_C_NONE, "",
	  "no console output from the guest (no HELLO", 0 },
	{ "no_hello_boot_bound", c_no_hello_boot_bound, HPC_V_FAIL, HPC_C_HANG,
	  "HANG: guest did not reach the agent",
	  "no agent after 120 s (boot bound); last console line, 118 s before the bound: [    2.012345] Running RCU-tasks wait API self tests", 0 },
	{ "no_hello_exited", c_no_hello_exited, HPC_V_ERROR, HPC_C_NONE, "",
	  "guest stopped before the agent started (shutdown reason: guest-reset)", 0 },
	{ "no_hello_running", c_no_hello_running, HPC_V_FAIL, HPC_C_HANG,
	  "HANG: guest did not reach the agent", "no HELLO from the agent within 120 s", 0 },
	{ "step_timeout", c_step_timeout, HPC_V_FAIL, HPC_C_TIMEOUT,
	  "TIMEOUT: step slow", "step slow (line 10) did not finish within 60 s", 0 },
	{ "step_skipped", c_step_skipped, HPC_V_SKIP, HPC_C_NONE, "",
	  "check slow (line 10) exited 4 (skip): # Totals: pass:0 fail:0 xfail:0 xpass:0 skip:8 error:0", 0 },
	{ "check_known_failures_only", c_check_known_only, HPC_V_XFAIL, HPC_C_NONE, "",
	  "only the known failures (exclusive, exclusive_cow) of chk; known-fail at line 5", 0 },
	{ "check_failed", c_check_failed, HPC_V_FAIL, HPC_C_CHECK,
	  "CHECK: check chk failed", "check chk (line 11) failed with status 1", 0 },
	{ "run_failed", c_run_failed, HPC_V_ERROR, HPC_C_NONE, "",
	  "run step setup (line 12) failed with status 2", 0 },
	{ "no_bye_qemu_died", c_no_bye_qemu_died, HPC_V_ERROR, HPC_C_NONE, "",
	  "QEMU died of signal 6: qemu-system-x86_64: ../hw/mem/pc-dimm.c:42", 0 },
	{ "no_bye_guest_exited", c_no_bye_exited, HPC_V_FAIL, HPC_C_CRASH,
	  "CRASH: guest reset without a kernel report",
	  "guest stopped before the agent finished (shutdown reason: guest-reset)", 0 },
	{ "no_bye_guest_running", c_no_bye_running, HPC_V_FAIL, HPC_C_HANG,
	  "HANG: guest unresponsive", "no word from the agent for 60 s", 0 },
	{ "bye_error", c_bye_error, HPC_V_ERROR, HPC_C_NONE, "",
	  "the agent reported an error (BYE 2)", 0 },
	/* the outcome rows decide between themselves by the scenario's expect */
	{ "outcome_unknown", c_outcome_unknown, HPC_V_ERROR, HPC_C_NONE, "",
	  "the guest reported outcome 'exploded' at 3.500 s", 1 },
	{ "outcome_unexpected", c_outcome_unexpected, HPC_V_FAIL, HPC_C_CHECK,
	  "CHECK: unexpected outcome: reset",
	  "the guest reported outcome reset at 4.250 s; the scenario expects revoke (line 7)", 2 },
	{ "outcome_expected_none_reported", c_outcome_missing, HPC_V_FAIL, HPC_C_CHECK,
	  "CHECK: expected outcome reset, none reported",
	  "expect reset (line 7), but no program in the guest wrote 'outcome reset'", 3 },
	{ "outcome_reset_expected", c_outcome_reset, HPC_V_RESET, HPC_C_NONE, "",
	  "the device was lost (outcome reset at 2.500 s), as expect at line 7 allows", 4 },
	{ "pass", c_pass, HPC_V_PASS, HPC_C_NONE, "", "all 5 steps done", 5 },
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static void expect_decision(const struct hpc_decision *d, const struct row *r)
{
	if (d->v != r->v || d->cls != r->cls || strcmp(d->title, r->title) ||
	    !strstr(d->reason, r->reason))
		fail_msg("row %s: got %s %s '%s' (%s), want %s %s '%s' (... %s ...)",
			 r->name, hpc_verdict_name(d->v), hpc_class_name(d->cls),
			 d->title, d->reason, hpc_verdict_name(r->v),
			 hpc_class_name(r->cls), r->title, r->reason);
}

/*
 * Row i with the conditions of every row below it. The outcome rows exclude
 * each other (one expect line), so below row i only the first outcome row
 * of another group is added: row 0's guest said an outcome word, too.
 */
static void check_row(size_t i)
{
	struct hpc_judge_in in;
	struct hpc_decision d;

	assert_true(i < NROWS);
	scenario();
	fine(&in);
	for (size_t j = NROWS; j-- > i;) {
		if (j != i && rows[j].group && rows[j].group != 1)
			continue;
		if (j != i && rows[i].group)
			continue;
		rows[j].cond(&in);
	}
	hpc_judge(&in, &d);
	expect_decision(&d, &rows[i]);
	/* and the row alone, on an otherwise fine run */
	scenario();
	fine(&in);
	rows[i].cond(&in);
	hpc_judge(&in, &d);
	expect_decision(&d, &rows[i]);
}

static size_t row_index(const char *name)
{
	for (size_t i = 0; i < NROWS; i++)
		if (!strcmp(rows[i].name, name))
			return i;
	fail_msg("no row %s", name);
	return 0;
}

#define ROW_TEST(name)						\
	static void test_row_##name(void **state)		\
	{							\
		(void)state;					\
		check_row(row_index(#name));			\
	}

ROW_TEST(skip)
ROW_TEST(interrupted)
ROW_TEST(not_connected)
ROW_TEST(kernel_report)
ROW_TEST(action_error)
ROW_TEST(device_del_timeout)
ROW_TEST(no_hello_no_console)
ROW_TEST(no_hello_boot_bound)
ROW_TEST(no_hello_exited)
ROW_TEST(no_hello_running)
ROW_TEST(step_timeout)
ROW_TEST(step_skipped)
ROW_TEST(check_known_failures_only)
ROW_TEST(check_failed)
ROW_TEST(run_failed)
ROW_TEST(no_bye_qemu_died)
ROW_TEST(no_bye_guest_exited)
ROW_TEST(no_bye_guest_running)
ROW_TEST(bye_error)
ROW_TEST(outcome_unknown)
ROW_TEST(outcome_unexpected)
ROW_TEST(outcome_expected_none_reported)
ROW_TEST(outcome_reset_expected)
ROW_TEST(pass)

/* ---- details of the rows ---- */

/* Steps decide in their order: a failed run before a failed check. */
static void test_steps_in_order(void **state)
{
	struct hpc_judge_in in;
	struct hpc_decision d;

	(void)state;
	scenario();
	fine(&in);
	step_status(ST_SETUP, HPC_ST_EXIT, 1, "1");
	step_status(ST_REAP, HPC_ST_EXIT, 3, "3");
	hpc_judge(&in, &d);
	assert_int_equal(d.v, HPC_V_ERROR);
	/* a reap with class= is judged like a check, with its class */
	scenario();
	fine(&in);
	step_status(ST_REAP, HPC_ST_SIGNAL, 9, "sig9");
	hpc_judge(&in, &d);
	assert_int_equal(d.v, HPC_V_FAIL);
	assert_int_equal(d.cls, HPC_C_LEAK);
	assert_string_equal(d.title, "LEAK: reap load failed");
	/* a wait (or emit) step that fails other than by timeout is passed over */
	scenario();
	fine(&in);
	step_status(ST_WAIT, HPC_ST_ERROR, 0, "error");
	hpc_judge(&in, &d);
	assert_int_equal(d.v, HPC_V_PASS);
	step_status(ST_WAIT, HPC_ST_TIMEOUT, 0, "timeout");
	hpc_judge(&in, &d);
	assert_int_equal(d.v, HPC_V_FAIL);
	assert_string_equal(d.title, "TIMEOUT: step d1:deleted");
	/* a step that did not end does not decide */
	scenario();
	fine(&in);
	steps[ST_CHK].ended = 0;
	step_status(ST_SETUP, HPC_ST_EXIT, 0, "0");
	hpc_judge(&in, &d);
	assert_int_equal(d.v, HPC_V_PASS);
}

/* A failed check with one failure no known-fail pattern matches. */
static void test_check_unexpected_failure(void **state)
{
	struct hpc_judge_in in;
	struct hpc_decision d;

	(void)state;
	scenario();
	fine(&in);
	step_status(ST_CHK, HPC_ST_EXIT, 1, "1");
	in.ktap = ktap_of("KTAP version 1\n1..3\nnot ok 1 exclusive\n"
			  "not ok 2 migrate_anon\nnot ok 3 exclusive_cow\n");
	hpc_judge(&in, &d);
	assert_int_equal(d.v, HPC_V_FAIL);
	assert_int_equal(d.cls, HPC_C_CHECK);
	assert_string_equal(d.title, "CHECK: chk: unexpected failure in migrate_anon");
	/* the check failed, the KTAP shows no failure: FAIL, not XFAIL */
	in.ktap = ktap_of("KTAP version 1\n1..1\nok 1 exclusive\n");
	hpc_judge(&in, &d);
	assert_int_equal(d.v, HPC_V_FAIL);
	assert_string_equal(d.title, "CHECK: check chk failed");
	/* known-fail applies to check steps, not to a reap with class= */
	scenario();
	fine(&in);
	step_status(ST_REAP, HPC_ST_EXIT, 1, "1");
	in.ktap = ktap_of("KTAP version 1\n1..1\nnot ok 1 exclusive\n");
	hpc_judge(&in, &d);
	assert_int_equal(d.v, HPC_V_FAIL);
	assert_int_equal(d.cls, HPC_C_LEAK);
}

/*
 * Issue 17 item 8: 5000 known failures and then a real one. The KTAP reader
 * keeps 4096 results; the 5001st is never looked at, so the verdict must
 * not be XFAIL.
 */
static void test_check_ktap_beyond_reader_is_not_xfail(void **state)
{
	struct hpc_judge_in in;
	struct hpc_decision d;
	size_t cap = 6000 * 40, n = 0;
	char *text = malloc(cap);

	(void)state;
	assert_non_null(text);
	n += (size_t)snprintf(text + n, cap - n, "KTAP version 1\n1..5001\n");
	for (int i = 1; i <= 5000; i++)
		n += (size_t)snprintf(text + n, cap - n, "not ok %d exclusive_%d\n", i, i);
	n += (size_t)snprintf(text + n, cap - n, "not ok 5001 real-regression\n");
	assert_true(n < cap);
	scenario();
	fine(&in);
	step_status(ST_CHK, HPC_ST_EXIT, 1, "1");
	in.ktap = ktap_of(text);
	free(text);
	assert_true(hpc_ktap_info(in.ktap)->truncated);
	hpc_judge(&in, &d);
	assert_int_equal(d.v, HPC_V_FAIL);
	assert_int_equal(d.cls, HPC_C_CHECK);
	assert_string_equal(d.title, "CHECK: check chk failed");
	assert_non_null(strstr(d.reason, "not XFAIL: the guest's KTAP was cut"));
}

/* The same when the conductor dropped KTAP lines (its own bound). */
static void test_check_ktap_cut_by_conductor_is_not_xfail(void **state)
{
	struct hpc_judge_in in;
	struct hpc_decision d;

	(void)state;
	scenario();
	fine(&in);
	c_check_known_only(&in);
	hpc_judge(&in, &d);
	assert_int_equal(d.v, HPC_V_XFAIL);	/* complete: XFAIL */
	in.ktap_cut = true;
	hpc_judge(&in, &d);
	assert_int_equal(d.v, HPC_V_FAIL);
	assert_string_equal(d.title, "CHECK: check chk failed");
	assert_non_null(strstr(d.reason, "more than the conductor keeps"));
}

/* A KTAP that bailed out after known failures only: not XFAIL either. */
static void test_check_ktap_bailed_out_is_not_xfail(void **state)
{
	struct hpc_judge_in in;
	struct hpc_decision d;

	(void)state;
	scenario();
	fine(&in);
	step_status(ST_CHK, HPC_ST_EXIT, 1, "1");
	in.ktap = ktap_of("KTAP version 1\n1..4\nok 1 anon\nnot ok 2 exclusive\n"
			  "Bail out! device gone\n");
	hpc_judge(&in, &d);
	assert_int_equal(d.v, HPC_V_FAIL);
	assert_string_equal(d.title, "CHECK: check chk failed");
	assert_non_null(strstr(d.reason, "not XFAIL: the guest's KTAP was cut short (it bailed out)"));
}

/*
 * Fewer top-level results than the plan: the program died after its known
 * failures. Not XFAIL; a complete one is (the same KTAP with its last line).
 */
static void test_check_ktap_short_of_plan_is_not_xfail(void **state)
{
	static const char head[] = "KTAP version 1\n1..3\nok 1 anon\nnot ok 2 exclusive\n";
	struct hpc_judge_in in;
	struct hpc_decision d;

	(void)state;
	scenario();
	fine(&in);
	step_status(ST_CHK, HPC_ST_EXIT, 1, "1");
	in.ktap = ktap_of(head);
	hpc_judge(&in, &d);
	assert_int_equal(d.v, HPC_V_FAIL);
	assert_non_null(strstr(d.reason, "not XFAIL: the guest's KTAP was cut short (fewer results than its plan)"));
	in.ktap = ktap_of("KTAP version 1\n1..3\nok 1 anon\nnot ok 2 exclusive\nnot ok 3 exclusive_cow\n");
	hpc_judge(&in, &d);
	assert_int_equal(d.v, HPC_V_XFAIL);
	/* two KTAP documents (two steps wrote KTAP) are not short of a plan */
	in.ktap = ktap_of("TAP version 13\n1..1\nok 1 cause.a\n"
			  "TAP version 13\n1..2\nok 1 anon\nnot ok 2 exclusive\n");
	hpc_judge(&in, &d);
	assert_int_equal(d.v, HPC_V_XFAIL);
}

/* docs/scenarios.md, "Expected outcomes": the whole table. */
static void test_outcome_table(void **state)
{
	static const struct {
		unsigned int expect;
		const char *said;	/* NULL: none */
		enum hpc_verdict v;
		const char *title;
	} t[] = {
		{ 0, NULL, HPC_V_PASS, "" },
		{ 0, "revoke", HPC_V_FAIL, "CHECK: unexpected outcome: revoke" },
		{ 0, "reset", HPC_V_FAIL, "CHECK: unexpected outcome: reset" },
		{ HPC_OUTCOME_REVOKE, NULL, HPC_V_FAIL,
		  "CHECK: expected outcome revoke, none reported" },
		{ HPC_OUTCOME_REVOKE, "revoke", HPC_V_PASS, "" },
		{ HPC_OUTCOME_REVOKE, "reset", HPC_V_FAIL, "CHECK: unexpected outcome: reset" },
		{ HPC_OUTCOME_RESET, NULL, HPC_V_FAIL,
		  "CHECK: expected outcome reset, none reported" },
		{ HPC_OUTCOME_RESET, "revoke", HPC_V_FAIL, "CHECK: unexpected outcome: revoke" },
		{ HPC_OUTCOME_RESET, "reset", HPC_V_RESET, "" },
		{ HPC_OUTCOME_RESET | HPC_OUTCOME_REVOKE, NULL, HPC_V_FAIL,
		  "CHECK: expected outcome revoke or reset, none reported" },
		{ HPC_OUTCOME_RESET | HPC_OUTCOME_REVOKE, "revoke", HPC_V_PASS, "" },
		{ HPC_OUTCOME_RESET | HPC_OUTCOME_REVOKE, "reset", HPC_V_RESET, "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct hpc_judge_in in;
		struct hpc_decision d;

		scenario();
		fine(&in);
		scn.expect = t[i].expect;
		scn.expect_line = t[i].expect ? 7 : 0;
		if (t[i].said)
			add_outcome(&in, t[i].said, 1.0);
		hpc_judge(&in, &d);
		if (d.v != t[i].v || strcmp(d.title, t[i].title))
			fail_msg("expect %#x, said %s: got %s '%s'", t[i].expect,
				 t[i].said ? t[i].said : "-", hpc_verdict_name(d.v), d.title);
	}
}

/* The first outcome the scenario does not expect decides, in order. */
/* A step out of time whose task's stack came: titled by where it waits. */
static void test_step_timeout_stuck(void **state)
{
	struct hpc_judge_in in;
	struct hpc_decision d;

	(void)state;
	scenario();
	fine(&in);
	c_step_timeout_stuck(&in);
	hpc_judge(&in, &d);
	assert_int_equal(d.v, HPC_V_FAIL);
	assert_int_equal(d.cls, HPC_C_TIMEOUT);
	assert_string_equal(d.title, "TIMEOUT: step slow stuck in migrate_vma_setup");
	assert_non_null(strstr(d.reason, "its task 92 (state D) waits in migrate_vma_setup"));
	scenario();
	fine(&in);
	c_step_timeout_stuck_other(&in);
	hpc_judge(&in, &d);
	assert_string_equal(d.title, "TIMEOUT: step slow");
	scenario();
	fine(&in);
	c_step_timeout_stuck(&in);
	in.stuck_func = "";
	hpc_judge(&in, &d);
	assert_string_equal(d.title, "TIMEOUT: step slow");
}

/*
 * Row 9 (no_hello_exited) when the guest process died of a signal before
 * the agent started, as hpc-libvirt does when its libvirt host is lost
 * during the boot: the reason quotes its stderr.
 */
static void test_no_hello_qemu_died(void **state)
{
	struct hpc_judge_in in;
	struct hpc_decision d;

	(void)state;
	scenario();
	fine(&in);
	c_no_hello_exited(&in);
	in.shutdown_reason = NULL;
	in.guest_signal = SIGABRT;
	in.qemu_tail = "hpc-libvirt: lost the connection to libvirt host qemu+ssh://lab1/system";
	hpc_judge(&in, &d);
	assert_int_equal(d.v, HPC_V_ERROR);
	assert_string_equal(d.reason, "guest stopped before the agent started (shutdown reason: unknown): "
			    "QEMU died of signal 6: hpc-libvirt: lost the connection to libvirt host qemu+ssh://lab1/system");
}

static void test_outcome_order(void **state)
{
	struct hpc_judge_in in;
	struct hpc_decision d;

	(void)state;
	scenario();
	fine(&in);
	scn.expect = HPC_OUTCOME_REVOKE;
	add_outcome(&in, "revoke", 1.0);
	add_outcome(&in, "reset", 2.0);
	add_outcome(&in, "exploded", 3.0);
	hpc_judge(&in, &d);
	assert_int_equal(d.v, HPC_V_FAIL);
	assert_string_equal(d.title, "CHECK: unexpected outcome: reset");
}

/* verdict.json: the decision's members, and a private file. */
static void test_verdict_json(void **state)
{
	char dir[] = "/tmp/test_verdict.XXXXXX", path[64];
	struct hpc_decision d;
	struct json_object *o, *back, *v;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	hpc_decision_set(&d, HPC_V_FAIL, HPC_C_KASAN, "KASAN: use-after-free in x",
			 "kernel report at console line %d", 7);
	o = hpc_verdict_json_new(&d);
	assert_non_null(o);
	json_object_object_add(o, "scenario", json_object_new_string("s"));
	assert_int_equal(hpc_verdict_json_write(dir, o), 0);
	json_object_put(o);
	snprintf(path, sizeof(path), "%s/verdict.json", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	back = json_object_from_file(path);
	assert_non_null(back);
	assert_true(json_object_object_get_ex(back, "schema", &v));
	assert_int_equal(json_object_get_int(v), HPC_VERDICT_SCHEMA);
	assert_true(json_object_object_get_ex(back, "verdict", &v));
	assert_string_equal(json_object_get_string(v), "FAIL");
	assert_true(json_object_object_get_ex(back, "class", &v));
	assert_string_equal(json_object_get_string(v), "KASAN");
	assert_true(json_object_object_get_ex(back, "title", &v));
	assert_string_equal(json_object_get_string(v), "KASAN: use-after-free in x");
	json_object_put(back);
	/* no class, no title: null */
	hpc_decision_set(&d, HPC_V_PASS, HPC_C_NONE, NULL, "all 1 steps done");
	o = hpc_verdict_json_new(&d);
	assert_int_equal(hpc_verdict_json_write(dir, o), 0);
	json_object_put(o);
	back = json_object_from_file(path);
	assert_true(json_object_object_get_ex(back, "class", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(back, "title", &v));
	assert_null(v);
	json_object_put(back);
	/* a directory that is not there: -1, errno */
	errno = 0;
	o = hpc_verdict_json_new(&d);
	assert_int_equal(hpc_verdict_json_write("/nonexistent/dir", o), -1);
	assert_int_equal(errno, ENOENT);
	json_object_put(o);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* verdict.json read back by the same unit: what it wrote, and what it refuses. */
static void test_verdict_json_read(void **state)
{
	static const struct {
		const char *json;
		const char *why;	/* NULL: accepted */
	} cases[] = {
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"PASS\"}", NULL },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"PASS\\u0000x\"}",
		  "unknown \"verdict\" \"PASS?x\"" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"FAIL\", \"class\": \"KASAN\\u0000\"}",
		  "unknown \"class\" \"KASAN?\"" },
		{ "{\"schema\": 2, \"scenario\": \"s\", \"verdict\": \"PASS\"}",
		  "unsupported \"schema\" (expected 1)" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"PASS\", \"groups\": [\"q\", 2]}",
		  "\"groups\" must be an array of strings" },
	};
	struct hpc_decision d;
	struct hpc_verdict_doc doc;
	struct json_object *o;
	char why[200];

	(void)state;
	hpc_decision_set(&d, HPC_V_FAIL, HPC_C_STALE, "STALE: mirror pfn after invalidation",
			 "kernel report at console line %d", 12);
	o = hpc_verdict_json_new(&d);
	json_object_object_add(o, "scenario", json_object_new_string("devpriv"));
	json_object_object_add(o, "groups", json_object_new_array());
	json_object_array_add(json_object_object_get(o, "groups"), json_object_new_string("chaos"));
	json_object_object_add(o, "seed", json_object_new_int64(42));
	json_object_object_add(o, "duration_s", json_object_new_double(3.5));
	json_object_object_add(o, "interrupted", json_object_new_boolean(0));
	assert_int_equal(hpc_verdict_json_read(o, &doc, why, sizeof(why)), 0);
	assert_int_equal(doc.v, HPC_V_FAIL);
	assert_int_equal(doc.cls, HPC_C_STALE);
	assert_string_equal(doc.title.s, "STALE: mirror pfn after invalidation");
	assert_string_equal(doc.reason.s, "kernel report at console line 12");
	assert_string_equal(doc.scenario.s, "devpriv");
	assert_string_equal(doc.group.s, "chaos");
	assert_null(doc.file.s);
	assert_int_equal(json_object_get_int64(doc.seed), 42);
	assert_true(doc.has_duration);
	json_object_put(o);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r;

		o = json_tokener_parse(cases[i].json);
		assert_non_null(o);
		why[0] = '\0';
		r = hpc_verdict_json_read(o, &doc, why, sizeof(why));
		if (cases[i].why ? r != -1 || strcmp(why, cases[i].why) : r != 0)
			fail_msg("case %zu: got %d '%s'", i, r, why);
		json_object_put(o);
	}
}

/*
 * docs/verdicts.md's precedence table names the same rows in the same
 * order ("| N | `name` | ..."), so the documentation cannot drift from
 * the code without this test failing.
 */
static void test_docs_table_matches(void **state)
{
	char path[4096], line[2048];
	size_t next = 0;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/../../../docs/verdicts.md", FIXTURES_DIR);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char name[64];
		unsigned int n;

		if (sscanf(line, "| %u | `%63[a-z_]` |", &n, name) != 2)
			continue;
		if (next >= NROWS || n != next + 1 || strcmp(name, rows[next].name))
			fail_msg("docs/verdicts.md row %u '%s': the code's row %zu is '%s'", n, name,
				 next + 1, next < NROWS ? rows[next].name : "(none)");
		next++;
	}
	fclose(f);
	assert_int_equal(next, NROWS);
}

static int teardown(void **state)
{
	(void)state;
	hpc_ktap_free(ktap);
	ktap = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_row_skip, teardown),
		cmocka_unit_test_teardown(test_row_interrupted, teardown),
		cmocka_unit_test_teardown(test_row_not_connected, teardown),
		cmocka_unit_test_teardown(test_row_kernel_report, teardown),
		cmocka_unit_test_teardown(test_row_action_error, teardown),
		cmocka_unit_test_teardown(test_row_device_del_timeout, teardown),
		cmocka_unit_test_teardown(test_row_no_hello_no_console, teardown),
		cmocka_unit_test_teardown(test_row_no_hello_boot_bound, teardown),
		cmocka_unit_test_teardown(test_row_no_hello_exited, teardown),
		cmocka_unit_test_teardown(test_row_no_hello_running, teardown),
		cmocka_unit_test_teardown(test_row_step_timeout, teardown),
		cmocka_unit_test_teardown(test_row_step_skipped, teardown),
		cmocka_unit_test_teardown(test_row_check_known_failures_only, teardown),
		cmocka_unit_test_teardown(test_row_check_failed, teardown),
		cmocka_unit_test_teardown(test_row_run_failed, teardown),
		cmocka_unit_test_teardown(test_row_no_bye_qemu_died, teardown),
		cmocka_unit_test_teardown(test_row_no_bye_guest_exited, teardown),
		cmocka_unit_test_teardown(test_row_no_bye_guest_running, teardown),
		cmocka_unit_test_teardown(test_row_bye_error, teardown),
		cmocka_unit_test_teardown(test_row_outcome_unknown, teardown),
		cmocka_unit_test_teardown(test_row_outcome_unexpected, teardown),
		cmocka_unit_test_teardown(test_row_outcome_expected_none_reported, teardown),
		cmocka_unit_test_teardown(test_row_outcome_reset_expected, teardown),
		cmocka_unit_test_teardown(test_row_pass, teardown),
		cmocka_unit_test_teardown(test_steps_in_order, teardown),
		cmocka_unit_test_teardown(test_check_unexpected_failure, teardown),
		cmocka_unit_test_teardown(test_check_ktap_beyond_reader_is_not_xfail, teardown),
		cmocka_unit_test_teardown(test_check_ktap_cut_by_conductor_is_not_xfail, teardown),
		cmocka_unit_test_teardown(test_check_ktap_bailed_out_is_not_xfail, teardown),
		cmocka_unit_test_teardown(test_check_ktap_short_of_plan_is_not_xfail, teardown),
		cmocka_unit_test_teardown(test_outcome_table, teardown),
		cmocka_unit_test_teardown(test_outcome_order, teardown),
		cmocka_unit_test_teardown(test_step_timeout_stuck, teardown),
		cmocka_unit_test_teardown(test_no_hello_qemu_died, teardown),
		cmocka_unit_test_teardown(test_docs_table_matches, teardown),
		cmocka_unit_test_teardown(test_verdict_json, teardown),
		cmocka_unit_test_teardown(test_verdict_json_read, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
