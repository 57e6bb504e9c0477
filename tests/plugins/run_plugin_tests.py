#!/usr/bin/python3
"""Pass plugin tests: install convc, build the example plugins out of tree against
the installed package, run them through convc and convc-opt, follow
docs/writing-a-pass.md, and check every plugin load error.

    run_plugin_tests.py --convc B/convc --convc-opt B/convc-opt --build-dir B \\
        --work DIR --case NAME
    run_plugin_tests.py --list

Cases (one ctest test each, plugins.NAME):
  build                 cmake --install B --prefix WORK/prefix; configure and build
                        plugins/count_ops and plugins/fuse_pad_conv against it with
                        find_package(convc); build the bad plugins of bad/*.c with cc.
                        The other cases need it (a ctest fixture; run alone, they build
                        on demand).
  pkgconfig             count_ops.c built with cc and `pkg-config --cflags convc` only.
  count_ops.*           stats equal the op counts of the IR; op= option; changes nothing.
  fuse_pad_conv.*       the hand-written cir/*.cir (must fire / must not fire), the
                        models with pads (unchanged), and compiled numerics of a pad
                        model and of a generated Pad -> Conv model (fires).
  tutorial, ir_doc      the fenced blocks of docs/writing-a-pass.md and docs/ir.md:
                        `file=PATH` blocks are written out, `sh run` blocks run in order
                        with bash, and each line of a `text expect` block must appear in
                        the output of the run block before it.
  cxx.*                 plugins/kernel_sizes (C++) built with g++ through CMake and through
                        pkg-config, loaded and run.
  broken.*              one deliberately broken pass plugin of bad/ each (a pass that
                        breaks the IR, crashes, aborts, exits, fails silently; a plugin
                        whose entry point crashes or whose descriptor is not static): the
                        exit status, the one `error:` line naming the pass, no output left,
                        no sanitizer report; with convc and convc-opt.
  flags.*               pass manager flags that must mean what they say: unknown
                        --print-after names, repeated option keys, empty or flag-like
                        plugin paths (usage errors, exit 2), --stats for a pass that
                        counted nothing, --list-passes -v.
  err.*                 one plugin load error each: exit status 1 (2 for a usage
                        error), exactly one line `PLUGIN: error: ...` on stderr naming
                        the file and the reason, no sanitizer report; with convc and
                        convc-opt.

Compiled-model tolerance (as tests/e2e): max|out - ref| <= 1e-4 * max|ref| + 1e-5.
Run with the Debian system python (/usr/bin/python3: numpy, onnx).
"""

import argparse
import fcntl
import glob
import os
import re
import shutil
import subprocess
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import run_model  # noqa: E402  (make_cmd: the emitted Makefile, with ccache)
MODELS = os.path.join(ROOT, "models")
PLUGINS = ("count_ops", "fuse_pad_conv")
CXX_PLUGIN = "kernel_sizes"
CIR_DIR = os.path.join(HERE, "cir")
BAD_DIR = os.path.join(HERE, "bad")
DOC = os.path.join(ROOT, "docs", "writing-a-pass.md")
IR_DOC = os.path.join(ROOT, "docs", "ir.md")
SKIP = 77
RTOL, ATOL = 1e-4, 1e-5
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                     "runtime error:")
# Warnings a plugin must build without (added to CMAKE_C_FLAGS of the example builds).
STRICT_CFLAGS = "-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter"


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def run(cmd, cwd=None, env=None, timeout=900, ok=True):
    """Run cmd, return (exit status, stdout, stderr); fail unless it exits 0 when ok."""
    print("+ " + " ".join(cmd), flush=True)
    try:
        r = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Fail(f"timed out after {timeout} s: {' '.join(cmd)}")
    out = r.stdout.decode("utf-8", "replace")
    err = r.stderr.decode("utf-8", "replace")
    no_sanitizer(err, cmd[0])
    if ok and r.returncode != 0:
        raise Fail(f"{' '.join(cmd)} exited {r.returncode}\n--- stdout\n{out[-4000:]}"
                   f"\n--- stderr\n{err[-4000:]}")
    return r.returncode, out, err


def no_sanitizer(text, what):
    for m in SANITIZER_MARKERS:
        check(m not in text, f"{what}: sanitizer report on stderr:\n{text[-6000:]}")


# ---------------------------------------------------------------------------
# building: the install prefix, the example plugins, the bad plugins

class Env:
    def __init__(self, a):
        self.convc = os.path.abspath(a.convc)
        self.convc_opt = os.path.abspath(a.convc_opt)
        self.build_dir = os.path.abspath(a.build_dir)
        self.work = os.path.abspath(a.work)
        self.cc = a.cc or "cc"
        self.cxx = a.cxx or shutil.which("g++") or shutil.which("c++")
        self.plugin_cflags = a.plugin_cflags or ""
        self.prefix = os.path.join(self.work, "prefix")

    def plugin(self, name):
        return os.path.join(self.work, "build-" + name, name + ".so")

    def bad(self, name):
        return os.path.join(self.work, "bad", name + ".so")

    def case_dir(self, case):
        d = os.path.join(self.work, "case-" + case)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        return d


def do_build(e):
    shutil.rmtree(e.prefix, ignore_errors=True)
    run(["cmake", "--install", e.build_dir, "--prefix", e.prefix])
    for f in ("include/convc/plugin.h", "include/convc/pass.h", "include/convc/ir.h",
              "include/convc/ops.def", "bin/convc"):
        check(os.path.exists(os.path.join(e.prefix, f)), f"install: no {f} in the prefix")
    check(glob.glob(os.path.join(e.prefix, "lib*", "cmake", "convc", "convcConfig.cmake")) or
          glob.glob(os.path.join(e.prefix, "lib", "*", "cmake", "convc", "convcConfig.cmake")),
          "install: no convcConfig.cmake")
    for name in PLUGINS:
        bdir = os.path.join(e.work, "build-" + name)
        shutil.rmtree(bdir, ignore_errors=True)
        run(["cmake", "-S", os.path.join(ROOT, "plugins", name), "-B", bdir,
             "-DCMAKE_PREFIX_PATH=" + e.prefix, "-DCMAKE_C_COMPILER=" + e.cc,
             "-DCMAKE_C_FLAGS=" + STRICT_CFLAGS + " " + e.plugin_cflags])
        run(["cmake", "--build", bdir])
        so = e.plugin(name)
        check(os.path.exists(so), f"{name}: the build made no {so}")
        # convc_add_pass_plugin hides everything but the entry point.
        _, out, _ = run(["nm", "-D", "--defined-only", so])
        syms = sorted(l.split()[-1] for l in out.splitlines() if " T " in l or " D " in l)
        check(syms == ["convc_plugin_info"], f"{name}: exports {syms}, expected only "
              "convc_plugin_info")
    bad = os.path.join(e.work, "bad")
    shutil.rmtree(bad, ignore_errors=True)
    os.makedirs(bad)
    for src in sorted(glob.glob(os.path.join(BAD_DIR, "*.c"))):
        name = os.path.splitext(os.path.basename(src))[0]
        run([e.cc, "-std=c11", "-shared", "-fPIC", "-fvisibility=hidden",
             "-I" + os.path.join(e.prefix, "include")] + STRICT_CFLAGS.split() +
            e.plugin_cflags.split() + [src, "-o", e.bad(name)])
    run([e.cc, "-std=c11", "-shared", "-fPIC", "-fvisibility=hidden",
         "-I" + os.path.join(e.prefix, "include")] + STRICT_CFLAGS.split() +
        e.plugin_cflags.split() + [os.path.join(HERE, "abi_check.c"), "-o", e.bad("abi_check")])
    build_cxx_plugin(e)
    with open(os.path.join(bad, "not_elf.so"), "w") as f:
        f.write("this is a text file named like a plugin, not a shared object\n" * 4)


def build_cxx_plugin(e):
    """plugins/kernel_sizes with the C++ compiler, through find_package(convc); C++ is
    enabled for this build only (convc itself needs no C++ compiler)."""
    if not e.cxx:
        print("(no C++ compiler; the C++ plugin is not built)")
        return
    bdir = os.path.join(e.work, "build-" + CXX_PLUGIN)
    shutil.rmtree(bdir, ignore_errors=True)
    run(["cmake", "-S", os.path.join(ROOT, "plugins", CXX_PLUGIN), "-B", bdir,
         "-DCMAKE_PREFIX_PATH=" + e.prefix, "-DCMAKE_CXX_COMPILER=" + e.cxx,
         "-DCMAKE_CXX_FLAGS=" + STRICT_CFLAGS.replace(" -Wstrict-prototypes", "") + " " +
         e.plugin_cflags])
    run(["cmake", "--build", bdir])
    check(os.path.exists(e.plugin(CXX_PLUGIN)), f"{CXX_PLUGIN}: the build made no .so")


def ensure_built(e):
    """Build once (the plugins.build fixture normally did); locked for parallel runs."""
    os.makedirs(e.work, exist_ok=True)
    with open(os.path.join(e.work, ".build.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not all(os.path.exists(e.plugin(p)) for p in PLUGINS) or \
                (e.cxx and not os.path.exists(e.plugin(CXX_PLUGIN))) or \
                not os.path.exists(e.bad("abi_check")):
            do_build(e)


# ---------------------------------------------------------------------------
# reading convc's output

STAT_RE = re.compile(r"^([a-z0-9_-]+)\.([A-Za-z0-9_.-]+) = (-?\d+)$")
QUOTED_RE = re.compile(r'"(?:[^"\\]|\\.)*"')
NODE_RE = re.compile(r"^%.*?=\s*([a-z_0-9]+)(?:\s|$)")


def stats_of(err, pass_name):
    """The stats lines of one pass as a list of dicts, one per run of the pass."""
    runs, cur = [], None
    for line in err.splitlines():
        m = STAT_RE.match(line.strip())
        if not m or m.group(1) != pass_name:
            cur = None  # another pass's output ends this run's block
            continue
        if cur is None or m.group(2) in cur:
            cur = {}
            runs.append(cur)
        cur[m.group(2)] = int(m.group(3))
    return runs


def op_counts(ir):
    counts = {}
    for line in ir.splitlines():
        # Names may hold anything; comments start at // outside them.
        line = QUOTED_RE.sub('""', line).split("//")[0].strip()
        m = NODE_RE.match(line)
        if m:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return counts


def node_lines(ir, op):
    return [l for l in ir.splitlines() if re.search(r"=\s*" + op + r"\s", l) and
            l.startswith("%")]


def emit_ir(e, model, extra, out_path):
    """convc MODEL --emit=ir -o out_path EXTRA...; returns (ir, stderr)."""
    _, _, err = run([e.convc, model, "--emit=ir", "-o", out_path] + extra)
    with open(out_path) as f:
        return f.read(), err


def plugin_flags(e, *names):
    return ["--load-pass-plugin=" + e.plugin(n) for n in names]


# ---------------------------------------------------------------------------
# count-ops

def case_abi_headers_match(e):
    """The installed headers describe the convc that loads plugins (abi_check.c)."""
    for tool in (e.convc, e.convc_opt):
        _, out, _ = run([tool, "--list-passes", "--load-pass-plugin=" + e.bad("abi_check")])
        check("count-ops" not in out and "fold-bn" in out, f"--list-passes:\n{out}")


def case_count_ops_models(e):
    """count-ops' stats equal the op counts of the IR at the same point: first in
    the -O2 pipeline (the IR as imported, = -O0's) and last (= -O2's)."""
    d = e.case_dir("count_ops.models")
    _, o2, _ = run([e.convc, "-O2", "--print-pipeline"])
    o2 = o2.strip()
    for name in ("mobilenet_v2", "conv_basic", "pooling", "pad_op11"):
        model = os.path.join(MODELS, name + ".onnx")
        for pipe, key in (("count-ops," + o2, "O0"), (o2 + ",count-ops", "O2")):
            _, _, err = run([e.convc, model, "-passes=" + pipe, "--stats", "--emit=ir",
                             "-o", os.path.join(d, f"{name}.{key}.piped.cir")] +
                            plugin_flags(e, "count_ops"))
            ir, _ = emit_ir(e, model, ["-" + key], os.path.join(d, f"{name}.{key}.cir"))
            runs = stats_of(err, "count-ops")
            check(len(runs) == 1, f"{name} {key}: expected one count-ops stats block, got {runs}")
            want = op_counts(ir)
            check(want, f"{name} {key}: no nodes found in the IR (parser broken?)")
            check(runs[0] == want, f"{name} {key}: count-ops says {runs[0]}, the IR has {want}")
            print(f"{name} {key}: {runs[0]}")


def case_count_ops_mobilenet_v2(e):
    """The numbers the tutorial quotes: 52 convs, batchnorms gone after fold-bn."""
    d = e.case_dir("count_ops.mobilenet_v2")
    model = os.path.join(MODELS, "mobilenet_v2.onnx")
    _, _, err = run([e.convc, model, "-passes=count-ops,fold-bn,fuse-epilogue,dce,count-ops",
                     "--stats", "--emit=ir", "-o", os.path.join(d, "out.cir")] +
                    plugin_flags(e, "count_ops"))
    before, after = stats_of(err, "count-ops")
    print("before:", before, "\nafter:", after)
    check(before.get("conv2d") == 52 and after.get("conv2d") == 52,
          f"mobilenet_v2 has 52 conv2d: before {before.get('conv2d')}, after {after.get('conv2d')}")
    check(before.get("batchnorm", 0) == 0 or "batchnorm" not in after,
          "fold-bn left batchnorms behind")
    check(before.get("clip", 0) > 0 and "clip" not in after,
          "fuse-epilogue should have fused every clip (relu6) into its conv")


def case_count_ops_option(e):
    d = e.case_dir("count_ops.option")
    model = os.path.join(MODELS, "mobilenet_v2.onnx")
    ir, _ = emit_ir(e, model, ["-O0"], os.path.join(d, "O0.cir"))
    counts = op_counts(ir)
    for op, want in (("conv2d", counts["conv2d"]), ("add", counts["add"]), ("pad", 0),
                     ("conv_transpose2d", 0)):
        _, _, err = run([e.convc, model, f"-passes=count-ops{{op={op}}}", "--stats",
                         "--emit=ir", "-o", os.path.join(d, "out.cir")] +
                        plugin_flags(e, "count_ops"))
        runs = stats_of(err, "count-ops")
        check(runs == [{op: want}], f"count-ops{{op={op}}}: stats {runs}, expected {{{op}: {want}}}")
    # An op that does not exist is the pass's error; an unknown key the runner's.
    # (a usage error: exit 2, before the model is read).
    for pipe, facts, rc_want, who in (
            ("count-ops{op=conv4d}", ["pass 'count-ops': ", "conv4d"], 1, model),
            ("count-ops{ops=conv2d}", ["count-ops", "ops", "op"], 2, "convc")):
        rc, out, err = run([e.convc, model, "-passes=" + pipe, "--emit=ir", "-o",
                            os.path.join(d, "bad.cir")] + plugin_flags(e, "count_ops"), ok=False)
        lines = err.strip().splitlines()
        check(rc == rc_want, f"{pipe}: exit {rc}, expected {rc_want}")
        check(len(lines) == 1 and lines[0].startswith(who + ": error: "),
              f"{pipe}: expected one `{who}: error: ...` line, got {err!r}")
        for f in facts:
            check(f in lines[0], f"{pipe}: '{f}' not in {lines[0]!r}")
        print(lines[0])


def case_count_ops_unchanged(e):
    """count-ops changes nothing: same IR, no --print-changed output, verifies, numerics."""
    d = e.case_dir("count_ops.unchanged")
    model = os.path.join(MODELS, "conv_basic.onnx")
    base, _ = emit_ir(e, model, ["-O0"], os.path.join(d, "O0.cir"))
    ir, err = emit_ir(e, model, ["-passes=count-ops", "--print-changed=diff", "--verify-each",
                                 "--check-numerics", "--color=never"] +
                      plugin_flags(e, "count_ops"), os.path.join(d, "counted.cir"))
    check(ir == base, "the IR after count-ops differs from -O0's")
    check("IR changed" not in err and "+++" not in err,
          f"--print-changed reports a change by count-ops:\n{err}")
    # Through convc-opt too, on text IR: output == input as printed.
    cir = os.path.join(CIR_DIR, "pad_conv_fire.cir")
    _, plain, _ = run([e.convc_opt, cir])
    _, counted, err = run([e.convc_opt, cir, "-passes=count-ops", "--stats"] +
                          plugin_flags(e, "count_ops"))
    check(plain == counted, "convc-opt: count-ops changed the module")
    check(stats_of(err, "count-ops") == [{"conv2d": 2, "pad": 1}],
          f"convc-opt count-ops stats: {stats_of(err, 'count-ops')}")


def case_count_ops_two_plugins(e):
    """Both example plugins in one pipeline, in convc-opt."""
    cir = os.path.join(CIR_DIR, "pad_conv_fire.cir")
    _, out, err = run([e.convc_opt, cir, "-passes=count-ops,fuse-pad-conv,count-ops",
                       "--stats", "--verify-each"] + plugin_flags(e, "count_ops", "fuse_pad_conv"))
    runs = stats_of(err, "count-ops")
    check(runs == [{"conv2d": 2, "pad": 1}, {"conv2d": 2}], f"count-ops stats {runs}")
    check(stats_of(err, "fuse-pad-conv") == [{"fused": 1}], "fuse-pad-conv did not fuse")
    _, out, _ = run([e.convc, "--list-passes"] + plugin_flags(e, "count_ops", "fuse_pad_conv"))
    for name, origin in (("count-ops", "count-ops"), ("fuse-pad-conv", "fuse-pad-conv"),
                         ("fold-bn", None)):
        line = [l for l in out.splitlines() if l.split() and l.split()[0] == name]
        check(line, f"--list-passes does not list {name}:\n{out}")
        if origin:
            check(line[0].rstrip().endswith(f"[{origin}]"), f"--list-passes: {line[0]!r}")


# ---------------------------------------------------------------------------
# fuse-pad-conv

def filecheck(e, cir, out):
    """Run the CHECK lines of cir over out with FileCheck, when it is installed."""
    fc = shutil.which("FileCheck") or shutil.which("FileCheck-14") or \
        (os.path.exists("/usr/lib/llvm-14/bin/FileCheck") and "/usr/lib/llvm-14/bin/FileCheck")
    if not fc:
        print("(FileCheck not found; CHECK lines not run)")
        return
    print("+ FileCheck " + cir)
    r = subprocess.run([fc, cir], input=out.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    check(r.returncode == 0, f"FileCheck {cir}:\n{r.stdout.decode()}")


def fuse_cir(e, cir, extra=()):
    return run([e.convc_opt, cir, "-passes=fuse-pad-conv", "--stats", "--verify-each",
                "--check-numerics"] + list(extra) + plugin_flags(e, "fuse_pad_conv"))


def case_fuse_pad_conv_fire(e):
    cir = os.path.join(CIR_DIR, "pad_conv_fire.cir")
    _, before, _ = run([e.convc_opt, cir])
    _, out, err = fuse_cir(e, cir)
    check(stats_of(err, "fuse-pad-conv") == [{"fused": 1}],
          f"stats: {stats_of(err, 'fuse-pad-conv')}")
    check(not node_lines(out, "pad"), "the pad is still there:\n" + out)
    convs = node_lines(out, "conv2d")
    check(len(convs) == 2, f"expected 2 convs:\n{out}")
    for conv, pads in zip(convs, ("[1,2,3,4]", "[2,3,4,5]")):
        check("conv2d %x," in conv, f"the conv does not read %x now: {conv}")
        check(f"pads={pads}" in conv, f"expected pads={pads}: {conv}")
    # Result types are unchanged: the result declarations are the same.
    old = [l.split(" = ")[0] for l in node_lines(before, "conv2d")]
    check([l.split(" = ")[0] for l in convs] == old, "conv result types changed")
    check("check-numerics: after fuse-pad-conv" in err and "FAIL" not in err,
          f"--check-numerics did not pass:\n{err}")
    # The output is valid text IR that reads back to itself.
    path = os.path.join(e.case_dir("fuse_pad_conv.fire"), "out.cir")
    with open(path, "w") as f:
        f.write(out)
    _, again, _ = run([e.convc_opt, path])
    check(again == out, "print -> parse -> print of the rewritten module differs")
    filecheck(e, cir, out)


def nofire_cases():
    return sorted(os.path.splitext(os.path.basename(p))[0]
                  for p in glob.glob(os.path.join(CIR_DIR, "nofire_*.cir")))


def case_fuse_pad_conv_nofire(e, name):
    cir = os.path.join(CIR_DIR, name + ".cir")
    _, before, _ = run([e.convc_opt, cir])
    _, out, err = fuse_cir(e, cir)
    check(stats_of(err, "fuse-pad-conv") == [], f"fuse-pad-conv fired:\n{err}")
    check(out == before, f"the module changed:\n{out}")
    check(node_lines(out, "pad"), "no pad left")
    filecheck(e, cir, out)


def case_fuse_pad_conv_models(e):
    """The models with Pad nodes: none of their pads may fuse (0.5 fill, reflect,
    edge, a pool2d user); the module stays as it was."""
    d = e.case_dir("fuse_pad_conv.models")
    for name in ("pad_op9", "pad_op11", "pooling"):
        model = os.path.join(MODELS, name + ".onnx")
        base, _ = emit_ir(e, model, ["-O0"], os.path.join(d, name + ".O0.cir"))
        ir, err = emit_ir(e, model, ["-passes=fuse-pad-conv", "--stats", "--verify-each",
                                     "--check-numerics"] + plugin_flags(e, "fuse_pad_conv"),
                          os.path.join(d, name + ".cir"))
        check(node_lines(base, "pad"), f"{name}: has no pad (models changed?)")
        check(stats_of(err, "fuse-pad-conv") == [], f"{name}: fuse-pad-conv fired:\n{err}")
        check(ir == base, f"{name}: fuse-pad-conv changed the module")


def compile_and_compare(e, d, model, pipeline, inputs, refs, extra=()):
    import numpy as np
    out_dir = os.path.join(d, "c")
    shutil.rmtree(out_dir, ignore_errors=True)
    _, _, err = run([e.convc, model, "-passes=" + pipeline, "--stats", "-o", out_dir] +
                    list(extra))
    run(run_model.make_cmd(out_dir), timeout=1800)
    outs = [os.path.join(out_dir, f"out{k}.npy") for k in range(len(refs))]
    cmd = [os.path.join(out_dir, "model")]
    for i in inputs:
        cmd += ["-i", i]
    for o in outs:
        cmd += ["-o", o]
    run(cmd)
    for k, (o, r) in enumerate(zip(outs, refs)):
        out, ref = np.load(o), np.load(r)
        check(out.shape == ref.shape, f"output {k}: shape {out.shape}, reference {ref.shape}")
        err_abs = float(np.max(np.abs(out.astype(np.float64) - ref)))
        bound = RTOL * float(np.max(np.abs(ref))) + ATOL
        print(f"output {k}: max abs err {err_abs:.3g}, bound {bound:.3g}")
        check(np.all(np.isfinite(out)) and err_abs <= bound,
              f"output {k}: max abs err {err_abs:.3g} above {bound:.3g}")
    return err


def case_fuse_pad_conv_compiled_model(e, name):
    """A committed pad model, compiled with fuse-pad-conv in an -O2 pipeline, matches
    its ONNX Runtime reference."""
    d = e.case_dir("fuse_pad_conv.compiled." + name)
    err = compile_and_compare(
        e, d, os.path.join(MODELS, name + ".onnx"), "fold-bn,fuse-pad-conv,fuse-epilogue,dce",
        [os.path.join(MODELS, name + ".input.npy")], [os.path.join(MODELS, name + ".ref.npy")],
        plugin_flags(e, "fuse_pad_conv"))
    check(stats_of(err, "fuse-pad-conv") == [], "fuse-pad-conv fired on " + name)


def np_conv2d(x, w, b, stride, pads, group):
    """Direct NCHW conv2d in float64: the reference for the generated model."""
    import numpy as np
    t, l, bo, r = pads
    x = np.pad(x, ((0, 0), (0, 0), (t, bo), (l, r)))
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    y = np.zeros((n, m, oh, ow))
    mg = m // group
    for g in range(group):
        xs = x[:, g * cg:(g + 1) * cg]
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
                y[:, g * mg:(g + 1) * mg] += np.einsum("nchw,mc->nmhw", patch,
                                                      w[g * mg:(g + 1) * mg, :, i, j])
    return y + b.reshape(1, -1, 1, 1)


def make_pad_conv_model(d):
    """Pad(1,2 / 2,1) -> Conv 3x3 -> Relu -> Pad(1) -> {Conv 3x3 s2, depthwise 3x3 s2}
    -> Add, as a TF/Keras export looks; returns (model, input, ref) paths."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(7)
    x = rng.standard_normal((1, 3, 10, 9)).astype(np.float32)
    w1 = (rng.standard_normal((8, 3, 3, 3)) * 0.3).astype(np.float32)
    b1 = rng.standard_normal(8).astype(np.float32)
    w2 = (rng.standard_normal((8, 8, 3, 3)) * 0.2).astype(np.float32)
    b2 = rng.standard_normal(8).astype(np.float32)
    w3 = (rng.standard_normal((8, 1, 3, 3)) * 0.5).astype(np.float32)
    b3 = rng.standard_normal(8).astype(np.float32)
    inits = [numpy_helper.from_array(a, n) for a, n in
             ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"), (w3, "w3"), (b3, "b3"),
              (np.array([0, 0, 1, 2, 0, 0, 2, 1], np.int64), "pads1"),
              (np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64), "pads2"))]
    nodes = [
        helper.make_node("Pad", ["x", "pads1"], ["p1"], mode="constant"),
        helper.make_node("Conv", ["p1", "w1", "b1"], ["c1"], kernel_shape=[3, 3]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Pad", ["r1", "pads2"], ["p2"], mode="constant"),
        helper.make_node("Conv", ["p2", "w2", "b2"], ["c2"], kernel_shape=[3, 3], strides=[2, 2]),
        helper.make_node("Conv", ["p2", "w3", "b3"], ["c3"], kernel_shape=[3, 3], strides=[2, 2],
                         group=8),
        helper.make_node("Add", ["c2", "c3"], ["y"]),
    ]
    c1 = np.maximum(np_conv2d(x.astype(np.float64), w1, b1, 1, (1, 2, 2, 1), 1), 0)
    y = np_conv2d(c1, w2, b2, 2, (1, 1, 1, 1), 1) + np_conv2d(c1, w3, b3, 2, (1, 1, 1, 1), 8)
    g = helper.make_graph(
        nodes, "pad_conv", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(y.shape))], inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    paths = [os.path.join(d, f) for f in ("pad_conv.onnx", "pad_conv.input.npy",
                                          "pad_conv.ref.npy")]
    with open(paths[0], "wb") as f:
        f.write(model.SerializeToString())
    np.save(paths[1], x)
    np.save(paths[2], y.astype(np.float32))
    return paths


def case_fuse_pad_conv_compiled_pad_conv(e):
    """A generated Pad -> Conv model: both pads fuse (one into two convs), and the
    compiled model matches a NumPy reference, as does the model built without it."""
    try:
        import numpy  # noqa: F401
        import onnx  # noqa: F401
    except ImportError as ex:
        print(f"SKIP: {ex} (run with /usr/bin/python3)")
        sys.exit(SKIP)
    d = e.case_dir("fuse_pad_conv.compiled.pad_conv")
    model, inp, ref = make_pad_conv_model(d)
    ir, err = emit_ir(e, model, ["-passes=fold-bn,fuse-pad-conv,fuse-epilogue,dce", "--stats",
                                 "--verify-each", "--check-numerics"] +
                      plugin_flags(e, "fuse_pad_conv"), os.path.join(d, "fused.cir"))
    check(stats_of(err, "fuse-pad-conv") == [{"fused": 2}], f"expected fused = 2:\n{err}")
    check(not node_lines(ir, "pad"), "pads left:\n" + ir)
    pads = sorted(re.search(r"pads=\[([0-9,]+)\]", l).group(1) for l in node_lines(ir, "conv2d"))
    check(pads == ["1,1,1,1", "1,1,1,1", "1,2,2,1"], f"conv pads after fusion: {pads}")
    compile_and_compare(e, d, model, "fold-bn,fuse-pad-conv,fuse-epilogue,dce", [inp], [ref],
                        plugin_flags(e, "fuse_pad_conv"))
    compile_and_compare(e, d, model, "fold-bn,fuse-epilogue,dce", [inp], [ref])


# ---------------------------------------------------------------------------
# pkg-config

def case_pkgconfig(e):
    d = e.case_dir("pkgconfig")
    pcs = glob.glob(os.path.join(e.prefix, "lib*", "pkgconfig", "convc.pc")) + \
        glob.glob(os.path.join(e.prefix, "lib", "*", "pkgconfig", "convc.pc"))
    check(pcs, "no convc.pc installed")
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pcs[0]),
               PKG_CONFIG_LIBDIR=os.path.dirname(pcs[0]))
    _, cflags, _ = run(["pkg-config", "--cflags", "convc"], env=env)
    incs = [f[2:] for f in cflags.split() if f.startswith("-I")]
    check(any(os.path.exists(os.path.join(i, "convc", "plugin.h")) and
              os.path.realpath(i).startswith(os.path.realpath(e.prefix)) for i in incs),
          f"pkg-config --cflags convc gives '{cflags.strip()}', which does not point into the "
          f"prefix {e.prefix} convc was installed to (convc.pc: prefix is not relocated by "
          "`cmake --install --prefix`)")
    so = os.path.join(d, "count_ops.so")
    run(["sh", "-c", f'{e.cc} -std=c11 -shared -fPIC -fvisibility=hidden '
         f'$(pkg-config --cflags convc) {STRICT_CFLAGS} {e.plugin_cflags} '
         f'"{ROOT}/plugins/count_ops/count_ops.c" -o "{so}"'], env=env)
    _, _, err = run([e.convc, os.path.join(MODELS, "conv_basic.onnx"), "-passes=count-ops",
                     "--stats", "--emit=ir", "-o", os.path.join(d, "out.cir"),
                     "--load-pass-plugin=" + so])
    check(stats_of(err, "count-ops") == [{"conv2d": 3, "relu": 2}],
          f"pkg-config-built count_ops: {stats_of(err, 'count-ops')}")


# ---------------------------------------------------------------------------
# the tutorial

FENCE_RE = re.compile(r"^```(.*)$")


def doc_blocks(path):
    """(info string, text) of every fenced block, in order."""
    blocks, info, buf = [], None, []
    with open(path) as f:
        for line in f:
            m = FENCE_RE.match(line.rstrip("\n"))
            if m and info is None:
                info, buf = m.group(1).strip(), []
            elif m and not m.group(1).strip():
                blocks.append((info, "".join(buf)))
                info = None
            elif info is not None:
                buf.append(line)
    check(info is None, f"{path}: unclosed code block")
    return blocks


def case_tutorial(e):
    d = run_doc(e, DOC, "tutorial")
    # The doc's plugin is the example plugin, byte for byte.
    for rel in ("count_ops/count_ops.c", "count_ops/CMakeLists.txt"):
        with open(os.path.join(d, rel)) as a, open(os.path.join(ROOT, "plugins", rel)) as b:
            check(a.read() == b.read(), f"docs/writing-a-pass.md's {rel} differs from plugins/{rel}")


def case_ir_doc(e):
    """docs/ir.md's blocks, run against convc installed into a prefix of the case's own."""
    d = e.case_dir("ir_doc")
    prefix = os.path.join(d, "prefix")
    run(["cmake", "--install", e.build_dir, "--prefix", prefix])
    run_doc(e, IR_DOC, "ir_doc", d, os.path.join(prefix, "bin"), min_files=1, min_runs=2)


def run_doc(e, doc, case, d=None, bindir=None, min_files=2, min_runs=2):
    """Write the `file=` blocks of doc into the case's directory and run its `sh run`
    blocks there in order; returns the directory."""
    d = d or e.case_dir(case)
    env = dict(os.environ, CONVC_SRC=ROOT, CONVC_BUILD=e.build_dir,
               PREFIX=os.path.join(d, "prefix"))
    # The doc runs `lit`; Debian's llvm-14-tools ships it without a `lit` command.
    if not shutil.which("lit"):
        lit = "/usr/lib/llvm-14/build/utils/lit/lit.py"
        check(os.path.exists(lit), "lit not found (pip install lit, or llvm-14-tools)")
        os.makedirs(os.path.join(d, "bin"))
        with open(os.path.join(d, "bin", "lit"), "w") as f:
            f.write(f'#!/bin/sh\nexec /usr/bin/python3 {lit} "$@"\n')
        os.chmod(os.path.join(d, "bin", "lit"), 0o755)
        env["PATH"] = os.path.join(d, "bin") + os.pathsep + env["PATH"]
    if not shutil.which("FileCheck", path=env["PATH"]):
        env["PATH"] += os.pathsep + "/usr/lib/llvm-14/bin"
    if bindir:
        env["PATH"] = bindir + os.pathsep + env["PATH"]
    # Files first; then the run blocks in order in one shell, as typed into one
    # terminal (exports and cd carry over), each block's output cut out by a marker.
    files, script, expects = 0, ["set -e -o pipefail", "exec 2>&1"], []
    blocks = []
    for info, text in doc_blocks(doc):
        words = info.split()
        file_arg = [w[5:] for w in words if w.startswith("file=")]
        if file_arg:
            path = os.path.join(d, file_arg[0])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            files += 1
        elif words[:2] == ["sh", "run"]:
            blocks.append(text)
            script += [f"echo '@@@ block {len(blocks)}'", text]
        elif words[:2] == ["text", "expect"]:
            check(blocks, "a `text expect` block before any `sh run` block")
            expects.append((len(blocks), text))
    script.append("echo '@@@ done'")
    r = subprocess.run(["bash", "-c", "\n".join(script)], cwd=d, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)
    text = r.stdout.decode("utf-8", "replace")
    print(text[-6000:])
    no_sanitizer(text, case)
    outs = re.split(r"^@@@ (?:block \d+|done)\n", text, flags=re.M)[1:]
    if r.returncode != 0 or len(outs) != len(blocks) + 1:
        k = len(outs)
        raise Fail(f"{os.path.basename(doc)}: run block {k} failed (exit {r.returncode}):\n"
                   f"{blocks[k - 1] if 0 < k <= len(blocks) else ''}")
    for k, want in expects:
        for line in want.splitlines():
            check(line.strip() in outs[k - 1], f"the doc shows {line!r} after run block {k}; "
                  f"its output was:\n{outs[k - 1][-4000:]}")
    runs = len(blocks)
    expects = len(expects)
    print(f"{case}: {files} files, {runs} run blocks, {expects} expected outputs")
    check(files >= min_files and runs >= min_runs and expects >= 1,
          f"{os.path.basename(doc)} has too few marked blocks")
    return d


# ---------------------------------------------------------------------------
# C++

def case_cxx(e, how):
    """plugins/kernel_sizes (C++): built by CMake in the build fixture, or here with the
    C++ compiler and pkg-config only; loaded by convc and convc-opt and run."""
    if not e.cxx:
        print("SKIP: no C++ compiler")
        sys.exit(SKIP)
    d = e.case_dir("cxx." + how)
    so = e.plugin(CXX_PLUGIN)
    if how == "pkgconfig":
        pc = (glob.glob(os.path.join(e.prefix, "lib*", "pkgconfig")) +
              glob.glob(os.path.join(e.prefix, "lib", "*", "pkgconfig")))[0]
        env = dict(os.environ, PKG_CONFIG_PATH=pc, PKG_CONFIG_LIBDIR=pc)
        so = os.path.join(d, "kernel_sizes.so")
        run(["sh", "-c", f'{e.cxx} -std=c++17 -shared -fPIC -fvisibility=hidden '
             f'$(pkg-config --cflags convc) {STRICT_CFLAGS.replace(" -Wstrict-prototypes", "")} '
             f'{e.plugin_cflags} "{ROOT}/plugins/{CXX_PLUGIN}/{CXX_PLUGIN}.cpp" -o "{so}"'], env=env)
    _, out, _ = run(["nm", "-D", "--defined-only", so])
    syms = sorted(l.split()[-1] for l in out.splitlines() if " T " in l or " D " in l)
    check(syms == ["convc_plugin_info"], f"{CXX_PLUGIN}: exports {syms}")
    _, _, err = run([e.convc, os.path.join(MODELS, "conv_basic.onnx"), "-passes=kernel-sizes",
                     "--stats", "--emit=ir", "-o", os.path.join(d, "out.cir"),
                     "--load-pass-plugin=" + so])
    check(stats_of(err, "kernel-sizes") == [{"1x1": 1, "3x3": 2}], f"kernel-sizes: {err}")
    cir = os.path.join(CIR_DIR, "pad_conv_fire.cir")
    _, _, err = run([e.convc_opt, cir, "-passes=kernel-sizes{min=3}", "--stats", "-o",
                     os.path.join(d, "out2.cir"), "--load-pass-plugin=" + so])
    check(stats_of(err, "kernel-sizes") == [{"3x3": 1}], f"kernel-sizes{{min=3}}: {err}")
    rc, _, err = run([e.convc_opt, cir, "-passes=kernel-sizes{min=0}", "-o",
                      os.path.join(d, "out3.cir"), "--load-pass-plugin=" + so], ok=False)
    check(rc == 1 and "pass 'kernel-sizes': min=0: expected an integer >= 1" in err,
          f"kernel-sizes{{min=0}}: exit {rc}: {err}")


# ---------------------------------------------------------------------------
# broken passes: each a plugin of bad/ with one mistake

CRASH = "crash"
# name -> (plugin, pass to run, kind, facts the error line must contain)
BROKEN = {
    "deletes_used": ("pass_deletes_used", "deletes-used", "verify",
                     ["pass 'deletes-used' (plugin ", "left invalid IR:",
                      "is used by", "but no longer defined", "was removed from the graph"]),
    "stride_no_infer": ("pass_stride_no_infer", "stride-no-infer", "verify",
                        ["pass 'stride-no-infer' (plugin ", "left invalid IR:",
                         "has type", "shape inference says"]),
    "out_of_order": ("pass_out_of_order", "out-of-order", "verify",
                     ["pass 'out-of-order' (plugin ", "left invalid IR:",
                      "is used before it is defined", "out of topological order"]),
    "segv": ("pass_segv", "segv", CRASH, ["pass 'segv' (plugin ", ") crashed: SIGSEGV"]),
    "abort": ("pass_abort", "abort", CRASH, ["pass 'abort' (plugin ", ") crashed: SIGABRT"]),
    "exit": ("pass_exit", "exit", CRASH, ["pass 'exit' (plugin ", ") crashed: exit() called"]),
    "silent_error": ("pass_silent_error", "silent-error", "error",
                     ["pass silent-error failed without a message"]),
    "ir_error": ("pass_ir_error", "ir-error", "error",
                 ["pass 'ir-error': pool2d '': kernel, strides and dilations must be >= 1"]),
    "entry_segv": ("entry_segv", "dce", CRASH, ["(in convc_plugin_info()) crashed: SIGSEGV"]),
    "register_abort": ("register_abort", "dce", CRASH,
                       ["(in the register function of 'register-abort') crashed: SIGABRT"]),
}


def sanitizer_env():
    """Name AddressSanitizer's choice explicitly: a handler installed with sigaction
    takes precedence over its SEGV handler (the default), so a crash in a pass is
    reported by convc, not by ASan."""
    opts = os.environ.get("ASAN_OPTIONS", "")
    return dict(os.environ, ASAN_OPTIONS=(opts + ":" if opts else "") + "allow_user_segv_handler=1")


def case_broken(e, name):
    plugin, pass_name, kind, facts = BROKEN[name]
    so = e.bad(plugin)
    d = e.case_dir("broken." + name)
    model = os.path.join(MODELS, "conv_basic.onnx")
    cir = os.path.join(CIR_DIR, "pad_conv_fire.cir")
    for tool, inp, extra in ((e.convc, model, ["--dump-dir", os.path.join(d, "dump")]),
                             (e.convc, model, ["--emit=ir", "--report=" + os.path.join(d, "r.md")]),
                             (e.convc_opt, cir, [])):
        out = os.path.join(d, "out")
        prog = os.path.basename(tool)
        cmd = [tool, inp, "--load-pass-plugin=" + so, "-passes=" + pass_name, "-o", out] + extra
        rc, stdout, err = run(cmd, env=sanitizer_env(), ok=False)
        print(f"exit {rc}; stderr:\n{err.rstrip()}")
        errors = [l for l in err.splitlines() if "error:" in l]
        check(rc == 1, f"{prog}: exit {rc}, expected 1")
        check(len(errors) == 1, f"{prog}: expected one error line, got {errors}")
        want = f"{prog}: error: " if kind == CRASH else f"{inp}: error: "
        check(errors[0].startswith(want), f"{prog}: expected {want!r}..., got {errors[0]!r}")
        for f in facts:
            check(f in errors[0], f"{prog}: {f!r} not in {errors[0]!r}")
        if kind == CRASH:
            check(err.splitlines()[0] == errors[0] and "backtrace:" in err,
                  f"{prog}: the crash message must come first, then a backtrace:\n{err}")
        check(not stdout.strip(), f"{prog}: wrote to stdout: {stdout[:500]!r}")
        for f in ("out", "r.md"):
            check(not os.path.exists(os.path.join(d, f)), f"{prog}: {f} was written")
        check(not glob.glob(os.path.join(d, "*convc-tmp*")), f"{prog}: a temporary was left")


# ---------------------------------------------------------------------------
# pass manager flags

def case_flags(e, name):
    d = e.case_dir("flags." + name)
    model = os.path.join(MODELS, "conv_basic.onnx")
    cir = os.path.join(CIR_DIR, "pad_conv_fire.cir")
    usage = {
        "print_after_unknown": (["-passes=fold-bn", "--print-after=fold-bm"],
                                "--print-after=fold-bm: no such pass"),
        "dup_option": (["-passes=shard{cores=2,cores=3}"],
                       "pass 'shard': option 'cores' given twice (2 and 3)"),
        "empty_plugin_path": (["--load-pass-plugin="],
                              "--load-pass-plugin needs the path of a plugin, got ''"),
        "flaglike_plugin_path": (["--load-pass-plugin", "-passes=dce"],
                                 "--load-pass-plugin needs the path of a plugin, got '-passes=dce'"),
        "pipeline_syntax": (["-passes=fold-bn,,dce"], "expected a pass name"),
        "unknown_disable": (["--disable-pass=fold-bm"], "--disable-pass=fold-bm: no such pass"),
    }
    if name in usage:
        args, fact = usage[name]
        for tool, inp in ((e.convc, model), (e.convc_opt, cir)):
            prog = os.path.basename(tool)
            rc, _, err = run([tool, inp, "-o", os.path.join(d, "out")] + args, ok=False)
            lines = err.strip().splitlines()
            check(rc == 2, f"{prog} {args}: exit {rc}, expected 2 (a usage error)")
            check(len(lines) == 1 and lines[0].startswith(prog + ": error: ") and fact in lines[0],
                  f"{prog} {args}: expected one `{prog}: error: ...{fact}...` line, got {err!r}")
            check(not os.path.exists(os.path.join(d, "out")), "output written")
    elif name == "stats_every_pass":
        _, _, err = run([e.convc_opt, cir, "-passes=fold-bn,count-ops,dce", "--stats", "-o",
                         os.path.join(d, "out.cir")] + plugin_flags(e, "count_ops"))
        lines = err.strip().splitlines()
        check(lines == ["fold-bn: (no statistics)", "count-ops.conv2d = 2", "count-ops.pad = 1",
                        "dce: (no statistics)"], f"--stats: {lines}")
    elif name == "list_passes_verbose":
        _, out, _ = run([e.convc, "--list-passes", "-v"] + plugin_flags(e, "count_ops"))
        for want in ("                     solver=optimal (default)",
                     "                     min-channels=16 (default)",
                     "                     op=(every op) (default)"):
            check(want in out.splitlines(), f"--list-passes -v lacks {want!r}:\n{out}")
        lines = out.splitlines()
        i = next(k for k, l in enumerate(lines) if l.split() and l.split()[0] == "dce")
        check(lines[i + 1].strip() == "(no options)", f"dce: {lines[i + 1]!r}")
        _, plain, _ = run([e.convc, "--list-passes"])
        check("(default)" not in plain, "--list-passes without -v shows options")


FLAG_NAMES = ("print_after_unknown", "dup_option", "empty_plugin_path", "flaglike_plugin_path",
              "pipeline_syntax", "unknown_disable", "stats_every_pass", "list_passes_verbose")


# ---------------------------------------------------------------------------
# plugin load errors

def plugin_abi_version():
    """CV_PLUGIN_ABI_VERSION as include/convc/plugin.h defines it."""
    with open(os.path.join(ROOT, "include", "convc", "plugin.h")) as f:
        return int(re.search(r"#define CV_PLUGIN_ABI_VERSION (\d+)u", f.read()).group(1))


def err_cases(e):
    """name -> (plugins to load, exit status, facts the message must contain)."""
    b = e.bad
    abi = plugin_abi_version()
    missing = os.path.join(e.work, "bad", "does_not_exist.so")
    return {
        "missing": ([missing], 1, ["cannot load pass plugin", "No such file"]),
        "not_elf": ([b("not_elf")], 1, ["cannot load pass plugin", "invalid ELF header"]),
        "no_entry": ([b("no_entry")], 1, ["not a pass plugin", "does not export convc_plugin_info()"]),
        "hidden_entry": ([b("hidden_entry")], 1, ["does not export convc_plugin_info()"]),
        "abi_mismatch": ([b("abi_mismatch")], 1,
                         [f"ABI version {abi + 1}", f"version {abi} ", "rebuild"]),
        "null_info": ([b("null_info")], 1, ["convc_plugin_info() returned NULL"]),
        "short_info": ([b("short_info")], 1, ["descriptor is 8 bytes", "expected at least"]),
        "no_register": ([b("no_register")], 1, ["no name or register function"]),
        "register_fails": ([b("register_fails")], 1,
                           ["plugin 'register-fails' failed to register its passes",
                            "CONVC_TEST_TOKEN is not set; refusing to register"]),
        "register_silent": ([b("register_silent")], 1, ["failed to register", "no reason given"]),
        "register_unsupported": ([b("register_unsupported")], 1,
                                 ["failed to register", "needs a GPU backend"]),
        "bad_pass_name": ([b("bad_pass_name")], 1, ["without a valid name"]),
        "dup_builtin": ([b("dup_builtin")], 1,
                        ["pass 'fold-bn' from dup-builtin is already registered by built-in"]),
        "stack_info": ([b("stack_info")], 1, ["convc_plugin_info() returned a pointer outside "
                                              "the plugin", "static"]),
        "stack_pass": ([b("stack_pass")], 1, ["plugin 'stack-pass' failed to register",
                                              "not in the plugin's static storage"]),
        "dup_plugins": ([e.plugin("count_ops"), b("dup_count_ops")], 1,
                        ["pass 'count-ops' from dup-count-ops is already registered by count-ops"]),
        "same_plugin_twice": ([e.plugin("count_ops"), e.plugin("count_ops")], 1,
                              ["pass 'count-ops' from count-ops is already registered by count-ops"]),
    }


ERR_NAMES = ("missing", "not_elf", "no_entry", "hidden_entry", "abi_mismatch", "null_info",
             "short_info", "no_register", "register_fails", "register_silent",
             "register_unsupported", "bad_pass_name", "dup_builtin", "dup_plugins",
             "same_plugin_twice", "missing_value", "unknown_pass", "stack_info", "stack_pass")


def case_err(e, name):
    model = os.path.join(MODELS, "conv_basic.onnx")
    cir = os.path.join(CIR_DIR, "pad_conv_fire.cir")
    out_dir = os.path.join(e.case_dir("err." + name), "out")
    tools = ((e.convc, [model, "-o", out_dir]), (e.convc_opt, [cir, "-o", out_dir]))
    for tool, args in tools:
        if name == "missing_value":  # a usage error, before anything is loaded
            cmd, rc_want, file_, facts = [tool] + args + ["--load-pass-plugin"], 2, None, \
                ["missing value", "--load-pass-plugin"]
        elif name == "unknown_pass":  # a plugin pass used without loading the plugin: a usage error
            cmd, rc_want, file_, facts = [tool] + args + ["-passes=count-ops"], 2, \
                os.path.basename(tool), ["unknown pass 'count-ops'", "fold-bn"]
        else:
            plugins, rc_want, facts = err_cases(e)[name]
            # The error is about the plugin that failed: the last one loaded.
            cmd = [tool] + args + ["--load-pass-plugin=" + p for p in plugins] + \
                ["-passes=fold-bn"]
            file_ = plugins[-1]
            facts = facts + [plugins[-1]]
        rc, out, err = run(cmd, ok=False)
        lines = err.rstrip("\n").split("\n") if err.strip() else []
        print(f"exit {rc}; stderr: {err.rstrip()}")
        check(rc == rc_want, f"{os.path.basename(tool)}: exit {rc}, expected {rc_want}")
        check(len(lines) == 1, f"{os.path.basename(tool)}: expected one line on stderr, "
              f"got {len(lines)}:\n{err}")
        if file_:
            check(lines[0].startswith(file_ + ": error: "),
                  f"expected `{file_}: error: ...`, got {lines[0]!r}")
        for f in facts:
            check(f in lines[0], f"'{f}' not in {lines[0]!r}")
        check(not os.path.exists(out_dir), f"{out_dir} was written despite the error")


# ---------------------------------------------------------------------------

def case_table(e):
    t = {
        "build": lambda: do_build(e),
        "abi_headers_match": lambda: case_abi_headers_match(e),
        "pkgconfig": lambda: case_pkgconfig(e),
        "count_ops.models": lambda: case_count_ops_models(e),
        "count_ops.mobilenet_v2": lambda: case_count_ops_mobilenet_v2(e),
        "count_ops.option": lambda: case_count_ops_option(e),
        "count_ops.unchanged": lambda: case_count_ops_unchanged(e),
        "count_ops.two_plugins": lambda: case_count_ops_two_plugins(e),
        "fuse_pad_conv.fire": lambda: case_fuse_pad_conv_fire(e),
        "fuse_pad_conv.models": lambda: case_fuse_pad_conv_models(e),
        "fuse_pad_conv.compiled.pad_op9": lambda: case_fuse_pad_conv_compiled_model(e, "pad_op9"),
        "fuse_pad_conv.compiled.pad_op11":
            lambda: case_fuse_pad_conv_compiled_model(e, "pad_op11"),
        "fuse_pad_conv.compiled.pad_conv": lambda: case_fuse_pad_conv_compiled_pad_conv(e),
        "tutorial": lambda: case_tutorial(e),
        "ir_doc": lambda: case_ir_doc(e),
        "cxx.cmake": lambda: case_cxx(e, "cmake"),
        "cxx.pkgconfig": lambda: case_cxx(e, "pkgconfig"),
    }
    for n in BROKEN:
        t["broken." + n] = (lambda n=n: case_broken(e, n))
    for n in FLAG_NAMES:
        t["flags." + n] = (lambda n=n: case_flags(e, n))
    for n in nofire_cases():
        t["fuse_pad_conv." + n] = (lambda n=n: case_fuse_pad_conv_nofire(e, n))
    for n in ERR_NAMES:
        t["err." + n] = (lambda n=n: case_err(e, n))
    return t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--convc")
    ap.add_argument("--convc-opt")
    ap.add_argument("--build-dir", help="the convc build directory to install from")
    ap.add_argument("--work", help="work directory (the install prefix and builds go here)")
    ap.add_argument("--cc", help="C compiler for the plugins (default: cc)")
    ap.add_argument("--cxx", help="C++ compiler for the C++ plugin (default: g++ or c++)")
    ap.add_argument("--plugin-cflags", default="",
                    help="extra flags for the plugin builds (the sanitizers of convc's build)")
    ap.add_argument("--case", action="append", help="run only this case (repeatable)")
    ap.add_argument("--list", action="store_true", help="list the cases")
    a = ap.parse_args()
    names = ["build", "abi_headers_match", "pkgconfig", "count_ops.models", "count_ops.mobilenet_v2",
             "count_ops.option", "count_ops.unchanged", "count_ops.two_plugins",
             "fuse_pad_conv.fire"] + ["fuse_pad_conv." + n for n in nofire_cases()] + \
        ["fuse_pad_conv.models", "fuse_pad_conv.compiled.pad_op9",
         "fuse_pad_conv.compiled.pad_op11", "fuse_pad_conv.compiled.pad_conv", "tutorial",
         "ir_doc", "cxx.cmake", "cxx.pkgconfig"] + ["broken." + n for n in BROKEN] + \
        ["flags." + n for n in FLAG_NAMES] + ["err." + n for n in ERR_NAMES]
    if a.list:
        print("\n".join(names))
        return 0
    if not (a.convc and a.convc_opt and a.build_dir and a.work):
        ap.error("--convc, --convc-opt, --build-dir and --work are required")
    e = Env(a)
    table = case_table(e)
    failed = []
    for name in a.case or names:
        if name not in table:
            print(f"unknown case '{name}'", file=sys.stderr)
            return 2
        print(f"=== {name}", flush=True)
        try:
            if name != "build":
                ensure_built(e)
            table[name]()
            print(f"PASS {name}", flush=True)
        except Fail as ex:
            print(f"FAIL {name}: {ex}", flush=True)
            failed.append(name)
        except Exception:  # noqa: BLE001 - a broken case fails, the others still run
            traceback.print_exc()
            print(f"FAIL {name}: exception", flush=True)
            failed.append(name)
    if failed:
        print("failed: " + " ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
