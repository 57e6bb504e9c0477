/*
 * One core's fp32 multiply-add peak per instruction set, measured: the
 * denominator of bench/conv_efficiency.py ("conv layers at N% of the AVX2
 * FMA peak", issue "fast on every network").
 *
 *   cc -O3 -o fma_peak bench/fma_peak.c && ./fma_peak [avx2|avx512 ...]
 *
 * For each instruction set the CPU has (__builtin_cpu_supports), runs 12
 * independent chains of vfmadd on full vectors (8 lanes for AVX2, 16 for
 * AVX-512) - enough chains to cover the FMA latency (4 cycles) times the
 * FMA ports (2) of current x86 cores - for about 0.2 s, 5 times, and prints
 * the best: "isa=avx2 gflops=NNN.N" (GFLOP/s, one FMA = 2 FLOP per lane).
 * Best of 5, not median: a peak is what the core can do when nothing else
 * runs. One thread; pin it with taskset to measure one core.
 *
 * Exit status: 0; 1 when an instruction set named on the command line is
 * unknown or not supported by this CPU.
 */
#define _POSIX_C_SOURCE 199309L
#include <immintrin.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define CHAINS 12

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static volatile float sink;

__attribute__((target("avx2,fma"))) static double run_avx2(long iters)
{
	__m256 acc[CHAINS];
	const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
	for (int c = 0; c < CHAINS; c++)
		acc[c] = _mm256_set1_ps((float)c);
	for (long i = 0; i < iters; i++)
#pragma GCC unroll 12
		for (int c = 0; c < CHAINS; c++)
			acc[c] = _mm256_fmadd_ps(acc[c], a, b);
	__m256 s = acc[0];
	for (int c = 1; c < CHAINS; c++)
		s = _mm256_add_ps(s, acc[c]);
	float out[8];
	_mm256_storeu_ps(out, s);
	sink = out[0];
	return 2.0 * 8 * CHAINS * (double)iters;
}

__attribute__((target("avx512f"))) static double run_avx512(long iters)
{
	__m512 acc[CHAINS];
	const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
	for (int c = 0; c < CHAINS; c++)
		acc[c] = _mm512_set1_ps((float)c);
	for (long i = 0; i < iters; i++)
#pragma GCC unroll 12
		for (int c = 0; c < CHAINS; c++)
			acc[c] = _mm512_fmadd_ps(acc[c], a, b);
	__m512 s = acc[0];
	for (int c = 1; c < CHAINS; c++)
		s = _mm512_add_ps(s, acc[c]);
	sink = _mm512_reduce_add_ps(s);
	return 2.0 * 16 * CHAINS * (double)iters;
}

static double best_gflops(double (*fn)(long))
{
	long iters = 1000000;
	/* grow until one trial takes ~0.2 s */
	for (;;) {
		double t0 = now_s(), flop = fn(iters), dt = now_s() - t0;
		(void)flop;
		if (dt > 0.2 || iters > (1L << 40))
			break;
		iters *= 2;
	}
	double best = 0;
	for (int r = 0; r < 5; r++) {
		double t0 = now_s(), flop = fn(iters), dt = now_s() - t0;
		if (dt > 0 && flop / dt > best)
			best = flop / dt;
	}
	return best * 1e-9;
}

int main(int argc, char **argv)
{
	int want_avx2 = argc < 2, want_avx512 = argc < 2;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "avx2") == 0)
			want_avx2 = 1;
		else if (strcmp(argv[i], "avx512") == 0)
			want_avx512 = 1;
		else {
			fprintf(stderr, "fma_peak: unknown instruction set '%s' (avx2, avx512)\n", argv[i]);
			return 1;
		}
	}
	__builtin_cpu_init();
	int has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	int has_avx512 = __builtin_cpu_supports("avx512f");
	if ((argc >= 2 && want_avx2 && !has_avx2) || (argc >= 2 && want_avx512 && !has_avx512)) {
		fprintf(stderr, "fma_peak: this CPU lacks an instruction set asked for\n");
		return 1;
	}
	if (want_avx2 && has_avx2)
		printf("isa=avx2 gflops=%.1f\n", best_gflops(run_avx2));
	if (want_avx512 && has_avx512)
		printf("isa=avx512 gflops=%.1f\n", best_gflops(run_avx512));
	return 0;
}
