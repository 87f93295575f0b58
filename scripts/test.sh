#!/usr/bin/env bash
# scripts/test.sh — build everything and run every test fastconv has.
#
#   1. mvn verify: CMake builds libfastconv.so (CUDA kernels too when nvcc exists) into the jar,
#      ctest runs the native unit tests, the SIMT-emulation tests of the CUDA kernels and the
#      ptxas/PTX kernel checks, then JUnit runs the Java suite.
#   2. The native library and its ctest suite again under AddressSanitizer + UBSan (CPU backend).
#   3. The CLI cross-checked against PyTorch's torch.nn.functional.conv{1,2,3}d.
#   4. A consumer project on the installed artifact (module and class path), and a JMH smoke run.
#   Also (after 2): a short, reproducible libFuzzer run of the C API harnesses (scripts/fuzz.sh -c:
#   fixed seed and input counts, at most FASTCONV_FUZZ_SECONDS per harness).
# Prints a summary with the counts of each part, and exits non-zero if anything failed.
#
# Environment: FASTCONV_SKIP_SANITIZE=1 skips step 2; FASTCONV_ALLOW_NO_TORCH=1 lets step 3 skip
# (with a message) where PyTorch is not installed; FASTCONV_CUDA=OFF builds without CUDA.
# FASTCONV_ALLOW_NO_FUZZER=1 lets the fuzz run skip where clang with libFuzzer is missing;
# FASTCONV_FUZZ_SECONDS (default 60) caps its time per harness.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
fc_use_jdk
cd "$FASTCONV_ROOT"
jobs=$(fc_jobs)
logdir="$FASTCONV_ROOT/target/test-logs"
mkdir -p "$logdir"
declare -a summary=()
total_pass=0; total_fail=0; failed_steps=0

note() { printf '\n==== %s\n' "$*"; }
count_ctest() {  # $1 = log, $2 = label for the summary
    local line p t f
    line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$1" | tail -n1)
    if [ -n "$line" ]; then
        f=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
        t=$(sed -E 's/.* tests failed out of ([0-9]+).*/\1/' <<<"$line")
        p=$((t - f)); total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
        summary+=("$2: $p passed, $f failed")
    else
        summary+=("$2: no ctest summary found (see $1)")
    fi
}

# ---- 1. Maven: native build + ctest + JUnit ---------------------------------------------------
note "mvn verify (JDK: $JAVA_HOME)"
mvn_args=(-B -ntp verify "-Dfastconv.jobs=$jobs")
[ -n "${FASTCONV_CUDA:-}" ] && mvn_args+=("-Dfastconv.cuda=$FASTCONV_CUDA")
mvn "${mvn_args[@]}" 2>&1 | tee "$logdir/mvn.log"
mvn_rc=${PIPESTATUS[0]}
count_ctest "$logdir/mvn.log" "ctest (unit, emulation, kernels)"
junit=$(grep -E '^\[(INFO|WARNING|ERROR)\] Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$' "$logdir/mvn.log" | tail -n1)
if [ -n "$junit" ]; then
    read -r r f e s < <(sed -E 's/.*Tests run: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+), Skipped: ([0-9]+)/\1 \2 \3 \4/' <<<"$junit")
    total_pass=$((total_pass + r - f - e - s)); total_fail=$((total_fail + f + e))
    summary+=("JUnit: $((r - f - e - s)) passed, $((f + e)) failed, $s skipped")
else
    summary+=("JUnit: no surefire summary (build failed before tests?)")
fi
if [ "$mvn_rc" -ne 0 ]; then failed_steps=$((failed_steps + 1)); summary+=("mvn verify: FAILED (exit $mvn_rc)"); fi
# What ran under the host SIMT emulation (each CUDA kernel variant x shapes x layouts).
emu_log="$FASTCONV_ROOT/target/native-build/Testing/Temporary/LastTest.log"
if [ -f "$emu_log" ]; then
    emu=$(grep -E '^\[[a-z0-9_]+\] [0-9]+ (variants x [0-9]+ shapes|AUTO candidate lists)' "$emu_log" | sort)
    if [ -n "$emu" ]; then
        runs=$(awk '{for (i = 1; i < NF; i++) if ($(i+1) == "kernel" && $(i+2) == "runs,") s += $i} END {print s + 0}' <<<"$emu")
        summary+=("CUDA kernels under SIMT emulation: $runs kernel runs")
        while IFS= read -r l; do summary+=("    $l"); done <<<"$emu"
    fi
    # Their shared-memory accesses through the bank model, summed over the groups per kind
    # (ideal = wavefronts without bank conflicts; what is required is in test_cuda_kernels.cpp).
    banks=$(grep -E '^\[[a-z0-9_]+\] bank model: ' "$emu_log" |
        sed -E 's/^\[[a-z0-9_]+\] bank model: +//; s/cp\.async store/cp.async-store/; s/[(),]//g' |
        awk '{ if (!($1 in I)) K[++n] = $1; I[$1] += $2; W[$1] += $4; D[$1] += $7; C[$1] += $8 }
             END { for (j = 1; j <= n; j++) if (I[K[j]]) printf "    %s: %d instr, %d wavefronts (ideal %d), %d conflicted\n", K[j], I[K[j]], W[K[j]], D[K[j]], C[K[j]] }')
    prof=$(grep -E '^\[profile\] ' "$emu_log" | grep -v 'bank model')
    if [ -n "$prof" ]; then
        summary+=("ResNet-50 3x3 batch-32 picks (static, from the emulation): shared-memory wavefronts per mma.sync (sm_80 table); L2->SM bytes by TMA and the floor they set, shared-memory bytes per tensor clock and the cap they set (sm_90 table, TMA forms):")
        while IFS= read -r l; do summary+=("    $l"); done <<<"$prof"
    fi
    if [ -n "$banks" ]; then
        summary+=("Shared-memory bank model, all emulated runs (test_cuda_kernels fails on any conflict in ldmatrix, 16-byte accesses and stage writes; the conflicted counts here are the element-wise gathers and fallbacks it reports per site in the log):")
        while IFS= read -r l; do summary+=("$l"); done <<<"$banks"
    fi
fi

# ---- 2. Sanitizers ----------------------------------------------------------------------------
if [ "${FASTCONV_SKIP_SANITIZE:-0}" != 1 ]; then
    note "native build + ctest under AddressSanitizer/UBSan"
    san="$FASTCONV_ROOT/target/native-asan"
    {
        cmake -S native -B "$san" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFASTCONV_CUDA=OFF -DFASTCONV_SANITIZE=ON &&
        cmake --build "$san" -j "$jobs" &&
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
            ctest --test-dir "$san" --output-on-failure -j "$jobs"
    } 2>&1 | tee "$logdir/asan.log"
    san_rc=${PIPESTATUS[0]}
    count_ctest "$logdir/asan.log" "ctest under ASan+UBSan"
    if [ "$san_rc" -ne 0 ]; then failed_steps=$((failed_steps + 1)); summary+=("sanitizer build/test: FAILED (exit $san_rc)"); fi
fi

# ---- short fuzz run of the C API (libFuzzer + ASan + UBSan; long runs: scripts/fuzz.sh) -----------
note "libFuzzer: fuzz_desc, fuzz_exec, check mode (seed 1, fixed input counts, <= ${FASTCONV_FUZZ_SECONDS:-60} s each)"
"$here/fuzz.sh" -c -t "${FASTCONV_FUZZ_SECONDS:-60}" 2>&1 | tee "$logdir/fuzz.log"
fz_rc=${PIPESTATUS[0]}
if [ "$fz_rc" -eq 3 ] && [ "${FASTCONV_ALLOW_NO_FUZZER:-0}" = 1 ]; then
    summary+=("fuzz: skipped (no clang with libFuzzer; FASTCONV_ALLOW_NO_FUZZER=1)")
else
    while IFS= read -r l; do
        summary+=("$l")
        case "$l" in *": OK") total_pass=$((total_pass + 1)) ;; *FAILED*) total_fail=$((total_fail + 1)) ;; esac
    done < <(grep -E '^fuzz [a-z]+: ' "$logdir/fuzz.log")
    if [ "$fz_rc" -ne 0 ]; then failed_steps=$((failed_steps + 1)); summary+=("fuzz: FAILED (exit $fz_rc)"); fi
fi

# ---- 3. PyTorch cross-check of the CLI --------------------------------------------------------
note "CLI vs torch.nn.functional.conv{1,2,3}d"
if [ "$mvn_rc" -eq 0 ]; then
    "$here/crosscheck-torch.sh" 2>&1 | tee "$logdir/crosscheck.log"
    cc_rc=${PIPESTATUS[0]}
    line=$(grep -E '^crosscheck: [0-9]+ passed, [0-9]+ failed' "$logdir/crosscheck.log" | tail -n1)
    if [ -n "$line" ]; then
        p=$(sed -E 's/crosscheck: ([0-9]+) passed.*/\1/' <<<"$line"); f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
        total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); summary+=("$line")
    else
        summary+=("crosscheck: $(tail -n1 "$logdir/crosscheck.log")")
    fi
    if [ "$cc_rc" -ne 0 ]; then failed_steps=$((failed_steps + 1)); summary+=("crosscheck: FAILED (exit $cc_rc)"); fi
else
    summary+=("crosscheck: not run (the build failed)")
fi

# ---- 4. Service use: the installed artifact from a consumer project; JMH smoke ---------------
# scripts/consumer/run.sh: mvn install, then a separate project (module path and class path) runs a
# conv with nothing but the dependency. scripts/jmh.sh --smoke: every benchmark for one short
# iteration (results printed, no timing asserted). FASTCONV_SKIP_JMH=1 skips the smoke run.
note "consumer project on the installed artifact; JMH smoke"
if [ "$mvn_rc" -eq 0 ]; then
    "$here/consumer/run.sh" 2>&1 | tee "$logdir/consumer.log"
    co_rc=${PIPESTATUS[0]}
    line=$(grep -E '^consumer: [0-9]+ passed, [0-9]+ failed' "$logdir/consumer.log" | tail -n1)
    if [ -n "$line" ]; then
        p=$(sed -E 's/consumer: ([0-9]+) passed.*/\1/' <<<"$line"); f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
        total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); summary+=("$line")
    else
        summary+=("consumer: no result (see $logdir/consumer.log)")
    fi
    if [ "$co_rc" -ne 0 ]; then failed_steps=$((failed_steps + 1)); summary+=("consumer: FAILED (exit $co_rc)"); fi
    if [ "${FASTCONV_SKIP_JMH:-0}" != 1 ]; then
        "$here/jmh.sh" --smoke 2>&1 | tee "$logdir/jmh-smoke.log"
        jmh_rc=${PIPESTATUS[0]}
        nb=$(grep -cE '^[A-Za-z]+Bench\.[A-Za-z0-9]+ ' "$logdir/jmh-smoke.log" || true)
        if [ "$jmh_rc" -eq 0 ]; then
            total_pass=$((total_pass + 1)); summary+=("JMH smoke: ran ($nb result lines; target/jmh/results.json)")
        else
            total_fail=$((total_fail + 1)); failed_steps=$((failed_steps + 1)); summary+=("JMH smoke: FAILED (exit $jmh_rc)")
        fi
    fi
else
    summary+=("consumer / JMH smoke: not run (the build failed)")
fi

# ---- summary ----------------------------------------------------------------------------------
note "summary (logs in $logdir)"
printf '  %s\n' "${summary[@]}"
echo "fastconv: $total_pass passed, $total_fail failed"
if [ "$failed_steps" -ne 0 ] || [ "$total_fail" -ne 0 ]; then exit 1; fi
exit 0
