/*
 * onnx_fold.c - evaluate ONNX nodes at import time when every operand is a
 * constant (or, for Shape, has a static type).
 *
 * Exporters compute reshape targets at run time (Shape -> Gather ->
 * Unsqueeze -> Concat -> Reshape, with Casts); convc's types are static, so
 * these chains always fold to constants here and never reach the IR.
 * Integers are computed in int64, floats in double, then stored in the
 * result's ONNX dtype.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/onnx/onnx_internal.h"

#define NODE (im->node)

static const char *const foldable[] = {
	"Constant", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast", "Reshape",
	"Flatten", "Slice", "Add", "Sub", "Mul", "Div", "ConstantOfShape", "Identity", "Transpose",
	NULL,
};

int fold_supports(const char *op_type)
{
	int i;

	for (i = 0; op_type && foldable[i]; i++)
		if (!strcmp(foldable[i], op_type))
			return 1;
	return 0;
}

static int is_float(cv_dtype t)
{
	return t == CV_F32 || t == CV_F64;
}

/* A float as an integer the way a Cast would produce it, but defined for
 * every input: NaN gives 0 and values beyond int64 saturate (a plain
 * conversion is undefined behaviour there; the folded values come from the
 * model file). */
static int64_t f2i(double x)
{
	if (x != x)
		return 0;
	if (x >= 0x1p63)
		return INT64_MAX;
	if (x < -0x1p63)
		return INT64_MIN;
	return (int64_t)x;
}

static int64_t get_i(const cv_value *v, int64_t i)
{
	const void *p = v->data;

	switch (v->type.dtype) {
	case CV_I64: return ((const int64_t *)p)[i];
	case CV_I32: return ((const int32_t *)p)[i];
	case CV_I8: return ((const int8_t *)p)[i];
	case CV_U8:
	case CV_BOOL: return ((const uint8_t *)p)[i];
	case CV_I16:
	case CV_U16:
	case CV_U32:
	case CV_U64: return cv_elem_get_i(p, v->type.dtype, i);
	case CV_F32: return f2i(((const float *)p)[i]);
	case CV_F64: return f2i(((const double *)p)[i]);
	default: return 0;
	}
}

static double get_f(const cv_value *v, int64_t i)
{
	return is_float(v->type.dtype) ? const_float_at(v, i) : (double)get_i(v, i);
}

static void set_elem(void *p, cv_dtype t, int64_t i, int64_t iv, double fv, int from_float)
{
	switch (t) {
	case CV_F32: ((float *)p)[i] = from_float ? (float)fv : (float)iv; break;
	case CV_F64: ((double *)p)[i] = from_float ? fv : (double)iv; break;
	case CV_I64: ((int64_t *)p)[i] = from_float ? f2i(fv) : iv; break;
	case CV_I32: ((int32_t *)p)[i] = (int32_t)(from_float ? f2i(fv) : iv); break;
	case CV_I8: ((int8_t *)p)[i] = (int8_t)(from_float ? f2i(fv) : iv); break;
	case CV_BOOL: ((uint8_t *)p)[i] = from_float ? fv != 0 : iv != 0; break;
	case CV_I16:
	case CV_U16:
	case CV_U32:
	case CV_U64:
		if (from_float)
			cv_elem_set_f(p, t, i, fv);
		else
			cv_elem_set_i(p, t, i, iv);
		break;
	default: ((uint8_t *)p)[i] = (uint8_t)(from_float ? f2i(fv) : iv); break;
	}
}

/*
 * A folded constant's limit. Shape chains fold to a few numbers; a
 * ConstantOfShape or Expand with hostile dims could ask for any size, and
 * this keeps what the folder allocates bounded (docs/limits.md).
 */
#define FOLD_MAX_BYTES ((int64_t)256 << 20)

cv_status imp_new_const(imp *im, const char *name, const cv_type *t, cv_value **out)
{
	int64_t numel = cv_type_numel(t);
	char ts[160];
	cv_value *v;

	if (numel < 0 || numel > FOLD_MAX_BYTES / (int64_t)cv_dtype_size(t->dtype))
		return imp_error(im, CV_ERR_INPUT,
				 "folded result %s is too large: convc folds constants of at most 256 MiB",
				 cv_type_str(t, ts, sizeof ts));
	v = cv_graph_add_const(im->g, name, t, NULL, 0);
	if (!v || !(v->data = cv_alloc(im->m, (size_t)numel * cv_dtype_size(t->dtype) + 1)))
		return imp_error(im, CV_ERR_NOMEM, "out of memory");
	v->nbytes = (size_t)numel * cv_dtype_size(t->dtype);
	*out = v;
	return CV_OK;
}

/* Make a constant of type t for result 0 and bind it; *data gets its storage. */
static cv_status new_result(imp *im, const cv_type *t, void **data)
{
	cv_value *v = NULL;
	cv_status st;

	if ((st = imp_new_const(im, NODE->n_output ? NODE->output[0] : "", t, &v)))
		return st;
	if (t->dtype == CV_F16) /* the import fails: the unused constant goes with it */
		return imp_error(im, CV_ERR_UNSUPPORTED, "float16 constants cannot be folded");
	*data = v->data;
	return NODE->n_output ? imp_bind(im, NODE->output[0], v) : CV_OK;
}

/* Result 0 is operand x's data under a new shape (Reshape & co). */
static cv_status reshaped(imp *im, const cv_value *x, const int64_t *dims, int rank)
{
	cv_type t = x->type;
	void *data;
	cv_status st;

	t.rank = rank;
	memcpy(t.dims, dims, (size_t)rank * sizeof *dims);
	t.layout = CV_LAYOUT_PLAIN;
	if (cv_type_numel(&t) != cv_type_numel(&x->type))
		return imp_error(im, CV_ERR_INPUT, "cannot reshape %lld elements", (long long)cv_type_numel(&x->type));
	if ((st = new_result(im, &t, &data)))
		return st;
	memcpy(data, x->data, x->nbytes);
	return CV_OK;
}

static cv_status fold_constant(imp *im)
{
	const Onnx__AttributeProto *a;
	cv_type t = {0};
	cv_value *v;
	void *data;
	cv_status st;
	size_t i;

	if ((a = attr_find(NODE, "value")) && a->t) {
		if ((st = tensor_to_const(im, a->t, NODE->n_output ? NODE->output[0] : "", &v)))
			return st;
		return NODE->n_output ? imp_bind(im, NODE->output[0], v) : CV_OK;
	}
	if ((a = attr_find(NODE, "value_float")) || (a = attr_find(NODE, "value_floats"))) {
		t.dtype = CV_F32;
		t.rank = a->has_f ? 0 : 1;
		t.dims[0] = (int64_t)a->n_floats;
		if ((st = new_result(im, &t, &data)))
			return st;
		if (a->has_f)
			((float *)data)[0] = a->f;
		for (i = 0; i < a->n_floats; i++)
			((float *)data)[i] = a->floats[i];
		return CV_OK;
	}
	if ((a = attr_find(NODE, "value_int")) || (a = attr_find(NODE, "value_ints"))) {
		t.dtype = CV_I64;
		t.rank = a->has_i ? 0 : 1;
		t.dims[0] = (int64_t)a->n_ints;
		if ((st = new_result(im, &t, &data)))
			return st;
		if (a->has_i)
			((int64_t *)data)[0] = a->i;
		for (i = 0; i < a->n_ints; i++)
			((int64_t *)data)[i] = a->ints[i];
		return CV_OK;
	}
	return imp_error(im, CV_ERR_UNSUPPORTED, "only tensor, float(s) and int(s) values are supported");
}

/* Shape (opset 15 adds start/end, clamped like Slice). */
static cv_status fold_shape(imp *im, const cv_value *x)
{
	int64_t rank = x->type.rank, start = attr_int(NODE, "start", 0), end = attr_int(NODE, "end", rank), k;
	cv_type t = {0};
	void *data;
	cv_status st;

	start = start < 0 ? start + rank : start;
	end = end < 0 ? end + rank : end;
	start = start < 0 ? 0 : start > rank ? rank : start;
	end = end < start ? start : end > rank ? rank : end;
	t.dtype = CV_I64;
	t.rank = 1;
	t.dims[0] = end - start;
	if ((st = new_result(im, &t, &data)))
		return st;
	for (k = start; k < end; k++)
		((int64_t *)data)[k - start] = x->type.dims[k];
	return CV_OK;
}

static cv_status fold_gather(imp *im, const cv_value *x, const cv_value *idx)
{
	int64_t axis = attr_int(NODE, "axis", 0), outer = 1, inner = 1, n = x->type.rank, nidx, i, o, j;
	size_t es = cv_dtype_size(x->type.dtype);
	cv_type t = {0};
	void *data;
	cv_status st;
	int k;

	axis = axis < 0 ? axis + n : axis;
	if (axis < 0 || axis >= n || x->type.rank + idx->type.rank - 1 > CV_MAX_RANK ||
	    is_float(idx->type.dtype))
		return imp_error(im, CV_ERR_INPUT, "axis or indices do not fit the data");
	t = x->type;
	t.layout = CV_LAYOUT_PLAIN;
	t.rank = 0;
	for (k = 0; k < x->type.rank; k++) {
		if (k == axis) {
			int q;
			for (q = 0; q < idx->type.rank; q++)
				t.dims[t.rank++] = idx->type.dims[q];
		} else {
			t.dims[t.rank++] = x->type.dims[k];
		}
		if (k < axis)
			outer *= x->type.dims[k];
		if (k > axis)
			inner *= x->type.dims[k];
	}
	nidx = cv_type_numel(&idx->type);
	if ((st = new_result(im, &t, &data)))
		return st;
	for (o = 0; o < outer; o++)
		for (j = 0; j < nidx; j++) {
			i = get_i(idx, j);
			i = i < 0 ? i + x->type.dims[axis] : i;
			if (i < 0 || i >= x->type.dims[axis])
				return imp_error(im, CV_ERR_INPUT, "index %lld out of range", (long long)get_i(idx, j));
			memcpy((char *)data + (size_t)((o * nidx + j) * inner) * es,
			       (const char *)x->data + (size_t)((o * x->type.dims[axis] + i) * inner) * es,
			       (size_t)inner * es);
		}
	return CV_OK;
}

static cv_status fold_concat(imp *im, cv_value **ins, int n)
{
	int64_t axis = concat_axis(im, NODE), outer = 1, inner = 1, o, off = 0;
	size_t es;
	cv_type t;
	void *data;
	cv_status st;
	int i, k;

	for (i = 0; i < n; i++)
		if (!ins[i]) /* an empty name: Concat has no optional inputs */
			return imp_error(im, CV_ERR_INPUT, "input %d has an empty name (Concat has no optional inputs)", i);
	t = ins[0]->type;
	axis = axis < 0 ? axis + t.rank : axis;
	if (axis < 0 || axis >= t.rank)
		return imp_error(im, CV_ERR_INPUT, "axis out of range");
	es = cv_dtype_size(t.dtype);
	t.dims[axis] = 0;
	for (i = 0; i < n; i++) {
		if (ins[i]->type.rank != t.rank || ins[i]->type.dtype != t.dtype)
			return imp_error(im, CV_ERR_INPUT, "operands differ in rank or dtype");
		t.dims[axis] += ins[i]->type.dims[axis];
	}
	for (k = 0; k < t.rank; k++) {
		if (k < axis)
			outer *= t.dims[k];
		if (k > axis)
			inner *= t.dims[k];
	}
	if ((st = new_result(im, &t, &data)))
		return st;
	for (i = 0; i < n; i++) {
		int64_t rows = ins[i]->type.dims[axis] * inner;
		for (o = 0; o < outer; o++)
			memcpy((char *)data + (size_t)(o * t.dims[axis] * inner + off) * es,
			       (const char *)ins[i]->data + (size_t)(o * rows) * es, (size_t)rows * es);
		off += rows;
	}
	return CV_OK;
}

static cv_status fold_cast(imp *im, const cv_value *x)
{
	int to = onnx_dtype((int32_t)cast_to(im, NODE));
	int64_t numel = cv_type_numel(&x->type), i;
	cv_type t = x->type;
	void *data;
	cv_status st;

	if (to < 0)
		return imp_error(im, CV_ERR_UNSUPPORTED, "cast to ONNX type %lld", (long long)cast_to(im, NODE));
	t.dtype = (cv_dtype)to;
	if ((st = new_result(im, &t, &data)))
		return st;
	/* as a run-time cast computes it (the cast op, ops.def) */
	for (i = 0; i < numel; i++)
		if (cv_dtype_is_float(x->type.dtype))
			cv_elem_set_f(data, t.dtype, i, cv_elem_get_f(x->data, x->type.dtype, i));
		else
			cv_elem_set_i(data, t.dtype, i, cv_elem_get_i(x->data, x->type.dtype, i));
	return CV_OK;
}

/* NumPy-broadcast arithmetic on constants. Integer division truncates. */
static cv_status fold_binary(imp *im, const cv_value *a, const cv_value *b)
{
	const char *op = NODE->op_type;
	int64_t sa[CV_MAX_RANK], sb[CV_MAX_RANK], idx[CV_MAX_RANK] = {0}, numel, i, ia = 0, ib = 0;
	cv_type t = a->type.rank >= b->type.rank ? a->type : b->type;
	int fl = is_float(a->type.dtype) || is_float(b->type.dtype), k;
	void *data;
	cv_status st;

	if (a->type.dtype != b->type.dtype)
		return imp_error(im, CV_ERR_INPUT, "operand dtypes differ");
	for (k = t.rank - 1; k >= 0; k--) {
		int ka = k - (t.rank - a->type.rank), kb = k - (t.rank - b->type.rank);
		int64_t da = ka >= 0 ? a->type.dims[ka] : 1, db = kb >= 0 ? b->type.dims[kb] : 1;
		if (da != db && da != 1 && db != 1)
			return imp_error(im, CV_ERR_INPUT, "cannot broadcast %lld with %lld", (long long)da, (long long)db);
		t.dims[k] = da == 1 ? db : da;
	}
	/* element strides of a and b in the output index space (0 = broadcast) */
	for (k = t.rank - 1, ia = ib = 1; k >= 0; k--) {
		int ka = k - (t.rank - a->type.rank), kb = k - (t.rank - b->type.rank);
		sa[k] = ka >= 0 && a->type.dims[ka] != 1 ? ia : 0;
		sb[k] = kb >= 0 && b->type.dims[kb] != 1 ? ib : 0;
		ia *= ka >= 0 ? a->type.dims[ka] : 1;
		ib *= kb >= 0 ? b->type.dims[kb] : 1;
	}
	if ((st = new_result(im, &t, &data)))
		return st;
	numel = cv_type_numel(&t);
	for (i = 0; i < numel; i++) {
		int64_t oa = 0, ob = 0, rv = 0;
		double x, y, r = 0;
		for (k = 0; k < t.rank; k++) {
			oa += idx[k] * sa[k];
			ob += idx[k] * sb[k];
		}
		if (fl) {
			x = get_f(a, oa), y = get_f(b, ob);
			r = op[0] == 'A' ? x + y : op[0] == 'S' ? x - y : op[0] == 'M' ? x * y : x / y;
		} else {
			int64_t p = get_i(a, oa), q = get_i(b, ob);
			if (op[0] == 'D' && q == 0)
				return imp_error(im, CV_ERR_INPUT, "integer division by zero");
			/* integer ops wrap (two's complement), as ONNX Runtime's do,
			 * instead of overflowing: unsigned arithmetic, INT64_MIN / -1 */
			uint64_t up = (uint64_t)p, uq = (uint64_t)q;
			rv = op[0] == 'A' ? (int64_t)(up + uq) : op[0] == 'S' ? (int64_t)(up - uq)
			   : op[0] == 'M' ? (int64_t)(up * uq)
			   : q == -1 ? (int64_t)(0 - up) : p / q;
		}
		set_elem(data, t.dtype, i, rv, r, fl);
		for (k = t.rank - 1; k >= 0; k--) { /* next index, last dim fastest */
			if (++idx[k] < t.dims[k])
				break;
			idx[k] = 0;
		}
	}
	return CV_OK;
}

static cv_status fold_constant_of_shape(imp *im, const cv_value *s)
{
	const Onnx__AttributeProto *a = attr_find(NODE, "value");
	int64_t dims[CV_MAX_RANK], numel, i;
	cv_value *fill = NULL;
	cv_type t = {0};
	void *data;
	cv_status st;
	int rank = const_ints(s, dims, CV_MAX_RANK);

	if (rank < 0)
		return imp_error(im, CV_ERR_UNSUPPORTED, "shape must be a constant of rank <= %d", CV_MAX_RANK);
	if (a && a->t && (st = tensor_to_const(im, a->t, "", &fill)))
		return st;
	t.dtype = fill ? fill->type.dtype : CV_F32;
	/* a float16/bfloat16 fill is carried in float32 (onnx_half.c marks it) */
	if (t.dtype == CV_F16 || t.dtype == CV_BF16)
		t.dtype = CV_F32;
	t.rank = rank;
	memcpy(t.dims, dims, sizeof dims);
	if ((st = new_result(im, &t, &data)))
		return st;
	numel = cv_type_numel(&t);
	for (i = 0; i < numel; i++)
		set_elem(data, t.dtype, i, fill ? get_i(fill, 0) : 0,
			 fill ? cv_elem_get_f(fill->data, fill->type.dtype, 0) : 0,
			 fill && cv_dtype_is_float(fill->type.dtype));
	return CV_OK;
}

/* Result element i (C order over t) = x[base + sum idx_k * strides[k]]:
 * serves Slice (strides = step * dense stride) and Transpose (permuted
 * dense strides). Strides may be negative. */
static void gather_strided(const cv_value *x, const cv_type *t, int64_t base, const int64_t *strides,
			   void *data)
{
	int64_t idx[CV_MAX_RANK] = {0}, numel = cv_type_numel(t), i, src;
	size_t es = cv_dtype_size(x->type.dtype);
	int k;

	for (i = 0; i < numel; i++) {
		for (k = 0, src = base; k < t->rank; k++)
			src += idx[k] * strides[k];
		memcpy((char *)data + (size_t)i * es, (const char *)x->data + (size_t)src * es, es);
		for (k = t->rank - 1; k >= 0; k--) { /* next index, last dim fastest */
			if (++idx[k] < t->dims[k])
				break;
			idx[k] = 0;
		}
	}
}

/* Dense C-order strides of t, in elements. */
static void dense_strides(const cv_type *t, int64_t *s)
{
	int64_t acc = 1;
	int k;

	for (k = t->rank - 1; k >= 0; k--) {
		s[k] = acc;
		acc *= t->dims[k];
	}
}

static cv_status fold_slice(imp *im, const cv_value *x, cv_value **ins, int nin)
{
	int64_t p[4][CV_MAX_RANK], start[CV_MAX_RANK] = {0}, step[CV_MAX_RANK], dense[CV_MAX_RANK];
	int64_t base = 0;
	int n[4], k, j, rank = x->type.rank;
	cv_type t = x->type;
	void *data;
	cv_status st;

	for (j = 0; j < 4; j++) {
		if (im->opset < 10)
			n[j] = j < 3 ? attr_ints(NODE, j == 0 ? "starts" : j == 1 ? "ends" : "axes", p[j], CV_MAX_RANK) : -1;
		else
			n[j] = j + 1 < nin && ins[j + 1] ? const_ints(ins[j + 1], p[j], CV_MAX_RANK) : -1;
	}
	if (n[0] < 0 || n[1] != n[0])
		return imp_error(im, CV_ERR_INPUT, "starts and ends differ in length");
	for (k = 0; k < rank; k++)
		step[k] = 1;
	for (j = 0; j < n[0]; j++) {
		int64_t ax = n[2] >= 0 ? p[2][j] : j, dim, s, e, c;
		ax = ax < 0 ? ax + rank : ax;
		if (ax < 0 || ax >= rank)
			return imp_error(im, CV_ERR_INPUT, "axis out of range");
		dim = x->type.dims[ax];
		c = n[3] >= 0 ? p[3][j] : 1;
		if (c == 0)
			return imp_error(im, CV_ERR_INPUT, "slice step 0 on axis %lld", (long long)ax);
		s = p[0][j] < 0 ? p[0][j] + dim : p[0][j];
		e = p[1][j] < 0 ? p[1][j] + dim : p[1][j];
		/* ceil(span / |step|), without overflow for any int64 step */
		if (c > 0) { /* ONNX: clamp to [0, dim] */
			s = s < 0 ? 0 : s > dim ? dim : s;
			e = e < s ? s : e > dim ? dim : e;
			t.dims[ax] = e == s ? 0 : (int64_t)((uint64_t)(e - s - 1) / (uint64_t)c + 1);
		} else { /* negative step: clamp to [-1, dim-1] and walk down */
			s = s < 0 ? -1 : s > dim - 1 ? dim - 1 : s;
			e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
			t.dims[ax] = s > e ? (int64_t)((uint64_t)(s - e - 1) / (0 - (uint64_t)c) + 1) : 0;
		}
		start[ax] = s;
		/* with one element or none the step is never taken (and a huge one
		 * would overflow the stride below); with two or more |c| < dim */
		step[ax] = t.dims[ax] > 1 ? c : 1;
	}
	if ((st = new_result(im, &t, &data)))
		return st;
	dense_strides(&x->type, dense);
	for (k = 0; k < rank; k++) {
		base += start[k] * dense[k];
		dense[k] *= step[k];
	}
	gather_strided(x, &t, base, dense, data);
	return CV_OK;
}

static cv_status fold_transpose(imp *im, const cv_value *x)
{
	int64_t perm[CV_MAX_RANK], dense[CV_MAX_RANK], strides[CV_MAX_RANK];
	int rank = x->type.rank, n = attr_ints(NODE, "perm", perm, CV_MAX_RANK), k;
	unsigned seen = 0;
	cv_type t = x->type;
	void *data;
	cv_status st;

	if (n < 0)
		for (n = 0; n < rank; n++)
			perm[n] = rank - 1 - n;
	if (n != rank)
		return imp_error(im, CV_ERR_INPUT, "perm has %d entries for rank %d", n, rank);
	dense_strides(&x->type, dense);
	for (k = 0; k < rank; k++) {
		if (perm[k] < 0 || perm[k] >= rank || (seen & (1u << perm[k])))
			return imp_error(im, CV_ERR_INPUT, "perm is not a permutation");
		seen |= 1u << perm[k];
		t.dims[k] = x->type.dims[perm[k]];
		strides[k] = dense[perm[k]];
	}
	t.layout = CV_LAYOUT_PLAIN;
	if ((st = new_result(im, &t, &data)))
		return st;
	gather_strided(x, &t, 0, strides, data);
	return CV_OK;
}

static cv_status fold_reshape_like(imp *im, cv_value *x, cv_value **ins, int nin)
{
	const char *op = NODE->op_type;
	int64_t dims[CV_MAX_RANK], shape[CV_MAX_RANK], axes[CV_MAX_RANK];
	int rank, n;

	if (!strcmp(op, "Reshape")) {
		/* Reshape-1..4: the shape is an attribute */
		rank = im->opset < 5 ? attr_ints(NODE, "shape", shape, CV_MAX_RANK)
				     : nin > 1 ? const_ints(ins[1], shape, CV_MAX_RANK) : -1;
		if (rank < 0 || resolve_reshape(&x->type, shape, rank, (int)attr_int(NODE, "allowzero", 0), dims))
			return imp_error(im, CV_ERR_INPUT, "target shape does not fit the data");
	} else if (!strcmp(op, "Flatten")) {
		int64_t axis = attr_int(NODE, "axis", 1);
		int k;
		axis = axis < 0 ? axis + x->type.rank : axis;
		dims[0] = dims[1] = 1;
		for (k = 0; k < x->type.rank; k++)
			dims[k >= axis] *= x->type.dims[k];
		rank = 2;
	} else {
		int unsq = !strcmp(op, "Unsqueeze");
		if (im->opset < 13)
			n = attr_ints(NODE, "axes", axes, CV_MAX_RANK);
		else
			n = nin > 1 && ins[1] ? const_ints(ins[1], axes, CV_MAX_RANK) : -1;
		if ((unsq && n < 0) || squeeze_shape(&x->type, axes, n, unsq, dims, &rank))
			return imp_error(im, CV_ERR_INPUT, "axes do not fit an input of rank %d", x->type.rank);
	}
	return reshaped(im, x, dims, rank);
}

cv_status fold_node(imp *im, int *folded)
{
	const char *op = NODE->op_type ? NODE->op_type : "";
	cv_value *ins[64];
	cv_status st = CV_OK;
	int nin = (int)NODE->n_input, i;

	*folded = 0;
	if (!fold_supports(op))
		return CV_OK;
	if (!strcmp(op, "Constant")) {
		*folded = 1;
		return fold_constant(im);
	}
	if (nin < 1 || nin > 64)
		return CV_OK;
	for (i = 0; i < nin; i++) {
		ins[i] = imp_input(im, i, &st);
		if (st)
			return st;
		if (ins[i] && ins[i]->kind != CV_VALUE_CONST && !(i == 0 && !strcmp(op, "Shape")))
			return CV_OK; /* a run-time operand: lowered, not folded */
	}
	if (!ins[0])
		return CV_OK;
	*folded = 1;
	if (!strcmp(op, "Shape"))
		return fold_shape(im, ins[0]);
	if (!strcmp(op, "Gather"))
		return nin < 2 || !ins[1] ? imp_error(im, CV_ERR_INPUT, "indices missing") : fold_gather(im, ins[0], ins[1]);
	if (!strcmp(op, "Concat"))
		return fold_concat(im, ins, nin);
	if (!strcmp(op, "Cast"))
		return fold_cast(im, ins[0]);
	if (!strcmp(op, "ConstantOfShape"))
		return fold_constant_of_shape(im, ins[0]);
	if (!strcmp(op, "Slice"))
		return fold_slice(im, ins[0], ins, nin);
	if (!strcmp(op, "Transpose"))
		return fold_transpose(im, ins[0]);
	if (!strcmp(op, "Identity"))
		return NODE->n_output ? imp_bind(im, NODE->output[0], ins[0]) : CV_OK;
	if (!strcmp(op, "Add") || !strcmp(op, "Sub") || !strcmp(op, "Mul") || !strcmp(op, "Div"))
		return nin < 2 || !ins[1] ? imp_error(im, CV_ERR_INPUT, "operand missing") : fold_binary(im, ins[0], ins[1]);
	return fold_reshape_like(im, ins[0], ins, nin);
}
