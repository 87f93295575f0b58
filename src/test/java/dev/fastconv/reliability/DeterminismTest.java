package dev.fastconv.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.fastconv.Activation;
import dev.fastconv.Algorithm;
import dev.fastconv.Conv;
import dev.fastconv.ConvPlan;
import dev.fastconv.DType;
import dev.fastconv.Device;
import dev.fastconv.FastConv;
import dev.fastconv.Layout;
import dev.fastconv.Precision;
import dev.fastconv.Tensor;

/**
 * The same plan on the same inputs gives bit-identical outputs on every run and for every CPU
 * thread count (FastConv.setCpuThreads(1|2|4)): every algorithm, dtype, layout and precision. The
 * shapes span several tasks along every parallel axis (images, groups, channel blocks, position
 * blocks, a reduction longer than one 256-deep panel), so a thread-count-dependent reduction order
 * would show.
 */
class DeterminismTest {

    static List<Object[]> cases() {
        List<Object[]> out = new ArrayList<>();
        for (Algorithm a : new Algorithm[] {Algorithm.DIRECT, Algorithm.UNFOLD_GEMM, Algorithm.IMPLICIT_GEMM}) {
            for (DType d : DType.values()) {
                for (Layout l : Layout.values()) {
                    for (Precision p : new Precision[] {Precision.FP32, Precision.TF32, Precision.FP16}) {
                        if (l == Layout.NHWC && p != Precision.FP32) continue; // precision is layout-independent
                        out.add(new Object[] {a, d, l, p});
                    }
                }
            }
        }
        return out;
    }

    @AfterEach
    void restoreThreads() {
        FastConv.setCpuThreads(0);
    }

    @ParameterizedTest(name = "{0} {1} {2} {3}")
    @MethodSource("cases")
    void bitIdenticalAcrossRunsAndThreadCounts(Algorithm algo, DType dtype, Layout layout, Precision prec) {
        Conv conv = Conv.conv2d().padding(1).stride(1, 2).groups(2).algorithm(algo).precision(prec)
                .activation(Activation.RELU).build();
        long[] xs = {2, 36, 14, 30};
        long[] ws = {48, 18, 3, 3}; // reduction 18*9 per group; 24 channels per group; 14*15 positions
        SplittableRandom r = new SplittableRandom(77);
        float[] xd = new float[2 * 36 * 14 * 30];
        float[] wd = new float[48 * 18 * 9];
        float[] bd = new float[48];
        for (int i = 0; i < xd.length; i++) xd[i] = (float) (r.nextDouble() * 2 - 1);
        for (int i = 0; i < wd.length; i++) wd[i] = (float) (r.nextDouble() * 2 - 1);
        for (int i = 0; i < bd.length; i++) bd[i] = (float) (r.nextDouble() - 0.5);
        try (Arena a = Arena.ofConfined()) {
            Tensor x = Tensor.fromArray(a, Device.cpu(), dtype, layout, xd, xs);
            Tensor w = Tensor.fromArray(a, Device.cpu(), dtype, layout, wd, ws);
            Tensor b = Tensor.fromArray(a, Device.cpu(), dtype, layout, bd, 48);
            try (ConvPlan p = conv.plan(x, w, b)) {
                Tensor y = p.allocateOutput(a);
                short[] ref16 = null;
                float[] ref32 = null;
                for (int threads : new int[] {1, 2, 4, 1, 4}) {
                    FastConv.setCpuThreads(threads);
                    for (int run = 0; run < 2; run++) {
                        p.forward(x, w, b, y);
                        if (dtype == DType.F16) {
                            short[] got = y.toF16Bits();
                            if (ref16 == null) ref16 = got;
                            else assertArrayEquals(ref16, got, threads + " threads, run " + run);
                        } else {
                            float[] got = y.toFloatArray();
                            if (ref32 == null) ref32 = got;
                            else assertArrayEquals(ref32, got, threads + " threads, run " + run);
                        }
                    }
                }
            }
        }
    }
}
