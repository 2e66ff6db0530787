import CKioskSupport
import Glibc

/// The credentials of the process at the other end of a Unix socket, as the kernel recorded them at connect(2).
public struct PeerCredentials: Sendable, Hashable, Codable, CustomStringConvertible {
    public let pid: Int32
    public let uid: UInt32
    public let gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    public var description: String { "pid \(pid) uid \(uid) gid \(gid)" }
}

/// One accepted connection.
public struct AcceptedConnection: Sendable {
    public let transport: DescriptorTransport
    /// Set for Unix sockets (SO_PEERCRED); nil for TCP.
    public let peer: PeerCredentials?
}

/// A listening stream socket: TCP on a loopback port (simulators) or a Unix socket path (the daemon's control
/// sockets). `accept(deadline:)` waits with `poll(2)` on the socket and an eventfd, so `close()` from another thread
/// ends a pending accept at once with `.closed`.
public final class SocketListener: @unchecked Sendable {
    public enum Address: Sendable, Hashable, CustomStringConvertible {
        case tcp(host: String, port: UInt16)
        case unix(path: String)

        public var description: String {
            switch self {
            case .tcp(let host, let port): "\(host):\(port)"
            case .unix(let path): path
            }
        }
    }

    /// Where it listens; for TCP the port actually bound (useful when 0 asked for an ephemeral one).
    public let address: Address
    private let fd: Int32
    private let wakeFD: Int32
    private let state = NSConditionLike()

    private init(fd: Int32, address: Address) throws(SystemError) {
        let wake = kiosk_eventfd()
        guard wake >= 0 else { throw SystemError("eventfd") }
        self.fd = fd
        self.wakeFD = wake
        self.address = address
    }

    deinit { close() }

    /// The bound TCP port, or nil for a Unix socket.
    public var port: UInt16? {
        if case .tcp(_, let port) = address { return port }
        return nil
    }

    /// Listens on `host:port` (IPv4; `port` 0 = ephemeral). Wraps socket(2), setsockopt(SO_REUSEADDR), bind(2),
    /// listen(2), getsockname(2).
    public static func tcp(host: String = "127.0.0.1", port: UInt16 = 0, backlog: Int32 = 16) throws(SystemError)
        -> SocketListener
    {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw SystemError("inet_pton(\(host)) (an IPv4 address is needed)", errno: EINVAL)
        }
        let fd = socket(
            AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket(AF_INET)") }
        do {
            var one: Int32 = 1
            _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            try retryingInterrupts("bind(\(host):\(port))") {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            try retryingInterrupts("listen") { listen(fd, backlog) }
            var bound = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            try retryingInterrupts("getsockname") {
                withUnsafeMutablePointer(to: &bound) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
                }
            }
            return try SocketListener(fd: fd, address: .tcp(host: host, port: UInt16(bigEndian: bound.sin_port)))
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// Listens on a Unix socket at `path` with file mode `mode` (access control is by file mode, then SO_PEERCRED).
    /// A stale socket file left by a crashed process is removed first; any other file there is an error.
    /// Wraps lstat(2), unlink(2), socket(AF_UNIX), bind(2), chmod(2), listen(2).
    public static func unix(path: String, mode: mode_t = 0o600, backlog: Int32 = 16) throws(SystemError)
        -> SocketListener
    {
        var address: sockaddr_un
        do { address = try UnixSocket.socketAddress(path) } catch {
            throw SystemError(
                "socket path '\(path)' (at most \(UnixSocket.maximumPathLength) bytes)", errno: ENAMETOOLONG)
        }
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFSOCK else {
                throw SystemError("bind(\(path)): a file that is not a socket is in the way", errno: EEXIST)
            }
            _ = unlink(path)
        }
        let fd = socket(
            AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket(AF_UNIX)") }
        do {
            try retryingInterrupts("bind(\(path))") {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                    }
                }
            }
            try retryingInterrupts("chmod(\(path))") { chmod(path, mode) }
            try retryingInterrupts("listen(\(path))") { listen(fd, backlog) }
            return try SocketListener(fd: fd, address: .unix(path: path))
        } catch {
            Glibc.close(fd)
            _ = unlink(path)
            throw error
        }
    }

    /// Waits for one connection until `deadline`. Wraps poll(2), accept(2) and, for Unix sockets,
    /// getsockopt(SO_PEERCRED).
    public func accept(deadline: Deadline) throws(TransportError) -> AcceptedConnection {
        try state.enter()
        defer { state.leave() }
        while true {
            try waitForConnection(deadline: deadline)
            // The connection's eventfd first: when descriptors run out, accept(2) fails and leaves the client waiting
            // (for `refuseWaiting`), rather than taking it and then failing to serve it.
            let wake = kiosk_eventfd()
            guard wake >= 0 else { throw .system(SystemError("eventfd")) }
            let client = Glibc.accept(fd, nil, nil)
            if client < 0 {
                let code = errno
                Glibc.close(wake)
                // The peer may have gone between poll and accept; try again.
                if code == EAGAIN || code == EINTR || code == ECONNABORTED { continue }
                throw .system(SystemError("accept", errno: code))
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            var peer: PeerCredentials?
            if case .unix = address {
                var pid: pid_t = 0
                var uid: uid_t = 0
                var gid: gid_t = 0
                guard kiosk_peer_credentials(client, &pid, &uid, &gid) == 0 else {
                    let error = SystemError("getsockopt(SO_PEERCRED)")
                    Glibc.close(client)
                    Glibc.close(wake)
                    throw .system(error)
                }
                peer = PeerCredentials(pid: pid, uid: uid, gid: gid)
            } else {
                var one: Int32 = 1
                _ = setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            let name = peer.map { "\(address) (\($0))" } ?? "\(address) client"
            let transport: DescriptorTransport
            do { transport = try DescriptorTransport(fd: client, wakeFD: wake, name: name) } catch {
                Glibc.close(client)
                throw .system(error)
            }
            return AcceptedConnection(transport: transport, peer: peer)
        }
    }

    /// Waits until a connection is waiting (or `deadline`), then hands the listening descriptor to `take`, for a
    /// library that accepts by itself (libcups' `httpAcceptConnection`). The descriptor is non-blocking, so `take`'s
    /// accept(2) fails with EAGAIN rather than blocking when the client has gone; `close()` waits for `take` to
    /// return. `.timedOut` at the deadline, `.closed` once closed. Wraps poll(2).
    public func whenConnectionWaits<T>(deadline: Deadline, _ take: (Int32) -> T) throws(TransportError) -> T {
        try state.enter()
        defer { state.leave() }
        try waitForConnection(deadline: deadline)
        return take(fd)
    }

    /// Polls the listening socket and the wake eventfd until a connection waits: `.closed` once `close()` was
    /// called, `.timedOut` at the deadline. The caller is inside `state`.
    private func waitForConnection(deadline: Deadline) throws(TransportError) {
        while true {
            var fds = [
                pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, 2, deadline.pollTimeoutMilliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw .system(SystemError("poll"))
            }
            if fds[1].revents != 0 { throw .closed }
            if ready > 0 && fds[0].revents != 0 { return }
            if deadline.hasPassed { throw .timedOut(transferred: 0) }
        }
    }

    /// Takes one connection that is waiting, if any, only to turn it away: sends `line` without waiting (a client
    /// that does not read loses it) and closes it. It needs one free descriptor, and no more: kioskd frees a
    /// `ReserveDescriptor` for it when `accept` fails with EMFILE. True if a connection was refused.
    /// Wraps accept(2) (the listener is non-blocking), send(2) with MSG_DONTWAIT | MSG_NOSIGNAL, close(2).
    public func refuseWaiting(with line: [UInt8]) -> Bool {
        do { try state.enter() } catch { return false }
        defer { state.leave() }
        var client: Int32
        repeat { client = Glibc.accept(fd, nil, nil) } while client < 0 && errno == EINTR
        guard client >= 0 else { return false }
        _ = line.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
        Glibc.close(client)
        return true
    }

    /// Stops listening: a pending `accept` fails with `.closed`; a Unix socket's file is removed.
    public func close() {
        guard state.close(wakeFD: wakeFD) else { return }
        _ = Glibc.close(fd)
        _ = Glibc.close(wakeFD)
        if case .unix(let path) = address { _ = unlink(path) }
    }
}

/// Counts calls inside the listener so `close()` can wait for them to leave before closing the descriptor.
private final class NSConditionLike: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var closed = false
    private var active = 0

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    func enter() throws(TransportError) {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if closed { throw .closed }
        active += 1
    }

    func leave() {
        pthread_mutex_lock(&mutex)
        active -= 1
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
    }

    /// Marks closed, wakes pollers and waits until no call is inside; false if already closed.
    func close(wakeFD: Int32) -> Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if closed { return false }
        closed = true
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, 8)
        while active > 0 { pthread_cond_wait(&condition, &mutex) }
        return true
    }
}
