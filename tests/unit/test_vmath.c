/*
 * test_vmath.c - cvrt_vmath.h's functions against libm in double precision
 * (tests/unit/CMakeLists.txt: unit.vmath.portable, .avx2, .avx512).
 *
 * The ISA is the one CVRT_ISA names (the best one when unset), selected as
 * the kernels select theirs (cvrt_isa.c); exits 77 (skipped) when this CPU
 * lacks it. Inputs: every 128th float of [-2^7, 2^7] by bit pattern (about
 * 2^24 values, 65536 per binade down to the denormals), 2^22 evenly spaced
 * values of [-100, 100], the 2^14 floats on either side of the points where
 * the algorithms change (exp's overflow and underflow limits and clamps,
 * tanh's 0.625, log's sqrt(1/2), sqrt(2) and FLT_MIN, expm1's +-ln2/2,
 * Mish's 20), every 1024th float from 2^7 to FLT_MAX (log's domain), and
 * the specials: +-0, +-inf, NaN, +-FLT_MIN, +-FLT_MAX,
 * +-FLT_TRUE_MIN. The error of a result y against the double reference r
 * is |y - r| in units of the last place of r rounded to float (denormal
 * units below FLT_MIN); a NaN or an infinity must be exactly that. The
 * hard activations' error is |y - r| / max(1, |x|) (see max_scaled).
 * Prints one line per function (max ULP, where, max absolute error) and
 * fails when a bound below is exceeded.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cvrt.h"
#include "test_vmath.h"

#define EXIT_SKIP 77
#define TINY 0x1p-100 /* results below: the "tiny" column */

extern int cvrt_isa_current;

static const char *const fn_names[VMATH_COUNT] = {
	"exp", "sigmoid", "silu", "tanh", "erf", "gelu", "gelu_tanh", "log", "expm1", "softplus",
	"elu", "selu", "mish", "hard_sigmoid", "hard_swish"};
/* Max ULP allowed for results of at least TINY in magnitude (or 0), and
 * for the tiny ones: denormal results have fewer significant bits, and
 * SiLU multiplies x (up to 104) by a sigmoid already rounded to one (its
 * sigmoid is normal for results above 87.3 * FLT_MIN, about 2^-119.5).
 * GELU's tanh form is x * sigmoid(u), u = 1.5958 (x + 0.044715 x^3): u is
 * rounded to float (and so is the constant), and exp turns an absolute error
 * of u into a relative one |u| times as large: about 140 ULP at x = -9
 * (u = -66), 7 for x >= -2; any float evaluation of it shares that.
 * Mish's tiny results multiply x by a denormal e^x, as SiLU's by a denormal
 * sigmoid. ELU is measured with alpha = 1, SELU with ONNX's defaults.
 * The hard activations have no libm counterpart of their own: x / 6 + 1 / 2
 * cancels near x = -3 (relative error unbounded there), so they are held to
 * |y - r| / max(1, |x|) <= max_scaled instead. */
static const double max_ulp[VMATH_COUNT] = {2, 3, 4, 3, 3, 8, 200, 2, 2, 3, 2, 3, 4, INFINITY, INFINITY};
static const double max_ulp_denorm[VMATH_COUNT] = {2, 3, 64, 3, 2, 16, 256, 2, 2, 3, 2, 3, 64,
						   INFINITY, INFINITY};
static const double max_scaled[VMATH_COUNT] = {INFINITY, INFINITY, INFINITY, INFINITY, INFINITY,
					       INFINITY, INFINITY, INFINITY, INFINITY, INFINITY,
					       INFINITY, INFINITY, INFINITY, 1.2e-7, 1.2e-7};

static double ref(int fn, double x)
{
	double s;

	switch (fn) {
	case VMATH_EXP:
		return exp(x);
	case VMATH_SIGMOID:
	case VMATH_SILU:
		s = x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
		if (isnan(x))
			s = x;
		return fn == VMATH_SIGMOID ? s : x * s;
	case VMATH_TANH:
		return tanh(x);
	case VMATH_ERF:
		return erf(x);
	case VMATH_GELU:
		return isinf(x) && x < 0 ? -0.0 : 0.5 * x * erfc(-x / sqrt(2.0));
	case VMATH_GELU_TANH:
		s = 1.5957691216057308 * (x + 0.044715 * x * x * x);
		s = s >= 0 ? 1.0 / (1.0 + exp(-s)) : exp(s) / (1.0 + exp(s));
		return isnan(x) ? x : x * s;
	case VMATH_LOG:
		return log(x);
	case VMATH_EXPM1:
		return expm1(x);
	case VMATH_SOFTPLUS:
		return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
	case VMATH_ELU:
		return x >= 0 ? x : expm1(x);
	case VMATH_SELU:
		return 1.05070102214813232421875 * (x > 0 ? x : 1.67326319217681884765625 * expm1(x));
	case VMATH_MISH:
		if (isinf(x))
			return x < 0 ? -0.0 : x;
		s = x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
		return x * tanh(s);
	case VMATH_HARD_SIGMOID:
		return isnan(x) ? x : fmin(1.0, fmax(0.0, 0.2 * x + 0.5));
	default:
		return isnan(x) ? x : x * fmin(1.0, fmax(0.0, x / 6.0 + 0.5));
	}
}

/* |y - r| in ULPs of r as a float (see the header). */
static double ulp_err(float y, double r)
{
	float rf = (float)r;
	int e;

	if (isnan(r) || isinf(rf))
		return (isnan(r) ? isnan(y) : y == rf) ? 0.0 : INFINITY;
	if (isnan(y) || isinf(y))
		return INFINITY;
	if (r == 0.0)
		return fabs((double)y) / ldexp(1.0, -149);
	e = ilogb(r);
	if (e < -126)
		e = -126;
	return fabs((double)y - r) / ldexp(1.0, e - 23);
}

static float from_bits(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

/* The inputs (see the header); *n gets their count. */
static float *inputs(size_t *n)
{
	static const float edges[] = {88.72283935f, 89.0f,	-87.33654475f, -103.9720840f,
				      -104.0f,	    0.625f,	-0.625f,	 44.36141968f,
				      0.70710677f,  1.41421354f, 1.0f,	 0.34657359f,
				      -0.34657359f, 20.0f,	1.17549435e-38f};
	size_t cap = ((size_t)1 << 26), k = 0, i;
	float *x = malloc(cap * sizeof *x);
	uint32_t u, top = 0x43000000u; /* 128.0f */
	int j;

	if (!x)
		return NULL;
	for (u = 0; u <= top; u += 128) {
		x[k++] = from_bits(u);
		x[k++] = from_bits(u | 0x80000000u);
	}
	for (i = 0; i < ((size_t)1 << 22); i++)
		x[k++] = (float)(-100.0 + 200.0 * (double)i / (double)((1 << 22) - 1));
	/* every 1024th positive float above 2^7 up to inf (log's domain) */
	for (u = top; u < 0x7f800000u; u += 1024)
		x[k++] = from_bits(u);
	for (i = 0; i < sizeof edges / sizeof edges[0]; i++) {
		uint32_t b;
		memcpy(&b, &edges[i], sizeof b);
		for (j = -(1 << 14); j <= (1 << 14); j++)
			x[k++] = from_bits(b + (uint32_t)j);
	}
	x[k++] = 0.0f;
	x[k++] = -0.0f;
	x[k++] = INFINITY;
	x[k++] = -INFINITY;
	x[k++] = NAN;
	x[k++] = FLT_MIN;
	x[k++] = -FLT_MIN;
	x[k++] = FLT_MAX;
	x[k++] = -FLT_MAX;
	x[k++] = from_bits(1);
	x[k++] = from_bits(0x80000001u);
	*n = k;
	return x;
}

int main(void)
{
	static const char *const isa_names[] = {"portable", "avx2", "avx512"};
	void (*const eval[])(int, int64_t, float *) = {
		vmath_eval__portable,
#ifdef CVRT_X86
		vmath_eval__avx2,
		vmath_eval__avx512,
#endif
	};
	char err[256] = "";
	size_t n, i;
	float *x, *y;
	int fn, bad = 0;

	if (cvrt_isa_init(err, sizeof err) != 0) {
		printf("%s\n", err);
		return EXIT_SKIP;
	}
	x = inputs(&n);
	y = malloc(n * sizeof *y);
	if (!x || !y) {
		printf("out of memory\n");
		return 1;
	}
	printf("%zu inputs, ISA %s\n", n, isa_names[cvrt_isa_current]);
	printf("| function | ISA | max ULP | at x | max ULP, tiny results | at x |"
	       " max abs error / max(1, abs(x)) |\n");
	for (fn = 0; fn < VMATH_COUNT; fn++) {
		double worst = 0, worst_d = 0, worst_s = 0;
		float at = 0, at_d = 0;
		int fail;
		memcpy(y, x, n * sizeof *y);
		eval[cvrt_isa_current](fn, (int64_t)n, y);
		for (i = 0; i < n; i++) {
			double r = ref(fn, x[i]), e = ulp_err(y[i], r);
			if (r != 0 && fabs(r) < TINY) {
				if (e > worst_d) {
					worst_d = e;
					at_d = x[i];
				}
			} else if (e > worst) {
				worst = e;
				at = x[i];
			}
			if (fn >= VMATH_HARD_SIGMOID && !isnan(r) && !isinf((float)r) &&
			    fabs(y[i] - r) / fmax(1.0, fabs(x[i])) > worst_s)
				worst_s = fabs(y[i] - r) / fmax(1.0, fabs(x[i]));
		}
		fail = worst > max_ulp[fn] || worst_d > max_ulp_denorm[fn] || worst_s > max_scaled[fn];
		if (fn >= VMATH_HARD_SIGMOID)
			printf("| %s | %s | - | - | - | - | %.3g |%s\n", fn_names[fn],
			       isa_names[cvrt_isa_current], worst_s, fail ? " FAIL" : "");
		else
			printf("| %s | %s | %.2f | %.9g | %.2f | %.9g | - |%s\n", fn_names[fn],
			       isa_names[cvrt_isa_current], worst, at, worst_d, at_d,
			       fail ? " FAIL" : "");
		bad |= fail;
	}
	free(x);
	free(y);
	return bad;
}
