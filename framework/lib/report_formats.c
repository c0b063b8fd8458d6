// SPDX-License-Identifier: GPL-2.0
/* The files hpc-report writes: summary.json, junit.xml and ktap.txt. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/xmlwriter.h>

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

/*
 * One junit.xml valid under both Jenkins' JUnit schema (xunit plugin,
 * junit-10.xsd) and Ant's (JUnit.xsd): Ant's is the strict one (see
 * tests/fixtures/junit/schemas/README.md). Written with libxml2's
 * xmlTextWriter, which escapes; every string first goes through
 * hpc_xml_clean() for the characters XML 1.0 forbids.
 */

static bool xattr(xmlTextWriterPtr w, const char *name, const char *s)
{
	char *c = hpc_xml_clean(s ? s : "");
	int ret = c ? xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST c) : -1;

	free(c);
	return ret >= 0;
}

static bool xattr_num(xmlTextWriterPtr w, const char *name, double v, int prec)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "%.*f", prec, v);
	return xattr(w, name, buf);
}

static bool xtext(xmlTextWriterPtr w, const char *s)
{
	char *c = hpc_xml_clean(s ? s : "");
	int ret = c ? xmlTextWriterWriteString(w, BAD_CAST c) : -1;

	free(c);
	return ret >= 0;
}

static bool xstart(xmlTextWriterPtr w, const char *name)
{
	return xmlTextWriterStartElement(w, BAD_CAST name) >= 0;
}

static bool xend(xmlTextWriterPtr w)
{
	return xmlTextWriterEndElement(w) >= 0;
}

/* Ant's property name is a token of at least one character. */
static bool junit_prop(xmlTextWriterPtr w, const char *name, const char *value)
{
	if (strspn(name, " \t\r\n") == strlen(name))
		return true;
	return xstart(w, "property") && xattr(w, "name", name) &&
	       xattr(w, "value", value) && xend(w);
}

/* run.json's facts, then what Ant's schema has no attribute for. */
static bool junit_props(xmlTextWriterPtr w, const struct run *r)
{
	char n[24];
	bool ok = xstart(w, "properties");

	if (r->runjson) {
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
			ok = ok && junit_prop(w, key, s);
		}
	}
	snprintf(n, sizeof(n), "%u", r->counts[HPC_V_SKIP] + r->counts[HPC_REP_NOTRUN]);
	ok = ok && junit_prop(w, "skipped", n);
	ok = ok && junit_prop(w, "interrupted", r->interrupted ? "true" : "false");
	ok = ok && junit_prop(w, "finished", r->finished);
	return ok && xend(w);
}

/*
 * One <testcase> for a result that ran (Ant's schema has no <skipped>: SKIP
 * and NOTRUN are in the suite's <system-out> only): a <failure> for FAIL,
 * an <error> for ERROR, with the message "CLASS: title" (or the reason)
 * and rep_failure_body() as the text.
 */
static bool junit_case(xmlTextWriterPtr w, const struct run *r,
		       const struct hpc_vrec *v)
{
	bool fail = v->verdict == HPC_V_FAIL, ok;
	char *cls = NULL, *msg = NULL, *body = NULL;

	if (asprintf(&cls, "hpchaos%s%s", v->group ? "." : "",
		     v->group ? v->group : "") < 0)
		return false;
	ok = xstart(w, "testcase") && xattr(w, "classname", cls) &&
	     xattr(w, "name", v->scenario) &&
	     xattr_num(w, "time", v->has_duration ? v->duration_s : 0.0, 3);
	if (ok && (fail || v->verdict == HPC_V_ERROR)) {
		msg = fail ? rep_fail_message(v, "FAIL") :
		      strdup(rep_nonempty(v->reason) ? v->reason :
			     rep_nonempty(v->title) ? v->title : "ERROR");
		body = rep_failure_body(r->dir, v);
		ok = msg && body && xstart(w, fail ? "failure" : "error") &&
		     xattr(w, "message", msg) &&
		     xattr(w, "type", !fail ? "ERROR" : v->cls != HPC_C_NONE ?
			   hpc_class_name(v->cls) : "FAIL") &&
		     xtext(w, body) && xend(w);
	}
	free(cls);
	free(msg);
	free(body);
	return ok && xend(w);
}

/* Every result, skipped ones too: its line, and how to reproduce it. */
static char *junit_system_out(const struct run *r)
{
	char *buf = NULL, line[600];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < r->n; i++) {
		const struct hpc_vrec *v = &r->v[i];

		hpc_vrec_line(v, line, sizeof(line));
		fprintf(f, "%s: %s%s\n", v->dir ? v->dir : v->scenario, line,
			v->verdict == HPC_REP_NOTRUN ? ": not run (interrupted)" : "");
		/* the line shows the title if any, else the reason */
		if (rep_nonempty(v->title) && rep_nonempty(v->reason) &&
		    v->verdict != HPC_V_FAIL && v->verdict != HPC_V_ERROR)
			fprintf(f, "  reason: %s\n", v->reason);
		if (v->seed)
			fprintf(f, "  seed: %s\n", json_object_to_json_string(v->seed));
		if (v->file)
			fprintf(f, "  file: %s\n", v->file);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * The time Ant's schema wants: no zone. run.json's "started" is UTC
 * ("...Z"); without it (or unreadable), when the report was written.
 */
static void junit_timestamp(const struct run *r, char *buf, size_t len)
{
	const char *s = rep_run_string(r, "started");
	struct tm tm = { 0 };
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;

	if (!end || (*end && strcmp(end, "Z") && strcmp(end, "+00:00")) ||
	    tm.tm_year < -1899 || tm.tm_year > 8099) {
		memset(&tm, 0, sizeof(tm));
		if (!strptime(r->finished, "%Y-%m-%dT%H:%M:%S", &tm))
			memset(&tm, 0, sizeof(tm));
	}
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
}

/* Ant's hostname is a token of at least one character; "localhost" if none. */
static void junit_hostname(char *buf, size_t len)
{
	if (gethostname(buf, len) != 0)
		buf[0] = '\0';
	buf[len - 1] = '\0';
	for (char *p = buf; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-._", *p))
			*p = '-';
	if (!buf[0])
		snprintf(buf, len, "localhost");
}

static bool junit_suite(xmlTextWriterPtr w, const struct run *r)
{
	unsigned int skipped = r->counts[HPC_V_SKIP] + r->counts[HPC_REP_NOTRUN];
	char stamp[32], host[256];
	char *out = junit_system_out(r);
	bool ok = out != NULL;

	junit_timestamp(r, stamp, sizeof(stamp));
	junit_hostname(host, sizeof(host));
	ok = ok && xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) >= 0 &&
	     xstart(w, "testsuite") && xattr(w, "name", "hpchaos") &&
	     xattr_num(w, "tests", (double)(r->n - skipped), 0) &&
	     xattr_num(w, "failures", r->counts[HPC_V_FAIL], 0) &&
	     xattr_num(w, "errors", r->counts[HPC_V_ERROR], 0) &&
	     xattr_num(w, "time", r->time, 3) && xattr(w, "timestamp", stamp) &&
	     xattr(w, "hostname", host) && junit_props(w, r);
	for (size_t i = 0; ok && i < r->n; i++)
		if (r->v[i].verdict != HPC_V_SKIP && r->v[i].verdict != HPC_REP_NOTRUN)
			ok = junit_case(w, r, &r->v[i]);
	ok = ok && xstart(w, "system-out") && xtext(w, out) && xend(w) &&
	     xstart(w, "system-err") && xend(w) && xend(w) &&
	     xmlTextWriterEndDocument(w) >= 0;
	free(out);
	return ok;
}

char *rep_build_junit(const struct run *r, size_t *len)
{
	xmlBufferPtr xb = xmlBufferCreate();
	xmlTextWriterPtr w = xb ? xmlNewTextWriterMemory(xb, 0) : NULL;
	char *buf = NULL;
	bool ok;

	ok = w && xmlTextWriterSetIndent(w, 1) >= 0 &&
	     xmlTextWriterSetIndentString(w, BAD_CAST "  ") >= 0 &&
	     junit_suite(w, r);
	if (w)
		xmlFreeTextWriter(w);	/* flushes into xb */
	if (ok) {
		*len = (size_t)xmlBufferLength(xb);
		buf = malloc(*len + 2);
		if (buf) {
			memcpy(buf, xmlBufferContent(xb), *len);
			if (!*len || buf[*len - 1] != '\n')
				buf[(*len)++] = '\n';
			buf[*len] = '\0';
		}
	}
	if (xb)
		xmlBufferFree(xb);
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
