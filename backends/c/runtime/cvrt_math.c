/*
 * cvrt_math.c - elementwise math that is not an activation (cvrt_math1):
 * negation, absolute value, reciprocal, square root.
 *
 * Kernels of cvrt.h, compiled once per ISA (cvrt_impl.h). Each op is its
 * own plain loop (the switch is outside), for the compiler to vectorize.
 * Single-threaded: one streaming pass, bound by memory bandwidth.
 */
#include "cvrt_impl.h"

/* This object's version of the entry point (cvrt_math_api.c calls it). */
#define cvrt_math1 CVRT_FN(cvrt_math1)

#define MATH1_LOOP(expr)                                                           \
	do {                                                                           \
		int64_t i;                                                             \
		for (i = 0; i < count; i++) {                                          \
			float v = x[i];                                                \
			y[i] = (expr);                                                 \
		}                                                                      \
	} while (0)

void cvrt_math1(int op, int64_t count, const float *x, float *y)
{
	switch (op) {
	case CVRT_MATH1_NEG: MATH1_LOOP(-v); break;
	case CVRT_MATH1_ABS: MATH1_LOOP(fabsf(v)); break;
	case CVRT_MATH1_RECIPROCAL: MATH1_LOOP(1.0f / v); break;
	default: MATH1_LOOP(sqrtf(v)); break;
	}
}
