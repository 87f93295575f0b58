package dev.fastconv;

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

    /** Where the native library was loaded from. */
    public static String librarySource() {
        Native.init();
        return NativeLibrary.source();
    }
}
