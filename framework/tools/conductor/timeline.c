// SPDX-License-Identifier: GPL-2.0
/*
 * timeline.jsonl (docs/internals.md, "Timeline"), the other files of the
 * run directory the conductor writes as it goes, and stop(): why the run
 * ends, said once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conductor.h"

double now_s(const struct conductor *c)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - c->t0.tv_sec) +
	       (double)(t.tv_nsec - c->t0.tv_nsec) / 1e9;
}

double now_cb(void *ctx)
{
	return now_s(ctx);
}

struct json_object *tl_new(const struct conductor *c, const char *src)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "t", json_object_new_double(now_s(c)));
	json_object_object_add(o, "src", json_object_new_string(src));
	return o;
}

/*
 * Records that are still written when the timeline is full: the end of the
 * run (at most one of each), so that the cut timeline still says how the
 * run ended.
 */
static int tl_always(struct json_object *o)
{
	struct json_object *src, *type;
	const char *t;

	if (!json_object_object_get_ex(o, "src", &src) ||
	    strcmp(json_object_get_string(src), "host") ||
	    !json_object_object_get_ex(o, "type", &type))
		return 0;
	t = json_object_get_string(type);
	return !strcmp(t, "stop") || !strcmp(t, "verdict");
}

static void tl_write(struct conductor *c, const char *s)
{
	fprintf(c->files.timeline, "%s\n", s);
	fflush(c->files.timeline);
}

/*
 * One record (tl_emit takes o). timeline.jsonl holds at most
 * opt.timeline_max bytes: past that, one "truncated" record says so, and
 * later records are counted (verdict.json "timeline_dropped"), not written.
 */
void tl_emit(struct conductor *c, struct json_object *o)
{
	struct cond_files *f = &c->files;
	const char *s;
	size_t n;

	if (!f->timeline) {
		json_object_put(o);
		return;
	}
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	n = strlen(s) + 1;
	if (f->timeline_bytes + (long)n > c->opt.timeline_max && !tl_always(o)) {
		if (!f->timeline_dropped++) {
			struct json_object *m = tl_new(c, "host");

			json_object_object_add(m, "type", json_object_new_string("truncated"));
			json_object_object_add(m, "text", json_object_new_string(
				"timeline.jsonl is full: later records are dropped (counted in verdict.json timeline_dropped)"));
			tl_write(c, json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN));
			json_object_put(m);
		}
		json_object_put(o);
		return;
	}
	tl_write(c, s);
	f->timeline_bytes += (long)n;
	json_object_put(o);
}

void tl_host(struct conductor *c, const char *type, const char *fmt, ...)
{
	struct json_object *o = tl_new(c, "host");
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "text", json_object_new_string(buf));
	tl_emit(c, o);
}

/* The run ends: the first reason given is kept (why_stop) and recorded. */
void stop(struct conductor *c, const char *fmt, ...)
{
	va_list ap;

	if (c->stop)
		return;
	c->stop = 1;
	va_start(ap, fmt);
	vsnprintf(c->why_stop, sizeof(c->why_stop), fmt, ap);
	va_end(ap);
	tl_host(c, "stop", "%s", c->why_stop);
}

/*
 * A file of the run for writing, private like the run directory (0600 even
 * if it existed). NULL with errno set on failure.
 */
FILE *open_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f;

	if (fd < 0)
		return NULL;
	if (fchmod(fd, 0600) < 0 || !(f = fdopen(fd, "w"))) {
		int e = errno;

		close(fd);
		errno = e;
		return NULL;
	}
	return f;
}

static FILE *open_out(const struct conductor *c, const char *name)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", c->opt.dir, name);
	f = open_private(path);
	if (!f)
		fatal("cannot create %s: %s", path, strerror(errno));
	return f;
}

void open_run_files(struct conductor *c)
{
	c->files.console = open_out(c, "console.log");
	c->files.timeline = open_out(c, "timeline.jsonl");
	c->files.steps = open_out(c, "steps.log");
	c->files.qmp = open_out(c, "qmp.log");
	c->files.kmsg = open_out(c, "kmsg.log");
}

/* One formatted record into a log capped at cap bytes (f may be NULL). */
void log_capped(FILE *f, long *bytes, long cap, const char *fmt, ...)
{
	va_list ap;

	if (!f || *bytes >= cap)
		return;
	va_start(ap, fmt);
	*bytes += vfprintf(f, fmt, ap);
	va_end(ap);
	fflush(f);
}

/* A number of seconds rounded to microseconds, printed with that many digits. */
static struct json_object *j_rounded(double seconds, double scale, int digits)
{
	char buf[48];
	double v = (double)(int64_t)(seconds * 1e6 + (seconds < 0 ? -0.5 : 0.5)) / scale;

	snprintf(buf, sizeof(buf), "%.*f", digits, v);
	return json_object_new_double_s(v, buf);
}

/* Milliseconds, rounded to microseconds, as a JSON number. */
struct json_object *j_ms(double seconds)
{
	return j_rounded(seconds, 1e3, 3);
}

/* Seconds, rounded to microseconds, as a JSON number. */
struct json_object *j_s(double seconds)
{
	return j_rounded(seconds, 1e6, 6);
}
