/*
 * convc/ir.h - convc's conv-graph IR: module, graph, values, nodes, types.
 *
 * Ownership: a cv_module owns everything reachable from it (nodes, values,
 * names, constant data) in one arena; cv_module_free() releases it all. Every
 * pointer returned by the functions below is borrowed from the module and
 * stays valid until the module is freed (removed nodes stay allocated).
 *
 * Invariants the verifier checks (cv_verify):
 *   - every value is a graph input, a constant, or the result of exactly one
 *     node; nodes are in topological order;
 *   - every dim is known and >= 0 (dynamic ONNX dims are pinned on import);
 *   - each node's operand count is in its op's range (ops.def) and its result
 *     types equal what shape inference computes from its operands and attrs.
 */
#ifndef CONVC_IR_H
#define CONVC_IR_H

#include <stddef.h>
#include <stdint.h>

#include "convc/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CV_MAX_RANK 8

typedef enum cv_dtype {
	CV_F32 = 0,
	CV_F64,
	CV_F16,
	CV_I64,
	CV_I32,
	CV_I8,
	CV_U8,
	CV_BOOL,     /* one byte, 0 or 1 */
	CV_BF16,     /* bfloat16: the upper 16 bits of an IEEE float32 */
	CV_I16,
	CV_U16,
	CV_U32,
	CV_U64,      /* read as an int64 (cv_elem_get_i) holds its bits; compare unsigned */
	CV_DTYPE_COUNT
} cv_dtype;

/* How a tensor's dims are to be read. Layout is data, never implied. */
typedef enum cv_layout {
	CV_LAYOUT_PLAIN = 0, /* no spatial meaning */
	CV_LAYOUT_NCHW,      /* activations: batch, channels, height, width */
	CV_LAYOUT_NHWC,
	CV_LAYOUT_OIHW,      /* conv weights: out channels, in channels/group, kh, kw */
	CV_LAYOUT_OHWI,
	CV_LAYOUT_HWIO,
	CV_LAYOUT_IOHW,      /* conv-transpose weights: in channels, out channels/group, kh, kw */
	CV_LAYOUT_NCDHW,     /* 3-D activations: batch, channels, depth, height, width */
	CV_LAYOUT_OIDHW,     /* 3-D conv weights: out channels, in channels/group, kd, kh, kw */
	CV_LAYOUT_IODHW,     /* 3-D conv-transpose weights: in channels, out channels/group, kd, kh, kw */
	CV_LAYOUT_COUNT
} cv_layout;

typedef struct cv_type {
	cv_dtype dtype;
	int rank;                    /* 0..CV_MAX_RANK; 0 is a scalar */
	int64_t dims[CV_MAX_RANK];   /* elements along each dim, all >= 0 */
	cv_layout layout;
} cv_type;

typedef enum cv_op {
#define OP(id, text, attrs, min_in, max_in, outs) CV_OP_##id,
#include "convc/ops.def"
#undef OP
	CV_OP_COUNT
} cv_op;

typedef enum cv_attrs_kind {
	CV_ATTRS_NONE = 0,
	CV_ATTRS_CONV,
	CV_ATTRS_BN,
	CV_ATTRS_ACT,
	CV_ATTRS_POOL,
	CV_ATTRS_REDUCE,
	CV_ATTRS_GEMM,
	CV_ATTRS_PERM,
	CV_ATTRS_AXIS,
	CV_ATTRS_SLICE,
	CV_ATTRS_PAD,
	CV_ATTRS_RESIZE,
	CV_ATTRS_SOFTMAX,
	CV_ATTRS_RESHARD,
	CV_ATTRS_NORM,
	CV_ATTRS_LRN,
	CV_ATTRS_CONV3D,
	CV_ATTRS_CAST,
	CV_ATTRS_ARG
} cv_attrs_kind;

/* An elementwise activation: the op itself (relu, clip, ...) or an epilogue
 * fused into a conv, gemm or binary op. The functions are listed in
 * docs/ir.md (and, as the C runtime computes them, in cvrt.h). */
typedef enum cv_act_kind {
	CV_ACT_NONE = 0,
	CV_ACT_RELU,
	CV_ACT_CLIP,         /* a = min, b = max */
	CV_ACT_LEAKY_RELU,   /* a = alpha */
	CV_ACT_SIGMOID,
	CV_ACT_HARD_SIGMOID, /* a = alpha, b = beta */
	CV_ACT_HARD_SWISH,
	CV_ACT_SILU,
	CV_ACT_TANH,
	CV_ACT_GELU,         /* x * Phi(x), the erf form (ONNX Gelu, approximate=none) */
	CV_ACT_GELU_TANH,    /* the tanh approximation (ONNX Gelu, approximate=tanh) */
	CV_ACT_ERF,
	CV_ACT_EXP,
	CV_ACT_LOG,          /* natural log; log(0) = -inf, log(x < 0) = NaN */
	CV_ACT_SOFTPLUS,     /* log(1 + exp(x)) */
	CV_ACT_ELU,          /* a = alpha */
	CV_ACT_SELU,         /* a = alpha, b = gamma */
	CV_ACT_MISH          /* x * tanh(softplus(x)) */
} cv_act_kind;

typedef struct cv_act {
	cv_act_kind kind;
	float a, b;
} cv_act;

/*
 * How a backend computes a conv2d (the result is the same convolution; only
 * rounding differs):
 *   CV_CONV_ALGO_DIRECT    as written: a sum over the kernel's taps
 *                          (implicit GEMM in the C backend)
 *   CV_CONV_ALGO_WINOGRAD2 Winograd F(2x2, 3x3) (Lavin and Gray, CVPR 2016):
 *                          2x2 output tiles, 2.25x fewer multiply-adds
 *   CV_CONV_ALGO_WINOGRAD4 Winograd F(4x4, 3x3) (same paper): 4x4 output
 *                          tiles, 4x fewer multiply-adds, a weight 4x the
 *                          direct one and a few times F(2x2, 3x3)'s
 *                          rounding error
 * The Winograd algos need a 3x3 kernel, stride 1, dilation 1 and one group
 * (the verifier checks; cv_conv_winograd_shape) and run in NHWC. Set by the
 * winograd pass.
 */
typedef enum cv_conv_algo {
	CV_CONV_ALGO_DIRECT = 0,
	CV_CONV_ALGO_WINOGRAD2,
	CV_CONV_ALGO_WINOGRAD4
} cv_conv_algo;

/*
 * conv2d's operands by index (include/convc/ops.def has their shapes):
 * x, w, then the optional bias [M], residual (the result's type, added
 * before the activation) and in_scale (x's layout, [N,1,1,C] nhwc or
 * [N,C,1,1] nchw: x[n,.,.,c] is multiplied by in_scale[n,c] before the
 * convolution; a run-time value, the factors of a squeeze-and-excitation
 * block that fuse-channel-scale folds in). Absent optional operands are
 * NULL in cv_node.inputs (printed `_`); num_inputs may stop before them.
 */
enum { CV_CONV_BIAS = 2, CV_CONV_RESIDUAL = 3, CV_CONV_IN_SCALE = 4 };

typedef struct cv_conv_attrs {
	int64_t strides[2];        /* h, w */
	int64_t pads[4];           /* top, left, bottom, right */
	int64_t dilations[2];      /* h, w */
	int64_t group;
	int64_t output_padding[2]; /* conv_transpose2d only; 0 for conv2d */
	cv_act act;                /* fused epilogue, applied after the bias */
	cv_conv_algo algo;         /* conv2d only; CV_CONV_ALGO_DIRECT for the others */
} cv_conv_attrs;

/*
 * conv3d: x ncdhw [N,C,D,H,W], w oidhw [M,C/g,KD,KH,KW], bias [M]. Per
 * spatial dim k (d, h, w):
 *   out_k = (in_k + pads[k] + pads[3+k] - dilations[k]*(kernel_k-1) - 1) / strides[k] + 1
 * conv_transpose3d: x ncdhw [N,C,D,H,W], w iodhw [C,M/g,KD,KH,KW], bias [M]:
 *   out_k = (in_k - 1)*strides[k] - pads[k] - pads[3+k] + dilations[k]*(kernel_k-1)
 *           + output_padding[k] + 1,
 *   0 <= output_padding[k] < max(strides[k], dilations[k]) (as ONNX Runtime).
 */
typedef struct cv_conv3d_attrs {
	int64_t strides[3];   /* d, h, w */
	int64_t pads[6];      /* begins d, h, w, then ends d, h, w (ONNX order) */
	int64_t dilations[3]; /* d, h, w */
	int64_t group;
	cv_act act;           /* fused epilogue, applied after the bias */
	int64_t output_padding[3]; /* d, h, w; conv_transpose3d only, 0 for conv3d */
} cv_conv3d_attrs;

typedef enum cv_pool_kind { CV_POOL_MAX = 0, CV_POOL_AVG } cv_pool_kind;

typedef struct cv_pool_attrs {
	cv_pool_kind kind;
	int64_t kernel[2];
	int64_t strides[2];
	int64_t pads[4];     /* top, left, bottom, right (auto_pad already resolved) */
	int64_t dilations[2];
	int count_include_pad; /* avg: padded positions count in the divisor */
	int ceil_mode;         /* out = ceil(...) + 1; a window starting in the end padding is dropped */
	int storage_order;     /* maxpool_indices: 0 row-major, 1 column-major indices (ONNX) */
	int64_t depth[5];      /* maxpool_indices on x [N,C,D,H,W] only: kernel, stride, dilation,
				* front pad, back pad along D (the others are h, w); 0s for 2-D */
} cv_pool_attrs;

/* Window k (0 = the first spatial dim) of a pool over nd spatial dims (2;
 * 3 for a maxpool_indices on [N,C,D,H,W], window 0 from depth[]) as
 * {kernel, stride, dilation, begin pad, end pad}. */
void cv_pool_window(const cv_pool_attrs *a, int nd, int k, int64_t w[5]);

typedef struct cv_reduce_attrs {
	uint32_t axes;   /* bit k set: dim k is reduced */
	int keepdims;
} cv_reduce_attrs;

typedef struct cv_gemm_attrs {
	int trans_a, trans_b;
	float alpha, beta;
	cv_act act;
} cv_gemm_attrs;

/* Per dim, normalized as ONNX Slice clamps them: a step > 0 takes start,
 * start + step, ... below end with 0 <= start <= end <= dim; a step < 0
 * takes start, start + step, ... above end with -1 <= end <= start <= dim - 1
 * (or start == end, nothing taken). Count: ceil(|end - start| / |step|);
 * cv_slice_len() computes it and checks the normalization. */
typedef struct cv_slice_attrs {
	int64_t starts[CV_MAX_RANK]; /* first element taken */
	int64_t ends[CV_MAX_RANK];   /* one past the last in the step's direction */
	int64_t steps[CV_MAX_RANK];  /* != 0 */
} cv_slice_attrs;

typedef enum cv_pad_mode { CV_PAD_CONSTANT = 0, CV_PAD_REFLECT, CV_PAD_EDGE } cv_pad_mode;

typedef struct cv_pad_attrs {
	cv_pad_mode mode;
	int64_t pads[2 * CV_MAX_RANK]; /* begin for each dim, then end for each dim (ONNX order) */
	float value;
} cv_pad_attrs;

typedef enum cv_resize_mode { CV_RESIZE_NEAREST = 0, CV_RESIZE_LINEAR, CV_RESIZE_CUBIC } cv_resize_mode;
typedef enum cv_resize_coord {
	CV_COORD_HALF_PIXEL = 0,
	CV_COORD_PYTORCH_HALF_PIXEL,
	CV_COORD_ALIGN_CORNERS,
	CV_COORD_ASYMMETRIC,
	CV_COORD_TF_HALF_PIXEL_FOR_NEAREST,
	CV_COORD_TF_CROP_AND_RESIZE, /* uses roi and extrapolation */
	CV_COORD_HALF_PIXEL_SYMMETRIC
} cv_resize_coord;
typedef enum cv_nearest_mode {
	CV_NEAREST_ROUND_PREFER_FLOOR = 0,
	CV_NEAREST_ROUND_PREFER_CEIL,
	CV_NEAREST_FLOOR,
	CV_NEAREST_CEIL
} cv_nearest_mode;

/* Resize of the last two dims (h, w); other dims are unchanged. */
typedef struct cv_resize_attrs {
	cv_resize_mode mode;
	cv_resize_coord coord;
	cv_nearest_mode nearest;
	float scales[2]; /* h, w: the ONNX scale, or out/in when sizes were given */
	int64_t sizes[2]; /* h, w of the result (ONNX: floor(in * scale), or the given sizes) */
	/* cubic only: the kernel's coefficient a (ONNX cubic_coeff_a, default
	 * -0.75) and exclude_outside (taps outside the input get weight 0 and
	 * the others are renormalized; 0: the taps are clamped to the edge). */
	float cubic_a;
	int exclude_outside;
	/* tf_crop_and_resize only: the crop box as fractions of (length - 1),
	 * h start, w start, h end, w end (ONNX's roi for these two dims), and
	 * the value of a result whose coordinate falls outside the input (ONNX
	 * extrapolation_value, default 0). */
	float roi[4];
	float extrapolation;
} cv_resize_attrs;

typedef struct cv_softmax_attrs {
	int64_t axis;   /* normalized to [0, rank) */
	int flatten;    /* opset < 13: softmax over all dims from axis on */
} cv_softmax_attrs;

/* layernorm: normalizes over dims [axis, rank) (ONNX LayerNormalization). */
typedef struct cv_norm_attrs {
	int64_t axis;   /* normalized to [0, rank) */
	float epsilon;  /* added to the variance */
} cv_norm_attrs;

/* lrn: local response normalization across channels (ONNX LRN). */
typedef struct cv_lrn_attrs {
	int64_t size;   /* channels in the window, >= 1 */
	float alpha, beta, bias;
} cv_lrn_attrs;

/*
 * Where an op runs and its tensors live on a many-core target (the shard
 * pass; docs/sharding.md has the footprint and cost formulas). Rows are the
 * N*H*W positions of an activation, columns its channels.
 *   interleaved  tensors in main memory, pages spread over the banks; the
 *                op's output rows are split over grid[0] cores, each
 *                streaming its share in and out (grid = [k, 1]);
 *   height       rows split over grid[0] cores, kept in their local memory
 *                (grid = [k, 1]);
 *   width        channels split over grid[1] cores (grid = [1, k]);
 *   block        rows over grid[0] and channels over grid[1] cores.
 * On the host target the placement is how the emitted code splits the op
 * over threads: height/interleaved split rows, width splits channels.
 */
typedef enum cv_shard_kind {
	CV_SHARD_NONE = 0, /* no placement chosen */
	CV_SHARD_INTERLEAVED,
	CV_SHARD_HEIGHT,
	CV_SHARD_WIDTH,
	CV_SHARD_BLOCK
} cv_shard_kind;
#define CV_SHARD_KIND_COUNT (CV_SHARD_BLOCK + 1)

typedef struct cv_placement {
	cv_shard_kind kind;
	int grid[2];  /* cores along rows and along channels, each >= 1 */
	int64_t mem;  /* bytes of local memory per core the op needs; 0: not computed */
} cv_placement;

/* reshard(x): the same tensor moved from one placement to another. */
typedef struct cv_reshard_attrs {
	cv_placement from, to; /* mem is unused (0) */
} cv_reshard_attrs;

/* argmax/argmin(x): the index along `axis` of the first (or, with
 * select_last, the last) greatest/smallest element; the result is i64 with
 * x's dims, `axis` kept as 1 (keepdims) or dropped. Integers compare
 * exactly; a NaN never replaces the current best (strict comparisons). */
typedef struct cv_arg_attrs {
	int64_t axis;     /* normalized to [0, rank) */
	int keepdims;     /* 1: keep axis as a dim of 1 */
	int select_last;  /* 1: the last index among equal extremes */
} cv_arg_attrs;

typedef union cv_attrs {
	cv_conv_attrs conv;
	float bn_eps;            /* CV_ATTRS_BN */
	cv_act act;              /* CV_ATTRS_ACT */
	cv_pool_attrs pool;
	cv_reduce_attrs reduce;
	cv_gemm_attrs gemm;
	int64_t perm[CV_MAX_RANK]; /* CV_ATTRS_PERM: result dim k is operand dim perm[k] */
	int64_t axis;            /* CV_ATTRS_AXIS, normalized to [0, rank) */
	cv_slice_attrs slice;
	cv_pad_attrs pad;
	cv_resize_attrs resize;
	cv_softmax_attrs softmax;
	cv_reshard_attrs reshard;
	cv_norm_attrs norm;
	cv_lrn_attrs lrn;
	cv_conv3d_attrs conv3d;
	cv_dtype cast_to;        /* CV_ATTRS_CAST: the result's dtype */
	cv_arg_attrs arg;        /* CV_ATTRS_ARG */
} cv_attrs;

typedef struct cv_node cv_node;
typedef struct cv_value cv_value;
typedef struct cv_graph cv_graph;
typedef struct cv_module cv_module;

typedef enum cv_value_kind { CV_VALUE_INPUT = 0, CV_VALUE_CONST, CV_VALUE_RESULT } cv_value_kind;

typedef struct cv_use {
	cv_node *node; /* the consumer */
	int operand;   /* index into node->inputs */
} cv_use;

struct cv_value {
	const char *name;   /* unique in the graph; printed as %name */
	cv_type type;
	cv_value_kind kind;
	cv_node *producer;  /* CV_VALUE_RESULT: the node; else NULL */
	int result_index;   /* CV_VALUE_RESULT: index into producer->outputs */
	void *data;         /* CV_VALUE_CONST: dense C-order elements of type.dtype */
	size_t nbytes;      /* CV_VALUE_CONST: bytes at data */
	cv_use *uses;       /* consumers (nodes only; graph outputs are not uses) */
	int num_uses, cap_uses;
	int is_output;      /* listed in the graph's outputs */
	/* CV_VALUE_CONST parsed from a digest (`#9f2c...`): the parser filled
	 * `data` deterministically from it, and the printer prints it back
	 * unchanged so print -> parse -> print is the identity. */
	int has_digest;
	uint64_t digest;
};

struct cv_node {
	cv_op op;
	const char *name;    /* the ONNX node name it came from (never NULL; may be "") */
	cv_value **inputs;   /* NULL entries mark absent optional operands */
	int num_inputs;
	cv_value **outputs;
	int num_outputs;
	cv_attrs attrs;
	cv_node *prev, *next; /* graph order (topological) */
	cv_graph *graph;      /* the graph the node belongs to */
	cv_placement place;   /* set by the shard pass; kind CV_SHARD_NONE before */
};

struct cv_graph {
	cv_module *module;
	cv_node *first, *last;
	cv_value **inputs;
	int num_inputs;
	cv_value **outputs;
	int num_outputs;
	cv_value **consts;
	int num_consts, cap_consts;
	int cap_inputs, cap_outputs;
	int name_counter; /* for fresh value names */
	struct cv_name_entry *name_table; /* private: names in use (uthash) */
};

struct cv_module {
	const char *name;       /* model name (used for output naming) */
	int64_t opset;          /* ONNX default-domain opset the model was imported from */
	cv_graph graph;
	struct cv_arena *arena;
	struct cv_target *target; /* what passes compile for (a copy); NULL: not set */
};

/* ---- module and arena ---- */

/* New empty module named `name` (copied). NULL when out of memory. */
cv_module *cv_module_new(const char *name);
void cv_module_free(cv_module *m);

/* Arena allocation, zeroed; NULL when out of memory. Freed with the module. */
void *cv_alloc(cv_module *m, size_t nbytes);
char *cv_strdup(cv_module *m, const char *s);

struct cv_target; /* convc/target.h */
/* Copy *t into the module: the target passes that choose layouts, sharding
 * or tiles read (cv_module_target). CV_ERR_NOMEM when out of memory. */
cv_status cv_module_set_target(cv_module *m, const struct cv_target *t, cv_diag *d);
/* The module's target, or NULL when none was set (passes then detect the
 * host with cv_target_host). Borrowed from the module. */
const struct cv_target *cv_module_target(const cv_module *m);

/* ---- types ---- */

/* ---- elements of any dtype (ir/elem.c) ---- */

/* f16/bf16 <-> f32. To half: round to nearest, ties to even (IEEE 754's
 * default); beyond the largest finite half (65504) it rounds to infinity;
 * NaN stays NaN (quiet). From half: exact. */
float cv_f16_to_f32(uint16_t h);
uint16_t cv_f32_to_f16(float f);
float cv_bf16_to_f32(uint16_t h);
uint16_t cv_f32_to_bf16(float f);

/* Whether dt holds floating-point numbers (f32, f64, f16, bf16). */
int cv_dtype_is_float(cv_dtype dt);

/* Element i of p (dense elements of dt) as a double / an int64 (a float
 * read as an int64 truncates toward zero; NaN gives 0, beyond int64
 * saturates). */
double cv_elem_get_f(const void *p, cv_dtype dt, int64_t i);
int64_t cv_elem_get_i(const void *p, cv_dtype dt, int64_t i);

/* Store element i of p as dt: from a double (to an integer: truncated as
 * cv_elem_get_i does, then wrapped to the width; to bool: != 0) or from an
 * int64 (wrapped to the width; to bool: != 0). */
void cv_elem_set_f(void *p, cv_dtype dt, int64_t i, double v);
void cv_elem_set_i(void *p, cv_dtype dt, int64_t i, int64_t v);

/* The case labels of the ops that only move or copy elements, whatever
 * their dtype (reshape, reshard, transpose, expand, concat, split, slice,
 * pad): the typed interpreter and backend run them bytewise and the report
 * counts them as layout: `switch (op) { CV_CASE_MOVED_OPS: ... }`. */
#define CV_CASE_MOVED_OPS \
	case CV_OP_RESHAPE: \
	case CV_OP_RESHARD: \
	case CV_OP_TRANSPOSE: \
	case CV_OP_EXPAND: \
	case CV_OP_CONCAT: \
	case CV_OP_SPLIT: \
	case CV_OP_SLICE: \
	case CV_OP_PAD

/* The case labels of the ops that exist for tensors of any dtype and have
 * no float32-only kernel (cast, the comparisons, not/and/or/xor, where,
 * argmax/argmin, gather, maxpool_indices with its i64 result):
 * `switch (op) { CV_CASE_TYPED_OPS: ... }`. */
#define CV_CASE_TYPED_OPS \
	case CV_OP_CAST: \
	case CV_OP_EQUAL: \
	case CV_OP_LESS: \
	case CV_OP_GREATER: \
	case CV_OP_LESS_EQUAL: \
	case CV_OP_GREATER_EQUAL: \
	case CV_OP_NOT: \
	case CV_OP_AND: \
	case CV_OP_OR: \
	case CV_OP_XOR: \
	case CV_OP_WHERE: \
	case CV_OP_ARGMAX: \
	case CV_OP_ARGMIN: \
	case CV_OP_GATHER: \
	case CV_OP_MAXPOOL_INDICES

/* Whether node n runs on the typed paths (interp_typed.c, emit_typed.c):
 * one of CV_CASE_TYPED_OPS, or an operand or result that is not f32. */
int cv_node_is_typed(const cv_node *n);


const char *cv_dtype_name(cv_dtype t);       /* "f32", "i64", ... */
size_t cv_dtype_size(cv_dtype t);            /* bytes per element */
const char *cv_layout_name(cv_layout l);     /* "plain", "nchw", ... */
/* Number of elements of t; returns -1 if it, or the product of t's nonzero
 * dims (an empty tensor's shape still gets walked), overflows int64. */
int64_t cv_type_numel(const cv_type *t);
/* Elements slice attrs a take along dim k of length dim, or -1 when a is
 * not normalized for it (cv_slice_attrs). */
int64_t cv_slice_len(const cv_slice_attrs *a, int k, int64_t dim);
/* Elements and bytes of v's type as doubles, for cost models: 0 when v is
 * NULL or its element count overflows int64 (cv_type_numel < 0). */
double cv_value_numel(const cv_value *v);
double cv_value_bytes(const cv_value *v);
int cv_type_equal(const cv_type *a, const cv_type *b);
/* "f32[1,3,224,224]" into buf (always NUL-terminated); returns buf. */
char *cv_type_str(const cv_type *t, char *buf, size_t size);

/* ---- graph building ---- */

/* Add a graph input / constant; name is copied and made unique if taken.
 * cv_graph_add_const takes ownership of nothing: `data` (nbytes must equal
 * numel * dtype size) is copied into the arena, or the bytes are zeroed when
 * data is NULL. NULL when out of memory. */
cv_value *cv_graph_add_input(cv_graph *g, const char *name, const cv_type *t);
cv_value *cv_graph_add_const(cv_graph *g, const char *name, const cv_type *t,
			     const void *data, size_t nbytes);
int cv_graph_add_output(cv_graph *g, cv_value *v);

/*
 * Append a node with `num_inputs` operands (NULL for an absent optional one)
 * and `num_outputs` results whose types are filled by shape inference by the
 * caller (cv_node_infer) or set directly. Result names are copied and made
 * unique. Returns NULL when out of memory.
 */
cv_node *cv_graph_add_node(cv_graph *g, cv_op op, const char *node_name,
			   cv_value *const *inputs, int num_inputs,
			   const char *const *out_names, int num_outputs);

/* Insert a new node before `before` (NULL appends), same contract as above. */
cv_node *cv_graph_insert_node(cv_graph *g, cv_node *before, cv_op op,
			      const char *node_name, cv_value *const *inputs,
			      int num_inputs, const char *const *out_names,
			      int num_outputs);

/* Unlink n from the graph and drop its operand uses. Its results must have no
 * uses left (and must not be graph outputs). */
void cv_graph_remove_node(cv_graph *g, cv_node *n);

/* Make every use of `from` (and its graph-output slots) use `to` instead.
 * A node result that takes a graph output's slot also takes its name, so
 * the compiled model's output names stay the ONNX ones. */
void cv_value_replace_uses(cv_graph *g, cv_value *from, cv_value *to);
/* The same, leaving the uses by node `except` alone (e.g. a transpose
 * inserted after from's producer, which must keep reading from). */
void cv_value_replace_uses_except(cv_graph *g, cv_value *from, cv_value *to, const cv_node *except);

/* Set operand i of n to v (NULL allowed), keeping use lists right. 0 on
 * success, -1 when out of memory. */
int cv_node_set_input(cv_node *n, int i, cv_value *v);

/* A name not used yet in g, "<base>.<k>", copied into the arena. */
const char *cv_graph_fresh_name(cv_graph *g, const char *base);

/* Iterate nodes in order, skipping removed ones. */
#define cv_graph_for_each_node(g, n) for ((n) = (g)->first; (n); (n) = (n)->next)

int cv_graph_num_nodes(const cv_graph *g);

/*
 * A node's label in profiles and reports: its ONNX name when that is
 * non-empty and no other node of g has it, else "<name or op>#<k>" with k
 * its 0-based position in g. Written into buf (NUL-terminated); returns buf.
 * O(nodes) per call.
 */
char *cv_node_label(const cv_graph *g, const cv_node *n, char *buf, size_t size);

/*
 * The labels of all nodes of g at once, in run order: element k is what
 * cv_node_label gives the k-th node, and element cv_graph_num_nodes(g) is
 * NULL. O(nodes) in all, for callers that label every node. Returns one
 * malloc'd block (the caller frees it with free()), NULL when out of memory.
 */
char **cv_graph_node_labels(const cv_graph *g);

/* ---- the op table ---- */

const char *cv_op_name(cv_op op);
cv_attrs_kind cv_op_attrs_kind(cv_op op);
int cv_op_min_inputs(cv_op op);
int cv_op_max_inputs(cv_op op);
/* 0 means one or more */
int cv_op_num_outputs(cv_op op);
/* Operation for `text` ("conv2d"), or CV_OP_COUNT if there is none. */
cv_op cv_op_from_name(const char *text);
/* The activation a unary activation op computes (CV_OP_RELU: CV_ACT_RELU,
 * ..., CV_OP_MISH: CV_ACT_MISH; its parameters are in the node's attrs.act),
 * CV_ACT_NONE for every other op. Such ops are the ones fuse-epilogue can
 * fold into their producer. */
cv_act_kind cv_op_act_kind(cv_op op);
/* The case labels of every unary activation op, the ops for which
 * cv_op_act_kind() is not CV_ACT_NONE: `switch (op) { CV_CASE_ACT_OPS: ... }`.
 * Keep in step with cv_op_act_kind() (ir/types.c; a unit test checks both). */
#define CV_CASE_ACT_OPS \
	case CV_OP_RELU: \
	case CV_OP_CLIP: \
	case CV_OP_LEAKY_RELU: \
	case CV_OP_SIGMOID: \
	case CV_OP_HARD_SIGMOID: \
	case CV_OP_HARD_SWISH: \
	case CV_OP_SILU: \
	case CV_OP_TANH: \
	case CV_OP_GELU: \
	case CV_OP_GELU_TANH: \
	case CV_OP_ERF: \
	case CV_OP_EXP: \
	case CV_OP_LOG: \
	case CV_OP_SOFTPLUS: \
	case CV_OP_ELU: \
	case CV_OP_SELU: \
	case CV_OP_MISH
/* How many parameters (attrs.act.a, .b) activation kind k takes: 0, 1
 * (leaky_relu, elu: alpha) or 2 (clip: min, max; hard_sigmoid: alpha,
 * beta; selu: alpha, gamma). */
int cv_act_num_params(cv_act_kind k);

/* ---- names of the attribute enums ----
 * As the text IR prints and parses them (the resize coordinate and nearest
 * modes are also ONNX's attribute strings); indexed by the enum, static
 * storage. */
#define CV_ACT_KIND_COUNT (CV_ACT_MISH + 1)
#define CV_POOL_KIND_COUNT (CV_POOL_AVG + 1)
#define CV_CONV_ALGO_COUNT (CV_CONV_ALGO_WINOGRAD4 + 1)
#define CV_PAD_MODE_COUNT (CV_PAD_EDGE + 1)
#define CV_RESIZE_MODE_COUNT (CV_RESIZE_CUBIC + 1)
#define CV_RESIZE_COORD_COUNT (CV_COORD_HALF_PIXEL_SYMMETRIC + 1)
#define CV_NEAREST_MODE_COUNT (CV_NEAREST_CEIL + 1)
extern const char *const cv_act_names[CV_ACT_KIND_COUNT];
extern const char *const cv_pool_kind_names[CV_POOL_KIND_COUNT];
extern const char *const cv_conv_algo_names[CV_CONV_ALGO_COUNT]; /* "direct", "winograd2", "winograd4" */
extern const char *const cv_pad_mode_names[CV_PAD_MODE_COUNT];
extern const char *const cv_resize_mode_names[CV_RESIZE_MODE_COUNT];
extern const char *const cv_resize_coord_names[CV_RESIZE_COORD_COUNT];
extern const char *const cv_nearest_mode_names[CV_NEAREST_MODE_COUNT];
extern const char *const cv_shard_kind_names[CV_SHARD_KIND_COUNT]; /* "none", "interleaved", ... */

/* A placement as the text IR writes it: "height[64]", "width[8]",
 * "block[8x8]", "interleaved[64]" ("none" for CV_SHARD_NONE; mem is not
 * written). Into buf, always NUL-terminated; returns buf. */
char *cv_placement_str(const cv_placement *p, char *buf, size_t size);
/* Cores a placement uses: grid[0] * grid[1] (0 for CV_SHARD_NONE). */
int cv_placement_cores(const cv_placement *p);
/* Equal kind and grid (mem is not compared). */
int cv_placement_equal(const cv_placement *a, const cv_placement *b);

/* ---- layouts ---- */

/* Activation dims of a rank-4 type in its layout (nhwc, else nchw order). */
typedef struct cv_nchw {
	int64_t n, c, h, w;
} cv_nchw;
cv_nchw cv_type_nchw(const cv_type *t);
/* The k-th spatial dim (0 = h, 1 = w) index of a rank-4 activation type. */
int cv_spatial_axis(const cv_type *t, int k);
/* The channel dim index of a rank-4 activation type (1, or 3 for nhwc). */
int cv_channel_axis(const cv_type *t);

/* Conv weight dims in its layout: oihw (default), ohwi, hwio or iohw. */
typedef struct cv_oihw {
	int64_t o, i, kh, kw;
} cv_oihw;
cv_oihw cv_type_oihw(const cv_type *t);
/* 1 when n is a conv2d whose shape allows the Winograd algos (a 3x3
 * kernel, strides 1, dilations 1, one group), else 0; needs n's types. */
int cv_conv_winograd_shape(const cv_node *n);
/* Output tile side of a conv algo: 2 (CV_CONV_ALGO_WINOGRAD2), 4
 * (CV_CONV_ALGO_WINOGRAD4), 0 (direct, or out of range). A tile computes
 * side x side output pixels from (side + 2)^2 transformed positions. */
int cv_conv_algo_tile(cv_conv_algo a);

/* ---- work ---- */

/* FLOPs of n (a multiply-add is 2; ir/flops.c lists the per-element
 * counts of elementwise ops; data movement is 0). Needs n's types set. */
double cv_node_flops(const cv_node *n);

/* ---- shape inference and verification ---- */

/*
 * Compute the result types of n from its operand types and attrs into out[]
 * (n->num_outputs entries). Split keeps the result dims already set along the
 * split axis. Errors (CV_ERR_INPUT, naming the node and the fact): operand
 * count, rank or dtype mismatch, incompatible broadcast, non-positive result
 * dims, overflow.
 */
cv_status cv_node_infer(const cv_node *n, cv_type *out, cv_diag *d);

/* Run cv_node_infer on n and store the result types. */
cv_status cv_node_infer_types(cv_node *n, cv_diag *d);

/* Check the invariants listed at the top of this header. CV_ERR_INTERNAL with
 * the first violation, naming the node. */
cv_status cv_verify(const cv_module *m, cv_diag *d);

/* ---- printing ---- */

#include <stdio.h>
/* Write the module in convc's text IR (docs/ir.md) to f. Constants with more
 * than 16 elements print as a digest. Returns 0, or -1 on a write error. */
int cv_module_print(const cv_module *m, FILE *f);
/* Write n's attributes as the text IR prints them (" {strides=[1,1], ...}",
 * or nothing); two nodes of one op have equal attributes iff these texts
 * are equal. Returns 0, or -1 on a write error. */
int cv_node_print_attrs(const cv_node *n, FILE *f);
/* v's name as the text IR writes it, with its '%': "%x", or "%\"/conv/out 0\""
 * (quoted, escaped) when it is not plain. Into buf, always NUL-terminated
 * (cut off when it does not fit); returns buf. */
char *cv_value_name_str(const cv_value *v, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
