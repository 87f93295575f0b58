package dev.fastconv.cli;

/**
 * A user-facing error: bad arguments or bad input files. {@link Main#run} prints
 * {@code fastconv: error: <message>} and returns {@link #exitCode()} (2 unless told otherwise).
 */
public class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    public CliException(String message) {
        this(message, 2, null);
    }

    public CliException(String message, Throwable cause) {
        this(message, 2, cause);
    }

    public CliException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
