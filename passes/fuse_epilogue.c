/*
 * fuse_epilogue.c - `fuse-epilogue`: elementwise tails into their producer.
 *
 * Matches, where the producer's result has no other use and is not a graph
 * output:
 *   - a unary activation op (relu ... mish: every op cv_op_act_kind names,
 *     tanh, gelu, exp, log and the other transcendental ones included) after
 *     a conv2d, dwconv2d, conv_transpose2d, gemm or add/sub/mul/div that has
 *     no activation yet;
 *   - SiLU, mul(y, sigmoid(y)) (either operand order), where y's only uses are
 *     that sigmoid and that mul: the producer's activation becomes silu;
 *   - the residual add(y, r) (either order) after a conv2d or dwconv2d with
 *     no activation and no residual yet, r shaped like y: r becomes the
 *     conv's residual operand, y = act(conv + bias + r).
 * Rewrites: sets the producer's epilogue, forwards the uses, removes the
 * tail node(s): one pass over the output instead of two or three. Repeats
 * until nothing fires, so conv -> add -> relu becomes one conv.
 * Must not fire: the producer's result has another use or is a graph output,
 * it already has an activation (act(conv) + r is not act(conv + r)).
 * Stats: fused (activations), silu, residual.
 */
#include <string.h>

#include "passes/passes.h"

static cv_act *epilogue_slot(cv_node *p)
{
	switch (p->op) {
	case CV_OP_CONV2D:
	case CV_OP_DWCONV2D:
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
	return cv_op_act_kind(op) != CV_ACT_NONE;
}

/* The producer of y, if y feeds only `uses` nodes and is not an output. */
static cv_node *sole_producer(const cv_value *y, int uses)
{
	return y->producer && y->num_uses == uses && !y->is_output ? y->producer : NULL;
}

/* Drop `tail`, whose result is now `y`'s. */
static void forward(cv_graph *g, cv_node *tail, cv_value *y)
{
	cv_value_replace_uses(g, tail->outputs[0], y);
	cv_graph_remove_node(g, tail);
}

static int fuse_activation(cv_graph *g, cv_node *n, cv_pass_stats *stats)
{
	cv_value *y = n->inputs[0];
	cv_node *p = sole_producer(y, 1);
	cv_act *slot = p ? epilogue_slot(p) : NULL;

	if (!slot || slot->kind != CV_ACT_NONE)
		return 0;
	*slot = n->attrs.act;
	forward(g, n, y);
	cv_stat_add(stats, "fused", 1);
	return 1;
}

/* mul(y, sigmoid(y)): y's producer gets act = silu. */
static int fuse_silu(cv_graph *g, cv_node *mul, cv_pass_stats *stats)
{
	int i;

	for (i = 0; i < 2; i++) {
		cv_value *y = mul->inputs[i], *s = mul->inputs[1 - i];
		cv_node *sig = s->producer, *p = sole_producer(y, 2);
		cv_act *slot = p ? epilogue_slot(p) : NULL;
		if (!sig || sig->op != CV_OP_SIGMOID || sig->inputs[0] != y || s->num_uses != 1 ||
		    s->is_output || !slot || slot->kind != CV_ACT_NONE || p->op == CV_OP_MUL ||
		    !cv_type_equal(&y->type, &mul->outputs[0]->type))
			continue;
		slot->kind = CV_ACT_SILU;
		forward(g, mul, y);
		cv_graph_remove_node(g, sig);
		cv_stat_add(stats, "silu", 1);
		return 1;
	}
	return 0;
}

/* add(y, r) after a conv: r becomes the conv's residual operand. */
static int fuse_residual(cv_module *m, cv_node *add, cv_pass_stats *stats)
{
	int i;

	if (add->attrs.act.kind != CV_ACT_NONE)
		return 0;
	for (i = 0; i < 2; i++) {
		cv_value *y = add->inputs[i], *r = add->inputs[1 - i];
		cv_node *p = sole_producer(y, 1);
		cv_value **ins;
		if (!p || (p->op != CV_OP_CONV2D && p->op != CV_OP_DWCONV2D) ||
		    p->attrs.conv.act.kind != CV_ACT_NONE || (p->num_inputs > 3 && p->inputs[3]) ||
		    !cv_type_equal(&r->type, &y->type) || r == y)
			continue;
		/* the residual must exist before the conv runs */
		if (r->producer) {
			const cv_node *q;
			for (q = p; q && q != r->producer; q = q->next)
				;
			if (q)
				continue; /* r is computed after p */
		}
		if (p->num_inputs < 4) {
			if (!(ins = cv_alloc(m, 4 * sizeof *ins)))
				return 0;
			memcpy(ins, p->inputs, (size_t)p->num_inputs * sizeof *ins);
			p->inputs = ins;
			while (p->num_inputs < 4)
				p->inputs[p->num_inputs++] = NULL;
		}
		if (cv_node_set_input(p, 3, r))
			return 0;
		forward(&m->graph, add, y);
		cv_stat_add(stats, "residual", 1);
		return 1;
	}
	return 0;
}

static cv_status run_fuse(cv_module *m, const cv_pass_options *opts, cv_pass_stats *stats,
			  cv_diag *d)
{
	cv_node *n, *next;
	int changed = 1;

	(void)opts;
	(void)d;
	while (changed) {
		changed = 0;
		for (n = m->graph.first; n; n = next) {
			next = n->next;
			if (is_activation(n->op))
				changed |= fuse_activation(&m->graph, n, stats);
			else if (n->op == CV_OP_MUL)
				changed |= fuse_silu(&m->graph, n, stats);
			else if (n->op == CV_OP_ADD)
				changed |= fuse_residual(m, n, stats);
		}
	}
	return CV_OK;
}

const cv_pass cv_pass_fuse_epilogue = {
	"fuse-epilogue",
	"fuse activations, SiLU and residual adds into the conv, gemm or elementwise op producing them",
	NULL, run_fuse, NULL};
