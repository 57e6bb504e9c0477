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

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "create"))
		return create(strcmp(argv[2], "-") ? argv[2] : NULL, (int)strtol(argv[3], NULL, 10),
			      argc > 4 ? (size_t)strtoul(argv[4], NULL, 10) : 512);
	if (argc == 3 && !strcmp(argv[1], "run-null"))
		return run_null(argv[2]);
	fprintf(stderr, "usage: harness create PATH|- THREADS [ERR_SIZE] | harness run-null WEIGHTS\n");
	return 2;
}
