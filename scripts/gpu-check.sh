#!/usr/bin/env bash
# gpu-check.sh [--quick] — the whole device job in one command (< 6 min on an
# H200 with 16 cores): build (sm_90 only) -> measured ceilings (device_ceiling:
# mma.sync f16/tf32, FFMA, copy bandwidth) -> correctness (gpu_check vs CPU
# backend) -> note-shape comparison (direct_tile_kernel vs the old
# direct_strip_kernel, f32/f16 x NCHW/NHWC: bit-identical outputs, median us,
# GB/s, % of DRAM; lines "note-compare" in note_compare.log) -> benchmark +
# cuDNN peer (bench-gpu.sh) -> check-kernels (ptxas + PTX + SASS) -> ncu on
# both direct kernels for the note shape.
# --quick (< 3 min): build -> ceilings -> correctness --quick -> note-shape comparison only.
# Every step is time-boxed and its failure reported; later steps still run.
# Logs + CSVs go to $OUT (if set) and to native/build-gpu/gpu-check-logs.
set -uo pipefail
QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
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
step build 300 cmake --build "$BUILD" -j"$(nproc)" --target fastconv gpu_check device_ceiling
step ceiling 60 "$BUILD/tests/cuda/device_ceiling"
if [ "$QUICK" = 1 ]; then
  step correctness 100 "$BUILD/tests/cuda/gpu_check" --correctness --quick
  step note_compare 60 "$BUILD/tests/cuda/gpu_check" --compare --compare-csv "$LOGS/note_compare.csv"
  STEPS="configure build ceiling correctness note_compare"
else
  step correctness 150 "$BUILD/tests/cuda/gpu_check" --correctness
  step note_compare 60 "$BUILD/tests/cuda/gpu_check" --compare --compare-csv "$LOGS/note_compare.csv"
  step bench 150 env FASTCONV_BUILD="$BUILD" OUT="$LOGS" bash "$ROOT/scripts/bench-gpu.sh"
  step check_kernels 120 env CHECK_ARCHS=90 bash "$ROOT/scripts/check-kernels.sh" "$BUILD"
  STEPS="configure build ceiling correctness note_compare bench check_kernels"
  # Nsight Compute on both direct kernels for the note shape (NCHW, NHWC), if ncu exists: where the time goes.
  if command -v ncu >/dev/null 2>&1; then
    step ncu_direct 120 bash -c 'for k in tile strip; do for l in 0 1; do echo "--- ncu direct_$k layout $l"; \
        FASTCONV_CUDA_DIRECT_KERNEL=$k ncu --section SpeedOfLight --section Occupancy --section LaunchStats \
        --section MemoryWorkloadAnalysis --section WarpStateStats -k regex:direct_$k -c 1 "$0/tests/cuda/gpu_check" --note $l; \
        done; done' "$BUILD"
  fi
fi
echo "=== summary"
for s in $STEPS; do echo "  $s: ${RESULT[$s]:-not run}"; done | tee "$LOGS/summary.txt"
grep -h "^ceiling" "$LOGS/ceiling.log" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^note-compare" "$LOGS/note_compare.log" 2>/dev/null | tee -a "$LOGS/summary.txt"
[ "$QUICK" = 1 ] || echo "  ncu_direct (informational, not a failure): ${RESULT[ncu_direct]:-not run}" | tee -a "$LOGS/summary.txt"
# $OUT: the key files plus every log in one archive (a device run returns at most 8 files).
if [ -n "${OUT:-}" ]; then
  mkdir -p "$OUT"
  for f in summary.txt correctness.log note_compare.log fastconv_bench.csv cudnn_bench.csv ncu_direct.log check_kernels.log; do
    [ -f "$LOGS/$f" ] && cp "$LOGS/$f" "$OUT/"
  done
  tar czf "$OUT/gpu-check-logs.tgz" -C "$LOGS" . 2>/dev/null
fi
grep -v informational "$LOGS/summary.txt" | grep -q "rc=[1-9]" && exit 1 || exit 0
