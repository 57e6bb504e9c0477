#!/usr/bin/python3
"""Memory bound: hostile models fail with one clear error inside a fixed
amount of memory, and a large valid graph compiles inside it.

Each case runs convc once and checks its peak resident memory (getrusage of
the child) is below --limit-mib (default 1024). In a build without
sanitizers the process also runs under `ulimit -v` of the same size, so an
allocation beyond it fails instead of succeeding lazily. AddressSanitizer
reserves terabytes of address space for its shadow memory, so with
--sanitized (set by CMake when CONVC_SANITIZE=ON) only the resident size is
checked.

Cases (models from tests/err/run_err_tests.py, plus two valid ones):
  initializer_2p40, initializer_raw_short, initializer_overflow,
  fold_huge_constant, dims_overflow, file_over_2gib (sparse), conv_stride_zero_same,
  and initializer_1gib (2^28 floats claimed, 4 given) -> exit 1, one
  "FILE: error: ..." line;
  relu_chain_20000 (-O2 -o OUT), mobilenet_v2 (-O2 -o OUT) -> exit 0.

    memory_test.py --convc build/convc --work /tmp/mem [--sanitized]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "err"))
sys.path.insert(0, HERE)

ERROR_CASES = ("initializer_2p40", "initializer_raw_short", "initializer_overflow",
               "fold_huge_constant", "dims_overflow", "file_over_2gib",
               "conv_stride_zero_same")


class Ctx:
    pass


TIME = "/usr/bin/time"


def run_limited(argv, cwd, limit_kib, sanitized):
    """Run argv (argv[0] is convc) with RLIMIT_AS unless sanitized; returns
    (exit status, stderr, peak RSS in KiB). The peak comes from GNU time
    when installed: a child forked straight from python would count
    python's own pages, which the fork shares, in its peak."""
    rss_file = os.path.join(cwd, ".peak_rss")
    inner = argv
    if os.access(TIME, os.X_OK):
        inner = [TIME, "-f", "%M", "-o", rss_file] + argv
    if sanitized:
        cmd = inner
    else:
        cmd = ["sh", "-c", 'ulimit -v %d; exec "$@"' % limit_kib, "sh"] + inner
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read().decode("utf-8", "replace")
    _, status, ru = os.wait4(p.pid, 0)
    rc = os.waitstatus_to_exitcode(status)
    rss = ru.ru_maxrss
    if inner is not argv:
        with open(rss_file) as f:
            text = f.read().split()
        os.remove(rss_file)
        # GNU time reports a signal as "Command terminated by signal N".
        if "signal" in text:
            rc = -int(text[text.index("signal") + 1])
        rss = int(text[-1])
        err = "\n".join(l for l in err.splitlines() if not l.startswith("Command exited"))
    return rc, err, rss


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--convc", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--limit-mib", type=int, default=1024)
    ap.add_argument("--sanitized", action="store_true")
    a = ap.parse_args()
    try:
        import run_err_tests as errt
        from relu_chain import relu_chain
        import onnx  # noqa: F401
    except ImportError as e:
        print("memory_test: SKIP: %s (use /usr/bin/python3)" % e)
        return 77
    convc = os.path.abspath(a.convc)
    work = os.path.abspath(a.work)
    limit_kib = a.limit_mib * 1024
    runs = []
    for name in ERROR_CASES:
        c = Ctx()
        c.dir = os.path.join(work, name)
        c.out = os.path.join(work, "out_" + name)
        shutil.rmtree(c.dir, ignore_errors=True)
        shutil.rmtree(c.out, ignore_errors=True)
        os.makedirs(c.dir)
        spec = errt.CASES[name](c)
        runs.append((name, [convc] + spec.argv, c.dir, spec.exit))
    # 2^28 floats (1 GiB) claimed, 4 given: the size is checked before any
    # allocation, so none of the 1 GiB is touched.
    from onnx import TensorProto
    t = TensorProto()
    t.name = "W"
    t.data_type = TensorProto.FLOAT
    t.dims.extend([1 << 14, 1 << 14])
    t.float_data.extend([0.0] * 4)
    d = os.path.join(work, "initializer_1gib")
    os.makedirs(d, exist_ok=True)
    m = errt.save(errt.initializer_model(t), os.path.join(d, "init_1gib.onnx"), check=False)
    runs.append(("initializer_1gib", [convc, m, "-o", os.path.join(d, "out")], d, 1))
    chain = os.path.join(work, "relu_chain_20000.onnx")
    with open(chain, "wb") as f:
        f.write(relu_chain(20000, [1, 8, 4, 4]).SerializeToString())
    for name, model in (("relu_chain_20000", chain),
                        ("mobilenet_v2", os.path.join(REPO, "models", "mobilenet_v2.onnx"))):
        out = os.path.join(work, "out_" + name)
        shutil.rmtree(out, ignore_errors=True)
        runs.append((name, [convc, model, "-O2", "-o", out], work, 0))

    failed = 0
    for name, argv, cwd, want in runs:
        rc, err, rss = run_limited(argv, cwd, limit_kib, a.sanitized)
        lines = [l for l in err.splitlines() if l.strip()]
        probs = []
        if rc != want:
            probs.append("exit %d, expected %d" % (rc, want))
        if want and (len(lines) != 1 or not re.match(r"^\S.*: error: \S", lines[0])):
            probs.append("stderr is not one 'FILE: error: ' line: %s" % " | ".join(lines[:3]))
        if not want and lines:
            probs.append("stderr on success: %s" % lines[0])
        if rss > limit_kib:
            probs.append("peak RSS %d MiB > %d MiB" % (rss // 1024, a.limit_mib))
        status = "FAIL" if probs else "PASS"
        print("%s memory.%s: peak RSS %d MiB%s%s" % (
            status, name, rss // 1024, "" if a.sanitized else
            " (ulimit -v %d MiB)" % a.limit_mib, (": " + "; ".join(probs)) if probs else ""))
        failed += bool(probs)
    if not failed:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
