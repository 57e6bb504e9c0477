/*
 * interp_typed.c - the reference interpreter's ops on tensors of any dtype:
 * data movement, arithmetic on integers, f64 and halves, cast, the
 * comparisons and logical ops, where, argmax/argmin.
 *
 * Element access goes through elem.h (one element at a time, as a double or
 * an int64): slow, simple and independent of the C backend. Integer
 * arithmetic wraps modulo 2^64 and then to the dtype's width; integer
 * division truncates toward zero (C's /, as ONNX Runtime computes it), and
 * a division by zero gives 0 (ONNX leaves it undefined; ONNX Runtime
 * traps). Halves compute in float and round back to nearest even.
 *
 * Data movement reuses the float32 kernels on an index map: each operand
 * element is numbered (exact in a float up to 2^24), the f32 op moves the
 * numbers, and the bytes follow them; a pad's fill is marked -1.
 */
#include <stdlib.h>
#include <string.h>

#include "convc/ir.h"
#include "ir/interp_ops.h"

#define INDEX_LIMIT ((int64_t)1 << 24) /* floats hold every integer below it */
#define MAX_VALUES 64

static int64_t numel_of(const cv_value *v)
{
	return v ? cv_type_numel(&v->type) : 0;
}

/* ---- data movement on an index map ---- */

static cv_status run_moved(const cv_node *n, const void *const *in, void *const *out, cv_diag *d)
{
	float *idx[MAX_VALUES] = {0}, *res[MAX_VALUES] = {0};
	int64_t base[MAX_VALUES + 1], k;
	cv_node copy = *n;
	size_t es = cv_dtype_size(n->outputs[0]->type.dtype);
	unsigned char fill[8];
	cv_status st = CV_OK;
	int i, j;

	base[0] = 0;
	for (i = 0; i < n->num_inputs; i++)
		base[i + 1] = base[i] + numel_of(n->inputs[i]);
	if (base[n->num_inputs] >= INDEX_LIMIT)
		return UNSUPPORTED("%s '%s': %lld elements of %s; the interpreter moves at most 2^24 of a "
				   "non-f32 dtype", OPNAME(n), (long long)base[n->num_inputs],
				   cv_dtype_name(n->outputs[0]->type.dtype));
	if (n->op == CV_OP_PAD) {
		cv_elem_set_f(fill, n->outputs[0]->type.dtype, 0, n->attrs.pad.value);
		copy.attrs.pad.value = -1.0f;
	}
	for (i = 0; i < n->num_inputs; i++) {
		if (!(idx[i] = malloc((size_t)(numel_of(n->inputs[i]) + 1) * sizeof(float)))) {
			st = cv_diag_error(d, CV_ERR_NOMEM, "%s '%s': out of memory", OPNAME(n));
			goto done;
		}
		for (k = 0; k < numel_of(n->inputs[i]); k++)
			idx[i][k] = (float)(base[i] + k);
	}
	for (j = 0; j < n->num_outputs; j++)
		if (!(res[j] = malloc((size_t)(numel_of(n->outputs[j]) + 1) * sizeof(float)))) {
			st = cv_diag_error(d, CV_ERR_NOMEM, "%s '%s': out of memory", OPNAME(n));
			goto done;
		}
	if ((st = interp_node(&copy, (const float *const *)idx, res, d)))
		goto done;
	for (j = 0; j < n->num_outputs; j++)
		for (k = 0; k < numel_of(n->outputs[j]); k++) {
			unsigned char *dst = (unsigned char *)out[j] + (size_t)k * es;
			int64_t src = (int64_t)res[j][k];
			if (res[j][k] < 0) {
				memcpy(dst, fill, es);
				continue;
			}
			for (i = 0; i + 1 < n->num_inputs && src >= base[i + 1]; i++)
				;
			memcpy(dst, (const unsigned char *)in[i] + (size_t)(src - base[i]) * es, es);
		}
done:
	for (i = 0; i < MAX_VALUES; i++) {
		free(idx[i]);
		free(res[i]);
	}
	return st;
}

/* ---- broadcasting ---- */

/* Element index of operand t for result element `at` of y (NumPy broadcast). */
static int64_t bcast_index(const cv_type *t, const cv_type *y, int64_t at)
{
	int64_t idx = 0, stride = 1;
	int k;

	for (k = y->rank - 1; k >= 0; k--) {
		int64_t c = at % y->dims[k];
		int j = k - (y->rank - t->rank);
		at /= y->dims[k];
		if (j < 0)
			continue;
		if (t->dims[j] != 1)
			idx += c * stride;
		stride *= t->dims[j];
	}
	return idx;
}

/* ---- arithmetic ---- */

/* u64: division and order on the unsigned values (a, b hold their bits) */
static int64_t u64_binary(cv_op op, uint64_t a, uint64_t b)
{
	switch (op) {
	case CV_OP_DIV: return b ? (int64_t)(a / b) : 0;
	case CV_OP_MAX: return (int64_t)(a > b ? a : b);
	case CV_OP_MIN: return (int64_t)(a < b ? a : b);
	case CV_OP_EQUAL: return a == b;
	case CV_OP_LESS: return a < b;
	case CV_OP_GREATER: return a > b;
	case CV_OP_LESS_EQUAL: return a <= b;
	case CV_OP_GREATER_EQUAL: return a >= b;
	default: return 0;
	}
}

static int64_t int_binary(cv_op op, int64_t a, int64_t b)
{
	uint64_t ua = (uint64_t)a, ub = (uint64_t)b;

	switch (op) {
	case CV_OP_ADD: return (int64_t)(ua + ub);
	case CV_OP_SUB: return (int64_t)(ua - ub);
	case CV_OP_MUL: return (int64_t)(ua * ub);
	case CV_OP_DIV:
		if (b == 0)
			return 0;
		if (b == -1) /* INT64_MIN / -1 overflows: negate modulo 2^64 */
			return (int64_t)(0 - ua);
		return a / b;
	case CV_OP_MAX: return a > b ? a : b;
	case CV_OP_MIN: return a < b ? a : b;
	default: return 0;
	}
}

static double float_binary(cv_op op, double a, double b)
{
	switch (op) {
	case CV_OP_ADD: return a + b;
	case CV_OP_SUB: return a - b;
	case CV_OP_MUL: return a * b;
	case CV_OP_DIV: return a / b;
	case CV_OP_MAX: return a != a || b != b ? NAN : a > b ? a : b;
	case CV_OP_MIN: return a != a || b != b ? NAN : a < b ? a : b;
	default: return 0;
	}
}

/* Halves round their result as the op in float would (f16 add = f32 add then round). */
static double round_to(cv_dtype dt, double v)
{
	return dt == CV_F16 || dt == CV_BF16 ? (double)(float)v : v;
}

static int compare(cv_op op, int is_float, const void *a, const void *b, cv_dtype dt, int64_t ia,
		   int64_t ib)
{
	if (is_float) {
		double x = cv_elem_get_f(a, dt, ia), y = cv_elem_get_f(b, dt, ib);
		switch (op) {
		case CV_OP_EQUAL: return x == y;
		case CV_OP_LESS: return x < y;
		case CV_OP_GREATER: return x > y;
		case CV_OP_LESS_EQUAL: return x <= y;
		default: return x >= y;
		}
	} else {
		int64_t x = cv_elem_get_i(a, dt, ia), y = cv_elem_get_i(b, dt, ib);
		if (dt == CV_U64)
			return (int)u64_binary(op, (uint64_t)x, (uint64_t)y);
		switch (op) {
		case CV_OP_EQUAL: return x == y;
		case CV_OP_LESS: return x < y;
		case CV_OP_GREATER: return x > y;
		case CV_OP_LESS_EQUAL: return x <= y;
		default: return x >= y;
		}
	}
}

static cv_status run_binary_typed(const cv_node *n, const void *const *in, void *const *out)
{
	const cv_type *ta = &n->inputs[0]->type, *tb = &n->inputs[1]->type, *y = &n->outputs[0]->type;
	cv_dtype dt = ta->dtype;
	int fl = cv_dtype_is_float(dt);
	int64_t k, count = cv_type_numel(y);

	for (k = 0; k < count; k++) {
		int64_t ia = bcast_index(ta, y, k), ib = bcast_index(tb, y, k);
		switch (n->op) {
		case CV_OP_EQUAL:
		case CV_OP_LESS:
		case CV_OP_GREATER:
		case CV_OP_LESS_EQUAL:
		case CV_OP_GREATER_EQUAL:
			((uint8_t *)out[0])[k] = (uint8_t)compare(n->op, fl, in[0], in[1], dt, ia, ib);
			break;
		case CV_OP_AND:
			((uint8_t *)out[0])[k] = ((const uint8_t *)in[0])[ia] && ((const uint8_t *)in[1])[ib];
			break;
		case CV_OP_OR:
			((uint8_t *)out[0])[k] = ((const uint8_t *)in[0])[ia] || ((const uint8_t *)in[1])[ib];
			break;
		case CV_OP_XOR:
			((uint8_t *)out[0])[k] = !((const uint8_t *)in[0])[ia] != !((const uint8_t *)in[1])[ib];
			break;
		default:
			if (fl)
				cv_elem_set_f(out[0], dt, k,
					      round_to(dt, float_binary(n->op, cv_elem_get_f(in[0], dt, ia),
									cv_elem_get_f(in[1], dt, ib))));
			else if (dt == CV_U64 && n->op != CV_OP_ADD && n->op != CV_OP_SUB && n->op != CV_OP_MUL)
				cv_elem_set_i(out[0], dt, k,
					      u64_binary(n->op, (uint64_t)cv_elem_get_i(in[0], dt, ia),
							 (uint64_t)cv_elem_get_i(in[1], dt, ib)));
			else
				cv_elem_set_i(out[0], dt, k,
					      int_binary(n->op, cv_elem_get_i(in[0], dt, ia),
							 cv_elem_get_i(in[1], dt, ib)));
			break;
		}
	}
	return CV_OK;
}

/* pow with a base and an exponent of any number dtypes, the result the
 * base's: computed in double and converted as a cast from a double (an
 * integer result truncates toward zero), as ONNX Runtime's std::pow does. */
static cv_status run_pow_typed(const cv_node *n, const void *const *in, void *const *out)
{
	const cv_type *ta = &n->inputs[0]->type, *tb = &n->inputs[1]->type, *y = &n->outputs[0]->type;
	int64_t k, count = cv_type_numel(y);

	for (k = 0; k < count; k++) {
		double a = cv_elem_get_f(in[0], ta->dtype, bcast_index(ta, y, k));
		double b = cv_elem_get_f(in[1], tb->dtype, bcast_index(tb, y, k));
		cv_elem_set_f(out[0], y->dtype, k, pow(a, b));
	}
	return CV_OK;
}

static cv_status run_unary_typed(const cv_node *n, const void *const *in, void *const *out)
{
	cv_dtype dt = n->inputs[0]->type.dtype, to = n->outputs[0]->type.dtype;
	int64_t k, count = numel_of(n->outputs[0]);

	for (k = 0; k < count; k++) {
		if (n->op == CV_OP_NOT) {
			((uint8_t *)out[0])[k] = !((const uint8_t *)in[0])[k];
		} else if (n->op == CV_OP_CAST) {
			/* through a double from a float, an int64 from an integer */
			if (cv_dtype_is_float(dt) || (dt == CV_U64 && cv_dtype_is_float(to)))
				cv_elem_set_f(out[0], to, k, cv_elem_get_f(in[0], dt, k));
			else
				cv_elem_set_i(out[0], to, k, cv_elem_get_i(in[0], dt, k));
		} else if (cv_dtype_is_float(dt)) {
			double x = cv_elem_get_f(in[0], dt, k);
			cv_elem_set_f(out[0], dt, k, n->op == CV_OP_NEG ? -x : fabs(x));
		} else {
			int64_t x = cv_elem_get_i(in[0], dt, k);
			uint64_t neg = 0 - (uint64_t)x;
			int flip = n->op == CV_OP_NEG || (x < 0 && dt != CV_U64); /* |u64| is itself */
			cv_elem_set_i(out[0], dt, k, flip ? (int64_t)neg : x);
		}
	}
	return CV_OK;
}

static cv_status run_where(const cv_node *n, const void *const *in, void *const *out)
{
	const cv_type *y = &n->outputs[0]->type;
	size_t es = cv_dtype_size(y->dtype);
	int64_t k, count = cv_type_numel(y);

	for (k = 0; k < count; k++) {
		int64_t ic = bcast_index(&n->inputs[0]->type, y, k);
		int pick = ((const uint8_t *)in[0])[ic] ? 1 : 2;
		int64_t ix = bcast_index(&n->inputs[pick]->type, y, k);
		memcpy((unsigned char *)out[0] + (size_t)k * es,
		       (const unsigned char *)in[pick] + (size_t)ix * es, es);
	}
	return CV_OK;
}

/* argmax/argmin along the axis: strict > (<) keeps the first extreme,
 * >= (<=) with select_last the last. Integers compare as int64. */
static cv_status run_arg(const cv_node *n, const void *const *in, void *const *out)
{
	const cv_type *x = &n->inputs[0]->type;
	const cv_arg_attrs *a = &n->attrs.arg;
	int64_t outer = 1, inner = 1, len = x->dims[a->axis], o, i, k;
	int fl = cv_dtype_is_float(x->dtype), mx = n->op == CV_OP_ARGMAX;
	int k2;

	for (k2 = 0; k2 < a->axis; k2++)
		outer *= x->dims[k2];
	for (k2 = (int)a->axis + 1; k2 < x->rank; k2++)
		inner *= x->dims[k2];
	for (o = 0; o < outer; o++)
		for (i = 0; i < inner; i++) {
			int64_t best = 0, at = o * len * inner + i;
			for (k = 1; k < len; k++) {
				int64_t p = at + k * inner, q = at + best * inner;
				int better, same;
				if (fl) {
					double v = cv_elem_get_f(in[0], x->dtype, p), b = cv_elem_get_f(in[0], x->dtype, q);
					better = mx ? v > b : v < b;
					same = v == b;
				} else if (x->dtype == CV_U64) {
					uint64_t v = (uint64_t)cv_elem_get_i(in[0], x->dtype, p);
					uint64_t b = (uint64_t)cv_elem_get_i(in[0], x->dtype, q);
					better = mx ? v > b : v < b;
					same = v == b;
				} else {
					int64_t v = cv_elem_get_i(in[0], x->dtype, p), b = cv_elem_get_i(in[0], x->dtype, q);
					better = mx ? v > b : v < b;
					same = v == b;
				}
				if (better || (same && a->select_last))
					best = k;
			}
			((int64_t *)out[0])[o * inner + i] = best;
		}
	return CV_OK;
}

/* Whether element q of x (dtype dt) beats element p, the best so far
 * (have: there is one): floats from -inf (a NaN never wins), integers
 * exactly, as int64. */
static int pool_beats(const void *x, cv_dtype dt, int64_t q, int64_t p, int have)
{
	if (cv_dtype_is_float(dt))
		return cv_elem_get_f(x, dt, q) > (have ? cv_elem_get_f(x, dt, p) : -INFINITY);
	return !have || cv_elem_get_i(x, dt, q) > cv_elem_get_i(x, dt, p);
}

/* maxpool_indices: per window the first largest element of x and its index
 * in x's NCHW (NCDHW) numbering, row-major or, with storage_order,
 * column-major within the plane; a window with no element of x gives -inf
 * (0 for integers) and the index of its plane's first element. A 2-D pool
 * is the 3-D one at unit depth. */
static cv_status run_maxpool_indices(const cv_node *n, const void *const *in, void *const *out)
{
	const cv_pool_attrs *a = &n->attrs.pool;
	const cv_type *x = &n->inputs[0]->type, *y = &n->outputs[0]->type;
	int nd = x->rank - 2, k3;
	int64_t din[3] = {1, 1, 1}, dout[3] = {1, 1, 1}, w[3][5] = {{1, 1, 1, 0, 0}}, o[3], t[3];
	int64_t planes = x->dims[0] * x->dims[1], plane, p, k = 0;

	for (k3 = 0; k3 < nd; k3++) {
		din[3 - nd + k3] = x->dims[2 + k3];
		dout[3 - nd + k3] = y->dims[2 + k3];
		cv_pool_window(a, nd, k3, w[3 - nd + k3]);
	}
	plane = din[0] * din[1] * din[2];
	for (p = 0; p < planes; p++)
		for (o[0] = 0; o[0] < dout[0]; o[0]++)
			for (o[1] = 0; o[1] < dout[1]; o[1]++)
				for (o[2] = 0; o[2] < dout[2]; o[2]++, k++) {
					int64_t best = 0, at = 0, z[3], q;
					int have = 0, in_x;
					for (t[0] = 0; t[0] < w[0][0]; t[0]++)
						for (t[1] = 0; t[1] < w[1][0]; t[1]++)
							for (t[2] = 0; t[2] < w[2][0]; t[2]++) {
								for (in_x = 1, k3 = 0; k3 < 3; k3++) {
									z[k3] = o[k3] * w[k3][1] - w[k3][3] + t[k3] * w[k3][2];
									in_x &= z[k3] >= 0 && z[k3] < din[k3];
								}
								q = p * plane + (z[0] * din[1] + z[1]) * din[2] + z[2];
								if (!in_x || !pool_beats(in[0], x->dtype, q, best, have))
									continue;
								best = q;
								have = 1;
								at = a->storage_order ? (z[2] * din[1] + z[1]) * din[0] + z[0]
										      : q - p * plane;
							}
					if (have && cv_dtype_is_float(x->dtype))
						cv_elem_set_f(out[0], y->dtype, k, cv_elem_get_f(in[0], x->dtype, best));
					else if (have)
						cv_elem_set_i(out[0], y->dtype, k, cv_elem_get_i(in[0], x->dtype, best));
					else
						cv_elem_set_f(out[0], y->dtype, k, cv_dtype_is_float(y->dtype) ? -INFINITY : 0);
					((int64_t *)out[1])[k] = p * plane + at;
				}
	return CV_OK;
}

/* gather: slices of x along axis picked by the indices; one outside
 * [-len, len) gives zeros (the C backend's kernel does the same). */
static cv_status run_gather(const cv_node *n, const void *const *in, void *const *out)
{
	const cv_type *x = &n->inputs[0]->type, *ix = &n->inputs[1]->type;
	size_t es = cv_dtype_size(x->dtype);
	int64_t outer = 1, inner = 1, len = x->dims[n->attrs.axis], count = cv_type_numel(ix), o, j;
	int k;

	for (k = 0; k < n->attrs.axis; k++)
		outer *= x->dims[k];
	for (k = (int)n->attrs.axis + 1; k < x->rank; k++)
		inner *= x->dims[k];
	for (o = 0; o < outer; o++)
		for (j = 0; j < count; j++) {
			int64_t i = cv_elem_get_i(in[1], ix->dtype, j);
			unsigned char *dst = (unsigned char *)out[0] + (size_t)((o * count + j) * inner) * es;
			if (i < 0)
				i += len;
			if (i < 0 || i >= len)
				memset(dst, 0, (size_t)inner * es);
			else
				memcpy(dst, (const unsigned char *)in[0] + (size_t)((o * len + i) * inner) * es,
				       (size_t)inner * es);
		}
	return CV_OK;
}

cv_status interp_typed_node(const cv_node *n, const void *const *in, void *const *out, cv_diag *d)
{
	int i;

	switch (n->op) {
	CV_CASE_MOVED_OPS:
		return run_moved(n, in, out, d);
	case CV_OP_ADD:
	case CV_OP_SUB:
	case CV_OP_MUL:
	case CV_OP_DIV:
	case CV_OP_MAX:
	case CV_OP_MIN:
	case CV_OP_EQUAL:
	case CV_OP_LESS:
	case CV_OP_GREATER:
	case CV_OP_LESS_EQUAL:
	case CV_OP_GREATER_EQUAL:
	case CV_OP_AND:
	case CV_OP_OR:
	case CV_OP_XOR:
		return run_binary_typed(n, in, out);
	case CV_OP_POW:
		return run_pow_typed(n, in, out);
	case CV_OP_NEG:
	case CV_OP_ABS:
	case CV_OP_NOT:
	case CV_OP_CAST:
		return run_unary_typed(n, in, out);
	case CV_OP_WHERE:
		return run_where(n, in, out);
	case CV_OP_ARGMAX:
	case CV_OP_ARGMIN:
		return run_arg(n, in, out);
	case CV_OP_GATHER:
		return run_gather(n, in, out);
	case CV_OP_MAXPOOL_INDICES:
		return run_maxpool_indices(n, in, out);
	default:
		break;
	}
	for (i = 0; i < n->num_inputs; i++)
		if (n->inputs[i] && n->inputs[i]->type.dtype != CV_F32)
			break;
	if (i < n->num_inputs)
		return UNSUPPORTED("%s '%s': operand %d ('%s') is %s; the interpreter computes this op in "
				   "float32 only", OPNAME(n), i, n->inputs[i]->name,
				   cv_dtype_name(n->inputs[i]->type.dtype));
	return UNSUPPORTED("%s '%s': result 0 is %s; the interpreter computes this op in float32 only",
			   OPNAME(n), cv_dtype_name(n->outputs[0]->type.dtype));
}
