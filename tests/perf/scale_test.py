#!/usr/bin/python3
"""Compile time grows linearly with the graph: a chain of N Relu nodes
(relu_chain.py, default N = 100,000) must go through `convc -O2 -o OUT` and
`convc -O2 --emit=ir` within the ctest TIMEOUT (120 s; the sanitized build
takes about 6 s, a quadratic step took minutes). Checks that the output has
all N nodes and prints the times.

    scale_test.py --convc build/convc --work /tmp/scale [--nodes 100000]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def timed(cmd):
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.monotonic() - t0
    if p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stderr[-2000:]))
    return dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--convc", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--nodes", type=int, default=100000)
    a = ap.parse_args()
    try:
        from relu_chain import relu_chain
    except ImportError as e:
        print("scale_test: SKIP: %s (use /usr/bin/python3)" % e)
        return 77
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    model = os.path.join(work, "relu_chain_%d.onnx" % a.nodes)
    out = os.path.join(work, "out_%d" % a.nodes)
    ir = os.path.join(work, "relu_chain_%d.cir" % a.nodes)
    with open(model, "wb") as f:
        f.write(relu_chain(a.nodes, [1, 8, 4, 4]).SerializeToString())
    shutil.rmtree(out, ignore_errors=True)
    t_c = timed([a.convc, model, "-O2", "-o", out])
    t_ir = timed([a.convc, model, "-O2", "--emit=ir", "-o", ir])
    probs = []
    with open(os.path.join(out, "model.c")) as f:
        m = re.search(r"#define NUM_NODES (\d+)", f.read())
    if not m or int(m.group(1)) != a.nodes:
        probs.append("model.c has NUM_NODES %s, expected %d" % (m and m.group(1), a.nodes))
    with open(ir) as f:
        relus = sum(1 for line in f if re.search(r"= relu\b", line))
    if relus != a.nodes:
        probs.append("the IR has %d relu nodes, expected %d" % (relus, a.nodes))
    print("%d nodes: -O2 -o OUT %.2f s, -O2 --emit=ir %.2f s" % (a.nodes, t_c, t_ir))
    if probs:
        print("FAIL: " + "; ".join(probs))
        return 1
    shutil.rmtree(out, ignore_errors=True)
    os.remove(ir)
    os.remove(model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
