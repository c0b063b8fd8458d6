// SPDX-License-Identifier: GPL-2.0
/* Run-level report writer: see hpc/report.h for the formats and decisions. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hpc/linebuf.h"
#include "hpc/report.h"

#define KTAP_TEXT_MAX	512	/* longest title/reason in ktap.txt */
#define SCEN_COL_MAX	40	/* widest scenario column in the table */
#define TABLE_MAX_ROWS	40	/* a soak run with more lists only failures */

/* ---- small helpers ---- */

static bool nonempty(const char *s)
{
	return s && *s;
}

const char *hpc_rep_verdict_name(int verdict)
{
	if (verdict == HPC_REP_NOTRUN)
		return "NOTRUN";
	return hpc_verdict_name((enum hpc_verdict)verdict);
}

/*
 * Length of the well-formed UTF-8 sequence at s (n bytes available) and its
 * code point, or 0 when the bytes there are not well-formed UTF-8.
 */
static size_t utf8_seq(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t v, min;
	size_t need;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		v = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		v = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		v = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return need;
}

/* Copy of untrusted text: at most HPC_REP_TEXT_MAX bytes, valid UTF-8, no NUL. */
static char *clean_dup(const char *s, size_t len)
{
	size_t r = 0, w = 0;
	char *d;

	if (len > HPC_REP_TEXT_MAX)
		len = HPC_REP_TEXT_MAX;
	d = malloc(len + 1);
	if (!d)
		return NULL;
	while (r < len) {
		uint32_t cp;
		size_t k = utf8_seq(s + r, len - r, &cp);

		if (!k || cp == 0) {
			d[w++] = '?';
			r++;
			continue;
		}
		memcpy(d + w, s + r, k);
		w += k;
		r += k;
	}
	d[w] = '\0';
	return d;
}

/* Printable ASCII on one line, in place: for the terminal and KTAP. */
static size_t ascii_line(char *s)
{
	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	return hpc_sanitize(s, strlen(s));
}

char *hpc_xml_escape(const char *s)
{
	size_t n = strlen(s), w = 0;
	char *d = malloc(n * 6 + 1);

	if (!d)
		return NULL;
	for (size_t r = 0; r < n;) {
		uint32_t cp;
		size_t k = utf8_seq(s + r, n - r, &cp);
		const char *ent = NULL;

		if (!k) {
			d[w++] = '?';
			r++;
			continue;
		}
		switch (cp) {
		case '&':
			ent = "&amp;";
			break;
		case '<':
			ent = "&lt;";
			break;
		case '>':
			ent = "&gt;";
			break;
		case '"':
			ent = "&quot;";
			break;
		case '\'':
			ent = "&apos;";
			break;
		case '\t':
			ent = "&#9;";
			break;
		case '\n':
			ent = "&#10;";
			break;
		case '\r':
			ent = "&#13;";
			break;
		default:
			break;
		}
		if (ent) {
			memcpy(d + w, ent, strlen(ent));
			w += strlen(ent);
		} else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
			   cp == 0xfffe || cp == 0xffff) {
			d[w++] = '?';
		} else {
			memcpy(d + w, s + r, k);
			w += k;
		}
		r += k;
	}
	d[w] = '\0';
	return d;
}

char *hpc_ktap_text_clean(const char *s, size_t max)
{
	size_t n = strnlen(s, HPC_REP_TEXT_MAX), a = 0;
	char *d = malloc(n + 1);

	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	n = ascii_line(d);
	for (size_t i = 0; i < n; i++)
		if (d[i] == '#')
			d[i] = '?';
	while (n > 0 && d[n - 1] == ' ')
		n--;
	while (a < n && d[a] == ' ')
		a++;
	n -= a;
	if (n > max)
		n = max;
	memmove(d, d + a, n);
	d[n] = '\0';
	return d;
}

/* ---- files ---- */

/* Whole regular file, at most max bytes, NUL-terminated. 0 or -errno. */
static int read_file(const char *path, size_t max, char **out, size_t *outlen)
{
	size_t len = 0, cap;
	struct stat st;
	char *buf;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		e = -errno;
		close(fd);
		return e;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((uintmax_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t r;

		if (len == cap) {
			char *nb;

			if (cap > max) {
				free(buf);
				close(fd);
				return -EFBIG;
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = -errno;
			free(buf);
			close(fd);
			return e;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (len > max) {
		free(buf);
		return -EFBIG;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

static const char *file_err(int e)
{
	if (e == -EINVAL)
		return "not a regular file";
	if (e == -EFBIG)
		return "file too large";
	return strerror(-e);
}

static struct json_object *parse_json(const char *buf, size_t len, char *why,
				      size_t wlen)
{
	struct json_tokener *tok = json_tokener_new_ex(32);
	enum json_tokener_error je;
	struct json_object *o;
	size_t end;

	if (len == 0) {
		json_tokener_free(tok);
		snprintf(why, wlen, "empty file");
		return NULL;
	}
	if (!tok) {
		snprintf(why, wlen, "out of memory");
		return NULL;
	}
	/* include the NUL so that a bare number at the end is complete */
	o = json_tokener_parse_ex(tok, buf, (int)len + 1);
	je = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o) {
		if (je == json_tokener_success || je == json_tokener_continue)
			snprintf(why, wlen, "not JSON: unexpected end of file");
		else
			snprintf(why, wlen, "not JSON: %s at offset %zu",
				 json_tokener_error_desc(je), end);
		return NULL;
	}
	while (end < len && (buf[end] == ' ' || buf[end] == '\t' ||
			     buf[end] == '\n' || buf[end] == '\r'))
		end++;
	if (end < len) {
		json_object_put(o);
		snprintf(why, wlen, "not JSON: trailing data at offset %zu", end);
		return NULL;
	}
	return o;
}

/* Write data to dir/name through a temp file in dir and rename(2). */
static int write_atomic(const char *dir, const char *name, const char *data,
			size_t len, FILE *err)
{
	char *tmp = NULL, *dst = NULL;
	int fd = -1, ret = -1;
	size_t off = 0;

	if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, name) < 0) {
		tmp = NULL;
		goto oom;
	}
	if (asprintf(&dst, "%s/%s", dir, name) < 0) {
		dst = NULL;
		goto oom;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		goto fail;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail_unlink;
		off += (size_t)w;
	}
	if (fsync(fd) < 0)	/* mkostemp made it 0600, like the run directory */
		goto fail_unlink;
	if (close(fd) < 0) {
		fd = -1;
		goto fail_unlink;
	}
	fd = -1;
	if (rename(tmp, dst) < 0)
		goto fail_unlink;
	ret = 0;
	goto out;

fail_unlink:
	{
		int e = errno;

		unlink(tmp);
		errno = e;
	}
fail:
	fprintf(err, "hpc-report: cannot write %s/%s: %s\n", dir, name,
		strerror(errno));
	goto out;
oom:
	fprintf(err, "hpc-report: out of memory\n");
out:
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(dst);
	return ret;
}

/* ---- verdict.json ---- */

static void vrec_clear(struct hpc_vrec *v)
{
	free(v->scenario);
	free(v->file);
	free(v->group);
	free(v->title);
	free(v->reason);
	if (v->seed)
		json_object_put(v->seed);
	v->scenario = v->file = v->group = v->title = v->reason = NULL;
	v->seed = NULL;
	v->cls = HPC_C_NONE;
	v->has_duration = false;
	v->duration_s = 0;
	v->interrupted = false;
}

void hpc_vrec_free(struct hpc_vrec *v)
{
	vrec_clear(v);
	free(v->dir);
	v->dir = NULL;
}

/* Value of key: 1 present and not null, 0 absent or null. */
static int member(struct json_object *root, const char *key,
		  struct json_object **o)
{
	*o = NULL;
	return json_object_object_get_ex(root, key, o) && *o ? 1 : 0;
}

/* A string of verdict.json, made safe (NULL for null); -2 out of memory. */
static int dup_vstr(const struct hpc_vstr *s, char **out)
{
	*out = NULL;
	if (!s->s)
		return 0;
	*out = clean_dup(s->s, s->len);
	return *out ? 0 : -2;
}

/* verdict.json's schema is lib/verdict.c's: it reads, this keeps copies. */
static int vrec_fill(struct hpc_vrec *v, struct json_object *root, char *why,
		     size_t wlen)
{
	struct hpc_verdict_doc doc;

	if (hpc_verdict_json_read(root, &doc, why, wlen) < 0)
		return -1;
	if (dup_vstr(&doc.scenario, &v->scenario) || dup_vstr(&doc.file, &v->file) ||
	    dup_vstr(&doc.title, &v->title) || dup_vstr(&doc.reason, &v->reason) ||
	    dup_vstr(&doc.group, &v->group))
		return -2;
	v->verdict = doc.v;
	v->cls = doc.cls;
	v->seed = doc.seed ? json_object_get(doc.seed) : NULL;
	v->has_duration = doc.has_duration;
	v->duration_s = doc.duration_s;
	v->interrupted = doc.interrupted;
	return 0;
}

int hpc_vrec_load(struct hpc_vrec *v, const char *path, const char *dir)
{
	struct json_object *root;
	char why[200];
	char *buf;
	size_t len;
	int e;

	memset(v, 0, sizeof(*v));
	v->verdict = HPC_V_ERROR;
	if (dir) {
		v->dir = strdup(dir);
		if (!v->dir)
			return -1;
	}
	e = read_file(path, HPC_REP_FILE_MAX, &buf, &len);
	if (e == -ENOENT || e == -ENOTDIR) {
		v->verdict = HPC_REP_NOTRUN;
		v->scenario = strdup(dir ? dir : path);
		return v->scenario ? HPC_VREC_MISSING : -1;
	}
	if (e == -ENOMEM)
		return -1;
	if (e < 0) {
		snprintf(why, sizeof(why), "%s", file_err(e));
		goto bad;
	}
	root = parse_json(buf, len, why, sizeof(why));
	free(buf);
	if (!root)
		goto bad;
	e = vrec_fill(v, root, why, sizeof(why));
	json_object_put(root);
	if (e == -2)
		return -1;
	if (e == 0)
		return HPC_VREC_OK;
bad:
	vrec_clear(v);
	v->verdict = HPC_V_ERROR;
	v->scenario = strdup(dir ? dir : path);
	if (asprintf(&v->reason, "unreadable verdict.json: %s", why) < 0)
		v->reason = NULL;
	return v->scenario && v->reason ? HPC_VREC_BAD : -1;
}

/* The title/reason text shown for a verdict. */
static const char *vrec_text(const struct hpc_vrec *v)
{
	if (v->verdict == HPC_REP_NOTRUN)
		return "not run (interrupted)";
	if (v->verdict == HPC_V_FAIL || v->verdict == HPC_V_XFAIL)
		return nonempty(v->title) ? v->title : v->reason;
	return nonempty(v->reason) ? v->reason : v->title;
}

/*
 * True when the title already starts with "CLASS:" (triage titles such as
 * "KASAN: use-after-free in memunmap_pages" do): then "CLASS: title" would
 * name the class twice, and the title alone is used.
 */
static bool title_has_class(const struct hpc_vrec *v)
{
	const char *c = hpc_class_name(v->cls);
	size_t n = strlen(c);

	return v->cls != HPC_C_NONE && nonempty(v->title) &&
	       !strncmp(v->title, c, n) && v->title[n] == ':';
}

void hpc_vrec_line(const struct hpc_vrec *v, char *buf, size_t len)
{
	const char *text = nonempty(v->title) ? v->title : v->reason;
	bool cls = v->cls != HPC_C_NONE;

	if (!len)
		return;
	if (title_has_class(v))
		snprintf(buf, len, "%s %s", hpc_rep_verdict_name(v->verdict),
			 v->title);
	else
		snprintf(buf, len, "%s%s%s%s%s",
			 hpc_rep_verdict_name(v->verdict),
			 cls ? " " : "", cls ? hpc_class_name(v->cls) : "",
			 nonempty(text) ? ": " : "", nonempty(text) ? text : "");
	ascii_line(buf);
}

/* ---- the run ---- */

struct plan_ent {
	char *name;
	unsigned int line;
};

struct run {
	char *dir;
	struct plan_ent *ent;
	size_t n;
	struct hpc_vrec *v;
	struct json_object *runjson;
	bool interrupted;
	unsigned int counts[HPC_REP_NVERDICTS];
	double time;
	char finished[32];
};

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->ent[i].name);
		if (r->v)
			hpc_vrec_free(&r->v[i]);
	}
	free(r->ent);
	free(r->v);
	free(r->dir);
	if (r->runjson)
		json_object_put(r->runjson);
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '+' ||
	       c == '-';
}

static int check_name(const char *s, size_t n, char *msg, size_t mlen)
{
	if (n == 0) {
		snprintf(msg, mlen, "empty line (expected a scenario directory name)");
		return -1;
	}
	if (n > HPC_REP_NAME_MAX) {
		snprintf(msg, mlen, "scenario name longer than %d characters",
			 HPC_REP_NAME_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (name_char((char)c))
			continue;
		if (c >= 0x20 && c < 0x7f)
			snprintf(msg, mlen,
				 "invalid character '%c' in scenario name (allowed: A-Z a-z 0-9 _ . + -)",
				 c);
		else
			snprintf(msg, mlen,
				 "invalid byte 0x%02x in scenario name (allowed: A-Z a-z 0-9 _ . + -)",
				 c);
		return -1;
	}
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
		snprintf(msg, mlen, "\"%.*s\" is not a scenario name", (int)n, s);
		return -1;
	}
	return 0;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct plan_ent *x = *(const struct plan_ent *const *)a;
	const struct plan_ent *y = *(const struct plan_ent *const *)b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Duplicate names: report the earliest line that repeats an earlier one. */
static int check_dups(struct run *r, const char *path, FILE *err)
{
	const struct plan_ent **idx, *bad = NULL, *first = NULL;
	size_t start = 0;

	if (r->n < 2)
		return 0;
	idx = malloc(r->n * sizeof(*idx));
	if (!idx) {
		fprintf(err, "hpc-report: out of memory\n");
		return -1;
	}
	for (size_t i = 0; i < r->n; i++)
		idx[i] = &r->ent[i];
	/*
	 * Sorted by name, then line: each run of equal names starts with
	 * the first occurrence.
	 */
	qsort(idx, r->n, sizeof(*idx), ent_cmp);
	for (size_t i = 1; i < r->n; i++) {
		if (strcmp(idx[i]->name, idx[start]->name)) {
			start = i;
			continue;
		}
		if (!bad || idx[i]->line < bad->line) {
			bad = idx[i];
			first = idx[start];
		}
	}
	if (bad)
		fprintf(err, "hpc-report: %s:%u: duplicate scenario name \"%s\" (first on line %u)\n",
			path, bad->line, bad->name, first->line);
	free(idx);
	return bad ? -1 : 0;
}

static int read_plan(struct run *r, FILE *err)
{
	char *path, *buf, *p, *end, msg[128];
	unsigned int line = 1;
	size_t len, cap = 0;
	int e, ret = -1;

	if (asprintf(&path, "%s/plan", r->dir) < 0) {
		fprintf(err, "hpc-report: out of memory\n");
		return -1;
	}
	e = read_file(path, HPC_REP_FILE_MAX, &buf, &len);
	if (e < 0) {
		fprintf(err, "hpc-report: %s: %s\n", path, file_err(e));
		free(path);
		return -1;
	}
	for (p = buf, end = buf + len; p < end; line++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (check_name(p, n, msg, sizeof(msg)) < 0) {
			fprintf(err, "hpc-report: %s:%u: %s\n", path, line, msg);
			goto out;
		}
		if (r->n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct plan_ent *ne = realloc(r->ent, ncap * sizeof(*ne));

			if (!ne)
				goto oom;
			r->ent = ne;
			cap = ncap;
		}
		r->ent[r->n].name = strndup(p, n);
		if (!r->ent[r->n].name)
			goto oom;
		r->ent[r->n++].line = line;
		p += n + (nl ? 1 : 0);
	}
	ret = check_dups(r, path, err);
	goto out;
oom:
	fprintf(err, "hpc-report: out of memory\n");
out:
	free(buf);
	free(path);
	return ret;
}

static const char *const reserved_keys[] = {
	"schema", "finished", "interrupted", "counts", "results", "not_run",
	"by_scenario",
};

static bool reserved(const char *key)
{
	for (size_t i = 0; i < sizeof(reserved_keys) / sizeof(reserved_keys[0]); i++)
		if (!strcmp(key, reserved_keys[i]))
			return true;
	return false;
}

static void read_runjson(struct run *r, FILE *err)
{
	char *path, *buf, why[200];
	size_t len;
	int e;

	if (asprintf(&path, "%s/run.json", r->dir) < 0)
		return;
	e = read_file(path, HPC_REP_FILE_MAX, &buf, &len);
	if (e < 0) {
		fprintf(err, "hpc-report: warning: %s: %s (run fields left out)\n",
			path, file_err(e));
		free(path);
		return;
	}
	r->runjson = parse_json(buf, len, why, sizeof(why));
	free(buf);
	if (!r->runjson) {
		fprintf(err, "hpc-report: warning: %s: %s (run fields left out)\n",
			path, why);
	} else if (!json_object_is_type(r->runjson, json_type_object)) {
		fprintf(err, "hpc-report: warning: %s: not a JSON object (run fields left out)\n",
			path);
		json_object_put(r->runjson);
		r->runjson = NULL;
	}
	free(path);
}

static const char *run_string(const struct run *r, const char *key)
{
	struct json_object *o;

	if (r->runjson && member(r->runjson, key, &o) &&
	    json_object_is_type(o, json_type_string))
		return json_object_get_string(o);
	return NULL;
}

/* ---- summary.json ---- */

static struct json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *jdur(const struct hpc_vrec *v)
{
	char buf[48];

	if (!v->has_duration)
		return NULL;
	snprintf(buf, sizeof(buf), "%.3f", v->duration_s);
	return json_object_new_double_s(v->duration_s, buf);
}

/* ---- per scenario (soak runs: one scenario run many times) ---- */

/* Do two records have the same verdict, class and title? */
static bool same_outcome(const struct hpc_vrec *a, const struct hpc_vrec *b)
{
	return a->verdict == b->verdict && a->cls == b->cls &&
	       !!a->title == !!b->title && (!a->title || !strcmp(a->title, b->title));
}

/* Index of the first record of v's scenario (plan order). */
static size_t first_of(const struct run *r, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (!strcmp(r->v[j].scenario, r->v[i].scenario))
			return j;
	return i;
}

static bool any_repeated(const struct run *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (first_of(r, i) != i)
			return true;
	return false;
}

/*
 * "by_scenario": per scenario, in the order of first appearance: how many
 * results, the count of each verdict, and every distinct failure (FAIL or
 * ERROR: verdict, class, title) with how often it came.
 */
static struct json_object *by_scenario_json(const struct run *r)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < r->n; i++) {
		struct json_object *e, *c, *fl;
		unsigned int counts[HPC_REP_NVERDICTS] = { 0 }, runs = 0;

		if (first_of(r, i) != i)
			continue;
		e = json_object_new_object();
		fl = json_object_new_array();
		for (size_t j = i; j < r->n; j++) {
			const struct hpc_vrec *v = &r->v[j];
			struct json_object *f;
			unsigned int n = 0;
			bool seen = false;

			if (strcmp(v->scenario, r->v[i].scenario))
				continue;
			runs++;
			counts[v->verdict]++;
			if (v->verdict != HPC_V_FAIL && v->verdict != HPC_V_ERROR)
				continue;
			for (size_t k = i; k < j && !seen; k++)
				seen = !strcmp(r->v[k].scenario, v->scenario) &&
				       same_outcome(&r->v[k], v);
			if (seen)
				continue;
			for (size_t k = j; k < r->n; k++)
				n += !strcmp(r->v[k].scenario, v->scenario) &&
				     same_outcome(&r->v[k], v);
			f = json_object_new_object();
			json_object_object_add(f, "verdict",
					       jstr(hpc_rep_verdict_name(v->verdict)));
			json_object_object_add(f, "class", v->cls == HPC_C_NONE ? NULL :
					       jstr(hpc_class_name(v->cls)));
			json_object_object_add(f, "title", jstr(v->title));
			json_object_object_add(f, "runs", json_object_new_int((int)n));
			json_object_object_add(f, "first", jstr(v->dir));
			json_object_array_add(fl, f);
		}
		json_object_object_add(e, "scenario", jstr(r->v[i].scenario));
		json_object_object_add(e, "runs", json_object_new_int((int)runs));
		c = json_object_new_object();
		for (int k = 0; k < HPC_REP_NVERDICTS; k++)
			if (counts[k])
				json_object_object_add(c, hpc_rep_verdict_name(k),
						       json_object_new_int((int)counts[k]));
		json_object_object_add(e, "counts", c);
		json_object_object_add(e, "failures", fl);
		json_object_array_add(arr, e);
	}
	return arr;
}

static char *build_summary(const struct run *r, size_t *len)
{
	struct json_object *o = json_object_new_object(), *c, *res, *nr;
	const char *s;
	char *out = NULL;

	if (!o)
		return NULL;
	json_object_object_add(o, "schema", json_object_new_int(1));
	if (r->runjson) {
		json_object_object_foreach(r->runjson, key, val) {
			if (!reserved(key))
				json_object_object_add(o, key, json_object_get(val));
		}
	}
	json_object_object_add(o, "finished", json_object_new_string(r->finished));
	json_object_object_add(o, "interrupted",
			       json_object_new_boolean(r->interrupted));
	c = json_object_new_object();
	for (int i = 0; i < HPC_REP_NVERDICTS; i++)
		json_object_object_add(c, hpc_rep_verdict_name(i),
				       json_object_new_int((int)r->counts[i]));
	json_object_object_add(o, "counts", c);
	res = json_object_new_array();
	nr = json_object_new_array();
	for (size_t i = 0; i < r->n; i++) {
		const struct hpc_vrec *v = &r->v[i];
		struct json_object *e;

		if (v->verdict == HPC_REP_NOTRUN) {
			json_object_array_add(nr, json_object_new_string(v->dir));
			continue;
		}
		e = json_object_new_object();
		json_object_object_add(e, "scenario", jstr(v->scenario));
		json_object_object_add(e, "dir", jstr(v->dir));
		json_object_object_add(e, "verdict",
				       jstr(hpc_rep_verdict_name(v->verdict)));
		json_object_object_add(e, "class", v->cls == HPC_C_NONE ? NULL :
				       jstr(hpc_class_name(v->cls)));
		json_object_object_add(e, "title", jstr(v->title));
		json_object_object_add(e, "reason", jstr(v->reason));
		json_object_object_add(e, "duration_s", jdur(v));
		json_object_object_add(e, "seed",
				       v->seed ? json_object_get(v->seed) : NULL);
		json_object_array_add(res, e);
	}
	json_object_object_add(o, "results", res);
	json_object_object_add(o, "not_run", nr);
	json_object_object_add(o, "by_scenario", by_scenario_json(r));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					   JSON_C_TO_STRING_SPACED |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s && asprintf(&out, "%s\n", s) < 0)
		out = NULL;
	json_object_put(o);
	if (out)
		*len = strlen(out);
	return out;
}

/* ---- junit.xml ---- */

/* fprintf of one XML-escaped string; false when out of memory */
static bool xput(FILE *f, const char *s)
{
	char *e = hpc_xml_escape(s ? s : "");

	if (!e)
		return false;
	fputs(e, f);
	free(e);
	return true;
}

static void junit_props(FILE *f, const struct run *r)
{
	if (!r->runjson)
		return;
	fputs("  <properties>\n", f);
	json_object_object_foreach(r->runjson, key, val) {
		const char *s;

		if (reserved(key))
			continue;
		if (!val)
			s = "null";
		else if (json_object_is_type(val, json_type_string))
			s = json_object_get_string(val);
		else
			s = json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN);
		fputs("    <property name=\"", f);
		xput(f, key);
		fputs("\" value=\"", f);
		xput(f, s);
		fputs("\"/>\n", f);
	}
	fputs("  </properties>\n", f);
}

/* "CLASS: title", "CLASS", "title" or the reason */
static char *fail_message(const struct hpc_vrec *v, const char *fallback)
{
	char *m = NULL;
	bool cls = v->cls != HPC_C_NONE;

	if (title_has_class(v))
		return strdup(v->title);
	if (cls && nonempty(v->title)) {
		if (asprintf(&m, "%s: %s", hpc_class_name(v->cls), v->title) < 0)
			m = NULL;
		return m;
	}
	if (cls)
		return strdup(hpc_class_name(v->cls));
	if (nonempty(v->title))
		return strdup(v->title);
	return strdup(nonempty(v->reason) ? v->reason : fallback);
}

static int junit_case(FILE *f, const struct hpc_vrec *v)
{
	char *msg = NULL;
	bool ok = true;

	fputs("  <testcase classname=\"hpchaos", f);
	if (v->group) {
		fputc('.', f);
		ok &= xput(f, v->group);
	}
	fputs("\" name=\"", f);
	ok &= xput(f, v->scenario);
	fprintf(f, "\" time=\"%.3f\">\n", v->has_duration ? v->duration_s : 0.0);

	switch (v->verdict) {
	case HPC_V_FAIL:
		msg = fail_message(v, "FAIL");
		fputs("    <failure message=\"", f);
		ok &= xput(f, msg);
		fputs("\" type=\"", f);
		ok &= xput(f, v->cls != HPC_C_NONE ? hpc_class_name(v->cls) : "FAIL");
		fputs("\">", f);
		ok &= xput(f, v->reason);
		fputs("</failure>\n", f);
		break;
	case HPC_V_ERROR:
		msg = strdup(nonempty(v->reason) ? v->reason :
			     nonempty(v->title) ? v->title : "ERROR");
		fputs("    <error message=\"", f);
		ok &= xput(f, msg);
		fputs("\" type=\"ERROR\">", f);
		ok &= xput(f, v->reason);
		fputs("</error>\n", f);
		break;
	case HPC_V_SKIP:
		fputs("    <skipped message=\"", f);
		ok &= xput(f, v->reason);
		fputs("\"/>\n", f);
		break;
	case HPC_REP_NOTRUN:
		fputs("    <skipped message=\"not run (interrupted)\"/>\n", f);
		break;
	default:
		break;
	}
	if (v->verdict != HPC_REP_NOTRUN) {
		char line[600];

		/* XFAIL and RESET pass; this says why, and how to reproduce */
		fputs("    <system-out>", f);
		hpc_vrec_line(v, line, sizeof(line));
		ok &= xput(f, line);
		fputs("&#10;", f);
		/* the line above shows the title if any, else the reason */
		if (nonempty(v->title) && nonempty(v->reason) &&
		    v->verdict != HPC_V_FAIL && v->verdict != HPC_V_ERROR) {
			fputs("reason: ", f);
			ok &= xput(f, v->reason);
			fputs("&#10;", f);
		}
		if (v->seed) {
			fputs("seed: ", f);
			ok &= xput(f, json_object_to_json_string(v->seed));
			fputs("&#10;", f);
		}
		if (v->file) {
			fputs("file: ", f);
			ok &= xput(f, v->file);
			fputs("&#10;", f);
		}
		fputs("result: ", f);
		ok &= xput(f, v->dir);
		fputs("</system-out>\n", f);
	}
	fputs("  </testcase>\n", f);
	free(msg);
	return ok ? 0 : -1;
}

static char *build_junit(const struct run *r, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	const char *started = run_string(r, "started");
	int ret = 0;

	if (!f)
		return NULL;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f, "<testsuite name=\"hpchaos\" tests=\"%zu\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" time=\"%.3f\"",
		r->n, r->counts[HPC_V_FAIL], r->counts[HPC_V_ERROR],
		r->counts[HPC_V_SKIP] + r->counts[HPC_REP_NOTRUN], r->time);
	if (started) {
		fputs(" timestamp=\"", f);
		xput(f, started);
		fputc('"', f);
	}
	fputs(">\n", f);
	junit_props(f, r);
	for (size_t i = 0; i < r->n; i++)
		ret |= junit_case(f, &r->v[i]);
	fputs("</testsuite>\n", f);
	if (fclose(f) != 0 || ret) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- ktap.txt ---- */

static int ktap_case(FILE *f, size_t num, const struct hpc_vrec *v)
{
	char *name = hpc_ktap_text_clean(v->scenario, HPC_REP_NAME_MAX * 2);
	char *text = NULL, *msg = NULL;
	const char *directive = NULL;
	bool ok = true;

	if (!name)
		return -1;
	if (!name[0]) {
		free(name);
		name = hpc_ktap_text_clean(v->dir ? v->dir : "unnamed", 256);
		if (!name)
			return -1;
	}
	switch (v->verdict) {
	case HPC_V_FAIL:
		msg = fail_message(v, "");
		directive = "FAIL ";
		break;
	case HPC_V_ERROR:
		msg = strdup(nonempty(v->reason) ? v->reason : "");
		directive = "ERROR: ";
		break;
	case HPC_V_SKIP:
		msg = strdup(nonempty(v->reason) ? v->reason : "");
		directive = "SKIP ";
		break;
	case HPC_V_XFAIL:
		msg = nonempty(v->reason) ? strdup(v->reason) : fail_message(v, "");
		directive = "XFAIL ";
		break;
	case HPC_V_RESET:
		msg = strdup(nonempty(v->reason) ? v->reason : "");
		directive = "RESET ";
		break;
	case HPC_REP_NOTRUN:
		msg = strdup("not run (interrupted)");
		directive = "SKIP ";
		break;
	default:
		break;
	}
	if (directive)
		ok = msg && (text = hpc_ktap_text_clean(msg, KTAP_TEXT_MAX));
	if (ok) {
		bool pass = v->verdict != HPC_V_FAIL && v->verdict != HPC_V_ERROR;

		fprintf(f, "%s %zu %s", pass ? "ok" : "not ok", num, name);
		if (directive) {
			size_t dl = strlen(directive);

			/* "# SKIP" rather than "# SKIP " when there is no text */
			if (!text[0] && directive[dl - 1] == ' ')
				dl--;
			if (!text[0] && directive[dl - 1] == ':')
				dl--;
			fprintf(f, " # %.*s%s", (int)dl, directive, text);
		}
		fputc('\n', f);
	}
	free(name);
	free(text);
	free(msg);
	return ok ? 0 : -1;
}

static char *build_ktap(const struct run *r, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	int ret = 0;

	if (!f)
		return NULL;
	fprintf(f, "KTAP version 1\n1..%zu\n", r->n);
	for (size_t i = 0; i < r->n; i++)
		ret |= ktap_case(f, i + 1, &r->v[i]);
	if (fclose(f) != 0 || ret) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- terminal ---- */

static int term_cols(void)
{
	const char *s = getenv("COLUMNS");
	char *end;
	long v;

	if (!s || !*s)
		return 100;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 20 || v > 10000)
		return 100;
	return (int)v;
}

static const char *verdict_color(int verdict)
{
	switch (verdict) {
	case HPC_V_PASS:
		return "\033[32m";
	case HPC_V_RESET:
	case HPC_V_XFAIL:
		return "\033[36m";
	case HPC_V_SKIP:
	case HPC_REP_NOTRUN:
		return "\033[33m";
	default:
		return "\033[1;31m";
	}
}

/* Printable copy cut to width (with "..." when cut). */
static char *cell(const char *s, size_t width)
{
	char *d = strdup(s ? s : "");
	size_t n;

	if (!d)
		return NULL;
	n = ascii_line(d);
	if (n > width) {
		if (width >= 3) {
			memcpy(d + width - 3, "...", 3);
		}
		d[width] = '\0';
	}
	return d;
}

/* The per-scenario lines of the table, when a scenario ran more than once. */
static void print_by_scenario(const struct run *r, FILE *out)
{
	size_t sw = 0;

	for (size_t i = 0; i < r->n; i++) {
		size_t l = strlen(r->v[i].scenario);

		if (l > sw)
			sw = l < SCEN_COL_MAX ? l : SCEN_COL_MAX;
	}
	fprintf(out, "per scenario:\n");
	for (size_t i = 0; i < r->n; i++) {
		unsigned int counts[HPC_REP_NVERDICTS] = { 0 }, runs = 0;
		char *name;
		bool first = true;

		if (first_of(r, i) != i)
			continue;
		for (size_t j = i; j < r->n; j++)
			if (!strcmp(r->v[j].scenario, r->v[i].scenario)) {
				counts[r->v[j].verdict]++;
				runs++;
			}
		name = cell(r->v[i].scenario, sw);
		if (!name)
			continue;
		fprintf(out, "  %-*s  %u run%s:", (int)sw, name, runs, runs == 1 ? "" : "s");
		for (int k = 0; k < HPC_REP_NVERDICTS; k++) {
			if (!counts[k])
				continue;
			fprintf(out, "%s %u %s", first ? "" : ",", counts[k],
				hpc_rep_verdict_name(k));
			first = false;
		}
		fputc('\n', out);
		free(name);
	}
}

/* The first column: the scenario, or its result directory in a soak run. */
static const char *row_name(const struct hpc_vrec *v, bool repeated)
{
	return repeated && v->dir ? v->dir : v->scenario;
}

static bool row_passed(const struct hpc_vrec *v)
{
	return v->verdict == HPC_V_PASS || v->verdict == HPC_V_RESET ||
	       v->verdict == HPC_V_XFAIL || v->verdict == HPC_V_SKIP;
}

static void print_table(const struct run *r, FILE *out, bool color)
{
	const int fixed = 2 + 7 + 2 + 7 + 2 + 7 + 2;
	const bool repeated = any_repeated(r);
	/* a long soak run lists only what did not pass */
	const bool short_list = repeated && r->n > TABLE_MAX_ROWS;
	unsigned int passed, failed, skipped, hidden = 0;
	size_t sw = strlen("scenario");
	int tw;

	for (size_t i = 0; i < r->n; i++) {
		char *n = cell(row_name(&r->v[i], repeated), SCEN_COL_MAX);

		if (n && strlen(n) > sw)
			sw = strlen(n);
		free(n);
	}
	tw = term_cols() - (int)sw - fixed;
	if (tw < 20)
		tw = 20;
	fprintf(out, "%-*s  %-7s  %-7s  %7s  %s\n", (int)sw,
		repeated ? "result" : "scenario", "verdict", "class", "time",
		"title/reason");
	for (size_t i = 0; i < r->n; i++) {
		const struct hpc_vrec *v = &r->v[i];
		char *name, *text;
		char tbuf[32];

		if (short_list && row_passed(v)) {
			hidden++;
			continue;
		}
		name = cell(row_name(v, repeated), sw);
		text = cell(vrec_text(v), (size_t)tw);
		if (!name || !text) {
			free(name);
			free(text);
			continue;
		}
		if (v->has_duration)
			snprintf(tbuf, sizeof(tbuf), "%.1fs", v->duration_s);
		else
			snprintf(tbuf, sizeof(tbuf), "-");
		fprintf(out, "%-*s  %s%-7s%s  %-7s  %7s", (int)sw, name,
			color ? verdict_color(v->verdict) : "",
			hpc_rep_verdict_name(v->verdict), color ? "\033[0m" : "",
			v->cls != HPC_C_NONE ? hpc_class_name(v->cls) : "-",
			tbuf);
		if (text[0])
			fprintf(out, "  %s", text);
		fputc('\n', out);
		free(name);
		free(text);
	}
	if (hidden)
		fprintf(out, "(%u results that passed or skipped are not listed: see summary.json)\n",
			hidden);
	if (repeated)
		print_by_scenario(r, out);
	passed = r->counts[HPC_V_PASS] + r->counts[HPC_V_RESET] +
		 r->counts[HPC_V_XFAIL];
	failed = r->counts[HPC_V_FAIL] + r->counts[HPC_V_ERROR];
	skipped = r->counts[HPC_V_SKIP] + r->counts[HPC_REP_NOTRUN];
	if (r->interrupted)
		fprintf(out, "interrupted: %u of %zu scenarios not run\n",
			r->counts[HPC_REP_NOTRUN], r->n);
	fprintf(out, "summary: %u passed, %u failed, %u skipped\n", passed,
		failed, skipped);
}

/* ---- main ---- */

static int exit_status(const unsigned int *counts, bool interrupted)
{
	if (counts[HPC_V_FAIL] || counts[HPC_V_ERROR])
		return 1;
	return interrupted ? 3 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: hpc-report RUN_DIR [--interrupted] [--quiet] [--no-color]\n"
		   "       hpc-report --verdict FILE\n"
		   "       hpc-report --field FILE KEY[.KEY...]\n"
		   "       hpc-report --repro ORIG_VERDICT TRY_VERDICT...\n");
}

static int verdict_mode(const char *path, bool quiet, FILE *out, FILE *err)
{
	struct hpc_vrec v;
	char line[1024];
	int r = hpc_vrec_load(&v, path, NULL);

	if (r < 0) {
		hpc_vrec_free(&v);
		fprintf(err, "hpc-report: out of memory\n");
		return 2;
	}
	if (r == HPC_VREC_MISSING) {
		free(v.reason);
		v.verdict = HPC_V_ERROR;
		if (asprintf(&v.reason, "unreadable verdict.json: %s",
			     strerror(ENOENT)) < 0)
			v.reason = NULL;
	}
	hpc_vrec_line(&v, line, sizeof(line));
	if (!quiet)
		fprintf(out, "%s\n", line);
	r = v.verdict == HPC_V_FAIL || v.verdict == HPC_V_ERROR;
	hpc_vrec_free(&v);
	return r;
}

/*
 * --field FILE KEY[.KEY...]: one scalar of a JSON file (run.json,
 * verdict.json) for the runner: a string on one line as it is, a number, or
 * true/false. 0 printed; 1 absent, null, not a scalar or not one printable
 * line; 2 unreadable file or not JSON.
 */
static int field_mode(const char *path, const char *key, FILE *out, FILE *err)
{
	struct json_object *root, *o;
	char *buf, *keys, *save = NULL, why[200];
	size_t len;
	int e, ret = 1;

	e = read_file(path, HPC_REP_FILE_MAX, &buf, &len);
	if (e < 0) {
		fprintf(err, "hpc-report: %s: %s\n", path, file_err(e));
		return 2;
	}
	root = parse_json(buf, len, why, sizeof(why));
	free(buf);
	if (!root) {
		fprintf(err, "hpc-report: %s: %s\n", path, why);
		return 2;
	}
	keys = strdup(key);
	o = keys ? root : NULL;
	for (char *k = keys ? strtok_r(keys, ".", &save) : NULL; k && o;
	     k = strtok_r(NULL, ".", &save))
		if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, k, &o))
			o = NULL;
	if (o && json_object_is_type(o, json_type_string)) {
		const char *v = json_object_get_string(o);
		size_t n = (size_t)json_object_get_string_len(o);
		bool line = n > 0 && strlen(v) == n;

		for (size_t i = 0; line && i < n; i++)
			line = (unsigned char)v[i] >= 0x20 && v[i] != 0x7f;
		if (line) {
			fprintf(out, "%s\n", v);
			ret = 0;
		}
	} else if (o && json_object_is_type(o, json_type_int)) {
		fprintf(out, "%lld\n", (long long)json_object_get_int64(o));
		ret = 0;
	} else if (o && json_object_is_type(o, json_type_boolean)) {
		fprintf(out, "%s\n", json_object_get_boolean(o) ? "true" : "false");
		ret = 0;
	} else if (o && json_object_is_type(o, json_type_double)) {
		fprintf(out, "%g\n", json_object_get_double(o));
		ret = 0;
	}
	free(keys);
	json_object_put(root);
	return ret;
}

/* The name of the directory holding a verdict.json path. */
static char *parent_name(const char *path)
{
	char *d = strdup(path), *slash, *name;

	if (!d)
		return NULL;
	slash = strrchr(d, '/');
	if (!slash) {
		free(d);
		return strdup(".");
	}
	*slash = '\0';
	slash = strrchr(d, '/');
	name = strdup(slash ? slash + 1 : d);
	free(d);
	return name;
}

/*
 * --repro ORIG TRY...: how many of the tries' verdict.json files give the
 * same verdict, class and title as ORIG; the others are listed. 0 all
 * reproduced; 1 not all; 2 ORIG unreadable.
 */
static int repro_mode(const char *orig, int n, char **tries, FILE *out, FILE *err)
{
	struct hpc_vrec o, *v;
	char line[1024];
	int same = 0, r;

	r = hpc_vrec_load(&o, orig, NULL);
	if (r != HPC_VREC_OK) {
		fprintf(err, "hpc-report: %s: %s\n", orig,
			r == HPC_VREC_MISSING ? "no such file" :
			o.reason ? o.reason : "out of memory");
		hpc_vrec_free(&o);
		return 2;
	}
	v = calloc((size_t)(n > 0 ? n : 1), sizeof(*v));
	if (!v) {
		hpc_vrec_free(&o);
		fprintf(err, "hpc-report: out of memory\n");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		char *dir = parent_name(tries[i]);

		if (hpc_vrec_load(&v[i], tries[i], dir) < 0)
			v[i].verdict = HPC_V_ERROR;
		free(dir);
		same += same_outcome(&o, &v[i]);
	}
	hpc_vrec_line(&o, line, sizeof(line));
	fprintf(out, "repro: %d/%d tries gave %s (same verdict and title)\n",
		same, n, line);
	for (int i = 0; i < n; i++) {
		if (same_outcome(&o, &v[i]))
			continue;
		hpc_vrec_line(&v[i], line, sizeof(line));
		fprintf(out, "repro:   try %d (%s): %s\n", i + 1,
			v[i].dir ? v[i].dir : "?", line);
	}
	for (int i = 0; i < n; i++)
		hpc_vrec_free(&v[i]);
	free(v);
	hpc_vrec_free(&o);
	return same == n ? 0 : 1;
}

static int load_all(struct run *r, FILE *err)
{
	r->v = calloc(r->n ? r->n : 1, sizeof(*r->v));
	if (!r->v)
		goto oom;
	for (size_t i = 0; i < r->n; i++) {
		char *path;
		int ret;

		if (asprintf(&path, "%s/%s/verdict.json", r->dir,
			     r->ent[i].name) < 0)
			goto oom;
		ret = hpc_vrec_load(&r->v[i], path, r->ent[i].name);
		free(path);
		if (ret < 0)
			goto oom;
		if (ret == HPC_VREC_OK && r->v[i].interrupted)
			r->interrupted = true;
	}
	for (size_t i = 0; i < r->n; i++) {
		struct hpc_vrec *v = &r->v[i];

		if (v->verdict == HPC_REP_NOTRUN && !r->interrupted) {
			v->verdict = HPC_V_ERROR;
			v->reason = strdup("no verdict.json: the scenario did not record a verdict");
			if (!v->reason)
				goto oom;
		}
		r->counts[v->verdict]++;
		if (v->has_duration)
			r->time += v->duration_s;
	}
	return 0;
oom:
	fprintf(err, "hpc-report: out of memory\n");
	return -1;
}

static int write_outputs(struct run *r, FILE *err)
{
	static const struct {
		const char *name;
		char *(*build)(const struct run *r, size_t *len);
	} outs[] = {
		{ "summary.json", build_summary },
		{ "junit.xml", build_junit },
		{ "ktap.txt", build_ktap },
	};

	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		size_t len = 0;
		char *buf = outs[i].build(r, &len);
		int ret;

		if (!buf) {
			fprintf(err, "hpc-report: %s: out of memory\n",
				outs[i].name);
			return -1;
		}
		ret = write_atomic(r->dir, outs[i].name, buf, len, err);
		free(buf);
		if (ret < 0)
			return -1;
	}
	return 0;
}

int hpc_report_main(int argc, char **argv, FILE *out, FILE *err)
{
	bool interrupted = false, quiet = false, no_color = false;
	const char *dir = NULL, *vfile = NULL;
	struct run r = { 0 };
	bool opts = true;
	time_t now;
	struct tm tm;
	int ret;

	if (argc == 4 && !strcmp(argv[1], "--field"))
		return field_mode(argv[2], argv[3], out, err);
	if (argc >= 3 && !strcmp(argv[1], "--repro"))
		return repro_mode(argv[2], argc - 3, argv + 3, out, err);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (opts && !strcmp(a, "--")) {
			opts = false;
		} else if (opts && !strcmp(a, "--interrupted")) {
			interrupted = true;
		} else if (opts && (!strcmp(a, "--quiet") || !strcmp(a, "-q"))) {
			quiet = true;
		} else if (opts && !strcmp(a, "--no-color")) {
			no_color = true;
		} else if (opts && !strcmp(a, "--verdict")) {
			if (i + 1 >= argc || vfile) {
				usage(err);
				return 2;
			}
			vfile = argv[++i];
		} else if (opts && !strncmp(a, "--verdict=", 10) && !vfile) {
			vfile = a + 10;
		} else if (opts && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
			usage(out);
			return 0;
		} else if (opts && a[0] == '-' && a[1]) {
			fprintf(err, "hpc-report: unknown option %s\n", a);
			usage(err);
			return 2;
		} else if (!dir) {
			dir = a;
		} else {
			usage(err);
			return 2;
		}
	}
	if (vfile) {
		if (dir || interrupted) {
			usage(err);
			return 2;
		}
		return verdict_mode(vfile, quiet, out, err);
	}
	if (!dir || !*dir) {
		usage(err);
		return 2;
	}

	r.dir = strdup(dir);
	if (!r.dir) {
		fprintf(err, "hpc-report: out of memory\n");
		return 2;
	}
	for (size_t n = strlen(r.dir); n > 1 && r.dir[n - 1] == '/'; n--)
		r.dir[n - 1] = '\0';
	r.interrupted = interrupted;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(r.finished, sizeof(r.finished), "%Y-%m-%dT%H:%M:%SZ", &tm);

	ret = 2;
	if (read_plan(&r, err) < 0)
		goto out;
	read_runjson(&r, err);
	if (load_all(&r, err) < 0 || write_outputs(&r, err) < 0)
		goto out;
	if (!quiet)
		print_table(&r, out, !no_color && isatty(fileno(out)) &&
				     !nonempty(getenv("NO_COLOR")));
	ret = exit_status(r.counts, r.interrupted);
out:
	run_free(&r);
	return ret;
}
