/* AVX2 + FMA + F16C build of the CPU kernels (compiled with -mavx2 -mfma -mf16c). */
#define KERN_NAME fc_cpu_kernels_avx2
#define KERN_LEVEL FC_SIMD_AVX2
#define VW 8
#define MR 6
#define NV 2
#include "cpu/kernels.inc"
