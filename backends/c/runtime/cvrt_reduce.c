/*
 * cvrt_reduce.c - reductions, softmax and layer normalization.
 *
 * Kernels of cvrt.h, compiled once per ISA (cvrt_impl.h).
 */
#include "cvrt_impl.h"

/* This object's versions of the entry points (cvrt_reduce_api.c calls them). */
#define cvrt_reduce CVRT_FN(cvrt_reduce)
#define cvrt_softmax CVRT_FN(cvrt_softmax)
#define cvrt_layernorm CVRT_FN(cvrt_layernorm)
#define cvrt_lrn CVRT_FN(cvrt_lrn)

/* ------------------------------------------------------------------------ */
/* Reduction                                                                */
/* ------------------------------------------------------------------------ */

static float reduce_init(int op)
{
	if (op == CVRT_REDUCE_MAX)
		return -INFINITY;
	if (op == CVRT_REDUCE_MIN)
		return INFINITY;
	return 0.0f;
}

/* acc[i] op= x[i]; the switch is hoisted out of the loop. L2 accumulates
 * x^2 (partial accumulators combine with a plain sum: reduce_merge). */
static void reduce_row(int op, int64_t len, const float *x, float *acc)
{
	int64_t i;

	if (op == CVRT_REDUCE_MAX)
		for (i = 0; i < len; i++)
			acc[i] = x[i] > acc[i] ? x[i] : acc[i];
	else if (op == CVRT_REDUCE_MIN)
		for (i = 0; i < len; i++)
			acc[i] = x[i] < acc[i] ? x[i] : acc[i];
	else if (op == CVRT_REDUCE_L2)
		for (i = 0; i < len; i++)
			acc[i] += x[i] * x[i];
	else
		for (i = 0; i < len; i++)
			acc[i] += x[i];
}

/* Reduce a contiguous vector to one value. */
static float reduce_vec(int op, int64_t len, const float *x)
{
	float acc[8];
	int64_t i;
	int j;

	for (j = 0; j < 8; j++)
		acc[j] = reduce_init(op);
	for (i = 0; i + 8 <= len; i += 8)
		reduce_row(op, 8, x + i, acc);
	for (; i < len; i++)
		reduce_row(op, 1, x + i, acc);
	for (j = 1; j < 8; j++)
		reduce_row(op == CVRT_REDUCE_L2 ? CVRT_REDUCE_SUM : op, 1, acc + j, acc);
	return acc[0];
}

/*
 * Columns [c0, c0 + n) of the nred rows of xo (rows `inner` floats apart)
 * reduced into yo[c0, c0 + n), times scale; n <= W, W a constant (16 or
 * 32) so that a sum's two row accumulators stay in vector registers: the
 * old loop added each row into yo in memory, each row's loads waiting on
 * the previous row's stores. Other ops and partial chunks go row by row
 * through a local accumulator (L2 from 0, max/min from the first row).
 */
#define REDUCE_COLS(W)                                                                  \
	static void reduce_cols##W(int op, int64_t nred, int64_t inner, const float *xo,  \
				   int64_t c0, int n, float scale, float *yo)             \
	{                                                                               \
		const float *p = xo + c0;                                               \
		float a0[W], a1[W];                                                     \
		int64_t r = 0;                                                          \
		int i;                                                                  \
		if ((op == CVRT_REDUCE_SUM || op == CVRT_REDUCE_MEAN) && n == (W)) {    \
			for (i = 0; i < (W); i++)                                       \
				a0[i] = a1[i] = 0.0f;                                   \
			for (; r + 2 <= nred; r += 2, p += 2 * inner)                   \
				for (i = 0; i < (W); i++) {                             \
					a0[i] += p[i];                                  \
					a1[i] += p[inner + i];                          \
				}                                                       \
			if (r < nred)                                                   \
				for (i = 0; i < (W); i++)                               \
					a0[i] += p[i];                                  \
			for (i = 0; i < (W); i++)                                       \
				yo[c0 + i] = (a0[i] + a1[i]) * scale;                   \
			return;                                                         \
		}                                                                       \
		for (i = 0; i < n; i++)                                                 \
			a0[i] = op == CVRT_REDUCE_L2 ? 0.0f : p[i];                     \
		for (r = op == CVRT_REDUCE_L2 ? 0 : 1; r < nred; r++)                   \
			reduce_row(op, n, p + r * inner, a0);                           \
		for (i = 0; i < n; i++)                                                 \
			yo[c0 + i] = a0[i] * scale;                                     \
	}
REDUCE_COLS(16)
REDUCE_COLS(32)

static void reduce_dense(int op, int ndim, const int64_t *in_dims, const int *reduce,
			 const float *x, float *y)
{
	int64_t dims[CVRT_MAX_RANK];
	int red[CVRT_MAX_RANK];
	int nd = 0, k;
	int64_t nred = 1, nout = 1, total = 1;
	float scale;

	/* Merge neighbouring dims with the same role: [kept, reduced, kept, ...]. */
	for (k = 0; k < ndim; k++) {
		int rk = reduce[k] != 0;
		total *= in_dims[k];
		if (rk)
			nred *= in_dims[k];
		else
			nout *= in_dims[k];
		if (in_dims[k] == 1)
			continue;
		if (nd > 0 && red[nd - 1] == rk) {
			dims[nd - 1] *= in_dims[k];
			continue;
		}
		dims[nd] = in_dims[k];
		red[nd] = rk;
		nd++;
	}
	if (nout == 0)
		return;

	scale = op == CVRT_REDUCE_MEAN && nred > 0 ? 1.0f / (float)nred : 1.0f;
	if (total == 0) {
		/* Empty reduction: 0 for sum/mean, the identity for max/min. */
		int64_t i;
		for (i = 0; i < nout; i++)
			y[i] = reduce_init(op);
		return;
	}

	if (nd <= 2 || (nd == 3 && red[1])) {
		/* View as [outer kept, nred reduced, inner kept]. */
		int64_t outer = 1, inner = 1, o;
		int ri = -1;
		for (k = 0; k < nd; k++)
			if (red[k])
				ri = k;
		for (k = 0; k < nd; k++) {
			if (ri >= 0 && k < ri)
				outer *= dims[k];
			else if (ri >= 0 && k > ri)
				inner *= dims[k];
			else if (ri < 0)
				outer *= dims[k];
		}
		if (inner == 1) {
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (outer > 1 && total > PAR_MIN_WORK)
#endif
			for (o = 0; o < outer; o++)
				y[o] = reduce_vec(op, nred, x + o * nred) * scale;
		} else {
			/*
			 * Tasks of (outer index, chunk of 32 inner columns), or of 16
			 * when 32 would leave a thread idle: an NHWC global pool
			 * ([1, h*w, c]: outer 1) was one task, on one thread.
			 * The 17 GlobalAveragePools of efficientnet_b0 together, AMD
			 * EPYC Zen 5, AVX-512, 1 thread pinned, per-node profile,
			 * four alternated runs: 126-136 -> 110-120 us; at 2 threads,
			 * three alternated runs: 133-140 -> 90-98 us.
			 */
			int nth = 1;
			int64_t w, nch, t;
#ifdef _OPENMP
			nth = omp_get_max_threads();
#endif
			w = outer * ((inner + 31) / 32) >= nth ? 32 : 16;
			nch = (inner + w - 1) / w;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (outer * nch > 1 && total > PAR_MIN_WORK)
#endif
			for (t = 0; t < outer * nch; t++) {
				int64_t oi = t / nch, c0 = t % nch * w;
				int n = (int)(inner - c0 < w ? inner - c0 : w);
				if (w == 32)
					reduce_cols32(op, nred, inner, x + oi * nred * inner, c0, n,
						      scale, y + oi * inner);
				else
					reduce_cols16(op, nred, inner, x + oi * nred * inner, c0, n,
						      scale, y + oi * inner);
			}
		}
		return;
	}

	{
		/* General pattern: one output at a time, walking its reduced set. */
		int64_t stride[CVRT_MAX_RANK], o;
		int64_t s = 1;
		for (k = nd - 1; k >= 0; k--) {
			stride[k] = s;
			s *= dims[k];
		}
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (total > PAR_MIN_WORK)
#endif
		for (o = 0; o < nout; o++) {
			int64_t rem = o, base = 0, ridx;
			float acc = reduce_init(op);
			int d;
			for (d = nd - 1; d >= 0; d--) {
				if (red[d])
					continue;
				base += (rem % dims[d]) * stride[d];
				rem /= dims[d];
			}
			for (ridx = 0; ridx < nred; ridx++) {
				int64_t r2 = ridx, off = base;
				float v;
				for (d = nd - 1; d >= 0; d--) {
					if (!red[d])
						continue;
					off += (r2 % dims[d]) * stride[d];
					r2 /= dims[d];
				}
				v = x[off];
				reduce_row(op, 1, &v, &acc);
			}
			y[o] = acc * scale;
		}
	}
}

void cvrt_reduce(int op, int ndim, const int64_t *in_dims, const int *reduce,
		 const float *x, float *y)
{
	int64_t nout = 1, i;
	int k;

	reduce_dense(op, ndim, in_dims, reduce, x, y);
	if (op != CVRT_REDUCE_L2)
		return;
	for (k = 0; k < ndim; k++)
		nout *= reduce[k] ? 1 : in_dims[k];
	for (i = 0; i < nout; i++)
		y[i] = sqrtf(y[i]);
}

/* ------------------------------------------------------------------------ */
/* Softmax                                                                  */
/* ------------------------------------------------------------------------ */

#define SOFTMAX_COLS 256

/* y[i] = exp(x[i] - mx[i]) (mx[0] for every i when mx_step is 0) and
 * sum[i] += y[i] (sum[0] += every y[i] when sum_step is 0), with
 * cvrt_vmath.h's exp a vector at a time. */
static void softmax_exp(int64_t n, const float *x, const float *mx, int mx_step, float *y,
			float *sum, int sum_step)
{
	vm_vec vs = vm_set1(0.0f);
	int64_t i = 0;

	for (; i + VM_VW <= n; i += VM_VW) {
		vm_vec m = mx_step ? vm_load(mx + i) : vm_set1(mx[0]);
		vm_vec e = vm_exp(vm_sub(vm_load(x + i), m));
		vm_store(y + i, e);
		if (sum_step)
			vm_store(sum + i, vm_add(vm_load(sum + i), e));
		else
			vs = vm_add(vs, e);
	}
	if (i < n) {
		float t[VM_VW] = {0}, m[VM_VW] = {0};
		int64_t r = n - i, l;
		for (l = 0; l < r; l++) {
			t[l] = x[i + l];
			m[l] = mx[mx_step ? i + l : 0];
		}
		vm_store(t, vm_exp(vm_sub(vm_load(t), vm_load(m))));
		for (l = 0; l < r; l++) {
			y[i + l] = t[l];
			if (sum_step)
				sum[i + l] += t[l];
			else
				sum[0] += t[l];
		}
	}
	if (!sum_step)
		sum[0] += vm_hsum(vs);
}

void cvrt_softmax(int64_t outer, int64_t axis_len, int64_t inner, const float *x,
		  float *y)
{
	int64_t o;

	if (axis_len <= 0 || inner <= 0)
		return;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (outer > 1 && outer * axis_len * inner > PAR_MIN_WORK / 8)
#endif
	for (o = 0; o < outer; o++) {
		const float *xo = x + o * axis_len * inner;
		float *yo = y + o * axis_len * inner;
		int64_t a, i, i0;

		if (inner == 1) {
			float mx = reduce_vec(CVRT_REDUCE_MAX, axis_len, xo), sum = 0.0f, inv;
			softmax_exp(axis_len, xo, &mx, 0, yo, &sum, 0);
			inv = 1.0f / sum;
			for (a = 0; a < axis_len; a++)
				yo[a] *= inv;
			continue;
		}
		/* Strided axis: process SOFTMAX_COLS inner columns at a time with
		 * stack accumulators, each pass streaming contiguous rows. */
		for (i0 = 0; i0 < inner; i0 += SOFTMAX_COLS) {
			float mx[SOFTMAX_COLS], sum[SOFTMAX_COLS];
			int64_t cols = inner - i0 < SOFTMAX_COLS ? inner - i0 : SOFTMAX_COLS;
			memcpy(mx, xo + i0, (size_t)cols * sizeof(float));
			for (a = 1; a < axis_len; a++)
				reduce_row(CVRT_REDUCE_MAX, cols, xo + a * inner + i0, mx);
			for (i = 0; i < cols; i++)
				sum[i] = 0.0f;
			for (a = 0; a < axis_len; a++)
				softmax_exp(cols, xo + a * inner + i0, mx, 1, yo + a * inner + i0,
					    sum, 1);
			for (i = 0; i < cols; i++)
				sum[i] = 1.0f / sum[i];
			for (a = 0; a < axis_len; a++) {
				float *yr = yo + a * inner + i0;
				for (i = 0; i < cols; i++)
					yr[i] *= sum[i];
			}
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Layer normalization                                                      */
/* ------------------------------------------------------------------------ */

/* Two passes over each row (mean, then the centred variance, which stays
 * accurate when the mean is large), then one that normalizes, scales and
 * shifts; each pass is a plain loop the compiler vectorizes. */
void cvrt_layernorm(int64_t outer, int64_t len, const float *x, const float *scale,
		    const float *bias, float eps, float *y, float *mean_out, float *inv_std)
{
	int64_t o;

	if (len <= 0)
		return;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (outer > 1 && outer * len > PAR_MIN_WORK / 4)
#endif
	for (o = 0; o < outer; o++) {
		const float *xr = x + o * len;
		float *yr = y + o * len;
		float mean, var = 0.0f, inv, acc[8];
		int64_t j;
		int l;

		mean = reduce_vec(CVRT_REDUCE_SUM, len, xr) / (float)len;
		for (l = 0; l < 8; l++)
			acc[l] = 0.0f;
		for (j = 0; j + 8 <= len; j += 8)
			for (l = 0; l < 8; l++)
				acc[l] += (xr[j + l] - mean) * (xr[j + l] - mean);
		for (; j < len; j++)
			var += (xr[j] - mean) * (xr[j] - mean);
		for (l = 0; l < 8; l++)
			var += acc[l];
		inv = 1.0f / sqrtf(var / (float)len + eps);
		if (mean_out)
			mean_out[o] = mean;
		if (inv_std)
			inv_std[o] = inv;
		if (bias)
			for (j = 0; j < len; j++)
				yr[j] = (xr[j] - mean) * inv * scale[j] + bias[j];
		else
			for (j = 0; j < len; j++)
				yr[j] = (xr[j] - mean) * inv * scale[j];
	}
}

/* ------------------------------------------------------------------------ */
/* Local response normalization                                             */
/* ------------------------------------------------------------------------ */

/* Each output row (one n, one channel k) sums the squares of its window's
 * input rows into a row buffer, then scales x by pow(...)^-beta: plain loops
 * over the spatial dim that the compiler vectorizes (powf is the one libm
 * call per element). Rows are independent, so they are split over threads. */
void cvrt_lrn(int64_t n, int64_t c, int64_t s, int64_t size, float alpha, float beta, float bias,
	      const float *x, float *y)
{
	int64_t lo = (size - 1) / 2, hi = size / 2, row;
	float scale = alpha / (float)size;

#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (n * c > 1 && n * c * s * size > PAR_MIN_WORK)
#endif
	for (row = 0; row < n * c; row++) {
		int64_t k = row % c, j0 = k - lo < 0 ? 0 : k - lo, j1 = k + hi >= c ? c - 1 : k + hi;
		const float *xb = x + (row - k) * s, *xr = x + row * s;
		float *yr = y + row * s;
		int64_t i, j;

		/* y holds the sum of squares until the last step */
		for (i = 0; i < s; i++)
			yr[i] = 0.0f;
		for (j = j0; j <= j1; j++) {
			const float *xj = xb + j * s;
			for (i = 0; i < s; i++)
				yr[i] += xj[i] * xj[i];
		}
		for (i = 0; i < s; i++)
			yr[i] = xr[i] / powf(bias + scale * yr[i], beta);
	}
}
