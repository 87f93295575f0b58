#!/usr/bin/env bash
# gpu-check.sh — the whole device job in one command (< 6 min on an H200 with
# 16 cores): build (sm_90 only) -> correctness (gpu_check vs CPU backend) ->
# benchmark + cuDNN peer (bench-gpu.sh) -> check-kernels (ptxas + PTX + SASS).
# Every step is time-boxed and its failure reported; later steps still run.
# Logs + CSVs go to $OUT (if set) and to native/build-gpu/gpu-check-logs.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${FASTCONV_BUILD:-$ROOT/native/build-gpu}"
LOGS="$BUILD/gpu-check-logs"
mkdir -p "$LOGS"
export PATH="/usr/local/cuda/bin:$PATH"
declare -A RESULT
step() {  # step NAME TIMEOUT_S command...
  local name="$1" to="$2"; shift 2
  echo "=== [$name] $* (timeout ${to}s)"
  local t0=$SECONDS
  timeout --kill-after=10 "$to" "$@" 2>&1 | tee "$LOGS/$name.log"
  local rc=${PIPESTATUS[0]}
  RESULT[$name]="rc=$rc ($((SECONDS - t0))s)"
  echo "=== [$name] ${RESULT[$name]}"
}
nvidia-smi -L 2>&1 | tee "$LOGS/nvidia-smi.log" || true
GEN=""; command -v ninja >/dev/null && GEN="-G Ninja"
step configure 120 cmake -S "$ROOT/native" -B "$BUILD" $GEN -DFASTCONV_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_BUILD_TYPE=Release
step build 300 cmake --build "$BUILD" -j"$(nproc)" --target fastconv gpu_check
step correctness 150 "$BUILD/tests/cuda/gpu_check" --correctness
step bench 150 env FASTCONV_BUILD="$BUILD" OUT="$LOGS" bash "$ROOT/scripts/bench-gpu.sh"
step check_kernels 120 env CHECK_ARCHS=90 bash "$ROOT/scripts/check-kernels.sh" "$BUILD"
echo "=== summary"
for s in configure build correctness bench check_kernels; do echo "  $s: ${RESULT[$s]:-not run}"; done | tee "$LOGS/summary.txt"
if [ -n "${OUT:-}" ]; then mkdir -p "$OUT" && cp -r "$LOGS"/. "$OUT"/ 2>/dev/null; fi
grep -q "rc=[1-9]" "$LOGS/summary.txt" && exit 1 || exit 0
