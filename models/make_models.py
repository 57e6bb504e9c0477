#!/usr/bin/python3
"""Make convc's test models and their reference outputs.

For every model NAME this writes, next to this script:
  NAME.onnx                      the model
  NAME.input.npy                 seeded random input (NAME.input0.npy, NAME.input1.npy, ...
                                 when the model has several inputs)
  NAME.ref.npy                   reference output computed by ONNX Runtime through
                                 ort_run.mjs (NAME.ref0.npy, ... for several outputs)
and rewrites manifest.json, which lists every model this script knows.

References come only from ONNX Runtime (never from torch, never from convc).  torch is
used to build and export the models, and its own output is compared with ONNX Runtime's
only as a sanity check of the export.

Usage:
  make_models.py                  all default models (small ones + the real nets;
                                  resnet50 only on request)
  make_models.py --small          only the small hand-made models
  make_models.py --only NAME ...  just these (resnet50 included when named)
  make_models.py --missing        skip models whose files all exist already
  make_models.py --list           print the model names and exit

Needs the Debian system python (torch, torchvision, onnx, numpy) and node + npm;
onnxruntime-node is installed into models/node_modules when missing.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ORT_RUN = os.path.join(HERE, "ort_run.mjs")

# Lazily imported (torch import is slow and only needed when building).
torch = None
nn = None
F = None
onnx = None


def _import_torch():
    global torch, nn, F, onnx
    if torch is not None:
        return
    import torch as _torch
    import torch.nn as _nn
    import torch.nn.functional as _F
    import onnx as _onnx
    import onnx.numpy_helper  # noqa: F401  (makes onnx.numpy_helper available)
    torch, nn, F, onnx = _torch, _nn, _F, _onnx
    warnings.filterwarnings("ignore")  # exporter chatter (TrainingMode, constant folding)


# --------------------------------------------------------------------------------------
# ONNX Runtime
# --------------------------------------------------------------------------------------

def ensure_ort():
    """Install onnxruntime-node into models/node_modules if it is not there."""
    marker = os.path.join(HERE, "node_modules", "onnxruntime-node", "package.json")
    if os.path.exists(marker):
        return
    print("make_models: installing onnxruntime-node (npm install --ignore-scripts)", flush=True)
    subprocess.run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund"],
                   cwd=HERE, check=True)
    if not os.path.exists(marker):
        sys.exit("make_models: npm install did not install onnxruntime-node")


def ort_run(onnx_path, inputs, outputs):
    cmd = ["node", ORT_RUN, onnx_path]
    for p in inputs:
        cmd += ["-i", p]
    for p in outputs:
        cmd += ["-o", p]
    subprocess.run(cmd, check=True)


# --------------------------------------------------------------------------------------
# Model registry
# --------------------------------------------------------------------------------------

class Spec:
    """One model: how to build it and where its files go.

    build(spec) returns (onnx_model_path_written, [input arrays], [torch output arrays or
    None]) - the torch outputs are only used to cross-check the export.
    """

    def __init__(self, name, build, opset, n_inputs=1, n_outputs=1, kind="committed",
                 on_request=False, input_shapes=None, input_values=None, desc="", real=False,
                 refs_f32=False, half=None, half_roundings=32):
        self.name = name
        self.build = build
        self.opset = opset
        self.n_inputs = n_inputs
        self.n_outputs = n_outputs
        self.kind = kind                  # "committed" or "generated"
        self.on_request = on_request      # only made when named with --only
        self.input_shapes = input_shapes  # {input name: dims} to pin dynamic dims
        # Graph inputs whose value convc fixes at compile time (--input-value NAME=FILE):
        # their names; build() fills self.values {name: array}.  ORT is fed them too.
        self.input_values = input_values or []
        self.values = {}
        self.desc = desc
        self.real = real                  # a torchvision network (not a small model)
        # A half-precision model: build() sets self.twin, the path of its float32 twin,
        # whose ORT outputs are a second set of references (ref_f32_files).
        self.refs_f32 = refs_f32
        self.half = half                  # "float16" or "bfloat16": the model's float type
        # at least the number of ops ONNX Runtime runs in the half type, each rounding
        # once: the e2e bound against ORT on the half model (tests/e2e/run_model.py)
        self.half_roundings = half_roundings
        self.twin = None

    def onnx_file(self):
        return f"{self.name}.onnx"

    def input_files(self):
        if self.n_inputs == 1:
            return [f"{self.name}.input.npy"]
        return [f"{self.name}.input{k}.npy" for k in range(self.n_inputs)]

    def ref_files(self):
        if self.half == "bfloat16":  # ONNX Runtime runs no bfloat16 CNN ops: ref_f32 only
            return []
        if self.n_outputs == 1:
            return [f"{self.name}.ref.npy"]
        return [f"{self.name}.ref{k}.npy" for k in range(self.n_outputs)]

    def ref_f32_files(self):
        if not self.refs_f32:
            return []
        if self.n_outputs == 1:
            return [f"{self.name}.ref_f32.npy"]
        return [f"{self.name}.ref_f32_{k}.npy" for k in range(self.n_outputs)]

    def value_files(self):
        return {n: f"{self.name}.{n}.npy" for n in self.input_values}

    def all_files(self):
        return ([self.onnx_file()] + self.input_files() + self.ref_files() +
                self.ref_f32_files() + list(self.value_files().values()))

    def missing(self):
        return any(not os.path.exists(os.path.join(HERE, f)) for f in self.all_files())


SPECS = []


def model(name, opset, **kw):
    def deco(fn):
        SPECS.append(Spec(name, fn, opset, **kw))
        return fn
    return deco


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------

def seed_all(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)


def randn(*shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def randomize_bn(module, gen):
    """Give a BatchNorm random statistics and affine parameters so that folding it is
    observable (it is far from the identity)."""
    c = module.num_features
    with torch.no_grad():
        module.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
        module.running_var.copy_(torch.rand(c, generator=gen) * 1.5 + 0.5)
        module.weight.copy_(torch.rand(c, generator=gen) + 0.5)
        module.bias.copy_(torch.randn(c, generator=gen) * 0.1)


def export(spec, module, args, input_names, output_names, dynamic_axes=None):
    """Export with BatchNormalization kept as separate nodes."""
    module.eval()
    path = os.path.join(HERE, spec.onnx_file())
    with torch.no_grad():
        torch.onnx.export(module, tuple(args), path,
                          training=torch.onnx.TrainingMode.PRESERVE,
                          do_constant_folding=False,
                          opset_version=spec.opset,
                          input_names=input_names, output_names=output_names,
                          dynamic_axes=dynamic_axes)
        outs = module(*args)
    if not isinstance(outs, (tuple, list)):
        outs = (outs,)
    return [o.numpy() for o in outs]


def torch_model(spec, module, inputs, dynamic_axes=None):
    """Export a torch module; inputs are numpy arrays. Returns the build() triple."""
    args = [torch.from_numpy(a) for a in inputs]
    in_names = ["input"] if len(inputs) == 1 else [f"input{k}" for k in range(len(inputs))]
    out_names = (["output"] if spec.n_outputs == 1
                 else [f"output{k}" for k in range(spec.n_outputs)])
    outs = export(spec, module, args, in_names, out_names, dynamic_axes)
    return inputs, outs


def save_onnx(spec, graph):
    m = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", spec.opset)],
                               producer_name="convc-make_models")
    m.ir_version = 7  # readable by ONNX 1.12 and every ORT since 1.8
    onnx.checker.check_model(m)
    # Declared output shapes must agree with what the ops compute.
    onnx.shape_inference.infer_shapes(m, strict_mode=True)
    onnx.save(m, os.path.join(HERE, spec.onnx_file()))


def init(name, arr):
    return onnx.numpy_helper.from_array(np.asarray(arr), name)


def pin_dynamic_dims(spec, value):
    """Replace every symbolic dim of the graph inputs/outputs with `value`."""
    path = os.path.join(HERE, spec.onnx_file())
    m = onnx.load(path)
    for vi in list(m.graph.input) + list(m.graph.output):
        for d in vi.type.tensor_type.shape.dim:
            if d.HasField("dim_param"):
                d.ClearField("dim_param")
                d.dim_value = value
    del m.graph.value_info[:]
    onnx.checker.check_model(m)
    onnx.save(m, path)


# --------------------------------------------------------------------------------------
# Small hand-made models, one per op family
# --------------------------------------------------------------------------------------

@model("conv_basic", 9, desc="Conv 3x3 pad 1 with bias, strided 3x3 conv without bias, 1x1 conv, Relu")
def _conv_basic(spec):
    seed_all(1)
    m = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(),
                      nn.Conv2d(8, 8, 3, stride=2, bias=False), nn.ReLU(),
                      nn.Conv2d(8, 6, 1))
    return torch_model(spec, m, [randn(1, 3, 11, 11, seed=101)])


@model("conv_grouped_dilated", 11,
       desc="grouped conv (g=4), depthwise, dilated (d=2), 3x5 kernel with stride (2,1) and "
            "pads (1,2), with bias")
def _conv_grouped(spec):
    seed_all(2)
    m = nn.Sequential(nn.Conv2d(8, 16, 3, padding=1, groups=4), nn.ReLU(),
                      nn.Conv2d(16, 16, 3, padding=1, groups=16),
                      nn.Conv2d(16, 8, 3, padding=2, dilation=2, bias=False), nn.ReLU(),
                      nn.Conv2d(8, 12, (3, 5), stride=(2, 1), padding=(1, 2)))
    return torch_model(spec, m, [randn(1, 8, 13, 12, seed=102)])


@model("conv_transpose", 12,
       desc="ConvTranspose stride 2 with output_padding 1 and groups 2 (bias), and k4 s2 p1 "
            "without bias")
def _conv_transpose(spec):
    seed_all(3)
    m = nn.Sequential(nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1,
                                         groups=2), nn.ReLU(),
                      nn.ConvTranspose2d(6, 3, 4, stride=2, padding=1, bias=False))
    return torch_model(spec, m, [randn(1, 4, 5, 7, seed=103)])


@model("batchnorm", 10,
       desc="BatchNormalization kept as nodes: after a conv (foldable) and on the graph input")
def _batchnorm(spec):
    seed_all(4)
    gen = torch.Generator().manual_seed(40)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.bn0 = nn.BatchNorm2d(5)
            self.conv = nn.Conv2d(5, 8, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(8)
            self.conv2 = nn.Conv2d(8, 8, 1)
            self.bn2 = nn.BatchNorm2d(8)

        def forward(self, x):
            x = self.bn0(x)
            x = F.relu(self.bn1(self.conv(x)))
            return self.bn2(self.conv2(x))

    m = M()
    for b in (m.bn0, m.bn1, m.bn2):
        randomize_bn(b, gen)
    return torch_model(spec, m, [randn(1, 5, 9, 9, seed=104)])


@model("act_op9", 9,
       desc="Relu, Clip (attribute form: relu6 and hardtanh), LeakyRelu, Sigmoid, "
            "HardSigmoid, x*sigmoid(x)")
def _act_op9(spec):
    class M(nn.Module):
        def forward(self, x):
            a = F.relu(x) + F.relu6(x * 4.0) + F.hardtanh(x, -0.5, 0.75)
            b = F.leaky_relu(x, 0.1) * torch.sigmoid(x) - F.hardsigmoid(x)
            return a + b + F.silu(x)

    return torch_model(spec, M(), [randn(1, 4, 6, 6, seed=105) * 3])


@model("clip_op10", 10, desc="Clip attribute form (opset 10) after a conv")
def _clip_op10(spec):
    seed_all(6)
    m = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU6(), nn.Conv2d(4, 4, 1), nn.Hardtanh(-1.0, 1.0))
    return torch_model(spec, m, [randn(1, 3, 8, 8, seed=106) * 2])


@model("clip_op11", 11,
       desc="Clip input form (opset 11): min+max, min only, max only; HardSigmoid; "
            "HardSwish as HardSigmoid*x")
def _clip_op11(spec):
    seed_all(7)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(4, 4, 3, padding=1)

        def forward(self, x):
            y = F.relu6(self.conv(x) * 3.0)
            y = y + torch.clamp(x, min=-0.25) + torch.clamp(x, max=0.5)
            return y + F.hardswish(x)

    return torch_model(spec, M(), [randn(1, 4, 7, 7, seed=107) * 3])


@model("hardswish_op14", 14, desc="HardSwish node (opset 14) after conv, and Clip inputs")
def _hardswish_op14(spec):
    seed_all(8)
    m = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.Hardswish(),
                      nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.ReLU6(),
                      nn.Conv2d(8, 4, 1), nn.Hardswish())
    return torch_model(spec, m, [randn(1, 3, 9, 9, seed=108) * 2])


@model("elementwise_broadcast", 13, n_inputs=2, n_outputs=2,
       desc="Add/Sub/Mul/Div with [1,C,1,1] parameters, scalar constants, and two graph "
            "inputs of shapes [1,C,H,W] and [1,C,1,1]; two outputs")
def _elementwise(spec):
    seed_all(9)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.rand(1, 6, 1, 1) + 0.5)
            self.shift = nn.Parameter(torch.randn(1, 6, 1, 1))
            self.div = nn.Parameter(torch.rand(1, 6, 1, 1) * 1.5 + 0.5)

        def forward(self, x, y):
            a = (x * self.scale + self.shift) / self.div - 0.5
            b = a * 2.0 + y
            c = (x - y) * (y + 3.0) / 4.0
            return b, (c - a) * x / (y * y + 1.0)

    return torch_model(spec, M(), [randn(1, 6, 5, 7, seed=109), randn(1, 6, 1, 1, seed=209)])


@model("pooling", 10, n_outputs=5,
       desc="MaxPool k3 s2 p1, MaxPool k2 s2 ceil_mode, AveragePool with pads "
            "(count_include_pad=0; torch exports count_include_pad=1 as Pad + AveragePool), "
            "AveragePool ceil_mode, GlobalAveragePool; 5 outputs")
def _pooling(spec):
    class M(nn.Module):
        def forward(self, x):
            return (F.max_pool2d(x, 3, 2, 1),
                    F.max_pool2d(x, 2, 2, ceil_mode=True),
                    F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)
                    + F.avg_pool2d(x, 3, 2, 1, count_include_pad=True),
                    F.avg_pool2d(x, 3, 2, 0, ceil_mode=True),
                    F.adaptive_avg_pool2d(x, 1))

    return torch_model(spec, M(), [randn(1, 3, 10, 9, seed=110)])


@model("pool_attrs_op12", 12, n_outputs=4,
       desc="built with onnx.helper (torch never emits these): AveragePool with "
            "count_include_pad=1 and pads, AveragePool with asymmetric pads, MaxPool with "
            "dilations, MaxPool with asymmetric pads; 4 outputs")
def _pool_attrs(spec):
    h = onnx.helper
    nodes = [
        h.make_node("AveragePool", ["input"], ["output0"], name="avg_incl_pad",
                    kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1),
        h.make_node("AveragePool", ["input"], ["output1"], name="avg_asym",
                    kernel_shape=[2, 2], strides=[1, 1], pads=[0, 0, 1, 1]),
        h.make_node("MaxPool", ["input"], ["output2"], name="max_dilated",
                    kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1], dilations=[2, 2]),
        h.make_node("MaxPool", ["input"], ["output3"], name="max_asym",
                    kernel_shape=[2, 2], strides=[2, 2], pads=[1, 0, 0, 1]),
    ]
    f = onnx.TensorProto.FLOAT
    g = h.make_graph(nodes, "pool_attrs_op12",
                     [h.make_tensor_value_info("input", f, [1, 3, 9, 10])],
                     [h.make_tensor_value_info("output0", f, [1, 3, 5, 5]),
                      h.make_tensor_value_info("output1", f, [1, 3, 9, 10]),
                      h.make_tensor_value_info("output2", f, [1, 3, 7, 8]),
                      h.make_tensor_value_info("output3", f, [1, 3, 5, 5])])
    save_onnx(spec, g)
    return [randn(1, 3, 9, 10, seed=130)], None


@model("reduce_mean", 17, n_outputs=2,
       desc="ReduceMean over H,W with keepdims 1 (as SE blocks do) and keepdims 0")
def _reduce_mean(spec):
    seed_all(11)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(4, 8, 3)

        def forward(self, x):
            y = F.relu(self.conv(x))
            s = y.mean((2, 3), keepdim=True)
            return y * torch.sigmoid(s), y.mean([2, 3])

    return torch_model(spec, M(), [randn(1, 4, 8, 10, seed=111)])


@model("gemm", 9, n_outputs=2,
       desc="Flatten + Linear (Gemm) + Relu + Linear; Linear on 4-d data (MatMul+Add); "
            "2 outputs")
def _gemm(spec):
    seed_all(12)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(48, 32)
            self.fc2 = nn.Linear(32, 10)
            self.fc3 = nn.Linear(4, 5)

        def forward(self, x):                     # x: [1,3,4,4]
            z = self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))
            return z, self.fc3(x)                 # Linear over the last dim: [1,3,4,5]

    return torch_model(spec, M(), [randn(1, 3, 4, 4, seed=112)])


@model("matmul_broadcast", 15, n_inputs=2,
       desc="MatMul of two graph inputs with broadcast batch dims: [2,1,4,5] x [3,5,6]")
def _matmul(spec):
    class M(nn.Module):
        def forward(self, a, b):
            return torch.matmul(a, b)

    return torch_model(spec, M(), [randn(2, 1, 4, 5, seed=113), randn(3, 5, 6, seed=213)])


@model("view_chain", 11,
       desc="x.view(x.size(0), -1) as Shape->Gather->Unsqueeze->Concat->Reshape, then Gemm "
            "(exported with a dynamic batch, then the batch pinned to 1)")
def _view_chain(spec):
    seed_all(14)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, stride=2)
            self.fc = nn.Linear(4 * 4 * 4, 7)

        def forward(self, x):
            y = F.relu(self.conv(x))
            return self.fc(y.view(y.size(0), -1))

    r = torch_model(spec, M(), [randn(1, 3, 9, 9, seed=114)],
                    dynamic_axes={"input": {0: "N"}, "output": {0: "N"}})
    pin_dynamic_dims(spec, 1)
    return r


def _shape_ops_module():
    class M(nn.Module):
        def forward(self, x):                     # x: [1,6,5,4]
            a, b, c = torch.split(x, [1, 2, 3], dim=1)
            t = a.transpose(2, 3)                 # [1,1,4,5]
            t = t.squeeze(1).unsqueeze(0)         # [1,1,4,5] via Squeeze/Unsqueeze
            s = b[:, :, 1:4, ::2]                 # Slice with steps: [1,2,3,2]
            s = s.permute(0, 1, 3, 2)             # [1,2,2,3]
            cat = torch.cat([c, c * 0.5], dim=1)  # [1,6,5,4]
            f = torch.flatten(cat, 1)             # [1,120]
            r = s.reshape(1, 12)
            return torch.cat([f, r, t.reshape(1, -1)], dim=1)

    return M()


@model("shape_ops_op11", 11,
       desc="Split (split attr), Transpose, Squeeze/Unsqueeze (axes attr), Slice with steps, "
            "Concat, Flatten, Reshape (opset 11)")
def _shape_ops11(spec):
    return torch_model(spec, _shape_ops_module(), [randn(1, 6, 5, 4, seed=115)])


@model("shape_ops_op13", 13,
       desc="same graph as shape_ops_op11 in opset 13 (Split/Squeeze/Unsqueeze take inputs)")
def _shape_ops13(spec):
    return torch_model(spec, _shape_ops_module(), [randn(1, 6, 5, 4, seed=115)])


def _pad_module():
    class M(nn.Module):
        def forward(self, x):
            a = F.pad(x, (1, 2, 0, 1), mode="constant", value=0.5)
            b = F.pad(x, (2, 1, 1, 2), mode="reflect")
            c = F.pad(x, (1, 1, 2, 0), mode="replicate")
            return torch.cat([a.flatten(1), b.flatten(1), c.flatten(1)], dim=1)

    return M()


@model("pad_op9", 9, desc="Pad constant/reflect/edge, pads as attribute (opset 9)")
def _pad9(spec):
    return torch_model(spec, _pad_module(), [randn(1, 2, 4, 5, seed=116)])


@model("pad_op11", 11, desc="Pad constant/reflect/edge, pads as input (opset 11)")
def _pad11(spec):
    return torch_model(spec, _pad_module(), [randn(1, 2, 4, 5, seed=116)])


def _resize_module(mode, align):
    class M(nn.Module):
        def forward(self, x):
            if mode == "nearest":
                return F.interpolate(x, scale_factor=2, mode="nearest")
            return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=align)

    return M()


@model("resize_nearest_op11", 11, desc="Resize nearest, scale 2 (opset 11)")
def _rn11(spec):
    return torch_model(spec, _resize_module("nearest", None), [randn(1, 3, 5, 6, seed=117)])


@model("resize_bilinear_op11", 11,
       desc="Resize linear, scale 2, half_pixel (align_corners=False) (opset 11)")
def _rb11(spec):
    return torch_model(spec, _resize_module("bilinear", False), [randn(1, 3, 5, 6, seed=118)])


@model("resize_bilinear_ac_op11", 11,
       desc="Resize linear, scale 2, align_corners=True (opset 11)")
def _rba11(spec):
    return torch_model(spec, _resize_module("bilinear", True), [randn(1, 3, 5, 6, seed=119)])


@model("resize_op13", 13, n_outputs=3,
       desc="Resize (opset 13): nearest, linear half_pixel, linear align_corners; 3 outputs")
def _r13(spec):
    seed_all(20)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 1)

        def forward(self, x):
            y = self.conv(x)
            return (F.interpolate(y, scale_factor=2, mode="nearest"),
                    F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False),
                    F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=True))

    return torch_model(spec, M(), [randn(1, 3, 4, 7, seed=120)])


def _softmax_module():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(20, 10)

        def forward(self, x):                      # x: [1,4,5,5]
            a = F.softmax(x, dim=1)                # channel softmax on 4-d data
            b = F.softmax(self.fc(x.mean(3).flatten(1)), dim=-1)   # classifier softmax
            return a.flatten(1)[:, :10] + b

    return M()


@model("softmax_op11", 11, desc="Softmax over channels of 4-d data and over the last axis (opset 11)")
def _sm11(spec):
    seed_all(21)
    return torch_model(spec, _softmax_module(), [randn(1, 4, 5, 5, seed=121) * 2])


@model("softmax_op13", 13, desc="Softmax over channels of 4-d data and over the last axis (opset 13)")
def _sm13(spec):
    seed_all(21)
    return torch_model(spec, _softmax_module(), [randn(1, 4, 5, 5, seed=121) * 2])


@model("identity_dropout_op10", 10,
       desc="built with onnx.helper: Identity, Dropout with ratio attribute and unused mask "
            "output (inference), Conv")
def _idrop10(spec):
    rng = np.random.default_rng(22)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32) * 0.3
    b = rng.standard_normal(4).astype(np.float32) * 0.1
    h = onnx.helper
    g = h.make_graph(
        [h.make_node("Identity", ["input"], ["id0"], name="identity0"),
         h.make_node("Dropout", ["id0"], ["drop0", "mask0"], name="dropout0", ratio=0.3),
         h.make_node("Conv", ["drop0", "w", "b"], ["conv0"], name="conv0", pads=[1, 1, 1, 1]),
         h.make_node("Identity", ["conv0"], ["output"], name="identity1")],
        "identity_dropout_op10",
        [h.make_tensor_value_info("input", onnx.TensorProto.FLOAT, [1, 3, 6, 6])],
        [h.make_tensor_value_info("output", onnx.TensorProto.FLOAT, [1, 4, 6, 6])],
        [init("w", w), init("b", b)])
    save_onnx(spec, g)
    return [randn(1, 3, 6, 6, seed=122)], None


@model("identity_dropout_op12", 12,
       desc="built with onnx.helper: Dropout with ratio input (no training_mode), Identity "
            "on a graph output path, Relu")
def _idrop12(spec):
    h = onnx.helper
    g = h.make_graph(
        [h.make_node("Dropout", ["input", "ratio"], ["drop0"], name="dropout0"),
         h.make_node("Relu", ["drop0"], ["relu0"], name="relu0"),
         h.make_node("Identity", ["relu0"], ["id0"], name="identity0"),
         h.make_node("Add", ["id0", "input"], ["output"], name="add0")],
        "identity_dropout_op12",
        [h.make_tensor_value_info("input", onnx.TensorProto.FLOAT, [1, 2, 5, 5])],
        [h.make_tensor_value_info("output", onnx.TensorProto.FLOAT, [1, 2, 5, 5])],
        [init("ratio", np.array(0.25, dtype=np.float32))])
    save_onnx(spec, g)
    return [randn(1, 2, 5, 5, seed=123)], None


@model("tiny_resnet", 16,
       desc="small ResNet-like net: conv-BN-relu, maxpool, two residual blocks (one with a "
            "strided 1x1 projection), GlobalAveragePool, Flatten, Gemm, Softmax")
def _tiny_resnet(spec):
    seed_all(24)
    gen = torch.Generator().manual_seed(240)

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.b1 = nn.BatchNorm2d(cout)
            self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.b2 = nn.BatchNorm2d(cout)
            self.proj = None
            if stride != 1 or cin != cout:
                self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))

        def forward(self, x):
            y = F.relu(self.b1(self.c1(x)))
            y = self.b2(self.c2(y))
            return F.relu(y + (x if self.proj is None else self.proj(x)))

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8),
                                      nn.ReLU(), nn.MaxPool2d(3, 2, 1))
            self.l1 = Block(8, 8, 1)
            self.l2 = Block(8, 16, 2)
            self.fc = nn.Linear(16, 10)

        def forward(self, x):
            y = self.l2(self.l1(self.stem(x)))
            y = torch.flatten(F.adaptive_avg_pool2d(y, 1), 1)
            return F.softmax(self.fc(y), dim=1)

    m = M()
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            randomize_bn(mod, gen)
    return torch_model(spec, m, [randn(1, 3, 32, 32, seed=124)])


@model("audio_cnn1d", 13,
       desc="1-D audio CNN: three Conv1d-BN1d-ReLU stages (strided k9, k5 + MaxPool1d, "
            "dilated k3 + MaxPool1d with padding and ceil_mode), global average pool, Linear; "
            "1x1x1001")
def _audio_cnn1d(spec):
    seed_all(26)
    gen = torch.Generator().manual_seed(260)

    def stage(cin, cout, k, stride=1, dil=1):
        return [nn.Conv1d(cin, cout, k, stride, dil * (k - 1) // 2, dilation=dil, bias=False),
                nn.BatchNorm1d(cout), nn.ReLU()]

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                *stage(1, 8, 9, stride=2), nn.MaxPool1d(2),
                *stage(8, 16, 5), nn.MaxPool1d(3, 2, 1, ceil_mode=True),
                *stage(16, 16, 3, dil=2))
            self.fc = nn.Linear(16, 6)

        def forward(self, x):
            y = F.adaptive_avg_pool1d(self.features(x), 1)
            return self.fc(torch.flatten(y, 1))

    m = M()
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm1d):
            randomize_bn(mod, gen)
    return torch_model(spec, m, [randn(1, 1, 1001, seed=126)])


@model("conv3d_attrs", 13, n_outputs=3,
       desc="Conv3d attributes on 2 images of 3x7x7x6: strided, dilated, asymmetric "
            "kernel + bias + ReLU; grouped dilated + BN3d + Sigmoid; depth padding past the "
            "kernel (planes no tap reaches) with 20 channels + residual Add; strided 1x1x1; "
            "3 outputs")
def _conv3d_attrs(spec):
    seed_all(58)
    gen = torch.Generator().manual_seed(580)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Conv3d(3, 6, (3, 2, 3), (2, 1, 2), (1, 0, 2), (1, 2, 1))
            self.g = nn.Conv3d(6, 4, 3, 1, 2, 2, groups=2, bias=False)
            self.bn = nn.BatchNorm3d(4)
            self.p = nn.Conv3d(3, 20, (3, 1, 1), (3, 1, 1), (3, 0, 0))
            self.r = nn.Conv3d(3, 20, 1, (3, 1, 1))

        def forward(self, x):
            a = F.relu(self.a(x))
            return (a, torch.sigmoid(self.bn(self.g(a))),
                    F.relu(self.p(x)[:, :, :3] + self.r(x)))

    m = M()
    randomize_bn(m.bn, gen)
    return torch_model(spec, m, [randn(2, 3, 7, 7, 6, seed=158)])


@model("mbv3_block", 17,
       desc="MobileNetV3-style block: conv-BN-HardSwish, depthwise conv-BN, squeeze-excite "
            "(GlobalAveragePool, 1x1 convs, Relu, HardSigmoid, Mul), projection, residual Add")
def _mbv3(spec):
    seed_all(25)
    gen = torch.Generator().manual_seed(250)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.expand = nn.Sequential(nn.Conv2d(8, 24, 1, bias=False), nn.BatchNorm2d(24),
                                        nn.Hardswish())
            self.dw = nn.Sequential(nn.Conv2d(24, 24, 5, 1, 2, groups=24, bias=False),
                                    nn.BatchNorm2d(24), nn.Hardswish())
            self.se1 = nn.Conv2d(24, 8, 1)
            self.se2 = nn.Conv2d(8, 24, 1)
            self.project = nn.Sequential(nn.Conv2d(24, 8, 1, bias=False), nn.BatchNorm2d(8))

        def forward(self, x):
            y = self.dw(self.expand(x))
            s = F.adaptive_avg_pool2d(y, 1)
            s = F.hardsigmoid(self.se2(F.relu(self.se1(s))))
            return x + self.project(y * s)

    m = M()
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            randomize_bn(mod, gen)
    return torch_model(spec, m, [randn(1, 8, 14, 14, seed=125)])


@model("se_prelu_batch2", 13,
       desc="batch 2: conv-PRelu and depthwise-PRelu (per-channel slopes), two "
            "squeeze-and-excite blocks (sigmoid gate into a 1x1 projection; hard-sigmoid "
            "gate into a padded 3x3 conv with a residual Add), each image its own scale")
def _se_prelu_batch2(spec):
    seed_all(41)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(8, 24, 3, padding=1)
            self.prelu1 = nn.PReLU(24)
            self.dw = nn.Conv2d(24, 24, 3, padding=1, groups=24)
            self.prelu2 = nn.PReLU(24)
            self.se1a, self.se1b = nn.Conv2d(24, 8, 1), nn.Conv2d(8, 24, 1)
            self.project = nn.Conv2d(24, 8, 1)
            self.se2a, self.se2b = nn.Conv2d(8, 4, 1), nn.Conv2d(4, 8, 1)
            self.conv3 = nn.Conv2d(8, 8, 3, padding=1)
            with torch.no_grad():  # slopes of both signs, different per channel
                self.prelu1.weight.copy_(torch.rand(24) * 0.8 - 0.3)
                self.prelu2.weight.copy_(torch.rand(24) * 0.8 - 0.3)

        def forward(self, x):
            d = self.prelu2(self.dw(self.prelu1(self.conv(x))))
            s = torch.sigmoid(self.se1b(F.relu(self.se1a(F.adaptive_avg_pool2d(d, 1)))))
            p = self.project(d * s)
            s2 = F.hardsigmoid(self.se2b(F.silu(self.se2a(F.adaptive_avg_pool2d(p, 1)))))
            return x + self.conv3(s2 * p)

    x = randn(2, 8, 12, 12, seed=141)
    x[1] = x[1] * 2 + 1  # pooled means, so the two images' scales, far apart
    return torch_model(spec, M(), [x])


@model("dynamic_batch", 13, input_shapes={"input": [2, 3, 16, 16]},
       desc="conv-BN-relu, GlobalAveragePool, view(N,-1), Gemm with a dynamic batch dim "
            "(dynamic_axes); reference for batch 2, compile with --input-shape")
def _dynamic_batch(spec):
    seed_all(26)
    gen = torch.Generator().manual_seed(260)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1, bias=False)
            self.bn = nn.BatchNorm2d(8)
            self.fc = nn.Linear(8, 5)

        def forward(self, x):
            y = F.relu(self.bn(self.conv(x)))
            y = F.adaptive_avg_pool2d(y, 1)
            return self.fc(y.view(y.size(0), -1))

    m = M()
    randomize_bn(m.bn, gen)
    return torch_model(spec, m, [randn(2, 3, 16, 16, seed=126)],
                       dynamic_axes={"input": {0: "N"}, "output": {0: "N"}})


@model("lrn_variadic_op13", 13, n_inputs=3, n_outputs=2,
       desc="built with onnx.helper: Conv, LRN (AlexNet-style), Sum/Max/Mean of three "
            "operands with broadcasting, Min, Clip whose bounds are graph inputs; "
            "inputs x, lo, hi")
def _lrn_variadic(spec):
    rng = np.random.default_rng(28)
    w = rng.standard_normal((6, 3, 3, 3)).astype(np.float32) * 0.3
    k = rng.standard_normal((6, 1, 1)).astype(np.float32)
    h = onnx.helper
    T = onnx.TensorProto.FLOAT
    g = h.make_graph(
        [h.make_node("Conv", ["x", "w"], ["c0"], name="conv0", pads=[1, 1, 1, 1]),
         h.make_node("LRN", ["c0"], ["n0"], name="lrn0", size=5, alpha=1e-2, beta=0.75, bias=2.0),
         h.make_node("Sum", ["n0", "c0", "k"], ["s0"], name="sum0"),
         h.make_node("Max", ["s0", "n0", "k"], ["m0"], name="max0"),
         h.make_node("Mean", ["m0", "c0", "n0"], ["a0"], name="mean0"),
         h.make_node("Min", ["a0", "s0"], ["out0"], name="min0"),
         h.make_node("Clip", ["s0", "lo", "hi"], ["out1"], name="clip0")],
        "lrn_variadic_op13",
        [h.make_tensor_value_info("x", T, [1, 3, 7, 9]),
         h.make_tensor_value_info("lo", T, []),
         h.make_tensor_value_info("hi", T, [])],
        [h.make_tensor_value_info("out0", T, [1, 6, 7, 9]),
         h.make_tensor_value_info("out1", T, [1, 6, 7, 9])],
        [init("w", w), init("k", k)])
    save_onnx(spec, g)
    return [randn(1, 3, 7, 9, seed=128), np.array(-0.8, dtype=np.float32),
            np.array(1.1, dtype=np.float32)], None


@model("reshape_value_input", 13, input_values=["shape"],
       desc="built with onnx.helper: Reshape whose target shape is an int64 graph input, "
            "then Conv; compile with --input-value shape=reshape_value_input.shape.npy")
def _reshape_value_input(spec):
    rng = np.random.default_rng(27)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32) * 0.3
    h = onnx.helper
    g = h.make_graph(
        [h.make_node("Reshape", ["input", "shape"], ["r0"], name="reshape0"),
         h.make_node("Conv", ["r0", "w"], ["c0"], name="conv0", pads=[1, 1, 1, 1]),
         h.make_node("Relu", ["c0"], ["output"], name="relu0")],
        "reshape_value_input",
        [h.make_tensor_value_info("input", onnx.TensorProto.FLOAT, [2, 24, 5]),
         h.make_tensor_value_info("shape", onnx.TensorProto.INT64, [4])],
        [h.make_tensor_value_info("output", onnx.TensorProto.FLOAT, [2, 4, 8, 5])],
        [init("w", w)])
    save_onnx(spec, g)
    spec.values["shape"] = np.array([2, 3, -1, 5], dtype=np.int64)
    return [randn(2, 24, 5, seed=127)], None


@model("typed_head_op13", 13, n_inputs=2, n_outputs=4,
       desc="built with onnx.helper: a small CNN classifier with an int64/bool head: "
            "ArgMax, ReduceMax >= threshold, Where(ok, class, -1), Add of an int64 graph "
            "input, Greater -> bool mask, Cast, Equal/Not/And; the fc bias is stored as float16 "
            "and Cast to float32 (folded at import); inputs x (float32) and "
            "offset (int64); outputs scores (float32), label (int64), mask (bool), "
            "agree (bool)")
def _typed_head(spec):
    rng = np.random.default_rng(31)
    w = rng.standard_normal((8, 3, 3, 3)).astype(np.float32) * 0.4
    fc = rng.standard_normal((5, 8)).astype(np.float32)
    fb = rng.standard_normal((5,)).astype(np.float32) * 0.1
    h = onnx.helper
    F, I, B = onnx.TensorProto.FLOAT, onnx.TensorProto.INT64, onnx.TensorProto.BOOL
    g = h.make_graph(
        [h.make_node("Conv", ["x", "w"], ["c0"], name="conv0", pads=[1, 1, 1, 1]),
         h.make_node("Relu", ["c0"], ["r0"], name="relu0"),
         h.make_node("GlobalAveragePool", ["r0"], ["p0"], name="gap0"),
         h.make_node("Flatten", ["p0"], ["f0"], name="flat0"),
         h.make_node("Cast", ["fb16"], ["fb"], name="cast_fb", to=F),
         h.make_node("Gemm", ["f0", "fc", "fb"], ["scores"], name="fc0", transB=1),
         h.make_node("ArgMax", ["scores"], ["cls"], name="argmax0", axis=1, keepdims=0),
         h.make_node("ReduceMax", ["scores"], ["top"], name="top0", axes=[1], keepdims=0),
         h.make_node("GreaterOrEqual", ["top", "thr"], ["ok"], name="ge0"),
         h.make_node("Where", ["ok", "cls", "none"], ["pick"], name="where0"),
         h.make_node("Add", ["pick", "offset"], ["label"], name="add0"),
         h.make_node("Greater", ["scores", "zero"], ["mask"], name="gt0"),
         h.make_node("Cast", ["mask"], ["maskf"], name="cast0", to=F),
         h.make_node("ArgMin", ["maskf"], ["first_off"], name="argmin0", axis=1, keepdims=0,
                     select_last_index=1),
         h.make_node("Equal", ["first_off", "cls"], ["eq"], name="eq0"),
         h.make_node("Not", ["eq"], ["ne"], name="not0"),
         h.make_node("And", ["ne", "ok"], ["agree"], name="and0")],
        "typed_head_op13",
        [h.make_tensor_value_info("x", F, [4, 3, 10, 10]),
         h.make_tensor_value_info("offset", I, [4])],
        [h.make_tensor_value_info("scores", F, [4, 5]),
         h.make_tensor_value_info("label", I, [4]),
         h.make_tensor_value_info("mask", B, [4, 5]),
         h.make_tensor_value_info("agree", B, [4])],
        [init("w", w), init("fc", fc),
         onnx.numpy_helper.from_array(fb.astype(np.float16), "fb16"),
         onnx.numpy_helper.from_array(np.array(2.0, dtype=np.float32), "thr"),
         onnx.numpy_helper.from_array(np.array(-1, dtype=np.int64), "none"),
         onnx.numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero")])
    save_onnx(spec, g)
    x = randn(4, 3, 10, 10, seed=131)
    # The integer and bool outputs are compared exactly, so no decision may hang on
    # float rounding: the scores (float64 here) keep clear of ties, of the threshold
    # and of 0 by far more than convc's and ORT's float32 results can differ.
    c = np.zeros((4, 8, 10, 10))
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)))
    for i in range(3):
        for j in range(3):
            c += np.einsum("nchw,oc->nohw", xp[:, :, i:i + 10, j:j + 10], w[:, :, i, j])
    sc = np.maximum(c, 0).mean(axis=(2, 3)) @ fc.T.astype(np.float64) + fb.astype(np.float16)
    top2 = np.sort(sc, axis=1)[:, -2:]
    margin = min(np.abs(top2[:, 1] - top2[:, 0]).min(), np.abs(top2[:, 1] - 2.0).min(),
                 np.abs(sc).min())
    if margin < 1e-3:
        sys.exit(f"make_models: typed_head_op13: a decision is within {margin:.2g} of a tie")
    return [x, np.array([0, 10, 20, 30], dtype=np.int64)], None


# --------------------------------------------------------------------------------------
# Half-precision models: a model converted wholesale to float16 (or bfloat16), which
# convc computes in float32 (frontends/onnx/onnx_half.c)
# --------------------------------------------------------------------------------------

def _half_cnn_module():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.c0 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
            self.b0 = nn.BatchNorm2d(8)
            self.c1 = nn.Conv2d(8, 8, 3, 1, 1, bias=False)
            self.b1 = nn.BatchNorm2d(8)
            self.c2 = nn.Conv2d(8, 8, 3, 1, 1)
            self.b2 = nn.BatchNorm2d(8)
            self.c3 = nn.Conv2d(16, 12, 1)
            self.fc = nn.Linear(12, 10)

        def forward(self, x):
            y = F.relu(self.b0(self.c0(x)))
            r = F.max_pool2d(y, 2)                              # 8x8
            z = self.b2(self.c2(F.relu(self.b1(self.c1(r)))))
            z = F.relu(z + r)                                   # residual add
            u = F.interpolate(z, scale_factor=2.0, mode="nearest")  # back to 16x16
            z = torch.cat([u, y], 1)
            z = F.leaky_relu(self.c3(z), 0.1)
            z = F.adaptive_avg_pool2d(z, 1).flatten(1)
            return self.fc(z)

    return M()


def _bf16_bits(a):
    """float32 array -> bfloat16 bit patterns (uint16), round to nearest even."""
    b = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint16)


def _bf16_round(a):
    return (_bf16_bits(a).astype(np.uint32) << 16).view(np.float32)


def _to_half(m, elem):
    """Convert an ONNX model in place to float16/bfloat16 the way whole-model converters
    do: float initializers, Constant tensors, graph inputs and outputs and Cast targets
    become `elem`; Resize's scales stay float32 (ONNX requires it)."""
    Fl = onnx.TensorProto.FLOAT
    g = m.graph
    keep = {n.input[2] for n in g.node if n.op_type == "Resize" and len(n.input) > 2}
    for n in reversed(g.node):  # and the constants they are made of (Concat of Constants)
        if any(o in keep for o in n.output):
            keep.update(n.input)

    def conv(t):
        if t.data_type != Fl or t.name in keep:
            return t
        a = onnx.numpy_helper.to_array(t)
        if elem == onnx.TensorProto.FLOAT16:
            return onnx.numpy_helper.from_array(a.astype(np.float16), t.name)
        return onnx.helper.make_tensor(t.name, elem, a.shape, _bf16_bits(a).tobytes(), raw=True)

    inits = [conv(t) for t in g.initializer]
    del g.initializer[:]
    g.initializer.extend(inits)
    for n in g.node:
        if n.op_type == "Constant" and not any(o in keep for o in n.output):
            for a in n.attribute:
                if a.name == "value":
                    a.t.CopyFrom(conv(a.t))
        if n.op_type == "Cast":
            for a in n.attribute:
                if a.name == "to" and a.i == Fl:
                    a.i = elem
    for vi in list(g.input) + list(g.output):
        if vi.type.tensor_type.elem_type == Fl:
            vi.type.tensor_type.elem_type = elem
    del g.value_info[:]
    onnx.checker.check_model(m)


def _keep_io_types(m):
    """float32 graph inputs and outputs around the half body, as onnxconverter_common's
    keep_io_types=True writes them: Cast to the half type after each input, Cast to
    float32 before each output."""
    g = m.graph
    half = g.input[0].type.tensor_type.elem_type
    Fl = onnx.TensorProto.FLOAT
    casts = []
    for vi in g.input:
        inner = vi.name + "_half"
        for n in g.node:
            for k, x in enumerate(n.input):
                if x == vi.name:
                    n.input[k] = inner
        casts.append(onnx.helper.make_node("Cast", [vi.name], [inner], name=inner, to=half))
        vi.type.tensor_type.elem_type = Fl
    for vi in g.output:
        inner = vi.name + "_half"
        for n in g.node:
            for k, y in enumerate(n.output):
                if y == vi.name:
                    n.output[k] = inner
        g.node.append(onnx.helper.make_node("Cast", [inner], [vi.name], name=vi.name + "_f32",
                                            to=Fl))
        vi.type.tensor_type.elem_type = Fl
    for c in reversed(casts):
        g.node.insert(0, c)
    onnx.checker.check_model(m)


def _half_cnn(spec, elem, keep_io=False):
    """The f32 model with weights rounded to the half type (so that the f32 twin and
    the half model hold the same numbers), exported, then converted; the twin's ORT
    output is the second reference (ref_f32)."""
    seed_all(41)
    gen = torch.Generator().manual_seed(410)
    m = _half_cnn_module()
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            randomize_bn(mod, gen)
    rnd = ((lambda a: a.astype(np.float16).astype(np.float32))
           if elem == onnx.TensorProto.FLOAT16 else _bf16_round)
    with torch.no_grad():
        for t in list(m.parameters()) + list(m.buffers()):
            if t.dtype == torch.float32:
                t.copy_(torch.from_numpy(rnd(t.numpy())))
    x = rnd(randn(1, 3, 16, 16, seed=141))
    twin = os.path.join(HERE, f"{spec.name}.f32.onnx")
    name = spec.name
    spec.name = f"{name}.f32"   # export writes spec.onnx_file()
    try:
        outs = torch_model(spec, m, [x])[1]
    finally:
        spec.name = name
    hm = onnx.load(twin)
    _to_half(hm, elem)
    if keep_io:
        _keep_io_types(hm)
    hm.producer_name = "convc-make_models"
    onnx.save(hm, os.path.join(HERE, spec.onnx_file()))
    spec.twin = twin
    if keep_io:
        return [x], outs
    return [x.astype(np.float16) if elem == onnx.TensorProto.FLOAT16 else _bf16_bits(x)], outs


@model("half_cnn_op13", 13, refs_f32=True, half="float16",
       desc="a small CNN converted wholesale to float16 (initializers, graph input and output, "
            "every op: Conv, BatchNormalization, Relu, MaxPool, residual Add, Resize nearest, "
            "Concat, LeakyRelu, GlobalAveragePool, Flatten, Gemm), weights and input exactly "
            "representable in f16; ref: ORT on the f16 model; ref_f32: ORT on its float32 "
            "twin (the same numbers in float32); 1x3x16x16 -> 1x10 float16")
def _half_cnn_f16(spec):
    return _half_cnn(spec, onnx.TensorProto.FLOAT16)


@model("half_cnn_io32_op13", 13, refs_f32=True, half="float16",
       desc="half_cnn_op13 with float32 graph input and output around its float16 body "
            "(onnxconverter_common's keep_io_types): Cast to float16 after the input, Cast "
            "to float32 before the output; 1x3x16x16 float32 -> 1x10 float32")
def _half_cnn_io32(spec):
    return _half_cnn(spec, onnx.TensorProto.FLOAT16, keep_io=True)


@model("mobilenet_v2_f16", 13, refs_f32=True, half="float16", half_roundings=128,
       kind="generated", real=True,
       desc="models/mobilenet_v2.onnx converted wholesale to float16 (its 105 nodes: Conv, "
            "BatchNormalization, Clip, Add, GlobalAveragePool, Flatten, Gemm); ref: ORT on "
            "the f16 model; ref_f32: ORT on mobilenet_v2 with its weights and input rounded "
            "to f16; 1x3x224x224 -> 1x1000 float16")
def _mobilenet_v2_f16(spec):
    src = os.path.join(HERE, "mobilenet_v2.onnx")
    twin = onnx.load(src)
    for t in twin.graph.initializer:
        if t.data_type == onnx.TensorProto.FLOAT:
            a = onnx.numpy_helper.to_array(t).astype(np.float16).astype(np.float32)
            t.CopyFrom(onnx.numpy_helper.from_array(a, t.name))
    spec.twin = os.path.join(HERE, f"{spec.name}.f32.onnx")
    onnx.save(twin, spec.twin)
    _to_half(twin, onnx.TensorProto.FLOAT16)
    onnx.save(twin, os.path.join(HERE, spec.onnx_file()))
    x = np.load(os.path.join(HERE, "mobilenet_v2.input.npy")).astype(np.float16)
    return [x], None


def _half_mlp_module():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = nn.Linear(16, 32)
            self.bn = nn.BatchNorm1d(32)
            self.l2 = nn.Linear(32, 32)

        def forward(self, x):
            y = F.relu(self.bn(self.l1(x)))
            y = F.leaky_relu(self.l2(y), 0.1) + y               # residual add
            z = F.interpolate(y.view(2, 2, 4, 4), scale_factor=2.0, mode="nearest")
            return F.softmax(z.mean(dim=(2, 3)) * 4.0, dim=1), torch.sigmoid(y)

    return M()


@model("half_mlp_bf16_op16", 16, n_outputs=2, refs_f32=True, half="bfloat16",
       desc="a small MLP head converted wholesale to bfloat16 (ONNX has no bfloat16 Conv "
            "before opset 22): Gemm, BatchNormalization, Relu, LeakyRelu, residual Add, "
            "Reshape, Resize nearest, ReduceMean, Mul, Softmax, Sigmoid; ONNX Runtime has no "
            "bfloat16 kernels for them, so the only reference is ORT on the float32 twin "
            "(ref_f32); input and outputs are bfloat16 bit patterns (uint16); 2x16 -> 2x2, 2x32")
def _half_mlp_bf16(spec):
    seed_all(42)
    gen = torch.Generator().manual_seed(420)
    m = _half_mlp_module()
    randomize_bn(m.bn, gen)
    with torch.no_grad():
        for t in list(m.parameters()) + list(m.buffers()):
            if t.dtype == torch.float32:
                t.copy_(torch.from_numpy(_bf16_round(t.numpy())))
    x = _bf16_round(randn(2, 16, seed=142))
    twin = os.path.join(HERE, f"{spec.name}.f32.onnx")
    name = spec.name
    spec.name = f"{name}.f32"
    try:
        outs = torch_model(spec, m, [x])[1]
    finally:
        spec.name = name
    hm = onnx.load(twin)
    _to_half(hm, onnx.TensorProto.BFLOAT16)
    hm.producer_name = "convc-make_models"
    onnx.shape_inference.infer_shapes(hm, strict_mode=True)  # every op takes bfloat16 here
    onnx.save(hm, os.path.join(HERE, spec.onnx_file()))
    spec.twin = twin
    return [_bf16_bits(x)], outs


# --------------------------------------------------------------------------------------
# Transcendental activations: each op, each written-out form exporters produce, and a
# ConvNeXt block (GELU between 1x1 layers, LayerNormalization, layer scale)
# --------------------------------------------------------------------------------------

@model("unary_acts_op13", 13,
       desc="Tanh, Erf, Exp, Log, Softplus, Elu(alpha 0.7), Selu, PRelu per channel and with "
            "one slope, and Mish as torch writes it below opset 18 (x * tanh(softplus(x))), "
            "each after a conv or an elementwise op; concatenated")
def _unary_acts(spec):
    seed_all(40)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.convs = nn.ModuleList([nn.Conv2d(6, 6, 3, padding=1) for _ in range(7)])
            self.prelu_c = nn.PReLU(6)
            self.prelu_1 = nn.PReLU(1)
            with torch.no_grad():
                self.prelu_c.weight.copy_(torch.rand(6) * 0.5 - 0.1)  # some negative slopes
                self.prelu_1.weight.fill_(0.3)

        def forward(self, x):
            c = [conv(x) for conv in self.convs]
            return torch.cat([
                torch.tanh(c[0]),
                torch.erf(c[1]),
                torch.exp(c[2] * 0.5),
                torch.log(c[3].abs() + 0.25),
                F.softplus(c[4]),
                F.elu(c[5], alpha=0.7),
                F.selu(x),
                self.prelu_c(c[6]),
                self.prelu_1(x),
                F.mish(c[0] - c[1]),
            ], dim=1)

    return torch_model(spec, M(), [randn(1, 6, 8, 8, seed=140)])


@model("gelu_forms_op17", 17, n_outputs=2,
       desc="GELU as torch exports nn.GELU (Div/Erf/Add/Mul/Mul) and approximate='tanh' "
            "(Pow-free x*x*x, Tanh), SiLU as x*sigmoid(x), GELU as TF writes it "
            "((x*0.5)*(1+erf(x*0.7071))), Mish with softplus as log(1+exp(x)); each after a "
            "conv; and GELU between two Linear layers (Gemm path)")
def _gelu_forms(spec):
    seed_all(41)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.convs = nn.ModuleList([nn.Conv2d(8, 8, 3, padding=1) for _ in range(4)])
            self.pw = nn.Conv2d(8, 16, 1)
            self.fc1 = nn.Linear(8, 32)
            self.fc2 = nn.Linear(32, 10)

        def forward(self, x):
            a = F.gelu(self.convs[0](x))
            b = F.gelu(self.pw(x), approximate="tanh")
            c = F.silu(self.convs[1](x))
            y = self.convs[2](x)
            d = (y * 0.5) * (1.0 + torch.erf(y * 0.7071067811865476))
            z = self.convs[3](x)
            e = z * torch.tanh(torch.log(1.0 + torch.exp(z)))
            h = self.fc2(F.gelu(self.fc1(x.mean([2, 3]))))
            return torch.cat([a, b, c, d, e], dim=1), h

    return torch_model(spec, M(), [randn(1, 8, 10, 10, seed=141) * 1.5])


@model("act_ops_op20", 20,
       desc="built with onnx.helper (ONNX 1.12's checker predates opset 20; ONNX Runtime "
            "checks it): Gelu approximate none and tanh (opset 20), Mish (opset 18), PRelu "
            "with a [C,1,1] slope, Softplus and Elu on the graph input")
def _act_ops20(spec):
    rng = np.random.default_rng(42)
    w1 = rng.standard_normal((8, 4, 3, 3)).astype(np.float32) * 0.4
    b1 = rng.standard_normal(8).astype(np.float32) * 0.1
    w2 = rng.standard_normal((8, 4, 1, 1)).astype(np.float32) * 0.6
    slope = (rng.random((4, 1, 1)) * 0.6 - 0.2).astype(np.float32)
    h = onnx.helper
    nodes = [
        h.make_node("Conv", ["input", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        h.make_node("Gelu", ["c1"], ["g1"], name="gelu_erf"),
        h.make_node("Conv", ["input", "w2"], ["c2"], name="conv2"),
        h.make_node("Gelu", ["c2"], ["g2"], name="gelu_tanh", approximate="tanh"),
        h.make_node("Mish", ["g1"], ["m1"], name="mish"),
        h.make_node("PRelu", ["input", "slope"], ["p1"], name="prelu"),
        h.make_node("Softplus", ["p1"], ["s1"], name="softplus"),
        h.make_node("Elu", ["input"], ["e1"], name="elu", alpha=0.5),
        h.make_node("Concat", ["m1", "g2", "s1", "e1"], ["output"], name="concat", axis=1),
    ]
    g = h.make_graph(
        nodes, "act_ops_op20",
        [h.make_tensor_value_info("input", onnx.TensorProto.FLOAT, [1, 4, 7, 7])],
        [h.make_tensor_value_info("output", onnx.TensorProto.FLOAT, [1, 24, 7, 7])],
        [init("w1", w1), init("b1", b1), init("w2", w2), init("slope", slope)])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", spec.opset)],
                     producer_name="convc-make_models")
    m.ir_version = 9  # opset 20 needs IR 9; ONNX Runtime 1.30 reads it
    onnx.save(m, os.path.join(HERE, spec.onnx_file()))
    x = randn(1, 4, 7, 7, seed=142) * 2
    t = {k: torch.from_numpy(v) for k, v in
         (("x", x), ("w1", w1), ("b1", b1), ("w2", w2), ("slope", slope))}
    g1 = F.gelu(F.conv2d(t["x"], t["w1"], t["b1"], padding=1))
    g2 = F.gelu(F.conv2d(t["x"], t["w2"]), approximate="tanh")
    s1 = F.softplus(torch.where(t["x"] >= 0, t["x"], t["x"] * t["slope"]))
    ref = torch.cat([F.mish(g1), g2, s1, F.elu(t["x"], alpha=0.5)], dim=1)
    return [x], [ref.numpy()]  # torch's own result, to cross-check ONNX Runtime's


def _randomize_convnext(m, gen):
    """torchvision initializes a CNBlock's layer scale to 1e-6, which makes the block the
    identity to float precision, and every LayerNorm to weight 1, bias 0 (equal constants
    that CSE merges); random values make every block and norm count."""
    from torchvision.models.convnext import CNBlock
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, CNBlock):
                mod.layer_scale.copy_(torch.rand(mod.layer_scale.shape, generator=gen) * 0.4 + 0.1)
            elif isinstance(mod, nn.LayerNorm):
                mod.weight.copy_(torch.rand(mod.weight.shape, generator=gen) + 0.5)
                mod.bias.copy_(torch.randn(mod.bias.shape, generator=gen) * 0.1)


@model("convnext_block", 17,
       desc="two torchvision ConvNeXt blocks (7x7 depthwise conv, LayerNormalization over "
            "channels, Linear 4x expand, GELU as torch writes it, Linear, layer scale, "
            "residual) around a downsample (LayerNorm2d, 2x2 stride-2 conv); random layer "
            "scales and norm parameters")
def _convnext_block(spec):
    from torchvision.models.convnext import CNBlock, LayerNorm2d
    seed_all(43)
    gen = torch.Generator().manual_seed(430)
    m = nn.Sequential(CNBlock(8, 1e-6, 0.0), LayerNorm2d(8), nn.Conv2d(8, 16, 2, 2),
                      CNBlock(16, 1e-6, 0.0))
    _randomize_convnext(m, gen)
    return torch_model(spec, m, [randn(1, 8, 14, 14, seed=143)])


@model("group_instance_norm", 13,
       desc="GroupNorm (4 groups; exported as Reshape, InstanceNormalization, Reshape, Mul, "
            "Add), InstanceNorm2d with affine parameters and one without, between convs with "
            "SiLU and ReLU; random affine parameters")
def _group_instance_norm(spec):
    seed_all(57)
    gen = torch.Generator().manual_seed(570)
    m = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.GroupNorm(4, 16), nn.SiLU(),
                      nn.Conv2d(16, 8, 3, stride=2, padding=1), nn.InstanceNorm2d(8, affine=True),
                      nn.ReLU(), nn.Conv2d(8, 8, 1), nn.InstanceNorm2d(8))
    with torch.no_grad():
        for mod in m:
            if isinstance(mod, (nn.GroupNorm, nn.InstanceNorm2d)) and mod.affine:
                mod.weight.copy_(torch.rand(mod.weight.shape, generator=gen) + 0.5)
                mod.bias.copy_(torch.randn(mod.bias.shape, generator=gen) * 0.5)
    return torch_model(spec, m, [randn(1, 3, 12, 10, seed=157)])


# --------------------------------------------------------------------------------------
# Real networks from torchvision, seeded random weights
# --------------------------------------------------------------------------------------

@model("affine_chain", 13, n_outputs=2,
       desc="per-channel and scalar Mul/Add/Sub/Div by constants after convs and a Linear "
            "(scale/shift layers, layer scale, x / 6, k - x), folded into the weights by fold-bn")
def _affine_chain(spec):
    seed_all(26)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(4, 8, 3, padding=1)
            self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
            self.fc = nn.Linear(8, 5)
            self.gamma = nn.Parameter(torch.randn(8, 1, 1) * 0.5 + 1.0)
            self.beta = nn.Parameter(torch.randn(1, 8, 1, 1))
            self.shift = nn.Parameter(torch.randn(8, 1, 1))
            self.scale = nn.Parameter(torch.randn(5))

        def forward(self, x):
            y = (self.conv(x) * self.gamma + self.beta) / 6.0
            y = torch.relu(self.shift - self.dw(y))
            z = self.fc(y.mean(dim=(2, 3))) * self.scale - 0.5
            return y, z

    return torch_model(spec, M(), [randn(1, 4, 9, 9, seed=126)])


def calibrate_bn(m, x, gen):
    """Set every BatchNorm's statistics from the activations it really sees, then perturb
    them and randomize the affine parameters.

    torchvision's init (e.g. kaiming fan_out on depthwise convs) relies on BN normalizing
    real batch statistics; with made-up statistics the activations of a deep net shrink
    or blow up layer after layer.  So each BN, in execution order, gets mean/var measured
    on its input (with all earlier BNs already final), then
      mean += N(0, 0.1) * std,  var *= U(0.5, 2),  gamma ~ U(0.5, 1.5),  beta ~ N(0, 0.1)
    so that BN is far from the identity (folding it is observable) while activations stay
    O(1)."""
    def pre_hook(mod, inp):
        a = inp[0].detach()
        dims = (0,) + tuple(range(2, a.dim()))  # all but the channels: 1-D, 2-D or 3-D BN
        mean = a.mean(dim=dims)
        var = a.var(dim=dims, unbiased=False)
        c = mod.num_features
        with torch.no_grad():
            std = torch.sqrt(var + mod.eps)
            mod.running_mean.copy_(mean + torch.randn(c, generator=gen) * 0.1 * std)
            mod.running_var.copy_(var * (torch.rand(c, generator=gen) * 1.5 + 0.5))
            mod.weight.copy_(torch.rand(c, generator=gen) + 0.5)
            mod.bias.copy_(torch.randn(c, generator=gen) * 0.1)

    m.eval()
    hooks = [mod.register_forward_pre_hook(pre_hook) for mod in m.modules()
             if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d))]
    with torch.no_grad():
        m(x)
    for h in hooks:
        h.remove()


def activation_ranges(m, x):
    """Largest |activation| over all leaf modules, and the output."""
    worst = [0.0, True]

    def hook(mod, inp, out):
        if isinstance(out, torch.Tensor):
            worst[0] = max(worst[0], float(out.abs().max()))
            worst[1] = worst[1] and bool(torch.isfinite(out).all())

    hooks = [mod.register_forward_hook(hook) for mod in m.modules()
             if len(list(mod.children())) == 0]
    with torch.no_grad():
        out = m(x)
    for h in hooks:
        h.remove()
    return worst[0], worst[1], out


def real_module(ctor, seed, shape=(1, 3, 224, 224), calib_n=4):
    """The network in eval mode, seeded and with its BN statistics calibrated.
    ctor: a torchvision.models constructor name, or a function returning the module
    (called after seeding)."""
    import torchvision
    seed_all(seed)
    m = ctor() if callable(ctor) else getattr(torchvision.models, ctor)(weights=None)
    m.eval()
    gen = torch.Generator().manual_seed(seed + 1000)
    calib = torch.from_numpy(randn(calib_n, *shape[1:], seed=seed + 2000))
    calibrate_bn(m, calib, gen)
    return m


def torch_module(name):
    """The torch module of real network NAME, as exported (for bench/torch_run.py)."""
    _import_torch()
    spec = next((s for s in SPECS if s.name == name and s.real), None)
    if spec is None:
        raise KeyError(f"no real network named {name}")
    return spec.module()


def real_net(spec, ctor, seed, shape=(1, 3, 224, 224), calib_n=4):
    m = real_module(ctor, seed, shape, calib_n)
    x = randn(*shape, seed=seed + 3000)
    peak, finite, out = activation_ranges(m, torch.from_numpy(x))
    out2 = m(torch.from_numpy(randn(*shape, seed=seed + 4000)))
    if isinstance(out, (tuple, list)):  # several outputs: the checks look at the first
        out, out2 = out[0], out2[0]
    out2 = out2.detach()
    std = float(out.std())
    print(f"  {spec.name}: max|activation|={peak:.3g} output std={std:.3g} "
          f"output change for another input={float((out - out2).abs().max()):.3g}",
          flush=True)
    if not finite or peak > 1e4 or not (1e-3 < std < 1e3) or \
            float((out - out2).abs().max()) < 1e-3 * float(out.abs().max()):
        sys.exit(f"make_models: {spec.name}: activations out of a sane range")
    return torch_model(spec, m, [x])


def _real(name, ctor, seed, kind, on_request=False, desc="", shape=(1, 3, 224, 224),
          calib_n=4, opset=13, n_outputs=1):
    SPECS.append(Spec(name, lambda spec: real_net(spec, ctor, seed, shape, calib_n), opset,
                      kind=kind, on_request=on_request, desc=desc, real=True,
                      n_outputs=n_outputs))
    SPECS[-1].module = lambda: real_module(ctor, seed, shape, calib_n)


_real("mobilenet_v2", "mobilenet_v2", 31, "committed",
      desc="torchvision mobilenet_v2, random weights, BN kept; 1x3x224x224")
_real("resnet18", "resnet18", 32, "generated",
      desc="torchvision resnet18, random weights, BN kept; 1x3x224x224")
_real("squeezenet1_1", "squeezenet1_1", 33, "generated",
      desc="torchvision squeezenet1_1 (no BN), random weights; 1x3x224x224")
_real("shufflenet_v2_x1_0", "shufflenet_v2_x1_0", 34, "generated",
      desc="torchvision shufflenet_v2_x1_0, random weights, BN kept; 1x3x224x224")
_real("resnet50", "resnet50", 35, "generated", on_request=True,
      desc="torchvision resnet50, random weights, BN kept; 1x3x224x224 (only on request)")
_real("efficientnet_b0", "efficientnet_b0", 36, "generated",
      desc="torchvision efficientnet_b0 (SiLU, 5x5 depthwise, squeeze-and-excitation), "
           "random weights, BN kept; 1x3x224x224")
_real("mobilenet_v3_small", "mobilenet_v3_small", 37, "generated",
      desc="torchvision mobilenet_v3_small (hard-swish, hard-sigmoid SE), random weights, "
           "BN kept; 1x3x224x224")
def _convnext_tiny(spec):
    import torchvision
    seed_all(39)
    m = torchvision.models.convnext_tiny(weights=None)
    _randomize_convnext(m, torch.Generator().manual_seed(1039))
    m.eval()
    x = randn(1, 3, 224, 224, seed=3039)
    peak, finite, out = activation_ranges(m, torch.from_numpy(x))
    print(f"  {spec.name}: max|activation|={peak:.3g} output std={float(out.std()):.3g}",
          flush=True)
    if not finite or peak > 1e4:
        sys.exit(f"make_models: {spec.name}: activations out of a sane range")
    return torch_model(spec, m, [x])


SPECS.append(Spec("convnext_tiny", _convnext_tiny, 17, kind="generated", on_request=True,
                  real=True,
                  desc="torchvision convnext_tiny (7x7 depthwise, LayerNormalization, GELU as "
                       "Erf, layer scale), random weights, layer scales and norms; 1x3x224x224, opset "
                       "17 (only on request)"))
_real("mnasnet1_0", "mnasnet1_0", 38, "generated", on_request=True,
      desc="torchvision mnasnet1_0 (5x5 depthwise), random weights, BN kept; 1x3x224x224 "
           "(only on request)")
_real("vgg16", "vgg16", 39, "generated", on_request=True,
      desc="torchvision vgg16 (no BN; 138 M parameters, 528 MiB of float32 weights), "
           "random weights; 1x3x224x224 (only on request: the compile-size benchmark "
           "of docs/limits.md)")


# --------------------------------------------------------------------------------------
# Model families users run (issues 16 and 18): OCR, detectors, segmentation, more
# torchvision classifiers.  The OCR and YOLO-style nets are written here from their
# published architecture descriptions (PP-LCNet / DB / PP-OCR, YOLOv8 / YOLOv10 papers and
# model cards), not copied; seeded random weights, BN statistics calibrated as for the
# torchvision nets.  Each family has a 640x640 (or full-width) version made on request and
# a small one (narrower, 160x160) in the e2e suite.
# --------------------------------------------------------------------------------------

def _div8(v, divisor=8):
    """Channel count rounded to a multiple of 8 (never below 90% of v): PP-LCNet's and
    MobileNetV3's make_divisible."""
    n = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return n + divisor if n < 0.9 * v else n


def _hswish_written(x):
    # Hard-swish as Paddle's exporter writes it: Add, Clip, Mul, Div.
    return x * F.relu6(x + 3.0) / 6.0


def _hsigmoid_written(x):
    # Paddle's hardsigmoid (slope 0.2, offset 0.5) written out: Mul, Add, Clip.
    return torch.clamp(x * 0.2 + 0.5, 0.0, 1.0)


def _ocr_modules():
    """PP-OCR-style modules, defined once torch is imported."""
    class ConvBNAct(nn.Module):
        def __init__(self, cin, cout, k, s=1, groups=1, act="hswish"):
            super().__init__()
            self.conv = nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False)
            self.bn = nn.BatchNorm2d(cout)
            self.act = act

        def forward(self, x):
            x = self.bn(self.conv(x))
            if self.act == "hswish":
                return _hswish_written(x)
            if self.act == "hswish_op":
                return F.hardswish(x)
            if self.act == "relu":
                return F.relu(x)
            return x

    class SE(nn.Module):
        """Squeeze-and-excitation: GlobalAveragePool, 1x1 conv, Relu, 1x1 conv, written-out
        hard-sigmoid, Mul."""
        def __init__(self, c, r=4):
            super().__init__()
            self.fc1 = nn.Conv2d(c, c // r, 1)
            self.fc2 = nn.Conv2d(c // r, c, 1)

        def forward(self, x):
            s = F.adaptive_avg_pool2d(x, 1)
            return x * _hsigmoid_written(self.fc2(F.relu(self.fc1(s))))

    class DepthwiseSeparable(nn.Module):
        """PP-LCNet block: kxk depthwise (BN, hard-swish), optional SE, 1x1 pointwise (BN,
        hard-swish)."""
        def __init__(self, cin, cout, k, s, se):
            super().__init__()
            self.dw = ConvBNAct(cin, cin, k, s, groups=cin)
            self.se = SE(cin) if se else None
            self.pw = ConvBNAct(cin, cout, 1)

        def forward(self, x):
            x = self.dw(x)
            if self.se is not None:
                x = self.se(x)
            return self.pw(x)

    class LCNet(nn.Module):
        """PP-LCNet backbone returning the stride 4, 8, 16, 32 features.
        blocks: per stage, a list of (kernel, out channels before scaling, stride, se)."""
        def __init__(self, scale, blocks):
            super().__init__()
            c = _div8(16 * scale)
            self.stem = ConvBNAct(3, c, 3, 2)
            self.stages = nn.ModuleList()
            for stage in blocks:
                layers = []
                for k, cout, s, se in stage:
                    cout = _div8(cout * scale)
                    layers.append(DepthwiseSeparable(c, cout, k, s, se))
                    c = cout
                self.stages.append(nn.Sequential(*layers))
            self.out_channels = [_div8(st[-1][1] * scale) for st in blocks[1:]]

        def forward(self, x):
            x = self.stem(x)
            feats = []
            for i, st in enumerate(self.stages):
                x = st(x)
                if i >= 1:
                    feats.append(x)
            return feats

    class RSELayer(nn.Module):
        """Neck conv (no BN) with an SE and a residual: x + se(x)."""
        def __init__(self, cin, cout, k):
            super().__init__()
            self.conv = nn.Conv2d(cin, cout, k, 1, k // 2, bias=False)
            self.se = SE(cout)

        def forward(self, x):
            x = self.conv(x)
            return x + self.se(x)

    class RSEFPN(nn.Module):
        """FPN-like neck: 1x1 lateral convs, top-down nearest x2 upsampling + Add, 3x3
        output convs, every level upsampled to stride 4 and concatenated."""
        def __init__(self, in_channels, c):
            super().__init__()
            self.ins = nn.ModuleList(RSELayer(ci, c, 1) for ci in in_channels)
            self.inp = nn.ModuleList(RSELayer(c, c // 4, 3) for _ in in_channels)

        def forward(self, feats):
            lat = [m(f) for m, f in zip(self.ins, feats)]
            for i in range(len(lat) - 2, -1, -1):
                lat[i] = lat[i] + F.interpolate(lat[i + 1], scale_factor=2.0, mode="nearest")
            outs = [m(f) for m, f in zip(self.inp, lat)]
            ups = [outs[0]] + [F.interpolate(o, scale_factor=float(2 ** i), mode="nearest")
                               for i, o in enumerate(outs) if i > 0]
            return torch.cat(ups[::-1], 1)

    class DBHead(nn.Module):
        """DB head: conv3x3-BN-ReLU, ConvTranspose k2 s2-BN-ReLU, ConvTranspose k2 s2,
        Sigmoid: the shrink map at the input resolution."""
        def __init__(self, c):
            super().__init__()
            self.conv = nn.Conv2d(c, c // 4, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(c // 4)
            self.up1 = nn.ConvTranspose2d(c // 4, c // 4, 2, 2)
            self.bn2 = nn.BatchNorm2d(c // 4)
            self.up2 = nn.ConvTranspose2d(c // 4, 1, 2, 2)

        def forward(self, x):
            x = F.relu(self.bn1(self.conv(x)))
            x = F.relu(self.bn2(self.up1(x)))
            return torch.sigmoid(self.up2(x))

    class Det(nn.Module):
        def __init__(self, scale, blocks, neck):
            super().__init__()
            self.backbone = LCNet(scale, blocks)
            self.neck = RSEFPN(self.backbone.out_channels, neck)
            self.head = DBHead(neck)

        def forward(self, x):
            return self.head(self.neck(self.backbone(x)))

    class Bneck(nn.Module):
        """MobileNetV3 bottleneck: 1x1 expand, kxk depthwise, optional SE, 1x1 project,
        residual when shapes allow; activations relu or hard-swish (the HardSwish the torch
        exporter writes as HardSigmoid * x at opset 13)."""
        def __init__(self, cin, exp, cout, k, s, se, act):
            super().__init__()
            self.expand = ConvBNAct(cin, exp, 1, act=act)
            self.dw = ConvBNAct(exp, exp, k, s, groups=exp, act=act)
            self.se = SE(exp) if se else None
            self.project = ConvBNAct(exp, cout, 1, act=None)
            self.res = cin == cout and s == 1

        def forward(self, x):
            y = self.dw(self.expand(x))
            if self.se is not None:
                y = self.se(y)
            y = self.project(y)
            return x + y if self.res else y

    class Cls(nn.Module):
        """PP-OCR direction classifier: MobileNetV3-small at scale 0.35, 1x1 conv to
        576*scale, GlobalAveragePool, Linear to 2 classes, Softmax."""
        def __init__(self, scale=0.35):
            super().__init__()
            cfg = [(3, 16, 16, True, "relu", 2), (3, 72, 24, False, "relu", 2),
                   (3, 88, 24, False, "relu", 1), (5, 96, 40, True, "hswish_op", 2),
                   (5, 240, 40, True, "hswish_op", 1), (5, 240, 40, True, "hswish_op", 1),
                   (5, 120, 48, True, "hswish_op", 1), (5, 144, 48, True, "hswish_op", 1),
                   (5, 288, 96, True, "hswish_op", 2), (5, 576, 96, True, "hswish_op", 1),
                   (5, 576, 96, True, "hswish_op", 1)]
            c = _div8(16 * scale)
            self.stem = ConvBNAct(3, c, 3, 2, act="hswish_op")
            layers = []
            for k, exp, cout, se, act, s in cfg:
                layers.append(Bneck(c, _div8(exp * scale), _div8(cout * scale), k, s, se, act))
                c = _div8(cout * scale)
            self.blocks = nn.Sequential(*layers)
            self.last = ConvBNAct(c, _div8(576 * scale), 1, act="hswish_op")
            self.fc = nn.Linear(_div8(576 * scale), 2)

        def forward(self, x):
            x = self.last(self.blocks(self.stem(x)))
            return F.softmax(self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)), dim=1)

    return Det, Cls


# PP-LCNet stages (kernel, out channels at scale 1, stride, SE); the first stage is the
# stride-2 one after the stem, the next four give the stride 4/8/16/32 features.
_LCNET = [[(3, 32, 1, False)],
          [(3, 64, 2, False), (3, 64, 1, False)],
          [(3, 128, 2, False), (3, 128, 1, False)],
          [(3, 256, 2, False)] + [(5, 256, 1, False)] * 5,
          [(5, 512, 2, True), (5, 512, 1, True)]]
# The small one: one 5x5 block at stride 16.
_LCNET_SMALL = [[(3, 32, 1, False)],
                [(3, 64, 2, False)],
                [(3, 128, 2, False)],
                [(3, 256, 2, False), (5, 256, 1, False)],
                [(5, 512, 2, True), (5, 512, 1, True)]]


def _ppocr_det(scale, blocks, neck):
    return lambda: _ocr_modules()[0](scale, blocks, neck)


_real("ppocr_det", _ppocr_det(0.75, _LCNET, 96), 60, "generated", on_request=True,
      shape=(1, 3, 640, 640), calib_n=2,
      desc="PP-OCR-style text detector (PP-OCRv4 det mobile style): PP-LCNet x0.75 backbone "
           "(3x3/5x5 depthwise-separable blocks, hard-swish written out as "
           "x*relu6(x+3)/6, SE with hard-sigmoid written out), FPN-like neck (nearest x2 + "
           "Add, 3x3 convs, SE), DB head (ConvTranspose k2 s2 twice, Sigmoid); 1x3x640x640 "
           "(only on request)")
_real("ppocr_det_small", _ppocr_det(0.25, _LCNET_SMALL, 32), 61, "generated",
      shape=(1, 3, 160, 160),
      desc="ppocr_det at x0.25 width, one 5x5 block at stride 16, neck 32 channels; "
           "1x3x160x160")
_real("ppocr_cls", lambda: _ocr_modules()[1](0.35), 62, "generated", shape=(1, 3, 48, 192),
      desc="PP-OCR mobile direction classifier style: MobileNetV3-small x0.35 (HardSwish, "
           "3x3/5x5 depthwise, SE with hard-sigmoid written out), Linear, Softmax; "
           "1x3x48x192")


def _yolo_modules():
    """YOLOv8- and YOLOv10-style modules, defined once torch is imported."""
    class Conv(nn.Module):
        """Conv (no bias), BN, SiLU (exported as Sigmoid * x)."""
        def __init__(self, cin, cout, k=1, s=1, groups=1, act=True):
            super().__init__()
            self.conv = nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False)
            self.bn = nn.BatchNorm2d(cout)
            self.act = act

        def forward(self, x):
            x = self.bn(self.conv(x))
            return F.silu(x) if self.act else x

    class Bottleneck(nn.Module):
        def __init__(self, c, shortcut):
            super().__init__()
            self.cv1 = Conv(c, c, 3)
            self.cv2 = Conv(c, c, 3)
            self.add = shortcut

        def forward(self, x):
            y = self.cv2(self.cv1(x))
            return x + y if self.add else y

    class CIB(nn.Module):
        """YOLOv10 compact inverted block: 3x3 depthwise, 1x1, a large-kernel depthwise
        (7x7 + 3x3 depthwise in parallel, added, SiLU) or a 3x3 one, 1x1, 3x3 depthwise."""
        def __init__(self, c, shortcut, lk):
            super().__init__()
            self.dw1 = Conv(c, c, 3, groups=c)
            self.pw1 = Conv(c, 2 * c, 1)
            self.lk = lk
            if lk:
                self.dw7 = Conv(2 * c, 2 * c, 7, groups=2 * c, act=False)
                self.dw3 = Conv(2 * c, 2 * c, 3, groups=2 * c, act=False)
            else:
                self.dw3 = Conv(2 * c, 2 * c, 3, groups=2 * c)
            self.pw2 = Conv(2 * c, c, 1)
            self.dw2 = Conv(c, c, 3, groups=c)
            self.add = shortcut

        def forward(self, x):
            y = self.pw1(self.dw1(x))
            y = F.silu(self.dw7(y) + self.dw3(y)) if self.lk else self.dw3(y)
            y = self.dw2(self.pw2(y))
            return x + y if self.add else y

    class C2f(nn.Module):
        """1x1 conv, Split in two halves, n blocks chained on the last half, Concat of all
        the pieces, 1x1 conv."""
        def __init__(self, cin, cout, n, shortcut, cib=False, lk=False):
            super().__init__()
            self.c = cout // 2
            self.cv1 = Conv(cin, 2 * self.c, 1)
            self.cv2 = Conv((2 + n) * self.c, cout, 1)
            self.m = nn.ModuleList(CIB(self.c, shortcut, lk) if cib
                                   else Bottleneck(self.c, shortcut) for _ in range(n))

        def forward(self, x):
            y = list(self.cv1(x).split((self.c, self.c), 1))
            for m in self.m:
                y.append(m(y[-1]))
            return self.cv2(torch.cat(y, 1))

    class SPPF(nn.Module):
        """1x1 conv, three chained MaxPool 5x5 stride 1, Concat of the four, 1x1 conv."""
        def __init__(self, cin, cout):
            super().__init__()
            self.cv1 = Conv(cin, cin // 2, 1)
            self.cv2 = Conv(cin // 2 * 4, cout, 1)

        def forward(self, x):
            y = [self.cv1(x)]
            for _ in range(3):
                y.append(F.max_pool2d(y[-1], 5, 1, 2))
            return self.cv2(torch.cat(y, 1))

    class SCDown(nn.Module):
        """YOLOv10 downsampling: pointwise conv, then stride-2 depthwise conv (no act)."""
        def __init__(self, cin, cout):
            super().__init__()
            self.cv1 = Conv(cin, cout, 1)
            self.cv2 = Conv(cout, cout, 3, 2, groups=cout, act=False)

        def forward(self, x):
            return self.cv2(self.cv1(x))

    class Attention(nn.Module):
        """Multi-head self-attention over the flattened H*W positions: one 1x1 conv makes
        q, k, v per head; softmax(q^T k * scale); v attn^T; plus a 3x3 depthwise
        positional conv of v; 1x1 projection."""
        def __init__(self, dim, heads):
            super().__init__()
            self.heads = heads
            self.hd = dim // heads
            self.kd = self.hd // 2
            self.scale = self.kd ** -0.5
            self.qkv = Conv(dim, dim + 2 * self.kd * heads, 1, act=False)
            self.proj = Conv(dim, dim, 1, act=False)
            self.pe = Conv(dim, dim, 3, groups=dim, act=False)

        def forward(self, x):
            b, c, h, w = x.shape
            n = h * w
            q, k, v = self.qkv(x).view(b, self.heads, 2 * self.kd + self.hd, n).split(
                [self.kd, self.kd, self.hd], dim=2)
            attn = (q.transpose(-2, -1) @ k) * self.scale
            attn = attn.softmax(dim=-1)
            y = (v @ attn.transpose(-2, -1)).view(b, c, h, w) + self.pe(v.reshape(b, c, h, w))
            return self.proj(y)

    class PSA(nn.Module):
        """YOLOv10 partial self-attention: 1x1 conv, Split, attention + FFN with residuals
        on one half, Concat, 1x1 conv."""
        def __init__(self, c1):
            super().__init__()
            self.c = c1 // 2
            self.cv1 = Conv(c1, 2 * self.c, 1)
            self.cv2 = Conv(2 * self.c, c1, 1)
            self.attn = Attention(self.c, max(1, self.c // 64))
            self.ffn = nn.Sequential(Conv(self.c, 2 * self.c, 1),
                                     Conv(2 * self.c, self.c, 1, act=False))

        def forward(self, x):
            a, b = self.cv1(x).split((self.c, self.c), 1)
            b = b + self.attn(b)
            b = b + self.ffn(b)
            return self.cv2(torch.cat((a, b), 1))

    class Detect(nn.Module):
        """Decoupled head per level: box branch (two 3x3 convs, 1x1 to 4*16 bins) and class
        branch (two 3x3 convs, or YOLOv10's depthwise-separable pairs, 1x1 to nc).  Then
        the DFL decode: bins reshaped to 4x16, Softmax, a 1x1 conv with weights 0..15
        (expected distance), distances to the anchor centres -> (cx, cy, w, h) * stride;
        class scores through Sigmoid.  Outputs [1, 4 + nc, anchors] (boxes in pixels,
        then scores) and the scores alone, [1, nc, anchors]."""
        def __init__(self, nc, chs, strides, size, v10):
            super().__init__()
            self.nc, self.reg = nc, 16
            c2 = max(16, chs[0] // 4, 4 * self.reg)
            c3 = max(chs[0], min(nc, 100))
            self.box = nn.ModuleList(nn.Sequential(Conv(c, c2, 3), Conv(c2, c2, 3),
                                                   nn.Conv2d(c2, 4 * self.reg, 1))
                                     for c in chs)
            if v10:
                self.cls = nn.ModuleList(nn.Sequential(
                    Conv(c, c, 3, groups=c), Conv(c, c3, 1),
                    Conv(c3, c3, 3, groups=c3), Conv(c3, c3, 1),
                    nn.Conv2d(c3, nc, 1)) for c in chs)
            else:
                self.cls = nn.ModuleList(nn.Sequential(Conv(c, c3, 3), Conv(c3, c3, 3),
                                                       nn.Conv2d(c3, nc, 1)) for c in chs)
            self.dfl = nn.Conv2d(self.reg, 1, 1, bias=False)
            with torch.no_grad():
                self.dfl.weight.copy_(torch.arange(self.reg, dtype=torch.float32)
                                      .view(1, self.reg, 1, 1))
            # Anchor centres (x+0.5, y+0.5) per level and their strides: constants for
            # the fixed input size, as the exported models have them.
            pts, st = [], []
            for s in strides:
                h = w = size // s
                sy, sx = torch.meshgrid(torch.arange(h) + 0.5, torch.arange(w) + 0.5,
                                        indexing="ij")
                pts.append(torch.stack((sx, sy), 0).reshape(2, -1))
                st.append(torch.full((1, h * w), float(s)))
            self.register_buffer("anchors", torch.cat(pts, 1).unsqueeze(0))
            self.register_buffer("strides", torch.cat(st, 1).unsqueeze(0))

        def forward(self, feats):
            b = feats[0].shape[0]
            x = torch.cat([torch.cat((bx(f), cl(f)), 1).view(b, 4 * self.reg + self.nc, -1)
                           for f, bx, cl in zip(feats, self.box, self.cls)], 2)
            box, cls = x.split((4 * self.reg, self.nc), 1)
            a = box.shape[2]
            d = self.dfl(box.view(b, 4, self.reg, a).transpose(2, 1).softmax(1)).view(b, 4, a)
            lt, rb = d.chunk(2, 1)
            x1y1 = self.anchors - lt
            x2y2 = self.anchors + rb
            xywh = torch.cat(((x1y1 + x2y2) / 2, x2y2 - x1y1), 1) * self.strides
            scores = cls.sigmoid()
            # The exported models' one output, and the scores again on their own so that
            # the test's bound (relative to the largest value) is not the boxes' scale.
            return torch.cat((xywh, scores), 1), scores

    class Yolo(nn.Module):
        """YOLOv8 (v10=False) or YOLOv10 (v10=True) at a width and depth multiple:
        backbone of strided convs and C2f (SCDown and PSA in v10), SPPF, PAN neck (nearest
        x2 upsampling + Concat top-down, strided conv + Concat bottom-up), Detect on
        P3/P4/P5."""
        def __init__(self, width, depth, size, nc=80, v10=False):
            super().__init__()

            def ch(c):
                return _div8(min(c, 1024) * width)

            def n(k):
                return max(round(k * depth), 1)

            down = (lambda a, b: SCDown(a, b)) if v10 else (lambda a, b: Conv(a, b, 3, 2))
            self.b0 = nn.Sequential(Conv(3, ch(64), 3, 2), Conv(ch(64), ch(128), 3, 2),
                                    C2f(ch(128), ch(128), n(3), True),
                                    Conv(ch(128), ch(256), 3, 2),
                                    C2f(ch(256), ch(256), n(6), True))          # P3
            self.b1 = nn.Sequential(down(ch(256), ch(512)),
                                    C2f(ch(512), ch(512), n(6), True))          # P4
            tail = [down(ch(512), ch(1024)), C2f(ch(1024), ch(1024), n(3), True),
                    SPPF(ch(1024), ch(1024))]
            if v10:
                tail.append(PSA(ch(1024)))
            self.b2 = nn.Sequential(*tail)                                      # P5
            self.h1 = C2f(ch(1024) + ch(512), ch(512), n(3), False)
            self.h2 = C2f(ch(512) + ch(256), ch(256), n(3), False)
            self.d1 = Conv(ch(256), ch(256), 3, 2)
            self.h3 = C2f(ch(256) + ch(512), ch(512), n(3), False)
            self.d2 = down(ch(512), ch(512))
            self.h4 = (C2f(ch(512) + ch(1024), ch(1024), n(3), True, cib=True, lk=True)
                       if v10 else C2f(ch(512) + ch(1024), ch(1024), n(3), False))
            self.detect = Detect(nc, [ch(256), ch(512), ch(1024)], [8, 16, 32], size, v10)

        def forward(self, x):
            p3 = self.b0(x)
            p4 = self.b1(p3)
            p5 = self.b2(p4)
            up = lambda t: F.interpolate(t, scale_factor=2.0, mode="nearest")  # noqa: E731
            h1 = self.h1(torch.cat((up(p5), p4), 1))
            o3 = self.h2(torch.cat((up(h1), p3), 1))
            o4 = self.h3(torch.cat((self.d1(o3), h1), 1))
            o5 = self.h4(torch.cat((self.d2(o4), p5), 1))
            return self.detect([o3, o4, o5])

    return Yolo


def _yolo(width, depth, size, v10):
    return lambda: _yolo_modules()(width, depth, size, v10=v10)


_real("yolov8_det", _yolo(0.25, 0.33, 640, False), 63, "generated", n_outputs=2,
      on_request=True, shape=(1, 3, 640, 640),
      desc="YOLOv8n-style detector (width 0.25, depth 0.33): Conv-BN-SiLU, C2f (Split, "
           "Concat), SPPF (chained MaxPool 5x5), PAN neck (nearest x2 + Concat), decoupled "
           "head with the DFL decode (4x16 bins, Softmax, 1x1 conv with weights 0..15, "
           "anchor/stride decode), 80 classes; outputs 1x84x8400 (boxes, scores) and "
           "1x80x8400 (the scores alone); 1x3x640x640 (only on request)")
_real("yolov8_small", _yolo(0.125, 0.33, 160, False), 64, "generated", n_outputs=2,
      shape=(1, 3, 160, 160), calib_n=16,
      desc="yolov8_det at width 0.125, 1x3x160x160; outputs 1x84x525, 1x80x525")
_real("yolov10_det", _yolo(0.25, 0.33, 640, True), 65, "generated", n_outputs=2,
      on_request=True, shape=(1, 3, 640, 640),
      desc="YOLOv10n-style detector: yolov8_det with SCDown (1x1 + stride-2 depthwise), "
           "PSA attention (MatMul, Softmax over the flattened 20x20 positions), C2fCIB with "
           "7x7 depthwise, depthwise-separable class branch; one-to-one head decoded as "
           "yolov8_det (no top-k); outputs as yolov8_det; 1x3x640x640 (only on request)")
_real("yolov10_small", _yolo(0.125, 0.33, 160, True), 66, "generated", n_outputs=2,
      shape=(1, 3, 160, 160), calib_n=16,
      desc="yolov10_det at width 0.125, 1x3x160x160; outputs 1x84x525, 1x80x525")


def _unet(base, depth, classes):
    """U-Net: encoder of (conv3x3-BN-ReLU) x2 + MaxPool 2x2 per level, bottleneck, decoder
    of ConvTranspose k2 s2, Concat with the skip, (conv3x3-BN-ReLU) x2; 1x1 conv to the
    class logits."""
    def make():
        def double(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout),
                                 nn.ReLU(), nn.Conv2d(cout, cout, 3, 1, 1, bias=False),
                                 nn.BatchNorm2d(cout), nn.ReLU())

        class UNet(nn.Module):
            def __init__(self):
                super().__init__()
                chs = [base * 2 ** i for i in range(depth + 1)]
                self.enc = nn.ModuleList(double(3 if i == 0 else chs[i - 1], chs[i])
                                         for i in range(depth))
                self.mid = double(chs[depth - 1], chs[depth])
                self.up = nn.ModuleList(nn.ConvTranspose2d(chs[i + 1], chs[i], 2, 2)
                                        for i in reversed(range(depth)))
                self.dec = nn.ModuleList(double(2 * chs[i], chs[i])
                                         for i in reversed(range(depth)))
                self.out = nn.Conv2d(chs[0], classes, 1)

            def forward(self, x):
                skips = []
                for e in self.enc:
                    x = e(x)
                    skips.append(x)
                    x = F.max_pool2d(x, 2)
                x = self.mid(x)
                for up, dec, s in zip(self.up, self.dec, reversed(skips)):
                    x = dec(torch.cat((s, up(x)), 1))
                return self.out(x)

        return UNet()
    return make


_real("unet_small", _unet(8, 3, 2), 67, "generated", shape=(1, 3, 96, 128),
      desc="U-Net: 3 levels from 8 channels, (conv3x3-BN-ReLU) x2 + MaxPool 2x2, "
           "ConvTranspose k2 s2 + Concat skip, 1x1 conv to 2 classes; 1x3x96x128")


def _r3d_small():
    """r3d-style video CNN: a (3,7,7) stride (1,2,2) Conv3d stem, two BasicBlocks of
    (3x3x3 Conv3d-BN3d-ReLU) x2 with identity and strided 1x1x1 Conv3d-BN3d shortcuts,
    MaxPool3d, AdaptiveAvgPool3d, Linear."""
    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.c1 = nn.Conv3d(cin, cout, 3, stride, 1, bias=False)
            self.b1 = nn.BatchNorm3d(cout)
            self.c2 = nn.Conv3d(cout, cout, 3, 1, 1, bias=False)
            self.b2 = nn.BatchNorm3d(cout)
            self.down = None
            if stride != 1 or cin != cout:
                self.down = nn.Sequential(nn.Conv3d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm3d(cout))

        def forward(self, x):
            y = F.relu(self.b1(self.c1(x)))
            y = self.b2(self.c2(y))
            return F.relu(y + (x if self.down is None else self.down(x)))

    class R3D(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv3d(3, 16, (3, 7, 7), (1, 2, 2), (1, 3, 3),
                                                bias=False),
                                      nn.BatchNorm3d(16), nn.ReLU(),
                                      nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)))
            self.l1 = Block(16, 16, 1)
            self.l2 = Block(16, 32, 2)
            self.fc = nn.Linear(32, 10)

        def forward(self, x):
            y = self.l2(self.l1(self.stem(x)))
            return self.fc(torch.flatten(F.adaptive_avg_pool3d(y, 1), 1))

    return R3D()


def _r3d_18():
    import torchvision.models.video
    return torchvision.models.video.r3d_18(weights=None)


def _r2plus1d_18():
    import torchvision.models.video
    return torchvision.models.video.r2plus1d_18(weights=None)


_real("r3d_small", _r3d_small, 68, "generated", shape=(1, 3, 8, 56, 56),
      desc="r3d-style video CNN: Conv3d (3,7,7)/(1,2,2) stem + MaxPool3d, two BasicBlocks "
           "(3x3x3 Conv3d-BN3d-ReLU x2, a strided 1x1x1 downsample), AdaptiveAvgPool3d, "
           "Linear; random weights, BN kept; 1x3x8x56x56")
_real("r3d_18", _r3d_18, 69, "generated", on_request=True, shape=(1, 3, 16, 112, 112),
      calib_n=2,
      desc="torchvision r3d_18 (video ResNet-18, Conv3d/BN3d), random weights, BN kept; "
           "1x3x16x112x112 (only on request)")
_real("r2plus1d_18", _r2plus1d_18, 70, "generated", on_request=True, shape=(1, 3, 16, 112, 112),
      calib_n=2,
      desc="torchvision r2plus1d_18 ((2+1)-D ResNet-18: each 3x3x3 conv as a 1x3x3 spatial and "
           "a 3x1x1 temporal Conv3d with BN3d between), random weights, BN kept; "
           "1x3x16x112x112 (only on request)")


def _segmentation(ctor):
    def make():
        import torchvision.models.segmentation as seg

        class Out(nn.Module):
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, x):
                return self.m(x)["out"]

        return Out(getattr(seg, ctor)(weights=None, weights_backbone=None))
    return make


_real("lraspp_mobilenet_v3_large", _segmentation("lraspp_mobilenet_v3_large"), 68,
      "generated", on_request=True, shape=(1, 3, 320, 320), calib_n=2,
      desc="torchvision lraspp_mobilenet_v3_large segmentation (21 classes, bilinear "
           "Resize to the input size), random weights, BN kept; 1x3x320x320 (only on request)")
_real("deeplabv3_mobilenet_v3_large", _segmentation("deeplabv3_mobilenet_v3_large"), 69,
      "generated", on_request=True, shape=(1, 3, 320, 320), calib_n=2,
      desc="torchvision deeplabv3_mobilenet_v3_large segmentation (ASPP with dilated convs "
           "and image pooling, 21 classes), random weights, BN kept; 1x3x320x320 "
           "(only on request)")


def _tv(ctor, **kw):
    def make():
        import torchvision
        return getattr(torchvision.models, ctor)(weights=None, **kw)
    return make


_real("mobilenet_v3_large", "mobilenet_v3_large", 70, "generated", on_request=True,
      desc="torchvision mobilenet_v3_large, random weights, BN kept; 1x3x224x224 "
           "(only on request)")
_real("regnet_y_400mf", "regnet_y_400mf", 71, "generated", on_request=True,
      desc="torchvision regnet_y_400mf (group convs, SE), random weights, BN kept; "
           "1x3x224x224 (only on request)")
_real("densenet121", "densenet121", 72, "generated", on_request=True,
      desc="torchvision densenet121 (Concat-heavy, BN on concatenations), random weights, "
           "BN kept; 1x3x224x224 (only on request)")
_real("googlenet", _tv("googlenet", aux_logits=False, transform_input=False,
                       init_weights=True), 73, "generated", on_request=True,
      desc="torchvision googlenet (inception blocks, ceil_mode MaxPool; aux_logits off, "
           "transform_input off), random weights, BN kept; 1x3x224x224 (only on request)")
_real("efficientnet_v2_s", "efficientnet_v2_s", 74, "generated", on_request=True,
      desc="torchvision efficientnet_v2_s (fused MBConv, SiLU, SE), random weights, BN "
           "kept; 1x3x224x224 (only on request)")
_real("resnext50_32x4d", "resnext50_32x4d", 75, "generated", on_request=True,
      desc="torchvision resnext50_32x4d (32-group 3x3 convs), random weights, BN kept; "
           "1x3x224x224 (only on request)")


# --------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------

def check_ref(spec, refs, torch_outs):
    """Sanity of the ONNX Runtime references, and agreement with torch's own output."""
    for k, r in enumerate(refs):
        if r.dtype.kind in "biu":  # index and mask outputs: compared exactly
            continue
        if r.dtype not in (np.float32, np.float16):
            sys.exit(f"make_models: {spec.name}: ref {k} has dtype {r.dtype}")
        if not np.all(np.isfinite(r)):
            sys.exit(f"make_models: {spec.name}: ref {k} has NaN/Inf")
        peak = float(np.abs(r).max()) if r.size else 0.0
        if r.size > 1 and float(r.std()) <= 1e-4 * max(peak, 1e-30):
            sys.exit(f"make_models: {spec.name}: ref {k} is (nearly) constant")
        if peak > 1e5:
            sys.exit(f"make_models: {spec.name}: ref {k} has |max| {peak:.3g}")
    if torch_outs is None:
        return "-"
    worst = 0.0
    for r, t in zip(refs, torch_outs):
        if r.shape != t.shape:
            sys.exit(f"make_models: {spec.name}: ORT shape {r.shape} != torch {t.shape}")
        worst = max(worst, float(np.abs(r - t).max()) / max(float(np.abs(t).max()), 1e-30))
    if worst > 1e-3:
        sys.exit(f"make_models: {spec.name}: ORT and torch disagree (rel {worst:.3g})")
    return f"{worst:.2g}"


def make(spec):
    t0 = time.time()
    _import_torch()
    inputs, torch_outs = spec.build(spec)
    in_paths = [os.path.join(HERE, f) for f in spec.input_files()]
    assert len(inputs) == spec.n_inputs, spec.name
    for p, a in zip(in_paths, inputs):
        # float inputs as float32; index and mask inputs keep their integer/bool dtype,
        # half-precision ones theirs (float16, or bfloat16 as uint16 bit patterns)
        keep = isinstance(a, np.ndarray) and (a.dtype.kind in "biu" or a.dtype == np.float16)
        dt = a.dtype if keep else np.float32
        np.save(p, np.asarray(a, dtype=dt, order="C"))  # keeps a 0-d shape
    # ORT takes every graph input in graph order: the run-time ones (in_paths, in
    # order) and those convc fixes at compile time (their own files).
    value_paths = {n: os.path.join(HERE, f) for n, f in spec.value_files().items()}
    for n, p in value_paths.items():
        np.save(p, np.ascontiguousarray(spec.values[n]))
    graph = onnx.load(os.path.join(HERE, spec.onnx_file())).graph
    inits = {t.name for t in graph.initializer}
    runtime = iter(in_paths)
    ort_inputs = [value_paths[i.name] if i.name in value_paths else next(runtime)
                  for i in graph.input if i.name not in inits]
    ref_paths = [os.path.join(HERE, f) for f in spec.ref_files()]
    if ref_paths:
        ort_run(os.path.join(HERE, spec.onnx_file()), ort_inputs, ref_paths)
    refs = [np.load(p) for p in ref_paths]
    if spec.refs_f32:
        # the float32 twin takes the same input values in float32
        twin_in = [os.path.join(HERE, f"{spec.name}.twin_input{k}.npy") for k in range(len(inputs))]
        for p, a in zip(twin_in, inputs):
            if spec.half == "bfloat16":  # bit patterns -> their float32 values
                a = (np.asarray(a, dtype=np.uint32) << 16).view(np.float32)
            np.save(p, np.asarray(a, dtype=np.float32))
        f32_paths = [os.path.join(HERE, f) for f in spec.ref_f32_files()]
        try:
            ort_run(spec.twin, twin_in, f32_paths)
        finally:
            for p in twin_in + [spec.twin]:
                os.remove(p)
        check_ref(spec, refs, None)
        refs = [np.load(p) for p in f32_paths]
    agree = check_ref(spec, refs, torch_outs)
    m = onnx.load(os.path.join(HERE, spec.onnx_file()))
    if len(m.graph.output) != spec.n_outputs:
        sys.exit(f"make_models: {spec.name}: graph has {len(m.graph.output)} outputs")
    size = os.path.getsize(os.path.join(HERE, spec.onnx_file()))
    shapes = " ".join("x".join(map(str, r.shape)) for r in refs)
    print(f"  {spec.name:24s} opset {spec.opset:2d}  {size / 1024:9.1f} KiB  out {shapes}  "
          f"torch-vs-ORT rel {agree}  {time.time() - t0:.1f} s", flush=True)


def manifest():
    models = []
    for s in SPECS:
        models.append({
            "name": s.name,
            "file": s.onnx_file(),
            "inputs": s.input_files(),
            "refs": s.ref_files(),
            "kind": s.kind,
            "on_request": s.on_request,
            "opset": s.opset,
            "input_shapes": s.input_shapes or {},
            "input_values": s.value_files(),
            "real": s.real,
            "description": s.desc,
        })
        if s.half:  # only half-precision models carry these (see run_model.py)
            models[-1].update({"half": s.half, "refs_f32": s.ref_f32_files(),
                               "half_roundings": s.half_roundings})
    doc = {
        "comment": "written by make_models.py; committed models are in git, generated ones "
                   "are made by make_models.py (--missing) on demand",
        "models": models,
    }
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="+", metavar="NAME", help="make just these models")
    ap.add_argument("--small", action="store_true", help="only the small hand-made models")
    ap.add_argument("--missing", action="store_true",
                    help="only models whose files do not all exist")
    ap.add_argument("--list", action="store_true", help="print the model names and exit")
    a = ap.parse_args()

    names = {s.name: s for s in SPECS}
    if a.list:
        for s in SPECS:
            print(f"{s.name:24s} {s.kind:9s} opset {s.opset:2d}"
                  f"{'  (on request)' if s.on_request else ''}")
        return
    if a.only:
        bad = [n for n in a.only if n not in names]
        if bad:
            sys.exit(f"make_models: unknown model(s): {' '.join(bad)} (see --list)")
        todo = [names[n] for n in a.only]
    else:
        todo = [s for s in SPECS if not s.on_request]
    if a.small:
        todo = [s for s in todo if not s.real]
    if a.missing:
        todo = [s for s in todo if s.missing()]

    manifest()
    if not todo:
        print("make_models: nothing to do")
        return
    ensure_ort()
    t0 = time.time()
    for s in todo:
        make(s)
    print(f"make_models: made {len(todo)} model(s) in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
