/* Baseline build of the CPU kernels (no AVX: SSE2 on x86-64, generic elsewhere). */
#define KERN_NAME fc_cpu_kernels_scalar
#define KERN_LEVEL FC_SIMD_SCALAR
#define VW 4
#define MR 4
#define NV 2
#include "cpu/kernels.inc"
