package dev.fastconv;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.fastconv.internal.Shapes;

/**
 * Immutable convolution options, like the keyword arguments of {@code torch.nn.functional.conv1d/2d/3d}:
 * stride, padding (symmetric, asymmetric, "same" or "valid"), dilation, groups; plus the precision of
 * the products, the algorithm and a fused activation. Shapes are validated with PyTorch's rules; every
 * {@link IllegalArgumentException} names the argument and the value expected.
 *
 * <p>Spatial arrays are ordered outermost first: (W) for 1-D, (H, W) for 2-D, (D, H, W) for 3-D.
 */
public final class Conv {

    enum PaddingMode { EXPLICIT, SAME, VALID }

    private final int spatialDims;
    private final long[] stride;
    private final long[] dilation;
    private final long groups;
    private final PaddingMode paddingMode;
    private final long[] padBegin; // EXPLICIT only
    private final long[] padEnd;
    private final Precision precision;
    private final Algorithm algorithm;
    private final Activation activation;

    private Conv(Builder b, long[] stride, long[] dilation, long[] padBegin, long[] padEnd) {
        this.spatialDims = b.spatialDims;
        this.stride = stride;
        this.dilation = dilation;
        this.groups = b.groups;
        this.paddingMode = b.paddingMode;
        this.padBegin = padBegin;
        this.padEnd = padEnd;
        this.precision = b.precision;
        this.algorithm = b.algorithm;
        this.activation = b.activation;
    }

    public static Builder conv1d() {
        return new Builder(1);
    }

    public static Builder conv2d() {
        return new Builder(2);
    }

    public static Builder conv3d() {
        return new Builder(3);
    }

    public static Builder builder(int spatialDims) {
        if (spatialDims < 1 || spatialDims > 3) {
            throw new IllegalArgumentException("spatialDims: expected 1, 2 or 3 but got " + spatialDims);
        }
        return new Builder(spatialDims);
    }

    /** Collects options; {@link #build()} validates them. Defaults: stride 1, padding 0, dilation 1, groups 1, FP32, AUTO, NONE. */
    public static final class Builder {
        private final int spatialDims;
        private long[] stride = {1};
        private long[] dilation = {1};
        private long groups = 1;
        private PaddingMode paddingMode = PaddingMode.EXPLICIT;
        private long[] padBegin = {0};
        private long[] padEnd = {0};
        private Precision precision = Precision.FP32;
        private Algorithm algorithm = Algorithm.AUTO;
        private Activation activation = Activation.NONE;

        private Builder(int spatialDims) {
            this.spatialDims = spatialDims;
        }

        /** One value for all dims, or one per dim. */
        public Builder stride(long... s) {
            this.stride = s == null ? null : s.clone();
            return this;
        }

        /** Symmetric padding: one value for all dims, or one per dim. */
        public Builder padding(long... p) {
            this.paddingMode = PaddingMode.EXPLICIT;
            this.padBegin = p == null ? null : p.clone();
            this.padEnd = this.padBegin;
            return this;
        }

        /** "same" (output size = input size; needs stride 1, like PyTorch) or "valid" (no padding). */
        public Builder padding(String mode) {
            if ("same".equals(mode)) {
                this.paddingMode = PaddingMode.SAME;
            } else if ("valid".equals(mode)) {
                this.paddingMode = PaddingMode.VALID;
            } else {
                throw new IllegalArgumentException("padding: expected 'same' or 'valid' but got '" + mode + "'");
            }
            return this;
        }

        /** Asymmetric padding: before and after each dim (1 value or one per dim each). */
        public Builder padding(long[] begin, long[] end) {
            this.paddingMode = PaddingMode.EXPLICIT;
            this.padBegin = begin == null ? null : begin.clone();
            this.padEnd = end == null ? null : end.clone();
            return this;
        }

        public Builder dilation(long... d) {
            this.dilation = d == null ? null : d.clone();
            return this;
        }

        public Builder groups(long g) {
            this.groups = g;
            return this;
        }

        public Builder precision(Precision p) {
            if (p == null) {
                throw new IllegalArgumentException("precision: must not be null");
            }
            this.precision = p;
            return this;
        }

        public Builder algorithm(Algorithm a) {
            if (a == null) {
                throw new IllegalArgumentException("algorithm: must not be null");
            }
            this.algorithm = a;
            return this;
        }

        public Builder activation(Activation a) {
            if (a == null) {
                throw new IllegalArgumentException("activation: must not be null");
            }
            this.activation = a;
            return this;
        }

        public Conv build() {
            int d = spatialDims;
            long[] s = Shapes.broadcast("stride", stride, d);
            for (long v : s) {
                if (v < 1) {
                    throw new IllegalArgumentException("stride: must be >= 1 in every dim (non-positive stride is not supported) but got "
                            + Shapes.str(s));
                }
            }
            long[] dil = Shapes.broadcast("dilation", dilation, d);
            for (long v : dil) {
                if (v < 1) {
                    throw new IllegalArgumentException("dilation: must be >= 1 in every dim (dilation should be greater than zero) but got "
                            + Shapes.str(dil));
                }
            }
            if (groups < 1) {
                throw new IllegalArgumentException("groups: must be >= 1 (non-positive groups is not supported) but got " + groups);
            }
            long[] pb = null;
            long[] pe = null;
            if (paddingMode == PaddingMode.EXPLICIT) {
                pb = Shapes.broadcast("padding", padBegin, d);
                pe = Shapes.broadcast("padding", padEnd, d);
                for (int i = 0; i < d; i++) {
                    if (pb[i] < 0 || pe[i] < 0) {
                        throw new IllegalArgumentException("padding: must be >= 0 in every dim (negative padding is not supported) but got "
                                + (Arrays.equals(pb, pe) ? Shapes.str(pb) : "begin " + Shapes.str(pb) + ", end " + Shapes.str(pe)));
                    }
                }
            } else if (paddingMode == PaddingMode.SAME) {
                for (long v : s) {
                    if (v != 1) {
                        throw new IllegalArgumentException("padding: padding='same' is not supported for strided convolutions (got stride "
                                + Shapes.str(s) + ", expected 1 in every dim)");
                    }
                }
            }
            return new Conv(this, s, dil, pb, pe);
        }
    }

    public int spatialDims() {
        return spatialDims;
    }

    public long[] stride() {
        return stride.clone();
    }

    public long[] dilation() {
        return dilation.clone();
    }

    public long groups() {
        return groups;
    }

    public Precision precision() {
        return precision;
    }

    public Algorithm algorithm() {
        return algorithm;
    }

    public Activation activation() {
        return activation;
    }

    /** "explicit", "same" or "valid". */
    public String paddingMode() {
        return paddingMode.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Padding before each spatial dim for these shapes ("same" depends on the kernel size). */
    public long[] paddingBegin(long[] inputShape, long[] weightShape) {
        return geometry(inputShape, weightShape).padBegin.clone();
    }

    /** Padding after each spatial dim for these shapes. */
    public long[] paddingEnd(long[] inputShape, long[] weightShape) {
        return geometry(inputShape, weightShape).padEnd.clone();
    }

    /** The output shape (N, K, out spatial...); validates the shapes like PyTorch. */
    public long[] outputShape(long[] inputShape, long[] weightShape) {
        return geometry(inputShape, weightShape).outShape.clone();
    }

    /** A plan for these shapes on {@code device}; close it (try-with-resources). */
    public ConvPlan plan(Device device, DType dtype, Layout layout, long[] inputShape, long[] weightShape, boolean hasBias) {
        if (device == null) {
            throw new IllegalArgumentException("device: must not be null");
        }
        if (dtype == null) {
            throw new IllegalArgumentException("dtype: must not be null");
        }
        if (layout == null) {
            throw new IllegalArgumentException("layout: must not be null");
        }
        return new ConvPlan(this, device, dtype, layout, inputShape, weightShape, hasBias);
    }

    /** A plan matching these tensors (device, dtype and layout of x; w and bias must agree). */
    public ConvPlan plan(Tensor x, Tensor w, Tensor bias) {
        ConvPlan.checkSame(x, w, bias);
        return plan(x.device(), x.dtype(), x.layout(), x.shapeRef(), w.shapeRef(), bias != null);
    }

    /** y = act(conv(x, w) + bias), allocated in {@code arena} on x's device (plans, runs and closes a plan). */
    public Tensor apply(Arena arena, Tensor x, Tensor w, Tensor bias) {
        if (arena == null) {
            throw new IllegalArgumentException("arena: must not be null");
        }
        try (ConvPlan p = plan(x, w, bias)) {
            Tensor y = p.allocateOutput(arena);
            p.forward(x, w, bias, y);
            return y;
        }
    }

    record Geometry(long[] padBegin, long[] padEnd, long[] outShape) {}

    private String opName() {
        return "conv" + spatialDims + "d";
    }

    private String inputDims() {
        return switch (spatialDims) {
            case 1 -> "(N, C, W)";
            case 2 -> "(N, C, H, W)";
            default -> "(N, C, D, H, W)";
        };
    }

    private String weightDims() {
        return switch (spatialDims) {
            case 1 -> "(K, C/groups, kW)";
            case 2 -> "(K, C/groups, kH, kW)";
            default -> "(K, C/groups, kD, kH, kW)";
        };
    }

    /** Validates input/weight shapes against these options; PyTorch's rules. */
    Geometry geometry(long[] in, long[] w) {
        int d = spatialDims;
        if (in == null) {
            throw new IllegalArgumentException("input: shape must not be null");
        }
        if (w == null) {
            throw new IllegalArgumentException("weight: shape must not be null");
        }
        if (in.length != d + 2) {
            throw new IllegalArgumentException("input: expected a " + (d + 2) + "-D tensor " + inputDims() + " for " + opName()
                    + " but got shape " + Shapes.str(in) + " (rank " + in.length + ")");
        }
        if (w.length != d + 2) {
            throw new IllegalArgumentException("weight: expected a " + (d + 2) + "-D tensor " + weightDims() + " for " + opName()
                    + " but got shape " + Shapes.str(w) + " (rank " + w.length + ")");
        }
        if (in[0] < 0) {
            throw new IllegalArgumentException("input: batch size must be >= 0 but got shape " + Shapes.str(in));
        }
        for (int i = 1; i < in.length; i++) {
            if (in[i] < 1) {
                throw new IllegalArgumentException("input: expected every dimension except the batch to be >= 1 but got shape "
                        + Shapes.str(in));
            }
        }
        for (long v : w) {
            if (v < 1) {
                throw new IllegalArgumentException("weight: expected every dimension to be >= 1 but got shape " + Shapes.str(w));
            }
        }
        long c = in[1];
        long k = w[0];
        if (k % groups != 0) {
            throw new IllegalArgumentException("groups: weight.shape[0] (out channels) is " + k + ", not divisible by groups=" + groups
                    + " (expected out channels to be a multiple of groups)");
        }
        if (c % groups != 0) {
            throw new IllegalArgumentException("groups: input has " + c + " channels, not divisible by groups=" + groups
                    + " (expected input channels to be a multiple of groups)");
        }
        if (w[1] != c / groups) {
            throw new IllegalArgumentException("weight: in-channels per group is " + w[1] + " but input has " + c
                    + " channels and groups=" + groups + " (expected weight.shape[1] == " + (c / groups) + ")");
        }
        Shapes.elementCount("input", in);
        Shapes.elementCount("weight", w);
        long[] pb = new long[d];
        long[] pe = new long[d];
        long[] out = new long[d + 2];
        out[0] = in[0];
        out[1] = k;
        for (int i = 0; i < d; i++) {
            long size = in[i + 2];
            long ks = w[i + 2];
            long eff;
            try {
                eff = Math.addExact(Math.multiplyExact(dilation[i], ks - 1), 1);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("dilation: dilation*(kernel-1)+1 overflows in spatial dim " + i + " ("
                        + Shapes.dimName(d, i) + "): dilation=" + dilation[i] + ", kernel=" + ks);
            }
            switch (paddingMode) {
                case SAME -> {
                    long total = eff - 1;
                    pb[i] = total / 2;
                    pe[i] = total - pb[i];
                }
                case VALID -> {
                    pb[i] = 0;
                    pe[i] = 0;
                }
                default -> {
                    pb[i] = padBegin[i];
                    pe[i] = padEnd[i];
                }
            }
            long padded;
            try {
                padded = Math.addExact(Math.addExact(size, pb[i]), pe[i]);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("padding: input size + padding overflows in spatial dim " + i + " ("
                        + Shapes.dimName(d, i) + "): " + size + " + " + pb[i] + " + " + pe[i]);
            }
            if (padded < eff) {
                throw new IllegalArgumentException("input: output size would be " + (Math.floorDiv(padded - eff, stride[i]) + 1)
                        + " < 1 in spatial dim " + i + " (" + Shapes.dimName(d, i) + "): (in + pad_begin + pad_end - dilation*(kernel-1) - 1)"
                        + "/stride + 1 = (" + size + " + " + pb[i] + " + " + pe[i] + " - " + dilation[i] + "*(" + ks + "-1) - 1)/"
                        + stride[i] + " + 1; the padded input (" + padded + ") must be >= the dilated kernel size (" + eff + ")");
            }
            out[i + 2] = (padded - eff) / stride[i] + 1;
        }
        Shapes.elementCount("output", out);
        return new Geometry(pb, pe, out);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(opName()).append("(stride=").append(Shapes.str(stride));
        switch (paddingMode) {
            case SAME -> sb.append(", padding='same'");
            case VALID -> sb.append(", padding='valid'");
            default -> {
                if (Arrays.equals(padBegin, padEnd)) {
                    sb.append(", padding=").append(Shapes.str(padBegin));
                } else {
                    sb.append(", padding=(begin ").append(Shapes.str(padBegin)).append(", end ").append(Shapes.str(padEnd)).append(')');
                }
            }
        }
        return sb.append(", dilation=").append(Shapes.str(dilation)).append(", groups=").append(groups)
                .append(", precision=").append(precision.cliName()).append(", algorithm=").append(algorithm.cliName())
                .append(", activation=").append(activation).append(')').toString();
    }
}
