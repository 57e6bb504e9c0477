/* Returns a pointer to a descriptor on its stack instead of a static one. */
#include <convc/plugin.h>

static cv_status register_passes(cv_pass_registry *r, cv_diag *d)
{
	return CV_OK;
}

static const cv_plugin_info *make(void)
{
	cv_plugin_info info = {CV_PLUGIN_ABI_VERSION, sizeof(cv_plugin_info), "stack-info", "1.0",
			       register_passes};
	const cv_plugin_info *volatile p = &info;

	return p; /* dangling once make returns */
}

CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void)
{
	return make();
}
