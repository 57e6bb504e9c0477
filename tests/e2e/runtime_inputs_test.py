#!/usr/bin/python3
"""The emitted runtime's inputs: bad .npy files, bad weights.bin, bad thread counts.

  runtime_inputs_test.py --convc BUILD/convc --work DIR --setup
  runtime_inputs_test.py --convc BUILD/convc --work DIR --case NAME
  runtime_inputs_test.py --list

--setup compiles models/conv_basic.onnx (-O2) into WORK/model, builds the runner with
`make GUARD=1` (AddressSanitizer: an error path that leaks, overruns or crashes is
reported) and the API harness runtime_api_harness.c against the same objects
(WORK/harness). Each --case then makes its bad input under WORK/<case>/ and checks:

- runner cases (WORK/model/model -i ... -o ...): the exit status (1 for a bad input
  or weights file, 2 for a usage error), stderr is exactly one line
  "model: error: <what>" matching the case's pattern (file name and the facts: the
  shapes, the dtype found, the byte counts), no sanitizer report, and no -o file;
- API cases (WORK/harness: model_create / model_run called directly): what the
  harness prints, i.e. NULL and the exact err text, or a context and its thread
  count, with no sanitizer report.
A case "ok" runs the valid input and compares with the reference, so the setup is
known to work. Exit status: 0 pass, 1 failure, 2 usage error.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = os.path.join(ROOT, "models")
MODEL = "conv_basic"
IN_SHAPE = (1, 3, 11, 11)
MAX_THREADS = 1024  # MODEL_MAX_THREADS in backends/c/runtime/model.h
ASAN_OPTIONS = "exitcode=66:detect_leaks=1:halt_on_error=1:abort_on_error=0"
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")
GUARD_FLAGS = ["-fsanitize=address", "-fno-omit-frame-pointer", "-g1"]

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print(f"FAIL: {what}", flush=True)
    else:
        print(f"ok: {what}", flush=True)
    return cond


def run(cmd, env=None, timeout=300):
    print("+ " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                       env=dict(os.environ, ASAN_OPTIONS=ASAN_OPTIONS, **(env or {})))
    out, err = r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")
    if out.strip():
        print("  stdout: " + out.rstrip().replace("\n", "\n          "))
    if err.strip():
        print("  stderr: " + err.rstrip().replace("\n", "\n          "))
    return r.returncode, out, err


# ---------------------------------------------------------------------------
# setup

def setup(convc, work):
    import run_model as rm
    model_dir = os.path.join(work, "model")
    shutil.rmtree(model_dir, ignore_errors=True)
    rc, _, _ = run([convc, os.path.join(MODELS, MODEL + ".onnx"), "-O2", "-o", model_dir])
    if rc != 0:
        return check(False, "convc compiles the model")
    rc, _, _ = run(rm.make_cmd(model_dir) + ["GUARD=1", "EXTRA_CFLAGS=-Werror"],
                   env={"CCACHE_NOHASHDIR": "1"},
                   timeout=1800)
    if rc != 0:
        return check(False, "make GUARD=1 builds the runner")
    objs = sorted(f for f in os.listdir(model_dir) if f.endswith(".o") and f != "main.o")
    cc = os.environ.get("CC", "cc")
    rc, _, _ = run([cc, "-std=c99", "-fopenmp", *GUARD_FLAGS, "-I", model_dir,
                    "-o", os.path.join(work, "harness"),
                    os.path.join(HERE, "runtime_api_harness.c")] +
                   [os.path.join(model_dir, o) for o in objs] + ["-lm"])
    return check(rc == 0, "the API harness builds against the emitted model")


# ---------------------------------------------------------------------------
# inputs

def npy_bytes(arr=None, header=None, data=None):
    """An .npy file: header dict text (or that of arr) and data bytes (or arr's)."""
    import numpy as np
    if arr is None:
        arr = np.zeros(IN_SHAPE, np.float32)
    if header is None:
        header = ("{'descr': '%s', 'fortran_order': False, 'shape': %s, }"
                  % (arr.dtype.str, str(tuple(arr.shape))))
    if data is None:
        data = arr.tobytes()
    h = header.encode("latin-1")
    pad = 64 - (10 + len(h) + 1) % 64
    h = h + b" " * (pad % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h + data


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def good_input():
    import numpy as np
    return np.load(os.path.join(MODELS, MODEL + ".input.npy"))


def weights_bytes(work):
    with open(os.path.join(work, "model", "weights.bin"), "rb") as f:
        return f.read()


# Each runner case: (make(case_dir, work) -> (extra args, input path), exit status,
# the message after "model: error: " as a regex; {IN} and {W} stand for the
# escaped input and weights paths).
def in_case(make_input, rc, msg):
    def prepare(d, work):
        return [], make_input(d)
    return prepare, rc, msg


def w_case(make_weights, rc, msg):
    def prepare(d, work):
        w = make_weights(d, weights_bytes(work))
        return ["--weights", w], os.path.join(MODELS, MODEL + ".input.npy")
    return prepare, rc, msg


def t_case(threads, rc, msg):
    def prepare(d, work):
        return ["--threads", threads], os.path.join(MODELS, MODEL + ".input.npy")
    return prepare, rc, msg


def shape_text(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


def _f8(d):
    return write(os.path.join(d, "in.npy"), npy_bytes(good_input().astype("<f8")))


def _i8(d):
    return write(os.path.join(d, "in.npy"), npy_bytes(good_input().astype("<i8")))


def _be(d):
    return write(os.path.join(d, "in.npy"), npy_bytes(good_input().astype(">f4")))


def _fortran(d):
    import numpy as np
    a = np.asfortranarray(good_input())
    hdr = "{'descr': '<f4', 'fortran_order': True, 'shape': %s, }" % str(tuple(a.shape))
    return write(os.path.join(d, "in.npy"), npy_bytes(a, header=hdr, data=a.tobytes(order="F")))


def _np_fortran(d):
    """The same written by numpy itself (np.save of a Fortran-ordered array)."""
    import numpy as np
    p = os.path.join(d, "in.npy")
    np.save(p, np.asfortranarray(good_input()))
    return p


def _shape(shape):
    def make(d):
        import numpy as np
        return write(os.path.join(d, "in.npy"), npy_bytes(np.zeros(shape, np.float32)))
    return make


def _truncated(d):
    b = npy_bytes(good_input())
    return write(os.path.join(d, "in.npy"), b[:-10])


def _truncated_header(d):
    return write(os.path.join(d, "in.npy"), npy_bytes(good_input())[:40])


def _trailing(d):
    return write(os.path.join(d, "in.npy"), npy_bytes(good_input()) + b"\0\0\0\0")


def _missing(d):
    return os.path.join(d, "no-such-input.npy")


def _not_npy(d):
    return write(os.path.join(d, "in.npy"), b"PK\x03\x04 this is a zip, not an npy file" * 4)


def _directory(d):
    p = os.path.join(d, "a-directory.npy")
    os.makedirs(p, exist_ok=True)
    return p


def _w_missing(d, w):
    return os.path.join(d, "no-such-weights.bin")


def _w_truncated(d, w):
    return write(os.path.join(d, "weights.bin"), w[:-100])


def _w_empty(d, w):
    return write(os.path.join(d, "weights.bin"), b"")


def _w_extended(d, w):
    return write(os.path.join(d, "weights.bin"), w + b"\0" * 7)


def _w_flipped(d, w):
    b = bytearray(w)
    b[len(b) // 3] ^= 0x01
    return write(os.path.join(d, "weights.bin"), bytes(b))


def _w_directory(d, w):
    p = os.path.join(d, "weights-dir.bin")
    os.makedirs(p, exist_ok=True)
    return p


IN_PREFIX = r"'{IN}': "
RUNNER_CASES = {
    "npy_wrong_shape": in_case(_shape((1, 3, 11, 12)), 1, IN_PREFIX +
                               r"shape mismatch: expected \[1,3,11,11\], found \[1,3,11,12\]"),
    "npy_wrong_rank": in_case(_shape((3, 11, 11)), 1, IN_PREFIX +
                              r"shape mismatch: expected \[1,3,11,11\], found \[3,11,11\]"),
    "npy_scalar": in_case(_shape(()), 1, IN_PREFIX +
                          r"shape mismatch: expected \[1,3,11,11\], found \[\]"),
    "npy_f8": in_case(_f8, 1, IN_PREFIX +
                      r"dtype is '<f8'; the model takes float32 \('<f4'\) here"),
    "npy_i8": in_case(_i8, 1, IN_PREFIX +
                      r"dtype is '<i8'; the model takes float32 \('<f4'\) here"),
    "npy_big_endian": in_case(_be, 1, IN_PREFIX +
                              r"dtype is '>f4'; the model takes float32 \('<f4'\) here"),
    "npy_fortran": in_case(_fortran, 1, IN_PREFIX + r"fortran_order arrays are not supported"),
    "npy_fortran_numpy": in_case(_np_fortran, 1, IN_PREFIX +
                                 r"fortran_order arrays are not supported"),
    "npy_truncated": in_case(_truncated, 1, IN_PREFIX + r"truncated data \(360 of 363 elements\)"),
    "npy_truncated_header": in_case(_truncated_header, 1, IN_PREFIX + r"truncated \.npy header"),
    "npy_trailing_bytes": in_case(_trailing, 1, IN_PREFIX + r"unexpected data after the array"),
    "npy_missing": in_case(_missing, 1, r"cannot open '{IN}': No such file or directory"),
    "npy_not_npy": in_case(_not_npy, 1, r"'{IN}' is not a \.npy file"),
    "npy_directory": in_case(_directory, 1, r"cannot read '{IN}': Is a directory"),
    "weights_missing": w_case(_w_missing, 1,
                              r"{W}: cannot open the weights file: No such file or directory"),
    "weights_truncated": w_case(_w_truncated, 1, r"{W}: the weights file has {WN-100} bytes, "
                                r"this model's has {WN} \(truncated, or not this model's\)"),
    "weights_empty": w_case(_w_empty, 1, r"{W}: the weights file has 0 bytes, "
                            r"this model's has {WN} \(truncated, or not this model's\)"),
    "weights_extended": w_case(_w_extended, 1, r"{W}: the weights file has {WN+7} bytes, "
                               r"this model's has {WN} \(extended, or not this model's\)"),
    "weights_flipped_byte": w_case(_w_flipped, 1, r"{W}: the weights file does not belong to "
                                   r"this model or is damaged \(checksum mismatch\)"),
    "weights_directory": w_case(_w_directory, 1,
                                r"{W}: cannot read the weights file: Is a directory"),
    "threads_0": t_case("0", 2, r"--threads needs an integer from 1 to 1024, got '0'"),
    "threads_negative": t_case("-3", 2, r"--threads needs an integer from 1 to 1024, got '-3'"),
    "threads_10000": t_case("10000", 2, r"--threads needs an integer from 1 to 1024, got '10000'"),
    "threads_not_a_number": t_case("2x", 2, r"--threads needs an integer from 1 to 1024, got '2x'"),
}

# API cases: harness arguments ({W}: the good weights, {D}: the case directory) and
# the regex its stdout must match (whole, one line).
NPROC = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
API_CASES = {
    "api_threads_0": (["create", "{W}", "0"],
                      r"NULL err=model: num_threads must be from 1 to 1024, got 0"),
    "api_threads_negative": (["create", "{W}", "-1"],
                             r"NULL err=model: num_threads must be from 1 to 1024, got -1"),
    "api_threads_int_min": (["create", "{W}", "-2147483648"],
                            r"NULL err=model: num_threads must be from 1 to 1024, "
                            r"got -2147483648"),
    "api_threads_10000": (["create", "{W}", "10000"],
                          r"NULL err=model: num_threads must be from 1 to 1024, got 10000"),
    "api_threads_1025": (["create", "{W}", "1025"],
                         r"NULL err=model: num_threads must be from 1 to 1024, got 1025"),
    "api_threads_1": (["create", "{W}", "1"], r"ctx threads=1 run=0"),
    # the largest count accepted: lowered to the CPUs the process may use
    "api_threads_max": (["create", "{W}", "1024"], rf"ctx threads={min(NPROC, 1024)} run=0"),
    "api_threads_0_no_err_buffer": (["create", "{W}", "0", "0"], r"NULL err=\(none\)"),
    "api_threads_0_small_err_buffer": (["create", "{W}", "0", "12"], r"NULL err=model: num_"),
    "api_weights_null": (["create", "-", "1"],
                         r"NULL err=model: no weights file given \(weights_path is NULL\)"),
    "api_weights_missing": (["create", "{D}/none.bin", "1"],
                            r"NULL err={D}/none.bin: cannot open the weights file: "
                            r"No such file or directory"),
    "api_weights_flipped_byte": (["create", "{FLIPPED}", "2"],
                                 r"NULL err={FLIPPED}: the weights file does not belong to this "
                                 r"model or is damaged \(checksum mismatch\)"),
    "api_weights_truncated": (["create", "{TRUNC}", "2"],
                              r"NULL err={TRUNC}: the weights file has {WN-1} bytes, this "
                              r"model's has {WN} \(truncated, or not this model's\)"),
    "api_run_null": (["run-null", "{W}"],
                     r"null_ctx=-1 null_inputs=-1 null_outputs=-1 null_input0=-1 "
                     r"null_output0=-1 ok_run=0 threads_null=0"),
}


def expand(text, subst, regex):
    for k, v in subst.items():
        text = text.replace("{" + k + "}", re.escape(v) if regex else v)
    return text


def sane(out, err, what):
    bad = [m for m in SANITIZER_MARKERS if m in out + err]
    return check(not bad, f"{what}: no sanitizer report")


def run_case(name, work):
    model_dir = os.path.join(work, "model")
    d = os.path.join(work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    wn = len(weights_bytes(work))
    subst = {"WN": str(wn), "WN-100": str(wn - 100), "WN+7": str(wn + 7), "WN-1": str(wn - 1)}
    if name == "ok":
        import numpy as np
        out = os.path.join(d, "out.npy")
        rc, so, se = run([os.path.join(model_dir, "model"), "-i",
                          os.path.join(MODELS, MODEL + ".input.npy"), "-o", out, "--threads", "2"])
        check(rc == 0, "the valid input runs (exit 0)")
        sane(so, se, name)
        if os.path.exists(out):
            ref = np.load(os.path.join(MODELS, MODEL + ".ref.npy"))
            err = float(np.abs(np.load(out) - ref).max())
            check(err <= 1e-4 * float(np.abs(ref).max()) + 1e-5,
                  f"the output matches the reference (max|out-ref| = {err:.3e})")
        else:
            check(False, "the valid input writes its output")
        return
    if name in RUNNER_CASES:
        prepare, want_rc, msg = RUNNER_CASES[name]
        args, inp = prepare(d, work)
        out = os.path.join(d, "out.npy")
        subst.update({"IN": inp, "W": args[1] if args[:1] == ["--weights"] else ""})
        rc, so, se = run([os.path.join(model_dir, "model"), "-i", inp, "-o", out] + args)
        check(rc == want_rc, f"{name}: exit status {rc} (expected {want_rc})")
        sane(so, se, name)
        lines = se.rstrip("\n").split("\n") if se.strip() else []
        pattern = "model: error: " + expand(msg, subst, True)
        check(len(lines) == 1 and re.fullmatch(pattern, lines[0]) is not None,
              f"{name}: stderr is the one line /{pattern}/")
        check(not os.path.exists(out), f"{name}: no output file written")
        return
    if name in API_CASES:
        argv, want = API_CASES[name]
        w = weights_bytes(work)
        subst.update({"W": os.path.join(model_dir, "weights.bin"), "D": d,
                      "FLIPPED": _w_flipped(d, w),
                      "TRUNC": write(os.path.join(d, "trunc.bin"), w[:-1])})
        rc, so, se = run([os.path.join(work, "harness")] + [expand(a, subst, False) for a in argv])
        check(rc == 0, f"{name}: the harness returned (exit {rc})")
        sane(so, se, name)
        pattern = expand(want, subst, True)
        check(re.fullmatch(pattern, so.rstrip("\n")) is not None, f"{name}: prints /{pattern}/")
        return
    print(f"runtime_inputs_test: unknown case '{name}' (see --list)", file=sys.stderr)
    sys.exit(2)


def all_cases():
    return ["ok"] + list(RUNNER_CASES) + list(API_CASES)


def main():
    ap = argparse.ArgumentParser(description="bad inputs to the emitted runner and model API")
    ap.add_argument("--convc", help="path of the convc binary (--setup)")
    ap.add_argument("--work", help="work directory")
    ap.add_argument("--setup", action="store_true", help="build the model, runner and harness")
    ap.add_argument("--case", action="append", default=[], help="run one case (repeatable)")
    ap.add_argument("--all", action="store_true", help="run every case")
    ap.add_argument("--list", action="store_true", help="print the case names")
    a = ap.parse_args()
    if a.list:
        print("\n".join(all_cases()))
        return
    if not a.work:
        ap.error("--work is required")
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    sys.path.insert(0, HERE)
    if a.setup:
        if not a.convc:
            ap.error("--setup needs --convc")
        setup(os.path.abspath(a.convc), work)
    for name in (all_cases() if a.all else a.case):
        run_case(name, work)
    if FAILS:
        print(f"{len(FAILS)} check(s) failed")
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
