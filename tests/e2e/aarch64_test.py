#!/usr/bin/python3
"""End-to-end test on aarch64: every model cross-built and run under qemu user mode.

  aarch64_test.py --convc BUILD/convc [--work DIR] [-O 2] [--only NAME,...]

For every model of models/manifest.json that is present (committed ones always; generated
ones only if models/make_models.py has made them, else a note; on_request ones never):
  convc models/NAME.onnx -O2 -o WORK/NAME            (the host convc: numbers do not
                                                      depend on the target)
  make -s -j2 -C WORK/NAME CC=aarch64-linux-gnu-gcc  (the emitted Makefile's -march=native
                                                      probe fails, so portable C)
  qemu-aarch64 -L /usr/aarch64-linux-gnu WORK/NAME/model -i ... -o ... --threads 1
and --threads 2 as well for the real networks, then every output is compared with its
ONNX Runtime reference by run_model.measure (same tolerance as the x86 e2e tests).
Ends with a table: model, threads, output, max|out-ref|, bound, ok.

Needs Debian's gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, libgomp1-arm64-cross and
qemu-user (tools/install-deps.sh --test).  Without them, or if a probe program does not
cross-build and run, the test is skipped: exit status 77 with a message.
Exit status: 0 pass, 1 failure, 2 usage error, 77 skipped.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import run_model as rm

SKIP = 77
CC = "aarch64-linux-gnu-gcc"
QEMU = "qemu-aarch64"
SYSROOT = "/usr/aarch64-linux-gnu"
PACKAGES = "gcc-aarch64-linux-gnu libc6-dev-arm64-cross libgomp1-arm64-cross qemu-user"

# Uses OpenMP (libgomp) and libm like the emitted runner does.
PROBE_C = """#include <math.h>
#include <omp.h>
#include <stdio.h>
int main(void) { printf("%d %g\\n", omp_get_max_threads() > 0, sqrt(4.0)); return 0; }
"""


def skip(msg):
    print(f"SKIP: {msg}", flush=True)
    sys.exit(SKIP)


def qemu_cmd(exe):
    return [QEMU, "-L", SYSROOT, exe]


def probe(work):
    """Skips unless the cross toolchain builds an OpenMP program and qemu runs it."""
    missing = [t for t in (CC, QEMU) if not shutil.which(t)]
    if missing:
        skip(f"{' and '.join(missing)} not found (Debian: {PACKAGES})")
    src = os.path.join(work, "probe.c")
    exe = os.path.join(work, "probe")
    with open(src, "w") as f:
        f.write(PROBE_C)
    for cmd, what in (([CC, "-fopenmp", "-o", exe, src, "-lm"], "does not cross-build"),
                      (qemu_cmd(exe), "does not run under qemu")):
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        if r.returncode != 0:
            print(r.stdout.decode("utf-8", "replace")[-4000:])
            skip(f"an OpenMP probe program {what} (Debian: {PACKAGES})")


def present(entry):
    files = [entry["file"]] + entry["inputs"] + rm.ref_files(entry)
    return [f for f in files if not os.path.exists(os.path.join(rm.MODELS, f))]


def select(manifest, only):
    """The models to run, in manifest order; prints why any is left out."""
    chosen = []
    for e in manifest["models"]:
        if only and e["name"] not in only:
            continue
        if e["on_request"] and not only:
            print(f"note: {e['name']}: on request only, not run")
            continue
        missing = present(e)
        if missing and e["kind"] == "generated":
            print(f"note: {e['name']}: not generated (missing {' '.join(missing)}); "
                  f"models/make_models.py --only {e['name']} makes it")
            continue
        chosen.append(e)  # a missing committed file fails in build_and_run
    return chosen


def build_and_run(convc, entry, level, work):
    """Compiles, cross-builds and runs one model; returns table rows
    (model, threads, output k, Check) or a failure reason string."""
    name = entry["name"]
    missing = present(entry)
    if missing:
        return f"committed model files missing: {' '.join(missing)}"
    out_dir = os.path.join(work, f"{name}-O{level}")
    shutil.rmtree(out_dir, ignore_errors=True)
    err = rm.try_run([convc, os.path.join(rm.MODELS, entry["file"]), f"-O{level}",
                      "-o", out_dir] + rm.input_shape_args(entry), "convc", rm.TIMEOUT_CONVC)
    err = err or rm.try_run(rm.make_cmd(out_dir, CC), "make",
                            rm.TIMEOUT_MAKE)
    if err:
        return err
    # A real network also runs on 2 threads: its convs split pixels or channels.
    rows = []
    for t in ([1, 2] if entry["real"] else [1]):
        res_dir = os.path.join(out_dir, f"out-T{t}")
        os.makedirs(res_dir, exist_ok=True)
        outs = [os.path.join(res_dir, f"out{k}.npy") for k in range(rm.num_outputs(entry))]
        cmd = qemu_cmd(os.path.join(out_dir, "model"))
        for f in entry["inputs"]:
            cmd += ["-i", os.path.join(rm.MODELS, f)]
        for p in outs:
            cmd += ["-o", p]
        err = rm.try_run(cmd + ["--threads", str(t)], "qemu runner", rm.TIMEOUT_RUN)
        if err:
            return err
        for k, r, twin in rm.ref_checks(entry):
            rows.append((name, t, k, rm.measure(outs[k], os.path.join(rm.MODELS, r), entry.get("half"),
                                                twin, entry.get("half_roundings", rm.HALF_ROUNDINGS))))
    return rows


def fmt(x):
    return "-" if x is None else f"{x:.3e}"


def print_table(rows, failures, level):
    print(f"\naarch64 (qemu) -O{level}: max|out-ref| <= {rm.RTOL:g}*max|ref| + {rm.ATOL:g}")
    print(f"{'model':<26} {'threads':>7} {'out':>3} {'max|out-ref|':>12} {'bound':>10}  ok")
    for name, t, k, c in rows:
        print(f"{name:<26} {t:>7} {k:>3} {fmt(c.err):>12} {fmt(c.bound):>10}  "
              f"{'ok' if c.ok else 'FAIL ' + c.note}")
    for name, why in failures:
        print(f"{name:<26} {'-':>7} {'-':>3} {'-':>12} {'-':>10}  FAIL {why}")


def main():
    ap = argparse.ArgumentParser(description="convc e2e test: cross-build for aarch64, "
                                             "run under qemu, compare with the references")
    ap.add_argument("--convc", required=True, help="path of the (host) convc binary")
    ap.add_argument("--work", default=None,
                    help="work directory (default: a directory under the system temp dir)")
    ap.add_argument("-O", dest="level", default="2", choices=["0", "1", "2", "3"],
                    help="optimization level (default 2)")
    ap.add_argument("--only", default="",
                    help="comma-separated model names (default: every model present)")
    a = ap.parse_args()

    convc = os.path.abspath(a.convc)
    if not os.access(convc, os.X_OK):
        print(f"aarch64_test: convc binary not found or not executable: {convc}",
              file=sys.stderr)
        sys.exit(2)
    manifest = rm.load_manifest()
    only = [n for n in a.only.split(",") if n]
    unknown = set(only) - {e["name"] for e in manifest["models"]}
    if unknown:
        print(f"aarch64_test: unknown model(s): {' '.join(sorted(unknown))}", file=sys.stderr)
        sys.exit(2)
    work = os.path.abspath(a.work or os.path.join(tempfile.gettempdir(), "convc-e2e-aarch64"))
    os.makedirs(work, exist_ok=True)
    probe(work)

    t0 = time.time()
    rows, failures = [], []
    for entry in select(manifest, only):
        print(f"== {entry['name']}", flush=True)
        res = build_and_run(convc, entry, a.level, work)
        if isinstance(res, str):
            print(f"FAIL: {entry['name']}: {res}", flush=True)
            failures.append((entry["name"], res))
        else:
            rows += res
    print_table(rows, failures, a.level)
    nbad = len(failures) + sum(1 for r in rows if not r[3].ok)
    print(f"{len(rows)} outputs checked, {nbad} failed, {time.time() - t0:.0f} s")
    if nbad or not (rows or failures):
        rm.fail("aarch64: " + (f"{nbad} failure(s)" if nbad else "no model was run"))
    print("PASS: aarch64")


if __name__ == "__main__":
    main()
