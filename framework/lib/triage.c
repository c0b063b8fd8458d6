// SPDX-License-Identifier: GPL-2.0
/*
 * Crash triage: a streaming classifier of kernel console logs.
 *
 * Each console line is copied (bounded) into one buffer, made printable,
 * stripped of the printk timestamp and caller id, and then either starts a
 * report (it matches a first-line pattern of the table) or is offered to the
 * reports still pending, which look in it for the function that names them
 * (RIP line, call-trace frame, lockdep "at:" line). A pending report is
 * completed when it found its function, at an end-of-report marker, when
 * its line window runs out, when its caller starts another report, or at
 * hpc_triage_finish().
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpc/linebuf.h"
#include "hpc/triage.h"

#define FUNC_MAX	128
#define CAP_N		9	/* captures %1..%9 */
#define CAP_MAX		128
#define CALLER_MAX	12
#define READ_LINE_MAX	4096

struct pend {
	const struct hpc_tpat *pat;
	size_t line;
	enum hpc_report_src src;
	char caller[CALLER_MAX];
	char cap[CAP_N + 1][CAP_MAX];	/* [0] unused */
	char fallback[FUNC_MAX];	/* first usable frame, if better absent */
	unsigned int seen;		/* lines offered so far */
	unsigned char rip_seen;
	unsigned char rip_failed;	/* RIP unusable: take the next frame */
	unsigned char in_trace;	/* inside a "Call Trace:" or "backtrace:" */
};

struct hpc_triage {
	regex_t *re;
	size_t nre;
	size_t lineno;
	char buf[HPC_TRIAGE_LINE_MAX + 1];
	struct pend pend[HPC_TRIAGE_MAX_PENDING];
	size_t npend;
	struct hpc_report rep[HPC_TRIAGE_MAX_REPORTS];
	size_t nrep;
	struct hpc_report extra;	/* best of those that did not fit */
	int has_extra;
	size_t dropped;
};

/* ---- small string helpers ---- */

static int is_ident(int c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static int is_symch(int c)
{
	return is_ident(c) || c == '.';
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static const char *skip_xdigits(const char *p)
{
	while (isxdigit((unsigned char)*p))
		p++;
	return p;
}

/* Bounded copy of n bytes into out (always NUL-terminated). */
static void copy_n(char *out, size_t outsz, const char *s, size_t n)
{
	if (outsz == 0)
		return;
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* ---- functions and titles ---- */

/*
 * Parse "name+0xHEX[/0xHEX]" at p. On success store the cleaned name
 * (compiler suffixes after the first '.' dropped) and return the end.
 */
static const char *parse_sym(const char *p, char *out, size_t outsz)
{
	const char *name = p, *q = p, *dot;
	size_t n;

	while (is_symch(*q))
		q++;
	n = (size_t)(q - name);
	if (n == 0 || q[0] != '+' || q[1] != '0' || q[2] != 'x' ||
	    !isxdigit((unsigned char)q[3]))
		return NULL;
	dot = memchr(name, '.', n);
	if (dot)
		n = (size_t)(dot - name);
	if (n == 0 || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return NULL;
	q = skip_xdigits(q + 3);
	if (q[0] == '/' && q[1] == '0' && q[2] == 'x' &&
	    isxdigit((unsigned char)q[3]))
		q = skip_xdigits(q + 3);
	copy_n(out, outsz, name, n);
	return q;
}

size_t hpc_triage_func(const char *s, char *out, size_t outsz)
{
	const char *p = s;

	if (outsz)
		out[0] = '\0';
	while (*p) {
		p = skip_ws(p);
		if (p[0] == '[' && p[1] == '<') {
			/* "[<ffffffff81234567>]" address, not a name */
			while (*p && *p != ']')
				p++;
			if (*p)
				p++;
			continue;
		}
		if (*p == '(')
			p++;
		if (parse_sym(p, out, outsz))
			return strlen(out);
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return 0;
}

int hpc_triage_skip_func(const char *func)
{
	for (size_t i = 0; i < hpc_triage_skip_len; i++) {
		const char *pat = hpc_triage_skip[i];
		size_t n = strlen(pat);

		if (n && pat[n - 1] == '*') {
			if (strncmp(func, pat, n - 1) == 0)
				return 1;
		} else if (strcmp(func, pat) == 0) {
			return 1;
		}
	}
	return 0;
}

/* A usable function: found, and not one the walk passes over. */
static int good_func(const char *s, char *out, size_t outsz)
{
	return hpc_triage_func(s, out, outsz) && !hpc_triage_skip_func(out);
}

/*
 * A reliable call-trace frame: " func+0x1a/0x30 [mod]", or
 * "[<ffffffff81234567>] func+0x1a/0x30" (kmemleak, lockdep). "? func"
 * frames are guesses of the unwinder and are not used.
 */
static int parse_frame(const char *s, char *out, size_t outsz)
{
	const char *p = skip_ws(s);

	if (strncmp(p, "kmemleak:", 9) == 0)
		p = skip_ws(p + 9);
	if (p[0] == '[' && p[1] == '<') {
		p = strchr(p, ']');
		if (!p)
			return 0;
		p = skip_ws(p + 1);
	}
	if (*p == '?')
		return 0;
	p = parse_sym(p, out, outsz);
	if (!p)
		return 0;
	p = skip_ws(p);
	return *p == '\0' || *p == '[';
}

static void put(char *out, size_t outsz, size_t *o, const char *s, size_t n)
{
	while (n-- && *o + 1 < outsz)
		out[(*o)++] = *s++;
}

void hpc_triage_normalise(const char *in, char *out, size_t outsz)
{
	const char *p = in;
	size_t o = 0;

	if (outsz == 0)
		return;
	while (*p && o + 1 < outsz) {
		if (p[0] == '+' && p[1] == '0' && p[2] == 'x' &&
		    isxdigit((unsigned char)p[3])) {
			/* code offset "+0x1a/0x30" */
			p = skip_xdigits(p + 3);
			if (p[0] == '/' && p[1] == '0' && p[2] == 'x' &&
			    isxdigit((unsigned char)p[3]))
				p = skip_xdigits(p + 3);
			continue;
		}
		if (is_ident(*p)) {
			const char *w = p, *d;
			size_t n, i;
			int all_x = 1, has_d = 0;

			while (is_ident(*p))
				p++;
			n = (size_t)(p - w);
			for (i = 0; i < n; i++) {
				if (!isxdigit((unsigned char)w[i]))
					all_x = 0;
				if (isdigit((unsigned char)w[i]))
					has_d = 1;
			}
			if (n > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) {
				for (i = 2; i < n && isxdigit((unsigned char)w[i]);)
					i++;
				if (i == n) {
					put(out, outsz, &o, "NUM", 3);
					continue;
				}
			}
			if (all_x && has_d && n >= 8) {
				put(out, outsz, &o, "ADDR", 4);
				continue;
			}
			d = w;
			while (d < p && isdigit((unsigned char)*d))
				d++;
			if (d > w) {
				/* "22s" -> "NUMs", "123" -> "NUM" */
				put(out, outsz, &o, "NUM", 3);
				put(out, outsz, &o, d, (size_t)(p - d));
			} else {
				put(out, outsz, &o, w, n);
			}
			continue;
		}
		if (*p == ' ' || *p == '\t') {
			if (o > 0 && out[o - 1] != ' ')
				out[o++] = ' ';
			p++;
			continue;
		}
		out[o++] = *p++;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

static void format_title(char *out, size_t outsz, const char *fmt,
			 const struct pend *r, const char *func)
{
	size_t o = 0;
	const char *f;

	for (f = fmt; *f && o + 1 < outsz; f++) {
		if (f[0] != '%' || !f[1]) {
			out[o++] = *f;
			continue;
		}
		f++;
		if (*f == 'f')
			put(out, outsz, &o, func, strlen(func));
		else if (*f >= '1' && *f <= '0' + CAP_N)
			put(out, outsz, &o, r->cap[*f - '0'],
			    strlen(r->cap[*f - '0']));
		else
			out[o++] = *f;
	}
	/* an empty capture must not leave a double or trailing space */
	out[o] = '\0';
	for (char *s = out; (s = strstr(s, "  ")) != NULL;)
		memmove(s, s + 1, strlen(s + 1) + 1);
	o = strlen(out);
	while (o > 0 && out[o - 1] == ' ')
		out[--o] = '\0';
}

/* ---- reports ---- */

static int better(const struct hpc_report *a, const struct hpc_report *b)
{
	return a->prio > b->prio || (a->prio == b->prio && a->line < b->line);
}

static int same(const struct hpc_report *a, const struct hpc_report *b)
{
	return a->cls == b->cls && strcmp(a->title, b->title) == 0;
}

static void add_report(struct hpc_triage *t, const struct hpc_report *nr)
{
	for (size_t i = 0; i < t->nrep; i++) {
		if (same(&t->rep[i], nr)) {
			t->rep[i].count++;
			return;
		}
	}
	if (t->nrep < HPC_TRIAGE_MAX_REPORTS) {
		t->rep[t->nrep++] = *nr;
		return;
	}
	t->dropped++;
	if (t->has_extra && same(&t->extra, nr)) {
		t->extra.count++;
	} else if (!t->has_extra || better(nr, &t->extra)) {
		t->extra = *nr;
		t->has_extra = 1;
	}
}

static void finalise(struct hpc_triage *t, size_t idx, const char *func)
{
	struct pend *r = &t->pend[idx];
	const struct hpc_tpat *pat = r->pat;
	struct hpc_report nr;
	const char *fmt;

	memset(&nr, 0, sizeof(nr));
	if (!func && r->fallback[0])
		func = r->fallback;
	if (func && func[0])
		fmt = pat->title;
	else
		fmt = pat->title_nofunc ? pat->title_nofunc : pat->title;
	format_title(nr.title, sizeof(nr.title), fmt, r, func ? func : "");
	nr.cls = pat->cls;
	nr.prio = pat->prio;
	nr.line = r->line;
	nr.src = r->src;
	nr.count = 1;
	add_report(t, &nr);

	memmove(&t->pend[idx], &t->pend[idx + 1],
		(t->npend - idx - 1) * sizeof(t->pend[0]));
	t->npend--;
}

/* "Call Trace:" (dump_stack, oops) or "backtrace:" (kmemleak) */
static int trace_start(const char *p)
{
	p = skip_ws(p);
	if (strncmp(p, "kmemleak:", 9) == 0)
		p = skip_ws(p + 9);
	return strncmp(p, "Call Trace:", 11) == 0 ||
	       strncmp(p, "backtrace", 9) == 0;
}

/*
 * Offer a continuation line to a pending report. Returns 1 when the report
 * found its function in it (the caller then finalises it with func).
 * Frames count only inside a call trace: lines such as "Preemption
 * disabled at:" or lockdep's dependency chains are not the failing stack.
 */
static int feed(struct pend *r, const char *p, char *func, size_t fsz)
{
	const struct hpc_tpat *pat = r->pat;
	char tmp[FUNC_MAX];
	int frame = 0;

	if (trace_start(p)) {
		r->in_trace = 1;
		return 0;
	}
	if (r->in_trace)
		frame = parse_frame(p, tmp, sizeof(tmp)) &&
			!hpc_triage_skip_func(tmp);

	switch (pat->src) {
	case HPC_TS_HEADER:
	case HPC_TS_RIP:
		if (strncmp(p, "RIP: ", 5) == 0) {
			const char *c = strchr(p + 5, ':');

			/*
			 * Later RIPs are other contexts, but for the one a
			 * call trace passes through: a backtrace taken in an
			 * interrupt whose first RIP was in interrupt plumbing
			 * shows the interrupted frame after </IRQ>
			 */
			if (r->rip_seen)
				return r->rip_failed && r->in_trace && c &&
				       good_func(c + 1, func, fsz);
			r->rip_seen = 1;
			if (c && good_func(c + 1, func, fsz))
				return 1;
			r->rip_failed = 1;
			return 0;
		}
		break;
	case HPC_TS_STACK:
		if (frame) {
			copy_n(func, fsz, tmp, strlen(tmp));
			return 1;
		}
		return 0;
	case HPC_TS_LOCK: {
		const char *at = strstr(p, ", at: ");

		/* the first lock line names the lock being taken: its site */
		if (at && hpc_triage_func(at + 6, func, fsz))
			return 1;
		break;
	}
	case HPC_TS_NONE:
	default:
		return 0;
	}
	if (frame && r->rip_failed) {
		copy_n(func, fsz, tmp, strlen(tmp));
		return 1;
	}
	if (frame && !r->fallback[0])
		copy_n(r->fallback, sizeof(r->fallback), tmp, strlen(tmp));
	return 0;
}

/* ---- line handling ---- */

/*
 * Strip "<4>", "[   12.345678]" and "[    T1]" / "[  C0]" prefixes (any
 * order the console uses) and the one space after them. The caller id, if
 * any, goes to caller ("T1", "C0").
 */
static char *strip_prefix(char *s, char *caller, size_t csz)
{
	char *p = s, *q;
	int stripped = 0;

	caller[0] = '\0';
	if (p[0] == '<' && isdigit((unsigned char)p[1])) {
		q = p + 1;
		while (isdigit((unsigned char)*q))
			q++;
		if (*q == '>') {
			p = q + 1;
			stripped = 1;
		}
	}
	for (int i = 0; i < 2 && *p == '['; i++) {
		q = p + 1;
		while (*q == ' ')
			q++;
		if (isdigit((unsigned char)*q)) {
			/* timestamp */
			while (isdigit((unsigned char)*q))
				q++;
			if (*q == '.') {
				q++;
				while (isdigit((unsigned char)*q))
					q++;
			}
			if (*q != ']')
				break;
		} else if ((*q == 'T' || *q == 'C') &&
			   isdigit((unsigned char)q[1])) {
			const char *id = q++;

			while (isdigit((unsigned char)*q))
				q++;
			if (*q != ']')
				break;
			copy_n(caller, csz, id, (size_t)(q - id));
		} else {
			break;
		}
		p = q + 1;
		stripped = 1;
	}
	if (stripped && *p == ' ')
		p++;
	return p;
}

static int end_marker(const char *p)
{
	size_t n = 0;

	if (strncmp(p, "---[ end ", 9) == 0)
		return 1;
	while (p[n] == '=')
		n++;
	return n >= 20 && p[n] == '\0';
}

/* Exact same printk caller (both unknown counts as the same). */
static int same_caller(const struct pend *r, const char *caller)
{
	return strcmp(r->caller, caller) == 0;
}

/* May a line from caller belong to report r? */
static int routed(const struct pend *r, const char *caller)
{
	return !caller[0] || !r->caller[0] || same_caller(r, caller) ||
	       (r->pat->flags & HPC_TF_ANY_CALLER);
}

static const struct hpc_tpat *match(struct hpc_triage *t, const char *p,
				    regmatch_t *m, size_t nm)
{
	if (!isalpha((unsigned char)p[0]) && p[0] != '[')
		return NULL;
	for (size_t i = 0; i < t->nre; i++) {
		const struct hpc_tpat *pat = &hpc_triage_table[i];

		if (pat->prefix && strncmp(p, pat->prefix,
					   strlen(pat->prefix)) != 0)
			continue;
		if (regexec(&t->re[i], p, nm, m, 0) == 0)
			return pat;
	}
	return NULL;
}

static void open_report(struct hpc_triage *t, const struct hpc_tpat *pat,
			const char *p, const regmatch_t *m, const char *caller,
			size_t ref, enum hpc_report_src src)
{
	char func[FUNC_MAX], raw[HPC_TRIAGE_LINE_MAX + 1];
	struct pend *r;
	int have_func = 0;

	if (t->npend == HPC_TRIAGE_MAX_PENDING)
		finalise(t, 0, NULL);	/* the oldest gives up its search */
	r = &t->pend[t->npend++];
	memset(r, 0, sizeof(*r));
	r->pat = pat;
	r->line = ref;
	r->src = src;
	copy_n(r->caller, sizeof(r->caller), caller, strlen(caller));
	for (int g = 1; g <= CAP_N; g++) {
		if (m[g].rm_so < 0 || m[g].rm_eo < m[g].rm_so)
			continue;
		copy_n(raw, sizeof(raw), p + m[g].rm_so,
		       (size_t)(m[g].rm_eo - m[g].rm_so));
		hpc_triage_normalise(raw, r->cap[g], sizeof(r->cap[g]));
		if (pat->src == HPC_TS_HEADER && g == pat->func_group)
			have_func = good_func(raw, func, sizeof(func));
	}
	if (have_func)
		finalise(t, t->npend - 1, func);
	else if (pat->src == HPC_TS_NONE)
		finalise(t, t->npend - 1, NULL);
}

/*
 * A line that is kernel text from p on: start a report, or offer it to the
 * pending ones. pat/m: the first-line pattern it matched (NULL: none).
 */
static void take_line(struct hpc_triage *t, const struct hpc_tpat *pat,
		      const char *p, const regmatch_t *m, const char *caller,
		      size_t ref, enum hpc_report_src src)
{
	char func[FUNC_MAX];
	size_t i;

	if (pat && (pat->flags & HPC_TF_FOLLOWER)) {
		/* "invalid opcode: 0000 [#1]" after "kernel BUG at" */
		for (i = 0; i < t->npend; i++) {
			if ((t->pend[i].pat->flags & HPC_TF_LEADER) &&
			    routed(&t->pend[i], caller)) {
				t->pend[i].seen++;
				return;
			}
		}
	}
	if (pat && (pat->flags & HPC_TF_CONSEQUENCE) &&
	    (t->nrep || t->npend || t->has_extra))
		return;
	if (pat) {
		/* a caller prints one report at a time */
		for (i = t->npend; i-- > 0;)
			if (same_caller(&t->pend[i], caller))
				finalise(t, i, NULL);
		open_report(t, pat, p, m, caller, ref, src);
		return;
	}

	for (i = 0; i < t->npend;) {
		struct pend *r = &t->pend[i];

		if (!routed(r, caller)) {
			i++;
			continue;
		}
		r->seen++;
		if (end_marker(p)) {
			finalise(t, i, NULL);
			continue;
		}
		if (feed(r, p, func, sizeof(func))) {
			finalise(t, i, func);
			return;		/* the line is used up */
		}
		if (r->seen >= r->pat->window) {
			finalise(t, i, NULL);
			continue;
		}
		i++;
	}
}

size_t hpc_triage_ts_prefix(const char *s, unsigned long long *ts_usec,
			    char *caller, size_t csz)
{
	const char *q = s, *id;
	unsigned long long sec = 0, usec = 0;
	int nd = 0;

	if (csz)
		caller[0] = '\0';
	if (*q++ != '[')
		return 0;
	while (*q == ' ')
		q++;
	if (!isdigit((unsigned char)*q))
		return 0;
	for (; isdigit((unsigned char)*q); q++)
		if (sec < 100000000000ULL)
			sec = sec * 10 + (unsigned long long)(*q - '0');
	if (*q++ != '.' || !isdigit((unsigned char)*q))
		return 0;
	for (; isdigit((unsigned char)*q); q++, nd++)
		if (nd < 6)
			usec = usec * 10 + (unsigned long long)(*q - '0');
	for (; nd < 6; nd++)
		usec *= 10;
	if (*q++ != ']')
		return 0;
	if (ts_usec)
		*ts_usec = sec * 1000000ULL + usec;
	/* "[    T1]" / "[  C0]" right after it */
	if (q[0] == '[') {
		const char *c = q + 1;

		while (*c == ' ')
			c++;
		id = c;
		if ((*c == 'T' || *c == 'C') && isdigit((unsigned char)c[1])) {
			c++;
			while (isdigit((unsigned char)*c))
				c++;
			if (*c == ']') {
				copy_n(caller, csz, id, (size_t)(c - id));
				q = c + 1;
			}
		}
	}
	if (*q == ' ')
		q++;
	return (size_t)(q - s);
}

/* Most places a kernel line is looked for in one console line. */
#define MAX_STARTS	16

void hpc_triage_line(struct hpc_triage *t, const char *line, size_t len)
{
	hpc_triage_line_at(t, line, len, t->lineno + 1);
}

void hpc_triage_line_at(struct hpc_triage *t, const char *line, size_t len,
			size_t lineno)
{
	const struct hpc_tpat *pat = NULL;
	regmatch_t m[CAP_N + 1];
	char caller[CALLER_MAX];
	size_t n, i, starts[MAX_STARTS], nstarts = 0;
	char *p = NULL;

	t->lineno++;
	n = len < HPC_TRIAGE_LINE_MAX ? len : HPC_TRIAGE_LINE_MAX;
	if (n)
		memcpy(t->buf, line, n);
	t->buf[n] = '\0';
	n = hpc_sanitize(t->buf, n);

	/*
	 * The console is shared: a kernel line starts at the start of the
	 * console line, or wherever a printk timestamp is (after a partial
	 * line of a program, "\r", an escape, a stray byte, junk).
	 */
	starts[nstarts++] = 0;
	for (i = 1; i < n && nstarts < MAX_STARTS; i++)
		if (t->buf[i] == '[' &&
		    hpc_triage_ts_prefix(t->buf + i, NULL, NULL, 0))
			starts[nstarts++] = i;
	for (i = 0; i < nstarts; i++) {
		p = strip_prefix(t->buf + starts[i], caller, sizeof(caller));
		pat = match(t, p, m, CAP_N + 1);
		if (pat)
			break;
	}
	if (!pat) {
		/* a continuation line: the last kernel line start in it */
		p = strip_prefix(t->buf + starts[nstarts - 1], caller,
				 sizeof(caller));
	}
	take_line(t, pat, p, m, caller, lineno, HPC_SRC_CONSOLE);
}

void hpc_triage_kline(struct hpc_triage *t, const char *caller,
		      const char *text, size_t len, size_t ref)
{
	const struct hpc_tpat *pat;
	regmatch_t m[CAP_N + 1];
	char cl[CALLER_MAX];
	size_t n;

	t->lineno++;
	n = len < HPC_TRIAGE_LINE_MAX ? len : HPC_TRIAGE_LINE_MAX;
	if (n)
		memcpy(t->buf, text, n);
	t->buf[n] = '\0';
	hpc_sanitize(t->buf, n);
	copy_n(cl, sizeof(cl), caller ? caller : "",
	       caller ? strnlen(caller, sizeof(cl)) : 0);
	pat = match(t, t->buf, m, CAP_N + 1);
	take_line(t, pat, t->buf, m, cl, ref, HPC_SRC_KMSG);
}

void hpc_triage_finish(struct hpc_triage *t)
{
	while (t->npend)
		finalise(t, 0, NULL);
}

/* ---- lifetime and accessors ---- */

struct hpc_triage *hpc_triage_new(void)
{
	struct hpc_triage *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->re = calloc(hpc_triage_table_len, sizeof(*t->re));
	if (!t->re) {
		free(t);
		return NULL;
	}
	for (; t->nre < hpc_triage_table_len; t->nre++) {
		if (regcomp(&t->re[t->nre], hpc_triage_table[t->nre].regex,
			    REG_EXTENDED) != 0) {
			hpc_triage_free(t);
			return NULL;
		}
	}
	return t;
}

void hpc_triage_free(struct hpc_triage *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nre; i++)
		regfree(&t->re[i]);
	free(t->re);
	free(t);
}

size_t hpc_triage_count(const struct hpc_triage *t)
{
	return t->nrep;
}

const struct hpc_report *hpc_triage_get(const struct hpc_triage *t, size_t i)
{
	return i < t->nrep ? &t->rep[i] : NULL;
}

const struct hpc_report *hpc_triage_primary(const struct hpc_triage *t)
{
	const struct hpc_report *best = t->has_extra ? &t->extra : NULL;

	for (size_t i = 0; i < t->nrep; i++)
		if (!best || better(&t->rep[i], best))
			best = &t->rep[i];
	return best;
}

size_t hpc_triage_dropped(const struct hpc_triage *t)
{
	return t->dropped;
}

size_t hpc_triage_lines(const struct hpc_triage *t)
{
	return t->lineno;
}

/* ---- reading files ---- */

static void feed_cb(void *ctx, const char *line, size_t len,
		    unsigned int flags)
{
	(void)flags;
	hpc_triage_line(ctx, line, len);
}

int hpc_triage_fd(struct hpc_triage *t, int fd)
{
	return hpc_linebuf_read_fd(fd, READ_LINE_MAX, feed_cb, t);
}

int hpc_triage_file(const char *path, struct hpc_triage **out)
{
	struct hpc_triage *t;
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	t = hpc_triage_new();
	if (!t) {
		close(fd);
		return -ENOMEM;
	}
	ret = hpc_triage_fd(t, fd);
	close(fd);
	if (ret < 0) {
		hpc_triage_free(t);
		return ret;
	}
	hpc_triage_finish(t);
	*out = t;
	return 0;
}

void hpc_triage_reset(struct hpc_triage *t)
{
	t->lineno = 0;
	t->npend = 0;
	t->nrep = 0;
	t->has_extra = 0;
	t->dropped = 0;
}

size_t hpc_triage_pending(const struct hpc_triage *t)
{
	return t->npend;
}
