package dev.fastconv.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.fastconv.Device;
import dev.fastconv.FastConv;

/** The CLI in-process through {@link Main#run}: exit codes, messages, results, no partial output. */
class MainTest {

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code;
        try (PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8);
                PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, po, pe);
        }
        return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static Result expectError(int code, String messagePart, String... args) {
        Result r = run(args);
        assertEquals(code, r.code(), () -> "exit code for " + String.join(" ", args) + "; stderr: " + r.err());
        assertTrue(r.err().contains(messagePart), () -> "stderr should contain [" + messagePart + "] but was: " + r.err());
        if (code == 2) assertTrue(r.err().startsWith("fastconv: error: "), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose: " + r.err());
        return r;
    }

    static float[] random(Random rnd, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) rnd.nextGaussian();
        return f;
    }

    Path npy(String name, float[] v, long... shape) {
        Path p = dir.resolve(name);
        Npy.writeFloats(p, Npy.Type.F32, shape, v, 0);
        return p;
    }

    Path npy16(String name, float[] v, long... shape) {
        Path p = dir.resolve(name);
        Npy.writeFloats(p, Npy.Type.F16, shape, v, 0);
        return p;
    }

    /** A naive conv2d in double, written here independently of the CLI's Reference. */
    static double[] naiveConv2d(float[] x, int n, int c, int h, int w, float[] wt, int k, int r, int s, float[] b,
            int sh, int sw, int ph, int pw, int dh, int dw, int g) {
        int p = (h + 2 * ph - dh * (r - 1) - 1) / sh + 1, q = (w + 2 * pw - dw * (s - 1) - 1) / sw + 1;
        int cg = c / g, kg = k / g;
        double[] y = new double[n * k * p * q];
        for (int in = 0; in < n; in++)
            for (int ik = 0; ik < k; ik++)
                for (int ip = 0; ip < p; ip++)
                    for (int iq = 0; iq < q; iq++) {
                        double acc = b == null ? 0 : b[ik];
                        int grp = ik / kg;
                        for (int ic = 0; ic < cg; ic++)
                            for (int ir = 0; ir < r; ir++)
                                for (int is = 0; is < s; is++) {
                                    int yy = ip * sh - ph + ir * dh, xx = iq * sw - pw + is * dw;
                                    if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                                    acc += (double) x[((in * c + grp * cg + ic) * h + yy) * w + xx]
                                            * wt[((ik * cg + ic) * r + ir) * s + is];
                                }
                        y[((in * k + ik) * p + ip) * q + iq] = acc;
                    }
        return y;
    }

    static void assertClose(double[] ref, float[] got, double tol) {
        assertEquals(ref.length, got.length, "element count");
        for (int i = 0; i < ref.length; i++) {
            int j = i;
            assertTrue(Math.abs(ref[i] - got[i]) <= tol * (1 + Math.abs(ref[i])),
                    () -> "element " + j + ": expected " + ref[j] + " got " + got[j]);
        }
    }

    // ---------------------------------------------------------------- end to end

    @ParameterizedTest
    @ValueSource(strings = {"nchw", "nhwc"})
    void conv2dMatchesNaiveReference(String layout) throws IOException {
        Random rnd = new Random(7);
        int n = 2, c = 4, h = 9, w = 7, k = 6, r = 3, s = 2, g = 2;
        float[] x = random(rnd, n * c * h * w), wt = random(rnd, k * (c / g) * r * s), b = random(rnd, k);
        Path xp = npy("x.npy", x, n, c, h, w), wp = npy("w.npy", wt, k, c / g, r, s), bp = npy("b.npy", b, k);
        Path yp = dir.resolve("y.npy");
        for (String algo : new String[] {"auto", "direct", "unfold-gemm", "implicit-gemm"}) {
            Result res = run("conv2d", "--input", xp.toString(), "--weight=" + wp, "--bias", bp.toString(), "--output",
                    yp.toString(), "--stride", "2,1", "--padding=1,2", "--dilation", "1,2", "--groups", "2", "--layout",
                    layout, "--algorithm", algo, "--device", "cpu");
            assertEquals(0, res.code(), res.err());
            assertEquals("", res.out());
            Npy.Header hd = Npy.readHeader(yp);
            int p = (h + 2 - 2 - 1) / 2 + 1, q = (w + 4 - 2 - 1) + 1;
            assertArrayEquals(new long[] {n, k, p, q}, hd.shape());
            assertEquals(Npy.Type.F32, hd.type());
            assertClose(naiveConv2d(x, n, c, h, w, wt, k, r, s, b, 2, 1, 1, 2, 1, 2, g), Npy.readFloats(yp), 1e-5);
        }
    }

    @Test
    void conv2dF16AndUnbatchedAndNoBias() {
        Random rnd = new Random(8);
        int c = 3, h = 6, w = 5, k = 2;
        float[] x = random(rnd, c * h * w), wt = random(rnd, k * c * 9);
        for (int i = 0; i < x.length; i++) x[i] = Float.float16ToFloat(Float.floatToFloat16(x[i]));
        for (int i = 0; i < wt.length; i++) wt[i] = Float.float16ToFloat(Float.floatToFloat16(wt[i]));
        Path xp = npy16("x16.npy", x, c, h, w), wp = npy16("w16.npy", wt, k, c, 3, 3);
        Path yp = dir.resolve("y16.npy");
        Result res = run("conv2d", "--input", xp.toString(), "--weight", wp.toString(), "--output", yp.toString(),
                "--padding", "same");
        assertEquals(0, res.code(), res.err());
        Npy.Header hd = Npy.readHeader(yp);
        assertEquals(Npy.Type.F16, hd.type(), "output dtype = input dtype");
        assertArrayEquals(new long[] {k, h, w}, hd.shape(), "unbatched in, unbatched out");
        // output rounded to fp16: relative 2^-11
        assertClose(naiveConv2d(x, 1, c, h, w, wt, k, 3, 3, null, 1, 1, 1, 1, 1, 1, 1), Npy.readFloats(yp), 2e-3);
    }

    @Test
    void conv1dAndConv3dMatchReference() {
        Random rnd = new Random(9);
        // conv1d, 'same' with an even kernel (asymmetric padding: 1 before, 2 after with dilation 1... k=4)
        float[] x1 = random(rnd, 2 * 3 * 11), w1 = random(rnd, 4 * 3 * 4), b1 = random(rnd, 4);
        Path y1 = dir.resolve("y1.npy");
        Result r1 = run("conv1d", "--input", npy("x1.npy", x1, 2, 3, 11).toString(), "--weight",
                npy("w1.npy", w1, 4, 3, 4).toString(), "--bias", npy("b1.npy", b1, 4).toString(), "--output",
                y1.toString(), "--padding", "same", "--dilation", "2");
        assertEquals(0, r1.code(), r1.err());
        long[][] sp = Reference.samePadding(new long[] {4}, new long[] {2});
        double[] ref1 = Reference.conv(x1, new long[] {2, 3, 11}, w1, new long[] {4, 3, 4}, b1, new long[] {1},
                sp[0], sp[1], new long[] {2}, 1);
        assertArrayEquals(new long[] {2, 4, 11}, Npy.readHeader(y1).shape());
        assertClose(ref1, Npy.readFloats(y1), 1e-5);

        float[] x3 = random(rnd, 1 * 2 * 5 * 6 * 7), w3 = random(rnd, 4 * 1 * 2 * 3 * 2);
        Path y3 = dir.resolve("y3.npy");
        Result r3 = run("conv3d", "--input", npy("x3.npy", x3, 1, 2, 5, 6, 7).toString(), "--weight",
                npy("w3.npy", w3, 4, 1, 2, 3, 2).toString(), "--output", y3.toString(), "--groups", "2", "--stride",
                "1,2,3", "--padding", "valid", "--layout", "nhwc");
        assertEquals(0, r3.code(), r3.err());
        double[] ref3 = Reference.conv(x3, new long[] {1, 2, 5, 6, 7}, w3, new long[] {4, 1, 2, 3, 2}, null,
                new long[] {1, 2, 3}, new long[3], new long[3], new long[] {1, 1, 1}, 2);
        assertArrayEquals(new long[] {1, 4, 4, 2, 2}, Npy.readHeader(y3).shape());
        assertClose(ref3, Npy.readFloats(y3), 1e-5);
    }

    @Test
    void emptyBatchGivesEmptyOutput() {
        Path yp = dir.resolve("e.npy");
        Result r = run("conv2d", "--input", npy("e0.npy", new float[0], 0, 2, 4, 4).toString(), "--weight",
                npy("ew.npy", new float[3 * 2 * 9], 3, 2, 3, 3).toString(), "--output", yp.toString());
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(new long[] {0, 3, 2, 2}, Npy.readHeader(yp).shape());
    }

    // ---------------------------------------------------------------- bad arguments

    Path[] smallFiles() {
        Random rnd = new Random(1);
        return new Path[] {npy("sx.npy", random(rnd, 2 * 4 * 5 * 5), 2, 4, 5, 5),
            npy("sw.npy", random(rnd, 6 * 4 * 9), 6, 4, 3, 3), npy("sb.npy", random(rnd, 6), 6)};
    }

    @Test
    void badArguments() {
        Path[] f = smallFiles();
        String x = f[0].toString(), w = f[1].toString(), b = f[2].toString(), y = dir.resolve("y.npy").toString();
        expectError(2, "unknown option --frobnicate for 'fastconv conv2d'", "conv2d", "--input", x, "--weight", w,
                "--output", y, "--frobnicate", "3");
        expectError(2, "missing required option --input", "conv2d", "--weight", w, "--output", y);
        expectError(2, "missing required option --output", "conv2d", "--input", x, "--weight", w);
        Result r = expectError(2, "", "conv2d", "--input", x, "--weight", w, "--output", y, "--stride", "0,1");
        assertEquals("fastconv: error: --stride: expected 1 or 2 positive integers, got \"0,1\"\n", r.err());
        expectError(2, "--stride: expected 1 or 2 positive integers, got \"1,2,3\"", "conv2d", "--input", x,
                "--weight", w, "--output", y, "--stride", "1,2,3");
        expectError(2, "--stride: expected 1 or 3 positive integers", "conv3d", "--input", x, "--weight", w,
                "--output", y, "--stride=a");
        expectError(2, "--padding: expected 1 or 2 non-negative integers, \"same\" or \"valid\", got \"-1\"", "conv2d",
                "--input", x, "--weight", w, "--output", y, "--padding", "-1");
        expectError(2, "--dilation: expected 1 positive integer, got \"0\"", "conv1d", "--input", x, "--weight", w,
                "--output", y, "--dilation", "0");
        expectError(2, "\"same\" is not supported for strided convolutions", "conv2d", "--input", x, "--weight", w,
                "--output", y, "--padding", "same", "--stride", "2");
        expectError(2, "--groups: the input's 4 channels are not divisible by groups=3", "conv2d", "--input", x,
                "--weight", w, "--output", y, "--groups", "3");
        expectError(2, "--groups: expected a positive integer, got \"0\"", "conv2d", "--input", x, "--weight", w,
                "--output", y, "--groups", "0");
        expectError(2, "weight.shape[1] is 4 but the input has 4 channels and groups=2", "conv2d", "--input", x,
                "--weight", w, "--output", y, "--groups", "2");
        expectError(2, "--precision: expected one of fp32, tf32, fp16, 3xtf32, got \"fp64\"", "conv2d", "--input", x,
                "--weight", w, "--output", y, "--precision", "fp64");
        expectError(2, "--algorithm: expected one of auto, direct, unfold-gemm, implicit-gemm", "conv2d", "--input",
                x, "--weight", w, "--output", y, "--algorithm", "winograd");
        expectError(2, "--device: expected auto, cpu, cuda or cuda:N, got \"tpu\"", "conv2d", "--input", x, "--weight",
                w, "--output", y, "--device", "tpu");
        expectError(2, "--layout: expected one of nchw, nhwc", "conv2d", "--input", x, "--weight", w, "--output", y,
                "--layout", "chwn");
        expectError(2, "--stride: missing value", "conv2d", "--input", x, "--weight", w, "--output", y, "--stride");
        expectError(2, "--stride given more than once", "conv2d", "--input", x, "--weight", w, "--output", y,
                "--stride", "1", "--stride", "2");
        expectError(2, "unexpected argument \"extra\"", "conv2d", "extra");
        expectError(2, "conv2d expects a 4-D (N, C, H, W) or 3-D unbatched (C, H, W) array, got shape (6,)",
                "conv2d", "--input", b, "--weight", w, "--output", y);
        expectError(2, "--weight: " + b + ": conv2d expects a 4-D (K, C/groups, R, S) array", "conv2d", "--input", x,
                "--weight", b, "--output", y);
        expectError(2, "--bias: " + w + ": expected shape (6,)", "conv2d", "--input", x, "--weight", w, "--bias", w,
                "--output", y);
        expectError(2, "kernel", "conv2d", "--input", npy("tiny.npy", new float[4], 1, 4, 1, 1).toString(),
                "--weight", w, "--output", y);
        expectError(2, "--output: " + dir.resolve("nodir/y.npy") + ": directory", "conv2d", "--input", x, "--weight",
                w, "--output", dir.resolve("nodir/y.npy").toString());
        expectError(2, "unknown command \"conv4d\"", "conv4d");
        assertEquals(2, run().code());
        assertFalse(Files.exists(Path.of(y)), "no output after failed runs");
    }

    @Test
    void mismatchedDtypes() {
        Path[] f = smallFiles();
        Path w16 = npy16("w16.npy", new float[6 * 4 * 9], 6, 4, 3, 3);
        Path y = dir.resolve("y.npy");
        expectError(2, "--weight: dtype float16 ('<f2') does not match the input's float32 ('<f4')", "conv2d",
                "--input", f[0].toString(), "--weight", w16.toString(), "--output", y.toString());
        Path b16 = npy16("b16.npy", new float[6], 6);
        expectError(2, "--bias: dtype float16", "conv2d", "--input", f[0].toString(), "--weight", f[1].toString(),
                "--bias", b16.toString(), "--output", y.toString());
        assertFalse(Files.exists(y));
    }

    @Test
    void cudaWithoutGpuIsAUserError() {
        assumeFalse(Device.all().stream().anyMatch(d -> !d.isCpu()), "a CUDA device is present");
        Path[] f = smallFiles();
        Path y = dir.resolve("y.npy");
        Result r = expectError(2, "--device: cuda: CUDA is not available", "conv2d", "--input", f[0].toString(),
                "--weight", f[1].toString(), "--output", y.toString(), "--device", "cuda");
        assertTrue(r.err().contains(FastConv.cudaStatus()), r.err());
        assertFalse(Files.exists(y));
        Result rb = expectError(2, FastConv.cudaStatus(), "bench", "--shape", "1,1,4,4,1,3,3", "--device", "cuda:0");
        assertEquals("", rb.out());
    }

    /** Every malformed-npy case through the CLI: exit 2, the message, and no output file. */
    @Test
    void malformedInputsThroughTheCli() throws IOException {
        Path[] f = smallFiles();
        List<Object[]> cases = NpyTest.malformed().map(a -> a.get()).toList();
        assertTrue(cases.size() >= 20);
        Path y = dir.resolve("out.npy");
        for (Object[] c : cases) {
            Path bad = dir.resolve("bad-" + c[0] + ".npy");
            Files.write(bad, (byte[]) c[1]);
            for (String role : new String[] {"input", "weight", "bias"}) {
                List<String> args = new ArrayList<>(List.of("conv2d", "--output", y.toString()));
                args.addAll(List.of("--input", role.equals("input") ? bad.toString() : f[0].toString()));
                args.addAll(List.of("--weight", role.equals("weight") ? bad.toString() : f[1].toString()));
                args.addAll(List.of("--bias", role.equals("bias") ? bad.toString() : f[2].toString()));
                Result r = expectError(2, (String) c[2], args.toArray(String[]::new));
                assertTrue(r.err().startsWith("fastconv: error: --" + role + ": " + bad + ": "), r.err());
                assertFalse(Files.exists(y), "no output file after " + c[0]);
            }
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temp files");
        }
    }

    @Test
    void failedRunKeepsExistingOutputAndLeavesNoTempFile() throws IOException {
        Path[] f = smallFiles();
        Path y = dir.resolve("keep.npy");
        Files.writeString(y, "previous contents");
        expectError(2, "not divisible", "conv2d", "--input", f[0].toString(), "--weight", f[1].toString(), "--output",
                y.toString(), "--groups", "4");
        assertEquals("previous contents", Files.readString(y));
        Result ok = run("conv2d", "--input", f[0].toString(), "--weight", f[1].toString(), "--output", y.toString());
        assertEquals(0, ok.code(), ok.err());
        assertArrayEquals(new long[] {2, 6, 3, 3}, Npy.readHeader(y).shape());
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temp files");
        }
    }

    @Test
    void helpAndInfo() {
        for (String cmd : new String[] {"conv1d", "conv2d", "conv3d", "bench", "info"}) {
            Result r = run(cmd, "--help");
            assertEquals(0, r.code());
            assertTrue(r.out().startsWith("usage: fastconv " + cmd), r.out());
        }
        assertEquals(0, run("--help").code());
        assertTrue(run("conv2d", "-h").out().contains("--padding"));
        Result info = run("info");
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("CUDA: " + FastConv.cudaStatus()), info.out());
        assertTrue(info.out().contains("[0] cpu"), info.out());
        assertTrue(info.out().contains("SIMD " + Device.cpu().simdLevel()), info.out());
        expectError(2, "unknown option --x for 'fastconv info'", "info", "--x");
    }

    /** An unexpected exception: exit 1, a one-line message, the stack trace only with --verbose. */
    @Test
    void internalErrorsExitOneWithTraceOnlyWhenVerbose() {
        for (boolean verbose : new boolean[] {false, true}) {
            ByteArrayOutputStream e = new ByteArrayOutputStream();
            PrintStream exploding = new PrintStream(new java.io.OutputStream() {
                @Override
                public void write(int b) {
                    throw new UnsupportedOperationException("boom");
                }
            });
            int code;
            try (PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8)) {
                code = Main.run(verbose ? new String[] {"info", "--verbose"} : new String[] {"info"}, exploding, pe);
            }
            String err = e.toString(StandardCharsets.UTF_8);
            assertEquals(1, code, err);
            assertTrue(err.startsWith("fastconv: internal error: java.lang.UnsupportedOperationException: boom"), err);
            assertEquals(verbose, err.contains("\tat "), err);
        }
    }

    // ---------------------------------------------------------------- bench

    @SuppressWarnings("unchecked")
    @Test
    void benchJsonParsesAndHasAllRows() {
        Result r = run("bench", "--shape", "1,3,12,10,4,3,3", "--padding", "1", "--repeat", "1", "--warmup", "0",
                "--json", "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("[9/9] implicit-gemm fp16"), "progress on stderr: " + r.err());
        Map<String, Object> root = (Map<String, Object>) MiniJson.parse(r.out());
        assertTrue(((String) root.get("device")).startsWith("cpu"), r.out());
        Map<String, Object> shape = (Map<String, Object>) root.get("shape");
        assertEquals(List.of(1.0, 3.0, 12.0, 10.0), shape.get("input"));
        assertEquals(List.of(4.0, 3.0, 3.0, 3.0), shape.get("weight"));
        assertEquals(List.of(1.0, 4.0, 12.0, 10.0), shape.get("output"));
        List<Map<String, Object>> rows = (List<Map<String, Object>>) root.get("results");
        assertEquals(9, rows.size());
        Set<String> combos = new HashSet<>();
        for (Map<String, Object> row : rows) {
            combos.add(row.get("algorithm") + "/" + row.get("precision"));
            assertTrue((Double) row.get("median_ms") > 0, row.toString());
            assertTrue((Double) row.get("gflops") > 0, row.toString());
            assertTrue((Double) row.get("max_abs_err") < 0.05, row.toString());
            assertEquals(Boolean.TRUE, row.get("allclose"), row.toString());
        }
        for (String a : new String[] {"direct", "unfold-gemm", "implicit-gemm"})
            for (String p : new String[] {"fp32", "tf32", "fp16"}) assertTrue(combos.contains(a + "/" + p), combos.toString());
    }

    @SuppressWarnings("unchecked")
    @Test
    void benchAutotuneResolvesAutoAndResetsTheSwitch() {
        FastConv.setAutotune(false);
        Result r = run("bench", "--shape", "1,8,10,10,8,3,3", "--padding", "1", "--repeat", "1", "--warmup", "0",
                "--algorithm", "auto", "--precision", "fp32,tf32", "--autotune", "--json", "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> root = (Map<String, Object>) MiniJson.parse(r.out());
        assertEquals(Boolean.TRUE, root.get("autotune"), r.out());
        List<Map<String, Object>> rows = (List<Map<String, Object>>) root.get("results");
        assertEquals(2, rows.size());
        for (Map<String, Object> row : rows) {
            assertEquals(Boolean.TRUE, row.get("allclose"), row.toString());
            assertTrue(List.of("direct", "unfold-gemm", "implicit-gemm").contains(row.get("resolved_algorithm")),
                    row.toString());
        }
        // the switch is process-wide: the command hands it back to the environment when it is done
        String env = System.getenv("FASTCONV_AUTOTUNE");
        assertEquals(env != null && !env.isEmpty() && !env.equals("0"), FastConv.isAutotuneEnabled());
    }

    @SuppressWarnings("unchecked")
    @Test
    void benchNarrowedAndTable() {
        Result r = run("bench", "--shape", "2,4,9,4,3", "--groups", "2", "--stride", "2", "--repeat", "3", "--warmup",
                "1", "--json", "--algorithm", "direct,implicit-gemm", "--precision", "fp32", "--layout", "nhwc",
                "--dtype", "f16");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> root = (Map<String, Object>) MiniJson.parse(r.out());
        List<Map<String, Object>> rows = (List<Map<String, Object>>) root.get("results");
        assertEquals(2, rows.size());
        assertEquals(List.of(2.0, 4.0, 9.0), ((Map<String, Object>) root.get("shape")).get("input"));
        rows.forEach(row -> assertEquals(Boolean.TRUE, row.get("allclose"), row.toString()));

        Result t = run("bench", "--shape", "1,2,6,6,3,3,3", "--repeat", "2", "--check");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("bias adds not counted"), t.out());
        assertTrue(t.out().contains("rtol 2e-03"), t.out());
        assertEquals(9, t.out().lines().filter(l -> l.matches("^(direct|unfold-gemm|implicit-gemm) .* yes$")).count(),
                t.out());
        expectError(2, "--shape: expected B,C,W,K,S", "bench", "--shape", "1,2,3");
        expectError(2, "--precision: expected a comma-separated list", "bench", "--precision", "fp32,bf16");
        expectError(2, "--repeat: expected a positive integer", "bench", "--repeat", "0");
    }

    @Test
    void batchRunsManyCases() throws IOException {
        Path[] f = smallFiles();
        Path manifest = dir.resolve("m.txt");
        String ok = String.join("\t", "conv2d", "--input", f[0].toString(), "--weight", f[1].toString(), "--output",
                dir.resolve("b1.npy").toString());
        String bad = String.join("\t", "conv2d", "--input", f[0].toString(), "--weight", f[1].toString(), "--output",
                dir.resolve("b2.npy").toString(), "--groups", "5");
        Files.writeString(manifest, ok + "\n" + bad + "\n");
        Result r = run("batch", "--manifest", manifest.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("1\t0\t"), lines.get(0));
        assertTrue(lines.get(1).startsWith("2\t2\tfastconv: error: --groups"), lines.get(1));
        assertTrue(Files.exists(dir.resolve("b1.npy")));
        assertFalse(Files.exists(dir.resolve("b2.npy")));
    }
}
