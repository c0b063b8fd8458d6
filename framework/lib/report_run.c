// SPDX-License-Identifier: GPL-2.0
/* The run directory read: plan, run.json, and every verdict.json planned. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpc/runfile.h"
#include "report_int.h"

void rep_run_free(struct run *r)
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

int rep_read_plan(struct run *r, FILE *err)
{
	char *path, *buf, *p, *end, msg[128];
	unsigned int line = 1;
	size_t len, cap = 0;
	int e, ret = -1;

	if (asprintf(&path, "%s/plan", r->dir) < 0) {
		fprintf(err, "hpc-report: out of memory\n");
		return -1;
	}
	e = hpc_runfile_read(path, HPC_REP_FILE_MAX, &buf, &len);
	if (e < 0) {
		fprintf(err, "hpc-report: %s: %s\n", path, hpc_runfile_strerror(e));
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

bool rep_reserved_key(const char *key)
{
	for (size_t i = 0; i < sizeof(reserved_keys) / sizeof(reserved_keys[0]); i++)
		if (!strcmp(key, reserved_keys[i]))
			return true;
	return false;
}

void rep_read_runjson(struct run *r, FILE *err)
{
	char *path, *buf, why[200];
	size_t len;
	int e;

	if (asprintf(&path, "%s/run.json", r->dir) < 0)
		return;
	e = hpc_runfile_read(path, HPC_REP_FILE_MAX, &buf, &len);
	if (e < 0) {
		fprintf(err, "hpc-report: warning: %s: %s (run fields left out)\n",
			path, hpc_runfile_strerror(e));
		free(path);
		return;
	}
	r->runjson = hpc_runfile_json(buf, len, why, sizeof(why));
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

const char *rep_run_string(const struct run *r, const char *key)
{
	struct json_object *o;

	if (r->runjson && json_object_object_get_ex(r->runjson, key, &o) && o &&
	    json_object_is_type(o, json_type_string))
		return json_object_get_string(o);
	return NULL;
}

/* Index of the first record of v's scenario (plan order). */
size_t rep_first_of(const struct run *r, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (!strcmp(r->v[j].scenario, r->v[i].scenario))
			return j;
	return i;
}

bool rep_any_repeated(const struct run *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (rep_first_of(r, i) != i)
			return true;
	return false;
}

int rep_load_all(struct run *r, FILE *err)
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

