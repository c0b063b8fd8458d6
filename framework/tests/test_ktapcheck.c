// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for the KTAP checker (lib/ktapcheck.c): the ktap.txt files of real
 * runs in tests/fixtures/ktap/valid must pass, the ones in
 * tests/fixtures/ktap/invalid (real files of the writer before its fix, and
 * real files broken by hand, one defect each; see the README there) must
 * fail with the first problem their NAME.expect names; then each rule on
 * small texts, the spec's own examples, and the bounds.
 * Never use cmocka's skip() here: cmocka 1.1.5 prints skips as "not ok",
 * which prove counts as a failure.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hpc/ktapcheck.h"

#define KDIR FIXTURES_DIR "/ktap"

struct said {
	char first[700];	/* "LINE: message" of the first problem */
	unsigned long n;
};

static void collect(void *arg, unsigned long line, const char *msg)
{
	struct said *s = arg;

	if (!s->n++)
		snprintf(s->first, sizeof(s->first), "%lu: %s", line, msg);
}

/* Check text with opts (NULL: the defaults); the problems in *s. */
static unsigned long check_opts(const char *text, const struct hpc_kcheck_opts *o,
				struct said *s)
{
	struct hpc_kcheck *k = hpc_kcheck_new(o, collect, s);
	const char *p = text;
	unsigned long n;

	assert_non_null(k);
	memset(s, 0, sizeof(*s));
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		hpc_kcheck_line(k, p, len);
		p += len + (nl != NULL);
	}
	hpc_kcheck_finish(k);
	n = hpc_kcheck_problems(k);
	assert_int_equal(n, s->n);
	hpc_kcheck_free(k);
	return n;
}

static unsigned long check(const char *text, struct said *s)
{
	return check_opts(text, NULL, s);
}

/* text must be valid. */
static void valid(const char *text)
{
	struct said s;

	if (check(text, &s))
		fail_msg("expected valid, got %lu problems, first %s", s.n, s.first);
}

/* text must be invalid, the first problem being want ("LINE: message" prefix). */
static void invalid(const char *text, const char *want)
{
	struct said s;

	if (!check(text, &s))
		fail_msg("expected \"%s\", got no problem", want);
	if (strncmp(s.first, want, strlen(want)) != 0)
		fail_msg("expected \"%s\", got \"%s\"", want, s.first);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return NULL;
	n = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The *.txt of dir, each through fn; how many there were. */
static int each_fixture(const char *dir, void (*fn)(const char *path, const char *base))
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	char path[4096];

	if (!d)
		fail_msg("no fixtures: cannot open %s", dir);
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (l < 5 || strcmp(e->d_name + l - 4, ".txt") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fn(path, e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static void one_valid(const char *path, const char *base)
{
	FILE *f = fopen(path, "r");
	long n;

	assert_non_null(f);
	n = hpc_kcheck_stream(f, base, NULL, stderr);
	fclose(f);
	if (n != 0)
		fail_msg("%s: %ld problems (expected valid)", path, n);
}

static void one_invalid(const char *path, const char *base)
{
	char exp[4096], *text = slurp(path), *want;
	size_t l;

	(void)base;
	snprintf(exp, sizeof(exp), "%.*s.expect", (int)(strlen(path) - 4), path);
	want = slurp(exp);
	if (!text || !want)
		fail_msg("cannot read %s or %s", path, exp);
	l = strlen(want);
	while (l && want[l - 1] == '\n')
		want[--l] = '\0';
	invalid(text, want);
	free(text);
	free(want);
}

static void test_real_valid(void **state)
{
	(void)state;
	assert_true(each_fixture(KDIR "/valid", one_valid) >= 6);
}

static void test_real_invalid(void **state)
{
	(void)state;
	assert_true(each_fixture(KDIR "/invalid", one_invalid) >= 6);
}

/* The spec's examples (ktap.rst) indent by two spaces: valid at --indent 0 and 2. */
static void test_spec_examples(void **state)
{
	static const char ex[] =
		"KTAP version 1\n1..1\n"
		"  KTAP version 1\n  1..3\n"
		"    KTAP version 1\n    1..1\n    # test_1: initializing test_1\n    ok 1 test_1\n"
		"  ok 1 example_test_1\n"
		"    KTAP version 1\n    1..2\n    ok 1 test_1 # SKIP test_1 skipped\n    ok 2 test_2\n"
		"  ok 2 example_test_2\n"
		"    KTAP version 1\n    1..3\n    ok 1 test_1\n    # test_2: FAIL\n    not ok 2 test_2\n"
		"    ok 3 test_3 # SKIP test_3 skipped\n"
		"  not ok 3 example_test_3\n"
		"not ok 1 main_test\n";
	struct hpc_kcheck_opts any = { .indent = 0 }, two = { .indent = 2 };
	struct said s;

	(void)state;
	assert_int_equal(check_opts(ex, &any, &s), 0);
	assert_int_equal(check_opts(ex, &two, &s), 0);
	/* hpchaos and KUnit indent by four: that is what make check holds it to */
	assert_int_not_equal(check(ex, &s), 0);
	assert_string_equal(s.first, "3: subtest indented by 2 spaces (expected 4: 4 per level)");
	assert_int_equal(check_opts("KTAP version 1\n1..1\n  KTAP version 1\n  1..2\n  ok 1 test_1\n"
				    "  not ok 2 test_2\n# example failed\nnot ok 1 example\n", &any, &s), 0);
}

static void test_version(void **state)
{
	(void)state;
	valid("KTAP version 1\n1..1\nok 1 a\n");
	valid("TAP version 13\n1..1\nok 1 a\n");
	valid("TAP version 14\n1..1\nok 1 a\n");
	invalid("KTAP version 2\n1..1\nok 1 a\n", "1: unknown version line \"KTAP version 2\"");
	invalid("", "1: no KTAP in the file");
	invalid("# hello\nKTAP version 1\n1..0\n", "1: the file does not begin with a version line");
	invalid(" KTAP version 1\n1..0\n", "1: the file does not begin");
	invalid("KTAP version 1\n1..1\nok 1 a\nKTAP version 1\n1..0\n",
		"4: a second version line in the document of line 1");
	invalid("KTAP version 1\n1..1\n    TAP version 12\n    1..0\nok 1 a\n",
		"3: unknown version line \"TAP version 12\"");
}

static void test_plan(void **state)
{
	struct hpc_kcheck_opts opt = { .indent = 4, .plan_optional = true };
	struct said s;

	(void)state;
	valid("KTAP version 1\n1..0\n");
	valid("KTAP version 1\n1..0 # SKIP nothing here\n");
	valid("KTAP version 1\n# diag\nunknown\n1..2\nok 1 a\nok 2 b\n");
	invalid("KTAP version 1\nok 1 a\n", "2: no plan before the first test (expected 1..N right after the version line of line 1)");
	invalid("KTAP version 1\n", "1: no plan before the first test");
	invalid("KTAP version 1\n1..2\nok 1 a\n", "3: 1 test results for the plan 1..2 of line 2 (expected 2)");
	invalid("KTAP version 1\n1..1\nok 1 a\nok 2 b\n", "4: 2 test results for the plan 1..1 of line 2 (expected 1)");
	invalid("KTAP version 1\n1..1\n1..1\nok 1 a\n", "3: a second plan in the document of line 1");
	invalid("KTAP version 1\n1..1\nok 1 a\n1..1\n", "4: a second plan");
	invalid("KTAP version 1\nok 1 a\n1..1\n", "2: no plan before the first test");
	invalid("KTAP version 1\n1..x\n", "2: malformed plan \"1..x\"");
	invalid("KTAP version 1\n1..3x\n", "2: malformed plan");
	invalid("KTAP version 1\n1..1234567890\n", "2: malformed plan");
	assert_int_equal(check_opts("KTAP version 1\nok 1 a\nok 2 b\n", &opt, &s), 0);
	assert_int_equal(check_opts("KTAP version 1\n    KTAP version 1\n    ok 1 x\nok 1 a\n", &opt, &s), 0);
}

static void test_results(void **state)
{
	(void)state;
	valid("KTAP version 1\n1..6\nok 1\nnot ok 2 b\nok 3 - c\nok 4 d # SKIP why\n"
	      "not ok 5 e # TIMEOUT 30 seconds\nok 6 check return code # rcode=0\n");
	valid("KTAP version 1\n1..2\nok 1 # SKIP no name\nok 2 #\n");
	invalid("KTAP version 1\n1..2\nok 1 a\nok 3 b\n", "4: test number 3 (expected 2)");
	invalid("KTAP version 1\n1..1\nok 0 a\n", "3: test number 0 (expected 1)");
	invalid("KTAP version 1\n1..2\nok 1 a\nok 1 b\n", "4: test number 1 (expected 2)");
	invalid("KTAP version 1\n1..1\nok 1 a#b\n", "3: '#' in the test description of \"ok 1 a#b\"");
	invalid("KTAP version 1\n1..1\nok 1a\n", "3: malformed result line \"ok 1a\"");
	invalid("KTAP version 1\n1..1\nok 1234567890 a\n", "3: test number too large");
	/* not results: unknown lines */
	valid("KTAP version 1\n1..1\nok\nokay 1\nnot ok\nok one\nok 1 a\n");
}

static void test_names(void **state)
{
	(void)state;
	valid("KTAP version 1\n1..2\n    KTAP version 1\n    1..1\n    ok 1 a\nok 1 a\n"
	      "    KTAP version 1\n    1..1\n    ok 1 a\nok 2 b\n");
	valid("KTAP version 1\n1..3\nok 1\nok 2\nok 3 # SKIP\n");
	invalid("KTAP version 1\n1..3\nok 1 a\nok 2 b\nok 3 - a # SKIP\n",
		"5: test name \"a\" again in one document (expected unique names; first at line 3)");
	invalid("KTAP version 1\n1..2\n    KTAP version 1\n    1..2\n    ok 1 x\n    ok 2 x\nok 1 a\nok 2 b\n",
		"6: test name \"x\" again");
	/* a new document at the same level starts afresh (after saying so) */
	invalid("KTAP version 1\n1..1\nok 1 a\nKTAP version 1\n1..1\nok 1 a\n", "4: a second version line");
}

static void test_nesting(void **state)
{
	(void)state;
	valid("KTAP version 1\n1..1\n    KTAP version 1\n    1..1\n        KTAP version 1\n"
	      "        1..1\n        ok 1 deep\n    ok 1 mid\nok 1 top\n");
	invalid("KTAP version 1\n1..1\n    KTAP version 1\n    1..1\n    ok 1 x\n",
		"5: the subtest of line 3 has no result line (expected \"ok N\" or \"not ok N\" at indent 0 after it)");
	invalid("KTAP version 1\n1..1\n      KTAP version 1\n      1..0\nok 1 a\n",
		"3: subtest indented by 6 spaces (expected 4: 4 per level)");
	invalid("KTAP version 1\n1..1\n    KTAP version 1\n    1..1\n   ok 1 x\nok 1 a\n",
		"5: result line indented by 3 spaces, as no open document (expected 4)");
	invalid("KTAP version 1\n1..1\n    ok 1 x\nok 1 a\n",
		"3: result line indented by 4 spaces, deeper than its document (expected 0; a subtest starts with a version line)");
	invalid("KTAP version 1\n1..1\n    KTAP version 1\n    1..1\n    ok 1 x\n    KTAP version 1\n",
		"6: a second version line in the document of line 3");
	invalid("KTAP version 1\n1..2\n    KTAP version 1\n    1..1\n        KTAP version 1\n        1..0\nok 1 a\n"
		"ok 2 b\n", "7: the subtest of line 5 has no result line (expected \"ok N\" or \"not ok N\" at indent 4 after it)");
	invalid("KTAP version 1\n1..1\n\tok 1 a\n", "3: a tab in the indentation");
	/* diagnostic and unknown lines: anywhere, any indentation */
	valid("KTAP version 1\n1..1\n   # odd\n  random text\n    KTAP version 1\n 	junk\n    1..0\n"
	      "# example\nok 1 a\n\n");
}

/* Nesting far deeper than the cap: one problem, no recursion, no blow-up. */
static void test_deep(void **state)
{
	size_t depth = 1000, cap = 64 * 1024 * 1024, n = 0;
	char *t = malloc(cap);
	struct said s;

	(void)state;
	assert_non_null(t);
	n += (size_t)snprintf(t + n, cap - n, "KTAP version 1\n1..1\n");
	for (size_t d = 1; d <= depth; d++)
		n += (size_t)snprintf(t + n, cap - n, "%*sKTAP version 1\n%*s1..1\n",
				      (int)(4 * d), "", (int)(4 * d), "");
	for (size_t d = depth; d >= 1; d--)
		n += (size_t)snprintf(t + n, cap - n, "%*sok 1 t%zu\n", (int)(4 * (d - 1)), "", d);
	assert_int_equal(check(t, &s), 1);
	assert_string_equal(s.first, "35: subtests nested deeper than 16 levels; their lines are not checked (at most 16 levels)");
	free(t);
}

/* A 10 MB line and a long name: looked at up to the cap, the rest read and dropped. */
static void test_long_line(void **state)
{
	FILE *f = tmpfile();
	char *mem = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&mem, &len);

	(void)state;
	assert_non_null(f);
	assert_non_null(out);
	fputs("KTAP version 1\n1..3\nok 1 ", f);
	for (int i = 0; i < 10 * 1024 * 1024; i++)
		fputc('A', f);
	fputs(" # SKIP\nok 2 ", f);
	for (int i = 0; i < 10 * 1024 * 1024; i++)
		fputc(i < 300 ? 'A' : 'B', f);
	fputs("\nok 3 c\n", f);
	rewind(f);
	assert_int_equal(hpc_kcheck_stream(f, "long", NULL, out), 1);
	fclose(out);
	assert_non_null(strstr(mem, "long:4: test name \"AAAA"));
	free(mem);
	fclose(f);
}

/* The stream reader: a last line without a newline, and the message format. */
static void test_stream(void **state)
{
	static char text[] = "KTAP version 1\n1..2\nok 1 a\nok 3 b";
	FILE *in = fmemopen(text, strlen(text), "r");
	char *mem = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&mem, &len);

	(void)state;
	assert_non_null(in);
	assert_non_null(out);
	assert_int_equal(hpc_kcheck_stream(in, "F", NULL, out), 1);
	fclose(out);
	assert_string_equal(mem, "F:4: test number 3 (expected 2)\n");
	free(mem);
	fclose(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_valid),
		cmocka_unit_test(test_real_invalid),
		cmocka_unit_test(test_spec_examples),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_deep),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
