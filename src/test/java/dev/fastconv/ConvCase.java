package dev.fastconv;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;

/** One convolution problem for the tests, with a runner that checks fastconv against {@link ReferenceConv}. */
record ConvCase(String name, long[] xShape, long[] wShape, long[] stride, long[] padBegin, long[] padEnd, String padMode,
        long[] dilation, long groups, boolean bias, boolean relu, long seed) {

    int spatialDims() {
        return xShape.length - 2;
    }

    static long[] fill(int d, long v) {
        long[] a = new long[d];
        Arrays.fill(a, v);
        return a;
    }

    /** Symmetric padding p in every dim, stride 1, dilation 1, groups 1, no bias. */
    static ConvCase of(String name, long[] x, long[] w) {
        int d = x.length - 2;
        return new ConvCase(name, x, w, fill(d, 1), fill(d, 0), fill(d, 0), null, fill(d, 1), 1, false, false, name.hashCode());
    }

    /** v broadcast to one value per spatial dim. */
    long[] per(long[] v) {
        return v.length == spatialDims() ? v.clone() : fill(spatialDims(), v[0]);
    }

    ConvCase stride(long... s) {
        return new ConvCase(name, xShape, wShape, per(s), padBegin, padEnd, padMode, dilation, groups, bias, relu, seed);
    }

    ConvCase pad(long... p) {
        return new ConvCase(name, xShape, wShape, stride, per(p), per(p), null, dilation, groups, bias, relu, seed);
    }

    ConvCase pad(long[] b, long[] e) {
        return new ConvCase(name, xShape, wShape, stride, per(b), per(e), null, dilation, groups, bias, relu, seed);
    }

    ConvCase padMode(String m) {
        return new ConvCase(name, xShape, wShape, stride, padBegin, padEnd, m, dilation, groups, bias, relu, seed);
    }

    ConvCase dilation(long... d) {
        return new ConvCase(name, xShape, wShape, stride, padBegin, padEnd, padMode, per(d), groups, bias, relu, seed);
    }

    ConvCase groups(long g) {
        return new ConvCase(name, xShape, wShape, stride, padBegin, padEnd, padMode, dilation, g, bias, relu, seed);
    }

    ConvCase biasRelu(boolean b, boolean r) {
        return new ConvCase(name, xShape, wShape, stride, padBegin, padEnd, padMode, dilation, groups, b, r, seed);
    }

    Conv conv(Algorithm algo, Precision p) {
        Conv.Builder b = Conv.builder(spatialDims()).stride(stride).dilation(dilation).groups(groups).algorithm(algo).precision(p)
                .activation(relu ? Activation.RELU : Activation.NONE);
        if (padMode != null) {
            b.padding(padMode);
        } else {
            b.padding(padBegin, padEnd);
        }
        return b.build();
    }

    long[][] effectivePadding() {
        if ("same".equals(padMode)) {
            return ReferenceConv.samePadding(wShape, dilation);
        }
        if ("valid".equals(padMode)) {
            return new long[][] {fill(spatialDims(), 0), fill(spatialDims(), 0)};
        }
        return new long[][] {padBegin, padEnd};
    }

    static int count(long[] s) {
        long n = 1;
        for (long v : s) {
            n *= v;
        }
        return (int) n;
    }

    static float[] random(SplittableRandom r, int n, DType dt) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            float v = (float) (r.nextDouble() * 2 - 1);
            a[i] = dt == DType.F16 ? Float.float16ToFloat(Float.floatToFloat16(v)) : v;
        }
        return a;
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** The reference result for the data this case generates with dtype dt. */
    ReferenceConv.Result reference(float[] x, float[] w, float[] b) {
        long[][] p = effectivePadding();
        return ReferenceConv.conv(x, xShape, w, wShape, b, stride, p[0], p[1], dilation, groups, relu);
    }

    /** Data: [x, w, bias or null], generated from the seed, rounded to f16 for F16. */
    float[][] data(DType dt) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = random(r, count(xShape), dt);
        float[] w = random(r, count(wShape), dt);
        float[] b = bias ? random(r, (int) wShape[0], dt) : null;
        return new float[][] {x, w, b};
    }

    /** Runs on device with the given options; returns null if correct, else a failure description. */
    String run(Device dev, Algorithm algo, Layout layout, DType dt, Precision p) {
        float[][] data = data(dt);
        ReferenceConv.Result ref = reference(data[0], data[1], data[2]);
        float[] y;
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.fromArray(arena, dev, dt, layout, data[0], xShape);
            Tensor w = Tensor.fromArray(arena, dev, dt, layout, data[1], wShape);
            Tensor b = data[2] == null ? null : Tensor.fromArray(arena, dev, dt, layout, data[2], wShape[0]);
            Conv conv = conv(algo, p);
            try (ConvPlan plan = conv.plan(x, w, b)) {
                if (!Arrays.equals(plan.outputShape(), ref.shape())) {
                    return "output shape " + Arrays.toString(plan.outputShape()) + " != reference " + Arrays.toString(ref.shape());
                }
                if (algo != Algorithm.AUTO && plan.algorithm() != algo) {
                    return "plan runs " + plan.algorithm() + " but " + algo + " was asked for";
                }
                Tensor out = plan.allocateOutput(arena);
                plan.forward(x, w, b, out);
                y = out.toFloatArray();
            }
        }
        String err = ConvTolerance.check(y, ref, dt, p, ConvCase.maxAbs(data[0]), ConvCase.maxAbs(data[1]));
        return err == null ? null : this + " " + algo + "/" + layout + "/" + dt + "/" + p + " on " + dev.spec() + ": " + err;
    }

    @Override
    public String toString() {
        return name + "{x=" + Arrays.toString(xShape) + ", w=" + Arrays.toString(wShape) + ", stride=" + Arrays.toString(stride)
                + ", pad=" + (padMode != null ? "'" + padMode + "'" : Arrays.toString(padBegin) + "/" + Arrays.toString(padEnd))
                + ", dilation=" + Arrays.toString(dilation) + ", groups=" + groups + (bias ? ", bias" : "") + (relu ? ", relu" : "")
                + ", seed=" + seed + "}";
    }
}
