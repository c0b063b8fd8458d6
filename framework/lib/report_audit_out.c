// SPDX-License-Identifier: GPL-2.0
/*
 * The audit matrix written out: the table on the terminal, audit.json, an
 * HTML section (index.html) or page (--html), and hpc-report --audit.
 * See report_audit.h and docs/reports.md ("The audit matrix").
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hpc/runfile.h"
#include "report_audit.h"
#include "report_html.h"
#include "report_int.h"

/* ---- what each cell shows ---- */

/* Is dir/file of the run a regular file? */
static bool has_file(const struct audit *a, const char *dir, const char *file)
{
	struct stat st;
	char *path;
	bool ok;

	if (asprintf(&path, "%s/%s/%s", a->rundir, dir, file) < 0)
		return false;
	ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	free(path);
	return ok;
}

static bool is_failure(int verdict)
{
	return verdict == HPC_V_FAIL || verdict == HPC_V_ERROR;
}

/* "FAIL/LOCKDEP:1,ERROR:2" style list of the cell's classes ("" if none). */
static void classes_text(const struct aud_cell *c, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int v = 0; v < HPC_REP_NVERDICTS; v++)
		for (int k = 0; k < HPC_C__COUNT; k++)
			if (c->classes[v][k] && n < cap)
				n += (size_t)snprintf(buf + n, cap - n, "%s%s/%s:%u",
						      n ? "," : "", hpc_rep_verdict_name(v),
						      hpc_class_name((enum hpc_class)k),
						      c->classes[v][k]);
}

static void cycles_text(const struct aud_cell *c, char *buf, size_t cap)
{
	if (c->cyc_results)
		snprintf(buf, cap, "%lld/%lld", c->cyc_passed, c->cyc_n);
	else
		snprintf(buf, cap, "-");
}

/* The first result of the cell's worst outcome; its verdict.json for a failure. */
static void evidence_text(const struct audit *a, const struct aud_cell *c,
			  char *buf, size_t cap)
{
	const char *dir = a->res[c->first].dir;

	if (is_failure(c->worst) && has_file(a, dir, "verdict.json"))
		snprintf(buf, cap, "%s/verdict.json", dir);
	else
		snprintf(buf, cap, "%s", dir);
}

/* ---- audit.json ---- */

static struct json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *str_array(const char *const *s, size_t n)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < n; i++)
		json_object_array_add(arr, jstr(s[i]));
	return arr;
}

static struct json_object *result_json(const struct aud_result *r)
{
	struct json_object *o = json_object_new_object(), *f, *c = NULL;
	const char *faults[AUD_MAX_FAULTS];

	for (unsigned int i = 0; i < r->nfault; i++)
		faults[i] = r->fault[i];
	f = str_array(faults, r->nfault);
	if (r->has_cycles) {
		c = json_object_new_object();
		json_object_object_add(c, "n", json_object_new_int64(r->cyc_n));
		json_object_object_add(c, "passed", json_object_new_int64(r->cyc_passed));
		json_object_object_add(c, "failed", json_object_new_int64(r->cyc_failed));
		json_object_object_add(c, "first_failed", r->cyc_first_failed < 0 ? NULL :
				       json_object_new_int64(r->cyc_first_failed));
	}
	json_object_object_add(o, "dir", jstr(r->dir));
	json_object_object_add(o, "scenario", jstr(r->scenario));
	json_object_object_add(o, "verdict", jstr(hpc_rep_verdict_name(r->verdict)));
	json_object_object_add(o, "class", r->cls == HPC_C_NONE ? NULL :
			       jstr(hpc_class_name(r->cls)));
	json_object_object_add(o, "device", str_array(r->dev, r->ndev));
	json_object_object_add(o, "fault", f);
	json_object_object_add(o, "cycles", c);
	return o;
}

static struct json_object *cell_json(const struct audit *a, const struct aud_cell *c)
{
	struct json_object *o = json_object_new_object(), *out = json_object_new_object();
	struct json_object *cls = json_object_new_object(), *ev = json_object_new_array();
	struct json_object *files = json_object_new_array(), *cyc = NULL;
	const char *first = a->res[c->first].dir;
	char key[64];

	for (int v = 0; v < HPC_REP_NVERDICTS; v++) {
		json_object_object_add(out, hpc_rep_verdict_name(v),
				       json_object_new_int64(c->outcomes[v]));
		for (int k = 0; k < HPC_C__COUNT; k++) {
			if (!c->classes[v][k])
				continue;
			snprintf(key, sizeof(key), "%s/%s", hpc_rep_verdict_name(v),
				 hpc_class_name((enum hpc_class)k));
			json_object_object_add(cls, key, json_object_new_int64(c->classes[v][k]));
		}
	}
	if (c->cyc_results) {
		cyc = json_object_new_object();
		json_object_object_add(cyc, "results", json_object_new_int64(c->cyc_results));
		json_object_object_add(cyc, "n", json_object_new_int64(c->cyc_n));
		json_object_object_add(cyc, "passed", json_object_new_int64(c->cyc_passed));
		json_object_object_add(cyc, "failed", json_object_new_int64(c->cyc_failed));
	}
	for (size_t i = 0; ev && i < c->nres; i++)
		json_object_array_add(ev, jstr(a->res[c->res[i]].dir));
	for (int k = 0; files && k < 2; k++) {
		const char *f = k ? "console.log" : "verdict.json";

		if ((!k || is_failure(c->worst)) && has_file(a, first, f)) {
			char *p;

			if (asprintf(&p, "%s/%s", first, f) >= 0) {
				json_object_array_add(files, jstr(p));
				free(p);
			}
		}
	}
	json_object_object_add(o, "device", jstr(c->device));
	json_object_object_add(o, "fault", jstr(c->fault));
	json_object_object_add(o, "results", json_object_new_int64((int64_t)c->nres));
	json_object_object_add(o, "outcomes", out);
	json_object_object_add(o, "classes", cls);
	json_object_object_add(o, "cycles", cyc);
	json_object_object_add(o, "worst", jstr(hpc_rep_verdict_name(c->worst)));
	json_object_object_add(o, "first", jstr(first));
	json_object_object_add(o, "files", files);
	json_object_object_add(o, "evidence", ev);
	return o;
}

struct json_object *rep_audit_json(const struct audit *a)
{
	struct json_object *o = json_object_new_object();
	struct json_object *res = json_object_new_array(), *cells = json_object_new_array();

	if (!o || !res || !cells) {
		json_object_put(o);
		json_object_put(res);
		json_object_put(cells);
		return NULL;
	}
	for (size_t i = 0; i < a->nres; i++)
		json_object_array_add(res, result_json(&a->res[i]));
	for (size_t i = 0; i < a->ncell; i++)
		json_object_array_add(cells, cell_json(a, &a->cell[i]));
	json_object_object_add(o, "schema", json_object_new_int(1));
	json_object_object_add(o, "run_id", jstr(a->run_id));
	json_object_object_add(o, "problems", json_object_new_int64(a->problems));
	json_object_object_add(o, "results", res);
	json_object_object_add(o, "cells", cells);
	return o;
}

/* ---- the table ---- */

#define AUD_TXT	512

struct row_text {
	char cycles[48], classes[AUD_TXT], evidence[AUD_TXT];
};

static int width(size_t n, int min)
{
	return (int)n > min ? (int)n : min;
}

static void table_head(FILE *out, int wd, int wf, int wc, int wk)
{
	fprintf(out, "%-*s  %-*s", wd, "DEVICE", wf, "FAULT");
	for (int v = 0; v < HPC_REP_NVERDICTS; v++)
		fprintf(out, " %s", hpc_rep_verdict_name(v));
	fprintf(out, "  %-*s  %-*s  %s\n", wc, "CYCLES", wk, "CLASSES", "EVIDENCE");
}

void rep_audit_table(const struct audit *a, FILE *out)
{
	struct row_text *t = calloc(a->ncell ? a->ncell : 1, sizeof(*t));
	int wd = 6, wf = 5, wc = 6, wk = 7;

	if (!t)
		return;
	fprintf(out, "audit of run %s: %zu result%s in %zu cell%s (device kind x fault; a result counts in each of its cells)\n",
		a->run_id, a->nres, a->nres == 1 ? "" : "s", a->ncell,
		a->ncell == 1 ? "" : "s");
	for (size_t i = 0; i < a->ncell; i++) {
		const struct aud_cell *c = &a->cell[i];

		cycles_text(c, t[i].cycles, sizeof(t[i].cycles));
		classes_text(c, t[i].classes, sizeof(t[i].classes));
		if (!t[i].classes[0])
			strcpy(t[i].classes, "-");
		evidence_text(a, c, t[i].evidence, sizeof(t[i].evidence));
		wd = width(strlen(c->device), wd);
		wf = width(strlen(c->fault), wf);
		wc = width(strlen(t[i].cycles), wc);
		wk = width(strlen(t[i].classes), wk);
	}
	table_head(out, wd, wf, wc, wk);
	for (size_t i = 0; i < a->ncell; i++) {
		const struct aud_cell *c = &a->cell[i];

		fprintf(out, "%-*s  %-*s", wd, c->device, wf, c->fault);
		for (int v = 0; v < HPC_REP_NVERDICTS; v++) {
			int w = (int)strlen(hpc_rep_verdict_name(v));

			if (c->outcomes[v])
				fprintf(out, " %*u", w, c->outcomes[v]);
			else
				fprintf(out, " %*s", w, "-");
		}
		fprintf(out, "  %-*s  %-*s  %s\n", wc, t[i].cycles, wk, t[i].classes,
			t[i].evidence);
	}
	if (a->problems)
		fprintf(out, "audit: %u input files missing or malformed (said above): their results count as device and fault unknown, or without cycles\n",
			a->problems);
	free(t);
}

/* ---- HTML ---- */

static void html_evidence(struct hx *h, const struct audit *a, const struct aud_cell *c)
{
	const char *dir = a->res[c->first].dir;

	hx_open(h, "td");
	if (has_file(a, dir, "verdict.json")) {
		hx_open(h, "a");
		hx_attrf(h, "href", "%s/verdict.json", dir);
		hx_text(h, dir);
		hx_close(h);
	} else {
		hx_text(h, dir);
	}
	if (is_failure(c->worst) && has_file(a, dir, "console.log")) {
		hx_text(h, " ");
		hx_open(h, "a");
		hx_attrf(h, "href", "%s/console.log", dir);
		hx_text(h, "console.log");
		hx_close(h);
	}
	if (c->nres > 1)
		hx_textf(h, " (%zu results)", c->nres);
	hx_close(h);
}

static void html_row(struct hx *h, const struct audit *a, const struct aud_cell *c)
{
	char buf[AUD_TXT];

	hx_open(h, "tr");
	hx_elem(h, "td", c->device);
	hx_elem(h, "td", c->fault);
	for (int v = 0; v < HPC_REP_NVERDICTS; v++) {
		hx_open(h, "td");
		if (c->outcomes[v]) {
			hx_open(h, "span");
			hx_attrf(h, "class", "v v-%s", hpc_rep_verdict_name(v));
			hx_textf(h, "%u", c->outcomes[v]);
			hx_close(h);
		}
		hx_close(h);
	}
	cycles_text(c, buf, sizeof(buf));
	hx_elem(h, "td", buf);
	classes_text(c, buf, sizeof(buf));
	hx_elem(h, "td", buf);
	html_evidence(h, a, c);
	hx_close(h);
}

void rep_audit_section(struct hx *h, const struct audit *a)
{
	hx_open(h, "section");
	hx_attr(h, "id", "audit");
	hx_elem(h, "h2", "Audit matrix");
	hx_open(h, "p");
	hx_attr(h, "class", "note");
	hx_textf(h, "%zu results by device kind and fault (from each result's scenario file), "
		    "counted by outcome; a result counts in each of its cells. Evidence: the "
		    "first result of the cell's worst outcome (docs/reports.md).", a->nres);
	hx_close(h);
	hx_open(h, "table");
	hx_attr(h, "class", "audit");
	hx_open(h, "tr");
	hx_elem(h, "th", "device");
	hx_elem(h, "th", "fault");
	for (int v = 0; v < HPC_REP_NVERDICTS; v++)
		hx_elem(h, "th", hpc_rep_verdict_name(v));
	hx_elem(h, "th", "cycles");
	hx_elem(h, "th", "classes");
	hx_elem(h, "th", "evidence");
	hx_close(h);
	for (size_t i = 0; i < a->ncell; i++)
		html_row(h, a, &a->cell[i]);
	hx_close(h);
	if (a->problems) {
		hx_open(h, "p");
		hx_attr(h, "class", "note");
		hx_textf(h, "%u input files were missing or malformed: their results count as "
			    "device and fault unknown (or without cycles); hpchaos audit lists them.",
			 a->problems);
		hx_close(h);
	}
	hx_close(h);
}

void rep_html_audit(struct hx *h, const struct run *r)
{
	struct aud_input *in = calloc(r->n ? r->n : 1, sizeof(*in));
	const char *id = rep_run_string(r, "run_id");
	struct audit a;

	if (!in) {
		h->err = true;
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		in[i].dir = r->ent[i].name;
		in[i].scenario = strcmp(r->v[i].scenario, r->ent[i].name) ?
				 r->v[i].scenario : NULL;
		in[i].verdict = r->v[i].verdict;
		in[i].cls = r->v[i].cls;
	}
	if (rep_audit_build(&a, r->dir, id && rep_audit_dir_ok(id) ? id : "-", in, r->n,
			    NULL) < 0)
		h->err = true;
	else
		rep_audit_section(h, &a);
	rep_audit_free(&a);
	free(in);
}

/* ---- hpc-report --audit ---- */

static const char page_css[] =
	"body{font-family:sans-serif;margin:1em 2em;color:#222}"
	"table{border-collapse:collapse;margin:.5em 0}"
	"td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
	"th{background:#eee}.note{color:#666;font-size:90%}"
	".v{font-weight:bold;padding:0 4px;border-radius:3px}"
	".v-PASS{background:#cfc}.v-RESET,.v-XFAIL{background:#cef}"
	".v-SKIP,.v-NOTRUN{background:#ffc}.v-FAIL,.v-ERROR{background:#f99}";

/* The matrix alone as a page (--html FILE); links relative to the run directory. */
static int audit_body(struct hx *h, const void *arg)
{
	const struct audit *a = arg;

	hx_page_head(h, "hpchaos audit", "", page_css);
	hx_open(h, "body");
	hx_open(h, "h1");
	hx_textf(h, "hpchaos audit of run %s", a->run_id);
	hx_close(h);
	rep_audit_section(h, a);
	hx_close(h);
	hx_close(h);
	if (xmlTextWriterEndDocument(h->w) < 0)
		h->err = true;
	return h->err ? -1 : 0;
}

static char *audit_page(const struct audit *a, size_t *len)
{
	return hx_document(audit_body, a, len);
}

/* Write data to path (a file the user named): atomically, mode 0600. */
static int write_path(const char *path, const char *data, size_t len, FILE *err)
{
	char *d = strdup(path), *slash;
	const char *dir = ".", *name;
	int ret = -1;

	if (!d)
		return -1;
	slash = strrchr(d, '/');
	if (slash) {
		*slash = '\0';
		dir = slash == d ? "/" : d;
		name = slash + 1;
	} else {
		name = d;
	}
	if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		errno = EISDIR;
	else
		ret = hpc_runfile_write(dir, name, data, len);
	if (ret < 0)
		fprintf(err, "hpc-report: audit: cannot write %s: %s\n", path, strerror(errno));
	free(d);
	return ret;
}

struct audit_args {
	const char *dir, *json, *html;
	bool quiet;
};

static void audit_usage(FILE *f)
{
	fprintf(f, "usage: hpc-report --audit RUN_DIR [--json FILE] [--html FILE] [--quiet]\n");
}

/* 0 parsed, 1 --help printed, 2 bad usage (said on err). */
static int audit_args(int argc, char **argv, struct audit_args *a, FILE *out, FILE *err)
{
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "--json") || !strcmp(s, "--html")) {
			const char **p = s[2] == 'j' ? &a->json : &a->html;

			if (i + 1 >= argc || *p || !*argv[i + 1])
				goto usage;
			*p = argv[++i];
		} else if (!strcmp(s, "--quiet") || !strcmp(s, "-q")) {
			a->quiet = true;
		} else if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
			audit_usage(out);
			return 1;
		} else if (s[0] == '-' || a->dir) {
			fprintf(err, "hpc-report: audit: unexpected argument '%s'\n", s);
			goto usage;
		} else {
			a->dir = s;
		}
	}
	if (a->dir && *a->dir)
		return 0;
usage:
	audit_usage(err);
	return 2;
}

/* summary.json read as the matrix's inputs (strings point into root). */
struct summary {
	char *path;
	struct json_object *root;
	struct aud_input *in;
	size_t n;
	unsigned int problems;
	FILE *err;
};

__attribute__((format(printf, 2, 3)))
static void sum_problem(struct summary *s, const char *fmt, ...)
{
	va_list ap;

	s->problems++;
	fprintf(s->err, "hpc-report: audit: %s: ", s->path);
	va_start(ap, fmt);
	vfprintf(s->err, fmt, ap);
	va_end(ap);
	fputc('\n', s->err);
}

static const char *member_str(struct json_object *o, const char *key)
{
	struct json_object *m;

	if (!json_object_object_get_ex(o, key, &m) || !json_object_is_type(m, json_type_string))
		return NULL;
	return json_object_get_string(m);
}

/* One entry of "results": dir, scenario, verdict, class. false: left out. */
static bool summary_result(struct summary *s, struct json_object *e, size_t i,
			   struct aud_input *in)
{
	const char *dir = json_object_is_type(e, json_type_object) ? member_str(e, "dir") : NULL;
	const char *v, *c;
	struct json_object *m;
	int k;

	if (!dir || !rep_audit_dir_ok(dir)) {
		sum_problem(s, "results[%zu]: no \"dir\" that is a result directory name ([A-Za-z0-9_.+-]{1,128}); left out",
			    i);
		return false;
	}
	in->dir = dir;
	in->scenario = member_str(e, "scenario");
	v = member_str(e, "verdict");
	k = v ? (strcmp(v, "NOTRUN") ? hpc_verdict_parse(v) : HPC_REP_NOTRUN) : -1;
	if (k < 0) {
		sum_problem(s, "results[%zu] (%s): \"verdict\" is not one of PASS RESET XFAIL SKIP ERROR FAIL NOTRUN; counted as ERROR",
			    i, dir);
		k = HPC_V_ERROR;
	}
	in->verdict = k;
	in->cls = HPC_C_NONE;
	c = member_str(e, "class");
	k = c ? hpc_class_parse(c) : -1;
	if (k > 0)
		in->cls = (enum hpc_class)k;
	else if (c || (json_object_object_get_ex(e, "class", &m) && m))
		sum_problem(s, "results[%zu] (%s): \"class\" is not null or a class name (CRASH, WARN, KASAN, ...); left out",
			    i, dir);
	return true;
}

/* RUN/summary.json: 0, or -1 when it cannot be used at all (said). */
static int read_summary(struct summary *s, const char *rundir)
{
	struct json_object *res, *nr = NULL;
	char *buf, why[200];
	size_t len, cap;
	int e;

	if (asprintf(&s->path, "%s/summary.json", rundir) < 0)
		return -1;
	e = hpc_runfile_read(s->path, HPC_REP_FILE_MAX, &buf, &len);
	if (e < 0) {
		fprintf(s->err, "hpc-report: audit: %s: %s (expected the run's summary.json: is this a run directory? 'hpchaos report' writes it again from the plan)\n",
			s->path, hpc_runfile_strerror(e));
		return -1;
	}
	s->root = hpc_runfile_json(buf, len, why, sizeof(why));
	free(buf);
	if (!s->root || !json_object_is_type(s->root, json_type_object) ||
	    !json_object_object_get_ex(s->root, "results", &res) ||
	    !json_object_is_type(res, json_type_array)) {
		fprintf(s->err, "hpc-report: audit: %s: %s (expected summary.json: a JSON object with a \"results\" array)\n",
			s->path, s->root ? "no \"results\" array" : why);
		return -1;
	}
	if (json_object_object_get_ex(s->root, "not_run", &nr) &&
	    !json_object_is_type(nr, json_type_array)) {
		sum_problem(s, "\"not_run\" is not an array of directory names; left out");
		nr = NULL;
	}
	cap = json_object_array_length(res) + (nr ? json_object_array_length(nr) : 0);
	s->in = calloc(cap ? cap : 1, sizeof(*s->in));
	if (!s->in)
		return -1;
	for (size_t i = 0; i < json_object_array_length(res); i++)
		s->n += summary_result(s, json_object_array_get_idx(res, i), i, &s->in[s->n]);
	for (size_t i = 0; nr && i < json_object_array_length(nr); i++) {
		struct json_object *d = json_object_array_get_idx(nr, i);
		const char *dir = json_object_is_type(d, json_type_string) ?
				  json_object_get_string(d) : NULL;

		if (!dir || !rep_audit_dir_ok(dir)) {
			sum_problem(s, "not_run[%zu]: not a result directory name; left out", i);
			continue;
		}
		s->in[s->n].dir = dir;
		s->in[s->n++].verdict = HPC_REP_NOTRUN;
	}
	return 0;
}

/* The run id: summary.json's, else the directory's name, else "-". */
static const char *run_id(const struct summary *s, const char *rundir)
{
	const char *id = member_str(s->root, "run_id"), *base = strrchr(rundir, '/');

	if (id && rep_audit_dir_ok(id))
		return id;
	base = base ? base + 1 : rundir;
	return rep_audit_dir_ok(base) ? base : "-";
}

/* audit.json into the run directory, and the --json and --html files. */
static int audit_write(const struct audit *a, const struct audit_args *args, FILE *err)
{
	struct json_object *o = rep_audit_json(a);
	const char *txt = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_SPACED |
							     JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
	char *js = NULL, *html = NULL;
	size_t hlen = 0;
	int ret = -1;

	if (!txt || asprintf(&js, "%s\n", txt) < 0) {
		fprintf(err, "hpc-report: audit: out of memory\n");
		goto out;
	}
	if (hpc_runfile_write(a->rundir, "audit.json", js, strlen(js)) < 0) {
		fprintf(err, "hpc-report: audit: cannot write %s/audit.json: %s\n", a->rundir,
			strerror(errno));
		goto out;
	}
	if (args->json && write_path(args->json, js, strlen(js), err) < 0)
		goto out;
	if (args->html) {
		html = audit_page(a, &hlen);
		if (!html) {
			fprintf(err, "hpc-report: audit: out of memory\n");
			goto out;
		}
		if (write_path(args->html, html, hlen, err) < 0)
			goto out;
	}
	ret = 0;
out:
	free(js);
	free(html);
	json_object_put(o);
	return ret;
}

int rep_audit_main(int argc, char **argv, FILE *out, FILE *err)
{
	struct audit_args args = { 0 };
	struct summary s = { .err = err };
	struct audit a = { 0 };
	char *dir;
	int ret = 2;

	ret = audit_args(argc, argv, &args, out, err);
	if (ret)
		return ret == 1 ? 0 : ret;
	ret = 2;
	dir = strdup(args.dir);
	if (!dir)
		return 2;
	for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
		dir[n - 1] = '\0';
	if (read_summary(&s, dir) < 0)
		goto done;
	if (rep_audit_build(&a, dir, run_id(&s, dir), s.in, s.n, err) < 0) {
		fprintf(err, "hpc-report: audit: out of memory\n");
		goto done;
	}
	a.problems += s.problems;
	if (audit_write(&a, &args, err) < 0)
		goto done;
	if (!args.quiet)
		rep_audit_table(&a, out);
	ret = a.problems ? 1 : 0;
done:
	rep_audit_free(&a);
	json_object_put(s.root);
	free(s.in);
	free(s.path);
	free(dir);
	return ret;
}
