// SPDX-License-Identifier: GPL-2.0
/* Number, size and duration parsers (hpc/parse.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hpc/parse.h"

#define NS_PER_MS	1000000ULL
#define NS_PER_S	1000000000ULL
/* Longest text hpc_parse_size/duration look at. */
#define PARSE_MAX_TEXT	32

int hpc_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	char buf[24];
	char *end;
	unsigned long long v;
	size_t i;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	if (len > 1 && s[0] == '0')
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || end != buf + len || v > max)
		return -1;
	*out = v;
	return 0;
}

int hpc_parse_ll(const char *s, int base, long long lo, long long hi,
		 long long *out)
{
	char *end;
	long long v;
	int saved = errno;

	if (!s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, base);
	if (errno || end == s || *end || v < lo || v > hi) {
		errno = saved;
		return -1;
	}
	errno = saved;
	*out = v;
	return 0;
}

int hpc_parse_size(const char *s, uint64_t *out)
{
	size_t n = strnlen(s, PARSE_MAX_TEXT);
	unsigned int shift = 0;
	uint64_t v;

	if (n > 1) {
		switch (s[n - 1]) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 't': case 'T': shift = 40; break;
		default: break;
		}
	}
	if (shift)
		n--;
	if (hpc_parse_u64(s, n, UINT64_MAX >> shift, &v) < 0 || v == 0)
		return -1;
	*out = v << shift;
	return 0;
}

int hpc_parse_duration(const char *s, uint64_t *ns)
{
	size_t n = strnlen(s, PARSE_MAX_TEXT);
	uint64_t mult = NS_PER_S, v;

	if (n > 2 && strcmp(s + n - 2, "ms") == 0) {
		mult = NS_PER_MS;
		n -= 2;
	} else if (n > 1 && s[n - 1] == 's') {
		n--;
	} else if (n > 1 && s[n - 1] == 'm') {
		mult = 60 * NS_PER_S;
		n--;
	} else if (n > 1 && s[n - 1] == 'h') {
		mult = 3600 * NS_PER_S;
		n--;
	}
	if (hpc_parse_u64(s, n, HPC_PARSE_MAX_DURATION_NS / NS_PER_MS, &v) < 0 ||
	    v == 0 || v * mult / mult != v || v * mult > HPC_PARSE_MAX_DURATION_NS)
		return -1;
	*ns = v * mult;
	return 0;
}
