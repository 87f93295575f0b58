package dev.fastconv.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.fastconv.Algorithm;
import dev.fastconv.Conv;
import dev.fastconv.ConvPlan;
import dev.fastconv.DType;
import dev.fastconv.Device;
import dev.fastconv.FastConv;
import dev.fastconv.FastConvException;
import dev.fastconv.Layout;
import dev.fastconv.Precision;
import dev.fastconv.Tensor;
import dev.fastconv.Unfold;

/**
 * Seeded random options and shapes through the Java API (Conv.Builder, Conv.plan, outputShape,
 * Unfold): each call either works or throws IllegalArgumentException / FastConvException with a
 * message — never ArithmeticException, NegativeArraySizeException, IndexOutOfBounds or a crash —
 * and what the Java side computes agrees with the native library. Small valid problems also run.
 */
class ApiFuzzTest {

    static final int ITERATIONS = 6000;
    static final long[] ODD = {0, -1, 1, 2, 3, 7, Integer.MAX_VALUE, 1L << 31, 1L << 32, 3037000499L, 1L << 40,
        (1L << 62) - 1, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE};

    static boolean hostile; // per iteration: half the iterations draw only small positive values

    static long pick(Random r, int smallMax) {
        if (!hostile) return 1 + r.nextInt(smallMax);
        int s = r.nextInt(10);
        if (s < 7) return 1 + r.nextInt(smallMax);
        if (s < 8) return r.nextInt(3) - 1;
        return ODD[r.nextInt(ODD.length)];
    }

    static long[] arr(Random r, int dims, int smallMax) {
        long[] a = new long[hostile && r.nextInt(12) == 0 ? r.nextInt(5) : (r.nextBoolean() ? 1 : dims)];
        for (int i = 0; i < a.length; i++) a[i] = pick(r, smallMax);
        return a;
    }

    @Test
    void randomOptionsAndShapes() {
        Random r = new Random(20260603L);
        long live0 = FastConv.liveNativeObjects();
        int planned = 0, ran = 0, rejected = 0;
        for (int it = 0; it < ITERATIONS; it++) {
            int sd = 1 + r.nextInt(3);
            hostile = r.nextBoolean();
            String what = "";
            try {
                Conv.Builder b = Conv.builder(sd).stride(arr(r, sd, 3)).dilation(arr(r, sd, 3)).groups(pick(r, 3))
                        .algorithm(Algorithm.values()[r.nextInt(Algorithm.values().length)])
                        .precision(Precision.values()[r.nextInt(Precision.values().length)]);
                switch (r.nextInt(4)) {
                    case 0 -> b.padding(arr(r, sd, 3));
                    case 1 -> b.padding(arr(r, sd, 3), arr(r, sd, 3));
                    case 2 -> b.padding(r.nextBoolean() ? "same" : "valid");
                    default -> { }
                }
                Conv conv = b.build();
                long[] xs = new long[sd + 2];
                long[] ws = new long[sd + 2];
                xs[0] = pick(r, 2);
                xs[1] = pick(r, 6);
                ws[0] = pick(r, 6);
                ws[1] = r.nextInt(4) == 0 ? pick(r, 6) : Math.max(1, xs[1] / Math.max(1, conv.groups()));
                for (int i = 0; i < sd; i++) {
                    xs[i + 2] = pick(r, 9);
                    ws[i + 2] = pick(r, 4);
                }
                if (hostile && r.nextInt(20) == 0) xs = Arrays.copyOf(xs, r.nextInt(6));
                DType dt = r.nextBoolean() ? DType.F32 : DType.F16;
                Layout lay = r.nextBoolean() ? Layout.NCHW : Layout.NHWC;
                boolean bias = r.nextBoolean();
                what = conv + " x" + Arrays.toString(xs) + " w" + Arrays.toString(ws) + " " + dt + " " + lay;
                long[] ys = conv.outputShape(xs, ws);
                try (ConvPlan p = conv.plan(Device.cpu(), dt, lay, xs, ws, bias)) {
                    planned++;
                    assertArrayEquals(ys, p.outputShape(), what);
                    long n = 1;
                    for (long v : p.outputShape()) n = Math.multiplyExact(n, v);
                    long xn = 1;
                    for (long v : xs) xn = Math.multiplyExact(xn, v);
                    if (n <= 4096 && xn <= 4096 && p.workspaceSize() < (1 << 22)) {
                        try (Arena a = Arena.ofConfined()) {
                            Tensor x = Tensor.allocate(a, Device.cpu(), dt, lay, xs);
                            Tensor w = Tensor.allocate(a, Device.cpu(), dt, lay, ws);
                            Tensor bt = bias ? Tensor.allocate(a, Device.cpu(), dt, lay, ws[0]) : null;
                            p.forward(x, w, bt, p.allocateOutput(a));
                            ran++;
                        }
                    }
                }
                if (xs.length == sd + 2 && r.nextInt(4) == 0) {
                    Unfold u = Unfold.of(sd, Arrays.copyOfRange(ws, 2, sd + 2), conv.dilation(), conv.paddingBegin(xs, ws), conv.stride());
                    u.outputShape(xs);
                }
            } catch (IllegalArgumentException | FastConvException e) {
                rejected++;
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), what + ": " + e);
            } catch (Throwable t) {
                fail("iteration " + it + ": " + what + ": " + t, t);
            }
        }
        System.out.printf("ApiFuzzTest: %d iterations, %d planned, %d ran, %d rejected%n", ITERATIONS, planned, ran, rejected);
        assertEquals(live0, FastConv.liveNativeObjects());
        assertTrue(planned > ITERATIONS / 20 && ran > ITERATIONS / 50 && rejected > ITERATIONS / 4,
                planned + " planned, " + ran + " ran, " + rejected + " rejected");
    }
}
