#!/usr/bin/python3
"""Conv layers' share of the FMA peak, per instruction set the kernels run on.

    conv_efficiency.py [--convc build/convc] [--models NAME,...] [--isas avx2,avx512]
                       [--runs 20] [--rounds 3] [--no-winograd] [--work DIR]

The question it answers (issue "fast on every network"): with the AVX2 kernels forced
(CVRT_ISA=avx2) on an AVX-512 machine, what fraction of one core's AVX2 FMA peak do the
conv layers reach? And the same for the AVX-512 kernels against the AVX-512 peak.

1. The peak: bench/fma_peak.c, compiled here with `cc -O3`, pinned to one CPU (taskset),
   12 independent FMA chains per ISA, best of 5 (GFLOP/s, one core); measured again
   before every round of every model, the highest kept (a busy moment only lowers it).
2. Each model (default: every real network of models/manifest.json that is here and
   not made only on request) is compiled at -O2 (`--disable-pass=winograd` with
   --no-winograd: every conv then runs the direct GEMM kernels) and built; one run is
   checked against the ONNX Runtime reference.
3. For each ISA and round (ISAs alternated within a round), one pinned 1-thread run
   `CVRT_ISA=ISA taskset -c CPU model -i IN --bench RUNS --threads 1 --profile P`; the
   per-node medians of the round with the lowest total are read back through
   `convc --profile-from=P --report=R.md`, whose Ops table gives each conv2d's MFLOP
   (what the kernel executes: a Winograd conv counts its transforms and its smaller
   products, ir/flops.c) and measured ms.
4. Per model and ISA: conv MFLOP / conv ms = GFLOP/s of the conv layers together, its
   percentage of the peak, and the share of conv time spent in layers at >= 70% of it;
   the three slowest convs by lost time (ms spent beyond what 100% of peak would take).
   A model with no conv2d layer (r3d_small: conv3d only) prints a row of dashes.

Prints the CPU model, its widest ISA and the date first. Numbers depend on the machine's
load: run it on a quiet machine (the script prints the load average).
"""
import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MODELS = os.path.join(REPO, "models")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
from bench_ort import cpu_isa, cpu_model  # noqa: E402
from layer_gflops import ops_table  # noqa: E402
import run_model  # noqa: E402


def die(msg):
    sys.exit(f"conv_efficiency: {msg}")


def run(cmd, env=None):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    out = r.stdout.decode("utf-8", "replace")
    if r.returncode != 0:
        die(f"{' '.join(cmd)} failed ({r.returncode}):\n{out[-3000:]}")
    return out


def peaks(work, cpu):
    exe = os.path.join(work, "fma_peak")
    run(["cc", "-O3", "-o", exe, os.path.join(HERE, "fma_peak.c")])
    got = {}
    for line in run(["taskset", "-c", str(cpu), exe]).splitlines():
        isa, gf = line.split()
        got[isa.split("=")[1]] = float(gf.split("=")[1])
    return got


def conv_rows(convc, onnx, prof, extra, work):
    rep = os.path.join(work, "r.md")
    run([convc, onnx, "-O2", "--emit=ir", "-o", os.devnull, f"--profile-from={prof}",
         f"--report={rep}"] + extra)
    with open(rep) as f:
        return [r for r in ops_table(f.read()) if r["op"] == "conv2d"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--convc", default=os.path.join(REPO, "build", "convc"))
    ap.add_argument("--models", default="")
    ap.add_argument("--isas", default="avx2,avx512")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cpu", type=int, default=0, help="the CPU to pin to (taskset -c)")
    ap.add_argument("--no-winograd", action="store_true")
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    a.convc = os.path.abspath(a.convc)
    manifest = run_model.load_manifest()
    if a.models:
        entries = [e for e in manifest["models"] if e["name"] in a.models.split(",")]
    else:
        entries = [e for e in manifest["models"] if e["real"] and not e["on_request"]]
    entries = [e for e in entries if os.path.exists(os.path.join(MODELS, e["file"]))]
    if not entries:
        die("no model to run (make them with models/make_models.py --missing)")
    work = a.work or tempfile.mkdtemp(prefix="conv_eff.")
    os.makedirs(work, exist_ok=True)
    peak = peaks(work, a.cpu)
    isas = [i for i in a.isas.split(",") if i in peak]
    if not isas:
        die(f"none of {a.isas} runs on this CPU (measured: {', '.join(peak) or 'none'})")
    extra = ["--disable-pass=winograd"] if a.no_winograd else []
    print(f"cpu: {cpu_model()}, ISA: {cpu_isa()}; date {datetime.date.today().isoformat()}; "
          f"load average {os.getloadavg()[0]:.2f}")
    print("peak at the start (one core, bench/fma_peak.c): " +
          ", ".join(f"{i} {peak[i]:.1f} GFLOP/s" for i in isas))
    print(f"-O2{' --disable-pass=winograd' if extra else ''}, 1 thread pinned to CPU {a.cpu}, "
          f"{a.rounds} rounds of --bench {a.runs}, per-node medians of the fastest round\n")
    worst_lines, results = [], []
    for e in entries:
        name = e["name"]
        onnx = os.path.join(MODELS, e["file"])
        out = os.path.join(work, name)
        shutil.rmtree(out, ignore_errors=True)
        shapes = run_model.input_shape_args(e)
        run([a.convc, onnx, "-O2", "-o", out] + extra + shapes)
        run(run_model.make_cmd(out))
        inp = os.path.join(MODELS, e["inputs"][0])
        y = os.path.join(out, "y.npy")
        run([os.path.join(out, "model"), "-i", inp, "-o", y, "--threads", "1"])
        import numpy as np
        ref = np.load(os.path.join(MODELS, e["refs"][0]))
        err = float(abs(np.load(y).astype(np.float64) - ref.astype(np.float64)).max())
        # a half-precision model: run_model.py's bound against ORT running it
        rtol = (e.get("half_roundings", run_model.HALF_ROUNDINGS) * run_model.HALF_U[e["half"]]
                if e.get("half") else 1e-3)
        if err > rtol * max(1.0, float(abs(ref.astype(np.float64)).max())):
            die(f"{name}: output differs from the reference by {err:g}")
        best = {}
        for rnd in range(a.rounds):
            # the peak again each round, the best kept: a busy moment lowers it
            for isa, gf in peaks(work, a.cpu).items():
                peak[isa] = max(peak[isa], gf)
            order = isas[rnd % len(isas):] + isas[:rnd % len(isas)]
            for isa in order:
                prof = os.path.join(out, f"prof-{isa}-{rnd}.json")
                env = dict(os.environ, CVRT_ISA=isa)
                run(["taskset", "-c", str(a.cpu), os.path.join(out, "model"), "-i", inp,
                     "--bench", str(a.runs), "--threads", "1", "--profile", prof], env)
                rows = conv_rows(a.convc, onnx, prof, extra + shapes, out)
                ms = sum(float(r["measured ms"]) for r in rows)
                if isa not in best or ms < best[isa][0]:
                    best[isa] = (ms, rows)
        results.append((name, best))
    print("peak, the highest measured over the run (one core, bench/fma_peak.c): " +
          ", ".join(f"{i} {peak[i]:.1f} GFLOP/s" for i in isas) + "\n")
    print("| model | ISA | conv MFLOP | conv ms | GFLOP/s | % of peak | conv time in layers >= 70% |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, best in results:
        for isa in isas:
            ms, rows = best[isa]
            if not rows:  # e.g. r3d_small: conv3d only, no conv2d layer to count
                print(f"| {name} | {isa} | - | - | - | - | no conv2d layers |", flush=True)
                continue
            mflop = sum(float(r["MFLOP"]) for r in rows)
            gf = mflop / ms if ms > 0 else 0.0
            good = sum(float(r["measured ms"]) for r in rows
                       if float(r["measured ms"]) > 0 and
                       float(r["MFLOP"]) / float(r["measured ms"]) >= 0.7 * peak[isa])
            print(f"| {name} | {isa} | {mflop:.0f} | {ms:.2f} | {gf:.1f} | "
                  f"{100 * gf / peak[isa]:.0f}% | {100 * good / ms if ms else 0:.0f}% |",
                  flush=True)
            lost = sorted(rows, key=lambda r: -(float(r["measured ms"]) -
                                                float(r["MFLOP"]) / peak[isa]))
            for r in lost[:3]:
                m, t = float(r["MFLOP"]), float(r["measured ms"])
                worst_lines.append(f"  {name} {isa}: {r['op name']} "
                                   f"{r['shapes and layouts'].split(' -> ')[-1]}: {m:.1f} MFLOP "
                                   f"in {t:.3f} ms = {m / t if t else 0:.1f} GFLOP/s "
                                   f"({100 * m / t / peak[isa] if t else 0:.0f}%)")
    print("\nmost time lost against the peak, per model and ISA:")
    print("\n".join(worst_lines))
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
