/*
 * cvrt_elementwise.c - elementwise: activations, batchnorm, broadcasting binary ops.
 *
 * Kernels of cvrt.h, compiled once per ISA (cvrt_impl.h).
 */
#include "cvrt_impl.h"

/* This object's versions of the entry points (cvrt_elementwise_api.c calls them). */
#define cvrt_unary CVRT_FN(cvrt_unary)
#define cvrt_batchnorm CVRT_FN(cvrt_batchnorm)
#define cvrt_binary CVRT_FN(cvrt_binary)

void cvrt_unary(int64_t count, const float *x, float *y, cvrt_act act)
{
	const int64_t chunk = 16384;
	int64_t nchunks = (count + chunk - 1) / chunk, ci;

#ifdef _OPENMP
#pragma omp parallel for if (nchunks > 1)
#endif
	for (ci = 0; ci < nchunks; ci++) {
		int64_t lo = ci * chunk;
		int64_t len = count - lo < chunk ? count - lo : chunk;
		if (y != x)
			memcpy(y + lo, x + lo, (size_t)len * sizeof(float));
		act_inplace(y + lo, len, act);
	}
}

/* ------------------------------------------------------------------------ */
/* Normalization, elementwise                                               */
/* ------------------------------------------------------------------------ */

void cvrt_batchnorm(int n, int c, int64_t hw, const float *x, const float *scale,
		    const float *shift, const float *mean, const float *var,
		    float eps, float *y)
{
	int64_t rows = (int64_t)n * c, r;

#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (rows * hw > PAR_MIN_WORK)
#endif
	for (r = 0; r < rows; r++) {
		int ch = (int)(r % c);
		/* Folded into one multiply-add per element. */
		float s = scale[ch] / sqrtf(var[ch] + eps);
		float t = shift[ch] - mean[ch] * s;
		const float *xr = x + r * hw;
		float *yr = y + r * hw;
		int64_t i;
		for (i = 0; i < hw; i++)
			yr[i] = xr[i] * s + t;
	}
}

static void binary_row(int op, int64_t len, const float *a, int64_t as, const float *b,
		       int64_t bs, float *y)
{
	int64_t i;

	/* Common stride patterns get their own loops so they vectorize. */
#define BIN_LOOPS(EXPR)                                                          \
	do {                                                                     \
		if (as == 1 && bs == 1)                                          \
			for (i = 0; i < len; i++) {                              \
				float av = a[i], bv = b[i];                      \
				y[i] = EXPR;                                     \
			}                                                        \
		else if (as == 1 && bs == 0)                                     \
			for (i = 0; i < len; i++) {                              \
				float av = a[i], bv = b[0];                      \
				y[i] = EXPR;                                     \
			}                                                        \
		else if (as == 0 && bs == 1)                                     \
			for (i = 0; i < len; i++) {                              \
				float av = a[0], bv = b[i];                      \
				y[i] = EXPR;                                     \
			}                                                        \
		else                                                             \
			for (i = 0; i < len; i++) {                              \
				float av = a[i * as], bv = b[i * bs];            \
				y[i] = EXPR;                                     \
			}                                                        \
	} while (0)

	switch (op) {
	case CVRT_ADD:
		BIN_LOOPS(av + bv);
		break;
	case CVRT_SUB:
		BIN_LOOPS(av - bv);
		break;
	case CVRT_MUL:
		BIN_LOOPS(av * bv);
		break;
	case CVRT_MAX: /* a NaN operand gives NaN, as ONNX Runtime's Max */
		BIN_LOOPS(av != av || av > bv ? av : bv);
		break;
	case CVRT_MIN:
		BIN_LOOPS(av != av || av < bv ? av : bv);
		break;
	case CVRT_PRELU:
		BIN_LOOPS(av >= 0.0f ? av : av * bv);
		break;
	case CVRT_POW:
		BIN_LOOPS(powf(av, bv));
		break;
	default:
		BIN_LOOPS(av / bv);
		break;
	}
#undef BIN_LOOPS
}

void cvrt_binary(int op, int ndim, const int64_t *out_dims, const float *a,
		 const int64_t *a_strides, const float *b, const int64_t *b_strides,
		 float *y, cvrt_act act)
{
	int64_t dims[CVRT_MAX_RANK], as[CVRT_MAX_RANK], bs[CVRT_MAX_RANK];
	int nd = 0, k;
	int64_t rows = 1, len, r;

	/* Merge dims that are contiguous in y, a and b alike: fewer, longer rows. */
	for (k = 0; k < ndim; k++) {
		if (out_dims[k] == 1)
			continue;
		if (nd > 0 && as[nd - 1] == a_strides[k] * out_dims[k] &&
		    bs[nd - 1] == b_strides[k] * out_dims[k]) {
			dims[nd - 1] *= out_dims[k];
			as[nd - 1] = a_strides[k];
			bs[nd - 1] = b_strides[k];
			continue;
		}
		dims[nd] = out_dims[k];
		as[nd] = a_strides[k];
		bs[nd] = b_strides[k];
		nd++;
	}
	for (k = 0; k < ndim; k++)
		if (out_dims[k] == 0)
			return;
	if (nd == 0) {
		dims[0] = 1;
		as[0] = bs[0] = 0;
		nd = 1;
	}
	for (k = 0; k < nd - 1; k++)
		rows *= dims[k];
	len = dims[nd - 1];

#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (rows > 1 && rows * len > PAR_MIN_WORK)
#endif
	for (r = 0; r < rows; r++) {
		int64_t rem = r, ao = 0, bo = 0;
		int d;
		for (d = nd - 2; d >= 0; d--) {
			int64_t idx = rem % dims[d];
			rem /= dims[d];
			ao += idx * as[d];
			bo += idx * bs[d];
		}
		binary_row(op, len, a + ao, as[nd - 1], b + bo, bs[nd - 1], y + r * len);
		act_inplace(y + r * len, len, act);
	}
}
