/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared bits of the libFuzzer harnesses (docs/internals.md, "Fuzzing").
 * A broken invariant aborts with a message, so libFuzzer keeps the input
 * as a crash like any sanitizer report.
 */
#ifndef HPC_FUZZ_H
#define HPC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant broken: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* Reading the fuzzer's bytes as parameters, then as the rest. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

/* One byte (0 once the input is used up). */
static inline unsigned int fuzz_byte(struct fuzz_in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

/* Up to max bytes, as many as the next byte says. */
static inline size_t fuzz_take(struct fuzz_in *in, size_t max,
			       const uint8_t **out)
{
	size_t k = fuzz_byte(in);

	if (k > max)
		k = max;
	if (k > in->n)
		k = in->n;
	*out = in->p;
	in->p += k;
	in->n -= k;
	return k;
}

/* 1 if every byte is printable ASCII or a tab. */
static inline int fuzz_printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c != '\t' && (c < 0x20 || c > 0x7e))
			return 0;
	}
	return 1;
}

/*
 * fn(ctx, at, line, n) for each line of data (split at \n, the last one
 * without it too): at points into data, line is a copy in a buffer of
 * exactly n bytes, so ASan sees any read past it. Returns the line count.
 */
typedef void (*fuzz_line_fn)(void *ctx, const char *at, char *line, size_t n);

static inline size_t fuzz_each_line(const uint8_t *data, size_t size,
				    fuzz_line_fn fn, void *ctx)
{
	const char *p = (const char *)data;
	size_t left = size, lines = 0;

	while (left > 0) {
		const char *nl = memchr(p, '\n', left);
		size_t n = nl ? (size_t)(nl - p) : left;
		char *line = malloc(n ? n : 1);

		FUZZ_CHECK(line);
		memcpy(line, p, n);
		fn(ctx, p, line, n);
		free(line);
		lines++;
		if (!nl)
			break;
		p += n + 1;
		left -= n + 1;
	}
	return lines;
}

#endif
