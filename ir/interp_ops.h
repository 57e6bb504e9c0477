/*
 * interp_ops.h - private to the reference interpreter (ir/interp*.c): the
 * kernel entry points and the small helpers both kernel files use.
 */
#ifndef CONVC_IR_INTERP_OPS_H
#define CONVC_IR_INTERP_OPS_H

#include <math.h>
#include <stdint.h>

#include "convc/diag.h"
#include "convc/ir.h"

/*
 * Every kernel: in[i] holds the dense float32 elements of operand i (NULL
 * for an absent optional operand), out[j] has room for result j's elements;
 * buffers never alias. Errors as cv_interp_run (convc/interp.h) lists them.
 */

/* Evaluate node n (dispatches over the op table; interp_ops.c). */
cv_status interp_node(const cv_node *n, const float *const *in, float *const *out, cv_diag *d);

/* Nodes for which cv_node_is_typed() holds run in interp_typed_node
 * (interp_typed.c), whose buffers hold dense elements of each value's own
 * dtype. */
cv_status interp_typed_node(const cv_node *n, const void *const *in, void *const *out, cv_diag *d);

/* The layout-aware spatial ops (interp_spatial.c). */
cv_status interp_conv2d(const cv_node *n, const float *const *in, float *const *out, cv_diag *d);
cv_status interp_conv_transpose2d(const cv_node *n, const float *const *in, float *const *out,
				  cv_diag *d);
cv_status interp_batchnorm(const cv_node *n, const float *const *in, float *const *out, cv_diag *d);
cv_status interp_pool2d(const cv_node *n, const float *const *in, float *const *out, cv_diag *d);
cv_status interp_resize(const cv_node *n, const float *const *in, float *const *out, cv_diag *d);

/* Diagnostics; `d` and a node `n` in scope. */
#define UNSUPPORTED(...) cv_diag_error(d, CV_ERR_UNSUPPORTED, __VA_ARGS__)
#define BROKEN(...) cv_diag_error(d, CV_ERR_INTERNAL, __VA_ARGS__)
#define OPNAME(n) cv_op_name((n)->op), (n)->name

static inline const cv_type *in_type(const cv_node *n, int i)
{
	return i < n->num_inputs && n->inputs[i] ? &n->inputs[i]->type : NULL;
}

static inline const cv_type *out_type(const cv_node *n, int i)
{
	return &n->outputs[i]->type;
}

/* Dense C-order strides of t, in elements. */
static inline void dense_strides(const cv_type *t, int64_t *strides)
{
	int64_t acc = 1;
	int k;

	for (k = t->rank - 1; k >= 0; k--) {
		strides[k] = acc;
		acc *= t->dims[k];
	}
}

static inline int64_t dims_product(const cv_type *t, int from, int to)
{
	int64_t p = 1;
	int k;

	for (k = from; k < to; k++)
		p *= t->dims[k];
	return p;
}

/* Step a C-order multi-index over dims; 0 once it wraps to all zeros. */
static inline int index_next(int64_t *idx, const int64_t *dims, int rank)
{
	int k;

	for (k = rank - 1; k >= 0; k--) {
		if (++idx[k] < dims[k])
			return 1;
		idx[k] = 0;
	}
	return 0;
}

/* The layouts whose dims are in ONNX order, as every op was first defined. */
static inline int layout_is_onnx(cv_layout l)
{
	return l == CV_LAYOUT_PLAIN || l == CV_LAYOUT_NCHW || l == CV_LAYOUT_OIHW ||
	       l == CV_LAYOUT_IOHW;
}

/* The activation kinds act_apply knows; anything else is a newer IR. */
static inline cv_status act_check(const cv_node *n, const cv_act *a, cv_diag *d)
{
	if ((unsigned)a->kind >= CV_ACT_KIND_COUNT)
		return UNSUPPORTED("%s '%s': activation kind %d", OPNAME(n), (int)a->kind);
	return CV_OK;
}

/* log(1 + exp(x)) without overflow for large x. */
static inline double act_softplus(double x)
{
	return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

/* y = act(x), the formulas of cvrt.h's cvrt_act_kind. */
static inline double act_apply(const cv_act *a, double x)
{
	switch (a->kind) {
	case CV_ACT_NONE:
		return x;
	case CV_ACT_RELU:
		return x > 0 ? x : 0;
	case CV_ACT_CLIP:
		return x < a->a ? a->a : x > a->b ? a->b : x;
	case CV_ACT_LEAKY_RELU:
		return x >= 0 ? x : a->a * x;
	case CV_ACT_SIGMOID:
		return 1 / (1 + exp(-x));
	case CV_ACT_HARD_SIGMOID:
		return fmax(0, fmin(1, a->a * x + a->b));
	case CV_ACT_HARD_SWISH:
		return x * fmax(0, fmin(1, x / 6 + 0.5));
	case CV_ACT_SILU:
		return x / (1 + exp(-x));
	case CV_ACT_TANH:
		return tanh(x);
	case CV_ACT_GELU: /* x * Phi(x), Phi(x) = erfc(-x / sqrt(2)) / 2 */
		return 0.5 * x * erfc(-x * 0.70710678118654752);
	case CV_ACT_GELU_TANH: /* sqrt(2 / pi) = 0.79788456... */
		return 0.5 * x * (1 + tanh(0.79788456080286536 * (x + 0.044715 * x * x * x)));
	case CV_ACT_ERF:
		return erf(x);
	case CV_ACT_EXP:
		return exp(x);
	case CV_ACT_LOG:
		return log(x);
	case CV_ACT_SOFTPLUS:
		return act_softplus(x);
	case CV_ACT_ELU:
		return x >= 0 ? x : a->a * expm1(x);
	case CV_ACT_SELU:
		return a->b * (x > 0 ? x : a->a * expm1(x));
	case CV_ACT_MISH:
		return x * tanh(act_softplus(x));
	}
	return x;
}

#endif
