package dev.fastconv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** 4 threads share one plan (and its workspace lock), each with its own output: bit-identical to one thread. */
class ConcurrencyTest {

    @ParameterizedTest
    @EnumSource(value = Algorithm.class)
    void fourThreadsShareOnePlan(Algorithm algo) throws Exception {
        Conv conv = Conv.conv2d().padding(1).stride(1, 2).algorithm(algo).activation(Activation.RELU).build();
        try (Arena a = Arena.ofShared()) {
            SplittableRandom r = new SplittableRandom(11);
            Tensor x = Tensor.fromArray(a, Device.cpu(), DType.F32, Layout.NHWC, ConvCase.random(r, 2 * 8 * 20 * 20, DType.F32), 2, 8, 20, 20);
            Tensor w = Tensor.fromArray(a, Device.cpu(), DType.F32, Layout.NHWC, ConvCase.random(r, 12 * 8 * 9, DType.F32), 12, 8, 3, 3);
            Tensor b = Tensor.fromArray(a, Device.cpu(), DType.F32, Layout.NHWC, ConvCase.random(r, 12, DType.F32), 12);
            try (ConvPlan p = conv.plan(x, w, b)) {
                Tensor y0 = p.allocateOutput(a);
                p.forward(x, w, b, y0);
                float[] expected = y0.toFloatArray();
                int threads = 4;
                CyclicBarrier start = new CyclicBarrier(threads);
                ExecutorService ex = Executors.newFixedThreadPool(threads);
                try {
                    List<Future<List<float[]>>> fs = new ArrayList<>();
                    for (int t = 0; t < threads; t++) {
                        fs.add(ex.submit(() -> {
                            Tensor y = p.allocateOutput(a);
                            List<float[]> results = new ArrayList<>();
                            start.await();
                            for (int i = 0; i < 25; i++) {
                                p.forward(x, w, b, y);
                                results.add(y.toFloatArray());
                            }
                            return results;
                        }));
                    }
                    for (Future<List<float[]>> f : fs) {
                        for (float[] got : f.get()) {
                            assertArrayEquals(expected, got);
                        }
                    }
                } finally {
                    ex.shutdownNow();
                }
            }
        }
    }
}
