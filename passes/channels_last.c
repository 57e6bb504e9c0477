/*
 * channels_last.c - `channels-last`: NHWC activations, transposes only where
 * producer and consumer disagree.
 *
 * Matches: conv2d, dwconv2d, conv_transpose2d, pool2d and resize on rank-4
 * nchw activations, with constant conv weights.
 * Rewrites, in three steps:
 *   1. each such op runs in nhwc: transpose(0,2,3,1) in front, weights
 *      re-laid at compile time (oihw [O,I,KH,KW] -> hwio [KH,KW,I,O]; a
 *      conv_transpose2d keeps its iohw weight, which the C backend packs
 *      for its GEMMs), and transpose(0,3,1,2) behind, so the graph is
 *      unchanged outside;
 *   2. transposes sink through layout-agnostic ops whose run-time operands
 *      all come out of the same transpose (or already have an nhwc copy,
 *      e.g. a graph input feeding a conv and a residual add): elementwise
 *      (relu ... div, constant operands re-laid), concat, split, pad, slice,
 *      the reductions, softmax; so a transpose behind one conv meets the one in
 *      front of the next and the pair cancels; sunk ops keep their names;
 *      a channel shuffle (ShuffleNet) whose operand comes out of such a
 *      transpose, x[N,C,H,W] -> reshape [N,g,C/g,H,W] -> transpose(0,2,1,3,4)
 *      -> reshape [N,C,H,W], runs as the same permutation of the nhwc last
 *      dim: reshape [N,H,W,g,C/g] -> transpose(0,1,2,4,3) -> reshape
 *      [N,H,W,C], the transpose to NCHW moving behind it. Only reshapes that
 *      split and merge exactly the channel dim (N, H, W unchanged, the
 *      merged shape equal to x's) with the perm swapping the two factors
 *      qualify, each step the only user of the one before and no graph
 *      output; any other reshape keeps its transposes;
 *   3. transpose pairs that compose to the identity are removed; a transpose
 *      that moves only size-1 dims becomes a reshape (the same bytes).
 * What remains sits where the model's layout is fixed: graph inputs and
 * outputs (the graph keeps the model's NCHW interface), ops convc cannot
 * re-lay (other reshapes, gemm) and a shuffle's own transpose.
 * Cost: a lone op whose input is a graph input and whose result is only a
 * graph output would need both transposes for itself alone; it is converted
 * only if the saving beats their cost: 0.30 x its roofline time on one core
 * of the target (the low end of the 30-45% of conv time that layout
 * mismatches cost in traces) against 2 x (input + output bytes) at the
 * target's memory bandwidth. The target is the module's (--target), else the
 * host as detected now (its defaults: 150 GFLOP/s, 23 GB/s). A lone
 * conv_transpose2d saves more: the C backend runs it in nchw as a scatter
 * loop at about 1/40 of its roofline time's speed (bench_convt.py, 1
 * thread, AMD EPYC with AVX-512: 1.4 to 2.3 GFLOP/s, against 70 to 190 for
 * its nhwc GEMMs), so it is converted when 39 x its roofline time beats
 * the transposes.
 * A shuffle moves to nhwc only where its nhwc transpose (innermost result
 * dim g, runs of C/g contiguous in the source) suits the C backend's strided
 * copy, which interleaves up to 4 strips or moves whole 8x8 register tiles:
 * g <= 4 or a multiple of 8, and C/g >= 16. Measured at 1 thread on chains
 * of 1x1 convs and shuffles, such shapes gain 11-18% over the nchw shuffle
 * and its two transposes, while g = 5..7 (partial tiles) or C/g <= 8 lose
 * up to 35%. Option shuffle=auto|always|never (default auto) overrides it.
 * Stats: converted, inserted, cancelled, shuffles (moved to nhwc),
 * shuffles-kept (left in nchw), remaining (transposes, shuffles' included).
 * Preconditions: verified types. Invalidates: nothing (layouts are data).
 */
#include <stdlib.h>
#include <string.h>

#include "convc/target.h"
#include "passes/passes.h"

#define LAYOUT_SAVING 0.30
#define CONVT_NCHW_SLOWDOWN 40.0

static const int64_t TO_NHWC[4] = {0, 2, 3, 1};
static const int64_t TO_NCHW[4] = {0, 3, 1, 2};

#define NOMEM(d) cv_diag_error((d), CV_ERR_NOMEM, "channels-last: out of memory")

/* ---- small helpers ---- */

static int is_spatial(const cv_node *n)
{
	const cv_type *x = &n->inputs[0]->type;

	if (x->rank != 4 || x->layout == CV_LAYOUT_NHWC)
		return 0;
	switch (n->op) {
	case CV_OP_CONV2D:
	case CV_OP_DWCONV2D:
	case CV_OP_CONV_TRANSPOSE2D:
		/* no residual, no in_scale: they would need their own transposes */
		return n->inputs[1]->kind == CV_VALUE_CONST && (n->num_inputs < 4 || !n->inputs[3]) &&
		       (n->num_inputs <= CV_CONV_IN_SCALE || !n->inputs[CV_CONV_IN_SCALE]);
	case CV_OP_POOL2D:
	case CV_OP_RESIZE:
		return 1;
	default:
		return 0;
	}
}

static int is_transpose(const cv_value *v, const int64_t *perm)
{
	const cv_node *p = v->producer;

	return p && p->op == CV_OP_TRANSPOSE && v->type.rank == 4 && !memcmp(p->attrs.perm, perm, 4 * sizeof *perm);
}

/* Roofline time of a spatial op, and whether converting it pays (see top). */
static int worth_converting(const cv_node *n, const cv_target *t)
{
	const cv_value *x = n->inputs[0], *y = n->outputs[0];
	double bytes = 4 * (cv_value_numel(x) + cv_value_numel(y)), flops = cv_node_flops(n), t_op, t_transposes;
	double bw = t->memory_bandwidth;

	if (x->kind != CV_VALUE_INPUT || !y->is_output || y->num_uses)
		return 1; /* not lone: its transposes will cancel against neighbours' */
	if (n->op == CV_OP_CONV2D || n->op == CV_OP_DWCONV2D || n->op == CV_OP_CONV_TRANSPOSE2D)
		bytes += 4 * cv_value_numel(n->inputs[1]);
	t_op = flops / t->peak_flops > bytes / bw ? flops / t->peak_flops : bytes / bw;
	t_transposes = 2 * 4 * (cv_value_numel(x) + cv_value_numel(y)) / bw;
	if (n->op == CV_OP_CONV_TRANSPOSE2D) /* nchw is the scatter loop (see top) */
		return (CONVT_NCHW_SLOWDOWN - 1) * t_op > t_transposes;
	return LAYOUT_SAVING * t_op > t_transposes;
}

/* A transpose of v by perm, inserted before `before`. */
static cv_value *add_transpose(cv_graph *g, cv_node *before, cv_value *v, const int64_t *perm,
			       cv_pass_stats *stats, cv_diag *d)
{
	cv_node *t = cv_graph_insert_node(g, before, CV_OP_TRANSPOSE, "", &v, 1, NULL, 1);

	if (!t)
		return NOMEM(d), NULL;
	memcpy(t->attrs.perm, perm, 4 * sizeof *perm);
	if (cv_node_infer_types(t, d))
		return NULL;
	/* rank-4 activations without a tag are nchw by convention */
	t->outputs[0]->type.layout = perm == TO_NHWC ? CV_LAYOUT_NHWC : CV_LAYOUT_NCHW;
	cv_stat_add(stats, "inserted", 1);
	return t->outputs[0];
}

/* A constant holding c's elements permuted: result dim k is c's dim perm[k]. */
static cv_value *permuted_const(cv_graph *g, const cv_value *c, const int64_t *perm, int rank,
				cv_layout layout, cv_diag *d)
{
	cv_type t = c->type;
	int64_t src_stride[CV_MAX_RANK], idx[CV_MAX_RANK] = {0}, acc = 1, i, total = cv_type_numel(&c->type);
	size_t es = cv_dtype_size(c->type.dtype);
	cv_value *r;
	int k;

	for (k = rank - 1; k >= 0; k--) {
		src_stride[k] = acc;
		acc *= c->type.dims[k];
	}
	for (k = 0; k < rank; k++)
		t.dims[k] = c->type.dims[perm[k]];
	t.layout = layout;
	if (!(r = cv_graph_add_const(g, c->name, &t, NULL, c->nbytes)))
		return NOMEM(d), NULL;
	for (i = 0; i < total; i++) {
		int64_t src = 0;
		for (k = 0; k < rank; k++)
			src += idx[k] * src_stride[perm[k]];
		memcpy((char *)r->data + i * es, (const char *)c->data + src * es, es);
		for (k = rank - 1; k >= 0; k--) {
			if (++idx[k] < t.dims[k])
				break;
			idx[k] = 0;
		}
	}
	return r;
}

/* An existing nhwc copy of v (a TO_NHWC transpose of it), or NULL. */
static cv_value *nhwc_copy(const cv_value *v)
{
	int i;

	for (i = 0; i < v->num_uses; i++) {
		const cv_node *u = v->uses[i].node;
		if (u->op == CV_OP_TRANSPOSE && !memcmp(u->attrs.perm, TO_NHWC, sizeof TO_NHWC))
			return u->outputs[0];
	}
	return NULL;
}

/* ---- step 1: convert spatial ops ---- */

static cv_status convert(cv_graph *g, cv_node *n, cv_pass_stats *stats, cv_diag *d)
{
	static const int64_t OIHW_TO_HWIO[4] = {2, 3, 1, 0};
	cv_value *y = n->outputs[0], *xt, *back;
	cv_type yt = y->type;
	int k;

	/* one nhwc copy of an activation serves all its converted consumers */
	xt = nhwc_copy(n->inputs[0]);
	if (!xt && !(xt = add_transpose(g, n, n->inputs[0], TO_NHWC, stats, d)))
		return d->status;
	if (cv_node_set_input(n, 0, xt))
		return NOMEM(d);
	if (n->op == CV_OP_CONV2D || n->op == CV_OP_DWCONV2D) {
		cv_value *w = permuted_const(g, n->inputs[1], OIHW_TO_HWIO, 4, CV_LAYOUT_HWIO, d);
		if (!w || cv_node_set_input(n, 1, w))
			return d->status ? d->status : NOMEM(d);
	}
	for (k = 0; k < 4; k++)
		y->type.dims[k] = yt.dims[TO_NHWC[k]];
	y->type.layout = CV_LAYOUT_NHWC;
	if (cv_node_infer_types(n, d) || !(back = add_transpose(g, n->next, y, TO_NCHW, stats, d)))
		return d->status;
	cv_value_replace_uses_except(g, y, back, back->producer);
	cv_stat_add(stats, "converted", 1);
	return CV_OK;
}

/* ---- step 2: sink transposes to NCHW through layout-agnostic ops ---- */

static int is_elementwise(cv_op op)
{
	return cv_op_act_kind(op) != CV_ACT_NONE || op == CV_OP_ADD || op == CV_OP_SUB ||
	       op == CV_OP_MUL || op == CV_OP_DIV || op == CV_OP_PRELU ||
	       op == CV_OP_MAX || op == CV_OP_MIN || op == CV_OP_POW;
}

/* The reductions: all reduce dims as stored, so any layout goes. */
static int is_reduce(cv_op op)
{
	return op == CV_OP_REDUCE_MEAN || op == CV_OP_REDUCE_SUM || op == CV_OP_REDUCE_MAX ||
	       op == CV_OP_REDUCE_MIN || op == CV_OP_REDUCE_L2;
}

static int is_sinkable(const cv_node *n)
{
	return is_elementwise(n->op) || n->op == CV_OP_CONCAT || n->op == CV_OP_SPLIT ||
	       n->op == CV_OP_PAD || n->op == CV_OP_SLICE || is_reduce(n->op) ||
	       (n->op == CV_OP_SOFTMAX && !n->attrs.softmax.flatten);
}

/* v seen from the nhwc frame: the input of its TO_NCHW transpose, or an
 * existing nhwc copy of it; NULL when neither exists. */
static cv_value *in_nhwc(cv_value *v)
{
	if (is_transpose(v, TO_NCHW))
		return v->producer->inputs[0];
	return v->type.rank == 4 ? nhwc_copy(v) : NULL;
}

/*
 * Whether every run-time operand of n comes out of a TO_NCHW transpose (or
 * already has an nhwc copy) and
 * every constant operand can be re-laid (rank <= 4, broadcasting against the
 * rank-4 result); at least one operand must be such a transpose.
 */
static int operands_sink(const cv_node *n)
{
	int i, seen = 0;

	if (!is_sinkable(n) || n->outputs[0]->type.rank != 4)
		return 0;
	for (i = 0; i < n->num_inputs; i++) {
		const cv_value *v = n->inputs[i];
		if (!v)
			continue;
		if (v->kind == CV_VALUE_CONST) {
			if (!is_elementwise(n->op) || v->type.rank > 4)
				return 0;
		} else if (is_transpose(v, TO_NCHW)) {
			seen = 1;
		} else if (!in_nhwc((cv_value *)v)) {
			return 0;
		}
	}
	return seen;
}

/* A constant operand of an elementwise op, re-laid for the NHWC frame:
 * left-padded to rank 4 with 1s, then permuted like the activations. */
static cv_value *relaid_const(cv_graph *g, const cv_value *c, cv_diag *d)
{
	cv_value tmp = *c;
	int k, pad = 4 - c->type.rank;

	tmp.type.rank = 4;
	for (k = 3; k >= 0; k--)
		tmp.type.dims[k] = k >= pad ? c->type.dims[k - pad] : 1;
	return permuted_const(g, &tmp, TO_NHWC, 4, CV_LAYOUT_NHWC, d);
}

/* Map the op's attributes from the NCHW frame into the NHWC one: NCHW dim
 * k is NHWC dim TO_NCHW[k]. */
static void relay_attrs(cv_node *n, const cv_attrs *old)
{
	int k;

	switch (n->op) {
	case CV_OP_CONCAT:
	case CV_OP_SPLIT:
		n->attrs.axis = TO_NCHW[old->axis];
		break;
	case CV_OP_SOFTMAX:
		n->attrs.softmax.axis = TO_NCHW[old->softmax.axis];
		break;
	case CV_OP_REDUCE_MEAN:
	case CV_OP_REDUCE_SUM:
	case CV_OP_REDUCE_MAX:
	case CV_OP_REDUCE_MIN:
	case CV_OP_REDUCE_L2:
		n->attrs.reduce.axes = 0;
		for (k = 0; k < 4; k++)
			if (old->reduce.axes & (1u << k))
				n->attrs.reduce.axes |= 1u << TO_NCHW[k];
		break;
	case CV_OP_PAD:
		for (k = 0; k < 4; k++) {
			n->attrs.pad.pads[TO_NCHW[k]] = old->pad.pads[k];
			n->attrs.pad.pads[4 + TO_NCHW[k]] = old->pad.pads[4 + k];
		}
		break;
	case CV_OP_SLICE:
		for (k = 0; k < 4; k++) {
			n->attrs.slice.starts[TO_NCHW[k]] = old->slice.starts[k];
			n->attrs.slice.ends[TO_NCHW[k]] = old->slice.ends[k];
			n->attrs.slice.steps[TO_NCHW[k]] = old->slice.steps[k];
		}
		break;
	default:
		break;
	}
}

/*
 * For a result of rank 4: transpose it back (TO_NCHW). For a reduction with
 * keepdims = 0 the kept dims keep their relative order in both frames when
 * only batch and channels remain, which is all this pass sinks through.
 */
static int result_needs_transpose(const cv_node *n, const cv_attrs *old)
{
	return !(is_reduce(n->op) && !old->reduce.keepdims);
}

static int reduce_sinks(const cv_node *n)
{
	/* keepdims = 0 must keep at most the batch and channel dims */
	return !is_reduce(n->op) || n->attrs.reduce.keepdims ||
	       (n->attrs.reduce.axes & 0xc) == 0xc;
}

static cv_status sink(cv_graph *g, cv_node *n, cv_pass_stats *stats, cv_diag *d)
{
	cv_value *ins[64];
	const char *names[64];
	cv_attrs old = n->attrs;
	cv_node *m;
	int i;

	if (n->num_inputs > 64 || n->num_outputs > 64)
		return CV_OK;
	for (i = 0; i < n->num_inputs; i++) {
		cv_value *v = n->inputs[i];
		ins[i] = !v ? NULL : v->kind == CV_VALUE_CONST ? relaid_const(g, v, d) : in_nhwc(v);
		if (v && !ins[i])
			return d->status;
	}
	for (i = 0; i < n->num_outputs; i++)
		names[i] = n->outputs[i]->name;
	if (!(m = cv_graph_insert_node(g, n, n->op, n->name, ins, n->num_inputs, names, n->num_outputs)))
		return NOMEM(d);
	m->attrs = old;
	relay_attrs(m, &old);
	for (i = 0; i < n->num_outputs; i++) { /* split keeps its result sizes on the new axis */
		int k;
		for (k = 0; k < 4 && n->op == CV_OP_SPLIT; k++)
			m->outputs[i]->type.dims[TO_NCHW[k]] = n->outputs[i]->type.dims[k];
	}
	if (cv_node_infer_types(m, d))
		return d->status;
	for (i = 0; i < n->num_outputs; i++) {
		cv_value *r = m->outputs[i];
		if (r->type.rank == 4 && result_needs_transpose(n, &old)) {
			r->type.layout = CV_LAYOUT_NHWC;
			if (!(r = add_transpose(g, n, r, TO_NCHW, stats, d)))
				return d->status;
		}
		cv_value_replace_uses(g, n->outputs[i], r);
		if (!m->outputs[i]->is_output) { /* the op keeps its value's name */
			const char *name = m->outputs[i]->name;
			m->outputs[i]->name = n->outputs[i]->name;
			n->outputs[i]->name = name;
		}
	}
	cv_graph_remove_node(g, n);
	return CV_OK;
}

/* ---- step 2b: carry nhwc through a channel shuffle ---- */

static const int64_t SWAP_NCHW[5] = {0, 2, 1, 3, 4}; /* [N,g,C/g,H,W] -> [N,C/g,g,H,W] */
static const int64_t SWAP_NHWC[5] = {0, 1, 2, 4, 3}; /* [N,H,W,g,C/g] -> [N,H,W,C/g,g] */

/* channels-last{shuffle=auto|always|never}: which shuffles move to nhwc. */
typedef enum { SHUFFLE_AUTO, SHUFFLE_ALWAYS, SHUFFLE_NEVER } shuffle_mode;

/* Shortest contiguous run C/g the auto rule moves (see top). */
#define SHUFFLE_MIN_RUN 16

static cv_node *sole_user(const cv_value *v)
{
	return v->num_uses == 1 && !v->is_output ? v->uses[0].node : NULL;
}

/*
 * The last reshape of a channel shuffle that starts at r1, or NULL:
 * x[N,C,H,W] (nchw or untagged) -> reshape [N,g,C/g,H,W] ->
 * transpose(0,2,1,3,4) -> reshape [N,C,H,W], each step the only user of
 * the one before. Row-major, the first reshape splits exactly the channel
 * dim (c = i*(C/g) + j) because every other dim is unchanged, and the last
 * merges it back (c' = j*g + i) because its result has x's dims; any other
 * reshape or perm is not a shuffle and keeps its transposes.
 */
static cv_node *shuffle_end(const cv_node *r1)
{
	const cv_type *xt, *st;
	const cv_node *t;
	cv_node *r2;

	if (r1->op != CV_OP_RESHAPE)
		return NULL;
	xt = &r1->inputs[0]->type;
	st = &r1->outputs[0]->type;
	if (xt->rank != 4 || xt->layout == CV_LAYOUT_NHWC || st->rank != 5 || st->dims[0] != xt->dims[0] ||
	    st->dims[1] * st->dims[2] != xt->dims[1] || st->dims[3] != xt->dims[2] || st->dims[4] != xt->dims[3])
		return NULL;
	if (!(t = sole_user(r1->outputs[0])) || t->op != CV_OP_TRANSPOSE ||
	    memcmp(t->attrs.perm, SWAP_NCHW, sizeof SWAP_NCHW))
		return NULL;
	if (!(r2 = sole_user(t->outputs[0])) || r2->op != CV_OP_RESHAPE || r2->outputs[0]->type.rank != 4 ||
	    memcmp(r2->outputs[0]->type.dims, xt->dims, 4 * sizeof *xt->dims))
		return NULL;
	return r2;
}

/*
 * The shuffle's last reshape when the shuffle at r1 reads a TO_NCHW
 * transpose and the mode lets it move to nhwc; the auto rule (see top)
 * wants g and C/g shaped for the backend's transpose kernel.
 */
static cv_node *shuffle_sinks(const cv_node *r1, shuffle_mode mode)
{
	int64_t groups = r1->outputs[0]->type.dims[1], per_group = r1->outputs[0]->type.dims[2];
	cv_node *r2 = shuffle_end(r1);

	if (!r2 || !is_transpose(r1->inputs[0], TO_NCHW) || mode == SHUFFLE_NEVER)
		return NULL;
	if (mode == SHUFFLE_AUTO && (per_group < SHUFFLE_MIN_RUN || (groups > 4 && groups % 8)))
		return NULL;
	return r2;
}

/*
 * The same shuffle on the last dim of the nhwc tensor: reshape
 * [N,H,W,g,C/g] -> transpose(0,1,2,4,3) -> reshape [N,H,W,C], then TO_NCHW
 * for r2's users. The three nodes are rewritten in place, so they keep their
 * names; r1 reads the nhwc tensor, leaving x's transpose to cancel or die.
 */
static cv_status shuffle_nhwc(cv_graph *g, cv_node *r1, cv_node *r2, cv_pass_stats *stats, cv_diag *d)
{
	cv_node *t = r1->outputs[0]->uses[0].node;
	cv_value *xn = r1->inputs[0]->producer->inputs[0], *y = r2->outputs[0], *back;
	cv_type *st = &r1->outputs[0]->type;
	int64_t groups = st->dims[1], per_group = st->dims[2];

	if (cv_node_set_input(r1, 0, xn))
		return NOMEM(d);
	memcpy(st->dims + 1, xn->type.dims + 1, 2 * sizeof *st->dims); /* H, W */
	st->dims[3] = groups;
	st->dims[4] = per_group;
	memcpy(t->attrs.perm, SWAP_NHWC, sizeof SWAP_NHWC);
	y->type = xn->type; /* [N,H,W,C] */
	y->type.layout = CV_LAYOUT_NHWC;
	if (cv_node_infer_types(r1, d) || cv_node_infer_types(t, d) || cv_node_infer_types(r2, d))
		return d->status;
	if (!(back = add_transpose(g, r2->next, y, TO_NCHW, stats, d)))
		return d->status;
	cv_value_replace_uses_except(g, y, back, back->producer);
	cv_stat_add(stats, "shuffles", 1);
	return CV_OK;
}

/* ---- step 3: cancel and simplify transposes ---- */

/* transpose(transpose(x, a), b) == x when a then b is the identity. */
static int cancels(const cv_node *t)
{
	const cv_value *in = t->inputs[0];
	int k;

	if (!in->producer || in->producer->op != CV_OP_TRANSPOSE || in->type.rank != t->outputs[0]->type.rank)
		return 0;
	for (k = 0; k < in->type.rank; k++)
		if (in->producer->attrs.perm[t->attrs.perm[k]] != k)
			return 0;
	return 1;
}

/* A transpose whose non-1 dims keep their order moves no bytes. */
static int moves_only_ones(const cv_node *t)
{
	const cv_type *x = &t->inputs[0]->type;
	int64_t last = -1;
	int k;

	for (k = 0; k < x->rank; k++) {
		int64_t p = t->attrs.perm[k];
		if (x->dims[p] == 1)
			continue;
		if (p < last)
			return 0;
		last = p;
	}
	return 1;
}

static cv_status cancel(cv_graph *g, cv_node *t, int *changed, cv_pass_stats *stats,
			cv_diag *d)
{
	cv_value *src, *y = t->outputs[0];

	if (!cancels(t) || (!y->num_uses && !y->is_output))
		return CV_OK;
	src = t->inputs[0]->producer->inputs[0];
	/* The same bytes, but the readers expect y's layout tag: a model whose
	 * input is NHWC and transposed to NCHW has an untagged input (read as
	 * nchw), which must reach the nhwc ops as nhwc. A reshape retags it
	 * without moving a byte (the C backend aliases it). */
	if (src->type.layout != y->type.layout) {
		cv_node *r = cv_graph_insert_node(g, t, CV_OP_RESHAPE, t->name, &src, 1, NULL, 1);
		if (!r)
			return NOMEM(d);
		r->outputs[0]->type = y->type;
		if (cv_node_infer_types(r, d))
			return d->status;
		src = r->outputs[0];
	}
	cv_value_replace_uses(g, y, src);
	cv_stat_add(stats, "cancelled", 2);
	*changed = 1;
	return CV_OK;
}

/* Run last: as a reshape it would no longer sink or cancel. */
static cv_status to_reshape(cv_graph *g, cv_node *t, cv_pass_stats *stats, cv_diag *d)
{
	cv_value *x = t->inputs[0];
	const char *name = t->outputs[0]->name;
	cv_node *r;

	if (!moves_only_ones(t))
		return CV_OK;
	if (!(r = cv_graph_insert_node(g, t, CV_OP_RESHAPE, t->name, &x, 1, &name, 1)))
		return NOMEM(d);
	r->outputs[0]->type = t->outputs[0]->type; /* keeps the layout tag */
	if (cv_node_infer_types(r, d))
		return d->status;
	cv_value_replace_uses(g, t->outputs[0], r->outputs[0]);
	cv_stat_add(stats, "cancelled", 1);
	return CV_OK;
}

/* Drop nodes (transposes, sunk-past ops) nobody reads any more. */
static void remove_dead(cv_graph *g)
{
	cv_node *n, *prev;
	int i, dead;

	for (n = g->last; n; n = prev) {
		prev = n->prev;
		for (i = 0, dead = 1; i < n->num_outputs; i++)
			if (n->outputs[i]->num_uses || n->outputs[i]->is_output)
				dead = 0;
		if (dead && n->op == CV_OP_TRANSPOSE)
			cv_graph_remove_node(g, n);
	}
}

static cv_status propagate(cv_graph *g, shuffle_mode mode, cv_pass_stats *stats, cv_diag *d)
{
	int changed = 1, rounds = 0;
	cv_node *n, *next, *r2;
	cv_status st;

	/* Each round strictly moves transposes down or removes them, so this
	 * ends; the bound only guards against a bug turning it into a loop. */
	while (changed && rounds++ < 1000) {
		changed = 0;
		for (n = g->first; n; n = next) {
			next = n->next;
			if (n->op == CV_OP_TRANSPOSE) {
				if ((st = cancel(g, n, &changed, stats, d)))
					return st;
			} else if ((r2 = shuffle_sinks(n, mode))) {
				if ((st = shuffle_nhwc(g, n, r2, stats, d)))
					return st;
				changed = 1;
			} else if (operands_sink(n) && reduce_sinks(n)) {
				if ((st = sink(g, n, stats, d)))
					return st;
				changed = 1;
			}
		}
		remove_dead(g);
	}
	for (n = g->first; n; n = next) {
		next = n->next;
		if (n->op == CV_OP_TRANSPOSE && (st = to_reshape(g, n, stats, d)))
			return st;
	}
	remove_dead(g);
	return CV_OK;
}

static cv_status run_channels_last(cv_module *m, const cv_pass_options *opts, cv_pass_stats *stats,
				   cv_diag *d)
{
	const cv_target *t;
	const char *shuffle = cv_pass_option(opts, "shuffle", "auto");
	shuffle_mode mode = SHUFFLE_AUTO;
	cv_graph *g = &m->graph;
	cv_node *n, *next;
	cv_target host;
	cv_status st;
	int remaining = 0, kept = 0;

	if (!strcmp(shuffle, "always"))
		mode = SHUFFLE_ALWAYS;
	else if (!strcmp(shuffle, "never"))
		mode = SHUFFLE_NEVER;
	else if (strcmp(shuffle, "auto"))
		return cv_diag_error(d, CV_ERR_INPUT,
				     "channels-last: shuffle=%s is not a shuffle mode (auto, always or never)",
				     shuffle);
	if ((st = pass_target(m, &host, &t, d)))
		return st;
	for (n = g->first; n; n = next) {
		next = n->next;
		if (is_spatial(n) && worth_converting(n, t) && (st = convert(g, n, stats, d)))
			return st;
	}
	if ((st = propagate(g, mode, stats, d)))
		return st;
	cv_graph_for_each_node(g, n) {
		remaining += n->op == CV_OP_TRANSPOSE;
		kept += shuffle_end(n) != NULL;
	}
	if (kept)
		cv_stat_add(stats, "shuffles-kept", kept);
	if (remaining)
		cv_stat_add(stats, "remaining", remaining);
	return CV_OK;
}

static const char *const channels_last_options[] = {"shuffle", NULL};
static const char *const channels_last_defaults[] = {"auto", NULL};

const cv_pass cv_pass_channels_last = {
	"channels-last", "run spatial ops in NHWC and cancel the transposes between them",
	channels_last_options, run_channels_last, channels_last_defaults};
