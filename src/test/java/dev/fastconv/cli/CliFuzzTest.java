package dev.fastconv.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.fastconv.FastConv;

/**
 * The CLI end to end on seeded random inputs: mutated .npy files (malformed headers, truncated
 * data, wrong dtype, Fortran order, absurd shapes) and mutated option values. Every run must end
 * with exit 0 (and a readable output of the right shape) or exit 2 with "fastconv: error: ..." —
 * never an internal error (exit 1), an exception escaping Main.run, or an OutOfMemoryError — and a
 * failed run leaves neither an output file nor a temporary file behind, and an existing output
 * file untouched.
 */
class CliFuzzTest {

    static final int ITERATIONS = 1500;

    @TempDir
    Path dir;

    @AfterEach
    void restoreThreads() {
        FastConv.setCpuThreads(0);
    }

    static byte[] npy(Npy.Type type, long[] shape, float[] values) {
        byte[] h = Npy.headerBytes(type, shape);
        ByteBuffer b = ByteBuffer.allocate(h.length + values.length * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(h);
        for (float v : values) {
            if (type == Npy.Type.F32) b.putFloat(v);
            else b.putShort(Float.floatToFloat16(v));
        }
        return b.array();
    }

    static float[] ramp(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (i % 11) * 0.125f - 0.5f;
        return a;
    }

    /** A whole-file replacement: a header with odd content and maybe some data. */
    static byte[] oddFile(Random r, Npy.Type type) {
        String[] dicts = {
            "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3, 5, 5), }",
            "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 3, 5, 5), }",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3, 5, 5), }",
            "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 3, 5, 5), }",
            "{'descr': '|O', 'fortran_order': False, 'shape': (1, 3, 5, 5), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807, 3, 5, 5), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 1, 1), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100000, 100000), }",
            "{'descr': '<f2', 'fortran_order': False, 'shape': (1, 3, 100000000, 100000000), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 5, -5), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3, 5, 5), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 0, 5, 5), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (" + "1, ".repeat(70) + "), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 5, 5), 'extra': 1, }",
            "{'descr': '<f4', 'shape': (1, 3, 5, 5), }",
        };
        String d = dicts[r.nextInt(dicts.length)];
        byte[] dict = d.getBytes(StandardCharsets.UTF_8);
        int total = (10 + dict.length + 1 + 63) / 64 * 64;
        byte[] h = new byte[total];
        byte[] magic = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
        System.arraycopy(magic, 0, h, 0, 8);
        int hl = total - 10;
        h[8] = (byte) hl;
        h[9] = (byte) (hl >>> 8);
        System.arraycopy(dict, 0, h, 10, dict.length);
        for (int i = 10 + dict.length; i < total - 1; i++) h[i] = ' ';
        h[total - 1] = '\n';
        byte[] data = new byte[r.nextBoolean() ? 75 * 4 : r.nextInt(400)];
        return NpyFuzzTest.concat(h, data);
    }

    static final String[] OPT_VALUES = {"1", "2", "0", "-1", "3,1", "1,2,3", "9223372036854775807", "4611686018427387904",
        "same", "valid", "x", "", "1,", "2,2", "100000000000"};

    @Test
    void mutatedFilesAndOptionsEndCleanly() throws IOException {
        Random r = new Random(20260602L);
        Path x = dir.resolve("x.npy"), w = dir.resolve("w.npy"), b = dir.resolve("b.npy"), y = dir.resolve("y.npy");
        int ok = 0, rejected = 0;
        for (int it = 0; it < ITERATIONS; it++) {
            Npy.Type type = r.nextInt(4) == 0 ? Npy.Type.F16 : Npy.Type.F32;
            byte[] xf = npy(type, new long[] {1, 3, 5, 5}, ramp(75));
            byte[] wf = npy(type, new long[] {4, 3, 3, 3}, ramp(108));
            byte[] bf = npy(type, new long[] {4}, ramp(4));
            List<String> args = new ArrayList<>(List.of("conv2d", "--input", x.toString(), "--weight", w.toString(),
                    "--output", y.toString(), "--device", "cpu"));
            boolean withBias = r.nextBoolean();
            if (withBias) args.addAll(List.of("--bias", b.toString()));
            switch (r.nextInt(6)) {
                case 0, 1 -> { // mutate one file
                    int which = r.nextInt(withBias ? 3 : 2);
                    int n = 1 + r.nextInt(4);
                    for (int m = 0; m < n; m++) {
                        if (which == 0) xf = NpyFuzzTest.mutate(xf, r);
                        else if (which == 1) wf = NpyFuzzTest.mutate(wf, r);
                        else bf = NpyFuzzTest.mutate(bf, r);
                    }
                }
                case 2 -> { // replace one file by an odd header (Fortran order, dtype, absurd shape, ...)
                    int which = r.nextInt(3);
                    if (which == 0) xf = oddFile(r, type);
                    else if (which == 1) wf = oddFile(r, type);
                    else bf = oddFile(r, type);
                }
                case 3 -> { // mixed dtypes or a truncated data section
                    if (r.nextBoolean()) wf = npy(type == Npy.Type.F32 ? Npy.Type.F16 : Npy.Type.F32, new long[] {4, 3, 3, 3}, ramp(108));
                    else xf = Arrays.copyOf(xf, r.nextInt(xf.length)); // truncated anywhere, header included
                }
                default -> { // odd option values
                    String[] opts = {"stride", "padding", "dilation", "groups", "precision", "algorithm", "layout", "threads"};
                    int n = 1 + r.nextInt(3);
                    for (int m = 0; m < n; m++) {
                        String o = opts[r.nextInt(opts.length)];
                        if (args.contains("--" + o)) continue;
                        String v = o.equals("threads") ? (r.nextBoolean() ? "1" : "x") : OPT_VALUES[r.nextInt(OPT_VALUES.length)];
                        if (o.equals("precision")) v = r.nextBoolean() ? "tf32" : "fp8";
                        if (o.equals("algorithm")) v = r.nextBoolean() ? "direct" : "winograd";
                        if (o.equals("layout")) v = r.nextBoolean() ? "nhwc" : "nchwc";
                        args.add("--" + o);
                        args.add(v);
                    }
                }
            }
            Files.write(x, xf);
            Files.write(w, wf);
            Files.write(b, bf);
            byte[] before = null;
            Files.deleteIfExists(y);
            if (r.nextInt(4) == 0) {
                before = "previous output".getBytes(StandardCharsets.US_ASCII);
                Files.write(y, before);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
            int rc;
            try (PrintStream po = new PrintStream(out, true, StandardCharsets.UTF_8);
                 PrintStream pe = new PrintStream(err, true, StandardCharsets.UTF_8)) {
                rc = Main.run(args.toArray(String[]::new), po, pe);
            } catch (Throwable t) {
                fail("iteration " + it + ": Main.run threw " + t + " for " + args, t);
                return;
            }
            String e = err.toString(StandardCharsets.UTF_8);
            if (rc == 0) {
                ok++;
                try (Arena a = Arena.ofConfined()) {
                    Npy.Array ya = Npy.read(y, a);
                    // (1, 4, H, W); (0, 4, H, W) for an input mutated to batch 0; (4, H, W) for an unbatched one
                    long[] s = ya.shape();
                    boolean shapeOk = s.length == 4 ? (s[0] == 0 || s[0] == 1) && s[1] == 4 : s.length == 3 && s[0] == 4;
                    assertTrue(shapeOk, "iteration " + it + ": output shape " + Arrays.toString(s) + " for " + args);
                }
            } else {
                rejected++;
                if (rc != 2 || !e.startsWith("fastconv: error: ")) {
                    fail("iteration " + it + ": exit " + rc + " for " + args + "\n" + e);
                }
                if (before == null) assertFalse(Files.exists(y), "iteration " + it + ": a failed run left " + y);
                else assertArrayEquals(before, Files.readAllBytes(y), "iteration " + it + ": a failed run changed the existing output");
            }
            try (Stream<Path> s = Files.list(dir)) {
                List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
                for (String n : names) {
                    if (!List.of("x.npy", "w.npy", "b.npy", "y.npy").contains(n)) {
                        fail("iteration " + it + ": stray file " + n + " left behind (exit " + rc + ", " + args + ")");
                    }
                }
            }
        }
        System.out.printf("CliFuzzTest: %d runs, %d succeeded, %d rejected with exit 2%n", ITERATIONS, ok, rejected);
        assertTrue(ok > ITERATIONS / 10, "some runs succeed: " + ok);
        assertTrue(rejected > ITERATIONS / 4, "many runs are rejected: " + rejected);
    }
}
