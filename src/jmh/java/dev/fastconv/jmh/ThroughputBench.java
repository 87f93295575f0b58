package dev.fastconv.jmh;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

import dev.fastconv.Conv;
import dev.fastconv.ConvPlan;
import dev.fastconv.Tensor;

/**
 * Group 4: 1, 2 and 4 caller threads sharing one plan (the small shape, 1x16x32x32 -> 16 3x3), each
 * with its own output. Reported as time per call per thread; throughput = threads / time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class ThroughputBench {

    @State(Scope.Benchmark)
    public static class Shared {
        Arena arena;
        ConvPlan plan;
        Tensor x, w, b;

        @Setup(Level.Trial)
        public void setup() {
            SplittableRandom r = new SplittableRandom(1);
            arena = Arena.ofShared();
            x = Tensor.fromArray(arena, ConvBench.random(r, 16 * 32 * 32), 1, 16, 32, 32);
            w = Tensor.fromArray(arena, ConvBench.random(r, 16 * 16 * 9), 16, 16, 3, 3);
            b = Tensor.fromArray(arena, ConvBench.random(r, 16), 16);
            plan = Conv.conv2d().padding(1).build().plan(x, w, b);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            plan.close();
            arena.close();
        }
    }

    @State(Scope.Thread)
    public static class Out {
        Tensor y;
        Arena arena;

        @Setup(Level.Trial)
        public void setup(Shared s) {
            arena = Arena.ofShared();
            y = s.plan.allocateOutput(arena);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    @Benchmark
    @Threads(1)
    public void threads1(Shared s, Out o) {
        s.plan.forward(s.x, s.w, s.b, o.y);
    }

    @Benchmark
    @Threads(2)
    public void threads2(Shared s, Out o) {
        s.plan.forward(s.x, s.w, s.b, o.y);
    }

    @Benchmark
    @Threads(4)
    public void threads4(Shared s, Out o) {
        s.plan.forward(s.x, s.w, s.b, o.y);
    }
}
