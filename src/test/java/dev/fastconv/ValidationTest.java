package dev.fastconv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import dev.fastconv.ffi.FastConvFFI;
import dev.fastconv.ffi.fc_conv_desc;
import dev.fastconv.internal.Native;

/** Bad inputs: each must throw the right exception type with a message naming the argument and the expected value. */
class ValidationTest {

    private Arena arena;
    private Tensor x;   // 1x6x5x5 F32 NCHW
    private Tensor w;   // 4x6x3x3
    private Tensor b;   // 4

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        x = Tensor.allocate(arena, Device.cpu(), DType.F32, Layout.NCHW, 1, 6, 5, 5);
        w = Tensor.allocate(arena, Device.cpu(), DType.F32, Layout.NCHW, 4, 6, 3, 3);
        b = Tensor.allocate(arena, Device.cpu(), DType.F32, Layout.NCHW, 4);
    }

    @AfterEach
    void tearDown() {
        arena.close();
    }

    static <T extends Throwable> T expect(Class<T> type, String substring, Executable e) {
        T t = assertThrows(type, e);
        assertTrue(t.getMessage() != null && t.getMessage().contains(substring),
                "message '" + t.getMessage() + "' should contain '" + substring + "'");
        return t;
    }

    static final Conv C2 = Conv.conv2d().build();

    @Test
    void inputRank() {
        expect(IllegalArgumentException.class, "input: expected a 4-D tensor (N, C, H, W) for conv2d but got shape [1, 6, 5] (rank 3)",
                () -> C2.outputShape(new long[] {1, 6, 5}, new long[] {4, 6, 3, 3}));
    }

    @Test
    void weightRank() {
        expect(IllegalArgumentException.class, "weight: expected a 3-D tensor (K, C/groups, kW) for conv1d",
                () -> Conv.conv1d().build().outputShape(new long[] {1, 6, 5}, new long[] {4, 6, 3, 3}));
    }

    @Test
    void channelMismatch() {
        expect(IllegalArgumentException.class,
                "weight: in-channels per group is 3 but input has 6 channels and groups=1 (expected weight.shape[1] == 6)",
                () -> C2.outputShape(new long[] {1, 6, 5, 5}, new long[] {4, 3, 3, 3}));
    }

    @Test
    void groupsMustDivideInputChannels() {
        expect(IllegalArgumentException.class, "groups: input has 6 channels, not divisible by groups=4",
                () -> Conv.conv2d().groups(4).build().outputShape(new long[] {1, 6, 5, 5}, new long[] {4, 1, 3, 3}));
    }

    @Test
    void groupsMustDivideOutputChannels() {
        expect(IllegalArgumentException.class, "groups: weight.shape[0] (out channels) is 4, not divisible by groups=3",
                () -> Conv.conv2d().groups(3).build().outputShape(new long[] {1, 6, 5, 5}, new long[] {4, 2, 3, 3}));
    }

    @Test
    void groupsPositive() {
        expect(IllegalArgumentException.class, "groups: must be >= 1", () -> Conv.conv2d().groups(0).build());
    }

    @Test
    void outputSizeBelowOne() {
        expect(IllegalArgumentException.class, "input: output size would be 0 < 1 in spatial dim 1 (W)",
                () -> C2.outputShape(new long[] {1, 6, 5, 2}, new long[] {4, 6, 3, 3}));
        expect(IllegalArgumentException.class, "(2 + 0 + 0 - 2*(3-1) - 1)/1 + 1",
                () -> Conv.conv1d().dilation(2).build().outputShape(new long[] {1, 6, 2}, new long[] {4, 6, 3}));
    }

    @Test
    void nonPositiveStrideAndDilation() {
        expect(IllegalArgumentException.class, "stride: must be >= 1 in every dim", () -> Conv.conv2d().stride(1, 0).build());
        expect(IllegalArgumentException.class, "dilation: must be >= 1 in every dim", () -> Conv.conv3d().dilation(0).build());
    }

    @Test
    void negativePadding() {
        expect(IllegalArgumentException.class, "padding: must be >= 0 in every dim (negative padding is not supported) but got [-1, 0]",
                () -> Conv.conv2d().padding(-1, 0).build());
        expect(IllegalArgumentException.class, "padding: must be >= 0",
                () -> Conv.conv2d().padding(new long[] {0, 0}, new long[] {0, -2}).build());
    }

    @Test
    void wrongNumberOfPerDimValues() {
        expect(IllegalArgumentException.class, "stride: expected 1 or 2 values for a 2-D convolution but got 3",
                () -> Conv.conv2d().stride(1, 1, 1).build());
        expect(IllegalArgumentException.class, "padding: expected 1 or 3 values", () -> Conv.conv3d().padding(1, 1).build());
    }

    @Test
    void sameWithStride() {
        expect(IllegalArgumentException.class, "padding='same' is not supported for strided convolutions",
                () -> Conv.conv2d().padding("same").stride(2).build());
        expect(IllegalArgumentException.class, "padding: expected 'same' or 'valid' but got 'full'", () -> Conv.conv2d().padding("full"));
    }

    @Test
    void biasLength() {
        Tensor b5 = Tensor.allocate(arena, Device.cpu(), DType.F32, Layout.NCHW, 5);
        expect(IllegalArgumentException.class, "bias: expected shape [4] (out channels = weight.shape[0]) but got [5]",
                () -> C2.plan(x, w, b5));
    }

    @Test
    void dtypeLayoutMismatch() {
        Tensor w16 = Tensor.allocate(arena, Device.cpu(), DType.F16, Layout.NCHW, 4, 6, 3, 3);
        expect(IllegalArgumentException.class, "weight: dtype is F16 but input's is F32", () -> C2.plan(x, w16, null));
        Tensor wl = Tensor.allocate(arena, Device.cpu(), DType.F32, Layout.NHWC, 4, 6, 3, 3);
        expect(IllegalArgumentException.class, "weight: layout is NHWC but input's is NCHW", () -> C2.plan(x, wl, null));
        try (ConvPlan p = C2.plan(x, w, b)) {
            Tensor y16 = Tensor.allocate(arena, Device.cpu(), DType.F16, Layout.NCHW, 1, 4, 3, 3);
            expect(IllegalArgumentException.class, "output: dtype is F16 but the plan is for F32", () -> p.forward(x, w, b, y16));
        }
    }

    @Test
    void outputShapeMismatchAndBiasPresence() {
        try (ConvPlan p = C2.plan(x, w, b)) {
            Tensor y = Tensor.allocate(arena, Device.cpu(), DType.F32, Layout.NCHW, 1, 4, 4, 4);
            expect(IllegalArgumentException.class, "output: shape is [1, 4, 4, 4] but the plan expects [1, 4, 3, 3]",
                    () -> p.forward(x, w, b, y));
            Tensor good = p.allocateOutput(arena);
            expect(IllegalArgumentException.class, "bias: the plan was made with a bias", () -> p.forward(x, w, null, good));
            Tensor x2 = Tensor.allocate(arena, Device.cpu(), DType.F32, Layout.NCHW, 2, 6, 5, 5);
            expect(IllegalArgumentException.class, "input: shape is [2, 6, 5, 5] but the plan expects [1, 6, 5, 5]",
                    () -> p.forward(x2, w, b, good));
        }
        try (ConvPlan p = C2.plan(x, w, null)) {
            Tensor y = p.allocateOutput(arena);
            expect(IllegalArgumentException.class, "bias: the plan was made without a bias; expected null", () -> p.forward(x, w, b, y));
        }
    }

    @Test
    void outputOverlappingInput() {
        try (ConvPlan p = Conv.conv2d().padding(1).build().plan(x, Tensor.allocate(arena, Device.cpu(), DType.F32, Layout.NCHW, 6, 6, 3, 3), null)) {
            Tensor w6 = Tensor.allocate(arena, Device.cpu(), DType.F32, Layout.NCHW, 6, 6, 3, 3);
            Tensor alias = Tensor.wrap(x.segment(), DType.F32, Layout.NCHW, 1, 6, 5, 5);
            expect(IllegalArgumentException.class, "output: overlaps the memory of input", () -> p.forward(x, w6, null, alias));
        }
    }

    @Test
    void segmentTooSmallOrMisaligned() {
        MemorySegment seg = arena.allocate(64, 8);
        expect(IllegalArgumentException.class, "segment: has 10 bytes but shape [2, 2] of F32 needs 16",
                () -> Tensor.wrap(seg.asSlice(0, 10), DType.F32, Layout.NCHW, 2, 2));
        expect(IllegalArgumentException.class, "is not aligned to 4 bytes",
                () -> Tensor.wrap(seg.asSlice(2, 32), DType.F32, Layout.NCHW, 2, 2));
        expect(IllegalArgumentException.class, "segment: must be a native (off-heap) segment",
                () -> Tensor.wrap(MemorySegment.ofArray(new float[4]), DType.F32, Layout.NCHW, 4));
        expect(IllegalArgumentException.class, "data: has 3 elements but shape [2, 2] has 4",
                () -> Tensor.fromArray(arena, new float[3], 2, 2));
    }

    @Test
    void overflow() {
        expect(IllegalArgumentException.class, "shape: shape [4294967296, 4294967296] has more than 2^63 elements",
                () -> Tensor.allocate(arena, Device.cpu(), DType.F32, Layout.NCHW, 1L << 32, 1L << 32));
        expect(IllegalArgumentException.class, "has more than 2^63 bytes",
                () -> Tensor.allocate(arena, Device.cpu(), DType.F32, Layout.NCHW, 1L << 31, 1L << 31));
        expect(IllegalArgumentException.class, "has more than 2^63",
                () -> Conv.conv2d().build().plan(Device.cpu(), DType.F32, Layout.NCHW, new long[] {1L << 20, 1L << 20, 1L << 12, 1L << 12},
                        new long[] {1, 1L << 20, 1, 1}, false));
        expect(IllegalArgumentException.class, "padding: input size + padding overflows",
                () -> Conv.conv1d().padding(Long.MAX_VALUE).build().outputShape(new long[] {1, 1, 5}, new long[] {1, 1, 1}));
    }

    @Test
    void parsers() {
        expect(IllegalArgumentException.class, "precision: expected one of fp32, tf32, fp16, 3xtf32 but got 'fp64'",
                () -> Precision.parse("fp64"));
        expect(IllegalArgumentException.class, "algorithm: expected one of auto", () -> Algorithm.parse("fft"));
        expect(IllegalArgumentException.class, "device: expected auto, cpu, cuda or cuda:N but got 'tpu'", () -> Device.parse("tpu"));
        expect(IllegalArgumentException.class, "spatialDims: expected 1, 2 or 3 but got 4", () -> Conv.builder(4));
        expect(IllegalArgumentException.class, "threads: must be >= 0", () -> FastConv.setCpuThreads(-1));
        assertEquals(Precision.FP32_3XTF32, Precision.parse("3xtf32"));
        assertEquals(Algorithm.UNFOLD_GEMM, Algorithm.parse("unfold-gemm"));
        assertEquals("implicit-gemm", Algorithm.IMPLICIT_GEMM.cliName());
        assertEquals("<f2", DType.F16.numpyDescr());
        assertEquals(Device.cpu(), Device.parse("cpu"));
        if (!Device.hasCuda()) {
            expect(IllegalStateException.class, "no CUDA device", Device::cuda);
            expect(IllegalStateException.class, "no CUDA device", () -> Device.parse("cuda:0"));
        }
    }

    @Test
    void nativeSecondLineOfDefence() {
        // the glue: an fc_status from the C side becomes the right exception with fc_last_error()
        try (Arena a = Arena.ofConfined()) {
            Native.init();
            MemorySegment desc = fc_conv_desc.allocate(a);
            Native.check(FastConvFFI.fc_conv_desc_init(desc), "fc_conv_desc_init");
            fc_conv_desc.groups(desc, 0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Native.check(FastConvFFI.fc_conv_desc_validate(desc), "fc_conv_desc_validate"));
            assertTrue(e.getMessage().contains("groups"), e.getMessage());
        }
        RuntimeException f = Native.failure(3, "fc_malloc");
        assertTrue(f instanceof FastConvException);
        assertEquals("FC_ERROR_OUT_OF_MEMORY", ((FastConvException) f).status());
        assertTrue(Native.failure(1, "x") instanceof IllegalArgumentException);
    }

    @Test
    void batchZeroLikePyTorch() {
        Tensor x0 = Tensor.allocate(arena, Device.cpu(), DType.F32, Layout.NCHW, 0, 6, 5, 5);
        Tensor y = C2.apply(arena, x0, w, b);
        assertEquals(0, y.elementCount());
        assertEquals(4, y.dim(1));
    }
}
