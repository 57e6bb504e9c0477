/*
 * test_interp.c - unit tests of the IR reference interpreter (ir/interp.c).
 *
 * Small graphs built through the IR API. Expected values are worked out by
 * hand in the comments, or computed here by the op's defining loop; layout
 * tests check that nhwc activations and ohwi/hwio weights give the same
 * numbers as nchw/oihw after a transpose. Error tests check the status and
 * that the message names the node. Run under ASan/LSan for "no leak".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convc/interp.h"
#include "convc/ir.h"
#include "convc/onnx.h"

/* ---- graph building ---- */

static cv_type type_of(cv_layout l, int rank, const int64_t *dims)
{
	cv_type t;

	memset(&t, 0, sizeof t);
	t.dtype = CV_F32;
	t.rank = rank;
	t.layout = l;
	memcpy(t.dims, dims, (size_t)rank * sizeof *dims);
	return t;
}

static cv_value *add_input(cv_module *m, cv_layout l, int rank, const int64_t *dims)
{
	cv_type t = type_of(l, rank, dims);
	cv_value *v = cv_graph_add_input(&m->graph, "x", &t);

	assert_non_null(v);
	return v;
}

static cv_value *add_const(cv_module *m, cv_layout l, int rank, const int64_t *dims,
			   const float *data)
{
	cv_type t = type_of(l, rank, dims);
	cv_value *v = cv_graph_add_const(&m->graph, "c", &t, data,
					 (size_t)cv_type_numel(&t) * sizeof(float));

	assert_non_null(v);
	return v;
}

/* A node whose attrs the caller sets before calling infer() or setting the
 * result types itself. */
static cv_node *add_node(cv_module *m, cv_op op, cv_value *const *ins, int nin, int nout)
{
	static const char *const names[4] = {"y", "y", "y", "y"};
	cv_node *n = cv_graph_add_node(&m->graph, op, "n", ins, nin, names, nout);

	assert_non_null(n);
	return n;
}

static void infer(cv_node *n)
{
	cv_diag d;

	cv_diag_init(&d, NULL);
	if (cv_node_infer_types(n, &d))
		fail_msg("infer: %s", d.msg);
}

static void output(cv_module *m, cv_value *v)
{
	assert_int_equal(cv_graph_add_output(&m->graph, v), 0);
}

static void run_ok(cv_module *m, const float *const *ins, float *const *outs)
{
	cv_diag d;

	cv_diag_init(&d, NULL);
	if (cv_interp_run(m, ins, outs, &d))
		fail_msg("cv_interp_run: %s", d.msg);
}

static void expect_close(const float *got, const float *want, int64_t n, double tol)
{
	int64_t i;

	for (i = 0; i < n; i++)
		if (!(fabs((double)got[i] - want[i]) <= tol))
			fail_msg("element %lld: got %.9g, want %.9g", (long long)i, got[i], want[i]);
}

/* Deterministic values in [-1, 1). */
static void fill(float *x, int64_t n, uint32_t seed)
{
	int64_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1664525u + 1013904223u;
		x[i] = (float)(seed >> 8) / (float)(1u << 23) - 1.0f;
	}
}

/* ---- layout shuffles for the equivalence tests ---- */

/* [a,b,c,d] -> the dims in order perm (dst dim k is src dim perm[k]). */
static void permute4(const float *src, const int64_t *dims, const int *perm, float *dst)
{
	int64_t idx[4], sdst[4], sd[4], i0, i1, i2, i3;
	int k;

	sd[3] = 1;
	for (k = 2; k >= 0; k--)
		sd[k] = sd[k + 1] * dims[k + 1];
	sdst[3] = 1;
	for (k = 2; k >= 0; k--)
		sdst[k] = sdst[k + 1] * dims[perm[k + 1]];
	for (i0 = 0; i0 < dims[0]; i0++)
		for (i1 = 0; i1 < dims[1]; i1++)
			for (i2 = 0; i2 < dims[2]; i2++)
				for (i3 = 0; i3 < dims[3]; i3++) {
					int64_t o = 0;
					idx[0] = i0, idx[1] = i1, idx[2] = i2, idx[3] = i3;
					for (k = 0; k < 4; k++)
						o += idx[perm[k]] * sdst[k];
					dst[o] = src[i0 * sd[0] + i1 * sd[1] + i2 * sd[2] + i3];
				}
}

static const int to_nhwc[4] = {0, 2, 3, 1}; /* also oihw -> ohwi */
static const int to_hwio[4] = {2, 3, 1, 0};

static void permuted_dims(const int64_t *dims, const int *perm, int64_t *out)
{
	int k;

	for (k = 0; k < 4; k++)
		out[k] = dims[perm[k]];
}

/* ---- conv2d ---- */

/*
 * x = [[1,2,3],[4,5,6],[7,8,9]], w = [[1,0],[0,1]], pads top 1, right 1:
 * y[oy][ox] = x[oy-1][ox] + x[oy][ox+1] (zero outside) = [[2,3,0],[6,8,3],
 * [12,14,6]]; bias -3 then relu.
 */
static void test_conv2d_by_hand(void **state)
{
	static const int64_t xd[4] = {1, 1, 3, 3}, wd[4] = {1, 1, 2, 2}, bd[1] = {1};
	static const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 0, 0, 1}, b[1] = {-3};
	static const float want[9] = {0, 0, 0, 3, 5, 0, 9, 11, 3};
	cv_module *m = cv_module_new("t");
	cv_value *ins[3];
	cv_node *n;
	float y[9];
	const float *in[1] = {x};
	float *out[1] = {y};

	(void)state;
	ins[0] = add_input(m, CV_LAYOUT_NCHW, 4, xd);
	ins[1] = add_const(m, CV_LAYOUT_OIHW, 4, wd, w);
	ins[2] = add_const(m, CV_LAYOUT_PLAIN, 1, bd, b);
	n = add_node(m, CV_OP_CONV2D, ins, 3, 1);
	n->attrs.conv = (cv_conv_attrs){.strides = {1, 1}, .pads = {1, 0, 0, 1}, .dilations = {1, 1},
					.group = 1, .act = {CV_ACT_RELU, 0, 0}};
	infer(n);
	assert_int_equal(n->outputs[0]->type.dims[2], 3);
	output(m, n->outputs[0]);
	run_ok(m, in, out);
	expect_close(y, want, 9, 0);
	cv_module_free(m);
}

/* One conv2d (groups, strides, dilations, asymmetric pads, bias, silu) in
 * the given activation and weight layouts; x and w are nchw/oihw data and
 * the result comes back as nchw. */
static void conv2d_in_layouts(cv_layout xl, cv_layout wl, const int64_t *xd, const float *x,
			      const int64_t *wd, const float *w, const float *b, float *y_nchw)
{
	static const int from_nhwc[4] = {0, 3, 1, 2};
	int64_t bd[1] = {wd[0]}, d2[4], yd[4];
	float *xp = malloc(sizeof(float) * (size_t)(xd[0] * xd[1] * xd[2] * xd[3]));
	float *wp = malloc(sizeof(float) * (size_t)(wd[0] * wd[1] * wd[2] * wd[3]));
	float *yp = malloc(sizeof(float) * 4096);
	const int *wperm = wl == CV_LAYOUT_OHWI ? to_nhwc : to_hwio;
	cv_module *m = cv_module_new("t");
	cv_value *ins[3];
	cv_node *n;
	cv_type yt;

	assert_true(xp && wp && yp);
	if (xl == CV_LAYOUT_NHWC) {
		permute4(x, xd, to_nhwc, xp);
		permuted_dims(xd, to_nhwc, d2);
		ins[0] = add_input(m, xl, 4, d2);
	} else {
		memcpy(xp, x, sizeof(float) * (size_t)(xd[0] * xd[1] * xd[2] * xd[3]));
		ins[0] = add_input(m, xl, 4, xd);
	}
	if (wl == CV_LAYOUT_OIHW) {
		memcpy(wp, w, sizeof(float) * (size_t)(wd[0] * wd[1] * wd[2] * wd[3]));
		ins[1] = add_const(m, wl, 4, wd, wp);
	} else {
		permute4(w, wd, wperm, wp);
		permuted_dims(wd, wperm, d2);
		ins[1] = add_const(m, wl, 4, d2, wp);
	}
	ins[2] = add_const(m, CV_LAYOUT_PLAIN, 1, bd, b);
	n = add_node(m, CV_OP_CONV2D, ins, 3, 1);
	n->attrs.conv = (cv_conv_attrs){.strides = {2, 1}, .pads = {1, 0, 2, 1}, .dilations = {1, 2},
					.group = 2, .act = {CV_ACT_SILU, 0, 0}};
	/* nchw result dims from the formula, then stored in x's layout */
	yd[0] = xd[0], yd[1] = wd[0];
	yd[2] = (xd[2] + 1 + 2 - 1 * (wd[2] - 1) - 1) / 2 + 1;
	yd[3] = (xd[3] + 0 + 1 - 2 * (wd[3] - 1) - 1) / 1 + 1;
	if (xl == CV_LAYOUT_NHWC)
		permuted_dims(yd, to_nhwc, d2);
	yt = type_of(xl, 4, xl == CV_LAYOUT_NHWC ? d2 : yd);
	n->outputs[0]->type = yt;
	output(m, n->outputs[0]);
	{
		const float *in[1] = {xp};
		float *out[1] = {yp};
		run_ok(m, in, out);
	}
	if (xl == CV_LAYOUT_NHWC)
		permute4(yp, d2, from_nhwc, y_nchw);
	else
		memcpy(y_nchw, yp, sizeof(float) * (size_t)(yd[0] * yd[1] * yd[2] * yd[3]));
	cv_module_free(m);
	free(xp);
	free(wp);
	free(yp);
}

static void test_conv2d_layouts(void **state)
{
	static const int64_t xd[4] = {2, 6, 7, 8}, wd[4] = {4, 3, 3, 2};
	static const cv_layout combos[][2] = {
		{CV_LAYOUT_NHWC, CV_LAYOUT_OIHW}, {CV_LAYOUT_NHWC, CV_LAYOUT_OHWI},
		{CV_LAYOUT_NHWC, CV_LAYOUT_HWIO}, {CV_LAYOUT_NCHW, CV_LAYOUT_HWIO},
	};
	float x[2 * 6 * 7 * 8], w[4 * 3 * 3 * 2], b[4], ref[4096], got[4096];
	size_t i;

	(void)state;
	fill(x, 2 * 6 * 7 * 8, 1);
	fill(w, 4 * 3 * 3 * 2, 2);
	fill(b, 4, 3);
	conv2d_in_layouts(CV_LAYOUT_NCHW, CV_LAYOUT_OIHW, xd, x, wd, w, b, ref);
	for (i = 0; i < sizeof combos / sizeof combos[0]; i++) {
		conv2d_in_layouts(combos[i][0], combos[i][1], xd, x, wd, w, b, got);
		expect_close(got, ref, 2 * 4 * 4 * 7, 1e-6); /* y is [2,4,4,7] */
	}
}

/*
 * conv_transpose2d of x = [[1,2],[3,4]] with a 2x2 kernel of ones:
 * stride 2 puts each pixel in its own 2x2 block (output_padding 1 adds a
 * zero row and column); stride 1 overlaps them: [[1,3,2],[4,10,6],[3,7,4]].
 */
static void test_conv_transpose2d_by_hand(void **state)
{
	static const int64_t xd[4] = {1, 1, 2, 2}, wd[4] = {1, 1, 2, 2};
	static const float x[4] = {1, 2, 3, 4}, w[4] = {1, 1, 1, 1};
	static const float want2[25] = {1, 1, 2, 2, 0, 1, 1, 2, 2, 0, 3, 3, 4, 4, 0,
					3, 3, 4, 4, 0, 0, 0, 0, 0, 0};
	static const float want1[9] = {1, 3, 2, 4, 10, 6, 3, 7, 4};
	cv_module *m = cv_module_new("t");
	cv_value *ins[2];
	cv_node *a, *b;
	float y2[25], y1[9];
	const float *in[1] = {x};
	float *out[2] = {y2, y1};

	(void)state;
	ins[0] = add_input(m, CV_LAYOUT_NCHW, 4, xd);
	ins[1] = add_const(m, CV_LAYOUT_IOHW, 4, wd, w);
	a = add_node(m, CV_OP_CONV_TRANSPOSE2D, ins, 2, 1);
	a->attrs.conv = (cv_conv_attrs){.strides = {2, 2}, .dilations = {1, 1}, .group = 1,
					.output_padding = {1, 1}};
	infer(a);
	b = add_node(m, CV_OP_CONV_TRANSPOSE2D, ins, 2, 1);
	b->attrs.conv = (cv_conv_attrs){.strides = {1, 1}, .dilations = {1, 1}, .group = 1};
	infer(b);
	output(m, a->outputs[0]);
	output(m, b->outputs[0]);
	run_ok(m, in, out);
	expect_close(y2, want2, 25, 0);
	expect_close(y1, want1, 9, 0);
	cv_module_free(m);
}

/* ---- pool2d ---- */

static cv_node *add_pool(cv_module *m, cv_value *x, cv_pool_kind kind, int64_t k, int64_t s,
			 int64_t pad, int ceil, int include)
{
	cv_node *n = add_node(m, CV_OP_POOL2D, &x, 1, 1);

	n->attrs.pool = (cv_pool_attrs){.kind = kind, .kernel = {k, k}, .strides = {s, s},
					.pads = {pad, pad, pad, pad}, .dilations = {1, 1},
					.ceil_mode = ceil, .count_include_pad = include};
	infer(n);
	output(m, n->outputs[0]);
	return n;
}

/*
 * x = [[1,2],[3,4]], 3x3 window, pads 1: every window holds all four, sum
 * 10; the divisor is 9 with count_include_pad, else 4; max is 4.
 * x = 1..9 as 3x3, 2x2 window, stride 2, ceil_mode: the windows are
 * {1,2,4,5}, {3,6}, {7,8}, {9}; the padded input is the input itself, so
 * count_include_pad changes nothing.
 */
static void test_pool2d_by_hand(void **state)
{
	static const int64_t d2[4] = {1, 1, 2, 2}, d3[4] = {1, 1, 3, 3};
	static const float x2[4] = {1, 2, 3, 4}, x3[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	static const float w_max[4] = {5, 6, 8, 9}, w_avg[4] = {3, 4.5f, 7.5f, 9};
	float y[6][4], w_inc[4], w_exc[4], w_max2[4];
	cv_module *m = cv_module_new("t");
	cv_value *a = add_input(m, CV_LAYOUT_NCHW, 4, d2), *b = add_input(m, CV_LAYOUT_NCHW, 4, d3);
	const float *in[2] = {x2, x3};
	float *out[6] = {y[0], y[1], y[2], y[3], y[4], y[5]};
	int i;

	(void)state;
	add_pool(m, a, CV_POOL_AVG, 3, 1, 1, 0, 1);
	add_pool(m, a, CV_POOL_AVG, 3, 1, 1, 0, 0);
	add_pool(m, a, CV_POOL_MAX, 3, 1, 1, 0, 0);
	add_pool(m, b, CV_POOL_MAX, 2, 2, 0, 1, 0);
	add_pool(m, b, CV_POOL_AVG, 2, 2, 0, 1, 0);
	add_pool(m, b, CV_POOL_AVG, 2, 2, 0, 1, 1);
	run_ok(m, in, out);
	for (i = 0; i < 4; i++) {
		w_inc[i] = 10.0f / 9.0f;
		w_exc[i] = 2.5f;
		w_max2[i] = 4;
	}
	expect_close(y[0], w_inc, 4, 1e-7);
	expect_close(y[1], w_exc, 4, 0);
	expect_close(y[2], w_max2, 4, 0);
	expect_close(y[3], w_max, 4, 0);
	expect_close(y[4], w_avg, 4, 0);
	expect_close(y[5], w_avg, 4, 0);
	cv_module_free(m);
}

/* ---- nhwc equivalence for pool2d, batchnorm, resize, concat ---- */

/* Build `op` on an nchw input of dims xd and on its nhwc copy (result types
 * set by `make`), run both and compare after moving the nhwc result back. */
typedef cv_node *(*make_fn)(cv_module *m, cv_value *x, cv_layout l);

static void check_nhwc_equivalent(const int64_t *xd, make_fn make)
{
	static const int from_nhwc[4] = {0, 3, 1, 2};
	int64_t nd[4], numel = xd[0] * xd[1] * xd[2] * xd[3], ynumel;
	float *x = malloc(sizeof(float) * (size_t)numel), *xn = malloc(sizeof(float) * (size_t)numel);
	float *y = malloc(sizeof(float) * 8192), *yn = malloc(sizeof(float) * 8192);
	float *back = malloc(sizeof(float) * 8192);
	cv_module *m = cv_module_new("t");
	cv_value *a, *b;
	cv_node *na, *nb;

	assert_true(x && xn && y && yn && back);
	fill(x, numel, 7);
	permute4(x, xd, to_nhwc, xn);
	permuted_dims(xd, to_nhwc, nd);
	a = add_input(m, CV_LAYOUT_NCHW, 4, xd);
	b = add_input(m, CV_LAYOUT_NHWC, 4, nd);
	na = make(m, a, CV_LAYOUT_NCHW);
	nb = make(m, b, CV_LAYOUT_NHWC);
	output(m, na->outputs[0]);
	output(m, nb->outputs[0]);
	ynumel = cv_type_numel(&na->outputs[0]->type);
	assert_true(ynumel <= 8192);
	{
		const float *in[2] = {x, xn};
		float *out[2] = {y, yn};
		run_ok(m, in, out);
	}
	permute4(yn, nb->outputs[0]->type.dims, from_nhwc, back);
	expect_close(back, y, ynumel, 0);
	cv_module_free(m);
	free(x);
	free(xn);
	free(y);
	free(yn);
	free(back);
}

/* Result type of an nchw-formula op, stored in layout l. */
static void set_result(cv_node *n, const cv_type *nchw, cv_layout l)
{
	int64_t d[4];

	if (l == CV_LAYOUT_NHWC) {
		permuted_dims(nchw->dims, to_nhwc, d);
		n->outputs[0]->type = type_of(l, 4, d);
	} else {
		n->outputs[0]->type = *nchw;
	}
}

static cv_node *make_pool(cv_module *m, cv_value *x, cv_layout l)
{
	/* 3x3, stride 2, pads 1, ceil_mode on 7x8: ceil(6/2)+1 = 4 rows and
	 * ceil(7/2)+1 = 5 columns; the last column window starts at 4*2 - 1 = 7,
	 * inside the input, so ceil_mode keeps it and it runs into the padding */
	static const int64_t nchw[4] = {2, 3, 4, 5};
	cv_node *n = add_node(m, CV_OP_POOL2D, &x, 1, 1);
	cv_type t = type_of(CV_LAYOUT_NCHW, 4, nchw);

	n->attrs.pool = (cv_pool_attrs){.kind = CV_POOL_AVG, .kernel = {3, 3}, .strides = {2, 2},
					.pads = {1, 1, 1, 1}, .dilations = {1, 1}, .ceil_mode = 1,
					.count_include_pad = 1};
	set_result(n, &t, l);
	return n;
}

static cv_node *make_maxpool(cv_module *m, cv_value *x, cv_layout l)
{
	cv_node *n = make_pool(m, x, l);

	n->attrs.pool.kind = CV_POOL_MAX;
	return n;
}

static cv_node *make_batchnorm(cv_module *m, cv_value *x, cv_layout l)
{
	static const int64_t cd[1] = {3};
	static const float scale[3] = {1, 2, -1}, shift[3] = {0, 1, 2}, mean[3] = {0.5f, 0, -1},
			   var[3] = {1, 4, 0.25f};
	cv_value *ins[5];
	cv_node *n;

	ins[0] = x;
	ins[1] = add_const(m, CV_LAYOUT_PLAIN, 1, cd, scale);
	ins[2] = add_const(m, CV_LAYOUT_PLAIN, 1, cd, shift);
	ins[3] = add_const(m, CV_LAYOUT_PLAIN, 1, cd, mean);
	ins[4] = add_const(m, CV_LAYOUT_PLAIN, 1, cd, var);
	n = add_node(m, CV_OP_BATCHNORM, ins, 5, 1);
	n->attrs.bn_eps = 1e-3f;
	n->outputs[0]->type = x->type;
	return n;
}

static cv_node *make_resize(cv_module *m, cv_value *x, cv_layout l)
{
	static const int64_t nchw[4] = {2, 3, 11, 5};
	cv_node *n = add_node(m, CV_OP_RESIZE, &x, 1, 1);
	cv_type t = type_of(CV_LAYOUT_NCHW, 4, nchw);

	n->attrs.resize = (cv_resize_attrs){.mode = CV_RESIZE_LINEAR, .coord = CV_COORD_HALF_PIXEL,
					    .scales = {11.0f / 7.0f, 5.0f / 8.0f}, .sizes = {11, 5}};
	set_result(n, &t, l);
	return n;
}

static cv_node *make_concat(cv_module *m, cv_value *x, cv_layout l)
{
	static const int64_t nchw[4] = {2, 6, 7, 8};
	cv_value *ins[2] = {x, x};
	cv_node *n = add_node(m, CV_OP_CONCAT, ins, 2, 1);
	cv_type t = type_of(CV_LAYOUT_NCHW, 4, nchw);

	n->attrs.axis = l == CV_LAYOUT_NHWC ? 3 : 1; /* the channel dim as stored */
	set_result(n, &t, l);
	return n;
}

static void test_nhwc_equivalence(void **state)
{
	static const int64_t xd[4] = {2, 3, 7, 8};

	(void)state;
	check_nhwc_equivalent(xd, make_pool);
	check_nhwc_equivalent(xd, make_maxpool);
	check_nhwc_equivalent(xd, make_batchnorm);
	check_nhwc_equivalent(xd, make_resize);
	check_nhwc_equivalent(xd, make_concat);
}

/* ---- elementwise ---- */

/* a = [[1,2,3],[4,5,6]] + [10,20,30]; a * [[2],[-1]] then relu. */
static void test_binary_broadcast(void **state)
{
	static const int64_t ad[2] = {2, 3}, bd[1] = {3}, cd[2] = {2, 1};
	static const float a[6] = {1, 2, 3, 4, 5, 6}, b[3] = {10, 20, 30}, c[2] = {2, -1};
	static const float want_add[6] = {11, 22, 33, 14, 25, 36}, want_mul[6] = {2, 4, 6, 0, 0, 0};
	cv_module *m = cv_module_new("t");
	cv_value *ins[2];
	cv_node *add, *mul;
	float y0[6], y1[6];
	const float *in[1] = {a};
	float *out[2] = {y0, y1};

	(void)state;
	ins[0] = add_input(m, CV_LAYOUT_PLAIN, 2, ad);
	ins[1] = add_const(m, CV_LAYOUT_PLAIN, 1, bd, b);
	add = add_node(m, CV_OP_ADD, ins, 2, 1);
	infer(add);
	ins[1] = add_const(m, CV_LAYOUT_PLAIN, 2, cd, c);
	mul = add_node(m, CV_OP_MUL, ins, 2, 1);
	mul->attrs.act.kind = CV_ACT_RELU;
	infer(mul);
	output(m, add->outputs[0]);
	output(m, mul->outputs[0]);
	run_ok(m, in, out);
	expect_close(y0, want_add, 6, 0);
	expect_close(y1, want_mul, 6, 0);
	cv_module_free(m);
}

static double sigmoid(double x)
{
	return 1 / (1 + exp(-x));
}

/* Every activation op on the same values, against its definition; silu
 * (a fused epilogue only) rides on a sub of zero. */
/* CV_CASE_ACT_OPS (the case labels the switches of infer, interp, emit, shard
 * and the report use) and cv_op_act_kind() name the same ops. */
static int in_act_case(cv_op op)
{
	switch (op) {
	CV_CASE_ACT_OPS:
		return 1;
	default:
		return 0;
	}
}

static void test_act_ops_agree(void **state)
{
	int n = 0;

	(void)state;
	for (int op = 0; op < CV_OP_COUNT; op++) {
		int kind = cv_op_act_kind((cv_op)op) != CV_ACT_NONE;

		if (kind != in_act_case((cv_op)op))
			fail_msg("op %s: cv_op_act_kind says %d, CV_CASE_ACT_OPS says %d",
				 cv_op_name((cv_op)op), kind, in_act_case((cv_op)op));
		n += kind;
	}
	assert_int_equal(n, 17);
}

/* CV_CASE_TYPED_OPS names the 15 ops that exist for every dtype (maxpool_indices
 * for its i64 result), and a node
 * of one of them is typed even on f32 operands. */
static void test_typed_ops(void **state)
{
	cv_module *m = cv_module_new("t");
	static const int64_t xd[1] = {3};
	cv_value *x = add_input(m, CV_LAYOUT_PLAIN, 1, xd), *ins[2];
	const char *names[1] = {""};
	cv_node *n;
	int op, k = 0;

	(void)state;
	for (op = 0; op < CV_OP_COUNT; op++)
		switch ((cv_op)op) {
		CV_CASE_TYPED_OPS:
			k++;
			break;
		default:
			break;
		}
	assert_int_equal(k, 15);
	ins[0] = ins[1] = x;
	n = cv_graph_add_node(&m->graph, CV_OP_ADD, "a", ins, 2, names, 1);
	assert_non_null(n);
	n->outputs[0]->type = x->type;
	assert_false(cv_node_is_typed(n));
	n = cv_graph_add_node(&m->graph, CV_OP_GREATER, "g", ins, 2, names, 1);
	assert_non_null(n);
	n->outputs[0]->type = x->type;
	assert_true(cv_node_is_typed(n));
	cv_module_free(m);
}

static void test_activations(void **state)
{
	static const int64_t xd[1] = {7}, zd[1] = {1};
	static const float x[7] = {-7, -3, -1, 0, 0.5f, 3, 6}, zero[1] = {0};
	static const cv_op ops[6] = {CV_OP_RELU, CV_OP_CLIP, CV_OP_LEAKY_RELU, CV_OP_SIGMOID,
				     CV_OP_HARD_SIGMOID, CV_OP_HARD_SWISH};
	static const cv_act params[6] = {{CV_ACT_RELU, 0, 0},       {CV_ACT_CLIP, -2, 1},
					 {CV_ACT_LEAKY_RELU, 0.1f, 0}, {CV_ACT_SIGMOID, 0, 0},
					 {CV_ACT_HARD_SIGMOID, 0.2f, 0.5f}, {CV_ACT_HARD_SWISH, 0, 0}};
	cv_module *m = cv_module_new("t");
	cv_value *xv, *ins[2];
	cv_node *n;
	float y[7][7], want[7];
	const float *in[1] = {x};
	float *out[7];
	int i, j;

	(void)state;
	xv = add_input(m, CV_LAYOUT_PLAIN, 1, xd);
	for (i = 0; i < 6; i++) {
		n = add_node(m, ops[i], &xv, 1, 1);
		n->attrs.act = params[i];
		infer(n);
		output(m, n->outputs[0]);
		out[i] = y[i];
	}
	ins[0] = xv;
	ins[1] = add_const(m, CV_LAYOUT_PLAIN, 1, zd, zero);
	n = add_node(m, CV_OP_SUB, ins, 2, 1);
	n->attrs.act.kind = CV_ACT_SILU;
	infer(n);
	output(m, n->outputs[0]);
	out[6] = y[6];
	run_ok(m, in, out);
	for (i = 0; i < 7; i++) {
		double v = x[i];
		double defs[7] = {v > 0 ? v : 0, v < -2 ? -2 : v > 1 ? 1 : v, v >= 0 ? v : 0.1f * v,
				  sigmoid(v), fmax(0, fmin(1, 0.2f * v + 0.5f)),
				  v * fmax(0, fmin(1, v / 6 + 0.5)), v * sigmoid(v)};
		for (j = 0; j < 7; j++) {
			want[0] = (float)defs[j];
			expect_close(&y[j][i], want, 1, 1e-7);
		}
	}
	cv_module_free(m);
}

/* ---- gemm, matmul, reduce_mean ---- */

/* Y = relu(2 * A^T B^T + 0.5 * C), A stored [3,2], B stored [4,3], C [4]. */
static void test_gemm(void **state)
{
	static const int64_t ad[2] = {3, 2}, bd[2] = {4, 3}, cd[1] = {4};
	float a[6], b[12], c[4], y[8], want[8];
	cv_module *m = cv_module_new("t");
	cv_value *ins[3];
	cv_node *n;
	const float *in[1] = {a};
	float *out[1] = {y};
	int i, j, k;

	(void)state;
	fill(a, 6, 11);
	fill(b, 12, 12);
	fill(c, 4, 13);
	ins[0] = add_input(m, CV_LAYOUT_PLAIN, 2, ad);
	ins[1] = add_const(m, CV_LAYOUT_PLAIN, 2, bd, b);
	ins[2] = add_const(m, CV_LAYOUT_PLAIN, 1, cd, c);
	n = add_node(m, CV_OP_GEMM, ins, 3, 1);
	n->attrs.gemm = (cv_gemm_attrs){.trans_a = 1, .trans_b = 1, .alpha = 2, .beta = 0.5f,
					.act = {CV_ACT_RELU, 0, 0}};
	infer(n);
	output(m, n->outputs[0]);
	run_ok(m, in, out);
	for (i = 0; i < 2; i++)
		for (j = 0; j < 4; j++) {
			double s = 0;
			for (k = 0; k < 3; k++)
				s += (double)a[k * 2 + i] * b[j * 3 + k];
			s = 2 * s + 0.5 * c[j];
			want[i * 4 + j] = (float)(s > 0 ? s : 0);
		}
	expect_close(y, want, 8, 1e-6);
	cv_module_free(m);
}

/* [3] x [3,2] -> [2] (1-D promotion); [2,1,2,3] x [3,3,4] -> [2,3,2,4]. */
static void test_matmul(void **state)
{
	static const int64_t vd[1] = {3}, md[2] = {3, 2}, ad[4] = {2, 1, 2, 3}, bd[3] = {3, 3, 4};
	float v[3], mm[6], a[12], b[36], y0[2], y1[48], w0[2], w1[48];
	cv_module *m = cv_module_new("t");
	cv_value *ins[2];
	cv_node *n0, *n1;
	const float *in[2] = {v, a};
	float *out[2] = {y0, y1};
	int i, j, k, p, q;

	(void)state;
	fill(v, 3, 21);
	fill(mm, 6, 22);
	fill(a, 12, 23);
	fill(b, 36, 24);
	ins[0] = add_input(m, CV_LAYOUT_PLAIN, 1, vd);
	ins[1] = add_const(m, CV_LAYOUT_PLAIN, 2, md, mm);
	n0 = add_node(m, CV_OP_MATMUL, ins, 2, 1);
	infer(n0);
	assert_int_equal(n0->outputs[0]->type.rank, 1);
	ins[0] = add_input(m, CV_LAYOUT_PLAIN, 4, ad);
	ins[1] = add_const(m, CV_LAYOUT_PLAIN, 3, bd, b);
	n1 = add_node(m, CV_OP_MATMUL, ins, 2, 1);
	infer(n1);
	output(m, n0->outputs[0]);
	output(m, n1->outputs[0]);
	run_ok(m, in, out);
	for (j = 0; j < 2; j++) {
		double s = 0;
		for (k = 0; k < 3; k++)
			s += (double)v[k] * mm[k * 2 + j];
		w0[j] = (float)s;
	}
	for (p = 0; p < 2; p++)         /* a's batch */
		for (q = 0; q < 3; q++) /* b's batch */
			for (i = 0; i < 2; i++)
				for (j = 0; j < 4; j++) {
					double s = 0;
					for (k = 0; k < 3; k++)
						s += (double)a[p * 6 + i * 3 + k] * b[q * 12 + k * 4 + j];
					w1[((p * 3 + q) * 2 + i) * 4 + j] = (float)s;
				}
	expect_close(y0, w0, 2, 1e-6);
	expect_close(y1, w1, 48, 1e-6);
	cv_module_free(m);
}

/* Mean over dims 0 and 2 of [2,3,4], without keepdims -> [3]. */
static void test_reduce_mean(void **state)
{
	static const int64_t xd[3] = {2, 3, 4};
	float x[24], y[3], want[3];
	cv_module *m = cv_module_new("t");
	cv_value *xv;
	cv_node *n;
	const float *in[1] = {x};
	float *out[1] = {y};
	int i, j, k;

	(void)state;
	fill(x, 24, 31);
	xv = add_input(m, CV_LAYOUT_PLAIN, 3, xd);
	n = add_node(m, CV_OP_REDUCE_MEAN, &xv, 1, 1);
	n->attrs.reduce = (cv_reduce_attrs){.axes = 0x5, .keepdims = 0};
	infer(n);
	output(m, n->outputs[0]);
	run_ok(m, in, out);
	for (j = 0; j < 3; j++) {
		double s = 0;
		for (i = 0; i < 2; i++)
			for (k = 0; k < 4; k++)
				s += x[i * 12 + j * 4 + k];
		want[j] = (float)(s / 8);
	}
	expect_close(y, want, 3, 1e-7);
	cv_module_free(m);
}

/*
 * x = [[1,-2,3],[-4,5,0]] reduced over dim 1: sum [2,1], max [3,5],
 * min [-2,-4], l2 [sqrt(14), sqrt(41)]; over no positions (dim 0 of a
 * [0,3] x) max gives -inf and min +inf.
 */
static void test_reduce_ops(void **state)
{
	static const int64_t xd[2] = {2, 3}, ed[2] = {0, 3};
	static const float x[6] = {1, -2, 3, -4, 5, 0};
	static const struct {
		cv_op op;
		float want[2];
	} cases[] = {
		{CV_OP_REDUCE_SUM, {2, 1}},
		{CV_OP_REDUCE_MAX, {3, 5}},
		{CV_OP_REDUCE_MIN, {-2, -4}},
		{CV_OP_REDUCE_L2, {3.74165739f, 6.40312424f}},
	};
	float y[3];
	const float *in[1] = {x};
	float *out[1] = {y};
	size_t c;

	(void)state;
	for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		cv_module *m = cv_module_new("t");
		cv_value *xv = add_input(m, CV_LAYOUT_PLAIN, 2, xd);
		cv_node *n = add_node(m, cases[c].op, &xv, 1, 1);
		n->attrs.reduce = (cv_reduce_attrs){.axes = 0x2, .keepdims = 1};
		infer(n);
		output(m, n->outputs[0]);
		run_ok(m, in, out);
		expect_close(y, cases[c].want, 2, 1e-6);
		cv_module_free(m);
	}
	for (c = 1; c < 3; c++) {
		cv_module *m = cv_module_new("t");
		cv_value *xv = add_input(m, CV_LAYOUT_PLAIN, 2, ed);
		cv_node *n = add_node(m, cases[c].op, &xv, 1, 1);
		int j;
		n->attrs.reduce = (cv_reduce_attrs){.axes = 0x1, .keepdims = 0};
		infer(n);
		output(m, n->outputs[0]);
		run_ok(m, in, out);
		for (j = 0; j < 3; j++)
			assert_true(isinf(y[j]) && (y[j] < 0) == (cases[c].op == CV_OP_REDUCE_MAX));
		cv_module_free(m);
	}
}

/*
 * layernorm over the last dim of [[1,2,3],[2,2,2]] with scale [1,2,-1],
 * bias [0,1,0] and eps 1: row 0 has mean 2 and variance 2/3, so y =
 * (x - 2) / sqrt(5/3) * scale + bias; row 1 has variance 0, so y = bias.
 * Results 1 and 2 are the means [2, 2] and 1/sqrt(var + eps).
 */
static void test_layernorm(void **state)
{
	static const int64_t xd[2] = {2, 3}, sd[1] = {3};
	static const float x[6] = {1, 2, 3, 2, 2, 2}, g[3] = {1, 2, -1}, b[3] = {0, 1, 0};
	float y[6], mean[2], inv[2];
	cv_module *m = cv_module_new("t");
	cv_value *ins[3];
	cv_node *n;
	const float *in[1] = {x};
	float *out[3] = {y, mean, inv};
	float want_y[6];
	int j;

	(void)state;
	ins[0] = add_input(m, CV_LAYOUT_PLAIN, 2, xd);
	ins[1] = add_const(m, CV_LAYOUT_PLAIN, 1, sd, g);
	ins[2] = add_const(m, CV_LAYOUT_PLAIN, 1, sd, b);
	n = add_node(m, CV_OP_LAYERNORM, ins, 3, 3);
	n->attrs.norm = (cv_norm_attrs){.axis = 1, .epsilon = 1};
	infer(n);
	output(m, n->outputs[0]);
	output(m, n->outputs[1]);
	output(m, n->outputs[2]);
	run_ok(m, in, out);
	for (j = 0; j < 3; j++)
		want_y[j] = (float)((x[j] - 2.0) / sqrt(2.0 / 3.0 + 1.0) * g[j] + b[j]);
	for (j = 0; j < 3; j++)
		want_y[3 + j] = b[j];
	expect_close(y, want_y, 6, 1e-6);
	expect_close(mean, (const float[2]){2, 2}, 2, 1e-7);
	expect_close(inv, (const float[2]){(float)(1 / sqrt(5.0 / 3.0)), 1}, 2, 1e-6);
	cv_module_free(m);
}

/* expand of [[1],[2]] ([2,1]) to [3,2,2]: each row repeated, three times. */
static void test_expand(void **state)
{
	static const int64_t xd[2] = {2, 1};
	static const float x[2] = {1, 2}, want[12] = {1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2};
	float y[12];
	cv_module *m = cv_module_new("t");
	cv_value *xv;
	cv_node *n;
	const float *in[1] = {x};
	float *out[1] = {y};

	(void)state;
	xv = add_input(m, CV_LAYOUT_PLAIN, 2, xd);
	n = add_node(m, CV_OP_EXPAND, &xv, 1, 1);
	n->outputs[0]->type = (cv_type){.dtype = CV_F32, .rank = 3, .dims = {3, 2, 2}};
	infer(n);
	output(m, n->outputs[0]);
	run_ok(m, in, out);
	expect_close(y, want, 12, 0);
	cv_module_free(m);
}

/* ---- data movement ---- */

/*
 * x = [1,2,3,4]: reflect pads (2,3) -> [3,2,1,2,3,4,3,2,1]; edge ->
 * [1,1,1,2,3,4,4,4,4]; constant 9 with pads (-1,1) crops the first ->
 * [2,3,4,9]. slice of 0..9 from 1 to 9 step 3 -> [1,4,7]; transpose of
 * [[0,1,2],[3,4,5]] -> [[0,3],[1,4],[2,5]]; split of 0..4 into 2 and 3.
 */
static void test_data_movement(void **state)
{
	static const int64_t xd[1] = {4}, sd[1] = {10}, td[2] = {2, 3}, pd[1] = {5};
	static const float x[4] = {1, 2, 3, 4};
	static const float w_reflect[9] = {3, 2, 1, 2, 3, 4, 3, 2, 1};
	static const float w_edge[9] = {1, 1, 1, 2, 3, 4, 4, 4, 4}, w_const[4] = {2, 3, 4, 9};
	static const float w_slice[3] = {1, 4, 7}, w_tr[6] = {0, 3, 1, 4, 2, 5};
	static const float w_s0[2] = {0, 1}, w_s1[3] = {2, 3, 4};
	float s[10], t[6], p5[5], y[8][9];
	cv_module *m = cv_module_new("t");
	cv_value *xv = add_input(m, CV_LAYOUT_PLAIN, 1, xd), *sv = add_input(m, CV_LAYOUT_PLAIN, 1, sd);
	cv_value *tv = add_input(m, CV_LAYOUT_PLAIN, 2, td), *pv = add_input(m, CV_LAYOUT_PLAIN, 1, pd);
	const float *in[4] = {x, s, t, p5};
	float *out[8];
	cv_node *n;
	int i;

	(void)state;
	for (i = 0; i < 10; i++)
		s[i] = (float)i;
	for (i = 0; i < 6; i++)
		t[i] = (float)i;
	for (i = 0; i < 5; i++)
		p5[i] = (float)i;
	for (i = 0; i < 8; i++)
		out[i] = y[i];
	n = add_node(m, CV_OP_PAD, &xv, 1, 1);
	n->attrs.pad = (cv_pad_attrs){.mode = CV_PAD_REFLECT, .pads = {2, 3}};
	infer(n), output(m, n->outputs[0]);
	n = add_node(m, CV_OP_PAD, &xv, 1, 1);
	n->attrs.pad = (cv_pad_attrs){.mode = CV_PAD_EDGE, .pads = {2, 3}};
	infer(n), output(m, n->outputs[0]);
	n = add_node(m, CV_OP_PAD, &xv, 1, 1);
	n->attrs.pad = (cv_pad_attrs){.mode = CV_PAD_CONSTANT, .pads = {-1, 1}, .value = 9};
	infer(n), output(m, n->outputs[0]);
	n = add_node(m, CV_OP_SLICE, &sv, 1, 1);
	n->attrs.slice = (cv_slice_attrs){.starts = {1}, .ends = {9}, .steps = {3}};
	infer(n), output(m, n->outputs[0]);
	n = add_node(m, CV_OP_TRANSPOSE, &tv, 1, 1);
	n->attrs.perm[0] = 1, n->attrs.perm[1] = 0;
	infer(n), output(m, n->outputs[0]);
	n = add_node(m, CV_OP_SPLIT, &pv, 1, 2);
	n->attrs.axis = 0;
	n->outputs[0]->type.dims[0] = 2; /* split sizes live in the result types */
	n->outputs[1]->type.dims[0] = 3;
	infer(n), output(m, n->outputs[0]), output(m, n->outputs[1]);
	n = add_node(m, CV_OP_RESHAPE, &tv, 1, 1);
	n->outputs[0]->type = type_of(CV_LAYOUT_PLAIN, 1, (int64_t[1]){6});
	infer(n), output(m, n->outputs[0]);
	run_ok(m, in, out);
	expect_close(y[0], w_reflect, 9, 0);
	expect_close(y[1], w_edge, 9, 0);
	expect_close(y[2], w_const, 4, 0);
	expect_close(y[3], w_slice, 3, 0);
	expect_close(y[4], w_tr, 6, 0);
	expect_close(y[5], w_s0, 2, 0);
	expect_close(y[6], w_s1, 3, 0);
	expect_close(y[7], t, 6, 0);
	cv_module_free(m);
}

/*
 * Resize of x = [[1,2],[3,4]] to 4x4, nearest asymmetric floor: each pixel
 * becomes a 2x2 block. Linear half_pixel of [0,1] to 4: coordinates
 * -0.25, 0.25, 0.75, 1.25 clamp to 0, 0.25, 0.75, 1. Linear align_corners
 * to 3: 0, 0.5, 1. Nearest half_pixel round_prefer_ceil of [0,1,2,3] to 2
 * (scale 0.5): coordinates 0.5, 2.5 round up to 1 and 3.
 */
static void test_resize_by_hand(void **state)
{
	static const int64_t xd[4] = {1, 1, 2, 2}, ld[2] = {1, 2}, qd[2] = {1, 4};
	static const float x[4] = {1, 2, 3, 4}, l[2] = {0, 1}, q[4] = {0, 1, 2, 3};
	static const float w_near[16] = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
	static const float w_lin[4] = {0, 0.25f, 0.75f, 1}, w_ac[3] = {0, 0.5f, 1}, w_ceil[2] = {1, 3};
	float y[4][16];
	cv_module *m = cv_module_new("t");
	cv_value *xv = add_input(m, CV_LAYOUT_NCHW, 4, xd), *lv = add_input(m, CV_LAYOUT_PLAIN, 2, ld);
	cv_value *qv = add_input(m, CV_LAYOUT_PLAIN, 2, qd);
	const float *in[3] = {x, l, q};
	float *out[4] = {y[0], y[1], y[2], y[3]};
	cv_node *n;

	(void)state;
	n = add_node(m, CV_OP_RESIZE, &xv, 1, 1);
	n->attrs.resize = (cv_resize_attrs){.mode = CV_RESIZE_NEAREST, .coord = CV_COORD_ASYMMETRIC,
					    .nearest = CV_NEAREST_FLOOR, .scales = {2, 2}, .sizes = {4, 4}};
	infer(n), output(m, n->outputs[0]);
	n = add_node(m, CV_OP_RESIZE, &lv, 1, 1);
	n->attrs.resize = (cv_resize_attrs){.mode = CV_RESIZE_LINEAR, .coord = CV_COORD_HALF_PIXEL,
					    .scales = {1, 2}, .sizes = {1, 4}};
	infer(n), output(m, n->outputs[0]);
	n = add_node(m, CV_OP_RESIZE, &lv, 1, 1);
	n->attrs.resize = (cv_resize_attrs){.mode = CV_RESIZE_LINEAR, .coord = CV_COORD_ALIGN_CORNERS,
					    .scales = {1, 1.5f}, .sizes = {1, 3}};
	infer(n), output(m, n->outputs[0]);
	n = add_node(m, CV_OP_RESIZE, &qv, 1, 1);
	n->attrs.resize = (cv_resize_attrs){.mode = CV_RESIZE_NEAREST, .coord = CV_COORD_HALF_PIXEL,
					    .nearest = CV_NEAREST_ROUND_PREFER_CEIL, .scales = {1, 0.5f},
					    .sizes = {1, 2}};
	infer(n), output(m, n->outputs[0]);
	run_ok(m, in, out);
	expect_close(y[0], w_near, 16, 0);
	expect_close(y[1], w_lin, 4, 0);
	expect_close(y[2], w_ac, 3, 0);
	expect_close(y[3], w_ceil, 2, 0);
	cv_module_free(m);
}

/* Softmax of [[0,1],[2,3]]: per row (axis 1), and flattened from axis 0. */
static void test_softmax(void **state)
{
	static const int64_t xd[2] = {2, 2};
	static const float x[4] = {0, 1, 2, 3};
	float y0[4], y1[4], w0[4], w1[4];
	cv_module *m = cv_module_new("t");
	cv_value *xv = add_input(m, CV_LAYOUT_PLAIN, 2, xd);
	const float *in[1] = {x};
	float *out[2] = {y0, y1};
	cv_node *n;
	double row = 1 + exp(1), all = 1 + exp(1) + exp(2) + exp(3);
	int i;

	(void)state;
	n = add_node(m, CV_OP_SOFTMAX, &xv, 1, 1);
	n->attrs.softmax = (cv_softmax_attrs){.axis = 1, .flatten = 0};
	infer(n), output(m, n->outputs[0]);
	n = add_node(m, CV_OP_SOFTMAX, &xv, 1, 1);
	n->attrs.softmax = (cv_softmax_attrs){.axis = 0, .flatten = 1};
	infer(n), output(m, n->outputs[0]);
	run_ok(m, in, out);
	for (i = 0; i < 4; i++) {
		w0[i] = (float)(exp(x[i] - (i / 2) * 2) / row);
		w1[i] = (float)(exp(x[i]) / all);
	}
	expect_close(y0, w0, 4, 1e-7);
	expect_close(y1, w1, 4, 1e-7);
	cv_module_free(m);
}

/* Graph outputs that are an input, a constant, and a result read twice by
 * one node and by a later one: buffers must live exactly long enough. */
static void test_value_lifetimes(void **state)
{
	static const int64_t xd[1] = {3};
	static const float x[3] = {-1, 2, -3}, c[3] = {5, 6, 7};
	static const float w_relu2[3] = {0, 4, 0}, w_last[3] = {0, 6, 0};
	float y[4][3];
	cv_module *m = cv_module_new("t");
	cv_value *xv = add_input(m, CV_LAYOUT_PLAIN, 1, xd), *cv = add_const(m, CV_LAYOUT_PLAIN, 1, xd, c);
	cv_value *ins[2];
	cv_node *r, *a, *b;
	const float *in[1] = {x};
	float *out[4] = {y[0], y[1], y[2], y[3]};

	(void)state;
	r = add_node(m, CV_OP_RELU, &xv, 1, 1);
	infer(r);
	ins[0] = ins[1] = r->outputs[0];
	a = add_node(m, CV_OP_ADD, ins, 2, 1); /* relu + relu */
	infer(a);
	ins[1] = a->outputs[0];
	b = add_node(m, CV_OP_ADD, ins, 2, 1); /* relu + (relu + relu) */
	infer(b);
	output(m, xv);
	output(m, cv);
	output(m, a->outputs[0]);
	output(m, b->outputs[0]);
	run_ok(m, in, out);
	expect_close(y[0], x, 3, 0);
	expect_close(y[1], c, 3, 0);
	expect_close(y[2], w_relu2, 3, 0);
	expect_close(y[3], w_last, 3, 0);
	cv_module_free(m);
}

/* ---- errors ---- */

static void expect_error(cv_module *m, const float *const *in, float *const *out, cv_status want,
			 const char *fragment)
{
	cv_diag d;
	cv_status st;

	cv_diag_init(&d, NULL);
	/* the typed entry: an error case may have non-f32 results */
	st = cv_interp_run_typed(m, (const void *const *)in, (void *const *)out, &d);
	if (st != want || !strstr(d.msg, fragment))
		fail_msg("status %d (want %d), message '%s' (want '%s' in it)", (int)st, (int)want, d.msg,
			 fragment);
}

static void test_errors(void **state)
{
	static const int64_t xd[4] = {1, 2, 2, 2}, cd[1] = {2}, huge[2] = {INT64_C(1) << 31, INT64_C(1) << 31};
	static const float x[8];
	static const int64_t ints[2] = {1, 2};
	float y[8];
	const float *in[1] = {x};
	float *out[1] = {y};
	cv_module *m;
	cv_value *xv, *iv;
	cv_node *n;
	cv_type t;

	(void)state;
	/* reduce_mean over an nhwc tensor reduces the stored dims 1 and 2 (h, w):
	 * index-based ops read dims as stored, whatever the layout tag */
	{
		static const float xs[8] = {1, 10, 2, 20, 3, 30, 4, 40}; /* [1,2,2,2] nhwc: c=0 1..4, c=1 10..40 */
		const float *in_nhwc[1] = {xs};
		m = cv_module_new("t");
		xv = add_input(m, CV_LAYOUT_NHWC, 4, xd);
		n = cv_graph_add_node(&m->graph, CV_OP_REDUCE_MEAN, "Mean_7", &xv, 1, (const char *const[]){"y"}, 1);
		n->attrs.reduce = (cv_reduce_attrs){.axes = 0x6, .keepdims = 1};
		infer(n), output(m, n->outputs[0]);
		assert_int_equal(cv_interp_run(m, in_nhwc, out, NULL), CV_OK);
		assert_float_equal(y[0], 2.5f, 1e-6f);
		assert_float_equal(y[1], 25.0f, 1e-6f);
		cv_module_free(m);
	}

	/* an i64 constant read at run time */
	m = cv_module_new("t");
	t = type_of(CV_LAYOUT_PLAIN, 1, cd);
	t.dtype = CV_I64;
	iv = cv_graph_add_const(&m->graph, "k", &t, ints, sizeof ints);
	n = cv_graph_add_node(&m->graph, CV_OP_RELU, "Relu_3", &iv, 1, (const char *const[]){"y"}, 1);
	infer(n), output(m, n->outputs[0]);
	expect_error(m, in, out, CV_ERR_UNSUPPORTED, "relu 'Relu_3': operand 0 ('k') is i64");
	/* cv_interp_run itself refuses the i64 graph output */
	{
		cv_diag d;
		cv_diag_init(&d, NULL);
		assert_int_equal(cv_interp_run(m, in, out, &d), CV_ERR_UNSUPPORTED);
		assert_non_null(strstr(d.msg, "graph output 'y' is i64"));
	}
	cv_module_free(m);

	/* a result whose byte size overflows */
	m = cv_module_new("t");
	xv = add_input(m, CV_LAYOUT_NCHW, 4, xd);
	n = cv_graph_add_node(&m->graph, CV_OP_RESHAPE, "Big", &xv, 1, (const char *const[]){"y"}, 1);
	n->outputs[0]->type = type_of(CV_LAYOUT_PLAIN, 2, huge);
	output(m, n->outputs[0]);
	expect_error(m, in, out, CV_ERR_NOMEM, "reshape 'Big'");
	cv_module_free(m);

	/* a conv weight whose channels do not match the input */
	m = cv_module_new("t");
	xv = add_input(m, CV_LAYOUT_NCHW, 4, xd);
	{
		static const int64_t wd[4] = {1, 3, 1, 1};
		static const float w[3];
		cv_value *ins[2] = {xv, add_const(m, CV_LAYOUT_OIHW, 4, wd, w)};
		n = cv_graph_add_node(&m->graph, CV_OP_CONV2D, "Conv_1", ins, 2, (const char *const[]){"y"}, 1);
		n->attrs.conv = (cv_conv_attrs){.strides = {1, 1}, .dilations = {1, 1}, .group = 1};
		n->outputs[0]->type = type_of(CV_LAYOUT_NCHW, 4, (int64_t[4]){1, 1, 2, 2});
		output(m, n->outputs[0]);
		expect_error(m, in, out, CV_ERR_INTERNAL, "conv2d 'Conv_1': weight has 3 in");
	}
	cv_module_free(m);

	/* a conv_transpose2d weight in a layout it does not take */
	m = cv_module_new("t");
	xv = add_input(m, CV_LAYOUT_NCHW, 4, xd);
	{
		static const int64_t wd[4] = {2, 1, 1, 1};
		static const float w[2];
		cv_value *ins[2] = {xv, add_const(m, CV_LAYOUT_HWIO, 4, wd, w)};
		n = cv_graph_add_node(&m->graph, CV_OP_CONV_TRANSPOSE2D, "Up", ins, 2,
				      (const char *const[]){"y"}, 1);
		n->attrs.conv = (cv_conv_attrs){.strides = {1, 1}, .dilations = {1, 1}, .group = 1};
		n->outputs[0]->type = type_of(CV_LAYOUT_NCHW, 4, (int64_t[4]){1, 1, 2, 2});
		output(m, n->outputs[0]);
		expect_error(m, in, out, CV_ERR_UNSUPPORTED, "conv_transpose2d 'Up': weight has layout hwio");
	}
	cv_module_free(m);
}

/* The frontend's list of op types: NULL-terminated, no duplicates, the same
 * pointer on every call, and holding what the README claims (spot check). */
static void test_onnx_supported_ops(void **state)
{
	const char *const *ops = cv_onnx_supported_ops();
	int n = 0, i, j, conv = 0, softmax = 0;

	(void)state;
	assert_ptr_equal(ops, cv_onnx_supported_ops());
	for (; ops[n]; n++) {
		conv |= !strcmp(ops[n], "Conv");
		softmax |= !strcmp(ops[n], "Softmax");
	}
	assert_true(n >= 30);
	assert_true(conv && softmax);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			assert_string_not_equal(ops[i], ops[j]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conv2d_by_hand),
		cmocka_unit_test(test_conv2d_layouts),
		cmocka_unit_test(test_conv_transpose2d_by_hand),
		cmocka_unit_test(test_pool2d_by_hand),
		cmocka_unit_test(test_nhwc_equivalence),
		cmocka_unit_test(test_binary_broadcast),
		cmocka_unit_test(test_act_ops_agree),
		cmocka_unit_test(test_typed_ops),
		cmocka_unit_test(test_activations),
		cmocka_unit_test(test_gemm),
		cmocka_unit_test(test_matmul),
		cmocka_unit_test(test_reduce_mean),
		cmocka_unit_test(test_reduce_ops),
		cmocka_unit_test(test_layernorm),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_data_movement),
		cmocka_unit_test(test_resize_by_hand),
		cmocka_unit_test(test_softmax),
		cmocka_unit_test(test_value_lifetimes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_onnx_supported_ops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
