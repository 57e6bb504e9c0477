#!/usr/bin/python3
"""The caller's buffers: which graph inputs and outputs model_run reads and writes in
place, and that the results do not change for it.

  io_buffers_test.py --convc BUILD/convc --work DIR

The memory plan (backends/c/memplan.h, "Caller's buffers") makes a graph input's block,
and a graph output's block when the output fills it, the caller's own buffer, unless
another input or output claims the same bytes; model_run then copies nothing for it.
One model, written here with onnx.helper, holds every form:

  input x        read by a conv and a Mul            -> the caller's buffer (io 0)
  input z        also graph output z                 -> arena, copied in and out
  output a       Conv(x), also read by Sigmoid        -> the caller's buffer (io 2)
  outputs s, sf  Sigmoid(a) and its Reshape (an alias) -> arena, copied out
  output t       Mul(x, 2)                            -> the caller's buffer (io 5)

Checks:
1. convc -O2 and -O0: model.c's input_desc / output_desc give each its io index (the
   last field: -1 arena, else the caller's buffer), and the kernels address the
   caller's buffers through IOFF(k, ...).
2. the plain build (make) and the guarded one (make GUARD=1: AddressSanitizer, every
   tensor in its own slot, everything copied): model -i x -i z -o ... matches ONNX
   Runtime on every output (the e2e bounds of run_model.py).
3. the API harness (runtime_api_harness.c io) against the plain build: buffers 4 bytes
   off a 64-byte boundary give the same outputs as aligned ones (max_diff 0), and
   model_run returns -1 for an output at an input's address or on its last float and
   for two overlapping outputs, 0 for an output right after an input.

Exit status 0 pass, 1 failure, 77 (skip) without numpy/onnx or node + onnxruntime-node.
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
sys.path.insert(0, HERE)

# name -> the io index model.c must give it (-1: arena, copied)
EXPECT_IN = {"x": 0, "z": -1}
EXPECT_OUT = {"a": 2, "s": -1, "sf": -1, "t": 5, "z": -1}
FAILS = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        FAILS.append(what)
    return cond


def run(cmd, timeout=1200, env=None):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                       env=dict(os.environ, **(env or {})))
    out = r.stdout.decode("utf-8", "replace")
    if r.returncode != 0:
        print(f"+ {' '.join(cmd)}\n  exit {r.returncode}:\n{out[-3000:]}", flush=True)
    return r.returncode, out


def make_model(path):
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(7)
    w = rng.standard_normal((8, 3, 3, 3)).astype(np.float32) / 3
    b = rng.standard_normal(8).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["a"], pads=[1, 1, 1, 1]),
        helper.make_node("Sigmoid", ["a"], ["s"]),
        helper.make_node("Reshape", ["s", "shape"], ["sf"]),
        helper.make_node("Mul", ["x", "two"], ["t"]),
    ]
    f = TensorProto.FLOAT
    g = helper.make_graph(
        nodes, "io",
        [helper.make_tensor_value_info("x", f, [1, 3, 9, 7]),
         helper.make_tensor_value_info("z", f, [2, 5])],
        [helper.make_tensor_value_info("a", f, [1, 8, 9, 7]),
         helper.make_tensor_value_info("s", f, [1, 8, 9, 7]),
         helper.make_tensor_value_info("sf", f, [1, 504]),
         helper.make_tensor_value_info("t", f, [1, 3, 9, 7]),
         helper.make_tensor_value_info("z", f, [2, 5])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b"),
         numpy_helper.from_array(np.array([1, 504], np.int64), "shape"),
         numpy_helper.from_array(np.array(2.0, np.float32), "two")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, path)
    ins = [rng.standard_normal((1, 3, 9, 7)).astype(np.float32),
           rng.standard_normal((2, 5)).astype(np.float32)]
    return ins


def desc_io(model_c, kind):
    """{name: io index} from model.c's <kind>_desc table."""
    rows = re.findall(r'^\t\{"([^"]*)", .*, (-?\d+)\},$',
                      model_c.split(f"{kind}_desc[] = {{", 1)[1].split("};", 1)[0], re.M)
    return {n: int(k) for n, k in rows}


def check_model_c(d, level):
    with open(os.path.join(d, "model.c")) as f:
        text = f.read()
    got_in, got_out = desc_io(text, "input"), desc_io(text, "output")
    check(got_in == EXPECT_IN, f"-O{level}: input_desc io indices {got_in} == {EXPECT_IN}")
    check(got_out == EXPECT_OUT, f"-O{level}: output_desc io indices {got_out} == {EXPECT_OUT}")
    for k in sorted({v for v in list(EXPECT_IN.values()) + list(EXPECT_OUT.values()) if v >= 0}):
        check(f"IOFF({k}, " in text, f"-O{level}: a kernel addresses io[{k}] (IOFF({k}, ...))")


def compare(d, tag, refs, ins):
    import numpy as np
    import run_model as rm
    outs = [os.path.join(d, f"out_{n}.npy") for n in EXPECT_OUT]
    rc, out = run([os.path.join(d, "model")] + sum((["-i", i] for i in ins), []) +
                  sum((["-o", o] for o in outs), []),
                  env={"ASAN_OPTIONS": "exitcode=66:detect_leaks=1:halt_on_error=1"})
    if not check(rc == 0 and "AddressSanitizer" not in out, f"{tag}: the model runs"):
        return
    for name, o, r in zip(EXPECT_OUT, outs, refs):
        got, ref = np.load(o), np.load(r)
        err = float(np.abs(got.astype(np.float64) - ref).max())
        bound = rm.RTOL * float(np.abs(ref).max()) + rm.ATOL
        check(got.shape == ref.shape and err <= bound,
              f"{tag}: output {name} {got.shape} vs ORT: max|out-ref| {err:.3g} <= {bound:.3g}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--convc", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    try:
        import numpy as np
        import onnx  # noqa: F401
    except ImportError as e:
        print(f"skip: {e}")
        return SKIP
    if not shutil.which("node") or not os.path.isdir(
            os.path.join(ROOT, "models", "node_modules", "onnxruntime-node")):
        print("skip: node + onnxruntime-node (models/node_modules) not installed")
        return SKIP
    import run_model as rm
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    mpath = os.path.join(a.work, "io.onnx")
    ins = []
    for k, x in enumerate(make_model(mpath)):
        ins.append(os.path.join(a.work, f"in{k}.npy"))
        np.save(ins[-1], x)
    refs = [os.path.join(a.work, f"ref_{n}.npy") for n in EXPECT_OUT]
    rc, _ = run(["node", ORT_RUN, mpath] + sum((["-i", i] for i in ins), []) +
                sum((["-o", r] for r in refs), []))
    if not check(rc == 0, "ONNX Runtime runs the model"):
        return 1
    for level in (0, 2):
        d = os.path.join(a.work, f"O{level}")
        rc, _ = run([a.convc, mpath, f"-O{level}", "-o", d])
        if check(rc == 0, f"convc -O{level} compiles the model"):
            check_model_c(d, level)
    d = os.path.join(a.work, "O2")
    if check(run(rm.make_cmd(d) + ["EXTRA_CFLAGS=-Werror"])[0] == 0, "make builds the model"):
        compare(d, "plain build", refs, ins)
        objs = sorted(f for f in os.listdir(d) if f.endswith(".o") and f != "main.o")
        harness = os.path.join(a.work, "harness")
        rc, _ = run([os.environ.get("CC", "cc"), "-std=c99", "-O1", "-fopenmp", "-I", d,
                     "-o", harness, os.path.join(HERE, "runtime_api_harness.c")] +
                    [os.path.join(d, o) for o in objs] + ["-lm"])
        if check(rc == 0, "the API harness builds against the plain build"):
            rc, out = run([harness, "io", os.path.join(d, "weights.bin")])
            check(rc == 0 and re.search(r"^aligned=0 shifted=0 max_diff=0$", out, re.M) is not None,
                  f"4 bytes off 64-byte alignment: the same outputs ({out.strip().splitlines()[0] if out.strip() else out!r})")
            check(re.search(r"^same=-1 in_tail=-1 adjacent=0 out_out=-1$", out, re.M) is not None,
                  f"overlapping buffers refused, adjacent ones run ({out.strip().splitlines()[-1] if out.strip() else out!r})")
    g = os.path.join(a.work, "O2-guard")
    shutil.copytree(d, g)
    if check(run(rm.make_cmd(g) + ["GUARD=1", "EXTRA_CFLAGS=-Werror"])[0] == 0,
             "make GUARD=1 builds the model"):
        compare(g, "guarded build", refs, ins)
    print(f"{'FAIL' if FAILS else 'PASS'}: {len(FAILS)} failed check(s)")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
