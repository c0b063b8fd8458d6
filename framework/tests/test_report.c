// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for the run-level report (lib/report.c, tools/hpc-report.c is only
 * its main()). Each test builds a run directory under /tmp, runs
 * hpc_report_main() on it and reads the files back.
 * Never use cmocka's skip() here: cmocka 1.1.5 prints skips as "not ok".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "hpc/ktap.h"
#include "hpc/ktapcheck.h"
#include "hpc/report.h"
#include "testutil.h"

/* ---- helpers ---- */

static char *make_run_dir(void)
{
	char *d = strdup("/tmp/hpc-report-test.XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

/* Write len bytes (or strlen if len is -1) to dir/rel, making rel's dir. */
static void put_file(const char *dir, const char *rel, const char *data,
		     ssize_t len)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	slash = strrchr(path, '/');
	if (slash > path + strlen(dir)) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	if (len < 0)
		len = (ssize_t)strlen(data);
	assert_int_equal(fwrite(data, 1, (size_t)len, f), (size_t)len);
	assert_int_equal(fclose(f), 0);
}

struct outcome {
	int status;
	char *out, *err;
};

/* Run hpc_report_main with up to 6 arguments after the program name. */
static struct outcome run_report(const char *a1, const char *a2,
				 const char *a3, const char *a4)
{
	const char *args[] = { "hpc-report", a1, a2, a3, a4, NULL };
	char *argv[6] = { 0 };
	struct outcome o = { 0 };
	size_t olen, elen;
	FILE *out = open_memstream(&o.out, &olen);
	FILE *err = open_memstream(&o.err, &elen);
	int argc = 0;

	assert_non_null(out);
	assert_non_null(err);
	while (args[argc]) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	o.status = hpc_report_main(argc, argv, out, err);
	fclose(out);
	fclose(err);
	return o;
}

static void outcome_free(struct outcome *o)
{
	free(o->out);
	free(o->err);
}

static int jcount(struct json_object *summary, const char *verdict)
{
	return json_object_get_int(tu_get(tu_get(summary, "counts"), verdict));
}

/* Every line of text, split at '\n'; returns the count. */
static size_t split_lines(char *text, char **lines, size_t max)
{
	size_t n = 0;

	for (char *p = text; *p && n < max;) {
		char *nl = strchr(p, '\n');

		lines[n++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return n;
}

/*
 * junit.xml must be well-formed UTF-8 without characters XML 1.0 forbids
 * and every '&' must start a known entity or a character reference.
 */
static void assert_xml_clean(const char *x)
{
	const unsigned char *s = (const unsigned char *)x;

	for (size_t i = 0; s[i]; i++) {
		unsigned char c = s[i];

		if (c == '&') {
			static const char *const ents[] = {
				"&amp;", "&lt;", "&gt;", "&quot;", "&apos;",
				"&#9;", "&#10;", "&#13;",
			};
			bool ok = false;

			for (size_t k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
				ok |= !strncmp(x + i, ents[k], strlen(ents[k]));
			assert_true(ok);
			continue;
		}
		assert_true(c >= 0x20 || c == '\n');
		assert_true(c != 0x7f);
		if (c >= 0x80) {
			size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

			assert_true(c >= 0xc2 && c <= 0xf4);
			for (size_t k = 1; k < need; k++)
				assert_true((s[i + k] & 0xc0) == 0x80);
			i += need - 1;
		}
	}
}

static size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* No temp files left behind, outputs are private (0600) like the run directory. */
static void assert_no_temp_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		assert_true(e->d_name[0] != '.');
	}
	closedir(d);
	for (int i = 0; i < 3; i++) {
		static const char *const names[] = {
			"summary.json", "junit.xml", "ktap.txt",
		};
		char path[512];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
	}
}

#define RUN_JSON							\
	"{\"run_id\": \"20261105-1\", \"started\": \"2026-11-05T10:00:00Z\","\
	" \"kernel\": {\"release\": \"6.1.192-chaos\", \"kasan\": true},"	\
	" \"accel\": \"tcg\", \"command\": [\"hpchaos\", \"run\", \"quick\"],"	\
	" \"counts\": \"must not win\"}"

#define V_PASS								\
	"{\"schema\": 1, \"scenario\": \"boot-idle\","			\
	" \"file\": \"scenarios/smoke/boot-idle.scn\","			\
	" \"groups\": [\"quick\", \"smoke\"], \"verdict\": \"PASS\","	\
	" \"class\": null, \"title\": null, \"reason\": null, \"seed\": 1234,"\
	" \"duration_s\": 5.51, \"interrupted\": false, \"extra\": [1, 2],"	\
	" \"steps\": [{\"idx\": 0, \"name\": \"idle\", \"kind\": \"run\","	\
	" \"status\": \"0\", \"duration_ms\": 2001}]}"

/* title with markup, quotes, control characters, ESC, DEL, bad UTF-8 */
#define V_FAIL								\
	"{\"schema\": 1, \"scenario\": \"hmm-uaf\", \"groups\": [\"hmm\"],"	\
	" \"verdict\": \"FAIL\", \"class\": \"CRASH\","			\
	" \"title\": \"BUG: <&\\\"'> in f\\u0001\\u001b[31m\\u007f#x\\nnext \xff\","\
	" \"reason\": \"oops at <step 2> & more\", \"seed\": 18446744073709551615,"\
	" \"duration_s\": 12}"

#define V_SKIP								\
	"{\"schema\": 1, \"scenario\": \"cxl-poison\", \"groups\": [],"	\
	" \"verdict\": \"SKIP\", \"reason\": \"requires qemu >= 8.1\"}"

#define V_ERROR								\
	"{\"schema\": 1, \"scenario\": \"infra\", \"verdict\": \"ERROR\","	\
	" \"reason\": \"QEMU would not start\", \"duration_s\": 0.25}"

#define V_XFAIL								\
	"{\"schema\": 1, \"scenario\": \"known\", \"groups\": [\"hmm\"],"	\
	" \"verdict\": \"XFAIL\", \"class\": \"KASAN\","			\
	" \"title\": \"KASAN: use-after-free in memunmap_pages\","	\
	" \"reason\": \"baseline 6.1\"}"

#define V_RESET								\
	"{\"schema\": 1, \"scenario\": \"cxl-reset\", \"verdict\": \"RESET\","\
	" \"reason\": \"device reset and recovered\", \"duration_s\": 3}"

/* junit.xml valid under both published schemas (below) */
static void assert_both_schemas(const char *xml);

/* ---- tests ---- */

static void test_full_run(void **state)
{
	char *d = make_run_dir(), *ktap, *junit, *lines[32];
	struct json_object *s, *res, *r;
	struct outcome o;
	struct hpc_ktap *k;
	size_t n;

	(void)state;
	put_file(d, "plan",
		 "001-boot-idle\n002-hmm-uaf\n003-cxl-poison\n004-infra\n"
		 "005-broken\n006-known\n007-cxl-reset\n008-missing\n", -1);
	put_file(d, "run.json", RUN_JSON, -1);
	put_file(d, "001-boot-idle/verdict.json", V_PASS, -1);
	put_file(d, "002-hmm-uaf/verdict.json", V_FAIL, -1);
	put_file(d, "003-cxl-poison/verdict.json", V_SKIP, -1);
	put_file(d, "004-infra/verdict.json", V_ERROR, -1);
	put_file(d, "005-broken/verdict.json", "{\"schema\": 1, \"scen", -1);
	put_file(d, "006-known/verdict.json", V_XFAIL, -1);
	put_file(d, "007-cxl-reset/verdict.json", V_RESET, -1);
	{
		char p[512];

		snprintf(p, sizeof(p), "%s/008-missing", d);
		assert_int_equal(mkdir(p, 0755), 0);
	}

	o = run_report(d, "--quiet", NULL, NULL);
	assert_int_equal(o.status, 1);
	assert_string_equal(o.out, "");
	assert_string_equal(o.err, "");
	outcome_free(&o);
	assert_no_temp_files(d);

	/* summary.json */
	s = tu_json_at(d, "summary.json");
	assert_int_equal(json_object_get_int(tu_get(s, "schema")), 1);
	assert_string_equal(tu_str(s, "run_id"), "20261105-1");
	assert_string_equal(tu_str(s, "started"), "2026-11-05T10:00:00Z");
	assert_string_equal(tu_str(s, "accel"), "tcg");
	assert_string_equal(tu_str(tu_get(s, "kernel"), "release"), "6.1.192-chaos");
	assert_int_equal(json_object_array_length(tu_get(s, "command")), 3);
	assert_int_equal(strlen(tu_str(s, "finished")), 20);
	assert_int_equal(tu_str(s, "finished")[10], 'T');
	assert_int_equal(tu_str(s, "finished")[19], 'Z');
	assert_false(json_object_get_boolean(tu_get(s, "interrupted")));
	assert_int_equal(jcount(s, "PASS"), 1);
	assert_int_equal(jcount(s, "RESET"), 1);
	assert_int_equal(jcount(s, "XFAIL"), 1);
	assert_int_equal(jcount(s, "SKIP"), 1);
	assert_int_equal(jcount(s, "ERROR"), 3);	/* infra, broken, missing */
	assert_int_equal(jcount(s, "FAIL"), 1);
	assert_int_equal(jcount(s, "NOTRUN"), 0);
	assert_int_equal(json_object_array_length(tu_get(s, "not_run")), 0);
	res = tu_get(s, "results");
	assert_int_equal(json_object_array_length(res), 8);

	r = json_object_array_get_idx(res, 0);
	assert_string_equal(tu_str(r, "scenario"), "boot-idle");
	assert_string_equal(tu_str(r, "dir"), "001-boot-idle");
	assert_string_equal(tu_str(r, "verdict"), "PASS");
	assert_null(tu_get(r, "class"));
	assert_null(tu_get(r, "title"));
	assert_null(tu_get(r, "reason"));
	assert_int_equal(json_object_get_int(tu_get(r, "seed")), 1234);
	assert_true(json_object_get_double(tu_get(r, "duration_s")) > 5.50);
	assert_true(json_object_get_double(tu_get(r, "duration_s")) < 5.52);

	r = json_object_array_get_idx(res, 1);
	assert_string_equal(tu_str(r, "verdict"), "FAIL");
	assert_string_equal(tu_str(r, "class"), "CRASH");
	/* faithful copy, except the invalid UTF-8 byte */
	assert_string_equal(tu_str(r, "title"),
			    "BUG: <&\"'> in f\x01\x1b[31m\x7f#x\nnext ?");
	assert_true(json_object_get_uint64(tu_get(r, "seed")) == UINT64_MAX);

	r = json_object_array_get_idx(res, 4);
	assert_string_equal(tu_str(r, "scenario"), "005-broken");
	assert_string_equal(tu_str(r, "verdict"), "ERROR");
	assert_non_null(strstr(tu_str(r, "reason"), "unreadable verdict.json: "));

	r = json_object_array_get_idx(res, 7);
	assert_string_equal(tu_str(r, "dir"), "008-missing");
	assert_string_equal(tu_str(r, "verdict"), "ERROR");
	assert_non_null(strstr(tu_str(r, "reason"), "no verdict.json"));
	json_object_put(s);

	/* junit.xml: the shape both schemas accept (junit_real_run validates) */
	junit = tu_slurp_at(d, "junit.xml");
	assert_xml_clean(junit);
	assert_both_schemas(junit);
	{
		char host[256], want[512];

		assert_int_equal(gethostname(host, sizeof(host)), 0);
		host[sizeof(host) - 1] = '\0';
		snprintf(want, sizeof(want), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			 "<testsuite name=\"hpchaos\" tests=\"7\" failures=\"1\" errors=\"3\" time=\"20.760\""
			 " timestamp=\"2026-11-05T10:00:00\" hostname=\"%s\">\n  <properties>\n", host);
		assert_non_null(strstr(junit, want));
	}
	assert_int_equal(count_str(junit, "<testsuite "), 1);
	/* SKIP is not a testcase: Ant's schema has no <skipped> */
	assert_int_equal(count_str(junit, "<testcase "), 7);
	assert_null(strstr(junit, "<skipped"));
	assert_null(strstr(junit, "name=\"cxl-poison\""));
	assert_non_null(strstr(junit, "<testcase classname=\"hpchaos.quick\" name=\"boot-idle\" time=\"5.510\"/>"));
	assert_non_null(strstr(junit,
		"<failure message=\"CRASH: BUG: &lt;&amp;&quot;'&gt; in f??[31m?#x&#10;next ?\" type=\"CRASH\">"
		"oops at &lt;step 2&gt; &amp; more\n\nresult: 002-hmm-uaf\n</failure>"));
	assert_non_null(strstr(junit, "<error message=\"QEMU would not start\" type=\"ERROR\">QEMU would not start\n"));
	assert_non_null(strstr(junit, "<property name=\"run_id\" value=\"20261105-1\"/>"));
	assert_non_null(strstr(junit, "<property name=\"skipped\" value=\"1\"/>"));
	assert_non_null(strstr(junit, "<property name=\"interrupted\" value=\"false\"/>"));
	assert_null(strstr(junit, "must not win"));
	assert_non_null(strstr(junit, "  </testcase>\n  <system-out>001-boot-idle: PASS\n"
				      "  seed: 1234\n  file: scenarios/smoke/boot-idle.scn\n"));
	assert_non_null(strstr(junit, "\n003-cxl-poison: SKIP: requires qemu &gt;= 8.1\n"));
	assert_non_null(strstr(junit, "\n006-known: XFAIL KASAN: use-after-free in memunmap_pages\n  reason: baseline 6.1\n"));
	assert_non_null(strstr(junit, "</system-out>\n  <system-err/>\n</testsuite>\n"));
	free(junit);

	/* ktap.txt */
	ktap = tu_slurp_at(d, "ktap.txt");
	n = split_lines(ktap, lines, 32);
	assert_int_equal(n, 10);
	assert_string_equal(lines[0], "KTAP version 1");
	assert_string_equal(lines[1], "1..8");
	assert_string_equal(lines[2], "ok 1 boot-idle");
	assert_string_equal(lines[3],
			    "not ok 2 hmm-uaf # FAIL CRASH: BUG: <&\"'> in f???x next ?");
	assert_string_equal(lines[4], "ok 3 cxl-poison # SKIP requires qemu >= 8.1");
	assert_string_equal(lines[5], "not ok 4 infra # ERROR QEMU would not start");
	assert_non_null(strstr(lines[6], "not ok 5 005-broken # ERROR unreadable verdict.json: not JSON"));
	assert_string_equal(lines[7], "ok 6 known # XFAIL baseline 6.1");
	assert_string_equal(lines[8], "ok 7 cxl-reset # RESET device reset and recovered");
	assert_non_null(strstr(lines[9], "not ok 8 008-missing # ERROR no verdict.json"));
	free(ktap);

	/* and our own parser agrees with it */
	ktap = tu_slurp_at(d, "ktap.txt");
	k = hpc_ktap_new();
	assert_non_null(k);
	hpc_ktap_text(k, ktap, strlen(ktap));
	hpc_ktap_finish(k);
	assert_int_equal(hpc_ktap_info(k)->plan, 8);
	assert_false(hpc_ktap_info(k)->plan_mismatch);
	assert_false(hpc_ktap_info(k)->bad_numbers);
	assert_int_equal(hpc_ktap_info(k)->counts[HPC_KTAP_PASS], 2);
	assert_int_equal(hpc_ktap_info(k)->counts[HPC_KTAP_FAIL], 4);
	assert_int_equal(hpc_ktap_info(k)->counts[HPC_KTAP_SKIP], 1);
	assert_int_equal(hpc_ktap_info(k)->counts[HPC_KTAP_XFAIL], 1);
	assert_string_equal(hpc_ktap_result(k, 1)->name, "hmm-uaf");
	hpc_ktap_free(k);
	free(ktap);

	tu_rmtree(d);
}

static void test_interrupted(void **state)
{
	char *d = make_run_dir(), *ktap, *junit;
	struct json_object *s, *nr;
	struct outcome o;

	(void)state;
	put_file(d, "plan", "a\nb\nc", -1);	/* no final newline */
	put_file(d, "run.json", RUN_JSON, -1);
	put_file(d, "a/verdict.json", V_PASS, -1);

	o = run_report(d, "--interrupted", "--quiet", NULL);
	assert_int_equal(o.status, 3);
	outcome_free(&o);

	s = tu_json_at(d, "summary.json");
	assert_true(json_object_get_boolean(tu_get(s, "interrupted")));
	assert_int_equal(jcount(s, "PASS"), 1);
	assert_int_equal(jcount(s, "NOTRUN"), 2);
	assert_int_equal(jcount(s, "ERROR"), 0);
	assert_int_equal(json_object_array_length(tu_get(s, "results")), 1);
	nr = tu_get(s, "not_run");
	assert_int_equal(json_object_array_length(nr), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(nr, 0)), "b");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(nr, 1)), "c");
	json_object_put(s);

	ktap = tu_slurp_at(d, "ktap.txt");
	assert_string_equal(ktap, "KTAP version 1\n1..3\nok 1 boot-idle\n"
				  "ok 2 b # SKIP not run (interrupted)\n"
				  "ok 3 c # SKIP not run (interrupted)\n");
	free(ktap);
	junit = tu_slurp_at(d, "junit.xml");
	assert_non_null(strstr(junit, " tests=\"1\" "));
	assert_int_equal(count_str(junit, "<testcase "), 1);
	assert_non_null(strstr(junit, "\nb: NOTRUN: not run (interrupted)\nc: NOTRUN: not run (interrupted)\n"));
	assert_non_null(strstr(junit, "<property name=\"skipped\" value=\"2\"/>"));
	assert_non_null(strstr(junit, "<property name=\"interrupted\" value=\"true\"/>"));
	free(junit);

	/* a verdict that says it was interrupted makes the run interrupted */
	put_file(d, "a/verdict.json",
		 "{\"schema\":1,\"scenario\":\"a\",\"verdict\":\"SKIP\",\"interrupted\":true}", -1);
	o = run_report(d, "--quiet", NULL, NULL);
	assert_int_equal(o.status, 3);
	outcome_free(&o);

	/* interrupted with a failure: 1 wins */
	put_file(d, "b/verdict.json",
		 "{\"schema\":1,\"scenario\":\"b\",\"verdict\":\"FAIL\",\"class\":\"HANG\",\"title\":\"hung task\"}", -1);
	o = run_report(d, "--interrupted", "-q", NULL);
	assert_int_equal(o.status, 1);
	outcome_free(&o);

	tu_rmtree(d);
}

static void test_table(void **state)
{
	char *d = make_run_dir(), *lines[16];
	struct outcome o;
	size_t n;

	(void)state;
	put_file(d, "plan", "one\ntwo\nthree\n", -1);
	put_file(d, "one/verdict.json", V_PASS, -1);
	put_file(d, "two/verdict.json",
		 "{\"schema\":1,\"scenario\":\"two\",\"verdict\":\"XFAIL\",\"class\":\"LEAK\","
		 "\"title\":\"a very long title that goes on and on and on and on and on and on and on\","
		 "\"duration_s\":1234.56}", -1);
	put_file(d, "three/verdict.json",
		 "{\"schema\":1,\"scenario\":\"three\",\"verdict\":\"SKIP\",\"reason\":\"no \\u001b[2Jcxl\"}", -1);
	setenv("COLUMNS", "60", 1);
	o = run_report(d, "--no-color", NULL, NULL);
	unsetenv("COLUMNS");
	assert_int_equal(o.status, 0);
	/* run.json is missing: a warning, not an error */
	assert_non_null(strstr(o.err, "hpc-report: warning: "));
	assert_non_null(strstr(o.err, "run.json"));
	n = split_lines(o.out, lines, 16);
	assert_int_equal(n, 5);
	assert_string_equal(lines[0],
			    "scenario   verdict  class       time  title/reason");
	assert_string_equal(lines[1], "boot-idle  PASS     -           5.5s");
	assert_string_equal(lines[2],
			    "two        XFAIL    LEAK     1234.6s  a very long title t...");
	assert_int_equal(strlen(lines[2]), 60);
	assert_string_equal(lines[3], "three      SKIP     -              -  no cxl");
	assert_string_equal(lines[4], "summary: 2 passed, 0 failed, 1 skipped");
	assert_null(strchr(o.out, '\033'));
	outcome_free(&o);

	/* not a tty: no colour even without --no-color */
	o = run_report(d, NULL, NULL, NULL);
	assert_null(strchr(o.out, '\033'));
	outcome_free(&o);
	tu_rmtree(d);
}

/*
 * Read one report from the pty master: up to the newline after "summary:"
 * (a pty may hand the output over in pieces), at most 5 s.
 */
static ssize_t read_report(int mfd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		struct pollfd p = { .fd = mfd, .events = POLLIN };
		const char *s;
		ssize_t r;

		buf[n] = '\0';
		s = strstr(buf, "summary:");
		if (s && strchr(s, '\n'))
			break;
		if (poll(&p, 1, 5000) <= 0)
			break;
		r = read(mfd, buf + n, cap - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

/* colour only on a terminal: use a pseudo-terminal when there is one */
static void test_color(void **state)
{
	char *d = make_run_dir(), *argv[4], buf[4096];
	int mfd, sfd, status;
	ssize_t n;
	FILE *out, *err;

	(void)state;
	put_file(d, "plan", "one\n", -1);
	put_file(d, "one/verdict.json", V_PASS, -1);
	mfd = posix_openpt(O_RDWR | O_NOCTTY);
	if (mfd < 0 || grantpt(mfd) < 0 || unlockpt(mfd) < 0 ||
	    (sfd = open(ptsname(mfd), O_RDWR | O_NOCTTY)) < 0) {
		/* no pty here; cmocka 1.1.5 cannot report a skip cleanly */
		if (mfd >= 0)
			close(mfd);
		tu_rmtree(d);
		return;
	}
	unsetenv("NO_COLOR");
	out = fdopen(sfd, "w");
	err = fopen("/dev/null", "w");
	assert_non_null(out);
	assert_non_null(err);
	argv[0] = "hpc-report";
	argv[1] = d;
	argv[2] = NULL;
	status = hpc_report_main(2, argv, out, err);
	fflush(out);
	assert_int_equal(status, 0);
	n = read_report(mfd, buf, sizeof(buf));
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\033[32mPASS"));

	/* --no-color wins on a terminal too */
	argv[2] = "--no-color";
	status = hpc_report_main(3, argv, out, err);
	fflush(out);
	assert_int_equal(status, 0);
	n = read_report(mfd, buf, sizeof(buf));
	assert_true(n > 0);
	buf[n] = '\0';
	assert_null(strchr(buf, '\033'));

	/* and so does NO_COLOR */
	setenv("NO_COLOR", "1", 1);
	status = hpc_report_main(2, argv, out, err);
	unsetenv("NO_COLOR");
	fflush(out);
	n = read_report(mfd, buf, sizeof(buf));
	assert_true(n > 0);
	buf[n] = '\0';
	assert_null(strchr(buf, '\033'));

	fclose(out);
	fclose(err);
	close(mfd);
	tu_rmtree(d);
}

static void expect_plan_error(const char *plan, ssize_t len,
			      const char *line_and_msg)
{
	char *d = make_run_dir(), want[512];
	struct outcome o;

	put_file(d, "plan", plan, len);
	o = run_report(d, "--quiet", NULL, NULL);
	assert_int_equal(o.status, 2);
	snprintf(want, sizeof(want), "hpc-report: %s/plan:%s\n", d,
		 line_and_msg);
	assert_string_equal(o.err, want);
	outcome_free(&o);
	/* nothing written */
	assert_int_not_equal(access(d, F_OK), -1);
	{
		char p[512];

		snprintf(p, sizeof(p), "%s/summary.json", d);
		assert_int_equal(access(p, F_OK), -1);
	}
	tu_rmtree(d);
}

static void test_plan_errors(void **state)
{
	char longname[200];
	char *d;
	struct outcome o;

	(void)state;
	expect_plan_error("ok\nbad name\n", -1,
			  "2: invalid character ' ' in scenario name (allowed: A-Z a-z 0-9 _ . + -)");
	expect_plan_error("ok\n\nok2\n", -1,
			  "2: empty line (expected a scenario directory name)");
	expect_plan_error("a/b\n", -1,
			  "1: invalid character '/' in scenario name (allowed: A-Z a-z 0-9 _ . + -)");
	expect_plan_error("ok\r\n", -1,
			  "1: invalid byte 0x0d in scenario name (allowed: A-Z a-z 0-9 _ . + -)");
	expect_plan_error("a\0b\n", 4,
			  "1: invalid byte 0x00 in scenario name (allowed: A-Z a-z 0-9 _ . + -)");
	expect_plan_error("x\n..\n", -1, "2: \"..\" is not a scenario name");
	expect_plan_error(".\n", -1, "1: \".\" is not a scenario name");
	expect_plan_error("a\nb\nc\nb\na\n", -1,
			  "4: duplicate scenario name \"b\" (first on line 2)");
	memset(longname, 'x', 129);
	longname[129] = '\n';
	longname[130] = '\0';
	expect_plan_error(longname, -1,
			  "1: scenario name longer than 128 characters");

	/* 128 is fine; an empty plan is an empty run */
	d = make_run_dir();
	longname[128] = '\n';
	longname[129] = '\0';
	put_file(d, "plan", longname, -1);
	o = run_report(d, "-q", NULL, NULL);
	assert_int_equal(o.status, 1);	/* not run, not interrupted: ERROR */
	outcome_free(&o);
	put_file(d, "plan", "", 0);
	o = run_report(d, "-q", NULL, NULL);
	assert_int_equal(o.status, 0);
	outcome_free(&o);
	{
		char *k = tu_slurp_at(d, "ktap.txt");

		assert_string_equal(k, "KTAP version 1\n1..0\n");
		free(k);
	}
	tu_rmtree(d);

	/* no plan at all */
	d = make_run_dir();
	o = run_report(d, NULL, NULL, NULL);
	assert_int_equal(o.status, 2);
	assert_non_null(strstr(o.err, "/plan: No such file or directory\n"));
	outcome_free(&o);
	/* plan is a directory */
	{
		char p[512];

		snprintf(p, sizeof(p), "%s/plan", d);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	o = run_report(d, NULL, NULL, NULL);
	assert_int_equal(o.status, 2);
	assert_non_null(strstr(o.err, "/plan: not a regular file\n"));
	outcome_free(&o);
	tu_rmtree(d);
}

static void test_usage(void **state)
{
	struct outcome o;

	(void)state;
	o = run_report(NULL, NULL, NULL, NULL);
	assert_int_equal(o.status, 2);
	assert_non_null(strstr(o.err, "usage: hpc-report RUN_DIR"));
	outcome_free(&o);
	o = run_report("--frobnicate", "/tmp", NULL, NULL);
	assert_int_equal(o.status, 2);
	assert_non_null(strstr(o.err, "unknown option --frobnicate"));
	outcome_free(&o);
	o = run_report("/tmp", "/var", NULL, NULL);
	assert_int_equal(o.status, 2);
	outcome_free(&o);
	o = run_report("--verdict", NULL, NULL, NULL);
	assert_int_equal(o.status, 2);
	outcome_free(&o);
	o = run_report("--verdict", "x.json", "/tmp", NULL);
	assert_int_equal(o.status, 2);
	outcome_free(&o);
	o = run_report("--help", NULL, NULL, NULL);
	assert_int_equal(o.status, 0);
	assert_non_null(strstr(o.out, "usage: hpc-report RUN_DIR"));
	outcome_free(&o);
}

static void expect_verdict(const char *dir, const char *json, const char *line,
			   int status)
{
	char path[512], want[1200];
	struct outcome o;

	put_file(dir, "v.json", json, -1);
	snprintf(path, sizeof(path), "%s/v.json", dir);
	o = run_report("--verdict", path, NULL, NULL);
	snprintf(want, sizeof(want), "%s\n", line);
	assert_string_equal(o.out, want);
	assert_int_equal(o.status, status);
	outcome_free(&o);
}

static void test_verdict_mode(void **state)
{
	char *d = make_run_dir(), path[512];
	struct outcome o;

	(void)state;
	expect_verdict(d, V_PASS, "PASS", 0);
	expect_verdict(d, V_FAIL,
		       "FAIL CRASH: BUG: <&\"'> in f??#x next ?", 1);
	expect_verdict(d, V_SKIP, "SKIP: requires qemu >= 8.1", 0);
	expect_verdict(d, V_ERROR, "ERROR: QEMU would not start", 1);
	expect_verdict(d, V_XFAIL, "XFAIL KASAN: use-after-free in memunmap_pages", 0);
	expect_verdict(d, V_RESET, "RESET: device reset and recovered", 0);
	expect_verdict(d, "{\"schema\":1,\"scenario\":\"x\",\"verdict\":\"FAIL\",\"class\":\"TIMEOUT\"}",
		       "FAIL TIMEOUT", 1);
	expect_verdict(d, "{\"schema\":1,\"scenario\":\"x\",\"verdict\":\"FAIL\",\"class\":\"KASAN\","
			  "\"title\":\"KASAN: use-after-free in memunmap_pages\"}",
		       "FAIL KASAN: use-after-free in memunmap_pages", 1);
	expect_verdict(d, "[]", "ERROR: unreadable verdict.json: not a JSON object", 1);

	snprintf(path, sizeof(path), "%s/nope.json", d);
	o = run_report("--verdict", path, NULL, NULL);
	assert_string_equal(o.out,
			    "ERROR: unreadable verdict.json: No such file or directory\n");
	assert_int_equal(o.status, 1);
	outcome_free(&o);
	tu_rmtree(d);
}

static void test_malformed_verdicts(void **state)
{
	static const struct {
		const char *json;
		const char *why;
	} cases[] = {
		{ "", "empty file" },
		{ "{\"schema\": 1,", "not JSON: unexpected end of data at offset 13" },
		{ "{} x", "not JSON: trailing data at offset 3" },
		{ "nonsense", "not JSON: " },
		{ "[1]", "not a JSON object" },
		{ "42", "not a JSON object" },
		{ "{}", "\"schema\" is missing" },
		{ "{\"schema\": 2}", "unsupported \"schema\" (expected 1)" },
		{ "{\"schema\": \"1\"}", "unsupported \"schema\" (expected 1)" },
		{ "{\"schema\": 1, \"verdict\": \"PASS\"}", "\"scenario\" is missing" },
		{ "{\"schema\": 1, \"scenario\": \"\", \"verdict\": \"PASS\"}",
		  "\"scenario\" is empty" },
		{ "{\"schema\": 1, \"scenario\": 7, \"verdict\": \"PASS\"}",
		  "\"scenario\" must be a string" },
		{ "{\"schema\": 1, \"scenario\": \"s\"}", "\"verdict\" is missing" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": null}",
		  "\"verdict\" is missing" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"pass\"}",
		  "unknown \"verdict\" \"pass\"" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"X\\u001b[2J\"}",
		  "unknown \"verdict\" \"X\"" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"FAIL\", \"class\": \"OOPS\"}",
		  "unknown \"class\" \"OOPS\"" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"FAIL\", \"class\": 3}",
		  "\"class\" must be a string or null" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"FAIL\", \"title\": []}",
		  "\"title\" must be a string or null" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"PASS\", \"reason\": {}}",
		  "\"reason\" must be a string or null" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"PASS\", \"file\": true}",
		  "\"file\" must be a string or null" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"PASS\", \"seed\": \"12\"}",
		  "\"seed\" must be an integer or null" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"PASS\", \"seed\": 1.5}",
		  "\"seed\" must be an integer or null" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"PASS\", \"duration_s\": -1}",
		  "\"duration_s\" must be a non-negative number or null" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"PASS\", \"duration_s\": \"5\"}",
		  "\"duration_s\" must be a non-negative number or null" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"PASS\", \"duration_s\": NaN}",
		  "\"duration_s\" must be a non-negative number or null" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"PASS\", \"duration_s\": 1e999}",
		  "\"duration_s\" must be a non-negative number or null" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"PASS\", \"groups\": \"quick\"}",
		  "\"groups\" must be an array of strings" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"PASS\", \"groups\": [\"a\", 1]}",
		  "\"groups\" must be an array of strings" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"PASS\", \"interrupted\": 0}",
		  "\"interrupted\" must be a boolean" },
		{ "{\"schema\": 1, \"scenario\": \"s\", \"verdict\": \"PASS\", \"steps\": {}}",
		  "\"steps\" must be an array" },
	};
	char *d = make_run_dir(), path[512], deep[200];
	struct hpc_vrec v;

	(void)state;
	snprintf(path, sizeof(path), "%s/v.json", d);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[300];

		put_file(d, "v.json", cases[i].json, -1);
		assert_int_equal(hpc_vrec_load(&v, path, "dirname"), HPC_VREC_BAD);
		assert_int_equal(v.verdict, HPC_V_ERROR);
		assert_int_equal(v.cls, HPC_C_NONE);
		assert_string_equal(v.scenario, "dirname");
		assert_string_equal(v.dir, "dirname");
		snprintf(want, sizeof(want), "unreadable verdict.json: %s",
			 cases[i].why);
		if (strncmp(v.reason, want, strlen(want)))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, v.reason,
				 want);
		hpc_vrec_free(&v);
	}

	/* nesting deeper than the tokener allows */
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	put_file(d, "v.json", deep, -1);
	assert_int_equal(hpc_vrec_load(&v, path, NULL), HPC_VREC_BAD);
	assert_non_null(strstr(v.reason, "unreadable verdict.json: not JSON"));
	assert_string_equal(v.scenario, path);
	hpc_vrec_free(&v);

	/* a directory where the file should be */
	assert_int_equal(hpc_vrec_load(&v, d, NULL), HPC_VREC_BAD);
	assert_string_equal(v.reason, "unreadable verdict.json: not a regular file");
	hpc_vrec_free(&v);

	/* missing */
	snprintf(path, sizeof(path), "%s/none/verdict.json", d);
	assert_int_equal(hpc_vrec_load(&v, path, "none"), HPC_VREC_MISSING);
	assert_int_equal(v.verdict, HPC_REP_NOTRUN);
	assert_string_equal(hpc_rep_verdict_name(v.verdict), "NOTRUN");
	hpc_vrec_free(&v);

	/* good, with nulls and extra keys */
	snprintf(path, sizeof(path), "%s/v.json", d);
	put_file(d, "v.json",
		 "{\"schema\":1,\"scenario\":\"s\",\"verdict\":\"FAIL\",\"class\":\"STALE\","
		 "\"title\":null,\"reason\":null,\"seed\":null,\"duration_s\":null,"
		 "\"groups\":null,\"interrupted\":null,\"steps\":null,\"future\":{\"x\":1}}\n\n", -1);
	assert_int_equal(hpc_vrec_load(&v, path, "s"), HPC_VREC_OK);
	assert_int_equal(v.verdict, HPC_V_FAIL);
	assert_int_equal(v.cls, HPC_C_STALE);
	assert_null(v.title);
	assert_null(v.reason);
	assert_null(v.seed);
	assert_null(v.group);
	assert_false(v.has_duration);
	assert_false(v.interrupted);
	hpc_vrec_free(&v);
	tu_rmtree(d);
}

static void test_xml_clean(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" },
		{ "plain", "plain" },
		{ "<a href=\"x\">'&'</a>", "<a href=\"x\">'&'</a>" },	/* the writer escapes */
		{ "tab\tnl\ncr\r", "tab\tnl\ncr\r" },
		{ "nul\x01" "esc\x1b[0m del\x7f", "nul?esc?[0m del?" },
		{ "C1 \xc2\x85 ok \xc2\xa0", "C1 ? ok \xc2\xa0" },
		{ "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80", "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80" },
		{ "bad \xff \xc3 \xe2\x82 end", "bad ? ? ?? end" },
		{ "overlong \xc0\xaf \xe0\x80\xaf", "overlong ?? ???" },
		{ "surrogate \xed\xa0\x80", "surrogate ???" },
		{ "nonchar \xef\xbf\xbe \xef\xbf\xbf", "nonchar ? ?" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *e = hpc_xml_clean(cases[i].in);

		assert_non_null(e);
		assert_string_equal(e, cases[i].out);
		free(e);
	}
}

/* ---- junit.xml of a real run, against both published schemas ---- */

static const char *copy_to;

static int copy_one(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	const char *rel = path + strlen(FIXTURES_DIR "/junit/run");
	char *data, to[512];
	FILE *f;

	(void)ftw;
	snprintf(to, sizeof(to), "%s%s", copy_to, rel);
	if (flag == FTW_D)
		return *rel && mkdir(to, 0755) ? -1 : 0;
	f = fopen(path, "r");
	assert_non_null(f);
	data = malloc((size_t)st->st_size + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)st->st_size, f), (size_t)st->st_size);
	fclose(f);
	f = fopen(to, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, (size_t)st->st_size, f), (size_t)st->st_size);
	assert_int_equal(fclose(f), 0);
	free(data);
	return 0;
}

/* 0 when doc is valid under tests/fixtures/junit/schemas/NAME. */
static int schema_check(xmlDocPtr doc, const char *name)
{
	char path[512];
	xmlSchemaParserCtxtPtr pc;
	xmlSchemaPtr schema;
	xmlSchemaValidCtxtPtr vc;
	int r;

	snprintf(path, sizeof(path), FIXTURES_DIR "/junit/schemas/%s", name);
	pc = xmlSchemaNewParserCtxt(path);
	assert_non_null(pc);
	schema = xmlSchemaParse(pc);
	assert_non_null(schema);
	vc = xmlSchemaNewValidCtxt(schema);
	assert_non_null(vc);
	r = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pc);
	return r;
}

static void assert_both_schemas(const char *xml)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "junit.xml", NULL,
				      XML_PARSE_NONET);

	assert_non_null(doc);
	assert_int_equal(schema_check(doc, "junit-10.xsd"), 0);
	assert_int_equal(schema_check(doc, "JUnit.xsd"), 0);
	xmlFreeDoc(doc);
}

/*
 * tests/fixtures/junit/run (results of real runs): the failure body has the
 * kernel report's console lines and source lines, the stuck task's stack,
 * the failing step's output; the file is valid under both schemas, and so
 * is the one of test_full_run's hostile strings.
 */
static void test_junit_real_run(void **state)
{
	char *d = make_run_dir(), *junit;
	struct outcome o;

	(void)state;
	copy_to = d;
	assert_int_equal(nftw(FIXTURES_DIR "/junit/run", copy_one, 16, FTW_PHYS), 0);
	o = run_report(d, "--quiet", NULL, NULL);
	assert_int_equal(o.status, 1);
	outcome_free(&o);
	junit = tu_slurp_at(d, "junit.xml");
	assert_xml_clean(junit);
	assert_both_schemas(junit);
	assert_non_null(strstr(junit, " tests=\"5\" failures=\"4\" errors=\"1\" "));
	/* WARN: the reason, then the console block from its line to the end of trace */
	assert_non_null(strstr(junit,
		"type=\"WARN\">kernel report in kernel log record 368 (/dev/kmsg), console line 351\n\n"
		"kernel report 1 of 1: WARN: WARNING in hpc_trigger_warn (console.log line 351)\n"
		"[    6.471901] WARNING: CPU: 0 PID: 93 at "));
	assert_non_null(strstr(junit, "[    6.523966] ---[ end trace 0000000000000000 ]---\n"
				      "source lines of its frames:\n"
				      "  hpc_trigger_warn (kmod/hpchaos_trigger.c:33)\n"));
	assert_null(strstr(junit, "&#13;"));	/* the console's CRLF */
	assert_null(strstr(junit, "cut here"));	/* the line before the report's */
	/* TIMEOUT: the stuck task's kernel stack */
	assert_non_null(strstr(junit, "kernel stack of task 93 (state D) of step trigger:\n"
				      "  msleep+0x29/0x40\n  hpc_trigger_hung+0x13/0x22 [hpchaos_trigger]\n"));
	assert_non_null(strstr(junit, "step trigger ended with status timeout; it printed nothing\n"));
	/* CHECK: the check step's output */
	assert_non_null(strstr(junit, "step selftest ended with status 1; its last 5 lines of output (steps.log):\n"
				      "  TAP version 13\n  1..3\n  ok 1 demo.a\n  not ok 2 demo.exclusive\n"
				      "  not ok 3 demo2.migrate\n\nresult: 04-known-fail-unexpected\n</failure>"));
	/* CRASH on the console only; the step never ended */
	assert_non_null(strstr(junit, "kernel report 1 of 1: CRASH: kernel BUG in hpc_trigger_bug (console.log line 347)\n"
				      "[    2.317422] kernel BUG at "));
	assert_non_null(strstr(junit, "step trigger did not end; it printed nothing\n\nresult: 05-report-bug\n"));
	assert_non_null(strstr(junit, "<error message=\"QEMU died of signal 6: "));
	assert_non_null(strstr(junit, "\n02-report-kasan: SKIP: kernel lacks CONFIG_KASAN"));
	free(junit);
	tu_rmtree(d);
}

/* A body of many long reports is cut at 16 KiB, valid XML still. */
static void test_junit_body_cut(void **state)
{
	char *d = make_run_dir(), *junit, *con, *p, *body;
	struct outcome o;
	size_t n = 0;

	(void)state;
	con = malloc(200 * 600 + 1);
	assert_non_null(con);
	p = con;
	for (int i = 0; i < 200; i++) {
		memset(p, i % 2 ? 'x' : '<', 598);	/* escaped: longer in XML */
		p[598] = '\r';
		p[599] = '\n';
		p += 600;
	}
	*p = '\0';
	put_file(d, "plan", "a\n", -1);
	put_file(d, "a/console.log", con, -1);
	put_file(d, "a/verdict.json",
		 "{\"schema\": 1, \"scenario\": \"a\", \"verdict\": \"FAIL\", \"class\": \"WARN\","
		 " \"title\": \"t\", \"reason\": \"r\", \"reports\": ["
		 "{\"class\": \"WARN\", \"title\": \"t1\", \"console_line\": 1},"
		 "{\"class\": \"WARN\", \"title\": \"t2\", \"console_line\": 61},"
		 "{\"class\": \"WARN\", \"title\": \"t3\", \"console_line\": 121},"
		 "{\"class\": \"WARN\", \"title\": \"t4\", \"console_line\": 181}]}", -1);
	o = run_report(d, "--quiet", NULL, NULL);
	assert_int_equal(o.status, 1);
	outcome_free(&o);
	junit = tu_slurp_at(d, "junit.xml");
	assert_both_schemas(junit);
	body = strstr(junit, "type=\"WARN\">");
	assert_non_null(body);
	assert_non_null(strstr(body, "\n[cut at 16384 bytes: the rest is in the result directory]\n</failure>"));
	/* 16384 bytes of text: each '<' is 4 bytes in XML */
	for (p = body + strlen("type=\"WARN\">"); *p && strncmp(p, "</failure>", 10); p++)
		n += !strncmp(p, "&lt;", 4) ? (p += 3, 1) : 1;
	assert_int_equal(n, 16384);
	free(con);
	free(junit);
	tu_rmtree(d);
}

static void test_ktap_text_clean(void **state)
{
	char *s;

	(void)state;
	s = hpc_ktap_text_clean("  a # b\nc\td\r\x1b[31mred\x1b[0m \xc3\xa9  ", 100);
	assert_string_equal(s, "a ? b c d red ??");
	free(s);
	s = hpc_ktap_text_clean("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
	s = hpc_ktap_text_clean("", 3);
	assert_string_equal(s, "");
	free(s);
}

/* the output cannot be written: exit 2, no temp file left */
static void test_write_failure(void **state)
{
	char *d = make_run_dir(), p[512];
	struct outcome o;
	DIR *dir;
	struct dirent *e;

	(void)state;
	put_file(d, "plan", "a\n", -1);
	put_file(d, "a/verdict.json", V_PASS, -1);
	snprintf(p, sizeof(p), "%s/junit.xml", d);
	assert_int_equal(mkdir(p, 0755), 0);
	o = run_report(d, "-q", NULL, NULL);
	assert_int_equal(o.status, 2);
	assert_non_null(strstr(o.err, "hpc-report: cannot write "));
	assert_non_null(strstr(o.err, "/junit.xml: "));
	outcome_free(&o);
	dir = opendir(d);
	assert_non_null(dir);
	while ((e = readdir(dir)))
		assert_true(strncmp(e->d_name, ".junit", 6) != 0);
	closedir(dir);
	tu_rmtree(d);
}

/* RUN_DIR with trailing slashes; outputs replace older ones */
static void test_rerun(void **state)
{
	char *d = make_run_dir(), arg[512], *k;
	struct outcome o;

	(void)state;
	put_file(d, "plan", "a\n", -1);
	put_file(d, "ktap.txt", "stale\n", -1);
	put_file(d, "a/verdict.json", V_PASS, -1);
	snprintf(arg, sizeof(arg), "%s//", d);
	o = run_report(arg, "--quiet", NULL, NULL);
	assert_int_equal(o.status, 0);
	outcome_free(&o);
	k = tu_slurp_at(d, "ktap.txt");
	assert_string_equal(k, "KTAP version 1\n1..1\nok 1 boot-idle\n");
	free(k);
	assert_no_temp_files(d);
	tu_rmtree(d);
}


#define V_CRASH(title)							\
	"{\"schema\":1,\"scenario\":\"crash\",\"verdict\":\"FAIL\","	\
	"\"class\":\"CRASH\",\"title\":\"" title "\",\"seed\":7,"	\
	"\"duration_s\":2}"

/* A soak run: one scenario many times; per-scenario counts. */
static void test_by_scenario(void **state)
{
	char *d = make_run_dir(), *lines[16];
	char *k;
	FILE *kf;
	struct json_object *s, *bs, *e, *f;
	struct outcome o;
	size_t n;

	(void)state;
	put_file(d, "plan", "01-crash-r1\n02-boot-idle-r1\n01-crash-r2\n02-boot-idle-r2\n01-crash-r3\n", -1);
	put_file(d, "01-crash-r1/verdict.json", V_CRASH("Kernel panic: a"), -1);
	put_file(d, "01-crash-r2/verdict.json", V_CRASH("Kernel panic: b"), -1);
	put_file(d, "01-crash-r3/verdict.json", V_CRASH("Kernel panic: a"), -1);
	put_file(d, "02-boot-idle-r1/verdict.json", V_PASS, -1);
	put_file(d, "02-boot-idle-r2/verdict.json", V_PASS, -1);
	put_file(d, "run.json", "{\"by_scenario\": \"must not win\", \"repeat\": 3}", -1);
	setenv("COLUMNS", "80", 1);
	o = run_report(d, "--no-color", NULL, NULL);
	unsetenv("COLUMNS");
	assert_int_equal(o.status, 1);
	n = split_lines(o.out, lines, 16);
	assert_int_equal(n, 10);
	/* the first column names the result directory */
	assert_string_equal(lines[0],
			    "result           verdict  class       time  title/reason");
	assert_string_equal(lines[1],
			    "01-crash-r1      FAIL     CRASH       2.0s  Kernel panic: a");
	assert_string_equal(lines[2], "02-boot-idle-r1  PASS     -           5.5s");
	assert_string_equal(lines[6], "per scenario:");
	assert_string_equal(lines[7], "  crash      3 runs: 3 FAIL");
	assert_string_equal(lines[8], "  boot-idle  2 runs: 2 PASS");
	assert_string_equal(lines[9], "summary: 2 passed, 3 failed, 0 skipped");
	outcome_free(&o);

	s = tu_json_at(d, "summary.json");
	assert_int_equal(json_object_get_int(tu_get(s, "repeat")), 3);
	bs = tu_get(s, "by_scenario");
	assert_true(json_object_is_type(bs, json_type_array));
	assert_int_equal(json_object_array_length(bs), 2);
	e = json_object_array_get_idx(bs, 0);
	assert_string_equal(tu_str(e, "scenario"), "crash");
	assert_int_equal(json_object_get_int(tu_get(e, "runs")), 3);
	assert_int_equal(json_object_get_int(tu_get(tu_get(e, "counts"), "FAIL")), 3);
	assert_int_equal(json_object_array_length(tu_get(e, "failures")), 2);
	f = json_object_array_get_idx(tu_get(e, "failures"), 0);
	assert_string_equal(tu_str(f, "title"), "Kernel panic: a");
	assert_string_equal(tu_str(f, "class"), "CRASH");
	assert_int_equal(json_object_get_int(tu_get(f, "runs")), 2);
	assert_string_equal(tu_str(f, "first"), "01-crash-r1");
	f = json_object_array_get_idx(tu_get(e, "failures"), 1);
	assert_string_equal(tu_str(f, "title"), "Kernel panic: b");
	assert_int_equal(json_object_get_int(tu_get(f, "runs")), 1);
	e = json_object_array_get_idx(bs, 1);
	assert_string_equal(tu_str(e, "scenario"), "boot-idle");
	assert_int_equal(json_object_get_int(tu_get(tu_get(e, "counts"), "PASS")), 2);
	assert_int_equal(json_object_array_length(tu_get(e, "failures")), 0);
	json_object_put(s);
	/* ktap.txt: names are unique within a level, the repeats numbered */
	k = tu_slurp_at(d, "ktap.txt");
	assert_string_equal(k, "KTAP version 1\n1..5\n"
			    "not ok 1 crash # FAIL CRASH: Kernel panic: a\n"
			    "ok 2 boot-idle\n"
			    "not ok 3 crash_2 # FAIL CRASH: Kernel panic: b\n"
			    "ok 4 boot-idle_2\n"
			    "not ok 5 crash_3 # FAIL CRASH: Kernel panic: a\n");
	kf = fmemopen(k, strlen(k), "r");
	assert_non_null(kf);
	assert_int_equal(hpc_kcheck_stream(kf, "ktap.txt", NULL, stderr), 0);
	fclose(kf);
	free(k);
	tu_rmtree(d);
}

/* A long soak run lists only what did not pass. */
static void test_long_soak_table(void **state)
{
	char *d = make_run_dir(), plan[4096] = "", name[64], *lines[64];
	struct outcome o;
	size_t n;

	(void)state;
	for (int i = 1; i <= 45; i++) {
		snprintf(name, sizeof(name), "01-boot-idle-r%d", i);
		snprintf(plan + strlen(plan), sizeof(plan) - strlen(plan), "%s\n", name);
		strcat(name, "/verdict.json");
		put_file(d, name, i == 30 ? V_CRASH("Kernel panic: a") : V_PASS, -1);
	}
	put_file(d, "plan", plan, -1);
	o = run_report(d, "--no-color", NULL, NULL);
	assert_int_equal(o.status, 1);
	n = split_lines(o.out, lines, 64);
	assert_int_equal(n, 7);
	assert_non_null(strstr(lines[1], "01-boot-idle-r30  FAIL     CRASH"));
	assert_string_equal(lines[2],
			    "(44 results that passed or skipped are not listed: see summary.json)");
	assert_string_equal(lines[3], "per scenario:");
	assert_string_equal(lines[4], "  boot-idle  44 runs: 44 PASS");
	assert_string_equal(lines[5], "  crash      1 run: 1 FAIL");
	assert_string_equal(lines[6], "summary: 44 passed, 1 failed, 0 skipped");
	outcome_free(&o);
	tu_rmtree(d);
}

static void test_field_mode(void **state)
{
	char *d = make_run_dir(), path[512];
	struct outcome o;

	(void)state;
	put_file(d, "run.json",
		 "{\"kernel\": {\"spec\": \"tree:/src/l\u00e9nux \\\"x\\\"\", \"n\": 3},"
		 " \"kmod_planted\": \"none\", \"ok\": true, \"nl\": \"a\\nb\","
		 " \"nul\": \"a\\u0000b\", \"empty\": \"\", \"x\": null, \"o\": {}, \"d\": 1.5}", -1);
	snprintf(path, sizeof(path), "%s/run.json", d);
	o = run_report("--field", path, "kernel.spec", NULL);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out, "tree:/src/l\xc3\xa9nux \"x\"\n");
	outcome_free(&o);
	o = run_report("--field", path, "kernel.n", NULL);
	assert_string_equal(o.out, "3\n");
	outcome_free(&o);
	o = run_report("--field", path, "ok", NULL);
	assert_string_equal(o.out, "true\n");
	outcome_free(&o);
	o = run_report("--field", path, "d", NULL);
	assert_string_equal(o.out, "1.5\n");
	outcome_free(&o);
	/* absent, null, not a scalar, not one printable line: 1, nothing printed */
	static const char *const bad[] = {
		"nope", "x", "o", "nl", "nul", "empty", "kernel.spec.deeper",
		"kernel", "ok.x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = run_report("--field", path, bad[i], NULL);
		assert_int_equal(o.status, 1);
		assert_string_equal(o.out, "");
		outcome_free(&o);
	}
	put_file(d, "bad.json", "{\"a\": ", -1);
	snprintf(path, sizeof(path), "%s/bad.json", d);
	o = run_report("--field", path, "a", NULL);
	assert_int_equal(o.status, 2);
	assert_non_null(strstr(o.err, "not JSON"));
	outcome_free(&o);
	snprintf(path, sizeof(path), "%s/missing.json", d);
	o = run_report("--field", path, "a", NULL);
	assert_int_equal(o.status, 2);
	outcome_free(&o);
	tu_rmtree(d);
}

static void test_repro_mode(void **state)
{
	char *d = make_run_dir(), orig[512], t1[512], t2[512], t3[512];
	struct outcome o;

	(void)state;
	put_file(d, "orig/verdict.json", V_CRASH("Kernel panic: a"), -1);
	put_file(d, "01-crash-t1/verdict.json", V_CRASH("Kernel panic: a"), -1);
	put_file(d, "01-crash-t2/verdict.json", V_CRASH("Kernel panic: b"), -1);
	snprintf(orig, sizeof(orig), "%s/orig/verdict.json", d);
	snprintf(t1, sizeof(t1), "%s/01-crash-t1/verdict.json", d);
	snprintf(t2, sizeof(t2), "%s/01-crash-t2/verdict.json", d);
	snprintf(t3, sizeof(t3), "%s/01-crash-t3/verdict.json", d);
	o = run_report("--repro", orig, t1, NULL);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out,
			    "repro: 1/1 tries gave FAIL CRASH: Kernel panic: a (same verdict and title)\n");
	outcome_free(&o);
	/* another title, and a try without a verdict (interrupted) */
	o = run_report("--repro", orig, t1, t2);
	assert_int_equal(o.status, 1);
	assert_string_equal(o.out,
			    "repro: 1/2 tries gave FAIL CRASH: Kernel panic: a (same verdict and title)\n"
			    "repro:   try 2 (01-crash-t2): FAIL CRASH: Kernel panic: b\n");
	outcome_free(&o);
	o = run_report("--repro", orig, t3, NULL);
	assert_int_equal(o.status, 1);
	assert_non_null(strstr(o.out, "repro: 0/1 tries"));
	assert_non_null(strstr(o.out, "repro:   try 1 (01-crash-t3): NOTRUN"));
	outcome_free(&o);
	/* same title, another class: not the same */
	put_file(d, "01-crash-t1/verdict.json",
		 "{\"schema\":1,\"scenario\":\"crash\",\"verdict\":\"FAIL\",\"class\":\"HANG\","
		 "\"title\":\"Kernel panic: a\"}", -1);
	o = run_report("--repro", orig, t1, NULL);
	assert_int_equal(o.status, 1);
	outcome_free(&o);
	/* the original unreadable: 2 */
	o = run_report("--repro", t3, t1, NULL);
	assert_int_equal(o.status, 2);
	outcome_free(&o);
	tu_rmtree(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_run),
		cmocka_unit_test(test_interrupted),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_color),
		cmocka_unit_test(test_plan_errors),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_verdict_mode),
		cmocka_unit_test(test_malformed_verdicts),
		cmocka_unit_test(test_xml_clean),
		cmocka_unit_test(test_junit_real_run),
		cmocka_unit_test(test_junit_body_cut),
		cmocka_unit_test(test_ktap_text_clean),
		cmocka_unit_test(test_write_failure),
		cmocka_unit_test(test_rerun),
		cmocka_unit_test(test_by_scenario),
		cmocka_unit_test(test_long_soak_table),
		cmocka_unit_test(test_field_mode),
		cmocka_unit_test(test_repro_mode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
