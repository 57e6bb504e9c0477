#!/usr/bin/python3
"""How well the report's roofline predicts measured per-op time.

  bench/report_accuracy.py REPORT.json [REPORT.json ...]

REPORT.json comes from `convc MODEL -O2 --profile-from=PROFILE.json --report=REPORT.json`
(PROFILE.json from the emitted runner's `--profile`). For the ops that have both a
predicted and a measured time it prints the median of measured/predicted, its spread
(10th/90th percentile), the Pearson correlation of log times and the Spearman rank
correlation, plus the share of total time each side gives the five slowest ops.
"""
import json
import math
import sys


def ranks(xs):
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    r = [0.0] * len(xs)
    i = 0
    while i < len(order):  # average ranks over ties
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2.0
        i = j + 1
    return r


def pearson(a, b):
    n = len(a)
    ma, mb = sum(a) / n, sum(b) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    va = math.sqrt(sum((x - ma) ** 2 for x in a))
    vb = math.sqrt(sum((y - mb) ** 2 for y in b))
    return cov / (va * vb) if va and vb else float("nan")


def quantile(xs, q):
    s = sorted(xs)
    pos = q * (len(s) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    print("| report | ops | median measured/predicted | p10 | p90 | Pearson (log) | Spearman |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for path in sys.argv[1:]:
        rep = json.load(open(path))
        pairs = [(o["predicted_ms"], o["measured_ms"]) for o in rep["ops"]
                 if o.get("predicted_ms") and o.get("measured_ms") and o["predicted_ms"] > 0
                 and o["measured_ms"] > 0]
        if len(pairs) < 3:
            print(f"| {path} | {len(pairs)} | not enough profiled ops | | | | |")
            continue
        pred = [p for p, _ in pairs]
        meas = [m for _, m in pairs]
        ratio = [m / p for p, m in pairs]
        print(f"| {path} | {len(pairs)} | {quantile(ratio, 0.5):.2f} | {quantile(ratio, 0.1):.2f} | "
              f"{quantile(ratio, 0.9):.2f} | {pearson([math.log(x) for x in pred], [math.log(x) for x in meas]):.3f} | "
              f"{pearson(ranks(pred), ranks(meas)):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
