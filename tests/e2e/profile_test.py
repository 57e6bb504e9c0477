#!/usr/bin/python3
"""End-to-end test of per-node profiling: the runner's --profile FILE.json.

  profile_test.py --convc BUILD/convc [--work DIR]

1. mobilenet_v2 at -O2: compile, build (-Werror), run with --profile p.json --bench 3 and
   check the Chrome trace-event file: valid JSON, one "X" event per node per timed run, the
   labels of each run are exactly the graph's nodes (labels computed from
   `convc --emit=ir` the way cv_node_label does), ops match, durations >= 0 and each run's
   events fit in that run's wall time; the output still matches the reference.  Then a
   single --profile run (1 run recorded), --bench without --profile (works, writes
   nothing), and I/O / usage errors.
2. A tiny model whose node and input names hold quotes, backslashes, a newline, "??/"
   trigraph bait and non-ASCII, plus a duplicated node name: the generated C must build
   with -Werror and the trace must carry the names exactly (JSON-escaped).  Skipped when
   the python has no onnx module.

No timing assertion compares profiling on and off (machines are noisy).
Exit status: 0 pass, 1 failure, 2 usage error.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

import run_model  # make_cmd: the emitted Makefile as a user runs it (with ccache)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = os.path.join(ROOT, "models")

RTOL = 1e-4  # same bound as run_model.py
ATOL = 1e-5
BENCH_RUNS = 3
# Slack for "node durations fit in the run's wall time": the runner reads its clock
# around model_run, the model around each node, with the same clock; rounding of the
# printed numbers (1 ns for ts/dur, 1 ns for run_ms) is all that can differ.
SLACK_US = 5.0


def fail(msg):
    print(f"FAIL: {msg}", flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def run(cmd, what, timeout=900, expect=0, env=None):
    """Run cmd; returns (stdout, stderr) as text. Fails unless the exit status is expect."""
    print("+ " + " ".join(cmd), flush=True)
    t0 = time.time()
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        fail(f"{what} timed out after {timeout} s")
    except OSError as e:
        fail(f"{what}: cannot run {cmd[0]}: {e}")
    out = r.stdout.decode("utf-8", "replace")
    err = r.stderr.decode("utf-8", "replace")
    if r.returncode != expect:
        print(out[-8000:])
        print(err[-8000:])
        fail(f"{what}: exit status {r.returncode}, expected {expect}")
    print(f"  ({what}: {time.time() - t0:.2f} s)", flush=True)
    return out, err


# ---- the node list, from convc --emit=ir ----

def unquote(s, i):
    """s[i] is '"': returns (text, index after the closing quote), IR escapes undone."""
    assert s[i] == ord('"')
    i += 1
    out = bytearray()
    while s[i] != ord('"'):
        c = s[i]
        if c == ord('\\'):
            if s[i + 1] == ord('x'):
                out.append(int(s[i + 2:i + 4].decode(), 16))
                i += 4
                continue
            out.append(s[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out), i + 1


def ir_nodes(text):
    """[(name bytes, op)] of the node lines of IR text (bytes), in order.

    A node line is '%out: type[, ...] = op operands {attrs} [@"name"]'; names of values
    and nodes may be quoted strings (with \\", \\\\ and \\xNN escapes), so the line is
    scanned with quotes skipped."""
    nodes = []
    for line in text.split(b"\n"):
        if not line.startswith(b"%"):
            continue  # module/input/output/const lines, blank
        i, eq, name = 0, None, b""
        while i < len(line):
            c = line[i]
            if c == ord('"'):
                _, i = unquote(line, i)
                continue
            if eq is None and line[i:i + 3] == b" = ":
                eq = i
            if c == ord('@') and i + 1 < len(line) and line[i + 1] == ord('"'):
                name, i = unquote(line, i + 1)
                continue
            i += 1
        check(eq is not None, f"unexpected IR line: {line!r}")
        op = line[eq + 3:].split(b" ", 1)[0].decode()
        nodes.append((name, op))
    return nodes


def node_labels(nodes):
    """Labels as cv_node_label makes them: the name if non-empty and unique, else
    '<name or op>#<position>'."""
    counts = {}
    for name, _ in nodes:
        counts[name] = counts.get(name, 0) + 1
    labels = []
    for k, (name, op) in enumerate(nodes):
        if name and counts[name] == 1:
            labels.append(name)
        else:
            labels.append((name or op.encode()) + b"#%d" % k)
    return [lab.decode("utf-8") for lab in labels]


# ---- the trace ----

PROFILE_LINE = re.compile(r"^profile: (\d+) nodes, (\d+) runs -> (.+)$", re.M)


def check_trace(path, stdout, labels, ops, runs, threads=1):
    """Checks the trace file against the node list; returns the parsed JSON."""
    m = PROFILE_LINE.search(stdout)
    check(m, f"runner printed no 'profile: N nodes, R runs -> FILE' line:\n{stdout}")
    n, r = int(m.group(1)), int(m.group(2))
    check(m.group(3) == path, f"profile line names {m.group(3)}, expected {path}")
    check(n == len(labels), f"runner reports {n} nodes, convc --emit=ir shows {len(labels)}")
    check(r == runs, f"runner reports {r} runs, expected {runs}")
    with open(path, "rb") as f:
        raw = f.read()
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        fail(f"{path} is not valid UTF-8 JSON: {e}")
    check(isinstance(doc, dict) and isinstance(doc.get("traceEvents"), list),
          "no traceEvents list")
    check(doc.get("displayTimeUnit") == "ms", "displayTimeUnit is not 'ms'")
    other = doc.get("otherData")
    check(isinstance(other, dict), "no otherData object")
    check(isinstance(other.get("model"), str) and other["model"], "otherData.model missing")
    check(other.get("threads") == threads, f"otherData.threads = {other.get('threads')}")
    run_ms = other.get("run_ms")
    check(isinstance(run_ms, list) and len(run_ms) == runs, f"otherData.run_ms = {run_ms}")
    events = doc["traceEvents"]
    check(len(events) == n * runs,
          f"{len(events)} events, expected {n} nodes x {runs} runs = {n * runs}")
    by_run = [[] for _ in range(runs)]
    for ev in events:
        check(isinstance(ev, dict), f"event is not an object: {ev!r}")
        for key, typ in (("name", str), ("cat", str), ("ph", str), ("ts", (int, float)),
                         ("dur", (int, float)), ("pid", int), ("tid", int), ("args", dict)):
            check(isinstance(ev.get(key), typ) and not isinstance(ev.get(key), bool),
                  f"event field {key!r} missing or mistyped: {ev!r}")
        check(ev["ph"] == "X" and ev["pid"] == 1 and ev["tid"] == 1, f"bad event {ev!r}")
        k = ev["args"].get("run")
        check(isinstance(k, int) and 0 <= k < runs, f"bad args.run in {ev!r}")
        check(ev["dur"] >= 0, f"negative duration: {ev!r}")
        check(ev["ts"] >= 0, f"negative timestamp: {ev!r}")
        by_run[k].append(ev)
    start = 0.0  # us: runs are laid end to end
    for k, evs in enumerate(by_run):
        names = [ev["name"] for ev in evs]
        check(len(set(names)) == len(names), f"run {k}: duplicate labels")
        unknown = [x for x in names if x not in set(labels)]
        check(not unknown, f"run {k}: labels not in the node list: {unknown[:5]}")
        check(names == labels, f"run {k}: events not one per node in run order")
        check([ev["cat"] for ev in evs] == ops, f"run {k}: cat (op) does not match the IR")
        wall_us = run_ms[k] * 1e3
        total = sum(ev["dur"] for ev in evs)
        check(total <= wall_us + SLACK_US,
              f"run {k}: node durations sum to {total:.3f} us > run wall time {wall_us:.3f} us")
        for ev in evs:
            check(ev["ts"] >= start - SLACK_US and ev["ts"] + ev["dur"] <= start + wall_us + SLACK_US,
                  f"run {k}: event outside its run [{start:.3f}, {start + wall_us:.3f}] us: {ev!r}")
        for a, b in zip(evs, evs[1:]):
            check(b["ts"] >= a["ts"] + a["dur"] - SLACK_US, f"run {k}: events overlap: {a!r} {b!r}")
        print(f"  run {k}: {len(evs)} events, sum(dur) = {total / 1e3:.3f} ms of "
              f"{run_ms[k]:.3f} ms wall ({100 * total / wall_us if wall_us else 0:.1f}%)")
        start += wall_us
    return doc


def compare(out_path, ref_path):
    out = np.load(out_path)
    ref = np.load(ref_path)
    check(out.dtype == np.float32 and out.shape == ref.shape,
          f"output {out.dtype} {out.shape}, reference {ref.dtype} {ref.shape}")
    check(np.isfinite(out).all(), "output has NaN/Inf")
    err = float(np.abs(out.astype(np.float64) - ref.astype(np.float64)).max())
    bound = RTOL * float(np.abs(ref).max()) + ATOL
    print(f"  max|out-ref| = {err:.3e}, bound = {bound:.3e}")
    check(err <= bound, "output with --profile does not match the reference")


def compile_model(convc, onnx_path, level, out_dir, extra=()):
    shutil.rmtree(out_dir, ignore_errors=True)
    run([convc, onnx_path, f"-O{level}", "-o", out_dir] + list(extra), "convc")
    # The IR as bytes: names may hold non-ASCII.
    r = subprocess.run([convc, onnx_path, f"-O{level}", "--emit=ir"] + list(extra),
                       stdout=subprocess.PIPE, timeout=900)
    check(r.returncode == 0, f"convc --emit=ir: exit status {r.returncode}")
    nodes = ir_nodes(r.stdout)
    run(run_model.make_cmd(out_dir) + ["EXTRA_CFLAGS=-Werror"], "make", timeout=1800)
    runner = os.path.join(out_dir, "model")
    check(os.access(runner, os.X_OK), f"make did not produce {runner}")
    return runner, node_labels(nodes), [op for _, op in nodes]


def test_mobilenet(convc, work):
    print("== mobilenet_v2 -O2", flush=True)
    out_dir = os.path.join(work, "profile-mobilenet_v2")
    runner, labels, ops = compile_model(convc, os.path.join(MODELS, "mobilenet_v2.onnx"), 2,
                                        out_dir)
    print(f"  {len(labels)} nodes")
    inp = os.path.join(MODELS, "mobilenet_v2.input.npy")
    ref = os.path.join(MODELS, "mobilenet_v2.ref.npy")
    res = os.path.join(out_dir, "res")
    os.makedirs(res, exist_ok=True)

    help_text, _ = run([runner, "--help"], "runner --help")
    check("--profile" in help_text, "--help does not mention --profile")

    # --bench 3 --profile: the 3 timed runs are recorded, not the warm-up.
    prof = os.path.join(res, "p.json")
    out = os.path.join(res, "out.npy")
    stdout, _ = run([runner, "-i", inp, "-o", out, "--bench", str(BENCH_RUNS), "--profile", prof],
                    "runner --bench --profile")
    check_trace(prof, stdout, labels, ops, BENCH_RUNS)
    compare(out, ref)
    leftovers = [f for f in os.listdir(res) if f not in ("p.json", "out.npy")]
    check(not leftovers, f"temporary files left behind: {leftovers}")

    # A single profiled run, with threads, overwriting an existing file.
    prof1 = os.path.join(res, "single.json")
    with open(prof1, "w") as f:
        f.write("stale")
    out1 = os.path.join(res, "out1.npy")
    stdout, _ = run([runner, "-i", inp, "-o", out1, "--threads", "2", "--profile", prof1],
                    "runner --profile")
    check_trace(prof1, stdout, labels, ops, 1, threads=2)
    compare(out1, ref)

    # Profiling off: --bench works and writes no profile.
    before = sorted(os.listdir(res))
    stdout, _ = run([runner, "-i", inp, "--bench", str(BENCH_RUNS)], "runner --bench")
    check("latency_ms median=" in stdout, "--bench printed no latency line")
    check(not PROFILE_LINE.search(stdout), "profile line printed without --profile")
    check(sorted(os.listdir(res)) == before, "files written without --profile")

    # Errors: unwritable path -> exit 1 with one error line; missing value -> usage (2).
    bad = os.path.join(res, "no-such-dir", "p.json")
    _, err = run([runner, "-i", inp, "--profile", bad], "runner --profile (bad path)", expect=1)
    check(err.startswith("model: error: ") and err.count("\n") == 1,
          f"expected one 'model: error:' line, got {err!r}")
    _, err = run([runner, "-i", inp, "--profile"], "runner --profile (no value)", expect=2)
    check(err.startswith("model: error: "), f"usage error not reported: {err!r}")


WEIRD_NODE = 'q"uote\\back\nline??/\u00e9\u6f22'
WEIRD_INPUT = 'in??=put"\\x'


def test_weird_names(convc, work):
    print("== names that need escaping", flush=True)
    try:
        import onnx
        from onnx import TensorProto, helper
    except ImportError:
        print("  SKIP: no onnx module in this python")
        return
    out_dir = os.path.join(work, "profile-names")
    os.makedirs(work, exist_ok=True)
    onnx_path = os.path.join(work, "profile-names.onnx")
    nodes = [
        helper.make_node("Relu", [WEIRD_INPUT], ["a"], name=WEIRD_NODE),
        helper.make_node("Sigmoid", ["a"], ["b"], name="dup"),
        helper.make_node("Add", ["a", "b"], ["c"], name="dup"),
        helper.make_node("Mul", ["c", "c"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "names",
        [helper.make_tensor_value_info(WEIRD_INPUT, TensorProto.FLOAT, [1, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.save(model, onnx_path)
    runner, labels, ops = compile_model(convc, onnx_path, 0, out_dir)
    check(WEIRD_NODE in labels, f"convc --emit=ir lost the node name: {labels}")
    check("dup#1" in labels and "dup#2" in labels, f"duplicate names not labelled: {labels}")
    x = np.linspace(-2, 2, 8, dtype=np.float32).reshape(1, 8)
    inp = os.path.join(out_dir, "x.npy")
    np.save(inp, x)
    prof = os.path.join(out_dir, "p.json")
    out = os.path.join(out_dir, "y.npy")
    stdout, _ = run([runner, "-i", inp, "-o", out, "--profile", prof], "runner --profile")
    check_trace(prof, stdout, labels, ops, 1)
    a = np.maximum(x, 0)
    c = a + 1 / (1 + np.exp(-a))
    err = float(np.abs(np.load(out) - c * c).max())
    check(err <= 1e-5, f"tiny model output off by {err}")


def main():
    ap = argparse.ArgumentParser(description="convc --profile end-to-end test")
    ap.add_argument("--convc", required=True, help="path of the convc binary")
    ap.add_argument("--work", default=None, help="work directory (default: under the temp dir)")
    a = ap.parse_args()
    convc = os.path.abspath(a.convc)
    if not os.access(convc, os.X_OK):
        print(f"profile_test: convc not found or not executable: {convc}", file=sys.stderr)
        sys.exit(2)
    work = os.path.abspath(a.work or os.path.join(tempfile.gettempdir(), "convc-e2e"))
    os.makedirs(work, exist_ok=True)
    test_mobilenet(convc, work)
    test_weird_names(convc, work)
    print("PASS: e2e.profile")


if __name__ == "__main__":
    main()
