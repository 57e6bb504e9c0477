/* test_vmath.h - what test_vmath.c and its per-ISA part share. */
#ifndef TEST_VMATH_H
#define TEST_VMATH_H

#include <stdint.h>

/* The hard activations last (test_vmath.c measures them differently). */
enum { VMATH_EXP, VMATH_SIGMOID, VMATH_SILU, VMATH_TANH, VMATH_ERF, VMATH_GELU, VMATH_GELU_TANH,
       VMATH_LOG, VMATH_EXPM1, VMATH_SOFTPLUS, VMATH_ELU, VMATH_SELU, VMATH_MISH,
       VMATH_HARD_SIGMOID, VMATH_HARD_SWISH, VMATH_COUNT };

/* y[0, n) = f(y[0, n)) for function fn, with one ISA's vector code. */
void vmath_eval__portable(int fn, int64_t n, float *y);
void vmath_eval__avx2(int fn, int64_t n, float *y);
void vmath_eval__avx512(int fn, int64_t n, float *y);

#endif
