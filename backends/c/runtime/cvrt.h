/*
 * cvrt.h - the kernel library that convc copies into every output directory.
 *
 * The emitted model.c calls these kernels once per IR node, with every shape and
 * attribute known at compile time passed as constants. All tensors are float32,
 * dense, C order (row-major). Spatial kernels take activations in NCHW
 * (N = batch, C = channels, H = height, W = width) and conv weights in OIHW
 * (O = output channels, I = input channels per group, H/W = kernel height/width).
 *
 * Units: every count and dim is in elements, never bytes. Pointers are borrowed:
 * the caller owns all buffers; kernels never allocate. Output buffers never alias
 * inputs unless a kernel says so. Kernels cannot fail: convc has checked every
 * shape at compile time, so they return nothing.
 *
 * Threads: kernels parallelize with OpenMP when compiled with -fopenmp and use
 * the team size the caller set (omp_set_num_threads); without OpenMP they run
 * serially. C99, libc + libm only.
 *
 * Sources: this header is the whole API. The kernels live in one source per
 * family (cvrt_<family>.c: elementwise, gemm, conv, window, reduce, copy,
 * resize; cvrt_kernels.h lists which function is in which), each compiled
 * once per instruction set on x86 (portable, AVX2 + FMA, AVX-512) and once
 * (portable) elsewhere. Every function below calls the version of the ISA
 * selected once per process (see "Instruction sets" at the end), so one
 * build runs on any x86-64 CPU and uses the widest vectors it has.
 */
#ifndef CVRT_H
#define CVRT_H

#include <stddef.h>
#include <stdint.h>

#define CVRT_MAX_RANK 8

/* Activation applied elementwise, alone (cvrt_unary) or as a fused epilogue.
 * The exp-based ones use cvrt_vmath.h's vector exp (a few ULP from libm;
 * the table per ISA is in docs/kernels.md), not libm's expf. */
enum cvrt_act_kind {
	CVRT_ACT_NONE = 0,     /* y = x */
	CVRT_ACT_RELU,         /* y = max(x, 0) */
	CVRT_ACT_CLIP,         /* y = min(max(x, a), b); a = min, b = max */
	CVRT_ACT_LEAKY_RELU,   /* y = x >= 0 ? x : a * x; a = alpha */
	CVRT_ACT_SIGMOID,      /* y = 1 / (1 + exp(-x)) */
	CVRT_ACT_HARD_SIGMOID, /* y = max(0, min(1, a * x + b)); a = alpha, b = beta */
	CVRT_ACT_HARD_SWISH,   /* y = x * max(0, min(1, x / 6 + 1 / 2)) (ONNX HardSwish) */
	CVRT_ACT_SILU,         /* y = x * sigmoid(x) */
	CVRT_ACT_TANH,         /* y = tanh(x) */
	CVRT_ACT_GELU,         /* y = x * Phi(x) = x / 2 * (1 + erf(x / sqrt(2))) */
	CVRT_ACT_GELU_TANH,    /* y = x / 2 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))) */
	CVRT_ACT_ERF,          /* y = erf(x) */
	CVRT_ACT_EXP,          /* y = exp(x) */
	CVRT_ACT_LOG,          /* y = log(x): -inf at 0, NaN below */
	CVRT_ACT_SOFTPLUS,     /* y = log(1 + exp(x)) */
	CVRT_ACT_ELU,          /* y = x >= 0 ? x : a * (exp(x) - 1); a = alpha */
	CVRT_ACT_SELU,         /* y = b * (x > 0 ? x : a * (exp(x) - 1)); a = alpha, b = gamma */
	CVRT_ACT_MISH          /* y = x * tanh(softplus(x)) */
};

typedef struct cvrt_act {
	int kind;    /* enum cvrt_act_kind */
	float a, b;  /* parameters as listed above; unused ones are 0 */
} cvrt_act;

/*
 * 2-D convolution, NCHW activations, OIHW weights, optional bias and fused
 * activation.
 *   x:    [n, c, h, w]
 *   w:    [m, c / group, kh, kw]
 *   bias: [m] or NULL
 *   y:    [n, m, oh, ow]
 * with (ONNX Conv) out_h = (h + pad_t + pad_b - dh*(kh-1) - 1) / sh + 1, and the
 * same for out_w; the caller passes the result as oh/ow, so pad_b/pad_r are
 * implied. Input positions outside [0,h)x[0,w) read as zero.
 * ws: scratch of cvrt_conv2d_workspace(p) floats (may be NULL when that is 0).
 */
/*
 * How an NHWC conv divides its output [pixels, channels] among the threads
 * of the current OpenMP team: the shard pass's host placement
 * (docs/sharding.md). ROWS: each thread a contiguous range of output pixels
 * (height/interleaved), all channels; COLS: each thread a contiguous range
 * of output channels (width), all pixels; AUTO: tiles of both, handed out
 * dynamically (block, or no placement).
 */
enum cvrt_split { CVRT_SPLIT_AUTO = 0, CVRT_SPLIT_ROWS = 1, CVRT_SPLIT_COLS = 2 };

typedef struct cvrt_conv2d_params {
	int n, c, h, w;   /* input dims */
	int m, oh, ow;    /* output channels and spatial dims */
	int kh, kw;       /* kernel */
	int sh, sw;       /* strides */
	int dh, dw;       /* dilations */
	int pad_t, pad_l; /* top and left zero padding */
	int group;        /* c % group == 0 and m % group == 0 */
	cvrt_act act;     /* fused epilogue applied after bias */
	int split;        /* enum cvrt_split: how threads divide the output (NHWC convs) */
	int ldy;          /* cvrt_conv2d_nhwc only: floats between output pixels,
			   * >= m (a channel slice of a wider tensor, such as a
			   * concat's result); 0 means m. Other kernels: 0. */
	int algo;         /* cvrt_conv2d_nhwc only: enum cvrt_conv_algo, which
			   * also fixes the packed weight form. Others: 0. */
} cvrt_conv2d_params;

/*
 * How cvrt_conv2d_nhwc computes a conv; the weight is packed for it.
 *   CVRT_CONV_DIRECT     implicit GEMM over K = kh*kw*(c/group) (any conv)
 *   CVRT_CONV_WINOGRAD2  Winograd F(2x2, 3x3) (Lavin and Gray, "Fast
 *                        Algorithms for Convolutional Neural Networks",
 *                        CVPR 2016): each 2x2 block of output pixels (a
 *                        tile) from its 4x4 input patch with 16 products
 *                        per channel pair instead of 36 (2.25x fewer
 *                        multiply-adds);
 *   CVRT_CONV_WINOGRAD4  Winograd F(4x4, 3x3) (same paper): 4x4 tiles from
 *                        6x6 patches, 36 products instead of 144 (4x fewer),
 *                        for larger transforms, a weight 4x the direct one
 *                        (36 vs 9 [c, m] matrices) and rounding errors a
 *                        few times those of F(2x2, 3x3) (its transforms
 *                        have entries up to 8 and 1/24).
 * The two Winograd forms only where cvrt_conv2d_winograd_ok.
 */
enum cvrt_conv_algo { CVRT_CONV_DIRECT = 0, CVRT_CONV_WINOGRAD2 = 1, CVRT_CONV_WINOGRAD4 = 2 };

/* Whether p's shape can run a Winograd algo: a 3x3 kernel, stride 1,
 * dilation 1, one group (any padding and size). 1 or 0. */
static inline int cvrt_conv2d_winograd_ok(const cvrt_conv2d_params *p)
{
	return p->kh == 3 && p->kw == 3 && p->sh == 1 && p->sw == 1 && p->dh == 1 && p->dw == 1 &&
	       p->group == 1;
}

/* Output tile side of a Winograd algo (enum cvrt_conv_algo): 2, 4, or 0
 * for CVRT_CONV_DIRECT. Its transformed weight has (tile + 2)^2 positions. */
static inline int cvrt_winograd_tile(int algo)
{
	return algo == CVRT_CONV_WINOGRAD2 ? 2 : algo == CVRT_CONV_WINOGRAD4 ? 4 : 0;
}

/*
 * The Winograd F(2x2, 3x3) transform of one 3x3 filter g (tap (ky, kx) at
 * g[(ky * 3 + kx) * stride]): u[4 * a + b] = (G g G^T)[a][b] with
 * G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1] (Lavin and Gray, 2016).
 */
static inline void cvrt_winograd_f23_filter(const float *g, int64_t stride, float u[16])
{
	float t[4][3];
	int a, b;

	for (b = 0; b < 3; b++) { /* t = G g, column b */
		float g0 = g[b * stride], g1 = g[(3 + b) * stride], g2 = g[(6 + b) * stride];
		t[0][b] = g0;
		t[1][b] = 0.5f * (g0 + g1 + g2);
		t[2][b] = 0.5f * (g0 - g1 + g2);
		t[3][b] = g2;
	}
	for (a = 0; a < 4; a++) { /* u = t G^T, row a */
		u[4 * a + 0] = t[a][0];
		u[4 * a + 1] = 0.5f * (t[a][0] + t[a][1] + t[a][2]);
		u[4 * a + 2] = 0.5f * (t[a][0] - t[a][1] + t[a][2]);
		u[4 * a + 3] = t[a][2];
	}
}

/*
 * The Winograd F(4x4, 3x3) transform of one 3x3 filter g (as above):
 * u[6 * a + b] = (G g G^T)[a][b], computed in double, with the 6x3
 * G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6;
 * 1/24 -1/12 1/6; 0 0 1] (interpolation points 0, 1, -1, 2, -2 and
 * infinity, Lavin and Gray, 2016).
 */
static inline void cvrt_winograd_f43_filter(const float *g, int64_t stride, float u[36])
{
	double t[6][3];
	int a, b;

	for (b = 0; b < 3; b++) { /* t = G g, column b */
		double g0 = g[b * stride], g1 = g[(3 + b) * stride], g2 = g[(6 + b) * stride];
		t[0][b] = g0 / 4;
		t[1][b] = -(g0 + g1 + g2) / 6;
		t[2][b] = -(g0 - g1 + g2) / 6;
		t[3][b] = g0 / 24 + g1 / 12 + g2 / 6;
		t[4][b] = g0 / 24 - g1 / 12 + g2 / 6;
		t[5][b] = g2;
	}
	for (a = 0; a < 6; a++) { /* u = t G^T, row a */
		double t0 = t[a][0], t1 = t[a][1], t2 = t[a][2];
		u[6 * a + 0] = (float)(t0 / 4);
		u[6 * a + 1] = (float)(-(t0 + t1 + t2) / 6);
		u[6 * a + 2] = (float)(-(t0 - t1 + t2) / 6);
		u[6 * a + 3] = (float)(t0 / 24 + t1 / 12 + t2 / 6);
		u[6 * a + 4] = (float)(t0 / 24 - t1 / 12 + t2 / 6);
		u[6 * a + 5] = (float)t2;
	}
}

size_t cvrt_conv2d_workspace(const cvrt_conv2d_params *p);
/* residual: NULL, or a tensor shaped like y added after the bias and before
 * the activation (a fused residual Add: y = act(conv + bias + residual)).
 * This is the generic path, grouped convs included: each group is an
 * im2col + GEMM (a depthwise conv here is c tiny GEMMs; cvrt_dwconv2d is its
 * fast path). */
void cvrt_conv2d(const cvrt_conv2d_params *p, const float *x, const float *w,
		 const float *bias, const float *residual, float *y, float *ws);

/*
 * Weight panels: the layout in which the GEMM micro kernels read a constant
 * B matrix (NHWC conv weights, Gemm B), so that it streams sequentially and
 * is never repacked at run time. convc writes weights.bin in this layout at
 * compile time.
 *
 * A B matrix [k, n] (k = reduction rows, n = output columns) is stored as
 * ceil(n / P) panels of P columns; each panel is its k rows of P floats,
 * contiguous:
 *   panels[(j / P) * k * P + kk * P + j % P] = B[kk][j]    (kk < k, j < n)
 * and 0 in the columns j >= n of the last panel. Units are floats.
 * P = CVRT_PANEL_COLS(n) depends on n only:
 *   32 when n > 16: one AVX-512 register tile (2 vectors of 16 lanes) or two
 *      AVX2 tiles (2 x 8 lanes each) per panel, the same bytes for both;
 *   16 when 8 < n <= 16, 8 when n <= 8: narrow matrices pad less.
 * Size: CVRT_PANELS_FLOATS(k, n) = ceil(n / P) * k * P floats.
 *
 * NHWC conv weights, HWIO [kh, kw, c/group, m], pack per group g as the matrix
 *   B_g: k = kh * kw * (c/group) rows, n = m/group columns,
 *   B_g[(ky * kw + kx) * (c/group) + ci][j] = w[ky][kx][ci][g * (m/group) + j]
 * (rows tap-major, as in HWIO), group g's panels starting at float
 * g * CVRT_PANELS_FLOATS(k, n): cvrt_conv2d_nhwc_packed_floats(p) floats in all.
 */
#define CVRT_PANEL_COLS(n) ((n) > 16 ? 32 : (n) > 8 ? 16 : 8)
#define CVRT_PANELS_FLOATS(k, n) \
	((((n) + CVRT_PANEL_COLS(n) - 1) / CVRT_PANEL_COLS(n)) * (k) * CVRT_PANEL_COLS(n))

/*
 * Pack b ([k, n] row-major, or [n, k] row-major when trans) into panels
 * (CVRT_PANELS_FLOATS(k, n) floats). For weights that are not constants;
 * convc packs constant ones at compile time.
 */
void cvrt_pack_panels(int k, int n, const float *b, int trans, float *panels);

/*
 * 2-D convolution with NHWC activations and packed HWIO weights.
 *   x:    [n, h, w, c]
 *   w:    the HWIO weight [kh, kw, c / group, m] in weight panels (above)
 *   bias: [m] or NULL; residual: NULL or [n, oh, ow, m]
 *   y:    [n, oh, ow, m], pixels ldy floats apart when p->ldy > 0 (the
 *         floats between them are left alone)
 * Same parameters and output-size formula as cvrt_conv2d. Each output pixel
 * row is a sum over taps of (input pixel under the tap) x (tap matrix): an
 * implicit GEMM over K = kh*kw*(c/group), never a full im2col matrix: with
 * one group and no column dilation, output pixels whose windows lie inside
 * the image read x in place (a window row is kw*c contiguous floats); the
 * border pixels' patches (all pixels' otherwise) are copied a few at a time
 * into a small stack buffer; pointwise convs (1x1, stride 1, unpadded) read
 * x in place. With p->algo CVRT_CONV_WINOGRAD2 or CVRT_CONV_WINOGRAD4
 * (only where cvrt_conv2d_winograd_ok), w is in the Winograd packing
 * (cvrt_pack_winograd) and the conv runs as Winograd F(2x2, 3x3) or
 * F(4x4, 3x3).
 * ws: cvrt_conv2d_nhwc_workspace(p) floats (may be NULL when that is 0):
 * 0 for CVRT_CONV_DIRECT; for the Winograd algos the transformed input and
 * products of one block of tiles (at most about 1 MiB for F(2x2, 3x3),
 * 2 MiB for F(4x4, 3x3), plus max(c, m) floats), shared by the team
 * whatever its size.
 */
size_t cvrt_conv2d_nhwc_workspace(const cvrt_conv2d_params *p);
void cvrt_conv2d_nhwc(const cvrt_conv2d_params *p, const float *x, const float *w,
		      const float *bias, const float *residual, float *y, float *ws);
/* Floats of cvrt_conv2d_nhwc's packed weights (for p->algo), and the
 * packing of an HWIO weight w_hwio [kh, kw, c/group, m] into them (for
 * non-constant weights). */
size_t cvrt_conv2d_nhwc_packed_floats(const cvrt_conv2d_params *p);
void cvrt_pack_conv2d_nhwc(const cvrt_conv2d_params *p, const float *w_hwio, float *packed);

/*
 * cvrt_conv2d_nhwc on x scaled per image and input channel (a fused
 * squeeze-and-excitation mul, conv2d's in_scale operand):
 *   y[i] = conv(x[i] * s[i]) = x[i] (*) (diag(s[i]) W)   for each image i
 *   s:  [n, c] floats (the [n, 1, 1, c] in_scale)
 *   x, w, bias, residual, y: as for cvrt_conv2d_nhwc, p->group == 1, w in
 *       p->algo's packing (direct panels or Winograd)
 *   ws: cvrt_conv2d_nhwc_scaled_workspace(p) floats (never NULL): a copy
 *       of w (cvrt_conv2d_nhwc_packed_floats(p) floats) rescaled for each
 *       image in turn, then cvrt_conv2d_nhwc's workspace for one image.
 * Per image: kh*kw*c*m products (single-threaded) to scale the packed
 * rows, then one image of cvrt_conv2d_nhwc. Scaling a padded tap's zero
 * input gives zero, so padding, strides and dilations need nothing more.
 */
size_t cvrt_conv2d_nhwc_scaled_workspace(const cvrt_conv2d_params *p);
void cvrt_conv2d_nhwc_scaled(const cvrt_conv2d_params *p, const float *x, const float *w,
			     const float *s, const float *bias, const float *residual, float *y,
			     float *ws);

/*
 * The packing of the HWIO weight w_hwio [3, 3, c, m] for Winograd output
 * tile `tile` (2: CVRT_CONV_WINOGRAD2, 4: CVRT_CONV_WINOGRAD4) into packed:
 * for each of the P = (tile + 2)^2 positions xi in turn, the [c, m] matrix
 * U_xi(ci, co) = u[xi] of the transform (cvrt_winograd_f23_filter or _f43_)
 * of the filter from input channel ci to output channel co, in weight
 * panels: P * CVRT_PANELS_FLOATS(c, m) floats (padding columns of the last
 * panels zero). convc packs constant weights with it at compile time,
 * cvrt_pack_conv2d_nhwc the others.
 */
static inline void cvrt_pack_winograd(int tile, int c, int m, const float *w_hwio, float *packed)
{
	int64_t pc = CVRT_PANEL_COLS(m), per = CVRT_PANELS_FLOATS((int64_t)c, (int64_t)m);
	int64_t ci, co, xi, np = (int64_t)(tile + 2) * (tile + 2);
	float u[36];

	for (ci = 0; ci < c; ci++)
		for (co = 0; co < (m + pc - 1) / pc * pc; co++) {
			float *d = packed + (co / pc * c + ci) * pc + co % pc;
			if (co < m && tile == 4)
				cvrt_winograd_f43_filter(w_hwio + ci * m + co, (int64_t)c * m, u);
			else if (co < m)
				cvrt_winograd_f23_filter(w_hwio + ci * m + co, (int64_t)c * m, u);
			for (xi = 0; xi < np; xi++)
				d[xi * per] = co < m ? u[xi] : 0.0f;
		}
}

/*
 * Depthwise convolution (group == c == m) as a pool-style kernel: a sliding
 * window with a per-channel multiply-accumulate, sharing its window
 * iteration (the valid tap range at the borders) with max/avg pooling.
 *   NCHW: x [n, c, h, w], w [c, 1, kh, kw], y [n, c, oh, ow]
 *   NHWC: x [n, h, w, c], w [kh, kw, 1, c], y [n, oh, ow, c]  (vectorized over c)
 * bias [c] or NULL; residual NULL or shaped like y; act fused.
 * Which kernel runs (cvrt_window.c):
 *   - NHWC, kw 3, 5 or 7, column dilation 1, column stride 1 or 2 (any kh,
 *     row stride and row dilation, every activation), when the window family
 *     was built with CVRT_DWK (the emitted Makefile's DEFS_window, for a model
 *     with NHWC depthwise convs) and not as x86's portable fallback: dwk_run
 *     (cvrt_dwconv_nhwc.inc.c); without it the 3x3 interior runs take dw3_run
 *     and the rest the general window loop. Per window row, the kw taps of a channel
 *     vector sit in registers and a block of output pixels accumulates in
 *     registers over every valid row, each input column loaded once per row
 *     and block; the border columns run the same code with zeros for the
 *     columns outside the input. Activations other than none, relu and clip
 *     are applied to each block right after it (act_inplace).
 *   - Among those, 3x3 output rows whose 3 window rows all lie inside the
 *     input, with activation none, relu or clip: dw3_run for the interior
 *     columns (all 9 taps in registers).
 *   - NCHW, at most 49 taps, where one output row of a vector of channels
 *     fits a 64 KiB stack tile with its input rows (3x3: rows up to about
 *     250 pixels with AVX-512, 500 otherwise): blocks of 1 or 2 vectors of channels and bands of
 *     output rows are transposed into a zero-padded NHWC tile and take the
 *     above, then transposed back (cvrt_window.c, dw_tile_plan).
 *   - Everything else (other kw, column dilation > 1 or stride > 2, NCHW on
 *     wider rows): the general window loop.
 * Same results either way: every path sums the taps of a pixel in the same
 * order (ky, then kx) with one multiply-add each.
 */
void cvrt_dwconv2d(const cvrt_conv2d_params *p, const float *x, const float *w,
		   const float *bias, const float *residual, float *y);
void cvrt_dwconv2d_nhwc(const cvrt_conv2d_params *p, const float *x, const float *w,
			const float *bias, const float *residual, float *y);

/*
 * 2-D transposed convolution (ONNX ConvTranspose), NCHW.
 *   x:    [n, c, h, w]
 *   w:    [c, m / group, kh, kw]   (ONNX's IOHW-style weight layout)
 *   bias: [m] or NULL
 *   y:    [n, m, oh, ow]
 * Each input pixel (ih, iw) scatters into output (ih*sh - pad_t + kh_i*dh,
 * iw*sw - pad_l + kw_i*dw); positions outside [0,oh)x[0,ow) are dropped.
 * oh = (h-1)*sh - pad_t - pad_b + dh*(kh-1) + output_padding_h + 1 (computed by
 * convc).
 */
typedef struct cvrt_conv_transpose2d_params {
	int n, c, h, w;
	int m, oh, ow;
	int kh, kw;
	int sh, sw;
	int dh, dw;
	int pad_t, pad_l;
	int group;
	cvrt_act act;
} cvrt_conv_transpose2d_params;

void cvrt_conv_transpose2d(const cvrt_conv_transpose2d_params *p, const float *x,
			   const float *w, const float *bias, float *y);

/*
 * The same with NHWC activations, run as GEMMs:
 *   x:    [n, h, w, c]
 *   w:    the IOHW weight [c, m / group, kh, kw] in the transposed-conv
 *         packing (cvrt_pack_conv_transpose2d below)
 *   bias: [m] or NULL
 *   y:    [n, oh, ow, m]
 * Same parameters and output-size formula as cvrt_conv_transpose2d. An input
 * pixel's c/group channels times the [c/group, kw*(m/group)] matrix of
 * kernel row ky give its contributions to the kw output pixels
 * (ih*sh - pad_t + ky*dh, iw*sw - pad_l + kx*dw), kx < kw:
 *   - kernel = stride, no padding (pad_t = pad_l = 0, oh >= h*sh,
 *     ow >= w*sw), dilation 1, one group (U-Net's 2x2 up-conv, detection
 *     heads): each output pixel gets exactly one product, so the GEMM of
 *     kernel row ky writes its [w, kw*m] result straight into output row
 *     ih*sh + ky (a pixel shuffle in the store), bias and activation fused;
 *     output_padding's extra pixels are act(bias);
 *   - otherwise (overlapping taps, padding, groups, dilation): per band of
 *     input rows and kernel row, the GEMM writes the band's contributions
 *     into ws and a col2im adds them into y (its rows set to bias first);
 *     rows no later band reaches get the activation at once.
 * ws: cvrt_conv_transpose2d_nhwc_workspace(p) floats.
 */
size_t cvrt_conv_transpose2d_nhwc_workspace(const cvrt_conv_transpose2d_params *p);
void cvrt_conv_transpose2d_nhwc(const cvrt_conv_transpose2d_params *p, const float *x,
				const float *w, const float *bias, float *y, float *ws);

/*
 * 3-D convolution (ONNX Conv on rank-5 tensors):
 *   x:    NCDHW [n, c, d, h, w]
 *   w:    OIDHW [m, c / group, kd, kh, kw]
 *   bias: [m] or NULL
 *   y:    NCDHW [n, m, od, oh, ow], y = act(conv(x, w) + bias)
 * Per spatial dim (depth shown; h and w alike, zero padding):
 *   od = (d + pad_front + pad_back - dd*(kd-1) - 1) / sd + 1
 * With AVX2 or AVX-512: the image transposed to NDHWC, the weights packed
 * per depth tap into weight panels, one 2-D NHWC implicit GEMM per depth
 * tap accumulating into the NDHWC result, transposed back; ws:
 * cvrt_conv3d_workspace(p) floats = d*h*w*c + od*oh*ow*m + the packed
 * weights (group * kd * CVRT_PANELS_FLOATS(kh*kw*c/group, m/group)).
 * Portable: vol2col + GEMM per chunk of output depth planes; ws:
 * c*kd*kh*kw*oh*ow times the planes of a chunk (as many as fit 8 Mi
 * floats, at least 1, at most od). (cvrt_conv3d.inc.c)
 */
typedef struct cvrt_conv3d_params {
	int n, c, d, h, w;       /* input dims */
	int m, od, oh, ow;       /* output channels and spatial dims */
	int kd, kh, kw;          /* kernel */
	int sd, sh, sw;          /* strides */
	int dd, dh, dw;          /* dilations */
	int pad_f, pad_t, pad_l; /* front, top and left zero padding */
	int group;               /* c % group == 0 and m % group == 0 */
	cvrt_act act;            /* fused epilogue applied after bias */
} cvrt_conv3d_params;

size_t cvrt_conv3d_workspace(const cvrt_conv3d_params *p);
void cvrt_conv3d(const cvrt_conv3d_params *p, const float *x, const float *w,
		 const float *bias, float *y, float *ws);

/*
 * 3-D transposed convolution (ONNX ConvTranspose on rank-5 tensors), with
 * the same parameter struct (c, d, h, w: the input; m, od, oh, ow: the
 * output; pad_f, pad_t, pad_l: the begin pads; the end pads and
 * output_padding are already in od, oh, ow):
 *   x:    NCDHW [n, c, d, h, w]
 *   w:    IODHW [c, m / group, kd, kh, kw]
 *   bias: [m] or NULL
 *   y:    NCDHW [n, m, od, oh, ow], y = act(convT(x, w) + bias):
 *     y[oc][oz][oy][ox] = sum of x[ci][iz][iy][ix] * w[ci][oc % (m/group)][kz][ky][kx]
 *     over ci of oc's group and oz = iz*sd - pad_f + kz*dd (oy, ox alike)
 *   od = (d - 1)*sd - pad_front - pad_back + dd*(kd - 1) + output_padding_d + 1
 * GEMM + col2vol (cvrt_convt3d.inc.c).
 * ws: cvrt_conv_transpose3d_workspace(p) floats: (m/group)*kd*kh*kw times
 * (c/group + d*h*w).
 */
size_t cvrt_conv_transpose3d_workspace(const cvrt_conv3d_params *p);
void cvrt_conv_transpose3d(const cvrt_conv3d_params *p, const float *x, const float *w,
			   const float *bias, float *y, float *ws);

/*
 * The transposed-conv packing of an IOHW weight w_iohw [c, m/group, kh, kw]:
 * for each group g and kernel row ky in turn, the matrix
 *   B_{g,ky}: k = c/group rows, n = kw*(m/group) columns,
 *   B_{g,ky}[ci][kx*(m/group) + j] = w_iohw[g*(c/group) + ci][j][ky][kx]
 * in weight panels, starting at float
 * (g*kh + ky) * CVRT_PANELS_FLOATS(c/group, kw*(m/group)); in all
 * cvrt_conv_transpose2d_packed_floats(...) floats. convc packs constant
 * weights with it at compile time, model.c the others at run time.
 */
static inline size_t cvrt_conv_transpose2d_packed_floats(int c, int m, int kh, int kw, int group)
{
	size_t n = (size_t)kw * (size_t)(m / group);

	return (size_t)group * (size_t)kh * CVRT_PANELS_FLOATS((size_t)(c / group), n);
}

static inline void cvrt_pack_conv_transpose2d(int c, int m, int kh, int kw, int group,
					      const float *w_iohw, float *packed)
{
	int64_t cg = c / group, mg = m / group, n = (int64_t)kw * mg;
	int64_t pc = CVRT_PANEL_COLS(n), per = CVRT_PANELS_FLOATS(cg, n);
	int64_t g, ky, j0, ci, jj;

	for (g = 0; g < group; g++)
		for (ky = 0; ky < kh; ky++) {
			float *d = packed + (g * kh + ky) * per;
			for (j0 = 0; j0 < n; j0 += pc)
				for (ci = 0; ci < cg; ci++)
					for (jj = 0; jj < pc; jj++, d++) {
						int64_t col = j0 + jj, kx = col / mg, j = col % mg;
						*d = col < n ? w_iohw[(((g * cg + ci) * mg + j) * kh + ky) * kw + kx]
							     : 0.0f;
					}
		}
}

/*
 * Inference batch normalization (ONNX BatchNormalization, training_mode = 0).
 *   x, y: [n, c, hw] (hw = product of the spatial dims, 1 for 2-D input)
 *   scale, shift, mean, var: [c]
 * y = (x - mean) / sqrt(var + eps) * scale + shift. y may alias x.
 */
void cvrt_batchnorm(int n, int c, int64_t hw, const float *x, const float *scale,
		    const float *shift, const float *mean, const float *var,
		    float eps, float *y);

/* y[i] = act(x[i]) for i < count. y may alias x. */
void cvrt_unary(int64_t count, const float *x, float *y, cvrt_act act);

/*
 * Broadcasting binary op, then act. CVRT_MAX / CVRT_MIN give NaN when
 * either operand is NaN (ONNX Runtime's Max/Min). CVRT_PRELU is ONNX PRelu
 * with b the slope: y = a >= 0 ? a : a * b. CVRT_POW is powf(a, b) (ONNX Pow).
 *   y: dense [out_dims[0], ..., out_dims[ndim-1]]
 *   a, b: read at sum_k idx_k * a_strides[k] (strides in elements; 0 on a
 *         broadcast dim), the NumPy broadcasting rule resolved by convc.
 * 1 <= ndim <= CVRT_MAX_RANK. y may alias a or b when that operand is dense
 * with the output's shape.
 */
enum cvrt_binary_op { CVRT_ADD = 0, CVRT_SUB, CVRT_MUL, CVRT_DIV, CVRT_MAX, CVRT_MIN, CVRT_PRELU, CVRT_POW };
void cvrt_binary(int op, int ndim, const int64_t *out_dims, const float *a,
		 const int64_t *a_strides, const float *b, const int64_t *b_strides,
		 float *y, cvrt_act act);

/*
 * 2-D max or average pooling, NCHW.
 *   x: [n, c, h, w], y: [n, c, oh, ow]
 * Window of output (oy, ox) covers rows oy*sh - pad_t + i*dh, i < kh (cols alike).
 * Max: padding never wins (positions outside the input are skipped).
 * Average: sum over in-input positions divided by
 *   count_include_pad ? number of window positions inside the padded input
 *                       [-pad_t, h + pad_b) x [-pad_l, w + pad_r)
 *                     : number of window positions inside the input,
 * which is what ONNX Runtime does, including for ceil_mode windows that run
 * past the padding. Dilation applies to max pooling only (dh = dw = 1 for avg).
 */
typedef struct cvrt_pool2d_params {
	int n, c, h, w;
	int oh, ow;
	int kh, kw;
	int sh, sw;
	int dh, dw;
	int pad_t, pad_l, pad_b, pad_r;
	int count_include_pad;
} cvrt_pool2d_params;

void cvrt_maxpool2d(const cvrt_pool2d_params *p, const float *x, float *y);
void cvrt_avgpool2d(const cvrt_pool2d_params *p, const float *x, float *y);
/* The same with x [n, h, w, c] and y [n, oh, ow, c] (vectorized over c). */
void cvrt_maxpool2d_nhwc(const cvrt_pool2d_params *p, const float *x, float *y);
void cvrt_avgpool2d_nhwc(const cvrt_pool2d_params *p, const float *x, float *y);

/*
 * Reduction over the dims with reduce[k] != 0.
 *   x: dense [in_dims[0], ..., in_dims[ndim-1]]
 *   y: dense over the kept dims, in order (keepdims only changes the type).
 * Mean divides by the number of reduced elements; L2 is sqrt(sum of x^2). An
 * empty reduction yields 0 for sum/mean/L2, -inf for max and +inf for min.
 */
enum cvrt_reduce_op {
	CVRT_REDUCE_MEAN = 0,
	CVRT_REDUCE_SUM,
	CVRT_REDUCE_MAX,
	CVRT_REDUCE_MIN,
	CVRT_REDUCE_L2
};
void cvrt_reduce(int op, int ndim, const int64_t *in_dims, const int *reduce,
		 const float *x, float *y);

/*
 * Y = act(alpha * op(A) * op(B) + beta * C) (ONNX Gemm).
 *   A: [m, k] row-major, or [k, m] when trans_a
 *   B: by b_form: CVRT_B_KN [k, n]; CVRT_B_NK [n, k] (ONNX transB = 1);
 *      CVRT_B_PANELS the [k, n] matrix in weight panels (above), which is
 *      how convc passes a constant B
 *   C: read at i*c_stride_m + j*c_stride_n (0 strides broadcast), or NULL
 *   Y: [m, n]
 */
enum cvrt_b_form { CVRT_B_KN = 0, CVRT_B_NK = 1, CVRT_B_PANELS = 2 };
void cvrt_gemm(int m, int n, int k, const float *a, int trans_a, const float *b,
	       int b_form, float alpha, const float *c, int64_t c_stride_m,
	       int64_t c_stride_n, float beta, float *y, cvrt_act act);

/*
 * Batched matrix product with broadcast batch dims (ONNX MatMul after convc has
 * promoted 1-D operands to 2-D).
 *   Y: dense [batch_dims..., m, n]
 *   A: matrix for batch index (i_0..i_{nb-1}) starts at sum i_k * a_bstrides[k],
 *      then is dense [m, k]; B likewise dense [k, n]. Strides in elements, 0
 *      on broadcast batch dims. nb may be 0 (a single product).
 */
void cvrt_matmul(int nb, const int64_t *batch_dims, const int64_t *a_bstrides,
		 const int64_t *b_bstrides, int m, int n, int k, const float *a,
		 const float *b, float *y);

/*
 * y dense [out_dims...] = x read at sum idx_k * x_strides[k] (elements; 0,
 * positive or negative; x already points at the first element). Serves
 * transpose, slice (any step; a negative stride walks x backwards), split,
 * expand. No aliasing.
 */
void cvrt_strided_copy(int ndim, const int64_t *out_dims, const float *x,
		       const int64_t *x_strides, float *y);

/*
 * Copy `outer` rows of `row` contiguous elements from x (dense [outer, row])
 * into y, whose rows are `y_stride` elements apart: one operand of a concat.
 */
void cvrt_copy_rows(int64_t outer, int64_t row, const float *x, float *y,
		    int64_t y_stride);

/*
 * ONNX Pad.
 *   x: dense [in_dims...], y: dense [out_dims...],
 *   out_dims[k] = in_dims[k] + pad_begin[k] + pad_end[k] (pads may be negative:
 *   a crop). mode: 0 constant (fill `value`), 1 reflect (mirror without the
 *   edge), 2 edge (repeat the edge).
 */
enum cvrt_pad_mode { CVRT_PAD_CONSTANT = 0, CVRT_PAD_REFLECT, CVRT_PAD_EDGE };
void cvrt_pad(int ndim, const int64_t *in_dims, const int64_t *out_dims,
	      const int64_t *pad_begin, int mode, float value, const float *x,
	      float *y);

/*
 * ONNX Resize on the last two dims of an NCHW tensor (n*c planes).
 *   x: [nc, h, w], y: [nc, oh, ow]
 * For output coordinate o along an axis with input length L, output length O
 * and scale s (ONNX: the given scale, or O/L when sizes were given):
 *   half_pixel:         i = (o + 0.5) / s - 0.5
 *   pytorch_half_pixel: i = O > 1 ? (o + 0.5) / s - 0.5 : 0
 *   align_corners:      i = O > 1 ? o * (L - 1) / (O - 1) : 0
 *   asymmetric:         i = o / s
 *   tf_half_pixel_for_nearest: i = (o + 0.5) / s
 *   tf_crop_and_resize: i = O > 1 ? a*(L-1) + o*(b-a)*(L-1)/(O-1) : (a+b)/2*(L-1)
 *                       (a, b: roi start and end of the axis); a result whose
 *                       i leaves [0, L-1] on either axis is `extrapolation`
 *   half_pixel_symmetric: i = L/2 * (1 - O/(s*L)) + (o + 0.5) / s - 0.5
 * (ONNX Resize-19). nearest picks round per nearest_mode, clamped to [0, L-1];
 * linear interpolates between floor(i) and floor(i)+1 with i clamped to
 * [0, L-1]; cubic weighs floor(i)-1 .. floor(i)+2 with Keys' cubic
 * convolution kernel of coefficient cubic_a (ONNX default -0.75) at distance
 * |i - tap|, taps outside [0, L-1] clamped to the edge, or with
 * exclude_outside weighted 0 and the other weights renormalized.
 */
enum cvrt_resize_mode { CVRT_RESIZE_NEAREST = 0, CVRT_RESIZE_LINEAR, CVRT_RESIZE_CUBIC };
enum cvrt_resize_coord {
	CVRT_COORD_HALF_PIXEL = 0,
	CVRT_COORD_PYTORCH_HALF_PIXEL,
	CVRT_COORD_ALIGN_CORNERS,
	CVRT_COORD_ASYMMETRIC,
	CVRT_COORD_TF_HALF_PIXEL_FOR_NEAREST,
	CVRT_COORD_TF_CROP_AND_RESIZE,
	CVRT_COORD_HALF_PIXEL_SYMMETRIC
};
enum cvrt_nearest_mode {
	CVRT_NEAREST_ROUND_PREFER_FLOOR = 0,
	CVRT_NEAREST_ROUND_PREFER_CEIL,
	CVRT_NEAREST_FLOOR,
	CVRT_NEAREST_CEIL
};
typedef struct cvrt_resize2d_params {
	int64_t nc;
	int h, w, oh, ow;
	float scale_h, scale_w;
	int mode;         /* enum cvrt_resize_mode */
	int coord;        /* enum cvrt_resize_coord */
	int nearest_mode; /* enum cvrt_nearest_mode */
	float cubic_a;    /* cubic: the kernel's coefficient */
	int exclude_outside; /* cubic: 1 drops taps outside the input */
	float roi[4];     /* tf_crop_and_resize: h start, w start, h end, w end */
	float extrapolation; /* tf_crop_and_resize: the value outside the input */
} cvrt_resize2d_params;

void cvrt_resize2d(const cvrt_resize2d_params *p, const float *x, float *y);
/* NHWC: x [p->nc, h, w, c], y [p->nc, oh, ow, c] (p->nc counts images here). */
void cvrt_resize2d_nhwc(const cvrt_resize2d_params *p, int c, const float *x, float *y);

/*
 * Softmax over the middle dim of x viewed as [outer, axis_len, inner]:
 * y[o, a, i] = exp(x[o, a, i] - max_a) / sum_a exp(x[o, a, i] - max_a).
 * (ONNX opset < 13 flattens at `axis` first: convc passes inner = 1 and
 * axis_len = product of the trailing dims.) y may alias x.
 */
void cvrt_softmax(int64_t outer, int64_t axis_len, int64_t inner, const float *x,
		  float *y);

/*
 * y[i] = op(x[i]) for i < count, op one of enum cvrt_math1_op: -x, |x|, 1/x,
 * sqrt(x). y may alias x. (Elementwise math that is no activation: no
 * epilogue, no parameters.)
 */
enum cvrt_math1_op {
	CVRT_MATH1_NEG = 0,
	CVRT_MATH1_ABS,
	CVRT_MATH1_RECIPROCAL,
	CVRT_MATH1_SQRT
};
void cvrt_math1(int op, int64_t count, const float *x, float *y);

/*
 * Layer normalization of x viewed as [outer, len] (ONNX LayerNormalization,
 * len = the product of the dims from axis on):
 * y[o, j] = (x[o, j] - mean_o) / sqrt(var_o + eps) * scale[j] + bias[j],
 * with the biased variance over the row. bias may be NULL (0). y may alias x.
 * mean [outer] and inv_std [outer] (1 / sqrt(var + eps)) receive the row
 * statistics unless NULL.
 */
void cvrt_layernorm(int64_t outer, int64_t len, const float *x, const float *scale,
		    const float *bias, float eps, float *y, float *mean, float *inv_std);

/*
 * Local response normalization across channels (ONNX LRN):
 *   x, y: dense [n, c, s] (s: the product of the spatial dims), y != x;
 *   y[n,k,i] = x[n,k,i] / (bias + alpha/size * sum_j x[n,j,i]^2)^beta over
 *   j in [k - (size-1)/2, k + size/2] clipped to [0, c) (integer division).
 * size >= 1. Vectorized over s; parallel over the n*c rows.
 */
void cvrt_lrn(int64_t n, int64_t c, int64_t s, int64_t size, float alpha, float beta, float bias,
	      const float *x, float *y);

/*
 * Instruction sets. Every kernel above exists once per ISA (enum cvrt_isa);
 * the one used is selected once per process, at the first call of
 * cvrt_isa_init, cvrt_isa_name or any kernel:
 *   - the environment variable CVRT_ISA, when set and not empty, names it
 *     ("portable", "avx2" or "avx512");
 *   - otherwise the best one this build has and the machine runs: avx512
 *     (AVX-512 F, DQ, BW and VL, with AVX2 and FMA) > avx2 (AVX2 and FMA)
 *     > portable. Builds for other targets than x86 have only "portable".
 * Changing CVRT_ISA after the selection has no effect.
 */
enum cvrt_isa {
	CVRT_ISA_PORTABLE = 0, /* plain C the compiler vectorizes for the baseline target */
	CVRT_ISA_AVX2,         /* x86: AVX2 + FMA, 8-float vectors */
	CVRT_ISA_AVX512,       /* x86: AVX-512, 16-float vectors */
	CVRT_ISA_COUNT
};

/* cvrt_isa_init's errors. */
#define CVRT_ISA_EUNKNOWN 1     /* CVRT_ISA names no ISA */
#define CVRT_ISA_EUNSUPPORTED 2 /* CVRT_ISA names one this CPU, OS or build lacks */

/*
 * Select the ISA (above) unless it was selected before, and check CVRT_ISA.
 * Returns 0, or when CVRT_ISA is set to a name that is unknown or not usable
 * here, CVRT_ISA_EUNKNOWN or CVRT_ISA_EUNSUPPORTED with a one-line message
 * naming the value and the reason in err (err_size bytes, NUL-terminated; err
 * may be NULL when err_size is 0). The check is made on every call, so a bad
 * CVRT_ISA is reported even after a kernel ran on the fallback (the best ISA).
 * Not thread-safe before the selection: call it (model_create does) before
 * any threads call kernels.
 */
int cvrt_isa_init(char *err, size_t err_size);

/* The name of the selected ISA: "portable", "avx2" or "avx512" (static
 * storage); selects it first if needed. */
const char *cvrt_isa_name(void);

/* ------------------------------------------------------------------------ */
/* Tensors of any dtype (cvrt_typed.c)                                      */
/* ------------------------------------------------------------------------ */

/*
 * Element types, numbered as convc's IR numbers them (cv_dtype): f16 and
 * bf16 are 16-bit patterns (IEEE half; the upper half of a float32), bool is
 * one byte 0 or 1. These kernels read one element at a time (through a
 * double or an int64) and serve the index, mask and shape tensors of a
 * model; float32 compute never comes here.
 */
enum cvrt_dtype {
	CVRT_F32 = 0, CVRT_F64, CVRT_F16, CVRT_I64, CVRT_I32, CVRT_I8, CVRT_U8, CVRT_BOOL,
	CVRT_BF16, CVRT_I16, CVRT_U16, CVRT_U32, CVRT_U64
};

/* Bytes per element of dtype (0 for an unknown one). */
static inline int cvrt_dtype_size(int dtype)
{
	static const unsigned char size[] = {4, 8, 2, 8, 4, 1, 1, 1, 2, 2, 2, 4, 8};
	return dtype >= 0 && dtype <= CVRT_U64 ? size[dtype] : 0;
}

/* cvrt_strided_copy and cvrt_copy_rows for elements of esize bytes
 * (strides, rows and y_stride in elements). No aliasing. */
void cvrt_strided_copy_x(int esize, int ndim, const int64_t *out_dims, const void *x,
			 const int64_t *x_strides, void *y);
void cvrt_copy_rows_x(int esize, int64_t outer, int64_t row, const void *x, void *y,
		      int64_t y_stride);

/* cvrt_pad on elements of dtype; the constant fill `value` is converted to
 * dtype as cvrt_cast converts a float64. No aliasing. */
void cvrt_pad_x(int dtype, int ndim, const int64_t *in_dims, const int64_t *out_dims,
		const int64_t *pad_begin, int mode, double value, const void *x, void *y);

/*
 * Broadcasting binary op on a and b of one dtype, laid out as cvrt_binary's
 * (strides in elements, 0 on broadcast dims; 1 <= ndim <= CVRT_MAX_RANK).
 * CVRT_ADD ... CVRT_MIN give dtype: integers wrap modulo 2^width, integer
 * division truncates toward zero (as C and ONNX Runtime) and by zero gives
 * 0; halves compute in float and round to nearest even; CVRT_MAX/MIN
 * propagate NaN. The comparisons give bool (1 byte 0/1); CVRT_AND/OR/XOR
 * take and give bool. No aliasing.
 */
enum cvrt_binary_x_op {
	CVRT_EQUAL = 16, CVRT_LESS, CVRT_GREATER, CVRT_LESS_EQUAL, CVRT_GREATER_EQUAL,
	CVRT_AND, CVRT_OR, CVRT_XOR
};
void cvrt_binary_x(int dtype, int op, int ndim, const int64_t *out_dims, const void *a,
		   const int64_t *a_strides, const void *b, const int64_t *b_strides, void *y);

/*
 * ONNX Pow with mixed or non-float32 dtypes: y = a^b broadcast as
 * cvrt_binary_x, a of a_dtype, b of b_dtype (any number dtype), y of
 * a_dtype. Computed as pow() in double and converted as cvrt_cast converts
 * a float64 (an integer result truncates toward zero), as ONNX Runtime's
 * std::pow does. No aliasing.
 */
void cvrt_pow_x(int a_dtype, int b_dtype, int ndim, const int64_t *out_dims, const void *a,
		const int64_t *a_strides, const void *b, const int64_t *b_strides, void *y);

/* y[i] = -x[i], |x[i]| (dtype; integers wrap) or !x[i] (bool), i < count. */
enum cvrt_unary_x_op { CVRT_NEG = 0, CVRT_ABS, CVRT_NOT };
void cvrt_unary_x(int dtype, int op, int64_t count, const void *x, void *y);

/*
 * y[i] = x[i] converted from dtype `from` to `to` (ONNX Cast), i < count:
 * float to integer truncates toward zero (NaN gives 0, beyond int64
 * saturates, then wraps to the width); integer to integer wraps; to f16/bf16
 * rounds to nearest even (via float32); to bool is x != 0.
 */
void cvrt_cast(int from, int to, int64_t count, const void *x, void *y);

/* y = c ? a : b elementwise, broadcast as cvrt_binary_x (c: bool bytes; a,
 * b, y: elements of esize bytes). No aliasing. */
void cvrt_where(int esize, int ndim, const int64_t *out_dims, const unsigned char *c,
		const int64_t *c_strides, const void *a, const int64_t *a_strides, const void *b,
		const int64_t *b_strides, void *y);

/*
 * ArgMax (is_min 0) / ArgMin (1) along the middle dim of x dense
 * [outer, len, inner] (len >= 1) into y [outer, inner]: the first index of
 * the extreme, or with select_last the last; integers compare exactly, a
 * NaN never beats the current best.
 */
void cvrt_arg(int dtype, int is_min, int select_last, int64_t outer, int64_t len, int64_t inner,
	      const void *x, int64_t *y);

/*
 * ONNX Gather: x dense [outer, len, inner] of esize-byte elements, idx
 * n_idx indices of idx_dtype (CVRT_I64 or CVRT_I32; negative ones count from
 * the end), y [outer, n_idx, inner] = x[o, idx[j], :]. An index outside
 * [-len, len) gives zeros (ONNX Runtime fails the run; a kernel cannot).
 */
void cvrt_gather(int esize, int idx_dtype, int64_t outer, int64_t len, int64_t inner,
		 const void *x, const void *idx, int64_t n_idx, void *y);

/*
 * Max pooling on x of any number dtype with ONNX MaxPool's Indices:
 * x [n, c, h, w] (NCHW), y [n, c, oh, ow] of dtype, windows as cvrt_maxpool2d
 * (p; count_include_pad unused). Each y is the window's first largest
 * element (floats from -inf, a NaN never wins; integers exactly); a window
 * with no element of x gives -inf (0 for integers). indices (NULL: none
 * written) [n, c, oh, ow] int64 gets that element's flattened index in x:
 * (n*c + ci)*h*w + yy*w + xx, or with storage_order 1 (column-major within
 * the plane) (n*c + ci)*h*w + xx*h + yy; the plane's first element when no
 * element is in the window. One thread. No aliasing.
 */
void cvrt_maxpool2d_x(int dtype, const cvrt_pool2d_params *p, int storage_order, const void *x,
		      void *y, int64_t *indices);

/*
 * cvrt_maxpool2d_x over three spatial dims: x [planes, d, h, w] (planes =
 * n*c; in_dims {d, h, w}), y and indices [planes, od, oh, ow] (out_dims);
 * win: per dim d, h, w five values, kernel, stride, dilation, begin pad,
 * end pad (ONNX MaxPool's 3-D window). Indices count from x's first
 * element: plane*d*h*w + (zd*h + zh)*w + zw, or with storage_order 1
 * plane*d*h*w + (zw*h + zh)*d + zd. One thread. No aliasing.
 */
void cvrt_maxpool3d_x(int dtype, int64_t planes, const int64_t *in_dims, const int64_t *out_dims,
		      const int64_t *win, int storage_order, const void *x, void *y, int64_t *indices);

#endif
