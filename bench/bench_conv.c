/*
 * bench_conv.c - GFLOP/s of cvrt_conv2d_nhwc (packed weights) on the conv
 * shapes of resnet18/50 and mobilenet_v2, one process, one thread team.
 *
 *   R=backends/c/runtime; F="-mavx512f -mavx512dq -mavx512bw -mavx512vl -mavx2 -mfma"
 *   for f in gemm conv; do cc -O3 -fopenmp $F -DCVRT_SFX=__portable \
 *      -c $R/cvrt_$f.c -o /tmp/bench_$f.o; done
 *   cc -O3 -fopenmp -I $R bench/bench_conv.c $R/cvrt_isa.c $R/cvrt_conv_api.c \
 *      $R/cvrt_gemm_api.c /tmp/bench_gemm.o /tmp/bench_conv.o -lm -o /tmp/bench_conv
 *   OMP_NUM_THREADS=1 /tmp/bench_conv [REPS] [CASE-SUBSTRING] [cold]
 *
 * Built so, the kernels are the AVX-512 ones (F; -mavx2 -mfma for AVX2)
 * under the portable names, which are the only ones the entry points call
 * without -DCVRT_X86: no dispatch, one ISA.
 *
 * CONV_SPLIT=rows or cols in the environment divides the work among threads
 * as a height or width placement does (default auto: the kernel's own tiling).
 * CONV_ACT=relu (default), none or silu picks the fused activation (the
 * small detectors' convs end in SiLU).
 * CONV_ALGO=winograd2 or winograd4 runs the 3x3 stride-1 shapes as Winograd
 * F(2x2, 3x3) or F(4x4, 3x3) (CVRT_CONV_WINOGRAD2/4), after checking it
 * against the direct conv (the largest difference is printed); GFLOP/s
 * still count the direct FLOPs. Default direct. Any other value of either
 * variable is refused (exit status 2).
 *
 * Each case: random input and HWIO weights, packed with cvrt_pack_conv2d_nhwc,
 * one warm-up call, then REPS timed calls (default 30); prints the median
 * and best time and GFLOP/s (2 * pixels * k * m flops per call). Weights
 * are reused across calls, so big ones come from the caches, which a network
 * would have filled with other layers' weights; with `cold`, every call
 * reads another copy of them (copies adding up to 256 MiB or more), as a
 * network streams its weights from memory.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cvrt.h"

struct shape {
	const char *name;
	int h, w, c, m, k, s, pad;
};

static const struct shape shapes[] = {
	{"r18.conv1 7x7/2 c3", 224, 224, 3, 64, 7, 2, 3},
	{"r18.layer1 3x3 c64", 56, 56, 64, 64, 3, 1, 1},
	{"r18.layer2 3x3 c128", 28, 28, 128, 128, 3, 1, 1},
	{"r18.layer3 3x3 c256", 14, 14, 256, 256, 3, 1, 1},
	{"r18.layer4 3x3 c512", 7, 7, 512, 512, 3, 1, 1},
	{"r18.layer4.0 3x3/2 c256", 14, 14, 256, 512, 3, 2, 1},
	{"r18.layer4 1x1/2 ds", 14, 14, 256, 512, 1, 2, 0},
	{"r50.layer4 1x1 c2048>512", 7, 7, 2048, 512, 1, 1, 0},
	{"r50.layer4 1x1 c512>2048", 7, 7, 512, 2048, 1, 1, 0},
	{"r50.layer1 1x1 c64>256", 56, 56, 64, 256, 1, 1, 0},
	{"r50.layer1 1x1 c64>64", 56, 56, 64, 64, 1, 1, 0},
	{"r50.layer1 1x1 c256>64", 56, 56, 256, 64, 1, 1, 0},
	{"r50.layer2 1x1 c256>128", 56, 56, 256, 128, 1, 1, 0},
	{"r50.layer2 1x1 c512>128", 28, 28, 512, 128, 1, 1, 0},
	{"r50.layer2 1x1 c128>512", 28, 28, 128, 512, 1, 1, 0},
	{"r50.layer3 1x1 c1024>256", 14, 14, 1024, 256, 1, 1, 0},
	{"r50.layer3 1x1 c256>1024", 14, 14, 256, 1024, 1, 1, 0},
	{"mbv2 1x1 c16>96", 112, 112, 16, 96, 1, 1, 0},
	{"mbv2 1x1 c96>24", 56, 56, 96, 24, 1, 1, 0},
	{"mbv2 1x1 c24>144", 56, 56, 24, 144, 1, 1, 0},
	{"mbv2 1x1 c144>24", 56, 56, 144, 24, 1, 1, 0},
	{"mbv2 1x1 c32>192", 28, 28, 32, 192, 1, 1, 0},
	{"mbv2 1x1 c192>32", 28, 28, 192, 32, 1, 1, 0},
	{"mbv2 1x1 c64>384", 14, 14, 64, 384, 1, 1, 0},
	{"mbv2 1x1 c384>64", 14, 14, 384, 64, 1, 1, 0},
	{"mbv2 1x1 c96>576", 14, 14, 96, 576, 1, 1, 0},
	{"mbv2 1x1 c576>96", 14, 14, 576, 96, 1, 1, 0},
	{"mbv2 1x1 c160>960", 7, 7, 160, 960, 1, 1, 0},
	{"mbv2 1x1 c960>160", 7, 7, 960, 160, 1, 1, 0},
	{"mbv2 1x1 c32>16", 112, 112, 32, 16, 1, 1, 0},
	{"mbv2 conv0 3x3/2 c3", 224, 224, 3, 32, 3, 2, 1},
	{"sq fire2 3x3 c16>64", 55, 55, 16, 64, 3, 1, 1},
	{"sq fire4 3x3 c32>128", 27, 27, 32, 128, 3, 1, 1},
	{"sq fire6 3x3 c48>192", 13, 13, 48, 192, 3, 1, 1},
	{"sq fire8 3x3 c64>256", 13, 13, 64, 256, 3, 1, 1},
	{"r50.layer1 3x3 c64", 56, 56, 64, 64, 3, 1, 1},
	{"r50.layer2 3x3 c128", 28, 28, 128, 128, 3, 1, 1},
	{"r50.layer3 3x3 c256", 14, 14, 256, 256, 3, 1, 1},
	{"r50.layer4 3x3 c512", 7, 7, 512, 512, 3, 1, 1},
	{"3x3 c8>8 on 56x56", 56, 56, 8, 8, 3, 1, 1},
	{"3x3 c16>16 on 56x56", 56, 56, 16, 16, 3, 1, 1},
	{"3x3 c32>32 on 56x56", 56, 56, 32, 32, 3, 1, 1},
	{"yolo8s stem 3x3/2 c3>8", 160, 160, 3, 8, 3, 2, 1},
	{"yolo8s 3x3/2 c8>16", 80, 80, 8, 16, 3, 2, 1},
	{"yolo8s 3x3 c8>8 on 40x40", 40, 40, 8, 8, 3, 1, 1},
	{"yolo8s 1x1 c24>16 on 40x40", 40, 40, 24, 16, 1, 1, 0},
	{"yolo8s 3x3 c16>16 on 20x20", 20, 20, 16, 16, 3, 1, 1},
	{"yolo8s 3x3/2 c16>32", 40, 40, 16, 32, 3, 2, 1},
	{"unet 3x3 c3>8 on 96x128", 96, 128, 3, 8, 3, 1, 1},
	{"unet 3x3 c8>8 on 96x128", 96, 128, 8, 8, 3, 1, 1},
	{"unet 3x3 c24>8 on 96x128", 96, 128, 24, 8, 3, 1, 1},
	{"unet 3x3 c16>16 on 48x64", 48, 64, 16, 16, 3, 1, 1},
	{"ppocr 3x3 c32>8 on 40x40", 40, 40, 32, 8, 3, 1, 1},
	{"3x3 c16>24 on 40x40", 40, 40, 16, 24, 3, 1, 1},
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static float *rnd(size_t n)
{
	float *p = malloc(n * sizeof(float));
	size_t i;

	for (i = 0; p && i < n; i++)
		p[i] = (float)rand() / RAND_MAX - 0.5f;
	return p;
}

static void run(const struct shape *s, int reps, int cold)
{
	int oh = (s->h + 2 * s->pad - s->k) / s->s + 1, ow = (s->w + 2 * s->pad - s->k) / s->s + 1;
	cvrt_conv2d_params p = {1, s->c, s->h, s->w, s->m, oh, ow, s->k, s->k, s->s, s->s,
				1, 1, s->pad, s->pad, 1, {CVRT_ACT_RELU, 0, 0}, CVRT_SPLIT_AUTO, 0,
				CVRT_CONV_DIRECT};
	size_t kdim = (size_t)s->k * s->k * s->c;
	float *x = rnd((size_t)s->h * s->w * s->c), *w = rnd(kdim * s->m), *b = rnd(s->m);
	float *pk = malloc(cvrt_conv2d_nhwc_packed_floats(&p) * sizeof(float));
	float *y = malloc((size_t)oh * ow * s->m * sizeof(float)), *wc = NULL, *ws = NULL;
	size_t wn = cvrt_conv2d_nhwc_packed_floats(&p), ncopy = 1, ci;
	double *t = malloc((size_t)reps * sizeof(double)), flop = 2.0 * oh * ow * kdim * s->m;
	const char *ea = getenv("CONV_ALGO");
	int i, algo = !ea                         ? CVRT_CONV_DIRECT
		      : !strcmp(ea, "winograd2") ? CVRT_CONV_WINOGRAD2
		      : !strcmp(ea, "winograd4") ? CVRT_CONV_WINOGRAD4
						 : CVRT_CONV_DIRECT; /* "direct" (main checked it) */

	if (getenv("CONV_ACT"))
		p.act.kind = !strcmp(getenv("CONV_ACT"), "silu")   ? CVRT_ACT_SILU
			     : !strcmp(getenv("CONV_ACT"), "none") ? CVRT_ACT_NONE
								   : CVRT_ACT_RELU;
	if (!x || !w || !b || !pk || !y || !t) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	/* CONV_SPLIT=rows|cols: the split a host placement would ask for. */
	if (getenv("CONV_SPLIT"))
		p.split = !strcmp(getenv("CONV_SPLIT"), "rows")   ? CVRT_SPLIT_ROWS
			  : !strcmp(getenv("CONV_SPLIT"), "cols") ? CVRT_SPLIT_COLS
								  : CVRT_SPLIT_AUTO;
	/* CONV_ALGO=winograd2|winograd4: CVRT_CONV_WINOGRAD2/4 where the shape
	 * allows it; checked against the direct conv first (max |difference|
	 * printed). */
	if (algo && cvrt_conv2d_winograd_ok(&p)) {
		cvrt_conv2d_params d = p;
		float *yd = malloc((size_t)oh * ow * s->m * sizeof(float));
		size_t k;
		double err = 0, big = 0;
		p.algo = algo;
		free(pk);
		wn = cvrt_conv2d_nhwc_packed_floats(&p);
		pk = malloc(wn * sizeof(float));
		ws = malloc((cvrt_conv2d_nhwc_workspace(&p) + 1) * sizeof(float));
		if (!yd || !pk || !ws) {
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
		cvrt_pack_conv2d_nhwc(&d, w, pk);
		cvrt_conv2d_nhwc(&d, x, pk, b, NULL, yd, NULL);
		cvrt_pack_conv2d_nhwc(&p, w, pk);
		cvrt_conv2d_nhwc(&p, x, pk, b, NULL, y, ws);
		for (k = 0; k < (size_t)oh * ow * s->m; k++) {
			double e = fabs((double)y[k] - yd[k]);
			err = e > err ? e : err;
			big = fabs(yd[k]) > big ? fabs(yd[k]) : big;
		}
		printf("%-26s winograd%d: max |winograd - direct| = %.2e (max |y| %.2f)\n", s->name,
		       cvrt_winograd_tile(algo), err, big);
		free(yd);
	} else {
		cvrt_pack_conv2d_nhwc(&p, w, pk);
	}
	if (cold) {
		ncopy = ((size_t)256 << 20) / (wn * sizeof(float)) + 1;
		wc = malloc(ncopy * wn * sizeof(float));
		for (ci = 0; wc && ci < ncopy; ci++)
			memcpy(wc + ci * wn, pk, wn * sizeof(float));
	}
	cvrt_conv2d_nhwc(&p, x, pk, b, NULL, y, ws);
	for (i = 0; i < reps; i++) {
		const float *wi = wc ? wc + (size_t)i % ncopy * wn : pk;
		double t0 = now_ms();
		cvrt_conv2d_nhwc(&p, x, wi, b, NULL, y, ws);
		t[i] = now_ms() - t0;
	}
	free(wc);
	free(ws);
	qsort(t, (size_t)reps, sizeof *t, cmp);
	printf("%-26s %8.3f ms  %6.1f GFLOP/s  (best %6.1f)\n", s->name, t[reps / 2],
	       flop / t[reps / 2] * 1e-6, flop / t[0] * 1e-6);
	free(x), free(w), free(b), free(pk), free(y), free(t);
}

/* Whether environment variable `name` is unset or one of a, b, c (else says so). */
static int env_is(const char *name, const char *a, const char *b, const char *c)
{
	const char *v = getenv(name);

	if (!v || !strcmp(v, a) || !strcmp(v, b) || !strcmp(v, c))
		return 1;
	fprintf(stderr, "bench_conv: %s=%s: expected %s, %s or %s\n", name, v, a, b, c);
	return 0;
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 30;
	size_t i;

	if (reps < 1)
		reps = 1;
	/* A misspelt setting would otherwise time the default silently. */
	if (!env_is("CONV_ALGO", "direct", "winograd2", "winograd4") ||
	    !env_is("CONV_SPLIT", "auto", "rows", "cols") ||
	    !env_is("CONV_ACT", "relu", "none", "silu"))
		return 2;
	for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
		if (argc < 3 || strstr(shapes[i].name, argv[2]))
			run(&shapes[i], reps, argc > 3 && !strcmp(argv[3], "cold"));
	return 0;
}
