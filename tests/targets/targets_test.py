#!/usr/bin/python3
"""Targets: load, detect, reject bad files with file and line, calibrate."""
import argparse
import os
import re
import shutil
import subprocess
import sys

FAILS = []


def run(convc, *args):
    p = subprocess.run([convc, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def parse_kv(text):
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition(" = ")
        if sep:
            out[key] = value
    return out


def load_ok(convc, target, **expect):
    rc, out, err = run(convc, "--print-target", "--target=" + target)
    check(rc == 0 and not err, f"{target}: rc={rc} stderr={err!r}")
    kv = parse_kv(out)
    for key, value in expect.items():
        check(kv.get(key) == value, f"{target}: {key} = {kv.get(key)!r}, want {value!r}")
    for key in ("cores", "peak_flops_per_core", "memory_bandwidth", "core_bandwidth", "simd_width",
                "local_memory_bytes"):
        check(key in kv and float(kv[key]) > 0, f"{target}: {key} missing or not > 0: {kv.get(key)!r}")
    for key in kv:
        if key.startswith("source."):
            check(kv[key].strip() != "", f"{target}: empty {key}")
    return kv


def bad(convc, path, want_line, want_text):
    """One error line: PATH: error: line N: ...WANT_TEXT..., exit 1."""
    rc, out, err = run(convc, "--print-target", "--target=" + path)
    lines = err.strip().splitlines()
    check(rc == 1, f"{path}: rc={rc}, want 1")
    check(len(lines) == 1, f"{path}: want one error line, got {err!r}")
    prefix = f"{path}: error: " + (f"line {want_line}: " if want_line else "")
    check(err.startswith(prefix), f"{path}: {err!r} does not start with {prefix!r}")
    check(re.search(want_text, err) is not None, f"{path}: {err!r} does not match {want_text!r}")
    check(out == "", f"{path}: printed {out!r}")


def write(work, name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def edit(work, src, name, old, new):
    with open(src) as f:
        text = f.read()
    assert old in text, (src, old)
    return write(work, name, text.replace(old, new, 1))


def line_of(path, needle):
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if needle in line:
                return i
    raise AssertionError(needle)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--convc", required=True)
    ap.add_argument("--targets", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    wh = os.path.join(a.targets, "wormhole_b0.xml")

    # the shipped targets, by name and by file
    load_ok(a.convc, "wormhole_b0", name="wormhole_b0", grid="10x8", cores="72",
            local_memory_bytes="1499136", memory_bandwidth="2.88e+11")
    load_ok(a.convc, "blackhole", name="blackhole", grid="10x14", cores="140",
            local_memory_bytes="1572864", memory_bandwidth="5.12e+11")
    load_ok(a.convc, wh, name="wormhole_b0", origin=wh)

    # host: default and explicit, sane numbers
    rc, out, _ = run(a.convc, "--print-target")
    host = parse_kv(out)
    check(rc == 0 and host.get("name") == "host", f"default target: {out!r}")
    kv = load_ok(a.convc, "host", name="host")
    check(int(kv["cores"]) >= 1, "host cores >= 1")
    check(kv["simd_width"] in ("4", "8", "16"), f"host simd_width {kv['simd_width']}")
    if os.path.exists("/sys/devices/system/cpu/cpu0/cache/index0/size"):
        check(float(kv["l1d_bytes"]) > 0 and float(kv["local_memory_bytes"]) > 0, "host L1d/L2 > 0")
    if hasattr(os, "sched_getaffinity"):
        check(int(kv["cores"]) == len(os.sched_getaffinity(0)), "host cores = affinity mask")

    # malformed XML: the line of the unclosed tag's parent end
    p = write(a.work, "malformed.xml", '<target name="x">\n  <cores source="s">4\n</target>\n')
    bad(a.convc, p, 3, r"malformed XML")
    p = write(a.work, "empty.xml", "")
    bad(a.convc, p, None, r"malformed XML")
    # schema violations: missing element, negative number, unknown element, bad attribute
    p = write(a.work, "missing.xml", '<target name="x">\n  <cores source="s">4</cores>\n'
              '  <peak-flops source="s">1e9</peak-flops>\n</target>\n')
    bad(a.convc, p, 3, r"not a valid target file.*peak-flops")
    p = edit(a.work, wh, "negative.xml", ">288e9<", ">-288e9<")
    bad(a.convc, p, line_of(p, "-288e9"), r"not a valid target file.*memory-bandwidth")
    p = edit(a.work, wh, "unknown.xml", "  <simd-width", '  <frobs source="x">1</frobs>\n  <simd-width')
    bad(a.convc, p, line_of(p, "<frobs"), r"not a valid target file.*frobs")
    p = edit(a.work, wh, "nosource.xml", '<cores source="n150: 72 Tensix cores', '<cores data="')
    bad(a.convc, p, line_of(p, "<cores data="), r"not a valid target file")
    # values the schema cannot judge
    p = edit(a.work, wh, "toomany.xml", ">72<", ">90<")
    bad(a.convc, p, line_of(p, ">90<"), r"90 cores do not fit the 10 x 8 grid")
    p = edit(a.work, wh, "inf.xml", ">288e9<", ">INF<")
    bad(a.convc, p, line_of(p, ">INF<"), r"not a finite number")
    p = edit(a.work, wh, "fraction.xml", ">1499136<", ">1499136.5<")
    bad(a.convc, p, line_of(p, "1499136.5"), r"not a whole number of bytes")
    # a missing file, an unknown name, no network
    missing = os.path.join(a.work, "nope.xml")
    bad(a.convc, missing, None, r"cannot read: No such file")
    rc, _, err = run(a.convc, "--print-target", "--target=nope")
    check(rc == 1 and err.startswith("convc: error: unknown target 'nope'") and "wormhole_b0" in err,
          f"unknown name: rc={rc} {err!r}")
    p = write(a.work, "dtd.xml", '<?xml version="1.0"?>\n<!DOCTYPE target SYSTEM "http://example.invalid/t.dtd">\n'
              + open(wh).read().split("?>", 1)[1])
    rc, _, err = run(a.convc, "--print-target", "--target=" + p)
    check(rc == 0, f"external DTD must not be fetched and not fail: rc={rc} {err!r}")

    # --target is checked by a compile too (before the model is read)
    rc, _, err = run(a.convc, "model.onnx", "--target=nope")
    check(rc == 1 and "unknown target" in err, f"compile with bad target: rc={rc} {err!r}")

    # calibration writes a target that loads back
    out = os.path.join(a.work, "host-cal.xml")
    rc, text, err = run(a.convc, "--calibrate=" + out)
    check(rc == 0 and os.path.exists(out), f"--calibrate: rc={rc} {err!r}")
    if rc == 0:
        cal = load_ok(a.convc, out, name="host", origin=out)
        check("measured by convc --calibrate" in cal.get("source.peak_flops", ""), "calibrated peak source")
        check(1e9 < float(cal["peak_flops_per_core"]) < 1e13, f"calibrated peak {cal['peak_flops_per_core']}")
        check(1e8 < float(cal["memory_bandwidth"]) < 1e13, f"calibrated bandwidth {cal['memory_bandwidth']}")
    rc, _, err = run(a.convc, "--calibrate=" + os.path.join(a.work, "no/such/dir.xml"))
    check(rc == 1 and "cannot write" in err, f"--calibrate to a bad path: rc={rc} {err!r}")

    print("targets: %d failures" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
