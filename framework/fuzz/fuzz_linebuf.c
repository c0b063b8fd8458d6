// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the bounded line splitter and hpc_sanitize (linebuf.h). The first
 * bytes choose the line limit and how the stream is cut into feeds; every
 * delivered line is compared with what a plain split of the whole input
 * says it must be: a line of at most cap bytes whole, a longer one cut to
 * cap bytes with HPC_LINE_TRUNCATED, nothing else.
 */
#include <string.h>

#include "hpc/linebuf.h"
#include "fuzz.h"

struct expect {
	const char *p;		/* the rest of the input, as a whole */
	size_t n;
	size_t cap;
	size_t lines;
};

/* The next line a plain split gives, as the line buffer must deliver it. */
static void on_line(void *ctx, const char *line, size_t len,
		    unsigned int flags)
{
	struct expect *e = ctx;
	const char *nl = memchr(e->p, '\n', e->n);
	size_t full = nl ? (size_t)(nl - e->p) : e->n;
	char *copy;
	size_t clean;

	FUZZ_CHECK(line[len] == '\0');
	FUZZ_CHECK(len <= e->cap);
	FUZZ_CHECK(!memchr(line, '\n', len));
	if (full > e->cap) {
		FUZZ_CHECK(flags == HPC_LINE_TRUNCATED);
		FUZZ_CHECK(len == e->cap);
	} else {
		FUZZ_CHECK(flags == 0);
		FUZZ_CHECK(len == full);
	}
	FUZZ_CHECK(memcmp(line, e->p, len) == 0);
	full += nl ? 1 : 0;
	e->p += full;
	e->n -= full;
	e->lines++;

	/* hpc_sanitize writes its NUL at the new length: len + 1 bytes */
	copy = malloc(len + 1);
	FUZZ_CHECK(copy);
	memcpy(copy, line, len + 1);
	clean = hpc_sanitize(copy, len);
	FUZZ_CHECK(clean <= len);
	FUZZ_CHECK(copy[clean] == '\0');
	FUZZ_CHECK(fuzz_printable(copy, clean));
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct hpc_linebuf lb;
	struct expect e;
	unsigned int step;
	size_t cap;

	cap = fuzz_byte(&in);
	cap = cap << 4 | (fuzz_byte(&in) & 0xf);	/* 0..4095 */
	step = fuzz_byte(&in);
	FUZZ_CHECK(hpc_linebuf_init(&lb, cap) == 0);
	e = (struct expect){ (const char *)in.p, in.n, cap, 0 };
	/* feeds of step+1 bytes, or all at once for step 0 */
	for (size_t off = 0; off < in.n;) {
		size_t k = step ? step + 0u : in.n;

		if (k > in.n - off)
			k = in.n - off;
		hpc_linebuf_feed(&lb, (const char *)in.p + off, k, on_line, &e);
		off += k;
	}
	hpc_linebuf_flush(&lb, on_line, &e);
	/* every line was delivered */
	FUZZ_CHECK(e.n == 0);
	hpc_linebuf_free(&lb);
	return 0;
}
