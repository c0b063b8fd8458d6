/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the report writer: the audit matrix (hpc-report --audit, and its
 * section of index.html). Every result of a run is classified by device
 * kind and fault from its own copy of the scenario file (parsed with
 * hpc_scenario_load) and counted by outcome in each (device, fault) cell
 * it falls in; docs/reports.md ("The audit matrix") says how.
 *
 *   report_audit.c      classification and the matrix: results, cells
 *   report_audit_out.c  the table, audit.json, the HTML, the --audit mode
 *
 * Everything kept from the run directory is an identifier checked against
 * a character set (directory and scenario names, action names) or one of
 * our own words, so the outputs carry no text the guest chose.
 */
#ifndef HPC_REPORT_AUDIT_H
#define HPC_REPORT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#include "hpc/report.h"
#include "hpc/scenario.h"

#define AUD_MAX_KINDS	12	/* device kinds of one result */
#define AUD_MAX_FAULTS	24	/* faults of one result */
#define AUD_NAME	49	/* a fault's name: [a-z0-9_-]{1,48} */
#define AUD_CYCLES_MAX	1000000000LL	/* largest cycle count believed */

/* One result to classify: from summary.json, or from the run's records. */
struct aud_input {
	const char *dir;	/* result directory name (checked) */
	const char *scenario;	/* NULL: derived from dir (NN-name[-rR]) */
	int verdict;		/* enum hpc_verdict or HPC_REP_NOTRUN */
	enum hpc_class cls;
};

struct aud_result {
	char dir[HPC_REP_NAME_MAX + 1];
	char scenario[HPC_SCN_NAME];
	int verdict;
	enum hpc_class cls;
	bool has_cycles;
	long long cyc_n, cyc_passed, cyc_failed, cyc_first_failed; /* -1: null */
	unsigned int ndev;
	const char *dev[AUD_MAX_KINDS];		/* our words */
	unsigned int nfault;
	char fault[AUD_MAX_FAULTS][AUD_NAME];
};

struct aud_cell {
	const char *device;
	char fault[AUD_NAME];
	unsigned int outcomes[HPC_REP_NVERDICTS];
	unsigned int classes[HPC_REP_NVERDICTS][HPC_C__COUNT];
	unsigned int cyc_results;		/* results that had cycles */
	long long cyc_n, cyc_passed, cyc_failed;
	size_t *res;				/* result indexes, in run order */
	size_t nres, cap;
	int worst;				/* the worst verdict of the cell */
	size_t first;				/* the first result of it */
};

struct audit {
	char *rundir;
	char *run_id;
	struct aud_result *res;
	size_t nres;
	struct aud_cell *cell;
	size_t ncell;
	unsigned int problems;	/* input files missing or malformed */
	FILE *err;		/* where each problem is said; NULL: counted only */
};

/* report_audit.c */
/*
 * The matrix of n results of the run in rundir: each result's verdict.json
 * and scenario file read, classified and counted. Problems with the input
 * are said on err (one line each, path and what was expected; err may be
 * NULL) and counted in a->problems. 0, or -1 out of memory.
 */
int rep_audit_build(struct audit *a, const char *rundir, const char *run_id,
		    const struct aud_input *in, size_t n, FILE *err);
void rep_audit_free(struct audit *a);
/* Rank of a verdict, 0 the worst (FAIL) */
int rep_audit_rank(int verdict);
/* Is name a result directory name ([A-Za-z0-9_.+-]{1,128}, not . or ..)? */
bool rep_audit_dir_ok(const char *name);

/* report_audit_out.c */
/* audit.json as a JSON object (NULL out of memory). */
struct json_object *rep_audit_json(const struct audit *a);
/* The table on the terminal. */
void rep_audit_table(const struct audit *a, FILE *out);
struct hx;
/* The matrix as an HTML <section> (for index.html and --html). */
void rep_audit_section(struct hx *h, const struct audit *a);
struct run;
/* The matrix of a run read by hpc-report, as a section of index.html. */
void rep_html_audit(struct hx *h, const struct run *r);
/* hpc-report --audit RUN_DIR [--json FILE] [--html FILE] [--quiet] */
int rep_audit_main(int argc, char **argv, FILE *out, FILE *err);

#endif
