/*
 * conv3d.c - conv3d (3-D convolution, NCDHW x OIDHW): shape inference,
 * FLOPs and the reference interpreter's kernel. The op is kept apart from
 * conv2d's attrs (cv_conv3d_attrs) so that the 2-D passes, which match
 * conv2d by op, never see it.
 */
#include <stdlib.h>
#include <string.h>

#include "ir/conv3d.h"
#include "ir/interp_ops.h"

#define ERR(...) cv_diag_error(d, CV_ERR_INPUT, __VA_ARGS__)
#define ATTR_LIMIT ((int64_t)1 << 30) /* as the text IR bounds integers */

/* out = (in + pad_begin + pad_end - dil*(k-1) - 1) / stride + 1, or 0 when
 * the dilated kernel does not fit; -1 for attrs out of range. */
static int64_t out_len(const cv_conv3d_attrs *a, int k, int64_t in, int64_t kernel)
{
	int64_t ext;

	if (a->strides[k] < 1 || a->dilations[k] < 1 || a->pads[k] < 0 || a->pads[k + 3] < 0 ||
	    a->strides[k] > ATTR_LIMIT || a->dilations[k] > ATTR_LIMIT || a->pads[k] > ATTR_LIMIT ||
	    a->pads[k + 3] > ATTR_LIMIT || kernel > ATTR_LIMIT || in > ATTR_LIMIT)
		return -1;
	ext = a->dilations[k] * (kernel - 1) + 1;
	if (in + a->pads[k] + a->pads[k + 3] < ext)
		return 0;
	return (in + a->pads[k] + a->pads[k + 3] - ext) / a->strides[k] + 1;
}

static cv_status convt3d_infer(const cv_node *n, cv_type *out, cv_diag *d);

cv_status cvi_conv3d_infer(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_conv3d_attrs *a = &n->attrs.conv3d;
	const cv_type *x = &n->inputs[0]->type, *w = &n->inputs[1]->type;
	const cv_type *b = n->num_inputs > 2 && n->inputs[2] ? &n->inputs[2]->type : NULL;
	int64_t m, len;
	int k;

	if (n->op == CV_OP_CONV_TRANSPOSE3D)
		return convt3d_infer(n, out, d);
	if (a->output_padding[0] || a->output_padding[1] || a->output_padding[2])
		return ERR("conv3d '%s': output_padding is for conv_transpose3d only", n->name);
	if (x->rank != 5 || w->rank != 5)
		return ERR("conv3d '%s': input and weight must have rank 5, not %d and %d", n->name,
			   x->rank, w->rank);
	if ((x->layout != CV_LAYOUT_NCDHW && x->layout != CV_LAYOUT_PLAIN) ||
	    (w->layout != CV_LAYOUT_OIDHW && w->layout != CV_LAYOUT_PLAIN))
		return ERR("conv3d '%s': input must be ncdhw and weight oidhw, not %s and %s", n->name,
			   cv_layout_name(x->layout), cv_layout_name(w->layout));
	m = w->dims[0];
	if (a->group < 1 || a->group > ATTR_LIMIT || x->dims[1] % a->group || m % a->group)
		return ERR("conv3d '%s': group %lld does not divide %lld input and %lld output channels",
			   n->name, (long long)a->group, (long long)x->dims[1], (long long)m);
	if (w->dims[1] * a->group != x->dims[1])
		return ERR("conv3d '%s': weight has %lld input channels per group, input has %lld channels in %lld groups",
			   n->name, (long long)w->dims[1], (long long)x->dims[1], (long long)a->group);
	if (b && (b->rank != 1 || b->dims[0] != m))
		return ERR("conv3d '%s': bias must be [%lld]", n->name, (long long)m);
	*out = *x;
	out->layout = CV_LAYOUT_NCDHW;
	out->dims[1] = m;
	for (k = 0; k < 3; k++) {
		len = out_len(a, k, x->dims[2 + k], w->dims[2 + k]);
		if (len < 0)
			return ERR("conv3d '%s': strides and dilations must be in [1, 2^30], pads in [0, 2^30]",
				   n->name);
		if (len == 0)
			return ERR("conv3d '%s': kernel %lld (dim %d) does not fit input %lld with pads %lld+%lld",
				   n->name, (long long)w->dims[2 + k], 2 + k, (long long)x->dims[2 + k],
				   (long long)a->pads[k], (long long)a->pads[k + 3]);
		out->dims[2 + k] = len;
	}
	return CV_OK;
}

/* conv_transpose3d: x [N,C,D,H,W] ncdhw, w [C,M/g,KD,KH,KW] iodhw, bias [M];
 * out_k = (in_k - 1)*stride - pad_begin - pad_end + dil*(kernel - 1)
 *         + output_padding + 1 for each of d, h, w. */
static cv_status convt3d_infer(const cv_node *n, cv_type *out, cv_diag *d)
{
	const cv_conv3d_attrs *a = &n->attrs.conv3d;
	const cv_type *x = &n->inputs[0]->type, *w = &n->inputs[1]->type;
	const cv_type *b = n->num_inputs > 2 && n->inputs[2] ? &n->inputs[2]->type : NULL;
	int64_t m;
	int k;

	if (x->rank != 5 || w->rank != 5)
		return ERR("conv_transpose3d '%s': input and weight must have rank 5, not %d and %d",
			   n->name, x->rank, w->rank);
	if ((x->layout != CV_LAYOUT_NCDHW && x->layout != CV_LAYOUT_PLAIN) ||
	    (w->layout != CV_LAYOUT_IODHW && w->layout != CV_LAYOUT_PLAIN))
		return ERR("conv_transpose3d '%s': input must be ncdhw and weight iodhw, not %s and %s",
			   n->name, cv_layout_name(x->layout), cv_layout_name(w->layout));
	if (a->group < 1 || a->group > ATTR_LIMIT || x->dims[1] % a->group)
		return ERR("conv_transpose3d '%s': group %lld does not divide %lld input channels",
			   n->name, (long long)a->group, (long long)x->dims[1]);
	if (w->dims[0] != x->dims[1])
		return ERR("conv_transpose3d '%s': weight has %lld input channels, input has %lld",
			   n->name, (long long)w->dims[0], (long long)x->dims[1]);
	if (w->dims[1] > ATTR_LIMIT)
		return ERR("conv_transpose3d '%s': weight has %lld output channels per group, more than 2^30",
			   n->name, (long long)w->dims[1]);
	m = w->dims[1] * a->group;
	if (b && (b->rank != 1 || b->dims[0] != m))
		return ERR("conv_transpose3d '%s': bias must be [%lld]", n->name, (long long)m);
	*out = *x;
	out->layout = CV_LAYOUT_NCDHW;
	out->dims[1] = m;
	for (k = 0; k < 3; k++) {
		int64_t s = a->strides[k], dl = a->dilations[k], op = a->output_padding[k];
		int64_t in = x->dims[2 + k], ker = w->dims[2 + k], len;
		if (s < 1 || dl < 1 || a->pads[k] < 0 || a->pads[k + 3] < 0 || s > ATTR_LIMIT ||
		    dl > ATTR_LIMIT || a->pads[k] > ATTR_LIMIT || a->pads[k + 3] > ATTR_LIMIT ||
		    in > ATTR_LIMIT || ker > ATTR_LIMIT)
			return ERR("conv_transpose3d '%s': strides and dilations must be in [1, 2^30], pads in [0, 2^30]",
				   n->name);
		if (op < 0 || (op >= s && op >= dl))
			return ERR("conv_transpose3d '%s': output_padding %lld (dim %d) must be in [0, max(stride %lld, dilation %lld))",
				   n->name, (long long)op, 2 + k, (long long)s, (long long)dl);
		len = (in - 1) * s - a->pads[k] - a->pads[k + 3] + dl * (ker - 1) + op + 1;
		if (in < 1 || ker < 1 || len < 1)
			return ERR("conv_transpose3d '%s': input %lld, kernel %lld and pads %lld+%lld (dim %d) give no output",
				   n->name, (long long)in, (long long)ker, (long long)a->pads[k],
				   (long long)a->pads[k + 3], 2 + k);
		out->dims[2 + k] = len;
	}
	return CV_OK;
}

double cvi_conv3d_flops(const cv_node *n)
{
	const int64_t *w = n->inputs[1]->type.dims;

	if (n->op == CV_OP_CONV_TRANSPOSE3D) /* every input value times its M/g x kernel */
		return 2.0 * cv_value_numel(n->inputs[0]) * (double)w[1] * (double)w[2] *
		       (double)w[3] * (double)w[4];

	return 2.0 * cv_value_numel(n->outputs[0]) * (double)w[1] * (double)w[2] * (double)w[3] *
	       (double)w[4];
}

/* One output position of output channel oc: the sum over its group's input
 * channels and the kernel window (zero padding), in double. */
static double point(const cv_conv3d_attrs *a, const int64_t *xd, const int64_t *wd,
		    const float *x, const float *w, const int64_t *o)
{
	int64_t ic, kz, ky, kx, hw = xd[3] * xd[4];
	double acc = 0;

	for (ic = 0; ic < wd[1]; ic++)
		for (kz = 0; kz < wd[2]; kz++) {
			int64_t iz = o[0] * a->strides[0] - a->pads[0] + kz * a->dilations[0];
			if (iz < 0 || iz >= xd[2])
				continue;
			for (ky = 0; ky < wd[3]; ky++) {
				int64_t iy = o[1] * a->strides[1] - a->pads[1] + ky * a->dilations[1];
				if (iy < 0 || iy >= xd[3])
					continue;
				for (kx = 0; kx < wd[4]; kx++) {
					int64_t ix = o[2] * a->strides[2] - a->pads[2] + kx * a->dilations[2];
					if (ix < 0 || ix >= xd[4])
						continue;
					acc += (double)x[(ic * xd[2] + iz) * hw + iy * xd[4] + ix] *
					       w[((ic * wd[2] + kz) * wd[3] + ky) * wd[4] + kx];
				}
			}
		}
	return acc;
}

/* conv_transpose3d's reference: every input value scattered through its
 * kernel window, sums in double, then bias and act. */
static cv_status convt3d_interp(const cv_node *n, const float *const *in, float *const *out,
				cv_diag *d)
{
	const cv_conv3d_attrs *a = &n->attrs.conv3d;
	const int64_t *xd = n->inputs[0]->type.dims, *wd = n->inputs[1]->type.dims;
	const int64_t *yd = n->outputs[0]->type.dims;
	const float *bias = n->num_inputs > 2 ? in[2] : NULL;
	int64_t yvol = yd[2] * yd[3] * yd[4], xvol = xd[2] * xd[3] * xd[4];
	int64_t kvol = wd[2] * wd[3] * wd[4], cg = xd[1] / a->group, mg = wd[1];
	int64_t total = yd[0] * yd[1] * yvol, b, ci, i, j, t;
	double *acc;
	cv_type want;
	cv_status st;

	if ((st = act_check(n, &a->act, d)))
		return st;
	if (convt3d_infer(n, &want, d) || memcmp(want.dims, yd, 5 * sizeof *yd))
		return BROKEN("conv_transpose3d '%s': result type disagrees with its operands and attrs",
			      n->name);
	if (!(acc = calloc((size_t)(total ? total : 1), sizeof *acc)))
		return cv_diag_error(d, CV_ERR_NOMEM, "conv_transpose3d '%s': out of memory", n->name);
	for (b = 0; b < xd[0]; b++)
		for (ci = 0; ci < xd[1]; ci++)
			for (i = 0; i < xvol; i++) {
				int64_t iz = i / (xd[3] * xd[4]), iy = i / xd[4] % xd[3], ix = i % xd[4];
				double v = in[0][(b * xd[1] + ci) * xvol + i];
				for (j = 0; j < mg; j++) {
					int64_t oc = ci / cg * mg + j;
					const float *w = in[1] + (ci * mg + j) * kvol;
					double *y = acc + (b * yd[1] + oc) * yvol;
					for (t = 0; t < kvol; t++) {
						int64_t kz = t / (wd[3] * wd[4]), ky = t / wd[4] % wd[3], kx = t % wd[4];
						int64_t oz = iz * a->strides[0] - a->pads[0] + kz * a->dilations[0];
						int64_t oy = iy * a->strides[1] - a->pads[1] + ky * a->dilations[1];
						int64_t ox = ix * a->strides[2] - a->pads[2] + kx * a->dilations[2];
						if (oz >= 0 && oz < yd[2] && oy >= 0 && oy < yd[3] && ox >= 0 &&
						    ox < yd[4])
							y[(oz * yd[3] + oy) * yd[4] + ox] += v * w[t];
					}
				}
			}
	for (i = 0; i < total; i++)
		out[0][i] = (float)act_apply(&a->act, acc[i] + (bias ? bias[i / yvol % yd[1]] : 0));
	free(acc);
	return CV_OK;
}

cv_status cvi_conv3d_interp(const cv_node *n, const float *const *in, float *const *out,
			    cv_diag *d)
{
	const cv_conv3d_attrs *a = &n->attrs.conv3d;
	const int64_t *xd = n->inputs[0]->type.dims, *wd = n->inputs[1]->type.dims;
	const int64_t *yd = n->outputs[0]->type.dims;
	const float *bias = n->num_inputs > 2 ? in[2] : NULL;
	int64_t b, oc, o[3], at = 0, mg, cg;
	cv_type want;
	cv_status st;

	if (n->op == CV_OP_CONV_TRANSPOSE3D)
		return convt3d_interp(n, in, out, d);
	if ((st = act_check(n, &a->act, d)))
		return st;
	if (cvi_conv3d_infer(n, &want, d) || memcmp(want.dims, yd, 5 * sizeof *yd))
		return BROKEN("conv3d '%s': result type disagrees with its operands and attrs", n->name);
	mg = yd[1] / a->group;
	cg = wd[1];
	for (b = 0; b < yd[0]; b++)
		for (oc = 0; oc < yd[1]; oc++) {
			const float *x = in[0] + (b * xd[1] + oc / mg * cg) * xd[2] * xd[3] * xd[4];
			const float *w = in[1] + oc * wd[1] * wd[2] * wd[3] * wd[4];
			for (o[0] = 0; o[0] < yd[2]; o[0]++)
				for (o[1] = 0; o[1] < yd[3]; o[1]++)
					for (o[2] = 0; o[2] < yd[4]; o[2]++) {
						double v = point(a, xd, wd, x, w, o) + (bias ? bias[oc] : 0);
						out[0][at++] = (float)act_apply(&a->act, v);
					}
		}
	return CV_OK;
}
