#!/usr/bin/env bash
# scripts/bench-cpu.sh — fastconv's CPU backend vs PyTorch F.conv2d vs the note's unfold+einsum.
#
#   scripts/bench-cpu.sh [--shapes 1,2,..] [--reps N] [--algo auto|direct|implicit_gemm|unfold_gemm[,..]]
#                        [--threads N]   (default all cores; with N, %pk is against N x the one-core peak)
#
# 1. Builds libfastconv.so (Release, no CUDA) into target/bench-cpu/ and the peak probe
#    scripts/bench_cpu_peak.c; measures this machine's fp32 FMA peak (AVX-512 and AVX2, all
#    cores) and memcpy bandwidth, so the limits in the table are measured, not assumed.
# 2. Runs scripts/bench_cpu_torch.py with Debian's /usr/bin/python3 (python3-torch): in one
#    process, alternating per repetition, fastconv (ctypes, plan created once, forward into a
#    preallocated output), F.conv2d and F.unfold+einsum; then again in a subprocess with
#    MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_=4e9 (PyTorch with memory reuse). Each
#    fastconv result is checked against F.conv2d (allclose) first; a wrong result fails the run.
# Environment: PYTHON (default /usr/bin/python3), FASTCONV_BENCH_LIB (use this libfastconv.so).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
py="${PYTHON:-/usr/bin/python3}"
lib="${FASTCONV_BENCH_LIB:-}"
if [ -z "$lib" ]; then
    b="$root/target/bench-cpu"
    cmake -S "$root/native" -B "$b" -DFASTCONV_CUDA=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$b" -j"$(nproc)" --target fastconv >/dev/null
    lib="$b/libfastconv.so"
fi
probe="$root/target/bench-cpu/bench_cpu_peak"
mkdir -p "$(dirname "$probe")"
cc -O2 -pthread "$here/bench_cpu_peak.c" -o "$probe"
peaks="$("$probe")"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "measured limits: $(echo "$peaks" | tr '\n' ' ')(FMA GFLOP/s all cores / _1 one core; copy GB/s read+written)"
peak=$(echo "$peaks" | awk '$1=="fma512"{p=$2} $1=="fma256"&&!p{p=$2} END{print p}')
peak1=$(echo "$peaks" | awk '$1=="fma512_1"{p=$2} $1=="fma256_1"&&!p{p=$2} END{print p}')
bw=$(echo "$peaks" | awk '$1=="copy"{print $2}')
exec "$py" "$here/bench_cpu_torch.py" "$lib" --peak "$peak" --peak1 "$peak1" --bw "$bw" "$@"
