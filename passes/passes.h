/* passes.h - the built-in pass descriptors (private to passes/). */
#ifndef CONVC_PASSES_H
#define CONVC_PASSES_H

#include "convc/pass.h"

extern const cv_pass cv_pass_dce;
extern const cv_pass cv_pass_fold_bn;
extern const cv_pass cv_pass_fuse_epilogue;
extern const cv_pass cv_pass_dw_to_pool;
extern const cv_pass cv_pass_cse;
extern const cv_pass cv_pass_const_fold;
extern const cv_pass cv_pass_channels_last;
extern const cv_pass cv_pass_shard;

#endif
