/*
 * onnx_half.c - float16 and bfloat16 models, computed in float32.
 *
 * Model zoos ship networks converted wholesale to half precision (PyTorch's
 * model.half() then torch.onnx.export, onnxconverter_common's float16
 * conversion): f16 graph inputs, outputs and initializers, and every Conv,
 * BatchNormalization, Relu, Gemm, Resize... in f16. convc's float kernels
 * are float32. Before each node is folded or lowered, half_prepare decides,
 * here and nowhere else, which of its values convc carries in float32:
 *
 *  - A node of an op that computes in float (any op outside typed_ops[]:
 *    convolutions, pooling, normalizations, activations, Resize, Gemm...)
 *    that reads a float16/bfloat16 value, and any node that reads a value
 *    already carried in float32, has every f16/bf16 operand widened: a
 *    constant is converted at import, a run-time value (a graph input
 *    included) gets one cast to float32 where it is first read. Both are
 *    exact: every f16 and bf16 number is a float32. The ONNX name is then
 *    bound to the float32 value, marked with its ONNX dtype, so later
 *    readers share the one conversion.
 *  - The node's float32 results carry that ONNX dtype (half_finish).
 *  - Cast of a carried value to its own dtype forwards it; Cast to float32
 *    forwards the float32 value as it is (not rounded to f16 first); a cast
 *    to any other dtype rounds to the carried dtype first (nearest even),
 *    as the value ONNX Runtime casts is. A constant of another dtype cast
 *    to f16 or bf16 is rounded at import and carried in float32, and so is
 *    a half ConstantOfShape fill and any folded op on half constants (the
 *    folder computes in float32).
 *  - A graph output carried in float32 is cast back to its ONNX dtype,
 *    rounding to nearest even as ONNX Runtime does (half_output), so the
 *    compiled model's inputs and outputs keep the model's dtypes.
 *
 * So convc rounds to half precision only where the model's interface or an
 * explicit Cast to another dtype asks for it; ONNX Runtime rounds after
 * every f16 op it runs in f16. The results differ by that rounding, which
 * tests/e2e bounds (models/README.md, "half-precision models").
 *
 * Ops in typed_ops[] whose operands are all stored in their own dtype (the
 * arithmetic and data movement of a model that never computes in float)
 * keep running in that dtype, one rounding per op, as ONNX Runtime does.
 * Their float operands must share one ONNX type (Dropout's ratio aside):
 * once a value is carried in float32 the lowering's own check could not
 * tell an f16 operand from a float32 one, so one_float_type does.
 *
 * Invalidates nothing; the IR never holds a half value that a float op
 * reads. float64 stays refused (need_f32 in onnx_ops.c): it is not exact
 * in float32.
 */
#include <stdint.h>
#include <string.h>

#include "frontends/onnx/onnx_internal.h"

#define NODE (im->node)

/* ONNX ops convc runs in every dtype (emit_typed.c, interp_typed.c): they
 * keep float16 and bfloat16 unless an operand is already carried in
 * float32. Every other op computes in float32. A typed op missing here is
 * only computed in float32 too: widening is exact, never wrong. */
static const char *const typed_ops[] = {
	"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Expand", "Tile", "Concat",
	"Split", "Slice", "Pad", "Identity", "Dropout", "Gather", "Add", "Sub", "Mul", "Div",
	"Sum", "Max", "Min", "Neg", "Abs", "Equal", "Less", "Greater", "LessOrEqual",
	"GreaterOrEqual", "Not", "And", "Or", "Xor", "Where", "ArgMax", "ArgMin", NULL,
};

static int is_typed_op(const char *op)
{
	int i;

	for (i = 0; typed_ops[i]; i++)
		if (!strcmp(typed_ops[i], op))
			return 1;
	return 0;
}

static int is_half(cv_dtype t)
{
	return t == CV_F16 || t == CV_BF16;
}

/* A one-operand cast node of x to dt, its result named after base (made
 * unique); node_name is the ONNX node it stands for. */
static cv_status cast_node(imp *im, cv_value *x, cv_dtype dt, const char *node_name, const char *base,
			   cv_value **out)
{
	cv_node *n = cv_graph_add_node(im->g, CV_OP_CAST, node_name, &x, 1, &base, 1);
	cv_status st;

	if (!n)
		return imp_error(im, CV_ERR_NOMEM, "out of memory");
	memset(&n->attrs, 0, sizeof n->attrs);
	n->attrs.cast_to = dt;
	if ((st = cv_node_infer_types(n, im->d)))
		return st;
	*out = n->outputs[0];
	return CV_OK;
}

/* A new float32 constant holding constant v's values converted to float32
 * and rounded through dtype `via` (-1: not rounded). */
static cv_status const_f32(imp *im, const cv_value *v, int via, cv_value **out)
{
	int64_t numel = cv_type_numel(&v->type), i;
	cv_type t = v->type;
	cv_value *c;
	uint16_t h;

	if (numel < 0 || (uint64_t)numel > SIZE_MAX / sizeof(float))
		return imp_error(im, CV_ERR_INPUT, "constant '%s' is too large", v->name);
	t.dtype = CV_F32;
	if (!(c = cv_graph_add_const(im->g, v->name, &t, NULL, (size_t)numel * sizeof(float))))
		return imp_error(im, CV_ERR_NOMEM, "out of memory for constant '%s' in float32", v->name);
	for (i = 0; i < numel; i++) {
		float f = (float)cv_elem_get_f(v->data, v->type.dtype, i);
		if (via == CV_F16)
			h = cv_f32_to_f16(f), f = cv_f16_to_f32(h);
		else if (via == CV_BF16)
			h = cv_f32_to_bf16(f), f = cv_bf16_to_f32(h);
		((float *)c->data)[i] = f;
	}
	*out = c;
	return CV_OK;
}

/* Bind ONNX value `name` (stored f16/bf16) to its float32 version. */
static cv_status widen(imp *im, const char *name)
{
	cv_value *v = imp_lookup(im, name), *w = NULL;
	cv_status st;
	int dt;

	if (!v || !is_half(v->type.dtype))
		return CV_OK;
	dt = (int)v->type.dtype;
	if (v->kind == CV_VALUE_CONST) {
		if (!(st = const_f32(im, v, -1, &w))) {
			/* the float32 copy takes the initializer's name, for the IR
			 * and the report; the f16 one is left unread */
			const char *tmp = w->name;
			w->name = v->name;
			v->name = tmp;
		}
	} else /* a graph input's cast is named after the input, as its reader would be */
		st = cast_node(im, v, CV_F32, v->kind == CV_VALUE_INPUT ? v->name : im->node_name, v->name, &w);
	if (st)
		return st;
	imp_rebind(im, name, w, dt);
	return CV_OK;
}

/* Bind result 0 of the current node to v carrying ONNX dtype half. */
static cv_status bind_result(imp *im, cv_value *v, int half)
{
	cv_status st;

	if (NODE->n_output < 1 || !NODE->output[0] || !NODE->output[0][0])
		return CV_OK;
	if ((st = imp_bind(im, NODE->output[0], v)))
		return st;
	imp_rebind(im, NODE->output[0], NULL, half);
	return CV_OK;
}

/*
 * Cast and CastLike whose operand is carried in float32, whose target (for
 * CastLike: `like`) is, or that rounds a float constant to f16/bf16. Any
 * other Cast is left to the folder and lower_cast.
 */
static cv_status half_cast(imp *im, int *done)
{
	const char *xname = NODE->n_input ? NODE->input[0] : NULL;
	int castlike = !strcmp(NODE->op_type, "CastLike"), hx, to;
	cv_value *x, *r = NULL;
	cv_status st;

	if (!xname || !xname[0] || !(x = imp_lookup(im, xname)) || NODE->n_output < 1 || !NODE->output[0])
		return CV_OK; /* lower_cast says what is missing */
	hx = imp_half(im, xname);
	if (castlike) {
		cv_value *like = NODE->n_input > 1 && NODE->input[1] ? imp_lookup(im, NODE->input[1]) : NULL;
		if (!like)
			return CV_OK;
		to = imp_half(im, NODE->input[1]);
		if (to < 0) {
			if (hx < 0)
				return CV_OK;
			to = (int)like->type.dtype;
		}
	} else {
		to = onnx_dtype((int32_t)cast_to(im, NODE));
		if (to < 0)
			return CV_OK; /* lower_cast names the dtype */
	}
	if (hx < 0) {
		if (!is_half((cv_dtype)to))
			return CV_OK;
		*done = 1;
		if (x->kind == CV_VALUE_CONST && !is_half(x->type.dtype)) {
			/* rounded now, carried in float32: no f16 constant to fold */
			if ((st = const_f32(im, x, to, &r)))
				return st;
			return bind_result(im, r, to);
		}
		if (x->type.dtype == (cv_dtype)to)
			return bind_result(im, x, -1);
		/* CastLike to a carried dtype: a real rounding cast */
		if ((st = cast_node(im, x, (cv_dtype)to, im->node_name, NODE->output[0], &r)))
			return st;
		return bind_result(im, r, -1);
	}
	*done = 1;
	if (to == hx)
		return bind_result(im, x, hx);
	if (to == CV_F32)
		return bind_result(im, x, -1);
	/* another dtype: round to the carried one first, as ONNX Runtime's
	 * operand is, then cast */
	if ((st = cast_node(im, x, (cv_dtype)hx, im->node_name, xname, &r)) ||
	    (st = cast_node(im, r, (cv_dtype)to, im->node_name, NODE->output[0], &r)))
		return st;
	return bind_result(im, r, -1);
}

/* The ONNX dtype of a float operand: what a carried value stands for, else
 * its own; -1 for integers and bool. */
static int onnx_float_dtype(imp *im, const char *name, const cv_value *v)
{
	int h = imp_half(im, name);

	if (h >= 0)
		return h;
	return cv_dtype_is_float(v->type.dtype) ? (int)v->type.dtype : -1;
}

/* The float operands of a typed op share one ONNX type (T): once an f16
 * value is carried in float32, a float32 operand next to it would pass the
 * lowering's own check, so an invalid model is caught here. */
static cv_status one_float_type(imp *im)
{
	int first = -1;
	size_t i;

	for (i = 0; i < NODE->n_input; i++) {
		const char *name = NODE->input[i];
		cv_value *v = name && name[0] ? imp_lookup(im, name) : NULL;
		int dt = v ? onnx_float_dtype(im, name, v) : -1;
		if (dt < 0)
			continue;
		if (first < 0)
			first = dt;
		else if (dt != first)
			return imp_error(im, CV_ERR_INPUT, "operands are %s and %s; ONNX requires one type",
					 cv_dtype_name((cv_dtype)first), cv_dtype_name((cv_dtype)dt));
	}
	return CV_OK;
}

cv_status half_prepare(imp *im, int *half, int *done)
{
	const char *op = NODE->op_type ? NODE->op_type : "";
	int stored = -1, carried = -1, all_const = 1;
	cv_status st;
	size_t i;

	*half = -1;
	*done = 0;
	if (!strcmp(op, "Cast") || !strcmp(op, "CastLike"))
		return half_cast(im, done);
	if (!strcmp(op, "ConstantOfShape")) {
		/* the folder makes a float16/bfloat16 fill float32 */
		const Onnx__AttributeProto *a = attr_find(NODE, "value");
		int dt = a && a->t ? onnx_dtype(a->t->data_type) : -1;
		*half = dt >= 0 && is_half((cv_dtype)dt) ? dt : -1;
		return CV_OK;
	}
	if (!strcmp(op, "Shape") || !strcmp(op, "Size") || !strcmp(op, "Constant"))
		return CV_OK;
	for (i = 0; i < NODE->n_input; i++) {
		const char *name = NODE->input[i];
		cv_value *v = name && name[0] ? imp_lookup(im, name) : NULL;
		if (!v)
			continue; /* absent, or undefined: lowering says so */
		if (v->kind != CV_VALUE_CONST)
			all_const = 0;
		if (is_half(v->type.dtype) && stored < 0)
			stored = (int)v->type.dtype;
		if (carried < 0)
			carried = imp_half(im, name);
	}
	if (stored < 0 && carried < 0)
		return CV_OK;
	/* (Dropout's ratio has a float type of its own, T1) */
	if (is_typed_op(op) && strcmp(op, "Dropout") && (st = one_float_type(im)))
		return st;
	/* Typed ops on stored f16/bf16 keep their dtype, except constants the
	 * folder would otherwise have to make f16 (it folds in float32). */
	if (carried < 0 && is_typed_op(op) && !(all_const && fold_supports(op)))
		return CV_OK;
	for (i = 0; i < NODE->n_input; i++)
		if (NODE->input[i] && NODE->input[i][0] && (st = widen(im, NODE->input[i])))
			return st;
	*half = carried >= 0 ? carried : stored;
	return CV_OK;
}

void half_finish(imp *im, int half)
{
	size_t i;

	if (half < 0)
		return;
	for (i = 0; i < NODE->n_output; i++) {
		const char *name = NODE->output[i];
		cv_value *v = name && name[0] ? imp_lookup(im, name) : NULL;
		if (v && v->type.dtype == CV_F32 && imp_half(im, name) < 0)
			imp_rebind(im, name, NULL, half);
	}
}

cv_status half_output(imp *im, const Onnx__ValueInfoProto *vi, cv_value **v)
{
	const Onnx__TypeProto *tp = vi->type;
	const char *name = vi->name ? vi->name : "", *tmp;
	int half = imp_half(im, name);
	cv_value *r = NULL;
	cv_status st;

	/* The declared type decides when there is one (a float32 result of an
	 * f16 op, LayerNormalization's Mean say, stays float32). */
	if (tp && tp->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE && tp->tensor_type &&
	    tp->tensor_type->has_elem_type) {
		int dt = onnx_dtype(tp->tensor_type->elem_type);
		half = dt >= 0 && is_half((cv_dtype)dt) ? dt : -1;
	}
	if (half < 0 || (*v)->type.dtype != CV_F32)
		return CV_OK;
	if ((st = cast_node(im, *v, (cv_dtype)half, name, name, &r)))
		return st;
	/* the cast's result takes the ONNX name, which model.h shows (when *v
	 * holds it; a value forwarded under another name left it free) */
	if (!strcmp((*v)->name, name)) {
		tmp = r->name;
		r->name = (*v)->name;
		(*v)->name = tmp;
	}
	imp_rebind(im, name, r, -1);
	*v = r;
	return CV_OK;
}
