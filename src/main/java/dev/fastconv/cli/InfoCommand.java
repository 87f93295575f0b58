package dev.fastconv.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

import dev.fastconv.Device;
import dev.fastconv.DeviceKind;
import dev.fastconv.FastConv;

/** {@code fastconv info}: version, CUDA status and every device. */
final class InfoCommand {
    private InfoCommand() {}

    static final String HELP = """
            usage: fastconv info [--verbose]

            Prints the library version, why CUDA is or is not available, and every device
            (kind, name, SIMD level or compute capability, memory, threads or SMs).
            """;

    static int run(String[] argv, PrintStream out, PrintStream err) {
        if (Args.wantsHelp(argv, 1)) {
            out.print(HELP);
            return 0;
        }
        Args.parse("info", argv, 1, List.of(), List.of("verbose"));
        int v = FastConv.version();
        out.printf(Locale.ROOT, "fastconv %s (native library version %d.%d.%d)%n", FastConv.versionString(),
                v / 10000, v / 100 % 100, v % 100);
        out.println("CUDA: " + FastConv.cudaStatus());
        List<Device> all = Device.all();
        out.println("devices: " + all.size());
        int cuda = 0;
        for (Device d : all) {
            if (d.kind() == DeviceKind.CPU) {
                out.printf(Locale.ROOT, "  [%d] cpu      %s | SIMD %s | memory %s | threads %d%n", d.index(), d.name(),
                        d.simdLevel(), gib(d.totalMemory()), d.cpuThreads());
            } else {
                out.printf(Locale.ROOT, "  [%d] cuda:%-3d %s | compute capability %d.%d | memory %s | SMs %d%n",
                        d.index(), cuda++, d.name(), d.computeCapabilityMajor(), d.computeCapabilityMinor(),
                        gib(d.totalMemory()), d.multiprocessorCount());
            }
        }
        out.println("default device: " + Device.defaultDevice());
        return 0;
    }

    static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }
}
