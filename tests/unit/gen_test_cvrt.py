#!/usr/bin/env python3
"""Generate test_cvrt.c: a standalone unit test of the cvrt kernels
(backends/c/runtime/cvrt.h).

Inputs are random; expected outputs come from PyTorch and are embedded as
literal arrays, so running the test needs only a C compiler:

    python3 gen_test_cvrt.py > test_cvrt.c      (needs torch + numpy)

tests/unit/CMakeLists.txt builds it with test_cvrt_isa.c and every kernel
family once per ISA, and runs it once per ISA (CVRT_ISA).
"""
import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(7)
arrays = []   # C declarations
cases = []    # C statements


def rand(*shape):
    # Two decimals: exact enough, and short literals keep test_cvrt.c small.
    return np.asarray(np.round(rng.standard_normal(shape), 2), dtype=np.float32)


def flit(v):
    """Shortest literal that reads back as the same float32."""
    v = np.float32(v)
    return min("%.9g" % v, np.format_float_positional(v, unique=True, trim="-"), key=len)


def arr(name, a):
    a = np.asarray(a, dtype=np.float32).ravel()
    body = ",".join(flit(v) for v in a) if a.size else "0"
    arrays.append("static const float %s[%d] = {%s};" % (name, max(a.size, 1), body))
    return name


def case(name, call, ref, out_size, scale=None):
    """call: C statement(s) writing into `y`. scale: the magnitude the kernel's
    sums reach when an activation (clip, sigmoid) hides it from the output;
    the tolerance is relative to the largest of it, max |ref| and 1."""
    arr(name + "_ref", ref)
    if scale is None:
        cases.append("\tRUN(\"%s\", %d, %s_ref, %s);" % (name, out_size, name, call))
    else:
        cases.append("\tRUN_SCALED(\"%s\", %d, %s_ref, %s, %s);"
                     % (name, out_size, name, flit(scale), call))


ACTS = {"none": ("CVRT_ACT_NONE", 0, 0, lambda t: t),
        "relu": ("CVRT_ACT_RELU", 0, 0, torch.relu),
        "clip": ("CVRT_ACT_CLIP", -0.5, 0.5, lambda t: t.clamp(-0.5, 0.5)),
        "sigmoid": ("CVRT_ACT_SIGMOID", 0, 0, torch.sigmoid),
        "hswish": ("CVRT_ACT_HARD_SWISH", 0, 0, F.hardswish),
        "silu": ("CVRT_ACT_SILU", 0, 0, F.silu),
        "leaky": ("CVRT_ACT_LEAKY_RELU", 0.1, 0, lambda t: F.leaky_relu(t, 0.1)),
        "hsigmoid": ("CVRT_ACT_HARD_SIGMOID", 0.2, 0.5, lambda t: (0.2 * t + 0.5).clamp(0, 1)),
        "tanh": ("CVRT_ACT_TANH", 0, 0, torch.tanh),
        "gelu": ("CVRT_ACT_GELU", 0, 0, F.gelu),
        "gelu_tanh": ("CVRT_ACT_GELU_TANH", 0, 0, lambda t: F.gelu(t, approximate="tanh")),
        "erf": ("CVRT_ACT_ERF", 0, 0, torch.erf),
        "exp": ("CVRT_ACT_EXP", 0, 0, torch.exp),
        "log": ("CVRT_ACT_LOG", 0, 0, torch.log),
        "softplus": ("CVRT_ACT_SOFTPLUS", 0, 0, F.softplus),
        "elu": ("CVRT_ACT_ELU", 0.7, 0, lambda t: F.elu(t, 0.7)),
        "selu": ("CVRT_ACT_SELU", 1.67326319217681884765625, 1.05070102214813232421875, F.selu),
        "mish": ("CVRT_ACT_MISH", 0, 0, F.mish)}


def cf(v):
    """A C float literal."""
    return repr(float(np.float32(v))) + "f"


def act_c(name):
    k, a, b, _ = ACTS[name]
    return "{%s, %s, %s}" % (k, cf(a), cf(b))


def conv(name, n, c, h, w, m, k, s, p, d, g, act, res=False):
    x, wt, b = rand(n, c, h, w), rand(m, c // g, k, k), rand(m)
    ref = F.conv2d(torch.tensor(x), torch.tensor(wt), torch.tensor(b), stride=s,
                   padding=p, dilation=d, groups=g)
    r = rand(*ref.shape) if res else None
    if res:
        ref = ref + torch.tensor(r)
        arr(name + "_r", r)
    ref = ACTS[act][3](ref).numpy()
    oh, ow = ref.shape[2:]
    arr(name + "_x", x), arr(name + "_w", wt), arr(name + "_b", b)
    call = ("{ cvrt_conv2d_params p = {%d,%d,%d,%d, %d,%d,%d, %d,%d, %d,%d, %d,%d, %d,%d, %d, %s};"
            " float *ws = ws_alloc(cvrt_conv2d_workspace(&p));"
            " cvrt_conv2d(&p, %s_x, %s_w, %s_b, %s, y, ws); free(ws); }"
            % (n, c, h, w, m, oh, ow, k, k, s, s, d, d, p, p, g, act_c(act), name, name, name,
               name + "_r" if res else "NULL"))
    case(name, call, ref, ref.size)


def nhwc(t):
    return np.ascontiguousarray(np.asarray(t).transpose(0, 2, 3, 1))


def dwconv(name, layout, n, c, h, w, kh, kw, s, d, pads, act, bias=True, res=False):
    """Depthwise conv; pads = (top, left, bottom, right), strides/dilations (h, w)."""
    x, wt = rand(n, c, h, w), rand(c, 1, kh, kw)
    b = rand(c) if bias else None
    xt = F.pad(torch.tensor(x), (pads[1], pads[3], pads[0], pads[2]))
    ref = F.conv2d(xt, torch.tensor(wt), None if b is None else torch.tensor(b), stride=s,
                   dilation=d, groups=c)
    r = rand(*ref.shape) if res else None
    if res:
        ref = ref + torch.tensor(r)
    ref = ACTS[act][3](ref).numpy()
    oh, ow = ref.shape[2:]
    if layout == "nhwc":
        x, ref = nhwc(x), nhwc(ref)
        r = nhwc(r) if res else None
        wt = np.ascontiguousarray(wt.reshape(c, kh, kw).transpose(1, 2, 0))
    arr(name + "_x", x), arr(name + "_w", wt)
    if bias:
        arr(name + "_b", b)
    if res:
        arr(name + "_r", r)
    call = ("{ cvrt_conv2d_params p = {%d,%d,%d,%d, %d,%d,%d, %d,%d, %d,%d, %d,%d, %d,%d, %d, %s};"
            " cvrt_dwconv2d%s(&p, %s_x, %s_w, %s, %s, y); }"
            % (n, c, h, w, c, oh, ow, kh, kw, s[0], s[1], d[0], d[1], pads[0], pads[1], c,
               act_c(act), "_nhwc" if layout == "nhwc" else "", name, name,
               name + "_b" if bias else "NULL", name + "_r" if res else "NULL"))
    case(name, call, ref, ref.size)


def panel_cols(n):
    """P of cvrt.h's weight panels for a matrix of n columns."""
    return 32 if n > 16 else 16 if n > 8 else 8


def panels(bm):
    """A [k, n] matrix in cvrt.h's weight panels: ceil(n/P) panels of k rows x P."""
    k, n = bm.shape
    pc = panel_cols(n)
    np_ = -(-n // pc)
    padded = np.zeros((k, np_ * pc), np.float32)
    padded[:, :n] = bm
    return np.ascontiguousarray(padded.reshape(k, np_, pc).transpose(1, 0, 2))


def conv_panels(hwio, g):
    """HWIO [kh, kw, c/g, m] packed per group as cvrt_conv2d_nhwc reads it."""
    kh, kw, cg, m = hwio.shape
    mat = hwio.reshape(kh * kw * cg, m)
    mg = m // g
    return np.concatenate([panels(mat[:, i * mg:(i + 1) * mg]).ravel() for i in range(g)])


# Winograd filter transforms G (Lavin and Gray, CVPR 2016), written out here
# independently of cvrt.h: F(2x2, 3x3) and F(4x4, 3x3) (points 0, 1, -1, 2,
# -2 and infinity).
WINO_G = {
    2: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
    4: [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
        [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
}


def wino_panels(hwio, tile):
    """HWIO [3, 3, c, m] in the CVRT_CONV_WINOGRAD2/4 form: for each position
    xi = (tile + 2) a + b the [c, m] matrix (G g G^T)[a][b] of every filter,
    in weight panels."""
    gm = np.array(WINO_G[tile], np.float64)
    u = np.einsum("ay,yxio,bx->abio", gm, hwio.astype(np.float64), gm).astype(np.float32)
    t = tile + 2
    return np.concatenate([panels(u[a, b]).ravel() for a in range(t) for b in range(t)])


def conv_nhwc(name, n, c, h, w, m, k, s, p, g, act, res=False, d=1, pack_check=False,
              tile=0):
    """tile 2 or 4: Winograd F(tile x tile, 3x3) (CVRT_CONV_WINOGRAD2/4), the
    weight packed at run time from HWIO (its transformed form is long)."""
    x, wt, b = rand(n, c, h, w), rand(m, c // g, k, k), rand(m)
    ref = F.conv2d(torch.tensor(x), torch.tensor(wt), torch.tensor(b), stride=s, padding=p,
                   dilation=d, groups=g)
    r = rand(*ref.shape) if res else None
    if res:
        ref = ref + torch.tensor(r)
        arr(name + "_r", nhwc(r))
    pre = float(ref.abs().max())
    ref = nhwc(ACTS[act][3](ref).numpy())
    oh, ow = ref.shape[1:3]
    hwio = np.ascontiguousarray(wt.transpose(2, 3, 1, 0))
    packed = wino_panels(hwio, tile) if tile else conv_panels(hwio, g)
    arr(name + "_x", nhwc(x)), arr(name + "_b", b)
    arr(name + "_hwio" if tile else name + "_w", hwio if tile else packed)
    params = ("cvrt_conv2d_params p = {%d,%d,%d,%d, %d,%d,%d, %d,%d, %d,%d, %d,%d, %d,%d, %d, %s%s};"
              % (n, c, h, w, m, oh, ow, k, k, s, s, d, d, p, p, g, act_c(act),
                 ", 0, 0, CVRT_CONV_WINOGRAD%d" % tile if tile else ""))
    if tile:
        call = ("{ %s float *ws = ws_alloc(cvrt_conv2d_nhwc_workspace(&p));"
                " float *pk = ws_alloc(cvrt_conv2d_nhwc_packed_floats(&p));"
                " cvrt_pack_conv2d_nhwc(&p, %s_hwio, pk);"
                " cvrt_conv2d_nhwc(&p, %s_x, pk, %s_b, %s, y, ws); free(pk); free(ws); }"
                % (params, name, name, name, name + "_r" if res else "NULL"))
        # Winograd's transforms round at the magnitude of the sums before
        # the activation, which a clip hides from the output.
        case(name, call, ref, ref.size, scale=pre)
    else:
        call = ("{ %s float *ws = ws_alloc(cvrt_conv2d_nhwc_workspace(&p));"
                " cvrt_conv2d_nhwc(&p, %s_x, %s_w, %s_b, %s, y, ws); free(ws); }"
                % (params, name, name, name, name + "_r" if res else "NULL"))
        case(name, call, ref, ref.size)
    if pack_check:
        # The run-time packer against the layout computed here.
        if not tile:
            arr(name + "_hwio", hwio)
        case(name + "_pack", "{ %s cvrt_pack_conv2d_nhwc(&p, %s_hwio, y); }" % (params, name),
             packed, packed.size)


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


def pool(name, kind, h, k, s, p, ceil, cip, layout="nchw", c=2, dil=1):
    x = rand(1, c, h, h)
    if kind == "max":
        ref = F.max_pool2d(torch.tensor(x), k, s, p, dilation=dil, ceil_mode=ceil).numpy()
    else:
        ref = F.avg_pool2d(torch.tensor(x), k, s, p, ceil_mode=ceil,
                           count_include_pad=cip).numpy()
    oh = ref.shape[2]
    if layout == "nhwc":
        x, ref = nhwc(x), nhwc(ref)
    arr(name + "_x", x)
    call = ("{ cvrt_pool2d_params p = {1,%d,%d,%d, %d,%d, %d,%d, %d,%d, %d,%d, %d,%d,%d,%d, %d};"
            " cvrt_%spool2d%s(&p, %s_x, y); }"
            % (c, h, h, oh, oh, k, k, s, s, dil, dil, p, p, p, p, int(cip), kind,
               "_nhwc" if layout == "nhwc" else "", name))
    case(name, call, ref, ref.size)


B_FORMS = ("CVRT_B_KN", "CVRT_B_NK", "CVRT_B_PANELS")


def gemm(name, m, n, k, ta, tb, act, packed=False):
    """tb: B given as [n, k]; packed: B passed in weight panels instead."""
    a = rand(k, m) if ta else rand(m, k)
    b = rand(n, k) if tb else rand(k, n)
    cv = rand(n)
    bkn = b.T if tb else b
    ref = 0.5 * (torch.tensor(a.T if ta else a) @ torch.tensor(bkn)) + 2.0 * torch.tensor(cv)
    ref = ACTS[act][3](ref).numpy()
    arr(name + "_a", a), arr(name + "_b", panels(bkn) if packed else b), arr(name + "_c", cv)
    call = ("cvrt_gemm(%d, %d, %d, %s_a, %d, %s_b, %s, 0.5f, %s_c, 0, 1, 2.0f, y, (cvrt_act)%s)"
            % (m, n, k, name, ta, name, B_FORMS[2 if packed else tb], name, act_c(act)))
    case(name, call, ref, ref.size)


def pack_panels(name, k, n, trans):
    b = rand(n, k) if trans else rand(k, n)
    ref = panels(b.T if trans else b)
    arr(name + "_b", b)
    case(name, "cvrt_pack_panels(%d, %d, %s_b, %d, y)" % (k, n, name, trans), ref, ref.size)


def resize(name, mode, coord, nm, h, oh, ref_fn, layout="nchw", c=2, cubic_a=0.0):
    x = rand(1, c, h, h)
    ref = ref_fn(torch.tensor(x)).numpy()
    if layout == "nhwc":
        x, ref = nhwc(x), nhwc(ref)
        call = ("{ cvrt_resize2d_params p = {1, %d,%d,%d,%d, %s,%s, %d,%d,%d, %s, 0, {0.0f, 0.0f, 0.0f, 0.0f}, 0.0f};"
                " cvrt_resize2d_nhwc(&p, %d, %s_x, y); }"
                % (h, h, oh, oh, cf(oh / h), cf(oh / h), mode, coord, nm, cf(cubic_a), c, name))
    else:
        call = ("{ cvrt_resize2d_params p = {%d, %d,%d,%d,%d, %s,%s, %d,%d,%d, %s, 0, {0.0f, 0.0f, 0.0f, 0.0f}, 0.0f};"
                " cvrt_resize2d(&p, %s_x, y); }"
                % (c, h, h, oh, oh, cf(oh / h), cf(oh / h), mode, coord, nm, cf(cubic_a), name))
    arr(name + "_x", x)
    case(name, call, ref, ref.size)


conv("conv3x3", 1, 3, 7, 6, 4, 3, 1, 1, 1, 1, "relu")
conv("conv_s2_d2", 2, 4, 9, 9, 6, 3, 2, 2, 2, 2, "silu")
conv("conv1x1", 1, 8, 5, 5, 20, 1, 1, 0, 1, 1, "clip")
conv("conv_dw", 1, 6, 8, 8, 6, 3, 2, 1, 1, 6, "hswish")
conv("conv_dw_mult", 1, 3, 6, 6, 6, 5, 1, 2, 1, 3, "none")
conv("conv_res", 1, 5, 6, 6, 7, 3, 1, 1, 1, 1, "relu", res=True)
conv("conv_dw_res", 1, 4, 5, 5, 4, 3, 1, 1, 1, 4, "silu", res=True)
# Depthwise, pool-style kernel. Channel counts cross the vector blocks
# (16/32-channel blocks, 8/16-float vectors, leftovers); widths cross both
# NCHW paths (channels-last tile for narrow planes, rows vectorized over ox).
for lay in ("nchw", "nhwc"):
    dwconv("dw_%s_s1" % lay, lay, 1, 49, 2, 3, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), "relu")
    dwconv("dw_%s_s2" % lay, lay, 2, 5, 5, 6, 3, 3, (2, 2), (1, 1), (1, 1, 1, 1), "clip",
           res=True)
    dwconv("dw_%s_dil" % lay, lay, 1, 3, 6, 6, 3, 3, (1, 1), (2, 2), (2, 2, 2, 2), "none",
           bias=False)
    dwconv("dw_%s_asym" % lay, lay, 1, 6, 5, 5, 5, 3, (1, 2), (1, 1), (2, 0, 1, 2), "sigmoid",
           res=True)
    dwconv("dw_%s_hswish" % lay, lay, 1, 17, 3, 3, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), "hswish")
    dwconv("dw_%s_silu" % lay, lay, 1, 3, 4, 5, 3, 3, (1, 1), (1, 1), (0, 1, 2, 1), "silu",
           res=True)
    dwconv("dw_%s_wide" % lay, lay, 1, 2, 3, 40, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), "none",
           res=True)
# NHWC 3x3 interior runs (dw3_run): full pixel blocks and a shorter last one,
# whole channel vectors and a masked leftover at both vector widths, strides
# 1 and 2 across, bias/residual present and absent.
dwconv("dw3_nhwc_s1", "nhwc", 2, 40, 5, 21, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), "clip", res=True)
dwconv("dw3_nhwc_s2", "nhwc", 1, 24, 7, 23, 3, 3, (2, 2), (1, 1), (0, 0, 1, 1), "relu",
       bias=False)
dwconv("dw3_nhwc_s12", "nhwc", 1, 16, 4, 19, 3, 3, (1, 2), (1, 1), (1, 1, 1, 1), "none")
dwconv("dw_nchw_wide_s2", "nchw", 1, 2, 3, 40, 3, 3, (1, 2), (1, 1), (1, 1, 1, 1), "relu")
dwconv("dw_nchw_k7", "nchw", 1, 2, 8, 8, 7, 7, (1, 1), (1, 1), (3, 3, 3, 3), "none")
# Implicit-GEMM NHWC conv (HWIO weights).
conv_nhwc("conv_nhwc_1x1", 1, 16, 3, 3, 18, 1, 1, 0, 1, "clip", res=True)
conv_nhwc("conv_nhwc_3x3_s2", 1, 4, 7, 6, 17, 3, 2, 1, 1, "relu")
conv_nhwc("conv_nhwc_grouped", 1, 9, 5, 5, 9, 3, 1, 1, 3, "silu", res=True)
conv_nhwc("conv_nhwc_bigk", 1, 29, 3, 3, 3, 3, 1, 1, 1, "none")
conv_nhwc("conv_nhwc_1x1_g2", 1, 8, 4, 4, 6, 1, 1, 0, 2, "none")
# Weight panels of 32 (two, the last partial: 36 columns), 16 and 8 columns;
# several K blocks (K = 9 * 24 = 216); a stem-like 7x7/2 conv on 3 channels
# (window rows copied as one run, clipped at the image border); more pixels
# than one tile (11 * 11 = 121), row groups that do not divide them;
# dilation; a grouped conv whose groups are 8 columns wide.
conv_nhwc("conv_nhwc_k216", 1, 24, 5, 5, 10, 3, 1, 1, 1, "relu", res=True)
conv_nhwc("conv_nhwc_stem", 1, 3, 20, 19, 20, 7, 2, 3, 1, "clip")
conv_nhwc("conv_nhwc_m12_tiles", 2, 5, 11, 11, 12, 3, 1, 1, 1, "none", pack_check=True)
conv_nhwc("conv_nhwc_dil", 1, 6, 9, 9, 33, 3, 1, 2, 1, "hswish", d=2)
conv_nhwc("conv_nhwc_g3_m8", 1, 12, 6, 6, 24, 3, 1, 1, 3, "sigmoid", pack_check=True)
conv_nhwc("conv_nhwc_1x1_pix", 1, 20, 10, 11, 36, 1, 1, 0, 1, "none")
conv_t("convt_s2", 1, 4, 4, 5, 6, 3, 2, 1, 1, 2)
conv_t("convt_k4", 1, 3, 3, 3, 2, 4, 2, 1, 0, 1)
pool("maxpool_ceil", "max", 8, 3, 2, 1, True, True)
pool("avgpool_incl", "avg", 7, 3, 2, 1, True, True)
pool("avgpool_excl", "avg", 7, 3, 2, 1, False, False)
pool("maxpool_dil", "max", 9, 3, 1, 1, False, False, dil=2)
pool("maxpool_nhwc_ceil", "max", 6, 3, 2, 1, True, True, "nhwc", c=19)
pool("maxpool_nhwc_dil", "max", 7, 3, 1, 1, False, False, "nhwc", c=3, dil=2)
pool("avgpool_nhwc_incl", "avg", 5, 3, 2, 1, True, True, "nhwc", c=19)
pool("avgpool_nhwc_excl", "avg", 7, 3, 2, 1, False, False, "nhwc", c=3)
pool("avgpool_nhwc_ceil_excl", "avg", 8, 2, 2, 0, True, False, "nhwc", c=5)
gemm("gemm_nn", 5, 19, 7, 0, 0, "none")
gemm("gemm_tt", 6, 17, 9, 1, 1, "sigmoid")
gemm("gemm_panels", 14, 40, 21, 0, 0, "relu", packed=True)
gemm("gemm_panels_ta", 5, 9, 200, 1, 0, "none", packed=True)
gemm("gemm_panels_1row", 1, 70, 33, 0, 1, "none", packed=True)
pack_panels("pack_panels_kn", 5, 37, 0)
pack_panels("pack_panels_nk", 6, 11, 1)
resize("resize_nearest", 0, 3, 2, 4, 8, lambda t: F.interpolate(t, size=(8, 8), mode="nearest"))
resize("resize_bilinear", 1, 0, 0, 4, 7,
       lambda t: F.interpolate(t, size=(7, 7), mode="bilinear", align_corners=False))
resize("resize_align", 1, 2, 0, 5, 3,
       lambda t: F.interpolate(t, size=(3, 3), mode="bilinear", align_corners=True))
resize("resize_nhwc_nearest", 0, 3, 2, 4, 8,
       lambda t: F.interpolate(t, size=(8, 8), mode="nearest"), "nhwc", c=5)
resize("resize_nhwc_bilinear", 1, 0, 0, 4, 7,
       lambda t: F.interpolate(t, size=(7, 7), mode="bilinear", align_corners=False), "nhwc", c=3)
resize("resize_nhwc_align", 1, 2, 0, 5, 3,
       lambda t: F.interpolate(t, size=(3, 3), mode="bilinear", align_corners=True), "nhwc", c=4)

sm = rand(2, 5, 3) * 10
arr("softmax_x", sm)
case("softmax", "{ memcpy(y, softmax_x, sizeof(softmax_x)); cvrt_softmax(2, 5, 3, y, y); }",
     torch.softmax(torch.tensor(sm), 1).numpy(), sm.size)
rd = rand(2, 3, 4)
arr("reduce_x", rd)
case("reduce_mean", "{ int64_t d[3] = {2,3,4}; int r[3] = {1,0,1};"
     " cvrt_reduce(CVRT_REDUCE_MEAN, 3, d, r, reduce_x, y); }",
     torch.tensor(rd).mean((0, 2)).numpy(), 3)
# [outer, reduced, inner] views (an NHWC global pool is [1, h*w, c]): column
# chunks of 32 (and a partial one), an odd row count, more than one outer
# index, 16-wide chunks, and max/min/L2 through the row-by-row path.
for nm, op, dims, fn in (
        ("reduce_gap_mean", "MEAN", (1, 37, 70), lambda t: t.mean(1)),
        ("reduce_sum_outer", "SUM", (3, 5, 40), lambda t: t.sum(1)),
        ("reduce_sum_c16", "SUM", (2, 9, 16), lambda t: t.sum(1)),
        # one outer index, one 32-chunk: 16-wide chunks with 2+ threads
        ("reduce_gap_w16", "MEAN", (1, 11, 32), lambda t: t.mean(1)),
        ("reduce_max_cols", "MAX", (2, 9, 50), lambda t: t.max(1).values),
        ("reduce_min_cols", "MIN", (1, 4, 33), lambda t: t.min(1).values),
        ("reduce_l2_cols", "L2", (1, 7, 36), lambda t: t.pow(2).sum(1).sqrt())):
    xr = rand(*dims)
    arr(nm + "_x", xr)
    ref = fn(torch.tensor(xr)).numpy()
    case(nm, "{ int64_t d[3] = {%d,%d,%d}; int r[3] = {0,1,0};"
         " cvrt_reduce(CVRT_REDUCE_%s, 3, d, r, %s_x, y); }" % (dims + (op, nm)),
         ref, ref.size)
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
# Direct conv rows (interior runs of at least 8 output pixels read in place):
# two images; K = 9 * 70 = 630 in 4 blocks of 158 that start inside a window
# row of 210 floats; 40 columns (a panel and a part); a residual. Then a 5x5
# stride-2 conv whose 20-pixel rows hold an 18-pixel run between packed
# border pixels.
conv_nhwc("conv_nhwc_direct_kblocks", 2, 70, 6, 16, 40, 3, 1, 1, 1, "relu", res=True)
conv_nhwc("conv_nhwc_direct_s2", 1, 5, 9, 40, 20, 5, 2, 2, 1, "clip")
# A dense B copied per panel (3 row groups) in two K blocks of 265 rows:
# plain A takes K blocks of up to 512, longer than a conv's 192.
gemm("gemm_dense_kblocks", 25, 18, 530, 0, 0, "relu")
# Winograd F(2x2, 3x3): two images of odd size (partial tiles at the right
# and bottom), 40 columns (a panel and a part), a residual, and the run-time
# packer checked against an independent transform; a valid (unpadded) conv;
# 128 tiles in two blocks of 64 whose 64 x 16 input planes are a multiple
# of 4 KiB (padded apart).
conv_nhwc("conv_nhwc_wino", 2, 8, 9, 7, 40, 3, 1, 1, 1, "relu", res=True, pack_check=True,
          tile=2)
conv_nhwc("conv_nhwc_wino_valid", 1, 8, 8, 11, 12, 3, 1, 0, 1, "hswish", tile=2)
conv_nhwc("conv_nhwc_wino_blocks", 2, 16, 16, 16, 8, 3, 1, 1, 1, "clip", tile=2)
# Winograd F(4x4, 3x3): partial 4x4 tiles (9 x 7 and 6 x 9 outputs), 20
# input channels (a whole 16-lane vector and a scalar tail in both
# transforms), 40 columns, a residual, the packer against the independent
# transform (12 columns: one 16-wide panel, 36 of them); a valid conv.
conv_nhwc("conv_nhwc_wino4", 2, 20, 9, 7, 40, 3, 1, 1, 1, "relu", res=True, tile=4)
conv_nhwc("conv_nhwc_wino4_c8", 1, 8, 5, 5, 12, 3, 1, 1, 1, "none", pack_check=True, tile=4)
conv_nhwc("conv_nhwc_wino4_valid", 1, 8, 8, 11, 20, 3, 1, 0, 1, "hswish", tile=4)
# NHWC depthwise register kernel (dwk_run) for kernel widths 3, 5 and 7:
# channel counts with a masked leftover vector at both widths (20, 37, 19,
# 9), interior runs that end in blocks of every size, the border columns'
# edge form, rows narrower than the kernel (no interior at all), any kh
# and row dilation, every activation (in registers or act_inplace after),
# bias and residual present and absent.
dwconv("dwk_nhwc_5x5_s1", "nhwc", 1, 20, 9, 23, 5, 5, (1, 1), (1, 1), (2, 2, 2, 2), "silu",
       res=True)
dwconv("dwk_nhwc_5x5_s2", "nhwc", 1, 37, 11, 29, 5, 5, (2, 2), (1, 1), (2, 2, 2, 2), "hswish")
dwconv("dwk_nhwc_7x7_s1", "nhwc", 1, 24, 10, 30, 7, 7, (1, 1), (1, 1), (3, 3, 3, 3), "relu",
       res=True)
dwconv("dwk_nhwc_7x7_s2", "nhwc", 1, 9, 9, 17, 7, 7, (2, 2), (1, 1), (3, 3, 2, 3), "clip",
       bias=False)
dwconv("dwk_nhwc_7x7_narrow", "nhwc", 1, 16, 6, 5, 7, 7, (1, 1), (1, 1), (3, 3, 3, 3), "leaky")
dwconv("dwk_nhwc_5x3_dil", "nhwc", 1, 19, 12, 21, 5, 3, (1, 1), (2, 1), (4, 1, 4, 1), "sigmoid",
       res=True)
dwconv("dwk_nhwc_3x3_silu", "nhwc", 1, 19, 5, 20, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), "silu")
dwconv("dwk_nhwc_3x5_s12", "nhwc", 1, 8, 7, 26, 3, 5, (1, 2), (1, 1), (0, 2, 1, 1),
       "hsigmoid", bias=False, res=True)


def convt_panels(iohw, g):
    """IOHW [c, m/g, kh, kw] in the transposed-conv packing: per group and
    kernel row ky, the [c/g, kw*m/g] matrix (columns kx-major) in panels."""
    c, mg, kh, kw = iohw.shape
    cg = c // g
    out = []
    for gi in range(g):
        wg = iohw[gi * cg:(gi + 1) * cg]                  # [cg, mg, kh, kw]
        for ky in range(kh):
            mat = wg[:, :, ky, :].transpose(0, 2, 1).reshape(cg, kw * mg)
            out.append(panels(mat).ravel())
    return np.concatenate(out)


def conv_t_nhwc(name, n, c, h, w, m, k, s, pads, op, g, act, d=1, bias=True, pack_check=False):
    """cvrt_conv_transpose2d_nhwc; pads = (top, left, bottom, right), which
    PyTorch cannot take apart: the reference is the unpadded transposed conv,
    output_padding zeros appended, cropped, then bias and act."""
    kh, kw = k if isinstance(k, tuple) else (k, k)
    x, wt, b = rand(n, c, h, w), rand(c, m // g, kh, kw), rand(m)
    full = F.conv_transpose2d(torch.tensor(x), torch.tensor(wt), None, stride=s, dilation=d,
                              groups=g)
    full = F.pad(full, (0, op, 0, op))
    pt, pl, pb, pr = pads
    full = full[:, :, pt:full.shape[2] - pb, pl:full.shape[3] - pr]
    if bias:
        full = full + torch.tensor(b).view(1, m, 1, 1)
    ref = nhwc(ACTS[act][3](full).numpy())
    oh, ow = full.shape[2:]
    arr(name + "_x", nhwc(x)), arr(name + "_w", wt)
    if bias:
        arr(name + "_b", b)
    params = ("cvrt_conv_transpose2d_params p = {%d,%d,%d,%d, %d,%d,%d, %d,%d, %d,%d, %d,%d, %d,%d, %d, %s};"
              % (n, c, h, w, m, oh, ow, kh, kw, s, s, d, d, pt, pl, g, act_c(act)))
    call = ("{ %s float *ws = ws_alloc(cvrt_conv_transpose2d_nhwc_workspace(&p));"
            " float *pk = ws_alloc(cvrt_conv_transpose2d_packed_floats(%d, %d, %d, %d, %d));"
            " cvrt_pack_conv_transpose2d(%d, %d, %d, %d, %d, %s_w, pk);"
            " cvrt_conv_transpose2d_nhwc(&p, %s_x, pk, %s, y, ws); free(pk); free(ws); }"
            % (params, c, m, kh, kw, g, c, m, kh, kw, g, name, name,
               name + "_b" if bias else "NULL"))
    case(name, call, ref, ref.size)
    if pack_check:
        packed = convt_panels(wt, g)
        case(name + "_pack", "{ cvrt_pack_conv_transpose2d(%d, %d, %d, %d, %d, %s_w, y); }"
             % (c, m, kh, kw, g, name), packed, packed.size)


# Transposed conv, NHWC. Kernel = stride (the GEMM stores through the pixel
# shuffle): U-Net's 2x2/2 with two images and 40 columns (kw*m = 80, a
# partial panel), a 3x3/3, output_padding's bias-only last row and column,
# no bias. The general path (GEMM + col2im by bands): k3 s2 p1 op1, k4 s2
# p1, groups, dilation, asymmetric pads, a crop, more than one band.
conv_t_nhwc("convt_nhwc_k2s2", 2, 12, 3, 5, 40, 2, 2, (0, 0, 0, 0), 0, 1, "relu", pack_check=True)
conv_t_nhwc("convt_nhwc_k3s3", 1, 5, 4, 3, 7, 3, 3, (0, 0, 0, 0), 0, 1, "sigmoid")
conv_t_nhwc("convt_nhwc_k2s2_op", 1, 6, 3, 4, 9, 2, 2, (0, 0, 0, 0), 1, 1, "clip", bias=False)
conv_t_nhwc("convt_nhwc_k2s2_op_b", 1, 6, 3, 4, 9, 2, 2, (0, 0, 0, 0), 1, 1, "hswish")
conv_t_nhwc("convt_nhwc_k3s2p1op1", 2, 7, 5, 6, 10, 3, 2, (1, 1, 1, 1), 1, 1, "none")
conv_t_nhwc("convt_nhwc_k4s2p1", 1, 9, 6, 5, 33, 4, 2, (1, 1, 1, 1), 0, 1, "silu")
conv_t_nhwc("convt_nhwc_groups", 1, 8, 4, 5, 12, 3, 2, (1, 1, 1, 1), 1, 4, "relu",
            pack_check=True)
conv_t_nhwc("convt_nhwc_dil", 1, 4, 5, 5, 6, 3, 1, (2, 1, 2, 1), 0, 1, "none", d=2)
conv_t_nhwc("convt_nhwc_asym", 1, 3, 4, 6, 5, (3, 2), 2, (1, 0, 2, 3), 0, 1, "clip")
conv_t_nhwc("convt_nhwc_k2s2_crop", 1, 4, 3, 3, 8, 2, 2, (0, 0, 1, 1), 0, 1, "none")
conv_t_nhwc("convt_nhwc_gap", 1, 5, 3, 4, 6, 2, 3, (0, 0, 0, 0), 0, 1, "relu")
# Two bands of 8 input rows (8 * 16 * 16 * 32 floats of contributions per
# group), taps overlapping across the band boundary, padding.
conv_t_nhwc("convt_nhwc_bands", 1, 4, 10, 16, 64, (3, 16), 1, (1, 2, 1, 2), 0, 2, "relu")
# Skinny GEMMs (at most 8 columns, dot products along c): a 2x2 up-conv to
# one channel with 20 input channels (8-wide blocks and a tail), and the
# general path with groups of 2 output channels (3 taps x 2 = 6 columns).
conv_t_nhwc("convt_nhwc_m1", 2, 20, 5, 6, 1, 2, 2, (0, 0, 0, 0), 0, 1, "sigmoid")
conv_t_nhwc("convt_nhwc_skinny_g2", 1, 10, 4, 5, 4, 3, 2, (1, 1, 1, 1), 1, 2, "none")

# The transcendental activations as epilogues of each kernel family: the NHWC
# GEMM micro kernels (after the tile's store), Winograd, the depthwise window
# kernels (NCHW and NHWC, ConvNeXt's 7x7 with a residual), the portable NCHW
# conv, gemm, transposed conv, and alone (cvrt_unary); then PRelu (cvrt_binary).
conv_nhwc("conv_nhwc_gelu", 1, 12, 7, 9, 40, 1, 1, 0, 1, "gelu", res=True)
conv_nhwc("conv_nhwc_tanh", 1, 9, 6, 7, 20, 3, 1, 1, 1, "tanh")
conv_nhwc("conv_nhwc_mish", 1, 16, 5, 6, 33, 3, 2, 1, 1, "mish")
conv_nhwc("conv_nhwc_elu", 1, 8, 6, 6, 17, 3, 1, 1, 1, "elu")
conv_nhwc("conv_nhwc_wino4_softplus", 1, 16, 9, 10, 24, 3, 1, 1, 1, "softplus", tile=4)
conv_nhwc("conv_nhwc_wino2_selu", 1, 16, 8, 8, 16, 3, 1, 1, 1, "selu", tile=2)
dwconv("dwk_nhwc_7x7_gelu", "nhwc", 1, 24, 10, 13, 7, 7, (1, 1), (1, 1), (3, 3, 3, 3), "gelu",
       res=True)
dwconv("dw_nhwc_3x3_erf", "nhwc", 1, 19, 6, 9, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), "erf")
dwconv("dw_nchw_gelu_tanh", "nchw", 1, 5, 7, 9, 3, 3, (2, 1), (1, 1), (1, 1, 1, 1), "gelu_tanh")
conv("conv_nchw_selu", 1, 5, 7, 7, 6, 3, 1, 1, 1, 1, "selu")
conv("conv_nchw_mish", 1, 4, 6, 6, 8, 3, 2, 1, 1, 2, "mish")
gemm("gemm_gelu_tanh", 7, 23, 13, 0, 1, "gelu_tanh")
gemm("gemm_panels_exp", 9, 33, 17, 0, 0, "exp", packed=True)
conv_t_nhwc("convt_nhwc_k2s2_tanh", 1, 6, 3, 4, 10, 2, 2, (0, 0, 0, 0), 0, 1, "tanh")
for _act in ("tanh", "gelu", "gelu_tanh", "erf", "exp", "log", "softplus", "elu", "selu", "mish"):
    _u = rand(37) * 3
    if _act == "log":
        _u = np.abs(_u) + np.float32(0.01)
    arr("unary_%s_x" % _act, _u)
    case("unary_" + _act, "cvrt_unary(37, unary_%s_x, y, (cvrt_act)%s)" % (_act, act_c(_act)),
         ACTS[_act][3](torch.tensor(_u)).numpy(), 37)
_px, _ps = rand(2, 5, 3, 4), rand(5, 1, 1)
arr("prelu_x", _px), arr("prelu_s", _ps)
case("binary_prelu", "{ int64_t d[4] = {2,5,3,4}, sa[4] = {60,12,4,1}, sb[4] = {0,1,0,0};"
     " cvrt_binary(CVRT_PRELU, 4, d, prelu_x, sa, prelu_s, sb, y, (cvrt_act){CVRT_ACT_NONE,0,0}); }",
     F.prelu(torch.tensor(_px), torch.tensor(_ps.ravel())).numpy(), 120)



def conv_nhwc_scaled(name, n, c, h, w, m, k, s, p, act, res=False, tile=0):
    """cvrt_conv2d_nhwc_scaled: conv(x * scale[n, c]), each image its own
    scale; the weight packed (direct, or Winograd at run time) once, then
    rescaled by the kernel per image."""
    x, wt, b, sc = rand(n, c, h, w), rand(m, c, k, k), rand(m), rand(n, c)
    xs = torch.tensor(x) * torch.tensor(sc).reshape(n, c, 1, 1)
    ref = F.conv2d(xs, torch.tensor(wt), torch.tensor(b), stride=s, padding=p)
    r = rand(*ref.shape) if res else None
    if res:
        ref = ref + torch.tensor(r)
        arr(name + "_r", nhwc(r))
    ref = nhwc(ACTS[act][3](ref).numpy())
    oh, ow = ref.shape[1:3]
    hwio = np.ascontiguousarray(wt.transpose(2, 3, 1, 0))
    arr(name + "_x", nhwc(x)), arr(name + "_b", b), arr(name + "_s", sc)
    arr(name + "_hwio", hwio)
    params = ("cvrt_conv2d_params p = {%d,%d,%d,%d, %d,%d,%d, %d,%d, %d,%d, 1,1, %d,%d, 1, %s%s};"
              % (n, c, h, w, m, oh, ow, k, k, s, s, p, p, act_c(act),
                 ", 0, 0, CVRT_CONV_WINOGRAD%d" % tile if tile else ""))
    call = ("{ %s float *ws = ws_alloc(cvrt_conv2d_nhwc_scaled_workspace(&p));"
            " float *pk = ws_alloc(cvrt_conv2d_nhwc_packed_floats(&p));"
            " cvrt_pack_conv2d_nhwc(&p, %s_hwio, pk);"
            " cvrt_conv2d_nhwc_scaled(&p, %s_x, pk, %s_s, %s_b, %s, y, ws); free(pk); free(ws); }"
            % (params, name, name, name, name, name + "_r" if res else "NULL"))
    case(name, call, ref, ref.size)


# Squeeze-and-excitation folded into the conv (fuse-channel-scale): 1x1 with
# several panels and a residual, batch 3; a strided, padded 3x3 (zero taps
# stay zero); both Winograd packings.
conv_nhwc_scaled("conv_nhwc_scaled_1x1", 3, 24, 5, 7, 40, 1, 1, 0, "sigmoid", res=True)
conv_nhwc_scaled("conv_nhwc_scaled_3x3s2", 2, 7, 9, 8, 12, 3, 2, 1, "relu")
conv_nhwc_scaled("conv_nhwc_scaled_wino2", 2, 16, 8, 9, 20, 3, 1, 1, "none", tile=2)
conv_nhwc_scaled("conv_nhwc_scaled_wino4", 2, 16, 9, 8, 24, 3, 1, 1, "silu", res=True, tile=4)

# NCHW depthwise through channels-last tiles in bands of output rows
# (cvrt_window.c, dw_tile_plan): rows too wide for one tile of the full
# channel block (one vector of channels, bands of 2 rows at AVX-512), a 7x7
# with a residual and a partial last channel block, a dilated strided 3x3.
# Every depthwise NCHW conv takes them when a band fits.
dwconv("dwt_nchw_k5_band", "nchw", 1, 3, 24, 120, 5, 5, (1, 1), (1, 1), (2, 2, 2, 2), "relu")
dwconv("dwt_nchw_k7_res", "nchw", 2, 20, 16, 40, 7, 7, (1, 1), (1, 1), (3, 3, 3, 3), "silu",
       res=True)
dwconv("dwt_nchw_dil_s2", "nchw", 1, 5, 30, 50, 3, 3, (2, 2), (2, 2), (2, 2, 1, 2), "hswish")
# Rows too wide for any tile (1100 pixels): the NCHW plane path.
dwconv("dw_nchw_plane_wide", "nchw", 1, 2, 4, 1100, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), "relu",
       res=True)

print("""/* Generated by gen_test_cvrt.py from PyTorch %s; do not edit. */
#include "cvrt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* test_cvrt_isa.c: selects the ISA of CVRT_ISA; >= 0: exit with that. */
int test_isa_setup(int argc, char **argv);

static float *ws_alloc(size_t n) { return malloc(n ? n * sizeof(float) : 1); }

static int failures;

/* Tolerance scaled by the output's magnitude, or by the sums' (`scale`)
 * when larger: float sums in another order. */
static void check(const char *name, size_t n, const float *ref, const float *y, double scale)
{
	double worst = 0;
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
	printf("%%-24s max rel err %%.2e %%s\\n", name, worst, worst < 1e-5 ? "ok" : "FAIL");
	if (!(worst < 1e-5))
		failures++;
}

#define RUN(name, n, ref, ...) RUN_SCALED(name, n, ref, 1, __VA_ARGS__)
#define RUN_SCALED(name, n, ref, scale, ...)                                 \\
	do {                                                                 \\
		float *y = malloc((n) * sizeof(float));                      \\
		size_t i_;                                                   \\
		for (i_ = 0; i_ < (size_t)(n); i_++)                         \\
			y[i_] = NAN;                                         \\
		__VA_ARGS__;                                                 \\
		check(name, (n), ref, y, (scale));                           \\
		free(y);                                                     \\
	} while (0)
""" % torch.__version__)
# Added last so the random inputs of the cases above stay as they were.
_pa, _pb = np.abs(rand(3, 4)) + np.float32(0.1), rand(4)
arr("pow_a", _pa), arr("pow_b", _pb)
case("binary_pow_bcast", "{ int64_t d[2] = {3,4}, sa[2] = {4,1}, sb[2] = {0,1};"
     " cvrt_binary(CVRT_POW, 2, d, pow_a, sa, pow_b, sb, y, (cvrt_act){CVRT_ACT_NONE,0,0}); }",
     torch.pow(torch.tensor(_pa), torch.tensor(_pb)).numpy(), 12)
resize("resize_bicubic", 2, 0, 0, 5, 8,
       lambda t: F.interpolate(t, size=(8, 8), mode="bicubic", align_corners=False), cubic_a=-0.75)
resize("resize_bicubic_down", 2, 2, 0, 7, 4,
       lambda t: F.interpolate(t, size=(4, 4), mode="bicubic", align_corners=True), cubic_a=-0.75)
resize("resize_nhwc_bicubic", 2, 0, 0, 4, 9,
       lambda t: F.interpolate(t, size=(9, 9), mode="bicubic", align_corners=False), "nhwc", c=3,
       cubic_a=-0.75)
# Few output channels (issue "fast on every network"): M <= 8 and 8-column
# tails, whose AVX-512 tiles run 8-lane accesses and the K-pair kernel; odd
# and even K, direct runs and packed borders, several row groups, several K
# blocks (Y read back between them), a residual, the exp-based epilogues.
conv_nhwc("conv_nhwc_m8_stem_silu", 1, 3, 31, 37, 8, 3, 2, 1, 1, "silu", res=True)
conv_nhwc("conv_nhwc_m8_3x3_silu", 2, 8, 17, 29, 8, 3, 1, 1, 1, "silu", res=True)
conv_nhwc("conv_nhwc_m5_kblocks", 1, 70, 7, 19, 5, 3, 1, 1, 1, "relu", res=True)
conv_nhwc("conv_nhwc_m24_tail", 1, 16, 9, 26, 24, 3, 1, 1, 1, "silu", res=True)
conv_nhwc("conv_nhwc_m40_tail", 1, 9, 11, 13, 40, 3, 1, 1, 1, "sigmoid")
conv_nhwc("conv_nhwc_1x1_m8", 2, 21, 9, 14, 8, 1, 1, 0, 1, "silu", res=True)
conv_nhwc("conv_nhwc_1x1_m3", 1, 40, 6, 50, 3, 1, 1, 0, 1, "none")
conv_nhwc("conv_nhwc_m6_dil", 1, 5, 13, 15, 6, 3, 1, 2, 1, "hswish", d=2)
conv_nhwc("conv_nhwc_m7_5x5", 1, 4, 16, 21, 7, 5, 1, 2, 1, "clip", res=True)
# A runs shorter than 4 (K = 3, or window rows of 3): the 16-lane tile with
# 8-lane epilogue rows, not the K-pair kernel.
conv_nhwc("conv_nhwc_1x1_k3_m5", 1, 3, 7, 9, 5, 1, 1, 0, 1, "sigmoid", res=True)
conv_nhwc("conv_nhwc_c1_m6_silu", 1, 1, 11, 13, 6, 3, 1, 1, 1, "silu")
# NHWC 3x3 depthwise (last: the cases above keep their random data), pairs
# of output rows (dw3_rows2 -> dw3_run1x2, stride 1 both ways): 9 rows,
# so the last is alone; the first pair touches the top padding (row by row:
# row 1 alone through dw3_run1); the 13-pixel interiors go 8 + 4 + 1
# (AVX-512) and 6 * 2 + 1 (AVX2); 21 channels leave a masked vector;
# residual + hard-swish in registers; two images. Then a one-pixel interior
# without bias, and stride 2 whose 7-pixel interiors go 4 + 2 + 1 (AVX-512).
dwconv("dw3x2_nhwc", "nhwc", 2, 21, 9, 15, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), "hswish",
       res=True)
dwconv("dw3x2_nhwc_w3", "nhwc", 1, 16, 6, 3, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), "relu",
       bias=False)
dwconv("dw3_nhwc_s2_tail", "nhwc", 1, 19, 7, 16, 3, 3, (2, 2), (1, 1), (1, 1, 1, 1), "clip",
       res=True)
print("\n".join(arrays))
print("\nint main(int argc, char **argv)\n{")
print("\tint rc = test_isa_setup(argc, argv);\n\n\tif (rc >= 0)\n\t\treturn rc;")
print("\n".join(cases))
print('\tprintf("%s\\n", failures ? "FAILED" : "all passed");')
print("\treturn failures != 0;\n}")
