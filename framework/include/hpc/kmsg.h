/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel log as /dev/kmsg gives it, and how the conductor decides what
 * is kernel output (docs/verdicts.md, "Where kernel reports come from").
 *
 * The guest agent reads /dev/kmsg and forwards records over its channel
 * (`KMSG <record>`, docs/internals.md). A record is one printk call, whole:
 * another CPU's text or a program's partial line cannot cut into it, and
 * its facility tells the kernel's own records (0) from those userspace
 * wrote to /dev/kmsg (the kernel forces facility >= 1 on those).
 *
 * The console is the fallback for what the agent could not forward (a
 * panic, a dead agent, a boot that died before the agent): hpc_kmerge keeps
 * the console lines printed after the last forwarded record it found on
 * the console, and only those are triaged from the console at the end.
 * Everything here is bounded; input may be hostile.
 */
#ifndef HPC_KMSG_H
#define HPC_KMSG_H

#include <stddef.h>
#include <stdint.h>

#include "hpc/triage.h"

/* Text bytes of a record that are kept (the kernel's limit is 1024). */
#define HPC_KMSG_TEXT_MAX	1024
#define HPC_KMSG_CALLER_MAX	12

struct hpc_kmsg {
	unsigned int prio;	/* facility << 3 | level */
	unsigned int facility;	/* 0: the kernel itself */
	unsigned int level;	/* 0 (emerg) .. 7 (debug) */
	uint64_t seq;
	uint64_t ts_usec;
	char flags;		/* '-', 'c' (continued), '+' ... */
	char caller[HPC_KMSG_CALLER_MAX];	/* "T12", "C0" or "" */
	/* unescaped (\xNN), NUL-terminated; '\n' separates the lines of a
	 * multi-line record; other bytes as the kernel wrote them */
	char text[HPC_KMSG_TEXT_MAX + 1];
	size_t text_len;
	int truncated;		/* text was longer than HPC_KMSG_TEXT_MAX */
};

/*
 * Parse one /dev/kmsg record line "prio,seq,ts_usec,flags[,k=v...];text"
 * (without its '\n' and without the " KEY=value" dictionary lines that
 * may follow it); len bytes, need not be NUL-terminated. Strict about the
 * header (canonical decimals, one flag character, ";"), lenient about the
 * text (a cut "\x" escape at the end is dropped). Returns 0 or -1.
 */
int hpc_kmsg_parse(const char *rec, size_t len, struct hpc_kmsg *out);

struct hpc_kmerge_stats {
	uint64_t records;		/* records received */
	uint64_t kernel_records;	/* of them facility 0, triaged */
	uint64_t lost;			/* records the agent reported lost */
	uint64_t matched;		/* records found on the console */
	size_t console_lines;		/* console lines seen */
	size_t tail_lines;		/* console lines triaged at the end */
	size_t tail_dropped;		/* console lines beyond the bound */
	size_t unverified_lines;	/* console lines triaged after a loss */
};

struct hpc_kmerge;

/* Feeds reports into t (not owned). NULL on allocation failure. */
struct hpc_kmerge *hpc_kmerge_new(struct hpc_triage *t);
void hpc_kmerge_free(struct hpc_kmerge *m);
/* A record the agent forwarded (any facility). */
void hpc_kmerge_record(struct hpc_kmerge *m, const struct hpc_kmsg *r);
/* n records were lost before the agent read them. */
void hpc_kmerge_lost(struct hpc_kmerge *m, uint64_t n);
/* One console line as received (any bytes, any length). */
void hpc_kmerge_console(struct hpc_kmerge *m, const char *line, size_t len);
/*
 * End of the run: triage the console lines printed after the last record
 * found on the console (all of them if no record ever was). Call once,
 * before hpc_triage_finish().
 */
void hpc_kmerge_finish(struct hpc_kmerge *m);
const struct hpc_kmerge_stats *hpc_kmerge_stats(const struct hpc_kmerge *m);
/*
 * The console line where record seq was printed (one of the last 4096
 * records found there), 0 if unknown.
 */
size_t hpc_kmerge_console_line(const struct hpc_kmerge *m, uint64_t seq);
/*
 * A report among the console lines after the last record found on the
 * console (what hpc_kmerge_finish() would triage now), NULL if none: an
 * early hint that the kernel died while the agent could not forward. The
 * verdict must come from the triage after hpc_kmerge_finish().
 */
const struct hpc_report *hpc_kmerge_tail_report(struct hpc_kmerge *m);
/*
 * Replay a run from its files: console.log (console_fd) as console lines,
 * then kmsg.log (kmsg_fd: record lines and "lost N" lines, as the conductor
 * writes it) as records. Either fd may be -1. Does not finish. Returns 0
 * or -errno.
 */
int hpc_kmerge_replay(struct hpc_kmerge *m, int console_fd, int kmsg_fd);

#endif
