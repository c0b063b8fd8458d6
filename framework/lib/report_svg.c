// SPDX-License-Identifier: GPL-2.0
/*
 * The timeline picture of the HTML report: one SVG element, one horizontal
 * lane per source on the conductor's clock (seconds since the scenario
 * started), a time axis below and the verdict moment as a vertical line
 * across all lanes. Every item has a <title> (the browser shows it on
 * hover); lanes hold at most TL_LANE_MAX items and say so when more were
 * left out. docs/reports.md explains what is drawn.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_html.h"

#define SVG_W		1160.0	/* picture width */
#define SVG_LEFT	130.0	/* lane names */
#define SVG_RIGHT	24.0
#define SVG_TOP		28.0	/* the verdict label above the lanes */
#define SVG_BUCKETS	240	/* console histogram bars */
#define CHAR_W		6.2	/* width of a character at font-size 11 */
#define LABELS_MAX	24	/* lanes with more items show no text labels */

struct geom {
	double t_max;		/* right end of the axis, seconds */
	double y[TL_NLANES];	/* top of each lane */
	double h[TL_NLANES];	/* height of each lane */
	double bottom;		/* the axis line */
};

static const char *const lane_name[TL_NLANES] = {
	[TL_STEPS] = "steps", [TL_HOST] = "host actions",
	[TL_GUEST] = "guest events", [TL_QMP] = "QMP events",
	[TL_CONSOLE] = "console lines", [TL_REPORTS] = "kernel reports",
};

static const char *const lane_class[TL_NLANES] = {
	[TL_STEPS] = "lane-steps", [TL_HOST] = "lane-host",
	[TL_GUEST] = "lane-guest", [TL_QMP] = "lane-qmp",
	[TL_CONSOLE] = "lane-console", [TL_REPORTS] = "lane-reports",
};

static double xpos(const struct geom *g, double t)
{
	double pw = SVG_W - SVG_LEFT - SVG_RIGHT;

	if (!(t > 0))
		t = 0;
	if (t > g->t_max)
		t = g->t_max;
	return SVG_LEFT + pw * t / g->t_max;
}

static void layout(struct geom *g, const struct timeline *tl)
{
	static const double heights[TL_NLANES] = {
		[TL_STEPS] = 46, [TL_HOST] = 40, [TL_GUEST] = 30,
		[TL_QMP] = 30, [TL_CONSOLE] = 30, [TL_REPORTS] = 30,
	};
	double y = SVG_TOP;

	g->t_max = tl->t_end;
	if (tl->has_verdict && tl->verdict_t > g->t_max)
		g->t_max = tl->verdict_t;
	for (int l = 0; l < TL_NLANES; l++)
		for (size_t i = 0; i < tl->lane[l].n; i++)
			if (isfinite(tl->lane[l].it[i].t2) && tl->lane[l].it[i].t2 > g->t_max)
				g->t_max = tl->lane[l].it[i].t2;
	g->t_max = g->t_max < 0.5 ? 0.5 : g->t_max * 1.01;
	for (int l = 0; l < TL_NLANES; l++) {
		g->y[l] = y;
		g->h[l] = heights[l];
		y += heights[l];
	}
	g->bottom = y;
}

static void rect(struct hx *h, double x, double y, double w, double hh,
		 const char *cls)
{
	hx_open(h, "rect");
	hx_attrf(h, "x", "%.1f", x);
	hx_attrf(h, "y", "%.1f", y);
	hx_attrf(h, "width", "%.1f", w);
	hx_attrf(h, "height", "%.1f", hh);
	if (cls)
		hx_attr(h, "class", cls);
}

static void line(struct hx *h, double x1, double y1, double x2, double y2,
		 const char *cls)
{
	hx_open(h, "line");
	hx_attrf(h, "x1", "%.1f", x1);
	hx_attrf(h, "y1", "%.1f", y1);
	hx_attrf(h, "x2", "%.1f", x2);
	hx_attrf(h, "y2", "%.1f", y2);
	hx_attr(h, "class", cls);
	hx_end(h);
}

static void text(struct hx *h, double x, double y, const char *cls,
		 const char *s)
{
	hx_open(h, "text");
	hx_attrf(h, "x", "%.1f", x);
	hx_attrf(h, "y", "%.1f", y);
	if (cls)
		hx_attr(h, "class", cls);
	hx_text(h, s);
	hx_close(h);
}

/* The hover text of an item: its label and time(s). */
static void item_title(struct hx *h, const struct tl_item *it)
{
	hx_open(h, "title");
	if (it->kind == TL_K_SPAN || (it->kind == TL_K_ERROR && isfinite(it->t2) &&
				      it->idx >= 0))
		hx_textf(h, "%.3f..%.3f s (%.3f s%s): ", it->t, it->t2,
			 it->t2 - it->t, it->open ? ", not ended" : "");
	else if (it->kind == TL_K_ACTION && isfinite(it->t2))
		hx_textf(h, "planned %.3f s, real %.3f s: ", it->t2, it->t);
	else
		hx_textf(h, "%.3f s: ", it->t);
	hx_text(h, it->label);
	hx_close(h);
}

static void draw_span(struct hx *h, const struct geom *g,
		      const struct tl_item *it, size_t i)
{
	double x = xpos(g, it->t), x2 = xpos(g, it->t2);
	double w = x2 - x < 1.5 ? 1.5 : x2 - x;
	double y = g->y[TL_STEPS] + 4 + (double)(i % 2) * 20;
	const char *cls = it->kind == TL_K_ERROR ? "span bad" :
			  it->open ? "span open" : "span";

	rect(h, x, y, w, 17, cls);
	item_title(h, it);
	hx_close(h);
	if (w > CHAR_W * ((double)strlen(it->label) + 1))
		text(h, x + 3, y + 12.5, "spantext", it->label);
}

/* Host actions: a tick at the planned time above a marker at the real one. */
static void draw_host(struct hx *h, const struct geom *g,
		      const struct tl_item *it, bool labels)
{
	double y = g->y[TL_HOST], x = xpos(g, it->t);

	hx_open(h, "g");
	hx_attr(h, "class", it->kind == TL_K_ACTION ? "action" :
		it->kind == TL_K_ERROR ? "hostev bad" : "hostev");
	item_title(h, it);
	if (it->kind == TL_K_ACTION && isfinite(it->t2)) {
		double xp = xpos(g, it->t2);

		line(h, xp, y + 3, xp, y + 17, "planned");
		line(h, xp, y + 17, x, y + 25, "drift");
	}
	if (it->kind == TL_K_ACTION) {
		hx_open(h, "path");
		hx_attrf(h, "d", "M%.1f %.1fl5 6l-5 6l-5 -6z", x, y + 22);
		hx_attr(h, "class", "real");
		hx_end(h);
	} else {
		line(h, x, y + 22, x, y + 36, "tick");
	}
	hx_close(h);
	if (labels && it->kind == TL_K_ACTION)
		text(h, x + 7, y + 13, "small", it->label);
}

/* Guest and QMP events, kernel reports: a tick or a marker at their time. */
static void draw_point(struct hx *h, const struct geom *g, enum tl_lane l,
		       const struct tl_item *it, bool labels, size_t i)
{
	double x = xpos(g, it->t), y = g->y[l];

	hx_open(h, "g");
	if (l == TL_REPORTS) {
		hx_attr(h, "class", "report");
		item_title(h, it);
		hx_open(h, "path");
		hx_attrf(h, "d", "M%.1f %.1fl6 12h-12z", x, y + 6);
		hx_end(h);
	} else {
		hx_attr(h, "class", it->kind == TL_K_ERROR ? "ev bad" : "ev");
		item_title(h, it);
		line(h, x, y + 4, x, y + g->h[l] - 4, "tick");
	}
	hx_close(h);
	if (labels)
		text(h, x + 4, y + 12 + (double)(i % 2) * 10, "small", it->label);
}

/* Console lines: a histogram, how many lines per slice of time. */
static void draw_console(struct hx *h, const struct geom *g,
			 const struct timeline *tl)
{
	unsigned int count[SVG_BUCKETS] = { 0 }, max = 0;
	double bw = (SVG_W - SVG_LEFT - SVG_RIGHT) / SVG_BUCKETS;
	double y = g->y[TL_CONSOLE], hh = g->h[TL_CONSOLE] - 6;

	for (size_t i = 0; i < tl->nconsole; i++) {
		int b = (int)(tl->console_t[i] / g->t_max * SVG_BUCKETS);

		b = b < 0 ? 0 : b >= SVG_BUCKETS ? SVG_BUCKETS - 1 : b;
		if (++count[b] > max)
			max = count[b];
	}
	for (int b = 0; b < SVG_BUCKETS; b++) {
		double bh;

		if (!count[b])
			continue;
		bh = 2 + (hh - 2) * count[b] / max;
		rect(h, SVG_LEFT + b * bw, y + 3 + hh - bh, bw, bh, "con");
		hx_open(h, "title");
		hx_textf(h, "%.2f..%.2f s: %u console lines", b * g->t_max / SVG_BUCKETS,
			 (b + 1) * g->t_max / SVG_BUCKETS, count[b]);
		hx_close(h);
		hx_close(h);
	}
}

static void draw_lane_items(struct hx *h, const struct geom *g,
			    const struct timeline *tl, enum tl_lane l)
{
	const struct tl_lane_items *L = &tl->lane[l];
	bool labels = L->n <= LABELS_MAX;
	double free_x = 0;	/* labels do not overlap: where the last one ended */

	if (l == TL_CONSOLE) {
		draw_console(h, g, tl);
		return;
	}
	for (size_t i = 0; i < L->n; i++) {
		double x = xpos(g, L->it[i].t);
		double end = x + CHAR_W * ((double)strlen(L->it[i].label) + 2);
		bool lbl = labels && x >= free_x && end <= SVG_W && l != TL_GUEST &&
			   (l != TL_HOST || L->it[i].kind == TL_K_ACTION);

		if (lbl)
			free_x = end;
		if (l == TL_STEPS)
			draw_span(h, g, &L->it[i], i);
		else if (l == TL_HOST)
			draw_host(h, g, &L->it[i], lbl);
		else
			draw_point(h, g, l, &L->it[i], lbl, 0);
	}
}

/* One lane: its band, its name (and what was left out), its items. */
static void draw_lane(struct hx *h, const struct geom *g,
		      const struct timeline *tl, enum tl_lane l)
{
	size_t dropped = tl->lane[l].dropped;
	char note[64];

	hx_open(h, "g");
	hx_attrf(h, "class", "lane %s", lane_class[l]);
	rect(h, 0, g->y[l], SVG_W, g->h[l], l % 2 ? "band odd" : "band");
	hx_end(h);
	text(h, 6, g->y[l] + 14, "lanename", lane_name[l]);
	if (l == TL_CONSOLE)
		snprintf(note, sizeof(note), "%zu lines", tl->nconsole);
	else if (dropped)
		snprintf(note, sizeof(note), "%zu drawn, %zu more not", tl->lane[l].n,
			 dropped);
	else
		snprintf(note, sizeof(note), "%zu", tl->lane[l].n);
	text(h, 6, g->y[l] + 26, dropped ? "small capped" : "small", note);
	draw_lane_items(h, g, tl, l);
	hx_close(h);
}

/* A tick step giving at most about 12 ticks. */
static double tick_step(double t_max)
{
	static const double steps[] = { 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60,
					120, 300, 600, 1200, 1800, 3600, 7200 };

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (t_max / steps[i] <= 12)
			return steps[i];
	return ceil(t_max / 12 / 3600) * 3600;
}

static void draw_axis(struct hx *h, const struct geom *g)
{
	double step = tick_step(g->t_max);

	hx_open(h, "g");
	hx_attr(h, "class", "axis");
	line(h, SVG_LEFT, g->bottom, SVG_W - SVG_RIGHT, g->bottom, "axisline");
	for (int i = 0; i * step <= g->t_max + 1e-9; i++) {
		double x = xpos(g, i * step);
		char lbl[32];

		line(h, x, SVG_TOP, x, g->bottom + 5, i ? "grid" : "axisline");
		snprintf(lbl, sizeof(lbl), step < 1 ? "%.1f s" : "%.0f s", i * step);
		text(h, x - 8, g->bottom + 18, "small", lbl);
	}
	text(h, 6, g->bottom + 18, "small", "time since start");
	hx_close(h);
}

static void draw_verdict(struct hx *h, const struct geom *g,
			 const struct timeline *tl)
{
	double x;

	if (!tl->has_verdict)
		return;
	x = xpos(g, tl->verdict_t);
	hx_open(h, "g");
	hx_attr(h, "class", "verdict");
	hx_open(h, "title");
	hx_textf(h, "verdict at %.3f s: ", tl->verdict_t);
	hx_text(h, tl->verdict_text);
	hx_close(h);
	line(h, x, SVG_TOP - 6, x, g->bottom, "verdictline");
	/* the label goes left of the line when it is near the right edge */
	hx_open(h, "text");
	hx_attrf(h, "x", "%.1f", x > SVG_W / 2 ? x - 4 : x + 4);
	hx_attrf(h, "y", "%.1f", SVG_TOP - 10);
	hx_attr(h, "text-anchor", x > SVG_W / 2 ? "end" : "start");
	hx_attr(h, "class", "verdicttext");
	hx_textf(h, "verdict %.3f s: ", tl->verdict_t);
	hx_text(h, tl->verdict_text);
	hx_close(h);
	hx_close(h);
}

void rep_svg_timeline(struct hx *h, const struct timeline *tl, const char *title)
{
	struct geom g;

	layout(&g, tl);
	hx_open(h, "svg");
	hx_attr(h, "xmlns", "http://www.w3.org/2000/svg");
	hx_attr(h, "class", "timeline");
	hx_attrf(h, "width", "%.0f", SVG_W);
	hx_attrf(h, "height", "%.0f", g.bottom + 28);
	hx_attrf(h, "viewBox", "0 0 %.0f %.0f", SVG_W, g.bottom + 28);
	hx_attr(h, "role", "img");
	hx_open(h, "title");
	hx_text(h, "timeline of ");
	hx_text(h, title);
	hx_close(h);
	for (int l = 0; l < TL_NLANES; l++)
		draw_lane(h, &g, tl, (enum tl_lane)l);
	draw_axis(h, &g);
	draw_verdict(h, &g, tl);
	hx_close(h);
}
