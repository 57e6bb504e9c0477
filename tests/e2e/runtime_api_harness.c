/*
 * runtime_api_harness.c - calls the emitted model.h API directly, for
 * runtime_inputs_test.py (which builds it against an emitted model and
 * checks what it prints).
 *
 *   harness create PATH|- THREADS [ERR_SIZE]
 *       model_create(PATH or NULL, THREADS, err, ERR_SIZE (default 512));
 *       prints "NULL err=<err>" (err exactly as returned, "(none)" when
 *       ERR_SIZE is 0 and err is NULL), or "ctx threads=N run=R" after one
 *       model_run on zero inputs (R its return value), then frees it.
 *   harness run-null WEIGHTS
 *       model_run with a NULL context, NULL inputs, NULL outputs, and NULL
 *       input and output pointers: prints each return value, e.g.
 *       "null_ctx=-1 null_inputs=-1 ...", and model_threads(NULL),
 *       model_free(NULL).
 *
 *   harness io WEIGHTS
 *       the caller's buffers (io_buffers_test.py): fills the float32 inputs
 *       with a fixed pattern, runs once with every buffer 64-byte aligned
 *       and once with every buffer 4 bytes past that, and prints
 *       "aligned=R0 shifted=R1 max_diff=D" (D the largest absolute
 *       difference over all output elements, as %g); then model_run with
 *       output 0 at input 0's address, at input 0's last float, right after
 *       input 0's bytes, and (with two outputs or more) output 1 inside
 *       output 0: "same=R in_tail=R adjacent=R out_out=R" (out_out=n/a with
 *       one output). Needs float32 inputs and outputs.
 *
 * Exit status: 0 when the calls returned (whatever they returned), 2 on a
 * usage error. A crash or sanitizer report is the failure the test looks for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static float **alloc_io(int n, size_t (*size)(int))
{
	float **p = calloc((size_t)n + 1, sizeof *p);
	int i;

	if (!p)
		exit(3);
	for (i = 0; i < n; i++)
		if (!(p[i] = calloc(size(i) + 1, sizeof(float))))
			exit(3);
	return p;
}

static void free_io(float **p, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(p[i]);
	free(p);
}

static int create(const char *path, int threads, size_t err_size)
{
	char *err = err_size ? malloc(err_size) : NULL;
	model_ctx *ctx;

	if (err_size && !err)
		return 3;
	if (err)
		memset(err, 'x', err_size); /* model_create must terminate it */
	ctx = model_create(path, threads, err, err_size);
	if (!ctx) {
		printf("NULL err=%s\n", err ? err : "(none)");
	} else {
		float **in = alloc_io(model_num_inputs(), model_input_size);
		float **out = alloc_io(model_num_outputs(), model_output_size);
		int r = model_run(ctx, (const float *const *)in, out);
		printf("ctx threads=%d run=%d\n", model_threads(ctx), r);
		free_io(in, model_num_inputs());
		free_io(out, model_num_outputs());
		model_free(ctx);
	}
	free(err);
	return 0;
}

static int run_null(const char *path)
{
	char err[512];
	model_ctx *ctx = model_create(path, 1, err, sizeof err);
	float **in, **out, *save;

	if (!ctx) {
		printf("model_create failed: %s\n", err);
		return 1;
	}
	in = alloc_io(model_num_inputs(), model_input_size);
	out = alloc_io(model_num_outputs(), model_output_size);
	printf("null_ctx=%d", model_run(NULL, (const float *const *)in, out));
	printf(" null_inputs=%d", model_run(ctx, NULL, out));
	printf(" null_outputs=%d", model_run(ctx, (const float *const *)in, NULL));
	save = in[0];
	in[0] = NULL;
	printf(" null_input0=%d", model_run(ctx, (const float *const *)in, out));
	in[0] = save;
	save = out[0];
	out[0] = NULL;
	printf(" null_output0=%d", model_run(ctx, (const float *const *)in, out));
	out[0] = save;
	printf(" ok_run=%d threads_null=%d\n", model_run(ctx, (const float *const *)in, out),
	       model_threads(NULL));
	model_free(NULL);
	model_free(ctx);
	free_io(in, model_num_inputs());
	free_io(out, model_num_outputs());
	return 0;
}

/* A 64-byte aligned block of n floats, or exit 3. */
static float *alloc64f(size_t n)
{
	void *p = NULL;

	if (posix_memalign(&p, 64, (n ? n : 1) * sizeof(float)))
		exit(3);
	memset(p, 0, (n ? n : 1) * sizeof(float));
	return p;
}

static int io_run(model_ctx *ctx, float **in, float **out)
{
	return model_run(ctx, (const float *const *)in, out);
}

static int io_cases(const char *path)
{
	char err[512];
	model_ctx *ctx = model_create(path, 1, err, sizeof err);
	int ni = model_num_inputs(), no = model_num_outputs(), i, r0, r1;
	float *in[16], *out[16], *in_s[16], *out_s[16], *ref[16], *blk;
	double diff = 0;
	size_t k, n;

	if (!ctx) {
		printf("model_create failed: %s\n", err);
		return 1;
	}
	if (ni > 16 || no > 16 || no < 1 || ni < 1) {
		printf("io: needs 1 to 16 inputs and outputs\n");
		model_free(ctx);
		return 1;
	}
	/* in_s[i] / out_s[i]: 4 bytes past a 64-byte boundary (block[1]) */
	for (i = 0; i < ni; i++) {
		n = model_input_size(i);
		in[i] = alloc64f(n);
		in_s[i] = alloc64f(n + 1) + 1;
		for (k = 0; k < n; k++)
			in[i][k] = in_s[i][k] = (float)((int)((k * 37 + (size_t)i * 11) % 101) - 50) / 25.0f;
	}
	for (i = 0; i < no; i++) {
		out[i] = alloc64f(model_output_size(i));
		out_s[i] = alloc64f(model_output_size(i) + 1) + 1;
		ref[i] = alloc64f(model_output_size(i));
	}
	r0 = io_run(ctx, in, out);
	for (i = 0; i < no; i++)
		memcpy(ref[i], out[i], model_output_size(i) * sizeof(float));
	r1 = io_run(ctx, in_s, out_s);
	for (i = 0; i < no; i++)
		for (k = 0; k < model_output_size(i); k++) {
			double d = (double)out_s[i][k] - (double)ref[i][k];
			d = d < 0 ? -d : d;
			if (d > diff || d != d)
				diff = d;
		}
	printf("aligned=%d shifted=%d max_diff=%g\n", r0, r1, diff);

	n = model_input_size(0);
	blk = alloc64f(n + model_output_size(0) + 16);
	memcpy(blk, in[0], n * sizeof(float));
	{
		float *save_in = in[0], *save_out = out[0];
		in[0] = blk;
		out[0] = blk;
		printf("same=%d", io_run(ctx, in, out));
		out[0] = n ? blk + n - 1 : blk;
		printf(" in_tail=%d", io_run(ctx, in, out));
		out[0] = blk + n;
		printf(" adjacent=%d", io_run(ctx, in, out));
		in[0] = save_in;
		out[0] = save_out;
	}
	if (no > 1) {
		float *save = out[1];
		out[1] = out[0] + model_output_size(0) / 2;
		printf(" out_out=%d\n", io_run(ctx, in, out));
		out[1] = save;
	} else {
		printf(" out_out=n/a\n");
	}
	free(blk);
	for (i = 0; i < ni; i++) {
		free(in[i]);
		free(in_s[i] - 1);
	}
	for (i = 0; i < no; i++) {
		free(out[i]);
		free(out_s[i] - 1);
		free(ref[i]);
	}
	model_free(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "create"))
		return create(strcmp(argv[2], "-") ? argv[2] : NULL, (int)strtol(argv[3], NULL, 10),
			      argc > 4 ? (size_t)strtoul(argv[4], NULL, 10) : 512);
	if (argc == 3 && !strcmp(argv[1], "run-null"))
		return run_null(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "io"))
		return io_cases(argv[2]);
	fprintf(stderr, "usage: harness create PATH|- THREADS [ERR_SIZE] | harness run-null WEIGHTS |\n"
			"       harness io WEIGHTS\n");
	return 2;
}
