/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tolerant streaming parser for KTAP v1 / TAP 13 output coming from an
 * untrusted guest (kselftest, KUnit, hmm-tests).
 *
 * Feed it one line at a time (without the newline). Only the first
 * HPC_KTAP_LINE_MAX bytes of a line are looked at; the line is made
 * printable first (ANSI escapes and '\r' dropped, other odd bytes become
 * '?'), so colour codes and CRLF do not matter.
 *
 * Nesting. A line starts with a prefix made of spaces, tabs and '#'.
 * Version, plan and result lines ("structural" lines) open or find a nesting
 * level by that prefix: the top level has the empty prefix, a structural line
 * whose prefix extends the prefix of an open level by anything ("    ",
 * "  ", "# ", "# # ", "#     ") opens the next level below it, and a
 * structural line with the prefix of an open level closes every level below
 * that one. This covers KTAP subtests indented by 4 spaces, kselftest harness
 * output nested by 2 spaces, and kselftest runner output where every line of
 * a test program is prefixed with "# ":
 *
 *	TAP version 13                          depth 0
 *	1..1                                    depth 0 plan
 *	# selftests: mm: hmm-tests              diagnostic
 *	# TAP version 13                        depth 1
 *	# 1..58                                 depth 1 plan
 *	# #  RUN           hmm.hmm_device_private.open ...
 *	# #            OK  hmm.hmm_device_private.open
 *	# ok 1 hmm.hmm_device_private.open      depth 1 result
 *	ok 1 selftests: mm: hmm-tests           depth 0 result
 *
 * Other lines are diagnostics or garbage: they never open levels and never
 * become results. Only a line that *starts* (after its prefix) with
 * "ok <n>" or "not ok <n>" is a result; "foo ok 1 bar" is garbage.
 *
 * Results without a name (kselftest harness of Linux <= 6.8 prints
 * "ok 3 # SKIP reason" for skipped tests) take the name from the last
 * "RUN <name>" diagnostic of the kselftest harness, if any.
 *
 * Directives (case-insensitive): SKIP -> SKIP; XFAIL -> XFAIL; TODO on a
 * "not ok" -> XFAIL, on an "ok" -> PASS (an unexpected pass); TIMEOUT and
 * ERROR -> FAIL. Anything else after '#' is kept as the reason and the
 * result follows ok / not ok. "\#" in a description is not a directive.
 */
#ifndef HPC_KTAP_H
#define HPC_KTAP_H

#include <stdbool.h>
#include <stddef.h>

#define HPC_KTAP_LINE_MAX	4096	/* bytes of a line that are parsed */
#define HPC_KTAP_NAME_MAX	128	/* incl. NUL */
#define HPC_KTAP_REASON_MAX	256	/* incl. NUL */
#define HPC_KTAP_MAX_RESULTS	4096	/* stored; more sets .truncated */
#define HPC_KTAP_MAX_DEPTH	8	/* deeper structural lines are ignored */
#define HPC_KTAP_PREFIX_MAX	64	/* longer prefixes: line is ignored */

enum hpc_ktap_res {
	HPC_KTAP_PASS,
	HPC_KTAP_FAIL,
	HPC_KTAP_SKIP,
	HPC_KTAP_XFAIL,
	HPC_KTAP__RES_COUNT
};

struct hpc_ktap_result {
	unsigned long number;		/* as printed (not checked) */
	unsigned int depth;		/* 0 = top level */
	enum hpc_ktap_res result;
	char name[HPC_KTAP_NAME_MAX];	/* printable ASCII, may be "" */
	char reason[HPC_KTAP_REASON_MAX]; /* directive text, may be "" */
};

struct hpc_ktap_info {
	/* from the first top-level version line; 0 if none */
	int version;
	bool ktap;			/* "KTAP version", not "TAP version" */
	long plan;			/* last top-level plan N, -1 if none */
	unsigned long counts[HPC_KTAP__RES_COUNT];	/* top level only */
	unsigned long total;		/* top-level results */
	unsigned long counts_all[HPC_KTAP__RES_COUNT];	/* every depth */
	/*
	 * Set (at the latest by hpc_ktap_finish) when the top level has no
	 * plan, or any level's result count differs from its plan (missing,
	 * extra or duplicated results), or a level had two plans.
	 */
	bool plan_mismatch;
	/* a result number was not previous + 1 (duplicate, gap, reorder) */
	bool bad_numbers;
	bool truncated;			/* more than HPC_KTAP_MAX_RESULTS */
	bool skip_all;			/* top-level "1..0 # SKIP reason" */
	bool bailed_out;		/* "Bail out!" at any depth */
	char reason[HPC_KTAP_REASON_MAX]; /* of skip_all / bail out */
	unsigned long lines;		/* lines fed */
	unsigned long long_lines;	/* lines cut at HPC_KTAP_LINE_MAX */
};

struct hpc_ktap;

/* NULL when out of memory. */
struct hpc_ktap *hpc_ktap_new(void);
void hpc_ktap_free(struct hpc_ktap *k);

/* One line, without its '\n'; may contain any bytes. Ignored after finish. */
void hpc_ktap_line(struct hpc_ktap *k, const char *line, size_t len);
/* Convenience: split a buffer at '\n' and feed each line. */
void hpc_ktap_text(struct hpc_ktap *k, const char *buf, size_t len);
/* End of input: closes open levels and checks their plans. Idempotent. */
void hpc_ktap_finish(struct hpc_ktap *k);

const struct hpc_ktap_info *hpc_ktap_info(const struct hpc_ktap *k);
size_t hpc_ktap_nresults(const struct hpc_ktap *k);
/* NULL when i is out of range. */
const struct hpc_ktap_result *hpc_ktap_result(const struct hpc_ktap *k,
					      size_t i);
/* Results of one kind at one depth (counted even beyond the stored ones). */
unsigned long hpc_ktap_count(const struct hpc_ktap *k, unsigned int depth,
			     enum hpc_ktap_res res);

/* "PASS", "FAIL", "SKIP", "XFAIL" */
const char *hpc_ktap_res_name(enum hpc_ktap_res r);

#endif
