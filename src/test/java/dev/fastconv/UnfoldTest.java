package dev.fastconv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Unfold against the naive unfold in {@link ReferenceConv#unfold} (F.unfold's row order), both layouts, both dtypes. */
class UnfoldTest {

    record U(long[] x, long[] k, long[] d, long[] p, long[] s) {}

    static final U[] CASES = {
        new U(new long[] {2, 3, 5, 6}, new long[] {3, 2}, new long[] {1, 1}, new long[] {1, 0}, new long[] {1, 2}),
        new U(new long[] {1, 2, 7, 7}, new long[] {3, 3}, new long[] {2, 2}, new long[] {2, 2}, new long[] {2, 1}),
        new U(new long[] {1, 4, 1, 5}, new long[] {1, 1}, new long[] {1, 1}, new long[] {0, 0}, new long[] {1, 1}),
        new U(new long[] {2, 3, 11}, new long[] {4}, new long[] {2}, new long[] {1}, new long[] {3}),
        new U(new long[] {1, 2, 4, 3, 5}, new long[] {2, 3, 2}, new long[] {1, 1, 2}, new long[] {1, 1, 0}, new long[] {1, 2, 1}),
    };

    @ParameterizedTest
    @EnumSource(Layout.class)
    void matchesNaiveUnfold(Layout layout) {
        for (DType dt : DType.values()) {
            for (U c : CASES) {
                int d = c.x().length - 2;
                float[] x = ConvCase.random(new SplittableRandom(7), ConvCase.count(c.x()), dt);
                double[] ref = ReferenceConv.unfold(x, c.x(), c.k(), c.d(), c.p(), c.s());
                Unfold u = Unfold.of(d, c.k(), c.d(), c.p(), c.s());
                try (Arena a = Arena.ofConfined()) {
                    Tensor xt = Tensor.fromArray(a, Device.cpu(), dt, layout, x, c.x());
                    Tensor cols = u.apply(a, xt);
                    long[] shape = u.outputShape(c.x());
                    assertArrayEquals(shape, cols.shape());
                    assertEquals(c.x()[0], shape[0]);
                    float[] got = cols.toFloatArray();
                    assertEquals(ref.length, got.length);
                    for (int i = 0; i < ref.length; i++) {
                        if (got[i] != (float) ref[i]) {
                            throw new AssertionError(layout + " " + dt + " " + java.util.Arrays.toString(c.x()) + ": cols[" + i + "] = "
                                    + got[i] + " but expected " + ref[i]);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void rejectsBadCols(Layout layout) {
        Unfold u = Unfold.of(2, new long[] {3}, new long[] {1}, new long[] {0}, new long[] {1});
        try (Arena a = Arena.ofConfined()) {
            Tensor x = Tensor.allocate(a, Device.cpu(), DType.F32, layout, 1, 2, 4, 4);
            Tensor wrong = Tensor.allocate(a, Device.cpu(), DType.F32, Layout.NCHW, 1, 18, 5);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> u.apply(x, wrong));
            assertTrue(e.getMessage().startsWith("cols: shape is [1, 18, 5] but expected [1, 18, 4]"), e.getMessage());
            IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                    () -> u.outputShape(new long[] {1, 2, 2, 4}));
            assertTrue(e2.getMessage().contains("output size would be < 1 in spatial dim 0 (H)"), e2.getMessage());
        }
    }
}
