#!/usr/bin/env bash
# Cross-checks the fastconv CLI against PyTorch (torch.nn.functional.conv{1,2,3}d in float64):
# runs scripts/crosscheck_torch.py with a Python that can import torch and numpy. Extra arguments
# go to the script (--cases N, --seed S, --jvm-per-case, --keep).
#
# Python: $FASTCONV_PYTHON if set (only that one), else /usr/bin/python3 (Debian's python3-torch lives there; the
# python3 first on PATH may be another interpreter without torch), else python3 on PATH.
# Without torch it prints SKIP and exits 1 -- or 0 if FASTCONV_ALLOW_NO_TORCH=1.
set -euo pipefail
here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"

candidates=()
if [ -n "${FASTCONV_PYTHON:-}" ]; then
    candidates+=("$FASTCONV_PYTHON")          # an explicit choice: only that one
else
    candidates+=(/usr/bin/python3)
    command -v python3 >/dev/null 2>&1 && candidates+=("$(command -v python3)")
fi

py=""
reasons=""
for c in "${candidates[@]}"; do
    if [ ! -x "$c" ]; then
        reasons+="  $c: not found"$'\n'
        continue
    fi
    if out=$("$c" -c 'import torch, numpy; print(torch.__version__, numpy.__version__)' 2>&1); then
        py="$c"
        echo "crosscheck: using $c (torch, numpy: $out)" >&2
        break
    fi
    reasons+="  $c: $(printf '%s' "$out" | tail -n1)"$'\n'
done

if [ -z "$py" ]; then
    echo "crosscheck: SKIP: no Python with torch and numpy importable:" >&2
    printf '%s' "$reasons" >&2
    echo "crosscheck: install python3-torch (Debian) or set FASTCONV_PYTHON to an interpreter that has torch." >&2
    if [ "${FASTCONV_ALLOW_NO_TORCH:-0}" = "1" ]; then
        echo "crosscheck: FASTCONV_ALLOW_NO_TORCH=1: not counting this as a failure" >&2
        exit 0
    fi
    exit 1
fi

exec "$py" "$here/crosscheck_torch.py" "$@"
