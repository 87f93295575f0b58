package dev.fastconv;

/**
 * Error bounds for comparing fastconv against {@link ReferenceConv} (exact up to double rounding).
 *
 * <p>Let T = C/g * prod(kernel) be the number of accumulated products, A = sum |x*w| + |bias| for
 * one output, and u32 = 2^-24 the fp32 unit roundoff. Then, per output element:
 * <ul>
 *   <li>fp32 accumulation (any order, blocked or FMA): |err| <= gamma_T * A ~ T*u32*A; we allow
 *       T * 2^-23 * A (twice that, for the bias add and the final rounding).</li>
 *   <li>TF32 / FP16 precision: each x and w is rounded with relative error u = 2^-11 before the
 *       product, so each product has relative error <= 2u + u^2: add (2u + u^2) * A. FP16 rounding of
 *       tiny values (subnormals, below 2^-14) has absolute error <= 2^-25 instead: add
 *       T * 2^-24 * (max|x| + max|w|).</li>
 *   <li>3xTF32: big/small split; the dropped small*small term and the split residuals are each
 *       <= 2^-22 relative: add 2^-20 * A.</li>
 *   <li>F16 tensors: the reference is computed on the f16-rounded inputs (the input quantisation is
 *       thus exact), and the output is rounded to f16: add 2^-11 * |ref| (+ 2^-25 for subnormals),
 *       with the accumulated bound above scaled by (1 + 2^-11).</li>
 *   <li>plus 1e-30 absolute. ReLU is 1-Lipschitz and does not widen the bound.</li>
 * </ul>
 */
final class ConvTolerance {

    private ConvTolerance() {}

    static double bound(double ref, double absSum, long terms, DType dtype, Precision precision, double maxAbsX, double maxAbsW) {
        double acc = terms * 0x1p-23 * absSum;
        double u = 0x1p-11;
        switch (precision) {
            case TF32 -> acc += (2 * u + u * u) * absSum;
            case FP16 -> acc += (2 * u + u * u) * absSum + terms * 0x1p-24 * (maxAbsX + maxAbsW);
            case FP32_3XTF32 -> acc += 0x1p-20 * absSum;
            default -> { }
        }
        if (dtype == DType.F16) {
            acc = acc * (1 + u) + u * Math.abs(ref) + 0x1p-25;
        }
        return acc + 1e-30;
    }

    /** null if every element is within its bound, else a description of the worst offender. */
    static String check(float[] y, ReferenceConv.Result ref, DType dtype, Precision precision, double maxAbsX, double maxAbsW) {
        if (y.length != ref.y().length) {
            return "length " + y.length + " != reference length " + ref.y().length;
        }
        double worst = 0;
        int at = -1;
        for (int i = 0; i < y.length; i++) {
            double tol = bound(ref.y()[i], ref.absSum()[i], ref.terms(), dtype, precision, maxAbsX, maxAbsW);
            double err = Math.abs(y[i] - ref.y()[i]);
            if (!(err <= tol)) { // NaN fails too
                double ratio = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err / tol;
                if (ratio > worst || at < 0) {
                    worst = ratio;
                    at = i;
                }
            }
        }
        if (at < 0) {
            return null;
        }
        double tol = bound(ref.y()[at], ref.absSum()[at], ref.terms(), dtype, precision, maxAbsX, maxAbsW);
        return "element " + at + ": got " + y[at] + ", reference " + ref.y()[at] + ", |err| " + Math.abs(y[at] - ref.y()[at])
                + " > bound " + tol + " (" + String.format("%.3g", worst) + "x; T=" + ref.terms() + ", sum|xw|=" + ref.absSum()[at] + ")";
    }
}
