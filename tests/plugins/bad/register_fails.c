/* A plugin whose register function refuses, with a reason. */
#include <convc/plugin.h>

static cv_status register_passes(cv_pass_registry *r, cv_diag *d)
{
	return cv_diag_error(d, CV_ERR_INPUT, "CONVC_TEST_TOKEN is not set; refusing to register");
}

CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void)
{
	static const cv_plugin_info info = {
		CV_PLUGIN_ABI_VERSION, sizeof(cv_plugin_info), "register-fails", "1.0", register_passes};
	return &info;
}
