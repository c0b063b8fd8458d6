// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario edits for 'hpchaos minimise': the units a scenario can lose (its
 * guest steps and host actions, each with the physical lines it takes,
 * continuations included) and a copy of the file without some of them, or
 * with an action's drawn delay pinned or its count cut. The parser knows
 * where each unit starts and ends, so the runner never parses scenario
 * text itself; what an edit leaves is checked by linting it again.
 */
#include <stdlib.h>
#include <string.h>

#include "hpc/scenario.h"

/*
 * "on EVENT ACTION TARGET" (signal: its event; qom-set: path and property);
 * EVENT is @MS or @MIN-MAX for a time after boot.
 */
static void action_desc(const struct hpc_action *a, char *buf, size_t cap)
{
	char on[HPC_SCN_NAME + 32];

	if (!a->at)
		snprintf(on, sizeof(on), "%s", a->on);
	else if (a->after_min_ms == a->after_max_ms)
		snprintf(on, sizeof(on), "@%u", a->after_min_ms);
	else
		snprintf(on, sizeof(on), "@%u-%u", a->after_min_ms, a->after_max_ms);
	if (a->kind == HPC_ACT_QOM_SET)
		snprintf(buf, cap, "on %s qom-set %s %s", on, a->path, a->prop);
	else
		snprintf(buf, cap, "on %s %s %s", on, hpc_action_kind_name(a->kind),
			 a->kind == HPC_ACT_SIGNAL ? a->emit : a->target);
}

int hpc_scenario_units(const struct hpc_scenario *s, struct hpc_scn_unit *u,
		       int cap)
{
	int n = 0, i = 0, k = 0;

	/* merge steps and actions, each list in file order */
	while (i < s->nsteps || k < s->nactions) {
		int step = k >= s->nactions ||
			   (i < s->nsteps && s->steps[i].line < s->actions[k].line);
		struct hpc_scn_unit *x;

		if (n == cap)
			return -1;
		x = &u[n++];
		memset(x, 0, sizeof(*x));
		if (step) {
			const struct hpc_step *st = &s->steps[i++];

			x->is_action = 0;
			x->first = st->line;
			x->last = st->line_end;
			snprintf(x->desc, sizeof(x->desc), "%s %s",
				 hpc_step_kind_name(st->kind), st->name);
		} else {
			const struct hpc_action *a = &s->actions[k++];

			x->is_action = 1;
			x->first = a->line;
			x->last = a->line_end;
			action_desc(a, x->desc, sizeof(x->desc));
			x->delay_min = a->after_min_ms;
			x->delay_max = a->after_max_ms;
			x->delay_at = a->at;
			x->count = a->count_given ? a->count : 0;
		}
	}
	return n;
}

static const struct hpc_scn_unit *unit_at(const struct hpc_scn_unit *u, int n,
					  int line)
{
	for (int i = 0; i < n; i++)
		if (u[i].first == line)
			return &u[i];
	return NULL;
}

/* Check the edits against the units; 0, or -1 and a message on err. */
static int edits_check(const struct hpc_scenario *s,
		       const struct hpc_scn_unit *u, int n,
		       const struct hpc_scn_edit *e, int ne, FILE *err)
{
	for (int i = 0; i < ne; i++) {
		const struct hpc_scn_unit *x = unit_at(u, n, e[i].line);
		size_t vl = strspn(e[i].value, "0123456789");

		if (!x) {
			fprintf(err, "%s: no step or action starts at line %d\n",
				s->file, e[i].line);
			return -1;
		}
		if (e[i].key == HPC_EDIT_DROP)
			continue;
		if (!x->is_action || vl == 0 || vl > 7 || e[i].value[vl]) {
			fprintf(err, "%s:%d: expected an action and a number of 1 to 7 digits\n",
				s->file, e[i].line);
			return -1;
		}
		if ((e[i].key == HPC_EDIT_COUNT && !x->count) ||
		    (e[i].key == HPC_EDIT_AT && !x->delay_at) ||
		    (e[i].key == HPC_EDIT_AFTER && (x->delay_at || !x->delay_max))) {
			fprintf(err, "%s:%d: the action has no %s to set\n", s->file,
				e[i].line, e[i].key == HPC_EDIT_COUNT ? "count=" :
				e[i].key == HPC_EDIT_AT ? "@MS" : "after=");
			return -1;
		}
	}
	return 0;
}

/* The prefix of the word an edit replaces. */
static const char *edit_prefix(enum hpc_edit_key k)
{
	return k == HPC_EDIT_AT ? "@" : k == HPC_EDIT_AFTER ? "after=" : "count=";
}

/*
 * In the physical line buf (NUL-terminated, without its '\n'; cap bytes of
 * room), the first word starting with prefix becomes prefix+value. Words
 * end at blanks, and at the '\' that continues a line. 1 when replaced.
 */
static int replace_word(char *buf, size_t cap, const char *prefix,
			const char *value)
{
	size_t pl = strlen(prefix), vl = strlen(value), len = strlen(buf), i = 0;

	while (i < len) {
		size_t w = i + strspn(buf + i, " \t");
		size_t we = w + strcspn(buf + w, " \t\\\r");

		if (we == w)
			return 0;
		if (we - w > pl && memcmp(buf + w, prefix, pl) == 0) {
			if (len - (we - w) + pl + vl >= cap)
				return 0;
			memmove(buf + w + pl + vl, buf + we, len - we + 1);
			memcpy(buf + w + pl, value, vl);
			return 1;
		}
		i = we;
	}
	return 0;
}

/* The edit of the unit that physical line ln is part of, or NULL. */
static const struct hpc_scn_edit *edit_of(const struct hpc_scn_unit *u, int n,
					  const struct hpc_scn_edit *e, int ne,
					  int ln, int key_drop)
{
	for (int i = 0; i < ne; i++) {
		const struct hpc_scn_unit *x = unit_at(u, n, e[i].line);

		if ((e[i].key == HPC_EDIT_DROP) == key_drop &&
		    ln >= x->first && ln <= x->last)
			return &e[i];
	}
	return NULL;
}

/* Copy f to out line by line, applying the edits (checked). */
static int copy_edited(FILE *f, const struct hpc_scn_unit *u, int n,
		       const struct hpc_scn_edit *e, int ne, FILE *out)
{
	char buf[8192];
	int ln = 0, *done = calloc((size_t)(ne ? ne : 1), sizeof(int));

	if (!done)
		return -1;
	while (fgets(buf, sizeof(buf), f)) {
		size_t len = strlen(buf);
		int nl = len && buf[len - 1] == '\n';

		ln++;
		if (!nl && !feof(f)) {
			free(done);
			return -1;	/* longer than the parser allows */
		}
		if (edit_of(u, n, e, ne, ln, 1))
			continue;
		len -= (size_t)nl;
		buf[len] = '\0';
		for (int i = 0; i < ne; i++)
			if (e[i].key != HPC_EDIT_DROP && !done[i] &&
			    edit_of(u, n, &e[i], 1, ln, 0))
				done[i] = replace_word(buf, sizeof(buf),
						       edit_prefix(e[i].key),
						       e[i].value);
		len = strlen(buf);
		fwrite(buf, 1, len, out);
		if (nl)
			fputc('\n', out);
	}
	free(done);
	return ferror(f) ? -1 : 0;
}

int hpc_scenario_edit(const struct hpc_scenario *s,
		      const struct hpc_scn_edit *e, int ne, FILE *out, FILE *err)
{
	struct hpc_scn_unit *u;
	int n, r;
	FILE *f;

	u = calloc(HPC_SCN_MAX_STEPS + HPC_SCN_MAX_ACTIONS, sizeof(*u));
	if (!u)
		return -1;
	n = hpc_scenario_units(s, u, HPC_SCN_MAX_STEPS + HPC_SCN_MAX_ACTIONS);
	if (n < 0 || edits_check(s, u, n, e, ne, err) < 0) {
		free(u);
		return -1;
	}
	f = fopen(s->file, "r");
	if (!f) {
		fprintf(err, "%s: cannot open\n", s->file);
		free(u);
		return -1;
	}
	r = copy_edited(f, u, n, e, ne, out);
	fclose(f);
	free(u);
	if (r < 0)
		fprintf(err, "%s: cannot copy (read error or a line too long)\n",
			s->file);
	return r;
}
