// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-symbolize: file:line for the stack frames of a run's kernel reports.
 *
 *   hpc-symbolize --dir RESULT [--vmlinux FILE] [--modules DIR]...
 *
 * Reads RESULT/verdict.json and RESULT/console.log. For each report that
 * has a console line, the frames of its block (up to its end of trace, at
 * most HPC_SYM_SCAN_LINES lines) are resolved with addr2line against
 * vmlinux (without --vmlinux, the kernel's own frames stay unresolved) and
 * the modules' .ko files (looked for by name under each DIR, first found).
 * Writes the frames into the report in verdict.json ("frames": symbol,
 * offset, module, reliable, file, line, function, inlined_into) and an
 * annotated copy of the console, RESULT/console.symbolized.log (each frame
 * line followed by its file:line). Titles are not touched.
 * The kernel stacks of the tasks of a step that ran out of time
 * (verdict.json stuck.tasks[].stack) get their "frames" the same way.
 *
 * Exit 0 (also when there was nothing to do), 2 on usage or I/O errors.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "hpc/cli.h"
#include "hpc/report.h"
#include "hpc/runfile.h"
#include "hpc/symbolize.h"
#include "hpc/verdict.h"

#define fatal(...) hpc_die(2, "hpc-symbolize: error: ", __VA_ARGS__)
#define MODDIRS_MAX	8
#define MODS_MAX	32
#define REPORTS_MAX	32
#define STUCK_MAX	16	/* stuck tasks (verdict.json stuck.tasks) */
#define CONSOLE_FILE	"console.log"
#define ANNOTATED_FILE	"console.symbolized.log"

struct console {
	char *buf;
	size_t len;
	size_t *line;	/* offsets of line starts; line[k] is line k + 1 */
	size_t nlines;
};

/* The frames of one report or stuck task, with the console line (1-based) of each. */
struct rep_frames {
	struct hpc_frame f[HPC_SYM_FRAMES_MAX];
	size_t at[HPC_SYM_FRAMES_MAX];	/* 0: not from the console */
	size_t n;
	struct json_object *obj;	/* gets "frames": a report, a stuck task */
};

struct modfile {
	char name[HPC_SYM_MOD_MAX];
	char *path;	/* NULL: not found */
};

struct sym {
	const char *dir, *vmlinux;
	const char *moddirs[MODDIRS_MAX];
	int nmoddirs;
	struct modfile mods[MODS_MAX];
	int nmods;
	struct console con;
	struct rep_frames *rf;	/* one per report, then one per stuck task */
	size_t nrf, nrep, nstuck;
	size_t frames, resolved;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: hpc-symbolize --dir RESULT [--vmlinux FILE] [--modules DIR]...\n");
}

static void parse_args(struct sym *s, int argc, char **argv)
{
	static const struct option opts[] = {
		HPC_OPT_ARG("dir", 'd'), HPC_OPT_ARG("vmlinux", 'v'),
		HPC_OPT_ARG("modules", 'm'), HPC_OPT_FLAG("help", 'h'), HPC_OPT_END
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			s->dir = optarg;
			break;
		case 'v':
			s->vmlinux = optarg;
			break;
		case 'm':
			if (s->nmoddirs >= MODDIRS_MAX)
				fatal("more than %d --modules", MODDIRS_MAX);
			s->moddirs[s->nmoddirs++] = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc || !s->dir) {
		usage(stderr);
		exit(2);
	}
}

/* dir/name, whole, bounded; NULL when absent (errno ENOENT) */
static char *read_run_file(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	char *buf = NULL;
	int e;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	e = hpc_runfile_read(path, HPC_REP_FILE_MAX, &buf, len);
	if (e == -ENOENT)
		return NULL;
	if (e < 0)
		fatal("%s: %s", path, hpc_runfile_strerror(e));
	return buf;
}

static void console_load(struct console *c, const char *dir)
{
	size_t cap = 1024;

	c->buf = read_run_file(dir, CONSOLE_FILE, &c->len);
	if (!c->buf)
		return;
	c->line = malloc(cap * sizeof(*c->line));
	for (size_t i = 0; c->line && i < c->len; i++) {
		if (i != 0 && c->buf[i - 1] != '\n')
			continue;
		if (c->nlines == cap) {
			size_t *nl = realloc(c->line, 2 * cap * sizeof(*nl));

			if (!nl)
				fatal("out of memory");
			c->line = nl;
			cap *= 2;
		}
		c->line[c->nlines++] = i;
	}
	if (!c->line)
		fatal("out of memory");
}

/* Line k (1-based) of the console, without its newline. */
static const char *console_line(const struct console *c, size_t k, size_t *len)
{
	size_t b = c->line[k - 1];
	size_t e = k < c->nlines ? c->line[k] : c->len;

	if (e > b && c->buf[e - 1] == '\n')
		e--;
	*len = e - b;
	return c->buf + b;
}

/* The frames of the report starting at console line first. */
static void collect(const struct console *c, size_t first, struct rep_frames *rf)
{
	for (size_t k = first; k <= c->nlines && k < first + HPC_SYM_SCAN_LINES; k++) {
		size_t len;
		const char *l = console_line(c, k, &len);

		if (k > first && hpc_report_end(l, len))
			break;
		if (rf->n < HPC_SYM_FRAMES_MAX && hpc_frame_parse(l, len, &rf->f[rf->n]))
			rf->at[rf->n++] = k;
	}
}

/* ---- modules: NAME.ko under the --modules directories ---- */

static const char *ftw_want;	/* nftw has no user pointer */
static char *ftw_found;

static bool same_modname(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return false;
	return *a == *b;
}

static int ftw_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	const char *base = path + ftw->base;
	size_t n = strlen(base);
	char name[HPC_SYM_MOD_MAX];

	(void)st;
	if (type != FTW_F || n < 4 || n - 3 >= sizeof(name) || strcmp(base + n - 3, ".ko") != 0)
		return 0;
	memcpy(name, base, n - 3);
	name[n - 3] = '\0';
	if (!same_modname(name, ftw_want))
		return 0;
	ftw_found = strdup(path);
	return 1;
}

static const char *module_file(struct sym *s, const char *name)
{
	struct modfile *m;

	for (int i = 0; i < s->nmods; i++)
		if (strcmp(s->mods[i].name, name) == 0)
			return s->mods[i].path;
	if (s->nmods >= MODS_MAX)
		return NULL;
	m = &s->mods[s->nmods++];
	snprintf(m->name, sizeof(m->name), "%s", name);
	ftw_want = name;
	ftw_found = NULL;
	for (int i = 0; i < s->nmoddirs && !ftw_found; i++)
		nftw(s->moddirs[i], ftw_one, 16, FTW_PHYS);
	m->path = ftw_found;
	return m->path;
}

/* ---- resolving, per object file ---- */

/* Resolve the frames of every report that live in obj (module, or "" for vmlinux). */
static void resolve_object(struct sym *s, const char *module, const char *obj)
{
	size_t cap = s->nrf * HPC_SYM_FRAMES_MAX, n = 0;
	struct hpc_frame **v = calloc(cap ? cap : 1, sizeof(*v));
	char why[256];

	if (!v)
		fatal("out of memory");
	for (size_t r = 0; r < s->nrf; r++)
		for (size_t i = 0; i < s->rf[r].n; i++)
			if (strcmp(s->rf[r].f[i].module, module) == 0)
				v[n++] = &s->rf[r].f[i];
	if (obj && hpc_sym_resolve(obj, v, n, why, sizeof(why)) < 0)
		fprintf(stderr, "hpc-symbolize: warning: %s\n", why);
	free(v);
}

static void resolve_all(struct sym *s)
{
	resolve_object(s, "", s->vmlinux);
	for (size_t r = 0; r < s->nrf; r++) {
		for (size_t i = 0; i < s->rf[r].n; i++) {
			const char *m = s->rf[r].f[i].module;
			bool seen = false;

			if (!m[0])
				continue;
			for (int k = 0; k < s->nmods; k++)
				seen |= strcmp(s->mods[k].name, m) == 0;
			if (!seen)
				resolve_object(s, m, module_file(s, m));
		}
	}
}

/* ---- output ---- */

static struct json_object *loc_json(const struct hpc_sym_loc *l)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "function", json_object_new_string(l->func));
	json_object_object_add(o, "file", l->file[0] ? json_object_new_string(l->file) : NULL);
	json_object_object_add(o, "line", l->line ? json_object_new_int((int)l->line) : NULL);
	return o;
}

static struct json_object *frame_json(const struct hpc_frame *f, size_t at)
{
	struct json_object *o = json_object_new_object(), *in;
	char hex[32];

	json_object_object_add(o, "symbol", json_object_new_string(f->sym));
	snprintf(hex, sizeof(hex), "0x%llx", f->off);
	json_object_object_add(o, "offset", json_object_new_string(hex));
	json_object_object_add(o, "module", f->module[0] ? json_object_new_string(f->module) : NULL);
	json_object_object_add(o, "reliable", json_object_new_boolean(f->reliable));
	if (f->rip)
		json_object_object_add(o, "rip", json_object_new_boolean(1));
	if (at)
		json_object_object_add(o, "console_line", json_object_new_int64((int64_t)at));
	if (f->nloc == 0)
		return o;
	json_object_object_add(o, "function", json_object_new_string(f->loc[0].func));
	json_object_object_add(o, "file", f->loc[0].file[0] ? json_object_new_string(f->loc[0].file) : NULL);
	json_object_object_add(o, "line", f->loc[0].line ? json_object_new_int((int)f->loc[0].line) : NULL);
	if (f->nloc > 1) {
		in = json_object_new_array();
		for (unsigned int k = 1; k < f->nloc; k++)
			json_object_array_add(in, loc_json(&f->loc[k]));
		json_object_object_add(o, "inlined_into", in);
	}
	return o;
}

/* " file:line", or " f file:line <- g file:line" through the inlining. */
static void annotate(FILE *out, const struct hpc_frame *f)
{
	for (unsigned int k = 0; k < f->nloc; k++) {
		const struct hpc_sym_loc *l = &f->loc[k];

		if (f->nloc > 1)
			fprintf(out, "%s%s", k ? " <- " : " ", l->func);
		fprintf(out, " %s:%u", l->file[0] ? l->file : "?", l->line);
	}
}

static void write_annotated(const struct sym *s)
{
	char *data = NULL;
	size_t dlen = 0;
	FILE *out = open_memstream(&data, &dlen);

	if (!out)
		fatal("out of memory");
	for (size_t k = 1; k <= s->con.nlines; k++) {
		size_t len;
		const char *l = console_line(&s->con, k, &len);

		fwrite(l, 1, len, out);
		for (size_t r = 0; r < s->nrf; r++)
			for (size_t i = 0; i < s->rf[r].n; i++)
				if (s->rf[r].at[i] == k && s->rf[r].f[i].nloc) {
					annotate(out, &s->rf[r].f[i]);
					r = s->nrf - 1;
					break;
				}
		fputc('\n', out);
	}
	if (fclose(out) != 0)
		fatal("out of memory");
	if (hpc_runfile_write(s->dir, ANNOTATED_FILE, data, dlen) < 0)
		fatal("cannot write %s/%s: %s", s->dir, ANNOTATED_FILE, strerror(errno));
	free(data);
}

/* Each report's frames from the console (reports: verdict.json's). */
static void collect_reports(struct sym *s, struct json_object *reports)
{
	size_t n = json_object_array_length(reports);

	for (size_t r = 0; r < n && s->nrep < REPORTS_MAX; r++) {
		struct json_object *rep = json_object_array_get_idx(reports, r), *cl;
		struct rep_frames *rf = &s->rf[s->nrf++];
		int64_t first;

		s->nrep++;
		rf->obj = rep;
		if (!json_object_object_get_ex(rep, "console_line", &cl) ||
		    !json_object_is_type(cl, json_type_int))
			continue;
		first = json_object_get_int64(cl);
		if (first >= 1 && (uint64_t)first <= s->con.nlines)
			collect(&s->con, (size_t)first, rf);
	}
}

/* The frames of each stuck task (verdict.json stuck.tasks[].stack). */
static void collect_stuck(struct sym *s, struct json_object *stuck)
{
	struct json_object *tasks;
	size_t n;

	if (!json_object_object_get_ex(stuck, "tasks", &tasks) ||
	    !json_object_is_type(tasks, json_type_array))
		return;
	n = json_object_array_length(tasks);
	for (size_t t = 0; t < n && s->nstuck < STUCK_MAX; t++) {
		struct json_object *task = json_object_array_get_idx(tasks, t), *stack;
		struct rep_frames *rf = &s->rf[s->nrf++];
		size_t k;

		s->nstuck++;
		rf->obj = task;
		if (!json_object_object_get_ex(task, "stack", &stack) ||
		    !json_object_is_type(stack, json_type_array))
			continue;
		k = json_object_array_length(stack);
		for (size_t i = 0; i < k && rf->n < HPC_SYM_FRAMES_MAX; i++) {
			const char *line = json_object_get_string(json_object_array_get_idx(stack, i));

			if (line && hpc_frame_parse(line, strlen(line), &rf->f[rf->n]))
				rf->at[rf->n++] = 0;
		}
	}
}

static void add_frames(struct sym *s)
{
	for (size_t r = 0; r < s->nrf; r++) {
		struct json_object *fr = json_object_new_array();

		for (size_t i = 0; i < s->rf[r].n; i++) {
			json_object_array_add(fr, frame_json(&s->rf[r].f[i], s->rf[r].at[i]));
			s->frames++;
			s->resolved += s->rf[r].f[i].nloc > 0;
		}
		if (json_object_is_type(s->rf[r].obj, json_type_object))
			json_object_object_add(s->rf[r].obj, "frames", fr);
		else
			json_object_put(fr);
	}
}

static void sym_free(struct sym *s)
{
	for (int i = 0; i < s->nmods; i++)
		free(s->mods[i].path);
	free(s->rf);
	free(s->con.line);
	free(s->con.buf);
}

int main(int argc, char **argv)
{
	struct sym s = { 0 };
	struct json_object *root, *reports = NULL, *stuck = NULL;
	char *in, *vbuf, why[256];
	size_t vlen;
	const char *txt;

	parse_args(&s, argc, argv);
	in = read_run_file(s.dir, HPC_VERDICT_FILE, &vlen);
	if (!in)
		fatal("%s/%s: no such file", s.dir, HPC_VERDICT_FILE);
	root = hpc_runfile_json(in, vlen, why, sizeof(why));
	free(in);
	if (!root)
		fatal("%s/%s: %s", s.dir, HPC_VERDICT_FILE, why);
	/* the console (up to 64 MiB) is read only when there are reports */
	if (!json_object_object_get_ex(root, "reports", &reports) ||
	    !json_object_is_type(reports, json_type_array) ||
	    json_object_array_length(reports) == 0)
		reports = NULL;
	else
		console_load(&s.con, s.dir);
	if (!s.con.buf)
		reports = NULL;
	if (!json_object_object_get_ex(root, "stuck", &stuck) ||
	    !json_object_is_type(stuck, json_type_object))
		stuck = NULL;
	if ((!reports || json_object_array_length(reports) == 0) && !stuck) {
		json_object_put(root);
		sym_free(&s);
		return 0;
	}
	s.rf = calloc(REPORTS_MAX + STUCK_MAX, sizeof(*s.rf));
	if (!s.rf)
		fatal("out of memory");
	if (reports)
		collect_reports(&s, reports);
	if (stuck)
		collect_stuck(&s, stuck);
	resolve_all(&s);
	add_frames(&s);
	txt = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
	if (!txt || asprintf(&vbuf, "%s\n", txt) < 0)
		fatal("out of memory");
	if (hpc_runfile_write(s.dir, HPC_VERDICT_FILE, vbuf, strlen(vbuf)) < 0)
		fatal("cannot write %s/%s: %s", s.dir, HPC_VERDICT_FILE, strerror(errno));
	if (s.con.buf)
		write_annotated(&s);
	fprintf(stderr, "hpc-symbolize: %zu reports, %zu stuck tasks, %zu frames, %zu with a source line\n",
		s.nrep, s.nstuck, s.frames, s.resolved);
	free(vbuf);
	json_object_put(root);
	sym_free(&s);
	return 0;
}
