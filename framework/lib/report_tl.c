// SPDX-License-Identifier: GPL-2.0
/*
 * One scenario's timeline.jsonl (written by the conductor, tools/conductor/
 * timeline.c) read into the lanes of the HTML report's picture: step spans,
 * host actions with their planned and real times, agent events, QMP events,
 * console lines, and the verdict moment, all on the conductor's clock.
 * The file is untrusted (guest text is in it): at most HPC_REP_FILE_MAX
 * bytes are read, lines of any length are parsed or counted as bad, and
 * each lane keeps at most TL_LANE_MAX items.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "report_html.h"
#include "report_int.h"

void rep_tl_free(struct timeline *tl)
{
	for (int l = 0; l < TL_NLANES; l++) {
		for (size_t i = 0; i < tl->lane[l].n; i++)
			free(tl->lane[l].it[i].label);
		free(tl->lane[l].it);
	}
	for (size_t i = 0; i < tl->nout; i++)
		free(tl->out[i].text);
	free(tl->out);
	free(tl->out_count);
	free(tl->verdict_text);
	free(tl->want_t);
	free(tl->console_t);
	memset(tl, 0, sizeof(*tl));
}

int rep_tl_add(struct timeline *tl, enum tl_lane lane, const struct tl_item *it,
	       const char *label)
{
	struct tl_lane_items *L = &tl->lane[lane];
	struct tl_item *n;

	if (L->n >= TL_LANE_MAX) {
		L->dropped++;
		return 0;
	}
	if (!(L->n & (L->n - 1)) || !L->n) {
		n = realloc(L->it, (L->n ? L->n * 2 : 8) * sizeof(*n));
		if (!n)
			return -1;
		L->it = n;
	}
	n = &L->it[L->n];
	*n = *it;
	n->label = rep_xml_text(label ? label : "", label ? strlen(label) : 0,
				TL_LABEL_MAX, true);
	if (!n->label)
		return -1;
	L->n++;
	return 0;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* A finite number member, or def. */
static double jnum(struct json_object *o, const char *key, double def)
{
	struct json_object *v;
	double d;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_double) ||
	      json_object_is_type(v, json_type_int)))
		return def;
	d = json_object_get_double(v);
	return isfinite(d) ? d : def;
}

static int jidx(struct json_object *o)
{
	double d = jnum(o, "idx", -1);

	return d >= 0 && d < TL_IDX_MAX ? (int)d : -1;
}

/* A step's output line, kept when its step has not shown enough yet. */
static int add_out(struct timeline *tl, int idx, const char *text)
{
	struct tl_out *o;

	if (idx < 0 || !text)
		return 0;
	if (idx >= tl->out_nidx) {
		unsigned int *c = realloc(tl->out_count, (size_t)(idx + 1) * sizeof(*c));

		if (!c)
			return -1;
		memset(c + tl->out_nidx, 0,
		       (size_t)(idx + 1 - tl->out_nidx) * sizeof(*c));
		tl->out_count = c;
		tl->out_nidx = idx + 1;
	}
	if (tl->out_count[idx]++ >= TL_OUT_PER_STEP || tl->nout >= TL_OUT_TOTAL) {
		tl->out_dropped++;
		return 0;
	}
	if (!(tl->nout & (tl->nout - 1)) || !tl->nout) {
		o = realloc(tl->out, (tl->nout ? tl->nout * 2 : 16) * sizeof(*o));
		if (!o)
			return -1;
		tl->out = o;
	}
	o = &tl->out[tl->nout];
	o->idx = idx;
	o->text = rep_xml_text(text, strlen(text), TL_OUT_LINE_MAX, true);
	if (!o->text)
		return -1;
	tl->nout++;
	return 0;
}

/* STEP_END closes the latest open span of its step. */
static void end_span(struct timeline *tl, int idx, double t, const char *status)
{
	struct tl_lane_items *L = &tl->lane[TL_STEPS];

	for (size_t i = L->n; i-- > 0;) {
		struct tl_item *it = &L->it[i];

		if (it->idx != idx || !it->open)
			continue;
		it->open = false;
		it->t2 = t;
		if (status && strcmp(status, "0"))
			it->kind = TL_K_ERROR;
		return;
	}
}

static int guest_record(struct timeline *tl, struct json_object *o, double t)
{
	const char *type = jstr(o, "type");
	struct tl_item it = { .t = t, .t2 = NAN, .idx = jidx(o) };
	char buf[TL_LABEL_MAX + 64];

	if (!type)
		return 0;
	if (!strcmp(type, "OUT"))
		return add_out(tl, it.idx, jstr(o, "text"));
	if (!strcmp(type, "KTAP"))
		return 0;
	if (!strcmp(type, "STEP_START")) {
		it.kind = TL_K_SPAN;
		it.open = true;
		return rep_tl_add(tl, TL_STEPS, &it, jstr(o, "step"));
	}
	if (!strcmp(type, "STEP_END")) {
		end_span(tl, it.idx, t, jstr(o, "status"));
		return 0;
	}
	if (!strcmp(type, "EV"))
		snprintf(buf, sizeof(buf), "EV %.*s", TL_LABEL_MAX,
			 jstr(o, "name") ? jstr(o, "name") : "?");
	else
		snprintf(buf, sizeof(buf), "%.*s", TL_LABEL_MAX, type);
	if (!strcmp(type, "KMSGLOST") || !strcmp(type, "invalid"))
		it.kind = TL_K_ERROR;
	return rep_tl_add(tl, TL_GUEST, &it, buf);
}

static int host_record(struct timeline *tl, struct json_object *o, double t)
{
	const char *type = jstr(o, "type"), *text = jstr(o, "text");
	struct tl_item it = { .t = t, .t2 = NAN, .idx = -1 };
	char buf[2 * TL_LABEL_MAX + 64];

	if (!type)
		return 0;
	if (!strcmp(type, "verdict")) {
		tl->has_verdict = true;
		tl->verdict_t = t;
		free(tl->verdict_text);
		tl->verdict_text = rep_xml_text(text ? text : "", text ? strlen(text) : 0,
						TL_LABEL_MAX, true);
		return tl->verdict_text ? 0 : -1;
	}
	if (!strcmp(type, "truncated"))
		tl->truncated = true;
	if (!strcmp(type, "action")) {
		it.kind = TL_K_ACTION;
		it.t2 = jnum(o, "planned_t", NAN);
		snprintf(buf, sizeof(buf), "%.*s %.*s (late %.3f ms)", TL_LABEL_MAX,
			 jstr(o, "action") ? jstr(o, "action") : "?", TL_LABEL_MAX,
			 jstr(o, "target") ? jstr(o, "target") : "",
			 jnum(o, "late_ms", 0));
	} else {
		if (!strcmp(type, "action-error") || !strcmp(type, "timeout") ||
		    !strcmp(type, "refused-event") || !strcmp(type, "truncated"))
			it.kind = TL_K_ERROR;
		snprintf(buf, sizeof(buf), "%.*s: %.*s", TL_LABEL_MAX, type,
			 TL_LABEL_MAX, text ? text : "");
	}
	return rep_tl_add(tl, TL_HOST, &it, buf);
}

static int console_record(struct timeline *tl, struct json_object *o, double t)
{
	double n = jnum(o, "n", -1);

	for (size_t i = 0; i < tl->nwant; i++)
		if (tl->want[i] == (long)n && isnan(tl->want_t[i]))
			tl->want_t[i] = t;
	if (tl->nconsole >= TL_CONSOLE_MAX)
		return 0;
	if (!(tl->nconsole & (tl->nconsole - 1)) || !tl->nconsole) {
		double *c = realloc(tl->console_t, (tl->nconsole ? tl->nconsole * 2 : 64) *
				    sizeof(*c));

		if (!c)
			return -1;
		tl->console_t = c;
	}
	tl->console_t[tl->nconsole++] = t;
	return 0;
}

/* One line of the file: a JSON object with "t" and "src", or bad. */
static int tl_line(struct timeline *tl, const char *s, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	const char *src;
	double t;
	int ret = 0;

	if (!tok)
		return -1;
	o = json_tokener_parse_ex(tok, s, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object) || !(src = jstr(o, "src")) ||
	    isnan(t = jnum(o, "t", NAN)) || t < 0) {
		tl->bad_lines++;
		goto out;
	}
	tl->records++;
	if (t > tl->t_end)
		tl->t_end = t;
	if (!strcmp(src, "guest"))
		ret = guest_record(tl, o, t);
	else if (!strcmp(src, "host"))
		ret = host_record(tl, o, t);
	else if (!strcmp(src, "console"))
		ret = console_record(tl, o, t);
	else if (!strcmp(src, "qmp")) {
		struct tl_item it = { .t = t, .t2 = NAN, .idx = -1 };

		ret = rep_tl_add(tl, TL_QMP, &it, jstr(o, "event"));
	}
out:
	if (o)
		json_object_put(o);
	json_tokener_free(tok);
	return ret;
}

/* At most HPC_REP_FILE_MAX bytes of a regular file (the rest is ignored). */
static int read_bounded(const char *path, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	size_t want, got = 0;
	int e;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		e = errno ? -errno : -EINVAL;
		close(fd);
		return S_ISREG(st.st_mode) ? e : -EINVAL;
	}
	want = (size_t)st.st_size < HPC_REP_FILE_MAX ? (size_t)st.st_size : HPC_REP_FILE_MAX;
	*buf = malloc(want + 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < want) {
		ssize_t r = read(fd, *buf + got, want - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	(*buf)[got] = '\0';
	*len = got;
	return 0;
}

/* Spans still open at the end run to the last record. */
static void close_open_spans(struct timeline *tl)
{
	struct tl_lane_items *L = &tl->lane[TL_STEPS];

	for (size_t i = 0; i < L->n; i++)
		if (L->it[i].open)
			L->it[i].t2 = tl->t_end;
}

int rep_tl_load(struct timeline *tl, const char *path, const long *want,
		size_t nwant)
{
	char *buf = NULL;
	size_t len = 0;
	int e;

	memset(tl, 0, sizeof(*tl));
	tl->want = want;
	tl->nwant = nwant;
	tl->want_t = calloc(nwant ? nwant : 1, sizeof(double));
	if (!tl->want_t)
		return -ENOMEM;
	for (size_t i = 0; i < nwant; i++)
		tl->want_t[i] = NAN;
	e = read_bounded(path, &buf, &len);
	if (e < 0)
		return e;
	for (size_t p = 0; p < len;) {
		const char *nl = memchr(buf + p, '\n', len - p);
		size_t n = nl ? (size_t)(nl - (buf + p)) : len - p;

		if (n && tl_line(tl, buf + p, n) < 0) {
			free(buf);
			return -ENOMEM;
		}
		p += n + 1;
	}
	free(buf);
	close_open_spans(tl);
	return 0;
}
