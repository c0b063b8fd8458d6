// SPDX-License-Identifier: GPL-2.0
/* Tolerant KTAP v1 / TAP 13 parser: see hpc/ktap.h for the rules. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "hpc/ktap.h"
#include "hpc/linebuf.h"

struct ktap_level {
	char prefix[HPC_KTAP_PREFIX_MAX];
	size_t plen;
	long plan;		/* -1: none seen */
	unsigned long count;	/* results seen at this level */
};

struct hpc_ktap {
	struct ktap_level level[HPC_KTAP_MAX_DEPTH + 1];
	unsigned int nlevel;	/* open levels, >= 1 */
	struct hpc_ktap_result *res;
	size_t nres, cap;
	unsigned long depth_counts[HPC_KTAP_MAX_DEPTH + 1][HPC_KTAP__RES_COUNT];
	struct hpc_ktap_info info;
	char run_name[HPC_KTAP_NAME_MAX];
	bool finished;
	char work[HPC_KTAP_LINE_MAX + 1];
};

static const char *const res_names[HPC_KTAP__RES_COUNT] = {
	[HPC_KTAP_PASS] = "PASS",
	[HPC_KTAP_FAIL] = "FAIL",
	[HPC_KTAP_SKIP] = "SKIP",
	[HPC_KTAP_XFAIL] = "XFAIL",
};

const char *hpc_ktap_res_name(enum hpc_ktap_res r)
{
	return (unsigned int)r < HPC_KTAP__RES_COUNT ? res_names[r] : "?";
}

static void level_reset(struct ktap_level *l, const char *prefix, size_t plen)
{
	memcpy(l->prefix, prefix, plen);
	l->plen = plen;
	l->plan = -1;
	l->count = 0;
}

struct hpc_ktap *hpc_ktap_new(void)
{
	struct hpc_ktap *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->nlevel = 1;
	level_reset(&k->level[0], "", 0);
	k->info.plan = -1;
	return k;
}

void hpc_ktap_free(struct hpc_ktap *k)
{
	if (!k)
		return;
	free(k->res);
	free(k);
}

/* Close levels >= from, checking each one's plan. */
static void close_levels(struct hpc_ktap *k, unsigned int from)
{
	while (k->nlevel > from) {
		struct ktap_level *l = &k->level[--k->nlevel];

		if (l->plan >= 0 && (unsigned long)l->plan != l->count)
			k->info.plan_mismatch = true;
		/* only the top level must have a plan */
		if (k->nlevel == 0 && l->plan < 0)
			k->info.plan_mismatch = true;
	}
}

/*
 * Find (or open) the level for a structural line with this prefix.
 * Returns the depth, or -1 when the line is too deep to track.
 */
static int level_for(struct hpc_ktap *k, const char *prefix, size_t plen)
{
	unsigned int d = k->nlevel;

	while (d-- > 0) {
		const struct ktap_level *l = &k->level[d];

		if (l->plen <= plen && memcmp(l->prefix, prefix, l->plen) == 0)
			break;
	}
	/* level[0] has the empty prefix, so d is valid here */
	if (k->level[d].plen == plen) {
		close_levels(k, d + 1);
		return (int)d;
	}
	if (d + 1 > HPC_KTAP_MAX_DEPTH)
		return -1;
	close_levels(k, d + 1);
	level_reset(&k->level[d + 1], prefix, plen);
	k->nlevel = d + 2;
	return (int)(d + 1);
}

/* Parse decimal digits at *p (bounded by end); -1 if none or too large. */
static long parse_num(const char **p, const char *end, long max)
{
	const char *s = *p;
	long v = 0;

	if (s >= end || *s < '0' || *s > '9')
		return -1;
	while (s < end && *s >= '0' && *s <= '9') {
		if (v > (max - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
		s++;
	}
	*p = s;
	return v;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_ws(const char *s, const char *end)
{
	while (s < end && is_ws(*s))
		s++;
	return s;
}

static bool starts(const char *s, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - s) >= n && memcmp(s, word, n) == 0;
}

static bool starts_ci(const char *s, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - s) >= n && strncasecmp(s, word, n) == 0;
}

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

/* Copy [s, end) into dst (size cap) with spaces trimmed, truncating. */
static void copy_trim(char *dst, size_t cap, const char *s, const char *end)
{
	size_t n;

	s = skip_ws(s, end);
	while (end > s && is_ws(end[-1]))
		end--;
	n = (size_t)(end - s);
	if (n > cap - 1)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* "KTAP version N" / "TAP version N" */
static bool parse_version(const char *s, const char *end, bool *ktap,
			  long *ver)
{
	if (starts(s, end, "KTAP version ")) {
		*ktap = true;
		s += strlen("KTAP version ");
	} else if (starts(s, end, "TAP version ")) {
		*ktap = false;
		s += strlen("TAP version ");
	} else {
		return false;
	}
	*ver = parse_num(&s, end, 9999);
	return *ver >= 0 && skip_ws(s, end) == end;
}

/* "1..N [# directive]" */
static bool parse_plan(const char *s, const char *end, long *n,
		       const char **dir)
{
	if (!starts(s, end, "1.."))
		return false;
	s += 3;
	*n = parse_num(&s, end, 1000000000L);
	if (*n < 0)
		return false;
	s = skip_ws(s, end);
	*dir = NULL;
	if (s < end && *s == '#')
		*dir = s + 1;
	else if (s != end)
		return false;
	return true;
}

struct parsed_result {
	bool ok;
	unsigned long number;
	const char *name, *name_end;
	const char *dir;	/* after '#', or NULL */
};

/* "ok N [- ][name][ # directive]" / "not ok N ..." */
static bool parse_result(const char *s, const char *end,
			 struct parsed_result *r)
{
	long num;

	if (starts(s, end, "ok")) {
		r->ok = true;
		s += 2;
	} else if (starts(s, end, "not ok")) {
		r->ok = false;
		s += 6;
	} else {
		return false;
	}
	if (s == end || !is_ws(*s))
		return false;
	s = skip_ws(s, end);
	num = parse_num(&s, end, LONG_MAX);
	if (num < 0 || (s < end && !is_ws(*s)))
		return false;
	r->number = (unsigned long)num;
	s = skip_ws(s, end);
	if (end - s >= 2 && s[0] == '-' && is_ws(s[1]))
		s = skip_ws(s + 1, end);
	else if (end - s == 1 && s[0] == '-')
		s++;
	r->name = s;
	r->dir = NULL;
	for (; s < end; s++) {
		if (*s == '\\' && s + 1 < end) {
			s++;
			continue;
		}
		if (*s == '#') {
			r->dir = s + 1;
			break;
		}
	}
	r->name_end = s;
	return true;
}

static const struct {
	const char *word;
	int kind;
} directives[] = {
	{ "SKIP", 0 }, { "TODO", 1 }, { "XFAIL", 2 },
	{ "TIMEOUT", 3 }, { "ERROR", 3 },
};

/*
 * Directive text after '#': returns the directive kind (-1 if none known)
 * and points *reason at the text to keep.
 */
static int parse_directive(const char *s, const char *end, const char **reason)
{
	s = skip_ws(s, end);
	*reason = s;
	for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
		const char *w = directives[i].word;
		const char *after = s + strlen(w);

		if (!starts_ci(s, end, w) || (after < end && is_alnum(*after)))
			continue;
		if (after < end && *after == ':')
			after++;
		*reason = skip_ws(after, end);
		return directives[i].kind;
	}
	return -1;
}

static void add_result(struct hpc_ktap *k, unsigned int depth,
		       const struct parsed_result *pr, const char *end)
{
	struct ktap_level *l = &k->level[depth];
	enum hpc_ktap_res res = pr->ok ? HPC_KTAP_PASS : HPC_KTAP_FAIL;
	const char *reason = end;
	struct hpc_ktap_result *r;
	int kind = -1;

	if (pr->dir)
		kind = parse_directive(pr->dir, end, &reason);
	switch (kind) {
	case 0:
		res = HPC_KTAP_SKIP;
		break;
	case 1:
		res = pr->ok ? HPC_KTAP_PASS : HPC_KTAP_XFAIL;
		break;
	case 2:
		res = HPC_KTAP_XFAIL;
		break;
	case 3:
		res = HPC_KTAP_FAIL;
		break;
	default:
		break;
	}

	if (pr->number != l->count + 1)
		k->info.bad_numbers = true;
	l->count++;
	k->depth_counts[depth][res]++;
	k->info.counts_all[res]++;
	if (depth == 0) {
		k->info.counts[res]++;
		k->info.total++;
	}

	if (k->nres == HPC_KTAP_MAX_RESULTS) {
		k->info.truncated = true;
		k->run_name[0] = '\0';
		return;
	}
	if (k->nres == k->cap) {
		size_t ncap = k->cap ? k->cap * 2 : 64;
		struct hpc_ktap_result *n;

		if (ncap > HPC_KTAP_MAX_RESULTS)
			ncap = HPC_KTAP_MAX_RESULTS;
		n = realloc(k->res, ncap * sizeof(*n));
		if (!n) {
			k->info.truncated = true;
			k->run_name[0] = '\0';
			return;
		}
		k->res = n;
		k->cap = ncap;
	}
	r = &k->res[k->nres++];
	memset(r, 0, sizeof(*r));
	r->number = pr->number;
	r->depth = depth;
	r->result = res;
	copy_trim(r->name, sizeof(r->name), pr->name, pr->name_end);
	if (!r->name[0] && k->run_name[0])
		memcpy(r->name, k->run_name, sizeof(r->name));
	k->run_name[0] = '\0';
	if (pr->dir)
		copy_trim(r->reason, sizeof(r->reason), reason, end);
}

/* kselftest harness: "#  RUN           fixture.variant.test ..." */
static void note_run(struct hpc_ktap *k, const char *s, const char *end)
{
	const char *e;

	if (!starts(s, end, "RUN") || end - s < 4 || !is_ws(s[3]))
		return;
	s = skip_ws(s + 3, end);
	for (e = s; e < end && !is_ws(*e); e++)
		;
	if (e > s)
		copy_trim(k->run_name, sizeof(k->run_name), s, e);
}

/* A version line: a new test at its depth closes the old one. */
static void on_version(struct hpc_ktap *k, size_t plen, bool ktap, long num)
{
	int depth = level_for(k, k->work, plen);

	if (depth < 0)
		return;
	if (k->level[depth].count || k->level[depth].plan >= 0) {
		close_levels(k, (unsigned int)depth);
		level_reset(&k->level[depth], k->work, plen);
		k->nlevel = (unsigned int)depth + 1;
	}
	if (depth == 0 && !k->info.version) {
		k->info.version = (int)num;
		k->info.ktap = ktap;
	}
}

/* A plan line "1..N [# directive]"; dir is after the '#' or NULL. */
static void on_plan(struct hpc_ktap *k, size_t plen, long num,
		    const char *dir, const char *end)
{
	int depth = level_for(k, k->work, plen);
	struct ktap_level *l;
	const char *reason;

	if (depth < 0)
		return;
	l = &k->level[depth];
	if (l->plan >= 0)
		k->info.plan_mismatch = true;
	l->plan = num;
	if (depth != 0)
		return;
	k->info.plan = num;
	if (num == 0 && dir && parse_directive(dir, end, &reason) == 0) {
		k->info.skip_all = true;
		copy_trim(k->info.reason, sizeof(k->info.reason), reason, end);
	}
}

void hpc_ktap_line(struct hpc_ktap *k, const char *line, size_t len)
{
	struct parsed_result pr;
	const char *s, *end, *dir;
	size_t n, plen;
	bool ktap, hashed = false;
	long num;
	int depth;

	if (!k || k->finished)
		return;
	k->info.lines++;
	n = len;
	if (n > HPC_KTAP_LINE_MAX) {
		n = HPC_KTAP_LINE_MAX;
		k->info.long_lines++;
	}
	if (n)
		memcpy(k->work, line, n);
	n = hpc_sanitize(k->work, n);
	end = k->work + n;
	while (end > k->work && is_ws(end[-1]))
		end--;

	for (s = k->work; s < end && (is_ws(*s) || *s == '#'); s++)
		hashed |= *s == '#';
	plen = (size_t)(s - k->work);

	if (starts(s, end, "Bail out!")) {
		k->info.bailed_out = true;
		copy_trim(k->info.reason, sizeof(k->info.reason), s + 9, end);
		return;
	}
	if (plen > HPC_KTAP_PREFIX_MAX)
		return;

	if (parse_version(s, end, &ktap, &num)) {
		on_version(k, plen, ktap, num);
	} else if (parse_plan(s, end, &num, &dir)) {
		on_plan(k, plen, num, dir, end);
	} else if (parse_result(s, end, &pr)) {
		depth = level_for(k, k->work, plen);
		if (depth >= 0)
			add_result(k, (unsigned int)depth, &pr, end);
	} else if (hashed) {
		note_run(k, s, end);
	}
}

void hpc_ktap_text(struct hpc_ktap *k, const char *buf, size_t len)
{
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;

		hpc_ktap_line(k, buf, n);
		if (!nl)
			break;
		buf += n + 1;
		len -= n + 1;
	}
}

void hpc_ktap_finish(struct hpc_ktap *k)
{
	if (!k || k->finished)
		return;
	close_levels(k, 0);
	k->finished = true;
}

const struct hpc_ktap_info *hpc_ktap_info(const struct hpc_ktap *k)
{
	return &k->info;
}

size_t hpc_ktap_nresults(const struct hpc_ktap *k)
{
	return k->nres;
}

const struct hpc_ktap_result *hpc_ktap_result(const struct hpc_ktap *k,
					      size_t i)
{
	return i < k->nres ? &k->res[i] : NULL;
}

unsigned long hpc_ktap_count(const struct hpc_ktap *k, unsigned int depth,
			     enum hpc_ktap_res res)
{
	if (depth > HPC_KTAP_MAX_DEPTH || (unsigned int)res >= HPC_KTAP__RES_COUNT)
		return 0;
	return k->depth_counts[depth][res];
}
