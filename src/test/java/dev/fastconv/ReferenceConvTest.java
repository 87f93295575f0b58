package dev.fastconv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The test oracle itself: hand-computed values, and the tolerance check rejecting wrong answers. */
class ReferenceConvTest {

    @Test
    void handComputed2d() {
        // x 1x1x3x3 = 1..9, w 1x1x2x2 = [1,0;0,-1], padding 0 -> y[i,j] = x[i,j] - x[i+1,j+1] = -4
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        float[] w = {1, 0, 0, -1};
        ReferenceConv.Result r = ReferenceConv.conv(x, new long[] {1, 1, 3, 3}, w, new long[] {1, 1, 2, 2}, null,
                new long[] {1, 1}, new long[] {0, 0}, new long[] {0, 0}, new long[] {1, 1}, 1, false);
        assertArrayEquals(new long[] {1, 1, 2, 2}, r.shape());
        assertArrayEquals(new double[] {-4, -4, -4, -4}, r.y());
        assertEquals(4, r.terms());
        // asymmetric padding (begin 1, end 0) with stride 2 and bias 10, relu
        r = ReferenceConv.conv(x, new long[] {1, 1, 3, 3}, w, new long[] {1, 1, 2, 2}, new float[] {10},
                new long[] {2, 2}, new long[] {1, 1}, new long[] {0, 0}, new long[] {1, 1}, 1, true);
        // outputs at (-1,-1),(−1,1),(1,-1),(1,1) windows: y = x[i,j]-x[i+1,j+1] with out-of-range = 0
        // (0,0): 0 - x[0,0] = -1 -> 9; (0,1): 0 - x[0,2] = -3 -> 7; (1,0): 0 - x[2,0] = -7 -> 3; (1,1): x[1,1]-x[2,2] = 5-9 = -4 -> 6
        assertArrayEquals(new double[] {9, 7, 3, 6}, r.y());
    }

    @Test
    void groupsAndDilation1d() {
        // 2 channels, groups 2, each channel its own filter [1, 1] dilated by 2
        float[] x = {1, 2, 3, 4, 10, 20, 30, 40};
        float[] w = {1, 1, 1, -1};
        ReferenceConv.Result r = ReferenceConv.conv(x, new long[] {1, 2, 4}, w, new long[] {2, 1, 2}, null,
                new long[] {1}, new long[] {0}, new long[] {0}, new long[] {2}, 2, false);
        assertArrayEquals(new double[] {4, 6, -20, -20}, r.y());
    }

    @Test
    void samePaddingLikePyTorch() {
        long[][] p = ReferenceConv.samePadding(new long[] {1, 1, 4, 3}, new long[] {1, 2});
        assertArrayEquals(new long[] {1, 2}, p[0]); // total 3 -> 1 | 2 ; total 4 -> 2 | 2
        assertArrayEquals(new long[] {2, 2}, p[1]);
    }

    @Test
    void toleranceRejectsAWrongAnswer() {
        ConvCase c = ConvCase.of("t", new long[] {1, 3, 6, 6}, new long[] {4, 3, 3, 3}).pad(1);
        for (DType dt : DType.values()) {
            for (Precision p : Precision.values()) {
                float[][] d = c.data(dt);
                ReferenceConv.Result ref = c.reference(d[0], d[1], d[2]);
                float[] y = new float[ref.y().length];
                for (int i = 0; i < y.length; i++) {
                    y[i] = (float) ref.y()[i];
                }
                double mx = ConvCase.maxAbs(d[0]), mw = ConvCase.maxAbs(d[1]);
                assertNull(ConvTolerance.check(y, ref, dt, p, mx, mw), "the rounded reference itself must pass");
                int at = 17;
                double tol = ConvTolerance.bound(ref.y()[at], ref.absSum()[at], ref.terms(), dt, p, mx, mw);
                float[] bad = y.clone();
                bad[at] = (float) (ref.y()[at] + 2 * tol + Math.ulp(y[at]));
                assertNotNull(ConvTolerance.check(bad, ref, dt, p, mx, mw), "a result off by twice the bound must fail");
                bad[at] = Float.NaN;
                assertNotNull(ConvTolerance.check(bad, ref, dt, p, mx, mw), "NaN must fail");
                // a transposed output (right values, wrong place) must fail too
                float[] swapped = y.clone();
                swapped[0] = y[1];
                swapped[1] = y[0];
                if (Math.abs(y[0] - y[1]) > 1e-3) {
                    assertNotNull(ConvTolerance.check(swapped, ref, dt, p, mx, mw));
                }
            }
        }
    }
}
