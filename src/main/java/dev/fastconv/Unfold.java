package dev.fastconv;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import dev.fastconv.ffi.FastConvFFI;
import dev.fastconv.ffi.fc_conv_desc;
import dev.fastconv.internal.Native;
import dev.fastconv.internal.Shapes;

/**
 * im2col, like {@code torch.nn.functional.unfold} (2-D) and unfoldNd (1-D, 3-D): input (N, C,
 * spatial...) in either layout gives cols of shape (N, C*prod(kernel), L), L = prod(output sizes),
 * row index c*prod(kernel) + kernel offset (row-major over the kernel dims), stored row-major.
 * Symmetric padding. Spatial arrays outermost first; each takes 1 value (all dims) or one per dim.
 */
public final class Unfold {

    private final int spatialDims;
    private final long[] kernel;
    private final long[] dilation;
    private final long[] padding;
    private final long[] stride;

    private Unfold(int d, long[] kernel, long[] dilation, long[] padding, long[] stride) {
        this.spatialDims = d;
        this.kernel = kernel;
        this.dilation = dilation;
        this.padding = padding;
        this.stride = stride;
    }

    public static Unfold of(int spatialDims, long[] kernelSize, long[] dilation, long[] padding, long[] stride) {
        if (spatialDims < 1 || spatialDims > 3) {
            throw new IllegalArgumentException("spatialDims: expected 1, 2 or 3 but got " + spatialDims);
        }
        long[] k = Shapes.broadcast("kernelSize", kernelSize, spatialDims);
        long[] d = Shapes.broadcast("dilation", dilation, spatialDims);
        long[] p = Shapes.broadcast("padding", padding, spatialDims);
        long[] s = Shapes.broadcast("stride", stride, spatialDims);
        for (int i = 0; i < spatialDims; i++) {
            if (k[i] < 1) {
                throw new IllegalArgumentException("kernelSize: must be >= 1 in every dim but got " + Shapes.str(k));
            }
            if (d[i] < 1) {
                throw new IllegalArgumentException("dilation: must be >= 1 in every dim but got " + Shapes.str(d));
            }
            if (p[i] < 0) {
                throw new IllegalArgumentException("padding: must be >= 0 in every dim but got " + Shapes.str(p));
            }
            if (s[i] < 1) {
                throw new IllegalArgumentException("stride: must be >= 1 in every dim but got " + Shapes.str(s));
            }
        }
        return new Unfold(spatialDims, k, d, p, s);
    }

    public int spatialDims() {
        return spatialDims;
    }

    public long[] kernelSize() {
        return kernel.clone();
    }

    /** (N, C*prod(kernel), L); validates like F.unfold. */
    public long[] outputShape(long[] inputShape) {
        return geometry(inputShape)[0];
    }

    /** [outputShape, spatial output sizes]. */
    private long[][] geometry(long[] in) {
        int d = spatialDims;
        if (in == null || in.length != d + 2) {
            throw new IllegalArgumentException("input: expected a " + (d + 2) + "-D tensor (N, C, spatial...) for a " + d
                    + "-D unfold but got shape " + (in == null ? "null" : Shapes.str(in)));
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
        Shapes.elementCount("input", in);
        long[] outSize = new long[d];
        long rows = in[1];
        long l = 1;
        try {
            for (int i = 0; i < d; i++) {
                long eff = Math.addExact(Math.multiplyExact(dilation[i], kernel[i] - 1), 1);
                long padded = Math.addExact(in[i + 2], Math.multiplyExact(2, padding[i]));
                if (padded < eff) {
                    throw new IllegalArgumentException("input: output size would be < 1 in spatial dim " + i + " ("
                            + Shapes.dimName(d, i) + "): padded input " + in[i + 2] + " + 2*" + padding[i] + " = " + padded
                            + " is smaller than the dilated kernel dilation*(kernel-1)+1 = " + eff);
                }
                outSize[i] = (padded - eff) / stride[i] + 1;
                rows = Math.multiplyExact(rows, kernel[i]);
                l = Math.multiplyExact(l, outSize[i]);
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("input: unfold of shape " + Shapes.str(in) + " has more than 2^63 elements");
        }
        long[] out = {in[0], rows, l};
        Shapes.elementCount("cols", out);
        return new long[][] {out, outSize};
    }

    /** Writes the columns of x into cols (same dtype and device as x, NCHW i.e. row-major, shape {@link #outputShape}). */
    public void apply(Tensor x, Tensor cols) {
        if (x == null) {
            throw new IllegalArgumentException("input: must not be null");
        }
        if (cols == null) {
            throw new IllegalArgumentException("cols: must not be null");
        }
        long[] in = x.shapeRef();
        long[] out = geometry(in)[0];
        if (cols.dtype() != x.dtype()) {
            throw new IllegalArgumentException("cols: dtype is " + cols.dtype() + " but input's is " + x.dtype() + " (expected the same)");
        }
        if (cols.device() != x.device()) {
            throw new IllegalArgumentException("cols: is on " + cols.device().spec() + " but input is on " + x.device().spec()
                    + " (expected the same device)");
        }
        if (cols.layout() != Layout.NCHW) {
            throw new IllegalArgumentException("cols: layout is " + cols.layout() + " (expected NCHW: cols are stored row-major)");
        }
        if (!Arrays.equals(cols.shapeRef(), out)) {
            throw new IllegalArgumentException("cols: shape is " + Shapes.str(cols.shapeRef()) + " but expected " + Shapes.str(out));
        }
        x.checkAlive("input");
        cols.checkAlive("cols");
        if (cols.segment().isReadOnly()) {
            throw new IllegalArgumentException("cols: segment is read-only (expected a writable tensor)");
        }
        if (cols.overlaps(x)) {
            throw new IllegalArgumentException("cols: overlaps the memory of input (expected a separate tensor)");
        }
        if (in[0] == 0) {
            return;
        }
        Native.init();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment desc = fc_conv_desc.allocate(a);
            Native.check(FastConvFFI.fc_conv_desc_init(desc), "fc_conv_desc_init");
            fc_conv_desc.spatial_dims(desc, spatialDims);
            fc_conv_desc.dtype(desc, x.dtype().ordinal());
            fc_conv_desc.layout(desc, x.layout().ordinal());
            fc_conv_desc.batch(desc, in[0]);
            fc_conv_desc.in_channels(desc, in[1]);
            fc_conv_desc.out_channels(desc, 1);
            fc_conv_desc.groups(desc, 1);
            for (int i = 0; i < spatialDims; i++) {
                fc_conv_desc.in_size(desc, i, in[i + 2]);
                fc_conv_desc.kernel_size(desc, i, kernel[i]);
                fc_conv_desc.stride(desc, i, stride[i]);
                fc_conv_desc.pad_begin(desc, i, padding[i]);
                fc_conv_desc.pad_end(desc, i, padding[i]);
                fc_conv_desc.dilation(desc, i, dilation[i]);
            }
            Native.check(FastConvFFI.fc_conv_desc_validate(desc), "fc_conv_desc_validate");
            if (x.device().isCpu()) {
                Native.check(FastConvFFI.fc_unfold(desc, 0, MemorySegment.NULL, x.segment(), cols.segment()), "fc_unfold");
            } else {
                try (Stream s = Stream.create(x.device())) { // blocking: run on a stream of our own and wait for it
                    Native.check(FastConvFFI.fc_unfold(desc, x.device().index(), s.handle(), x.segment(), cols.segment()), "fc_unfold");
                    s.synchronize();
                }
            }
        }
    }

    /** The columns of x in a new tensor (x's dtype and device, NCHW) in {@code arena}. */
    public Tensor apply(Arena arena, Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException("input: must not be null");
        }
        Tensor cols = Tensor.allocate(arena, x.device(), x.dtype(), Layout.NCHW, outputShape(x.shapeRef()));
        apply(x, cols);
        return cols;
    }
}
