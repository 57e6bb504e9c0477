/*
 * fuzz_weights.c - model_create's weights loading (the emitted model.c's
 * load_weights: size and FNV-1a checksum checks) for a fixed small model
 * (conv_basic, emitted by this build). A file it accepts must be one the
 * model then runs with; every other one must be refused cleanly.
 */
#include "tests/fuzz/fuzz_common.h"

#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static float *in, *out;
	char err[256];
	model_ctx *ctx;

	if (!in) {
		in = calloc(model_input_size(0) + 1, sizeof *in);
		out = calloc(model_output_size(0) + 1, sizeof *out);
		if (!in || !out)
			abort();
	}
	err[0] = '\0';
	ctx = model_create(fuzz_file(data, size), 1, err, sizeof err);
	if (ctx) {
		const float *ins[1] = {in};
		float *outs[1] = {out};
		FUZZ_CHECK(model_run(ctx, ins, outs) == 0, "run failed");
		model_free(ctx);
	} else {
		FUZZ_CHECK(err[0], "model_create failed without a message");
	}
	return 0;
}
