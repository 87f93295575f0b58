package dev.fastconv.cli;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import dev.fastconv.Algorithm;
import dev.fastconv.Conv;
import dev.fastconv.ConvPlan;
import dev.fastconv.DType;
import dev.fastconv.Device;
import dev.fastconv.FastConv;
import dev.fastconv.Layout;
import dev.fastconv.Precision;
import dev.fastconv.Tensor;

/**
 * {@code fastconv bench}: the original note's experiment (x 1x3x1024x1024 uniform [0,1) like
 * torch.rand, w 16x3x3x3, bias 16, stride 1, padding 1) for every algorithm x precision, timed
 * with {@link ConvPlan#forward} into a preallocated output and checked against an fp64 direct
 * convolution computed here in Java ({@link Reference}).
 */
final class BenchCommand {

    static final List<String> VALUE_OPTIONS = List.of("shape", "stride", "padding", "dilation", "groups", "algorithm",
            "precision", "device", "repeat", "warmup", "layout", "dtype", "seed", "threads");
    static final List<String> FLAGS = List.of("json", "check", "verbose", "autotune");

    static final String HELP = """
            usage: fastconv bench [options]

            Times every algorithm x precision (direct, unfold-gemm, implicit-gemm x fp32, tf32, fp16:
            9 rows) on the best device, for x = 1x3x1024x1024 uniform [0,1) (like torch.rand),
            w = 16x3x3x3, bias 16, stride 1, padding 1 -- and checks each result against an fp64
            direct convolution of the same inputs (max abs error, allclose).

            options:
              --shape B,C,H,W,K,R,S   a custom 2-D case (B,C,W,K,S for 1-D, B,C,D,H,W,K,T,R,S for 3-D);
                                      weight = (K, C/groups, kernel...); padding then defaults to 0
              --stride, --padding (int list|same|valid), --dilation, --groups   as for conv2d
              --algorithm A[,A...]    direct, unfold-gemm, implicit-gemm, auto (default: the first three)
              --precision P[,P...]    fp32, tf32, fp16, 3xtf32 (default: fp32,tf32,fp16)
              --device auto|cpu|cuda|cuda:N   default auto (first CUDA device of compute capability >= 8.0, else the CPU)
              --layout nchw|nhwc      compute layout (default nchw)
              --dtype f32|f16         tensor dtype (default f32)
              --repeat N              timed runs per row, the median is reported (default 10)
              --warmup N              untimed runs first (default 2)
              --seed N                random seed (default 0)
              --threads N             CPU worker threads (0 = one per core)
              --autotune              time the candidate kernels at plan creation and keep the fastest
                                      (FastConv.setAutotune; most useful with --algorithm auto)
              --json                  print exactly one JSON object on stdout (progress stays on stderr)
              --check                 exit 1 if a row is not allclose or fails
            """;

    /** Tolerance of torch.allclose(y, ref, rtol, atol): |y - ref| <= atol + rtol * |ref| elementwise. */
    record Tol(double rtol, double atol) {}

    /**
     * fp32 / 3xtf32: fp32 products are correctly rounded (relative error 2^-24 each); a sum of n
     * positive terms accumulated in fp32 is off by at most about n*2^-24 relative (27 terms in the
     * default case: 1.6e-6) and typically sqrt(n)*2^-24, so rtol = atol = 1e-5 (PyTorch's usual fp32
     * rtol) holds with margin. tf32 / fp16: each input is rounded to 10 explicit mantissa bits
     * (relative error <= 2^-11), so each product is off by <= 2^-10 = 9.8e-4 relative; the inputs are
     * uniform [0,1), all terms are positive, so the relative error of the sum is bounded by the same
     * 2^-10 plus the fp32 accumulation: rtol = 2e-3 leaves 2x margin. atol = 1e-4 covers inputs
     * below 2^-14 that fp16 stores as subnormals (absolute error <= 2^-25 each). f16 tensors: the
     * output is rounded to fp16 as well (relative 2^-11 = 4.9e-4): rtol grows by 1e-3.
     */
    static Tol tolerance(Precision p, DType dt) {
        double extra = dt == DType.F16 ? 1e-3 : 0;
        return switch (p) {
            case FP32, FP32_3XTF32 -> new Tol(1e-5 + extra, 1e-5 + (dt == DType.F16 ? 1e-4 : 0));
            case TF32, FP16 -> new Tol(2e-3 + extra, 1e-4);
        };
    }

    record Row(String algorithm, String resolved, String precision, double medianMs, double minMs, double gflops,
            double maxAbsErr, boolean allclose, Tol tol, String error) {}

    int run(String[] argv, PrintStream out, PrintStream err) {
        if (Args.wantsHelp(argv, 1)) {
            out.print(HELP);
            return 0;
        }
        Args a = Args.parse("bench", argv, 1, VALUE_OPTIONS, FLAGS);
        long[] dims;
        int sd;
        if (a.has("shape")) {
            String[] parts = a.get("shape").split(",", -1);
            dims = new long[parts.length];
            boolean ok = parts.length == 5 || parts.length == 7 || parts.length == 9;
            for (int i = 0; ok && i < parts.length; i++) {
                try {
                    dims[i] = Long.parseLong(parts[i].trim());
                    ok = dims[i] >= 1;
                } catch (NumberFormatException e) {
                    ok = false;
                }
            }
            if (!ok) {
                throw new CliException("--shape: expected B,C,W,K,S (1-D), B,C,H,W,K,R,S (2-D) or B,C,D,H,W,K,T,R,S "
                        + "(3-D) positive integers, got \"" + a.get("shape") + "\"");
            }
            sd = (parts.length - 3) / 2;
        } else {
            dims = new long[] {1, 3, 1024, 1024, 16, 3, 3};
            sd = 2;
        }
        long n = dims[0], c = dims[1], k = dims[2 + sd];
        long[] inSize = Arrays.copyOfRange(dims, 2, 2 + sd);
        long[] kernel = Arrays.copyOfRange(dims, 3 + sd, 3 + 2 * sd);
        long[] ones = new long[sd];
        Arrays.fill(ones, 1);
        long[] stride = a.has("stride") ? Args.intList("stride", a.get("stride"), sd, 1) : ones;
        long[] dilation = a.has("dilation") ? Args.intList("dilation", a.get("dilation"), sd, 1) : ones;
        String padMode = null;
        long[] padding;
        String padArg = a.get("padding", a.has("shape") ? "0" : "1").trim().toLowerCase(Locale.ROOT);
        if (padArg.equals("same") || padArg.equals("valid")) {
            padMode = padArg;
            padding = new long[sd];
        } else {
            padding = Args.intList("padding", padArg, sd, 0);
        }
        if ("same".equals(padMode) && Arrays.stream(stride).anyMatch(s -> s != 1)) {
            throw new CliException("--padding: \"same\" is not supported for strided convolutions (got --stride "
                    + a.get("stride") + "); like PyTorch it needs stride 1");
        }
        long groups = a.positiveLong("groups", 1);
        if (c % groups != 0 || k % groups != 0) {
            throw new CliException("--groups: C=" + c + " and K=" + k + " must both be divisible by groups=" + groups);
        }
        List<String> algos = listChoice(a, "algorithm", "direct,unfold-gemm,implicit-gemm",
                "auto", "direct", "unfold-gemm", "implicit-gemm");
        List<String> precs = listChoice(a, "precision", "fp32,tf32,fp16", "fp32", "tf32", "fp16", "3xtf32");
        long repeat = a.positiveLong("repeat", 10);
        long warmup = a.nonNegativeLong("warmup", 2);
        if (repeat > 1_000_000 || warmup > 1_000_000) throw new CliException("--repeat/--warmup: at most 1000000");
        Layout layout = a.choice("layout", "nchw", "nchw", "nhwc").equals("nhwc") ? Layout.NHWC : Layout.NCHW;
        DType dt = a.choice("dtype", "f32", "f32", "f16").equals("f16") ? DType.F16 : DType.F32;
        long seed = a.nonNegativeLong("seed", 0);
        String deviceSpec = a.get("device", "auto");
        ConvCommand.checkDeviceSyntax(deviceSpec);
        long threads = a.nonNegativeLong("threads", -1);
        if (threads > Integer.MAX_VALUE) throw new CliException("--threads: too large: " + threads);
        boolean json = a.flag("json");

        long[] xShape = new long[sd + 2];
        xShape[0] = n;
        xShape[1] = c;
        System.arraycopy(inSize, 0, xShape, 2, sd);
        long[] wShape = new long[sd + 2];
        wShape[0] = k;
        wShape[1] = c / groups;
        System.arraycopy(kernel, 0, wShape, 2, sd);
        long xCount = prod(xShape), wCount = prod(wShape);
        if (xCount > Integer.MAX_VALUE - 8 || wCount > Integer.MAX_VALUE - 8) {
            throw new CliException("--shape: too large for the benchmark (at most 2^31 elements per tensor)");
        }

        if (threads >= 0) FastConv.setCpuThreads((int) threads);
        Device device = ConvCommand.parseDevice(deviceSpec);

        // Shape checks (and the output shape) from the API, like PyTorch.
        long[] yShape;
        try {
            yShape = builder(sd, stride, padMode, padding, dilation, groups).build().outputShape(xShape, wShape);
        } catch (RuntimeException e) {
            throw Main.apiError(e);
        }
        long yCount = prod(yShape);
        if (yCount > Integer.MAX_VALUE - 8) throw new CliException("--shape: output too large for the benchmark");
        if (yCount == 0) throw new CliException("--shape: the output is empty " + Npy.shapeString(yShape));

        Random rnd = new Random(seed);
        float[] xData = uniform(rnd, (int) xCount);
        float[] wData = uniform(rnd, (int) wCount);
        float[] bData = uniform(rnd, (int) k);

        long macPerOut = (c / groups) * prod(kernel);
        double flop = 2.0 * yCount * macPerOut;
        List<Row> rows = new ArrayList<>();
        boolean autotune = a.flag("autotune");
        if (autotune) FastConv.setAutotune(true);  // process-wide: reset when the rows are done
        try (Arena arena = Arena.ofConfined()) {
            Tensor xt, wt, bt;
            try {
                xt = Tensor.fromArray(arena, device, dt, layout, xData, xShape);
                wt = Tensor.fromArray(arena, device, dt, layout, wData, wShape);
                bt = Tensor.fromArray(arena, device, dt, layout, bData, k);
            } catch (RuntimeException e) {
                throw Main.apiError(e);
            }
            // The reference uses the values as stored (rounded to fp16 for --dtype f16).
            err.print("fp64 reference (direct convolution in Java) ... ");
            err.flush();
            long r0 = System.nanoTime();
            long[] padBegin = padding, padEnd = padding;
            if ("same".equals(padMode)) {
                long[][] p = Reference.samePadding(kernel, dilation);
                padBegin = p[0];
                padEnd = p[1];
            }
            double[] ref = Reference.conv(xt.toFloatArray(), xShape, wt.toFloatArray(), wShape, bt.toFloatArray(),
                    stride, padBegin, padEnd, dilation, groups);
            err.printf(Locale.ROOT, "%.2f s%n", (System.nanoTime() - r0) / 1e9);
            if (ref.length != yCount) {
                throw new IllegalStateException("reference has " + ref.length + " outputs, the API says "
                        + Npy.shapeString(yShape));
            }

            int total = algos.size() * precs.size(), i = 0;
            for (String algoName : algos) {
                for (String precName : precs) {
                    i++;
                    Precision p = Precision.parse(precName);
                    Tol tol = tolerance(p, dt);
                    err.printf(Locale.ROOT, "[%d/%d] %s %s ... ", i, total, algoName, precName);
                    err.flush();
                    Row row;
                    Conv conv = builder(sd, stride, padMode, padding, dilation, groups).precision(p)
                            .algorithm(Algorithm.parse(algoName)).build();
                    try (ConvPlan plan = conv.plan(device, dt, layout, xShape, wShape, true)) {
                        Tensor y = plan.allocateOutput(arena);
                        for (long w = 0; w < warmup; w++) plan.forward(xt, wt, bt, y);
                        double[] ms = new double[(int) repeat];
                        for (int r = 0; r < repeat; r++) {
                            long t0 = System.nanoTime();
                            plan.forward(xt, wt, bt, y);
                            ms[r] = (System.nanoTime() - t0) / 1e6;
                        }
                        Arrays.sort(ms);
                        double median = ms.length % 2 == 1 ? ms[ms.length / 2]
                                : (ms[ms.length / 2 - 1] + ms[ms.length / 2]) / 2;
                        float[] yv = y.toFloatArray();
                        double maxErr = 0;
                        boolean close = yv.length == ref.length;
                        for (int j = 0; j < Math.min(yv.length, ref.length); j++) {
                            double e = Math.abs(yv[j] - ref[j]);
                            if (Double.isNaN(e)) maxErr = Double.NaN;
                            else if (e > maxErr) maxErr = e; // stays NaN once NaN
                            if (!(e <= tol.atol() + tol.rtol() * Math.abs(ref[j]))) close = false;
                        }
                        row = new Row(algoName, plan.algorithm().cliName(), precName, median, ms[0],
                                flop / (median * 1e-3) / 1e9, maxErr, close, tol, null);
                        err.printf(Locale.ROOT, "%.3f ms, max abs err %.3g%s%n", median, maxErr,
                                close ? "" : " NOT allclose");
                    } catch (RuntimeException e) {
                        RuntimeException m = Main.apiError(e);
                        if (!(m instanceof CliException) && a.flag("verbose")) e.printStackTrace(err);
                        String msg = String.valueOf(e.getMessage());
                        row = new Row(algoName, null, precName, Double.NaN, Double.NaN, Double.NaN, Double.NaN, false,
                                tol, msg);
                        err.println("failed: " + msg);
                    }
                    rows.add(row);
                }
            }
        } finally {
            if (autotune) FastConv.resetAutotune();
        }

        String padText = padMode != null ? padMode : join(padding);
        if (json) {
            StringBuilder sb = new StringBuilder();
            sb.append("{\"device\": ").append(Json.str(device.toString()));
            sb.append(", \"shape\": {\"input\": ").append(Json.longs(xShape));
            sb.append(", \"weight\": ").append(Json.longs(wShape));
            sb.append(", \"bias\": ").append(Json.longs(new long[] {k}));
            sb.append(", \"output\": ").append(Json.longs(yShape));
            sb.append(", \"stride\": ").append(Json.longs(stride));
            sb.append(", \"padding\": ").append(padMode != null ? Json.str(padMode) : Json.longs(padding));
            sb.append(", \"dilation\": ").append(Json.longs(dilation));
            sb.append(", \"groups\": ").append(groups);
            sb.append(", \"dtype\": ").append(Json.str(dt == DType.F32 ? "f32" : "f16"));
            sb.append(", \"layout\": ").append(Json.str(layout.name().toLowerCase(Locale.ROOT)));
            sb.append("}, \"repeat\": ").append(repeat).append(", \"warmup\": ").append(warmup);
            sb.append(", \"flop\": ").append(Json.num(flop));
            sb.append(", \"autotune\": ").append(autotune);
            sb.append(", \"results\": [");
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                if (i > 0) sb.append(", ");
                sb.append("{\"algorithm\": ").append(Json.str(r.algorithm()));
                sb.append(", \"resolved_algorithm\": ").append(Json.str(r.resolved()));
                sb.append(", \"precision\": ").append(Json.str(r.precision()));
                sb.append(", \"median_ms\": ").append(Json.num(r.medianMs()));
                sb.append(", \"min_ms\": ").append(Json.num(r.minMs()));
                sb.append(", \"gflops\": ").append(Json.num(r.gflops()));
                sb.append(", \"max_abs_err\": ").append(Json.num(r.maxAbsErr()));
                sb.append(", \"rtol\": ").append(Json.num(r.tol().rtol()));
                sb.append(", \"atol\": ").append(Json.num(r.tol().atol()));
                sb.append(", \"allclose\": ").append(r.allclose());
                if (r.error() != null) sb.append(", \"error\": ").append(Json.str(r.error()));
                sb.append('}');
            }
            sb.append("]}");
            out.println(sb);
        } else {
            out.println("fastconv bench on " + device);
            out.printf(Locale.ROOT, "x %s %s %s, w %s, bias %d, stride %s, padding %s, dilation %s, groups %d -> y %s%n",
                    dimsText(xShape), dt == DType.F32 ? "f32" : "f16", layout.name().toLowerCase(Locale.ROOT),
                    dimsText(wShape), k, join(stride), padText, join(dilation), groups, dimsText(yShape));
            out.printf(Locale.ROOT, "median of %d runs after %d warm-up%s; GFLOP/s = 2*N*K*%s*(C/groups)*%s / median"
                    + " (bias adds not counted)%n%n", repeat, warmup, warmup == 1 ? "" : "s",
                    sd == 1 ? "Q" : sd == 2 ? "P*Q" : "O*P*Q", sd == 1 ? "S" : sd == 2 ? "R*S" : "T*R*S");
            out.printf(Locale.ROOT, "%-15s %-9s %10s %10s %12s  %s%n", "algorithm", "precision", "median ms", "GFLOP/s",
                    "max abs err", "allclose");
            for (Row r : rows) {
                String name = r.algorithm() + (r.resolved() != null && !r.resolved().equals(r.algorithm())
                        ? "(" + r.resolved() + ")" : "");
                if (r.error() != null) {
                    out.printf(Locale.ROOT, "%-15s %-9s %10s %10s %12s  %s%n", name, r.precision(), "-", "-", "-",
                            "failed: " + r.error());
                } else {
                    out.printf(Locale.ROOT, "%-15s %-9s %10.3f %10.2f %12.3e  %s%n", name, r.precision(), r.medianMs(),
                            r.gflops(), r.maxAbsErr(), r.allclose() ? "yes" : "NO");
                }
            }
            out.println();
            out.println("allclose: every |y - ref| <= atol + rtol*|ref| (like torch.allclose), ref = fp64 direct");
            out.println("convolution (in Java) of the same stored inputs. Tolerances:");
            List<String> seen = new ArrayList<>();
            for (String pn : precs) {
                Tol t = tolerance(Precision.parse(pn), dt);
                String line = String.format(Locale.ROOT, "  %-7s rtol %.0e, atol %.0e", pn, t.rtol(), t.atol());
                if (!seen.contains(line)) seen.add(line);
            }
            seen.forEach(out::println);
            out.println("  why: fp32 products are correctly rounded (2^-24) and all terms are positive (inputs");
            out.println("  uniform [0,1)), so an fp32 sum of n terms is off by <= ~n*2^-24 relative (27 terms:");
            out.println("  1.6e-6); tf32/fp16 round each input to 10 mantissa bits (2^-11), each product is off");
            out.println("  by <= 2^-10 = 9.8e-4 relative and so is a sum of positive terms: rtol 2e-3 is 2x that;");
            out.println("  atol covers fp16 subnormal inputs (< 2^-14)." + (dt == DType.F16
                    ? " f16 tensors: +1e-3 rtol for rounding the output to fp16." : ""));
        }
        long bad = rows.stream().filter(r -> !r.allclose()).count();
        if (bad > 0) {
            err.println("fastconv: warning: " + bad + " of " + rows.size() + " rows failed or are not allclose");
            if (a.flag("check")) return 1;
        }
        return 0;
    }

    private static Conv.Builder builder(int sd, long[] stride, String padMode, long[] padding, long[] dilation,
            long groups) {
        Conv.Builder b = Conv.builder(sd).stride(stride).dilation(dilation).groups(groups);
        if (padMode != null) b.padding(padMode);
        else b.padding(padding);
        return b;
    }

    private static List<String> listChoice(Args a, String name, String dflt, String... choices) {
        String v = a.get(name, dflt);
        List<String> out = new ArrayList<>();
        for (String part : v.split(",", -1)) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            if (!Arrays.asList(choices).contains(p)) {
                throw new CliException("--" + name + ": expected a comma-separated list of " + String.join(", ", choices)
                        + ", got \"" + v + "\"");
            }
            if (!out.contains(p)) out.add(p);
        }
        return out;
    }

    private static float[] uniform(Random rnd, int count) {
        float[] f = new float[count];
        for (int i = 0; i < count; i++) f[i] = rnd.nextFloat();
        return f;
    }

    static long prod(long[] a) {
        long p = 1;
        for (long v : a) p = Math.multiplyExact(p, v);
        return p;
    }

    private static String join(long[] a) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < a.length; i++) {
            if (i > 0) sb.append(',');
            sb.append(a[i]);
        }
        return sb.toString();
    }

    private static String dimsText(long[] a) {
        return join(a).replace(',', 'x');
    }
}
