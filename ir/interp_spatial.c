/*
 * interp_spatial.c - the reference interpreter's layout-aware kernels:
 * conv2d and dwconv2d (the same sum; dwconv2d has group = C), conv_transpose2d,
 * batchnorm, pool2d and resize.
 *
 * Each reads its tensors through a view (extents plus strides in elements)
 * built from the value's type layout, so nchw and nhwc activations, and
 * oihw, ohwi and hwio conv weights, run through the same loops. Shapes are
 * checked against the attrs before any buffer is touched.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "ir/interp_ops.h"

/* ---- layouts ---- */

/* An activation tensor as n, c, h, w extents and their strides (elements). */
typedef struct act_view {
	int64_t n, c, h, w;
	int64_t sn, sc, sh, sw;
} act_view;

static cv_status act_view_of(const cv_node *n, const cv_type *t, const char *what, act_view *v,
			     cv_diag *d)
{
	cv_nchw e;

	if (t->rank != 4)
		return BROKEN("%s '%s': %s has rank %d, expected 4", OPNAME(n), what, t->rank);
	if (t->layout != CV_LAYOUT_PLAIN && t->layout != CV_LAYOUT_NCHW && t->layout != CV_LAYOUT_NHWC)
		return UNSUPPORTED("%s '%s': %s has layout %s; the interpreter implements nchw and nhwc",
				   OPNAME(n), what, cv_layout_name(t->layout));
	e = cv_type_nchw(t); /* extents in the layout's order (plain reads as nchw) */
	v->n = e.n, v->c = e.c, v->h = e.h, v->w = e.w;
	if (t->layout == CV_LAYOUT_NHWC)
		v->sc = 1, v->sw = v->c, v->sh = v->w * v->c, v->sn = v->h * v->sh;
	else
		v->sw = 1, v->sh = v->w, v->sc = v->h * v->w, v->sn = v->c * v->sc;
	return CV_OK;
}

/* A conv weight as o (out channels), i (in channels per group), kh, kw
 * extents and their strides. For iohw, o is the out channels per group. */
typedef struct filter_view {
	int64_t o, i, kh, kw;
	int64_t so, si, skh, skw;
} filter_view;

static cv_status filter_view_of(const cv_node *n, const cv_type *t, filter_view *v, cv_diag *d)
{
	cv_layout l = t->layout == CV_LAYOUT_PLAIN ? CV_LAYOUT_OIHW : t->layout;
	cv_oihw e;

	if (t->rank != 4)
		return BROKEN("%s '%s': weight has rank %d, expected 4", OPNAME(n), t->rank);
	if (n->op == CV_OP_CONV_TRANSPOSE2D && l != CV_LAYOUT_IOHW)
		return UNSUPPORTED("conv_transpose2d '%s': weight has layout %s; the interpreter implements iohw",
				   n->name, cv_layout_name(t->layout));
	if (n->op != CV_OP_CONV_TRANSPOSE2D && l != CV_LAYOUT_OIHW && l != CV_LAYOUT_OHWI &&
	    l != CV_LAYOUT_HWIO)
		return UNSUPPORTED("conv2d '%s': weight has layout %s; the interpreter implements oihw, ohwi and hwio",
				   n->name, cv_layout_name(t->layout));
	e = cv_type_oihw(t); /* extents in the layout's order */
	v->o = e.o, v->i = e.i, v->kh = e.kh, v->kw = e.kw;
	switch (l) {
	case CV_LAYOUT_IOHW:
		v->skw = 1, v->skh = v->kw, v->so = v->kh * v->kw, v->si = v->o * v->so;
		break;
	case CV_LAYOUT_OHWI:
		v->si = 1, v->skw = v->i, v->skh = v->kw * v->i, v->so = v->kh * v->skh;
		break;
	case CV_LAYOUT_HWIO:
		v->so = 1, v->si = v->o, v->skw = v->i * v->o, v->skh = v->kw * v->skw;
		break;
	default: /* oihw */
		v->skw = 1, v->skh = v->kw, v->si = v->kh * v->kw, v->so = v->i * v->si;
		break;
	}
	return CV_OK;
}

/* ---- conv2d, conv_transpose2d ---- */

typedef struct conv_geom {
	const cv_conv_attrs *a;
	act_view x, y;
	filter_view w;
	int64_t in_per_group, out_per_group;
} conv_geom;

/* Result extent of one spatial axis (ONNX Conv / ConvTranspose). */
static int64_t conv_out_len(const cv_node *n, int k, int64_t in, int64_t kernel)
{
	const cv_conv_attrs *a = &n->attrs.conv;
	int64_t ext = a->dilations[k] * (kernel - 1) + 1;

	if (n->op == CV_OP_CONV_TRANSPOSE2D) /* (in-1)*s - pad_b - pad_e + dil*(k-1) + out_pad + 1 */
		return (in - 1) * a->strides[k] - a->pads[k] - a->pads[k + 2] + ext + a->output_padding[k];
	if (in + a->pads[k] + a->pads[k + 2] < ext) /* the kernel does not fit */
		return -1;
	return (in + a->pads[k] + a->pads[k + 2] - ext) / a->strides[k] + 1; /* floor */
}

static cv_status conv_geom_check(const cv_node *n, conv_geom *c, const cv_type *bias, cv_diag *d)
{
	const cv_conv_attrs *a = c->a;
	int transpose = n->op == CV_OP_CONV_TRANSPOSE2D;
	int64_t out_c = transpose ? c->w.o * a->group : c->w.o;
	int k;

	if (a->group < 1 || c->x.c % a->group || out_c % a->group)
		return BROKEN("%s '%s': group %lld does not divide %lld input and %lld output channels",
			      OPNAME(n), (long long)a->group, (long long)c->x.c, (long long)out_c);
	c->in_per_group = c->x.c / a->group;
	c->out_per_group = out_c / a->group;
	if ((transpose ? c->w.i != c->x.c : c->w.i != c->in_per_group) || c->y.c != out_c ||
	    c->y.n != c->x.n)
		return BROKEN("%s '%s': weight has %lld in / %lld out channels; input has %lld, result %lld (group %lld)",
			      OPNAME(n), (long long)c->w.i, (long long)c->w.o, (long long)c->x.c,
			      (long long)c->y.c, (long long)a->group);
	if (bias && cv_type_numel(bias) != out_c)
		return BROKEN("%s '%s': bias has %lld elements for %lld channels", OPNAME(n),
			      (long long)cv_type_numel(bias), (long long)out_c);
	for (k = 0; k < 2; k++)
		if (a->strides[k] < 1 || a->dilations[k] < 1)
			return BROKEN("%s '%s': strides and dilations must be >= 1", OPNAME(n));
	if (conv_out_len(n, 0, c->x.h, c->w.kh) != c->y.h || conv_out_len(n, 1, c->x.w, c->w.kw) != c->y.w)
		return BROKEN("%s '%s': result is %lldx%lld, attrs give %lldx%lld", OPNAME(n),
			      (long long)c->y.h, (long long)c->y.w,
			      (long long)conv_out_len(n, 0, c->x.h, c->w.kh),
			      (long long)conv_out_len(n, 1, c->x.w, c->w.kw));
	return CV_OK;
}

static cv_status conv_geom_of(const cv_node *n, conv_geom *c, cv_diag *d)
{
	cv_status st;

	c->a = &n->attrs.conv;
	if ((st = act_view_of(n, in_type(n, 0), "input", &c->x, d)) ||
	    (st = act_view_of(n, out_type(n, 0), "result", &c->y, d)) ||
	    (st = filter_view_of(n, in_type(n, 1), &c->w, d)) || (st = act_check(n, &c->a->act, d)))
		return st;
	return conv_geom_check(n, c, in_type(n, 2), d);
}

/*
 * One conv2d output position: the sum over one group's input channels and
 * the kernel window. x points at (batch, first channel of the group), w at
 * the output channel's filter; s, when not NULL, at the in_scale factors of
 * the same batch and channels (contiguous: in_scale is [N,1,1,C] or
 * [N,C,1,1]), each multiplying its channel of x.
 */
static double conv2d_point(const conv_geom *c, const float *x, const float *w, const float *s,
			   int64_t oy, int64_t ox)
{
	const cv_conv_attrs *a = c->a;
	double acc = 0;
	int64_t ic, ky, kx;

	for (ic = 0; ic < c->in_per_group; ic++)
		for (ky = 0; ky < c->w.kh; ky++) {
			int64_t iy = oy * a->strides[0] - a->pads[0] + ky * a->dilations[0];
			const float *xr, *wr;
			if (iy < 0 || iy >= c->x.h)
				continue; /* zero padding */
			xr = x + ic * c->x.sc + iy * c->x.sh;
			wr = w + ic * c->w.si + ky * c->w.skh;
			for (kx = 0; kx < c->w.kw; kx++) {
				int64_t ix = ox * a->strides[1] - a->pads[1] + kx * a->dilations[1];
				if (ix >= 0 && ix < c->x.w)
					acc += (double)(s ? xr[ix * c->x.sw] * s[ic] : xr[ix * c->x.sw]) *
					       wr[kx * c->w.skw];
			}
		}
	return acc;
}

cv_status interp_conv2d(const cv_node *n, const float *const *in, float *const *out, cv_diag *d)
{
	const float *bias = n->num_inputs > 2 ? in[2] : NULL;
	const float *res = n->num_inputs > 3 ? in[3] : NULL; /* shaped and laid out like y */
	const float *scale = n->num_inputs > CV_CONV_IN_SCALE ? in[CV_CONV_IN_SCALE] : NULL; /* [N,C] in effect */
	conv_geom c;
	int64_t b, oc, oy, ox;
	cv_status st;

	if ((st = conv_geom_of(n, &c, d)))
		return st;
	if (scale && cv_type_numel(in_type(n, CV_CONV_IN_SCALE)) != c.x.n * c.x.c)
		return BROKEN("%s '%s': in_scale has %lld elements, expected N*C = %lld", OPNAME(n),
			      (long long)cv_type_numel(in_type(n, CV_CONV_IN_SCALE)), (long long)(c.x.n * c.x.c));
	for (b = 0; b < c.y.n; b++)
		for (oc = 0; oc < c.y.c; oc++) {
			int64_t g = oc / c.out_per_group;
			const float *x = in[0] + b * c.x.sn + g * c.in_per_group * c.x.sc;
			const float *w = in[1] + oc * c.w.so;
			const float *s = scale ? scale + b * c.x.c + g * c.in_per_group : NULL;
			int64_t base = b * c.y.sn + oc * c.y.sc;
			for (oy = 0; oy < c.y.h; oy++)
				for (ox = 0; ox < c.y.w; ox++) {
					int64_t at = base + oy * c.y.sh + ox * c.y.sw;
					double v = conv2d_point(&c, x, w, s, oy, ox) + (bias ? bias[oc] : 0);
					if (res)
						v += res[at];
					out[0][at] = (float)act_apply(&c.a->act, v);
				}
		}
	return CV_OK;
}

/* Input index that output position o reads through kernel tap k, or -1:
 * o = i*stride - pad + k*dil must hold for an integer i inside [0, len). */
static int64_t transposed_source(int64_t o, int64_t k, int64_t stride, int64_t pad, int64_t dil,
				 int64_t len)
{
	int64_t t = o + pad - k * dil;

	if (t < 0 || t % stride)
		return -1;
	return t / stride < len ? t / stride : -1;
}

/* One conv_transpose2d output position, gathered from the input pixels
 * that scatter into it. x points at (batch, first channel of the group), w
 * at (first input channel of the group, output channel within the group). */
static double conv_transpose2d_point(const conv_geom *c, const float *x, const float *w,
				     int64_t oy, int64_t ox)
{
	const cv_conv_attrs *a = c->a;
	double acc = 0;
	int64_t ic, ky, kx;

	for (ic = 0; ic < c->in_per_group; ic++)
		for (ky = 0; ky < c->w.kh; ky++) {
			int64_t iy = transposed_source(oy, ky, a->strides[0], a->pads[0], a->dilations[0], c->x.h);
			if (iy < 0)
				continue;
			for (kx = 0; kx < c->w.kw; kx++) {
				int64_t ix = transposed_source(ox, kx, a->strides[1], a->pads[1],
							       a->dilations[1], c->x.w);
				if (ix >= 0)
					acc += (double)x[ic * c->x.sc + iy * c->x.sh + ix * c->x.sw] *
					       w[ic * c->w.si + ky * c->w.skh + kx * c->w.skw];
			}
		}
	return acc;
}

cv_status interp_conv_transpose2d(const cv_node *n, const float *const *in, float *const *out,
				      cv_diag *d)
{
	const float *bias = n->num_inputs > 2 ? in[2] : NULL;
	conv_geom c;
	int64_t b, oc, oy, ox;
	cv_status st;

	if ((st = conv_geom_of(n, &c, d)))
		return st;
	for (b = 0; b < c.y.n; b++)
		for (oc = 0; oc < c.y.c; oc++) {
			int64_t g = oc / c.out_per_group;
			const float *x = in[0] + b * c.x.sn + g * c.in_per_group * c.x.sc;
			const float *w = in[1] + g * c.in_per_group * c.w.si + (oc % c.out_per_group) * c.w.so;
			float *y = out[0] + b * c.y.sn + oc * c.y.sc;
			for (oy = 0; oy < c.y.h; oy++)
				for (ox = 0; ox < c.y.w; ox++) {
					double v = conv_transpose2d_point(&c, x, w, oy, ox) + (bias ? bias[oc] : 0);
					y[oy * c.y.sh + ox * c.y.sw] = (float)act_apply(&c.a->act, v);
				}
		}
	return CV_OK;
}

/* ---- batchnorm ---- */

cv_status interp_batchnorm(const cv_node *n, const float *const *in, float *const *out,
			       cv_diag *d)
{
	const cv_type *x = in_type(n, 0);
	int cdim = x->layout == CV_LAYOUT_NHWC ? x->rank - 1 : 1;
	int64_t i, c, count = cv_type_numel(x), inner;
	int k;

	if (x->layout != CV_LAYOUT_PLAIN && x->layout != CV_LAYOUT_NCHW && x->layout != CV_LAYOUT_NHWC &&
	    x->layout != CV_LAYOUT_NCDHW)
		return UNSUPPORTED("batchnorm '%s': input has layout %s; the interpreter implements plain, nchw, nhwc and ncdhw",
				   n->name, cv_layout_name(x->layout));
	if (x->rank < 2 || (x->layout == CV_LAYOUT_NHWC && x->rank != 4) ||
	    !cv_type_equal(x, out_type(n, 0)))
		return BROKEN("batchnorm '%s': input and result types differ or rank %d < 2", n->name, x->rank);
	for (k = 1; k < 5; k++)
		if (cv_type_numel(in_type(n, k)) != x->dims[cdim])
			return BROKEN("batchnorm '%s': operand %d has %lld elements for %lld channels", n->name, k,
				      (long long)cv_type_numel(in_type(n, k)), (long long)x->dims[cdim]);
	inner = dims_product(x, cdim + 1, x->rank);
	for (i = 0; i < count; i++) {
		double v;
		c = (i / inner) % x->dims[cdim];
		/* y = (x - mean) / sqrt(var + eps) * scale + shift */
		v = ((double)in[0][i] - in[3][c]) / sqrt((double)in[4][c] + n->attrs.bn_eps);
		out[0][i] = (float)(v * in[1][c] + in[2][c]);
	}
	return CV_OK;
}

/* ---- pool2d ---- */

typedef struct pool_geom {
	const cv_pool_attrs *a;
	act_view x, y;
} pool_geom;

static cv_status pool_geom_of(const cv_node *n, pool_geom *p, cv_diag *d)
{
	const cv_pool_attrs *a = &n->attrs.pool;
	cv_status st;
	int k;

	p->a = a;
	if ((st = act_view_of(n, in_type(n, 0), "input", &p->x, d)) ||
	    (st = act_view_of(n, out_type(n, 0), "result", &p->y, d)))
		return st;
	if (a->kind != CV_POOL_MAX && a->kind != CV_POOL_AVG)
		return UNSUPPORTED("pool2d '%s': pool kind %d", n->name, (int)a->kind);
	for (k = 0; k < 2; k++)
		if (a->kernel[k] < 1 || a->strides[k] < 1 || a->dilations[k] < 1)
			return BROKEN("pool2d '%s': kernel, strides and dilations must be >= 1", n->name);
	if (p->x.n != p->y.n || p->x.c != p->y.c)
		return BROKEN("pool2d '%s': input and result differ in batch or channels", n->name);
	return CV_OK;
}

/*
 * One pooling window. Max skips positions outside the input (padding never
 * wins). Average divides the in-input sum by the window positions inside the
 * padded input [-pad_t, h + pad_b) x [-pad_l, w + pad_r) with
 * count_include_pad, else by those inside the input, as ONNX Runtime does
 * (also for ceil_mode windows running past the padding).
 */
static float pool_window(const pool_geom *p, const float *x, int64_t oy, int64_t ox)
{
	const cv_pool_attrs *a = p->a;
	double best = -FLT_MAX, sum = 0;
	int64_t ky, kx, inside = 0, padded = 0;

	for (ky = 0; ky < a->kernel[0]; ky++) {
		int64_t iy = oy * a->strides[0] - a->pads[0] + ky * a->dilations[0];
		int row_in = iy >= 0 && iy < p->x.h;
		int row_padded = iy >= -a->pads[0] && iy < p->x.h + a->pads[2];
		for (kx = 0; kx < a->kernel[1]; kx++) {
			int64_t ix = ox * a->strides[1] - a->pads[1] + kx * a->dilations[1];
			double v;
			padded += row_padded && ix >= -a->pads[1] && ix < p->x.w + a->pads[3];
			if (!row_in || ix < 0 || ix >= p->x.w)
				continue;
			v = x[iy * p->x.sh + ix * p->x.sw];
			inside++;
			sum += v;
			best = v > best ? v : best;
		}
	}
	if (a->kind == CV_POOL_MAX)
		return (float)best;
	if (a->count_include_pad)
		return padded ? (float)(sum / (double)padded) : 0.0f;
	return inside ? (float)(sum / (double)inside) : 0.0f;
}

cv_status interp_pool2d(const cv_node *n, const float *const *in, float *const *out, cv_diag *d)
{
	pool_geom p;
	int64_t b, c, oy, ox;
	cv_status st;

	if ((st = pool_geom_of(n, &p, d)))
		return st;
	for (b = 0; b < p.y.n; b++)
		for (c = 0; c < p.y.c; c++) {
			const float *x = in[0] + b * p.x.sn + c * p.x.sc;
			float *y = out[0] + b * p.y.sn + c * p.y.sc;
			for (oy = 0; oy < p.y.h; oy++)
				for (ox = 0; ox < p.y.w; ox++)
					y[oy * p.y.sh + ox * p.y.sw] = pool_window(&p, x, oy, ox);
		}
	return CV_OK;
}

/* ---- resize ---- */

/* Input coordinate of output index o along axis (0: h, 1: w) with input
 * length len and output length olen, per coordinate_transformation_mode
 * (ONNX Resize-19's definitions). */
static double resize_coord(const cv_resize_attrs *a, int axis, int64_t o, int64_t len, int64_t olen)
{
	double s = a->scales[axis], lo, hi;

	switch (a->coord) {
	case CV_COORD_HALF_PIXEL:
		return (o + 0.5) / s - 0.5;
	case CV_COORD_PYTORCH_HALF_PIXEL:
		return olen > 1 ? (o + 0.5) / s - 0.5 : 0;
	case CV_COORD_ALIGN_CORNERS:
		return olen > 1 ? (double)o * (double)(len - 1) / (double)(olen - 1) : 0;
	case CV_COORD_ASYMMETRIC:
		return o / s;
	case CV_COORD_TF_HALF_PIXEL_FOR_NEAREST:
		return (o + 0.5) / s;
	case CV_COORD_TF_CROP_AND_RESIZE:
		lo = a->roi[axis], hi = a->roi[2 + axis];
		return olen > 1 ? lo * (double)(len - 1) + (double)o * (hi - lo) * (double)(len - 1) / (double)(olen - 1)
				: 0.5 * (lo + hi) * (double)(len - 1);
	case CV_COORD_HALF_PIXEL_SYMMETRIC:
		/* offset = len/2 * (1 - olen / (s * len)) */
		return (double)len / 2 * (1 - (double)olen / (s * (double)len)) + (o + 0.5) / s - 0.5;
	}
	return 0;
}

static int64_t resize_nearest(cv_nearest_mode mode, double c, int64_t len)
{
	double f = floor(c);
	int64_t i;

	switch (mode) {
	case CV_NEAREST_ROUND_PREFER_FLOOR:
		i = (int64_t)(c - f == 0.5 ? f : floor(c + 0.5));
		break;
	case CV_NEAREST_ROUND_PREFER_CEIL:
		i = (int64_t)(c - f == 0.5 ? f + 1 : floor(c + 0.5));
		break;
	case CV_NEAREST_FLOOR:
		i = (int64_t)f;
		break;
	default:
		i = (int64_t)ceil(c);
		break;
	}
	return i < 0 ? 0 : i >= len ? len - 1 : i;
}

/* Where output index o along one axis reads: n taps (nearest 1, linear 2,
 * cubic 4) at in-range indices idx with weights w; outside: the coordinate
 * left the input in tf_crop_and_resize (the result is the extrapolation
 * value). Out-of-range taps are clamped to the edge (ONNX pads with the edge
 * value), or for cubic with exclude_outside weighted 0 and the rest
 * renormalized. */
typedef struct resize_tap {
	int n, outside;
	int64_t idx[4];
	double w[4];
} resize_tap;

static resize_tap resize_tap_of(const cv_resize_attrs *a, int axis, int64_t o, int64_t len,
				int64_t olen)
{
	double c = resize_coord(a, axis, o, len, olen), t, A = a->cubic_a, sum = 0;
	resize_tap tap;
	int64_t i0;
	int k;

	memset(&tap, 0, sizeof tap);
	if (a->coord == CV_COORD_TF_CROP_AND_RESIZE && (c < 0 || c > (double)(len - 1))) {
		tap.outside = 1;
		return tap;
	}
	if (a->mode == CV_RESIZE_NEAREST) {
		tap.n = 1;
		tap.idx[0] = resize_nearest(a->nearest, c, len);
		tap.w[0] = 1;
		return tap;
	}
	i0 = (int64_t)floor(c);
	t = c - (double)i0;
	if (a->mode == CV_RESIZE_LINEAR) {
		tap.n = 2;
		tap.idx[0] = i0, tap.idx[1] = i0 + 1;
		tap.w[0] = 1 - t, tap.w[1] = t;
	} else { /* Keys' cubic convolution kernel with coefficient A at distances 1+t, t, 1-t, 2-t */
		double d[4] = {1 + t, t, 1 - t, 2 - t};
		tap.n = 4;
		for (k = 0; k < 4; k++) {
			tap.idx[k] = i0 - 1 + k;
			tap.w[k] = d[k] <= 1 ? ((A + 2) * d[k] - (A + 3)) * d[k] * d[k] + 1
					     : ((A * d[k] - 5 * A) * d[k] + 8 * A) * d[k] - 4 * A;
		}
	}
	for (k = 0; k < tap.n; k++) {
		if (a->exclude_outside && a->mode == CV_RESIZE_CUBIC && (tap.idx[k] < 0 || tap.idx[k] >= len))
			tap.w[k] = 0;
		sum += tap.w[k];
		tap.idx[k] = tap.idx[k] < 0 ? 0 : tap.idx[k] >= len ? len - 1 : tap.idx[k];
	}
	if (a->exclude_outside && a->mode == CV_RESIZE_CUBIC && sum != 0)
		for (k = 0; k < tap.n; k++)
			tap.w[k] /= sum;
	return tap;
}

/* The two resized dims: h and w of an nhwc tensor, else the last two. */
static cv_status resize_axes(const cv_node *n, const cv_type *x, int *hd, cv_diag *d)
{
	const cv_resize_attrs *a = &n->attrs.resize;
	const cv_type *y = out_type(n, 0);
	int k;

	if (x->layout == CV_LAYOUT_NHWC && x->rank == 4)
		*hd = 1;
	else if (layout_is_onnx(x->layout) && x->rank >= 2)
		*hd = x->rank - 2;
	else
		return UNSUPPORTED("resize '%s': input has layout %s (rank %d); the interpreter implements nchw, nhwc and plain",
				   n->name, cv_layout_name(x->layout), x->rank);
	if ((unsigned)a->mode >= CV_RESIZE_MODE_COUNT)
		return UNSUPPORTED("resize '%s': mode %d", n->name, (int)a->mode);
	if ((unsigned)a->coord >= CV_RESIZE_COORD_COUNT || (unsigned)a->nearest >= CV_NEAREST_MODE_COUNT)
		return UNSUPPORTED("resize '%s': coordinate mode %d, nearest mode %d", n->name, (int)a->coord,
				   (int)a->nearest);
	if (x->rank != y->rank || x->layout != y->layout)
		return BROKEN("resize '%s': operand and result differ in rank or layout", n->name);
	for (k = 0; k < x->rank; k++)
		if (k != *hd && k != *hd + 1 ? y->dims[k] != x->dims[k]
					     : y->dims[k] != a->sizes[k - *hd] || (x->dims[k] == 0 && y->dims[k]))
			return BROKEN("resize '%s': result dim %d is %lld, not what the attrs give", n->name, k,
				      (long long)y->dims[k]);
	if (a->coord != CV_COORD_ALIGN_CORNERS && a->coord != CV_COORD_TF_CROP_AND_RESIZE &&
	    !(a->scales[0] > 0 && a->scales[1] > 0))
		return BROKEN("resize '%s': scales %g, %g must be > 0", n->name, a->scales[0], a->scales[1]);
	return CV_OK;
}

cv_status interp_resize(const cv_node *n, const float *const *in, float *const *out, cv_diag *d)
{
	const cv_type *x = in_type(n, 0), *y = out_type(n, 0);
	int64_t xs[CV_MAX_RANK], idx[CV_MAX_RANK] = {0}, i, count = cv_type_numel(y);
	int hd = 0, k;
	cv_status st;

	if ((st = resize_axes(n, x, &hd, d)))
		return st;
	dense_strides(x, xs);
	for (i = 0; i < count; i++) {
		resize_tap ty = resize_tap_of(&n->attrs.resize, 0, idx[hd], x->dims[hd], y->dims[hd]);
		resize_tap tx = resize_tap_of(&n->attrs.resize, 1, idx[hd + 1], x->dims[hd + 1], y->dims[hd + 1]);
		const float *p = in[0];
		double acc = 0;
		int r, c;
		for (k = 0; k < x->rank; k++)
			if (k != hd && k != hd + 1)
				p += idx[k] * xs[k];
		for (r = 0; r < ty.n; r++) {
			double row = 0;
			for (c = 0; c < tx.n; c++)
				row += tx.w[c] * p[ty.idx[r] * xs[hd] + tx.idx[c] * xs[hd + 1]];
			acc += ty.w[r] * row;
		}
		out[0][i] = ty.outside || tx.outside ? n->attrs.resize.extrapolation : (float)acc;
		index_next(idx, y->dims, y->rank);
	}
	return CV_OK;
}

