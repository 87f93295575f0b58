package dev.fastconv;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.fastconv.ffi.FastConvFFI;
import dev.fastconv.internal.Downcalls;
import dev.fastconv.internal.Guard;
import dev.fastconv.internal.Native;

/**
 * A marker in a stream (fc_event), for waiting and timing. {@link #record} returns at once; the
 * event completes when the stream reaches it (CPU: the stream's worker stores the time then), and
 * {@link #synchronize()} waits for the most recent record. {@link #elapsedMillis} waits for both
 * events (CPU) and measures the time between the points where the stream reached them. Explicitly closed (no Cleaner); close()
 * is idempotent; use after close throws {@code IllegalStateException("event is closed")}.
 */
public final class Event implements AutoCloseable {

    private final Device device;
    private final MemorySegment handle;
    private final Guard guard = new Guard("event");

    private Event(Device device, MemorySegment handle) {
        this.device = device;
        this.handle = handle;
    }

    public static Event create(Device device) {
        if (device == null) {
            throw new IllegalArgumentException("device: must not be null");
        }
        Native.init();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            Native.check(FastConvFFI.fc_event_create(device.index(), out), "fc_event_create");
            return new Event(device, out.get(ValueLayout.ADDRESS, 0));
        }
    }

    public Device device() {
        return device;
    }

    /** Records this event in {@code stream} (same device). */
    public void record(Stream stream) {
        if (stream == null) {
            throw new IllegalArgumentException("stream: must not be null");
        }
        if (stream.device() != device) {
            throw new IllegalArgumentException("stream: is on " + stream.device().spec() + " but the event is on " + device.spec()
                    + " (expected a stream of " + device.spec() + ")");
        }
        guard.acquire();
        try {
            stream.acquire();
            try {
                // CPU: appends a marker to the stream's queue, a short call (critical handle); CUDA: plain binding
                int st = device.isCpu() ? Downcalls.eventRecordCpu(handle, stream.handle())
                        : FastConvFFI.fc_event_record(handle, stream.handle());
                Native.check(st, "fc_event_record");
            } finally {
                stream.release();
            }
        } finally {
            guard.release();
        }
    }

    /** Waits until the work before the recorded point is done. */
    public void synchronize() {
        guard.acquire();
        try {
            Native.check(FastConvFFI.fc_event_synchronize(handle), "fc_event_synchronize");
        } finally {
            guard.release();
        }
    }

    /** Milliseconds from this event to {@code end} (both recorded, same device). */
    public float elapsedMillis(Event end) {
        if (end == null) {
            throw new IllegalArgumentException("end: must not be null");
        }
        if (end.device != device) {
            throw new IllegalArgumentException("end: is on " + end.device.spec() + " but this event is on " + device.spec());
        }
        guard.acquire();
        try {
            end.guard.acquire();
            try (Arena a = Arena.ofConfined()) {
                MemorySegment ms = a.allocate(ValueLayout.JAVA_FLOAT);
                Native.check(FastConvFFI.fc_event_elapsed_ms(handle, end.handle, ms), "fc_event_elapsed_ms");
                return ms.get(ValueLayout.JAVA_FLOAT, 0);
            } finally {
                end.guard.release();
            }
        } finally {
            guard.release();
        }
    }

    @Override
    public void close() {
        guard.close(() -> Native.check(FastConvFFI.fc_event_destroy(handle), "fc_event_destroy"));
    }

    public boolean isClosed() {
        return guard.isClosed();
    }
}
