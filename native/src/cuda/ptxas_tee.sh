#!/usr/bin/env bash
# ptxas_tee.sh OUTDIR compiler args... — CUDA compiler launcher (CMake
# CUDA_COMPILER_LAUNCHER): runs the compile and saves its stderr (the
# `-Xptxas -v` resource report) to OUTDIR/<object name>.txt, still printing it.
outdir="$1"; shift
mkdir -p "$outdir"
obj=compile
prev=""
for a in "$@"; do
  if [ "$prev" = "-o" ]; then obj=$(basename "$a"); fi
  prev="$a"
done
log="$outdir/$obj.txt"
"$@" 2> >(tee "$log" >&2)
rc=$?
wait
exit $rc
