/* Moves a node in front of the node that produces its operand, breaking the
 * topological order (by editing the node list directly). */
#include "bad_pass.h"

static int reads(const cv_node *n, const cv_node *p)
{
	int i;

	for (i = 0; i < n->num_inputs; i++)
		if (n->inputs[i] && n->inputs[i]->producer == p)
			return 1;
	return 0;
}

static cv_status run(cv_module *m, const cv_pass_options *o, cv_pass_stats *s, cv_diag *d)
{
	cv_graph *g = &m->graph;
	cv_node *n, *p;

	cv_graph_for_each_node(g, n) {
		if (!(p = n->prev) || !reads(n, p))
			continue;
		/* swap p and n: ... a p n b ...  ->  ... a n p b ... */
		if (p->prev)
			p->prev->next = n;
		else
			g->first = n;
		if (n->next)
			n->next->prev = p;
		else
			g->last = p;
		n->prev = p->prev;
		p->next = n->next;
		n->next = p;
		p->prev = n;
		break;
	}
	return CV_OK;
}

BAD_PASS_PLUGIN("out-of-order", run)
