/*
 * emit_nodes.c - one cvrt call per IR node.
 *
 * Shapes are resolved here, at compile time: broadcast strides, transpose
 * and slice strides, concat offsets (and the row stride of a conv writing
 * its concat slice in place); the kernels only see numbers. Constant
 * NHWC conv weights and gemm B are passed in weight panels (cvrt.h), which
 * emit_c.c writes; a non-constant NHWC conv weight is packed into the
 * scratch buffer at run time, in front of the conv's own workspace. NHWC
 * conv_transpose2d weights likewise, in their own packing.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "backends/c/emit_internal.h"
#include "backends/c/runtime/cvrt.h"

#define P(v) emit_ptr(e, (v))

/* A C float literal for x: "0.5f", "1.0f", "3.40282347e+38f"; +-inf and NaN
 * become +-FLT_MAX and 0 (never produced by a verified graph's attrs). */
static const char *flit(emitter *e, float x)
{
	char *buf = e->fbuf[e->fi++ % 8];

	if (x != x)
		x = 0;
	if (isinf(x))
		x = x > 0 ? FLT_MAX : -FLT_MAX;
	snprintf(buf, sizeof e->fbuf[0], "%.9g", x);
	if (!strpbrk(buf, ".e"))
		strcat(buf, ".0");
	strcat(buf, "f");
	return buf;
}

static const char *act_enum(cv_act_kind k)
{
	static const char *const names[] = {
		"CVRT_ACT_NONE",    "CVRT_ACT_RELU",         "CVRT_ACT_CLIP",       "CVRT_ACT_LEAKY_RELU",
		"CVRT_ACT_SIGMOID", "CVRT_ACT_HARD_SIGMOID", "CVRT_ACT_HARD_SWISH", "CVRT_ACT_SILU",
		"CVRT_ACT_TANH",    "CVRT_ACT_GELU",         "CVRT_ACT_GELU_TANH",  "CVRT_ACT_ERF",
		"CVRT_ACT_EXP",     "CVRT_ACT_LOG",          "CVRT_ACT_SOFTPLUS",   "CVRT_ACT_ELU",
		"CVRT_ACT_SELU",    "CVRT_ACT_MISH",
	};
	_Static_assert(sizeof names / sizeof names[0] == CV_ACT_KIND_COUNT, "one name per cv_act_kind");
	return names[k];
}

static void put_act(emitter *e, FILE *f, const cv_act *a)
{
	fprintf(f, "{%s, %s, %s}", act_enum(a->kind), flit(e, a->a), flit(e, a->b));
}

/* The activation a unary, binary or gemm node applies into *a (a unary
 * activation op's kind comes from its op, cv_op_act_kind); 0 for others. */
static int node_act(const cv_node *n, cv_act *a)
{
	if (cv_node_is_typed(n)) /* the typed kernels take no epilogue */
		return 0;
	switch (n->op) {
	case CV_OP_ADD: case CV_OP_SUB: case CV_OP_MUL: case CV_OP_DIV:
		*a = n->attrs.act;
		return 1;
	case CV_OP_GEMM:
		*a = n->attrs.gemm.act;
		return 1;
	default:
		if (cv_op_act_kind(n->op) == CV_ACT_NONE)
			return 0;
		*a = n->attrs.act;
		a->kind = cv_op_act_kind(n->op);
		return 1;
	}
}

static int act_index(const emitter *e, const cv_act *a)
{
	int i;

	for (i = 0; i < e->num_acts; i++)
		if (e->acts[i].kind == a->kind && !memcmp(&e->acts[i].a, &a->a, sizeof a->a) &&
		    !memcmp(&e->acts[i].b, &a->b, sizeof a->b))
			return i;
	return -1;
}

/* act_<i> for every distinct activation (up to EMIT_MAX_ACTS). */
static void emit_acts(emitter *e, FILE *f)
{
	const cv_node *n;
	cv_act a;

	e->num_acts = 0;
	cv_graph_for_each_node(&e->m->graph, n) {
		if (!node_act(n, &a) || act_index(e, &a) >= 0 || e->num_acts == EMIT_MAX_ACTS)
			continue;
		fprintf(f, "static const cvrt_act act_%d = ", e->num_acts);
		put_act(e, f, &a);
		fputs(";\n", f);
		e->acts[e->num_acts++] = a;
	}
}

/* Open a node's block and name its activation: "act_<i>", or a static
 * "act" in the block when the table is full. */
static const char *open_act(emitter *e, FILE *f, const cv_act *a)
{
	char *buf = e->fbuf[e->fi++ % 8];
	int i = act_index(e, a);

	fputs("\t{\n", f);
	if (i < 0) {
		fputs("\t\tstatic const cvrt_act act = ", f);
		put_act(e, f, a);
		fputs(";\n", f);
		return "act";
	}
	snprintf(buf, sizeof e->fbuf[0], "act_%d", i);
	return buf;
}

void emit_i64s(FILE *f, const char *name, const int64_t *v, int n)
{
	int k;

	fprintf(f, "\t\tstatic const int64_t %s[] = {", name);
	for (k = 0; k < n; k++)
		fprintf(f, "%s%" PRId64, k ? ", " : "", v[k]);
	fprintf(f, "%s};\n", n ? "" : "0");
}

/* Dense C-order strides of t, in elements. */
static void strides_of(const cv_type *t, int64_t *s)
{
	int64_t acc = 1;
	int k;

	for (k = t->rank - 1; k >= 0; k--) {
		s[k] = acc;
		acc *= t->dims[k];
	}
}

static int64_t prod(const int64_t *d, int from, int to)
{
	int64_t p = 1;

	for (; from < to; from++)
		p *= d[from];
	return p;
}

static int is_nhwc(const cv_value *v)
{
	return v->type.layout == CV_LAYOUT_NHWC;
}

/* conv2d running cvrt_conv2d_nhwc, which takes its weight in panels. */
static int is_conv_nhwc(const cv_node *n)
{
	return n->op == CV_OP_CONV2D && is_nhwc(n->inputs[0]);
}

/* conv2d with an in_scale operand (ops.def): cvrt_conv2d_nhwc_scaled. */
static int has_in_scale(const cv_node *n)
{
	return n->op == CV_OP_CONV2D && n->num_inputs > CV_CONV_IN_SCALE && n->inputs[CV_CONV_IN_SCALE];
}

/* conv_transpose2d running cvrt_conv_transpose2d_nhwc (packed weight). */
static int is_convt_nhwc(const cv_node *n)
{
	return n->op == CV_OP_CONV_TRANSPOSE2D && is_nhwc(n->inputs[0]);
}

/* The enum cvrt_conv_algo an NHWC conv runs with. */
static int conv_algo(const cv_node *n)
{
	if (!is_conv_nhwc(n))
		return CVRT_CONV_DIRECT;
	switch (n->attrs.conv.algo) {
	case CV_CONV_ALGO_WINOGRAD2:
		return CVRT_CONV_WINOGRAD2;
	case CV_CONV_ALGO_WINOGRAD4:
		return CVRT_CONV_WINOGRAD4;
	default:
		return CVRT_CONV_DIRECT;
	}
}

/*
 * A MatMul by a constant [K, N] matrix (a Linear layer on data of any rank,
 * ConvNeXt's pointwise layers): A's rows, batch dims included, are one
 * [M, K] matrix, so it runs as one GEMM with B packed in weight panels at
 * compile time instead of one unpacked product per batch index (56 of
 * [56, 96] x [96, 384] in convnext_tiny's first stage).
 */
static int matmul_as_gemm(const cv_node *n)
{
	const cv_value *b = n->op == CV_OP_MATMUL ? n->inputs[1] : NULL;
	const cv_type *a = b ? &n->inputs[0]->type : NULL;

	return b && b->kind == CV_VALUE_CONST && b->type.rank == 2 && a->rank >= 1 &&
	       b->type.dims[0] > 0 && cv_type_numel(a) / b->type.dims[0] <= INT32_MAX &&
	       b->type.dims[1] <= INT32_MAX && b->type.dims[0] <= INT32_MAX;
}

int emit_weight_form(const cv_node *n, int operand)
{
	if (operand == 1 && conv_algo(n) == CVRT_CONV_WINOGRAD2)
		return W_WINOGRAD2;
	if (operand == 1 && conv_algo(n) == CVRT_CONV_WINOGRAD4)
		return W_WINOGRAD4;
	if (operand == 1 && is_conv_nhwc(n))
		return (int)n->attrs.conv.group;
	if (operand == 1 && is_convt_nhwc(n))
		return W_CONVT(n->attrs.conv.group);
	if (operand == 1 && n->op == CV_OP_GEMM)
		return n->attrs.gemm.trans_b ? W_GEMM_NK : W_GEMM_KN;
	if (operand == 1 && matmul_as_gemm(n))
		return W_GEMM_KN;
	return W_PLAIN;
}

wpack emit_weight_pack(const cv_value *v, int form)
{
	const int64_t *d = v->type.dims;
	wpack pk = {1, 0, 0, 0, 1, 0};

	if (W_CONVT_GROUPS(form) > 0) { /* iohw [c, m/g, kh, kw]: g*kh matrices [c/g, kw*m/g] */
		pk.groups = W_CONVT_GROUPS(form) * d[2];
		pk.k = d[0] / W_CONVT_GROUPS(form);
		pk.n = d[3] * d[1];
	} else if (form == W_WINOGRAD2 || form == W_WINOGRAD4) { /* 16 or 36 matrices [c, m] */
		pk.groups = form == W_WINOGRAD2 ? 16 : 36;
		pk.k = d[2];
		pk.n = d[3];
	} else if (form == W_GEMM_KN) {
		pk.k = d[0], pk.n = d[1], pk.rs = d[1];
	} else if (form == W_GEMM_NK) {
		pk.k = d[1], pk.n = d[0], pk.rs = 1, pk.cs = d[1];
	} else { /* HWIO [kh, kw, c/g, m], g = form groups of m/g columns */
		pk.groups = form;
		pk.k = d[0] * d[1] * d[2];
		pk.n = d[3] / form;
		pk.rs = d[3];
		pk.gcol = pk.n;
	}
	return pk;
}

cv_status emit_check(emitter *e)
{
	const cv_node *n;

	cv_graph_for_each_node(&e->m->graph, n) {
		if (n->op == CV_OP_BATCHNORM && is_nhwc(n->inputs[0]))
			return cv_diag_error(e->d, CV_ERR_UNSUPPORTED, "%s '%s': the C backend runs it in nchw only",
					     cv_op_name(n->op), n->name);
		if (n->op == CV_OP_CONV2D && cv_conv_algo_tile(n->attrs.conv.algo) && !is_conv_nhwc(n))
			return cv_diag_error(e->d, CV_ERR_UNSUPPORTED,
					     "conv2d '%s': the C backend runs algo=%s in nhwc only", n->name,
					     cv_conv_algo_names[n->attrs.conv.algo]);
		if (is_conv_nhwc(n) && n->inputs[1]->type.layout != CV_LAYOUT_HWIO)
			return cv_diag_error(e->d, CV_ERR_UNSUPPORTED,
					     "conv2d '%s': an nhwc conv needs an hwio weight in the C backend, not %s",
					     n->name, cv_layout_name(n->inputs[1]->type.layout));
		if (has_in_scale(n) && (!is_conv_nhwc(n) || n->inputs[1]->kind != CV_VALUE_CONST ||
					n->attrs.conv.group != 1))
			return cv_diag_error(e->d, CV_ERR_UNSUPPORTED,
					     "conv2d '%s': the C backend runs an in_scale operand only on an nhwc "
					     "conv with a constant weight and one group", n->name);
		if (is_convt_nhwc(n) && n->inputs[1]->type.layout != CV_LAYOUT_IOHW)
			return cv_diag_error(e->d, CV_ERR_UNSUPPORTED,
					     "conv_transpose2d '%s': needs an iohw weight in the C backend, not %s",
					     n->name, cv_layout_name(n->inputs[1]->type.layout));
		if (cv_node_is_typed(n) && !emit_typed_supports(n))
			return cv_diag_error(e->d, CV_ERR_UNSUPPORTED,
					     "%s '%s': the C backend computes this op in float32 only, not %s",
					     cv_op_name(n->op), n->name, cv_dtype_name(n->inputs[0]->type.dtype));
	}
	/* A graph output that is a constant is copied out of the weights
	 * (model_run; emit_c.c's io tables). */
	return CV_OK;
}

/* ---- conv: parameters at file scope (the workspace depends on them) ---- */

/* "a, b, c, " */
static void put_i64s_list(FILE *f, const int64_t *v, int n)
{
	int k;

	for (k = 0; k < n; k++)
		fprintf(f, "%" PRId64 ", ", v[k]);
}

static int is_conv(cv_op op)
{
	return op == CV_OP_CONV2D || op == CV_OP_DWCONV2D || op == CV_OP_CONV_TRANSPOSE2D;
}

int emit_threads_of(const emitter *e, const cv_node *n)
{
	int k = cv_placement_cores(&n->place);

	return !e->host_cores || k == 0 || k >= e->host_cores ? 0 : k;
}

int emit_split_of(const emitter *e, const cv_node *n)
{
	if (!e->host_cores)
		return CVRT_SPLIT_AUTO;
	switch (n->place.kind) {
	case CV_SHARD_INTERLEAVED:
	case CV_SHARD_HEIGHT:
		return CVRT_SPLIT_ROWS;
	case CV_SHARD_WIDTH:
		return CVRT_SPLIT_COLS;
	case CV_SHARD_BLOCK:
	case CV_SHARD_NONE:
		break;
	}
	return CVRT_SPLIT_AUTO;
}

/* The ldy of a conv's parameters: the channels of the concat whose slice
 * it writes in place (memplan.c), else 0 (dense). */
static int64_t conv_ldy(emitter *e, const cv_node *n)
{
	const cv_value *y = n->outputs[0];

	if (!is_conv_nhwc(n) || !cv_memplan_in_place(&e->plan, y))
		return 0;
	return y->uses[0].node->outputs[0]->type.dims[3];
}

static void conv_params(emitter *e, FILE *f, const cv_node *n, int id)
{
	const cv_conv_attrs *a = &n->attrs.conv;
	cv_nchw x = cv_type_nchw(&n->inputs[0]->type), y = cv_type_nchw(&n->outputs[0]->type);
	cv_oihw w = cv_type_oihw(&n->inputs[1]->type);
	const char *kind = n->op == CV_OP_CONV_TRANSPOSE2D ? "conv_transpose2d" : "conv2d";

	fprintf(f, "static const cvrt_%s_params conv_%d = {%" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64
		", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64
		", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", ",
		kind, id, x.n, x.c, x.h, x.w, y.c, y.h, y.w, w.kh, w.kw, a->strides[0], a->strides[1],
		a->dilations[0], a->dilations[1], a->pads[0], a->pads[1], a->group);
	put_act(e, f, &a->act);
	if (n->op != CV_OP_CONV_TRANSPOSE2D)
		fprintf(f, ", %d, %" PRId64 ", %d", emit_split_of(e, n), conv_ldy(e, n), conv_algo(n));
	fputs("};\n", f);
}

/* conv3d_<id>: a conv3d's cvrt_conv3d_params. */
static void conv3d_params(emitter *e, FILE *f, const cv_node *n, int id)
{
	const cv_conv3d_attrs *a = &n->attrs.conv3d;
	const int64_t *x = n->inputs[0]->type.dims, *y = n->outputs[0]->type.dims;
	const int64_t *w = n->inputs[1]->type.dims;

	fprintf(f, "static const cvrt_conv3d_params conv3d_%d = {", id);
	fprintf(f, "%" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", ", x[0], x[1], x[2],
		x[3], x[4]);
	fprintf(f, "%" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", ", y[1], y[2], y[3], y[4]);
	fprintf(f, "%" PRId64 ", %" PRId64 ", %" PRId64 ", ", w[2], w[3], w[4]);
	put_i64s_list(f, a->strides, 3);
	put_i64s_list(f, a->dilations, 3);
	put_i64s_list(f, a->pads, 3);
	fprintf(f, "%" PRId64 ", ", a->group);
	put_act(e, f, &a->act);
	fputs("};\n", f);
}

void emit_params(emitter *e, FILE *f)
{
	const cv_node *n;
	int id = 0;

	emit_acts(e, f);
	cv_graph_for_each_node(&e->m->graph, n)
		if (is_conv(n->op))
			conv_params(e, f, n, id++);
	id = 0;
	cv_graph_for_each_node(&e->m->graph, n)
		if (n->op == CV_OP_CONV3D || n->op == CV_OP_CONV_TRANSPOSE3D)
			conv3d_params(e, f, n, id++);
	fputs("\n/* Floats of kernel workspace: the largest any conv asks for. */\n"
	      "static size_t scratch_floats(void)\n{\n\tsize_t most = 0;\n", f);
	id = 0;
	cv_graph_for_each_node(&e->m->graph, n) {
		if (has_in_scale(n))
			fprintf(f, "\tif (cvrt_conv2d_nhwc_scaled_workspace(&conv_%d) > most)\n"
				"\t\tmost = cvrt_conv2d_nhwc_scaled_workspace(&conv_%d);\n", id, id);
		else if (is_conv_nhwc(n) && n->inputs[1]->kind != CV_VALUE_CONST)
			fprintf(f, "\tif (cvrt_conv2d_nhwc_packed_floats(&conv_%d) + cvrt_conv2d_nhwc_workspace(&conv_%d) > most)\n"
				"\t\tmost = cvrt_conv2d_nhwc_packed_floats(&conv_%d) + cvrt_conv2d_nhwc_workspace(&conv_%d);\n",
				id, id, id, id);
		else if (is_convt_nhwc(n) && n->inputs[1]->kind != CV_VALUE_CONST)
			fprintf(f, "\tif (cvrt_conv_transpose2d_packed_floats(conv_%d.c, conv_%d.m, conv_%d.kh, conv_%d.kw, conv_%d.group)\n"
				"\t    + cvrt_conv_transpose2d_nhwc_workspace(&conv_%d) > most)\n"
				"\t\tmost = cvrt_conv_transpose2d_packed_floats(conv_%d.c, conv_%d.m, conv_%d.kh, conv_%d.kw, conv_%d.group)\n"
				"\t\t       + cvrt_conv_transpose2d_nhwc_workspace(&conv_%d);\n",
				id, id, id, id, id, id, id, id, id, id, id, id);
		else if (is_convt_nhwc(n))
			fprintf(f, "\tif (cvrt_conv_transpose2d_nhwc_workspace(&conv_%d) > most)\n"
				"\t\tmost = cvrt_conv_transpose2d_nhwc_workspace(&conv_%d);\n", id, id);
		else if (n->op == CV_OP_CONV2D) {
			const char *fn = is_nhwc(n->inputs[0]) ? "cvrt_conv2d_nhwc_workspace" : "cvrt_conv2d_workspace";
			fprintf(f, "\tif (%s(&conv_%d) > most)\n\t\tmost = %s(&conv_%d);\n", fn, id, fn, id);
		}
		if (is_conv(n->op))
			id++;
	}
	id = 0;
	cv_graph_for_each_node(&e->m->graph, n)
		if (n->op == CV_OP_CONV3D || n->op == CV_OP_CONV_TRANSPOSE3D) {
			const char *fn = n->op == CV_OP_CONV3D ? "cvrt_conv3d_workspace"
							      : "cvrt_conv_transpose3d_workspace";
			fprintf(f, "\tif (%s(&conv3d_%d) > most)\n\t\tmost = %s(&conv3d_%d);\n", fn, id,
				fn, id);
			id++;
		}
	fputs("\treturn most;\n}\n\n", f);
}

/* ---- one function per op family ---- */

/* conv3d (NCDHW x OIDHW) and conv_transpose3d (NCDHW x IODHW), in the
 * kernel's workspace. */
static void emit_conv3d(emitter *e, FILE *f, int id)
{
	const cv_node *n = e->node;
	const char *b = n->num_inputs > 2 && n->inputs[2] ? P(n->inputs[2]) : "NULL";
	const char *fn = n->op == CV_OP_CONV3D ? "cvrt_conv3d" : "cvrt_conv_transpose3d";

	fprintf(f, "\tGUARD_WS(%s_workspace(&conv3d_%d));\n", fn, id);
	fprintf(f, "\t%s(&conv3d_%d, %s, %s, %s, %s, scratch);\n", fn, id, P(n->inputs[0]),
		P(n->inputs[1]), b, P(n->outputs[0]));
}

/* conv2d / dwconv2d (NCHW or NHWC kernel) and conv_transpose2d. */
static void emit_conv(emitter *e, FILE *f, int id)
{
	const cv_node *n = e->node;
	const char *x = P(n->inputs[0]), *w = P(n->inputs[1]);
	const char *b = n->num_inputs > 2 && n->inputs[2] ? P(n->inputs[2]) : "NULL";
	const char *r = n->num_inputs > 3 && n->inputs[3] ? P(n->inputs[3]) : "NULL";
	const char *sfx = is_nhwc(n->inputs[0]) ? "_nhwc" : "";

	if (has_in_scale(n)) {
		/* The packed weight is rescaled per image into the scratch. */
		w = emit_wptr(e, n->inputs[1], emit_weight_form(n, 1));
		fprintf(f, "\tGUARD_WS(cvrt_conv2d_nhwc_scaled_workspace(&conv_%d));\n", id);
		fprintf(f, "\tcvrt_conv2d_nhwc_scaled(&conv_%d, %s, %s, %s, %s, %s, %s, scratch);\n", id, x,
			w, P(n->inputs[CV_CONV_IN_SCALE]), b, r, P(n->outputs[0]));
	} else if (is_conv_nhwc(n) && n->inputs[1]->kind == CV_VALUE_CONST) {
		w = emit_wptr(e, n->inputs[1], emit_weight_form(n, 1));
		fprintf(f, "\tGUARD_WS(cvrt_conv2d_nhwc_workspace(&conv_%d));\n", id);
		fprintf(f, "\tcvrt_conv2d_nhwc(&conv_%d, %s, %s, %s, %s, %s, scratch);\n", id, x, w, b, r,
			P(n->outputs[0]));
	} else if (is_conv_nhwc(n)) {
		/* Run-time weight: its panels go in front of the workspace. */
		fprintf(f, "\tGUARD_WS(cvrt_conv2d_nhwc_packed_floats(&conv_%d) + cvrt_conv2d_nhwc_workspace(&conv_%d));\n",
			id, id);
		fprintf(f, "\tcvrt_pack_conv2d_nhwc(&conv_%d, %s, scratch);\n", id, w);
		fprintf(f, "\tcvrt_conv2d_nhwc(&conv_%d, %s, scratch, %s, %s, %s,\n"
			"\t\t\t scratch + cvrt_conv2d_nhwc_packed_floats(&conv_%d));\n",
			id, x, b, r, P(n->outputs[0]), id);
	} else if (n->op == CV_OP_CONV2D) {
		fprintf(f, "\tGUARD_WS(cvrt_conv2d_workspace(&conv_%d));\n", id);
		fprintf(f, "\tcvrt_conv2d(&conv_%d, %s, %s, %s, %s, %s, scratch);\n", id, x, w, b, r,
			P(n->outputs[0]));
	}
	else if (n->op == CV_OP_DWCONV2D)
		fprintf(f, "\tcvrt_dwconv2d%s(&conv_%d, %s, %s, %s, %s, %s);\n", sfx, id, x, w, b, r,
			P(n->outputs[0]));
	else if (is_convt_nhwc(n) && n->inputs[1]->kind == CV_VALUE_CONST) {
		fprintf(f, "\tGUARD_WS(cvrt_conv_transpose2d_nhwc_workspace(&conv_%d));\n", id);
		fprintf(f, "\tcvrt_conv_transpose2d_nhwc(&conv_%d, %s, %s, %s, %s, scratch);\n", id, x,
			emit_wptr(e, n->inputs[1], emit_weight_form(n, 1)), b, P(n->outputs[0]));
	} else if (is_convt_nhwc(n)) {
		/* Run-time weight: packed in front of the workspace. */
		fprintf(f, "\tGUARD_WS(cvrt_conv_transpose2d_packed_floats(conv_%d.c, conv_%d.m, conv_%d.kh, conv_%d.kw, conv_%d.group)\n"
			"\t\t + cvrt_conv_transpose2d_nhwc_workspace(&conv_%d));\n", id, id, id, id, id, id);
		fprintf(f, "\tcvrt_pack_conv_transpose2d(conv_%d.c, conv_%d.m, conv_%d.kh, conv_%d.kw, conv_%d.group, %s, scratch);\n",
			id, id, id, id, id, w);
		fprintf(f, "\tcvrt_conv_transpose2d_nhwc(&conv_%d, %s, scratch, %s, %s,\n"
			"\t\t\t\t   scratch + cvrt_conv_transpose2d_packed_floats(conv_%d.c, conv_%d.m, conv_%d.kh, conv_%d.kw, conv_%d.group));\n",
			id, x, b, P(n->outputs[0]), id, id, id, id, id);
	} else
		fprintf(f, "\tcvrt_conv_transpose2d(&conv_%d, %s, %s, %s, %s);\n", id, x, w, b, P(n->outputs[0]));
}

static void emit_batchnorm(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	const cv_type *x = &n->inputs[0]->type;

	fprintf(f, "\tcvrt_batchnorm(%" PRId64 ", %" PRId64 ", %" PRId64 ", %s, ", x->dims[0], x->dims[1],
		prod(x->dims, 2, x->rank), P(n->inputs[0]));
	fprintf(f, "%s, %s, ", P(n->inputs[1]), P(n->inputs[2]));
	fprintf(f, "%s, %s, ", P(n->inputs[3]), P(n->inputs[4]));
	fprintf(f, "%s, %s);\n", flit(e, n->attrs.bn_eps), P(n->outputs[0]));
}

static void emit_unary(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	cv_act a;
	const char *act;

	node_act(n, &a);
	act = open_act(e, f, &a);
	fprintf(f, "\t\tcvrt_unary(%" PRId64 ", %s, ", cv_type_numel(&n->outputs[0]->type), P(n->inputs[0]));
	fprintf(f, "%s, %s);\n\t}\n", P(n->outputs[0]), act);
}

/* Strides of operand t broadcast to out (0 on broadcast dims). */
void emit_bcast_strides(const cv_type *t, const cv_type *out, int64_t *s)
{
	int64_t dense[CV_MAX_RANK];
	int k, off = out->rank - t->rank;

	strides_of(t, dense);
	for (k = 0; k < out->rank; k++)
		s[k] = k < off || t->dims[k - off] == 1 ? 0 : dense[k - off];
}

static void emit_binary(emitter *e, FILE *f)
{
	static const char *const ops[] = {"CVRT_ADD", "CVRT_SUB", "CVRT_MUL", "CVRT_DIV"};
	static const cv_act none = {CV_ACT_NONE, 0, 0};
	const cv_node *n = e->node;
	const char *op = n->op == CV_OP_MAX ? "CVRT_MAX" : n->op == CV_OP_MIN ? "CVRT_MIN"
			 : n->op == CV_OP_POW ? "CVRT_POW"
			 : n->op == CV_OP_PRELU ? "CVRT_PRELU" : ops[n->op - CV_OP_ADD];
	const cv_type *y = &n->outputs[0]->type;
	int64_t sa[CV_MAX_RANK], sb[CV_MAX_RANK];
	int rank = y->rank ? y->rank : 1;
	int64_t one = 1;
	const char *act;

	emit_bcast_strides(&n->inputs[0]->type, y, sa);
	emit_bcast_strides(&n->inputs[1]->type, y, sb);
	if (!y->rank)
		sa[0] = sb[0] = 0;
	act = open_act(e, f, n->op == CV_OP_PRELU ? &none : &n->attrs.act);
	emit_i64s(f, "dims", y->rank ? y->dims : &one, rank);
	emit_i64s(f, "sa", sa, rank);
	emit_i64s(f, "sb", sb, rank);
	fprintf(f, "\t\tcvrt_binary(%s, %d, dims, %s, sa, ", op, rank, P(n->inputs[0]));
	fprintf(f, "%s, sb, %s, %s);\n\t}\n", P(n->inputs[1]), P(n->outputs[0]), act);
}

static void emit_pool(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	const cv_pool_attrs *a = &n->attrs.pool;
	cv_nchw x = cv_type_nchw(&n->inputs[0]->type), y = cv_type_nchw(&n->outputs[0]->type);

	fprintf(f, "\t{\n\t\tstatic const cvrt_pool2d_params p = {%" PRId64 ", %" PRId64 ", %" PRId64
		", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64
		", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %d};\n",
		x.n, x.c, x.h, x.w, y.h, y.w, a->kernel[0],
		a->kernel[1], a->strides[0], a->strides[1], a->dilations[0], a->dilations[1], a->pads[0],
		a->pads[1], a->pads[2], a->pads[3], a->count_include_pad);
	fprintf(f, "\t\tcvrt_%spool2d%s(&p, %s, ", a->kind == CV_POOL_MAX ? "max" : "avg",
		is_nhwc(n->inputs[0]) ? "_nhwc" : "", P(n->inputs[0]));
	fprintf(f, "%s);\n\t}\n", P(n->outputs[0]));
}

static const char *reduce_enum(cv_op op)
{
	switch (op) {
	case CV_OP_REDUCE_SUM: return "CVRT_REDUCE_SUM";
	case CV_OP_REDUCE_MAX: return "CVRT_REDUCE_MAX";
	case CV_OP_REDUCE_MIN: return "CVRT_REDUCE_MIN";
	case CV_OP_REDUCE_L2: return "CVRT_REDUCE_L2";
	default: return "CVRT_REDUCE_MEAN";
	}
}

static void emit_reduce(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	const cv_type *x = &n->inputs[0]->type;
	int64_t one = 1;
	int k;

	fputs("\t{\n", f);
	emit_i64s(f, "dims", x->rank ? x->dims : &one, x->rank ? x->rank : 1);
	fputs("\t\tstatic const int red[] = {", f);
	for (k = 0; k < (x->rank ? x->rank : 1); k++)
		fprintf(f, "%s%d", k ? ", " : "", (n->attrs.reduce.axes >> k) & 1);
	fprintf(f, "};\n\t\tcvrt_reduce(%s, %d, dims, red, %s, ", reduce_enum(n->op),
		x->rank ? x->rank : 1, P(n->inputs[0]));
	fprintf(f, "%s);\n\t}\n", P(n->outputs[0]));
}

static void emit_gemm(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	const cv_gemm_attrs *a = &n->attrs.gemm;
	const cv_type *y = &n->outputs[0]->type, *ta = &n->inputs[0]->type;
	const cv_value *c = n->num_inputs > 2 ? n->inputs[2] : NULL, *b = n->inputs[1];
	int64_t sm = 0, sn = 0, k = a->trans_a ? ta->dims[0] : ta->dims[1];
	const char *bp = P(b), *bform = a->trans_b ? "CVRT_B_NK" : "CVRT_B_KN", *act;

	if (c && c->type.rank == 2) {
		sm = c->type.dims[0] == 1 ? 0 : c->type.dims[1];
		sn = c->type.dims[1] == 1 ? 0 : 1;
	} else if (c && c->type.rank == 1) {
		sn = c->type.dims[0] == 1 ? 0 : 1;
	}
	act = open_act(e, f, &a->act);
	fprintf(f, "\t\tcvrt_gemm(%" PRId64 ", %" PRId64 ", %" PRId64 ", %s, %d, ", y->dims[0], y->dims[1], k,
		P(n->inputs[0]), a->trans_a);
	if (b->kind == CV_VALUE_CONST) { /* packed at compile time */
		bp = emit_wptr(e, b, emit_weight_form(n, 1));
		bform = "CVRT_B_PANELS";
	}
	fprintf(f, "%s, %s, %s, %s, %" PRId64 ", %" PRId64 ", %s, ", bp, bform,
		flit(e, a->alpha), c ? P(c) : "NULL", sm, sn, flit(e, a->beta));
	fprintf(f, "%s, %s);\n\t}\n", P(n->outputs[0]), act);
}

/* MatMul: 1-D operands promoted ([K] -> [1,K] for A, [K,1] for B), batch
 * dims broadcast with 0 strides. */
static void emit_matmul(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	const cv_type *a = &n->inputs[0]->type, *b = &n->inputs[1]->type;
	int64_t m = a->rank > 1 ? a->dims[a->rank - 2] : 1, k = a->dims[a->rank - 1];
	int64_t nn = b->rank > 1 ? b->dims[b->rank - 1] : 1;
	int ab = a->rank > 2 ? a->rank - 2 : 0, bb = b->rank > 2 ? b->rank - 2 : 0;
	int nb = ab > bb ? ab : bb, i;
	int64_t bd[CV_MAX_RANK], sa[CV_MAX_RANK], sb[CV_MAX_RANK], acc_a = m * k, acc_b = k * nn;

	if (matmul_as_gemm(n)) {
		fprintf(f, "\tcvrt_gemm(%" PRId64 ", %" PRId64 ", %" PRId64 ", %s, 0, ",
			cv_type_numel(a) / k, nn, k, P(n->inputs[0]));
		fprintf(f, "%s, CVRT_B_PANELS, 1.0f, NULL, 0, 0, 0.0f, ",
			emit_wptr(e, n->inputs[1], emit_weight_form(n, 1)));
		fprintf(f, "%s, (cvrt_act){CVRT_ACT_NONE, 0.0f, 0.0f});\n", P(n->outputs[0]));
		return;
	}
	for (i = nb - 1; i >= 0; i--) {
		int ia = i - (nb - ab), ib = i - (nb - bb);
		int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
		bd[i] = da > db ? da : db;
		sa[i] = da == 1 ? 0 : acc_a;
		sb[i] = db == 1 ? 0 : acc_b;
		acc_a *= da;
		acc_b *= db;
	}
	fputs("\t{\n", f);
	emit_i64s(f, "bd", bd, nb);
	emit_i64s(f, "sa", sa, nb);
	emit_i64s(f, "sb", sb, nb);
	fprintf(f, "\t\tcvrt_matmul(%d, bd, sa, sb, %" PRId64 ", %" PRId64 ", %" PRId64 ", %s, ", nb, m, nn, k,
		P(n->inputs[0]));
	fprintf(f, "%s, %s);\n\t}\n", P(n->inputs[1]), P(n->outputs[0]));
}

/* y = x read at `base` elements with per-dim strides s (dims of y). */
static void strided(emitter *e, FILE *f, const cv_value *x, int64_t base, const int64_t *s,
		    const cv_value *y)
{
	const cv_type *t = &y->type;
	int64_t one = 1, zero = 0;

	fputs("\t{\n", f);
	emit_i64s(f, "dims", t->rank ? t->dims : &one, t->rank ? t->rank : 1);
	emit_i64s(f, "st", t->rank ? s : &zero, t->rank ? t->rank : 1);
	if (t->dtype != CV_F32)
		fprintf(f, "\t\tcvrt_strided_copy_x(%zu, %d, dims, %s + %" PRId64 ", st, ",
			cv_dtype_size(t->dtype), t->rank ? t->rank : 1, P(x), base);
	else
		fprintf(f, "\t\tcvrt_strided_copy(%d, dims, %s + %" PRId64 ", st, ", t->rank ? t->rank : 1, P(x),
			base);
	fprintf(f, "%s);\n\t}\n", P(y));
}

static void emit_transpose(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	int64_t dense[CV_MAX_RANK], s[CV_MAX_RANK];
	int k;

	strides_of(&n->inputs[0]->type, dense);
	for (k = 0; k < n->outputs[0]->type.rank; k++)
		s[k] = dense[n->attrs.perm[k]];
	strided(e, f, n->inputs[0], 0, s, n->outputs[0]);
}

/* expand: a strided copy whose broadcast dims have stride 0. */
static void emit_expand(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	const cv_type *x = &n->inputs[0]->type, *y = &n->outputs[0]->type;
	int64_t dense[CV_MAX_RANK], s[CV_MAX_RANK];
	int k, lead = y->rank - x->rank;

	strides_of(x, dense);
	for (k = 0; k < y->rank; k++)
		s[k] = k < lead || x->dims[k - lead] == 1 ? 0 : dense[k - lead];
	strided(e, f, n->inputs[0], 0, s, n->outputs[0]);
}

static void emit_slice(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	int64_t dense[CV_MAX_RANK], s[CV_MAX_RANK], base = 0;
	int k;

	strides_of(&n->inputs[0]->type, dense);
	for (k = 0; k < n->inputs[0]->type.rank; k++) {
		base += n->attrs.slice.starts[k] * dense[k];
		s[k] = n->attrs.slice.steps[k] * dense[k];
	}
	strided(e, f, n->inputs[0], base, s, n->outputs[0]);
}

static void emit_split(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	int64_t dense[CV_MAX_RANK], start = 0;
	int i;

	strides_of(&n->inputs[0]->type, dense);
	for (i = 0; i < n->num_outputs; i++) {
		strided(e, f, n->inputs[0], start * dense[n->attrs.axis], dense, n->outputs[i]);
		start += n->outputs[i]->type.dims[n->attrs.axis];
	}
}

/* One row copy per operand, except those memplan.c placed in their slice
 * ("Concat in place"), which their producers wrote already. */
static void emit_concat(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	const cv_type *y = &n->outputs[0]->type;
	int64_t axis = n->attrs.axis, outer = prod(y->dims, 0, (int)axis), inner = prod(y->dims, (int)axis + 1, y->rank);
	int64_t off = 0;
	int i;

	for (i = 0; i < n->num_inputs; i++) {
		int64_t row = n->inputs[i]->type.dims[axis] * inner;
		if (cv_memplan_in_place(&e->plan, n->inputs[i])) {
			/* Its producer wrote it into its slice already. */
			fprintf(f, "\t/* operand %d: written in place */\n", i);
			off += row;
			continue;
		}
		if (y->dtype != CV_F32)
			fprintf(f, "\tcvrt_copy_rows_x(%zu, %" PRId64 ", %" PRId64 ", %s, ", cv_dtype_size(y->dtype),
				outer, row, P(n->inputs[i]));
		else
			fprintf(f, "\tcvrt_copy_rows(%" PRId64 ", %" PRId64 ", %s, ", outer, row, P(n->inputs[i]));
		fprintf(f, "%s + %" PRId64 ", %" PRId64 ");\n", P(n->outputs[0]), off, y->dims[axis] * inner);
		off += row;
	}
}

static void emit_pad(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	const cv_type *x = &n->inputs[0]->type;

	fputs("\t{\n", f);
	emit_i64s(f, "in", x->dims, x->rank);
	emit_i64s(f, "out", n->outputs[0]->type.dims, x->rank);
	emit_i64s(f, "begin", n->attrs.pad.pads, x->rank);
	if (x->dtype != CV_F32)
		fprintf(f, "\t\tcvrt_pad_x(%d, %d, in, out, begin, %d, %.17g, %s, ", (int)x->dtype, x->rank,
			(int)n->attrs.pad.mode, (double)n->attrs.pad.value, P(n->inputs[0]));
	else
		fprintf(f, "\t\tcvrt_pad(%d, in, out, begin, %d, %s, %s, ", x->rank, (int)n->attrs.pad.mode,
			flit(e, n->attrs.pad.value), P(n->inputs[0]));
	fprintf(f, "%s);\n\t}\n", P(n->outputs[0]));
}

static void emit_resize(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	const cv_resize_attrs *a = &n->attrs.resize;
	const cv_type *x = &n->inputs[0]->type;

	int nhwc = is_nhwc(n->inputs[0]);
	/* NHWC: planes are images and channels are passed apart */
	int64_t planes = nhwc ? x->dims[0] : prod(x->dims, 0, x->rank - 2);
	int64_t h = x->dims[nhwc ? 1 : x->rank - 2], w = x->dims[nhwc ? 2 : x->rank - 1];

	fprintf(f, "\t{\n\t\tstatic const cvrt_resize2d_params p = {%" PRId64 ", %" PRId64 ", %" PRId64
		", %" PRId64 ", %" PRId64 ", %s, %s, %d, %d, %d",
		planes, h, w, a->sizes[0], a->sizes[1], flit(e, a->scales[0]), flit(e, a->scales[1]),
		(int)a->mode, (int)a->coord, (int)a->nearest);
	fprintf(f, ", %s, %d, ", flit(e, a->cubic_a), a->exclude_outside);
	fprintf(f, "{%s, ", flit(e, a->roi[0]));
	fprintf(f, "%s, ", flit(e, a->roi[1]));
	fprintf(f, "%s, ", flit(e, a->roi[2]));
	fprintf(f, "%s}, ", flit(e, a->roi[3]));
	fprintf(f, "%s};\n", flit(e, a->extrapolation));
	if (nhwc)
		fprintf(f, "\t\tcvrt_resize2d_nhwc(&p, %" PRId64 ", %s, ", x->dims[3], P(n->inputs[0]));
	else
		fprintf(f, "\t\tcvrt_resize2d(&p, %s, ", P(n->inputs[0]));
	fprintf(f, "%s);\n\t}\n", P(n->outputs[0]));
}

static void emit_softmax(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	const cv_type *x = &n->inputs[0]->type;
	int axis = (int)n->attrs.softmax.axis, rank = x->rank;
	int64_t outer = prod(x->dims, 0, axis);
	int64_t len = n->attrs.softmax.flatten ? prod(x->dims, axis, rank) : rank ? x->dims[axis] : 1;
	int64_t inner = n->attrs.softmax.flatten ? 1 : prod(x->dims, axis + 1, rank);

	fprintf(f, "\tcvrt_softmax(%" PRId64 ", %" PRId64 ", %" PRId64 ", %s, ", outer, len, inner, P(n->inputs[0]));
	fprintf(f, "%s);\n", P(n->outputs[0]));
}

static void emit_math1(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	const char *op = n->op == CV_OP_NEG ? "CVRT_MATH1_NEG"
			 : n->op == CV_OP_ABS ? "CVRT_MATH1_ABS"
			 : n->op == CV_OP_RECIPROCAL ? "CVRT_MATH1_RECIPROCAL" : "CVRT_MATH1_SQRT";

	fprintf(f, "\tcvrt_math1(%s, %" PRId64 ", %s, ", op, cv_type_numel(&n->outputs[0]->type),
		P(n->inputs[0]));
	fprintf(f, "%s);\n", P(n->outputs[0]));
}

static void emit_layernorm(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	const cv_type *x = &n->inputs[0]->type;
	int axis = (int)n->attrs.norm.axis;
	const cv_value *bias = n->num_inputs > 2 ? n->inputs[2] : NULL;

	fprintf(f, "\tcvrt_layernorm(%" PRId64 ", %" PRId64 ", %s, ", prod(x->dims, 0, axis),
		prod(x->dims, axis, x->rank), P(n->inputs[0]));
	fprintf(f, "%s, ", P(n->inputs[1]));
	fprintf(f, "%s, %s, ", bias ? P(bias) : "NULL", flit(e, n->attrs.norm.epsilon));
	fprintf(f, "%s, ", P(n->outputs[0]));
	fprintf(f, "%s, ", n->num_outputs > 1 ? P(n->outputs[1]) : "NULL");
	fprintf(f, "%s);\n", n->num_outputs > 2 ? P(n->outputs[2]) : "NULL");
}

/* lrn over x [N, C, S...] as [N, C, S] (S: the product of the dims after C). */
static void emit_lrn(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	const cv_type *x = &n->inputs[0]->type;
	const cv_lrn_attrs *a = &n->attrs.lrn;

	fprintf(f, "\tcvrt_lrn(%" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", ", x->dims[0],
		x->dims[1], prod(x->dims, 2, x->rank), a->size);
	fprintf(f, "%s, ", flit(e, a->alpha));
	fprintf(f, "%s, ", flit(e, a->beta));
	fprintf(f, "%s, ", flit(e, a->bias));
	fprintf(f, "%s, %s);\n", P(n->inputs[0]), P(n->outputs[0]));
}

void emit_node(emitter *e, FILE *f)
{
	if (cv_node_is_typed(e->node) && e->node->op != CV_OP_RESHAPE && e->node->op != CV_OP_RESHARD &&
	    !emit_typed_is_moved(e->node->op)) {
		emit_typed(e, f);
		return;
	}
	const cv_node *n = e->node;

	switch (n->op) {
	case CV_OP_CONV2D:
	case CV_OP_DWCONV2D:
	case CV_OP_CONV_TRANSPOSE2D:
		emit_conv(e, f, e->conv_id++);
		break;
	case CV_OP_CONV3D:
	case CV_OP_CONV_TRANSPOSE3D:
		emit_conv3d(e, f, e->conv3d_id++);
		break;
	case CV_OP_BATCHNORM:
		emit_batchnorm(e, f);
		break;
	CV_CASE_ACT_OPS:
		emit_unary(e, f);
		break;
	case CV_OP_NEG:
	case CV_OP_ABS:
	case CV_OP_RECIPROCAL:
	case CV_OP_SQRT:
		emit_math1(e, f);
		break;
	case CV_OP_ADD:
	case CV_OP_SUB:
	case CV_OP_MUL:
	case CV_OP_DIV:
	case CV_OP_MAX:
	case CV_OP_MIN:
	case CV_OP_POW:
	case CV_OP_PRELU:
		emit_binary(e, f);
		break;
	case CV_OP_LRN:
		emit_lrn(e, f);
		break;
	case CV_OP_POOL2D:
		emit_pool(e, f);
		break;
	case CV_OP_REDUCE_MEAN:
	case CV_OP_REDUCE_SUM:
	case CV_OP_REDUCE_MAX:
	case CV_OP_REDUCE_MIN:
	case CV_OP_REDUCE_L2:
		emit_reduce(e, f);
		break;
	case CV_OP_GEMM:
		emit_gemm(e, f);
		break;
	case CV_OP_MATMUL:
		emit_matmul(e, f);
		break;
	case CV_OP_RESHAPE:
	case CV_OP_RESHARD: /* host memory is shared: a reshard moves nothing */
		/* Same bytes: the memory plan aliases result and operand; only a
		 * constant operand needs copying in. */
		if (n->inputs[0]->kind == CV_VALUE_CONST) {
			fprintf(f, "\tmemcpy(%s, ", P(n->outputs[0]));
			fprintf(f, "%s, %zu);\n", P(n->inputs[0]), n->inputs[0]->nbytes);
		}
		break;
	case CV_OP_TRANSPOSE:
		emit_transpose(e, f);
		break;
	case CV_OP_EXPAND:
		emit_expand(e, f);
		break;
	case CV_OP_CONCAT:
		emit_concat(e, f);
		break;
	case CV_OP_SPLIT:
		emit_split(e, f);
		break;
	case CV_OP_SLICE:
		emit_slice(e, f);
		break;
	case CV_OP_PAD:
		emit_pad(e, f);
		break;
	case CV_OP_RESIZE:
		emit_resize(e, f);
		break;
	case CV_OP_SOFTMAX:
		emit_softmax(e, f);
		break;
	case CV_OP_LAYERNORM:
		emit_layernorm(e, f);
		break;
	CV_CASE_TYPED_OPS: /* emit_typed's */
		break;
	case CV_OP_COUNT:
		break;
	}
}

const char emit_api_source[] =
	"size_t model_workspace_bytes(void)\n"
	"{\n"
	"#ifdef CVRT_GUARD\n"
	"\treturn GUARD_ARENA_BYTES + scratch_floats() * sizeof(float) + 2 * GUARD_REDZONE;\n"
	"#else\n"
	"\treturn ARENA_BYTES + scratch_floats() * sizeof(float);\n"
	"#endif\n"
	"}\n"
	"\n"
	"/* err = \"<what>: <printf message>\" when there is room for it. */\n"
	"static void set_err(char *err, size_t size, const char *what, const char *fmt, ...)\n"
	"{\n"
	"\tva_list ap;\n"
	"\tint n;\n"
	"\n"
	"\tif (!err || !size)\n"
	"\t\treturn;\n"
	"\tn = snprintf(err, size, \"%s: \", what);\n"
	"\tif (n < 0 || (size_t)n >= size)\n"
	"\t\treturn;\n"
	"\tva_start(ap, fmt);\n"
	"\tvsnprintf(err + n, size - (size_t)n, fmt, ap);\n"
	"\tva_end(ap);\n"
	"}\n"
	"\n"
	"static uint64_t fnv1a(const unsigned char *p, size_t n)\n"
	"{\n"
	"\tuint64_t h = UINT64_C(0xcbf29ce484222325);\n"
	"\tsize_t i;\n"
	"\n"
	"\tfor (i = 0; i < n; i++) {\n"
	"\t\th ^= p[i];\n"
	"\t\th *= UINT64_C(0x100000001b3);\n"
	"\t}\n"
	"\treturn h;\n"
	"}\n"
	"\n"
	"/* weights.bin, checked: exactly WEIGHTS_BYTES bytes with checksum\n"
	" * WEIGHTS_FNV1A. Reads one byte more than the model's size to see a longer\n"
	" * file. */\n"
	"static unsigned char *load_weights(const char *path, char *err, size_t err_size)\n"
	"{\n"
	"\tunsigned char *buf;\n"
	"\tsize_t got;\n"
	"\tlong end;\n"
	"\tFILE *f = fopen(path, \"rb\");\n"
	"\tint read_err;\n"
	"\n"
	"\tif (!f) {\n"
	"\t\tset_err(err, err_size, path, \"cannot open the weights file: %s\", strerror(errno));\n"
	"\t\treturn NULL;\n"
	"\t}\n"
	"\tbuf = malloc(WEIGHTS_BYTES + 64);\n"
	"\tif (!buf) {\n"
	"\t\tfclose(f);\n"
	"\t\tset_err(err, err_size, path, \"out of memory for the weights (%zu bytes)\", WEIGHTS_BYTES);\n"
	"\t\treturn NULL;\n"
	"\t}\n"
	"\tgot = fread(buf, 1, WEIGHTS_BYTES + 1, f);\n"
	"\tread_err = ferror(f) ? errno : 0;\n"
	"\t/* a longer file: its size for the message, when it has one */\n"
	"\tend = got > WEIGHTS_BYTES && fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;\n"
	"\tfclose(f);\n"
	"\tif (read_err) {\n"
	"\t\tfree(buf);\n"
	"\t\tset_err(err, err_size, path, \"cannot read the weights file: %s\", strerror(read_err));\n"
	"\t\treturn NULL;\n"
	"\t}\n"
	"\tif (got != WEIGHTS_BYTES) {\n"
	"\t\tfree(buf);\n"
	"\t\tif (got < WEIGHTS_BYTES + 1) /* not got < WEIGHTS_BYTES: always false for 0 (-Wtype-limits) */\n"
	"\t\t\tset_err(err, err_size, path, \"the weights file has %zu bytes, this model's has %zu (truncated, or not this model's)\",\n"
	"\t\t\t\tgot, WEIGHTS_BYTES);\n"
	"\t\telse if (end > 0 && (size_t)end > WEIGHTS_BYTES)\n"
	"\t\t\tset_err(err, err_size, path, \"the weights file has %ld bytes, this model's has %zu (extended, or not this model's)\",\n"
	"\t\t\t\tend, WEIGHTS_BYTES);\n"
	"\t\telse\n"
	"\t\t\tset_err(err, err_size, path, \"the weights file has more than the %zu bytes of this model's (extended, or not this model's)\",\n"
	"\t\t\t\tWEIGHTS_BYTES);\n"
	"\t\treturn NULL;\n"
	"\t}\n"
	"\tif (fnv1a(buf, WEIGHTS_BYTES) != WEIGHTS_FNV1A) {\n"
	"\t\tfree(buf);\n"
	"\t\tset_err(err, err_size, path,\n"
	"\t\t\t\"the weights file does not belong to this model or is damaged (checksum mismatch)\");\n"
	"\t\treturn NULL;\n"
	"\t}\n"
	"\treturn buf;\n"
	"}\n"
	"\n"
	"/* malloc'd blocks are 16-byte aligned; kernels want 64 for vector loads. */\n"
	"static void *alloc64(size_t n, void **base)\n"
	"{\n"
	"\t*base = malloc(n + 64);\n"
	"\treturn *base ? (void *)(((uintptr_t)*base + 63) & ~(uintptr_t)63) : NULL;\n"
	"}\n"
	"\n"
	"const char *model_isa(void) { return cvrt_isa_name(); }\n"
	"\n"
	"int model_num_nodes(void) { return NUM_NODES; }\n"
	"const char *model_node_label(int i) { return i >= 0 && i < NUM_NODES ? node_labels[i] : NULL; }\n"
	"const char *model_node_op(int i) { return i >= 0 && i < NUM_NODES ? node_ops[i] : NULL; }\n"
	"\n"
	"struct model_alloc {\n"
	"\tstruct model_ctx ctx;\n"
	"\tvoid *weights_base, *arena_base, *scratch_base;\n"
	"};\n"
	"\n"
	"model_ctx *model_create(const char *weights_path, int num_threads, char *err, size_t err_size)\n"
	"{\n"
	"\tstruct model_alloc *m;\n"
	"\tunsigned char *wb;\n"
	"\n"
	"\tif (err && err_size)\n"
	"\t\terr[0] = '\\0';\n"
	"\tif (num_threads < 1 || num_threads > MODEL_MAX_THREADS) {\n"
	"\t\tset_err(err, err_size, \"model\", \"num_threads must be from 1 to %d, got %d\", MODEL_MAX_THREADS,\n"
	"\t\t\tnum_threads);\n"
	"\t\treturn NULL;\n"
	"\t}\n"
	"\tif (!weights_path) {\n"
	"\t\tset_err(err, err_size, \"model\", \"no weights file given (weights_path is NULL)\");\n"
	"\t\treturn NULL;\n"
	"\t}\n"
	"\t/* The kernels' ISA: CVRT_ISA's, or the best the CPU has (cvrt.h). */\n"
	"\tif (cvrt_isa_init(err, err_size))\n"
	"\t\treturn NULL;\n"
	"\tm = calloc(1, sizeof *m);\n"
	"\tif (!m) {\n"
	"\t\tset_err(err, err_size, \"model\", \"out of memory\");\n"
	"\t\treturn NULL;\n"
	"\t}\n"
	"\twb = load_weights(weights_path, err, err_size);\n"
	"\tif (!wb) {\n"
	"\t\tfree(m);\n"
	"\t\treturn NULL;\n"
	"\t}\n"
	"\t/* Realign: copy the weights to a 64-byte boundary. */\n"
	"#ifdef CVRT_GUARD\n"
	"\tm->ctx.weights = alloc64(GUARD_WEIGHTS_BYTES, &m->weights_base);\n"
	"\tm->ctx.arena = alloc64(GUARD_ARENA_BYTES, &m->arena_base);\n"
	"\tm->ctx.scratch = alloc64(scratch_floats() * sizeof(float) + 2 * GUARD_REDZONE, &m->scratch_base);\n"
	"\tif (m->ctx.scratch) {\n"
	"\t\tASAN_POISON_MEMORY_REGION(m->ctx.scratch, scratch_floats() * sizeof(float) + 2 * GUARD_REDZONE);\n"
	"\t\tm->ctx.scratch = (float *)((unsigned char *)m->ctx.scratch + GUARD_REDZONE);\n"
	"\t}\n"
	"\tif (m->ctx.arena)\n"
	"\t\tASAN_POISON_MEMORY_REGION(m->ctx.arena, GUARD_ARENA_BYTES);\n"
	"#else\n"
	"\tm->ctx.weights = alloc64(WEIGHTS_BYTES + 1, &m->weights_base);\n"
	"\tm->ctx.arena = alloc64(ARENA_BYTES + 1, &m->arena_base);\n"
	"\tm->ctx.scratch = alloc64(scratch_floats() * sizeof(float) + 1, &m->scratch_base);\n"
	"#endif\n"
	"\t/* Profile arrays: all zero until a profiled run. */\n"
	"\tm->ctx.prof_stamp = calloc(3 * (size_t)NUM_NODES + 1, sizeof(double));\n"
	"\tif (!m->ctx.weights || !m->ctx.arena || !m->ctx.scratch || !m->ctx.prof_stamp) {\n"
	"\t\tfree(wb);\n"
	"\t\tmodel_free(&m->ctx);\n"
	"\t\tset_err(err, err_size, \"model\", \"out of memory for the workspace (%zu bytes)\", model_workspace_bytes());\n"
	"\t\treturn NULL;\n"
	"\t}\n"
	"\tm->ctx.prof_start = m->ctx.prof_stamp + NUM_NODES + 1;\n"
	"\tm->ctx.prof_ms = m->ctx.prof_start + NUM_NODES;\n"
	"#ifdef CVRT_GUARD\n"
	"\tguard_place_weights(m->ctx.weights, wb);\n"
	"#else\n"
	"\tmemcpy(m->ctx.weights, wb, WEIGHTS_BYTES);\n"
	"#endif\n"
	"\tfree(wb);\n"
	"\t/* More threads than CPUs would only take turns on the same cores. */\n"
	"#ifdef _OPENMP\n"
	"\tm->ctx.threads = num_threads;\n"
	"\tif (m->ctx.threads > omp_get_num_procs())\n"
	"\t\tm->ctx.threads = omp_get_num_procs() > 0 ? omp_get_num_procs() : 1;\n"
	"#else\n"
	"\tm->ctx.threads = 1; /* built without OpenMP: the calling thread only */\n"
	"#endif\n"
	"\treturn &m->ctx;\n"
	"}\n"
	"\n"
	"int model_threads(const model_ctx *ctx) { return ctx ? ctx->threads : 0; }\n"
	"\n"
	"void model_set_profiling(model_ctx *ctx, int on)\n"
	"{\n"
	"\tif (ctx)\n"
	"\t\tctx->profiling = on != 0;\n"
	"}\n"
	"\n"
	"const double *model_node_start_ms(const model_ctx *ctx) { return ctx ? ctx->prof_start : NULL; }\n"
	"const double *model_node_ms(const model_ctx *ctx) { return ctx ? ctx->prof_ms : NULL; }\n"
	"\n"
	"/* Whether the byte ranges [p, p + n) and [q, q + m) share a byte. */\n"
	"static int overlap(const void *p, size_t n, const void *q, size_t m)\n"
	"{\n"
	"\treturn n && m && (uintptr_t)p < (uintptr_t)q + m && (uintptr_t)q < (uintptr_t)p + n;\n"
	"}\n"
	"\n"
	"int model_run(model_ctx *ctx, const float *const *inputs, float *const *outputs)\n"
	"{\n"
	"\tunsigned char *io[NUM_IO];\n"
	"\tdouble *prof, t0;\n"
	"\tint i, j;\n"
	"\n"
	"\tif (!ctx || !inputs || !outputs)\n"
	"\t\treturn -1;\n"
	"\tfor (i = 0; i < model_num_inputs(); i++)\n"
	"\t\tif (!inputs[i])\n"
	"\t\t\treturn -1;\n"
	"\tfor (i = 0; i < model_num_outputs(); i++) {\n"
	"\t\tif (!outputs[i])\n"
	"\t\t\treturn -1;\n"
	"\t\tfor (j = 0; j < model_num_inputs(); j++)\n"
	"\t\t\tif (overlap(outputs[i], model_output_bytes(i), inputs[j], model_input_bytes(j)))\n"
	"\t\t\t\treturn -1;\n"
	"\t\tfor (j = 0; j < i; j++)\n"
	"\t\t\tif (overlap(outputs[i], model_output_bytes(i), outputs[j], model_output_bytes(j)))\n"
	"\t\t\t\treturn -1;\n"
	"\t}\n"
	"\t/* The kernels only read the inputs: io[] drops their const. */\n"
	"\tfor (i = 0; i < model_num_inputs(); i++)\n"
	"\t\tio[i] = (unsigned char *)(uintptr_t)inputs[i];\n"
	"\tfor (i = 0; i < model_num_outputs(); i++)\n"
	"\t\tio[model_num_inputs() + i] = (unsigned char *)outputs[i];\n"
	"\tprof = ctx->profiling ? ctx->prof_stamp : NULL;\n"
	"\tt0 = prof ? prof_now() : 0.0;\n"
	"#ifdef _OPENMP\n"
	"\tomp_set_num_threads(ctx->threads);\n"
	"#endif\n"
	"#ifdef CVRT_GUARD\n"
	"\tguard_begin(ctx->arena);\n"
	"#endif\n"
	"\tfor (i = 0; i < model_num_inputs(); i++)\n"
	"\t\tif (IO_COPY(input_desc[i].io))\n"
	"\t\t\tmemcpy(ctx->arena + input_desc[i].offset, inputs[i], model_input_bytes(i));\n"
	"\trun_nodes(ctx->weights, ctx->arena, io, ctx->scratch, prof, ctx->threads);\n"
	"\tfor (i = 0; i < model_num_outputs(); i++)\n"
	"\t\tif (IO_COPY(output_desc[i].io))\n"
	"\t\t\tmemcpy(outputs[i],\n"
	"\t\t\t       (output_desc[i].in_weights ? ctx->weights : ctx->arena) + output_desc[i].offset,\n"
	"\t\t\t       model_output_bytes(i));\n"
	"\tif (prof)\n"
	"\t\tfor (i = 0; i < NUM_NODES; i++) {\n"
	"\t\t\tctx->prof_start[i] = prof[i] - t0;\n"
	"\t\t\tctx->prof_ms[i] = prof[i + 1] - prof[i];\n"
	"\t\t}\n"
	"\treturn 0;\n"
	"}\n"
	"\n"
	"void model_free(model_ctx *ctx)\n"
	"{\n"
	"\tstruct model_alloc *m = (struct model_alloc *)ctx;\n"
	"\n"
	"\tif (!m)\n"
	"\t\treturn;\n"
	"\tfree(m->weights_base);\n"
	"\tfree(m->arena_base);\n"
	"\tfree(m->scratch_base);\n"
	"\tfree(m->ctx.prof_stamp);\n"
	"\tfree(m);\n"
	"}\n";
