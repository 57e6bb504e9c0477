/*
 * fuzz_profile.c - --profile-from JSON -> cv_profile_read (jansson, then
 * the complete events grouped by name, median per name).
 */
#include "tests/fuzz/fuzz_common.h"

#include <math.h>

#include "convc/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cv_profile p;
	cv_diag d;
	int i;

	cv_diag_init(&d, NULL);
	if (cv_profile_read(fuzz_file(data, size), &p, &d) == CV_OK) {
		FUZZ_CHECK(p.count > 0, "no entries");
		for (i = 0; i < p.count; i++)
			FUZZ_CHECK(p.entries[i].name && p.entries[i].ms >= 0, "entry %d", i);
		cv_profile_free(&p);
	}
	return 0;
}
