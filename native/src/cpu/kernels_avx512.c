/* AVX-512F build of the CPU kernels (compiled with -mavx512f -mavx2 -mfma -mf16c). */
#define KERN_NAME fc_cpu_kernels_avx512
#define KERN_LEVEL FC_SIMD_AVX512
#define VW 16
#define MR 8
#define NV 2
#include "cpu/kernels.inc"
