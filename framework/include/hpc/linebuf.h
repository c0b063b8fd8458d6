/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bounded line splitter for untrusted byte streams (guest console, agent
 * channel both ways, QMP, the agent's step output and event FIFO); core:
 * linked by the host tools and the guest programs alike. Lines longer than
 * the limit are cut: the first part is delivered with HPC_LINE_TRUNCATED set
 * and the rest is dropped up to the next newline. A line of exactly the
 * limit is whole. Never allocates per line.
 */
#ifndef HPC_LINEBUF_H
#define HPC_LINEBUF_H

#include <stddef.h>
#include <sys/types.h>

#include "hpc/io.h"	/* hpc_write_all(), for the includers of old */

#define HPC_LINE_TRUNCATED 1u

struct hpc_linebuf {
	char *buf;
	size_t cap;		/* max line length, excluding the NUL */
	size_t len;
	int dropping;		/* inside an over-long line, dropping bytes */
};

typedef void (*hpc_line_fn)(void *ctx, const char *line, size_t len,
			    unsigned int flags);

int hpc_linebuf_init(struct hpc_linebuf *lb, size_t cap);
void hpc_linebuf_free(struct hpc_linebuf *lb);
/* Feed bytes; calls fn for each complete line (without '\n', NUL-terminated). */
void hpc_linebuf_feed(struct hpc_linebuf *lb, const char *data, size_t n,
		      hpc_line_fn fn, void *ctx);
/* Deliver what is buffered as a last, unterminated line. */
void hpc_linebuf_flush(struct hpc_linebuf *lb, hpc_line_fn fn, void *ctx);

/*
 * Read fd to its end, line by line (lines over cap cut, as hpc_linebuf_feed
 * does), calling fn for each, the last one without a newline too.
 * 0, or -errno (a read error: what was read is passed on; -ENOMEM).
 */
int hpc_linebuf_read_fd(int fd, size_t cap, hpc_line_fn fn, void *ctx);

/*
 * One read() of fd (EINTR retried) fed to lb; at end of file what is
 * buffered is delivered as a last line (hpc_linebuf_flush). Returns the
 * byte count, 0 at end of file, or -1 with errno (EAGAIN: nothing there).
 */
ssize_t hpc_linebuf_fill(struct hpc_linebuf *lb, int fd, hpc_line_fn fn,
			 void *ctx);

/*
 * Make untrusted text printable in place: strips ANSI escape sequences and
 * '\r', replaces other bytes outside 0x20..0x7e (except tab) with '?'.
 * Returns the new length.
 */
size_t hpc_sanitize(char *s, size_t len);

#endif
