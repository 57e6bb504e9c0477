#!/usr/bin/python3
"""The emitted code on every kernel ISA of this CPU: outputs and latency per model.

One output directory serves every ISA: the kernels are built per ISA and picked when the
model starts, and CVRT_ISA=portable|avx2|avx512 forces one. For each model this compiles
`convc -O2` once, builds it once, then for every ISA the CPU runs:
  - runs it on the model's input and compares every output with the ONNX Runtime
    reference (tests/e2e/run_model.py's bound: max|out - ref| <= 1e-4 max|ref| + 1e-5);
  - times it, K rounds of `CVRT_ISA=I OUT/model -i IN --bench N --threads T`, the ISAs in
    a rotating order each round, and reports the median of the K in-process medians.
The table gives each model's latency per ISA and the ratio to the best path; the header
records the CPU model, its AVX2/AVX-512 flags, the date and the command.

  bench_isa.py [--convc BUILD/convc] [--models NAME ...] [--rounds 5] [--runs 20]
               [--threads 1] [--work DIR]

Default models: every real network of models/manifest.json whose files are present.
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
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import run_model  # noqa: E402  (manifest, input shapes, the comparison rule)

ISAS = ["portable", "avx2", "avx512"]
LINE = re.compile(r"latency_ms median=([0-9.eE+-]+) .*isa=(\S+)")


def cpu_facts():
    model, flags = "unknown", set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k.strip() == "model name" and model == "unknown":
                model = v.strip()
            if k.strip() == "flags" and not flags:
                flags = set(v.split())
    return model, flags


def isas_of(flags):
    have = ["portable"]
    if {"avx2", "fma"} <= flags:
        have.append("avx2")
    if {"avx512f", "avx512dq", "avx512bw", "avx512vl"} <= flags:
        have.append("avx512")
    return have


def run(cmd, env=None, timeout=1800):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if r.returncode:
        sys.exit(f"bench_isa: {' '.join(cmd)} failed ({r.returncode}): {r.stderr[-2000:]}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--convc", default=os.path.join(ROOT, "build", "convc"))
    ap.add_argument("--models", nargs="*")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--work")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="convc-bench-isa-")
    os.makedirs(work, exist_ok=True)
    entries = run_model.load_manifest()["models"]
    if a.models:
        entries = [e for e in entries if e["name"] in a.models]
    else:
        entries = [e for e in entries if e["real"] and
                   os.path.exists(os.path.join(run_model.MODELS, e["file"]))]
    cpu, flags = cpu_facts()
    isas = isas_of(flags)
    print(f"# {datetime.date.today()}  {cpu}; avx2+fma: {'avx2' in isas}, "
          f"avx-512: {'avx512' in isas}; ISAs run: {', '.join(isas)}")
    print(f"# bench/bench_isa.py --rounds {a.rounds} --runs {a.runs} --threads {a.threads}")
    rows = []
    for e in entries:
        out = os.path.join(work, e["name"])
        shutil.rmtree(out, ignore_errors=True)
        run([a.convc, os.path.join(run_model.MODELS, e["file"]), "-O2", "-o", out,
             *run_model.input_shape_args(e)])
        run(["make", "-s", "-j2", "-C", out])
        ins = sum((["-i", os.path.join(run_model.MODELS, f)] for f in e["inputs"]), [])
        matched = {}
        for isa in isas:
            env = dict(os.environ, CVRT_ISA=isa)
            outs = [os.path.join(out, f"{isa}-out{k}.npy") for k in range(len(e["refs"]))]
            run([os.path.join(out, "model"), *ins, *sum((["-o", o] for o in outs), []),
                 "--threads", str(a.threads)], env)
            worst = 0.0
            ok = True
            for o, r in zip(outs, e["refs"]):
                m = run_model.measure(o, os.path.join(run_model.MODELS, r))
                ok = ok and m.ok
                if m.ok:
                    worst = max(worst, m.err / m.bound)
            matched[isa] = (ok, worst)
        times = {isa: [] for isa in isas}
        for rnd in range(a.rounds):
            order = isas[rnd % len(isas):] + isas[:rnd % len(isas)]
            for isa in order:
                got = LINE.search(run([os.path.join(out, "model"), *ins, "--bench", str(a.runs),
                                       "--threads", str(a.threads)],
                                      dict(os.environ, CVRT_ISA=isa)))
                if not got or got.group(2) != isa:
                    sys.exit(f"bench_isa: {e['name']}: no latency line for isa={isa}")
                times[isa].append(float(got.group(1)))
        med = {isa: statistics.median(v) for isa, v in times.items()}
        rows.append((e["name"], med, matched))
        shutil.rmtree(out, ignore_errors=True)
    print(f"\n| model | " + " | ".join(f"{i} ms" for i in isas) + " | " +
          " | ".join(f"{i}/best" for i in isas) + " | matched (worst err/bound) |")
    print("|---|" + "---:|" * (2 * len(isas)) + "---|")
    for name, med, matched in rows:
        best = min(med.values())
        print(f"| {name} | " + " | ".join(f"{med[i]:.3f}" for i in isas) + " | " +
              " | ".join(f"{med[i] / best:.2f}" for i in isas) + " | " +
              ", ".join(f"{i} {'yes' if matched[i][0] else 'NO'} ({matched[i][1]:.3f})"
                        for i in isas) + " |")
    if not all(m[i][0] for _, _, m in rows for i in isas):
        sys.exit("bench_isa: an output did not match its reference")


if __name__ == "__main__":
    main()
