/*
 * match_activations.c - `match-activations`: activations that exporters write
 * out as chains of elementwise ops, back to the one op they compute.
 *
 * Matches (k below is a constant operand holding one float, of any rank that
 * does not widen the other operand: the result keeps x's type; constants
 * compare to within 1e-6 relative; relu6(v) is clip(v, 0, 6), or Relu then
 * clip(., lo, 6) with lo <= 0 as Paddle exports it):
 *   hard_sigmoid(x; alpha = 1/6, beta = 1/2), the form torch and Paddle
 *   export for hardsigmoid and inside hardswish:
 *     relu6(x + 3) / 6        relu6(x + 3) * (1/6)     (3 + x commutes)
 *     clip(x / 6 + 1/2, 0, 1) clip(x * (1/6) + 1/2, 0, 1)
 *   hard_swish(x), ONNX HardSwish = x * hard_sigmoid(x; 1/6, 1/2):
 *     x * hard_sigmoid(x; 1/6, 1/2)  (either operand order; the op itself,
 *                                     e.g. torch's opset < 14 export, or
 *                                     one matched above)
 *     x * relu6(x + 3) / 6   x * relu6(x + 3) * (1/6)  (Paddle's hardswish)
 * The exp-based ones are products, matched as the factors of a tree of mul
 * nodes (and divs by a constant k, a factor 1/k) whatever its grouping and
 * operand order, all factors typed like the result; c is the product of the
 * constant factors:
 *   gelu(x), ONNX Gelu (erf form), as torch (opsets 9-17), TF and Keras
 *   write it:   factors {x, 1 + erf(w)} with c = 1/2, w = x / sqrt(2) or
 *               x * (1/sqrt(2)) (1 + e commutes; 0.5 also as / 2);
 *   gelu_tanh(x), Gelu approximate=tanh: factors {x, 1 + tanh(w)}, c = 1/2,
 *               w the product sqrt(2/pi) * (x + 0.044715 * x^3) (x^3 as any
 *               tree of three x: Pow(x, 3) imports as x * (x * x)) or
 *               sqrt(2/pi) * x * (1 + 0.044715 * x * x);
 *   silu(x):    factors {x, sigmoid(x)}, c = 1 (either order);
 *   mish(x):    factors {x, tanh(softplus(x))}, c = 1;
 *   softplus(x): log(1 + exp(x)) (either order of the add), matched before
 *               mish in the same sweep; it no longer overflows for x > 88.
 * Constants compare to within 1e-6 relative: every exporter seen writes
 * them rounded to float (1.41421354, 0.707106769, 0.797884583, 0.044715),
 * 6e-8 off at most, while a 1/sqrt(2) off by a relative d changes GELU by
 * at most 0.3 d (its derivative in c, x^2 e^(-x^2/2) / sqrt(2 pi), peaks
 * at 0.29): 3e-7 at the tolerance, below float rounding of the inputs of
 * most models, far below a different function.
 * Rewrites: the tail node becomes the activation of x (same result value,
 * so its name and uses stay); the chain's inner nodes, whose results had
 * no other use, are removed. Repeats until nothing fires. fuse-epilogue can
 * then fold the activation into the conv producing x, with its vector
 * epilogue, instead of one pass over memory per written-out op.
 * Must not fire: other constants (relu6(x + 2) / 6, x / 5, x / 1.41 in
 * GELU, 0.04 for 0.044715), a clip other than [0, 6] (or [0, 1] after the
 * affine form), two different x (x * sigmoid(v)), extra factors (x * x *
 * sigmoid(x)), an inner result with another use or that is a graph output,
 * a constant that broadcasts x to a larger shape, an op that already has a
 * fused activation.
 * Preconditions: verified types. Invalidates: nothing.
 * Stats: hard-sigmoid, hard-swish, gelu, gelu-tanh, silu, mish, softplus
 * (activations formed).
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

/* v is a one-element f32 constant ~want. */
static int scalar_is(const cv_value *v, double want)
{
	float k;

	return scalar_const(v, &k) && near(k, want);
}

static int is_clip(const cv_node *n, double lo, double hi)
{
	return n && n->op == CV_OP_CLIP && n->attrs.act.a == (float)lo && n->attrs.act.b == (float)hi;
}

/* The nodes a match removes besides its tail, consumers before their
 * producers (so each is free of uses when its turn comes). */
#define CHAIN_MAX 16
typedef struct chain {
	cv_node *inner[CHAIN_MAX];
	int n;
} chain;

static void chain_add(chain *c, cv_node *n)
{
	if (c->n < CHAIN_MAX)
		c->inner[c->n++] = n;
}

/*
 * v = relu6(x + 3), each inner result used once: returns x and appends the
 * inner nodes to c (left as it was when it does not match). relu6(y) is
 * clip(y, 0, 6), or clip(relu(y), lo, 6) with lo <= 0, the form Paddle's
 * relu6 exports as (Relu, then Clip): min(max(max(y, 0), lo), 6) is
 * min(max(y, 0), 6) for every lo <= 0.
 */
static cv_value *relu6_plus3(const cv_value *v, chain *c)
{
	cv_node *clip = v->producer, *relu, *add;
	int n0 = c->n;
	cv_value *x;

	if (!clip || clip->op != CV_OP_CLIP || clip->attrs.act.b != 6.0f ||
	    clip->attrs.act.a > 0.0f || !single_use(clip))
		return NULL;
	chain_add(c, clip);
	relu = clip->inputs[0]->producer;
	if (relu && relu->op == CV_OP_RELU && single_use(relu)) {
		chain_add(c, relu);
		add = relu->inputs[0]->producer;
	} else if (clip->attrs.act.a == 0.0f) {
		add = clip->inputs[0]->producer;
	} else {
		c->n = n0;
		return NULL;
	}
	if (!single_use(add) || !(x = binop_const(add, CV_OP_ADD, 3.0))) {
		c->n = n0;
		return NULL;
	}
	chain_add(c, add);
	return x;
}

/* v = x / 6 or x * (1/6): returns x. */
static cv_value *over6(const cv_node *n)
{
	cv_value *x = binop_const(n, CV_OP_DIV, 6.0);

	return x ? x : binop_const(n, CV_OP_MUL, 1.0 / 6.0);
}

/* tail = one of the hard_sigmoid(x; 1/6, 1/2) forms: returns x. */
static cv_value *match_hard_sigmoid(cv_node *tail, chain *c)
{
	cv_value *v = over6(tail), *x;
	cv_node *add;

	c->n = 0;
	if (v && (x = relu6_plus3(v, c))) /* relu6(x + 3) / 6 */
		return x;
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
			chain_add(c, mul);
			if (cv_type_equal(&x->type, &tail->outputs[0]->type) &&
			    relu6_plus3(mul->inputs[1 - i], c) == x)
				return x;
			c->n = 0;
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

/* ---- products: GELU, SiLU and Mish ---- */

/*
 * The factors of a product: the leaves of the tree of mul nodes (and divs
 * by a constant) rooted at a value, every inner node used once, not a graph
 * output, without a fused activation and typed like the root's result (so
 * no factor broadcasts). Constant one-element factors multiply into k (a
 * div by c into 1/c); the others are listed in v[] (NULL when the product
 * has more than PROD_MAX of them).
 */
#define PROD_MAX 4
typedef struct product {
	cv_value *v[PROD_MAX];
	int n;
	double k;
	int full; /* more factors than v[] holds */
} product;

static int expands(const cv_value *v, const cv_type *t, int root)
{
	const cv_node *p = v->producer;
	float k;

	if (!p || (p->op != CV_OP_MUL && p->op != CV_OP_DIV) || p->attrs.act.kind != CV_ACT_NONE ||
	    !cv_type_equal(&v->type, t))
		return 0;
	if (p->op == CV_OP_DIV && (!scalar_const(p->inputs[1], &k) || k == 0))
		return 0; /* a run-time divisor: the quotient is one factor */
	return root || (v->num_uses == 1 && !v->is_output);
}

static void factors(cv_value *v, const cv_type *t, int root, product *f, chain *c, int depth)
{
	cv_node *p = v->producer;
	float k;
	int i;

	if (depth > 6 || !expands(v, t, root)) {
		if (scalar_const(v, &k))
			f->k *= k;
		else if (f->n < PROD_MAX && cv_type_equal(&v->type, t))
			f->v[f->n++] = v;
		else
			f->full = 1;
		return;
	}
	if (!root)
		chain_add(c, p);
	if (p->op == CV_OP_DIV) {
		scalar_const(p->inputs[1], &k); /* expands() checked it */
		f->k /= k;
		factors(p->inputs[0], t, 0, f, c, depth + 1);
		return;
	}
	for (i = 0; i < 2; i++)
		factors(p->inputs[i], t, 0, f, c, depth + 1);
}

/* The product rooted at v (v itself when it is no mul or div). 1 when it
 * has at most PROD_MAX non-constant factors. */
static int product_of(cv_value *v, int root, product *f, chain *c)
{
	memset(f, 0, sizeof *f);
	f->k = 1;
	factors(v, &v->type, root, f, c, 0);
	return !f->full;
}

/* f's factors are exactly the values a, b (in either order; b may be NULL
 * for one factor) and its constant is ~want. */
static int factors_are(const product *f, const cv_value *a, const cv_value *b, double want)
{
	if (!near((float)f->k, want) || f->n != (b ? 2 : 1))
		return 0;
	return b ? (f->v[0] == a && f->v[1] == b) || (f->v[0] == b && f->v[1] == a) : f->v[0] == a;
}

/* v = op(w) for a unary op, used once and no graph output: returns w. */
static cv_value *unary_of(const cv_value *v, cv_op op, chain *c)
{
	cv_node *p = v->producer;

	if (!p || p->op != op || v->num_uses != 1 || v->is_output)
		return NULL;
	chain_add(c, p);
	return p->inputs[0];
}

/* v = 1 + f(w) (either order), the add used once and f the unary op `op`
 * used once: returns w. */
static cv_value *one_plus(const cv_value *v, cv_op op, chain *c)
{
	cv_node *add = v->producer;
	cv_value *t;

	if (!add || v->num_uses != 1 || v->is_output || !(t = binop_const(add, CV_OP_ADD, 1.0)))
		return NULL;
	chain_add(c, add);
	return unary_of(t, op, c);
}

/* tail = k * a * b (a Mul or Div tree, in any grouping and order, with one
 * constant factor k within near()): the two factors in f, the nodes in c
 * (restarted). */
static int two_factors(cv_node *tail, double k, product *f, chain *c)
{
	c->n = 0;
	return (tail->op == CV_OP_MUL || tail->op == CV_OP_DIV) && product_of(tail->outputs[0], 1, f, c) &&
	       f->n == 2 && near((float)f->k, k);
}

/* The other factor of a two-factor product that has x as one of them. */
static cv_value *other_factor(const product *f, const cv_value *x)
{
	if (f->n != 2)
		return NULL;
	return f->v[0] == x ? f->v[1] : f->v[1] == x ? f->v[0] : NULL;
}

/*
 * tail = GELU, erf form: x * 0.5 * (1 + erf(x / sqrt(2))), the product in
 * any grouping and order (0.5 also as / 2), x / sqrt(2) also as
 * x * (1/sqrt(2)). Returns x.
 */
static cv_value *match_gelu(cv_node *tail, chain *c)
{
	product f, g;
	int i;

	if (!two_factors(tail, 0.5, &f, c))
		return NULL;
	for (i = 0; i < 2; i++) {
		cv_value *x = f.v[i], *w;
		int mark = c->n;
		if ((w = one_plus(f.v[1 - i], CV_OP_ERF, c)) && w->producer && w->num_uses == 1 &&
		    !w->is_output && product_of(w, 0, &g, c) &&
		    factors_are(&g, x, NULL, 0.70710678118654752))
			return x;
		c->n = mark;
	}
	return NULL;
}

/* v = sqrt(2/pi) * (x + 0.044715 x^3), or sqrt(2/pi) * x * (1 + 0.044715
 * x^2), used once (the forms of the tanh approximation's argument). */
static int gelu_tanh_arg(cv_value *v, const cv_value *x, chain *c)
{
	product f, g;
	cv_node *add;
	cv_value *u, *t;
	int i;

	if (!v->producer || v->num_uses != 1 || v->is_output || !product_of(v, 0, &f, c) ||
	    !near((float)f.k, 0.79788456080286536))
		return 0;
	if (f.n == 1) /* x + 0.044715 x^3 */
		u = f.v[0];
	else if ((u = other_factor(&f, x)) == NULL) /* x * (1 + 0.044715 x^2) */
		return 0;
	add = u->producer;
	if (!add || add->op != CV_OP_ADD || add->attrs.act.kind != CV_ACT_NONE || u->num_uses != 1 ||
	    u->is_output)
		return 0;
	chain_add(c, add);
	for (i = 0; i < 2; i++) {
		int mark = c->n;
		t = add->inputs[1 - i];
		if (f.n == 1 ? add->inputs[i] != x : !scalar_is(add->inputs[i], 1.0))
			continue;
		if (t->producer && t->num_uses == 1 && !t->is_output && product_of(t, 0, &g, c) &&
		    near((float)g.k, 0.044715) && g.n == (f.n == 1 ? 3 : 2) && g.v[0] == x &&
		    g.v[1] == x && (g.n == 2 || g.v[2] == x))
			return 1;
		c->n = mark;
	}
	return 0;
}

/* tail = GELU, tanh form: 0.5 * x * (1 + tanh(arg)) in any grouping. */
static cv_value *match_gelu_tanh(cv_node *tail, chain *c)
{
	product f;
	int i;

	if (!two_factors(tail, 0.5, &f, c))
		return NULL;
	for (i = 0; i < 2; i++) {
		cv_value *x = f.v[i], *w;
		int mark = c->n;
		if ((w = one_plus(f.v[1 - i], CV_OP_TANH, c)) && gelu_tanh_arg(w, x, c))
			return x;
		c->n = mark;
	}
	return NULL;
}

/* tail = x * op(x) (either order, nothing else in the product): SiLU with
 * op sigmoid, Mish with op the composition tanh(softplus(.)). */
static cv_value *match_x_times(cv_node *tail, cv_op op, chain *c)
{
	product f;
	int i;

	if (!two_factors(tail, 1.0, &f, c))
		return NULL;
	for (i = 0; i < 2; i++) {
		cv_value *x = f.v[i], *w;
		int mark = c->n;
		w = unary_of(f.v[1 - i], op == CV_OP_MISH ? CV_OP_TANH : op, c);
		if (w && op == CV_OP_MISH)
			w = unary_of(w, CV_OP_SOFTPLUS, c);
		if (w == x)
			return x;
		c->n = mark;
	}
	return NULL;
}

/* tail = log(1 + exp(x)) (either order of the add): softplus. */
static cv_value *match_softplus(cv_node *tail, chain *c)
{
	c->n = 0;
	if (tail->op != CV_OP_LOG)
		return NULL;
	return one_plus(tail->inputs[0], CV_OP_EXP, c);
}

/* The unary op computing activation kind k. */
static cv_op act_op(cv_act_kind k)
{
	int op;

	for (op = 0; op < CV_OP_COUNT && cv_op_act_kind((cv_op)op) != k; op++)
		;
	return (cv_op)op;
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
	tail->op = act_op(act.kind);
	tail->num_inputs = 1;
	memset(&tail->attrs, 0, sizeof tail->attrs);
	tail->attrs.act = act;
	for (i = 0; i < c->n; i++)
		if (!c->inner[i]->outputs[0]->num_uses)
			cv_graph_remove_node(g, c->inner[i]);
	return CV_OK;
}

/* The first form that matches at n: its activation, stat name and x. */
static cv_value *match_any(cv_node *n, chain *c, cv_act *act, const char **stat)
{
	cv_value *x;

	memset(act, 0, sizeof *act);
	if ((x = match_hard_swish(n, c))) {
		act->kind = CV_ACT_HARD_SWISH;
		*stat = "hard-swish";
	} else if ((x = match_hard_sigmoid(n, c))) {
		act->kind = CV_ACT_HARD_SIGMOID;
		act->a = 1.0f / 6.0f;
		act->b = 0.5f;
		*stat = "hard-sigmoid";
	} else if ((x = match_softplus(n, c))) {
		act->kind = CV_ACT_SOFTPLUS;
		*stat = "softplus";
	} else if ((x = match_gelu(n, c))) {
		act->kind = CV_ACT_GELU;
		*stat = "gelu";
	} else if ((x = match_gelu_tanh(n, c))) {
		act->kind = CV_ACT_GELU_TANH;
		*stat = "gelu-tanh";
	} else if ((x = match_x_times(n, CV_OP_SIGMOID, c))) {
		act->kind = CV_ACT_SILU;
		*stat = "silu";
	} else if ((x = match_x_times(n, CV_OP_MISH, c))) {
		act->kind = CV_ACT_MISH;
		*stat = "mish";
	}
	return x;
}

static cv_status run_match(cv_module *m, const cv_pass_options *opts, cv_pass_stats *stats,
			   cv_diag *d)
{
	static const char *const stat_names[] = {"hard-sigmoid", "hard-swish", "gelu", "gelu-tanh",
						 "silu", "mish", "softplus"};
	cv_node *n, *next;
	cv_status st;
	size_t i;
	int changed = 1;

	(void)opts;
	for (i = 0; i < sizeof stat_names / sizeof stat_names[0]; i++)
		cv_stat_add(stats, stat_names[i], 0);
	while (changed) {
		changed = 0;
		for (n = m->graph.first; n; n = next) {
			const char *stat = NULL;
			cv_value *x;
			cv_act act;
			chain c;
			next = n->next;
			if (!(x = match_any(n, &c, &act, &stat)))
				continue;
			if ((st = rewrite(&m->graph, n, x, &c, act, d)))
				return st;
			cv_stat_add(stats, stat, 1);
			changed = 1; /* the removed nodes all precede n: next stands */
		}
	}
	return CV_OK;
}

const cv_pass cv_pass_match_activations = {
	"match-activations",
	"turn activations written out as elementwise chains (hard-sigmoid and hard-swish as "
	"add/clip/mul/div; GELU, SiLU, Mish, softplus) back into the one op",
	NULL, run_match, NULL};
