package dev.fastconv.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random mutations of valid .npy files: the parser must always either return a valid
 * header (consistent with the file size) or throw {@link NpyException} — never another exception,
 * never an OutOfMemoryError or a huge allocation.
 */
class NpyFuzzTest {

    static final int ITERATIONS = 4000;
    static final String ALPHABET = "{}()[],:'\" \n\t0123456789-+LlTrueFalseNonedescrshapefortran_order<>|=f2f4f8Oi\\\u00e9";

    @TempDir
    Path dir;

    @Test
    void mutatedHeadersFailCleanly() throws IOException {
        Random rnd = new Random(20240601L);
        byte[][] seeds = {
            Npy.headerBytes(Npy.Type.F32, new long[] {2, 3}),
            Npy.headerBytes(Npy.Type.F16, new long[] {4}),
            Npy.headerBytes(Npy.Type.F32, new long[] {1, 2, 2, 2}, 2),
            Npy.headerBytes(Npy.Type.F16, new long[] {}, 3),
            NpyTest.rawNpy(1, "{'shape': (3L,), 'fortran_order': False, 'descr': '=f4'}", new byte[0]),
        };
        Path file = dir.resolve("fuzz.npy");
        int valid = 0, rejected = 0;
        for (int it = 0; it < ITERATIONS; it++) {
            byte[] seed = seeds[rnd.nextInt(seeds.length)];
            byte[] data = new byte[rnd.nextInt(4) == 0 ? rnd.nextInt(64) : 96];
            rnd.nextBytes(data);
            byte[] f = concat(seed, data);
            int mutations = 1 + rnd.nextInt(4);
            for (int m = 0; m < mutations; m++) f = mutate(f, rnd);
            try {
                Npy.Header h = Npy.parseHeader(f, "fuzz.npy");
                valid++;
                assertTrue(h.dataOffset() + h.dataBytes() <= f.length, "header promises more data than the file has");
                assertTrue(h.type() == Npy.Type.F32 || h.type() == Npy.Type.F16);
            } catch (NpyException e) {
                rejected++;
                assertTrue(e.getMessage().startsWith("fuzz.npy: "), e.getMessage());
            } catch (Throwable t) {
                fail("iteration " + it + ": " + t + " for " + HexFormat.of().formatHex(f) + "\n"
                        + new String(f, StandardCharsets.ISO_8859_1), t);
            }
            if (it % 8 == 0) { // also the file path (FileChannel + allocation + read)
                Files.write(file, f);
                try (Arena a = Arena.ofConfined()) {
                    Npy.read(file, a);
                } catch (NpyException e) {
                    // fine
                } catch (Throwable t) {
                    fail("iteration " + it + " (file): " + t + " for " + HexFormat.of().formatHex(f), t);
                }
            }
        }
        assertTrue(valid > 50, "some mutants stay valid: " + valid);
        assertTrue(rejected > ITERATIONS / 4, "most mutants are rejected: " + rejected);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    static byte[] mutate(byte[] f, Random rnd) {
        if (f.length == 0) return new byte[] {(byte) rnd.nextInt(256)};
        int i = rnd.nextInt(f.length);
        int hdrEnd = Math.min(f.length, 140);
        int h = rnd.nextInt(Math.max(1, hdrEnd)); // most mutations hit the header
        switch (rnd.nextInt(10)) {
            case 0: { // flip a bit
                f = f.clone();
                f[h] ^= (byte) (1 << rnd.nextInt(8));
                return f;
            }
            case 1: { // a character from the header alphabet
                f = f.clone();
                f[h] = (byte) ALPHABET.charAt(rnd.nextInt(ALPHABET.length()));
                return f;
            }
            case 2: { // insert
                byte[] ins = ALPHABET.substring(rnd.nextInt(ALPHABET.length() - 4)).substring(0, 1 + rnd.nextInt(4))
                        .getBytes(StandardCharsets.UTF_8);
                byte[] r = new byte[f.length + ins.length];
                System.arraycopy(f, 0, r, 0, h);
                System.arraycopy(ins, 0, r, h, ins.length);
                System.arraycopy(f, h, r, h + ins.length, f.length - h);
                return r;
            }
            case 3: { // delete a run
                int len = Math.min(1 + rnd.nextInt(6), f.length - h);
                byte[] r = new byte[f.length - len];
                System.arraycopy(f, 0, r, 0, h);
                System.arraycopy(f, h + len, r, h, f.length - h - len);
                return r;
            }
            case 4: // truncate anywhere
                return Arrays.copyOf(f, i);
            case 5: { // random length field
                f = f.clone();
                if (f.length > 11) {
                    int pos = 8 + rnd.nextInt(4);
                    f[pos] = (byte) rnd.nextInt(256);
                }
                return f;
            }
            case 6: { // version byte
                f = f.clone();
                if (f.length > 7) f[6] = (byte) rnd.nextInt(5);
                return f;
            }
            case 7: { // a huge or odd number somewhere
                String[] nums = {"99999999999999999999", "4294967296", "-1", "0", "9223372036854775807", "1e3", "0x10",
                    "((((((((((((((((((((((((((((((((((((((", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["};
                byte[] ins = nums[rnd.nextInt(nums.length)].getBytes(StandardCharsets.US_ASCII);
                byte[] r = new byte[f.length + ins.length];
                System.arraycopy(f, 0, r, 0, h);
                System.arraycopy(ins, 0, r, h, ins.length);
                System.arraycopy(f, h, r, h + ins.length, f.length - h);
                return r;
            }
            case 8: { // duplicate a chunk
                int len = Math.min(1 + rnd.nextInt(20), f.length - h);
                byte[] r = new byte[f.length + len];
                System.arraycopy(f, 0, r, 0, h + len);
                System.arraycopy(f, h, r, h + len, f.length - h);
                return r;
            }
            default: { // random byte
                f = f.clone();
                f[h] = (byte) rnd.nextInt(256);
                return f;
            }
        }
    }
}
