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

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

/* Below this many multiply-adds a parallel region costs more than it saves. */
#define PAR_MIN_WORK 32768

/*
 * acc + a * b. In ISO C mode (-std=c99) gcc does not contract a * b + c into
 * one instruction (-ffp-contract=off); with a hardware FMA, fmaf() is a
 * builtin that vectorizes to vfmadd, without it a libm call, hence the guard.
 */
#if defined(__FMA__) || defined(FP_FAST_FMAF)
#define MADD(acc, a, b) fmaf((a), (b), (acc))
#else
#define MADD(acc, a, b) ((acc) + (a) * (b))
#endif

/* Helpers called with constant shape arguments are inlined so each call
 * site gets code specialized for its shape. */
#if defined(__GNUC__)
#define ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define ALWAYS_INLINE inline
#endif
/* gcc only: no constant-propagated clone of a function. */
#if defined(__GNUC__) && !defined(__clang__)
#define NOCLONE __attribute__((noclone))
#else
#define NOCLONE
#endif

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
	const float *row_bias; /* [m] or NULL (NCHW conv bias) */
	const float *col_bias; /* [n] or NULL (NHWC conv bias) */
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

/* ------------------------------------------------------------------------ */
/* Register-blocked GEMM with intrinsics (AVX-512 or AVX2 + FMA)            */
/* ------------------------------------------------------------------------ */

/*
 * On x86 with AVX-512 or AVX2 + FMA, every dense product (Gemm/MatMul with a
 * row-major A, NHWC conv as implicit GEMM) runs on one micro kernel: FG_MR
 * rows of A (pixels) x FG_NV vectors of B columns (output channels) of
 * accumulators. Without those instruction sets the portable kernels below
 * run instead.
 *
 * Blocking (fg_tile): a tile of at most FG_TP rows x a few panels of columns
 * is one parallel work item. K is cut into balanced blocks of at most FG_KCB
 * rows (FG_KCB_PLAIN when A is read in place), crossing tap boundaries
 * freely (K is tap-major). Per block:
 *   1. a conv's A rows (each pixel's input patch) are copied into a stack
 *      buffer, FG_KCB floats apart (an im2col of FG_TP pixels x one K block,
 *      84 KiB at most), so the kernel reads every A row through one pointer
 *      with constant offsets and never spills. Except direct rows: when a
 *      window row is contiguous in x (one group, column dilation 1), a run
 *      of output pixels of one output row whose windows lie inside the image
 *      reads x in place, sw * c floats apart, jumping to the next input row
 *      at each window-row boundary (fg_conv_groups picks the runs; only the
 *      border pixels are packed). bench_conv, 1 thread: the 7x7/2 stem
 *      134 -> 150 GFLOP/s, 3x3 c64 on 56x56 152 -> 159. A plain A (a pointwise conv,
 *      a GEMM) is read in place, rows xpix floats apart, through four
 *      pointers three rows apart (FG_AROW): the copy never paid for itself
 *      there (bench_conv, 1x1 shapes of resnet50 and mobilenet_v2, K = 16 to
 *      2048: in place is as fast or up to 30% faster, most with small K or
 *      few output channels, where the copy is a large share of the work);
 *   2. per panel of FG_PW columns the B block is read in place: weight
 *      panels are already contiguous (K rows of P floats, see cvrt.h); dense B
 *      is copied into a zero-padded stack panel first (or read strided when
 *      the tile has a single row group);
 *   3. the tile's row groups (balanced, at most FG_MR rows) stream over it,
 *      the accumulators going through Y between K blocks; meanwhile each
 *      row group prefetches its share of the next weight-panel block into
 *      L2, so that block's first row group does not wait on memory.
 * So each B block is read from memory once per tile (a tile of few pixels,
 * such as a 7x7 layer, holds them all: the weights stream once per call),
 * its FG_KCB x FG_PW floats stay in L1 across the row groups (a plain
 * block's 512 x FG_PW in L2), and the A block (in L1/L2) is reused by every
 * panel. The epilogue runs on the last block while the tile is in
 * registers. fg_tile's frame holds both stack buffers, about 150 KiB.
 */
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#define FAST_GEMM 1

#define FG_KCB 192 /* K rows per block; also the stride of packed A rows */
/* Rows (pixels) per tile: two 56-pixel output rows, four of 28, eight of
 * 14. Against 96: 3x3 c64 on 56x56 162 -> 166 GFLOP/s (bench_conv); in
 * network, alternated, resnet18 22.14 -> 21.77 ms at 1 thread and 10.95
 * -> 10.81 at 2, squeezenet 4.53 -> 4.50; resnet50, mobilenet_v2 unchanged. */
#define FG_TP 112
/* K rows per block when A is read in place (plain): no stack buffer bounds
 * it, and fewer blocks mean fewer passes of Y through the accumulators.
 * bench_conv, resnet50's 1x1 convs with K >= 256, against 192: +3 to 7%
 * GFLOP/s (384 about the same as 512); in network, 1 thread, their time
 * 10.90 -> 10.63 ms, squeezenet 4.56 -> 4.52 ms, mobilenet_v2 unchanged. */
#define FG_KCB_PLAIN 512

/* One call of the micro kernel. */
typedef struct fg_args {
	const float *a;           /* A: row r at a + r * lda, kc floats */
	int64_t lda;              /* FG_KCB (packed A) or the rows' own stride */
	const float *b;           /* B: row kk at b + kk * bstride */
	int64_t bstride;          /* floats between B rows */
	int kc;                   /* K rows of this block */
	float *const *yr;         /* Y row pointers (column 0) */
	int64_t j;                /* first column */
	int lastw;                /* valid lanes of the last vector */
	int first, epi;           /* start from bias (or 0), not Y; apply residual/act */
	const float *bias;        /* [cols] or NULL: the first block starts from it */
	const float *const *rr;   /* residual row pointers (column 0) or NULL */
	cvrt_act act;
	const float *pf;          /* prefetch npf contiguous 64-byte lines from pf */
	int npf;                  /* into L2, spread evenly over the K steps */
	/* Direct rows (mode 2): row r's K entry kk of the conv patch is
	 * a[r * lda + (k0 + kk) / rl * rowstep + (k0 + kk) % rl]: a window row
	 * is rl = kw * cg contiguous floats, window rows rowstep floats apart. */
	int k0, rl;
	int64_t rowstep;
} fg_args;

#if defined(__AVX512F__)
#define FG_VW 16
#define FG_MR 12
#define FG_NV 2
typedef __m512 fg_vec;
typedef __mmask16 fg_mask;
#define fg_zero() _mm512_setzero_ps()
#define fg_load(p) _mm512_loadu_ps(p)
#define fg_loadm(m, p) _mm512_maskz_loadu_ps((m), (p))
#define fg_storem(p, m, v) _mm512_mask_storeu_ps((p), (m), (v))
#define fg_store(p, v) _mm512_storeu_ps((p), (v))
#define fg_set1(x) _mm512_set1_ps(x)
#define fg_fmadd(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define fg_add(a, b) _mm512_add_ps((a), (b))
#define fg_mul(a, b) _mm512_mul_ps((a), (b))
#define fg_max(a, b) _mm512_max_ps((a), (b))
#define fg_min(a, b) _mm512_min_ps((a), (b))
static inline fg_mask fg_mkmask(int n)
{
	return (fg_mask)((1u << n) - 1u);
}
static inline fg_vec fg_leaky(fg_vec v, float a)
{
	__mmask16 neg = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
	return _mm512_mask_mul_ps(v, neg, v, _mm512_set1_ps(a));
}
#else
#define FG_VW 8
#define FG_MR 6
#define FG_NV 2
typedef __m256 fg_vec;
typedef __m256i fg_mask;
#define fg_zero() _mm256_setzero_ps()
#define fg_load(p) _mm256_loadu_ps(p)
#define fg_loadm(m, p) _mm256_maskload_ps((p), (m))
#define fg_storem(p, m, v) _mm256_maskstore_ps((p), (m), (v))
#define fg_store(p, v) _mm256_storeu_ps((p), (v))
#define fg_set1(x) _mm256_set1_ps(x)
#define fg_fmadd(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define fg_add(a, b) _mm256_add_ps((a), (b))
#define fg_mul(a, b) _mm256_mul_ps((a), (b))
#define fg_max(a, b) _mm256_max_ps((a), (b))
#define fg_min(a, b) _mm256_min_ps((a), (b))
static inline fg_mask fg_mkmask(int n)
{
	return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static inline fg_vec fg_leaky(fg_vec v, float a)
{
	__m256 neg = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ);
	return _mm256_blendv_ps(v, _mm256_mul_ps(v, _mm256_set1_ps(a)), neg);
}
#endif
#define FG_PW (FG_VW * FG_NV) /* kernel panel width, columns */

/* The activations that need no exp() run in registers. */
static int fg_act_inreg(int kind)
{
	return kind == CVRT_ACT_NONE || kind == CVRT_ACT_RELU || kind == CVRT_ACT_CLIP ||
	       kind == CVRT_ACT_LEAKY_RELU || kind == CVRT_ACT_HARD_SIGMOID ||
	       kind == CVRT_ACT_HARD_SWISH;
}

static ALWAYS_INLINE fg_vec fg_act(fg_vec v, const cvrt_act *act)
{
	switch (act->kind) {
	case CVRT_ACT_RELU:
		return fg_max(v, fg_zero());
	case CVRT_ACT_CLIP:
		return fg_min(fg_max(v, fg_set1(act->a)), fg_set1(act->b));
	case CVRT_ACT_LEAKY_RELU:
		return fg_leaky(v, act->a);
	case CVRT_ACT_HARD_SIGMOID:
		return fg_min(fg_max(fg_add(fg_mul(v, fg_set1(act->a)), fg_set1(act->b)),
				     fg_zero()), fg_set1(1.0f));
	case CVRT_ACT_HARD_SWISH: {
		fg_vec t = fg_add(fg_mul(v, fg_set1(1.0f / 6.0f)), fg_set1(0.5f));
		t = fg_min(fg_max(t, fg_zero()), fg_set1(1.0f));
		return fg_mul(v, t);
	}
	default:
		return v;
	}
}

/*
 * The accumulators are named variables, not an array: gcc keeps an array of
 * vectors in memory (vector types may alias the float loads) and stores it
 * on every K step. Row R exists when R < mr, a constant after inlining; it
 * reads A through FG_AROW(R).
 */
#if FG_MR == 12
#define FG_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#else
#define FG_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)
#endif
#define FG_DECL(R) fg_vec c##R##a = fg_zero(), c##R##b = fg_zero();
#define FG_INIT(R)                                                                \
	if (R < mr && !k->first) {                                                \
		if (nv == 2) {                                                    \
			c##R##a = fg_load(k->yr[R] + j);                          \
			c##R##b = fg_loadm(m, k->yr[R] + j + FG_VW);              \
		} else {                                                          \
			c##R##a = fg_loadm(m, k->yr[R] + j);                      \
		}                                                                 \
	} else if (R < mr && k->bias) {                                           \
		c##R##a = bias_a;                                                 \
		c##R##b = bias_b;                                                 \
	}
#define FG_FMA(R)                                                                 \
	if (R < mr) {                                                             \
		fg_vec av = fg_set1(FG_AROW(R));                                  \
		c##R##a = fg_fmadd(av, b0, c##R##a);                              \
		if (nv == 2)                                                      \
			c##R##b = fg_fmadd(av, b1, c##R##b);                      \
	}
#define FG_FIN(R) if (R < mr) fg_fin(k, R, nv, m, c##R##a, c##R##b);
/* A(row R, kk): packed rows at constant offsets from ap; strided rows from
 * one of four pointers three rows apart, each reaching its next two rows
 * with a scaled index (base + lda*4, base + lda*8 bytes), so the loop needs
 * no register per row. */
#define FG_AROW(R)                                                                \
	(!strided ? ap[R * FG_KCB]                                                \
	 : ((R) / 3 == 0 ? ap : (R) / 3 == 1 ? a3 : (R) / 3 == 2 ? a6 : a9)[((R) % 3) * lda])

/* N steps of the K loop (B rows are readable over nv whole vectors, see
 * fg_bblock), unrolled 4 times: 1 thread, alternated medians, resnet18
 * 22.3 -> 21.95 ms, mobilenet_v2 5.14 -> 5.02, squeezenet 4.75 -> 4.58
 * (unrolled twice: no change), for 0.5 s more compile time; KOFF: the K steps
 * done before (the prefetch schedule counts from the block's start). */
#define FG_KLOOP(N, KOFF)                                                          \
	_Pragma("GCC unroll 4") for (kk = 0; kk < (N); kk++, ap++, a3++, a6++, a9++) {                      \
		fg_vec b0, b1;                                                     \
		if (kk + (KOFF) < pfend && !((kk + (KOFF)) & gmask)) {             \
			_mm_prefetch((const char *)pf, _MM_HINT_T1);               \
			pf += 16;                                                  \
		}                                                                  \
		if (nv == 2) {                                                     \
			b0 = fg_load(bp);                                          \
			b1 = fg_load(bp + FG_VW);                                  \
		} else {                                                           \
			b0 = fg_load(bp);                                          \
			b1 = b0;                                                   \
		}                                                                  \
		bp += bstride;                                                     \
		FG_ROWS(FG_FMA)                                                    \
	}

/* Epilogue (when k->epi) and store of row r: vectors va and (nv == 2) vb. */
static ALWAYS_INLINE void fg_fin(const fg_args *k, int r, const int nv, fg_mask m, fg_vec va,
			     fg_vec vb)
{
	float *yp = k->yr[r] + k->j;

	if (k->epi) {
		const float *rp = k->rr ? k->rr[r] + k->j : NULL;
		if (nv == 2) {
			if (rp) {
				va = fg_add(va, fg_load(rp));
				vb = fg_add(vb, fg_loadm(m, rp + FG_VW));
			}
			va = fg_act(va, &k->act);
			vb = fg_act(vb, &k->act);
		} else {
			if (rp)
				va = fg_add(va, fg_loadm(m, rp));
			va = fg_act(va, &k->act);
		}
	}
	if (nv == 2) {
		fg_store(yp, va);
		fg_storem(yp + FG_VW, m, vb);
	} else {
		fg_storem(yp, m, va);
	}
	if (k->epi && !fg_act_inreg(k->act.kind))
		act_inplace(yp, (nv - 1) * FG_VW + k->lastw, k->act);
}

/* Y[mr rows, nv vectors] (+)= A block * B block, then the epilogue. A rows
 * (mode): 0 packed, FG_KCB floats apart; 1 strided, k->lda apart; 2 direct
 * conv rows (see fg_args), k->lda apart. */
static ALWAYS_INLINE void fg_body(const int mr, const int nv, const int mode, const fg_args *k)
{
	const int strided = mode != 0;
	fg_mask m = fg_mkmask(k->lastw);
	const float *ap = k->a, *bp = k->b, *pf = k->pf;
	int64_t bstride = k->bstride, j = k->j;
	const int64_t lda = strided ? k->lda : FG_KCB;
	/* Only pointers to rows that exist: no arithmetic past the A rows. */
	const float *a3 = strided && mr > 3 ? ap + 3 * lda : ap;
	const float *a6 = strided && mr > 6 ? ap + 6 * lda : ap;
	const float *a9 = strided && mr > 9 ? ap + 9 * lda : ap;
	int kk, kc = k->kc, gap = 1, gmask, pfend;
	fg_vec bias_a = fg_zero(), bias_b = fg_zero();
	/* One line every `gap` K steps, gap a power of two as large as fits:
	 * issued in a burst, the prefetches of a weight block streamed from
	 * memory queue behind each other and stall the loop (bench_conv cold,
	 * r18.layer4 3x3 c512: 126 GFLOP/s in bursts of two lines a step, 147
	 * spread out). A mask test costs no register beyond gmask. */
	while (k->npf > 0 && (int64_t)gap * 2 * k->npf <= kc)
		gap *= 2;
	gmask = gap - 1;
	pfend = k->npf * gap;
	FG_ROWS(FG_DECL)

	/* The first K block starts from the bias: 2 adds a row fewer in fg_fin. */
	if (k->first && k->bias) {
		bias_a = nv == 2 ? fg_load(k->bias + j) : fg_loadm(m, k->bias + j);
		bias_b = nv == 2 ? fg_loadm(m, k->bias + j + FG_VW) : fg_zero();
	}
	FG_ROWS(FG_INIT)
	if (mode == 2) {
		/* One run per window row the block touches: B rows continue,
		 * the A row pointers jump to the next input row. */
		int ky = k->k0 / k->rl, o = k->k0 % k->rl, done = 0;
		const float *a0 = k->a;
		while (done < kc) {
			int run = k->rl - o < kc - done ? k->rl - o : kc - done;
			ap = a0 + ky * k->rowstep + o;
			a3 = mr > 3 ? ap + 3 * lda : ap;
			a6 = mr > 6 ? ap + 6 * lda : ap;
			a9 = mr > 9 ? ap + 9 * lda : ap;
			FG_KLOOP(run, done)
			done += run;
			ky++;
			o = 0;
		}
	} else {
		FG_KLOOP(kc, 0)
	}
	FG_ROWS(FG_FIN)
}

typedef void (*fg_kernel)(const fg_args *k);
#define FG_K(MR_, NV_)                                  \
	static void fg_k_##MR_##_##NV_(const fg_args *k)  \
	{                                               \
		fg_body(MR_, NV_, 0, k);                \
	}                                               \
	static void fg_ks_##MR_##_##NV_(const fg_args *k) \
	{                                               \
		fg_body(MR_, NV_, 1, k);                \
	}                                               \
	static void fg_kd_##MR_##_##NV_(const fg_args *k) \
	{                                               \
		fg_body(MR_, NV_, 2, k);                \
	}
#define FG_K2(MR_) FG_K(MR_, 1) FG_K(MR_, 2)
FG_K2(1) FG_K2(2) FG_K2(3) FG_K2(4) FG_K2(5) FG_K2(6)
#if FG_MR == 12
FG_K2(7) FG_K2(8) FG_K2(9) FG_K2(10) FG_K2(11) FG_K2(12)
#endif
#define FG_E(MR_) { fg_k_##MR_##_1, fg_k_##MR_##_2 }
#define FG_ES(MR_) { fg_ks_##MR_##_1, fg_ks_##MR_##_2 }
#define FG_ED(MR_) { fg_kd_##MR_##_1, fg_kd_##MR_##_2 }
/* [mode][rows - 1][vectors - 1] */
static const fg_kernel fg_kernels[3][FG_MR][FG_NV] = {
	{
		FG_E(1), FG_E(2), FG_E(3), FG_E(4), FG_E(5), FG_E(6),
#if FG_MR == 12
		FG_E(7), FG_E(8), FG_E(9), FG_E(10), FG_E(11), FG_E(12),
#endif
	}, {
		FG_ES(1), FG_ES(2), FG_ES(3), FG_ES(4), FG_ES(5), FG_ES(6),
#if FG_MR == 12
		FG_ES(7), FG_ES(8), FG_ES(9), FG_ES(10), FG_ES(11), FG_ES(12),
#endif
	}, {
		FG_ED(1), FG_ED(2), FG_ED(3), FG_ED(4), FG_ED(5), FG_ED(6),
#if FG_MR == 12
		FG_ED(7), FG_ED(8), FG_ED(9), FG_ED(10), FG_ED(11), FG_ED(12),
#endif
	},
};

/*
 * One implicit GEMM: output row `pix` (a pixel, or a matrix row when plain)
 * at y + pix*ldy. A: plain: row pix at x + pix*xpix, K = cg contiguous;
 * else a conv: K = kh*kw*cg, tap t = (ky, kx) reads the cg floats of the
 * input pixel under it (pixels xpix floats apart, rows w pixels apart) or
 * zeros. B: weight panels of pc columns (see cvrt.h) when pc > 0, else dense,
 * K row kk at b + kk*ldb. Epilogue: ep (GEMM), or bias/residual/act (conv).
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
} igemm;

/* d[0, n) = s[0, n), or zeros when s is NULL. */
static inline void fg_copy(float *d, const float *s, int n)
{
	int i = 0;

	if (s) {
		for (; i + FG_VW <= n; i += FG_VW)
			fg_store(d + i, fg_load(s + i));
		if (i < n) {
			fg_mask m = fg_mkmask(n - i);
			fg_storem(d + i, m, fg_loadm(m, s + i));
		}
	} else {
		for (; i + FG_VW <= n; i += FG_VW)
			fg_store(d + i, fg_zero());
		if (i < n)
			fg_storem(d + i, fg_mkmask(n - i), fg_zero());
	}
}

/*
 * d = K entries [k0, k1) of the input patch of the output pixel whose window
 * starts at input (iy0, ix0): tap-major, zeros for taps outside the image.
 * With dw == 1 and pixels of exactly cg floats (one group), the taps kx,
 * kx + 1, ... of one window row read adjacent input pixels: one copy per
 * in-image run (a 7x7 conv on 3 channels copies 7 runs of 21 floats).
 */
static void fg_pack_patch(const igemm *G, int iy0, int ix0, int k0, int k1, float *d)
{
	int cg = G->cg, t, c, ky, kx, kk = k0;

	if (G->dw == 1 && G->xpix == cg && iy0 >= 0 && iy0 + (G->kh - 1) * G->dh < G->h &&
	    ix0 >= 0 && ix0 + G->kw - 1 < G->w) {
		/* The window lies inside the image: one run per window row. With
		 * few channels a pixel's whole patch costs about as much as its
		 * FMAs, hence no divisions when the block starts at 0, and one
		 * whole vector per short run (what it writes past the run the
		 * next run overwrites, or lies past kc). */
		int rl = G->kw * cg, r = k0 ? k0 % rl : 0;
		const float *row = G->x + ((int64_t)(iy0 + (k0 ? k0 / rl : 0) * G->dh) * G->w + ix0) * cg;
		const float *xend = G->x + (int64_t)G->h * G->w * cg;
		const float *dlim = d + FG_KCB - FG_VW; /* d's row is FG_KCB floats */
		int64_t rstep = (int64_t)G->dh * G->w * cg;
		for (; kk < k1; row += rstep, r = 0) {
			int run = rl - r < k1 - kk ? rl - r : k1 - kk;
			if (run <= FG_VW && d <= dlim && row + r + FG_VW <= xend)
				fg_store(d, fg_load(row + r));
			else
				fg_copy(d, row + r, run);
			d += run;
			kk += run;
		}
		return;
	}
	t = k0 / cg;
	c = k0 - t * cg;
	ky = t / G->kw;
	kx = t - ky * G->kw;
	while (kk < k1) {
		int iy = iy0 + ky * G->dh, ix = ix0 + kx * G->dw;
		int taps = 1; /* taps (ky, kx..) this run covers; it never leaves row ky */
		const float *src = NULL;
		int run;

		if (iy < 0 || iy >= G->h) {
			taps = G->kw - kx; /* the whole window row is padding */
		} else if (ix >= 0 && ix < G->w) {
			src = G->x + ((int64_t)iy * G->w + ix) * G->xpix + c;
			if (G->dw == 1 && G->xpix == cg)
				taps = G->kw - kx < G->w - ix ? G->kw - kx : G->w - ix;
		}
		run = taps * cg - c;
		if (run > k1 - kk)
			run = k1 - kk;
		fg_copy(d, src, run);
		d += run;
		kk += run;
		c = 0;
		kx += taps;
		if (kx == G->kw) {
			kx = 0;
			ky++;
		}
	}
}

/* Packed A of a conv: the rows of the n pixels pix[] (window origins iy0[],
 * ix0[], indexed by pixel - pix0), K entries [k0, k0 + kc), FG_KCB floats
 * apart. */
static void fg_pack_a(const igemm *G, const int *pix, int n, int pix0, int k0, int kc,
		      const int *iy0, const int *ix0, float *a)
{
	int q;

	for (q = 0; q < n; q++, a += FG_KCB)
		fg_pack_patch(G, iy0[pix[q] - pix0], ix0[pix[q] - pix0], k0, k0 + kc, a);
}

/* Where the kernel reads B rows [k0, k0 + kc) x columns [jp, jp + wd) from
 * (ka->b, bstride), always readable over nv whole vectors: in place from
 * weight panels (K rows, zero-padded to the panel width) or from dense B
 * (one row group, whole vectors); else copied, zero-padded, into the stack
 * panel pk: dense B with several row groups, a dense block narrower than
 * its vectors, and 8-column panels under 16-lane vectors. The kernel then
 * needs no masked B loads: one K loop per kernel instead of two (cvrt.c
 * compiled in 7.6 s instead of 8.2). */
static void fg_bblock(const igemm *G, int64_t K, int k0, int kc, int jp, int wd, int nv,
		      int one_group, float *pk, fg_args *ka)
{
	int64_t pw = (int64_t)nv * FG_VW, ss;
	const float *src;
	float *d = pk;
	int kk;

	if (G->pc) {
		src = G->b + ((int64_t)jp / G->pc * K + k0) * G->pc + jp % G->pc;
		ss = G->pc;
		if (G->pc - jp % G->pc >= pw) {
			ka->b = src;
			ka->bstride = ss;
			return;
		}
	} else {
		src = G->b + (int64_t)k0 * G->ldb + jp;
		ss = G->ldb;
		if (one_group && wd == pw) {
			ka->b = src;
			ka->bstride = ss;
			return;
		}
	}
	for (kk = 0; kk < kc; kk++, d += pw, src += ss) {
		memcpy(d, src, (size_t)wd * sizeof(float));
		if (wd < pw)
			memset(d + wd, 0, (size_t)(pw - wd) * sizeof(float));
	}
	ka->b = pk;
	ka->bstride = pw;
}

/*
 * The weight-panel block the tile reads after the one at (K block kb,
 * columns jp): *nb (NULL if none, or B is not in panels), *rows rows of
 * FG_PW floats, G->pc apart. Prefetched while the current one runs, it
 * arrives in L2 in time instead of stalling the first row group on memory.
 */
static void fg_next_block(const igemm *G, int64_t K, int kb, int kcb, int nkb, int jp, int j0,
			  int j1, const float **nb, int *rows)
{
	int64_t k0;

	*nb = NULL;
	*rows = 0;
	if (!G->pc)
		return;
	if (jp + FG_PW < j1) {
		jp += FG_PW;
	} else if (kb + 1 < nkb) {
		kb++;
		jp = j0;
	} else {
		return;
	}
	k0 = (int64_t)kb * kcb;
	*rows = (int)(K - k0 < kcb ? K - k0 : kcb);
	*nb = G->b + (jp / G->pc * K + k0) * G->pc + jp % G->pc;
}

/* A direct run is at least this many pixels; shorter ones are packed. */
#define FG_DIRECT_MIN 8

/* A row group of a tile: `rows` pixels; packed (A rows start..start+rows-1
 * of the packed block, pixels plist[start..]) or in place (pixels start..,
 * consecutive; plain rows, or a conv's direct run within one output row). */
typedef struct fg_group {
	int start, rows, packed;
} fg_group;

/* Appends run [p0, p0 + n) split into balanced groups of at most FG_MR
 * rows: 49 rows run as 10+10+10+10+9, not 12*4+1. */
static int fg_add_groups(fg_group *g, int ng, int p0, int n, int packed)
{
	int parts = (n + FG_MR - 1) / FG_MR, i;

	for (i = 0; i < parts; i++) {
		g[ng].start = p0;
		g[ng].rows = n / parts + (i < n % parts);
		g[ng].packed = packed;
		p0 += g[ng++].rows;
	}
	return ng;
}

/*
 * The row groups of conv tile [pix0, pix1) into g (returns their count),
 * the packed pixels into plist (*npk of them). With `direct`, a run of at
 * least FG_DIRECT_MIN output pixels of one output row whose windows lie
 * inside the image is read in place (mode 2); every other pixel is packed,
 * and packed pixels group across rows, so a 56-wide row's two border
 * pixels do not make groups of one.
 */
static int fg_conv_groups(const igemm *G, int pix0, int pix1, int direct, fg_group *g,
			  int *plist, int *npk)
{
	int ng = 0, n = 0, i = pix0;
	int oxl = 0, oxh = -1, oyl = 0, oyh = -1;

	if (direct) {
		/* Output columns/rows whose windows lie inside the image. */
		oxl = (G->pad_l + G->sw - 1) / G->sw;
		oxh = G->w - 1 - (G->kw - 1) * G->dw + G->pad_l;
		oxh = oxh < 0 ? -1 : oxh / G->sw;
		oyl = (G->pad_t + G->sh - 1) / G->sh;
		oyh = G->h - 1 - (G->kh - 1) * G->dh + G->pad_t;
		oyh = oyh < 0 ? -1 : oyh / G->sh;
		if (oxh > G->ow - 1)
			oxh = G->ow - 1;
	}
	while (i < pix1) {
		int oy = i / G->ow, ox = i - oy * G->ow, row_end = (oy + 1) * G->ow;
		int lo = oy * G->ow + oxl, hi = oy * G->ow + oxh + 1; /* direct [lo, hi) */
		if (row_end > pix1)
			row_end = pix1;
		if (hi > row_end)
			hi = row_end;
		if (direct && oy >= oyl && oy <= oyh && ox <= oxh && hi - (i > lo ? i : lo) >= FG_DIRECT_MIN) {
			for (; i < lo; i++)
				plist[n++] = i;
			ng = fg_add_groups(g, ng, i, hi - i, 0);
			i = hi;
		}
		for (; i < row_end; i++)
			plist[n++] = i;
	}
	*npk = n;
	/* Packed groups first: the tile packs them in one pass. */
	if (n) {
		fg_group tmp[FG_TP];
		int nd = ng, k;
		memcpy(tmp, g, (size_t)nd * sizeof(*g));
		ng = fg_add_groups(g, 0, 0, n, 1);
		for (k = 0; k < nd; k++)
			g[ng++] = tmp[k];
	}
	return ng;
}

/* Rows [pix0, pix1) (at most FG_TP) x columns [j0, j1) of G. Not cloned
 * for constant arguments: gcc's clone for a plain G then warns that the
 * conv-only arrays (plist, iy0, ix0) may be read uninitialized. */
NOCLONE static void fg_tile(const igemm *G, int pix0, int pix1, int j0, int j1)
{
	int64_t K = G->plain ? G->cg : (int64_t)G->kh * G->kw * G->cg;
	int np = pix1 - pix0, ngr, npk = 0;
	int kmax = G->plain ? FG_KCB_PLAIN : FG_KCB;
	int nkb = K > 0 ? (int)((K + kmax - 1) / kmax) : 1;
	int kcb = (int)((K + nkb - 1) / nkb), kb, jp, i, r, gr;
	int iy0[FG_TP], ix0[FG_TP], plist[FG_TP];
	fg_group grp[FG_TP];
	fg_vec apv[FG_TP * FG_KCB / FG_VW], bpv[FG_KCB_PLAIN * FG_NV]; /* FG_KCB_PLAIN >= FG_KCB */
	float *apk = (float *)apv, *bpk = (float *)bpv;
	float *yr[FG_MR];
	const float *rr[FG_MR], *nb;
	int nbrows;
	int64_t nl; /* 64-byte lines of the next weight block */
	/* A conv's window row is contiguous in x (one group, no dilation
	 * across columns): interior pixels read it in place (direct). */
	int direct = !G->plain && G->dw == 1 && G->xpix == G->cg;
	fg_args ka;

	if (G->plain) {
		ngr = fg_add_groups(grp, 0, pix0, np, 0);
	} else {
		/* One division per tile, not per pixel: with few channels it shows. */
		int oy = pix0 / G->ow, ox = pix0 % G->ow;
		for (i = 0; i < np; i++) {
			iy0[i] = oy * G->sh - G->pad_t;
			ix0[i] = ox * G->sw - G->pad_l;
			if (++ox == G->ow) {
				ox = 0;
				oy++;
			}
		}
		ngr = fg_conv_groups(G, pix0, pix1, direct, grp, plist, &npk);
	}
	ka.yr = yr;
	ka.bias = G->bias;
	ka.rr = G->res ? rr : NULL;
	ka.act = G->act;
	ka.rl = G->kw * G->cg;
	ka.rowstep = (int64_t)G->dh * G->w * G->xpix;
	for (kb = 0; kb < nkb; kb++) {
		int k0 = kb * kcb, kc = K - k0 < kcb ? (int)(K - k0) : kcb;
		if (npk)
			fg_pack_a(G, plist, npk, pix0, k0, kc, iy0, ix0, apk);
		ka.kc = kc;
		ka.k0 = k0;
		ka.first = kb == 0;
		ka.epi = kb == nkb - 1 && !G->ep;
		for (jp = j0; jp < j1; jp += FG_PW) {
			int wd = j1 - jp < FG_PW ? j1 - jp : FG_PW;
			int nv = (wd + FG_VW - 1) / FG_VW;
			ka.j = jp;
			ka.lastw = wd - (nv - 1) * FG_VW;
			fg_bblock(G, K, k0, kc, jp, wd, nv, ngr == 1, bpk, &ka);
			fg_next_block(G, K, kb, kcb, nkb, jp, j0, j1, &nb, &nbrows);
			nl = ((int64_t)nbrows * G->pc + 15) / 16;
			for (gr = 0; gr < ngr; gr++) {
				const fg_group *q = &grp[gr];
				int rows = q->rows, mode;
				/* Group gr prefetches its share of the next block's lines. */
				int64_t pf0 = nl * gr / ngr, pf1 = nl * (gr + 1) / ngr;
				ka.pf = nb ? nb + pf0 * 16 : NULL;
				ka.npf = nb ? (int)(pf1 - pf0) : 0;
				for (r = 0; r < rows; r++) {
					i = q->packed ? plist[q->start + r] : q->start + r;
					yr[r] = G->y + (int64_t)i * G->ldy;
					if (G->res)
						rr[r] = G->res + (int64_t)i * G->ldr;
				}
				if (q->packed) {
					mode = 0;
					ka.a = apk + (int64_t)q->start * FG_KCB;
					ka.lda = FG_KCB;
				} else if (G->plain) {
					mode = 1;
					ka.a = G->x + (int64_t)q->start * G->xpix + k0;
					ka.lda = G->xpix;
				} else {
					int p = q->start - pix0;
					mode = 2;
					ka.a = G->x + ((int64_t)iy0[p] * G->w + ix0[p]) * G->xpix;
					ka.lda = (int64_t)G->sw * G->xpix;
				}
				fg_kernels[mode][rows - 1][nv - 1](&ka);
				if (G->ep && kb == nkb - 1)
					for (r = 0; r < rows; r++) {
						i = q->packed ? plist[q->start + r] : q->start + r;
						epilogue_apply(G->ep, i, jp, wd, yr[r] + jp);
					}
			}
		}
	}
}

/* Column tile width: whole panels, narrower when there are few row tiles. */
static int fg_col_tile(int64_t row_tiles, int cols)
{
	int nt = 256, nth = 1;

#ifdef _OPENMP
	nth = omp_get_max_threads();
#endif
	while (nt > FG_PW && row_tiles * ((cols + nt - 1) / nt) < 2 * nth)
		nt /= 2;
	return nt;
}

/* Task `task` of fg_run: row tile tp of image img, column tile tj. */
static void fg_task(const igemm *G, int64_t xstride, int64_t ystride, int64_t rstride,
		    int rows, int cols, int64_t pt, int nt, int img, int64_t tp, int64_t tj)
{
	igemm T = *G;
	/* Balanced row tiles: 300 rows run as 100+100+100, not 112+112+76. */
	int p0 = (int)((int64_t)rows * tp / pt), p1 = (int)((int64_t)rows * (tp + 1) / pt);
	int c0 = (int)tj * nt, c1 = c0 + nt < cols ? c0 + nt : cols;

	T.x += img * xstride;
	T.y += img * ystride;
	if (T.res)
		T.res += img * rstride;
	fg_tile(&T, p0, p1, c0, c1);
}

/*
 * G over `images` images (image i: x, y, res advanced by i times xstride,
 * ystride, rstride), its [rows, cols] output divided among the team as
 * `split` says (enum cvrt_split): AUTO hands out row x column tiles dynamically; ROWS gives
 * each thread a contiguous range of row tiles (at least one per thread),
 * all columns; COLS a contiguous range of column tiles (whole panels, at
 * least one per thread when there are enough columns), all rows.
 */
static void fg_run(const igemm *G, int images, int64_t xstride, int64_t ystride,
		   int64_t rstride, int rows, int cols, int serial, int split)
{
	int64_t pt = (rows + FG_TP - 1) / FG_TP, jt, ntasks, task, per;
	int nt, nth = 1;
	double work = (double)images * rows * cols * ((double)G->cg * (G->plain ? 1 : G->kh * G->kw) + 1);

	if (rows <= 0 || cols <= 0 || images <= 0)
		return;
#ifdef _OPENMP
	nth = omp_get_max_threads();
#endif
	if (serial || nth == 1 || work <= PAR_MIN_WORK)
		split = CVRT_SPLIT_AUTO;
	if (nth == 1) { /* one thread: no parallel region at all */
		nt = 256;
		jt = (cols + nt - 1) / nt;
		for (task = 0; task < (int64_t)images * pt * jt; task++)
			fg_task(G, xstride, ystride, rstride, rows, cols, pt, nt, (int)(task / jt / pt),
				task / jt % pt, task % jt);
		return;
	}
	/* Static blocks of row tiles are even only when nth divides them (and
	 * then every thread has at least one, as far as there are rows):
	 * 3 tiles run 2:1 on 2 threads, 4 tiles 1:1 (measured with 96-pixel
	 * tiles, bench_conv CONV_SPLIT=rows, 2 threads: 3x3 c256 on 14x14,
	 * 3 -> 4 tiles, 259 -> 338 GFLOP/s; 3x3 c128 on 28x28, 9 -> 10 tiles,
	 * 295 -> 330). */
	if (split == CVRT_SPLIT_ROWS)
		while ((images * pt) % nth && pt < rows)
			pt++;
	if (split == CVRT_SPLIT_COLS) {
		for (nt = FG_PW; nt < 256 && (cols + 2 * nt - 1) / (2 * nt) >= nth; nt *= 2)
			;
	} else {
		nt = serial || split == CVRT_SPLIT_ROWS ? 256 : fg_col_tile(pt * images, cols);
	}
	jt = (cols + nt - 1) / nt;
	ntasks = (int64_t)images * pt * jt;
	per = (int64_t)images * pt;
	(void)work;
	if (split == CVRT_SPLIT_AUTO) {
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) if (!serial && ntasks > 1 && work > PAR_MIN_WORK)
#endif
		for (task = 0; task < ntasks; task++)
			fg_task(G, xstride, ystride, rstride, rows, cols, pt, nt, (int)(task / jt / pt),
				task / jt % pt, task % jt);
		return;
	}
	/* schedule(static): each thread one contiguous block of tasks; rows
	 * order them row tile by row tile, cols column tile by column tile. */
#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
	for (task = 0; task < ntasks; task++) {
		if (split == CVRT_SPLIT_ROWS)
			fg_task(G, xstride, ystride, rstride, rows, cols, pt, nt, (int)(task / jt / pt),
				task / jt % pt, task % jt);
		else
			fg_task(G, xstride, ystride, rstride, rows, cols, pt, nt, (int)(task % per / pt),
				task % per % pt, task / per);
	}
}
#endif /* fast GEMM */

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

/* ---- Winograd F(2x2, 3x3) and F(4x4, 3x3) (cvrt.h, CVRT_CONV_WINOGRAD2/4) ---- */

/* Output tile side (2 or 4) and positions per tile ((side + 2)^2: 16 or 36). */
static int wino_side(const cvrt_conv2d_params *p)
{
	return cvrt_winograd_tile(p->algo);
}

static int wino_npos(const cvrt_conv2d_params *p)
{
	return (wino_side(p) + 2) * (wino_side(p) + 2);
}

/*
 * Output tiles per block: one block's transformed input V [P][nb][c] and
 * products M [P][nb][m] (P * nb * (c + m) floats, P positions) stay in L2:
 * at most 1 MiB of them for F(2x2, 3x3), 2 MiB for F(4x4, 3x3), and at
 * most 256 tiles (fewer blocks, fewer barriers: bench_conv 3x3 c16 on
 * 56x56 at 2 threads, F(2x2, 3x3), 112 -> 256 tiles, 0.155 -> 0.13 ms).
 * Each block streams all of U, so F(4x4, 3x3), whose U is 2.25x larger and
 * whose tiles hold 4x the outputs, takes the larger blocks: bench_conv, 1
 * MiB -> 2 MiB, 3x3 c256 on 14x14 0.83 -> 0.58 ms at 1 thread (one block of
 * 16 tiles instead of two of 8), 0.61 -> 0.41 at 2; c128 on 28x28 0.48 ->
 * 0.47 and 0.35 -> 0.25; F(2x2, 3x3) gains nothing from 2 MiB (3x3 c32 to
 * c128 on 27x27 0.24 -> 0.25 ms). F(2x2, 3x3), c = m = 32: 256 tiles; 64:
 * 128; 256: 32; 512: 16; F(4x4, 3x3) 8/9 of those; then balanced over the
 * blocks.
 */
static int wino_block(const cvrt_conv2d_params *p, int64_t tiles)
{
	int64_t budget = wino_side(p) == 4 ? 524288 : 262144; /* floats */
	int64_t nb = budget / ((int64_t)wino_npos(p) * ((int64_t)p->c + p->m)), nblk;

	if (nb > 256)
		nb = 256;
	if (nb < 1)
		nb = 1;
	if (nb > tiles)
		nb = tiles;
	nblk = (tiles + nb - 1) / nb; /* balanced: 49 tiles as 25 + 24, not 32 + 17 */
	return (int)((tiles + nblk - 1) / nblk);
}

static int64_t wino_tiles(const cvrt_conv2d_params *p)
{
	int t = wino_side(p);

	return (int64_t)p->n * ((p->oh + t - 1) / t) * ((p->ow + t - 1) / t);
}

/* Tile t: image *img, tile row *ty, tile column *tx (tiles row-major per
 * image, ceil(ow / side) to a row). */
static void wino_tile_at(const cvrt_conv2d_params *p, int64_t t, int *img, int *ty, int *tx)
{
	int sd = wino_side(p), tw = (p->ow + sd - 1) / sd, th = (p->oh + sd - 1) / sd;

	*img = (int)(t / ((int64_t)th * tw));
	*ty = (int)(t / tw % th);
	*tx = (int)(t % tw);
}

/* Floats of the zero row at the start of the workspace: max(c, m), rounded
 * up to a 64-byte line. */
static int64_t wino_zeros(const cvrt_conv2d_params *p)
{
	return ((p->c > p->m ? p->c : p->m) + 15) / 16 * 16;
}

/* Floats between the planes of a block of nb tiles x k channels: nb * k
 * rounded up to a 64-byte line, plus a line when that is a multiple of
 * 4 KiB. Planes a multiple of 4 KiB apart put a tile's values of one
 * channel into one L1 set (4K aliasing); bench_conv 3x3 c64 on 56x56,
 * F(2x2, 3x3), 112 tiles (28 KiB planes): 1.40 -> 0.97 ms in all. */
static int64_t wino_plane(int nb, int k)
{
	int64_t ps = ((int64_t)nb * k + 15) / 16 * 16;

	return ps % 1024 ? ps : ps + 16;
}

/* d[r * side + s] = the input pixel (row r, column s) of tile t's patch
 * (side = output side + 2), or `zeros` outside the image. */
static void wino_patch(const cvrt_conv2d_params *p, const float *x, const float *zeros, int64_t t,
		       const float **d)
{
	int st = wino_side(p), sd = st + 2, r, s, img, ty, tx;

	wino_tile_at(p, t, &img, &ty, &tx);
	for (r = 0; r < sd; r++)
		for (s = 0; s < sd; s++) {
			int iy = st * ty - p->pad_t + r, ix = st * tx - p->pad_l + s;
			d[sd * r + s] = iy >= 0 && iy < p->h && ix >= 0 && ix < p->w
				? x + (((int64_t)img * p->h + iy) * p->w + ix) * p->c : zeros;
		}
}

/* V(:, q, :) = B^T d B of tile t, for every channel: d = the tile's 4x4
 * input patch, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1];
 * position xi = 4r + s at V + xi * vs. */
static void wino_in2(const cvrt_conv2d_params *p, const float *x, const float *zeros, int64_t t,
		     float *restrict v, int64_t vs)
{
	int c = p->c, r, s;
	const float *d[16];
	int64_t cc;

	wino_patch(p, x, zeros, t, d);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC ivdep
#endif
	for (cc = 0; cc < c; cc++) {
		float u[4][4], o[4][4];
		for (s = 0; s < 4; s++) { /* u = B^T d, column s */
			float d0 = d[s][cc], d1 = d[4 + s][cc], d2 = d[8 + s][cc], d3 = d[12 + s][cc];
			u[0][s] = d0 - d2;
			u[1][s] = d1 + d2;
			u[2][s] = d2 - d1;
			u[3][s] = d1 - d3;
		}
		for (r = 0; r < 4; r++) { /* o = u B, row r */
			o[r][0] = u[r][0] - u[r][2];
			o[r][1] = u[r][1] + u[r][2];
			o[r][2] = u[r][2] - u[r][1];
			o[r][3] = u[r][1] - u[r][3];
		}
		for (r = 0; r < 16; r++)
			v[r * vs + cc] = o[r / 4][r % 4];
	}
}

/* B^T applied to (d0 .. d5) of type T, F(4x4, 3x3): B^T = [4 0 -5 0 1 0;
 * 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0;
 * 0 4 0 -5 0 1] (Lavin and Gray, 2016), in 12 additions and 7 scalings;
 * o[k * os] is output k. */
#define WINO_BT6(T, o, os, d0, d1, d2, d3, d4, d5)                                \
	do {                                                                      \
		T a_ = (d4) - 4.0f * (d2), b_ = (d3) - 4.0f * (d1);                  \
		T c_ = (d4) - (d2), e_ = 2.0f * ((d3) - (d1));                       \
		o[0] = 4.0f * (d0) - 5.0f * (d2) + (d4);                             \
		o[(os)] = a_ + b_;                                                    \
		o[2 * (os)] = a_ - b_;                                                \
		o[3 * (os)] = c_ + e_;                                                \
		o[4 * (os)] = c_ - e_;                                                \
		o[5 * (os)] = 4.0f * (d1) - 5.0f * (d3) + (d5);                      \
	} while (0)

/* Channels [cc, cc + one T) of V(:, q, :) = B^T d B, F(4x4, 3x3): d[36]
 * the patch's pixels, LD(pointer) and ST(pointer, value) move one T. */
#define WINO_IN4_STEP(T, LD, ST)                                                  \
	do {                                                                      \
		T u_[36], o_[6];                                                  \
		int r_, s_;                                                       \
		for (s_ = 0; s_ < 6; s_++) /* u = B^T d, column s */              \
			WINO_BT6(T, (u_ + s_), 6, LD(d[s_] + cc), LD(d[6 + s_] + cc),   \
				 LD(d[12 + s_] + cc), LD(d[18 + s_] + cc),        \
				 LD(d[24 + s_] + cc), LD(d[30 + s_] + cc));       \
		for (r_ = 0; r_ < 6; r_++) { /* u B, row r */                     \
			WINO_BT6(T, o_, 1, u_[6 * r_], u_[6 * r_ + 1], u_[6 * r_ + 2],  \
				 u_[6 * r_ + 3], u_[6 * r_ + 4], u_[6 * r_ + 5]);  \
			for (s_ = 0; s_ < 6; s_++)                                \
				ST(v + (6 * r_ + s_) * vs + cc, o_[s_]);          \
		}                                                                 \
	} while (0)

/*
 * Whole vectors of channels for the F(4x4, 3x3) transforms, in gcc's (and
 * clang's) generic vector types, WINO_VW floats (the widest registers the
 * compiler may use; 4 is 16 bytes, which every vector ISA passes in
 * registers, and plain code where there is none): gcc does not vectorize
 * the 36-value transform across channels by itself (it stays scalar:
 * bench_conv 3x3 c64 on 56x56, the input transform was 45% of the conv's
 * time). Other compilers run the scalar steps.
 */
#if defined(__GNUC__)
#if defined(__AVX512F__)
#define WINO_VW 16
#elif defined(__AVX__)
#define WINO_VW 8
#else
#define WINO_VW 4
#endif
typedef float wino_vec __attribute__((vector_size(WINO_VW * sizeof(float))));
static inline wino_vec wino_ld(const float *p)
{
	wino_vec v;
	memcpy(&v, p, sizeof(v));
	return v;
}
static inline void wino_st(float *p, wino_vec v)
{
	memcpy(p, &v, sizeof(v));
}
#else
#define WINO_VW 0
#endif
#define WINO_LDS(p) (*(p))
#define WINO_STS(p, x) (*(p) = (x))

/* V(:, q, :) = B^T d B of tile t (F(4x4, 3x3), d its 6x6 input patch);
 * position xi = 6r + s at V + xi * vs. */
static void wino_in4(const cvrt_conv2d_params *p, const float *x, const float *zeros, int64_t t,
		     float *restrict v, int64_t vs)
{
	int c = p->c, cc = 0;
	const float *d[36];

	wino_patch(p, x, zeros, t, d);
#if WINO_VW
	for (; cc + WINO_VW <= c; cc += WINO_VW)
		WINO_IN4_STEP(wino_vec, wino_ld, wino_st);
#endif
	for (; cc < c; cc++)
		WINO_IN4_STEP(float, WINO_LDS, WINO_STS);
}

static void wino_in(const cvrt_conv2d_params *p, const float *x, const float *zeros, int64_t t,
		    float *restrict v, int64_t vs)
{
	if (wino_side(p) == 4)
		wino_in4(p, x, zeros, t, v, vs);
	else
		wino_in2(p, x, zeros, t, v, vs);
}

/* Channels [c0, c0 + len) of tile t's output pixels (row-major, side^2 of
 * them, out[i][0 .. len)): bias, residual and the activation, for the
 * pixels inside the output. */
static void wino_store(const cvrt_conv2d_params *p, int64_t t, int64_t c0, int len,
		       float (*out)[64], const float *bias, const float *residual, float *y,
		       int64_t ldy)
{
	int sd = wino_side(p), i, img, ty, tx;

	wino_tile_at(p, t, &img, &ty, &tx);
	for (i = 0; i < sd * sd; i++) {
		int oy = sd * ty + i / sd, ox = sd * tx + i % sd;
		int64_t pix = ((int64_t)img * p->oh + oy) * p->ow + ox;
		if (oy >= p->oh || ox >= p->ow)
			continue;
		memcpy(y + pix * ldy + c0, out[i], (size_t)len * sizeof(float));
		nhwc_epilogue(y + pix * ldy + c0, bias ? bias + c0 : NULL,
			      residual ? residual + pix * p->m + c0 : NULL, len, p->act);
	}
}

/* Output channels [j0, j1) of the 2x2 outputs of tile t from its products
 * M(:, q, :) (position xi at mq + xi * ms): A^T M A, A^T = [1 1 1 0;
 * 0 1 -1 -1], then the epilogue (wino_store). */
static void wino_out2(const cvrt_conv2d_params *p, const float *restrict mq, int64_t ms, int64_t t,
		      int j0, int j1, const float *bias, const float *residual, float *y, int64_t ldy)
{
	int i, j, r;
	int64_t c0;
	float out[4][64];

	for (c0 = j0; c0 < j1; c0 += 64) {
		int len = j1 - c0 < 64 ? (int)(j1 - c0) : 64, cc;
		for (cc = 0; cc < len; cc++) {
			float v[16], u[2][4];
			for (r = 0; r < 16; r++)
				v[r] = mq[r * ms + c0 + cc];
			for (j = 0; j < 4; j++) { /* u = A^T M, column j */
				u[0][j] = v[j] + v[4 + j] + v[8 + j];
				u[1][j] = v[4 + j] - v[8 + j] - v[12 + j];
			}
			for (i = 0; i < 2; i++) { /* out = u A, row i */
				out[2 * i][cc] = u[i][0] + u[i][1] + u[i][2];
				out[2 * i + 1][cc] = u[i][1] - u[i][2] - u[i][3];
			}
		}
		wino_store(p, t, c0, len, out, bias, residual, y, ldy);
	}
}

/* A^T applied to (m0 .. m5) of type T, F(4x4, 3x3): A^T = [1 1 1 1 1 0;
 * 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1] (Lavin and Gray, 2016);
 * o[k * os] is output k. */
#define WINO_AT6(T, o, os, m0, m1, m2, m3, m4, m5)                                \
	do {                                                                      \
		T s12_ = (m1) + (m2), d12_ = (m1) - (m2);                            \
		T s34_ = (m3) + (m4), d34_ = (m3) - (m4);                            \
		o[0] = (m0) + s12_ + s34_;                                            \
		o[(os)] = d12_ + 2.0f * d34_;                                         \
		o[2 * (os)] = s12_ + 4.0f * s34_;                                     \
		o[3 * (os)] = d12_ + 8.0f * d34_ + (m5);                              \
	} while (0)

/* Channels [c0 + cc, + one T) of the 16 outputs of a tile, out[i][cc]
 * (F(4x4, 3x3)), from its products at mq + xi * ms. */
#define WINO_OUT4_STEP(T, LD, ST)                                                 \
	do {                                                                      \
		const float *m_ = mq + c0 + cc;                                   \
		T u_[24], o_[4];                                                  \
		int i_, j_;                                                       \
		for (j_ = 0; j_ < 6; j_++) /* u = A^T M, column j */              \
			WINO_AT6(T, (u_ + j_), 6, LD(m_ + j_ * ms), LD(m_ + (6 + j_) * ms),  \
				 LD(m_ + (12 + j_) * ms), LD(m_ + (18 + j_) * ms),            \
				 LD(m_ + (24 + j_) * ms), LD(m_ + (30 + j_) * ms));           \
		for (i_ = 0; i_ < 4; i_++) { /* out = u A, row i */               \
			WINO_AT6(T, o_, 1, u_[6 * i_], u_[6 * i_ + 1], u_[6 * i_ + 2],  \
				 u_[6 * i_ + 3], u_[6 * i_ + 4], u_[6 * i_ + 5]);  \
			for (j_ = 0; j_ < 4; j_++)                                \
				ST(&out[4 * i_ + j_][cc], o_[j_]);                \
		}                                                                 \
	} while (0)

/* Output channels [j0, j1) of the 4x4 outputs of tile t (F(4x4, 3x3)) from
 * its 36 products: A^T M A, then the epilogue (wino_store). */
static void wino_out4(const cvrt_conv2d_params *p, const float *restrict mq, int64_t ms, int64_t t,
		      int j0, int j1, const float *bias, const float *residual, float *y, int64_t ldy)
{
	int64_t c0;
	float out[16][64];

	for (c0 = j0; c0 < j1; c0 += 64) {
		int len = j1 - c0 < 64 ? (int)(j1 - c0) : 64, cc = 0;
#if WINO_VW
		for (; cc + WINO_VW <= len; cc += WINO_VW)
			WINO_OUT4_STEP(wino_vec, wino_ld, wino_st);
#endif
		for (; cc < len; cc++)
			WINO_OUT4_STEP(float, WINO_LDS, WINO_STS);
		wino_store(p, t, c0, len, out, bias, residual, y, ldy);
	}
}

static void wino_out(const cvrt_conv2d_params *p, const float *restrict mq, int64_t ms, int64_t t,
		     int j0, int j1, const float *bias, const float *residual, float *y, int64_t ldy)
{
	if (wino_side(p) == 4)
		wino_out4(p, mq, ms, t, j0, j1, bias, residual, y, ldy);
	else
		wino_out2(p, mq, ms, t, j0, j1, bias, residual, y, ldy);
}

/* Y[0, rows) x [j0, j1) = A * B: A rows k floats apart, B [k, n] in weight
 * panels, Y rows n floats apart; serial. */
static void wino_gemm(const float *a, int rows, int k, const float *b, int n, float *y, int j0,
		      int j1)
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

/* Floats of the block area of the workspace: V and M of one block of nb
 * tiles (npos planes each). */
static int64_t wino_area(int npos, int nb, int c, int m)
{
	return npos * (wino_plane(nb, c) + wino_plane(nb, m));
}

/* Tiles [t0, t0 + n) by one thread: input transform, the products of every
 * position over all m columns, output transform; V and M as in
 * conv_winograd. */
static void wino_serial(const cvrt_conv2d_params *p, const float *x, const float *w,
			const float *bias, const float *residual, float *y, int64_t ldy,
			const float *zeros, int64_t t0, int n, float *V, float *M)
{
	int64_t per = CVRT_PANELS_FLOATS((int64_t)p->c, (int64_t)p->m);
	int64_t vs = wino_plane(n, p->c), ms = wino_plane(n, p->m);
	int q, xi, np = wino_npos(p);

	for (q = 0; q < n; q++)
		wino_in(p, x, zeros, t0 + q, V + (int64_t)q * p->c, vs);
	for (xi = 0; xi < np; xi++)
		wino_gemm(V + xi * vs, n, p->c, w + xi * per, p->m, M + xi * ms, 0, p->m);
	for (q = 0; q < n; q++)
		wino_out(p, M + (int64_t)q * p->m, ms, t0 + q, 0, p->m, bias, residual, y, ldy);
}

/*
 * y = conv(x) by Winograd F(2x2, 3x3) or F(4x4, 3x3), block by block of
 * output tiles (P = 16 or 36 positions per tile).
 * ws: max(c, m) zeros (rounded up to a line), then the block area (V, M).
 * Threads divide the work one of two ways:
 *   private: each thread runs whole blocks of its own (wino_serial) in its
 *     share of the block area: no barriers, and V and M never leave the
 *     core; every thread reads all of U, so only when U (P * c * m
 *     floats) is at most 1 MiB and there are at least two blocks of 16 or
 *     more tiles per thread. Against shared, bench_conv, 2 threads: 3x3
 *     c64 on 56x56 (F(2x2, 3x3)) 0.585 -> 0.52 ms, c128 on 28x28 0.41 -> 0.365, c16 to
 *     c64 on 55x55 0.25 -> 0.19;
 *   shared: the team transforms one block's input tiles (V), runs the P
 *     products M_xi = V_xi U_xi ([nb, c] x [c, m]) as (xi, column tile)
 *     tasks, then transforms M back. Column tiles are 128 wide with
 *     several threads, all m with one. (Giving each thread a column range
 *     for the products and the output transform, so M stays in its core,
 *     ran slower at 2 threads: 3x3 c64 on 56x56 0.58 -> 0.83 ms, c128 on
 *     28x28 0.41 -> 0.55, as each thread then streams all of V through
 *     narrow column tiles.)
 */
static void conv_winograd(const cvrt_conv2d_params *p, const float *x, const float *w,
			  const float *bias, const float *residual, float *y, float *ws)
{
	int64_t tiles = wino_tiles(p), per = CVRT_PANELS_FLOATS((int64_t)p->c, (int64_t)p->m);
	int nb = wino_block(p, tiles), c = p->c, m = p->m, nth = 1, nt, ncol, nbt = 0;
	int np = wino_npos(p);
	int64_t ldy = conv_nhwc_ldy(p), zn = wino_zeros(p);
	int64_t area = wino_area(np, nb, c, m), chunk = 0;
	float *zeros = ws, *V = ws + zn, *M = V + np * wino_plane(nb, c);

#ifdef _OPENMP
	if ((double)tiles * np * c * m > PAR_MIN_WORK)
		nth = omp_get_max_threads();
#endif
	memset(zeros, 0, (size_t)zn * sizeof(float));
	if (nth > 1 && np * per <= 262144) {
		chunk = area / nth / 16 * 16; /* floats of each thread's share */
		nbt = (int)((chunk / np - 64) / (c + m));
		while (nbt > 0 && wino_area(np, nbt, c, m) > chunk)
			nbt--;
	}
	if (nbt >= 16 && tiles >= 2 * (int64_t)nth * nbt) {
		/* private: a multiple of nth blocks, balanced */
		int64_t nblk = (tiles + nbt - 1) / nbt, b;
		nblk = (nblk + nth - 1) / nth * nth;
#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
		for (b = 0; b < nblk; b++) {
			int64_t b0 = tiles * b / nblk, b1 = tiles * (b + 1) / nblk;
			int tid = 0;
			float *Vt;
#ifdef _OPENMP
			tid = omp_get_thread_num();
#endif
			Vt = V + tid * chunk;
			wino_serial(p, x, w, bias, residual, y, ldy, zeros, b0, (int)(b1 - b0), Vt,
				    Vt + np * wino_plane((int)(b1 - b0), c));
		}
		return;
	}
	nt = nth > 1 && m > 128 ? 128 : m;
	ncol = (m + nt - 1) / nt;
#ifdef _OPENMP
#pragma omp parallel if (nth > 1)
#endif
	{
	int64_t t0; /* each thread walks every block; the omp for loops share them out */
	for (t0 = 0; t0 < tiles; t0 += nb) {
		int n = tiles - t0 < nb ? (int)(tiles - t0) : nb, q, task;
		int64_t vs = wino_plane(n, c), ms = wino_plane(n, m);
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
		for (q = 0; q < n; q++)
			wino_in(p, x, zeros, t0 + q, V + (int64_t)q * c, vs);
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
		for (task = 0; task < np * ncol; task++) {
			int xi = task / ncol, j0 = task % ncol * nt, j1 = j0 + nt < m ? j0 + nt : m;
			wino_gemm(V + xi * vs, n, c, w + xi * per, m, M + xi * ms, j0, j1);
		}
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
		for (q = 0; q < n; q++)
			wino_out(p, M + (int64_t)q * m, ms, t0 + q, 0, m, bias, residual, y, ldy);
	}
	}
}

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

/* panels = B in weight panels, B(kk, j) = b[kk * rs + j * cs], k x n. */
static void pack_panels(int64_t k, int n, const float *b, int64_t rs, int64_t cs, float *panels)
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
		memset(&G, 0, sizeof(G));
		G.plain = pw;
		G.xpix = p->c;
		G.h = p->h;
		G.w = p->w;
		G.ow = p->ow;
		G.kh = p->kh;
		G.kw = p->kw;
		G.sh = p->sh;
		G.sw = p->sw;
		G.dh = p->dh;
		G.dw = p->dw;
		G.pad_t = p->pad_t;
		G.pad_l = p->pad_l;
		G.cg = cg;
		G.pc = CVRT_PANEL_COLS(mg);
		G.ldb = G.pc;
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
/* Sliding windows: pooling and depthwise convolution                       */
/* ------------------------------------------------------------------------ */

/*
 * One window geometry serves max pooling, average pooling and the depthwise
 * conv (a per-channel multiply-accumulate over the same window). Output row
 * oy reads input rows iy0 + ky*dh for ky in the valid range of win_rows();
 * its columns split into runs (win_run): the interior [xlo, xhi), where every
 * tap kx lies inside the input so the inner loops need no checks, is one run;
 * each border column is a run of its own with its clipped tap range.
 */
static void transpose_2d(const float *x, int64_t xs, float *y, int64_t ys, int64_t na,
			 int64_t ni);

typedef struct win2d {
	int h, w, oh, ow;
	int kh, kw, sh, sw, dh, dw;
	int pad_t, pad_l;
	int xlo, xhi; /* interior output columns */
} win2d;

static void win_init(win2d *wn, int h, int w, int oh, int ow, int kh, int kw, int sh,
		     int sw, int dh, int dw, int pad_t, int pad_l)
{
	int a0, a1, b0, b1;

	wn->h = h, wn->w = w, wn->oh = oh, wn->ow = ow;
	wn->kh = kh, wn->kw = kw, wn->sh = sh, wn->sw = sw, wn->dh = dh, wn->dw = dw;
	wn->pad_t = pad_t, wn->pad_l = pad_l;
	/* Tap positions grow with kx: the first and last tap inside => all are. */
	valid_out_range(ow, sw, -pad_l, w, &a0, &a1);
	valid_out_range(ow, sw, (kw - 1) * dw - pad_l, w, &b0, &b1);
	wn->xlo = a0 > b0 ? a0 : b0;
	wn->xhi = a1 < b1 ? a1 : b1;
	if (wn->xhi < wn->xlo)
		wn->xhi = wn->xlo;
}

/* Output row oy: first input row *iy0 (may be negative), valid taps [*ky0, *ky1). */
static inline void win_rows(const win2d *wn, int oy, int *iy0, int *ky0, int *ky1)
{
	*iy0 = oy * wn->sh - wn->pad_t;
	tap_range(*iy0, wn->kh, wn->dh, 0, wn->h, ky0, ky1);
}

/* The run of output columns starting at ox: returns its end; taps [*kx0, *kx1). */
static inline int win_run(const win2d *wn, int ox, int *kx0, int *kx1)
{
	if (ox >= wn->xlo && ox < wn->xhi) {
		*kx0 = 0;
		*kx1 = wn->kw;
		return wn->xhi;
	}
	tap_range(ox * wn->sw - wn->pad_l, wn->kw, wn->dw, 0, wn->w, kx0, kx1);
	return ox + 1;
}

enum win_kind { WIN_MAX, WIN_AVG, WIN_DW };

/* Average pooling divisor of one output position, per axis (see cvrt.h). */
static int avg_count(int start, int k, int len, int pad_lo, int pad_hi, int cip)
{
	int t0, t1;

	if (cip)
		tap_range(start, k, 1, -pad_lo, len + pad_hi, &t0, &t1);
	else
		tap_range(start, k, 1, 0, len, &t0, &t1);
	return t1 - t0;
}

/* Everything a window kernel needs besides the geometry. */
typedef struct win_job {
	int kind;              /* enum win_kind */
	int c;                 /* channels (NHWC row length per pixel) */
	const float *wk;       /* DW taps: NCHW [kh*kw] of one channel, NHWC [kh*kw, c] */
	const float *bias;     /* DW: NCHW &bias[ch] or NULL, NHWC [c] or NULL */
	cvrt_act act;          /* DW */
	int pad_b, pad_r, cip; /* AVG divisor */
} win_job;

/* Per-element ops: a = accumulator, v = input, t = tap weight (DW only: the
 * pools never evaluate t, so their tap pointer may be NULL). */
#define WOP_MAX(a, v, t) ((v) > (a) ? (v) : (a))
#define WOP_SUM(a, v, t) ((a) + (v))
#define WOP_MAC(a, v, t) MADD(a, v, t)

/*
 * Vectors of VW floats: AVX-512 or AVX2+FMA intrinsics when the compiler
 * targets them, otherwise a plain struct whose loops gcc vectorizes as it can.
 */
#if defined(__AVX512F__)
#define VW 16
typedef __m512 vf;
#define V_LOAD(p) _mm512_loadu_ps(p)
#define V_STORE(p, v) _mm512_storeu_ps((p), (v))
#define V_SET1(s) _mm512_set1_ps(s)
#define V_ADD(a, b) _mm512_add_ps((a), (b))
#define V_MUL(a, b) _mm512_mul_ps((a), (b))
#define V_MAX(a, b) _mm512_max_ps((a), (b))
#define V_MIN(a, b) _mm512_min_ps((a), (b))
#define V_FMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
/* The first n < VW lanes; masked-off lanes are neither read nor written. */
typedef __mmask16 vmask;
#define V_MASK(n) ((vmask)((1u << (n)) - 1u))
#define V_LOADM(p, m) _mm512_maskz_loadu_ps((m), (p))
#define V_STOREM(p, m, v) _mm512_mask_storeu_ps((p), (m), (v))
#elif defined(__AVX2__) && defined(__FMA__)
#define VW 8
typedef __m256 vf;
#define V_LOAD(p) _mm256_loadu_ps(p)
#define V_STORE(p, v) _mm256_storeu_ps((p), (v))
#define V_SET1(s) _mm256_set1_ps(s)
#define V_ADD(a, b) _mm256_add_ps((a), (b))
#define V_MUL(a, b) _mm256_mul_ps((a), (b))
#define V_MAX(a, b) _mm256_max_ps((a), (b))
#define V_MIN(a, b) _mm256_min_ps((a), (b))
#define V_FMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
typedef __m256i vmask;
#define V_MASK(n) _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define V_LOADM(p, m) _mm256_maskload_ps((p), (m))
#define V_STOREM(p, m, v) _mm256_maskstore_ps((p), (m), (v))
#else
#define VW 8
typedef struct vf {
	float f[VW];
} vf;
static inline vf v_load(const float *p)
{
	vf r;
	memcpy(r.f, p, sizeof(r.f));
	return r;
}
static inline vf v_set1(float s)
{
	vf r;
	int i;
	for (i = 0; i < VW; i++)
		r.f[i] = s;
	return r;
}
static inline vf v_add(vf a, vf b)
{
	int i;
	for (i = 0; i < VW; i++)
		a.f[i] += b.f[i];
	return a;
}
static inline vf v_mul(vf a, vf b)
{
	int i;
	for (i = 0; i < VW; i++)
		a.f[i] *= b.f[i];
	return a;
}
static inline vf v_max(vf a, vf b)
{
	int i;
	for (i = 0; i < VW; i++)
		a.f[i] = b.f[i] > a.f[i] ? b.f[i] : a.f[i];
	return a;
}
static inline vf v_min(vf a, vf b)
{
	int i;
	for (i = 0; i < VW; i++)
		a.f[i] = b.f[i] < a.f[i] ? b.f[i] : a.f[i];
	return a;
}
static inline vf v_fma(vf a, vf b, vf c)
{
	int i;
	for (i = 0; i < VW; i++)
		c.f[i] = MADD(c.f[i], a.f[i], b.f[i]);
	return c;
}
typedef int vmask;
static inline vf v_loadm(const float *p, int n)
{
	vf r;
	memset(r.f, 0, sizeof(r.f));
	memcpy(r.f, p, (size_t)n * sizeof(float));
	return r;
}
#define V_MASK(n) (n)
#define V_LOADM(p, m) v_loadm((p), (m))
#define V_STOREM(p, m, v) memcpy((p), (v).f, (size_t)(m) * sizeof(float))
#define V_LOAD(p) v_load(p)
#define V_STORE(p, v) memcpy((p), (v).f, sizeof((v).f))
#define V_SET1(s) v_set1(s)
#define V_ADD(a, b) v_add((a), (b))
#define V_MUL(a, b) v_mul((a), (b))
#define V_MAX(a, b) v_max((a), (b))
#define V_MIN(a, b) v_min((a), (b))
#define V_FMA(a, b, c) v_fma((a), (b), (c))
#endif


/* The activations a DW block applies before its store; act_inplace the rest. */
static int win_act_inreg(int kind)
{
	return kind == CVRT_ACT_NONE || kind == CVRT_ACT_RELU || kind == CVRT_ACT_CLIP;
}

static inline vf win_act(vf v, const cvrt_act *act)
{
	if (act->kind == CVRT_ACT_RELU)
		return V_MAX(v, V_SET1(0.0f));
	if (act->kind == CVRT_ACT_CLIP)
		return V_MIN(V_MAX(v, V_SET1(act->a)), V_SET1(act->b));
	return v;
}

/* Vector forms of the ops: acc = OP(acc, v, t). */
#define VOP_MAX(a, v, t) V_MAX(a, v)
#define VOP_SUM(a, v, t) V_ADD(a, v)
#define VOP_MAC(a, v, t) V_FMA(v, t, a)

/* ---- NCHW: one plane at a time, whole rows, vectorized over ox ---------- */

/*
 * yr[ox] for ox in [ox0, ox1): an interior run (taps [kx0, kx1) = every kx)
 * or a single border column. With stride 1, interior columns go NV vectors
 * at a time with the accumulators in registers; other strides and leftovers
 * one column at a time. OP/VOP as above; `init` the starting value.
 */
#define WIN_NCHW_COL(OP, OX)                                                       \
	do {                                                                       \
		float a_ = init;                                                   \
		int ix_ = (OX) * wn->sw - wn->pad_l, ky_, kx_;                     \
		for (ky_ = ky0; ky_ < ky1; ky_++) {                                \
			const float *xr_ = xc + (int64_t)(iy0 + ky_ * wn->dh) * wn->w + ix_; \
			for (kx_ = kx0; kx_ < kx1; kx_++)                          \
				a_ = OP(a_, xr_[kx_ * wn->dw], wk[ky_ * wn->kw + kx_]); \
		}                                                                  \
		yr[OX] = a_ * scale;                                               \
	} while (0)

/* NV vectors of interior columns starting at OX, stride 1. */
#define WIN_NCHW_VEC(VOP, NV, OX)                                                  \
	do {                                                                       \
		vf acc_[NV];                                                       \
		int ix_ = (OX) - wn->pad_l, j_, ky_, kx_;                          \
		for (j_ = 0; j_ < (NV); j_++)                                      \
			acc_[j_] = V_SET1(init);                                   \
		for (ky_ = ky0; ky_ < ky1; ky_++) {                                \
			const float *xr_ = xc + (int64_t)(iy0 + ky_ * wn->dh) * wn->w + ix_; \
			for (kx_ = 0; kx_ < wn->kw; kx_++) {                       \
				const float *xs_ = xr_ + kx_ * wn->dw;             \
				for (j_ = 0; j_ < (NV); j_++)                      \
					acc_[j_] = VOP(acc_[j_], V_LOAD(xs_ + j_ * VW), \
						       V_SET1(wk[ky_ * wn->kw + kx_])); \
			}                                                          \
		}                                                                  \
		for (j_ = 0; j_ < (NV); j_++)                                      \
			V_STORE(yr + (OX) + j_ * VW, V_MUL(acc_[j_], V_SET1(scale))); \
	} while (0)

/*
 * Stride-1 runs of at least VW columns end with a vector aligned to the
 * run's end (overlapping the previous one: those values are written twice).
 */
#define WIN_NCHW_RUN(OP, VOP)                                                      \
	do {                                                                       \
		int ox_ = ox0;                                                     \
		if (wn->sw == 1 && ox1 - ox0 >= VW) {                              \
			for (; ox_ + 4 * VW <= ox1; ox_ += 4 * VW)                 \
				WIN_NCHW_VEC(VOP, 4, ox_);                         \
			for (; ox_ + VW <= ox1; ox_ += VW)                         \
				WIN_NCHW_VEC(VOP, 1, ox_);                         \
			if (ox_ < ox1)                                             \
				WIN_NCHW_VEC(VOP, 1, ox1 - VW);                    \
		} else {                                                           \
			for (; ox_ < ox1; ox_++)                                   \
				WIN_NCHW_COL(OP, ox_);                             \
		}                                                                  \
	} while (0)

/* One output plane yc from one input plane xc (residual plane rc or NULL). */
static void win_plane_nchw(const win2d *wn, const win_job *jb, const float *xc,
			   const float *wk, float bv, const float *rc, float *yc)
{
	int oy, ox0, ox1, ky0, ky1, kx0, kx1, iy0, ox;

	for (oy = 0; oy < wn->oh; oy++) {
		float *yr = yc + (int64_t)oy * wn->ow;
		int rcount = 0;
		win_rows(wn, oy, &iy0, &ky0, &ky1);
		if (jb->kind == WIN_AVG)
			rcount = avg_count(iy0, wn->kh, wn->h, wn->pad_t, jb->pad_b, jb->cip);
		for (ox0 = 0; ox0 < wn->ow; ox0 = ox1) {
			float scale = 1.0f, init;
			ox1 = win_run(wn, ox0, &kx0, &kx1);
			switch (jb->kind) {
			case WIN_MAX:
				init = -FLT_MAX;
				WIN_NCHW_RUN(WOP_MAX, VOP_MAX);
				break;
			case WIN_AVG: {
				int cnt = rcount * (ox1 - ox0 == 1 && (ox0 < wn->xlo || ox0 >= wn->xhi)
					? avg_count(ox0 * wn->sw - wn->pad_l, wn->kw, wn->w, wn->pad_l,
						    jb->pad_r, jb->cip)
					: wn->kw);
				init = 0.0f;
				scale = cnt > 0 ? 1.0f / (float)cnt : 0.0f;
				WIN_NCHW_RUN(WOP_SUM, VOP_SUM);
				break;
			}
			default:
				init = bv;
				WIN_NCHW_RUN(WOP_MAC, VOP_MAC);
				break;
			}
		}
		if (jb->kind == WIN_DW) {
			if (rc) {
				const float *rr = rc + (int64_t)oy * wn->ow;
				for (ox = 0; ox < wn->ow; ox++)
					yr[ox] += rr[ox];
			}
			act_inplace(yr, wn->ow, jb->act);
		}
	}
}

/* ---- NHWC: one output row at a time, vectorized over channels ----------- */

/* Inputs of one row job: the valid input rows and where pixel ox's window starts. */
typedef struct nhwc_rows {
	const float *x0; /* input row iy0 + ky0*dh ([w, c]); valid when nky > 0 */
	int64_t step;    /* dh rows */
	int ky0, nky;
} nhwc_rows;

/*
 * P output pixels ox, ox+1, ..., all with taps [kx0, kx1): for each block of
 * NB vectors of channels, P*NB accumulators stay in registers over every tap
 * (the tap weight vector loaded once per tap is shared by the P pixels).
 * The block starts from -FLT_MAX (MAX), the bias or 0, and is then scaled
 * (AVG) or gets the residual added (DW) and is stored. LD/ST: whole or
 * masked vector loads and stores.
 */
#define WIN_NHWC_BLOCK(P, NB, VOP, LD, ST)                                               \
	do {                                                                             \
		vf acc[P][NB];                                                           \
		for (b = 0; b < NB; b++) {                                               \
			vf i0;                                                           \
			if (jb->kind == WIN_MAX)                                         \
				i0 = V_SET1(-FLT_MAX);                                   \
			else if (jb->bias)                                               \
				i0 = LD(jb->bias + cc + b * VW);                         \
			else                                                             \
				i0 = V_SET1(0.0f);                                       \
			for (p = 0; p < P; p++)                                          \
				acc[p][b] = i0;                                          \
		}                                                                        \
		for (r = 0; r < rw->nky; r++) {                                          \
			const float *xs = rw->x0 + r * rw->step + ix0 * c + cc;          \
			const float *ts = jb->wk ? jb->wk + (int64_t)(rw->ky0 + r) * wn->kw * c + cc : NULL; \
			for (kx = kx0; kx < kx1; kx++) {                                 \
				const float *xk = xs + (int64_t)kx * wn->dw * c;         \
				vf t[NB];                                                \
				for (b = 0; b < NB; b++)                                 \
					t[b] = ts ? LD(ts + (int64_t)kx * c + b * VW) : V_SET1(0.0f); \
				(void)t;                                                 \
				for (p = 0; p < P; p++)                                  \
					for (b = 0; b < NB; b++)                         \
						acc[p][b] = VOP(acc[p][b], LD(xk + p * pstep + b * VW), t[b]); \
			}                                                                \
		}                                                                        \
		for (p = 0; p < P; p++)                                                  \
			for (b = 0; b < NB; b++) {                                       \
				vf v = acc[p][b];                                        \
				int64_t o = (int64_t)p * c + cc + b * VW;                \
				if (jb->kind == WIN_AVG)                                 \
					v = V_MUL(v, V_SET1(scale));                     \
				else if (rr)                                             \
					v = V_ADD(v, LD(rr + o));                        \
				if (jb->kind == WIN_DW)                                  \
					v = win_act(v, &jb->act);                        \
				ST(yr + o, v);                                           \
			}                                                                \
	} while (0)

/* Loads and stores of the first m_ lanes, for a block's leftover channels. */
#define WIN_LDM(p_) V_LOADM((p_), m_)
#define WIN_STM(p_, v_) V_STOREM((p_), m_, (v_))

/*
 * NAME: the pixels' channels [cc0, cc1) in blocks of NB vectors; fewer than
 * NB*VW leftover channels (only [cbig, c) has them) in masked vectors, so
 * a layer of 58 or 24 channels never drops to scalar code.
 */
#define WIN_NHWC_PIXELS(NAME, P, NB, VOP)                                                \
	static void NAME(const win2d *wn, const win_job *jb, const nhwc_rows *rw, int ox, \
			 int kx0, int kx1, float scale, const float *rr, float *yr,         \
			 int cc0, int cc1)                                                  \
	{                                                                                \
		const int c = jb->c;                                                     \
		const int64_t pstep = (int64_t)wn->sw * c;                               \
		const int64_t ix0 = (int64_t)ox * wn->sw - wn->pad_l;                    \
		int cc, p, b, r, kx;                                                     \
		for (cc = cc0; cc + NB * VW <= cc1; cc += NB * VW)                       \
			WIN_NHWC_BLOCK(P, NB, VOP, V_LOAD, V_STORE);                     \
		for (; cc < cc1; cc += VW) {                                             \
			vmask m_ = V_MASK(cc1 - cc < VW ? cc1 - cc : VW);                \
			(void)m_;                                                        \
			WIN_NHWC_BLOCK(P, 1, VOP, WIN_LDM, WIN_STM);                     \
		}                                                                        \
	}

/* Register budget: P*NB accumulators + NB tap vectors. */
#if VW == 16
#define NHWC_NB 2 /* 32 channels: 8 + 2 of the 32 zmm registers */
#else
#define NHWC_NB 2 /* 16 channels: 8 + 2 of the 16 ymm registers */
#endif

WIN_NHWC_PIXELS(nhwc_max4, 4, NHWC_NB, VOP_MAX)
WIN_NHWC_PIXELS(nhwc_max1, 1, NHWC_NB, VOP_MAX)
WIN_NHWC_PIXELS(nhwc_sum4, 4, NHWC_NB, VOP_SUM)
WIN_NHWC_PIXELS(nhwc_sum1, 1, NHWC_NB, VOP_SUM)
WIN_NHWC_PIXELS(nhwc_mac4, 4, NHWC_NB, VOP_MAC)
WIN_NHWC_PIXELS(nhwc_mac1, 1, NHWC_NB, VOP_MAC)
WIN_NHWC_PIXELS(nhwc_max4v, 4, 1, VOP_MAX)
WIN_NHWC_PIXELS(nhwc_max1v, 1, 1, VOP_MAX)
WIN_NHWC_PIXELS(nhwc_sum4v, 4, 1, VOP_SUM)
WIN_NHWC_PIXELS(nhwc_sum1v, 1, 1, VOP_SUM)
WIN_NHWC_PIXELS(nhwc_mac4v, 4, 1, VOP_MAC)
WIN_NHWC_PIXELS(nhwc_mac1v, 1, 1, VOP_MAC)

typedef void (*nhwc_pix_fn)(const win2d *, const win_job *, const nhwc_rows *, int, int,
			    int, float, const float *, float *, int, int);

/*
 * Pixels [ox, ox1) of one run: channel blocks of NHWC_NB vectors, then one
 * vector, then single channels; four pixels at a time, then one.
 */
static void win_nhwc_run(const win2d *wn, const win_job *jb, const nhwc_rows *rw, int ox,
			 int ox1, int kx0, int kx1, float scale, const float *rrow,
			 float *yrow)
{
	static const nhwc_pix_fn fns[3][4] = {
		{ nhwc_max4, nhwc_max1, nhwc_max4v, nhwc_max1v },
		{ nhwc_sum4, nhwc_sum1, nhwc_sum4v, nhwc_sum1v },
		{ nhwc_mac4, nhwc_mac1, nhwc_mac4v, nhwc_mac1v },
	};
	const nhwc_pix_fn *f = fns[jb->kind];
	int c = jb->c, cbig = c / (NHWC_NB * VW) * (NHWC_NB * VW);

	while (ox < ox1) {
		int four = ox1 - ox >= 4;
		float *yp = yrow + (int64_t)ox * c;
		const float *rp = rrow ? rrow + (int64_t)ox * c : NULL;
		if (cbig > 0)
			f[four ? 0 : 1](wn, jb, rw, ox, kx0, kx1, scale, rp, yp, 0, cbig);
		if (cbig < c)
			f[four ? 2 : 3](wn, jb, rw, ox, kx0, kx1, scale, rp, yp, cbig, c);
		if (jb->kind == WIN_DW && !win_act_inreg(jb->act.kind))
			act_inplace(yp, (int64_t)(four ? 4 : 1) * c, jb->act);
		ox += four ? 4 : 1;
	}
}

/*
 * ---- NHWC 3x3 depthwise, interior runs --------------------------------------
 *
 * The general kernel above reloads the tap vectors for every four pixels and
 * each input vector once per tap. For the 3x3, dilation-1 convs of
 * MobileNet- and ShuffleNet-style nets (nearly all their depthwise layers),
 * dw3_run keeps one channel vector's 9 taps in registers over a block of
 * P pixels (DW3_P1 at stride 1, DW3_P2 at stride 2) and loads each input
 * column of the block once per row: a column feeds up to 3 neighbouring
 * pixels at stride 1. Per block and row, (P - 1)*S + 3 loads for 3*P
 * multiply-adds.
 * Measured (one thread, single conv, all of it in this path but the borders):
 * 112x112 c32 s1 0.180 -> 0.113 ms, 56x56 c144 s1 0.211 -> 0.175, 14x14
 * c576 s1 0.054 -> 0.040, 56x56 c144 s2 0.069 -> 0.052.
 * Pixels outer, channels inner, so each input row is swept once in order (the
 * other way round, 112x112 c96 s2 went 0.22 -> 0.24 ms: 6 strided sweeps).
 */
#if VW == 16
#define DW3_P1 8 /* stride 1: 8 accumulators + 9 taps + 10 columns of 32 zmm */
#define DW3_P2 4 /* stride 2: 4 + 9 + 9 (8 pixels would spill) */
#else /* 16 vector registers */
#define DW3_P1 4
#define DW3_P2 2
#endif

/* Pixels [p, p + P) of channel vector cc: taps t, start bv. */
#define DW3_BLOCK(P, S, LD, ST)                                                         \
	do {                                                                            \
		vf acc_[P];                                                             \
		int j_, kx_, r_;                                                        \
		for (j_ = 0; j_ < (P); j_++)                                            \
			acc_[j_] = bv;                                                  \
		for (r_ = 0; r_ < 3; r_++) {                                            \
			vf col_[((P) - 1) * (S) + 3];                                   \
			const float *xr_ = rows[r_] + (ix0 + (int64_t)p * (S)) * c + cc; \
			for (j_ = 0; j_ < ((P) - 1) * (S) + 3; j_++)                    \
				col_[j_] = LD(xr_ + (int64_t)j_ * c);                   \
			for (j_ = 0; j_ < (P); j_++)                                    \
				for (kx_ = 0; kx_ < 3; kx_++)                           \
					acc_[j_] = V_FMA(col_[j_ * (S) + kx_], t[r_ * 3 + kx_], acc_[j_]); \
		}                                                                       \
		for (j_ = 0; j_ < (P); j_++) {                                          \
			vf v_ = acc_[j_];                                               \
			int64_t o_ = (int64_t)(p + j_) * c + cc;                        \
			if (rr)                                                         \
				v_ = V_ADD(v_, LD(rr + o_));                            \
			ST(y + o_, win_act(v_, act));                                   \
		}                                                                       \
	} while (0)

/*
 * Channel vector cc over pixels [p0, p1): its taps and start value (bias or
 * 0), then one block of P pixels, or pixel by pixel when fewer are left.
 */
#define DW3_VECTOR(P, S, LD, ST)                                                        \
	do {                                                                            \
		for (k = 0; k < 9; k++)                                                 \
			t[k] = LD(wk + k * c + cc);                                     \
		bv = bias ? LD(bias + cc) : V_SET1(0.0f);                               \
		p = p0;                                                                 \
		if (p1 - p0 == (P))                                                     \
			DW3_BLOCK(P, S, LD, ST);                                        \
		else                                                                    \
			for (; p < p1; p++)                                             \
				DW3_BLOCK(1, S, LD, ST);                                \
	} while (0)

/*
 * n output pixels of one row, stride S, all 9 taps inside the input: rows[3]
 * are the input rows ([w, c]), ix0 the input column of pixel 0's first tap,
 * wk the taps ([3, 3, c] hwc), bias [c] or NULL, rr the residual ([n, c]) or
 * NULL, y the output ([n, c]); act in registers (win_act) only.
 */
#define DW3_RUN(NAME, S, P)                                                             \
	static void NAME(const float *const rows[3], int64_t c, int ix0, int n,         \
			 const float *wk, const float *bias, const cvrt_act *act,       \
			 const float *rr, float *y)                                     \
	{                                                                               \
		int64_t cc, cbig = c / VW * VW;                                         \
		vf t[9], bv;                                                            \
		int k, p, p0, p1;                                                       \
		for (p0 = 0; p0 < n; p0 = p1) {                                         \
			p1 = p0 + (P) <= n ? p0 + (P) : n;                              \
			for (cc = 0; cc < cbig; cc += VW)                               \
				DW3_VECTOR(P, S, V_LOAD, V_STORE);                      \
			if (cc < c) {                                                   \
				vmask m_ = V_MASK((int)(c - cc));                       \
				(void)m_;                                               \
				DW3_VECTOR(P, S, WIN_LDM, WIN_STM);                     \
			}                                                               \
		}                                                                       \
	}

DW3_RUN(dw3_run1, 1, DW3_P1)
DW3_RUN(dw3_run2, 2, DW3_P2)

/* Whether row job (wn, jb) takes dw3_run for its interior runs of full rows. */
static int dw3_ok(const win2d *wn, const win_job *jb)
{
	return jb->kind == WIN_DW && wn->kh == 3 && wn->kw == 3 && wn->dh == 1 && wn->dw == 1 &&
	       (wn->sw == 1 || wn->sw == 2) && win_act_inreg(jb->act.kind);
}

/* Output row oy of image xi ([h, w, c]) into yrow ([ow, c]). */
static void win_row_nhwc(const win2d *wn, const win_job *jb, const float *xi, int oy,
			 const float *rrow, float *yrow)
{
	nhwc_rows rw;
	int iy0, ky1, ox, ox1, kx0, kx1, rcount = 0;
	int64_t rowlen = (int64_t)wn->w * jb->c;

	win_rows(wn, oy, &iy0, &rw.ky0, &ky1);
	rw.nky = ky1 - rw.ky0;
	rw.step = (int64_t)wn->dh * rowlen;
	rw.x0 = rw.nky > 0 ? xi + (int64_t)(iy0 + rw.ky0 * wn->dh) * rowlen : xi;
	if (jb->kind == WIN_AVG)
		rcount = avg_count(iy0, wn->kh, wn->h, wn->pad_t, jb->pad_b, jb->cip);
	for (ox = 0; ox < wn->ow; ox = ox1) {
		float scale = 1.0f;
		ox1 = win_run(wn, ox, &kx0, &kx1);
		if (rw.nky == 3 && kx1 - kx0 == 3 && ox1 - ox > 1 && dw3_ok(wn, jb)) {
			const float *rows[3] = { rw.x0, rw.x0 + rw.step, rw.x0 + 2 * rw.step };
			(wn->sw == 1 ? dw3_run1 : dw3_run2)(rows, jb->c, ox * wn->sw - wn->pad_l,
							    ox1 - ox, jb->wk, jb->bias, &jb->act,
							    rrow ? rrow + (int64_t)ox * jb->c : NULL,
							    yrow + (int64_t)ox * jb->c);
			continue;
		}
		if (jb->kind == WIN_AVG) {
			int cnt = rcount * (ox >= wn->xlo && ox < wn->xhi
				? wn->kw
				: avg_count(ox * wn->sw - wn->pad_l, wn->kw, wn->w, wn->pad_l,
					    jb->pad_r, jb->cip));
			scale = cnt > 0 ? 1.0f / (float)cnt : 0.0f;
		}
		win_nhwc_run(wn, jb, &rw, ox, ox1, kx0, kx1, scale, rrow, yrow);
	}
}

/* Row tasks: n*oh output rows. */
static void win_nhwc(const win2d *wn, const win_job *jb, int n, const float *x,
		     const float *res, float *y)
{
	int64_t rows = (int64_t)n * wn->oh, t;
	int64_t in_img = (int64_t)wn->h * wn->w * jb->c, out_row = (int64_t)wn->ow * jb->c;
	double work = (double)rows * out_row * wn->kh * wn->kw;

	(void)work;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (rows > 1 && work > PAR_MIN_WORK)
#endif
	for (t = 0; t < rows; t++) {
		int img = (int)(t / wn->oh), oy = (int)(t % wn->oh);
		win_row_nhwc(wn, jb, x + img * in_img, oy, res ? res + t * out_row : NULL,
			     y + t * out_row);
	}
}

/*
 * Depthwise NCHW on narrow planes, where rows are too short to vectorize
 * over ox: a block of DWT_CB channels of one image is transposed into a
 * zero-padded channels-last tile on the stack (input plane + padding, at most
 * DWT_MAX floats with the output tile), the NHWC row kernel runs on it with
 * no borders left, and the result is transposed back; then residual + act.
 */
#define DWT_CB (NHWC_NB * VW)
#define DWT_MAX 16384
#define DWT_MAX_TAPS 49

static int dw_tiled_dims(const win2d *wn, int *hp, int *wp)
{
	*hp = (wn->oh - 1) * wn->sh + (wn->kh - 1) * wn->dh + 1;
	*wp = (wn->ow - 1) * wn->sw + (wn->kw - 1) * wn->dw + 1;
	if (*hp < wn->h + wn->pad_t)
		*hp = wn->h + wn->pad_t;
	if (*wp < wn->w + wn->pad_l)
		*wp = wn->w + wn->pad_l;
	return (int64_t)(*hp * *wp + wn->oh * wn->ow) * DWT_CB <= DWT_MAX &&
	       wn->kh * wn->kw <= DWT_MAX_TAPS;
}

static void dw_nchw_tiled(const win2d *wn, const win_job *jb, int n, const float *x,
			  const float *w, const float *bias, const float *res, float *y)
{
	int hp, wp, nblk = (jb->c + DWT_CB - 1) / DWT_CB;
	int64_t tasks = (int64_t)n * nblk, t;
	int64_t in_plane = (int64_t)wn->h * wn->w, out_plane = (int64_t)wn->oh * wn->ow;
	win2d lw;
	win_job lj;

	dw_tiled_dims(wn, &hp, &wp);
	win_init(&lw, hp, wp, wn->oh, wn->ow, wn->kh, wn->kw, wn->sh, wn->sw, wn->dh, wn->dw, 0, 0);
	lj = *jb;
	lj.c = DWT_CB;
	lj.act.kind = CVRT_ACT_NONE;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (tasks > 1)
#endif
	for (t = 0; t < tasks; t++) {
		float buf[DWT_MAX], wl[DWT_MAX_TAPS * DWT_CB], bl[DWT_CB];
		float *xin = buf, *yout = buf + (int64_t)hp * wp * DWT_CB;
		int img = (int)(t / nblk), c0 = (int)(t % nblk) * DWT_CB;
		int nv = jb->c - c0 < DWT_CB ? jb->c - c0 : DWT_CB, ntap = wn->kh * wn->kw;
		int iy, oy, ch, k;
		win_job tj = lj;
		const float *xb = x + ((int64_t)img * jb->c + c0) * in_plane;
		int64_t ob = ((int64_t)img * jb->c + c0) * out_plane;

		/* Taps and bias of the block, channels-last, zero past the last channel. */
		for (k = 0; k < ntap; k++)
			for (ch = 0; ch < DWT_CB; ch++)
				wl[k * DWT_CB + ch] = ch < nv ? w[(int64_t)(c0 + ch) * ntap + k] : 0.0f;
		for (ch = 0; ch < DWT_CB; ch++)
			bl[ch] = bias && ch < nv ? bias[c0 + ch] : 0.0f;
		tj.wk = wl;
		tj.bias = bl;
		/* Zero the padding (all of it for a partial block), then the rows. */
		if (nv < DWT_CB) {
			memset(xin, 0, (size_t)hp * wp * DWT_CB * sizeof(float));
		} else {
			int right = wp - wn->pad_l - wn->w;
			memset(xin, 0, (size_t)wn->pad_t * wp * DWT_CB * sizeof(float));
			memset(xin + (int64_t)(wn->pad_t + wn->h) * wp * DWT_CB, 0,
			       (size_t)(hp - wn->pad_t - wn->h) * wp * DWT_CB * sizeof(float));
			for (iy = 0; iy < wn->h; iy++) {
				float *row = xin + (int64_t)(iy + wn->pad_t) * wp * DWT_CB;
				memset(row, 0, (size_t)wn->pad_l * DWT_CB * sizeof(float));
				memset(row + (int64_t)(wn->pad_l + wn->w) * DWT_CB, 0,
				       (size_t)right * DWT_CB * sizeof(float));
			}
		}
		for (iy = 0; iy < wn->h; iy++)
			transpose_2d(xb + (int64_t)iy * wn->w, in_plane,
				     xin + ((int64_t)(iy + wn->pad_t) * wp + wn->pad_l) * DWT_CB,
				     DWT_CB, wn->w, nv);
		for (oy = 0; oy < wn->oh; oy++)
			win_row_nhwc(&lw, &tj, xin, oy, NULL, yout + (int64_t)oy * wn->ow * DWT_CB);
		transpose_2d(yout, DWT_CB, y + ob, out_plane, nv, out_plane);
		for (ch = 0; ch < nv; ch++) {
			float *yp = y + ob + ch * out_plane;
			if (res) {
				const float *rp = res + ob + ch * out_plane;
				int64_t i;
				for (i = 0; i < out_plane; i++)
					yp[i] += rp[i];
			}
			act_inplace(yp, out_plane, jb->act);
		}
	}
}

static void win_nchw(const win2d *wn, const win_job *jb, int n, const float *x,
		     const float *w, const float *bias, const float *res, float *y)
{
	int64_t planes = (int64_t)n * jb->c, pi;
	int64_t in_plane = (int64_t)wn->h * wn->w, out_plane = (int64_t)wn->oh * wn->ow;
	double work = (double)planes * out_plane * wn->kh * wn->kw;
	int hp, wp;

	(void)work;
	/* Rows of fewer than 2 vectors' interior: the channels-last tile path. */
	if (jb->kind == WIN_DW && (wn->sw != 1 || wn->xhi - wn->xlo < 2 * VW) &&
	    dw_tiled_dims(wn, &hp, &wp)) {
		dw_nchw_tiled(wn, jb, n, x, w, bias, res, y);
		return;
	}
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (planes > 1 && work > PAR_MIN_WORK)
#endif
	for (pi = 0; pi < planes; pi++) {
		int ch = (int)(pi % jb->c);
		win_plane_nchw(wn, jb, x + pi * in_plane,
			       w ? w + (int64_t)ch * wn->kh * wn->kw : NULL,
			       bias ? bias[ch] : 0.0f, res ? res + pi * out_plane : NULL,
			       y + pi * out_plane);
	}
}

static void pool_setup(const cvrt_pool2d_params *p, int kind, win2d *wn, win_job *jb)
{
	win_init(wn, p->h, p->w, p->oh, p->ow, p->kh, p->kw, p->sh, p->sw, p->dh, p->dw,
		 p->pad_t, p->pad_l);
	memset(jb, 0, sizeof(*jb));
	jb->kind = kind;
	jb->c = p->c;
	jb->pad_b = p->pad_b;
	jb->pad_r = p->pad_r;
	jb->cip = p->count_include_pad;
}

void cvrt_maxpool2d(const cvrt_pool2d_params *p, const float *x, float *y)
{
	win2d wn;
	win_job jb;

	pool_setup(p, WIN_MAX, &wn, &jb);
	win_nchw(&wn, &jb, p->n, x, NULL, NULL, NULL, y);
}

void cvrt_avgpool2d(const cvrt_pool2d_params *p, const float *x, float *y)
{
	win2d wn;
	win_job jb;

	pool_setup(p, WIN_AVG, &wn, &jb);
	win_nchw(&wn, &jb, p->n, x, NULL, NULL, NULL, y);
}

void cvrt_maxpool2d_nhwc(const cvrt_pool2d_params *p, const float *x, float *y)
{
	win2d wn;
	win_job jb;

	pool_setup(p, WIN_MAX, &wn, &jb);
	win_nhwc(&wn, &jb, p->n, x, NULL, y);
}

void cvrt_avgpool2d_nhwc(const cvrt_pool2d_params *p, const float *x, float *y)
{
	win2d wn;
	win_job jb;

	pool_setup(p, WIN_AVG, &wn, &jb);
	win_nhwc(&wn, &jb, p->n, x, NULL, y);
}

static void dw_setup(const cvrt_conv2d_params *p, const float *w, const float *bias,
		     win2d *wn, win_job *jb)
{
	win_init(wn, p->h, p->w, p->oh, p->ow, p->kh, p->kw, p->sh, p->sw, p->dh, p->dw,
		 p->pad_t, p->pad_l);
	memset(jb, 0, sizeof(*jb));
	jb->kind = WIN_DW;
	jb->c = p->c;
	jb->wk = w;
	jb->bias = bias;
	jb->act = p->act;
}

void cvrt_dwconv2d(const cvrt_conv2d_params *p, const float *x, const float *w,
		   const float *bias, const float *residual, float *y)
{
	win2d wn;
	win_job jb;

	dw_setup(p, w, bias, &wn, &jb);
	win_nchw(&wn, &jb, p->n, x, w, bias, residual, y);
}

void cvrt_dwconv2d_nhwc(const cvrt_conv2d_params *p, const float *x, const float *w,
			const float *bias, const float *residual, float *y)
{
	win2d wn;
	win_job jb;

	dw_setup(p, w, bias, &wn, &jb);
	win_nhwc(&wn, &jb, p->n, x, residual, y);
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

/* transpose_2d for n = ni < 8 contiguous rows of y (ys == n), n a constant
 * at each inlined call so the compiler interleaves the n strips in vectors. */
static ALWAYS_INLINE void transpose_narrow(const float *x, int64_t xs, float *y, int64_t na,
					   const int n)
{
	int64_t a;
	int i;

	for (a = 0; a < na; a++)
		for (i = 0; i < n; i++)
			y[a * n + i] = x[i * xs + a];
}

/*
 * Y[a][i] = X[i][a] for a < na, i < ni: X rows xs apart (a contiguous),
 * Y rows ys apart (i contiguous). 8x8 blocks, transposed in registers with
 * AVX, else by plain loops on the L1-resident block.
 */
static void transpose_2d(const float *x, int64_t xs, float *y, int64_t ys, int64_t na,
			 int64_t ni)
{
	int64_t a0, i0, a, i;

	/* An NCHW -> NHWC input of 3 channels: 3 long strips interleaved. */
	if (ys == ni && ni >= 2 && ni <= 4) {
		if (ni == 2)
			transpose_narrow(x, xs, y, na, 2);
		else if (ni == 3)
			transpose_narrow(x, xs, y, na, 3);
		else
			transpose_narrow(x, xs, y, na, 4);
		return;
	}

	/* i outer: each pass reads 8 whole X row strips (na <= TR_ROWS floats). */
	for (i0 = 0; i0 < ni; i0 += 8) {
		int64_t i1 = i0 + 8 < ni ? i0 + 8 : ni;
		for (a0 = 0; a0 < na; a0 += 8) {
			int64_t a1 = a0 + 8 < na ? a0 + 8 : na;
#if defined(__AVX2__) && defined(__FMA__)
			if (a1 - a0 == 8 && i1 - i0 == 8) {
				const float *xp = x + i0 * xs + a0;
				float *yp = y + a0 * ys + i0;
				__m256 r0 = _mm256_loadu_ps(xp), r1 = _mm256_loadu_ps(xp + xs);
				__m256 r2 = _mm256_loadu_ps(xp + 2 * xs), r3 = _mm256_loadu_ps(xp + 3 * xs);
				__m256 r4 = _mm256_loadu_ps(xp + 4 * xs), r5 = _mm256_loadu_ps(xp + 5 * xs);
				__m256 r6 = _mm256_loadu_ps(xp + 6 * xs), r7 = _mm256_loadu_ps(xp + 7 * xs);
				__m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
				__m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
				__m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
				__m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
				__m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
				__m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
				__m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
				__m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
				_mm256_storeu_ps(yp, _mm256_permute2f128_ps(u0, u4, 0x20));
				_mm256_storeu_ps(yp + ys, _mm256_permute2f128_ps(u1, u5, 0x20));
				_mm256_storeu_ps(yp + 2 * ys, _mm256_permute2f128_ps(u2, u6, 0x20));
				_mm256_storeu_ps(yp + 3 * ys, _mm256_permute2f128_ps(u3, u7, 0x20));
				_mm256_storeu_ps(yp + 4 * ys, _mm256_permute2f128_ps(u0, u4, 0x31));
				_mm256_storeu_ps(yp + 5 * ys, _mm256_permute2f128_ps(u1, u5, 0x31));
				_mm256_storeu_ps(yp + 6 * ys, _mm256_permute2f128_ps(u2, u6, 0x31));
				_mm256_storeu_ps(yp + 7 * ys, _mm256_permute2f128_ps(u3, u7, 0x31));
				continue;
			}
#endif
			for (a = a0; a < a1; a++)
				for (i = i0; i < i1; i++)
					y[a * ys + i] = x[i * xs + a];
		}
	}
}

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

/* NHWC: per output pixel the same taps as above, then a contiguous run over c. */
void cvrt_resize2d_nhwc(const cvrt_resize2d_params *p, int c, const float *x, float *y)
{
	int64_t rows = p->nc * p->oh, t;

#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (rows > 1 && rows * p->ow * c > PAR_MIN_WORK)
#endif
	for (t = 0; t < rows; t++) {
		int64_t img = t / p->oh;
		int oy = (int)(t % p->oh), ox, j;
		const float *xi = x + img * p->h * p->w * c;
		float *yr = y + t * p->ow * c;
		int64_t rowlen = (int64_t)p->w * c;
		float fy = resize_coord(p->coord, oy, p->h, p->oh, p->scale_h);

		if (p->mode == CVRT_RESIZE_NEAREST) {
			const float *xr = xi + (int64_t)nearest_index(fy, p->nearest_mode, p->h) * rowlen;
			for (ox = 0; ox < p->ow; ox++) {
				float fx = resize_coord(p->coord, ox, p->w, p->ow, p->scale_w);
				memcpy(yr + (int64_t)ox * c,
				       xr + (int64_t)nearest_index(fx, p->nearest_mode, p->w) * c,
				       (size_t)c * sizeof(float));
			}
		} else {
			int y0, y1;
			float wy;
			const float *r0, *r1;
			linear_tap(fy, p->h, &y0, &y1, &wy);
			r0 = xi + (int64_t)y0 * rowlen;
			r1 = xi + (int64_t)y1 * rowlen;
			for (ox = 0; ox < p->ow; ox++) {
				float fx = resize_coord(p->coord, ox, p->w, p->ow, p->scale_w), wx;
				int x0, x1;
				const float *a0, *a1, *b0, *b1;
				float *yp = yr + (int64_t)ox * c;
				linear_tap(fx, p->w, &x0, &x1, &wx);
				a0 = r0 + (int64_t)x0 * c, a1 = r0 + (int64_t)x1 * c;
				b0 = r1 + (int64_t)x0 * c, b1 = r1 + (int64_t)x1 * c;
				/* Same operation order as the NCHW kernel: equal results. */
				for (j = 0; j < c; j++) {
					float top = a0[j] + (a1[j] - a0[j]) * wx;
					float bot = b0[j] + (b1[j] - b0[j]) * wx;
					yp[j] = top + (bot - top) * wy;
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
