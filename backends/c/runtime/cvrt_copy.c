/*
 * cvrt_copy.c - data movement: strided copies and transposes, row copies, padding.
 *
 * Kernels of cvrt.h, compiled once per ISA (cvrt_impl.h).
 */
#include "cvrt_impl.h"
#include "cvrt_transpose.h"

/* This object's versions of the entry points (cvrt_copy_api.c calls them). */
#define cvrt_strided_copy CVRT_FN(cvrt_strided_copy)
#define cvrt_copy_rows CVRT_FN(cvrt_copy_rows)
#define cvrt_pad CVRT_FN(cvrt_pad)

/* ------------------------------------------------------------------------ */
/* Data movement                                                            */
/* ------------------------------------------------------------------------ */

/*
 * A transpose: the innermost output dim (nd-1) is strided in x while dim k
 * is contiguous in x. Blocks of TR_ROWS output rows along dim k are the
 * parallel work items, each a transpose_2d.
 */
#define TR_ROWS 64

static void strided_copy_transpose(int nd, const int64_t *dims, const int64_t *xs, int k,
				   const float *x, float *y)
{
	int64_t ystride[CVRT_MAX_RANK], outer = 1, s = 1, na = dims[k], ni = dims[nd - 1];
	int64_t nb = (na + TR_ROWS - 1) / TR_ROWS, tasks, t;
	int d;

	for (d = nd - 1; d >= 0; d--) {
		ystride[d] = s;
		s *= dims[d];
	}
	for (d = 0; d < nd - 1; d++)
		if (d != k)
			outer *= dims[d];
	tasks = outer * nb;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (tasks > 1 && s > PAR_MIN_WORK)
#endif
	for (t = 0; t < tasks; t++) {
		int64_t rem = t / nb, a0 = (t % nb) * TR_ROWS, xo = 0, yo = 0;
		int64_t a1 = a0 + TR_ROWS < na ? a0 + TR_ROWS : na;
		int dd;
		for (dd = nd - 2; dd >= 0; dd--) {
			int64_t idx;
			if (dd == k)
				continue;
			idx = rem % dims[dd];
			rem /= dims[dd];
			xo += idx * xs[dd];
			yo += idx * ystride[dd];
		}
		transpose_2d(x + xo + a0, xs[nd - 1], y + yo + a0 * ystride[k], ystride[k],
			     a1 - a0, ni);
	}
}

void cvrt_strided_copy(int ndim, const int64_t *out_dims, const float *x,
		       const int64_t *x_strides, float *y)
{
	int64_t dims[CVRT_MAX_RANK], xs[CVRT_MAX_RANK];
	int nd = 0, k;
	int64_t rows = 1, len, r, st;

	for (k = 0; k < ndim; k++)
		if (out_dims[k] == 0)
			return;
	/* Merge dims that are contiguous in x: a slice or a no-op transpose
	 * collapses to long rows, often to memcpy. */
	for (k = 0; k < ndim; k++) {
		if (out_dims[k] == 1)
			continue;
		if (nd > 0 && xs[nd - 1] == x_strides[k] * out_dims[k]) {
			dims[nd - 1] *= out_dims[k];
			xs[nd - 1] = x_strides[k];
			continue;
		}
		dims[nd] = out_dims[k];
		xs[nd] = x_strides[k];
		nd++;
	}
	if (nd == 0) {
		y[0] = x[0];
		return;
	}
	st = xs[nd - 1];
	if (nd >= 2 && st != 1 && dims[nd - 1] >= 2) {
		for (k = nd - 2; k >= 0; k--)
			if (xs[k] == 1 && dims[k] >= 4) {
				strided_copy_transpose(nd, dims, xs, k, x, y);
				return;
			}
	}
	for (k = 0; k < nd - 1; k++)
		rows *= dims[k];
	len = dims[nd - 1];

#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (rows > 1 && rows * len > PAR_MIN_WORK)
#endif
	for (r = 0; r < rows; r++) {
		int64_t rem = r, off = 0, i;
		float *yr = y + r * len;
		const float *xr;
		int d;
		for (d = nd - 2; d >= 0; d--) {
			off += (rem % dims[d]) * xs[d];
			rem /= dims[d];
		}
		xr = x + off;
		if (st == 1)
			memcpy(yr, xr, (size_t)len * sizeof(float));
		else if (st == 0)
			for (i = 0; i < len; i++)
				yr[i] = xr[0];
		else
			for (i = 0; i < len; i++)
				yr[i] = xr[i * st];
	}
}

void cvrt_copy_rows(int64_t outer, int64_t row, const float *x, float *y,
		    int64_t y_stride)
{
	int64_t r;

	if (row <= 0)
		return;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (outer > 1 && outer * row > PAR_MIN_WORK)
#endif
	for (r = 0; r < outer; r++)
		memcpy(y + r * y_stride, x + r * row, (size_t)row * sizeof(float));
}

/* Source index of output position o along one padded axis (mode != constant). */
static int64_t pad_src(int64_t o, int64_t pad_begin, int64_t len, int mode)
{
	int64_t i = o - pad_begin;

	if (mode == CVRT_PAD_EDGE)
		return i < 0 ? 0 : (i >= len ? len - 1 : i);
	if (len == 1)
		return 0;
	/* Reflect without repeating the edge; the loop covers pads >= len. */
	while (i < 0 || i >= len) {
		if (i < 0)
			i = -i;
		if (i >= len)
			i = 2 * (len - 1) - i;
	}
	return i;
}

void cvrt_pad(int ndim, const int64_t *in_dims, const int64_t *out_dims,
	      const int64_t *pad_begin, int mode, float value, const float *x,
	      float *y)
{
	int64_t istride[CVRT_MAX_RANK];
	int64_t rows = 1, olen, ilen, pb, r, s = 1;
	int k;

	if (ndim <= 0) {
		y[0] = x[0];
		return;
	}
	for (k = 0; k < ndim; k++)
		if (out_dims[k] == 0)
			return;
	for (k = ndim - 1; k >= 0; k--) {
		istride[k] = s;
		s *= in_dims[k];
	}
	for (k = 0; k < ndim - 1; k++)
		rows *= out_dims[k];
	olen = out_dims[ndim - 1];
	ilen = in_dims[ndim - 1];
	pb = pad_begin[ndim - 1];

#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (rows > 1 && rows * olen > PAR_MIN_WORK)
#endif
	for (r = 0; r < rows; r++) {
		int64_t rem = r, off = 0, i, lo, hi;
		float *yr = y + r * olen;
		const float *xr;
		int d, outside = 0;
		for (d = ndim - 2; d >= 0; d--) {
			int64_t o = rem % out_dims[d], src;
			rem /= out_dims[d];
			if (mode == CVRT_PAD_CONSTANT) {
				src = o - pad_begin[d];
				if (src < 0 || src >= in_dims[d])
					outside = 1;
			} else {
				src = pad_src(o, pad_begin[d], in_dims[d], mode);
			}
			off += src * istride[d];
		}
		if (outside || ilen == 0) {
			for (i = 0; i < olen; i++)
				yr[i] = value;
			continue;
		}
		xr = x + off;
		/* Output columns [lo, hi) map straight into the input row. */
		lo = pb > 0 ? pb : 0;
		hi = ilen + pb < olen ? ilen + pb : olen;
		if (hi < lo)
			hi = lo;
		if (mode == CVRT_PAD_CONSTANT) {
			for (i = 0; i < lo; i++)
				yr[i] = value;
			for (i = hi; i < olen; i++)
				yr[i] = value;
		} else {
			for (i = 0; i < lo; i++)
				yr[i] = xr[pad_src(i, pb, ilen, mode)];
			for (i = hi; i < olen; i++)
				yr[i] = xr[pad_src(i, pb, ilen, mode)];
		}
		if (hi > lo)
			memcpy(yr + lo, xr + (lo - pb), (size_t)(hi - lo) * sizeof(float));
	}
}
