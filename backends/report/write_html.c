/*
 * write_html.c - the report as one self-contained HTML page, written with
 * libxml2's xmlTextWriter (which escapes every text and attribute): inline
 * CSS, the SVG roofline, per-op time bars, the bottleneck table, the
 * category summary, every op, the pass summary and each pass's IR diff in a
 * <details> block. No script, no network: the page is also well-formed XML.
 */
#include <stdarg.h>
#include <string.h>

#include "backends/report/html_impl.h"

static const char css[] =
	"body{font:14px/1.4 sans-serif;margin:24px;color:#222;max-width:1340px}"
	"h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccc}"
	"table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 6px;"
	"vertical-align:top;text-align:left}th{background:#f3f3f3}td.num{text-align:right;"
	"white-space:nowrap}td.name{max-width:420px;word-break:break-all;font-family:monospace;"
	"font-size:12px}td.barcell{width:560px}div.bar{height:12px;margin:1px 0}div.bar.pred{"
	"height:4px;background:#999}.sev{font-weight:bold;padding:1px 6px;border-radius:3px;color:#fff}"
	".sev-Critical{background:#b00020}.sev-High{background:#e65100}.sev-Medium{background:#c79100}"
	".sev-Low{background:#607d8b}#bottlenecks td{font-size:13px}#bottlenecks td.name{min-width:220px}"
	"svg line.grid{stroke:#eee}svg line.axis{stroke:#444}svg line.roof{stroke:#000;stroke-width:2}"
	"svg line.ridge{stroke:#888;stroke-dasharray:4 3}svg text{font:11px sans-serif}"
	"svg text.axis-label{font-size:13px}svg text.roof-label{font-size:12px;fill:#333}"
	"svg circle.op{fill-opacity:.75;stroke:#333;stroke-width:.5}"
	"svg circle.no-flops{fill:none;stroke-width:1.5}"
	"pre{background:#f8f8f8;padding:8px;overflow:auto;font-size:12px}"
	"pre span.add{color:#1b5e20;background:#e8f5e9}pre span.del{color:#b71c1c;background:#ffebee}"
	"pre span.hunk{color:#0d47a1}details{margin:4px 0}summary{cursor:pointer}";

static const char *const colors[RP_CATEGORY_COUNT] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
};

const char *rp_category_color(rp_category c)
{
	return (unsigned)c < RP_CATEGORY_COUNT ? colors[c] : "#000";
}

/* ---- the writer layer ---- */

void hw_start(hw *h, const char *element)
{
	if (xmlTextWriterStartElement(h->w, BAD_CAST element) < 0)
		h->err = 1;
}

void hw_end(hw *h)
{
	if (xmlTextWriterFullEndElement(h->w) < 0)
		h->err = 1;
}

void hw_attr(hw *h, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (xmlTextWriterWriteVFormatAttribute(h->w, BAD_CAST name, fmt, ap) < 0)
		h->err = 1;
	va_end(ap);
}

static void hw_vtext(hw *h, const char *fmt, va_list ap)
{
	if (xmlTextWriterWriteVFormatString(h->w, fmt, ap) < 0)
		h->err = 1;
}

void hw_text(hw *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hw_vtext(h, fmt, ap);
	va_end(ap);
}

void hw_elem(hw *h, const char *element, const char *fmt, ...)
{
	va_list ap;

	hw_start(h, element);
	va_start(ap, fmt);
	hw_vtext(h, fmt, ap);
	va_end(ap);
	hw_end(h);
}

void hw_elem_class(hw *h, const char *element, const char *cls, const char *fmt, ...)
{
	va_list ap;

	hw_start(h, element);
	hw_attr(h, "class", "%s", cls);
	va_start(ap, fmt);
	hw_vtext(h, fmt, ap);
	va_end(ap);
	hw_end(h);
}

/* A percentage cell, or n/a. */
static void pct_cell(hw *h, double x)
{
	if (x < 0)
		hw_elem_class(h, "td", "num", "n/a");
	else
		hw_elem_class(h, "td", "num", "%.1f%%", x * 100);
}

static void header_row(hw *h, const char *const *names)
{
	hw_start(h, "tr");
	for (; *names; names++)
		hw_elem(h, "th", "%s", *names);
	hw_end(h);
}

/* ---- sections ---- */

static void head(hw *h, const rp_report *r)
{
	const char *model = r->in->model_path ? r->in->model_path : r->in->module->name;

	if (xmlTextWriterWriteDTD(h->w, BAD_CAST "html", NULL, NULL, NULL) < 0)
		h->err = 1;
	hw_start(h, "html");
	hw_attr(h, "lang", "en");
	hw_start(h, "head");
	hw_start(h, "meta");
	hw_attr(h, "charset", "utf-8");
	if (xmlTextWriterEndElement(h->w) < 0) /* <meta/>: a void element */
		h->err = 1;
	hw_elem(h, "title", "convc report: %s", model);
	hw_elem(h, "style", "%s", css);
	hw_end(h);
	hw_start(h, "body");
	hw_elem(h, "h1", "convc performance report: %s", model);
}

static void summary(hw *h, const rp_report *r)
{
	const cv_roofline *rl = &r->in->roofline;

	hw_start(h, "ul");
	hw_attr(h, "id", "summary");
	hw_elem(h, "li", "pipeline: %s", r->in->pipeline && *r->in->pipeline ? r->in->pipeline : "(none)");
	hw_elem(h, "li", "roofline %s: %d cores x %.1f GFLOP/s = %.1f GFLOP/s peak, %.1f GB/s, "
		"ridge %.2f FLOP/B (%s)", rl->name ? rl->name : "?", rl->cores, rl->peak_flops / 1e9,
		r->peak / 1e9, rl->bandwidth / 1e9, r->ridge, rl->source ? rl->source : "no source");
	if (r->profiled)
		hw_elem(h, "li", "profile: %d of %d ops measured, %.3f ms in all (%.1f%% of the "
			"roofline); %d entries matched no op", r->matched, r->num_ops, r->meas_ms,
			r->meas_ms > 0 ? 100 * r->pred_ms / r->meas_ms : 0.0, r->num_unmatched);
	else
		hw_elem(h, "li", "profile: none: times are the roofline's predictions, efficiency "
			"is n/a and the ranking uses time shares and patterns only");
	hw_elem(h, "li", "%d ops, %.3f GFLOP, %.2f MB moved, predicted %.3f ms", r->num_ops,
		r->flops / 1e9, r->bytes / 1e6, r->pred_ms);
	hw_end(h);
}

static void finding_row(hw *h, const rp_report *r, int i)
{
	const rp_finding *f = &r->findings[i];

	hw_start(h, "tr");
	hw_elem_class(h, "td", "num", "%d", i + 1);
	hw_start(h, "td");
	hw_start(h, "span");
	hw_attr(h, "class", "sev sev-%s", rp_severity_name(f->sev));
	hw_text(h, "%s", rp_severity_name(f->sev));
	hw_end(h);
	hw_end(h);
	if (f->kind == RP_FIND_OP)
		hw_elem_class(h, "td", "name", "%s", r->ops[f->op].label);
	else
		hw_elem_class(h, "td", "name", "pattern: %s (%d ops)", rp_finding_kind_name(f->kind),
			      f->count);
	pct_cell(h, f->share);
	pct_cell(h, f->eff);
	hw_elem(h, "td", "%s", f->what);
	hw_elem(h, "td", "%s", f->path_a);
	hw_elem(h, "td", "%s", f->path_b);
	hw_end(h);
}

static void bottlenecks(hw *h, const rp_report *r)
{
	static const char *const cols[] = { "#", "severity", "op", "share of time", "efficiency",
					    "diagnosis", "Path A (graph)", "Path B (kernel)", NULL };
	int i;

	hw_elem(h, "h2", "Bottlenecks, ranked");
	hw_start(h, "table");
	hw_attr(h, "id", "bottlenecks");
	header_row(h, cols);
	for (i = 0; i < r->num_findings; i++)
		finding_row(h, r, i);
	hw_end(h);
}

static void categories(hw *h, const rp_report *r)
{
	static const char *const cols[] = { "category", "ops", "share of time", "GFLOP", "MB",
					    "predicted ms", "measured ms", "efficiency", NULL };
	int i;

	hw_elem(h, "h2", "Where the time goes, by category");
	hw_start(h, "table");
	hw_attr(h, "id", "categories");
	header_row(h, cols);
	for (i = 0; i < RP_CATEGORY_COUNT; i++) {
		const rp_catsum *c = &r->cats[i];
		if (!c->count)
			continue;
		hw_start(h, "tr");
		hw_elem(h, "td", "%s", rp_category_name((rp_category)i));
		hw_elem_class(h, "td", "num", "%d", c->count);
		pct_cell(h, c->share);
		hw_elem_class(h, "td", "num", "%.3f", c->flops / 1e9);
		hw_elem_class(h, "td", "num", "%.2f", c->bytes / 1e6);
		hw_elem_class(h, "td", "num", "%.3f", c->pred_ms);
		if (r->profiled)
			hw_elem_class(h, "td", "num", "%.3f", c->meas_ms);
		else
			hw_elem_class(h, "td", "num", "n/a");
		pct_cell(h, c->eff);
		hw_end(h);
	}
	hw_end(h);
}

static void op_row(hw *h, const rp_op *o, int i)
{
	char shapes[1024];

	hw_start(h, "tr");
	hw_elem_class(h, "td", "num", "%d", i);
	hw_elem_class(h, "td", "name", "%s", o->label);
	hw_elem(h, "td", "%s", cv_op_name(o->node->op));
	hw_elem(h, "td", "%s", rp_category_name(o->cat));
	hw_elem_class(h, "td", "name", "%s", rp_shapes_text(o->node, shapes, sizeof shapes));
	hw_elem_class(h, "td", "num", "%.3f", o->flops / 1e6);
	hw_elem_class(h, "td", "num", "%.3f", o->bytes / 1e6);
	hw_elem_class(h, "td", "num", "%.2f", o->ai);
	hw_elem(h, "td", "%s", o->compute_bound ? "compute" : "memory");
	hw_elem_class(h, "td", "num", "%.4f", o->pred_ms);
	if (o->meas_ms >= 0)
		hw_elem_class(h, "td", "num", "%.4f", o->meas_ms);
	else
		hw_elem_class(h, "td", "num", "n/a");
	pct_cell(h, o->eff);
	pct_cell(h, o->share);
	hw_elem(h, "td", "%s", rp_severity_name(o->sev));
	hw_end(h);
}

static void ops(hw *h, const rp_report *r)
{
	static const char *const cols[] = { "#", "name", "op", "category", "shapes and layouts",
					    "MFLOP", "MB", "AI FLOP/B", "bound", "predicted ms",
					    "measured ms", "efficiency", "share", "severity", NULL };
	int i;

	hw_elem(h, "h2", "Ops");
	hw_start(h, "details");
	hw_elem(h, "summary", "all %d ops with shapes, FLOPs, bytes and roofline", r->num_ops);
	hw_start(h, "table");
	hw_attr(h, "id", "ops");
	header_row(h, cols);
	for (i = 0; i < r->num_ops; i++)
		op_row(h, &r->ops[i], i);
	hw_end(h);
	hw_end(h);
}

/* The diff in a <pre>, one span per added / removed / hunk line. */
static void diff_pre(hw *h, const char *diff)
{
	const char *p = diff;

	hw_start(h, "pre");
	hw_attr(h, "class", "diff");
	while (*p) {
		const char *eol = strchr(p, '\n');
		int len = eol ? (int)(eol - p + 1) : (int)strlen(p);
		const char *cls = !strncmp(p, "@@", 2) ? "hunk"
				  : (*p == '+' && strncmp(p, "+++", 3)) ? "add"
				  : (*p == '-' && strncmp(p, "---", 3)) ? "del" : NULL;
		if (cls)
			hw_elem_class(h, "span", cls, "%.*s", len, p);
		else
			hw_text(h, "%.*s", len, p);
		p += len;
	}
	hw_end(h);
}

static void pass_row(hw *h, const cv_pass_record *p, int i)
{
	int k;

	hw_start(h, "tr");
	hw_elem_class(h, "td", "num", "%d", i + 1);
	hw_elem(h, "td", "%s", p->name);
	hw_elem_class(h, "td", "num", "%d", p->nodes_before);
	hw_elem_class(h, "td", "num", "%d", p->nodes_after);
	hw_elem_class(h, "td", "num", "%d", p->transposes_before);
	hw_elem_class(h, "td", "num", "%d", p->transposes_after);
	hw_elem_class(h, "td", "num", "%.3f", p->ms);
	hw_start(h, "td");
	for (k = 0; k < p->stats.count; k++)
		hw_text(h, "%s%s=%lld", k ? ", " : "", p->stats.names[k], p->stats.values[k]);
	hw_end(h);
	hw_end(h);
}

static void pass_highlights(hw *h, const rp_report *r)
{
	const rp_passes *p = &r->passes;

	hw_start(h, "ul");
	hw_attr(h, "id", "pass-highlights");
	hw_elem(h, "li", "passes took %.3f ms in all", p->total_ms);
	hw_elem(h, "li", "batchnorms folded into convs: %lld (converted to scale/shift: %lld)",
		p->bn_folded, p->bn_converted);
	hw_elem(h, "li", "depthwise convs routed to the pool-style kernel: %lld", p->dw_routed);
	if (p->transposes_before_cl >= 0)
		hw_elem(h, "li", "transposes around channels-last: %d before, %d after",
			p->transposes_before_cl, p->transposes_after_cl);
	else
		hw_elem(h, "li", "channels-last did not run");
	hw_elem(h, "li", "reshards in the final graph: %d", p->reshards);
	hw_end(h);
}

static void passes(hw *h, const rp_report *r)
{
	static const char *const cols[] = { "#", "pass", "nodes before", "nodes after",
					    "transposes before", "transposes after", "ms", "stats", NULL };
	const cv_pass_history *hist = r->in->history;
	int i;

	hw_elem(h, "h2", "Passes");
	if (!hist) {
		hw_elem(h, "p", "No pass history was recorded for this report.");
		return;
	}
	hw_start(h, "table");
	hw_attr(h, "id", "passes");
	header_row(h, cols);
	for (i = 0; i < hist->count; i++)
		pass_row(h, &hist->passes[i], i);
	hw_end(h);
	pass_highlights(h, r);
	for (i = 0; i < hist->count; i++) {
		const cv_pass_record *p = &hist->passes[i];
		hw_start(h, "details");
		hw_attr(h, "class", "pass-diff");
		hw_elem(h, "summary", "IR diff after %d. %s%s", i + 1, p->name,
			p->diff && *p->diff ? "" : " (unchanged)");
		if (p->diff && *p->diff)
			diff_pre(h, p->diff);
		hw_end(h);
	}
}

static void body(hw *h, const rp_report *r)
{
	head(h, r);
	summary(h, r);
	hw_elem(h, "h2", "Roofline");
	rp_html_roofline(h, r);
	hw_elem(h, "h2", "Time per op (top 30)");
	rp_html_time_bars(h, r);
	bottlenecks(h, r);
	categories(h, r);
	ops(h, r);
	passes(h, r);
	hw_end(h); /* body */
	hw_end(h); /* html */
}

cv_status rp_write_html(const rp_report *r, FILE *f, cv_diag *d)
{
	xmlBufferPtr buf = xmlBufferCreate();
	hw h = { NULL, 0 };

	if (!buf || !(h.w = xmlNewTextWriterMemory(buf, 0))) {
		xmlBufferFree(buf);
		return cv_diag_error(d, CV_ERR_NOMEM, "report: out of memory starting the HTML");
	}
	body(&h, r);
	if (xmlTextWriterFlush(h.w) < 0)
		h.err = 1;
	xmlFreeTextWriter(h.w);
	if (!h.err && fwrite(xmlBufferContent(buf), 1, (size_t)xmlBufferLength(buf), f) !=
			      (size_t)xmlBufferLength(buf))
		h.err = 1;
	xmlBufferFree(buf);
	return h.err ? cv_diag_error(d, CV_ERR_NOMEM, "report: cannot write the HTML") : CV_OK;
}
