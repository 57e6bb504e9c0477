#!/usr/bin/python3
"""End-to-end test of one model: compile it with convc, build the runner, run it on the
model's input and compare every output with the ONNX Runtime reference.

  run_model.py --convc BUILD/convc --model NAME -O 2 [--work DIR] [--threads T[,T2,...]]

Steps:
  convc models/NAME.onnx -O<L> -o WORK/NAME-O<L> [--input-shape in=d0,d1,...]
        [--input-value NAME=models/FILE.npy]
  make -s -j2 -C WORK/NAME-O<L>
  CVRT_ISA=I WORK/NAME-O<L>/model -i NAME.input.npy ... -o WORK/NAME-O<L>/out0.npy ...
then, for every output k:  max|out_k - ref_k| <= RTOL * max|ref_k| + ATOL.
The runner runs once per kernel ISA I (portable, avx2, avx512) and thread count;
an ISA this machine lacks is skipped, with the runner's reason printed. Last, the
runner must refuse CVRT_ISA=bogus with a message naming it.

Exit status: 0 when every output matches; 1 on any failure (compile, build or run
error, missing output, shape mismatch, NaN/Inf, error above the bound); 2 on usage errors.

The models and references live in models/ (see models/README.md).  A "generated" model
whose files are missing is made first with models/make_models.py --only NAME (needs the
system python with torch, and node + npm).
"""

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = os.path.join(ROOT, "models")

# Tolerance: max|out - ref| <= RTOL * max|ref| + ATOL, per output tensor.
# convc and ONNX Runtime both compute in float32 but sum in different orders (direct
# loops vs im2col + blocked GEMM, BN folded into the weights, different reduction trees
# across threads).  A float32 sum of n terms has a rounding error that
# grows like n * eps * sum|terms| in the worst case and ~sqrt(n) * eps typically;
# outputs here accumulate up to ~10^4 products (e.g. a 3x3x1280 window, or a 1280-wide
# Gemm) through tens of layers, so relative differences of 1e-6..1e-5 of the output
# scale are normal and 1e-4 leaves margin.  A wrong kernel (bad padding, layout, index)
# is off by O(1) of the output scale and fails by orders of magnitude.  ATOL keeps the
# bound sane for outputs whose values are all (near) zero.
RTOL = 1e-4
ATOL = 1e-5
# Half-precision models (models/README.md): a float16 or bfloat16 output has 11 or 8
# significant bits, unit roundoff u = 2^-11 or 2^-8.  convc computes them in float32 and
# rounds once at the output; ONNX Runtime running the f16 model rounds after every op it
# runs in f16 (each rounding at most u of a value of about the output's scale, passed on
# through layers of gain about 1), so against that reference the bound allows R
# roundings, R = the manifest's half_roundings (at least the number of the model's ops;
# 32 for the small models, 128 for mobilenet_v2_f16's 105): max|out-ref| <= R*u*max|ref|
# + ATOL.  Against ORT running the float32 twin (the same weights and input, exact in
# f16, stored as float32: refs_f32) only convc's final rounding and float32 summation
# order differ: max|out-ref| <= (u+RTOL)*max|ref| + ATOL.
HALF_U = {"float16": 2.0 ** -11, "bfloat16": 2.0 ** -8}
HALF_ROUNDINGS = 32
# Integer and bool outputs (argmax indices, masks) are compared exactly; the models
# that have them keep their decisions clear of float rounding (make_models.py).
# The kernel ISAs the runner is run with (CVRT_ISA, see backends/c/runtime/cvrt.h).
ISAS = ["portable", "avx2", "avx512"]

TIMEOUT_CONVC = 900
TIMEOUT_MAKE = 1800
TIMEOUT_RUN = 600


def fail(msg):
    print(f"FAIL: {msg}", flush=True)
    sys.exit(1)


def system_python():
    # make_models.py needs Debian's python3 (torch, torchvision, onnx).
    return "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def load_manifest():
    path = os.path.join(MODELS, "manifest.json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"run_model: cannot read {path}: {e}", file=sys.stderr)
        sys.exit(2)


def ensure_files(entry):
    files = ([entry["file"]] + entry["inputs"] + ref_files(entry) +
             list(entry.get("input_values", {}).values()))
    missing = [f for f in files if not os.path.exists(os.path.join(MODELS, f))]
    if not missing:
        return
    if entry["kind"] != "generated":
        fail(f"{entry['name']}: committed model files missing: {' '.join(missing)} "
             f"(restore them from git or run models/make_models.py --only {entry['name']})")
    print(f"run_model: {entry['name']}: generating (missing {' '.join(missing)})", flush=True)
    t0 = time.time()
    r = subprocess.run([system_python(), os.path.join(MODELS, "make_models.py"),
                        "--only", entry["name"]])
    if r.returncode != 0:
        fail(f"{entry['name']}: make_models.py --only {entry['name']} exited {r.returncode}")
    print(f"run_model: generated in {time.time() - t0:.1f} s", flush=True)


def try_run(cmd, what, timeout, cwd=None, isa=None, status=None):
    """Run cmd (with CVRT_ISA=isa when isa is set), printing the command and its output
    (last 80 lines); returns None when it exits 0, else a one-line reason. With a list
    `status`, its exit status and output are appended to it."""
    env = None
    if isa is not None:
        env = dict(os.environ, CVRT_ISA=isa)
    print("+ " + ("" if isa is None else f"CVRT_ISA={isa} ") + " ".join(cmd), flush=True)
    t0 = time.time()
    try:
        r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout, env=env)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        print(out[-8000:])
        return f"{what} timed out after {timeout} s"
    except OSError as e:
        return f"{what}: cannot run {cmd[0]}: {e}"
    out = r.stdout.decode("utf-8", "replace")
    if out.strip():
        lines = out.rstrip("\n").split("\n")
        if len(lines) > 80:
            print(f"  [... {len(lines) - 80} lines ...]")
            lines = lines[-80:]
        print("\n".join(lines))
    if status is not None:
        status += [r.returncode, out]
    if r.returncode != 0:
        how = f"signal {-r.returncode}" if r.returncode < 0 else f"exit status {r.returncode}"
        return f"{what} failed ({how})"
    print(f"  ({what}: {time.time() - t0:.2f} s)", flush=True)
    return None


def run(cmd, what, timeout, cwd=None, isa=None, may_fail=False):
    """Run cmd; on failure print its output and fail, or with may_fail return
    (exit status, output). Returns (0, output) when it succeeds."""
    status = []
    err = try_run(cmd, what, timeout, cwd, isa, status)
    if err and (not may_fail or not status):
        fail(err)
    return status[0], status[1]


def make_cmd(out_dir, cc="cc"):
    """`make -s -j2 -C out_dir` as a user runs it, with CC=`ccache cc` where ccache is
    installed (CONVC_TEST_CCACHE=0 turns it off): every output directory holds the same
    kernel sources, so the suite's hundred builds compile them once; ccache hashes the
    preprocessed source, the flags and the compiler, so a hit is the same object."""
    cmd = ["make", "-s", "-j2", "-C", out_dir]
    if os.environ.get("CONVC_TEST_CCACHE", "1") != "0" and shutil.which("ccache"):
        return cmd + [f"CC=ccache {cc}"]
    return cmd + ([] if cc == "cc" else [f"CC={cc}"])


def input_shape_args(entry, models=MODELS):
    """--input-shape for the dims the manifest pins, --input-value for the graph inputs
    whose value it fixes at compile time (their .npy files in the directory models)."""
    args = []
    for name, dims in sorted(entry.get("input_shapes", {}).items()):
        args += ["--input-shape", f"{name}=" + ",".join(str(d) for d in dims)]
    for name, f in sorted(entry.get("input_values", {}).items()):
        args += ["--input-value", f"{name}=" + os.path.join(models, f)]
    return args


# One output checked against its reference: err = max|out - ref| and bound =
# RTOL * max|ref| + ATOL (both None when the output is unusable: missing, unreadable, wrong
# dtype or shape, NaN/Inf); note says why it failed, "" when ok.
Check = collections.namedtuple("Check", "ok err bound ref_max shape note")


def measure(out_path, ref_path, half=None, twin=False, roundings=HALF_ROUNDINGS):
    """Checks one output file against its reference with the tolerance above.  half is
    the model's half type ("float16", "bfloat16") or None; twin: ref_path is the output
    of the float32 twin (float32), not of the model itself."""
    def unusable(note):
        return Check(False, None, None, None, None, note)

    if not os.path.exists(out_path):
        return unusable(f"runner wrote no {out_path}")
    try:
        out = np.load(out_path)
    except Exception as e:  # noqa: BLE001 - a malformed .npy is a failure, not a crash
        return unusable(f"cannot read {out_path}: {e}")
    ref = np.load(ref_path)
    want = ref.dtype if ref.dtype.kind in "biu" or ref.dtype == np.float16 else np.dtype(np.float32)
    if twin and out.dtype != np.float32:  # a float32 output (keep_io_types) stays one
        want = np.dtype(np.uint16 if half == "bfloat16" else np.float16)
    if out.dtype != want:
        return unusable(f"dtype {out.dtype}, expected {want}")
    rtol = RTOL
    if twin or (half is not None and want.kind == "f"):
        rtol = HALF_U[half] + RTOL if twin else roundings * HALF_U[half]
    if twin and half == "bfloat16":  # the runner writes bfloat16 as its bit patterns
        out = (out.astype(np.uint32) << 16).view(np.float32)
    if out.shape != ref.shape:
        return unusable(f"shape {list(out.shape)}, reference {list(ref.shape)}")
    if want.kind in "biu" and not twin:
        # integer and bool outputs (indices, masks) must be equal: err counts the
        # elements that differ, bound 0
        nbad = int(np.count_nonzero(out != ref))
        note = ""
        if nbad:
            idx = np.argwhere(out != ref)[0]
            note = (f"first at {list(map(int, idx))}: out {out[tuple(idx)].item()} "
                    f"ref {ref[tuple(idx)].item()}; {nbad} of {out.size} values differ (exact)")
        return Check(nbad == 0, float(nbad), 0.0, 0.0, list(out.shape), note)
    bad = int(np.count_nonzero(~np.isfinite(out)))
    if bad:
        return unusable(f"{bad} of {out.size} values are NaN/Inf")
    diff = np.abs(out.astype(np.float64) - ref.astype(np.float64))
    ref_max = float(np.abs(ref).max()) if ref.size else 0.0
    err = float(diff.max()) if diff.size else 0.0
    bound = rtol * ref_max + ATOL
    note = ""
    if err > bound:
        idx = np.unravel_index(int(np.argmax(diff)), diff.shape)
        nbad = int(np.count_nonzero(diff > bound))
        note = (f"worst at {list(map(int, idx))}: out {float(out[idx]):.7g} "
                f"ref {float(ref[idx]):.7g}; {nbad} of {out.size} values over the bound")
    return Check(err <= bound, err, bound, ref_max, list(out.shape), note)


def num_outputs(entry):
    """How many outputs the model has (a bfloat16 model has only float32-twin refs)."""
    return max(len(entry["refs"]), len(entry.get("refs_f32", [])))


def ref_checks(entry):
    """(output index, reference file, twin) for every comparison a model asks for:
    its refs, then (half-precision models) the outputs of its float32 twin."""
    return ([(k, r, False) for k, r in enumerate(entry["refs"])] +
            [(k, r, True) for k, r in enumerate(entry.get("refs_f32", []))])


def ref_files(entry):
    return entry["refs"] + entry.get("refs_f32", [])


def compare(name, k, out_path, ref_path, half=None, twin=False, roundings=HALF_ROUNDINGS):
    """Returns True when output k matches its reference."""
    c = measure(out_path, ref_path, half, twin, roundings)
    what = f"output {k}" + (" vs float32 twin" if twin else "")
    if c.err is None:
        print(f"  {what}: {c.note}")
        return False
    print(f"  {what} {c.shape}: max|out-ref| = {c.err:.3e}, bound = {c.bound:.3e} "
          f"(max|ref| = {c.ref_max:.4g}) {'ok' if c.ok else 'MISMATCH'}"
          f"{'  ' + c.note if c.note else ''}", flush=True)
    return c.ok


def main():
    ap = argparse.ArgumentParser(description="convc end-to-end test of one model")
    ap.add_argument("--convc", required=True, help="path of the convc binary")
    ap.add_argument("--model", required=True, help="model name from models/manifest.json")
    ap.add_argument("-O", dest="level", default="2", choices=["0", "1", "2", "3"],
                    help="optimization level (default 2)")
    ap.add_argument("--work", default=None,
                    help="work directory (default: a directory under the system temp dir)")
    ap.add_argument("--threads", default=None,
                    help="runner --threads T, or T1,T2,...: one run (and comparison) each")
    a = ap.parse_args()

    manifest = load_manifest()
    entries = {m["name"]: m for m in manifest["models"]}
    if a.model not in entries:
        print(f"run_model: unknown model '{a.model}'; known: {' '.join(entries)}",
              file=sys.stderr)
        sys.exit(2)
    entry = entries[a.model]
    convc = os.path.abspath(a.convc)
    if not os.access(convc, os.X_OK):
        print(f"run_model: convc binary not found or not executable: {convc}", file=sys.stderr)
        sys.exit(2)

    ensure_files(entry)

    work = os.path.abspath(a.work or os.path.join(tempfile.gettempdir(), "convc-e2e"))
    os.makedirs(work, exist_ok=True)
    out_dir = os.path.join(work, f"{a.model}-O{a.level}")
    shutil.rmtree(out_dir, ignore_errors=True)  # no stale files from an earlier run

    onnx_path = os.path.join(MODELS, entry["file"])
    run([convc, onnx_path, f"-O{a.level}", "-o", out_dir] + input_shape_args(entry),
        "convc", TIMEOUT_CONVC)
    run(make_cmd(out_dir), "make", TIMEOUT_MAKE)

    runner = os.path.join(out_dir, "model")
    if not os.access(runner, os.X_OK):
        fail(f"make did not produce {runner}")
    try:
        thread_counts = [None] if a.threads is None else [int(t) for t in a.threads.split(",")]
    except ValueError:
        print(f"run_model: bad --threads '{a.threads}'", file=sys.stderr)
        sys.exit(2)
    ok = True
    ran = []
    for isa in ISAS:
        for t in thread_counts:
            res_dir = os.path.join(out_dir, f"e2e-out-{isa}" + ("" if t is None else f"-T{t}"))
            os.makedirs(res_dir, exist_ok=True)
            half = entry.get("half")
            roundings = entry.get("half_roundings", HALF_ROUNDINGS)
            outs = [os.path.join(res_dir, f"out{k}.npy") for k in range(num_outputs(entry))]
            cmd = [runner]
            for f in entry["inputs"]:
                cmd += ["-i", os.path.join(MODELS, f)]
            for p in outs:
                cmd += ["-o", p]
            if t is not None:
                cmd += ["--threads", str(t)]
            rc, out = run(cmd, "runner", TIMEOUT_RUN, isa=isa, may_fail=True)
            if rc != 0 and f"CVRT_ISA={isa}: " in out and "unknown" not in out:
                print(f"{a.model} -O{a.level}: skipped CVRT_ISA={isa}: this machine lacks it")
                break
            if rc != 0:
                fail(f"runner failed with CVRT_ISA={isa} (exit status {rc})")
            what = f" CVRT_ISA={isa}" + ("" if t is None else f" --threads {t}")
            if half:
                print(f"{a.model} -O{a.level}{what}: {half} outputs, u = {HALF_U[half]:g}: tolerance "
                      f"max|out-ref| <= {roundings}u*max|ref| + {ATOL:g} (ORT on the model), "
                      f"(u+{RTOL:g})*max|ref| + {ATOL:g} (ORT on its float32 twin)")
            else:
                print(f"{a.model} -O{a.level}{what}: tolerance max|out-ref| <= {RTOL:g}*max|ref| + {ATOL:g}")
            for k, r, twin in ref_checks(entry):
                ok = compare(a.model, k, outs[k], os.path.join(MODELS, r), half, twin, roundings) and ok
            if isa not in ran:
                ran.append(isa)
    if not ok:
        fail(f"{a.model} -O{a.level}: output mismatch")
    # A bad CVRT_ISA is an error of model_create, printed by the runner.
    ins = sum((["-i", os.path.join(MODELS, f)] for f in entry["inputs"]), [])
    rc, out = run([runner] + ins, "runner", TIMEOUT_RUN, isa="bogus", may_fail=True)
    if rc == 0 or "CVRT_ISA=bogus: unknown instruction set" not in out:
        fail("the runner did not refuse CVRT_ISA=bogus with a clear error")
    print(f"PASS: {a.model} -O{a.level} (ISAs: {' '.join(ran)})")


if __name__ == "__main__":
    main()
