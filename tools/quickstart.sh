#!/bin/sh
# Install, build, compile models/mobilenet_v2.onnx at -O2, build the emitted
# C, run it on a sample input and print what came out and how long it took.
set -eu
cd "$(dirname "$0")/.."

tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 >/dev/null
echo "== convc models/mobilenet_v2.onnx -O2 -o build/mobilenet_v2"
build/convc models/mobilenet_v2.onnx -O2 -o build/mobilenet_v2 --stats
echo "== make -C build/mobilenet_v2"
make -s -C build/mobilenet_v2 -j2
echo "== build/mobilenet_v2/model -i models/mobilenet_v2.input.npy -o build/mobilenet_v2.out.npy"
build/mobilenet_v2/model -i models/mobilenet_v2.input.npy -o build/mobilenet_v2.out.npy
build/mobilenet_v2/model -i models/mobilenet_v2.input.npy --bench 20 --threads 1
