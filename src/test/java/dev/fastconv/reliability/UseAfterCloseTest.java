package dev.fastconv.reliability;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

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
 * Every native-backed object, used after it is closed, throws IllegalStateException (never a
 * crash, never a native error status): plans, streams, events, tensors whose arena is closed (as
 * every argument of forward/forwardAsync/unfold/copies), and closing twice is harmless.
 */
class UseAfterCloseTest {

    static final Conv CONV = Conv.conv2d().padding(1).algorithm(Algorithm.IMPLICIT_GEMM).build();
    static final long[] XS = {1, 3, 6, 6};
    static final long[] WS = {4, 3, 3, 3};

    static void expectIllegalState(String what, Executable e) {
        IllegalStateException ex = assertThrows(IllegalStateException.class, e, what);
        assertTrue(ex.getMessage() != null && !ex.getMessage().isBlank(), what + ": message");
    }

    @Test
    void planStreamEventAfterClose() {
        long live0 = FastConv.liveNativeObjects();
        try (Arena a = Arena.ofConfined()) {
            Tensor x = Tensor.fromArray(a, new float[3 * 36], XS);
            Tensor w = Tensor.fromArray(a, new float[4 * 27], WS);
            Tensor b = Tensor.fromArray(a, new float[4], 4);
            ConvPlan p = CONV.plan(x, w, b);
            Tensor y = p.allocateOutput(a);
            Stream s = Stream.create(Device.cpu());
            Event e0 = Event.create(Device.cpu());
            Event e1 = Event.create(Device.cpu());
            e0.record(s);
            e1.record(s);

            p.close();
            assertDoesNotThrow(p::close, "plan close twice");
            assertTrue(p.isClosed());
            expectIllegalState("plan.forward", () -> p.forward(x, w, b, y));
            try (Stream s2 = Stream.create(Device.cpu())) {
                expectIllegalState("plan.forwardAsync", () -> p.forwardAsync(s2, x, w, b, y));
            }
            expectIllegalState("plan.allocateOutput", () -> p.allocateOutput(a));
            assertTrue(p.toString().contains("closed"), p.toString());

            s.close();
            assertDoesNotThrow(s::close, "stream close twice");
            expectIllegalState("stream.synchronize", s::synchronize);
            try (ConvPlan p2 = CONV.plan(x, w, b)) {
                expectIllegalState("forwardAsync on a closed stream", () -> p2.forwardAsync(s, x, w, b, y));
            }
            expectIllegalState("event.record(closed stream)", () -> e0.record(s));

            e0.close();
            assertDoesNotThrow(e0::close, "event close twice");
            expectIllegalState("event.synchronize", e0::synchronize);
            expectIllegalState("closed.elapsedMillis(open)", () -> e0.elapsedMillis(e1));
            expectIllegalState("open.elapsedMillis(closed)", () -> e1.elapsedMillis(e0));
            try (Stream s3 = Stream.create(Device.cpu())) {
                expectIllegalState("event.record", () -> e0.record(s3));
            }
            e1.close();
        }
        assertEquals(live0, FastConv.liveNativeObjects(), "every native object freed");
    }

    @Test
    void tensorsOfAClosedArena() {
        long live0 = FastConv.liveNativeObjects();
        Arena dead = Arena.ofConfined();
        Tensor dx = Tensor.fromArray(dead, new float[3 * 36], XS);
        Tensor dw = Tensor.fromArray(dead, new float[4 * 27], WS);
        Tensor db = Tensor.fromArray(dead, new float[4], 4);
        Tensor dy = Tensor.allocate(dead, Device.cpu(), DType.F32, Layout.NCHW, 1, 4, 6, 6);
        Unfold unfold = Unfold.of(2, new long[] {3, 3}, new long[] {1, 1}, new long[] {1, 1}, new long[] {1, 1});
        Tensor dcols = Tensor.allocate(dead, Device.cpu(), DType.F32, Layout.NCHW, unfold.outputShape(XS));
        dead.close();
        assertTrue(!dx.isAlive());
        try (Arena a = Arena.ofConfined();
             ConvPlan p = CONV.plan(Device.cpu(), DType.F32, Layout.NCHW, XS, WS, true);
             Stream s = Stream.create(Device.cpu())) {
            Tensor x = Tensor.fromArray(a, new float[3 * 36], XS);
            Tensor w = Tensor.fromArray(a, new float[4 * 27], WS);
            Tensor b = Tensor.fromArray(a, new float[4], 4);
            Tensor y = p.allocateOutput(a);
            Tensor cols = unfold.apply(a, x);
            expectIllegalState("forward(dead x)", () -> p.forward(dx, w, b, y));
            expectIllegalState("forward(dead w)", () -> p.forward(x, dw, b, y));
            expectIllegalState("forward(dead bias)", () -> p.forward(x, w, db, y));
            expectIllegalState("forward(dead y)", () -> p.forward(x, w, b, dy));
            expectIllegalState("forwardAsync(dead x)", () -> p.forwardAsync(s, dx, w, b, y));
            expectIllegalState("forwardAsync(dead y)", () -> p.forwardAsync(s, x, w, b, dy));
            expectIllegalState("plan(dead x, dead w)", () -> CONV.plan(dx, dw, null));
            expectIllegalState("apply(dead x)", () -> CONV.apply(a, dx, w, null));
            expectIllegalState("unfold(dead x, cols)", () -> unfold.apply(dx, cols));
            expectIllegalState("unfold(x, dead cols)", () -> unfold.apply(x, dcols));
            expectIllegalState("unfold(arena, dead x)", () -> unfold.apply(a, dx));
            expectIllegalState("toFloatArray", dx::toFloatArray);
            expectIllegalState("copyTo", () -> dx.copyTo(a, Device.cpu()));
            expectIllegalState("copyFrom(dead src)", () -> y.copyFrom(dy));
            expectIllegalState("dead.copyFrom(src)", () -> dy.copyFrom(y));
            // the plan and stream are still fine after all that
            p.forward(x, w, b, y);
            p.forwardAsync(s, x, w, b, y);
            s.synchronize();
        }
        assertEquals(live0, FastConv.liveNativeObjects(), "every native object freed");
    }
}
