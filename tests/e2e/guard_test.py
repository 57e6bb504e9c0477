#!/usr/bin/python3
"""Guarded tensors: every model built with `make GUARD=1` and run on every ISA.

  guard_test.py --convc BUILD/convc [--work DIR] [-O 2[,0]] [--only NAME,...]
                [--threads 1,2] [--cc CC]

For every model of models/manifest.json that is present (committed ones always;
generated and on_request ones when their files exist, else a note):
  convc models/NAME.onnx -O<L> -o WORK/NAME-O<L>
  make -s -j2 -C WORK/NAME-O<L> GUARD=1 EXTRA_CFLAGS=-Werror CC='ccache cc'
  CVRT_ISA=I WORK/NAME-O<L>/model -i ... -o ... --threads T
for every ISA I this machine runs (portable, avx2, avx512; one it lacks is skipped
with the runner's reason) and T in --threads (default 1 and 2). GUARD=1 builds the
emitted code with AddressSanitizer and the guarded layout (docs/guard.md): every
tensor, weight and the convs' scratch between poisoned red zones, every tensor
poisoned outside its lifetime. A run passes when it exits 0, prints no sanitizer
report (ASAN_OPTIONS exitcode=66, leaks detected) and every output matches its
ONNX Runtime reference within run_model's tolerance. The build must really be
guarded: .build-flags names -DCVRT_GUARD and the runner calls ASan's poisoning.

-O 0 adds the -O0 pipeline (NCHW kernels: im2col conv, NCHW pooling, batchnorm);
the ctest runs it on the small models only (--only-O0-small), where it is cheap.

  guard_test.py --convc BUILD/convc --selftest [--work DIR] [--cc CC]

proves the guard sees what it is for: conv_basic at -O0 built with GUARD=1 and its
cvrt_conv2d / cvrt_unary calls routed through guard_selftest.c, which makes one bad
access per mode (one float past a tensor, before it, a write past it, an unmasked
AVX2 load of a tail, the lane check of masked loads given one lane too many, a tensor
read after its last use, past the conv's scratch, past a weight). Each must end in an AddressSanitizer report naming the access (exit
status 66); modes none and masked_tail (a legal masked tail load) must run clean and
match the reference.

Exit status: 0 pass, 1 failure, 2 usage error.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import run_model as rm

ASAN_EXIT = 66
ASAN_OPTIONS = (f"exitcode={ASAN_EXIT}:detect_leaks=1:halt_on_error=1:"
                "abort_on_error=0:print_summary=1:allocator_may_return_null=0")
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")


def missing_files(entry):
    files = [entry["file"]] + entry["inputs"] + rm.ref_files(entry)
    return [f for f in files if not os.path.exists(os.path.join(rm.MODELS, f))]


def select(manifest, only):
    chosen = []
    for e in manifest["models"]:
        if only and e["name"] not in only:
            continue
        missing = missing_files(e)
        if missing and e["kind"] == "generated":
            why = "on request only" if e["on_request"] else "not generated"
            print(f"note: {e['name']}: {why} (missing {' '.join(missing)}); skipped")
            continue
        chosen.append(e)  # a committed model with missing files fails below
    return chosen


def run(cmd, timeout, env=None):
    """(exit status, output, seconds) of cmd; output is stdout and stderr
    together; the status is None after a timeout."""
    t0 = time.time()
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout, env=env)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        return None, out + f"\n(timed out after {timeout} s)", timeout
    return r.returncode, r.stdout.decode("utf-8", "replace"), time.time() - t0


def tail(out, n=60):
    lines = out.rstrip("\n").split("\n")
    return "\n".join(lines[-n:])


def report_excerpt(out):
    """The first lines of a sanitizer report in out."""
    lines = out.split("\n")
    for i, line in enumerate(lines):
        if any(m in line for m in SANITIZER_MARKERS):
            return "\n".join(lines[max(0, i - 1):i + 45])
    return tail(out, 30)


def guarded(out_dir):
    """None when out_dir's build is the guarded one, else why not."""
    try:
        with open(os.path.join(out_dir, ".build-flags")) as f:
            flags = f.read()
        with open(os.path.join(out_dir, "model"), "rb") as f:
            exe = f.read()
    except OSError as e:
        return f"cannot read the build: {e}"
    if "-DCVRT_GUARD" not in flags or "-fsanitize=address" not in flags:
        return f".build-flags lacks -DCVRT_GUARD -fsanitize=address: {flags.strip()}"
    if b"__asan_poison_memory_region" not in exe or b"__asan_unpoison_memory_region" not in exe:
        return "the runner does not call ASan's manual poisoning (not a guarded build)"
    return None


def build(convc, entry, level, work, cc):
    """Compiles and builds one model with GUARD=1; returns (out_dir, None) or
    (None, reason)."""
    out_dir = os.path.join(work, f"{entry['name']}-O{level}")
    shutil.rmtree(out_dir, ignore_errors=True)
    missing = missing_files(entry)
    if missing:
        return None, f"model files missing: {' '.join(missing)}"
    cmd = [convc, os.path.join(rm.MODELS, entry["file"]), f"-O{level}", "-o", out_dir]
    rc, out, secs = run(cmd + rm.input_shape_args(entry), rm.TIMEOUT_CONVC)
    if rc != 0:
        return None, f"convc exited {rc}:\n{tail(out)}"
    # -g1 (file:line in reports) makes ccache hash the directory; every model's
    # kernel sources are the same files, so let it hit across directories.
    env = dict(os.environ, CCACHE_NOHASHDIR="1")
    rc, out, secs = run(rm.make_cmd(out_dir, cc) + ["GUARD=1", "EXTRA_CFLAGS=-Werror"],
                        rm.TIMEOUT_MAKE, env=env)
    if rc != 0:
        return None, f"make GUARD=1 exited {rc}:\n{tail(out)}"
    print(f"  built with GUARD=1 in {secs:.1f} s", flush=True)
    why = guarded(out_dir)
    return (out_dir, None) if why is None else (None, why)


def run_all(entry, level, out_dir, threads):
    """Runs the guarded model on every ISA and thread count; returns a list of
    (what, ok, note) rows."""
    rows = []
    env = dict(os.environ, ASAN_OPTIONS=ASAN_OPTIONS)
    for isa in rm.ISAS:
        for t in threads:
            what = f"{entry['name']} -O{level} {isa} T{t}"
            res_dir = os.path.join(out_dir, f"guard-{isa}-T{t}")
            os.makedirs(res_dir, exist_ok=True)
            outs = [os.path.join(res_dir, f"out{k}.npy") for k in range(rm.num_outputs(entry))]
            cmd = [os.path.join(out_dir, "model"), "--threads", str(t)]
            for f in entry["inputs"]:
                cmd += ["-i", os.path.join(rm.MODELS, f)]
            for p in outs:
                cmd += ["-o", p]
            rc, out, secs = run(cmd, rm.TIMEOUT_RUN, env=dict(env, CVRT_ISA=isa))
            if rc == 1 and f"CVRT_ISA={isa}: " in out and "unknown" not in out:
                print(f"  {isa}: skipped, this machine lacks it", flush=True)
                break
            if rc != 0 or any(m in out for m in SANITIZER_MARKERS):
                note = f"exit {rc}" + (" (sanitizer report)" if rc == ASAN_EXIT else "")
                print(f"FAIL: {what}: {note}\n{report_excerpt(out)}", flush=True)
                rows.append((what, False, note))
                continue
            bad = []
            for k, r, twin in rm.ref_checks(entry):
                c = rm.measure(outs[k], os.path.join(rm.MODELS, r), entry.get("half"), twin,
                               entry.get("half_roundings", rm.HALF_ROUNDINGS))
                if not c.ok:
                    bad.append(f"output {k}: " + (c.note or f"max|out-ref| {c.err:.3e} > {c.bound:.3e}"))
            note = "; ".join(bad) if bad else f"{secs:.2f} s"
            if bad:
                print(f"FAIL: {what}: {note}", flush=True)
            rows.append((what, not bad, note))
    return rows


# (mode, expected: None = a clean run, else (access, function) the report must name)
SELFTEST_MODES = [
    ("none", None),
    ("masked_tail", None),
    ("read_past", ("READ of size 4", "selftest_unary")),
    ("write_past", ("WRITE of size 4", "selftest_unary")),
    ("read_before", ("READ of size 4", "selftest_unary")),
    ("vector_tail", ("READ of size 32", "selftest_unary")),
    ("masked_lane_past", ("READ of size 4", "cvrt_guard_read_lanes")),
    ("dead_tensor", ("READ of size 4", "selftest_unary")),
    ("scratch_past", ("READ of size 4", "selftest_conv2d")),
    ("weight_past", ("READ of size 4", "selftest_conv2d")),
]


def cpu_has(flag):
    try:
        with open("/proc/cpuinfo") as f:
            return any(line.startswith("flags") and flag in line.split() for line in f)
    except OSError:
        return False


def selftest(convc, work, cc):
    """Deliberate overruns through guard_selftest.c; returns the table rows."""
    entry = {e["name"]: e for e in rm.load_manifest()["models"]}["conv_basic"]
    work = os.path.join(work, "selftest")
    os.makedirs(work, exist_ok=True)
    out_dir, why = build(convc, entry, 0, work, cc)
    if why:
        return [("selftest build", False, why.split("\n")[0])]
    flags = ["-O1", "-std=c99", "-fopenmp", "-fsanitize=address", "-fno-omit-frame-pointer",
             "-g1", "-I", out_dir]
    cc_cmd = cc.split()
    steps = [
        cc_cmd + flags + ["-DCVRT_GUARD", "-Dcvrt_conv2d=selftest_conv2d",
                          "-Dcvrt_unary=selftest_unary", "-c", os.path.join(out_dir, "model.c"),
                          "-o", os.path.join(out_dir, "selftest_model.o")],
        cc_cmd + flags + ["-DCVRT_GUARD", "-c", os.path.join(rm.HERE, "guard_selftest.c"),
                          "-o", os.path.join(out_dir, "guard_selftest.o")],
        cc_cmd + flags + ["-o", os.path.join(out_dir, "model_selftest"),
                          os.path.join(out_dir, "main.o"),
                          os.path.join(out_dir, "selftest_model.o"),
                          os.path.join(out_dir, "guard_selftest.o")] +
        sorted(os.path.join(out_dir, f) for f in os.listdir(out_dir)
               if f.startswith("cvrt_") and f.endswith(".o")) + ["-lm"],
    ]
    for cmd in steps:
        rc, out, _ = run(cmd, rm.TIMEOUT_MAKE)
        if rc != 0:
            return [("selftest build", False, f"{' '.join(cmd[:3])}... exited {rc}: {tail(out, 5)}")]
    rows = []
    exe = os.path.join(out_dir, "model_selftest")
    inp = os.path.join(rm.MODELS, entry["inputs"][0])
    ref = os.path.join(rm.MODELS, entry["refs"][0])
    for mode, want in SELFTEST_MODES:
        what = f"selftest {mode}"
        if mode.endswith("_tail") and not cpu_has("avx2"):
            print(f"  {mode}: skipped, no AVX2", flush=True)
            continue
        res = os.path.join(out_dir, f"selftest-{mode}.npy")
        if os.path.exists(res):
            os.unlink(res)
        env = dict(os.environ, ASAN_OPTIONS=ASAN_OPTIONS, CONVC_GUARD_SELFTEST=mode)
        rc, out, _ = run([exe, "-i", inp, "-o", res], rm.TIMEOUT_RUN, env=env)
        if want is None:
            c = rm.measure(res, ref)
            ok = rc == 0 and not any(m in out for m in SANITIZER_MARKERS) and c.ok
            note = "clean run, output matches" if ok else f"exit {rc}: {c.note} {report_excerpt(out)}"
        else:
            access, fn = want
            got = [rc == ASAN_EXIT, "ERROR: AddressSanitizer" in out, access in out, fn in out]
            ok = all(got)
            first = next((line for line in out.split("\n") if "ERROR: AddressSanitizer" in line), "")
            note = (f"reported: {first.split('ERROR: ')[-1].split(' on address')[0]}, {access} "
                    f"in {fn}") if ok else f"exit {rc}, expected a report of {access} in {fn}"
            print(f"--- {mode}: report excerpt\n{report_excerpt(out)}", flush=True)
        if not ok:
            print(f"FAIL: {what}: {note}\n{tail(out, 40)}", flush=True)
        rows.append((what, ok, note))
    return rows


def main():
    ap = argparse.ArgumentParser(description="every model built with GUARD=1 (ASan, guarded "
                                             "tensors) and run on every ISA")
    ap.add_argument("--convc", required=True, help="path of the convc binary")
    ap.add_argument("--work", default=None,
                    help="work directory (default: a directory under the system temp dir)")
    ap.add_argument("-O", dest="levels", default="2",
                    help="comma-separated convc levels (default 2)")
    ap.add_argument("--only", default="", help="comma-separated model names (default: all present)")
    ap.add_argument("--only-O0-small", action="store_true",
                    help="run -O0 on the hand-made models only (not the real networks)")
    ap.add_argument("--threads", default="1,2", help="runner thread counts (default 1,2)")
    ap.add_argument("--cc", default="cc", help="C compiler of the emitted code (default cc)")
    ap.add_argument("--selftest", action="store_true",
                    help="only the deliberate overruns of guard_selftest.c (see above)")
    a = ap.parse_args()

    convc = os.path.abspath(a.convc)
    if not os.access(convc, os.X_OK):
        print(f"guard_test: convc binary not found or not executable: {convc}", file=sys.stderr)
        sys.exit(2)
    try:
        levels = [int(x) for x in a.levels.split(",") if x]
        threads = [int(x) for x in a.threads.split(",") if x]
    except ValueError:
        print("guard_test: -O and --threads take comma-separated integers", file=sys.stderr)
        sys.exit(2)
    manifest = rm.load_manifest()
    only = [n for n in a.only.split(",") if n]
    unknown = set(only) - {e["name"] for e in manifest["models"]}
    if unknown:
        print(f"guard_test: unknown model(s): {' '.join(sorted(unknown))}", file=sys.stderr)
        sys.exit(2)
    work = os.path.abspath(a.work or os.path.join(tempfile.gettempdir(), "convc-guard"))
    os.makedirs(work, exist_ok=True)

    t0 = time.time()
    rows = []
    for entry in ([] if a.selftest else select(manifest, only)):
        for level in levels:
            if level == 0 and a.only_O0_small and entry["real"]:
                continue
            print(f"== {entry['name']} -O{level}", flush=True)
            out_dir, why = build(convc, entry, level, work, a.cc)
            if why:
                print(f"FAIL: {entry['name']} -O{level}: {why}", flush=True)
                rows.append((f"{entry['name']} -O{level}", False, why.split("\n")[0]))
                continue
            rows += run_all(entry, level, out_dir, threads)
    if a.selftest:
        rows = selftest(convc, work, a.cc)
    print(f"\nguarded runs (make GUARD=1; tolerance max|out-ref| <= {rm.RTOL:g}*max|ref| "
          f"+ {rm.ATOL:g}; ASan report = failure):")
    for what, ok, note in rows:
        print(f"  {what:<44} {'ok' if ok else 'FAIL'}  {note}")
    nbad = sum(1 for r in rows if not r[1])
    print(f"{len(rows)} runs, {nbad} failed, {time.time() - t0:.0f} s")
    if nbad or not rows:
        rm.fail("guard: " + (f"{nbad} failure(s)" if nbad else "nothing was run"))
    print("PASS: guard")


if __name__ == "__main__":
    main()
