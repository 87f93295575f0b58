package dev.fastconv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** CUDA against the reference and the CPU; enabled when a CUDA device exists, visibly skipped otherwise. */
class CudaTest {

    @BeforeEach
    void needCuda() {
        Assumptions.assumeTrue(Device.hasCuda(), "no CUDA device: " + FastConv.cudaStatus());
    }

    @Test
    void edgeCasesMatchReferenceOnCuda() {
        List<String> failures = new ArrayList<>();
        for (ConvCase c : ConvCorrectnessTest.edgeCases()) {
            for (Algorithm al : Algorithm.values()) {
                for (Layout l : Layout.values()) {
                    for (DType dt : DType.values()) {
                        for (Precision p : Precision.values()) {
                            String err = c.run(Device.cuda(), al, l, dt, p);
                            if (err != null) {
                                failures.add(err);
                            }
                        }
                    }
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " CUDA case(s) failed:\n" + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
        }
    }

    @Test
    void randomCasesCudaVsReference() {
        long seed = Long.getLong("fastconv.seed", System.nanoTime());
        System.out.println("CudaTest: -Dfastconv.seed=" + seed);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 100; i++) {
            ConvCase c = ConvCorrectnessTest.randomCase(r, i);
            Algorithm algo = Algorithm.values()[r.nextInt(4)];
            Layout layout = Layout.values()[r.nextInt(2)];
            DType dt = DType.values()[r.nextInt(2)];
            Precision p = Precision.values()[r.nextInt(4)];
            assertNull(c.run(Device.cuda(), algo, layout, dt, p), "seed " + seed);
        }
    }

    @Test
    void cudaFp32MatchesCpuClosely() {
        ConvCase c = ConvCase.of("cmp", new long[] {2, 16, 20, 20}, new long[] {32, 16, 3, 3}).pad(1).biasRelu(true, true);
        float[][] d = c.data(DType.F32);
        try (Arena a = Arena.ofConfined()) {
            float[] cpu = run(a, Device.cpu(), c, d);
            float[] gpu = run(a, Device.cuda(), c, d);
            ReferenceConv.Result ref = c.reference(d[0], d[1], d[2]);
            assertNull(ConvTolerance.check(cpu, ref, DType.F32, Precision.FP32, 1, 1));
            assertNull(ConvTolerance.check(gpu, ref, DType.F32, Precision.FP32, 1, 1));
        }
    }

    private static float[] run(Arena a, Device dev, ConvCase c, float[][] d) {
        Tensor x = Tensor.fromArray(a, dev, DType.F32, Layout.NCHW, d[0], c.xShape());
        Tensor w = Tensor.fromArray(a, dev, DType.F32, Layout.NCHW, d[1], c.wShape());
        Tensor b = Tensor.fromArray(a, dev, DType.F32, Layout.NCHW, d[2], c.wShape()[0]);
        return c.conv(Algorithm.AUTO, Precision.FP32).apply(a, x, w, b).toFloatArray();
    }

    @Test
    void copiesAndAsyncOnCuda() {
        try (Arena a = Arena.ofConfined(); Stream s = Stream.create(Device.cuda())) {
            float[] data = ConvCase.random(new SplittableRandom(5), 2 * 3 * 4 * 4, DType.F32);
            Tensor host = Tensor.fromArray(a, Device.cpu(), DType.F32, Layout.NHWC, data, 2, 3, 4, 4);
            Tensor dev = host.copyTo(a, Device.cuda());
            assertEquals(0, dev.segment().byteSize());
            assertArrayEquals(data, dev.toFloatArray());
            Tensor w = Tensor.fromArray(a, Device.cuda(), DType.F32, Layout.NHWC, new float[5 * 3 * 9], 5, 3, 3, 3);
            Conv conv = Conv.conv2d().padding(1).algorithm(Algorithm.UNFOLD_GEMM).build();
            try (ConvPlan p = conv.plan(dev, w, null)) {
                Tensor y = p.allocateOutput(a);
                p.forwardAsync(s, dev, w, null, y);
                s.synchronize();
                for (float v : y.toFloatArray()) {
                    assertEquals(0f, v);
                }
            }
        }
    }

    @Test
    void unfoldOnCudaMatchesCpu() {
        Unfold u = Unfold.of(2, new long[] {3, 2}, new long[] {1, 2}, new long[] {1, 0}, new long[] {2, 1});
        float[] data = ConvCase.random(new SplittableRandom(9), 2 * 3 * 7 * 6, DType.F32);
        for (Layout l : Layout.values()) {
            try (Arena a = Arena.ofConfined()) {
                Tensor xc = Tensor.fromArray(a, Device.cpu(), DType.F32, l, data, 2, 3, 7, 6);
                Tensor xg = xc.copyTo(a, Device.cuda());
                assertArrayEquals(u.apply(a, xc).toFloatArray(), u.apply(a, xg).toFloatArray());
            }
        }
    }
}
