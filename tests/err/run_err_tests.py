#!/usr/bin/python3
"""Bad-input tests for convc's error contract.

Every error convc reports is exactly one line on stderr,
    FILE: error: what, where
with a non-zero exit status, no crash, no sanitizer report (the suite is meant
to run against an AddressSanitizer + UBSan build, where a leak or undefined
behaviour shows up on stderr) and no partial output: the -o directory must not
exist afterwards. Exit codes:
    0  success
    1  bad input or I/O error (malformed/truncated/empty ONNX, missing file,
       unpinned dynamic dim, invalid model, output not creatable)
    2  command-line usage error: unknown option, bad -O level, no -o, and an
       --input-shape value that does not parse (non-numeric dim), which is
       detected before the model is read ("convc: error: ..." is accepted).
       An --input-shape that parses but does not fit the model (unknown input
       name, wrong rank) is exit 1 with the model as FILE: it is an
       inconsistency between the option and the model (CV_ERR_INPUT in
       include/convc/onnx.h), found only after reading the model.
    3  valid model using something convc does not support; the message lists
       every unsupported op type with its count ("Foo x2, Bar x1").

Each case generates its input files under --work (deterministically, onnx
models are built with onnx.helper), runs convc once and checks: the exit code,
no crash/sanitizer output, stderr is one line "^FILE: error: " where FILE is the
path as given (or its basename), the key facts of the case appear in that line,
and WORK/out_<case> does not exist afterwards.

    run_err_tests.py --convc build/convc --work /tmp/err            # all cases
    run_err_tests.py --convc build/convc --work /tmp/err --case empty_file
    run_err_tests.py --list

Run with the Debian system python (/usr/bin/python3: onnx, numpy).
"""

import argparse
import os
import random
import re
import shutil
import subprocess
import sys

SKIP = 77
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer",
                     "UndefinedBehaviorSanitizer", "runtime error")
EMITTED_FILES = ("model.c", "model.h", "cvrt_isa.c", "cvrt.h", "main.c",
                 "weights.bin", "Makefile")

USAGE, BAD_INPUT, UNSUPPORTED = 2, 1, 3


# ---------------------------------------------------------------------------
# model builders (onnx.helper; imported lazily so that --list needs no onnx)

def conv_relu_model(batch=1, out_channels=16, seed=1):
    """data [batch,3,8,8] -> Conv 3x3 pad 1 (weights in an initializer) -> Relu.

    batch may be a string: a dim_param (dynamic dim)."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(seed)
    w = numpy_helper.from_array(
        rng.standard_normal((out_channels, 3, 3, 3)).astype(np.float32), "W")
    b = numpy_helper.from_array(
        rng.standard_normal((out_channels,)).astype(np.float32), "B")
    nodes = [
        helper.make_node("Conv", ["data", "W", "B"], ["c"], kernel_shape=[3, 3],
                         pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["out"]),
    ]
    g = helper.make_graph(
        nodes, "conv_relu",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, [batch, 3, 8, 8])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT,
                                       [batch, out_channels, 8, 8])],
        [w, b])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def unsupported_ops_model():
    """Relu, then two LpNormalization and one Hardmax: all valid ONNX ops that
    convc does not implement."""
    from onnx import TensorProto, helper
    nodes = [
        helper.make_node("Relu", ["x"], ["r"]),
        helper.make_node("LpNormalization", ["r"], ["n1"], axis=1, p=2),
        helper.make_node("LpNormalization", ["n1"], ["n2"], axis=-1, p=1),
        helper.make_node("Hardmax", ["n2"], ["y"], axis=-1),
    ]
    g = helper.make_graph(
        nodes, "unsupported_ops",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 4])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def double_input_model():
    """A Relu on a float64 tensor: a dtype convc does not support."""
    from onnx import TensorProto, helper
    g = helper.make_graph(
        [helper.make_node("Relu", ["x64"], ["y64"])], "double_relu",
        [helper.make_tensor_value_info("x64", TensorProto.DOUBLE, [1, 4])],
        [helper.make_tensor_value_info("y64", TensorProto.DOUBLE, [1, 4])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def undefined_tensor_model():
    """Invalid: Add reads 'ghost', which no node, input or initializer defines."""
    from onnx import TensorProto, helper
    g = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["r"]),
         helper.make_node("Add", ["r", "ghost"], ["y"])], "undefined_tensor",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def conv_attr_model(op="Conv", wshape=(4, 3, 3, 3), xshape=(1, 3, 8, 8), **attrs):
    """data -> one Conv/ConvTranspose (weight W of wshape) named 'conv0' with
    the given attributes. Declared output shape is [] (rank unknown to the
    checker would reject nothing): convc infers it."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper
    w = numpy_helper.from_array(np.ones(wshape, np.float32), "W")
    g = helper.make_graph(
        [helper.make_node(op, ["data", "W"], ["out"], name="conv0", **attrs)],
        "conv_attrs",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, list(xshape))],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)], [w])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def pool_attr_model(op="MaxPool", xshape=(1, 3, 8, 8), **attrs):
    """data [1,3,8,8] (or xshape) -> one MaxPool/AveragePool named 'pool0'."""
    from onnx import TensorProto, helper
    g = helper.make_graph(
        [helper.make_node(op, ["data"], ["out"], name="pool0", **attrs)], "pool_attrs",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, list(xshape))],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def initializer_model(tensor):
    """data [1,4] + initializer tensor -> Add -> out."""
    from onnx import TensorProto, helper
    g = helper.make_graph(
        [helper.make_node("Add", ["data", tensor.name], ["out"], name="add0")], "init",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)], [tensor])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def raw_tensor(name, dims, nbytes):
    """A float TensorProto claiming dims with only nbytes of raw_data."""
    from onnx import TensorProto
    t = TensorProto()
    t.name = name
    t.data_type = TensorProto.FLOAT
    t.dims.extend(dims)
    t.raw_data = bytes(nbytes)
    return t


def relu_graph_model(nodes, name="graph"):
    """Nodes over input data [1,4] and output out (checker not run)."""
    from onnx import TensorProto, helper
    g = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 4])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def save(model, path, check=True):
    import onnx
    if check:
        onnx.checker.check_model(model)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    return path


def assert_unparseable(data):
    """Make sure a generated bad file really is not a parseable ONNX model."""
    import onnx
    try:
        m = onnx.ModelProto()
        m.ParseFromString(data)
    except Exception:
        return
    raise AssertionError("generated bytes unexpectedly parse as a ModelProto")


# ---------------------------------------------------------------------------
# cases: each returns a Spec built from (ctx) where ctx has .dir (the case's
# input directory), .out (WORK/out_<case>)

class Spec:
    def __init__(self, argv, exit, files, keys=(), post=None, success=False,
                 mentions=()):
        self.argv = argv          # convc arguments
        self.exit = exit          # expected exit status
        self.files = files        # accepted FILE prefixes of the error line
        self.keys = keys          # regexes (case-insensitive) the message after
                                  # "FILE: error: " must match (not the file name)
        self.mentions = mentions  # regexes the whole line must match
        self.post = post          # extra check: fn() -> None or problem text
        self.success = success


CASES = {}


def case(name, doc):
    def reg(fn):
        fn.doc = doc
        CASES[name] = fn
        return fn
    return reg


@case("valid_model", "the model the truncated case cuts in half compiles (exit 0)")
def _valid(c):
    m = save(conv_relu_model(), os.path.join(c.dir, "valid.onnx"))
    return Spec([m, "-o", c.out], 0, [m], success=True)


@case("truncated", "first half of a valid model -> exit 1, 'truncated'/'not a valid ONNX'")
def _truncated(c):
    with open(save(conv_relu_model(), os.path.join(c.dir, "valid.onnx")), "rb") as f:
        data = f.read()
    half = data[:len(data) // 2]
    assert_unparseable(half)
    m = os.path.join(c.dir, "truncated.onnx")
    with open(m, "wb") as f:
        f.write(half)
    return Spec([m, "-o", c.out], BAD_INPUT, [m],
                [r"truncat|unexpected end|end of (file|data|input)|not a valid onnx"])


@case("garbage", "4 KiB of seeded random bytes -> exit 1, 'not a valid ONNX'/'truncated'")
def _garbage(c):
    rnd = random.Random(20240607)
    data = bytes(rnd.getrandbits(8) for _ in range(4096))
    assert_unparseable(data)
    m = os.path.join(c.dir, "garbage.onnx")
    with open(m, "wb") as f:
        f.write(data)
    return Spec([m, "-o", c.out], BAD_INPUT, [m],
                [r"not a valid onnx|truncat|malformed|corrupt"])


@case("empty_file", "a 0-byte .onnx -> exit 1, 'empty'")
def _empty(c):
    m = os.path.join(c.dir, "empty.onnx")
    open(m, "wb").close()
    return Spec([m, "-o", c.out], BAD_INPUT, [m],
                [r"empty|no graph|not a valid onnx"])


@case("unsupported_ops", "2x LpNormalization + 1x Hardmax -> exit 3 listing both with counts")
def _unsupported(c):
    m = save(unsupported_ops_model(), os.path.join(c.dir, "unsupported_ops.onnx"))
    return Spec([m, "-o", c.out], UNSUPPORTED, [m],
                [r"unsupported", r"\bLpNormalization x2\b", r"\bHardmax x1\b"])


@case("unsupported_dtype", "Relu on a float64 input -> exit 3 naming the dtype")
def _dtype(c):
    m = save(double_input_model(), os.path.join(c.dir, "double.onnx"))
    return Spec([m, "-o", c.out], UNSUPPORTED, [m], [r"double|float64"])


def typed_model(nodes, inputs, outputs, inits=(), opset=13):
    """A graph of the given nodes; inputs/outputs are (name, TensorProto type, dims)."""
    from onnx import helper
    g = helper.make_graph(nodes, "typed",
                          [helper.make_tensor_value_info(n, t, d) for n, t, d in inputs],
                          [helper.make_tensor_value_info(n, t, d) for n, t, d in outputs],
                          list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


@case("string_input", "a string graph input -> exit 3 naming the type and the dtypes convc runs")
def _string_input(c):
    from onnx import TensorProto as T, helper
    m = save(typed_model([helper.make_node("Identity", ["s"], ["y"], name="id0")],
                         [("s", T.STRING, [2])], [("y", T.STRING, [2])]),
             os.path.join(c.dir, "string.onnx"))
    return Spec([m, "-o", c.out], UNSUPPORTED, [m], [r"'s'", r"\bstring\b", r"int64", r"bool"])


@case("cast_to_string", "Cast of a run-time float32 tensor to string -> exit 3")
def _cast_string(c):
    from onnx import TensorProto as T, helper
    m = save(typed_model([helper.make_node("Cast", ["x"], ["y"], name="cast0", to=T.STRING)],
                         [("x", T.FLOAT, [2])], [("y", T.STRING, [2])]),
             os.path.join(c.dir, "cast_string.onnx"))
    return Spec([m, "-o", c.out], UNSUPPORTED, [m], [r"\bcast0\b", r"casts to string"])


@case("conv_float64", "Conv on a float64 input and weight (a double model) -> exit 3: float16 and "
                      "bfloat16 models compute in float32, float64 ones are refused")
def _conv_f64(c):
    import numpy as np
    from onnx import TensorProto as T, helper, numpy_helper
    w = numpy_helper.from_array(np.ones((2, 1, 1, 1), dtype=np.float64), "w")
    m = save(typed_model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv0")],
                         [("x", T.DOUBLE, [1, 1, 2, 2])], [("y", T.DOUBLE, [1, 2, 2, 2])],
                         [w]),
             os.path.join(c.dir, "conv_f64.onnx"))
    return Spec([m, "-o", c.out], UNSUPPORTED, [m],
                [r"\bconv0\b", r"operand 0 is float64", r"Conv in float32", r"not in float64"])


@case("half_initializer_truncated", "a float16 model whose Conv weight holds 3 bytes for 2 "
                                    "elements -> exit 1 naming the initializer")
def _half_init_truncated(c):
    from onnx import TensorProto as T, helper
    w = helper.make_tensor("w16", T.FLOAT16, [2, 1, 1, 1], b"\x00\x3c\x00\x3c", raw=True)
    w.raw_data = b"\x00\x3c\x00"  # one byte short
    m = save(typed_model([helper.make_node("Conv", ["x", "w16"], ["y"], name="conv0")],
                         [("x", T.FLOAT16, [1, 1, 2, 2])], [("y", T.FLOAT16, [1, 2, 2, 2])],
                         [w]),
             os.path.join(c.dir, "half_trunc.onnx"), check=False)
    return Spec([m, "-o", c.out], BAD_INPUT, [m], [r"'w16'", r"\b3\b|bytes"])


@case("half_mixed_operands", "Add of a float16 Conv result and a float32 input (invalid: ONNX "
                             "requires one type) -> exit 1 naming the node and both dtypes")
def _half_mixed(c):
    import numpy as np
    from onnx import TensorProto as T, helper, numpy_helper
    w = numpy_helper.from_array(np.ones((1, 1, 1, 1), dtype=np.float16), "w")
    m = save(typed_model([helper.make_node("Conv", ["x", "w"], ["c"], name="conv0"),
                          helper.make_node("Add", ["c", "z"], ["y"], name="add0")],
                         [("x", T.FLOAT16, [1, 1, 2, 2]), ("z", T.FLOAT, [1, 1, 2, 2])],
                         [("y", T.FLOAT16, [1, 1, 2, 2])], [w]),
             os.path.join(c.dir, "half_mixed.onnx"), check=False)
    return Spec([m, "-o", c.out], BAD_INPUT, [m], [r"\badd0\b", r"f32|float32", r"f16|float16|one type"])


@case("where_float_condition", "Where whose condition is float32 -> exit 1 (invalid model)")
def _where_float(c):
    from onnx import TensorProto as T, helper
    m = save(typed_model([helper.make_node("Where", ["c", "a", "a"], ["y"], name="where0")],
                         [("c", T.FLOAT, [2]), ("a", T.INT64, [2])], [("y", T.INT64, [2])]),
             os.path.join(c.dir, "where.onnx"), check=False)
    return Spec([m, "-o", c.out], BAD_INPUT, [m], [r"\bwhere0\b", r"condition is f32, not bool"])


@case("invalid_graph", "a node reads an undefined tensor -> exit 1 naming it")
def _invalid(c):
    m = save(undefined_tensor_model(), os.path.join(c.dir, "undefined_tensor.onnx"),
             check=False)
    return Spec([m, "-o", c.out], BAD_INPUT, [m], [r"\bghost\b"])


DYN_DIM = r"(dim|dimension|axis)\D{0,12}\b0\b"


def dynamic_model(c):
    return save(conv_relu_model(batch="N", out_channels=4),
                os.path.join(c.dir, "dynamic.onnx"))


@case("dynamic_dim", "input 'data' [N,3,8,8] unpinned -> exit 1 naming input, 'dynamic', dim 0")
def _dynamic(c):
    m = dynamic_model(c)
    return Spec([m, "-o", c.out], BAD_INPUT, [m], [r"\bdata\b", r"dynamic", DYN_DIM])


@case("dynamic_dim_pinned", "the same model with --input-shape data=2,3,8,8 -> exit 0")
def _dynamic_pinned(c):
    m = dynamic_model(c)
    return Spec([m, "--input-shape", "data=2,3,8,8", "-o", c.out], 0, [m],
                success=True)


@case("shape_wrong_rank", "--input-shape data=2,3,8 (rank 3 for rank 4) -> exit 1")
def _shape_rank(c):
    m = dynamic_model(c)
    return Spec([m, "--input-shape", "data=2,3,8", "-o", c.out], BAD_INPUT, [m],
                [r"\bdata\b", r"rank|dims|dimensions"])


@case("shape_unknown_input", "--input-shape nosuch=2,3,8,8 -> exit 1 naming 'nosuch'")
def _shape_name(c):
    m = dynamic_model(c)
    return Spec([m, "--input-shape", "nosuch=2,3,8,8", "-o", c.out], BAD_INPUT, [m],
                [r"\bnosuch\b"])


@case("shape_non_numeric", "--input-shape data=2,x,8,8 -> exit 2 (FILE may be 'convc')")
def _shape_num(c):
    m = dynamic_model(c)
    return Spec([m, "--input-shape", "data=2,x,8,8", "-o", c.out], USAGE,
                [m, "convc"], [r"input-shape", r"2,x,8,8|'x'|\"x\"|numer|integer|number"])


@case("missing_file", "a path that does not exist -> exit 1")
def _missing(c):
    m = os.path.join(c.dir, "does_not_exist.onnx")
    return Spec([m, "-o", c.out], BAD_INPUT, [m],
                [r"no such file|not found|does not exist|(cannot|can't|could not|"
                 r"failed to|unable to) (open|read)"])


@case("directory_as_model", "a directory instead of a model file -> exit 1, 'directory'")
def _directory(c):
    m = os.path.join(c.dir, "a_directory.onnx")
    os.makedirs(m)
    return Spec([m, "-o", c.out], BAD_INPUT, [m], [r"directory|not a regular file"])


def unchanged_file(path, data):
    def check():
        if not os.path.isfile(path):
            return "%s is no longer a regular file" % path
        with open(path, "rb") as f:
            if f.read() != data:
                return "%s was modified" % path
        return None
    return check


@case("output_not_creatable", "-o under a regular file (parent is not a directory) -> exit 1")
def _out_parent(c):
    m = save(conv_relu_model(), os.path.join(c.dir, "valid.onnx"))
    blocker = os.path.join(c.dir, "blocker_file")
    with open(blocker, "wb") as f:
        f.write(b"not a directory\n")
    out = os.path.join(blocker, "out")
    c.out_checked = out
    return Spec([m, "-o", out], BAD_INPUT, [m, out, blocker],
                [r"not a directory|(cannot|can't|could not|failed to|unable to) create"],
                post=unchanged_file(blocker, b"not a directory\n"),
                mentions=[r"blocker_file"])


@case("output_is_file", "-o names an existing regular file -> exit 1, file untouched")
def _out_file(c):
    m = save(conv_relu_model(), os.path.join(c.dir, "valid.onnx"))
    target = os.path.join(c.dir, "existing_file")
    with open(target, "wb") as f:
        f.write(b"keep me\n")
    c.out_checked = None   # the path exists before and must survive unchanged
    return Spec([m, "-o", target], BAD_INPUT, [m, target],
                post=unchanged_file(target, b"keep me\n"),
                mentions=[r"existing_file"])


@case("usage_no_args", "no arguments -> exit 2")
def _no_args(c):
    return Spec([], USAGE, ["convc"])


@case("usage_missing_value", "-o without its value -> exit 2 naming -o")
def _no_value(c):
    m = save(conv_relu_model(), os.path.join(c.dir, "valid.onnx"))
    return Spec([m, "-o"], USAGE, ["convc", m], [r"-o\b"])


@case("usage_bad_opt_level", "-O7 -> exit 2 naming it")
def _bad_opt(c):
    m = save(conv_relu_model(), os.path.join(c.dir, "valid.onnx"))
    return Spec([m, "-O7", "-o", c.out], USAGE, ["convc", m], [r"-?O7"])


@case("usage_unknown_option", "--frobnicate -> exit 2 naming it")
def _bad_option(c):
    m = save(conv_relu_model(), os.path.join(c.dir, "valid.onnx"))
    return Spec([m, "--frobnicate", "-o", c.out], USAGE, ["convc", m], [r"--frobnicate"])


# ---- --input-value NAME=FILE.npy --------------------------------------------

def reshape_input_model():
    """x [2,24,5] -> Reshape whose shape is the int64 graph input 'shape' [4] -> Relu."""
    from onnx import TensorProto, helper
    g = helper.make_graph(
        [helper.make_node("Reshape", ["x", "shape"], ["r"], name="reshape0"),
         helper.make_node("Relu", ["r"], ["y"], name="relu0")], "reshape_input",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 24, 5]),
         helper.make_tensor_value_info("shape", TensorProto.INT64, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3, 8, 5])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def value_case(c, value, fname="value.npy", name="shape"):
    """The Reshape model and --input-value NAME=FILE, FILE holding `value`
    (a numpy array, or bytes written as they are, or None: no file)."""
    import numpy as np
    m = save(reshape_input_model(), os.path.join(c.dir, "reshape_input.onnx"))
    f = os.path.join(c.dir, fname)
    if isinstance(value, bytes):
        with open(f, "wb") as fh:
            fh.write(value)
    elif value is not None:
        np.save(f, value)
    return m, f, ["--input-value", "%s=%s" % (name, f), "-o", c.out]


@case("input_value_needed", "Reshape shape from an int64 graph input, no --input-value -> "
      "exit 3 naming the input and suggesting the flag")
def _iv_needed(c):
    m = save(reshape_input_model(), os.path.join(c.dir, "reshape_input.onnx"))
    return Spec([m, "-o", c.out], UNSUPPORTED, [m],
                [r"\bshape\b", r"int64", r"--input-value shape="])


@case("input_value_ok", "the same model with --input-value shape=[2,3,-1,5] (int64) -> exit 0")
def _iv_ok(c):
    import numpy as np
    m, f, args = value_case(c, np.array([2, 3, -1, 5], dtype=np.int64))
    return Spec([m] + args, 0, [m], success=True)


@case("input_value_int32", "an int32 value for the int64 input converts -> exit 0")
def _iv_int32(c):
    import numpy as np
    m, f, args = value_case(c, np.array([2, 3, -1, 5], dtype=np.int32))
    return Spec([m] + args, 0, [m], success=True)


@case("input_value_unknown_input", "--input-value nosuch=FILE -> exit 1 naming 'nosuch'")
def _iv_unknown(c):
    import numpy as np
    m, f, args = value_case(c, np.array([2, 3, -1, 5], dtype=np.int64), name="nosuch")
    return Spec([m] + args, BAD_INPUT, [m], [r"\bnosuch\b", r"not a graph input"])


@case("input_value_wrong_dtype", "a float32 value for the int64 input -> exit 1 naming both")
def _iv_dtype(c):
    import numpy as np
    m, f, args = value_case(c, np.array([2, 3, -1, 5], dtype=np.float32))
    return Spec([m] + args, BAD_INPUT, [m], [r"\bshape\b", r"f32|float32", r"int64"])


@case("input_value_wrong_shape", "a 3-element value for the [4] input -> exit 1 naming the dim")
def _iv_shape(c):
    import numpy as np
    m, f, args = value_case(c, np.array([2, 3, -1], dtype=np.int64))
    return Spec([m] + args, BAD_INPUT, [m], [r"\bshape\b", r"dim 0", r"\b3\b", r"\b4\b"])


@case("input_value_float64", "a float64 .npy -> exit 1 naming the file and the dtype")
def _iv_f8(c):
    import numpy as np
    m, f, args = value_case(c, np.array([2, 3, -1, 5], dtype=np.float64))
    return Spec([m] + args, BAD_INPUT, [f], [r"\bshape\b", r"dtype", r"<f4|float32"])


@case("input_value_missing_file", "--input-value shape=FILE that does not exist -> exit 1")
def _iv_missing(c):
    m, f, args = value_case(c, None)
    return Spec([m] + args, BAD_INPUT, [f], [r"\bshape\b", r"cannot open|no such file"])


@case("input_value_malformed", "a .npy with a good magic and a cut header -> exit 1")
def _iv_malformed(c):
    m, f, args = value_case(c, b"\x93NUMPY\x01\x00\x40\x00{'descr': '<i8'")
    return Spec([m] + args, BAD_INPUT, [f], [r"\bshape\b", r"not a \.npy|header"])


@case("input_value_truncated", "a .npy whose data is shorter than its shape -> exit 1")
def _iv_truncated(c):
    import io
    import numpy as np
    buf = io.BytesIO()
    np.save(buf, np.array([2, 3, -1, 5], dtype=np.int64))
    m, f, args = value_case(c, buf.getvalue()[:-8])
    return Spec([m] + args, BAD_INPUT, [f], [r"\bshape\b", r"truncated"])


@case("input_value_no_file", "--input-value shape (no '=FILE') -> exit 2")
def _iv_usage(c):
    m = save(reshape_input_model(), os.path.join(c.dir, "reshape_input.onnx"))
    return Spec([m, "--input-value", "shape", "-o", c.out], USAGE, ["convc", m],
                [r"--input-value", r"NAME=FILE"])


# ---- opsets: what convc refuses at the opsets it reads -----------------------

def one_node_model(op, ins, opset, inits=(), xshape=(1, 2, 4, 4), n_out=1, **attrs):
    """x -> one node named 'n0' (operands: x, then `ins`, initializers `inits`)."""
    from onnx import TensorProto, helper
    outs = ["y"] + ["y%d" % k for k in range(1, n_out)]
    g = helper.make_graph(
        [helper.make_node(op, ["x"] + list(ins), outs, name="n0", **attrs)], "one_node",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(xshape))],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs],
        list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7
    return m


def np_init(name, values, dtype):
    import numpy as np
    from onnx import numpy_helper
    return numpy_helper.from_array(np.array(values, dtype=dtype), name)


@case("opset_too_new", "a Relu model at opset 22 -> exit 3 naming the opset and the range")
def _opset22(c):
    m = save(one_node_model("Relu", [], 22), os.path.join(c.dir, "op22.onnx"), check=False)
    return Spec([m, "-o", c.out], UNSUPPORTED, [m], [r"opset 22", r"\b1 to 21\b"])


@case("opset1_tile", "Tile-1 (tiles and axis operands) -> exit 3 naming the node and opset")
def _tile1(c):
    m = save(one_node_model("Tile", ["t", "a"], 1,
                            [np_init("t", 2, "int64"), np_init("a", 1, "int64")]),
             os.path.join(c.dir, "tile1.onnx"), check=False)
    return Spec([m, "-o", c.out], UNSUPPORTED, [m], [r"\bn0\b", r"opset 1\b", r"Tile"])


@case("opset18_resize_antialias_down", "Resize-18 antialias=1 downscaling -> exit 3")
def _aa(c):
    m = save(one_node_model("Resize", ["", "sc"], 18, [np_init("sc", [1, 1, 0.5, 0.5], "float32")],
                            mode="linear", antialias=1),
             os.path.join(c.dir, "aa.onnx"), check=False)
    return Spec([m, "-o", c.out], UNSUPPORTED, [m], [r"\bn0\b", r"antialias"])


@case("opset18_resize_half_pixel_symmetric", "Resize-18 half_pixel_symmetric (a Resize-19 mode) -> exit 3")
def _hps(c):
    m = save(one_node_model("Resize", ["", "sc"], 18, [np_init("sc", [1, 1, 2, 2], "float32")],
                            mode="linear", coordinate_transformation_mode="half_pixel_symmetric"),
             os.path.join(c.dir, "hps.onnx"), check=False)
    return Spec([m, "-o", c.out], UNSUPPORTED, [m], [r"\bn0\b", r"half_pixel_symmetric", r"opset 19"])


@case("resize_crop_channels", "Resize tf_crop_and_resize whose roi crops the channels -> exit 3")
def _crop_c(c):
    m = save(one_node_model("Resize", ["roi", "", "sz"], 13,
                            [np_init("roi", [0, 0.5, 0, 0, 1, 1, 1, 1], "float32"),
                             np_init("sz", [1, 2, 4, 4], "int64")],
                            mode="linear", coordinate_transformation_mode="tf_crop_and_resize"),
             os.path.join(c.dir, "crop.onnx"), check=False)
    return Spec([m, "-o", c.out], UNSUPPORTED, [m], [r"\bn0\b", r"roi crops dim 1", r"last two dims"])


@case("resize_scale_nan", "Resize whose scales hold a NaN -> exit 1 naming the node, the scale and the dim")
def _rs_nan(c):
    m = save(one_node_model("Resize", ["", "sc"], 13,
                            [np_init("sc", [1, 1, float("nan"), 2], "float32")]),
             os.path.join(c.dir, "rsnan.onnx"), check=False)
    return Spec([m, "-o", c.out], BAD_INPUT, [m], [r"\bn0\b", r"scale -?nan on dim 2", r"gives no size"])


@case("resize_scale_huge", "Resize by 1e30 (the size overflows int64) -> exit 1 naming the node and the dim")
def _rs_huge(c):
    m = save(one_node_model("Resize", ["", "sc"], 13, [np_init("sc", [1, 1, 2, 1e30], "float32")]),
             os.path.join(c.dir, "rshuge.onnx"), check=False)
    return Spec([m, "-o", c.out], BAD_INPUT, [m], [r"\bn0\b", r"scale 1e\+30 on dim 3", r"gives no size"])


@case("upsample_scale_huge", "Upsample-9 by 1e30 (the size overflows int64) -> exit 1 naming the node and the dim")
def _up_huge(c):
    m = save(one_node_model("Upsample", ["sc"], 9, [np_init("sc", [1, 1, 1e30, 2], "float32")]),
             os.path.join(c.dir, "uphuge.onnx"), check=False)
    return Spec([m, "-o", c.out], BAD_INPUT, [m], [r"\bn0\b", r"scale 1e\+30 on dim 2", r"gives no size"])


@case("opset19_pad_wrap_too_far", "Pad-19 wrap by more than the dim -> exit 3 naming the axis")
def _wrap(c):
    m = save(one_node_model("Pad", ["p"], 19, [np_init("p", [0, 0, 5, 0, 0, 0, 0, 0], "int64")],
                            mode="wrap"),
             os.path.join(c.dir, "wrap.onnx"), check=False)
    return Spec([m, "-o", c.out], UNSUPPORTED, [m], [r"\bn0\b", r"wrap", r"axis 2", r"\b5\b"])


@case("opset13_dropout_training", "Dropout-13 with training_mode true -> exit 3")
def _drop_train(c):
    m = save(one_node_model("Dropout", ["r", "t"], 13, [np_init("r", 0.5, "float32"),
                                                       np_init("t", True, "bool")]),
             os.path.join(c.dir, "drop.onnx"), check=False)
    return Spec([m, "-o", c.out], UNSUPPORTED, [m], [r"\bn0\b", r"training_mode"])


@case("instance_norm_scale_count", "InstanceNormalization whose scale does not have one value per channel -> exit 1")
def _in_count(c):
    m = save(one_node_model("InstanceNormalization", ["s", "b"], 13,
                            [np_init("s", [1.0, 1.0, 1.0], "float32"), np_init("b", [0.0, 0.0], "float32")]),
             os.path.join(c.dir, "inorm.onnx"), check=False)
    return Spec([m, "-o", c.out], BAD_INPUT, [m], [r"\bn0\b", r"scale has 3", r"2 channels"])


@case("pow_bool_exponent", "Pow-15 with a bool exponent (ONNX allows numbers only) -> exit 1")
def _pow_bool(c):
    m = save(one_node_model("Pow", ["e"], 15, [np_init("e", [True, False], "bool")], xshape=(1, 2)),
             os.path.join(c.dir, "pow_bool.onnx"), check=False)
    return Spec([m, "-o", c.out], BAD_INPUT, [m], [r"\bn0\b", r"bool", r"numbers"])


@case("bn_training_channel_count", "training-mode BatchNormalization whose mean has 3 values for 2 channels -> exit 1")
def _bn_train_count(c):
    inits = [np_init("s", [1.0, 1.0], "float32"), np_init("b", [0.0, 0.0], "float32"),
             np_init("m", [0.0, 0.0, 0.0], "float32"), np_init("v", [1.0, 1.0], "float32")]
    m = save(one_node_model("BatchNormalization", ["s", "b", "m", "v"], 15, inits, n_out=3, training_mode=1),
             os.path.join(c.dir, "bn_train.onnx"), check=False)
    return Spec([m, "-o", c.out], BAD_INPUT, [m], [r"\bn0\b", r"3 values", r"2 channels"])


# ---- hostile models: resource limits and contradictory attributes ----------

def attr_case(c, fname, model, keys, exit=BAD_INPUT):
    m = save(model, os.path.join(c.dir, fname), check=False)
    return Spec([m, "-o", c.out], exit, [m], keys)


CONV = r"\bconv0\b"


@case("conv_kernel_shape_zero", "Conv kernel_shape=[0,0] on a 3x3 weight -> exit 1")
def _conv_k0(c):
    return attr_case(c, "conv_k0.onnx", conv_attr_model(kernel_shape=[0, 0]),
                     [CONV, r"kernel_shape", r"3x3|\[3, ?3\]"])


@case("conv_kernel_shape_mismatch", "Conv kernel_shape=[5,5] on a 3x3 weight -> exit 1")
def _conv_k5(c):
    return attr_case(c, "conv_k5.onnx", conv_attr_model(kernel_shape=[5, 5]),
                     [CONV, r"kernel_shape", r"5", r"3x3|\[3, ?3\]"])


@case("conv_negative_pads", "Conv pads=[-1,0,0,0] -> exit 1")
def _conv_negpad(c):
    return attr_case(c, "conv_negpad.onnx", conv_attr_model(pads=[-1, 0, 0, 0]),
                     [CONV, r"pads", r"-1", r">= ?0|negative"])


@case("conv_stride_zero", "Conv strides=[0,1] -> exit 1")
def _conv_s0(c):
    return attr_case(c, "conv_s0.onnx", conv_attr_model(strides=[0, 1]),
                     [CONV, r"strides", r">= ?1|positive|zero"])


@case("conv_stride_zero_same", "Conv strides=[0,0] with auto_pad=SAME_UPPER -> exit 1, no crash")
def _conv_s0_same(c):
    return attr_case(c, "conv_s0_same.onnx",
                     conv_attr_model(strides=[0, 0], auto_pad="SAME_UPPER"),
                     [CONV, r"strides", r">= ?1|positive|zero"])


@case("conv_dilation_zero", "Conv dilations=[1,0] -> exit 1")
def _conv_d0(c):
    return attr_case(c, "conv_d0.onnx", conv_attr_model(dilations=[1, 0]),
                     [CONV, r"dilations", r">= ?1|positive|zero"])


@case("conv_group_zero", "Conv group=0 -> exit 1")
def _conv_g0(c):
    return attr_case(c, "conv_g0.onnx", conv_attr_model(group=0),
                     [CONV, r"group", r"\b0\b"])


@case("conv_group_not_dividing", "Conv group=2 on 3 input channels -> exit 1")
def _conv_g2(c):
    return attr_case(c, "conv_g2.onnx", conv_attr_model(group=2, wshape=(4, 1, 3, 3)),
                     [CONV, r"group", r"\b2\b", r"\b3\b"])


@case("conv_weight_channels", "Conv weight has 2 input channels for a 3-channel input -> exit 1")
def _conv_wc(c):
    return attr_case(c, "conv_wc.onnx", conv_attr_model(wshape=(4, 2, 3, 3)),
                     [CONV, r"\b2\b", r"\b3\b", r"channel"])


@case("convtranspose_stride_zero", "ConvTranspose strides=[0,0] -> exit 1")
def _convt_s0(c):
    return attr_case(c, "convt_s0.onnx",
                     conv_attr_model(op="ConvTranspose", wshape=(3, 4, 3, 3), strides=[0, 0]),
                     [CONV, r"strides", r">= ?1|positive|zero"])


@case("convtranspose_output_padding", "ConvTranspose output_padding=[2,2] with strides 2 -> exit 1")
def _convt_op(c):
    return attr_case(c, "convt_op.onnx",
                     conv_attr_model(op="ConvTranspose", wshape=(3, 4, 3, 3), strides=[2, 2],
                                     output_padding=[2, 2]),
                     [CONV, r"output_padding", r"stride|dilation"])


@case("convtranspose_kernel_shape", "ConvTranspose kernel_shape=[2,2] on a 3x3 weight -> exit 1")
def _convt_k(c):
    return attr_case(c, "convt_k.onnx",
                     conv_attr_model(op="ConvTranspose", wshape=(3, 4, 3, 3), kernel_shape=[2, 2]),
                     [CONV, r"kernel_shape", r"3x3|\[3, ?3\]"])


@case("conv_rank6", "Conv on a rank-6 input (4 spatial dims) -> exit 3")
def _conv_rank6(c):
    return attr_case(c, "conv_rank6.onnx",
                     conv_attr_model(wshape=(2, 3, 1, 1, 1, 1), xshape=(1, 3, 2, 2, 2, 2)),
                     [CONV, r"1-D, 2-D and 3-D", r"rank 6"], exit=UNSUPPORTED)


@case("convtranspose_3d_output_padding", "3-D ConvTranspose output_padding=[2,0,0], strides [2,1,1] -> exit 1")
def _convt_3d_op(c):
    return attr_case(c, "convt_3d_op.onnx",
                     conv_attr_model(op="ConvTranspose", wshape=(3, 2, 2, 2, 2),
                                     xshape=(1, 3, 4, 4, 4), strides=[2, 1, 1],
                                     output_padding=[2, 0, 0]),
                     [CONV, r"output_padding", r"\[2, ?0, ?0\]", r"strides"])


@case("convtranspose_3d_group_not_dividing", "3-D ConvTranspose group=2 on 3 input channels -> exit 1")
def _convt_3d_g(c):
    return attr_case(c, "convt_3d_g2.onnx",
                     conv_attr_model(op="ConvTranspose", wshape=(3, 2, 2, 2, 2),
                                     xshape=(1, 3, 4, 4, 4), group=2),
                     [CONV, r"group", r"\b2\b", r"\b3\b"])


@case("convtranspose_3d_weight_channels", "3-D ConvTranspose weight of 4 input channels on 3 -> exit 1")
def _convt_3d_w(c):
    return attr_case(c, "convt_3d_w.onnx",
                     conv_attr_model(op="ConvTranspose", wshape=(4, 2, 2, 2, 2),
                                     xshape=(1, 3, 4, 4, 4)),
                     [CONV, r"weight", r"\b4\b", r"\b3\b"])


@case("convtranspose_3d_no_output", "3-D ConvTranspose pads 3+3 on input 4, kernel 2 -> exit 1")
def _convt_3d_pads(c):
    return attr_case(c, "convt_3d_pads.onnx",
                     conv_attr_model(op="ConvTranspose", wshape=(3, 2, 2, 2, 2),
                                     xshape=(1, 3, 4, 4, 4), pads=[3, 3, 3, 3, 3, 3]),
                     [CONV, r"pads", r"no output"])


@case("conv1d_pads_count", "Conv on a rank-3 input with 4 pads (2-D's count) -> exit 1")
def _conv1d_pads(c):
    return attr_case(c, "conv1d_pads.onnx",
                     conv_attr_model(wshape=(4, 3, 3), xshape=(1, 3, 8), pads=[1, 1, 1, 1]),
                     [CONV, r"pads", r"\b4\b", r"1 spatial dim"])


@case("conv3d_kernel_shape_mismatch", "Conv kernel_shape=[3,3] on a 3x3x3 weight -> exit 1")
def _conv3d_k(c):
    return attr_case(c, "conv3d_k.onnx",
                     conv_attr_model(wshape=(4, 3, 3, 3, 3), xshape=(1, 3, 4, 4, 4),
                                     kernel_shape=[3, 3]),
                     [CONV, r"kernel_shape", r"\[3, ?3\]", r"\[3, ?3, ?3\]"])


@case("conv3d_group_not_dividing", "Conv group=2 on a rank-5 input of 3 channels -> exit 1")
def _conv3d_g(c):
    return attr_case(c, "conv3d_g2.onnx",
                     conv_attr_model(wshape=(4, 1, 1, 1, 1), xshape=(1, 3, 4, 4, 4), group=2),
                     [CONV, r"group", r"\b2\b", r"\b3\b"])


POOL = r"\bpool0\b"


@case("pool_rank6", "MaxPool on a rank-6 input -> exit 3")
def _pool_rank6(c):
    return attr_case(c, "pool_rank6.onnx",
                     pool_attr_model(xshape=(1, 3, 2, 2, 2, 2), kernel_shape=[1, 1, 1, 1]),
                     [POOL, r"1-D, 2-D and 3-D", r"rank 6"], exit=UNSUPPORTED)


@case("pool3d_kernel_count", "MaxPool on a rank-5 input with a 2-value kernel_shape -> exit 1")
def _pool3d_k(c):
    return attr_case(c, "pool3d_k.onnx",
                     pool_attr_model(xshape=(1, 3, 4, 4, 4), kernel_shape=[2, 2]),
                     [POOL, r"kernel_shape", r"\b3\b", r"rank-5"])


@case("pool_kernel_zero", "MaxPool kernel_shape=[0,2] -> exit 1")
def _pool_k0(c):
    return attr_case(c, "pool_k0.onnx", pool_attr_model(kernel_shape=[0, 2]),
                     [POOL, r"kernel_shape", r">= ?1|positive|zero"])


@case("pool_stride_zero", "AveragePool strides=[0,0] with SAME_UPPER -> exit 1, no crash")
def _pool_s0(c):
    return attr_case(c, "pool_s0.onnx",
                     pool_attr_model(op="AveragePool", kernel_shape=[2, 2], strides=[0, 0],
                                     auto_pad="SAME_UPPER"),
                     [POOL, r"strides", r">= ?1|positive|zero"])


@case("pool_pad_not_smaller", "MaxPool pads=[2,2,2,2] with a 2x2 kernel -> exit 1")
def _pool_pad(c):
    return attr_case(c, "pool_pad.onnx",
                     pool_attr_model(kernel_shape=[2, 2], pads=[2, 2, 2, 2]),
                     [POOL, r"pad", r"kernel"])


@case("pool_negative_pads", "MaxPool pads=[0,-1,0,0] -> exit 1")
def _pool_negpad(c):
    return attr_case(c, "pool_negpad.onnx",
                     pool_attr_model(kernel_shape=[2, 2], pads=[0, -1, 0, 0]),
                     [POOL, r"pads", r"-1"])


@case("dims_overflow", "an input whose dims' product overflows int64 -> exit 1")
def _dims_overflow(c):
    from onnx import TensorProto, helper
    big = 1 << 31
    g = helper.make_graph(
        [helper.make_node("Relu", ["data"], ["out"])], "overflow",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, [big, big, big, 8])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    return attr_case(c, "dims_overflow.onnx", m, [r"\bdata\b", r"too large|overflow"])


@case("initializer_overflow", "an initializer whose dims' product overflows -> exit 1")
def _init_overflow(c):
    t = raw_tensor("W", [1 << 40, 1 << 40], 16)
    return attr_case(c, "init_overflow.onnx", initializer_model(t),
                     [r"\bW\b", r"too large|overflow"])


@case("initializer_2p40", "a 2^40-element initializer with no data -> exit 1, nothing allocated")
def _init_huge(c):
    from onnx import TensorProto
    t = TensorProto()
    t.name = "W"
    t.data_type = TensorProto.FLOAT
    t.dims.extend([1 << 20, 1 << 20])
    t.float_data.extend([0.0] * 4)
    return attr_case(c, "init_2p40.onnx", initializer_model(t),
                     [r"\bW\b", r"1099511627776|2\^40", r"\b4\b"])


@case("initializer_raw_short", "raw_data shorter than the dims claim -> exit 1")
def _init_short(c):
    t = raw_tensor("W", [1 << 16, 1 << 16], 64)
    return attr_case(c, "init_short.onnx", initializer_model(t),
                     [r"\bW\b", r"raw_data", r"\b64\b", r"17179869184"])


@case("fold_huge_constant", "ConstantOfShape [2^31, 2^31] -> exit 1, nothing allocated")
def _fold_huge(c):
    import numpy as np
    from onnx import helper, numpy_helper
    shape = numpy_helper.from_array(np.array([1 << 31, 1 << 31], np.int64), "shape")
    nodes = [helper.make_node("ConstantOfShape", ["shape"], ["big"], name="cos0"),
             helper.make_node("Add", ["data", "big"], ["out"], name="add0")]
    m = relu_graph_model(nodes)
    m.graph.initializer.append(shape)
    return attr_case(c, "fold_huge.onnx", m, [r"\bcos0\b", r"too large|at most|limit"])


@case("prelu_slope_shape", "PRelu slope [3] on data [1,4] (ONNX Runtime refuses it) -> exit 1")
def _prelu_slope(c):
    import numpy as np
    from onnx import helper, numpy_helper
    m = relu_graph_model([helper.make_node("PRelu", ["data", "slope"], ["out"], name="prelu0")])
    m.graph.initializer.append(numpy_helper.from_array(np.ones(3, np.float32), "slope"))
    return attr_case(c, "prelu_slope.onnx", m, [r"\bprelu0\b", r"slope", r"\b3\b", r"broadcast"])


@case("cycle", "two nodes reading each other's results -> exit 1 naming the cycle")
def _cycle(c):
    from onnx import helper
    nodes = [helper.make_node("Add", ["data", "b"], ["a"], name="n_a"),
             helper.make_node("Relu", ["a"], ["b"], name="n_b"),
             helper.make_node("Relu", ["b"], ["out"], name="n_out")]
    return attr_case(c, "cycle.onnx", relu_graph_model(nodes),
                     [r"\bn_a\b", r"'b'", r"cycle|topological|later"])


@case("two_writers", "two nodes write one name -> exit 1 naming it")
def _two_writers(c):
    from onnx import helper
    nodes = [helper.make_node("Relu", ["data"], ["t"], name="w1"),
             helper.make_node("Relu", ["data"], ["t"], name="w2"),
             helper.make_node("Relu", ["t"], ["out"], name="w3")]
    return attr_case(c, "two_writers.onnx", relu_graph_model(nodes),
                     [r"\bw2\b", r"'t'", r"more than once"])


@case("concat_empty_operand", "Concat of 'data' and an empty name -> exit 1 naming the operand")
def _concat_empty(c):
    from onnx import helper
    nodes = [helper.make_node("Concat", ["data", ""], ["out"], name="cat0", axis=1)]
    return attr_case(c, "concat_empty.onnx", relu_graph_model(nodes),
                     [r"\bcat0\b", r"operand 1", r"empty name"])


@case("file_over_2gib", "a (sparse) 2 GiB + 1 byte file -> exit 1 before reading it")
def _over_2gib(c):
    m = os.path.join(c.dir, "huge.onnx")
    with open(m, "wb") as f:
        f.truncate((1 << 31) + 1)   # sparse: no disk space, no read
    return Spec([m, "-o", c.out], BAD_INPUT, [m], [r"2 ?GiB|2147483648", r"2147483649"])


# ---------------------------------------------------------------------------

class Ctx:
    pass


def prefix_regex(files, convc):
    alts = set()
    for f in files:
        if f == "convc":
            alts.update({"convc", convc, os.path.basename(convc)})
        else:
            alts.update({f, os.path.basename(f)})
    return re.compile(r"^(%s): error: \S" % "|".join(
        re.escape(a) for a in sorted(alts, key=len, reverse=True)))


def run_case(name, convc, work, timeout, verbose):
    """Returns a list of problems (empty: passed)."""
    c = Ctx()
    c.dir = os.path.join(work, name)
    c.out = os.path.join(work, "out_" + name)
    c.out_checked = c.out
    shutil.rmtree(c.dir, ignore_errors=True)
    shutil.rmtree(c.out, ignore_errors=True)
    os.makedirs(c.dir)
    spec = CASES[name](c)
    cmd = [convc] + spec.argv
    if verbose:
        print("$ " + " ".join(cmd))
    try:
        # cwd: the case directory, so nothing can land in the caller's cwd.
        p = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                           timeout=timeout, cwd=c.dir)
    except subprocess.TimeoutExpired:
        return ["convc timed out after %ss" % timeout]
    if verbose:
        print("exit %d\nstderr: %s" % (p.returncode, p.stderr.rstrip()))
    probs = []
    err = p.stderr
    lines = [l for l in err.splitlines() if l.strip()]
    if p.returncode < 0:
        probs.append("crashed with signal %d" % -p.returncode)
    if any(m in err for m in SANITIZER_MARKERS):
        probs.append("sanitizer report on stderr: " + next(
            l.strip() for l in lines if any(m in l for m in SANITIZER_MARKERS)))
    if p.returncode != spec.exit:
        probs.append("exit %d, expected %d" % (p.returncode, spec.exit))
    if spec.success:
        errs = [l for l in lines if ": error: " in l]
        if errs:
            probs.append("error line on success: " + errs[0])
        missing = [f for f in EMITTED_FILES if not os.path.isfile(os.path.join(c.out, f))]
        if p.returncode == 0 and missing:
            probs.append("output directory lacks " + ", ".join(missing))
    else:
        rx = prefix_regex(spec.files, convc)
        matching = [l for l in lines if rx.match(l)]
        # One line. Usage errors (exit 2) may add a hint line such as
        # "(run convc --help for usage)", but no second error line.
        extra_ok = spec.exit == USAGE and not any(": error: " in l for l in lines
                                                  if l not in matching)
        if len(matching) != 1 or (len(lines) != 1 and not extra_ok):
            shown = " | ".join(l.strip()[:200] for l in lines[:3]) or "(empty)"
            probs.append("stderr must be exactly one line matching %s; got %d line(s): %s"
                         % (rx.pattern, len(lines), shown))
        if matching:
            body = matching[0][rx.match(matching[0]).end() - 1:]
            for k in spec.keys:
                if not re.search(k, body, re.IGNORECASE):
                    probs.append("message lacks /%s/: %s" % (k, matching[0]))
            for k in spec.mentions:
                if not re.search(k, matching[0], re.IGNORECASE):
                    probs.append("message lacks /%s/: %s" % (k, matching[0]))
        if c.out_checked and os.path.lexists(c.out_checked):
            probs.append("output %s exists afterwards (partial output)" % c.out_checked)
    if spec.post:
        why = spec.post()
        if why:
            probs.append(why)
    if not probs and not verbose:
        shutil.rmtree(c.out, ignore_errors=True)
    return probs


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description="convc bad-input tests")
    ap.add_argument("--convc", default=os.path.join(repo, "build", "convc"))
    ap.add_argument("--work", default=None,
                    help="directory for generated inputs and outputs "
                         "(default: a temporary directory)")
    ap.add_argument("--case", action="append", default=[], metavar="NAME",
                    help="run only this case (repeatable); default all")
    ap.add_argument("--list", action="store_true", help="print the case names")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    if args.list:
        for n, fn in CASES.items():
            print(n if not args.verbose else "%-22s %s" % (n, fn.doc))
        return 0
    for n in args.case:
        if n not in CASES:
            ap.error("unknown case %r (see --list)" % n)
    try:
        import onnx  # noqa: F401
        import numpy  # noqa: F401
    except ImportError as e:
        print("run_err_tests: SKIP: %s (use /usr/bin/python3)" % e)
        return SKIP
    if not (os.path.isfile(args.convc) and os.access(args.convc, os.X_OK)):
        print("run_err_tests: error: no convc binary at %s" % args.convc)
        return 2
    convc = os.path.abspath(args.convc)
    import tempfile
    tmp = None
    if args.work is None:
        tmp = args.work = tempfile.mkdtemp(prefix="convc-err-tests-")
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)

    failed = 0
    for n in args.case or list(CASES):
        probs = run_case(n, convc, work, args.timeout, args.verbose)
        if probs:
            failed += 1
            print("FAIL err.%s: %s" % (n, "; ".join(probs)))
        else:
            print("PASS err.%s" % n)
    if tmp and not failed:
        shutil.rmtree(tmp, ignore_errors=True)
    total = len(args.case or CASES)
    print("%d passed, %d failed" % (total - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
