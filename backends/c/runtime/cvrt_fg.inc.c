/*
 * cvrt_fg.inc.c - the register-blocked GEMM micro kernel with AVX-512 or
 * AVX2 + FMA intrinsics (fg_*), part of cvrt_gemm.c: included there, not
 * compiled on its own. Empty in the portable build.
 */
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
 *   3. the tile's row groups (balanced, at most FG_GR rows) stream over it,
 *      the accumulators going through Y between K blocks; meanwhile each
 *      row group prefetches its share of the next weight-panel block into
 *      L2, so that block's first row group does not wait on memory.
 * So each B block is read from memory once per tile (a tile of few pixels,
 * such as a 7x7 layer, holds them all: the weights stream once per call),
 * its FG_KCB x FG_PW floats stay in L1 across the row groups (a plain
 * block's 512 x FG_PW in L2), and the A block (in L1/L2) is reused by every
 * panel. The epilogue runs on the last block while the tile is in
 * registers. fg_tile's frame holds both stack buffers, about 150 KiB.
 *
 * Under AVX-512 a chunk's last <= 8 columns (all of them when M <= 8) run
 * on the K-pair kernel instead (fg_pbody: two K steps per 16-lane FMA, not
 * a half-empty vector), its B interleaved into the stack panel's second
 * half (fg_bpair).
 */
#ifdef FAST_GEMM

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
#ifdef CVRT_GUARD /* each active lane checked first (cvrt_impl.h) */
static inline fg_vec fg_loadm_guard(__mmask16 m, const float *p)
{
	cvrt_guard_read_lanes(p, (unsigned)m);
	return _mm512_maskz_loadu_ps(m, p);
}
static inline void fg_storem_guard(float *p, __mmask16 m, fg_vec v)
{
	cvrt_guard_write_lanes(p, (unsigned)m);
	_mm512_mask_storeu_ps(p, m, v);
}
#define fg_loadm(m, p) fg_loadm_guard((m), (p))
#define fg_storem(p, m, v) fg_storem_guard((p), (m), (v))
#else
#define fg_loadm(m, p) _mm512_maskz_loadu_ps((m), (p))
#define fg_storem(p, m, v) _mm512_mask_storeu_ps((p), (m), (v))
#endif
/*
 * Rows of at most 8 columns (mask m within the low 8 lanes) go through
 * 256-bit accesses, the upper lanes read as zeros: a 512-bit masked store
 * spans 64 bytes whatever its mask, and the next row's load of the same
 * 64 bytes (row r + 1 starts 8 floats later when M = 8) then waits until
 * that store retires instead of overlapping with it. With the exp-based
 * epilogues, which reload each row just stored, that serialized every row:
 * bench_conv, yolov8_small's stem (3x3/2, 3 -> 8 channels, SiLU) took
 * 0.181 ms against 0.058 ms without the activation. Not in fg_loadm and
 * fg_storem themselves: a test of the mask there cost the 1x1 c16>96 conv
 * of mobilenet_v2 24% (bench_conv).
 */
static inline fg_vec fg_loadm8(__mmask16 m, const float *p)
{
#ifdef CVRT_GUARD
	cvrt_guard_read_lanes(p, (unsigned)m);
#endif
	return _mm512_zextps256_ps512(_mm256_maskz_loadu_ps((__mmask8)m, p));
}
static inline void fg_storem8(float *p, __mmask16 m, fg_vec v)
{
#ifdef CVRT_GUARD
	cvrt_guard_write_lanes(p, (unsigned)m);
#endif
	_mm256_mask_storeu_ps(p, (__mmask8)m, _mm512_castps512_ps256(v));
}
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
#define FG_MR 6 /* rows of a two-vector tile; a one-vector tile takes up to FG_GR */
#define FG_NV 2
typedef __m256 fg_vec;
typedef __m256i fg_mask;
#define fg_zero() _mm256_setzero_ps()
#define fg_load(p) _mm256_loadu_ps(p)
#ifdef CVRT_GUARD /* each active lane checked first (cvrt_impl.h) */
static inline fg_vec fg_loadm_guard(__m256i m, const float *p)
{
	cvrt_guard_read_lanes(p, (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(m)));
	return _mm256_maskload_ps(p, m);
}
static inline void fg_storem_guard(float *p, __m256i m, fg_vec v)
{
	cvrt_guard_write_lanes(p, (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(m)));
	_mm256_maskstore_ps(p, m, v);
}
#define fg_loadm(m, p) fg_loadm_guard((m), (p))
#define fg_storem(p, m, v) fg_storem_guard((p), (m), (v))
#else
#define fg_loadm(m, p) _mm256_maskload_ps((p), (m))
#define fg_storem(p, m, v) _mm256_maskstore_ps((p), (m), (v))
#endif
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
/*
 * Rows per row group of a tile whose columns are one vector (M <= 8 with
 * AVX2; with AVX-512 FG_MR already). With AVX2, 6 rows x 2 vectors fill 12
 * of the 16 registers, but 6 rows x 1 vector left only 6 FMA chains for 2
 * FMA units of 4 cycles' latency (75% of peak at best); 12 rows are 12
 * accumulators + B + the broadcast. Tiles with a two-vector panel keep
 * groups of FG_MR (M = 24: one group size serves both panels).
 * bench_ab, AVX2 forced, 1 thread, alternated, AMD EPYC Zen 5: conv time
 * unet_small 0.93x, ppocr_det_small 0.89x.
 */
#define FG_GR 12

/*
 * The activations of a few operations, and SiLU, run in fg_fin on the
 * accumulators before the store; the other ones built on exp (cvrt_vmath.h)
 * in fg_act_rows, after the stores. SiLU, the one the detectors and
 * EfficientNet put after nearly every conv, moved into fg_fin: reloading
 * each row just stored and storing it again cost more than its 19
 * operations (bench_conv with CONV_ACT=silu, 1 thread pinned, alternated,
 * AMD EPYC Zen 5: AVX2 1x1 c16>96 0.857-0.868 -> 0.744-0.759 ms, c24>144
 * 0.416 -> 0.342, mobilenet_v2's 3x3/2 stem 0.363 -> 0.339; AVX-512
 * c16>96 0.392-0.397 -> 0.364, c24>144 0.18 -> 0.164, the stem 0.18 ->
 * 0.165; 3x3 convs with K >= 144 and the M = 8 stems unchanged), for 80 KB
 * more code and 0.8 s more compile time per object (squeezenet1_1's
 * runner 12.9 -> 13.6 s with make -j2). The others stay out: rarer after
 * a conv, and longer.
 */
static int fg_act_inreg(int kind)
{
	return kind == CVRT_ACT_NONE || kind == CVRT_ACT_RELU || kind == CVRT_ACT_CLIP ||
	       kind == CVRT_ACT_LEAKY_RELU || kind == CVRT_ACT_HARD_SIGMOID ||
	       kind == CVRT_ACT_HARD_SWISH || kind == CVRT_ACT_SILU;
}

#if FG_VW == 16
/* Rows of at most 8 columns (M <= 8 or the K-pair kernel's), two to a
 * vector: half the exp-based epilogue's work. */
#define FG_ACT_ROWS8(F)                                                           \
	if (nv == 1 && !(m & 0xff00u)) {                                          \
		for (r = 0; r < mr; r += 2) {                                     \
			float *y0 = k->yr[r] + k->j;                              \
			float *y1 = r + 1 < mr ? k->yr[r + 1] + k->j : y0;        \
			fg_vec hi = r + 1 < mr ? fg_loadm8(m, y1) : fg_zero();     \
			fg_vec v = F(_mm512_insertf32x8(fg_loadm8(m, y0),          \
						       _mm512_castps512_ps256(hi), 1)); \
			fg_storem8(y0, m, v);                                      \
			if (r + 1 < mr)                                           \
				fg_storem8(y1, m, _mm512_shuffle_f32x4(v, v, 0xee)); \
		}                                                                 \
		return;                                                           \
	}
#else
#define FG_ACT_ROWS8(F)
#endif
#define FG_ACT_ROWS(F)                                                            \
	FG_ACT_ROWS8(F)                                                           \
	for (r = 0; r < mr; r++) {                                                \
		float *yp = k->yr[r] + k->j;                                      \
		if (nv == 2)                                                      \
			fg_store(yp, F(fg_load(yp)));                             \
		fg_storem(yp + (nv - 1) * FG_VW, m, F(fg_loadm(m, yp + (nv - 1) * FG_VW))); \
	}

/*
 * The exp-based epilogue of the tile fg_body just stored (mr rows of nv
 * vectors, the last one m-masked), a vector at a time while the rows are
 * in L1. Not in fg_fin itself: expanded there, each of the 72 kernels
 * would carry 24 copies of the exp polynomial, and its call would spill
 * the accumulators of the rows not yet stored (SiLU takes that price:
 * fg_act_inreg).
 */
#define FG_ELU(v) vm_elu((v), k->act.a)
#define FG_SELU(v) vm_selu((v), k->act.a, k->act.b)
static NOINLINE void fg_act_rows(const fg_args *k, int mr, int nv, fg_mask m)
{
	int r;

	switch (k->act.kind) {
	case CVRT_ACT_SIGMOID:
		FG_ACT_ROWS(vm_sigmoid)
		break;
	/* The tile's 1 or 2 vectors per row are too few for act_inplace's
	 * loop (its call, constants and tail per row cost 10% of a GELU 1x1
	 * conv with AVX2). */
	case CVRT_ACT_TANH:
		FG_ACT_ROWS(vm_tanh)
		break;
	case CVRT_ACT_GELU:
		FG_ACT_ROWS(vm_gelu)
		break;
	case CVRT_ACT_GELU_TANH:
		FG_ACT_ROWS(vm_gelu_tanh)
		break;
	case CVRT_ACT_ERF:
		FG_ACT_ROWS(vm_erf)
		break;
	case CVRT_ACT_EXP:
		FG_ACT_ROWS(vm_exp)
		break;
	case CVRT_ACT_LOG:
		FG_ACT_ROWS(vm_log)
		break;
	case CVRT_ACT_SOFTPLUS:
		FG_ACT_ROWS(vm_softplus)
		break;
	case CVRT_ACT_ELU:
		FG_ACT_ROWS(FG_ELU)
		break;
	case CVRT_ACT_SELU:
		FG_ACT_ROWS(FG_SELU)
		break;
	case CVRT_ACT_MISH:
		FG_ACT_ROWS(vm_mish)
		break;
	default:
		for (r = 0; r < mr; r++)
			act_inplace(k->yr[r] + k->j, (nv - 1) * FG_VW + k->lastw, k->act);
		break;
	}
}

static ALWAYS_INLINE fg_vec fg_act(fg_vec v, const cvrt_act *act)
{
	switch (act->kind) {
	case CVRT_ACT_RELU:
		return fg_max(v, fg_zero());
	case CVRT_ACT_SILU:
		return vm_silu(v);
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
#define FG_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
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
	if (k->epi && !fg_act_inreg(k->act.kind))
		fg_act_rows(k, mr, nv, m);
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
#define FG_E(MR_) { fg_k_##MR_##_1, fg_k_##MR_##_2 }
#define FG_ES(MR_) { fg_ks_##MR_##_1, fg_ks_##MR_##_2 }
#define FG_ED(MR_) { fg_kd_##MR_##_1, fg_kd_##MR_##_2 }
#if FG_MR == 12
FG_K2(7) FG_K2(8) FG_K2(9) FG_K2(10) FG_K2(11) FG_K2(12)
#define FG_E7(MR_) FG_E(MR_)
#define FG_ES7(MR_) FG_ES(MR_)
#define FG_ED7(MR_) FG_ED(MR_)
#else /* rows 7-12: one-vector kernels only */
FG_K(7, 1) FG_K(8, 1) FG_K(9, 1) FG_K(10, 1) FG_K(11, 1) FG_K(12, 1)
#define FG_E7(MR_) { fg_k_##MR_##_1, NULL }
#define FG_ES7(MR_) { fg_ks_##MR_##_1, NULL }
#define FG_ED7(MR_) { fg_kd_##MR_##_1, NULL }
#endif
/* [mode][rows - 1][vectors - 1]; two-vector kernels up to FG_MR rows */
static const fg_kernel fg_kernels[3][FG_GR][FG_NV] = {
	{
		FG_E(1), FG_E(2), FG_E(3), FG_E(4), FG_E(5), FG_E(6),
		FG_E7(7), FG_E7(8), FG_E7(9), FG_E7(10), FG_E7(11), FG_E7(12),
	}, {
		FG_ES(1), FG_ES(2), FG_ES(3), FG_ES(4), FG_ES(5), FG_ES(6),
		FG_ES7(7), FG_ES7(8), FG_ES7(9), FG_ES7(10), FG_ES7(11), FG_ES7(12),
	}, {
		FG_ED(1), FG_ED(2), FG_ED(3), FG_ED(4), FG_ED(5), FG_ED(6),
		FG_ED7(7), FG_ED7(8), FG_ED7(9), FG_ED7(10), FG_ED7(11), FG_ED7(12),
	},
};
#if FG_VW == 16
/*
 * The K-pair kernel (AVX-512 only): a column chunk of at most 8 output
 * channels (M <= 8, or the last <= 8 columns of a wider chunk). A 16-lane
 * vector of one row would leave half its lanes empty, so that each FMA did
 * the work of an AVX2 one. Instead each FMA takes two K steps: lane 2c + s
 * accumulates A(row, kk + s) * B(kk + s, c), A read as one 8-byte broadcast
 * of the pair (kk, kk + 1), B from a stack panel of 16 floats per step that
 * interleaves its rows kk and kk + 1 (fg_bpair). Half the FMAs and A loads
 * of the 8-lane tile; at the end the two lanes of each column are added
 * (two permutes and an add per two rows) and the rows stored as 8 lanes.
 *
 * Pairs never cross a window row of a conv (A runs rl = kw * cg floats
 * long in x, see fg_args): a run of odd length ends with one single step,
 * its B odd lanes zero and the FMA masked to the even lanes. Packed rows
 * (mode 0) follow the same runs, so one B panel serves both; plain rows
 * (mode 1) are one run of kc.
 */
#define FG_PDECL(R) fg_vec p##R = fg_zero();
#define FG_PFMA2(R)                                                               \
	if (R < mr)                                                               \
		p##R = fg_fmadd(fg_bcast2(FG_APTR(R)), bv, p##R);
#define FG_PFMA1(R)                                                               \
	if (R < mr)                                                               \
		p##R = _mm512_mask3_fmadd_ps(fg_set1(FG_AROW(R)), bv, p##R, 0x5555);
/* &A(row R, kk), as FG_AROW reads it */
#define FG_APTR(R)                                                                \
	(!strided ? ap + (R) * FG_KCB                                             \
	 : ((R) / 3 == 0 ? ap : (R) / 3 == 1 ? a3 : (R) / 3 == 2 ? a6 : a9) + ((R) % 3) * lda)
#define FG_PAIRS(X) X(0, 1) X(2, 3) X(4, 5) X(6, 7) X(8, 9) X(10, 11)
#define FG_PFIN(R, S)                                                             \
	if (R < mr)                                                               \
		fg_pfin(k, R, S < mr, m8, base, p##R, S < mr ? p##S : fg_zero());

/* The pair (p[0], p[1]) broadcast to the 8 lane pairs. */
static inline fg_vec fg_bcast2(const float *p)
{
	double d;

	memcpy(&d, p, sizeof d);
	return _mm512_castpd_ps(_mm512_set1_pd(d));
}

/* Rows r and (two) r + 1 from their pair accumulators va, vb: lanes 0-7
 * of the sum are row r's 8 columns, lanes 8-15 row r + 1's; plus the bias
 * (base, both halves) or the partial sums in Y, the residual and the
 * in-register activation, stored as 8-lane rows (mask m8). */
static ALWAYS_INLINE void fg_pfin(const fg_args *k, int r, int two, fg_mask m8, fg_vec base,
				  fg_vec va, fg_vec vb)
{
	const __m512i ie = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
	const __m512i io = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
	fg_vec s = fg_add(_mm512_permutex2var_ps(va, ie, vb), _mm512_permutex2var_ps(va, io, vb));
	float *y0 = k->yr[r] + k->j, *y1 = two ? k->yr[r + 1] + k->j : y0;

	/* m8 is within the low 8 lanes */
	if (k->first)
		s = fg_add(s, base);
	else
		s = fg_add(s, _mm512_insertf32x8(fg_loadm8(m8, y0),
						 _mm512_castps512_ps256(two ? fg_loadm8(m8, y1) : fg_zero()), 1));
	if (k->epi) {
		if (k->rr) {
			const float *r0 = k->rr[r] + k->j;
			fg_vec hi = two ? fg_loadm8(m8, k->rr[r + 1] + k->j) : fg_zero();
			s = fg_add(s, _mm512_insertf32x8(fg_loadm8(m8, r0), _mm512_castps512_ps256(hi), 1));
		}
		/* SiLU (fg_act) and sigmoid (the small detectors' convs end in
		 * them) on the two rows in registers; other exp-based ones in
		 * fg_act_rows */
		if (k->act.kind == CVRT_ACT_SIGMOID)
			s = vm_sigmoid(s);
		else
			s = fg_act(s, &k->act);
	}
	fg_storem8(y0, m8, s);
	if (two)
		fg_storem8(y1, m8, _mm512_shuffle_f32x4(s, s, 0xee));
}

/* N steps of a run: pairs, then a single step when N is odd. */
#define FG_PRUN(N)                                                                \
	do {                                                                      \
		int n_ = (N);                                                     \
		_Pragma("GCC unroll 2") for (kk = 0; kk + 1 < n_; kk += 2) {      \
			fg_vec bv = fg_load(bp);                                  \
			bp += 16;                                                 \
			FG_ROWS(FG_PFMA2)                                         \
			ap += 2, a3 += 2, a6 += 2, a9 += 2;                       \
		}                                                                 \
		if (n_ & 1) {                                                     \
			fg_vec bv = fg_load(bp);                                  \
			bp += 16;                                                 \
			FG_ROWS(FG_PFMA1)                                         \
			ap++, a3++, a6++, a9++;                                   \
		}                                                                 \
	} while (0)

/* Y[mr rows, k->lastw <= 8 columns from k->j] (+)= A block * B block (B as
 * fg_bpair lays it out at k->b), then the epilogue; A rows as in fg_body. */
static ALWAYS_INLINE void fg_pbody(const int mr, const int mode, const fg_args *k)
{
	const int strided = mode != 0;
	fg_mask m8 = fg_mkmask(k->lastw);
	const float *ap = k->a, *bp = k->b;
	const int64_t lda = strided ? k->lda : FG_KCB;
	const float *a3 = strided && mr > 3 ? ap + 3 * lda : ap;
	const float *a6 = strided && mr > 6 ? ap + 6 * lda : ap;
	const float *a9 = strided && mr > 9 ? ap + 9 * lda : ap;
	fg_vec base = fg_zero();
	int kk, i, kc = k->kc;
	FG_ROWS(FG_PDECL)

	/* The next weight block is small when M <= 8: all of it now. */
	for (i = 0; i < k->npf; i++)
		_mm_prefetch((const char *)(k->pf + 16 * i), _MM_HINT_T1);
	if (k->first && k->bias) {
		fg_vec b8 = fg_loadm(m8, k->bias + k->j);
		base = _mm512_insertf32x8(b8, _mm512_castps512_ps256(b8), 1);
	}
	if (mode == 1) {
		FG_PRUN(kc);
	} else {
		/* One run per window row the block touches (see fg_body). */
		int ky = k->k0 / k->rl, o = k->k0 % k->rl, done = 0;
		const float *a0 = k->a;
		while (done < kc) {
			int run = k->rl - o < kc - done ? k->rl - o : kc - done;
			if (mode == 2) {
				ap = a0 + ky * k->rowstep + o;
				a3 = mr > 3 ? ap + 3 * lda : ap;
				a6 = mr > 6 ? ap + 6 * lda : ap;
				a9 = mr > 9 ? ap + 9 * lda : ap;
			}
			FG_PRUN(run);
			done += run;
			ky++;
			o = 0;
		}
	}
	FG_PAIRS(FG_PFIN)
	if (k->epi && !fg_act_inreg(k->act.kind) && k->act.kind != CVRT_ACT_SIGMOID)
		fg_act_rows(k, mr, 1, m8);
}

#define FG_PK(MR_)                                                                \
	static void fg_pk_##MR_(const fg_args *k)                                 \
	{                                                                         \
		fg_pbody(MR_, 0, k);                                              \
	}                                                                         \
	static void fg_pks_##MR_(const fg_args *k)                                \
	{                                                                         \
		fg_pbody(MR_, 1, k);                                              \
	}                                                                         \
	static void fg_pkd_##MR_(const fg_args *k)                                \
	{                                                                         \
		fg_pbody(MR_, 2, k);                                              \
	}
FG_PK(1) FG_PK(2) FG_PK(3) FG_PK(4) FG_PK(5) FG_PK(6)
FG_PK(7) FG_PK(8) FG_PK(9) FG_PK(10) FG_PK(11) FG_PK(12)
/* [mode][rows - 1] */
static const fg_kernel fg_pkernels[3][FG_MR] = {
	{fg_pk_1, fg_pk_2, fg_pk_3, fg_pk_4, fg_pk_5, fg_pk_6,
	 fg_pk_7, fg_pk_8, fg_pk_9, fg_pk_10, fg_pk_11, fg_pk_12},
	{fg_pks_1, fg_pks_2, fg_pks_3, fg_pks_4, fg_pks_5, fg_pks_6,
	 fg_pks_7, fg_pks_8, fg_pks_9, fg_pks_10, fg_pks_11, fg_pks_12},
	{fg_pkd_1, fg_pkd_2, fg_pkd_3, fg_pkd_4, fg_pkd_5, fg_pkd_6,
	 fg_pkd_7, fg_pkd_8, fg_pkd_9, fg_pkd_10, fg_pkd_11, fg_pkd_12},
};
#endif /* FG_VW == 16 */
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
 * Columns of the chunk [jp, jp + wd) (nv vectors) that the K-pair kernel
 * takes: its last <= 8 under AVX-512 (all of an M <= 8 chunk; 8 of a
 * 24-column one, whose other 16 fill a vector), when the runs of A are long
 * enough to pair (K, or a window row kw * cg, at least 4). Else 0.
 */
static int fg_pair_cols(const igemm *G, int64_t K, int wd, int nv)
{
#if FG_VW == 16
	int last = wd - (nv - 1) * FG_VW;

	if (last <= 8 && (G->plain ? K : (int64_t)G->kw * G->cg) >= 4)
		return last;
#else
	(void)G, (void)K, (void)wd, (void)nv;
#endif
	return 0;
}

#if FG_VW == 16
/* The K-pair kernel's B (fg_pbody): rows [k0, k0 + kc) x columns
 * [jp, jp + wd) of G, wd <= 8, into d: per step 16 floats, lane 2c row kk
 * and lane 2c + 1 row kk + 1 of column jp + c (zeros past wd), the steps
 * pairing rows within the runs of rl (0: one run) as fg_pbody pairs A;
 * an odd run's last step has zeros in its odd lanes. */
static void fg_bpair(const igemm *G, int64_t K, int k0, int kc, int jp, int wd, int rl, float *d)
{
	/* lanes 2c, 2c + 1 <- row kk lane c, row kk + 1 lane c */
	const __m512i il = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
	fg_mask m = fg_mkmask(wd);
	const float *src;
	int64_t ss;
	int done = 0, o = rl ? k0 % rl : 0, kk;

	if (G->pc) {
		src = G->b + ((int64_t)jp / G->pc * K + k0) * G->pc + jp % G->pc;
		ss = G->pc;
	} else {
		src = G->b + (int64_t)k0 * G->ldb + jp;
		ss = G->ldb;
	}
	while (done < kc) {
		int run = rl && rl - o < kc - done ? rl - o : kc - done;
		for (kk = 0; kk + 1 < run; kk += 2, d += 16, src += 2 * ss)
			fg_store(d, _mm512_permutex2var_ps(fg_loadm(m, src), il, fg_loadm(m, src + ss)));
		if (run & 1) {
			fg_store(d, _mm512_permutex2var_ps(fg_loadm(m, src), il, fg_zero()));
			d += 16;
			src += ss;
		}
		done += run;
		o = 0;
	}
}
#endif

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

/* Appends run [p0, p0 + n) split into balanced groups of at most maxr
 * rows: 49 rows run as 10+10+10+10+9, not 12*4+1. */
static int fg_add_groups(fg_group *g, int ng, int p0, int n, int packed, int maxr)
{
	int parts = (n + maxr - 1) / maxr, i;

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
static int fg_conv_groups(const igemm *G, int pix0, int pix1, int direct, int maxr,
			  fg_group *g, int *plist, int *npk)
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
			ng = fg_add_groups(g, ng, i, hi - i, 0, maxr);
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
		ng = fg_add_groups(g, 0, 0, n, 1, maxr);
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
#if FG_VW == 16
	/* the K-pair kernel's B, after fg_bblock's (at most kc x 16 floats
	 * beside a K-pair chunk): at most kc steps of 16 floats */
	float *bpk2 = bpk + FG_KCB_PLAIN * FG_VW;
	fg_args kp; /* the K-pair kernel's arguments */
#endif
	float *yr[FG_GR];
	const float *rr[FG_GR], *nb;
	int nbrows;
	int64_t nl; /* 64-byte lines of the next weight block */
	/* A conv's window row is contiguous in x (one group, no dilation
	 * across columns): interior pixels read it in place (direct). */
	int direct = !G->plain && G->dw == 1 && G->xpix == G->cg;
	/* rows per group: FG_GR when every panel is one vector */
	int maxr = j1 - j0 <= FG_VW ? FG_GR : FG_MR;
	fg_args ka;

	if (G->plain) {
		ngr = fg_add_groups(grp, 0, pix0, np, 0, maxr);
	} else {
		/* One division per tile, not per pixel: with few channels it shows;
		 * and a loop per output row without the wrap test, which the
		 * compiler vectorizes (the per-pixel loop with it was 4% of a
		 * 3x3 c8 > 8 conv's time with AVX2, perf on bench_conv). */
		int oy = pix0 / G->ow, ox = pix0 % G->ow;
		for (i = 0; i < np; oy++, ox = 0) {
			int n = G->ow - ox < np - i ? G->ow - ox : np - i, e;
			int iy = oy * G->sh - G->pad_t, ix = ox * G->sw - G->pad_l;
			for (e = 0; e < n; e++) {
				iy0[i + e] = iy;
				ix0[i + e] = ix + e * G->sw;
			}
			i += n;
		}
		ngr = fg_conv_groups(G, pix0, pix1, direct, maxr, grp, plist, &npk);
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
		ka.first = kb == 0 && !G->acc;
		ka.epi = kb == nkb - 1 && !G->ep;
		for (jp = j0; jp < j1; jp += FG_PW) {
			int wd = j1 - jp < FG_PW ? j1 - jp : FG_PW;
			int nv = (wd + FG_VW - 1) / FG_VW;
			/* wp columns by the K-pair kernel, the wm before them by fg_body */
			int wp = fg_pair_cols(G, K, wd, nv), wm = wd - wp, nvm = (wm + FG_VW - 1) / FG_VW;
			ka.j = jp;
			ka.lastw = wm - (nvm - 1) * FG_VW;
			if (wm)
				fg_bblock(G, K, k0, kc, jp, wm, nvm, ngr == 1, bpk, &ka);
#if FG_VW == 16
			if (wp) {
				fg_bpair(G, K, k0, kc, jp + wm, wp, G->plain ? 0 : ka.rl, bpk2);
				/* Copied here, once per chunk: per group, the copy's
				 * wide loads of fields just stored stalled (bench_conv,
				 * the yolov8_small stem: 16% of fg_tile's time). */
				kp = ka;
				kp.j = jp + wm;
				kp.lastw = wp;
				kp.b = bpk2;
				kp.bstride = 16;
			}
#endif
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
				if (wm)
					fg_kernels[mode][rows - 1][nvm - 1](&ka);
#if FG_VW == 16
				if (wp) {
					kp.a = ka.a;
					kp.lda = ka.lda;
					kp.pf = ka.pf;
					kp.npf = wm ? 0 : ka.npf;
					fg_pkernels[mode][rows - 1](&kp);
				}
#endif
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
void fg_run(const igemm *G, int images, int64_t xstride, int64_t ystride,
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
