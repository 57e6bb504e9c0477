#!/usr/bin/python3
"""html_test.py - the performance report end to end.

Compiles a model with `convc -O2 --report=R.html --report=R.json --report=R.md`,
checks the JSON keys and types (docs/report.md), merges a synthetic Chrome
trace with --profile-from (every op timed, one name matching no op), checks
the HTML is well-formed, self-contained and has one roofline circle per op,
and renders it in headless Chromium (Debian `chromium`): the screenshot must
be a real picture and the DOM must hold the bottleneck table.

Exit status: 0 pass, 1 fail, 77 when everything but the render passed and
Chromium cannot be installed or run.
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib

SVG = "{http://www.w3.org/2000/svg}"
SEVERITIES = {"Critical", "High", "Medium", "Low"}
CATEGORIES = ["conv", "depthwise", "pointwise", "gemm", "pool", "elementwise", "layout"]
TOP_KEYS = {"schema", "model", "module", "pipeline", "roofline", "profile", "totals",
            "categories", "ops", "bottlenecks", "passes"}
ROOFLINE_KEYS = {"name", "cores", "peak_flops_per_core", "peak_flops", "bandwidth", "ridge",
                 "source"}
TOTALS_KEYS = {"ops", "flops", "bytes", "predicted_ms", "measured_ms", "time_basis",
               "efficiency"}
CATEGORY_KEYS = {"category", "ops", "flops", "bytes", "predicted_ms", "measured_ms", "time_ms",
                 "time_share", "efficiency"}
OP_KEYS = {"index", "name", "op", "category", "inputs", "outputs", "flops", "epilogue", "bytes",
           "arithmetic_intensity", "bound", "compute_ms", "memory_ms", "predicted_ms",
           "measured_ms", "time_ms", "time_share", "efficiency", "severity"}
VALUE_KEYS = {"name", "dtype", "dims", "layout", "constant"}
EPILOGUE_KEYS = {"act", "ops_per_element", "flop_equivalents"}
BYTES_KEYS = {"inputs", "weights", "outputs", "total"}
FINDING_KEYS = {"rank", "severity", "kind", "op", "op_index", "ops", "time_ms", "time_share",
                "efficiency", "bytes", "summary", "path_a", "path_b"}
PASSES_KEYS = {"recorded", "list", "input_ir", "total_ms", "bn_folded", "bn_converted",
               "depthwise_routed", "transposes_before_channels_last",
               "transposes_after_channels_last", "reshards"}
PASS_KEYS = {"name", "nodes_before", "nodes_after", "transposes_before", "transposes_after",
             "ms", "stats", "changed", "diff"}
PROFILE_KEYS = {"entries", "matched_ops", "measured_ms", "unmatched"}


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def keys(obj, want, where):
    check(isinstance(obj, dict), f"{where}: not an object")
    check(set(obj) == want, f"{where}: keys {sorted(set(obj) ^ want)} differ")


def num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def run_convc(args, work, extra):
    cmd = [args.convc, args.model, "-O2", "-o", os.path.join(work, "out")] + extra
    if args.target:
        cmd.append("--target=" + args.target)
    p = subprocess.run(cmd, capture_output=True, text=True)
    check(p.returncode == 0, f"{' '.join(cmd)} exited {p.returncode}: {p.stderr}")


def check_op(op, i):
    keys(op, OP_KEYS, f"ops[{i}]")
    keys(op["bytes"], BYTES_KEYS, f"ops[{i}].bytes")
    check(op["index"] == i, f"ops[{i}].index")
    check(op["category"] in CATEGORIES, f"ops[{i}].category {op['category']}")
    check(op["severity"] in SEVERITIES, f"ops[{i}].severity")
    check(op["bound"] in ("compute", "memory"), f"ops[{i}].bound")
    for k in ("flops", "arithmetic_intensity", "predicted_ms", "time_share"):
        check(num(op[k]) and op[k] >= 0, f"ops[{i}].{k} not a number >= 0")
    check(abs(op["predicted_ms"] - max(op["compute_ms"], op["memory_ms"])) < 1e-9,
          f"ops[{i}]: predicted_ms is not the roofline max")
    if op["epilogue"] is not None:
        keys(op["epilogue"], EPILOGUE_KEYS, f"ops[{i}].epilogue")
        check(op["epilogue"]["flop_equivalents"] > 0, f"ops[{i}].epilogue.flop_equivalents")
    b = op["bytes"]
    check(abs(b["total"] - b["inputs"] - b["weights"] - b["outputs"]) < 1e-6, f"ops[{i}].bytes")
    for v in op["inputs"] + op["outputs"]:
        if v is not None:
            keys(v, VALUE_KEYS, f"ops[{i}] value")


def check_json(path, profiled):
    with open(path) as f:
        r = json.load(f)
    keys(r, TOP_KEYS, "report")
    check(r["schema"] == "convc-report/1", "schema")
    keys(r["roofline"], ROOFLINE_KEYS, "roofline")
    keys(r["totals"], TOTALS_KEYS, "totals")
    check(r["totals"]["time_basis"] == ("measured" if profiled else "predicted"), "time_basis")
    check([c["category"] for c in r["categories"]] == CATEGORIES, "categories order")
    for c in r["categories"]:
        keys(c, CATEGORY_KEYS, f"categories[{c['category']}]")
    check(len(r["ops"]) == r["totals"]["ops"] > 0, "ops count")
    for i, op in enumerate(r["ops"]):
        check_op(op, i)
    shares = sum(op["time_share"] for op in r["ops"])
    check(abs(shares - 1) < 1e-6, f"time shares sum to {shares}")
    check(r["bottlenecks"], "no bottlenecks")
    for i, b in enumerate(r["bottlenecks"]):
        keys(b, FINDING_KEYS, f"bottlenecks[{i}]")
        check(b["rank"] == i + 1 and b["severity"] in SEVERITIES, f"bottlenecks[{i}]")
        check(b["path_a"] and b["path_b"] and b["summary"], f"bottlenecks[{i}] texts")
    order = ["Critical", "High", "Medium", "Low"]
    ranks = [order.index(b["severity"]) for b in r["bottlenecks"]]
    check(ranks == sorted(ranks), "bottlenecks not ranked by severity")
    keys(r["passes"], PASSES_KEYS, "passes")
    check(r["passes"]["recorded"] and r["passes"]["list"], "no pass history")
    for p in r["passes"]["list"]:
        keys(p, PASS_KEYS, f"passes.{p.get('name')}")
    if profiled:
        keys(r["profile"], PROFILE_KEYS, "profile")
    else:
        check(r["profile"] is None, "profile should be null")
    return r


def write_profile(report, path):
    """Each op three runs at 2-4x its roofline time, plus a name no op has."""
    events = []
    for op in report["ops"]:
        base = op["predicted_ms"] * 1000
        for run, k in enumerate((3.0, 2.0, 4.0)):
            events.append({"name": op["name"], "ph": "X", "ts": run, "dur": base * k,
                           "pid": 1, "tid": 1})
    events.append({"name": "not-a-node", "ph": "X", "ts": 0, "dur": 5.0, "pid": 1, "tid": 1})
    with open(path, "w") as f:
        json.dump({"traceEvents": events}, f)


def check_profiled(r):
    p = r["profile"]
    check(p["matched_ops"] == len(r["ops"]), f"matched {p['matched_ops']} of {len(r['ops'])}")
    check(p["unmatched"] == ["not-a-node"], f"unmatched {p['unmatched']}")
    for op in r["ops"]:
        check(op["measured_ms"] is not None, f"{op['name']} not measured")
        if op["predicted_ms"] > 0:
            check(abs(op["measured_ms"] / op["predicted_ms"] - 3) < 1e-6, f"{op['name']} median")
            check(abs(op["efficiency"] - 1 / 3) < 1e-6, f"{op['name']} efficiency")


def check_html(path, report):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    check(text.startswith("<!DOCTYPE html>"), "no doctype")
    root = ET.fromstring(text[len("<!DOCTYPE html>"):])  # well-formed XML
    for tag in ("script", "link", "img", "iframe"):
        check(not list(root.iter(tag)), f"external or scripted <{tag}>")
    check("http://" not in text.replace("http://www.w3.org/2000/svg", ""), "network URL")
    svgs = list(root.iter(SVG + "svg"))
    check(len(svgs) == 1, "no roofline svg")
    circles = [c for c in svgs[0].iter(SVG + "circle") if "op" in c.get("class", "").split()]
    check(len(circles) == len(report["ops"]), f"{len(circles)} circles for {len(report['ops'])} ops")
    check(all(c.find(SVG + "title") is not None for c in circles), "circle without tooltip")
    tables = {t.get("id"): t for t in root.iter("table")}
    for tid in ("time-bars", "bottlenecks", "categories", "ops", "passes"):
        check(tid in tables, f"no table #{tid}")
    rows = len(list(tables["bottlenecks"].iter("tr"))) - 1
    check(rows == len(report["bottlenecks"]), f"{rows} bottleneck rows")
    check(len(list(tables["time-bars"].iter("tr"))) - 1 == min(30, len(report["ops"])), "bars")
    diffs = [d for d in root.iter("details") if d.get("class") == "pass-diff"]
    check(len(diffs) == len(report["passes"]["list"]), "one diff block per pass")


def png_colors(path):
    """Distinct colours in a PNG (8-bit RGB/RGBA, non-interlaced)."""
    with open(path, "rb") as f:
        data = f.read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    w, h, depth, ctype = ihdr[0], ihdr[1], ihdr[2], ihdr[3]
    check(depth == 8 and ctype in (2, 6) and ihdr[6] == 0, f"unexpected PNG format {ihdr}")
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    prev, colors = bytearray(stride), set()
    for y in range(h):
        ftype, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if y % 16 == 0:
            colors.update(bytes(line[i:i + 3]) for i in range(0, stride, bpp * 4))
        prev = line
    return colors


def find_chromium():
    exe = shutil.which("chromium") or (os.path.exists("/usr/bin/chromium") and "/usr/bin/chromium")
    if not exe and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"],
                       capture_output=True, env=env)
        exe = shutil.which("chromium")
    return exe


def render(html, work):
    exe = find_chromium()
    if not exe:
        return "chromium is not installed and cannot be"
    base = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            "--user-data-dir=" + os.path.join(work, "chromium-profile")]
    shot = os.path.join(work, "report.png")
    url = "file://" + os.path.abspath(html)
    try:
        p = subprocess.run(base + ["--screenshot=" + shot, "--window-size=1400,3000", url],
                           capture_output=True, text=True, timeout=120)
        dom = subprocess.run(base + ["--dump-dom", url], capture_output=True, text=True,
                             timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"chromium cannot run: {e}"
    if p.returncode != 0 or not os.path.exists(shot):
        return f"chromium cannot run (exit {p.returncode}): {p.stderr[-500:]}"
    check(os.path.getsize(shot) > 20000, f"screenshot only {os.path.getsize(shot)} bytes")
    check(len(png_colors(shot)) >= 10, "screenshot is (nearly) one colour")
    check(dom.returncode == 0, "chromium --dump-dom failed")
    check('id="bottlenecks"' in dom.stdout and "Path A (graph)" in dom.stdout, "DOM lacks bottlenecks")
    check(dom.stdout.count('class="op') >= 1 and "<svg" in dom.stdout, "DOM lacks the roofline")
    print(f"rendered {url} to {shot}")
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--convc", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--target", help="pin the target (a file), so the report does not depend "
                    "on the machine that runs the test")
    args = ap.parse_args()
    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    out = {ext: os.path.join(work, "R." + ext) for ext in ("html", "json", "md")}
    try:
        run_convc(args, work, ["--report=" + out[e] for e in ("html", "json", "md")])
        report = check_json(out["json"], profiled=False)
        with open(out["md"]) as f:
            md = f.read()
        check("## Bottlenecks, ranked" in md and "Path A (graph)" in md, "markdown sections")
        check_html(out["html"], report)
        prof = os.path.join(work, "profile.json")
        write_profile(report, prof)
        pj, ph = os.path.join(work, "P.json"), os.path.join(work, "P.html")
        run_convc(args, work, ["--profile-from=" + prof, "--report=" + pj, "--report=" + ph])
        profiled = check_json(pj, profiled=True)
        check_profiled(profiled)
        check_html(ph, profiled)
        skipped = render(ph, work)
    except Failure as e:
        print(f"FAIL: {e}")
        return 1
    if skipped:
        print(f"SKIP render: {skipped}")
        return 77
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
