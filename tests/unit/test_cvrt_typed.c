/*
 * test_cvrt_typed.c - the typed kernels (cvrt_typed.c) against PyTorch:
 * integer division and wrap-around, float32 -> float16/bfloat16 rounding,
 * float -> int32 truncation, argmax/argmin (first and last index), where,
 * gather and comparisons with NaN. The expected values are in
 * test_cvrt_typed_data.h (gen_test_cvrt_typed.py). Built like test_cvrt,
 * run once per ISA (CVRT_ISA): unit.cvrt_typed.<isa>.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cvrt.h"
#include "test_cvrt_typed_data.h"

int test_isa_setup(int argc, char **argv);

static int failures;

#define N(a) ((int64_t)(sizeof(a) / sizeof((a)[0])))

/* got and want: n elements of size bytes each; report the first difference. */
static void expect_bytes(const char *what, const void *got, const void *want, int64_t n, size_t size)
{
	int64_t i;

	for (i = 0; i < n; i++)
		if (memcmp((const char *)got + i * size, (const char *)want + i * size, size)) {
			printf("FAIL %s: element %lld differs\n", what, (long long)i);
			failures++;
			return;
		}
	printf("ok   %s\n", what);
}

static void test_arith(void)
{
	int64_t dims[1], s1[1] = {1}, y64[16];
	int8_t y8[16];
	uint8_t yu[16];

	dims[0] = N(div_a);
	cvrt_binary_x(CVRT_I64, CVRT_DIV, 1, dims, div_a, s1, div_b, s1, y64);
	expect_bytes("i64 div truncates toward zero", y64, div_y, N(div_y), 8);
	dims[0] = N(i8_a);
	cvrt_binary_x(CVRT_I8, CVRT_ADD, 1, dims, i8_a, s1, i8_b, s1, y8);
	expect_bytes("i8 add wraps", y8, i8_add, N(i8_add), 1);
	cvrt_binary_x(CVRT_I8, CVRT_MUL, 1, dims, i8_a, s1, i8_b, s1, y8);
	expect_bytes("i8 mul wraps", y8, i8_mul, N(i8_mul), 1);
	dims[0] = N(u8_a);
	cvrt_binary_x(CVRT_U8, CVRT_SUB, 1, dims, u8_a, s1, u8_b, s1, yu);
	expect_bytes("u8 sub wraps", yu, u8_sub, N(u8_sub), 1);
}

static void test_cast(void)
{
	uint16_t h[16];
	int32_t i[16];

	cvrt_cast(CVRT_F32, CVRT_F16, N(f32_x), f32_x, h);
	expect_bytes("f32 -> f16 rounds to nearest even", h, f16_y, N(f16_y), 2);
	cvrt_cast(CVRT_F32, CVRT_BF16, N(f32_x), f32_x, h);
	expect_bytes("f32 -> bf16 rounds to nearest even", h, bf16_y, N(bf16_y), 2);
	cvrt_cast(CVRT_F32, CVRT_I32, N(trunc_x), trunc_x, i);
	expect_bytes("f32 -> i32 truncates", i, trunc_y, N(trunc_y), 4);
}

static void test_select(void)
{
	int64_t y[16], dims2[2] = {2, 3}, sc[2] = {0, 1}, sa[2] = {3, 1}, sb[2] = {0, 0};
	int64_t cd[1] = {N(cmp_a)}, s1[1] = {1}, s0[1] = {0};
	int32_t g[16];
	uint8_t c[16];

	cvrt_arg(CVRT_F32, 0, 0, 3, 4, 1, arg_x, y);
	expect_bytes("argmax, first index", y, argmax_y, N(argmax_y), 8);
	cvrt_arg(CVRT_F32, 0, 1, 3, 4, 1, arg_x, y);
	expect_bytes("argmax, select_last", y, argmax_last_y, N(argmax_last_y), 8);
	cvrt_arg(CVRT_F32, 1, 0, 3, 4, 1, arg_x, y);
	expect_bytes("argmin, first index", y, argmin_y, N(argmin_y), 8);
	cvrt_where(8, 2, dims2, where_c, sc, where_a, sa, (const int64_t[]){-1}, sb, y);
	expect_bytes("where, broadcast", y, where_y, N(where_y), 8);
	cvrt_gather(4, CVRT_I64, 3, 4, 1, gather_x, gather_i, N(gather_i), g);
	expect_bytes("gather along axis 1", g, gather_y, N(gather_y), 4);
	cvrt_binary_x(CVRT_F32, CVRT_LESS, 1, cd, cmp_a, s1, cmp_b, s0, c);
	expect_bytes("less (NaN false)", c, cmp_lt, N(cmp_lt), 1);
	cvrt_binary_x(CVRT_F32, CVRT_GREATER_EQUAL, 1, cd, cmp_a, s1, cmp_b, s0, c);
	expect_bytes("greater_equal (NaN false)", c, cmp_ge, N(cmp_ge), 1);
	cvrt_binary_x(CVRT_F32, CVRT_EQUAL, 1, cd, cmp_a, s1, cmp_b, s0, c);
	expect_bytes("equal (NaN false)", c, cmp_eq, N(cmp_eq), 1);
}

int main(int argc, char **argv)
{
	int rc = test_isa_setup(argc, argv);

	if (rc >= 0)
		return rc;
	test_arith();
	test_cast();
	test_select();
	printf("%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
