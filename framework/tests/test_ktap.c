// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for the KTAP parser (lib/ktap.c).
 * Never use cmocka's skip() here: cmocka 1.1.5 prints skips as "not ok",
 * which prove counts as a failure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hpc/ktap.h"

static struct hpc_ktap *parse(const char *text)
{
	struct hpc_ktap *k = hpc_ktap_new();

	assert_non_null(k);
	hpc_ktap_text(k, text, strlen(text));
	hpc_ktap_finish(k);
	return k;
}

static const struct hpc_ktap_result *res(const struct hpc_ktap *k, size_t i)
{
	const struct hpc_ktap_result *r = hpc_ktap_result(k, i);

	assert_non_null(r);
	return r;
}

static void expect(const struct hpc_ktap *k, size_t i, unsigned long number,
		   enum hpc_ktap_res result, const char *name,
		   const char *reason, unsigned int depth)
{
	const struct hpc_ktap_result *r = res(k, i);

	assert_int_equal(r->number, number);
	assert_string_equal(hpc_ktap_res_name(r->result),
			    hpc_ktap_res_name(result));
	assert_string_equal(r->name, name);
	assert_string_equal(r->reason, reason);
	assert_int_equal(r->depth, depth);
}

static void test_normal_ktap(void **state)
{
	struct hpc_ktap *k;
	const struct hpc_ktap_info *in;

	(void)state;
	k = parse("KTAP version 1\n"
		  "1..5\n"
		  "# a diagnostic line\n"
		  "ok 1 alpha\n"
		  "not ok 2 beta\n"
		  "ok 3 gamma # SKIP no device here\n"
		  "ok 4 - delta\n"
		  "not ok 5 epsilon # a plain comment\n");
	in = hpc_ktap_info(k);
	assert_int_equal(in->version, 1);
	assert_true(in->ktap);
	assert_int_equal(in->plan, 5);
	assert_int_equal(hpc_ktap_nresults(k), 5);
	expect(k, 0, 1, HPC_KTAP_PASS, "alpha", "", 0);
	expect(k, 1, 2, HPC_KTAP_FAIL, "beta", "", 0);
	expect(k, 2, 3, HPC_KTAP_SKIP, "gamma", "no device here", 0);
	expect(k, 3, 4, HPC_KTAP_PASS, "delta", "", 0);
	expect(k, 4, 5, HPC_KTAP_FAIL, "epsilon", "a plain comment", 0);
	assert_int_equal(in->counts[HPC_KTAP_PASS], 2);
	assert_int_equal(in->counts[HPC_KTAP_FAIL], 2);
	assert_int_equal(in->counts[HPC_KTAP_SKIP], 1);
	assert_int_equal(in->total, 5);
	assert_false(in->plan_mismatch);
	assert_false(in->bad_numbers);
	assert_false(in->truncated);
	assert_false(in->bailed_out);
	assert_null(hpc_ktap_result(k, 5));
	hpc_ktap_free(k);
}

static void test_tap13_and_plan_at_end(void **state)
{
	struct hpc_ktap *k;
	const struct hpc_ktap_info *in;

	(void)state;
	k = parse("TAP version 13\n"
		  "ok 1 first\n"
		  "ok 2 second\n"
		  "1..2\n");
	in = hpc_ktap_info(k);
	assert_int_equal(in->version, 13);
	assert_false(in->ktap);
	assert_int_equal(in->plan, 2);
	assert_false(in->plan_mismatch);
	assert_int_equal(in->counts[HPC_KTAP_PASS], 2);
	hpc_ktap_free(k);
}

/* hmm-tests as Linux 6.1's kselftest harness prints it, run directly */
static void test_kselftest_harness(void **state)
{
	struct hpc_ktap *k;
	const struct hpc_ktap_info *in;

	(void)state;
	k = parse("TAP version 13\n"
		  "1..4\n"
		  "# Starting 4 tests from 2 test cases.\n"
		  "#  RUN           hmm.hmm_device_private.open ...\n"
		  "#            OK  hmm.hmm_device_private.open\n"
		  "ok 1 hmm.hmm_device_private.open\n"
		  "#  RUN           hmm.hmm_device_private.exclusive ...\n"
		  "# hmm-tests.c:1532:exclusive:Expected ret (-16) == 0 (0)\n"
		  "# exclusive: Test terminated by assertion\n"
		  "#          FAIL  hmm.hmm_device_private.exclusive\n"
		  "not ok 2 hmm.hmm_device_private.exclusive\n"
		  "#  RUN           hmm.hmm_device_coherent.open ...\n"
		  "#      SKIP      DEVICE_COHERENT not available\n"
		  "#            OK  hmm.hmm_device_coherent.open\n"
		  "ok 3 # SKIP DEVICE_COHERENT not available\n"
		  "#  RUN           hmm2.hmm2_device_private.double_map ...\n"
		  "#            OK  hmm2.hmm2_device_private.double_map\n"
		  "ok 4 hmm2.hmm2_device_private.double_map\n"
		  "# FAILED: 2 / 4 tests passed.\n"
		  "# Totals: pass:2 fail:1 xfail:0 xpass:0 skip:1 error:0\n");
	in = hpc_ktap_info(k);
	assert_int_equal(hpc_ktap_nresults(k), 4);
	expect(k, 0, 1, HPC_KTAP_PASS, "hmm.hmm_device_private.open", "", 0);
	expect(k, 1, 2, HPC_KTAP_FAIL, "hmm.hmm_device_private.exclusive", "",
	       0);
	/* nameless skip: the name comes from the RUN line */
	expect(k, 2, 3, HPC_KTAP_SKIP, "hmm.hmm_device_coherent.open",
	       "DEVICE_COHERENT not available", 0);
	expect(k, 3, 4, HPC_KTAP_PASS, "hmm2.hmm2_device_private.double_map",
	       "", 0);
	assert_false(in->plan_mismatch);
	assert_false(in->bad_numbers);
	assert_int_equal(in->counts[HPC_KTAP_PASS], 2);
	assert_int_equal(in->counts[HPC_KTAP_FAIL], 1);
	assert_int_equal(in->counts[HPC_KTAP_SKIP], 1);
	hpc_ktap_free(k);
}

/*
 * hpc-mirror-test as it prints its results on Linux 6.1's kselftest harness
 * (guest/hpc-mirror-test.c): fixture[.variant].test names, its own
 * diagnostics between the harness's lines, a failed assertion, a skip from
 * a fixture's setup (nameless "ok N # SKIP", named by the RUN line), the
 * closing PASSED/FAILED and Totals lines.
 */
static void test_mirror_test_harness(void **state)
{
	struct hpc_ktap *k;
	const struct hpc_ktap_info *in;

	(void)state;
	k = parse("TAP version 13\n"
		  "1..4\n"
		  "# hpc-mirror-test seed=7 planted=none\n"
		  "#  RUN           mirror.version ...\n"
		  "# caps=0x3f kconfig=0x1 region=2048 KiB planted=none\n"
		  "#            OK  mirror.version\n"
		  "ok 1 mirror.version\n"
		  "# mirror.version: 0.012 s\n"
		  "#  RUN           mirror.bad_args ...\n"
		  "# mirror.c:601:bad_args:Expected -(22) (-22) == r_ (0)\n"
		  "# mirror.c:601:bad_args:mread(fd, p, 0, buf) = 0 (ok), expected -22 (Invalid argument)\n"
		  "# bad_args: Test terminated by assertion\n"
		  "#          FAIL  mirror.bad_args\n"
		  "not ok 2 mirror.bad_args\n"
		  "# mirror.bad_args: 0.020 s\n"
		  "#  RUN           provider.pci_bar.info ...\n"
		  "#      SKIP      no ivshmem-plain device (1af4:1110): no PCI BAR provider\n"
		  "#            OK  provider.pci_bar.info\n"
		  "ok 3 # SKIP no ivshmem-plain device (1af4:1110): no PCI BAR provider\n"
		  "# provider.pci_bar.info: 0.004 s\n"
		  "#  RUN           module.no_stale ...\n"
		  "# module totals: faults=12 retries_seq=0\n"
		  "#            OK  module.no_stale\n"
		  "ok 4 module.no_stale\n"
		  "# module.no_stale: 0.003 s\n"
		  "# FAILED: 3 / 4 tests passed.\n"
		  "# Totals: pass:2 fail:1 xfail:0 xpass:0 skip:1 error:0\n");
	in = hpc_ktap_info(k);
	assert_int_equal(in->version, 13);
	assert_false(in->ktap);
	assert_int_equal(in->plan, 4);
	assert_int_equal(hpc_ktap_nresults(k), 4);
	expect(k, 0, 1, HPC_KTAP_PASS, "mirror.version", "", 0);
	expect(k, 1, 2, HPC_KTAP_FAIL, "mirror.bad_args", "", 0);
	expect(k, 2, 3, HPC_KTAP_SKIP, "provider.pci_bar.info",
	       "no ivshmem-plain device (1af4:1110): no PCI BAR provider", 0);
	expect(k, 3, 4, HPC_KTAP_PASS, "module.no_stale", "", 0);
	assert_false(in->plan_mismatch);
	assert_false(in->bad_numbers);
	assert_false(in->skip_all);
	assert_int_equal(in->counts[HPC_KTAP_PASS], 2);
	assert_int_equal(in->counts[HPC_KTAP_FAIL], 1);
	assert_int_equal(in->counts[HPC_KTAP_SKIP], 1);
	hpc_ktap_free(k);

	/* every test skipped (the program exits 4): skips, not a skip-all */
	k = parse("TAP version 13\n"
		  "1..2\n"
		  "#  RUN           bar.map ...\n"
		  "#      SKIP      module without the PCI BAR provider\n"
		  "#            OK  bar.map\n"
		  "ok 1 # SKIP module without the PCI BAR provider\n"
		  "#  RUN           bar.replug ...\n"
		  "#      SKIP      module without the PCI BAR provider\n"
		  "#            OK  bar.replug\n"
		  "ok 2 # SKIP module without the PCI BAR provider\n"
		  "# PASSED: 2 / 2 tests passed.\n"
		  "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:2 error:0\n");
	in = hpc_ktap_info(k);
	expect(k, 0, 1, HPC_KTAP_SKIP, "bar.map",
	       "module without the PCI BAR provider", 0);
	expect(k, 1, 2, HPC_KTAP_SKIP, "bar.replug",
	       "module without the PCI BAR provider", 0);
	assert_int_equal(in->counts[HPC_KTAP_SKIP], 2);
	assert_int_equal(in->counts[HPC_KTAP_PASS], 0);
	assert_false(in->skip_all);
	assert_false(in->plan_mismatch);
	hpc_ktap_free(k);
}

/* the same under the kselftest runner, which prefixes "# " */
static void test_kselftest_runner_nested(void **state)
{
	struct hpc_ktap *k;
	const struct hpc_ktap_info *in;

	(void)state;
	k = parse("TAP version 13\n"
		  "1..1\n"
		  "# timeout set to 180\n"
		  "# selftests: mm: hmm-tests\n"
		  "# TAP version 13\n"
		  "# 1..3\n"
		  "# # Starting 3 tests from 1 test cases.\n"
		  "# #  RUN           hmm.hmm_device_private.open ...\n"
		  "# #            OK  hmm.hmm_device_private.open\n"
		  "# ok 1 hmm.hmm_device_private.open\n"
		  "# #  RUN           hmm.hmm_device_private.exclusive ...\n"
		  "# #          FAIL  hmm.hmm_device_private.exclusive\n"
		  "# not ok 2 hmm.hmm_device_private.exclusive\n"
		  "# #  RUN           hmm.hmm_device_private.anon_read ...\n"
		  "# #      SKIP      no hmm device\n"
		  "# ok 3 # SKIP no hmm device\n"
		  "# # FAILED: 1 / 3 tests passed.\n"
		  "not ok 1 selftests: mm: hmm-tests # exit=1\n");
	in = hpc_ktap_info(k);
	assert_int_equal(hpc_ktap_nresults(k), 4);
	expect(k, 0, 1, HPC_KTAP_PASS, "hmm.hmm_device_private.open", "", 1);
	expect(k, 1, 2, HPC_KTAP_FAIL, "hmm.hmm_device_private.exclusive", "",
	       1);
	expect(k, 2, 3, HPC_KTAP_SKIP, "hmm.hmm_device_private.anon_read",
	       "no hmm device", 1);
	expect(k, 3, 1, HPC_KTAP_FAIL, "selftests: mm: hmm-tests", "exit=1", 0);
	assert_int_equal(in->plan, 1);
	assert_int_equal(in->total, 1);
	assert_int_equal(in->counts[HPC_KTAP_FAIL], 1);
	assert_int_equal(in->counts_all[HPC_KTAP_PASS], 1);
	assert_int_equal(in->counts_all[HPC_KTAP_FAIL], 2);
	assert_int_equal(hpc_ktap_count(k, 1, HPC_KTAP_PASS), 1);
	assert_int_equal(hpc_ktap_count(k, 1, HPC_KTAP_FAIL), 1);
	assert_int_equal(hpc_ktap_count(k, 1, HPC_KTAP_SKIP), 1);
	assert_int_equal(hpc_ktap_count(k, 0, HPC_KTAP_FAIL), 1);
	assert_int_equal(hpc_ktap_count(k, 99, HPC_KTAP_FAIL), 0);
	assert_false(in->plan_mismatch);
	assert_false(in->bad_numbers);
	hpc_ktap_free(k);
}

/* KUnit style: subtests indented by 4 spaces, each with a header */
static void test_ktap_subtests_4_spaces(void **state)
{
	struct hpc_ktap *k;
	const struct hpc_ktap_info *in;

	(void)state;
	k = parse("KTAP version 1\n"
		  "1..2\n"
		  "    KTAP version 1\n"
		  "    # Subtest: suite_a\n"
		  "    1..2\n"
		  "    ok 1 a_one\n"
		  "    not ok 2 a_two\n"
		  "# suite_a: pass:1 fail:1 skip:0 total:2\n"
		  "not ok 1 suite_a\n"
		  "    KTAP version 1\n"
		  "    # Subtest: suite_b\n"
		  "    1..1\n"
		  "        KTAP version 1\n"
		  "        1..2\n"
		  "        ok 1 param-0\n"
		  "        ok 2 param-1\n"
		  "    ok 1 b_param\n"
		  "ok 2 suite_b\n");
	in = hpc_ktap_info(k);
	assert_int_equal(hpc_ktap_nresults(k), 7);
	expect(k, 0, 1, HPC_KTAP_PASS, "a_one", "", 1);
	expect(k, 1, 2, HPC_KTAP_FAIL, "a_two", "", 1);
	expect(k, 2, 1, HPC_KTAP_FAIL, "suite_a", "", 0);
	expect(k, 3, 1, HPC_KTAP_PASS, "param-0", "", 2);
	expect(k, 4, 2, HPC_KTAP_PASS, "param-1", "", 2);
	expect(k, 5, 1, HPC_KTAP_PASS, "b_param", "", 1);
	expect(k, 6, 2, HPC_KTAP_PASS, "suite_b", "", 0);
	assert_int_equal(in->total, 2);
	assert_false(in->plan_mismatch);
	assert_false(in->bad_numbers);
	hpc_ktap_free(k);
}

/* nesting by 2 spaces, subtests without their own version line */
static void test_subtests_2_spaces(void **state)
{
	struct hpc_ktap *k;
	const struct hpc_ktap_info *in;

	(void)state;
	k = parse("TAP version 13\n"
		  "1..2\n"
		  "  1..2\n"
		  "  ok 1 inner one\n"
		  "  ok 2 inner two\n"
		  "ok 1 outer one\n"
		  "  1..1\n"
		  "  ok 1 inner three\n"
		  "ok 2 outer two\n");
	in = hpc_ktap_info(k);
	assert_int_equal(hpc_ktap_nresults(k), 5);
	expect(k, 0, 1, HPC_KTAP_PASS, "inner one", "", 1);
	expect(k, 2, 1, HPC_KTAP_PASS, "outer one", "", 0);
	expect(k, 3, 1, HPC_KTAP_PASS, "inner three", "", 1);
	expect(k, 4, 2, HPC_KTAP_PASS, "outer two", "", 0);
	assert_false(in->plan_mismatch);
	assert_false(in->bad_numbers);
	hpc_ktap_free(k);
}

static void test_directives(void **state)
{
	struct hpc_ktap *k;
	const struct hpc_ktap_info *in;

	(void)state;
	k = parse("KTAP version 1\n"
		  "1..10\n"
		  "ok 1 s1 # SKIP\n"
		  "not ok 2 s2 # skip lower case\n"
		  "ok 3 x1 # XFAIL known bug\n"
		  "not ok 4 x2 # XFAIL\n"
		  "not ok 5 t1 # TODO not done yet\n"
		  "ok 6 t2 # TODO unexpectedly passed\n"
		  "not ok 7 to # TIMEOUT after 30s\n"
		  "not ok 8 er # ERROR: could not open /dev/hmm_dmirror0\n"
		  "ok 9 sk2 #SKIPPED words\n"
		  "ok 10 esc \\# not a directive # SKIP: real one\n");
	in = hpc_ktap_info(k);
	assert_int_equal(hpc_ktap_nresults(k), 10);
	expect(k, 0, 1, HPC_KTAP_SKIP, "s1", "", 0);
	expect(k, 1, 2, HPC_KTAP_SKIP, "s2", "lower case", 0);
	expect(k, 2, 3, HPC_KTAP_XFAIL, "x1", "known bug", 0);
	expect(k, 3, 4, HPC_KTAP_XFAIL, "x2", "", 0);
	expect(k, 4, 5, HPC_KTAP_XFAIL, "t1", "not done yet", 0);
	expect(k, 5, 6, HPC_KTAP_PASS, "t2", "unexpectedly passed", 0);
	expect(k, 6, 7, HPC_KTAP_FAIL, "to", "after 30s", 0);
	expect(k, 7, 8, HPC_KTAP_FAIL, "er",
	       "could not open /dev/hmm_dmirror0", 0);
	/* "SKIPPED" is not the SKIP keyword: kept as a comment */
	expect(k, 8, 9, HPC_KTAP_PASS, "sk2", "SKIPPED words", 0);
	expect(k, 9, 10, HPC_KTAP_SKIP, "esc \\# not a directive", "real one",
	       0);
	assert_int_equal(in->counts[HPC_KTAP_SKIP], 3);
	assert_int_equal(in->counts[HPC_KTAP_XFAIL], 3);
	assert_int_equal(in->counts[HPC_KTAP_FAIL], 2);
	assert_int_equal(in->counts[HPC_KTAP_PASS], 2);
	assert_false(in->plan_mismatch);
	hpc_ktap_free(k);
}

static void test_skip_all_and_bail_out(void **state)
{
	struct hpc_ktap *k;
	const struct hpc_ktap_info *in;

	(void)state;
	k = parse("TAP version 13\n1..0 # SKIP no DEVICE_PRIVATE\n");
	in = hpc_ktap_info(k);
	assert_true(in->skip_all);
	assert_string_equal(in->reason, "no DEVICE_PRIVATE");
	assert_int_equal(in->plan, 0);
	assert_false(in->plan_mismatch);
	assert_int_equal(hpc_ktap_nresults(k), 0);
	hpc_ktap_free(k);

	k = parse("TAP version 13\n1..3\nok 1 a\nBail out! guest died\n");
	in = hpc_ktap_info(k);
	assert_true(in->bailed_out);
	assert_string_equal(in->reason, "guest died");
	assert_true(in->plan_mismatch);
	hpc_ktap_free(k);
}

static void test_plan_mismatch(void **state)
{
	struct hpc_ktap *k;

	(void)state;
	/* missing results (guest crashed) */
	k = parse("KTAP version 1\n1..3\nok 1 a\nok 2 b\n");
	assert_true(hpc_ktap_info(k)->plan_mismatch);
	assert_false(hpc_ktap_info(k)->bad_numbers);
	hpc_ktap_free(k);

	/* extra results */
	k = parse("KTAP version 1\n1..1\nok 1 a\nok 2 b\n");
	assert_true(hpc_ktap_info(k)->plan_mismatch);
	hpc_ktap_free(k);

	/* no plan at all */
	k = parse("KTAP version 1\nok 1 a\n");
	assert_true(hpc_ktap_info(k)->plan_mismatch);
	assert_int_equal(hpc_ktap_info(k)->plan, -1);
	hpc_ktap_free(k);

	/* nothing at all */
	k = parse("");
	assert_true(hpc_ktap_info(k)->plan_mismatch);
	assert_int_equal(hpc_ktap_info(k)->version, 0);
	hpc_ktap_free(k);

	/* a nested level with too few results */
	k = parse("KTAP version 1\n1..1\n"
		  "    KTAP version 1\n    1..3\n    ok 1 x\n"
		  "ok 1 suite\n");
	assert_true(hpc_ktap_info(k)->plan_mismatch);
	hpc_ktap_free(k);

	/* two plans at one level */
	k = parse("KTAP version 1\n1..1\n1..1\nok 1 a\n");
	assert_true(hpc_ktap_info(k)->plan_mismatch);
	hpc_ktap_free(k);

	/* all good, for contrast, with no version line */
	k = parse("1..1\nok 1 a\n");
	assert_false(hpc_ktap_info(k)->plan_mismatch);
	hpc_ktap_free(k);
}

static void test_duplicate_numbers(void **state)
{
	struct hpc_ktap *k;
	const struct hpc_ktap_info *in;

	(void)state;
	k = parse("KTAP version 1\n1..3\nok 1 a\nok 2 b\nok 2 b-again\n");
	in = hpc_ktap_info(k);
	assert_int_equal(hpc_ktap_nresults(k), 3);
	assert_true(in->bad_numbers);
	/* the count matches the plan: only the numbering tells */
	assert_false(in->plan_mismatch);
	hpc_ktap_free(k);

	k = parse("KTAP version 1\n1..3\nok 1 a\nok 2 b\nok 2 b\nok 3 c\n");
	in = hpc_ktap_info(k);
	assert_true(in->bad_numbers);
	assert_true(in->plan_mismatch);
	hpc_ktap_free(k);

	k = parse("KTAP version 1\n1..2\nok 2 b\nok 1 a\n");
	assert_true(hpc_ktap_info(k)->bad_numbers);
	hpc_ktap_free(k);
}

static void test_garbage(void **state)
{
	static const char *const junk[] = {
		"[    1.234567] ok 1 printk line",
		"foo ok 1 bar",
		"okay 1 x",
		"ok",
		"ok x",
		"ok 1x",
		"ok -1 neg",
		"ok 99999999999999999999999999 huge",
		"not ok",
		"notok 1",
		"nok 1",
		"1..",
		"1..x",
		"1..5 trailing words",
		"2..5",
		"KTAP version",
		"KTAP version one",
		"TAP version 13 extra",
		"#",
		"# ok",
		"   ",
		"",
		"RUN x",
		"Bail out",
	};
	struct hpc_ktap *k = hpc_ktap_new();
	const struct hpc_ktap_info *in;
	unsigned int seed = 12345;
	char buf[200];

	(void)state;
	assert_non_null(k);
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		hpc_ktap_line(k, junk[i], strlen(junk[i]));
	/* random bytes, including NUL, newlines, '#', digits */
	for (int i = 0; i < 20000; i++) {
		size_t n;

		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % sizeof(buf);
		for (size_t j = 0; j < n; j++) {
			seed = seed * 1103515245u + 12345u;
			buf[j] = (char)(seed >> 16);
		}
		/* never a syntactic result: make the first byte a letter */
		if (n)
			buf[0] = 'x';
		hpc_ktap_line(k, buf, n);
	}
	hpc_ktap_line(k, NULL, 0);
	hpc_ktap_finish(k);
	in = hpc_ktap_info(k);
	assert_int_equal(hpc_ktap_nresults(k), 0);
	assert_int_equal(in->total, 0);
	assert_int_equal(in->version, 0);
	assert_int_equal(in->plan, -1);
	assert_false(in->bailed_out);
	hpc_ktap_free(k);
	hpc_ktap_free(NULL);
}

/* random structured lines: anything may happen except a crash */
static void test_fuzz_structured(void **state)
{
	static const char *const parts[] = {
		"ok ", "not ok ", "1..", "KTAP version 1", "TAP version 13",
		"# ", "    ", "  ", "#", " # SKIP ", " # TODO ", "\\#",
		"1", "2", "4096", "-", "name", "\x1b[31m", "\r", "\t",
		"#  RUN  x.y ...", "Bail out!",
	};
	const size_t np = sizeof(parts) / sizeof(parts[0]);
	struct hpc_ktap *k = hpc_ktap_new();
	unsigned int seed = 99;
	char line[512];

	(void)state;
	assert_non_null(k);
	for (int i = 0; i < 30000; i++) {
		size_t len = 0;
		int nparts;

		seed = seed * 1103515245u + 12345u;
		nparts = (int)((seed >> 16) % 8);
		for (int j = 0; j < nparts; j++) {
			const char *p;
			size_t pl;

			seed = seed * 1103515245u + 12345u;
			p = parts[(seed >> 16) % np];
			pl = strlen(p);
			if (len + pl >= sizeof(line))
				break;
			memcpy(line + len, p, pl);
			len += pl;
		}
		hpc_ktap_line(k, line, len);
	}
	hpc_ktap_finish(k);
	assert_true(hpc_ktap_nresults(k) <= HPC_KTAP_MAX_RESULTS);
	for (size_t i = 0; i < hpc_ktap_nresults(k); i++) {
		const struct hpc_ktap_result *r = res(k, i);

		assert_true(strlen(r->name) < HPC_KTAP_NAME_MAX);
		assert_true(strlen(r->reason) < HPC_KTAP_REASON_MAX);
		assert_true(r->depth <= HPC_KTAP_MAX_DEPTH);
		assert_true((unsigned int)r->result < HPC_KTAP__RES_COUNT);
	}
	hpc_ktap_free(k);
}

static void test_megabyte_line(void **state)
{
	const size_t mb = 1024 * 1024;
	static char line[1024 * 1024 + 64];
	struct hpc_ktap *k = hpc_ktap_new();
	const struct hpc_ktap_info *in;
	size_t n;

	(void)state;
	assert_non_null(k);
	hpc_ktap_line(k, "1..2", 4);

	/* a result with a 1 MB name, directive at the far end (not seen) */
	n = (size_t)sprintf(line, "ok 1 ");
	memset(line + n, 'a', mb);
	n += mb;
	n += (size_t)sprintf(line + n, " # SKIP far away");
	hpc_ktap_line(k, line, n);

	/* 1 MB of garbage */
	memset(line, 'z', mb);
	hpc_ktap_line(k, line, mb);

	/* 1 MB of prefix, then a result: too deep to be anything */
	memset(line, ' ', mb);
	memcpy(line + mb - 6, "ok 2 x", 6);
	hpc_ktap_line(k, line, mb);

	/* 1 MB of '#' */
	memset(line, '#', mb);
	hpc_ktap_line(k, line, mb);

	hpc_ktap_line(k, "ok 2 after", 10);
	hpc_ktap_finish(k);
	in = hpc_ktap_info(k);
	assert_int_equal(hpc_ktap_nresults(k), 2);
	assert_int_equal(strlen(res(k, 0)->name), HPC_KTAP_NAME_MAX - 1);
	assert_int_equal(res(k, 0)->result, HPC_KTAP_PASS);
	expect(k, 1, 2, HPC_KTAP_PASS, "after", "", 0);
	assert_int_equal(in->long_lines, 4);
	assert_false(in->plan_mismatch);
	hpc_ktap_free(k);
}

static void test_escape_sequences(void **state)
{
	struct hpc_ktap *k;

	(void)state;
	k = parse("\x1b[1mKTAP version 1\x1b[0m\r\n"
		  "1..4\r\n"
		  "\x1b[32mok 1 colored\x1b[0m\r\n"
		  "not ok 2 bell\x07" "and\x01" "ctl # SKIP why\x1b]0;title\x07\r\n"
		  "ok 3 utf8 \xc3\xa9t\xc3\xa9\n"
		  "ok 4 nul\0inside\n");
	assert_int_equal(hpc_ktap_info(k)->version, 1);
	assert_int_equal(hpc_ktap_nresults(k), 4);
	expect(k, 0, 1, HPC_KTAP_PASS, "colored", "", 0);
	expect(k, 1, 2, HPC_KTAP_SKIP, "bell?and?ctl", "why0;title?", 0);
	expect(k, 2, 3, HPC_KTAP_PASS, "utf8 ??t??", "", 0);
	/* parse() uses strlen(): the text ends at the NUL */
	expect(k, 3, 4, HPC_KTAP_PASS, "nul", "", 0);
	assert_false(hpc_ktap_info(k)->plan_mismatch);
	hpc_ktap_free(k);

	/* a NUL byte inside a line fed with its length */
	k = hpc_ktap_new();
	assert_non_null(k);
	hpc_ktap_line(k, "1..1", 4);
	hpc_ktap_line(k, "ok 1 nul\0inside", 15);
	hpc_ktap_finish(k);
	expect(k, 0, 1, HPC_KTAP_PASS, "nul?inside", "", 0);
	hpc_ktap_free(k);
}

static void test_fake_results_mid_line(void **state)
{
	struct hpc_ktap *k;
	const struct hpc_ktap_info *in;

	(void)state;
	k = parse("KTAP version 1\n"
		  "1..2\n"
		  "[   12.345678] test_hmm: ok 1 fake from printk\n"
		  "some text not ok 1 fake\n"
		  "garbage\rnot ok 1 fake after carriage return\n"
		  "ok 1 real # SKIP not ok 2 fake in the reason\n"
		  "echo 'ok 2 fake in shell'\n"
		  "ok 2 real two\n");
	in = hpc_ktap_info(k);
	assert_int_equal(hpc_ktap_nresults(k), 2);
	expect(k, 0, 1, HPC_KTAP_SKIP, "real", "not ok 2 fake in the reason",
	       0);
	expect(k, 1, 2, HPC_KTAP_PASS, "real two", "", 0);
	assert_false(in->plan_mismatch);
	assert_false(in->bad_numbers);
	hpc_ktap_free(k);
}

static void test_truncated(void **state)
{
	struct hpc_ktap *k = hpc_ktap_new();
	const struct hpc_ktap_info *in;
	char line[64];

	(void)state;
	assert_non_null(k);
	hpc_ktap_line(k, "1..5000", 7);
	for (int i = 1; i <= 5000; i++) {
		int n = snprintf(line, sizeof(line), "ok %d t%d", i, i);

		hpc_ktap_line(k, line, (size_t)n);
	}
	hpc_ktap_finish(k);
	in = hpc_ktap_info(k);
	assert_int_equal(hpc_ktap_nresults(k), HPC_KTAP_MAX_RESULTS);
	assert_true(in->truncated);
	assert_int_equal(in->total, 5000);
	assert_int_equal(in->counts[HPC_KTAP_PASS], 5000);
	assert_false(in->plan_mismatch);
	assert_false(in->bad_numbers);
	expect(k, HPC_KTAP_MAX_RESULTS - 1, HPC_KTAP_MAX_RESULTS, HPC_KTAP_PASS,
	       "t4096", "", 0);
	hpc_ktap_free(k);
}

static void test_deep_nesting(void **state)
{
	struct hpc_ktap *k = hpc_ktap_new();
	char line[128];

	(void)state;
	assert_non_null(k);
	hpc_ktap_line(k, "1..1", 4);
	/* 20 levels: levels deeper than the maximum are ignored */
	for (int d = 1; d <= 20; d++) {
		int n = snprintf(line, sizeof(line), "%*sok 1 d%d", d, "", d);

		hpc_ktap_line(k, line, (size_t)n);
	}
	hpc_ktap_line(k, "ok 1 top", 8);
	hpc_ktap_finish(k);
	assert_int_equal(hpc_ktap_nresults(k), HPC_KTAP_MAX_DEPTH + 1);
	for (size_t i = 0; i < HPC_KTAP_MAX_DEPTH; i++)
		assert_int_equal(res(k, i)->depth, i + 1);
	expect(k, HPC_KTAP_MAX_DEPTH, 1, HPC_KTAP_PASS, "top", "", 0);
	hpc_ktap_free(k);
}

static void test_finish_idempotent(void **state)
{
	struct hpc_ktap *k = hpc_ktap_new();

	(void)state;
	assert_non_null(k);
	hpc_ktap_text(k, "1..1\nok 1 a", 11);	/* last line unterminated */
	hpc_ktap_finish(k);
	hpc_ktap_finish(k);
	hpc_ktap_line(k, "ok 2 late", 9);	/* ignored after finish */
	assert_int_equal(hpc_ktap_nresults(k), 1);
	assert_false(hpc_ktap_info(k)->plan_mismatch);
	assert_int_equal(hpc_ktap_info(k)->lines, 2);
	assert_string_equal(hpc_ktap_res_name(HPC_KTAP_XFAIL), "XFAIL");
	assert_string_equal(hpc_ktap_res_name(HPC_KTAP__RES_COUNT), "?");
	hpc_ktap_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal_ktap),
		cmocka_unit_test(test_tap13_and_plan_at_end),
		cmocka_unit_test(test_kselftest_harness),
		cmocka_unit_test(test_mirror_test_harness),
		cmocka_unit_test(test_kselftest_runner_nested),
		cmocka_unit_test(test_ktap_subtests_4_spaces),
		cmocka_unit_test(test_subtests_2_spaces),
		cmocka_unit_test(test_directives),
		cmocka_unit_test(test_skip_all_and_bail_out),
		cmocka_unit_test(test_plan_mismatch),
		cmocka_unit_test(test_duplicate_numbers),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_fuzz_structured),
		cmocka_unit_test(test_megabyte_line),
		cmocka_unit_test(test_escape_sequences),
		cmocka_unit_test(test_fake_results_mid_line),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_finish_idempotent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
