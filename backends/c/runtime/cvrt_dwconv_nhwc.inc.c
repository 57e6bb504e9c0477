/*
 * cvrt_dwconv_nhwc.inc.c - the NHWC depthwise register kernel (dwk_*), part
 * of cvrt_window.c: included there (after the vector macros, win_act and
 * nhwc_rows), not compiled on its own.
 *
 * The general window kernel (WIN_NHWC_BLOCK) reloads every tap vector for
 * each four pixels and each input vector once per tap, with run-time tap
 * loops. For depthwise convs with column dilation 1, kw in {3, 5, 7} and
 * column stride 1 or 2 (MobileNet's 3x3, EfficientNet's and MNASNet's 5x5,
 * ConvNeXt's 7x7), dwk_run computes the runs of output pixels whose window
 * columns all lie inside the input: for one channel vector and a block of P
 * pixels, the P accumulators stay in registers over every valid window row;
 * per row, the KW tap vectors of that row are loaded into registers and the
 * (P - 1)*S + KW input columns the block reads are each loaded once and fed
 * to every pixel whose window holds them. Per block and row, KW + (P - 1)*S
 * + KW loads for P*KW multiply-adds. The rows are a run-time loop over the
 * valid window rows, so the top and bottom border rows (fewer valid rows),
 * any kh and any row dilation take the same kernel, and the left and right
 * border columns run the same code with the loads of columns outside the
 * input replaced by zeros (the edge form), in short blocks.
 * Pixels outer, channels inner, so each input row is swept once in order.
 * 3x3 runs with all 3 rows valid keep dw3_run (cvrt_window.c), which measured
 * faster on a DRAM-bound 10x56x56x144 (2.0 vs 2.6 ms).
 * Measured (one thread, one conv, AMD EPYC family 26 with AVX-512, general
 * path -> dwk):
 * 28x28 c240 5x5/1 0.163 -> 0.088 ms, 14x14 c672 5x5/1 0.139 -> 0.084,
 * 56x56 c144 5x5/2 0.106 -> 0.083, 56x56 c96 7x7/1 0.435 -> 0.226.
 */

/*
 * P: pixels per block, so that P accumulators + KW taps + a column or two
 * fit the registers (32 zmm, 16 ymm; measured, see the header). A run goes
 * in blocks of P, then 8, 4, 2 and 1 pixels (the 10 interior pixels of a
 * 14-wide 5x5 row: 8 + 2, 1.3x faster than 4 + 4 + 1 + 1); its border pixels
 * (edge runs) in blocks of 2 and 1; a masked leftover channel vector in
 * blocks of 4 and 1 (edge: 1). Few block sizes keep the unrolled code
 * small: cvrt_window.c is compiled for every model. The portable build (vectors as structs)
 * takes 4 pixels: its code is larger still.
 */
#if VW == 16
#define DWK_P3 12
#define DWK_P5 12
#define DWK_P7 16
#elif defined(__AVX2__)
#define DWK_P3 8
#define DWK_P5 8
#define DWK_P7 12
#else
#define DWK_P3 4
#define DWK_P5 4
#define DWK_P7 4
#endif

/* The kernel's loops have constant trip counts: unrolled whole, so that its
 * vector arrays live in registers. */
#if defined(__clang__)
#define DWK_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define DWK_UNROLL _Pragma("GCC unroll 64")
#else
#define DWK_UNROLL
#endif

/* What a dwk_run reads besides the run: see DWK_RUN. */
typedef struct dwk_args {
	const nhwc_rows *rw;
	int64_t c;
	int w;
	const float *wk, *bias;
	const cvrt_act *act;
} dwk_args;

/* Input column J of the window row of a block at pixel PX (EDGE: 0 outside
 * the input). */
#define DWK_COL(S, EDGE, LD, PX, J)                                                     \
	(!(EDGE) || (ix0 + (int64_t)(PX) * (S) + (J) >= 0 && ix0 + (int64_t)(PX) * (S) + (J) < w) \
		 ? LD(xr_ + (int64_t)(J) * c)                                           \
		 : V_SET1(0.0f))

/* Pixels [PX, PX + P) of channel vector cc, every valid window row. */
#define DWK_BLOCK(KW, S, P, EDGE, LD, ST, PX)                                           \
	do {                                                                            \
		vf acc_[P], bv_ = bias ? LD(bias + cc) : V_SET1(0.0f);                  \
		int j_, q_, r_;                                                         \
		DWK_UNROLL for (j_ = 0; j_ < (P); j_++) acc_[j_] = bv_;                 \
		for (r_ = 0; r_ < rw->nky; r_++) {                                      \
			const float *xr_ = rw->x0 + r_ * rw->step + (ix0 + (int64_t)(PX) * (S)) * c + cc; \
			const float *tr_ = wk + (int64_t)(rw->ky0 + r_) * (KW) * c + cc; \
			vf t_[KW];                                                      \
			DWK_UNROLL for (j_ = 0; j_ < (KW); j_++) t_[j_] = LD(tr_ + j_ * c); \
			DWK_UNROLL for (j_ = 0; j_ < ((P) - 1) * (S) + (KW); j_++) {    \
				vf col_ = DWK_COL(S, EDGE, LD, PX, j_);                 \
				DWK_UNROLL for (q_ = 0; q_ < (P); q_++)                 \
					if (j_ - q_ * (S) >= 0 && j_ - q_ * (S) < (KW))  \
						acc_[q_] = V_FMA(col_, t_[j_ - q_ * (S)], acc_[q_]); \
			}                                                               \
		}                                                                       \
		DWK_UNROLL for (j_ = 0; j_ < (P); j_++) {                               \
			vf v_ = acc_[j_];                                               \
			int64_t o_ = (int64_t)((PX) + j_) * c + cc;                     \
			if (rr)                                                         \
				v_ = V_ADD(v_, LD(rr + o_));                            \
			ST(y + o_, win_act(v_, act));                                   \
		}                                                                       \
	} while (0)

/* The whole channel vectors of pixels [p, p + P). */
#define DWK_VECS(KW, S, P, EDGE)                                                        \
	for (cc = 0; cc < cbig; cc += VW)                                               \
		DWK_BLOCK(KW, S, P, EDGE, V_LOAD, V_STORE, p)

/* The masked leftover vector (cc = cbig) of pixels [q, q + P). */
#define DWK_TAIL(KW, S, P, EDGE) DWK_BLOCK(KW, S, P, EDGE, WIN_LDM, WIN_STM, q)

/*
 * n output pixels of one row, column stride S: a->rw the valid window rows,
 * ix0 the input column of pixel 0's first tap, a->w the input width,
 * a->wk the taps ([kh, KW, c] hwc), a->bias [c] or NULL, rr the residual
 * ([n, c]) or NULL, y the output ([n, c]). edge 0: every tap column of the
 * n pixels lies inside the input; edge 1: any pixels (those outside get
 * zeros instead of loads, for the border columns). Activations win_act
 * applies are applied in registers, the others by act_inplace per block.
 */
#define DWK_RUN(NAME, KW, S, P)                                                         \
	static void NAME(const dwk_args *a, int64_t ix0, int n, int edge, const float *rr, \
			 float *y)                                                      \
	{                                                                               \
		const nhwc_rows *rw = a->rw;                                            \
		const int64_t c = a->c, cbig = c / VW * VW;                             \
		const int w = a->w;                                                     \
		const float *wk = a->wk, *bias = a->bias;                               \
		const cvrt_act *act = a->act;                                           \
		int64_t cc;                                                             \
		int p, q, np;                                                           \
		(void)w;                                                                \
		for (p = 0; p < n; p += np) {                                           \
			if (edge) {                                                     \
				np = n - p >= 2 ? 2 : 1;                                \
				if (np == 2)                                            \
					DWK_VECS(KW, S, 2, 1);                          \
				else                                                    \
					DWK_VECS(KW, S, 1, 1);                          \
			} else {                                                        \
				np = n - p >= (P) ? (P) : n - p >= 8 ? 8 : n - p >= 4 ? 4 \
				   : n - p >= 2 ? 2 : 1;                                \
				if (np == (P))                                          \
					DWK_VECS(KW, S, P, 0);                          \
				else if ((P) > 8 && np == 8)                            \
					DWK_VECS(KW, S, 8, 0);                          \
				else if ((P) > 4 && np == 4)                            \
					DWK_VECS(KW, S, 4, 0);                          \
				else if (np == 2)                                       \
					DWK_VECS(KW, S, 2, 0);                          \
				else                                                    \
					DWK_VECS(KW, S, 1, 0);                          \
			}                                                               \
			if (cbig < c) {                                                 \
				vmask m_ = V_MASK((int)(c - cbig));                     \
				(void)m_;                                               \
				cc = cbig;                                              \
				for (q = p; q < p + np; q++) {                          \
					if (edge) {                                     \
						DWK_TAIL(KW, S, 1, 1);                  \
					} else if (p + np - q >= 4) {                   \
						DWK_TAIL(KW, S, 4, 0);                  \
						q += 3;                                 \
					} else {                                        \
						DWK_TAIL(KW, S, 1, 0);                  \
					}                                               \
				}                                                       \
			}                                                               \
			if (!win_act_inreg(act->kind))                                  \
				act_inplace(y + (int64_t)p * c, (int64_t)np * c, *act); \
		}                                                                       \
	}

DWK_RUN(dwk_run3s1, 3, 1, DWK_P3)
DWK_RUN(dwk_run3s2, 3, 2, DWK_P3)
DWK_RUN(dwk_run5s1, 5, 1, DWK_P5)
DWK_RUN(dwk_run5s2, 5, 2, DWK_P5)
DWK_RUN(dwk_run7s1, 7, 1, DWK_P7)
DWK_RUN(dwk_run7s2, 7, 2, DWK_P7)

typedef void (*dwk_fn)(const dwk_args *, int64_t, int, int, const float *, float *);

/* The dwk_run of row job (wn, jb), or NULL when it takes the general path. */
static dwk_fn dwk_pick(const win2d *wn, const win_job *jb)
{
	static const dwk_fn fns[3][2] = {
		{ dwk_run3s1, dwk_run3s2 }, { dwk_run5s1, dwk_run5s2 }, { dwk_run7s1, dwk_run7s2 },
	};

	if (jb->kind != WIN_DW || wn->dw != 1 || (wn->sw != 1 && wn->sw != 2) ||
	    (wn->kw != 3 && wn->kw != 5 && wn->kw != 7))
		return NULL;
	return fns[wn->kw / 2 - 1][wn->sw - 1];
}
