#!/usr/bin/python3
"""ONNX conformance runner for convc.

For every test directory (model.onnx + test_data_set_N/{input_K,output_K}.pb)
under the given roots, compile the model with convc at each requested -O
level, build the generated C against runtime objects compiled once, run it on
the test inputs and compare with the reference outputs.

Outcome of one test directory:
  unsupported  convc exits 3 at every level (valid model, feature not supported;
               the test is not attempted and convc's reason line is recorded)
  passed       convc accepts it and every level reproduces every output
  failed       anything else: convc exits non-zero (other than 3) or crashes,
               a sanitizer report, emitted code that does not compile
               warning-free, a run that fails or times out, a wrong output,
               a model with non-float32 inputs/outputs that convc accepted,
               levels that disagree about whether the model is supported
  expected failure / unexpectedly passed: tests listed in known_failures.txt

Exit status: 0 iff no attempted test failed unexpectedly and no known failure
passed; 77 when the test data or the onnx python package is missing (ctest
reports the test as skipped).

Run with the Debian system python (/usr/bin/python3: onnx, numpy).
"""

import argparse
import concurrent.futures
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

DEFAULT_DATA = "/usr/share/libonnx-testdata/data"  # Debian libonnx-testdata
DEFAULT_ROOTS = ["node", "pytorch-converted"]
SKIP = 77

# Tolerance of ONNX's own backend tests (onnx/backend/test/runner): an output
# element passes when  |out - ref| <= ATOL + RTOL * |ref|  (numpy.allclose
# semantics, the reference on the right), infinities must match exactly and NaN
# must appear at exactly the same positions. ONNX uses atol=1e-7; we allow 1e-5
# because convc reorders float32 sums (im2col/GEMM blocking, fused epilogues).
RTOL = 1e-3
ATOL = 1e-5

SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer",
                     "UndefinedBehaviorSanitizer", "runtime error")

EMITTED_FILES = ("model.c", "model.h", "cvrt_isa.c", "cvrt.h", "main.c",
                 "weights.bin", "Makefile")


def runtime_files(out_dir):
    """The files convc copies verbatim into every output directory: main.c,
    model.h and the kernel library cvrt*.{c,h}."""
    return sorted(n for n in os.listdir(out_dir)
                  if n in ("main.c", "model.h") or
                  (n.startswith("cvrt") and n.endswith((".c", ".h"))))


# The kernel ISAs the emitted Makefile builds each family for (on x86), and
# their flags; the runtime objects here are built the same way.
X86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686")
ISA_FLAGS = [("portable", [])] + ([
    ("avx2", ["-mavx2", "-mfma"]),
    ("avx512", ["-mavx512f", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-mavx2", "-mfma"]),
] if X86 else [])


def runtime_compiles(names):
    """(source, object, extra flags) of every runtime object, as the Makefile
    builds them: main.c; cvrt_isa.c and the families' entry points
    (cvrt_F_api.c); each family cvrt_F.c once per ISA."""
    disp = ["-DCVRT_X86"] if X86 else []
    jobs = [("main.c", "main.o", []), ("cvrt_isa.c", "cvrt_isa.o", disp)]
    for api in (n for n in names if n.endswith("_api.c")):
        fam = api[:-len("_api.c")]
        jobs.append((api, fam + "_api.o", disp))
        for isa, flags in ISA_FLAGS:
            # CVRT_DWK: as the emitted Makefile builds the window family for a
            # model with NHWC depthwise convs (its register kernel included)
            jobs.append((fam + ".c", "%s_%s.o" % (fam, isa), flags + ["-DCVRT_SFX=__" + isa] +
                         (["-DCVRT_DWK"] if fam.endswith("window") else [])))
    return jobs

MODEL_CFLAGS = ["-std=c99", "-O1", "-Wall", "-Wextra", "-Werror", "-fopenmp"]
RUNTIME_CFLAGS = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-fopenmp"]
LDFLAGS = ["-lm", "-fopenmp"]


# ----------------------------------------------------------------------------
# helpers that need only numpy / onnx (also used by the self-test)

def tensor_file_to_array(path):
    """Read a serialized onnx TensorProto (input_K.pb/output_K.pb).

    Returns (array, onnx elem type)."""
    import onnx
    from onnx import numpy_helper
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t), t.data_type


# The element types convc runs (ONNX TensorProto.DataType name -> the NumPy
# dtype of its .npy; bfloat16, which NumPy lacks, travels as its uint16 bit
# patterns, as the test data stores it).
NPY_DTYPES = {"FLOAT": "float32", "DOUBLE": "float64", "FLOAT16": "float16",
              "BFLOAT16": "uint16", "INT64": "int64", "INT32": "int32", "INT8": "int8",
              "UINT8": "uint8", "BOOL": "bool", "INT16": "int16", "UINT16": "uint16",
              "UINT32": "uint32", "UINT64": "uint64"}


def npy_dtype(elem_type):
    """The NumPy dtype convc's runner reads/writes for ONNX elem_type, or None."""
    import onnx
    return NPY_DTYPES.get(onnx.TensorProto.DataType.Name(elem_type))


def compare_outputs(out, ref, rtol=RTOL, atol=ATOL):
    """None when out matches ref within tolerance, else a one-line reason.
    Integer and bool outputs (and bfloat16 bit patterns) must be equal."""
    import numpy as np
    if tuple(out.shape) != tuple(ref.shape):
        return "shape %s, expected %s" % (list(out.shape), list(ref.shape))
    if out.size == 0:
        return None
    if out.dtype.kind in "biu":
        bad = out != ref
        if not bad.any():
            return None
        idx = np.argwhere(bad)[0]
        return "%d of %d elements differ (exact); first at %s: got %r, expected %r" % (
            int(bad.sum()), out.size, list(idx), out[tuple(idx)].item(), ref[tuple(idx)].item())
    o = out.astype(np.float64)
    r = ref.astype(np.float64)
    nan_o, nan_r = np.isnan(o), np.isnan(r)
    if not np.array_equal(nan_o, nan_r):
        idx = np.argwhere(nan_o != nan_r)[0]
        return "NaN mismatch at %s: got %r, expected %r (%d positions)" % (
            list(idx), o[tuple(idx)], r[tuple(idx)], int((nan_o != nan_r).sum()))
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.abs(o - r) <= atol + rtol * np.abs(r)
        inf = np.isinf(o) | np.isinf(r)
        ok = np.where(inf, o == r, close) | nan_r
    if ok.all():
        return None
    bad = ~ok
    idx = np.argwhere(bad)[0]
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.where(bad, np.abs(o - r), 0.0)
    return ("%d of %d elements differ (rtol=%g, atol=%g); first at %s: got %.9g, "
            "expected %.9g; max abs diff %.3g" % (
                int(bad.sum()), o.size, rtol, atol, list(idx), o[tuple(idx)],
                r[tuple(idx)], float(np.nanmax(diff))))


def first_error_line(text):
    """convc's error line (the first 'X: error: ' line), else the first line."""
    lines = [l for l in text.splitlines() if l.strip()]
    for l in lines:
        if ": error: " in l:
            return l.strip()
    return lines[0].strip() if lines else "(no message)"


def has_sanitizer_report(text):
    return any(m in text for m in SANITIZER_MARKERS)


def tail(text, n=3):
    lines = [l for l in text.splitlines() if l.strip()]
    return " | ".join(l.strip() for l in lines[-n:]) if lines else "(no output)"


def short_reason(line, model_path):
    """Strip the 'path/model.onnx: error: ' prefix of a convc error line."""
    for prefix in (model_path + ": error: ", "model.onnx: error: "):
        if line.startswith(prefix):
            return line[len(prefix):]
    return line


# ----------------------------------------------------------------------------

class Fail(Exception):
    pass


class Runtime:
    """The kernel library's objects and main.o, compiled once.

    They are compiled from the runtime files of the first output directory
    convc generates (copied to WORK/_runtime); every later output directory
    must hold byte-identical copies. Those files must also be identical to the
    sources in --runtime (backends/c/runtime), else convc embeds a different
    runtime than the repo's (a stale build): reported once as a failure."""

    def __init__(self, src_dir, work, cc, cflags, verbose):
        self.src_dir = src_dir
        self.obj_dir = os.path.join(work, "_runtime")
        self.cc = cc
        self.cflags = cflags
        self.verbose = verbose
        self.lock = threading.Lock()
        self.objs = None
        self.error = None
        self.ref = {}        # runtime file name -> bytes of the first emitted copy
        self.mismatch = []   # emitted files that differ from --runtime
        self.origin = None
        self.seconds = 0.0

    def get(self, out_dir, timeout):
        with self.lock:
            if self.objs is None and self.error is None:
                self.build(out_dir, timeout)
            if self.error:
                raise Fail("runtime does not build: " + self.error)
            return self.objs

    def build(self, src, timeout):
        t0 = time.time()
        self.origin = src
        os.makedirs(self.obj_dir, exist_ok=True)
        # Copy the sources so that a later rmtree of out_dir does not matter.
        for name in runtime_files(src):
            p = os.path.join(src, name)
            shutil.copyfile(p, os.path.join(self.obj_dir, name))
            with open(p, "rb") as f:
                self.ref[name] = f.read()
            if self.src_dir:
                q = os.path.join(self.src_dir, name)
                if os.path.isfile(q):
                    with open(q, "rb") as f:
                        if f.read() != self.ref[name]:
                            self.mismatch.append(name)
        def compile_one(job):
            name, oname, extra = job
            obj = os.path.join(self.obj_dir, oname)
            cmd = [self.cc] + self.cflags + extra + ["-c", name, "-o", obj]
            try:
                p = subprocess.run(cmd, cwd=self.obj_dir, capture_output=True,
                                   text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                return obj, "%s timed out" % " ".join(cmd)
            if p.returncode != 0:
                return obj, "%s: %s" % (" ".join(cmd), tail(p.stderr, 5))
            return obj, None

        # Two at a time, like make -j2.
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            done = list(pool.map(compile_one, runtime_compiles(sorted(self.ref))))
        errors = [e for _, e in done if e]
        if errors:
            self.error = errors[0]
            return
        self.objs = [o for o, _ in done]
        self.seconds = time.time() - t0
        if self.verbose:
            print("runtime: compiled %s (emitted in %s) in %.1fs" % (
                ", ".join(os.path.basename(o) for o in self.objs), src, self.seconds),
                flush=True)


class Result:
    def __init__(self, root, name):
        self.root = root
        self.name = name
        self.status = None     # passed | failed | unsupported
        self.reason = ""
        self.ops = []
        self.seconds = 0.0
        self.work = None

    @property
    def id(self):
        return "%s/%s" % (self.root, self.name)


def run_cmd(cmd, timeout, cwd=None, env=None):
    """(returncode, stdout, stderr); returncode None on timeout."""
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True,
                           text=True, errors="replace", timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    except OSError as e:  # e.g. the binary is being rebuilt
        return 127, "", "cannot run %s: %s" % (cmd[0], e)
    except subprocess.TimeoutExpired as e:
        def s(x):
            if x is None:
                return ""
            return x.decode(errors="replace") if isinstance(x, bytes) else x
        return None, s(e.stdout), s(e.stderr)


def describe_rc(rc):
    if rc is None:
        return "timed out"
    if rc < 0:
        return "crashed (signal %d)" % -rc
    return "exited %d" % rc


class Tester:
    def __init__(self, args, runtime):
        self.args = args
        self.runtime = runtime
        env = dict(os.environ)
        env["OMP_NUM_THREADS"] = "1"   # -j parallel tests already fill the cores
        self.run_env = env

    # Model facts needed before running -----------------------------------
    @staticmethod
    def model_io(model_path):
        import onnx
        m = onnx.load(model_path)
        inits = {t.name for t in m.graph.initializer}
        ops = set()

        def walk(g):
            for n in g.node:
                ops.add(n.op_type if not n.domain or n.domain == "ai.onnx"
                        else "%s.%s" % (n.domain, n.op_type))
                for a in n.attribute:
                    if a.g and a.g.node:
                        walk(a.g)
                    for sg in a.graphs:
                        walk(sg)
        walk(m.graph)
        inputs = [i for i in m.graph.input if i.name not in inits]
        return inputs, list(m.graph.output), sorted(ops)

    @staticmethod
    def io_type_problem(vi):
        import onnx
        t = vi.type
        if not t.HasField("tensor_type"):
            return "%s has non-tensor type %s" % (vi.name, t.WhichOneof("value"))
        et = t.tensor_type.elem_type
        if npy_dtype(et) is None:
            return "%s has dtype %s" % (vi.name, onnx.TensorProto.DataType.Name(et))
        return None

    @staticmethod
    def fix_input(test_dir, inputs, err, fixed, work):
        """convc asks for --input-value NAME=FILE.npy (a shape-setting input, e.g.
        Reshape's shape): when NAME is a graph input whose value is the same in
        every test_data_set and of a dtype --input-value reads, write it to
        WORK/value_K.npy, add it to `fixed` and return True (compile again)."""
        import numpy as np
        m = re.search(r"--input-value (\S+)=FILE\.npy", first_error_line(err))
        names = [i.name for i in inputs]
        if not m or m.group(1) not in names or m.group(1) in fixed:
            return False
        k = names.index(m.group(1))
        values = []
        for ds in sorted(d for d in os.listdir(test_dir) if d.startswith("test_data_set_")):
            p = os.path.join(test_dir, ds, "input_%d.pb" % k)
            if not os.path.isfile(p):
                return False
            values.append(tensor_file_to_array(p)[0])
        if not values or values[0].dtype not in (np.float32, np.int64, np.int32) or \
                any(v.dtype != values[0].dtype or v.shape != values[0].shape or
                    not np.array_equal(v, values[0]) for v in values):
            return False
        # Some test data disagree with the model on the rank of a scalar
        # (test_constant_pad: a [1] value for a 0-d input): give the value the
        # declared shape when that holds the same elements.
        value = values[0]
        dims = inputs[k].type.tensor_type.shape.dim
        declared = [d.dim_value if d.HasField("dim_value") else None for d in dims]
        if inputs[k].type.tensor_type.HasField("shape") and None not in declared and \
                int(np.prod(declared)) == value.size:
            value = value.reshape(declared)
        path = os.path.join(work, "value_%d.npy" % k)
        np.save(path, np.asarray(value, order="C"))
        fixed[m.group(1)] = path
        return True

    def prepare_data(self, test_dir, inputs, outputs, work, fixed=()):
        """input_K.pb -> in_K.npy for the inputs not in `fixed` (those are compiled
        in); returns (input npy paths, reference arrays)."""
        import numpy as np
        import onnx
        dsets = sorted(d for d in os.listdir(test_dir)
                       if d.startswith("test_data_set_"))
        if not dsets:
            raise Fail("no test_data_set_* directory")
        sets = []
        for ds in dsets:
            dd = os.path.join(test_dir, ds)
            in_files = sorted((f for f in os.listdir(dd) if re.match(r"input_\d+\.pb$", f)),
                              key=lambda f: int(f[6:-3]))
            out_files = sorted((f for f in os.listdir(dd) if re.match(r"output_\d+\.pb$", f)),
                               key=lambda f: int(f[7:-3]))
            if len(in_files) != len(inputs) or len(out_files) != len(outputs):
                raise Fail("%s has %d inputs/%d outputs, the model %d/%d" % (
                    ds, len(in_files), len(out_files), len(inputs), len(outputs)))
            npys = []
            for k, f in enumerate(in_files):
                if inputs[k].name in fixed:
                    continue
                arr, _ = tensor_file_to_array(os.path.join(dd, f))
                want = npy_dtype(inputs[k].type.tensor_type.elem_type)
                if want is None:
                    raise Fail("convc accepted a model whose input %s is %s"
                               % (inputs[k].name, onnx.TensorProto.DataType.Name(
                                   inputs[k].type.tensor_type.elem_type)))
                p = os.path.join(work, "%s_in_%d.npy" % (ds, k))
                np.save(p, np.array(arr, dtype=want, order="C"))  # keeps 0-d shape
                npys.append(p)
            refs = []
            for k, f in enumerate(out_files):
                arr, _ = tensor_file_to_array(os.path.join(dd, f))
                want = npy_dtype(outputs[k].type.tensor_type.elem_type)
                if want is None:
                    raise Fail("convc accepted a model whose output %s is %s"
                               % (outputs[k].name, onnx.TensorProto.DataType.Name(
                                   outputs[k].type.tensor_type.elem_type)))
                refs.append(np.asarray(arr).astype(want))
            sets.append((ds, npys, refs))
        return sets

    # One test directory ---------------------------------------------------
    def run_test(self, root, test_dir):
        r = Result(root, os.path.basename(test_dir))
        t0 = time.time()
        r.work = os.path.join(self.args.work, root, r.name)
        try:
            self._run_test(r, test_dir)
        except Fail as e:
            r.status, r.reason = "failed", str(e)
        except Exception as e:  # a bug in this script or unreadable test data
            r.status, r.reason = "failed", "runner error: %s: %s" % (type(e).__name__, e)
        r.seconds = time.time() - t0
        if not self.args.keep and r.status != "failed":
            shutil.rmtree(r.work, ignore_errors=True)
        return r

    def _run_test(self, r, test_dir):
        a = self.args
        model = os.path.join(test_dir, "model.onnx")
        shutil.rmtree(r.work, ignore_errors=True)
        os.makedirs(r.work)
        inputs, outputs, r.ops = self.model_io(model)
        unsupported = {}  # level -> reason
        accepted = []
        data = None
        fixed = {}  # graph input -> its .npy, fixed with --input-value
        for level in a.levels:
            out = os.path.join(r.work, "O%d" % level)
            while True:
                args = [x for n, p in sorted(fixed.items())
                        for x in ("--input-value", "%s=%s" % (n, p))]
                rc, _, err = run_cmd([a.convc, model, "-O%d" % level, "-o", out] + args,
                                     a.timeout)
                if rc != 3 or not self.fix_input(test_dir, inputs, err, fixed, r.work):
                    break
            if has_sanitizer_report(err):
                raise Fail("-O%d convc %s with a sanitizer report: %s" % (
                    level, describe_rc(rc), tail(err, 2)))
            if rc == 3:
                line = first_error_line(err)
                if os.path.exists(out):
                    raise Fail("-O%d convc exited 3 but left output directory %s"
                               % (level, out))
                if ": error: " not in line:
                    raise Fail("-O%d convc exited 3 without an error line: %s"
                               % (level, line))
                unsupported[level] = short_reason(line, model)
                continue
            if rc != 0:
                left = " (and left output directory %s)" % out \
                    if rc is not None and os.path.exists(out) else ""
                raise Fail("-O%d convc %s: %s%s" % (level, describe_rc(rc),
                                                    first_error_line(err), left))
            accepted.append(level)
            # convc accepted the model: its tensor I/O must be of a dtype
            # convc runs (besides the inputs fixed at compile time).
            for vi in [i for i in inputs if i.name not in fixed] + outputs:
                prob = self.io_type_problem(vi)
                if prob:
                    raise Fail("convc -O%d accepted a model whose %s %s" % (
                        level, "input" if vi in inputs else "output", prob))
            missing = [f for f in EMITTED_FILES
                       if not os.path.isfile(os.path.join(out, f))]
            if missing:
                raise Fail("-O%d output directory lacks %s" % (level, ", ".join(missing)))
            objs = self.runtime.get(out, a.timeout)
            for name, ref in self.runtime.ref.items():
                with open(os.path.join(out, name), "rb") as f:
                    if f.read() != ref:
                        raise Fail("-O%d emitted %s differs from the copy in %s"
                                   % (level, name, self.runtime.origin))
            if data is None:
                data = self.prepare_data(test_dir, inputs, outputs, r.work, fixed)
            self.build_and_check(level, out, objs, data)
        if unsupported and accepted:
            raise Fail("levels disagree: unsupported at %s (%s) but accepted at %s" % (
                ", ".join("-O%d" % l for l in unsupported),
                next(iter(unsupported.values())),
                ", ".join("-O%d" % l for l in accepted)))
        if unsupported:
            r.status = "unsupported"
            r.reason = unsupported[a.levels[0]]
        else:
            r.status = "passed"

    def build_and_check(self, level, out, objs, data):
        import numpy as np
        a = self.args
        tag = "-O%d" % level
        rc, so, se = run_cmd([a.cc] + a.model_cflags +
                             ["-c", "model.c", "-o", "model.o"], a.timeout, cwd=out)
        if rc != 0:
            msg = [l for l in (se + so).splitlines() if "error" in l or "warning" in l]
            raise Fail("%s model.c does not compile warning-free (%s): %s" % (
                tag, describe_rc(rc), msg[0].strip() if msg else tail(se + so)))
        rc, so, se = run_cmd([a.cc, "model.o"] + objs + ["-o", "model"] + LDFLAGS +
                             a.extra_cflags, a.timeout, cwd=out)
        if rc != 0:
            raise Fail("%s link %s: %s" % (tag, describe_rc(rc), tail(se + so)))
        exe = os.path.join(out, "model")
        for ds, npys, refs in data:
            cmd = [exe]
            for p in npys:
                cmd += ["-i", p]
            outs = [os.path.join(out, "%s_out_%d.npy" % (ds, k)) for k in range(len(refs))]
            for p in outs:
                cmd += ["-o", p]
            rc, so, se = run_cmd(cmd, a.timeout, env=self.run_env)
            if rc != 0 or has_sanitizer_report(se):
                raise Fail("%s model run %s: %s" % (tag, describe_rc(rc), tail(se + so)))
            for k, (p, ref) in enumerate(zip(outs, refs)):
                try:
                    got = np.load(p)
                except Exception as e:
                    raise Fail("%s output %d unreadable: %s" % (tag, k, e))
                if got.dtype != ref.dtype:
                    raise Fail("%s output %d has dtype %s, expected %s" % (tag, k, got.dtype,
                                                                          ref.dtype))
                why = compare_outputs(got, ref)
                if why:
                    raise Fail("%s output %d: %s" % (tag, k, why))


# ----------------------------------------------------------------------------

def read_known_failures(path):
    known = {}
    if not path or not os.path.isfile(path):
        return known
    with open(path) as f:
        for line in f:
            body, _, comment = line.partition("#")
            name = body.strip()
            if name:
                known[name] = comment.strip()
    return known


def find_tests(data, roots, filt):
    tests = []
    for root in roots:
        d = os.path.join(data, root)
        if not os.path.isdir(d):
            d = root
        label = os.path.basename(os.path.normpath(d))
        if not os.path.isdir(d):
            sys.exit("run_node_tests: no test directory %s" % d)
        found = 0
        for name in sorted(os.listdir(d)):
            td = os.path.join(d, name)
            if not os.path.isfile(os.path.join(td, "model.onnx")):
                continue
            found += 1
            if filt and not filt.search("%s/%s" % (label, name)):
                continue
            tests.append((label, td))
        if not found:
            print("run_node_tests: warning: no test directory with a model.onnx in %s"
                  % d)
    return tests


def parse_levels(text):
    levels = []
    for part in text.split(","):
        part = part.strip().lstrip("-").lstrip("O")
        if not part.isdigit() or int(part) > 3:
            raise argparse.ArgumentTypeError("bad -O level list %r" % text)
        if int(part) not in levels:
            levels.append(int(part))
    return levels


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(
        description="Run the ONNX backend node tests through convc.")
    ap.add_argument("roots", nargs="*", default=None,
                    help="test roots: names under --data or directories "
                         "(default: %s)" % " ".join(DEFAULT_ROOTS))
    ap.add_argument("--data", default=DEFAULT_DATA,
                    help="libonnx-testdata data directory (default %(default)s)")
    ap.add_argument("--convc", default=os.path.join(repo, "build", "convc"),
                    help="convc binary (default: build/convc of this repo)")
    ap.add_argument("--runtime", default=os.path.join(repo, "backends", "c", "runtime"),
                    help="the runtime sources (cvrt*.c, cvrt*.h, main.c, model.h) that "
                         "convc must emit verbatim; the objects are compiled from the "
                         "first emitted copy")
    ap.add_argument("--work", default=None,
                    help="work directory (default: a temporary directory)")
    ap.add_argument("--opt", type=parse_levels, default=[0, 2], dest="levels",
                    metavar="LEVELS",
                    help="comma-separated -O levels to test each model at; a test "
                         "passes only if it passes at all of them (default 0,2)")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=120,
                    help="seconds per step: convc, cc, link, model run (default 120)")
    ap.add_argument("--filter", default=None, metavar="REGEX",
                    help="only tests whose ROOT/NAME matches (re.search)")
    ap.add_argument("--known-failures", default=os.path.join(here, "known_failures.txt"))
    ap.add_argument("--list-unsupported", action="store_true",
                    help="print every unsupported test with convc's reason")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work directories of all tests (failed ones are "
                         "always kept)")
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    ap.add_argument("--sanitize", action="store_true",
                    help="also build the generated code with -fsanitize=address,undefined")
    ap.add_argument("--guard", action="store_true",
                    help="build the generated code as `make GUARD=1` does: AddressSanitizer "
                         "and the guarded tensors of docs/guard.md (-DCVRT_GUARD)")
    ap.add_argument("--extra-cflags", default="", metavar="FLAGS", dest="extra_cflags_text",
                    help="appended to the model.c compile command, for diagnosis "
                         "(e.g. --extra-cflags=-Wno-type-limits to look past a warning)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    try:
        import numpy  # noqa: F401
        import onnx  # noqa: F401
    except ImportError as e:
        print("run_node_tests: SKIP: %s (use /usr/bin/python3)" % e)
        return SKIP
    roots = args.roots or DEFAULT_ROOTS
    if not args.roots and not os.path.isdir(args.data):
        print("run_node_tests: SKIP: no test data at %s (apt install libonnx-testdata)"
              % args.data)
        return SKIP
    if not (os.path.isfile(args.convc) and os.access(args.convc, os.X_OK)):
        print("run_node_tests: error: no convc binary at %s" % args.convc)
        return 2
    args.convc = os.path.abspath(args.convc)
    args.extra_cflags = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer"] \
        if args.sanitize else []
    if args.guard:
        args.extra_cflags = (args.extra_cflags or ["-fsanitize=address", "-fno-omit-frame-pointer"]) \
            + ["-g1", "-DCVRT_GUARD"]
    args.model_cflags = MODEL_CFLAGS + args.extra_cflags + args.extra_cflags_text.split()
    filt = re.compile(args.filter) if args.filter else None
    tests = find_tests(args.data, roots, filt)
    known = read_known_failures(args.known_failures)

    tmp = None
    if args.work is None:
        tmp = args.work = tempfile.mkdtemp(prefix="convc-node-tests-")
    args.work = os.path.abspath(args.work)
    os.makedirs(args.work, exist_ok=True)
    rt_src = args.runtime if args.runtime and os.path.isdir(args.runtime) else None
    if not rt_src:
        print("run_node_tests: warning: no runtime directory %s; not checking the "
              "emitted runtime against it" % args.runtime)
    runtime = Runtime(rt_src, args.work, args.cc, RUNTIME_CFLAGS + args.extra_cflags,
                      args.verbose)
    tester = Tester(args, runtime)

    t0 = time.time()
    results = []
    done = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        futs = [ex.submit(tester.run_test, root, td) for root, td in tests]
        for fut in concurrent.futures.as_completed(futs):
            r = fut.result()
            results.append(r)
            done += 1
            if args.verbose:
                print("[%d/%d] %-11s %s (%.1fs)%s" % (
                    done, len(tests), r.status, r.id, r.seconds,
                    ": " + r.reason if r.reason else ""), flush=True)
    elapsed = time.time() - t0
    results.sort(key=lambda r: r.id)

    def is_known(r):
        return r.name in known or r.id in known

    failed = [r for r in results if r.status == "failed" and not is_known(r)]
    xfail = [r for r in results if r.status == "failed" and is_known(r)]
    xpass = [r for r in results if r.status == "passed" and is_known(r)]
    passed = [r for r in results if r.status == "passed"]
    unsup = [r for r in results if r.status == "unsupported"]

    levels = ",".join("-O%d" % l for l in args.levels)
    if runtime.mismatch:
        print("FAIL runtime: convc emits %s different from %s (is the convc build "
              "older than the sources?)" % (", ".join(runtime.mismatch), args.runtime))
    for r in failed:
        print("FAIL %s: %s" % (r.id, r.reason))
    if failed:
        print()
    if args.list_unsupported and unsup:
        for r in unsup:
            print("UNSUPPORTED %s: %s" % (r.id, r.reason))
        print()
    if xfail:
        print("expected failures (%s):" % os.path.basename(args.known_failures))
        for r in xfail:
            print("  XFAIL %s: %s" % (r.id, r.reason))
    if xpass:
        print("unexpectedly passed (remove them from %s):" %
              os.path.basename(args.known_failures))
        for r in xpass:
            print("  XPASS %s" % r.id)
    if xfail or xpass:
        print()
    for r in unsup:
        if is_known(r):
            print("note: known failure %s is now unsupported by convc" % r.id)

    print("summary (%s, %d jobs, %.0fs):" % (levels, args.jobs, elapsed))
    hdr = "  %-20s %9s %7s %7s %8s %11s" % (
        "root", "attempted", "passed", "failed", "expected", "unsupported")
    print(hdr)
    for label in sorted({r.root for r in results}) + ["total"]:
        rs = [r for r in results if label in ("total", r.root)]
        att = [r for r in rs if r.status != "unsupported"]
        print("  %-20s %9d %7d %7d %8d %11d" % (
            label, len(att), sum(r.status == "passed" for r in rs),
            sum(r.status == "failed" and not is_known(r) for r in rs),
            sum(r.status == "failed" and is_known(r) for r in rs),
            sum(r.status == "unsupported" for r in rs)))
    if runtime.origin:
        print("runtime objects compiled from the files emitted in %s (%s)" % (
            runtime.origin, "identical to %s" % args.runtime if not runtime.mismatch
            else "DIFFERENT from %s" % args.runtime))
    op_count = {}
    for r in passed:
        for op in r.ops:
            op_count[op] = op_count.get(op, 0) + 1
    print("ops in passed tests (%d): %s" % (len(op_count), ", ".join(
        "%s(%d)" % (op, n) for op, n in sorted(op_count.items()))))
    if tmp and not args.keep and not failed and not xfail:
        shutil.rmtree(tmp, ignore_errors=True)
    elif failed or xfail or args.keep:
        print("work directory: %s" % args.work)
    print("%d passed, %d failed" % (len(passed), len(failed)))
    return 1 if failed or xpass or runtime.mismatch else 0


if __name__ == "__main__":
    sys.exit(main())
