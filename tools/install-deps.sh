#!/bin/sh
# Install what convc needs from Debian packages (run as root); installs only
# what is missing, so a second run is quick.
#   tools/install-deps.sh          build dependencies
#   tools/install-deps.sh --test   plus what the test suite and model scripts use
set -eu

build_pkgs="cmake make gcc pkg-config libprotobuf-c-dev protobuf-c-compiler libonnx-dev libxml2-dev uthash-dev libgit2-dev libjansson-dev"
test_pkgs="python3 python3-numpy python3-onnx libonnx-testdata llvm-14-tools python3-torch python3-torchvision libcmocka-dev chromium"
# tests/fuzz: libFuzzer comes with clang-14 and its runtime libraries.
test_pkgs="$test_pkgs clang-14 libclang-rt-14-dev"
# e2e.aarch64 cross-builds the emitted code and runs it under qemu; the cross libc
# headers are only a recommendation of the cross gcc, so they are named here.
test_pkgs="$test_pkgs gcc-aarch64-linux-gnu libc6-dev-arm64-cross libgomp1-arm64-cross qemu-user"
# g++ builds the C++ example plugin (plugins.cxx.*); ccache lets the tests' many
# builds of the emitted code compile the kernel sources, the same in every
# output, once (tests/e2e/run_model.py, make_cmd).
test_pkgs="$test_pkgs g++ ccache"

pkgs=$build_pkgs
[ "${1:-}" = "--test" ] && pkgs="$pkgs $test_pkgs"
# Node.js runs ONNX Runtime (npm onnxruntime-node) for reference outputs.
if [ "${1:-}" = "--test" ] && ! command -v node >/dev/null 2>&1; then
	pkgs="$pkgs nodejs npm"
fi

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
