/* The entry point itself faults (reads an unmapped address). */
#include <stdint.h>

#include <convc/plugin.h>

CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void)
{
	return *(const cv_plugin_info *const volatile *)(uintptr_t)16;
}
