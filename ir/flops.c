/*
 * flops.c - the work of one node in FLOPs (cv_node_flops, convc/ir.h), the
 * one count the report's roofline and the shard pass's cost model share.
 * Conventions: a multiply-add is 2 FLOPs; elementwise ops count the
 * arithmetic per result element listed in elementwise_cost; pure data
 * movement (reshape, transpose, concat, reshard, ...) is 0.
 */
#include "convc/ir.h"
#include "ir/conv3d.h"

/* FLOPs per result element of an elementwise op (0 for data movement). */
static double elementwise_cost(const cv_node *n)
{
	switch (n->op) {
	case CV_OP_NEG: case CV_OP_ABS: case CV_OP_RECIPROCAL: case CV_OP_SQRT:
	case CV_OP_RELU: case CV_OP_ADD: case CV_OP_SUB: case CV_OP_MUL: case CV_OP_DIV:
	case CV_OP_MAX: case CV_OP_MIN:
		return 1;
	case CV_OP_POW:
		return 3; /* exp(b * log(a)) */
	case CV_OP_CLIP: case CV_OP_LEAKY_RELU: case CV_OP_BATCHNORM:
		return 2; /* min+max; compare+mul; mul+add (scale and shift) */
	case CV_OP_HARD_SIGMOID:
		return 3; /* mul-add, min, max */
	case CV_OP_SIGMOID: case CV_OP_HARD_SWISH:
		return 4; /* exp, add, div, (neg); hard_sigmoid + mul */
	case CV_OP_SOFTMAX:
		return 5; /* max, sub, exp, sum, div */
	case CV_OP_EXP: case CV_OP_LOG: case CV_OP_ERF:
		return 1; /* the function, as sigmoid's exp above */
	case CV_OP_PRELU:
		return 2; /* compare, mul */
	case CV_OP_SOFTPLUS: case CV_OP_ELU:
		return 3; /* exp, add, log; exp, sub, mul */
	case CV_OP_TANH: case CV_OP_SELU:
		return 4; /* exp, add, div, sub; elu + mul */
	case CV_OP_SILU: case CV_OP_GELU: case CV_OP_MISH:
		return 5; /* sigmoid + mul; div, erf, add, 2 mul; softplus, tanh, mul */
	case CV_OP_GELU_TANH:
		return 9; /* x^3 (2 mul), mul-add, mul, tanh, add, 2 mul */
	case CV_OP_RESIZE: /* bilinear: 4 muls + 3 adds; bicubic: 16 taps, a mul-add each; nearest is a gather */
		return n->attrs.resize.mode == CV_RESIZE_LINEAR ? 7 : n->attrs.resize.mode == CV_RESIZE_CUBIC ? 32 : 0;
	default:
		return 0;
	}
}

/* An in_scale operand: the weight as the kernel stores it rescaled once
 * per image (the C backend's cvrt_conv2d_nhwc_scaled): N x its elements,
 * KH*KW*C*M, or (t+2)^2*C*M transformed ones for Winograd tile t. */
static double in_scale_flops(const cv_node *n)
{
	cv_oihw w;
	int t;

	if (n->op != CV_OP_CONV2D || n->num_inputs <= CV_CONV_IN_SCALE || !n->inputs[CV_CONV_IN_SCALE])
		return 0;
	w = cv_type_oihw(&n->inputs[1]->type);
	t = cv_conv_algo_tile(n->attrs.conv.algo);
	return (double)cv_type_nchw(&n->inputs[0]->type).n *
	       (t ? (double)(t + 2) * (t + 2) * (double)w.i * (double)w.o : cv_value_numel(n->inputs[1]));
}

/* 2 x MACs of a conv-like node. A Winograd conv2d counts what it executes
 * (cvrt_winograd.inc.c, conv_winograd), per output tile:
 *   F(2x2, 3x3): 16 products per channel pair (2 x 16 x C x M), an input
 *     transform of 32 adds per input channel and an output transform of 24
 *     adds per output channel;
 *   F(4x4, 3x3): 36 products per channel pair (2 x 36 x C x M), an input
 *     transform of 12 passes of 19 operations (WINO_BT6: 12 adds, 7
 *     scalings) per input channel and an output transform of 10 passes of
 *     13 (WINO_AT6) per output channel. */
static double conv_flops(const cv_node *n)
{
	cv_oihw w = cv_type_oihw(&n->inputs[1]->type);
	double k = (double)w.kh * (double)w.kw;

	if (n->op == CV_OP_CONV2D && cv_conv_algo_tile(n->attrs.conv.algo)) {
		cv_nchw y = cv_type_nchw(&n->outputs[0]->type);
		int t = cv_conv_algo_tile(n->attrs.conv.algo);
		double tiles = (double)y.n * (double)((y.h + t - 1) / t) * (double)((y.w + t - 1) / t);
		double pos = (double)(t + 2) * (t + 2), tin = t == 2 ? 32.0 : 228.0, tout = t == 2 ? 24.0 : 130.0;
		return tiles * (2.0 * pos * (double)w.i * (double)w.o + tin * (double)w.i + tout * (double)w.o) +
		       in_scale_flops(n);
	}

	if (n->op == CV_OP_CONV_TRANSPOSE2D) /* each input element feeds M/g x KH x KW outputs */
		return 2.0 * cv_value_numel(n->inputs[0]) * (double)w.o * k;
	if (n->op == CV_OP_DWCONV2D)
		return 2.0 * cv_value_numel(n->outputs[0]) * k;
	/* w.i = C / group */
	return 2.0 * cv_value_numel(n->outputs[0]) * (double)w.i * k + in_scale_flops(n);
}

/* 2 x MACs of gemm / matmul: 2 x result elements x K. */
static double gemm_flops(const cv_node *n)
{
	const cv_type *a = &n->inputs[0]->type;
	int64_t k;

	if (n->op == CV_OP_GEMM)
		k = a->rank == 2 ? a->dims[n->attrs.gemm.trans_a ? 0 : 1] : 0;
	else
		k = a->rank ? a->dims[a->rank - 1] : 0;
	return 2.0 * cv_value_numel(n->outputs[0]) * (double)k;
}

double cv_node_flops(const cv_node *n)
{
	switch (n->op) {
	case CV_OP_CONV2D: case CV_OP_DWCONV2D: case CV_OP_CONV_TRANSPOSE2D:
		return conv_flops(n);
	case CV_OP_CONV3D:
	case CV_OP_CONV_TRANSPOSE3D:
		return cvi_conv3d_flops(n);
	case CV_OP_GEMM: case CV_OP_MATMUL:
		return gemm_flops(n);
	case CV_OP_POOL2D:
	case CV_OP_MAXPOOL_INDICES: {
		const cv_pool_attrs *p = &n->attrs.pool;
		double win = (double)p->kernel[0] * (double)p->kernel[1];
		return cv_value_numel(n->outputs[0]) * (win + (p->kind == CV_POOL_AVG));
	}
	case CV_OP_REDUCE_MEAN: case CV_OP_REDUCE_SUM: case CV_OP_REDUCE_MAX: case CV_OP_REDUCE_MIN:
		return cv_value_numel(n->inputs[0]) + cv_value_numel(n->outputs[0]);
	case CV_OP_REDUCE_L2: /* square-add per element, a sqrt per result */
		return 2 * cv_value_numel(n->inputs[0]) + cv_value_numel(n->outputs[0]);
	case CV_OP_LAYERNORM: /* mean, variance (sub, mul-add), normalize, scale-shift */
		return 8 * cv_value_numel(n->outputs[0]);
	case CV_OP_LRN: /* a mul-add per window channel, then mul-add, pow and div */
		return cv_value_numel(n->outputs[0]) * (2.0 * (double)n->attrs.lrn.size + 4);
	default:
		return cv_value_numel(n->outputs[0]) * elementwise_cost(n);
	}
}
