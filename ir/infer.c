/*
 * infer.c - shape inference: result types from operand types and attrs.
 *
 * One function per op family; cv_node_infer dispatches over the op table.
 * Every formula is the ONNX operator's, written out where it is computed.
 */
#include <string.h>

#include "convc/ir.h"
#include "ir/conv3d.h"

#define ERR(...) cv_diag_error(d, CV_ERR_INPUT, __VA_ARGS__)
#define ATTR_LIMIT ((int64_t)1 << 30) /* as the text IR bounds integers */

static const cv_type *in_type(const cv_node *n, int i)
{
	return n->inputs[i] ? &n->inputs[i]->type : NULL;
}

static cv_status need_rank(const cv_node *n, int i, int rank, cv_diag *d)
{
	const cv_type *t = in_type(n, i);

	if (t && t->rank != rank)
		return ERR("%s '%s': operand %d has rank %d, expected %d", cv_op_name(n->op),
			   n->name, i, t->rank, rank);
	return CV_OK;
}

/* Output length along one spatial axis. */
static cv_status conv_len(const cv_node *n, int k, int64_t in, int64_t kernel, int64_t *len,
			  cv_diag *d)
{
	const cv_conv_attrs *a = &n->attrs.conv;
	int64_t ext, t;

	if (a->strides[k] < 1 || a->dilations[k] < 1 || a->pads[k] < 0 || a->pads[k + 2] < 0)
		return ERR("%s '%s': strides and dilations must be >= 1 and pads >= 0", cv_op_name(n->op),
			   n->name);
	/* Attributes straight from an ONNX file are any int64: bound them (as
	 * the text IR does) so that the formulas below cannot overflow. */
	if (a->strides[k] > ATTR_LIMIT || a->dilations[k] > ATTR_LIMIT || a->pads[k] > ATTR_LIMIT ||
	    a->pads[k + 2] > ATTR_LIMIT || a->output_padding[k] < 0 ||
	    a->output_padding[k] > ATTR_LIMIT || kernel > ATTR_LIMIT || in > ATTR_LIMIT)
		return ERR("%s '%s': a stride, dilation, pad, kernel or input size is beyond 2^30",
			   cv_op_name(n->op), n->name);
	ext = a->dilations[k] * (kernel - 1) + 1;
	if (n->op == CV_OP_CONV_TRANSPOSE2D) {
		/* out = (in-1)*s - pad_begin - pad_end + dil*(k-1) + out_pad + 1 */
		if (__builtin_mul_overflow(in - 1, a->strides[k], &t))
			return ERR("%s '%s': output size overflows", cv_op_name(n->op), n->name);
		*len = t - a->pads[k] - a->pads[k + 2] + ext + a->output_padding[k];
	} else {
		/* out = (in + pad_begin + pad_end - dil*(k-1) - 1) / s + 1 */
		*len = (in + a->pads[k] + a->pads[k + 2] - ext) / a->strides[k] + 1;
		if (in + a->pads[k] + a->pads[k + 2] < ext)
			*len = 0;
	}
	if (*len < 1)
		return ERR("%s '%s': kernel %lld (dilated %lld) does not fit input %lld with pads %lld+%lld",
			   cv_op_name(n->op), n->name, (long long)kernel, (long long)ext, (long long)in,
			   (long long)a->pads[k], (long long)a->pads[k + 2]);
	return CV_OK;
}

/* Channel counts: conv2d/dwconv2d weight [M, C/g] per its layout; the
 * transpose's IOHW weight is [C, M/g]. */
static cv_status conv_channels(const cv_node *n, const cv_nchw *x, const cv_oihw *w, int64_t *m,
			       cv_diag *d)
{
	int64_t g = n->attrs.conv.group;
	const char *op = cv_op_name(n->op);

	if (g < 1 || x->c % g)
		return ERR("%s '%s': %lld input channels are not divisible by group %lld", op, n->name,
			   (long long)x->c, (long long)g);
	if (n->op == CV_OP_CONV_TRANSPOSE2D) {
		if (w->i != x->c)
			return ERR("%s '%s': weight has %lld input channels, input has %lld", op, n->name,
				   (long long)w->i, (long long)x->c);
		*m = w->o * g;
		return CV_OK;
	}
	if (w->i * g != x->c)
		return ERR("%s '%s': weight has %lld input channels per group, input has %lld channels in %lld groups",
			   op, n->name, (long long)w->i, (long long)x->c, (long long)g);
	*m = w->o;
	if (*m % g)
		return ERR("%s '%s': %lld output channels are not divisible by group %lld", op, n->name,
			   (long long)*m, (long long)g);
	if (n->op == CV_OP_DWCONV2D && (g != x->c || *m != x->c))
		return ERR("dwconv2d '%s': needs group = input channels = output channels (%lld, %lld, %lld)",
			   n->name, (long long)g, (long long)x->c, (long long)*m);
	return CV_OK;
}

int cv_conv_winograd_shape(const cv_node *n)
{
	const cv_conv_attrs *a = &n->attrs.conv;
	cv_oihw w;

	if (n->op != CV_OP_CONV2D)
		return 0;
	w = cv_type_oihw(&n->inputs[1]->type);
	return w.kh == 3 && w.kw == 3 && a->strides[0] == 1 && a->strides[1] == 1 &&
	       a->dilations[0] == 1 && a->dilations[1] == 1 && a->group == 1;
}

int cv_conv_algo_tile(cv_conv_algo a)
{
	return a == CV_CONV_ALGO_WINOGRAD2 ? 2 : a == CV_CONV_ALGO_WINOGRAD4 ? 4 : 0;
}

/* conv2d's in_scale operand (ops.def): x's dtype and layout, dims N and C
 * of x, 1 for H and W. */
static cv_status check_in_scale(const cv_node *n, const cv_type *x, cv_diag *d)
{
	const cv_type *s = n->num_inputs > CV_CONV_IN_SCALE ? in_type(n, CV_CONV_IN_SCALE) : NULL;
	cv_type want;
	char a[96], b[96];

	if (!s)
		return CV_OK;
	want = *x;
	want.dims[cv_spatial_axis(&want, 0)] = 1;
	want.dims[cv_spatial_axis(&want, 1)] = 1;
	if (!cv_type_equal(s, &want))
		return ERR("conv2d '%s': in_scale is %s %s; it must be %s %s (x's batch and channels, 1 "
			   "for height and width, x's layout)", n->name, cv_type_str(s, a, sizeof a),
			   cv_layout_name(s->layout), cv_type_str(&want, b, sizeof b),
			   cv_layout_name(want.layout));
	return CV_OK;
}

static cv_status infer_conv(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_type *x = in_type(n, 0), *b = in_type(n, 2), *r = n->num_inputs > 3 ? in_type(n, 3) : NULL;
	cv_nchw xd;
	cv_oihw wd;
	int64_t m = 0, len = 0;
	int k;

	if (need_rank(n, 0, 4, d) || need_rank(n, 1, 4, d))
		return CV_ERR_INPUT;
	xd = cv_type_nchw(x);
	wd = cv_type_oihw(in_type(n, 1));
	if (conv_channels(n, &xd, &wd, &m, d) || check_in_scale(n, x, d))
		return CV_ERR_INPUT;
	if (n->op == CV_OP_CONV2D && cv_conv_algo_tile(n->attrs.conv.algo) &&
	    !cv_conv_winograd_shape(n))
		return ERR("conv2d '%s': algo=%s needs a 3x3 kernel, strides 1, dilations 1 and group 1",
			   n->name, cv_conv_algo_names[n->attrs.conv.algo]);
	if (b && (b->rank != 1 || b->dims[0] != m))
		return ERR("%s '%s': bias must be [%lld]", cv_op_name(n->op), n->name, (long long)m);
	*out = *x;
	if (out->layout != CV_LAYOUT_NHWC)
		out->layout = CV_LAYOUT_NCHW;
	out->dims[cv_channel_axis(out)] = m;
	for (k = 0; k < 2; k++) {
		if (conv_len(n, k, k ? xd.w : xd.h, k ? wd.kw : wd.kh, &len, d))
			return CV_ERR_INPUT;
		out->dims[cv_spatial_axis(out, k)] = len;
	}
	if (r && !cv_type_equal(r, out))
		return ERR("%s '%s': the residual operand must have the result's type", cv_op_name(n->op),
			   n->name);
	return CV_OK;
}

/* Window k of a pool over nd spatial dims (2, or 3 for a maxpool_indices
 * on [N,C,D,H,W], whose first is depth[]): kernel, stride, dilation, begin
 * and end pad. */
void cv_pool_window(const cv_pool_attrs *a, int nd, int k, int64_t w[5])
{
	if (nd == 3 && k == 0) {
		memcpy(w, a->depth, 5 * sizeof *w);
		return;
	}
	k -= nd - 2;
	w[0] = a->kernel[k];
	w[1] = a->strides[k];
	w[2] = a->dilations[k];
	w[3] = a->pads[k];
	w[4] = a->pads[k + 2];
}

static cv_status infer_pool(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_pool_attrs *a = &n->attrs.pool;
	const cv_type *x = in_type(n, 0);
	int64_t ext, span, len, in, w[5];
	int k, nd = n->op == CV_OP_MAXPOOL_INDICES && x->rank == 5 ? 3 : 2;

	if (need_rank(n, 0, nd + 2, d))
		return CV_ERR_INPUT;
	if (nd == 2 && (a->depth[0] || a->depth[1] || a->depth[2] || a->depth[3] || a->depth[4]))
		return ERR("%s '%s': depth is for a 3-D maxpool_indices only", cv_op_name(n->op), n->name);
	*out = *x;
	for (k = 0; k < nd; k++) {
		int axis = nd == 3 ? 2 + k : cv_spatial_axis(x, k);
		in = x->dims[axis];
		cv_pool_window(a, nd, k, w);
		if (w[1] < 1 || w[2] < 1 || w[0] < 1)
			return ERR("pool2d '%s': kernel, strides and dilations must be >= 1", n->name);
		/* bounded as conv_len bounds a conv's, so the sums below cannot overflow */
		if (w[1] > ATTR_LIMIT || w[2] > ATTR_LIMIT || w[0] > ATTR_LIMIT || w[3] < 0 ||
		    w[3] > ATTR_LIMIT || w[4] < 0 || w[4] > ATTR_LIMIT || in > ATTR_LIMIT)
			return ERR("pool2d '%s': a stride, dilation, pad, kernel or input size is "
				   "negative or beyond 2^30", n->name);
		ext = w[2] * (w[0] - 1) + 1;
		span = in + w[3] + w[4] - ext;
		if (span < 0)
			return ERR("pool2d '%s': window %lld does not fit input %lld with pads %lld+%lld",
				   n->name, (long long)ext, (long long)in, (long long)w[3], (long long)w[4]);
		/* floor or ceil of span / stride, plus one */
		len = (a->ceil_mode ? (span + w[1] - 1) : span) / w[1] + 1;
		/* ceil_mode: a last window that starts inside the end padding is dropped */
		if (a->ceil_mode && (len - 1) * w[1] >= in + w[3])
			len--;
		out->dims[axis] = len;
	}
	if (n->op == CV_OP_POOL2D && a->storage_order)
		return ERR("pool2d '%s': storage_order is maxpool_indices' attribute", n->name);
	return CV_OK;
}

/* maxpool_indices: pool2d's result, and the i64 indices of the same dims;
 * the indices number x's elements in NCHW order, so x is nchw or plain. */
static cv_status infer_maxpool_indices(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_type *x = in_type(n, 0);
	cv_status st;

	if (n->attrs.pool.kind != CV_POOL_MAX)
		return ERR("maxpool_indices '%s': kind must be max", n->name);
	if (x->layout != CV_LAYOUT_NCHW && x->layout != CV_LAYOUT_NCDHW && x->layout != CV_LAYOUT_PLAIN)
		return ERR("maxpool_indices '%s': x is %s; the indices count in nchw order, so x must be "
			   "nchw, ncdhw or plain", n->name, cv_layout_name(x->layout));
	if ((st = infer_pool(n, out, d)))
		return st;
	out[1] = out[0];
	out[1].dtype = CV_I64;
	return CV_OK;
}

/* NumPy broadcasting of two shapes; the result takes the layout of the
 * operand whose rank matches it. */
static cv_status infer_broadcast(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_type *a = in_type(n, 0), *b = in_type(n, 1);
	const cv_type *big = a->rank >= b->rank ? a : b;
	int k;

	/* pow's exponent may have another dtype; its result has the base's */
	if (a->dtype != b->dtype && n->op != CV_OP_POW)
		return ERR("%s '%s': operand dtypes differ (%s, %s)", cv_op_name(n->op), n->name,
			   cv_dtype_name(a->dtype), cv_dtype_name(b->dtype));
	*out = *big;
	for (k = 0; k < big->rank; k++) {
		int ia = k - (big->rank - a->rank), ib = k - (big->rank - b->rank);
		int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
		if (da != db && da != 1 && db != 1)
			return ERR("%s '%s': cannot broadcast dim %d: %lld vs %lld", cv_op_name(n->op),
				   n->name, k, (long long)da, (long long)db);
		out->dims[k] = da == 1 ? db : da;
	}
	out->dtype = a->dtype;
	return CV_OK;
}

/* prelu(x, slope): slope broadcasts to x (ONNX's unidirectional
 * broadcasting), the result is x's type. */
static cv_status infer_prelu(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_type *x = in_type(n, 0), *s = in_type(n, 1);
	char bs[64], bx[64];
	cv_status st;
	int k;

	if ((st = infer_broadcast(n, out, d)))
		return st;
	for (k = 0; k < x->rank && s->rank <= x->rank; k++)
		if (out->dims[k] != x->dims[k])
			break;
	if (s->rank > x->rank || k < x->rank)
		return ERR("prelu '%s': slope %s does not broadcast to x %s", n->name,
			   cv_type_str(s, bs, sizeof bs), cv_type_str(x, bx, sizeof bx));
	*out = *x;
	return CV_OK;
}

static cv_status infer_gemm(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_gemm_attrs *a = &n->attrs.gemm;
	const cv_type *ta = in_type(n, 0), *tb = in_type(n, 1), *tc = in_type(n, 2);
	int64_t m, k, k2, nn;

	if (need_rank(n, 0, 2, d) || need_rank(n, 1, 2, d))
		return CV_ERR_INPUT;
	m = a->trans_a ? ta->dims[1] : ta->dims[0];
	k = a->trans_a ? ta->dims[0] : ta->dims[1];
	k2 = a->trans_b ? tb->dims[1] : tb->dims[0];
	nn = a->trans_b ? tb->dims[0] : tb->dims[1];
	if (k != k2)
		return ERR("gemm '%s': A has %lld columns, B has %lld rows", n->name, (long long)k,
			   (long long)k2);
	*out = *ta;
	out->layout = CV_LAYOUT_PLAIN;
	out->dims[0] = m;
	out->dims[1] = nn;
	if (tc) {
		int i;
		if (tc->rank > 2)
			return ERR("gemm '%s': C has rank %d", n->name, tc->rank);
		for (i = 0; i < tc->rank; i++) {
			int64_t want = out->dims[2 - tc->rank + i];
			if (tc->dims[i] != 1 && tc->dims[i] != want)
				return ERR("gemm '%s': C dim %d is %lld, cannot broadcast to %lld", n->name, i,
					   (long long)tc->dims[i], (long long)want);
		}
	}
	return CV_OK;
}

/* NumPy matmul: 1-D operands are promoted, batch dims broadcast. */
static cv_status infer_matmul(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_type *a = in_type(n, 0), *b = in_type(n, 1);
	cv_type ba = *a, bb = *b, batch;
	int kb, k;

	if (a->rank < 1 || b->rank < 1)
		return ERR("matmul '%s': operands must have rank >= 1", n->name);
	if (a->dims[a->rank - 1] != (b->rank == 1 ? b->dims[0] : b->dims[b->rank - 2]))
		return ERR("matmul '%s': inner dims differ: %lld vs %lld", n->name,
			   (long long)a->dims[a->rank - 1],
			   (long long)(b->rank == 1 ? b->dims[0] : b->dims[b->rank - 2]));
	ba.rank = a->rank > 2 ? a->rank - 2 : 0;
	bb.rank = b->rank > 2 ? b->rank - 2 : 0;
	kb = ba.rank >= bb.rank ? ba.rank : bb.rank;
	batch = ba.rank >= bb.rank ? ba : bb;
	for (k = 0; k < kb; k++) {
		int ia = k - (kb - ba.rank), ib = k - (kb - bb.rank);
		int64_t da = ia >= 0 ? ba.dims[ia] : 1, db = ib >= 0 ? bb.dims[ib] : 1;
		if (da != db && da != 1 && db != 1)
			return ERR("matmul '%s': cannot broadcast batch dim %d: %lld vs %lld", n->name, k,
				   (long long)da, (long long)db);
		batch.dims[k] = da == 1 ? db : da;
	}
	*out = *a;
	out->layout = CV_LAYOUT_PLAIN;
	out->rank = kb;
	memcpy(out->dims, batch.dims, sizeof out->dims);
	if (a->rank > 1)
		out->dims[out->rank++] = a->dims[a->rank - 2];
	if (b->rank > 1)
		out->dims[out->rank++] = b->dims[b->rank - 1];
	return CV_OK;
}

static cv_status infer_same_numel(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_type *x = in_type(n, 0);

	*out = n->outputs[0]->type;
	out->dtype = x->dtype;
	if (cv_type_numel(out) != cv_type_numel(x))
		return ERR("reshape '%s': %lld elements cannot become %lld", n->name,
			   (long long)cv_type_numel(x), (long long)cv_type_numel(out));
	return CV_OK;
}

/* expand: the declared dims, which x must broadcast to. */
static cv_status infer_expand(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_type *x = in_type(n, 0);
	int k;

	*out = n->outputs[0]->type;
	out->dtype = x->dtype;
	if (x->rank > out->rank)
		return ERR("expand '%s': rank %d cannot broadcast to rank %d", n->name, x->rank, out->rank);
	for (k = 0; k < x->rank; k++) {
		int64_t xd = x->dims[k], yd = out->dims[out->rank - x->rank + k];
		if (xd != 1 && xd != yd)
			return ERR("expand '%s': dim %d of size %lld cannot broadcast to %lld", n->name, k,
				   (long long)xd, (long long)yd);
	}
	return CV_OK;
}

static cv_status infer_transpose(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_type *x = in_type(n, 0);
	unsigned seen = 0;
	int k;

	*out = *x;
	out->layout = CV_LAYOUT_PLAIN;
	for (k = 0; k < x->rank; k++) {
		int64_t p = n->attrs.perm[k];
		if (p < 0 || p >= x->rank || (seen & (1u << p)))
			return ERR("transpose '%s': perm is not a permutation of %d dims", n->name, x->rank);
		seen |= 1u << p;
		out->dims[k] = x->dims[p];
	}
	return CV_OK;
}

static cv_status infer_concat(const cv_node *n, cv_type *out, cv_diag *d)
{
	int64_t axis = n->attrs.axis;
	int i, k;

	*out = *in_type(n, 0);
	if (axis < 0 || axis >= out->rank)
		return ERR("concat '%s': axis %lld out of range for rank %d", n->name, (long long)axis,
			   out->rank);
	out->dims[axis] = 0;
	for (i = 0; i < n->num_inputs; i++) {
		const cv_type *t = in_type(n, i);
		if (!t || t->rank != out->rank || t->dtype != out->dtype)
			return ERR("concat '%s': operand %d differs in rank or dtype", n->name, i);
		for (k = 0; k < t->rank; k++)
			if (k != axis && t->dims[k] != out->dims[k])
				return ERR("concat '%s': operand %d dim %d is %lld, expected %lld", n->name, i, k,
					   (long long)t->dims[k], (long long)out->dims[k]);
		if (t->dims[axis] > INT64_MAX - out->dims[axis])
			return ERR("concat '%s': the result's dim %lld overflows", n->name, (long long)axis);
		out->dims[axis] += t->dims[axis];
	}
	return CV_OK;
}

static cv_status infer_split(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_type *x = in_type(n, 0);
	int64_t axis = n->attrs.axis, sum = 0;
	int i;

	if (axis < 0 || axis >= x->rank)
		return ERR("split '%s': axis %lld out of range", n->name, (long long)axis);
	for (i = 0; i < n->num_outputs; i++) {
		out[i] = *x;
		out[i].dims[axis] = n->outputs[i]->type.dims[axis];
		if (out[i].dims[axis] < 0)
			return ERR("split '%s': negative split size", n->name);
		if (out[i].dims[axis] > INT64_MAX - sum)
			return ERR("split '%s': the sizes' sum overflows", n->name);
		sum += out[i].dims[axis];
	}
	if (sum != x->dims[axis])
		return ERR("split '%s': sizes add up to %lld, dim is %lld", n->name, (long long)sum,
			   (long long)x->dims[axis]);
	return CV_OK;
}

static cv_status infer_slice(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_slice_attrs *a = &n->attrs.slice;
	const cv_type *x = in_type(n, 0);
	int k;

	*out = *x;
	for (k = 0; k < x->rank; k++) {
		int64_t len = cv_slice_len(a, k, x->dims[k]);
		if (len < 0)
			return ERR("slice '%s': dim %d: start %lld, end %lld, step %lld not normalized for size %lld",
				   n->name, k, (long long)a->starts[k], (long long)a->ends[k],
				   (long long)a->steps[k], (long long)x->dims[k]);
		out->dims[k] = len;
	}
	return CV_OK;
}

static cv_status infer_pad(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_type *x = in_type(n, 0);
	int k;

	*out = *x;
	for (k = 0; k < x->rank; k++) {
		int64_t d0;
		if (__builtin_add_overflow(x->dims[k], n->attrs.pad.pads[k], &d0) ||
		    __builtin_add_overflow(d0, n->attrs.pad.pads[x->rank + k], &out->dims[k]))
			return ERR("pad '%s': dim %d: %lld padded by %lld and %lld overflows int64",
				   n->name, k, (long long)x->dims[k], (long long)n->attrs.pad.pads[k],
				   (long long)n->attrs.pad.pads[x->rank + k]);
		if (out->dims[k] < 0)
			return ERR("pad '%s': dim %d becomes negative", n->name, k);
	}
	return CV_OK;
}

static cv_status infer_resize(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_type *x = in_type(n, 0);

	if (x->rank < 2)
		return ERR("resize '%s': rank %d < 2", n->name, x->rank);
	*out = *x;
	/* nhwc resizes dims 1 and 2; any other layout the last two */
	out->dims[x->layout == CV_LAYOUT_NHWC ? 1 : x->rank - 2] = n->attrs.resize.sizes[0];
	out->dims[x->layout == CV_LAYOUT_NHWC ? 2 : x->rank - 1] = n->attrs.resize.sizes[1];
	if (n->attrs.resize.sizes[0] < 0 || n->attrs.resize.sizes[1] < 0)
		return ERR("resize '%s': negative output size", n->name);
	return CV_OK;
}

static cv_status infer_reduce(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_type *x = in_type(n, 0);
	const cv_reduce_attrs *a = &n->attrs.reduce;
	int k;

	if (a->axes >> x->rank)
		return ERR("%s '%s': axes out of range for rank %d", cv_op_name(n->op), n->name, x->rank);
	*out = *x;
	out->rank = 0;
	for (k = 0; k < x->rank; k++) {
		if (!(a->axes & (1u << k)))
			out->dims[out->rank++] = x->dims[k];
		else if (a->keepdims)
			out->dims[out->rank++] = 1;
	}
	if (!a->keepdims)
		out->layout = CV_LAYOUT_PLAIN;
	return CV_OK;
}

static cv_status infer_bn(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_type *x = in_type(n, 0);
	int i;

	if (x->rank < 2)
		return ERR("batchnorm '%s': input rank %d < 2", n->name, x->rank);
	for (i = 1; i < 5; i++) {
		const cv_type *p = in_type(n, i);
		if (!p || p->rank != 1 || p->dims[0] != x->dims[1])
			return ERR("batchnorm '%s': operand %d must be [%lld]", n->name, i,
				   (long long)x->dims[1]);
	}
	*out = *x;
	return CV_OK;
}

/* lrn: channels are dim 1 (nchw or plain); nhwc is not a layout it reads. */
static cv_status infer_lrn(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_type *x = in_type(n, 0);

	if (x->rank < 3 || x->layout == CV_LAYOUT_NHWC)
		return ERR("lrn '%s': input must be [N,C,...] of rank >= 3 with channels in dim 1, got rank %d %s",
			   n->name, x->rank, cv_layout_name(x->layout));
	if (n->attrs.lrn.size < 1)
		return ERR("lrn '%s': size %lld < 1", n->name, (long long)n->attrs.lrn.size);
	*out = *x;
	return CV_OK;
}

static cv_status infer_softmax(const cv_node *n, cv_type *out, cv_diag *d)
{
	*out = *in_type(n, 0);
	if (n->attrs.softmax.axis < 0 || n->attrs.softmax.axis >= (out->rank ? out->rank : 1))
		return ERR("softmax '%s': axis %lld out of range", n->name,
			   (long long)n->attrs.softmax.axis);
	return CV_OK;
}

/* layernorm: scale (and bias) hold one element per normalized position. */
static cv_status infer_layernorm(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_type *x = in_type(n, 0);
	int64_t axis = n->attrs.norm.axis, len = 1;
	int i, k;

	if (axis < 0 || axis >= (x->rank ? x->rank : 1))
		return ERR("layernorm '%s': axis %lld out of range for rank %d", n->name, (long long)axis,
			   x->rank);
	for (k = (int)axis; k < x->rank; k++)
		len *= x->dims[k];
	for (i = 1; i < n->num_inputs; i++) {
		const cv_type *p = in_type(n, i);
		if (p && cv_type_numel(p) != len)
			return ERR("layernorm '%s': operand %d has %lld elements, the normalized dims %lld",
				   n->name, i, (long long)cv_type_numel(p), (long long)len);
		if (p && p->dtype != x->dtype)
			return ERR("layernorm '%s': operand %d is %s, x is %s", n->name, i,
				   cv_dtype_name(p->dtype), cv_dtype_name(x->dtype));
	}
	if (n->num_outputs > 3)
		return ERR("layernorm '%s': %d results, expected 1 to 3", n->name, n->num_outputs);
	for (i = 0; i < n->num_outputs; i++) {
		out[i] = *x;
		for (k = (int)axis; i && k < x->rank; k++)
			out[i].dims[k] = 1;
	}
	return CV_OK;
}

/* Broadcast like infer_broadcast; the result is bool (comparisons). */
static cv_status infer_compare(const cv_node *n, cv_type *out, cv_diag *d)
{
	cv_status st = infer_broadcast(n, out, d);

	out->dtype = CV_BOOL;
	return st;
}

/* where(c, a, b): the three shapes broadcast together; the result is a's dtype. */
static cv_status infer_where(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_type *t[3] = {in_type(n, 0), in_type(n, 1), in_type(n, 2)};
	int i, k, rank = 0;

	if (t[1]->dtype != t[2]->dtype)
		return ERR("where '%s': operand dtypes differ (%s, %s)", n->name,
			   cv_dtype_name(t[1]->dtype), cv_dtype_name(t[2]->dtype));
	for (i = 0; i < 3; i++)
		if (t[i]->rank > t[rank]->rank)
			rank = i;
	*out = *t[rank];
	out->dtype = t[1]->dtype;
	for (k = 0; k < out->rank; k++) {
		out->dims[k] = 1;
		for (i = 0; i < 3; i++) {
			int j = k - (out->rank - t[i]->rank);
			int64_t dk = j >= 0 ? t[i]->dims[j] : 1;
			if (dk != 1 && out->dims[k] != 1 && dk != out->dims[k])
				return ERR("where '%s': cannot broadcast dim %d: %lld vs %lld", n->name, k,
					   (long long)out->dims[k], (long long)dk);
			if (dk != 1)
				out->dims[k] = dk;
		}
	}
	return CV_OK;
}

/* gather: x[:axis] + indices' dims + x[axis+1:], x's dtype. */
static cv_status infer_gather(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_type *x = in_type(n, 0), *ix = in_type(n, 1);
	int64_t axis = n->attrs.axis;
	int k;

	if (axis < 0 || axis >= x->rank)
		return ERR("gather '%s': axis %lld out of range for rank %d", n->name, (long long)axis, x->rank);
	if (ix->dtype != CV_I64 && ix->dtype != CV_I32)
		return ERR("gather '%s': indices are %s, not i64 or i32", n->name, cv_dtype_name(ix->dtype));
	if (x->rank - 1 + ix->rank > CV_MAX_RANK)
		return ERR("gather '%s': the result's rank %d exceeds %d", n->name, x->rank - 1 + ix->rank,
			   CV_MAX_RANK);
	*out = *x;
	out->layout = CV_LAYOUT_PLAIN;
	out->rank = 0;
	for (k = 0; k < axis; k++)
		out->dims[out->rank++] = x->dims[k];
	for (k = 0; k < ix->rank; k++)
		out->dims[out->rank++] = ix->dims[k];
	for (k = (int)axis + 1; k < x->rank; k++)
		out->dims[out->rank++] = x->dims[k];
	return CV_OK;
}

/* argmax/argmin: x's dims with axis kept as 1 or dropped; i64. */
static cv_status infer_arg(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_type *x = in_type(n, 0);
	const cv_arg_attrs *a = &n->attrs.arg;
	int k;

	if (a->axis < 0 || a->axis >= x->rank)
		return ERR("%s '%s': axis %lld out of range for rank %d", cv_op_name(n->op), n->name,
			   (long long)a->axis, x->rank);
	if (x->dims[a->axis] == 0)
		return ERR("%s '%s': axis %lld has no elements", cv_op_name(n->op), n->name,
			   (long long)a->axis);
	*out = *x;
	out->dtype = CV_I64;
	out->rank = 0;
	for (k = 0; k < x->rank; k++)
		if (k != a->axis)
			out->dims[out->rank++] = x->dims[k];
		else if (a->keepdims)
			out->dims[out->rank++] = 1;
	if (!a->keepdims)
		out->layout = CV_LAYOUT_PLAIN;
	return CV_OK;
}

/* The dtypes of the ops that exist for other dtypes than float32, and of
 * arithmetic on them: data movement and cast take any dtype, arithmetic
 * and the comparisons numbers, the logical ops bool. Every other op's
 * dtypes are checked by the backends and the interpreter, which compute
 * them in float32 only (the IR may hold an f16 batchnorm a backend refuses). */
static cv_status check_dtypes(const cv_node *n, cv_diag *d)
{
	int i;

	switch (n->op) {
	case CV_OP_WHERE:
		if (n->inputs[0]->type.dtype != CV_BOOL)
			return ERR("where '%s': the condition is %s, not bool", n->name,
				   cv_dtype_name(n->inputs[0]->type.dtype));
		return CV_OK;
	case CV_OP_ADD:
	case CV_OP_SUB:
	case CV_OP_MUL:
	case CV_OP_DIV:
		if (n->inputs[0]->type.dtype != CV_F32 && n->attrs.act.kind != CV_ACT_NONE)
			return ERR("%s '%s': a fused activation needs f32, the operands are %s",
				   cv_op_name(n->op), n->name, cv_dtype_name(n->inputs[0]->type.dtype));
		/* fall through */
	case CV_OP_MAX:
	case CV_OP_MIN:
	case CV_OP_POW:
	case CV_OP_NEG:
	case CV_OP_ABS:
	case CV_OP_LESS:
	case CV_OP_GREATER:
	case CV_OP_LESS_EQUAL:
	case CV_OP_GREATER_EQUAL:
	case CV_OP_ARGMAX:
	case CV_OP_ARGMIN:
		for (i = 0; i < n->num_inputs; i++)
			if (n->inputs[i]->type.dtype == CV_BOOL)
				return ERR("%s '%s': operand %d is bool; the op takes numbers", cv_op_name(n->op),
					   n->name, i);
		return CV_OK;
	case CV_OP_NOT:
	case CV_OP_AND:
	case CV_OP_OR:
	case CV_OP_XOR:
		for (i = 0; i < n->num_inputs; i++)
			if (n->inputs[i]->type.dtype != CV_BOOL)
				return ERR("%s '%s': operand %d is %s; the op takes bool", cv_op_name(n->op), n->name,
					   i, cv_dtype_name(n->inputs[i]->type.dtype));
		return CV_OK;
	default:
		return CV_OK;
	}
}

static cv_status check_operands(const cv_node *n, cv_diag *d)
{
	int min = cv_op_min_inputs(n->op), max = cv_op_max_inputs(n->op);
	int outs = cv_op_num_outputs(n->op), i;

	if (n->num_inputs < min || n->num_inputs > max)
		return ERR("%s '%s': %d operands, expected %d to %d", cv_op_name(n->op), n->name,
			   n->num_inputs, min, max);
	if (outs ? n->num_outputs != outs : n->num_outputs < 1)
		return ERR("%s '%s': %d results", cv_op_name(n->op), n->name, n->num_outputs);
	for (i = 0; i < min; i++)
		if (!n->inputs[i])
			return ERR("%s '%s': operand %d is missing", cv_op_name(n->op), n->name, i);
	return CV_OK;
}

cv_status cv_node_infer(const cv_node *n, cv_type *out, cv_diag *d)
{
	cv_status st = check_operands(n, d);

	if (st || (st = check_dtypes(n, d)))
		return st;
	switch (n->op) {
	case CV_OP_CONV2D:
	case CV_OP_DWCONV2D:
	case CV_OP_CONV_TRANSPOSE2D:
		return infer_conv(n, out, d);
	case CV_OP_CONV3D:
	case CV_OP_CONV_TRANSPOSE3D:
		return cvi_conv3d_infer(n, out, d);
	case CV_OP_BATCHNORM:
		return infer_bn(n, out, d);
	CV_CASE_ACT_OPS:
	case CV_OP_RESHARD:
	case CV_OP_NEG:
	case CV_OP_ABS:
	case CV_OP_RECIPROCAL:
	case CV_OP_SQRT:
	case CV_OP_NOT:
		*out = *in_type(n, 0);
		return CV_OK;
	case CV_OP_ADD:
	case CV_OP_SUB:
	case CV_OP_MUL:
	case CV_OP_DIV:
	case CV_OP_MAX:
	case CV_OP_MIN:
	case CV_OP_POW:
	case CV_OP_AND:
	case CV_OP_OR:
	case CV_OP_XOR:
		return infer_broadcast(n, out, d);
	case CV_OP_LRN:
		return infer_lrn(n, out, d);
	case CV_OP_PRELU:
		return infer_prelu(n, out, d);
	case CV_OP_POOL2D:
		return infer_pool(n, out, d);
	case CV_OP_MAXPOOL_INDICES:
		return infer_maxpool_indices(n, out, d);
	case CV_OP_REDUCE_MEAN:
	case CV_OP_REDUCE_SUM:
	case CV_OP_REDUCE_MAX:
	case CV_OP_REDUCE_MIN:
	case CV_OP_REDUCE_L2:
		return infer_reduce(n, out, d);
	case CV_OP_GEMM:
		return infer_gemm(n, out, d);
	case CV_OP_MATMUL:
		return infer_matmul(n, out, d);
	case CV_OP_RESHAPE:
		return infer_same_numel(n, out, d);
	case CV_OP_TRANSPOSE:
		return infer_transpose(n, out, d);
	case CV_OP_EXPAND:
		return infer_expand(n, out, d);
	case CV_OP_CONCAT:
		return infer_concat(n, out, d);
	case CV_OP_SPLIT:
		return infer_split(n, out, d);
	case CV_OP_SLICE:
		return infer_slice(n, out, d);
	case CV_OP_PAD:
		return infer_pad(n, out, d);
	case CV_OP_RESIZE:
		return infer_resize(n, out, d);
	case CV_OP_SOFTMAX:
		return infer_softmax(n, out, d);
	case CV_OP_LAYERNORM:
		return infer_layernorm(n, out, d);
	case CV_OP_CAST:
		*out = *in_type(n, 0);
		if ((unsigned)n->attrs.cast_to >= CV_DTYPE_COUNT)
			return ERR("cast '%s': unknown dtype %d", n->name, (int)n->attrs.cast_to);
		out->dtype = n->attrs.cast_to;
		return CV_OK;
	case CV_OP_EQUAL:
	case CV_OP_LESS:
	case CV_OP_GREATER:
	case CV_OP_LESS_EQUAL:
	case CV_OP_GREATER_EQUAL:
		return infer_compare(n, out, d);
	case CV_OP_WHERE:
		return infer_where(n, out, d);
	case CV_OP_ARGMAX:
	case CV_OP_ARGMIN:
		return infer_arg(n, out, d);
	case CV_OP_GATHER:
		return infer_gather(n, out, d);
	case CV_OP_COUNT:
		break;
	}
	return cv_diag_error(d, CV_ERR_INTERNAL, "node '%s': unknown op %d", n->name, (int)n->op);
}

cv_status cv_node_infer_types(cv_node *n, cv_diag *d)
{
	cv_type out[64];
	cv_status st;
	int i;

	if (n->num_outputs > 64)
		return ERR("%s '%s': too many results (%d)", cv_op_name(n->op), n->name, n->num_outputs);
	st = cv_node_infer(n, out, d);
	if (st)
		return st;
	for (i = 0; i < n->num_outputs; i++) {
		if (cv_type_numel(&out[i]) < 0)
			return ERR("%s '%s': result %d has too many elements", cv_op_name(n->op), n->name, i);
		n->outputs[i]->type = out[i];
	}
	return CV_OK;
}
