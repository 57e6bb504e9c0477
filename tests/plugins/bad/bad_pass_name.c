/* A plugin registering a pass whose name cannot be written in -passes=. */
#include <convc/plugin.h>

static cv_status run(cv_module *m, const cv_pass_options *o, cv_pass_stats *s, cv_diag *d)
{
	return CV_OK;
}

static const cv_pass bad = {"Count Ops", "a name with a capital and a space", NULL, run, NULL};

static cv_status register_passes(cv_pass_registry *r, cv_diag *d)
{
	return cv_pass_registry_add(r, &bad, "bad-pass-name", d);
}

CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void)
{
	static const cv_plugin_info info = {
		CV_PLUGIN_ABI_VERSION, sizeof(cv_plugin_info), "bad-pass-name", "1.0", register_passes};
	return &info;
}
