/*
 * The mistake convc_add_pass_plugin() invites: it compiles with hidden
 * visibility, so an entry point not marked visibility("default") is not
 * exported and convc cannot find it.
 */
#include <convc/plugin.h>

static cv_status register_passes(cv_pass_registry *r, cv_diag *d)
{
	return CV_OK;
}

__attribute__((visibility("hidden"))) const cv_plugin_info *convc_plugin_info(void)
{
	static const cv_plugin_info info = {
		CV_PLUGIN_ABI_VERSION, sizeof(cv_plugin_info), "hidden-entry", "1.0", register_passes};
	return &info;
}
