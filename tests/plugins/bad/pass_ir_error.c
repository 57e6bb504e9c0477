/* Inserts a pool2d and infers its type without setting its attributes:
 * cv_graph_insert_node leaves them zeroed (kernel 0x0), not at the text IR's
 * defaults, so shape inference fails; the pass returns that error as is. */
#include "bad_pass.h"

static cv_status run(cv_module *m, const cv_pass_options *o, cv_pass_stats *s, cv_diag *d)
{
	cv_value *x = m->graph.inputs[0];
	const char *name = "pooled";
	cv_node *n = cv_graph_insert_node(&m->graph, m->graph.first, CV_OP_POOL2D, "", &x, 1, &name, 1);

	if (!n)
		return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	return cv_node_infer_types(n, d);
}

BAD_PASS_PLUGIN("ir-error", run)
