package dev.fastconv.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.fastconv.Activation;
import dev.fastconv.Algorithm;
import dev.fastconv.Conv;
import dev.fastconv.ConvPlan;
import dev.fastconv.DType;
import dev.fastconv.Device;
import dev.fastconv.Layout;
import dev.fastconv.Precision;
import dev.fastconv.Tensor;

/**
 * IEEE special values behave as in PyTorch (checked against torch 1.13 CPU
 * torch.nn.functional.conv2d): NaN in x makes exactly the outputs whose window covers it NaN (ReLU
 * keeps NaN); Inf*0 and Inf-Inf give NaN, Inf*2 gives Inf; an f16 output of a sum beyond 65504
 * saturates to +-Inf; denormal inputs and products are kept (no flush to zero) on every algorithm
 * and precision that does not round them away; and the caller's thread still computes denormals
 * after a call (the library did not set FTZ/DAZ in it).
 */
class NumericsTest {

    static List<Object[]> paths() {
        List<Object[]> out = new ArrayList<>();
        for (Algorithm a : new Algorithm[] {Algorithm.DIRECT, Algorithm.UNFOLD_GEMM, Algorithm.IMPLICIT_GEMM}) {
            for (DType d : DType.values()) {
                for (Layout l : Layout.values()) out.add(new Object[] {a, d, l});
            }
        }
        return out;
    }

    static float[] run(Conv conv, DType dtype, Layout layout, float[] xd, long[] xs, float[] wd, long[] ws) {
        try (Arena a = Arena.ofConfined()) {
            Tensor x = Tensor.fromArray(a, Device.cpu(), dtype, layout, xd, xs);
            Tensor w = Tensor.fromArray(a, Device.cpu(), dtype, layout, wd, ws);
            try (ConvPlan p = conv.plan(x, w, null)) {
                Tensor y = p.allocateOutput(a);
                p.forward(x, w, null, y);
                return y.toFloatArray(); // logical order
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("paths")
    void nanPropagatesToExactlyTheCoveredOutputs(Algorithm algo, DType dtype, Layout layout) {
        for (Activation act : Activation.values()) {
            Conv conv = Conv.conv2d().padding(1).algorithm(algo).activation(act).build();
            // 2 channels x 6x6, NaN at channel 1, (2, 3); 3 output channels
            float[] xd = new float[2 * 36];
            for (int i = 0; i < xd.length; i++) xd[i] = (i % 7) * 0.25f - 0.5f;
            xd[36 + 2 * 6 + 3] = Float.NaN;
            float[] wd = new float[3 * 2 * 9];
            for (int i = 0; i < wd.length; i++) wd[i] = (i % 5) * 0.5f - 1f;
            float[] y = run(conv, dtype, layout, xd, new long[] {1, 2, 6, 6}, wd, new long[] {3, 2, 3, 3});
            for (int k = 0; k < 3; k++) {
                for (int oh = 0; oh < 6; oh++) {
                    for (int ow = 0; ow < 6; ow++) {
                        boolean covered = Math.abs(oh - 2) <= 1 && Math.abs(ow - 3) <= 1;
                        float v = y[(k * 6 + oh) * 6 + ow];
                        assertEquals(covered, Float.isNaN(v), act + " y[" + k + "," + oh + "," + ow + "] = " + v);
                        if (!covered) assertTrue(Float.isFinite(v));
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("paths")
    void infinities(Algorithm algo, DType dtype, Layout layout) {
        Conv conv = Conv.conv2d().algorithm(algo).build();
        float inf = Float.POSITIVE_INFINITY;
        // 1x1 conv over 2 channels, 4 positions; 4 output channels with weights (0,0), (2,0), (1,1), (-1,0)
        float[] xd = {inf, inf, 1, -inf, /* channel 1: */ 0, -inf, 1, 0};
        float[] wd = {0, 0, 2, 0, 1, 1, -1, 0};
        float[] y = run(conv, dtype, layout, xd, new long[] {1, 2, 2, 2}, wd, new long[] {4, 2, 1, 1});
        float nan = Float.NaN;
        float[] want = {
            nan, nan, 0, nan,        // w = (0, 0): Inf*0 = NaN
            inf, inf, 2, -inf,       // w = (2, 0): Inf*2 = Inf (and 0*Inf... only where x1 is finite)
            inf, nan, 2, -inf,       // w = (1, 1): Inf + (-Inf) = NaN
            -inf, -inf, -1, inf,     // w = (-1, 0)
        };
        // (2,0) at position 1: x = (Inf, -Inf): 2*Inf + 0*(-Inf) = NaN
        want[4 + 1] = nan;
        want[12 + 1] = nan;
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToIntBits(want[i]) == Float.floatToIntBits(nan), Float.isNaN(y[i]), "y[" + i + "] = " + y[i]);
            if (!Float.isNaN(want[i])) assertEquals(want[i], y[i], "y[" + i + "]");
        }
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("paths")
    void f16OutputOverflowSaturatesToInf(Algorithm algo, DType dtype, Layout layout) {
        if (dtype != DType.F16) return;
        Conv conv = Conv.conv1d().algorithm(algo).build();
        // each product is finite in fp16 (60000 * 1); the fp32 sums +-120000 exceed 65504 and round to +-Inf
        float[] xd = {60000f, 60000f, 60000f, 60000f, 60000f, 60000f};
        float[] wd = {1, 1, -1, -1, 1, 0, 0.5f, 0.5f};
        float[] y = run(conv, dtype, layout, xd, new long[] {1, 2, 3}, wd, new long[] {4, 2, 1});
        for (int p = 0; p < 3; p++) {
            assertEquals(Float.POSITIVE_INFINITY, y[p]);
            assertEquals(Float.NEGATIVE_INFINITY, y[3 + p]);
            assertEquals(60000f, y[6 + p]);
            assertEquals(60000f, y[9 + p]);
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("paths")
    void denormalsAreKept(Algorithm algo, DType dtype, Layout layout) {
        // f32: 2^-70 * 2^-70 = 2^-140 (an fp32 subnormal); f16: 2^-12 * 2^-12 = 2^-24 (the smallest fp16 subnormal)
        float a = dtype == DType.F32 ? 0x1p-70f : 0x1p-12f;
        float want = a * a;
        for (Precision prec : new Precision[] {Precision.FP32, Precision.TF32, Precision.FP32_3XTF32}) {
            Conv conv = Conv.conv2d().algorithm(algo).precision(prec).build();
            float[] y = run(conv, dtype, layout, new float[] {a, 2 * a}, new long[] {1, 1, 1, 2}, new float[] {a}, new long[] {1, 1, 1, 1});
            assertEquals(want, y[0], prec + ": " + y[0]);
            assertEquals(2 * want, y[1], prec + ": " + y[1]);
            // a subnormal input times 1 stays itself (TF32 keeps 10 mantissa bits of the subnormal too, like
            // cvt.rna.tf32.f32: 2^-130 is representable, 2^-140 rounds to 0 there by design)
            float sub = dtype == DType.F32 ? (prec == Precision.TF32 ? 0x1p-130f : 0x1p-140f) : 0x1p-24f;
            y = run(conv, dtype, layout, new float[] {sub, -sub}, new long[] {1, 1, 1, 2}, new float[] {1f}, new long[] {1, 1, 1, 1});
            assertEquals(sub, y[0], prec + " subnormal x");
            assertEquals(-sub, y[1], prec + " subnormal x");
        }
        // the caller's thread still has gradual underflow (no FTZ/DAZ left behind by the call)
        assertTrue(tinyProduct() != 0f, "denormal arithmetic flushed to zero in the calling thread");
    }

    static volatile float tiny = 0x1p-70f;

    static float tinyProduct() {
        return tiny * tiny;
    }
}
