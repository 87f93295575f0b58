package dev.fastconv;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.fastconv.ffi.FastConvFFI;
import dev.fastconv.internal.Guard;
import dev.fastconv.internal.Native;

/**
 * An ordered queue of work on one device (fc_stream). CPU streams execute synchronously: work
 * submitted to them is done when the submitting call returns. Explicitly closed (no Cleaner):
 * {@link #close()} is idempotent and waits for calls that are using the stream right now;
 * afterwards every use throws {@code IllegalStateException("stream is closed")}.
 */
public final class Stream implements AutoCloseable {

    private final Device device;
    private final MemorySegment handle;
    private final Guard guard = new Guard("stream");

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

    /** Waits until all work submitted to this stream is done. */
    public void synchronize() {
        guard.acquire();
        try {
            Native.check(FastConvFFI.fc_stream_synchronize(handle), "fc_stream_synchronize");
        } finally {
            guard.release();
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
        guard.close(() -> Native.check(FastConvFFI.fc_stream_destroy(handle), "fc_stream_destroy"));
    }

    public boolean isClosed() {
        return guard.isClosed();
    }

    @Override
    public String toString() {
        return "Stream[" + device.spec() + (isClosed() ? ", closed]" : "]");
    }
}
