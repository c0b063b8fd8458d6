// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the KTAP checker (ktapcheck.h), which the conductor runs on guest
 * text, with the default options and with the loosest ones. The input goes
 * in line by line, each line in a buffer of its own exact size, and again
 * through hpc_kcheck_stream(): both must count the same problems; every
 * problem is reported once, at a line that exists, as printable text
 * ending in the expectation.
 */
#include <string.h>

#include "hpc/ktapcheck.h"
#include "fuzz.h"

struct seen {
	unsigned long n, lines;
};

static void said(void *arg, unsigned long line, const char *msg)
{
	struct seen *s = arg;
	size_t len = strlen(msg);

	s->n++;
	FUZZ_CHECK(line >= 1 && line <= (s->lines ? s->lines : 1));
	FUZZ_CHECK(len > 0 && len < 640);
	FUZZ_CHECK(fuzz_printable(msg, len));
	FUZZ_CHECK(msg[len - 1] == ')' || len == 639);
}

static void check_line(void *ctx, const char *at, char *line, size_t n)
{
	int d = hpc_kcheck_line(ctx, line, n);

	(void)at;
	FUZZ_CHECK(d >= -1 && d <= HPC_KCHECK_MAX_DEPTH);
}

static void run(const uint8_t *data, size_t size, const struct hpc_kcheck_opts *o)
{
	struct seen s = { 0, 0 };
	struct hpc_kcheck *k;
	long n;

	for (size_t i = 0; i < size; i++)
		s.lines += data[i] == '\n';
	s.lines += size > 0 && data[size - 1] != '\n';
	k = hpc_kcheck_new(o, said, &s);
	FUZZ_CHECK(k);
	fuzz_each_line(data, size, check_line, k);
	hpc_kcheck_finish(k);
	hpc_kcheck_finish(k);	/* idempotent */
	FUZZ_CHECK(hpc_kcheck_problems(k) == s.n);
	FUZZ_CHECK(hpc_kcheck_line(k, "ok 1 late", 9) == -1);
	FUZZ_CHECK(hpc_kcheck_problems(k) == s.n);
	hpc_kcheck_free(k);
	if (size > 0) {
		FILE *in = fmemopen((void *)data, size, "r");
		FILE *out = fopen("/dev/null", "w");

		FUZZ_CHECK(in && out);
		n = hpc_kcheck_stream(in, "fuzz", o, out);
		FUZZ_CHECK(n >= 0 && (unsigned long)n == s.n);
		fclose(in);
		fclose(out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hpc_kcheck_opts strict = { .indent = 4 };
	struct hpc_kcheck_opts loose = { .indent = 0, .plan_optional = true };

	run(data, size, &strict);
	run(data, size, &loose);
	return 0;
}
