package dev.fastconv.jmh;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
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

import dev.fastconv.Conv;
import dev.fastconv.ConvPlan;
import dev.fastconv.FastConv;
import dev.fastconv.Stream;
import dev.fastconv.Tensor;

/**
 * Group 1: the cost of the Java layer. The floor is a plain FFM downcall of fc_version() (a no-op C
 * function); {@code rawForward1x1} is a plain downcall of fc_conv_forward on a 1x1x1x1 plan made with
 * the C API directly (native work, no Java layer); {@code forward1x1} is ConvPlan.forward on the same
 * problem. Java-layer overhead = forward1x1 - rawForward1x1; overhead over the floor = forward1x1 - floor.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class OverheadBench {

    static final MethodHandle VERSION_PLAIN;
    static final MethodHandle FORWARD_PLAIN;

    static {
        FastConv.version(); // loads the library into this class loader
        Linker l = Linker.nativeLinker();
        SymbolLookup lookup = SymbolLookup.loaderLookup();
        VERSION_PLAIN = l.downcallHandle(lookup.find("fc_version").orElseThrow(), FunctionDescriptor.of(JAVA_INT));
        FORWARD_PLAIN = l.downcallHandle(lookup.find("fc_conv_forward").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    }

    Arena arena;
    ConvPlan plan;
    Tensor x, w, y;
    float[] hx = {2f}, hw = {3f}, hy = new float[1];
    Stream stream;
    MemorySegment rawPlan, rawWs;

    @Setup(Level.Trial)
    public void setup() throws Throwable {
        arena = Arena.ofConfined();
        x = Tensor.fromArray(arena, new float[] {2f}, 1, 1, 1, 1);
        w = Tensor.fromArray(arena, new float[] {3f}, 1, 1, 1, 1);
        plan = Conv.conv2d().build().plan(x, w, null);
        y = plan.allocateOutput(arena);
        stream = Stream.create(x.device());
        // the same plan through the C API (generated bindings), for the raw downcall
        MemorySegment desc = dev.fastconv.ffi.fc_conv_desc.allocate(arena);
        dev.fastconv.ffi.FastConvFFI.fc_conv_desc_init(desc);
        dev.fastconv.ffi.fc_conv_desc.spatial_dims(desc, 2);
        MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
        check(dev.fastconv.ffi.FastConvFFI.fc_conv_plan_create(desc, 0, out));
        rawPlan = out.get(ValueLayout.ADDRESS, 0);
        MemorySegment wsb = arena.allocate(ValueLayout.JAVA_LONG);
        check(dev.fastconv.ffi.FastConvFFI.fc_conv_plan_workspace_size(rawPlan, wsb));
        rawWs = arena.allocate(Math.max(64, wsb.get(ValueLayout.JAVA_LONG, 0)), 64);
    }

    static void check(int st) {
        if (st != 0) {
            throw new IllegalStateException("fastconv status " + st);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        stream.synchronize();
        stream.close();
        plan.close();
        dev.fastconv.ffi.FastConvFFI.fc_conv_plan_destroy(rawPlan);
        arena.close();
    }

    @Benchmark
    public int floorVersionDowncall() throws Throwable {
        return (int) VERSION_PLAIN.invokeExact();
    }

    @Benchmark
    public int rawForward1x1() throws Throwable {
        return (int) FORWARD_PLAIN.invokeExact(rawPlan, MemorySegment.NULL, x.segment(), w.segment(), MemorySegment.NULL, y.segment(), rawWs);
    }

    @Benchmark
    public void forward1x1() {
        plan.forward(x, w, null, y);
    }

    @Benchmark
    public void forward1x1HeapArrays() {
        plan.forward(hx, hw, null, hy);
    }

    /** Submission cost of forwardAsync on a CPU stream (the queue is drained every 1024 calls). */
    int pending;

    @Benchmark
    public void forwardAsync1x1() {
        plan.forwardAsync(stream, x, w, null, y);
        if (++pending == 1024) {
            pending = 0;
            stream.synchronize();
        }
    }
}
