// SPDX-License-Identifier: GPL-2.0
/*
 * index.html of a run directory: one self-contained page (no scripts, no
 * network, styles inline) with the run table of the terminal, then per
 * result its verdict, the expected outcome, the kernel reports with their
 * frames, the timeline picture (report_svg.c), the steps with their output
 * and the schedule. Written with libxml2's xmlTextWriter, which escapes
 * markup; every string goes through rep_xml_text() first, so guest text
 * is valid XML 1.0 text of bounded length. The page is XHTML-compatible:
 * both an HTML and an XML parser read it. docs/reports.md describes it.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "hpc/runfile.h"
#include "report_audit.h"
#include "report_html.h"
#include "report_int.h"

#define HTML_SECTIONS_MAX	100	/* results shown in detail */
#define HTML_FRAMES_MAX		64	/* frames listed per report */
#define HTML_FIRINGS_MAX	50	/* firings listed per action */
#define HTML_TEXT_MAX		4096	/* bytes of a title, reason or frame */

/* Overwrite n bytes at p with '?' (keeps the length). */
static void qmark(char *p, size_t n)
{
	memset(p, '?', n);
}

/* Control characters and non-characters XML 1.0 does not allow, in place. */
static void xml_chars(char *d, bool one_line)
{
	unsigned char *s = (unsigned char *)d;

	for (size_t i = 0; s[i]; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f) {
			if (!(s[i] == '\t' || (s[i] == '\n' && !one_line)))
				s[i] = s[i] == '\n' || s[i] == '\r' ? ' ' : '?';
			else if (one_line)
				s[i] = ' ';
		} else if (s[i] == 0xc2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f) {
			qmark(d + i, 2);	/* C1 controls */
		} else if (s[i] == 0xef && s[i + 1] == 0xbf && s[i + 2] >= 0xbe) {
			qmark(d + i, 3);	/* U+FFFE, U+FFFF */
		}
	}
}

char *rep_xml_text(const char *s, size_t len, size_t max, bool one_line)
{
	char *d = rep_clean_dup(s ? s : "", s ? len : 0);
	size_t n;

	if (!d)
		return NULL;
	xml_chars(d, one_line);
	n = strlen(d);
	if (n > max && max >= 3) {
		n = max - 3;
		/* back to the start of a UTF-8 sequence */
		while (n > 0 && ((unsigned char)d[n] & 0xc0) == 0x80)
			n--;
		memcpy(d + n, "...", 4);
	}
	return d;
}

/* ---- the writer: every call marks h->err when it fails ---- */

static void hx_rc(struct hx *h, int rc)
{
	if (rc < 0)
		h->err = true;
}

void hx_open(struct hx *h, const char *el)
{
	hx_rc(h, xmlTextWriterStartElement(h->w, BAD_CAST el));
}

void hx_close(struct hx *h)
{
	hx_rc(h, xmlTextWriterFullEndElement(h->w));
}

void hx_end(struct hx *h)
{
	hx_rc(h, xmlTextWriterEndElement(h->w));
}

void hx_attr(struct hx *h, const char *name, const char *value)
{
	char *c = rep_xml_text(value, value ? strlen(value) : 0, HTML_TEXT_MAX, true);

	if (!c) {
		h->err = true;
		return;
	}
	hx_rc(h, xmlTextWriterWriteAttribute(h->w, BAD_CAST name, BAD_CAST c));
	free(c);
}

void hx_attrf(struct hx *h, const char *name, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	hx_attr(h, name, buf);
}

void hx_text(struct hx *h, const char *s)
{
	char *c = rep_xml_text(s, s ? strlen(s) : 0, HPC_REP_TEXT_MAX, false);

	if (!c) {
		h->err = true;
		return;
	}
	hx_rc(h, xmlTextWriterWriteString(h->w, BAD_CAST c));
	free(c);
}

void hx_textf(struct hx *h, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	hx_text(h, buf);
}

void hx_elem(struct hx *h, const char *el, const char *text)
{
	hx_open(h, el);
	hx_text(h, text);
	hx_close(h);
}

/* ---- JSON members of verdict.json ---- */

static struct json_object *jget(struct json_object *o, const char *key,
				enum json_type type)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

static double jnum(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return NAN;
	return json_object_get_double(v);
}

static size_t jlen(struct json_object *arr)
{
	return arr ? json_object_array_length(arr) : 0;
}

/* ---- the page ---- */

/* No '<', '>' or '&' here: the text is escaped like any other. */
static const char page_css[] =
	"body{font-family:sans-serif;margin:1em 2em;color:#222;max-width:1200px}"
	"table{border-collapse:collapse;margin:.5em 0}"
	"td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
	"th{background:#eee}pre{margin:0;white-space:pre-wrap;font-size:12px}"
	".v{font-weight:bold;padding:0 4px;border-radius:3px}"
	".v-PASS{background:#cfc}.v-RESET,.v-XFAIL{background:#cef}"
	".v-SKIP,.v-NOTRUN{background:#ffc}.v-FAIL,.v-ERROR{background:#f99}"
	"section{border-top:2px solid #888;margin-top:1.5em}"
	".note{color:#666;font-size:90%}.frames{font-family:monospace;font-size:12px}"
	".unreliable{color:#888}"
	"svg.timeline{font-family:sans-serif;font-size:11px;background:#fff;max-width:100%;height:auto}"
	".band{fill:#f4f4f4}.band.odd{fill:#e9e9ef}.lanename{font-weight:bold}"
	".small{font-size:10px}.capped{fill:#b00}"
	".span{fill:#7ab;stroke:#356}.span.open{fill:#fc6}.span.bad{fill:#e55}"
	".spantext{fill:#000}.grid{stroke:#ccc;stroke-width:.5}"
	".axisline{stroke:#444}.tick{stroke:#36a;stroke-width:1.2}"
	".bad .tick{stroke:#d00}.planned{stroke:#444;stroke-dasharray:2,2}"
	".drift{stroke:#888}.real{fill:#360}.con{fill:#999}"
	".report path{fill:#d00}.verdictline{stroke:#a0a;stroke-width:2}"
	".verdicttext{fill:#a0a;font-weight:bold}";

static void verdict_badge(struct hx *h, int verdict)
{
	hx_open(h, "span");
	hx_attrf(h, "class", "v v-%s", hpc_rep_verdict_name(verdict));
	hx_text(h, hpc_rep_verdict_name(verdict));
	hx_close(h);
}

static void cell(struct hx *h, const char *text)
{
	hx_elem(h, "td", text ? text : "");
}

static void header_row(struct hx *h, const char *const *names)
{
	hx_open(h, "tr");
	for (; *names; names++)
		hx_elem(h, "th", *names);
	hx_close(h);
}

/* How each result appears: decided once for the page (O(n)). */
enum row_how { ROW_HIDDEN, ROW_LISTED, ROW_DETAILED };

struct rows {
	const struct run *r;
	bool repeated;		/* a soak run: rows are result directories */
	unsigned char *how;	/* enum row_how per result */
	size_t detailed;
};

static bool row_passed(const struct hpc_vrec *v)
{
	return v->verdict == HPC_V_PASS || v->verdict == HPC_V_RESET ||
	       v->verdict == HPC_V_XFAIL || v->verdict == HPC_V_SKIP;
}

/*
 * The rows the terminal table lists (a long soak run lists failures only),
 * and of those the ones shown in detail: failures first, then the others,
 * in plan order, at most HTML_SECTIONS_MAX. -1 out of memory.
 */
static int rows_decide(struct rows *w, const struct run *r)
{
	w->r = r;
	w->repeated = rep_any_repeated(r);
	w->detailed = 0;
	w->how = calloc(r->n ? r->n : 1, 1);
	if (!w->how)
		return -1;
	for (size_t i = 0; i < r->n; i++)
		w->how[i] = w->repeated && r->n > TABLE_MAX_ROWS &&
			    row_passed(&r->v[i]) ? ROW_HIDDEN : ROW_LISTED;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->n && w->detailed < HTML_SECTIONS_MAX; i++)
			if (w->how[i] == ROW_LISTED && row_passed(&r->v[i]) == pass) {
				w->how[i] = ROW_DETAILED;
				w->detailed++;
			}
	return 0;
}

/* The name of a row: as in the terminal table. */
static const char *row_name(const struct rows *w, size_t i)
{
	const struct hpc_vrec *v = &w->r->v[i];

	return w->repeated && v->dir ? v->dir : v->scenario;
}

static void run_row(struct hx *h, const struct rows *w, size_t i)
{
	const struct hpc_vrec *v = &w->r->v[i];

	hx_open(h, "tr");
	hx_open(h, "td");
	if (w->how[i] == ROW_DETAILED) {
		hx_open(h, "a");
		hx_attrf(h, "href", "#r-%s", w->r->ent[i].name);
		hx_text(h, row_name(w, i));
		hx_close(h);
	} else {
		hx_text(h, row_name(w, i));
	}
	hx_close(h);
	hx_open(h, "td");
	verdict_badge(h, v->verdict);
	hx_close(h);
	cell(h, v->cls != HPC_C_NONE ? hpc_class_name(v->cls) : "-");
	hx_open(h, "td");
	if (v->has_duration)
		hx_textf(h, "%.1fs", v->duration_s);
	else
		hx_text(h, "-");
	hx_close(h);
	cell(h, rep_vrec_text(v));
	hx_close(h);
}

static void run_table(struct hx *h, const struct rows *w)
{
	static const char *const cols[] = { "scenario", "verdict", "class", "time",
					    "title/reason", NULL };
	static const char *const rcols[] = { "result", "verdict", "class", "time",
					     "title/reason", NULL };
	unsigned int hidden = 0;

	hx_open(h, "table");
	hx_attr(h, "class", "run");
	header_row(h, w->repeated ? rcols : cols);
	for (size_t i = 0; i < w->r->n; i++) {
		if (w->how[i] != ROW_HIDDEN)
			run_row(h, w, i);
		else
			hidden++;
	}
	hx_close(h);
	if (hidden) {
		hx_open(h, "p");
		hx_textf(h, "(%u results that passed or skipped are not listed: see summary.json)",
			 hidden);
		hx_close(h);
	}
}

static void run_summary(struct hx *h, const struct run *r)
{
	unsigned int passed = r->counts[HPC_V_PASS] + r->counts[HPC_V_RESET] +
			      r->counts[HPC_V_XFAIL];
	unsigned int failed = r->counts[HPC_V_FAIL] + r->counts[HPC_V_ERROR];
	unsigned int skipped = r->counts[HPC_V_SKIP] + r->counts[HPC_REP_NOTRUN];

	hx_open(h, "p");
	if (r->interrupted)
		hx_textf(h, "interrupted: %u of %zu scenarios not run. ",
			 r->counts[HPC_REP_NOTRUN], r->n);
	hx_textf(h, "summary: %u passed, %u failed, %u skipped", passed, failed,
		 skipped);
	hx_close(h);
}

static void fact_row(struct hx *h, const char *key, const char *sub,
		     struct json_object *val)
{
	hx_open(h, "tr");
	hx_open(h, "th");
	hx_text(h, key);
	if (sub) {
		hx_text(h, ".");
		hx_text(h, sub);
	}
	hx_close(h);
	cell(h, json_object_get_string(val));
	hx_close(h);
}

/* run.json as a table of its scalars, one level down (kernel.release...). */
static void run_facts(struct hx *h, const struct run *r)
{
	if (!r->runjson || !json_object_is_type(r->runjson, json_type_object))
		return;
	hx_open(h, "table");
	hx_attr(h, "class", "facts");
	json_object_object_foreach(r->runjson, key, val) {
		if (val && json_object_is_type(val, json_type_object)) {
			json_object_object_foreach(val, k2, v2)
				if (v2 && !json_object_is_type(v2, json_type_object) &&
				    !json_object_is_type(v2, json_type_array))
					fact_row(h, key, k2, v2);
		} else if (val && !json_object_is_type(val, json_type_array)) {
			fact_row(h, key, NULL, val);
		}
	}
	hx_close(h);
}

/* ---- one result ---- */

/* "expect" and "outcomes": what the scenario said would happen, and what did. */
static void expectation(struct hx *h, struct json_object *vj)
{
	struct json_object *ex = jget(vj, "expect", json_type_array);
	struct json_object *oc = jget(vj, "outcomes", json_type_array);
	double more = jnum(vj, "outcomes_not_listed");

	hx_open(h, "p");
	hx_text(h, "expected outcome: ");
	if (!jlen(ex))
		hx_text(h, "none (no expect line: the scenario must run clean)");
	for (size_t i = 0; i < jlen(ex); i++) {
		hx_text(h, i ? ", " : "");
		hx_text(h, json_object_get_string(json_object_array_get_idx(ex, i)));
	}
	hx_text(h, "; outcomes reported: ");
	if (!jlen(oc))
		hx_text(h, "none");
	for (size_t i = 0; i < jlen(oc) && i < HTML_SECTIONS_MAX; i++) {
		struct json_object *o = json_object_array_get_idx(oc, i);

		hx_textf(h, "%s%s at %.3f s", i ? ", " : "",
			 jstr(o, "outcome") ? jstr(o, "outcome") : "?", jnum(o, "t"));
	}
	if (isfinite(more) && more > 0)
		hx_textf(h, " (%.0f more not listed)", more);
	hx_close(h);
}

static void frame_item(struct hx *h, struct json_object *f)
{
	struct json_object *rel = jget(f, "reliable", json_type_boolean);
	const char *mod = jstr(f, "module"), *file = jstr(f, "file");
	double line = jnum(f, "line");

	hx_open(h, "li");
	if (rel && !json_object_get_boolean(rel))
		hx_attr(h, "class", "unreliable");
	hx_textf(h, "%s%.200s+%.40s", rel && !json_object_get_boolean(rel) ? "? " : "",
		 jstr(f, "symbol") ? jstr(f, "symbol") : "?",
		 jstr(f, "offset") ? jstr(f, "offset") : "?");
	if (mod)
		hx_textf(h, " [%.100s]", mod);
	if (file) {
		hx_textf(h, " \xe2\x80\x94 %.200s %.300s", jstr(f, "function") ?
			 jstr(f, "function") : "", file);
		if (isfinite(line))
			hx_textf(h, ":%.0f", line);
	}
	hx_close(h);
}

static void kernel_reports(struct hx *h, struct json_object *vj)
{
	struct json_object *reps = jget(vj, "reports", json_type_array);

	if (!jlen(reps))
		return;
	hx_elem(h, "h3", "Kernel reports");
	for (size_t i = 0; i < jlen(reps) && i < TL_REPORTS_MAX; i++) {
		struct json_object *rp = json_object_array_get_idx(reps, i);
		struct json_object *fr = jget(rp, "frames", json_type_array);

		hx_open(h, "h4");
		hx_textf(h, "%s: ", jstr(rp, "class") ? jstr(rp, "class") : "?");
		hx_text(h, jstr(rp, "title"));
		hx_close(h);
		hx_open(h, "p");
		hx_attr(h, "class", "note");
		hx_textf(h, "from %s", jstr(rp, "source") ? jstr(rp, "source") : "?");
		if (isfinite(jnum(rp, "kmsg_seq")))
			hx_textf(h, ", kernel log record %.0f", jnum(rp, "kmsg_seq"));
		if (isfinite(jnum(rp, "console_line")))
			hx_textf(h, ", console line %.0f", jnum(rp, "console_line"));
		hx_close(h);
		if (!jlen(fr))
			continue;
		hx_open(h, "ol");
		hx_attr(h, "class", "frames");
		for (size_t k = 0; k < jlen(fr) && k < HTML_FRAMES_MAX; k++)
			frame_item(h, json_object_array_get_idx(fr, k));
		hx_close(h);
	}
	if (jlen(reps) > TL_REPORTS_MAX) {
		hx_open(h, "p");
		hx_textf(h, "(%zu more reports: see verdict.json)", jlen(reps) - TL_REPORTS_MAX);
		hx_close(h);
	}
}

/* A step's output lines from the timeline, and how many were left out. */
static void step_output(struct hx *h, const struct timeline *tl, int idx)
{
	unsigned int seen = idx >= 0 && idx < tl->out_nidx ? tl->out_count[idx] : 0;
	unsigned int shown = 0;

	if (!seen)
		return;
	hx_open(h, "pre");
	for (size_t i = 0; i < tl->nout; i++) {
		if (tl->out[i].idx != idx)
			continue;
		hx_text(h, shown++ ? "\n" : "");
		hx_text(h, tl->out[i].text);
	}
	if (seen > shown)
		hx_textf(h, "%s... %u more lines: see steps.log", shown ? "\n" : "",
			 seen - shown);
	hx_close(h);
}

static void steps_table(struct hx *h, struct json_object *vj,
			const struct timeline *tl)
{
	static const char *const cols[] = { "#", "step", "kind", "status", "time",
					    "output", NULL };
	struct json_object *st = jget(vj, "steps", json_type_array);

	hx_elem(h, "h3", "Steps");
	if (!jlen(st)) {
		hx_elem(h, "p", "no steps recorded");
		return;
	}
	hx_open(h, "table");
	hx_attr(h, "class", "steps");
	header_row(h, cols);
	for (size_t i = 0; i < jlen(st) && i < TL_IDX_MAX; i++) {
		struct json_object *s = json_object_array_get_idx(st, i);
		double idx = jnum(s, "idx"), ms = jnum(s, "duration_ms");

		hx_open(h, "tr");
		hx_open(h, "td");
		hx_textf(h, "%.0f", idx);
		hx_close(h);
		cell(h, jstr(s, "name"));
		cell(h, jstr(s, "kind"));
		cell(h, jstr(s, "status") ? jstr(s, "status") : "not ended");
		hx_open(h, "td");
		if (isfinite(ms))
			hx_textf(h, "%.0f ms", ms);
		hx_close(h);
		hx_open(h, "td");
		step_output(h, tl, isfinite(idx) && idx >= 0 && idx < TL_IDX_MAX ? (int)idx : -1);
		hx_close(h);
		hx_close(h);
	}
	hx_close(h);
}

static void firing_row(struct hx *h, struct json_object *a, struct json_object *f)
{
	hx_open(h, "tr");
	cell(h, jstr(a, "action"));
	cell(h, jstr(a, "target"));
	cell(h, jstr(a, "trigger"));
	hx_open(h, "td");
	hx_textf(h, "%.0f", jnum(a, "line"));
	hx_close(h);
	hx_open(h, "td");
	if (f)
		hx_textf(h, "%.3f s", jnum(f, "planned_s"));
	else
		hx_text(h, "not fired");
	hx_close(h);
	hx_open(h, "td");
	if (f && isfinite(jnum(f, "real_s")))
		hx_textf(h, "%.3f s (late %.3f ms)", jnum(f, "real_s"), jnum(f, "late_ms"));
	hx_close(h);
	hx_close(h);
}

/* The schedule that ran: per action each firing, planned and real. */
static void schedule_table(struct hx *h, struct json_object *vj)
{
	static const char *const cols[] = { "action", "target", "trigger", "line",
					    "planned", "real", NULL };
	struct json_object *sc = jget(vj, "schedule", json_type_array);

	if (!jlen(sc))
		return;
	hx_elem(h, "h3", "Schedule");
	hx_open(h, "table");
	hx_attr(h, "class", "schedule");
	header_row(h, cols);
	for (size_t i = 0; i < jlen(sc) && i < TL_LANE_MAX; i++) {
		struct json_object *a = json_object_array_get_idx(sc, i);
		struct json_object *fs = jget(a, "firings", json_type_array);

		if (!jlen(fs))
			firing_row(h, a, NULL);
		for (size_t k = 0; k < jlen(fs) && k < HTML_FIRINGS_MAX; k++)
			firing_row(h, a, json_object_array_get_idx(fs, k));
	}
	hx_close(h);
}

/* Kernel reports into the picture, at the time of their console line. */
static int timeline_reports(struct timeline *tl, struct json_object *vj)
{
	struct json_object *reps = jget(vj, "reports", json_type_array);

	for (size_t i = 0; i < tl->nwant; i++) {
		struct json_object *rp = json_object_array_get_idx(reps, i);
		struct tl_item it = { .t = tl->want_t[i], .t2 = NAN, .idx = -1,
				      .kind = TL_K_ERROR };
		char label[TL_LABEL_MAX + 64];

		if (isnan(it.t))
			continue;
		snprintf(label, sizeof(label), "%.20s: %.*s",
			 jstr(rp, "class") ? jstr(rp, "class") : "?", TL_LABEL_MAX,
			 jstr(rp, "title") ? jstr(rp, "title") : "");
		if (rep_tl_add(tl, TL_REPORTS, &it, label) < 0)
			return -1;
	}
	return 0;
}

static void timeline_notes(struct hx *h, const struct timeline *tl, int e)
{
	hx_open(h, "p");
	hx_attr(h, "class", "note");
	if (e < 0)
		hx_textf(h, "timeline.jsonl: %s. ", hpc_runfile_strerror(e));
	else
		hx_textf(h, "%zu records", tl->records);
	if (tl->bad_lines)
		hx_textf(h, ", %zu lines not understood", tl->bad_lines);
	if (tl->truncated)
		hx_text(h, "; timeline.jsonl was full: later records were not written");
	if (tl->out_dropped)
		hx_textf(h, "; %zu step output lines not shown", tl->out_dropped);
	hx_text(h, ". Hover over an item for its time and text.");
	hx_close(h);
}

/* The picture and the steps: both from timeline.jsonl. */
static int timeline_part(struct hx *h, const struct run *r, size_t i,
			 struct json_object *vj)
{
	struct json_object *reps = jget(vj, "reports", json_type_array);
	long want[TL_REPORTS_MAX];
	size_t nwant = 0;
	struct timeline tl;
	char *path;
	int e;

	for (; nwant < jlen(reps) && nwant < TL_REPORTS_MAX; nwant++) {
		double n = jnum(json_object_array_get_idx(reps, nwant), "console_line");

		want[nwant] = isfinite(n) && fabs(n) < 1e15 ? (long)n : -1;
	}
	if (asprintf(&path, "%s/%s/timeline.jsonl", r->dir, r->ent[i].name) < 0)
		return -1;
	e = rep_tl_load(&tl, path, want, nwant);
	free(path);
	if (e == -ENOMEM || (e == 0 && timeline_reports(&tl, vj) < 0)) {
		rep_tl_free(&tl);
		return -1;
	}
	hx_elem(h, "h3", "Timeline");
	if (e == 0)
		rep_svg_timeline(h, &tl, r->ent[i].name);
	timeline_notes(h, &tl, e);
	steps_table(h, vj, &tl);
	rep_tl_free(&tl);
	return 0;
}

static void file_links(struct hx *h, const char *dir)
{
	static const char *const files[] = { "verdict.json", "console.log",
					     "steps.log", "timeline.jsonl", "conductor.log" };

	hx_open(h, "p");
	hx_attr(h, "class", "note");
	hx_text(h, "files:");
	for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		hx_text(h, " ");
		hx_open(h, "a");
		hx_attrf(h, "href", "%s/%s", dir, files[k]);
		hx_text(h, files[k]);
		hx_close(h);
	}
	hx_close(h);
}

/* verdict.json of result i as JSON (NULL when missing or unreadable). */
static struct json_object *load_verdict(const struct run *r, size_t i)
{
	struct json_object *o = NULL;
	char *path, *buf, why[128];
	size_t len;

	if (asprintf(&path, "%s/%s/verdict.json", r->dir, r->ent[i].name) < 0)
		return NULL;
	if (hpc_runfile_read(path, HPC_REP_FILE_MAX, &buf, &len) == 0) {
		o = hpc_runfile_json(buf, len, why, sizeof(why));
		free(buf);
	}
	free(path);
	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

static int result_section(struct hx *h, const struct run *r, size_t i)
{
	const struct hpc_vrec *v = &r->v[i];
	struct json_object *vj;
	int ret = 0;

	hx_open(h, "section");
	hx_attrf(h, "id", "r-%s", r->ent[i].name);
	hx_elem(h, "h2", r->ent[i].name);
	hx_open(h, "p");
	verdict_badge(h, v->verdict);
	if (v->cls != HPC_C_NONE)
		hx_textf(h, " %s", hpc_class_name(v->cls));
	if (v->has_duration)
		hx_textf(h, " (%.1f s)", v->duration_s);
	hx_text(h, ": ");
	hx_text(h, rep_vrec_text(v));
	hx_close(h);
	if (v->title && v->reason && strcmp(rep_vrec_text(v), v->reason)) {
		hx_open(h, "p");
		hx_text(h, "reason: ");
		hx_text(h, v->reason);
		hx_close(h);
	}
	file_links(h, r->ent[i].name);
	vj = v->verdict == HPC_REP_NOTRUN ? NULL : load_verdict(r, i);
	if (vj) {
		expectation(h, vj);
		kernel_reports(h, vj);
		ret = timeline_part(h, r, i, vj);
		if (!ret)
			schedule_table(h, vj);
		json_object_put(vj);
	}
	hx_close(h);
	return ret;
}

static int page_body(struct hx *h, const struct run *r)
{
	const char *id = rep_run_string(r, "run_id");
	struct rows w;
	int ret = 0;

	if (rows_decide(&w, r) < 0)
		return -1;

	hx_open(h, "body");
	hx_open(h, "h1");
	hx_text(h, "hpchaos run ");
	hx_text(h, id ? id : r->dir);
	hx_close(h);
	run_facts(h, r);
	run_table(h, &w);
	run_summary(h, r);
	rep_html_audit(h, r);
	for (size_t i = 0; i < r->n && !ret; i++)
		if (w.how[i] == ROW_DETAILED)
			ret = result_section(h, r, i);
	if (w.detailed < r->n) {
		hx_open(h, "p");
		hx_textf(h, "%zu of %zu results are shown in detail (failures first).",
			 w.detailed, r->n);
		hx_close(h);
	}
	hx_close(h);
	free(w.how);
	return ret;
}

void hx_page_head(struct hx *h, const char *title, const char *title_tail,
		  const char *css)
{
	hx_rc(h, xmlTextWriterWriteDTD(h->w, BAD_CAST "html", NULL, NULL, NULL));
	hx_text(h, "\n");
	hx_open(h, "html");
	hx_attr(h, "xmlns", "http://www.w3.org/1999/xhtml");
	hx_attr(h, "lang", "en");
	hx_open(h, "head");
	hx_open(h, "meta");
	hx_attr(h, "charset", "utf-8");
	hx_end(h);
	hx_open(h, "title");
	hx_text(h, title);
	hx_text(h, title_tail);
	hx_close(h);
	hx_elem(h, "style", css);
	hx_close(h);
}

char *hx_document(int (*body)(struct hx *h, const void *arg), const void *arg,
		  size_t *len)
{
	xmlBufferPtr buf = xmlBufferCreate();
	struct hx h = { 0 };
	char *out = NULL;

	if (!buf)
		return NULL;
	h.w = xmlNewTextWriterMemory(buf, 0);
	if (!h.w) {
		xmlBufferFree(buf);
		return NULL;
	}
	/* one element a line: readable and diffable (text content is not touched) */
	xmlTextWriterSetIndent(h.w, 1);
	xmlTextWriterSetIndentString(h.w, BAD_CAST " ");
	if (body(&h, arg) == 0) {
		xmlFreeTextWriter(h.w);
		h.w = NULL;
		*len = (size_t)xmlBufferLength(buf);
		out = malloc(*len + 2);
		if (out) {
			memcpy(out, xmlBufferContent(buf), *len);
			out[(*len)++] = '\n';
			out[*len] = '\0';
		}
	}
	if (h.w)
		xmlFreeTextWriter(h.w);
	xmlBufferFree(buf);
	return out;
}

static int page(struct hx *h, const void *arg)
{
	const struct run *r = arg;
	const char *id = rep_run_string(r, "run_id");

	hx_page_head(h, "hpchaos run ", id ? id : r->dir, page_css);
	if (page_body(h, r) < 0)
		return -1;
	hx_close(h);
	hx_rc(h, xmlTextWriterEndDocument(h->w));
	return h->err ? -1 : 0;
}

char *rep_build_html(const struct run *r, size_t *len)
{
	return hx_document(page, r, len);
}
