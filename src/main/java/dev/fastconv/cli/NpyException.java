package dev.fastconv.cli;

/** A .npy file that cannot be read (or written): the message names the file and the problem. */
public final class NpyException extends CliException {
    private static final long serialVersionUID = 1L;

    public NpyException(String file, String problem) {
        super(file + ": " + problem);
    }

    public NpyException(String file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
