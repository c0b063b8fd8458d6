/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Run-level report (the core of tools/hpc-report).
 *
 * Input, in RUN_DIR:
 *   plan                one scenario result directory name per line, in run
 *                       order; names match [A-Za-z0-9_.+-]{1,128}, not "."
 *                       or "..", no duplicates, no empty lines (a final
 *                       newline is optional; an empty file is an empty run)
 *   run.json            written by the runner; every top-level key is copied
 *                       into summary.json (missing/bad: warning, ignored)
 *   <name>/verdict.json written by the conductor (schema 1)
 *
 * Output, each written atomically (temp file in RUN_DIR, then rename), mode
 * 0600 like the rest of the run directory:
 *   summary.json  {"schema":1, <run.json keys>, "finished", "interrupted",
 *                  "counts", "results", "not_run", "by_scenario"};
 *                 "results" holds every
 *                 planned scenario that has a verdict.json (a malformed one
 *                 is an ERROR result), in plan order; "not_run" holds the
 *                 directory names of the others; "by_scenario" has one
 *                 entry per scenario name (soak runs repeat one), in order
 *                 of first appearance: "scenario", "runs", "counts" (the
 *                 verdicts that occurred), "failures" (each distinct
 *                 FAIL/ERROR verdict+class+title: "runs", "first" dir)
 *   junit.xml     one <testsuite name="hpchaos"> as the root element, valid
 *                 under Jenkins' and Ant's JUnit schemas both (docs/running.md,
 *                 "In CI"); a testcase per result that ran, SKIP/NOTRUN only
 *                 in <system-out>; a failure's text: lib/report_detail.c
 *   ktap.txt      KTAP version 1, one result line per planned scenario
 *   kcidb.json    KernelCI KCIDB I/O schema v5.3: version, one checkout and
 *                 one build (the kernel run.json names; ids "ORIGIN:RUN_ID"),
 *                 one test per planned scenario ("ORIGIN:RUN_ID.DIR", path
 *                 "hpchaos.SCENARIO", status: PASS/RESET PASS, XFAIL/FAIL
 *                 FAIL, ERROR ERROR, SKIP SKIP, NOTRUN MISS; our verdict,
 *                 class, title, reason, seed in "misc"); ORIGIN is
 *                 $HPC_KCIDB_ORIGIN if it matches [a-z0-9_]{1,64} (else a
 *                 warning), or "hpchaos". No nulls: absent values are left out.
 *
 * Decisions:
 * - The run is interrupted when --interrupted is given or any verdict.json
 *   says "interrupted": true.
 * - A planned scenario without verdict.json is NOTRUN when the run was
 *   interrupted. When the run was not interrupted it is an ERROR ("no
 *   verdict.json"): a scenario that silently never ran must not let a run
 *   pass.
 * - Totals: passed = PASS + RESET + XFAIL, failed = FAIL + ERROR,
 *   skipped = SKIP + NOTRUN.
 * - Exit status: 1 if any FAIL or ERROR; else 3 if interrupted; else 0.
 *   2 for usage errors, a bad or unreadable plan, or output that could not
 *   be written.
 * - Where "CLASS: title" is printed (JUnit failure message, ktap.txt,
 *   --verdict), a title that already starts with "CLASS:" (triage titles
 *   like "KASAN: use-after-free in memunmap_pages" do) is printed alone.
 * - ktap.txt lines: "ok N scenario", "not ok N scenario # FAIL CLASS: title",
 *   "not ok N scenario # ERROR: reason", "ok N scenario # SKIP reason",
 *   "ok N scenario # XFAIL reason" (or CLASS: title without a reason),
 *   "ok N scenario # RESET reason", "ok N dir # SKIP not run (interrupted)";
 *   text is printable ASCII, '#' becomes '?', at most 512 bytes.
 * - --verdict FILE prints "VERDICT[ CLASS][: text]" where text is the title,
 *   or the reason when there is no title; exit 1 for FAIL/ERROR (a missing
 *   or malformed file is ERROR), else 0.
 * - The table's first column is the scenario; when a scenario appears more
 *   than once (soak runs) it is the result directory, more than 40 rows list
 *   only results that did not pass or skip, and "per scenario:" lines with
 *   the verdict counts follow.
 * - --field FILE KEY[.KEY...] prints one scalar of a JSON file (a string as
 *   it is when it is one line of no control characters, an integer, a
 *   double, true/false); exit 1 when absent/null/not printable, 2 when the
 *   file is unreadable or not JSON. For the runner (run.json, verdict.json).
 * - --repro ORIG TRY... prints "repro: S/N tries gave LINE (same verdict and
 *   title)" (LINE as --verdict prints ORIG) and one "repro:   try K (DIR):
 *   LINE" per try whose verdict, class or title differ (a missing file is
 *   NOTRUN); exit 0 when all agree, 1 when not, 2 when ORIG is unreadable.
 * - --audit RUN_DIR [--json FILE] [--html FILE] [--quiet] reads RUN_DIR/summary.json
 *   and each result's verdict.json and NAME.scn, prints the audit matrix
 *   (device kind x fault x outcome) and writes RUN_DIR/audit.json (0600; FILE
 *   copies); exit 0, 1 when an input file was missing or malformed (said),
 *   2 when summary.json is unusable or an output could not be written
 *   (lib/report_audit.h, docs/reports.md "The audit matrix"). index.html has
 *   the matrix as a section.
 */
#ifndef HPC_REPORT_H
#define HPC_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include "hpc/verdict.h"

/* Extra verdict index: planned, but no verdict.json (run interrupted). */
#define HPC_REP_NOTRUN		HPC_V__COUNT
#define HPC_REP_NVERDICTS	(HPC_V__COUNT + 1)

#define HPC_REP_NAME_MAX	128		/* plan entry length */
#define HPC_REP_FILE_MAX	(16u << 20)	/* largest file read */
#define HPC_REP_TEXT_MAX	16384		/* longest string kept */

/* One scenario's outcome, from verdict.json (or its absence). */
struct hpc_vrec {
	char *scenario;		/* "scenario", or the directory name */
	char *dir;		/* plan entry; NULL for a lone verdict file */
	char *file;		/* NULL if absent */
	char *group;		/* first of "groups"; NULL if none */
	int verdict;		/* enum hpc_verdict or HPC_REP_NOTRUN */
	enum hpc_class cls;	/* HPC_C_NONE for null */
	char *title;		/* NULL for null */
	char *reason;		/* NULL for null */
	struct json_object *seed;	/* an int, or NULL for null/absent */
	bool has_duration;
	double duration_s;
	bool interrupted;
	/* for the junit.xml failure body (FAIL, ERROR only; else NULL) */
	struct json_object *reports;	/* verdict.json "reports" (an array) */
	struct json_object *stuck;	/* verdict.json "stuck" (an object) */
	char *step;		/* the first step that did not end with 0 */
	char *step_status;	/* its status; NULL: it did not end */
};

enum {
	HPC_VREC_OK,
	HPC_VREC_MISSING,	/* no such file: verdict is HPC_REP_NOTRUN */
	HPC_VREC_BAD,		/* unreadable/malformed: verdict is ERROR */
};

/*
 * Load one verdict.json. Always fills *v (free with hpc_vrec_free); dir may
 * be NULL. Returns HPC_VREC_*, or -1 when out of memory.
 */
int hpc_vrec_load(struct hpc_vrec *v, const char *path, const char *dir);
void hpc_vrec_free(struct hpc_vrec *v);

/* "PASS", ..., "FAIL", or "NOTRUN" */
const char *hpc_rep_verdict_name(int verdict);

/* "VERDICT[ CLASS][: text]", printable ASCII, cut to fit len. */
void hpc_vrec_line(const struct hpc_vrec *v, char *buf, size_t len);

/*
 * Text made fit for XML 1.0 (the XML writer escapes markup itself): tab,
 * newline and CR kept, invalid UTF-8 and characters XML 1.0 does not allow
 * (the other C0 controls, DEL, C1 controls, U+FFFE/U+FFFF) replaced by
 * '?'. Returns a malloc'd string or NULL.
 */
char *hpc_xml_clean(const char *s);

/*
 * Text for one KTAP result line: printable ASCII, no '#' (becomes '?'),
 * newlines and tabs become spaces, ANSI escapes dropped, at most max bytes.
 * Returns a malloc'd string or NULL.
 */
char *hpc_ktap_text_clean(const char *s, size_t max);

/* The whole tool: argv as for main(). Returns the exit status. */
int hpc_report_main(int argc, char **argv, FILE *out, FILE *err);

#endif
