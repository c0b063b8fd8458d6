/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scenario files: parsing and validation. A scenario is data: the machine,
 * the guest steps, the host actions and their triggers. See docs/scenarios.md.
 */
#ifndef HPC_SCENARIO_H
#define HPC_SCENARIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hpc/proto.h"
#include "hpc/verdict.h"

#define HPC_SCN_MAX_STEPS	HPC_MAX_STEPS
#define HPC_SCN_MAX_ACTIONS	64
#define HPC_SCN_MAX_DEVICES	32
#define HPC_SCN_MAX_REQS	32
#define HPC_SCN_MAX_GROUPS	8
#define HPC_SCN_MAX_PROPS	16
#define HPC_SCN_NAME		65	/* names: [A-Za-z0-9_.:+-]{1,64} */
#define HPC_SCN_TEXT		1024
#define HPC_SCN_MAX_KNOWN	32
#define HPC_SCN_MAX_GUEST_EVENTS 32

/*
 * Outcomes of a device loss. Programs in the guest report one by writing
 * "outcome reset" or "outcome revoke" to $HPC_EVENTS; the event name is
 * reserved for this and declared implicitly.
 */
#define HPC_EV_OUTCOME		"outcome"
#define HPC_OUTCOME_REVOKE	1u	/* access revoked cleanly */
#define HPC_OUTCOME_RESET	2u	/* device lost, user space saw it fail */

struct hpc_step {
	enum hpc_step_kind kind;
	char name[HPC_SCN_NAME];
	unsigned int timeout_s;
	enum hpc_class fail_class;	/* class when it fails, if judged */
	int judged;			/* failure is FAIL (check; reap with class=) */
	char payload[HPC_SCN_TEXT];
	int line;
	int line_end;			/* its last physical line (continuations) */
};

struct hpc_prop {
	char key[HPC_SCN_NAME];
	char val[256];
};

/* An -object or -device: id, type/driver, properties. */
struct hpc_device {
	int is_object;
	int hotplug;		/* device: only plugged by a device_add action */
	char id[HPC_SCN_NAME];
	char driver[HPC_SCN_NAME];
	struct hpc_prop props[HPC_SCN_MAX_PROPS];
	int nprops;
	int line;
};

enum hpc_action_kind {
	HPC_ACT_DEVICE_ADD, HPC_ACT_DEVICE_DEL, HPC_ACT_QOM_SET,
	HPC_ACT_SIGNAL,
	/* CXL faults of a cxl-type3 (QEMU 8+; lib/scenario_cxl.c) */
	HPC_ACT_CXL_POISON, HPC_ACT_CXL_UNCOR, HPC_ACT_CXL_COR,
	HPC_ACT_CXL_GMEDIA, HPC_ACT_CXL_DRAM, HPC_ACT_CXL_MODULE,
	HPC_ACT__COUNT
};

#define HPC_CXL_MAX_FIELDS	12

/* A number field of a CXL event record (flags=, dpa given apart). */
struct hpc_cxl_field {
	char key[32];
	long long val;
};

#define HPC_SCN_MAX_MS		3600000	/* after=, every=, @MS: at most an hour */
#define HPC_SCN_MIN_EVERY_MS	10
#define HPC_SCN_MAX_FIRINGS	1000	/* count= bound, and the default of every= */

/*
 * A host action. Timing: the first firing is after_min..after_max ms after
 * the trigger (drawn uniformly from the run's seed when min < max); with
 * every_min > 0 it fires again every every_min..every_max ms (each interval
 * drawn), count firings in all, until the scenario ends.
 */
struct hpc_action {
	char on[HPC_SCN_NAME];		/* trigger event ("boot" for on @MS) */
	int at;				/* "on @MS": ms after the agent's HELLO */
	unsigned int after_min_ms, after_max_ms;	/* delay after the trigger */
	unsigned int every_min_ms, every_max_ms;	/* 0: fires once */
	unsigned int count;		/* firings in all (1 without every=) */
	int count_given;		/* count= was written */
	enum hpc_action_kind kind;
	char target[HPC_SCN_NAME];	/* device id (add/del) */
	char path[256];			/* qom-set */
	char prop[HPC_SCN_NAME];
	char value[256];
	char emit[HPC_SCN_NAME];	/* host event sent when done ("" = none) */
	unsigned int timeout_s;		/* device_del: bound for DEVICE_DELETED */
	/*
	 * device_del until=unplugged: done when the device has left QEMU's
	 * /machine/peripheral (QEMU took it off its bus after the guest's
	 * part of the hot-unplug), without waiting for DEVICE_DELETED, which
	 * QEMU 7.2 never sends for a cxl-type3 (the object is not finalized)
	 */
	int until_unplugged;
	/*
	 * cxl-inject-*: target is the cxl-type3's id; value the error types
	 * (uncorrectable: a comma list, the first is the first error pointer;
	 * correctable: one) or the event log; start and length the DPA range
	 * (poison), start the DPA of a media or DRAM event; fields the other
	 * numbers of an event record, as given
	 */
	unsigned long long cxl_start, cxl_len;
	struct hpc_cxl_field cxl_fields[HPC_CXL_MAX_FIELDS];
	unsigned int ncxl_fields;
	int line;
	int line_end;			/* its last physical line (continuations) */
};

enum hpc_req_kind { HPC_REQ_CONFIG, HPC_REQ_MODULE, HPC_REQ_QEMU };

struct hpc_req {
	enum hpc_req_kind kind;
	char what[HPC_SCN_NAME];
	int if_known;			/* config: only where the kernel has the option */
	int line;
};

/*
 * A CXL Fixed Memory Window (QEMU -M cxl-fmw.N.*): a range of host physical
 * addresses decoded by one or more CXL host bridges (pxb-cxl devices),
 * interleaved across them when there are several.
 */
#define HPC_SCN_MAX_FMW		4
#define HPC_SCN_MAX_FMW_TARGETS	16

struct hpc_cxl_fmw {
	char size[16];			/* as written: 4G (a multiple of 256M) */
	char targets[HPC_SCN_MAX_FMW_TARGETS][HPC_SCN_NAME];	/* pxb-cxl ids */
	unsigned int ntargets;		/* interleave ways: 1, 2, 3, 4, 6, 8, 12, 16 */
	unsigned int granularity;	/* bytes, 256..16384; 0: QEMU's default */
	int line;
};

struct hpc_machine {
	char type[16];			/* pc | q35 */
	int type_line;
	char memory[16];		/* e.g. 512M */
	char maxmem[16];		/* "" = no hotplug slots */
	unsigned int slots;
	unsigned int cpus;
	int nvdimm;			/* -M ...,nvdimm=on */
	unsigned int nodes;		/* NUMA nodes; all boot memory on node 0 */
	int cxl;			/* -M ...,cxl=on (q35 only) */
	int cxl_line;
	struct hpc_cxl_fmw fmw[HPC_SCN_MAX_FMW];	/* cxl-fmw=SIZE:HB[+HB...][:GRAN] */
	unsigned int nfmw;
	char append[256];		/* extra kernel command line */
};

struct hpc_scenario {
	char file[4096];
	char name[HPC_SCN_NAME];
	int name_line;
	char description[256];
	char groups[HPC_SCN_MAX_GROUPS][HPC_SCN_NAME];
	int ngroups;
	int groups_line;		/* 0: no groups line yet */
	unsigned int timeout_s;		/* whole run, host clock */
	unsigned int boot_timeout_s;	/* until the agent says HELLO */
	struct hpc_machine machine;
	struct hpc_req reqs[HPC_SCN_MAX_REQS];
	int nreqs;
	struct hpc_device devices[HPC_SCN_MAX_DEVICES];
	int ndevices;
	struct hpc_step steps[HPC_SCN_MAX_STEPS];
	int nsteps;
	struct hpc_action actions[HPC_SCN_MAX_ACTIONS];
	int nactions;
	/* known-fail: KTAP test names (fnmatch patterns) that fail without any
	 * injection on this kernel; a check failing only with these is XFAIL */
	char known[HPC_SCN_MAX_KNOWN][128];
	int nknown;
	char known_reason[256];
	int known_line;
	/* guest-events: events programs in the guest send through the
	 * agent's FIFO ($HPC_EVENTS), declared so that `on` may use them */
	char guest_events[HPC_SCN_MAX_GUEST_EVENTS][HPC_SCN_NAME];
	int nguest_events;
	/* expect: outcomes the device loss may end in (HPC_OUTCOME_* bits);
	 * 0: nothing may be lost, an outcome event is a FAIL */
	unsigned int expect;
	int expect_line;
};

/*
 * A size as scenarios and QEMU write it: decimal digits with an optional
 * binary suffix K, M, G or T. 0 with *bytes set, -1 if it is not one or
 * does not fit in 63 bits. *suffixed says whether a suffix was given.
 */
int hpc_size_parse(const char *v, unsigned long long *bytes, int *suffixed);

/*
 * Parse and validate FILE. On error returns -1 and writes one line per
 * problem to err ("FILE:LINE: message"), at most max_errors of them.
 * FILE must be a regular file named *.scn (a symbolic link only to such a
 * file): anything else is refused unread, as "FILE:0: ...". A NUL byte, a
 * control character or a line over 4096 bytes is an error of its line.
 */
int hpc_scenario_load(const char *file, struct hpc_scenario *s, FILE *err,
		      int max_errors);

const struct hpc_device *hpc_scenario_device(const struct hpc_scenario *s,
					      const char *id);
/*
 * Group matching, the one place of it (hpc-scenario info --group|--named
 * does it for the runner): is the scenario in group? Does word name it:
 * "all", its name or one of its groups?
 */
int hpc_scenario_in_group(const struct hpc_scenario *s, const char *group);
int hpc_scenario_named(const struct hpc_scenario *s, const char *word);

/*
 * Check requirements against a kernel .config and a modules list (one
 * module name per line, may be NULL). Returns 0 if met, else 1 and a reason.
 */
int hpc_scenario_check_reqs(const struct hpc_scenario *s, const char *kconfig,
			    const char *modules, char *reason, size_t cap);

/*
 * Append the QEMU arguments for the scenario's machine and boot devices to
 * argv (NULL-terminated, at most cap entries). Strings are malloc'ed.
 * Returns the new count, or -1 if cap is too small.
 */
int hpc_scenario_qemu_args(const struct hpc_scenario *s, char **argv, int n,
			   int cap);
/*
 * The -M value ("q35,nvdimm=on,cxl=on,cxl-fmw.0...."; with_type 0: without
 * the machine type, "" if nothing else). -1 if cap is too small.
 */
int hpc_machine_opts(const struct hpc_machine *m, int with_type, char *buf,
		     size_t cap);
/*
 * "driver,id=ID,k=v,..." for -device/-object (malloc'ed, NULL if too long):
 * @NAME file values become PREFIX NAME ("DIR/", "POOL/DOMAIN."), or NAME
 * relative to QEMU's working directory with prefix NULL.
 */
char *hpc_device_opts(const struct hpc_device *d, const char *prefix);
struct json_object;
/* The QMP device_add arguments for a hotplug device (a new JSON object). */
struct json_object *hpc_device_qmp_args(const struct hpc_device *d);
/*
 * A cxl-inject-* action: its QMP command (the action's name) and arguments
 * (a new JSON object; path is the device's QOM path /machine/peripheral/ID).
 */
struct json_object *hpc_cxl_qmp_args(const struct hpc_action *a);
/* The name of an action kind: device_add, qom-set, cxl-inject-poison, ... */
const char *hpc_action_kind_name(enum hpc_action_kind kind);
/*
 * Check the scenario's "requires qemu COMMAND" lines against a file of the
 * QEMU's QMP commands, one per line (NULL: not known, every such line is
 * unmet). Returns 0 if met, else 1 and a reason naming the command.
 */
int hpc_scenario_check_qemu(const struct hpc_scenario *s, const char *commands,
			    char *reason, size_t cap);

/* "revoke" -> HPC_OUTCOME_REVOKE, "reset" -> HPC_OUTCOME_RESET, else 0. */
unsigned int hpc_outcome_parse(const char *word);
const char *hpc_outcome_name(unsigned int outcome);
/* "revoke", "reset", "revoke or reset" for a mask of outcomes ("" for 0). */
const char *hpc_outcome_list(unsigned int mask);

/*
 * The schedule's random numbers. Every random choice of the conductor is
 * drawn from a splitmix64 stream of its own per action: its state starts at
 * a hash of the run's seed and the action's index, and draw k is the k-th
 * output. Adding an action at the end changes no other action's draws, and
 * draw k of an action is the same whatever happened before it.
 */
uint64_t hpc_sched_rand(uint64_t seed, unsigned int action, unsigned int k);

/*
 * The delay before firing k of action idx, in ms: k = 0 is the delay after
 * the trigger (after=, or @MS), k >= 1 the interval after the planned time
 * of firing k-1 (every=). A fixed value is returned as is; a range MIN-MAX
 * is drawn uniformly from hpc_sched_rand(seed, idx, k).
 */
unsigned int hpc_action_delay_ms(const struct hpc_action *a, uint64_t seed,
				 unsigned int idx, unsigned int k);

/* The timing as written: "@500", "after=100-200 every=1000 count=3", "". */
void hpc_action_timing(const struct hpc_action *a, char *buf, size_t cap);

/*
 * The units 'hpchaos minimise' can take out of a scenario: guest steps and
 * host actions, in file order, with the physical lines each takes (first:
 * the line the parser names it by; last: its last continuation line). An
 * action's drawn first delay (after=MIN-MAX, @MIN-MAX; delay_min < delay_max
 * when drawn) and its count= (0: not written) can be narrowed.
 */
struct hpc_scn_unit {
	int is_action;
	int first, last;
	char desc[200];			/* "run load", "on go signal poke" */
	int delay_at;			/* the delay is an @MS trigger */
	unsigned int delay_min, delay_max;
	unsigned int count;
};

/* Fills u (cap entries); returns how many, or -1 if cap is too small. */
int hpc_scenario_units(const struct hpc_scenario *s, struct hpc_scn_unit *u,
		       int cap);

enum hpc_edit_key { HPC_EDIT_DROP, HPC_EDIT_AT, HPC_EDIT_AFTER, HPC_EDIT_COUNT };

/* Drop the unit that starts at line, or set its @MS, after= or count=. */
struct hpc_scn_edit {
	int line;
	enum hpc_edit_key key;
	char value[16];			/* digits: the new value */
};

/*
 * Write s's file (loaded, so valid) to out with the edits applied: dropped
 * units lose all their lines (comments stay); a set replaces the one word.
 * -1 and a message on err when an edit names no unit or does not fit it.
 * What comes out must be linted again (a wait whose event went with a
 * dropped step is the linter's to find).
 */
int hpc_scenario_edit(const struct hpc_scenario *s,
		      const struct hpc_scn_edit *e, int ne, FILE *out,
		      FILE *err);

#endif
