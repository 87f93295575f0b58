package dev.fastconv;

/** Activation applied after the bias. Ordinals equal fc_activation. */
public enum Activation {
    NONE,
    RELU
}
