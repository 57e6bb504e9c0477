/* passes.h - the built-in pass descriptors (private to passes/). */
#ifndef CONVC_PASSES_H
#define CONVC_PASSES_H

#include "convc/pass.h"
#include "convc/target.h"

extern const cv_pass cv_pass_dce;
extern const cv_pass cv_pass_fold_bn;
extern const cv_pass cv_pass_fuse_epilogue;
extern const cv_pass cv_pass_fuse_channel_scale;
extern const cv_pass cv_pass_dw_to_pool;
extern const cv_pass cv_pass_cse;
extern const cv_pass cv_pass_const_fold;
extern const cv_pass cv_pass_channels_last;
extern const cv_pass cv_pass_shard;
extern const cv_pass cv_pass_winograd;
extern const cv_pass cv_pass_match_activations;
extern const cv_pass cv_pass_match_layernorm;

/* The path of the plugin p came from, as given to --load-pass-plugin;
 * NULL for a built-in pass (or one not in r). */
const char *registry_plugin_file(const cv_pass_registry *r, const cv_pass *p);

/* *out = the target a pass plans for: the module's (--target), else the
 * host as cv_target_host detects it now, written into *host (which must
 * outlive the use of *out). cv_target_host's errors are returned as is. */
static inline cv_status pass_target(const cv_module *m, cv_target *host, const cv_target **out,
				    cv_diag *d)
{
	cv_status st = CV_OK;

	*out = cv_module_target(m);
	if (!*out && !(st = cv_target_host(host, d)))
		*out = host;
	return st;
}

#endif
