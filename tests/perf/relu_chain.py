#!/usr/bin/python3
"""Write a valid ONNX model that is a chain of N Relu nodes.

    relu_chain.py N OUT.onnx [--shape 1,8,4,4]

x -> Relu -> Relu -> ... -> y, every node named, every intermediate value
named r<i>. Used to check that compile time grows linearly with the graph
(docs/limits.md, tests/perf/CMakeLists.txt).
"""
import argparse
import sys


def relu_chain(n, shape):
    from onnx import TensorProto, helper
    nodes = []
    prev = "x"
    for i in range(n):
        out = "y" if i == n - 1 else "r%d" % i
        nodes.append(helper.make_node("Relu", [prev], [out], name="relu_%d" % i))
        prev = out
    g = helper.make_graph(
        nodes, "relu_chain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--shape", default="1,8,4,4")
    a = ap.parse_args()
    if a.n < 1:
        ap.error("n must be >= 1")
    shape = [int(s) for s in a.shape.split(",")]
    m = relu_chain(a.n, shape)
    with open(a.out, "wb") as f:
        f.write(m.SerializeToString())
    return 0


if __name__ == "__main__":
    sys.exit(main())
