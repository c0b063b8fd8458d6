/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Verdicts and failure classes: the words every report uses; the decision
 * of one run's verdict from what the conductor saw (hpc_judge); and
 * verdict.json, written and read here only.
 *
 * hpc_judge() has no state of its own: everything it looks at is in its
 * input, so the precedence table of docs/verdicts.md is tested row by row
 * (tests/test_verdict.c) without a guest.
 */
#ifndef HPC_VERDICT_H
#define HPC_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hpc/proto.h"

enum hpc_verdict {
	HPC_V_PASS,	/* safe revocation / scenario did what it should */
	HPC_V_RESET,	/* device reset and recovered, scenario allows it */
	HPC_V_XFAIL,	/* failed as a known baseline says it does */
	HPC_V_SKIP,	/* a requirement is missing; reason given */
	HPC_V_ERROR,	/* infrastructure failed; never the kernel's fault */
	HPC_V_FAIL,	/* the kernel (or module under test) failed: see class */
	HPC_V__COUNT
};

enum hpc_class {
	HPC_C_NONE,
	HPC_C_CRASH,	/* oops, BUG, panic */
	HPC_C_WARN,	/* WARNING: */
	HPC_C_KASAN,
	HPC_C_LOCKDEP,
	HPC_C_HANG,	/* hung task, soft/hard lockup, RCU stall, dead guest */
	HPC_C_STALE,	/* mirror used a page after its invalidation */
	HPC_C_CORRUPT,	/* data differs from what was written */
	HPC_C_LEAK,	/* pages or pgmap references never returned */
	HPC_C_TIMEOUT,	/* revocation/step did not finish in its bound */
	HPC_C_CHECK,	/* a scenario check step failed */
	HPC_C__COUNT
};

const char *hpc_verdict_name(enum hpc_verdict v);
const char *hpc_class_name(enum hpc_class c);
/* Return the enum for a name (case-sensitive, as printed), or -1. */
int hpc_verdict_parse(const char *s);
int hpc_class_parse(const char *s);

/* ---- the decision ---- */

struct hpc_scenario;
struct hpc_ktap;

/* A run or check step that exits with this (kselftest's skip) makes the run SKIP. */
#define HPC_KSFT_SKIP	4

/* How one guest step ended, as the agent reported it. */
struct hpc_step_result {
	int started, ended;
	char status[32];		/* as on the wire: "0", "sig9", "timeout" */
	uint64_t duration_ms;
	struct hpc_status st;
	char last_out[128];		/* its last non-empty output line (a skip's reason) */
};

/* An "outcome WORD" event from the guest (untrusted, kept printable). */
struct hpc_outcome_event {
	unsigned int what;		/* HPC_OUTCOME_*, 0 = not a known word */
	char word[33];
	double t;			/* host clock, s since the start */
};

/*
 * Everything the verdict depends on. Strings may be NULL (same as "").
 * Plain data: the caller owns it all.
 */
struct hpc_judge_in {
	const struct hpc_scenario *s;	/* steps, actions, known-fail, expect */
	const char *skip_reason;	/* a requirement is missing: SKIP */
	bool interrupted;		/* a signal stopped the conductor */
	bool connected;			/* QEMU connected to the three sockets */
	const char *why_stop;		/* why the run ended */
	const char *qemu_tail;		/* end of QEMU's stderr, one line */
	/* the triage's primary kernel report */
	bool report;
	enum hpc_class report_cls;
	const char *report_title;
	size_t report_line;		/* console line */
	const char *report_where;	/* "at console line N (...)", or NULL */
	const char *action_error;	/* a host action failed */
	int action_timeout;		/* index+1 of a device_del out of time */
	bool hello;			/* the agent said HELLO */
	size_t console_lines;
	bool boot_bound;		/* stopped at the boot bound, no HELLO */
	unsigned int boot_timeout_s;
	const char *console_last;	/* the last console line */
	double console_silent_s;	/* since it was printed */
	bool guest_exited;		/* the guest process ended */
	int guest_signal;		/* ...killed by this signal, else 0 */
	const char *shutdown_reason;	/* QMP SHUTDOWN reason */
	const struct hpc_step_result *steps;	/* s->nsteps of them */
	/*
	 * The kernel stack of a task of a step that ran out of time: the step
	 * (index + 1, 0: none), the task and the function it waits in
	 * (hpc_stuck_func; NULL or "": not known). The title then names it.
	 */
	int stuck_step;
	int stuck_pid;
	char stuck_state;
	const char *stuck_func;
	bool bye;			/* the agent said BYE */
	int bye_code;
	const struct hpc_outcome_event *outcomes;
	int noutcomes;
	/*
	 * The guest's KTAP, parsed (NULL: none); ktap_cut: lines of it were
	 * dropped on the way (the conductor's bound). A KTAP whose results
	 * were cut (here or by the reader's HPC_KTAP_MAX_RESULTS), that bailed
	 * out or has fewer top-level results than its plan never makes a failed
	 * check XFAIL: an unknown failure may be among those not seen.
	 */
	const struct hpc_ktap *ktap;
	bool ktap_cut;
};

struct hpc_decision {
	enum hpc_verdict v;
	enum hpc_class cls;
	char title[256];		/* "" for none */
	char reason[768];
};

/* The verdict of one run; the rules are docs/verdicts.md, "Precedence". */
void hpc_judge(const struct hpc_judge_in *in, struct hpc_decision *out);

/* Set every field of d (title may be NULL). */
void hpc_decision_set(struct hpc_decision *d, enum hpc_verdict v,
		      enum hpc_class c, const char *title, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));


/* ---- verdict.json (schema 1): written and read here only ---- */

struct json_object;

#define HPC_VERDICT_SCHEMA	1
#define HPC_VERDICT_FILE	"verdict.json"

/*
 * A new verdict.json object: "schema", then the decision as "verdict",
 * "class" (null for none), "title" (null for "") and "reason". The caller
 * adds the rest (scenario, file, groups, ...: docs/verdicts.md). NULL when
 * out of memory.
 */
struct json_object *hpc_verdict_json_new(const struct hpc_decision *d);

/*
 * Write o to DIR/verdict.json through hpc_runfile_write() (a temp file in
 * DIR, mode 0600 like the rest of the run directory, fsync, rename(2)). 0,
 * or -1 with errno set.
 */
int hpc_verdict_json_write(const char *dir, struct json_object *o);
/* A string member of verdict.json, borrowed from the parsed object. */
struct hpc_vstr {
	const char *s;			/* NULL: null or absent */
	size_t len;			/* may hold NUL bytes: use len */
};

/* What verdict.json says; every pointer borrowed from the root object. */
struct hpc_verdict_doc {
	struct hpc_vstr scenario;	/* required, not empty */
	struct hpc_vstr file, title, reason;
	struct hpc_vstr group;		/* the first of "groups", if not "" */
	enum hpc_verdict v;
	enum hpc_class cls;		/* HPC_C_NONE for null */
	struct json_object *seed;	/* an int, or NULL for null/absent */
	bool has_duration;
	double duration_s;
	bool interrupted;
};

/*
 * Check a parsed verdict.json against schema 1 and fill doc. 0, or -1 with
 * why (one line of printable ASCII) set: the first problem found.
 */
int hpc_verdict_json_read(struct json_object *root, struct hpc_verdict_doc *doc,
			  char *why, size_t wlen);
#endif
