package dev.fastconv.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The .npy reader/writer on its own (no native library needed). */
class NpyTest {

    @TempDir
    Path dir;

    /** A file image with the given version and header text (length field computed, no padding). */
    static byte[] rawNpy(int major, String header, byte[] data) {
        byte[] h = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            out.write(h.length & 0xff);
            out.write(h.length >>> 8 & 0xff);
        } else {
            for (int i = 0; i < 4; i++) out.write(h.length >>> (8 * i) & 0xff);
        }
        out.writeBytes(h);
        out.writeBytes(data);
        return out.toByteArray();
    }

    static byte[] floats(int n) {
        byte[] b = new byte[n * 4];
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToIntBits(i + 0.5f);
            for (int j = 0; j < 4; j++) b[4 * i + j] = (byte) (bits >>> (8 * j));
        }
        return b;
    }

    static Stream<Arguments> roundTrips() {
        return Stream.of(
                Arguments.of(Npy.Type.F32, new long[] {7}, 0),
                Arguments.of(Npy.Type.F32, new long[] {2, 3}, 1),
                Arguments.of(Npy.Type.F32, new long[] {2, 3, 4}, 2),
                Arguments.of(Npy.Type.F32, new long[] {1, 2, 3, 4}, 3),
                Arguments.of(Npy.Type.F32, new long[] {2, 1, 3, 2, 2}, 0),
                Arguments.of(Npy.Type.F16, new long[] {5}, 1),
                Arguments.of(Npy.Type.F16, new long[] {3, 2}, 2),
                Arguments.of(Npy.Type.F16, new long[] {2, 2, 3}, 0),
                Arguments.of(Npy.Type.F16, new long[] {1, 3, 2, 2}, 1),
                Arguments.of(Npy.Type.F16, new long[] {2, 2, 2, 2, 3}, 2),
                Arguments.of(Npy.Type.F32, new long[] {0, 3}, 1));
    }

    @ParameterizedTest
    @MethodSource("roundTrips")
    void roundTrip(Npy.Type type, long[] shape, int major) throws IOException {
        int n = 1;
        for (long d : shape) n *= (int) d;
        float[] v = new float[n];
        Random r = new Random(n);
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * 3);
        if (type == Npy.Type.F16) {
            for (int i = 0; i < n; i++) v[i] = Float.float16ToFloat(Float.floatToFloat16(v[i]));
        }
        Path p = dir.resolve("a.npy");
        Npy.writeFloats(p, type, shape, v, major);
        byte[] file = Files.readAllBytes(p);
        assertEquals(0, Npy.readHeader(p).dataOffset() % 64, "header padded to 64 bytes");
        assertEquals(major == 0 ? 1 : major, file[6]);
        Npy.Header h = Npy.readHeader(p);
        assertEquals(type, h.type());
        assertArrayEquals(shape, h.shape());
        assertArrayEquals(v, Npy.readFloats(p));
        try (Arena a = Arena.ofConfined()) {
            Npy.Array arr = Npy.read(p, a);
            assertEquals(0, arr.data().address() % 64, "data 64-byte aligned");
            assertEquals(h.dataBytes(), arr.data().byteSize());
        }
        // no stray temporary files
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count());
        }
    }

    @Test
    void headerTextLooksLikeNumpys() {
        byte[] h = Npy.headerBytes(Npy.Type.F32, new long[] {2, 3});
        String text = new String(h, 10, h.length - 10, StandardCharsets.ISO_8859_1);
        assertTrue(text.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), text);
        assertTrue(text.endsWith("\n"));
        assertEquals(0, h.length % 64);
        String one = new String(Npy.headerBytes(Npy.Type.F16, new long[] {5}), StandardCharsets.ISO_8859_1);
        assertTrue(one.contains("'shape': (5,)"), one);
    }

    /** The bytes NumPy 1.26 writes for np.save(f, np.arange(6, dtype=np.float32).reshape(2, 3)). */
    @Test
    void readsNumpyWrittenFile() throws IOException {
        String hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        hdr = hdr + " ".repeat(128 - 10 - hdr.length() - 1) + "\n";
        byte[] data = new byte[24];
        for (int i = 0; i < 6; i++) {
            int bits = Float.floatToIntBits(i);
            for (int j = 0; j < 4; j++) data[4 * i + j] = (byte) (bits >>> (8 * j));
        }
        Path p = dir.resolve("np.npy");
        Files.write(p, rawNpy(1, hdr, data));
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, Npy.readFloats(p));
    }

    static Stream<Arguments> acceptedHeaders() {
        return Stream.of(
                Arguments.of(1, "{'descr': '=f4', 'fortran_order': False, 'shape': (2, 2), }\n", 4),
                Arguments.of(1, "{'descr': '|f4', 'fortran_order': False, 'shape': (4,), }", 4),
                Arguments.of(1, "{'shape': (2L, 2L), 'fortran_order': False, 'descr': '<f4'}  \n", 4),
                Arguments.of(2, "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (1, 2, 2,)}", 4),
                Arguments.of(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), } \u00e9\n".replace(" \u00e9", ""), 4),
                Arguments.of(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 1),
                Arguments.of(1, "{'descr':'<f4','fortran_order':False,'shape':(2,2)}", 4));
    }

    @ParameterizedTest
    @MethodSource("acceptedHeaders")
    void acceptsVariants(int major, String header, int count) {
        Npy.Header h = Npy.parseHeader(rawNpy(major, header, floats(count)), "ok.npy");
        assertEquals(Npy.Type.F32, h.type());
        assertEquals(count, h.elementCount());
    }

    /** Each malformed file and the words its message must contain. */
    static Stream<Arguments> malformed() {
        String ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }\n";
        return Stream.of(
                Arguments.of("fortran", rawNpy(1, ok.replace("False", "True"), floats(4)), "Fortran-order"),
                Arguments.of("bigendian", rawNpy(1, ok.replace("<f4", ">f4"), floats(4)), "big-endian"),
                Arguments.of("float64", rawNpy(1, ok.replace("<f4", "<f8"), floats(8)), "unsupported dtype '<f8' (float64)"),
                Arguments.of("int32", rawNpy(1, ok.replace("<f4", "<i4"), floats(4)), "unsupported dtype '<i4'"),
                Arguments.of("object", rawNpy(1, ok.replace("<f4", "|O"), floats(4)), "object arrays"),
                Arguments.of("structured", rawNpy(1, ok.replace("'<f4'", "[('a', '<f4')]"), floats(4)), "structured"),
                Arguments.of("notdict", rawNpy(1, "[1, 2]\n", floats(4)), "expected a dictionary"),
                Arguments.of("syntax", rawNpy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2\n", floats(4)),
                        "malformed header"),
                Arguments.of("missingkey", rawNpy(1, "{'descr': '<f4', 'shape': (2, 2), }\n", floats(4)),
                        "missing key 'fortran_order'"),
                Arguments.of("extrakey", rawNpy(1, ok.replace("}", "'x': 1}"), floats(4)), "unexpected key 'x'"),
                Arguments.of("negative", rawNpy(1, ok.replace("(2, 2)", "(2, -2)"), floats(4)), "negative dimension"),
                Arguments.of("shapefloat", rawNpy(1, ok.replace("(2, 2)", "(2, 2.0)"), floats(4)), "malformed header"),
                Arguments.of("shapeoverflow", rawNpy(1, ok.replace("(2, 2)", "(4294967296, 4294967296)"), floats(4)),
                        "shape overflow"),
                Arguments.of("dimoverflow", rawNpy(1, ok.replace("(2, 2)", "(99999999999999999999999,)"), floats(4)),
                        "shape overflow"),
                Arguments.of("datashort", rawNpy(1, ok, floats(3)), "data is truncated"),
                Arguments.of("truncheader", java.util.Arrays.copyOf(rawNpy(1, ok, floats(4)), 30), "truncated header"),
                Arguments.of("absurdlen", absurd(), "absurd"),
                Arguments.of("badmagic", "hello world, not numpy at all".getBytes(StandardCharsets.US_ASCII), "bad magic"),
                Arguments.of("version", rawNpy(4, ok, floats(4)), "unsupported .npy format version 4.0"),
                Arguments.of("empty", new byte[0], "only 0 bytes"),
                Arguments.of("badutf8", badUtf8(), "UTF-8"));
    }

    static byte[] absurd() {
        byte[] b = rawNpy(2, "{}", new byte[0]);
        b[8] = (byte) 0xff;
        b[9] = (byte) 0xff;
        b[10] = (byte) 0xff;
        b[11] = (byte) 0x7f;
        return b;
    }

    static byte[] badUtf8() {
        byte[] b = rawNpy(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }XX", floats(1));
        int i = new String(b, StandardCharsets.ISO_8859_1).indexOf("XX");
        b[i] = (byte) 0xc3;
        b[i + 1] = (byte) 0x28;
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void rejectsMalformed(String name, byte[] file, String expected) throws IOException {
        NpyException e = assertThrows(NpyException.class, () -> Npy.parseHeader(file, name + ".npy"));
        assertTrue(e.getMessage().startsWith(name + ".npy: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        Path p = dir.resolve(name + ".npy");
        Files.write(p, file);
        try (Arena a = Arena.ofConfined()) {
            NpyException e2 = assertThrows(NpyException.class, () -> Npy.read(p, a));
            assertTrue(e2.getMessage().contains(expected), e2.getMessage());
        }
    }

    @Test
    void missingFileAndDirectory() {
        try (Arena a = Arena.ofConfined()) {
            NpyException e = assertThrows(NpyException.class, () -> Npy.read(dir.resolve("nope.npy"), a));
            assertTrue(e.getMessage().endsWith("nope.npy: no such file"), e.getMessage());
            NpyException d = assertThrows(NpyException.class, () -> Npy.read(dir, a));
            assertTrue(d.getMessage().contains("cannot read"), d.getMessage());
        }
        NpyException w = assertThrows(NpyException.class,
                () -> Npy.writeFloats(dir.resolve("no/such/dir/x.npy"), Npy.Type.F32, new long[] {1}, new float[1], 0));
        assertTrue(w.getMessage().contains("does not exist"), w.getMessage());
    }

    @Test
    void failedWriteLeavesNothingAndKeepsOldFile() throws IOException {
        Path p = dir.resolve("out.npy");
        Files.writeString(p, "old");
        try (Arena a = Arena.ofConfined()) {
            var seg = a.allocate(8);
            // data shorter than the shape: refused before anything is written
            assertThrows(IllegalArgumentException.class, () -> Npy.write(p, Npy.Type.F32, new long[] {4}, seg));
            // a segment whose arena is closed fails in the middle of writing
            Arena other = Arena.ofConfined();
            var dead = other.allocate(16);
            other.close();
            assertThrows(IllegalStateException.class, () -> Npy.write(p, Npy.Type.F32, new long[] {4}, dead));
            seg.set(ValueLayout.JAVA_FLOAT, 0, 1f);
        }
        assertEquals("old", Files.readString(p));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary file left");
        }
        assertFalse(Files.exists(dir.resolve("out.npy.tmp")));
    }
}
