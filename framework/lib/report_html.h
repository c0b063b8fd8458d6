/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the HTML report (index.html of a run directory), not for other
 * users:
 *
 *   report_html.c  the page: run table, per scenario verdict, expectation,
 *                  kernel reports with frames, steps with output, schedule;
 *                  the one text cleaner every written string goes through
 *   report_tl.c    one scenario's timeline.jsonl read into lanes (bounded)
 *   report_svg.c   the lanes drawn as an SVG picture on one time axis
 *
 * Documents are written with libxml2's xmlTextWriter: it does the entity
 * escaping; rep_xml_text() makes any untrusted bytes valid XML 1.0 text
 * first (UTF-8, no control characters, bounded length).
 */
#ifndef HPC_REPORT_HTML_H
#define HPC_REPORT_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <libxml/xmlwriter.h>

#define TL_LANE_MAX	300	/* items drawn per lane; more are counted */
#define TL_LABEL_MAX	160	/* bytes of one label in the picture */
#define TL_OUT_LINE_MAX	400	/* bytes of one step output line */
#define TL_OUT_PER_STEP	60	/* output lines shown per step */
#define TL_OUT_TOTAL	3000	/* output lines kept per scenario */
#define TL_REPORTS_MAX	32	/* kernel reports drawn */
#define TL_IDX_MAX	4096	/* step indices followed */
#define TL_CONSOLE_MAX	(1u << 20)	/* console lines counted in the picture */

enum tl_lane {
	TL_STEPS,	/* STEP_START..STEP_END spans */
	TL_HOST,	/* host actions: planned tick, real marker; other host records */
	TL_GUEST,	/* agent events: HELLO, EV, BYE, KMSGLOST, invalid lines */
	TL_QMP,		/* QMP events */
	TL_CONSOLE,	/* console lines: how many per slice of time */
	TL_REPORTS,	/* kernel reports, at their console line */
	TL_NLANES
};

enum tl_kind {
	TL_K_PLAIN,
	TL_K_ACTION,	/* t real, t2 planned */
	TL_K_SPAN,	/* t start, t2 end */
	TL_K_ERROR,	/* something that went wrong: drawn red */
};

struct tl_item {
	double t, t2;
	int idx;		/* step index (spans), or -1 */
	enum tl_kind kind;
	bool open;		/* a span with no STEP_END */
	char *label;		/* clean, at most TL_LABEL_MAX bytes */
};

struct tl_lane_items {
	struct tl_item *it;
	size_t n, dropped;
};

struct tl_out {
	int idx;
	char *text;
};

/* One scenario's timeline. */
struct timeline {
	struct tl_lane_items lane[TL_NLANES];
	double t_end;			/* the latest time of any record */
	bool has_verdict;
	double verdict_t;
	char *verdict_text;
	size_t records, bad_lines;
	bool truncated;			/* timeline.jsonl said it was full */
	struct tl_out *out;		/* step output lines, in order */
	size_t nout, out_dropped;
	double *console_t;		/* times of the console lines */
	size_t nconsole;
	unsigned int *out_count;	/* output lines seen per step index */
	int out_nidx;
	/* console line numbers wanted (kernel reports), and their times */
	const long *want;
	double *want_t;
	size_t nwant;
};

/* report_html.c */
/*
 * Untrusted bytes as XML 1.0 text: valid UTF-8 ('?' for what is not), no
 * control characters but tab and newline (none at all with one_line), cut
 * at a character boundary to at most max bytes (then ending in "...").
 */
char *rep_xml_text(const char *s, size_t len, size_t max, bool one_line);

/* A document being written; err once anything failed (out of memory). */
struct hx {
	xmlTextWriterPtr w;
	bool err;
};
void hx_open(struct hx *h, const char *el);
/* end an element: </el> for HTML, <el/> allowed for SVG */
void hx_close(struct hx *h);
void hx_end(struct hx *h);
void hx_attr(struct hx *h, const char *name, const char *value);
void hx_attrf(struct hx *h, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void hx_text(struct hx *h, const char *s);
void hx_textf(struct hx *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* <el>text</el> */
void hx_elem(struct hx *h, const char *el, const char *text);
/* The doctype, <html> and its <head>: <title>TITLE TITLE_TAIL</title>, the style */
void hx_page_head(struct hx *h, const char *title, const char *title_tail,
		  const char *css);
/* A document body(h, arg) writes, with a final newline (malloc'ed; NULL on error) */
char *hx_document(int (*body)(struct hx *h, const void *arg), const void *arg,
		  size_t *len);

/* report_tl.c */
/*
 * Read path into tl; want (n numbers) are console lines whose times are
 * looked up (want_t[i] NAN when not found). 0, or -ENOENT etc. when the
 * file cannot be read (tl is then empty), -ENOMEM.
 */
int rep_tl_load(struct timeline *tl, const char *path, const long *want,
		size_t nwant);
void rep_tl_free(struct timeline *tl);
/* Add an item to a lane (label copied and cleaned); -1 out of memory. */
int rep_tl_add(struct timeline *tl, enum tl_lane lane, const struct tl_item *it,
	       const char *label);

/* report_svg.c */
/* The timeline as an <svg> element; title is the scenario (for the reader). */
void rep_svg_timeline(struct hx *h, const struct timeline *tl, const char *title);

#endif
