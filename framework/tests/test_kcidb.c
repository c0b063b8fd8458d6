// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for kcidb.json (lib/report_kcidb.c): hpc_report_main() on copies of
 * real run directories (tests/fixtures/kcidb/run-*, see the README there),
 * the file read back and checked against the run's own plan, run.json and
 * verdict.json files. Validation against the KCIDB schema itself is in
 * runner/tests/06-kcidb.t (JSON::Validator, a Perl package).
 * Never use cmocka's skip() here: cmocka 1.1.5 prints skips as "not ok".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "hpc/report.h"
#include "testutil.h"

#define FIX FIXTURES_DIR "/kcidb"

/* ---- helpers ---- */

static void copy_file(const char *from, const char *to)
{
	char *buf = tu_slurp(from, NULL);
	FILE *f = fopen(to, "w");

	assert_non_null(f);
	fputs(buf, f);
	assert_int_equal(fclose(f), 0);
	free(buf);
}

/* A copy of fixture run NAME (plan, run.json, every NN-x/verdict.json). */
static char *copy_run(const char *name)
{
	char *d = strdup("/tmp/hpc-kcidb-test.XXXXXX"), from[512], to[512];
	char line[256];
	FILE *plan;

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	snprintf(from, sizeof(from), "%s/%s/plan", FIX, name);
	snprintf(to, sizeof(to), "%s/plan", d);
	copy_file(from, to);
	snprintf(from, sizeof(from), "%s/%s/run.json", FIX, name);
	snprintf(to, sizeof(to), "%s/run.json", d);
	copy_file(from, to);
	snprintf(from, sizeof(from), "%s/%s/plan", FIX, name);
	plan = fopen(from, "r");
	assert_non_null(plan);
	while (fgets(line, sizeof(line), plan)) {
		line[strcspn(line, "\n")] = '\0';
		snprintf(to, sizeof(to), "%s/%s", d, line);
		assert_int_equal(mkdir(to, 0700), 0);
		snprintf(from, sizeof(from), "%s/%s/%s/verdict.json", FIX, name, line);
		snprintf(to, sizeof(to), "%s/%s/verdict.json", d, line);
		copy_file(from, to);
	}
	fclose(plan);
	return d;
}

/* hpc-report DIR --quiet [EXTRA]: its exit status; err kept in *errs. */
static int report(const char *dir, const char *extra, char **errs)
{
	char *argv[5] = { "hpc-report", (char *)dir, "--quiet", (char *)extra, NULL };
	char *ebuf = NULL;
	size_t elen;
	FILE *out = fopen("/dev/null", "w"), *err = open_memstream(&ebuf, &elen);
	int st;

	assert_non_null(out);
	assert_non_null(err);
	st = hpc_report_main(extra ? 4 : 3, argv, out, err);
	fclose(out);
	fclose(err);
	if (errs)
		*errs = ebuf;
	else
		free(ebuf);
	return st;
}

static bool has(struct json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

/* The schema allows no null anywhere. */
static void assert_no_nulls(struct json_object *o)
{
	assert_non_null(o);
	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			(void)k;
			assert_no_nulls(v);
		}
	} else if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			assert_no_nulls(json_object_array_get_idx(o, i));
	}
}

/* KCIDB's status for our verdict, as docs/running.md tables it. */
static const char *want_status(const char *verdict)
{
	static const char *const map[][2] = {
		{ "PASS", "PASS" }, { "RESET", "PASS" }, { "XFAIL", "FAIL" },
		{ "FAIL", "FAIL" }, { "ERROR", "ERROR" }, { "SKIP", "SKIP" },
		{ "NOTRUN", "MISS" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i][0], verdict))
			return map[i][1];
	fail_msg("unknown verdict %s", verdict);
	return NULL;
}

/*
 * Every test entry against the run's plan and verdict.json files: id, path,
 * status, duration, misc. Returns how many entries there are.
 */
static size_t check_tests(const char *dir, struct json_object *k,
			  const char *build_id)
{
	struct json_object *tests = tu_get(k, "tests");
	char line[256], path[512], want[1024];
	size_t i = 0;
	FILE *plan;

	snprintf(path, sizeof(path), "%s/plan", dir);
	plan = fopen(path, "r");
	assert_non_null(plan);
	while (fgets(line, sizeof(line), plan)) {
		struct json_object *t = json_object_array_get_idx(tests, i++), *v, *m;
		double dd;

		line[strcspn(line, "\n")] = '\0';
		assert_non_null(t);
		snprintf(want, sizeof(want), "%s.%s", build_id, line);
		assert_string_equal(tu_str(t, "id"), want);
		assert_string_equal(tu_str(t, "build_id"), build_id);
		m = tu_get(t, "misc");
		assert_string_equal(tu_str(m, "dir"), line);
		snprintf(path, sizeof(path), "%s/verdict.json", line);
		snprintf(want, sizeof(want), "%s/%s", dir, path);
		if (access(want, F_OK))
			continue;	/* NOTRUN/missing: test_missing_verdict */
		v = tu_json_at(dir, path);
		snprintf(want, sizeof(want), "hpchaos.%s", tu_str(v, "scenario"));
		assert_string_equal(tu_str(t, "path"), want);
		assert_string_equal(tu_str(m, "verdict"), tu_str(v, "verdict"));
		assert_string_equal(tu_str(t, "status"), want_status(tu_str(v, "verdict")));
		assert_int_equal(json_object_get_int64(tu_get(m, "seed")),
				 json_object_get_int64(tu_get(v, "seed")));
		dd = json_object_get_double(tu_get(t, "duration")) -
		     json_object_get_double(tu_get(v, "duration_s"));
		assert_true(dd < 0.001 && dd > -0.001);
		if (json_object_get_type(tu_get(v, "class")) == json_type_string)
			assert_string_equal(tu_str(m, "class"), tu_str(v, "class"));
		else
			assert_false(has(m, "class"));
		json_object_put(v);
	}
	fclose(plan);
	assert_int_equal(json_object_array_length(tests), i);
	return i;
}

/* ---- tests ---- */

static void test_quick_run(void **state)
{
	char *d = copy_run("run-quick"), *first, *second, path[512];
	struct json_object *k, *run, *c, *b;
	const char *id;

	(void)state;
	unsetenv("HPC_KCIDB_ORIGIN");
	assert_int_equal(report(d, NULL, NULL), 1);	/* report-warn FAILs */
	k = tu_json_at(d, "kcidb.json");
	run = tu_json_at(d, "run.json");
	assert_no_nulls(k);
	assert_int_equal(json_object_get_int(tu_get(tu_get(k, "version"), "major")), 5);
	assert_int_equal(json_object_get_int(tu_get(tu_get(k, "version"), "minor")), 3);
	assert_int_equal(json_object_array_length(tu_get(k, "checkouts")), 1);
	assert_int_equal(json_object_array_length(tu_get(k, "builds")), 1);
	c = json_object_array_get_idx(tu_get(k, "checkouts"), 0);
	b = json_object_array_get_idx(tu_get(k, "builds"), 0);
	id = tu_str(c, "id");
	assert_string_equal(id, "hpchaos:20261203-104106-f65e2ea8");
	assert_string_equal(tu_str(c, "origin"), "hpchaos");
	assert_string_equal(tu_str(c, "start_time"), tu_str(run, "started"));
	assert_string_equal(tu_str(c, "comment"), tu_str(tu_get(run, "kernel"), "source"));
	assert_false(has(c, "git_commit_hash"));	/* a Debian package */
	assert_string_equal(tu_str(b, "checkout_id"), id);
	assert_string_equal(tu_str(b, "architecture"), "x86_64");
	assert_string_equal(tu_str(b, "config_name"), "stock");
	assert_string_equal(tu_str(b, "status"), "PASS");
	assert_string_equal(tu_str(tu_get(b, "misc"), "kernel_release"),
			    tu_str(tu_get(run, "kernel"), "release"));
	assert_int_equal(check_tests(d, k, tu_str(b, "id")), 11);
	json_object_put(k);
	json_object_put(run);

	/* the same run directory gives the same bytes */
	snprintf(path, sizeof(path), "%s/kcidb.json", d);
	first = tu_slurp(path, NULL);
	assert_int_equal(report(d, NULL, NULL), 1);
	second = tu_slurp(path, NULL);
	assert_string_equal(first, second);
	free(first);
	free(second);
	tu_rmtree(d);
}

static void test_skip_run(void **state)
{
	char *d = copy_run("run-skip");
	struct json_object *k, *t;

	(void)state;
	unsetenv("HPC_KCIDB_ORIGIN");
	assert_int_equal(report(d, NULL, NULL), 0);
	k = tu_json_at(d, "kcidb.json");
	assert_no_nulls(k);
	assert_int_equal(check_tests(d, k, "hpchaos:20261203-104624-15cace66"), 1);
	t = json_object_array_get_idx(tu_get(k, "tests"), 0);
	assert_string_equal(tu_str(t, "status"), "SKIP");
	assert_string_equal(tu_str(t, "path"), "hpchaos.hmm-selftest");
	json_object_put(k);
	tu_rmtree(d);
}

/* A planned scenario without verdict.json: MISS when interrupted, else ERROR. */
static void test_missing_verdict(void **state)
{
	char *d = copy_run("run-quick"), path[512];
	struct json_object *k, *t;

	(void)state;
	unsetenv("HPC_KCIDB_ORIGIN");
	snprintf(path, sizeof(path), "%s/11-report-warn/verdict.json", d);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(report(d, "--interrupted", NULL), 3);
	k = tu_json_at(d, "kcidb.json");
	assert_no_nulls(k);
	t = json_object_array_get_idx(tu_get(k, "tests"), 10);
	assert_string_equal(tu_str(t, "status"), "MISS");
	assert_string_equal(tu_str(t, "path"), "hpchaos.report-warn");
	assert_string_equal(tu_str(tu_get(t, "misc"), "verdict"), "NOTRUN");
	assert_false(has(t, "duration"));
	json_object_put(k);

	assert_int_equal(report(d, NULL, NULL), 1);
	k = tu_json_at(d, "kcidb.json");
	t = json_object_array_get_idx(tu_get(k, "tests"), 10);
	assert_string_equal(tu_str(t, "status"), "ERROR");
	assert_string_equal(tu_str(tu_get(t, "misc"), "verdict"), "ERROR");
	json_object_put(k);
	tu_rmtree(d);
}

/* Every "origin" and every id's prefix. */
static void assert_origin(struct json_object *k, const char *origin)
{
	static const char *const lists[] = { "checkouts", "builds", "tests" };
	size_t n = strlen(origin);

	for (size_t l = 0; l < 3; l++) {
		struct json_object *a = tu_get(k, lists[l]);

		for (size_t i = 0; i < json_object_array_length(a); i++) {
			struct json_object *o = json_object_array_get_idx(a, i);

			assert_string_equal(tu_str(o, "origin"), origin);
			assert_memory_equal(tu_str(o, "id"), origin, n);
			assert_int_equal(tu_str(o, "id")[n], ':');
		}
	}
}

static void test_origin(void **state)
{
	char *d = copy_run("run-skip"), *errs;
	struct json_object *k;

	(void)state;
	setenv("HPC_KCIDB_ORIGIN", "my_lab_2", 1);
	assert_int_equal(report(d, NULL, &errs), 0);
	assert_string_equal(errs, "");
	free(errs);
	k = tu_json_at(d, "kcidb.json");
	assert_origin(k, "my_lab_2");
	json_object_put(k);

	/* not a KCIDB origin: a warning, and the default */
	setenv("HPC_KCIDB_ORIGIN", "My-Lab", 1);
	assert_int_equal(report(d, NULL, &errs), 0);
	assert_non_null(strstr(errs, "HPC_KCIDB_ORIGIN"));
	free(errs);
	k = tu_json_at(d, "kcidb.json");
	assert_origin(k, "hpchaos");
	json_object_put(k);
	unsetenv("HPC_KCIDB_ORIGIN");
	tu_rmtree(d);
}

/* run.json of run-skip with its kernel replaced by spec/source. */
static void set_kernel(const char *dir, const char *spec, const char *source)
{
	struct json_object *run = tu_json_at(dir, "run.json"), *kern = tu_get(run, "kernel");
	char path[512];

	json_object_object_add(kern, "spec", json_object_new_string(spec));
	json_object_object_add(kern, "source", json_object_new_string(source));
	snprintf(path, sizeof(path), "%s/run.json", dir);
	assert_int_equal(json_object_to_file(path, run), 0);
	json_object_put(run);
}

/* A tree kernel: the git commit when the tree is a git checkout, "" as the
 * patchset when it has no local changes. */
static void test_tree_kernel(void **state)
{
	static const char sha[] = "0123456789abcdef0123456789abcdef01234567";
	char *d = copy_run("run-skip"), src[256];
	struct json_object *k, *c;

	(void)state;
	unsetenv("HPC_KCIDB_ORIGIN");
	snprintf(src, sizeof(src), "tree /src/a git tree git %s e3b0c44298fc1c14 "
				   "config 0011223344556677", sha);
	set_kernel(d, "tree:/src/a git tree", src);
	assert_int_equal(report(d, NULL, NULL), 0);
	k = tu_json_at(d, "kcidb.json");
	c = json_object_array_get_idx(tu_get(k, "checkouts"), 0);
	assert_string_equal(tu_str(c, "git_commit_hash"), sha);
	assert_string_equal(tu_str(c, "patchset_hash"), "");	/* a clean tree */
	assert_string_equal(tu_str(json_object_array_get_idx(tu_get(k, "builds"), 0),
				 "config_name"), "tree");
	json_object_put(k);

	/* local changes: the commit, but no patchset_hash (not known) */
	snprintf(src, sizeof(src), "tree /src/a git %s 9f86d081884c7d65", sha);
	set_kernel(d, "tree:/src/a", src);
	assert_int_equal(report(d, NULL, NULL), 0);
	k = tu_json_at(d, "kcidb.json");
	c = json_object_array_get_idx(tu_get(k, "checkouts"), 0);
	assert_string_equal(tu_str(c, "git_commit_hash"), sha);
	assert_false(has(c, "patchset_hash"));
	json_object_put(k);

	/* not a git tree: no commit */
	set_kernel(d, "tree:/src/b", "tree /src/b 9f86d081884c7d65");
	assert_int_equal(report(d, NULL, NULL), 0);
	k = tu_json_at(d, "kcidb.json");
	c = json_object_array_get_idx(tu_get(k, "checkouts"), 0);
	assert_false(has(c, "git_commit_hash"));
	assert_string_equal(tu_str(c, "comment"), "tree /src/b 9f86d081884c7d65");
	json_object_put(k);
	tu_rmtree(d);
}

/* A run_id that is not one line (run.json is a file anybody can edit). */
static void test_run_id(void **state)
{
	char *d = copy_run("run-skip"), path[512];
	struct json_object *run, *k;

	(void)state;
	unsetenv("HPC_KCIDB_ORIGIN");
	run = tu_json_at(d, "run.json");
	json_object_object_add(run, "run_id", json_object_new_string("a\nb/c d"));
	snprintf(path, sizeof(path), "%s/run.json", d);
	assert_int_equal(json_object_to_file(path, run), 0);
	json_object_put(run);
	assert_int_equal(report(d, NULL, NULL), 0);
	k = tu_json_at(d, "kcidb.json");
	assert_string_equal(tu_str(json_object_array_get_idx(tu_get(k, "checkouts"), 0), "id"),
			    "hpchaos:a_b_c_d");
	assert_string_equal(tu_str(json_object_array_get_idx(tu_get(k, "tests"), 0), "id"),
			    "hpchaos:a_b_c_d.01-hmm-selftest");
	json_object_put(k);
	tu_rmtree(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quick_run),
		cmocka_unit_test(test_skip_run),
		cmocka_unit_test(test_missing_verdict),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_tree_kernel),
		cmocka_unit_test(test_run_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
