package dev.fastconv.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Channels-first <-> channels-last copies of raw 2- or 4-byte element data, shape (outer, C, S)
 * <-> (outer, S, C) where S is the product of the spatial sizes. Used for {@code --layout nhwc}
 * (the .npy files are always logical NC... order). Works on native memory: no heap arrays.
 */
final class Layouts {
    private Layouts() {}

    /** (outer, c, s) -> (outer, s, c). */
    static MemorySegment toChannelsLast(Arena arena, MemorySegment src, int elemSize, long outer, long c, long s) {
        return transpose(arena, src, elemSize, outer, c, s);
    }

    /** (outer, s, c) -> (outer, c, s). */
    static MemorySegment toChannelsFirst(Arena arena, MemorySegment src, int elemSize, long outer, long c, long s) {
        return transpose(arena, src, elemSize, outer, s, c);
    }

    /** Each of {@code outer} (rows x cols) matrices transposed to (cols x rows). */
    private static MemorySegment transpose(Arena arena, MemorySegment src, int elemSize, long outer, long rows,
            long cols) {
        long n = outer * rows * cols;
        MemorySegment dst = arena.allocate(Math.max(1, n * elemSize), 64).asSlice(0, n * elemSize);
        long plane = rows * cols;
        for (long o = 0; o < outer; o++) {
            long base = o * plane;
            if (elemSize == 4) {
                for (long r = 0; r < rows; r++) {
                    for (long q = 0; q < cols; q++) {
                        dst.setAtIndex(ValueLayout.JAVA_INT, base + q * rows + r,
                                src.getAtIndex(ValueLayout.JAVA_INT, base + r * cols + q));
                    }
                }
            } else if (elemSize == 2) {
                for (long r = 0; r < rows; r++) {
                    for (long q = 0; q < cols; q++) {
                        dst.setAtIndex(ValueLayout.JAVA_SHORT, base + q * rows + r,
                                src.getAtIndex(ValueLayout.JAVA_SHORT, base + r * cols + q));
                    }
                }
            } else {
                throw new IllegalArgumentException("element size " + elemSize);
            }
        }
        return dst;
    }
}
