/* Ends the process with exit(0) half way through a pipeline. */
#include <stdlib.h>

#include "bad_pass.h"

static cv_status run(cv_module *m, const cv_pass_options *o, cv_pass_stats *s, cv_diag *d)
{
	exit(0);
}

BAD_PASS_PLUGIN("exit", run)
