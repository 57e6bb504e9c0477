#!/bin/sh
# The whole test suite: installs what it needs, builds convc with
# AddressSanitizer + UndefinedBehaviorSanitizer (so bad-input tests also
# check "no crash, no leak"), and runs every ctest test. Ends with ctest's
# summary line.
set -eu
cd "$(dirname "$0")/.."

tools/install-deps.sh --test
cmake -S . -B build-check -DCMAKE_BUILD_TYPE=Debug -DCONVC_SANITIZE=ON >/dev/null
cmake --build build-check -j2 >/dev/null
cd build-check
ctest -j2 --output-on-failure --timeout 1500
