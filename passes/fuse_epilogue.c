/*
 * fuse_epilogue.c - `fuse-epilogue`: activations into their producer.
 *
 * Matches: relu / clip / leaky_relu / sigmoid / hard_sigmoid / hard_swish
 * whose operand is the only-used result of a conv2d, conv_transpose2d, gemm
 * or add/sub/mul/div that has no activation yet.
 * Rewrites: sets the producer's epilogue activation, forwards the uses and
 * removes the activation node: one pass over the output instead of two.
 * Stats: fused.
 */
#include "passes/passes.h"

static cv_act *epilogue_slot(cv_node *p)
{
	switch (p->op) {
	case CV_OP_CONV2D:
	case CV_OP_CONV_TRANSPOSE2D:
		return &p->attrs.conv.act;
	case CV_OP_GEMM:
		return &p->attrs.gemm.act;
	case CV_OP_ADD:
	case CV_OP_SUB:
	case CV_OP_MUL:
	case CV_OP_DIV:
		return &p->attrs.act;
	default:
		return NULL;
	}
}

static int is_activation(cv_op op)
{
	return op == CV_OP_RELU || op == CV_OP_CLIP || op == CV_OP_LEAKY_RELU || op == CV_OP_SIGMOID ||
	       op == CV_OP_HARD_SIGMOID || op == CV_OP_HARD_SWISH;
}

static cv_status run_fuse(cv_module *m, const cv_pass_options *opts, cv_pass_stats *stats, cv_diag *d)
{
	cv_node *n, *next;

	(void)d;
	for (n = m->graph.first; n; n = next) {
		cv_value *x;
		cv_act *slot;
		next = n->next;
		if (!is_activation(n->op))
			continue;
		x = n->inputs[0];
		if (!x->producer || x->num_uses != 1 || x->is_output)
			continue;
		slot = epilogue_slot(x->producer);
		if (!slot || slot->kind != CV_ACT_NONE)
			continue;
		*slot = n->attrs.act;
		cv_value_replace_uses(&m->graph, n->outputs[0], x);
		cv_graph_remove_node(&m->graph, n);
		cv_stat_add(stats, "fused", 1);
	}
	return CV_OK;
}

const cv_pass cv_pass_fuse_epilogue = {
	"fuse-epilogue", "fuse activations into the conv, gemm or elementwise op producing them", NULL, run_fuse};
