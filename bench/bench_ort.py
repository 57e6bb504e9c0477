#!/usr/bin/python3
"""convc vs ONNX Runtime and PyTorch latency on the real networks of models/.

For each model: compile with convc (-O2 by default) into a temporary directory, build the
runner, check its output against the ONNX Runtime reference once, then for each thread
count T run K rounds, each round being
    OUT/model -i INPUT --bench N --threads T
    node models/ort_run.mjs MODEL.onnx -i INPUT --bench N --threads T
    bench/torch_run.py MODEL -i INPUT --bench N --threads T     (unless --no-torch)
(the order rotates between rounds).  Each command does warm-up runs and N timed runs
in-process and prints its median; the table shows, per side, the median of the K
medians, and the ratios convc/ORT and convc/PyTorch (< 1 means convc is faster), with
the geometric mean over the models.  PyTorch (Debian python3-torch) runs the torchvision
network channels_last, traced, frozen and optimized for inference (oneDNN on x86).
The header records the date, the CPU model, its vector ISA and the kernel ISA convc's
runner picked (its --bench line's isa=).  GFLOP/s is the model's FLOPs (convc's report with
every conv direct, 2 per multiply-add; Winograd convs execute fewer, so convc's
figure is an effective rate) over the median latency; "% of peak" divides it by T times
one core's FMA peak as `convc --calibrate` measures it at the start of the run.
With thread counts 1 and T > 1 it also prints convc's and ORT's speedup 1 -> T.

  bench_ort.py [--convc BUILD/convc] [--threads 1,2] [--rounds 5] [--runs 20]
               [--models NAME ...] [--on-request] [--no-torch] [-O 2] [--work DIR]

Default models: every real network of models/manifest.json, those made only on request
(resnet50, mnasnet1_0) with --on-request.

Missing generated models are made first with models/make_models.py --missing.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODELS = os.path.join(ROOT, "models")
ORT_RUN = os.path.join(MODELS, "ort_run.mjs")
TORCH_RUN = os.path.join(HERE, "torch_run.py")
LINE = re.compile(r"latency_ms median=([0-9.eE+-]+) min=([0-9.eE+-]+) max=([0-9.eE+-]+) "
                  r"runs=(\d+)")
ISA = re.compile(r"latency_ms .* isa=(\S+)")
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import run_model  # noqa: E402  (the e2e bounds: RTOL, ATOL, HALF_U, HALF_ROUNDINGS)


def die(msg):
    sys.exit(f"bench_ort: {msg}")


def system_python():
    return "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def run(cmd, timeout=3600):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    out = r.stdout.decode("utf-8", "replace")
    if r.returncode != 0:
        die(f"{' '.join(cmd)} failed (status {r.returncode}):\n{out[-4000:]}")
    return out


def median_of(cmd, isa_seen=None):
    out = run(cmd)
    m = LINE.search(out)
    if not m:
        die(f"no latency_ms line from {' '.join(cmd)}:\n{out[-2000:]}")
    if isa_seen is not None and ISA.search(out):
        isa_seen.add(ISA.search(out).group(1))
    return float(m.group(1))


def cpu_isa():
    """The CPU's widest x86 vector extension, from /proc/cpuinfo's flags."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((set(l.split(":", 1)[1].split()) for l in f if l.startswith("flags")),
                         set())
    except OSError:
        return "unknown"
    if "avx512f" in flags:
        return "AVX-512 (avx512f/bw/vl: " + ("yes" if {"avx512bw", "avx512vl"} <= flags
                                            else "no") + ")"
    return "AVX2 + FMA, no AVX-512" if {"avx2", "fma"} <= flags else "no AVX2"


def model_flops(convc, onnx_path, shapes, work, name):
    """Total FLOPs of the model as convc's report counts them, every conv direct
    (--disable-pass=winograd): the work the network defines, the same for both
    sides; a Winograd conv executes fewer."""
    path = os.path.join(work, name + ".report.json")
    run([convc, onnx_path, "--emit=ir", "-o", "/dev/null", "--disable-pass=winograd",
         f"--report={path}"] + shapes)
    with open(path) as f:
        return float(json.load(f)["totals"]["flops"])


def measured_peak(convc, work):
    """One core's fp32 FMA peak (FLOP/s), measured now by convc --calibrate."""
    out = run([convc, "--calibrate=" + os.path.join(work, "host.xml")])
    m = re.search(r"^peak_flops_per_core = ([0-9.eE+-]+)$", out, re.M)
    if not m:
        die(f"no peak_flops_per_core from convc --calibrate:\n{out[-2000:]}")
    return float(m.group(1))


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ort_version():
    try:
        with open(os.path.join(MODELS, "node_modules", "onnxruntime-node", "package.json")) as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return "unknown"


def check_output(name, entry, out_dir):
    """One plain run of the compiled model, compared with the reference."""
    outs = [os.path.join(out_dir, f"bench-out{k}.npy") for k in range(len(entry["refs"]))]
    cmd = [os.path.join(out_dir, "model")]
    for f in entry["inputs"]:
        cmd += ["-i", os.path.join(MODELS, f)]
    for p in outs:
        cmd += ["-o", p]
    run(cmd)
    for o, r in zip(outs, entry["refs"]):
        out, ref = np.load(o), np.load(os.path.join(MODELS, r))
        if out.shape != ref.shape or not np.all(np.isfinite(out)):
            return "no (shape/NaN)"
        err = float(np.abs(out.astype(np.float64) - ref.astype(np.float64)).max())
        # a half-precision model against ORT running it: R roundings of u each
        # (tests/e2e/run_model.py, HALF_U and half_roundings)
        half = entry.get("half")
        rtol = (entry.get("half_roundings", run_model.HALF_ROUNDINGS) * run_model.HALF_U[half]
                if half else run_model.RTOL)
        if err > rtol * float(np.abs(ref.astype(np.float64)).max()) + run_model.ATOL:
            return f"no (err {err:.2g})"
    return "yes"


def main():
    ap = argparse.ArgumentParser(description="convc vs ONNX Runtime latency")
    ap.add_argument("--convc", default=os.path.join(ROOT, "build", "convc"),
                    help="convc binary (default: build/convc in the repo)")
    ap.add_argument("--threads", default="1", help="comma-separated thread counts (default 1)")
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds K (default 5)")
    ap.add_argument("--runs", type=int, default=20, help="timed runs per command N (default 20)")
    ap.add_argument("--models", nargs="+", default=None,
                    help="models (default: every real network of models/)")
    ap.add_argument("--on-request", "--resnet50", dest="on_request", action="store_true",
                    help="also the networks made only on request (resnet50, mnasnet1_0)")
    ap.add_argument("--no-torch", dest="torch", action="store_false",
                    help="leave PyTorch out")
    ap.add_argument("-O", dest="level", default="2", help="convc -O level (default 2)")
    ap.add_argument("--work", default=None, help="work dir (default: a temp dir, removed)")
    a = ap.parse_args()

    try:
        threads = [int(t) for t in a.threads.split(",") if t]
    except ValueError:
        die(f"bad --threads {a.threads}")
    if not threads or min(threads) < 1 or a.rounds < 1 or a.runs < 1:
        die("--threads, --rounds and --runs must be positive")
    convc = os.path.abspath(a.convc)
    if not os.access(convc, os.X_OK):
        die(f"convc not found at {convc} (build it, or pass --convc)")

    with open(os.path.join(MODELS, "manifest.json")) as f:
        entries = {m["name"]: m for m in json.load(f)["models"]}
    models = list(a.models or [n for n, e in entries.items()
                               if e["real"] and (a.on_request or not e["on_request"])])
    unknown = [m for m in models if m not in entries]
    if unknown:
        die(f"unknown model(s): {' '.join(unknown)}")
    # Makes missing models and installs onnxruntime-node when needed.
    subprocess.run([system_python(), os.path.join(MODELS, "make_models.py"), "--missing",
                    "--only"] + models, check=True, stdout=sys.stderr)
    if not os.path.exists(os.path.join(MODELS, "node_modules", "onnxruntime-node")):
        subprocess.run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund"],
                       cwd=MODELS, check=True, stdout=sys.stderr)

    work = a.work or tempfile.mkdtemp(prefix="convc-bench-")
    os.makedirs(work, exist_ok=True)
    results = {}  # (model, T) -> (convc median, ort median, torch median or None)
    isa_seen = set()
    checks, flops = {}, {}
    try:
        peak = measured_peak(convc, work)
        for name in models:
            e = entries[name]
            out_dir = os.path.join(work, name)
            shutil.rmtree(out_dir, ignore_errors=True)
            print(f"[{name}] compiling with convc -O{a.level}", file=sys.stderr, flush=True)
            shapes = []
            for inp, dims in sorted(e.get("input_shapes", {}).items()):
                shapes += ["--input-shape", f"{inp}=" + ",".join(map(str, dims))]
            run([convc, os.path.join(MODELS, e["file"]), f"-O{a.level}", "-o", out_dir] + shapes)
            flops[name] = model_flops(convc, os.path.join(MODELS, e["file"]), shapes, work, name)
            run(["make", "-s", "-j2", "-C", out_dir])  # no ccache: a user's build
            checks[name] = check_output(name, e, out_dir)
            ins = []
            for f in e["inputs"]:
                ins += ["-i", os.path.join(MODELS, f)]
            for t in threads:
                common = ins + ["--bench", str(a.runs), "--threads", str(t)]
                cmds = {"convc": [os.path.join(out_dir, "model")] + common,
                        "ORT": ["node", ORT_RUN, os.path.join(MODELS, e["file"])] + common}
                # no PyTorch for a half-precision model: torch 1.13 has no
                # float16 CPU conv (its slow_conv2d_cpu rejects the Half dtype)
                use_torch = a.torch and not e.get("half")
                if use_torch:
                    cmds["PyTorch"] = [system_python(), TORCH_RUN, name] + common
                got = {k: [] for k in cmds}
                order = list(cmds)
                for r in range(a.rounds):
                    for k in order[r % len(order):] + order[:r % len(order)]:
                        got[k].append(median_of(cmds[k], isa_seen if k == "convc" else None))
                    print(f"[{name}] T={t} round {r + 1}/{a.rounds}: " +
                          ", ".join(f"{k} {v[-1]:.3f} ms" for k, v in got.items()),
                          file=sys.stderr, flush=True)
                results[(name, t)] = (statistics.median(got["convc"]),
                                      statistics.median(got["ORT"]),
                                      statistics.median(got["PyTorch"]) if use_torch else None)
    finally:
        if a.work is None:
            shutil.rmtree(work, ignore_errors=True)

    print(f"date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {cpu_model()}; "
          f"CPU ISA: {cpu_isa()}; convc kernels ran: {', '.join(sorted(isa_seen)) or '?'}")
    print(f"convc -O{a.level} vs onnxruntime-node {ort_version()} (graphOptimizationLevel all); "
          f"median of {a.rounds} rounds, each the in-process median of {a.runs} runs "
          f"after 1 warm-up")
    print(f"measured peak: {peak / 1e9:.1f} GFLOP/s per core (convc --calibrate)")
    for t in threads:
        print()
        print(f"threads = {t}")
        print()
        print("| model | GFLOP | convc median ms | ORT median ms | PyTorch median ms | "
              "convc/ORT | convc/PyTorch | convc GFLOP/s | % of peak | ORT GFLOP/s | "
              "output matches ref |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for name in models:
            c, o, p = results[(name, t)]
            gf = flops[name] / 1e9
            print(f"| {name} | {gf:.3f} | {c:.3f} | {o:.3f} | "
                  f"{'-' if p is None else f'{p:.3f}'} | {c / o:.2f} | "
                  f"{'-' if p is None else f'{c / p:.2f}'} | {gf / c * 1e3:.1f} | "
                  f"{100 * flops[name] / (c * 1e-3) / (peak * t):.0f}% | {gf / o * 1e3:.1f} | "
                  f"{checks[name]} |")
        geo = statistics.geometric_mean([results[(n, t)][0] / results[(n, t)][1] for n in models])
        vs_torch = [results[(n, t)][0] / results[(n, t)][2] for n in models
                    if results[(n, t)][2] is not None]
        geo_t = f"{statistics.geometric_mean(vs_torch):.2f}" if vs_torch else "-"
        print(f"| geometric mean | | | | | {geo:.2f} | {geo_t} | | | | |")
    if 1 in threads:
        for t in (t for t in threads if t > 1):
            print()
            print(f"speedup, 1 -> {t} threads")
            print()
            print("| model | convc T=1 ms | convc T=" + str(t) + " ms | convc speedup | "
                  "ORT speedup |")
            print("|---|---:|---:|---:|---:|")
            for name in models:
                c1, o1, _ = results[(name, 1)]
                ct, ot, _ = results[(name, t)]
                print(f"| {name} | {c1:.3f} | {ct:.3f} | {c1 / ct:.2f} | {o1 / ot:.2f} |")


if __name__ == "__main__":
    main()
