package dev.fastconv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** Steady-state forward allocates nothing on the Java heap; heap-array forwards equal segment forwards. */
class HotPathTest {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    interface Call {
        void run();
    }

    /** Bytes this thread allocated over n calls, after warm-up; min over a few tries (the JIT may still be compiling). */
    static long allocatedBytes(Call c, int n) {
        for (int i = 0; i < 30_000; i++) {
            c.run();
        }
        long best = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 5 && best != 0; attempt++) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < n; i++) {
                c.run();
            }
            long after = THREADS.getCurrentThreadAllocatedBytes();
            best = Math.min(best, after - before);
        }
        return best;
    }

    @Test
    void allocationCounterWorks() {
        // the measurement can fail: a call that allocates is seen
        Object[] sink = new Object[1];
        long b = allocatedBytes(() -> sink[0] = new long[4], 10_000);
        assertTrue(b >= 10_000 * 16, "allocation counter saw only " + b + " bytes for 10k arrays");
    }

    @Test
    void tinyForwardAllocatesNothing() {
        assertTrue(THREADS.isThreadAllocatedMemorySupported());
        Conv conv = Conv.conv2d().build();
        try (Arena a = Arena.ofConfined()) {
            Tensor x = Tensor.fromArray(a, new float[] {2f}, 1, 1, 1, 1);
            Tensor w = Tensor.fromArray(a, new float[] {3f}, 1, 1, 1, 1);
            try (ConvPlan p = conv.plan(x, w, null)) {
                Tensor y = p.allocateOutput(a);
                long bytes = allocatedBytes(() -> p.forward(x, w, null, y), 10_000);
                assertEquals(6f, y.segment().get(ValueLayout.JAVA_FLOAT, 0));
                assertEquals(0, bytes, "10k forward calls on a 1x1x1x1 plan allocated " + bytes + " bytes");
            }
        }
    }

    @Test
    void smallForwardWithBiasAndWorkspaceAllocatesNothing() {
        Conv conv = Conv.conv2d().padding(1).build();
        SplittableRandom r = new SplittableRandom(3);
        try (Arena a = Arena.ofShared()) { // shared arena: the downcall acquires the scope each time
            Tensor x = Tensor.fromArray(a, ConvCase.random(r, 4 * 8 * 8, DType.F32), 1, 4, 8, 8);
            Tensor w = Tensor.fromArray(a, ConvCase.random(r, 8 * 4 * 9, DType.F32), 8, 4, 3, 3);
            Tensor b = Tensor.fromArray(a, ConvCase.random(r, 8, DType.F32), 8);
            try (ConvPlan p = conv.plan(x, w, b)) {
                assertTrue(p.workspaceSize() > 0);
                Tensor y = p.allocateOutput(a);
                long bytes = allocatedBytes(() -> p.forward(x, w, b, y), 10_000);
                assertEquals(0, bytes, "10k forward calls allocated " + bytes + " bytes");
            }
        }
    }

    @Test
    void heapArrayForwardAllocatesNothing() {
        Conv conv = Conv.conv2d().padding(1).build();
        float[] x = new float[2 * 6 * 6], w = new float[3 * 2 * 9], y = new float[3 * 6 * 6];
        java.util.Arrays.fill(x, 1f);
        java.util.Arrays.fill(w, 1f);
        try (ConvPlan p = conv.plan(Device.cpu(), DType.F32, Layout.NCHW, new long[] {1, 2, 6, 6}, new long[] {3, 2, 3, 3}, false)) {
            assertTrue(p.heapArraysZeroCopy());
            long bytes = allocatedBytes(() -> p.forward(x, w, null, y), 10_000);
            assertEquals(18f, y[7]);
            assertEquals(0, bytes, "10k heap-array forward calls allocated " + bytes + " bytes");
        }
    }

    @Test
    void asyncForwardOnCpuStreamAllocatesNothing() {
        Conv conv = Conv.conv2d().build();
        try (Arena a = Arena.ofConfined(); Stream s = Stream.create(Device.cpu())) {
            Tensor x = Tensor.fromArray(a, new float[] {2f}, 1, 1, 1, 1);
            Tensor w = Tensor.fromArray(a, new float[] {3f}, 1, 1, 1, 1);
            try (ConvPlan p = conv.plan(x, w, null)) {
                Tensor y = p.allocateOutput(a);
                long bytes = allocatedBytes(() -> p.forwardAsync(s, x, w, null, y), 10_000);
                s.synchronize();
                assertEquals(6f, y.segment().get(ValueLayout.JAVA_FLOAT, 0));
                assertEquals(0, bytes, "10k forwardAsync calls allocated " + bytes + " bytes");
            }
        }
    }

    static void heapEqualsSegment(Conv conv, Layout layout, long[] xs, long[] ws, boolean bias, DType dt, boolean expectZeroCopy) {
        SplittableRandom r = new SplittableRandom(7);
        try (Arena a = Arena.ofConfined();
             ConvPlan p = conv.plan(Device.cpu(), dt, layout, xs, ws, bias)) {
            assertEquals(expectZeroCopy, p.heapArraysZeroCopy(), p.toString());
            Tensor x = Tensor.fromArray(a, Device.cpu(), dt, layout, ConvCase.random(r, (int) prod(xs), dt), xs);
            Tensor w = Tensor.fromArray(a, Device.cpu(), dt, layout, ConvCase.random(r, (int) prod(ws), dt), ws);
            Tensor b = bias ? Tensor.fromArray(a, Device.cpu(), dt, layout, ConvCase.random(r, (int) ws[0], dt), ws[0]) : null;
            Tensor y = p.allocateOutput(a);
            p.forward(x, w, b, y);
            if (dt == DType.F32) {
                float[] xh = x.segment().toArray(ValueLayout.JAVA_FLOAT), wh = w.segment().toArray(ValueLayout.JAVA_FLOAT);
                float[] bh = b == null ? null : b.segment().toArray(ValueLayout.JAVA_FLOAT);
                float[] yh = new float[(int) y.elementCount()];
                p.forward(xh, wh, bh, yh);
                assertArrayEquals(y.segment().toArray(ValueLayout.JAVA_FLOAT), yh);
                p.forward(xh, wh, bh, yh); // again, into a used array
                assertArrayEquals(y.segment().toArray(ValueLayout.JAVA_FLOAT), yh);
            } else {
                short[] xh = x.segment().toArray(ValueLayout.JAVA_SHORT), wh = w.segment().toArray(ValueLayout.JAVA_SHORT);
                short[] bh = b == null ? null : b.segment().toArray(ValueLayout.JAVA_SHORT);
                short[] yh = new short[(int) y.elementCount()];
                p.forward(xh, wh, bh, yh);
                assertArrayEquals(y.segment().toArray(ValueLayout.JAVA_SHORT), yh);
            }
        }
    }

    static long prod(long[] s) {
        long n = 1;
        for (long d : s) {
            n *= d;
        }
        return n;
    }

    @Test
    void heapArraysEqualSegmentsZeroCopy() {
        Conv conv = Conv.conv2d().padding(1).stride(2, 1).build();
        heapEqualsSegment(conv, Layout.NCHW, new long[] {2, 5, 9, 7}, new long[] {6, 5, 3, 3}, true, DType.F32, true);
        heapEqualsSegment(conv, Layout.NHWC, new long[] {1, 4, 8, 8}, new long[] {8, 4, 3, 3}, false, DType.F32, true);
        heapEqualsSegment(conv, Layout.NCHW, new long[] {1, 4, 8, 8}, new long[] {8, 4, 3, 3}, true, DType.F16, true);
        heapEqualsSegment(Conv.conv2d().padding(1).algorithm(Algorithm.UNFOLD_GEMM).build(), Layout.NCHW, new long[] {1, 16, 16, 16},
                new long[] {16, 16, 3, 3}, true, DType.F32, true);
    }

    @Test
    void heapArraysEqualSegmentsStaged() {
        // 1x64x48x48 -> 64, 3x3: 85M MACs > the default zero-copy limit of 2^24: staged through native buffers
        Conv conv = Conv.conv2d().padding(1).build();
        heapEqualsSegment(conv, Layout.NCHW, new long[] {1, 64, 48, 48}, new long[] {64, 64, 3, 3}, true, DType.F32, false);
    }

    @Test
    void heapArrayForwardIsCorrectWhileTheGcRuns() throws Exception {
        // arrays passed through critical downcalls must not move under the native code: run heap-array
        // forwards on two threads while a third allocates and asks for collections
        Conv conv = Conv.conv2d().padding(1).build();
        SplittableRandom r = new SplittableRandom(13);
        float[] x = ConvCase.random(r, 8 * 12 * 12, DType.F32), w = ConvCase.random(r, 8 * 8 * 9, DType.F32);
        try (Arena a = Arena.ofShared();
             ConvPlan p = conv.plan(Device.cpu(), DType.F32, Layout.NCHW, new long[] {1, 8, 12, 12}, new long[] {8, 8, 3, 3}, false)) {
            assertTrue(p.heapArraysZeroCopy());
            Tensor xt = Tensor.fromArray(a, x, 1, 8, 12, 12), wt = Tensor.fromArray(a, w, 8, 8, 3, 3);
            Tensor yt = p.allocateOutput(a);
            p.forward(xt, wt, null, yt);
            float[] expected = yt.toFloatArray();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicReference<Throwable> bad = new java.util.concurrent.atomic.AtomicReference<>();
            Thread gc = new Thread(() -> {
                Object[] keep = new Object[64];
                int i = 0;
                while (!stop.get()) {
                    keep[i++ & 63] = new float[1 << (i & 15)];
                    if ((i & 1023) == 0) {
                        System.gc();
                    }
                }
            });
            Thread[] ts = new Thread[2];
            for (int t = 0; t < ts.length; t++) {
                ts[t] = new Thread(() -> {
                    try {
                        for (int i = 0; i < 400; i++) {
                            float[] xi = x.clone(), wi = w.clone(), yi = new float[expected.length]; // fresh, movable arrays
                            p.forward(xi, wi, null, yi);
                            assertArrayEquals(expected, yi);
                        }
                    } catch (Throwable e) {
                        bad.set(e);
                    }
                });
            }
            gc.start();
            for (Thread t : ts) {
                t.start();
            }
            for (Thread t : ts) {
                t.join();
            }
            stop.set(true);
            gc.join();
            if (bad.get() != null) {
                throw new AssertionError(bad.get());
            }
        }
    }

    @Test
    void heapArraysEqualSegmentsStagedF16AndZeroCopyLarge() {
        Conv conv = Conv.conv2d().padding(1).build();
        String old = System.setProperty("fastconv.heapCriticalMaxMacs", "0");
        try {
            heapEqualsSegment(conv, Layout.NHWC, new long[] {2, 4, 7, 7}, new long[] {8, 4, 3, 3}, true, DType.F16, false);
            heapEqualsSegment(conv, Layout.NCHW, new long[] {1, 3, 9, 9}, new long[] {4, 3, 3, 3}, true, DType.F32, false);
            System.setProperty("fastconv.heapCriticalMaxMacs", Long.toString(Long.MAX_VALUE));
            heapEqualsSegment(conv, Layout.NCHW, new long[] {1, 64, 48, 48}, new long[] {64, 64, 3, 3}, false, DType.F32, true);
        } finally {
            if (old == null) {
                System.clearProperty("fastconv.heapCriticalMaxMacs");
            } else {
                System.setProperty("fastconv.heapCriticalMaxMacs", old);
            }
        }
    }

    @Test
    void heapArrayArgumentChecks() {
        Conv conv = Conv.conv2d().build();
        try (ConvPlan p = conv.plan(Device.cpu(), DType.F32, Layout.NCHW, new long[] {1, 2, 3, 3}, new long[] {2, 2, 1, 1}, false)) {
            float[] x = new float[18], w = new float[4], y = new float[18];
            assertThrows(IllegalArgumentException.class, () -> p.forward(new float[17], w, null, y));
            assertThrows(IllegalArgumentException.class, () -> p.forward(x, w, new float[2], y));
            assertThrows(IllegalArgumentException.class, () -> p.forward(x, w, null, x));
            assertThrows(IllegalArgumentException.class, () -> p.forward(new short[18], new short[4], null, new short[18]));
            p.forward(x, w, null, y);
            p.close();
            assertEquals("plan is closed", assertThrows(IllegalStateException.class, () -> p.forward(x, w, null, y)).getMessage());
        }
    }

    @Test
    void workspacePoolGrowsOnlyWithConcurrency() throws Exception {
        Conv conv = Conv.conv2d().padding(1).build();
        try (Arena a = Arena.ofShared()) {
            SplittableRandom r = new SplittableRandom(5);
            Tensor x = Tensor.fromArray(a, ConvCase.random(r, 8 * 16 * 16, DType.F32), 1, 8, 16, 16);
            Tensor w = Tensor.fromArray(a, ConvCase.random(r, 8 * 8 * 9, DType.F32), 8, 8, 3, 3);
            try (ConvPlan p = conv.plan(x, w, null)) {
                Tensor y = p.allocateOutput(a);
                for (int i = 0; i < 100; i++) {
                    p.forward(x, w, null, y);
                }
                assertEquals(1, p.pooledWorkspaces());
                Thread[] ts = new Thread[3];
                for (int t = 0; t < ts.length; t++) {
                    Tensor yt = p.allocateOutput(a);
                    ts[t] = new Thread(() -> {
                        for (int i = 0; i < 300; i++) {
                            p.forward(x, w, null, yt);
                        }
                    });
                    ts[t].start();
                }
                for (Thread t : ts) {
                    t.join();
                }
                assertTrue(p.pooledWorkspaces() >= 1 && p.pooledWorkspaces() <= 3, "pool " + p.pooledWorkspaces());
            }
        }
    }

    @Test
    void closeWaitsForInFlightCalls() throws Exception {
        Conv conv = Conv.conv2d().padding(1).build();
        try (Arena a = Arena.ofShared()) {
            SplittableRandom r = new SplittableRandom(9);
            Tensor x = Tensor.fromArray(a, ConvCase.random(r, 32 * 64 * 64, DType.F32), 1, 32, 64, 64);
            Tensor w = Tensor.fromArray(a, ConvCase.random(r, 32 * 32 * 9, DType.F32), 32, 32, 3, 3);
            ConvPlan p = conv.plan(x, w, null);
            Tensor y = p.allocateOutput(a);
            Thread t = new Thread(() -> {
                try {
                    for (;;) {
                        p.forward(x, w, null, y);
                    }
                } catch (IllegalStateException expected) {
                    // plan is closed
                }
            });
            t.start();
            Thread.sleep(50);
            p.close();
            t.join(10_000);
            assertFalse(t.isAlive());
            assertTrue(p.isClosed());
        }
    }


}
