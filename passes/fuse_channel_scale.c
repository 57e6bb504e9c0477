/*
 * fuse_channel_scale.c - `fuse-channel-scale`: a per-channel scaling of a
 * conv's input into the conv (squeeze-and-excitation).
 *
 * Matches y = mul(s, x) (either operand order), the scaling that ends a
 * squeeze-and-excitation block (EfficientNet, MobileNetV3, RegNetY), where
 *   - x is nhwc [N,H,W,C] f32 and y has x's type (s broadcasts, x does not);
 *   - s is [N,1,1,C] nhwc f32: a factor per image and channel, computed at
 *     run time (or constant), N equal to x's;
 *   - the mul has no fused activation;
 *   - y's only use is operand 0 of a conv2d with a constant hwio weight,
 *     one group, no in_scale yet, and y is not a graph output;
 *   - the weight has at most as many elements as one image of y
 *     (kh*kw*C*M <= H*W*C, i.e. kh*kw*M <= H*W): scaling the weight then
 *     costs no more than the mul it replaces. Late, small-image stages
 *     (EfficientNet-B0's 7x7x1152 -> 192: a 221k-float weight for 56k
 *     floats of y) keep their mul: measured slower fused (bench/RESULTS.md).
 * Rewrites: the conv takes x as its input and s as its in_scale operand
 * (operand 4, include/convc/ops.def): z = conv(x * s) is computed as
 * x (*) (diag(s) W), and the C backend scales the packed weight, C x M
 * products per image, instead of the N*H*W*C products and one pass over
 * x's memory of the mul. The mul is removed.
 * Must not fire: s with spatial dims or another shape, y with another use
 * or a graph output, a weight larger than one image of y, a non-constant or non-hwio weight (the C backend
 * scales packed constant panels), a grouped conv (left unfused: the kernel's row scaling assumes one group), an
 * nchw input, a mul with an activation.
 * Runs after channels-last (the convs must be nhwc already) and fuse-
 * epilogue; before winograd (a scaled conv may still take a Winograd algo:
 * the scale multiplies rows of the transformed weight, which is linear in
 * the weight) and shard (which replicates s to every core).
 * Invalidates nothing but the mul; the IR stays verified.
 * Stats: fused.
 */
#include <string.h>

#include "passes/passes.h"

#define IN_SCALE CV_CONV_IN_SCALE

/* s is [N,1,1,C] nhwc f32 for x [N,H,W,C] nhwc f32. */
static int is_channel_scale(const cv_value *s, const cv_value *x)
{
	const cv_type *t = &s->type, *u = &x->type;

	return t->dtype == CV_F32 && u->dtype == CV_F32 && t->rank == 4 && u->rank == 4 &&
	       t->layout == CV_LAYOUT_NHWC && u->layout == CV_LAYOUT_NHWC && t->dims[0] == u->dims[0] &&
	       t->dims[1] == 1 && t->dims[2] == 1 && t->dims[3] == u->dims[3];
}

/* The conv2d that y feeds, when it is y's only use, as operand 0, the conv
 * can take an in_scale, and scaling its weight is cheaper than scaling y:
 * weight elements (kh*kw*C*M) at most y's elements per image (H*W*C). */
static cv_node *scalable_consumer(const cv_value *y)
{
	cv_node *c;

	if (y->num_uses != 1 || y->is_output || y->uses[0].operand != 0)
		return NULL;
	c = y->uses[0].node;
	if (c->op != CV_OP_CONV2D || c->attrs.conv.group != 1 || c->inputs[1]->kind != CV_VALUE_CONST ||
	    c->inputs[1]->type.layout != CV_LAYOUT_HWIO || (c->num_inputs > IN_SCALE && c->inputs[IN_SCALE]))
		return NULL;
	if (y->type.rank != 4 || y->type.dims[0] < 1 ||
	    cv_value_numel(c->inputs[1]) > cv_value_numel(y) / y->type.dims[0])
		return NULL;
	return c;
}

/* Give conv room for operands up to in_scale (absent ones NULL). */
static cv_status grow_operands(cv_module *m, cv_node *conv)
{
	cv_value **ins;

	if (conv->num_inputs > IN_SCALE)
		return CV_OK;
	if (!(ins = cv_alloc(m, (IN_SCALE + 1) * sizeof *ins)))
		return CV_ERR_NOMEM;
	memcpy(ins, conv->inputs, (size_t)conv->num_inputs * sizeof *ins);
	conv->inputs = ins;
	while (conv->num_inputs <= IN_SCALE)
		conv->inputs[conv->num_inputs++] = NULL;
	return CV_OK;
}

static cv_status fuse_one(cv_module *m, cv_node *mul, cv_pass_stats *stats, cv_diag *d)
{
	cv_value *y = mul->outputs[0];
	cv_node *conv;
	int i;

	if (mul->attrs.act.kind != CV_ACT_NONE || !(conv = scalable_consumer(y)))
		return CV_OK;
	for (i = 0; i < 2; i++) {
		cv_value *s = mul->inputs[i], *x = mul->inputs[1 - i];
		if (!is_channel_scale(s, x) || !cv_type_equal(&x->type, &y->type))
			continue;
		if (grow_operands(m, conv) || cv_node_set_input(conv, 0, x) ||
		    cv_node_set_input(conv, IN_SCALE, s))
			return cv_diag_error(d, CV_ERR_NOMEM, "fuse-channel-scale: out of memory");
		cv_graph_remove_node(&m->graph, mul);
		cv_stat_add(stats, "fused", 1);
		return CV_OK;
	}
	return CV_OK;
}

static cv_status run_fuse_channel_scale(cv_module *m, const cv_pass_options *opts,
					cv_pass_stats *stats, cv_diag *d)
{
	cv_node *n, *next;
	cv_status st;

	(void)opts;
	cv_stat_add(stats, "fused", 0);
	for (n = m->graph.first; n; n = next) {
		next = n->next;
		if (n->op == CV_OP_MUL && (st = fuse_one(m, n, stats, d)))
			return st;
	}
	return CV_OK;
}

const cv_pass cv_pass_fuse_channel_scale = {
	"fuse-channel-scale",
	"fold a per-image, per-channel scaling mul (squeeze-and-excitation) into the conv2d "
	"consuming it, as the conv's in_scale operand",
	NULL, run_fuse_channel_scale, NULL};
