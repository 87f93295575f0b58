#!/usr/bin/env bash
# scripts/jmh.sh — build target/benchmarks.jar (mvn -Pjmh) and run fastconv's JMH suite.
#
#   scripts/jmh.sh            full mode: 2 forks, 3 x 2 s warm-up, 5 x 2 s measurement (about 25 min)
#   scripts/jmh.sh --quick    quick mode (CI): 1 fork, 1 x 1 s warm-up, 2 x 1 s measurement (< 3 min)
#   scripts/jmh.sh --smoke    one short iteration each, no warm-up (scripts/test.sh; no timing asserted)
#   scripts/jmh.sh [mode] -- [JMH options / benchmark regexps]   passes the rest to JMH
#
# Groups (every benchmark reports ns/op, and B/op through -prof gc):
#   1. OverheadBench   plain downcall of fc_version() (the floor) vs ConvPlan.forward on 1x1x1x1
#   2. ConvBench small 1x16x32x32 -> 16, 3x3: fastconv (segment, float[]) vs ONNX Runtime
#   3. ConvBench note/r56/r14: 1x3x1024x1024 -> 16; ResNet 1x64x56x56 -> 64, 1x256x14x14 -> 256
#   4. ThroughputBench 1, 2, 4 caller threads sharing one plan
# Results: target/jmh/results.json, and a summary with the ratios printed at the end.
# Environment: FASTCONV_CUDA=OFF builds without CUDA; FASTCONV_JMH_SKIP_BUILD=1 reuses the jar.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
fc_use_jdk
cd "$FASTCONV_ROOT"

mode=full
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) mode=quick ;;
        --smoke) mode=smoke ;;
        --full) mode=full ;;
        --) shift; extra=("$@"); break ;;
        *) extra+=("$1") ;;
    esac
    shift
done

case "$mode" in
    full)  opts=(-f 2 -wi 3 -w 2s -i 5 -r 2s) ;;
    quick) opts=(-f 1 -wi 1 -w 1s -i 2 -r 1s) ;;
    smoke) opts=(-f 1 -wi 0 -i 1 -r 200ms) ;;
esac

jar="$FASTCONV_ROOT/target/benchmarks.jar"
if [ "${FASTCONV_JMH_SKIP_BUILD:-0}" != 1 ] || [ ! -f "$jar" ]; then
    build=(-B -q -ntp -Pjmh -DskipTests package "-Dfastconv.jobs=$(fc_jobs)")
    [ -n "${FASTCONV_CUDA:-}" ] && build+=("-Dfastconv.cuda=$FASTCONV_CUDA")
    echo "jmh: building $jar (mvn ${build[*]})"
    mvn "${build[@]}"
fi
out="$FASTCONV_ROOT/target/jmh"
mkdir -p "$out"
rm -f "$out/results.json"
echo "jmh: $mode mode: ${opts[*]} -prof gc -tu ns -foe true"
set +e
java --enable-native-access=ALL-UNNAMED -jar "$jar" "${opts[@]}" -prof gc -tu ns -foe true \
    -rf json -rff "$out/results.json" "${extra[@]}" 2>&1 | tee "$out/$mode.log" | grep -E '^(#|Benchmark|[A-Za-z]+Bench\.)' \
    | grep -vE ':(gc\.alloc\.rate|gc\.count|gc\.time|gc\.churn)' | grep -vE '^# (JMH|VM|Blackhole|Warmup:|Measurement:|Timeout|Threads|Benchmark mode|Fork|Run progress|Warmup Iteration|Iteration|Parameters|Benchmark:)'
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ] || [ ! -s "$out/results.json" ]; then
    grep -E 'Exception|Error' "$out/$mode.log" | head -20 >&2
    echo "jmh: failed (exit $rc; see $out/$mode.log)" >&2
    exit 1
fi
if command -v python3 >/dev/null; then
    python3 "$here/jmh_summary.py" "$out/results.json"
fi
