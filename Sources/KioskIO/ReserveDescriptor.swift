import Glibc

/// One descriptor held in reserve (/dev/null, opened read-only) so that a process out of descriptors can still take
/// a connection to turn it away with a word instead of leaving it hanging: `release()` it, accept and answer the
/// client, then `take()` it back. Another thread may grab the freed number in between; then `take()` fails and is
/// tried again next time. Wraps open(2) and close(2). Not for concurrent use: one owner thread.
public final class ReserveDescriptor: @unchecked Sendable {
    private var fd: Int32 = -1

    /// Opens the reserve at once (so it is taken while descriptors are plentiful).
    public init() { take() }

    deinit { release() }

    public var isHeld: Bool { fd >= 0 }

    /// Opens the reserve if it is not held; false if that failed (still out of descriptors).
    @discardableResult
    public func take() -> Bool {
        guard fd < 0 else { return true }
        repeat { fd = open("/dev/null", O_RDONLY | O_CLOEXEC) } while fd < 0 && errno == EINTR
        return fd >= 0
    }

    /// Closes the reserve, freeing its descriptor number.
    public func release() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }
}
