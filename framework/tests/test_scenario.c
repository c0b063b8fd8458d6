// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for the scenario parser (lib/scenario.c): host action timing
 * (after=MIN-MAX, every=, count=, on @MS), the schedule's random numbers,
 * expect and the reserved outcome event. Each test writes a scenario file
 * under /tmp and loads it; errors are collected in a memory stream.
 * Never use cmocka's skip() here: cmocka 1.1.5 prints skips as "not ok".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hpc/scenario.h"

static struct hpc_scenario scn;
static char dir[64];
static char errbuf[8192];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/hpc-scenario-test.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/t.scn", dir);
	unlink(path);
	return rmdir(dir);
}

/* Load a scenario named t from text; errors go to errbuf. Returns 0/-1. */
static int load(const char *text)
{
	char path[128];
	FILE *f, *err;
	int r;

	snprintf(path, sizeof(path), "%s/t.scn", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	memset(errbuf, 0, sizeof(errbuf));
	err = fmemopen(errbuf, sizeof(errbuf) - 1, "w");
	assert_non_null(err);
	r = hpc_scenario_load(path, &scn, err, 20);
	fclose(err);
	return r;
}

#define HEAD "name t\ngroups g\n"

/* The error for line (e.g. "4: count= needs ...") is in errbuf. */
static void assert_error(const char *text, const char *want)
{
	char needle[512];

	assert_int_equal(load(text), -1);
	snprintf(needle, sizeof(needle), "/t.scn:%s", want);
	if (!strstr(errbuf, needle))
		fail_msg("wanted '%s' in errors:\n%s", needle, errbuf);
}

static void test_after_fixed_and_range(void **state)
{
	(void)state;
	assert_int_equal(load(HEAD
			      "wait a\nwait b\nwait c\n"
			      "on boot signal a\n"
			      "on boot after=250 signal b\n"
			      "on boot after=100-900 signal c\n"), 0);
	assert_int_equal(scn.nactions, 3);
	assert_int_equal(scn.actions[0].after_min_ms, 0);
	assert_int_equal(scn.actions[0].after_max_ms, 0);
	assert_int_equal(scn.actions[0].count, 1);
	assert_int_equal(scn.actions[1].after_min_ms, 250);
	assert_int_equal(scn.actions[1].after_max_ms, 250);
	assert_int_equal(scn.actions[2].after_min_ms, 100);
	assert_int_equal(scn.actions[2].after_max_ms, 900);
	assert_int_equal(scn.actions[2].every_min_ms, 0);
	assert_int_equal(scn.actions[2].count, 1);
	assert_false(scn.actions[2].at);
	/* a degenerate range is a fixed delay */
	assert_int_equal(load(HEAD "wait a\non boot after=7-7 signal a\n"), 0);
	assert_int_equal(hpc_action_delay_ms(&scn.actions[0], 99, 0, 0), 7);
}

static void test_every_count(void **state)
{
	(void)state;
	assert_int_equal(load(HEAD
			      "guest-events go\nrun r : true\n"
			      "on go every=500 signal tick\n"
			      "on go after=10-20 every=100-300 count=5 qom-set /machine/x prop on\n"
			      "on @2000 every=1000 count=1 signal once\n"), 0);
	assert_int_equal(scn.actions[0].every_min_ms, 500);
	assert_int_equal(scn.actions[0].every_max_ms, 500);
	/* no count=: until the scenario ends, at most HPC_SCN_MAX_FIRINGS */
	assert_int_equal(scn.actions[0].count, HPC_SCN_MAX_FIRINGS);
	assert_false(scn.actions[0].count_given);
	assert_int_equal(scn.actions[1].every_min_ms, 100);
	assert_int_equal(scn.actions[1].every_max_ms, 300);
	assert_int_equal(scn.actions[1].count, 5);
	assert_true(scn.actions[1].count_given);
	assert_int_equal(scn.actions[1].kind, HPC_ACT_QOM_SET);
	assert_string_equal(scn.actions[1].value, "on");
	assert_int_equal(scn.actions[2].count, 1);
	assert_true(scn.actions[2].at);
}

static void test_at(void **state)
{
	(void)state;
	assert_int_equal(load(HEAD
			      "wait a\nwait c\n"
			      "on @1500 signal a\n"
			      "on @0-3000 signal b emit=c\n"), 0);
	assert_true(scn.actions[0].at);
	assert_string_equal(scn.actions[0].on, "boot");
	assert_int_equal(scn.actions[0].after_min_ms, 1500);
	assert_int_equal(scn.actions[0].after_max_ms, 1500);
	assert_int_equal(scn.actions[1].after_min_ms, 0);
	assert_int_equal(scn.actions[1].after_max_ms, 3000);
	assert_string_equal(scn.actions[1].emit, "c");
}

static void test_timing_text(void **state)
{
	char buf[96];

	(void)state;
	assert_int_equal(load(HEAD
			      "guest-events go\nrun r : true\n"
			      "on go signal a\n"
			      "on go after=5 signal b\n"
			      "on go after=5-9 every=100 signal c\n"
			      "on @300-400 every=10-20 count=3 signal d\n"), 0);
	hpc_action_timing(&scn.actions[0], buf, sizeof(buf));
	assert_string_equal(buf, "");
	hpc_action_timing(&scn.actions[1], buf, sizeof(buf));
	assert_string_equal(buf, "after=5");
	hpc_action_timing(&scn.actions[2], buf, sizeof(buf));
	assert_string_equal(buf, "after=5-9 every=100");
	hpc_action_timing(&scn.actions[3], buf, sizeof(buf));
	assert_string_equal(buf, "@300-400 every=10-20 count=3");
}

static void test_timing_errors(void **state)
{
	(void)state;
	assert_error(HEAD "wait a\non @soon signal a\n",
		     "4: invalid time '@soon': expected @MS or @MIN-MAX");
	assert_error(HEAD "wait a\non @1-2-3 signal a\n", "4: invalid time '@1-2-3'");
	assert_error(HEAD "wait a\non @ signal a\n", "4: invalid time '@'");
	assert_error(HEAD "wait a\non @3600001 signal a\n", "4: invalid time '@3600001'");
	assert_error(HEAD "wait a\non @5 after=1 signal a\n", "4: on @MS takes no after=");
	assert_error(HEAD "wait a\non boot after=9-1 signal a\n", "4: invalid after '9-1'");
	assert_error(HEAD "wait a\non boot after=-5 signal a\n", "4: invalid after '-5'");
	assert_error(HEAD "wait a\non boot after=5- signal a\n", "4: invalid after '5-'");
	assert_error(HEAD "wait a\non boot after=+5 signal a\n", "4: invalid after '+5'");
	assert_error(HEAD "wait a\non boot after=1 after=2 signal a\n", "4: after= given twice");
	assert_error(HEAD "wait a\non boot every=9 signal a\n",
		     "4: invalid every '9': expected MS or MIN-MAX (MIN <= MAX), milliseconds from 10 to 3600000");
	assert_error(HEAD "wait a\non boot every=10 every=20 signal a\n", "4: every= given twice");
	assert_error(HEAD "wait a\non boot count=2 signal a\n", "4: count= needs every=MS");
	assert_error(HEAD "wait a\non boot every=10 count=0 signal a\n", "4: invalid count '0'");
	assert_error(HEAD "wait a\non boot every=10 count=2 count=3 signal a\n",
		     "4: count= given twice");
	assert_error(HEAD "wait a\non boot signal a after=5\n",
		     "4: 'after=5' goes before the action");
	assert_error(HEAD "wait a\non boot\n", "4: expected 'on EVENT|@MS");
	assert_error(HEAD "wait a\non boot after=5\n", "4: expected an action after 'after=5'");
	assert_error(HEAD "wait a\non boot after=5 every=10\n",
		     "4: expected an action after 'every=10'");
	assert_error(HEAD "object m memory-backend-ram size=64M\n"
		     "device d pc-dimm hotplug memdev=m\n"
		     "run a : true\non boot every=100 device_add d\n",
		     "6: device_add cannot repeat (every=)");
}

static void test_expect(void **state)
{
	(void)state;
	assert_int_equal(load(HEAD "run a : true\n"), 0);
	assert_int_equal(scn.expect, 0);
	assert_int_equal(load(HEAD "expect reset\nrun a : true\n"), 0);
	assert_int_equal(scn.expect, HPC_OUTCOME_RESET);
	assert_int_equal(scn.expect_line, 3);
	assert_int_equal(load(HEAD "expect revoke\nrun a : true\n"), 0);
	assert_int_equal(scn.expect, HPC_OUTCOME_REVOKE);
	assert_int_equal(load(HEAD "expect revoke reset\nrun a : true\n"), 0);
	assert_int_equal(scn.expect, HPC_OUTCOME_REVOKE | HPC_OUTCOME_RESET);
	assert_error(HEAD "expect\nrun a : true\n", "3: expected 'expect revoke'");
	assert_error(HEAD "expect lost\nrun a : true\n",
		     "3: unknown outcome 'lost': expected revoke or reset");
	assert_error(HEAD "expect reset\nexpect revoke\nrun a : true\n",
		     "4: expect given twice (first at line 3)");
}

static void test_outcome_reserved(void **state)
{
	(void)state;
	/* on outcome needs no guest-events line */
	assert_int_equal(load(HEAD "run a : true\non outcome signal saw-it\n"), 0);
	assert_string_equal(scn.actions[0].on, HPC_EV_OUTCOME);
	assert_error(HEAD "guest-events outcome\nrun a : true\n",
		     "3: guest-events outcome: declared implicitly");
	assert_error(HEAD "emit outcome : reset\n", "3: the event name 'outcome' is reserved");
	assert_error(HEAD "run a : true\non boot signal outcome\n",
		     "4: the event name 'outcome' is reserved");
	assert_error(HEAD "run a : true\non boot qom-set /m p v emit=outcome\n",
		     "4: the event name 'outcome' is reserved");
}

static void test_outcome_names(void **state)
{
	(void)state;
	assert_int_equal(hpc_outcome_parse("reset"), HPC_OUTCOME_RESET);
	assert_int_equal(hpc_outcome_parse("revoke"), HPC_OUTCOME_REVOKE);
	assert_int_equal(hpc_outcome_parse("RESET"), 0);
	assert_int_equal(hpc_outcome_parse(""), 0);
	assert_string_equal(hpc_outcome_name(HPC_OUTCOME_RESET), "reset");
	assert_string_equal(hpc_outcome_list(0), "");
	assert_string_equal(hpc_outcome_list(HPC_OUTCOME_REVOKE), "revoke");
	assert_string_equal(hpc_outcome_list(HPC_OUTCOME_REVOKE | HPC_OUTCOME_RESET),
			    "revoke or reset");
}

/* Draws: within the range, reproducible, depend on the seed. */
static void test_delay_draws(void **state)
{
	unsigned int seen_lo = 0, seen_hi = 0, differ = 0;
	unsigned int hist[10] = { 0 };

	(void)state;
	assert_int_equal(load(HEAD "wait a\non boot after=100-109 every=1000-1009 signal a\n"), 0);
	for (uint64_t seed = 0; seed < 10000; seed++) {
		unsigned int d = hpc_action_delay_ms(&scn.actions[0], seed, 0, 0);
		unsigned int e = hpc_action_delay_ms(&scn.actions[0], seed, 0, 1);

		assert_in_range(d, 100, 109);
		assert_in_range(e, 1000, 1009);
		assert_int_equal(d, hpc_action_delay_ms(&scn.actions[0], seed, 0, 0));
		seen_lo += d == 100;
		seen_hi += d == 109;
		hist[d - 100]++;
		differ += d != hpc_action_delay_ms(&scn.actions[0], seed + 1, 0, 0);
	}
	assert_true(seen_lo > 0 && seen_hi > 0);
	/* roughly uniform: each of 10 values about 1000 times */
	for (int i = 0; i < 10; i++)
		assert_in_range(hist[i], 850, 1150);
	/* another seed: another delay, 9 times in 10 */
	assert_true(differ > 8500);
}

/* Adding an action at the end shifts no other action's draws. */
static void test_draws_per_action(void **state)
{
	unsigned int before[3][4];

	(void)state;
	assert_int_equal(load(HEAD
			      "wait a\nwait b\nwait c\n"
			      "on boot after=0-100000 every=10-100000 count=4 signal a\n"
			      "on boot after=0-100000 signal b\n"
			      "on @0-100000 signal c\n"), 0);
	for (unsigned int i = 0; i < 3; i++)
		for (unsigned int k = 0; k < 4; k++)
			before[i][k] = hpc_action_delay_ms(&scn.actions[i], 42, i, k);
	assert_int_equal(load(HEAD
			      "wait a\nwait b\nwait c\nwait d\n"
			      "on boot after=0-100000 every=10-100000 count=4 signal a\n"
			      "on boot after=0-100000 signal b\n"
			      "on @0-100000 signal c\n"
			      "on boot after=0-100000 signal d\n"), 0);
	for (unsigned int i = 0; i < 3; i++)
		for (unsigned int k = 0; k < 4; k++)
			assert_int_equal(before[i][k],
					 hpc_action_delay_ms(&scn.actions[i], 42, i, k));
	/* two actions with the same range draw differently */
	assert_int_not_equal(hpc_action_delay_ms(&scn.actions[1], 42, 1, 0),
			     hpc_action_delay_ms(&scn.actions[3], 42, 3, 0));
	/* fixed values are not drawn at all */
	assert_int_equal(load(HEAD "wait a\non boot after=30 every=70 signal a\n"), 0);
	for (uint64_t seed = 0; seed < 100; seed++) {
		assert_int_equal(hpc_action_delay_ms(&scn.actions[0], seed, 0, 0), 30);
		assert_int_equal(hpc_action_delay_ms(&scn.actions[0], seed, 0, 5), 70);
	}
}

/* The generator is fixed: recorded schedules must stay reproducible. */
static void test_rand_is_stable(void **state)
{
	(void)state;
	assert_true(hpc_sched_rand(0, 0, 0) == hpc_sched_rand(0, 0, 0));
	assert_true(hpc_sched_rand(1, 0, 0) != hpc_sched_rand(0, 0, 0));
	assert_true(hpc_sched_rand(0, 1, 0) != hpc_sched_rand(0, 0, 0));
	assert_true(hpc_sched_rand(0, 0, 1) != hpc_sched_rand(0, 0, 0));
	assert_true(hpc_sched_rand(UINT64_MAX, 63, 999) !=
		    hpc_sched_rand(UINT64_MAX, 63, 998));
	/* pinned values: changing the generator breaks hpchaos repro */
	assert_int_equal(load(HEAD "wait a\non boot after=0-999999 signal a\n"), 0);
	assert_int_equal(hpc_action_delay_ms(&scn.actions[0], 42, 0, 0), 984964);
	assert_int_equal(hpc_action_delay_ms(&scn.actions[0], 43, 0, 0), 609989);
}

/* The shipped scenarios still load (the grammar only grew). */
static void test_old_syntax(void **state)
{
	(void)state;
	assert_int_equal(load(HEAD
			      "guest-events mirror-loop\nrun a : true\n"
			      "on mirror-loop after=1000 signal unbind\n"
			      "wait unbind timeout=90\n"), 0);
	assert_int_equal(scn.actions[0].after_min_ms, 1000);
	assert_int_equal(scn.actions[0].after_max_ms, 1000);
	assert_int_equal(scn.actions[0].count, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_after_fixed_and_range),
		cmocka_unit_test(test_every_count),
		cmocka_unit_test(test_at),
		cmocka_unit_test(test_timing_text),
		cmocka_unit_test(test_timing_errors),
		cmocka_unit_test(test_expect),
		cmocka_unit_test(test_outcome_reserved),
		cmocka_unit_test(test_outcome_names),
		cmocka_unit_test(test_delay_draws),
		cmocka_unit_test(test_draws_per_action),
		cmocka_unit_test(test_rand_is_stable),
		cmocka_unit_test(test_old_syntax),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
