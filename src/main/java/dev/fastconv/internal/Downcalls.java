package dev.fastconv.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * Hand-written downcall handles for the hot functions, with the {@link Linker.Option}s the
 * generated bindings ({@code dev.fastconv.ffi}, which take no options) cannot express. Resolved
 * once, in static finals, through the same {@link SymbolLookup#loaderLookup()} as the bindings
 * (this class is in the same module and class loader as {@link NativeLibrary}, which loads the
 * library in this class's initializer first). Every wrapper is {@code invokeExact} with exact
 * types: no boxing, no varargs, no allocation.
 *
 * <h2>Which option, and why</h2>
 * {@code Linker.Option.critical(...)} skips the thread-state transition (and its safepoint poll)
 * of a downcall: while a critical call runs, its thread counts as running Java code, so no
 * safepoint, hence no GC, can start anywhere in the JVM until it returns. It is therefore used only
 * where the native side is short and never waits for anything that could take long:
 * <ul>
 * <li>{@link #FORWARD} — plain. fc_conv_forward in general: a CPU convolution can run for seconds,
 *     a CUDA one synchronises; GC must be able to proceed meanwhile.</li>
 * <li>{@link #FORWARD_SHORT} — {@code critical(false)}: blocking CPU convolutions whose plan is
 *     tiny ({@code <=} {@link #criticalMaxMacs()} multiply-adds, default 65,536: microseconds of
 *     work; the CPU pool may wait a few microseconds for its workers), and CPU forwardAsync, whose
 *     native side only appends to the stream's queue (a mutex held for a push, a malloc, a signal).</li>
 * <li>{@link #FORWARD_HEAP} — {@code critical(true)}: the heap-array forward on the CPU
 *     ({@code MemorySegment.ofArray} passed straight to native code, no copy). Heap access
 *     requires a critical call; to bound the GC delay it is used only for plans of at most
 *     {@link #heapCriticalMaxMacs()} multiply-adds (default 2^24, about a millisecond on a few
 *     cores); larger plans stage through native buffers instead (a copy, but GC keeps running).</li>
 * <li>{@link #EVENT_RECORD_CPU} — {@code critical(false)}: on a CPU stream a record appends a marker
 *     to the queue (short, never waits on work). Used only for CPU events; CUDA records use the
 *     generated (plain) binding.</li>
 * <li>{@link #VERSION} — {@code critical(false)}: returns a constant (the JMH floor uses a plain
 *     handle of its own).</li>
 * <li>Never critical: fc_stream_synchronize, fc_event_synchronize, fc_event_elapsed_ms (they wait),
 *     fc_memcpy (large or blocking copies), fc_malloc/fc_free and plan creation (allocation).</li>
 * </ul>
 */
public final class Downcalls {

    private Downcalls() {}

    /** System property: largest plan (multiply-adds) whose blocking CPU forward is a critical call. */
    public static final String CRITICAL_MAX_MACS_PROPERTY = "fastconv.criticalMaxMacs";
    /** System property: largest plan (multiply-adds) whose heap-array forward is zero-copy (critical). */
    public static final String HEAP_CRITICAL_MAX_MACS_PROPERTY = "fastconv.heapCriticalMaxMacs";

    public static final MethodHandle FORWARD;
    public static final MethodHandle FORWARD_SHORT;
    public static final MethodHandle FORWARD_HEAP;
    public static final MethodHandle EVENT_RECORD_CPU;
    public static final MethodHandle VERSION;

    static {
        NativeLibrary.load();
        Linker linker = Linker.nativeLinker();
        SymbolLookup lookup = SymbolLookup.loaderLookup();
        FunctionDescriptor fwd = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        MemorySegment forward = find(lookup, "fc_conv_forward");
        FORWARD = linker.downcallHandle(forward, fwd);
        FORWARD_SHORT = linker.downcallHandle(forward, fwd, Linker.Option.critical(false));
        FORWARD_HEAP = linker.downcallHandle(forward, fwd, Linker.Option.critical(true));
        EVENT_RECORD_CPU = linker.downcallHandle(find(lookup, "fc_event_record"), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS),
                Linker.Option.critical(false));
        VERSION = linker.downcallHandle(find(lookup, "fc_version"), FunctionDescriptor.of(JAVA_INT), Linker.Option.critical(false));
    }

    private static MemorySegment find(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new UnsatisfiedLinkError("fastconv: symbol " + name + " not found"));
    }

    /** Read when a plan is made (so a plan's choice is fixed for its life). */
    public static long criticalMaxMacs() {
        return Long.getLong(CRITICAL_MAX_MACS_PROPERTY, 1L << 16);
    }

    /** Read when a plan is made (so a plan's choice is fixed for its life). */
    public static long heapCriticalMaxMacs() {
        return Long.getLong(HEAP_CRITICAL_MAX_MACS_PROPERTY, 1L << 24);
    }

    /** fc_conv_forward through the plain handle (may block for long; GC proceeds meanwhile). */
    public static int forward(MemorySegment plan, MemorySegment stream, MemorySegment x, MemorySegment w, MemorySegment bias,
            MemorySegment y, MemorySegment ws) {
        try {
            return (int) FORWARD.invokeExact(plan, stream, x, w, bias, y, ws);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** fc_conv_forward as a critical call: only for short native work (see the class comment). */
    public static int forwardShort(MemorySegment plan, MemorySegment stream, MemorySegment x, MemorySegment w, MemorySegment bias,
            MemorySegment y, MemorySegment ws) {
        try {
            return (int) FORWARD_SHORT.invokeExact(plan, stream, x, w, bias, y, ws);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** fc_conv_forward as a critical call with heap access: x, w, bias, y may be heap segments. */
    public static int forwardHeap(MemorySegment plan, MemorySegment stream, MemorySegment x, MemorySegment w, MemorySegment bias,
            MemorySegment y, MemorySegment ws) {
        try {
            return (int) FORWARD_HEAP.invokeExact(plan, stream, x, w, bias, y, ws);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** fc_event_record for CPU events (appends a marker: short). */
    public static int eventRecordCpu(MemorySegment event, MemorySegment stream) {
        try {
            return (int) EVENT_RECORD_CPU.invokeExact(event, stream);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int version() {
        try {
            return (int) VERSION.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
