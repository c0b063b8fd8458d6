// SPDX-License-Identifier: GPL-2.0
/*
 * The body of a junit.xml <failure> or <error>: what a CI page shows of a
 * scenario that failed, without the result directory at hand. In order:
 * the reason; each kernel report of verdict.json (up to BODY_REPORTS) with
 * its lines of console.log and the source lines of its frames; the kernel
 * stack of each task of a step stuck in the kernel; the last lines of
 * output of the first step that did not end with status 0 (steps.log); the
 * result directory. The whole is cut at BODY_MAX bytes.
 *
 * console.log and steps.log hold guest output: they are read a byte at a
 * time into fixed buffers (a line keeps LINE_KEEP bytes, NUL becomes '?'),
 * and the body is made fit for XML by hpc_xml_clean() at the end. The
 * files are opened in the plan entry's directory only (its name was checked
 * with the plan), never through a symlink.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report_int.h"

#define BODY_MAX	16384	/* bytes of the whole body */
#define BODY_REPORTS	3	/* kernel reports shown */
#define REPORT_LINES	60	/* console lines of one report */
#define LINE_KEEP	512	/* bytes kept of one line */
#define FRAMES_MAX	16	/* source lines of one report's frames */
#define STUCK_TASKS	4	/* stuck tasks whose stack is shown */
#define STACK_LINES	32	/* frames of one stuck task */
#define STEP_LINES	20	/* last output lines of the failing step */

/* RUNDIR/DIR/NAME for reading: a regular file, not a symlink; NULL if not. */
static FILE *open_result(const char *rundir, const char *dir, const char *name)
{
	char *path;
	struct stat st;
	FILE *f;
	int fd;

	if (!rundir || !dir || asprintf(&path, "%s/%s/%s", rundir, dir, name) < 0)
		return NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	free(path);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(f = fdopen(fd, "r"))) {
		close(fd);
		return NULL;
	}
	return f;
}

/* One line without its newline; at most len-1 bytes kept. false at EOF. */
static bool read_line(FILE *f, char *buf, size_t len)
{
	size_t n = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n')
		if (n + 1 < len)
			buf[n++] = c ? (char)c : '?';
	while (n > 0 && buf[n - 1] == '\r')	/* the serial console's CRLF */
		n--;
	buf[n] = '\0';
	return c != EOF || n > 0;
}

/* A member of o, if it has this type. */
static struct json_object *member(struct json_object *o, const char *key,
				  enum json_type type)
{
	struct json_object *m;

	if (!json_object_object_get_ex(o, key, &m) || !json_object_is_type(m, type))
		return NULL;
	return m;
}

static const char *mstr(struct json_object *o, const char *key)
{
	struct json_object *m = member(o, key, json_type_string);

	return m ? json_object_get_string(m) : NULL;
}

/* Where a report's block ends: the end of trace, KASAN's closing rule. */
static bool report_end(const char *line, size_t k)
{
	return strstr(line, "---[ end ") || (k > 0 && strstr(line, "=========="));
}

/* console.log from line `from` (1-based) to the end of the report's block. */
static void console_block(FILE *out, FILE *con, int64_t from)
{
	char buf[LINE_KEEP];
	int64_t n = 1;
	size_t k;

	while (n < from && read_line(con, buf, sizeof(buf)))
		n++;
	for (k = 0; k < REPORT_LINES && read_line(con, buf, sizeof(buf)); k++) {
		fprintf(out, "%s\n", buf);
		if (report_end(buf, k))
			return;
	}
	if (k == REPORT_LINES)
		fprintf(out, "[... the rest in console.log]\n");
}

/* "  function (file:line)" for each frame symbolized to a source line. */
static void report_frames(FILE *out, struct json_object *rep)
{
	struct json_object *fr = member(rep, "frames", json_type_array);
	size_t n = fr ? json_object_array_length(fr) : 0, shown = 0;

	for (size_t i = 0; i < n && shown < FRAMES_MAX; i++) {
		struct json_object *f = json_object_array_get_idx(fr, i);
		struct json_object *line = member(f, "line", json_type_int);
		const char *file = mstr(f, "file"), *fn = mstr(f, "function");

		if (!file || !line)
			continue;
		if (!shown++)
			fprintf(out, "source lines of its frames:\n");
		fprintf(out, "  %.160s (%.200s:%d)\n", fn ? fn : "?", file,
			json_object_get_int(line));
	}
}

static void body_reports(FILE *out, const char *rundir, const struct hpc_vrec *v)
{
	size_t n = v->reports ? json_object_array_length(v->reports) : 0;
	FILE *con = n ? open_result(rundir, v->dir, "console.log") : NULL;

	for (size_t i = 0; i < n && i < BODY_REPORTS; i++) {
		struct json_object *rep = json_object_array_get_idx(v->reports, i);
		struct json_object *cl = member(rep, "console_line", json_type_int);
		const char *cls = mstr(rep, "class"), *title = mstr(rep, "title");

		fprintf(out, "\nkernel report %zu of %zu: %.32s: %.300s", i + 1, n,
			cls ? cls : "?", title ? title : "(no title)");
		if (!cl || json_object_get_int64(cl) < 1) {
			fprintf(out, " (not on the console: see kmsg.log)\n");
		} else {
			fprintf(out, " (console.log line %lld)\n",
				(long long)json_object_get_int64(cl));
			if (con && fseek(con, 0, SEEK_SET) == 0)
				console_block(out, con, json_object_get_int64(cl));
		}
		report_frames(out, rep);
	}
	if (n > BODY_REPORTS)
		fprintf(out, "\n%zu more kernel reports in verdict.json\n",
			n - BODY_REPORTS);
	if (con)
		fclose(con);
}

/* The kernel stacks of the tasks of a step that ran out of time. */
static void body_stuck(FILE *out, const struct hpc_vrec *v)
{
	struct json_object *tasks = v->stuck ?
		member(v->stuck, "tasks", json_type_array) : NULL;
	size_t n = tasks ? json_object_array_length(tasks) : 0;

	for (size_t i = 0; i < n && i < STUCK_TASKS; i++) {
		struct json_object *t = json_object_array_get_idx(tasks, i);
		struct json_object *pid = member(t, "pid", json_type_int);
		struct json_object *stack = member(t, "stack", json_type_array);
		const char *state = mstr(t, "state");
		size_t k = stack ? json_object_array_length(stack) : 0;

		fprintf(out, "\nkernel stack of task %d (state %.8s) of step %.128s:\n",
			pid ? json_object_get_int(pid) : -1, state ? state : "?",
			mstr(v->stuck, "step") ? mstr(v->stuck, "step") : "?");
		for (size_t j = 0; j < k && j < STACK_LINES; j++) {
			const char *f = json_object_get_string(
				json_object_array_get_idx(stack, j));

			fprintf(out, "  %.200s\n", f ? f : "?");
		}
	}
}

/* The last STEP_LINES lines steps.log has of the failing step ("[name] text"). */
static void body_step(FILE *out, const char *rundir, const struct hpc_vrec *v)
{
	char ring[STEP_LINES][LINE_KEEP];
	char buf[LINE_KEEP + 160], pre[160];
	size_t plen, n = 0;
	FILE *f;

	if (!v->step)
		return;
	fprintf(out, "\nstep %.128s", v->step);
	if (v->step_status)
		fprintf(out, " ended with status %.32s", v->step_status);
	else
		fprintf(out, " did not end");
	f = open_result(rundir, v->dir, "steps.log");
	snprintf(pre, sizeof(pre), "[%.128s] ", v->step);
	plen = strlen(pre);
	while (f && read_line(f, buf, sizeof(buf))) {
		if (strncmp(buf, pre, plen))
			continue;
		snprintf(ring[n % STEP_LINES], LINE_KEEP, "%s", buf + plen);
		n++;
	}
	if (f)
		fclose(f);
	if (!n) {
		fprintf(out, "; it printed nothing\n");
		return;
	}
	fprintf(out, "; its last %zu lines of output (steps.log):\n",
		n < STEP_LINES ? n : (size_t)STEP_LINES);
	for (size_t i = n < STEP_LINES ? 0 : n - STEP_LINES; i < n; i++)
		fprintf(out, "  %s\n", ring[i % STEP_LINES]);
}

char *rep_failure_body(const char *rundir, const struct hpc_vrec *v)
{
	static const char cut[] = "\n[cut at 16384 bytes: the rest is in the result directory]\n";
	char *buf = NULL, *clean;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out)
		return NULL;
	fprintf(out, "%s\n", rep_nonempty(v->reason) ? v->reason :
		rep_nonempty(v->title) ? v->title : hpc_rep_verdict_name(v->verdict));
	body_reports(out, rundir, v);
	body_stuck(out, v);
	body_step(out, rundir, v);
	if (v->dir)
		fprintf(out, "\nresult: %s\n", v->dir);
	if (fclose(out) != 0) {
		free(buf);
		return NULL;
	}
	if (len > BODY_MAX) {
		size_t k = BODY_MAX - sizeof(cut) + 1;

		while (k > 0 && ((unsigned char)buf[k] & 0xc0) == 0x80)
			k--;
		memcpy(buf + k, cut, sizeof(cut));
	}
	clean = hpc_xml_clean(buf);
	free(buf);
	return clean;
}
