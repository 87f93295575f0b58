/*
 * cpu_stream.h — the CPU backend's asynchronous streams and events (internal;
 * see cpu_stream.c). The backend table in cpu_backend.c points its stream and
 * event entries here and routes work submitted to a non-NULL stream through
 * fc_cpu_stream_{forward,unfold,copy}, which run it at once for the NULL stream.
 */
#ifndef FASTCONV_CPU_STREAM_H
#define FASTCONV_CPU_STREAM_H

#include "core/backend.h"

typedef fc_status (*cpu_forward_fn)(void *plan, void *stream, const void *x, const void *w, const void *bias, void *y,
                                    void *workspace);
typedef fc_status (*cpu_unfold_fn)(const fc_conv_desc *desc, int32_t local, void *stream, const void *x, void *cols);

fc_status fc_cpu_stream_create(int32_t local, void **stream);
fc_status fc_cpu_stream_destroy(void *stream);
fc_status fc_cpu_stream_synchronize(void *stream);
fc_status fc_cpu_event_create(int32_t local, void **event);
fc_status fc_cpu_event_destroy(void *event);
fc_status fc_cpu_event_record(void *event, void *stream);
fc_status fc_cpu_event_synchronize(void *event);
fc_status fc_cpu_event_elapsed_ms(void *start, void *end, float *ms);

/* Enqueue on stream (or run now when stream is NULL). fn runs with a NULL stream. */
fc_status fc_cpu_stream_forward(void *stream, cpu_forward_fn fn, void *plan, const void *x, const void *w,
                                const void *bias, void *y, void *workspace);
fc_status fc_cpu_stream_unfold(void *stream, cpu_unfold_fn fn, const fc_conv_desc *desc, int32_t local, const void *x,
                               void *cols);
fc_status fc_cpu_stream_copy(void *stream, void *dst, const void *src, size_t bytes);

#endif
