/* SPDX-License-Identifier: GPL-2.0 */
/* Checks shared by the two triage harnesses. */
#ifndef HPC_FUZZ_TRIAGE_H
#define HPC_FUZZ_TRIAGE_H

#include <string.h>

#include "hpc/triage.h"
#include "hpc/verdict.h"
#include "fuzz.h"

/* What triage.h promises about the reports of a finished log. */
static inline void triage_check(const struct hpc_triage *t)
{
	size_t n = hpc_triage_count(t), i;
	const struct hpc_report *p = hpc_triage_primary(t);

	FUZZ_CHECK(n <= HPC_TRIAGE_MAX_REPORTS);
	FUZZ_CHECK(!hpc_triage_get(t, n));
	FUZZ_CHECK(!p == (n == 0 && hpc_triage_dropped(t) == 0));
	for (i = 0; i < n; i++) {
		const struct hpc_report *r = hpc_triage_get(t, i);
		const char *nul;

		FUZZ_CHECK(r);
		FUZZ_CHECK(r->cls > HPC_C_NONE && r->cls < HPC_C__COUNT);
		nul = memchr(r->title, '\0', sizeof(r->title));
		FUZZ_CHECK(nul && nul > r->title);
		FUZZ_CHECK(fuzz_printable(r->title, (size_t)(nul - r->title)));
		FUZZ_CHECK(r->line >= 1 && r->line <= hpc_triage_lines(t));
		FUZZ_CHECK(r->count >= 1);
		FUZZ_CHECK(p->prio >= r->prio);
		FUZZ_CHECK(p->prio > r->prio || p->line <= r->line);
	}
	if (p) {
		FUZZ_CHECK(p->cls > HPC_C_NONE && p->cls < HPC_C__COUNT);
		FUZZ_CHECK(memchr(p->title, '\0', sizeof(p->title)));
	}
}

/* Two triages of one log agree. */
static inline void triage_same(const struct hpc_triage *a,
			       const struct hpc_triage *b)
{
	size_t n = hpc_triage_count(a), i;
	const struct hpc_report *p = hpc_triage_primary(a);
	const struct hpc_report *q = hpc_triage_primary(b);

	FUZZ_CHECK(hpc_triage_lines(a) == hpc_triage_lines(b));
	FUZZ_CHECK(n == hpc_triage_count(b));
	FUZZ_CHECK(hpc_triage_dropped(a) == hpc_triage_dropped(b));
	for (i = 0; i < n; i++) {
		const struct hpc_report *r = hpc_triage_get(a, i);
		const struct hpc_report *s = hpc_triage_get(b, i);

		FUZZ_CHECK(r->cls == s->cls && r->line == s->line);
		FUZZ_CHECK(r->count == s->count && r->prio == s->prio);
		FUZZ_CHECK(!strcmp(r->title, s->title));
	}
	FUZZ_CHECK(!p == !q);
	if (p) {
		FUZZ_CHECK(p->cls == q->cls && p->line == q->line);
		FUZZ_CHECK(!strcmp(p->title, q->title));
	}
}

#endif
