/*
 * bad_pass.h - the boilerplate of a one-pass plugin, for the deliberately
 * broken passes of this directory: BAD_PASS_PLUGIN("name", run) defines
 * the descriptor, the register function and the entry point.
 */
#ifndef BAD_PASS_H
#define BAD_PASS_H

#include <convc/plugin.h>

#define BAD_PASS_PLUGIN(NAME, RUN)                                                           \
	static const cv_pass bad_pass = {NAME, "a deliberately broken pass", NULL, RUN, NULL};    \
	static cv_status register_passes(cv_pass_registry *r, cv_diag *d)                       \
	{                                                                                        \
		return cv_pass_registry_add(r, &bad_pass, NAME, d);                              \
	}                                                                                        \
	CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void)                          \
	{                                                                                        \
		static const cv_plugin_info info = {CV_PLUGIN_ABI_VERSION, sizeof(cv_plugin_info), \
						    NAME, "1.0", register_passes};              \
		return &info;                                                                    \
	}

#endif
