/*
 * api.c — the public API: device registry, handles, validation, error
 * messages and the live-object counter. Forwards to the backend tables.
 *
 * Conventions chosen here:
 *  - Every pointer argument must be non-NULL (FC_ERROR_INVALID_ARGUMENT naming
 *    it), including fc_free/fc_free_host/fc_memcpy pointers. fc_malloc never
 *    returns NULL on success (bytes == 0 gives a unique, freeable pointer).
 *  - fc_last_error() keeps the last failure's message (thread-local) until the
 *    next failure on that thread; "" when nothing has failed yet.
 */
#define _GNU_SOURCE
#include "core/backend.h"

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors ----------------------------------------------------------- */
static __thread char g_error[1024];

fc_status fc_set_error(fc_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_error, sizeof g_error, fmt, ap);
    va_end(ap);
    return status;
}

FC_API const char *fc_last_error(void) { return g_error; }
FC_API int32_t fc_version(void) { return FC_VERSION; }
FC_API const char *fc_cuda_status(void)
{
    const char *s = fc_cuda_backend_status();
    return s ? s : "unknown";
}

#define CHECK_PTR(p)                                                                  \
    do {                                                                              \
        if ((p) == NULL)                                                              \
            return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "%s must not be NULL (in %s)", \
                                #p, __func__);                                        \
    } while (0)

/* ---- autotuning switch ------------------------------------------------ */
static _Atomic int32_t g_autotune = FC_AUTOTUNE_DEFAULT;

FC_API fc_status fc_set_autotune(int32_t mode)
{
    if (mode != FC_AUTOTUNE_DEFAULT && mode != FC_AUTOTUNE_OFF && mode != FC_AUTOTUNE_ON)
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT,
                            "mode must be FC_AUTOTUNE_DEFAULT (-1), FC_AUTOTUNE_OFF (0) or FC_AUTOTUNE_ON (1) (got %d)",
                            mode);
    atomic_store(&g_autotune, mode);
    return FC_SUCCESS;
}

int fc_env_on(const char *name)
{
    const char *e = getenv(name);
    return e && *e && strcmp(e, "0") != 0;
}

int fc_autotune_on(void)
{
    const int32_t m = atomic_load(&g_autotune);
    if (m != FC_AUTOTUNE_DEFAULT) return m == FC_AUTOTUNE_ON;
    return fc_env_on("FASTCONV_AUTOTUNE");
}

FC_API fc_status fc_autotune_enabled(int32_t *enabled)
{
    CHECK_PTR(enabled);
    *enabled = fc_autotune_on();
    return FC_SUCCESS;
}

/* ---- live objects ----------------------------------------------------- */
static _Atomic int64_t g_live;
static void live_inc(void) { atomic_fetch_add(&g_live, 1); }
static void live_dec(void) { atomic_fetch_sub(&g_live, 1); }

FC_API fc_status fc_live_objects(int64_t *count)
{
    CHECK_PTR(count);
    *count = atomic_load(&g_live);
    return FC_SUCCESS;
}

/* ---- device registry -------------------------------------------------- */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static const fc_backend *g_cpu;
static const fc_backend *g_cuda;
static int32_t g_cuda_count;

static void registry_init(void)
{
    g_cpu = fc_cpu_backend();
    g_cuda = fc_cuda_backend();
    g_cuda_count = 0;
    if (g_cuda && g_cuda->device_count) {
        int32_t n = g_cuda->device_count();
        g_cuda_count = n > 0 ? n : 0;
    }
}

static int32_t device_count(void)
{
    pthread_once(&g_once, registry_init);
    return 1 + g_cuda_count;
}

/* Maps a global device to (backend, local index) or sets an error. */
static fc_status resolve(int32_t device, const fc_backend **be, int32_t *local)
{
    int32_t n = device_count();
    if (device < 0 || device >= n)
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "device %d does not exist (fc_device_count() = %d)",
                            device, n);
    if (device == 0) {
        *be = g_cpu;
        *local = 0;
    } else {
        *be = g_cuda;
        *local = device - 1;
    }
    return FC_SUCCESS;
}

FC_API fc_status fc_device_count(int32_t *count)
{
    CHECK_PTR(count);
    *count = device_count();
    return FC_SUCCESS;
}

FC_API fc_status fc_device_get_info(int32_t device, fc_device_info *info)
{
    const fc_backend *be = NULL;
    int32_t local = 0;
    CHECK_PTR(info);
    fc_status st = resolve(device, &be, &local);
    if (st) return st;
    memset(info, 0, sizeof *info);
    st = be->device_info(local, info);
    if (st) return st;
    info->index = device;
    info->kind = be->kind;
    return FC_SUCCESS;
}


/* ---- memory ----------------------------------------------------------- */
FC_API fc_status fc_malloc(int32_t device, size_t bytes, void **ptr)
{
    const fc_backend *be = NULL;
    int32_t local = 0;
    CHECK_PTR(ptr);
    *ptr = NULL;
    fc_status st = resolve(device, &be, &local);
    if (st) return st;
    if (bytes > ((size_t)1 << 62))
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "bytes (%zu) must be < 2^62", bytes);
    st = be->mem_alloc(local, bytes, ptr);
    if (st) return st;
    if (*ptr == NULL)
        return fc_set_error(FC_ERROR_INTERNAL, "backend %s returned NULL for fc_malloc(%zu)", be->name, bytes);
    live_inc();
    return FC_SUCCESS;
}

FC_API fc_status fc_free(int32_t device, void *ptr)
{
    const fc_backend *be = NULL;
    int32_t local = 0;
    CHECK_PTR(ptr);
    fc_status st = resolve(device, &be, &local);
    if (st) return st;
    st = be->mem_free(local, ptr);
    if (st) return st;
    live_dec();
    return FC_SUCCESS;
}

/* The backend whose page-locked host memory fc_malloc_host hands out: CUDA's when
 * it has devices (fixed for the process, so fc_free_host frees with the same one). */
static const fc_backend *pinned_host_backend(void)
{
    device_count();
    return g_cuda_count > 0 && g_cuda->host_alloc ? g_cuda : NULL;
}

FC_API fc_status fc_malloc_host(size_t bytes, void **ptr)
{
    CHECK_PTR(ptr);
    *ptr = NULL;
    device_count();
    if (bytes > ((size_t)1 << 62))
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "bytes (%zu) must be < 2^62", bytes);
    void *p = NULL;
    const fc_backend *pinned = pinned_host_backend();
    if (pinned) {
        fc_status st = pinned->host_alloc(bytes, &p);
        if (st) return st;
    } else if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0 || !p) {
        return fc_set_error(FC_ERROR_OUT_OF_MEMORY, "fc_malloc_host: cannot allocate %zu bytes", bytes);
    }
    *ptr = p;
    live_inc();
    return FC_SUCCESS;
}

FC_API fc_status fc_free_host(void *ptr)
{
    CHECK_PTR(ptr);
    const fc_backend *pinned = pinned_host_backend();
    if (pinned) {
        fc_status st = pinned->host_free(ptr);
        if (st) return st;
    } else {
        free(ptr);
    }
    live_dec();
    return FC_SUCCESS;
}

/* ---- streams and events ------------------------------------------------ */
struct fc_stream_s {
    int32_t device;
    int32_t local;
    const fc_backend *be;
    void *impl;
};
struct fc_event_s {
    int32_t device;
    int32_t local;
    const fc_backend *be;
    void *impl;
};
struct fc_conv_plan_s {
    int32_t device;
    int32_t local;
    const fc_backend *be;
    void *impl;
    size_t workspace;
    int32_t algorithm;
    fc_conv_desc desc;
};

FC_API fc_status fc_memcpy(fc_stream stream, void *dst, int32_t dst_device, const void *src,
                           int32_t src_device, size_t bytes)
{
    const fc_backend *dbe = NULL, *sbe = NULL;
    int32_t dl = 0, sl = 0;
    CHECK_PTR(dst);
    CHECK_PTR(src);
    fc_status st = resolve(dst_device, &dbe, &dl);
    if (st) return st;
    st = resolve(src_device, &sbe, &sl);
    if (st) return st;
    if (dst_device == 0 && src_device == 0) {
        if (stream && stream->device != 0)
            return fc_set_error(FC_ERROR_INVALID_ARGUMENT,
                                "stream is on device %d but both sides of the copy are on device 0 (CPU)",
                                stream->device);
        if (stream) /* a CPU stream is an asynchronous queue: the copy takes its place in it */
            return dbe->mem_copy(0, stream->impl, dst, FC_DEVICE_CPU, src, FC_DEVICE_CPU, bytes);
        if (bytes) memmove(dst, src, bytes);
        return FC_SUCCESS;
    }
    if (dst_device != 0 && src_device != 0 && dst_device != src_device)
        return fc_set_error(FC_ERROR_UNSUPPORTED,
                            "copies between two different CUDA devices (%d -> %d) are not supported; "
                            "stage through host memory", src_device, dst_device);
    int32_t dev = dst_device != 0 ? dst_device : src_device;
    const fc_backend *be = dst_device != 0 ? dbe : sbe;
    int32_t local = dst_device != 0 ? dl : sl;
    if (stream && stream->device != dev)
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT,
                            "stream is on device %d but the copy runs on device %d", stream->device, dev);
    return be->mem_copy(local, stream ? stream->impl : NULL, dst, dst_device == 0 ? FC_DEVICE_CPU : be->kind,
                        src, src_device == 0 ? FC_DEVICE_CPU : be->kind, bytes);
}

FC_API fc_status fc_stream_create(int32_t device, fc_stream *stream)
{
    const fc_backend *be = NULL;
    int32_t local = 0;
    CHECK_PTR(stream);
    *stream = NULL;
    fc_status st = resolve(device, &be, &local);
    if (st) return st;
    struct fc_stream_s *s = calloc(1, sizeof *s);
    if (!s) return fc_set_error(FC_ERROR_OUT_OF_MEMORY, "fc_stream_create: out of host memory");
    st = be->stream_create(local, &s->impl);
    if (st) {
        free(s);
        return st;
    }
    s->device = device;
    s->local = local;
    s->be = be;
    *stream = s;
    live_inc();
    return FC_SUCCESS;
}

FC_API fc_status fc_stream_destroy(fc_stream stream)
{
    CHECK_PTR(stream);
    fc_status st = stream->be->stream_destroy(stream->impl);
    if (st) return st;
    free(stream);
    live_dec();
    return FC_SUCCESS;
}

FC_API fc_status fc_stream_synchronize(fc_stream stream)
{
    if (!stream) {
        /* The default streams: the CPU's work is already done; CUDA's default
         * streams of every device are waited for. */
        if (device_count() > 1) return g_cuda->stream_synchronize(NULL);
        return FC_SUCCESS;
    }
    return stream->be->stream_synchronize(stream->impl);
}

FC_API fc_status fc_stream_device(fc_stream stream, int32_t *device)
{
    CHECK_PTR(stream);
    CHECK_PTR(device);
    *device = stream->device;
    return FC_SUCCESS;
}

FC_API fc_status fc_event_create(int32_t device, fc_event *event)
{
    const fc_backend *be = NULL;
    int32_t local = 0;
    CHECK_PTR(event);
    *event = NULL;
    fc_status st = resolve(device, &be, &local);
    if (st) return st;
    struct fc_event_s *e = calloc(1, sizeof *e);
    if (!e) return fc_set_error(FC_ERROR_OUT_OF_MEMORY, "fc_event_create: out of host memory");
    st = be->event_create(local, &e->impl);
    if (st) {
        free(e);
        return st;
    }
    e->device = device;
    e->local = local;
    e->be = be;
    *event = e;
    live_inc();
    return FC_SUCCESS;
}

FC_API fc_status fc_event_destroy(fc_event event)
{
    CHECK_PTR(event);
    fc_status st = event->be->event_destroy(event->impl);
    if (st) return st;
    free(event);
    live_dec();
    return FC_SUCCESS;
}

FC_API fc_status fc_event_record(fc_event event, fc_stream stream)
{
    CHECK_PTR(event);
    if (stream && stream->device != event->device)
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "stream is on device %d but event is on device %d",
                            stream->device, event->device);
    return event->be->event_record(event->impl, stream ? stream->impl : NULL);
}

FC_API fc_status fc_event_synchronize(fc_event event)
{
    CHECK_PTR(event);
    return event->be->event_synchronize(event->impl);
}

FC_API fc_status fc_event_elapsed_ms(fc_event start, fc_event end, float *ms)
{
    CHECK_PTR(start);
    CHECK_PTR(end);
    CHECK_PTR(ms);
    if (start->device != end->device)
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "start (device %d) and end (device %d) must be on the same device",
                            start->device, end->device);
    return start->be->event_elapsed_ms(start->impl, end->impl, ms);
}

/* ---- descriptors -------------------------------------------------------- */
FC_API fc_status fc_conv_desc_init(fc_conv_desc *desc)
{
    CHECK_PTR(desc);
    memset(desc, 0, sizeof *desc);
    desc->spatial_dims = 2;
    desc->dtype = FC_DTYPE_F32;
    desc->precision = FC_PRECISION_FP32;
    desc->layout = FC_LAYOUT_NCHW;
    desc->algorithm = FC_ALGO_AUTO;
    desc->has_bias = 0;
    desc->activation = FC_ACTIVATION_NONE;
    desc->batch = desc->in_channels = desc->out_channels = desc->groups = 1;
    for (int i = 0; i < FC_MAX_SPATIAL_DIMS; i++) {
        desc->in_size[i] = desc->kernel_size[i] = desc->stride[i] = desc->dilation[i] = 1;
        desc->pad_begin[i] = desc->pad_end[i] = 0;
    }
    return FC_SUCCESS;
}

#define LIMIT_BYTES ((int64_t)1 << 62)

/* a*b with overflow and limit check; returns 0 on overflow. */
static int mul_ok(int64_t a, int64_t b, int64_t *r)
{
    return !__builtin_mul_overflow(a, b, r) && *r < LIMIT_BYTES;
}

typedef struct sizes {
    int64_t out[FC_MAX_SPATIAL_DIMS];
    int64_t x, w, b, y, cols;
} sizes;

static fc_status check_elems(const char *what, int64_t elems, int64_t esize)
{
    int64_t bytes;
    if (!mul_ok(elems, esize, &bytes))
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT,
                            "%s is too large: %lld elements * %lld bytes overflows or exceeds 2^62 bytes",
                            what, (long long)elems, (long long)esize);
    return FC_SUCCESS;
}

/* Full validation; fills sizes. unfold_only skips out_channels/groups/bias/precision. */
static fc_status validate(const fc_conv_desc *d, int unfold_only, sizes *sz)
{
    if (d->spatial_dims < 1 || d->spatial_dims > 3)
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "spatial_dims must be 1, 2 or 3 (got %d)", d->spatial_dims);
    if (d->dtype != FC_DTYPE_F32 && d->dtype != FC_DTYPE_F16)
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "unknown dtype %d (expected FC_DTYPE_F32=0 or FC_DTYPE_F16=1)",
                            d->dtype);
    if (d->layout != FC_LAYOUT_NCHW && d->layout != FC_LAYOUT_NHWC)
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT,
                            "unknown layout %d (expected FC_LAYOUT_NCHW=0 or FC_LAYOUT_NHWC=1)", d->layout);
    if (!unfold_only) {
        if (d->precision < FC_PRECISION_FP32 || d->precision > FC_PRECISION_3XTF32)
            return fc_set_error(FC_ERROR_INVALID_ARGUMENT,
                                "unknown precision %d (expected FC_PRECISION_FP32=0, TF32=1, FP16=2 or 3XTF32=3)",
                                d->precision);
        if (d->algorithm < FC_ALGO_AUTO || d->algorithm > FC_ALGO_IMPLICIT_GEMM)
            return fc_set_error(FC_ERROR_INVALID_ARGUMENT,
                                "unknown algorithm %d (expected FC_ALGO_AUTO=0, DIRECT=1, UNFOLD_GEMM=2 or "
                                "IMPLICIT_GEMM=3)", d->algorithm);
        if (d->activation != FC_ACTIVATION_NONE && d->activation != FC_ACTIVATION_RELU)
            return fc_set_error(FC_ERROR_INVALID_ARGUMENT,
                                "unknown activation %d (expected FC_ACTIVATION_NONE=0 or FC_ACTIVATION_RELU=1)",
                                d->activation);
        if (d->has_bias != 0 && d->has_bias != 1)
            return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "has_bias must be 0 or 1 (got %d)", d->has_bias);
    }
    if (d->batch < 1)
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "batch must be >= 1 (got %lld)", (long long)d->batch);
    if (d->in_channels < 1)
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "in_channels must be >= 1 (got %lld)",
                            (long long)d->in_channels);
    int64_t K = 1, G = 1;
    if (!unfold_only) {
        K = d->out_channels;
        G = d->groups;
        if (K < 1)
            return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "out_channels must be >= 1 (got %lld)", (long long)K);
        if (G < 1)
            return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "groups must be >= 1 (got %lld)", (long long)G);
        if (d->in_channels % G)
            return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "in_channels (%lld) must be divisible by groups (%lld)",
                                (long long)d->in_channels, (long long)G);
        if (K % G)
            return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "out_channels (%lld) must be divisible by groups (%lld)",
                                (long long)K, (long long)G);
    }
    int nd = d->spatial_dims;
    int64_t kk = 1, L = 1, insz = 1;
    for (int i = 0; i < nd; i++) {
        static const struct { const char *name; size_t off; int64_t min; } f[] = {
            {"in_size", offsetof(fc_conv_desc, in_size), 1},
            {"kernel_size", offsetof(fc_conv_desc, kernel_size), 1},
            {"stride", offsetof(fc_conv_desc, stride), 1},
            {"dilation", offsetof(fc_conv_desc, dilation), 1},
            {"pad_begin", offsetof(fc_conv_desc, pad_begin), 0},
            {"pad_end", offsetof(fc_conv_desc, pad_end), 0},
        };
        for (size_t j = 0; j < sizeof f / sizeof f[0]; j++) {
            int64_t v = ((const int64_t *)((const char *)d + f[j].off))[i];
            if (v < f[j].min)
                return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "%s[%d] must be >= %lld (got %lld)", f[j].name, i,
                                    (long long)f[j].min, (long long)v);
        }
        int64_t in = d->in_size[i], k = d->kernel_size[i], s = d->stride[i], dl = d->dilation[i];
        int64_t pb = d->pad_begin[i], pe = d->pad_end[i];
        int64_t padded, span, num;
        if (__builtin_add_overflow(in, pb, &padded) || __builtin_add_overflow(padded, pe, &padded) ||
            __builtin_mul_overflow(dl, k - 1, &span) || __builtin_sub_overflow(padded, span, &num) ||
            padded >= LIMIT_BYTES || span >= LIMIT_BYTES)
            return fc_set_error(FC_ERROR_INVALID_ARGUMENT,
                                "spatial dim %d overflows: in_size %lld + pad %lld+%lld, dilation %lld * (kernel %lld-1) "
                                "must stay below 2^62", i, (long long)in, (long long)pb, (long long)pe, (long long)dl,
                                (long long)k);
        num -= 1;
        /* num < 0: the kernel does not fit (no rounding arithmetic on it: -num + s overflows for huge s) */
        int64_t o = num >= 0 ? num / s + 1 : 0;
        if (o < 1)
            return fc_set_error(FC_ERROR_INVALID_ARGUMENT,
                                "computed output size[%d] is %lld < 1: (in_size %lld + pad %lld+%lld - dilation "
                                "%lld*(kernel %lld-1) - 1)/stride %lld + 1 \xe2\x80\x94 the kernel is larger than the "
                                "padded input", i, (long long)(o < 0 ? 0 : o), (long long)in, (long long)pb, (long long)pe,
                                (long long)dl, (long long)k, (long long)s);
        sz->out[i] = o;
        if (!mul_ok(kk, k, &kk))
            return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "kernel_size product overflows (dim %d)", i);
        if (!mul_ok(L, o, &L))
            return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "output spatial size product overflows (dim %d)", i);
        if (!mul_ok(insz, in, &insz))
            return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "in_size product overflows (dim %d)", i);
    }
    for (int i = nd; i < FC_MAX_SPATIAL_DIMS; i++) sz->out[i] = 1;
    int64_t es = d->dtype == FC_DTYPE_F16 ? 2 : 4;
    int64_t C = d->in_channels, N = d->batch, t;
    /* x = N*C*in */
    if (!mul_ok(N, C, &t) || !mul_ok(t, insz, &sz->x))
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "input x element count overflows (batch*in_channels*in_size)");
    fc_status st = check_elems("input x", sz->x, es);
    if (st) return st;
    /* unfold cols = N * C*kk * L (also the UNFOLD_GEMM workspace in fp32 per image) */
    int64_t ckk;
    if (!mul_ok(C, kk, &ckk) || !mul_ok(ckk, L, &t) || !mul_ok(t, N, &sz->cols))
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT,
                            "unfold cols element count overflows (batch*in_channels*prod(kernel)*prod(out_size))");
    if ((st = check_elems("unfold cols", sz->cols, 4))) return st;
    if (unfold_only) {
        sz->w = sz->b = sz->y = 0;
        return FC_SUCCESS;
    }
    int64_t Cg = C / G;
    if (!mul_ok(K, Cg, &t) || !mul_ok(t, kk, &sz->w))
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT,
                            "weight w element count overflows (out_channels*in_channels/groups*prod(kernel))");
    if ((st = check_elems("weight w", sz->w, es))) return st;
    sz->b = d->has_bias ? K : 0;
    if (!mul_ok(N, K, &t) || !mul_ok(t, L, &sz->y))
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "output y element count overflows (batch*out_channels*prod(out))");
    if ((st = check_elems("output y", sz->y, es))) return st;
    /* workspace bound: one image's fp32 cols + fp32 weights padded to 16 rows per group */
    int64_t kg = K / G, kgp = (kg + 15) / 16 * 16, wpad, ws;
    if (!mul_ok(kgp, G, &t) || !mul_ok(t, Cg, &t) || !mul_ok(t, kk, &wpad) || !mul_ok(ckk, L, &ws) ||
        __builtin_add_overflow(ws, wpad, &ws) || (st = check_elems("workspace", ws, 4)))
        return st ? st : fc_set_error(FC_ERROR_INVALID_ARGUMENT, "workspace size overflows or exceeds 2^62 bytes");
    return FC_SUCCESS;
}

FC_API fc_status fc_conv_desc_validate(const fc_conv_desc *desc)
{
    sizes sz;
    CHECK_PTR(desc);
    return validate(desc, 0, &sz);
}

FC_API fc_status fc_conv_output_size(const fc_conv_desc *desc, int64_t out_size[FC_MAX_SPATIAL_DIMS])
{
    sizes sz;
    CHECK_PTR(desc);
    CHECK_PTR(out_size);
    fc_status st = validate(desc, 0, &sz);
    if (st) return st;
    for (int i = 0; i < desc->spatial_dims; i++) out_size[i] = sz.out[i];
    return FC_SUCCESS;
}

FC_API fc_status fc_conv_tensor_sizes(const fc_conv_desc *desc, int64_t *x_elems, int64_t *w_elems,
                                      int64_t *bias_elems, int64_t *y_elems)
{
    sizes sz;
    CHECK_PTR(desc);
    CHECK_PTR(x_elems);
    CHECK_PTR(w_elems);
    CHECK_PTR(bias_elems);
    CHECK_PTR(y_elems);
    fc_status st = validate(desc, 0, &sz);
    if (st) return st;
    *x_elems = sz.x;
    *w_elems = sz.w;
    *bias_elems = sz.b;
    *y_elems = sz.y;
    return FC_SUCCESS;
}

/* ---- plans ---------------------------------------------------------------- */
FC_API fc_status fc_conv_plan_create(const fc_conv_desc *desc, int32_t device, fc_conv_plan *plan)
{
    const fc_backend *be = NULL;
    int32_t local = 0;
    sizes sz;
    CHECK_PTR(plan);
    *plan = NULL;
    CHECK_PTR(desc);
    fc_status st = validate(desc, 0, &sz);
    if (st) return st;
    st = resolve(device, &be, &local);
    if (st) return st;
    struct fc_conv_plan_s *p = calloc(1, sizeof *p);
    if (!p) return fc_set_error(FC_ERROR_OUT_OF_MEMORY, "fc_conv_plan_create: out of host memory");
    p->desc = *desc;
    /* zero the unread spatial entries so the copy is canonical */
    for (int i = desc->spatial_dims; i < FC_MAX_SPATIAL_DIMS; i++) {
        p->desc.in_size[i] = p->desc.kernel_size[i] = p->desc.stride[i] = p->desc.dilation[i] = 1;
        p->desc.pad_begin[i] = p->desc.pad_end[i] = 0;
    }
    int32_t algo = desc->algorithm;
    size_t ws = 0;
    st = be->plan_create(&p->desc, local, &p->impl, &ws, &algo);
    if (st) {
        free(p);
        return st;
    }
    if (algo < FC_ALGO_DIRECT || algo > FC_ALGO_IMPLICIT_GEMM) {
        be->plan_destroy(p->impl);
        free(p);
        return fc_set_error(FC_ERROR_INTERNAL, "backend %s did not resolve the algorithm (got %d)", be->name, algo);
    }
    p->desc.algorithm = algo;
    p->algorithm = algo;
    p->workspace = ws;
    p->device = device;
    p->local = local;
    p->be = be;
    *plan = p;
    live_inc();
    return FC_SUCCESS;
}

FC_API fc_status fc_conv_plan_destroy(fc_conv_plan plan)
{
    CHECK_PTR(plan);
    fc_status st = plan->be->plan_destroy(plan->impl);
    if (st) return st;
    free(plan);
    live_dec();
    return FC_SUCCESS;
}

FC_API fc_status fc_conv_plan_workspace_size(fc_conv_plan plan, size_t *bytes)
{
    CHECK_PTR(plan);
    CHECK_PTR(bytes);
    *bytes = plan->workspace;
    return FC_SUCCESS;
}

FC_API fc_status fc_conv_plan_algorithm(fc_conv_plan plan, int32_t *algorithm)
{
    CHECK_PTR(plan);
    CHECK_PTR(algorithm);
    *algorithm = plan->algorithm;
    return FC_SUCCESS;
}

FC_API fc_status fc_conv_plan_desc(fc_conv_plan plan, fc_conv_desc *desc)
{
    CHECK_PTR(plan);
    CHECK_PTR(desc);
    *desc = plan->desc;
    return FC_SUCCESS;
}

FC_API fc_status fc_conv_forward(fc_conv_plan plan, fc_stream stream, const void *x, const void *w,
                                 const void *bias, void *y, void *workspace)
{
    CHECK_PTR(plan);
    CHECK_PTR(x);
    CHECK_PTR(w);
    CHECK_PTR(y);
    if (plan->desc.has_bias && !bias)
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "bias must not be NULL: the plan's descriptor has has_bias = 1");
    if (plan->workspace > 0 && !workspace)
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT,
                            "workspace must not be NULL: the plan needs %zu bytes (fc_conv_plan_workspace_size)",
                            plan->workspace);
    if (stream && stream->device != plan->device)
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "stream is on device %d but the plan is on device %d",
                            stream->device, plan->device);
    return plan->be->conv_forward(plan->impl, stream ? stream->impl : NULL, x, w, plan->desc.has_bias ? bias : NULL,
                                  y, workspace);
}

/* ---- unfold ------------------------------------------------------------------ */
FC_API fc_status fc_unfold_size(const fc_conv_desc *desc, int64_t *cols_elems)
{
    sizes sz;
    CHECK_PTR(desc);
    CHECK_PTR(cols_elems);
    fc_status st = validate(desc, 1, &sz);
    if (st) return st;
    *cols_elems = sz.cols;
    return FC_SUCCESS;
}

FC_API fc_status fc_unfold(const fc_conv_desc *desc, int32_t device, fc_stream stream, const void *x, void *cols)
{
    const fc_backend *be = NULL;
    int32_t local = 0;
    sizes sz;
    CHECK_PTR(desc);
    CHECK_PTR(x);
    CHECK_PTR(cols);
    fc_status st = validate(desc, 1, &sz);
    if (st) return st;
    st = resolve(device, &be, &local);
    if (st) return st;
    if (stream && stream->device != device)
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "stream is on device %d but device is %d", stream->device,
                            device);
    fc_conv_desc d = *desc;
    d.groups = 1;
    d.out_channels = 1;
    d.has_bias = 0;
    d.precision = FC_PRECISION_FP32;
    d.algorithm = FC_ALGO_AUTO;
    d.activation = FC_ACTIVATION_NONE;
    for (int i = d.spatial_dims; i < FC_MAX_SPATIAL_DIMS; i++) {
        d.in_size[i] = d.kernel_size[i] = d.stride[i] = d.dilation[i] = 1;
        d.pad_begin[i] = d.pad_end[i] = 0;
    }
    return be->unfold(&d, local, stream ? stream->impl : NULL, x, cols);
}
