/*
 * dw_to_pool.c - `dw-to-pool`: route depthwise convs to the pool-style
 * kernel.
 *
 * Matches: conv2d with group = input channels = output channels (one input
 * and one output channel per group), any kernel size, stride, dilation,
 * padding, with or without bias, residual or activation.
 * Rewrites: the op becomes dwconv2d, same operands and attributes; the C
 * backend runs it as a sliding window with a per-channel multiply-add
 * (cvrt_dwconv2d), instead of the grouped-conv path that does C tiny GEMMs.
 * Must not fire: grouped convs that are not depthwise (channel multiplier
 * > 1, or several channels per group) keep the grouped path.
 * Preconditions: none (layout-neutral: dwconv2d takes nchw or nhwc).
 * Stats: routed, kept (grouped convs left alone).
 */
#include "passes/passes.h"

static int is_depthwise(const cv_node *n)
{
	cv_nchw x = cv_type_nchw(&n->inputs[0]->type);
	cv_oihw w = cv_type_oihw(&n->inputs[1]->type);

	return n->attrs.conv.group == x.c && w.o == x.c && w.i == 1;
}

static cv_status run_dw_to_pool(cv_module *m, const cv_pass_options *opts, cv_pass_stats *stats,
				cv_diag *d)
{
	cv_node *n;

	(void)opts;
	(void)d;
	cv_graph_for_each_node(&m->graph, n) {
		if (n->op != CV_OP_CONV2D || n->attrs.conv.group == 1)
			continue;
		if (is_depthwise(n)) {
			n->op = CV_OP_DWCONV2D;
			cv_stat_add(stats, "routed", 1);
		} else {
			cv_stat_add(stats, "kept", 1);
		}
	}
	return CV_OK;
}

const cv_pass cv_pass_dw_to_pool = {
	"dw-to-pool", "run depthwise convs as a pool-style sliding-window kernel (dwconv2d)", NULL,
	run_dw_to_pool, NULL};
