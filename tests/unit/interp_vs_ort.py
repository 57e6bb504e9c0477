#!/usr/bin/python3
"""The reference interpreter against ONNX Runtime, on every model in models/.

  interp_vs_ort.py --interp BUILD/convc-interp [-O 0 -O 2] [--only NAME ...] [--on-request]
                   [--work DIR]

For every model in models/manifest.json whose files exist (missing generated models
are skipped, not made; the ones made only on request - resnet50, vgg16, r3d_18, ... -
only with --on-request or --only, since the interpreter's direct loops under the
sanitizers take many minutes on them), at each -O level:
  convc-interp models/NAME.onnx -O<L> [--input-shape ...] -i NAME.input.npy ... -o outK.npy ...
then, for every output k:  max|out_k - ref_k| <= RTOL * max|ref_k| + ATOL, the e2e
tolerance (tests/e2e/run_model.py explains it; the interpreter sums in double, so it
is, if anything, closer to exact than the compiled code). Half-precision models
(float16/bfloat16 outputs) get the e2e test's half-precision bounds, against ORT on the
model and on its float32 twin.

Exit status: 0 when every run matches; 1 on any failure; 2 on usage errors.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = os.path.join(ROOT, "models")

RTOL = 1e-4
ATOL = 1e-5
TIMEOUT = 1200

# Half-precision models are checked as the e2e test checks them (its tolerances).
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import run_model as e2e  # noqa: E402


def compare_half(out_path, ref_path, half, twin, roundings):
    """(ok, message) for one output of a float16/bfloat16 model."""
    c = e2e.measure(out_path, ref_path, half, twin, roundings)
    if c.err is None:
        return False, c.note
    return c.ok, (f"max|out-ref| = {c.err:.3e}, bound = {c.bound:.3e}"
                  f"{' (float32 twin)' if twin else ''}{' MISMATCH ' + c.note if c.note else ''}")


def compare(out_path, ref_path):
    """(ok, message) for one output."""
    if not os.path.exists(out_path):
        return False, "no output written"
    out = np.load(out_path)
    ref = np.load(ref_path)
    if out.shape != ref.shape:
        return False, f"shape {list(out.shape)}, reference {list(ref.shape)}"
    if ref.dtype.kind in "biu":  # indices and masks: the same dtype, every element equal
        if out.dtype != ref.dtype:
            return False, f"dtype {out.dtype}, reference {ref.dtype}"
        nbad = int(np.count_nonzero(out != ref))
        return nbad == 0, f"{nbad} of {out.size} elements differ (exact)"
    if not np.all(np.isfinite(out)):
        return False, f"{int(np.count_nonzero(~np.isfinite(out)))} values are NaN/Inf"
    diff = np.abs(out.astype(np.float64) - ref.astype(np.float64))
    ref_max = float(np.abs(ref).max()) if ref.size else 0.0
    err = float(diff.max()) if diff.size else 0.0
    bound = RTOL * ref_max + ATOL
    msg = f"max|out-ref| = {err:.3e}, bound = {bound:.3e}"
    if err > bound:
        idx = np.unravel_index(int(np.argmax(diff)), diff.shape)
        msg += f" MISMATCH at {list(map(int, idx))}: out {float(out[idx]):.7g} ref {float(ref[idx]):.7g}"
    return err <= bound, msg


def run_model(interp, entry, level, work):
    name = entry["name"]
    half = entry.get("half")
    outs = [os.path.join(work, f"{name}-O{level}.out{k}.npy") for k in range(e2e.num_outputs(entry))]
    for p in outs:
        if os.path.exists(p):
            os.remove(p)
    cmd = [interp, os.path.join(MODELS, entry["file"]), f"-O{level}"]
    for iname, dims in sorted(entry.get("input_shapes", {}).items()):
        cmd += ["--input-shape", f"{iname}=" + ",".join(str(d) for d in dims)]
    for iname, f in sorted(entry.get("input_values", {}).items()):
        cmd += ["--input-value", f"{iname}=" + os.path.join(MODELS, f)]
    for f in entry["inputs"]:
        cmd += ["-i", os.path.join(MODELS, f)]
    for p in outs:
        cmd += ["-o", p]
    t0 = time.time()
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        print(f"FAIL {name} -O{level}: timed out after {TIMEOUT} s", flush=True)
        return False
    secs = time.time() - t0
    if r.returncode != 0:
        print(f"FAIL {name} -O{level}: convc-interp exited {r.returncode}:\n"
              + r.stdout.decode("utf-8", "replace"), flush=True)
        return False
    ok = True
    for k, ref, twin in e2e.ref_checks(entry):
        o = outs[k]
        if half:
            good, msg = compare_half(o, os.path.join(MODELS, ref), half, twin,
                                     entry.get("half_roundings", e2e.HALF_ROUNDINGS))
        else:
            good, msg = compare(o, os.path.join(MODELS, ref))
        ok = ok and good
        print(f"{'ok  ' if good else 'FAIL'} {name} -O{level} output {k}: {msg} ({secs:.2f} s)",
              flush=True)
    return ok


def main():
    ap = argparse.ArgumentParser(description="reference interpreter vs ONNX Runtime")
    ap.add_argument("--interp", required=True, help="path of the convc-interp binary")
    ap.add_argument("-O", dest="levels", action="append", choices=["0", "1", "2", "3"],
                    help="optimization level (repeatable; default 0 and 2)")
    ap.add_argument("--only", action="append", help="model name (repeatable; default all)")
    ap.add_argument("--on-request", dest="on_request", action="store_true",
                    help="also the models made only on request, when made")
    ap.add_argument("--work", default=None, help="directory for outputs (default: a temp dir)")
    a = ap.parse_args()
    if not os.access(a.interp, os.X_OK):
        print(f"interp_vs_ort: not executable: {a.interp}", file=sys.stderr)
        sys.exit(2)
    with open(os.path.join(MODELS, "manifest.json")) as f:
        manifest = json.load(f)
    levels = a.levels or ["0", "2"]
    work = a.work or tempfile.mkdtemp(prefix="convc-interp-")
    os.makedirs(work, exist_ok=True)

    failed, ran, skipped = [], 0, []
    for entry in manifest["models"]:
        if a.only and entry["name"] not in a.only:
            continue
        if entry.get("on_request") and not a.on_request and not a.only:
            skipped.append(entry["name"] + " (on request)")
            continue
        files = [entry["file"]] + entry["inputs"] + e2e.ref_files(entry)
        if not all(os.path.exists(os.path.join(MODELS, f)) for f in files):
            skipped.append(entry["name"])
            continue
        for level in levels:
            ran += 1
            if not run_model(os.path.abspath(a.interp), entry, level, work):
                failed.append(f"{entry['name']} -O{level}")
    if skipped:
        print(f"skipped (files missing, or made on request): {' '.join(skipped)}")
    print(f"{ran - len(failed)} of {ran} runs match ONNX Runtime "
          f"(max|out-ref| <= {RTOL:g}*max|ref| + {ATOL:g})")
    if failed:
        print("FAILED: " + ", ".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
