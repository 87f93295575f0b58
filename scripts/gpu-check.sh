#!/usr/bin/env bash
# gpu-check.sh [--quick|--tune|--wgmma|--full|--all ...] — the whole device job in one command (< 6 min on an
# H200 with 16 cores): build (sm_90 only) -> measured ceilings (device_ceiling:
# mma.sync f16/tf32, FFMA, copy bandwidth) -> correctness (gpu_check vs CPU
# backend) -> note-shape comparison (direct_tile_kernel's tensor-core and FFMA
# steps vs the old direct_strip_kernel, f32 FP32/TF32 and f16 x NCHW/NHWC:
# FFMA bit-identical to strip, tensor-core within the fp32 accumulation bound,
# median us, GB/s, % of DRAM; lines "note-compare" in note_compare.log; and
# tc_halo_kernel vs tc_conv_kernel on the ResNet 3x3 batch-32 layers, lines
# "halo-compare") ->
# benchmark + cuDNN peer (bench-gpu.sh) -> check-kernels (ptxas + PTX + SASS)
# -> ncu on the note shape's direct kernels and two ResNet-50 batch-32 GEMMs.
# --quick (< 3 min): build -> ceilings -> correctness --quick -> the two comparisons only.
# --tune (< 4 min): build -> correctness --quick with FASTCONV_AUTOTUNE=1 (the tuner's picks vs the
# CPU backend) -> the benchmark with the heuristic's kernels and again autotuned
# (FASTCONV_AUTOTUNE_VERBOSE=1: every candidate's time in bench_tuned.log) -> lines "tune-compare"
# (per shape: heuristic us, tuned us, speedup, the tuned pick) in tune_compare.txt.
# --wgmma (< 6 min): build -> wgmma_probe (each wgmma form the kernels issue, alone, against the emulation's
# own ISA-derived cases; on a failure, the descriptor encodings that would pass; the wgmma throughput
# ceiling) -> correctness --quick with FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma (every f16 and
# TF32 implicit GEMM on the sm_90a wgmma kernels, vs the CPU backend) -> the benchmark with the heuristic's
# kernels and again with wgmma forced -> lines "wgmma-compare" in wgmma_compare.txt -> the same two
# steps for the warp-specialized kernel (FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_ws: correctness_wgmma_ws,
# lines "wgmma_ws-compare" in wgmma_ws_compare.txt; and for the stream-K form, =wgmma_sk:
# correctness_wgmma_sk, "wgmma_sk-compare" in wgmma_sk_compare.txt) -> check-kernels
# (with cuobjdump there: HGMMA in the wgmma kernels' SASS) -> ncu on three of them. The full run
# also runs wgmma_probe and checks the forced wgmma kernel's correctness (step correctness_wgmma).
# Every step is time-boxed and its failure reported; later steps still run.
# Logs + CSVs go to $OUT (if set) and to native/build-gpu/gpu-check-logs.
# Modes combine (one build, one device call): e.g. `--wgmma --tune --full` runs every step of the three;
# --tma (< 3 min): build -> tma_probe (every TMA load form wgmma_tma_conv_kernel issues, byte by byte, with the
# emulation's own cases) -> cluster_probe (the cluster forms' intrinsics) -> wgmma_probe -> correctness --quick with FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma (every f16 and
# TF32 implicit GEMM TMA can take on the TMA kernel, vs the CPU backend) -> the benchmark with the heuristic's kernels and
# again with wgmma_tma forced -> lines "wgmma_tma-compare" in wgmma_tma_compare.txt (+ the plans reached), and
# forced with BK 32 only ("wgmma_tma32-compare", wgmma_tma32_compare.txt), and its persistent form
# (FASTCONV_CUDA_TMA_PERSISTENT=1: correctness + "wgmma_tmap-compare") and its halo form (FASTCONV_CUDA_TMA_HALO=1:
# correctness + "wgmma_tmah-compare"; =wide its WIDE form, "wgmma_tmahw-compare") and its B-resident ping-pong form (FASTCONV_CUDA_TMA_BRES=1: correctness +
# "wgmma_tmab-compare"), its cluster form (FASTCONV_CUDA_TMA_CLUSTER=1: split-K in a thread block cluster;
# correctness + "wgmma_tmacl-compare", every row) and its B-multicast form (FASTCONV_CUDA_TMA_MULTICAST=1:
# correctness + "wgmma_tmamc-compare", every row; =A its A-multicast form, "wgmma_tmama-compare"; both
# CLUSTER=1 and MULTICAST=A its split A-multicast form, "wgmma_tmacla-compare"), its 192-row
# form forced (FASTCONV_CUDA_TMA_M192=1: correctness) and the
# heuristic's benchmark without it (FASTCONV_CUDA_TMA_M192=0: "m192off-compare") ->
# compute-sanitizer (racecheck / synccheck / memcheck) on it (and memcheck / synccheck on the 192-row form; all three on
# its TF32 form with the rounding warpgroup, on its B-resident form and on its two cluster forms) -> ncu
# on it at 128@28 and 256@14 (and the halo form at 64@56, 128@28, its WIDE form at 64@56).
# --all is --full --wgmma --tune --tma (~6 min on an H200). A step two modes share runs once.
# GPU_CHECK_BUDGET_S=N: the whole run ends within N seconds (a device call's limit): each step's timeout is cut to
# what is left (30 s kept for the summary and $OUT), and the steps after the budget is spent are skipped (reported
# as "skipped (budget ...)" in summary.txt, not as failures). Without it a long run killed by the caller's limit
# would bring nothing back.
set -uo pipefail
QUICK=0; TUNE=0; WGMMA=0; FULL=0; TMA=0
# the batch-32 layers the TMA kernel's forced forms are for (gpu_check --bench --only): every form's benchmark in
# --tma, and with --tma alone the heuristic's and the forced TMA kernel's benchmarks too (TMA_ONLY)
FORM_SHAPES=3x3_56_b32,3x3_28_b32,3x3_14_b32,3x3_7_b32,1x1_b32
for a in "$@"; do
  case "$a" in
    --quick) QUICK=1 ;; --tune) TUNE=1 ;; --wgmma) WGMMA=1 ;; --full) FULL=1 ;; --tma) TMA=1 ;;
    --all) FULL=1; WGMMA=1; TUNE=1; TMA=1 ;;
    *) echo "gpu-check.sh: unknown argument '$a' (expected --quick, --tune, --wgmma, --tma, --full or --all)" >&2; exit 2 ;;
  esac
done
TMA_ONLY=""; [ "$TMA$QUICK$TUNE$WGMMA$FULL" = 10000 ] && TMA_ONLY=1  # --tma alone
[ "$QUICK$TUNE$WGMMA$FULL$TMA" = 00000 ] && FULL=1
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${FASTCONV_BUILD:-$ROOT/native/build-gpu}"
LOGS="$BUILD/gpu-check-logs"
mkdir -p "$LOGS"
export PATH="/usr/local/cuda/bin:$PATH"
declare -A RESULT
step() {  # step NAME TIMEOUT_S command...
  local name="$1" to="$2"; shift 2
  if [ -n "${GPU_CHECK_BUDGET_S:-}" ]; then  # the whole run within the budget: the step's timeout shortened to fit
    local left=$((GPU_CHECK_BUDGET_S - SECONDS - 30))  # (30 s kept for the summary and $OUT)
    if [ "$left" -lt 10 ]; then
      echo "=== [$name] skipped: GPU_CHECK_BUDGET_S=${GPU_CHECK_BUDGET_S} spent (${SECONDS}s)"
      RESULT[$name]="skipped (budget spent at ${SECONDS}s)"
      return 0
    fi
    [ "$left" -lt "$to" ] && to=$left
  fi
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
step build 300 cmake --build "$BUILD" -j"$(nproc)" --target fastconv gpu_check device_ceiling wgmma_probe tma_probe cluster_probe
step ceiling 60 "$BUILD/tests/cuda/device_ceiling"
bench_compare() {  # bench_compare LABEL CSV LOG [BASE]: heuristic rows (or BASE's) vs CSV's (LABEL = tune: what the
                  # tuner picked, from LOG)
  local base=${4:-$LOGS/fastconv_bench.csv} name=${4:+$(basename "${4:-}" .csv)}
  python3 - "$base" "$2" "$3" "$1" "$name" <<'PY' | tee "$LOGS/$1_compare.txt"
import csv, os, re, sys
label, base = sys.argv[4], sys.argv[5] or 'heuristic'
key = lambda r: (r['shape'], r['layout'], r['dtype'], r['precision'])
h = {key(r): r for r in csv.DictReader(open(sys.argv[1]))}
t = {key(r): r for r in csv.DictReader(open(sys.argv[2]))}
picks = {}
for line in (open(sys.argv[3], errors='replace') if os.path.exists(sys.argv[3]) else []):
    m = re.match(r'fastconv autotune \[(.*)\]: picked (.*)', line.strip())
    if m: picks.setdefault(m.group(1), []).append(m.group(2))
n = 0; gains = []
for k, r in h.items():
    if k not in t: continue
    a, b = float(r['median_us']), float(t[k]['median_us'])
    gains.append(a / b)
    print('%s-compare %-26s %s %s %-6s %s %9.1f us  %s %9.1f us  speedup %5.2fx  (%s -> %s)' % (
        label, k[0], k[1], k[2], k[3], base, a, label, b, a / b, r['algorithm'], t[k]['algorithm']))
if gains:
    gains.sort()
    print('%s-compare: %d shapes, speedup median %.2fx, min %.2fx, max %.2fx; %d problems tuned' % (
        label, len(gains), gains[len(gains) // 2], gains[0], gains[-1], len(picks)))
PY
}
STEPS="configure build ceiling"
run() {  # run NAME ...: step unless a mode before already ran NAME (shared steps run once) or $SKIP names it
  [ -n "${RESULT[$1]:-}" ] && return 0
  case " ${SKIP:-} " in *" $1 "*) echo "=== [$1] skipped (SKIP)"; return 0 ;; esac
  STEPS="$STEPS $1"; step "$@"
}
timed_out() { case "${RESULT[$1]:-}" in "rc=124 "*|"rc=137 "*) return 0 ;; *) return 1 ;; esac; }
GC="$BUILD/tests/cuda/gpu_check"
# 1. correctness of the heuristic's kernels vs the CPU backend (the whole set, or --quick's subset)
[ "$FULL" = 1 ] && run correctness 150 "$GC" --correctness
[ "$QUICK" = 1 ] && run correctness 100 "$GC" --correctness --quick
# 2. the sm_90a wgmma kernels, forced, vs the CPU backend (a hung kernel -- a missed mbarrier phase -- ends
#    at the timeout; its benchmark is then skipped)
if [ "$FULL$WGMMA$TMA" != 000 ]; then
  # TMA (cp.async.bulk.tensor) in wgmma_tma_conv_kernel's encodings (tma_im2col.cuh) and more, byte by byte
  # against the tiles the wgmma kernels read
  run tma_probe 60 "$BUILD/tests/cuda/tma_probe"
fi
# the cluster intrinsics the TMA kernel's cluster forms call (cluster barrier, DSMEM stores, remote mbarrier
# arrivals, multicast TMA), in the emulation's own test patterns
[ "$TMA" = 1 ] && run cluster_probe 60 "$BUILD/tests/cuda/cluster_probe"
# wgmma alone (each form the kernels issue, f16 in 128-byte rows under the 128-byte swizzle included: the
# TMA64 tiles) and its throughput ceiling
[ "$FULL$WGMMA$TMA" != 000 ] && run wgmma_probe 60 "$BUILD/tests/cuda/wgmma_probe" "$LOGS"
[ "$FULL$WGMMA" != 00 ] && run correctness_wgmma 100 env FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma "$GC" --correctness --quick
[ "$TMA" = 1 ] && run correctness_wgmma_tma 60 env FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma FASTCONV_CUDA_VERBOSE=1 "$GC" \
  --correctness --quick
[ "$WGMMA" = 1 ] && run correctness_wgmma_ws 60 env FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_ws "$GC" --correctness --quick
[ "$WGMMA" = 1 ] && run correctness_wgmma_sk 60 env FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_sk "$GC" --correctness --quick
# 3. the note shape's direct kernels and the halo-vs-gather comparison
[ "$FULL$QUICK" != 00 ] && run note_compare 90 "$GC" --compare --compare-csv "$LOGS/note_compare.csv"
# 4. the benchmark with the heuristic's kernels (with the cuDNN peer in the full run)
if [ "$FULL" = 1 ]; then
  run bench 150 env FASTCONV_BUILD="$BUILD" OUT="$LOGS" bash "$ROOT/scripts/bench-gpu.sh"
elif [ "$WGMMA$TUNE$TMA" != 000 ]; then
  # --tma alone: only the batch-32 layers the TMA forms are for (FORM_SHAPES), as in every forced form's benchmark
  run bench 120 "$GC" --bench ${TMA_ONLY:+--only "$FORM_SHAPES"} --csv "$LOGS/fastconv_bench.csv"
fi
# 5. the same benchmark with the wgmma kernels forced, per shape against step 4
if [ "$WGMMA" = 1 ]; then
  run bench_wgmma 120 env FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma FASTCONV_CUDA_VERBOSE=1 "$GC" \
    --bench --csv "$LOGS/fastconv_bench_wgmma.csv"
  bench_compare wgmma "$LOGS/fastconv_bench_wgmma.csv" /dev/null
  # which plans the forcing reached (FASTCONV_CUDA_VERBOSE: one line per plan with its kernel)
  grep -h "^fastconv cuda plan" "$LOGS/bench_wgmma.log" | sed 's/^fastconv cuda plan \[[^]]*\]: //' | sort | uniq -c |
    sed 's/^/wgmma-compare plans: /' | tee -a "$LOGS/wgmma_compare.txt"
  # the warp-specialized kernel (wgmma_ws_conv_kernel: producer warpgroup + mbarriers) and wgmma_conv_kernel's
  # stream-K form (stream_k.cuh: a persistent grid on every resident slot, cut tiles finished by their last
  # block), the same way -- unless its correctness step timed out (a hung kernel)
  for k in wgmma_ws wgmma_sk; do
    if timed_out correctness_$k; then
      echo "=== [bench_$k] skipped: correctness_$k timed out (a hung kernel)"
      continue
    fi
    run bench_$k 120 env FASTCONV_CUDA_IMPLICIT_KERNEL=$k FASTCONV_CUDA_VERBOSE=1 "$GC" --bench \
      --csv "$LOGS/fastconv_bench_$k.csv"
    bench_compare $k "$LOGS/fastconv_bench_$k.csv" /dev/null
  done
fi
# 5b. the TMA kernel forced (where TMA takes the problem), per shape against step 4, unless it hung
if [ "$TMA" = 1 ]; then
  if timed_out correctness_wgmma_tma; then
    echo "=== [bench_wgmma_tma] skipped: correctness_wgmma_tma timed out (a hung kernel)"
  else
    run bench_wgmma_tma 120 env FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma FASTCONV_CUDA_VERBOSE=1 "$GC" --bench \
      ${TMA_ONLY:+--only "$FORM_SHAPES"} --csv "$LOGS/fastconv_bench_wgmma_tma.csv"
    bench_compare wgmma_tma "$LOGS/fastconv_bench_wgmma_tma.csv" /dev/null
    # the same with BK 32 everywhere (FASTCONV_CUDA_TMA_BK=32: no TMA64 form), for the BK 64 vs 32 comparison
    run bench_wgmma_tma32 120 env FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma FASTCONV_CUDA_TMA_BK=32 "$GC" --bench \
      --csv "$LOGS/fastconv_bench_wgmma_tma32.csv"
    bench_compare wgmma_tma32 "$LOGS/fastconv_bench_wgmma_tma32.csv" /dev/null
    # a form of the TMA kernel chosen by environment variables (tma_form LABEL VAR=VALUE...): correctness
    # (correctness_LABEL), then -- unless that hung -- the benchmark against the heuristic's ("LABEL-compare") on
    # the batch-32 layers the forms are for (--only: no batch-1 rows, no [gather] rows, no note comparison)
    tma_form() {
      local label=$1; shift
      run correctness_$label 60 env FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma "$@" "$GC" --correctness --quick
      if ! timed_out correctness_$label; then
        run bench_$label 120 env FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma "$@" "$GC" --bench --only "$FORM_SHAPES" \
          --csv "$LOGS/fastconv_bench_$label.csv"
        bench_compare $label "$LOGS/fastconv_bench_$label.csv" /dev/null
      fi
    }
    # the TMA64 form's persistent variant (one block per SM walking the tiles): "wgmma_tmap-compare"
    tma_form wgmma_tmap FASTCONV_CUDA_TMA_PERSISTENT=1
    # the 192-row TMA64 form (three consumer warpgroups), which the heuristic's runs above take by tma_m192_better:
    # forced wherever the TMA64 form of a 128 x 128 TMA tile runs (correctness), and the heuristic's benchmark with
    # it off ("m192off-compare": heuristic with the rule vs without; speedup < 1 = the rule gains)
    run correctness_wgmma_tma192 60 env FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma FASTCONV_CUDA_TMA_M192=1 "$GC" \
      --correctness --quick
    run bench_m192off 120 env FASTCONV_CUDA_TMA_M192=0 "$GC" --bench --csv "$LOGS/fastconv_bench_m192off.csv"
    bench_compare m192off "$LOGS/fastconv_bench_m192off.csv" /dev/null
    # the halo form (wgmma_halo_tma_kernel: stride 1, C % 64 == 0, no split-K; one halo per 8 x 8 output pixels
    # and 64 channels read in place for every tap): "wgmma_tmah-compare"
    tma_form wgmma_tmah FASTCONV_CUDA_TMA_HALO=1
    # its WIDE form (one 64-channel box of 128-byte rows per unit under the 128-byte swizzle, each tap a swizzled
    # operand started inside an atom with the ISA's base offset -- wgmma_probe's f16_sw128_*_shift cases; the model:
    # 61 MB of L2 -> SM bytes at 64@56, a floor of 83 % of the dense peak; at 28^2 its 256-row blocks, tma_halo_mu:
    # L2 floor 86 %, 77 % with the edge units' waste, against the pick's 53 %): "wgmma_tmahw-compare"
    tma_form wgmma_tmahw FASTCONV_CUDA_TMA_HALO=wide
    # ... with 128-row blocks wherever they take the problem (FASTCONV_CUDA_TMA_HALO_MU=2: B read twice as often,
    # but at C = 64 -- one halo buffer -- two blocks fit per SM): "wgmma_tmahw2-compare"
    tma_form wgmma_tmahw2 FASTCONV_CUDA_TMA_HALO=wide FASTCONV_CUDA_TMA_HALO_MU=2
    # the B-resident ping-pong form (wgmma_tma_bres_kernel: K <= 64, Kgemm <= 576, whole K; the weights loaded
    # once per block, two consumer warpgroups on alternate tiles): "wgmma_tmab-compare"
    tma_form wgmma_tmab FASTCONV_CUDA_TMA_BRES=1
    # its WIDE-halo variant (the weights resident, A from two WIDE halos per 128-row tile: 40 MB from L2 at 64@56,
    # 126 % of the dense peak -- L2 no longer the bound): "wgmma_tmabh-compare"
    tma_form wgmma_tmabh FASTCONV_CUDA_TMA_BRES=1 FASTCONV_CUDA_TMA_HALO=wide
    # the cluster form (split problems only: the splits of a tile as one thread block cluster, the partial tiles
    # added in rank 0's shared memory through DSMEM -- no global partials, no splitk_reduce launch): correctness
    # (every split problem of the quick set whose config has the form) + "wgmma_tmacl-compare" (256@14 and 512@7
    # batch 32 are the split picks)
    tma_form wgmma_tmacl FASTCONV_CUDA_TMA_CLUSTER=1 FASTCONV_CUDA_VERBOSE=1
    # the B-multicast form (2-block clusters along M: each block loads half of the pair's shared B slice and
    # multicasts it; the model in the profile group: ~20 % fewer L2 -> SM bytes): "wgmma_tmamc-compare"
    tma_form wgmma_tmamc FASTCONV_CUDA_TMA_MULTICAST=1 FASTCONV_CUDA_VERBOSE=1
    # the A-multicast form (2-block clusters along N sharing A: 256@14 and 512@7, 2 and 4 n tiles; the model:
    # ~30 % fewer L2 -> SM bytes there): "wgmma_tmama-compare"
    tma_form wgmma_tmama FASTCONV_CUDA_TMA_MULTICAST=A FASTCONV_CUDA_VERBOSE=1
    # both at once (the split A-multicast form: the splits of a pair of n tiles as one 1 x 2 x splits cluster, the
    # pair sharing A, the splits added in split 0's rings -- 256@14 and 512@7: clusters of 4 and 6):
    # "wgmma_tmacla-compare" (each cluster form with FASTCONV_CUDA_VERBOSE=1: its log says which form ran and how
    # many of its clusters the device holds at once -- "clusters resident" in summary.txt)
    tma_form wgmma_tmacla FASTCONV_CUDA_TMA_CLUSTER=1 FASTCONV_CUDA_TMA_MULTICAST=A FASTCONV_CUDA_VERBOSE=1
    # TF32 with NCHW tensors on the forced TMA kernel: rounded to tf32 in the NCHW -> NHWC transform (the default:
    # TmaRounded, no rounding warpgroup) against the kernel's own rounding warpgroup (FASTCONV_CUDA_TF32_ROUND_IN_
    # TRANSFORM=0): "wgmma_tmanr-compare", the forced run above as the base (speedup < 1 on the TF32 NCHW rows: the
    # transform's rounding wins; the other rows run the same kernels twice)
    if [ -f "$LOGS/fastconv_bench_wgmma_tma.csv" ]; then
      run bench_wgmma_tmanr 120 env FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma FASTCONV_CUDA_TF32_ROUND_IN_TRANSFORM=0 \
        "$GC" --bench --only "$FORM_SHAPES" --csv "$LOGS/fastconv_bench_wgmma_tmanr.csv"
      bench_compare wgmma_tmanr "$LOGS/fastconv_bench_wgmma_tmanr.csv" /dev/null "$LOGS/fastconv_bench_wgmma_tma.csv"
    fi
    for l in correctness_wgmma_tma bench_wgmma_tma; do
      grep -h "^fastconv cuda plan" "$LOGS/$l.log" 2>/dev/null | sed 's/^fastconv cuda plan \[[^]]*\]: //' | sort | uniq -c |
        sed "s/^/wgmma_tma-compare plans ($l): /" | tee -a "$LOGS/wgmma_tma_compare.txt"
    done
  fi
fi
# 6. the autotuner: its picks' correctness, and the benchmark autotuned against step 4
if [ "$TUNE" = 1 ]; then
  run correctness_tuned 150 env FASTCONV_AUTOTUNE=1 "$GC" --correctness --quick
  run bench_tuned 200 env FASTCONV_AUTOTUNE=1 FASTCONV_AUTOTUNE_VERBOSE=1 "$GC" --bench \
    --csv "$LOGS/fastconv_bench_tuned.csv"
  bench_compare tune "$LOGS/fastconv_bench_tuned.csv" "$LOGS/bench_tuned.log"
fi
# 7. ptxas + PTX + (cuobjdump there) SASS checks
[ "$FULL$WGMMA$TMA" != 000 ] && run check_kernels 120 env CHECK_ARCHS=90 bash "$ROOT/scripts/check-kernels.sh" "$BUILD"
# 8. Nsight Compute, if ncu exists (informational; clocks left alone as METHOD.md asks). Full run: where
#    the time goes in the note shape's direct_tile_kernel with its FFMA step (f32 FP32) and its
#    tensor-core step (NHWC f32 TF32, the best measured variant: 61 % of DRAM, called latency-bound by
#    reasoning only), and the kernels the heuristic picks for three ResNet-50 3x3 batch-32 layers (NHWC
#    f16): tc_halo_kernel at 64@56, wgmma_conv_kernel split along K at 256@14 and 512@7 (on sm_90a the
#    table's picks there), and the TF32 stream-K pick at 512@7 (wgmma_sk_conv_kernel, NHWC f32). --wgmma:
#    the forced wgmma kernels -- the halo variant at 64@56, wgmma_conv_kernel at 256@14 and 512@7,
#    wgmma_ws_conv_kernel at 128@28, the split-K reduction after wgmma_conv_kernel's two
#    splits at 256@14, and the stream-K form at 256@14 and 512@7 (the layers whose whole tiles filled the
#    SMs unevenly).
JOBS=()
[ "$FULL" = 1 ] && JOBS+=("- direct_tile 1,3,16,1024,1024,3,1,1,0,0,0" "- direct_tile 1,3,16,1024,1024,3,1,1,1,0,1"
  "- tc_halo 32,64,64,56,56,3,1,1,1,1,2" "- wgmma_conv 32,256,256,14,14,3,1,1,1,1,2" "- wgmma_conv 32,512,512,7,7,3,1,1,1,1,2"
  "- wgmma_sk_conv 32,512,512,7,7,3,1,1,1,0,1")
[ "$WGMMA" = 1 ] && JOBS+=("wgmma tc_halo 32,64,64,56,56,3,1,1,1,1,2" "wgmma wgmma_conv 32,256,256,14,14,3,1,1,1,1,2"
  "wgmma wgmma_conv 32,512,512,7,7,3,1,1,1,1,2" "wgmma_ws wgmma_ws_conv 32,128,128,28,28,3,1,1,1,1,2"
  "wgmma splitk_reduce 32,256,256,14,14,3,1,1,1,1,2" "wgmma_sk wgmma_sk_conv 32,256,256,14,14,3,1,1,1,1,2"
  "wgmma_sk wgmma_sk_conv 32,512,512,7,7,3,1,1,1,1,2")
[ "$TMA" = 1 ] && JOBS+=("wgmma_tma wgmma_tma_conv 32,128,128,28,28,3,1,1,1,1,2"
  "wgmma_tma wgmma_tma_conv 32,256,256,14,14,3,1,1,1,1,2" "wgmma_tma+halo wgmma_halo_tma 32,64,64,56,56,3,1,1,1,1,2"
  "wgmma_tma+halo wgmma_halo_tma 32,128,128,28,28,3,1,1,1,1,2" "wgmma_tma+wide wgmma_halo_tma 32,64,64,56,56,3,1,1,1,1,2")
ncu_jobs() {
  for job in "${JOBS[@]}"; do
    set -- $job
    local k=${1%+halo}; k=${k%+wide}
    local force=""; [ "$1" != - ] && force="FASTCONV_CUDA_IMPLICIT_KERNEL=$k"
    [ "${1%+halo}" != "$1" ] && force="$force FASTCONV_CUDA_TMA_HALO=1"  # (kernel+halo: the TMA kernel's halo form)
    [ "${1%+wide}" != "$1" ] && force="$force FASTCONV_CUDA_TMA_HALO=wide"  # (kernel+wide: its WIDE form)
    echo "--- ncu $2 --one $3 ${force:-(heuristic pick)}"
    env $force ncu --clock-control none --section SpeedOfLight --section Occupancy --section LaunchStats \
      --section MemoryWorkloadAnalysis --section ComputeWorkloadAnalysis --section SchedulerStats \
      --section WarpStateStats -k "regex:$2" -c 1 "$GC" --one "$3"
  done
}
if [ "${#JOBS[@]}" -gt 0 ] && command -v ncu >/dev/null 2>&1 && ! case " ${SKIP:-} " in *" ncu "*) true ;; *) false ;; esac; then
  export -f ncu_jobs; export GC
  step ncu 300 bash -c "JOBS=($(printf '"%s" ' "${JOBS[@]}")); ncu_jobs"
fi
# 9. --wgmma: compute-sanitizer (informational) on the forced wgmma kernels at one small problem (128 -> 128
#    channels, 16 x 16, f16 NHWC: 36 k-slices, so the warp-specialized kernel's 8-stage mbarrier ring
#    wraps four times): racecheck (shared-memory hazards: a stage overwritten while read), synccheck and
#    memcheck on wgmma_ws_conv_kernel, racecheck on wgmma_conv_kernel, memcheck on its stream-K form (18
#    blocks on 72 iterations: cut tiles, slots and tickets). A hazard report or error exits 3.
if [ "$WGMMA" = 1 ] && command -v compute-sanitizer >/dev/null 2>&1 && ! case " ${SKIP:-} " in *" sanitizer "*) true ;; *) false ;; esac; then
  step sanitizer 180 bash -c 'for job in "wgmma_ws racecheck" "wgmma_ws synccheck" "wgmma_ws memcheck" "wgmma racecheck" "wgmma_sk memcheck"; do
      set -- $job; echo "--- compute-sanitizer --tool $2, FASTCONV_CUDA_IMPLICIT_KERNEL=$1"
      FASTCONV_CUDA_IMPLICIT_KERNEL=$1 timeout 35 compute-sanitizer --tool $2 --error-exitcode 3 --print-limit 20 \
        "$0" --one 1,128,128,16,16,3,1,1,1,1,2; echo "--- rc=$? ($1 $2)"; done' "$GC"
fi
# 9b. --tma: compute-sanitizer on wgmma_tma_conv_kernel (the same small problem: 18 TMA64 k-slices per split
#     through its ring): racecheck (a stage refilled while a wgmma reads it; 90 s: the TMA64 ring is 192 KB),
#     synccheck, memcheck; memcheck and synccheck on its persistent form; racecheck / synccheck / memcheck on its
#     halo form (FASTCONV_CUDA_TMA_HALO=1: 2 slices x 9 taps through the B ring, both halo buffers); synccheck and
#     memcheck on the halo form's WIDE form (=wide). Hazard / error: exit 3.
if [ "$TMA" = 1 ] && command -v compute-sanitizer >/dev/null 2>&1 && ! case " ${SKIP:-} " in *" sanitizer "*|*" sanitizer_tma "*) true ;; *) false ;; esac; then
  step sanitizer_tma 370 bash -c 'for job in "0 0 racecheck 90" "0 0 memcheck 35" "1 0 memcheck 35" "0 1 racecheck 90" \
      "0 1 synccheck 35" "0 1 memcheck 35" "0 wide synccheck 35" "0 wide memcheck 35"; do
      set -- $job; echo "--- compute-sanitizer --tool $3, FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma FASTCONV_CUDA_TMA_PERSISTENT=$1 FASTCONV_CUDA_TMA_HALO=$2"
      FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma FASTCONV_CUDA_TMA_PERSISTENT=$1 FASTCONV_CUDA_TMA_HALO=$2 FASTCONV_CUDA_VERBOSE=1 \
        timeout $4 compute-sanitizer --tool $3 --error-exitcode 3 --print-limit 20 "$0" --one 1,128,128,16,16,3,1,1,1,1,2
      echo "--- rc=$? (wgmma_tma persistent=$1 halo=$2 $3)"; done' "$GC"
fi
# 9c. --tma: memcheck and synccheck on the 192-row form (forced: 1,128,128,16,16 = two 192-row tiles, the second
#     mostly past M; 18 slices through its 5-stage ring); SKIP=sanitizer_tma192 skips it.
if [ "$TMA" = 1 ] && command -v compute-sanitizer >/dev/null 2>&1; then
  run sanitizer_tma192 100 bash -c 'for tool in memcheck synccheck; do
      echo "--- compute-sanitizer --tool $tool, FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma FASTCONV_CUDA_TMA_M192=1"
      FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma FASTCONV_CUDA_TMA_M192=1 FASTCONV_CUDA_VERBOSE=1 timeout 45 \
        compute-sanitizer --tool $tool --error-exitcode 3 --print-limit 20 "$0" --one 1,128,128,16,16,3,1,1,1,1,2
      echo "--- rc=$? (wgmma_tma m192 $tool)"; done' "$GC"
fi
# 9d. --tma: racecheck, synccheck and memcheck on the B-resident ping-pong form (1,64,64,32,32: 8 units of 128
#     rows on 2 blocks (FASTCONV_CUDA_TMA_BRES_BLOCKS=2), each consumer warpgroup two units; 9 slices through the
#     6-stage ring), and racecheck and memcheck on its WIDE-halo variant (FASTCONV_CUDA_TMA_HALO=wide: 8 tiles of two
#     units on 2 blocks, both stages wrapping); SKIP=sanitizer_tma_bres skips it.
if [ "$TMA" = 1 ] && command -v compute-sanitizer >/dev/null 2>&1; then
  run sanitizer_tma_bres 250 bash -c 'for job in "racecheck 60 0" "synccheck 35 0" "memcheck 35 0" "racecheck 40 wide" \
      "memcheck 35 wide"; do
      set -- $job; echo "--- compute-sanitizer --tool $1, FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma FASTCONV_CUDA_TMA_BRES=1 FASTCONV_CUDA_TMA_HALO=$3"
      FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma FASTCONV_CUDA_TMA_BRES=1 FASTCONV_CUDA_TMA_HALO=$3 FASTCONV_CUDA_TMA_BRES_BLOCKS=2 \
        FASTCONV_CUDA_VERBOSE=1 timeout $2 \
        compute-sanitizer --tool $1 --error-exitcode 3 --print-limit 20 "$0" --one 1,64,64,32,32,3,1,1,1,1,2
      echo "--- rc=$? (wgmma_tma bres halo=$3 $1)"; done' "$GC"
fi
# 9e. --tma: racecheck, synccheck and memcheck on the TF32 form (f32 NHWC, TF32 precision, forced: the rounding
#     warpgroup rewrites each landed stage in place between the TMA loads and the wgmma reads; 1,128,128,16,16
#     = 36 BK-32 slices through its 6-stage ring); SKIP=sanitizer_tma_tf32 skips it.
if [ "$TMA" = 1 ] && command -v compute-sanitizer >/dev/null 2>&1; then
  run sanitizer_tma_tf32 150 bash -c 'for job in "racecheck 60" "synccheck 35" "memcheck 35"; do
      set -- $job; echo "--- compute-sanitizer --tool $1, FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma (f32 NHWC, TF32)"
      FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma FASTCONV_CUDA_VERBOSE=1 timeout $2 \
        compute-sanitizer --tool $1 --error-exitcode 3 --print-limit 20 "$0" --one 1,128,128,16,16,3,1,1,1,0,1
      echo "--- rc=$? (wgmma_tma tf32 $1)"; done' "$GC"
fi
# 9f. --tma: racecheck, synccheck and memcheck on the cluster-split form (1,128,256,16,16, split: one cluster per
#     tile, ranks > 0 storing their partials into rank 0's ring between the two cluster barriers), synccheck and
#     memcheck on the B- and A-multicast forms (the same problem: 2-block clusters along M / along its two n
#     tiles) and on the split A-multicast form (CLUSTER=1+MULTICAST=A: both n tiles' splits as one cluster);
#     SKIP=sanitizer_tma_cl skips it.
if [ "$TMA" = 1 ] && command -v compute-sanitizer >/dev/null 2>&1; then
  run sanitizer_tma_cl 350 bash -c 'for job in "CLUSTER=1 racecheck 60" "CLUSTER=1 synccheck 35" "CLUSTER=1 memcheck 35" \
      "MULTICAST=1 synccheck 35" "MULTICAST=1 memcheck 35" "MULTICAST=A synccheck 35" "MULTICAST=A memcheck 35" \
      "CLUSTER=1+MULTICAST=A synccheck 35" "CLUSTER=1+MULTICAST=A memcheck 35"; do
      set -- $job; vars=$(printf " FASTCONV_CUDA_TMA_%s" ${1//+/ })
      echo "--- compute-sanitizer --tool $2, FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma$vars"
      env FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma $vars FASTCONV_CUDA_VERBOSE=1 timeout $3 \
        compute-sanitizer --tool $2 --error-exitcode 3 --print-limit 20 "$0" --one 1,128,256,16,16,3,1,1,1,1,2
      echo "--- rc=$? (wgmma_tma $1 $2)"; done' "$GC"
fi
echo "=== summary"
for s in $STEPS; do
  echo "  $s: ${RESULT[$s]:-not run}"
done | tee "$LOGS/summary.txt"
grep -h "^ceiling" "$LOGS/ceiling.log" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^wgmma-probe\|^wgmma_probe\|^ceiling wgmma" "$LOGS/wgmma_probe.log" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^tma-probe\|^tma_probe\|^    " "$LOGS/tma_probe.log" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^cluster_probe\|^  " "$LOGS/cluster_probe.log" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^note-compare\|^halo-compare" "$LOGS/note_compare.log" 2>/dev/null | tee -a "$LOGS/summary.txt"
[ -n "${RESULT[ncu]:-}" ] && echo "  ncu (informational, not a failure): ${RESULT[ncu]}" | tee -a "$LOGS/summary.txt"
[ -n "${RESULT[sanitizer]:-}" ] && grep -h "^--- rc=" "$LOGS/sanitizer.log" | sed 's/^--- /  sanitizer (informational): /' |
  tee -a "$LOGS/summary.txt"
[ -n "${RESULT[sanitizer_tma]:-}" ] && grep -h "^--- rc=" "$LOGS/sanitizer_tma.log" | sed 's/^--- /  sanitizer (TMA): /' |
  tee -a "$LOGS/summary.txt"
[ -n "${RESULT[sanitizer_tma192]:-}" ] && grep -h "^--- rc=" "$LOGS/sanitizer_tma192.log" | sed 's/^--- /  sanitizer (TMA 192): /' |
  tee -a "$LOGS/summary.txt"
[ -n "${RESULT[sanitizer_tma_tf32]:-}" ] && grep -h "^--- rc=" "$LOGS/sanitizer_tma_tf32.log" | sed 's/^--- /  sanitizer (TMA TF32): /' |
  tee -a "$LOGS/summary.txt"
[ -n "${RESULT[sanitizer_tma_bres]:-}" ] && grep -h "^--- rc=" "$LOGS/sanitizer_tma_bres.log" | sed 's/^--- /  sanitizer (TMA B-resident): /' |
  tee -a "$LOGS/summary.txt"
[ -n "${RESULT[sanitizer_tma_cl]:-}" ] && grep -h "^--- rc=" "$LOGS/sanitizer_tma_cl.log" | sed 's/^--- /  sanitizer (TMA cluster): /' |
  tee -a "$LOGS/summary.txt"
grep -h "^tune-compare:" "$LOGS/tune_compare.txt" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^wgmma-compare:\|^wgmma-compare plans" "$LOGS/wgmma_compare.txt" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^wgmma_ws-compare:" "$LOGS/wgmma_ws_compare.txt" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^wgmma_sk-compare:" "$LOGS/wgmma_sk_compare.txt" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^wgmma_tma-compare:\|^wgmma_tma-compare plans" "$LOGS/wgmma_tma_compare.txt" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^wgmma_tma32-compare:" "$LOGS/wgmma_tma32_compare.txt" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^wgmma_tmap-compare:" "$LOGS/wgmma_tmap_compare.txt" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^wgmma_tmah-compare:" "$LOGS/wgmma_tmah_compare.txt" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^wgmma_tmahw-compare:" "$LOGS/wgmma_tmahw_compare.txt" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^wgmma_tmahw2-compare:" "$LOGS/wgmma_tmahw2_compare.txt" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^wgmma_tmab-compare:" "$LOGS/wgmma_tmab_compare.txt" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^wgmma_tmabh-compare:" "$LOGS/wgmma_tmabh_compare.txt" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^wgmma_tmacl-compare" "$LOGS/wgmma_tmacl_compare.txt" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^wgmma_tmamc-compare" "$LOGS/wgmma_tmamc_compare.txt" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^wgmma_tmama-compare" "$LOGS/wgmma_tmama_compare.txt" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^wgmma_tmacla-compare" "$LOGS/wgmma_tmacla_compare.txt" 2>/dev/null | tee -a "$LOGS/summary.txt"
grep -h "^wgmma_tmanr-compare" "$LOGS/wgmma_tmanr_compare.txt" 2>/dev/null | grep -i "f32 \+tf32\|compare:" |
  tee -a "$LOGS/summary.txt"
grep -h "clusters resident" "$LOGS"/bench_wgmma_tmac*.log "$LOGS"/bench_wgmma_tmam*.log 2>/dev/null | sort | uniq -c |
  sed 's/^/  clusters resident: /' | tee -a "$LOGS/summary.txt"
grep -h "^m192off-compare:" "$LOGS/m192off_compare.txt" 2>/dev/null | tee -a "$LOGS/summary.txt"
# $OUT: the key files plus every log in one archive (a device run returns at most 8 files).
if [ -n "${OUT:-}" ]; then
  mkdir -p "$OUT"
  # (summary + the comparisons + ncu; every other log is in the archive; 8 files come back at most)
  for f in summary.txt wgmma_compare.txt wgmma_ws_compare.txt wgmma_sk_compare.txt wgmma_tma_compare.txt tune_compare.txt ncu.log; do
    [ -f "$LOGS/$f" ] && cp "$LOGS/$f" "$OUT/"
  done
  tar czf "$OUT/gpu-check-logs.tgz" -C "$LOGS" . 2>/dev/null
fi
grep -v informational "$LOGS/summary.txt" | grep -q "rc=[1-9]" && exit 1 || exit 0
