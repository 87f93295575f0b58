package dev.fastconv;

import java.util.Locale;

/** Convolution algorithm. Ordinals equal fc_algorithm. */
public enum Algorithm {
    AUTO("auto"),
    DIRECT("direct"),
    UNFOLD_GEMM("unfold-gemm"),
    IMPLICIT_GEMM("implicit-gemm");

    private final String cliName;

    Algorithm(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** "auto", "direct", "unfold-gemm", "implicit-gemm" (case-insensitive; '_' accepted for '-'). */
    public static Algorithm parse(String s) {
        if (s != null) {
            String t = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
            for (Algorithm a : values()) {
                if (a.cliName.equals(t)) {
                    return a;
                }
            }
        }
        throw new IllegalArgumentException("algorithm: expected one of auto, direct, unfold-gemm, implicit-gemm but got '" + s + "'");
    }
}
