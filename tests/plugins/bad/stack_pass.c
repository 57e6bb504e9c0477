/* Registers a pass descriptor that lives on the register function's stack. */
#include <convc/plugin.h>

static cv_status run(cv_module *m, const cv_pass_options *o, cv_pass_stats *s, cv_diag *d)
{
	return CV_OK;
}

static cv_status register_passes(cv_pass_registry *r, cv_diag *d)
{
	cv_pass pass = {"stack-pass", "a pass on the stack", NULL, run, NULL};

	return cv_pass_registry_add(r, &pass, "stack-pass", d);
}

CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void)
{
	static const cv_plugin_info info = {
		CV_PLUGIN_ABI_VERSION, sizeof(cv_plugin_info), "stack-pass", "1.0", register_passes};
	return &info;
}
