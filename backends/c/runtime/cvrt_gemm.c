/*
 * cvrt_gemm.c - matrix products: the GEMM core (portable micro kernels, and the
 * register-blocked fg_* kernels of cvrt_fg.inc.c with AVX-512 or AVX2 + FMA),
 * Gemm, MatMul, weight panels.
 *
 * Kernels of cvrt.h, compiled once per ISA (cvrt_impl.h).
 */
#include "cvrt_impl.h"
#include "cvrt_gemm.h"

/* This object's versions of the entry points (cvrt_gemm_api.c calls them). */
#define cvrt_gemm CVRT_FN(cvrt_gemm)
#define cvrt_matmul CVRT_FN(cvrt_matmul)
#define cvrt_pack_panels CVRT_FN(cvrt_pack_panels)

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
	if (ep->col_bias) {
		const float *cb = ep->col_bias + j0;
		for (j = 0; j < len; j++)
			yseg[j] += cb[j];
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

#include "cvrt_fg.inc.c"

/*
 * 4 x w register tile, w = NR or 8 (a constant at each inlined call):
 * acc += A[i0..i0+4, k0..k1) * B[k0..k1, j0..j0+w).
 */
static ALWAYS_INLINE void micro_4xw(const gemm_args *g, int i0, int j0, int k0, int k1,
				    int first, int last, const int w)
{
	float acc[MR][NR];
	const float *a0 = g->a + (int64_t)i0 * g->a_rs;
	const float *a1 = a0 + g->a_rs, *a2 = a1 + g->a_rs, *a3 = a2 + g->a_rs;
	const float *b0 = gemm_bcol(g, j0);
	int64_t cs = g->a_cs;
	int r, j, kk;

	if (first)
		memset(acc, 0, sizeof(acc));
	else
		for (r = 0; r < MR; r++)
			for (j = 0; j < w; j++)
				acc[r][j] = g->y[(int64_t)(i0 + r) * g->ldy + j0 + j];
	for (kk = k0; kk < k1; kk++) {
		const float *bp = b0 + (int64_t)kk * g->ldb;
		float v0 = a0[kk * cs], v1 = a1[kk * cs], v2 = a2[kk * cs], v3 = a3[kk * cs];
		for (j = 0; j < w; j++) {
			float bv = bp[j];
			acc[0][j] = MADD(acc[0][j], v0, bv);
			acc[1][j] = MADD(acc[1][j], v1, bv);
			acc[2][j] = MADD(acc[2][j], v2, bv);
			acc[3][j] = MADD(acc[3][j], v3, bv);
		}
	}
	for (r = 0; r < MR; r++) {
		float *yr = g->y + (int64_t)(i0 + r) * g->ldy + j0;
		for (j = 0; j < w; j++)
			yr[j] = acc[r][j];
		if (last)
			epilogue_apply(g->ep, i0 + r, j0, w, yr);
	}
}

static void micro_4x16(const gemm_args *g, int i0, int j0, int k0, int k1, int first, int last)
{
	micro_4xw(g, i0, j0, k0, k1, first, last, NR);
}

/* The tile for a leftover block of 8 columns. */
static void micro_4x8(const gemm_args *g, int i0, int j0, int k0, int k1, int first, int last)
{
	micro_4xw(g, i0, j0, k0, k1, first, last, 8);
}

static void micro_1x16(const gemm_args *g, int i, int j0, int k0, int k1, int first,
		       int last)
{
	float acc[NR];
	const float *ar = g->a + (int64_t)i * g->a_rs, *b0 = gemm_bcol(g, j0);
	float *yr = g->y + (int64_t)i * g->ldy + j0;
	int j, kk;

	if (first)
		memset(acc, 0, sizeof(acc));
	else
		for (j = 0; j < NR; j++)
			acc[j] = yr[j];
	for (kk = k0; kk < k1; kk++) {
		const float *bp = b0 + (int64_t)kk * g->ldb;
		float v = ar[kk * g->a_cs];
		for (j = 0; j < NR; j++)
			acc[j] = MADD(acc[j], v, bp[j]);
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
	const float *ar = g->a + (int64_t)i * g->a_rs, *b0 = gemm_bcol(g, j0);
	float *yr = g->y + (int64_t)i * g->ldy + j0;
	int j, kk;

	if (first)
		for (j = 0; j < len; j++)
			yr[j] = 0.0f;
	for (kk = k0; kk < k1; kk++) {
		const float *bp = b0 + (int64_t)kk * g->ldb;
		float v = ar[kk * g->a_cs];
		for (j = 0; j < len; j++)
			yr[j] = MADD(yr[j], v, bp[j]);
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
			int je = jv;
			for (j = j0; j < jv; j += NR)
				micro_4x16(g, i, j, k0, k1, first, last);
			if (j1 - je >= 8) {
				micro_4x8(g, i, je, k0, k1, first, last);
				je += 8;
			}
			if (je < j1)
				for (int r = 0; r < MR; r++)
					edge_cols(g, i + r, je, j1 - je, k0, k1, first, last);
		}
		for (; i < i1; i++) {
			for (j = j0; j < jv; j += NR)
				micro_1x16(g, i, j, k0, k1, first, last);
			if (jv < j1)
				edge_cols(g, i, jv, j1 - jv, k0, k1, first, last);
		}
	}
}

#ifdef FAST_GEMM
/* *G = g as an implicit GEMM with a plain A (g->a_cs == 1), its epilogue g->ep. */
static void fg_plain(const gemm_args *g, igemm *G)
{
	memset(G, 0, sizeof(*G));
	G->plain = 1;
	G->x = g->a;
	G->xpix = g->a_rs;
	G->cg = g->k;
	G->b = g->b;
	G->ldb = g->ldb;
	G->pc = g->pc;
	G->y = g->y;
	G->ldy = g->ldy;
	G->ep = g->ep;
}
#endif

void gemm_core(const gemm_args *g)
{
	int mt = (g->m + GEMM_MC - 1) / GEMM_MC;
	int nt = (g->n + GEMM_NC - 1) / GEMM_NC;
	int t, ntiles = mt * nt;
	double work = (double)g->m * g->n * (g->k + 1);

	(void)work;
	if (g->m <= 0 || g->n <= 0)
		return;
#ifdef FAST_GEMM
	if (g->a_cs == 1) {
		igemm G;
		fg_plain(g, &G);
		fg_run(&G, 1, 0, 0, 0, g->m, g->n, g->serial, CVRT_SPLIT_AUTO);
		return;
	}
#endif
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
	       int b_form, float alpha, const float *c, int64_t c_stride_m,
	       int64_t c_stride_n, float beta, float *y, cvrt_act act)
{
	epilogue ep;
	int64_t a_rs = trans_a ? 1 : k, a_cs = trans_a ? m : 1;

	ep.alpha = alpha;
	ep.row_bias = NULL;
	ep.col_bias = NULL;
	ep.c = c;
	ep.c_rs = c_stride_m;
	ep.c_cs = c_stride_n;
	ep.beta = beta;
	ep.act = act;
	if (m <= 0 || n <= 0)
		return;
	if (b_form == CVRT_B_NK) {
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
		g.pc = b_form == CVRT_B_PANELS ? CVRT_PANEL_COLS(n) : 0;
		g.ldb = g.pc ? g.pc : n;
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
		g.pc = 0;
		g.y = y + bi * (int64_t)m * n;
		g.ldy = n;
		g.ep = &ep;
		g.serial = 0;
		gemm_core(&g);
	}
}

void wino_gemm(const float *a, int rows, int k, const float *b, int n, float *y, int j0, int j1)
{
	epilogue ep;
	gemm_args g;

	memset(&ep, 0, sizeof(ep));
	ep.alpha = 1.0f;
	g.m = rows;
	g.n = n;
	g.k = k;
	g.a = a;
	g.a_rs = k;
	g.a_cs = 1;
	g.b = b;
	g.pc = CVRT_PANEL_COLS(n);
	g.ldb = g.pc;
	g.y = y;
	g.ldy = n;
	g.ep = &ep;
	g.serial = 1;
#ifdef FAST_GEMM
	{
		igemm G;
		int r0;
		fg_plain(&g, &G);
		G.ep = NULL; /* nothing to apply: no per-row epilogue pass */
		for (r0 = 0; r0 < rows; r0 += FG_TP)
			fg_tile(&G, r0, rows - r0 < FG_TP ? rows : r0 + FG_TP, j0, j1);
	}
#else
	gemm_tile(&g, 0, rows, j0, j1);
#endif
}

void pack_panels(int64_t k, int n, const float *b, int64_t rs, int64_t cs, float *panels)
{
	int pc = CVRT_PANEL_COLS(n), j0, jj;
	int64_t kk;

	for (j0 = 0; j0 < n; j0 += pc)
		for (kk = 0; kk < k; kk++, panels += pc)
			for (jj = 0; jj < pc; jj++)
				panels[jj] = j0 + jj < n ? b[kk * rs + (int64_t)(j0 + jj) * cs] : 0.0f;
}

void cvrt_pack_panels(int k, int n, const float *b, int trans, float *panels)
{
	pack_panels(k, n, b, trans ? 1 : n, trans ? k : 1, panels);
}
