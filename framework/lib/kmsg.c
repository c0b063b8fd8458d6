// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kmsg records and the merge of the two kernel channels (the records
 * the agent forwards, the console) into one triage. See hpc/kmsg.h.
 *
 * Matching a record with its console line: the console prints a record as
 * "[  ts.usec][caller] text" (one console line per line of the record), so
 * a record line and a console line are the same when their timestamps (in
 * microseconds) and their printable text (the first KEY_TEXT bytes) agree.
 * A program cannot print a record's copy before the kernel printed the
 * record (it does not know the microsecond), so the first console line
 * that matches is the kernel's own.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpc/kmsg.h"
#include "hpc/linebuf.h"

#define KEY_TEXT	1000	/* text bytes the match looks at */
#define PEND_RECS	512	/* record lines not yet seen on the console */
#define TAIL_MAX_LINES	65536	/* console lines kept after the last match */
#define TAIL_MAX_BYTES	(32u << 20)
#define LINE_STARTS	16	/* kernel line starts looked at per line */

/* ---- records ---- */

static int dec_field(const char **p, const char *end, char stop,
		     uint64_t max, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s >= end || !isdigit((unsigned char)*s))
		return -1;
	if (*s == '0' && s + 1 < end && isdigit((unsigned char)s[1]))
		return -1;	/* no leading zeros */
	for (; s < end && isdigit((unsigned char)*s); s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (s >= end || *s != stop)
		return -1;
	*p = s + 1;
	*out = v;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hpc_kmsg_parse(const char *rec, size_t len, struct hpc_kmsg *out)
{
	const char *p = rec, *end = rec + len, *semi;
	uint64_t v;
	size_t o = 0;

	memset(out, 0, sizeof(*out));
	if (!rec || len == 0)
		return -1;
	semi = memchr(rec, ';', len);
	if (!semi)
		return -1;
	if (dec_field(&p, semi, ',', 0x7fffffff, &v) < 0)
		return -1;
	out->prio = (unsigned int)v;
	out->facility = out->prio >> 3;
	out->level = out->prio & 7;
	if (dec_field(&p, semi, ',', UINT64_MAX, &out->seq) < 0 ||
	    dec_field(&p, semi, ',', UINT64_MAX, &out->ts_usec) < 0) {
		/* ts may end the header only if flags are missing: refuse */
		return -1;
	}
	if (p >= semi || !isgraph((unsigned char)*p) || *p == ',')
		return -1;
	out->flags = *p++;
	/* optional ",key=value" fields: caller=T12 is the one we use */
	while (p < semi) {
		const char *f, *fe;

		if (*p != ',')
			return -1;
		f = ++p;
		fe = memchr(f, ',', (size_t)(semi - f));
		if (!fe)
			fe = semi;
		if ((size_t)(fe - f) > 7 && memcmp(f, "caller=", 7) == 0) {
			size_t n = (size_t)(fe - f) - 7, i;

			if (n < 2 || n >= sizeof(out->caller) ||
			    (f[7] != 'T' && f[7] != 'C'))
				return -1;
			for (i = 1; i < n; i++)
				if (!isdigit((unsigned char)f[7 + i]))
					return -1;
			memcpy(out->caller, f + 7, n);
			out->caller[n] = '\0';
		}
		p = fe;
	}
	for (p = semi + 1; p < end; p++) {
		char c = *p;

		if (c == '\\' && p + 1 < end && p[1] == 'x') {
			int h, l;

			if (p + 3 >= end)
				break;	/* cut escape at the end */
			h = hexval((unsigned char)p[2]);
			l = hexval((unsigned char)p[3]);
			if (h >= 0 && l >= 0) {
				c = (char)(h << 4 | l);
				p += 3;
			}
		}
		if (o == HPC_KMSG_TEXT_MAX) {
			out->truncated = 1;
			break;
		}
		out->text[o++] = c;
	}
	out->text[o] = '\0';
	out->text_len = o;
	return 0;
}

/* ---- the merge ---- */

struct key {
	uint64_t ts;
	uint64_t hash;
	uint64_t seq;		/* record keys only */
};

#define PLACED		4096	/* record -> console line, the latest kept */

struct placed {
	uint64_t seq;
	size_t lineno;
};

struct tail_line {
	size_t lineno;
	char *text;		/* sanitized, NUL-terminated */
	size_t len;
	struct key keys[LINE_STARTS];
	unsigned int nkeys;
};

struct hpc_kmerge {
	struct hpc_triage *t;
	struct hpc_kmerge_stats st;
	struct key pend[PEND_RECS];	/* ring of unmatched record lines */
	size_t npend, pend_head;
	struct tail_line *tail;		/* ring, TAIL_MAX_LINES */
	size_t tail_head, ntail, tail_bytes;
	size_t tail_keyed;		/* tail lines with a timestamp */
	uint64_t lost_at_cut;		/* st.lost at the last match */
	struct placed placed[PLACED];	/* ring of matched records */
	/*
	 * The tail triaged as it grows, for an early look (not the verdict).
	 * A match that drops lines from the tail makes it stale (when it had
	 * seen anything); hpc_kmerge_tail_report() triages the tail again
	 * then, once, not every match: a console far ahead of the records
	 * with a report in it cost a full pass per record (quadratic; 5.7 s
	 * of CPU for 721 lines under ASan, found by fuzz_kmerge).
	 */
	struct hpc_triage *preview;
	int preview_stale;
	size_t nplaced;
	int finished;
};

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	if (n > KEY_TEXT)
		n = KEY_TEXT;
	/* trailing blanks are not compared (the console may add none) */
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

struct hpc_kmerge *hpc_kmerge_new(struct hpc_triage *t)
{
	struct hpc_kmerge *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->preview = hpc_triage_new();
	m->tail = calloc(TAIL_MAX_LINES, sizeof(*m->tail));
	if (!m->tail || !m->preview) {
		hpc_triage_free(m->preview);
		free(m->tail);
		free(m);
		return NULL;
	}
	m->t = t;
	return m;
}

static struct tail_line *tail_at(struct hpc_kmerge *m, size_t i)
{
	return &m->tail[(m->tail_head + i) % TAIL_MAX_LINES];
}

static void tail_pop(struct hpc_kmerge *m, int triage)
{
	struct tail_line *tl = tail_at(m, 0);

	if (triage) {
		hpc_triage_line_at(m->t, tl->text, tl->len, tl->lineno);
		m->st.unverified_lines++;
	}
	m->tail_bytes -= tl->len + 1;
	if (tl->nkeys)
		m->tail_keyed--;
	free(tl->text);
	memset(tl, 0, sizeof(*tl));
	m->tail_head = (m->tail_head + 1) % TAIL_MAX_LINES;
	m->ntail--;
}

/* Record seq was printed on console line lineno. */
static void place(struct hpc_kmerge *m, uint64_t seq, size_t lineno)
{
	struct placed *p = &m->placed[m->nplaced++ % PLACED];

	p->seq = seq;
	p->lineno = lineno;
}

/*
 * The console line tail[idx] (idx == ntail: the line being received) is a
 * record's: what the console printed before it is either forwarded too or
 * not the kernel's, and is dropped. After a record loss it is triaged from
 * the console instead, since the lost records may be in it.
 */
static void cut(struct hpc_kmerge *m, size_t idx)
{
	int after_loss = m->st.lost != m->lost_at_cut;
	int in_tail = idx < m->ntail;

	for (size_t i = 0; i < idx; i++)
		tail_pop(m, after_loss);
	if (in_tail)
		tail_pop(m, 0);	/* the matched line itself */
	m->lost_at_cut = m->st.lost;
	m->st.matched++;
	/* the preview starts again with what is left (if it saw anything) */
	if (hpc_triage_count(m->preview) || hpc_triage_pending(m->preview) ||
	    hpc_triage_primary(m->preview))
		m->preview_stale = 1;
}

static int tail_find(struct hpc_kmerge *m, const struct key *k, size_t *idx)
{
	if (!m->tail_keyed)
		return 0;	/* e.g. printk.time=0: nothing to look at */
	for (size_t i = 0; i < m->ntail; i++) {
		const struct tail_line *tl = tail_at(m, i);

		for (unsigned int j = 0; j < tl->nkeys; j++) {
			if (tl->keys[j].ts == k->ts &&
			    tl->keys[j].hash == k->hash) {
				*idx = i;
				return 1;
			}
		}
	}
	return 0;
}

static void record_line(struct hpc_kmerge *m, const struct hpc_kmsg *r,
			const char *s, size_t n)
{
	char buf[HPC_KMSG_TEXT_MAX + 1];
	struct key k;
	size_t idx;

	memcpy(buf, s, n);
	n = hpc_sanitize(buf, n);
	if (r->facility == 0)
		hpc_triage_kline(m->t, r->caller, buf, n, (size_t)r->seq);
	k.ts = r->ts_usec;
	k.hash = fnv(buf, n);
	k.seq = r->seq;
	if (tail_find(m, &k, &idx)) {
		place(m, r->seq, tail_at(m, idx)->lineno);
		cut(m, idx);
		return;
	}
	if (r->level == 7)
		return;		/* debug: not on a console at loglevel 7 */
	m->pend[(m->pend_head + m->npend) % PEND_RECS] = k;
	if (m->npend < PEND_RECS)
		m->npend++;
	else
		m->pend_head = (m->pend_head + 1) % PEND_RECS;
}

void hpc_kmerge_record(struct hpc_kmerge *m, const struct hpc_kmsg *r)
{
	const char *s = r->text, *end = r->text + r->text_len;

	if (m->finished)
		return;
	m->st.records++;
	if (r->facility == 0)
		m->st.kernel_records++;
	/* one console line per line of the record */
	for (;;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		record_line(m, r, s, n);
		if (!nl || nl + 1 >= end)
			break;
		s = nl + 1;
	}
}

void hpc_kmerge_lost(struct hpc_kmerge *m, uint64_t n)
{
	if (UINT64_MAX - m->st.lost < n)
		m->st.lost = UINT64_MAX;
	else
		m->st.lost += n;
}

static int pend_take(struct hpc_kmerge *m, const struct key *k, size_t lineno)
{
	for (size_t i = 0; i < m->npend; i++) {
		size_t at = (m->pend_head + i) % PEND_RECS;

		if (m->pend[at].ts == k->ts && m->pend[at].hash == k->hash) {
			place(m, m->pend[at].seq, lineno);
			/* older unmatched ones will not be printed any more */
			m->pend_head = (at + 1) % PEND_RECS;
			m->npend -= i + 1;
			return 1;
		}
	}
	return 0;
}

void hpc_kmerge_console(struct hpc_kmerge *m, const char *line, size_t len)
{
	char buf[HPC_TRIAGE_LINE_MAX + 1];
	struct tail_line tl;
	size_t n, i;

	if (m->finished)
		return;
	m->st.console_lines++;
	memset(&tl, 0, sizeof(tl));
	tl.lineno = m->st.console_lines;
	n = len < HPC_TRIAGE_LINE_MAX ? len : HPC_TRIAGE_LINE_MAX;
	memcpy(buf, line, n);
	n = hpc_sanitize(buf, n);
	/* every place a kernel line may start: the start, each timestamp */
	for (i = 0; i < n && tl.nkeys < LINE_STARTS; i++) {
		unsigned long long ts;
		char caller[HPC_KMSG_CALLER_MAX];
		size_t pl;

		if (buf[i] != '[')
			continue;
		pl = hpc_triage_ts_prefix(buf + i, &ts, caller, sizeof(caller));
		if (!pl)
			continue;
		tl.keys[tl.nkeys].ts = ts;
		tl.keys[tl.nkeys].hash = fnv(buf + i + pl, n - i - pl);
		if (pend_take(m, &tl.keys[tl.nkeys], tl.lineno)) {
			/* the record came first: all kept lines are before it */
			cut(m, m->ntail);
			return;
		}
		tl.nkeys++;
	}
	/* full: the oldest go, the end of a run matters most */
	while (m->ntail && (m->ntail == TAIL_MAX_LINES ||
			    m->tail_bytes + n + 1 > TAIL_MAX_BYTES)) {
		tail_pop(m, 0);
		m->st.tail_dropped++;
	}
	tl.text = malloc(n + 1);
	if (!tl.text) {
		m->st.tail_dropped++;
		return;
	}
	memcpy(tl.text, buf, n + 1);
	tl.len = n;
	*tail_at(m, m->ntail) = tl;
	m->ntail++;
	m->tail_bytes += n + 1;
	if (tl.nkeys)
		m->tail_keyed++;
	if (!m->preview_stale)	/* else the next look triages it */
		hpc_triage_line_at(m->preview, tl.text, tl.len, tl.lineno);
}

void hpc_kmerge_finish(struct hpc_kmerge *m)
{
	if (m->finished)
		return;
	m->finished = 1;
	while (m->ntail) {
		struct tail_line *tl = tail_at(m, 0);

		hpc_triage_line_at(m->t, tl->text, tl->len, tl->lineno);
		m->st.tail_lines++;
		tail_pop(m, 0);
	}
}

const struct hpc_kmerge_stats *hpc_kmerge_stats(const struct hpc_kmerge *m)
{
	return &m->st;
}

void hpc_kmerge_free(struct hpc_kmerge *m)
{
	if (!m)
		return;
	while (m->ntail)
		tail_pop(m, 0);
	free(m->tail);
	hpc_triage_free(m->preview);
	free(m);
}

size_t hpc_kmerge_console_line(const struct hpc_kmerge *m, uint64_t seq)
{
	size_t n = m->nplaced < PLACED ? m->nplaced : PLACED;

	for (size_t i = 0; i < n; i++) {
		const struct placed *p = &m->placed[(m->nplaced - 1 - i) % PLACED];

		if (p->seq == seq)
			return p->lineno;
	}
	return 0;
}

const struct hpc_report *hpc_kmerge_tail_report(struct hpc_kmerge *m)
{
	if (m->finished)
		return NULL;
	if (m->preview_stale) {
		hpc_triage_reset(m->preview);
		for (size_t i = 0; i < m->ntail; i++)
			hpc_triage_line_at(m->preview, tail_at(m, i)->text,
					   tail_at(m, i)->len, tail_at(m, i)->lineno);
		m->preview_stale = 0;
	}
	return hpc_triage_primary(m->preview);
}

/* ---- replaying a run from its files ---- */

#define REPLAY_LINE_MAX	4096	/* as the conductor cuts console lines */

static void replay_console(void *ctx, const char *line, size_t len,
			   unsigned int flags)
{
	(void)flags;
	hpc_kmerge_console(ctx, line, len);
}

static void replay_kmsg(void *ctx, const char *line, size_t len,
			unsigned int flags)
{
	static struct hpc_kmsg rec;
	struct hpc_kmerge *m = ctx;

	(void)flags;
	if (len > 5 && memcmp(line, "lost ", 5) == 0) {
		uint64_t n = 0;
		size_t i;

		/* every digit, saturating: the conductor writes up to
		 * UINT64_MAX, and hpc_kmerge_lost() saturates too */
		for (i = 5; i < len && isdigit((unsigned char)line[i]); i++) {
			unsigned int d = (unsigned int)(line[i] - '0');

			n = n > (UINT64_MAX - d) / 10 ? UINT64_MAX : n * 10 + d;
		}
		if (i == len && n)
			hpc_kmerge_lost(m, n);
		return;
	}
	if (hpc_kmsg_parse(line, len, &rec) == 0)
		hpc_kmerge_record(m, &rec);
}

static int replay_fd(struct hpc_kmerge *m, int fd, hpc_line_fn fn)
{
	if (fd < 0)
		return 0;
	return hpc_linebuf_read_fd(fd, REPLAY_LINE_MAX, fn, m);
}

int hpc_kmerge_replay(struct hpc_kmerge *m, int console_fd, int kmsg_fd)
{
	int ret = replay_fd(m, console_fd, replay_console);

	if (ret == 0)
		ret = replay_fd(m, kmsg_fd, replay_kmsg);
	return ret;
}
