/*
 * fuzz_npy.c - the emitted runner's .npy reader (backends/c/runtime/main.c,
 * read_npy and its header parser), against the input shape of the small
 * model this build emitted (conv_basic). main.c is included whole, its
 * main() renamed, so its static reader is called as the runner calls it.
 */
#include "tests/fuzz/fuzz_common.h"

#define main cvrt_runner_main
#include "backends/c/runtime/main.c"
#undef main

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char *buf;
	size_t count = model_input_size(0);

	if (!buf && !(buf = calloc(1, model_input_bytes(0) + 8)))
		abort();
	read_npy(fuzz_file(data, size), model_input_rank(0), model_input_dims(0), count, model_input_dtype(0),
		 buf);
	return 0;
}
