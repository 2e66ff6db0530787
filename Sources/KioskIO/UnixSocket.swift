import Glibc

/// Outgoing connections to a Unix stream socket (the daemon's control sockets).
public enum UnixSocket {
    /// sun_path holds 108 bytes including the terminating NUL.
    public static let maximumPathLength = 107

    /// Connects to the socket at `path`. Wraps socket(AF_UNIX) and connect(2); a missing socket or no listener is
    /// `.disconnected`. Local connects do not block, so the deadline bounds only the retry on `EAGAIN` (full backlog).
    public static func connect(path: String, deadline: Deadline) throws(TransportError) -> DescriptorTransport {
        var address = try socketAddress(path)
        while true {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw .system(SystemError("socket(AF_UNIX)")) }
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if rc == 0 {
                do { return try DescriptorTransport(fd: fd, name: path) } catch {
                    Glibc.close(fd)
                    throw .system(error)
                }
            }
            let code = errno
            Glibc.close(fd)
            if code == EINTR { continue }
            if code == EAGAIN, !deadline.hasPassed { continue }
            if code == EAGAIN { throw .timedOut(transferred: 0) }
            throw .disconnected("\(path): \(String(cString: strerror(code))); is kioskd running?")
        }
    }

    /// A `sockaddr_un` for `path`, or `ENAMETOOLONG`.
    static func socketAddress(_ path: String) throws(TransportError) -> sockaddr_un {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count <= maximumPathLength, !bytes.contains(0) else {
            throw .system(
                SystemError("socket path '\(path)' (at most \(maximumPathLength) bytes)", errno: ENAMETOOLONG))
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        return address
    }
}
