/* types.c - dtypes, layouts, type helpers and the op table accessors. */
#include <stdio.h>
#include <string.h>

#include "convc/ir.h"

static const struct {
	const char *name;
	size_t size;
} dtypes[CV_DTYPE_COUNT] = {
	[CV_F32] = {"f32", 4}, [CV_F64] = {"f64", 8}, [CV_F16] = {"f16", 2},
	[CV_I64] = {"i64", 8}, [CV_I32] = {"i32", 4}, [CV_I8] = {"i8", 1},
	[CV_U8] = {"u8", 1},   [CV_BOOL] = {"bool", 1},
	[CV_BF16] = {"bf16", 2},
	[CV_I16] = {"i16", 2}, [CV_U16] = {"u16", 2}, [CV_U32] = {"u32", 4}, [CV_U64] = {"u64", 8},
};

static const char *const layouts[CV_LAYOUT_COUNT] = {
	[CV_LAYOUT_PLAIN] = "plain", [CV_LAYOUT_NCHW] = "nchw", [CV_LAYOUT_NHWC] = "nhwc",
	[CV_LAYOUT_OIHW] = "oihw",   [CV_LAYOUT_OHWI] = "ohwi", [CV_LAYOUT_HWIO] = "hwio",
	[CV_LAYOUT_IOHW] = "iohw",   [CV_LAYOUT_NCDHW] = "ncdhw", [CV_LAYOUT_OIDHW] = "oidhw",
	[CV_LAYOUT_IODHW] = "iodhw",
};

const char *const cv_act_names[CV_ACT_KIND_COUNT] = {
	[CV_ACT_NONE] = "none",       [CV_ACT_RELU] = "relu",
	[CV_ACT_CLIP] = "clip",       [CV_ACT_LEAKY_RELU] = "leaky_relu",
	[CV_ACT_SIGMOID] = "sigmoid", [CV_ACT_HARD_SIGMOID] = "hard_sigmoid",
	[CV_ACT_HARD_SWISH] = "hard_swish", [CV_ACT_SILU] = "silu",
	[CV_ACT_TANH] = "tanh",       [CV_ACT_GELU] = "gelu",
	[CV_ACT_GELU_TANH] = "gelu_tanh", [CV_ACT_ERF] = "erf",
	[CV_ACT_EXP] = "exp",         [CV_ACT_LOG] = "log",
	[CV_ACT_SOFTPLUS] = "softplus", [CV_ACT_ELU] = "elu",
	[CV_ACT_SELU] = "selu",       [CV_ACT_MISH] = "mish",
};

cv_act_kind cv_op_act_kind(cv_op op)
{
	switch (op) {
	case CV_OP_RELU: return CV_ACT_RELU;
	case CV_OP_CLIP: return CV_ACT_CLIP;
	case CV_OP_LEAKY_RELU: return CV_ACT_LEAKY_RELU;
	case CV_OP_SIGMOID: return CV_ACT_SIGMOID;
	case CV_OP_HARD_SIGMOID: return CV_ACT_HARD_SIGMOID;
	case CV_OP_HARD_SWISH: return CV_ACT_HARD_SWISH;
	case CV_OP_SILU: return CV_ACT_SILU;
	case CV_OP_TANH: return CV_ACT_TANH;
	case CV_OP_GELU: return CV_ACT_GELU;
	case CV_OP_GELU_TANH: return CV_ACT_GELU_TANH;
	case CV_OP_ERF: return CV_ACT_ERF;
	case CV_OP_EXP: return CV_ACT_EXP;
	case CV_OP_LOG: return CV_ACT_LOG;
	case CV_OP_SOFTPLUS: return CV_ACT_SOFTPLUS;
	case CV_OP_ELU: return CV_ACT_ELU;
	case CV_OP_SELU: return CV_ACT_SELU;
	case CV_OP_MISH: return CV_ACT_MISH;
	default: return CV_ACT_NONE;
	}
}

int cv_act_num_params(cv_act_kind k)
{
	switch (k) {
	case CV_ACT_CLIP:
	case CV_ACT_HARD_SIGMOID:
	case CV_ACT_SELU:
		return 2;
	case CV_ACT_LEAKY_RELU:
	case CV_ACT_ELU:
		return 1;
	default:
		return 0;
	}
}

const char *const cv_pool_kind_names[CV_POOL_KIND_COUNT] = {
	[CV_POOL_MAX] = "max", [CV_POOL_AVG] = "avg",
};

const char *const cv_conv_algo_names[CV_CONV_ALGO_COUNT] = {
	[CV_CONV_ALGO_DIRECT] = "direct", [CV_CONV_ALGO_WINOGRAD2] = "winograd2",
	[CV_CONV_ALGO_WINOGRAD4] = "winograd4",
};

const char *const cv_pad_mode_names[CV_PAD_MODE_COUNT] = {
	[CV_PAD_CONSTANT] = "constant", [CV_PAD_REFLECT] = "reflect", [CV_PAD_EDGE] = "edge",
};

const char *const cv_resize_mode_names[CV_RESIZE_MODE_COUNT] = {
	[CV_RESIZE_NEAREST] = "nearest", [CV_RESIZE_LINEAR] = "linear", [CV_RESIZE_CUBIC] = "cubic",
};

const char *const cv_resize_coord_names[CV_RESIZE_COORD_COUNT] = {
	[CV_COORD_HALF_PIXEL] = "half_pixel",
	[CV_COORD_PYTORCH_HALF_PIXEL] = "pytorch_half_pixel",
	[CV_COORD_ALIGN_CORNERS] = "align_corners",
	[CV_COORD_ASYMMETRIC] = "asymmetric",
	[CV_COORD_TF_HALF_PIXEL_FOR_NEAREST] = "tf_half_pixel_for_nearest",
	[CV_COORD_TF_CROP_AND_RESIZE] = "tf_crop_and_resize",
	[CV_COORD_HALF_PIXEL_SYMMETRIC] = "half_pixel_symmetric",
};

const char *const cv_nearest_mode_names[CV_NEAREST_MODE_COUNT] = {
	[CV_NEAREST_ROUND_PREFER_FLOOR] = "round_prefer_floor",
	[CV_NEAREST_ROUND_PREFER_CEIL] = "round_prefer_ceil",
	[CV_NEAREST_FLOOR] = "floor", [CV_NEAREST_CEIL] = "ceil",
};

const char *const cv_shard_kind_names[CV_SHARD_KIND_COUNT] = {
	[CV_SHARD_NONE] = "none", [CV_SHARD_INTERLEAVED] = "interleaved",
	[CV_SHARD_HEIGHT] = "height", [CV_SHARD_WIDTH] = "width", [CV_SHARD_BLOCK] = "block",
};

char *cv_placement_str(const cv_placement *p, char *buf, size_t size)
{
	const char *kind = (unsigned)p->kind < CV_SHARD_KIND_COUNT ? cv_shard_kind_names[p->kind] : "?";

	switch (p->kind) {
	case CV_SHARD_NONE:
		snprintf(buf, size, "none");
		break;
	case CV_SHARD_WIDTH:
		snprintf(buf, size, "%s[%d]", kind, p->grid[1]);
		break;
	case CV_SHARD_BLOCK:
		snprintf(buf, size, "%s[%dx%d]", kind, p->grid[0], p->grid[1]);
		break;
	default:
		snprintf(buf, size, "%s[%d]", kind, p->grid[0]);
		break;
	}
	return buf;
}

int cv_placement_cores(const cv_placement *p)
{
	return p->kind == CV_SHARD_NONE ? 0 : p->grid[0] * p->grid[1];
}

int cv_placement_equal(const cv_placement *a, const cv_placement *b)
{
	return a->kind == b->kind && a->grid[0] == b->grid[0] && a->grid[1] == b->grid[1];
}

static const struct {
	const char *name;
	cv_attrs_kind attrs;
	int min_in, max_in, outs;
} ops[CV_OP_COUNT] = {
#define OP(id, text, attrs, min_in, max_in, outs) \
	[CV_OP_##id] = {text, CV_ATTRS_##attrs, min_in, max_in, outs},
#include "convc/ops.def"
#undef OP
};

const char *cv_dtype_name(cv_dtype t)
{
	return (unsigned)t < CV_DTYPE_COUNT ? dtypes[t].name : "?";
}

size_t cv_dtype_size(cv_dtype t)
{
	return (unsigned)t < CV_DTYPE_COUNT ? dtypes[t].size : 0;
}

const char *cv_layout_name(cv_layout l)
{
	return (unsigned)l < CV_LAYOUT_COUNT ? layouts[l] : "?";
}

double cv_value_numel(const cv_value *v)
{
	int64_t k = v ? cv_type_numel(&v->type) : 0;

	return k > 0 ? (double)k : 0.0;
}

double cv_value_bytes(const cv_value *v)
{
	return v ? cv_value_numel(v) * (double)cv_dtype_size(v->type.dtype) : 0.0;
}

int64_t cv_slice_len(const cv_slice_attrs *a, int k, int64_t dim)
{
	int64_t s = a->starts[k], e = a->ends[k], st = a->steps[k];

	if (st > 0 && s >= 0 && s <= e && e <= dim) /* ceil without overflow for a huge step */
		return s == e ? 0 : (e - s - 1) / st + 1;
	if (st < 0 && e >= -1 && e <= s && (s < dim || s == e))
		return s == e ? 0 : (s - e - 1) / -st + 1;
	return -1;
}

int64_t cv_type_numel(const cv_type *t)
{
	int64_t n = 1;
	int i, empty = 0;

	/* The product of the nonzero dims must fit too: code that walks an
	 * empty tensor's shape (strides, outer/inner counts) multiplies them. */
	for (i = 0; i < t->rank; i++) {
		if (t->dims[i] < 0)
			return -1;
		if (!t->dims[i]) {
			empty = 1;
			continue;
		}
		if (n > INT64_MAX / t->dims[i])
			return -1;
		n *= t->dims[i];
	}
	return empty ? 0 : n;
}

int cv_type_equal(const cv_type *a, const cv_type *b)
{
	int i;

	if (a->dtype != b->dtype || a->rank != b->rank || a->layout != b->layout)
		return 0;
	for (i = 0; i < a->rank; i++)
		if (a->dims[i] != b->dims[i])
			return 0;
	return 1;
}

char *cv_type_str(const cv_type *t, char *buf, size_t size)
{
	size_t off;
	int i;

	off = (size_t)snprintf(buf, size, "%s[", cv_dtype_name(t->dtype));
	for (i = 0; i < t->rank && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%lld", i ? "," : "",
					(long long)t->dims[i]);
	if (off < size)
		snprintf(buf + off, size - off, "]");
	return buf;
}

const char *cv_op_name(cv_op op)
{
	return (unsigned)op < CV_OP_COUNT ? ops[op].name : "?";
}

cv_attrs_kind cv_op_attrs_kind(cv_op op)
{
	return ops[op].attrs;
}

int cv_op_min_inputs(cv_op op)
{
	return ops[op].min_in;
}

int cv_op_max_inputs(cv_op op)
{
	return ops[op].max_in;
}

int cv_op_num_outputs(cv_op op)
{
	return ops[op].outs;
}

cv_op cv_op_from_name(const char *text)
{
	int i;

	for (i = 0; i < CV_OP_COUNT; i++)
		if (!strcmp(ops[i].name, text))
			return (cv_op)i;
	return CV_OP_COUNT;
}

cv_nchw cv_type_nchw(const cv_type *t)
{
	cv_nchw r = {t->dims[0], t->dims[1], t->dims[2], t->dims[3]};

	if (t->layout == CV_LAYOUT_NHWC) {
		r.h = t->dims[1];
		r.w = t->dims[2];
		r.c = t->dims[3];
	}
	return r;
}

int cv_spatial_axis(const cv_type *t, int k)
{
	return t->layout == CV_LAYOUT_NHWC ? 1 + k : 2 + k;
}

int cv_channel_axis(const cv_type *t)
{
	return t->layout == CV_LAYOUT_NHWC ? 3 : 1;
}

cv_oihw cv_type_oihw(const cv_type *t)
{
	const int64_t *d = t->dims;
	cv_oihw r = {d[0], d[1], d[2], d[3]};

	switch (t->layout) {
	case CV_LAYOUT_OHWI:
		r.kh = d[1], r.kw = d[2], r.i = d[3];
		break;
	case CV_LAYOUT_HWIO:
		r.kh = d[0], r.kw = d[1], r.i = d[2], r.o = d[3];
		break;
	case CV_LAYOUT_IOHW:
		r.i = d[0], r.o = d[1];
		break;
	default:
		break;
	}
	return r;
}
