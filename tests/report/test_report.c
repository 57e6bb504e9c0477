/*
 * test_report.c - unit tests of the performance report (backends/report).
 *
 * A hand-built module: x[1,16,32,32] nchw -> conv 3x3 (16 -> 32, pad 1)
 * -> dwconv 3x3 (32) -> pointwise 1x1 (32 -> 64), and a separate
 * gemm a[4,64] x b[64,128]. FLOPs and bytes are worked out in the comments.
 * The ranking tests use a roofline of 1 GFLOP/s and 0.1 GB/s on one core, so
 * the predicted times are whole milliseconds:
 *   conv 9.437184 ms (compute), dwconv 2.63296 ms (memory),
 *   pointwise 4.194304 ms (compute), gemm 0.3584 ms (memory).
 * Profile reading: errors (missing file, not JSON, no events) and medians.
 * Run under ASan/LSan for "no leak".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/report/report_impl.h"
#include "convc/backend_c.h"

#define EPS 1e-9

enum { OP_CONV, OP_DW, OP_PW, OP_GEMM, NUM_OPS };
static const char *const names[NUM_OPS] = { "conv", "dw", "pw", "gemm" };

/* ---- the module ---- */

static cv_type f32(cv_layout l, int rank, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
	cv_type t;

	memset(&t, 0, sizeof t);
	t.dtype = CV_F32;
	t.rank = rank;
	t.layout = l;
	t.dims[0] = d0;
	t.dims[1] = d1;
	t.dims[2] = d2;
	t.dims[3] = d3;
	return t;
}

static cv_value *weight(cv_module *m, cv_type t)
{
	cv_value *v = cv_graph_add_const(&m->graph, "w", &t, NULL,
					 (size_t)cv_type_numel(&t) * sizeof(float));
	assert_non_null(v);
	return v;
}

static cv_value *conv(cv_module *m, cv_op op, const char *name, cv_value *x, cv_value *w,
		      int64_t pad, int64_t group)
{
	cv_value *in[2] = { x, w };
	const char *out = "y";
	cv_node *n = cv_graph_add_node(&m->graph, op, name, in, 2, &out, 1);
	cv_diag d;

	assert_non_null(n);
	n->attrs.conv.strides[0] = n->attrs.conv.strides[1] = 1;
	n->attrs.conv.dilations[0] = n->attrs.conv.dilations[1] = 1;
	for (int i = 0; i < 4; i++)
		n->attrs.conv.pads[i] = pad;
	n->attrs.conv.group = group;
	cv_diag_init(&d, NULL);
	assert_int_equal(cv_node_infer_types(n, &d), CV_OK);
	return n->outputs[0];
}

static cv_module *build(void)
{
	cv_module *m = cv_module_new("unit");
	cv_type t;
	cv_value *x, *a, *in[2];
	const char *out = "g";
	cv_node *g;
	cv_diag d;

	assert_non_null(m);
	t = f32(CV_LAYOUT_NCHW, 4, 1, 16, 32, 32);
	x = cv_graph_add_input(&m->graph, "x", &t);
	x = conv(m, CV_OP_CONV2D, "conv", x, weight(m, f32(CV_LAYOUT_OIHW, 4, 32, 16, 3, 3)), 1, 1);
	x = conv(m, CV_OP_DWCONV2D, "dw", x, weight(m, f32(CV_LAYOUT_OIHW, 4, 32, 1, 3, 3)), 1, 32);
	x = conv(m, CV_OP_CONV2D, "pw", x, weight(m, f32(CV_LAYOUT_OIHW, 4, 64, 32, 1, 1)), 0, 1);
	assert_int_equal(cv_graph_add_output(&m->graph, x), 0);
	t = f32(CV_LAYOUT_PLAIN, 2, 4, 64, 0, 0);
	a = cv_graph_add_input(&m->graph, "a", &t);
	in[0] = a;
	in[1] = weight(m, f32(CV_LAYOUT_PLAIN, 2, 64, 128, 0, 0));
	g = cv_graph_add_node(&m->graph, CV_OP_GEMM, "gemm", in, 2, &out, 1);
	assert_non_null(g);
	g->attrs.gemm.alpha = g->attrs.gemm.beta = 1;
	cv_diag_init(&d, NULL);
	assert_int_equal(cv_node_infer_types(g, &d), CV_OK);
	assert_int_equal(cv_graph_add_output(&m->graph, g->outputs[0]), 0);
	return m;
}

static cv_report_input input_for(const cv_module *m, const cv_profile *p)
{
	cv_report_input in;

	memset(&in, 0, sizeof in);
	in.module = m;
	in.roofline.name = "unit";
	in.roofline.cores = 1;
	in.roofline.peak_flops = 1e9;
	in.roofline.bandwidth = 1e8;
	in.roofline.source = "test";
	in.profile = p;
	in.model_path = "unit.onnx";
	in.pipeline = "";
	return in;
}

static const rp_op *op_named(const rp_report *r, const char *name)
{
	for (int i = 0; i < r->num_ops; i++)
		if (!strcmp(r->ops[i].label, name))
			return &r->ops[i];
	fail_msg("no op '%s'", name);
	return NULL;
}

/* ---- metrics ---- */

static void test_metrics(void **state)
{
	cv_module *m = build();
	cv_report_input in = input_for(m, NULL);
	rp_report r;
	cv_diag d;
	const rp_op *o;

	(void)state;
	cv_diag_init(&d, NULL);
	assert_int_equal(rp_analyse(&in, &r, &d), CV_OK);
	assert_int_equal(r.num_ops, NUM_OPS);
	assert_false(r.profiled);

	/* conv 3x3: 2 x (32*32*32 outputs) x (16*3*3) = 9437184; bytes
	 * x 16384*4 + w 4608*4 + y 32768*4 = 215040 */
	o = op_named(&r, "conv");
	assert_int_equal(o->cat, RP_CONV);
	assert_true(o->flops == 9437184.0);
	assert_true(o->bytes == 215040.0 && o->bytes_weights == 18432.0);
	assert_true(o->ai > 43.8857 && o->ai < 43.8858);
	assert_true(o->compute_bound);
	assert_true(o->pred_ms > 9.437184 - EPS && o->pred_ms < 9.437184 + EPS);

	/* dwconv: 2 x 32768 x 9 = 589824; bytes 131072 + 1152 + 131072 */
	o = op_named(&r, "dw");
	assert_int_equal(o->cat, RP_DEPTHWISE);
	assert_true(o->flops == 589824.0 && o->bytes == 263296.0);
	assert_false(o->compute_bound);
	assert_true(o->pred_ms > 2.63296 - EPS && o->pred_ms < 2.63296 + EPS);

	/* pointwise: 2 x 65536 x 32 = 4194304; bytes 131072 + 8192 + 262144 */
	o = op_named(&r, "pw");
	assert_int_equal(o->cat, RP_POINTWISE);
	assert_true(o->flops == 4194304.0 && o->bytes == 401408.0);

	/* gemm [4,64] x [64,128]: 2 x 4 x 128 x 64 = 65536; bytes 1024 + 32768 + 2048 */
	o = op_named(&r, "gemm");
	assert_int_equal(o->cat, RP_GEMM);
	assert_true(o->flops == 65536.0 && o->bytes == 35840.0);
	assert_true(o->ai > 1.8285 && o->ai < 1.8286);
	assert_true(o->meas_ms < 0 && o->eff < 0);
	rp_report_free(&r);
	cv_module_free(m);
}

/* A conv2d with group = C = M and one channel per group is depthwise. */
static void test_grouped_conv_is_depthwise(void **state)
{
	cv_module *m = cv_module_new("g");
	cv_type t = f32(CV_LAYOUT_NCHW, 4, 1, 8, 6, 6);
	cv_value *x = cv_graph_add_input(&m->graph, "x", &t);
	cv_report_input in;
	rp_report r;
	cv_diag d;

	(void)state;
	x = conv(m, CV_OP_CONV2D, "dwc", x, weight(m, f32(CV_LAYOUT_OIHW, 4, 8, 1, 3, 3)), 1, 8);
	conv(m, CV_OP_CONV2D, "grouped", x, weight(m, f32(CV_LAYOUT_OIHW, 4, 8, 2, 3, 3)), 1, 4);
	in = input_for(m, NULL);
	cv_diag_init(&d, NULL);
	assert_int_equal(rp_analyse(&in, &r, &d), CV_OK);
	assert_int_equal(op_named(&r, "dwc")->cat, RP_DEPTHWISE);
	assert_int_equal(op_named(&r, "grouped")->cat, RP_CONV);
	/* grouped: 2 x (8*6*6) x (2*3*3) */
	assert_true(op_named(&r, "grouped")->flops == 2.0 * 288 * 18);
	rp_report_free(&r);
	cv_module_free(m);
}

/* ---- ranking ---- */

static void fill_profile(cv_profile *p, cv_profile_entry *e, const double *ms)
{
	p->entries = e;
	p->count = NUM_OPS;
	p->total_ms = 0;
	for (int i = 0; i < NUM_OPS; i++) {
		e[i].name = (char *)names[i];
		e[i].ms = ms[i];
		p->total_ms += ms[i];
	}
}

static const rp_finding *finding_for(const rp_report *r, const char *name)
{
	for (int i = 0; i < r->num_findings; i++)
		if (r->findings[i].kind == RP_FIND_OP && !strcmp(r->ops[r->findings[i].op].label, name))
			return &r->findings[i];
	return NULL;
}

static void rank_with(const double *ms, rp_report *r, cv_module **m)
{
	static cv_profile p;
	static cv_profile_entry e[NUM_OPS];
	static cv_report_input in;
	cv_diag d;

	*m = build();
	fill_profile(&p, e, ms);
	in = input_for(*m, &p);
	cv_diag_init(&d, NULL);
	assert_int_equal(rp_analyse(&in, r, &d), CV_OK);
	assert_int_equal(r->matched, NUM_OPS);
}

/*
 * A pointwise conv 16 -> 96 on 28x28 with a fused SiLU: 2 x 75264 x 16 =
 * 2408448 FLOPs of multiply-adds and 2 x 19 x 75264 = 2860032 FLOP-
 * equivalents of epilogue (rp_epilogue_ops: 19 operations per element),
 * so the roofline's 1 GFLOP/s gives 5.26848 ms, 54% of it the SiLU;
 * bytes 50176 + 6144 + 301056 (3.57376 ms at 0.1 GB/s: compute-bound).
 * Path B names the epilogue. The same conv with a relu: 2 x 75264
 * FLOP-equivalents more (2.558976 ms: memory-bound), and the usual advice.
 */
static void test_silu_epilogue(void **state)
{
	static const cv_act_kind kinds[2] = { CV_ACT_SILU, CV_ACT_RELU };
	cv_profile_entry e = { (char *)"pw", 10.0 };
	cv_profile p = { .entries = &e, .count = 1, .total_ms = 10.0 };

	(void)state;
	for (int i = 0; i < 2; i++) {
		cv_module *m = cv_module_new("silu");
		cv_type t = f32(CV_LAYOUT_NCHW, 4, 1, 16, 28, 28);
		cv_value *x = cv_graph_add_input(&m->graph, "x", &t);
		cv_report_input in;
		const rp_finding *f;
		const rp_op *o;
		rp_report r;
		cv_diag d;

		x = conv(m, CV_OP_CONV2D, "pw", x, weight(m, f32(CV_LAYOUT_OIHW, 4, 96, 16, 1, 1)),
			 0, 1);
		x->producer->attrs.conv.act.kind = kinds[i];
		assert_int_equal(cv_graph_add_output(&m->graph, x), 0);
		in = input_for(m, &p);
		cv_diag_init(&d, NULL);
		assert_int_equal(rp_analyse(&in, &r, &d), CV_OK);
		o = op_named(&r, "pw");
		assert_true(o->flops == 2408448.0);
		assert_true(o->bytes == 357376.0);
		f = finding_for(&r, "pw");
		assert_non_null(f);
		if (kinds[i] == CV_ACT_SILU) {
			assert_true(o->epi_flops == 2860032.0);
			assert_true(o->compute_bound);
			assert_true(o->pred_ms > 5.26848 - EPS && o->pred_ms < 5.26848 + EPS);
			assert_non_null(strstr(f->path_b, "the silu epilogue costs 54% of this conv2d: "
						  "19 vector operations per output element "
						  "against 16 multiply-adds (K=16)"));
			assert_non_null(strstr(f->path_b, "AVX-512: 18 operations for 16 lanes"));
		} else {
			/* 2.558976 ms of compute: memory-bound */
			assert_true(o->epi_flops == 150528.0);
			assert_false(o->compute_bound);
			assert_null(strstr(f->path_b, "epilogue"));
			assert_non_null(strstr(f->path_b, "of bandwidth"));
		}
		rp_report_free(&r);
		cv_module_free(m);
	}
}

/* Measured: conv 94.37184 (eff 10%), dw 15 (eff 17.6%), pw 8 (eff 52%),
 * gemm 0.5 (eff 72%); total 117.87184 ms. */
static void test_ranking_thresholds(void **state)
{
	const double ms[NUM_OPS] = { 94.37184, 15, 8, 0.5 };
	const rp_finding *f;
	cv_module *m;
	rp_report r;

	(void)state;
	rank_with(ms, &r, &m);
	/* 80% of the time at 10%: Critical */
	assert_true(op_named(&r, "conv")->eff > 0.0999 && op_named(&r, "conv")->eff < 0.1001);
	assert_int_equal(op_named(&r, "conv")->sev, RP_CRITICAL);
	/* 12.7% of the time (> 10%) at 17.6% (< 30% but share <= 15%): High */
	assert_int_equal(op_named(&r, "dw")->sev, RP_HIGH);
	/* 6.8% of the time (> 5%) at 52%: Medium */
	assert_int_equal(op_named(&r, "pw")->sev, RP_MEDIUM);
	/* 0.4% of the time at 72%: Low */
	assert_int_equal(op_named(&r, "gemm")->sev, RP_LOW);
	/* ranked in that order; the Low op is under 1% so not listed */
	assert_int_equal(r.num_findings, 3);
	assert_string_equal(r.ops[r.findings[0].op].label, "conv");
	assert_string_equal(r.ops[r.findings[1].op].label, "dw");
	assert_string_equal(r.ops[r.findings[2].op].label, "pw");
	assert_null(finding_for(&r, "gemm"));
	/* the advice is about this op: compute-bound at 10% of peak, its channels */
	f = finding_for(&r, "conv");
	assert_non_null(strstr(f->path_b, "at 10% of peak"));
	assert_non_null(strstr(f->what, "compute-bound"));
	assert_non_null(strstr(f->path_a, "channels-last"));
	assert_non_null(strstr(finding_for(&r, "dw")->path_b, "bandwidth"));
	rp_report_free(&r);
	cv_module_free(m);
}

/* 20% of the time at 10% efficiency is Critical; a small op under 40% is High. */
static void test_ranking_twenty_percent(void **state)
{
	/* conv 94.37184 = 20% of 471.8592; dw takes the rest but one tiny gemm */
	const double ms[NUM_OPS] = { 94.37184, 471.8592 - 94.37184 - 8 - 1.0, 8, 1.0 };
	cv_module *m;
	rp_report r;

	(void)state;
	rank_with(ms, &r, &m);
	assert_true(op_named(&r, "conv")->share > 0.1999 && op_named(&r, "conv")->share < 0.2001);
	assert_int_equal(op_named(&r, "conv")->sev, RP_CRITICAL);
	/* gemm: 0.2% of the time at 35.8% efficiency: High by efficiency alone */
	assert_true(op_named(&r, "gemm")->eff > 0.358 && op_named(&r, "gemm")->eff < 0.359);
	assert_int_equal(op_named(&r, "gemm")->sev, RP_HIGH);
	rp_report_free(&r);
	cv_module_free(m);
}

/* Without a profile efficiency is n/a: no Critical, rank by share only. */
static void test_ranking_without_profile(void **state)
{
	cv_module *m = build();
	cv_report_input in = input_for(m, NULL);
	rp_report r;
	cv_diag d;

	(void)state;
	cv_diag_init(&d, NULL);
	assert_int_equal(rp_analyse(&in, &r, &d), CV_OK);
	for (int i = 0; i < r.num_ops; i++)
		assert_int_not_equal(r.ops[i].sev, RP_CRITICAL);
	/* conv 9.437 of 16.62 ms predicted = 56.8%: High (share only) */
	assert_int_equal(op_named(&r, "conv")->sev, RP_HIGH);
	assert_int_equal(op_named(&r, "gemm")->sev, RP_LOW);
	rp_report_free(&r);
	cv_module_free(m);
}

/* ---- profile reading ---- */

static char *temp_file(const char *text)
{
	char *path = strdup("convc-test-report-XXXXXX") /* in the test's working directory (the build tree) */;
	int fd = mkstemp(path);
	size_t len = strlen(text);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static void expect_profile_error(const char *text, cv_status want, const char *msg)
{
	char *path = text ? temp_file(text) : strdup("/nonexistent/convc/profile.json");
	cv_profile p;
	cv_diag d;

	cv_diag_init(&d, NULL);
	assert_int_equal(cv_profile_read(path, &p, &d), want);
	assert_string_equal(d.file, path);
	assert_non_null(strstr(d.msg, msg));
	assert_int_equal(p.count, 0);
	assert_null(p.entries);
	cv_profile_free(&p);
	if (text)
		unlink(path);
	free(path);
}

static void test_profile_errors(void **state)
{
	(void)state;
	expect_profile_error(NULL, CV_ERR_IO, "cannot read profile");
	expect_profile_error("", CV_ERR_INPUT, "not JSON");
	expect_profile_error("{\"traceEvents\": [", CV_ERR_INPUT, "not JSON");
	expect_profile_error("{\"other\": 1}", CV_ERR_INPUT, "no trace events");
	expect_profile_error("[]", CV_ERR_INPUT, "no complete events");
	expect_profile_error("{\"traceEvents\": [{\"ph\": \"B\", \"name\": \"a\", \"ts\": 0}]}",
			     CV_ERR_INPUT, "no complete events");
}

static void test_profile_median(void **state)
{
	char *path = temp_file("{\"traceEvents\": ["
			       "{\"ph\": \"X\", \"name\": \"b\", \"ts\": 0, \"dur\": 300},"
			       "{\"ph\": \"X\", \"name\": \"a\", \"ts\": 0, \"dur\": 1000},"
			       "{\"ph\": \"X\", \"name\": \"b\", \"ts\": 0, \"dur\": 100},"
			       "{\"ph\": \"M\", \"name\": \"process_name\"},"
			       "{\"ph\": \"X\", \"name\": \"b\", \"ts\": 0, \"dur\": 200},"
			       "{\"ph\": \"X\", \"name\": \"c\", \"dur\": 10},"
			       "{\"ph\": \"X\", \"name\": \"c\", \"dur\": 30}]}");
	cv_profile p;
	cv_diag d;

	(void)state;
	cv_diag_init(&d, NULL);
	assert_int_equal(cv_profile_read(path, &p, &d), CV_OK);
	assert_int_equal(p.count, 3);
	assert_string_equal(p.entries[0].name, "a");
	assert_true(p.entries[0].ms == 1.0);
	assert_string_equal(p.entries[1].name, "b");
	assert_true(p.entries[1].ms == 0.2); /* median of 300, 100, 200 us */
	assert_true(p.entries[2].ms == 0.02); /* even count: mean of the middle two */
	assert_true(p.total_ms > 1.2199 && p.total_ms < 1.2201);
	cv_profile_free(&p);
	unlink(path);
	free(path);
}

/* ---- writing ---- */

static void test_write_errors(void **state)
{
	cv_module *m = build();
	cv_report_input in = input_for(m, NULL);
	cv_diag d;

	(void)state;
	cv_diag_init(&d, NULL);
	assert_int_equal(cv_report_write(&in, "report.txt", &d), CV_ERR_INPUT);
	assert_non_null(strstr(d.msg, ".md, .json or .html"));
	cv_diag_init(&d, NULL);
	assert_int_equal(cv_report_write(&in, "/nonexistent/convc/r.md", &d), CV_ERR_IO);
	in.roofline.bandwidth = 0;
	cv_diag_init(&d, NULL);
	assert_int_equal(cv_report_write(&in, "convc-test-report.md", &d), CV_ERR_INPUT);
	cv_module_free(m);
}

static void test_write_all_formats(void **state)
{
	static const char *const paths[] = { "convc-test-report.md",
					     "convc-test-report.json",
					     "convc-test-report.html" };
	cv_module *m = build();
	cv_report_input in = input_for(m, NULL);
	cv_diag d;

	(void)state;
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		FILE *f;
		long size;
		cv_diag_init(&d, NULL);
		assert_int_equal(cv_report_write(&in, paths[i], &d), CV_OK);
		f = fopen(paths[i], "rb");
		assert_non_null(f);
		fseek(f, 0, SEEK_END);
		size = ftell(f);
		fclose(f);
		assert_true(size > 1000);
		unlink(paths[i]);
	}
	cv_module_free(m);
}

/* ---- an invalid module is refused ---- */

/* A pass that removed a node whose result is still used (the depthwise conv
 * the pointwise conv reads) leaves an invalid module: the report and the C
 * backend refuse it with the verifier's reason and write nothing. */
static void test_invalid_module_refused(void **state)
{
	cv_module *m = build();
	cv_report_input in = input_for(m, NULL);
	const char *dir = "convc-test-invalid-out";
	cv_node *n;
	cv_diag d;

	(void)state;
	for (n = m->graph.first; n && strcmp(n->name, "dw"); n = n->next)
		;
	assert_non_null(n);
	cv_graph_remove_node(&m->graph, n);
	unlink("convc-test-invalid.md");
	cv_diag_init(&d, NULL);
	assert_int_not_equal(cv_report_write(&in, "convc-test-invalid.md", &d), CV_OK);
	assert_non_null(strstr(d.msg, "refusing to write a report on an invalid module"));
	assert_non_null(strstr(d.msg, "no longer defined"));
	assert_int_equal(access("convc-test-invalid.md", F_OK), -1);
	cv_diag_init(&d, NULL);
	assert_int_not_equal(cv_emit_c(m, dir, &d), CV_OK);
	assert_non_null(strstr(d.msg, "refusing to emit C for an invalid module"));
	assert_non_null(strstr(d.msg, "no longer defined"));
	assert_int_equal(access(dir, F_OK), -1);
	cv_module_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_grouped_conv_is_depthwise),
		cmocka_unit_test(test_silu_epilogue),
		cmocka_unit_test(test_ranking_thresholds),
		cmocka_unit_test(test_ranking_twenty_percent),
		cmocka_unit_test(test_ranking_without_profile),
		cmocka_unit_test(test_profile_errors),
		cmocka_unit_test(test_profile_median),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_write_all_formats),
		cmocka_unit_test(test_invalid_module_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
