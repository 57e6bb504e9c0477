/*
 * match_activations.c - `match-activations`: activations that exporters write
 * out as chains of elementwise ops, back to the one op they compute.
 *
 * Matches (k below is a constant operand holding one float, of any rank that
 * does not widen the other operand: the result keeps x's type; constants
 * compare to within 1e-6 relative; relu6(v) is clip(v, 0, 6)):
 *   hard_sigmoid(x; alpha = 1/6, beta = 1/2), the form torch and Paddle
 *   export for hardsigmoid and inside hardswish:
 *     relu6(x + 3) / 6        relu6(x + 3) * (1/6)     (3 + x commutes)
 *     clip(x / 6 + 1/2, 0, 1) clip(x * (1/6) + 1/2, 0, 1)
 *   hard_swish(x), ONNX HardSwish = x * hard_sigmoid(x; 1/6, 1/2):
 *     x * hard_sigmoid(x; 1/6, 1/2)  (either operand order; the op itself,
 *                                     e.g. torch's opset < 14 export, or
 *                                     one matched above)
 *     x * relu6(x + 3) / 6   x * relu6(x + 3) * (1/6)  (Paddle's hardswish)
 * Rewrites: the tail node becomes the activation of x (same result value,
 * so its name and uses stay); the chain's inner nodes, whose results had
 * no other use, are removed. Repeats until nothing fires. fuse-epilogue can
 * then fold the activation into the conv producing x, with its vector
 * epilogue, instead of one pass over memory per written-out op.
 * Must not fire: other constants (relu6(x + 2) / 6, x / 5), a clip other
 * than [0, 6] (or [0, 1] after the affine form), two different x, an inner
 * result with another use or that is a graph output, a constant that
 * broadcasts x to a larger shape, an op that already has a fused
 * activation.
 * Preconditions: verified types. Invalidates: nothing.
 * Stats: hard-sigmoid, hard-swish (activations formed).
 */
#include <math.h>
#include <string.h>

#include "passes/passes.h"

#define REL_TOL 1e-6

/* v is a one-element f32 constant; *k its value. */
static int scalar_const(const cv_value *v, float *k)
{
	if (!v || v->kind != CV_VALUE_CONST || v->type.dtype != CV_F32 || cv_value_numel(v) != 1 ||
	    !v->data)
		return 0;
	memcpy(k, v->data, sizeof *k);
	return 1;
}

static int near(float a, double b)
{
	return fabs((double)a - b) <= REL_TOL * fabs(b);
}

/* n's result, if it feeds exactly one node and is not a graph output. */
static int single_use(const cv_node *n)
{
	return n && n->outputs[0]->num_uses == 1 && !n->outputs[0]->is_output;
}

/*
 * n = op(x, k) (or op(k, x) where op commutes) with k ~ want, no fused
 * activation, and the result typed like x: returns x, else NULL.
 */
static cv_value *binop_const(const cv_node *n, cv_op op, double want)
{
	int i, last = op == CV_OP_ADD || op == CV_OP_MUL ? 1 : 0;
	float k;

	if (!n || n->op != op || n->attrs.act.kind != CV_ACT_NONE)
		return NULL;
	for (i = 0; i <= last; i++) {
		cv_value *x = n->inputs[i];
		if (scalar_const(n->inputs[1 - i], &k) && near(k, want) &&
		    cv_type_equal(&x->type, &n->outputs[0]->type))
			return x;
	}
	return NULL;
}

static int is_clip(const cv_node *n, double lo, double hi)
{
	return n && n->op == CV_OP_CLIP && n->attrs.act.a == (float)lo && n->attrs.act.b == (float)hi;
}

/* v = relu6(x + 3), each inner result used once: returns x. */
static cv_value *relu6_plus3(const cv_value *v)
{
	const cv_node *clip = v->producer, *add;

	if (!is_clip(clip, 0, 6) || !single_use(clip))
		return NULL;
	add = clip->inputs[0]->producer;
	return single_use(add) ? binop_const(add, CV_OP_ADD, 3.0) : NULL;
}

/* v = x / 6 or x * (1/6): returns x. */
static cv_value *over6(const cv_node *n)
{
	cv_value *x = binop_const(n, CV_OP_DIV, 6.0);

	return x ? x : binop_const(n, CV_OP_MUL, 1.0 / 6.0);
}

/* The nodes a match removes besides its tail, at most three. */
typedef struct chain {
	cv_node *inner[3];
	int n;
} chain;

static void chain_add(chain *c, cv_node *n)
{
	c->inner[c->n++] = n;
}

/* tail = one of the hard_sigmoid(x; 1/6, 1/2) forms: returns x. */
static cv_value *match_hard_sigmoid(cv_node *tail, chain *c)
{
	cv_value *v = over6(tail), *x;
	cv_node *add;

	c->n = 0;
	if (v && (x = relu6_plus3(v))) { /* relu6(x + 3) / 6 */
		chain_add(c, v->producer);
		chain_add(c, v->producer->inputs[0]->producer);
		return x;
	}
	/* clip(x / 6 + 1/2, 0, 1) */
	if (!is_clip(tail, 0, 1) || !(add = tail->inputs[0]->producer) || !single_use(add) ||
	    !(v = binop_const(add, CV_OP_ADD, 0.5)) || !single_use(v->producer) ||
	    !(x = over6(v->producer)))
		return NULL;
	chain_add(c, add);
	chain_add(c, v->producer);
	return x;
}

/* tail = one of the hard_swish(x) forms: returns x. */
static cv_value *match_hard_swish(cv_node *tail, chain *c)
{
	cv_value *m = over6(tail);
	int i;

	c->n = 0;
	/* x * relu6(x + 3), then / 6 */
	if (m && m->producer && m->producer->op == CV_OP_MUL && single_use(m->producer) &&
	    m->producer->attrs.act.kind == CV_ACT_NONE) {
		cv_node *mul = m->producer;
		for (i = 0; i < 2; i++) {
			cv_value *x = mul->inputs[i];
			if (relu6_plus3(mul->inputs[1 - i]) == x &&
			    cv_type_equal(&x->type, &tail->outputs[0]->type)) {
				chain_add(c, mul);
				chain_add(c, mul->inputs[1 - i]->producer);
				chain_add(c, mul->inputs[1 - i]->producer->inputs[0]->producer);
				return x;
			}
		}
	}
	/* x * hard_sigmoid(x; 1/6, 1/2) */
	if (tail->op != CV_OP_MUL || tail->attrs.act.kind != CV_ACT_NONE)
		return NULL;
	for (i = 0; i < 2; i++) {
		cv_value *x = tail->inputs[i];
		cv_node *hs = tail->inputs[1 - i]->producer;
		if (hs && hs->op == CV_OP_HARD_SIGMOID && single_use(hs) && hs->inputs[0] == x &&
		    near(hs->attrs.act.a, 1.0 / 6.0) && near(hs->attrs.act.b, 0.5) &&
		    cv_type_equal(&x->type, &tail->outputs[0]->type)) {
			chain_add(c, hs);
			return x;
		}
	}
	return NULL;
}

/* tail becomes act(x); the chain's inner nodes go. */
static cv_status rewrite(cv_graph *g, cv_node *tail, cv_value *x, const chain *c, cv_act act,
			 cv_diag *d)
{
	int i;

	if (cv_node_set_input(tail, 0, x))
		return cv_diag_error(d, CV_ERR_NOMEM, "match-activations: out of memory");
	for (i = 1; i < tail->num_inputs; i++)
		cv_node_set_input(tail, i, NULL); /* drops a use: cannot fail */
	tail->op = act.kind == CV_ACT_HARD_SWISH ? CV_OP_HARD_SWISH : CV_OP_HARD_SIGMOID;
	tail->num_inputs = 1;
	memset(&tail->attrs, 0, sizeof tail->attrs);
	tail->attrs.act = act;
	for (i = 0; i < c->n; i++)
		if (!c->inner[i]->outputs[0]->num_uses)
			cv_graph_remove_node(g, c->inner[i]);
	return CV_OK;
}

static cv_status run_match(cv_module *m, const cv_pass_options *opts, cv_pass_stats *stats,
			   cv_diag *d)
{
	cv_act hsig = {CV_ACT_HARD_SIGMOID, 1.0f / 6.0f, 0.5f}, hswish = {CV_ACT_HARD_SWISH, 0, 0};
	cv_node *n, *next;
	cv_status st;
	int changed = 1;

	(void)opts;
	cv_stat_add(stats, "hard-sigmoid", 0);
	cv_stat_add(stats, "hard-swish", 0);
	while (changed) {
		changed = 0;
		for (n = m->graph.first; n; n = next) {
			cv_value *x;
			chain c;
			next = n->next;
			if ((x = match_hard_swish(n, &c))) {
				if ((st = rewrite(&m->graph, n, x, &c, hswish, d)))
					return st;
				cv_stat_add(stats, "hard-swish", 1);
				changed = 1;
			} else if ((x = match_hard_sigmoid(n, &c))) {
				if ((st = rewrite(&m->graph, n, x, &c, hsig, d)))
					return st;
				cv_stat_add(stats, "hard-sigmoid", 1);
				changed = 1;
			}
		}
	}
	return CV_OK;
}

const cv_pass cv_pass_match_activations = {
	"match-activations",
	"turn activations written out as elementwise chains (hard-sigmoid and hard-swish as "
	"add/clip/mul/div) back into the one op",
	NULL, run_match, NULL};
