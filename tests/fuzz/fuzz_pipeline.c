/*
 * fuzz_pipeline.c - pipeline text (what -passes= takes, options included)
 * through the pass manager's parser, then run over a small module.
 *
 * Normalizing accepted text must be idempotent: the canonical text
 * normalizes to itself. An accepted pipeline of at most 16 passes then runs
 * over a fixed conv/bn/relu module, so every option value reaches its pass
 * (shard{cores=...}, winograd{tile=...}, ...); a pass may reject a value,
 * but not crash, and the result must verify (the runner checks).
 */
#include "tests/fuzz/fuzz_common.h"

#include "convc/parse.h"
#include "convc/pass.h"
#include "convc/target.h"

#define OUT_MAX 65536

static const char module_text[] =
	"module @fuzz opset 13\n"
	"input %x: f32[1,16,8,8] nchw\n"
	"const %w: f32[16,16,3,3] oihw #5e1c00aa11223344\n"
	"const %b: f32[16] #0102030405060708\n"
	"const %w2: f32[16,1,3,3] oihw #1122334455667788\n"
	"const %s: f32[16] #99aabbccddeeff00\n"
	"const %m: f32[16] #0f1e2d3c4b5a6978\n"
	"%c: f32[1,16,8,8] nchw = conv2d %x, %w, %b {strides=[1,1], pads=[1,1,1,1], dilations=[1,1], group=1}\n"
	"%n: f32[1,16,8,8] nchw = batchnorm %c, %s, %b, %m, %s {epsilon=1e-05}\n"
	"%r: f32[1,16,8,8] nchw = relu %n\n"
	"%dw: f32[1,16,8,8] nchw = conv2d %r, %w2 {strides=[1,1], pads=[1,1,1,1], dilations=[1,1], group=16}\n"
	"%y: f32[1,16,8,8] nchw = add %dw, %r\n"
	"output %y\n";

static cv_pass_registry *reg;
static cv_target target;

static int count_passes(const char *canon)
{
	int n = *canon ? 1 : 0, depth = 0;

	for (; *canon; canon++) {
		depth += (*canon == '{') - (*canon == '}');
		n += *canon == ',' && !depth;
	}
	return n;
}

static void run(const char *canon)
{
	cv_module *m = NULL;
	cv_diag d;
	cv_status st;

	cv_diag_init(&d, NULL);
	FUZZ_CHECK(cv_module_parse(module_text, sizeof module_text - 1, "fixed.cir", &m, &d) == CV_OK,
		   "fixed module: %s", d.msg);
	FUZZ_CHECK(cv_module_set_target(m, &target, &d) == CV_OK, "%s", d.msg);
	st = cv_pipeline_run(reg, m, canon, NULL, &d);
	/* a pass that leaves invalid IR is a bug, not a rejected input */
	FUZZ_CHECK(st != CV_ERR_INTERNAL, "'%s': %s", canon, d.msg);
	cv_module_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out1[OUT_MAX], out2[OUT_MAX];
	char *text;
	cv_diag d;

	if (!reg) {
		cv_diag_init(&d, NULL);
		if (!(reg = cv_pass_registry_new()) || cv_target_load("wormhole_b0", &target, &d))
			abort();
	}
	if (size > 4096)
		return 0;
	text = fuzz_cstr(data, size);
	cv_diag_init(&d, NULL);
	if (cv_pipeline_normalize(reg, text, NULL, out1, sizeof out1, &d) == CV_OK &&
	    strlen(out1) + 1 < sizeof out1) {
		cv_diag_init(&d, NULL);
		FUZZ_CHECK(cv_pipeline_normalize(reg, out1, NULL, out2, sizeof out2, &d) == CV_OK,
			   "canonical text '%s' is rejected: %s", out1, d.msg);
		FUZZ_CHECK(!strcmp(out1, out2), "'%s' normalizes to '%s'", out1, out2);
		if (count_passes(out1) <= 16)
			run(out1);
	}
	free(text);
	return 0;
}
