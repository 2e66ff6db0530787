import Glibc

/// Advisory whole-file locks (flock(2)) on device nodes. Every serial or usblp node kioskd opens is locked for as long
/// as it is open, so `kioskctl direct` can see that the daemon owns the device and refuse instead of fighting it over
/// the wire — TIOCEXCL alone does not stop root (docs/ARCHITECTURE.md §4.7). The lock belongs to the inode, so a udev
/// symlink (`/dev/kioskd/idReader`) and the node it points to share it.
public enum DeviceNodeLock {
    /// Whether someone else has the node.
    public enum Probe: Sendable, Equatable {
        case free
        /// Another open file holds the lock, or the node refuses a second open (TIOCEXCL, usblp's one opener).
        case held
        /// The node cannot be opened for another reason (missing, no permission); the caller's own open reports it.
        case unavailable
    }

    /// Locks `fd` exclusively without waiting. Wraps flock(2); `EWOULDBLOCK` means another open file holds it.
    static func acquire(_ fd: Int32, path: String) throws(SystemError) {
        _ = try retryingInterrupts("flock(\(path))") { flock(fd, LOCK_EX | LOCK_NB) }
    }

    /// Looks at `path` without keeping it: opens it, tries the lock, lets go. Wraps open(2), flock(2), close(2).
    public static func probe(_ path: String) -> Probe {
        let fd = Glibc.open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return errno == EBUSY ? .held : .unavailable }
        defer { Glibc.close(fd) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            return errno == EWOULDBLOCK ? .held : .unavailable
        }
        return .free
    }
}
