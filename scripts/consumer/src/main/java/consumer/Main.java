package consumer;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

import dev.fastconv.Conv;
import dev.fastconv.ConvPlan;
import dev.fastconv.Device;
import dev.fastconv.FastConv;
import dev.fastconv.Stream;
import dev.fastconv.Tensor;

/**
 * Runs a 3x3 convolution three ways (off-heap tensors, heap arrays, a CPU stream with a future) and
 * checks the result against a hand computation; prints "consumer: ok" and exits 0, else exits 1.
 */
public final class Main {

    public static void main(String[] args) throws Exception {
        Module m = Main.class.getModule();
        String mode = m.isNamed() ? "module path (" + m.getName() + ")" : "class path";
        // 1 x 1 x 4 x 4 input 0..15, a 3x3 all-ones kernel, bias 0.5, padding 0 -> 2 x 2
        float[] x = new float[16];
        for (int i = 0; i < 16; i++) {
            x[i] = i;
        }
        float[] w = new float[9];
        java.util.Arrays.fill(w, 1f);
        float[] b = {0.5f};
        float[] expected = {45.5f, 54.5f, 81.5f, 90.5f};
        Conv conv = Conv.conv2d().build();
        boolean ok = true;
        try (Arena arena = Arena.ofConfined()) {
            Tensor xt = Tensor.fromArray(arena, x, 1, 1, 4, 4);
            Tensor wt = Tensor.fromArray(arena, w, 1, 1, 3, 3);
            Tensor bt = Tensor.fromArray(arena, b, 1);
            try (ConvPlan plan = conv.plan(xt, wt, bt); Stream stream = Stream.create(Device.cpu())) {
                Tensor y = plan.allocateOutput(arena);
                plan.forward(xt, wt, bt, y);
                ok &= check("segment", y.toFloatArray(), expected);
                float[] hy = new float[4];
                plan.forward(x, w, b, hy);
                ok &= check("float[]", hy, expected);
                Tensor ya = plan.allocateOutput(arena);
                plan.forwardAsync(stream, xt, wt, bt, ya);
                stream.onComplete().get(30, TimeUnit.SECONDS);
                ok &= check("forwardAsync", ya.toFloatArray(), expected);
            }
        }
        System.out.println("consumer: fastconv " + FastConv.versionString() + " on the " + mode + ", library " + FastConv.librarySource());
        System.out.println(ok ? "consumer: ok" : "consumer: FAILED");
        System.exit(ok ? 0 : 1);
    }

    private static boolean check(String what, float[] got, float[] expected) {
        if (!java.util.Arrays.equals(got, expected)) {
            System.out.println("consumer: " + what + " gave " + java.util.Arrays.toString(got) + ", expected " + java.util.Arrays.toString(expected));
            return false;
        }
        return true;
    }
}
