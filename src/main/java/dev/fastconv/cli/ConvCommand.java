package dev.fastconv.cli;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import dev.fastconv.Algorithm;
import dev.fastconv.Conv;
import dev.fastconv.ConvPlan;
import dev.fastconv.DType;
import dev.fastconv.Device;
import dev.fastconv.FastConv;
import dev.fastconv.Layout;
import dev.fastconv.Precision;
import dev.fastconv.Tensor;

/** {@code fastconv conv1d|conv2d|conv3d}: y = F.conv{1,2,3}d(x, w, b, ...) on .npy files. */
final class ConvCommand {

    static final List<String> VALUE_OPTIONS = List.of("input", "weight", "bias", "output", "stride", "padding",
            "dilation", "groups", "precision", "algorithm", "device", "layout", "threads");
    static final List<String> FLAGS = List.of("verbose");

    private final int sd;
    private final String cmd;

    ConvCommand(int spatialDims) {
        this.sd = spatialDims;
        this.cmd = "conv" + spatialDims + "d";
    }

    private static final String[] SPATIAL_NAMES = {"", "W", "H, W", "D, H, W"};
    private static final String[] KERNEL_NAMES = {"", "S", "R, S", "T, R, S"};

    String help() {
        String per = sd == 1 ? "S" : sd == 2 ? "S|S1,S2" : "S|S1,S2,S3";
        String perP = sd == 1 ? "P" : sd == 2 ? "P|P1,P2" : "P|P1,P2,P3";
        String perD = sd == 1 ? "D" : sd == 2 ? "D|D1,D2" : "D|D1,D2,D3";
        return "usage: fastconv " + cmd + " --input X.npy --weight W.npy [--bias B.npy] --output Y.npy [options]\n"
                + "\n"
                + "Computes Y = torch.nn.functional." + cmd + "(X, W, B, stride, padding, dilation, groups).\n"
                + "  X: (N, C, " + SPATIAL_NAMES[sd] + ") or unbatched (C, " + SPATIAL_NAMES[sd] + ")\n"
                + "  W: (K, C/groups, " + KERNEL_NAMES[sd] + ")    B: (K)    Y: (N, K, out...)\n"
                + ".npy files: float32 ('<f4') or float16 ('<f2'), C order, all the same dtype; Y gets that dtype.\n"
                + "\n"
                + "options:\n"
                + "  --stride " + per + "             default 1\n"
                + "  --padding " + perP + "|same|valid  default 0 (zeros); 'same' needs stride 1\n"
                + "  --dilation " + perD + "           default 1\n"
                + "  --groups G                  default 1; C and K must be divisible by G\n"
                + "  --precision fp32|tf32|fp16|3xtf32   how products are formed (fp32 accumulate); default fp32\n"
                + "  --algorithm auto|direct|unfold-gemm|implicit-gemm                 default auto\n"
                + "  --device auto|cpu|cuda|cuda:N   default auto (first CUDA device of compute capability >= 8.0, else the CPU)\n"
                + "  --layout nchw|nhwc          compute layout (channels first/last); the files stay logical\n"
                + "                              N, C, spatial... order. default nchw\n"
                + "  --threads N                 CPU worker threads (0 = one per core)\n"
                + "  --verbose                   report what ran; stack traces for internal errors\n"
                + "The output is written to a temporary file and renamed: a failed run leaves no output file.\n";
    }

    int run(String[] argv, PrintStream out, PrintStream err) {
        if (Args.wantsHelp(argv, 1)) {
            out.print(help());
            return 0;
        }
        Args a = Args.parse(cmd, argv, 1, VALUE_OPTIONS, FLAGS);
        Path inPath = Path.of(a.require("input"));
        Path wPath = Path.of(a.require("weight"));
        Path outPath = Path.of(a.require("output"));
        Path bPath = a.has("bias") ? Path.of(a.get("bias")) : null;

        long[] ones = new long[sd];
        Arrays.fill(ones, 1);
        long[] stride = a.has("stride") ? Args.intList("stride", a.get("stride"), sd, 1) : ones;
        long[] dilation = a.has("dilation") ? Args.intList("dilation", a.get("dilation"), sd, 1) : ones;
        String padMode = null;
        long[] padding = new long[sd];
        String padArg = a.get("padding", "0").trim().toLowerCase(Locale.ROOT);
        if (padArg.equals("same") || padArg.equals("valid")) {
            padMode = padArg;
        } else {
            padding = Args.intList("padding", a.get("padding", "0"), sd, 0);
        }
        if ("same".equals(padMode)) {
            for (long s : stride) {
                if (s != 1) {
                    throw new CliException("--padding: \"same\" is not supported for strided convolutions (got --stride "
                            + a.get("stride") + "); like PyTorch it needs stride 1");
                }
            }
        }
        long groups = a.positiveLong("groups", 1);
        Precision precision = Precision.parse(a.choice("precision", "fp32", "fp32", "tf32", "fp16", "3xtf32"));
        Algorithm algorithm = Algorithm.parse(a.choice("algorithm", "auto", "auto", "direct", "unfold-gemm",
                "implicit-gemm"));
        Layout layout = a.choice("layout", "nchw", "nchw", "nhwc").equals("nhwc") ? Layout.NHWC : Layout.NCHW;
        String deviceSpec = a.get("device", "auto");
        checkDeviceSyntax(deviceSpec);
        long threads = a.nonNegativeLong("threads", -1);
        if (threads > Integer.MAX_VALUE) throw new CliException("--threads: too large: " + threads);

        Path outDir = outPath.toAbsolutePath().getParent();
        if (outDir == null || !Files.isDirectory(outDir)) {
            throw new CliException("--output: " + outPath + ": directory " + outDir + " does not exist");
        }
        if (Files.isDirectory(outPath)) throw new CliException("--output: " + outPath + " is a directory");

        try (Arena arena = Arena.ofConfined()) {
            Npy.Array x = readArray("input", inPath, arena);
            Npy.Array w = readArray("weight", wPath, arena);
            Npy.Array b = bPath == null ? null : readArray("bias", bPath, arena);
            Npy.Type type = x.type();
            checkType("weight", w, x);
            if (b != null) checkType("bias", b, x);

            long[] xs = x.shape(), ws = w.shape();
            boolean unbatched = xs.length == sd + 1;
            if (xs.length != sd + 2 && !unbatched) {
                throw new CliException("--input: " + inPath + ": " + cmd + " expects a " + (sd + 2) + "-D (N, C, "
                        + SPATIAL_NAMES[sd] + ") or " + (sd + 1) + "-D unbatched (C, " + SPATIAL_NAMES[sd]
                        + ") array, got shape " + Npy.shapeString(xs));
            }
            if (unbatched) {
                long[] t = new long[sd + 2];
                t[0] = 1;
                System.arraycopy(xs, 0, t, 1, xs.length);
                xs = t;
            }
            if (ws.length != sd + 2) {
                throw new CliException("--weight: " + wPath + ": " + cmd + " expects a " + (sd + 2)
                        + "-D (K, C/groups, " + KERNEL_NAMES[sd] + ") array, got shape " + Npy.shapeString(ws));
            }
            long c = xs[1], k = ws[0];
            if (c % groups != 0) {
                throw new CliException("--groups: the input's " + c + " channels are not divisible by groups=" + groups);
            }
            if (k % groups != 0) {
                throw new CliException("--groups: the weight's " + k + " output channels (weight.shape[0]) are not "
                        + "divisible by groups=" + groups);
            }
            if (ws[1] * groups != c) {
                throw new CliException("--weight: " + wPath + ": weight.shape[1] is " + ws[1] + " but the input has " + c
                        + " channels and groups=" + groups + " (expected weight.shape[1] == " + (c / groups) + ")");
            }
            if (b != null && (b.shape().length != 1 || b.shape()[0] != k)) {
                throw new CliException("--bias: " + bPath + ": expected shape (" + k + ",) (one value per output "
                        + "channel), got " + Npy.shapeString(b.shape()));
            }

            if (threads >= 0) FastConv.setCpuThreads((int) threads);
            Device device = parseDevice(deviceSpec);
            Conv conv;
            long[] ys;
            try {
                Conv.Builder cb = Conv.builder(sd).stride(stride).dilation(dilation).groups(groups)
                        .precision(precision).algorithm(algorithm);
                if (padMode != null) cb.padding(padMode);
                else cb.padding(padding);
                conv = cb.build();
                long[] probe = xs.clone();
                probe[0] = Math.max(1, probe[0]);
                ys = conv.outputShape(probe, ws);
                ys[0] = xs[0];
            } catch (RuntimeException e) {
                throw Main.apiError(e);
            }
            long yCount = 1;
            for (long d : ys) yCount = Math.multiplyExact(yCount, d);
            long[] fileShape = unbatched ? Arrays.copyOfRange(ys, 1, ys.length) : ys;

            if (yCount == 0 || x.header().elementCount() == 0) {
                // Empty batch or empty output: PyTorch returns an empty tensor; there is nothing to compute.
                Npy.write(outPath, type, fileShape, arena.allocate(1).asSlice(0, 0));
                if (a.flag("verbose")) err.println(cmd + ": empty output " + Npy.shapeString(fileShape));
                return 0;
            }

            DType dt = type == Npy.Type.F32 ? DType.F32 : DType.F16;
            int es = type.byteSize();
            long spatialIn = x.header().elementCount() / (xs[0] * c);
            long spatialK = w.header().elementCount() / (k * ws[1]);
            MemorySegment xSeg = x.data(), wSeg = w.data();
            if (layout == Layout.NHWC) {
                xSeg = Layouts.toChannelsLast(arena, xSeg, es, xs[0], c, spatialIn);
                wSeg = Layouts.toChannelsLast(arena, wSeg, es, k, ws[1], spatialK);
            }
            long t0;
            long t1;
            String algo;
            MemorySegment ySeg;
            try {
                Tensor xt = Tensor.wrap(xSeg, dt, layout, xs);
                Tensor wt = Tensor.wrap(wSeg, dt, layout, ws);
                Tensor bt = b == null ? null : Tensor.wrap(b.data(), dt, layout, k);
                if (!device.isCpu()) {
                    xt = xt.copyTo(arena, device);
                    wt = wt.copyTo(arena, device);
                    if (bt != null) bt = bt.copyTo(arena, device);
                }
                try (ConvPlan plan = conv.plan(xt, wt, bt)) {
                    Tensor yt = plan.allocateOutput(arena);
                    t0 = System.nanoTime();
                    plan.forward(xt, wt, bt, yt);
                    t1 = System.nanoTime();
                    algo = plan.algorithm().cliName();
                    if (!device.isCpu()) yt = yt.copyTo(arena, Device.cpu());
                    ySeg = yt.segment();
                }
            } catch (RuntimeException e) {
                throw Main.apiError(e);
            }
            if (layout == Layout.NHWC) {
                long spatialOut = yCount / (ys[0] * k);
                ySeg = Layouts.toChannelsFirst(arena, ySeg, es, ys[0], k, spatialOut);
            }
            Npy.write(outPath, type, fileShape, ySeg.asSlice(0, yCount * es));
            if (a.flag("verbose")) {
                err.printf(Locale.ROOT, "%s: %s * %s -> %s on %s, %s, %s, %s, %s: %.3f ms%n", cmd,
                        Npy.shapeString(x.shape()), Npy.shapeString(ws), Npy.shapeString(fileShape), device, algo,
                        precision.cliName(), layout.name().toLowerCase(Locale.ROOT), type.numpyName(),
                        (t1 - t0) / 1e6);
            }
            return 0;
        }
    }

    static Npy.Array readArray(String opt, Path p, Arena arena) {
        try {
            return Npy.read(p, arena);
        } catch (NpyException e) {
            throw new CliException("--" + opt + ": " + e.getMessage(), e.getCause());
        }
    }

    private static void checkType(String opt, Npy.Array a, Npy.Array x) {
        if (a.type() != x.type()) {
            throw new CliException("--" + opt + ": dtype " + a.type().numpyName() + " ('" + a.type().descr()
                    + "') does not match the input's " + x.type().numpyName() + " ('" + x.type().descr()
                    + "'); input, weight and bias must all be float32 or all float16");
        }
    }

    /** Cheap syntax check before any file is read: auto | cpu | cuda | cuda:N | gpu. */
    static void checkDeviceSyntax(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("auto") || s.equals("cpu") || s.equals("cpu:0") || s.equals("cuda") || s.equals("gpu")
                || s.matches("cuda:\\d{1,6}")) {
            return;
        }
        throw new CliException("--device: expected auto, cpu, cuda or cuda:N, got \"" + spec + "\"");
    }

    /** Device.parse, with "CUDA asked for but absent" turned into a user error naming the reason. */
    static Device parseDevice(String spec) {
        checkDeviceSyntax(spec);
        try {
            return Device.parse(spec.trim());
        } catch (IllegalStateException e) {
            String msg = e.getMessage() == null ? "" : e.getMessage();
            String status = FastConv.cudaStatus();
            if (!msg.contains(status)) msg = msg + ": " + status;
            throw new CliException("--device: " + spec + ": CUDA is not available: " + msg, e);
        } catch (IllegalArgumentException e) {
            throw new CliException("--device: " + e.getMessage(), e);
        }
    }
}
