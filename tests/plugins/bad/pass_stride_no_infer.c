/* Changes a conv's stride and forgets to re-infer its result type. */
#include "bad_pass.h"

static cv_status run(cv_module *m, const cv_pass_options *o, cv_pass_stats *s, cv_diag *d)
{
	cv_node *n;

	cv_graph_for_each_node(&m->graph, n)
		if (n->op == CV_OP_CONV2D) {
			n->attrs.conv.strides[0] = n->attrs.conv.strides[1] = 2;
			break;
		}
	return CV_OK;
}

BAD_PASS_PLUGIN("stride-no-infer", run)
