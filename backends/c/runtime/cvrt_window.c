/*
 * cvrt_window.c - sliding windows: max/average pooling and depthwise convolution.
 *
 * Kernels of cvrt.h, compiled once per ISA (cvrt_impl.h).
 */
#include "cvrt_impl.h"
#include "cvrt_transpose.h"

/* This object's versions of the entry points (cvrt_window_api.c calls them). */
#define cvrt_maxpool2d CVRT_FN(cvrt_maxpool2d)
#define cvrt_avgpool2d CVRT_FN(cvrt_avgpool2d)
#define cvrt_maxpool2d_nhwc CVRT_FN(cvrt_maxpool2d_nhwc)
#define cvrt_avgpool2d_nhwc CVRT_FN(cvrt_avgpool2d_nhwc)
#define cvrt_dwconv2d CVRT_FN(cvrt_dwconv2d)
#define cvrt_dwconv2d_nhwc CVRT_FN(cvrt_dwconv2d_nhwc)

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
#ifdef CVRT_GUARD /* each active lane checked first (cvrt_impl.h) */
static inline vf v_loadm_guard(const float *p, vmask m)
{
	cvrt_guard_read_lanes(p, (unsigned)m);
	return _mm512_maskz_loadu_ps(m, p);
}
static inline void v_storem_guard(float *p, vmask m, vf v)
{
	cvrt_guard_write_lanes(p, (unsigned)m);
	_mm512_mask_storeu_ps(p, m, v);
}
#define V_LOADM(p, m) v_loadm_guard((p), (m))
#define V_STOREM(p, m, v) v_storem_guard((p), (m), (v))
#else
#define V_LOADM(p, m) _mm512_maskz_loadu_ps((m), (p))
#define V_STOREM(p, m, v) _mm512_mask_storeu_ps((p), (m), (v))
#endif
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
#ifdef CVRT_GUARD /* each active lane checked first (cvrt_impl.h) */
static inline vf v_loadm_guard(const float *p, vmask m)
{
	cvrt_guard_read_lanes(p, (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(m)));
	return _mm256_maskload_ps(p, m);
}
static inline void v_storem_guard(float *p, vmask m, vf v)
{
	cvrt_guard_write_lanes(p, (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(m)));
	_mm256_maskstore_ps(p, m, v);
}
#define V_LOADM(p, m) v_loadm_guard((p), (m))
#define V_STOREM(p, m, v) v_storem_guard((p), (m), (v))
#else
#define V_LOADM(p, m) _mm256_maskload_ps((p), (m))
#define V_STOREM(p, m, v) _mm256_maskstore_ps((p), (m), (v))
#endif
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
MAYBE_UNUSED static inline vf v_min(vf a, vf b)
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


/* The activations a DW block applies before its store, on its registers
 * (cvrt_vmath.h): the few-operation ones win_act1 knows; the exp-based ones
 * (sigmoid ... mish), act_inplace on the stored block (vectorized too;
 * inlined here, the exp would be copied into every block of every kernel). */
static int win_act_inreg(int kind)
{
	return kind == CVRT_ACT_NONE || kind == CVRT_ACT_RELU || kind == CVRT_ACT_CLIP ||
	       kind == CVRT_ACT_LEAKY_RELU || kind == CVRT_ACT_HARD_SIGMOID ||
	       kind == CVRT_ACT_HARD_SWISH;
}

static inline vm_vec win_act1(vm_vec v, const cvrt_act *act)
{
	switch (act->kind) {
	case CVRT_ACT_RELU:
		return vm_max(v, vm_set1(0.0f));
	case CVRT_ACT_CLIP:
		return vm_min(vm_max(v, vm_set1(act->a)), vm_set1(act->b));
	case CVRT_ACT_LEAKY_RELU:
		return vm_sel(vm_lt(v, vm_set1(0.0f)), vm_mul(v, vm_set1(act->a)), v);
	case CVRT_ACT_HARD_SIGMOID:
		return vm_hard_sigmoid(v, act->a, act->b);
	case CVRT_ACT_HARD_SWISH:
		return vm_hard_swish(v);
	default:
		return v;
	}
}

static inline vf win_act(vf v, const cvrt_act *act)
{
#if VM_VW == VW
	return win_act1(v, act);
#else
	int i;
	for (i = 0; i < VW; i++)
		v.f[i] = win_act1(v.f[i], act);
	return v;
#endif
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
 * R output rows by P pixels and loads each input column of the block once
 * per input row: a column feeds up to 3 neighbouring pixels at stride 1.
 * Per block and input row, (P - 1)*S + 3 loads; R + 2 input rows for 9*R*P
 * multiply-adds.
 * Measured (one thread, single conv, all of it in this path but the borders):
 * 112x112 c32 s1 0.180 -> 0.113 ms, 56x56 c144 s1 0.211 -> 0.175, 14x14
 * c576 s1 0.054 -> 0.040, 56x56 c144 s2 0.069 -> 0.052.
 * Pixels outer, channels inner, so each input row is swept once in order (the
 * other way round, 112x112 c96 s2 went 0.22 -> 0.24 ms: 6 strided sweeps).
 *
 * Large maps are bound by moving the rows, not by the multiply-adds: at
 * stride 1 both ways win_nhwc hands out pairs of output rows and
 * dw3_run1x2 (R = 2) computes both from 4 input rows, where two R = 1
 * passes read 6 (a third fewer L1 fills); each block also prefetches the
 * columns its successor takes from the input rows that no earlier row pass
 * touched (rows 2.. of the block), which come from DRAM or L3. A run's last
 * n % P pixels go in a block of P/2 if they can, then one by one (before:
 * all one by one).
 * Measured (Zen 5 EPYC, one thread, the models bench/bench_dw.py --layout
 * nhwc emits, old and new binary alternated, medians; ms; the machine
 * shared, so +-5%): AVX-512
 *   10x56x56x144 (from DRAM): 4.1 -> 3.1 (two rows alone 4.5 -> 4.4, 4.0 -> 3.7)
 *   1x80x80x320:              1.20 -> 0.95 (two rows alone 1.22 -> 1.14)
 *   1x40x40x640:              0.39 -> 0.33
 * and AVX2 3.8 -> 3.1, 1.25 -> 1.04, 0.50 -> 0.45; bench_dw's own table
 * (bench/RESULTS.md): 4.15 -> 3.09, 1.07 -> 0.90, 0.338 -> 0.308, that is
 * 0.30, 0.47 and 0.69 of a 38.7 GB/s stream triad. Tried and not kept:
 * channel vectors outer in bands of 4 blocks or a whole run, prefetching
 * 2-8 blocks ahead or into L2, prefetching the next block's output lines
 * for writing: all within the noise. Non-temporal stores cut 10x56x56x144
 * further to 2.45 ms and 1x80x80x320 to 0.84 (no write-allocate reads), but
 * the next layer of a net usually reads this output from L2/L3, and the
 * runtime has no cache size to decide by: not taken.
 */
#if VW == 16
#define DW3_P1 8  /* stride 1: 8 accumulators + 9 taps + the columns in flight */
#define DW3_P2 4  /* stride 2: 4 + 9 + the columns in flight */
#define DW3_P12 8 /* two rows: 16 + 9 + the columns in flight of 32 zmm */
#else /* 16 vector registers */
#define DW3_P1 4
#define DW3_P2 2
#define DW3_P12 2 /* 4 + 9 + the column in use (4 measured no faster) */
#endif

/* Constant trip counts, unrolled whole so that acc_ lives in registers
 * (GCC 12 left the two-row block's nest rolled, acc_ on the stack:
 * 1x80x80x320 1.2 -> 2.0 ms). */
#if defined(__clang__)
#define DW3_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define DW3_UNROLL _Pragma("GCC unroll 16")
#else
#define DW3_UNROLL
#endif

/* Read prefetch into L1 of the line off_ bytes after p_ (as integers: the
 * lines after a run's last block may lie past the tensor; a prefetch never
 * faults). */
#if defined(__GNUC__)
#define DW3_PF(p_, off_) \
	__builtin_prefetch((const void *)((uintptr_t)(p_) + (uintptr_t)(off_)), 0, 3)
#else
#define DW3_PF(p_, off_) ((void)(p_), (void)(off_))
#endif

/*
 * Pixels [p, p + P) of channel vector cc in output rows 0..R-1: taps t,
 * start bv. Input row r_ feeds output row o_ through tap row r_ - o_; each
 * column is loaded once and used at once, so only the accumulators and the
 * taps stay live. Every accumulator sums its taps in the order ky, kx (as
 * before the two-row form: the same results to the bit). Rows r_ >= 2 are
 * new to this row pass: PF (full blocks) prefetches the next block's P*S
 * new columns of them (measured: rows 0.. or a longer distance were no
 * better; in the tail blocks too, 10x7x7x960, all in L2, went 0.194 ->
 * 0.196 ms).
 */
#define DW3_BLOCK(R, P, S, PF, LD, ST)                                                  \
	do {                                                                            \
		vf acc_[R][P];                                                          \
		int j_, kx_, r_, o_, q_;                                                \
		DW3_UNROLL for (o_ = 0; o_ < (R); o_++)                                 \
			DW3_UNROLL for (j_ = 0; j_ < (P); j_++)                         \
				acc_[o_][j_] = bv;                                      \
		DW3_UNROLL for (r_ = 0; r_ < (R) + 2; r_++) {                           \
			const float *xr_ = rows[r_] + (ix0 + (int64_t)p * (S)) * c + cc; \
			if ((PF) && r_ >= 2)                                            \
				DW3_UNROLL for (j_ = 0; j_ < (P) * (S); j_++)           \
					DW3_PF(xr_, (j_ + ((P) - 1) * (S) + 3) * c * 4); \
			DW3_UNROLL for (j_ = 0; j_ < ((P) - 1) * (S) + 3; j_++) {       \
				vf x_ = LD(xr_ + (int64_t)j_ * c);                      \
				DW3_UNROLL for (o_ = 0; o_ < (R); o_++) {               \
					if (r_ - o_ < 0 || r_ - o_ > 2)                 \
						continue;                               \
					DW3_UNROLL for (kx_ = 0; kx_ < 3; kx_++) {      \
						q_ = j_ - kx_;                          \
						if (q_ < 0 || q_ % (S) ||               \
						    q_ / (S) >= (P))                    \
							continue;                       \
						acc_[o_][q_ / (S)] = V_FMA(             \
							x_, t[(r_ - o_) * 3 + kx_],     \
							acc_[o_][q_ / (S)]);            \
					}                                               \
				}                                                       \
			}                                                               \
		}                                                                       \
		DW3_UNROLL for (o_ = 0; o_ < (R); o_++)                                 \
			DW3_UNROLL for (j_ = 0; j_ < (P); j_++) {                       \
				vf v_ = acc_[o_][j_];                                   \
				int64_t i_ = (int64_t)(p + j_) * c + cc;                \
				if (rr[o_])                                             \
					v_ = V_ADD(v_, LD(rr[o_] + i_));                \
				ST(y[o_] + i_, win_act(v_, act));                       \
			}                                                               \
	} while (0)

/*
 * Channel vector cc over pixels [p0, p1): its taps and start value (bias or
 * 0), then one block of P pixels, or of P/2, or pixel by pixel (the run's
 * last p1 - p0 < P pixels).
 */
#define DW3_VECTOR(R, P, S, LD, ST)                                                     \
	do {                                                                            \
		for (k = 0; k < 9; k++)                                                 \
			t[k] = LD(wk + k * c + cc);                                     \
		bv = bias ? LD(bias + cc) : V_SET1(0.0f);                               \
		p = p0;                                                                 \
		if (p1 - p0 == (P))                                                     \
			DW3_BLOCK(R, P, S, 1, LD, ST);                                  \
		else if ((P) > 2 && p1 - p0 == (P) / 2)                                 \
			DW3_BLOCK(R, (P) / 2, S, 0, LD, ST);                            \
		else                                                                    \
			for (; p < p1; p++)                                             \
				DW3_BLOCK(R, 1, S, 0, LD, ST);                          \
	} while (0)

/*
 * n output pixels of R output rows, stride S, all 9 taps inside the input:
 * rows[R + 2] are the input rows ([w, c]), ix0 the input column of pixel 0's
 * first tap, wk the taps ([3, 3, c] hwc), bias [c] or NULL, rr[R] the
 * residual rows ([n, c]) or NULLs, y[R] the output rows ([n, c]); act in
 * registers (win_act) only. R = 2 needs stride 1 down too: output row 1
 * reads input rows 1..3.
 */
#define DW3_RUN(NAME, R, S, P)                                                          \
	static void NAME(const float *const rows[], int64_t c, int ix0, int n,          \
			 const float *wk, const float *bias, const cvrt_act *act,       \
			 const float *const rr[], float *const y[])                     \
	{                                                                               \
		int64_t cc, cbig = c / VW * VW;                                         \
		vf t[9], bv;                                                            \
		int k, p, p0, p1;                                                       \
		for (p0 = 0; p0 < n; p0 = p1) {                                         \
			p1 = p0 + (P) <= n ? p0 + (P)                                   \
			     : (P) > 2 && p0 + (P) / 2 <= n ? p0 + (P) / 2 : n;         \
			for (cc = 0; cc < cbig; cc += VW)                               \
				DW3_VECTOR(R, P, S, V_LOAD, V_STORE);                   \
			if (cc < c) {                                                   \
				vmask m_ = V_MASK((int)(c - cc));                       \
				(void)m_;                                               \
				DW3_VECTOR(R, P, S, WIN_LDM, WIN_STM);                  \
			}                                                               \
		}                                                                       \
	}

DW3_RUN(dw3_run1, 1, 1, DW3_P1)
DW3_RUN(dw3_run2, 1, 2, DW3_P2)
DW3_RUN(dw3_run1x2, 2, 1, DW3_P12)

/* Whether row job (wn, jb) takes dw3_run for its interior runs of full rows. */
static int dw3_ok(const win2d *wn, const win_job *jb)
{
	return jb->kind == WIN_DW && wn->kh == 3 && wn->kw == 3 && wn->dh == 1 && wn->dw == 1 &&
	       (wn->sw == 1 || wn->sw == 2) && win_act_inreg(jb->act.kind);
}

/*
 * The NHWC depthwise register kernel (dwk_run) doubles this family's
 * compile time (about 1.3 -> 2.7 s an object with -O3; 5.3 s portable), so
 * it is built only where it can run: when the emitted Makefile says the
 * model has an NHWC depthwise conv (CVRT_DWK, from convc), and not in the
 * portable fallback of an x86 build, which CPUs with AVX2 never run (every
 * other architecture builds only portable code, and keeps it). Without it
 * the 3x3 interior runs take dw3_run as before and the rest the general
 * window loop.
 */
#if defined(CVRT_DWK) && \
	(defined(__AVX2__) || !(defined(__x86_64__) || defined(__i386__)))
#define CVRT_USE_DWK 1
#else
#define CVRT_USE_DWK 0
#endif

#if CVRT_USE_DWK
#include "cvrt_dwconv_nhwc.inc.c"

/*
 * Output row yrow of a depthwise conv dwk_pick takes (dk): the interior
 * columns [xlo, xhi) by dw3_run (3x3 with all 3 rows valid and an
 * activation in registers) or dk, the border columns by dk's edge form.
 * skip: the caller does the interior (dw3_rows2), this only the borders.
 */
static void dwk_row(const win2d *wn, const win_job *jb, dwk_fn dk, const nhwc_rows *rw,
		    const float *rrow, float *yrow, int skip)
{
	dwk_args a = { rw, jb->c, wn->w, jb->wk, jb->bias, &jb->act };
	int64_t c = jb->c;
	int xlo = wn->xlo, xhi = wn->xhi, n = xhi - xlo;
	int64_t ix = (int64_t)xlo * wn->sw - wn->pad_l;
	const float *rr = rrow ? rrow + xlo * c : NULL;

	if (n <= 0) {
		dk(&a, -wn->pad_l, wn->ow, 1, rrow, yrow);
		return;
	}
	if (xlo > 0)
		dk(&a, -wn->pad_l, xlo, 1, rrow, yrow);
	if (skip) {
		/* the interior is the caller's */
	} else if (rw->nky == 3 && dw3_ok(wn, jb)) {
		const float *rows[3] = { rw->x0, rw->x0 + rw->step, rw->x0 + 2 * rw->step };
		float *yo = yrow + xlo * c;
		(wn->sw == 1 ? dw3_run1 : dw3_run2)(rows, c, (int)ix, n, jb->wk, jb->bias, &jb->act,
						    &rr, &yo);
	} else {
		dk(&a, ix, n, 0, rr, yrow + xlo * c);
	}
	if (xhi < wn->ow)
		dk(&a, (int64_t)xhi * wn->sw - wn->pad_l, wn->ow - xhi, 1,
		   rrow ? rrow + xhi * c : NULL, yrow + xhi * c);
}
#endif

/*
 * Output row oy of image xi ([h, w, c]) into yrow ([ow, c]). skip: all but
 * the interior columns [xlo, xhi), which the caller does (dw3_rows2).
 */
static void win_row_nhwc(const win2d *wn, const win_job *jb, const float *xi, int oy,
			 const float *rrow, float *yrow, int skip)
{
	nhwc_rows rw;
	int iy0, ky1, ox, ox1, kx0, kx1, rcount = 0;
	int64_t rowlen = (int64_t)wn->w * jb->c;
#if CVRT_USE_DWK
	dwk_fn dk = dwk_pick(wn, jb);
#endif

	win_rows(wn, oy, &iy0, &rw.ky0, &ky1);
	rw.nky = ky1 - rw.ky0;
	rw.step = (int64_t)wn->dh * rowlen;
	rw.x0 = rw.nky > 0 ? xi + (int64_t)(iy0 + rw.ky0 * wn->dh) * rowlen : xi;
#if CVRT_USE_DWK
	if (dk) {
		dwk_row(wn, jb, dk, &rw, rrow, yrow, skip);
		return;
	}
#endif
	if (jb->kind == WIN_AVG)
		rcount = avg_count(iy0, wn->kh, wn->h, wn->pad_t, jb->pad_b, jb->cip);
	for (ox = 0; ox < wn->ow; ox = ox1) {
		float scale = 1.0f;
		ox1 = win_run(wn, ox, &kx0, &kx1);
		if (skip && ox == wn->xlo && ox1 == wn->xhi)
			continue;
#if !CVRT_USE_DWK
		if (rw.nky == 3 && kx1 - kx0 == 3 && ox1 - ox > 1 && dw3_ok(wn, jb)) {
			const float *rows[3] = { rw.x0, rw.x0 + rw.step, rw.x0 + 2 * rw.step };
			const float *rr = rrow ? rrow + (int64_t)ox * jb->c : NULL;
			float *yo = yrow + (int64_t)ox * jb->c;
			(wn->sw == 1 ? dw3_run1 : dw3_run2)(rows, jb->c, ox * wn->sw - wn->pad_l,
							    ox1 - ox, jb->wk, jb->bias, &jb->act,
							    &rr, &yo);
			continue;
		}
#endif
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

/*
 * Output rows oy and oy + 1 of image xi ([h, w, c]), rows yrow and
 * yrow + ow*c, residual likewise. When both rows' 3 input rows lie inside
 * the image, their interiors go through dw3_run1x2 together (4 input rows
 * loaded for 2 output rows instead of 6) and only the borders row by row.
 */
static void dw3_rows2(const win2d *wn, const win_job *jb, const float *xi, int oy,
		      const float *rrow, float *yrow)
{
	int64_t c = jb->c, rowlen = (int64_t)wn->w * c, out_row = (int64_t)wn->ow * c;
	int iy0 = oy - wn->pad_t, two = oy + 1 < wn->oh && iy0 >= 0 && iy0 + 4 <= wn->h &&
					 wn->xhi > wn->xlo;
	const float *rows[4], *rr[2];
	float *yo[2];
	int k;

	win_row_nhwc(wn, jb, xi, oy, rrow, yrow, two);
	if (oy + 1 < wn->oh)
		win_row_nhwc(wn, jb, xi, oy + 1, rrow ? rrow + out_row : NULL, yrow + out_row,
			     two);
	if (!two)
		return;
	for (k = 0; k < 4; k++)
		rows[k] = xi + (iy0 + k) * rowlen;
	for (k = 0; k < 2; k++) {
		rr[k] = rrow ? rrow + k * out_row + wn->xlo * c : NULL;
		yo[k] = yrow + k * out_row + wn->xlo * c;
	}
	dw3_run1x2(rows, c, wn->xlo - wn->pad_l, wn->xhi - wn->xlo, jb->wk, jb->bias, &jb->act,
		   rr, yo);
}

/*
 * Row tasks: n*oh output rows, or n*ceil(oh/2) pairs of them for a 3x3
 * stride-1 depthwise conv that dw3_run takes (dw3_rows2).
 */
static void win_nhwc(const win2d *wn, const win_job *jb, int n, const float *x,
		     const float *res, float *y)
{
	int pair = dw3_ok(wn, jb) && wn->sh == 1 && wn->sw == 1;
	int per = pair ? (wn->oh + 1) / 2 : wn->oh;
	int64_t rows = (int64_t)n * per, t;
	int64_t in_img = (int64_t)wn->h * wn->w * jb->c, out_row = (int64_t)wn->ow * jb->c;
	double work = (double)n * wn->oh * out_row * wn->kh * wn->kw;

	(void)work;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (rows > 1 && work > PAR_MIN_WORK)
#endif
	for (t = 0; t < rows; t++) {
		int img = (int)(t / per), oy = (int)(t % per) * (pair ? 2 : 1);
		int64_t o = ((int64_t)img * wn->oh + oy) * out_row;
		if (pair)
			dw3_rows2(wn, jb, x + img * in_img, oy, res ? res + o : NULL, y + o);
		else
			win_row_nhwc(wn, jb, x + img * in_img, oy, res ? res + o : NULL, y + o,
				     0);
	}
}

/*
 * Depthwise NCHW through channels-last tiles: a block of cb channels of one
 * image and a band of output rows is transposed into a zero-padded [rows,
 * wp, cb] tile on the stack (the band's input rows + padding and its output,
 * at most DWT_MAX floats), the NHWC row kernel runs on it with no borders
 * left, and the result is transposed back; then residual + act. cb is
 * DWT_CB (the NHWC kernel's full register block) or one vector VW when a
 * band of DWT_CB channels would be too short; a band's input rows overlap
 * the next band's by kext - sh rows, which are transposed twice.
 */
#define DWT_CB (NHWC_NB * VW)
#define DWT_MAX 16384
#define DWT_MAX_TAPS 49

typedef struct dw_tile {
	int cb;   /* channels per tile: DWT_CB or VW */
	int nb;   /* output rows per band (the last band may be shorter) */
	int wp;   /* tile row: pad_l + w + right padding, in pixels */
	int kext; /* input rows one output row reads: (kh - 1) * dh + 1 */
} dw_tile;

/* Output rows per band for cb channels, at most oh; 0 when not even one fits. */
static int dw_tile_rows(const win2d *wn, const dw_tile *t, int cb)
{
	/* rows(nb) = (nb - 1) * sh + kext; need (rows(nb) * wp + nb * ow) * cb <= DWT_MAX */
	int64_t room = DWT_MAX / cb - (int64_t)(t->kext - wn->sh) * t->wp;
	int64_t per = (int64_t)wn->sh * t->wp + wn->ow;
	int64_t nb = room > 0 ? room / per : 0;

	return nb > wn->oh ? wn->oh : (int)nb;
}

/* The tile plan, or 0 when the taps or one output row of VW channels do not fit. */
static int dw_tile_plan(const win2d *wn, dw_tile *t)
{
	int full, one;

	t->kext = (wn->kh - 1) * wn->dh + 1;
	t->wp = (wn->ow - 1) * wn->sw + (wn->kw - 1) * wn->dw + 1;
	if (t->wp < wn->w + wn->pad_l)
		t->wp = wn->w + wn->pad_l;
	if (wn->kh * wn->kw > DWT_MAX_TAPS)
		return 0;
	full = dw_tile_rows(wn, t, DWT_CB);
	one = dw_tile_rows(wn, t, VW);
	/* The full block unless its bands re-read more input rows than one vector's. */
	if (full >= 1 && (full == wn->oh || (int64_t)full * 2 >= one)) {
		t->cb = DWT_CB, t->nb = full;
		return 1;
	}
	if (one >= 1) {
		t->cb = VW, t->nb = one;
		return 1;
	}
	return 0;
}

static void dw_nchw_tiled(const win2d *wn, const win_job *jb, const dw_tile *tp, int n,
			  const float *x, const float *w, const float *bias, const float *res,
			  float *y)
{
	const int cb = tp->cb, wp = tp->wp;
	int nblk = (jb->c + cb - 1) / cb, nband = (wn->oh + tp->nb - 1) / tp->nb;
	int64_t tasks = (int64_t)n * nblk * nband, t;
	int64_t in_plane = (int64_t)wn->h * wn->w, out_plane = (int64_t)wn->oh * wn->ow;
	win_job lj;

	lj = *jb;
	lj.c = cb;
	lj.act.kind = CVRT_ACT_NONE;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (tasks > 1)
#endif
	for (t = 0; t < tasks; t++) {
		float buf[DWT_MAX], wl[DWT_MAX_TAPS * DWT_CB], bl[DWT_CB];
		int band = (int)(t % nband), blk = (int)(t / nband % nblk);
		int img = (int)(t / nband / nblk), c0 = blk * cb;
		int oy0 = band * tp->nb, nbo = wn->oh - oy0 < tp->nb ? wn->oh - oy0 : tp->nb;
		int rows = (nbo - 1) * wn->sh + tp->kext, gy0 = oy0 * wn->sh - wn->pad_t;
		int nv = jb->c - c0 < cb ? jb->c - c0 : cb, ntap = wn->kh * wn->kw;
		int right = wp - wn->pad_l - wn->w, r, oy, ch, k;
		float *xin = buf, *yout = buf + (int64_t)rows * wp * cb;
		const float *xb = x + ((int64_t)img * jb->c + c0) * in_plane;
		int64_t ob = ((int64_t)img * jb->c + c0) * out_plane + (int64_t)oy0 * wn->ow;
		win_job tj = lj;
		win2d lw;

		win_init(&lw, rows, wp, nbo, wn->ow, wn->kh, wn->kw, wn->sh, wn->sw, wn->dh,
			 wn->dw, 0, 0);
		/* Taps and bias of the block, channels-last, zero past the last channel. */
		for (k = 0; k < ntap; k++)
			for (ch = 0; ch < cb; ch++)
				wl[k * cb + ch] = ch < nv ? w[(int64_t)(c0 + ch) * ntap + k] : 0.0f;
		for (ch = 0; ch < cb; ch++)
			bl[ch] = bias && ch < nv ? bias[c0 + ch] : 0.0f;
		tj.wk = wl;
		tj.bias = bl;
		/* Tile row r is input row gy0 + r: zero outside the input, else
		 * padding columns zeroed (the whole row for a partial block) and
		 * the row transposed in. */
		for (r = 0; r < rows; r++) {
			float *row = xin + (int64_t)r * wp * cb;
			int gy = gy0 + r;
			if (gy < 0 || gy >= wn->h || nv < cb) {
				memset(row, 0, (size_t)wp * cb * sizeof(float));
			} else {
				memset(row, 0, (size_t)wn->pad_l * cb * sizeof(float));
				memset(row + (int64_t)(wn->pad_l + wn->w) * cb, 0,
				       (size_t)right * cb * sizeof(float));
			}
			if (gy >= 0 && gy < wn->h)
				transpose_2d(xb + (int64_t)gy * wn->w, in_plane,
					     row + (int64_t)wn->pad_l * cb, cb, wn->w, nv);
		}
		for (oy = 0; oy < nbo; oy++)
			win_row_nhwc(&lw, &tj, xin, oy, NULL, yout + (int64_t)oy * wn->ow * cb, 0);
		transpose_2d(yout, cb, y + ob, out_plane, nv, (int64_t)nbo * wn->ow);
		for (ch = 0; ch < nv; ch++) {
			float *yp = y + ob + ch * out_plane;
			int64_t i, len = (int64_t)nbo * wn->ow;
			if (res) {
				const float *rp = res + ob + ch * out_plane;
				for (i = 0; i < len; i++)
					yp[i] += rp[i];
			}
			act_inplace(yp, len, jb->act);
		}
	}
}

static void win_nchw(const win2d *wn, const win_job *jb, int n, const float *x,
		     const float *w, const float *bias, const float *res, float *y)
{
	int64_t planes = (int64_t)n * jb->c, pi;
	int64_t in_plane = (int64_t)wn->h * wn->w, out_plane = (int64_t)wn->oh * wn->ow;
	double work = (double)planes * out_plane * wn->kh * wn->kw;
	dw_tile tp;

	(void)work;
	/*
	 * Depthwise takes the channels-last tile path whenever a band fits: on
	 * the NCHW shapes of bench/bench_dw.py it is 1.2-2.3x faster than the
	 * plane path for 3x3 stride 1 on 40-56 pixel planes, as fast on 80, and
	 * 3.5-13x for 5x5 and 7x7 (the plane path's border columns are scalar
	 * over all taps); the plane path is left for rows too wide for a tile.
	 */
	if (jb->kind == WIN_DW && dw_tile_plan(wn, &tp)) {
		dw_nchw_tiled(wn, jb, &tp, n, x, w, bias, res, y);
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
