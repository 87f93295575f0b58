package dev.fastconv.internal;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Use-versus-close guard for an object owning native handles. Users {@link #acquire} (a read lock,
 * so any number of threads at once) around a native call; {@link #close} takes the write lock, so
 * it waits until every in-flight call has returned, runs the release action once, and afterwards
 * every {@link #acquire} throws {@code IllegalStateException("<what> is closed")}.
 */
public final class Guard {

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final String what;
    private volatile boolean closed;

    public Guard(String what) {
        this.what = what;
    }

    public void acquire() {
        if (closed) {
            throw new IllegalStateException(what + " is closed");
        }
        lock.readLock().lock();
        if (closed) {
            lock.readLock().unlock();
            throw new IllegalStateException(what + " is closed");
        }
    }

    public void release() {
        lock.readLock().unlock();
    }

    public boolean isClosed() {
        return closed;
    }

    /** Throws IllegalStateException if closed (no locking; for cheap getters). */
    public void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(what + " is closed");
        }
    }

    /**
     * Waits for in-flight users, then runs {@code release} exactly once over the guard's life.
     * Idempotent: later calls return at once. Must not be called by a thread inside acquire/release.
     */
    public void close(Runnable release) {
        if (closed) {
            return;
        }
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            release.run();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
