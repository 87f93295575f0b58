/* cuda_stub.c — compiled instead of src/cuda when the CUDA backend is not built. */
#include "core/backend.h"

const fc_backend *fc_cuda_backend(void) { return NULL; }

const char *fc_cuda_backend_status(void)
{
    return "built without CUDA (FASTCONV_CUDA=OFF or nvcc not found)";
}
