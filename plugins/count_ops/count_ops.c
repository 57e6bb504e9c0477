/*
 * count_ops.c - `count-ops`: how many nodes of each op the module has.
 *
 * Matches: every node. Rewrites: nothing; it only counts, so it can sit
 * anywhere in a pipeline to show what the passes before it left behind.
 * Options: op=NAME counts only that op (reported even when it is 0); an
 * unknown NAME is an error.
 * Stats: one counter per op present, named after the op: "conv2d", "add", ...
 * (cv_op_name() strings, which are static as stats names must be).
 */
#include <convc/plugin.h>

static cv_status run_count_ops(cv_module *m, const cv_pass_options *opts, cv_pass_stats *stats,
			       cv_diag *d)
{
	const char *only = cv_pass_option(opts, "op", NULL);
	cv_op want = CV_OP_COUNT;
	long long counts[CV_OP_COUNT] = {0};
	cv_node *n;
	int op;

	if (only && (want = cv_op_from_name(only)) == CV_OP_COUNT)
		return cv_diag_error(d, CV_ERR_INPUT, "op=%s is not an op of the IR", only);
	/* The bound guards against a convc with more ops than these headers
	 * (the ABI version check should have refused such a pair). */
	cv_graph_for_each_node(&m->graph, n)
		if ((unsigned)n->op < CV_OP_COUNT)
			counts[n->op]++;
	/* In op-table order, so the output is the same from run to run. */
	for (op = 0; op < CV_OP_COUNT; op++)
		if (op == (int)want || (want == CV_OP_COUNT && counts[op]))
			cv_stat_add(stats, cv_op_name((cv_op)op), counts[op]);
	return CV_OK;
}

static const char *const count_ops_options[] = {"op", NULL};
static const char *const count_ops_defaults[] = {"(every op)", NULL};

static const cv_pass count_ops_pass = {
	"count-ops", "count the nodes of each op (statistics only; changes nothing)",
	count_ops_options, run_count_ops, count_ops_defaults};

static cv_status register_passes(cv_pass_registry *r, cv_diag *d)
{
	return cv_pass_registry_add(r, &count_ops_pass, "count-ops", d);
}

CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void)
{
	static const cv_plugin_info info = {
		CV_PLUGIN_ABI_VERSION, sizeof(cv_plugin_info), "count-ops", "1.0", register_passes};
	return &info;
}
