/*
 * winograd.c - `winograd`: run eligible 3x3 convs as Winograd F(2x2, 3x3).
 *
 * Matches: conv2d on NHWC activations with a 3x3 kernel, strides 1,
 * dilations 1, one group, any padding, bias, residual or activation, whose
 * input and output channels are both at least min-channels (option,
 * default 32), and whose roofline time on the target (all its cores) as
 * Winograd is at most 0.8 of the direct one (roofline_gain).
 * Rewrites: attrs.conv.algo becomes CV_CONV_ALGO_WINOGRAD (printed
 * `algo=winograd`); nothing else. The C backend then stores the weight as
 * its 16 transformed [C, M] matrices (16/9 of the bytes) and computes each
 * 2x2 block of outputs with 16 products per channel pair instead of 36
 * (cvrt.h, CVRT_CONV_WINOGRAD); outputs differ from the direct conv by
 * rounding only (about 1e-6 of the output scale in the unit tests).
 * Must not fire: strided, dilated, grouped or depthwise convs, other kernel
 * sizes, NCHW convs (the C backend runs Winograd in NHWC only), and convs
 * with fewer channels than min-channels.
 * Why min-channels = 32: bench/bench_conv.c, CONV_ALGO=winograd against
 * direct, on a 2-core AVX-512 host: with 64 to 256 channels Winograd takes
 * 0.5 to 0.75 of the direct time at 1 and at 2 threads; with 32 (3x3
 * c32 on 56x56) 0.86 at 1 thread and 0.95 at 2; with 16 or 8 it is 1.35x
 * to 1.8x slower, as the transforms' per-pixel work outweighs the fewer
 * multiply-adds.
 * Preconditions: channels-last ran (the layout decides eligibility); the
 * target (--target, else the host detected now) gives the roofline.
 * Stats: converted (convs set to winograd), kept (3x3 stride-1 convs left
 * direct: NCHW, fewer channels than min-channels, or bound by their
 * weights' memory traffic).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "passes/passes.h"

static const char *const winograd_options[] = {"min-channels", NULL};

/*
 * Whether Winograd pays on target t by the roofline: time = max(FLOPs /
 * (peak x cores), bytes / memory bandwidth), bytes = the weight as the
 * backend stores it (9 or 16 C x M floats) plus input and output. It must
 * be at most 0.8 of the direct time: the transforms' passes over V and M
 * are not in the count (bench_conv: compute-bound layers take 0.5 to 0.75
 * of the direct time where the FLOPs say 0.44 to 0.46). A
 * 7x7 layer with 512 channels streams 16.8 MB of Winograd weights for 16
 * tiles: memory-bound, direct.
 */
static int roofline_gain(const cv_node *n, const cv_target *t)
{
	cv_oihw w = cv_type_oihw(&n->inputs[1]->type);
	double peak = t->peak_flops * (t->cores > 0 ? t->cores : 1), bw = t->memory_bandwidth;
	double act = cv_value_bytes(n->inputs[0]) + cv_value_bytes(n->outputs[0]), cm = (double)w.i * (double)w.o;
	double fd, fw, bd = 36.0 * cm + act, bw16 = 64.0 * cm + act, td, tw;
	cv_node as = *n; /* the same conv as Winograd, for its FLOPs (ir/flops.c) */

	as.attrs.conv.algo = CV_CONV_ALGO_DIRECT;
	fd = cv_node_flops(&as);
	as.attrs.conv.algo = CV_CONV_ALGO_WINOGRAD;
	fw = cv_node_flops(&as);
	if (peak <= 0 || bw <= 0)
		return 1;
	td = fd / peak > bd / bw ? fd / peak : bd / bw;
	tw = fw / peak > bw16 / bw ? fw / peak : bw16 / bw;
	return tw <= 0.8 * td;
}

static cv_status run_winograd(cv_module *m, const cv_pass_options *opts, cv_pass_stats *stats,
			      cv_diag *d)
{
	const char *text = cv_pass_option(opts, "min-channels", "32");
	const cv_target *t;
	cv_target host;
	cv_status st;
	char *end;
	long minc;
	cv_node *n;

	errno = 0;
	minc = strtol(text, &end, 10);
	if (errno || end == text || *end || minc < 1 || minc > INT_MAX)
		return cv_diag_error(d, CV_ERR_INPUT,
				     "winograd: min-channels=%s is not a whole number from 1 to %d", text,
				     INT_MAX);
	if ((st = pass_target(m, &host, &t, d)))
		return st;
	cv_graph_for_each_node(&m->graph, n) {
		cv_nchw x;
		cv_oihw w;
		if (!cv_conv_winograd_shape(n) || n->attrs.conv.algo == CV_CONV_ALGO_WINOGRAD)
			continue;
		x = cv_type_nchw(&n->inputs[0]->type);
		w = cv_type_oihw(&n->inputs[1]->type);
		if (n->inputs[0]->type.layout != CV_LAYOUT_NHWC || x.c < minc || w.o < minc ||
		    !roofline_gain(n, t)) {
			cv_stat_add(stats, "kept", 1);
			continue;
		}
		n->attrs.conv.algo = CV_CONV_ALGO_WINOGRAD;
		cv_stat_add(stats, "converted", 1);
	}
	return CV_OK;
}

const cv_pass cv_pass_winograd = {
	"winograd",
	"run 3x3 stride-1 NHWC convs as Winograd F(2x2, 3x3): 2.25x fewer multiply-adds "
	"(option min-channels=N, default 32)",
	winograd_options, run_winograd};
