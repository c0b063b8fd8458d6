/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers for the static guest programs (no libhpc in the guest):
 * time, strict number parsing, full writes and a bounded line reader.
 */
#ifndef HPCG_H
#define HPCG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t hpcg_mono_ns(void);

/*
 * Canonical decimal (digits only, no sign, no leading zeros) in the len
 * bytes at s, at most max. Returns 0 or -1.
 */
int hpcg_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);

/*
 * Fault injection handed over by hpc-fail: when the environment has
 * HPC_MAKE_IT_FAIL=1 (and maybe HPC_FAIL_NTH=N), turn on
 * /proc/thread-self/make-it-fail (and fail-nth) for the calling thread;
 * threads it creates afterwards inherit it. Call it when setup is done,
 * before starting the workload's threads. 1 when armed, 0 when not asked,
 * -errno on failure.
 */
int hpcg_fault_inject_arm(void);

/*
 * The same, confined to one stretch (a system call): the calling thread's
 * make-it-fail (and fail-nth) files are opened before anything is armed and
 * kept, so that hpcg_fault_inject_end() allocates nothing the injection
 * could fail (a write to them copies a few bytes to the stack); what the
 * program does afterwards (stdio buffers, output to tmpfs) meets no
 * failures. 1 when armed, 0 when not asked, -errno on failure (nothing
 * armed). hpcg_fault_inject_end() turns both off and closes the files; it
 * may be called after any return of hpcg_fault_inject_begin().
 */
struct hpcg_fault_scope {
	int make_it_fail;	/* fds, -1: not open */
	int fail_nth;
};

int hpcg_fault_inject_begin(struct hpcg_fault_scope *s);
void hpcg_fault_inject_end(struct hpcg_fault_scope *s);

/*
 * A size: canonical digits with an optional binary suffix K, M, G or T
 * (either case), non-zero. 0 with *out in bytes, or -1.
 */
int hpcg_parse_size(const char *s, uint64_t *out);

/*
 * A duration: digits with a unit ms, s (also none), m or h, non-zero, at
 * most 30 days. 0 with *ns in nanoseconds, or -1.
 */
int hpcg_parse_duration(const char *s, uint64_t *ns);

/* Write val to the existing file path (sysfs, debugfs, /proc). 0 or -errno. */
int hpcg_write_file(const char *path, const char *val);

/* write() all of buf, retrying on EINTR/short writes. 0 or -1. */
int hpcg_write_all(int fd, const void *buf, size_t n);

/*
 * Bounded line reader over a byte stream. Lines longer than cap bytes are
 * cut: the first cap bytes come out with *cut set, the rest is dropped up
 * to the next '\n'. Never allocates after init.
 */
struct hpcg_lines {
	char *buf;		/* cap + 1 bytes */
	size_t cap;
	size_t start;		/* first unconsumed byte */
	size_t end;		/* one past the last byte read */
	int skipping;		/* dropping the tail of a cut line */
	int eof;
};

int hpcg_lines_init(struct hpcg_lines *l, size_t cap);
void hpcg_lines_free(struct hpcg_lines *l);
/*
 * read() once from fd into the free space. Returns the byte count, 0 at
 * end of file (l->eof set), -1 on error (errno set; EAGAIN when empty).
 */
ssize_t hpcg_lines_fill(struct hpcg_lines *l, int fd);
/* Append bytes (for data that was not read from an fd); returns how many fit. */
size_t hpcg_lines_push(struct hpcg_lines *l, const char *data, size_t n);
/*
 * Next complete line (without '\n', NUL-terminated, valid until the next
 * call on l). With final set, a trailing line without '\n' is returned
 * too. Returns 1 with a line, 0 when none is complete.
 */
int hpcg_lines_next(struct hpcg_lines *l, int final, char **line,
		    size_t *len, int *cut);

#endif
