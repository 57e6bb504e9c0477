#!/usr/bin/python3
"""Compile cost of large models: convc -O2 and the emitted code's `make`, wall
time, CPU time and peak resident memory of each step, against the budgets of
docs/limits.md (issue "hostile input ... bound every resource"):

    resnet50  convc + make  < 20 s and < 2 GiB
    vgg16     convc + make  < 60 s and < 3 GiB   (138 M parameters, 528 MiB of weights)

    bench_compile.py [--convc build/convc] [--models resnet50,vgg16] [--rounds 3]
                     [--jobs 2] [--cc cc] [--work DIR]

Both models are made on request (models/make_models.py --only NAME: system
python with torch + torchvision, node + npm for the ONNX Runtime reference; vgg16
is a 553 MB file). For each model and round: `convc MODEL.onnx -O2 -o DIR`, then
`make -C DIR -j JOBS CC=CC` from clean (no ccache: every object compiled), then one
run whose output is compared with the reference. Peak memory is each child's
ru_maxrss (os.wait4), in MiB; for make it is the largest single process (a
compiler), not the sum over the parallel jobs. Prints the CPU model, its widest
ISA, the date, then one line per round and the medians. Wall times depend on the
load of the machine: the CPU seconds (user + sys) are the steadier number.
Exit status 1 when a median exceeds its budget or an output is wrong.
"""
import argparse
import datetime
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MODELS = os.path.join(REPO, "models")
sys.path.insert(0, HERE)
from bench_ort import cpu_isa, cpu_model, system_python  # noqa: E402

# (wall seconds, MiB) for convc + make together; docs/limits.md
BUDGET = {"resnet50": (20.0, 2048.0), "vgg16": (60.0, 3072.0)}


def die(msg):
    sys.exit(f"bench_compile: {msg}")


def measured(cmd, env=None):
    """Run cmd; return (wall s, user+sys s, peak RSS MiB of the largest process)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        die(f"{' '.join(cmd)} failed:\n{out.decode('utf-8', 'replace')[-3000:]}")
    # ru of the direct child includes its waited-for descendants (make's compilers)
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--convc", default=os.path.join(REPO, "build", "convc"))
    ap.add_argument("--models", default="resnet50,vgg16")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--cc", default="cc")
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    names = [n for n in a.models.split(",") if n]
    for n in names:
        if n not in BUDGET:
            die(f"no budget for '{n}' (known: {', '.join(BUDGET)})")
    if not os.access(a.convc, os.X_OK):
        die(f"{a.convc} is not built (cmake -S . -B build && cmake --build build -j2)")
    for n in names:
        if not os.path.exists(os.path.join(MODELS, n + ".onnx")):
            print(f"making {n} (models/make_models.py --only {n})", flush=True)
            subprocess.run([system_python(), os.path.join(MODELS, "make_models.py"),
                            "--only", n], check=True)
    work = a.work or tempfile.mkdtemp(prefix="bench_compile.")
    print(f"cpu: {cpu_model()} ({os.cpu_count()} CPUs), ISA: {cpu_isa()}")
    print(f"date: {datetime.date.today().isoformat()}  make -j{a.jobs} CC={a.cc}  "
          f"load average at start: {os.getloadavg()[0]:.2f}")
    print(f"{'model':<10} {'round':>5} {'convc s':>8} {'cpu s':>6} {'MiB':>6} "
          f"{'make s':>7} {'cpu s':>6} {'MiB':>6} {'total s':>8}")
    bad = 0
    env = dict(os.environ)
    env.pop("CCACHE_DIR", None)
    for n in names:
        totals, peaks = [], []
        onnx = os.path.join(MODELS, n + ".onnx")
        for r in range(a.rounds):
            out = os.path.join(work, n)
            shutil.rmtree(out, ignore_errors=True)
            cw, cc, cm = measured([a.convc, onnx, "-O2", "-o", out])
            mw, mc, mm = measured(["make", "-s", "-C", out, f"-j{a.jobs}", f"CC={a.cc}"], env)
            totals.append(cw + mw)
            peaks.append(max(cm, mm))
            print(f"{n:<10} {r + 1:>5} {cw:>8.2f} {cc:>6.2f} {cm:>6.0f} {mw:>7.2f} {mc:>6.2f} "
                  f"{mm:>6.0f} {cw + mw:>8.2f}", flush=True)
        y = os.path.join(out, "y.npy")
        subprocess.run([os.path.join(out, "model"), "-i", os.path.join(MODELS, n + ".input.npy"),
                        "-o", y, "--threads", "1"], check=True, stdout=subprocess.DEVNULL)
        import numpy as np
        got, ref = np.load(y), np.load(os.path.join(MODELS, n + ".ref.npy"))
        err = float(abs(got - ref).max())
        ok_out = got.shape == ref.shape and err <= 1e-3 * max(1.0, float(abs(ref).max()))
        wall_b, mib_b = BUDGET[n]
        t, m = statistics.median(totals), max(peaks)
        ok = t < wall_b and m < mib_b and ok_out
        bad += not ok
        print(f"{n}: median convc+make {t:.2f} s (budget {wall_b:.0f} s), peak {m:.0f} MiB "
              f"(budget {mib_b:.0f} MiB), max|out-ref| {err:.3g}: {'ok' if ok else 'OVER'}")
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
