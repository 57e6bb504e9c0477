/* Gives up with abort() instead of returning an error. */
#include <stdlib.h>

#include "bad_pass.h"

static cv_status run(cv_module *m, const cv_pass_options *o, cv_pass_stats *s, cv_diag *d)
{
	abort();
}

BAD_PASS_PLUGIN("abort", run)
