package dev.fastconv.jmh;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.fastconv.Conv;
import dev.fastconv.ConvPlan;
import dev.fastconv.Device;
import dev.fastconv.Tensor;

/**
 * Groups 2 and 3: one conv2d (NCHW, f32, bias, padding 1, stride 1) on the CPU, fastconv (off-heap
 * tensors; heap float[]) against ONNX Runtime (a one-node Conv model, input and output bound to
 * preallocated direct buffers, ORT's CPU provider with as many intra-op threads as fastconv's pool).
 * shape: N,C,H,W,K,R (square kernel).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class ConvBench {

    /** small: 1x16x32x32 -> 16 3x3; note: 1x3x1024x1024 -> 16; r56: ResNet 1x64x56x56 -> 64; r14: 1x256x14x14 -> 256. */
    @Param({"small", "note", "r56", "r14"})
    public String shape;

    Arena arena;
    ConvPlan plan;
    ConvPlan planZeroCopy; // the same problem with heap arrays always passed without a copy
    Tensor x, w, b, y;
    float[] hx, hw, hb, hy;
    OrtEnvironment env;
    OrtSession session;
    OnnxTensor ortX, ortY;
    Map<String, OnnxTensor> ortIn;
    Map<String, OnnxValue> ortOut;

    static long[] dims(String s) {
        return switch (s) {
            case "small" -> new long[] {1, 16, 32, 32, 16, 3};
            case "note" -> new long[] {1, 3, 1024, 1024, 16, 3};
            case "r56" -> new long[] {1, 64, 56, 56, 64, 3};
            case "r14" -> new long[] {1, 256, 14, 14, 256, 3};
            default -> throw new IllegalArgumentException(s);
        };
    }

    static float[] random(SplittableRandom r, long n) {
        float[] a = new float[(int) n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return a;
    }

    @Setup(Level.Trial)
    public void setup() throws Exception {
        long[] d = dims(shape);
        long[] xs = {d[0], d[1], d[2], d[3]}, ws = {d[4], d[1], d[5], d[5]};
        SplittableRandom r = new SplittableRandom(42);
        hx = random(r, xs[0] * xs[1] * xs[2] * xs[3]);
        hw = random(r, ws[0] * ws[1] * ws[2] * ws[3]);
        hb = random(r, ws[0]);
        arena = Arena.ofShared();
        x = Tensor.fromArray(arena, hx, xs);
        w = Tensor.fromArray(arena, hw, ws);
        b = Tensor.fromArray(arena, hb, ws[0]);
        plan = Conv.conv2d().padding(1).build().plan(x, w, b);
        String old = System.setProperty("fastconv.heapCriticalMaxMacs", Long.toString(Long.MAX_VALUE));
        try {
            planZeroCopy = Conv.conv2d().padding(1).build().plan(x, w, b);
        } finally {
            if (old == null) {
                System.clearProperty("fastconv.heapCriticalMaxMacs");
            } else {
                System.setProperty("fastconv.heapCriticalMaxMacs", old);
            }
        }
        y = plan.allocateOutput(arena);
        long[] ys = plan.outputShape();
        hy = new float[(int) y.elementCount()];

        env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        so.setIntraOpNumThreads(Math.max(1, Device.cpu().cpuThreads()));
        so.setInterOpNumThreads(1);
        session = env.createSession(OnnxModel.conv2d(xs, ws, hw, hb, 1, 1, ys), so);
        FloatBuffer xb = ByteBuffer.allocateDirect(hx.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        xb.put(hx).rewind();
        ortX = OnnxTensor.createTensor(env, xb, xs);
        FloatBuffer yb = ByteBuffer.allocateDirect(hy.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        ortY = OnnxTensor.createTensor(env, yb, ys);
        ortIn = Map.of("X", ortX);
        ortOut = Map.of("Y", ortY);
        // both compute the same thing
        plan.forward(x, w, b, y);
        session.run(ortIn, ortOut).close();
        FloatBuffer got = ortY.getFloatBuffer();
        double maxErr = 0, maxAbs = 0;
        for (int i = 0; i < hy.length; i++) {
            float f = y.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i);
            maxErr = Math.max(maxErr, Math.abs(f - got.get(i)));
            maxAbs = Math.max(maxAbs, Math.abs(f));
        }
        if (maxErr > 1e-3 * Math.max(1, maxAbs)) {
            throw new IllegalStateException("fastconv and ONNX Runtime disagree on " + shape + ": max |diff| " + maxErr);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        ortX.close();
        ortY.close();
        session.close();
        plan.close();
        planZeroCopy.close();
        arena.close();
    }

    @Benchmark
    public void fastconvSegment() {
        plan.forward(x, w, b, y);
    }

    @Benchmark
    public void fastconvHeapArray() {
        plan.forward(hx, hw, hb, hy);
    }

    /**
     * Heap arrays passed without a copy whatever the size (a critical call: no GC can start for its
     * duration) — against fastconvHeapArray, which stages large plans through native buffers, this
     * shows what the copy costs and that the zero-copy path really skips it.
     */
    @Benchmark
    public void fastconvHeapArrayZeroCopy() {
        planZeroCopy.forward(hx, hw, hb, hy);
    }

    @Benchmark
    public Object onnxRuntime() throws Exception {
        try (OrtSession.Result res = session.run(ortIn, ortOut)) {
            return res;
        }
    }
}
