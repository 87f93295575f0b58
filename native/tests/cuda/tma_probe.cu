// tma_probe.cu — the Hopper tensor memory accelerator (TMA, cp.async.bulk.tensor) on the GPU, before any
// kernel uses it: does the encoding an implicit-GEMM convolution would use load exactly the operand tiles
// the wgmma kernels read?
//
// Why: the wgmma kernels gather their im2col A tiles with one 16-byte cp.async per thread and chunk, and
// Nsight Compute on an H200 showed them issue- and latency-bound on exactly that (an estimated ~140 warp
// instructions per warp and k-slice; README, "The wgmma kernels on the H200"). TMA's im2col mode moves a
// whole 128-pixel x 64-channel tile per instruction. Nothing here can run TMA (no GPU on the build
// machines), and its im2col semantics (bounding box from the map's corners plus the instruction's
// offsets, traversal stride, rows wrapping across W, H and N) are easy to misread. So, as wgmma_probe did
// for wgmma, this probe runs the planned encodings on the device and compares every byte with the
// definition of the tile a kernel needs; on a mismatch it decodes what the TMA loaded instead (each
// input element holds its own index), so one device call tells the next kernel how to encode.
//
// Cases (uint16 elements standing for f16: TMA moves bytes; 0 marks an out-of-bounds fill):
//  * im2col, 4-D NHWC x (globalDim {C, W, H, N}), box = 128 output pixels x 64 channels (128-byte
//    rows, SWIZZLE_128B): the A tile of GEMM rows m0 .. m0+127 (m = (n, p, q)) at filter tap (r, s) and
//    channels c0 .. c0+63, i.e. row i = x[n][p*sh - ph + r*dh][q*sw - pw + s*dw][c0 + j] or 0 in the
//    padding / past C, laid out as the wgmma kernels' 128-byte-swizzled tiles (smem_at<2, 64, true>:
//    16-byte chunk j of row i at chunk j ^ (i % 8)). Encoding under test: lower corner {-ph, -pw},
//    upper corner {ph - dh*(R-1), pw - dw*(S-1)}, element strides {1, sw, sh, 1}, instruction
//    coordinates {c0, q0*sw - pw, p0*sh - ph, n0} for the tile's first pixel (n0, p0, q0), im2col
//    offsets {s*dw, r*dh}. Shapes: 3x3 pad 1 stride 1 (tiles inside one image and across two), stride
//    2, dilation 2, asymmetric padding (which corner entry is H and which W), a second channel chunk,
//    and C = 40 (channels past C filled with zeros). Only rows m < M are judged (past the last image
//    the kernel would discard them); their content is printed for the record.
//  * tiled, 2-D weights [K][Kgemm]: box 64 x 128 rows with SWIZZLE_128B (the 128-byte-swizzled tiles),
//    and 32 x 128 with SWIZZLE_64B (the f16 kernels' 64-byte-swizzled tiles, swizzled_at<2, 32>), rows
//    and columns past the matrix zero -- whether a B tile could come by TMA into the current layouts.
// A failing case prints its first mismatching rows, expected vs loaded (n, h, w, c of the element or
// "0"). Usage: tma_probe. Exit 0: all cases pass (or no compute capability 9.0 device: skipped);
// 1: a case failed; 2: a CUDA error (a missing driver entry point included).
#include <cuda.h>  // CUtensorMap and its enums (types only: the functions come through the runtime)
#include <cuda_runtime.h>
#include <cudaTypedefs.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cuda_ck.h"

static const char* const kProgram = "tma_probe";

namespace {

constexpr int kMaxBoxBytes = 128 * 128;  // the largest box below: 128 rows x 128 bytes
constexpr int kSlack = 1024;             // the 128-byte swizzle repeats every 1024 bytes of the address

PFN_cuTensorMapEncodeIm2col_v12000 g_encode_im2col = nullptr;
PFN_cuTensorMapEncodeTiled_v12000 g_encode_tiled = nullptr;
int g_failed = 0;

__device__ __forceinline__ uint32_t saddr(const void* p) { return (uint32_t)__cvta_generic_to_shared(p); }

// One TMA load by thread 0 into a 1024-byte-aligned shared buffer, completion through an mbarrier
// (expect_tx = the box's bytes, out-of-bounds fill included), then the buffer's `bytes` copied to out.
// A load that never completes is reported through *timed_out instead of hanging the probe.
template <bool kIm2col>
__global__ void tma_load_kernel(const __grid_constant__ CUtensorMap map, int c0, int c1, int c2, int c3,
                                unsigned short off_w, unsigned short off_h, int bytes, uint16_t* out,
                                int* timed_out) {
    extern __shared__ unsigned char raw[];
    unsigned char* buf = raw + ((0u - saddr(raw)) & (kSlack - 1u));
    __shared__ alignas(8) uint64_t bar;
    const uint32_t b = saddr(&bar), dst = saddr(buf);
    if (threadIdx.x == 0) {
        asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;\n" ::"r"(b) : "memory");
        asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(b), "r"(bytes) : "memory");
        const uint64_t m = reinterpret_cast<uint64_t>(&map);
        if constexpr (kIm2col)
            asm volatile(
                "cp.async.bulk.tensor.4d.shared::cluster.global.im2col.mbarrier::complete_tx::bytes"
                " [%0], [%1, {%2, %3, %4, %5}], [%6], {%7, %8};\n" ::"r"(dst),
                "l"(m), "r"(c0), "r"(c1), "r"(c2), "r"(c3), "r"(b), "h"(off_w), "h"(off_h)
                : "memory");
        else
            asm volatile(
                "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
                " [%0], [%1, {%2, %3}], [%4];\n" ::"r"(dst),
                "l"(m), "r"(c0), "r"(c1), "r"(b)
                : "memory");
    }
    uint32_t done = 0;
    for (int i = 0; i < (1 << 24) && !done; ++i)
        asm volatile("{\n .reg .pred p;\n mbarrier.try_wait.parity.shared::cta.b64 p, [%1], 0;\n selp.u32 %0, 1, 0, p;\n}\n"
                     : "=r"(done)
                     : "r"(b)
                     : "memory");
    if (!done) {
        if (threadIdx.x == 0) *timed_out = 1;
        return;
    }
    for (int i = threadIdx.x; i < bytes / 2; i += blockDim.x) out[i] = reinterpret_cast<const uint16_t*>(buf)[i];
}

// Byte offset of 16-byte chunk `chunk` of row `row` in the tiles the kernels read: 128-byte rows with the
// 128-byte swizzle (smem_at<ES, BK, true>) or 64-byte rows with the 64-byte one (swizzled_at<ES, 32 f16>).
int swizzled_chunk(int row, int chunk, int row_bytes) {
    if (row_bytes == 128) return row * 128 + ((chunk ^ (row & 7)) * 16);
    return row * 64 + ((chunk ^ ((row / 2) % 4)) * 16);
}

struct Tensor {  // NHWC uint16, element e holds e + 1 (0 is reserved for out-of-bounds fills)
    int N, H, W, C;
    uint16_t* dev = nullptr;
    size_t count() const { return (size_t)N * H * W * C; }
    std::string name(uint16_t v) const {
        if (v == 0) return "0";
        size_t e = v - 1;
        char s[64];
        const int c = (int)(e % C), w = (int)(e / C % W), h = (int)(e / C / W % H), n = (int)(e / C / W / H);
        snprintf(s, sizeof s, "(n%d h%d w%d c%d)", n, h, w, c);
        return s;
    }
};

Tensor make_tensor(int N, int H, int W, int C) {
    Tensor t{N, H, W, C};
    if (t.count() >= 65535) {
        fprintf(stderr, "%s: tensor too large for 16-bit self-indexing\n", kProgram);
        exit(2);
    }
    std::vector<uint16_t> h(t.count());
    for (size_t i = 0; i < h.size(); ++i) h[i] = (uint16_t)(i + 1);
    CK(cudaMalloc(&t.dev, h.size() * 2));
    CK(cudaMemcpy(t.dev, h.data(), h.size() * 2, cudaMemcpyHostToDevice));
    return t;
}

uint16_t* g_out = nullptr;
int* g_timeout = nullptr;

// Runs one load and returns the buffer (bytes / 2 elements); false on a timeout.
bool run_load(bool im2col, const CUtensorMap& map, const int (&c)[4], unsigned short ow, unsigned short oh, int bytes,
              std::vector<uint16_t>* got) {
    CK(cudaMemset(g_out, 0xff, kMaxBoxBytes));
    CK(cudaMemset(g_timeout, 0, sizeof(int)));
    if (im2col)
        tma_load_kernel<true><<<1, 128, kMaxBoxBytes + kSlack>>>(map, c[0], c[1], c[2], c[3], ow, oh, bytes, g_out,
                                                                 g_timeout);
    else
        tma_load_kernel<false><<<1, 128, kMaxBoxBytes + kSlack>>>(map, c[0], c[1], c[2], c[3], ow, oh, bytes, g_out,
                                                                  g_timeout);
    CK(cudaGetLastError());
    CK(cudaDeviceSynchronize());
    int to = 0;
    CK(cudaMemcpy(&to, g_timeout, sizeof(int), cudaMemcpyDeviceToHost));
    got->assign(bytes / 2, 0);
    CK(cudaMemcpy(got->data(), g_out, bytes, cudaMemcpyDeviceToHost));
    return to == 0;
}

struct ConvCase {
    const char* name;
    int N, H, W, C, R, S, sh, sw, ph, pw, dh, dw;
    int m0, r, s, c0;
};

// One im2col case: the planned encoding, one load, every byte of rows m < M against the definition.
void im2col_case(const ConvCase& k) {
    const Tensor x = make_tensor(k.N, k.H, k.W, k.C);
    const int P = (k.H + 2 * k.ph - k.dh * (k.R - 1) - 1) / k.sh + 1;
    const int Q = (k.W + 2 * k.pw - k.dw * (k.S - 1) - 1) / k.sw + 1;
    const int M = k.N * P * Q;
    const cuuint64_t dims[4] = {(cuuint64_t)k.C, (cuuint64_t)k.W, (cuuint64_t)k.H, (cuuint64_t)k.N};
    const cuuint64_t strides[3] = {(cuuint64_t)k.C * 2, (cuuint64_t)k.W * k.C * 2, (cuuint64_t)k.H * k.W * k.C * 2};
    const int lower[2] = {-k.ph, -k.pw};  // {H, W} as cuda.h lists them ({D, H, W}); the asymmetric case checks it
    const int upper[2] = {k.ph - k.dh * (k.R - 1), k.pw - k.dw * (k.S - 1)};
    const cuuint32_t estr[4] = {1, (cuuint32_t)k.sw, (cuuint32_t)k.sh, 1};
    CUtensorMap map;
    const CUresult er = g_encode_im2col(&map, CU_TENSOR_MAP_DATA_TYPE_UINT16, 4, x.dev, dims, strides, lower, upper, 64,
                                        128, estr, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                                        CU_TENSOR_MAP_L2_PROMOTION_L2_128B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    if (er != CUDA_SUCCESS) {
        printf("tma-probe im2col %-28s FAIL: cuTensorMapEncodeIm2col returned %d\n", k.name, (int)er);
        ++g_failed;
        CK(cudaFree(x.dev));
        return;
    }
    const int n0 = k.m0 / (P * Q), p0 = k.m0 / Q % P, q0 = k.m0 % Q;
    const int coords[4] = {k.c0, q0 * k.sw - k.pw, p0 * k.sh - k.ph, n0};
    std::vector<uint16_t> got;
    if (!run_load(true, map, coords, (unsigned short)(k.s * k.dw), (unsigned short)(k.r * k.dh), 128 * 128, &got)) {
        printf("tma-probe im2col %-28s FAIL: the load never completed (mbarrier timeout)\n", k.name);
        ++g_failed;
        CK(cudaFree(x.dev));
        return;
    }
    int bad_rows = 0, shown = 0;
    for (int i = 0; i < 128; ++i) {
        const int m = k.m0 + i;
        const bool judged = m < M;
        const int n = m / (P * Q), p = m / Q % P, q = m % Q;
        const int ih = p * k.sh - k.ph + k.r * k.dh, iw = q * k.sw - k.pw + k.s * k.dw;
        bool bad = false;
        std::string first_got, first_want;
        for (int j = 0; j < 64 && judged; ++j) {
            const int c = k.c0 + j;
            const bool in = ih >= 0 && ih < k.H && iw >= 0 && iw < k.W && c < k.C;
            const uint16_t want = in ? (uint16_t)(((size_t)((n * k.H + ih) * k.W + iw) * k.C + c) + 1) : 0;
            const uint16_t have = got[(swizzled_chunk(i, j / 8, 128) / 2) + j % 8];
            if (have != want && !bad) {
                bad = true;
                first_got = x.name(have);
                first_want = x.name(want);
            }
        }
        if (bad) {
            ++bad_rows;
            if (shown++ < 6) {
                // what the row holds, read unswizzled and swizzled, element 0 of each
                printf("    row %3d (m %d: n%d p%d q%d -> h%d w%d): want %s, got %s (chunk 0 unswizzled: %s)\n", i, m, n,
                       p, q, ih, iw, first_want.c_str(), first_got.c_str(), x.name(got[i * 64]).c_str());
            }
        }
    }
    if (bad_rows) ++g_failed;
    printf("tma-probe im2col %-28s %s (M %d, tile rows %d..%d, tap r%d s%d, c0 %d; %d of %d judged rows wrong)\n",
           k.name, bad_rows ? "FAIL" : "ok", M, k.m0, k.m0 + 127, k.r, k.s, k.c0, bad_rows, M - k.m0 < 128 ? M - k.m0 : 128);
    CK(cudaFree(x.dev));
}

// One tiled case: a [rows][cols] uint16 matrix (element e holds e + 1), box box_cols x 128 rows at
// (col0, row0) with the given swizzle; every byte against the matrix, zeros past its edges.
void tiled_case(const char* name, int rows, int cols, int box_cols, CUtensorMapSwizzle sw, int row0, int col0) {
    const Tensor t = make_tensor(1, 1, rows, cols);  // W = rows, C = cols: element (r, c) at r * cols + c
    const cuuint64_t dims[2] = {(cuuint64_t)cols, (cuuint64_t)rows};
    const cuuint64_t strides[1] = {(cuuint64_t)cols * 2};
    const cuuint32_t box[2] = {(cuuint32_t)box_cols, 128}, estr[2] = {1, 1};
    CUtensorMap map;
    const CUresult er = g_encode_tiled(&map, CU_TENSOR_MAP_DATA_TYPE_UINT16, 2, t.dev, dims, strides, box, estr,
                                       CU_TENSOR_MAP_INTERLEAVE_NONE, sw, CU_TENSOR_MAP_L2_PROMOTION_L2_128B,
                                       CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    if (er != CUDA_SUCCESS) {
        printf("tma-probe tiled  %-28s FAIL: cuTensorMapEncodeTiled returned %d\n", name, (int)er);
        ++g_failed;
        CK(cudaFree(t.dev));
        return;
    }
    const int row_bytes = box_cols * 2, bytes = 128 * row_bytes;
    const int coords[4] = {col0, row0, 0, 0};
    std::vector<uint16_t> got;
    if (!run_load(false, map, coords, 0, 0, bytes, &got)) {
        printf("tma-probe tiled  %-28s FAIL: the load never completed (mbarrier timeout)\n", name);
        ++g_failed;
        CK(cudaFree(t.dev));
        return;
    }
    int bad = 0;
    for (int i = 0; i < 128; ++i)
        for (int j = 0; j < box_cols; ++j) {
            const int r = row0 + i, c = col0 + j;
            const uint16_t want = r < rows && c < cols ? (uint16_t)(r * cols + c + 1) : 0;
            const uint16_t have = got[swizzled_chunk(i, j / 8, row_bytes) / 2 + j % 8];
            if (have != want && bad++ < 4)
                printf("    row %3d col %3d: want %s, got %s\n", i, j, t.name(want).c_str(), t.name(have).c_str());
        }
    if (bad) ++g_failed;
    printf("tma-probe tiled  %-28s %s (%d x %d matrix, box %d x 128 at (%d, %d); %d wrong elements)\n", name,
           bad ? "FAIL" : "ok", rows, cols, box_cols, row0, col0, bad);
    CK(cudaFree(t.dev));
}

}  // namespace

int main() {
    cudaDeviceProp prop;
    if (!sm90a_device(kProgram, "this sm_90a build", &prop)) return 0;
    cudaDriverEntryPointQueryResult q1, q2;
    CK(cudaGetDriverEntryPointByVersion("cuTensorMapEncodeIm2col", reinterpret_cast<void**>(&g_encode_im2col), 12000,
                                        cudaEnableDefault, &q1));
    CK(cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", reinterpret_cast<void**>(&g_encode_tiled), 12000,
                                        cudaEnableDefault, &q2));
    if (q1 != cudaDriverEntryPointSuccess || q2 != cudaDriverEntryPointSuccess || !g_encode_im2col || !g_encode_tiled) {
        fprintf(stderr, "%s: the driver has no cuTensorMapEncodeIm2col / cuTensorMapEncodeTiled\n", kProgram);
        return 2;
    }
    printf("tma_probe on %s (%d SMs)\n", prop.name, prop.multiProcessorCount);
    CK(cudaMalloc(&g_out, kMaxBoxBytes));
    CK(cudaMalloc(&g_timeout, sizeof(int)));
    CK(cudaFuncSetAttribute(tma_load_kernel<true>, cudaFuncAttributeMaxDynamicSharedMemorySize, kMaxBoxBytes + kSlack));
    CK(cudaFuncSetAttribute(tma_load_kernel<false>, cudaFuncAttributeMaxDynamicSharedMemorySize, kMaxBoxBytes + kSlack));
    // name, N H W C, R S, sh sw, ph pw, dh dw, m0, r s, c0
    const ConvCase cases[] = {
        {"3x3 p1 s1 tap(0,0)", 2, 10, 10, 64, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
        {"3x3 p1 s1 tap(1,1)", 2, 10, 10, 64, 3, 3, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0},
        {"3x3 p1 s1 tap(2,2) 2 images", 2, 10, 10, 64, 3, 3, 1, 1, 1, 1, 1, 1, 64, 2, 2, 0},
        {"3x3 p1 s1 tap(0,2)", 2, 10, 10, 64, 3, 3, 1, 1, 1, 1, 1, 1, 16, 0, 2, 0},
        {"3x3 p1 s1 tap(2,0)", 2, 10, 10, 64, 3, 3, 1, 1, 1, 1, 1, 1, 16, 2, 0, 0},
        {"3x3 p1 stride 2 tap(2,1)", 3, 11, 11, 64, 3, 3, 2, 2, 1, 1, 1, 1, 20, 2, 1, 0},
        {"3x3 p2 dilation 2 tap(1,2)", 2, 9, 9, 64, 3, 3, 1, 1, 2, 2, 2, 2, 30, 1, 2, 0},
        {"3x3 pad h1 w0 tap(0,1)", 2, 10, 10, 64, 3, 3, 1, 1, 1, 0, 1, 1, 8, 0, 1, 0},
        {"3x3 p1 C128 c0 64 tap(1,0)", 2, 8, 8, 128, 3, 3, 1, 1, 1, 1, 1, 1, 40, 1, 0, 64},
        {"3x3 p1 C40 (zero fill) tap(1,1)", 3, 9, 9, 40, 3, 3, 1, 1, 1, 1, 1, 1, 100, 1, 1, 0},
    };
    for (const ConvCase& k : cases) im2col_case(k);
    tiled_case("B 128B swizzle", 100, 200, 64, CU_TENSOR_MAP_SWIZZLE_128B, 0, 64);
    tiled_case("B 128B swizzle edges", 100, 200, 64, CU_TENSOR_MAP_SWIZZLE_128B, 64, 168);
    tiled_case("B 64B swizzle", 160, 96, 32, CU_TENSOR_MAP_SWIZZLE_64B, 16, 32);
    printf("tma_probe: %s\n", g_failed ? "FAILED cases above" : "all cases pass");
    return g_failed ? 1 : 0;
}
