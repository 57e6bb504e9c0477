/*
 * fuzz_target.c - target XML -> cv_target_load (libxml2 without network,
 * RelaxNG validation against the embedded targets/target.rng, then the
 * value checks). Any input must give CV_OK or an error; a loaded target must
 * satisfy what convc/target.h promises.
 */
#include "tests/fuzz/fuzz_common.h"

#include <math.h>

#include "convc/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cv_target t;
	cv_diag d;

	cv_diag_init(&d, NULL);
	if (cv_target_load(fuzz_file(data, size), &t, &d) == CV_OK) {
		FUZZ_CHECK(t.cores >= 1, "cores %d", t.cores);
		FUZZ_CHECK(!(t.rows || t.cols) || t.cores <= t.rows * t.cols, "cores %d > %d x %d",
			   t.cores, t.rows, t.cols);
		FUZZ_CHECK(isfinite(t.peak_flops) && isfinite(t.memory_bandwidth) &&
				   isfinite(t.local_memory),
			   "non-finite number");
		FUZZ_CHECK(memchr(t.name, 0, sizeof t.name) != NULL, "name not terminated");
	}
	return 0;
}
