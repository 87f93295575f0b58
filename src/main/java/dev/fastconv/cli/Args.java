package dev.fastconv.cli;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parsed options of one command: {@code --name value}, {@code --name=value} and flags
 * ({@code --json}). Unknown options, positional arguments and repeated options are errors.
 */
final class Args {
    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Set<String> flags = new HashSet<>();

    private Args(String command) {
        this.command = command;
    }

    /** True when {@code --help} or {@code -h} appears anywhere (checked before strict parsing). */
    static boolean wantsHelp(String[] argv, int from) {
        for (int i = from; i < argv.length; i++) {
            if (argv[i].equals("--help") || argv[i].equals("-h")) return true;
        }
        return false;
    }

    static Args parse(String command, String[] argv, int from, List<String> valueOptions, List<String> flagOptions) {
        Args a = new Args(command);
        for (int i = from; i < argv.length; i++) {
            String arg = argv[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new CliException("unexpected argument \"" + arg + "\" (options start with --; see 'fastconv "
                        + command + " --help')");
            }
            int eq = arg.indexOf('=');
            String name = eq >= 0 ? arg.substring(2, eq) : arg.substring(2);
            String value = eq >= 0 ? arg.substring(eq + 1) : null;
            if (flagOptions.contains(name)) {
                if (value != null) throw new CliException("--" + name + " takes no value, got \"" + arg + "\"");
                a.flags.add(name);
            } else if (valueOptions.contains(name)) {
                if (value == null) {
                    if (i + 1 >= argv.length) throw new CliException("--" + name + ": missing value");
                    value = argv[++i];
                }
                if (a.values.containsKey(name)) throw new CliException("--" + name + " given more than once");
                a.values.put(name, value);
            } else {
                throw new CliException("unknown option --" + name + " for 'fastconv " + command + "' (see 'fastconv "
                        + command + " --help')");
            }
        }
        return a;
    }

    String command() {
        return command;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    String get(String name) {
        return values.get(name);
    }

    String get(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    String require(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new CliException("missing required option --" + name + " (see 'fastconv " + command + " --help')");
        }
        return v;
    }

    /** One of {@code choices} (case-insensitive), returned in lower case. */
    String choice(String name, String dflt, String... choices) {
        String v = values.get(name);
        if (v == null) return dflt;
        String lower = v.toLowerCase(java.util.Locale.ROOT);
        for (String c : choices) {
            if (c.equals(lower)) return c;
        }
        throw new CliException("--" + name + ": expected one of " + String.join(", ", choices) + ", got \"" + v + "\"");
    }

    long positiveLong(String name, long dflt) {
        String v = values.get(name);
        if (v == null) return dflt;
        return parsePositive(name, v, "a positive integer");
    }

    long nonNegativeLong(String name, long dflt) {
        String v = values.get(name);
        if (v == null) return dflt;
        try {
            long x = Long.parseLong(v.trim());
            if (x >= 0) return x;
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw new CliException("--" + name + ": expected a non-negative integer, got \"" + v + "\"");
    }

    private static long parsePositive(String name, String v, String what) {
        try {
            long x = Long.parseLong(v.trim());
            if (x >= 1) return x;
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw new CliException("--" + name + ": expected " + what + ", got \"" + v + "\"");
    }

    /**
     * A per-dimension list: 1 value (broadcast to all {@code dims}) or exactly {@code dims} values,
     * each >= {@code min}. Returns {@code dims} values.
     */
    static long[] intList(String name, String v, int dims, long min) {
        String[] parts = v.split(",", -1);
        boolean ok = parts.length == 1 || parts.length == dims;
        long[] out = new long[parts.length];
        for (int i = 0; ok && i < parts.length; i++) {
            try {
                out[i] = Long.parseLong(parts[i].trim());
                if (out[i] < min) ok = false;
            } catch (NumberFormatException e) {
                ok = false;
            }
        }
        if (!ok) {
            throw new CliException("--" + name + ": expected " + countWords(dims) + " "
                    + (min >= 1 ? "positive" : "non-negative") + " integer" + (dims == 1 ? "" : "s")
                    + (name.equals("padding") ? ", \"same\" or \"valid\"" : "") + ", got \"" + v + "\"");
        }
        if (parts.length == 1) {
            long[] all = new long[dims];
            Arrays.fill(all, out[0]);
            return all;
        }
        return out;
    }

    static String countWords(int dims) {
        return dims == 1 ? "1" : "1 or " + dims;
    }
}
