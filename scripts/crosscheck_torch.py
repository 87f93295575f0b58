#!/usr/bin/env python3
"""Cross-check the fastconv CLI against torch.nn.functional.conv{1,2,3}d.

Generates seeded random cases (conv1d/2d/3d; groups, dilation, stride, odd and non-square sizes,
'same'/'valid'/explicit padding, bias or not, float32 and float16 files, several precisions,
layouts and algorithms, one unbatched input), writes the .npy inputs to a temporary directory,
runs all of them through ONE JVM (the CLI's hidden 'batch' command; --jvm-per-case runs
'fastconv convNd' once per case instead), and compares every output with PyTorch computed in
float64 on the same (already rounded) inputs. A few invalid cases check that fastconv refuses
(exit 2) exactly what PyTorch refuses.

Prints one line per case and finally 'crosscheck: N passed, M failed'; exits 1 on any failure.

Tolerance (per element, a worst-case bound rather than a guess):
    |y - ref| <= 2 * ((delta_p + (n + 1) * u) * scale + out_round * |ref|) + atol
where ref = conv(x, w) + b in float64, scale = conv(|x|, |w|) + |b| in float64 (the sum of the
absolute values of the terms each output adds up), n = C/groups * prod(kernel) (terms per output),
u = 2^-24 (fp32 unit roundoff):
  * (n + 1) * u * scale bounds the error of accumulating n products in fp32 in ANY order (the
    classic gamma_n bound for recursive summation; blocked/pairwise sums do better);
  * delta_p is the relative error of one product from rounding its two inputs:
      fp32: 2^-24 (the product's own rounding), 3xtf32: 2^-20 (the big/small split drops the
      small*small term and rounds the pieces to tf32: ~3 * 2^-22), tf32 and fp16: 2^-10 (each
      input rounded to 10 mantissa bits, relative 2^-11, twice);
  * out_round = 2^-11 for float16 files (the output is rounded to fp16), else 0;
  * atol = 1e-6, plus 1e-5 for precision fp16 (inputs below 2^-14 become fp16 subnormals with
    absolute error up to 2^-25 rather than relative 2^-11);
  * the factor 2 is a safety margin on the bound, not a fudge for a real discrepancy.
Because the bound scales with sum|terms| it stays meaningful under cancellation (randn inputs),
where a plain rtol on |ref| would not.
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import torch
import torch.nn.functional as F

# PyTorch warns that padding='same' with even kernels may copy the input: expected, not a problem.
warnings.filterwarnings("ignore", message=".*padding='same'.*")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
U = 2.0 ** -24
DELTA = {"fp32": 2.0 ** -24, "3xtf32": 2.0 ** -20, "tf32": 2.0 ** -10, "fp16": 2.0 ** -10}
TORCH_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def out_size(i, k, s, p_total, d):
    return (i + p_total - d * (k - 1) - 1) // s + 1


def make_case(rng, idx):
    """A random valid case; idx cycles through features so every one is covered."""
    sd = (1, 2, 3)[idx % 3]
    while True:
        groups = rng.choice([1, 1, 2, 3]) if idx % 4 != 3 else rng.choice([2, 4])
        cpg = rng.randint(1, 3 if sd == 3 else 4)
        kpg = rng.randint(1, 3)
        c, k = groups * cpg, groups * kpg
        n = rng.choice([1, 1, 2, 3])
        maxs = {1: 33, 2: 15, 3: 7}[sd]
        size = [rng.randint(3, maxs) for _ in range(sd)]
        if sd >= 2 and idx % 2 == 0:       # make sure H != W (asymmetric) often
            size[-1] = size[-2] + rng.randint(1, 4)
        kernel = [rng.randint(1, 4 if sd < 3 else 3) for _ in range(sd)]
        dilation = [rng.choice([1, 1, 2, 3]) for _ in range(sd)]
        mode = ("explicit", "same", "valid", "explicit")[idx % 4]
        if mode == "same":
            stride = [1] * sd
            padding = "same"
            pads = [d * (kk - 1) for kk, d in zip(kernel, dilation)]
        elif mode == "valid":
            stride = [rng.choice([1, 2, 3]) for _ in range(sd)]
            padding = "valid"
            pads = [0] * sd
        else:
            stride = [rng.choice([1, 2, 3]) for _ in range(sd)]
            padding = [rng.randint(0, 2) for _ in range(sd)]
            pads = [2 * p for p in padding]
        outs = [out_size(i, kk, s, p, d) for i, kk, s, p, d in zip(size, kernel, stride, pads, dilation)]
        if min(outs) >= 1:
            break
    dtype = "f16" if idx % 6 == 5 else "f32"
    precision = "fp32"
    if dtype == "f32" and idx % 5 == 2:
        precision = ("tf32", "fp16", "3xtf32")[(idx // 5) % 3]
    return dict(
        sd=sd, n=n, c=c, k=k, groups=groups, size=size, kernel=kernel, stride=stride, padding=padding,
        dilation=dilation, bias=(idx % 3 != 1), dtype=dtype, precision=precision,
        layout="nhwc" if idx % 4 == 1 else "nchw",
        algorithm=("auto", "direct", "unfold-gemm", "implicit-gemm")[(idx // 2) % 4],
        unbatched=(idx == 7), expect_error=False)


def invalid_cases():
    """Cases PyTorch refuses: fastconv must exit 2."""
    base = dict(sd=2, n=1, c=4, k=4, groups=1, size=[6, 5], kernel=[3, 3], stride=[1, 1], padding=[0, 0],
                dilation=[1, 1], bias=True, dtype="f32", precision="fp32", layout="nchw", algorithm="auto",
                unbatched=False, expect_error=True)
    yield dict(base, padding="same", stride=[2, 1])            # 'same' with a stride
    yield dict(base, kernel=[7, 3])                             # kernel larger than the padded input
    yield dict(base, groups=3)                                  # groups does not divide C
    yield dict(base, sd=1, size=[5], kernel=[6], stride=[1], padding=[0], dilation=[1])


def describe(cs):
    def t(v):
        return v if isinstance(v, str) else "x".join(str(a) for a in v)
    shape_x = ([] if cs["unbatched"] else [cs["n"]]) + [cs["c"]] + cs["size"]
    return (f"conv{cs['sd']}d x{t(shape_x)} w{t([cs['k'], cs['c'] // max(1, cs['groups'])] + cs['kernel'])} "
            f"s{t(cs['stride'])} p{t(cs['padding'])} d{t(cs['dilation'])} g{cs['groups']} "
            f"{'bias' if cs['bias'] else 'nobias'} {cs['dtype']} {cs['precision']} {cs['layout']} {cs['algorithm']}")


def prepare(cs, gen, tmp, i):
    """Writes the inputs; returns (argv for the CLI, torch tensors)."""
    npdt = np.float32 if cs["dtype"] == "f32" else np.float16
    xshape = [cs["n"], cs["c"]] + cs["size"]
    wshape = [cs["k"], max(1, cs["c"] // cs["groups"])] + cs["kernel"]
    x = torch.randn(*xshape, generator=gen).numpy().astype(npdt)
    w = torch.randn(*wshape, generator=gen).numpy().astype(npdt)
    b = torch.randn(cs["k"], generator=gen).numpy().astype(npdt) if cs["bias"] else None
    if cs["unbatched"]:
        x = x[0]
    xp, wp, bp, yp = (os.path.join(tmp, f"case{i:02d}_{r}.npy") for r in "xwby")
    np.save(xp, np.ascontiguousarray(x))
    np.save(wp, np.ascontiguousarray(w))
    argv = [f"conv{cs['sd']}d", "--input", xp, "--weight", wp, "--output", yp]
    if b is not None:
        np.save(bp, b)
        argv += ["--bias", bp]
    pad = cs["padding"] if isinstance(cs["padding"], str) else ",".join(map(str, cs["padding"]))
    argv += ["--stride", ",".join(map(str, cs["stride"])), "--padding", pad,
             "--dilation", ",".join(map(str, cs["dilation"])), "--groups", str(cs["groups"]),
             "--precision", cs["precision"], "--layout", cs["layout"], "--algorithm", cs["algorithm"],
             "--device", "cpu" if os.environ.get("FASTCONV_CROSSCHECK_DEVICE") is None
             else os.environ["FASTCONV_CROSSCHECK_DEVICE"]]
    return argv, x, w, b, yp


def torch_ref(cs, x, w, b):
    """(ref, scale) in float64, or raises like PyTorch does."""
    conv = TORCH_CONV[cs["sd"]]
    pad = cs["padding"] if isinstance(cs["padding"], str) else tuple(cs["padding"])
    kw = dict(stride=tuple(cs["stride"]), padding=pad, dilation=tuple(cs["dilation"]), groups=cs["groups"])
    xt = torch.from_numpy(np.asarray(x, dtype=np.float64))
    wt = torch.from_numpy(np.asarray(w, dtype=np.float64))
    bt = None if b is None else torch.from_numpy(np.asarray(b, dtype=np.float64))
    ref = conv(xt, wt, bt, **kw)
    scale = conv(xt.abs(), wt.abs(), None if bt is None else bt.abs(), **kw)
    return ref.numpy(), scale.numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=30, help="random valid cases (default 30, at least 24)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--launcher", default=os.path.join(ROOT, "scripts", "fastconv"),
                    help="the fastconv launcher (default scripts/fastconv)")
    ap.add_argument("--jvm-per-case", action="store_true", help="one 'fastconv convNd' process per case")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    cases = [make_case(rng, i) for i in range(max(24, args.cases))] + list(invalid_cases())
    tmp = tempfile.mkdtemp(prefix="fastconv-crosscheck-")
    try:
        prepared = []
        for i, cs in enumerate(cases):
            prepared.append(prepare(cs, gen, tmp, i))

        # Run fastconv: exit code and first error line per case.
        results = {}
        if args.jvm_per_case:
            for i, (argv, *_rest) in enumerate(prepared):
                p = subprocess.run([args.launcher] + argv, capture_output=True, text=True)
                results[i] = (p.returncode, (p.stderr.strip().splitlines() or [""])[0])
        else:
            manifest = os.path.join(tmp, "manifest.txt")
            with open(manifest, "w") as f:
                for argv, *_rest in prepared:
                    assert not any("\t" in a or "\n" in a for a in argv)
                    f.write("\t".join(argv) + "\n")
            p = subprocess.run([args.launcher, "batch", "--manifest", manifest], capture_output=True, text=True)
            if p.returncode != 0:
                sys.stderr.write(p.stderr)
                print(f"crosscheck: the batch run failed with exit {p.returncode}")
                print(f"crosscheck: 0 passed, {len(cases)} failed")
                return 1
            for line in p.stdout.splitlines():
                parts = line.split("\t", 2)
                if len(parts) == 3 and parts[0].isdigit():
                    results[int(parts[0]) - 1] = (int(parts[1]), parts[2])

        passed = failed = 0
        for i, (cs, (argv, x, w, b, yp)) in enumerate(zip(cases, prepared)):
            name = f"case {i:02d} {describe(cs)}"
            rc, msg = results.get(i, (None, "no result"))
            try:
                ref, scale = torch_ref(cs, x, w, b)
                torch_error = None
            except RuntimeError as e:
                torch_error = str(e).splitlines()[0]
            if cs["expect_error"] or torch_error is not None:
                if torch_error is None:
                    ok, why = False, "PyTorch accepts this case but it was expected to fail"
                elif rc == 2:
                    ok, why = True, f"refused like PyTorch ({msg[:90]})"
                else:
                    ok, why = False, f"PyTorch refuses ({torch_error[:80]}) but fastconv exited {rc}: {msg}"
            elif rc != 0:
                ok, why = False, f"fastconv exited {rc}: {msg}"
            else:
                y = np.load(yp)
                expected_dtype = np.float32 if cs["dtype"] == "f32" else np.float16
                n_terms = (cs["c"] // cs["groups"]) * int(np.prod(cs["kernel"]))
                out_round = 2.0 ** -11 if cs["dtype"] == "f16" else 0.0
                atol = 1e-6 + (1e-5 if cs["precision"] == "fp16" else 0.0)
                tol = 2 * ((DELTA[cs["precision"]] + (n_terms + 1) * U) * scale + out_round * np.abs(ref)) + atol
                if y.dtype != expected_dtype:
                    ok, why = False, f"output dtype {y.dtype}, expected {np.dtype(expected_dtype)}"
                elif y.shape != ref.shape:
                    ok, why = False, f"output shape {y.shape}, PyTorch gives {ref.shape}"
                else:
                    err = np.abs(y.astype(np.float64) - ref)
                    worst = int(np.argmax(err / tol)) if err.size else 0
                    ratio = float((err / tol).flat[worst]) if err.size else 0.0
                    max_err = float(err.max()) if err.size else 0.0
                    ok = bool(np.all(err <= tol)) and bool(np.all(np.isfinite(y)))
                    why = f"max abs err {max_err:.2e}, worst err/tol {ratio:.3f}"
            print(f"{'ok  ' if ok else 'FAIL'} {name}: {why}", flush=True)
            passed += ok
            failed += not ok
        print(f"crosscheck: {passed} passed, {failed} failed")
        return 0 if failed == 0 else 1
    finally:
        if args.keep:
            print(f"crosscheck: files kept in {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
