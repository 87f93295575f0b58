package dev.fastconv.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.fastconv.Activation;
import dev.fastconv.Algorithm;
import dev.fastconv.Conv;
import dev.fastconv.ConvPlan;
import dev.fastconv.DType;
import dev.fastconv.Device;
import dev.fastconv.FastConv;
import dev.fastconv.Layout;
import dev.fastconv.Precision;
import dev.fastconv.Stream;
import dev.fastconv.Tensor;

/**
 * Concurrency stress: 8 threads x CALLS forward calls sharing three plans (one per algorithm, with
 * a stream on every other call), each thread with its own outputs, while two more threads keep
 * creating, running and closing plans of their own, another resizes the CPU thread pool
 * (setCpuThreads 1/2/4/3) under them, and a last phase closes a shared plan while the workers
 * still use it. Every result must be bit-identical to the single-threaded one; a call on
 * the closed plan either completes (close waits for it) or throws IllegalStateException.
 */
class StressTest {

    static final int THREADS = 8;
    static final int CALLS = 1000;

    record Case(Conv conv, DType dtype, Layout layout, long[] xs, long[] ws) {}

    static float[] random(SplittableRandom r, long n) {
        float[] a = new float[(int) n];
        for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
        return a;
    }

    static long prod(long[] s) {
        long p = 1;
        for (long v : s) p *= v;
        return p;
    }

    @Test
    void eightThreadsSharePlansWhileOthersCreateAndClose() throws Exception {
        long live0 = FastConv.liveNativeObjects();
        List<Case> cases = List.of(
                new Case(Conv.conv2d().padding(1).algorithm(Algorithm.DIRECT).activation(Activation.RELU).build(),
                        DType.F32, Layout.NCHW, new long[] {2, 6, 9, 9}, new long[] {5, 6, 3, 3}),
                new Case(Conv.conv2d().stride(2).padding(1, 0).groups(2).algorithm(Algorithm.UNFOLD_GEMM).build(),
                        DType.F16, Layout.NHWC, new long[] {1, 8, 11, 10}, new long[] {8, 4, 3, 2}),
                new Case(Conv.conv1d().dilation(2).padding(2).algorithm(Algorithm.IMPLICIT_GEMM).precision(Precision.TF32).build(),
                        DType.F32, Layout.NHWC, new long[] {3, 7, 40}, new long[] {20, 7, 3}));
        try (Arena a = Arena.ofShared()) {
            SplittableRandom r = new SplittableRandom(6);
            int nc = cases.size();
            Tensor[] xs = new Tensor[nc], ws = new Tensor[nc], bs = new Tensor[nc];
            ConvPlan[] plans = new ConvPlan[nc];
            float[][] expected = new float[nc][];
            for (int c = 0; c < nc; c++) {
                Case k = cases.get(c);
                xs[c] = Tensor.fromArray(a, Device.cpu(), k.dtype(), k.layout(), random(r, prod(k.xs())), k.xs());
                ws[c] = Tensor.fromArray(a, Device.cpu(), k.dtype(), k.layout(), random(r, prod(k.ws())), k.ws());
                bs[c] = Tensor.fromArray(a, Device.cpu(), k.dtype(), k.layout(), random(r, k.ws()[0]), k.ws()[0]);
                plans[c] = k.conv().plan(xs[c], ws[c], bs[c]);
                Tensor y = plans[c].allocateOutput(a);
                plans[c].forward(xs[c], ws[c], bs[c], y); // single-threaded reference
                expected[c] = y.toFloatArray();
            }

            ExecutorService ex = Executors.newFixedThreadPool(THREADS + 3);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong calls = new AtomicLong(), churn = new AtomicLong();
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> workers = new ArrayList<>();
            try {
                for (int t = 0; t < THREADS; t++) {
                    final int tid = t;
                    workers.add(ex.submit(() -> {
                        Tensor[] ys = new Tensor[nc];
                        for (int c = 0; c < nc; c++) ys[c] = plans[c].allocateOutput(a);
                        go.await();
                        try (Stream s = Stream.create(Device.cpu())) {
                            for (int i = 0; i < CALLS; i++) {
                                int c = (i + tid) % nc;
                                if ((i & 1) == 0) {
                                    plans[c].forward(xs[c], ws[c], bs[c], ys[c]);
                                } else {
                                    plans[c].forwardAsync(s, xs[c], ws[c], bs[c], ys[c]);
                                    s.synchronize();
                                }
                                assertArrayEquals(expected[c], ys[c].toFloatArray(), "thread " + tid + " call " + i);
                                calls.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                List<Future<?>> churners = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    final int tid = t;
                    churners.add(ex.submit(() -> {
                        go.await();
                        int i = 0;
                        while (!stop.get()) {
                            Case k = cases.get((i++ + tid) % nc);
                            int c = cases.indexOf(k);
                            try (Arena la = Arena.ofConfined(); ConvPlan p = k.conv().plan(xs[c], ws[c], bs[c])) {
                                Tensor y = p.allocateOutput(la);
                                p.forward(xs[c], ws[c], bs[c], y);
                                assertArrayEquals(expected[c], y.toFloatArray(), "fresh plan " + c);
                            }
                            churn.incrementAndGet();
                        }
                        return null;
                    }));
                }
                churners.add(ex.submit(() -> { // the CPU pool is resized under the running calls
                    go.await();
                    int[] counts = {1, 2, 4, 3};
                    for (int i = 0; !stop.get(); i++) {
                        FastConv.setCpuThreads(counts[i % counts.length]);
                        Thread.sleep(2);
                    }
                    FastConv.setCpuThreads(0);
                    return null;
                }));
                go.countDown();
                for (Future<?> f : workers) f.get(120, TimeUnit.SECONDS);
                stop.set(true);
                for (Future<?> f : churners) f.get(60, TimeUnit.SECONDS);
            } finally {
                stop.set(true);
                FastConv.setCpuThreads(0);
                ex.shutdownNow();
                assertTrue(ex.awaitTermination(60, TimeUnit.SECONDS));
            }
            assertEquals((long) THREADS * CALLS, calls.get());
            System.out.printf("StressTest: %d threads x %d calls on shared plans, %d plans created/run/closed concurrently%n",
                    THREADS, CALLS, churn.get());

            // closing a shared plan while 8 threads use it: deferred (the call completes) or IllegalStateException
            ExecutorService ex2 = Executors.newFixedThreadPool(THREADS);
            AtomicLong completed = new AtomicLong(), refused = new AtomicLong();
            CountDownLatch running = new CountDownLatch(THREADS);
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                fs.add(ex2.submit(() -> {
                    Tensor y = plans[2].allocateOutput(a);
                    running.countDown();
                    while (true) {
                        try {
                            plans[2].forward(xs[2], ws[2], bs[2], y);
                        } catch (IllegalStateException e) {
                            assertEquals("plan is closed", e.getMessage());
                            refused.incrementAndGet();
                            return null;
                        }
                        assertArrayEquals(expected[2], y.toFloatArray());
                        completed.incrementAndGet();
                    }
                }));
            }
            running.await();
            while (completed.get() < THREADS * 4L) Thread.onSpinWait();
            plans[2].close();
            for (Future<?> f : fs) f.get(60, TimeUnit.SECONDS);
            ex2.shutdown();
            assertEquals(THREADS, refused.get(), "every thread saw the close as IllegalStateException");
            for (ConvPlan p : plans) p.close();
        }
        assertEquals(live0, FastConv.liveNativeObjects(), "every native object freed");
    }
}
