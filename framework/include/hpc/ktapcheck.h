/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Strict KTAP v1 checker (Documentation/dev-tools/ktap.rst) for the
 * ktap.txt files hpchaos writes; lib/ktap.c is the tolerant parser that
 * reads whatever a guest printed, this one says whether a file is valid.
 *
 * What it holds a file to (one problem per defect, "what is wrong (what was
 * expected)"):
 *  - The first line is a version line at column 0: "KTAP version 1" (the
 *    spec also lists "TAP version 13" and "TAP version 14" as accepted, at
 *    any level); "KTAP version N" for another N is an error.
 *  - A plan "1..N" (optionally followed by " # ...") right after the version
 *    line of each document, before its first result or subtest; missing is
 *    an error unless plan_optional (the spec allows it, hpchaos always
 *    writes one). A second plan, or one after results, is an error.
 *  - Result lines "ok|not ok N[ description][ # directive/diagnostic]": N is
 *    1 for the first test of a level and then +1; the description holds no
 *    '#'; the number of results of a level is its plan's N.
 *  - Nesting: a subtest is a whole document (version line first) indented
 *    one level deeper than its parent (indent spaces per level; 0: any
 *    deeper indentation); its lines share that indentation; it is closed by
 *    the parent's result line at the parent's indentation. Indentation is
 *    spaces; a tab in it is an error.
 *  - Names (descriptions) are unique within one level (an hpchaos promise,
 *    not a spec rule); empty names are not compared.
 *  - Diagnostic lines ("# ...") and unknown lines (anything else, any
 *    indentation) are allowed anywhere, as the spec says, except before the
 *    version line: the file begins with it.
 *
 * Bounded: only the first HPC_KCHECK_LINE_MAX bytes of a line are looked at
 * (a longer line is read to its end and the rest ignored); nesting deeper
 * than HPC_KCHECK_MAX_DEPTH is one error and the deeper lines are skipped;
 * names are compared over their first HPC_KCHECK_NAME_MAX bytes and at most
 * HPC_KCHECK_MAX_NAMES per file (beyond, names are not compared). No
 * recursion.
 */
#ifndef HPC_KTAPCHECK_H
#define HPC_KTAPCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define HPC_KCHECK_LINE_MAX	4096
#define HPC_KCHECK_MAX_DEPTH	16	/* levels below the top level */
#define HPC_KCHECK_NAME_MAX	256
#define HPC_KCHECK_MAX_NAMES	200000

struct hpc_kcheck_opts {
	unsigned int indent;	/* spaces per level; 0: any deeper indentation */
	bool plan_optional;	/* a document without a plan is valid (spec) */
};

/* One problem: line number (1-based) and "what is wrong (what was expected)". */
typedef void (*hpc_kcheck_fn)(void *arg, unsigned long line, const char *msg);

struct hpc_kcheck;

/* NULL when out of memory. opts NULL: indent 4, plan required. fn may be NULL. */
struct hpc_kcheck *hpc_kcheck_new(const struct hpc_kcheck_opts *opts,
				  hpc_kcheck_fn fn, void *arg);
void hpc_kcheck_free(struct hpc_kcheck *k);

/*
 * One line without its '\n' (any bytes; only the first HPC_KCHECK_LINE_MAX
 * are looked at). Returns the nesting depth of a version, plan or result
 * line (0: top level), or -1 for a diagnostic or unknown line or one that
 * is skipped.
 */
int hpc_kcheck_line(struct hpc_kcheck *k, const char *line, size_t len);
/* End of input: open levels and plans are checked. Idempotent. */
void hpc_kcheck_finish(struct hpc_kcheck *k);
/* Problems reported so far (0: valid, after finish). */
unsigned long hpc_kcheck_problems(const struct hpc_kcheck *k);

/*
 * Check a whole stream; each problem is printed to out as
 * "NAME:LINE: message". Returns the number of problems, or -1 on a read
 * error or out of memory (errno set).
 */
long hpc_kcheck_stream(FILE *in, const char *name,
		       const struct hpc_kcheck_opts *opts, FILE *out);

#endif
