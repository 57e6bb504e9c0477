/*
 * cvrt_gemm.h - the GEMM core as the conv family uses it (internal): the
 * argument structs and the per-ISA functions cvrt_gemm.c exports to
 * cvrt_conv.c. Included after cvrt_impl.h.
 */
#ifndef CVRT_GEMM_H
#define CVRT_GEMM_H

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
	const float *row_bias; /* [m] or NULL (NCHW conv bias) */
	const float *col_bias; /* [n] or NULL (NHWC conv bias) */
	const float *c;        /* Gemm C or NULL */
	int64_t c_rs, c_cs;
	float beta;
	cvrt_act act;
} epilogue;

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

/*
 * a(i, kk) = a[i * a_rs + kk * a_cs]; Y rows ldy apart. B: dense rows ldb
 * apart (pc = 0), or weight panels of pc columns (cvrt.h; then ldb = pc).
 */
typedef struct gemm_args {
	int m, n, k;
	const float *a;
	int64_t a_rs, a_cs;
	const float *b;
	int64_t ldb;
	int pc;
	float *y;
	int64_t ldy;
	const epilogue *ep;
	int serial; /* set when the caller already runs in parallel */
} gemm_args;

/* Start of weight-panel column j (rows pc floats apart) of a k-row matrix. */
static inline const float *panel_col(const float *panels, int64_t k, int pc, int64_t j)
{
	return panels + (j / pc * k) * pc + j % pc;
}

/* B(kk, j + jj) = gemm_bcol(g, j)[kk * g->ldb + jj] for the columns j + jj of
 * one aligned block of 8 (panels are 8, 16 or 32 wide). */
static inline const float *gemm_bcol(const gemm_args *g, int j)
{
	return g->pc ? panel_col(g->b, g->k, g->pc, j) : g->b + j;
}

/* The register-blocked micro kernel (cvrt_fg.inc.c) exists with AVX-512 or
 * AVX2 + FMA; without them the portable kernels of cvrt_gemm.c run. */
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#define FAST_GEMM 1
#endif

/*
 * One implicit GEMM: output row `pix` (a pixel, or a matrix row when plain)
 * at y + pix*ldy. A: plain: row pix at x + pix*xpix, K = cg contiguous;
 * else a conv: K = kh*kw*cg, tap t = (ky, kx) reads the cg floats of the
 * input pixel under it (pixels xpix floats apart, rows w pixels apart) or
 * zeros. B: weight panels of pc columns (see cvrt.h) when pc > 0, else dense,
 * K row kk at b + kk*ldb. Epilogue: ep (GEMM), or bias/residual/act (conv).
 * acc: Y += A * B (then residual/act): the sum starts from Y, not from the
 * bias (ignored), so a conv3d adds one depth tap's 2-D conv at a time.
 */
typedef struct igemm {
	int plain;
	const float *x;
	int64_t xpix;
	int h, w, ow, kh, kw, sh, sw, dh, dw, pad_t, pad_l;
	int cg;
	const float *b;
	int64_t ldb;
	int pc;
	float *y;
	int64_t ldy;
	const float *bias;
	const float *res;
	int64_t ldr;
	cvrt_act act;
	const epilogue *ep;
	int acc;
} igemm;

/* Defined in cvrt_gemm.c, one version per ISA: */
#define gemm_core CVRT_FN(cvrt_gemm_core)
#define wino_gemm CVRT_FN(cvrt_wino_gemm)
#define pack_panels CVRT_FN(cvrt_pack_panels_strided)

/* Y = epilogue(A * B), tiles of Y spread over the OpenMP team. */
void gemm_core(const gemm_args *g);
/* Y[0, rows) x [j0, j1) = A * B: A rows k floats apart, B [k, n] in weight
 * panels, Y rows n floats apart; serial. */
void wino_gemm(const float *a, int rows, int k, const float *b, int n, float *y, int j0, int j1);
/* panels = B in weight panels, B(kk, j) = b[kk * rs + j * cs], k x n. */
void pack_panels(int64_t k, int n, const float *b, int64_t rs, int64_t cs, float *panels);
#ifdef FAST_GEMM
#define fg_run CVRT_FN(cvrt_fg_run)
/* images x rows output rows, cols columns of the implicit GEMM G (see fg_run). */
void fg_run(const igemm *G, int images, int64_t xstride, int64_t ystride, int64_t rstride,
	    int rows, int cols, int serial, int split);
#endif

#endif
