/*
 * A plugin whose register function fails with CV_ERR_UNSUPPORTED. pass.h
 * promises CV_ERR_INPUT for every plugin load error, so convc exits 1.
 */
#include <convc/plugin.h>

static cv_status register_passes(cv_pass_registry *r, cv_diag *d)
{
	return cv_diag_error(d, CV_ERR_UNSUPPORTED, "needs a GPU backend, which this convc lacks");
}

CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void)
{
	static const cv_plugin_info info = {
		CV_PLUGIN_ABI_VERSION, sizeof(cv_plugin_info), "register-unsupported", "1.0",
		register_passes};
	return &info;
}
