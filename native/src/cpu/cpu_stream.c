/*
 * cpu_stream.c — CPU streams and events: asynchronous, in-order queues.
 *
 * A CPU fc_stream is a FIFO of operations (convolution, unfold, copy, event
 * marker) executed in submission order by one worker thread that belongs to
 * the stream (started by create, parked on a condition variable while the
 * queue is empty, joined by destroy). Submitting returns at once: it
 * validates nothing more than the public API already did, copies the call's
 * arguments into a node (reused from the stream's spare list; malloc only
 * when the queue is deeper than ever before) and signals the worker. So
 *   - work on one stream runs in order, one operation at a time;
 *   - work on different streams runs concurrently (each worker uses the CPU
 *     thread pool when it is free, else runs its tasks on its own thread);
 *   - the NULL (default) stream is not a queue: work on it runs on the
 *     calling thread before the call returns and is not ordered with streams.
 * Everything a queued operation reads or writes (plan, tensors, workspace)
 * must stay alive and unused by others until the stream has passed it
 * (fc_stream_synchronize, or an event recorded after it has completed).
 *
 * Errors of queued operations are reported by the next fc_stream_synchronize
 * on that stream (the first one, with its message), like CUDA's asynchronous
 * errors; later operations still run.
 *
 * Events: fc_event_record on a stream enqueues a marker; when the worker
 * reaches it, it stores CLOCK_MONOTONIC and marks the record complete.
 * fc_event_synchronize waits for the most recent record (at the time of the
 * call). On the NULL stream a record completes at once. elapsed_ms waits for
 * both records to complete; an event never recorded is an error.
 *
 * No function here spins: waiting is pthread_cond_wait.
 */
#define _GNU_SOURCE
#include "cpu/cpu_stream.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { OP_FORWARD, OP_UNFOLD, OP_COPY, OP_EVENT };

struct cpu_event {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t rec_seq;  /* records asked for */
    uint64_t done_seq; /* records reached   */
    struct timespec t;
};

typedef struct cpu_op {
    struct cpu_op *next;
    int kind;
    union {
        struct {
            cpu_forward_fn fn;
            void *plan;
            const void *x, *w, *bias;
            void *y, *ws;
        } fwd;
        struct {
            cpu_unfold_fn fn;
            fc_conv_desc desc;
            int32_t local;
            const void *x;
            void *cols;
        } unf;
        struct {
            void *dst;
            const void *src;
            size_t bytes;
        } cp;
        struct {
            struct cpu_event *e;
            uint64_t seq;
        } ev;
    } u;
} cpu_op;

struct cpu_stream {
    pthread_mutex_t mu;
    pthread_cond_t work; /* the worker waits for ops                */
    pthread_cond_t idle; /* synchronize waits for done == submitted */
    cpu_op *head, *tail;
    cpu_op *spare; /* finished nodes, reused by later submissions (no malloc in steady state) */
    uint64_t submitted, done;
    int started, stop;
    pthread_t thread;
    fc_status error; /* first failure since the last synchronize */
    char message[512];
};

static void now(struct timespec *t) { clock_gettime(CLOCK_MONOTONIC, t); }

static void event_reach(struct cpu_event *e, uint64_t seq)
{
    pthread_mutex_lock(&e->mu);
    if (seq > e->done_seq) {
        now(&e->t);
        e->done_seq = seq;
    }
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
}

static fc_status run_op(cpu_op *op)
{
    switch (op->kind) {
    case OP_FORWARD:
        return op->u.fwd.fn(op->u.fwd.plan, NULL, op->u.fwd.x, op->u.fwd.w, op->u.fwd.bias, op->u.fwd.y, op->u.fwd.ws);
    case OP_UNFOLD:
        return op->u.unf.fn(&op->u.unf.desc, op->u.unf.local, NULL, op->u.unf.x, op->u.unf.cols);
    case OP_COPY:
        if (op->u.cp.bytes) memmove(op->u.cp.dst, op->u.cp.src, op->u.cp.bytes);
        return FC_SUCCESS;
    case OP_EVENT:
        event_reach(op->u.ev.e, op->u.ev.seq);
        return FC_SUCCESS;
    default:
        return FC_ERROR_INTERNAL;
    }
}

static void *worker(void *arg)
{
    struct cpu_stream *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->head && !s->stop) pthread_cond_wait(&s->work, &s->mu);
        if (!s->head) break; /* stop and drained */
        cpu_op *op = s->head;
        s->head = op->next;
        if (!s->head) s->tail = NULL;
        pthread_mutex_unlock(&s->mu);
        fc_status st = run_op(op);
        const char *msg = st ? fc_last_error() : NULL;
        pthread_mutex_lock(&s->mu);
        if (st && !s->error) {
            s->error = st;
            strncpy(s->message, msg ? msg : "", sizeof s->message - 1);
            s->message[sizeof s->message - 1] = 0;
        }
        op->next = s->spare;
        s->spare = op;
        s->done++;
        if (s->done == s->submitted) pthread_cond_broadcast(&s->idle);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Appends op (from new_op) to the queue: a mutex held for a few stores, and a signal. Short and
 * non-blocking apart from that mutex, which is why the Java side may submit through a critical
 * downcall; the worker thread already exists (fc_cpu_stream_create starts it). */
static fc_status submit(struct cpu_stream *s, cpu_op *op)
{
    op->next = NULL;
    pthread_mutex_lock(&s->mu);
    if (s->tail) s->tail->next = op;
    else s->head = op;
    s->tail = op;
    s->submitted++;
    pthread_cond_signal(&s->work);
    pthread_mutex_unlock(&s->mu);
    return FC_SUCCESS;
}

static cpu_op *new_op(struct cpu_stream *s, int kind)
{
    pthread_mutex_lock(&s->mu);
    cpu_op *op = s->spare;
    if (op) s->spare = op->next;
    pthread_mutex_unlock(&s->mu);
    if (!op) op = malloc(sizeof *op);
    if (op) {
        memset(op, 0, sizeof *op);
        op->kind = kind;
    } else {
        fc_set_error(FC_ERROR_OUT_OF_MEMORY, "CPU stream: out of memory for a queue entry");
    }
    return op;
}

/* ---- streams ------------------------------------------------------------- */
fc_status fc_cpu_stream_create(int32_t local, void **stream)
{
    (void)local;
    struct cpu_stream *s = calloc(1, sizeof *s);
    if (!s) return fc_set_error(FC_ERROR_OUT_OF_MEMORY, "fc_stream_create: out of memory");
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->work, NULL);
    pthread_cond_init(&s->idle, NULL);
    if (pthread_create(&s->thread, NULL, worker, s) != 0) {
        pthread_cond_destroy(&s->idle);
        pthread_cond_destroy(&s->work);
        pthread_mutex_destroy(&s->mu);
        free(s);
        return fc_set_error(FC_ERROR_OUT_OF_MEMORY, "fc_stream_create: cannot start the CPU stream's worker thread");
    }
    s->started = 1;
    *stream = s;
    return FC_SUCCESS;
}

fc_status fc_cpu_stream_synchronize(void *stream)
{
    struct cpu_stream *s = stream;
    if (!s) return FC_SUCCESS; /* the NULL stream is always idle */
    pthread_mutex_lock(&s->mu);
    uint64_t target = s->submitted;
    while (s->done < target) pthread_cond_wait(&s->idle, &s->mu);
    fc_status st = s->error;
    char msg[sizeof s->message];
    if (st) {
        memcpy(msg, s->message, sizeof msg);
        s->error = FC_SUCCESS;
    }
    pthread_mutex_unlock(&s->mu);
    if (st) return fc_set_error(st, "%s (an operation queued on the CPU stream failed)", msg);
    return FC_SUCCESS;
}

fc_status fc_cpu_stream_destroy(void *stream)
{
    struct cpu_stream *s = stream;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_signal(&s->work);
    int started = s->started;
    pthread_mutex_unlock(&s->mu);
    if (started) pthread_join(s->thread, NULL); /* the worker drains the queue first */
    while (s->spare) {
        cpu_op *n = s->spare->next;
        free(s->spare);
        s->spare = n;
    }
    pthread_cond_destroy(&s->idle);
    pthread_cond_destroy(&s->work);
    pthread_mutex_destroy(&s->mu);
    free(s);
    return FC_SUCCESS;
}

fc_status fc_cpu_stream_forward(void *stream, cpu_forward_fn fn, void *plan, const void *x, const void *w,
                                const void *bias, void *y, void *workspace)
{
    if (!stream) return fn(plan, NULL, x, w, bias, y, workspace);
    cpu_op *op = new_op(stream, OP_FORWARD);
    if (!op) return FC_ERROR_OUT_OF_MEMORY;
    op->u.fwd.fn = fn;
    op->u.fwd.plan = plan;
    op->u.fwd.x = x;
    op->u.fwd.w = w;
    op->u.fwd.bias = bias;
    op->u.fwd.y = y;
    op->u.fwd.ws = workspace;
    return submit(stream, op);
}

fc_status fc_cpu_stream_unfold(void *stream, cpu_unfold_fn fn, const fc_conv_desc *desc, int32_t local, const void *x,
                               void *cols)
{
    if (!stream) return fn(desc, local, NULL, x, cols);
    cpu_op *op = new_op(stream, OP_UNFOLD);
    if (!op) return FC_ERROR_OUT_OF_MEMORY;
    op->u.unf.fn = fn;
    op->u.unf.desc = *desc;
    op->u.unf.local = local;
    op->u.unf.x = x;
    op->u.unf.cols = cols;
    return submit(stream, op);
}

fc_status fc_cpu_stream_copy(void *stream, void *dst, const void *src, size_t bytes)
{
    if (!stream) {
        if (bytes) memmove(dst, src, bytes);
        return FC_SUCCESS;
    }
    cpu_op *op = new_op(stream, OP_COPY);
    if (!op) return FC_ERROR_OUT_OF_MEMORY;
    op->u.cp.dst = dst;
    op->u.cp.src = src;
    op->u.cp.bytes = bytes;
    return submit(stream, op);
}

/* ---- events -------------------------------------------------------------- */
fc_status fc_cpu_event_create(int32_t local, void **event)
{
    (void)local;
    struct cpu_event *e = calloc(1, sizeof *e);
    if (!e) return fc_set_error(FC_ERROR_OUT_OF_MEMORY, "fc_event_create: out of memory");
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->cv, NULL);
    *event = e;
    return FC_SUCCESS;
}

fc_status fc_cpu_event_synchronize(void *event)
{
    struct cpu_event *e = event;
    pthread_mutex_lock(&e->mu);
    uint64_t target = e->rec_seq;
    while (e->done_seq < target) pthread_cond_wait(&e->cv, &e->mu);
    pthread_mutex_unlock(&e->mu);
    return FC_SUCCESS;
}

fc_status fc_cpu_event_destroy(void *event)
{
    struct cpu_event *e = event;
    /* a marker still queued points at the event: wait until it has passed */
    fc_cpu_event_synchronize(e);
    pthread_cond_destroy(&e->cv);
    pthread_mutex_destroy(&e->mu);
    free(e);
    return FC_SUCCESS;
}

fc_status fc_cpu_event_record(void *event, void *stream)
{
    struct cpu_event *e = event;
    pthread_mutex_lock(&e->mu);
    uint64_t seq = ++e->rec_seq;
    pthread_mutex_unlock(&e->mu);
    if (!stream) {
        event_reach(e, seq);
        return FC_SUCCESS;
    }
    cpu_op *op = new_op(stream, OP_EVENT);
    if (op) {
        op->u.ev.e = e;
        op->u.ev.seq = seq;
    }
    fc_status st = op ? submit(stream, op) : FC_ERROR_OUT_OF_MEMORY;
    if (st) event_reach(e, seq); /* never leave a waiter hanging on a record that will not come */
    return st;
}

fc_status fc_cpu_event_elapsed_ms(void *start, void *end, float *ms)
{
    struct cpu_event *a = start, *b = end;
    pthread_mutex_lock(&a->mu);
    int ra = a->rec_seq > 0;
    pthread_mutex_unlock(&a->mu);
    pthread_mutex_lock(&b->mu);
    int rb = b->rec_seq > 0;
    pthread_mutex_unlock(&b->mu);
    if (!ra) return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "start event was never recorded");
    if (!rb) return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "end event was never recorded");
    fc_cpu_event_synchronize(a);
    fc_cpu_event_synchronize(b);
    pthread_mutex_lock(&a->mu);
    struct timespec ta = a->t;
    pthread_mutex_unlock(&a->mu);
    pthread_mutex_lock(&b->mu);
    struct timespec tb = b->t;
    pthread_mutex_unlock(&b->mu);
    double d = (double)(tb.tv_sec - ta.tv_sec) * 1e3 + (double)(tb.tv_nsec - ta.tv_nsec) * 1e-6;
    *ms = (float)d;
    return FC_SUCCESS;
}
