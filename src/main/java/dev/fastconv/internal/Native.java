package dev.fastconv.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.fastconv.FastConvException;
import dev.fastconv.ffi.FastConvFFI;

/**
 * The one place that turns an fc_status into an exception: FC_ERROR_INVALID_ARGUMENT becomes an
 * {@link IllegalArgumentException}, every other failure a {@link FastConvException} carrying the
 * status name; the message is fc_last_error() (thread-local on the native side, so it is read on the
 * calling thread right after the failing call).
 */
public final class Native {

    private Native() {}

    /**
     * Makes sure the library is loaded; every public entry point calls this before touching a
     * binding. Throws the loader's UnsatisfiedLinkError (again, with the same message) on failure.
     */
    public static void init() {
        NativeLibrary.load();
    }

    public static String statusName(int status) {
        return switch (status) {
            case 0 -> "FC_SUCCESS";
            case 1 -> "FC_ERROR_INVALID_ARGUMENT";
            case 2 -> "FC_ERROR_UNSUPPORTED";
            case 3 -> "FC_ERROR_OUT_OF_MEMORY";
            case 4 -> "FC_ERROR_DEVICE";
            case 5 -> "FC_ERROR_NOT_AVAILABLE";
            case 6 -> "FC_ERROR_INTERNAL";
            default -> "FC_STATUS_" + status;
        };
    }

    /** Throws if status != FC_SUCCESS; {@code what} names the C function for the message. */
    public static void check(int status, String what) {
        if (status != 0) {
            throw failure(status, what);
        }
    }

    public static RuntimeException failure(int status, String what) {
        String msg = lastError();
        if (msg.isEmpty()) {
            msg = what + " failed with " + statusName(status);
        }
        if (status == 1) {
            return new IllegalArgumentException(msg);
        }
        return new FastConvException(statusName(status), msg + " (" + what + ")");
    }

    public static String lastError() {
        return cString(FastConvFFI.fc_last_error());
    }

    public static String cString(MemorySegment p) {
        if (p == null || p.equals(MemorySegment.NULL)) {
            return "";
        }
        return p.reinterpret(Long.MAX_VALUE).getString(0);
    }

    public static long liveObjects() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_LONG);
            check(FastConvFFI.fc_live_objects(out), "fc_live_objects");
            return out.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    /** fc_malloc: a zero-length segment holding the address (device pointers must not be dereferenced). */
    public static MemorySegment malloc(int device, long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            check(FastConvFFI.fc_malloc(device, bytes, out), "fc_malloc");
            return out.get(ValueLayout.ADDRESS, 0);
        }
    }

    public static void free(int device, MemorySegment ptr) {
        check(FastConvFFI.fc_free(device, ptr), "fc_free");
    }

    /** fc_free that never throws (for cleanups); returns the status. */
    public static int freeQuietly(int device, MemorySegment ptr) {
        try {
            return FastConvFFI.fc_free(device, MemorySegment.ofAddress(ptr.address()));
        } catch (RuntimeException | Error e) {
            return -1;
        }
    }

    public static void memcpy(MemorySegment stream, MemorySegment dst, int dstDevice, MemorySegment src, int srcDevice, long bytes) {
        check(FastConvFFI.fc_memcpy(stream == null ? MemorySegment.NULL : stream, dst, dstDevice, src, srcDevice, bytes), "fc_memcpy");
    }
}
