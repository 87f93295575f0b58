package dev.fastconv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void allocateIsZeroedAndAligned() {
        try (Arena a = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(a, Device.cpu(), DType.F32, Layout.NHWC, 2, 3, 5, 7);
            assertEquals(0, t.segment().address() % 64);
            assertEquals(2 * 3 * 5 * 7, t.elementCount());
            assertEquals(2 * 3 * 5 * 7 * 4, t.byteSize());
            for (float v : t.toFloatArray()) {
                assertEquals(0f, v);
            }
            assertArrayEquals(new long[] {2, 3, 5, 7}, t.shape());
            assertEquals(4, t.rank());
            assertEquals(5, t.dim(2));
        }
    }

    @Test
    void nhwcPermutesMemoryButNotLogicalOrder() {
        long[] shape = {2, 3, 2, 2};
        float[] data = new float[24];
        for (int i = 0; i < data.length; i++) {
            data[i] = i;
        }
        try (Arena a = Arena.ofConfined()) {
            Tensor t = Tensor.fromArray(a, Device.cpu(), DType.F32, Layout.NHWC, data, shape);
            assertArrayEquals(data, t.toFloatArray());
            // memory (n, h, w, c): element (n=1, c=2, h=0, w=1) is logical 1*12 + 2*4 + 0*2 + 1 = 21, memory ((1*2+0)*2+1)*3+2 = 17
            assertEquals(21f, t.segment().getAtIndex(ValueLayout.JAVA_FLOAT, 17));
            assertEquals(1f * 4, t.segment().getAtIndex(ValueLayout.JAVA_FLOAT, 1)); // (n0,h0,w0,c1) = logical 4
            Tensor f16 = Tensor.fromArray(a, Device.cpu(), DType.F16, Layout.NHWC, data, shape);
            assertArrayEquals(data, f16.toFloatArray());
            assertEquals(Float.floatToFloat16(21f), f16.segment().getAtIndex(ValueLayout.JAVA_SHORT, 17));
            Tensor nchw = Tensor.fromArray(a, data, shape);
            assertEquals(21f, nchw.segment().getAtIndex(ValueLayout.JAVA_FLOAT, 21));
            // 3-D spatial NDHWC too
            float[] d5 = new float[2 * 3 * 2 * 2 * 2];
            for (int i = 0; i < d5.length; i++) {
                d5[i] = i;
            }
            Tensor t5 = Tensor.fromArray(a, Device.cpu(), DType.F32, Layout.NHWC, d5, 2, 3, 2, 2, 2);
            assertArrayEquals(d5, t5.toFloatArray());
            assertEquals(8f, t5.segment().getAtIndex(ValueLayout.JAVA_FLOAT, 1)); // (n0, s0, c1) = logical 1*8
        }
    }

    @Test
    void f16RoundsToNearestEven() {
        float one = 1f;
        float halfUlp = 0x1p-11f; // half an f16 ulp at 1
        float[] data = {one + halfUlp, one + 3 * halfUlp, 65504f, 1e-8f, -2.5f};
        try (Arena a = Arena.ofConfined()) {
            Tensor t = Tensor.fromArray(a, Device.cpu(), DType.F16, Layout.NCHW, data, 5);
            float[] back = t.toFloatArray();
            assertEquals(1f, back[0]);                 // tie -> even (1.0)
            assertEquals(1f + 4 * halfUlp, back[1]);   // tie -> even (1 + 2^-9)
            assertEquals(65504f, back[2]);
            assertEquals(0f, back[3]);
            assertEquals(-2.5f, back[4]);
            short[] bits = t.toF16Bits();
            assertEquals((short) 0x3c00, bits[0]);
            Tensor t2 = Tensor.fromF16Bits(a, bits, 5);
            assertArrayEquals(bits, t2.toF16Bits());
        }
    }

    @Test
    void wrapAndCopy() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(64, 16);
            Tensor t = Tensor.wrap(seg, DType.F32, Layout.NCHW, 2, 8);
            t.segment().setAtIndex(ValueLayout.JAVA_FLOAT, 3, 7f);
            assertEquals(7f, seg.getAtIndex(ValueLayout.JAVA_FLOAT, 3));
            Tensor c = t.copyTo(a, Device.cpu());
            assertEquals(7f, c.toFloatArray()[3]);
            Tensor d = Tensor.allocate(a, Device.cpu(), DType.F32, Layout.NCHW, 2, 8);
            d.copyFrom(c);
            assertArrayEquals(t.toFloatArray(), d.toFloatArray());
        }
    }

    @Test
    void closedArenaMakesTensorDead() {
        Tensor t;
        try (Arena a = Arena.ofConfined()) {
            t = Tensor.fromArray(a, new float[] {1, 2}, 2);
            assertTrue(t.isAlive());
        }
        assertFalse(t.isAlive());
        IllegalStateException e = assertThrows(IllegalStateException.class, t::toFloatArray);
        assertTrue(e.getMessage().contains("tensor's arena is closed"), e.getMessage());
    }
}
