#!/usr/bin/python3
"""Text IR round trip: print -> parse -> print is byte-identical.

For one model (--model NAME) or all of them, at -O0 and -O2:

    convc models/NAME.onnx -O<L> --emit=ir -o A.cir [--input-shape ...]
    convc-opt A.cir -o B.cir                  # B must equal A byte for byte
    convc-opt - < A.cir                        # standard input, same bytes
    convc-opt B.cir -passes=fold-bn,fuse-epilogue,dce --verify-each -o C.cir

Models are those in models/manifest.json (its input_shapes pin dynamic dims,
its input_values fix inputs with --input-value) plus any other models/*.onnx. A model whose .onnx is absent (a generated one
not made yet) is skipped: exit 77.

    roundtrip.py --convc BUILD/convc --convc-opt BUILD/convc-opt --work DIR [--model NAME]
    roundtrip.py --list

Needs only the standard library.
"""

import argparse
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "models")
SKIP = 77
PASSES = "fold-bn,fuse-epilogue,dce"
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer",
                     "UndefinedBehaviorSanitizer", "runtime error")


def models():
    """name -> (onnx path, {input: dims}) for the manifest and models/*.onnx."""
    found = {}
    with open(os.path.join(MODELS, "manifest.json")) as f:
        for m in json.load(f)["models"]:
            found[m["name"]] = (os.path.join(MODELS, m["file"]), m.get("input_shapes", {}),
                                m.get("input_values", {}))
    for path in sorted(glob.glob(os.path.join(MODELS, "*.onnx"))):
        name = os.path.basename(path)[:-len(".onnx")]
        found.setdefault(name, (path, {}, {}))
    return found


def run(cmd, stdin=None):
    f = open(stdin, "rb") if stdin else None
    try:
        p = subprocess.run(cmd, stdin=f or subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=900)
    finally:
        if f:
            f.close()
    err = p.stderr.decode(errors="replace")
    if p.returncode or any(s in err for s in SANITIZER_MARKERS):
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}\n{err}")
    return p.stdout


def check_level(args, name, onnx, pins, values, level, work):
    a, b, c = (os.path.join(work, f"{name}.O{level}.{x}.cir") for x in "ABC")
    cmd = [args.convc, onnx, f"-O{level}", "--emit=ir", "-o", a]
    for inp, dims in pins.items():
        cmd += ["--input-shape", f"{inp}={','.join(str(d) for d in dims)}"]
    for inp, f in values.items():
        cmd += ["--input-value", f"{inp}={os.path.join(MODELS, f)}"]
    run(cmd)
    run([args.convc_opt, a, "-o", b])
    with open(a, "rb") as fa, open(b, "rb") as fb:
        ta, tb = fa.read(), fb.read()
    if ta != tb:
        raise RuntimeError(f"{a} and {b} differ: print -> parse -> print is not the identity")
    if run([args.convc_opt, "-"], stdin=a) != ta:
        raise RuntimeError(f"convc-opt - < {a} differs from {a}")
    run([args.convc_opt, b, f"-passes={PASSES}", "--verify-each", "-o", c])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--convc")
    ap.add_argument("--convc-opt")
    ap.add_argument("--work", default="ir-roundtrip")
    ap.add_argument("--model", action="append", help="only this model (repeatable)")
    ap.add_argument("--list", action="store_true", help="print the model names")
    args = ap.parse_args()
    table = models()
    if args.list:
        print("\n".join(table))
        return 0
    if not args.convc or not args.convc_opt:
        ap.error("--convc and --convc-opt are required")
    os.makedirs(args.work, exist_ok=True)
    names = args.model or list(table)
    ran = 0
    for name in names:
        if name not in table:
            print(f"FAIL: unknown model {name}")
            return 1
        onnx, pins, values = table[name]
        if not os.path.exists(onnx):
            print(f"skip {name}: {onnx} not made")
            continue
        for level in (0, 2):
            try:
                check_level(args, name, onnx, pins, values, level, args.work)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                print(f"FAIL {name} -O{level}: {e}")
                return 1
        print(f"ok {name}")
        ran += 1
    return 0 if ran else SKIP


if __name__ == "__main__":
    sys.exit(main())
