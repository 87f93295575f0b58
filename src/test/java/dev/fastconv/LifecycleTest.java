package dev.fastconv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** close() semantics, use-after-close, and native object accounting. */
class LifecycleTest {

    static final Conv CONV = Conv.conv2d().padding(1).algorithm(Algorithm.UNFOLD_GEMM).build();

    @Test
    void liveObjectsReturnToStartAfterCreateCloseLoop() {
        long start = FastConv.liveNativeObjects();
        for (int i = 0; i < 30; i++) {
            try (Arena a = Arena.ofConfined();
                 Stream s = Stream.create(Device.cpu());
                 Event e0 = Event.create(Device.cpu());
                 Event e1 = Event.create(Device.cpu())) {
                Tensor x = Tensor.fromArray(a, new float[2 * 3 * 6 * 6], 2, 3, 6, 6);
                Tensor w = Tensor.fromArray(a, new float[4 * 3 * 3 * 3], 4, 3, 3, 3);
                try (ConvPlan p = CONV.plan(x, w, null)) {
                    assertTrue(p.workspaceSize() > 0);
                    assertTrue(FastConv.liveNativeObjects() > start);
                    Tensor y = p.allocateOutput(a);
                    e0.record(s);
                    p.forwardAsync(s, x, w, null, y);
                    e1.record(s);
                    s.synchronize();
                    e1.synchronize();
                    assertTrue(e0.elapsedMillis(e1) >= 0);
                    p.forward(x, w, null, y);
                }
            }
        }
        assertEquals(start, FastConv.liveNativeObjects());
    }

    @Test
    void closedPlanStreamEventTensorThrowIllegalState() {
        try (Arena a = Arena.ofConfined()) {
            Tensor x = Tensor.fromArray(a, new float[3 * 5 * 5], 1, 3, 5, 5);
            Tensor w = Tensor.fromArray(a, new float[2 * 3 * 3 * 3], 2, 3, 3, 3);
            ConvPlan p = CONV.plan(x, w, null);
            Tensor y = p.allocateOutput(a);
            p.close();
            p.close(); // idempotent
            assertTrue(p.isClosed());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.forward(x, w, null, y));
            assertEquals("plan is closed", e.getMessage());
            assertThrows(IllegalStateException.class, () -> p.allocateOutput(a));

            Stream s = Stream.create(Device.cpu());
            s.close();
            s.close();
            assertEquals("stream is closed", assertThrows(IllegalStateException.class, s::synchronize).getMessage());
            try (ConvPlan p2 = CONV.plan(x, w, null)) {
                assertThrows(IllegalStateException.class, () -> p2.forwardAsync(s, x, w, null, y));
            }
            Event ev = Event.create(Device.cpu());
            ev.close();
            ev.close();
            assertThrows(IllegalStateException.class, ev::synchronize);
            try (Stream s2 = Stream.create(Device.cpu())) {
                assertThrows(IllegalStateException.class, () -> ev.record(s2));
            }
        }
        // tensors whose arena is closed
        Tensor x;
        Tensor w;
        try (Arena a = Arena.ofConfined()) {
            x = Tensor.fromArray(a, new float[3 * 5 * 5], 1, 3, 5, 5);
            w = Tensor.fromArray(a, new float[2 * 3 * 3 * 3], 2, 3, 3, 3);
        }
        try (Arena a = Arena.ofConfined(); ConvPlan p = CONV.plan(Device.cpu(), DType.F32, Layout.NCHW, x.shape(), w.shape(), false)) {
            Tensor y = p.allocateOutput(a);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.forward(x, w, null, y));
            assertEquals("input: tensor's arena is closed", e.getMessage());
            assertThrows(IllegalStateException.class, () -> CONV.plan(x, w, null));
        }
    }

    @Test
    void closingWhileAnotherThreadForwardsDoesNotCrash() throws Exception {
        try (Arena a = Arena.ofShared()) {
            float[] xd = ConvCase.random(new java.util.SplittableRandom(1), 2 * 8 * 24 * 24, DType.F32);
            Tensor x = Tensor.fromArray(a, xd, 2, 8, 24, 24);
            Tensor w = Tensor.fromArray(a, ConvCase.random(new java.util.SplittableRandom(2), 16 * 8 * 9, DType.F32), 16, 8, 3, 3);
            for (int round = 0; round < 5; round++) {
                ConvPlan p = CONV.plan(x, w, null);
                Tensor y = p.allocateOutput(a);
                AtomicInteger done = new AtomicInteger();
                AtomicReference<Throwable> unexpected = new AtomicReference<>();
                Thread t = new Thread(() -> {
                    try {
                        while (true) {
                            p.forward(x, w, null, y);
                            done.incrementAndGet();
                        }
                    } catch (IllegalStateException e) {
                        if (!"plan is closed".equals(e.getMessage())) {
                            unexpected.set(e);
                        }
                    } catch (Throwable e) {
                        unexpected.set(e);
                    }
                });
                t.start();
                while (done.get() < 2) {
                    Thread.onSpinWait();
                }
                p.close();
                t.join(10_000);
                assertTrue(!t.isAlive(), "forwarding thread did not stop");
                if (unexpected.get() != null) {
                    throw new AssertionError("unexpected failure in the forwarding thread", unexpected.get());
                }
            }
        }
    }

    @Test
    void applyGivesSameAsPlan() {
        try (Arena a = Arena.ofConfined()) {
            Tensor x = Tensor.fromArray(a, ConvCase.random(new java.util.SplittableRandom(3), 3 * 25, DType.F32), 1, 3, 5, 5);
            Tensor w = Tensor.fromArray(a, ConvCase.random(new java.util.SplittableRandom(4), 2 * 27, DType.F32), 2, 3, 3, 3);
            Tensor y1 = CONV.apply(a, x, w, null);
            try (ConvPlan p = CONV.plan(x, w, null)) {
                Tensor y2 = p.allocateOutput(a);
                p.forward(x, w, null, y2);
                assertArrayEquals(y1.toFloatArray(), y2.toFloatArray());
                assertEquals(Algorithm.UNFOLD_GEMM, p.algorithm());
            }
        }
    }
}
