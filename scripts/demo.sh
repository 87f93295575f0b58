#!/usr/bin/env bash
# The original note's experiment: builds fastconv if needed (scripts/fastconv's logic) and runs
# 'fastconv bench' -- x 1x3x1024x1024 uniform [0,1), w 16x3x3x3, bias 16, stride 1, padding 1,
# every algorithm x precision on the best device, against an fp64 reference.
# Extra arguments go to 'fastconv bench' (e.g. --repeat 20, --device cpu, --json, --shape ...).
set -euo pipefail
exec "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/fastconv" bench "$@"
