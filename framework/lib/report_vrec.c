// SPDX-License-Identifier: GPL-2.0
/* One verdict.json as a record (struct hpc_vrec), and how it is shown. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpc/runfile.h"
#include "report_int.h"

const char *hpc_rep_verdict_name(int verdict)
{
	if (verdict == HPC_REP_NOTRUN)
		return "NOTRUN";
	return hpc_verdict_name((enum hpc_verdict)verdict);
}

static void vrec_clear(struct hpc_vrec *v)
{
	free(v->scenario);
	free(v->file);
	free(v->group);
	free(v->title);
	free(v->reason);
	if (v->seed)
		json_object_put(v->seed);
	json_object_put(v->reports);
	json_object_put(v->stuck);
	free(v->step);
	free(v->step_status);
	v->reports = v->stuck = NULL;
	v->step = v->step_status = NULL;
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

/* A string of verdict.json, made safe (NULL for null); -2 out of memory. */
static int dup_vstr(const struct hpc_vstr *s, char **out)
{
	*out = NULL;
	if (!s->s)
		return 0;
	*out = rep_clean_dup(s->s, s->len);
	return *out ? 0 : -2;
}

/*
 * What the junit.xml failure body shows besides the files of the result
 * directory: the kernel reports, the stuck task and the first step that did
 * not end with status "0" (null: it never ended). Members of the wrong type
 * are ignored. -2 when out of memory.
 */
static int vrec_keep_detail(struct hpc_vrec *v, struct json_object *root)
{
	struct json_object *o, *steps;
	size_t n;

	if (json_object_object_get_ex(root, "reports", &o) &&
	    json_object_is_type(o, json_type_array))
		v->reports = json_object_get(o);
	if (json_object_object_get_ex(root, "stuck", &o) &&
	    json_object_is_type(o, json_type_object))
		v->stuck = json_object_get(o);
	if (!json_object_object_get_ex(root, "steps", &steps) ||
	    !json_object_is_type(steps, json_type_array))
		return 0;
	n = json_object_array_length(steps);
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(steps, i), *name, *st;
		const char *status = NULL;

		if (!json_object_object_get_ex(s, "name", &name) ||
		    !json_object_is_type(name, json_type_string))
			continue;
		if (json_object_object_get_ex(s, "status", &st) &&
		    json_object_is_type(st, json_type_string))
			status = json_object_get_string(st);
		if (status && !strcmp(status, "0"))
			continue;
		v->step = rep_clean_dup(json_object_get_string(name),
					(size_t)json_object_get_string_len(name));
		if (status)
			v->step_status = rep_clean_dup(status, strlen(status));
		return v->step && (!status || v->step_status) ? 0 : -2;
	}
	return 0;
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
	if (v->verdict != HPC_V_FAIL && v->verdict != HPC_V_ERROR)
		return 0;
	return vrec_keep_detail(v, root);
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
	e = hpc_runfile_read(path, HPC_REP_FILE_MAX, &buf, &len);
	if (e == -ENOENT || e == -ENOTDIR) {
		v->verdict = HPC_REP_NOTRUN;
		v->scenario = strdup(dir ? dir : path);
		return v->scenario ? HPC_VREC_MISSING : -1;
	}
	if (e == -ENOMEM)
		return -1;
	if (e < 0) {
		snprintf(why, sizeof(why), "%s", hpc_runfile_strerror(e));
		goto bad;
	}
	root = hpc_runfile_json(buf, len, why, sizeof(why));
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
const char *rep_vrec_text(const struct hpc_vrec *v)
{
	if (v->verdict == HPC_REP_NOTRUN)
		return "not run (interrupted)";
	if (v->verdict == HPC_V_FAIL || v->verdict == HPC_V_XFAIL)
		return rep_nonempty(v->title) ? v->title : v->reason;
	return rep_nonempty(v->reason) ? v->reason : v->title;
}

/*
 * True when the title already starts with "CLASS:" (triage titles such as
 * "KASAN: use-after-free in memunmap_pages" do): then "CLASS: title" would
 * name the class twice, and the title alone is used.
 */
bool rep_title_has_class(const struct hpc_vrec *v)
{
	const char *c = hpc_class_name(v->cls);
	size_t n = strlen(c);

	return v->cls != HPC_C_NONE && rep_nonempty(v->title) &&
	       !strncmp(v->title, c, n) && v->title[n] == ':';
}

void hpc_vrec_line(const struct hpc_vrec *v, char *buf, size_t len)
{
	const char *text = rep_nonempty(v->title) ? v->title : v->reason;
	bool cls = v->cls != HPC_C_NONE;

	if (!len)
		return;
	if (rep_title_has_class(v))
		snprintf(buf, len, "%s %s", hpc_rep_verdict_name(v->verdict),
			 v->title);
	else
		snprintf(buf, len, "%s%s%s%s%s",
			 hpc_rep_verdict_name(v->verdict),
			 cls ? " " : "", cls ? hpc_class_name(v->cls) : "",
			 rep_nonempty(text) ? ": " : "", rep_nonempty(text) ? text : "");
	rep_ascii_line(buf);
}

/* Do two records have the same verdict, class and title? */
bool rep_same_outcome(const struct hpc_vrec *a, const struct hpc_vrec *b)
{
	return a->verdict == b->verdict && a->cls == b->cls &&
	       !!a->title == !!b->title && (!a->title || !strcmp(a->title, b->title));
}

/* "CLASS: title", "CLASS", "title" or the reason */
char *rep_fail_message(const struct hpc_vrec *v, const char *fallback)
{
	char *m = NULL;
	bool cls = v->cls != HPC_C_NONE;

	if (rep_title_has_class(v))
		return strdup(v->title);
	if (cls && rep_nonempty(v->title)) {
		if (asprintf(&m, "%s: %s", hpc_class_name(v->cls), v->title) < 0)
			m = NULL;
		return m;
	}
	if (cls)
		return strdup(hpc_class_name(v->cls));
	if (rep_nonempty(v->title))
		return strdup(v->title);
	return strdup(rep_nonempty(v->reason) ? v->reason : fallback);
}

