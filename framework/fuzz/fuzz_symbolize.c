// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the parsing half of symbolize.h with a console log: every line, in
 * a buffer of its own exact size, goes through hpc_frame_parse() and
 * hpc_report_end(), and through hpc_sym_canon() as if addr2line had
 * printed it, into an output buffer of a size the input chooses. What a
 * frame holds must come from its line. (hpc_sym_resolve starts addr2line:
 * runner/tests/07-symbolize.t and the unit tests cover it.)
 */
#include "fuzz.h"
#include "hpc/symbolize.h"

struct ctx {
	size_t outsz;
};

/* s (NUL-terminated, within max bytes) occurs in line[0..n). */
static int from_line(const char *s, size_t max, const char *line, size_t n)
{
	size_t k = strnlen(s, max);

	FUZZ_CHECK(k < max);
	if (k == 0)
		return 1;
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(line + i, s, k) == 0)
			return 1;
	return 0;
}

static void one_line(void *vctx, const char *at, char *line, size_t n)
{
	struct ctx *c = vctx;
	struct hpc_frame f;
	char *out = malloc(c->outsz), *path = malloc(n + 1);

	(void)at;
	FUZZ_CHECK(out && path);
	if (hpc_frame_parse(line, n, &f)) {
		FUZZ_CHECK(f.sym[0] != '\0');
		FUZZ_CHECK(from_line(f.sym, sizeof(f.sym), line, n));
		FUZZ_CHECK(from_line(f.module, sizeof(f.module), line, n));
		FUZZ_CHECK(f.nloc == 0);
		FUZZ_CHECK(!(f.rip && !f.reliable));
	}
	(void)hpc_report_end(line, n);
	memcpy(path, line, n);
	path[n] = '\0';
	hpc_sym_canon(path, n % 2 ? "hpchaos_trigger" : "", out, c->outsz);
	FUZZ_CHECK(memchr(out, '\0', c->outsz));
	FUZZ_CHECK(strlen(out) <= n);
	free(path);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c = { .outsz = size ? 1 + data[0] % 300u : 1 };

	fuzz_each_line(data, size, one_line, &c);
	return 0;
}
