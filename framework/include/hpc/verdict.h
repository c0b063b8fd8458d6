/* SPDX-License-Identifier: GPL-2.0 */
/* Verdicts and failure classes: the words every report uses. */
#ifndef HPC_VERDICT_H
#define HPC_VERDICT_H

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

#endif
