/* Fails without a message. */
#include "bad_pass.h"

static cv_status run(cv_module *m, const cv_pass_options *o, cv_pass_stats *s, cv_diag *d)
{
	return CV_ERR_INPUT;
}

BAD_PASS_PLUGIN("silent-error", run)
