#!/usr/bin/env python3
"""Generate test_cvrt.c: a standalone unit test of backends/c/runtime/cvrt.c.

Inputs are random; expected outputs come from PyTorch and are embedded as
literal arrays, so running the test needs only a C compiler:

    python3 gen_test_cvrt.py > test_cvrt.c      (needs torch + numpy)
    cc -std=c99 -O2 -I../../backends/c/runtime test_cvrt.c \
        ../../backends/c/runtime/cvrt.c -lm -o test_cvrt && ./test_cvrt
"""
import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(7)
arrays = []   # C declarations
cases = []    # C statements


def rand(*shape):
    return np.asarray(rng.standard_normal(shape), dtype=np.float32)


def arr(name, a):
    a = np.asarray(a, dtype=np.float32).ravel()
    body = ", ".join("%.9g" % v for v in a) if a.size else "0"
    arrays.append("static const float %s[%d] = {%s};" % (name, max(a.size, 1), body))
    return name


def case(name, call, ref, out_size):
    """call: C statement(s) writing into `y`."""
    arr(name + "_ref", ref)
    cases.append("\tRUN(\"%s\", %d, %s_ref, %s);" % (name, out_size, name, call))


ACTS = {"none": ("CVRT_ACT_NONE", 0, 0, lambda t: t),
        "relu": ("CVRT_ACT_RELU", 0, 0, torch.relu),
        "clip": ("CVRT_ACT_CLIP", -0.5, 0.5, lambda t: t.clamp(-0.5, 0.5)),
        "sigmoid": ("CVRT_ACT_SIGMOID", 0, 0, torch.sigmoid),
        "hswish": ("CVRT_ACT_HARD_SWISH", 0, 0, F.hardswish),
        "silu": ("CVRT_ACT_SILU", 0, 0, F.silu)}


def cf(v):
    """A C float literal."""
    return repr(float(np.float32(v))) + "f"


def act_c(name):
    k, a, b, _ = ACTS[name]
    return "{%s, %s, %s}" % (k, cf(a), cf(b))


def conv(name, n, c, h, w, m, k, s, p, d, g, act):
    x, wt, b = rand(n, c, h, w), rand(m, c // g, k, k), rand(m)
    ref = F.conv2d(torch.tensor(x), torch.tensor(wt), torch.tensor(b), stride=s,
                   padding=p, dilation=d, groups=g)
    ref = ACTS[act][3](ref).numpy()
    oh, ow = ref.shape[2:]
    arr(name + "_x", x), arr(name + "_w", wt), arr(name + "_b", b)
    call = ("{ cvrt_conv2d_params p = {%d,%d,%d,%d, %d,%d,%d, %d,%d, %d,%d, %d,%d, %d,%d, %d, %s};"
            " float *ws = ws_alloc(cvrt_conv2d_workspace(&p));"
            " cvrt_conv2d(&p, %s_x, %s_w, %s_b, y, ws); free(ws); }"
            % (n, c, h, w, m, oh, ow, k, k, s, s, d, d, p, p, g, act_c(act), name, name, name))
    case(name, call, ref, ref.size)


def conv_t(name, n, c, h, w, m, k, s, p, op, g):
    x, wt, b = rand(n, c, h, w), rand(c, m // g, k, k), rand(m)
    ref = F.conv_transpose2d(torch.tensor(x), torch.tensor(wt), torch.tensor(b), stride=s,
                             padding=p, output_padding=op, groups=g).numpy()
    oh, ow = ref.shape[2:]
    arr(name + "_x", x), arr(name + "_w", wt), arr(name + "_b", b)
    call = ("{ cvrt_conv_transpose2d_params p = {%d,%d,%d,%d, %d,%d,%d, %d,%d, %d,%d, 1,1, %d,%d, %d, {0,0,0}};"
            " cvrt_conv_transpose2d(&p, %s_x, %s_w, %s_b, y); }"
            % (n, c, h, w, m, oh, ow, k, k, s, s, p, p, g, name, name, name))
    case(name, call, ref, ref.size)


def pool(name, kind, h, k, s, p, ceil, cip):
    x = rand(1, 2, h, h)
    if kind == "max":
        ref = F.max_pool2d(torch.tensor(x), k, s, p, ceil_mode=ceil).numpy()
    else:
        ref = F.avg_pool2d(torch.tensor(x), k, s, p, ceil_mode=ceil,
                           count_include_pad=cip).numpy()
    oh = ref.shape[2]
    arr(name + "_x", x)
    call = ("{ cvrt_pool2d_params p = {1,2,%d,%d, %d,%d, %d,%d, %d,%d, 1,1, %d,%d,%d,%d, %d};"
            " cvrt_%spool2d(&p, %s_x, y); }" % (h, h, oh, oh, k, k, s, s, p, p, p, p, int(cip), kind, name))
    case(name, call, ref, ref.size)


def gemm(name, m, n, k, ta, tb, act):
    a = rand(k, m) if ta else rand(m, k)
    b = rand(n, k) if tb else rand(k, n)
    cv = rand(n)
    ref = 0.5 * (torch.tensor(a.T if ta else a) @ torch.tensor(b.T if tb else b)) + 2.0 * torch.tensor(cv)
    ref = ACTS[act][3](ref).numpy()
    arr(name + "_a", a), arr(name + "_b", b), arr(name + "_c", cv)
    call = ("cvrt_gemm(%d, %d, %d, %s_a, %d, %s_b, %d, 0.5f, %s_c, 0, 1, 2.0f, y, (cvrt_act)%s)"
            % (m, n, k, name, ta, name, tb, name, act_c(act)))
    case(name, call, ref, ref.size)


def resize(name, mode, coord, nm, h, oh, ref_fn):
    x = rand(1, 2, h, h)
    ref = ref_fn(torch.tensor(x)).numpy()
    arr(name + "_x", x)
    call = ("{ cvrt_resize2d_params p = {2, %d,%d,%d,%d, %s,%s, %d,%d,%d};"
            " cvrt_resize2d(&p, %s_x, y); }" % (h, h, oh, oh, cf(oh / h), cf(oh / h), mode, coord, nm, name))
    case(name, call, ref, ref.size)


conv("conv3x3", 1, 3, 7, 6, 4, 3, 1, 1, 1, 1, "relu")
conv("conv_s2_d2", 2, 4, 9, 9, 6, 3, 2, 2, 2, 2, "silu")
conv("conv1x1", 1, 8, 5, 5, 20, 1, 1, 0, 1, 1, "clip")
conv("conv_dw", 1, 6, 8, 8, 6, 3, 2, 1, 1, 6, "hswish")
conv("conv_dw_mult", 1, 3, 6, 6, 6, 5, 1, 2, 1, 3, "none")
conv_t("convt_s2", 1, 4, 4, 5, 6, 3, 2, 1, 1, 2)
conv_t("convt_k4", 1, 3, 3, 3, 2, 4, 2, 1, 0, 1)
pool("maxpool_ceil", "max", 8, 3, 2, 1, True, True)
pool("avgpool_incl", "avg", 7, 3, 2, 1, True, True)
pool("avgpool_excl", "avg", 7, 3, 2, 1, False, False)
gemm("gemm_nn", 5, 19, 7, 0, 0, "none")
gemm("gemm_tt", 6, 17, 9, 1, 1, "sigmoid")
resize("resize_nearest", 0, 3, 2, 4, 8, lambda t: F.interpolate(t, size=(8, 8), mode="nearest"))
resize("resize_bilinear", 1, 0, 0, 4, 7,
       lambda t: F.interpolate(t, size=(7, 7), mode="bilinear", align_corners=False))
resize("resize_align", 1, 2, 0, 5, 3,
       lambda t: F.interpolate(t, size=(3, 3), mode="bilinear", align_corners=True))

sm = rand(2, 5, 3) * 10
arr("softmax_x", sm)
case("softmax", "{ memcpy(y, softmax_x, sizeof(softmax_x)); cvrt_softmax(2, 5, 3, y, y); }",
     torch.softmax(torch.tensor(sm), 1).numpy(), sm.size)
rd = rand(2, 3, 4)
arr("reduce_x", rd)
case("reduce_mean", "{ int64_t d[3] = {2,3,4}; int r[3] = {1,0,1};"
     " cvrt_reduce(CVRT_REDUCE_MEAN, 3, d, r, reduce_x, y); }",
     torch.tensor(rd).mean((0, 2)).numpy(), 3)
ba, bb = rand(2, 3, 1), rand(4)
arr("bin_a", ba), arr("bin_b", bb)
case("binary_bcast", "{ int64_t d[3] = {2,3,4}, sa[3] = {3,1,0}, sb[3] = {0,0,1};"
     " cvrt_binary(CVRT_SUB, 3, d, bin_a, sa, bin_b, sb, y, (cvrt_act){CVRT_ACT_RELU,0,0}); }",
     np.maximum(ba - bb, 0), 24)
px = rand(2, 3)
arr("pad_x", px)
case("pad_reflect", "{ int64_t di[2] = {2,3}, do_[2] = {4,7}, pb[2] = {1,2};"
     " cvrt_pad(2, di, do_, pb, CVRT_PAD_REFLECT, 0, pad_x, y); }",
     np.pad(np.pad(px, ((0, 0), (2, 2)), mode="reflect"), ((1, 1), (0, 0)), mode="reflect"), 28)

print("""/* Generated by gen_test_cvrt.py from PyTorch %s; do not edit. */
#include "cvrt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float *ws_alloc(size_t n) { return malloc(n ? n * sizeof(float) : 1); }

static int failures;

/* Tolerance scaled by the output's magnitude: float sums in another order. */
static void check(const char *name, size_t n, const float *ref, const float *y)
{
	double worst = 0, scale = 1;
	size_t i;

	for (i = 0; i < n; i++)
		if (fabs(ref[i]) > scale)
			scale = fabs(ref[i]);
	for (i = 0; i < n; i++) {
		double e = fabs((double)y[i] - ref[i]);
		if (!(e <= worst))
			worst = isnan(e) ? INFINITY : e;
	}
	worst /= scale;
	printf("%%-16s max rel err %%.2e %%s\\n", name, worst, worst < 1e-5 ? "ok" : "FAIL");
	if (!(worst < 1e-5))
		failures++;
}

#define RUN(name, n, ref, ...)                                               \\
	do {                                                                 \\
		float *y = malloc((n) * sizeof(float));                      \\
		size_t i_;                                                   \\
		for (i_ = 0; i_ < (size_t)(n); i_++)                         \\
			y[i_] = NAN;                                         \\
		__VA_ARGS__;                                                 \\
		check(name, (n), ref, y);                                    \\
		free(y);                                                     \\
	} while (0)
""" % torch.__version__)
print("\n".join(arrays))
print("\nint main(void)\n{")
print("\n".join(cases))
print('\tprintf("%s\\n", failures ? "FAILED" : "all passed");')
print("\treturn failures != 0;\n}")
