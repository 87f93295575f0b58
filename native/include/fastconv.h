/*
 * fastconv.h — the public C API of libfastconv.
 *
 * Convolution as unfold (im2col) + GEMM, with the unfold fused into the GEMM's
 * tile loads (implicit GEMM), on CPU (always available) and CUDA (when built
 * with nvcc and a driver + device are present at run time).
 *
 * Conventions
 *  - Every function that can fail returns an fc_status; FC_SUCCESS is 0.
 *    On failure fc_last_error() returns a thread-local message that names the
 *    bad argument and the value that was expected. fc_version() and
 *    fc_last_error() are the only functions that cannot fail.
 *  - Devices are numbered globally: device 0 is always the CPU, devices
 *    1..fc_device_count()-1 are CUDA devices (if any).
 *  - Tensor shapes are logical PyTorch shapes: input (N, C, *spatial),
 *    weight (K, C/groups, *kernel), bias (K), output (N, K, *out_spatial).
 *    The layout says how they are stored in memory:
 *      FC_LAYOUT_NCHW  (channels first: NCW / NCHW / NCDHW; weight K,C/g,R,S),
 *      FC_LAYOUT_NHWC  (channels last:  NWC / NHWC / NDHWC; weight K,R,S,C/g).
 *    All tensors are dense and contiguous in that order.
 *  - Spatial arrays in fc_conv_desc are ordered outermost first (D, H, W) and
 *    only the first `spatial_dims` entries are read.
 *  - Pointers passed to fc_conv_forward / fc_unfold live on the plan's device.
 *  - A NULL fc_stream means the device's default stream; on the CPU the work
 *    is done by the time the call returns.
 */
#ifndef FASTCONV_H
#define FASTCONV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define FC_API __declspec(dllexport)
#else
#define FC_API __attribute__((visibility("default")))
#endif

/* Version: major*10000 + minor*100 + patch. The Java side checks the major. */
#define FC_VERSION_MAJOR 0
#define FC_VERSION_MINOR 1
#define FC_VERSION_PATCH 0
#define FC_VERSION (FC_VERSION_MAJOR * 10000 + FC_VERSION_MINOR * 100 + FC_VERSION_PATCH)

#define FC_MAX_SPATIAL_DIMS 3
#define FC_NAME_LENGTH 128
/* The CUDA kernels need compute capability FC_CUDA_MIN_COMPUTE_MAJOR.0 or newer (cp.async, ldmatrix,
 * mma.sync); plans and fc_unfold on an older CUDA device fail with FC_ERROR_UNSUPPORTED. */
#define FC_CUDA_MIN_COMPUTE_MAJOR 8

typedef enum fc_status {
    FC_SUCCESS = 0,
    FC_ERROR_INVALID_ARGUMENT = 1, /* a bad value; fc_last_error() names it      */
    FC_ERROR_UNSUPPORTED = 2,      /* valid, but not supported by this backend   */
    FC_ERROR_OUT_OF_MEMORY = 3,    /* an allocation failed                       */
    FC_ERROR_DEVICE = 4,           /* the device or its driver reported an error */
    FC_ERROR_NOT_AVAILABLE = 5,    /* e.g. CUDA asked for but not present        */
    FC_ERROR_INTERNAL = 6          /* a bug in fastconv: please report it        */
} fc_status;

typedef enum fc_device_kind {
    FC_DEVICE_CPU = 0,
    FC_DEVICE_CUDA = 1
} fc_device_kind;

/* The SIMD instruction set the CPU backend dispatches to at run time. */
typedef enum fc_simd_level {
    FC_SIMD_SCALAR = 0,
    FC_SIMD_AVX2 = 1,   /* AVX2 + FMA + F16C */
    FC_SIMD_AVX512 = 2  /* AVX-512F (+ AVX2/FMA/F16C) */
} fc_simd_level;

typedef enum fc_dtype {
    FC_DTYPE_F32 = 0,
    FC_DTYPE_F16 = 1   /* IEEE binary16 */
} fc_dtype;

/* How products are formed. Accumulation is always at least fp32. */
typedef enum fc_precision {
    FC_PRECISION_FP32 = 0,   /* exact fp32 products (SIMT FFMA on CUDA)           */
    FC_PRECISION_TF32 = 1,   /* inputs rounded to tf32 (cvt.rna), fp32 accumulate */
    FC_PRECISION_FP16 = 2,   /* inputs rounded to fp16, fp32 accumulate           */
    FC_PRECISION_3XTF32 = 3  /* fp32 accuracy on tf32 tensor cores (big/small split) */
} fc_precision;

typedef enum fc_layout {
    FC_LAYOUT_NCHW = 0,  /* channels first */
    FC_LAYOUT_NHWC = 1   /* channels last  */
} fc_layout;

typedef enum fc_algorithm {
    FC_ALGO_AUTO = 0,          /* the backend's heuristic picks               */
    FC_ALGO_DIRECT = 1,        /* direct loops: the reference                 */
    FC_ALGO_UNFOLD_GEMM = 2,   /* explicit unfold into the workspace + GEMM   */
    FC_ALGO_IMPLICIT_GEMM = 3  /* unfold fused into the GEMM's tile loads     */
} fc_algorithm;

typedef enum fc_activation {
    FC_ACTIVATION_NONE = 0,
    FC_ACTIVATION_RELU = 1
} fc_activation;

typedef struct fc_device_info {
    int32_t kind;                    /* fc_device_kind                        */
    int32_t index;                   /* the global device number              */
    char name[FC_NAME_LENGTH];       /* NUL-terminated                        */
    int32_t compute_capability_major;/* CUDA only, else 0                     */
    int32_t compute_capability_minor;
    int64_t total_memory;            /* bytes (CPU: physical memory)          */
    int32_t multiprocessor_count;    /* CUDA SMs; CPU: 0                      */
    int32_t num_threads;             /* CPU worker threads; CUDA: 0           */
    int32_t simd_level;              /* fc_simd_level for the CPU; CUDA: 0    */
    int32_t reserved;
} fc_device_info;

/*
 * A convolution problem, shapes included (a plan is made for one shape).
 * Fill it with fc_conv_desc_init() first, then set the fields.
 */
typedef struct fc_conv_desc {
    int32_t spatial_dims;   /* 1, 2 or 3                                  */
    int32_t dtype;          /* fc_dtype of x, w, bias and y               */
    int32_t precision;      /* fc_precision                               */
    int32_t layout;         /* fc_layout of x, w and y                    */
    int32_t algorithm;      /* fc_algorithm                               */
    int32_t has_bias;       /* 0 or 1                                     */
    int32_t activation;     /* fc_activation applied after the bias       */
    int32_t reserved;
    int64_t batch;          /* N >= 1                                     */
    int64_t in_channels;    /* C >= 1, divisible by groups                */
    int64_t out_channels;   /* K >= 1, divisible by groups                */
    int64_t groups;         /* >= 1                                       */
    int64_t in_size[FC_MAX_SPATIAL_DIMS];     /* >= 1                     */
    int64_t kernel_size[FC_MAX_SPATIAL_DIMS]; /* >= 1                     */
    int64_t stride[FC_MAX_SPATIAL_DIMS];      /* >= 1                     */
    int64_t pad_begin[FC_MAX_SPATIAL_DIMS];   /* >= 0                     */
    int64_t pad_end[FC_MAX_SPATIAL_DIMS];     /* >= 0                     */
    int64_t dilation[FC_MAX_SPATIAL_DIMS];    /* >= 1                     */
} fc_conv_desc;

typedef struct fc_stream_s *fc_stream;
typedef struct fc_event_s *fc_event;
typedef struct fc_conv_plan_s *fc_conv_plan;

/* ---- library ---------------------------------------------------------- */
FC_API int32_t fc_version(void);
FC_API const char *fc_last_error(void);
/* Why the CUDA backend is or is not registered (never NULL). */
FC_API const char *fc_cuda_status(void);
/* Number of live native allocations made by fastconv (memory, plans,
 * streams, events). For leak tests. */
FC_API fc_status fc_live_objects(int64_t *count);
/* CPU worker threads used by the CPU backend (0 = one per core). */
FC_API fc_status fc_cpu_set_num_threads(int32_t threads);
/* Autotuning at plan creation, process-wide, read by every later fc_conv_plan_create:
 * FC_AUTOTUNE_ON times the candidates on scratch tensors and keeps the fastest (CPU: AUTO's
 * algorithms; CUDA: every kernel, tile, split-K and input transform of the requested algorithm,
 * cached per device and problem), FC_AUTOTUNE_OFF keeps the heuristic, FC_AUTOTUNE_DEFAULT (the
 * initial setting) lets the environment variable FASTCONV_AUTOTUNE decide (set and not "0": on). */
typedef enum fc_autotune {
    FC_AUTOTUNE_DEFAULT = -1,
    FC_AUTOTUNE_OFF = 0,
    FC_AUTOTUNE_ON = 1
} fc_autotune;
FC_API fc_status fc_set_autotune(int32_t mode);
/* Whether plan creation autotunes now (1) or not (0), the environment resolved. */
FC_API fc_status fc_autotune_enabled(int32_t *enabled);

/* ---- devices ---------------------------------------------------------- */
FC_API fc_status fc_device_count(int32_t *count);
FC_API fc_status fc_device_get_info(int32_t device, fc_device_info *info);

/* ---- memory ----------------------------------------------------------- */
/* Device memory (CPU: 64-byte aligned host memory). bytes may be 0. */
FC_API fc_status fc_malloc(int32_t device, size_t bytes, void **ptr);
FC_API fc_status fc_free(int32_t device, void *ptr);
/* Page-locked host memory when CUDA is present, else aligned host memory. */
FC_API fc_status fc_malloc_host(size_t bytes, void **ptr);
FC_API fc_status fc_free_host(void *ptr);
/* Copy bytes between any two devices, ordered on stream (NULL: default). */
FC_API fc_status fc_memcpy(fc_stream stream, void *dst, int32_t dst_device,
                           const void *src, int32_t src_device, size_t bytes);

/* ---- streams and events ----------------------------------------------- */
FC_API fc_status fc_stream_create(int32_t device, fc_stream *stream);
FC_API fc_status fc_stream_destroy(fc_stream stream);
/* Waits for all work queued on stream; NULL waits for every device's default stream. */
FC_API fc_status fc_stream_synchronize(fc_stream stream);
FC_API fc_status fc_stream_device(fc_stream stream, int32_t *device);
FC_API fc_status fc_event_create(int32_t device, fc_event *event);
FC_API fc_status fc_event_destroy(fc_event event);
FC_API fc_status fc_event_record(fc_event event, fc_stream stream);
FC_API fc_status fc_event_synchronize(fc_event event);
/* Milliseconds between two recorded events of the same device. */
FC_API fc_status fc_event_elapsed_ms(fc_event start, fc_event end, float *ms);

/* ---- convolution descriptor -------------------------------------------- */
/* Defaults: 2-D, f32, fp32, NCHW, AUTO, no bias, no activation, N=C=K=g=1,
 * sizes 1, stride 1, padding 0, dilation 1. */
FC_API fc_status fc_conv_desc_init(fc_conv_desc *desc);
/* Checks every field with PyTorch's rules; the error names the field. */
FC_API fc_status fc_conv_desc_validate(const fc_conv_desc *desc);
/* Output spatial sizes (first spatial_dims entries written). */
FC_API fc_status fc_conv_output_size(const fc_conv_desc *desc, int64_t out_size[FC_MAX_SPATIAL_DIMS]);
/* Element counts of x, w, bias (0 without bias) and y. */
FC_API fc_status fc_conv_tensor_sizes(const fc_conv_desc *desc, int64_t *x_elems,
                                      int64_t *w_elems, int64_t *bias_elems, int64_t *y_elems);

/* ---- plans ------------------------------------------------------------ */
/* An immutable plan for one problem on one device. Safe to execute from
 * several threads at once, each with its own y and workspace. */
FC_API fc_status fc_conv_plan_create(const fc_conv_desc *desc, int32_t device, fc_conv_plan *plan);
FC_API fc_status fc_conv_plan_destroy(fc_conv_plan plan);
/* Bytes of workspace fc_conv_forward needs (may be 0: then pass NULL). */
FC_API fc_status fc_conv_plan_workspace_size(fc_conv_plan plan, size_t *bytes);
/* The algorithm the plan runs (AUTO resolved). */
FC_API fc_status fc_conv_plan_algorithm(fc_conv_plan plan, int32_t *algorithm);
/* A copy of the plan's descriptor (with AUTO resolved). */
FC_API fc_status fc_conv_plan_desc(fc_conv_plan plan, fc_conv_desc *desc);
/* y = act(conv(x, w) + bias). bias may be NULL only if !has_bias. */
FC_API fc_status fc_conv_forward(fc_conv_plan plan, fc_stream stream, const void *x,
                                 const void *w, const void *bias, void *y, void *workspace);

/* ---- unfold (im2col, like torch.nn.functional.unfold / unfoldNd) ------- */
/* cols has shape (N, C * prod(kernel), L) with L = prod(out_size), row index
 * c * prod(kernel) + kernel offset (row-major over kernel dims), for either
 * input layout. groups, out_channels, bias and precision are ignored. */
FC_API fc_status fc_unfold_size(const fc_conv_desc *desc, int64_t *cols_elems);
FC_API fc_status fc_unfold(const fc_conv_desc *desc, int32_t device, fc_stream stream,
                           const void *x, void *cols);

#ifdef __cplusplus
}
#endif
#endif /* FASTCONV_H */
