package dev.fastconv.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

import dev.fastconv.ffi.FastConvFFI;

/**
 * Loads libfastconv once per process, before any binding in {@code dev.fastconv.ffi} is touched
 * (the generated code looks symbols up in this class loader's libraries).
 *
 * <p>Where the library comes from: {@code -Dfastconv.library=/path/to/libfastconv.so} if set,
 * else the class-path resource {@code /native/<os>-<arch>/<System.mapLibraryName("fastconv")>}
 * (e.g. {@code /native/linux-x86_64/libfastconv.so}), copied to a temporary file (deleted on exit)
 * and {@link System#load}-ed. Then {@code fc_version()}'s major must equal {@link #EXPECTED_MAJOR}.
 *
 * <p>Every failure is an {@link UnsatisfiedLinkError} whose message says what to do; a failed
 * load is remembered and reported again (with the same message) on every later attempt.
 */
public final class NativeLibrary {

    /** The C API major version these Java sources were written against (FC_VERSION_MAJOR). */
    public static final int EXPECTED_MAJOR = 0;
    public static final String LIBRARY_PROPERTY = "fastconv.library";
    /** Set to "false" to skip the native-access check (e.g. when the JVM only warns). */
    public static final String CHECK_ACCESS_PROPERTY = "fastconv.checkNativeAccess";

    private static final Object LOCK = new Object();
    private static volatile boolean loaded;
    private static String failure;          // message of the first failed attempt
    private static Throwable failureCause;
    private static String source;           // where it was loaded from

    private NativeLibrary() {}

    /** Loads the library if not yet done; cheap after the first call. */
    public static void load() {
        if (loaded) {
            return;
        }
        synchronized (LOCK) {
            if (loaded) {
                return;
            }
            if (failure != null) {
                throw linkError(failure, failureCause);
            }
            try {
                doLoad();
                loaded = true;
            } catch (UnsatisfiedLinkError e) {
                failure = e.getMessage();
                failureCause = e.getCause();
                throw e;
            }
        }
    }

    /** Where the library was loaded from (a path), or null if not loaded. */
    public static String source() {
        return loaded ? source : null;
    }

    private static UnsatisfiedLinkError linkError(String message, Throwable cause) {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError(message);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    private static void doLoad() {
        Module module = NativeLibrary.class.getModule();
        if (!"false".equalsIgnoreCase(System.getProperty(CHECK_ACCESS_PROPERTY))
                && !module.isNativeAccessEnabled()) {
            String who = module.isNamed() ? module.getName() : "ALL-UNNAMED";
            throw linkError("fastconv: native access is not enabled for " + (module.isNamed() ? "module " + who : "the class path")
                    + "; start the JVM with --enable-native-access=" + who
                    + " (an executable jar gets it from its manifest's Enable-Native-Access: ALL-UNNAMED)", null);
        }
        String override = System.getProperty(LIBRARY_PROPERTY);
        Path path;
        if (override != null && !override.isBlank()) {
            path = Path.of(override).toAbsolutePath();
            if (!Files.isRegularFile(path)) {
                throw linkError("fastconv: -D" + LIBRARY_PROPERTY + "=" + override + " is not a file", null);
            }
        } else {
            path = extractResource();
        }
        try {
            System.load(path.toString());
        } catch (IllegalCallerException e) {
            throw linkError("fastconv: native access denied; start the JVM with --enable-native-access=ALL-UNNAMED", e);
        } catch (UnsatisfiedLinkError e) {
            throw linkError("fastconv: could not load " + path + ": " + e.getMessage(), e);
        }
        source = path.toString();
        int version;
        try {
            version = FastConvFFI.fc_version();
        } catch (IllegalCallerException e) {
            throw linkError("fastconv: native access denied; start the JVM with --enable-native-access=ALL-UNNAMED", e);
        } catch (UnsatisfiedLinkError | ExceptionInInitializerError e) {
            throw linkError("fastconv: " + path + " does not export fc_version (is it libfastconv?): " + e, e);
        }
        int major = version / 10000;
        if (major != EXPECTED_MAJOR) {
            throw linkError("fastconv: native library " + path + " has version " + versionString(version)
                    + " but this Java API needs major version " + EXPECTED_MAJOR
                    + " (rebuild the native library or use matching jars)", null);
        }
        System.Logger log = System.getLogger("dev.fastconv");
        if (log.isLoggable(System.Logger.Level.DEBUG)) {
            log.log(System.Logger.Level.DEBUG, "loaded native library " + path + " (" + (override != null && !override.isBlank()
                    ? "-D" + LIBRARY_PROPERTY : "extracted from " + resourceName()) + "), C API version " + versionString(version)
                    + ", Java API expects major " + EXPECTED_MAJOR);
        }
    }

    public static String versionString(int version) {
        return (version / 10000) + "." + (version / 100 % 100) + "." + (version % 100);
    }

    /** "linux", "macos", "windows" or the lower-cased os.name without spaces. */
    public static String osName(String osName) {
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) return "linux";
        if (os.startsWith("mac") || os.startsWith("darwin")) return "macos";
        if (os.startsWith("windows")) return "windows";
        if (os.startsWith("freebsd")) return "freebsd";
        return os.replaceAll("[^a-z0-9]", "");
    }

    /** "x86_64", "aarch64", ... from os.arch. */
    public static String archName(String osArch) {
        String a = osArch.toLowerCase(Locale.ROOT);
        return switch (a) {
            case "amd64", "x86_64", "x64", "em64t" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            case "x86", "i386", "i486", "i586", "i686" -> "x86";
            case "ppc64le", "powerpc64le" -> "ppc64le";
            case "riscv64" -> "riscv64";
            case "s390x" -> "s390x";
            default -> a.replaceAll("[^a-z0-9_]", "");
        };
    }

    /** e.g. "linux-x86_64" for this JVM. */
    public static String platform() {
        return osName(System.getProperty("os.name", "unknown")) + "-" + archName(System.getProperty("os.arch", "unknown"));
    }

    /** e.g. "/native/linux-x86_64/libfastconv.so" for this JVM. */
    public static String resourceName() {
        return "/native/" + platform() + "/" + System.mapLibraryName("fastconv");
    }

    private static Path extractResource() {
        String resource = resourceName();
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw linkError("fastconv: no native library for platform " + platform() + " (resource " + resource
                        + " is not on the class path); build it for this platform (mvn package) or point -D"
                        + LIBRARY_PROPERTY + "=/path/to/" + System.mapLibraryName("fastconv") + " at one", null);
            }
            String name = System.mapLibraryName("fastconv");
            int dot = name.lastIndexOf('.');
            Path tmp = Files.createTempFile(dot > 0 ? name.substring(0, dot) + "-" : name, dot > 0 ? name.substring(dot) : ".lib");
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return tmp;
        } catch (IOException e) {
            throw linkError("fastconv: could not extract " + resource + " to a temporary file: " + e, e);
        }
    }
}
