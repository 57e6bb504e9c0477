#!/usr/bin/python3
"""Every model on every kind of CPU: -O2 compiles for synthetic hosts, and its output runs right.

A CPU's caches are a cost, never a wall (docs/sharding.md): whatever the host's L2, core
count and SIMD width, every op of every model gets a placement. This test makes 75
synthetic CPU targets (local memory kind="cache"):

  L2 per core   128 KiB, 256 KiB, 512 KiB, 1 MiB, 2 MiB
  cores         1, 2, 4, 16, 64
  SIMD width    4, 8, 16 fp32 lanes (peak = lanes x 2 FMA units x 2 FLOP x 3 GHz per core)

and for every model in models/manifest.json whose files are here (a generated model that
was not made is listed as skipped; the models made only on request - resnet50,
mnasnet1_0, vgg16 - only with --on-request, as they take minutes over 75 hosts):
  1. once per (cores, SIMD) - the passes before shard read the peak and the cores, not
     the L2 - `convc MODEL -passes=<-O2 without shard> --target=T --emit=ir`;
  2. once per host, `convc-opt PRE.cir -passes=shard --target=T --stats --verify-each`
     must exit 0 with every node placed (a `!shard(` on every node line) and an exact
     solve (shard.exact = 1);
then for a representative subset it compiles the whole -O2 pipeline to C for one host,
builds it, runs it and compares with the ONNX Runtime reference (tests/e2e/run_model.py's
rule), among them mobilenet_v2 placed for 64 cores and run on this machine's cores
(--threads 2: an op placed on k cores runs on min(k, T) threads).

  host_matrix.py --convc BUILD/convc --convc-opt BUILD/convc-opt --work DIR [--table]

--table prints the host x model table (compiled / placed / ops over L2) as Markdown.
Exit status 1 when any check fails.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import run_model  # noqa: E402  (compare, manifest, input shapes: one rule for all e2e checks)
from shard_models import STAT, unplaced  # noqa: E402  (the --stats lines, unplaced nodes)

KIB = 1024
L2S = [128 * KIB, 256 * KIB, 512 * KIB, 1024 * KIB, 2048 * KIB]
CORES = [1, 2, 4, 16, 64]
SIMDS = [4, 8, 16]
# (model, L2 bytes, cores, SIMD lanes, runner --threads): built, run and compared.
RUNS = [
    ("mobilenet_v2", 128 * KIB, 64, 16, 2),
    ("mobilenet_v2", 512 * KIB, 2, 8, 1),
    ("resnet18", 256 * KIB, 1, 4, 1),
    ("shufflenet_v2_x1_0", 512 * KIB, 16, 8, 2),
    ("squeezenet1_1", 1024 * KIB, 4, 16, 2),
    ("tiny_resnet", 2048 * KIB, 64, 4, 2),
    ("conv_basic", 128 * KIB, 16, 8, 2),
]
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what, flush=True)
    return cond


def host_name(l2, cores, simd):
    return f"cpu-l2_{l2 // KIB}k-c{cores}-s{simd}"


def write_target(work, l2, cores, simd):
    """A synthetic CPU target file; returns its path."""
    name = host_name(l2, cores, simd)
    path = os.path.join(work, "targets", name + ".xml")
    peak = simd * 2 * 2 * 3e9
    with open(path, "w") as f:
        f.write(f"""<?xml version="1.0" encoding="UTF-8"?>
<target name="{name}">
  <description>synthetic CPU for tests/shard/host_matrix.py</description>
  <cores source="test value">{cores}</cores>
  <local-memory kind="cache" source="test value">{l2}</local-memory>
  <l1d source="test value">32768</l1d>
  <peak-flops source="test value: {simd} lanes x 2 FMA units x 2 FLOP x 3 GHz">{peak:.6g}</peak-flops>
  <memory-bandwidth source="test value: one core's stream triad">18.5e9</memory-bandwidth>
  <core-bandwidth source="test value">20e9</core-bandwidth>
  <simd-width source="test value">{simd}</simd-width>
</target>
""")
    return path


def sh(cmd, timeout=900):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(cmd, -9, "", f"timed out after {timeout} s")


def o2_without_shard(convc, onnx, pins):
    p = sh([convc, onnx, *pins, "-O2", "--print-pipeline"])
    passes = p.stdout.strip().split(",")
    if p.returncode or passes[-1] != "shard":
        check(False, f"--print-pipeline -O2 does not end with shard: {p.stdout.strip()!r} "
                     f"{p.stderr.strip()}")
        return None
    return ",".join(passes[:-1])


def over_l2(ir, l2):
    return sum(1 for m in re.finditer(r"mem=(\d+)\)", ir) if int(m.group(1)) > l2)


def one_pre(a, e, pre_pipe, cores, simd, targets):
    """Step 1 for one (model, cores, SIMD), then step 2 on its 5 L2 sizes."""
    onnx = os.path.join(run_model.MODELS, e["file"])
    cells = {}
    pre = os.path.join(a.work, "ir", f"{e['name']}-c{cores}-s{simd}.cir")
    p = sh([a.convc, onnx, *run_model.input_shape_args(e), "-passes=" + pre_pipe,
            "--target=" + targets[(L2S[0], cores, simd)], "--emit=ir", "-o", pre])
    if not check(p.returncode == 0, f"{e['name']} c{cores} s{simd}: the passes before shard "
                 f"failed: {p.stderr.strip()[-400:]}"):
        return cells
    for l2 in L2S:
        host = host_name(l2, cores, simd)
        p = sh([a.convc_opt, pre, "-passes=shard", "--target=" + targets[(l2, cores, simd)],
                "--stats", "--verify-each"])
        what = f"{e['name']} on {host}"
        ok = check(p.returncode == 0, f"{what}: shard failed: {p.stderr.strip()[-400:]}")
        if ok:
            stats = {k: int(v) for k, v in STAT.findall(p.stderr)}
            bad, _ = unplaced(p.stdout)
            ok = check(not bad, f"{what}: {len(bad)} nodes unplaced, e.g. {bad[:1]}")
            ok = check(stats.get("exact") == 1, f"{what}: shard.exact != 1") and ok
        cells[(host, e["name"])] = over_l2(p.stdout, l2) if ok else None
    os.remove(pre)
    return cells


def matrix(a, models, targets):
    """Steps 1-2 for every model and host, two processes at a time (the machine's
    cores; ctest gives this test both); returns {(host, model): ops over L2, or None}."""
    jobs = []
    for e in models:
        pre_pipe = o2_without_shard(a.convc, os.path.join(run_model.MODELS, e["file"]),
                                    run_model.input_shape_args(e))
        if pre_pipe is not None:
            jobs += [(e, pre_pipe, c, s) for c in CORES for s in SIMDS]
    cells = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for got in pool.map(lambda j: one_pre(a, *j, targets), jobs):
            cells.update(got)
    return cells


def run_subset(a, entries, targets):
    """Step 3: returns [(model, host, threads, matched)]."""
    done = []
    for name, l2, cores, simd, threads in RUNS:
        e = entries.get(name)
        if e is None or not all(os.path.exists(os.path.join(run_model.MODELS, f))
                                for f in [e["file"]] + e["inputs"] + e["refs"]):
            print(f"note: {name} is not in models/ here; its run is skipped", flush=True)
            continue
        host = host_name(l2, cores, simd)
        out = os.path.join(a.work, "run", f"{name}-{host}")
        shutil.rmtree(out, ignore_errors=True)
        what = f"{name} for {host} at --threads {threads}"
        p = sh([a.convc, os.path.join(run_model.MODELS, e["file"]), *run_model.input_shape_args(e),
                "-O2", "--target=" + targets[(l2, cores, simd)], "-o", out])
        if not check(p.returncode == 0, f"{what}: convc failed: {p.stderr.strip()[-400:]}"):
            done.append((name, host, threads, False))
            continue
        p = sh(run_model.make_cmd(out), timeout=1800)
        if not check(p.returncode == 0, f"{what}: make failed: {(p.stdout + p.stderr)[-400:]}"):
            done.append((name, host, threads, False))
            continue
        outs = [os.path.join(out, f"out{k}.npy") for k in range(len(e["refs"]))]
        cmd = [os.path.join(out, "model"), "--threads", str(threads)]
        for f in e["inputs"]:
            cmd += ["-i", os.path.join(run_model.MODELS, f)]
        for o in outs:
            cmd += ["-o", o]
        p = sh(cmd, timeout=600)
        ok = check(p.returncode == 0, f"{what}: the model failed: {p.stderr.strip()[-400:]}")
        if ok:
            print(what + ":", flush=True)
            for k, (o, r) in enumerate(zip(outs, e["refs"])):
                ok = run_model.compare(name, k, o, os.path.join(run_model.MODELS, r)) and ok
            check(ok, f"{what}: output mismatch")
        done.append((name, host, threads, ok))
        shutil.rmtree(out, ignore_errors=True)
    return done


def print_table(models, cells, runs):
    names = [e["name"] for e in models]
    print("\n| host (L2, cores, SIMD) | models compiled and placed | ops over L2 (sum) | run and matched |")
    print("|---|---:|---:|---|")
    for l2 in L2S:
        for cores in CORES:
            for simd in SIMDS:
                host = host_name(l2, cores, simd)
                got = [cells.get((host, n)) for n in names]
                placed = sum(1 for g in got if g is not None)
                over = sum(g for g in got if g is not None)
                ran = ", ".join(f"{m} T{t} {'ok' if ok else 'FAIL'}"
                                for m, h, t, ok in runs if h == host) or "-"
                print(f"| {l2 // KIB} KiB, {cores}, {simd} | {placed}/{len(names)} | {over} | {ran} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--convc", required=True)
    ap.add_argument("--convc-opt", dest="convc_opt", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--table", action="store_true")
    ap.add_argument("--on-request", dest="on_request", action="store_true",
                    help="also the models made only on request, when made")
    a = ap.parse_args()
    a.convc, a.convc_opt = os.path.abspath(a.convc), os.path.abspath(a.convc_opt)
    for d in ("targets", "ir", "run"):
        os.makedirs(os.path.join(a.work, d), exist_ok=True)

    manifest = run_model.load_manifest()
    entries = {m["name"]: m for m in manifest["models"]}
    models = []
    for e in manifest["models"]:
        if e["on_request"] and not a.on_request:
            print(f"note: {e['name']} is made only on request: skipped (--on-request)", flush=True)
        elif all(os.path.exists(os.path.join(run_model.MODELS, f)) for f in [e["file"]] + e["inputs"]):
            models.append(e)
        else:
            print(f"note: {e['name']} ({e['kind']}) is not in models/ here: skipped", flush=True)
    targets = {(l2, c, s): write_target(a.work, l2, c, s) for l2 in L2S for c in CORES for s in SIMDS}
    cells = matrix(a, models, targets)
    runs = run_subset(a, entries, targets)
    if a.table or FAILS:
        print_table(models, cells, runs)
    total = len(models) * len(targets)
    placed = sum(1 for v in cells.values() if v is not None)
    print(f"host matrix: {len(models)} models x {len(targets)} hosts: {placed}/{total} placed; "
          f"{sum(1 for r in runs if r[3])}/{len(runs)} runs matched", flush=True)
    if FAILS:
        print(f"{len(FAILS)} failure(s)")
        sys.exit(1)
    check(placed == total, "not every model was placed on every host")
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
