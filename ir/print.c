/*
 * print.c - the text IR (docs/ir.md): one line per input, constant, node and
 * output, stable names, so that a diff between two pipeline stages reads well.
 *
 *   module @mobilenet_v2 opset 13
 *   input %input: f32[1,3,224,224] nchw
 *   const %w: f32[32,3,3,3] oihw #9f2c4e0d1a7b3356       (just before its first user)
 *   %y: f32[1,32,112,112] nchw = conv2d %input, %w, _ {strides=[2,2], ...} @"Conv_0"
 *   output %y
 *
 * Constants of up to 16 elements print their values; larger ones a 64-bit
 * FNV-1a digest of their bytes. A constant prints just before its first user.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH_NONFATAL_OOM 1
#include <uthash.h>

#include "convc/ir.h"

#define INLINE_CONST_MAX 16

static int is_plain_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!(*s == '_' || *s == '.' || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z')))
			return 0;
	return 1;
}

static void print_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void print_value_name(FILE *f, const cv_value *v)
{
	fputc('%', f);
	if (is_plain_name(v->name))
		fputs(v->name, f);
	else
		print_quoted(f, v->name);
}

char *cv_value_name_str(const cv_value *v, char *buf, size_t size)
{
	int plain = is_plain_name(v->name);
	const char *s;
	size_t n = 0;

	if (!size)
		return buf;
	/* The same text as print_value_name, into a buffer; room for an escape
	 * (4 bytes) and the closing quote is checked before each character. */
	n += (size_t)snprintf(buf, size, "%%%s", plain ? v->name : "\"");
	for (s = v->name; !plain && *s && n + 6 < size; s++) {
		if (*s == '"' || *s == '\\')
			n += (size_t)snprintf(buf + n, size - n, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", (unsigned char)*s);
		else
			buf[n++] = *s;
	}
	if (!plain && n + 1 < size)
		buf[n++] = '"';
	if (!plain)
		buf[n < size ? n : size - 1] = '\0';
	return buf;
}

static void print_type(FILE *f, const cv_type *t)
{
	char buf[256];

	fputs(cv_type_str(t, buf, sizeof buf), f);
	if (t->layout != CV_LAYOUT_PLAIN)
		fprintf(f, " %s", cv_layout_name(t->layout));
}

static void print_ints(FILE *f, const char *key, const int64_t *v, int n)
{
	int i;

	fprintf(f, "%s=[", key);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%" PRId64, i ? "," : "", v[i]);
	fputc(']', f);
}

static void print_act(FILE *f, const char *sep, const cv_act *a)
{
	if (a->kind == CV_ACT_NONE)
		return;
	fprintf(f, "%sact=%s", sep, cv_act_names[a->kind]);
	if (cv_act_num_params(a->kind) == 2)
		fprintf(f, "(%.9g,%.9g)", a->a, a->b);
	else if (cv_act_num_params(a->kind) == 1)
		fprintf(f, "(%.9g)", a->a);
}

/* An activation op's own parameters, e.g. clip {min=0, max=6}. */
static void print_act_params(FILE *f, const cv_node *n)
{
	const cv_act *a = &n->attrs.act;

	switch (n->op) {
	case CV_OP_CLIP:
		fprintf(f, " {min=%.9g, max=%.9g}", a->a, a->b);
		break;
	case CV_OP_LEAKY_RELU:
		fprintf(f, " {alpha=%.9g}", a->a);
		break;
	case CV_OP_HARD_SIGMOID:
		fprintf(f, " {alpha=%.9g, beta=%.9g}", a->a, a->b);
		break;
	case CV_OP_ELU:
		fprintf(f, " {alpha=%.9g}", a->a);
		break;
	case CV_OP_SELU:
		fprintf(f, " {alpha=%.9g, gamma=%.9g}", a->a, a->b);
		break;
	case CV_OP_ADD:
	case CV_OP_SUB:
	case CV_OP_MUL:
	case CV_OP_DIV:
		if (a->kind != CV_ACT_NONE) {
			fputs(" {", f);
			print_act(f, "", a);
			fputc('}', f);
		}
		break;
	default:
		break;
	}
}

static void print_conv(FILE *f, const cv_node *n)
{
	const cv_conv_attrs *a = &n->attrs.conv;

	fputs(" {", f);
	print_ints(f, "strides", a->strides, 2);
	print_ints(f, ", pads", a->pads, 4);
	print_ints(f, ", dilations", a->dilations, 2);
	fprintf(f, ", group=%" PRId64, a->group);
	if (n->op == CV_OP_CONV_TRANSPOSE2D)
		print_ints(f, ", output_padding", a->output_padding, 2);
	print_act(f, ", ", &a->act);
	if (a->algo != CV_CONV_ALGO_DIRECT)
		fprintf(f, ", algo=%s", cv_conv_algo_names[a->algo]);
	fputc('}', f);
}

static void print_conv3d(FILE *f, const cv_conv3d_attrs *a)
{
	fputs(" {", f);
	print_ints(f, "strides", a->strides, 3);
	print_ints(f, ", pads", a->pads, 6);
	print_ints(f, ", dilations", a->dilations, 3);
	fprintf(f, ", group=%" PRId64, a->group);
	if (a->output_padding[0] || a->output_padding[1] || a->output_padding[2])
		print_ints(f, ", output_padding", a->output_padding, 3);
	print_act(f, ", ", &a->act);
	fputc('}', f);
}

static void print_pool(FILE *f, const cv_pool_attrs *a)
{
	fprintf(f, " {kind=%s, ", cv_pool_kind_names[a->kind]);
	print_ints(f, "kernel", a->kernel, 2);
	print_ints(f, ", strides", a->strides, 2);
	print_ints(f, ", pads", a->pads, 4);
	print_ints(f, ", dilations", a->dilations, 2);
	fprintf(f, ", ceil_mode=%d, count_include_pad=%d", a->ceil_mode, a->count_include_pad);
	if (a->storage_order)
		fprintf(f, ", storage_order=%d", a->storage_order);
	if (a->depth[0])
		print_ints(f, ", depth", a->depth, 5);
	fputc('}', f);
}

static void print_attrs(FILE *f, const cv_node *n)
{
	const cv_attrs *a = &n->attrs;
	int rank = n->inputs[0] ? n->inputs[0]->type.rank : 0, k;

	switch (cv_op_attrs_kind(n->op)) {
	case CV_ATTRS_NONE:
		break;
	case CV_ATTRS_CONV:
		print_conv(f, n);
		break;
	case CV_ATTRS_CONV3D:
		print_conv3d(f, &a->conv3d);
		break;
	case CV_ATTRS_BN:
		fprintf(f, " {epsilon=%.9g}", a->bn_eps);
		break;
	case CV_ATTRS_ACT:
		print_act_params(f, n);
		break;
	case CV_ATTRS_POOL:
		print_pool(f, &a->pool);
		break;
	case CV_ATTRS_REDUCE: {
		int64_t axes[CV_MAX_RANK];
		int na = 0;
		for (k = 0; k < rank; k++)
			if (a->reduce.axes & (1u << k))
				axes[na++] = k;
		fputs(" {", f);
		print_ints(f, "axes", axes, na);
		fprintf(f, ", keepdims=%d}", a->reduce.keepdims);
		break;
	}
	case CV_ATTRS_GEMM:
		fprintf(f, " {trans_a=%d, trans_b=%d, alpha=%.9g, beta=%.9g", a->gemm.trans_a,
			a->gemm.trans_b, a->gemm.alpha, a->gemm.beta);
		print_act(f, ", ", &a->gemm.act);
		fputc('}', f);
		break;
	case CV_ATTRS_PERM:
		fputs(" {", f);
		print_ints(f, "perm", a->perm, rank);
		fputc('}', f);
		break;
	case CV_ATTRS_AXIS:
		fprintf(f, " {axis=%" PRId64 "}", a->axis);
		break;
	case CV_ATTRS_SLICE:
		fputs(" {", f);
		print_ints(f, "starts", a->slice.starts, rank);
		print_ints(f, ", ends", a->slice.ends, rank);
		print_ints(f, ", steps", a->slice.steps, rank);
		fputc('}', f);
		break;
	case CV_ATTRS_PAD:
		fprintf(f, " {mode=%s, ", cv_pad_mode_names[a->pad.mode]);
		print_ints(f, "pads", a->pad.pads, 2 * rank);
		fprintf(f, ", value=%.9g}", a->pad.value);
		break;
	case CV_ATTRS_RESIZE:
		fprintf(f, " {mode=%s, coord=%s, nearest=%s, scales=[%.9g,%.9g], ",
			cv_resize_mode_names[a->resize.mode],
			cv_resize_coord_names[a->resize.coord], cv_nearest_mode_names[a->resize.nearest], a->resize.scales[0],
			a->resize.scales[1]);
		print_ints(f, "sizes", a->resize.sizes, 2);
		if (a->resize.mode == CV_RESIZE_CUBIC)
			fprintf(f, ", cubic_a=%.9g, exclude_outside=%d", a->resize.cubic_a, a->resize.exclude_outside);
		if (a->resize.coord == CV_COORD_TF_CROP_AND_RESIZE)
			fprintf(f, ", roi=[%.9g,%.9g,%.9g,%.9g], extrapolation=%.9g", a->resize.roi[0], a->resize.roi[1],
				a->resize.roi[2], a->resize.roi[3], a->resize.extrapolation);
		fputc('}', f);
		break;
	case CV_ATTRS_SOFTMAX:
		fprintf(f, " {axis=%" PRId64 ", flatten=%d}", a->softmax.axis, a->softmax.flatten);
		break;
	case CV_ATTRS_NORM:
		fprintf(f, " {axis=%" PRId64 ", epsilon=%.9g}", a->norm.axis, a->norm.epsilon);
		break;
	case CV_ATTRS_LRN:
		fprintf(f, " {size=%" PRId64 ", alpha=%.9g, beta=%.9g, bias=%.9g}", a->lrn.size,
			a->lrn.alpha, a->lrn.beta, a->lrn.bias);
		break;
	case CV_ATTRS_CAST:
		fprintf(f, " {to=%s}", cv_dtype_name(a->cast_to));
		break;
	case CV_ATTRS_ARG:
		fprintf(f, " {axis=%" PRId64 ", keepdims=%d, select_last=%d}", a->arg.axis,
			a->arg.keepdims, a->arg.select_last);
		break;
	case CV_ATTRS_RESHARD: {
		char from[48], to[48];
		fprintf(f, " {from=%s, to=%s}", cv_placement_str(&a->reshard.from, from, sizeof from),
			cv_placement_str(&a->reshard.to, to, sizeof to));
		break;
	}
	}
}

/* The shard pass's annotation: " !shard(height[64], mem=24576)". */
static void print_placement(FILE *f, const cv_node *n)
{
	char buf[48];

	if (n->place.kind == CV_SHARD_NONE)
		return;
	fprintf(f, " !shard(%s, mem=%" PRId64 ")", cv_placement_str(&n->place, buf, sizeof buf),
		n->place.mem);
}

static uint64_t fnv1a(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void print_const_data(FILE *f, const cv_value *c)
{
	int64_t numel = cv_type_numel(&c->type), i;

	if (numel > INLINE_CONST_MAX) {
		fprintf(f, " #%016" PRIx64, c->has_digest ? c->digest : fnv1a(c->data, c->nbytes));
		return;
	}
	fputs(" = [", f);
	for (i = 0; i < numel; i++) {
		const char *sep = i ? ", " : "";
		switch (c->type.dtype) {
		case CV_F32: fprintf(f, "%s%.9g", sep, ((const float *)c->data)[i]); break;
		case CV_F64: fprintf(f, "%s%.17g", sep, ((const double *)c->data)[i]); break;
		case CV_I64: fprintf(f, "%s%" PRId64, sep, ((const int64_t *)c->data)[i]); break;
		case CV_I32: fprintf(f, "%s%" PRId32, sep, ((const int32_t *)c->data)[i]); break;
		case CV_I8: fprintf(f, "%s%d", sep, ((const int8_t *)c->data)[i]); break;
		case CV_U8:
		case CV_BOOL: fprintf(f, "%s%u", sep, ((const uint8_t *)c->data)[i]); break;
		case CV_I16: fprintf(f, "%s%d", sep, ((const int16_t *)c->data)[i]); break;
		case CV_U16: fprintf(f, "%s%u", sep, ((const uint16_t *)c->data)[i]); break;
		case CV_U32: fprintf(f, "%s%" PRIu32, sep, ((const uint32_t *)c->data)[i]); break;
		case CV_U64: fprintf(f, "%s%" PRIu64, sep, ((const uint64_t *)c->data)[i]); break;
		default: fprintf(f, "%s0x%04x", sep, ((const uint16_t *)c->data)[i]); break;
		}
	}
	fputc(']', f);
}

static void print_node(FILE *f, const cv_node *n)
{
	int i;

	for (i = 0; i < n->num_outputs; i++) {
		fputs(i ? ", " : "", f);
		print_value_name(f, n->outputs[i]);
		fputs(": ", f);
		print_type(f, &n->outputs[i]->type);
	}
	fprintf(f, " = %s", cv_op_name(n->op));
	for (i = 0; i < n->num_inputs; i++) {
		fputs(i ? ", " : " ", f);
		if (n->inputs[i])
			print_value_name(f, n->inputs[i]);
		else
			fputc('_', f);
	}
	print_attrs(f, n);
	print_placement(f, n);
	if (n->name[0]) {
		fputs(" @", f);
		print_quoted(f, n->name);
	}
	fputc('\n', f);
}

static void print_const(FILE *f, const cv_value *c)
{
	fputs("const ", f);
	print_value_name(f, c);
	fputs(": ", f);
	print_type(f, &c->type);
	print_const_data(f, c);
	fputc('\n', f);
}

struct seen_const {
	const cv_value *v;
	UT_hash_handle hh;
};

/* Print c unless it was printed already; -1 when out of memory. */
static int print_once(FILE *f, struct seen_const **seen, const cv_value *c)
{
	struct seen_const *e;

	HASH_FIND_PTR(*seen, &c, e);
	if (e)
		return 0;
	if (!(e = malloc(sizeof *e)))
		return -1;
	e->v = c;
	HASH_ADD_PTR(*seen, v, e);
	print_const(f, c);
	return 0;
}

/*
 * Each live constant is printed just before the node that first uses it, so
 * a pass that replaces a node's weight changes lines next to that node and
 * per-pass diffs stay local. Dead constants are not part of the program.
 */
int cv_node_print_attrs(const cv_node *n, FILE *f)
{
	print_attrs(f, n);
	return ferror(f) ? -1 : 0;
}

int cv_module_print(const cv_module *m, FILE *f)
{
	const cv_graph *g = &m->graph;
	struct seen_const *seen = NULL, *e, *tmp;
	const cv_node *n;
	int i, rc = 0;

	fputs("module @", f);
	if (is_plain_name(m->name))
		fputs(m->name, f);
	else
		print_quoted(f, m->name);
	fprintf(f, " opset %" PRId64 "\n", m->opset);
	for (i = 0; i < g->num_inputs; i++) {
		fputs("input ", f);
		print_value_name(f, g->inputs[i]);
		fputs(": ", f);
		print_type(f, &g->inputs[i]->type);
		fputc('\n', f);
	}
	cv_graph_for_each_node(g, n) {
		for (i = 0; i < n->num_inputs && !rc; i++)
			if (n->inputs[i] && n->inputs[i]->kind == CV_VALUE_CONST)
				rc = print_once(f, &seen, n->inputs[i]);
		print_node(f, n);
	}
	for (i = 0; i < g->num_outputs && !rc; i++)
		if (g->outputs[i]->kind == CV_VALUE_CONST)
			rc = print_once(f, &seen, g->outputs[i]);
	for (i = 0; i < g->num_outputs; i++) {
		fputs("output ", f);
		print_value_name(f, g->outputs[i]);
		fputc('\n', f);
	}
	HASH_ITER(hh, seen, e, tmp) {
		HASH_DEL(seen, e);
		free(e);
	}
	return rc || ferror(f) ? -1 : 0;
}
