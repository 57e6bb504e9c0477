#!/bin/sh
# Drive the libFuzzer targets for ctest (docs/fuzzing.md).
#   fuzz.sh build SRC_DIR BUILD_DIR         configure SRC_DIR with clang-14 and
#                                           CONVC_FUZZ=ON in BUILD_DIR, build `fuzzers`
#   fuzz.sh smoke FUZZER CORPUS WORK SECS   fuzz SECS seconds from CORPUS (read only;
#                                           new inputs and crashes go to WORK)
#   fuzz.sh regress FUZZER DIR              run every input in DIR once
# Exit 77 (skipped) when clang-14 or libFuzzer is missing, or the fuzzer was
# not built for that reason.
set -eu

skip() {
	echo "fuzz: skipped: $*"
	exit 77
}

case "${1:-}" in
build)
	src=$2 bld=$3
	command -v clang-14 >/dev/null 2>&1 || skip "clang-14 is not installed (apt-get install clang-14 libclang-rt-14-dev)"
	ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
		skip "libFuzzer is not installed (apt-get install libclang-rt-14-dev)"
	# ccache, where installed, keeps the instrumented objects between runs
	launcher=""
	command -v ccache >/dev/null 2>&1 && launcher="-DCMAKE_C_COMPILER_LAUNCHER=ccache"
	if [ ! -f "$bld/CMakeCache.txt" ]; then
		# shellcheck disable=SC2086
		CC=clang-14 cmake -S "$src" -B "$bld" -DCONVC_FUZZ=ON -DBUILD_TESTING=OFF \
			-DCMAKE_BUILD_TYPE=RelWithDebInfo $launcher >"$bld.configure.log" 2>&1 ||
			{ cat "$bld.configure.log"; exit 1; }
	fi
	exec cmake --build "$bld" --target fuzzers -j2
	;;
smoke)
	fuzzer=$2 corpus=$3 work=$4 secs=$5
	[ -x "$fuzzer" ] || skip "$fuzzer was not built (no clang-14 / libFuzzer?)"
	rm -rf "$work"
	mkdir -p "$work/new" "$work/crashes"
	# a fixed seed: the same run in CI as here (a find is a bug either way)
	exec "$fuzzer" -seed=1 -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$work/crashes/" \
		"$work/new" "$corpus"
	;;
regress)
	fuzzer=$2 dir=$3
	[ -x "$fuzzer" ] || skip "$fuzzer was not built (no clang-14 / libFuzzer?)"
	# -runs=0: execute the inputs given, fuzz nothing
	exec "$fuzzer" -runs=0 -rss_limit_mb=2048 -timeout=10 "$dir"
	;;
*)
	echo "usage: fuzz.sh build|smoke|regress ..." >&2
	exit 2
	;;
esac
