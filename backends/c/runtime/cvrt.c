/*
 * cvrt.c - the kernel library that convc copies into every output directory.
 * The contract (shapes, layouts, semantics) is in cvrt.h.
 *
 * Performance notes: the hot loops are written so that the innermost loop runs
 * over contiguous memory without branches, which gcc/clang auto-vectorize at
 * -O2 (gcc >= 12) and -O3. Matrix products go through one blocked GEMM core
 * (gemm_core) that conv2d reuses after an im2col into the caller's workspace.
 * OpenMP parallelizes outer loops only; nested regions stay inactive, so the
 * caller's team size is never exceeded.
 */
#include "cvrt.h"

#include <float.h>
#include <math.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Below this many multiply-adds a parallel region costs more than it saves. */
#define PAR_MIN_WORK 32768

/* ------------------------------------------------------------------------ */
/* Activations                                                              */
/* ------------------------------------------------------------------------ */

/* Stable for any x: exp() only ever sees a non-positive argument. */
static inline float sigmoidf_stable(float x)
{
	float e = expf(-fabsf(x));
	float r = 1.0f / (1.0f + e);
	return x >= 0.0f ? r : e * r;
}

/* The switch sits outside the loops so every loop body is branch-free. */
static void act_inplace(float *y, int64_t count, cvrt_act act)
{
	int64_t i;
	float a = act.a, b = act.b;

	switch (act.kind) {
	case CVRT_ACT_RELU:
		for (i = 0; i < count; i++)
			y[i] = y[i] > 0.0f ? y[i] : 0.0f;
		break;
	case CVRT_ACT_CLIP:
		for (i = 0; i < count; i++) {
			float v = y[i] < a ? a : y[i];
			y[i] = v > b ? b : v;
		}
		break;
	case CVRT_ACT_LEAKY_RELU:
		for (i = 0; i < count; i++)
			y[i] = y[i] >= 0.0f ? y[i] : a * y[i];
		break;
	case CVRT_ACT_SIGMOID:
		for (i = 0; i < count; i++)
			y[i] = sigmoidf_stable(y[i]);
		break;
	case CVRT_ACT_HARD_SIGMOID:
		for (i = 0; i < count; i++) {
			float v = a * y[i] + b;
			v = v < 0.0f ? 0.0f : v;
			y[i] = v > 1.0f ? 1.0f : v;
		}
		break;
	case CVRT_ACT_HARD_SWISH:
		for (i = 0; i < count; i++) {
			float v = y[i] * (1.0f / 6.0f) + 0.5f;
			v = v < 0.0f ? 0.0f : v;
			v = v > 1.0f ? 1.0f : v;
			y[i] = y[i] * v;
		}
		break;
	case CVRT_ACT_SILU:
		for (i = 0; i < count; i++)
			y[i] = y[i] * sigmoidf_stable(y[i]);
		break;
	default:
		break;
	}
}

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
/* GEMM core                                                                */
/* ------------------------------------------------------------------------ */

/*
 * What to do with a finished output row segment y[i][j0..j0+len):
 *   y = act(alpha * y + row_bias[i] + beta * C(i, j)).
 * Applied while the segment is still in L1, right after its last k block.
 */
typedef struct epilogue {
	float alpha;
	const float *row_bias; /* [m] or NULL (conv bias) */
	const float *c;        /* Gemm C or NULL */
	int64_t c_rs, c_cs;
	float beta;
	cvrt_act act;
} epilogue;

static void epilogue_apply(const epilogue *ep, int i, int j0, int len, float *yseg)
{
	int j;

	if (ep->alpha != 1.0f)
		for (j = 0; j < len; j++)
			yseg[j] *= ep->alpha;
	if (ep->row_bias) {
		float bv = ep->row_bias[i];
		for (j = 0; j < len; j++)
			yseg[j] += bv;
	}
	if (ep->c && ep->beta != 0.0f) {
		const float *cr = ep->c + (int64_t)i * ep->c_rs + (int64_t)j0 * ep->c_cs;
		float beta = ep->beta;
		if (ep->c_cs == 1)
			for (j = 0; j < len; j++)
				yseg[j] += beta * cr[j];
		else if (ep->c_cs == 0)
			for (j = 0; j < len; j++)
				yseg[j] += beta * cr[0];
		else
			for (j = 0; j < len; j++)
				yseg[j] += beta * cr[(int64_t)j * ep->c_cs];
	}
	act_inplace(yseg, len, ep->act);
}

/*
 * Block sizes: an MC x NC tile of Y is one unit of parallel work; KC rows of
 * the B panel (KC x NC floats = 128 KiB) stay in L2 while MC/4 row quads
 * stream over them. The micro tile is 4 rows x 16 columns of accumulators,
 * which fits the 16 vector registers of SSE/AVX2.
 */
#define GEMM_MC 64
#define GEMM_NC 256
#define GEMM_KC 128
#define MR 4
#define NR 16

/* a(i, kk) = a[i * a_rs + kk * a_cs]; B is dense rows ldb apart; Y rows ldy. */
typedef struct gemm_args {
	int m, n, k;
	const float *a;
	int64_t a_rs, a_cs;
	const float *b;
	int64_t ldb;
	float *y;
	int64_t ldy;
	const epilogue *ep;
	int serial; /* set when the caller already runs in parallel */
} gemm_args;

/* 4 x 16 register tile: acc += A[i0..i0+4, k0..k1) * B[k0..k1, j0..j0+16). */
static void micro_4x16(const gemm_args *g, int i0, int j0, int k0, int k1, int first,
		       int last)
{
	float acc[MR][NR];
	const float *a0 = g->a + (int64_t)i0 * g->a_rs;
	const float *a1 = a0 + g->a_rs, *a2 = a1 + g->a_rs, *a3 = a2 + g->a_rs;
	int64_t cs = g->a_cs;
	int r, j, kk;

	if (first) {
		memset(acc, 0, sizeof(acc));
	} else {
		for (r = 0; r < MR; r++)
			for (j = 0; j < NR; j++)
				acc[r][j] = g->y[(int64_t)(i0 + r) * g->ldy + j0 + j];
	}
	for (kk = k0; kk < k1; kk++) {
		const float *bp = g->b + (int64_t)kk * g->ldb + j0;
		float v0 = a0[kk * cs], v1 = a1[kk * cs], v2 = a2[kk * cs], v3 = a3[kk * cs];
		for (j = 0; j < NR; j++) {
			float bv = bp[j];
			acc[0][j] += v0 * bv;
			acc[1][j] += v1 * bv;
			acc[2][j] += v2 * bv;
			acc[3][j] += v3 * bv;
		}
	}
	for (r = 0; r < MR; r++) {
		float *yr = g->y + (int64_t)(i0 + r) * g->ldy + j0;
		for (j = 0; j < NR; j++)
			yr[j] = acc[r][j];
		if (last)
			epilogue_apply(g->ep, i0 + r, j0, NR, yr);
	}
}

/* 1 x 16 tile for leftover rows. */
static void micro_1x16(const gemm_args *g, int i, int j0, int k0, int k1, int first,
		       int last)
{
	float acc[NR];
	const float *ar = g->a + (int64_t)i * g->a_rs;
	float *yr = g->y + (int64_t)i * g->ldy + j0;
	int j, kk;

	if (first)
		memset(acc, 0, sizeof(acc));
	else
		for (j = 0; j < NR; j++)
			acc[j] = yr[j];
	for (kk = k0; kk < k1; kk++) {
		const float *bp = g->b + (int64_t)kk * g->ldb + j0;
		float v = ar[kk * g->a_cs];
		for (j = 0; j < NR; j++)
			acc[j] += v * bp[j];
	}
	for (j = 0; j < NR; j++)
		yr[j] = acc[j];
	if (last)
		epilogue_apply(g->ep, i, j0, NR, yr);
}

/* Leftover columns (fewer than NR): row-wise axpy over the short segment. */
static void edge_cols(const gemm_args *g, int i, int j0, int len, int k0, int k1,
		      int first, int last)
{
	const float *ar = g->a + (int64_t)i * g->a_rs;
	float *yr = g->y + (int64_t)i * g->ldy + j0;
	int j, kk;

	if (first)
		for (j = 0; j < len; j++)
			yr[j] = 0.0f;
	for (kk = k0; kk < k1; kk++) {
		const float *bp = g->b + (int64_t)kk * g->ldb + j0;
		float v = ar[kk * g->a_cs];
		for (j = 0; j < len; j++)
			yr[j] += v * bp[j];
	}
	if (last)
		epilogue_apply(g->ep, i, j0, len, yr);
}

static void gemm_tile(const gemm_args *g, int i0, int i1, int j0, int j1)
{
	int k0, i, j;

	if (g->k == 0) {
		/* Empty product: Y is just the epilogue applied to zeros. */
		for (i = i0; i < i1; i++) {
			float *yr = g->y + (int64_t)i * g->ldy + j0;
			memset(yr, 0, (size_t)(j1 - j0) * sizeof(float));
			epilogue_apply(g->ep, i, j0, j1 - j0, yr);
		}
		return;
	}
	for (k0 = 0; k0 < g->k; k0 += GEMM_KC) {
		int k1 = k0 + GEMM_KC < g->k ? k0 + GEMM_KC : g->k;
		int first = k0 == 0, last = k1 == g->k;
		int jv = j0 + (j1 - j0) / NR * NR;
		for (i = i0; i + MR <= i1; i += MR) {
			for (j = j0; j < jv; j += NR)
				micro_4x16(g, i, j, k0, k1, first, last);
			if (jv < j1)
				for (int r = 0; r < MR; r++)
					edge_cols(g, i + r, jv, j1 - jv, k0, k1, first, last);
		}
		for (; i < i1; i++) {
			for (j = j0; j < jv; j += NR)
				micro_1x16(g, i, j, k0, k1, first, last);
			if (jv < j1)
				edge_cols(g, i, jv, j1 - jv, k0, k1, first, last);
		}
	}
}

/* Y = epilogue(A * B), tiles of Y spread over the OpenMP team. */
static void gemm_core(const gemm_args *g)
{
	int mt = (g->m + GEMM_MC - 1) / GEMM_MC;
	int nt = (g->n + GEMM_NC - 1) / GEMM_NC;
	int t, ntiles = mt * nt;
	double work = (double)g->m * g->n * (g->k + 1);

	(void)work;
	if (g->m <= 0 || g->n <= 0)
		return;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) if (!g->serial && ntiles > 1 && work > PAR_MIN_WORK)
#endif
	for (t = 0; t < ntiles; t++) {
		int ti = t / nt, tj = t % nt;
		int i0 = ti * GEMM_MC, j0 = tj * GEMM_NC;
		int i1 = i0 + GEMM_MC < g->m ? i0 + GEMM_MC : g->m;
		int j1 = j0 + GEMM_NC < g->n ? j0 + GEMM_NC : g->n;
		gemm_tile(g, i0, i1, j0, j1);
	}
}

/* Dot product with 8 independent partial sums so it vectorizes without -ffast-math. */
static float dot(const float *x, const float *y, int n)
{
	float s[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
	int i, j;

	for (i = 0; i + 8 <= n; i += 8)
		for (j = 0; j < 8; j++)
			s[j] += x[i + j] * y[i + j];
	for (; i < n; i++)
		s[0] += x[i] * y[i];
	return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

/*
 * B given as [n, k] (Gemm trans_b, the usual fully connected layer): every
 * output is a dot product of two contiguous rows, so no packing is needed.
 */
static void gemm_bt(int m, int n, int k, const float *a, int64_t a_rs, int64_t a_cs,
		    const float *b, float *y, const epilogue *ep)
{
	int j0;
	const int jb = 16;
	int nb = (n + jb - 1) / jb;
	double work = (double)m * n * k;

	(void)work;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (nb > 1 && work > PAR_MIN_WORK)
#endif
	for (j0 = 0; j0 < nb; j0++) {
		int jlo = j0 * jb, jhi = jlo + jb < n ? jlo + jb : n;
		int i, j, kk;
		for (i = 0; i < m; i++) {
			float *yr = y + (int64_t)i * n;
			if (a_cs == 1) {
				for (j = jlo; j < jhi; j++)
					yr[j] = dot(a + (int64_t)i * a_rs, b + (int64_t)j * k, k);
			} else {
				for (j = jlo; j < jhi; j++) {
					const float *br = b + (int64_t)j * k;
					float s = 0.0f;
					for (kk = 0; kk < k; kk++)
						s += a[(int64_t)i * a_rs + (int64_t)kk * a_cs] * br[kk];
					yr[j] = s;
				}
			}
			epilogue_apply(ep, i, jlo, jhi - jlo, yr + jlo);
		}
	}
}

void cvrt_gemm(int m, int n, int k, const float *a, int trans_a, const float *b,
	       int trans_b, float alpha, const float *c, int64_t c_stride_m,
	       int64_t c_stride_n, float beta, float *y, cvrt_act act)
{
	epilogue ep;
	int64_t a_rs = trans_a ? 1 : k, a_cs = trans_a ? m : 1;

	ep.alpha = alpha;
	ep.row_bias = NULL;
	ep.c = c;
	ep.c_rs = c_stride_m;
	ep.c_cs = c_stride_n;
	ep.beta = beta;
	ep.act = act;
	if (m <= 0 || n <= 0)
		return;
	if (trans_b) {
		gemm_bt(m, n, k, a, a_rs, a_cs, b, y, &ep);
	} else {
		gemm_args g;
		g.m = m;
		g.n = n;
		g.k = k;
		g.a = a;
		g.a_rs = a_rs;
		g.a_cs = a_cs;
		g.b = b;
		g.ldb = n;
		g.y = y;
		g.ldy = n;
		g.ep = &ep;
		g.serial = 0;
		gemm_core(&g);
	}
}

void cvrt_matmul(int nb, const int64_t *batch_dims, const int64_t *a_bstrides,
		 const int64_t *b_bstrides, int m, int n, int k, const float *a,
		 const float *b, float *y)
{
	int64_t total = 1, bi;
	int d;
	epilogue ep;

	memset(&ep, 0, sizeof(ep));
	ep.alpha = 1.0f;
	for (d = 0; d < nb; d++)
		total *= batch_dims[d];
	if (m <= 0 || n <= 0)
		return;
	for (bi = 0; bi < total; bi++) {
		/* Decode the batch index into per-operand offsets. */
		int64_t rem = bi, aoff = 0, boff = 0;
		gemm_args g;
		for (d = nb - 1; d >= 0; d--) {
			int64_t idx = rem % batch_dims[d];
			rem /= batch_dims[d];
			aoff += idx * a_bstrides[d];
			boff += idx * b_bstrides[d];
		}
		g.m = m;
		g.n = n;
		g.k = k;
		g.a = a + aoff;
		g.a_rs = k;
		g.a_cs = 1;
		g.b = b + boff;
		g.ldb = n;
		g.y = y + bi * (int64_t)m * n;
		g.ldy = n;
		g.ep = &ep;
		g.serial = 0;
		gemm_core(&g);
	}
}

/* ------------------------------------------------------------------------ */
/* Window helpers                                                           */
/* ------------------------------------------------------------------------ */

/*
 * Taps t in [0, k) of a window starting at `start` with step d whose position
 * start + t*d lies in [lo, hi) form the range [*t0, *t1) (empty if t0 == t1).
 */
static void tap_range(int start, int k, int d, int lo, int hi, int *t0, int *t1)
{
	int a = 0, b;

	if (start < lo)
		a = (lo - start + d - 1) / d;
	if (start >= hi)
		b = 0;
	else
		b = (hi - start + d - 1) / d;
	if (b > k)
		b = k;
	if (a > b)
		a = b;
	*t0 = a;
	*t1 = b;
}

/*
 * Output columns ox in [0, ow) whose input column ox*s + off lies in [0, w)
 * form [*lo, *hi): the interior where the inner loops need no bounds checks.
 */
static void valid_out_range(int ow, int s, int off, int w, int *lo, int *hi)
{
	int a, b;

	a = off >= 0 ? 0 : (-off + s - 1) / s;
	b = w - off <= 0 ? 0 : (w - off + s - 1) / s;
	if (b > ow)
		b = ow;
	if (a > b)
		a = b;
	*lo = a;
	*hi = b;
}

/* ------------------------------------------------------------------------ */
/* Convolution                                                              */
/* ------------------------------------------------------------------------ */

static int conv_is_pointwise(const cvrt_conv2d_params *p)
{
	return p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && p->pad_t == 0 &&
	       p->pad_l == 0 && p->oh == p->h && p->ow == p->w;
}

/* One input channel per group: depthwise (and channel-multiplier) convs. */
static int conv_is_depthwise(const cvrt_conv2d_params *p)
{
	return p->c == p->group;
}

/*
 * Workspace (floats): the im2col matrix of one image, all groups,
 *   c * kh * kw * oh * ow,
 * or 0 for pointwise (1x1, stride 1, no padding) and depthwise convs, which
 * run without im2col. Holding every group lets grouped convs run their
 * groups in parallel.
 */
size_t cvrt_conv2d_workspace(const cvrt_conv2d_params *p)
{
	if (conv_is_pointwise(p) || conv_is_depthwise(p))
		return 0;
	return (size_t)p->c * (size_t)p->kh * (size_t)p->kw * (size_t)p->oh * (size_t)p->ow;
}

/*
 * ws[(ci*kh + ky)*kw + kx][oy*ow + ox] = x[ci][oy*sh - pad_t + ky*dh][ox*sw - pad_l + kx*dw],
 * zero outside the input, for the `channels` planes at x. Group g's matrix is
 * then the row block starting at row g*(c/group)*kh*kw.
 */
static void im2col(const cvrt_conv2d_params *p, int channels, const float *x, float *ws)
{
	int rows = channels * p->kh * p->kw, r;
	int64_t plane = (int64_t)p->oh * p->ow;
	double work = (double)rows * plane;

	(void)work;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (rows > 1 && work > PAR_MIN_WORK)
#endif
	for (r = 0; r < rows; r++) {
		int kx = r % p->kw, ky = (r / p->kw) % p->kh, ci = r / (p->kw * p->kh);
		const float *xc = x + (int64_t)ci * p->h * p->w;
		float *dst = ws + (int64_t)r * plane;
		int off = kx * p->dw - p->pad_l;
		int lo, hi, oy, ox;

		valid_out_range(p->ow, p->sw, off, p->w, &lo, &hi);
		for (oy = 0; oy < p->oh; oy++) {
			int iy = oy * p->sh - p->pad_t + ky * p->dh;
			float *d = dst + (int64_t)oy * p->ow;
			if (iy < 0 || iy >= p->h || lo == hi) {
				memset(d, 0, (size_t)p->ow * sizeof(float));
				continue;
			}
			{
				const float *xr = xc + (int64_t)iy * p->w + off;
				for (ox = 0; ox < lo; ox++)
					d[ox] = 0.0f;
				if (p->sw == 1)
					memcpy(d + lo, xr + lo, (size_t)(hi - lo) * sizeof(float));
				else
					for (ox = lo; ox < hi; ox++)
						d[ox] = xr[(int64_t)ox * p->sw];
				for (ox = hi; ox < p->ow; ox++)
					d[ox] = 0.0f;
			}
		}
	}
}

/* Direct depthwise conv: each output plane reads one input plane. */
static void conv_depthwise(const cvrt_conv2d_params *p, const float *x, const float *w,
			   const float *bias, float *y)
{
	int mg = p->m / p->group;
	int64_t planes = (int64_t)p->n * p->m, pi;

#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
	for (pi = 0; pi < planes; pi++) {
		int img = (int)(pi / p->m), oc = (int)(pi % p->m), ic = oc / mg;
		const float *xc = x + ((int64_t)img * p->c + ic) * p->h * p->w;
		const float *wc = w + (int64_t)oc * p->kh * p->kw;
		float *yc = y + pi * p->oh * p->ow;
		float bv = bias ? bias[oc] : 0.0f;
		int oy, ky, kx, ox;

		for (oy = 0; oy < p->oh; oy++) {
			float *yr = yc + (int64_t)oy * p->ow;
			for (ox = 0; ox < p->ow; ox++)
				yr[ox] = bv;
			for (ky = 0; ky < p->kh; ky++) {
				int iy = oy * p->sh - p->pad_t + ky * p->dh;
				if (iy < 0 || iy >= p->h)
					continue;
				for (kx = 0; kx < p->kw; kx++) {
					int off = kx * p->dw - p->pad_l, lo, hi;
					const float *xr = xc + (int64_t)iy * p->w + off;
					float wv = wc[ky * p->kw + kx];
					valid_out_range(p->ow, p->sw, off, p->w, &lo, &hi);
					if (p->sw == 1)
						for (ox = lo; ox < hi; ox++)
							yr[ox] += wv * xr[ox];
					else if (p->sw == 2)
						for (ox = lo; ox < hi; ox++)
							yr[ox] += wv * xr[2 * ox];
					else
						for (ox = lo; ox < hi; ox++)
							yr[ox] += wv * xr[(int64_t)ox * p->sw];
				}
			}
			act_inplace(yr, p->ow, p->act);
		}
	}
}

void cvrt_conv2d(const cvrt_conv2d_params *p, const float *x, const float *w,
		 const float *bias, float *y, float *ws)
{
	int cg = p->c / p->group, mg = p->m / p->group;
	int kdim = cg * p->kh * p->kw;
	int64_t in_plane = (int64_t)p->h * p->w, out_plane = (int64_t)p->oh * p->ow;
	int pointwise = conv_is_pointwise(p);
	int img, g, par_groups = 0;

	if (conv_is_depthwise(p)) {
		conv_depthwise(p, x, w, bias, y);
		return;
	}
#ifdef _OPENMP
	/* Many small groups: one group per thread beats splitting each tiny GEMM. */
	par_groups = p->group > 1 && p->group >= omp_get_max_threads();
#endif
	for (img = 0; img < p->n; img++) {
		const float *xi = x + (int64_t)img * p->c * in_plane;
		if (!pointwise)
			im2col(p, p->c, xi, ws);
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) if (par_groups)
#endif
		for (g = 0; g < p->group; g++) {
			gemm_args ga;
			epilogue ep;
			ep.alpha = 1.0f;
			ep.c = NULL;
			ep.c_rs = ep.c_cs = 0;
			ep.beta = 0.0f;
			ep.act = p->act;
			ep.row_bias = bias ? bias + (int64_t)g * mg : NULL;
			ga.m = mg;
			ga.n = (int)out_plane;
			ga.k = kdim;
			ga.a = w + (int64_t)g * mg * kdim;
			ga.a_rs = kdim;
			ga.a_cs = 1;
			ga.b = pointwise ? xi + (int64_t)g * cg * in_plane
					 : ws + (int64_t)g * kdim * out_plane;
			ga.ldb = out_plane;
			ga.y = y + ((int64_t)img * p->m + (int64_t)g * mg) * out_plane;
			ga.ldy = out_plane;
			ga.ep = &ep;
			ga.serial = par_groups;
			gemm_core(&ga);
		}
	}
}

/*
 * Scatter form, parallel over output planes so no two threads ever write the
 * same element: plane (img, oc) gathers the contributions of its group's
 * input channels.
 */
void cvrt_conv_transpose2d(const cvrt_conv_transpose2d_params *p, const float *x,
			   const float *w, const float *bias, float *y)
{
	int cg = p->c / p->group, mg = p->m / p->group;
	int64_t planes = (int64_t)p->n * p->m, pi;
	int64_t in_plane = (int64_t)p->h * p->w, out_plane = (int64_t)p->oh * p->ow;

#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
	for (pi = 0; pi < planes; pi++) {
		int img = (int)(pi / p->m), oc = (int)(pi % p->m);
		int g = oc / mg, ocg = oc % mg;
		float *yc = y + pi * out_plane;
		float bv = bias ? bias[oc] : 0.0f;
		int ci, ky, kx, ih, iw;
		int64_t o;

		for (o = 0; o < out_plane; o++)
			yc[o] = bv;
		for (ci = g * cg; ci < (g + 1) * cg; ci++) {
			const float *xc = x + ((int64_t)img * p->c + ci) * in_plane;
			const float *wk = w + ((int64_t)ci * mg + ocg) * p->kh * p->kw;
			for (ky = 0; ky < p->kh; ky++) {
				for (kx = 0; kx < p->kw; kx++) {
					float wv = wk[ky * p->kw + kx];
					int off = kx * p->dw - p->pad_l;
					/* input columns iw with 0 <= iw*sw + off < ow */
					int lo, hi;
					valid_out_range(p->w, p->sw, off, p->ow, &lo, &hi);
					for (ih = 0; ih < p->h; ih++) {
						int oy = ih * p->sh - p->pad_t + ky * p->dh;
						const float *xr = xc + (int64_t)ih * p->w;
						float *yr;
						if (oy < 0 || oy >= p->oh)
							continue;
						yr = yc + (int64_t)oy * p->ow + off;
						if (p->sw == 1)
							for (iw = lo; iw < hi; iw++)
								yr[iw] += wv * xr[iw];
						else
							for (iw = lo; iw < hi; iw++)
								yr[(int64_t)iw * p->sw] += wv * xr[iw];
					}
				}
			}
		}
		act_inplace(yc, out_plane, p->act);
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

/* ------------------------------------------------------------------------ */
/* Pooling                                                                  */
/* ------------------------------------------------------------------------ */

/*
 * Both pools work a whole output row at a time: for every kernel tap the
 * output columns whose input lies inside the image form one contiguous range,
 * so the inner loop has no bounds checks.
 */
void cvrt_maxpool2d(const cvrt_pool2d_params *p, const float *x, float *y)
{
	int64_t planes = (int64_t)p->n * p->c, pi;

#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
	for (pi = 0; pi < planes; pi++) {
		const float *xc = x + pi * p->h * p->w;
		float *yc = y + pi * p->oh * p->ow;
		int oy, ox, ky, kx;

		for (oy = 0; oy < p->oh; oy++) {
			float *yr = yc + (int64_t)oy * p->ow;
			int iy0 = oy * p->sh - p->pad_t, ky0, ky1;
			tap_range(iy0, p->kh, p->dh, 0, p->h, &ky0, &ky1);
			for (ox = 0; ox < p->ow; ox++)
				yr[ox] = -FLT_MAX;
			for (ky = ky0; ky < ky1; ky++) {
				const float *xr = xc + (int64_t)(iy0 + ky * p->dh) * p->w;
				for (kx = 0; kx < p->kw; kx++) {
					int off = kx * p->dw - p->pad_l, lo, hi;
					const float *xs = xr + off;
					valid_out_range(p->ow, p->sw, off, p->w, &lo, &hi);
					if (p->sw == 1)
						for (ox = lo; ox < hi; ox++)
							yr[ox] = xs[ox] > yr[ox] ? xs[ox] : yr[ox];
					else
						for (ox = lo; ox < hi; ox++) {
							float v = xs[(int64_t)ox * p->sw];
							yr[ox] = v > yr[ox] ? v : yr[ox];
						}
				}
			}
		}
	}
}

void cvrt_avgpool2d(const cvrt_pool2d_params *p, const float *x, float *y)
{
	int64_t planes = (int64_t)p->n * p->c, pi;

#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
	for (pi = 0; pi < planes; pi++) {
		const float *xc = x + pi * p->h * p->w;
		float *yc = y + pi * p->oh * p->ow;
		int oy, ox, ky, kx;

		for (oy = 0; oy < p->oh; oy++) {
			float *yr = yc + (int64_t)oy * p->ow;
			int iy0 = oy * p->sh - p->pad_t, ky0, ky1, rcount, t0, t1;
			tap_range(iy0, p->kh, p->dh, 0, p->h, &ky0, &ky1);
			if (p->count_include_pad)
				tap_range(iy0, p->kh, p->dh, -p->pad_t, p->h + p->pad_b, &t0, &t1);
			else
				t0 = ky0, t1 = ky1;
			rcount = t1 - t0;
			for (ox = 0; ox < p->ow; ox++)
				yr[ox] = 0.0f;
			for (ky = ky0; ky < ky1; ky++) {
				const float *xr = xc + (int64_t)(iy0 + ky * p->dh) * p->w;
				for (kx = 0; kx < p->kw; kx++) {
					int off = kx * p->dw - p->pad_l, lo, hi;
					const float *xs = xr + off;
					valid_out_range(p->ow, p->sw, off, p->w, &lo, &hi);
					if (p->sw == 1)
						for (ox = lo; ox < hi; ox++)
							yr[ox] += xs[ox];
					else
						for (ox = lo; ox < hi; ox++)
							yr[ox] += xs[(int64_t)ox * p->sw];
				}
			}
			for (ox = 0; ox < p->ow; ox++) {
				int ix0 = ox * p->sw - p->pad_l, cnt;
				if (p->count_include_pad)
					tap_range(ix0, p->kw, p->dw, -p->pad_l, p->w + p->pad_r, &t0, &t1);
				else
					tap_range(ix0, p->kw, p->dw, 0, p->w, &t0, &t1);
				cnt = rcount * (t1 - t0);
				yr[ox] = cnt > 0 ? yr[ox] / (float)cnt : 0.0f;
			}
		}
	}
}

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

/* acc[i] op= x[i]; the switch is hoisted out of the loop. */
static void reduce_row(int op, int64_t len, const float *x, float *acc)
{
	int64_t i;

	if (op == CVRT_REDUCE_MAX)
		for (i = 0; i < len; i++)
			acc[i] = x[i] > acc[i] ? x[i] : acc[i];
	else if (op == CVRT_REDUCE_MIN)
		for (i = 0; i < len; i++)
			acc[i] = x[i] < acc[i] ? x[i] : acc[i];
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
		reduce_row(op, 1, acc + j, acc);
	return acc[0];
}

void cvrt_reduce(int op, int ndim, const int64_t *in_dims, const int *reduce,
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
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (outer > 1 && total > PAR_MIN_WORK)
#endif
			for (o = 0; o < outer; o++) {
				float *yo = y + o * inner;
				const float *xo = x + o * nred * inner;
				int64_t r, i;
				memcpy(yo, xo, (size_t)inner * sizeof(float));
				for (r = 1; r < nred; r++)
					reduce_row(op, inner, xo + r * inner, yo);
				if (scale != 1.0f)
					for (i = 0; i < inner; i++)
						yo[i] *= scale;
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

/* ------------------------------------------------------------------------ */
/* Data movement                                                            */
/* ------------------------------------------------------------------------ */

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
	for (k = 0; k < nd - 1; k++)
		rows *= dims[k];
	len = dims[nd - 1];
	st = xs[nd - 1];

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

/* ------------------------------------------------------------------------ */
/* Resize                                                                   */
/* ------------------------------------------------------------------------ */

static float resize_coord(int coord, int o, int in_len, int out_len, float scale)
{
	switch (coord) {
	case CVRT_COORD_PYTORCH_HALF_PIXEL:
		return out_len > 1 ? ((float)o + 0.5f) / scale - 0.5f : 0.0f;
	case CVRT_COORD_ALIGN_CORNERS:
		return out_len > 1 ? (float)o * (float)(in_len - 1) / (float)(out_len - 1) : 0.0f;
	case CVRT_COORD_ASYMMETRIC:
		return (float)o / scale;
	case CVRT_COORD_TF_HALF_PIXEL_FOR_NEAREST:
		return ((float)o + 0.5f) / scale;
	default:
		return ((float)o + 0.5f) / scale - 0.5f;
	}
}

static int nearest_index(float v, int mode, int len)
{
	float r;
	int64_t i;

	switch (mode) {
	case CVRT_NEAREST_ROUND_PREFER_CEIL:
		r = roundf(v);
		if (v - floorf(v) == 0.5f)
			r = ceilf(v);
		break;
	case CVRT_NEAREST_FLOOR:
		r = floorf(v);
		break;
	case CVRT_NEAREST_CEIL:
		r = ceilf(v);
		break;
	default:
		r = roundf(v);
		if (v - floorf(v) == 0.5f)
			r = floorf(v);
		break;
	}
	if (!(r > 0.0f))
		return 0;
	if (r >= (float)len)
		return len - 1;
	i = (int64_t)r;
	return i >= len ? len - 1 : (int)i;
}

/* Linear taps along one axis: lo/hi indices and the weight of hi. */
static void linear_tap(float v, int len, int *lo, int *hi, float *frac)
{
	int i0;

	if (!(v > 0.0f))
		v = 0.0f;
	if (v > (float)(len - 1))
		v = (float)(len - 1);
	i0 = (int)v;
	if (i0 > len - 1)
		i0 = len - 1;
	*lo = i0;
	*hi = i0 + 1 < len ? i0 + 1 : len - 1;
	*frac = v - (float)i0;
}

/*
 * Column taps depend only on ox, row taps only on oy: both are recomputed per
 * use (a few flops) because kernels may not allocate tables.
 */
void cvrt_resize2d(const cvrt_resize2d_params *p, const float *x, float *y)
{
	int64_t pi;

#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
	for (pi = 0; pi < p->nc; pi++) {
		const float *xc = x + pi * p->h * p->w;
		float *yc = y + pi * p->oh * p->ow;
		int oy, ox;

		for (oy = 0; oy < p->oh; oy++) {
			float *yr = yc + (int64_t)oy * p->ow;
			float fy = resize_coord(p->coord, oy, p->h, p->oh, p->scale_h);
			if (p->mode == CVRT_RESIZE_NEAREST) {
				const float *xr = xc + (int64_t)nearest_index(fy, p->nearest_mode, p->h) * p->w;
				for (ox = 0; ox < p->ow; ox++) {
					float fx = resize_coord(p->coord, ox, p->w, p->ow, p->scale_w);
					yr[ox] = xr[nearest_index(fx, p->nearest_mode, p->w)];
				}
			} else {
				int y0, y1;
				float wy;
				const float *r0, *r1;
				linear_tap(fy, p->h, &y0, &y1, &wy);
				r0 = xc + (int64_t)y0 * p->w;
				r1 = xc + (int64_t)y1 * p->w;
				for (ox = 0; ox < p->ow; ox++) {
					float fx = resize_coord(p->coord, ox, p->w, p->ow, p->scale_w);
					int x0, x1;
					float wx, top, bot;
					linear_tap(fx, p->w, &x0, &x1, &wx);
					top = r0[x0] + (r0[x1] - r0[x0]) * wx;
					bot = r1[x0] + (r1[x1] - r1[x0]) * wx;
					yr[ox] = top + (bot - top) * wy;
				}
			}
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Softmax                                                                  */
/* ------------------------------------------------------------------------ */

#define SOFTMAX_COLS 256

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
			for (a = 0; a < axis_len; a++) {
				yo[a] = expf(xo[a] - mx);
				sum += yo[a];
			}
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
			for (a = 0; a < axis_len; a++) {
				const float *xr = xo + a * inner + i0;
				float *yr = yo + a * inner + i0;
				for (i = 0; i < cols; i++) {
					yr[i] = expf(xr[i] - mx[i]);
					sum[i] += yr[i];
				}
			}
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
