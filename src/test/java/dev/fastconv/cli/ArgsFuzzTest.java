package dev.fastconv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Seeded random command lines for the argument parser: Args.parse and its typed getters either
 * succeed with values that satisfy their contract or throw CliException with a message that names
 * the option — never another exception (NumberFormatException, IndexOutOfBounds, ...).
 */
class ArgsFuzzTest {

    static final int ITERATIONS = 20_000;
    static final List<String> VALUES = ConvCommand.VALUE_OPTIONS;
    static final List<String> FLAGS = ConvCommand.FLAGS;
    static final String[] ATOMS = {"--", "-", "--=", "=", ",", ",,", " ", "", "0", "1", "-1", "2,3", "1,2,3", "1,2,3,4",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "99999999999999999999", "1e3", "0x10",
        "same", "valid", "SAME", "fp32", "TF32", "3xtf32", "auto", "direct", "unfold-gemm", "implicit-gemm", "nchw",
        "NHWC", "cpu", "cuda", "cuda:0", "cuda:-1", "cuda:99999999999", "x.npy", "\u00e9", "\0", "--help", "-h", "--verbose",
        "--verbose=1", " 3 ", "3 ,4", "+5", "٣"};

    static String randomToken(Random r) {
        switch (r.nextInt(6)) {
            case 0, 1: {
                String name = r.nextBoolean() ? VALUES.get(r.nextInt(VALUES.size())) : FLAGS.get(r.nextInt(FLAGS.size()));
                if (r.nextInt(8) == 0) name = name.substring(0, r.nextInt(name.length() + 1));
                String t = "--" + name;
                if (r.nextInt(3) == 0) t += "=" + ATOMS[r.nextInt(ATOMS.length)];
                return t;
            }
            case 2: return ATOMS[r.nextInt(ATOMS.length)];
            case 3: {
                StringBuilder b = new StringBuilder();
                int n = r.nextInt(12);
                for (int i = 0; i < n; i++) b.append((char) (r.nextInt(3) == 0 ? r.nextInt(0x3000) : 32 + r.nextInt(95)));
                return b.toString();
            }
            default: return ATOMS[r.nextInt(ATOMS.length)] + "," + ATOMS[r.nextInt(ATOMS.length)];
        }
    }

    @Test
    void randomCommandLinesParseOrFailCleanly() {
        Random r = new Random(20260601L);
        int parsed = 0, rejected = 0;
        for (int it = 0; it < ITERATIONS; it++) {
            String[] argv = new String[1 + r.nextInt(9)];
            argv[0] = "conv2d";
            for (int i = 1; i < argv.length; i++) argv[i] = randomToken(r);
            try {
                Args a = Args.parse("conv2d", argv, 1, VALUES, FLAGS);
                parsed++;
                for (String opt : VALUES) {
                    if (!a.has(opt)) continue;
                    String v = a.get(opt);
                    tryTyped(() -> {
                        long x = a.positiveLong(opt, 1);
                        assertTrue(x >= 1, opt + " positive: " + x);
                    });
                    tryTyped(() -> {
                        long x = a.nonNegativeLong(opt, 0);
                        assertTrue(x >= 0, opt + " non-negative: " + x);
                    });
                    tryTyped(() -> assertTrue(List.of("a", "b").contains(a.choice(opt, "a", "a", "b"))));
                    for (int dims = 1; dims <= 3; dims++) {
                        final int d = dims;
                        tryTyped(() -> {
                            long[] l = Args.intList(opt, v, d, 1);
                            assertEquals(d, l.length);
                            for (long x : l) assertTrue(x >= 1, Arrays.toString(l));
                        });
                        tryTyped(() -> {
                            long[] l = Args.intList(opt, v, d, 0);
                            assertEquals(d, l.length);
                            for (long x : l) assertTrue(x >= 0, Arrays.toString(l));
                        });
                    }
                }
            } catch (CliException e) {
                rejected++;
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
                assertEquals(2, e.exitCode(), e.getMessage());
            } catch (Throwable t) {
                fail("argv " + Arrays.toString(argv) + ": " + t, t);
            }
        }
        assertTrue(parsed > ITERATIONS / 20, "some command lines parse: " + parsed);
        assertTrue(rejected > ITERATIONS / 4, "most are rejected: " + rejected);
    }

    static void tryTyped(Runnable r) {
        try {
            r.run();
        } catch (CliException e) {
            assertTrue(e.getMessage().startsWith("--"), "message names the option: " + e.getMessage());
            assertEquals(2, e.exitCode());
        }
    }
}
