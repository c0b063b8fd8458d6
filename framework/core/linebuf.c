// SPDX-License-Identifier: GPL-2.0
/* The bounded line splitter (hpc/linebuf.h) and hpc_sanitize(). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpc/linebuf.h"

/* Bytes one hpc_linebuf_fill() reads at most (a pipe's page). */
#define LINEBUF_FILL_CHUNK	4096
/* Bytes one read() of hpc_linebuf_read_fd() takes (whole files). */
#define LINEBUF_READ_CHUNK	65536

int hpc_linebuf_init(struct hpc_linebuf *lb, size_t cap)
{
	memset(lb, 0, sizeof(*lb));
	lb->buf = malloc(cap + 1);
	if (!lb->buf)
		return -1;
	lb->cap = cap;
	return 0;
}

void hpc_linebuf_free(struct hpc_linebuf *lb)
{
	free(lb->buf);
	lb->buf = NULL;
	lb->len = 0;
}

static void deliver(struct hpc_linebuf *lb, hpc_line_fn fn, void *ctx,
		    unsigned int flags)
{
	lb->buf[lb->len] = '\0';
	fn(ctx, lb->buf, lb->len, flags);
	lb->len = 0;
}

void hpc_linebuf_feed(struct hpc_linebuf *lb, const char *data, size_t n,
		      hpc_line_fn fn, void *ctx)
{
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t chunk = nl ? (size_t)(nl - data) : n;

		if (!lb->dropping) {
			size_t room = lb->cap - lb->len;
			size_t take = chunk < room ? chunk : room;

			memcpy(lb->buf + lb->len, data, take);
			lb->len += take;
			if (take < chunk) {
				/* over-long: hand out what fits, drop the rest */
				deliver(lb, fn, ctx, HPC_LINE_TRUNCATED);
				lb->dropping = 1;
			} else if (nl) {
				deliver(lb, fn, ctx, 0);
			}
		}
		if (nl) {
			lb->dropping = 0;
			chunk++;
		}
		data += chunk;
		n -= chunk;
	}
}

void hpc_linebuf_flush(struct hpc_linebuf *lb, hpc_line_fn fn, void *ctx)
{
	if (lb->len > 0)
		deliver(lb, fn, ctx, 0);
	lb->dropping = 0;
}

size_t hpc_sanitize(char *s, size_t len)
{
	size_t r = 0, w = 0;

	while (r < len) {
		unsigned char c = (unsigned char)s[r];

		if (c == 0x1b) {
			/* ESC [ ... final byte 0x40..0x7e, or ESC + one byte */
			r++;
			if (r < len && s[r] == '[') {
				r++;
				while (r < len && !((unsigned char)s[r] >= 0x40 &&
						    (unsigned char)s[r] <= 0x7e))
					r++;
			}
			if (r < len)
				r++;
			continue;
		}
		if (c == '\r') {
			r++;
			continue;
		}
		s[w++] = (c == '\t' || (c >= 0x20 && c <= 0x7e)) ? (char)c : '?';
		r++;
	}
	s[w] = '\0';
	return w;
}

/* One read() of fd into chunk, fed to lb (EINTR retried); see fill. */
static ssize_t read_feed(struct hpc_linebuf *lb, int fd, char *chunk,
			 size_t size, hpc_line_fn fn, void *ctx)
{
	ssize_t n;

	do {
		n = read(fd, chunk, size);
	} while (n < 0 && errno == EINTR);
	if (n > 0)
		hpc_linebuf_feed(lb, chunk, (size_t)n, fn, ctx);
	else if (n == 0)
		hpc_linebuf_flush(lb, fn, ctx);
	return n;
}

ssize_t hpc_linebuf_fill(struct hpc_linebuf *lb, int fd, hpc_line_fn fn,
			 void *ctx)
{
	char chunk[LINEBUF_FILL_CHUNK];

	return read_feed(lb, fd, chunk, sizeof(chunk), fn, ctx);
}

int hpc_linebuf_read_fd(int fd, size_t cap, hpc_line_fn fn, void *ctx)
{
	struct hpc_linebuf lb;
	char chunk[LINEBUF_READ_CHUNK];
	ssize_t n;
	int ret = 0;

	if (hpc_linebuf_init(&lb, cap) < 0)
		return -ENOMEM;
	while ((n = read_feed(&lb, fd, chunk, sizeof(chunk), fn, ctx)) > 0)
		;
	if (n < 0) {
		ret = -errno;
		hpc_linebuf_flush(&lb, fn, ctx);
	}
	hpc_linebuf_free(&lb);
	return ret;
}
