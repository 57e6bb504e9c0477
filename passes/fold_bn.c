/*
 * fold_bn.c - `fold-bn`: fold inference BatchNorm into the producer.
 *
 * Matches: batchnorm(x, gamma, beta, mean, var) with float32 x and constant
 * float32 parameters.
 * Rewrites, with s = gamma / sqrt(var + eps) per channel c:
 *   - x from conv2d / dwconv2d / conv_transpose2d / conv3d / gemm with constant weight
 *     (any weight layout) and bias, no activation or residual, whose result
 *     has no other use: W' = W * s (per output channel),
 *     b' = (b - mean) * s + beta; the BN disappears. New constants are made,
 *     so a weight shared with another node is copied, never changed.
 *   - otherwise: x * s + (beta - mean * s), as mul and add by [C,1,...]
 *     constants (a per-channel scale and shift).
 * Also matches a per-channel or scalar affine written as elementwise ops
 * (PP-OCR's and many converters' scale/shift layers, a BatchNorm another tool
 * already turned into Mul/Add, ConvNeXt-style layer scales after a gemm,
 * x / 6): mul(x, k), add(x, k), sub(x, k), sub(k, x), div(x, k) (and the
 * commuted mul and add) where x comes from a foldable producer as above and
 * k is a float32 constant that broadcasts over the producer's result with
 * every dim 1 but, at most, the channel dim (NCHW/plain: dim 1; NHWC: the
 * last; gemm [M,N]: dim 1), which is C: k is [C,1,1], [1,C,1,1], [C] for a
 * gemm, a scalar, ... Rewrites it as y = x * s + t per channel (mul: s = k;
 * div: s = 1/k, k nonzero and 1/k finite; add: t = k; sub: t = -k; k - x:
 * s = -1, t = k) folded into the producer's weight and bias exactly as a
 * batchnorm; the elementwise node disappears. A chain (conv -> mul -> add)
 * folds one node at a time. Must not fire: the elementwise op has an
 * activation, x has another use or is an output, k varies along a spatial
 * dim, k is a run-time value, the result is larger than x (k broadcasts x).
 * Preconditions: types verified. Invalidates: the old weight constants may
 * become unused (dce-free: unused constants are not emitted).
 * Stats: folded, converted (batchnorms), affine (elementwise ops folded).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "passes/passes.h"

/* Per-channel scale s and shift t of a batchnorm: y = x * s + t. */
static int bn_affine(const cv_node *bn, float *s, float *t, int64_t c)
{
	const float *gamma = bn->inputs[1]->data, *beta = bn->inputs[2]->data;
	const float *mean = bn->inputs[3]->data, *var = bn->inputs[4]->data;
	int64_t i;

	for (i = 0; i < c; i++) {
		s[i] = gamma[i] / sqrtf(var[i] + bn->attrs.bn_eps);
		t[i] = beta[i] - mean[i] * s[i];
	}
	return 0;
}

static int consts_ok(const cv_node *n, int from, int to)
{
	int i;

	for (i = from; i < to; i++)
		if (!n->inputs[i] || n->inputs[i]->kind != CV_VALUE_CONST || n->inputs[i]->type.dtype != CV_F32)
			return 0;
	return 1;
}

/* Output channel of weight element i, for the producer's weight layout:
 * oihw/ohwi keep o outermost, hwio innermost; conv_transpose2d's iohw
 * spreads groups over i. */
static int64_t out_channel(const cv_node *p, int64_t i)
{
	const cv_type *t = &p->inputs[1]->type;
	cv_oihw w = cv_type_oihw(t);

	if (p->op == CV_OP_CONV_TRANSPOSE2D) { /* IOHW, groups: o = grp*(M/g) + j */
		int64_t khw = w.kh * w.kw, j = (i / khw) % w.o;
		int64_t c = i / (w.o * khw), per_group = w.i / p->attrs.conv.group;
		return (c / per_group) * w.o + j;
	}
	if (p->op == CV_OP_CONV3D) /* oidhw: o outermost */
		return i / (t->dims[1] * t->dims[2] * t->dims[3] * t->dims[4]);
	if (p->op == CV_OP_GEMM) /* B is [K,N] (column n) or [N,K] with trans_b (row n) */
		return p->attrs.gemm.trans_b ? i / t->dims[1] : i % t->dims[1];
	if (t->layout == CV_LAYOUT_HWIO)
		return i % w.o;
	return i / (w.i * w.kh * w.kw); /* oihw, ohwi */
}

static int foldable_producer(const cv_value *x)
{
	const cv_node *p = x->producer;

	if (!p || x->num_uses != 1 || x->is_output)
		return 0;
	if (p->op != CV_OP_CONV2D && p->op != CV_OP_DWCONV2D && p->op != CV_OP_CONV_TRANSPOSE2D &&
	    p->op != CV_OP_CONV3D && p->op != CV_OP_GEMM)
		return 0;
	if (p->op == CV_OP_CONV3D && p->attrs.conv3d.act.kind != CV_ACT_NONE)
		return 0;
	if (p->op == CV_OP_GEMM && (p->attrs.gemm.act.kind != CV_ACT_NONE || x->type.rank != 2 ||
				    (p->num_inputs > 2 && p->inputs[2] && p->inputs[2]->type.rank == 2)))
		return 0;
	if (p->op != CV_OP_GEMM && p->op != CV_OP_CONV3D && (p->attrs.conv.act.kind != CV_ACT_NONE ||
				    (p->num_inputs > 3 && p->inputs[3])))
		return 0;
	return consts_ok(p, 1, p->num_inputs > 2 && p->inputs[2] ? 3 : 2);
}

/* Replace the weight and bias of x's producer with scaled copies (y = x * s
 * + t over its c output channels); node n, whose result y is, then goes and
 * its uses read the producer's result. */
static cv_status fold_into(cv_module *m, cv_node *n, const cv_value *x, int64_t c, const float *s,
			   const float *t, cv_diag *d)
{
	cv_graph *g = &m->graph;
	cv_node *p = x->producer;
	const cv_value *w = p->inputs[1], *b = p->num_inputs > 2 ? p->inputs[2] : NULL;
	int64_t numel = cv_type_numel(&w->type), i;
	cv_type bt = {CV_F32, 1, {c}, CV_LAYOUT_PLAIN};
	cv_value *nw, *nb;
	float *wd, *bd;
	/* gemm: y = alpha*A*B + beta*C, so scaling B and taking C' = beta*C*s + t
	 * with beta' = 1 folds the BN; conv is the case beta = 1. */
	float beta = p->op == CV_OP_GEMM ? p->attrs.gemm.beta : 1.0f;

	nw = cv_graph_add_const(g, w->name, &w->type, w->data, w->nbytes);
	nb = cv_graph_add_const(g, b ? b->name : "bias", &bt, NULL, (size_t)c * sizeof(float));
	if (!nw || !nb)
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	wd = nw->data;
	bd = nb->data;
	for (i = 0; i < numel; i++)
		wd[i] *= s[out_channel(p, i)];
	for (i = 0; i < c; i++) {
		float bias = b ? ((const float *)b->data)[b->type.rank && b->type.dims[0] == c ? i : 0] : 0.0f;
		bd[i] = beta * bias * s[i] + t[i];
	}
	if (p->op == CV_OP_GEMM)
		p->attrs.gemm.beta = 1.0f;
	if (cv_node_set_input(p, 1, nw))
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	if (p->num_inputs > 2) {
		if (cv_node_set_input(p, 2, nb))
			return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	} else {
		/* grow the operand list by one for the new bias */
		cv_value **ins = cv_alloc(m, 3 * sizeof *ins);
		if (!ins)
			return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
		memcpy(ins, p->inputs, (size_t)p->num_inputs * sizeof *ins);
		p->inputs = ins;
		p->num_inputs = 3;
		p->inputs[2] = NULL;
		if (cv_node_set_input(p, 2, nb))
			return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	}
	cv_value_replace_uses(g, n->outputs[0], p->outputs[0]);
	cv_graph_remove_node(g, n);
	return CV_OK;
}

/* x * s + t with s, t shaped [C, 1, ..., 1] to broadcast over NC... */
static cv_status convert(cv_module *m, cv_node *bn, const float *s, const float *t, cv_diag *d)
{
	cv_graph *g = &m->graph;
	const cv_type *x = &bn->inputs[0]->type;
	cv_type ct = {CV_F32, x->rank - 1, {0}, CV_LAYOUT_PLAIN};
	cv_value *sv, *tv, *ins[2];
	cv_node *mul, *add;
	int k;

	ct.dims[0] = x->dims[1];
	for (k = 1; k < ct.rank; k++)
		ct.dims[k] = 1;
	sv = cv_graph_add_const(g, "bn_scale", &ct, s, (size_t)x->dims[1] * sizeof(float));
	tv = cv_graph_add_const(g, "bn_shift", &ct, t, (size_t)x->dims[1] * sizeof(float));
	if (!sv || !tv)
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	ins[0] = bn->inputs[0];
	ins[1] = sv;
	mul = cv_graph_insert_node(g, bn, CV_OP_MUL, bn->name, ins, 2, NULL, 1);
	if (!mul || cv_node_infer_types(mul, d))
		return d->status ? d->status : cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	ins[0] = mul->outputs[0];
	ins[1] = tv;
	add = cv_graph_insert_node(g, bn, CV_OP_ADD, bn->name, ins, 2, NULL, 1);
	if (!add || cv_node_infer_types(add, d))
		return d->status ? d->status : cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	cv_value_replace_uses(g, bn->outputs[0], add->outputs[0]);
	cv_graph_remove_node(g, bn);
	return CV_OK;
}

/* The channel axis of x, a conv-like or gemm result; -1 when unknown. */
static int channel_axis(const cv_value *x)
{
	if (x->producer->op == CV_OP_GEMM)
		return x->type.rank == 2 ? 1 : -1;
	if (x->type.rank < 2)
		return -1;
	return x->type.layout == CV_LAYOUT_NHWC ? x->type.rank - 1 : 1;
}

/* k's values per channel of x (c of them, into v), when k is a float32
 * constant that broadcasts over x (right-aligned, NumPy rules) with every dim
 * 1 but the one aligned with axis ax, which is 1 or c; else 0. */
static int per_channel(const cv_value *k, const cv_value *x, int ax, int64_t c, float *v)
{
	int off = x->type.rank - k->type.rank, i;
	int64_t kc = 1, j;

	if (k->kind != CV_VALUE_CONST || k->type.dtype != CV_F32 || !k->data || off < 0)
		return 0;
	for (i = 0; i < k->type.rank; i++) {
		if (i + off == ax)
			kc = k->type.dims[i];
		else if (k->type.dims[i] != 1)
			return 0;
	}
	if (kc != 1 && kc != c)
		return 0;
	for (j = 0; j < c; j++)
		v[j] = ((const float *)k->data)[kc == 1 ? 0 : j];
	return 1;
}

/* Fold elementwise node n, if it is a per-channel affine of a foldable
 * producer's result; *done = 1 when it was. */
static cv_status fold_affine(cv_module *m, cv_node *n, int *done, cv_diag *d)
{
	const cv_value *x = NULL, *k = NULL;
	int xi, ax;
	int64_t c, j;
	float *s, *t;
	cv_status st;

	*done = 0;
	if ((n->op != CV_OP_MUL && n->op != CV_OP_ADD && n->op != CV_OP_SUB && n->op != CV_OP_DIV) ||
	    n->num_inputs != 2 || n->attrs.act.kind != CV_ACT_NONE || n->outputs[0]->type.dtype != CV_F32)
		return CV_OK;
	for (xi = 0; xi < 2; xi++) {
		const cv_value *a = n->inputs[xi];
		if (xi == 1 && (n->op == CV_OP_DIV)) /* k / x is not affine in x */
			break;
		if (a && a->producer && foldable_producer(a) && cv_type_equal(&a->type, &n->outputs[0]->type)) {
			x = a;
			k = n->inputs[1 - xi];
			break;
		}
	}
	if (!x || !k || (ax = channel_axis(x)) < 0)
		return CV_OK;
	c = x->type.dims[ax];
	if (c < 1 || !(s = malloc((size_t)c * 2 * sizeof *s)))
		return c < 1 ? CV_OK : cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	t = s + c;
	if (!per_channel(k, x, ax, c, t)) {
		free(s);
		return CV_OK;
	}
	for (j = 0; j < c; j++) {
		float kv = t[j];
		switch (n->op) {
		case CV_OP_MUL:
			s[j] = kv, t[j] = 0.0f;
			break;
		case CV_OP_ADD:
			s[j] = 1.0f;
			break;
		case CV_OP_SUB: /* x - k, or k - x */
			s[j] = xi == 0 ? 1.0f : -1.0f, t[j] = xi == 0 ? -kv : kv;
			break;
		default: /* div: x / k */
			s[j] = 1.0f / kv, t[j] = 0.0f;
			if (kv == 0.0f || !isfinite(s[j])) {
				free(s);
				return CV_OK;
			}
		}
	}
	st = fold_into(m, n, x, c, s, t, d);
	free(s);
	*done = !st;
	return st;
}

static cv_status run_fold_bn(cv_module *m, const cv_pass_options *opts, cv_pass_stats *stats, cv_diag *d)
{
	cv_node *n, *next;
	cv_status st = CV_OK;

	for (n = m->graph.first; n && !st; n = next) {
		int64_t c;
		float *s;
		next = n->next;
		if (n->op != CV_OP_BATCHNORM) {
			int done;
			st = fold_affine(m, n, &done, d);
			if (done)
				cv_stat_add(stats, "affine", 1);
			continue;
		}
		/* the scale and shift are computed in float32, for float32 data */
		if (n->op != CV_OP_BATCHNORM || !consts_ok(n, 1, 5) || n->inputs[0]->type.dtype != CV_F32)
			continue;
		c = n->inputs[1]->type.dims[0];
		s = malloc((size_t)c * 2 * sizeof *s);
		if (!s)
			return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
		bn_affine(n, s, s + c, c);
		if (foldable_producer(n->inputs[0])) {
			st = fold_into(m, n, n->inputs[0], c, s, s + c, d);
			cv_stat_add(stats, "folded", 1);
		} else {
			st = convert(m, n, s, s + c, d);
			cv_stat_add(stats, "converted", 1);
		}
		free(s);
	}
	return st;
}

const cv_pass cv_pass_fold_bn = {
	"fold-bn", "fold inference BatchNorm, and per-channel Mul/Add/Sub/Div by constants, into the preceding conv/gemm weights; a BatchNorm elsewhere becomes a scale and shift", NULL, run_fold_bn, NULL};
