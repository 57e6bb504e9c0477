/* A second plugin registering `count-ops`, loaded after count_ops.so. */
#include <convc/plugin.h>

static cv_status run(cv_module *m, const cv_pass_options *o, cv_pass_stats *s, cv_diag *d)
{
	return CV_OK;
}

static const cv_pass other_count_ops = {"count-ops", "another count-ops", NULL, run, NULL};

static cv_status register_passes(cv_pass_registry *r, cv_diag *d)
{
	return cv_pass_registry_add(r, &other_count_ops, "dup-count-ops", d);
}

CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void)
{
	static const cv_plugin_info info = {
		CV_PLUGIN_ABI_VERSION, sizeof(cv_plugin_info), "dup-count-ops", "1.0", register_passes};
	return &info;
}
