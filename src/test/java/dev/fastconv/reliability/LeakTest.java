package dev.fastconv.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import dev.fastconv.Algorithm;
import dev.fastconv.Conv;
import dev.fastconv.ConvPlan;
import dev.fastconv.DType;
import dev.fastconv.Device;
import dev.fastconv.Event;
import dev.fastconv.FastConv;
import dev.fastconv.Layout;
import dev.fastconv.Stream;
import dev.fastconv.Tensor;
import dev.fastconv.Unfold;

/**
 * 10^5 cycles of create / execute / close of tensors, plans (every algorithm in turn), streams and
 * events on tiny shapes. The native live-object counter must return to its starting value, and
 * after a warm-up
 *  - the C heap in use (glibc mallinfo2: uordblks + hblkhd, all arenas — where fc_malloc, plans,
 *    streams, events, the CPU backend's scratch and Arena.ofConfined memory live), sampled every
 *    STEP cycles, grows by a median of less than 40 bytes a cycle (a leak shows in every step; the
 *    JVM's own transient malloc use, e.g. JIT arenas, moves a few steps but not the median);
 *  - VmRSS (/proc/self/status) less the growth of the JVM's committed pools grows by less than
 *    MAX_RSS_GROWTH_KB (looser: the GC touching more of its committed heap shows up here as noise).
 */
class LeakTest {

    static final int WARMUP = 20_000;
    static final int CYCLES = 100_000;
    static final int STEP = 10_000;
    static final long MAX_MALLOC_GROWTH_PER_STEP = 400_000; // 40 bytes a cycle
    static final long MAX_RSS_GROWTH_KB = 64 * 1024;

    static final MethodHandle MALLINFO2 = Linker.nativeLinker().defaultLookup().find("mallinfo2")
            .map(f -> Linker.nativeLinker().downcallHandle(f, FunctionDescriptor.of(
                    MemoryLayout.structLayout(MemoryLayout.sequenceLayout(10, ValueLayout.JAVA_LONG)))))
            .orElse(null);

    /** The least of 3 samples 10 ms apart of {@link #mallocInUseNow()}. */
    static long mallocInUse() throws InterruptedException {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            min = Math.min(min, mallocInUseNow());
            Thread.sleep(10);
        }
        return min;
    }

    /** Bytes of C heap in use (all malloc arenas + mmapped chunks), or -1 without glibc's mallinfo2. */
    static long mallocInUseNow() {
        if (MALLINFO2 == null) return -1;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = (MemorySegment) MALLINFO2.invokeExact((SegmentAllocator) a);
            return m.getAtIndex(ValueLayout.JAVA_LONG, 7) + m.getAtIndex(ValueLayout.JAVA_LONG, 4); // uordblks + hblkhd
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static final Conv[] CONVS = {
        Conv.conv2d().padding(1).algorithm(Algorithm.DIRECT).build(),
        Conv.conv2d().padding(1).algorithm(Algorithm.UNFOLD_GEMM).build(),
        Conv.conv2d().padding(1).algorithm(Algorithm.IMPLICIT_GEMM).build(),
    };
    static final Unfold UNFOLD = Unfold.of(2, new long[] {3, 3}, new long[] {1, 1}, new long[] {1, 1}, new long[] {1, 1});

    static long vmRssKb() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    static long jvmCommittedKb() {
        long b = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) b += p.getUsage().getCommitted();
        return b / 1024;
    }

    static void cycle(int i, float[] xd, float[] wd) {
        try (Arena a = Arena.ofConfined();
             ConvPlan p = CONVS[i % 3].plan(Device.cpu(), DType.F32, Layout.NCHW, new long[] {1, 2, 4, 4}, new long[] {2, 2, 3, 3}, false);
             Stream s = Stream.create(Device.cpu());
             Event e = Event.create(Device.cpu())) {
            Tensor x = Tensor.fromArray(a, xd, 1, 2, 4, 4);
            Tensor w = Tensor.fromArray(a, wd, 2, 2, 3, 3);
            Tensor y = p.allocateOutput(a);
            p.forwardAsync(s, x, w, null, y);
            e.record(s);
            e.synchronize();
            if (i % 16 == 0) UNFOLD.apply(a, x);
        }
    }

    @Test
    void hundredThousandCyclesLeakNothing() throws IOException, InterruptedException {
        long live0 = FastConv.liveNativeObjects();
        float[] xd = new float[32];
        float[] wd = new float[36];
        for (int i = 0; i < xd.length; i++) xd[i] = i * 0.25f - 3;
        for (int i = 0; i < wd.length; i++) wd[i] = 1 - i * 0.125f;
        long t0 = System.nanoTime();
        for (int i = 0; i < WARMUP; i++) cycle(i, xd, wd);
        System.gc();
        long rss0 = vmRssKb(), jvm0 = jvmCommittedKb();
        long[] mal = new long[CYCLES / STEP + 1];
        mal[0] = mallocInUse();
        for (int i = 0; i < CYCLES; i++) {
            cycle(i, xd, wd);
            if ((i + 1) % STEP == 0) {
                assertEquals(live0, FastConv.liveNativeObjects(), "live objects after cycle " + i);
                mal[(i + 1) / STEP] = mallocInUse();
            }
        }
        System.gc();
        long rss1 = vmRssKb(), jvm1 = jvmCommittedKb();
        double secs = (System.nanoTime() - t0) / 1e9;
        long growth = (rss1 - rss0) - Math.max(0, jvm1 - jvm0);
        long[] steps = new long[mal.length - 1];
        for (int j = 0; j < steps.length; j++) steps[j] = mal[j + 1] - mal[j];
        long[] sorted = steps.clone();
        Arrays.sort(sorted);
        long median = sorted[sorted.length / 2];
        System.out.printf("LeakTest: %d cycles (+%d warm-up) in %.1f s; C heap in use %d -> %d B, median growth per %d "
                + "cycles %d B (steps %s); VmRSS %d kB -> %d kB, JVM pools %d kB -> %d kB, non-JVM RSS growth %d kB; "
                + "live native objects %d -> %d%n", CYCLES, WARMUP, secs, mal[0], mal[mal.length - 1], STEP, median,
                Arrays.toString(steps), rss0, rss1, jvm0, jvm1, growth, live0, FastConv.liveNativeObjects());
        assertEquals(live0, FastConv.liveNativeObjects(), "live native objects back to the start");
        if (mal[0] >= 0) {
            // a leak grows the C heap in every step alike; the JVM's own malloc use (JIT arenas) jumps by
            // several MB up or down now and then, which moves a few steps but not the median
            assertTrue(median < MAX_MALLOC_GROWTH_PER_STEP, "C heap in use grows by a median " + median + " bytes per "
                    + STEP + " cycles: " + Arrays.toString(steps));
        }
        assertTrue(growth < MAX_RSS_GROWTH_KB, "resident memory outside the JVM grew by " + growth + " kB over " + CYCLES
                + " cycles (VmRSS " + rss0 + " -> " + rss1 + " kB)");
    }
}
