/*
 * emit_typed.c - the C backend's nodes on tensors that are not float32:
 * arithmetic on integers, f64 and halves, cast, the comparisons, logical
 * ops, where, argmax/argmin and gather, as calls into the typed kernel family
 * (cvrt_typed.c). Data movement of any dtype stays in emit_nodes.c (its
 * copies take an element size); float32 nodes never come here.
 */
#include <inttypes.h>

#include "backends/c/emit_internal.h"

#define P(v) emit_ptr(e, (v))

int emit_typed_is_moved(cv_op op)
{
	switch (op) {
	CV_CASE_MOVED_OPS:
		return 1;
	default:
		return 0;
	}
}

int emit_typed_supports(const cv_node *n)
{
	switch (n->op) {
	case CV_OP_ADD:
	case CV_OP_SUB:
	case CV_OP_MUL:
	case CV_OP_DIV:
	case CV_OP_MAX:
	case CV_OP_MIN:
	case CV_OP_POW:
	case CV_OP_NEG:
	case CV_OP_ABS:
	CV_CASE_TYPED_OPS:
		return 1;
	default:
		return emit_typed_is_moved(n->op);
	}
}

/* The cvrt_binary_x op of a binary node (enum cvrt_binary_op / _x_op). */
static const char *binary_op(cv_op op)
{
	switch (op) {
	case CV_OP_ADD: return "CVRT_ADD";
	case CV_OP_SUB: return "CVRT_SUB";
	case CV_OP_MUL: return "CVRT_MUL";
	case CV_OP_DIV: return "CVRT_DIV";
	case CV_OP_MAX: return "CVRT_MAX";
	case CV_OP_MIN: return "CVRT_MIN";
	case CV_OP_EQUAL: return "CVRT_EQUAL";
	case CV_OP_LESS: return "CVRT_LESS";
	case CV_OP_GREATER: return "CVRT_GREATER";
	case CV_OP_LESS_EQUAL: return "CVRT_LESS_EQUAL";
	case CV_OP_GREATER_EQUAL: return "CVRT_GREATER_EQUAL";
	case CV_OP_AND: return "CVRT_AND";
	case CV_OP_OR: return "CVRT_OR";
	default: return "CVRT_XOR";
	}
}

/* dims of the result and the broadcast strides of operands [0, nops). */
static int put_bcast(FILE *f, const cv_node *n, int nops)
{
	static const char *const names[] = {"s0", "s1", "s2"};
	const cv_type *y = &n->outputs[0]->type;
	int64_t s[CV_MAX_RANK], one = 1;
	int i, rank = y->rank ? y->rank : 1;

	emit_i64s(f, "dims", y->rank ? y->dims : &one, rank);
	for (i = 0; i < nops; i++) {
		emit_bcast_strides(&n->inputs[i]->type, y, s);
		if (!y->rank)
			s[0] = 0;
		emit_i64s(f, names[i], s, rank);
	}
	return rank;
}

static void emit_binary_x(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	int rank;

	fputs("\t{\n", f);
	rank = put_bcast(f, n, 2);
	fprintf(f, "\t\tcvrt_binary_x(%d, %s, %d, dims, %s, s0, ", (int)n->inputs[0]->type.dtype,
		binary_op(n->op), rank, P(n->inputs[0]));
	fprintf(f, "%s, s1, %s);\n\t}\n", P(n->inputs[1]), P(n->outputs[0]));
}

static void emit_pow_x(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	int rank;

	fputs("\t{\n", f);
	rank = put_bcast(f, n, 2);
	fprintf(f, "\t\tcvrt_pow_x(%d, %d, %d, dims, %s, s0, ", (int)n->inputs[0]->type.dtype,
		(int)n->inputs[1]->type.dtype, rank, P(n->inputs[0]));
	fprintf(f, "%s, s1, %s);\n\t}\n", P(n->inputs[1]), P(n->outputs[0]));
}

static void emit_where(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	int rank;

	fputs("\t{\n", f);
	rank = put_bcast(f, n, 3);
	fprintf(f, "\t\tcvrt_where(%zu, %d, dims, %s, s0, ", cv_dtype_size(n->outputs[0]->type.dtype), rank,
		P(n->inputs[0]));
	fprintf(f, "%s, s1, ", P(n->inputs[1]));
	fprintf(f, "%s, s2, %s);\n\t}\n", P(n->inputs[2]), P(n->outputs[0]));
}

static void emit_arg(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	const cv_type *x = &n->inputs[0]->type;
	int64_t outer = 1, inner = 1;
	int k, axis = (int)n->attrs.arg.axis;

	for (k = 0; k < axis; k++)
		outer *= x->dims[k];
	for (k = axis + 1; k < x->rank; k++)
		inner *= x->dims[k];
	fprintf(f, "\tcvrt_arg(%d, %d, %d, %" PRId64 ", %" PRId64 ", %" PRId64 ", %s, ", (int)x->dtype,
		n->op == CV_OP_ARGMIN, n->attrs.arg.select_last, outer, x->dims[axis], inner,
		P(n->inputs[0]));
	fprintf(f, "%s);\n", P(n->outputs[0]));
}

static void emit_gather(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	const cv_type *x = &n->inputs[0]->type;
	int64_t outer = 1, inner = 1;
	int k, axis = (int)n->attrs.axis;

	for (k = 0; k < axis; k++)
		outer *= x->dims[k];
	for (k = axis + 1; k < x->rank; k++)
		inner *= x->dims[k];
	fprintf(f, "\tcvrt_gather(%zu, %d, %" PRId64 ", %" PRId64 ", %" PRId64 ", %s, ", cv_dtype_size(x->dtype),
		(int)n->inputs[1]->type.dtype, outer, x->dims[axis], inner, P(n->inputs[0]));
	fprintf(f, "%s, %" PRId64 ", ", P(n->inputs[1]), cv_type_numel(&n->inputs[1]->type));
	fprintf(f, "%s);\n", P(n->outputs[0]));
}

/* maxpool_indices (x nchw or plain [N,C,H,W]): the values and the i64
 * indices of ONNX MaxPool, one thread (cvrt_maxpool2d_x). */
/* maxpool_indices on x [N,C,D,H,W] (cvrt_maxpool3d_x). */
static void emit_maxpool3d_indices(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	const int64_t *x = n->inputs[0]->type.dims, *y = n->outputs[0]->type.dims;
	int64_t win[15];
	int k;

	for (k = 0; k < 3; k++)
		cv_pool_window(&n->attrs.pool, 3, k, win + 5 * k);
	fputs("\t{\n", f);
	emit_i64s(f, "in_dims", x + 2, 3);
	emit_i64s(f, "out_dims", y + 2, 3);
	emit_i64s(f, "win", win, 15);
	fprintf(f, "\t\tcvrt_maxpool3d_x(%d, %" PRId64 ", in_dims, out_dims, win, %d, %s, ",
		(int)n->inputs[0]->type.dtype, x[0] * x[1], n->attrs.pool.storage_order, P(n->inputs[0]));
	fprintf(f, "%s, ", P(n->outputs[0]));
	fprintf(f, "%s);\n\t}\n", P(n->outputs[1]));
}

static void emit_maxpool_indices(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	const cv_pool_attrs *a = &n->attrs.pool;
	const int64_t *x = n->inputs[0]->type.dims, *y = n->outputs[0]->type.dims;

	if (n->inputs[0]->type.rank == 5) {
		emit_maxpool3d_indices(e, f);
		return;
	}

	fprintf(f, "\t{\n\t\tstatic const cvrt_pool2d_params p = {%" PRId64 ", %" PRId64 ", %" PRId64
		", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64
		", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", 0};\n",
		x[0], x[1], x[2], x[3], y[2], y[3], a->kernel[0], a->kernel[1], a->strides[0],
		a->strides[1], a->dilations[0], a->dilations[1], a->pads[0], a->pads[1], a->pads[2],
		a->pads[3]);
	fprintf(f, "\t\tcvrt_maxpool2d_x(%d, &p, %d, %s, ", (int)n->inputs[0]->type.dtype, a->storage_order,
		P(n->inputs[0]));
	fprintf(f, "%s, ", P(n->outputs[0]));
	fprintf(f, "%s);\n\t}\n", P(n->outputs[1]));
}

void emit_typed(emitter *e, FILE *f)
{
	const cv_node *n = e->node;
	int64_t count = cv_type_numel(&n->outputs[0]->type);

	switch (n->op) {
	case CV_OP_CAST:
		fprintf(f, "\tcvrt_cast(%d, %d, %" PRId64 ", %s, ", (int)n->inputs[0]->type.dtype,
			(int)n->outputs[0]->type.dtype, count, P(n->inputs[0]));
		fprintf(f, "%s);\n", P(n->outputs[0]));
		break;
	case CV_OP_NEG:
	case CV_OP_ABS:
	case CV_OP_NOT:
		fprintf(f, "\tcvrt_unary_x(%d, %s, %" PRId64 ", %s, ", (int)n->inputs[0]->type.dtype,
			n->op == CV_OP_NEG ? "CVRT_NEG" : n->op == CV_OP_ABS ? "CVRT_ABS" : "CVRT_NOT", count,
			P(n->inputs[0]));
		fprintf(f, "%s);\n", P(n->outputs[0]));
		break;
	case CV_OP_WHERE:
		emit_where(e, f);
		break;
	case CV_OP_ARGMAX:
	case CV_OP_ARGMIN:
		emit_arg(e, f);
		break;
	case CV_OP_GATHER:
		emit_gather(e, f);
		break;
	case CV_OP_POW:
		emit_pow_x(e, f);
		break;
	case CV_OP_MAXPOOL_INDICES:
		emit_maxpool_indices(e, f);
		break;
	default:
		emit_binary_x(e, f);
		break;
	}
}
