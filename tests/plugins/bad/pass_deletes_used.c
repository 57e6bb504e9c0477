/* Removes the first node whose result is still used, without rewiring the
 * users: they read a value nothing defines any more. */
#include "bad_pass.h"

static cv_status run(cv_module *m, const cv_pass_options *o, cv_pass_stats *s, cv_diag *d)
{
	cv_node *n;

	cv_graph_for_each_node(&m->graph, n)
		if (n->outputs[0]->num_uses) {
			cv_graph_remove_node(&m->graph, n);
			break;
		}
	return CV_OK;
}

BAD_PASS_PLUGIN("deletes-used", run)
