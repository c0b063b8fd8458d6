// SPDX-License-Identifier: GPL-2.0
/* The table hpc-report prints on the terminal. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

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
	n = rep_ascii_line(d);
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

		if (rep_first_of(r, i) != i)
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

void rep_print_table(const struct run *r, FILE *out, bool color)
{
	const int fixed = 2 + 7 + 2 + 7 + 2 + 7 + 2;
	const bool repeated = rep_any_repeated(r);
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
		text = cell(rep_vrec_text(v), (size_t)tw);
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

