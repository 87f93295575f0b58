package dev.fastconv.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Use-versus-close guard for an object owning native handles. Users {@link #acquire} around a
 * native call (any number of threads at once); {@link #close} marks the guard closed, waits until
 * every in-flight user has {@link #release}d, runs the release action once, and afterwards every
 * {@link #acquire} throws {@code IllegalStateException("<what> is closed")}.
 *
 * <p>Hot path: one CAS to acquire and one atomic add to release on a single int (the user count,
 * with a CLOSED bit) — no allocation, no lock objects (a {@code ReentrantReadWriteLock} read lock
 * allocates a per-thread hold counter whenever several threads take turns, and costs more). The
 * closer parks (no spinning) and the last user to leave after the CLOSED bit was set unparks it.
 */
public final class Guard {

    private static final int CLOSED = 0x8000_0000; // sign bit: closed (or closing)
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Guard.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String what;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;  // CLOSED bit | number of users inside acquire/release
    private volatile Thread closer;
    private boolean released;    // guarded by this

    public Guard(String what) {
        this.what = what;
    }

    public void acquire() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if (s < 0) {
                throw new IllegalStateException(what + " is closed");
            }
            if (STATE.weakCompareAndSet(this, s, s + 1)) {
                return;
            }
        }
    }

    public void release() {
        int s = (int) STATE.getAndAdd(this, -1) - 1;
        if (s == CLOSED) { // we were the last user of a closing guard
            Thread t = closer;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    public boolean isClosed() {
        return (int) STATE.getVolatile(this) < 0;
    }

    /** Throws IllegalStateException if closed (for cheap getters). */
    public void ensureOpen() {
        if (isClosed()) {
            throw new IllegalStateException(what + " is closed");
        }
    }

    /**
     * Waits for in-flight users, then runs {@code release} exactly once over the guard's life.
     * Idempotent: later calls return at once (after the first has finished). Must not be called by
     * a thread inside acquire/release.
     */
    public synchronized void close(Runnable release) {
        if (released) {
            return;
        }
        closer = Thread.currentThread();
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if (STATE.compareAndSet(this, s, s | CLOSED)) {
                break;
            }
        }
        while (((int) STATE.getVolatile(this) & ~CLOSED) != 0) {
            LockSupport.park(this);
        }
        closer = null;
        released = true;
        release.run();
    }
}
