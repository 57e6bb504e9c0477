/* The register function aborts. */
#include <stdlib.h>

#include <convc/plugin.h>

static cv_status register_passes(cv_pass_registry *r, cv_diag *d)
{
	abort();
}

CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void)
{
	static const cv_plugin_info info = {
		CV_PLUGIN_ABI_VERSION, sizeof(cv_plugin_info), "register-abort", "1.0", register_passes};
	return &info;
}
