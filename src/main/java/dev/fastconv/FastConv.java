package dev.fastconv;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.fastconv.ffi.FastConvFFI;
import dev.fastconv.internal.Native;
import dev.fastconv.internal.NativeLibrary;

/** Library-wide information and settings. */
public final class FastConv {

    /**
     * The library's logger ({@code System.Logger} "dev.fastconv", no logging dependency): the
     * native library's path and version at load, and each plan's chosen algorithm, at DEBUG.
     */
    static final System.Logger LOG = System.getLogger("dev.fastconv");

    private FastConv() {}

    /** fc_version(): major*10000 + minor*100 + patch of the loaded native library. */
    public static int version() {
        Native.init();
        return FastConvFFI.fc_version();
    }

    /** e.g. "0.1.0". */
    public static String versionString() {
        return NativeLibrary.versionString(version());
    }

    /** Why the CUDA backend is or is not available (from the native library). */
    public static String cudaStatus() {
        Native.init();
        return Native.cString(FastConvFFI.fc_cuda_status());
    }

    /** Native allocations made by fastconv that are still alive (memory, plans, streams, events). */
    public static long liveNativeObjects() {
        Native.init();
        return Native.liveObjects();
    }

    /** Worker threads of the CPU backend; 0 = one per core. */
    public static void setCpuThreads(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads: must be >= 0 (0 = one per core) but got " + threads);
        }
        Native.init();
        Native.check(FastConvFFI.fc_cpu_set_num_threads(threads), "fc_cpu_set_num_threads");
    }

    /**
     * Autotuning at plan creation, for the whole process, like {@code cudnn.benchmark}: with
     * {@code true} every plan made afterwards times its candidate kernels on scratch tensors and keeps
     * the fastest (CPU: AUTO's algorithms; CUDA: every kernel, tile, split-K and input transform of
     * the requested algorithm, cached per device and problem), which costs a few forward passes of
     * each candidate at plan creation; {@code false} keeps the heuristic. Plans already made are not
     * changed. Overrides the environment variable {@code FASTCONV_AUTOTUNE}, which decides until this
     * is called and again after {@link #resetAutotune()}.
     */
    public static void setAutotune(boolean enabled) {
        Native.init();
        Native.check(FastConvFFI.fc_set_autotune(enabled ? FastConvFFI.FC_AUTOTUNE_ON() : FastConvFFI.FC_AUTOTUNE_OFF()),
                "fc_set_autotune");
    }

    /** Back to the default: the environment variable {@code FASTCONV_AUTOTUNE} decides (set and not "0": on). */
    public static void resetAutotune() {
        Native.init();
        Native.check(FastConvFFI.fc_set_autotune(FastConvFFI.FC_AUTOTUNE_DEFAULT()), "fc_set_autotune");
    }

    /** Whether plans made now are autotuned ({@link #setAutotune}, else the environment). */
    public static boolean isAutotuneEnabled() {
        Native.init();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_INT);
            Native.check(FastConvFFI.fc_autotune_enabled(out), "fc_autotune_enabled");
            return out.get(ValueLayout.JAVA_INT, 0) != 0;
        }
    }

    /** Where the native library was loaded from. */
    public static String librarySource() {
        Native.init();
        return NativeLibrary.source();
    }
}
