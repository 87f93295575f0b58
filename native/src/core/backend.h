/*
 * backend.h — the table every device backend fills in (internal).
 *
 * The public API (native/src/core/api.c) owns handles, validation, error
 * messages and the live-object counter; it maps a global device number to
 * (backend, local index) and forwards to the backend's table. A backend only
 * ever sees descriptors that passed fc_conv_desc_validate(), and pointers that
 * live on its own devices. CPU: native/src/cpu. CUDA: native/src/cuda.
 */
#ifndef FASTCONV_CORE_BACKEND_H
#define FASTCONV_CORE_BACKEND_H

#include "fastconv.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fc_backend {
    const char *name;  /* "cpu", "cuda" */
    int32_t kind;      /* fc_device_kind */

    /* Devices this backend provides (CPU: 1; CUDA: 0 when no driver/device). */
    int32_t (*device_count)(void);
    fc_status (*device_info)(int32_t local, fc_device_info *info);

    fc_status (*mem_alloc)(int32_t local, size_t bytes, void **ptr);
    fc_status (*mem_free)(int32_t local, void *ptr);
    /* Copy where at least one side is on this backend's device `local`;
     * the other side is host memory (kind CPU) or the same device. */
    fc_status (*mem_copy)(int32_t local, void *stream, void *dst, int32_t dst_kind,
                          const void *src, int32_t src_kind, size_t bytes);

    fc_status (*stream_create)(int32_t local, void **stream);
    fc_status (*stream_destroy)(void *stream);
    fc_status (*stream_synchronize)(void *stream);  /* NULL = default stream */
    fc_status (*event_create)(int32_t local, void **event);
    fc_status (*event_destroy)(void *event);
    fc_status (*event_record)(void *event, void *stream);
    fc_status (*event_synchronize)(void *event);
    fc_status (*event_elapsed_ms)(void *start, void *end, float *ms);

    /* Make a plan; AUTO must be resolved into *algorithm. */
    fc_status (*plan_create)(const fc_conv_desc *desc, int32_t local, void **plan,
                             size_t *workspace_bytes, int32_t *algorithm);
    fc_status (*plan_destroy)(void *plan);
    fc_status (*conv_forward)(void *plan, void *stream, const void *x, const void *w,
                              const void *bias, void *y, void *workspace);
    fc_status (*unfold)(const fc_conv_desc *desc, int32_t local, void *stream,
                        const void *x, void *cols);

    /* Page-locked host memory that this backend's copies can overlap with compute
     * (CUDA: cudaMallocHost). NULL when the backend offers none. */
    fc_status (*host_alloc)(size_t bytes, void **ptr);
    fc_status (*host_free)(void *ptr);
} fc_backend;

/* Provided by each backend source set. */
const fc_backend *fc_cpu_backend(void);
/* Returns NULL when built without CUDA; otherwise a table whose
 * device_count() is 0 when no driver or device is present. */
const fc_backend *fc_cuda_backend(void);
/* Human-readable reason for the CUDA backend's state. */
const char *fc_cuda_backend_status(void);

/* Error reporting shared by all backends (thread-local message). */
fc_status fc_set_error(fc_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* An on/off environment variable: set, not empty and not "0". */
int fc_env_on(const char *name);
/* Whether plan creation autotunes (fc_set_autotune, else the environment variable FASTCONV_AUTOTUNE). */
int fc_autotune_on(void);

#ifdef __cplusplus
}
#endif
#endif
