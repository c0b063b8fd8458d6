// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the kernel log merge (kmsg.h): the /dev/kmsg record parser and
 * hpc_kmerge, fed an interleaving of forwarded records, console lines and
 * losses read from the input, one a line:
 *
 *   "lost N"         the agent lost N records (N decimal, saturating)
 *   "#finish"        hpc_kmerge_finish() now; what follows must be ignored
 *   a record line    anything hpc_kmsg_parse() takes ("6,12,3456,-;text")
 *   anything else    a console line, as received
 *
 * so that console.log and kmsg.log of a run, one after the other or mixed,
 * are inputs as they are (the seeds, from tests/fixtures/kmerge).
 *
 * Checked, besides the sanitizers: what the parser returns (bounds, NUL,
 * fields), the counters (monotonic, one per call, consistent with each
 * other, frozen after finish), the early look (hpc_kmerge_tail_report) and
 * the final reports (class, printable title, where they start); a report
 * from a kmsg record names a kernel (facility 0) record that was fed, so a
 * console line, whatever it says, never becomes one; and a report the
 * kernel's records make on their own is never hidden by console text;
 * and hpc_kmerge_replay() of the same lines written as console.log and
 * kmsg.log agrees, when the input has its console lines first.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hpc/kmsg.h"
#include "hpc/linebuf.h"
#include "fuzz_triage.h"

/* Kernel records fed (their sequence numbers), for the report checks. */
struct seqs {
	uint64_t *v;
	size_t n, cap;
};

static void seqs_add(struct seqs *s, uint64_t seq)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		FUZZ_CHECK(s->v);
	}
	s->v[s->n++] = seq;
}

static int seqs_has(const struct seqs *s, uint64_t seq)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == seq)
			return 1;
	return 0;
}

/* What kmsg.h promises about a record hpc_kmsg_parse() accepted. */
static void check_record(const struct hpc_kmsg *r, size_t len)
{
	size_t cl = strnlen(r->caller, sizeof(r->caller));

	FUZZ_CHECK(r->facility == r->prio >> 3 && r->level == (r->prio & 7));
	FUZZ_CHECK(r->text_len <= HPC_KMSG_TEXT_MAX);
	FUZZ_CHECK(r->text_len < len);	/* at least the header went */
	FUZZ_CHECK(r->text[r->text_len] == '\0');
	FUZZ_CHECK(!r->truncated || r->text_len == HPC_KMSG_TEXT_MAX);
	FUZZ_CHECK(r->flags > ' ' && r->flags < 0x7f && r->flags != ',');
	FUZZ_CHECK(cl < sizeof(r->caller));
	if (cl) {
		FUZZ_CHECK(cl >= 2 && (r->caller[0] == 'T' || r->caller[0] == 'C'));
		for (size_t i = 1; i < cl; i++)
			FUZZ_CHECK(r->caller[i] >= '0' && r->caller[i] <= '9');
	}
}

static void check_report(const struct hpc_report *r)
{
	const char *nul = memchr(r->title, '\0', sizeof(r->title));

	FUZZ_CHECK(r->cls > HPC_C_NONE && r->cls < HPC_C__COUNT);
	FUZZ_CHECK(nul && nul > r->title);
	FUZZ_CHECK(fuzz_printable(r->title, (size_t)(nul - r->title)));
	FUZZ_CHECK(r->src == HPC_SRC_CONSOLE || r->src == HPC_SRC_KMSG);
}

/* The counters after one call, against those before it. */
static void check_stats(const struct hpc_kmerge_stats *a,
			const struct hpc_kmerge_stats *b, uint64_t lines_fed,
			int finished)
{
	FUZZ_CHECK(b->records >= a->records);
	FUZZ_CHECK(b->kernel_records >= a->kernel_records);
	FUZZ_CHECK(b->lost >= a->lost);
	FUZZ_CHECK(b->matched >= a->matched);
	FUZZ_CHECK(b->console_lines >= a->console_lines);
	FUZZ_CHECK(b->tail_lines >= a->tail_lines);
	FUZZ_CHECK(b->tail_dropped >= a->tail_dropped);
	FUZZ_CHECK(b->unverified_lines >= a->unverified_lines);
	FUZZ_CHECK(b->kernel_records <= b->records);
	/* a match takes one record line and one console line */
	FUZZ_CHECK(b->matched <= lines_fed && b->matched <= b->console_lines);
	FUZZ_CHECK(b->tail_lines + b->tail_dropped + b->unverified_lines <=
		   b->console_lines);
	FUZZ_CHECK(finished || b->tail_lines == 0);
}

/* Lines of a record as the merge counts them (a last '\n' ends no line). */
static size_t record_lines(const struct hpc_kmsg *r)
{
	size_t n = 1;

	for (size_t i = 0; i + 1 < r->text_len; i++)
		n += r->text[i] == '\n';
	return n;
}

/* The kernel record's lines into the records-only triage, as kmsg.c does. */
static void kernel_lines(struct hpc_triage *k, const struct hpc_kmsg *r)
{
	const char *s = r->text, *end = r->text + r->text_len;
	char buf[HPC_KMSG_TEXT_MAX + 1];

	for (;;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		memcpy(buf, s, n);
		n = hpc_sanitize(buf, n);
		hpc_triage_kline(k, r->caller, buf, n, (size_t)r->seq);
		if (!nl || nl + 1 >= end)
			break;
		s = nl + 1;
	}
}

static uint64_t lost_count(const char *s, size_t len)
{
	uint64_t n = 0;

	for (size_t i = 5; i < len; i++) {
		unsigned int d = (unsigned int)(s[i] - '0');

		if (n > (UINT64_MAX - d) / 10)
			return UINT64_MAX;
		n = n * 10 + d;
	}
	return n;
}

static int is_lost(const char *s, size_t len)
{
	if (len < 6 || len > 40 || memcmp(s, "lost ", 5) != 0)
		return 0;
	for (size_t i = 5; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/*
 * The same run read back from its files as the conductor writes them
 * (console.log, kmsg.log) by hpc_kmerge_replay(), which feeds the whole
 * console first: when the input has every console line before the first
 * record or loss, and no line the replay would cut, it must come to the
 * same counters and reports.
 */
static void check_replay(const struct hpc_triage *t,
			 const struct hpc_kmerge_stats *st,
			 const uint8_t *data, size_t size)
{
	static struct hpc_triage *t2;
	struct hpc_kmerge *m2;
	const char *s = (const char *)data, *end = s + size;
	int cfd, kfd;

	if (!t2) {
		t2 = hpc_triage_new();
		FUZZ_CHECK(t2);
	}
	hpc_triage_reset(t2);
	cfd = memfd_create("fuzz-console", MFD_CLOEXEC);
	kfd = memfd_create("fuzz-kmsg", MFD_CLOEXEC);
	FUZZ_CHECK(cfd >= 0 && kfd >= 0);
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
		struct hpc_kmsg r;
		int fd = is_lost(s, len) || hpc_kmsg_parse(s, len, &r) == 0 ?
			 kfd : cfd;

		FUZZ_CHECK(hpc_write_all(fd, s, len) == 0 &&
			   hpc_write_all(fd, "\n", 1) == 0);
		s = nl ? nl + 1 : end;
	}
	FUZZ_CHECK(lseek(cfd, 0, SEEK_SET) == 0 && lseek(kfd, 0, SEEK_SET) == 0);
	m2 = hpc_kmerge_new(t2);
	FUZZ_CHECK(m2);
	FUZZ_CHECK(hpc_kmerge_replay(m2, cfd, kfd) == 0);
	hpc_kmerge_finish(m2);
	hpc_triage_finish(t2);
	FUZZ_CHECK(!memcmp(hpc_kmerge_stats(m2), st, sizeof(*st)));
	triage_same(t, t2);
	hpc_kmerge_free(m2);
	close(cfd);
	close(kfd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the pattern table is compiled once per triage: keep two */
	static struct hpc_triage *t, *k;
	static struct hpc_kmsg rec;
	struct hpc_kmerge_stats before, now;
	struct hpc_kmerge *m;
	struct seqs kseqs = { 0 };
	const struct hpc_report *p, *kp;
	const char *s = (const char *)data, *end = s + size;
	uint64_t lines_fed = 0, lost = 0, last_seq = 0;
	int finished = 0, have_seq = 0, replayable = 1, seen_kmsg = 0;
	unsigned int looks = 0;

	if (!t) {
		t = hpc_triage_new();
		k = hpc_triage_new();
		FUZZ_CHECK(t && k);
	}
	hpc_triage_reset(t);
	hpc_triage_reset(k);
	m = hpc_kmerge_new(t);
	FUZZ_CHECK(m);
	memset(&before, 0, sizeof(before));
	FUZZ_CHECK(!memcmp(hpc_kmerge_stats(m), &before, sizeof(before)));

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
		/* its own allocation, so that a read past the line is caught */
		char *line = malloc(len ? len : 1);
		const struct hpc_report *tr;
		int is_rec = 0;

		FUZZ_CHECK(line);
		memcpy(line, s, len);
		if (len > 4096)
			replayable = 0;	/* the replay cuts it */
		before = *hpc_kmerge_stats(m);
		if (len == 7 && !memcmp(line, "#finish", 7)) {
			hpc_kmerge_finish(m);
			finished = 1;
			replayable = 0;
		} else if (is_lost(line, len)) {
			uint64_t n = lost_count(line, len);

			hpc_kmerge_lost(m, n);
			seen_kmsg = 1;
			lost = UINT64_MAX - lost < n ? UINT64_MAX : lost + n;
		} else if (hpc_kmsg_parse(line, len, &rec) == 0) {
			check_record(&rec, len);
			is_rec = 1;
			seen_kmsg = 1;
			if (!finished) {
				lines_fed += record_lines(&rec);
				last_seq = rec.seq;
				have_seq = 1;
				if (rec.facility == 0) {
					seqs_add(&kseqs, rec.seq);
					kernel_lines(k, &rec);
				}
			}
			hpc_kmerge_record(m, &rec);
		} else {
			if (seen_kmsg)
				replayable = 0;
			hpc_kmerge_console(m, line, len);
		}
		free(line);
		now = *hpc_kmerge_stats(m);
		check_stats(&before, &now, lines_fed, finished);
		if (finished) {
			/* after the end, records and console lines are ignored */
			FUZZ_CHECK(now.records == before.records);
			FUZZ_CHECK(now.console_lines == before.console_lines);
			FUZZ_CHECK(now.matched == before.matched);
		} else {
			FUZZ_CHECK(now.records == before.records + (is_rec ? 1 : 0));
		}
		FUZZ_CHECK(now.lost == lost);
		/*
		 * The early look, as the conductor takes it (rarely: a stale
		 * preview is triaged again then): every 16th line and the last.
		 */
		tr = (++looks % 16 == 0 || !nl) ? hpc_kmerge_tail_report(m) : NULL;
		FUZZ_CHECK(!finished || !tr);
		if (tr) {
			/* the early look sees console lines only */
			check_report(tr);
			FUZZ_CHECK(tr->src == HPC_SRC_CONSOLE);
			FUZZ_CHECK(tr->line >= 1 && tr->line <= now.console_lines);
		}
		if (have_seq) {
			size_t at = hpc_kmerge_console_line(m, last_seq);

			FUZZ_CHECK(at <= now.console_lines);
		}
		s = nl ? nl + 1 : end;
	}

	before = *hpc_kmerge_stats(m);
	hpc_kmerge_finish(m);
	now = *hpc_kmerge_stats(m);
	check_stats(&before, &now, lines_fed, 1);
	hpc_kmerge_finish(m);	/* once is enough: the second does nothing */
	FUZZ_CHECK(!memcmp(hpc_kmerge_stats(m), &now, sizeof(now)));
	FUZZ_CHECK(!hpc_kmerge_tail_report(m));
	hpc_triage_finish(t);
	hpc_triage_finish(k);

	for (size_t i = 0; i < hpc_triage_count(t); i++) {
		const struct hpc_report *r = hpc_triage_get(t, i);

		FUZZ_CHECK(r);
		check_report(r);
		FUZZ_CHECK(r->count >= 1);
		if (r->src == HPC_SRC_CONSOLE)
			FUZZ_CHECK(r->line >= 1 && r->line <= now.console_lines);
		else	/* never a console line's: a kernel record's */
			FUZZ_CHECK(seqs_has(&kseqs, r->line));
	}
	FUZZ_CHECK(hpc_triage_count(t) <= HPC_TRIAGE_MAX_REPORTS);
	p = hpc_triage_primary(t);
	if (p) {
		check_report(p);
		FUZZ_CHECK(p->src == HPC_SRC_CONSOLE || seqs_has(&kseqs, p->line));
	}
	/* what the kernel's records say on their own, console text cannot hide */
	kp = hpc_triage_primary(k);
	if (kp) {
		FUZZ_CHECK(p);
		FUZZ_CHECK(p->prio >= kp->prio);
	}
	if (replayable)
		check_replay(t, &now, data, size);
	hpc_kmerge_free(m);
	free(kseqs.v);
	return 0;
}
