package dev.fastconv;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

import dev.fastconv.ffi.FastConvFFI;
import dev.fastconv.ffi.fc_conv_desc;
import dev.fastconv.internal.Guard;
import dev.fastconv.internal.Native;
import dev.fastconv.internal.Shapes;

/**
 * A convolution planned for one problem (options, shapes, dtype, layout, device): owns a native
 * fc_conv_plan and one workspace. Immutable and thread-safe.
 *
 * <h2>Workspace and threads</h2>
 * The workspace (fc_malloc on the plan's device, {@link #workspaceSize()} bytes, possibly 0) is
 * allocated once, when the plan is made. {@link #forward} uses it under a lock; a call that finds the
 * lock held by another thread does not wait but uses a temporary workspace of its own, so several
 * threads may run one plan at once (each with its own output) and get the same bits as one thread.
 *
 * <h2>Asynchronous execution</h2>
 * On CUDA a plan also owns one fc_stream: blocking {@link #forward} runs on it and waits for it.
 * {@link #forwardAsync} submits the convolution to {@code stream}. On the CPU streams execute
 * synchronously: when it returns, y is written (it is {@link #forward} with a stream). On CUDA it may
 * return before the kernel finishes: x, w, bias and y must stay alive (their arenas open) and y
 * must not be read until the stream is synchronized. Each stream gets a workspace of its own
 * (allocated on first use with that stream, kept until the plan is closed); calls on one stream are
 * ordered, so they can share it, and calls on different streams never share one.
 *
 * <h2>Closing</h2>
 * {@link #close()} is idempotent. It waits for {@code forward}/{@code forwardAsync} calls in progress
 * in other threads to return, then frees the workspaces and the native plan; every later call
 * throws {@code IllegalStateException("plan is closed")}. On CUDA, close() synchronizes the streams
 * the plan used before freeing their workspaces.
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
    private final MemorySegment workspace; // NULL when workspaceSize == 0
    private final MemorySegment ownStream; // CUDA: the stream blocking forward() runs on and waits for; CPU: NULL
    private final ReentrantLock workspaceLock = new ReentrantLock();
    private final Map<Stream, MemorySegment> streamWorkspaces = new IdentityHashMap<>(); // CUDA forwardAsync
    private final Guard guard = new Guard("plan");

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
                this.workspace = ws;
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
            run(null, x, w, bias, y);
        } finally {
            guard.release();
        }
    }

    /** Submits y = act(conv(x, w) + bias) to {@code stream}; see the class comment for what is guaranteed. */
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
                run(stream, x, w, bias, y);
            } finally {
                stream.release();
            }
        } finally {
            guard.release();
        }
    }

    private void run(Stream stream, Tensor x, Tensor w, Tensor bias, Tensor y) {
        MemorySegment b = bias == null ? MemorySegment.NULL : bias.segment();
        if (workspaceSize == 0) {
            call(stream, x, w, b, y, MemorySegment.NULL);
            return;
        }
        if (stream != null && !device.isCpu()) {
            call(stream, x, w, b, y, streamWorkspace(stream));
            return;
        }
        if (workspaceLock.tryLock()) {
            try {
                call(stream, x, w, b, y, workspace);
            } finally {
                workspaceLock.unlock();
            }
            return;
        }
        // another thread uses the plan's workspace: take a temporary one
        if (device.isCpu()) {
            try (Arena a = Arena.ofConfined()) {
                call(stream, x, w, b, y, a.allocate(workspaceSize, 64));
            }
        } else {
            MemorySegment tmp = Native.malloc(device.index(), workspaceSize);
            try {
                call(null, x, w, b, y, tmp);
            } finally {
                Native.freeQuietly(device.index(), tmp);
            }
        }
    }

    /**
     * One fc_conv_forward. Without a stream (blocking forward): the CPU gets the NULL stream; CUDA
     * runs on the plan's own stream and waits for it, so the workspace is free again on return.
     */
    private void call(Stream stream, Tensor x, Tensor w, MemorySegment bias, Tensor y, MemorySegment ws) {
        MemorySegment s = stream != null ? stream.handle() : ownStream;
        int st = FastConvFFI.fc_conv_forward(plan, s, x.segment(), w.segment(), bias, y.segment(), ws);
        if (st != 0) {
            throw Native.failure(st, "fc_conv_forward");
        }
        if (stream == null && !device.isCpu()) {
            Native.check(FastConvFFI.fc_stream_synchronize(ownStream), "fc_stream_synchronize");
        }
    }

    private MemorySegment streamWorkspace(Stream stream) {
        synchronized (streamWorkspaces) {
            MemorySegment ws = streamWorkspaces.get(stream);
            if (ws == null) {
                // forget workspaces of streams closed since (stream destruction has drained them)
                for (Iterator<Map.Entry<Stream, MemorySegment>> it = streamWorkspaces.entrySet().iterator(); it.hasNext();) {
                    Map.Entry<Stream, MemorySegment> e = it.next();
                    if (e.getKey().isClosed()) {
                        Native.freeQuietly(device.index(), e.getValue());
                        it.remove();
                    }
                }
                ws = Native.malloc(device.index(), workspaceSize);
                streamWorkspaces.put(stream, ws);
            }
            return ws;
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
                for (Map.Entry<Stream, MemorySegment> e : streamWorkspaces.entrySet()) {
                    if (!e.getKey().isClosed()) {
                        try {
                            e.getKey().synchronize();
                        } catch (RuntimeException ignored) {
                            // closed meanwhile: its destruction drained it
                        }
                    }
                    Native.freeQuietly(device.index(), e.getValue());
                }
                streamWorkspaces.clear();
            }
            if (!ownStream.equals(MemorySegment.NULL)) {
                FastConvFFI.fc_stream_destroy(ownStream);
            }
            if (!workspace.equals(MemorySegment.NULL)) {
                Native.freeQuietly(device.index(), workspace);
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
