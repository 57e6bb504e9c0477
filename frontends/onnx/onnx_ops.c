/*
 * onnx_ops.c - one lowering per ONNX op type into convc's dialect.
 *
 * Each function reads the current node's operands and attributes (ONNX
 * defaults applied, per opset), rejects what convc does not implement with
 * CV_ERR_UNSUPPORTED naming the fact, builds the IR node, runs shape
 * inference and binds the ONNX result names.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "frontends/onnx/onnx_ops.h"

#define NODE (im->node)

/* Operand i; a missing required operand is an input error. */
static cv_value *operand(imp *im, int i, int required, cv_status *st)
{
	cv_value *v = imp_input(im, i, st);

	if (!v && !*st && required)
		*st = imp_error(im, CV_ERR_INPUT, "required operand %d is missing", i);
	return v;
}

/* The ONNX element type of each dtype. */
static const int32_t onnx_of[CV_DTYPE_COUNT] = {
	[CV_F32] = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, [CV_F64] = ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE,
	[CV_F16] = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16, [CV_I64] = ONNX__TENSOR_PROTO__DATA_TYPE__INT64,
	[CV_I32] = ONNX__TENSOR_PROTO__DATA_TYPE__INT32, [CV_I8] = ONNX__TENSOR_PROTO__DATA_TYPE__INT8,
	[CV_U8] = ONNX__TENSOR_PROTO__DATA_TYPE__UINT8, [CV_BOOL] = ONNX__TENSOR_PROTO__DATA_TYPE__BOOL,
	[CV_BF16] = ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16, [CV_I16] = ONNX__TENSOR_PROTO__DATA_TYPE__INT16,
	[CV_U16] = ONNX__TENSOR_PROTO__DATA_TYPE__UINT16, [CV_U32] = ONNX__TENSOR_PROTO__DATA_TYPE__UINT32,
	[CV_U64] = ONNX__TENSOR_PROTO__DATA_TYPE__UINT64,
};

/* Operands of float32 compute (convolutions, activations, reductions...)
 * must be float32: float16 and bfloat16 ones were widened before lowering
 * (onnx_half.c), so what arrives here is float64 or an integer. */
static cv_status need_f32(imp *im, const cv_value *v, int i)
{
	if (v && v->type.dtype != CV_F32)
		return imp_error(im, CV_ERR_UNSUPPORTED,
				 "operand %d is %s; convc computes %s in float32 (float16 and bfloat16 "
				 "models in float32 too), not in %s", i,
				 onnx_dtype_name(onnx_of[v->type.dtype]), NODE->op_type ? NODE->op_type : "this op",
				 onnx_dtype_name(onnx_of[v->type.dtype]));
	return CV_OK;
}

/* Arithmetic and comparisons take every number type, not bool. */
static cv_status need_number(imp *im, const cv_value *v, int i)
{
	if (v && v->type.dtype == CV_BOOL)
		return imp_error(im, CV_ERR_INPUT, "operand %d is bool; the op takes numbers", i);
	return CV_OK;
}

/* Operands of one op that ONNX requires to share a type. */
static cv_status same_dtype(imp *im, const cv_value *a, const cv_value *b)
{
	if (a && b && a->type.dtype != b->type.dtype)
		return imp_error(im, CV_ERR_INPUT, "operands are %s and %s; ONNX requires one type",
				 cv_dtype_name(a->type.dtype), cv_dtype_name(b->type.dtype));
	return CV_OK;
}

/* Only result 0 may be used: extra results (indices, masks, BN running
 * statistics) are training or index outputs convc does not produce. Named
 * but unread ones (exporters name Dropout masks) are fine. */
static cv_status only_first_result(imp *im)
{
	cv_status st = CV_OK;
	size_t i;

	const char *op = NODE->op_type ? NODE->op_type : "";
	const char *what = !strcmp(op, "MaxPool") ? "the int64 Indices"
			   : !strcmp(op, "Dropout") ? "the mask"
			   : !strcmp(op, "BatchNormalization") ? "a training statistic" : "an extra result";

	for (i = 1; i < NODE->n_output; i++) {
		if (NODE->output[i] && NODE->output[i][0] && imp_name_used(im, NODE->output[i], &st))
			return imp_error(im, CV_ERR_UNSUPPORTED,
					 "result %zu ('%s', %s) is used by the graph; convc computes result 0 "
					 "only (an unused one is fine)", i, NODE->output[i], what);
		if (st)
			return imp_error(im, st, "out of memory");
	}
	return CV_OK;
}

/* An operand that sets a shape, axes or a bound is not a constant. When it
 * is a graph input, say so and how to fix its value at compile time. */
static cv_status not_constant(imp *im, const cv_value *v, const char *what, const char *need)
{
	if (v && v->kind == CV_VALUE_INPUT)
		return imp_error(im, CV_ERR_UNSUPPORTED,
				 "%s comes from graph input '%s' at run time; convc needs it at compile "
				 "time: fix its value with --input-value %s=FILE.npy", what, v->name, v->name);
	return imp_error(im, CV_ERR_UNSUPPORTED, "%s must be %s", what, need);
}

/* Build the node (attrs copied from *a), infer types, bind results. */
static cv_status finish(imp *im, cv_op op, cv_value **ins, int nin, const cv_attrs *a,
			int nout, const cv_type *preset)
{
	const char *names[64];
	cv_node *n;
	cv_status st;
	int i;

	for (i = 0; i < nout; i++)
		names[i] = (size_t)i < NODE->n_output && NODE->output[i] ? NODE->output[i] : "";
	n = cv_graph_add_node(im->g, op, im->node_name, ins, nin, names, nout);
	if (!n)
		return imp_error(im, CV_ERR_NOMEM, "out of memory");
	if (a)
		n->attrs = *a;
	for (i = 0; preset && i < nout; i++)
		n->outputs[i]->type = preset[i];
	if ((st = cv_node_infer_types(n, im->d)))
		return st;
	for (i = 0; i < nout; i++)
		if ((size_t)i < NODE->n_output && NODE->output[i] && NODE->output[i][0] &&
		    (st = imp_bind(im, NODE->output[i], n->outputs[i])))
			return st;
	return CV_OK;
}

/* Bind result 0 of the current node to an existing value (Identity & co). */
static cv_status alias(imp *im, cv_value *v)
{
	if (NODE->n_output < 1 || !NODE->output[0])
		return CV_OK;
	return imp_bind(im, NODE->output[0], v);
}

/* ---- spatial attributes shared by Conv, ConvTranspose and pooling ---- */

/*
 * Up to three spatial dims in ONNX order (w for 1-D; h, w for 2-D; d, h, w
 * for 3-D), nsp of them used; pads holds the nsp begins, then the nsp ends.
 * to_2d() turns a 1-D one into the 2-D form with a unit height (kernel 1,
 * stride 1, no pads), which is how convc computes 1-D convolution and
 * pooling: the 2-D kernels, fusions and passes then apply unchanged.
 */
#define SP_MAX 3

struct spatial {
	int nsp;
	int64_t kernel[SP_MAX], strides[SP_MAX], dilations[SP_MAX], pads[2 * SP_MAX];
	int64_t output_padding[SP_MAX];
};

/* "[a,b,c]" for a message. */
static const char *fmt_list(char *buf, size_t size, const int64_t *v, int n)
{
	size_t used = 0;
	int k;

	buf[0] = 0;
	for (k = 0; k < n && used < size; k++)
		used += (size_t)snprintf(buf + used, size - used, "%s%lld", k ? "," : "[", (long long)v[k]);
	if (used < size)
		snprintf(buf + used, size - used, "]");
	return buf;
}

static cv_status read_list(imp *im, const char *name, int64_t *out, int64_t dflt, int nsp)
{
	int64_t v[SP_MAX + 1];
	int n = attr_ints(NODE, name, v, SP_MAX + 1), k;

	if (n < 0) {
		for (k = 0; k < nsp; k++)
			out[k] = dflt;
		return CV_OK;
	}
	if (n != nsp)
		return imp_error(im, CV_ERR_INPUT, "attribute %s has %d values for %d spatial dims", name,
				 n, nsp);
	memcpy(out, v, (size_t)nsp * sizeof *v);
	return CV_OK;
}

/*
 * What ONNX Runtime refuses (and what would divide by zero or index out of
 * bounds below): strides, dilations and kernel sizes < 1, negative pads,
 * and a transpose's output_padding outside [0, max(stride, dilation)).
 * Checked before auto_pad uses the strides.
 */
static cv_status check_spatial(imp *im, const struct spatial *s, int transpose)
{
	char b1[96], b2[96], b3[96];
	int k, n = s->nsp;

	for (k = 0; k < n; k++) {
		if (s->kernel[k] < 1)
			return imp_error(im, CV_ERR_INPUT, "kernel_shape must be >= 1, got %s",
					 fmt_list(b1, sizeof b1, s->kernel, n));
		if (s->strides[k] < 1)
			return imp_error(im, CV_ERR_INPUT, "strides must be >= 1, got %s",
					 fmt_list(b1, sizeof b1, s->strides, n));
		if (s->dilations[k] < 1)
			return imp_error(im, CV_ERR_INPUT, "dilations must be >= 1, got %s",
					 fmt_list(b1, sizeof b1, s->dilations, n));
	}
	for (k = 0; k < 2 * n; k++)
		if (s->pads[k] < 0)
			return imp_error(im, CV_ERR_INPUT, "pads must be >= 0, got %s",
					 fmt_list(b1, sizeof b1, s->pads, 2 * n));
	for (k = 0; transpose && k < n; k++) {
		int64_t bound = s->strides[k] > s->dilations[k] ? s->strides[k] : s->dilations[k];
		if (s->output_padding[k] < 0 || s->output_padding[k] >= bound)
			return imp_error(im, CV_ERR_INPUT,
					 "output_padding %s must be >= 0 and smaller than the strides "
					 "%s or dilations %s",
					 fmt_list(b1, sizeof b1, s->output_padding, n),
					 fmt_list(b2, sizeof b2, s->strides, n),
					 fmt_list(b3, sizeof b3, s->dilations, n));
	}
	return CV_OK;
}

/*
 * The attributes of a node over x, whose rank is 2 + s->nsp (s->kernel
 * already set). auto_pad SAME_*: the output is ceil(in / stride) and the
 * total padding max(0, (out - 1) * stride + (k - 1) * dil + 1 - in) is
 * split with the odd one at the end (SAME_UPPER) or the beginning
 * (SAME_LOWER).
 */
static cv_status read_spatial(imp *im, const cv_type *x, struct spatial *s, int transpose)
{
	char pad_mode[32];
	int64_t pads[2 * SP_MAX + 1];
	int k, n, nsp = s->nsp;
	cv_status st;

	if ((st = read_list(im, "strides", s->strides, 1, nsp)) ||
	    (st = read_list(im, "dilations", s->dilations, 1, nsp)) ||
	    (st = read_list(im, "output_padding", s->output_padding, 0, nsp)))
		return st;
	n = attr_ints(NODE, "pads", pads, 2 * SP_MAX + 1);
	if (n >= 0 && n != 2 * nsp)
		return imp_error(im, CV_ERR_INPUT, "pads has %d values for %d spatial dims", n, nsp);
	for (k = 0; k < 2 * nsp; k++)
		s->pads[k] = n == 2 * nsp ? pads[k] : 0;
	if ((st = check_spatial(im, s, transpose)))
		return st;
	attr_string(NODE, "auto_pad", "NOTSET", pad_mode, sizeof pad_mode);
	if (!strcmp(pad_mode, "VALID")) {
		memset(s->pads, 0, sizeof s->pads);
	} else if (!strcmp(pad_mode, "SAME_UPPER") || !strcmp(pad_mode, "SAME_LOWER")) {
		for (k = 0; k < nsp; k++) {
			int64_t in = x->dims[2 + k], ext = (s->kernel[k] - 1) * s->dilations[k] + 1;
			int64_t out = transpose ? in * s->strides[k] : (in + s->strides[k] - 1) / s->strides[k];
			int64_t total = transpose ? s->strides[k] * (in - 1) + s->output_padding[k] + ext - out
						  : (out - 1) * s->strides[k] + ext - in;
			int upper = !strcmp(pad_mode, "SAME_UPPER");
			if (total < 0)
				total = 0;
			s->pads[k] = upper ? total / 2 : total - total / 2;
			s->pads[k + nsp] = total - s->pads[k];
		}
	} else if (strcmp(pad_mode, "NOTSET")) {
		return imp_error(im, CV_ERR_INPUT, "unknown auto_pad '%s'", pad_mode);
	}
	return CV_OK;
}

/* A 1-D window as the 2-D one of unit height: kernel 1, stride 1,
 * dilation 1 and no pads along h; pads become top, left, bottom, right. */
static void to_2d(struct spatial *s)
{
	if (s->nsp != 1)
		return;
	s->kernel[1] = s->kernel[0];
	s->strides[1] = s->strides[0];
	s->dilations[1] = s->dilations[0];
	s->output_padding[1] = s->output_padding[0];
	s->pads[3] = s->pads[1]; /* 1-D: begin, end */
	s->pads[1] = s->pads[0];
	s->pads[2] = 0;
	s->kernel[0] = s->strides[0] = s->dilations[0] = 1;
	s->output_padding[0] = 0;
	s->pads[0] = 0;
}

/* ---- helpers for lowerings that take several IR nodes ---- */

/* Add a node with unnamed results (an intermediate of the current
 * lowering) and infer its types; preset gives a reshape its result type. */
static cv_value *step(imp *im, cv_op op, cv_value **ins, int nin, const cv_attrs *a,
		      const cv_type *preset, cv_status *st)
{
	const char *names[1] = {""};
	cv_node *n = cv_graph_add_node(im->g, op, im->node_name, ins, nin, names, 1);

	if (!n) {
		*st = imp_error(im, CV_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (a)
		n->attrs = *a;
	if (preset)
		n->outputs[0]->type = *preset;
	if ((*st = cv_node_infer_types(n, im->d)))
		return NULL;
	return n->outputs[0];
}

/*
 * The [N,C,1,W] value a rank-3 x [N,C,W] was reshaped from by a 1-D
 * lowering, or NULL. Lowerings of 1-D ops (and of BatchNormalization and
 * activations on such an x) read it instead of reshaping back, so a chain
 * of 1-D layers stays one 4-D chain (the rank-3 views between them die) and
 * fold-bn, fuse-epilogue and channels-last see conv2d -> batchnorm -> relu
 * -> pool2d as in a 2-D network.
 */
static cv_value *unit_h_source(cv_value *x)
{
	const cv_node *p = x->producer;
	const cv_type *s;

	if (x->type.rank != 3 || !p || p->op != CV_OP_RESHAPE)
		return NULL;
	s = &p->inputs[0]->type;
	if (s->rank != 4 || s->layout != CV_LAYOUT_NCHW || s->dims[0] != x->type.dims[0] ||
	    s->dims[1] != x->type.dims[1] || s->dims[2] != 1 || s->dims[3] != x->type.dims[2])
		return NULL;
	return p->inputs[0];
}

/* v with the dims of t (same element count): a constant is re-declared,
 * a run-time value reshaped (or, for a 1-D lowering's view, unwrapped). */
static cv_value *view(imp *im, cv_value *v, const cv_type *t, cv_status *st)
{
	cv_value *c = unit_h_source(v);

	if (c && cv_type_equal(&c->type, t))
		return c;
	if (v->kind != CV_VALUE_CONST)
		return step(im, CV_OP_RESHAPE, &v, 1, NULL, t, st);
	c = cv_graph_add_const(im->g, v->name, t, v->data, v->nbytes);
	if (!c)
		*st = imp_error(im, CV_ERR_NOMEM, "out of memory");
	return c;
}

/* t ([A,B,W], rank 3) as [A,B,1,W] in layout l. */
static cv_type unit_h(const cv_type *t, cv_layout l)
{
	cv_type r = *t;

	r.rank = 4;
	r.dims[3] = t->dims[2];
	r.dims[2] = 1;
	r.layout = l;
	return r;
}

/* t ([A,B,1,W], rank 4) as [A,B,W]. */
static cv_type drop_h(const cv_type *t)
{
	cv_type r = *t;

	r.rank = 3;
	r.dims[2] = t->dims[3];
	r.dims[3] = 0;
	r.layout = CV_LAYOUT_PLAIN;
	return r;
}

void drop_unit_h_views(imp *im)
{
	cv_node *n, *prev;

	for (n = im->g->last; n; n = prev) {
		prev = n->prev;
		if (n->op == CV_OP_RESHAPE && !n->outputs[0]->num_uses && !n->outputs[0]->is_output &&
		    unit_h_source(n->outputs[0]))
			cv_graph_remove_node(im->g, n);
	}
}

/* A one-result op whose operand 0 may be a 1-D lowering's rank-3 view:
 * then it runs on the [N,C,1,W] source and its result is viewed as rank 3
 * again (for batchnorm and the elementwise activations, which are the same
 * computation at either rank). */
static cv_status finish_on_unit_h(imp *im, cv_op op, cv_value **ins, int nin, const cv_attrs *a)
{
	cv_value *src = unit_h_source(ins[0]), *y;
	cv_status st = CV_OK;
	cv_type t;

	if (!src)
		return finish(im, op, ins, nin, a, 1, NULL);
	t = ins[0]->type;
	ins[0] = src;
	if (!(y = step(im, op, ins, nin, a, NULL, &st)))
		return st;
	t.dtype = y->type.dtype;
	return finish(im, CV_OP_RESHAPE, &y, 1, NULL, 1, &t);
}

/* ---- Conv, ConvTranspose ---- */

/* kernel_shape is optional (the weight has it); when given it must agree. */
static cv_status check_kernel_shape(imp *im, const cv_value *w, int nsp)
{
	int64_t ks[SP_MAX + 1];
	const int64_t *wd = w->type.dims;
	char b1[96], b2[96];
	int n = attr_ints(NODE, "kernel_shape", ks, SP_MAX + 1);

	if (n == -1)
		return CV_OK;
	if (n != nsp || memcmp(ks, wd + 2, (size_t)nsp * sizeof *ks)) {
		char got[96];
		if (n >= 1 && n <= SP_MAX)
			fmt_list(got, sizeof got, ks, n);
		else
			snprintf(got, sizeof got, n < 0 ? "with too many values" : "with %d values", n);
		return imp_error(im, CV_ERR_INPUT,
				 "kernel_shape %s contradicts the weight '%s' %s, a %s kernel", got, w->name,
				 fmt_list(b1, sizeof b1, wd, w->type.rank), fmt_list(b2, sizeof b2, wd + 2, nsp));
	}
	return CV_OK;
}

static cv_status lower_conv3d(imp *im, int transpose, cv_value *x, cv_value *w, cv_value *b,
			      const struct spatial *s);

static cv_status lower_conv_common(imp *im, int transpose)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st), *w = operand(im, 1, 1, &st), *b = operand(im, 2, 0, &st);
	cv_value *ins[3], *y;
	struct spatial s;
	cv_attrs a;
	cv_type t;
	int64_t out_shape[SP_MAX + 1];
	int k, r;

	if (st || (st = need_f32(im, x, 0)) || (st = need_f32(im, w, 1)) || (st = need_f32(im, b, 2)))
		return st;
	r = x->type.rank;
	if (r < 3 || r > 5 || w->type.rank != r)
		return imp_error(im, CV_ERR_UNSUPPORTED,
				 "convc supports 1-D, 2-D and 3-D convolution (input and weight of rank 3, "
				 "4 or 5); input has rank %d, weight rank %d", r, w->type.rank);
	memset(&s, 0, sizeof s);
	s.nsp = r - 2;
	memcpy(s.kernel, w->type.dims + 2, (size_t)s.nsp * sizeof *s.kernel);
	if ((st = check_kernel_shape(im, w, s.nsp)) || (st = read_spatial(im, &x->type, &s, transpose)))
		return st;
	if (transpose && attr_ints(NODE, "output_shape", out_shape, SP_MAX + 1) == s.nsp) {
		/* total padding = stride*(in-1) + output_padding + (k-1)*dil + 1 - output_shape */
		for (k = 0; k < s.nsp; k++) {
			int64_t total = s.strides[k] * (x->type.dims[2 + k] - 1) + s.output_padding[k] +
					(s.kernel[k] - 1) * s.dilations[k] + 1 - out_shape[k];
			if (total < 0) {
				s.output_padding[k] += -total;
				total = 0;
			}
			s.pads[k] = total / 2;
			s.pads[k + s.nsp] = total - total / 2;
		}
	}
	if (r == 5)
		return lower_conv3d(im, transpose, x, w, b, &s);
	memset(&a, 0, sizeof a);
	a.conv.group = attr_int(NODE, "group", 1);
	if (a.conv.group < 1)
		return imp_error(im, CV_ERR_INPUT, "group must be >= 1, got %lld", (long long)a.conv.group);
	to_2d(&s);
	memcpy(a.conv.strides, s.strides, sizeof a.conv.strides);
	memcpy(a.conv.dilations, s.dilations, sizeof a.conv.dilations);
	memcpy(a.conv.pads, s.pads, sizeof a.conv.pads);
	if (transpose)
		memcpy(a.conv.output_padding, s.output_padding, sizeof a.conv.output_padding);
	if (r == 3) {
		t = unit_h(&x->type, CV_LAYOUT_NCHW);
		if (!(x = view(im, x, &t, &st)))
			return st;
		t = unit_h(&w->type, transpose ? CV_LAYOUT_IOHW : CV_LAYOUT_OIHW);
		if (!(w = view(im, w, &t, &st)))
			return st;
	}
	w->type.layout = transpose ? CV_LAYOUT_IOHW : CV_LAYOUT_OIHW;
	ins[0] = x;
	ins[1] = w;
	ins[2] = b;
	if (r == 4)
		return finish(im, transpose ? CV_OP_CONV_TRANSPOSE2D : CV_OP_CONV2D, ins, b ? 3 : 2, &a, 1,
			      NULL);
	if (!(y = step(im, transpose ? CV_OP_CONV_TRANSPOSE2D : CV_OP_CONV2D, ins, b ? 3 : 2, &a, NULL, &st)))
		return st;
	t = drop_h(&y->type);
	return finish(im, CV_OP_RESHAPE, &y, 1, NULL, 1, &t);
}

/* Conv over x [N,C,D,H,W]: the conv3d op (w oidhw); ConvTranspose: the
 * conv_transpose3d op (w iodhw [C,M/g,KD,KH,KW], output_padding; an
 * output_shape was turned into pads and output_padding above). */
static cv_status lower_conv3d(imp *im, int transpose, cv_value *x, cv_value *w, cv_value *b,
			      const struct spatial *s)
{
	cv_value *ins[3];
	cv_attrs a;

	memset(&a, 0, sizeof a);
	a.conv3d.group = attr_int(NODE, "group", 1);
	if (a.conv3d.group < 1)
		return imp_error(im, CV_ERR_INPUT, "group must be >= 1, got %lld", (long long)a.conv3d.group);
	memcpy(a.conv3d.strides, s->strides, sizeof a.conv3d.strides);
	memcpy(a.conv3d.dilations, s->dilations, sizeof a.conv3d.dilations);
	memcpy(a.conv3d.pads, s->pads, sizeof a.conv3d.pads);
	if (transpose)
		memcpy(a.conv3d.output_padding, s->output_padding, sizeof a.conv3d.output_padding);
	w->type.layout = transpose ? CV_LAYOUT_IODHW : CV_LAYOUT_OIDHW;
	ins[0] = x;
	ins[1] = w;
	ins[2] = b;
	return finish(im, transpose ? CV_OP_CONV_TRANSPOSE3D : CV_OP_CONV3D, ins, b ? 3 : 2, &a, 1,
		      NULL);
}

static cv_status lower_conv(imp *im)
{
	return lower_conv_common(im, 0);
}

static cv_status lower_conv_transpose(imp *im)
{
	return lower_conv_common(im, 1);
}

/* ---- BatchNormalization in training mode ---- */

static cv_status inner_binary(imp *im, cv_op op, cv_value *a, cv_value *b, cv_value **out);

/* A one-result node of the current lowering whose result is ONNX result k
 * (named and bound as it); preset gives a reshape its result type. */
static cv_status bind_result(imp *im, size_t k, cv_op op, cv_value **ins, int nin, const cv_type *preset)
{
	const char *name = NODE->output[k];
	cv_node *n = cv_graph_add_node(im->g, op, im->node_name, ins, nin, &name, 1);
	cv_status st;

	if (!n)
		return imp_error(im, CV_ERR_NOMEM, "out of memory");
	if (preset)
		n->outputs[0]->type = *preset;
	if ((st = cv_node_infer_types(n, im->d)))
		return st;
	return imp_bind(im, name, n->outputs[0]);
}

/* A float32 scalar constant (rank 0: broadcasts without raising a rank). */
static cv_value *bn_scalar(imp *im, float v, cv_status *st)
{
	cv_type t;
	cv_value *c;

	memset(&t, 0, sizeof t);
	t.dtype = CV_F32;
	if ((*st = imp_new_const(im, "", &t, &c)))
		return NULL;
	*(float *)c->data = v;
	return c;
}

/* stat * momentum + batch * (1 - momentum), bound as ONNX result k. */
static cv_status bn_running(imp *im, size_t k, cv_value *stat, cv_value *batch, float momentum)
{
	cv_status st = CV_OK;
	cv_value *mo = bn_scalar(im, momentum, &st), *rest = mo ? bn_scalar(im, 1.0f - momentum, &st) : NULL;
	cv_value *ins[2];

	if (st || (st = inner_binary(im, CV_OP_MUL, stat, mo, &ins[0])) ||
	    (st = inner_binary(im, CV_OP_MUL, batch, rest, &ins[1])))
		return st;
	return bind_result(im, k, CV_OP_ADD, ins, 2, NULL);
}

/*
 * BatchNormalization in training mode: training_mode=1 (opset 14 on), or,
 * before opset 14 (which had no such attribute), a running or saved
 * statistic used by the graph. x [N,C,D1,...] is normalized with the batch's
 * own statistics per channel, over N and D1...:
 *   mean_b[c] = mean(x[:,c,...]), var_b[c] = mean((x[:,c,...] - mean_b[c])^2)
 *   y = (x - mean_b) * (scale / sqrt(var_b + epsilon)) + B
 *   running_mean = mean * momentum + mean_b * (1 - momentum)      (result 1)
 *   running_var  = var * momentum + var_b * (1 - momentum)        (result 2)
 *   saved_mean = mean_b, saved_var = var_b        (results 3, 4, opset < 14)
 * var_b is the population variance (ONNX's reference and test data), all
 * [C] results float32, momentum 0.9 by default. Written as reduce_mean,
 * sub, mul, add, sqrt and div nodes, so every pass, the interpreter and the
 * backend run it as they run those ops (no batchnorm node: fold-bn, which
 * folds inference statistics, never sees it).
 */
static cv_status lower_batchnorm_training(imp *im, cv_value **ins)
{
	cv_status st = CV_OK;
	cv_value *x = ins[0], *m, *d = NULL, *v, *e, *k = NULL, *sc, *b, *t2[2];
	float eps = attr_float(NODE, "epsilon", 1e-5f), mom = attr_float(NODE, "momentum", 0.9f);
	int64_t c;
	cv_type ct, bt;
	cv_attrs ra;
	size_t i;
	int j;

	if (x->type.rank < 2)
		return imp_error(im, CV_ERR_INPUT, "input rank %d; BatchNormalization needs [N,C,...]",
				 x->type.rank);
	if (NODE->n_output > (im->opset >= 14 ? 3u : 5u))
		return imp_error(im, CV_ERR_INPUT, "%zu results, at most %d at opset %d", NODE->n_output,
				 im->opset >= 14 ? 3 : 5, (int)im->opset);
	c = x->type.dims[1];
	for (j = 1; j < 5; j++)
		if (cv_type_numel(&ins[j]->type) != c)
			return imp_error(im, CV_ERR_INPUT, "operand %d ('%s') has %lld values for %lld channels", j,
					 ins[j]->name, (long long)cv_type_numel(&ins[j]->type), (long long)c);
	memset(&ra, 0, sizeof ra);
	ra.reduce.keepdims = 1;
	for (j = 0; j < x->type.rank; j++)
		if (j != 1)
			ra.reduce.axes |= 1u << j;
	bt = x->type; /* [1,C,1,...]: broadcasts over x */
	bt.layout = CV_LAYOUT_PLAIN;
	for (j = 0; j < bt.rank; j++)
		bt.dims[j] = j == 1 ? c : 1;
	memset(&ct, 0, sizeof ct); /* [C] */
	ct.dtype = CV_F32;
	ct.rank = 1;
	ct.dims[0] = c;
	if (!(m = step(im, CV_OP_REDUCE_MEAN, &x, 1, &ra, NULL, &st)) ||
	    (st = inner_binary(im, CV_OP_SUB, x, m, &d)) || (st = inner_binary(im, CV_OP_MUL, d, d, &t2[0])) ||
	    !(v = step(im, CV_OP_REDUCE_MEAN, &t2[0], 1, &ra, NULL, &st)) || !(e = bn_scalar(im, eps, &st)) ||
	    (st = inner_binary(im, CV_OP_ADD, v, e, &t2[1])) || !(t2[1] = step(im, CV_OP_SQRT, &t2[1], 1, NULL, NULL, &st)) ||
	    !(sc = view(im, ins[1], &bt, &st)) || !(b = view(im, ins[2], &bt, &st)) ||
	    (st = inner_binary(im, CV_OP_DIV, sc, t2[1], &k)) || (st = inner_binary(im, CV_OP_MUL, d, k, &t2[0])))
		return st;
	t2[1] = b;
	if ((st = finish(im, CV_OP_ADD, t2, 2, NULL, 1, NULL)))
		return st;
	for (i = 1; i < NODE->n_output; i++) {
		if (!NODE->output[i] || !NODE->output[i][0] || !imp_name_used(im, NODE->output[i], &st)) {
			if (st)
				return imp_error(im, st, "out of memory");
			continue;
		}
		if (i <= 2) {
			cv_value *stat = view(im, ins[i + 2], &ct, &st), *batch = i == 1 ? m : v;
			if (!stat || !(batch = step(im, CV_OP_RESHAPE, &batch, 1, NULL, &ct, &st)) ||
			    (st = bn_running(im, i, stat, batch, mom)))
				return st;
		} else { /* saved_mean, saved_var */
			cv_value *batch = i == 3 ? m : v;
			if ((st = bind_result(im, i, CV_OP_RESHAPE, &batch, 1, &ct)))
				return st;
		}
	}
	return CV_OK;
}

/* Whether a BatchNormalization node trains (lower_batchnorm_training). */
static int bn_is_training(imp *im, cv_status *st)
{
	size_t i;

	if (im->opset >= 14)
		return attr_int(NODE, "training_mode", 0) != 0;
	if (im->opset < 7 && attr_int(NODE, "is_test", 0))
		return 0; /* test mode: a used statistic is refused (only_first_result) */
	for (i = 1; i < NODE->n_output; i++)
		if (NODE->output[i] && NODE->output[i][0] && imp_name_used(im, NODE->output[i], st))
			return 1;
	return 0;
}

static cv_status lower_batchnorm(imp *im)
{
	cv_status st = CV_OK;
	cv_value *ins[5];
	cv_attrs a;
	int i;

	for (i = 0; i < 5; i++)
		if (!(ins[i] = operand(im, i, 1, &st)) || (st = need_f32(im, ins[i], i)))
			return st;
	/* opsets < 9: spatial=0 keeps statistics per (channel, position) */
	if (im->opset < 9 && !attr_int(NODE, "spatial", 1))
		return imp_error(im, CV_ERR_UNSUPPORTED, "spatial=0 is not supported");
	if (bn_is_training(im, &st))
		return lower_batchnorm_training(im, ins);
	if (st)
		return imp_error(im, st, "out of memory");
	if ((st = only_first_result(im)))
		return st;
	memset(&a, 0, sizeof a);
	a.bn_eps = attr_float(NODE, "epsilon", 1e-5f);
	return finish_on_unit_h(im, CV_OP_BATCHNORM, ins, 5, &a);
}

/* ---- activations ---- */

static cv_status lower_act(imp *im, cv_op op, cv_act_kind kind, float pa, float pb)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st);
	cv_attrs a;

	if (st || (st = need_f32(im, x, 0)))
		return st;
	memset(&a, 0, sizeof a);
	a.act.kind = kind;
	a.act.a = pa;
	a.act.b = pb;
	return finish_on_unit_h(im, op, &x, 1, &a);
}

static cv_status lower_relu(imp *im)
{
	return lower_act(im, CV_OP_RELU, CV_ACT_RELU, 0, 0);
}

static cv_status lower_sigmoid(imp *im)
{
	return lower_act(im, CV_OP_SIGMOID, CV_ACT_SIGMOID, 0, 0);
}

static cv_status lower_hard_swish(imp *im)
{
	return lower_act(im, CV_OP_HARD_SWISH, CV_ACT_HARD_SWISH, 0, 0);
}

static cv_status lower_leaky_relu(imp *im)
{
	return lower_act(im, CV_OP_LEAKY_RELU, CV_ACT_LEAKY_RELU, attr_float(NODE, "alpha", 0.01f), 0);
}

static cv_status lower_hard_sigmoid(imp *im)
{
	return lower_act(im, CV_OP_HARD_SIGMOID, CV_ACT_HARD_SIGMOID, attr_float(NODE, "alpha", 0.2f),
			 attr_float(NODE, "beta", 0.5f));
}

/* ---- transcendental activations (each also a fusable epilogue) ---- */

static cv_status lower_tanh(imp *im) { return lower_act(im, CV_OP_TANH, CV_ACT_TANH, 0, 0); }
static cv_status lower_erf(imp *im) { return lower_act(im, CV_OP_ERF, CV_ACT_ERF, 0, 0); }
static cv_status lower_exp(imp *im) { return lower_act(im, CV_OP_EXP, CV_ACT_EXP, 0, 0); }
static cv_status lower_log(imp *im) { return lower_act(im, CV_OP_LOG, CV_ACT_LOG, 0, 0); }
static cv_status lower_softplus(imp *im) { return lower_act(im, CV_OP_SOFTPLUS, CV_ACT_SOFTPLUS, 0, 0); }
static cv_status lower_mish(imp *im) { return lower_act(im, CV_OP_MISH, CV_ACT_MISH, 0, 0); }

static cv_status lower_elu(imp *im)
{
	return lower_act(im, CV_OP_ELU, CV_ACT_ELU, attr_float(NODE, "alpha", 1.0f), 0);
}

/* ONNX Selu's defaults: Klambauer et al., "Self-Normalizing Neural
 * Networks" (2017), rounded to float as the ONNX operator spec lists them. */
static cv_status lower_selu(imp *im)
{
	return lower_act(im, CV_OP_SELU, CV_ACT_SELU, attr_float(NODE, "alpha", 1.67326319217681884765625f),
			 attr_float(NODE, "gamma", 1.05070102214813232421875f));
}

/* Gelu (opset 20): approximate = "none" (the erf form) or "tanh". */
static cv_status lower_gelu(imp *im)
{
	char approx[16];

	attr_string(NODE, "approximate", "none", approx, sizeof approx);
	if (!strcmp(approx, "none"))
		return lower_act(im, CV_OP_GELU, CV_ACT_GELU, 0, 0);
	if (!strcmp(approx, "tanh"))
		return lower_act(im, CV_OP_GELU_TANH, CV_ACT_GELU_TANH, 0, 0);
	return imp_error(im, CV_ERR_UNSUPPORTED, "approximate '%s' (ONNX defines none and tanh)", approx);
}

/*
 * PRelu before opset 7 has a slope of one value or one per channel (dim 1
 * of x), not a broadcast one: a [C] slope becomes [C,1,...,1] (rank of x
 * minus 1), which broadcasts the same way.
 */
static cv_status prelu6_slope(imp *im, const cv_value *x, cv_value **slope)
{
	const cv_type *ts = &(*slope)->type;
	const char *names[1];
	cv_type t = *ts;
	cv_node *n;
	int k;

	if (im->opset >= 7 || ts->rank != 1 || x->type.rank < 3 || ts->dims[0] == 1 ||
	    ts->dims[0] != x->type.dims[1])
		return CV_OK;
	t.rank = x->type.rank - 1;
	for (k = 1; k < t.rank; k++)
		t.dims[k] = 1;
	t.layout = CV_LAYOUT_PLAIN;
	if ((*slope)->kind == CV_VALUE_CONST) {
		*slope = cv_graph_add_const(im->g, (*slope)->name, &t, (*slope)->data, (*slope)->nbytes);
		return *slope ? CV_OK : imp_error(im, CV_ERR_NOMEM, "out of memory");
	}
	names[0] = (*slope)->name;
	n = cv_graph_add_node(im->g, CV_OP_RESHAPE, im->node_name, slope, 1, names, 1);
	if (!n)
		return imp_error(im, CV_ERR_NOMEM, "out of memory");
	n->outputs[0]->type = t;
	*slope = n->outputs[0];
	return cv_node_infer_types(n, im->d);
}

/*
 * PRelu(x, slope), slope broadcast to x (unidirectionally): a constant
 * slope whose elements are all equal is leaky_relu(alpha = slope), a fusable
 * epilogue; any other slope (per channel, [C,1,1] or [C] for rank 2, or
 * run-time) is the prelu op, one vectorized pass.
 */
static cv_status lower_prelu(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st), *slope = operand(im, 1, 1, &st), *ins[2];
	const cv_type *tx, *ts;
	int64_t i, count;
	double k;
	int d;

	if (st || (st = need_f32(im, x, 0)) || (st = need_f32(im, slope, 1)) ||
	    (st = prelu6_slope(im, x, &slope)))
		return st;
	tx = &x->type;
	ts = &slope->type;
	for (d = 1; d <= ts->rank; d++)
		if (d > tx->rank || (ts->dims[ts->rank - d] != 1 &&
				     ts->dims[ts->rank - d] != tx->dims[tx->rank - d]))
			return imp_error(im, CV_ERR_INPUT, "slope dim %d (%lld) does not broadcast to x (rank %d)",
					 ts->rank - d, (long long)ts->dims[ts->rank - d], tx->rank);
	count = cv_type_numel(ts);
	if (slope->kind == CV_VALUE_CONST && count >= 1) {
		k = const_float_at(slope, 0);
		for (i = 1; i < count && const_float_at(slope, i) == k; i++)
			;
		if (i == count)
			return lower_act(im, CV_OP_LEAKY_RELU, CV_ACT_LEAKY_RELU, (float)k, 0);
	}
	ins[0] = x;
	ins[1] = slope;
	return finish(im, CV_OP_PRELU, ins, 2, NULL, 1, NULL);
}

static cv_status lower_clip_runtime(imp *im);

/* Clip: attributes min/max before opset 11, optional operands after
 * (constants fold into the clip; run-time ones, see lower_clip_runtime). */
static cv_status lower_clip_typed(imp *im, cv_value *x);

static cv_status lower_clip(imp *im)
{
	cv_status st = CV_OK;
	float lo = -FLT_MAX, hi = FLT_MAX;
	int i;

	if (im->opset >= 12) { /* Clip-12 takes integer tensors too */
		cv_value *x = operand(im, 0, 1, &st);
		if (st)
			return st;
		if (x->type.dtype != CV_F32)
			return lower_clip_typed(im, x);
	}
	if (im->opset < 11) {
		lo = attr_float(NODE, "min", -FLT_MAX);
		hi = attr_float(NODE, "max", FLT_MAX);
	} else {
		for (i = 1; i <= 2; i++) {
			cv_value *b = imp_input(im, i, &st);
			if (st || (st = need_f32(im, b, i)))
				return st;
			if (!b)
				continue;
			if (cv_type_numel(&b->type) != 1)
				return imp_error(im, CV_ERR_INPUT, "the %s bound has %lld elements; ONNX wants a scalar",
						 i == 1 ? "min" : "max", (long long)cv_type_numel(&b->type));
			if (b->kind != CV_VALUE_CONST)
				return lower_clip_runtime(im);
			if (i == 1)
				lo = (float)const_float_at(b, 0);
			else
				hi = (float)const_float_at(b, 0);
		}
	}
	return lower_act(im, CV_OP_CLIP, CV_ACT_CLIP, lo, hi);
}

/* ---- elementwise binary ---- */

/*
 * Opsets < 7 broadcast only with broadcast=1, and then align B with A at
 * `axis` (default: B matches A's trailing dims, which is NumPy's rule). An
 * axis-aligned B gets trailing 1-dims so NumPy broadcasting does the same.
 */
static cv_status legacy_broadcast(imp *im, cv_value **ins)
{
	const cv_type *a = &ins[0]->type, *b = &ins[1]->type;
	int64_t axis = attr_int(NODE, "axis", -1), dims[CV_MAX_RANK];
	cv_type t = *b;
	const char *names[1];
	cv_node *n;
	int k;

	if (!attr_int(NODE, "broadcast", 0)) {
		if (!cv_type_equal(a, b))
			return imp_error(im, CV_ERR_INPUT, "operand shapes differ and broadcast=0");
		return CV_OK;
	}
	if (!attr_find(NODE, "axis") || axis == a->rank - b->rank)
		return CV_OK;
	axis = axis < 0 ? axis + a->rank : axis;
	if (axis < 0 || axis + b->rank > a->rank)
		return imp_error(im, CV_ERR_INPUT, "broadcast axis %lld does not fit ranks %d and %d",
				 (long long)attr_int(NODE, "axis", -1), a->rank, b->rank);
	for (k = 0; k < a->rank - (int)axis; k++)
		dims[k] = k < b->rank ? b->dims[k] : 1;
	t.rank = a->rank - (int)axis;
	memcpy(t.dims, dims, sizeof dims);
	t.layout = CV_LAYOUT_PLAIN;
	if (ins[1]->kind == CV_VALUE_CONST) {
		ins[1] = cv_graph_add_const(im->g, ins[1]->name, &t, ins[1]->data, ins[1]->nbytes);
		return ins[1] ? CV_OK : imp_error(im, CV_ERR_NOMEM, "out of memory");
	}
	names[0] = ins[1]->name;
	n = cv_graph_add_node(im->g, CV_OP_RESHAPE, im->node_name, &ins[1], 1, names, 1);
	if (!n)
		return imp_error(im, CV_ERR_NOMEM, "out of memory");
	n->outputs[0]->type = t;
	ins[1] = n->outputs[0];
	return cv_node_infer_types(n, im->d);
}

static cv_status lower_binary(imp *im, cv_op op)
{
	cv_status st = CV_OK;
	cv_value *ins[2];

	ins[0] = operand(im, 0, 1, &st);
	ins[1] = operand(im, 1, 1, &st);
	if (st)
		return st;
	if (op == CV_OP_AND || op == CV_OP_OR || op == CV_OP_XOR) {
		if (ins[0]->type.dtype != CV_BOOL || ins[1]->type.dtype != CV_BOOL)
			return imp_error(im, CV_ERR_INPUT, "operands are %s and %s; the op takes bool",
					 cv_dtype_name(ins[0]->type.dtype), cv_dtype_name(ins[1]->type.dtype));
	} else if (op != CV_OP_EQUAL && ((st = need_number(im, ins[0], 0)) || (st = need_number(im, ins[1], 1)))) {
		return st;
	}
	if ((st = same_dtype(im, ins[0], ins[1])))
		return st;
	if (im->opset < 7 && (st = legacy_broadcast(im, ins)))
		return st;
	return finish(im, op, ins, 2, NULL, 1, NULL);
}

static cv_status lower_equal(imp *im) { return lower_binary(im, CV_OP_EQUAL); }
static cv_status lower_less(imp *im) { return lower_binary(im, CV_OP_LESS); }
static cv_status lower_greater(imp *im) { return lower_binary(im, CV_OP_GREATER); }
static cv_status lower_less_equal(imp *im) { return lower_binary(im, CV_OP_LESS_EQUAL); }
static cv_status lower_greater_equal(imp *im) { return lower_binary(im, CV_OP_GREATER_EQUAL); }
static cv_status lower_and(imp *im) { return lower_binary(im, CV_OP_AND); }
static cv_status lower_or(imp *im) { return lower_binary(im, CV_OP_OR); }
static cv_status lower_xor(imp *im) { return lower_binary(im, CV_OP_XOR); }

static cv_status lower_not(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st);

	if (st)
		return st;
	if (x->type.dtype != CV_BOOL)
		return imp_error(im, CV_ERR_INPUT, "operand 0 is %s; Not takes bool", cv_dtype_name(x->type.dtype));
	return finish(im, CV_OP_NOT, &x, 1, NULL, 1, NULL);
}

/* Where(condition, X, Y): all three broadcast; X and Y of one type. */
static cv_status lower_where(imp *im)
{
	cv_status st = CV_OK;
	cv_value *ins[3];

	ins[0] = operand(im, 0, 1, &st);
	ins[1] = operand(im, 1, 1, &st);
	ins[2] = operand(im, 2, 1, &st);
	if (st || (st = same_dtype(im, ins[1], ins[2])))
		return st;
	if (ins[0]->type.dtype != CV_BOOL)
		return imp_error(im, CV_ERR_INPUT, "the condition is %s, not bool", cv_dtype_name(ins[0]->type.dtype));
	return finish(im, CV_OP_WHERE, ins, 3, NULL, 1, NULL);
}

static cv_status lower_add(imp *im) { return lower_binary(im, CV_OP_ADD); }
static cv_status lower_sub(imp *im) { return lower_binary(im, CV_OP_SUB); }
static cv_status lower_mul(imp *im) { return lower_binary(im, CV_OP_MUL); }
static cv_status lower_div(imp *im) { return lower_binary(im, CV_OP_DIV); }

/* ---- elementwise math without an epilogue ---- */

static cv_status lower_math1(imp *im, cv_op op)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st);

	if (st)
		return st;
	/* neg and abs take every number type; reciprocal and sqrt compute float32 */
	st = op == CV_OP_NEG || op == CV_OP_ABS ? need_number(im, x, 0) : need_f32(im, x, 0);
	if (st)
		return st;
	return finish(im, op, &x, 1, NULL, 1, NULL);
}

static cv_status lower_neg(imp *im) { return lower_math1(im, CV_OP_NEG); }
static cv_status lower_abs(imp *im) { return lower_math1(im, CV_OP_ABS); }
static cv_status lower_reciprocal(imp *im) { return lower_math1(im, CV_OP_RECIPROCAL); }
static cv_status lower_sqrt(imp *im) { return lower_math1(im, CV_OP_SQRT); }

/*
 * Pow. A one-element constant exponent that does not broadcast x to a
 * higher rank: 2 (the variance in a written-out layer norm) is mul(x, x), 3
 * (GELU's tanh form) mul(x, mul(x, x)), 0.5 is sqrt(x), 1 is x, so the
 * passes see the ops they match and fuse. Any other exponent, constant or
 * run-time, is the pow op, broadcast NumPy-style.
 */
/* The pow op. A float32 base with a constant exponent of another dtype (an
 * int64 2 ...) takes the exponent as float32, so the float kernels run it.
 * Any other mix (an integer base, a run-time integer exponent: Pow-12 and
 * later) is the typed pow, the result of the base's dtype. */
static cv_status lower_pow_op(imp *im, cv_value *x, cv_value *e)
{
	cv_status st;
	cv_value *ins[2] = {x, e};
	int64_t i, n = cv_type_numel(&e->type);

	if ((st = need_number(im, e, 1)))
		return st;
	if (x->type.dtype == CV_F32 && e->kind == CV_VALUE_CONST && e->type.dtype != CV_F32) {
		cv_type t = e->type;
		float *v;
		t.dtype = CV_F32;
		if (!(ins[1] = cv_graph_add_const(im->g, e->name, &t, NULL, (size_t)n * sizeof *v)))
			return imp_error(im, CV_ERR_NOMEM, "out of memory");
		v = ins[1]->data;
		for (i = 0; i < n; i++)
			v[i] = (float)const_float_at(e, i);
	}
	if (im->opset < 12 && x->type.dtype != ins[1]->type.dtype)
		return imp_error(im, CV_ERR_INPUT, "base is %s, exponent %s; Pow before opset 12 takes "
				 "one type", cv_dtype_name(x->type.dtype), cv_dtype_name(ins[1]->type.dtype));
	if (im->opset < 7 && (st = legacy_broadcast(im, ins)))
		return st;
	return finish(im, CV_OP_POW, ins, 2, NULL, 1, NULL);
}

static cv_status lower_pow(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st), *e = operand(im, 1, 1, &st), *ins[2];
	double k;

	if (st || (st = need_number(im, x, 0)) || (st = need_number(im, e, 1)))
		return st;
	if (x->type.dtype != CV_F32 || e->kind != CV_VALUE_CONST || cv_type_numel(&e->type) != 1 ||
	    e->type.rank > x->type.rank)
		return lower_pow_op(im, x, e);
	k = const_float_at(e, 0);
	if (k == 2) {
		ins[0] = ins[1] = x;
		return finish(im, CV_OP_MUL, ins, 2, NULL, 1, NULL);
	}
	if (k == 3) { /* x * (x * x): GELU's tanh form as exporters write it */
		cv_node *sq;
		const char *names[1] = {""};
		ins[0] = ins[1] = x;
		if (!(sq = cv_graph_add_node(im->g, CV_OP_MUL, im->node_name, ins, 2, names, 1)))
			return imp_error(im, CV_ERR_NOMEM, "out of memory");
		if ((st = cv_node_infer_types(sq, im->d)))
			return st;
		ins[1] = sq->outputs[0];
		return finish(im, CV_OP_MUL, ins, 2, NULL, 1, NULL);
	}
	if (k == 0.5)
		return finish(im, CV_OP_SQRT, &x, 1, NULL, 1, NULL);
	if (k == 1)
		return alias(im, x);
	return lower_pow_op(im, x, e);
}

/* ---- pooling and reductions ---- */

static void pool_attrs(imp *im, cv_pool_kind kind, const struct spatial *s, cv_attrs *a)
{
	memset(a, 0, sizeof *a);
	a->pool.kind = kind;
	memcpy(a->pool.kernel, s->kernel, sizeof a->pool.kernel);
	memcpy(a->pool.strides, s->strides, sizeof a->pool.strides);
	memcpy(a->pool.dilations, s->dilations, sizeof a->pool.dilations);
	memcpy(a->pool.pads, s->pads, sizeof a->pool.pads);
	a->pool.ceil_mode = (int)attr_int(NODE, "ceil_mode", 0);
	a->pool.count_include_pad = (int)attr_int(NODE, "count_include_pad", 0);
}

/* Whether a 2-D form window takes each element alone (kernel 1x1, stride
 * 1, no pads), which is y = x for max and average alike. */
static int pool_is_identity(const struct spatial *s)
{
	return s->kernel[0] == 1 && s->kernel[1] == 1 && s->strides[0] == 1 && s->strides[1] == 1 &&
	       !s->pads[0] && !s->pads[1] && !s->pads[2] && !s->pads[3];
}

/*
 * A 3-D pool over x [N,C,D,H,W] as two 2-D ones: the (h, w) window over
 * [N,C*D,H,W], then the d window (kernel kd x 1) over [N,C,D,H'*W'].
 * Both max and average separate exactly: a window is a box and so are its
 * padded and valid parts, so either divisor is the product of per-dim
 * counts, and ceil_mode acts on each dim alone.
 */
static cv_status lower_pool3d(imp *im, cv_pool_kind kind, cv_value *x, const struct spatial *s)
{
	const int64_t *xd = x->type.dims;
	int64_t n = xd[0], c = xd[1], dpt = xd[2], ho, wo;
	struct spatial hw, dd;
	cv_status st = CV_OK;
	cv_type t = x->type;
	cv_attrs a;
	int k;

	memset(&hw, 0, sizeof hw);
	memset(&dd, 0, sizeof dd);
	for (k = 0; k < 2; k++) {
		hw.kernel[k] = s->kernel[1 + k];
		hw.strides[k] = s->strides[1 + k];
		hw.dilations[k] = s->dilations[1 + k];
		hw.pads[k] = s->pads[1 + k];
		hw.pads[2 + k] = s->pads[4 + k];
		dd.kernel[k] = dd.strides[k] = dd.dilations[k] = 1;
	}
	dd.kernel[0] = s->kernel[0];
	dd.strides[0] = s->strides[0];
	dd.dilations[0] = s->dilations[0];
	dd.pads[0] = s->pads[0];
	dd.pads[2] = s->pads[3];
	t.rank = 4;
	t.dims[1] = c * dpt;
	t.dims[2] = xd[3];
	t.dims[3] = xd[4];
	t.layout = CV_LAYOUT_NCHW;
	pool_attrs(im, kind, &hw, &a);
	if (!(x = view(im, x, &t, &st)) || !(x = step(im, CV_OP_POOL2D, &x, 1, &a, NULL, &st)))
		return st;
	ho = x->type.dims[2];
	wo = x->type.dims[3];
	t.dims[0] = n;
	t.dims[1] = c;
	t.dims[2] = dpt;
	t.dims[3] = ho * wo;
	pool_attrs(im, kind, &dd, &a);
	/* a 1-deep window with stride 1 and no depth pads (r3d's stem pool)
	 * leaves the depth as it is: no second pool */
	if (!(x = view(im, x, &t, &st)) ||
	    (!pool_is_identity(&dd) && !(x = step(im, CV_OP_POOL2D, &x, 1, &a, NULL, &st))))
		return st;
	t.rank = 5;
	t.dims[2] = x->type.dims[2];
	t.dims[3] = ho;
	t.dims[4] = wo;
	t.layout = CV_LAYOUT_PLAIN;
	return finish(im, CV_OP_RESHAPE, &x, 1, NULL, 1, &t);
}

/*
 * MaxPool whose Indices the graph reads, or on integers: the
 * maxpool_indices op on x [N,C,H,W] or [N,C,D,H,W] (1-D as unit height: with H = 1 both
 * index orders number [N,C,W] as ONNX does), its results bound to ONNX
 * results 0 and 1 (an unread Indices is left unbound and dies with it).
 */
static cv_status lower_maxpool_indices(imp *im, cv_value *x, const cv_attrs *a)
{
	const char *names[2] = {"", ""};
	cv_status st = CV_OK;
	cv_node *n;
	cv_type t;
	int k;

	if (x->type.rank != 3) /* [N,C,H,W] or [N,C,D,H,W] */
		return finish(im, CV_OP_MAXPOOL_INDICES, &x, 1, a, 2, NULL);
	t = unit_h(&x->type, CV_LAYOUT_NCHW);
	if (!(x = view(im, x, &t, &st)))
		return st;
	if (!(n = cv_graph_add_node(im->g, CV_OP_MAXPOOL_INDICES, im->node_name, &x, 1, names, 2)))
		return imp_error(im, CV_ERR_NOMEM, "out of memory");
	n->attrs = *a;
	if ((st = cv_node_infer_types(n, im->d)))
		return st;
	for (k = 0; k < 2 && (size_t)k < NODE->n_output; k++) {
		cv_value *v = n->outputs[k];
		if (!NODE->output[k] || !NODE->output[k][0])
			continue;
		t = drop_h(&v->type);
		if ((st = bind_result(im, (size_t)k, CV_OP_RESHAPE, &v, 1, &t)))
			return st;
	}
	return CV_OK;
}

/* Whether the graph reads MaxPool's result 1, the Indices. */
static int indices_used(imp *im, cv_status *st)
{
	return NODE->n_output >= 2 && NODE->output[1] && NODE->output[1][0] &&
	       imp_name_used(im, NODE->output[1], st);
}

static cv_status lower_pool(imp *im, cv_pool_kind kind)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st);
	struct spatial s;
	cv_attrs a;
	cv_type t;
	char b1[96], b2[96];
	int n, r, typed;

	if (st)
		return st;
	/* max pooling moves elements: integers take it too (the typed kernel) */
	typed = kind == CV_POOL_MAX && (indices_used(im, &st) || x->type.dtype != CV_F32);
	if (st)
		return imp_error(im, st, "out of memory");
	if (typed && NODE->n_output > 2)
		return imp_error(im, CV_ERR_INPUT, "%zu results, MaxPool has at most 2", NODE->n_output);
	if ((kind == CV_POOL_MAX ? (st = need_number(im, x, 0)) : (st = need_f32(im, x, 0))) ||
	    (!typed && (st = only_first_result(im))))
		return st;
	r = x->type.rank;
	if (r < 3 || r > 5)
		return imp_error(im, CV_ERR_UNSUPPORTED,
				 "convc supports 1-D, 2-D and 3-D pooling (input of rank 3, 4 or 5); input has rank %d",
				 r);
	memset(&s, 0, sizeof s);
	s.nsp = r - 2;
	n = attr_ints(NODE, "kernel_shape", s.kernel, SP_MAX);
	if (n != s.nsp)
		return imp_error(im, CV_ERR_INPUT, "kernel_shape must have %d values for a rank-%d input",
				 s.nsp, r);
	if ((st = read_spatial(im, &x->type, &s, 0)))
		return st;
	/* ONNX Runtime: "Pad should be smaller than kernel" (explicit pads;
	 * auto_pad's are derived from the kernel). */
	for (n = 0; attr_find(NODE, "pads") && n < 2 * s.nsp; n++)
		if (s.pads[n] >= s.kernel[n % s.nsp])
			return imp_error(im, CV_ERR_INPUT, "pads %s must be smaller than kernel_shape %s",
					 fmt_list(b1, sizeof b1, s.pads, 2 * s.nsp),
					 fmt_list(b2, sizeof b2, s.kernel, s.nsp));
	for (n = 0; n < s.nsp; n++)
		if (kind == CV_POOL_AVG && s.dilations[n] != 1)
			return imp_error(im, CV_ERR_UNSUPPORTED, "dilated average pooling is not supported");
	if (r == 5 && !typed)
		return lower_pool3d(im, kind, x, &s);
	if (r == 5) { /* the 3-D maxpool_indices: (h, w) as in 2-D, d in depth[] */
		struct spatial hw = s;
		int k;
		for (k = 0; k < 2; k++) {
			hw.kernel[k] = s.kernel[1 + k];
			hw.strides[k] = s.strides[1 + k];
			hw.dilations[k] = s.dilations[1 + k];
			hw.pads[k] = s.pads[1 + k];
			hw.pads[2 + k] = s.pads[4 + k];
		}
		pool_attrs(im, kind, &hw, &a);
		a.pool.depth[0] = s.kernel[0];
		a.pool.depth[1] = s.strides[0];
		a.pool.depth[2] = s.dilations[0];
		a.pool.depth[3] = s.pads[0];
		a.pool.depth[4] = s.pads[3];
	} else {
		to_2d(&s);
		pool_attrs(im, kind, &s, &a);
	}
	if (typed) {
		/* storage_order orders the Indices only; the values are the same */
		if ((a.pool.storage_order = (int)attr_int(NODE, "storage_order", 0)) & ~1)
			return imp_error(im, CV_ERR_INPUT, "storage_order is %d; 0 or 1",
					 (int)attr_int(NODE, "storage_order", 0));
		return lower_maxpool_indices(im, x, &a);
	}
	if (r == 4)
		return finish(im, CV_OP_POOL2D, &x, 1, &a, 1, NULL);
	t = unit_h(&x->type, CV_LAYOUT_NCHW);
	if (!(x = view(im, x, &t, &st)) || !(x = step(im, CV_OP_POOL2D, &x, 1, &a, NULL, &st)))
		return st;
	t = drop_h(&x->type);
	return finish(im, CV_OP_RESHAPE, &x, 1, NULL, 1, &t);
}

static cv_status lower_maxpool(imp *im) { return lower_pool(im, CV_POOL_MAX); }
static cv_status lower_avgpool(imp *im) { return lower_pool(im, CV_POOL_AVG); }

static cv_status reduce(imp *im, cv_op op, cv_value *x, uint32_t axes, int keepdims)
{
	cv_attrs a;

	memset(&a, 0, sizeof a);
	a.reduce.axes = axes;
	a.reduce.keepdims = keepdims;
	return finish(im, op, &x, 1, &a, 1, NULL);
}

/* GlobalAveragePool and GlobalMaxPool reduce every spatial dim, keeping it. */
static cv_status lower_global_pool(imp *im, cv_op op)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st);
	uint32_t axes = 0;
	int k;

	if (st || (st = need_f32(im, x, 0)))
		return st;
	if (x->type.rank < 3)
		return imp_error(im, CV_ERR_INPUT, "input rank %d < 3", x->type.rank);
	for (k = 2; k < x->type.rank; k++)
		axes |= 1u << k;
	return reduce(im, op, x, axes, 1);
}

static cv_status lower_global_avgpool(imp *im) { return lower_global_pool(im, CV_OP_REDUCE_MEAN); }
static cv_status lower_global_maxpool(imp *im) { return lower_global_pool(im, CV_OP_REDUCE_MAX); }

/* Normalize an axis against rank: ONNX allows [-rank, rank). */
static cv_status norm_axis(imp *im, int64_t axis, int rank, int64_t *out)
{
	*out = 0;
	if (axis < -rank || axis >= (rank ? rank : 1))
		return imp_error(im, CV_ERR_INPUT, "axis %lld is out of range for rank %d", (long long)axis,
				 rank);
	*out = axis < 0 ? axis + rank : axis;
	return CV_OK;
}

/*
 * ReduceMean/Sum/Max/Min/L2/SumSquare. The axes are an attribute until they became an
 * optional operand (ReduceSum at opset 13, the others at 18), which convc
 * takes only as a constant. No axes means all dims, unless
 * noop_with_empty_axes (from the same opsets) makes the op an identity.
 */
static cv_status lower_reduce_from(imp *im, cv_op op, int64_t axes_input_opset, int square);

static cv_status lower_reduce(imp *im, cv_op op, int64_t axes_input_opset)
{
	return lower_reduce_from(im, op, axes_input_opset, 0);
}

/* square: reduce x*x instead of x (ReduceSumSquare). */
static cv_status lower_reduce_from(imp *im, cv_op op, int64_t axes_input_opset, int square)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st), *av = NULL;
	int64_t axes[CV_MAX_RANK], ax;
	uint32_t mask = 0;
	int n, k;

	if (st || (st = need_f32(im, x, 0)))
		return st;
	if (im->opset >= axes_input_opset) {
		av = imp_input(im, 1, &st);
		if (st)
			return st;
		n = av ? const_ints(av, axes, CV_MAX_RANK) : -1;
		if (av && n < 0)
			return not_constant(im, av, "axes", "a constant of at most 8 integers");
		if (n == 0)
			n = -1; /* an empty axes tensor means "none given" */
	} else {
		n = attr_ints(NODE, "axes", axes, CV_MAX_RANK);
		if (n == -2)
			return imp_error(im, CV_ERR_INPUT, "too many axes");
	}
	for (k = 0; k < n; k++) {
		if ((st = norm_axis(im, axes[k], x->type.rank, &ax)))
			return st;
		mask |= 1u << ax;
	}
	/* squared first: ONNX's no-op ReduceSumSquare still squares */
	if (square) {
		const char *name = "";
		cv_value *ins[2] = {x, x};
		cv_node *sq = cv_graph_add_node(im->g, CV_OP_MUL, im->node_name, ins, 2, &name, 1);
		if (!sq)
			return imp_error(im, CV_ERR_NOMEM, "out of memory");
		if ((st = cv_node_infer_types(sq, im->d)))
			return st;
		x = sq->outputs[0];
	}
	if (n < 0) {
		if (im->opset >= axes_input_opset && attr_int(NODE, "noop_with_empty_axes", 0))
			return alias(im, x);
		mask = x->type.rank ? (1u << x->type.rank) - 1 : 0;
	}
	return reduce(im, op, x, mask, (int)attr_int(NODE, "keepdims", 1));
}

static cv_status lower_reduce_mean(imp *im) { return lower_reduce(im, CV_OP_REDUCE_MEAN, 18); }
static cv_status lower_reduce_sum(imp *im) { return lower_reduce(im, CV_OP_REDUCE_SUM, 13); }
static cv_status lower_reduce_max(imp *im) { return lower_reduce(im, CV_OP_REDUCE_MAX, 18); }
static cv_status lower_reduce_min(imp *im) { return lower_reduce(im, CV_OP_REDUCE_MIN, 18); }
static cv_status lower_reduce_l2(imp *im) { return lower_reduce(im, CV_OP_REDUCE_L2, 18); }
/* ReduceSumSquare is reduce_sum over mul(x, x). */
static cv_status lower_reduce_sum_square(imp *im)
{
	return lower_reduce_from(im, CV_OP_REDUCE_SUM, 18, 1);
}

/* ---- normalization ---- */

/*
 * LayerNormalization (opset 17): normalize over the dims from axis (default
 * -1) on. Scale and bias must hold one element per normalized position
 * (convc does not broadcast them); stash_type only names the precision of
 * the statistics, which convc computes in float. The optional Mean and
 * InvStdDev results become the op's results 1 and 2.
 */
static cv_status lower_layernorm(imp *im)
{
	cv_status st = CV_OK;
	cv_value *ins[3];
	cv_attrs a;
	int i, nout = NODE->n_output < 3 ? (int)NODE->n_output : 3;

	for (i = 0; i < 3 && !st; i++)
		ins[i] = operand(im, i, i < 2, &st);
	for (i = 0; i < 3 && !st; i++)
		st = need_f32(im, ins[i], i);
	if (st)
		return st;
	if (NODE->n_output > 3)
		return imp_error(im, CV_ERR_INPUT, "%zu results, at most 3", NODE->n_output);
	memset(&a, 0, sizeof a);
	a.norm.epsilon = attr_float(NODE, "epsilon", 1e-5f);
	if ((st = norm_axis(im, attr_int(NODE, "axis", -1), ins[0]->type.rank, &a.norm.axis)))
		return st;
	return finish(im, CV_OP_LAYERNORM, ins, ins[2] ? 3 : 2, &a, nout < 1 ? 1 : nout, NULL);
}

/* ---- matrix products ---- */

static cv_status lower_gemm(imp *im)
{
	cv_status st = CV_OK;
	cv_value *ins[3];
	cv_attrs a;
	int i;

	for (i = 0; i < 3; i++)
		ins[i] = operand(im, i, i < 2, &st);
	if (st || (st = need_f32(im, ins[0], 0)) || (st = need_f32(im, ins[1], 1)) ||
	    (st = need_f32(im, ins[2], 2)))
		return st;
	memset(&a, 0, sizeof a);
	a.gemm.trans_a = (int)attr_int(NODE, "transA", 0);
	a.gemm.trans_b = (int)attr_int(NODE, "transB", 0);
	a.gemm.alpha = attr_float(NODE, "alpha", 1.0f);
	a.gemm.beta = attr_float(NODE, "beta", 1.0f);
	return finish(im, CV_OP_GEMM, ins, ins[2] ? 3 : 2, &a, 1, NULL);
}

static cv_status lower_matmul(imp *im)
{
	cv_status st = CV_OK;
	cv_value *ins[2];

	ins[0] = operand(im, 0, 1, &st);
	ins[1] = operand(im, 1, 1, &st);
	if (st || (st = need_f32(im, ins[0], 0)) || (st = need_f32(im, ins[1], 1)))
		return st;
	return finish(im, CV_OP_MATMUL, ins, 2, NULL, 1, NULL);
}

/* ---- shape ops on runtime values ---- */

static cv_status reshape_to(imp *im, cv_value *x, const int64_t *dims, int rank)
{
	cv_type t = x->type;

	t.rank = rank;
	memcpy(t.dims, dims, (size_t)rank * sizeof *dims);
	t.layout = CV_LAYOUT_PLAIN;
	if (cv_type_equal(&t, &x->type))
		return alias(im, x);
	return finish(im, CV_OP_RESHAPE, &x, 1, NULL, 1, &t);
}

/*
 * ONNX Reshape target: 0 copies the input dim (unless allowzero), one -1 is
 * inferred from the element count.
 */
int resolve_reshape(const cv_type *x, const int64_t *shape, int rank, int allowzero, int64_t *out)
{
	int64_t known = 1, numel = cv_type_numel(x);
	int k, infer = -1;

	for (k = 0; k < rank; k++) {
		out[k] = shape[k];
		if (shape[k] == 0 && !allowzero) {
			if (k >= x->rank)
				return -1;
			out[k] = x->dims[k];
		}
		if (out[k] == -1) {
			if (infer >= 0)
				return -1;
			infer = k;
		} else if (out[k] < 0 || __builtin_mul_overflow(known, out[k], &known)) {
			return -1; /* a negative dim, or a product beyond int64 */
		}
	}
	if (infer >= 0) {
		if (known == 0 || numel % known)
			return -1;
		out[infer] = numel / known;
	}
	return 0;
}

static cv_status lower_reshape(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st), *s = operand(im, 1, im->opset >= 5, &st);
	int64_t shape[CV_MAX_RANK], dims[CV_MAX_RANK];
	int rank;

	if (st)
		return st;
	/* Reshape-1..4: the shape is an attribute */
	rank = im->opset < 5 ? attr_ints(NODE, "shape", shape, CV_MAX_RANK) : const_ints(s, shape, CV_MAX_RANK);
	if (rank < 0 && im->opset < 5)
		return imp_error(im, CV_ERR_INPUT, "opset %lld: the shape attribute is missing or has more than 8 dims",
				 (long long)im->opset);
	if (rank < 0)
		return not_constant(im, s, "the target shape",
				    "a constant (or computed from static shapes) of rank <= 8");
	if (resolve_reshape(&x->type, shape, rank, (int)attr_int(NODE, "allowzero", 0), dims))
		return imp_error(im, CV_ERR_INPUT, "target shape does not fit %lld elements",
				 (long long)cv_type_numel(&x->type));
	return reshape_to(im, x, dims, rank);
}

static cv_status lower_flatten(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st);
	int64_t axis, dims[2] = {1, 1};
	int k;

	if (st)
		return st;
	/* Flatten's axis is in [-rank, rank]; negative counts from the end. */
	axis = attr_int(NODE, "axis", 1);
	axis = axis < 0 ? axis + x->type.rank : axis;
	if (axis < 0 || axis > x->type.rank)
		return imp_error(im, CV_ERR_INPUT, "axis %lld is out of range for rank %d",
				 (long long)attr_int(NODE, "axis", 1), x->type.rank);
	for (k = 0; k < x->type.rank; k++)
		dims[k >= axis] *= x->type.dims[k];
	return reshape_to(im, x, dims, 2);
}

/* Squeeze/Unsqueeze of a runtime tensor are reshapes; axes from the
 * attribute (opset < 13) or a constant operand. */
static cv_status squeeze_axes(imp *im, int64_t *axes, int *n)
{
	cv_status st = CV_OK;
	cv_value *a;

	if (im->opset < 13) {
		*n = attr_ints(NODE, "axes", axes, CV_MAX_RANK);
		return *n == -2 ? imp_error(im, CV_ERR_INPUT, "too many axes") : CV_OK;
	}
	a = imp_input(im, 1, &st);
	if (st)
		return st;
	*n = a ? const_ints(a, axes, CV_MAX_RANK) : -1;
	if (a && *n < 0)
		return not_constant(im, a, "axes", "a constant");
	return CV_OK;
}

int squeeze_shape(const cv_type *x, const int64_t *axes, int n, int unsqueeze, int64_t *dims, int *rank)
{
	uint32_t mask = 0;
	int k, j = 0, out_rank = unsqueeze ? x->rank + n : x->rank;

	for (k = 0; k < n; k++) {
		int64_t ax = axes[k] < 0 ? axes[k] + out_rank : axes[k];
		if (ax < 0 || ax >= out_rank || (mask & (1u << ax)))
			return -1;
		mask |= 1u << ax;
	}
	if (unsqueeze) {
		if (out_rank > CV_MAX_RANK)
			return -1;
		for (k = 0; k < out_rank; k++)
			dims[k] = (mask & (1u << k)) ? 1 : x->dims[j++];
		*rank = out_rank;
		return 0;
	}
	for (k = 0; k < x->rank; k++) {
		int drop = n < 0 ? x->dims[k] == 1 : (mask & (1u << k)) != 0;
		if (drop && x->dims[k] != 1)
			return -1;
		if (!drop)
			dims[j++] = x->dims[k];
	}
	*rank = j;
	return 0;
}

static cv_status lower_squeeze_common(imp *im, int unsqueeze)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st);
	int64_t axes[CV_MAX_RANK], dims[CV_MAX_RANK];
	int n, rank;

	if (st || (st = squeeze_axes(im, axes, &n)))
		return st;
	if ((unsqueeze && n < 0) || squeeze_shape(&x->type, axes, n, unsqueeze, dims, &rank))
		return imp_error(im, CV_ERR_INPUT, "axes do not fit an input of rank %d", x->type.rank);
	return reshape_to(im, x, dims, rank);
}

static cv_status lower_squeeze(imp *im) { return lower_squeeze_common(im, 0); }
static cv_status lower_unsqueeze(imp *im) { return lower_squeeze_common(im, 1); }

static cv_status lower_transpose(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st);
	cv_attrs a;
	int n, k;

	if (st)
		return st;
	memset(&a, 0, sizeof a);
	n = attr_ints(NODE, "perm", a.perm, CV_MAX_RANK);
	if (n < 0) /* default: reverse the dims */
		for (k = 0; k < x->type.rank; k++)
			a.perm[k] = x->type.rank - 1 - k;
	else if (n != x->type.rank)
		return imp_error(im, CV_ERR_INPUT, "perm has %d entries for rank %d", n, x->type.rank);
	return finish(im, CV_OP_TRANSPOSE, &x, 1, &a, 1, NULL);
}

/* A node inside a lowering (not bound to an ONNX name): its result in *out.
 * preset, when given, is the result type (reshape). */
static cv_status inner_node(imp *im, cv_op op, cv_value *x, const cv_attrs *a, const cv_type *preset,
			    cv_value **out)
{
	const char *name = "";
	cv_node *n = cv_graph_add_node(im->g, op, im->node_name, &x, 1, &name, 1);
	cv_status st;

	if (!n)
		return imp_error(im, CV_ERR_NOMEM, "out of memory");
	if (a)
		n->attrs = *a;
	if (preset)
		n->outputs[0]->type = *preset;
	if ((st = cv_node_infer_types(n, im->d)))
		return st;
	*out = n->outputs[0];
	return CV_OK;
}

/*
 * DepthToSpace and SpaceToDepth of an [N, C, H, W] x with blocksize b are
 * data movement: a reshape to rank 6, a transpose and a reshape back
 * (ONNX's own definition), which the C backend runs as one strided copy.
 *   DepthToSpace DCR (default): [N, b, b, C/b², H, W], perm [0,3,4,1,5,2]
 *   DepthToSpace CRD (opset 11): [N, C/b², b, b, H, W], perm [0,1,4,2,5,3]
 *   SpaceToDepth: [N, C, H/b, b, W/b, b], perm [0,3,5,1,2,4]
 * The result keeps x's layout (nchw).
 */
static cv_status lower_block_shuffle(imp *im, int to_space)
{
	static const int64_t dcr[6] = {0, 3, 4, 1, 5, 2}, crd[6] = {0, 1, 4, 2, 5, 3},
			     s2d[6] = {0, 3, 5, 1, 2, 4};
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st), *r = NULL, *t = NULL;
	int64_t b = attr_int(NODE, "blocksize", 0), n, c, h, w;
	const int64_t *perm;
	char mode[16];
	cv_type t6, y;
	cv_attrs a;

	if (st || (st = need_f32(im, x, 0)))
		return st;
	if (x->type.rank != 4)
		return imp_error(im, CV_ERR_INPUT, "input rank %d, expected 4", x->type.rank);
	n = x->type.dims[0], c = x->type.dims[1], h = x->type.dims[2], w = x->type.dims[3];
	if (b < 1 || b > 4096)
		return imp_error(im, CV_ERR_INPUT, "blocksize %lld must be in [1, 4096]", (long long)b);
	t6 = x->type;
	t6.rank = 6;
	t6.layout = CV_LAYOUT_PLAIN;
	y = x->type;
	if (to_space) {
		attr_string(NODE, "mode", "DCR", mode, sizeof mode);
		if (strcmp(mode, "DCR") && strcmp(mode, "CRD"))
			return imp_error(im, CV_ERR_INPUT, "mode '%s' is neither DCR nor CRD", mode);
		if (c % (b * b))
			return imp_error(im, CV_ERR_INPUT, "%lld channels are not a multiple of blocksize^2 = %lld",
					 (long long)c, (long long)(b * b));
		perm = strcmp(mode, "CRD") ? dcr : crd;
		memcpy(t6.dims, perm == dcr ? (int64_t[6]){n, b, b, c / (b * b), h, w}
					    : (int64_t[6]){n, c / (b * b), b, b, h, w}, sizeof t6.dims[0] * 6);
		y.dims[1] = c / (b * b), y.dims[2] = h * b, y.dims[3] = w * b;
	} else {
		if (h % b || w % b)
			return imp_error(im, CV_ERR_INPUT, "%lldx%lld is not a multiple of blocksize %lld",
					 (long long)h, (long long)w, (long long)b);
		perm = s2d;
		memcpy(t6.dims, (int64_t[6]){n, c, h / b, b, w / b, b}, sizeof t6.dims[0] * 6);
		y.dims[1] = c * b * b, y.dims[2] = h / b, y.dims[3] = w / b;
	}
	if (cv_type_numel(&y) < 0)
		return imp_error(im, CV_ERR_INPUT, "result has too many elements");
	memset(&a, 0, sizeof a);
	memcpy(a.perm, perm, 6 * sizeof *perm);
	if ((st = inner_node(im, CV_OP_RESHAPE, x, NULL, &t6, &r)) ||
	    (st = inner_node(im, CV_OP_TRANSPOSE, r, &a, NULL, &t)))
		return st;
	return finish(im, CV_OP_RESHAPE, &t, 1, NULL, 1, &y);
}

static cv_status lower_depth_to_space(imp *im) { return lower_block_shuffle(im, 1); }
static cv_status lower_space_to_depth(imp *im) { return lower_block_shuffle(im, 0); }

/*
 * Expand (opset 8): x broadcast with a constant shape, both ways as NumPy
 * does (a 1 in shape keeps x's dim). An expand to x's own shape is x.
 */
static cv_status lower_expand(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st), *sv = operand(im, 1, 1, &st);
	int64_t shape[CV_MAX_RANK];
	cv_type y;
	int n, k;

	if (st)
		return st;
	if ((n = const_ints(sv, shape, CV_MAX_RANK)) < 0)
		return not_constant(im, sv, "shape", "a constant of at most 8 integers");
	y = x->type;
	y.rank = n > x->type.rank ? n : x->type.rank;
	y.layout = y.rank == x->type.rank ? x->type.layout : CV_LAYOUT_PLAIN;
	for (k = 0; k < y.rank; k++) {
		int kx = k - (y.rank - x->type.rank), ks = k - (y.rank - n);
		int64_t xd = kx >= 0 ? x->type.dims[kx] : 1, sd = ks >= 0 ? shape[ks] : 1;
		if (xd != sd && xd != 1 && sd != 1)
			return imp_error(im, CV_ERR_INPUT, "dim %lld does not broadcast with shape dim %lld",
					 (long long)xd, (long long)sd);
		if (sd < 0)
			return imp_error(im, CV_ERR_INPUT, "negative shape dim %lld", (long long)sd);
		y.dims[k] = xd == 1 ? sd : xd;
	}
	if (cv_type_numel(&y) < 0)
		return imp_error(im, CV_ERR_INPUT, "result has too many elements");
	if (cv_type_equal(&y, &x->type))
		return alias(im, x);
	return finish(im, CV_OP_EXPAND, &x, 1, NULL, 1, &y);
}

/*
 * Tile (opset 6: repeats a constant operand) as a broadcast: every dim k with
 * repeats r != 1 gets a new dim of size 1 in front of it (a reshape), which
 * an expand widens to r, and a reshape merges [r, d] into r*d. The rank of
 * the middle step, rank + dims repeated, must fit CV_MAX_RANK.
 */
static cv_status lower_tile(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st), *rv = operand(im, 1, 1, &st), *r = NULL, *e = NULL;
	int64_t reps[CV_MAX_RANK];
	cv_type t1, t2, y;
	int n, k;

	if (st)
		return st;
	if (im->opset < 6) /* Tile-1: operands tiles and axis, one axis at a time */
		return imp_error(im, CV_ERR_UNSUPPORTED, "opset %lld Tile (tiles and axis operands) is not supported; "
				 "Tile-6 and later (repeats) is", (long long)im->opset);
	if ((n = const_ints(rv, reps, CV_MAX_RANK)) < 0)
		return not_constant(im, rv, "repeats", "a constant");
	if (n != x->type.rank)
		return imp_error(im, CV_ERR_INPUT, "%d repeats for rank %d", n, x->type.rank);
	t1 = x->type;
	t1.rank = 0;
	t1.layout = CV_LAYOUT_PLAIN;
	t2 = t1;
	y = x->type;
	for (k = 0; k < n; k++) {
		if (reps[k] < 0)
			return imp_error(im, CV_ERR_INPUT, "negative repeat %lld", (long long)reps[k]);
		if (reps[k] != 1) {
			if (t1.rank == CV_MAX_RANK)
				return imp_error(im, CV_ERR_UNSUPPORTED, "rank %d with %d repeated dims needs more than %d dims",
						 x->type.rank, n, CV_MAX_RANK);
			t1.dims[t1.rank++] = 1;
			t2.dims[t2.rank++] = reps[k];
		}
		if (t1.rank == CV_MAX_RANK)
			return imp_error(im, CV_ERR_UNSUPPORTED, "too many repeated dims for rank %d", x->type.rank);
		t1.dims[t1.rank++] = x->type.dims[k];
		t2.dims[t2.rank++] = x->type.dims[k];
		y.dims[k] = x->type.dims[k] * reps[k];
	}
	if (cv_type_numel(&y) < 0 || cv_type_numel(&t2) < 0)
		return imp_error(im, CV_ERR_INPUT, "result has too many elements");
	if (cv_type_equal(&y, &x->type))
		return alias(im, x);
	if ((st = inner_node(im, CV_OP_RESHAPE, x, NULL, &t1, &r)) ||
	    (st = inner_node(im, CV_OP_EXPAND, r, NULL, &t2, &e)))
		return st;
	return finish(im, CV_OP_RESHAPE, &e, 1, NULL, 1, &y);
}

static cv_status lower_concat(imp *im)
{
	cv_status st = CV_OK;
	cv_value *ins[64];
	cv_attrs a;
	int n = 0;
	size_t i;

	if (NODE->n_input > 64)
		return imp_error(im, CV_ERR_UNSUPPORTED, "more than 64 operands");
	for (i = 0; i < NODE->n_input; i++) {
		cv_value *v = imp_input(im, (int)i, &st);
		if (st || (st = same_dtype(im, n ? ins[0] : NULL, v)))
			return st;
		if (!v) /* an empty name: Concat's operands are not optional */
			return imp_error(im, CV_ERR_INPUT, "operand %zu has an empty name (Concat has no optional inputs)", i);
		ins[n++] = v;
	}
	if (!n)
		return imp_error(im, CV_ERR_INPUT, "no operands");
	memset(&a, 0, sizeof a);
	if ((st = norm_axis(im, concat_axis(im, NODE), ins[0]->type.rank, &a.axis)))
		return st;
	return finish(im, CV_OP_CONCAT, ins, n, &a, 1, NULL);
}

static cv_status lower_split(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st), *sv;
	int64_t sizes[64], axis;
	cv_type types[64];
	cv_attrs a;
	int nout = (int)NODE->n_output, n, k;

	if (st)
		return st;
	if (nout < 1 || nout > 64)
		return imp_error(im, CV_ERR_UNSUPPORTED, "%d results", nout);
	if ((st = norm_axis(im, attr_int(NODE, "axis", 0), x->type.rank, &axis)))
		return st;
	/* sizes: an attribute in Split-2..12; Split-1 also takes them as an
	 * operand, as does Split-13 and later */
	n = im->opset < 13 ? attr_ints(NODE, "split", sizes, 64) : -1;
	if (im->opset >= 13 || (im->opset < 2 && n < 0)) {
		sv = imp_input(im, 1, &st);
		if (st)
			return st;
		n = sv ? const_ints(sv, sizes, 64) : -1;
		if (sv && n < 0)
			return not_constant(im, sv, "split sizes", "a constant");
	}
	if (n < 0 && im->opset >= 18 && attr_find(NODE, "num_outputs")) {
		/* Split-18 num_outputs: parts of ceil(dim / n), the last smaller */
		int64_t parts = attr_int(NODE, "num_outputs", 0), dim = x->type.dims[axis], chunk;
		if (parts != nout)
			return imp_error(im, CV_ERR_INPUT, "num_outputs %lld for %d results", (long long)parts, nout);
		chunk = (dim + parts - 1) / parts;
		if (chunk * (parts - 1) > dim)
			return imp_error(im, CV_ERR_INPUT, "dim %lld of size %lld does not split into %d parts of %lld",
					 (long long)axis, (long long)dim, nout, (long long)chunk);
		for (k = 0; k < nout; k++)
			sizes[k] = k < nout - 1 ? chunk : dim - chunk * (nout - 1);
		n = nout;
	}
	if (n < 0) { /* equal parts */
		if (x->type.dims[axis] % nout)
			return imp_error(im, CV_ERR_INPUT, "dim %lld of size %lld does not split into %d equal parts",
					 (long long)axis, (long long)x->type.dims[axis], nout);
		for (k = 0; k < nout; k++)
			sizes[k] = x->type.dims[axis] / nout;
	} else if (n != nout) {
		return imp_error(im, CV_ERR_INPUT, "%d split sizes for %d results", n, nout);
	}
	for (k = 0; k < nout; k++) {
		types[k] = x->type;
		types[k].dims[axis] = sizes[k];
	}
	memset(&a, 0, sizeof a);
	a.axis = axis;
	return finish(im, CV_OP_SPLIT, &x, 1, &a, nout, types);
}

/*
 * Slice: starts/ends/axes/steps from attributes (opset < 10) or constant
 * operands; each start and end is made non-negative and clamped to the dim
 * as ONNX specifies. Negative steps are not supported.
 */
static cv_status slice_params(imp *im, int64_t p[4][CV_MAX_RANK], int n[4])
{
	static const char *const names[4] = {"starts", "ends", "axes", "steps"};
	cv_status st = CV_OK;
	int i;

	for (i = 0; i < 4; i++) {
		cv_value *v;
		if (im->opset < 10) {
			n[i] = i < 3 ? attr_ints(NODE, names[i], p[i], CV_MAX_RANK) : -1;
			continue;
		}
		v = imp_input(im, i + 1, &st);
		if (st)
			return st;
		n[i] = v ? const_ints(v, p[i], CV_MAX_RANK) : -1;
		if (v && n[i] < 0)
			return not_constant(im, v, names[i], "a constant");
	}
	if (n[0] < 0 || n[1] != n[0] || (n[2] >= 0 && n[2] != n[0]) || (n[3] >= 0 && n[3] != n[0]))
		return imp_error(im, CV_ERR_INPUT, "starts, ends, axes and steps differ in length");
	return CV_OK;
}

static cv_status lower_slice(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st);
	int64_t p[4][CV_MAX_RANK];
	int n[4], k;
	cv_attrs a;

	if (st || (st = slice_params(im, p, n)))
		return st;
	memset(&a, 0, sizeof a);
	for (k = 0; k < x->type.rank; k++) {
		a.slice.ends[k] = x->type.dims[k];
		a.slice.steps[k] = 1;
	}
	for (k = 0; k < n[0]; k++) {
		int64_t ax, dim, start = p[0][k], end = p[1][k], step = n[3] >= 0 ? p[3][k] : 1;
		if ((st = norm_axis(im, n[2] >= 0 ? p[2][k] : k, x->type.rank, &ax)))
			return st;
		dim = x->type.dims[ax];
		if (step == 0)
			return imp_error(im, CV_ERR_INPUT, "step 0 on axis %lld", (long long)ax);
		start = start < 0 ? start + dim : start;
		end = end < 0 ? end + dim : end;
		if (step > 0) {
			start = start < 0 ? 0 : start > dim ? dim : start;
			end = end < start ? start : end > dim ? dim : end;
		} else { /* ONNX: start in [0, dim-1], end in [-1, dim-1], running down */
			start = start < 0 ? 0 : start > dim - 1 ? dim - 1 : start;
			end = end < -1 ? -1 : end > dim - 1 ? dim - 1 : end;
			end = end > start ? start : end;
		}
		a.slice.starts[ax] = start;
		a.slice.ends[ax] = end;
		a.slice.steps[ax] = step;
	}
	return finish(im, CV_OP_SLICE, &x, 1, &a, 1, NULL);
}

/*
 * Pad-18's optional axes operand: pads holds 2 * len(axes) values, begins
 * then ends, for those axes only; spread them over all rank dims (others 0).
 */
static cv_status pad_axes(imp *im, int rank, int64_t *pads, int *n)
{
	cv_status st = CV_OK;
	cv_value *av = imp_input(im, 3, &st);
	int64_t axes[CV_MAX_RANK], given[2 * CV_MAX_RANK], ax;
	uint32_t seen = 0;
	int na, k;

	if (st || !av)
		return st;
	if ((na = const_ints(av, axes, CV_MAX_RANK)) < 0)
		return not_constant(im, av, "axes", "a constant of at most 8 integers");
	if (*n != 2 * na)
		return imp_error(im, CV_ERR_INPUT, "pads has %d values for %d axes", *n, na);
	memcpy(given, pads, (size_t)*n * sizeof *pads);
	memset(pads, 0, 2 * (size_t)rank * sizeof *pads);
	for (k = 0; k < na; k++) {
		if ((st = norm_axis(im, axes[k], rank, &ax)))
			return st;
		if (seen & (1u << ax))
			return imp_error(im, CV_ERR_INPUT, "axis %lld is given twice", (long long)axes[k]);
		seen |= 1u << ax;
		pads[ax] = given[k];
		pads[rank + ax] = given[na + k];
	}
	*n = 2 * rank;
	return CV_OK;
}

/*
 * Pad-19 mode wrap: each padded axis becomes concat(x[dim-b:], x, x[:e]), so
 * the pads must be in [0, dim] (ONNX Runtime's limit too; a negative pad
 * crops, which convc does not do in this mode).
 */
static cv_status pad_wrap(imp *im, cv_value *x, const int64_t *pads)
{
	int rank = x->type.rank, k, d, last = -1;
	cv_status st;

	for (k = 0; k < rank; k++) {
		if (pads[k] < 0 || pads[rank + k] < 0 || pads[k] > x->type.dims[k] ||
		    pads[rank + k] > x->type.dims[k])
			return imp_error(im, CV_ERR_UNSUPPORTED,
					 "wrap pads [%lld, %lld] on axis %d of size %lld; convc wraps by 0 to the dim's size",
					 (long long)pads[k], (long long)pads[rank + k], k, (long long)x->type.dims[k]);
		if (pads[k] || pads[rank + k])
			last = k;
	}
	if (last < 0)
		return alias(im, x);
	for (k = 0; k <= last; k++) {
		int64_t b = pads[k], e = pads[rank + k], dim = x->type.dims[k];
		cv_value *parts[3];
		const char *name = "";
		cv_attrs sa, ca;
		cv_node *n;
		int np = 0;
		if (!b && !e)
			continue;
		memset(&sa, 0, sizeof sa);
		for (d = 0; d < rank; d++) {
			sa.slice.ends[d] = x->type.dims[d];
			sa.slice.steps[d] = 1;
		}
		if (b) { /* the last b rows in front */
			sa.slice.starts[k] = dim - b;
			sa.slice.ends[k] = dim;
			if ((st = inner_node(im, CV_OP_SLICE, x, &sa, NULL, &parts[np++])))
				return st;
		}
		parts[np++] = x;
		if (e) { /* the first e rows behind */
			sa.slice.starts[k] = 0;
			sa.slice.ends[k] = e;
			if ((st = inner_node(im, CV_OP_SLICE, x, &sa, NULL, &parts[np++])))
				return st;
		}
		memset(&ca, 0, sizeof ca);
		ca.axis = k;
		if (k == last)
			return finish(im, CV_OP_CONCAT, parts, np, &ca, 1, NULL);
		if (!(n = cv_graph_add_node(im->g, CV_OP_CONCAT, im->node_name, parts, np, &name, 1)))
			return imp_error(im, CV_ERR_NOMEM, "out of memory");
		n->attrs = ca;
		if ((st = cv_node_infer_types(n, im->d)))
			return st;
		x = n->outputs[0];
	}
	return CV_OK;
}

static cv_status lower_pad(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st), *pv, *cv;
	char mode[32];
	cv_attrs a;
	int n, rank;

	if (st)
		return st;
	rank = x->type.rank;
	memset(&a, 0, sizeof a);
	if (im->opset < 11) {
		/* Pad-1 calls the attribute paddings, Pad-2 pads */
		n = attr_ints(NODE, im->opset < 2 ? "paddings" : "pads", a.pad.pads, 2 * CV_MAX_RANK);
		a.pad.value = attr_float(NODE, "value", 0);
	} else {
		pv = imp_input(im, 1, &st);
		cv = imp_input(im, 2, &st);
		if (st)
			return st;
		n = const_ints(pv, a.pad.pads, 2 * CV_MAX_RANK);
		if (n < 0)
			return not_constant(im, pv, "pads", "a constant");
		if (cv && (cv->kind != CV_VALUE_CONST || cv_type_numel(&cv->type) != 1))
			return not_constant(im, cv, "constant_value", "a constant scalar");
		a.pad.value = cv ? (float)const_float_at(cv, 0) : 0.0f;
		if ((st = pad_axes(im, rank, a.pad.pads, &n)))
			return st;
	}
	if (n != 2 * rank)
		return imp_error(im, CV_ERR_INPUT, "pads has %d values for rank %d", n, rank);
	attr_string(NODE, "mode", "constant", mode, sizeof mode);
	if (!strcmp(mode, "reflect"))
		a.pad.mode = CV_PAD_REFLECT;
	else if (!strcmp(mode, "edge"))
		a.pad.mode = CV_PAD_EDGE;
	else if (!strcmp(mode, "wrap"))
		return pad_wrap(im, x, a.pad.pads);
	else if (strcmp(mode, "constant"))
		return imp_error(im, CV_ERR_UNSUPPORTED, "pad mode '%s'", mode);
	return finish(im, CV_OP_PAD, &x, 1, &a, 1, NULL);
}

/* ONNX's coordinate and nearest-mode strings are the IR's names. */
static int enum_index(const char *s, const char *const *names, int count)
{
	int i;

	for (i = 0; i < count; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/*
 * Resize-18 axes: scales and sizes hold one value per listed axis (default:
 * every axis). map[k] is the index into them for dim k, -1 for the dims they
 * leave alone. Returns the count the operands must have.
 */
static cv_status resize_axes(imp *im, int rank, int map[CV_MAX_RANK], int *count)
{
	int64_t axes[CV_MAX_RANK], ax;
	int n = im->opset >= 18 ? attr_ints(NODE, "axes", axes, CV_MAX_RANK) : -1, k;
	cv_status st;

	for (k = 0; k < rank; k++)
		map[k] = n < 0 ? k : -1;
	*count = n < 0 ? rank : n;
	for (k = 0; k < n; k++) {
		if ((st = norm_axis(im, axes[k], rank, &ax)))
			return st;
		if (map[ax] >= 0)
			return imp_error(im, CV_ERR_INPUT, "axis %lld is given twice", (long long)axes[k]);
		map[ax] = k;
	}
	return CV_OK;
}

/*
 * Resize-18 keep_aspect_ratio_policy with sizes: not_larger (not_smaller)
 * scales every listed axis by the smallest (largest) sizes[i] / in[i], and
 * the output is round(scale * in) (ONNX's definition).
 */
static cv_status keep_aspect(imp *im, const cv_value *x, const int map[CV_MAX_RANK], int64_t *sz,
			     double *scale)
{
	char policy[32];
	int rank = x->type.rank, k, larger;
	double s = 0;

	attr_string(NODE, "keep_aspect_ratio_policy", "stretch", policy, sizeof policy);
	if (im->opset < 18 || !strcmp(policy, "stretch"))
		return CV_OK;
	larger = !strcmp(policy, "not_smaller");
	if (!larger && strcmp(policy, "not_larger"))
		return imp_error(im, CV_ERR_INPUT, "unknown keep_aspect_ratio_policy '%s'", policy);
	for (k = 0; k < rank; k++) {
		double r = x->type.dims[k] ? (double)sz[k] / (double)x->type.dims[k] : 1;
		if (map[k] >= 0 && (s == 0 || (larger ? r > s : r < s)))
			s = r;
	}
	for (k = 0; k < rank; k++)
		if (map[k] >= 0) {
			sz[k] = (int64_t)floor(s * (double)x->type.dims[k] + 0.5);
			scale[k] = s;
		}
	return CV_OK;
}

/*
 * floor(dim * scale) into *out: the size ONNX gives dim k resized by scale
 * (Resize and Upsample). CV_ERR_INPUT when it is no int64 (a NaN or
 * infinite scale, or one whose product overflows): converting such a
 * double is undefined behaviour in C.
 */
static cv_status scaled_dim(imp *im, int64_t dim, double scale, int k, int64_t *out)
{
	double v = floor((double)dim * scale);

	if (!(v > -9.2e18 && v < 9.2e18))
		return imp_error(im, CV_ERR_INPUT, "scale %g on dim %d (size %lld) gives no size", scale, k,
				 (long long)dim);
	*out = (int64_t)v;
	return CV_OK;
}

/* Resize/Upsample scales or sizes: only the last two dims may change. */
static cv_status resize_target(imp *im, const cv_value *x, cv_attrs *a)
{
	cv_status st = CV_OK;
	int rank = x->type.rank, k, si = im->opset < 11 ? 1 : 2, map[CV_MAX_RANK], count;
	cv_value *scales = imp_input(im, si, &st), *sizes = im->opset < 11 ? NULL : imp_input(im, 3, &st);
	int64_t sz[CV_MAX_RANK], given[CV_MAX_RANK];
	double scale[CV_MAX_RANK];

	if (st || (st = resize_axes(im, rank, map, &count)))
		return st;
	if (scales && cv_type_numel(&scales->type) == 0)
		scales = NULL; /* an empty scales operand means "use sizes" */
	if (sizes) {
		if (const_ints(sizes, given, CV_MAX_RANK) != count)
			return sizes->kind == CV_VALUE_CONST
				       ? imp_error(im, CV_ERR_INPUT, "sizes has %lld values for %d axes",
						   (long long)cv_type_numel(&sizes->type), count)
				       : not_constant(im, sizes, "sizes", "a constant");
		for (k = 0; k < rank; k++) {
			sz[k] = map[k] >= 0 ? given[map[k]] : x->type.dims[k];
			/* in float, as ONNX Runtime computes it */
			scale[k] = x->type.dims[k] ? (float)sz[k] / (float)x->type.dims[k] : 1;
		}
		if ((st = keep_aspect(im, x, map, sz, scale)))
			return st;
	} else if (scales) {
		if (scales->kind != CV_VALUE_CONST || cv_type_numel(&scales->type) != count)
			return scales->kind == CV_VALUE_CONST
				       ? imp_error(im, CV_ERR_INPUT, "scales has %lld values for %d axes",
						   (long long)cv_type_numel(&scales->type), count)
				       : not_constant(im, scales, "scales", "a constant");
		for (k = 0; k < rank; k++) { /* ONNX: out = floor(in * scale) */
			scale[k] = map[k] >= 0 ? const_float_at(scales, map[k]) : 1.0;
			if ((st = scaled_dim(im, x->type.dims[k], scale[k], k, &sz[k])))
				return st;
		}
	} else {
		return imp_error(im, CV_ERR_INPUT, "neither scales nor sizes is given");
	}
	for (k = 0; k < rank - 2; k++)
		if (sz[k] != x->type.dims[k])
			return imp_error(im, CV_ERR_UNSUPPORTED, "resizing dim %d; convc resizes the last two dims only", k);
	for (k = 0; k < 2; k++) {
		a->resize.sizes[k] = sz[rank - 2 + k];
		a->resize.scales[k] = (float)scale[rank - 2 + k];
	}
	return CV_OK;
}

/*
 * tf_crop_and_resize: the crop box comes from roi (operand 1, a constant:
 * starts for every dim, then ends, or for the listed axes at opset 18+) and
 * may crop only the last two dims (the others [0, 1]); the value outside is
 * extrapolation_value.
 */
static cv_status resize_roi(imp *im, const cv_value *x, cv_attrs *a)
{
	cv_status st = CV_OK;
	cv_value *roi = imp_input(im, 1, &st);
	int rank = x->type.rank, map[CV_MAX_RANK], count, k;
	double lo, hi;

	if (st || (st = resize_axes(im, rank, map, &count)))
		return st;
	if (!roi || roi->kind != CV_VALUE_CONST)
		return not_constant(im, roi, "roi", "a constant (tf_crop_and_resize)");
	if (cv_type_numel(&roi->type) != 2 * count)
		return imp_error(im, CV_ERR_INPUT, "roi has %lld values; tf_crop_and_resize needs %d (starts, then ends)",
				 (long long)cv_type_numel(&roi->type), 2 * count);
	for (k = 0; k < rank; k++) {
		lo = map[k] < 0 ? 0 : const_float_at(roi, map[k]);
		hi = map[k] < 0 ? 1 : const_float_at(roi, count + map[k]);
		if (k < rank - 2 && (lo != 0 || hi != 1))
			return imp_error(im, CV_ERR_UNSUPPORTED, "roi crops dim %d to [%g, %g]; convc crops the last two dims only",
					 k, lo, hi);
		if (k >= rank - 2) {
			a->resize.roi[k - (rank - 2)] = (float)lo;
			a->resize.roi[2 + k - (rank - 2)] = (float)hi;
		}
	}
	a->resize.extrapolation = attr_float(NODE, "extrapolation_value", 0.0f);
	return CV_OK;
}

static cv_status lower_resize(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st);
	char mode[32], coord[48], nearest[32];
	cv_attrs a;
	int c;

	if (st || (st = need_f32(im, x, 0)))
		return st;
	if (x->type.rank < 2)
		return imp_error(im, CV_ERR_UNSUPPORTED, "input rank %d < 2", x->type.rank);
	memset(&a, 0, sizeof a);
	if ((st = resize_target(im, x, &a)))
		return st;
	attr_string(NODE, "mode", "nearest", mode, sizeof mode);
	if (!strcmp(mode, "linear") || !strcmp(mode, "bilinear"))
		a.resize.mode = CV_RESIZE_LINEAR;
	else if (!strcmp(mode, "cubic") && im->opset >= 11)
		a.resize.mode = CV_RESIZE_CUBIC;
	else if (strcmp(mode, "nearest"))
		return imp_error(im, CV_ERR_UNSUPPORTED, "mode '%s'%s", mode,
				 !strcmp(mode, "cubic") ? " at opset 10 (Resize-10 has nearest and linear)" : "");
	if (im->opset < 11) {
		/* Opset 10 Resize: asymmetric coordinates; nearest takes floor when
		 * upsampling and ceil when downsampling, as ONNX Runtime does. */
		a.resize.coord = CV_COORD_ASYMMETRIC;
		a.resize.nearest = a.resize.scales[0] < 1 || a.resize.scales[1] < 1 ? CV_NEAREST_CEIL
										  : CV_NEAREST_FLOOR;
		return finish(im, CV_OP_RESIZE, &x, 1, &a, 1, NULL);
	}
	attr_string(NODE, "coordinate_transformation_mode", "half_pixel", coord, sizeof coord);
	/* ONNX Runtime reads tf_half_pixel_for_nn as tf_half_pixel_for_nearest
	 * (the name it had while Resize-11 was drafted; some exporters wrote it) */
	c = !strcmp(coord, "tf_half_pixel_for_nn") ? (int)CV_COORD_TF_HALF_PIXEL_FOR_NEAREST
						    : enum_index(coord, cv_resize_coord_names, CV_RESIZE_COORD_COUNT);
	if (c < 0 || (c == CV_COORD_HALF_PIXEL_SYMMETRIC && im->opset < 19))
		return imp_error(im, CV_ERR_UNSUPPORTED, "coordinate_transformation_mode '%s'%s", coord,
				 c < 0 ? "" : " before opset 19");
	a.resize.coord = (cv_resize_coord)c;
	if (a.resize.coord == CV_COORD_TF_CROP_AND_RESIZE && (st = resize_roi(im, x, &a)))
		return st;
	a.resize.cubic_a = attr_float(NODE, "cubic_coeff_a", -0.75f);
	a.resize.exclude_outside = attr_int(NODE, "exclude_outside", 0) != 0;
	c = enum_index(attr_string(NODE, "nearest_mode", "round_prefer_floor", nearest, sizeof nearest),
		       cv_nearest_mode_names, CV_NEAREST_MODE_COUNT);
	if (c < 0)
		return imp_error(im, CV_ERR_UNSUPPORTED, "nearest_mode '%s'", nearest);
	a.resize.nearest = (cv_nearest_mode)c;
	if (a.resize.mode != CV_RESIZE_CUBIC)
		a.resize.cubic_a = 0, a.resize.exclude_outside = 0; /* they mean nothing there */
	/* Resize-18 antialias filters linear and cubic downscaling only */
	if (attr_int(NODE, "antialias", 0) && a.resize.mode != CV_RESIZE_NEAREST &&
	    (a.resize.scales[0] < 1 || a.resize.scales[1] < 1))
		return imp_error(im, CV_ERR_UNSUPPORTED, "antialias=1 when downscaling (scales %g, %g)",
				 a.resize.scales[0], a.resize.scales[1]);
	return finish(im, CV_OP_RESIZE, &x, 1, &a, 1, NULL);
}

/*
 * Upsample (opsets 7-9; deprecated from 10): scales as an attribute (7-8) or
 * a constant operand (9), at least 1, nearest or linear. It is Resize-10:
 * asymmetric coordinates, nearest rounding down (the scales are >= 1), as
 * ONNX Runtime's Upsample computes.
 */
static cv_status lower_upsample(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st), *sv = NULL;
	float scales[CV_MAX_RANK];
	char mode[32];
	cv_attrs a;
	int rank, n, k;

	if (st || (st = need_f32(im, x, 0)))
		return st;
	if (im->opset < 7 || im->opset > 9)
		return imp_error(im, CV_ERR_UNSUPPORTED, "Upsample at opset %lld; convc reads Upsample-7 and -9 "
				 "(before 7 it is experimental, from 10 it is Resize)", (long long)im->opset);
	rank = x->type.rank;
	if (rank < 2)
		return imp_error(im, CV_ERR_UNSUPPORTED, "input rank %d < 2", rank);
	if (im->opset < 9) {
		const Onnx__AttributeProto *at = attr_find(NODE, "scales");
		n = at ? (int)at->n_floats : -1;
		for (k = 0; k < n && k < CV_MAX_RANK; k++)
			scales[k] = at->floats[k];
	} else {
		sv = operand(im, 1, 1, &st);
		if (st)
			return st;
		n = sv->kind == CV_VALUE_CONST ? (int)cv_type_numel(&sv->type) : -1;
		if (n < 0)
			return not_constant(im, sv, "scales", "a constant");
		for (k = 0; k < n && k < CV_MAX_RANK; k++)
			scales[k] = (float)const_float_at(sv, k);
	}
	if (n != rank)
		return imp_error(im, CV_ERR_INPUT, "scales has %d values for rank %d", n, rank);
	memset(&a, 0, sizeof a);
	for (k = 0; k < rank; k++) {
		int64_t out = 0;
		if (!(scales[k] >= 1))
			return imp_error(im, CV_ERR_INPUT, "scale %g on dim %d; Upsample scales are >= 1", scales[k], k);
		if ((st = scaled_dim(im, x->type.dims[k], scales[k], k, &out)))
			return st;
		if (k < rank - 2 && out != x->type.dims[k])
			return imp_error(im, CV_ERR_UNSUPPORTED, "resizing dim %d; convc resizes the last two dims only", k);
		if (k >= rank - 2) {
			a.resize.sizes[k - (rank - 2)] = out;
			a.resize.scales[k - (rank - 2)] = scales[k];
		}
	}
	attr_string(NODE, "mode", "nearest", mode, sizeof mode);
	if (!strcmp(mode, "linear") || !strcmp(mode, "bilinear"))
		a.resize.mode = CV_RESIZE_LINEAR;
	else if (!strcmp(mode, "cubic") && im->opset >= 11)
		a.resize.mode = CV_RESIZE_CUBIC;
	else if (strcmp(mode, "nearest"))
		return imp_error(im, CV_ERR_UNSUPPORTED, "mode '%s'%s", mode,
				 !strcmp(mode, "cubic") ? " at opset 10 (Resize-10 has nearest and linear)" : "");
	a.resize.coord = CV_COORD_ASYMMETRIC;
	a.resize.nearest = CV_NEAREST_FLOOR;
	return finish(im, CV_OP_RESIZE, &x, 1, &a, 1, NULL);
}

static cv_status lower_softmax(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st);
	cv_attrs a;

	if (st || (st = need_f32(im, x, 0)))
		return st;
	memset(&a, 0, sizeof a);
	/* Opset < 13: coerce to 2-D at axis (default 1); 13+: one axis (default -1). */
	a.softmax.flatten = im->opset < 13;
	if ((st = norm_axis(im, attr_int(NODE, "axis", im->opset < 13 ? 1 : -1), x->type.rank, &a.softmax.axis)))
		return st;
	return finish(im, CV_OP_SOFTMAX, &x, 1, &a, 1, NULL);
}

/* Identity, Dropout (inference) and float-to-float Cast forward their input. */
static cv_status lower_identity(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st);

	if (st || (st = only_first_result(im)))
		return st;
	return alias(im, x);
}

/*
 * Dropout at inference is the identity. Dropout-12 and later take
 * training_mode as an operand: it must be absent or a constant false
 * (training drops at random). Before Dropout-7, is_test=0 asked for
 * training, but with the mask unused convc treats the op as inference, as
 * Dropout-7 and ONNX Runtime do.
 */
static cv_status lower_dropout(imp *im)
{
	cv_status st = CV_OK;
	cv_value *t = im->opset >= 12 ? imp_input(im, 2, &st) : NULL;
	int64_t on = 0;

	if (st)
		return st;
	if (t && (t->kind != CV_VALUE_CONST || cv_type_numel(&t->type) != 1))
		return not_constant(im, t, "training_mode", "a constant scalar");
	if (t && const_ints(t, &on, 1) != 1)
		on = const_float_at(t, 0) != 0;
	if (on)
		return imp_error(im, CV_ERR_UNSUPPORTED, "training_mode is true; convc runs inference only");
	if (NODE->n_output >= 2 && NODE->output[1] && NODE->output[1][0] &&
	    imp_name_used(im, NODE->output[1], &st)) {
		/* At inference nothing is dropped: the mask is all true (bool from
		 * Dropout-10; before, x's type holding ones), a constant. */
		cv_value *x = operand(im, 0, 1, &st), *mask;
		cv_type mt;
		int64_t i, n;
		if (st || NODE->n_output > 2)
			return st ? st : imp_error(im, CV_ERR_INPUT, "%zu results, at most 2", NODE->n_output);
		mt = x->type;
		mt.dtype = im->opset >= 10 ? CV_BOOL : x->type.dtype;
		n = cv_type_numel(&mt);
		if ((st = imp_new_const(im, NODE->output[1], &mt, &mask)))
			return st;
		for (i = 0; i < n; i++)
			cv_elem_set_f(mask->data, mt.dtype, i, 1.0);
		if ((st = imp_bind(im, NODE->output[1], mask)))
			return st;
		return alias(im, x);
	}
	return lower_identity(im);
}

/* x as ONNX type `to`: the same dtype forwards x, another is a cast node. */
static cv_status cast_to_dtype(imp *im, cv_value *x, int32_t to)
{
	int dt = onnx_dtype(to);
	cv_attrs a;

	if (dt < 0)
		return imp_error(im, CV_ERR_UNSUPPORTED, "casts to %s; convc runs float32, float64, float16, "
				 "bfloat16, int64, int32, int16, int8, uint64, uint32, uint16, uint8 and bool "
				 "tensors only", onnx_dtype_name(to));
	if ((cv_dtype)dt == x->type.dtype)
		return alias(im, x);
	memset(&a, 0, sizeof a);
	a.cast_to = (cv_dtype)dt;
	return finish(im, CV_OP_CAST, &x, 1, &a, 1, NULL);
}

static cv_status lower_cast(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st);

	if (st)
		return st;
	return cast_to_dtype(im, x, (int32_t)cast_to(im, NODE));
}

/* CastLike(x, like): Cast to like's element type. */
static cv_status lower_castlike(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st), *like = operand(im, 1, 1, &st);

	if (st)
		return st;
	return cast_to_dtype(im, x, onnx_of[like->type.dtype]);
}

/* ArgMax/ArgMin: axis (default 0), keepdims (default 1), select_last_index
 * (opset 12+, default 0); the result is int64. */
static cv_status lower_arg(imp *im, cv_op op)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st);
	cv_attrs a;

	if (st || (st = need_number(im, x, 0)))
		return st;
	memset(&a, 0, sizeof a);
	if ((st = norm_axis(im, attr_int(NODE, "axis", 0), x->type.rank, &a.arg.axis)))
		return st;
	a.arg.keepdims = attr_int(NODE, "keepdims", 1) != 0;
	a.arg.select_last = attr_int(NODE, "select_last_index", 0) != 0;
	if (x->type.dims[a.arg.axis] == 0)
		return imp_error(im, CV_ERR_INPUT, "axis %lld of x has no elements", (long long)a.arg.axis);
	return finish(im, op, &x, 1, &a, 1, NULL);
}

/* Gather with run-time indices (or data): Gather of constants folds at
 * import. axis defaults to 0; indices are int64 or int32. */
static cv_status lower_gather(imp *im)
{
	cv_status st = CV_OK;
	cv_value *ins[2];
	cv_attrs a;

	ins[0] = operand(im, 0, 1, &st);
	ins[1] = operand(im, 1, 1, &st);
	if (st)
		return st;
	if (ins[1]->type.dtype != CV_I64 && ins[1]->type.dtype != CV_I32)
		return imp_error(im, CV_ERR_INPUT, "indices are %s, not int64 or int32",
				 cv_dtype_name(ins[1]->type.dtype));
	memset(&a, 0, sizeof a);
	if ((st = norm_axis(im, attr_int(NODE, "axis", 0), ins[0]->type.rank, &a.axis)))
		return st;
	if (ins[0]->type.rank - 1 + ins[1]->type.rank > CV_MAX_RANK)
		return imp_error(im, CV_ERR_UNSUPPORTED, "the result's rank %d exceeds %d",
				 ins[0]->type.rank - 1 + ins[1]->type.rank, CV_MAX_RANK);
	return finish(im, CV_OP_GATHER, ins, 2, &a, 1, NULL);
}

static cv_status lower_argmax(imp *im) { return lower_arg(im, CV_OP_ARGMAX); }
static cv_status lower_argmin(imp *im) { return lower_arg(im, CV_OP_ARGMIN); }

/* ---- variadic elementwise and run-time bounds (max/min nodes) ---- */

/* A two-operand node inside a lowering (not bound to an ONNX name). */
static cv_status inner_binary(imp *im, cv_op op, cv_value *a, cv_value *b, cv_value **out)
{
	cv_value *ins[2] = {a, b};
	const char *name = "";
	cv_node *n = cv_graph_add_node(im->g, op, im->node_name, ins, 2, &name, 1);
	cv_status st;

	if (!n)
		return imp_error(im, CV_ERR_NOMEM, "out of memory");
	if ((st = cv_node_infer_types(n, im->d)))
		return st;
	*out = n->outputs[0];
	return CV_OK;
}

/*
 * InstanceNormalization: x [N,C,D1,...] normalized over D1... per (n, c),
 * then scale[c] * . + B[c]. Written as layernorm over the dims from 2 on
 * (its scale all ones) followed by a mul and an add by [C,1,...] constants,
 * so the passes see ordinary ops. PyTorch's GroupNorm exports (before opset
 * 18) as Reshape to [N,G,-1], this op with unit scale, Reshape back, Mul,
 * Add: it runs through the same path. scale and B must be constants.
 */
static cv_status lower_instance_norm(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st), *sc = operand(im, 1, 1, &st), *b = operand(im, 2, 1, &st);
	cv_value *ins[2], *ones, *g, *beta, *y = NULL;
	const char *name = "";
	cv_type t;
	cv_attrs a;
	cv_node *n;
	int64_t c, s = 1, i;
	int k;

	if (st || (st = need_f32(im, x, 0)))
		return st;
	if (x->type.rank < 3)
		return imp_error(im, CV_ERR_INPUT, "input rank %d; InstanceNormalization needs [N,C,D1,...]",
				 x->type.rank);
	c = x->type.dims[1];
	for (k = 2; k < x->type.rank; k++)
		s *= x->type.dims[k];
	if (sc->kind != CV_VALUE_CONST || b->kind != CV_VALUE_CONST)
		return not_constant(im, sc->kind != CV_VALUE_CONST ? sc : b, sc->kind != CV_VALUE_CONST ? "scale" : "B",
				    "a constant");
	if (cv_type_numel(&sc->type) != c || cv_type_numel(&b->type) != c)
		return imp_error(im, CV_ERR_INPUT, "scale has %lld and B %lld values for %lld channels",
				 (long long)cv_type_numel(&sc->type), (long long)cv_type_numel(&b->type), (long long)c);
	memset(&t, 0, sizeof t);
	t.dtype = CV_F32;
	t.rank = 1;
	t.dims[0] = s;
	if ((st = imp_new_const(im, "instance_norm_ones", &t, &ones)))
		return st;
	for (i = 0; i < s; i++)
		((float *)ones->data)[i] = 1.0f;
	t.rank = x->type.rank - 1; /* [C,1,...,1]: broadcasts over x's dims from 1 on */
	t.dims[0] = c;
	for (k = 1; k < t.rank; k++)
		t.dims[k] = 1;
	g = cv_graph_add_const(im->g, sc->name, &t, NULL, (size_t)c * sizeof(float));
	beta = cv_graph_add_const(im->g, b->name, &t, NULL, (size_t)c * sizeof(float));
	if (!g || !beta)
		return imp_error(im, CV_ERR_NOMEM, "out of memory");
	for (i = 0; i < c; i++) {
		((float *)g->data)[i] = (float)const_float_at(sc, i);
		((float *)beta->data)[i] = (float)const_float_at(b, i);
	}
	memset(&a, 0, sizeof a);
	a.norm.axis = 2;
	a.norm.epsilon = attr_float(NODE, "epsilon", 1e-5f);
	ins[0] = x, ins[1] = ones;
	if (!(n = cv_graph_add_node(im->g, CV_OP_LAYERNORM, im->node_name, ins, 2, &name, 1)))
		return imp_error(im, CV_ERR_NOMEM, "out of memory");
	n->attrs = a;
	if ((st = cv_node_infer_types(n, im->d)) || (st = inner_binary(im, CV_OP_MUL, n->outputs[0], g, &y)))
		return st;
	ins[0] = y, ins[1] = beta;
	return finish(im, CV_OP_ADD, ins, 2, NULL, 1, NULL);
}

/* A one-element operand as a rank-0 scalar, so that it broadcasts with x of
 * any rank without raising it (a [1] bound would make a scalar x [1]). */
static cv_status as_scalar(imp *im, cv_value *v, cv_value **out)
{
	cv_type t = v->type;

	*out = v;
	if (!v->type.rank)
		return CV_OK;
	t.rank = 0;
	t.layout = CV_LAYOUT_PLAIN;
	return inner_node(im, CV_OP_RESHAPE, v, NULL, &t, out);
}

/*
 * Clip of a tensor that is not float32 (Clip-12: every numeric type): the
 * bounds, constant or run-time, have x's dtype; y = min(max(x, min), max) as
 * the typed max and min nodes.
 */
static cv_status lower_clip_typed(imp *im, cv_value *x)
{
	cv_status st = CV_OK;
	cv_value *b[2], *y = x;
	int i;

	for (i = 0; i < 2; i++) {
		b[i] = imp_input(im, i + 1, &st);
		if (st)
			return st;
		if (b[i] && b[i]->type.dtype != x->type.dtype)
			return imp_error(im, CV_ERR_INPUT, "the %s bound is %s, x is %s", i ? "max" : "min",
					 cv_dtype_name(b[i]->type.dtype), cv_dtype_name(x->type.dtype));
		if (b[i] && cv_type_numel(&b[i]->type) != 1)
			return imp_error(im, CV_ERR_INPUT, "the %s bound has %lld elements; ONNX wants a scalar",
					 i ? "max" : "min", (long long)cv_type_numel(&b[i]->type));
		if (b[i] && (st = as_scalar(im, b[i], &b[i])))
			return st;
	}
	if (!b[0] && !b[1])
		return alias(im, x);
	if (b[0] && b[1] && (st = inner_binary(im, CV_OP_MAX, x, b[0], &y)))
		return st;
	{
		cv_value *ins[2] = {y, b[1] ? b[1] : b[0]};
		return finish(im, b[1] ? CV_OP_MIN : CV_OP_MAX, ins, 2, NULL, 1, NULL);
	}
}

/*
 * Clip with a run-time bound: y = min(max(x, min), max) (ONNX's definition,
 * which also gives max where min > max) as max and min nodes; a constant
 * bound beside a run-time one stays a clip.
 */
static cv_status lower_clip_runtime(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st), *lo = imp_input(im, 1, &st), *hi = imp_input(im, 2, &st);
	cv_value *y = x, *ins[2];
	cv_attrs a;

	if (st || (st = need_f32(im, x, 0)))
		return st;
	memset(&a, 0, sizeof a);
	a.act.kind = CV_ACT_CLIP;
	a.act.a = lo && lo->kind == CV_VALUE_CONST ? (float)const_float_at(lo, 0) : -FLT_MAX;
	a.act.b = hi && hi->kind == CV_VALUE_CONST ? (float)const_float_at(hi, 0) : FLT_MAX;
	if ((lo && lo->kind == CV_VALUE_CONST) && (st = inner_node(im, CV_OP_CLIP, y, &a, NULL, &y)))
		return st;
	if (lo && lo->kind != CV_VALUE_CONST) {
		if ((st = as_scalar(im, lo, &lo)))
			return st;
		if (!hi) {
			ins[0] = y, ins[1] = lo;
			return finish(im, CV_OP_MAX, ins, 2, NULL, 1, NULL);
		}
		if ((st = inner_binary(im, CV_OP_MAX, y, lo, &y)))
			return st;
	}
	if (hi && hi->kind == CV_VALUE_CONST) {
		a.act.a = -FLT_MAX;
		return finish(im, CV_OP_CLIP, &y, 1, &a, 1, NULL);
	}
	if ((st = as_scalar(im, hi, &hi)))
		return st;
	ins[0] = y, ins[1] = hi;
	return finish(im, CV_OP_MIN, ins, 2, NULL, 1, NULL);
}

/*
 * Sum, Max, Min, Mean of any number of operands, broadcast NumPy-style
 * (from opset 8; before, all have one shape), as a chain of two-operand
 * add/max/min nodes, so the passes see ordinary elementwise ops (fusion,
 * channels-last). Mean is the sum divided by the count, as ONNX Runtime
 * computes it. One operand is the identity.
 */
static cv_status lower_variadic(imp *im, cv_op op, int mean)
{
	cv_status st = CV_OK;
	cv_value *acc = NULL, *v, *ins[2];
	size_t i, n = 0;

	for (i = 0; i < NODE->n_input; i++) {
		if (!(v = imp_input(im, (int)i, &st))) {
			if (st)
				return st;
			continue;
		}
		if ((st = mean ? need_f32(im, v, (int)i) : need_number(im, v, (int)i)) ||
		    (st = same_dtype(im, acc, v)))
			return st;
		if (acc && (mean || i + 1 < NODE->n_input) && (st = inner_binary(im, op, acc, v, &v)))
			return st;
		if (acc && !mean && i + 1 == NODE->n_input) {
			ins[0] = acc, ins[1] = v;
			return finish(im, op, ins, 2, NULL, 1, NULL);
		}
		acc = v;
		n++;
	}
	if (!acc)
		return imp_error(im, CV_ERR_INPUT, "no operands");
	if (!mean || n == 1)
		return alias(im, acc);
	{
		cv_type t = {0};
		float count = (float)n;
		t.dtype = CV_F32;
		ins[0] = acc;
		if (!(ins[1] = cv_graph_add_const(im->g, im->node_name, &t, &count, sizeof count)))
			return imp_error(im, CV_ERR_NOMEM, "out of memory");
		return finish(im, CV_OP_DIV, ins, 2, NULL, 1, NULL);
	}
}

static cv_status lower_sum(imp *im) { return lower_variadic(im, CV_OP_ADD, 0); }
static cv_status lower_max(imp *im) { return lower_variadic(im, CV_OP_MAX, 0); }
static cv_status lower_min(imp *im) { return lower_variadic(im, CV_OP_MIN, 0); }
static cv_status lower_mean(imp *im) { return lower_variadic(im, CV_OP_ADD, 1); }

/* LRN (opsets 1, 13): across channels of x [N, C, D1, ...]; size is
 * required, alpha, beta and bias default to 1e-4, 0.75 and 1. */
static cv_status lower_lrn(imp *im)
{
	cv_status st = CV_OK;
	cv_value *x = operand(im, 0, 1, &st);
	cv_attrs a;

	if (st || (st = need_f32(im, x, 0)))
		return st;
	if (x->type.rank < 3)
		return imp_error(im, CV_ERR_INPUT, "input rank %d; LRN takes [N,C,D1,...]", x->type.rank);
	memset(&a, 0, sizeof a);
	a.lrn.size = attr_int(NODE, "size", 0);
	if (a.lrn.size < 1)
		return imp_error(im, CV_ERR_INPUT, "size %lld (required, >= 1)", (long long)a.lrn.size);
	a.lrn.alpha = attr_float(NODE, "alpha", 1e-4f);
	a.lrn.beta = attr_float(NODE, "beta", 0.75f);
	a.lrn.bias = attr_float(NODE, "bias", 1.0f);
	return finish(im, CV_OP_LRN, &x, 1, &a, 1, NULL);
}

static const struct lower_entry table[] = {
	{"Conv", lower_conv},
	{"ConvTranspose", lower_conv_transpose},
	{"BatchNormalization", lower_batchnorm},
	{"Relu", lower_relu},
	{"Clip", lower_clip},
	{"LeakyRelu", lower_leaky_relu},
	{"Sigmoid", lower_sigmoid},
	{"HardSigmoid", lower_hard_sigmoid},
	{"HardSwish", lower_hard_swish},
	{"Tanh", lower_tanh},
	{"Gelu", lower_gelu},
	{"Erf", lower_erf},
	{"Exp", lower_exp},
	{"Log", lower_log},
	{"Softplus", lower_softplus},
	{"Elu", lower_elu},
	{"Selu", lower_selu},
	{"Mish", lower_mish},
	{"PRelu", lower_prelu},
	{"Neg", lower_neg},
	{"Abs", lower_abs},
	{"Reciprocal", lower_reciprocal},
	{"Sqrt", lower_sqrt},
	{"Pow", lower_pow},
	{"Add", lower_add},
	{"Sub", lower_sub},
	{"Mul", lower_mul},
	{"Div", lower_div},
	{"MaxPool", lower_maxpool},
	{"AveragePool", lower_avgpool},
	{"GlobalAveragePool", lower_global_avgpool},
	{"GlobalMaxPool", lower_global_maxpool},
	{"ReduceMean", lower_reduce_mean},
	{"ReduceSum", lower_reduce_sum},
	{"ReduceMax", lower_reduce_max},
	{"ReduceMin", lower_reduce_min},
	{"ReduceL2", lower_reduce_l2},
	{"ReduceSumSquare", lower_reduce_sum_square},
	{"LayerNormalization", lower_layernorm},
	{"InstanceNormalization", lower_instance_norm},
	{"Gemm", lower_gemm},
	{"MatMul", lower_matmul},
	{"Flatten", lower_flatten},
	{"Reshape", lower_reshape},
	{"Squeeze", lower_squeeze},
	{"Unsqueeze", lower_unsqueeze},
	{"Transpose", lower_transpose},
	{"DepthToSpace", lower_depth_to_space},
	{"SpaceToDepth", lower_space_to_depth},
	{"Expand", lower_expand},
	{"Tile", lower_tile},
	{"Concat", lower_concat},
	{"Split", lower_split},
	{"Slice", lower_slice},
	{"Pad", lower_pad},
	{"Resize", lower_resize},
	{"Softmax", lower_softmax},
	{"Identity", lower_identity},
	{"Dropout", lower_dropout},
	{"Cast", lower_cast},
	{"Sum", lower_sum},
	{"Max", lower_max},
	{"Min", lower_min},
	{"Mean", lower_mean},
	{"Upsample", lower_upsample},
	{"LRN", lower_lrn},
	{"CastLike", lower_castlike},
	{"Equal", lower_equal},
	{"Less", lower_less},
	{"Greater", lower_greater},
	{"LessOrEqual", lower_less_equal},
	{"GreaterOrEqual", lower_greater_equal},
	{"Not", lower_not},
	{"And", lower_and},
	{"Or", lower_or},
	{"Xor", lower_xor},
	{"Where", lower_where},
	{"ArgMax", lower_argmax},
	{"ArgMin", lower_argmin},
	{"Gather", lower_gather},
};

const char *const *cv_onnx_supported_ops(void)
{
	/* Filled from the table on the first call (the table is the one list). */
	static const char *names[sizeof table / sizeof table[0] + 1];
	size_t i;

	if (!names[0])
		for (i = 0; i < sizeof table / sizeof table[0]; i++)
			names[i] = table[i].op_type;
	return names;
}

const struct lower_entry *lower_find(const char *op_type)
{
	size_t i;

	if (!op_type)
		return NULL;
	for (i = 0; i < sizeof table / sizeof table[0]; i++)
		if (!strcmp(table[i].op_type, op_type))
			return &table[i];
	return NULL;
}
