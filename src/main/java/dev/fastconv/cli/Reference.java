package dev.fastconv.cli;

import java.util.stream.IntStream;

/**
 * A direct convolution in double precision with PyTorch's semantics (cross-correlation, zero
 * padding, groups, stride, dilation): the fp64 reference the benchmark compares against. Written
 * independently of the native library (its own output-size and 'same'-padding arithmetic).
 */
final class Reference {
    private Reference() {}

    /** Output spatial size like PyTorch: floor((in + pb + pe - d*(k-1) - 1) / s) + 1. */
    static long outSize(long in, long k, long stride, long padBegin, long padEnd, long dilation) {
        long span = in + padBegin + padEnd - dilation * (k - 1) - 1;
        return span < 0 ? 0 : span / stride + 1;
    }

    /** PyTorch's padding='same': total = d*(k-1), begin = total/2, the odd extra goes at the end. */
    static long[][] samePadding(long[] kernel, long[] dilation) {
        long[] b = new long[kernel.length], e = new long[kernel.length];
        for (int i = 0; i < kernel.length; i++) {
            long total = dilation[i] * (kernel[i] - 1);
            b[i] = total / 2;
            e[i] = total - b[i];
        }
        return new long[][] {b, e};
    }

    /**
     * @param x logical (N, C, *in) row-major
     * @param w (K, C/groups, *kernel)
     * @param bias K values or null
     * @return (N, K, *out) row-major, out sizes as {@link #outSize}
     */
    static double[] conv(float[] x, long[] xShape, float[] w, long[] wShape, float[] bias, long[] stride,
            long[] padBegin, long[] padEnd, long[] dilation, long groups) {
        int sd = xShape.length - 2;
        int n = (int) xShape[0], c = (int) xShape[1], k = (int) wShape[0], cg = (int) wShape[1];
        int kg = (int) (k / groups);
        // Lift to 3 spatial dims (leading dims of size 1).
        int[] in = new int[3], ker = new int[3], out = new int[3], st = new int[3], pb = new int[3], dil = new int[3];
        for (int i = 0; i < 3; i++) {
            int j = i - (3 - sd);
            in[i] = j >= 0 ? (int) xShape[2 + j] : 1;
            ker[i] = j >= 0 ? (int) wShape[2 + j] : 1;
            st[i] = j >= 0 ? (int) stride[j] : 1;
            pb[i] = j >= 0 ? (int) padBegin[j] : 0;
            dil[i] = j >= 0 ? (int) dilation[j] : 1;
            out[i] = j >= 0 ? (int) outSize(in[i], ker[i], st[i], padBegin[j], padEnd[j], dil[i]) : 1;
        }
        long inPlane = (long) in[0] * in[1] * in[2];
        long outPlane = (long) out[0] * out[1] * out[2];
        int kerVol = ker[0] * ker[1] * ker[2];
        double[] y = new double[Math.toIntExact((long) n * k * outPlane)];
        IntStream.range(0, n * k).parallel().forEach(nk -> {
            int b = nk / k, kk = nk % k, g = kk / kg;
            long yBase = (long) nk * outPlane;
            double bv = bias == null ? 0.0 : bias[kk];
            for (int od = 0; od < out[0]; od++) {
                for (int oh = 0; oh < out[1]; oh++) {
                    for (int ow = 0; ow < out[2]; ow++) {
                        double acc = bv;
                        for (int ci = 0; ci < cg; ci++) {
                            long xBase = ((long) b * c + (long) g * cg + ci) * inPlane;
                            long wBase = ((long) kk * cg + ci) * kerVol;
                            for (int t = 0; t < ker[0]; t++) {
                                int id = od * st[0] - pb[0] + t * dil[0];
                                if (id < 0 || id >= in[0]) continue;
                                for (int r = 0; r < ker[1]; r++) {
                                    int ih = oh * st[1] - pb[1] + r * dil[1];
                                    if (ih < 0 || ih >= in[1]) continue;
                                    long xRow = xBase + ((long) id * in[1] + ih) * in[2];
                                    int wRow = (int) (wBase + ((long) t * ker[1] + r) * ker[2]);
                                    for (int s = 0; s < ker[2]; s++) {
                                        int iw = ow * st[2] - pb[2] + s * dil[2];
                                        if (iw < 0 || iw >= in[2]) continue;
                                        acc += (double) x[(int) (xRow + iw)] * (double) w[wRow + s];
                                    }
                                }
                            }
                        }
                        y[(int) (yBase + ((long) od * out[1] + oh) * out[2] + ow)] = acc;
                    }
                }
            }
        });
        return y;
    }
}
