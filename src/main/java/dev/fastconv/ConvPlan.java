package dev.fastconv;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;

import dev.fastconv.ffi.FastConvFFI;
import dev.fastconv.ffi.fc_conv_desc;
import dev.fastconv.internal.Downcalls;
import dev.fastconv.internal.Guard;
import dev.fastconv.internal.Native;
import dev.fastconv.internal.Shapes;

/**
 * A convolution planned for one problem (options, shapes, dtype, layout, device): owns a native
 * fc_conv_plan and its workspaces. Immutable and thread-safe.
 *
 * <h2>Hot path</h2>
 * In steady state {@link #forward} and {@link #forwardAsync} allocate nothing on the Java heap: the
 * argument checks compare against the shapes cached here (O(1)), the native call goes through a
 * method handle resolved once ({@code internal.Downcalls}, invokeExact), the use-versus-close guard
 * is one CAS and one atomic add, and workspaces come from a per-plan pool of native buffers.
 *
 * <h2>Workspace and threads</h2>
 * The workspace ({@link #workspaceSize()} bytes on the plan's device, possibly 0) comes from a
 * pool owned by the plan: one buffer is allocated with the plan; a {@link #forward} that finds
 * every buffer in use (another thread is running the plan) adds one to the pool, so the pool grows
 * to the largest number of threads that ever ran the plan at once and no further, and steady-state
 * calls allocate nothing. Several threads may run one plan at once (each with its own output) and
 * get the same bits as one thread.
 *
 * <h2>Asynchronous execution</h2>
 * {@link #forwardAsync} submits the convolution to {@code stream} and returns at once, on the CPU
 * too (a CPU stream is an in-order queue run by a worker thread of its own). Until the stream has
 * passed the call ({@link Stream#synchronize()}, an {@link Event} recorded after it, or
 * {@link Stream#onComplete()}): x, w, bias and y must stay alive (their arenas open), y must not be
 * read, and none of them may be written. Each stream gets a workspace of its own from this plan
 * (allocated on first use with that stream, kept until the plan is closed or the stream is seen
 * closed); calls on one stream are ordered, so they can share it, and calls on different streams
 * never share one. The plan itself stays alive as long as a stream may still run it:
 * {@link #close()} synchronizes every stream the plan was submitted to first.
 *
 * <h2>Heap arrays</h2>
 * {@link #forward(float[], float[], float[], float[])} (F32) and
 * {@link #forward(short[], short[], short[], short[])} (F16 bit patterns) take Java arrays holding
 * the tensors in the plan's memory layout (what {@link Tensor#segment()} would hold). On the CPU, for
 * plans of at most {@code -Dfastconv.heapCriticalMaxMacs} multiply-adds (default 2^24), the arrays
 * are passed to native code without a copy through a critical downcall with heap access; no
 * garbage collection can start while such a call runs, which is why larger plans stage through
 * native buffers (a copy in and out, GC unaffected). On CUDA they always stage through host buffers
 * from fc_malloc_host and device buffers owned by the plan.
 *
 * <h2>Closing</h2>
 * {@link #close()} is idempotent. It waits for {@code forward}/{@code forwardAsync} calls in progress
 * in other threads to return, synchronizes the streams the plan was submitted to, then frees the
 * workspaces and the native plan; every later call throws
 * {@code IllegalStateException("plan is closed")}.
 */
public final class ConvPlan implements AutoCloseable {

    private final Conv conv;
    private final Device device;
    private final DType dtype;
    private final Layout layout;
    private final long[] inputShape;
    private final long[] weightShape;
    private final long[] biasShape;
    private final long[] outputShape;
    private final long[] padBegin;
    private final long[] padEnd;
    private final boolean hasBias;
    private final boolean empty; // batch 0: nothing to compute
    private final Algorithm algorithm;
    private final long workspaceSize;
    private final MemorySegment plan;
    private final MemorySegment ownStream; // CUDA: the stream blocking forward() runs on and waits for; CPU: NULL
    /** Streams this plan was submitted to, with their workspace (NULL when workspaceSize == 0). */
    private final Map<Stream, StreamWorkspace> streamWorkspaces = new IdentityHashMap<>();
    private final Guard guard = new Guard("plan");
    private final long macs;              // multiply-adds of one forward
    private final boolean shortCall;      // CPU and macs <= Downcalls.criticalMaxMacs(): critical downcall
    private final boolean heapZeroCopy;   // CPU and macs <= Downcalls.heapCriticalMaxMacs()
    private final long xElems, wElems, bElems, yElems;
    private volatile Slot[] slots;        // workspace pool (copy-on-write; grows under "this")

    /** One pooled workspace (and, lazily, staging buffers for the heap-array path). */
    private static final class Slot {
        static final VarHandle BUSY;

        static {
            try {
                BUSY = MethodHandles.lookup().findVarHandle(Slot.class, "busy", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final MemorySegment ws; // NULL when the plan needs none
        @SuppressWarnings("unused")
        volatile int busy;
        // staging (heap arrays beyond the zero-copy limit, or CUDA); only touched by the slot's holder
        MemorySegment hx, hw, hb, hy; // host, byteSize set
        MemorySegment dx, dw, db, dy; // CUDA device buffers
        // heap-array zero-copy path: the arrays of the last call and their heap segments, so that a
        // caller reusing its arrays (the usual service pattern) allocates no MemorySegment per call
        // (escape analysis removes MemorySegment.ofArray only sometimes). Keeps those arrays
        // reachable until the next heap-array call on this slot or close().
        Object ax, aw, ab, ay;
        MemorySegment sx, sw, sb, sy;

        MemorySegment heapX(Object a) {
            if (a != ax) {
                sx = a instanceof float[] f ? MemorySegment.ofArray(f) : MemorySegment.ofArray((short[]) a);
                ax = a;
            }
            return sx;
        }

        MemorySegment heapW(Object a) {
            if (a != aw) {
                sw = a instanceof float[] f ? MemorySegment.ofArray(f) : MemorySegment.ofArray((short[]) a);
                aw = a;
            }
            return sw;
        }

        MemorySegment heapB(Object a) {
            if (a == null) {
                return MemorySegment.NULL;
            }
            if (a != ab) {
                sb = a instanceof float[] f ? MemorySegment.ofArray(f) : MemorySegment.ofArray((short[]) a);
                ab = a;
            }
            return sb;
        }

        MemorySegment heapY(Object a) {
            if (a != ay) {
                sy = a instanceof float[] f ? MemorySegment.ofArray(f) : MemorySegment.ofArray((short[]) a);
                ay = a;
            }
            return sy;
        }

        void forgetArrays() {
            ax = aw = ab = ay = null;
            sx = sw = sb = sy = null;
        }

        Slot(MemorySegment ws) {
            this.ws = ws;
        }

        boolean tryTake() {
            return busy == 0 && BUSY.compareAndSet(this, 0, 1);
        }

        void put() {
            BUSY.setRelease(this, 0);
        }
    }

    ConvPlan(Conv conv, Device device, DType dtype, Layout layout, long[] inputShape, long[] weightShape, boolean hasBias) {
        this.conv = conv;
        this.device = device;
        this.dtype = dtype;
        this.layout = layout;
        this.inputShape = inputShape == null ? null : inputShape.clone();
        this.weightShape = weightShape == null ? null : weightShape.clone();
        Conv.Geometry g = conv.geometry(this.inputShape, this.weightShape);
        this.outputShape = g.outShape();
        this.padBegin = g.padBegin();
        this.padEnd = g.padEnd();
        this.hasBias = hasBias;
        this.biasShape = new long[] {this.weightShape[0]};
        Shapes.byteSize("input", this.inputShape, dtype.byteSize());
        Shapes.byteSize("weight", this.weightShape, dtype.byteSize());
        Shapes.byteSize("output", this.outputShape, dtype.byteSize());
        this.empty = this.inputShape[0] == 0;
        this.xElems = Shapes.elementCount("input", this.inputShape);
        this.wElems = Shapes.elementCount("weight", this.weightShape);
        this.bElems = hasBias ? this.weightShape[0] : 0;
        this.yElems = Shapes.elementCount("output", this.outputShape);
        // y elements x reduction length (C/groups x kernel volume); saturating
        long red = Shapes.product(this.weightShape, 1);
        this.macs = red != 0 && yElems > Long.MAX_VALUE / red ? Long.MAX_VALUE : yElems * red;
        int d = conv.spatialDims();
        Native.init();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment desc = fc_conv_desc.allocate(a);
            Native.check(FastConvFFI.fc_conv_desc_init(desc), "fc_conv_desc_init");
            fc_conv_desc.spatial_dims(desc, d);
            fc_conv_desc.dtype(desc, dtype.ordinal());
            fc_conv_desc.precision(desc, conv.precision().ordinal());
            fc_conv_desc.layout(desc, layout.ordinal());
            fc_conv_desc.algorithm(desc, conv.algorithm().ordinal());
            fc_conv_desc.has_bias(desc, hasBias ? 1 : 0);
            fc_conv_desc.activation(desc, conv.activation().ordinal());
            fc_conv_desc.batch(desc, Math.max(1, this.inputShape[0]));
            fc_conv_desc.in_channels(desc, this.inputShape[1]);
            fc_conv_desc.out_channels(desc, this.weightShape[0]);
            fc_conv_desc.groups(desc, conv.groups());
            long[] stride = conv.stride();
            long[] dilation = conv.dilation();
            for (int i = 0; i < d; i++) {
                fc_conv_desc.in_size(desc, i, this.inputShape[i + 2]);
                fc_conv_desc.kernel_size(desc, i, this.weightShape[i + 2]);
                fc_conv_desc.stride(desc, i, stride[i]);
                fc_conv_desc.pad_begin(desc, i, padBegin[i]);
                fc_conv_desc.pad_end(desc, i, padEnd[i]);
                fc_conv_desc.dilation(desc, i, dilation[i]);
            }
            // second line of defence: the native library checks the descriptor with the same rules
            Native.check(FastConvFFI.fc_conv_desc_validate(desc), "fc_conv_desc_validate");
            MemorySegment outSize = a.allocate(ValueLayout.JAVA_LONG, 3);
            Native.check(FastConvFFI.fc_conv_output_size(desc, outSize), "fc_conv_output_size");
            for (int i = 0; i < d; i++) {
                if (outSize.getAtIndex(ValueLayout.JAVA_LONG, i) != outputShape[i + 2]) {
                    throw new FastConvException("FC_ERROR_INTERNAL", "native output size " + outSize.getAtIndex(ValueLayout.JAVA_LONG, i)
                            + " differs from the Java side's " + outputShape[i + 2] + " in spatial dim " + i + " for " + conv);
                }
            }
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            Native.check(FastConvFFI.fc_conv_plan_create(desc, device.index(), out), "fc_conv_plan_create");
            this.plan = out.get(ValueLayout.ADDRESS, 0);
            MemorySegment ws = MemorySegment.NULL;
            try {
                MemorySegment algo = a.allocate(ValueLayout.JAVA_INT);
                Native.check(FastConvFFI.fc_conv_plan_algorithm(plan, algo), "fc_conv_plan_algorithm");
                int ai = algo.get(ValueLayout.JAVA_INT, 0);
                Algorithm[] all = Algorithm.values();
                this.algorithm = ai >= 0 && ai < all.length ? all[ai] : Algorithm.AUTO;
                MemorySegment wsBytes = a.allocate(ValueLayout.JAVA_LONG);
                Native.check(FastConvFFI.fc_conv_plan_workspace_size(plan, wsBytes), "fc_conv_plan_workspace_size");
                this.workspaceSize = wsBytes.get(ValueLayout.JAVA_LONG, 0);
                if (workspaceSize < 0) {
                    throw new FastConvException("FC_ERROR_INTERNAL", "negative workspace size " + workspaceSize);
                }
                if (workspaceSize > 0) {
                    ws = Native.malloc(device.index(), workspaceSize);
                }
                this.slots = new Slot[] {new Slot(ws)};
                if (device.isCpu()) {
                    this.ownStream = MemorySegment.NULL;
                } else {
                    MemorySegment so = a.allocate(ValueLayout.ADDRESS);
                    Native.check(FastConvFFI.fc_stream_create(device.index(), so), "fc_stream_create");
                    this.ownStream = so.get(ValueLayout.ADDRESS, 0);
                }
            } catch (RuntimeException | Error e) {
                if (!ws.equals(MemorySegment.NULL)) {
                    Native.freeQuietly(device.index(), ws);
                }
                FastConvFFI.fc_conv_plan_destroy(plan);
                throw e;
            }
        }
        this.shortCall = device.isCpu() && macs <= Downcalls.criticalMaxMacs();
        this.heapZeroCopy = device.isCpu() && macs <= Downcalls.heapCriticalMaxMacs();
        if (FastConv.LOG.isLoggable(System.Logger.Level.DEBUG)) {
            FastConv.LOG.log(System.Logger.Level.DEBUG, "plan " + conv + " on " + device.spec() + ", " + dtype + ", " + layout
                    + ", input " + Shapes.str(this.inputShape) + ": algorithm " + algorithm.cliName() + ", workspace " + workspaceSize
                    + " B, " + macs + " MACs, " + (shortCall ? "critical" : "plain") + " downcall, heap arrays "
                    + (heapZeroCopy ? "zero-copy" : "staged"));
        }
    }

    public Conv conv() {
        return conv;
    }

    public Device device() {
        return device;
    }

    public DType dtype() {
        return dtype;
    }

    public Layout layout() {
        return layout;
    }

    public long[] inputShape() {
        return inputShape.clone();
    }

    public long[] weightShape() {
        return weightShape.clone();
    }

    public long[] outputShape() {
        return outputShape.clone();
    }

    /** Bias shape (K) (whether or not the plan has a bias). */
    public long[] biasShape() {
        return biasShape.clone();
    }

    public long[] paddingBegin() {
        return padBegin.clone();
    }

    public long[] paddingEnd() {
        return padEnd.clone();
    }

    public boolean hasBias() {
        return hasBias;
    }

    /** The algorithm the native plan runs (AUTO resolved). */
    public Algorithm algorithm() {
        return algorithm;
    }

    public long workspaceSize() {
        return workspaceSize;
    }

    /** A zero-filled output tensor of {@link #outputShape()} on the plan's device. */
    public Tensor allocateOutput(Arena arena) {
        guard.ensureOpen();
        return Tensor.allocate(arena, device, dtype, layout, outputShape);
    }

    /** y = act(conv(x, w) + bias); blocks until y is written. bias must be null iff !hasBias(). */
    public void forward(Tensor x, Tensor w, Tensor bias, Tensor y) {
        guard.acquire();
        try {
            checkArgs(x, w, bias, y);
            if (empty) {
                return;
            }
            MemorySegment b = bias == null ? MemorySegment.NULL : bias.segment();
            if (workspaceSize == 0) {
                call(x.segment(), w.segment(), b, y.segment(), MemorySegment.NULL);
                return;
            }
            Slot sl = takeSlot();
            try {
                call(x.segment(), w.segment(), b, y.segment(), sl.ws);
            } finally {
                sl.put();
            }
        } finally {
            guard.release();
        }
    }

    /**
     * Submits y = act(conv(x, w) + bias) to {@code stream} and returns without waiting (CPU and
     * CUDA); see the class comment for what must stay alive until the stream has passed it.
     */
    public void forwardAsync(Stream stream, Tensor x, Tensor w, Tensor bias, Tensor y) {
        if (stream == null) {
            throw new IllegalArgumentException("stream: must not be null (use forward() for the default stream)");
        }
        guard.acquire();
        try {
            if (stream.device() != device) {
                throw new IllegalArgumentException("stream: is on " + stream.device().spec() + " but the plan is on " + device.spec()
                        + " (expected a stream of " + device.spec() + ")");
            }
            checkArgs(x, w, bias, y);
            if (empty) {
                return;
            }
            stream.acquire();
            try {
                MemorySegment ws = streamWorkspace(stream);
                MemorySegment b = bias == null ? MemorySegment.NULL : bias.segment();
                // CPU: the native side only appends to the stream's queue (short: critical handle)
                int st = device.isCpu()
                        ? Downcalls.forwardShort(plan, stream.handle(), x.segment(), w.segment(), b, y.segment(), ws)
                        : Downcalls.forward(plan, stream.handle(), x.segment(), w.segment(), b, y.segment(), ws);
                if (st != 0) {
                    throw Native.failure(st, "fc_conv_forward");
                }
            } finally {
                stream.release();
            }
        } finally {
            guard.release();
        }
    }

    /**
     * One blocking fc_conv_forward. CPU: the NULL stream (done on return), through the critical
     * handle for tiny plans. CUDA: the plan's own stream, then waits for it, so the workspace is free
     * again on return.
     */
    private void call(MemorySegment x, MemorySegment w, MemorySegment bias, MemorySegment y, MemorySegment ws) {
        if (device.isCpu()) {
            int st = shortCall
                    ? Downcalls.forwardShort(plan, MemorySegment.NULL, x, w, bias, y, ws)
                    : Downcalls.forward(plan, MemorySegment.NULL, x, w, bias, y, ws);
            if (st != 0) {
                throw Native.failure(st, "fc_conv_forward");
            }
            return;
        }
        int st = Downcalls.forward(plan, ownStream, x, w, bias, y, ws);
        if (st != 0) {
            throw Native.failure(st, "fc_conv_forward");
        }
        Native.check(FastConvFFI.fc_stream_synchronize(ownStream), "fc_stream_synchronize");
    }

    /** A free pooled workspace, marked busy (put() it back); adds one to the pool when all are busy. */
    private Slot takeSlot() {
        Slot[] s = slots;
        for (int i = 0; i < s.length; i++) {
            Slot sl = s[i];
            if (sl.tryTake()) {
                return sl;
            }
        }
        return growSlots();
    }

    private synchronized Slot growSlots() {
        Slot[] s = slots;
        for (int i = 0; i < s.length; i++) { // one may have been freed or added meanwhile
            if (s[i].tryTake()) {
                return s[i];
            }
        }
        Slot sl = new Slot(workspaceSize == 0 ? MemorySegment.NULL : Native.malloc(device.index(), workspaceSize));
        sl.tryTake();
        Slot[] grown = Arrays.copyOf(s, s.length + 1);
        grown[s.length] = sl;
        slots = grown;
        return sl;
    }

    /** Number of pooled workspaces (grows with the largest number of threads running the plan at once). */
    int pooledWorkspaces() {
        return slots.length;
    }

    private void freeSlot(Slot sl) {
        sl.forgetArrays();
        int dev = device.index();
        freeNonNull(dev, sl.ws);
        if (device.isCpu()) {
            freeNonNull(0, sl.hx);
            freeNonNull(0, sl.hw);
            freeNonNull(0, sl.hb);
            freeNonNull(0, sl.hy);
        } else {
            freeHost(sl.hx);
            freeHost(sl.hw);
            freeHost(sl.hb);
            freeHost(sl.hy);
            freeNonNull(dev, sl.dx);
            freeNonNull(dev, sl.dw);
            freeNonNull(dev, sl.db);
            freeNonNull(dev, sl.dy);
        }
    }

    private static void freeNonNull(int dev, MemorySegment p) {
        if (p != null && p.address() != 0) {
            Native.freeQuietly(dev, p);
        }
    }

    private static void freeHost(MemorySegment p) {
        if (p != null && p.address() != 0) {
            FastConvFFI.fc_free_host(MemorySegment.ofAddress(p.address()));
        }
    }

    /**
     * The workspace this plan keeps for {@code stream}: made on first use, freed when the stream is
     * closed (its queue has drained by then) or when the plan is closed, whichever comes first.
     */
    private MemorySegment streamWorkspace(Stream stream) {
        synchronized (streamWorkspaces) {
            StreamWorkspace sw = streamWorkspaces.get(stream);
            if (sw == null) {
                MemorySegment ws = workspaceSize == 0 ? MemorySegment.NULL : Native.malloc(device.index(), workspaceSize);
                sw = new StreamWorkspace(ws, () -> releaseStreamWorkspace(stream));
                streamWorkspaces.put(stream, sw);
                stream.addCloseAction(sw.release());
            }
            return sw.segment();
        }
    }

    private void releaseStreamWorkspace(Stream stream) {
        synchronized (streamWorkspaces) {
            StreamWorkspace sw = streamWorkspaces.remove(stream);
            if (sw != null) {
                freeNonNull(device.index(), sw.segment());
            }
        }
    }

    private record StreamWorkspace(MemorySegment segment, Runnable release) {}

    // ---- heap arrays ------------------------------------------------------------------------

    /**
     * y = act(conv(x, w) + bias) on F32 Java arrays holding the tensors in the plan's layout (the
     * order {@link Tensor#segment()} holds them in); blocks until y is written. CPU plans up to
     * {@code -Dfastconv.heapCriticalMaxMacs} multiply-adds: no copy (see the class comment).
     */
    public void forward(float[] x, float[] w, float[] bias, float[] y) {
        if (dtype != DType.F32) {
            throw new IllegalArgumentException("x: float[] needs an F32 plan but this plan is for " + dtype + " (use short[] bit patterns)");
        }
        checkHeap(x, x == null ? -1 : x.length, w, w == null ? -1 : w.length, bias, bias == null ? -1 : bias.length, y,
                y == null ? -1 : y.length);
        forwardHeapChecked(x, w, bias, y, 4);
    }

    /** As {@link #forward(float[], float[], float[], float[])} for F16 plans, on IEEE binary16 bit patterns. */
    public void forward(short[] x, short[] w, short[] bias, short[] y) {
        if (dtype != DType.F16) {
            throw new IllegalArgumentException("x: short[] (fp16 bits) needs an F16 plan but this plan is for " + dtype);
        }
        checkHeap(x, x == null ? -1 : x.length, w, w == null ? -1 : w.length, bias, bias == null ? -1 : bias.length, y,
                y == null ? -1 : y.length);
        forwardHeapChecked(x, w, bias, y, 2);
    }

    /** The body of both heap-array forwards, after their arrays were checked; es = element bytes. */
    private void forwardHeapChecked(Object x, Object w, Object bias, Object y, long es) {
        guard.acquire();
        try {
            if (empty) {
                return;
            }
            if (heapZeroCopy) {
                Slot sl = takeSlot();
                try {
                    int st = Downcalls.forwardHeap(plan, MemorySegment.NULL, sl.heapX(x), sl.heapW(w), sl.heapB(bias), sl.heapY(y), sl.ws);
                    if (st != 0) {
                        throw Native.failure(st, "fc_conv_forward");
                    }
                } finally {
                    sl.put();
                }
            } else {
                stagedImpl(x, w, bias, y, es == 4 ? ValueLayout.JAVA_FLOAT : ValueLayout.JAVA_SHORT, es);
            }
        } finally {
            guard.release();
        }
    }

    /** Whether heap-array forwards of this plan pass the arrays without a copy (CPU, small enough). */
    public boolean heapArraysZeroCopy() {
        return heapZeroCopy;
    }

    private void checkHeap(Object x, int xl, Object w, int wl, Object bias, int bl, Object y, int yl) {
        if (x == null) {
            throw new IllegalArgumentException("input: must not be null");
        }
        if (w == null) {
            throw new IllegalArgumentException("weight: must not be null");
        }
        if (y == null) {
            throw new IllegalArgumentException("output: must not be null");
        }
        if (hasBias != (bias != null)) {
            throw new IllegalArgumentException(hasBias ? "bias: the plan was made with a bias; expected " + bElems + " elements but got null"
                    : "bias: the plan was made without a bias; expected null");
        }
        if (xl != xElems) {
            throw new IllegalArgumentException("input: has " + xl + " elements but the plan expects " + xElems + " " + Shapes.str(inputShape));
        }
        if (wl != wElems) {
            throw new IllegalArgumentException("weight: has " + wl + " elements but the plan expects " + wElems + " " + Shapes.str(weightShape));
        }
        if (bias != null && bl != bElems) {
            throw new IllegalArgumentException("bias: has " + bl + " elements but the plan expects " + bElems);
        }
        if (yl != yElems) {
            throw new IllegalArgumentException("output: has " + yl + " elements but the plan expects " + yElems + " " + Shapes.str(outputShape));
        }
        if (y == x || y == w || y == bias) {
            throw new IllegalArgumentException("output: is the same array as an input (expected a separate output array)");
        }
    }

    /** Heap arrays through native staging buffers of a pooled slot (large CPU plans; CUDA). */
    private void stagedImpl(Object x, Object w, Object bias, Object y, ValueLayout elem, long es) {
        Slot sl = takeSlot();
        try {
            boolean cpu = device.isCpu();
            if (sl.hx == null) {
                sl.hx = hostBuffer(xElems * es);
                sl.hw = hostBuffer(wElems * es);
                sl.hb = hostBuffer(Math.max(1, bElems) * es);
                sl.hy = hostBuffer(yElems * es);
                if (!cpu) {
                    sl.dx = Native.malloc(device.index(), xElems * es);
                    sl.dw = Native.malloc(device.index(), wElems * es);
                    sl.db = Native.malloc(device.index(), Math.max(1, bElems) * es);
                    sl.dy = Native.malloc(device.index(), yElems * es);
                }
            }
            MemorySegment.copy(x, 0, sl.hx, elem, 0, (int) xElems);
            MemorySegment.copy(w, 0, sl.hw, elem, 0, (int) wElems);
            if (bias != null) {
                MemorySegment.copy(bias, 0, sl.hb, elem, 0, (int) bElems);
            }
            if (cpu) {
                call(sl.hx, sl.hw, bias == null ? MemorySegment.NULL : sl.hb, sl.hy, sl.ws);
            } else {
                int dev = device.index();
                Native.memcpy(ownStream, sl.dx, dev, sl.hx, 0, xElems * es);
                Native.memcpy(ownStream, sl.dw, dev, sl.hw, 0, wElems * es);
                if (bias != null) {
                    Native.memcpy(ownStream, sl.db, dev, sl.hb, 0, bElems * es);
                }
                int st = Downcalls.forward(plan, ownStream, sl.dx, sl.dw, bias == null ? MemorySegment.NULL : sl.db, sl.dy, sl.ws);
                if (st != 0) {
                    throw Native.failure(st, "fc_conv_forward");
                }
                Native.memcpy(ownStream, sl.hy, 0, sl.dy, dev, yElems * es);
                Native.check(FastConvFFI.fc_stream_synchronize(ownStream), "fc_stream_synchronize");
            }
            MemorySegment.copy(sl.hy, elem, 0, y, 0, (int) yElems);
        } finally {
            sl.put();
        }
    }

    /** CPU: fc_malloc(0); CUDA: fc_malloc_host (page-locked where the runtime provides it). Sized. */
    private MemorySegment hostBuffer(long bytes) {
        if (device.isCpu()) {
            return Native.malloc(0, bytes).reinterpret(bytes);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            Native.check(FastConvFFI.fc_malloc_host(bytes, out), "fc_malloc_host");
            return out.get(ValueLayout.ADDRESS, 0).reinterpret(bytes);
        }
    }

    private static String name(int i) {
        return switch (i) {
            case 0 -> "input";
            case 1 -> "weight";
            case 2 -> "bias";
            default -> "output";
        };
    }

    /** O(1), allocation-free unless it throws. */
    private void checkArgs(Tensor x, Tensor w, Tensor bias, Tensor y) {
        if (x == null) {
            throw new IllegalArgumentException("input: must not be null");
        }
        if (w == null) {
            throw new IllegalArgumentException("weight: must not be null");
        }
        if (y == null) {
            throw new IllegalArgumentException("output: must not be null");
        }
        if (hasBias && bias == null) {
            throw new IllegalArgumentException("bias: the plan was made with a bias; expected a tensor of shape " + Shapes.str(biasShape)
                    + " but got null");
        }
        if (!hasBias && bias != null) {
            throw new IllegalArgumentException("bias: the plan was made without a bias; expected null but got " + bias);
        }
        checkTensor(0, x, inputShape);
        checkTensor(1, w, weightShape);
        if (bias != null) {
            checkTensor(2, bias, biasShape);
        }
        checkTensor(3, y, outputShape);
        if (y.segment().isReadOnly()) {
            throw new IllegalArgumentException("output: segment is read-only (expected a writable tensor)");
        }
        if (y.overlaps(x) || y.overlaps(w) || (bias != null && y.overlaps(bias))) {
            throw new IllegalArgumentException("output: overlaps the memory of "
                    + (y.overlaps(x) ? "input" : y.overlaps(w) ? "weight" : "bias") + " (expected a separate output tensor)");
        }
    }

    private void checkTensor(int which, Tensor t, long[] expectedShape) {
        if (t.device() != device) {
            throw new IllegalArgumentException(name(which) + ": is on " + t.device().spec() + " but the plan is on " + device.spec()
                    + " (expected a tensor on " + device.spec() + ")");
        }
        if (t.dtype() != dtype) {
            throw new IllegalArgumentException(name(which) + ": dtype is " + t.dtype() + " but the plan is for " + dtype);
        }
        if (t.layout() != layout && t.rank() > 2) {
            throw new IllegalArgumentException(name(which) + ": layout is " + t.layout() + " but the plan is for " + layout);
        }
        if (!Arrays.equals(t.shapeRef(), expectedShape)) {
            throw new IllegalArgumentException(name(which) + ": shape is " + Shapes.str(t.shapeRef()) + " but the plan expects "
                    + Shapes.str(expectedShape));
        }
        t.checkAlive(name(which));
    }

    /** Checks that w and bias agree with x in device, dtype and layout (for {@link Conv#plan(Tensor, Tensor, Tensor)}). */
    static void checkSame(Tensor x, Tensor w, Tensor bias) {
        if (x == null) {
            throw new IllegalArgumentException("input: must not be null");
        }
        if (w == null) {
            throw new IllegalArgumentException("weight: must not be null");
        }
        x.checkAlive("input");
        w.checkAlive("weight");
        Tensor[] ts = bias == null ? new Tensor[] {w} : new Tensor[] {w, bias};
        for (int i = 0; i < ts.length; i++) {
            Tensor t = ts[i];
            String n = i == 0 ? "weight" : "bias";
            if (t.device() != x.device()) {
                throw new IllegalArgumentException(n + ": is on " + t.device().spec() + " but input is on " + x.device().spec()
                        + " (expected the same device)");
            }
            if (t.dtype() != x.dtype()) {
                throw new IllegalArgumentException(n + ": dtype is " + t.dtype() + " but input's is " + x.dtype() + " (expected the same dtype)");
            }
            if (i == 0 && t.layout() != x.layout()) {
                throw new IllegalArgumentException(n + ": layout is " + t.layout() + " but input's is " + x.layout()
                        + " (expected the same layout)");
            }
        }
        if (bias != null) {
            bias.checkAlive("bias");
            if (bias.rank() != 1 || bias.dim(0) != w.dim(0)) {
                throw new IllegalArgumentException("bias: expected shape [" + w.dim(0) + "] (out channels = weight.shape[0]) but got "
                        + Shapes.str(bias.shapeRef()));
            }
        }
    }

    @Override
    public void close() {
        guard.close(() -> {
            synchronized (streamWorkspaces) {
                for (Iterator<Map.Entry<Stream, StreamWorkspace>> it = streamWorkspaces.entrySet().iterator(); it.hasNext();) {
                    Map.Entry<Stream, StreamWorkspace> e = it.next();
                    Stream s = e.getKey();
                    try {
                        s.synchronize();
                    } catch (IllegalStateException closing) {
                        // The stream is being closed by another thread and may still be draining work
                        // that uses this workspace: its close action frees it once the queue is empty.
                        continue;
                    } catch (RuntimeException queuedWorkFailed) {
                        // synchronized all the same: the queue is empty
                    }
                    s.removeCloseAction(e.getValue().release());
                    freeNonNull(device.index(), e.getValue().segment());
                    it.remove();
                }
            }
            if (!ownStream.equals(MemorySegment.NULL)) {
                FastConvFFI.fc_stream_destroy(ownStream);
            }
            for (Slot sl : slots) {
                freeSlot(sl);
            }
            Native.check(FastConvFFI.fc_conv_plan_destroy(plan), "fc_conv_plan_destroy");
        });
    }

    public boolean isClosed() {
        return guard.isClosed();
    }

    @Override
    public String toString() {
        return "ConvPlan[" + conv + ", " + device.spec() + ", " + dtype + ", " + layout + ", input " + Shapes.str(inputShape)
                + ", weight " + Shapes.str(weightShape) + (hasBias ? ", bias" : "") + " -> " + Shapes.str(outputShape)
                + ", " + algorithm.cliName() + ", workspace " + workspaceSize + " B" + (isClosed() ? ", closed]" : "]");
    }
}
