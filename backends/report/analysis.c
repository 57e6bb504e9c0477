/*
 * analysis.c - per-op metrics for the report: category, FLOPs, bytes,
 * arithmetic intensity, roofline time and bound, measured time and
 * efficiency, the category summary and the pass-history highlights.
 *
 * The counting rules (docs/report.md has the table):
 *   conv2d, dwconv2d, conv_transpose2d, gemm, matmul: FLOPs = 2 x MACs
 *     (fused bias and residual epilogues are not counted; a fused
 *     activation is priced apart, see rp_epilogue_ops);
 *   pool2d: one FLOP per window element per output element (+1 for avg);
 *   reduce_mean: one per input element plus one per output element;
 *   elementwise ops: a fixed count per output element (rp_elementwise_cost);
 *   reshape, transpose, concat, split, slice, pad: 0 (data movement).
 *   Bytes = every operand (runtime values and constants) + every result,
 *   numel x dtype size. The roofline time assumes all `cores` cores:
 *   max((FLOPs + epilogue FLOP-equivalents) / (peak_flops x cores),
 *   bytes / bandwidth).
 */
#include <stdlib.h>
#include <string.h>

#include "backends/report/report_impl.h"

static const char *const category_names[RP_CATEGORY_COUNT] = {
	"conv", "depthwise", "pointwise", "gemm", "pool", "elementwise", "layout",
};

const char *rp_category_name(rp_category c)
{
	return (unsigned)c < RP_CATEGORY_COUNT ? category_names[c] : "?";
}

const char *rp_severity_name(rp_severity s)
{
	static const char *const names[] = { "Critical", "High", "Medium", "Low" };

	return (unsigned)s <= RP_LOW ? names[s] : "?";
}

char *rp_type_text(const cv_type *t, char *buf, size_t size)
{
	char tmp[160];

	snprintf(buf, size, "%s %s", cv_type_str(t, tmp, sizeof tmp), cv_layout_name(t->layout));
	return buf;
}

/* Append "name type layout" of v (or "-" when absent) at buf + *off. */
static void append_value(char *buf, size_t size, size_t *off, const char *sep, const cv_value *v)
{
	char t[200];

	if (*off >= size)
		return;
	if (!v)
		*off += (size_t)snprintf(buf + *off, size - *off, "%s-", sep);
	else
		*off += (size_t)snprintf(buf + *off, size - *off, "%s%s", sep,
					 rp_type_text(&v->type, t, sizeof t));
}

char *rp_shapes_text(const cv_node *n, char *buf, size_t size)
{
	size_t off = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < n->num_inputs; i++)
		append_value(buf, size, &off, i ? ", " : "", n->inputs[i]);
	for (i = 0; i < n->num_outputs; i++)
		append_value(buf, size, &off, i ? ", " : " -> ", n->outputs[i]);
	if (n->place.kind != CV_SHARD_NONE && off < size) {
		char p[48];
		snprintf(buf + off, size - off, " on %s, %.1f KiB/core",
			 cv_placement_str(&n->place, p, sizeof p), (double)n->place.mem / 1024.0);
	} else if (n->op == CV_OP_RESHARD && off < size) {
		char from[48], to[48];
		snprintf(buf + off, size - off, " from %s to %s",
			 cv_placement_str(&n->attrs.reshard.from, from, sizeof from),
			 cv_placement_str(&n->attrs.reshard.to, to, sizeof to));
	}
	return buf;
}

/*
 * Operations per element of each activation in cvrt_vmath.h's AVX2 + FMA
 * form, counted in its source: exp is 21 (2 clamps, mul, round, 2 fma for
 * the range reduction, 6 for the degree-6 polynomial by Horner's rule, and
 * 9 to scale by 2^n: convert, shift, sub, 2 adds, 2 shifts, 2 muls);
 * sigmoid is 18 (-|x|, vm_exp_neg's 14, the blend on the sign, add,
 * divide), SiLU one mul
 * more; the others as noted (both branches of a select count). The AVX-512
 * forms of the exp-based three: rp_epilogue_ops_avx512.
 */
int rp_epilogue_ops(int kind)
{
	switch (kind) {
	case CV_ACT_RELU:
		return 1; /* max */
	case CV_ACT_CLIP:
		return 2; /* max, min */
	case CV_ACT_LEAKY_RELU:
		return 3; /* compare, mul, blend */
	case CV_ACT_HARD_SIGMOID:
		return 3; /* fma, max, min */
	case CV_ACT_HARD_SWISH:
		return 4; /* hard-sigmoid and a mul */
	case CV_ACT_SIGMOID:
		return 18; /* -|x|, exp of it (vm_exp_neg: 14), blend on the sign, add, divide */
	case CV_ACT_SILU:
		return 19; /* sigmoid and a mul */
	case CV_ACT_EXP:
		return 21; /* clamps 2, reduction 4, polynomial 6, scaling by 2^n 9 */
	case CV_ACT_MISH:
		return 28; /* exp, e * e + 2e, a divide, clamps and a mul */
	case CV_ACT_LOG:
		return 33; /* exponent split 5, denormal and special cases 9, atanh series 19 */
	case CV_ACT_GELU_TANH:
		return 22; /* the cubic (3), its sigmoid, a mul */
	case CV_ACT_ELU:
		return 37; /* expm1 34 (exp's reduction and polynomial, two scalings), compare, mul, blend */
	case CV_ACT_SELU:
		return 38; /* elu and a mul */
	case CV_ACT_TANH:
		return 37; /* exp + the odd polynomial, divide, selects and the sign */
	case CV_ACT_GELU:
		return 51; /* erfc with its split exp for Phi, the select and the product */
	case CV_ACT_ERF:
		return 59; /* series 12, erfc's fit with the split exp 36, selects and the sign */
	case CV_ACT_SOFTPLUS:
		return 55; /* exp of -|x| (15), log and the log1p correction */
	default:
		return 0;
	}
}

/*
 * The same for cvrt_vmath.h's AVX-512 form of exp, sigmoid and SiLU, which
 * scales by 2^n with one VSCALEFPS and selects on the sign with a mask
 * (movepi32_mask, blend): exp 13 (2 clamps, mul, round, 2 + 6, scalef),
 * sigmoid 17 (-|x|, vm_exp_neg = exp without the upper clamp: 12, mask,
 * blend, add, divide), SiLU 18; rp_epilogue_ops(kind) for the others (an
 * upper bound: they scale by 2^n the same cheaper way).
 */
int rp_epilogue_ops_avx512(int kind)
{
	switch (kind) {
	case CV_ACT_EXP:
		return 13;
	case CV_ACT_SIGMOID:
		return 17;
	case CV_ACT_SILU:
		return 18;
	default:
		return rp_epilogue_ops(kind);
	}
}

const cv_act *rp_fused_act(const cv_node *n)
{
	const cv_act *a = NULL;

	switch (n->op) {
	case CV_OP_CONV2D: case CV_OP_DWCONV2D: case CV_OP_CONV_TRANSPOSE2D:
		a = &n->attrs.conv.act;
		break;
	case CV_OP_CONV3D: case CV_OP_CONV_TRANSPOSE3D:
		a = &n->attrs.conv3d.act;
		break;
	case CV_OP_GEMM:
		a = &n->attrs.gemm.act;
		break;
	case CV_OP_ADD: case CV_OP_SUB: case CV_OP_MUL: case CV_OP_DIV:
		a = &n->attrs.act;
		break;
	default:
		break;
	}
	return a && a->kind != CV_ACT_NONE ? a : NULL;
}

/* Category of a node: the table in docs/report.md. */
static rp_category categorize(const cv_node *n)
{
	switch (n->op) {
	case CV_OP_CONV2D: {
		cv_nchw x = cv_type_nchw(&n->inputs[0]->type);
		cv_oihw w = cv_type_oihw(&n->inputs[1]->type);
		if (n->attrs.conv.group > 1 && n->attrs.conv.group == x.c && w.o == x.c && w.i == 1)
			return RP_DEPTHWISE;
		return w.kh == 1 && w.kw == 1 ? RP_POINTWISE : RP_CONV;
	}
	case CV_OP_CONV_TRANSPOSE2D:
	case CV_OP_CONV3D:
	case CV_OP_CONV_TRANSPOSE3D:
		return RP_CONV;
	case CV_OP_DWCONV2D:
		return RP_DEPTHWISE;
	case CV_OP_GEMM:
	case CV_OP_MATMUL:
		return RP_GEMM;
	case CV_OP_POOL2D:
	case CV_OP_MAXPOOL_INDICES:
	case CV_OP_REDUCE_MEAN:
	case CV_OP_REDUCE_SUM:
	case CV_OP_REDUCE_MAX:
	case CV_OP_REDUCE_MIN:
	case CV_OP_REDUCE_L2:
		return RP_POOL;
	CV_CASE_MOVED_OPS:
	case CV_OP_CAST: /* a conversion moves bytes, it computes nothing */
	case CV_OP_GATHER:
		return RP_LAYOUT;
	case CV_OP_ARGMAX:
	case CV_OP_ARGMIN:
		return RP_POOL; /* a reduction along one axis */
	case CV_OP_BATCHNORM:
	CV_CASE_ACT_OPS:
	case CV_OP_PRELU:
	case CV_OP_NEG:
	case CV_OP_ABS:
	case CV_OP_RECIPROCAL:
	case CV_OP_SQRT:
	case CV_OP_ADD:
	case CV_OP_SUB:
	case CV_OP_MUL:
	case CV_OP_DIV:
	case CV_OP_MAX:
	case CV_OP_MIN:
	case CV_OP_POW:
	case CV_OP_LRN:
	case CV_OP_RESIZE:
	case CV_OP_SOFTMAX:
	case CV_OP_LAYERNORM:
	case CV_OP_EQUAL:
	case CV_OP_LESS:
	case CV_OP_GREATER:
	case CV_OP_LESS_EQUAL:
	case CV_OP_GREATER_EQUAL:
	case CV_OP_NOT:
	case CV_OP_AND:
	case CV_OP_OR:
	case CV_OP_XOR:
	case CV_OP_WHERE:
	case CV_OP_COUNT:
		break;
	}
	return RP_ELEMENTWISE;
}

static void measure_bytes(rp_op *o)
{
	const cv_node *n = o->node;
	int i;

	for (i = 0; i < n->num_inputs; i++) {
		const cv_value *v = n->inputs[i];
		if (v && v->kind == CV_VALUE_CONST)
			o->bytes_weights += cv_value_bytes(v);
		else
			o->bytes_in += cv_value_bytes(v);
	}
	for (i = 0; i < n->num_outputs; i++)
		o->bytes_out += cv_value_bytes(n->outputs[i]);
	o->bytes = o->bytes_in + o->bytes_weights + o->bytes_out;
}

/* The profile entry named `label`, or NULL. */
static const cv_profile_entry *profile_find(const cv_profile *p, const char *label)
{
	int i;

	for (i = 0; p && i < p->count; i++)
		if (!strcmp(p->entries[i].name, label))
			return &p->entries[i];
	return NULL;
}

/* o->node and o->label are set. */
static void analyse_op(rp_report *r, rp_op *o)
{
	const cv_roofline *rl = &r->in->roofline;
	const cv_profile_entry *e;

	o->cat = categorize(o->node);
	o->flops = cv_node_flops(o->node);
	measure_bytes(o);
	o->ai = o->bytes > 0 ? o->flops / o->bytes : 0;
	/* An FMA is 2 FLOPs of the peak, so each vector operation of the
	 * epilogue costs 2 FLOP-equivalents per result element. */
	o->epi = rp_fused_act(o->node);
	if (o->epi)
		o->epi_flops = 2.0 * rp_epilogue_ops(o->epi->kind) *
			       (double)cv_value_numel(o->node->outputs[0]);
	o->compute_ms = (o->flops + o->epi_flops) / r->peak * 1e3;
	o->memory_ms = o->bytes / rl->bandwidth * 1e3;
	o->compute_bound = o->flops + o->epi_flops > 0 && o->compute_ms >= o->memory_ms;
	o->pred_ms = o->compute_bound ? o->compute_ms : o->memory_ms;
	o->meas_ms = o->eff = -1;
	e = profile_find(r->in->profile, o->label);
	if (e) {
		o->meas_ms = e->ms;
		o->eff = e->ms > 0 ? o->pred_ms / e->ms : -1;
		r->matched++;
	}
	o->time_ms = o->meas_ms >= 0 ? o->meas_ms : o->pred_ms;
}

static cv_status find_unmatched(rp_report *r, cv_diag *d)
{
	const cv_profile *p = r->in->profile;
	int i, j;

	if (!p || !p->count)
		return CV_OK;
	r->unmatched = calloc((size_t)p->count, sizeof *r->unmatched);
	if (!r->unmatched)
		return cv_diag_error(d, CV_ERR_NOMEM, "report: out of memory");
	for (i = 0; i < p->count; i++) {
		for (j = 0; j < r->num_ops; j++)
			if (!strcmp(r->ops[j].label, p->entries[i].name))
				break;
		if (j == r->num_ops)
			r->unmatched[r->num_unmatched++] = p->entries[i].name;
	}
	return CV_OK;
}

static void summarize_categories(rp_report *r)
{
	double pred_measured[RP_CATEGORY_COUNT] = { 0 };
	int i;

	for (i = 0; i < r->num_ops; i++) {
		const rp_op *o = &r->ops[i];
		rp_catsum *c = &r->cats[o->cat];
		c->count++;
		c->flops += o->flops;
		c->bytes += o->bytes;
		c->pred_ms += o->pred_ms;
		c->time_ms += o->time_ms;
		if (o->meas_ms >= 0) {
			c->meas_ms += o->meas_ms;
			pred_measured[o->cat] += o->pred_ms;
		}
		r->flops += o->flops;
		r->bytes += o->bytes;
		r->pred_ms += o->pred_ms;
		r->meas_ms += o->meas_ms >= 0 ? o->meas_ms : 0;
		r->time_ms += o->time_ms;
	}
	for (i = 0; i < RP_CATEGORY_COUNT; i++) {
		rp_catsum *c = &r->cats[i];
		c->share = r->time_ms > 0 ? c->time_ms / r->time_ms : 0;
		c->eff = c->meas_ms > 0 ? pred_measured[i] / c->meas_ms : -1;
	}
	for (i = 0; i < r->num_ops; i++)
		r->ops[i].share = r->time_ms > 0 ? r->ops[i].time_ms / r->time_ms : 0;
}

static long long stat_of(const cv_pass_record *p, const char *name)
{
	int i;

	for (i = 0; i < p->stats.count; i++)
		if (!strcmp(p->stats.names[i], name))
			return p->stats.values[i];
	return 0;
}

static void summarize_passes(rp_report *r)
{
	const cv_pass_history *h = r->in->history;
	const cv_node *n;
	int i;

	r->passes.transposes_before_cl = r->passes.transposes_after_cl = -1;
	cv_graph_for_each_node(&r->in->module->graph, n)
		r->passes.reshards += !strcmp(cv_op_name(n->op), "reshard");
	for (i = 0; h && i < h->count; i++) {
		const cv_pass_record *p = &h->passes[i];
		r->passes.total_ms += p->ms;
		if (!strcmp(p->name, "fold-bn")) {
			r->passes.bn_folded += stat_of(p, "folded");
			r->passes.bn_converted += stat_of(p, "converted");
		} else if (!strcmp(p->name, "dw-to-pool")) {
			r->passes.dw_routed += stat_of(p, "routed");
		} else if (!strcmp(p->name, "channels-last")) {
			if (r->passes.transposes_before_cl < 0)
				r->passes.transposes_before_cl = p->transposes_before;
			r->passes.transposes_after_cl = p->transposes_after;
		}
	}
}

static cv_status check_input(const cv_report_input *in, cv_diag *d)
{
	const cv_roofline *rl = &in->roofline;

	if (!in->module)
		return cv_diag_error(d, CV_ERR_INPUT, "report: no module");
	if (rl->cores < 1 || !(rl->peak_flops > 0) || !(rl->bandwidth > 0))
		return cv_diag_error(d, CV_ERR_INPUT,
				     "report: roofline '%s' needs cores >= 1 and positive peak and bandwidth",
				     rl->name ? rl->name : "?");
	return CV_OK;
}

cv_status rp_analyse(const cv_report_input *in, rp_report *r, cv_diag *d)
{
	const cv_node *n;
	char **labels;
	cv_status s;
	int k = 0;

	memset(r, 0, sizeof *r);
	r->in = in;
	if ((s = check_input(in, d)) != CV_OK)
		return s;
	r->peak = in->roofline.peak_flops * in->roofline.cores;
	r->ridge = r->peak / in->roofline.bandwidth;
	r->profiled = in->profile != NULL;
	r->num_ops = cv_graph_num_nodes(&in->module->graph);
	r->ops = calloc(r->num_ops ? (size_t)r->num_ops : 1, sizeof *r->ops);
	if (!r->ops)
		return cv_diag_error(d, CV_ERR_NOMEM, "report: out of memory");
	labels = cv_graph_node_labels(&in->module->graph); /* one pass, not one per node */
	if (!labels)
		return cv_diag_error(d, CV_ERR_NOMEM, "report: out of memory");
	cv_graph_for_each_node(&in->module->graph, n) {
		r->ops[k].node = n;
		snprintf(r->ops[k].label, sizeof r->ops[k].label, "%s", labels[k]);
		analyse_op(r, &r->ops[k++]);
	}
	free(labels);
	summarize_categories(r);
	summarize_passes(r);
	if ((s = find_unmatched(r, d)) != CV_OK)
		return s;
	return rp_rank(r, d);
}

void rp_report_free(rp_report *r)
{
	free(r->ops);
	free(r->findings);
	free(r->unmatched);
	memset(r, 0, sizeof *r);
}
