// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for index.html (lib/report_html.c, report_tl.c, report_svg.c) on a
 * real run directory (tests/fixtures/html/run, see its README.md): the page
 * is well-formed XML and HTML, has no script, the pictures have their lanes
 * and verdict markers, and hostile guest text (markup, CDATA ends, control
 * bytes, huge lines, too many events) comes out as bounded, escaped text.
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

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "hpc/report.h"
#include "testutil.h"

#define RUN_FIXTURE FIXTURES_DIR "/html/run"

static const char *const scen[] = { "01-dimm-hotplug", "02-report-warn",
				    "03-bar-surprise" };

/* ---- helpers ---- */

static void spill(const char *path, const char *data, size_t len, const char *mode)
{
	FILE *f = fopen(path, mode);

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void copy(const char *from, const char *to)
{
	size_t len;
	char *buf = tu_slurp(from, &len);

	spill(to, buf, len, "wb");
	free(buf);
}

/* A copy of the fixture run under /tmp. */
static char *copy_run(void)
{
	char *d = strdup("/tmp/hpc-html-test.XXXXXX"), a[512], b[512];

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	for (int k = 0; k < 2; k++) {
		const char *f = k ? "run.json" : "plan";

		snprintf(a, sizeof(a), "%s/%s", RUN_FIXTURE, f);
		snprintf(b, sizeof(b), "%s/%s", d, f);
		copy(a, b);
	}
	for (size_t i = 0; i < 3; i++) {
		snprintf(b, sizeof(b), "%s/%s", d, scen[i]);
		assert_int_equal(mkdir(b, 0700), 0);
		for (int k = 0; k < 2; k++) {
			const char *f = k ? "timeline.jsonl" : "verdict.json";

			snprintf(a, sizeof(a), "%s/%s/%s", RUN_FIXTURE, scen[i], f);
			snprintf(b, sizeof(b), "%s/%s/%s", d, scen[i], f);
			copy(a, b);
		}
	}
	return d;
}

/* hpc-report DIR --quiet; index.html read back. */
static char *report(const char *dir, int want_rc, size_t *len)
{
	char *argv[] = { "hpc-report", (char *)dir, "--quiet", NULL };
	char path[512];
	FILE *out = tmpfile(), *err = tmpfile();

	assert_non_null(out);
	assert_non_null(err);
	assert_int_equal(hpc_report_main(3, argv, out, err), want_rc);
	fclose(out);
	fclose(err);
	snprintf(path, sizeof(path), "%s/index.html", dir);
	return tu_slurp(path, len);
}

static int xml_errors;

static void count_error(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
	xml_errors++;
}

/* The page through libxml2's XML parser, strict: well-formed or fail. */
static xmlDocPtr parse_xml(const char *buf, size_t len)
{
	xmlDocPtr doc;

	xml_errors = 0;
	xmlSetGenericErrorFunc(NULL, count_error);
	doc = xmlReadMemory(buf, (int)len, "index.html", NULL, XML_PARSE_NONET);
	xmlSetGenericErrorFunc(NULL, NULL);
	assert_non_null(doc);
	assert_int_equal(xml_errors, 0);
	return doc;
}

static double xnum(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o;
	double v;

	assert_non_null(ctx);
	o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	assert_non_null(o);
	v = xmlXPathCastToNumber(o);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	return v;
}

/* count(...) of elements by local name and class (namespaces ignored) */
static int count_class(xmlDocPtr doc, const char *el, const char *cls)
{
	char expr[256];

	snprintf(expr, sizeof(expr),
		 "count(//*[local-name()='%s' and contains(concat(' ',@class,' '),' %s ')])",
		 el, cls);
	return (int)xnum(doc, expr);
}

/* Is there a text node or attribute whose value contains s? */
static bool has_text(xmlDocPtr doc, const char *s)
{
	char expr[512];

	snprintf(expr, sizeof(expr), "count(//text()[contains(.,'%s')])", s);
	return xnum(doc, expr) > 0;
}

/* Bytes XML 1.0 does not allow, anywhere in the file. */
static void assert_no_controls(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c < 0x20 && c != '\n' && c != '\t')
			fail_msg("control byte 0x%02x at offset %zu", c, i);
	}
}

/* ---- tests ---- */

static void test_real_run(void **state)
{
	char *d = copy_run();
	size_t len;
	char *buf = report(d, 1, &len);
	xmlDocPtr doc = parse_xml(buf, len);
	htmlDocPtr hdoc;

	(void)state;
	assert_int_equal(strncmp(buf, "<!DOCTYPE html>", 15), 0);
	assert_int_equal((int)xnum(doc, "count(//*[local-name()='script'])"), 0);
	/* the run table: the terminal's rows */
	assert_int_equal((int)xnum(doc, "count(//*[local-name()='table' and @class='run']"
				   "/*[local-name()='tr'])"), 4);
	assert_true(has_text(doc, "WARNING in hpc_trigger_warn"));
	assert_true(has_text(doc, "summary: 2 passed, 1 failed, 0 skipped"));
	/* one picture per result, every lane, the verdict moment */
	assert_int_equal(count_class(doc, "svg", "timeline"), 3);
	for (size_t i = 0; i < 6; i++) {
		static const char *const lanes[] = { "lane-steps", "lane-host",
			"lane-guest", "lane-qmp", "lane-console", "lane-reports" };

		assert_int_equal(count_class(doc, "g", lanes[i]), 3);
	}
	assert_int_equal(count_class(doc, "g", "verdict"), 3);
	/* two actions each in dimm-hotplug and bar-surprise, planned and real */
	assert_int_equal(count_class(doc, "g", "action"), 4);
	assert_int_equal(count_class(doc, "line", "planned"), 4);
	/* the WARN: red in the picture, with symbolised frames in the page */
	assert_int_equal(count_class(doc, "g", "report"), 1);
	assert_true(has_text(doc, "hpc_trigger_warn kmod/hpchaos_trigger.c"));
	assert_true(has_text(doc, "expected outcome: none"));
	/* steps with their output (from timeline.jsonl) */
	assert_true(has_text(doc, "onlined 2 blocks"));
	assert_true(has_text(doc, "device_add"));
	xmlFreeDoc(doc);
	/* and the HTML parser reads it too */
	hdoc = htmlReadMemory(buf, (int)len, "index.html", "UTF-8",
			      HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	assert_non_null(hdoc);
	assert_non_null(xmlDocGetRootElement(hdoc));
	xmlFreeDoc(hdoc);
	assert_no_controls(buf, len);
	free(buf);
	tu_rmtree(d);
}

/* Replace the first "from" in dir/rel by "to". */
static void edit(const char *dir, const char *rel, const char *from, const char *to)
{
	char path[512], *buf, *p, *out;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	buf = tu_slurp(path, &len);
	p = strstr(buf, from);
	assert_non_null(p);
	assert_true(asprintf(&out, "%.*s%s%s", (int)(p - buf), buf, to,
			     p + strlen(from)) > 0);
	spill(path, out, strlen(out), "wb");
	free(out);
	free(buf);
}

static void append(const char *dir, const char *rel, const char *data, size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	spill(path, data, len == SIZE_MAX ? strlen(data) : len, "ab");
}

/* Guest text with markup, CDATA ends, control bytes, a huge line, junk. */
static void make_hostile(const char *d)
{
	static const char junk[] = "{\"t\":1,\"src\":\"qmp\",\"event\":\"x\xff\xfe]]>\"}\nnot json\n";
	char *big = malloc(200001);

	assert_non_null(big);
	edit(d, "02-report-warn/verdict.json", "\"title\":\"WARNING in hpc_trigger_warn\"",
	     "\"title\":\"<script>alert(1)</script> ]]> & \\\"q\\\"\"");
	append(d, "01-dimm-hotplug/timeline.jsonl",
	       "{\"t\":5.6,\"src\":\"guest\",\"type\":\"OUT\",\"idx\":0,"
	       "\"text\":\"ctl\\u0001\\u001b[31mred\\u0007 c1\\u0085 <b>bold</b> ]]> end\"}\n", SIZE_MAX);
	append(d, "01-dimm-hotplug/timeline.jsonl",
	       "{\"t\":3.5,\"src\":\"console\",\"n\":9999,\"line\":\"\\u0000nul\\u001b[0m\"}\n",
	       SIZE_MAX);
	append(d, "01-dimm-hotplug/timeline.jsonl",
	       "{\"t\":6,\"src\":\"qmp\",\"event\":\"]]><script>x</script>\"}\n", SIZE_MAX);
	append(d, "01-dimm-hotplug/timeline.jsonl", junk, sizeof(junk) - 1);
	/* an output line of 200000 bytes */
	memset(big, 'A', 200000);
	big[200000] = '\0';
	append(d, "01-dimm-hotplug/timeline.jsonl",
	       "{\"t\":5.7,\"src\":\"guest\",\"type\":\"OUT\",\"idx\":0,\"text\":\"", SIZE_MAX);
	append(d, "01-dimm-hotplug/timeline.jsonl", big, 200000);
	append(d, "01-dimm-hotplug/timeline.jsonl", "\"}\n", SIZE_MAX);
	free(big);
}

static void test_hostile_text(void **state)
{
	char *d = copy_run(), *buf, *p;
	xmlDocPtr doc;
	size_t len;

	(void)state;
	make_hostile(d);
	buf = report(d, 1, &len);
	doc = parse_xml(buf, len);
	assert_int_equal((int)xnum(doc, "count(//*[local-name()='script'])"), 0);
	assert_null(strstr(buf, "<script"));
	assert_non_null(strstr(buf, "&lt;script&gt;alert(1)&lt;/script&gt; ]]&gt; &amp; &quot;q&quot;"));
	/* the title, as text, in the table and the section */
	assert_true(has_text(doc, "<script>alert(1)</script> ]]>"));
	assert_true(xnum(doc, "count(//*[local-name()='td' and contains(.,'<script>alert(1)')])") > 0);
	/* control bytes became '?', C1 too; the markup stays text */
	assert_true(has_text(doc, "ctl??[31mred? c1?? <b>bold</b> ]]> end"));
	assert_true(xnum(doc, "count(//*[local-name()='title' and contains(.,']]><script>x</script>')])") > 0);
	assert_no_controls(buf, len);
	/* the huge line is cut; the junk lines are counted */
	p = strstr(buf, "AAAA");
	assert_non_null(p);
	assert_true(strspn(p, "A") < 500);
	assert_true(has_text(doc, "1 lines not understood"));
	xmlFreeDoc(doc);
	free(buf);
	tu_rmtree(d);
}

/* 1000 QMP events: 300 drawn, the lane says how many were not. */
static void test_capped_lane(void **state)
{
	char *d = copy_run(), *buf, line[128];
	xmlDocPtr doc;
	size_t len;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(line, sizeof(line),
				 "{\"t\":%d.5,\"src\":\"qmp\",\"event\":\"E%d\"}\n", i % 30, i);

		append(d, "03-bar-surprise/timeline.jsonl", line, (size_t)n);
	}
	buf = report(d, 1, &len);
	doc = parse_xml(buf, len);
	assert_true(has_text(doc, "300 drawn, 701 more not"));
	assert_int_equal((int)xnum(doc, "count(//*[local-name()='g' and contains(@class,'lane-qmp')]"
				   "//*[local-name()='g' and @class='ev'])"), 306);	/* 300 + dimm-hotplug 5 + report-warn 1 */
	xmlFreeDoc(doc);
	free(buf);
	tu_rmtree(d);
}

/* A result with no timeline.jsonl still gets its section, and a note. */
static void test_missing_timeline(void **state)
{
	char *d = copy_run(), *buf, path[512];
	xmlDocPtr doc;
	size_t len;

	(void)state;
	snprintf(path, sizeof(path), "%s/02-report-warn/timeline.jsonl", d);
	assert_int_equal(unlink(path), 0);
	buf = report(d, 1, &len);
	doc = parse_xml(buf, len);
	assert_int_equal(count_class(doc, "svg", "timeline"), 2);
	assert_true(has_text(doc, "timeline.jsonl: "));
	/* the report and its frames come from verdict.json */
	assert_true(has_text(doc, "hpc_trigger_warn kmod/hpchaos_trigger.c"));
	xmlFreeDoc(doc);
	free(buf);
	tu_rmtree(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_run),
		cmocka_unit_test(test_hostile_text),
		cmocka_unit_test(test_capped_lane),
		cmocka_unit_test(test_missing_timeline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
