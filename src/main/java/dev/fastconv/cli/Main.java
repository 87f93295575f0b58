package dev.fastconv.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.fastconv.FastConv;
import dev.fastconv.FastConvException;

/**
 * The {@code fastconv} command-line tool. {@link #run} does all the work and returns the exit
 * status (0 ok, 2 bad arguments or input files, 1 unexpected internal error); only {@link #main}
 * calls {@link System#exit}.
 */
public final class Main {

    static final String USAGE = """
            usage: fastconv <command> [options]

            commands:
              info                      version, CUDA status and every device
              conv1d | conv2d | conv3d  convolve .npy files like torch.nn.functional.conv{1,2,3}d
              bench                     time every algorithm x precision on a 1x3x1024x1024 input
                                        (or --shape) against an fp64 reference

            'fastconv <command> --help' describes a command's options. Options take
            '--name value' or '--name=value'. --verbose prints stack traces of internal errors.
            exit status: 0 ok, 2 bad arguments or input files, 1 internal error.
            """;

    private Main() {}

    public static void main(String[] args) {
        int rc;
        PrintStream out = System.out;
        PrintStream err = System.err;
        try {
            rc = run(args, out, err);
        } catch (Throwable t) { // run() catches everything; this is the last line of defence
            err.println("fastconv: internal error: " + t);
            rc = 1;
        }
        out.flush();
        err.flush();
        System.exit(rc);
    }

    /** Runs one command line; never calls System.exit. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        try {
            if (args.length == 0) {
                err.print(USAGE);
                return 2;
            }
            String cmd = args[0];
            switch (cmd) {
                case "-h", "--help", "help":
                    out.print(USAGE);
                    return 0;
                case "--version", "version":
                    out.println("fastconv " + FastConv.versionString());
                    return 0;
                case "info":
                    return InfoCommand.run(args, out, err);
                case "conv1d":
                    return new ConvCommand(1).run(args, out, err);
                case "conv2d":
                    return new ConvCommand(2).run(args, out, err);
                case "conv3d":
                    return new ConvCommand(3).run(args, out, err);
                case "bench":
                    return new BenchCommand().run(args, out, err);
                case "batch":
                    return batch(args, out, err);
                default:
                    throw new CliException("unknown command \"" + cmd
                            + "\" (commands: info, conv1d, conv2d, conv3d, bench; see 'fastconv --help')");
            }
        } catch (CliException e) {
            err.println("fastconv: error: " + e.getMessage());
            if (verbose && e.getCause() != null) e.printStackTrace(err);
            return e.exitCode();
        } catch (OutOfMemoryError e) {
            err.println("fastconv: error: out of Java heap memory (" + e.getMessage()
                    + "); give the JVM more with JAVA_TOOL_OPTIONS=-Xmx..., or use smaller inputs");
            if (verbose) e.printStackTrace(err);
            return 1;
        } catch (Throwable t) {
            err.println("fastconv: internal error: " + t);
            if (verbose) t.printStackTrace(err);
            else err.println("fastconv: (run with --verbose for the stack trace)");
            return 1;
        }
    }

    /**
     * Maps an exception thrown by the fastconv API while doing {@code what} to a user error (exit 2)
     * when it is about the arguments, or rethrows it as an internal error.
     */
    static RuntimeException apiError(RuntimeException e) {
        if (e instanceof CliException c) return c;
        if (e instanceof IllegalArgumentException) return new CliException(e.getMessage(), e);
        if (e instanceof FastConvException f) {
            String s = String.valueOf(f.status());
            if (s.contains("INVALID_ARGUMENT") || s.contains("UNSUPPORTED") || s.contains("NOT_AVAILABLE")) {
                return new CliException(e.getMessage() + " (" + s + ")", e);
            }
            if (s.contains("OUT_OF_MEMORY")) {
                return new CliException("out of memory: " + e.getMessage(), 1, e);
            }
        }
        return e;
    }

    /**
     * Hidden: {@code fastconv batch --manifest FILE} runs one command line per manifest line
     * (arguments separated by tabs) in this JVM and prints {@code <line>\t<exit>\t<first error line>}
     * per case on stdout. Used by scripts/crosscheck_torch.py.
     */
    private static int batch(String[] args, PrintStream out, PrintStream err) {
        Args a = Args.parse("batch", args, 1, List.of("manifest"), List.of("verbose"));
        Path manifest = Path.of(a.require("manifest"));
        List<String> lines;
        try {
            lines = Files.readAllLines(manifest, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CliException("--manifest: " + manifest + ": no such file");
        } catch (IOException e) {
            throw new CliException("--manifest: " + manifest + ": cannot read: " + e);
        }
        int i = 0;
        for (String line : lines) {
            i++;
            if (line.isBlank() || line.startsWith("#")) continue;
            List<String> caseArgs = new ArrayList<>(Arrays.asList(line.split("\t")));
            if (caseArgs.get(0).equals("batch")) throw new CliException("--manifest: line " + i + ": nested batch");
            if (a.flag("verbose")) caseArgs.add("--verbose");
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int rc;
            try (PrintStream caseErr = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
                rc = run(caseArgs.toArray(String[]::new), out, caseErr);
            }
            String msg = buf.toString(StandardCharsets.UTF_8);
            err.print(msg);
            String first = msg.lines().findFirst().orElse("").replace('\t', ' ');
            out.println(i + "\t" + rc + "\t" + first);
            out.flush();
        }
        return 0;
    }
}
