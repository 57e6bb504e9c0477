#!/usr/bin/python3
"""Determinism: the same model compiles to the same bytes, and runs to the
same bytes.

For each model (default: mobilenet_v2 and conv_basic from models/):

1. Compile it four times with a pinned target (--target, default
   tests/targets/cpu_zen3.xml): into two differently named output
   directories from two working directories, once more with the model copied
   under another file name, and once pinned to one CPU (taskset -c 0, when
   available), which changes what host detection would see, as a second
   machine would. Every output directory must hold the same file names with
   the same bytes. Twice without --target (host detected) must agree too.
2. Build it (make -C OUT) and run it 3 times at --threads 1 and 3 times at
   --threads 2 on the model's committed input: the .npy outputs must be
   bit-identical within each thread count (and are reported, not required,
   across thread counts).

    determinism_test.py --convc build/convc --work /tmp/det [--model NAME]...

Exit 0 when all hold, 1 otherwise. Run with the Debian python (numpy is not
needed: outputs are compared as bytes).
"""

import argparse
import filecmp
import hashlib
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def run(cmd, cwd=None, timeout=1200):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("%s: exit %d\n%s%s" % (" ".join(cmd), p.returncode,
                                                  p.stdout[-2000:], p.stderr[-2000:]))
    return p


def tree(path):
    """{relative path: sha256} of every file below path."""
    out = {}
    for root, _, files in os.walk(path):
        for f in files:
            full = os.path.join(root, f)
            with open(full, "rb") as fh:
                out[os.path.relpath(full, path)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def compare_trees(a, b):
    ta, tb = tree(a), tree(b)
    probs = []
    for name in sorted(set(ta) | set(tb)):
        if name not in ta or name not in tb:
            probs.append("%s only in %s" % (name, a if name in ta else b))
        elif ta[name] != tb[name]:
            probs.append("%s differs between %s and %s" % (name, a, b))
    return probs


def compile_checks(convc, model, target, work):
    """Step 1; returns (problems, one of the pinned output directories)."""
    probs = []
    cwd1, cwd2 = os.path.join(work, "cwd1"), os.path.join(work, "cwd2")
    for d in (cwd1, cwd2):
        os.makedirs(d, exist_ok=True)
    renamed = os.path.join(cwd2, "renamed_model.onnx")
    shutil.copyfile(model, renamed)
    pin = ["--target=" + target]
    outs = []

    def compile_to(cwd, src, name, extra, prefix=()):
        out = os.path.join(cwd, name)
        shutil.rmtree(out, ignore_errors=True)
        run(list(prefix) + [convc, src, "-O2"] + extra + ["-o", name], cwd=cwd)
        return out

    outs.append(compile_to(cwd1, model, "pinned_a", pin))
    outs.append(compile_to(cwd2, model, "pinned_b_longer_name", pin))
    outs.append(compile_to(cwd2, renamed, "pinned_c", pin))
    if shutil.which("taskset"):
        outs.append(compile_to(cwd1, model, "pinned_one_cpu", pin, ["taskset", "-c", "0"]))
    for o in outs[1:]:
        probs += compare_trees(outs[0], o)
    h1 = compile_to(cwd1, model, "host_a", [])
    h2 = compile_to(cwd2, model, "host_b", [])
    probs += compare_trees(h1, h2)
    return probs, outs[0]


def run_checks(out, inputs, threads_list, runs):
    """Step 2; returns (problems, {threads: output bytes})."""
    probs = []
    run(["make", "-s", "-C", out, "-j2"], timeout=1800)
    model = os.path.join(out, "model")
    seen = {}
    for t in threads_list:
        digests = []
        for r in range(runs):
            o = os.path.join(out, "out_t%d_r%d.npy" % (t, r))
            cmd = [model]
            for i in inputs:
                cmd += ["-i", i]
            run(cmd + ["-o", o, "--threads", str(t)])
            with open(o, "rb") as f:
                digests.append(hashlib.sha256(f.read()).hexdigest())
        if len(set(digests)) != 1:
            probs.append("--threads %d: %d different outputs in %d runs"
                         % (t, len(set(digests)), runs))
        seen[t] = digests[0]
    return probs, seen


def main():
    ap = argparse.ArgumentParser(description="convc determinism test")
    ap.add_argument("--convc", default=os.path.join(REPO, "build", "convc"))
    ap.add_argument("--work", required=True)
    ap.add_argument("--model", action="append", default=[],
                    help="model name in models/ (repeatable; default mobilenet_v2, conv_basic)")
    ap.add_argument("--target", default=os.path.join(REPO, "tests", "targets", "cpu_zen3.xml"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    convc = os.path.abspath(args.convc)
    names = args.model or ["mobilenet_v2", "conv_basic"]
    failed = 0
    for name in names:
        model = os.path.join(REPO, "models", name + ".onnx")
        inputs = sorted(os.path.join(REPO, "models", f) for f in os.listdir(
            os.path.join(REPO, "models")) if f.startswith(name + ".input") and f.endswith(".npy"))
        work = os.path.abspath(os.path.join(args.work, "determinism", name))
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        try:
            probs, out = compile_checks(convc, model, args.target, work)
            more, seen = run_checks(out, inputs, [1, 2], args.runs)
            probs += more
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            probs = [str(e)]
            seen = {}
        if probs:
            failed += 1
            print("FAIL determinism.%s:\n  %s" % (name, "\n  ".join(probs)))
        else:
            same = len(set(seen.values())) == 1
            print("PASS determinism.%s: identical output directories; outputs bit-identical "
                  "over %d runs at 1 and at 2 threads (%s across thread counts)"
                  % (name, args.runs, "also identical" if same else "they differ"))
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
