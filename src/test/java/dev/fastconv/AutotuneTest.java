package dev.fastconv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * FastConv.setAutotune / resetAutotune / isAutotuneEnabled (fc_set_autotune): the switch overrides
 * the environment variable FASTCONV_AUTOTUNE and goes back to it; plans made while it is on are timed
 * at creation and still compute the reference's answer.
 */
class AutotuneTest {

    @AfterEach
    void backToDefault() {
        FastConv.resetAutotune();
    }

    private static boolean environmentSaysOn() {
        String e = System.getenv("FASTCONV_AUTOTUNE");
        return e != null && !e.isEmpty() && !e.equals("0");
    }

    @Test
    void switchOverridesTheEnvironmentAndResets() {
        FastConv.resetAutotune();
        assertEquals(environmentSaysOn(), FastConv.isAutotuneEnabled());
        FastConv.setAutotune(true);
        assertTrue(FastConv.isAutotuneEnabled());
        FastConv.setAutotune(false);
        assertFalse(FastConv.isAutotuneEnabled());
        FastConv.resetAutotune();
        assertEquals(environmentSaysOn(), FastConv.isAutotuneEnabled());
    }

    @Test
    void autotunedPlansMatchTheReference() {
        FastConv.setAutotune(true);
        long live = FastConv.liveNativeObjects();
        SplittableRandom r = new SplittableRandom(11);
        // {N, C, H, W, K, k, stride, pad}: GEMM-shaped, few input channels (DIRECT candidates), strided
        long[][] cases = {{1, 16, 12, 12, 8, 3, 1, 1}, {2, 3, 20, 17, 16, 3, 1, 1}, {1, 8, 15, 15, 12, 5, 2, 2}};
        for (long[] c : cases) {
            long n = c[0], ch = c[1], h = c[2], w = c[3], k = c[4], ks = c[5], st = c[6], pad = c[7];
            Conv conv = Conv.conv2d().stride(st).padding(pad).build();
            try (Arena a = Arena.ofConfined()) {
                float[] xa = ConvCase.random(r, (int) (n * ch * h * w), DType.F32);
                float[] wa = ConvCase.random(r, (int) (k * ch * ks * ks), DType.F32);
                float[] ba = ConvCase.random(r, (int) k, DType.F32);
                Tensor x = Tensor.fromArray(a, xa, n, ch, h, w);
                Tensor wt = Tensor.fromArray(a, wa, k, ch, ks, ks);
                Tensor b = Tensor.fromArray(a, ba, k);
                try (ConvPlan p = conv.plan(x, wt, b)) {
                    assertNotEquals(Algorithm.AUTO, p.algorithm(), "AUTO must be resolved");
                    Tensor y = p.allocateOutput(a);
                    p.forward(x, wt, b, y);
                    long[] one = {1, 1};
                    ReferenceConv.Result ref = ReferenceConv.conv(xa, new long[] {n, ch, h, w}, wa,
                            new long[] {k, ch, ks, ks}, ba, new long[] {st, st}, new long[] {pad, pad},
                            new long[] {pad, pad}, one, 1, false);
                    assertNull(ConvTolerance.check(y.toFloatArray(), ref, DType.F32, Precision.FP32, 1, 1),
                            "autotuned plan (" + p.algorithm() + ") for " + java.util.Arrays.toString(c));
                }
            }
        }
        assertEquals(live, FastConv.liveNativeObjects(), "autotuning left native objects behind");
    }
}
