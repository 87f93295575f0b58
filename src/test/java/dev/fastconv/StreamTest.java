package dev.fastconv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** CPU streams: forwardAsync returns at once, work on one stream runs in order, events and futures complete. */
class StreamTest {

    static final Conv CONV = Conv.conv2d().padding(1).build();

    @Test
    void forwardAsyncReturnsBeforeTheWorkIsDoneAndFutureCompletes() throws Exception {
        SplittableRandom r = new SplittableRandom(1);
        try (Arena a = Arena.ofShared(); Stream s = Stream.create(Device.cpu())) {
            // batch 8: ~1.2 GMAC per call, so six calls keep the stream busy for tens of milliseconds
            // even on fast cores, while submitting one is a queue append of microseconds.
            Tensor x = Tensor.fromArray(a, ConvCase.random(r, 8 * 64 * 64 * 64, DType.F32), 8, 64, 64, 64);
            Tensor w = Tensor.fromArray(a, ConvCase.random(r, 64 * 64 * 9, DType.F32), 64, 64, 3, 3);
            try (ConvPlan p = CONV.plan(x, w, null)) {
                Tensor ref = p.allocateOutput(a);
                p.forward(x, w, null, ref);
                Tensor y = p.allocateOutput(a);
                for (int i = 0; i < 6; i++) {
                    p.forwardAsync(s, x, w, null, y);
                }
                CompletableFuture<Void> done = s.onComplete();
                // The property, without a wall-clock ratio (which fails when this thread is descheduled
                // on a busy machine): the calls returned while the queued work was still running.
                assertFalse(done.isDone(), "the queue was already drained when forwardAsync returned: not asynchronous");
                done.get(60, TimeUnit.SECONDS);
                assertArrayEquals(ref.toFloatArray(), y.toFloatArray());
                s.synchronize();
            }
        }
    }

    @Test
    void workOnOneStreamRunsInOrder() throws Exception {
        SplittableRandom r = new SplittableRandom(2);
        try (Arena a = Arena.ofShared(); Stream s = Stream.create(Device.cpu())) {
            long[] shape = {1, 16, 32, 32};
            Tensor x = Tensor.fromArray(a, ConvCase.random(r, 16 * 32 * 32, DType.F32), shape);
            Tensor w = Tensor.fromArray(a, ConvCase.random(r, 16 * 16 * 9, DType.F32), 16, 16, 3, 3);
            try (ConvPlan p = CONV.plan(x, w, null)) {
                // blocking reference: y_{k+1} = conv(y_k), 8 times
                Tensor cur = x;
                List<float[]> expected = new ArrayList<>();
                for (int k = 0; k < 8; k++) {
                    Tensor nxt = p.allocateOutput(a);
                    p.forward(cur, w, null, nxt);
                    expected.add(nxt.toFloatArray());
                    cur = nxt;
                }
                // the same chain on one stream, each step reading the previous step's output, with copies in between
                Tensor in = Tensor.allocatePinned(a, DType.F32, Layout.NCHW, shape);
                in.copyFromAsync(x, s);
                List<Tensor> outs = new ArrayList<>();
                Tensor prev = in;
                for (int k = 0; k < 8; k++) {
                    Tensor out = p.allocateOutput(a);
                    p.forwardAsync(s, prev, w, null, out);
                    Tensor copy = p.allocateOutput(a);
                    copy.copyFromAsync(out, s); // must see out complete
                    outs.add(copy);
                    prev = copy;
                }
                s.onComplete().get(60, TimeUnit.SECONDS);
                for (int k = 0; k < 8; k++) {
                    assertArrayEquals(expected.get(k), outs.get(k).toFloatArray(), "step " + k);
                }
            }
        }
    }

    @Test
    void eventsTimeTheWorkBetweenThem() {
        SplittableRandom r = new SplittableRandom(3);
        try (Arena a = Arena.ofShared(); Stream s = Stream.create(Device.cpu());
             Event e0 = Event.create(Device.cpu()); Event e1 = Event.create(Device.cpu())) {
            Tensor x = Tensor.fromArray(a, ConvCase.random(r, 32 * 64 * 64, DType.F32), 1, 32, 64, 64);
            Tensor w = Tensor.fromArray(a, ConvCase.random(r, 32 * 32 * 9, DType.F32), 32, 32, 3, 3);
            try (ConvPlan p = CONV.plan(x, w, null)) {
                Tensor y = p.allocateOutput(a);
                long t0 = System.nanoTime();
                e0.record(s);
                for (int i = 0; i < 4; i++) {
                    p.forwardAsync(s, x, w, null, y);
                }
                e1.record(s);
                e1.synchronize();
                double windowMs = (System.nanoTime() - t0) / 1e6;
                float ms = e0.elapsedMillis(e1);
                // Both events were reached inside [t0, now] and e1 after the four convolutions, so the
                // time between them is positive and no longer than the window (a wall-clock lower bound
                // would depend on how fast this thread is woken on a loaded machine).
                assertTrue(ms > 0, "elapsed " + ms);
                assertTrue(ms <= windowMs + 0.01, "elapsed " + ms + " ms between the events but only " + windowMs + " ms passed");
            }
        }
    }

    @Test
    void futuresCompleteInOrderAndAfterClose() throws Exception {
        SplittableRandom r = new SplittableRandom(4);
        List<CompletableFuture<Void>> fs = new ArrayList<>();
        try (Arena a = Arena.ofShared()) {
            Tensor x = Tensor.fromArray(a, ConvCase.random(r, 16 * 32 * 32, DType.F32), 1, 16, 32, 32);
            Tensor w = Tensor.fromArray(a, ConvCase.random(r, 16 * 16 * 9, DType.F32), 16, 16, 3, 3);
            try (ConvPlan p = CONV.plan(x, w, null); Stream s = Stream.create(Device.cpu())) {
                Tensor y = p.allocateOutput(a);
                for (int i = 0; i < 20; i++) {
                    p.forwardAsync(s, x, w, null, y);
                    fs.add(s.onComplete());
                }
                // stream closes first (drains), then the plan (it synchronized nothing left)
            }
            for (CompletableFuture<Void> f : fs) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void planCloseWaitsForItsStreams() throws Exception {
        SplittableRandom r = new SplittableRandom(5);
        try (Arena a = Arena.ofShared(); Stream s = Stream.create(Device.cpu())) {
            Tensor x = Tensor.fromArray(a, ConvCase.random(r, 32 * 48 * 48, DType.F32), 1, 32, 48, 48);
            Tensor w = Tensor.fromArray(a, ConvCase.random(r, 32 * 32 * 9, DType.F32), 32, 32, 3, 3);
            ConvPlan p = Conv.conv2d().padding(1).algorithm(Algorithm.DIRECT).build().plan(x, w, null);
            Tensor y = p.allocateOutput(a);
            for (int i = 0; i < 5; i++) {
                p.forwardAsync(s, x, w, null, y);
            }
            CompletableFuture<Void> f = s.onComplete();
            p.close(); // must synchronize s before freeing the native plan and workspace
            assertTrue(f.isDone() || f.get(30, TimeUnit.SECONDS) == null);
        }
    }

    @Test
    void streamMayBeClosedFromACompletionStage() throws Exception {
        Stream s = Stream.create(Device.cpu());
        CompletableFuture<Void> closed = s.onComplete().thenRun(s::close);
        closed.get(30, TimeUnit.SECONDS);
        assertTrue(s.isClosed());
    }

    @Test
    void wrongStreamDeviceOrClosedStreamIsRejected() {
        try (Arena a = Arena.ofConfined()) {
            Tensor x = Tensor.fromArray(a, new float[9], 1, 1, 3, 3);
            Tensor w = Tensor.fromArray(a, new float[9], 1, 1, 3, 3);
            try (ConvPlan p = CONV.plan(x, w, null)) {
                Tensor y = p.allocateOutput(a);
                Stream s = Stream.create(Device.cpu());
                s.close();
                assertThrows(IllegalStateException.class, () -> p.forwardAsync(s, x, w, null, y));
                assertThrows(IllegalStateException.class, s::onComplete);
                assertThrows(IllegalArgumentException.class, () -> p.forwardAsync(null, x, w, null, y));
            }
        }
    }
}
