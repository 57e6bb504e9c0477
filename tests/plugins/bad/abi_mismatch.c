/* A plugin built against headers of another plugin ABI version. */
#include <convc/plugin.h>

static cv_status register_passes(cv_pass_registry *r, cv_diag *d)
{
	return CV_OK;
}

CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void)
{
	static const cv_plugin_info info = {
		CV_PLUGIN_ABI_VERSION + 1, sizeof(cv_plugin_info), "abi-mismatch", "1.0", register_passes};
	return &info;
}
