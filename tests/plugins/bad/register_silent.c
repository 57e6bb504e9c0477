/* A register function that fails without saying why. */
#include <convc/plugin.h>

static cv_status register_passes(cv_pass_registry *r, cv_diag *d)
{
	return CV_ERR_INPUT;
}

CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void)
{
	static const cv_plugin_info info = {
		CV_PLUGIN_ABI_VERSION, sizeof(cv_plugin_info), "register-silent", "1.0", register_passes};
	return &info;
}
