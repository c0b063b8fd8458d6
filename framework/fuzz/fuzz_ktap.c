// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the KTAP reader (ktap.h) with guest output. The input goes in twice:
 * through hpc_ktap_text() and line by line, each line in a buffer of its
 * own exact size (so that a read past the line's end is an ASan report),
 * and both readers must agree. Then the invariants the header promises.
 */
#include <string.h>

#include "hpc/ktap.h"
#include "fuzz.h"

static int str_ok(const char *s, size_t cap)
{
	const char *nul = memchr(s, '\0', cap);

	return nul && fuzz_printable(s, (size_t)(nul - s));
}

static void check(const struct hpc_ktap *k)
{
	const struct hpc_ktap_info *in = hpc_ktap_info(k);
	unsigned long top = 0, all = 0;
	size_t n = hpc_ktap_nresults(k), i;
	int r;

	for (r = 0; r < HPC_KTAP__RES_COUNT; r++) {
		FUZZ_CHECK(in->counts[r] <= in->counts_all[r]);
		FUZZ_CHECK(hpc_ktap_count(k, 0, (enum hpc_ktap_res)r) ==
			   in->counts[r]);
		FUZZ_CHECK(hpc_ktap_res_name((enum hpc_ktap_res)r));
		top += in->counts[r];
		all += in->counts_all[r];
	}
	FUZZ_CHECK(in->total == top);
	FUZZ_CHECK(n <= HPC_KTAP_MAX_RESULTS);
	FUZZ_CHECK(n <= all);
	FUZZ_CHECK(in->truncated || n == all);
	FUZZ_CHECK(in->long_lines <= in->lines);
	FUZZ_CHECK(str_ok(in->reason, sizeof(in->reason)));
	FUZZ_CHECK(in->version >= 0);
	for (i = 0; i < n; i++) {
		const struct hpc_ktap_result *res = hpc_ktap_result(k, i);

		FUZZ_CHECK(res);
		FUZZ_CHECK((unsigned int)res->result < HPC_KTAP__RES_COUNT);
		FUZZ_CHECK(res->depth < HPC_KTAP_MAX_DEPTH);
		FUZZ_CHECK(str_ok(res->name, sizeof(res->name)));
		FUZZ_CHECK(str_ok(res->reason, sizeof(res->reason)));
	}
	FUZZ_CHECK(!hpc_ktap_result(k, n));
}

static void same(const struct hpc_ktap *a, const struct hpc_ktap *b)
{
	const struct hpc_ktap_info *x = hpc_ktap_info(a), *y = hpc_ktap_info(b);
	size_t n = hpc_ktap_nresults(a), i;

	FUZZ_CHECK(x->version == y->version && x->ktap == y->ktap);
	FUZZ_CHECK(x->plan == y->plan && x->total == y->total);
	FUZZ_CHECK(!memcmp(x->counts, y->counts, sizeof(x->counts)));
	FUZZ_CHECK(!memcmp(x->counts_all, y->counts_all, sizeof(x->counts_all)));
	FUZZ_CHECK(x->plan_mismatch == y->plan_mismatch);
	FUZZ_CHECK(x->bad_numbers == y->bad_numbers);
	FUZZ_CHECK(x->truncated == y->truncated);
	FUZZ_CHECK(x->skip_all == y->skip_all);
	FUZZ_CHECK(x->bailed_out == y->bailed_out);
	FUZZ_CHECK(!strcmp(x->reason, y->reason));
	FUZZ_CHECK(x->lines == y->lines && x->long_lines == y->long_lines);
	FUZZ_CHECK(n == hpc_ktap_nresults(b));
	for (i = 0; i < n; i++) {
		const struct hpc_ktap_result *p = hpc_ktap_result(a, i);
		const struct hpc_ktap_result *q = hpc_ktap_result(b, i);

		FUZZ_CHECK(p->number == q->number && p->depth == q->depth);
		FUZZ_CHECK(p->result == q->result);
		FUZZ_CHECK(!strcmp(p->name, q->name));
		FUZZ_CHECK(!strcmp(p->reason, q->reason));
	}
}

static void ktap_line(void *ctx, const char *at, char *line, size_t n)
{
	(void)at;
	hpc_ktap_line(ctx, line, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hpc_ktap *a = hpc_ktap_new(), *b = hpc_ktap_new();
	size_t lines;

	FUZZ_CHECK(a && b);
	hpc_ktap_text(a, (const char *)data, size);
	lines = fuzz_each_line(data, size, ktap_line, b);
	FUZZ_CHECK(hpc_ktap_info(b)->lines == lines);
	hpc_ktap_finish(a);
	hpc_ktap_finish(b);
	hpc_ktap_finish(b);	/* idempotent */
	check(a);
	same(a, b);
	/* ignored after finish */
	hpc_ktap_line(b, "ok 1 late", 9);
	same(a, b);
	hpc_ktap_free(a);
	hpc_ktap_free(b);
	return 0;
}
