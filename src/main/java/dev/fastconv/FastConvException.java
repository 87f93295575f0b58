package dev.fastconv;

/**
 * A failure reported by the native library other than a bad argument (those are
 * {@link IllegalArgumentException}s): out of memory, unsupported, device error, internal error.
 */
public class FastConvException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String status;

    public FastConvException(String status, String message) {
        super(message);
        this.status = status;
    }

    /** The fc_status name, e.g. "FC_ERROR_OUT_OF_MEMORY". */
    public String status() {
        return status;
    }
}
