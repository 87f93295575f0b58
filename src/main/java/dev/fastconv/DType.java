package dev.fastconv;

import java.util.Locale;

/** Element type of a tensor. Ordinals equal the C enum fc_dtype. */
public enum DType {
    F32(4, "<f4"),
    F16(2, "<f2");

    private final int byteSize;
    private final String numpyDescr;

    DType(int byteSize, String numpyDescr) {
        this.byteSize = byteSize;
        this.numpyDescr = numpyDescr;
    }

    public int byteSize() {
        return byteSize;
    }

    /** The NumPy dtype descriptor: "&lt;f4" or "&lt;f2". */
    public String numpyDescr() {
        return numpyDescr;
    }

    /** "f32"/"float32"/"fp32" or "f16"/"float16"/"fp16"/"half" (case-insensitive). */
    public static DType parse(String s) {
        if (s != null) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "f32", "float32", "fp32", "float", "<f4":
                    return F32;
                case "f16", "float16", "fp16", "half", "<f2":
                    return F16;
                default:
            }
        }
        throw new IllegalArgumentException("dtype: expected one of f32, f16 but got '" + s + "'");
    }
}
