#!/bin/sh
# The whole test suite: installs what it needs, builds convc with
# AddressSanitizer + UndefinedBehaviorSanitizer (so bad-input tests also
# check "no crash, no leak"), and runs every ctest test. Ends with ctest's
# counts as one line, "N passed, M failed, K skipped", and ctest's exit status.
set -eu
cd "$(dirname "$0")/.."

tools/install-deps.sh --test
# ccache (installed by --test) keeps objects between runs on the same machine
launcher=""
command -v ccache >/dev/null 2>&1 && launcher="-DCMAKE_C_COMPILER_LAUNCHER=ccache"
# shellcheck disable=SC2086
cmake -S . -B build-check -DCMAKE_BUILD_TYPE=Debug -DCONVC_SANITIZE=ON $launcher >/dev/null
cmake --build build-check -j2 >/dev/null
cd build-check
{ ctest -j2 --output-on-failure --timeout 1500 && s=0 || s=$?; echo "$s" > ctest.status; } 2>&1 |
	tee ctest.log
status=$(cat ctest.status)
summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' ctest.log | tail -n 1)
if [ -z "$summary" ]; then
	echo "ctest printed no summary (status $status)"
	exit "$((status ? status : 1))"
fi
failed=$(echo "$summary" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')
total=$(echo "$summary" | sed -E 's/.* tests failed out of ([0-9]+).*/\1/')
# ctest counts a skipped test (one whose model is not there) as not failed
skipped=$(grep -cE '^[[:space:]]+[0-9]+ - .* \((Skipped|Disabled)\)$' ctest.log || true)
echo "$((total - failed - skipped)) passed, $failed failed, $skipped skipped"
exit "$status"
