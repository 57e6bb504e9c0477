#!/usr/bin/python3
"""Depthwise convolution: convc's pool-style kernel vs its grouped path vs ONNX Runtime.

For each depthwise shape (SHAPES: six 3x3 stride-1 ones from MobileNet-style
nets, then EfficientNet-b0's 5x5 layers at stride 1 and 2 and ConvNeXt-T's first
7x7; "same" padding k // 2, with bias) this builds a one-node ONNX model (a Conv
with group=C, seeded random weights), NCHW in and out. convc keeps such a lone
conv NCHW (two transposes for one op cost more than they save), so dw-to-pool
runs the NCHW dwconv2d (cvrt_dwconv2d; small planes through its NHWC tile).
--layout nhwc wraps the Conv in Transposes (NHWC input and output) so that
channels-last can fold them into one NHWC dwconv2d, as between the NHWC
pointwise convs of a real net; convc 02bf7a5 rejects that graph (its verifier:
"dwconv2d 'Conv_1': 14 input channels are not divisible by group 672").
The model is compiled three ways

    dw-to-pool   convc M -O2 -o D                                (dwconv2d)
    grouped      convc M -O2 --disable-pass=dw-to-pool -o D      (im2col + GEMM per group)
    nchw-pool    convc M -O2 --disable-pass=channels-last -o D   (NCHW dwconv2d)

checks each one's output against ONNX Runtime once, then for each thread count T runs
K rounds of

    D/model -i in.npy --bench N --threads T            (per variant)
    node models/ort_run.mjs M -i in.npy --bench N --threads T

rotating the order every round, and prints per T a Markdown table of the medians of
the K per-process medians, plus the geometric-mean speedup dw-to-pool vs grouped.
GB/s is the dw-to-pool variant's bytes moved (input + output + weights + bias, as
floats) per second; with --stream S (one core's stream bandwidth in GB/s, e.g. the
memory_bandwidth that `convc --calibrate=FILE` prints; --stream calibrate measures it so
first) also its fraction of S.
The convc runs see CVRT_ISA from the environment (portable, avx2, avx512).

  bench_dw.py [--convc BUILD/convc] [--layout nhwc|nchw] [--threads 1,2] [--rounds 5]
              [--runs 20]
              [--shapes 0,1,...] [--work DIR] [--omp-wait-policy passive|active]
              [--fast FLAGS] [--grouped FLAGS] [--nchw FLAGS] [--stream GB/s|calibrate]
              [--baseline OTHER/convc]

--grouped '' leaves the grouped variant out. --baseline OTHER/convc adds a variant
"baseline": the dw-to-pool flags compiled by another convc (say, a build of the
commit before a kernel change), with its time and the speedup over it.

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

# N, H, W, C, kernel size K (K x K, pad K // 2) and stride of the depthwise convs
# (with bias): six 3x3 stride-1 ones; EfficientNet-b0's 5x5 layers (224x224
# input): 144 channels 56x56 stride 2, 240 at 28x28, 672 at 14x14 stride 1 and 2,
# 1152 at 7x7; ConvNeXt-T's first 7x7 (96 channels, 56x56).
SHAPES = [(10, 56, 56, 144, 3, 1), (10, 14, 14, 576, 3, 1), (10, 7, 7, 960, 3, 1),
          (10, 7, 7, 112, 3, 1), (1, 80, 80, 320, 3, 1), (1, 40, 40, 640, 3, 1),
          (1, 56, 56, 144, 5, 2), (1, 28, 28, 240, 5, 1), (1, 14, 14, 672, 5, 1),
          (1, 14, 14, 672, 5, 2), (1, 7, 7, 1152, 5, 1), (1, 56, 56, 96, 7, 1)]
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


def out_hw(h, w, k, s):
    p = k // 2
    return (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1


def shape_name(si):
    n, h, w, c, k, s = SHAPES[si]
    return f"{n}x{h}x{w}x{c} k{k} s{s}"


def make_model(path, n, h, w, c, k, s, seed, layout):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    wt = (rng.standard_normal((c, 1, k, k)) / k).astype(np.float32)
    oh, ow = out_hw(h, w, k, s)
    b = rng.standard_normal(c).astype(np.float32)
    if layout == "nhwc":
        nodes = [helper.make_node("Transpose", ["x"], ["xt"], perm=[0, 3, 1, 2]),
                 helper.make_node("Conv", ["xt", "w", "b"], ["yt"], group=c,
                                  kernel_shape=[k, k], pads=[k // 2] * 4, strides=[s, s]),
                 helper.make_node("Transpose", ["yt"], ["y"], perm=[0, 2, 3, 1])]
        xdims, ydims = [n, h, w, c], [n, oh, ow, c]
    else:
        nodes = [helper.make_node("Conv", ["x", "w", "b"], ["y"], group=c, kernel_shape=[k, k],
                                  pads=[k // 2] * 4, strides=[s, s])]
        xdims, ydims = [n, c, h, w], [n, c, oh, ow]
    graph = helper.make_graph(
        nodes, "dw",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, xdims)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ydims)],
        [numpy_helper.from_array(wt, "w"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="bench_dw")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    x = rng.standard_normal(xdims).astype(np.float32)
    np.save(os.path.join(os.path.dirname(path), "in.npy"), x)


def matches(out_path, ref_path):
    out, ref = np.load(out_path), np.load(ref_path)
    if out.shape != ref.shape or not np.all(np.isfinite(out)):
        return "no (shape/NaN)"
    err = float(np.abs(out.astype(np.float64) - ref).max())
    if err > RTOL * float(np.abs(ref).max()) + ATOL:
        return f"no (err {err:.2g})"
    return "yes"


def calibrated_stream(convc):
    """One core's stream triad in GB/s, as `convc --calibrate=FILE` measures it
    (memory-bandwidth in bytes/s, 24 bytes per element; targets/host.c)."""
    import xml.etree.ElementTree as ET
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "host.xml")
        r = subprocess.run([convc, f"--calibrate={path}"], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"bench_dw.py: {convc} --calibrate failed: {r.stderr.strip()}")
        el = ET.parse(path).getroot().find(".//memory-bandwidth")
        if el is None or not el.text:
            sys.exit(f"bench_dw.py: {path}: no memory-bandwidth written by --calibrate")
        gbs = float(el.text) / 1e9
    print(f"stream: {gbs:.1f} GB/s (one core's triad, convc --calibrate)", file=sys.stderr)
    return gbs


def main():
    ap = argparse.ArgumentParser(description="depthwise conv: dw-to-pool vs grouped vs ORT")
    ap.add_argument("--convc", default=os.path.join(ROOT, "build", "convc"))
    ap.add_argument("--threads", default="1,2", help="comma-separated (default 1,2)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds K (default 5)")
    ap.add_argument("--runs", type=int, default=20, help="timed runs per process N (default 20)")
    ap.add_argument("--shapes", default=None,
                    help=f"comma-separated shape indices 0-{len(SHAPES) - 1}")
    ap.add_argument("--work", default=None, help="work dir (default: a temp dir, removed)")
    ap.add_argument("--omp-wait-policy", default=None, choices=["passive", "active"],
                    help="set OMP_WAIT_POLICY for the convc runs (default: unset)")
    ap.add_argument("--fast", default="-O2", help="flags of the dw-to-pool variant")
    ap.add_argument("--grouped", default="-O2 --disable-pass=dw-to-pool",
                    help="flags of the grouped variant")
    ap.add_argument("--nchw", default="-O2 --disable-pass=channels-last",
                    help="flags of the NCHW pool-style variant ('' to skip)")
    ap.add_argument("--stream", default=None,
                    help="one core's stream bandwidth in GB/s, or 'calibrate' to measure it "
                         "first with `convc --calibrate` (its stream triad): adds a "
                         "fraction-of-it column")
    ap.add_argument("--layout", default="nchw", choices=["nchw", "nhwc"],
                    help="graph input/output layout (default nchw)")
    ap.add_argument("--baseline", default=None,
                    help="another convc: adds its dw-to-pool build as variant 'baseline'")
    a = ap.parse_args()

    if a.stream == "calibrate":
        a.stream = calibrated_stream(a.convc)
    elif a.stream is not None:
        try:
            a.stream = float(a.stream)
        except ValueError:
            sys.exit(f"bench_dw.py: --stream {a.stream!r}: expected GB/s or 'calibrate'")
        if a.stream <= 0:
            sys.exit(f"bench_dw.py: --stream {a.stream:g}: must be positive")
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
    variants = [("dw-to-pool", convc, a.fast)]
    if a.grouped:
        variants.append(("grouped", convc, a.grouped))
    if a.nchw:
        variants.append(("nchw-pool", convc, a.nchw))
    if a.baseline:
        variants.append(("baseline", os.path.abspath(a.baseline), a.fast))
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
            n, h, w, c, k, s = SHAPES[si]
            label = shape_name(si)
            sdir = os.path.join(work, f"dw{si}_{n}x{h}x{w}x{c}_k{k}s{s}")
            os.makedirs(sdir, exist_ok=True)
            model = os.path.join(sdir, "model.onnx")
            make_model(model, n, h, w, c, k, s, 1000 + si, a.layout)
            inp = os.path.join(sdir, "in.npy")
            ref = os.path.join(sdir, "ref.npy")
            run(["node", ORT_RUN, model, "-i", inp, "-o", ref])
            for vname, vconvc, flags in variants:
                d = os.path.join(sdir, vname)
                shutil.rmtree(d, ignore_errors=True)
                log(f"[{label}] convc {flags}")
                rc, out = run([vconvc, model] + shlex.split(flags) + ["-o", d], check=False)
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
            live = [v for v, _, _ in variants if available[(si, v)] is None]
            for t in threads:
                common = ["-i", inp, "--bench", str(a.runs), "--threads", str(t)]
                cmds = [(v, [os.path.join(sdir, v, "model")] + common, env) for v in live]
                cmds.append(("ORT", ["node", ORT_RUN, model] + common, None))
                times = {k: [] for k, _, _ in cmds}
                for r in range(a.rounds):
                    k = r % len(cmds)
                    for name, cmd, e in cmds[k:] + cmds[:k]:
                        times[name].append(median_of(cmd, e))
                    log(f"[{label}] T={t} round {r + 1}/{a.rounds}: " +
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
          f"{a.omp_wait_policy or os.environ.get('OMP_WAIT_POLICY', '(unset)')}; CVRT_ISA="
          f"{os.environ.get('CVRT_ISA') or '(unset: the best one)'}")
    print("variants: " + "; ".join(f"{v} = {'other ' if cv != convc else ''}convc {f}"
                                   for v, cv, f in variants))
    missing = sorted({(v, r) for (si, v), r in available.items() if r})
    for v, r in missing:
        print(f"UNAVAILABLE: {v}: {r}")
    bad = [(si, v, s) for (si, v), s in checks.items() if s != "yes"]
    for si, v, s in bad:
        print(f"WRONG OUTPUT: {shape_name(si)} {v}: {s}")
    has_nchw = any(v == "nchw-pool" for v, _, _ in variants)

    def cell(si, v, t):
        x = results.get((si, v, t))
        return f"{x:.3f}" if x is not None else "n/a"

    for t in threads:
        print()
        print(f"threads = {t}")
        print()
        hdr = "| shape NxHxWxC kK sS | dw-to-pool ms | grouped ms | speedup |"
        sep = "|---|---:|---:|---:|"
        if has_nchw:
            hdr += " nchw-pool ms |"
            sep += "---:|"
        if a.baseline:
            hdr += " baseline ms | baseline GB/s | vs baseline |"
            sep += "---:|---:|---:|"
        hdr += " ORT ms | convc/ORT | GB/s |"
        sep += "---:|---:|---:|"
        if a.stream:
            hdr += f" of {a.stream:.1f} GB/s |"
            sep += "---:|"
        print(hdr)
        print(sep)
        logs = []
        for si in shape_ids:
            n, h, w, c, k, s = SHAPES[si]
            oh, ow = out_hw(h, w, k, s)
            f, g, o = (results.get((si, v, t)) for v in ("dw-to-pool", "grouped", "ORT"))
            row = f"| {shape_name(si)} | {cell(si, 'dw-to-pool', t)} | {cell(si, 'grouped', t)} |"
            if f and g:
                row += f" {g / f:.2f} |"
                logs.append(math.log(g / f))
            else:
                row += " n/a |"
            if has_nchw:
                row += f" {cell(si, 'nchw-pool', t)} |"
            nbytes = 4.0 * (n * h * w * c + n * oh * ow * c + k * k * c + c)
            if a.baseline:
                bl = results.get((si, "baseline", t))
                row += (f" {bl:.3f} | {nbytes / (bl * 1e-3) / 1e9:.1f} | " if bl else " n/a | n/a | ")
                row += f"{bl / f:.2f} |" if f and bl else "n/a |"
            gbs = nbytes / (f * 1e-3) / 1e9 if f else None
            row += f" {o:.3f} | " + (f"{f / o:.2f} | {gbs:.1f} |" if f else "n/a | n/a |")
            if a.stream:
                row += f" {gbs / a.stream:.2f} |" if f else " n/a |"
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
