package dev.fastconv.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;

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

/**
 * fc_live_objects counts every native allocation the API hands out: a stream, an event, a plan
 * and its workspace (fc_malloc) are one each, and each close gives exactly that back. (CPU tensors
 * are Java arena memory, not fastconv's; the CPU backend's per-thread scratch is a cache bounded by
 * the thread count, freed at thread exit, and is covered by LeakTest's C-heap bound instead.)
 */
class LiveObjectsTest {

    @Test
    void eachHandleAndBufferIsCountedOnce() {
        long n0 = FastConv.liveNativeObjects();
        Stream s = Stream.create(Device.cpu());
        assertEquals(n0 + 1, FastConv.liveNativeObjects(), "stream");
        Event e = Event.create(Device.cpu());
        assertEquals(n0 + 2, FastConv.liveNativeObjects(), "event");
        for (Algorithm a : new Algorithm[] {Algorithm.DIRECT, Algorithm.UNFOLD_GEMM, Algorithm.IMPLICIT_GEMM}) {
            ConvPlan p = Conv.conv2d().algorithm(a).build()
                    .plan(Device.cpu(), DType.F32, Layout.NCHW, new long[] {1, 2, 5, 5}, new long[] {3, 2, 3, 3}, false);
            assertTrue(p.workspaceSize() > 0);
            assertEquals(n0 + 4, FastConv.liveNativeObjects(), a + ": plan + workspace");
            try (Arena ar = Arena.ofConfined(); Stream s2 = Stream.create(Device.cpu())) {
                var x = dev.fastconv.Tensor.allocate(ar, Device.cpu(), DType.F32, Layout.NCHW, 1, 2, 5, 5);
                var w = dev.fastconv.Tensor.allocate(ar, Device.cpu(), DType.F32, Layout.NCHW, 3, 2, 3, 3);
                p.forwardAsync(s2, x, w, null, p.allocateOutput(ar));
                p.forward(x, w, null, p.allocateOutput(ar));
            }
            assertEquals(n0 + 4, FastConv.liveNativeObjects(), a + ": forward allocates nothing that outlives it");
            p.close();
            assertEquals(n0 + 2, FastConv.liveNativeObjects(), a + ": plan closed");
        }
        e.close();
        assertEquals(n0 + 1, FastConv.liveNativeObjects(), "event closed");
        s.close();
        assertEquals(n0, FastConv.liveNativeObjects(), "stream closed");
    }
}
