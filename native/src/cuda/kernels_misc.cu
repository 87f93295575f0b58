// kernels_misc.cu — instantiations + launchers of the non-tensor-core kernels:
// SIMT FP32 GEMM (implicit / on the unfold workspace), direct, unfold.
#include "cuda/kernels/direct.cuh"
#include "cuda/kernels/direct_tile.cuh"
#include "cuda/kernels/epilogue.cuh"
#include "cuda/kernels/implicit_gemm_simt.cuh"
#include "cuda/kernels/unfold.cuh"
#include "cuda/launch.cuh"

namespace fc {
namespace cuda {

template <bool Impl>
static cudaError_t run_simt(const ConvParams& p, const GemmArgs* args, cudaStream_t s) {
    typedef TileFor<TILE_SIMT, 4>::type Cfg;
    void (*kern)(ConvParams, const void*, const void*, const void*, void*, int, int, int, float*) =
        simt_conv_kernel<Impl>;
    if (!args)
        return cudaFuncSetAttribute(reinterpret_cast<const void*>(kern), cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    (int)Cfg::kSmemBytes);
    const int splits = args->splits > 1 ? args->splits : 1;
    const dim3 grid((unsigned)cdiv(p.M, Cfg::BM), (unsigned)cdiv(p.Kg, Cfg::BN), (unsigned)(p.G * splits));
    kern<<<grid, Cfg::kThreads, Cfg::kSmemBytes, s>>>(p, args->a, args->w, args->bias, args->y, args->vec_a,
                                                       args->vec_b, splits, args->partial);
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess || splits == 1) return e;
    return splitk_reduce(0, p, splits, args->partial, args->bias, args->y, args->num_sms, s);
}

cudaError_t simt_gemm(bool implicit, const ConvParams& p, const GemmArgs* args, cudaStream_t s) {
    return implicit ? run_simt<true>(p, args, s) : run_simt<false>(p, args, s);
}

template <class Elem, int KB>
static cudaError_t run_direct(int round_mode, const ConvParams& p, const void* x, const void* w, const void* bias,
                              void* y, cudaStream_t s) {
    const dim3 grid((unsigned)cdiv(p.OPQ, kDirectThreads), (unsigned)(p.G * cdiv(p.Kg, KB)), (unsigned)p.N);
    direct_conv_kernel<Elem, KB><<<grid, kDirectThreads, 0, s>>>(p, round_mode, static_cast<const Elem*>(x),
                                                                 static_cast<const Elem*>(w),
                                                                 static_cast<const Elem*>(bias), static_cast<Elem*>(y));
    return cudaGetLastError();
}

template <class Elem, int KB, int RM>
static cudaError_t run_direct_strip(const ConvParams& p, const void* x, const void* w, const void* bias, void* y,
                                    cudaStream_t s) {
    const int store_mode = direct_strip_store_mode(p, KB, y, (int)sizeof(Elem));
    const size_t smem = direct_strip_smem(p, KB, store_mode, (int)sizeof(Elem));
    const dim3 grid((unsigned)cdiv(p.OPQ, kDirectStripPixels), (unsigned)(p.G * cdiv(p.Kg, KB)), (unsigned)p.N);
    direct_strip_kernel<Elem, KB, RM><<<grid, kDirectThreads, smem, s>>>(
        p, static_cast<const Elem*>(x), static_cast<const Elem*>(w), static_cast<const Elem*>(bias),
        static_cast<Elem*>(y), store_mode);
    return cudaGetLastError();
}

template <class Elem, int KB>
static cudaError_t run_direct_any(int round_mode, const ConvParams& p, const void* x, const void* w,
                                  const void* bias, void* y, cudaStream_t s) {
    if (!direct_strip_fits(p, KB)) return run_direct<Elem, KB>(round_mode, p, x, w, bias, y, s);
    if constexpr (sizeof(Elem) == 2) {  // fp16 tensors: values are exact, no input rounding
        return run_direct_strip<Elem, KB, ROUND_NONE>(p, x, w, bias, y, s);
    } else {
        if (round_mode == ROUND_TF32) return run_direct_strip<Elem, KB, ROUND_TF32>(p, x, w, bias, y, s);
        if (round_mode == ROUND_F16) return run_direct_strip<Elem, KB, ROUND_F16>(p, x, w, bias, y, s);
        return run_direct_strip<Elem, KB, ROUND_NONE>(p, x, w, bias, y, s);
    }
}

template <class Elem>
static cudaError_t run_direct_tile(int round_mode, bool mma, int num_sms, int bps, const ConvParams& p, const void* x,
                                   const void* w, const void* bias, void* y, cudaStream_t s) {
    const DirectTileArgs a = direct_tile_args(p, (int)sizeof(Elem), x, y);
    if (a.ntiles == 0) return cudaSuccess;
    unsigned gx, gy;
    direct_tile_grid(p, a, num_sms, bps, &gx, &gy);
    const DirectTileFn<Elem> kern = direct_tile_fn<Elem>(round_mode, p.Cg, p.chlast != 0, mma);
    kern<<<dim3(gx, gy, 1), kDirectTileThreads, direct_tile_smem(p, (int)sizeof(Elem), mma), s>>>(
        p, a, static_cast<const Elem*>(x), static_cast<const Elem*>(w), static_cast<const Elem*>(bias),
        static_cast<Elem*>(y));
    return cudaGetLastError();
}

cudaError_t direct_tile_occupancy(int f16, int round_mode, int tile, const ConvParams& p, int* blocks_per_sm) {
    const bool mma = tile == 2;
    const void* kern =
        f16 ? reinterpret_cast<const void*>(direct_tile_fn<half_t>(round_mode, p.Cg, p.chlast != 0, mma))
            : reinterpret_cast<const void*>(direct_tile_fn<float>(round_mode, p.Cg, p.chlast != 0, mma));
    return cudaOccupancyMaxActiveBlocksPerMultiprocessor(blocks_per_sm, kern, kDirectTileThreads,
                                                         direct_tile_smem(p, f16 ? 2 : 4, mma));
}

cudaError_t direct_conv(int f16, int kb, int round_mode, int tile, int num_sms, int tile_bps, const ConvParams& p,
                        const void* x, const void* w, const void* bias, void* y, cudaStream_t s) {
    if (tile && direct_tile_supported(p, kb))
        return f16 ? run_direct_tile<half_t>(round_mode, tile == 2, num_sms, tile_bps, p, x, w, bias, y, s)
                   : run_direct_tile<float>(round_mode, tile == 2, num_sms, tile_bps, p, x, w, bias, y, s);
    if (f16) return kb == 16 ? run_direct_any<half_t, 16>(round_mode, p, x, w, bias, y, s)
                             : run_direct_any<half_t, 4>(round_mode, p, x, w, bias, y, s);
    return kb == 16 ? run_direct_any<float, 16>(round_mode, p, x, w, bias, y, s)
                    : run_direct_any<float, 4>(round_mode, p, x, w, bias, y, s);
}

cudaError_t unfold(int f16, int mode, const ConvParams& p, const void* x, void* out, int num_sms, cudaStream_t s) {
    const long long total = mode == UNFOLD_PUBLIC ? (long long)p.N * p.C * p.TRS * p.OPQ
                                                  : (long long)p.G * p.M * p.Kgemm;
    if (total == 0) return cudaSuccess;
    if (total > 0x7fffffff) return cudaErrorInvalidValue;  // 32-bit indices (make_conv_params refuses these)
    long long blocks = (total + 255) / 256;
    const long long cap = (long long)(num_sms > 0 ? num_sms : 1) * 32;
    if (blocks > cap) blocks = cap;
    if (f16)
        unfold_kernel<half_t><<<(unsigned)blocks, 256, 0, s>>>(p, mode, static_cast<const half_t*>(x),
                                                               static_cast<half_t*>(out), (int)total);
    else
        unfold_kernel<float><<<(unsigned)blocks, 256, 0, s>>>(p, mode, static_cast<const float*>(x),
                                                              static_cast<float*>(out), (int)total);
    return cudaGetLastError();
}

cudaError_t transpose(int f16, const void* in, void* out, int b, int rows, int cols, cudaStream_t s,
                      bool round_tf32) {
    if ((long long)b * rows * cols == 0) return cudaSuccess;
    const dim3 grid((unsigned)cdiv(cols, 32), (unsigned)cdiv(rows, 32), (unsigned)b), block(32, 8);
    const float* fin = static_cast<const float*>(in);
    float* fout = static_cast<float*>(out);
    if (f16)
        transpose_kernel<half_t><<<grid, block, 0, s>>>(static_cast<const half_t*>(in), static_cast<half_t*>(out), rows,
                                                        cols);
    else if (round_tf32)
        transpose_kernel<float, true><<<grid, block, 0, s>>>(fin, fout, rows, cols);
    else
        transpose_kernel<float><<<grid, block, 0, s>>>(fin, fout, rows, cols);
    return cudaGetLastError();
}

static unsigned grid_for(long long total, int num_sms, int per_sm) {
    long long blocks = (total + 255) / 256;
    const long long cap = (long long)(num_sms > 0 ? num_sms : 1) * per_sm;
    return (unsigned)(blocks > cap ? cap : blocks);
}

cudaError_t pad_nhwc(int f16, const ConvParams& p, int cgp, const void* x, void* out, int num_sms, cudaStream_t s) {
    const int vec = f16 ? 8 : 4;
    const long long total = (long long)p.N * p.D * p.H * p.W * (p.G * cgp / vec);
    if (total == 0) return cudaSuccess;
    if (total > 0x7fffffff) return cudaErrorInvalidValue;  // 32-bit indices (make_conv_params refuses these)
    if (f16)
        pad_nhwc_kernel<half_t><<<grid_for(total, num_sms, 32), 256, 0, s>>>(p, cgp, static_cast<const half_t*>(x),
                                                                             static_cast<half_t*>(out), (int)total);
    else
        pad_nhwc_kernel<float><<<grid_for(total, num_sms, 32), 256, 0, s>>>(p, cgp, static_cast<const float*>(x),
                                                                            static_cast<float*>(out), (int)total);
    return cudaGetLastError();
}

cudaError_t pad_weights(int f16, const ConvParams& p, int cgp, const void* w, void* out, int num_sms, cudaStream_t s) {
    const long long total = (long long)p.K * p.TRS * cgp;
    if (total == 0) return cudaSuccess;
    if (total > 0x7fffffff) return cudaErrorInvalidValue;  // 32-bit indices (make_conv_params refuses these)
    if (f16)
        pad_weights_kernel<half_t><<<grid_for(total, num_sms, 8), 256, 0, s>>>(p, cgp, static_cast<const half_t*>(w),
                                                                               static_cast<half_t*>(out), (int)total);
    else
        pad_weights_kernel<float><<<grid_for(total, num_sms, 8), 256, 0, s>>>(p, cgp, static_cast<const float*>(w),
                                                                              static_cast<float*>(out), (int)total);
    return cudaGetLastError();
}

cudaError_t splitk_reduce(int f16, const ConvParams& p, int splits, const float* partial, const void* bias, void* y,
                          int num_sms, cudaStream_t s) {
    // columns per thread: 4 (16-byte partial loads) where rows are whole vectors and the workspace (the
    // caller's memory) is 16-byte aligned
    const int v = p.Kg % 4 == 0 && reinterpret_cast<uintptr_t>(partial) % 16 == 0 ? 4 : 1;
    const long long total = (long long)p.G * p.M * (p.Kg / v);
    if (total == 0) return cudaSuccess;
    const unsigned blocks = grid_for(total, num_sms, 16);
    if (f16) {
        const half_t* b = static_cast<const half_t*>(bias);
        half_t* out = static_cast<half_t*>(y);
        if (v == 4) splitk_reduce_kernel<half_t, 4><<<blocks, 256, 0, s>>>(p, splits, partial, b, out);
        else splitk_reduce_kernel<half_t, 1><<<blocks, 256, 0, s>>>(p, splits, partial, b, out);
    } else {
        const float* b = static_cast<const float*>(bias);
        float* out = static_cast<float*>(y);
        if (v == 4) splitk_reduce_kernel<float, 4><<<blocks, 256, 0, s>>>(p, splits, partial, b, out);
        else splitk_reduce_kernel<float, 1><<<blocks, 256, 0, s>>>(p, splits, partial, b, out);
    }
    return cudaGetLastError();
}

}  // namespace cuda
}  // namespace fc
