// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for the scenario edits of 'hpchaos minimise' (lib/scenario_edit.c):
 * the units (steps and actions with their physical lines, continuations
 * included) and the copy of a file with units dropped and timings set.
 * Each test writes a scenario file under /tmp and loads it.
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
static struct hpc_scn_unit units[HPC_SCN_MAX_STEPS + HPC_SCN_MAX_ACTIONS];
static char dir[64], path[128], out[8192], err[1024];

static const char text[] =
	"# a comment\n"
	"name t\n"
	"groups g\n"
	"run   a : true\n"
	"emit  go\n"
	"on    go after=100-900 \\\n"
	"      every=50 count=8 signal poke\r\n"
	"wait  poke\n"
	"on    @200-800 signal tick\n"
	"check b class=LEAK : echo \\\n"
	"      count=3 after=5\n";

static int setup(void **state)
{
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/hpc-edit-test.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/t.scn", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	fclose(f);
	return hpc_scenario_load(path, &scn, stderr, 20);
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

/* The file with edits e applied into out; the return of hpc_scenario_edit. */
static int edit(const struct hpc_scn_edit *e, int n)
{
	FILE *o = fmemopen(out, sizeof(out) - 1, "w"), *x = fmemopen(err, sizeof(err) - 1, "w");
	int r;

	assert_non_null(o);
	assert_non_null(x);
	memset(out, 0, sizeof(out));
	memset(err, 0, sizeof(err));
	r = hpc_scenario_edit(&scn, e, n, o, x);
	fclose(o);
	fclose(x);
	return r;
}

static void test_units(void **state)
{
	int n = hpc_scenario_units(&scn, units, (int)(sizeof(units) / sizeof(units[0])));

	(void)state;
	assert_int_equal(n, 6);
	assert_int_equal(units[0].first, 4);
	assert_string_equal(units[0].desc, "run a");
	assert_string_equal(units[1].desc, "emit go");
	/* an action over two physical lines */
	assert_int_equal(units[2].is_action, 1);
	assert_int_equal(units[2].first, 6);
	assert_int_equal(units[2].last, 7);
	assert_string_equal(units[2].desc, "on go signal poke");
	assert_int_equal(units[2].delay_min, 100);
	assert_int_equal(units[2].delay_max, 900);
	assert_int_equal(units[2].count, 8);
	assert_string_equal(units[4].desc, "on @200-800 signal tick");
	assert_int_equal(units[4].delay_at, 1);
	assert_int_equal(units[4].count, 0);
	assert_int_equal(units[5].first, 10);
	assert_int_equal(units[5].last, 11);
	assert_int_equal(hpc_scenario_units(&scn, units, 3), -1);
}

static void test_drop_and_set(void **state)
{
	const struct hpc_scn_edit e[] = {
		{ .line = 8, .key = HPC_EDIT_DROP },
		{ .line = 10, .key = HPC_EDIT_DROP },
		{ .line = 6, .key = HPC_EDIT_AFTER, .value = "327" },
		{ .line = 6, .key = HPC_EDIT_COUNT, .value = "4" },
		{ .line = 9, .key = HPC_EDIT_AT, .value = "690" },
	};

	(void)state;
	assert_int_equal(edit(e, 5), 0);
	assert_string_equal(out,
		"# a comment\n"
		"name t\n"
		"groups g\n"
		"run   a : true\n"
		"emit  go\n"
		"on    go after=327 \\\n"
		"      every=50 count=4 signal poke\r\n"
		"on    @690 signal tick\n");
}

/* A step's command is never edited, even where it looks like a timing. */
static void test_steps_untouched(void **state)
{
	const struct hpc_scn_edit e[] = { { .line = 6, .key = HPC_EDIT_DROP } };

	(void)state;
	assert_int_equal(edit(e, 1), 0);
	assert_non_null(strstr(out, "check b class=LEAK : echo \\\n      count=3 after=5\n"));
	assert_null(strstr(out, "signal poke"));
	assert_non_null(strstr(out, "on    @200-800 signal tick\n"));
}

static void test_bad_edits(void **state)
{
	const struct hpc_scn_edit not_a_unit[] = { { .line = 7, .key = HPC_EDIT_DROP } };
	const struct hpc_scn_edit a_step[] = { { .line = 4, .key = HPC_EDIT_COUNT, .value = "1" } };
	const struct hpc_scn_edit no_at[] = { { .line = 6, .key = HPC_EDIT_AT, .value = "1" } };
	const struct hpc_scn_edit no_count[] = { { .line = 9, .key = HPC_EDIT_COUNT, .value = "1" } };
	const struct hpc_scn_edit not_digits[] = { { .line = 6, .key = HPC_EDIT_AFTER, .value = "1 x" } };

	(void)state;
	assert_int_equal(edit(not_a_unit, 1), -1);
	assert_non_null(strstr(err, "no step or action starts at line 7"));
	assert_int_equal(edit(a_step, 1), -1);
	assert_int_equal(edit(no_at, 1), -1);
	assert_non_null(strstr(err, "has no @MS to set"));
	assert_int_equal(edit(no_count, 1), -1);
	assert_non_null(strstr(err, "has no count= to set"));
	assert_int_equal(edit(not_digits, 1), -1);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_drop_and_set),
		cmocka_unit_test(test_steps_untouched),
		cmocka_unit_test(test_bad_edits),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
