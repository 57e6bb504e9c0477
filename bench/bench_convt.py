#!/usr/bin/python3
"""ConvTranspose2d shapes: convc (one or more builds) vs ONNX Runtime.

Each case is a one-node model, x -> ConvTranspose2d (-> activation), exported
from PyTorch with seeded random weights: the up-convs of a DB text-detection
head (PP-OCR-like: 256 -> 64 at 40x40 with k2 s2 and k4 s2 p1; the head's
64 -> 64 at 160x160 and 64 -> 1 + sigmoid at 320x320 of a 640x640 image)
and U-Net's 2x2 up-conv (128 -> 64 at 56x56). Per case and per convc build:
compile -O2, build the runner, check it against ORT's output once, then K
rounds of
    OUT/model -i INPUT --bench N --threads T
    node models/ort_run.mjs MODEL.onnx -i INPUT --bench N --threads T
(every side in turn, the order rotating between rounds); each prints the
median of N runs after a warm-up, the table the median of the K medians and
GFLOP/s = 2 * N*H*W * C * (M/group) * KH*KW / latency. The latency is the
whole model's, so convc's includes the NCHW <-> NHWC transposes that
channels-last puts at the graph's edges when it runs the op in NHWC.

  bench_convt.py [--convc BUILD/convc ...] [--threads 1] [--rounds 5] [--runs 20]
                 [--only NAME ...] [--work DIR]
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ORT_RUN = os.path.join(ROOT, "models", "ort_run.mjs")
LINE = re.compile(r"latency_ms median=([0-9.eE+-]+)")

# name: (c, m, h, w, k, s, pad, group, activation)
CASES = {
    "ppocr_k2s2_256to64_40": (256, 64, 40, 40, 2, 2, 0, 1, "relu"),
    "ppocr_k4s2p1_256to64_40": (256, 64, 40, 40, 4, 2, 1, 1, "relu"),
    "dbhead_k2s2_64to64_160": (64, 64, 160, 160, 2, 2, 0, 1, "relu"),
    "dbhead_k2s2_64to1_320": (64, 1, 320, 320, 2, 2, 0, 1, "sigmoid"),
    "unet_k2s2_128to64_56": (128, 64, 56, 56, 2, 2, 0, 1, "none"),
}


def die(msg):
    sys.exit(f"bench_convt: {msg}")


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = r.stdout.decode("utf-8", "replace")
    if r.returncode:
        die(f"{' '.join(cmd)} failed (status {r.returncode}):\n{out[-3000:]}")
    return out


def median_of(cmd):
    m = LINE.search(run(cmd))
    if not m:
        die(f"no latency line from {' '.join(cmd)}")
    return float(m.group(1))


def make_model(name, spec, work):
    """MODEL.onnx and its input .npy in work (PyTorch export, opset 13)."""
    import torch
    import torch.nn as nn
    c, m, h, w, k, s, p, g, act = spec
    torch.manual_seed(0)
    layers = [nn.ConvTranspose2d(c, m, k, stride=s, padding=p, groups=g)]
    if act == "relu":
        layers.append(nn.ReLU())
    elif act == "sigmoid":
        layers.append(nn.Sigmoid())
    net = nn.Sequential(*layers).eval()
    x = torch.randn(1, c, h, w)
    path = os.path.join(work, name + ".onnx")
    torch.onnx.export(net, x, path, opset_version=13, input_names=["x"], output_names=["y"])
    np.save(os.path.join(work, name + ".input.npy"), x.numpy())
    return path


def reuse_objects(src, dst):
    """One convc build copies the same kernel sources into every output: take
    the kernel objects src compiled already (newer than dst's sources), so
    make compiles only what differs."""
    if src == dst:
        return
    for f in os.listdir(src):
        if f.endswith(".o") and f.startswith("cvrt_"):
            shutil.copy(os.path.join(src, f), os.path.join(dst, f))
            os.utime(os.path.join(dst, f))


def flops(spec):
    c, m, h, w, k, s, p, g, act = spec
    return 2.0 * h * w * c * (m // g) * k * k


def check(out_dir, model, inp, work):
    a, b = os.path.join(work, "c.npy"), os.path.join(work, "o.npy")
    run([os.path.join(out_dir, "model"), "-i", inp, "-o", a])
    run(["node", ORT_RUN, model, "-i", inp, "-o", b])
    ya, yb = np.load(a), np.load(b)
    if not np.allclose(ya, yb, rtol=1e-4, atol=1e-4):
        die(f"{out_dir}: output differs from ORT by {np.abs(ya - yb).max()}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--convc", action="append", help="convc binary (repeat to compare builds)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--work")
    a = ap.parse_args()
    convcs = [os.path.abspath(p) for p in (a.convc or [os.path.join(ROOT, "build", "convc")])]
    work = a.work or tempfile.mkdtemp(prefix="convc-convt-")
    os.makedirs(work, exist_ok=True)
    names = a.only or list(CASES)
    res, objs = {}, {}  # objs: build index -> the first output dir it compiled
    for name in names:
        spec = CASES[name]
        model = make_model(name, spec, work)
        inp = os.path.join(work, name + ".input.npy")
        sides = []
        for i, cc in enumerate(convcs):
            out = os.path.join(work, f"{name}.{i}")
            run([cc, model, "-O2", "-o", out])
            reuse_objects(objs.setdefault(i, out), out)
            run(["make", "-s", "-j2", "-C", out])
            check(out, model, inp, work)
            sides.append([os.path.join(out, "model"), "-i", inp])
        sides.append(["node", ORT_RUN, model, "-i", inp])
        common = ["--bench", str(a.runs), "--threads", str(a.threads)]
        times = [[] for _ in sides]
        for r in range(a.rounds):
            for j in range(len(sides)):
                q = (j + r) % len(sides)
                times[q].append(median_of(sides[q] + common))
        res[name] = [statistics.median(t) for t in times]
        print(f"[{name}] " + " ".join(f"{t:.3f}" for t in res[name]), file=sys.stderr, flush=True)
    cols = [f"convc#{i}" for i in range(len(convcs))] + ["ORT"]
    print("| case | GFLOP | " + " | ".join(f"{c} ms (GFLOP/s)" for c in cols) + " |")
    print("|---|---:|" + "---:|" * len(cols))
    for name in names:
        f = flops(CASES[name])
        cells = [f"{t:.3f} ({f / t / 1e6:.1f})" for t in res[name]]
        print(f"| {name} | {f / 1e9:.3f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
