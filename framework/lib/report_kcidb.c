// SPDX-License-Identifier: GPL-2.0
/*
 * kcidb.json: the run in KernelCI's KCIDB I/O format (kcidb-io schema v5.3),
 * to submit with kcidb's own tools. One checkout and one build, both the
 * kernel under test as run.json names it, and one test per planned scenario.
 * The mapping (ids, paths, statuses) is in hpc/report.h and docs/running.md;
 * framework/tests/fixtures/kcidb/ holds the published schema the tests
 * validate it against.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

#define KCIDB_MAJOR	5
#define KCIDB_MINOR	3
#define KCIDB_ORIGIN_MAX 64

/* The schema's origin pattern, ^[a-z0-9_]+$ (and not absurdly long). */
bool rep_kcidb_origin_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!n || n > KCIDB_ORIGIN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
		    s[i] != '_')
			return false;
	return true;
}

const char *rep_kcidb_origin(FILE *err)
{
	const char *s = getenv("HPC_KCIDB_ORIGIN");

	if (!rep_nonempty(s))
		return HPC_KCIDB_ORIGIN_DEFAULT;
	if (rep_kcidb_origin_ok(s))
		return s;
	fprintf(err, "hpc-report: HPC_KCIDB_ORIGIN must match [a-z0-9_]{1,%d}; "
		     "kcidb.json uses origin '%s'\n", KCIDB_ORIGIN_MAX,
		HPC_KCIDB_ORIGIN_DEFAULT);
	return HPC_KCIDB_ORIGIN_DEFAULT;
}

const char *rep_kcidb_status(int verdict)
{
	switch (verdict) {
	case HPC_V_PASS:
	case HPC_V_RESET:
		return "PASS";
	case HPC_V_XFAIL:
	case HPC_V_FAIL:
		return "FAIL";
	case HPC_V_SKIP:
		return "SKIP";
	case HPC_REP_NOTRUN:
		return "MISS";
	default:
		return "ERROR";
	}
}

static struct json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* Add key only when val is not NULL (the schema allows no nulls). */
static void put(struct json_object *o, const char *key, struct json_object *val)
{
	if (val)
		json_object_object_add(o, key, val);
}

static char *joined(const char *a, char sep, const char *b)
{
	char *s = NULL;

	if (asprintf(&s, "%s%c%s", a, sep, b) < 0)
		return NULL;
	return s;
}

/* A string member of run.json's "kernel" object, or NULL. */
static const char *kernel_string(const struct run *r, const char *key)
{
	struct json_object *k, *o;

	if (r->runjson && json_object_object_get_ex(r->runjson, "kernel", &k) &&
	    json_object_is_type(k, json_type_object) &&
	    json_object_object_get_ex(k, key, &o) &&
	    json_object_is_type(o, json_type_string))
		return json_object_get_string(o);
	return NULL;
}

/* "2026-12-03T10:41:07Z", as the runner writes run.json's "started". */
static const char *started(const struct run *r)
{
	const char *s = rep_run_string(r, "started"), *fmt = "dddd-dd-ddTdd:dd:ddZ";

	if (!s || strlen(s) != strlen(fmt))
		return NULL;
	for (size_t i = 0; fmt[i]; i++)
		if (fmt[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != fmt[i])
			return NULL;
	return s;
}

/*
 * A tree kernel from a git checkout: run.json's kernel.source is "tree PATH
 * git SHA1 DIFFHASH[ config HASH]" (PATH may have spaces), DIFFHASH the
 * first 16 hex digits of the sha256 of the tree's changes (runner/lib/
 * kernel.sh, _tree_id): that of nothing when the tree is clean. Adds
 * git_commit_hash, and patchset_hash "" (no patches) for a clean tree.
 */
static void tree_commit(struct json_object *o, const char *source)
{
	static const char clean[] = "e3b0c44298fc1c14";	/* sha256 of "" */
	const char *p = source;
	char sha[41];

	if (!source || strncmp(source, "tree ", 5))
		return;
	while ((p = strstr(p, " git ")) != NULL) {
		p += 5;
		if (strspn(p, "0123456789abcdef") != 40 || (p[40] != ' ' && p[40]))
			continue;
		memcpy(sha, p, 40);
		sha[40] = '\0';
		put(o, "git_commit_hash", json_object_new_string(sha));
		if (p[40] == ' ' && !strncmp(p + 41, clean, 16) &&
		    (p[57] == ' ' || !p[57]))
			put(o, "patchset_hash", json_object_new_string(""));
		return;
	}
}

static struct json_object *checkout_json(const struct run *r, const char *origin,
					 const char *id)
{
	struct json_object *o = json_object_new_object(), *misc;
	const char *source = kernel_string(r, "source");

	put(o, "id", jstr(id));
	put(o, "origin", jstr(origin));
	tree_commit(o, source);
	put(o, "comment", jstr(source));
	put(o, "start_time", jstr(started(r)));
	json_object_object_add(o, "valid", json_object_new_boolean(1));
	misc = json_object_new_object();
	put(misc, "kernel_spec", jstr(kernel_string(r, "spec")));
	put(misc, "kernel_source", jstr(source));
	json_object_object_add(o, "misc", misc);
	return o;
}

static struct json_object *build_json(const struct run *r, const char *origin,
				      const char *id)
{
	struct json_object *o = json_object_new_object(), *misc;
	const char *spec = kernel_string(r, "spec"), *rel = kernel_string(r, "release");
	char kind[32] = "unknown", *comment = NULL;

	if (spec && *spec) {
		snprintf(kind, sizeof(kind), "%s", spec);
		kind[strcspn(kind, ":")] = '\0';
	}
	put(o, "id", jstr(id));
	put(o, "checkout_id", jstr(id));
	put(o, "origin", jstr(origin));
	if (rel && asprintf(&comment, "kernel %s", rel) < 0)
		comment = NULL;
	put(o, "comment", jstr(comment));
	free(comment);
	put(o, "start_time", jstr(started(r)));
	put(o, "architecture", jstr("x86_64"));
	put(o, "config_name", jstr(kind));
	put(o, "status", jstr("PASS"));
	misc = json_object_new_object();
	put(misc, "kernel_release", jstr(rel));
	put(misc, "kmod_planted", jstr(rep_run_string(r, "kmod_planted")));
	json_object_object_add(o, "misc", misc);
	return o;
}

/*
 * "hpchaos.SCENARIO": the schema's path allows [a-zA-Z0-9_-] between dots,
 * anything else becomes '_'. A record without verdict.json is named by its
 * directory, "NN-name" or "NN-name-rR": the name is taken out of it.
 */
static char *test_path(const struct hpc_vrec *v)
{
	const char *s = v->scenario ? v->scenario : "";
	size_t n = strlen(s), d, e;
	char *p;

	if (v->dir && !strcmp(s, v->dir)) {
		d = strspn(s, "0123456789");
		if (d && s[d] == '-') {
			s += d + 1;
			n -= d + 1;
		}
		for (e = n; e > 0 && isdigit((unsigned char)s[e - 1]); e--)
			;
		if (e < n && e >= 2 && s[e - 1] == 'r' && s[e - 2] == '-')
			n = e - 2;
	}
	if (asprintf(&p, "hpchaos.%.*s", (int)(n ? n : 1), n ? s : "_") < 0)
		return NULL;
	for (char *c = p + 8; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
			*c = '_';
	return p;
}

static struct json_object *test_misc(const struct hpc_vrec *v)
{
	struct json_object *m = json_object_new_object();

	put(m, "verdict", jstr(hpc_rep_verdict_name(v->verdict)));
	if (v->cls != HPC_C_NONE)
		put(m, "class", jstr(hpc_class_name(v->cls)));
	put(m, "title", jstr(v->title));
	put(m, "reason", jstr(v->reason));
	if (v->seed)
		put(m, "seed", json_object_get(v->seed));
	put(m, "dir", jstr(v->dir));
	put(m, "group", jstr(v->group));
	return m;
}

static struct json_object *test_json(const struct run *r, const char *origin,
				     const char *build_id, size_t i)
{
	const struct hpc_vrec *v = &r->v[i];
	struct json_object *o = json_object_new_object();
	char *id = joined(build_id, '.', v->dir ? v->dir : v->scenario);
	char *path = test_path(v), line[1024], num[48];

	put(o, "id", jstr(id));
	put(o, "build_id", jstr(build_id));
	put(o, "origin", jstr(origin));
	put(o, "path", jstr(path));
	hpc_vrec_line(v, line, sizeof(line));
	put(o, "comment", jstr(line));
	put(o, "status", jstr(rep_kcidb_status(v->verdict)));
	if (v->has_duration) {
		snprintf(num, sizeof(num), "%.3f", v->duration_s);
		put(o, "duration", json_object_new_double_s(v->duration_s, num));
	}
	put(o, "misc", test_misc(v));
	free(id);
	free(path);
	if (!json_object_object_get_ex(o, "id", NULL) ||
	    !json_object_object_get_ex(o, "path", NULL)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/*
 * "ORIGIN:RUN_ID", the checkout's and the build's id: run.json's run_id,
 * else the run directory's name, at most 128 bytes, anything but
 * [A-Za-z0-9_.+-] made '_' (an id must be one line).
 */
static char *run_id(const struct run *r, const char *origin)
{
	const char *s = rep_run_string(r, "run_id"), *slash;
	char *id;

	if (!rep_nonempty(s)) {
		slash = strrchr(r->dir, '/');
		s = slash && slash[1] ? slash + 1 : r->dir;
	}
	if (asprintf(&id, "%s:%.128s", origin, s) < 0)
		return NULL;
	for (char *c = id + strlen(origin) + 1; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("_.+-", *c))
			*c = '_';
	return id;
}

char *rep_build_kcidb(const struct run *r, size_t *len)
{
	const char *origin = r->kcidb_origin ? r->kcidb_origin :
			     HPC_KCIDB_ORIGIN_DEFAULT;
	struct json_object *o = json_object_new_object(), *ver, *a, *t;
	char *id = run_id(r, origin), *out = NULL;
	const char *s;
	bool ok = true;

	if (!o || !id) {
		json_object_put(o);
		free(id);
		return NULL;
	}

	ver = json_object_new_object();
	json_object_object_add(ver, "major", json_object_new_int(KCIDB_MAJOR));
	json_object_object_add(ver, "minor", json_object_new_int(KCIDB_MINOR));
	json_object_object_add(o, "version", ver);
	a = json_object_new_array();
	json_object_array_add(a, checkout_json(r, origin, id));
	json_object_object_add(o, "checkouts", a);
	a = json_object_new_array();
	json_object_array_add(a, build_json(r, origin, id));
	json_object_object_add(o, "builds", a);
	a = json_object_new_array();
	for (size_t i = 0; ok && i < r->n; i++) {
		t = test_json(r, origin, id, i);
		ok = t && !json_object_array_add(a, t);
	}
	json_object_object_add(o, "tests", a);
	s = ok ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						JSON_C_TO_STRING_SPACED |
						JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
	if (s && asprintf(&out, "%s\n", s) < 0)
		out = NULL;
	json_object_put(o);
	free(id);
	if (out)
		*len = strlen(out);
	return out;
}
