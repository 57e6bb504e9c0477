/*
 * cvrt_vmath.h - vector exp, expm1, log, sigmoid, SiLU, tanh, erf, GELU
 * (erf and tanh forms), softplus, ELU, SELU, Mish, hard-sigmoid and
 * hard-swish for the kernel families (internal; cvrt_impl.h includes it).
 * Every activation of cvrt_act is computed by them.
 *
 * One algorithm per function, written once on vm_vec, a vector of VM_VW
 * floats: __m512 (AVX-512), __m256 (AVX2 + FMA), or a single float in the
 * portable build (the same operations in scalar form, so its results match
 * the vector ones up to the FMA contractions a CPU without FMA cannot do).
 * The kernels' vector types (fg_vec in cvrt_fg.inc.c, vf in cvrt_window.c)
 * are the same __m512/__m256, so an epilogue calls these on its registers.
 *
 * exp (Cody and Waite's range reduction, W. J. Cody and W. Waite, "Software
 * Manual for the Elementary Functions", 1980, ch. 6):
 *   x clamped to [-104, 89] (exp(-104) rounds to 0, exp(89) to inf; NaN
 *   passes through: vm_max/vm_min return their second operand when one is
 *   NaN, as MAXPS/MINPS do);
 *   n = round(x * log2(e)), r = x - n * ln2 in two steps (ln2 = hi + lo, hi
 *   with 12 trailing zero bits so n * hi is exact for |n| <= 2^12), so
 *   |r| <= ln2 / 2;
 *   exp(r) = 1 + r + c2 r^2 + ... + c6 r^6, a fit of degree 6 by Horner's
 *   rule (vm_exp_poly): 3.8e-9 relative (0.06 ULP);
 *   exp(x) = exp(r) * 2^n, scaled exactly and rounded once: AVX-512 with
 *   VSCALEFPS, elsewhere as (exp(r) * 2^(n>>1)) * 2^(n - (n>>1)), both factors
 *   normal, so results between FLT_TRUE_MIN and FLT_MIN are correctly
 *   rounded denormals on every ISA and results above FLT_MAX are inf.
 * Operations (one vector, AVX-512): 2 clamp + 1 mul + 1 round + 2 fma
 * (reduction) + 6 fma (Horner) + 1 scalef = 13; AVX2: 21 as the report
 * counts them (the scaling is 7 integer/float operations instead of 1,
 * plus the float-to-int conversion).
 *
 * sigmoid(x) = (x >= 0 ? 1 : e) / (1 + e), e = exp(-|x|): exp only ever
 * sees a non-positive argument, so nothing overflows, and vm_exp_neg skips
 * the upper clamp and (AVX2) builds 2^n more cheaply; then the sign OR, a
 * blend on x's sign bit, add, div: 18 operations (AVX-512: 17).
 * SiLU(x) = x * sigmoid(x): one mul more.
 *
 * tanh(x) = sign(x) * t(|x|): for |x| < 0.625 the odd polynomial
 * t = a + a^3 * P(a^2), P of degree 4 with the coefficients of Cephes'
 * tanhf.c (S. L. Moshier, Cephes Math Library 2.x, relative error ~1e-7
 * there); above, t = 1 - 2 / (exp(2a) + 1), where no cancellation below
 * 0.55 remains. Both branches are computed and one is selected: exp + 13.
 *
 * erf: below |x| = 0.75 its Taylor series to degree 19; above, 1 - erfc
 * with the Chebyshev fit of Numerical Recipes (erfcc, fractional error below
 * 1.2e-7), its exp(-x^2) taken with -x^2 split exactly (vm_exp_ab).
 * GELU = x * Phi(x) from erfc alone, without the 1 + erf cancellation;
 * its tanh form as x * sigmoid(2u).
 *
 * log: x = m 2^e, m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s) with
 * s = (m - 1) / (m + 1), f = m - 1 entering exactly (see vm_log); expm1 from
 * exp's reduction without the constant 1 of its polynomial; softplus =
 * max(x, 0) + log1p(exp(-|x|)) with log1p by Goldberg's quotient; ELU and
 * SELU from expm1; Mish = x * n / (n + 2), n = e^x (e^x + 2).
 *
 * hard-sigmoid(x) = min(1, max(0, alpha * x + beta)) (one fma, 2 clamps);
 * hard-swish(x) = x * hard-sigmoid(x) with alpha = 1/6, beta = 1/2 (4).
 *
 * Accuracy against libm in double over [-100, 100], infinities, NaN and
 * denormals: tests/unit/test_vmath.c (ctest unit.vmath.<isa>); the table of
 * measured maximum ULP errors is in docs/kernels.md.
 */
#ifndef CVRT_VMATH_H
#define CVRT_VMATH_H

#include "cvrt.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

#if defined(__GNUC__)
#define VM_INLINE __attribute__((always_inline, unused)) static inline
#else
#define VM_INLINE static inline
#endif

/* ------------------------------------------------------------------------ */
/* Per-ISA primitives                                                       */
/* ------------------------------------------------------------------------ */

#if defined(__AVX512F__)
#define VM_VW 16
typedef __m512 vm_vec;
typedef __mmask16 vm_cmp;
#define vm_load(p) _mm512_loadu_ps(p)
#define vm_store(p, v) _mm512_storeu_ps((p), (v))
#define vm_set1(s) _mm512_set1_ps(s)
#define vm_add(a, b) _mm512_add_ps((a), (b))
#define vm_sub(a, b) _mm512_sub_ps((a), (b))
#define vm_mul(a, b) _mm512_mul_ps((a), (b))
#define vm_div(a, b) _mm512_div_ps((a), (b))
#define vm_fma(a, b, c) _mm512_fmadd_ps((a), (b), (c)) /* a * b + c */
#define vm_max(a, b) _mm512_max_ps((a), (b))
#define vm_min(a, b) _mm512_min_ps((a), (b))
#define vm_round(x) _mm512_roundscale_ps((x), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define vm_lt(a, b) _mm512_cmp_ps_mask((a), (b), _CMP_LT_OQ)
#define vm_sel(m, t, f) _mm512_mask_blend_ps((m), (f), (t)) /* m ? t : f */
#define vm_abs(x) _mm512_abs_ps(x)
/* |t| with the sign of s */
#define vm_copysign(t, s)                                                                    \
	_mm512_castsi512_ps(_mm512_ternarylogic_epi32(_mm512_castps_si512(t),                \
						      _mm512_castps_si512(s),                \
						      _mm512_set1_epi32(INT32_MIN), 0xd8))
/* p * 2^n, n integral: VSCALEFPS rounds once, to a denormal or inf as needed. */
#define vm_ldexp(p, n) _mm512_scalef_ps((p), (n))
/* -|x|: the sign bit set (one OR) */
#define vm_negabs(x)                                                                         \
	_mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(x), _mm512_set1_epi32(INT32_MIN)))
/* s's sign bit set ? t : f */
#define vm_sel_sign(s, t, f) _mm512_mask_blend_ps(_mm512_movepi32_mask(_mm512_castps_si512(s)), (f), (t))
VM_INLINE float vm_hsum(vm_vec v)
{
	return _mm512_reduce_add_ps(v);
}
/* For x a positive normal float: m in [sqrt(1/2), sqrt(2)) and the integer
 * e (as a float) with x = m * 2^e, by moving the exponent bits. */
VM_INLINE vm_vec vm_split_sqrt2(vm_vec x, vm_vec *e)
{
	__m512i b = _mm512_castps_si512(x);
	__m512i k = _mm512_srai_epi32(_mm512_sub_epi32(b, _mm512_set1_epi32(0x3f3504f3)), 23);

	*e = _mm512_cvtepi32_ps(k);
	return _mm512_castsi512_ps(_mm512_sub_epi32(b, _mm512_slli_epi32(k, 23)));
}
#elif defined(__AVX2__) && defined(__FMA__)
#define VM_VW 8
typedef __m256 vm_vec;
typedef __m256 vm_cmp;
#define vm_load(p) _mm256_loadu_ps(p)
#define vm_store(p, v) _mm256_storeu_ps((p), (v))
#define vm_set1(s) _mm256_set1_ps(s)
#define vm_add(a, b) _mm256_add_ps((a), (b))
#define vm_sub(a, b) _mm256_sub_ps((a), (b))
#define vm_mul(a, b) _mm256_mul_ps((a), (b))
#define vm_div(a, b) _mm256_div_ps((a), (b))
#define vm_fma(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define vm_max(a, b) _mm256_max_ps((a), (b))
#define vm_min(a, b) _mm256_min_ps((a), (b))
#define vm_round(x) _mm256_round_ps((x), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define vm_lt(a, b) _mm256_cmp_ps((a), (b), _CMP_LT_OQ)
#define vm_sel(m, t, f) _mm256_blendv_ps((f), (t), (m))
#define vm_abs(x) _mm256_andnot_ps(_mm256_set1_ps(-0.0f), (x))
#define vm_copysign(t, s)                                                                    \
	_mm256_or_ps(vm_abs(t), _mm256_and_ps(_mm256_set1_ps(-0.0f), (s)))
#define vm_negabs(x) _mm256_or_ps((x), _mm256_set1_ps(-0.0f))
/* BLENDVPS selects on the sign bit of its mask operand */
#define vm_sel_sign(s, t, f) _mm256_blendv_ps((f), (t), (s))
VM_INLINE vm_vec vm_ldexp(vm_vec p, vm_vec n)
{
	__m256i ni = _mm256_cvtps_epi32(n), bias = _mm256_set1_epi32(127);
	__m256i n1 = _mm256_srai_epi32(ni, 1), n2 = _mm256_sub_epi32(ni, n1);
	__m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
	__m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
	return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}
VM_INLINE vm_vec vm_split_sqrt2(vm_vec x, vm_vec *e)
{
	__m256i b = _mm256_castps_si256(x);
	__m256i k = _mm256_srai_epi32(_mm256_sub_epi32(b, _mm256_set1_epi32(0x3f3504f3)), 23);

	*e = _mm256_cvtepi32_ps(k);
	return _mm256_castsi256_ps(_mm256_sub_epi32(b, _mm256_slli_epi32(k, 23)));
}
VM_INLINE float vm_hsum(vm_vec v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}
#else
#define VM_VW 1
typedef float vm_vec;
typedef int vm_cmp;
#define vm_load(p) (*(p))
#define vm_store(p, v) (*(p) = (v))
#define vm_set1(s) ((float)(s))
#define vm_add(a, b) ((a) + (b))
#define vm_sub(a, b) ((a) - (b))
#define vm_mul(a, b) ((a) * (b))
#define vm_div(a, b) ((a) / (b))
#if defined(__FMA__) || defined(FP_FAST_FMAF)
#define vm_fma(a, b, c) fmaf((a), (b), (c))
#else
#define vm_fma(a, b, c) ((a) * (b) + (c))
#endif
/* NaN: the second operand, as MAXPS/MINPS. */
#define vm_max(a, b) ((a) > (b) ? (a) : (b))
#define vm_min(a, b) ((a) < (b) ? (a) : (b))
#define vm_lt(a, b) ((a) < (b))
/* m ? t : f by bit masks: gcc turns the plain ?: into a branch, which
 * mispredicts half the time on the sign of random data (SiLU 3x slower). */
VM_INLINE float vm_sel(int m, float t, float f)
{
	uint32_t bt, bf, mask = (uint32_t)0 - (uint32_t)(m != 0);

	memcpy(&bt, &t, sizeof bt);
	memcpy(&bf, &f, sizeof bf);
	bt = (bt & mask) | (bf & ~mask);
	memcpy(&t, &bt, sizeof t);
	return t;
}
#define vm_abs(x) fabsf(x)
#define vm_copysign(t, s) copysignf((t), (s))
#define vm_negabs(x) (-fabsf(x))
#define vm_sel_sign(s, t, f) vm_sel(signbit(s), (t), (f))
#define vm_hsum(v) (v)
/* Round to nearest even without a libm call: |x| < 2^22 here (or NaN). */
VM_INLINE float vm_round(float x)
{
	return (x + 12582912.0f) - 12582912.0f;
}
/* See the AVX-512 form. The shift of a negative difference is written as
 * an exact floor division: >> of a negative int is implementation-defined. */
VM_INLINE float vm_split_sqrt2(float x, float *e)
{
	uint32_t b;
	int64_t d, k;

	memcpy(&b, &x, sizeof b);
	d = (int64_t)b - 0x3f3504f3;
	k = (d - (d & 0x7fffff)) / (1 << 23);
	*e = (float)k;
	b -= (uint32_t)k << 23;
	memcpy(&x, &b, sizeof x);
	return x;
}
/* p * 2^n, n integral in [-150, 128] (or NaN, then p is NaN too). */
VM_INLINE float vm_ldexp(float p, float n)
{
	/* n1 = floor(ni / 2) without a branch on the sign (a mispredicted one
	 * per element with random signs: 3x slower). */
	int32_t ni = n == n ? (int32_t)n : 0, n1 = (ni - (ni & 1)) / 2;
	uint32_t b1 = (uint32_t)(n1 + 127) << 23, b2 = (uint32_t)(ni - n1 + 127) << 23;
	float s1, s2;

	memcpy(&s1, &b1, sizeof s1);
	memcpy(&s2, &b2, sizeof s2);
	return p * s1 * s2;
}
#endif

/* ------------------------------------------------------------------------ */
/* Functions                                                                */
/* ------------------------------------------------------------------------ */

#define VM_LOG2E 1.44269504088896341f
#define VM_LN2_HI 0.693145751953125f        /* 0x3f317200 */
#define VM_LN2_LO 1.42860682030941723212e-6f /* ln 2 - VM_LN2_HI */

/* x - n * ln2 in Cody and Waite's two steps (n * VM_LN2_HI is exact): the
 * reduced argument of exp, exp of -|x| and expm1. */
VM_INLINE vm_vec vm_ln2_rem(vm_vec x, vm_vec n)
{
	return vm_fma(n, vm_set1(-VM_LN2_LO), vm_fma(n, vm_set1(-VM_LN2_HI), x));
}

/* exp(r) - 1 for |r| <= ln2 / 2 (expm1 only): the Taylor polynomial to degree 7
 * without its constant term. */
VM_INLINE vm_vec vm_expm1_poly(vm_vec r)
{
	vm_vec q = vm_fma(vm_set1(1.0f / 5040.0f), r, vm_set1(1.0f / 720.0f));

	q = vm_fma(q, r, vm_set1(1.0f / 120.0f));
	q = vm_fma(q, r, vm_set1(1.0f / 24.0f));
	q = vm_fma(q, r, vm_set1(1.0f / 6.0f));
	q = vm_fma(q, r, vm_set1(0.5f));
	return vm_fma(vm_mul(r, r), q, r);
}

/*
 * exp(r) * s for |r| <= ln2 / 2 and s a power of 2: the polynomial
 * 1 + r + c2 r^2 + ... + c6 r^6, c2..c6 fitted here for the least maximum
 * error relative to e^r (Lawson's iteratively reweighted least squares on
 * 20,001 Chebyshev points, numpy, coefficients then rounded to float):
 * 3.8e-9 relative with the float coefficients (0.06 ULP), against 7.0e-9
 * for the Taylor polynomial of degree 7, with one multiply-add fewer.
 * Evaluated by Horner's rule from c6 down to the constant 1, six
 * multiply-adds; every coefficient is multiplied by s at compile time
 * (exactly: a power of 2), so a scale vm_exp_neg needs costs nothing. The
 * split form 1 + (r + r^2 q) took a multiply and an add more: AVX2 exp of
 * -|x| 7.2 -> 5.8 cycles a vector, SiLU 10.7 -> 9.5 (a loop over 4096
 * floats, AMD EPYC Zen 5), and the largest error of vm_exp_neg over
 * [-104, 0] went 1.02 -> 0.90 ULP. expm1 keeps its Taylor form: near r = 0
 * this fit's error, (c2 - 1/2) r^2, would be up to 0.5 ULP of expm1(r) ~ r.
 */
VM_INLINE vm_vec vm_exp_poly_s(vm_vec r, float s)
{
	vm_vec q = vm_fma(vm_set1(1.3791731325909495e-3f * s), r, vm_set1(8.368829265236855e-3f * s));

	q = vm_fma(q, r, vm_set1(4.166880249977112e-2f * s));
	q = vm_fma(q, r, vm_set1(1.666651964187622e-1f * s));
	q = vm_fma(q, r, vm_set1(4.9999991059303284e-1f * s));
	q = vm_fma(q, r, vm_set1(s));
	return vm_fma(q, r, vm_set1(s));
}

#define vm_exp_poly(r) vm_exp_poly_s((r), 1.0f)

/* exp(x) for x already in [-104, 89] (or NaN). */
VM_INLINE vm_vec vm_exp_clamped(vm_vec x)
{
	vm_vec n = vm_round(vm_mul(x, vm_set1(VM_LOG2E)));

	return vm_ldexp(vm_exp_poly(vm_ln2_rem(x, n)), n);
}

VM_INLINE vm_vec vm_exp(vm_vec x)
{
	return vm_exp_clamped(vm_min(vm_set1(89.0f), vm_max(vm_set1(-104.0f), x)));
}

/*
 * exp(a + b) for a in [-104, 0] and |b| <= 2 (erfc's argument, where a =
 * -z^2 is exact to the float and b holds the rest): n comes from a + b, and
 * b joins the reduced argument after the exact a - n * ln2_hi, so a + b is
 * never rounded as a whole (at a = -81 that rounding alone would be 40 ULP).
 */
VM_INLINE vm_vec vm_exp_ab(vm_vec a, vm_vec b)
{
	vm_vec n;

	a = vm_max(vm_set1(-104.0f), a);
	n = vm_round(vm_mul(vm_add(a, b), vm_set1(VM_LOG2E)));
	return vm_ldexp(vm_exp_poly(vm_add(vm_ln2_rem(a, n), b)), n);
}

/*
 * exp(x) for x <= 0 (or NaN): what sigmoid, SiLU and softplus need, with
 * fewer operations than vm_exp where the ISA allows. AVX2: n comes from one
 * FMA with the shifter 1.5 * 2^23, which leaves round(x * log2(e)) in the
 * low bits of the sum (the float n is the sum minus the shifter); since
 * n is in [-150, 0], 2^(n + 64) is a normal float built from those bits by
 * one integer add and shift. The polynomial comes out times 2^-64 (its
 * coefficients scaled, vm_exp_poly_s: a normal float near 5.4e-20), and
 * its product with 2^(n + 64) rounds once (to a denormal or 0 below
 * FLT_MIN): 4 operations instead of vm_ldexp's 9 and the round (14 in
 * all). Elsewhere vm_exp without the upper clamp.
 */
#if defined(__AVX2__) && defined(__FMA__) && !defined(__AVX512F__)
VM_INLINE vm_vec vm_exp_neg(vm_vec x)
{
	const __m256 shifter = _mm256_set1_ps(12582912.0f); /* 1.5 * 2^23 */
	vm_vec nf, n, p;
	__m256i s;

	x = vm_max(vm_set1(-104.0f), x);
	nf = vm_fma(x, vm_set1(VM_LOG2E), shifter);
	n = vm_sub(nf, shifter);
	p = vm_exp_poly_s(vm_ln2_rem(x, n), 5.42101086242752217e-20f); /* 2^-64 */
	/* low bits of nf: 0x400000 + n; + 64 + 127 puts n + 191 in [41, 191]
	 * in the 9 bits the shift moves into the exponent field */
	s = _mm256_slli_epi32(_mm256_add_epi32(_mm256_castps_si256(nf), _mm256_set1_epi32(191)), 23);
	return vm_mul(p, _mm256_castsi256_ps(s));
}
#else
VM_INLINE vm_vec vm_exp_neg(vm_vec x)
{
	return vm_exp_clamped(vm_max(vm_set1(-104.0f), x));
}
#endif

VM_INLINE vm_vec vm_sigmoid(vm_vec x)
{
	vm_vec e = vm_exp_neg(vm_negabs(x)); /* exp(-|x|) */
	/* x = -0 takes e = 1, as +0's numerator */
	vm_vec num = vm_sel_sign(x, e, vm_set1(1.0f));

	return vm_div(num, vm_add(vm_set1(1.0f), e));
}

VM_INLINE vm_vec vm_silu(vm_vec x)
{
	return vm_mul(x, vm_sigmoid(x));
}

VM_INLINE vm_vec vm_tanh(vm_vec x)
{
	vm_vec a = vm_abs(x), s = vm_mul(x, x), p, big;

	/* Cephes tanhf.c, |x| < 0.625 */
	p = vm_fma(vm_set1(-5.70498872745e-3f), s, vm_set1(2.06390887954e-2f));
	p = vm_fma(p, s, vm_set1(-5.37397155531e-2f));
	p = vm_fma(p, s, vm_set1(1.33314422036e-1f));
	p = vm_fma(p, s, vm_set1(-3.33332819422e-1f));
	p = vm_fma(vm_mul(p, s), a, a);
	big = vm_sub(vm_set1(1.0f), vm_div(vm_set1(2.0f),
					   vm_add(vm_exp(vm_add(a, a)), vm_set1(1.0f))));
	return vm_copysign(vm_sel(vm_lt(a, vm_set1(0.625f)), p, big), x);
}

/* erf(x) / x for |x| < 0.75: its Taylor series, 2/sqrt(pi) * sum over n of
 * (-x^2)^n / (n! (2n + 1)), to n = 9 (the next term is below 2e-10). */
VM_INLINE vm_vec vm_erf_small(vm_vec s) /* s = x^2 */
{
	vm_vec p = vm_fma(vm_set1(-1.0f / 6894720.0f), s, vm_set1(1.0f / 685440.0f));

	p = vm_fma(p, s, vm_set1(-1.0f / 75600.0f));
	p = vm_fma(p, s, vm_set1(1.0f / 9360.0f));
	p = vm_fma(p, s, vm_set1(-1.0f / 1320.0f));
	p = vm_fma(p, s, vm_set1(1.0f / 216.0f));
	p = vm_fma(p, s, vm_set1(-1.0f / 42.0f));
	p = vm_fma(p, s, vm_set1(1.0f / 10.0f));
	p = vm_fma(p, s, vm_set1(-1.0f / 3.0f));
	p = vm_fma(p, s, vm_set1(1.0f));
	return vm_mul(p, vm_set1(1.12837916709551257f)); /* 2 / sqrt(pi) */
}

/*
 * erfc(z) for z >= 0 given -z^2 = e_hi + e_lo exactly: t = 1 / (1 + z/2),
 * erfc(z) = t * exp(-z^2 - 1.26551223 + t * (1.00002368 + ...)), the
 * Chebyshev fit of Numerical Recipes in C, 2nd ed., section 6.2 (erfcc),
 * fractional error below 1.2e-7 for every z >= 0.
 */
VM_INLINE vm_vec vm_erfc_nr(vm_vec z, vm_vec e_hi, vm_vec e_lo)
{
	vm_vec t = vm_div(vm_set1(1.0f), vm_fma(z, vm_set1(0.5f), vm_set1(1.0f)));
	vm_vec p = vm_fma(t, vm_set1(0.17087277f), vm_set1(-0.82215223f));

	p = vm_fma(p, t, vm_set1(1.48851587f));
	p = vm_fma(p, t, vm_set1(-1.13520398f));
	p = vm_fma(p, t, vm_set1(0.27886807f));
	p = vm_fma(p, t, vm_set1(-0.18628806f));
	p = vm_fma(p, t, vm_set1(0.09678418f));
	p = vm_fma(p, t, vm_set1(0.37409196f));
	p = vm_fma(p, t, vm_set1(1.00002368f));
	p = vm_fma(p, t, vm_set1(-1.26551223f));
	return vm_mul(t, vm_exp_ab(e_hi, vm_add(p, e_lo)));
}

/* -z^2 as hi + lo exactly (z*z rounded, and its rounding error by an FMA;
 * without a hardware FMA, in double). */
#if VM_VW == 1 && !(defined(__FMA__) || defined(FP_FAST_FMAF))
#define VM_NEG_SQUARE(z, hi, lo)                                                      \
	do {                                                                          \
		(hi) = -((z) * (z));                                                  \
		(lo) = (float)(-((double)(z) * (double)(z)) - (double)(hi));          \
	} while (0)
#else
#define VM_NEG_SQUARE(z, hi, lo)                                                      \
	do {                                                                          \
		vm_vec sq_ = vm_mul((z), (z));                                        \
		(hi) = vm_sub(vm_set1(0.0f), sq_);                                    \
		(lo) = vm_sub(vm_set1(0.0f), vm_fma((z), (z), vm_sub(vm_set1(0.0f), sq_))); \
	} while (0)
#endif

/* erf: the series below 0.75, 1 - erfc above (|x| clamped to 10, where
 * erf is 1 in float), the sign copied from x. */
VM_INLINE vm_vec vm_erf(vm_vec x)
{
	vm_vec a = vm_min(vm_set1(10.0f), vm_abs(x)), hi, lo, small, big;

	VM_NEG_SQUARE(a, hi, lo);
	small = vm_mul(a, vm_erf_small(vm_mul(a, a)));
	big = vm_sub(vm_set1(1.0f), vm_erfc_nr(a, hi, lo));
	return vm_copysign(vm_sel(vm_lt(a, vm_set1(0.75f)), small, big), x);
}

/*
 * GELU(x) = x * Phi(x), Phi(x) = erfc(-x / sqrt(2)) / 2 (the erf form):
 * e = erfc(|x| / sqrt(2)) / 2 and Phi = e (x < 0) or 1 - e, with the
 * exponent -x^2 / 2 exact (no 1 + erf cancellation in the negative tail).
 * Unlike erf, Phi needs no series near 0: there Phi is about 1/2, and
 * erfc's fractional error (1.2e-7) is an error of at most 1.2e-7 relative
 * in 1 - e too (e <= 1/2 for x >= 0); evaluating only erfc is 20% faster
 * (AVX2) than with erf's series branch, for the same 6.7 ULP at most.
 * x is clamped to [-15, 15] for Phi (Phi(-15) is 0 in float), and the
 * result is max(x, -15) * Phi: GELU(-inf) = -0, GELU(inf) = inf.
 */
VM_INLINE vm_vec vm_gelu(vm_vec x)
{
	vm_vec xm = vm_max(vm_set1(-15.0f), x), xc = vm_min(vm_set1(15.0f), xm);
	vm_vec a = vm_abs(xc), hi, lo, e;

	VM_NEG_SQUARE(a, hi, lo);
	e = vm_mul(vm_set1(0.5f), vm_erfc_nr(vm_mul(a, vm_set1(0.707106781186547524f)),
					     vm_mul(hi, vm_set1(0.5f)), vm_mul(lo, vm_set1(0.5f))));
	return vm_mul(xm, vm_sel(vm_lt(xc, vm_set1(0.0f)), e, vm_sub(vm_set1(1.0f), e)));
}

/*
 * GELU, tanh form: x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))),
 * computed as x * sigmoid(2 sqrt(2/pi) * (x + 0.044715 x^3)) (1 + tanh(u)
 * = 2 sigmoid(2u)): no cancellation for negative x.
 */
VM_INLINE vm_vec vm_gelu_tanh(vm_vec x)
{
	vm_vec k = vm_fma(vm_mul(x, x), vm_set1(0.0713548162726f), vm_set1(1.59576912160573f));

	return vm_mul(x, vm_sigmoid(vm_mul(x, k)));
}

/*
 * log(x): x = m * 2^e with m in [sqrt(1/2), sqrt(2)) (denormals scaled by
 * 2^23 first), f = m - 1 (exact), s = f / (2 + f), and
 * log(m) = 2 atanh(s) = f - (f^2/2 - s * (f^2/2 + R)), R = 2s^2/3 + 2s^4/5
 * + ... + 2s^10/11 (the atanh series, |s| <= 0.1716: the next term is below
 * 3e-10 of the result); f enters exactly, the rounding is in the small
 * correction. Then e * ln2 (split as in exp) is added. log(0) = -inf,
 * log(x < 0) = NaN, log(inf) = inf, NaN passes.
 */
VM_INLINE vm_vec vm_log(vm_vec x)
{
	vm_cmp den = vm_lt(x, vm_set1(1.17549435e-38f)); /* FLT_MIN */
	vm_vec xs = vm_sel(den, vm_mul(x, vm_set1(8388608.0f)), x), e, f, s, z, r, hf, y;
	vm_vec m = vm_split_sqrt2(xs, &e);

	e = vm_sel(den, vm_sub(e, vm_set1(23.0f)), e);
	f = vm_sub(m, vm_set1(1.0f));
	s = vm_div(f, vm_add(f, vm_set1(2.0f)));
	z = vm_mul(s, s);
	r = vm_fma(z, vm_set1(2.0f / 11.0f), vm_set1(2.0f / 9.0f));
	r = vm_fma(r, z, vm_set1(2.0f / 7.0f));
	r = vm_fma(r, z, vm_set1(2.0f / 5.0f));
	r = vm_fma(r, z, vm_set1(2.0f / 3.0f));
	r = vm_mul(r, z);
	hf = vm_mul(vm_mul(f, f), vm_set1(0.5f));
	y = vm_sub(f, vm_sub(hf, vm_mul(s, vm_add(hf, r))));
	y = vm_fma(e, vm_set1(VM_LN2_HI), vm_fma(e, vm_set1(VM_LN2_LO), y));
	/* x <= 0 and the non-finite: -inf at +-0, NaN below 0, x itself for
	 * inf and NaN */
	y = vm_sel(vm_lt(vm_set1(0.0f), x), y,
		   vm_sel(vm_lt(x, vm_set1(0.0f)), vm_set1(NAN), vm_set1(-INFINITY)));
	return vm_sel(vm_lt(x, vm_set1(INFINITY)), y, x);
}

/*
 * exp(x) - 1 = 2^n (p + 1 - 2^-n), p = exp(r) - 1 by exp's polynomial
 * without its 1 and n, r reduced as in exp: for |x| < ln2/2 (n = 0) the
 * polynomial itself, no cancellation near 0; elsewhere p + (1 - 2^-n) adds
 * two terms of one sign or of magnitudes at least 2 apart, rounded once,
 * and the scaling is exact. x is clamped to [-20, 89] (expm1(-20) is -1 in
 * float), so 2^-n stays finite.
 */
VM_INLINE vm_vec vm_expm1(vm_vec x)
{
	vm_vec n, c;

	x = vm_min(vm_set1(89.0f), vm_max(vm_set1(-20.0f), x));
	n = vm_round(vm_mul(x, vm_set1(VM_LOG2E)));
	c = vm_sub(vm_set1(1.0f), vm_ldexp(vm_set1(1.0f), vm_sub(vm_set1(0.0f), n)));
	return vm_ldexp(vm_add(vm_expm1_poly(vm_ln2_rem(x, n)), c), n);
}

/*
 * softplus(x) = log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)), and
 * log1p(t) = log(u) * t / (u - 1) with u = 1 + t rounded (exact when
 * u = 1: t): the quotient cancels u's rounding error (D. Goldberg, "What
 * every computer scientist should know about floating-point arithmetic",
 * 1991, theorem 4), so tiny results e^x keep their precision.
 */
VM_INLINE vm_vec vm_softplus(vm_vec x)
{
	vm_vec t = vm_exp_neg(vm_negabs(x)), u = vm_add(t, vm_set1(1.0f));
	vm_vec d = vm_sub(u, vm_set1(1.0f));
	vm_vec l = vm_sel(vm_lt(vm_set1(0.0f), d), vm_mul(vm_log(u), vm_div(t, d)), t);

	return vm_add(vm_max(vm_set1(0.0f), x), l); /* NaN: max returns x */
}

/* ELU: x >= 0 ? x : alpha * expm1(x). */
VM_INLINE vm_vec vm_elu(vm_vec x, float alpha)
{
	return vm_sel(vm_lt(x, vm_set1(0.0f)), vm_mul(vm_set1(alpha), vm_expm1(x)), x);
}

/* SELU: gamma * (x > 0 ? x : alpha * expm1(x)). */
VM_INLINE vm_vec vm_selu(vm_vec x, float alpha, float gamma)
{
	vm_vec neg = vm_mul(vm_set1(alpha), vm_expm1(x)); /* NaN for NaN */

	return vm_mul(vm_set1(gamma), vm_sel(vm_lt(vm_set1(0.0f), x), x, neg));
}

/*
 * Mish(x) = x * tanh(softplus(x)) = x * n / (n + 2), n = e^x (e^x + 2)
 * ((1 + e^x)^2 = n + 1, and tanh(log v) = (v^2 - 1) / (v^2 + 1)), n
 * with one rounding (e * e + 2e by an FMA): no cancellation for negative x,
 * where Mish ~ x e^x. e^x is taken at
 * min(x, 20), where n / (n + 2) is 1 in float, so n cannot overflow; x is
 * clamped to >= -104 (exp's own clamp) so Mish(-inf) = -0 as GELU's.
 */
VM_INLINE vm_vec vm_mish(vm_vec x)
{
	vm_vec xm = vm_max(vm_set1(-104.0f), x);
	vm_vec e = vm_exp(vm_min(vm_set1(20.0f), xm)), n = vm_fma(e, e, vm_add(e, e));

	return vm_mul(xm, vm_div(n, vm_add(n, vm_set1(2.0f))));
}

VM_INLINE vm_vec vm_hard_sigmoid(vm_vec x, float alpha, float beta)
{
	vm_vec v = vm_fma(x, vm_set1(alpha), vm_set1(beta));

	return vm_min(vm_set1(1.0f), vm_max(vm_set1(0.0f), v));
}

VM_INLINE vm_vec vm_hard_swish(vm_vec x)
{
	return vm_mul(x, vm_hard_sigmoid(x, 1.0f / 6.0f, 0.5f));
}

/* Any activation (enum cvrt_act_kind) on one vector. */
VM_INLINE vm_vec vm_act(vm_vec x, const cvrt_act *act)
{
	switch (act->kind) {
	case CVRT_ACT_RELU:
		return vm_max(x, vm_set1(0.0f));
	case CVRT_ACT_CLIP:
		return vm_min(vm_max(x, vm_set1(act->a)), vm_set1(act->b));
	case CVRT_ACT_LEAKY_RELU:
		return vm_sel(vm_lt(x, vm_set1(0.0f)), vm_mul(x, vm_set1(act->a)), x);
	case CVRT_ACT_SIGMOID:
		return vm_sigmoid(x);
	case CVRT_ACT_HARD_SIGMOID:
		return vm_hard_sigmoid(x, act->a, act->b);
	case CVRT_ACT_HARD_SWISH:
		return vm_hard_swish(x);
	case CVRT_ACT_SILU:
		return vm_silu(x);
	case CVRT_ACT_TANH:
		return vm_tanh(x);
	case CVRT_ACT_GELU:
		return vm_gelu(x);
	case CVRT_ACT_GELU_TANH:
		return vm_gelu_tanh(x);
	case CVRT_ACT_ERF:
		return vm_erf(x);
	case CVRT_ACT_EXP:
		return vm_exp(x);
	case CVRT_ACT_LOG:
		return vm_log(x);
	case CVRT_ACT_SOFTPLUS:
		return vm_softplus(x);
	case CVRT_ACT_ELU:
		return vm_elu(x, act->a);
	case CVRT_ACT_SELU:
		return vm_selu(x, act->a, act->b);
	case CVRT_ACT_MISH:
		return vm_mish(x);
	default:
		return x;
	}
}

/*
 * y[0, n) = F(y[0, n)), VM_VW floats at a time; the last n % VM_VW go
 * through a zero-padded vector on the stack. F names one of the functions
 * above taking one vector (wrap the others); y, n evaluated once each.
 */
#define VM_MAP(F, y, n)                                                           \
	do {                                                                      \
		float *vm_y_ = (y);                                               \
		int64_t vm_n_ = (n), vm_i_ = 0;                                   \
		for (; vm_i_ + VM_VW <= vm_n_; vm_i_ += VM_VW)                    \
			vm_store(vm_y_ + vm_i_, F(vm_load(vm_y_ + vm_i_)));       \
		if (vm_i_ < vm_n_) {                                              \
			float vm_t_[VM_VW] = {0};                                 \
			size_t vm_b_ = (size_t)(vm_n_ - vm_i_) * sizeof(float);   \
			memcpy(vm_t_, vm_y_ + vm_i_, vm_b_);                      \
			vm_store(vm_t_, F(vm_load(vm_t_)));                       \
			memcpy(vm_y_ + vm_i_, vm_t_, vm_b_);                      \
		}                                                                 \
	} while (0)

#endif
