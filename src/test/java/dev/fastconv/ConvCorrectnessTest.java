package dev.fastconv;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * fastconv (CPU) against {@link ReferenceConv} within {@link ConvTolerance}'s bounds: every
 * algorithm x layout x dtype x precision on fixed edge cases, and >= 300 seeded random problems
 * (1-D to 3-D; the seed is printed; rerun one with -Dfastconv.seed=N).
 */
class ConvCorrectnessTest {

    static final int RANDOM_CASES = Integer.getInteger("fastconv.randomCases", 320);

    static List<ConvCase> edgeCases() {
        List<ConvCase> l = new ArrayList<>();
        l.add(ConvCase.of("1x1", new long[] {2, 3, 5, 5}, new long[] {4, 3, 1, 1}).biasRelu(true, false));
        l.add(ConvCase.of("7x7-stride2", new long[] {1, 3, 16, 15}, new long[] {8, 3, 7, 7}).stride(2).pad(3));
        l.add(ConvCase.of("kernel==image", new long[] {2, 3, 5, 4}, new long[] {4, 3, 5, 4}));
        l.add(ConvCase.of("H=1", new long[] {1, 3, 1, 9}, new long[] {5, 3, 1, 3}).pad(0, 1));
        l.add(ConvCase.of("W=1", new long[] {2, 3, 9, 1}, new long[] {5, 3, 3, 1}).stride(2, 1));
        l.add(ConvCase.of("odd-channels", new long[] {1, 5, 7, 7}, new long[] {7, 5, 3, 3}).pad(1).biasRelu(true, false));
        l.add(ConvCase.of("depthwise", new long[] {2, 6, 8, 8}, new long[] {6, 1, 3, 3}).groups(6).pad(1));
        l.add(ConvCase.of("depthwise-multiplier", new long[] {1, 3, 6, 6}, new long[] {6, 1, 3, 3}).groups(3));
        l.add(ConvCase.of("groups", new long[] {1, 6, 7, 7}, new long[] {9, 2, 3, 3}).groups(3).pad(1).biasRelu(true, true));
        l.add(ConvCase.of("dilation", new long[] {1, 3, 11, 12}, new long[] {4, 3, 3, 3}).dilation(2, 3).pad(1));
        l.add(ConvCase.of("asymmetric-padding", new long[] {1, 3, 6, 7}, new long[] {4, 3, 3, 2})
                .pad(new long[] {0, 2}, new long[] {1, 0}).stride(2, 1));
        l.add(ConvCase.of("same-even-kernel", new long[] {1, 4, 7, 6}, new long[] {5, 4, 4, 3}).dilation(1, 2).padMode("same"));
        l.add(ConvCase.of("bias-relu", new long[] {2, 3, 6, 6}, new long[] {8, 3, 3, 3}).pad(1).biasRelu(true, true));
        l.add(ConvCase.of("1d-valid-stride3", new long[] {2, 3, 20}, new long[] {4, 3, 5}).stride(3).padMode("valid"));
        l.add(ConvCase.of("1d-same-dilated", new long[] {1, 2, 9}, new long[] {3, 2, 4}).dilation(2).padMode("same").biasRelu(true, true));
        l.add(ConvCase.of("3d", new long[] {1, 2, 5, 6, 4}, new long[] {3, 2, 3, 2, 3}).pad(1).stride(1, 2, 1).biasRelu(true, false));
        l.add(ConvCase.of("3d-groups-asym", new long[] {1, 4, 4, 5, 3}, new long[] {4, 2, 2, 3, 1}).groups(2)
                .pad(new long[] {1, 0, 0}, new long[] {0, 2, 1}).dilation(2, 1, 1));
        return l;
    }

    static Stream<Arguments> combos() {
        List<Arguments> a = new ArrayList<>();
        for (Algorithm al : Algorithm.values()) {
            for (Layout l : Layout.values()) {
                for (DType dt : DType.values()) {
                    for (Precision p : Precision.values()) {
                        a.add(Arguments.of(al, l, dt, p));
                    }
                }
            }
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} {3}")
    @MethodSource("combos")
    void edgeCasesMatchReference(Algorithm algo, Layout layout, DType dt, Precision p) {
        List<String> failures = new ArrayList<>();
        for (ConvCase c : edgeCases()) {
            String err = c.run(Device.cpu(), algo, layout, dt, p);
            if (err != null) {
                failures.add(err);
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " edge case(s) failed:\n" + String.join("\n", failures));
        }
    }

    /** A random valid problem: 1-3 spatial dims, groups, stride, dilation, asymmetric / same / valid padding, bias, relu. */
    static ConvCase randomCase(SplittableRandom r, int i) {
        int d = 1 + r.nextInt(3);
        int maxIn = d == 1 ? 24 : d == 2 ? 11 : 6;
        int maxK = d == 3 ? 3 : 5;
        while (true) {
            long g = 1 + r.nextInt(3);
            long cg = 1 + r.nextInt(4), kg = 1 + r.nextInt(4);
            long n = 1 + r.nextInt(3);
            long[] x = new long[d + 2], w = new long[d + 2];
            long[] s = new long[d], dil = new long[d], pb = new long[d], pe = new long[d];
            x[0] = n;
            x[1] = cg * g;
            w[0] = kg * g;
            w[1] = cg;
            boolean stride1 = r.nextInt(3) == 0;
            for (int j = 0; j < d; j++) {
                x[j + 2] = 1 + r.nextInt(maxIn);
                w[j + 2] = 1 + r.nextInt(maxK);
                s[j] = stride1 ? 1 : 1 + r.nextInt(3);
                dil[j] = 1 + r.nextInt(r.nextInt(4) == 0 ? 3 : 1);
                pb[j] = r.nextInt(3);
                pe[j] = r.nextBoolean() ? pb[j] : r.nextInt(3);
            }
            String mode = null;
            int m = r.nextInt(10);
            if (m == 0 && stride1) {
                mode = "same";
            } else if (m == 1) {
                mode = "valid";
            }
            ConvCase c = new ConvCase("random#" + i, x, w, s, pb, pe, mode, dil, g, r.nextBoolean(), r.nextInt(3) == 0, r.nextLong());
            long[][] p = c.effectivePadding();
            boolean ok = true;
            for (int j = 0; j < d; j++) {
                if (x[j + 2] + p[0][j] + p[1][j] < dil[j] * (w[j + 2] - 1) + 1) {
                    ok = false;
                }
            }
            if (ok) {
                return c;
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> randomCasesMatchReference() {
        long seed = Long.getLong("fastconv.seed", System.nanoTime());
        System.out.println("ConvCorrectnessTest: random cases with -Dfastconv.seed=" + seed);
        SplittableRandom r = new SplittableRandom(seed);
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < RANDOM_CASES; i++) {
            ConvCase c = randomCase(r, i);
            Algorithm algo = Algorithm.values()[r.nextInt(4)];
            Layout layout = Layout.values()[r.nextInt(2)];
            DType dt = DType.values()[r.nextInt(2)];
            Precision p = Precision.values()[r.nextInt(4)];
            tests.add(DynamicTest.dynamicTest(c.spatialDims() + "-D " + algo + " " + layout + " " + dt + " " + p + " " + c
                    + " (run seed " + seed + ")", () -> assertNull(c.run(Device.cpu(), algo, layout, dt, p))));
        }
        assertTrue(tests.size() >= 300);
        return tests.stream();
    }
}
