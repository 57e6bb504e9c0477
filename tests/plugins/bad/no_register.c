/* A descriptor without a register function. */
#include <stddef.h>

#include <convc/plugin.h>

CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void)
{
	static const cv_plugin_info info = {
		CV_PLUGIN_ABI_VERSION, sizeof(cv_plugin_info), "no-register", "1.0", NULL};
	return &info;
}
