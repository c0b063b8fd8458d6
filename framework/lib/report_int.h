/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the report writer (lib/report*.c), not for other users. The tool's
 * formats and decisions are in hpc/report.h.
 *
 *   report.c          hpc_report_main(): the modes (run directory, --verdict,
 *                     --field, --repro, --audit)
 *   report_run.c      the run: plan, run.json, every verdict.json
 *   report_vrec.c     one verdict.json as a record; how a record is shown
 *   report_text.c     untrusted text made safe: UTF-8, XML, KTAP, one line
 *   report_formats.c  summary.json, junit.xml, ktap.txt
 *   report_kcidb.c    kcidb.json (KernelCI KCIDB I/O schema v5.3)
 *   report_detail.c   the body of a junit.xml failure: reports, step output
 *   report_table.c    the table on the terminal
 *   report_html.c     index.html (with report_tl.c, report_svg.c: report_html.h)
 *   report_audit*.c   the audit matrix: hpc-report --audit, and in index.html
 *                     (report_audit.h)
 */
#ifndef HPC_REPORT_INT_H
#define HPC_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "hpc/report.h"

#define KTAP_TEXT_MAX	512	/* longest title/reason in ktap.txt */
#define SCEN_COL_MAX	40	/* widest scenario column in the table */
#define TABLE_MAX_ROWS	40	/* a soak run with more lists only failures */

struct plan_ent {
	char *name;
	unsigned int line;
};

/* One run directory: its plan, run.json and the records, in plan order. */
struct run {
	char *dir;
	struct plan_ent *ent;
	size_t n;
	struct hpc_vrec *v;
	struct json_object *runjson;
	bool interrupted;
	unsigned int counts[HPC_REP_NVERDICTS];
	double time;
	char finished[32];
	const char *kcidb_origin;	/* NULL: HPC_KCIDB_ORIGIN_DEFAULT */
};

/* report_text.c */
bool rep_nonempty(const char *s);
/* Copy of untrusted text: at most HPC_REP_TEXT_MAX bytes, valid UTF-8, no NUL. */
char *rep_clean_dup(const char *s, size_t len);
/* Printable ASCII on one line, in place: for the terminal and KTAP. */
size_t rep_ascii_line(char *s);

/* report_vrec.c */
/* The title/reason text shown for a verdict. */
const char *rep_vrec_text(const struct hpc_vrec *v);
/* Does the title start with "CLASS:" already? */
bool rep_title_has_class(const struct hpc_vrec *v);
/* "CLASS: title", "CLASS", "title" or the reason (malloc'ed) */
char *rep_fail_message(const struct hpc_vrec *v, const char *fallback);
/* Do two records have the same verdict, class and title? */
bool rep_same_outcome(const struct hpc_vrec *a, const struct hpc_vrec *b);

/* report_run.c */
int rep_read_plan(struct run *r, FILE *err);
void rep_read_runjson(struct run *r, FILE *err);
/* Every verdict.json of the plan, the counts and the total time. */
int rep_load_all(struct run *r, FILE *err);
void rep_run_free(struct run *r);
/* A string member of run.json, or NULL. */
const char *rep_run_string(const struct run *r, const char *key);
/* Is key one summary.json has of its own (not copied from run.json)? */
bool rep_reserved_key(const char *key);
/* Index of the first record of record i's scenario (plan order). */
size_t rep_first_of(const struct run *r, size_t i);
/* Does a scenario come more than once (a soak run)? */
bool rep_any_repeated(const struct run *r);

/* report_formats.c: the files written into the run directory. */
char *rep_build_summary(const struct run *r, size_t *len);
char *rep_build_junit(const struct run *r, size_t *len);
char *rep_build_ktap(const struct run *r, size_t *len);
/* report_html.c: index.html */
char *rep_build_html(const struct run *r, size_t *len);

/* report_kcidb.c: kcidb.json */
#define HPC_KCIDB_ORIGIN_DEFAULT	"hpchaos"
/* Does s match the KCIDB origin pattern [a-z0-9_]+ (at most 64)? */
bool rep_kcidb_origin_ok(const char *s);
/* $HPC_KCIDB_ORIGIN when set and valid (else a warning on err), or the default. */
const char *rep_kcidb_origin(FILE *err);
/* The KCIDB test status of a verdict (or HPC_REP_NOTRUN). */
const char *rep_kcidb_status(int verdict);
char *rep_build_kcidb(const struct run *r, size_t *len);
/* report_detail.c: the text of a junit.xml <failure>/<error> (malloc'd) */
char *rep_failure_body(const char *rundir, const struct hpc_vrec *v);

/* report_table.c */
void rep_print_table(const struct run *r, FILE *out, bool color);

#endif
