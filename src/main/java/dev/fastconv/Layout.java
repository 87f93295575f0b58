package dev.fastconv;

import java.util.Locale;

/**
 * Memory order of a tensor, for any rank: channels first (NCW, NCHW, NCDHW; weight K,C/g,kernel...)
 * or channels last (NWC, NHWC, NDHWC; weight K,kernel...,C/g). Shapes are always logical (PyTorch's
 * N, C, spatial order); rank-1 and rank-2 tensors are stored the same way in both layouts.
 * Ordinals equal the C enum fc_layout.
 */
public enum Layout {
    NCHW,
    NHWC;

    /** "nchw"/"channels-first" or "nhwc"/"channels-last" (case-insensitive). */
    public static Layout parse(String s) {
        if (s != null) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "nchw", "ncw", "ncdhw", "channels-first", "channels_first":
                    return NCHW;
                case "nhwc", "nwc", "ndhwc", "channels-last", "channels_last":
                    return NHWC;
                default:
            }
        }
        throw new IllegalArgumentException("layout: expected one of nchw, nhwc but got '" + s + "'");
    }
}
