#!/usr/bin/python3
"""Depthwise convolution: convc's pool-style kernel vs its grouped path vs ONNX Runtime.

For each of six depthwise shapes (3x3, stride 1, pad 1, with bias) this builds a
one-node ONNX model (NCHW in and out, a Conv with group=C, seeded random weights),
compiles it with convc three ways

    dw-to-pool   convc M -O2 -o D                                (NHWC dwconv2d via
                                                                  channels-last)
    grouped      convc M -O2 --disable-pass=dw-to-pool -o D      (im2col + GEMM per group)
    nchw-pool    convc M -O2 --disable-pass=channels-last -o D   (NCHW dwconv2d)

checks each one's output against ONNX Runtime once, then for each thread count T runs
K rounds of

    D/model -i in.npy --bench N --threads T            (per variant)
    node models/ort_run.mjs M -i in.npy --bench N --threads T

rotating the order every round, and prints per T a Markdown table of the medians of
the K per-process medians, plus the geometric-mean speedup dw-to-pool vs grouped.

  bench_dw.py [--convc BUILD/convc] [--threads 1,2] [--rounds 5] [--runs 20]
              [--shapes 0,1,...] [--work DIR] [--omp-wait-policy passive|active]
              [--fast FLAGS] [--grouped FLAGS] [--nchw FLAGS]

A variant whose compile fails (e.g. `unknown pass` before the dw-to-pool and
channels-last passes exist) is reported as unavailable and left out of the table.
"""

import argparse
import datetime
import math
import os
import platform
import shlex
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
sys.path.insert(0, HERE)
from bench_ort import LINE, cpu_model, ort_version  # noqa: E402

# N, H, W, C of the depthwise convs (3x3, stride 1, pad 1, bias).
SHAPES = [(10, 56, 56, 144), (10, 14, 14, 576), (10, 7, 7, 960), (10, 7, 7, 112),
          (1, 80, 80, 320), (1, 40, 40, 640)]
RTOL, ATOL = 1e-4, 1e-5


def die(msg):
    sys.exit(f"bench_dw: {msg}")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, env=None, check=True, timeout=3600):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                       timeout=timeout)
    out = r.stdout.decode("utf-8", "replace")
    if check and r.returncode != 0:
        die(f"{' '.join(cmd)} failed (status {r.returncode}):\n{out[-4000:]}")
    return r.returncode, out


def median_of(cmd, env=None):
    _, out = run(cmd, env)
    m = LINE.search(out)
    if not m:
        die(f"no latency_ms line from {' '.join(cmd)}:\n{out[-2000:]}")
    return float(m.group(1))


def make_model(path, n, h, w, c, seed):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    wt = (rng.standard_normal((c, 1, 3, 3)) / 3).astype(np.float32)
    b = rng.standard_normal(c).astype(np.float32)
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], group=c, kernel_shape=[3, 3],
                            pads=[1, 1, 1, 1], strides=[1, 1])
    graph = helper.make_graph(
        [node], "dw",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [n, c, h, w])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n, c, h, w])],
        [numpy_helper.from_array(wt, "w"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="bench_dw")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    x = rng.standard_normal((n, c, h, w)).astype(np.float32)
    np.save(os.path.join(os.path.dirname(path), "in.npy"), x)


def matches(out_path, ref_path):
    out, ref = np.load(out_path), np.load(ref_path)
    if out.shape != ref.shape or not np.all(np.isfinite(out)):
        return "no (shape/NaN)"
    err = float(np.abs(out.astype(np.float64) - ref).max())
    if err > RTOL * float(np.abs(ref).max()) + ATOL:
        return f"no (err {err:.2g})"
    return "yes"


def main():
    ap = argparse.ArgumentParser(description="depthwise conv: dw-to-pool vs grouped vs ORT")
    ap.add_argument("--convc", default=os.path.join(ROOT, "build", "convc"))
    ap.add_argument("--threads", default="1,2", help="comma-separated (default 1,2)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds K (default 5)")
    ap.add_argument("--runs", type=int, default=20, help="timed runs per process N (default 20)")
    ap.add_argument("--shapes", default=None, help="comma-separated shape indices 0-5")
    ap.add_argument("--work", default=None, help="work dir (default: a temp dir, removed)")
    ap.add_argument("--omp-wait-policy", default=None, choices=["passive", "active"],
                    help="set OMP_WAIT_POLICY for the convc runs (default: unset)")
    ap.add_argument("--fast", default="-O2", help="flags of the dw-to-pool variant")
    ap.add_argument("--grouped", default="-O2 --disable-pass=dw-to-pool",
                    help="flags of the grouped variant")
    ap.add_argument("--nchw", default="-O2 --disable-pass=channels-last",
                    help="flags of the NCHW pool-style variant ('' to skip)")
    a = ap.parse_args()

    threads = [int(t) for t in a.threads.split(",") if t]
    if not threads or min(threads) < 1 or a.rounds < 1 or a.runs < 1:
        die("--threads, --rounds and --runs must be positive")
    shape_ids = ([int(s) for s in a.shapes.split(",")] if a.shapes
                 else list(range(len(SHAPES))))
    convc = os.path.abspath(a.convc)
    if not os.access(convc, os.X_OK):
        die(f"convc not found at {convc} (build it, or pass --convc)")
    if not os.path.exists(os.path.join(MODELS, "node_modules", "onnxruntime-node")):
        subprocess.run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund"],
                       cwd=MODELS, check=True, stdout=sys.stderr)
    variants = [("dw-to-pool", a.fast), ("grouped", a.grouped)]
    if a.nchw:
        variants.append(("nchw-pool", a.nchw))
    env = dict(os.environ)
    if a.omp_wait_policy:
        env["OMP_WAIT_POLICY"] = a.omp_wait_policy

    work = a.work or tempfile.mkdtemp(prefix="convc-bench-dw-")
    os.makedirs(work, exist_ok=True)
    results = {}      # (shape id, variant or "ORT", T) -> median ms
    available = {}    # (shape id, variant) -> None or reason
    checks = {}
    try:
        for si in shape_ids:
            n, h, w, c = SHAPES[si]
            sdir = os.path.join(work, f"dw{si}_{n}x{h}x{w}x{c}")
            os.makedirs(sdir, exist_ok=True)
            model = os.path.join(sdir, "model.onnx")
            make_model(model, n, h, w, c, seed=1000 + si)
            inp = os.path.join(sdir, "in.npy")
            ref = os.path.join(sdir, "ref.npy")
            run(["node", ORT_RUN, model, "-i", inp, "-o", ref])
            for vname, flags in variants:
                d = os.path.join(sdir, vname)
                shutil.rmtree(d, ignore_errors=True)
                log(f"[{n}x{h}x{w}x{c}] convc {flags}")
                rc, out = run([convc, model] + shlex.split(flags) + ["-o", d], check=False)
                if rc != 0:
                    why = "unknown pass" if "unknown pass" in out else f"convc status {rc}"
                    available[(si, vname)] = f"{why}: {out.strip().splitlines()[-1] if out.strip() else ''}"
                    log(f"  variant {vname} UNAVAILABLE ({available[(si, vname)]})")
                    continue
                run(["make", "-s", "-j2", "-C", d])
                run([os.path.join(d, "model"), "-i", inp, "-o", os.path.join(d, "out.npy")])
                available[(si, vname)] = None
                checks[(si, vname)] = matches(os.path.join(d, "out.npy"), ref)
                if checks[(si, vname)] != "yes":
                    log(f"  variant {vname} output does NOT match ORT: {checks[(si, vname)]}")
            live = [v for v, _ in variants if available[(si, v)] is None]
            for t in threads:
                common = ["-i", inp, "--bench", str(a.runs), "--threads", str(t)]
                cmds = [(v, [os.path.join(sdir, v, "model")] + common, env) for v in live]
                cmds.append(("ORT", ["node", ORT_RUN, model] + common, None))
                times = {k: [] for k, _, _ in cmds}
                for r in range(a.rounds):
                    k = r % len(cmds)
                    for name, cmd, e in cmds[k:] + cmds[:k]:
                        times[name].append(median_of(cmd, e))
                    log(f"[{n}x{h}x{w}x{c}] T={t} round {r + 1}/{a.rounds}: " +
                        ", ".join(f"{k2} {v[-1]:.3f}" for k2, v in times.items()))
                for name, v in times.items():
                    results[(si, name, t)] = statistics.median(v)
    finally:
        if a.work is None:
            shutil.rmtree(work, ignore_errors=True)

    print(f"date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {cpu_model()}")
    print(f"onnxruntime-node {ort_version()}; median of {a.rounds} rounds, each the "
          f"in-process median of {a.runs} runs after 1 warm-up; OMP_WAIT_POLICY="
          f"{a.omp_wait_policy or os.environ.get('OMP_WAIT_POLICY', '(unset)')}")
    print("variants: " + "; ".join(f"{v} = convc {f}" for v, f in variants))
    missing = sorted({(v, r) for (si, v), r in available.items() if r})
    for v, r in missing:
        print(f"UNAVAILABLE: {v}: {r}")
    bad = [(si, v, s) for (si, v), s in checks.items() if s != "yes"]
    for si, v, s in bad:
        print(f"WRONG OUTPUT: {SHAPES[si]} {v}: {s}")
    has_nchw = any(v == "nchw-pool" for v, _ in variants)

    def cell(si, v, t):
        x = results.get((si, v, t))
        return f"{x:.3f}" if x is not None else "n/a"

    for t in threads:
        print()
        print(f"threads = {t}")
        print()
        hdr = "| shape NxHxWxC | dw-to-pool ms | grouped ms | speedup |"
        sep = "|---|---:|---:|---:|"
        if has_nchw:
            hdr += " nchw-pool ms |"
            sep += "---:|"
        hdr += " ORT ms | convc/ORT | GB/s |"
        sep += "---:|---:|---:|"
        print(hdr)
        print(sep)
        logs = []
        for si in shape_ids:
            n, h, w, c = SHAPES[si]
            f, g, o = (results.get((si, v, t)) for v in ("dw-to-pool", "grouped", "ORT"))
            row = f"| {n}x{h}x{w}x{c} | {cell(si, 'dw-to-pool', t)} | {cell(si, 'grouped', t)} |"
            if f and g:
                row += f" {g / f:.2f} |"
                logs.append(math.log(g / f))
            else:
                row += " n/a |"
            if has_nchw:
                row += f" {cell(si, 'nchw-pool', t)} |"
            nbytes = 4.0 * (2 * n * h * w * c + 9 * c + c)
            row += f" {o:.3f} | " + (f"{f / o:.2f} | {nbytes / (f * 1e-3) / 1e9:.1f} |"
                                     if f else "n/a | n/a |")
            print(row)
        if logs:
            print()
            print(f"geometric-mean speedup dw-to-pool vs grouped: "
                  f"{math.exp(sum(logs) / len(logs)):.2f}x over {len(logs)} shapes")
        else:
            print()
            print("geometric-mean speedup: n/a (a variant was unavailable)")


if __name__ == "__main__":
    main()
