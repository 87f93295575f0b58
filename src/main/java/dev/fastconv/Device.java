package dev.fastconv;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.fastconv.ffi.FastConvFFI;
import dev.fastconv.ffi.fc_device_info;
import dev.fastconv.internal.Native;

/**
 * A compute device: index 0 is the CPU, 1.. are CUDA devices ({@code cuda:0} is global index 1).
 * Devices are enumerated once per process.
 */
public final class Device {

    private static volatile List<Device> all;

    private final int index;
    private final DeviceKind kind;
    private final String name;
    private final int ccMajor;
    private final int ccMinor;
    private final long totalMemory;
    private final int multiprocessorCount;
    private final int simdLevel;
    private final int cudaOrdinal;

    private Device(MemorySegment info, int cudaOrdinal) {
        this.index = fc_device_info.index(info);
        this.kind = fc_device_info.kind(info) == 1 ? DeviceKind.CUDA : DeviceKind.CPU;
        this.name = fc_device_info.name(info).getString(0);
        this.ccMajor = fc_device_info.compute_capability_major(info);
        this.ccMinor = fc_device_info.compute_capability_minor(info);
        this.totalMemory = fc_device_info.total_memory(info);
        this.multiprocessorCount = fc_device_info.multiprocessor_count(info);
        this.simdLevel = fc_device_info.simd_level(info);
        this.cudaOrdinal = cudaOrdinal;
    }

    /** Every device, CPU first. */
    public static List<Device> all() {
        List<Device> r = all;
        if (r == null) {
            synchronized (Device.class) {
                r = all;
                if (r == null) {
                    all = r = enumerate();
                }
            }
        }
        return r;
    }

    private static List<Device> enumerate() {
        Native.init();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment count = a.allocate(ValueLayout.JAVA_INT);
            Native.check(FastConvFFI.fc_device_count(count), "fc_device_count");
            int n = count.get(ValueLayout.JAVA_INT, 0);
            List<Device> list = new ArrayList<>(n);
            MemorySegment info = fc_device_info.allocate(a);
            int cuda = 0;
            for (int i = 0; i < n; i++) {
                Native.check(FastConvFFI.fc_device_get_info(i, info), "fc_device_get_info");
                boolean isCuda = fc_device_info.kind(info) == 1;
                list.add(new Device(info, isCuda ? cuda++ : 0));
            }
            if (list.isEmpty() || list.get(0).kind != DeviceKind.CPU) {
                throw new FastConvException("FC_ERROR_INTERNAL", "device 0 is not the CPU (fc_device_count=" + n + ")");
            }
            return List.copyOf(list);
        }
    }

    public static Device cpu() {
        return all().get(0);
    }

    /**
     * The first CUDA device the kernels run on ({@link #runsConvolutionKernels()}) if any, else the CPU:
     * "auto" never picks a GPU that plan creation would refuse.
     */
    public static Device defaultDevice() {
        for (Device d : all()) {
            if (d.kind == DeviceKind.CUDA && d.runsConvolutionKernels()) {
                return d;
            }
        }
        return cpu();
    }

    /**
     * Whether convolution plans can run here: always for the CPU; for a CUDA device, compute capability
     * {@code FC_CUDA_MIN_COMPUTE_MAJOR}.0 (8.0) or newer — on an older GPU plan creation fails with a
     * {@link FastConvException} that names its capability (memory and streams still work there).
     */
    public boolean runsConvolutionKernels() {
        return kind == DeviceKind.CPU || ccMajor >= FastConvFFI.FC_CUDA_MIN_COMPUTE_MAJOR();
    }

    public static boolean hasCuda() {
        return all().size() > 1;
    }

    /** The first CUDA device; IllegalStateException with {@link FastConv#cudaStatus()} if there is none. */
    public static Device cuda() {
        for (Device d : all()) {
            if (d.kind == DeviceKind.CUDA) {
                return d;
            }
        }
        throw new IllegalStateException("no CUDA device: " + FastConv.cudaStatus());
    }

    /** "auto" | "cpu" | "cpu:0" | "cuda" | "cuda:N" (N-th CUDA device, from 0). */
    public static Device parse(String spec) {
        String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "auto":
                return defaultDevice();
            case "cpu", "cpu:0":
                return cpu();
            case "cuda", "gpu":
                return cuda();
            default:
        }
        if (s.startsWith("cuda:")) {
            int n;
            try {
                n = Integer.parseInt(s.substring(5));
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n >= 0) {
                List<Device> cudas = all().stream().filter(d -> d.kind == DeviceKind.CUDA).toList();
                if (cudas.isEmpty()) {
                    throw new IllegalStateException("device: " + spec + " asked for but there is no CUDA device: " + FastConv.cudaStatus());
                }
                if (n >= cudas.size()) {
                    throw new IllegalArgumentException("device: " + spec + " does not exist (expected cuda:0.."
                            + "cuda:" + (cudas.size() - 1) + ")");
                }
                return cudas.get(n);
            }
        }
        throw new IllegalArgumentException("device: expected auto, cpu, cuda or cuda:N but got '" + spec + "'");
    }

    /** The global device number passed to the C API (0 = CPU). */
    public int index() {
        return index;
    }

    public DeviceKind kind() {
        return kind;
    }

    public String name() {
        return name;
    }

    public int computeCapabilityMajor() {
        return ccMajor;
    }

    public int computeCapabilityMinor() {
        return ccMinor;
    }

    public long totalMemory() {
        return totalMemory;
    }

    public int multiprocessorCount() {
        return multiprocessorCount;
    }

    /** CPU worker threads now (re-read, since {@link FastConv#setCpuThreads} changes it); 0 for CUDA. */
    public int cpuThreads() {
        if (kind != DeviceKind.CPU) {
            return 0;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = fc_device_info.allocate(a);
            Native.check(FastConvFFI.fc_device_get_info(index, info), "fc_device_get_info");
            return fc_device_info.num_threads(info);
        }
    }

    /** "avx512" | "avx2" | "scalar" for the CPU, "" for CUDA. */
    public String simdLevel() {
        if (kind != DeviceKind.CPU) {
            return "";
        }
        return switch (simdLevel) {
            case 2 -> "avx512";
            case 1 -> "avx2";
            default -> "scalar";
        };
    }

    public boolean isCpu() {
        return kind == DeviceKind.CPU;
    }

    /** "cpu" or "cuda:N", the form {@link #parse} takes. */
    public String spec() {
        return kind == DeviceKind.CPU ? "cpu" : "cuda:" + cudaOrdinal;
    }

    @Override
    public String toString() {
        if (kind == DeviceKind.CPU) {
            int t = cpuThreads();
            return "cpu:0 (" + name + ", " + simdLevel() + ", " + t + (t == 1 ? " thread)" : " threads)");
        }
        return "cuda:" + cudaOrdinal + " (" + name + ", sm_" + ccMajor + ccMinor + ", "
                + String.format(Locale.ROOT, "%.1f GiB", totalMemory / (1024.0 * 1024 * 1024)) + ", "
                + multiprocessorCount + " SMs)";
    }

    /** Short name for messages: "cpu" or "cuda:N". */
    String label() {
        return spec();
    }
}
