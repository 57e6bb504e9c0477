/*
 * interp_ops.c - the reference interpreter's kernels for the layout-free
 * ops (elementwise, reductions, matrix products, data movement, softmax)
 * and the dispatch over the op table; the spatial ops are in
 * interp_spatial.c.
 *
 * Written to be obviously right rather than fast: every output element is
 * computed from its definition, sums accumulate in double, and tensors are
 * indexed through explicit strides. Shapes are checked against the attrs
 * before any buffer is touched, so an inconsistent IR is a diagnostic
 * rather than an out-of-bounds read.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/conv3d.h"
#include "ir/interp_ops.h"

/* For ops that only know ONNX dim order: reject anything else. */
/* ---- activations ---- */

/* The activation a unary op computes: its kind comes from the op (so a
 * node whose attrs lost their kind still means what its op says), its
 * parameters from attrs.act. */
static cv_act unary_act(const cv_node *n)
{
	cv_act a = n->attrs.act;

	a.kind = cv_op_act_kind(n->op);
	return a;
}

/* Elementwise: the dims as stored do not matter, so any layout goes. */
static cv_status run_unary(const cv_node *n, const float *const *in, float *const *out, cv_diag *d)
{
	cv_act a = unary_act(n);
	int64_t i, count = cv_type_numel(out_type(n, 0));

	if (cv_type_numel(in_type(n, 0)) != count)
		return BROKEN("%s '%s': operand and result sizes differ", OPNAME(n));
	for (i = 0; i < count; i++)
		out[0][i] = (float)act_apply(&a, in[0][i]);
	return CV_OK;
}

/* neg, abs, reciprocal, sqrt: computed in double, rounded once. */
static cv_status run_math1(const cv_node *n, const float *const *in, float *const *out, cv_diag *d)
{
	int64_t i, count = cv_type_numel(out_type(n, 0));

	if (cv_type_numel(in_type(n, 0)) != count)
		return BROKEN("%s '%s': operand and result sizes differ", OPNAME(n));
	for (i = 0; i < count; i++) {
		double x = in[0][i];
		switch (n->op) {
		case CV_OP_NEG: out[0][i] = (float)-x; break;
		case CV_OP_ABS: out[0][i] = (float)fabs(x); break;
		case CV_OP_RECIPROCAL: out[0][i] = (float)(1.0 / x); break;
		default: out[0][i] = (float)sqrt(x); break;
		}
	}
	return CV_OK;
}

/* ---- elementwise binary ---- */

/* A binary op's operands are broadcast over the dims as stored, which means
 * what NumPy means only when every operand with more than one element lists
 * its dims the way the result does. A plain operand has no other order than
 * the stored one (e.g. ConvNeXt's channels-last layer norm, whose permutes
 * become reshapes of an nhwc tensor), so it goes with any result. */
static cv_status binary_layouts_check(const cv_node *n, cv_diag *d)
{
	cv_layout l = out_type(n, 0)->layout;
	int i;

	for (i = 0; i < 2; i++) {
		const cv_type *t = in_type(n, i);
		int same = layout_is_onnx(l) ? layout_is_onnx(t->layout)
					     : t->layout == l || t->layout == CV_LAYOUT_PLAIN;
		if (!same && cv_type_numel(t) != 1)
			return UNSUPPORTED("%s '%s': operand %d has layout %s, the result %s; the interpreter broadcasts only operands in the result's layout",
					   OPNAME(n), i, cv_layout_name(t->layout), cv_layout_name(l));
	}
	return CV_OK;
}

/* Strides that read operand t at a result index: NumPy broadcasting aligns
 * trailing dims; a missing or size-1 dim has stride 0. */
static cv_status broadcast_strides(const cv_node *n, const cv_type *t, const cv_type *y,
				   int64_t *strides, cv_diag *d)
{
	int64_t dense[CV_MAX_RANK];
	int k;

	if (t->rank > y->rank)
		return BROKEN("%s '%s': operand rank %d exceeds result rank %d", OPNAME(n), t->rank, y->rank);
	dense_strides(t, dense);
	for (k = 0; k < y->rank; k++) {
		int j = k - (y->rank - t->rank);
		if (j < 0 || t->dims[j] == 1) {
			strides[k] = 0;
		} else if (t->dims[j] == y->dims[k]) {
			strides[k] = dense[j];
		} else {
			return BROKEN("%s '%s': operand dim %d (%lld) does not broadcast to %lld", OPNAME(n), j,
				      (long long)t->dims[j], (long long)y->dims[k]);
		}
	}
	return CV_OK;
}

static double binary_apply(cv_op op, double a, double b)
{
	switch (op) {
	case CV_OP_ADD: return a + b;
	case CV_OP_SUB: return a - b;
	case CV_OP_MUL: return a * b;
	/* max/min: a NaN operand gives NaN (ONNX Runtime's Max/Min) */
	case CV_OP_MAX: return a != a || a > b ? a : b;
	case CV_OP_MIN: return a != a || a < b ? a : b;
	case CV_OP_PRELU: return a >= 0 ? a : a * b;
	case CV_OP_POW: return powf((float)a, (float)b);
	default: return a / b;
	}
}

static cv_status run_binary(const cv_node *n, const float *const *in, float *const *out, cv_diag *d)
{
	const cv_type *y = out_type(n, 0);
	int64_t sa[CV_MAX_RANK], sb[CV_MAX_RANK], idx[CV_MAX_RANK] = {0};
	int64_t i, count = cv_type_numel(y);
	static const cv_act none = {CV_ACT_NONE, 0, 0};
	const cv_act *act = cv_op_attrs_kind(n->op) == CV_ATTRS_ACT ? &n->attrs.act : &none; /* prelu: none */
	cv_status st;

	if ((st = binary_layouts_check(n, d)) || (st = act_check(n, act, d)) ||
	    (st = broadcast_strides(n, in_type(n, 0), y, sa, d)) ||
	    (st = broadcast_strides(n, in_type(n, 1), y, sb, d)))
		return st;
	for (i = 0; i < count; i++) {
		int64_t oa = 0, ob = 0;
		int k;
		for (k = 0; k < y->rank; k++) {
			oa += idx[k] * sa[k];
			ob += idx[k] * sb[k];
		}
		out[0][i] = (float)act_apply(act, binary_apply(n->op, in[0][oa], in[1][ob]));
		index_next(idx, y->dims, y->rank);
	}
	return CV_OK;
}

/* ---- local response normalization (ONNX LRN; formula in ops.def) ---- */

static cv_status run_lrn(const cv_node *n, const float *const *in, float *const *out, cv_diag *d)
{
	const cv_type *x = in_type(n, 0);
	const cv_lrn_attrs *a = &n->attrs.lrn;
	int64_t c = x->dims[1], inner = 1, outer = x->dims[0], lo = (a->size - 1) / 2, hi = a->size / 2;
	int64_t o, ch, i, k;
	int r;

	(void)d;
	for (r = 2; r < x->rank; r++)
		inner *= x->dims[r];
	for (o = 0; o < outer; o++)
		for (ch = 0; ch < c; ch++)
			for (i = 0; i < inner; i++) {
				const float *base = in[0] + o * c * inner + i;
				double sum = 0, v = base[ch * inner];
				for (k = ch - lo < 0 ? 0 : ch - lo; k <= ch + hi && k < c; k++)
					sum += (double)base[k * inner] * base[k * inner];
				out[0][(o * c + ch) * inner + i] =
					(float)(v / pow(a->bias + a->alpha / (double)a->size * sum, a->beta));
			}
	return CV_OK;
}

/* ---- reductions ---- */

/* acc, as a double, folding in v the way the reduce op says. */
static double reduce_step(cv_op op, double acc, double v)
{
	switch (op) {
	case CV_OP_REDUCE_MAX: return v > acc ? v : acc;
	case CV_OP_REDUCE_MIN: return v < acc ? v : acc;
	case CV_OP_REDUCE_L2: return acc + v * v;
	default: return acc + v;
	}
}

static cv_status run_reduce(const cv_node *n, const float *const *in, float *const *out, cv_diag *d)
{
	const cv_type *x = in_type(n, 0);
	uint32_t axes = n->attrs.reduce.axes;
	int64_t ystrides[CV_MAX_RANK], idx[CV_MAX_RANK] = {0}, acc = 1;
	int64_t i, count = cv_type_numel(x), ycount = cv_type_numel(out_type(n, 0)), reduced = 1;
	double *sum, init = n->op == CV_OP_REDUCE_MAX ? -INFINITY : n->op == CV_OP_REDUCE_MIN ? INFINITY : 0;
	int k;

	if (x->rank < 32 && (axes >> x->rank))
		return BROKEN("%s '%s': axes 0x%x out of range for rank %d", OPNAME(n), axes, x->rank);
	/* The result is dense over the kept dims; a reduced dim has stride 0. */
	for (k = x->rank - 1; k >= 0; k--) {
		ystrides[k] = (axes >> k) & 1 ? 0 : acc;
		acc *= (axes >> k) & 1 ? 1 : x->dims[k];
		reduced *= (axes >> k) & 1 ? x->dims[k] : 1;
	}
	if (acc != ycount)
		return BROKEN("%s '%s': result has %lld elements, expected %lld", OPNAME(n),
			      (long long)ycount, (long long)acc);
	sum = malloc((ycount ? (size_t)ycount : 1) * sizeof *sum);
	if (!sum)
		return cv_diag_error(d, CV_ERR_NOMEM, "%s '%s': out of memory", OPNAME(n));
	for (i = 0; i < ycount; i++)
		sum[i] = init;
	for (i = 0; i < count; i++) {
		int64_t o = 0;
		for (k = 0; k < x->rank; k++)
			o += idx[k] * ystrides[k];
		sum[o] = reduce_step(n->op, sum[o], in[0][i]);
		index_next(idx, x->dims, x->rank);
	}
	for (i = 0; i < ycount; i++) {
		if (n->op == CV_OP_REDUCE_MEAN) /* an empty reduction has mean 0 */
			out[0][i] = reduced ? (float)(sum[i] / (double)reduced) : 0.0f;
		else
			out[0][i] = (float)(n->op == CV_OP_REDUCE_L2 ? sqrt(sum[i]) : sum[i]);
	}
	free(sum);
	return CV_OK;
}

/* ---- layernorm ---- */

/* x viewed as [outer, len]: each row normalized to mean 0, variance 1
 * (the biased variance, as ONNX), then scaled and shifted per position. */
static cv_status run_layernorm(const cv_node *n, const float *const *in, float *const *out,
			       cv_diag *d)
{
	const cv_type *x = in_type(n, 0);
	int axis = (int)n->attrs.norm.axis;
	int64_t outer, len, o, j;
	const float *bias = n->num_inputs > 2 && n->inputs[2] ? in[2] : NULL;
	float *mean_out = n->num_outputs > 1 ? out[1] : NULL;
	float *inv_out = n->num_outputs > 2 ? out[2] : NULL;

	if (axis < 0 || axis >= (x->rank ? x->rank : 1) || !cv_type_equal(x, out_type(n, 0)))
		return BROKEN("layernorm '%s': axis %d out of range, or operand and result differ", n->name, axis);
	outer = dims_product(x, 0, axis < x->rank ? axis : x->rank);
	len = dims_product(x, axis, x->rank);
	if (cv_type_numel(in_type(n, 1)) != len || (bias && cv_type_numel(in_type(n, 2)) != len))
		return BROKEN("layernorm '%s': scale or bias size is not %lld", n->name, (long long)len);
	if ((mean_out && cv_type_numel(out_type(n, 1)) != outer) ||
	    (inv_out && cv_type_numel(out_type(n, 2)) != outer))
		return BROKEN("layernorm '%s': statistics results do not have %lld elements", n->name,
			      (long long)outer);
	for (o = 0; o < outer; o++) {
		const float *xr = in[0] + o * len;
		float *yr = out[0] + o * len;
		double mean = 0, var = 0, inv;
		for (j = 0; j < len; j++)
			mean += xr[j];
		mean = len ? mean / (double)len : 0;
		for (j = 0; j < len; j++)
			var += (xr[j] - mean) * (xr[j] - mean);
		var = len ? var / (double)len : 0;
		inv = 1.0 / sqrt(var + n->attrs.norm.epsilon);
		if (mean_out)
			mean_out[o] = (float)mean;
		if (inv_out)
			inv_out[o] = (float)inv;
		for (j = 0; j < len; j++)
			yr[j] = (float)((xr[j] - mean) * inv * in[1][j] + (bias ? bias[j] : 0.0));
	}
	return CV_OK;
}

/* ---- gemm, matmul ---- */

static cv_status run_gemm(const cv_node *n, const float *const *in, float *const *out, cv_diag *d)
{
	const cv_gemm_attrs *a = &n->attrs.gemm;
	const cv_type *ta = in_type(n, 0), *tb = in_type(n, 1), *tc = in_type(n, 2), *ty = out_type(n, 0);
	const float *c = n->num_inputs > 2 ? in[2] : NULL;
	int64_t m, k, kb, nn, i, j, p, cs_m = 0, cs_n = 0;
	cv_status st;

	if ((st = act_check(n, &a->act, d)))
		return st;
	if (ta->rank != 2 || tb->rank != 2 || ty->rank != 2 || (tc && tc->rank > 2))
		return BROKEN("gemm '%s': operands must be 2-D (C at most 2-D)", n->name);
	m = a->trans_a ? ta->dims[1] : ta->dims[0];
	k = a->trans_a ? ta->dims[0] : ta->dims[1];
	kb = a->trans_b ? tb->dims[1] : tb->dims[0];
	nn = a->trans_b ? tb->dims[0] : tb->dims[1];
	if (k != kb || ty->dims[0] != m || ty->dims[1] != nn)
		return BROKEN("gemm '%s': %lldx%lld times %lldx%lld cannot give %lldx%lld", n->name,
			      (long long)m, (long long)k, (long long)kb, (long long)nn,
			      (long long)ty->dims[0], (long long)ty->dims[1]);
	if (tc) { /* C broadcasts like NumPy: its dims align with [m, n] from the right */
		int64_t cm = tc->rank == 2 ? tc->dims[0] : 1, cn = tc->rank >= 1 ? tc->dims[tc->rank - 1] : 1;
		if ((cm != 1 && cm != m) || (cn != 1 && cn != nn))
			return BROKEN("gemm '%s': C does not broadcast to %lldx%lld", n->name, (long long)m,
				      (long long)nn);
		cs_m = cm == 1 ? 0 : cn;
		cs_n = cn == 1 ? 0 : 1;
	}
	for (i = 0; i < m; i++)
		for (j = 0; j < nn; j++) {
			double acc = 0;
			for (p = 0; p < k; p++)
				acc += (double)in[0][a->trans_a ? p * m + i : i * k + p] *
				       in[1][a->trans_b ? j * k + p : p * nn + j];
			acc *= a->alpha;
			if (c)
				acc += (double)a->beta * c[i * cs_m + j * cs_n];
			out[0][i * nn + j] = (float)act_apply(&a->act, acc);
		}
	return CV_OK;
}

/* Matmul's matrices and how the batch dims in front of them broadcast. */
typedef struct matmul_geom {
	int64_t m, k, n;
	int nb;                          /* batch dims of the result */
	int64_t batch[CV_MAX_RANK];      /* their extents */
	int64_t sa[CV_MAX_RANK], sb[CV_MAX_RANK]; /* matrix strides per batch dim; 0 broadcasts */
} matmul_geom;

/* Strides of t's batch dims (all but its matrix dims, `mat` of them) as
 * seen from the result's nb batch dims. */
static int matmul_batch_strides(const cv_type *t, int mat, const matmul_geom *g, int64_t *s)
{
	int tb = t->rank - mat, k;
	int64_t acc = dims_product(t, tb, t->rank);

	if (tb > g->nb)
		return -1;
	for (k = g->nb - 1; k >= 0; k--) {
		int j = k - (g->nb - tb);
		if (j < 0 || t->dims[j] == 1) {
			s[k] = 0;
		} else if (t->dims[j] != g->batch[k]) {
			return -1;
		} else {
			s[k] = acc;
		}
		if (j >= 0)
			acc *= t->dims[j];
	}
	return 0;
}

/* NumPy matmul: a 1-D A is a row [1,k] and a 1-D B a column [k,1], and
 * those unit dims are left out of the result. */
static cv_status matmul_geom_of(const cv_node *n, matmul_geom *g, cv_diag *d)
{
	const cv_type *a = in_type(n, 0), *b = in_type(n, 1), *y = out_type(n, 0);
	int ma = a->rank > 1 ? 2 : 1, mb = b->rank > 1 ? 2 : 1;
	int64_t kb;

	if (a->rank < 1 || b->rank < 1)
		return BROKEN("matmul '%s': operands must have rank >= 1", n->name);
	g->m = a->rank > 1 ? a->dims[a->rank - 2] : 1;
	g->k = a->dims[a->rank - 1];
	kb = b->rank > 1 ? b->dims[b->rank - 2] : b->dims[0];
	g->n = b->rank > 1 ? b->dims[b->rank - 1] : 1;
	g->nb = y->rank - (ma - 1) - (mb - 1);
	if (g->k != kb || g->nb < 0 || (ma > 1 && y->dims[g->nb] != g->m) ||
	    (mb > 1 && y->dims[y->rank - 1] != g->n))
		return BROKEN("matmul '%s': operand and result shapes do not fit", n->name);
	memcpy(g->batch, y->dims, (size_t)g->nb * sizeof *g->batch);
	if (matmul_batch_strides(a, ma, g, g->sa) || matmul_batch_strides(b, mb, g, g->sb))
		return BROKEN("matmul '%s': batch dims do not broadcast to the result", n->name);
	return CV_OK;
}

static cv_status run_matmul(const cv_node *n, const float *const *in, float *const *out, cv_diag *d)
{
	matmul_geom g;
	int64_t idx[CV_MAX_RANK] = {0}, bi, nbatch, i, j, p;
	cv_status st;

	if ((st = matmul_geom_of(n, &g, d)))
		return st;
	nbatch = 1;
	for (i = 0; i < g.nb; i++)
		nbatch *= g.batch[i];
	for (bi = 0; bi < nbatch; bi++) {
		const float *a = in[0], *b = in[1];
		float *y = out[0] + bi * g.m * g.n;
		for (i = 0; i < g.nb; i++) {
			a += idx[i] * g.sa[i];
			b += idx[i] * g.sb[i];
		}
		for (i = 0; i < g.m; i++)
			for (j = 0; j < g.n; j++) {
				double acc = 0;
				for (p = 0; p < g.k; p++)
					acc += (double)a[i * g.k + p] * b[p * g.n + j];
				y[i * g.n + j] = (float)acc;
			}
		index_next(idx, g.batch, g.nb);
	}
	return CV_OK;
}

/* ---- data movement ---- */

static cv_status run_reshape(const cv_node *n, const float *const *in, float *const *out,
			     cv_diag *d)
{
	int64_t count = cv_type_numel(out_type(n, 0));

	if (cv_type_numel(in_type(n, 0)) != count)
		return BROKEN("%s '%s': operand and result sizes differ", cv_op_name(n->op), n->name);
	memcpy(out[0], in[0], (size_t)count * sizeof(float));
	return CV_OK;
}

/* Permutes the dims as stored, so any layout goes. */
static cv_status run_transpose(const cv_node *n, const float *const *in, float *const *out,
			       cv_diag *d)
{
	const cv_type *x = in_type(n, 0), *y = out_type(n, 0);
	int64_t xs[CV_MAX_RANK], s[CV_MAX_RANK], idx[CV_MAX_RANK] = {0}, i, count = cv_type_numel(y);
	int k;

	if (x->rank != y->rank)
		return BROKEN("transpose '%s': operand and result ranks differ", n->name);
	dense_strides(x, xs);
	for (k = 0; k < y->rank; k++) { /* result dim k is operand dim perm[k] */
		int64_t p = n->attrs.perm[k];
		if (p < 0 || p >= x->rank || x->dims[p] != y->dims[k])
			return BROKEN("transpose '%s': perm does not map the operand onto the result", n->name);
		s[k] = xs[p];
	}
	for (i = 0; i < count; i++) {
		int64_t o = 0;
		for (k = 0; k < y->rank; k++)
			o += idx[k] * s[k];
		out[0][i] = in[0][o];
		index_next(idx, y->dims, y->rank);
	}
	return CV_OK;
}

/* expand: result element idx reads x at idx with x's broadcast dims at 0. */
static cv_status run_expand(const cv_node *n, const float *const *in, float *const *out, cv_diag *d)
{
	const cv_type *x = in_type(n, 0), *y = out_type(n, 0);
	int64_t xs[CV_MAX_RANK], s[CV_MAX_RANK], idx[CV_MAX_RANK] = {0}, i, count = cv_type_numel(y);
	int k, lead = y->rank - x->rank;

	if (lead < 0)
		return BROKEN("expand '%s': operand rank %d > result rank %d", n->name, x->rank, y->rank);
	dense_strides(x, xs);
	for (k = 0; k < y->rank; k++) {
		int64_t xd = k < lead ? 1 : x->dims[k - lead];
		if (xd != 1 && xd != y->dims[k])
			return BROKEN("expand '%s': operand does not broadcast to the result", n->name);
		s[k] = xd == 1 ? 0 : xs[k - lead];
	}
	for (i = 0; i < count; i++) {
		int64_t o = 0;
		for (k = 0; k < y->rank; k++)
			o += idx[k] * s[k];
		out[0][i] = in[0][o];
		index_next(idx, y->dims, y->rank);
	}
	return CV_OK;
}

/*
 * Concat and split cut along one dim as stored, so they work for any layout
 * as long as every piece lists its dims the same way. `whole` is the joined
 * tensor; parts[i] has the same dims except along the axis.
 */
static cv_status pieces_check(const cv_node *n, const cv_type *whole, const cv_type *const *parts,
			      int count, cv_diag *d)
{
	int64_t axis = n->attrs.axis, sum = 0;
	int i, k;

	if (axis < 0 || axis >= whole->rank)
		return BROKEN("%s '%s': axis %lld out of range", OPNAME(n), (long long)axis);
	for (i = 0; i < count; i++) {
		int same = layout_is_onnx(whole->layout) ? layout_is_onnx(parts[i]->layout)
							 : parts[i]->layout == whole->layout;
		if (!same)
			return UNSUPPORTED("%s '%s': piece %d has layout %s, the whole %s", OPNAME(n), i,
					   cv_layout_name(parts[i]->layout), cv_layout_name(whole->layout));
		for (k = 0; k < whole->rank; k++)
			if (parts[i]->rank != whole->rank || (k != axis && parts[i]->dims[k] != whole->dims[k]))
				return BROKEN("%s '%s': piece %d does not fit dim %d", OPNAME(n), i, k);
		sum += parts[i]->dims[axis];
	}
	if (sum != whole->dims[axis])
		return BROKEN("%s '%s': pieces add up to %lld along the axis, expected %lld", OPNAME(n),
			      (long long)sum, (long long)whole->dims[axis]);
	return CV_OK;
}

/* Copy between the whole and its pieces: rows of dims[axis]*inner elements. */
static void pieces_copy(const cv_node *n, const cv_type *whole, const cv_type *const *parts,
			int count, float *w, float *const *p, int to_whole)
{
	int axis = (int)n->attrs.axis, i;
	int64_t outer = dims_product(whole, 0, axis), inner = dims_product(whole, axis + 1, whole->rank);
	int64_t o, at = 0;

	for (i = 0; i < count; i++) {
		size_t row = (size_t)(parts[i]->dims[axis] * inner);
		for (o = 0; o < outer; o++) {
			float *wp = w + o * whole->dims[axis] * inner + at, *pp = p[i] + o * (int64_t)row;
			memcpy(to_whole ? wp : pp, to_whole ? pp : wp, row * sizeof(float));
		}
		at += (int64_t)row;
	}
}

static cv_status run_concat_split(const cv_node *n, const float *const *in, float *const *out,
				  cv_diag *d)
{
	int concat = n->op == CV_OP_CONCAT, count = concat ? n->num_inputs : n->num_outputs, i;
	const cv_type *whole = concat ? out_type(n, 0) : in_type(n, 0), *parts[64];
	cv_status st;

	for (i = 0; i < count; i++) {
		parts[i] = concat ? in_type(n, i) : out_type(n, i);
		if (!parts[i])
			return BROKEN("concat '%s': operand %d is missing", n->name, i);
	}
	if ((st = pieces_check(n, whole, parts, count, d)))
		return st;
	/* The whole buffer is only written for concat; split reads it. */
	pieces_copy(n, whole, parts, count, concat ? out[0] : (float *)in[0],
		    concat ? (float *const *)in : out, concat);
	return CV_OK;
}

static cv_status run_slice(const cv_node *n, const float *const *in, float *const *out, cv_diag *d)
{
	const cv_slice_attrs *a = &n->attrs.slice;
	const cv_type *x = in_type(n, 0), *y = out_type(n, 0);
	int64_t xs[CV_MAX_RANK], idx[CV_MAX_RANK] = {0}, i, count = cv_type_numel(y);
	int k;

	if (x->rank != y->rank)
		return BROKEN("slice '%s': operand and result ranks differ", n->name);
	for (k = 0; k < x->rank; k++)
		if (cv_slice_len(a, k, x->dims[k]) < 0 || y->dims[k] != cv_slice_len(a, k, x->dims[k]))
			return BROKEN("slice '%s': dim %d: start %lld, end %lld, step %lld do not give %lld of %lld",
				      n->name, k, (long long)a->starts[k], (long long)a->ends[k],
				      (long long)a->steps[k], (long long)y->dims[k], (long long)x->dims[k]);
	dense_strides(x, xs);
	for (i = 0; i < count; i++) {
		int64_t o = 0;
		for (k = 0; k < x->rank; k++)
			o += (a->starts[k] + idx[k] * a->steps[k]) * xs[k];
		out[0][i] = in[0][o];
		index_next(idx, y->dims, y->rank);
	}
	return CV_OK;
}

/* Source index along one dim of length len for padded index i, or -1 for
 * the constant fill. Reflect mirrors without repeating the edge (period
 * 2*(len-1)); edge repeats the edge. */
static int64_t pad_source(cv_pad_mode mode, int64_t i, int64_t len)
{
	int64_t period;

	if (i >= 0 && i < len)
		return i;
	if (mode == CV_PAD_CONSTANT || len == 0)
		return -1;
	if (mode == CV_PAD_EDGE || len == 1)
		return i < 0 ? 0 : len - 1;
	period = 2 * (len - 1);
	i %= period;
	if (i < 0)
		i += period;
	return i < len ? i : period - i;
}

static cv_status run_pad(const cv_node *n, const float *const *in, float *const *out, cv_diag *d)
{
	const cv_pad_attrs *a = &n->attrs.pad;
	const cv_type *x = in_type(n, 0), *y = out_type(n, 0);
	int64_t xs[CV_MAX_RANK], idx[CV_MAX_RANK] = {0}, i, count = cv_type_numel(y);
	int k;

	if (a->mode != CV_PAD_CONSTANT && a->mode != CV_PAD_REFLECT && a->mode != CV_PAD_EDGE)
		return UNSUPPORTED("pad '%s': mode %d", n->name, (int)a->mode);
	if (x->rank != y->rank)
		return BROKEN("pad '%s': operand and result ranks differ", n->name);
	for (k = 0; k < x->rank; k++) /* negative pads crop */
		if (y->dims[k] != x->dims[k] + a->pads[k] + a->pads[x->rank + k])
			return BROKEN("pad '%s': dim %d: %lld%+lld%+lld is not %lld", n->name, k,
				      (long long)x->dims[k], (long long)a->pads[k],
				      (long long)a->pads[x->rank + k], (long long)y->dims[k]);
	dense_strides(x, xs);
	for (i = 0; i < count; i++) {
		int64_t o = 0;
		for (k = 0; k < x->rank && o >= 0; k++) {
			int64_t j = pad_source(a->mode, idx[k] - a->pads[k], x->dims[k]);
			o = j < 0 ? -1 : o + j * xs[k];
		}
		out[0][i] = o < 0 ? a->value : in[0][o];
		index_next(idx, y->dims, y->rank);
	}
	return CV_OK;
}

/* ---- softmax ---- */

/* x viewed as [outer, len, inner], normalized over len: exp(x - max) / sum. */
static cv_status run_softmax(const cv_node *n, const float *const *in, float *const *out,
			     cv_diag *d)
{
	const cv_type *x = in_type(n, 0);
	int axis = (int)n->attrs.softmax.axis;
	int64_t outer, len, inner, o, j, a;

	if (axis < 0 || axis >= (x->rank ? x->rank : 1) || !cv_type_equal(x, out_type(n, 0)))
		return BROKEN("softmax '%s': axis %d out of range, or operand and result differ", n->name, axis);
	outer = dims_product(x, 0, axis < x->rank ? axis : x->rank);
	len = n->attrs.softmax.flatten ? dims_product(x, axis, x->rank) : axis < x->rank ? x->dims[axis] : 1;
	inner = n->attrs.softmax.flatten ? 1 : dims_product(x, axis + 1, x->rank);
	for (o = 0; o < outer; o++)
		for (j = 0; j < inner; j++) {
			const float *xp = in[0] + o * len * inner + j;
			float *yp = out[0] + o * len * inner + j;
			double max = -INFINITY, sum = 0;
			for (a = 0; a < len; a++)
				max = xp[a * inner] > max ? xp[a * inner] : max;
			for (a = 0; a < len; a++)
				sum += exp(xp[a * inner] - max);
			for (a = 0; a < len; a++)
				yp[a * inner] = (float)(exp(xp[a * inner] - max) / sum);
		}
	return CV_OK;
}

/* ---- dispatch ---- */

static cv_status operands_check(const cv_node *n, cv_diag *d)
{
	int min = cv_op_min_inputs(n->op), max = cv_op_max_inputs(n->op), outs = cv_op_num_outputs(n->op);
	int i;

	if (n->num_inputs < min || n->num_inputs > max || (outs ? n->num_outputs != outs : n->num_outputs < 1))
		return BROKEN("%s '%s': %d operands and %d results", OPNAME(n), n->num_inputs, n->num_outputs);
	for (i = 0; i < min; i++)
		if (!n->inputs[i])
			return BROKEN("%s '%s': operand %d is missing", OPNAME(n), i);
	return CV_OK;
}

cv_status interp_node(const cv_node *n, const float *const *in, float *const *out, cv_diag *d)
{
	cv_status st = operands_check(n, d);

	if (st)
		return st;
	switch (n->op) {
	case CV_OP_CONV2D:
	case CV_OP_DWCONV2D:
		return interp_conv2d(n, in, out, d);
	case CV_OP_CONV_TRANSPOSE2D:
		return interp_conv_transpose2d(n, in, out, d);
	case CV_OP_CONV3D:
	case CV_OP_CONV_TRANSPOSE3D:
		return cvi_conv3d_interp(n, in, out, d);
	case CV_OP_BATCHNORM:
		return interp_batchnorm(n, in, out, d);
	CV_CASE_ACT_OPS:
		return run_unary(n, in, out, d);
	case CV_OP_NEG:
	case CV_OP_ABS:
	case CV_OP_RECIPROCAL:
	case CV_OP_SQRT:
		return run_math1(n, in, out, d);
	case CV_OP_ADD:
	case CV_OP_SUB:
	case CV_OP_MUL:
	case CV_OP_DIV:
	case CV_OP_MAX:
	case CV_OP_MIN:
	case CV_OP_POW:
	case CV_OP_PRELU:
		return run_binary(n, in, out, d);
	case CV_OP_LRN:
		return run_lrn(n, in, out, d);
	case CV_OP_POOL2D:
		return interp_pool2d(n, in, out, d);
	case CV_OP_REDUCE_MEAN:
	case CV_OP_REDUCE_SUM:
	case CV_OP_REDUCE_MAX:
	case CV_OP_REDUCE_MIN:
	case CV_OP_REDUCE_L2:
		return run_reduce(n, in, out, d);
	case CV_OP_GEMM:
		return run_gemm(n, in, out, d);
	case CV_OP_MATMUL:
		return run_matmul(n, in, out, d);
	case CV_OP_RESHAPE:
	case CV_OP_RESHARD: /* same elements, another placement */
		return run_reshape(n, in, out, d);
	case CV_OP_TRANSPOSE:
		return run_transpose(n, in, out, d);
	case CV_OP_EXPAND:
		return run_expand(n, in, out, d);
	case CV_OP_CONCAT:
	case CV_OP_SPLIT:
		return run_concat_split(n, in, out, d);
	case CV_OP_SLICE:
		return run_slice(n, in, out, d);
	case CV_OP_PAD:
		return run_pad(n, in, out, d);
	case CV_OP_RESIZE:
		return interp_resize(n, in, out, d);
	case CV_OP_SOFTMAX:
		return run_softmax(n, in, out, d);
	case CV_OP_LAYERNORM:
		return run_layernorm(n, in, out, d);
	CV_CASE_TYPED_OPS:
		return interp_typed_node(n, (const void *const *)in, (void *const *)out, d);
	case CV_OP_COUNT:
		break;
	}
	return UNSUPPORTED("node '%s': unknown op code %d (not in ops.def)", n->name, (int)n->op);
}
