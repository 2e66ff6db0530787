import Glibc

/// Outgoing TCP connections, e.g. to a raw port-9100 receipt printer.
public enum TCPSocket {
    /// Connects to `host:port` before `deadline` and returns the connection as a transport named "host:port".
    /// Wraps getaddrinfo(3), socket(2), connect(2) (non-blocking, completed with poll(2)), getsockopt(SO_ERROR) and
    /// setsockopt(TCP_NODELAY) — status queries are a few bytes and must not wait for Nagle.
    /// A refused or unreachable peer is `.disconnected`; no answer by the deadline is `.timedOut(transferred: 0)`.
    public static func connect(host: String, port: UInt16, deadline: Deadline) throws(TransportError)
        -> DescriptorTransport
    {
        let name = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let list else {
            let why = String(cString: gai_strerror(rc))
            throw .disconnected("\(name): cannot resolve host (\(why)); check the printer's address in the config")
        }
        defer { freeaddrinfo(list) }
        var lastError: TransportError = .disconnected("\(name): no address to connect to")
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            entry = current.pointee.ai_next
            do {
                return try attempt(current.pointee, name: name, deadline: deadline)
            } catch {
                lastError = error
                if case .timedOut = error { throw error }
            }
        }
        throw lastError
    }

    private static func attempt(_ address: addrinfo, name: String, deadline: Deadline) throws(TransportError)
        -> DescriptorTransport
    {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = socket(address.ai_family, type, address.ai_protocol)
        guard fd >= 0 else { throw .system(SystemError("socket")) }
        var ok = false
        defer { if !ok { Glibc.close(fd) } }
        var rc = Glibc.connect(fd, address.ai_addr, address.ai_addrlen)
        if rc != 0 {
            guard errno == EINPROGRESS || errno == EINTR else { throw refusal(name, errno) }
            while true {
                var fds = [pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)]
                rc = poll(&fds, 1, deadline.pollTimeoutMilliseconds)
                if rc < 0 && errno == EINTR { continue }
                if rc < 0 { throw .system(SystemError("poll")) }
                if rc == 0 { throw .timedOut(transferred: 0) }
                break
            }
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) == 0 else {
                throw .system(SystemError("getsockopt(SO_ERROR)"))
            }
            guard code == 0 else { throw refusal(name, code) }
        }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        do {
            let transport = try DescriptorTransport(fd: fd, name: name)
            ok = true
            return transport
        } catch {
            throw .system(error)
        }
    }

    private static func refusal(_ name: String, _ code: Int32) -> TransportError {
        .disconnected("\(name): \(String(cString: strerror(code))); is the printer on and its address right?")
    }
}
