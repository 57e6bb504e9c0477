/*
 * dce.c - `dce`: dead code elimination.
 *
 * Matches: nodes none of whose results is used or a graph output.
 * Rewrites: removes them, walking backwards so chains die in one sweep.
 * Invalidates nothing (unused constants are skipped by printer and backend).
 * Stats: removed.
 */
#include "passes/passes.h"

static int is_dead(const cv_node *n)
{
	int i;

	for (i = 0; i < n->num_outputs; i++)
		if (n->outputs[i]->num_uses || n->outputs[i]->is_output)
			return 0;
	return 1;
}

static cv_status run_dce(cv_module *m, const cv_pass_options *opts, cv_pass_stats *stats, cv_diag *d)
{
	cv_graph *g = &m->graph;
	cv_node *n = g->last, *prev;

	(void)opts;
	(void)d;
	for (; n; n = prev) {
		prev = n->prev;
		if (is_dead(n)) {
			cv_graph_remove_node(g, n);
			cv_stat_add(stats, "removed", 1);
		}
	}
	return CV_OK;
}

const cv_pass cv_pass_dce = {"dce", "remove nodes whose results are never used", NULL, run_dce, NULL};
