// cuda_ck.h — CK(call): the device programs' (device_ceiling, wgmma_probe) CUDA runtime check: on an error,
// print the call, the error and the program (kProgram, defined by the includer) and exit with status 2.
#pragma once
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>

#define CK(x)                                                                                      \
    do {                                                                                           \
        cudaError_t e_ = (x);                                                                      \
        if (e_ != cudaSuccess) {                                                                   \
            fprintf(stderr, "%s: %s failed: %s\n", kProgram, #x, cudaGetErrorString(e_));          \
            exit(2);                                                                               \
        }                                                                                          \
    } while (0)
