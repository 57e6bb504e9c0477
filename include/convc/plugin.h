/*
 * convc/plugin.h - the pass plugin ABI.
 *
 * A plugin is a shared object loaded with `convc --load-pass-plugin=PATH`
 * (or convc-opt's). It exports one function, convc_plugin_info(), returning
 * a descriptor that lives as long as the plugin is loaded (static storage).
 * convc checks abi_version and size before touching anything else, then
 * calls register_passes once; the passes it registers are used by name in
 * -passes= exactly like built-in ones.
 *
 * A plugin needs only the public headers in include/convc/. Its IR calls
 * (cv_graph_add_node, ...) resolve against the convc executable that loads
 * it, so a plugin links against no convc library; see
 * docs/writing-a-pass.md and plugins/.
 *
 * Compatibility: CV_PLUGIN_ABI_VERSION changes whenever a struct or function
 * a plugin can see changes incompatibly; convc refuses other versions.
 * Fields are only ever appended to cv_plugin_info, guarded by `size`.
 */
#ifndef CONVC_PLUGIN_H
#define CONVC_PLUGIN_H

#include <stdint.h>

#include "convc/diag.h"
#include "convc/ir.h"
#include "convc/pass.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 2: dwconv2d joined the op table, conv2d took a residual operand;
 * 3: reshard joined the op table (CV_OP_COUNT grew), nodes carry a
 *    placement (cv_node.place) and modules a target;
 * 4: cv_conv_attrs took `algo` (cv_conv_algo), so cv_attrs may grow;
 * 5: cv_conv_algo: CV_CONV_ALGO_WINOGRAD became CV_CONV_ALGO_WINOGRAD2 and
 *    CV_CONV_ALGO_WINOGRAD4 joined (CV_CONV_ALGO_COUNT grew);
 * 6: cv_target took `memory_kind` (scratchpad or cache) after
 *    `local_memory`, so its later fields moved;
 * 7: cv_pass took `option_defaults` after `run` (for --list-passes -v):
 *    convc reads it from a plugin's descriptors, which a plugin built for 6
 *    does not have room for; a descriptor written with positional
 *    initializers ({name, summary, options, run}) still compiles and gets
 *    NULL (-Wextra's -Wmissing-field-initializers asks for the NULL). The public headers got extern "C" guards (no ABI change).
 * 8: the unary activation ops silu ... mish and prelu joined the op table
 *    (inserted after hard_swish and div: later CV_OP_* values moved) and
 *    cv_act_kind grew (tanh ... mish; CV_ACT_KIND_COUNT); cv_op_act_kind()
 *    and cv_act_num_params() are new; max, min and lrn were appended to the
 *    op table (CV_OP_COUNT grew) with cv_lrn_attrs in cv_attrs.
 * 9: cv_resize_attrs took cubic_a, exclude_outside, roi and extrapolation
 *    (appended); CV_RESIZE_CUBIC, CV_COORD_TF_CROP_AND_RESIZE and
 *    CV_COORD_HALF_PIXEL_SYMMETRIC joined their enums (the counts grew);
 *    conv2d may take a fifth operand, in_scale (CV_CONV_IN_SCALE): a pass
 *    that rebuilds a conv2d must carry it over; pow was appended to the
 *    op table (CV_OP_COUNT grew);
 *    conv3d joined the op table after conv_transpose2d (later CV_OP_*
 *    values moved) with cv_conv3d_attrs in cv_attrs (CV_ATTRS_CONV3D), and
 *    the layouts ncdhw and oidhw were appended (CV_LAYOUT_COUNT grew);
 *    cv_dtype took CV_BF16 (CV_DTYPE_COUNT grew); cast, the comparisons,
 *    not/and/or/xor, where, argmax, argmin and gather were appended to the op table
 *    with CV_ATTRS_CAST and CV_ATTRS_ARG (cv_attrs: cast_to, arg).
 * 10: conv_transpose3d was appended to the op table, the layout iodhw to
 *    the layouts, and cv_conv3d_attrs took output_padding (appended);
 *    maxpool_indices was appended to the op table (two results; one of
 *    CV_CASE_TYPED_OPS) and cv_pool_attrs took storage_order and depth
 *    (appended; cv_pool_window() is new);
 *    cv_dtype took CV_I16, CV_U16, CV_U32 and CV_U64 (appended;
 *    CV_DTYPE_COUNT grew). */
#define CV_PLUGIN_ABI_VERSION 10u

typedef struct cv_plugin_info {
	uint32_t abi_version; /* CV_PLUGIN_ABI_VERSION the plugin was built with */
	uint32_t size;        /* sizeof(cv_plugin_info) as the plugin saw it */
	const char *name;     /* e.g. "count-ops" (static storage) */
	const char *version;  /* the plugin's own version, e.g. "1.0" */
	/*
	 * Register the plugin's passes with cv_pass_registry_add(r, &pass,
	 * info->name, d); the descriptors must be static. Return CV_OK, or an
	 * error with d filled: convc reports it and stops.
	 */
	cv_status (*register_passes)(cv_pass_registry *r, cv_diag *d);
} cv_plugin_info;

/* The entry point's name as a string, for dlsym. */
#define CV_PLUGIN_ENTRY_SYMBOL "convc_plugin_info"

/* Marks the entry point visible even when the plugin is built with
 * -fvisibility=hidden (as convc_add_pass_plugin does). */
#if defined(__GNUC__)
#define CV_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define CV_PLUGIN_EXPORT
#endif

/* Each plugin defines this function, marked CV_PLUGIN_EXPORT:
 *   CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void) { ... } */
const cv_plugin_info *convc_plugin_info(void);

#ifdef __cplusplus
}
#endif

#endif
