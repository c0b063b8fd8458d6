// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for the audit matrix (lib/report_audit.c, report_audit_out.c):
 * hpc_report_main("--audit") on a copy of a run assembled from real result
 * directories (tests/fixtures/audit/run, see the README there), every cell
 * checked exactly; cycles, broken and hostile inputs added to copies; the
 * matrix in index.html. Device kinds and faults no real run has yet
 * (cxl-ram, CXL poison and event records, virtio-mem resize; SKIP, ERROR,
 * XFAIL) come from small scenario files written here, read by the same
 * parser.
 * Never use cmocka's skip() here: cmocka 1.1.5 prints skips as "not ok".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <libxml/parser.h>

#include "hpc/report.h"
#include "testutil.h"

#define FIX FIXTURES_DIR "/audit/run"

/* ---- helpers ---- */

static void spill(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(data, f);
	assert_int_equal(fclose(f), 0);
}

static void copy_file(const char *from, const char *to)
{
	char *buf = tu_slurp(from, NULL);

	spill(to, buf);
	free(buf);
}

/* A copy of the fixture run under /tmp: its files and each result's files. */
static char *copy_run(void)
{
	char *d = strdup("/tmp/hpc-audit-test.XXXXXX"), from[600], to[600];
	struct dirent *e, *f;
	DIR *top, *sub;

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	top = opendir(FIX);
	assert_non_null(top);
	while ((e = readdir(top))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(from, sizeof(from), "%s/%s", FIX, e->d_name);
		snprintf(to, sizeof(to), "%s/%s", d, e->d_name);
		sub = opendir(from);
		if (!sub) {
			copy_file(from, to);
			continue;
		}
		assert_int_equal(mkdir(to, 0700), 0);
		while ((f = readdir(sub))) {
			if (f->d_name[0] == '.')
				continue;
			snprintf(from, sizeof(from), "%s/%s/%s", FIX, e->d_name, f->d_name);
			snprintf(to, sizeof(to), "%s/%s/%s", d, e->d_name, f->d_name);
			copy_file(from, to);
		}
		closedir(sub);
	}
	closedir(top);
	return d;
}

struct outcome {
	int status;
	char *out, *err;
};

/* hpc-report --audit with up to four more arguments. */
static struct outcome audit(const char *a1, const char *a2, const char *a3,
			    const char *a4, const char *a5)
{
	char *argv[] = { "hpc-report", "--audit", (char *)a1, (char *)a2, (char *)a3,
			 (char *)a4, (char *)a5, NULL };
	struct outcome o = { 0 };
	size_t olen, elen;
	FILE *out = open_memstream(&o.out, &olen), *err = open_memstream(&o.err, &elen);
	int argc = 2;

	assert_non_null(out);
	assert_non_null(err);
	while (argv[argc])
		argc++;
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

/* "A B ..." of a JSON array of strings. */
static void join(struct json_object *arr, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(arr) && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? " " : "",
				      json_object_get_string(json_object_array_get_idx(arr, i)));
}

/*
 * One cell as "DEVICE FAULT P R X S E F N | CLASSES | EVIDENCE | WORST FIRST"
 * (counts in verdict order; classes "FAIL/HANG:1,..." or -).
 */
static void cell_line(struct json_object *c, char *buf, size_t cap)
{
	static const char *const v[] = { "PASS", "RESET", "XFAIL", "SKIP", "ERROR",
					 "FAIL", "NOTRUN" };
	struct json_object *out = tu_get(c, "outcomes");
	char cls[256] = "", ev[1024];
	size_t n;

	n = (size_t)snprintf(buf, cap, "%s %s", tu_str(c, "device"), tu_str(c, "fault"));
	for (size_t i = 0; i < 7; i++)
		n += (size_t)snprintf(buf + n, cap - n, " %d",
				      json_object_get_int(tu_get(out, v[i])));
	json_object_object_foreach(tu_get(c, "classes"), k, cnt) {
		size_t l = strlen(cls);

		snprintf(cls + l, sizeof(cls) - l, "%s%s:%d", l ? "," : "", k,
			 json_object_get_int(cnt));
	}
	join(tu_get(c, "evidence"), ev, sizeof(ev));
	snprintf(buf + n, cap - n, " | %s | %s | %s %s", cls[0] ? cls : "-", ev,
		 tu_str(c, "worst"), tu_str(c, "first"));
}

/* The cells of audit.json in dir against want (n lines as cell_line). */
static struct json_object *check_cells(const char *dir, const char *const *want, size_t n)
{
	struct json_object *o = tu_json_at(dir, "audit.json"), *cells = tu_get(o, "cells");
	char line[2048];

	assert_int_equal(json_object_get_int(tu_get(o, "schema")), 1);
	for (size_t i = 0; i < json_object_array_length(cells) && i < n; i++) {
		cell_line(json_object_array_get_idx(cells, i), line, sizeof(line));
		assert_string_equal(line, want[i]);
	}
	assert_int_equal(json_object_array_length(cells), n);
	return o;
}

/* ---- the fixture run ---- */

static const char *const fixture_cells[] = {
	"cxl-pmem unplug 0 1 0 0 0 0 0 | - | 07-cxl-devdax-unplug | RESET 07-cxl-devdax-unplug",
	"pci-bar surprise-removal 1 0 0 0 0 0 0 | - | 04-bar-surprise | PASS 04-bar-surprise",
	"pci-bar guest-removal 1 0 0 0 0 0 0 | - | 04-bar-surprise | PASS 04-bar-surprise",
	"dimm unplug 1 0 0 0 0 0 0 | - | 06-dimm-hotplug | PASS 06-dimm-hotplug",
	"dimm guest-removal 1 0 0 0 0 0 0 | - | 06-dimm-hotplug | PASS 06-dimm-hotplug",
	"nvdimm guest-removal 0 1 0 0 0 0 0 | - | 05-devdax-unbind | RESET 05-devdax-unbind",
	"device-private guest-removal 1 1 0 0 0 2 0 | FAIL/HANG:1,FAIL/CORRUPT:1 | "
	"08-owner-reown-traffic-r1 08-owner-reown-traffic-r2 09-owner-cluster-peer-loss "
	"10-owner-cluster-peer-loss | FAIL 08-owner-reown-traffic-r1",
	"device-private notifier-delay 1 0 0 0 0 1 0 | FAIL/HANG:1 | "
	"08-owner-reown-traffic-r1 08-owner-reown-traffic-r2 | FAIL 08-owner-reown-traffic-r1",
	"none fault-injection 1 0 0 0 0 0 0 | - | 02-mirror-workload | PASS 02-mirror-workload",
	"none notifier-delay 1 0 0 0 0 0 0 | - | 03-delay-race-munmap | PASS 03-delay-race-munmap",
	"none none 1 0 0 0 0 1 0 | FAIL/KASAN:1 | 01-mirror-selftest 11-owners-dev | FAIL 11-owners-dev",
};

static const char fixture_table[] =
	"audit of run 20261203-170033-dda4ab28: 12 results in 11 cells (device kind x fault; a result counts in each of its cells)\n"
	"DEVICE          FAULT            PASS RESET XFAIL SKIP ERROR FAIL NOTRUN  CYCLES  CLASSES                     EVIDENCE\n"
	"cxl-pmem        unplug              -     1     -    -     -    -      -  -       -                           07-cxl-devdax-unplug\n"
	"pci-bar         surprise-removal    1     -     -    -     -    -      -  -       -                           04-bar-surprise\n"
	"pci-bar         guest-removal       1     -     -    -     -    -      -  -       -                           04-bar-surprise\n"
	"dimm            unplug              1     -     -    -     -    -      -  -       -                           06-dimm-hotplug\n"
	"dimm            guest-removal       1     -     -    -     -    -      -  -       -                           06-dimm-hotplug\n"
	"nvdimm          guest-removal       -     1     -    -     -    -      -  -       -                           05-devdax-unbind\n"
	"device-private  guest-removal       1     1     -    -     -    2      -  -       FAIL/HANG:1,FAIL/CORRUPT:1  08-owner-reown-traffic-r1/verdict.json\n"
	"device-private  notifier-delay      1     -     -    -     -    1      -  -       FAIL/HANG:1                 08-owner-reown-traffic-r1/verdict.json\n"
	"none            fault-injection     1     -     -    -     -    -      -  -       -                           02-mirror-workload\n"
	"none            notifier-delay      1     -     -    -     -    -      -  -       -                           03-delay-race-munmap\n"
	"none            none                1     -     -    -     -    1      -  -       FAIL/KASAN:1                11-owners-dev/verdict.json\n";

/* Each result's classification: "DIR SCENARIO VERDICT CLASS | DEVICES | FAULTS". */
static const char *const fixture_results[] = {
	"01-mirror-selftest mirror-selftest PASS - | none | none",
	"02-mirror-workload mirror-workload PASS - | none | fault-injection",
	"03-delay-race-munmap delay-race-munmap PASS - | none | notifier-delay",
	"04-bar-surprise bar-surprise PASS - | pci-bar | surprise-removal guest-removal",
	"05-devdax-unbind devdax-unbind RESET - | nvdimm | guest-removal",
	"06-dimm-hotplug dimm-hotplug PASS - | dimm | unplug guest-removal",
	"07-cxl-devdax-unplug cxl-devdax-unplug RESET - | cxl-pmem | unplug",
	"08-owner-reown-traffic-r1 owner-reown-traffic FAIL HANG | device-private | notifier-delay guest-removal",
	"08-owner-reown-traffic-r2 owner-reown-traffic PASS - | device-private | notifier-delay guest-removal",
	"09-owner-cluster-peer-loss owner-cluster-peer-loss FAIL CORRUPT | device-private | guest-removal",
	"10-owner-cluster-peer-loss owner-cluster-peer-loss RESET - | device-private | guest-removal",
	"11-owners-dev owners-dev FAIL KASAN | none | none",
};

static void check_results(struct json_object *o)
{
	struct json_object *res = tu_get(o, "results");
	char line[1024], dev[256], fault[256];

	assert_int_equal(json_object_array_length(res), 12);
	for (size_t i = 0; i < 12; i++) {
		struct json_object *r = json_object_array_get_idx(res, i), *c = tu_get(r, "class");

		join(tu_get(r, "device"), dev, sizeof(dev));
		join(tu_get(r, "fault"), fault, sizeof(fault));
		snprintf(line, sizeof(line), "%s %s %s %s | %s | %s", tu_str(r, "dir"),
			 tu_str(r, "scenario"), tu_str(r, "verdict"),
			 c ? json_object_get_string(c) : "-", dev, fault);
		assert_string_equal(line, fixture_results[i]);
		assert_null(tu_get(r, "cycles"));
	}
}

static void test_fixture_matrix(void **state)
{
	char *d = copy_run(), json[600], html[600], path[600];
	struct outcome o;
	struct json_object *a, *c;
	struct stat st;
	char *x, *y;

	(void)state;
	snprintf(json, sizeof(json), "%s/copy.json", d);
	snprintf(html, sizeof(html), "%s/audit.html", d);
	o = audit(d, "--json", json, "--html", html);
	assert_string_equal(o.err, "");
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out, fixture_table);
	a = check_cells(d, fixture_cells, sizeof(fixture_cells) / sizeof(fixture_cells[0]));
	assert_string_equal(tu_str(a, "run_id"), "20261203-170033-dda4ab28");
	assert_int_equal(json_object_get_int(tu_get(a, "problems")), 0);
	check_results(a);
	/* a FAIL's evidence: its verdict.json (no console.log in the fixture) */
	c = json_object_array_get_idx(tu_get(a, "cells"), 6);
	assert_int_equal(json_object_array_length(tu_get(c, "files")), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(tu_get(c, "files"), 0)),
			    "08-owner-reown-traffic-r1/verdict.json");
	assert_null(tu_get(c, "cycles"));
	json_object_put(a);
	/* audit.json is private, and the --json copy the same */
	snprintf(path, sizeof(path), "%s/audit.json", d);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	x = tu_slurp(path, NULL);
	y = tu_slurp(json, NULL);
	assert_string_equal(x, y);
	free(x);
	free(y);
	x = tu_slurp(html, NULL);
	assert_non_null(strstr(x, "href=\"08-owner-reown-traffic-r1/verdict.json\""));
	assert_non_null(strstr(x, "<section id=\"audit\">"));
	xmlDocPtr doc = xmlReadMemory(x, (int)strlen(x), "audit.html", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	assert_non_null(doc);
	xmlFreeDoc(doc);
	free(x);
	outcome_free(&o);
	tu_rmtree(d);
}

/* ---- cycles ---- */

/* Add "cycles" (JSON text, or raw text with raw) to dir/res/verdict.json. */
static void set_cycles(const char *d, const char *res, const char *cycles)
{
	char path[600];
	struct json_object *v;

	snprintf(path, sizeof(path), "%s/%s/verdict.json", d, res);
	v = json_object_from_file(path);
	assert_non_null(v);
	json_object_object_add(v, "cycles", json_tokener_parse(cycles));
	assert_int_equal(json_object_to_file_ext(path, v, JSON_C_TO_STRING_PRETTY), 0);
	json_object_put(v);
}

static void test_cycles(void **state)
{
	char *d = copy_run();
	struct json_object *a, *c, *r;
	struct outcome o;

	(void)state;
	set_cycles(d, "08-owner-reown-traffic-r1",
		   "{\"n\":5,\"passed\":3,\"failed\":2,\"first_failed\":4}");
	set_cycles(d, "08-owner-reown-traffic-r2",
		   "{\"n\":5,\"passed\":5,\"failed\":0,\"first_failed\":null}");
	/* malformed: passed + failed over n; said, left out, the rest counted */
	set_cycles(d, "09-owner-cluster-peer-loss", "{\"n\":1,\"passed\":1,\"failed\":1}");
	o = audit(d, NULL, NULL, NULL, NULL);
	assert_int_equal(o.status, 1);
	assert_non_null(strstr(o.err, "/09-owner-cluster-peer-loss/verdict.json: \"cycles\" is not {"));
	assert_non_null(strstr(o.out, "FAIL/HANG:1,FAIL/CORRUPT:1"));
	assert_non_null(strstr(o.out, "  8/10    "));
	a = tu_json_at(d, "audit.json");
	assert_int_equal(json_object_get_int(tu_get(a, "problems")), 1);
	for (size_t k = 6; k <= 7; k++) {
		c = tu_get(json_object_array_get_idx(tu_get(a, "cells"), k), "cycles");
		assert_int_equal(json_object_get_int(tu_get(c, "results")), 2);
		assert_int_equal(json_object_get_int(tu_get(c, "n")), 10);
		assert_int_equal(json_object_get_int(tu_get(c, "passed")), 8);
		assert_int_equal(json_object_get_int(tu_get(c, "failed")), 2);
	}
	r = tu_get(json_object_array_get_idx(tu_get(a, "results"), 7), "cycles");
	assert_int_equal(json_object_get_int(tu_get(r, "first_failed")), 4);
	r = tu_get(json_object_array_get_idx(tu_get(a, "results"), 8), "cycles");
	assert_null(tu_get(r, "first_failed"));
	assert_null(tu_get(json_object_array_get_idx(tu_get(a, "results"), 9), "cycles"));
	json_object_put(a);
	outcome_free(&o);
	tu_rmtree(d);
}

/* ---- broken and hostile inputs ---- */

/* summary.json of d edited: result i's member key (or "not_run") set to JSON text v. */
static void set_result(const char *d, size_t i, const char *key, const char *v)
{
	char path[600];
	struct json_object *s;

	snprintf(path, sizeof(path), "%s/summary.json", d);
	s = json_object_from_file(path);
	assert_non_null(s);
	if (!strcmp(key, "not_run"))
		json_object_object_add(s, key, json_tokener_parse(v));
	else
		json_object_object_add(json_object_array_get_idx(tu_get(s, "results"), i),
				       key, json_tokener_parse(v));
	assert_int_equal(json_object_to_file_ext(path, s, JSON_C_TO_STRING_PRETTY), 0);
	json_object_put(s);
}

static const char *const broken_cells[] = {
	"cxl-pmem unplug 0 1 0 0 0 0 0 | - | 07-cxl-devdax-unplug | RESET 07-cxl-devdax-unplug",
	"nvdimm guest-removal 0 1 0 0 0 0 0 | - | 05-devdax-unbind | RESET 05-devdax-unbind",
	"device-private guest-removal 1 1 0 0 0 2 0 | FAIL/HANG:1,FAIL/CORRUPT:1 | "
	"08-owner-reown-traffic-r1 08-owner-reown-traffic-r2 09-owner-cluster-peer-loss "
	"10-owner-cluster-peer-loss | FAIL 08-owner-reown-traffic-r1",
	"device-private notifier-delay 1 0 0 0 0 1 0 | FAIL/HANG:1 | "
	"08-owner-reown-traffic-r1 08-owner-reown-traffic-r2 | FAIL 08-owner-reown-traffic-r1",
	"none fault-injection 1 0 0 0 0 0 0 | - | 02-mirror-workload | PASS 02-mirror-workload",
	"none none 0 0 0 0 1 0 0 | - | 11-owners-dev | ERROR 11-owners-dev",
	"unknown unknown 3 0 0 0 0 0 1 | - | 01-mirror-selftest 04-bar-surprise 06-dimm-hotplug "
	"12-boot-idle | PASS 01-mirror-selftest",
};

static void break_run(const char *d)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/04-bar-surprise/bar-surprise.scn", d);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/05-devdax-unbind/verdict.json", d);
	spill(path, "{\"verdict\": ");
	snprintf(path, sizeof(path), "%s/06-dimm-hotplug/dimm-hotplug.scn", d);
	spill(path, "name dimm-hotplug\nbogus directive\n");
	/* a link to a file that is not a scenario: refused unread */
	snprintf(path, sizeof(path), "%s/01-mirror-selftest/mirror-selftest.scn", d);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	/* names that would leave the run directory */
	set_result(d, 2, "dir", "\"../03-delay-race-munmap\"");
	set_result(d, 1, "scenario", "\"../../../etc/passwd\"");
	set_result(d, 11, "verdict", "\"MAYBE\"");
	set_result(d, 11, "class", "\"NOSUCH\"");
	set_result(d, 0, "not_run", "[\"12-boot-idle\", \"../x\"]");
}

static void test_broken_inputs(void **state)
{
	char *d = copy_run();
	struct json_object *a;
	struct outcome o;

	(void)state;
	break_run(d);
	o = audit(d, NULL, NULL, NULL, NULL);
	assert_int_equal(o.status, 1);
	assert_non_null(strstr(o.err, "/04-bar-surprise/bar-surprise.scn: No such file or directory (expected the scenario file as it ran; device and fault: unknown)\n"));
	assert_non_null(strstr(o.err, "/05-devdax-unbind/verdict.json: "));
	assert_non_null(strstr(o.err, "(expected verdict.json, a JSON object; its cycles left out)\n"));
	assert_non_null(strstr(o.err, "/06-dimm-hotplug/dimm-hotplug.scn:2: "));
	assert_non_null(strstr(o.err, "(expected a scenario file that lints; device and fault: unknown)\n"));
	assert_non_null(strstr(o.err, "/01-mirror-selftest/mirror-selftest.scn: not a regular file (expected the scenario file as it ran, a copy"));
	assert_non_null(strstr(o.err, "summary.json: results[2]: no \"dir\" that is a result directory name"));
	assert_non_null(strstr(o.err, "results[11] (11-owners-dev): \"verdict\" is not one of"));
	assert_non_null(strstr(o.err, "results[11] (11-owners-dev): \"class\" is not null or a class name"));
	assert_non_null(strstr(o.err, "summary.json: not_run[1]: not a result directory name; left out\n"));
	/* nothing of the hostile names reached a path or the outputs */
	assert_null(strstr(o.err, "etc/passwd.scn"));
	assert_null(strstr(o.out, "passwd"));
	a = check_cells(d, broken_cells, sizeof(broken_cells) / sizeof(broken_cells[0]));
	assert_int_equal(json_object_get_int(tu_get(a, "problems")), 8);
	json_object_put(a);
	outcome_free(&o);
	tu_rmtree(d);
}

static void test_bad_usage(void **state)
{
	char *d = strdup("/tmp/hpc-audit-test.XXXXXX"), path[600];
	struct outcome o;

	(void)state;
	assert_non_null(mkdtemp(d));
	o = audit(d, NULL, NULL, NULL, NULL);
	assert_int_equal(o.status, 2);
	assert_non_null(strstr(o.err, "/summary.json: No such file or directory (expected the run's summary.json"));
	outcome_free(&o);
	snprintf(path, sizeof(path), "%s/summary.json", d);
	spill(path, "[1, 2]\n");
	o = audit(d, NULL, NULL, NULL, NULL);
	assert_int_equal(o.status, 2);
	assert_non_null(strstr(o.err, "(expected summary.json: a JSON object with a \"results\" array)"));
	outcome_free(&o);
	snprintf(path, sizeof(path), "%s/audit.json", d);
	assert_int_equal(access(path, F_OK), -1);
	o = audit(NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(o.status, 2);
	assert_non_null(strstr(o.err, "usage: hpc-report --audit RUN_DIR"));
	outcome_free(&o);
	o = audit(d, "--json", NULL, NULL, NULL);
	assert_int_equal(o.status, 2);
	outcome_free(&o);
	o = audit("--help", NULL, NULL, NULL, NULL);
	assert_int_equal(o.status, 0);
	assert_non_null(strstr(o.out, "usage: hpc-report --audit RUN_DIR"));
	outcome_free(&o);
	tu_rmtree(d);
}

/* ---- the matrix in index.html ---- */

static void test_index_html(void **state)
{
	char *argv[] = { "hpc-report", NULL, "--quiet", NULL };
	char *d = copy_run(), path[600], *page;
	FILE *out = tmpfile(), *err = tmpfile();
	xmlDocPtr doc;

	(void)state;
	snprintf(path, sizeof(path), "%s/08-owner-reown-traffic-r1/console.log", d);
	spill(path, "[    0.000000] Linux version\n");
	argv[1] = d;
	assert_int_equal(hpc_report_main(3, argv, out, err), 1);
	fclose(out);
	fclose(err);
	snprintf(path, sizeof(path), "%s/index.html", d);
	page = tu_slurp(path, NULL);
	doc = xmlReadMemory(page, (int)strlen(page), "index.html", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	assert_non_null(doc);
	xmlFreeDoc(doc);
	assert_non_null(strstr(page, "<section id=\"audit\">"));
	assert_non_null(strstr(page, "<td>device-private</td>"));
	assert_non_null(strstr(page, "href=\"08-owner-reown-traffic-r1/console.log\""));
	assert_non_null(strstr(page, "<td>FAIL/HANG:1,FAIL/CORRUPT:1</td>"));
	/* hpc-report's own run writes no audit.json: only hpchaos audit does */
	snprintf(path, sizeof(path), "%s/audit.json", d);
	assert_int_equal(access(path, F_OK), -1);
	free(page);
	tu_rmtree(d);
}

/* ---- what no real run has yet: scenario files written here ---- */

static const char scn_cxl_ram[] =
	"name        cxl-ram-unplug\ndescription t\ngroups      t\n"
	"machine     type=q35 memory=512M cpus=2 cxl=on cxl-fmw=4G:cxl.1\n"
	"object      vmem0 memory-backend-ram size=256M\n"
	"device      cxl.1 pxb-cxl bus_nr=12 bus=pcie.0\n"
	"device      rp0 cxl-rp port=0 bus=cxl.1 chassis=0 slot=2\n"
	"device      rp1 cxl-rp port=1 bus=cxl.1 chassis=0 slot=3\n"
	"device      cxl0 cxl-type3 bus=rp0 volatile-memdev=vmem0\n"
	"emit  go\non    go device_del cxl0 until=unplugged\n"
	"run   inject : hpc-fail --failslab 10 -- true\n";
static const char scn_vmem[] =
	"name        vmem-resize\ndescription t\ngroups      t\n"
	"machine     type=pc memory=512M maxmem=2G slots=1 cpus=2 nodes=2\n"
	"object      vmem0 memory-backend-ram size=512M\n"
	"device      vm0 virtio-mem-pci memdev=vmem0 node=1 requested-size=256M block-size=2M\n"
	"run   knobs : cd /sys/kernel/debug/hpchaos && echo 100 >delay_invalidate_us\n"
	"emit  go\non    go qom-set /machine/peripheral/vm0 requested-size 128M\n";
static const char scn_cxl_poison[] =
	"name        cxl-poison\ndescription t\ngroups      t\n"
	"requires    qemu cxl-inject-poison\nrequires    qemu cxl-inject-general-media-event\n"
	"machine     type=q35 memory=512M cpus=2 cxl=on cxl-fmw=4G:cxl.1\n"
	"object      v0 memory-backend-ram size=256M\n"
	"object      m0 memory-backend-file size=512M share=on mem-path=@m0.img\n"
	"object      l0 memory-backend-file size=1M share=on mem-path=@l0.img\n"
	"device      cxl.1 pxb-cxl bus_nr=12 bus=pcie.0\n"
	"device      rp0 cxl-rp port=0 bus=cxl.1 chassis=0 slot=2\n"
	"device      rp1 cxl-rp port=1 bus=cxl.1 chassis=0 slot=3\n"
	"device      cxl0 cxl-type3 bus=rp0 volatile-memdev=v0 persistent-memdev=m0 lsa=l0\n"
	"emit  go\non    go cxl-inject-poison cxl0 16M 4096\n"
	"on    go cxl-inject-general-media-event cxl0 failure 4K descriptor=1\n";
static const char scn_devpriv[] =
	"name        devpriv\ndescription t\ngroups      t\n"
	"run   load : modprobe hpchaos && hpc-provider add --pages 16 >/tmp/p\n"
	"check revoke : hpc-provider revoke \"$(cat /tmp/p)\"\n";

static void result_dir(const char *d, const char *dir, const char *name, const char *scn)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", d, dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/%s/%s.scn", d, dir, name);
	spill(path, scn);
	snprintf(path, sizeof(path), "%s/%s/verdict.json", d, dir);
	spill(path, "{\"schema\": 1}\n");
}

static const char *const written_cells[] = {
	"cxl-pmem poison 0 0 0 0 0 1 0 | FAIL/CORRUPT:1 | 04-cxl-poison | FAIL 04-cxl-poison",
	"cxl-pmem event-record 0 0 0 0 0 1 0 | FAIL/CORRUPT:1 | 04-cxl-poison | FAIL 04-cxl-poison",
	"cxl-ram unplug 0 0 0 1 0 0 0 | - | 01-cxl-ram-unplug | SKIP 01-cxl-ram-unplug",
	"cxl-ram poison 0 0 0 0 0 1 0 | FAIL/CORRUPT:1 | 04-cxl-poison | FAIL 04-cxl-poison",
	"cxl-ram event-record 0 0 0 0 0 1 0 | FAIL/CORRUPT:1 | 04-cxl-poison | FAIL 04-cxl-poison",
	"cxl-ram fault-injection 0 0 0 1 0 0 0 | - | 01-cxl-ram-unplug | SKIP 01-cxl-ram-unplug",
	"virtio-mem resize 0 0 0 0 1 0 0 | ERROR/TIMEOUT:1 | 02-vmem-resize | ERROR 02-vmem-resize",
	"virtio-mem notifier-delay 0 0 0 0 1 0 0 | ERROR/TIMEOUT:1 | 02-vmem-resize | ERROR 02-vmem-resize",
	"device-private guest-removal 0 0 1 0 0 0 0 | - | 03-devpriv | XFAIL 03-devpriv",
};

static void test_written_scenarios(void **state)
{
	char *d = strdup("/tmp/hpc-audit-test.XXXXXX"), path[600];
	struct json_object *a;
	struct outcome o;

	(void)state;
	assert_non_null(mkdtemp(d));
	result_dir(d, "01-cxl-ram-unplug", "cxl-ram-unplug", scn_cxl_ram);
	result_dir(d, "02-vmem-resize", "vmem-resize", scn_vmem);
	result_dir(d, "03-devpriv", "devpriv", scn_devpriv);
	result_dir(d, "04-cxl-poison", "cxl-poison", scn_cxl_poison);
	snprintf(path, sizeof(path), "%s/summary.json", d);
	spill(path, "{\"schema\":1,\"run_id\":\"written\",\"results\":["
		    "{\"dir\":\"01-cxl-ram-unplug\",\"verdict\":\"SKIP\",\"class\":null},"
		    "{\"dir\":\"02-vmem-resize\",\"scenario\":\"vmem-resize\",\"verdict\":\"ERROR\",\"class\":\"TIMEOUT\"},"
		    "{\"dir\":\"03-devpriv\",\"scenario\":\"devpriv\",\"verdict\":\"XFAIL\",\"class\":\"CHECK\"},"
		    "{\"dir\":\"04-cxl-poison\",\"verdict\":\"FAIL\",\"class\":\"CORRUPT\"}]}\n");
	o = audit(d, "-q", NULL, NULL, NULL);
	assert_string_equal(o.err, "");
	assert_string_equal(o.out, "");
	assert_int_equal(o.status, 0);
	a = check_cells(d, written_cells, sizeof(written_cells) / sizeof(written_cells[0]));
	json_object_put(a);
	outcome_free(&o);
	tu_rmtree(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_matrix),
		cmocka_unit_test(test_cycles),
		cmocka_unit_test(test_broken_inputs),
		cmocka_unit_test(test_bad_usage),
		cmocka_unit_test(test_index_html),
		cmocka_unit_test(test_written_scenarios),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
