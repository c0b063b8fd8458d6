/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Number, size and duration parsers of the core (core/parse.c), shared by
 * the host tools and the static guest programs. None of them allocates or
 * touches errno on success; all refuse what they do not take whole.
 */
#ifndef HPC_PARSE_H
#define HPC_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* A duration may be at most this long (hpc_parse_duration). */
#define HPC_PARSE_MAX_DURATION_NS	(30ULL * 24 * 3600 * 1000000000ULL)

/*
 * Canonical decimal (digits only, no sign, no leading zeros) in the len
 * bytes at s (need not be NUL-terminated), at most max. 0 with *out, or -1.
 */
int hpc_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);

/*
 * A whole C integer (strtoll() syntax in base: leading blanks, a sign,
 * 0x/0 prefixes with base 0) within lo..hi. 0 with *out, or -1.
 */
int hpc_parse_ll(const char *s, int base, long long lo, long long hi,
		 long long *out);

/*
 * A size: canonical digits with an optional binary suffix K, M, G or T
 * (either case), non-zero. 0 with *out in bytes, or -1.
 */
int hpc_parse_size(const char *s, uint64_t *out);

/*
 * A duration: digits with a unit ms, s (also none), m or h, non-zero, at
 * most HPC_PARSE_MAX_DURATION_NS. 0 with *ns in nanoseconds, or -1.
 */
int hpc_parse_duration(const char *s, uint64_t *ns);

#endif
