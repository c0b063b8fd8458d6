/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Crash triage: turn a kernel console log into failure reports, each with a
 * class (verdict.h) and a canonical title that is stable between runs (no
 * addresses, pids, timestamps or code offsets).
 *
 * The parser is streaming: feed console lines as they arrive; a report is
 * appended to the list (hpc_triage_count() grows) as soon as its title is
 * known, i.e. when the function that names it has been seen or when the
 * report's line window ran out. hpc_triage_finish() finalises what is still
 * pending at the end of the log.
 *
 * Memory is bounded: a fixed number of pending and kept reports, no
 * allocation per line. Input may be hostile (any bytes, any length).
 *
 * The patterns live in a data table (lib/triage_table.c); the title rules
 * are documented in tests/fixtures/triage/README.md.
 */
#ifndef HPC_TRIAGE_H
#define HPC_TRIAGE_H

#include <stddef.h>

#include "hpc/verdict.h"

#define HPC_TRIAGE_TITLE_MAX	256
#define HPC_TRIAGE_MAX_REPORTS	64	/* distinct reports kept in the list */
#define HPC_TRIAGE_MAX_PENDING	8	/* reports still looking for a title */
#define HPC_TRIAGE_LINE_MAX	1024	/* bytes of a line that are looked at */

enum hpc_report_src {
	HPC_SRC_CONSOLE,	/* a console line (hpc_triage_line) */
	HPC_SRC_KMSG,		/* a /dev/kmsg kernel record (hpc_triage_kline) */
};

struct hpc_report {
	enum hpc_class cls;
	char title[HPC_TRIAGE_TITLE_MAX];
	/*
	 * Where it starts: the 1-based console line (HPC_SRC_CONSOLE), or
	 * the reference the caller gave hpc_triage_kline() (the kmsg record
	 * sequence number, HPC_SRC_KMSG).
	 */
	size_t line;
	enum hpc_report_src src;
	int prio;		/* higher decides the verdict (table) */
	unsigned int count;	/* times this class+title was seen */
};

struct hpc_triage;

struct hpc_triage *hpc_triage_new(void);
void hpc_triage_free(struct hpc_triage *t);
/* Forget every line and report (the patterns stay compiled). */
void hpc_triage_reset(struct hpc_triage *t);
/*
 * One console line, without its newline; any bytes, any length. The console
 * is shared by the kernel and userspace, so a kernel line may start in the
 * middle of a console line (after a program's partial line, a \r, an
 * escape sequence or a stray byte): a report header is looked for at the
 * start of the line and after every printk timestamp "[  12.345678]" in it.
 */
void hpc_triage_line(struct hpc_triage *t, const char *line, size_t len);
/* The same, with the console line number given (reports keep it as line). */
void hpc_triage_line_at(struct hpc_triage *t, const char *line, size_t len,
			size_t lineno);
/*
 * One line of a kernel log record known to be kernel output (the text of a
 * /dev/kmsg record of facility 0, one line of it), without any printk
 * prefix. caller is the printk caller id ("T12", "C0") or "" when unknown;
 * ref is kept as the report's line (the record's sequence number).
 * Reports started here have src HPC_SRC_KMSG.
 */
void hpc_triage_kline(struct hpc_triage *t, const char *caller,
		      const char *text, size_t len, size_t ref);
/* End of the log: finalise pending reports. More lines may still follow. */
void hpc_triage_finish(struct hpc_triage *t);
/* Distinct reports, in the order they were completed. */
size_t hpc_triage_count(const struct hpc_triage *t);
const struct hpc_report *hpc_triage_get(const struct hpc_triage *t, size_t i);
/*
 * The report that decides the verdict: highest priority, then earliest
 * start line. May be a report that did not fit in the list. NULL if none.
 */
const struct hpc_report *hpc_triage_primary(const struct hpc_triage *t);
/* Reports still looking for their title (not in the list yet). */
size_t hpc_triage_pending(const struct hpc_triage *t);
/* Distinct reports that did not fit in the list. */
size_t hpc_triage_dropped(const struct hpc_triage *t);
/* Number of console lines fed so far. */
size_t hpc_triage_lines(const struct hpc_triage *t);

/*
 * Feed everything readable from fd (lines cut at 4096 bytes), without
 * finishing. Returns 0 or -errno.
 */
int hpc_triage_fd(struct hpc_triage *t, int fd);
/*
 * Read a whole file into a new, finished triage. Returns 0 and sets *out,
 * or -errno (and *out = NULL).
 */
int hpc_triage_file(const char *path, struct hpc_triage **out);

/*
 * Canonical title helpers, exposed for tests and for other parsers.
 * hpc_triage_func: the function named by a "func+0x1a/0x30 [mod]" token
 * found in s (the first such token; "[<ffffffff81234567>]" addresses are
 * passed over, bare addresses are not functions); compiler suffixes
 * (.isra.0, .cold, ...) are dropped.
 * Returns the length written to out (0: none found).
 */
size_t hpc_triage_func(const char *s, char *out, size_t outsz);
/* Replace numbers and addresses with NUM/ADDR, drop +0x../0x.. offsets. */
void hpc_triage_normalise(const char *in, char *out, size_t outsz);
/*
 * A printk timestamp prefix "[  12.345678]" (optionally followed by a caller
 * id "[    T1]" / "[  C0]") at s: returns its length including one space
 * after it, 0 if s does not start with one. *ts_usec gets the time in
 * microseconds, caller (csz bytes) the caller id or "".
 */
size_t hpc_triage_ts_prefix(const char *s, unsigned long long *ts_usec,
			    char *caller, size_t csz);
/* Does the stack walk pass over this function (scheduler, locks, ...)? */
int hpc_triage_skip_func(const char *func);

/* ---- the pattern table (data, lib/triage_table.c) ---- */

enum hpc_tsrc {
	HPC_TS_NONE,	/* the title is complete with the first line */
	HPC_TS_HEADER,	/* function in a capture; else RIP, else stack */
	HPC_TS_RIP,	/* function from "RIP: 0010:func+..."; else stack */
	HPC_TS_STACK,	/* first reliable, not skipped call-trace frame */
	HPC_TS_LOCK,	/* lockdep "..., at: func+..." line; else stack */
};

/* Absorbs FOLLOWER first lines from its own caller while pending. */
#define HPC_TF_LEADER		0x01u
/* Part of a pending LEADER's report (e.g. "invalid opcode: 0000 [#1]"). */
#define HPC_TF_FOLLOWER		0x02u
/* Only a consequence ("Fatal exception"): dropped if any report precedes. */
#define HPC_TF_CONSEQUENCE	0x04u
/* Takes continuation lines from every printk caller (cross-CPU dumps). */
#define HPC_TF_ANY_CALLER	0x08u

struct hpc_tpat {
	const char *name;	/* short identifier, for tests and debugging */
	enum hpc_class cls;
	int prio;
	/* literal the de-prefixed line must start with (fast filter) */
	const char *prefix;
	const char *regex;	/* POSIX ERE, anchored with ^ */
	/* %1..%9: normalised captures, %f: the function, %%: '%' */
	const char *title;
	const char *title_nofunc;	/* when no function was found */
	enum hpc_tsrc src;
	unsigned char func_group;	/* capture holding it (HPC_TS_HEADER) */
	unsigned short window;	/* following lines looked at for the func */
	unsigned int flags;
};

extern const struct hpc_tpat hpc_triage_table[];
extern const size_t hpc_triage_table_len;
/* Functions the stack walk passes over; a trailing '*' matches a prefix. */
extern const char *const hpc_triage_skip[];
extern const size_t hpc_triage_skip_len;

#endif
