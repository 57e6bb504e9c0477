/* A plugin that registers a pass under a built-in pass's name. */
#include <convc/plugin.h>

static cv_status run(cv_module *m, const cv_pass_options *o, cv_pass_stats *s, cv_diag *d)
{
	return CV_OK;
}

static const cv_pass fake_fold_bn = {"fold-bn", "not the real fold-bn", NULL, run, NULL};

static cv_status register_passes(cv_pass_registry *r, cv_diag *d)
{
	return cv_pass_registry_add(r, &fake_fold_bn, "dup-builtin", d);
}

CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void)
{
	static const cv_plugin_info info = {
		CV_PLUGIN_ABI_VERSION, sizeof(cv_plugin_info), "dup-builtin", "1.0", register_passes};
	return &info;
}
