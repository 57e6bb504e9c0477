/*
 * html_plot.c - the HTML report's pictures: the roofline plot (inline SVG,
 * log-log: arithmetic intensity in FLOP/B against FLOP/s, the memory roof
 * bandwidth x AI up to the ridge, the compute roof peak after it, one
 * circle per op coloured by category, a <title> tooltip each) and the
 * per-op time bars.
 *
 * An op's point is its achieved FLOP/s: FLOPs / measured time when
 * profiled, else FLOPs / predicted time (which sits on the roof). Ops
 * without FLOPs (data movement) have no place on a log axis: they are
 * drawn hollow in the bottom-left corner (their tooltips still tell them
 * apart).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backends/report/html_impl.h"

#define PLOT_W 760.0
#define PLOT_H 460.0
#define M_LEFT 80.0
#define M_RIGHT 150.0
#define M_TOP 20.0
#define M_BOTTOM 50.0
#define TOP_BARS 30

typedef struct axes {
	double x0, x1, y0, y1; /* log10 of the ranges */
} axes;

static double px(const axes *a, double ai)
{
	return M_LEFT + (log10(ai) - a->x0) / (a->x1 - a->x0) * (PLOT_W - M_LEFT - M_RIGHT);
}

static double py(const axes *a, double flops)
{
	return PLOT_H - M_BOTTOM - (log10(flops) - a->y0) / (a->y1 - a->y0) * (PLOT_H - M_TOP - M_BOTTOM);
}

static double achieved(const rp_op *o)
{
	return o->time_ms > 0 ? o->flops / (o->time_ms * 1e-3) : 0;
}

/* Decade-aligned ranges covering every op, the ridge and the roofs. */
static axes axes_for(const rp_report *r)
{
	double lo_x = r->ridge / 10, hi_x = r->ridge * 10, lo_y = r->peak / 1e3, hi_y = r->peak;
	axes a;
	int i;

	for (i = 0; i < r->num_ops; i++) {
		const rp_op *o = &r->ops[i];
		double y = achieved(o);
		if (o->ai <= 0 || y <= 0)
			continue;
		lo_x = fmin(lo_x, o->ai);
		hi_x = fmax(hi_x, o->ai);
		lo_y = fmin(lo_y, y);
		hi_y = fmax(hi_y, y);
	}
	a.x0 = floor(log10(fmax(lo_x, 1e-4)));
	a.x1 = ceil(log10(hi_x * 1.01));
	a.y0 = floor(log10(fmax(lo_y, 1e3)));
	a.y1 = ceil(log10(hi_y * 1.01));
	return a;
}

static void line(hw *h, double x1, double y1, double x2, double y2, const char *cls)
{
	hw_start(h, "line");
	hw_attr(h, "x1", "%.1f", x1);
	hw_attr(h, "y1", "%.1f", y1);
	hw_attr(h, "x2", "%.1f", x2);
	hw_attr(h, "y2", "%.1f", y2);
	hw_attr(h, "class", "%s", cls);
	hw_end(h);
}

static void label(hw *h, double x, double y, const char *anchor, const char *cls, const char *text)
{
	hw_start(h, "text");
	hw_attr(h, "x", "%.1f", x);
	hw_attr(h, "y", "%.1f", y);
	hw_attr(h, "text-anchor", "%s", anchor);
	hw_attr(h, "class", "%s", cls);
	hw_text(h, "%s", text);
	hw_end(h);
}

static void grid(hw *h, const axes *a)
{
	double xb = PLOT_W - M_RIGHT, yb = PLOT_H - M_BOTTOM;
	char buf[64];
	int k;

	for (k = (int)a->x0; k <= (int)a->x1; k++) {
		double x = px(a, pow(10, k));
		line(h, x, M_TOP, x, yb, "grid");
		snprintf(buf, sizeof buf, "%g", pow(10, k));
		label(h, x, yb + 16, "middle", "tick", buf);
	}
	for (k = (int)a->y0; k <= (int)a->y1; k++) {
		double y = py(a, pow(10, k));
		line(h, M_LEFT, y, xb, y, "grid");
		snprintf(buf, sizeof buf, "%g", pow(10, k) / 1e9);
		label(h, M_LEFT - 6, y + 4, "end", "tick", buf);
	}
	line(h, M_LEFT, yb, xb, yb, "axis");
	line(h, M_LEFT, M_TOP, M_LEFT, yb, "axis");
	label(h, (M_LEFT + xb) / 2, PLOT_H - 10, "middle", "axis-label",
	      "arithmetic intensity (FLOP/byte)");
	hw_start(h, "text");
	hw_attr(h, "transform", "translate(18,%.1f) rotate(-90)", (M_TOP + yb) / 2);
	hw_attr(h, "text-anchor", "middle");
	hw_attr(h, "class", "axis-label");
	hw_text(h, "performance (GFLOP/s)");
	hw_end(h);
}

static void roofs(hw *h, const rp_report *r, const axes *a)
{
	double bw = r->in->roofline.bandwidth, xmin = pow(10, a->x0), ymin = pow(10, a->y0);
	double start = fmax(xmin, ymin / bw), xr = px(a, r->ridge), yr = py(a, r->peak);
	char buf[96];

	line(h, px(a, start), py(a, bw * start), xr, yr, "roof");
	line(h, xr, yr, PLOT_W - M_RIGHT, yr, "roof");
	line(h, xr, yr, xr, PLOT_H - M_BOTTOM, "ridge");
	snprintf(buf, sizeof buf, "peak %.1f GFLOP/s", r->peak / 1e9);
	label(h, PLOT_W - M_RIGHT - 4, yr - 6, "end", "roof-label", buf);
	snprintf(buf, sizeof buf, "%.1f GB/s", bw / 1e9);
	label(h, px(a, start) + 6, py(a, bw * start) - 8, "start", "roof-label", buf);
	snprintf(buf, sizeof buf, "ridge %.2f FLOP/B", r->ridge);
	label(h, xr + 4, PLOT_H - M_BOTTOM - 6, "start", "roof-label", buf);
}

static void point(hw *h, const rp_report *r, const axes *a, const rp_op *o)
{
	double y = achieved(o);
	int placed = o->ai > 0 && y > 0;

	hw_start(h, "circle");
	hw_attr(h, "class", "op%s", placed ? "" : " no-flops");
	hw_attr(h, "cx", "%.1f", placed ? px(a, o->ai) : M_LEFT);
	hw_attr(h, "cy", "%.1f", placed ? fmin(py(a, y), PLOT_H - M_BOTTOM) : PLOT_H - M_BOTTOM);
	hw_attr(h, "r", "%.1f", 3.0 + 6.0 * sqrt(o->share));
	hw_attr(h, placed ? "fill" : "stroke", "%s", rp_category_color(o->cat));
	hw_attr(h, "data-op", "%s", o->label);
	hw_start(h, "title");
	hw_text(h, "%s (%s, %s): AI %.2f FLOP/B, %.2f GFLOP/s %s, %.3f ms, %.1f%% of time, %s-bound",
		o->label, cv_op_name(o->node->op), rp_category_name(o->cat), o->ai, y / 1e9,
		o->meas_ms >= 0 ? "measured" : "predicted", o->time_ms, o->share * 100,
		o->compute_bound ? "compute" : "memory");
	hw_end(h);
	hw_end(h);
}

static void legend(hw *h)
{
	double x = PLOT_W - M_RIGHT + 14, y = M_TOP + 10;
	int c;

	for (c = 0; c < RP_CATEGORY_COUNT; c++, y += 18) {
		hw_start(h, "rect");
		hw_attr(h, "x", "%.1f", x);
		hw_attr(h, "y", "%.1f", y - 9);
		hw_attr(h, "width", "10");
		hw_attr(h, "height", "10");
		hw_attr(h, "fill", "%s", rp_category_color((rp_category)c));
		hw_end(h);
		label(h, x + 16, y, "start", "tick", rp_category_name((rp_category)c));
	}
	label(h, x, y + 6, "start", "tick", "hollow: no FLOPs");
}

void rp_html_roofline(hw *h, const rp_report *r)
{
	axes a = axes_for(r);
	int i;

	hw_start(h, "svg");
	hw_attr(h, "xmlns", "http://www.w3.org/2000/svg");
	hw_attr(h, "id", "roofline");
	hw_attr(h, "width", "%.0f", PLOT_W);
	hw_attr(h, "height", "%.0f", PLOT_H);
	hw_attr(h, "viewBox", "0 0 %.0f %.0f", PLOT_W, PLOT_H);
	hw_attr(h, "role", "img");
	hw_elem(h, "title", "Roofline: %d ops against %s", r->num_ops,
		r->in->roofline.name ? r->in->roofline.name : "the target");
	grid(h, &a);
	roofs(h, r, &a);
	for (i = 0; i < r->num_ops; i++)
		point(h, r, &a, &r->ops[i]);
	legend(h);
	hw_end(h);
}

static int by_time(const void *x, const void *y)
{
	const rp_op *a = *(const rp_op *const *)x, *b = *(const rp_op *const *)y;

	if (a->time_ms != b->time_ms)
		return a->time_ms > b->time_ms ? -1 : 1;
	return a < b ? -1 : a > b;
}

static void bar_row(hw *h, const rp_report *r, const rp_op *o, double max_ms)
{
	hw_start(h, "tr");
	hw_elem_class(h, "td", "name", "%s", o->label);
	hw_start(h, "td");
	hw_attr(h, "class", "barcell");
	hw_start(h, "div");
	hw_attr(h, "class", "bar");
	hw_attr(h, "style", "width:%.2f%%;background:%s", max_ms > 0 ? 100 * o->time_ms / max_ms : 0,
		rp_category_color(o->cat));
	hw_attr(h, "title", "%s: %.3f ms", rp_category_name(o->cat), o->time_ms);
	hw_end(h);
	if (o->meas_ms >= 0) { /* the roofline's time, for comparison */
		hw_start(h, "div");
		hw_attr(h, "class", "bar pred");
		hw_attr(h, "style", "width:%.2f%%", max_ms > 0 ? 100 * o->pred_ms / max_ms : 0);
		hw_attr(h, "title", "roofline %.3f ms", o->pred_ms);
		hw_end(h);
	}
	hw_end(h);
	hw_elem_class(h, "td", "num", "%.3f", o->time_ms);
	hw_elem_class(h, "td", "num", "%.1f%%", o->share * 100);
	hw_end(h);
}

void rp_html_time_bars(hw *h, const rp_report *r)
{
	const rp_op **v = malloc((r->num_ops ? (size_t)r->num_ops : 1) * sizeof *v);
	int i, n = r->num_ops < TOP_BARS ? r->num_ops : TOP_BARS;

	if (!v) {
		h->err = 1;
		return;
	}
	for (i = 0; i < r->num_ops; i++)
		v[i] = &r->ops[i];
	qsort(v, (size_t)r->num_ops, sizeof *v, by_time);
	hw_start(h, "table");
	hw_attr(h, "id", "time-bars");
	hw_start(h, "tr");
	hw_elem(h, "th", "op");
	hw_elem(h, "th", "%s time%s", r->profiled ? "measured" : "predicted",
		r->profiled ? " (grey: roofline)" : "");
	hw_elem(h, "th", "ms");
	hw_elem(h, "th", "share");
	hw_end(h);
	for (i = 0; i < n; i++)
		bar_row(h, r, v[i], v[0]->time_ms);
	hw_end(h);
	free(v);
}
