// tc_f16.cu — instantiations + launcher of the tensor-core GEMM kernels for
// MATH_F16 (implicit: BIG/WIDE/MED/SMALL tiles as the heuristic can pick, and
// tc_halo_kernel; UNFOLD_GEMM: MED). Separate translation unit so the CUDA build parallelises.
#define FC_CUDA_TC_LAUNCH_IMPL 1
#include "cuda/kernels/implicit_gemm_tc.cuh"
#include "cuda/launch.cuh"

namespace fc {
namespace cuda {

cudaError_t tc_f16(int tile, bool implicit, const ConvParams& p, const GemmArgs* args, cudaStream_t s) {
    return dispatch_tc<MATH_F16>(tile, implicit, p, args, s);
}

}  // namespace cuda
}  // namespace fc
