#!/usr/bin/env bash
# scripts/fuzz.sh — run the libFuzzer harnesses of the C API (native/tests/fuzz).
#
#   scripts/fuzz.sh [-t SECONDS] [-m] [HARNESS...]
#
#   HARNESS   desc (descriptor validation + plan creation) and/or exec (small CPU convolutions and
#             unfolds on exactly-sized buffers); default: both.
#   -t        seconds per harness (default 600). scripts/test.sh runs -t 30.
#   -c        check mode (what scripts/test.sh runs): seed 1 and a fixed number of inputs per harness
#             (desc 3,000,000, exec 4,000; -t still caps the time) from a fresh working corpus, so CI
#             fuzzes about the inputs a developer's run did (not bit for bit: the library's worker
#             threads make coverage, and so later mutations, vary a little). Without -c each run draws
#             a new seed and keeps its working corpus, to explore new inputs (long runs).
#   -m        afterwards merge what the run found into the committed corpus
#             (native/tests/fuzz/corpus/<h>, libFuzzer -merge=1 keeps only inputs that add coverage).
#
# Builds target/native-fuzz with clang (FASTCONV_FUZZ_CC / FASTCONV_FUZZ_CXX, default clang-16 /
# clang++-16, else clang / clang++) and -fsanitize=fuzzer,address,undefined. Each harness fuzzes a
# working corpus target/fuzz/corpus/<h> seeded from the committed one, with allocations capped
# (-rss_limit_mb=2048 -malloc_limit_mb=1024) and a per-input timeout of 25 s; a failing input is
# saved as target/fuzz/artifacts/<h>/crash-* (replay it: target/native-fuzz/tests/fuzz/fuzz_<h> FILE).
# Prints "fuzz <h>: N runs in S s ..." per harness and exits non-zero if any harness failed.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
cd "$FASTCONV_ROOT"

secs=600
merge=0
check=0
while getopts "t:cmh" o; do
    case "$o" in
        t) secs="$OPTARG" ;;
        c) check=1 ;;
        m) merge=1 ;;
        *) sed -n '2,20p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=(desc exec)

cc="${FASTCONV_FUZZ_CC:-}"
cxx="${FASTCONV_FUZZ_CXX:-}"
if [ -z "$cc" ]; then
    if command -v clang-16 >/dev/null; then cc=clang-16; cxx=clang++-16
    elif command -v clang >/dev/null; then cc=clang; cxx=clang++
    fi
fi
if [ -z "$cc" ] || ! command -v "$cc" >/dev/null; then
    echo "fuzz: no clang found (install clang-16 and libclang-rt-16-dev, or set FASTCONV_FUZZ_CC/FASTCONV_FUZZ_CXX)" >&2
    exit 3
fi

build="$FASTCONV_ROOT/target/native-fuzz"
work="$FASTCONV_ROOT/target/fuzz"
mkdir -p "$work"
echo "fuzz: building harnesses with $cc / $cxx in $build"
if ! CC="$cc" CXX="$cxx" cmake -S native -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFASTCONV_CUDA=OFF \
        -DFASTCONV_EMULATION_TESTS=OFF >"$work/cmake.log" 2>&1; then
    cat "$work/cmake.log" >&2; echo "fuzz: cmake configure failed" >&2; exit 3
fi
if ! grep -q 'FASTCONV_HAVE_LIBFUZZER:INTERNAL=1' "$build/CMakeCache.txt"; then
    echo "fuzz: $cxx cannot link -fsanitize=fuzzer (is libclang-rt-16-dev installed?)" >&2
    exit 3
fi
targets=()
for h in "${harnesses[@]}"; do targets+=(--target "fuzz_$h"); done
if ! cmake --build "$build" -j "$(fc_jobs)" "${targets[@]}" >"$work/build.log" 2>&1; then
    tail -n 40 "$work/build.log" >&2; echo "fuzz: build failed" >&2; exit 3
fi

failed=0
for h in "${harnesses[@]}"; do
    case "$h" in
        desc) max_len=256 ;;
        exec) max_len=64 ;;
        *) echo "fuzz: unknown harness '$h' (desc, exec)" >&2; failed=$((failed + 1)); continue ;;
    esac
    corpus="$work/corpus/$h"
    arts="$work/artifacts/$h"
    mkdir -p "$corpus" "$arts"
    log="$work/$h.log"
    extra=()
    if [ "$check" = 1 ]; then
        # a fresh working corpus too, so the run depends only on the commit
        rm -rf "$corpus" && mkdir -p "$corpus"
        case "$h" in desc) extra=(-seed=1 -runs=3000000) ;; exec) extra=(-seed=1 -runs=4000) ;; esac
    fi
    start=$(date +%s)
    ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
        "$build/tests/fuzz/fuzz_$h" -max_total_time="$secs" -max_len="$max_len" -rss_limit_mb=2048 \
        -malloc_limit_mb=1024 -timeout=25 -print_final_stats=1 -artifact_prefix="$arts/" "${extra[@]}" \
        "$corpus" "native/tests/fuzz/corpus/$h" >"$log" 2>&1
    rc=$?
    took=$(( $(date +%s) - start ))
    runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n1 | cut -d' ' -f2)
    files=$(ls "$corpus" | wc -l)
    if [ "$rc" -eq 0 ]; then
        echo "fuzz $h: ${runs:-?} runs in ${took} s, coverage ${cov:-?} edges, working corpus $files files: OK"
    else
        failed=$((failed + 1))
        echo "fuzz $h: FAILED (exit $rc) after ${runs:-?} runs in ${took} s; log $log, inputs in $arts:"
        grep -E 'FUZZ PROPERTY VIOLATED|ERROR: |runtime error|SUMMARY' "$log" | head -n 8 | sed 's/^/    /'
    fi
    if [ "$merge" = 1 ] && [ "$rc" -eq 0 ]; then
        "$build/tests/fuzz/fuzz_$h" -merge=1 -max_len="$max_len" "native/tests/fuzz/corpus/$h" "$corpus" >>"$log" 2>&1 &&
            echo "fuzz $h: committed corpus now $(ls "native/tests/fuzz/corpus/$h" | wc -l) files"
    fi
done
echo "fuzz: ${#harnesses[@]} harnesses, $failed failed"
[ "$failed" -eq 0 ]
