#!/usr/bin/python3
"""Half-precision models op by op: small float16/bfloat16 graphs written with
onnx.helper, run by convc-interp (import, then -O0 and -O2), checked against ONNX
Runtime running each graph's float32 twin and, where ORT runs it, the graph itself.

  half_ops_test.py --interp BUILD/convc-interp [--work DIR] [--filter REGEX] [-v]

Each case stresses one decision of frontends/onnx/onnx_half.c: a Cast from a value
convc carries in float32 to an integer type (rounds to float16 first, as ORT's operand
is), CastLike whose `like` is carried, a float16 ConstantOfShape fill, a typed op that
keeps float16 (two f16 inputs) next to one that meets a carried value, a graph input
that is also an output, Where/Pad/Pow/Clip-6 on carried values, Clip with float16 bounds given at run time, Dropout with a
float32 ratio (its own type) on a carried value, a bfloat16 graph.

The twin is the same graph with every float16/bfloat16 tensor, type and Cast target
made float32 (the values are exact in both). Bounds, with u the half type's unit
roundoff (2^-11 float16, 2^-8 bfloat16) as in tests/e2e/run_model.py: half outputs
within (u + 1e-4)*max|ref| + 1e-5 of the twin and 32u*max|ref| + 1e-5 of ORT on the
graph; integer and bool outputs equal to ORT on the graph (or the twin), the inputs
being chosen so that no value sits on a rounding boundary.

Exit status 0 when every case passes, 1 otherwise, 77 (skip) without numpy/onnx or
node + onnxruntime-node.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ORT_RUN = os.path.join(ROOT, "models", "ort_run.mjs")
SKIP = 77
# TensorProto.FLOAT16, BFLOAT16 -> the names tests/e2e/run_model.py keys its bounds by
HALF_TYPES = {10: "float16", 16: "bfloat16"}
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

CASES = []


def case(name):
    def reg(fn):
        CASES.append((name, fn))
        return fn
    return reg


def bf16_bits(a):
    import numpy as np
    b = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint16)


def half_init(name, a, elem=10):
    import numpy as np
    from onnx import helper, numpy_helper
    a = np.asarray(a, dtype=np.float32)
    if elem == 10:
        return numpy_helper.from_array(a.astype(np.float16), name)
    return helper.make_tensor(name, elem, a.shape, bf16_bits(a).tobytes(), raw=True)


def model(nodes, inputs, outputs, inits=(), opset=13):
    from onnx import helper
    g = helper.make_graph(nodes, "half_case",
                          [helper.make_tensor_value_info(n, t, d) for n, t, d in inputs],
                          [helper.make_tensor_value_info(n, t, d) for n, t, d in outputs],
                          list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7
    return m


def grid(seed, shape, step=0.25, lo=-8):
    """Values on a grid of `step` (exact in float16 and bfloat16, sums of a few of
    them too), so integer results sit clear of rounding boundaries."""
    import numpy as np
    r = np.random.default_rng(seed).integers(0, int(-2 * lo / step), size=shape)
    return (lo + r * step + step / 2).astype(np.float32)


# ---- the cases: (model, {input name: float32 values}) ---------------------------------

@case("conv_cast_int32")
def _conv_cast_int():
    from onnx import TensorProto as T, helper as h
    w = half_init("w", grid(1, (4, 2, 3, 3)))
    m = model([h.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
               h.make_node("Cast", ["c"], ["ci"], to=T.INT32),
               h.make_node("Relu", ["c"], ["y"])],
              [("x", T.FLOAT16, [1, 2, 5, 5])],
              [("ci", T.INT32, [1, 4, 5, 5]), ("y", T.FLOAT16, [1, 4, 5, 5])], [w])
    return m, {"x": grid(2, (1, 2, 5, 5), step=0.5)}


@case("castlike_carried_and_f32_out")
def _castlike():
    from onnx import TensorProto as T, helper as h
    w = half_init("w", grid(3, (3, 3)))
    m = model([h.make_node("MatMul", ["x", "w"], ["mm"]),
               h.make_node("CastLike", ["z", "mm"], ["zh"]),
               h.make_node("Add", ["mm", "zh"], ["y"]),
               h.make_node("Cast", ["y"], ["y32"], to=T.FLOAT),
               h.make_node("Sigmoid", ["y"], ["s"])],
              [("x", T.FLOAT16, [2, 3]), ("z", T.FLOAT, [2, 3])],
              [("y32", T.FLOAT, [2, 3]), ("s", T.FLOAT16, [2, 3])], [w], opset=15)
    return m, {"x": grid(4, (2, 3)), "z": grid(5, (2, 3), step=0.125)}


@case("constant_of_shape_fill")
def _cos():
    import numpy as np
    from onnx import TensorProto as T, helper as h, numpy_helper
    fill = half_init("fill", np.array([1.5]))
    shape = numpy_helper.from_array(np.array([2, 4], dtype=np.int64), "shape")
    m = model([h.make_node("ConstantOfShape", ["shape"], ["k"], value=fill),
               h.make_node("Relu", ["x"], ["r"]),
               h.make_node("Add", ["r", "k"], ["y"])],
              [("x", T.FLOAT16, [2, 4])], [("y", T.FLOAT16, [2, 4])], [shape])
    return m, {"x": grid(6, (2, 4))}


@case("typed_f16_next_to_carried")
def _typed():
    from onnx import TensorProto as T, helper as h
    m = model([h.make_node("Add", ["a", "b"], ["s"]),           # stays float16
               h.make_node("Mul", ["s", "b"], ["p"]),           # stays float16
               h.make_node("Tanh", ["a"], ["t"]),               # computes in float32
               h.make_node("Sub", ["p", "t"], ["y"]),           # meets a carried value
               h.make_node("Concat", ["a", "y"], ["c"], axis=1)],
              [("a", T.FLOAT16, [2, 3]), ("b", T.FLOAT16, [2, 3])],
              [("p", T.FLOAT16, [2, 3]), ("c", T.FLOAT16, [2, 6])])
    return m, {"a": grid(7, (2, 3)), "b": grid(8, (2, 3))}


@case("input_is_output")
def _passthrough():
    from onnx import TensorProto as T, helper as h
    m = model([h.make_node("Relu", ["x"], ["r"]),
               h.make_node("Identity", ["x"], ["xi"])],
              [("x", T.FLOAT16, [3, 4])],
              [("x", T.FLOAT16, [3, 4]), ("r", T.FLOAT16, [3, 4]), ("xi", T.FLOAT16, [3, 4])])
    return m, {"x": grid(9, (3, 4))}


@case("where_pad_pow_on_carried")
def _where_pad_pow():
    import numpy as np
    from onnx import TensorProto as T, helper as h, numpy_helper
    e = half_init("e", np.array(2.0))
    pads = numpy_helper.from_array(np.array([0, 1, 0, 1], dtype=np.int64), "pads")
    cv = half_init("cv", np.array(0.5))
    m = model([h.make_node("Pow", ["x", "e"], ["sq"]),
               h.make_node("Where", ["m", "sq", "x"], ["w"]),
               h.make_node("Pad", ["w", "pads", "cv"], ["y"])],
              [("x", T.FLOAT16, [2, 3]), ("m", T.BOOL, [2, 3])],
              [("y", T.FLOAT16, [2, 5])], [e, pads, cv])
    return m, {"x": grid(10, (2, 3)), "m": np.array([[1, 0, 1], [0, 1, 0]], dtype=bool)}


@case("dropout_float32_ratio")
def _dropout():
    import numpy as np
    from onnx import TensorProto as T, helper as h, numpy_helper
    w = half_init("w", grid(15, (3, 2, 1, 1)))
    ratio = numpy_helper.from_array(np.array(0.3, dtype=np.float32), "ratio")  # T1: its own type
    m = model([h.make_node("Conv", ["x", "w"], ["c"]),
               h.make_node("Dropout", ["c", "ratio"], ["y"])],
              [("x", T.FLOAT16, [1, 2, 3, 3])], [("y", T.FLOAT16, [1, 3, 3, 3])], [w, ratio])
    return m, {"x": grid(16, (1, 2, 3, 3))}


@case("clip_runtime_bounds")
def _clip_rt():
    from onnx import TensorProto as T, helper as h
    m = model([h.make_node("Clip", ["x", "lo", "hi"], ["y"])],
              [("x", T.FLOAT16, [2, 5]), ("lo", T.FLOAT16, []), ("hi", T.FLOAT16, [])],
              [("y", T.FLOAT16, [2, 5])])
    import numpy as np
    return m, {"x": grid(17, (2, 5)), "lo": np.array(-1.25, np.float32),
               "hi": np.array(3.5, np.float32)}


@case("clip6_attributes")
def _clip6():
    from onnx import TensorProto as T, helper as h
    m = model([h.make_node("Clip", ["x"], ["y"], min=-1.0, max=2.5)],
              [("x", T.FLOAT16, [2, 5])], [("y", T.FLOAT16, [2, 5])], opset=6)
    return m, {"x": grid(11, (2, 5))}


@case("bf16_gemm_softmax_argmax")
def _bf16():
    from onnx import TensorProto as T, helper as h
    w = half_init("w", grid(12, (6, 4), step=0.125, lo=-1), elem=T.BFLOAT16)
    b = half_init("b", grid(13, (4,), step=0.125, lo=-1), elem=T.BFLOAT16)
    m = model([h.make_node("Gemm", ["x", "w", "b"], ["g"]),
               h.make_node("Softmax", ["g"], ["s"], axis=1),
               h.make_node("ArgMax", ["g"], ["k"], axis=1, keepdims=0)],
              [("x", T.BFLOAT16, [3, 6])],
              [("s", T.BFLOAT16, [3, 4]), ("k", T.INT64, [3])], [w, b])
    return m, {"x": grid(14, (3, 6), step=0.125, lo=-1)}


# ---- running ---------------------------------------------------------------------------

def twin_of(m):
    """The graph with every float16/bfloat16 tensor, type and Cast target float32."""
    import onnx
    from onnx import TensorProto as T, numpy_helper
    t = onnx.ModelProto()
    t.CopyFrom(m)

    def widen(tp):
        if tp.data_type not in HALF_TYPES:
            return tp
        if tp.data_type == T.FLOAT16:
            a = numpy_helper.to_array(tp).astype("float32")
        else:
            import numpy as np
            a = (np.frombuffer(tp.raw_data, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)
            a = a.reshape(tuple(tp.dims))
        return numpy_helper.from_array(a, tp.name)

    inits = [widen(x) for x in t.graph.initializer]
    del t.graph.initializer[:]
    t.graph.initializer.extend(inits)
    for n in t.graph.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.TENSOR:
                a.t.CopyFrom(widen(a.t))
            if n.op_type == "Cast" and a.name == "to" and a.i in HALF_TYPES:
                a.i = T.FLOAT
    for v in list(t.graph.input) + list(t.graph.output):
        if v.type.tensor_type.elem_type in HALF_TYPES:
            v.type.tensor_type.elem_type = T.FLOAT
    return t


def half_type(m):
    for v in list(m.graph.input) + list(m.graph.initializer):
        t = v.type.tensor_type.elem_type if hasattr(v, "type") else v.data_type
        if t in HALF_TYPES:
            return t
    return 10


def as_file(work, name, arr):
    import numpy as np
    p = os.path.join(work, name + ".npy")
    np.save(p, arr)
    return p


def ort(path, ins, outs):
    r = subprocess.run(["node", ORT_RUN, path] + sum((["-i", i] for i in ins), []) +
                       sum((["-o", o] for o in outs), []),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    return r.returncode == 0, r.stdout.decode("utf-8", "replace")


def as_float(a, elem, declared):
    import numpy as np
    if declared == 16:
        return (a.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    return a.astype(np.float64)


def check(what, out, ref, u, exact):
    """(ok, line) for one output."""
    import numpy as np
    if out.shape != ref.shape:
        return False, f"{what}: shape {out.shape}, reference {ref.shape}"
    if exact:
        bad = int(np.count_nonzero(out != ref))
        return bad == 0, f"{what}: {bad} of {out.size} values differ (exact)"
    import run_model as e2e  # the e2e bounds (needs numpy, hence not at the top)
    ref_max = float(np.abs(ref).max()) if ref.size else 0.0
    err = float(np.abs(out - ref).max()) if ref.size else 0.0
    bound = u * ref_max + e2e.ATOL
    return err <= bound, f"{what}: max|out-ref| = {err:.3e}, bound = {bound:.3e}"


def run_case(a, name, build):
    import numpy as np
    import onnx
    import run_model as e2e
    m, feeds = build()
    onnx.checker.check_model(m)
    elem = half_type(m)
    u = e2e.HALF_U[HALF_TYPES[elem]]
    work = os.path.join(a.work, name)
    os.makedirs(work, exist_ok=True)
    path, tpath = os.path.join(work, "model.onnx"), os.path.join(work, "twin.onnx")
    onnx.save(m, path)
    onnx.save(twin_of(m), tpath)
    in_types = {v.name: v.type.tensor_type.elem_type for v in m.graph.input}
    half_in, twin_in = [], []
    for v in m.graph.input:
        x = feeds[v.name]
        t = in_types[v.name]
        hx = x.astype(np.float16) if t == 10 else bf16_bits(x) if t == 16 else x
        half_in.append(as_file(work, "in_" + v.name, hx))
        twin_in.append(as_file(work, "twin_in_" + v.name, x))
    outs = [v for v in m.graph.output]
    twin_ref = [os.path.join(work, f"twin_ref{k}.npy") for k in range(len(outs))]
    ok, msg = ort(tpath, twin_in, twin_ref)
    if not ok:
        print(f"FAIL {name}: ORT on the float32 twin failed:\n{msg}")
        return False
    ort_ref = [os.path.join(work, f"ort_ref{k}.npy") for k in range(len(outs))]
    has_ort, _ = ort(path, half_in, ort_ref) if elem == 10 else (False, "")
    good = True
    for level in a.levels:
        res = [os.path.join(work, f"out{k}-O{level}.npy") for k in range(len(outs))]
        cmd = [a.interp, path, f"-O{level}"] + sum((["-i", i] for i in half_in), []) + \
            sum((["-o", o] for o in res), [])
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        if r.returncode != 0:
            print(f"FAIL {name} -O{level}: convc-interp exited {r.returncode}:\n"
                  + r.stdout.decode("utf-8", "replace"))
            good = False
            continue
        for k, v in enumerate(outs):
            declared = v.type.tensor_type.elem_type
            out = np.load(res[k])
            exact = declared not in HALF_TYPES and declared != 1
            o = out if exact else as_float(out, elem, declared)
            checks = [("twin", np.load(twin_ref[k]), u + e2e.RTOL)]
            if has_ort:
                checks.append(("ORT", np.load(ort_ref[k]), e2e.HALF_ROUNDINGS * u))
            for who, ref, tol in checks:
                if exact and who == "twin" and has_ort:
                    continue  # integers: against ORT on the graph itself
                ref = ref if exact else ref.astype(np.float64)
                ok, line = check(f"{name} -O{level} output {k} vs {who}", o, ref, tol, exact)
                good = good and ok
                if a.verbose or not ok:
                    print(("ok   " if ok else "FAIL ") + line, flush=True)
    return good


def main():
    ap = argparse.ArgumentParser(description="half-precision graphs vs ONNX Runtime")
    ap.add_argument("--interp", required=True, help="convc-interp binary")
    ap.add_argument("--work", default=None, help="work directory (default: a temp dir)")
    ap.add_argument("--filter", default=None, help="only cases whose name matches (re.search)")
    ap.add_argument("-O", dest="levels", action="append", help="levels (default 0 and 2)")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    a.levels = a.levels or ["0", "2"]
    try:
        import numpy  # noqa: F401
        import onnx  # noqa: F401
    except ImportError as e:
        print(f"half_ops_test: skipped: {e}")
        return SKIP
    if not os.path.exists(os.path.join(ROOT, "models", "node_modules", "onnxruntime-node")):
        print("half_ops_test: skipped: models/node_modules/onnxruntime-node is missing "
              "(models/make_models.py installs it)")
        return SKIP
    a.interp = os.path.abspath(a.interp)
    a.work = os.path.abspath(a.work or tempfile.mkdtemp(prefix="convc-half-"))
    failed, ran = [], 0
    for name, build in CASES:
        if a.filter and not re.search(a.filter, name):
            continue
        ran += 1
        if not run_case(a, name, build):
            failed.append(name)
    print(f"{ran - len(failed)} of {ran} half-precision cases pass")
    if failed:
        print("FAILED: " + " ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
