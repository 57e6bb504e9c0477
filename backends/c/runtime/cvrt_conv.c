/*
 * cvrt_conv.c - convolution: NCHW (im2col + GEMM), NHWC (implicit GEMM, or
 * Winograd from cvrt_winograd.inc.c), transposed.
 *
 * Kernels of cvrt.h, compiled once per ISA (cvrt_impl.h). The transposed
 * conv's NHWC path (GEMM + pixel shuffle or col2im) is cvrt_convt.inc.c;
 * 3-D convolution (vol2col + GEMM) is cvrt_conv3d.inc.c.
 */
#include "cvrt_impl.h"
#include "cvrt_gemm.h"
#ifdef FAST_GEMM /* conv3d's layout changes */
#include "cvrt_transpose.h"
#endif

/* This object's versions of the entry points (cvrt_conv_api.c calls them). */
#define cvrt_conv2d_workspace CVRT_FN(cvrt_conv2d_workspace)
#define cvrt_conv2d CVRT_FN(cvrt_conv2d)
#define cvrt_conv2d_nhwc_workspace CVRT_FN(cvrt_conv2d_nhwc_workspace)
#define cvrt_conv2d_nhwc CVRT_FN(cvrt_conv2d_nhwc)
#define cvrt_conv2d_nhwc_packed_floats CVRT_FN(cvrt_conv2d_nhwc_packed_floats)
#define cvrt_pack_conv2d_nhwc CVRT_FN(cvrt_pack_conv2d_nhwc)
#define cvrt_conv2d_nhwc_scaled_workspace CVRT_FN(cvrt_conv2d_nhwc_scaled_workspace)
#define cvrt_conv2d_nhwc_scaled CVRT_FN(cvrt_conv2d_nhwc_scaled)
#define cvrt_conv_transpose2d CVRT_FN(cvrt_conv_transpose2d)
#define cvrt_conv_transpose2d_nhwc_workspace CVRT_FN(cvrt_conv_transpose2d_nhwc_workspace)
#define cvrt_conv_transpose2d_nhwc CVRT_FN(cvrt_conv_transpose2d_nhwc)
#define cvrt_conv3d_workspace CVRT_FN(cvrt_conv3d_workspace)
#define cvrt_conv3d CVRT_FN(cvrt_conv3d)
#define cvrt_conv_transpose3d_workspace CVRT_FN(cvrt_conv_transpose3d_workspace)
#define cvrt_conv_transpose3d CVRT_FN(cvrt_conv_transpose3d)

/* ------------------------------------------------------------------------ */
/* Convolution                                                              */
/* ------------------------------------------------------------------------ */

static int conv_is_pointwise(const cvrt_conv2d_params *p)
{
	return p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && p->pad_t == 0 &&
	       p->pad_l == 0 && p->oh == p->h && p->ow == p->w;
}

/*
 * Workspace (floats): the im2col matrix of one image, all groups,
 *   c * kh * kw * oh * ow,
 * or 0 for pointwise convs (1x1, stride 1, no padding), which multiply the
 * input directly. Holding every group lets grouped convs run their groups in
 * parallel. Depthwise convs take this path too (c GEMMs of one row each);
 * their fast path is cvrt_dwconv2d.
 */
size_t cvrt_conv2d_workspace(const cvrt_conv2d_params *p)
{
	if (conv_is_pointwise(p))
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

/* The generic grouped path: per image and group, im2col + GEMM. */
void cvrt_conv2d(const cvrt_conv2d_params *p, const float *x, const float *w,
		 const float *bias, const float *residual, float *y, float *ws)
{
	int cg = p->c / p->group, mg = p->m / p->group;
	int kdim = cg * p->kh * p->kw;
	int64_t in_plane = (int64_t)p->h * p->w, out_plane = (int64_t)p->oh * p->ow;
	int pointwise = conv_is_pointwise(p);
	int img, g, par_groups = 0;

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
			int64_t yoff = ((int64_t)img * p->m + (int64_t)g * mg) * out_plane;
			ep.alpha = 1.0f;
			ep.c = residual ? residual + yoff : NULL;
			ep.c_rs = out_plane;
			ep.c_cs = 1;
			ep.beta = 1.0f;
			ep.act = p->act;
			ep.row_bias = bias ? bias + (int64_t)g * mg : NULL;
			ep.col_bias = NULL;
			ga.m = mg;
			ga.n = (int)out_plane;
			ga.k = kdim;
			ga.a = w + (int64_t)g * mg * kdim;
			ga.a_rs = kdim;
			ga.a_cs = 1;
			ga.b = pointwise ? xi + (int64_t)g * cg * in_plane
					 : ws + (int64_t)g * kdim * out_plane;
			ga.ldb = out_plane;
			ga.pc = 0;
			ga.y = y + yoff;
			ga.ldy = out_plane;
			ga.ep = &ep;
			ga.serial = par_groups;
			gemm_core(&ga);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Convolution, NHWC: implicit GEMM                                         */
/* ------------------------------------------------------------------------ */

/*
 * The output of one image and group is a [oh*ow, m/group] matrix (rows
 * m apart in y). Tap (ky, kx) contributes A_t * W_t, where W_t (rows
 * [t*cg, (t+1)*cg) of the group's weight panels, cg = c/group) is a
 * [cg, m/group] matrix and row `pix` of A_t is the input pixel under that
 * tap: cg contiguous floats of x, or zeros when the tap falls into the
 * padding. With FAST_GEMM, fg_run does it all (packing A per tile); the
 * portable micro kernels below take one pointer per A row instead, so A_t is
 * never materialized: out-of-image rows point at a static zero block.
 *
 * Portable blocking: a tile is CONV_NHWC_MC output pixels (whole rows when
 * they fit) x GEMM_NC output channels. Within a tile the K loop runs over
 * taps, then KC-blocks of cg; the KC x NC block of W_t stays in L2 while
 * the tile's pixel quads stream over it. Tiles are the parallel work items.
 * B column j of the group is read at panel_col(wg, K, pc, j), rows pc apart.
 */
#define CONV_NHWC_MC 64
#define CONV_NHWC_TAPS 64      /* small-K path: at most this many taps */
#define CONV_NHWC_SMALL_K 256  /* ... and taps * c/group at most this */

static const float conv_zero_row[GEMM_KC];

/* acc(4 x 16) (+)= A(4 rows at ar[], kc) * B(kc x 16, rows ldb apart). */
static void micro_p4x16(const float *const *ar, const float *b, int64_t ldb, int kc,
			float *const *yr, int64_t j, int first)
{
	float acc[MR][NR];
	const float *a0 = ar[0], *a1 = ar[1], *a2 = ar[2], *a3 = ar[3];
	int r, jj, kk;

	if (first)
		memset(acc, 0, sizeof(acc));
	else
		for (r = 0; r < MR; r++)
			for (jj = 0; jj < NR; jj++)
				acc[r][jj] = yr[r][j + jj];
	for (kk = 0; kk < kc; kk++) {
		const float *bp = b + (int64_t)kk * ldb;
		float v0 = a0[kk], v1 = a1[kk], v2 = a2[kk], v3 = a3[kk];
		for (jj = 0; jj < NR; jj++) {
			float bv = bp[jj];
			acc[0][jj] = MADD(acc[0][jj], v0, bv);
			acc[1][jj] = MADD(acc[1][jj], v1, bv);
			acc[2][jj] = MADD(acc[2][jj], v2, bv);
			acc[3][jj] = MADD(acc[3][jj], v3, bv);
		}
	}
	for (r = 0; r < MR; r++)
		for (jj = 0; jj < NR; jj++)
			yr[r][j + jj] = acc[r][jj];
}

/*
 * 4 x W tile (W = 16 or 8) over every tap at once: A rows of tap t at
 * ar[t*4 + r], B of tap t at b + t*tstride; kc per tap. For convs whose
 * whole K (taps x c/group) is small, e.g. a first layer's 27.
 */
#define MICRO_TAPS(NAME, W)                                                            \
	static void NAME(const float *const *ar, int ntaps, const float *b, int64_t tstride, \
			 int64_t ldb, int kc, float *const *yr, int64_t j)             \
	{                                                                              \
		float acc[MR][W];                                                      \
		int r, jj, kk, t;                                                      \
		memset(acc, 0, sizeof(acc));                                           \
		for (t = 0; t < ntaps; t++) {                                          \
			const float *a0 = ar[t * MR], *a1 = ar[t * MR + 1];            \
			const float *a2 = ar[t * MR + 2], *a3 = ar[t * MR + 3];        \
			const float *bt = b + t * tstride;                             \
			for (kk = 0; kk < kc; kk++) {                                  \
				const float *bp = bt + (int64_t)kk * ldb;              \
				float v0 = a0[kk], v1 = a1[kk], v2 = a2[kk], v3 = a3[kk]; \
				for (jj = 0; jj < W; jj++) {                           \
					float bv = bp[jj];                             \
					acc[0][jj] = MADD(acc[0][jj], v0, bv);         \
					acc[1][jj] = MADD(acc[1][jj], v1, bv);         \
					acc[2][jj] = MADD(acc[2][jj], v2, bv);         \
					acc[3][jj] = MADD(acc[3][jj], v3, bv);         \
				}                                                      \
			}                                                              \
		}                                                                      \
		for (r = 0; r < MR; r++)                                               \
			for (jj = 0; jj < W; jj++)                                     \
				yr[r][j + jj] = acc[r][jj];                            \
	}
MICRO_TAPS(micro_taps_4x16, 16)
MICRO_TAPS(micro_taps_4x8, 8)

/* acc(4 x 8) (+)= A(4 rows at ar[], kc) * B(kc x 8). */
static void micro_p4x8(const float *const *ar, const float *b, int64_t ldb, int kc,
		       float *const *yr, int64_t j, int first)
{
	float acc[MR][8];
	const float *a0 = ar[0], *a1 = ar[1], *a2 = ar[2], *a3 = ar[3];
	int r, jj, kk;

	if (first)
		memset(acc, 0, sizeof(acc));
	else
		for (r = 0; r < MR; r++)
			for (jj = 0; jj < 8; jj++)
				acc[r][jj] = yr[r][j + jj];
	for (kk = 0; kk < kc; kk++) {
		const float *bp = b + (int64_t)kk * ldb;
		float v0 = a0[kk], v1 = a1[kk], v2 = a2[kk], v3 = a3[kk];
		for (jj = 0; jj < 8; jj++) {
			float bv = bp[jj];
			acc[0][jj] = MADD(acc[0][jj], v0, bv);
			acc[1][jj] = MADD(acc[1][jj], v1, bv);
			acc[2][jj] = MADD(acc[2][jj], v2, bv);
			acc[3][jj] = MADD(acc[3][jj], v3, bv);
		}
	}
	for (r = 0; r < MR; r++)
		for (jj = 0; jj < 8; jj++)
			yr[r][j + jj] = acc[r][jj];
}

/* One A row times B columns [0, len) (len <= NR or any, as an axpy). */
static void micro_p1xn(const float *a, const float *b, int64_t ldb, int kc, float *yr,
		       int len, int first)
{
	int jj, kk;

	if (len == NR) {
		float acc[NR];
		if (first)
			memset(acc, 0, sizeof(acc));
		else
			for (jj = 0; jj < NR; jj++)
				acc[jj] = yr[jj];
		for (kk = 0; kk < kc; kk++) {
			const float *bp = b + (int64_t)kk * ldb;
			float v = a[kk];
			for (jj = 0; jj < NR; jj++)
				acc[jj] = MADD(acc[jj], v, bp[jj]);
		}
		for (jj = 0; jj < NR; jj++)
			yr[jj] = acc[jj];
		return;
	}
	if (first)
		for (jj = 0; jj < len; jj++)
			yr[jj] = 0.0f;
	for (kk = 0; kk < kc; kk++) {
		const float *bp = b + (int64_t)kk * ldb;
		float v = a[kk];
		for (jj = 0; jj < len; jj++)
			yr[jj] = MADD(yr[jj], v, bp[jj]);
	}
}

/* y = act(y + bias + residual) on one output row segment of len channels. */
static void nhwc_epilogue(float *yseg, const float *bseg, const float *rseg, int len,
			  cvrt_act act)
{
	int j;

	if (bseg && rseg)
		for (j = 0; j < len; j++)
			yseg[j] += bseg[j] + rseg[j];
	else if (bseg)
		for (j = 0; j < len; j++)
			yseg[j] += bseg[j];
	else if (rseg)
		for (j = 0; j < len; j++)
			yseg[j] += rseg[j];
	act_inplace(yseg, len, act);
}

#ifdef FAST_GEMM
/* G zeroed, then the window geometry of an NHWC conv of shape p as an
 * implicit GEMM (fg_run): pixels of p->c floats, channels per group
 * c / group, mg output columns per group in weight panels, Y rows p->m
 * floats apart. The caller sets x, b, y, bias, act and what else differs. */
static void igemm_init(igemm *G, const cvrt_conv2d_params *p, int mg)
{
	memset(G, 0, sizeof(*G));
	G->xpix = p->c;
	G->h = p->h;
	G->w = p->w;
	G->ow = p->ow;
	G->kh = p->kh;
	G->kw = p->kw;
	G->sh = p->sh;
	G->sw = p->sw;
	G->dh = p->dh;
	G->dw = p->dw;
	G->pad_t = p->pad_t;
	G->pad_l = p->pad_l;
	G->cg = p->c / p->group;
	G->pc = CVRT_PANEL_COLS(mg);
	G->ldb = G->pc;
	G->ldy = p->m;
}
#endif

/* Floats between output pixels of an NHWC conv: m, or p->ldy when set. */
static int64_t conv_nhwc_ldy(const cvrt_conv2d_params *p)
{
	return p->ldy > 0 ? p->ldy : p->m;
}

/* Output pixels [pix0, pix1) x channels [j0, j1) of group g of image img. */
static void conv_nhwc_tile(const cvrt_conv2d_params *p, const float *x, const float *w,
			   const float *bias, const float *residual, float *y, int img,
			   int g, int pix0, int pix1, int j0, int j1)
{
	int cg = p->c / p->group, mg = p->m / p->group;
	int ntaps = p->kh * p->kw, t, k0, i, r, j, epi0 = pix0;
	int jv = j0 + (j1 - j0) / NR * NR, pc = CVRT_PANEL_COLS(mg);
	int64_t K = (int64_t)ntaps * cg;
	const float *xi = x + (int64_t)img * p->h * p->w * p->c + (int64_t)g * cg;
	const float *wg = w + (int64_t)g * CVRT_PANELS_FLOATS(K, mg);
	int64_t ldy = conv_nhwc_ldy(p);
	int64_t ybase = (int64_t)img * p->oh * p->ow * ldy + (int64_t)g * mg;
	int64_t rbase = (int64_t)img * p->oh * p->ow * p->m + (int64_t)g * mg;

	if (ntaps <= CONV_NHWC_TAPS && ntaps * cg <= CONV_NHWC_SMALL_K) {
		/* Small K: pixel quads keep their accumulators over every tap. */
		const float *ar[CONV_NHWC_TAPS * MR];
		float *yr[MR];
		int64_t tstride = (int64_t)cg * pc;
		for (i = pix0; i + MR <= pix1; i += MR) {
			int je = jv;
			for (r = 0; r < MR; r++) {
				int pix = i + r, oy = pix / p->ow, ox = pix % p->ow;
				yr[r] = y + ybase + (int64_t)pix * ldy;
				for (t = 0; t < ntaps; t++) {
					int iy = oy * p->sh - p->pad_t + (t / p->kw) * p->dh;
					int ix = ox * p->sw - p->pad_l + (t % p->kw) * p->dw;
					ar[t * MR + r] = iy >= 0 && iy < p->h && ix >= 0 && ix < p->w
						? xi + ((int64_t)iy * p->w + ix) * p->c : conv_zero_row;
				}
			}
			for (j = j0; j < jv; j += NR)
				micro_taps_4x16(ar, ntaps, panel_col(wg, K, pc, j), tstride, pc, cg, yr, j);
			for (; j1 - je >= 8; je += 8)
				micro_taps_4x8(ar, ntaps, panel_col(wg, K, pc, je), tstride, pc, cg, yr, je);
			for (r = 0; r < MR && je < j1; r++) {
				for (t = 0; t < ntaps; t++)
					micro_p1xn(ar[t * MR + r], panel_col(wg, K, pc, je) + t * tstride, pc,
						   cg, yr[r] + je, j1 - je, t == 0);
			}
		}
		if (i < pix1) {
			/* Leftover pixels: the general loop below on them alone. */
			pix0 = i;
		} else {
			goto epilogue;
		}
	}
	for (t = 0; t < ntaps; t++) {
		int ky = t / p->kw, kx = t % p->kw;
		for (k0 = 0; k0 < cg; k0 += GEMM_KC) {
			int kc = cg - k0 < GEMM_KC ? cg - k0 : GEMM_KC;
			int first = t == 0 && k0 == 0;
			int64_t brow = ((int64_t)t * cg + k0) * pc; /* offset of B row t*cg + k0 */
			for (i = pix0; i < pix1; i += MR) {
				int rows = pix1 - i < MR ? pix1 - i : MR, nz = 0;
				const float *ar[MR];
				float *yr[MR];
				for (r = 0; r < rows; r++) {
					int pix = i + r, oy = pix / p->ow, ox = pix % p->ow;
					int iy = oy * p->sh - p->pad_t + ky * p->dh;
					int ix = ox * p->sw - p->pad_l + kx * p->dw;
					yr[r] = y + ybase + (int64_t)pix * ldy;
					if (iy >= 0 && iy < p->h && ix >= 0 && ix < p->w) {
						ar[r] = xi + ((int64_t)iy * p->w + ix) * p->c + k0;
					} else {
						ar[r] = conv_zero_row;
						nz++;
					}
				}
				if (nz == rows && !first)
					continue; /* all padding: adds nothing */
				if (rows == MR) {
					int je = jv;
					for (j = j0; j < jv; j += NR)
						micro_p4x16(ar, panel_col(wg, K, pc, j) + brow, pc, kc, yr, j,
							    first);
					if (j1 - je >= 8) {
						micro_p4x8(ar, panel_col(wg, K, pc, je) + brow, pc, kc, yr, je,
							   first);
						je += 8;
					}
					if (je < j1)
						for (r = 0; r < MR; r++)
							micro_p1xn(ar[r], panel_col(wg, K, pc, je) + brow, pc, kc,
								   yr[r] + je, j1 - je, first);
				} else {
					for (r = 0; r < rows; r++) {
						for (j = j0; j < jv; j += NR)
							micro_p1xn(ar[r], panel_col(wg, K, pc, j) + brow, pc, kc,
								   yr[r] + j, NR, first);
						if (jv < j1)
							micro_p1xn(ar[r], panel_col(wg, K, pc, jv) + brow, pc, kc,
								   yr[r] + jv, j1 - jv, first);
					}
				}
			}
		}
	}
epilogue:
	for (i = epi0; i < pix1; i++) {
		nhwc_epilogue(y + ybase + (int64_t)i * ldy + j0, bias ? bias + (int64_t)g * mg + j0 : NULL,
			      residual ? residual + rbase + (int64_t)i * p->m + j0 : NULL, j1 - j0, p->act);
	}
}

#include "cvrt_winograd.inc.c"

/* Direct: no scratch (packed A lives on the stack with FAST_GEMM, and
 * out-of-image taps read a static zero block without). Winograd: see
 * conv_winograd. */
size_t cvrt_conv2d_nhwc_workspace(const cvrt_conv2d_params *p)
{
	int nb;

	if (!cvrt_winograd_tile(p->algo))
		return 0;
	nb = wino_block(p, wino_tiles(p));
	return (size_t)(wino_zeros(p) + wino_area(wino_npos(p), nb, p->c, p->m));
}

size_t cvrt_conv2d_nhwc_packed_floats(const cvrt_conv2d_params *p)
{
	size_t k = (size_t)p->kh * p->kw * (p->c / p->group), mg = (size_t)(p->m / p->group);

	if (cvrt_winograd_tile(p->algo))
		return (size_t)wino_npos(p) * CVRT_PANELS_FLOATS((size_t)p->c, (size_t)p->m);
	return (size_t)p->group * CVRT_PANELS_FLOATS(k, mg);
}

void cvrt_pack_conv2d_nhwc(const cvrt_conv2d_params *p, const float *w_hwio, float *packed)
{
	int mg = p->m / p->group, g;
	int64_t k = (int64_t)p->kh * p->kw * (p->c / p->group);

	if (cvrt_winograd_tile(p->algo)) {
		cvrt_pack_winograd(wino_side(p), p->c, p->m, w_hwio, packed);
		return;
	}
	for (g = 0; g < p->group; g++)
		pack_panels(k, mg, w_hwio + (int64_t)g * mg, p->m, 1,
			    packed + (int64_t)g * CVRT_PANELS_FLOATS(k, mg));
}

void cvrt_conv2d_nhwc(const cvrt_conv2d_params *p, const float *x, const float *w,
		      const float *bias, const float *residual, float *y, float *ws)
{
	int cg = p->c / p->group, mg = p->m / p->group;
	int64_t pixels = (int64_t)p->oh * p->ow;
	int64_t K = (int64_t)p->kh * p->kw * cg, gstride = CVRT_PANELS_FLOATS(K, mg);
	int g;

	if (p->n <= 0 || pixels <= 0 || p->m <= 0)
		return;
	if (cvrt_winograd_tile(p->algo)) {
		conv_winograd(p, x, w, bias, residual, y, ws);
		return;
	}
#ifdef FAST_GEMM
	{
		int pw = conv_is_pointwise(p) && (int64_t)p->n * pixels <= INT32_MAX;
		igemm G;
		igemm_init(&G, p, mg);
		G.plain = pw;
		G.ldy = conv_nhwc_ldy(p);
		G.ldr = p->m;
		G.act = p->act;
		for (g = 0; g < p->group; g++) {
			G.x = x + (int64_t)g * cg;
			G.b = w + g * gstride;
			G.y = y + (int64_t)g * mg;
			G.bias = bias ? bias + (int64_t)g * mg : NULL;
			G.res = residual ? residual + (int64_t)g * mg : NULL;
			if (pw)
				fg_run(&G, 1, 0, 0, 0, (int)(p->n * pixels), mg, 0, p->split);
			else
				fg_run(&G, p->n, (int64_t)p->h * p->w * p->c, pixels * G.ldy,
				       pixels * p->m, (int)pixels, mg, 0, p->split);
		}
		return;
	}
#endif
	if (conv_is_pointwise(p) && (int64_t)p->n * pixels <= INT32_MAX) {
		/* One GEMM per group over all n*h*w pixels. */
		for (g = 0; g < p->group; g++) {
			gemm_args ga;
			epilogue ep;
			ep.alpha = 1.0f;
			ep.row_bias = NULL;
			ep.col_bias = bias ? bias + (int64_t)g * mg : NULL;
			ep.c = residual ? residual + (int64_t)g * mg : NULL;
			ep.c_rs = p->m;
			ep.c_cs = 1;
			ep.beta = 1.0f;
			ep.act = p->act;
			ga.m = (int)(p->n * pixels);
			ga.n = mg;
			ga.k = cg;
			ga.a = x + (int64_t)g * cg;
			ga.a_rs = p->c;
			ga.a_cs = 1;
			ga.b = w + g * gstride;
			ga.pc = CVRT_PANEL_COLS(mg);
			ga.ldb = ga.pc;
			ga.y = y + (int64_t)g * mg;
			ga.ldy = conv_nhwc_ldy(p);
			ga.ep = &ep;
			ga.serial = 0;
			gemm_core(&ga);
		}
		return;
	}
	{
		/* Pixel tiles of whole output rows where possible. */
		int rows_per_tile = p->ow >= CONV_NHWC_MC ? 1 : CONV_NHWC_MC / p->ow;
		int64_t tile_pix = p->ow >= CONV_NHWC_MC ? CONV_NHWC_MC : (int64_t)rows_per_tile * p->ow;
		int64_t pt = (pixels + tile_pix - 1) / tile_pix;
		int64_t jt = (mg + GEMM_NC - 1) / GEMM_NC;
		int64_t ntasks = (int64_t)p->n * p->group * pt * jt, task;
		double work = (double)p->n * pixels * p->m * cg * p->kh * p->kw;

		(void)work;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) if (ntasks > 1 && work > PAR_MIN_WORK)
#endif
		for (task = 0; task < ntasks; task++) {
			int64_t rem = task;
			int tj = (int)(rem % jt), tp, gi, img;
			int pix0, pix1, j0, j1;
			rem /= jt;
			tp = (int)(rem % pt);
			rem /= pt;
			gi = (int)(rem % p->group);
			img = (int)(rem / p->group);
			pix0 = (int)(tp * tile_pix);
			pix1 = (int)(pix0 + tile_pix < pixels ? pix0 + tile_pix : pixels);
			j0 = tj * GEMM_NC;
			j1 = j0 + GEMM_NC < mg ? j0 + GEMM_NC : mg;
			conv_nhwc_tile(p, x, w, bias, residual, y, img, gi, pix0, pix1, j0, j1);
		}
	}
}

/*
 * The packed weight w with each row scaled by its input channel's factor
 * s[c], into out (the same packing, cvrt_conv2d_nhwc_packed_floats(p)
 * floats). Both packings are runs of panels of k rows x pc floats: direct,
 * one run of k = kh*kw*c rows, row r for channel r % c (taps major);
 * Winograd, one run of k = c rows per position. One group only.
 */
static void scale_packed_rows(const cvrt_conv2d_params *p, const float *w, const float *s,
			      float *out)
{
	int64_t pc = CVRT_PANEL_COLS(p->m), panels = (p->m + pc - 1) / pc, runs, k, r, j, q;

	if (cvrt_winograd_tile(p->algo)) {
		runs = wino_npos(p);
		k = p->c;
	} else {
		runs = 1;
		k = (int64_t)p->kh * p->kw * p->c;
	}
	for (q = 0; q < runs * panels; q++)
		for (r = 0; r < k; r++) {
			const float *src = w + (q * k + r) * pc;
			float *dst = out + (q * k + r) * pc, f = s[r % p->c];
			for (j = 0; j < pc; j++)
				dst[j] = src[j] * f;
		}
}

size_t cvrt_conv2d_nhwc_scaled_workspace(const cvrt_conv2d_params *p)
{
	cvrt_conv2d_params one = *p;

	one.n = 1;
	return cvrt_conv2d_nhwc_packed_floats(p) + cvrt_conv2d_nhwc_workspace(&one);
}

void cvrt_conv2d_nhwc_scaled(const cvrt_conv2d_params *p, const float *x, const float *w,
			     const float *s, const float *bias, const float *residual, float *y,
			     float *ws)
{
	cvrt_conv2d_params one = *p;
	int64_t pixels = (int64_t)p->oh * p->ow, img;
	float *scaled = ws, *rest = ws + cvrt_conv2d_nhwc_packed_floats(p);

	one.n = 1;
	for (img = 0; img < p->n; img++) {
		scale_packed_rows(p, w, s + img * p->c, scaled);
		cvrt_conv2d_nhwc(&one, x + img * p->h * p->w * p->c, scaled, bias,
				 residual ? residual + img * pixels * p->m : NULL,
				 y + img * pixels * conv_nhwc_ldy(p), rest);
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

#include "cvrt_convt.inc.c"
#include "cvrt_conv3d.inc.c"
#include "cvrt_convt3d.inc.c"
