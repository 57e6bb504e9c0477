#!/usr/bin/python3
"""Bad text IR: convc-opt's error contract for the parser (docs/ir.md).

Each case writes WORK/<case>.cir, runs `convc-opt WORK/<case>.cir -o
WORK/out_<case>.cir` and checks: exit status 1, stderr is exactly one line
`WORK/<case>.cir: error: line N, col M: ...` with the case's line, column and
message fragment, no sanitizer report (the suite is built with ASan+UBSan, so
a crash, a leak or undefined behaviour fails the case), and no output file.
A few command-line cases check exit 2 (usage) and I/O errors the same way.

    parse_errors.py --convc-opt BUILD/convc-opt --work DIR [--case NAME]
    parse_errors.py --list

Needs only the standard library.
"""

import argparse
import os
import re
import subprocess
import sys

SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer",
                     "UndefinedBehaviorSanitizer", "runtime error")

HEAD = "module @m opset 13\n"
X4 = HEAD + "input %x: f32[1,4,8,8] nchw\n"
W = "const %w: f32[8,4,3,3] oihw #00000000deadbeef\n"

# name: (text, line, col, message fragment)
CASES = {
    "bad_token": (X4 + "%y: f32[1,4,8,8] nchw = relu %x $\n", 3, 33, "expected end of line, found '$'"),
    "missing_colon": (HEAD + "input %x f32[1,4]\n", 2, 10, "expected ':'"),
    "unknown_op": (X4 + "%y: f32[1,4,8,8] = conv4d %x\n", 3, 20, "unknown op 'conv4d'"),
    "undefined_value": (X4 + "%y: f32[1,4,8,8] = relu %q\n", 3, 25, "unknown value %q"),
    "use_before_def": (X4 + "%y: f32[1,4,8,8] = relu %z\n%z: f32[1,4,8,8] = relu %x\n",
                       3, 25, "unknown value %z"),
    "type_vs_inference": (X4 + W + "%y: f32[1,8,6,6] nchw = conv2d %x, %w, _ {pads=[1,1,1,1]}\n",
                          4, 1, "result %y is declared f32[1,8,6,6], shape inference says f32[1,8,8,8]"),
    "inference_error": (X4 + "const %w: f32[8,3,3,3] oihw #00000000deadbeef\n"
                        "%y: f32[1,8,8,8] nchw = conv2d %x, %w, _\n",
                        4, 25, "weight has 3 input channels per group"),
    "in_scale_shape": (X4 + "input %s: f32[1,4,8,8] nchw\n" + W
                       + "%y: f32[1,8,8,8] nchw = conv2d %x, %w, _, _, %s {pads=[1,1,1,1]}\n",
                       5, 25, "in_scale is f32[1,4,8,8] nchw; it must be f32[1,4,1,1] nchw"),
    "truncated_line": (X4 + "%y: f32[1,4,8,8] nchw = pool2d %x {kind=max, kernel=[2,", 3, 56,
                       "expected an integer"),
    "truncated_type": (HEAD + "input %x: f32[1,4", 2, 18, "expected ']', found end of line"),
    "huge_dim": (HEAD + "input %x: f32[1,99999999999]\n", 2, 17, "dim 99999999999 is out of range"),
    "dim_overflow": (HEAD + "input %x: f32[1073741824,1073741824,1073741824]\n", 2, 11,
                     "has too many elements"),
    "int64_overflow": (HEAD + "input %x: f32[99999999999999999999]\n", 2, 15, "out of range"),
    "too_many_dims": (HEAD + "input %x: f32[1,1,1,1,1,1,1,1,1]\n", 2, 31, "more than 8 dims"),
    "huge_digest_const": (HEAD + "const %c: f32[1000000,1000000] #0000000000000001\noutput %c\n",
                          2, 7, "the limit is 536870912"),
    "huge_digest_numel": (HEAD + "const %c: u8[268435456] #0000000000000001\noutput %c\n",
                          2, 7, "268435456 elements; the limit is 134217728"),
    "bad_escape": (HEAD + "input %\"a\\q\": f32[1]\n", 2, 10, "bad escape"),
    "nul_escape": (HEAD + "input %\"a\\x00\": f32[1]\n", 2, 10, "\\x00 cannot appear"),
    "unterminated_name": (X4 + "%y: f32[1,4,8,8] = relu %x @\"Relu_0\n", 3, 36,
                          "unterminated quoted name"),
    "control_byte": (HEAD + "input %\"a\tb\": f32[1]\n", 2, 10, "control byte 0x09"),
    "nul_byte": (HEAD + "input %x: f32[1]\x00\n", 2, 17, "found byte 0x00"),
    "duplicate_name": (X4 + "input %x: f32[1]\n", 3, 7, "%x is already defined on line 2"),
    "duplicate_result": (X4 + "%a: f32[1,2,8,8] nchw, %a: f32[1,2,8,8] nchw = split %x {axis=1}\n",
                         3, 24, "%a is defined twice on this line"),
    "empty_name": (HEAD + "input %\"\": f32[1]\n", 2, 7, "empty value name"),
    "no_module": ("// nothing but a comment\n\n", 1, 1, "expected 'module @NAME opset N'"),
    "module_not_first": ("input %x: f32[1]\n", 1, 1, "expected 'module @NAME opset N' first"),
    "second_module": (HEAD + HEAD, 2, 1, "a second 'module' line"),
    "unknown_dtype": (HEAD + "input %x: q32[1]\n", 2, 11, "unknown dtype 'q32'"),
    "unknown_layout": (HEAD + "input %x: f32[1] abcd\n", 2, 18, "unknown layout 'abcd'"),
    "bad_digest": (HEAD + "const %c: f32[20] #12345\noutput %c\n", 2, 20, "a digest is 16 hex digits"),
    "too_few_values": (HEAD + "const %c: f32[4] = [1, 2, 3]\n", 2, 20, "3 values given, the type has 4"),
    "too_many_values": (HEAD + "const %c: f32[2] = [1, 2, 3]\n", 2, 27, "more than the 2 values"),
    "bad_number": (HEAD + "const %c: f32[2] = [1, 2x]\n", 2, 24, "expected a number"),
    "element_range": (HEAD + "const %c: i8[2] = [1, 200]\n", 2, 23, "i8 element 200 is out of range"),
    "attr_count": (X4 + W + "%y: f32[1,8,8,8] nchw = conv2d %x, %w, _ {strides=[1]}\n", 4, 51,
                   "attribute 'strides' expects 2 integers"),
    "attr_range": (X4 + W + "%y: f32[1,8,8,8] nchw = conv2d %x, %w, _ {group=0}\n", 4, 49,
                   "attribute 'group' value 0 is out of range"),
    "attr_unknown": (X4 + "%y: f32[1,4,8,8] nchw = relu %x {foo=1}\n", 3, 34,
                     "unknown attribute 'foo' for relu"),
    "attr_twice": (X4 + "%y: f32[1,4,8,8] nchw = clip %x {min=0, min=1}\n", 3, 41,
                   "attribute 'min' is given twice"),
    "attr_missing": (X4 + "%y: f32[1,4,8,8] nchw = pool2d %x {kernel=[1,1]}\n", 3, 25,
                     "pool2d needs attribute 'kind'"),
    "attr_enum": (X4 + "%y: f32[1,4,8,8] nchw = pool2d %x {kind=min, kernel=[1,1]}\n", 3, 41,
                  "attribute 'kind': unknown value 'min'"),
    "act_params": (X4 + "%y: f32[1,4,8,8] nchw = add %x, %x {act=clip(1)}\n", 3, 47, "expected ','"),
    "act_unknown": (X4 + "%y: f32[1,4,8,8] nchw = add %x, %x {act=swish}\n", 3, 41,
                    "attribute 'act': unknown value 'swish'"),
    "axes_order": (X4 + "%y: f32[1,4] = reduce_mean %x {axes=[3,2], keepdims=0}\n", 3, 37,
                   "attribute 'axes' must be ascending"),
    "operand_count": (X4 + "%y: f32[1,4,8,8] nchw = add %x, %x, %x\n", 3, 25, "add takes 2 operands, got 3"),
    "absent_operand": (X4 + "%y: f32[1,4,8,8] nchw = relu _\n", 3, 25, "operand 0 cannot be absent"),
    "result_count": (X4 + "%y: f32[1,4,8,8], %z: f32[1,4,8,8] = relu %x\n", 3, 38,
                     "relu has 1 result, 2 declared"),
    "output_undefined": (X4 + "output %nope\n", 3, 8, "unknown value %nope"),
    "trailing_junk": (X4 + "output %x extra\n", 3, 11, "expected end of line, found 'e'"),
}

# name: (argv after convc-opt, with {f} for a valid .cir file, exit code, stderr pattern)
CLI_CASES = {
    "cli_no_input": ([], 2, r"^convc-opt: error: no input given"),
    "cli_unknown_option": (["{f}", "--frobnicate"], 2, r"^convc-opt: error: unknown option '--frobnicate'"),
    "cli_two_inputs": (["{f}", "{f}"], 2, r"^convc-opt: error: more than one input"),
    "cli_missing_file": (["{d}/does-not-exist.cir"], 1, r"^.*does-not-exist\.cir: error: cannot open"),
    "cli_unknown_pass": (["{f}", "-passes=no-such-pass"], 2, r"^convc-opt: error: unknown pass .no-such-pass."),
}


def sanitizer_report(err):
    return any(s in err for s in SANITIZER_MARKERS)


def run_parse_case(args, name):
    text, line, col, fragment = CASES[name]
    path = os.path.join(args.work, name + ".cir")
    out = os.path.join(args.work, "out_" + name + ".cir")
    with open(path, "wb") as f:
        f.write(text.encode())
    if os.path.exists(out):
        os.unlink(out)
    p = subprocess.run([args.convc_opt, path, "-o", out], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    err = p.stderr.decode(errors="replace")
    lines = err.splitlines()
    prefix = f"{path}: error: line {line}, col {col}: "
    problems = []
    if p.returncode != 1:
        problems.append(f"exit {p.returncode}, expected 1")
    if sanitizer_report(err):
        problems.append("sanitizer report")
    if len(lines) != 1:
        problems.append(f"{len(lines)} lines on stderr, expected 1")
    elif not lines[0].startswith(prefix) or fragment not in lines[0]:
        problems.append(f"expected '{prefix}...{fragment}...'")
    if os.path.exists(out):
        problems.append(f"{out} was written")
    return problems, err


def run_cli_case(args, name):
    argv, code, pattern = CLI_CASES[name]
    good = os.path.join(args.work, name + ".good.cir")  # one per case: ctest -j
    with open(good, "w") as f:
        f.write(X4 + "%y: f32[1,4,8,8] nchw = relu %x\noutput %y\n")
    cmd = [args.convc_opt] + [a.format(f=good, d=args.work) for a in argv]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    err = p.stderr.decode(errors="replace")
    problems = []
    if p.returncode != code:
        problems.append(f"exit {p.returncode}, expected {code}")
    if sanitizer_report(err):
        problems.append("sanitizer report")
    if len(err.splitlines()) != 1 or not re.search(pattern, err):
        problems.append(f"stderr should be one line matching {pattern!r}")
    return problems, err


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--convc-opt")
    ap.add_argument("--work", default="ir-parse-errors")
    ap.add_argument("--case", action="append", help="only this case (repeatable)")
    ap.add_argument("--list", action="store_true", help="print the case names")
    args = ap.parse_args()
    if args.list:
        print("\n".join(list(CASES) + list(CLI_CASES)))
        return 0
    if not args.convc_opt:
        ap.error("--convc-opt is required")
    os.makedirs(args.work, exist_ok=True)
    failed = 0
    for name in args.case or list(CASES) + list(CLI_CASES):
        if name in CASES:
            problems, err = run_parse_case(args, name)
        elif name in CLI_CASES:
            problems, err = run_cli_case(args, name)
        else:
            problems, err = [f"unknown case {name}"], ""
        if problems:
            failed += 1
            print(f"FAIL {name}: {'; '.join(problems)}\n  stderr: {err.strip()}")
        else:
            print(f"ok {name}: {err.strip()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
