// tc_3xtf32.cu — instantiations + launcher of the tensor-core GEMM kernels for
// MATH_3XTF32 (implicit: MED/SMALL tiles — no BIG, see has_big_tile; UNFOLD_GEMM:
// MED). Separate translation unit so the CUDA build parallelises.
#define FC_CUDA_TC_LAUNCH_IMPL 1
#include "cuda/kernels/implicit_gemm_tc.cuh"
#include "cuda/launch.cuh"

namespace fc {
namespace cuda {

cudaError_t tc_3xtf32(int tile, bool implicit, const ConvParams& p, const GemmArgs* args, cudaStream_t s) {
    return dispatch_tc<MATH_3XTF32>(tile, implicit, p, args, s);
}

}  // namespace cuda
}  // namespace fc
