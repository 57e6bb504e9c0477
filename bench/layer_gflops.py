#!/usr/bin/python3
"""Per-layer GFLOP/s of a convc model from a runner profile.

  layer_gflops.py --convc BUILD/convc MODEL.onnx PROFILE.json [-O 2] [--ops conv2d]
                  [--match SUBSTRING]...

Runs `convc MODEL -O2 --emit=ir -o /dev/null --profile-from=PROFILE --report=R.md` and
prints, for every op of the report's "Ops" table (conv2d by default), its MFLOP, the
measured median ms and MFLOP / ms = GFLOP/s. The profile comes from
`OUT/model -i INPUT --bench N --threads T --profile PROFILE.json`.
"""

import argparse
import os
import subprocess
import sys
import tempfile


def ops_table(md):
    """Rows of the report's Ops table as dicts keyed by the header cells."""
    lines = md.splitlines()
    try:
        start = lines.index("## Ops")
    except ValueError:
        sys.exit("layer_gflops: the report has no '## Ops' section")
    rows, header = [], None
    for line in lines[start + 1:]:
        if not line.startswith("|"):
            if header:
                break
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if header is None:
            header = cells
        elif not set(cells[0]) <= set("-:"):
            rows.append(dict(zip(header, cells)))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--convc", default="build/convc")
    ap.add_argument("-O", dest="opt", default="2")
    ap.add_argument("--ops", default="conv2d", help="comma list of ops to show ('' = all)")
    ap.add_argument("--match", action="append", default=[],
                    help="keep op names containing this (repeatable)")
    ap.add_argument("model")
    ap.add_argument("profile")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rep = os.path.join(tmp, "r.md")
        subprocess.run([a.convc, a.model, f"-O{a.opt}", "--emit=ir", "-o", os.devnull,
                        f"--profile-from={a.profile}", f"--report={rep}"], check=True,
                       stdout=subprocess.DEVNULL)
        with open(rep) as f:
            rows = ops_table(f.read())
    ops = set(a.ops.split(",")) if a.ops else None
    print("| op name | output | MFLOP | ms | GFLOP/s |\n|---|---|---:|---:|---:|")
    for r in rows:
        if ops and r["op"] not in ops:
            continue
        if a.match and not any(m in r["op name"] for m in a.match):
            continue
        mflop, ms = float(r["MFLOP"]), float(r["measured ms"])
        gf = mflop / ms if ms > 0 else float("nan")
        out = r["shapes and layouts"].split(" -> ")[-1]
        print(f"| {r['op name']} | {out} | {mflop:.1f} | {ms:.3f} | {gf:.1f} |")


if __name__ == "__main__":
    main()
