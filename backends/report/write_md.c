/*
 * write_md.c - the report as Markdown (GitHub tables): summary, category
 * summary, ranked bottlenecks with Path A / Path B, every op, and the pass
 * summary. Same sections and numbers as the JSON and HTML (docs/report.md).
 */
#include <string.h>

#include "backends/report/report_impl.h"

/* Text in a table cell: '|' and newlines would break the row. */
static void cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else
			fputc(*s == '\n' ? ' ' : *s, f);
	}
}

static void pct(FILE *f, double x)
{
	if (x < 0)
		fputs("n/a", f);
	else
		fprintf(f, "%.1f%%", x * 100);
}

static void ms(FILE *f, double x)
{
	if (x < 0)
		fputs("n/a", f);
	else
		fprintf(f, "%.3f", x);
}

static void summary(const rp_report *r, FILE *f)
{
	const cv_report_input *in = r->in;
	const cv_roofline *rl = &in->roofline;

	fprintf(f, "# convc performance report: %s\n\n", in->model_path ? in->model_path : in->module->name);
	fprintf(f, "- pipeline: `%s`\n", in->pipeline && *in->pipeline ? in->pipeline : "(none)");
	fprintf(f, "- roofline `%s`: %d cores x %.1f GFLOP/s = %.1f GFLOP/s peak, %.1f GB/s, "
		"ridge %.2f FLOP/B (%s)\n", rl->name ? rl->name : "?", rl->cores, rl->peak_flops / 1e9,
		r->peak / 1e9, rl->bandwidth / 1e9, r->ridge, rl->source ? rl->source : "no source given");
	if (r->profiled)
		fprintf(f, "- profile: %d of %d ops measured, %.3f ms measured in all; %d profile "
			"entr%s matched no op\n", r->matched, r->num_ops, r->meas_ms, r->num_unmatched,
			r->num_unmatched == 1 ? "y" : "ies");
	else
		fprintf(f, "- profile: none (times are the roofline's predictions; efficiency is "
			"n/a and the ranking uses time shares and patterns only)\n");
	fprintf(f, "- %d ops, %.3f GFLOP, %.2f MB moved, predicted %.3f ms", r->num_ops,
		r->flops / 1e9, r->bytes / 1e6, r->pred_ms);
	if (r->profiled)
		fprintf(f, ", measured %.3f ms (%.1f%% of the roofline)", r->meas_ms,
			r->meas_ms > 0 ? 100 * r->pred_ms / r->meas_ms : 0.0);
	fputs("\n\n", f);
}

static void categories(const rp_report *r, FILE *f)
{
	int i;

	fputs("## Where the time goes, by category\n\n"
	      "| category | ops | share of time | GFLOP | MB | predicted ms | measured ms | efficiency |\n"
	      "|---|---:|---:|---:|---:|---:|---:|---:|\n", f);
	for (i = 0; i < RP_CATEGORY_COUNT; i++) {
		const rp_catsum *c = &r->cats[i];
		if (!c->count)
			continue;
		fprintf(f, "| %s | %d | ", rp_category_name((rp_category)i), c->count);
		pct(f, c->share);
		fprintf(f, " | %.3f | %.2f | %.3f | ", c->flops / 1e9, c->bytes / 1e6, c->pred_ms);
		ms(f, r->profiled ? c->meas_ms : -1);
		fputs(" | ", f);
		pct(f, c->eff);
		fputs(" |\n", f);
	}
	fputs("\n", f);
}

static void finding_title(const rp_report *r, const rp_finding *fd, FILE *f)
{
	if (fd->kind == RP_FIND_OP)
		fprintf(f, "%s `%s`", cv_op_name(r->ops[fd->op].node->op), r->ops[fd->op].label);
	else
		fprintf(f, "pattern: %s (%d ops)", rp_finding_kind_name(fd->kind), fd->count);
}

static void bottlenecks(const rp_report *r, FILE *f)
{
	int i;

	fputs("## Bottlenecks, ranked\n\n", f);
	if (!r->num_findings)
		fputs("Nothing stands out.\n\n", f);
	for (i = 0; i < r->num_findings; i++) {
		const rp_finding *fd = &r->findings[i];
		fprintf(f, "### %d. %s: ", i + 1, rp_severity_name(fd->sev));
		finding_title(r, fd, f);
		fputs("\n\n- share of time: ", f);
		pct(f, fd->share);
		fputs(", efficiency: ", f);
		pct(f, fd->eff);
		fprintf(f, "\n- %s\n- **Path A (graph):** %s\n- **Path B (kernel):** %s\n\n", fd->what,
			fd->path_a, fd->path_b);
	}
}

static void op_row(const rp_report *r, const rp_op *o, int i, FILE *f)
{
	char shapes[1024];

	fprintf(f, "| %d | ", i);
	cell(f, o->label);
	fprintf(f, " | %s | %s | ", cv_op_name(o->node->op), rp_category_name(o->cat));
	cell(f, rp_shapes_text(o->node, shapes, sizeof shapes));
	fprintf(f, " | %.3f | %.3f | %.2f | %s | %.4f | ", o->flops / 1e6, o->bytes / 1e6, o->ai,
		o->compute_bound ? "compute" : "memory", o->pred_ms);
	ms(f, o->meas_ms);
	fputs(" | ", f);
	pct(f, o->eff);
	fputs(" | ", f);
	pct(f, o->share);
	fprintf(f, " | %s |\n", rp_severity_name(o->sev));
}

static void ops(const rp_report *r, FILE *f)
{
	int i;

	fputs("## Ops\n\n"
	      "| # | op name | op | category | shapes and layouts | MFLOP | MB | AI FLOP/B | bound "
	      "| predicted ms | measured ms | efficiency | share | severity |\n"
	      "|---:|---|---|---|---|---:|---:|---:|---|---:|---:|---:|---:|---|\n", f);
	for (i = 0; i < r->num_ops; i++)
		op_row(r, &r->ops[i], i, f);
	fputs("\n", f);
}

static void stats_cell(const cv_pass_stats *s, FILE *f)
{
	int i;

	for (i = 0; i < s->count; i++)
		fprintf(f, "%s%s=%lld", i ? ", " : "", s->names[i], s->values[i]);
}

static void passes(const rp_report *r, FILE *f)
{
	const cv_pass_history *h = r->in->history;
	const rp_passes *p = &r->passes;
	int i;

	fputs("## Passes\n\n", f);
	if (!h) {
		fputs("No pass history was recorded for this report.\n\n", f);
		return;
	}
	fputs("| # | pass | nodes before | nodes after | transposes before | transposes after "
	      "| ms | stats | IR changed |\n|---:|---|---:|---:|---:|---:|---:|---|---|\n", f);
	for (i = 0; i < h->count; i++) {
		const cv_pass_record *pr = &h->passes[i];
		fprintf(f, "| %d | %s | %d | %d | %d | %d | %.3f | ", i + 1, pr->name,
			pr->nodes_before, pr->nodes_after, pr->transposes_before,
			pr->transposes_after, pr->ms);
		stats_cell(&pr->stats, f);
		fprintf(f, " | %s |\n", pr->diff && *pr->diff ? "yes" : "no");
	}
	fprintf(f, "\n- passes took %.3f ms in all\n- batchnorms folded into convs: %lld "
		"(converted to scale/shift: %lld)\n- depthwise convs routed to the pool-style "
		"kernel: %lld\n", p->total_ms, p->bn_folded, p->bn_converted, p->dw_routed);
	if (p->transposes_before_cl >= 0)
		fprintf(f, "- transposes around channels-last: %d before, %d after\n",
			p->transposes_before_cl, p->transposes_after_cl);
	else
		fputs("- channels-last did not run\n", f);
	fprintf(f, "- reshards in the final graph: %d\n\nPer-pass IR diffs are in the JSON "
		"(`passes.list[].diff`) and HTML reports.\n", p->reshards);
}

int rp_write_md(const rp_report *r, FILE *f)
{
	summary(r, f);
	categories(r, f);
	bottlenecks(r, f);
	ops(r, f);
	passes(r, f);
	return ferror(f) ? -1 : 0;
}
