package dev.fastconv.internal;

import java.util.Arrays;

/** Shape arithmetic with overflow checks, and small formatting helpers. */
public final class Shapes {

    private Shapes() {}

    public static String str(long[] a) {
        return Arrays.toString(a);
    }

    /** Product of the dims; IllegalArgumentException naming {@code what} on overflow or negative dims. */
    public static long elementCount(String what, long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(what + ": dimensions must be >= 0 but shape is " + str(shape));
            }
        }
        try {
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(what + ": shape " + str(shape) + " has more than 2^63 elements");
        }
        return n;
    }

    /** elementCount * elementSize; IllegalArgumentException on overflow. */
    public static long byteSize(String what, long[] shape, int elementSize) {
        long n = elementCount(what, shape);
        try {
            return Math.multiplyExact(n, (long) elementSize);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(what + ": shape " + str(shape) + " has more than 2^63 bytes");
        }
    }

    /** Product of shape[from..] (spatial size); caller guarantees no overflow (already checked). */
    public static long product(long[] shape, int from) {
        long n = 1;
        for (int i = from; i < shape.length; i++) {
            n *= shape[i];
        }
        return n;
    }

    /** Spatial dim names, outermost first: 1-D W; 2-D H, W; 3-D D, H, W. */
    public static String dimName(int spatialDims, int i) {
        String[] names = {"D", "H", "W"};
        return names[3 - spatialDims + i];
    }

    public static long[] broadcast(String what, long[] v, int spatialDims) {
        if (v == null) {
            throw new IllegalArgumentException(what + ": must not be null");
        }
        if (v.length == spatialDims) {
            return v.clone();
        }
        if (v.length == 1) {
            long[] r = new long[spatialDims];
            Arrays.fill(r, v[0]);
            return r;
        }
        throw new IllegalArgumentException(what + ": expected 1 or " + spatialDims + " values for a " + spatialDims
                + "-D convolution but got " + v.length + " " + str(v));
    }
}
