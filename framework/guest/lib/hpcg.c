// SPDX-License-Identifier: GPL-2.0
/* Guest-only helpers (hpcg.h): fault injection, option values. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpcg.h"

/*
 * What hpc-fail asked for: 0 with *nth (NULL: no fail-nth), 1 when
 * nothing was asked, -EINVAL for a bad HPC_FAIL_NTH.
 */
static int fault_request(const char **nth)
{
	const char *on = getenv("HPC_MAKE_IT_FAIL");
	uint64_t n;

	*nth = getenv("HPC_FAIL_NTH");
	if (!on || strcmp(on, "1"))
		return 1;
	if (*nth && !**nth)
		*nth = NULL;
	if (*nth && hpc_parse_u64(*nth, strlen(*nth), HPCG_FAIL_NTH_MAX, &n))
		return -EINVAL;
	return 0;
}

int hpcg_fault_inject_arm(void)
{
	const char *nth;
	int r = fault_request(&nth);

	if (r)
		return r > 0 ? 0 : r;
	r = hpc_write_file(HPCG_MAKE_IT_FAIL, "1");
	if (!r && nth)
		r = hpc_write_file(HPCG_FAIL_NTH, nth);
	return r ? r : 1;
}

int hpcg_fault_inject_begin(struct hpcg_fault_scope *s)
{
	const char *nth;
	int r;

	s->make_it_fail = -1;
	s->fail_nth = -1;
	r = fault_request(&nth);
	if (r)
		return r > 0 ? 0 : r;
	s->make_it_fail = open(HPCG_MAKE_IT_FAIL, O_WRONLY | O_CLOEXEC);
	if (s->make_it_fail < 0)
		goto fail;
	if (nth) {
		s->fail_nth = open(HPCG_FAIL_NTH, O_WRONLY | O_CLOEXEC);
		if (s->fail_nth < 0)
			goto fail;
	}
	if (hpc_write_all(s->make_it_fail, "1", 1) ||
	    (nth && hpc_write_all(s->fail_nth, nth, strlen(nth))))
		goto fail;
	return 1;
fail:
	r = -errno;
	hpcg_fault_inject_end(s);
	return r;
}

void hpcg_fault_inject_end(struct hpcg_fault_scope *s)
{
	if (s->fail_nth >= 0) {
		(void)hpc_write_all(s->fail_nth, "0", 1);
		close(s->fail_nth);
	}
	if (s->make_it_fail >= 0) {
		(void)hpc_write_all(s->make_it_fail, "0", 1);
		close(s->make_it_fail);
	}
	s->make_it_fail = -1;
	s->fail_nth = -1;
}

/* ------------------------------------------------------------------ */
/* options                                                             */

const char *hpcg_prog = "hpc";

void hpcg_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", hpcg_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see --help)\n", stderr);
	exit(HPCG_EXIT_USAGE);
}

uint64_t hpcg_opt_size(const char *opt, const char *s)
{
	uint64_t v;

	if (hpc_parse_size(s, &v))
		hpcg_usage_error("%s: bad size '%.32s' (e.g. 64M)", opt, s);
	return v;
}

uint64_t hpcg_opt_duration(const char *opt, const char *s)
{
	uint64_t v;

	if (hpc_parse_duration(s, &v))
		hpcg_usage_error("%s: bad time '%.32s' (e.g. 10s, 500ms, 2m, 1h)",
				 opt, s);
	return v;
}

uint64_t hpcg_opt_u64(const char *opt, const char *s, uint64_t min,
		      uint64_t max)
{
	uint64_t v;

	if (hpc_parse_u64(s, strlen(s), max, &v) < 0 || v < min)
		hpcg_usage_error("bad %s '%s' (%" PRIu64 "..%" PRIu64 ")", opt, s,
				 min, max);
	return v;
}

uint64_t hpcg_env_seed(uint64_t dflt)
{
	const char *env = getenv("HPC_SEED");
	uint64_t v;

	if (env && hpc_parse_u64(env, strlen(env), UINT64_MAX, &v) == 0)
		return v;
	return dflt;
}
