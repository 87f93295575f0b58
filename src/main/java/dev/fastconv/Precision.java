package dev.fastconv;

import java.util.Locale;

/**
 * How products are formed (accumulation is always at least fp32). Ordinals equal fc_precision.
 * FP32: exact fp32 products; TF32: inputs rounded to tf32 (10-bit mantissa); FP16: inputs rounded to
 * fp16; FP32_3XTF32: fp32-level accuracy from three tf32 products (big/small split).
 */
public enum Precision {
    FP32("fp32"),
    TF32("tf32"),
    FP16("fp16"),
    FP32_3XTF32("3xtf32");

    private final String cliName;

    Precision(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** "fp32", "tf32", "fp16", "3xtf32" (case-insensitive; the enum names are accepted too). */
    public static Precision parse(String s) {
        if (s != null) {
            String t = s.trim().toLowerCase(Locale.ROOT);
            for (Precision p : values()) {
                if (p.cliName.equals(t) || p.name().toLowerCase(Locale.ROOT).equals(t)) {
                    return p;
                }
            }
        }
        throw new IllegalArgumentException("precision: expected one of fp32, tf32, fp16, 3xtf32 but got '" + s + "'");
    }
}
