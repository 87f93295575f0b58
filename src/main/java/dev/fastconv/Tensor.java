package dev.fastconv;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import dev.fastconv.internal.Native;
import dev.fastconv.internal.Shapes;

/**
 * A dense tensor: a logical shape (PyTorch's N, C, spatial... order), a dtype, a layout (how the
 * logical shape is ordered in memory, see {@link Layout}), a device and the memory holding it.
 * A tensor is a view: its lifetime is that of the {@link Arena} its memory belongs to; once that
 * arena is closed every use throws {@code IllegalStateException("...: tensor's arena is closed")}.
 *
 * <p>CPU tensors are ordinary native segments (64-byte aligned when allocated here). CUDA tensors'
 * memory comes from fc_malloc and is freed by a cleanup registered on the arena (copies use fc_memcpy
 * on the NULL stream, which is complete when it returns); their
 * {@link #segment()} has the device address but byte size 0, so Java code cannot dereference device
 * memory by mistake (use {@link #toFloatArray()}, {@link #copyTo} or {@link #copyFrom}).
 */
public final class Tensor {

    private static final long ZERO_CHUNK = 1 << 22;

    private final MemorySegment segment;
    private final long[] shape;
    private final DType dtype;
    private final Layout layout;
    private final Device device;
    private final long elementCount;
    private final long byteSize;

    private Tensor(MemorySegment segment, long[] shape, DType dtype, Layout layout, Device device, long elementCount, long byteSize) {
        this.segment = segment;
        this.shape = shape;
        this.dtype = dtype;
        this.layout = layout;
        this.device = device;
        this.elementCount = elementCount;
        this.byteSize = byteSize;
    }

    private static long[] checkShape(long[] shape) {
        if (shape == null) {
            throw new IllegalArgumentException("shape: must not be null");
        }
        if (shape.length == 0) {
            throw new IllegalArgumentException("shape: expected at least 1 dimension but got []");
        }
        return shape.clone();
    }

    private static void notNull(Object o, String what) {
        if (o == null) {
            throw new IllegalArgumentException(what + ": must not be null");
        }
    }

    /** A zero-filled tensor on {@code device} whose memory belongs to {@code arena}. */
    public static Tensor allocate(Arena arena, Device device, DType dtype, Layout layout, long... shape) {
        notNull(arena, "arena");
        notNull(device, "device");
        notNull(dtype, "dtype");
        notNull(layout, "layout");
        long[] s = checkShape(shape);
        long n = Shapes.elementCount("shape", s);
        long bytes = Shapes.byteSize("shape", s, dtype.byteSize());
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException("arena: is closed");
        }
        MemorySegment seg;
        if (device.isCpu()) {
            seg = arena.allocate(bytes, 64);
            seg.fill((byte) 0); // Arena.ofXxx() zero already; custom arenas may not
        } else {
            Native.init();
            MemorySegment ptr = Native.malloc(device.index(), bytes);
            int dev = device.index();
            try {
                zeroDevice(ptr, dev, bytes);
                seg = ptr.reinterpret(arena, p -> Native.freeQuietly(dev, p));
            } catch (RuntimeException | Error e) {
                Native.freeQuietly(dev, ptr);
                throw e;
            }
        }
        return new Tensor(seg, s, dtype, layout, device, n, bytes);
    }

    /**
     * A zero-filled CPU tensor in page-locked ("pinned") host memory from fc_malloc_host (plain
     * aligned host memory where the runtime offers no pinning), freed when {@code arena} closes.
     * Pinned buffers are what lets host-device copies on a CUDA stream run asynchronously and
     * overlap compute ({@link #copyFromAsync}).
     */
    public static Tensor allocatePinned(Arena arena, DType dtype, Layout layout, long... shape) {
        notNull(arena, "arena");
        notNull(dtype, "dtype");
        notNull(layout, "layout");
        long[] s = checkShape(shape);
        long n = Shapes.elementCount("shape", s);
        long bytes = Shapes.byteSize("shape", s, dtype.byteSize());
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException("arena: is closed");
        }
        Native.init();
        MemorySegment ptr;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            Native.check(dev.fastconv.ffi.FastConvFFI.fc_malloc_host(bytes, out), "fc_malloc_host");
            ptr = out.get(ValueLayout.ADDRESS, 0);
        }
        MemorySegment seg = ptr.reinterpret(bytes, arena, p -> dev.fastconv.ffi.FastConvFFI.fc_free_host(p));
        seg.fill((byte) 0);
        return new Tensor(seg, s, dtype, layout, Device.cpu(), n, bytes);
    }

    private static void zeroDevice(MemorySegment ptr, int dev, long bytes) {
        if (bytes == 0) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            long chunk = Math.min(bytes, ZERO_CHUNK);
            MemorySegment zeros = a.allocate(chunk, 64);
            for (long off = 0; off < bytes; off += chunk) {
                long len = Math.min(chunk, bytes - off);
                Native.memcpy(null, MemorySegment.ofAddress(ptr.address() + off), dev, zeros, 0, len);
            }
        }
    }

    /**
     * A CPU tensor over existing native memory. The segment must be native (off-heap), writable if
     * used as an output, at least as large as the shape needs, and aligned to the element size.
     */
    public static Tensor wrap(MemorySegment hostSegment, DType dtype, Layout layout, long... shape) {
        notNull(hostSegment, "segment");
        notNull(dtype, "dtype");
        notNull(layout, "layout");
        long[] s = checkShape(shape);
        long n = Shapes.elementCount("shape", s);
        long bytes = Shapes.byteSize("shape", s, dtype.byteSize());
        if (!hostSegment.isNative()) {
            throw new IllegalArgumentException("segment: must be a native (off-heap) segment, not a heap segment");
        }
        if (!hostSegment.scope().isAlive()) {
            throw new IllegalStateException("segment: its arena is closed");
        }
        if (hostSegment.byteSize() < bytes) {
            throw new IllegalArgumentException("segment: has " + hostSegment.byteSize() + " bytes but shape " + Shapes.str(s) + " of "
                    + dtype + " needs " + bytes + " (expected byteSize() >= " + bytes + ")");
        }
        if (hostSegment.address() % dtype.byteSize() != 0) {
            throw new IllegalArgumentException("segment: address 0x" + Long.toHexString(hostSegment.address()) + " is not aligned to "
                    + dtype.byteSize() + " bytes (expected a multiple of " + dtype + "'s element size " + dtype.byteSize() + ")");
        }
        Native.init();
        return new Tensor(hostSegment.asSlice(0, bytes), s, dtype, layout, Device.cpu(), n, bytes);
    }

    /** An F32, NCHW CPU tensor with {@code data} (logical row-major order of {@code shape}). */
    public static Tensor fromArray(Arena arena, float[] data, long... shape) {
        Native.init();
        return fromArray(arena, Device.cpu(), DType.F32, Layout.NCHW, data, shape);
    }

    /**
     * A tensor holding {@code data}, given in LOGICAL row-major order of {@code shape} (N, C,
     * spatial...) whatever the layout; converted to the layout (channels last permutes) and dtype
     * (F16: round to nearest even).
     */
    public static Tensor fromArray(Arena arena, Device device, DType dtype, Layout layout, float[] data, long... shape) {
        notNull(data, "data");
        Tensor t = allocate(arena, device, dtype, layout, shape);
        if (data.length != t.elementCount) {
            throw new IllegalArgumentException("data: has " + data.length + " elements but shape " + Shapes.str(t.shape) + " has "
                    + t.elementCount);
        }
        t.upload(host -> writeLogical(host, t, data, null));
        return t;
    }

    /** An F16, NCHW CPU tensor from IEEE binary16 bit patterns in logical order. */
    public static Tensor fromF16Bits(Arena arena, short[] bits, long... shape) {
        notNull(bits, "bits");
        Native.init();
        Tensor t = allocate(arena, Device.cpu(), DType.F16, Layout.NCHW, shape);
        if (bits.length != t.elementCount) {
            throw new IllegalArgumentException("bits: has " + bits.length + " elements but shape " + Shapes.str(t.shape) + " has "
                    + t.elementCount);
        }
        writeLogical(t.segment, t, null, bits);
        return t;
    }

    private interface HostWriter {
        void write(MemorySegment host);
    }

    private void upload(HostWriter w) {
        if (device.isCpu()) {
            w.write(segment);
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(byteSize, 64);
            w.write(host);
            Native.memcpy(null, segment, device.index(), host, 0, byteSize);
        }
    }

    private void download(HostWriter r) {
        checkAlive("tensor");
        if (device.isCpu()) {
            r.write(segment);
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(byteSize, 64);
            Native.memcpy(null, host, 0, segment, device.index(), byteSize);
            r.write(host);
        }
    }

    private int arrayLength() {
        if (elementCount > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("tensor: " + elementCount + " elements do not fit a Java array");
        }
        return (int) elementCount;
    }

    /** Memory index of logical row-major index i (for channels last with rank >= 3). */
    private static boolean permuted(Tensor t) {
        return t.layout == Layout.NHWC && t.shape.length >= 3;
    }

    private static void writeLogical(MemorySegment host, Tensor t, float[] f, short[] bits) {
        int n = (int) t.elementCount;
        boolean f16 = t.dtype == DType.F16;
        if (!permuted(t)) {
            if (f != null && !f16) {
                MemorySegment.copy(f, 0, host, ValueLayout.JAVA_FLOAT, 0, n);
            } else if (bits != null) {
                MemorySegment.copy(bits, 0, host, ValueLayout.JAVA_SHORT, 0, n);
            } else {
                for (int i = 0; i < n; i++) {
                    host.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16(f[i]));
                }
            }
            return;
        }
        long batch = t.shape[0], c = t.shape[1], s = Shapes.product(t.shape, 2);
        int i = 0;
        for (long b = 0; b < batch; b++) {
            for (long ch = 0; ch < c; ch++) {
                long base = b * s * c + ch;
                for (long p = 0; p < s; p++, i++) {
                    long m = base + p * c;
                    if (bits != null) {
                        host.setAtIndex(ValueLayout.JAVA_SHORT, m, bits[i]);
                    } else if (f16) {
                        host.setAtIndex(ValueLayout.JAVA_SHORT, m, Float.floatToFloat16(f[i]));
                    } else {
                        host.setAtIndex(ValueLayout.JAVA_FLOAT, m, f[i]);
                    }
                }
            }
        }
    }

    private static void readLogical(MemorySegment host, Tensor t, float[] f, short[] bits) {
        int n = (int) t.elementCount;
        boolean f16 = t.dtype == DType.F16;
        if (!permuted(t)) {
            if (f != null && !f16) {
                MemorySegment.copy(host, ValueLayout.JAVA_FLOAT, 0, f, 0, n);
            } else if (bits != null) {
                MemorySegment.copy(host, ValueLayout.JAVA_SHORT, 0, bits, 0, n);
            } else {
                for (int i = 0; i < n; i++) {
                    f[i] = Float.float16ToFloat(host.getAtIndex(ValueLayout.JAVA_SHORT, i));
                }
            }
            return;
        }
        long batch = t.shape[0], c = t.shape[1], s = Shapes.product(t.shape, 2);
        int i = 0;
        for (long b = 0; b < batch; b++) {
            for (long ch = 0; ch < c; ch++) {
                long base = b * s * c + ch;
                for (long p = 0; p < s; p++, i++) {
                    long m = base + p * c;
                    if (bits != null) {
                        bits[i] = host.getAtIndex(ValueLayout.JAVA_SHORT, m);
                    } else if (f16) {
                        f[i] = Float.float16ToFloat(host.getAtIndex(ValueLayout.JAVA_SHORT, m));
                    } else {
                        f[i] = host.getAtIndex(ValueLayout.JAVA_FLOAT, m);
                    }
                }
            }
        }
    }

    /** The values in logical row-major order (copied from the device if needed; F16 widened exactly). */
    public float[] toFloatArray() {
        checkAlive("tensor");
        float[] out = new float[arrayLength()];
        download(host -> readLogical(host, this, out, null));
        return out;
    }

    /** The IEEE binary16 bit patterns in logical order; F16 tensors only. */
    public short[] toF16Bits() {
        if (dtype != DType.F16) {
            throw new IllegalArgumentException("tensor: toF16Bits needs an F16 tensor but this one is " + dtype);
        }
        checkAlive("tensor");
        short[] out = new short[arrayLength()];
        download(host -> readLogical(host, this, null, out));
        return out;
    }

    /** A copy on {@code device} (same shape, dtype and layout) in {@code arena}. */
    public Tensor copyTo(Arena arena, Device device) {
        checkAlive("tensor");
        Tensor t = allocate(arena, device, dtype, layout, shape);
        t.copyFrom(this);
        return t;
    }

    /** Copies src's contents here; same shape, dtype and layout; any devices. */
    public void copyFrom(Tensor src) {
        notNull(src, "src");
        if (!Arrays.equals(shape, src.shape)) {
            throw new IllegalArgumentException("src: shape " + Shapes.str(src.shape) + " does not match " + Shapes.str(shape));
        }
        if (dtype != src.dtype) {
            throw new IllegalArgumentException("src: dtype " + src.dtype + " does not match " + dtype);
        }
        if (layout != src.layout) {
            throw new IllegalArgumentException("src: layout " + src.layout + " does not match " + layout);
        }
        src.checkAlive("src");
        checkAlive("tensor");
        if (byteSize == 0 || src == this) {
            return;
        }
        if (device.isCpu() && src.device.isCpu()) {
            MemorySegment.copy(src.segment, 0, segment, 0, byteSize);
        } else {
            Native.memcpy(null, segment, device.index(), src.segment, src.device.index(), byteSize);
        }
    }

    /**
     * Submits a copy of src's contents here to {@code stream} and returns at once: host to device
     * and device to host on a CUDA stream (the CUDA device's), or host to host on a CPU stream. Ordered
     * with the other work of the stream; both tensors must stay alive, src unchanged and this tensor
     * unread until the stream has passed the copy. With pinned host memory ({@link #allocatePinned})
     * a CUDA copy overlaps compute.
     */
    public void copyFromAsync(Tensor src, Stream stream) {
        notNull(src, "src");
        notNull(stream, "stream");
        if (!Arrays.equals(shape, src.shape)) {
            throw new IllegalArgumentException("src: shape " + Shapes.str(src.shape) + " does not match " + Shapes.str(shape));
        }
        if (dtype != src.dtype) {
            throw new IllegalArgumentException("src: dtype " + src.dtype + " does not match " + dtype);
        }
        if (layout != src.layout) {
            throw new IllegalArgumentException("src: layout " + src.layout + " does not match " + layout);
        }
        Device on = device.isCpu() ? src.device : device;
        if (stream.device() != on) {
            throw new IllegalArgumentException("stream: is on " + stream.device().spec() + " but the copy runs on " + on.spec()
                    + " (expected a stream of " + on.spec() + ")");
        }
        src.checkAlive("src");
        checkAlive("tensor");
        if (byteSize == 0 || src == this) {
            return;
        }
        stream.acquire();
        try {
            Native.memcpy(stream.handle(), segment, device.index(), src.segment, src.device.index(), byteSize);
        } finally {
            stream.release();
        }
    }

    public long[] shape() {
        return shape.clone();
    }

    /** The shape array itself, for O(1) checks inside this package; never modify. */
    long[] shapeRef() {
        return shape;
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        if (i < 0 || i >= shape.length) {
            throw new IndexOutOfBoundsException("dim: index " + i + " out of range for rank " + shape.length);
        }
        return shape[i];
    }

    public DType dtype() {
        return dtype;
    }

    public Layout layout() {
        return layout;
    }

    public Device device() {
        return device;
    }

    /** CPU: the tensor's bytes. CUDA: a zero-length segment holding the device address. */
    public MemorySegment segment() {
        return segment;
    }

    public long elementCount() {
        return elementCount;
    }

    public long byteSize() {
        return byteSize;
    }

    /** False once the arena owning the memory is closed. */
    public boolean isAlive() {
        return segment.scope().isAlive();
    }

    /** IllegalStateException("name: tensor's arena is closed") if it is. */
    void checkAlive(String name) {
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException(name + ": tensor's arena is closed");
        }
    }

    /** Whether the memory ranges of the two tensors overlap (same address space; both non-empty). */
    boolean overlaps(Tensor o) {
        if (byteSize == 0 || o.byteSize == 0 || (device.isCpu() != o.device.isCpu())) {
            return false;
        }
        long a = segment.address(), b = o.segment.address();
        return a < b + o.byteSize && b < a + byteSize;
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype + ", " + layout + ", " + device.spec() + ", " + Shapes.str(shape) + "]";
    }
}
