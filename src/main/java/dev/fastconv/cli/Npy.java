package dev.fastconv.cli;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A NumPy {@code .npy} reader and writer for the two dtypes fastconv computes with: float32
 * ({@code '<f4'}) and float16 ({@code '<f2'}), C order only.
 *
 * <p>Reading accepts format versions 1.0, 2.0 and 3.0 (3.0 = UTF-8 header). The byte-order
 * characters {@code '='} (native) and {@code '|'} (which NumPy also treats as native) are accepted
 * on this little-endian machine; {@code '>'} is refused. The data goes straight from the
 * {@link FileChannel} into a 64-byte-aligned {@link MemorySegment} (no heap copy), after the file
 * size has been checked against the shape, so a lying header never makes us allocate.
 *
 * <p>Writing goes to a temporary file in the destination directory that is then atomically
 * renamed: a failed write leaves no partial file (and an existing file untouched).
 */
public final class Npy {

    /** Larger headers are refused (NumPy itself refuses more than 10000 bytes by default). */
    public static final int MAX_HEADER_LENGTH = 1 << 20;
    /** NumPy 2's NPY_MAXDIMS. */
    public static final int MAX_RANK = 64;
    /** Header text plus preamble is padded to a multiple of this (as NumPy does). */
    static final int ALIGN = 64;
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int MAX_NESTING = 32;

    private Npy() {}

    /** The element types fastconv understands. */
    public enum Type {
        F32("<f4", 4, "float32"),
        F16("<f2", 2, "float16");

        private final String descr;
        private final int size;
        private final String numpyName;

        Type(String descr, int size, String numpyName) {
            this.descr = descr;
            this.size = size;
            this.numpyName = numpyName;
        }

        /** The descr written to files: {@code "<f4"} or {@code "<f2"}. */
        public String descr() {
            return descr;
        }

        public int byteSize() {
            return size;
        }

        public String numpyName() {
            return numpyName;
        }
    }

    /** A parsed header. {@code dataOffset} is where the array data starts in the file. */
    public record Header(int majorVersion, int minorVersion, Type type, long[] shape, long dataOffset) {
        public Header {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public int rank() {
            return shape.length;
        }

        public long elementCount() {
            long n = 1;
            for (long d : shape) n *= d; // checked at parse time: cannot overflow
            return n;
        }

        public long dataBytes() {
            return elementCount() * type.byteSize();
        }
    }

    /** An array read into native memory (owned by the arena it was read with). */
    public record Array(Header header, MemorySegment data) {
        public Type type() {
            return header.type();
        }

        public long[] shape() {
            return header.shape();
        }
    }

    /** {@code (2, 3)}, {@code (5,)}, {@code ()} — how NumPy prints shapes. */
    public static String shapeString(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(shape[i]);
        }
        if (shape.length == 1) sb.append(',');
        return sb.append(')').toString();
    }

    // ------------------------------------------------------------------ reading

    /** Reads a whole .npy file into a 64-byte-aligned segment of {@code arena}. */
    public static Array read(Path path, Arena arena) {
        String name = path.toString();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            Source src = new ChannelSource(ch);
            Header h = parseHeader(src, name);
            long bytes = h.dataBytes();
            MemorySegment seg;
            try {
                seg = arena.allocate(Math.max(bytes, 1), 64);
            } catch (OutOfMemoryError | IllegalArgumentException e) {
                throw new NpyException(name, "cannot allocate " + bytes + " bytes for shape "
                        + shapeString(h.shape()) + ": " + e.getMessage());
            }
            seg = seg.asSlice(0, bytes);
            long pos = h.dataOffset();
            long done = 0;
            while (done < bytes) {
                int chunk = (int) Math.min(bytes - done, 1L << 30);
                ByteBuffer bb = seg.asSlice(done, chunk).asByteBuffer();
                while (bb.hasRemaining()) {
                    int r = ch.read(bb, pos + done + bb.position());
                    if (r < 0) {
                        throw new NpyException(name, "data is truncated: the shape " + shapeString(h.shape())
                                + " needs " + bytes + " bytes after the header but the file ended after "
                                + (done + bb.position()));
                    }
                }
                done += chunk;
            }
            return new Array(h, seg);
        } catch (NoSuchFileException e) {
            throw new NpyException(name, "no such file");
        } catch (AccessDeniedException e) {
            throw new NpyException(name, "permission denied");
        } catch (IOException e) {
            throw new NpyException(name, "cannot read: " + e, e);
        }
    }

    /** Reads and checks only the header of a file. */
    public static Header readHeader(Path path) {
        String name = path.toString();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return parseHeader(new ChannelSource(ch), name);
        } catch (NoSuchFileException e) {
            throw new NpyException(name, "no such file");
        } catch (IOException e) {
            throw new NpyException(name, "cannot read: " + e, e);
        }
    }

    /** Parses the header of an in-memory file image (for tests and fuzzing). */
    public static Header parseHeader(byte[] file, String name) {
        try {
            return parseHeader(new ArraySource(file), name);
        } catch (IOException e) {
            throw new IllegalStateException(e); // cannot happen
        }
    }

    interface Source {
        long size() throws IOException;

        /** Reads exactly dst.length bytes at pos (the caller has checked the size). */
        void readFully(long pos, byte[] dst) throws IOException;
    }

    private record ArraySource(byte[] bytes) implements Source {
        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public void readFully(long pos, byte[] dst) {
            System.arraycopy(bytes, (int) pos, dst, 0, dst.length);
        }
    }

    private record ChannelSource(FileChannel ch) implements Source {
        @Override
        public long size() throws IOException {
            return ch.size();
        }

        @Override
        public void readFully(long pos, byte[] dst) throws IOException {
            ByteBuffer bb = ByteBuffer.wrap(dst);
            while (bb.hasRemaining()) {
                if (ch.read(bb, pos + bb.position()) < 0) throw new IOException("unexpected end of file");
            }
        }
    }

    static Header parseHeader(Source src, String name) throws IOException {
        long size = src.size();
        if (size < 10) {
            throw new NpyException(name, "not a .npy file: only " + size + " bytes long (a .npy file starts with a "
                    + "10-byte preamble)");
        }
        byte[] pre = new byte[(int) Math.min(size, 12)];
        src.readFully(0, pre);
        for (int i = 0; i < MAGIC.length; i++) {
            if (pre[i] != MAGIC[i]) {
                throw new NpyException(name, "not a .npy file: bad magic string (expected \\x93NUMPY, got "
                        + printable(pre, 0, 6) + ")");
            }
        }
        int major = pre[6] & 0xff, minor = pre[7] & 0xff;
        if ((major != 1 && major != 2 && major != 3) || minor != 0) {
            throw new NpyException(name, "unsupported .npy format version " + major + "." + minor
                    + " (supported: 1.0, 2.0, 3.0)");
        }
        int lenBytes = major == 1 ? 2 : 4;
        if (size < 8 + lenBytes) {
            throw new NpyException(name, "truncated header: the file ends inside the header length field");
        }
        long hlen;
        if (major == 1) {
            hlen = (pre[8] & 0xffL) | (pre[9] & 0xffL) << 8;
        } else {
            hlen = (pre[8] & 0xffL) | (pre[9] & 0xffL) << 8 | (pre[10] & 0xffL) << 16 | (pre[11] & 0xffL) << 24;
        }
        if (hlen > MAX_HEADER_LENGTH) {
            throw new NpyException(name, "header length " + hlen + " is absurd (limit " + MAX_HEADER_LENGTH
                    + " bytes); the file is corrupt");
        }
        long dataOffset = 8 + lenBytes + hlen;
        if (dataOffset > size) {
            throw new NpyException(name, "truncated header: the header says it is " + hlen + " bytes long but the file"
                    + " has only " + (size - 8 - lenBytes) + " bytes after the preamble");
        }
        byte[] text = new byte[(int) hlen];
        src.readFully(8 + lenBytes, text);
        String header;
        if (major == 3) {
            try {
                header = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(text)).toString();
            } catch (CharacterCodingException e) {
                throw new NpyException(name, "malformed header: not valid UTF-8 (format version 3.0)");
            }
        } else {
            header = new String(text, StandardCharsets.ISO_8859_1);
        }
        Header h = parseHeaderText(header, major, minor, dataOffset, name);
        long need = h.dataBytes();
        if (size - dataOffset < need) {
            throw new NpyException(name, "data is truncated: the shape " + shapeString(h.shape()) + " of "
                    + h.type().numpyName() + " needs " + need + " bytes after the header but the file has "
                    + (size - dataOffset));
        }
        return h;
    }

    static Header parseHeaderText(String text, int major, int minor, long dataOffset, String name) {
        Object v;
        try {
            PyLiteral p = new PyLiteral(text);
            v = p.parseValue(0);
            p.skipSpace();
            if (!p.atEnd()) throw p.error("unexpected text after the dictionary");
        } catch (PyLiteral.SyntaxError e) {
            throw new NpyException(name, "malformed header: " + e.getMessage() + " in " + quote(text));
        }
        if (!(v instanceof Map<?, ?> map)) {
            throw new NpyException(name, "malformed header: expected a dictionary, got " + quote(text));
        }
        for (Object k : map.keySet()) {
            if (!(k instanceof String s) || !(s.equals("descr") || s.equals("fortran_order") || s.equals("shape"))) {
                throw new NpyException(name, "malformed header: unexpected key " + repr(k)
                        + " (expected exactly 'descr', 'fortran_order' and 'shape')");
            }
        }
        for (String k : new String[] {"descr", "fortran_order", "shape"}) {
            if (!map.containsKey(k)) throw new NpyException(name, "malformed header: missing key '" + k + "'");
        }
        Type type = parseDescr(map.get("descr"), name);
        Object fo = map.get("fortran_order");
        if (!(fo instanceof Boolean b)) {
            throw new NpyException(name, "malformed header: 'fortran_order' must be True or False, got " + repr(fo));
        }
        if (b) {
            throw new NpyException(name, "Fortran-order (column-major) arrays are not supported; save a C-order array "
                    + "(e.g. np.save(f, np.ascontiguousarray(a)))");
        }
        Object so = map.get("shape");
        if (!(so instanceof Tuple t)) {
            throw new NpyException(name, "malformed header: 'shape' must be a tuple of integers, got " + repr(so));
        }
        if (t.items().size() > MAX_RANK) {
            throw new NpyException(name, "malformed header: shape has " + t.items().size() + " dimensions (limit "
                    + MAX_RANK + ")");
        }
        long[] shape = new long[t.items().size()];
        BigInteger count = BigInteger.ONE;
        for (int i = 0; i < shape.length; i++) {
            Object d = t.items().get(i);
            if (!(d instanceof BigInteger bi)) {
                throw new NpyException(name, "malformed header: shape entry " + i + " is " + repr(d)
                        + ", not an integer");
            }
            if (bi.signum() < 0) {
                throw new NpyException(name, "malformed header: negative dimension " + bi + " in shape");
            }
            if (bi.bitLength() > 62) {
                throw new NpyException(name, "shape overflow: dimension " + bi + " is too large");
            }
            shape[i] = bi.longValue();
            count = count.multiply(bi);
        }
        BigInteger bytes = count.multiply(BigInteger.valueOf(type.byteSize()));
        if (bytes.bitLength() > 62) {
            throw new NpyException(name, "shape overflow: " + shapeString(shape) + " of " + type.numpyName()
                    + " would be " + bytes + " bytes");
        }
        return new Header(major, minor, type, shape, dataOffset);
    }

    private static Type parseDescr(Object d, String name) {
        if (d instanceof List<?> || d instanceof Tuple) {
            throw new NpyException(name, "structured (record) dtypes are not supported; expected float32 ('<f4') or "
                    + "float16 ('<f2')");
        }
        if (!(d instanceof String s)) {
            throw new NpyException(name, "malformed header: 'descr' must be a string, got " + repr(d));
        }
        String code = s;
        char order = '=';
        if (!s.isEmpty() && "<>=|".indexOf(s.charAt(0)) >= 0) {
            order = s.charAt(0);
            code = s.substring(1);
        }
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        Type t = switch (code) {
            case "f4" -> Type.F32;
            case "f2", "e" -> Type.F16;
            case "f" -> Type.F32;
            default -> null;
        };
        if (code.equals("O") || code.startsWith("O")) {
            throw new NpyException(name, "object arrays ('" + s + "') are not supported; expected float32 ('<f4') or "
                    + "float16 ('<f2')");
        }
        if (t == null) {
            throw new NpyException(name, "unsupported dtype '" + s + "'" + describeCode(code)
                    + "; expected float32 ('<f4') or float16 ('<f2') (convert with a.astype(np.float32))");
        }
        if (order == '>' || ((order == '=' || order == '|') && !little)) {
            throw new NpyException(name, "big-endian data ('" + s + "') is not supported; expected little-endian '"
                    + t.descr() + "' (convert with a.astype('" + t.descr() + "'))");
        }
        return t;
    }

    private static String describeCode(String code) {
        return switch (code) {
            case "f8", "d" -> " (float64)";
            case "f16", "g" -> " (longdouble)";
            case "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1", "i", "l", "q", "b", "B" -> " (integer/bool)";
            default -> "";
        };
    }

    private static String printable(byte[] b, int from, int len) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < Math.min(b.length, from + len); i++) {
            int c = b[i] & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\\') sb.append((char) c);
            else sb.append(String.format("\\x%02x", c));
        }
        return sb.toString();
    }

    private static String quote(String text) {
        String t = text.length() > 200 ? text.substring(0, 200) + "..." : text;
        StringBuilder sb = new StringBuilder("\"");
        for (char c : t.toCharArray()) {
            if (c == '\n') sb.append("\\n");
            else if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
        }
        return sb.append('"').toString();
    }

    private static String repr(Object o) {
        String s;
        if (o instanceof String str) s = "'" + str + "'";
        else if (o instanceof Boolean b) s = b ? "True" : "False";
        else if (o == PyLiteral.NONE) s = "None";
        else s = String.valueOf(o);
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    /** A Python tuple literal. */
    record Tuple(List<Object> items) {
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("(");
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) sb.append(", ");
                sb.append(repr(items.get(i)));
            }
            if (items.size() == 1) sb.append(',');
            return sb.append(')').toString();
        }
    }

    /**
     * A parser for the Python literal subset NumPy headers use: dicts, tuples, lists, strings,
     * integers (with Python 2's {@code L} suffix), True/False/None. Nesting is bounded.
     */
    static final class PyLiteral {
        static final Object NONE = new Object() {
            @Override
            public String toString() {
                return "None";
            }
        };

        static final class SyntaxError extends Exception {
            private static final long serialVersionUID = 1L;

            SyntaxError(String m) {
                super(m);
            }
        }

        private final String s;
        private int pos;

        PyLiteral(String s) {
            this.s = s;
        }

        SyntaxError error(String what) {
            return new SyntaxError(what + " at offset " + pos);
        }

        boolean atEnd() {
            return pos >= s.length();
        }

        void skipSpace() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') pos++;
                else break;
            }
        }

        private boolean eat(char c) {
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == c) {
                pos++;
                return true;
            }
            return false;
        }

        Object parseValue(int depth) throws SyntaxError {
            if (depth > MAX_NESTING) throw error("nesting too deep");
            skipSpace();
            if (atEnd()) throw error("unexpected end of header");
            char c = s.charAt(pos);
            switch (c) {
                case '{': {
                    pos++;
                    Map<Object, Object> m = new LinkedHashMap<>();
                    if (eat('}')) return m;
                    while (true) {
                        Object k = parseValue(depth + 1);
                        if (!(k instanceof String) && !(k instanceof BigInteger)) throw error("unsupported dictionary key");
                        if (!eat(':')) throw error("expected ':'");
                        Object v = parseValue(depth + 1);
                        if (m.containsKey(k)) throw error("duplicate key " + repr(k));
                        m.put(k, v);
                        if (eat('}')) return m;
                        if (!eat(',')) throw error("expected ',' or '}'");
                        if (eat('}')) return m;
                    }
                }
                case '(':
                case '[': {
                    pos++;
                    char close = c == '(' ? ')' : ']';
                    List<Object> items = new ArrayList<>();
                    boolean comma = false;
                    if (eat(close)) return c == '(' ? new Tuple(items) : items;
                    while (true) {
                        items.add(parseValue(depth + 1));
                        if (eat(close)) break;
                        if (!eat(',')) throw error("expected ',' or '" + close + "'");
                        comma = true;
                        if (eat(close)) break;
                    }
                    if (c == '[') return items;
                    if (items.size() == 1 && !comma) return items.get(0); // (x) is just x
                    return new Tuple(items);
                }
                case '\'':
                case '"': {
                    pos++;
                    StringBuilder sb = new StringBuilder();
                    while (true) {
                        if (atEnd()) throw error("unterminated string");
                        char d = s.charAt(pos++);
                        if (d == c) break;
                        if (d == '\n') throw error("newline in string");
                        if (d == '\\') {
                            if (atEnd()) throw error("unterminated string");
                            char e = s.charAt(pos++);
                            switch (e) {
                                case 'n' -> sb.append('\n');
                                case 't' -> sb.append('\t');
                                case '\\', '\'', '"' -> sb.append(e);
                                default -> throw error("unsupported escape \\" + e);
                            }
                        } else {
                            sb.append(d);
                        }
                        if (sb.length() > 4096) throw error("string too long");
                    }
                    return sb.toString();
                }
                default:
                    break;
            }
            if (c == '-' || c == '+' || (c >= '0' && c <= '9')) {
                int start = pos;
                if (c == '-' || c == '+') pos++;
                int digits = pos;
                while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') pos++;
                if (pos == digits) throw error("expected a digit");
                if (pos - digits > 40) throw error("integer too long");
                BigInteger v = new BigInteger(s.substring(start, pos).replace("+", ""));
                if (pos < s.length() && (s.charAt(pos) == 'L' || s.charAt(pos) == 'l')) pos++; // Python 2 long
                if (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '.'
                        || s.charAt(pos) == '_')) {
                    throw error("not an integer");
                }
                return v;
            }
            if (Character.isLetter(c) || c == '_') {
                int start = pos;
                while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) pos++;
                String word = s.substring(start, pos);
                switch (word) {
                    case "True":
                        return Boolean.TRUE;
                    case "False":
                        return Boolean.FALSE;
                    case "None":
                        return NONE;
                    default:
                        pos = start;
                        throw error("unexpected name '" + (word.length() > 40 ? word.substring(0, 40) + "..." : word) + "'");
                }
            }
            throw error("unexpected character " + quote(String.valueOf(c)));
        }
    }

    // ------------------------------------------------------------------ writing

    /** The header bytes (preamble included) NumPy would write for this array; version 1.0 when it fits. */
    public static byte[] headerBytes(Type type, long[] shape) {
        return headerBytes(type, shape, 0);
    }

    /** {@code forceMajor}: 0 = automatic (1 if it fits, else 2), or 1/2/3. */
    public static byte[] headerBytes(Type type, long[] shape, int forceMajor) {
        String dict = "{'descr': '" + type.descr() + "', 'fortran_order': False, 'shape': " + shapeString(shape) + ", }";
        byte[] d = dict.getBytes(StandardCharsets.UTF_8);
        int major = forceMajor != 0 ? forceMajor : (10 + d.length + 1 <= 65535 ? 1 : 2);
        int pre = major == 1 ? 10 : 12;
        int total = pre + d.length + 1;
        int padded = (total + ALIGN - 1) / ALIGN * ALIGN;
        int hlen = padded - pre;
        if (major == 1 && hlen > 65535) throw new IllegalArgumentException("header too long for format 1.0");
        byte[] out = new byte[padded];
        System.arraycopy(MAGIC, 0, out, 0, 6);
        out[6] = (byte) major;
        out[7] = 0;
        out[8] = (byte) hlen;
        out[9] = (byte) (hlen >>> 8);
        if (major != 1) {
            out[10] = (byte) (hlen >>> 16);
            out[11] = (byte) (hlen >>> 24);
        }
        System.arraycopy(d, 0, out, pre, d.length);
        for (int i = pre + d.length; i < padded - 1; i++) out[i] = ' ';
        out[padded - 1] = '\n';
        return out;
    }

    /** Writes an array (data = its C-order bytes, little-endian) atomically. */
    public static void write(Path path, Type type, long[] shape, MemorySegment data) {
        write(path, type, shape, data, 0);
    }

    public static void write(Path path, Type type, long[] shape, MemorySegment data, int forceMajor) {
        String name = path.toString();
        long count = 1;
        for (long d : shape) count = Math.multiplyExact(count, d);
        long bytes = count * type.byteSize();
        if (data.byteSize() < bytes) {
            throw new IllegalArgumentException("data has " + data.byteSize() + " bytes, shape needs " + bytes);
        }
        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new NpyException(name, "cannot write: directory " + dir + " does not exist");
        }
        if (Files.isDirectory(abs)) {
            throw new NpyException(name, "cannot write: it is a directory");
        }
        Path tmp = null;
        boolean moved = false;
        try {
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException | IOException ignored) {
                // not a POSIX file system: keep the default permissions
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer hb = ByteBuffer.wrap(headerBytes(type, shape, forceMajor));
                while (hb.hasRemaining()) ch.write(hb);
                long done = 0;
                while (done < bytes) {
                    int chunk = (int) Math.min(bytes - done, 1L << 30);
                    ByteBuffer bb = data.asSlice(done, chunk).asByteBuffer();
                    while (bb.hasRemaining()) ch.write(bb);
                    done += chunk;
                }
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } catch (AccessDeniedException e) {
            throw new NpyException(name, "cannot write: permission denied (" + e.getFile() + ")");
        } catch (IOException e) {
            throw new NpyException(name, "cannot write: " + e, e);
        } finally {
            if (!moved && tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    /** Convenience for tests: writes float data as F32 or (rounded) F16. */
    public static void writeFloats(Path path, Type type, long[] shape, float[] values, int forceMajor) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(Math.max(1, (long) values.length * type.byteSize()), 64);
            for (int i = 0; i < values.length; i++) {
                if (type == Type.F32) seg.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, values[i]);
                else seg.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, i, Float.floatToFloat16(values[i]));
            }
            write(path, type, shape, seg.asSlice(0, (long) values.length * type.byteSize()), forceMajor);
        }
    }

    /** Convenience for tests: reads a file's values as floats (F16 widened). */
    public static float[] readFloats(Path path) {
        try (Arena a = Arena.ofConfined()) {
            Array arr = read(path, a);
            long n = arr.header().elementCount();
            if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("too large");
            float[] out = new float[(int) n];
            for (int i = 0; i < out.length; i++) {
                out[i] = arr.type() == Type.F32
                        ? arr.data().getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i)
                        : Float.float16ToFloat(arr.data().getAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, i));
            }
            return out;
        }
    }
}
