// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the triage classifier's line API (triage.h) with a console log: each
 * line goes in through hpc_triage_line() in a buffer of its own exact size,
 * so that reading past a line's end is an ASan report. The log is fed
 * once (a new triage compiles its whole pattern table, the costly part of
 * an execution), finished at a line the input chooses as well as at the
 * end (finish may be followed by more lines). The title helpers get
 * the first line with an output buffer of a size the input chooses.
 */
#include <string.h>

#include "fuzz_triage.h"

struct feed_ctx {
	struct hpc_triage *t;
	size_t nline, finish_at;
};

static void feed_line(void *ctx, const char *at, char *line, size_t n)
{
	struct feed_ctx *f = ctx;

	(void)at;
	hpc_triage_line(f->t, line, n);
	if (++f->nline == f->finish_at)
		hpc_triage_finish(f->t);
}

static void feed(struct hpc_triage *t, const uint8_t *data, size_t size,
		 size_t finish_at)
{
	struct feed_ctx f = { .t = t, .finish_at = finish_at };

	fuzz_each_line(data, size, feed_line, &f);
	hpc_triage_finish(t);
}

static void helpers(const uint8_t *data, size_t size, size_t outsz)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - data) : size;
	char *line = malloc(n + 1), *out = malloc(outsz);
	size_t k;

	FUZZ_CHECK(line && out);
	memcpy(line, data, n);
	line[n] = '\0';
	k = hpc_triage_func(line, out, outsz);
	FUZZ_CHECK(k == 0 || k < outsz);
	if (k) {
		FUZZ_CHECK(out[k] == '\0' && strlen(out) == k);
		(void)hpc_triage_skip_func(out);
	}
	hpc_triage_normalise(line, out, outsz);
	FUZZ_CHECK(memchr(out, '\0', outsz));
	(void)hpc_triage_skip_func(line);
	free(line);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hpc_triage *a = hpc_triage_new();
	size_t outsz = size ? 1 + data[0] % 300u : 1;

	FUZZ_CHECK(a);
	/* the last byte: finish after line 1..63 as well, or only at the end */
	feed(a, data, size, size ? data[size - 1] % 64u : 0);
	triage_check(a);
	helpers(data, size, outsz);
	hpc_triage_free(a);
	return 0;
}
