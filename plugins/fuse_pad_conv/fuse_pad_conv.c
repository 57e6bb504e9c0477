/*
 * fuse_pad_conv.c - `fuse-pad-conv`: an explicit zero Pad into the convs
 * that read it.
 *
 * TF/Keras models ("SAME" padding with an odd split) and PyTorch exports of
 * ZeroPad2d carry a separate Pad before a conv with pads 0; the C backend
 * then materializes the padded tensor. A conv pads with zeros itself.
 *
 * Matches: pad(x) with mode=constant, value=0, rank 4, padding only the two
 * spatial dims (h and w: dims 2 and 3 of an nchw tensor, 1 and 2 of an nhwc
 * one; batch and channel pads all 0), every pad >= 0 (no crop), whose result
 * is not a graph output and whose every use is operand 0 (the input, never
 * the weight or a residual) of a conv2d. The sums with the conv's own pads
 * must stay within the IR's attribute limit (2^30).
 * Rewrites: each such conv adds the pad's begin and end pads of h and w to
 * its own, in the order conv pads are kept:
 *   top += begin_h, left += begin_w, bottom += end_h, right += end_w
 * (ONNX-order pad pads are all begins, then all ends: for nchw
 * [b_n, b_c, b_h, b_w, e_n, e_c, e_h, e_w]), and reads x; the pad is removed.
 * The conv's result type is unchanged:
 *   OH = (H + begin_h + end_h + top + bottom - dh*(KH-1) - 1) / sh + 1
 * either way.
 * Does not match: reflect/edge pads, a non-zero fill, batch or channel
 * padding, negative pads, a pad with any other use (pool2d with
 * count_include_pad=0, say, would average differently).
 * Preconditions: types verified. Invalidates nothing.
 * Stats: fused (pads removed).
 */
#include <convc/plugin.h>

#define PAD_LIMIT (1LL << 30)

/* Pads to add to a conv's, in conv order: top, left, bottom, right. */
typedef struct spatial_pads {
	int64_t p[4];
} spatial_pads;

/* Is pad a zero pad of h and w only? Then *sp gets its amounts. */
static int zero_spatial_pad(const cv_node *pad, spatial_pads *sp)
{
	const cv_pad_attrs *a = &pad->attrs.pad;
	const cv_type *t = &pad->inputs[0]->type;
	int h = t->layout == CV_LAYOUT_NHWC ? 1 : 2, w = h + 1, k;

	if (a->mode != CV_PAD_CONSTANT || a->value != 0.0f || t->rank != 4)
		return 0;
	for (k = 0; k < 4; k++) {
		if (a->pads[k] < 0 || a->pads[4 + k] < 0)
			return 0;
		if (k != h && k != w && (a->pads[k] || a->pads[4 + k]))
			return 0;
	}
	sp->p[0] = a->pads[h];
	sp->p[1] = a->pads[w];
	sp->p[2] = a->pads[4 + h];
	sp->p[3] = a->pads[4 + w];
	return 1;
}

static int fits(const cv_node *conv, const spatial_pads *sp)
{
	int k;

	for (k = 0; k < 4; k++)
		if (conv->attrs.conv.pads[k] + sp->p[k] > PAD_LIMIT)
			return 0;
	return 1;
}

static int all_uses_are_conv_inputs(const cv_value *v, const spatial_pads *sp)
{
	int i;

	if (v->is_output || v->num_uses == 0)
		return 0;
	for (i = 0; i < v->num_uses; i++)
		if (v->uses[i].node->op != CV_OP_CONV2D || v->uses[i].operand != 0 ||
		    !fits(v->uses[i].node, sp))
			return 0;
	return 1;
}

static cv_status fuse(cv_graph *g, cv_node *pad, const spatial_pads *sp, cv_diag *d)
{
	cv_value *padded = pad->outputs[0], *x = pad->inputs[0];
	int k;

	/* cv_node_set_input drops the use, so the list shrinks to empty. */
	while (padded->num_uses) {
		cv_node *conv = padded->uses[0].node;
		for (k = 0; k < 4; k++)
			conv->attrs.conv.pads[k] += sp->p[k];
		if (cv_node_set_input(conv, 0, x))
			return cv_diag_error(d, CV_ERR_NOMEM, "out of memory");
	}
	cv_graph_remove_node(g, pad);
	return CV_OK;
}

static cv_status run_fuse_pad_conv(cv_module *m, const cv_pass_options *opts, cv_pass_stats *stats,
				   cv_diag *d)
{
	cv_node *n, *next;
	cv_status st;

	for (n = m->graph.first; n; n = next) {
		spatial_pads sp;
		next = n->next;
		if (n->op != CV_OP_PAD || !zero_spatial_pad(n, &sp) ||
		    !all_uses_are_conv_inputs(n->outputs[0], &sp))
			continue;
		if ((st = fuse(&m->graph, n, &sp, d)))
			return st;
		cv_stat_add(stats, "fused", 1);
	}
	return CV_OK;
}

static const cv_pass fuse_pad_conv_pass = {
	"fuse-pad-conv", "fold a zero spatial pad into the conv2d ops that read it", NULL,
	run_fuse_pad_conv, NULL};

static cv_status register_passes(cv_pass_registry *r, cv_diag *d)
{
	return cv_pass_registry_add(r, &fuse_pad_conv_pass, "fuse-pad-conv", d);
}

CV_PLUGIN_EXPORT const cv_plugin_info *convc_plugin_info(void)
{
	static const cv_plugin_info info = {
		CV_PLUGIN_ABI_VERSION, sizeof(cv_plugin_info), "fuse-pad-conv", "1.0", register_passes};
	return &info;
}
