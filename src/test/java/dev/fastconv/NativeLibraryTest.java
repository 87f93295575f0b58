package dev.fastconv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.fastconv.ffi.FastConvFFI;
import dev.fastconv.internal.NativeLibrary;

/** Library loading, versions, platform names, devices, and that the Java enums match the C enums. */
class NativeLibraryTest {

    @Test
    void platformNames() {
        assertEquals("linux", NativeLibrary.osName("Linux"));
        assertEquals("macos", NativeLibrary.osName("Mac OS X"));
        assertEquals("windows", NativeLibrary.osName("Windows 11"));
        assertEquals("x86_64", NativeLibrary.archName("amd64"));
        assertEquals("x86_64", NativeLibrary.archName("x86_64"));
        assertEquals("aarch64", NativeLibrary.archName("arm64"));
        assertTrue(NativeLibrary.resourceName().startsWith("/native/" + NativeLibrary.platform() + "/"));
    }

    @Test
    void versionMatches() {
        assertEquals(NativeLibrary.EXPECTED_MAJOR, FastConv.version() / 10000);
        assertEquals(FastConvFFI.FC_VERSION(), FastConv.version());
        assertEquals(FastConvFFI.FC_VERSION_MAJOR() + "." + FastConvFFI.FC_VERSION_MINOR() + "." + FastConvFFI.FC_VERSION_PATCH(),
                FastConv.versionString());
        assertNotNull(FastConv.librarySource());
        assertFalse(FastConv.cudaStatus().isEmpty());
    }

    @Test
    void enumOrdinalsMatchTheCApi() {
        assertEquals(FastConvFFI.FC_DTYPE_F32(), DType.F32.ordinal());
        assertEquals(FastConvFFI.FC_DTYPE_F16(), DType.F16.ordinal());
        assertEquals(FastConvFFI.FC_LAYOUT_NCHW(), Layout.NCHW.ordinal());
        assertEquals(FastConvFFI.FC_LAYOUT_NHWC(), Layout.NHWC.ordinal());
        assertEquals(FastConvFFI.FC_PRECISION_FP32(), Precision.FP32.ordinal());
        assertEquals(FastConvFFI.FC_PRECISION_TF32(), Precision.TF32.ordinal());
        assertEquals(FastConvFFI.FC_PRECISION_FP16(), Precision.FP16.ordinal());
        assertEquals(FastConvFFI.FC_PRECISION_3XTF32(), Precision.FP32_3XTF32.ordinal());
        assertEquals(FastConvFFI.FC_ALGO_AUTO(), Algorithm.AUTO.ordinal());
        assertEquals(FastConvFFI.FC_ALGO_DIRECT(), Algorithm.DIRECT.ordinal());
        assertEquals(FastConvFFI.FC_ALGO_UNFOLD_GEMM(), Algorithm.UNFOLD_GEMM.ordinal());
        assertEquals(FastConvFFI.FC_ALGO_IMPLICIT_GEMM(), Algorithm.IMPLICIT_GEMM.ordinal());
        assertEquals(FastConvFFI.FC_ACTIVATION_NONE(), Activation.NONE.ordinal());
        assertEquals(FastConvFFI.FC_ACTIVATION_RELU(), Activation.RELU.ordinal());
        assertEquals(FastConvFFI.FC_DEVICE_CPU(), DeviceKind.CPU.ordinal());
        assertEquals(FastConvFFI.FC_DEVICE_CUDA(), DeviceKind.CUDA.ordinal());
    }

    @Test
    void devices() {
        List<Device> all = Device.all();
        Device cpu = Device.cpu();
        assertEquals(cpu, all.get(0));
        assertEquals(0, cpu.index());
        assertTrue(cpu.isCpu());
        assertTrue(List.of("avx512", "avx2", "scalar").contains(cpu.simdLevel()), cpu.simdLevel());
        assertTrue(cpu.cpuThreads() >= 1);
        assertTrue(cpu.toString().startsWith("cpu:0 ("), cpu.toString());
        assertTrue(cpu.runsConvolutionKernels());
        // "auto": the first CUDA device the kernels run on (compute capability >= 8.0), else the CPU
        Device firstRunnable = all.stream().filter(d -> !d.isCpu() && d.runsConvolutionKernels()).findFirst().orElse(cpu);
        assertEquals(firstRunnable, Device.defaultDevice());
        for (Device d : all) {
            assertEquals(d.isCpu() || d.computeCapabilityMajor() >= 8, d.runsConvolutionKernels(), d.toString());
        }
        assertEquals(Device.defaultDevice(), Device.parse("auto"));
        int before = cpu.cpuThreads();
        FastConv.setCpuThreads(1);
        assertEquals(1, cpu.cpuThreads());
        FastConv.setCpuThreads(0);
        assertTrue(cpu.cpuThreads() >= 1);
        assertEquals(before, cpu.cpuThreads());
    }
}
