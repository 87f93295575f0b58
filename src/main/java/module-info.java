/**
 * fastconv: fast convolution (PyTorch conv{1,2,3}d semantics) on a native CPU/CUDA library called
 * through {@code java.lang.foreign}. Only {@code dev.fastconv} is API; {@code dev.fastconv.internal}
 * (loading, hand-written downcalls), {@code dev.fastconv.ffi} (generated bindings) and
 * {@code dev.fastconv.cli} (the command line) are not exported. Module users start the JVM with
 * {@code --enable-native-access=dev.fastconv}; on the class path the jar's manifest carries
 * {@code Enable-Native-Access: ALL-UNNAMED}.
 */
module dev.fastconv {
    exports dev.fastconv;
}
