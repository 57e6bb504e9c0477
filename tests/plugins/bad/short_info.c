/* A descriptor claiming to be smaller than any cv_plugin_info convc knows. */
#include <convc/plugin.h>

static cv_status register_passes(cv_pass_registry *r, cv_diag *d)
{
	return CV_OK;
}

CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void)
{
	static const cv_plugin_info info = {CV_PLUGIN_ABI_VERSION, 8, "short-info", "1.0", register_passes};
	return &info;
}
