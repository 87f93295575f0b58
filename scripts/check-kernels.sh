#!/usr/bin/env bash
# check-kernels.sh [BUILD_DIR] — static checks of the CUDA kernels, per arch:
#   * 0 spill stores / loads and 0 stack frame bytes for every kernel (ptxas -v);
#     (direct_tile_kernel: every Elem x rounding x layout x C/g instantiation, target
#     4 blocks/SM, i.e. <= 128 registers, dynamic smem from its template arguments);
#   * occupancy: blocks/SM from registers, shared memory (dynamic smem is
#     derived from the kernel's TileConfig template arguments) and threads vs
#     each arch's limits must reach the kernel's target = its
#     __launch_bounds__ min-blocks (2) when the arch's shared memory can hold
#     that many blocks; if the tile only fits once, target 1; if it does not
#     fit at all (BIG fp32 tiles on sm_86/89, 108 KB > 99 KB) it is reported
#     "n/a" — the heuristic never picks it there (plan-time smem check), and
#     its body is compiled as a trap stub for those archs;
#   * PTX (nvcc -ptx, compute_90): every tensor-core GEMM kernel contains mma.sync,
#     ldmatrix and cp.async; the SIMT GEMM and direct_tile_kernel cp.async, and
#     direct_tile_kernel's tensor-core step mma.sync; the sm_90a wgmma kernels
#     (tc_wgmma.cu, compiled for sm_90a only; PTX compute_90a: wgmma_conv_kernel,
#     wgmma_ws_conv_kernel and tc_halo_kernel's wgmma variant) wgmma.mma_async, wgmma.fence /
#     commit_group / wait_group, fence.proxy.async and cp.async (the halo variant also
#     ldmatrix; the warp-specialized one mbarrier init / arrive / try_wait and bar.sync);
#     wgmma_tma_conv_kernel the wgmma ops, the TMA loads (cp.async.bulk.tensor 4-D im2col and 2-D
#     tile), mbarrier init / arrive.expect_tx / arrive / try_wait, fence.mbarrier_init and bar.sync (its tf32
#     configs also cvt.rna.tf32 and fence.proxy.async: the rounding warpgroup -- not TmaRounded<Cfg>, whose operands
#     the NCHW -> NHWC transform rounded; its B-resident ping-pong form wgmma_tma_bres_kernel the same; its
#     cluster form -- split-K in a thread block cluster -- also %cluster_ctarank, barrier.cluster.arrive.release /
#     wait.acquire, mapa and st.shared::cluster; its B- / A-multicast forms the multicast::cluster tile / im2col
#     load and mbarrier.arrive.release.cluster.shared::cluster; its split A-multicast form both sets); its halo
#     form wgmma_halo_tma_kernel and the B-resident form's halo variant wgmma_tma_bres_halo_kernel the same with
#     4-D tiled (halo) loads instead of im2col;
#   * wgmma kernels: no ptxas note that it serialized their wgmma or injected
#     waits (C7514 / C7517 ...: a register touched while a wgmma may be in flight);
#   * SASS (only where cuobjdump exists): every tensor-core kernel has HMMA (the
#     wgmma kernels: HGMMA).
# Reports come from BUILD_DIR/ptxas/*.txt (saved by the CMake build); without
# them the script compiles native/src/cuda/*.cu itself. Prints a table
# kernel x arch: regs, smem, spills, stack, blocks/SM (target). Exit 1 on any
# violation.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-${FASTCONV_BUILD:-}}"
NVCC="${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"
ARCHS="${CHECK_ARCHS:-80 86 89 90}"
if [ ! -x "$NVCC" ]; then echo "check-kernels: nvcc not found: skipping"; exit 0; fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
SRCS=()  # every .cu but tc_wgmma.cu, which exists for sm_90a only
for f in "$ROOT"/native/src/cuda/*.cu; do [ "$(basename "$f")" = tc_wgmma.cu ] || SRCS+=("$f"); done
WGMMA_SRC="$ROOT/native/src/cuda/tc_wgmma.cu"
INC=(-I"$ROOT/native/include" -I"$ROOT/native/src")

REPORTS="$WORK/reports"
mkdir -p "$REPORTS"
if [ -n "$BUILD" ] && ls "$BUILD"/ptxas/*.txt >/dev/null 2>&1; then
  cp "$BUILD"/ptxas/*.txt "$REPORTS/"
  echo "check-kernels: ptxas reports from $BUILD/ptxas"
  # reports only cover the archs that build compiled; add missing ones
  for a in $ARCHS; do
    if ! grep -qh "for 'sm_$a'" "$REPORTS"/*.txt; then
      for f in "${SRCS[@]}"; do
        "$NVCC" -std=c++17 "${INC[@]}" -arch=sm_$a -Xptxas -v -c "$f" -o /dev/null 2> "$REPORTS/$(basename "$f").sm_$a.txt" || { echo "compile failed: $f sm_$a"; cat "$REPORTS/$(basename "$f").sm_$a.txt"; exit 1; }
      done
    fi
  done
  if ! grep -qh "for 'sm_90a'" "$REPORTS"/*.txt; then
    "$NVCC" -std=c++17 "${INC[@]}" -arch=sm_90a -Xptxas -v -c "$WGMMA_SRC" -o /dev/null 2> "$REPORTS/tc_wgmma.cu.sm_90a.txt" || { echo "compile failed: tc_wgmma.cu sm_90a"; cat "$REPORTS/tc_wgmma.cu.sm_90a.txt"; exit 1; }
  fi
else
  echo "check-kernels: compiling ${#SRCS[@]} files for sm_{${ARCHS// /,}}"
  for a in $ARCHS; do
    for f in "${SRCS[@]}"; do
      "$NVCC" -std=c++17 "${INC[@]}" -arch=sm_$a -Xptxas -v -c "$f" -o /dev/null 2> "$REPORTS/$(basename "$f").sm_$a.txt" &
    done
    wait
  done
  "$NVCC" -std=c++17 "${INC[@]}" -arch=sm_90a -Xptxas -v -c "$WGMMA_SRC" -o /dev/null 2> "$REPORTS/tc_wgmma.cu.sm_90a.txt" || { echo "compile failed: tc_wgmma.cu sm_90a"; cat "$REPORTS/tc_wgmma.cu.sm_90a.txt"; exit 1; }
fi

PTXDIR="$WORK/ptx"
mkdir -p "$PTXDIR"
for f in "${SRCS[@]}"; do
  case "$(basename "$f")" in cuda_backend.cu) continue;; esac
  "$NVCC" -std=c++17 "${INC[@]}" -arch=compute_90 -ptx "$f" -o "$PTXDIR/$(basename "$f" .cu).ptx" || { echo "ptx failed: $f"; exit 1; }
done
"$NVCC" -std=c++17 "${INC[@]}" -arch=compute_90a -ptx "$WGMMA_SRC" -o "$PTXDIR/tc_wgmma.ptx" || { echo "ptx failed: $WGMMA_SRC"; exit 1; }

SASS=""
if command -v cuobjdump >/dev/null 2>&1; then
  LIB=""
  [ -n "$BUILD" ] && LIB=$(ls "$BUILD"/libfastconv.so* "$BUILD"/*/libfastconv.so* 2>/dev/null | head -n1)
  if [ -n "$LIB" ]; then cuobjdump -sass "$LIB" > "$WORK/sass.txt" 2>/dev/null && SASS="$WORK/sass.txt"; fi
  if [ -z "$SASS" ]; then
    for f in "${SRCS[@]}"; do
      "$NVCC" -std=c++17 "${INC[@]}" -arch=sm_90 -cubin "$f" -o "$WORK/$(basename "$f").cubin" 2>/dev/null && cuobjdump -sass "$WORK/$(basename "$f").cubin" >> "$WORK/sass.txt"
    done
    "$NVCC" -std=c++17 "${INC[@]}" -arch=sm_90a -cubin "$WGMMA_SRC" -o "$WORK/tc_wgmma.cubin" 2>/dev/null && cuobjdump -sass "$WORK/tc_wgmma.cubin" >> "$WORK/sass.txt"
    SASS="$WORK/sass.txt"
  fi
fi

python3 - "$REPORTS" "$PTXDIR" "$SASS" <<'PY'
import glob, os, re, subprocess, sys
rep_dir, ptx_dir, sass = sys.argv[1], sys.argv[2], sys.argv[3]
# per-arch limits: regs/SM, max threads/SM, smem/SM, max blocks/SM (CUDA C Programming Guide, table 23)
LIM = {80: (65536, 2048, 167936, 32), 86: (65536, 1536, 102400, 16), 89: (65536, 1536, 102400, 24),
       90: (65536, 2048, 233472, 32)}
OPTIN = {80: 166912, 86: 101376, 89: 101376, 90: 232448}
kern = {}  # (name, arch) -> dict
serialized = {}  # function -> ptxas's wgmma pipeline notes (C75xx: serialized wgmma / injected waits)
for f in sorted(glob.glob(os.path.join(rep_dir, '*.txt'))):
    cur = None
    for line in open(f, errors='replace'):
        m = re.search(r"\((C75\d\d)\) (.*?) in (?:the )?function '(\S+)'", line)
        if m:
            serialized.setdefault(m.group(3), []).append('%s %s' % (m.group(1), m.group(2)[:90])); continue
        m = re.search(r"Compiling entry function '(\S+)' for 'sm_(\d+a?)'", line)
        if m:
            cur = (m.group(1), m.group(2)); kern[cur] = {'regs': 0, 'smem': 0, 'stack': 0, 'ss': 0, 'sl': 0}; continue
        if cur is None: continue
        m = re.search(r'(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads', line)
        if m: kern[cur].update(stack=int(m.group(1)), ss=int(m.group(2)), sl=int(m.group(3)))
        m = re.search(r'Used (\d+) registers', line)
        if m:
            kern[cur]['regs'] = int(m.group(1))
            m2 = re.search(r'(\d+) bytes smem', line)
            kern[cur]['smem'] = int(m2.group(1)) if m2 else 0
def demangle(names):
    try:
        out = subprocess.run(['c++filt'], input='\n'.join(names), capture_output=True, text=True).stdout.split('\n')
        return dict(zip(names, out))
    except Exception:
        return {n: n for n in names}
names = sorted({k[0] for k in kern})
dm = demangle(names)
WG_GATHER = ('wgmma_conv_kernel', 'wgmma_ws_conv_kernel', 'wgmma_sk_conv_kernel', 'wgmma_tma_conv_kernel',
             'wgmma_halo_tma_kernel', 'wgmma_tma_bres_kernel', 'wgmma_tma_bres_halo_kernel')
def is_wgmma(name):
    """an sm_90a wgmma kernel: wgmma_conv_kernel (+ its stream-K form), wgmma_ws_conv_kernel, wgmma_tma_conv_kernel
    (+ its halo form wgmma_halo_tma_kernel), tc_halo_kernel's wgmma variant"""
    return any(k in name for k in WG_GATHER) or ('tc_halo_kernel' in name and 'ELb1E' in name)
def config(name):
    """threads, dynamic smem, min blocks, short label"""
    mw = re.search(r'WgmmaTileConfigILi(\d+)ELi(\d)ELi(\d)ELi(\d)E(?:Li(\d+)E)?(?:Li(\d+)E)?', name)
    if any(k in name for k in WG_GATHER) and mw:
        # WgmmaTileConfig<BN, elem bytes, stages, min blocks> (tile_config.cuh): 128 x BN x 32, two
        # warpgroups, unpadded swizzled rows (f16 64 B, fp32 128 B), + one 8-row atom of slack (align_smem);
        # the warp-specialized kernel: + a 128-thread producer warpgroup
        bn, eb, st, mb = map(int, mw.groups()[:4])
        bm = int(mw.group(5) or 128)  # WgmmaTileConfig's BM (256: the warp-specialized kernel's two m64 blocks)
        bk = int(mw.group(6) or 32)   # ... and BK (64: the TMA kernel's TMA64 form, f16 128-byte rows)
        # (the TMA kernel: + a 32-thread producer warp; its persistent form, template argument kPersist = true:
        # + its own epilogue stage, tma_epi_bytes)
        ws, sk, tma = 'wgmma_ws_conv_kernel' in name, 'wgmma_sk_conv_kernel' in name, 'wgmma_tma_conv_kernel' in name
        # template argument kForm (wgmma_tma_conv_kernel<Cfg, kForm>): 0 one tile, 1 persistent, 2 cluster split,
        # 3 B multicast, 4 A multicast, 5 cluster split with A multicast
        form = re.search(r'EELi([0-5])EEEv', name) if tma else None
        form = int(form.group(1)) if form else 0
        persist, cluster, mcast = form == 1, form in (2, 5), {3: 'B', 4: 'A', 5: 'A'}.get(form)
        # TmaRounded<Cfg>: a TF32 config whose operands the NCHW -> NHWC transform rounded -- no rounding warpgroup
        rounded = tma and 'TmaRounded' in name
        epi = ((bm + 8) * (bn + 8) * 2 + 1023) // 1024 * 1024 if persist else 0
        # (bm 192: the TMA kernel's three consumer warpgroups; its tf32 configs: + a 128-thread rounding warpgroup)
        return (384 if bm == 192 else 256) + (128 if ws else 32 + (128 if eb == 4 and not rounded else 0) if tma else 0), \
            st * (bm + bn) * bk * eb + 8 * bk * eb + epi, mb, \
            'wgmma%s %s %dx%dx%d s%d implicit%s' % ('_ws' if ws else '_sk' if sk else '_tma' if tma else '',
                                                    'f16' if eb == 2 else 'tf32 rounded' if rounded else 'tf32',
                                                    bm, bn, bk, st,
                                                    ' persistent' if persist else
                                                    (' cluster' if cluster else '') +
                                                    (' multicast ' + mcast if mcast else '')), True
    if 'wgmma_tma_bres_halo_kernel' in name:
        # its WIDE-halo variant: 288 threads; dynamic smem at 3 x 3, C = 64 (tma_bres_halo_smem_bytes: 1 KB slack + 2
        # stages of two 20 KB halos + 9 x 8 KB of B + 2 x 20 KB epilogue stages); 1 block per SM
        return 288, 1024 + 2 * 2 * 20480 + 9 * 8192 + 2 * 20480, 1, \
            'wgmma_tma_bres f16 128x64x64 s2 implicit B-resident wide halo', True
    if 'wgmma_tma_bres_kernel' in name:
        # the B-resident ping-pong form (implicit_gemm_wgmma_tma_bres.cuh): 256 consumer + 32 producer threads;
        # dynamic smem at its largest (tma_bres_smem_bytes(9): 1 KB slack + 6 x 16 KB A ring + 9 x 8 KB of B + 2 x
        # 20 KB epilogue stages); 1 block per SM
        return 288, 1024 + 6 * 16384 + 9 * 8192 + 2 * 20480, 1, 'wgmma_tma_bres f16 128x64x64 s6 implicit B-resident', True
    mh = re.search(r'HaloTmaConfigILi(\d+)ELi(\d)ELi(\d)ELb(\d)E', name)
    if 'wgmma_halo_tma_kernel' in name and mh:
        # HaloTmaConfig<BN, MU, stages, WIDE> (implicit_gemm_wgmma_halo_tma.cuh): 256 consumer + 32 producer
        # threads, a ring of stages x BN x 128 B, two halo buffers of MU units (3 x 3 filter: 8 planes of 10 x 10
        # pixels x 16 B = 1664 B; WIDE: 10 rows x 16 pixels x 128 B = 20480 B), 1 KB of alignment slack
        # (tma_halo_smem_bytes); 1 block per SM
        bn, mu, st, wide = map(int, mh.groups())
        unit = 10 * 16 * 128 if wide else 8 * 1664
        return 288, st * bn * 128 + 2 * mu * unit + 1024, 1, \
            'wgmma_halo_tma f16 %dx%dx64 s%d implicit 3x3 %s' % (64 * mu, bn, st, 'wide halo' if wide else 'halo'), True
    m = re.search(r'TileConfigILi(\d+)ELi(\d+)ELi(\d+)ELi(\d+)ELi(\d+)ELi(\d+)ELi(\d+)ELi(\d+)E', name)
    if 'tc_conv_kernel' in name and m:
        bm, bn, bk, wm, wn, st, mb, eb = map(int, m.groups())
        math = {0: 'tf32', 1: 'fp16(f32io)', 2: '3xtf32', 3: 'f16'}[int(re.search(r'EELi(\d)ELb', name).group(1))]
        impl = 'implicit' if name.endswith('Lb1EEEvNS0_10ConvParamsEPKvS6_S6_Pvii') or 'ELb1E' in name else 'unfold'
        # SmemRows (tile_config.cuh): 64-byte rows unpadded (swizzled), 128-byte rows + 16 B
        smem = st * (bm + bn) * (bk * eb + (0 if bk * eb == 64 else 16))
        return 32 * wm * wn, smem, mb, 'tc %s %dx%dx%d s%d %s' % (math, bm, bn, bk, st, impl), True
    if 'tc_halo_kernel' in name:
        # HaloConfigT<es, th> (tile_config.cuh): 2 halo buffers [18 * (th + 2)][64 B] + 4-stage B ring
        # [64][64 B] (SmemRows: 64-byte rows, swizzled); th / 4 warps of 64 x 64; min blocks 4 (th 8) /
        # 2 (th 16): <= 255 registers
        # (the sm_90a variant, template argument kWgmma = true: the wgmma step, same geometry)
        m = re.search(r'HaloConfigTILi(\d)ELi(\d+)E', name)
        es, th = int(m.group(1)), int(m.group(2))
        # (+ 512 bytes of slack in the wgmma variant: its buffers start on a swizzle atom, align_smem)
        return 32 * (th // 4), (2 * 18 * (th + 2) + 4 * 64) * 64 + (512 if 'ELb1E' in name else 0), 4 if th == 8 else 2, \
            'tc %s halo %dx16px x64 x%d s4 implicit%s' % ('f16' if es == 2 else 'tf32', th, 64 // es,
                                                           ' wgmma' if 'ELb1E' in name else ''), True
    if 'simt_conv_kernel' in name:
        return 128, 3 * 128 * 36 * 4, 2, 'simt fp32 64x64x32 s3 %s' % ('implicit' if 'ILb1E' in name else 'unfold'), False
    if 'direct_strip_kernel' in name:
        # dynamic smem = Kgemm*KB*4 <= 32 KB (kDirectStripMaxWsBytes) + the STORE_STAGED
        # output stage (4 warps x 32 x (KB+4) x 4 B <= 10 KB): check the worst case
        m = re.search(r'direct_strip_kernelI(\w)Li(\d+)ELi(\d)E', name)
        return 128, 32768 + 10240, 4, 'direct strip %s KB%s rnd%s' % ('f32' if m.group(1) == 'f' else 'f16', m.group(2), m.group(3)), False
    if 'direct_tile_kernel' in name:
        # dynamic smem = direct_tile_smem_bytes (tile_config.cuh): filter slice + bias fp32,
        # (tensor-core step: B fragment table) + 2 halo buffers [planes][16 + R - 1][pitch]
        # (tensor-core step: a zero strip after each) (+ FFMA step, NHWC: output stage); target
        # kDirectTileMinBlocks = 4 blocks/SM (3 where the arch's smem holds only 3)
        m = re.search(r'direct_tile_kernelI(\w)Li(\d)ELi(\d)ELi(\d)ELi(\d)ELb(\d)ELi(\d)E', name)
        es = 4 if m.group(1) == 'f' else 2
        rm, cg, r, s, nhwc, math = (int(g) for g in m.groups()[1:])
        mma = math != 4  # MATH_SIMT = the FFMA step
        ve = 16 // es
        pitch = (((32 + s - 1) * (cg if nhwc else 1) + ve - 1) + ve - 1) // ve * ve
        if mma and es == 4: pitch += 4  # direct_tile_pitch: one chunk of bank padding (f32 tensor-core step)
        zs = ((3 * pitch + 24 * (cg if nhwc else 1) + 1 + ve - 1) // ve * ve) if mma else 0
        ppad = 64 // es if mma and not nhwc and cg > 1 else 0  # direct_tile_plane_pad
        dsmem = (cg * r * s + 1) * 16 * 4 + 2 * ((1 if nhwc else cg) * ((16 + r - 1) * pitch + ppad) + zs) * es
        if nhwc and not mma: dsmem += 128 * 16 * es  # FFMA step: per-warp NHWC output stage (unpadded, swizzled)
        if mma: dsmem += (cg * r * s + 7) // 8 * 512  # B fragment table
        step = {0: ' mma tf32', 3: ' mma f16', 4: ''}[math]
        return 128, dsmem, 4, 'direct tile%s %s %s C%d %dx%d rnd%d' % (step, 'f32' if es == 4 else 'f16', 'NHWC' if nhwc else 'NCHW', cg, r, s, rm), mma
    if 'direct_conv_kernel' in name:
        m = re.search(r'direct_conv_kernelI(\w)Li(\d+)E', name)
        return 128, 0, 1, 'direct %s KB%s' % ('f32' if m.group(1) == 'f' else 'f16', m.group(2)), False
    if 'pad_nhwc_kernel' in name or 'pad_weights_kernel' in name:
        return 256, 0, 1, '%s %s' % ('pad nhwc' if 'pad_nhwc' in name else 'pad weights', 'f32' if 'IfE' in name else 'f16'), False
    if 'transpose_kernel' in name:
        return 256, 0, 1, 'transpose %s' % ('f32' if 'IfE' in name else 'f16'), False
    if 'splitk_reduce_kernel' in name:
        m = re.search(r'splitk_reduce_kernelI(\w)Li(\d+)E', name)
        return 256, 0, 1, 'splitk reduce %s x%s' % ('f32' if m.group(1) == 'f' else 'f16', m.group(2)), False
    if 'unfold_kernel' in name:
        return 256, 0, 1, 'unfold %s' % ('f32' if 'IfE' in name else 'f16'), False
    return 128, 0, 1, name[:40], False
viol = []
rows = []
for (name, arch), r in sorted(kern.items(), key=lambda kv: (config(kv[0][0])[3], kv[0][1])):
    threads, dsmem, minb, label, tc = config(name)
    an = int(arch.rstrip('a'))
    regs_lim, thr_lim, smem_lim, blk_lim = LIM.get(an, LIM[90])
    smem = dsmem + r['smem']
    regs_warp = ((r['regs'] * 32 + 255) // 256) * 256
    warps = threads // 32
    by_regs = (regs_lim // regs_warp) // warps if regs_warp else blk_lim
    by_smem = smem_lim // (smem + 1024) if smem else blk_lim
    by_thr = thr_lim // threads
    blocks = min(by_regs, by_smem, by_thr, blk_lim)
    fits = smem <= OPTIN.get(an, OPTIN[90])
    target = min(minb, by_smem, blk_lim) if fits else 0
    status = 'ok'
    if r['ss'] or r['sl'] or r['stack']:
        status = 'SPILL/STACK'; viol.append('%s sm_%s: %d B stack, %d/%d B spill st/ld' % (label, arch, r['stack'], r['ss'], r['sl']))
    if fits and blocks < max(target, 1):
        status = 'OCCUPANCY'; viol.append('%s sm_%s: %d blocks/SM < target %d (regs %d, smem %d)' % (label, arch, blocks, target, r['regs'], smem))
    rows.append((label, arch, r['regs'], smem, r['ss'] + r['sl'], r['stack'], ('%d (%d)' % (blocks, target)) if fits else 'n/a (smem)', status))
print('%-66s %-6s %5s %8s %7s %6s %-12s %s' % ('kernel', 'arch', 'regs', 'smem', 'spills', 'stack', 'blocks(tgt)', 'status'))
for row in rows:
    print('%-66s sm_%-3s %5d %8d %7d %6d %-12s %s' % row)
print('%d kernel x arch entries' % len(rows))
# wgmma pipelines: ptxas says when it had to serialize wgmma or inject waits (an accumulator or A register
# touched while a wgmma may be in flight): that would make the asynchronous MMA step synchronous.
nwg = len({n for (n, a) in kern if a == '90a' and is_wgmma(n)})
for fn, notes in sorted(serialized.items()):
    viol.append('ptxas serializes the wgmma pipeline of %s: %s' % (config(fn)[3], '; '.join(notes)))
print('wgmma pipelines: %d sm_90a kernels, %d with wgmma serialized or waits injected by ptxas (C75xx notes)' % (nwg, len(serialized)))
# PTX content checks
ptx_bad = 0; ptx_n = 0
for f in glob.glob(os.path.join(ptx_dir, '*.ptx')):
    txt = open(f).read()
    parts = re.split(r'\n(?=\.visible \.entry |\.entry |\.weak \.entry )', txt)
    for part in parts:
        m = re.match(r'(?:\.visible |\.weak )?\.entry (\S+?)\(', part)
        if not m: continue
        name = m.group(1); ptx_n += 1
        need = []
        if 'tc_halo_kernel' in name and 'ELb1E' in name:
            need = ['wgmma.mma_async.sync.aligned', 'wgmma.fence.sync.aligned', 'wgmma.commit_group.sync.aligned',
                    'wgmma.wait_group.sync.aligned', 'fence.proxy.async', 'ldmatrix.sync.aligned', 'cp.async']
        elif 'wgmma_halo_tma_kernel' in name or 'wgmma_tma_bres_halo_kernel' in name:  # 4-D tiled halo boxes, tiled B
            need = ['wgmma.mma_async.sync.aligned', 'wgmma.fence.sync.aligned', 'wgmma.commit_group.sync.aligned',
                    'wgmma.wait_group.sync.aligned', 'cp.async.bulk.tensor.4d.shared::cluster.global.tile',
                    'cp.async.bulk.tensor.2d.shared::cluster.global.tile', 'mbarrier.arrive.expect_tx',
                    'mbarrier.init.shared', 'mbarrier.arrive.shared', 'mbarrier.try_wait.parity.shared',
                    'fence.mbarrier_init', 'bar.sync']
        elif 'wgmma_tma_conv_kernel' in name or 'wgmma_tma_bres_kernel' in name:  # TMA loads (im2col A, tiled B) on mbarriers
            need = ['wgmma.mma_async.sync.aligned', 'wgmma.fence.sync.aligned', 'wgmma.commit_group.sync.aligned',
                    'wgmma.wait_group.sync.aligned', 'cp.async.bulk.tensor.4d.shared::cluster.global.im2col',
                    'cp.async.bulk.tensor.2d.shared::cluster.global.tile', 'mbarrier.arrive.expect_tx',
                    'mbarrier.init.shared', 'mbarrier.arrive.shared', 'mbarrier.try_wait.parity.shared',
                    'fence.mbarrier_init', 'bar.sync']
            if 'tf32 rounded' in config(name)[3]:  # operands rounded by the transform: tf32 wgmma, no cvt.rna pass
                need += ['.tf32.tf32']
            elif 'tf32' in config(name)[3]:  # the rounding warpgroup: cvt.rna in place, fenced for the async proxy
                need += ['.tf32.tf32', 'cvt.rna.tf32.f32', 'fence.proxy.async']
            if ' cluster' in config(name)[3]:  # split-K in a cluster: rank, barriers, DSMEM stores
                need += ['%cluster_ctarank', 'barrier.cluster.arrive.release', 'barrier.cluster.wait.acquire',
                         'mapa.shared::cluster', 'st.shared::cluster.v4.f32']
            if ' multicast ' in config(name)[3]:  # B / A multicast in a pair: multicast loads, remote releases
                need += ['%cluster_ctarank', 'barrier.cluster.arrive.release', 'barrier.cluster.wait.acquire',
                         'mapa.shared::cluster', 'mbarrier.arrive.release.cluster.shared::cluster',
                         'global.tile.mbarrier::complete_tx::bytes.multicast::cluster'
                         if config(name)[3].endswith(' B') else
                         'global.im2col.mbarrier::complete_tx::bytes.multicast::cluster']
        elif any(k in name for k in WG_GATHER):
            need = ['wgmma.mma_async.sync.aligned', 'wgmma.fence.sync.aligned', 'wgmma.commit_group.sync.aligned',
                    'wgmma.wait_group.sync.aligned', 'fence.proxy.async', 'cp.async']
            if 'tf32' in config(name)[3]: need += ['.tf32.tf32', 'cvt.rna.tf32.f32']  # tf32 wgmma on rounded tiles
            if 'wgmma_ws_conv_kernel' in name:  # the producer / consumer hand-offs and the consumers' epilogue barrier
                need += ['mbarrier.init.shared', 'mbarrier.arrive.shared', 'mbarrier.try_wait.parity.shared', 'bar.sync']
            if 'wgmma_sk_conv_kernel' in name:  # stream-K fixup: fence, ticket, partials read past L1
                need += ['membar.gl', 'atom.global.add', 'ld.global.cg']
        elif 'tc_conv_kernel' in name or 'tc_halo_kernel' in name: need = ['mma.sync.aligned', 'ldmatrix.sync.aligned', 'cp.async']
        elif 'simt_conv_kernel' in name: need = ['cp.async']
        elif 'direct_tile_kernel' in name: need = ['mma.sync.aligned', 'cp.async'] if config(name)[4] else ['cp.async']
        for s in need:
            if s not in part:
                ptx_bad += 1; viol.append('PTX of %s lacks %s' % (config(name)[3], s))
print('PTX: %d entries checked (tensor-core GEMM kernels: mma.sync + ldmatrix + cp.async; sm_90a wgmma kernels: wgmma.mma_async + fence/commit/wait + fence.proxy.async + cp.async (+ ldmatrix: halo; + cvt.rna.tf32: tf32; + mbarrier init/arrive/try_wait + bar.sync: warp-specialized; TMA kernel: bulk-tensor im2col (halo form: 4-D tile) + tile loads, expect_tx (+ its cluster forms: cluster_ctarank, barrier.cluster arrive / wait, mapa, st.shared::cluster / multicast loads and remote mbarrier arrivals); + membar.gl, atom.global.add, ld.global.cg: stream-K); direct tile: cp.async, + mma.sync for its tensor-core step; SIMT: cp.async), %d missing' % (ptx_n, ptx_bad))
if sass and os.path.exists(sass) and os.path.getsize(sass) > 0:
    txt = open(sass, errors='replace').read()
    funcs = re.split(r'\n\s*Function : ', txt)
    n = 0
    for fpart in funcs[1:]:
        fname = fpart.split('\n', 1)[0].strip()
        if is_wgmma(fname):
            n += 1
            if 'HGMMA' not in fpart: viol.append('SASS of %s has no HGMMA' % fname)
        elif 'tc_conv_kernel' in fname or 'tc_halo_kernel' in fname or ('direct_tile_kernel' in fname and config(fname)[4]):
            n += 1
            # tiles that cannot launch on an arch (fp32 BIG on sm_86/89: smem) are a trap stub there
            if 'HMMA' not in fpart and 'TRAP' not in fpart: viol.append('SASS of %s has no HMMA' % fname)
    print('SASS: %d tensor-core functions checked for HMMA' % n)
else:
    print('SASS: cuobjdump not available: skipped')
if viol:
    print('\nVIOLATIONS:'); [print('  ' + v) for v in viol]; sys.exit(1)
print('check-kernels: all checks passed')
PY
