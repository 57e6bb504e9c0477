/*
 * recommend.c - Path A (graph) and Path B (kernel) recommendations.
 *
 * Each text is derived from the op's numbers (FLOPs, bytes split into
 * activations and weights, AI against the ridge, measured efficiency),
 * its attributes (channels, kernel, layout) and its neighbours (the
 * producer it could fuse with, the consumer that needs its layout).
 * Vector-lane arithmetic assumes 8 fp32 lanes (AVX2, RP_VECTOR_LANES).
 */
#include <string.h>

#include "backends/report/advice_text.h"

#define MB(x) ((x) / 1e6)
#define L2_BYTES (512.0 * 1024) /* per-core L2 of the project's hosts */
#define KC 256                    /* K block: 256 x 16 floats = 16 KiB, half the 32 KiB L1 */

/* ---- neighbours and shapes ---- */

static int is_conv_like(const cv_node *n)
{
	return n && (n->op == CV_OP_CONV2D || n->op == CV_OP_DWCONV2D || n->op == CV_OP_GEMM ||
		     n->op == CV_OP_MATMUL || n->op == CV_OP_CONV_TRANSPOSE2D || n->op == CV_OP_CONV3D);
}

/* The producer of operand i when its result feeds only this node. */
static const cv_node *sole_producer(const cv_node *n, int i)
{
	const cv_value *v = i < n->num_inputs ? n->inputs[i] : NULL;

	if (!v || v->kind != CV_VALUE_RESULT || v->num_uses != 1 || v->is_output)
		return NULL;
	return v->producer;
}

/* The only consumer of result 0, or NULL. */
static const cv_node *sole_consumer(const cv_node *n)
{
	const cv_value *v = n->outputs[0];

	return v->num_uses == 1 && !v->is_output ? v->uses[0].node : NULL;
}

/* reshape -> transpose -> reshape: a channel shuffle (ShuffleNet). */
static int is_shuffle(const cv_node *n)
{
	const cv_node *p = n->inputs[0]->producer, *c = sole_consumer(n);

	return n->op == CV_OP_TRANSPOSE && p && p->op == CV_OP_RESHAPE && c && c->op == CV_OP_RESHAPE;
}

static const char *label_of(const rp_report *r, const cv_node *n, char *buf, size_t size)
{
	return cv_node_label(&r->in->module->graph, n, buf, size);
}

/* GEMM view of a conv-like op: M rows (output channels), P pixels, K depth. */
typedef struct gemm_view {
	int64_t m, p, k, vec; /* vec: the dim the kernel vectorizes over */
	const char *vec_name;
} gemm_view;

static gemm_view view_of(const cv_node *n)
{
	gemm_view g = { 0, 0, 0, 0, "" };
	const cv_type *y = &n->outputs[0]->type;

	if (n->op == CV_OP_GEMM || n->op == CV_OP_MATMUL) {
		const cv_type *a = &n->inputs[0]->type;
		g.p = y->rank >= 2 ? y->dims[y->rank - 2] : 1;
		g.m = y->rank ? y->dims[y->rank - 1] : 1;
		g.k = n->op == CV_OP_GEMM && a->rank == 2 ? a->dims[n->attrs.gemm.trans_a ? 0 : 1]
							   : (a->rank ? a->dims[a->rank - 1] : 1);
		g.vec = g.m;
		g.vec_name = "N (result columns)";
	} else if (y->rank == 4 && n->num_inputs > 1) {
		cv_nchw o = cv_type_nchw(y);
		cv_oihw w = cv_type_oihw(&n->inputs[1]->type);
		g.m = o.c;
		g.p = o.n * o.h * o.w;
		g.k = (n->op == CV_OP_DWCONV2D ? 1 : w.i) * w.kh * w.kw;
		g.vec = y->layout == CV_LAYOUT_NHWC ? o.c : o.w;
		g.vec_name = y->layout == CV_LAYOUT_NHWC ? "output channels" : "output columns (W)";
	} else if (n->op == CV_OP_CONV3D) { /* the kernel runs NDHWC: one 2-D implicit GEMM per depth tap */
		const int64_t *w = n->inputs[1]->type.dims;
		g.m = y->dims[1];
		g.p = y->dims[0] * y->dims[2] * y->dims[3] * y->dims[4];
		g.k = w[1] * w[2] * w[3] * w[4];
		g.vec = y->dims[1];
		g.vec_name = "output channels";
	}
	return g;
}

/* "M=24 output channels fill 3 8-lane vectors" (+ the idle tail). */
static void lanes_text(tb *t, int64_t v, const char *what)
{
	int64_t full = v / RP_VECTOR_LANES, tail = v % RP_VECTOR_LANES;
	int64_t vecs = full + (tail != 0);

	tb_printf(t, "%lld %s fill %lld %d-lane vector%s", (long long)v, what, (long long)vecs,
		  RP_VECTOR_LANES, vecs == 1 ? "" : "s");
	if (tail)
		tb_printf(t, " with %lld of %d lanes idle in the last (%.0f%% lane use)",
			  (long long)(RP_VECTOR_LANES - tail), RP_VECTOR_LANES,
			  100.0 * (double)v / (double)(vecs * RP_VECTOR_LANES));
}

/* ---- Path A: the graph ---- */

static void layout_graph(const rp_report *r, const rp_op *o, tb *t)
{
	const cv_node *n = o->node, *c = sole_consumer(n);
	char lb[RP_LABEL_MAX];
	double copy = MB(o->bytes);

	switch (n->op) {
	case CV_OP_TRANSPOSE:
		if (is_shuffle(n))
			tb_printf(t, "it is a channel shuffle (reshape, transpose, reshape): permute the "
				  "channels of the weights of the conv that reads it instead");
		else if (n->inputs[0]->kind == CV_VALUE_INPUT)
			tb_printf(t, "it converts the graph input to the kernels' layout: accept the input "
				  "channels-last from the caller to drop it");
		else if (n->outputs[0]->is_output)
			tb_printf(t, "it restores the graph output's layout: return the output "
				  "channels-last if the caller accepts it to drop it");
		else if (c && (c->op == CV_OP_GEMM || c->op == CV_OP_RESHAPE || c->op == CV_OP_MATMUL))
			tb_printf(t, "its consumer %s '%s' needs the old layout: fold the permutation "
				  "into that op (re-lay its constant operand) instead",
				  cv_op_name(c->op), label_of(r, c, lb, sizeof lb));
		else
			tb_printf(t, "keep producer and consumers in one layout (extend channels-last "
				  "through them) so it cancels");
		tb_printf(t, "; saves %.2f MB of traffic (%.3f ms at bandwidth)", copy,
			  o->memory_ms);
		return;
	case CV_OP_PAD:
		if (c && (c->op == CV_OP_CONV2D || c->op == CV_OP_DWCONV2D || c->op == CV_OP_POOL2D))
			tb_printf(t, "fold the padding into the pads of its consumer %s '%s': ",
				  cv_op_name(c->op), label_of(r, c, lb, sizeof lb));
		else
			tb_printf(t, "let its consumers read the unpadded tensor with bounds checks: ");
		tb_printf(t, "saves the %.2f MB copy", copy);
		return;
	case CV_OP_CONCAT:
		tb_printf(t, "let its %d producers write straight into their slices of the %.2f MB "
			  "result: saves the %.2f MB copy", n->num_inputs, MB(o->bytes_out), copy);
		return;
	case CV_OP_RESHAPE:
		tb_printf(t, "make it a view of its input (same bytes, no copy): saves %.2f MB", copy);
		return;
	default:
		tb_printf(t, "let consumers read their part in place (a strided view) or reshard "
			  "less: saves the %.2f MB copy", copy);
		return;
	}
}

static void elementwise_graph(const rp_report *r, const rp_op *o, tb *t)
{
	const cv_node *n = o->node, *p = sole_producer(n, 0), *c = sole_consumer(n);
	char lb[RP_LABEL_MAX];
	double inter = n->inputs[0] ? MB((double)cv_type_numel(&n->inputs[0]->type) *
					 (double)cv_dtype_size(n->inputs[0]->type.dtype)) : 0;

	if (is_conv_like(p))
		tb_printf(t, "fuse it into its producer %s '%s' as an epilogue: the %.2f MB "
			  "intermediate is then neither written nor re-read (saves %.2f MB, %.3f ms at "
			  "bandwidth)",
			  cv_op_name(p->op), label_of(r, p, lb, sizeof lb), inter, 2 * inter,
			  2 * inter * 1e6 / r->in->roofline.bandwidth * 1e3);
	else if (is_conv_like(c))
		tb_printf(t, "apply it while its consumer %s '%s' loads its input (a prologue): "
			  "saves writing and re-reading %.2f MB", cv_op_name(c->op),
			  label_of(r, c, lb, sizeof lb), MB(o->bytes_out));
	else
		tb_printf(t, "fuse it with its neighbours into one pass over the data: alone it "
			  "moves %.2f MB for %.3g MFLOP (AI %.2f FLOP/B, ridge %.2f)",
			  MB(o->bytes), o->flops / 1e6, o->ai, r->ridge);
}

static void depthwise_graph(const rp_report *r, const rp_op *o, tb *t)
{
	const cv_node *n = o->node, *c = sole_consumer(n), *p = sole_producer(n, 0);
	char lb[RP_LABEL_MAX];

	if (c && c->op == CV_OP_CONV2D)
		tb_printf(t, "fuse it with the pointwise conv '%s' that follows: produce the %.2f MB "
			  "depthwise result a few rows at a time so it stays in cache (saves %.2f MB "
			  "of traffic)", label_of(r, c, lb, sizeof lb), MB(o->bytes_out),
			  2 * MB(o->bytes_out));
	else if (p && p->op == CV_OP_CONV2D)
		tb_printf(t, "fuse it with the expansion conv '%s' before it: consume its %.2f MB "
			  "result row by row while it is in cache (saves %.2f MB)",
			  label_of(r, p, lb, sizeof lb), MB(o->bytes_in), 2 * MB(o->bytes_in));
	else
		tb_printf(t, "fuse it with a neighbour so its %.2f MB input is read from cache: at AI "
			  "%.2f FLOP/B no kernel alone gets past %.1f%% of peak",
			  MB(o->bytes_in), o->ai, 100 * o->ai / r->ridge);
}

static void dense_memory_graph(const rp_report *r, const rp_op *o, tb *t)
{
	const cv_node *n = o->node, *p = sole_producer(n, 0);
	double act = o->bytes_in + o->bytes_out;
	int64_t batch = n->outputs[0]->type.rank ? n->outputs[0]->type.dims[0] : 1;
	char lb[RP_LABEL_MAX];

	if (o->bytes_weights > act) {
		double ai8 = 8 * o->flops / (8 * act + o->bytes_weights);
		tb_printf(t, "weights are %.2f of the %.2f MB moved: batch 8 images per run (N=%lld "
			  "now) so each weight is read once per batch; AI rises from %.2f to %.2f "
			  "FLOP/B (ridge %.2f)", MB(o->bytes_weights), MB(o->bytes),
			  (long long)batch, o->ai, ai8, r->ridge);
	} else if (is_conv_like(p)) {
		tb_printf(t, "fuse it with its producer %s '%s', tiled over output rows, so the "
			  "%.2f MB activation between them stays in cache (saves %.2f MB)",
			  cv_op_name(p->op), label_of(r, p, lb, sizeof lb), MB(o->bytes_in),
			  2 * MB(o->bytes_in));
	} else {
		tb_printf(t, "activations are %.2f of the %.2f MB moved at AI %.2f FLOP/B: fuse its "
			  "epilogue consumers into it and keep the result in a lower-precision "
			  "dtype only if accuracy allows", MB(act), MB(o->bytes), o->ai);
	}
}

static void pool_graph(const rp_report *r, const rp_op *o, tb *t)
{
	const cv_node *n = o->node, *p = sole_producer(n, 0);
	char lb[RP_LABEL_MAX];
	int64_t numel_out = cv_type_numel(&n->outputs[0]->type);
	int global = n->op == CV_OP_REDUCE_MEAN || numel_out * 16 <= cv_type_numel(&n->inputs[0]->type);

	if (p)
		tb_printf(t, "%s into the epilogue of its producer %s '%s': the %.2f MB input is "
			  "then never re-read (saves %.2f MB)",
			  global ? "fold the reduction" : "fuse the pooling", cv_op_name(p->op),
			  label_of(r, p, lb, sizeof lb), MB(o->bytes_in), MB(o->bytes_in));
	else
		tb_printf(t, "its input has other users: compute it in the same pass as one of them "
			  "(saves re-reading %.2f MB)", MB(o->bytes_in));
}

static void compute_graph(const rp_report *r, const rp_op *o, tb *t)
{
	const cv_node *n = o->node;
	gemm_view g = view_of(n);
	int cores = r->in->roofline.cores;
	const cv_type *x = &n->inputs[0]->type;

	if (!is_conv_like(n)) {
		tb_printf(t, "fuse it into its producer's epilogue so its %.3g MFLOP run on data "
			  "already in registers", o->flops / 1e6);
		return;
	}
	if (x->rank == 4 && x->layout == CV_LAYOUT_NCHW) {
		tb_printf(t, "convert it to channels-last (the channels-last pass): NHWC lets the "
			  "kernel vectorize over its %lld output channels instead of %lld-wide rows",
			  (long long)g.m, (long long)view_of(n).vec);
		return;
	}
	if (cores < 2) {
		/* one core: the graph can only take work away, not spread it */
		tb_printf(t, "its %.3g MFLOP are the work itself (AI %.2f above the ridge %.2f) and "
			  "this run had one core: the graph cannot shrink it; run with more threads "
			  "(height sharding over 2 cores gives %lld output pixels each)",
			  o->flops / 1e6, o->ai, r->ridge, (long long)(g.p / 2));
		return;
	}
	tb_printf(t, "its %.3g MFLOP are the work itself (AI %.2f above the ridge %.2f): "
		  "split it over the %d cores: height sharding gives %lld output pixels per core",
		  o->flops / 1e6, o->ai, r->ridge, cores, (long long)(g.p / cores));
	if (g.m / cores < RP_VECTOR_LANES)
		tb_printf(t, "; width sharding would leave %lld channels per core, less than one "
			  "vector, so shard by height", (long long)(g.m / cores));
	else
		tb_printf(t, "; width sharding gives %lld channels and 1/%d of the %.2f MB weights "
			  "per core", (long long)(g.m / cores), cores, MB(o->bytes_weights));
}

void rp_advise_graph(const rp_report *r, const rp_op *o, char *buf, size_t size)
{
	tb t = { buf, size, 0 };

	buf[0] = 0;
	if (o->cat == RP_LAYOUT)
		layout_graph(r, o, &t);
	else if (o->compute_bound)
		compute_graph(r, o, &t);
	else if (o->cat == RP_ELEMENTWISE)
		elementwise_graph(r, o, &t);
	else if (o->cat == RP_DEPTHWISE)
		depthwise_graph(r, o, &t);
	else if (o->cat == RP_POOL)
		pool_graph(r, o, &t);
	else
		dense_memory_graph(r, o, &t);
}

/* ---- Path B: the kernel ---- */

static void efficiency_text(const rp_report *r, const rp_op *o, tb *t)
{
	const cv_roofline *rl = &r->in->roofline;

	if (o->meas_ms <= 0) {
		tb_printf(t, "not measured; the roofline allows %.3f ms", o->pred_ms);
	} else if (o->compute_bound) {
		tb_printf(t, "at %.0f%% of peak (%.1f of %.1f GFLOP/s)", o->eff * 100,
			  o->flops / (o->meas_ms * 1e-3) / 1e9, r->peak / 1e9);
	} else {
		tb_printf(t, "at %.0f%% of bandwidth (%.1f of %.1f GB/s)", o->eff * 100,
			  o->bytes / (o->meas_ms * 1e-3) / 1e9, rl->bandwidth / 1e9);
	}
}

static void compute_kernel(const rp_op *o, tb *t)
{
	gemm_view g = view_of(o->node);

	tb_printf(t, ": the kernel needs register blocking and vectorization; ");
	lanes_text(t, g.vec, g.vec_name);
	if (g.k < 32)
		tb_printf(t, "; K=%lld is short: unroll the reduction fully and keep a 4-pixel x "
			  "%lld-vector accumulator tile in registers", (long long)g.k,
			  (long long)((g.vec + RP_VECTOR_LANES - 1) / RP_VECTOR_LANES));
	else
		tb_printf(t, "; register-block 6 pixels x 2 vectors (12 of 16 ymm accumulators) "
			  "over K=%lld, packing the weights in K blocks of %lld x 16 floats (%.1f KiB, "
			  "half the 32 KiB L1)", (long long)g.k, (long long)(g.k < KC ? g.k : KC),
			  (double)(g.k < KC ? g.k : KC) * 16 * 4 / 1024);
}

static void memory_kernel(const rp_report *r, const rp_op *o, tb *t)
{
	const cv_node *n = o->node;
	gemm_view g = view_of(n);

	tb_printf(t, "; it must stream %.2f MB (%.3f ms at %.1f GB/s): ", MB(o->bytes),
		  o->memory_ms, r->in->roofline.bandwidth / 1e9);
	switch (o->cat) {
	case RP_DEPTHWISE:
		lanes_text(t, g.vec, g.vec_name);
		tb_printf(t, "; keep the %lld weights of each window in registers and produce one "
			  "output row per pass so each input row is loaded once", (long long)g.k);
		return;
	case RP_CONV: case RP_POINTWISE: case RP_GEMM:
		if (g.p <= 1)
			tb_printf(t, "a matrix-vector product (one row): nothing to reuse, so stream "
				  "the %.2f MB of weights once with %d-lane FMAs and software prefetch",
				  MB(o->bytes_weights), RP_VECTOR_LANES);
		else if (o->bytes_weights > o->bytes_in + o->bytes_out)
			tb_printf(t, "weight-stationary loop order: load each weight panel once and "
				  "apply it to all %lld output pixels", (long long)g.p);
		else
			tb_printf(t, "tile output rows so each input row is loaded once, and write the "
				  "%.2f MB result with full-vector stores", MB(o->bytes_out));
		return;
	default:
		break;
	}
	if (n->op == CV_OP_TRANSPOSE)
		tb_printf(t, "an 8x8 blocked in-register transpose so reads and writes both use whole "
			  "cache lines");
	else
		tb_printf(t, "one pass with %d-lane loads and stores%s", RP_VECTOR_LANES,
			  o->bytes_out > L2_BYTES ? ", non-temporal stores for the result (larger than "
						    "the L2)" : "");
}

/* Above this share of an op's predicted time, Path B names the epilogue. */
#define EPILOGUE_SHARE 0.3

/* The fused activation's share of o's predicted time (0 without one). */
static double epilogue_share(const rp_report *r, const rp_op *o)
{
	return o->epi && o->pred_ms > 0 ? o->epi_flops / r->peak * 1e3 / o->pred_ms : 0;
}

static void epilogue_kernel(const rp_report *r, const rp_op *o, tb *t)
{
	const char *name = cv_act_names[o->epi->kind];
	int ops = rp_epilogue_ops(o->epi->kind);
	gemm_view g = view_of(o->node);

	tb_printf(t, ": the %s epilogue costs %.0f%% of this %s: %d vector operations per "
		  "output element", name, epilogue_share(r, o) * 100, cv_op_name(o->node->op), ops);
	if (g.k > 0)
		tb_printf(t, " against %lld multiply-adds (K=%lld)", (long long)g.k,
			  (long long)g.k);
	if (o->epi->kind == CV_ACT_SIGMOID || o->epi->kind == CV_ACT_SILU)
		tb_printf(t, "; it already runs on the vector exp (cvrt_vmath.h) inside the kernel "
			  "(SiLU on the accumulators, sigmoid while the tile is in L1), so only a "
			  "cheaper activation (hard_swish: %d operations, no exp) or wider vectors "
			  "(AVX-512: %d operations for 16 lanes) shrink it further",
			  rp_epilogue_ops(CV_ACT_HARD_SWISH), rp_epilogue_ops_avx512(o->epi->kind));
	else if (ops > rp_epilogue_ops(CV_ACT_HARD_SWISH))
		tb_printf(t, "; it already runs on cvrt_vmath.h's vector code while the tile is in "
			  "L1, so only a cheaper activation (hard_swish: %d operations) or wider "
			  "vectors (AVX-512) shrink it further", rp_epilogue_ops(CV_ACT_HARD_SWISH));
	else
		tb_printf(t, "; apply it on the accumulators before the store");
}

void rp_advise_kernel(const rp_report *r, const rp_op *o, char *buf, size_t size)
{
	tb t = { buf, size, 0 };

	buf[0] = 0;
	efficiency_text(r, o, &t);
	if (epilogue_share(r, o) > EPILOGUE_SHARE)
		epilogue_kernel(r, o, &t);
	else if (o->compute_bound && is_conv_like(o->node))
		compute_kernel(o, &t);
	else if (o->compute_bound)
		tb_printf(&t, ": vectorize its %.3g MFLOP over the innermost dim (%d lanes) and use "
			  "a polynomial approximation for exp", o->flops / 1e6, RP_VECTOR_LANES);
	else
		memory_kernel(r, o, &t);
}

/* ---- patterns ---- */

/* Members sharing their first operand with another member. */
static int shared_inputs(const rp_report *r, int (*member)(const rp_op *))
{
	int i, j, k = 0;

	for (i = 0; i < r->num_ops; i++) {
		if (!member(&r->ops[i]))
			continue;
		for (j = 0; j < r->num_ops; j++)
			if (j != i && member(&r->ops[j]) &&
			    r->ops[j].node->inputs[0] == r->ops[i].node->inputs[0])
				break;
		k += j < r->num_ops;
	}
	return k;
}

static void tiny_gemms(const rp_report *r, rp_finding *f, int (*member)(const rp_op *))
{
	tb w = { f->what, sizeof f->what, 0 }, a = { f->path_a, sizeof f->path_a, 0 };
	tb b = { f->path_b, sizeof f->path_b, 0 };
	double flops = 0, pred = 0;
	int i, shared = shared_inputs(r, member);

	for (i = 0; i < r->num_ops; i++) {
		if (!member(&r->ops[i]))
			continue;
		flops += r->ops[i].flops;
		pred += r->ops[i].pred_ms;
	}
	tb_printf(&w, "%d gemm/pointwise ops under 1 MFLOP each: %.3g MFLOP in all, %.3f ms "
		  "(%.1f%% of the time), %.2f MFLOP and %.1f us on average", f->count, flops / 1e6,
		  f->time_ms, f->share * 100, flops / f->count / 1e6, f->time_ms / f->count * 1e3);
	tb_printf(&a, "batch them: %d of them share an input with another, so their weights can "
		  "be concatenated into one wider GEMM; fuse the others into their neighbours or "
		  "batch images so each call does more work", shared);
	tb_printf(&b, "a small-GEMM path without packing or threading: keep the whole weight "
		  "block in L1 and loop once over pixels; the roofline allows %.1f us per op, "
		  "no more than a thread fork/join costs", pred / f->count * 1e3);
	if (f->eff >= 0)
		tb_printf(&b, ", and they take %.1f us (%.0f%% efficiency)",
			  f->time_ms / f->count * 1e3, f->eff * 100);
}

static void transposes(const rp_report *r, rp_finding *f, int (*member)(const rp_op *))
{
	tb w = { f->what, sizeof f->what, 0 }, a = { f->path_a, sizeof f->path_a, 0 };
	tb b = { f->path_b, sizeof f->path_b, 0 };
	int i, boundary = 0, shuffles = 0;

	for (i = 0; i < r->num_ops; i++) {
		const cv_node *n = r->ops[i].node;
		if (!member(&r->ops[i]))
			continue;
		boundary += n->inputs[0]->kind == CV_VALUE_INPUT || n->outputs[0]->is_output;
		shuffles += is_shuffle(n);
	}
	tb_printf(&w, "%d layout transpose%s move%s %.2f MB (%.3f ms, %.1f%% of the time): %d at "
		  "graph inputs/outputs, %d inside the graph", f->count, f->count == 1 ? "" : "s",
		  f->count == 1 ? "s" : "", MB(f->bytes), f->time_ms,
		  f->share * 100, boundary, f->count - boundary);
	if (shuffles)
		tb_printf(&a, "%d are channel shuffles (reshape, transpose, reshape): fold each into "
			  "a permutation of the next conv's weight channels; ", shuffles);
	tb_printf(&a, "inside the graph, extend channels-last through their neighbours so pairs "
		  "cancel (%d left); at the boundary, accept and return NHWC where the caller "
		  "allows (%d)", f->count - boundary - shuffles, boundary);
	tb_printf(&b, "a blocked 8x8 in-register transpose runs at bandwidth: %.3f ms is the floor "
		  "for %.2f MB at %.1f GB/s", f->bytes / r->in->roofline.bandwidth * 1e3,
		  MB(f->bytes), r->in->roofline.bandwidth / 1e9);
}

static void reshards(const rp_report *r, rp_finding *f)
{
	tb w = { f->what, sizeof f->what, 0 }, a = { f->path_a, sizeof f->path_a, 0 };
	tb b = { f->path_b, sizeof f->path_b, 0 };

	tb_printf(&w, "%d reshards move %.2f MB (%.3f ms, %.1f%% of the time)", f->count,
		  MB(f->bytes), f->time_ms, f->share * 100);
	tb_printf(&a, "reshard less: give producer and consumer the same sharding where the "
		  "per-core memory allows; each avoided reshard saves %.2f MB on average",
		  MB(f->bytes) / f->count);
	tb_printf(&b, "overlap each reshard with compute (double-buffered transfers) so its "
		  "%.3f ms average hides behind the next op", f->time_ms / f->count);
}

void rp_advise_pattern(const rp_report *r, rp_finding *f, int (*member)(const rp_op *))
{
	if (f->kind == RP_FIND_TINY_GEMMS)
		tiny_gemms(r, f, member);
	else if (f->kind == RP_FIND_TRANSPOSES)
		transposes(r, f, member);
	else
		reshards(r, f);
}
