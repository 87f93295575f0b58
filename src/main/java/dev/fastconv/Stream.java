package dev.fastconv;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

import dev.fastconv.ffi.FastConvFFI;
import dev.fastconv.internal.Guard;
import dev.fastconv.internal.Native;

/**
 * An ordered queue of work on one device (fc_stream). On CUDA it wraps a CUDA stream; on the CPU it
 * is an in-order queue executed by a worker thread of its own (native), so work submitted to it
 * ({@link ConvPlan#forwardAsync}, {@link Tensor#copyFromAsync}, {@link Event#record}) returns at
 * once on both. Work on one stream runs in submission order; work on different streams may run
 * concurrently. Everything a submitted call uses (tensors, their arenas, the plan) must stay alive
 * until the stream has passed it: {@link #synchronize()}, an {@link Event}, or {@link #onComplete()}.
 *
 * <p>Errors of queued work (e.g. an allocation that failed on the worker) are thrown by the next
 * {@link #synchronize()}. Explicitly closed (no Cleaner): {@link #close()} is idempotent, waits for
 * calls using the stream right now, then lets the queue drain and frees it; afterwards every use
 * throws {@code IllegalStateException("stream is closed")}.
 */
public final class Stream implements AutoCloseable {

    private final Device device;
    private final MemorySegment handle;
    private final Guard guard = new Guard("stream");
    private Waiter waiter; // guarded by this; started by the first onComplete()
    private final List<Runnable> closeActions = new ArrayList<>(); // guarded by this; run after the queue drained

    /**
     * Runs {@code action} once this stream is closed (after its queued work has finished), e.g. a
     * plan freeing the workspace it keeps for this stream. Runs it at once if already closed.
     */
    void addCloseAction(Runnable action) {
        synchronized (this) {
            if (!guard.isClosed()) {
                closeActions.add(action);
                return;
            }
        }
        action.run();
    }

    /** Forgets an action added by {@link #addCloseAction} (its owner was closed first). */
    synchronized void removeCloseAction(Runnable action) {
        closeActions.remove(action);
    }

    private Stream(Device device, MemorySegment handle) {
        this.device = device;
        this.handle = handle;
    }

    public static Stream create(Device device) {
        if (device == null) {
            throw new IllegalArgumentException("device: must not be null");
        }
        Native.init();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            Native.check(FastConvFFI.fc_stream_create(device.index(), out), "fc_stream_create");
            return new Stream(device, out.get(ValueLayout.ADDRESS, 0));
        }
    }

    public Device device() {
        return device;
    }

    /** Waits (blocking, no spinning) until all work submitted to this stream is done; throws its first error. */
    public void synchronize() {
        guard.acquire();
        try {
            Native.check(FastConvFFI.fc_stream_synchronize(handle), "fc_stream_synchronize");
        } finally {
            guard.release();
        }
    }

    /**
     * A future completed when the stream reaches this point (all work submitted before this call is
     * done). Implemented with an event recorded now and one waiter thread per stream (a daemon
     * platform thread blocked in fc_event_synchronize; no polling), which completes the futures in
     * order; dependent stages added without an executor run on that thread, so keep them short or
     * use the {@code *Async} variants. Errors of the queued work are reported by {@link #synchronize()},
     * not through the future. If the stream is closed first, the future still completes (closing
     * drains the queue).
     */
    public CompletableFuture<Void> onComplete() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        guard.acquire();
        try {
            Event e = Event.create(device);
            try {
                e.record(this);
            } catch (RuntimeException | Error ex) {
                e.close();
                throw ex;
            }
            waiter().queue.add(new Pending(e, f));
        } finally {
            guard.release();
        }
        return f;
    }

    private record Pending(Event event, CompletableFuture<Void> future) {}

    private static final Pending STOP = new Pending(null, null);

    private synchronized Waiter waiter() {
        if (waiter == null) {
            waiter = new Waiter();
            waiter.start();
        }
        return waiter;
    }

    private static final class Waiter extends Thread {
        final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();

        Waiter() {
            super("fastconv-stream-waiter");
            setDaemon(true);
        }

        @Override
        public void run() {
            for (;;) {
                Pending p;
                try {
                    p = queue.take();
                } catch (InterruptedException e) {
                    continue; // only STOP ends the thread: every queued future gets completed
                }
                if (p == STOP) {
                    return;
                }
                try {
                    p.event().synchronize();
                    p.future().complete(null);
                } catch (RuntimeException | Error e) {
                    p.future().completeExceptionally(e);
                } finally {
                    p.event().close();
                }
            }
        }
    }

    /** For use by other classes of this package: acquire/release around a native call using {@link #handle()}. */
    void acquire() {
        guard.acquire();
    }

    void release() {
        guard.release();
    }

    MemorySegment handle() {
        return handle;
    }

    @Override
    public void close() {
        guard.close(() -> {
            Native.check(FastConvFFI.fc_stream_destroy(handle), "fc_stream_destroy"); // drains the queue
            Waiter w;
            List<Runnable> actions;
            synchronized (this) {
                w = waiter;
                waiter = null;
                actions = new ArrayList<>(closeActions);
                closeActions.clear();
            }
            actions.forEach(Runnable::run);
            if (w != null) {
                w.queue.add(STOP);
                if (w == Thread.currentThread()) {
                    return; // closed from a completion stage running on the waiter: it ends after this stage
                }
                boolean interrupted = false;
                for (;;) {
                    try {
                        w.join();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        });
    }

    public boolean isClosed() {
        return guard.isClosed();
    }

    @Override
    public String toString() {
        return "Stream[" + device.spec() + (isClosed() ? ", closed]" : "]");
    }
}
