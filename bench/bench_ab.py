#!/usr/bin/python3
"""Two convc builds against each other, alternated: network latency and conv-layer time per ISA.

    bench_ab.py --a OLD/convc --b NEW/convc [--models NAME,...] [--isas avx2,avx512]
                [--rounds 5] [--runs 20] [--cpu 0] [--work DIR]

A before/after measurement on a machine shared with other work: both builds' outputs are
compiled (-O2) and built, each checked against the ONNX Runtime reference on every ISA
(tests/e2e/run_model.py's bound), then timed in rounds; within a round every ISA runs A and
B back to back, their order swapped every round, each a pinned 1-thread
`CVRT_ISA=I taskset -c CPU model -i IN --bench RUNS --threads 1 --profile P`. Reported per
model and ISA: the median over rounds of the in-process latency medians, and of the
conv2d layers' summed per-node medians (read back through each build's own
`convc --profile-from=P --report=R.md`, as bench/conv_efficiency.py does), for A and B,
and B/A. Prints the CPU model, its widest ISA, the date and the load average first.
"""
import argparse
import datetime
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
from bench_ort import cpu_isa, cpu_model  # noqa: E402
from conv_efficiency import conv_rows, run  # noqa: E402
import run_model  # noqa: E402

LINE = re.compile(r"latency_ms median=([0-9.eE+-]+) .*isa=(\S+)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", required=True, help="convc before")
    ap.add_argument("--b", required=True, help="convc after")
    ap.add_argument("--models", default="yolov8_small,yolov10_small,unet_small,ppocr_det_small")
    ap.add_argument("--isas", default="avx2,avx512")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--cpu", type=int, default=0)
    ap.add_argument("--work")
    a = ap.parse_args()
    convc = {"A": os.path.abspath(a.a), "B": os.path.abspath(a.b)}
    work = a.work or tempfile.mkdtemp(prefix="bench_ab.")
    os.makedirs(work, exist_ok=True)
    isas = a.isas.split(",")
    manifest = {e["name"]: e for e in run_model.load_manifest()["models"]}
    print(f"cpu: {cpu_model()}, ISA: {cpu_isa()}; date {datetime.date.today().isoformat()}; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"A = {a.a}, B = {a.b}; -O2, 1 thread pinned to CPU {a.cpu}, {a.rounds} rounds of "
          f"--bench {a.runs}, A and B alternated per ISA\n")
    print("| model | ISA | A ms | B ms | B/A | A conv ms | B conv ms | conv B/A |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name in a.models.split(","):
        e = manifest[name]
        onnx = os.path.join(run_model.MODELS, e["file"])
        inp = os.path.join(run_model.MODELS, e["inputs"][0])
        shapes = run_model.input_shape_args(e)
        out = {}
        for k in "AB":
            out[k] = os.path.join(work, f"{name}-{k}")
            shutil.rmtree(out[k], ignore_errors=True)
            run([convc[k], onnx, "-O2", "-o", out[k]] + shapes)
            run(run_model.make_cmd(out[k]))
            for isa in isas:
                y = os.path.join(out[k], f"y-{isa}.npy")
                run([os.path.join(out[k], "model"), "-i", inp, "-o", y, "--threads", "1"],
                    dict(os.environ, CVRT_ISA=isa))
                m = run_model.measure(y, os.path.join(run_model.MODELS, e["refs"][0]))
                if not m.ok:
                    sys.exit(f"bench_ab: {name} {k} {isa}: output does not match the reference")
        lat = {(k, i): [] for k in "AB" for i in isas}
        conv = {(k, i): [] for k in "AB" for i in isas}
        for rnd in range(a.rounds):
            for isa in isas:
                for k in ("AB" if rnd % 2 == 0 else "BA"):
                    prof = os.path.join(out[k], f"prof-{isa}.json")
                    got = LINE.search(run(
                        ["taskset", "-c", str(a.cpu), os.path.join(out[k], "model"), "-i", inp,
                         "--bench", str(a.runs), "--threads", "1", "--profile", prof],
                        dict(os.environ, CVRT_ISA=isa)))
                    if not got or got.group(2) != isa:
                        sys.exit(f"bench_ab: {name}: no latency line for isa={isa}")
                    lat[k, isa].append(float(got.group(1)))
                    rows = conv_rows(convc[k], onnx, prof, shapes, out[k])
                    conv[k, isa].append(sum(float(r["measured ms"]) for r in rows))
        for isa in isas:
            la, lb = (statistics.median(lat[k, isa]) for k in "AB")
            ca, cb = (statistics.median(conv[k, isa]) for k in "AB")
            print(f"| {name} | {isa} | {la:.3f} | {lb:.3f} | {lb / la:.2f} | {ca:.3f} | "
                  f"{cb:.3f} | {cb / ca if ca else 0:.2f} |", flush=True)
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
