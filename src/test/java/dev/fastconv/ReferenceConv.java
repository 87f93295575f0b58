package dev.fastconv;

/**
 * An independent, naive convolution written from the definition (does not use any main code):
 * y[n,k,o] = act(bias[k] + sum_{c in group(k), r} x[n,c, o*stride - padBegin + r*dilation] * w[k,c,r]),
 * in double precision, logical NCHW (row-major) order, 1-D to 3-D, groups, stride, dilation,
 * asymmetric padding (taps that fall into the padding contribute 0), bias and ReLU.
 * Also returns, per output, sum |x*w| (+|bias|) and the number of accumulated terms T = C/g * prod(k),
 * which the error bounds in {@link ConvTolerance} need.
 */
final class ReferenceConv {

    private ReferenceConv() {}

    record Result(long[] shape, double[] y, double[] absSum, long terms) {}

    /** Padding PyTorch uses for padding='same': total = dilation*(k-1), begin = total/2, end = total - begin. */
    static long[][] samePadding(long[] wShape, long[] dilation) {
        int d = wShape.length - 2;
        long[] b = new long[d], e = new long[d];
        for (int i = 0; i < d; i++) {
            long total = dilation[i] * (wShape[i + 2] - 1);
            b[i] = total / 2;
            e[i] = total - b[i];
        }
        return new long[][] {b, e};
    }

    static Result conv(float[] x, long[] xs, float[] w, long[] ws, float[] bias, long[] stride, long[] padBegin, long[] padEnd,
            long[] dilation, long groups, boolean relu) {
        int d = xs.length - 2;
        // expand to 3 spatial dims with size-1 leading dims
        int[] in = {1, 1, 1}, k = {1, 1, 1}, s = {1, 1, 1}, pb = {0, 0, 0}, pe = {0, 0, 0}, dl = {1, 1, 1}, out = new int[3];
        for (int i = 0; i < d; i++) {
            int j = 3 - d + i;
            in[j] = (int) xs[i + 2];
            k[j] = (int) ws[i + 2];
            s[j] = (int) stride[i];
            pb[j] = (int) padBegin[i];
            pe[j] = (int) padEnd[i];
            dl[j] = (int) dilation[i];
        }
        for (int j = 0; j < 3; j++) {
            int span = in[j] + pb[j] + pe[j] - dl[j] * (k[j] - 1) - 1;
            if (span < 0) {
                throw new AssertionError("reference: empty output");
            }
            out[j] = span / s[j] + 1;
        }
        int n = (int) xs[0], c = (int) xs[1], kOut = (int) ws[0], g = (int) groups;
        int cg = c / g, kg = kOut / g;
        if (ws[1] != cg) {
            throw new AssertionError("reference: bad weight shape");
        }
        long[] yShape = new long[d + 2];
        yShape[0] = n;
        yShape[1] = kOut;
        for (int i = 0; i < d; i++) {
            yShape[i + 2] = out[3 - d + i];
        }
        int outSpatial = out[0] * out[1] * out[2];
        double[] y = new double[n * kOut * outSpatial];
        double[] abs = new double[y.length];
        int idx = 0;
        for (int b = 0; b < n; b++) {
            for (int oc = 0; oc < kOut; oc++) {
                int grp = oc / kg;
                for (int o0 = 0; o0 < out[0]; o0++) {
                    for (int o1 = 0; o1 < out[1]; o1++) {
                        for (int o2 = 0; o2 < out[2]; o2++) {
                            double acc = 0, a = 0;
                            for (int ic = 0; ic < cg; ic++) {
                                int cin = grp * cg + ic;
                                for (int r0 = 0; r0 < k[0]; r0++) {
                                    int i0 = o0 * s[0] - pb[0] + r0 * dl[0];
                                    if (i0 < 0 || i0 >= in[0]) continue;
                                    for (int r1 = 0; r1 < k[1]; r1++) {
                                        int i1 = o1 * s[1] - pb[1] + r1 * dl[1];
                                        if (i1 < 0 || i1 >= in[1]) continue;
                                        for (int r2 = 0; r2 < k[2]; r2++) {
                                            int i2 = o2 * s[2] - pb[2] + r2 * dl[2];
                                            if (i2 < 0 || i2 >= in[2]) continue;
                                            double xv = x[(((b * c + cin) * in[0] + i0) * in[1] + i1) * in[2] + i2];
                                            double wv = w[(((oc * cg + ic) * k[0] + r0) * k[1] + r1) * k[2] + r2];
                                            acc += xv * wv;
                                            a += Math.abs(xv * wv);
                                        }
                                    }
                                }
                            }
                            if (bias != null) {
                                acc += bias[oc];
                                a += Math.abs(bias[oc]);
                            }
                            if (relu && acc < 0) {
                                acc = 0;
                            }
                            y[idx] = acc;
                            abs[idx] = a;
                            idx++;
                        }
                    }
                }
            }
        }
        return new Result(yShape, y, abs, (long) cg * k[0] * k[1] * k[2]);
    }

    /** Naive unfold from the definition (F.unfold's order): cols[n, c*prod(k) + kidx, l]. */
    static double[] unfold(float[] x, long[] xs, long[] kernel, long[] dilation, long[] padding, long[] stride) {
        int d = xs.length - 2;
        int[] in = {1, 1, 1}, k = {1, 1, 1}, s = {1, 1, 1}, p = {0, 0, 0}, dl = {1, 1, 1}, out = new int[3];
        for (int i = 0; i < d; i++) {
            int j = 3 - d + i;
            in[j] = (int) xs[i + 2];
            k[j] = (int) kernel[i];
            s[j] = (int) stride[i];
            p[j] = (int) padding[i];
            dl[j] = (int) dilation[i];
        }
        for (int j = 0; j < 3; j++) {
            out[j] = (in[j] + 2 * p[j] - dl[j] * (k[j] - 1) - 1) / s[j] + 1;
        }
        int n = (int) xs[0], c = (int) xs[1];
        int kk = k[0] * k[1] * k[2], l = out[0] * out[1] * out[2];
        double[] cols = new double[n * c * kk * l];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int r0 = 0; r0 < k[0]; r0++) {
                    for (int r1 = 0; r1 < k[1]; r1++) {
                        for (int r2 = 0; r2 < k[2]; r2++) {
                            int row = ch * kk + (r0 * k[1] + r1) * k[2] + r2;
                            for (int o0 = 0; o0 < out[0]; o0++) {
                                for (int o1 = 0; o1 < out[1]; o1++) {
                                    for (int o2 = 0; o2 < out[2]; o2++) {
                                        int i0 = o0 * s[0] - p[0] + r0 * dl[0];
                                        int i1 = o1 * s[1] - p[1] + r1 * dl[1];
                                        int i2 = o2 * s[2] - p[2] + r2 * dl[2];
                                        int col = (o0 * out[1] + o1) * out[2] + o2;
                                        double v = 0;
                                        if (i0 >= 0 && i0 < in[0] && i1 >= 0 && i1 < in[1] && i2 >= 0 && i2 < in[2]) {
                                            v = x[(((b * c + ch) * in[0] + i0) * in[1] + i1) * in[2] + i2];
                                        }
                                        cols[(b * c * kk + row) * l + col] = v;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return cols;
    }
}
