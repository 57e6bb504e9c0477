/*
 * winograd.c - `winograd`: run eligible 3x3 convs as Winograd F(2x2, 3x3)
 * or F(4x4, 3x3).
 *
 * Matches: conv2d on NHWC activations with a 3x3 kernel, strides 1,
 * dilations 1, one group, any padding, bias, residual or activation, whose
 * input and output channels are both at least min-channels (option,
 * default 16) with C x M / (C + M) >= 10 (enough_pairs), and whose roofline time on the target (all its cores) with
 * the chosen Winograd tile is at most 0.8 of the direct one (algo_time).
 * Rewrites: attrs.conv.algo becomes CV_CONV_ALGO_WINOGRAD2 or
 * CV_CONV_ALGO_WINOGRAD4 (printed `algo=winograd2`, `algo=winograd4`);
 * nothing else. The tile (option tile=auto|2|4, default auto): 4 unless
 * its weight streams longer than its products compute (choose), then 2.
 * The C backend then stores the weight as its 16 or 36 transformed [C, M]
 * matrices (16/9 or 4x the bytes) and computes each 2x2 (4x4) block of
 * outputs with 16 (36) products per channel pair instead of 36 (144)
 * (cvrt.h, CVRT_CONV_WINOGRAD2/4); outputs differ from the direct conv by
 * rounding only (bench_conv, random data, 64 to 256 channels: about 1e-6
 * of the output scale for F(2x2, 3x3), 1e-5 for F(4x4, 3x3)).
 * Must not fire: strided, dilated, grouped or depthwise convs, other kernel
 * sizes, NCHW convs (the C backend runs Winograd in NHWC only), and convs
 * with fewer channels than min-channels.
 * Why min-channels = 16: bench/bench_conv.c, Winograd against direct, on a
 * 2-core AVX-512 host, 1 and 2 threads: F(4x4, 3x3) takes 0.55 to 0.7 of
 * the direct time with 32 to 128 channels, 0.65 with 16 to 64 (squeezenet
 * fire2), the same time with 16 to 16, and 1.6x as long with 8 to 8, as
 * the transforms' per-pixel work outweighs the fewer multiply-adds.
 * F(2x2, 3x3) alone is slower below 32 channels (16 to 64: 1.05x, 16 to
 * 16: 1.4x): with tile=2, pass min-channels=32.
 * Preconditions: channels-last ran (the layout decides eligibility); the
 * target (--target, else the host detected now) gives the roofline.
 * Stats: converted2, converted4 (convs set to each tile), kept (3x3
 * stride-1 convs left direct: NCHW, fewer channels than min-channels or
 * too few channel pairs (16 to 16), or
 * bound by their weights' memory traffic).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "passes/passes.h"

static const char *const winograd_options[] = {"min-channels", "tile", NULL};
static const char *const winograd_defaults[] = {"16", "auto", NULL};

/* Bytes of n's weight as the C backend stores it for algo a: 9, 16 or 36
 * C x M floats. */
static double weight_bytes(const cv_node *n, cv_conv_algo a)
{
	cv_oihw w = cv_type_oihw(&n->inputs[1]->type);
	int t = cv_conv_algo_tile(a);
	double per = t ? (double)(t + 2) * (t + 2) : 9.0;

	return 4.0 * per * (double)w.i * (double)w.o;
}

/* FLOPs of n as algo a (ir/flops.c). */
static double algo_flops(const cv_node *n, cv_conv_algo a)
{
	cv_node as = *n;

	as.attrs.conv.algo = a;
	return cv_node_flops(&as);
}

/*
 * n's roofline time on target t as algo a, s: max(FLOPs / (peak x cores),
 * bytes / memory bandwidth), bytes = the weight (weight_bytes) plus input
 * and output. The transforms' passes over V and M count only as FLOPs
 * (ir/flops.c), hence the 0.8 margin choose asks of Winograd (bench_conv:
 * compute-bound layers take 0.5 to 0.75 of the direct time as F(2x2, 3x3)
 * where the FLOPs say 0.44 to 0.46). A 7x7 layer with 512 channels streams
 * 16.8 MB of F(2x2, 3x3) weights for 16 tiles (37.7 MB as F(4x4, 3x3)):
 * memory-bound, direct.
 */
static double algo_time(const cv_node *n, double peak, double bw, cv_conv_algo a)
{
	double f = algo_flops(n, a) / peak;
	double b = (weight_bytes(n, a) + cv_value_bytes(n->inputs[0]) + cv_value_bytes(n->outputs[0])) / bw;

	return f > b ? f : b;
}

/*
 * The algo n runs with on target t. The tile: `tile` (2 or 4), or under
 * auto (0) 4 unless its weight takes longer to stream than its products
 * take to compute (F(4x4, 3x3) trades 2.25x the weight bytes of F(2x2,
 * 3x3) for 1.8x fewer products: worth it while compute-bound), then 2.
 * That tile if its roofline time (algo_time) is at most 0.8 of the direct
 * one, else direct. Without a roofline (no peak or bandwidth): the tile.
 * Measured in network (alternated medians, 1 thread, 2-core AVX-512 host)
 * against "4 wherever it pays": resnet18 13.9 ms against 14.4 (its 14x14
 * c256 layers stream 9.4 MB of F(4x4, 3x3) weight for 16 tiles), but
 * squeezenet 3.83 against 3.71 (its 13x13 fire6-9 convs, 1.3 to 2.4 MB,
 * run faster as F(4x4, 3x3) than this rule says).
 */
static cv_conv_algo choose(const cv_node *n, const cv_target *t, int tile)
{
	double peak = t->peak_flops * (t->cores > 0 ? t->cores : 1), bw = t->memory_bandwidth;
	cv_conv_algo a;

	if (peak <= 0 || bw <= 0)
		return tile == 2 ? CV_CONV_ALGO_WINOGRAD2 : CV_CONV_ALGO_WINOGRAD4;
	if (tile == 2)
		a = CV_CONV_ALGO_WINOGRAD2;
	else if (tile == 4)
		a = CV_CONV_ALGO_WINOGRAD4;
	else
		a = weight_bytes(n, CV_CONV_ALGO_WINOGRAD4) / bw <=
				    algo_flops(n, CV_CONV_ALGO_WINOGRAD4) / peak
			    ? CV_CONV_ALGO_WINOGRAD4
			    : CV_CONV_ALGO_WINOGRAD2;
	return algo_time(n, peak, bw, a) <= 0.8 * algo_time(n, peak, bw, CV_CONV_ALGO_DIRECT)
		       ? a : CV_CONV_ALGO_DIRECT;
}

/*
 * Per tile, Winograd saves multiply-adds in proportion to C x M and adds
 * transforms in proportion to C + M; the roofline prices both as FLOPs at
 * the GEMM's peak, but the transforms run far below it. So a conv takes
 * Winograd only where C x M / (C + M) >= WINO_MIN_PAIRS. Measured (per-node
 * profiles, -O2 against --disable-pass=winograd, alternated, 1 thread,
 * AVX-512 host, after the 8-lane small-M kernels): 16 to 16 (8) 0.96x the
 * direct time at 48x64 and 1.05-1.09x at 20x20 (unet_small, yolov8_small,
 * yolov10_small); 16 to 32 and 32 to 16 (10.7) 0.68-0.73x; 16 to 64
 * (12.8) 0.65x (squeezenet fire2); 32 to 32 (16) 0.9x at 10x10, 0.58x at
 * 24x32.
 */
#define WINO_MIN_PAIRS 10

static int enough_pairs(int c, int m)
{
	return (double)c * m >= WINO_MIN_PAIRS * ((double)c + m);
}

static cv_status run_winograd(cv_module *m, const cv_pass_options *opts, cv_pass_stats *stats,
			      cv_diag *d)
{
	const char *text = cv_pass_option(opts, "min-channels", "16");
	const char *tiles = cv_pass_option(opts, "tile", "auto");
	const cv_target *t;
	cv_target host;
	cv_status st;
	char *end;
	long minc;
	int tile;
	cv_node *n;

	errno = 0;
	minc = strtol(text, &end, 10);
	if (errno || end == text || *end || minc < 1 || minc > INT_MAX)
		return cv_diag_error(d, CV_ERR_INPUT,
				     "winograd: min-channels=%s is not a whole number from 1 to %d", text,
				     INT_MAX);
	if (!strcmp(tiles, "auto"))
		tile = 0;
	else if (!strcmp(tiles, "2") || !strcmp(tiles, "4"))
		tile = tiles[0] - '0';
	else
		return cv_diag_error(d, CV_ERR_INPUT, "winograd: tile=%s is not auto, 2 or 4", tiles);
	if ((st = pass_target(m, &host, &t, d)))
		return st;
	cv_graph_for_each_node(&m->graph, n) {
		cv_conv_algo a;
		cv_nchw x;
		cv_oihw w;
		if (!cv_conv_winograd_shape(n) || n->attrs.conv.algo != CV_CONV_ALGO_DIRECT)
			continue;
		x = cv_type_nchw(&n->inputs[0]->type);
		w = cv_type_oihw(&n->inputs[1]->type);
		a = n->inputs[0]->type.layout == CV_LAYOUT_NHWC && x.c >= minc && w.o >= minc &&
				    enough_pairs(x.c, w.o)
			? choose(n, t, tile) : CV_CONV_ALGO_DIRECT;
		if (a == CV_CONV_ALGO_DIRECT) {
			cv_stat_add(stats, "kept", 1);
			continue;
		}
		n->attrs.conv.algo = a;
		cv_stat_add(stats, a == CV_CONV_ALGO_WINOGRAD2 ? "converted2" : "converted4", 1);
	}
	return CV_OK;
}

const cv_pass cv_pass_winograd = {
	"winograd",
	"run 3x3 stride-1 NHWC convs as Winograd F(4x4, 3x3) or F(2x2, 3x3) where the target's "
	"roofline says it pays: 4x or 2.25x fewer multiply-adds (options min-channels=N, default 16; "
	"tile=auto|2|4)",
	winograd_options, run_winograd, winograd_defaults};
