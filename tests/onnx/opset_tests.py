#!/usr/bin/python3
"""Opsets 1-5 and 18-21 (and the ops convc lowers onto others): models written with
onnx.helper, references from ONNX Runtime, run through convc by run_node_tests.py.

  opset_tests.py --convc build/convc --work DIR [--filter REGEX] [-v]

Each case is one small model at one opset, with seeded inputs. The script writes it
in the layout of the ONNX backend tests (CASE/model.onnx,
CASE/test_data_set_0/input_K.pb and output_K.pb) under WORK/data/opsets, the outputs
computed by ONNX Runtime (models/ort_run.mjs, onnxruntime-node). ONNX Runtime has no
kernels for most ops below opset 7, so a legacy case (opsets 1-5) also writes its
twin: the same computation in the opset-13 form the ONNX changelog gives for it (an
attribute that became an operand, a default that changed), and ONNX Runtime runs the
twin. Then run_node_tests.py compiles every case at -O0 and -O2, runs it and compares
(rtol 1e-3, atol 1e-5).

Every case must pass: one that convc refuses (unsupported) or gets wrong fails this
test. What convc refuses on purpose at these opsets is in tests/err (opset_* cases).

Exit status 0 when every case passes, 1 otherwise, 77 (skip) without numpy/onnx or
node + onnxruntime-node.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ORT_RUN = os.path.join(ROOT, "models", "ort_run.mjs")
SKIP = 77

CASES = []


def case(name, opset):
    """Registers build() -> (graph, inputs {name: array}[, twin graph at opset 13])."""
    def reg(fn):
        CASES.append((name, opset, fn))
        return fn
    return reg


# ---- helpers ------------------------------------------------------------------------

def rnd(seed, *shape, scale=1.0):
    import numpy as np
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


def vi(name, shape, dtype=None):
    from onnx import TensorProto, helper
    return helper.make_tensor_value_info(name, dtype or TensorProto.FLOAT, shape)


def init(name, arr):
    from onnx import numpy_helper
    return numpy_helper.from_array(arr, name)


def graph(nodes, inputs, outputs, inits=(), out_dtypes=None):
    """inputs: {name: array}, each of its array's dtype; outputs: [name], float32 unless
    out_dtypes {name: numpy dtype} says otherwise; output shapes left to ONNX Runtime."""
    import numpy as np
    from onnx import helper, mapping

    def onnx_type(dt):
        return mapping.NP_TYPE_TO_TENSOR_TYPE[np.dtype(dt)]
    out_dtypes = out_dtypes or {}
    return helper.make_graph(nodes, "g", [vi(n, list(a.shape), onnx_type(a.dtype))
                                          for n, a in inputs.items()],
                             [vi(n, None, onnx_type(out_dtypes.get(n, np.float32)))
                              for n in outputs], list(inits))


def node(op, ins, outs, **attrs):
    from onnx import helper
    return helper.make_node(op, ins, outs, name=outs[0], **attrs)


def ints(*v):
    import numpy as np
    return np.array(v, dtype=np.int64)


def f32(*v):
    import numpy as np
    return np.array(v, dtype=np.float32)


def bn_params(c, seed):
    import numpy as np
    r = np.random.default_rng(seed)
    return [init("scale", (r.random(c) + 0.5).astype(np.float32)),
            init("bias", (r.standard_normal(c) * 0.1).astype(np.float32)),
            init("mean", (r.standard_normal(c) * 0.1).astype(np.float32)),
            init("var", (r.random(c) * 1.5 + 0.5).astype(np.float32))]


# ---- opsets 1-5: legacy attribute forms, each with its opset-13 twin --------------------

@case("op1_batchnorm_consumed_inputs", 1)
def _bn1():
    x = {"x": rnd(1, 1, 3, 5, 5)}
    legacy = graph([node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y"],
                         consumed_inputs=[0, 0, 0, 1, 1], is_test=1, epsilon=1e-3),
                    node("Relu", ["y"], ["z"], consumed_inputs=[0])],
                   x, ["z"], bn_params(3, 2))
    twin = graph([node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y"],
                       epsilon=1e-3), node("Relu", ["y"], ["z"])], x, ["z"], bn_params(3, 2))
    return legacy, x, twin


@case("op5_batchnorm_is_test_spatial_unused_outputs", 5)
def _bn5():
    x = {"x": rnd(3, 2, 4, 3, 3)}
    legacy = graph([node("BatchNormalization", ["x", "scale", "bias", "mean", "var"],
                         ["y", "rm", "rv", "sm", "sv"], consumed_inputs=[0, 0, 0, 1, 1],
                         is_test=1, spatial=1)], x, ["y"], bn_params(4, 4))
    twin = graph([node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y"])],
                 x, ["y"], bn_params(4, 4))
    return legacy, x, twin


@case("op1_reshape_shape_attribute", 1)
def _reshape1():
    x = {"x": rnd(5, 2, 3, 4)}
    legacy = graph([node("Reshape", ["x"], ["y"], shape=[4, 0, -1])], x, ["y"])
    twin = graph([node("Reshape", ["x", "s"], ["y"])], x, ["y"], [init("s", ints(4, 0, -1))])
    return legacy, x, twin


@case("op3_concat_default_axis", 3)
def _concat3():
    x = {"a": rnd(6, 1, 2, 3, 3), "b": rnd(7, 1, 3, 3, 3)}
    legacy = graph([node("Concat", ["a", "b"], ["y"])], x, ["y"])
    twin = graph([node("Concat", ["a", "b"], ["y"], axis=1)], x, ["y"])
    return legacy, x, twin


@case("op1_add_mul_broadcast_axis", 1)
def _add1():
    x = {"x": rnd(8, 2, 3, 4, 5)}
    legacy = graph([node("Add", ["x", "c"], ["a"], broadcast=1, axis=1),
                    node("Mul", ["a", "d"], ["y"], broadcast=1)],
                   x, ["y"], [init("c", rnd(9, 3)), init("d", rnd(10, 4, 5))])
    twin = graph([node("Add", ["x", "c"], ["a"]), node("Mul", ["a", "d"], ["y"])],
                 x, ["y"], [init("c", rnd(9, 3).reshape(3, 1, 1)), init("d", rnd(10, 4, 5))])
    return legacy, x, twin


@case("op1_split_sizes_operand", 1)
def _split1():
    x = {"x": rnd(11, 2, 7, 3)}
    legacy = graph([node("Split", ["x", "sizes"], ["a", "b"], axis=1),
                    node("Add", ["a", "a"], ["y"])], x, ["y", "b"],
                   [init("sizes", ints(3, 4))])
    twin = graph([node("Split", ["x", "sizes"], ["a", "b"], axis=1),
                  node("Add", ["a", "a"], ["y"])], x, ["y", "b"], [init("sizes", ints(3, 4))])
    return legacy, x, twin


@case("op2_split_attribute", 2)
def _split2():
    x = {"x": rnd(12, 2, 7, 3)}
    legacy = graph([node("Split", ["x"], ["a", "b"], axis=1, split=[5, 2])], x, ["a", "b"])
    twin = graph([node("Split", ["x", "sizes"], ["a", "b"], axis=1)], x, ["a", "b"],
                 [init("sizes", ints(5, 2))])
    return legacy, x, twin


@case("op1_pad_paddings", 1)
def _pad1():
    x = {"x": rnd(13, 1, 2, 4, 5)}
    legacy = graph([node("Pad", ["x"], ["y"], paddings=[0, 0, 1, 2, 0, 0, 2, 1], value=0.5)],
                   x, ["y"])
    twin = graph([node("Pad", ["x", "p", "v"], ["y"])], x, ["y"],
                 [init("p", ints(0, 0, 1, 2, 0, 0, 2, 1)), init("v", f32(0.5))])
    return legacy, x, twin


@case("op2_pad_reflect", 2)
def _pad2():
    x = {"x": rnd(14, 1, 2, 4, 5)}
    legacy = graph([node("Pad", ["x"], ["y"], pads=[0, 0, 2, 1, 0, 0, 1, 3], mode="reflect")],
                   x, ["y"])
    twin = graph([node("Pad", ["x", "p"], ["y"], mode="reflect")], x, ["y"],
                 [init("p", ints(0, 0, 2, 1, 0, 0, 1, 3))])
    return legacy, x, twin


@case("op1_cast_to_string_name", 1)
def _cast1():
    x = {"x": rnd(15, 2, 3)}
    legacy = graph([node("Cast", ["x"], ["c"], to="FLOAT"), node("Sigmoid", ["c"], ["y"])],
                   x, ["y"])
    twin = graph([node("Cast", ["x"], ["c"], to=1), node("Sigmoid", ["c"], ["y"])], x, ["y"])
    return legacy, x, twin


@case("op1_dropout_is_test_and_mask", 1)
def _dropout1():
    x = {"x": rnd(16, 1, 3, 4, 4)}
    legacy = graph([node("Dropout", ["x"], ["d", "mask"], is_test=1, ratio=0.3),
                    node("LeakyRelu", ["d"], ["y"], alpha=0.2)], x, ["y"])
    twin = graph([node("LeakyRelu", ["x"], ["y"], alpha=0.2)], x, ["y"])
    return legacy, x, twin


@case("op1_conv_pool_gemm_softmax", 1)
def _net1():
    x = {"x": rnd(17, 1, 3, 8, 8)}
    nodes = [node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             node("MaxPool", ["c"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
             node("AveragePool", ["p"], ["q"], kernel_shape=[2, 2], strides=[1, 1]),
             node("GlobalAveragePool", ["q"], ["g"]),
             node("Flatten", ["g"], ["f"]),
             node("Gemm", ["f", "fw", "fb"], ["m"], transB=1, broadcast=1),
             node("Softmax", ["m"], ["y"])]
    inits = [init("w", rnd(18, 4, 3, 3, 3, scale=0.3)), init("b", rnd(19, 4)),
             init("fw", rnd(20, 5, 4)), init("fb", rnd(21, 5))]
    legacy = graph(nodes, x, ["y"], inits)
    twin_nodes = list(nodes)
    twin_nodes[5] = node("Gemm", ["f", "fw", "fb"], ["m"], transB=1)
    return legacy, x, graph(twin_nodes, x, ["y"], inits)


@case("op1_unary_and_slice_transpose", 1)
def _unary1():
    x = {"x": rnd(22, 2, 3, 4)}
    legacy = graph([node("Abs", ["x"], ["a"], consumed_inputs=[0]),
                    node("Sqrt", ["a"], ["s"]),
                    node("Neg", ["s"], ["n"]),
                    node("Slice", ["n"], ["sl"], starts=[0, 1], ends=[2, 3], axes=[0, 1]),
                    node("Transpose", ["sl"], ["t"], perm=[0, 2, 1]),
                    node("Clip", ["t"], ["y"], min=-1.5, max=-0.5)], x, ["y"])
    twin = graph([node("Abs", ["x"], ["a"]), node("Sqrt", ["a"], ["s"]), node("Neg", ["s"], ["n"]),
                  node("Slice", ["n", "st", "en", "ax"], ["sl"]),
                  node("Transpose", ["sl"], ["t"], perm=[0, 2, 1]),
                  node("Clip", ["t", "lo", "hi"], ["y"])], x, ["y"],
                 [init("st", ints(0, 1)), init("en", ints(2, 3)), init("ax", ints(0, 1)),
                  init("lo", f32(-1.5)), init("hi", f32(-0.5))])
    return legacy, x, twin


# ---- opsets 18-21: attributes that became operands, new attributes --------------------

@case("op18_reduce_axes_operand", 18)
def _reduce18():
    x = {"x": rnd(30, 2, 3, 4, 5)}
    return graph([node("ReduceMean", ["x", "ax"], ["a"], keepdims=1),
                  node("ReduceMax", ["x", "ax2"], ["b"], keepdims=0),
                  node("ReduceMin", ["x", "ax"], ["c"]),
                  node("ReduceL2", ["x", "ax2"], ["d"], keepdims=0),
                  node("ReduceSumSquare", ["x", "ax"], ["e"]),
                  node("ReduceSum", ["x"], ["f"], keepdims=0)], x,
                 ["a", "b", "c", "d", "e", "f"],
                 [init("ax", ints(2, 3)), init("ax2", ints(-1, 1))]), x


@case("op18_reduce_noop_with_empty_axes", 18)
def _reduce18_noop():
    x = {"x": rnd(31, 2, 3, 4)}
    return graph([node("ReduceMean", ["x"], ["a"], noop_with_empty_axes=1),
                  node("ReduceMax", ["a"], ["y"], keepdims=1)], x, ["y"]), x


@case("op20_reduce_max_min", 20)
def _reduce20():
    x = {"x": rnd(32, 2, 6, 5)}
    return graph([node("ReduceMax", ["x", "ax"], ["a"]), node("ReduceMin", ["x", "ax"], ["b"])],
                 x, ["a", "b"], [init("ax", ints(1))]), x


@case("op18_split_num_outputs_uneven", 18)
def _split18():
    x = {"x": rnd(33, 2, 7, 3)}
    return graph([node("Split", ["x"], ["a", "b", "c"], axis=1, num_outputs=3)], x,
                 ["a", "b", "c"]), x


@case("op18_split_num_outputs_even", 18)
def _split18e():
    x = {"x": rnd(34, 2, 6, 4)}
    return graph([node("Split", ["x"], ["a", "b"], axis=-1, num_outputs=2)], x, ["a", "b"]), x


@case("op18_pad_axes_operand", 18)
def _pad18():
    x = {"x": rnd(35, 1, 2, 4, 5)}
    return graph([node("Pad", ["x", "p", "", "ax"], ["a"], mode="edge"),
                  node("Pad", ["a", "p2", "v", "ax2"], ["y"])], x, ["y"],
                 [init("p", ints(1, 2, 0, 1)), init("ax", ints(2, -1)),
                  init("p2", ints(1, 1)), init("v", f32(-2.0)), init("ax2", ints(1))]), x


@case("op19_pad_wrap", 19)
def _pad19():
    x = {"x": rnd(36, 1, 2, 4, 5)}
    return graph([node("Pad", ["x", "p"], ["y"], mode="wrap")], x, ["y"],
                 [init("p", ints(0, 1, 2, 3, 0, 0, 1, 5))]), x


@case("op18_resize_axes_nearest", 18)
def _resize18():
    x = {"x": rnd(37, 1, 2, 3, 4)}
    return graph([node("Resize", ["x", "", "sc"], ["y"], axes=[2, 3], mode="nearest")], x,
                 ["y"], [init("sc", f32(2.0, 3.0))]), x


@case("op18_resize_keep_aspect_not_larger", 18)
def _resize18k():
    x = {"x": rnd(38, 1, 2, 4, 6)}
    return graph([node("Resize", ["x", "", "", "sz"], ["y"], axes=[2, 3], mode="linear",
                       keep_aspect_ratio_policy="not_larger")], x, ["y"],
                 [init("sz", ints(7, 15))]), x


@case("op18_resize_keep_aspect_not_smaller", 18)
def _resize18s():
    x = {"x": rnd(39, 1, 2, 4, 6)}
    return graph([node("Resize", ["x", "", "", "sz"], ["y"], mode="nearest", axes=[2, 3],
                       keep_aspect_ratio_policy="not_smaller")], x, ["y"],
                 [init("sz", ints(9, 10))]), x


@case("op18_resize_antialias_upscale", 18)
def _resize18a():
    x = {"x": rnd(40, 1, 2, 3, 4)}
    return graph([node("Resize", ["x", "", "sc"], ["y"], mode="linear", antialias=1)], x,
                 ["y"], [init("sc", f32(1, 1, 2, 1.5))]), x


@case("op19_resize_nearest_asymmetric", 19)
def _resize19():
    x = {"x": rnd(41, 1, 2, 3, 4)}
    return graph([node("Resize", ["x", "", "sc"], ["y"], mode="nearest",
                       coordinate_transformation_mode="asymmetric", nearest_mode="floor")],
                 x, ["y"], [init("sc", f32(1, 1, 2, 2))]), x


@case("op19_resize_linear_half_pixel_symmetric", 19)
def _resize19s():
    x = {"x": rnd(43, 1, 2, 5, 7)}
    return graph([node("Resize", ["x", "", "sc"], ["y"], mode="linear",
                       coordinate_transformation_mode="half_pixel_symmetric")],
                 x, ["y"], [init("sc", f32(1, 1, 1.7, 0.6))]), x


@case("op19_resize_cubic_half_pixel_symmetric", 19)
def _resize19c():
    x = {"x": rnd(44, 1, 3, 6, 5)}
    return graph([node("Resize", ["x", "", "", "sz"], ["y"], mode="cubic", cubic_coeff_a=-0.5,
                       coordinate_transformation_mode="half_pixel_symmetric")],
                 x, ["y"], [init("sz", ints(1, 3, 11, 4))]), x


@case("op18_resize_cubic_crop_axes", 18)
def _resize18c():
    x = {"x": rnd(45, 1, 2, 8, 9)}
    return graph([node("Resize", ["x", "roi", "", "sz"], ["y"], mode="cubic", axes=[2, 3],
                       exclude_outside=1, coordinate_transformation_mode="tf_crop_and_resize",
                       extrapolation_value=-3.5)],
                 x, ["y"], [init("roi", f32(-0.2, 0.1, 0.9, 1.3)), init("sz", ints(6, 7))]), x


@case("op21_conv_bn_relu_pool", 21)
def _net21():
    x = {"x": rnd(42, 1, 3, 9, 9)}
    return graph([node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1], strides=[2, 2]),
                  node("BatchNormalization", ["c", "scale", "bias", "mean", "var"], ["b"]),
                  node("Relu", ["b"], ["r"]),
                  node("MaxPool", ["r"], ["p"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
                  node("AveragePool", ["p"], ["q"], kernel_shape=[2, 2], dilations=[1, 1]),
                  node("GlobalMaxPool", ["q"], ["y"])], x, ["y"],
                 [init("w", rnd(43, 3, 3, 3, 3, scale=0.3))] + bn_params(3, 44)), x


@case("op13_convtranspose3d_strided_padded", 13)
def _convt3d():
    # od = (3-1)*2 - 1 - 0 + 1*(3-1) + 1 + 1 = 7, oh = (4-1)*1 - 0 - 1 + 2*(2-1) + 0 + 1 = 5,
    # ow = (5-1)*3 - 2 - 1 + 1*(3-1) + 2 + 1 = 14; bias; Relu fused at -O2
    x = {"x": rnd(60, 2, 4, 3, 4, 5)}
    return graph([node("ConvTranspose", ["x", "w", "b"], ["c"], strides=[2, 1, 3],
                       pads=[1, 0, 2, 0, 1, 1], dilations=[1, 2, 1], output_padding=[1, 0, 2]),
                  node("Relu", ["c"], ["y"])], x, ["y"],
                 [init("w", rnd(61, 4, 3, 3, 2, 3, scale=0.3)), init("b", rnd(62, 3))]), x


@case("op13_convtranspose3d_grouped_output_shape", 13)
def _convt3d_g():
    # groups 2 (6 -> 4 channels), output_shape instead of pads, no bias, then a Sigmoid
    x = {"x": rnd(63, 1, 6, 3, 3, 4)}
    return graph([node("ConvTranspose", ["x", "w"], ["c"], strides=[2, 2, 2], group=2,
                       output_shape=[6, 7, 8]),
                  node("Sigmoid", ["c"], ["y"])], x, ["y"],
                 [init("w", rnd(64, 6, 2, 2, 3, 2, scale=0.3))]), x


@case("op21_shape_ops", 21)
def _shape21():
    x = {"x": rnd(45, 2, 3, 4)}
    return graph([node("Reshape", ["x", "s"], ["r"]),
                  node("Unsqueeze", ["r", "ua"], ["u"]),
                  node("Squeeze", ["u", "ua"], ["q"]),
                  node("Transpose", ["q"], ["t"], perm=[1, 0, 2]),
                  node("Flatten", ["t"], ["f"], axis=1),
                  node("Identity", ["f"], ["i"]),
                  node("Cast", ["i"], ["c"], to=1),
                  node("Shape", ["c"], ["sh"]),
                  node("Reshape", ["c", "sh"], ["y0"]),
                  node("Dropout", ["y0", "ratio", "train"], ["y"])], x, ["y"],
                 [init("s", ints(6, 2, 2)), init("ua", ints(0)), init("ratio", __import__("numpy").float32(0.5).reshape(())),
                  init("train", __import__("numpy").array(False))]), x


@case("op21_elementwise", 21)
def _elt21():
    x = {"x": rnd(46, 2, 3, 4), "z": rnd(47, 3, 1)}
    return graph([node("Add", ["x", "z"], ["a"]), node("Sub", ["a", "x"], ["s"]),
                  node("Mul", ["s", "z"], ["m"]), node("Div", ["m", "k"], ["d"]),
                  node("HardSigmoid", ["d"], ["h"]), node("Pow", ["h", "two"], ["p"]),
                  node("Softmax", ["p"], ["y"], axis=1)], x, ["y"],
                 [init("k", f32(3.0)), init("two", f32(2.0))]), x


# ---- ops lowered onto others: variadic Sum/Max/Min/Mean, Clip with run-time bounds,
# Upsample ----------------------------------------------------------------------------

@case("op13_sum_max_min_mean_broadcast", 13)
def _variadic13():
    x = {"a": rnd(50, 2, 3, 4), "b": rnd(51, 3, 1), "c": rnd(52, 4), "d": rnd(53, 1, 1, 4)}
    return graph([node("Sum", ["a", "b", "c", "d"], ["s"]),
                  node("Max", ["a", "b", "c"], ["mx"]),
                  node("Min", ["c", "a"], ["mn"]),
                  node("Mean", ["a", "b", "c", "d"], ["me"]),
                  node("Max", ["d"], ["one"])], x, ["s", "mx", "mn", "me", "one"]), x


@case("op8_sum_mean_with_constants", 8)
def _variadic8():
    x = {"x": rnd(54, 1, 3, 4, 4)}
    return graph([node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
                  node("Sum", ["c", "x", "k"], ["s"]),
                  node("Mean", ["s", "x"], ["m"]),
                  node("Relu", ["m"], ["y"])], x, ["y"],
                 [init("w", rnd(55, 3, 3, 3, 3, scale=0.3)), init("k", rnd(56, 3, 1, 1))]), x


@case("op6_sum_max_min_same_shape", 6)
def _variadic6():
    x = {"a": rnd(57, 2, 5), "b": rnd(58, 2, 5), "c": rnd(59, 2, 5)}
    return graph([node("Sum", ["a", "b", "c"], ["s"]), node("Max", ["a", "b", "c"], ["mx"]),
                  node("Min", ["a", "b"], ["mn"]), node("Mean", ["a", "b"], ["me"])],
                 x, ["s", "mx", "mn", "me"]), x


@case("op13_clip_runtime_bounds", 13)
def _clip13():
    x = {"x": rnd(60, 2, 3, 4), "lo": f32(-0.5).reshape(()), "hi": f32(0.7).reshape(())}
    return graph([node("Clip", ["x", "lo", "hi"], ["a"]),
                  node("Clip", ["x", "lo"], ["b"]),
                  node("Clip", ["x", "", "hi"], ["c"]),
                  node("Clip", ["x", "k", "hi"], ["d"]),
                  node("Clip", ["x", "lo", "k2"], ["e"]),
                  node("Clip", ["x", "hi", "lo"], ["f"])], x, ["a", "b", "c", "d", "e", "f"],
                 [init("k", f32(-0.2).reshape(())), init("k2", f32(0.1).reshape(()))]), x


@case("op7_upsample_nearest_scales_attribute", 7)
def _up7():
    x = {"x": rnd(61, 1, 2, 3, 4)}
    return graph([node("Upsample", ["x"], ["y"], scales=[1.0, 1.0, 2.0, 3.0], mode="nearest")],
                 x, ["y"]), x


@case("op7_upsample_linear", 7)
def _up7l():
    x = {"x": rnd(62, 1, 2, 3, 4)}
    return graph([node("Upsample", ["x"], ["y"], scales=[1.0, 1.0, 2.0, 2.5], mode="linear")],
                 x, ["y"]), x


@case("op9_upsample_scales_operand", 9)
def _up9():
    x = {"x": rnd(63, 1, 2, 3, 4)}
    return graph([node("Upsample", ["x", "sc"], ["n"], mode="nearest"),
                  node("Upsample", ["x", "sc"], ["l"], mode="linear")], x, ["n", "l"],
                 [init("sc", f32(1, 1, 3, 2))]), x


@case("op13_lrn", 13)
def _lrn13():
    x = {"x": rnd(64, 2, 7, 5, 6)}
    return graph([node("LRN", ["x"], ["a"], size=3, alpha=0.02, beta=0.75, bias=1.5),
                  node("LRN", ["x"], ["b"], size=7),
                  node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
                  node("LRN", ["c"], ["d"], size=5, alpha=0.5, beta=0.6, bias=2.0)],
                 x, ["a", "b", "d"], [init("w", rnd(65, 6, 7, 3, 3, scale=0.3))]), x


@case("op1_lrn", 1)
def _lrn1():
    x = {"x": rnd(66, 1, 6, 3, 3)}
    g = graph([node("LRN", ["x"], ["y"], size=3, alpha=0.1, beta=0.5)], x, ["y"])
    return g, x, g


@case("op15_pow_integer_types", 15)
def _pow15():
    import numpy as np
    x = {"ai": np.array([[-3, -2, 0, 1], [2, 3, 5, 7]], dtype=np.int32),
         "ei": np.array([3, 2, 0, 4], dtype=np.int64),
         "al": np.array([[4, 2, 9, 10], [1, 3, 6, 100]], dtype=np.int64),
         "ef": f32(0.5, 2.5, -1.0, 1.5),   # a positive base: a NaN has no integer
         "af": rnd(67, 2, 3, 4),
         "en": np.array([[[1], [2], [3]]], dtype=np.int32)}
    return graph([node("Pow", ["ai", "ei"], ["a"]),       # int32 ^ int64 -> int32
                  node("Pow", ["al", "ef"], ["b"]),       # int64 ^ f32, truncated
                  node("Pow", ["af", "en"], ["c"]),       # f32 ^ int32, broadcast
                  node("Pow", ["al", "two"], ["d"]),      # int64 ^ constant int64 2
                  node("Pow", ["ai", "three"], ["e"])],   # int32 ^ constant f32 3
                 x, ["a", "b", "c", "d", "e"],
                 [init("two", ints(2).reshape(())), init("three", f32(3).reshape(()))],
                 {"a": np.int32, "b": np.int64, "d": np.int64, "e": np.int32}), x


def bn_train_twin(x, y, stats, eps, mom, c, rank, names):
    """Training-mode BatchNormalization written out at opset 13 (ONNX's definition:
    batch mean and population variance over all dims but 1; running statistics
    stat * momentum + batch * (1 - momentum)) for ONNX Runtime, which has no
    training-mode kernel. names: scale, bias, mean, var, as [C] initializers; stats:
    {onnx result index: output name}, 1/2 running mean/var, 3/4 saved mean/var."""
    axes = [0] + list(range(2, rank))
    p = y + "_"
    bshape = ints(1, c, *([1] * (rank - 2)))
    nodes = [node("ReduceMean", [x], [p + "m"], axes=axes, keepdims=1),
             node("Sub", [x, p + "m"], [p + "d"]), node("Mul", [p + "d", p + "d"], [p + "d2"]),
             node("ReduceMean", [p + "d2"], [p + "v"], axes=axes, keepdims=1),
             node("Add", [p + "v", p + "eps"], [p + "ve"]), node("Sqrt", [p + "ve"], [p + "sd"]),
             node("Reshape", [names[0], p + "bs"], [p + "sc"]),
             node("Reshape", [names[1], p + "bs"], [p + "b"]),
             node("Div", [p + "sc", p + "sd"], [p + "k"]), node("Mul", [p + "d", p + "k"], [p + "dk"]),
             node("Add", [p + "dk", p + "b"], [y]),
             node("Reshape", [p + "m", p + "cs"], [p + "mc"]),
             node("Reshape", [p + "v", p + "cs"], [p + "vc"])]
    for k, out in stats.items():
        batch = p + ("mc" if k in (1, 3) else "vc")
        if k >= 3:
            nodes.append(node("Identity", [batch], [out]))
            continue
        nodes += [node("Mul", [names[1 + k], p + "mo"], [out + "_a"]),
                  node("Mul", [batch, p + "rest"], [out + "_b"]),
                  node("Add", [out + "_a", out + "_b"], [out])]
    inits = [init(p + "eps", f32(eps).reshape(())), init(p + "mo", f32(mom).reshape(())),
             init(p + "rest", f32(1 - mom).reshape(())), init(p + "bs", bshape),
             init(p + "cs", ints(c))]
    return nodes, inits


@case("op15_batchnorm_training_mode", 15)
def _bn15_train():
    import numpy as np
    r = np.random.default_rng(68)
    x = {"x": rnd(69, 2, 3, 4, 5) * 2 + 0.5, "x1": rnd(70, 3, 2, 7),
         "s1": (r.random(2) + 0.5).astype(np.float32)}
    ps = bn_params(3, 71)
    p1 = [init("b1", f32(0.1, -0.2)), init("m1", f32(0.3, -0.1)), init("v1", f32(1.5, 0.7))]
    nodes = [node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y", "rm", "rv"],
                  training_mode=1, epsilon=1e-3, momentum=0.8),
             node("Relu", ["y"], ["z"]),
             # 1-D, a run-time scale, the running var unused, default epsilon and momentum
             node("BatchNormalization", ["x1", "s1", "b1", "m1", "v1"], ["y1", "rm1", ""],
                  training_mode=1)]
    g = graph(nodes, x, ["z", "rm", "rv", "y1", "rm1"], ps + p1)
    t0, i0 = bn_train_twin("x", "y", {1: "rm", 2: "rv"}, 1e-3, 0.8, 3, 4,
                           ["scale", "bias", "mean", "var"])
    t1, i1 = bn_train_twin("x1", "y1", {1: "rm1"}, 1e-5, 0.9, 2, 3, ["s1", "b1", "m1", "v1"])
    twin = graph(t0 + [node("Relu", ["y"], ["z"])] + t1, x, ["z", "rm", "rv", "y1", "rm1"],
                 ps + p1 + i0 + i1)
    return g, x, twin


@case("op9_batchnorm_training_saved_statistics", 9)
def _bn9_train():
    x = {"x": rnd(72, 3, 4, 3, 3) - 0.3}
    ps = bn_params(4, 73)
    outs = ["y", "rm", "rv", "sm", "sv"]
    g = graph([node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], outs,
                    epsilon=1e-4, momentum=0.7)], x, outs, ps)
    t, i = bn_train_twin("x", "y", {1: "rm", 2: "rv", 3: "sm", 4: "sv"}, 1e-4, 0.7, 4, 4,
                         ["scale", "bias", "mean", "var"])
    return g, x, graph(t, x, outs, ps + i)


@case("op12_maxpool_indices", 12)
def _maxpool_idx():
    import numpy as np
    x = {"x": rnd(74, 2, 3, 7, 8), "x1": rnd(75, 2, 3, 11),
         "q": np.random.default_rng(76).integers(-128, 127, (1, 2, 5, 6)).astype(np.int8)}
    nodes = [node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),   # NHWC at -O2: a barrier
             node("MaxPool", ["c"], ["p", "i"], kernel_shape=[3, 3], strides=[2, 2],
                  pads=[1, 1, 1, 1]),
             node("Relu", ["p"], ["r"]),
             node("MaxPool", ["x"], ["p2", "i2"], kernel_shape=[2, 3], strides=[1, 2],
                  dilations=[2, 1], storage_order=1, ceil_mode=1),
             node("MaxPool", ["x1"], ["p1", "i1"], kernel_shape=[3], strides=[2], pads=[1, 0]),
             node("MaxPool", ["q"], ["pq", "iq"], kernel_shape=[2, 2], auto_pad="SAME_UPPER"),
             node("MaxPool", ["q"], ["pq2"], kernel_shape=[3, 2], strides=[2, 1])]
    x["x3"] = rnd(79, 1, 2, 5, 6, 7)
    nodes += [node("MaxPool", ["x3"], ["p3", "i3"], kernel_shape=[2, 3, 2], strides=[2, 1, 2],
                   pads=[1, 0, 1, 0, 1, 1]),
              node("MaxPool", ["x3"], ["p4", "i4"], kernel_shape=[3, 2, 2], dilations=[1, 2, 1],
                   storage_order=1, ceil_mode=1, strides=[2, 2, 2])]
    outs = ["r", "i", "p2", "i2", "p1", "i1", "pq", "iq", "pq2", "p3", "i3", "p4", "i4"]
    i64 = {o: np.int64 for o in ["i", "i2", "i1", "iq", "i3", "i4"]}
    i64.update({"pq": np.int8, "pq2": np.int8})
    return graph(nodes, x, outs, [init("w", rnd(77, 4, 3, 3, 3, scale=0.3))], i64), x


@case("op13_max_min_uint32_uint64", 13)
def _maxmin_ints():
    import numpy as np
    from onnx import TensorProto
    r = np.random.default_rng(78)
    big = np.array([1, 2 ** 63 + 5, 2 ** 64 - 1, 7, 2 ** 63 - 1, 3], dtype=np.uint64)
    # (ONNX Runtime has no int16/uint16 Max/Min: the node tests cover those)
    x = {"au32": r.integers(0, 2 ** 32 - 1, (2, 3)).astype(np.uint32),
         "bu32": np.array([2 ** 31 + 1, 5, 2 ** 32 - 2], dtype=np.uint32),
         "au64": big.reshape(2, 3), "bu64": big[::-1].copy().reshape(2, 3)}
    nodes, outs, dts = [], [], {}
    for t, dt in (("u32", np.uint32), ("u64", np.uint64)):
        for op in ("Max", "Min"):
            o = op.lower() + t
            nodes.append(node(op, ["a" + t, "b" + t], [o]))
            outs.append(o)
            dts[o] = dt
    nodes += [node("Cast", ["au64"], ["f"], to=TensorProto.FLOAT),  # above 2^63 too
              node("Abs", ["au64"], ["ab"]), node("Div", ["au64", "bu64"], ["dv"])]
    outs += ["f", "ab", "dv"]
    dts.update({"ab": np.uint64, "dv": np.uint64})
    return graph(nodes, x, outs, (), dts), x


# ---- generation ---------------------------------------------------------------------

def make_model(g, opset):
    from onnx import helper
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="convc-opset_tests")
    m.ir_version = 7
    return m


def ort_outputs(model, inputs, work):
    """ONNX Runtime's outputs of `model` for `inputs` (dict, graph order)."""
    import numpy as np
    import onnx
    path = os.path.join(work, "ort_model.onnx")
    onnx.save(model, path)
    cmd = ["node", ORT_RUN, path]
    for k, (n, a) in enumerate(inputs.items()):
        p = os.path.join(work, "ort_in%d.npy" % k)
        np.save(p, a)
        cmd += ["-i", p]
    outs = [os.path.join(work, "ort_out%d.npy" % k) for k in range(len(model.graph.output))]
    for p in outs:
        cmd += ["-o", p]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("ONNX Runtime: " + r.stderr.strip().splitlines()[-1])
    return [np.load(p) for p in outs]


def write_case(data, name, opset, build, work):
    import onnx
    from onnx import numpy_helper
    built = build()
    g, inputs = built[0], built[1]
    model = make_model(g, opset)  # (onnx 1.12's checker knows opsets up to 17 only)
    ref_model = make_model(built[2], 13) if len(built) > 2 else model
    outs = ort_outputs(ref_model, inputs, work)
    d = os.path.join(data, name)
    ds = os.path.join(d, "test_data_set_0")
    os.makedirs(ds)
    onnx.save(model, os.path.join(d, "model.onnx"))
    for k, a in enumerate(inputs.values()):
        with open(os.path.join(ds, "input_%d.pb" % k), "wb") as f:
            f.write(numpy_helper.from_array(a).SerializeToString())
    for k, a in enumerate(outs):
        with open(os.path.join(ds, "output_%d.pb" % k), "wb") as f:
            f.write(numpy_helper.from_array(a).SerializeToString())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--convc", default=os.path.join(ROOT, "build", "convc"))
    ap.add_argument("--work", required=True)
    ap.add_argument("--filter", default=None, metavar="REGEX")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    try:
        import numpy  # noqa: F401
        import onnx  # noqa: F401
    except ImportError as e:
        print("opset_tests: SKIP: %s (use /usr/bin/python3)" % e)
        return SKIP
    if not shutil.which("node") or not os.path.isdir(
            os.path.join(ROOT, "models", "node_modules", "onnxruntime-node")):
        print("opset_tests: SKIP: needs node and onnxruntime-node in models/node_modules "
              "(models/make_models.py installs it)")
        return SKIP
    work = os.path.abspath(a.work)
    data = os.path.join(work, "data")
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(os.path.join(data, "opsets"))
    picked = [c for c in CASES if not a.filter or re.search(a.filter, c[0])]
    for name, opset, build in picked:
        try:
            write_case(os.path.join(data, "opsets"), name, opset, build, work)
        except RuntimeError as e:
            print("opset_tests: FAIL: %s: no reference: %s" % (name, e))
            return 1
    print("opset_tests: %d cases written, references from ONNX Runtime" % len(picked),
          flush=True)
    cmd = [sys.executable, os.path.join(HERE, "run_node_tests.py"), "--convc", a.convc,
           "--runtime", os.path.join(ROOT, "backends", "c", "runtime"),
           "--work", os.path.join(work, "run"), "--data", data,
           "--known-failures", os.devnull, "--list-unsupported", "opsets"]
    if a.verbose:
        cmd.append("-v")
    r = subprocess.run(cmd, capture_output=True, text=True)
    print(r.stdout, end="")
    print(r.stderr, end="", file=sys.stderr)
    m = re.search(r"^\s*opsets\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", r.stdout, re.M)
    if not m:
        print("opset_tests: FAIL: no summary from run_node_tests.py (exit %d)" % r.returncode)
        return 1
    attempted, passed, _, _, unsupported = map(int, m.groups())
    if r.returncode != 0 or passed != len(picked) or unsupported:
        print("opset_tests: FAIL: %d of %d cases passed (%d attempted, %d refused by convc)"
              % (passed, len(picked), attempted, unsupported))
        for line in r.stdout.splitlines():
            if line.startswith("UNSUPPORTED") or line.startswith("FAIL"):
                print("  " + line)
        return 1
    print("opset_tests: all %d cases passed" % passed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
