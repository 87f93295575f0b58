package dev.fastconv;

/** Ordinals equal fc_device_kind. */
public enum DeviceKind {
    CPU,
    CUDA
}
