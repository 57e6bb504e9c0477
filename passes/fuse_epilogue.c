/*
 * fuse_epilogue.c - `fuse-epilogue`: elementwise tails into their producer.
 *
 * Matches, where the producer's result has no other use and is not a graph
 * output:
 *   - a unary activation op (relu ... mish: every op cv_op_act_kind names,
 *     tanh, gelu, exp, log and the other transcendental ones included) after
 *     a conv2d, dwconv2d, conv_transpose2d, conv3d, conv_transpose3d, gemm or
 *     add/sub/mul/div that has
 *     no activation yet;
 *   - SiLU, mul(y, sigmoid(y)) (either operand order), where y's only uses are
 *     that sigmoid and that mul: the producer's activation becomes silu;
 *   - the residual add(y, r) (either order) after a conv2d or dwconv2d with
 *     no activation and no residual yet, r shaped like y: r becomes the
 *     conv's residual operand, y = act(conv + bias + r);
 *   - the bias add(matmul(a, b), c) (either order) with b a constant [K, N]
 *     and c a constant of N elements along the last dim (a Linear layer on
 *     data of any rank, as torch exports it): gemm(reshape(a) to [M, K], b,
 *     c) with the add's activation, reshaped back (the reshapes move no
 *     data); an activation consuming the add is fused into it first.
 * Rewrites: sets the producer's epilogue, forwards the uses, removes the
 * tail node(s): one pass over the output instead of two or three. Repeats
 * until nothing fires, so conv -> add -> relu becomes one conv and matmul ->
 * add -> gelu one gemm.
 * Must not fire: the producer's result has another use or is a graph output,
 * it already has an activation (act(conv) + r is not act(conv + r)).
 * Stats: fused (activations), silu, residual, gemm (matmul + bias adds).
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
	case CV_OP_CONV3D:
	case CV_OP_CONV_TRANSPOSE3D:
		return &p->attrs.conv3d.act;
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

/* The bias of add(y, c) for y [..., N]: c constant f32 with N elements, all
 * along the last dim ([N] or [1, ..., 1, N], no wider than y). */
static int is_row_bias(const cv_value *c, const cv_value *y)
{
	int64_t n = y->type.dims[y->type.rank - 1];
	int k;

	if (c->kind != CV_VALUE_CONST || c->type.dtype != CV_F32 || c->type.rank < 1 ||
	    c->type.rank > y->type.rank || c->type.dims[c->type.rank - 1] != n || !c->data)
		return 0;
	for (k = 0; k < c->type.rank - 1; k++)
		if (c->type.dims[k] != 1)
			return 0;
	return 1;
}

/* A reshape of x to `t` (the same elements) inserted before `before`. */
static cv_value *reshape_to(cv_graph *g, cv_node *before, cv_value *x, const cv_type *t,
			    const char *name)
{
	const char *names[1] = {""};
	cv_node *r = cv_graph_insert_node(g, before, CV_OP_RESHAPE, name, &x, 1, names, 1);

	if (!r)
		return NULL;
	r->outputs[0]->type = *t;
	return r->outputs[0];
}

/*
 * add(matmul(a, b), c) with b a constant [K, N] matrix and c a bias along
 * N (a Linear layer on data of any rank: ConvNeXt's pointwise layers, as
 * torch exports them): one gemm(reshape(a) [M, K], b, c) with the add's
 * activation, reshaped back to the add's type (the reshapes move no data).
 * Waits while the add's only consumer is an activation it can take first.
 */
static cv_status fuse_matmul_bias(cv_graph *g, cv_node *add, cv_pass_stats *stats, int *fired,
				  cv_diag *d)
{
	const cv_value *out = add->outputs[0];
	int i;

	if (out->num_uses == 1 && !out->is_output && cv_op_act_kind(out->uses[0].node->op) &&
	    add->attrs.act.kind == CV_ACT_NONE)
		return CV_OK;
	for (i = 0; i < 2; i++) {
		cv_value *y = add->inputs[i], *c = add->inputs[1 - i], *a, *b, *v;
		cv_node *p = sole_producer(y, 1), *gm;
		cv_type ta, tc;
		cv_value *ins[3];
		const char *names[1] = {""};
		if (!p || p->op != CV_OP_MATMUL || !cv_type_equal(&y->type, &out->type) ||
		    !is_row_bias(c, y))
			continue;
		a = p->inputs[0];
		b = p->inputs[1];
		if (b->kind != CV_VALUE_CONST || b->type.rank != 2 || a->type.rank < 1 ||
		    b->type.dims[0] < 1 || cv_type_numel(&a->type) / b->type.dims[0] > INT32_MAX)
			continue;
		ta = a->type;
		ta.rank = 2;
		ta.dims[1] = b->type.dims[0];
		ta.dims[0] = cv_type_numel(&a->type) / ta.dims[1];
		ta.layout = CV_LAYOUT_PLAIN;
		tc = c->type;
		tc.rank = 1;
		tc.dims[0] = c->type.dims[c->type.rank - 1];
		tc.layout = CV_LAYOUT_PLAIN;
		if (!(ins[0] = reshape_to(g, add, a, &ta, p->name)) ||
		    !(ins[2] = c->type.rank == 1 ? c : cv_graph_add_const(g, c->name, &tc, c->data, c->nbytes)))
			goto nomem;
		ins[1] = b;
		if (!(gm = cv_graph_insert_node(g, add, CV_OP_GEMM, p->name, ins, 3, names, 1)))
			goto nomem;
		gm->attrs.gemm.alpha = gm->attrs.gemm.beta = 1;
		gm->attrs.gemm.act = add->attrs.act;
		if (cv_node_infer_types(ins[0]->producer, d) || cv_node_infer_types(gm, d) ||
		    !(v = reshape_to(g, add, gm->outputs[0], &out->type, add->name)) ||
		    cv_node_infer_types(v->producer, d))
			return d->status ? d->status : CV_ERR_INTERNAL;
		cv_value_replace_uses(g, add->outputs[0], v);
		cv_graph_remove_node(g, add);
		cv_graph_remove_node(g, p);
		cv_stat_add(stats, "gemm", 1);
		*fired = 1;
		return CV_OK;
	}
	return CV_OK;
nomem:
	return cv_diag_error(d, CV_ERR_NOMEM, "fuse-epilogue: out of memory");
}

static cv_status run_fuse(cv_module *m, const cv_pass_options *opts, cv_pass_stats *stats,
			  cv_diag *d)
{
	cv_node *n, *next;
	cv_status st;
	int changed = 1;

	(void)opts;
	cv_stat_add(stats, "gemm", 0);
	while (changed) {
		changed = 0;
		for (n = m->graph.first; n; n = next) {
			int fired = 0;
			next = n->next;
			if (is_activation(n->op))
				changed |= fuse_activation(&m->graph, n, stats);
			else if (n->op == CV_OP_MUL)
				changed |= fuse_silu(&m->graph, n, stats);
			else if (n->op == CV_OP_ADD && !(fired = fuse_residual(m, n, stats))) {
				if ((st = fuse_matmul_bias(&m->graph, n, stats, &fired, d)))
					return st;
			}
			changed |= fired;
		}
	}
	return CV_OK;
}

const cv_pass cv_pass_fuse_epilogue = {
	"fuse-epilogue",
	"fuse activations, SiLU and residual adds into the conv, gemm or elementwise op producing them, "
	"and a matmul by a constant with its bias add into one gemm",
	NULL, run_fuse, NULL};
