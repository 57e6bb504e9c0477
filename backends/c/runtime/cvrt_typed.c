/*
 * cvrt_typed.c - kernels on tensors of any dtype (enum cvrt_dtype): data
 * movement by element size, arithmetic, comparisons and logical ops, cast,
 * where, argmax/argmin, gather.
 *
 * float32 models never come here (their kernels are the float families);
 * these serve the integer, bool, f64 and half tensors of index and mask
 * computations. Each element is read as a double or an int64 and written
 * back (one switch per element): simple rather than fast. Kernels of
 * cvrt.h, compiled once per ISA (cvrt_impl.h).
 */
#include "cvrt_impl.h"

#define cvrt_strided_copy_x CVRT_FN(cvrt_strided_copy_x)
#define cvrt_copy_rows_x CVRT_FN(cvrt_copy_rows_x)
#define cvrt_pad_x CVRT_FN(cvrt_pad_x)
#define cvrt_binary_x CVRT_FN(cvrt_binary_x)
#define cvrt_pow_x CVRT_FN(cvrt_pow_x)
#define cvrt_unary_x CVRT_FN(cvrt_unary_x)
#define cvrt_cast CVRT_FN(cvrt_cast)
#define cvrt_where CVRT_FN(cvrt_where)
#define cvrt_arg CVRT_FN(cvrt_arg)
#define cvrt_gather CVRT_FN(cvrt_gather)
#define cvrt_maxpool2d_x CVRT_FN(cvrt_maxpool2d_x)
#define cvrt_maxpool3d_x CVRT_FN(cvrt_maxpool3d_x)

/* ---- halves: round to nearest even on the way in, exact on the way out ---- */

static float f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff, x;
	float f;

	if (e == 0)
		return (sign ? -1.0f : 1.0f) * (float)m * 0x1p-24f;
	x = e == 31 ? (sign | 0x7f800000 | m << 13) : (sign | (e + 112) << 23 | m << 13);
	memcpy(&f, &x, 4);
	return f;
}

static uint16_t f32_to_f16(float f)
{
	uint32_t x, sign, a;

	memcpy(&x, &f, 4);
	sign = (x >> 16) & 0x8000;
	a = x & 0x7fffffff;
	if (a > 0x7f800000)
		return (uint16_t)(sign | 0x7e00 | ((a >> 13) & 0x3ff));
	if (a >= 0x477ff000) /* >= 65520 rounds to infinity */
		return (uint16_t)(sign | 0x7c00);
	if (a < 0x38800000) { /* a subnormal half: round(|f| * 2^24) */
		float af;
		memcpy(&af, &a, 4);
		return (uint16_t)(sign | (uint32_t)nearbyintf(af * 0x1p24f));
	}
	a += 0xfff + ((a >> 13) & 1);
	return (uint16_t)(sign | ((a - 0x38000000) >> 13));
}

static float bf16_to_f32(uint16_t h)
{
	uint32_t x = (uint32_t)h << 16;
	float f;

	memcpy(&f, &x, 4);
	return f;
}

static uint16_t f32_to_bf16(float f)
{
	uint32_t x;

	memcpy(&x, &f, 4);
	if ((x & 0x7fffffff) > 0x7f800000)
		return (uint16_t)((x >> 16) | 0x40);
	return (uint16_t)((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

/* ---- one element ---- */

static int is_float(int dt)
{
	return dt == CVRT_F32 || dt == CVRT_F64 || dt == CVRT_F16 || dt == CVRT_BF16;
}

/* A float as an int64, truncated toward zero; NaN gives 0, beyond saturates. */
static int64_t trunc_i64(double v)
{
	if (v != v)
		return 0;
	if (v >= 0x1p63)
		return INT64_MAX;
	if (v < -0x1p63)
		return INT64_MIN;
	return (int64_t)v;
}

static double get_f(const void *p, int dt, int64_t i);

static int64_t get_i(const void *p, int dt, int64_t i)
{
	switch (dt) {
	case CVRT_I64: return ((const int64_t *)p)[i];
	case CVRT_I32: return ((const int32_t *)p)[i];
	case CVRT_I8: return ((const int8_t *)p)[i];
	case CVRT_U8:
	case CVRT_BOOL: return ((const uint8_t *)p)[i];
	case CVRT_I16: return ((const int16_t *)p)[i];
	case CVRT_U16: return ((const uint16_t *)p)[i];
	case CVRT_U32: return ((const uint32_t *)p)[i];
	case CVRT_U64: return (int64_t)((const uint64_t *)p)[i]; /* the bits, modulo 2^64 */
	default: return trunc_i64(get_f(p, dt, i));
	}
}

static double get_f(const void *p, int dt, int64_t i)
{
	switch (dt) {
	case CVRT_F32: return ((const float *)p)[i];
	case CVRT_F64: return ((const double *)p)[i];
	case CVRT_F16: return f16_to_f32(((const uint16_t *)p)[i]);
	case CVRT_BF16: return bf16_to_f32(((const uint16_t *)p)[i]);
	case CVRT_U64: return (double)((const uint64_t *)p)[i];
	default: return (double)get_i(p, dt, i);
	}
}

static void set_i(void *p, int dt, int64_t i, int64_t v);

static void set_f(void *p, int dt, int64_t i, double v)
{
	switch (dt) {
	case CVRT_F32: ((float *)p)[i] = (float)v; break;
	case CVRT_F64: ((double *)p)[i] = v; break;
	case CVRT_F16: ((uint16_t *)p)[i] = f32_to_f16((float)v); break;
	case CVRT_BF16: ((uint16_t *)p)[i] = f32_to_bf16((float)v); break;
	case CVRT_BOOL: ((uint8_t *)p)[i] = v != 0; break;
	case CVRT_U64: /* from 2^63 up the unsigned range, saturating at 2^64 - 1 */
		((uint64_t *)p)[i] = v >= 0x1p64 ? UINT64_MAX : v >= 0x1p63 ? (uint64_t)v : (uint64_t)trunc_i64(v);
		break;
	default: set_i(p, dt, i, trunc_i64(v)); break;
	}
}

/* Narrowing through the unsigned type wraps modulo 2^width. */
static void set_i(void *p, int dt, int64_t i, int64_t v)
{
	switch (dt) {
	case CVRT_I64: ((int64_t *)p)[i] = v; break;
	case CVRT_I32: ((int32_t *)p)[i] = (int32_t)(uint32_t)(uint64_t)v; break;
	case CVRT_I8: ((int8_t *)p)[i] = (int8_t)(uint8_t)(uint64_t)v; break;
	case CVRT_U8: ((uint8_t *)p)[i] = (uint8_t)(uint64_t)v; break;
	case CVRT_BOOL: ((uint8_t *)p)[i] = v != 0; break;
	case CVRT_I16: ((int16_t *)p)[i] = (int16_t)(uint16_t)(uint64_t)v; break;
	case CVRT_U16: ((uint16_t *)p)[i] = (uint16_t)(uint64_t)v; break;
	case CVRT_U32: ((uint32_t *)p)[i] = (uint32_t)(uint64_t)v; break;
	case CVRT_U64: ((uint64_t *)p)[i] = (uint64_t)v; break;
	default: set_f(p, dt, i, (double)v); break;
	}
}

/* ---- odometer over an output shape with per-operand strides ---- */

typedef struct walk {
	int nd;
	int64_t idx[CVRT_MAX_RANK];
	int64_t off[3];
} walk;

/* Advance w to the next output element: offsets of up to 3 operands. */
static void walk_next(walk *w, const int64_t *dims, const int64_t *const *st, int nops)
{
	int k, j;

	for (k = w->nd - 1; k >= 0; k--) {
		w->idx[k]++;
		for (j = 0; j < nops; j++)
			w->off[j] += st[j][k];
		if (w->idx[k] < dims[k])
			return;
		for (j = 0; j < nops; j++)
			w->off[j] -= st[j][k] * dims[k];
		w->idx[k] = 0;
	}
}

static int64_t count_of(int nd, const int64_t *dims)
{
	int64_t n = 1;
	int k;

	for (k = 0; k < nd; k++)
		n *= dims[k];
	return n;
}

/* ---- data movement ---- */

void cvrt_strided_copy_x(int esize, int ndim, const int64_t *out_dims, const void *x,
			 const int64_t *x_strides, void *y)
{
	const int64_t *st[1] = {x_strides};
	int64_t k, n = count_of(ndim, out_dims);
	walk w;

	memset(&w, 0, sizeof w);
	w.nd = ndim;
	for (k = 0; k < n; k++) {
		memcpy((unsigned char *)y + k * esize, (const unsigned char *)x + w.off[0] * esize,
		       (size_t)esize);
		walk_next(&w, out_dims, st, 1);
	}
}

void cvrt_copy_rows_x(int esize, int64_t outer, int64_t row, const void *x, void *y,
		      int64_t y_stride)
{
	int64_t r;

	if (row <= 0)
		return;
	for (r = 0; r < outer; r++)
		memcpy((unsigned char *)y + r * y_stride * esize, (const unsigned char *)x + r * row * esize,
		       (size_t)(row * esize));
}

/* Source index along one axis, or -1 outside a constant pad. */
static int64_t pad_index(int64_t o, int64_t begin, int64_t len, int mode)
{
	int64_t i = o - begin;

	if (mode == CVRT_PAD_CONSTANT)
		return i < 0 || i >= len ? -1 : i;
	if (mode == CVRT_PAD_EDGE)
		return i < 0 ? 0 : (i >= len ? len - 1 : i);
	if (len == 1)
		return 0;
	while (i < 0 || i >= len) { /* reflect without repeating the edge */
		if (i < 0)
			i = -i;
		if (i >= len)
			i = 2 * (len - 1) - i;
	}
	return i;
}

void cvrt_pad_x(int dtype, int ndim, const int64_t *in_dims, const int64_t *out_dims,
		const int64_t *pad_begin, int mode, double value, const void *x, void *y)
{
	int esize = cvrt_dtype_size(dtype);
	int64_t k, n = count_of(ndim, out_dims);
	unsigned char fill[8];
	walk w;

	set_f(fill, dtype, 0, value);
	memset(&w, 0, sizeof w);
	for (k = 0; k < n; k++) {
		int64_t src = 0, s;
		int d, out = 0;
		for (d = 0; d < ndim && !out; d++) {
			s = pad_index(w.idx[d], pad_begin[d], in_dims[d], mode);
			out = s < 0;
			src = src * in_dims[d] + s;
		}
		memcpy((unsigned char *)y + k * esize, out ? fill : (const unsigned char *)x + src * esize,
		       (size_t)esize);
		for (d = ndim - 1; d >= 0; d--) {
			if (++w.idx[d] < out_dims[d])
				break;
			w.idx[d] = 0;
		}
	}
}

/* ---- arithmetic, comparisons, logic ---- */

static int64_t int_op(int op, int64_t a, int64_t b)
{
	uint64_t ua = (uint64_t)a, ub = (uint64_t)b;

	switch (op) {
	case CVRT_ADD: return (int64_t)(ua + ub);
	case CVRT_SUB: return (int64_t)(ua - ub);
	case CVRT_MUL: return (int64_t)(ua * ub);
	case CVRT_DIV: /* truncates toward zero; by zero gives 0 (no trap) */
		if (b == 0)
			return 0;
		return b == -1 ? (int64_t)(0 - ua) : a / b;
	case CVRT_MAX: return a > b ? a : b;
	case CVRT_MIN: return a < b ? a : b;
	case CVRT_EQUAL: return a == b;
	case CVRT_LESS: return a < b;
	case CVRT_GREATER: return a > b;
	case CVRT_LESS_EQUAL: return a <= b;
	case CVRT_GREATER_EQUAL: return a >= b;
	case CVRT_AND: return a && b;
	case CVRT_OR: return a || b;
	default: return !a != !b; /* CVRT_XOR */
	}
}

/* uint64: the ops whose result depends on the sign bit, on the unsigned
 * values (add, sub, mul and logic go through int_op: the same bits). */
static int u64_signed_differs(int op)
{
	return op == CVRT_DIV || op == CVRT_MAX || op == CVRT_MIN || (op >= CVRT_EQUAL && op <= CVRT_GREATER_EQUAL);
}

static int64_t u64_op(int op, uint64_t a, uint64_t b)
{
	switch (op) {
	case CVRT_DIV: return b ? (int64_t)(a / b) : 0;
	case CVRT_MAX: return (int64_t)(a > b ? a : b);
	case CVRT_MIN: return (int64_t)(a < b ? a : b);
	case CVRT_EQUAL: return a == b;
	case CVRT_LESS: return a < b;
	case CVRT_GREATER: return a > b;
	case CVRT_LESS_EQUAL: return a <= b;
	default: return a >= b; /* CVRT_GREATER_EQUAL */
	}
}

static double float_op(int op, double a, double b)
{
	switch (op) {
	case CVRT_ADD: return a + b;
	case CVRT_SUB: return a - b;
	case CVRT_MUL: return a * b;
	case CVRT_DIV: return a / b;
	case CVRT_MAX: return a != a || b != b ? NAN : a > b ? a : b;
	case CVRT_MIN: return a != a || b != b ? NAN : a < b ? a : b;
	case CVRT_EQUAL: return a == b;
	case CVRT_LESS: return a < b;
	case CVRT_GREATER: return a > b;
	case CVRT_LESS_EQUAL: return a <= b;
	default: return a >= b; /* CVRT_GREATER_EQUAL */
	}
}

void cvrt_binary_x(int dtype, int op, int ndim, const int64_t *out_dims, const void *a,
		   const int64_t *a_strides, const void *b, const int64_t *b_strides, void *y)
{
	const int64_t *st[2] = {a_strides, b_strides};
	int64_t k, n = count_of(ndim, out_dims);
	int cmp = op >= CVRT_EQUAL, fl = is_float(dtype);
	int ydt = cmp ? CVRT_BOOL : dtype;
	walk w;

	memset(&w, 0, sizeof w);
	w.nd = ndim;
	for (k = 0; k < n; k++) {
		if (fl) {
			double r = float_op(op, get_f(a, dtype, w.off[0]), get_f(b, dtype, w.off[1]));
			/* a half computes in float and rounds back, as a float op would */
			set_f(y, ydt, k, dtype == CVRT_F16 || dtype == CVRT_BF16 ? (double)(float)r : r);
		} else if (dtype == CVRT_U64 && u64_signed_differs(op)) {
			set_i(y, ydt, k, u64_op(op, (uint64_t)get_i(a, dtype, w.off[0]), (uint64_t)get_i(b, dtype, w.off[1])));
		} else {
			set_i(y, ydt, k, int_op(op, get_i(a, dtype, w.off[0]), get_i(b, dtype, w.off[1])));
		}
		walk_next(&w, out_dims, st, 2);
	}
}

void cvrt_pow_x(int a_dtype, int b_dtype, int ndim, const int64_t *out_dims, const void *a,
		const int64_t *a_strides, const void *b, const int64_t *b_strides, void *y)
{
	const int64_t *st[2] = {a_strides, b_strides};
	int64_t k, n = count_of(ndim, out_dims);
	walk w;

	memset(&w, 0, sizeof w);
	w.nd = ndim;
	for (k = 0; k < n; k++) {
		set_f(y, a_dtype, k, pow(get_f(a, a_dtype, w.off[0]), get_f(b, b_dtype, w.off[1])));
		walk_next(&w, out_dims, st, 2);
	}
}

void cvrt_unary_x(int dtype, int op, int64_t count, const void *x, void *y)
{
	int64_t k;

	for (k = 0; k < count; k++) {
		if (op == CVRT_NOT) {
			((uint8_t *)y)[k] = !((const uint8_t *)x)[k];
		} else if (is_float(dtype)) {
			double v = get_f(x, dtype, k);
			set_f(y, dtype, k, op == CVRT_NEG ? -v : fabs(v));
		} else {
			int64_t v = get_i(x, dtype, k);
			int neg = op == CVRT_NEG || (v < 0 && dtype != CVRT_U64); /* |u64| is itself */
			set_i(y, dtype, k, neg ? (int64_t)(0 - (uint64_t)v) : v);
		}
	}
}

void cvrt_cast(int from, int to, int64_t count, const void *x, void *y)
{
	int64_t k;

	if (is_float(from) || (from == CVRT_U64 && is_float(to)))
		for (k = 0; k < count; k++)
			set_f(y, to, k, get_f(x, from, k));
	else
		for (k = 0; k < count; k++)
			set_i(y, to, k, get_i(x, from, k));
}

void cvrt_where(int esize, int ndim, const int64_t *out_dims, const unsigned char *c,
		const int64_t *c_strides, const void *a, const int64_t *a_strides, const void *b,
		const int64_t *b_strides, void *y)
{
	const int64_t *st[3] = {c_strides, a_strides, b_strides};
	int64_t k, n = count_of(ndim, out_dims);
	walk w;

	memset(&w, 0, sizeof w);
	w.nd = ndim;
	for (k = 0; k < n; k++) {
		const unsigned char *src = c[w.off[0]] ? (const unsigned char *)a + w.off[1] * esize
						       : (const unsigned char *)b + w.off[2] * esize;
		memcpy((unsigned char *)y + k * esize, src, (size_t)esize);
		walk_next(&w, out_dims, st, 3);
	}
}

void cvrt_arg(int dtype, int is_min, int select_last, int64_t outer, int64_t len, int64_t inner,
	      const void *x, int64_t *y)
{
	int fl = is_float(dtype);
	int64_t o, i, k;

	for (o = 0; o < outer; o++)
		for (i = 0; i < inner; i++) {
			int64_t at = o * len * inner + i, best = 0;
			for (k = 1; k < len; k++) {
				int64_t p = at + k * inner, q = at + best * inner;
				int better, same;
				if (fl) {
					double v = get_f(x, dtype, p), bv = get_f(x, dtype, q);
					better = is_min ? v < bv : v > bv;
					same = v == bv;
				} else if (dtype == CVRT_U64) {
					uint64_t v = (uint64_t)get_i(x, dtype, p), bv = (uint64_t)get_i(x, dtype, q);
					better = is_min ? v < bv : v > bv;
					same = v == bv;
				} else {
					int64_t v = get_i(x, dtype, p), bv = get_i(x, dtype, q);
					better = is_min ? v < bv : v > bv;
					same = v == bv;
				}
				if (better || (same && select_last))
					best = k;
			}
			y[o * inner + i] = best;
		}
}

void cvrt_gather(int esize, int idx_dtype, int64_t outer, int64_t len, int64_t inner,
		 const void *x, const void *idx, int64_t n_idx, void *y)
{
	size_t row = (size_t)(inner * esize);
	int64_t o, j;

	for (o = 0; o < outer; o++)
		for (j = 0; j < n_idx; j++) {
			int64_t i = get_i(idx, idx_dtype, j);
			unsigned char *dst = (unsigned char *)y + (o * n_idx + j) * (int64_t)row;
			if (i < 0)
				i += len;
			if (i < 0 || i >= len)
				memset(dst, 0, row);
			else
				memcpy(dst, (const unsigned char *)x + (o * len + i) * (int64_t)row, row);
		}
}

/* Whether element q of x beats the best so far (p; have: there is one):
 * strictly greater, floats from -inf (a NaN never wins), integers as int64. */
static int pool_beats(int dtype, const void *x, int64_t q, int64_t p, int have)
{
	if (is_float(dtype))
		return get_f(x, dtype, q) > (have ? get_f(x, dtype, p) : -INFINITY);
	return !have || get_i(x, dtype, q) > get_i(x, dtype, p);
}

void cvrt_maxpool2d_x(int dtype, const cvrt_pool2d_params *p, int storage_order, const void *x,
		      void *y, int64_t *indices)
{
	int64_t plane = (int64_t)p->h * p->w, c, k = 0;
	int i, j, r, s;

	for (c = 0; c < (int64_t)p->n * p->c; c++)
		for (i = 0; i < p->oh; i++)
			for (j = 0; j < p->ow; j++, k++) {
				int64_t best = 0, at = 0;
				int have = 0;
				for (r = 0; r < p->kh; r++) {
					int yy = i * p->sh - p->pad_t + r * p->dh;
					if (yy < 0 || yy >= p->h)
						continue;
					for (s = 0; s < p->kw; s++) {
						int xx = j * p->sw - p->pad_l + s * p->dw;
						int64_t q = c * plane + (int64_t)yy * p->w + xx;
						if (xx < 0 || xx >= p->w || !pool_beats(dtype, x, q, best, have))
							continue;
						best = q;
						have = 1;
						at = storage_order ? (int64_t)xx * p->h + yy : (int64_t)yy * p->w + xx;
					}
				}
				if (have)
					memcpy((unsigned char *)y + k * cvrt_dtype_size(dtype),
					       (const unsigned char *)x + best * cvrt_dtype_size(dtype),
					       (size_t)cvrt_dtype_size(dtype));
				else
					set_f(y, dtype, k, is_float(dtype) ? -INFINITY : 0.0);
				if (indices)
					indices[k] = c * plane + at;
			}
}

void cvrt_maxpool3d_x(int dtype, int64_t planes, const int64_t *in_dims, const int64_t *out_dims,
		      const int64_t *win, int storage_order, const void *x, void *y, int64_t *indices)
{
	int64_t plane = in_dims[0] * in_dims[1] * in_dims[2], p, k = 0, o[3], t[3];
	int esize = cvrt_dtype_size(dtype), d;

	for (p = 0; p < planes; p++)
		for (o[0] = 0; o[0] < out_dims[0]; o[0]++)
			for (o[1] = 0; o[1] < out_dims[1]; o[1]++)
				for (o[2] = 0; o[2] < out_dims[2]; o[2]++, k++) {
					int64_t best = 0, at = 0, z[3], q;
					int have = 0, inside;
					for (t[0] = 0; t[0] < win[0]; t[0]++)
						for (t[1] = 0; t[1] < win[5]; t[1]++)
							for (t[2] = 0; t[2] < win[10]; t[2]++) {
								for (inside = 1, d = 0; d < 3; d++) {
									const int64_t *w = win + 5 * d;
									z[d] = o[d] * w[1] - w[3] + t[d] * w[2];
									inside &= z[d] >= 0 && z[d] < in_dims[d];
								}
								q = p * plane + (z[0] * in_dims[1] + z[1]) * in_dims[2] + z[2];
								if (!inside || !pool_beats(dtype, x, q, best, have))
									continue;
								best = q;
								have = 1;
								at = storage_order ? (z[2] * in_dims[1] + z[1]) * in_dims[0] + z[0]
										   : q - p * plane;
							}
					if (have)
						memcpy((unsigned char *)y + k * esize, (const unsigned char *)x + best * esize,
						       (size_t)esize);
					else
						set_f(y, dtype, k, is_float(dtype) ? -INFINITY : 0.0);
					if (indices)
						indices[k] = p * plane + at;
				}
}
