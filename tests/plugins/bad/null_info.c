/* An entry point that returns no descriptor. */
#include <stddef.h>

#include <convc/plugin.h>

CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void)
{
	return NULL;
}
