// cuda_ck.h — CK(call): the device programs' (device_ceiling, wgmma_probe, tma_probe) CUDA runtime check: on an
// error, print the call, the error and the program (kProgram, defined by the includer) and exit with status 2.
// sm90a_device: whether device 0 runs the sm_90a-only probes.
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

// True, with *prop filled, when device 0 has compute capability 9.0 (the only one an sm_90a image runs on);
// else prints "<program>: skipped: ..." (no device, or another capability; `what` names what needs it)
// and returns false, and the program exits 0.
inline bool sm90a_device(const char* program, const char* what, cudaDeviceProp* prop) {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
        printf("%s: skipped: no CUDA device\n", program);
        return false;
    }
    const cudaError_t e = cudaGetDeviceProperties(prop, 0);
    if (e != cudaSuccess) {
        fprintf(stderr, "%s: cudaGetDeviceProperties failed: %s\n", program, cudaGetErrorString(e));
        exit(2);
    }
    if (prop->major != 9 || prop->minor != 0) {
        printf("%s: skipped: %s is sm_%d%d; %s runs on compute capability 9.0 only\n", program, prop->name,
               prop->major, prop->minor, what);
        return false;
    }
    return true;
}
