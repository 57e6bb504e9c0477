/*
 * parse_attrs.c - node attributes in the text IR (docs/ir.md): `{key=value,
 * ...}` after the operands, in any order, each key at most once. Keys left
 * out take the defaults of attrs_defaults() (ONNX's where ONNX has one);
 * keys without a default are required. The keys and their printed form are
 * print.c's.
 */
#include <float.h>
#include <stdio.h>
#include <string.h>

#include "ir/parse_impl.h"

/* Every error names the line and column of `at`; `ps` is always in scope. */
#define FAIL(at, ...) cvp_fail_at(ps, (at), __VA_ARGS__)
#define MAX_KEYS 16

static cv_status unknown_attr(parser *ps, const node_text *nt, const char *key, const char *at)
{
	return FAIL(at, "unknown attribute '%s' for %s", key, cv_op_name(nt->op));
}

/* [i, i, ...] with at most max entries, each in [lo, hi]. */
static cv_status attr_list(parser *ps, const char *key, int64_t *v, int max, int *n, int64_t lo,
			   int64_t hi)
{
	char what[64];
	cv_status st;

	snprintf(what, sizeof what, "attribute '%s' value", key);
	*n = 0;
	if ((st = cvp_expect(ps, '[')))
		return st;
	if (accept(ps, ']'))
		return CV_OK;
	do {
		skip_ws(ps);
		if (*n == max)
			return FAIL(ps->p, "attribute '%s' has more than %d integers", key, max);
		if ((st = cvp_parse_int(ps, lo, hi, what, &v[(*n)++])))
			return st;
	} while (accept(ps, ','));
	return cvp_expect(ps, ']');
}

static cv_status attr_ints(parser *ps, const char *key, int64_t *out, int count, int64_t lo,
			   int64_t hi)
{
	int64_t v[2 * CV_MAX_RANK + 1];
	const char *at;
	int n;
	cv_status st;

	skip_ws(ps);
	at = ps->p;
	if ((st = attr_list(ps, key, v, 2 * CV_MAX_RANK + 1, &n, lo, hi)))
		return st;
	if (n != count)
		return FAIL(at, "attribute '%s' expects %d integer%s", key, count,
			    count == 1 ? "" : "s");
	memcpy(out, v, (size_t)count * sizeof *v);
	return CV_OK;
}

static cv_status attr_int(parser *ps, const char *key, int64_t *out, int64_t lo, int64_t hi)
{
	char what[64];

	snprintf(what, sizeof what, "attribute '%s' value", key);
	return cvp_parse_int(ps, lo, hi, what, out);
}

static cv_status attr_flag(parser *ps, const char *key, int *out)
{
	int64_t v;
	cv_status st = attr_int(ps, key, &v, 0, 1);

	*out = (int)v;
	return st;
}

static cv_status attr_floats(parser *ps, float *out, int count)
{
	cv_status st;
	int i;

	if ((st = cvp_expect(ps, '[')))
		return st;
	for (i = 0; i < count; i++)
		if ((i && (st = cvp_expect(ps, ','))) || (st = cvp_parse_f32(ps, &out[i])))
			return st;
	return cvp_expect(ps, ']');
}

/* One of names[0..count), its index in *out. */
static cv_status attr_enum(parser *ps, const char *key, const char *const *names, int count,
			   int *out)
{
	const char *at;
	char w[32], buf[16], known[256];
	size_t len = 0;
	int i;

	skip_ws(ps);
	at = ps->p;
	if (!cvp_word(ps, w, sizeof w))
		return FAIL(at, "attribute '%s': expected a name, found %s", key,
			    cvp_found(ps, buf, sizeof buf));
	for (*out = 0; *out < count; (*out)++)
		if (!strcmp(w, names[*out]))
			return CV_OK;
	/* The values it takes: "a, b, c". */
	known[0] = '\0';
	for (i = 0; i < count && len < sizeof known; i++)
		len += (size_t)snprintf(known + len, sizeof known - len, "%s%s", i ? ", " : "", names[i]);
	return FAIL(at, "attribute '%s': unknown value '%s' (one of: %s)", key, w, known);
}

/* act=relu | clip(min,max) | leaky_relu(alpha) | hard_sigmoid(alpha,beta) |
 * elu(alpha) | selu(alpha,gamma) | ... (cv_act_num_params) */
static cv_status attr_act(parser *ps, cv_act *a)
{
	int k, params;
	cv_status st;

	if ((st = attr_enum(ps, "act", cv_act_names, CV_ACT_KIND_COUNT, &k)))
		return st;
	a->kind = (cv_act_kind)k;
	a->a = a->b = 0;
	params = cv_act_num_params(a->kind);
	if (!params)
		return CV_OK;
	if ((st = cvp_expect(ps, '(')) || (st = cvp_parse_f32(ps, &a->a)))
		return st;
	if (params == 2 && ((st = cvp_expect(ps, ',')) || (st = cvp_parse_f32(ps, &a->b))))
		return st;
	return cvp_expect(ps, ')');
}

static cv_status conv_attr(parser *ps, node_text *nt, const char *key, const char *at)
{
	cv_conv_attrs *a = &nt->attrs.conv;

	if (!strcmp(key, "strides"))
		return attr_ints(ps, key, a->strides, 2, 1, INT_LIMIT);
	if (!strcmp(key, "pads"))
		return attr_ints(ps, key, a->pads, 4, 0, INT_LIMIT);
	if (!strcmp(key, "dilations"))
		return attr_ints(ps, key, a->dilations, 2, 1, INT_LIMIT);
	if (!strcmp(key, "group"))
		return attr_int(ps, key, &a->group, 1, INT_LIMIT);
	if (!strcmp(key, "output_padding") && nt->op == CV_OP_CONV_TRANSPOSE2D)
		return attr_ints(ps, key, a->output_padding, 2, 0, INT_LIMIT);
	if (!strcmp(key, "act"))
		return attr_act(ps, &a->act);
	if (!strcmp(key, "algo") && nt->op == CV_OP_CONV2D) {
		int k;
		cv_status st = attr_enum(ps, key, cv_conv_algo_names, CV_CONV_ALGO_COUNT, &k);
		a->algo = (cv_conv_algo)k;
		return st;
	}
	return unknown_attr(ps, nt, key, at);
}

static cv_status conv3d_attr(parser *ps, node_text *nt, const char *key, const char *at)
{
	cv_conv3d_attrs *a = &nt->attrs.conv3d;

	if (!strcmp(key, "strides"))
		return attr_ints(ps, key, a->strides, 3, 1, INT_LIMIT);
	if (!strcmp(key, "pads"))
		return attr_ints(ps, key, a->pads, 6, 0, INT_LIMIT);
	if (!strcmp(key, "dilations"))
		return attr_ints(ps, key, a->dilations, 3, 1, INT_LIMIT);
	if (!strcmp(key, "group"))
		return attr_int(ps, key, &a->group, 1, INT_LIMIT);
	if (!strcmp(key, "act"))
		return attr_act(ps, &a->act);
	if (nt->op == CV_OP_CONV_TRANSPOSE3D && !strcmp(key, "output_padding"))
		return attr_ints(ps, key, a->output_padding, 3, 0, INT_LIMIT);
	return unknown_attr(ps, nt, key, at);
}

/* An activation op's own parameters, or a binary op's fused activation. */
static cv_status act_attr(parser *ps, node_text *nt, const char *key, const char *at)
{
	cv_act *a = &nt->attrs.act;
	cv_op op = nt->op;

	if (op == CV_OP_CLIP && !strcmp(key, "min"))
		return cvp_parse_f32(ps, &a->a);
	if (op == CV_OP_CLIP && !strcmp(key, "max"))
		return cvp_parse_f32(ps, &a->b);
	if ((op == CV_OP_LEAKY_RELU || op == CV_OP_HARD_SIGMOID) && !strcmp(key, "alpha"))
		return cvp_parse_f32(ps, &a->a);
	if (op == CV_OP_HARD_SIGMOID && !strcmp(key, "beta"))
		return cvp_parse_f32(ps, &a->b);
	if ((op == CV_OP_ELU || op == CV_OP_SELU) && !strcmp(key, "alpha"))
		return cvp_parse_f32(ps, &a->a);
	if (op == CV_OP_SELU && !strcmp(key, "gamma"))
		return cvp_parse_f32(ps, &a->b);
	if ((op == CV_OP_ADD || op == CV_OP_SUB || op == CV_OP_MUL || op == CV_OP_DIV) &&
	    !strcmp(key, "act"))
		return attr_act(ps, a);
	return unknown_attr(ps, nt, key, at);
}

static cv_status pool_attr(parser *ps, node_text *nt, const char *key, const char *at)
{
	cv_pool_attrs *a = &nt->attrs.pool;
	cv_status st;
	int k;

	if (!strcmp(key, "kind")) {
		st = attr_enum(ps, key, cv_pool_kind_names, CV_POOL_KIND_COUNT, &k);
		a->kind = (cv_pool_kind)k;
		return st;
	}
	if (!strcmp(key, "kernel"))
		return attr_ints(ps, key, a->kernel, 2, 1, INT_LIMIT);
	if (!strcmp(key, "strides"))
		return attr_ints(ps, key, a->strides, 2, 1, INT_LIMIT);
	if (!strcmp(key, "pads"))
		return attr_ints(ps, key, a->pads, 4, 0, INT_LIMIT);
	if (!strcmp(key, "dilations"))
		return attr_ints(ps, key, a->dilations, 2, 1, INT_LIMIT);
	if (!strcmp(key, "ceil_mode"))
		return attr_flag(ps, key, &a->ceil_mode);
	if (!strcmp(key, "count_include_pad"))
		return attr_flag(ps, key, &a->count_include_pad);
	if (!strcmp(key, "storage_order"))
		return attr_flag(ps, key, &a->storage_order);
	if (!strcmp(key, "depth")) /* kernel, stride, dilation, front, back: checked by inference */
		return attr_ints(ps, key, a->depth, 5, 0, INT_LIMIT);
	return unknown_attr(ps, nt, key, at);
}

/* axes=[...]: ascending, distinct dims of operand 0. */
static cv_status reduce_attr(parser *ps, node_text *nt, const char *key, const char *at)
{
	int64_t axes[CV_MAX_RANK];
	const char *lat;
	int n, i;
	cv_status st;

	if (!strcmp(key, "keepdims"))
		return attr_flag(ps, key, &nt->attrs.reduce.keepdims);
	if (strcmp(key, "axes"))
		return unknown_attr(ps, nt, key, at);
	skip_ws(ps);
	lat = ps->p;
	if ((st = attr_list(ps, key, axes, CV_MAX_RANK, &n, 0, CV_MAX_RANK - 1)))
		return st;
	nt->attrs.reduce.axes = 0;
	for (i = 0; i < n; i++) {
		if (axes[i] >= nt->rank || (i && axes[i] <= axes[i - 1]))
			return FAIL(lat, "attribute 'axes' must be ascending, distinct dims of a "
				    "rank-%d operand", nt->rank);
		nt->attrs.reduce.axes |= 1u << axes[i];
	}
	return CV_OK;
}

static cv_status gemm_attr(parser *ps, node_text *nt, const char *key, const char *at)
{
	cv_gemm_attrs *a = &nt->attrs.gemm;

	if (!strcmp(key, "trans_a"))
		return attr_flag(ps, key, &a->trans_a);
	if (!strcmp(key, "trans_b"))
		return attr_flag(ps, key, &a->trans_b);
	if (!strcmp(key, "alpha"))
		return cvp_parse_f32(ps, &a->alpha);
	if (!strcmp(key, "beta"))
		return cvp_parse_f32(ps, &a->beta);
	if (!strcmp(key, "act"))
		return attr_act(ps, &a->act);
	return unknown_attr(ps, nt, key, at);
}

static cv_status slice_attr(parser *ps, node_text *nt, const char *key, const char *at)
{
	cv_slice_attrs *a = &nt->attrs.slice;

	if (!strcmp(key, "starts"))
		return attr_ints(ps, key, a->starts, nt->rank, 0, INT_LIMIT);
	if (!strcmp(key, "ends")) /* -1: a negative step runs to the first element */
		return attr_ints(ps, key, a->ends, nt->rank, -1, INT_LIMIT);
	if (!strcmp(key, "steps")) /* 0 is refused by type inference */
		return attr_ints(ps, key, a->steps, nt->rank, -INT_LIMIT, INT_LIMIT);
	return unknown_attr(ps, nt, key, at);
}

static cv_status pad_attr(parser *ps, node_text *nt, const char *key, const char *at)
{
	cv_pad_attrs *a = &nt->attrs.pad;
	cv_status st;
	int k;

	if (!strcmp(key, "mode")) {
		st = attr_enum(ps, key, cv_pad_mode_names, CV_PAD_MODE_COUNT, &k);
		a->mode = (cv_pad_mode)k;
		return st;
	}
	if (!strcmp(key, "pads"))
		return attr_ints(ps, key, a->pads, 2 * nt->rank, -INT_LIMIT, INT_LIMIT);
	if (!strcmp(key, "value"))
		return cvp_parse_f32(ps, &a->value);
	return unknown_attr(ps, nt, key, at);
}

static cv_status resize_attr(parser *ps, node_text *nt, const char *key, const char *at)
{
	cv_resize_attrs *a = &nt->attrs.resize;
	cv_status st;
	int k;

	if (!strcmp(key, "mode")) {
		st = attr_enum(ps, key, cv_resize_mode_names, CV_RESIZE_MODE_COUNT, &k);
		a->mode = (cv_resize_mode)k;
	} else if (!strcmp(key, "coord")) {
		st = attr_enum(ps, key, cv_resize_coord_names, CV_RESIZE_COORD_COUNT, &k);
		a->coord = (cv_resize_coord)k;
	} else if (!strcmp(key, "nearest")) {
		st = attr_enum(ps, key, cv_nearest_mode_names, CV_NEAREST_MODE_COUNT, &k);
		a->nearest = (cv_nearest_mode)k;
	} else if (!strcmp(key, "scales")) {
		st = attr_floats(ps, a->scales, 2);
	} else if (!strcmp(key, "sizes")) {
		st = attr_ints(ps, key, a->sizes, 2, 0, INT_LIMIT);
	} else if (!strcmp(key, "cubic_a")) {
		st = cvp_parse_f32(ps, &a->cubic_a);
	} else if (!strcmp(key, "exclude_outside")) {
		int64_t v;
		st = attr_int(ps, key, &v, 0, 1);
		a->exclude_outside = (int)v;
	} else if (!strcmp(key, "roi")) {
		st = attr_floats(ps, a->roi, 4);
	} else if (!strcmp(key, "extrapolation")) {
		st = cvp_parse_f32(ps, &a->extrapolation);
	} else {
		st = unknown_attr(ps, nt, key, at);
	}
	return st;
}

#define GRID_MAX 65536

/* Digits of a core count in [1, GRID_MAX], stopping at any non-digit (the
 * `x` of 8x8 included, which cvp_parse_int would take as part of a word). */
static cv_status grid_count(parser *ps, int64_t *v)
{
	const char *at;

	skip_ws(ps);
	at = ps->p;
	*v = 0;
	if (!is_digit(peek(ps)))
		return FAIL(at, "expected a core count");
	for (; is_digit(peek(ps)); ps->p++)
		if ((*v = *v * 10 + (*ps->p - '0')) > GRID_MAX)
			return FAIL(at, "core count out of range [1, %d]", GRID_MAX);
	return *v ? CV_OK : FAIL(at, "core count out of range [1, %d]", GRID_MAX);
}

/* kind[k] or block[RxC] (cv_placement_str's form); mem is left 0. */
cv_status cvp_parse_placement(parser *ps, cv_placement *out)
{
	char w[32];
	const char *at;
	int64_t a, b = 1;
	cv_status st;
	int k;

	skip_ws(ps);
	at = ps->p;
	if (!cvp_word(ps, w, sizeof w))
		return FAIL(at, "expected a placement (interleaved, height, width or block)");
	for (k = CV_SHARD_INTERLEAVED; k < CV_SHARD_KIND_COUNT && strcmp(w, cv_shard_kind_names[k]); k++)
		;
	if (k == CV_SHARD_KIND_COUNT)
		return FAIL(at, "unknown placement '%s' (expected interleaved, height, width or block)", w);
	if ((st = cvp_expect(ps, '[')) || (st = grid_count(ps, &a)))
		return st;
	if (k == CV_SHARD_BLOCK) {
		skip_ws(ps);
		if (peek(ps) != 'x')
			return FAIL(ps->p, "a block placement is written block[ROWSxCOLS]");
		ps->p++;
		if ((st = grid_count(ps, &b)))
			return st;
	}
	if ((st = cvp_expect(ps, ']')))
		return st;
	memset(out, 0, sizeof *out);
	out->kind = (cv_shard_kind)k;
	out->grid[0] = k == CV_SHARD_WIDTH ? 1 : (int)a;
	out->grid[1] = k == CV_SHARD_WIDTH ? (int)a : (int)b;
	return CV_OK;
}

/* A dtype name: f32, i64, bool, ... */
static cv_status dtype_attr(parser *ps, cv_dtype *out)
{
	const char *at;
	char w[32];
	int i;

	skip_ws(ps);
	at = ps->p;
	if (!cvp_word(ps, w, sizeof w))
		return FAIL(at, "expected a dtype (f32, i64, bool, ...)");
	for (i = 0; i < CV_DTYPE_COUNT && strcmp(w, cv_dtype_name((cv_dtype)i)); i++)
		;
	if (i == CV_DTYPE_COUNT)
		return FAIL(at, "unknown dtype '%s'", w);
	*out = (cv_dtype)i;
	return CV_OK;
}

static cv_status other_attr(parser *ps, node_text *nt, const char *key, const char *at)
{
	cv_attrs *a = &nt->attrs;

	switch (cv_op_attrs_kind(nt->op)) {
	case CV_ATTRS_BN:
		if (!strcmp(key, "epsilon"))
			return cvp_parse_f32(ps, &a->bn_eps);
		break;
	case CV_ATTRS_PERM:
		if (!strcmp(key, "perm"))
			return attr_ints(ps, key, a->perm, nt->rank, 0, CV_MAX_RANK - 1);
		break;
	case CV_ATTRS_AXIS:
		if (!strcmp(key, "axis"))
			return attr_int(ps, key, &a->axis, 0, INT_LIMIT);
		break;
	case CV_ATTRS_SOFTMAX:
		if (!strcmp(key, "axis"))
			return attr_int(ps, key, &a->softmax.axis, 0, INT_LIMIT);
		if (!strcmp(key, "flatten"))
			return attr_flag(ps, key, &a->softmax.flatten);
		break;
	case CV_ATTRS_LRN:
		if (!strcmp(key, "size"))
			return attr_int(ps, key, &a->lrn.size, 1, INT_LIMIT);
		if (!strcmp(key, "alpha"))
			return cvp_parse_f32(ps, &a->lrn.alpha);
		if (!strcmp(key, "beta"))
			return cvp_parse_f32(ps, &a->lrn.beta);
		if (!strcmp(key, "bias"))
			return cvp_parse_f32(ps, &a->lrn.bias);
		break;
	case CV_ATTRS_NORM:
		if (!strcmp(key, "axis"))
			return attr_int(ps, key, &a->norm.axis, 0, INT_LIMIT);
		if (!strcmp(key, "epsilon"))
			return cvp_parse_f32(ps, &a->norm.epsilon);
		break;
	case CV_ATTRS_CAST:
		if (!strcmp(key, "to"))
			return dtype_attr(ps, &a->cast_to);
		break;
	case CV_ATTRS_ARG:
		if (!strcmp(key, "axis"))
			return attr_int(ps, key, &a->arg.axis, 0, INT_LIMIT);
		if (!strcmp(key, "keepdims"))
			return attr_flag(ps, key, &a->arg.keepdims);
		if (!strcmp(key, "select_last"))
			return attr_flag(ps, key, &a->arg.select_last);
		break;
	case CV_ATTRS_RESHARD:
		if (!strcmp(key, "from"))
			return cvp_parse_placement(ps, &a->reshard.from);
		if (!strcmp(key, "to"))
			return cvp_parse_placement(ps, &a->reshard.to);
		break;
	default:
		break;
	}
	return unknown_attr(ps, nt, key, at);
}

static cv_status parse_attr(parser *ps, node_text *nt, const char *key, const char *at)
{
	switch (cv_op_attrs_kind(nt->op)) {
	case CV_ATTRS_CONV: return conv_attr(ps, nt, key, at);
	case CV_ATTRS_CONV3D: return conv3d_attr(ps, nt, key, at);
	case CV_ATTRS_ACT: return act_attr(ps, nt, key, at);
	case CV_ATTRS_POOL: return pool_attr(ps, nt, key, at);
	case CV_ATTRS_REDUCE: return reduce_attr(ps, nt, key, at);
	case CV_ATTRS_GEMM: return gemm_attr(ps, nt, key, at);
	case CV_ATTRS_SLICE: return slice_attr(ps, nt, key, at);
	case CV_ATTRS_PAD: return pad_attr(ps, nt, key, at);
	case CV_ATTRS_RESIZE: return resize_attr(ps, nt, key, at);
	case CV_ATTRS_NONE:
	case CV_ATTRS_BN:
	case CV_ATTRS_PERM:
	case CV_ATTRS_AXIS:
	case CV_ATTRS_SOFTMAX:
	case CV_ATTRS_RESHARD:
	case CV_ATTRS_NORM:
	case CV_ATTRS_CAST:
	case CV_ATTRS_ARG:
	case CV_ATTRS_LRN: return other_attr(ps, nt, key, at);
	}
	return unknown_attr(ps, nt, key, at);
}

/* The values of attributes left out (docs/ir.md lists them; ONNX's defaults). */
static void attrs_defaults(node_text *nt)
{
	cv_attrs *a = &nt->attrs;
	int k;

	memset(a, 0, sizeof *a);
	switch (cv_op_attrs_kind(nt->op)) {
	case CV_ATTRS_CONV:
		a->conv.strides[0] = a->conv.strides[1] = 1;
		a->conv.dilations[0] = a->conv.dilations[1] = 1;
		a->conv.group = 1;
		break;
	case CV_ATTRS_CONV3D:
		for (k = 0; k < 3; k++)
			a->conv3d.strides[k] = a->conv3d.dilations[k] = 1;
		a->conv3d.group = 1;
		break;
	case CV_ATTRS_BN: a->bn_eps = 1e-5f; break;
	case CV_ATTRS_NORM: a->norm.epsilon = 1e-5f; break;
	case CV_ATTRS_LRN: /* ONNX LRN's defaults */
		a->lrn.alpha = 1e-4f;
		a->lrn.beta = 0.75f;
		a->lrn.bias = 1.0f;
		break;
	case CV_ATTRS_ACT:
		a->act.kind = cv_op_act_kind(nt->op);
		if (nt->op == CV_OP_CLIP) {
			a->act.a = -FLT_MAX;
			a->act.b = FLT_MAX;
		} else if (nt->op == CV_OP_LEAKY_RELU) {
			a->act.a = 0.01f;
		} else if (nt->op == CV_OP_HARD_SIGMOID) {
			a->act.a = 0.2f;
			a->act.b = 0.5f;
		} else if (nt->op == CV_OP_ELU) {
			a->act.a = 1.0f;
		} else if (nt->op == CV_OP_SELU) {
			/* ONNX Selu's defaults (Klambauer et al., 2017, to float) */
			a->act.a = 1.67326319217681884765625f;
			a->act.b = 1.05070102214813232421875f;
		}
		break;
	case CV_ATTRS_POOL:
		a->pool.strides[0] = a->pool.strides[1] = 1;
		a->pool.dilations[0] = a->pool.dilations[1] = 1;
		break;
	case CV_ATTRS_REDUCE: a->reduce.keepdims = 1; break;
	case CV_ATTRS_ARG: a->arg.keepdims = 1; break; /* ONNX ArgMax's default */
	case CV_ATTRS_GEMM: a->gemm.alpha = a->gemm.beta = 1; break;
	case CV_ATTRS_SLICE:
		for (k = 0; k < nt->rank; k++)
			a->slice.steps[k] = 1;
		break;
	default: break;
	}
}

static const char *required_attr(cv_attrs_kind kind, int i)
{
	static const char *const pool[] = {"kind", "kernel", NULL};
	static const char *const reduce[] = {"axes", NULL};
	static const char *const perm[] = {"perm", NULL};
	static const char *const axis[] = {"axis", NULL};
	static const char *const slice[] = {"starts", "ends", NULL};
	static const char *const pad[] = {"pads", NULL};
	static const char *const resize[] = {"scales", "sizes", NULL};
	static const char *const reshard[] = {"from", "to", NULL};
	static const char *const lrn[] = {"size", NULL};
	static const char *const cast[] = {"to", NULL};
	const char *const *list = NULL;

	switch (kind) {
	case CV_ATTRS_POOL: list = pool; break;
	case CV_ATTRS_REDUCE: list = reduce; break;
	case CV_ATTRS_PERM: list = perm; break;
	case CV_ATTRS_AXIS:
	case CV_ATTRS_SOFTMAX:
	case CV_ATTRS_NORM: list = axis; break;
	case CV_ATTRS_SLICE: list = slice; break;
	case CV_ATTRS_PAD: list = pad; break;
	case CV_ATTRS_RESIZE: list = resize; break;
	case CV_ATTRS_RESHARD: list = reshard; break;
	case CV_ATTRS_LRN: list = lrn; break;
	case CV_ATTRS_CAST: list = cast; break;
	case CV_ATTRS_ARG: list = axis; break;
	default: return NULL;
	}
	return list[i];
}

static cv_status check_required(parser *ps, const node_text *nt, char (*seen)[32], int nseen)
{
	const char *key;
	int i, j;

	for (i = 0; (key = required_attr(cv_op_attrs_kind(nt->op), i)); i++) {
		for (j = 0; j < nseen && strcmp(seen[j], key); j++)
			;
		if (j == nseen)
			return FAIL(nt->op_at, "%s needs attribute '%s'", cv_op_name(nt->op), key);
	}
	return CV_OK;
}

/* {key=value, ...}, optional; keys in any order, each at most once. */
cv_status cvp_parse_node_attrs(parser *ps, node_text *nt)
{
	char seen[MAX_KEYS][32];
	int nseen = 0, i;
	cv_status st;

	attrs_defaults(nt);
	if (!accept(ps, '{'))
		return check_required(ps, nt, seen, 0);
	if (!accept(ps, '}')) {
		do {
			const char *at;
			skip_ws(ps);
			at = ps->p;
			if (!cvp_word(ps, seen[nseen], sizeof seen[nseen]))
				return FAIL(at, "expected an attribute name");
			for (i = 0; i < nseen && strcmp(seen[i], seen[nseen]); i++)
				;
			if (i < nseen)
				return FAIL(at, "attribute '%s' is given twice", seen[i]);
			if ((st = cvp_expect(ps, '=')) ||
			    (st = parse_attr(ps, nt, seen[nseen], at)))
				return st;
			if (++nseen == MAX_KEYS)
				return FAIL(at, "too many attributes");
		} while (accept(ps, ','));
		if ((st = cvp_expect(ps, '}')))
			return st;
	}
	return check_required(ps, nt, seen, nseen);
}
