/* Writes to an unmapped address, as a pass with a stray pointer does (not
 * NULL itself, which UBSan would catch before the fault). */
#include <stdint.h>

#include "bad_pass.h"

static cv_status run(cv_module *m, const cv_pass_options *o, cv_pass_stats *s, cv_diag *d)
{
	*(volatile int *)(uintptr_t)16 = m->graph.num_inputs;
	return CV_OK;
}

BAD_PASS_PLUGIN("segv", run)
