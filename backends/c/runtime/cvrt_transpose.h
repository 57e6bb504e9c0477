/*
 * cvrt_transpose.h - the 2-D transpose that cvrt_copy.c and cvrt_window.c
 * share (internal). Included after cvrt_impl.h.
 */
#ifndef CVRT_TRANSPOSE_H
#define CVRT_TRANSPOSE_H

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

#endif
