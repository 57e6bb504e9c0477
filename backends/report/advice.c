/*
 * advice.c - the ranked bottlenecks and what to do about each.
 *
 * Ranking (docs/report.md), with share = the op's fraction of the time
 * (measured when profiled, else predicted) and eff = its efficiency (only
 * with a profile; "n/a" otherwise, and then no rule on eff fires):
 *   Critical  share > 15% and eff < 30%
 *   High      share > 10% or eff < 40%
 *   Medium    share > 5%, or a pattern: >= 8 tiny GEMMs (gemm or pointwise,
 *             each < 1 MFLOP), any layout transposes, any reshards
 *   Low       the rest
 * A pattern is ranked like an op on its summed share (never below Medium).
 * Each finding carries a Path A (graph: fuse, change layout, batch, reshard
 * less) and a Path B (kernel: tiling, vectorization, blocking), both built
 * from the op's own numbers and neighbours.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "backends/report/advice_text.h"

#define TINY_GEMM_FLOPS 1e6
#define TINY_GEMM_MIN_COUNT 8
#define LOW_LISTED_SHARE 0.01
#define LOW_LISTED_MAX 10

static rp_severity rank_of(double share, double eff)
{
	if (eff >= 0 && share > 0.15 && eff < 0.30)
		return RP_CRITICAL;
	if (share > 0.10 || (eff >= 0 && eff < 0.40))
		return RP_HIGH;
	if (share > 0.05)
		return RP_MEDIUM;
	return RP_LOW;
}

const char *rp_finding_kind_name(rp_finding_kind k)
{
	static const char *const names[] = { "op", "tiny-gemms", "layout-transposes", "reshards" };

	return (unsigned)k <= RP_FIND_RESHARDS ? names[k] : "?";
}

void tb_printf(tb *t, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (t->off >= t->size)
		return;
	va_start(ap, fmt);
	k = vsnprintf(t->buf + t->off, t->size - t->off, fmt, ap);
	va_end(ap);
	if (k > 0)
		t->off += (size_t)k;
}

static void describe_op(const rp_report *r, const rp_op *o, rp_finding *f)
{
	tb t = { f->what, sizeof f->what, 0 };

	tb_printf(&t, "%s %s: %.3g MFLOP, %.3g MB, AI %.2f FLOP/B %s the ridge %.2f: %s-bound, "
		  "predicted %.3f ms",
		  rp_category_name(o->cat), cv_op_name(o->node->op), o->flops / 1e6, o->bytes / 1e6,
		  o->ai, o->ai < r->ridge ? "below" : "above", r->ridge,
		  o->compute_bound ? "compute" : "memory", o->pred_ms);
	if (o->meas_ms >= 0)
		tb_printf(&t, ", measured %.3f ms (%.0f%% of %s)", o->meas_ms, o->eff * 100,
			  o->compute_bound ? "peak FLOP/s" : "bandwidth");
	tb_printf(&t, "; %.1f%% of the time", o->share * 100);
}

static cv_status add_finding(rp_report *r, const rp_finding *f, int *cap, cv_diag *d)
{
	if (r->num_findings == *cap) {
		int ncap = *cap ? *cap * 2 : 32;
		rp_finding *p = realloc(r->findings, (size_t)ncap * sizeof *p);
		if (!p)
			return cv_diag_error(d, CV_ERR_NOMEM, "report: out of memory");
		r->findings = p;
		*cap = ncap;
	}
	r->findings[r->num_findings++] = *f;
	return CV_OK;
}

static cv_status op_finding(rp_report *r, int i, int *cap, cv_diag *d)
{
	const rp_op *o = &r->ops[i];
	rp_finding f;

	memset(&f, 0, sizeof f);
	f.kind = RP_FIND_OP;
	f.op = i;
	f.sev = o->sev;
	f.count = 1;
	f.share = o->share;
	f.time_ms = o->time_ms;
	f.bytes = o->bytes;
	f.eff = o->eff;
	describe_op(r, o, &f);
	rp_advise_graph(r, o, f.path_a, sizeof f.path_a);
	rp_advise_kernel(r, o, f.path_b, sizeof f.path_b);
	return add_finding(r, &f, cap, d);
}

/* Sum the pattern's members (ops selected by `member`) into f. */
static void pattern_totals(const rp_report *r, int (*member)(const rp_op *), rp_finding *f)
{
	double pred = 0, meas = 0;
	int i, all_measured = 1;

	for (i = 0; i < r->num_ops; i++) {
		const rp_op *o = &r->ops[i];
		if (!member(o))
			continue;
		f->count++;
		f->share += o->share;
		f->time_ms += o->time_ms;
		f->bytes += o->bytes;
		pred += o->pred_ms;
		meas += o->meas_ms >= 0 ? o->meas_ms : 0;
		all_measured &= o->meas_ms >= 0;
	}
	f->eff = all_measured && meas > 0 ? pred / meas : -1;
	f->op = -1;
	f->sev = rank_of(f->share, f->eff);
	if (f->sev == RP_LOW)
		f->sev = RP_MEDIUM;
}

static int is_tiny_gemm(const rp_op *o)
{
	return (o->cat == RP_GEMM || o->cat == RP_POINTWISE) && o->flops < TINY_GEMM_FLOPS;
}

static int is_transpose(const rp_op *o)
{
	return o->node->op == CV_OP_TRANSPOSE;
}

static int is_reshard(const rp_op *o)
{
	return o->node->op == CV_OP_RESHARD;
}

static cv_status pattern_findings(rp_report *r, int *cap, cv_diag *d)
{
	static const struct {
		rp_finding_kind kind;
		int (*member)(const rp_op *);
		int min_count;
	} patterns[] = {
		{ RP_FIND_TINY_GEMMS, is_tiny_gemm, TINY_GEMM_MIN_COUNT },
		{ RP_FIND_TRANSPOSES, is_transpose, 1 },
		{ RP_FIND_RESHARDS, is_reshard, 1 },
	};
	size_t k;
	cv_status s;

	for (k = 0; k < sizeof patterns / sizeof patterns[0]; k++) {
		rp_finding f;
		memset(&f, 0, sizeof f);
		f.kind = patterns[k].kind;
		pattern_totals(r, patterns[k].member, &f);
		if (f.count < patterns[k].min_count)
			continue;
		rp_advise_pattern(r, &f, patterns[k].member);
		if ((s = add_finding(r, &f, cap, d)) != CV_OK)
			return s;
	}
	return CV_OK;
}

static int finding_cmp(const void *a, const void *b)
{
	const rp_finding *x = a, *y = b;

	if (x->sev != y->sev)
		return x->sev < y->sev ? -1 : 1;
	if (x->share != y->share)
		return x->share > y->share ? -1 : 1;
	return x->op < y->op ? -1 : x->op > y->op;
}

/* Index order of ops by time, longest first (for the Low ops listed). */
static int time_cmp(const void *a, const void *b)
{
	const rp_op *x = *(const rp_op *const *)a, *y = *(const rp_op *const *)b;

	if (x->time_ms != y->time_ms)
		return x->time_ms > y->time_ms ? -1 : 1;
	return x < y ? -1 : x > y;
}

static cv_status low_findings(rp_report *r, int *cap, cv_diag *d)
{
	const rp_op **by_time;
	int i, listed = 0;
	cv_status s = CV_OK;

	by_time = malloc((r->num_ops ? (size_t)r->num_ops : 1) * sizeof *by_time);
	if (!by_time)
		return cv_diag_error(d, CV_ERR_NOMEM, "report: out of memory");
	for (i = 0; i < r->num_ops; i++)
		by_time[i] = &r->ops[i];
	qsort(by_time, (size_t)r->num_ops, sizeof *by_time, time_cmp);
	for (i = 0; i < r->num_ops && listed < LOW_LISTED_MAX && s == CV_OK; i++) {
		if (by_time[i]->sev != RP_LOW || by_time[i]->share < LOW_LISTED_SHARE)
			continue;
		s = op_finding(r, (int)(by_time[i] - r->ops), cap, d);
		listed++;
	}
	free(by_time);
	return s;
}

cv_status rp_rank(rp_report *r, cv_diag *d)
{
	int i, cap = 0;
	cv_status s;

	for (i = 0; i < r->num_ops; i++)
		r->ops[i].sev = rank_of(r->ops[i].share, r->ops[i].eff);
	for (i = 0; i < r->num_ops; i++)
		if (r->ops[i].sev != RP_LOW && (s = op_finding(r, i, &cap, d)) != CV_OK)
			return s;
	if ((s = low_findings(r, &cap, d)) != CV_OK || (s = pattern_findings(r, &cap, d)) != CV_OK)
		return s;
	if (r->num_findings)
		qsort(r->findings, (size_t)r->num_findings, sizeof *r->findings, finding_cmp);
	return CV_OK;
}
