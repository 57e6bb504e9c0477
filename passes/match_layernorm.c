/*
 * match_layernorm.c - `match-layernorm`: the layer normalization that
 * exporters before ONNX opset 17 write out as a chain of elementwise ops and
 * reductions, back to one layernorm.
 *
 * Matches (as the frontend imports it: Pow(d, 2) is mul(d, d)):
 *   m = reduce_mean(x) {axes=A, keepdims=1}
 *   d = sub(x, m)
 *   v = reduce_mean(mul(d, d)) {axes=A, keepdims=1}
 *   n = div(d, sqrt(add(v, eps)))          (eps + v commutes)
 *   [y = mul(n, scale)]                    (scale * n commutes)
 *   [z = add(y, bias)]                     (bias + y commutes)
 * where A is the trailing dims [k, rank) of x, eps a one-element f32
 * constant, and scale and bias f32 constants that hold one value per
 * position of those dims (their dims, aligned to x's from the right, are 1
 * before k and x's from k on), so nothing broadcasts x to a larger shape.
 * Rewrites: the tail becomes layernorm(x, scale or a constant of ones, bias?)
 * {axis=k, epsilon=eps}, keeping its result (name, uses, graph-output
 * slot); the chain's other nodes go.
 * Must not fire: axes that are not trailing or differ between the two
 * means, keepdims=0, a sub of another value than the mean's operand, a
 * square of another value, an inner result with another use or that is a
 * graph output (d feeds exactly the square and the div), a fused
 * activation on any node, a non-constant eps, scale or bias.
 * Preconditions: verified types. Invalidates: nothing.
 * Stats: layernorm (chains replaced).
 */
#include <string.h>

#include "passes/passes.h"

/* The nodes a match replaces, tail last. */
typedef struct chain {
	cv_node *nodes[9];
	int n;
	cv_value *x, *scale, *bias;
	int64_t axis;
	float eps;
} chain;

/* v's producer when it is op, without a fused activation, and v has
 * exactly `uses` uses and is not a graph output; else NULL. */
static cv_node *inner(const cv_value *v, cv_op op, int uses)
{
	cv_node *p = v ? v->producer : NULL;

	if (!p || p->op != op || v->num_uses != uses || v->is_output)
		return NULL;
	if (cv_op_attrs_kind(op) == CV_ATTRS_ACT && p->attrs.act.kind != CV_ACT_NONE)
		return NULL;
	return p;
}

static int is_f32_const(const cv_value *v)
{
	return v && v->kind == CV_VALUE_CONST && v->type.dtype == CV_F32 && v->data;
}

/* The trailing axis k when axes are exactly [k, rank) of a rank-r value
 * and kept; -1 otherwise. */
static int64_t trailing_axis(const cv_node *mean, int rank)
{
	uint32_t axes = mean->attrs.reduce.axes;
	int k = rank;

	if (!mean->attrs.reduce.keepdims || !axes)
		return -1;
	while (k > 0 && (axes >> (k - 1)) & 1)
		k--;
	return axes == ((rank < 32 ? (1u << rank) : 0u) - (1u << k)) ? k : -1;
}

/* c is an f32 constant holding one value per position of x's dims [axis,
 * rank) in C order (see top). */
static int per_position(const cv_value *c, const cv_type *x, int64_t axis)
{
	int i;

	if (!is_f32_const(c) || c->type.rank > x->rank)
		return 0;
	for (i = 0; i < x->rank; i++) {
		int j = c->type.rank - x->rank + i; /* c's dim aligned to x's dim i */
		int64_t cd = j >= 0 ? c->type.dims[j] : 1;
		if (cd != (i < axis ? 1 : x->dims[i]))
			return 0;
	}
	return 1;
}

/* n = op(a, k) or op(k, a), k a per-position constant of x (want_per_position)
 * or a one-element f32 constant that does not raise a's rank: returns k and
 * sets *a; NULL when neither operand is such a k. */
static cv_value *with_const(const cv_node *n, int want_per_position, const cv_type *x,
			    int64_t axis, cv_value **a)
{
	int i;

	for (i = 0; i < 2; i++) {
		cv_value *k = n->inputs[1 - i];
		int ok = want_per_position ? per_position(k, x, axis)
					   : is_f32_const(k) && cv_value_numel(k) == 1 &&
						     k->type.rank <= n->inputs[i]->type.rank;
		if (ok) {
			*a = n->inputs[i];
			return k;
		}
	}
	return NULL;
}

static void push(chain *c, cv_node *n)
{
	c->nodes[c->n++] = n;
}

/* Walk up from div(d, sqrt(add(v, eps))) to x; 1 on a match. */
static int match_core(cv_node *div, chain *c)
{
	cv_node *sq, *add, *mean2, *mul, *sub, *mean1;
	cv_value *d, *v, *eps;

	if (div->op != CV_OP_DIV || div->attrs.act.kind != CV_ACT_NONE)
		return 0;
	d = div->inputs[0];
	if (!(sq = inner(div->inputs[1], CV_OP_SQRT, 1)) || !(add = inner(sq->inputs[0], CV_OP_ADD, 1)))
		return 0;
	if (!(sub = inner(d, CV_OP_SUB, 3)) || !(mean1 = inner(sub->inputs[1], CV_OP_REDUCE_MEAN, 1)))
		return 0;
	c->x = sub->inputs[0];
	if (mean1->inputs[0] != c->x || !cv_type_equal(&d->type, &c->x->type) ||
	    !cv_type_equal(&div->outputs[0]->type, &c->x->type) || c->x->type.dtype != CV_F32)
		return 0;
	c->axis = trailing_axis(mean1, c->x->type.rank);
	if (c->axis < 0 || !(eps = with_const(add, 0, NULL, 0, &v)) ||
	    !(mean2 = inner(v, CV_OP_REDUCE_MEAN, 1)) || !(mul = inner(mean2->inputs[0], CV_OP_MUL, 1)))
		return 0;
	if (mul->inputs[0] != d || mul->inputs[1] != d || mean2->attrs.reduce.axes != mean1->attrs.reduce.axes ||
	    !mean2->attrs.reduce.keepdims || !cv_type_equal(&add->outputs[0]->type, &v->type))
		return 0;
	memcpy(&c->eps, eps->data, sizeof c->eps);
	c->n = 0;
	push(c, mean1);
	push(c, sub);
	push(c, mul);
	push(c, mean2);
	push(c, add);
	push(c, sq);
	push(c, div);
	return 1;
}

/* tail is the end of a written-out layer norm: fills c. */
static int match(cv_node *tail, chain *c)
{
	cv_node *core = tail, *scale_mul = NULL;

	c->scale = c->bias = NULL;
	if (tail->op == CV_OP_ADD && tail->attrs.act.kind == CV_ACT_NONE) {
		/* bias + y: y is a scale mul or the div itself */
		int i;
		for (i = 0; i < 2; i++) {
			cv_node *p = inner(tail->inputs[i], CV_OP_MUL, 1);
			cv_node *q = inner(tail->inputs[i], CV_OP_DIV, 1);
			if (p || q) {
				core = p ? p : q;
				c->bias = tail->inputs[1 - i];
				break;
			}
		}
		if (core == tail)
			return 0;
	}
	if (core->op == CV_OP_MUL && core->attrs.act.kind == CV_ACT_NONE) {
		int i;
		for (i = 0; i < 2; i++) {
			cv_node *q = inner(core->inputs[i], CV_OP_DIV, 1);
			if (q) {
				scale_mul = core;
				c->scale = core->inputs[1 - i];
				core = q;
				break;
			}
		}
		if (!scale_mul)
			return 0;
	}
	if (!match_core(core, c))
		return 0;
	if ((c->scale && !per_position(c->scale, &c->x->type, c->axis)) ||
	    (c->bias && !per_position(c->bias, &c->x->type, c->axis)) ||
	    !cv_type_equal(&tail->outputs[0]->type, &c->x->type))
		return 0;
	if (scale_mul)
		push(c, scale_mul);
	if (tail != core && tail != scale_mul)
		push(c, tail);
	return 1;
}

/* A constant of ones for a layer norm without scale. */
static cv_value *ones(cv_graph *g, const chain *c)
{
	cv_type t = c->x->type;
	cv_value *v;
	int64_t i, len = 1;
	int k;

	for (k = (int)c->axis; k < t.rank; k++)
		len *= t.dims[k];
	t.rank = 1;
	t.dims[0] = len;
	t.layout = CV_LAYOUT_PLAIN;
	v = cv_graph_add_const(g, "ln_scale", &t, NULL, (size_t)len * sizeof(float));
	if (v)
		for (i = 0; i < len; i++)
			((float *)v->data)[i] = 1.0f;
	return v;
}

/* The tail becomes the layernorm (its result, name and uses stay); the
 * other nodes of the chain go, consumers first. */
static cv_status rewrite(cv_graph *g, chain *c, cv_diag *d)
{
	cv_node *tail = c->nodes[c->n - 1];
	cv_value *scale = c->scale ? c->scale : ones(g, c), **ins;
	int i, nin = c->bias ? 3 : 2;

	ins = cv_alloc(g->module, 3 * sizeof *ins);
	if (!scale || !ins)
		return cv_diag_error(d, CV_ERR_NOMEM, "match-layernorm: out of memory");
	for (i = 0; i < tail->num_inputs; i++)
		cv_node_set_input(tail, i, NULL); /* drops a use: cannot fail */
	tail->inputs = ins;
	tail->num_inputs = nin;
	if (cv_node_set_input(tail, 0, c->x) || cv_node_set_input(tail, 1, scale) ||
	    (c->bias && cv_node_set_input(tail, 2, c->bias)))
		return cv_diag_error(d, CV_ERR_NOMEM, "match-layernorm: out of memory");
	tail->op = CV_OP_LAYERNORM;
	memset(&tail->attrs, 0, sizeof tail->attrs);
	tail->attrs.norm.axis = c->axis;
	tail->attrs.norm.epsilon = c->eps;
	for (i = c->n - 2; i >= 0; i--)
		cv_graph_remove_node(g, c->nodes[i]);
	return CV_OK;
}

static cv_status run_match(cv_module *m, const cv_pass_options *opts, cv_pass_stats *stats,
			   cv_diag *d)
{
	cv_node *n, *next;
	cv_status st;

	(void)opts;
	cv_stat_add(stats, "layernorm", 0);
	for (n = m->graph.first; n; n = next) {
		chain c;
		next = n->next;
		if ((n->op != CV_OP_ADD && n->op != CV_OP_MUL && n->op != CV_OP_DIV) || !match(n, &c))
			continue;
		/* A tail that is itself only the scale mul or div of a longer
		 * chain waits for the longer match at its consumer. */
		if (n->outputs[0]->num_uses == 1 && !n->outputs[0]->is_output) {
			cv_node *u = n->outputs[0]->uses[0].node;
			chain c2;
			if ((u->op == CV_OP_ADD || u->op == CV_OP_MUL) && match(u, &c2))
				continue;
		}
		if ((st = rewrite(&m->graph, &c, d)))
			return st;
		cv_stat_add(stats, "layernorm", 1);
		next = n->next; /* n is the layernorm now; the removed nodes precede it */
	}
	return CV_OK;
}

const cv_pass cv_pass_match_layernorm = {
	"match-layernorm",
	"turn a layer norm written out as reduce_mean/sub/mul/reduce_mean/add/sqrt/div(/mul/add) "
	"back into one layernorm",
	NULL, run_match, NULL};
