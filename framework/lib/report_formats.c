// SPDX-License-Identifier: GPL-2.0
/* The files hpc-report writes: summary.json, junit.xml and ktap.txt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

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

		if (rep_first_of(r, i) != i)
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
				       rep_same_outcome(&r->v[k], v);
			if (seen)
				continue;
			for (size_t k = j; k < r->n; k++)
				n += !strcmp(r->v[k].scenario, v->scenario) &&
				     rep_same_outcome(&r->v[k], v);
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

char *rep_build_summary(const struct run *r, size_t *len)
{
	struct json_object *o = json_object_new_object(), *c, *res, *nr;
	const char *s;
	char *out = NULL;

	if (!o)
		return NULL;
	json_object_object_add(o, "schema", json_object_new_int(1));
	if (r->runjson) {
		json_object_object_foreach(r->runjson, key, val) {
			if (!rep_reserved_key(key))
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

		if (rep_reserved_key(key))
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
		msg = rep_fail_message(v, "FAIL");
		fputs("    <failure message=\"", f);
		ok &= xput(f, msg);
		fputs("\" type=\"", f);
		ok &= xput(f, v->cls != HPC_C_NONE ? hpc_class_name(v->cls) : "FAIL");
		fputs("\">", f);
		ok &= xput(f, v->reason);
		fputs("</failure>\n", f);
		break;
	case HPC_V_ERROR:
		msg = strdup(rep_nonempty(v->reason) ? v->reason :
			     rep_nonempty(v->title) ? v->title : "ERROR");
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
		if (rep_nonempty(v->title) && rep_nonempty(v->reason) &&
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

char *rep_build_junit(const struct run *r, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	const char *started = rep_run_string(r, "started");
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

/* The directive of a result line: "# FAIL title", ...; none for PASS. */
static const char *const ktap_directive[HPC_REP_NVERDICTS] = {
	[HPC_V_FAIL] = "FAIL ",	  [HPC_V_ERROR] = "ERROR ", [HPC_V_SKIP] = "SKIP ",
	[HPC_V_XFAIL] = "XFAIL ", [HPC_V_RESET] = "RESET ",  [HPC_REP_NOTRUN] = "SKIP ",
};

/* The text after the directive (malloc'ed): the title for FAIL, else the reason. */
static char *ktap_message(const struct hpc_vrec *v)
{
	if (v->verdict == HPC_V_FAIL ||
	    (v->verdict == HPC_V_XFAIL && !rep_nonempty(v->reason)))
		return rep_fail_message(v, "");
	if (v->verdict == HPC_REP_NOTRUN)
		return strdup("not run (interrupted)");
	return strdup(rep_nonempty(v->reason) ? v->reason : "");
}

/* The KTAP name of a record (malloc'ed): its scenario, else its directory. */
static char *ktap_name(const struct hpc_vrec *v)
{
	char *name = hpc_ktap_text_clean(v->scenario, HPC_REP_NAME_MAX * 2);

	if (name && !name[0]) {
		free(name);
		name = hpc_ktap_text_clean(v->dir ? v->dir : "unnamed", 256);
	}
	return name;
}

/*
 * Result line num of record v, named name; nth > 1: the nth record of that
 * name in the run (a scenario run twice) is "NAME_nth", as names are unique
 * within one level.
 */
static int ktap_case(FILE *f, size_t num, const struct hpc_vrec *v,
		     const char *name, size_t nth)
{
	char *text = NULL, *msg = NULL;
	const char *directive = NULL;
	bool ok = true;

	directive = ktap_directive[v->verdict];
	if (directive) {
		msg = ktap_message(v);
		ok = msg && (text = hpc_ktap_text_clean(msg, KTAP_TEXT_MAX));
	}
	if (ok) {
		bool pass = v->verdict != HPC_V_FAIL && v->verdict != HPC_V_ERROR;

		fprintf(f, "%s %zu %s", pass ? "ok" : "not ok", num, name);
		if (nth > 1)
			fprintf(f, "_%zu", nth);
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
	free(text);
	free(msg);
	return ok ? 0 : -1;
}

char *rep_build_ktap(const struct run *r, size_t *len)
{
	char *buf = NULL, **names = calloc(r->n + 1, sizeof(*names));
	FILE *f = names ? open_memstream(&buf, len) : NULL;
	int ret = 0;

	if (!f) {
		free(names);
		return NULL;
	}
	fprintf(f, "KTAP version 1\n1..%zu\n", r->n);
	for (size_t i = 0; i < r->n; i++) {
		size_t nth = 1;

		names[i] = ktap_name(&r->v[i]);
		if (!names[i]) {
			ret = -1;
			continue;
		}
		for (size_t j = 0; j < i; j++)
			nth += names[j] && strcmp(names[j], names[i]) == 0;
		ret |= ktap_case(f, i + 1, &r->v[i], names[i], nth);
	}
	for (size_t i = 0; i < r->n; i++)
		free(names[i]);
	free(names);
	if (fclose(f) != 0 || ret) {
		free(buf);
		return NULL;
	}
	return buf;
}
