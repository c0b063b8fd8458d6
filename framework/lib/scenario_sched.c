// SPDX-License-Identifier: GPL-2.0
/* The schedule's random numbers and timing text; the outcome words. */
#include <stdio.h>
#include <string.h>

#include "hpc/scenario.h"

/* ---- outcomes ---- */

unsigned int hpc_outcome_parse(const char *word)
{
	if (strcmp(word, "revoke") == 0)
		return HPC_OUTCOME_REVOKE;
	if (strcmp(word, "reset") == 0)
		return HPC_OUTCOME_RESET;
	return 0;
}

const char *hpc_outcome_name(unsigned int outcome)
{
	return outcome == HPC_OUTCOME_REVOKE ? "revoke" :
	       outcome == HPC_OUTCOME_RESET ? "reset" : "?";
}

const char *hpc_outcome_list(unsigned int mask)
{
	switch (mask & (HPC_OUTCOME_REVOKE | HPC_OUTCOME_RESET)) {
	case HPC_OUTCOME_REVOKE:
		return "revoke";
	case HPC_OUTCOME_RESET:
		return "reset";
	case HPC_OUTCOME_REVOKE | HPC_OUTCOME_RESET:
		return "revoke or reset";
	default:
		return "";
	}
}

/* ---- the schedule's random numbers ---- */

#define SPLITMIX_GAMMA 0x9e3779b97f4a7c15ULL

static uint64_t splitmix_out(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t hpc_sched_rand(uint64_t seed, unsigned int action, unsigned int k)
{
	/* the stream's start: seed and action index, hashed */
	uint64_t state = splitmix_out(splitmix_out(seed + SPLITMIX_GAMMA) ^
				      ((uint64_t)action + 1) * SPLITMIX_GAMMA);

	/* splitmix64: output k is mix(state + (k + 1) * gamma) */
	return splitmix_out(state + ((uint64_t)k + 1) * SPLITMIX_GAMMA);
}

unsigned int hpc_action_delay_ms(const struct hpc_action *a, uint64_t seed,
				 unsigned int idx, unsigned int k)
{
	unsigned int lo = k ? a->every_min_ms : a->after_min_ms;
	unsigned int hi = k ? a->every_max_ms : a->after_max_ms;

	if (hi <= lo)
		return lo;
	/* uniform on [lo, hi]: the modulo bias of a span < 2^22 is < 2^-42 */
	return lo + (unsigned int)(hpc_sched_rand(seed, idx, k) %
				   ((uint64_t)hi - lo + 1));
}

static void range_text(char *buf, size_t cap, unsigned int lo, unsigned int hi)
{
	if (lo == hi)
		snprintf(buf, cap, "%u", lo);
	else
		snprintf(buf, cap, "%u-%u", lo, hi);
}

void hpc_action_timing(const struct hpc_action *a, char *buf, size_t cap)
{
	char r[32];
	size_t off = 0;

	if (!cap)
		return;
	buf[0] = '\0';
	range_text(r, sizeof(r), a->after_min_ms, a->after_max_ms);
	if (a->at)
		off += (size_t)snprintf(buf, cap, "@%s", r);
	else if (a->after_max_ms)
		off += (size_t)snprintf(buf, cap, "after=%s", r);
	if (a->every_min_ms && off < cap) {
		range_text(r, sizeof(r), a->every_min_ms, a->every_max_ms);
		off += (size_t)snprintf(buf + off, cap - off, "%severy=%s",
					off ? " " : "", r);
		if (a->count_given && off < cap)
			snprintf(buf + off, cap - off, " count=%u", a->count);
	}
}
