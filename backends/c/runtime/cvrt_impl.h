/*
 * cvrt_impl.h - what the kernel families share (internal; the API is cvrt.h).
 *
 * Each family source (cvrt_<family>.c) is compiled once per ISA, with that
 * ISA's flags and -DCVRT_SFX=__<isa> (the emitted Makefile does it): the
 * family's vector code picks its form with #if on the compiler's ISA macros
 * (__AVX512F__, __AVX2__ and __FMA__), and CVRT_FN(name) gives every
 * function other objects call a per-ISA name, e.g. cvrt_conv2d_nhwc__avx2.
 * The public cvrt_* entry points (cvrt_<family>_api.c, cvrt_dispatch.h) call
 * the version of the ISA cvrt_isa.c selected. Everything else here is static,
 * so each ISA's object gets its own copy, compiled for that ISA.
 *
 * Performance notes: the hot loops are written so that the innermost loop runs
 * over contiguous memory without branches, which gcc/clang auto-vectorize at
 * -O2 (gcc >= 12) and -O3. Matrix products go through one blocked GEMM core
 * (gemm_core) that conv2d reuses after an im2col into the caller's workspace.
 * OpenMP parallelizes outer loops only; nested regions stay inactive, so the
 * caller's team size is never exceeded.
 */
#ifndef CVRT_IMPL_H
#define CVRT_IMPL_H

#include "cvrt.h"
#include "cvrt_vmath.h"

#include <float.h>
#include <math.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

#ifdef CVRT_GUARD
/*
 * The guarded build (the emitted Makefile's GUARD=1; docs/guard.md in
 * convc): AddressSanitizer checks no masked vector load or store (gcc
 * instruments none, clang only AVX-512's), so the kernels' masked accesses
 * (fg_loadm/fg_storem, V_LOADM/V_STOREM) first touch each active lane with a
 * plain, instrumented access: a mask that lets a lane outside its tensor is
 * reported like any other overrun. Lane i is active when bit i is set.
 */
static inline void cvrt_guard_read_lanes(const float *p, unsigned bits)
{
	for (; bits; bits &= bits - 1)
		(void)((const volatile float *)p)[__builtin_ctz(bits)];
}

/* Before a masked store, which then writes the same lanes. */
static inline void cvrt_guard_write_lanes(float *p, unsigned bits)
{
	for (; bits; bits &= bits - 1)
		((volatile float *)p)[__builtin_ctz(bits)] = 0.0f;
}
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
/* Shared static helpers: not every family calls each one. (Not `inline`:
 * then gcc inlines act_inplace's loops (seven then) into every GEMM micro kernel,
 * and cvrt_gemm.c's AVX-512 object takes 8.4 s to compile instead of 5.9.) */
#if defined(__GNUC__)
#define MAYBE_UNUSED __attribute__((unused))
#else
#define MAYBE_UNUSED
#endif
/* Kept out of line (a cold or large path called from a hot kernel). */
#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif
/* gcc only: no constant-propagated clone of a function. */
#if defined(__GNUC__) && !defined(__clang__)
#define NOCLONE __attribute__((noclone))
#else
#define NOCLONE
#endif

#ifndef CVRT_SFX
#error "compile cvrt_<family>.c with -DCVRT_SFX=__portable, __avx2 or __avx512 (see the Makefile)"
#endif
#define CVRT_CAT2(a, b) a##b
#define CVRT_CAT(a, b) CVRT_CAT2(a, b)
/* name with this object's ISA suffix: CVRT_FN(cvrt_gemm) is cvrt_gemm__avx2. */
#define CVRT_FN(name) CVRT_CAT(name, CVRT_SFX)

/* ------------------------------------------------------------------------ */
/* Activations                                                              */
/* ------------------------------------------------------------------------ */

/* Thin wrappers so VM_MAP can take the parameterized ones. */
#define ACT_RELU(v) vm_max((v), vm_set1(0.0f))
#define ACT_CLIP(v) vm_min(vm_max((v), va), vb)
#define ACT_LEAKY(v) vm_sel(vm_lt((v), vm_set1(0.0f)), vm_mul((v), va), (v))
#define ACT_HSIG(v) vm_hard_sigmoid((v), a, b)
#define ACT_ELU(v) vm_elu((v), a)
#define ACT_SELU(v) vm_selu((v), a, b)

/*
 * y[0, count) = act(y[0, count)) with the vector functions of cvrt_vmath.h,
 * a vector at a time. The switch sits outside the loops so every loop body
 * is branch-free.
 */
MAYBE_UNUSED static void act_inplace(float *y, int64_t count, cvrt_act act)
{
	float a = act.a, b = act.b;
	vm_vec va = vm_set1(a), vb = vm_set1(b);

	switch (act.kind) {
	case CVRT_ACT_RELU:
		VM_MAP(ACT_RELU, y, count);
		break;
	case CVRT_ACT_CLIP:
		VM_MAP(ACT_CLIP, y, count);
		break;
	case CVRT_ACT_LEAKY_RELU:
		VM_MAP(ACT_LEAKY, y, count);
		break;
	case CVRT_ACT_SIGMOID:
		VM_MAP(vm_sigmoid, y, count);
		break;
	case CVRT_ACT_HARD_SIGMOID:
		VM_MAP(ACT_HSIG, y, count);
		break;
	case CVRT_ACT_HARD_SWISH:
		VM_MAP(vm_hard_swish, y, count);
		break;
	case CVRT_ACT_SILU:
		VM_MAP(vm_silu, y, count);
		break;
	case CVRT_ACT_TANH:
		VM_MAP(vm_tanh, y, count);
		break;
	case CVRT_ACT_GELU:
		VM_MAP(vm_gelu, y, count);
		break;
	case CVRT_ACT_GELU_TANH:
		VM_MAP(vm_gelu_tanh, y, count);
		break;
	case CVRT_ACT_ERF:
		VM_MAP(vm_erf, y, count);
		break;
	case CVRT_ACT_EXP:
		VM_MAP(vm_exp, y, count);
		break;
	case CVRT_ACT_LOG:
		VM_MAP(vm_log, y, count);
		break;
	case CVRT_ACT_SOFTPLUS:
		VM_MAP(vm_softplus, y, count);
		break;
	case CVRT_ACT_ELU:
		VM_MAP(ACT_ELU, y, count);
		break;
	case CVRT_ACT_SELU:
		VM_MAP(ACT_SELU, y, count);
		break;
	case CVRT_ACT_MISH:
		VM_MAP(vm_mish, y, count);
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------------------ */
/* Window helpers                                                           */
/* ------------------------------------------------------------------------ */

/*
 * Taps t in [0, k) of a window starting at `start` with step d whose position
 * start + t*d lies in [lo, hi) form the range [*t0, *t1) (empty if t0 == t1).
 */
MAYBE_UNUSED static void tap_range(int start, int k, int d, int lo, int hi, int *t0, int *t1)
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
MAYBE_UNUSED static void valid_out_range(int ow, int s, int off, int w, int *lo, int *hi)
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

#endif
