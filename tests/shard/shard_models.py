#!/usr/bin/python3
"""The shard pass on real models: never worse than greedy, consistent stats.

For every model in models/ (pinned with the manifest's input shapes and values; the models made only
on request - resnet50, vgg16, densenet121, ... - with --on-request) and every target
(wormhole_b0, blackhole, and a pinned 2-core CPU with a 512 KiB L2, tests/targets/cpu_zen3.xml),
compile at -O2 with shard{solver=optimal} and with shard{solver=greedy} and
check, from the --stats lines:
  - the optimal solve is exact (shard.exact = 1) and its cost is <= the
    greedy cost the same run computed (shard.greedy-cost-ns);
  - the greedy run's own cost equals that greedy cost (the two runs agree on
    the model);
  - the IR verifies after the pass (--verify-each) and every op carries a
    placement (a `!shard(` annotation on every node line but reshards).

  shard_models.py --convc BUILD/convc [--models DIR] [--table] [--on-request]

--table prints the markdown table of reshards and cost, optimal vs greedy,
for mobilenet_v2 and resnet18 on both accelerator targets (docs/sharding.md).
Exit status 1 when a check fails.
"""
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PIPE = "const-fold,fold-bn,cse,dw-to-pool,channels-last,fuse-epilogue,dce,shard{solver=%s}"
# The CPU is pinned (tests/targets/cpu_zen3.xml, a 512 KiB-L2 machine), not the host that
# runs the test: what shard chooses must not depend on it.
TARGETS = ["wormhole_b0", "blackhole", os.path.join(ROOT, "tests", "targets", "cpu_zen3.xml")]
STAT = re.compile(r"^shard\.([a-z-]+) = (-?\d+)$", re.M)
FAILS = []
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import run_model  # noqa: E402  (the manifest's --input-shape / --input-value flags)


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def compile_ir(convc, model, target, solver, pins):
    cmd = [convc, model, *pins, "-passes=" + PIPE % solver, "--target=" + target, "--emit=ir",
           "-o", "-", "--stats", "--verify-each"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        check(False, f"{' '.join(cmd)}: status {p.returncode}: {p.stderr.strip()[-500:]}")
        return None, None
    stats = {k: int(v) for k, v in STAT.findall(p.stderr)}
    return stats, p.stdout


def unplaced(ir):
    """Node lines without a placement (reshards carry from/to instead), and
    how many node lines there are."""
    bad, nodes = [], 0
    for line in ir.splitlines():
        if " = " not in line or line.startswith(("const ", "module ", "input ", "output ")):
            continue
        nodes += 1
        if " = reshard " in line:
            continue
        if "!shard(" not in line:
            bad.append(line[:120])
    return bad, nodes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--convc", required=True)
    ap.add_argument("--models", default=os.path.join(ROOT, "models"))
    ap.add_argument("--table", action="store_true")
    ap.add_argument("--on-request", dest="on_request", action="store_true",
                    help="also the models made only on request, when made")
    a = ap.parse_args()

    with open(os.path.join(a.models, "manifest.json")) as f:
        manifest = {e["file"]: e for e in json.load(f)["models"]}
    models = sorted(f for f in os.listdir(a.models) if f.endswith(".onnx") and
                    (a.on_request or not manifest.get(f, {}).get("on_request")))
    check(len(models) >= 30, f"only {len(models)} models in {a.models}")
    rows = {}
    for name in models:
        path = os.path.join(a.models, name)
        pins = run_model.input_shape_args(manifest.get(name, {}), a.models)
        for target in TARGETS:
            opt, ir = compile_ir(a.convc, path, target, "optimal", pins)
            greedy, _ = compile_ir(a.convc, path, target, "greedy", pins)
            if opt is None or greedy is None:
                continue
            what = f"{name} on {target}"
            check(opt.get("exact") == 1, f"{what}: not solved exactly: {opt}")
            check(opt["cost-ns"] <= opt["greedy-cost-ns"],
                  f"{what}: optimal {opt['cost-ns']} ns > greedy {opt['greedy-cost-ns']} ns")
            check(greedy["cost-ns"] == opt["greedy-cost-ns"],
                  f"{what}: greedy run {greedy['cost-ns']} ns, optimal run's greedy "
                  f"{opt['greedy-cost-ns']} ns")
            bad, nodes = unplaced(ir)
            check(nodes > 0, f"{what}: no node lines in the IR written to standard output")
            check(not bad, f"{what}: nodes without a placement: {bad[:3]}")
            rows[(name[:-5], target)] = (opt, greedy)
    print(f"shard_models: {len(models)} models x {len(TARGETS)} targets, "
          f"{len(FAILS)} failures")
    if a.table:
        print("\n| model | target | optimal reshards | optimal cost ms | greedy reshards "
              "| greedy cost ms | greedy / optimal |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for name in ("mobilenet_v2", "resnet18"):
            for target in ("wormhole_b0", "blackhole"):
                if (name, target) not in rows:
                    continue
                o, g = rows[(name, target)]
                print(f"| {name} | {target} | {o['reshards']} | {o['cost-ns'] / 1e6:.4f} | "
                      f"{g['reshards']} | {g['cost-ns'] / 1e6:.4f} | "
                      f"{g['cost-ns'] / o['cost-ns']:.3f} |")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
