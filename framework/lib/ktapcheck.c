// SPDX-License-Identifier: GPL-2.0
/*
 * Strict KTAP v1 checker: says whether a ktap.txt is valid and where not.
 * The rules are in hpc/ktapcheck.h. A stack of open documents (one per
 * nesting level, found by indentation), each with its plan, its results and
 * the names seen in it; no recursion.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hpc/ktapcheck.h"

#define NUM_MAX 999999999UL	/* larger test numbers / plans are errors */

struct name_ent {
	char *name;
	unsigned long line;
};

struct level {
	size_t indent;
	unsigned long version_line;
	long plan;			/* -1: none */
	unsigned long plan_line;
	unsigned long results;
	unsigned long last;		/* last test number */
	bool plan_missing_said;
	struct name_ent *names;		/* open addressing */
	size_t ncap, nnames;
};

struct hpc_kcheck {
	struct hpc_kcheck_opts o;
	hpc_kcheck_fn fn;
	void *arg;
	struct level lv[HPC_KCHECK_MAX_DEPTH + 1];
	int depth;			/* top open level; -1 before the version line */
	unsigned long lineno;
	unsigned long problems;
	unsigned long names;		/* stored in all levels */
	bool skipping;			/* inside a document nested too deep */
	size_t skip_indent;
	bool finished;
};

enum kind { K_UNKNOWN, K_DIAG, K_VERSION, K_PLAN, K_RESULT };

static void say(struct hpc_kcheck *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(struct hpc_kcheck *k, const char *fmt, ...)
{
	char msg[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	k->problems++;
	if (k->fn)
		k->fn(k->arg, k->lineno ? k->lineno : 1, msg);
}

/* Up to 60 bytes of s, printable, for a message. */
static void shown(char *out, size_t cap, const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 4 < cap && i < 60; i++)
		out[n++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (len > 60 && n + 4 < cap) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

static void names_clear(struct level *l, struct hpc_kcheck *k)
{
	for (size_t i = 0; i < l->ncap; i++)
		free(l->names[i].name);
	k->names -= l->nnames;
	free(l->names);
	l->names = NULL;
	l->ncap = l->nnames = 0;
}

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static int names_grow(struct level *l)
{
	size_t cap = l->ncap ? l->ncap * 2 : 16;
	struct name_ent *t = calloc(cap, sizeof(*t));

	if (!t)
		return -1;
	for (size_t i = 0; i < l->ncap; i++) {
		size_t j;

		if (!l->names[i].name)
			continue;
		j = hash(l->names[i].name, strlen(l->names[i].name)) & (cap - 1);
		while (t[j].name)
			j = (j + 1) & (cap - 1);
		t[j] = l->names[i];
	}
	free(l->names);
	l->names = t;
	l->ncap = cap;
	return 0;
}

/* The line name was first seen at in l, or 0 after adding it (or when full). */
static unsigned long names_add(struct hpc_kcheck *k, struct level *l,
			       const char *name, size_t n)
{
	size_t j;

	if (n > HPC_KCHECK_NAME_MAX)
		n = HPC_KCHECK_NAME_MAX;
	if (k->names >= HPC_KCHECK_MAX_NAMES)
		return 0;
	if ((l->nnames + 1) * 2 > l->ncap && names_grow(l) < 0)
		return 0;
	for (j = hash(name, n) & (l->ncap - 1); l->names[j].name;
	     j = (j + 1) & (l->ncap - 1))
		if (strlen(l->names[j].name) == n && memcmp(l->names[j].name, name, n) == 0)
			return l->names[j].line;
	l->names[j].name = strndup(name, n);
	if (!l->names[j].name)
		return 0;
	l->names[j].line = k->lineno;
	l->nnames++;
	k->names++;
	return 0;
}

static void level_open(struct hpc_kcheck *k, int d, size_t indent)
{
	struct level *l = &k->lv[d];

	names_clear(l, k);
	memset(l, 0, sizeof(*l));
	l->indent = indent;
	l->version_line = k->lineno;
	l->plan = -1;
	k->depth = d;
}

/* The document of l reached its first test: it must have had a plan. */
static void need_plan(struct hpc_kcheck *k, struct level *l)
{
	if (l->plan >= 0 || k->o.plan_optional || l->plan_missing_said)
		return;
	l->plan_missing_said = true;
	say(k, "no plan before the first test (expected 1..N right after the version line of line %lu)",
	    l->version_line);
}

/* Its results against its plan, at the line that ends the document. */
static void plan_count(struct hpc_kcheck *k, struct level *l)
{
	if (l->plan >= 0 && l->results != (unsigned long)l->plan)
		say(k, "%lu test results for the plan 1..%ld of line %lu (expected %ld)",
		    l->results, l->plan, l->plan_line, l->plan);
	else if (l->plan < 0 && !l->results)
		need_plan(k, l);
}

/*
 * Close the open levels above level j. The one right above j is closed by
 * its parent's result line when by_result; every other one lacks it.
 */
static void close_above(struct hpc_kcheck *k, int j, bool by_result)
{
	for (int d = k->depth; d > j; d--) {
		struct level *l = &k->lv[d];

		plan_count(k, l);
		if (!(by_result && d == j + 1))
			say(k, "the subtest of line %lu has no result line (expected \"ok N\" or \"not ok N\" at indent %zu after it)",
			    l->version_line, k->lv[d - 1].indent);
		names_clear(l, k);
	}
	k->depth = j;
}

/* The open level indented by ws, or -1. */
static int level_at(const struct hpc_kcheck *k, size_t ws)
{
	for (int d = k->depth; d >= 0; d--)
		if (k->lv[d].indent == ws)
			return d;
	return -1;
}

/* The open level indented nearest to ws (a tie: the deeper one). */
static int level_near(const struct hpc_kcheck *k, size_t ws)
{
	int d = k->depth;

	while (d > 0 && k->lv[d - 1].indent + k->lv[d].indent >= 2 * ws + 1)
		d--;
	return d;
}

/* An unsigned decimal at s (at most 9 digits); its length, 0 if none or too long. */
static size_t number(const char *s, size_t len, unsigned long *v)
{
	size_t i = 0;

	*v = 0;
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		if (i == 9)
			return 0;
		*v = *v * 10 + (unsigned long)(s[i] - '0');
		i++;
	}
	return i;
}

static bool starts(const char *s, size_t len, const char *p)
{
	size_t n = strlen(p);

	return len >= n && memcmp(s, p, n) == 0;
}

static enum kind classify(const char *s, size_t len)
{
	if (starts(s, len, "KTAP version ") || starts(s, len, "TAP version "))
		return K_VERSION;
	if (starts(s, len, "1.."))
		return K_PLAN;
	if ((starts(s, len, "ok ") && len > 3 && s[3] >= '0' && s[3] <= '9') ||
	    (starts(s, len, "not ok ") && len > 7 && s[7] >= '0' && s[7] <= '9'))
		return K_RESULT;
	if (len && s[0] == '#')
		return K_DIAG;
	return K_UNKNOWN;
}

static bool version_ok(const char *s, size_t len)
{
	return (len == 14 && memcmp(s, "KTAP version 1", 14) == 0) ||
	       (len == 14 && (memcmp(s, "TAP version 13", 14) == 0 ||
			      memcmp(s, "TAP version 14", 14) == 0));
}

static int on_version(struct hpc_kcheck *k, const char *s, size_t len, size_t ws)
{
	struct level *top = &k->lv[k->depth];
	char txt[80];
	int j;

	shown(txt, sizeof(txt), s, len);
	if (!version_ok(s, len))
		say(k, "unknown version line \"%s\" (expected KTAP version 1)", txt);
	if (ws > top->indent) {
		if (k->o.indent && ws != top->indent + k->o.indent)
			say(k, "subtest indented by %zu spaces (expected %zu: %u per level)",
			    ws, top->indent + k->o.indent, k->o.indent);
		need_plan(k, top);
		if (k->depth == HPC_KCHECK_MAX_DEPTH) {
			say(k, "subtests nested deeper than %d levels; their lines are not checked (at most %d levels)",
			    HPC_KCHECK_MAX_DEPTH, HPC_KCHECK_MAX_DEPTH);
			k->skipping = true;
			k->skip_indent = ws;
			return -1;
		}
		level_open(k, k->depth + 1, ws);
		return k->depth;
	}
	j = level_at(k, ws);
	if (j < 0) {
		say(k, "version line indented by %zu spaces, as no open document (expected %zu, or deeper for a subtest)",
		    ws, top->indent);
		return -1;
	}
	close_above(k, j, false);
	plan_count(k, &k->lv[j]);
	say(k, "a second version line in the document of line %lu (expected a result line; a subtest is indented deeper)",
	    k->lv[j].version_line);
	level_open(k, j, ws);
	return j;
}

static int on_plan(struct hpc_kcheck *k, const char *s, size_t len, size_t ws)
{
	unsigned long n;
	size_t d = number(s + 3, len - 3, &n);
	struct level *l;
	char txt[80];
	int j = level_at(k, ws);

	shown(txt, sizeof(txt), s, len);
	if (!d || (3 + d < len && !starts(s + 3 + d, len - 3 - d, " #"))) {
		say(k, "malformed plan \"%s\" (expected 1..N, N at most %lu)", txt, NUM_MAX);
		return -1;
	}
	if (j < 0) {
		say(k, "plan indented by %zu spaces, as no open document (expected %zu)",
		    ws, k->lv[k->depth].indent);
		return -1;
	}
	close_above(k, j, false);
	l = &k->lv[j];
	if (l->plan >= 0)
		say(k, "a second plan in the document of line %lu (expected one, the first at line %lu)",
		    l->version_line, l->plan_line);
	else if (l->results || l->plan_missing_said)
		say(k, "plan after the first test (expected right after the version line of line %lu)",
		    l->version_line);
	else {
		l->plan = (long)n;
		l->plan_line = k->lineno;
	}
	return j;
}

/* Parse a result line, its name into name and nlen; false (said) if malformed. */
static bool result_parse(struct hpc_kcheck *k, const char *s, size_t len,
			 unsigned long *num, const char **name, size_t *nlen)
{
	size_t p = s[0] == 'o' ? 3 : 7, d = number(s + p, len - p, num);
	const char *hash;
	char txt[80];

	shown(txt, sizeof(txt), s, len);
	if (!d) {
		say(k, "test number too large in \"%s\" (expected at most %lu)", txt, NUM_MAX);
		return false;
	}
	p += d;
	if (p < len && s[p] != ' ') {
		say(k, "malformed result line \"%s\" (expected \"ok N\" or \"not ok N\", then a space or the end)", txt);
		return false;
	}
	p += p < len;
	*name = s + p;
	hash = memchr(s + p, '#', len - p);
	*nlen = (hash ? (size_t)(hash - s) : len) - p;
	if (hash && hash > s + p && hash[-1] != ' ') {
		say(k, "'#' in the test description of \"%s\" (expected \" # \" before a directive or diagnostic)", txt);
		return false;
	}
	if (*nlen >= 2 && memcmp(*name, "- ", 2) == 0) {
		*name += 2;
		*nlen -= 2;
	}
	while (*nlen && (*name)[*nlen - 1] == ' ')
		(*nlen)--;
	return true;
}

static int on_result(struct hpc_kcheck *k, const char *s, size_t len, size_t ws)
{
	unsigned long num, first;
	const char *name;
	size_t nlen;
	struct level *l;
	char txt[80];
	int j = level_at(k, ws);

	if (j < 0) {
		j = level_near(k, ws);
		if (ws > k->lv[k->depth].indent)
			say(k, "result line indented by %zu spaces, deeper than its document (expected %zu; a subtest starts with a version line)",
			    ws, k->lv[k->depth].indent);
		else
			say(k, "result line indented by %zu spaces, as no open document (expected %zu)",
			    ws, k->lv[j].indent);
	}
	close_above(k, j, true);
	l = &k->lv[j];
	need_plan(k, l);
	if (!result_parse(k, s, len, &num, &name, &nlen))
		return j;
	if (num != l->last + 1)
		say(k, "test number %lu (expected %lu)", num, l->last + 1);
	l->last = num;
	l->results++;
	if (nlen && (first = names_add(k, l, name, nlen))) {
		shown(txt, sizeof(txt), name, nlen);
		say(k, "test name \"%s\" again in one document (expected unique names; first at line %lu)",
		    txt, first);
	}
	return j;
}

struct hpc_kcheck *hpc_kcheck_new(const struct hpc_kcheck_opts *opts,
				  hpc_kcheck_fn fn, void *arg)
{
	struct hpc_kcheck *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->o.indent = 4;
	if (opts)
		k->o = *opts;
	k->fn = fn;
	k->arg = arg;
	k->depth = -1;
	return k;
}

void hpc_kcheck_free(struct hpc_kcheck *k)
{
	if (!k)
		return;
	for (int d = 0; d <= HPC_KCHECK_MAX_DEPTH; d++)
		names_clear(&k->lv[d], k);
	free(k);
}

/* The first line: the version line at column 0, else said and assumed. */
static bool first_line(struct hpc_kcheck *k, enum kind t, const char *s,
		       size_t len, size_t ws)
{
	char txt[80];

	level_open(k, 0, 0);
	if (t == K_VERSION && ws == 0) {
		if (!version_ok(s, len)) {
			shown(txt, sizeof(txt), s, len);
			say(k, "unknown version line \"%s\" (expected KTAP version 1)", txt);
		}
		return true;
	}
	say(k, "the file does not begin with a version line (expected KTAP version 1 at column 0)");
	return false;
}

int hpc_kcheck_line(struct hpc_kcheck *k, const char *line, size_t len)
{
	size_t ws = 0;
	bool tab = false;
	enum kind t;

	if (k->finished)
		return -1;
	k->lineno++;
	if (len > HPC_KCHECK_LINE_MAX)
		len = HPC_KCHECK_LINE_MAX;
	while (ws < len && (line[ws] == ' ' || line[ws] == '\t'))
		tab |= line[ws++] == '\t';
	t = classify(line + ws, len - ws);
	if (k->depth < 0 && first_line(k, t, line + ws, len - ws, ws))
		return 0;
	if (t == K_DIAG || t == K_UNKNOWN)
		return -1;
	if (k->skipping && ws >= k->skip_indent)
		return -1;
	k->skipping = false;
	if (tab)
		say(k, "a tab in the indentation (expected spaces only)");
	if (t == K_VERSION)
		return on_version(k, line + ws, len - ws, ws);
	if (t == K_PLAN)
		return on_plan(k, line + ws, len - ws, ws);
	return on_result(k, line + ws, len - ws, ws);
}

void hpc_kcheck_finish(struct hpc_kcheck *k)
{
	if (k->finished)
		return;
	if (k->depth < 0) {
		say(k, "no KTAP in the file (expected KTAP version 1 as its first line)");
	} else {
		close_above(k, 0, false);
		plan_count(k, &k->lv[0]);
	}
	k->finished = true;
}

unsigned long hpc_kcheck_problems(const struct hpc_kcheck *k)
{
	return k->problems;
}

struct stream_out {
	FILE *out;
	const char *name;
};

static void stream_say(void *arg, unsigned long line, const char *msg)
{
	const struct stream_out *so = arg;

	fprintf(so->out, "%s:%lu: %s\n", so->name, line, msg);
}

/* The next line of in, its first cap bytes in buf (the rest is read and dropped). */
static int read_line(FILE *in, char *buf, size_t cap, size_t *len)
{
	int c = EOF;
	size_t n = 0;

	while ((c = getc(in)) != EOF && c != '\n')
		if (n < cap)
			buf[n++] = (char)c;
	*len = n;
	if (c == EOF && ferror(in))
		return -1;
	return c == EOF && n == 0 ? 0 : 1;
}

long hpc_kcheck_stream(FILE *in, const char *name,
		       const struct hpc_kcheck_opts *opts, FILE *out)
{
	struct stream_out so = { out, name };
	struct hpc_kcheck *k = hpc_kcheck_new(opts, stream_say, &so);
	char *buf = malloc(HPC_KCHECK_LINE_MAX);
	size_t len;
	long r;
	int rc;

	if (!k || !buf) {
		hpc_kcheck_free(k);
		free(buf);
		errno = ENOMEM;
		return -1;
	}
	while ((rc = read_line(in, buf, HPC_KCHECK_LINE_MAX, &len)) > 0)
		hpc_kcheck_line(k, buf, len);
	if (rc == 0)
		hpc_kcheck_finish(k);
	r = rc < 0 ? -1 : (long)hpc_kcheck_problems(k);
	hpc_kcheck_free(k);
	free(buf);
	return r;
}
