import CCups
import CKioskSupport
import Foundation
import Glibc
import KioskIO

/// An HTTP/1.1 server on libcups' `http_t` (server mode), optionally over TLS, with our own bounds (`HTTPLimits`).
///
/// Threads: one acceptor, and one plain thread per connection (at most `limits.connections`, plus
/// `limits.refusers` briefly for 503s) — blocking socket I/O never runs on the concurrency pool. The handler runs on
/// the connection's thread.
///
/// What libcups decides and what we add:
/// - The request line is read by `httpReadRequest` into a 4 KiB buffer (longer → 400); header lines by
///   `_httpUpdate`, one line per call, so we count them (more than `headerFields` → 431). libcups keeps only the
///   fields it knows and drops the rest unseen, so the byte bound is measured on the socket: bytes the kernel
///   delivered (TCP_INFO) less bytes still queued and bytes libcups has buffered. Over plain TCP that is exact; over
///   TLS it counts ciphertext and libcups decrypts a whole record at a time, so a head may run up to one TLS record
///   (16 KiB) over `headerBytes` before it is refused.
/// - Deadlines: libcups waits in slices (`httpSetTimeout` with 0.2 s and a callback), and our callback ends a wait
///   once the phase's deadline has passed. The TLS handshake is the exception: libcups runs it with its own fixed
///   10 s timeout.
/// - Bodies: only with `Content-Length` (≤ `bodyBytes`, else 413 before reading it); `Transfer-Encoding: chunked`
///   → 411; a `Content-Encoding` other than identity → 415 (libcups would inflate gzip on the fly, unbounded).
public final class HTTPServer: @unchecked Sendable {
    public enum Security: Sendable, Hashable {
        case plain
        case tls(HTTPServerCredentials)
    }

    public let limits: HTTPLimits
    public let security: Security
    /// Where it listens (the port actually bound).
    public let address: SocketListener.Address
    public var port: UInt16 { listener.port ?? 0 }

    private let listener: SocketListener
    private let handler: HTTPHandler
    private let refused: (@Sendable (Int) -> Void)?
    private let condition = NSCondition()
    private var connections: [ObjectIdentifier: Connection] = [:]
    private var refusing = 0
    /// Streamed responses being sent, oldest first (at most `limits.streams`).
    private var streams: [StreamSlot] = []
    private var stopping = false
    private var acceptorDone = false

    /// Binds `host:port` (IPv4, 0 = ephemeral) and starts serving. With `.tls`, installs the process's credentials
    /// (creating self-signed ones if missing). `refused` hears the status of every answer the server gives itself,
    /// before any handler (a malformed or oversized request, a connection beyond the limit), for metrics.
    public init(
        host: String, port: UInt16, security: Security = .plain, limits: HTTPLimits = HTTPLimits(),
        refused: (@Sendable (Int) -> Void)? = nil, handler: @escaping HTTPHandler
    ) throws {
        self.refused = refused
        if case .tls(let credentials) = security { try credentials.install() }
        self.listener = try SocketListener.tcp(host: host, port: port, backlog: 128)
        self.address = listener.address
        self.security = security
        self.limits = limits
        self.handler = handler
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "http-accept \(address)"
        thread.start()
    }

    deinit { listener.close() }

    /// Connections being served now.
    public var activeConnections: Int { condition.withLock { connections.count } }

    /// Streamed responses being sent now.
    public var activeStreams: Int { condition.withLock { streams.count } }

    /// Stops accepting, closes idle connections and connections still sending their head, lets requests already
    /// read finish their responses (with `Connection: close`), and returns when all are done — or at `deadline`,
    /// when the rest are cut (shutdown(2)) and waited for. True if every in-flight response finished.
    @discardableResult
    public func shutdown(deadline: Deadline) -> Bool {
        // Streams never finish by themselves: each is told to end now (its loop also sees `stopping`).
        let open = condition.withLock {
            stopping = true
            return streams
        }
        for slot in open { slot.close() }
        listener.close()
        var clean = true
        condition.withLock {
            while !(acceptorDone && connections.isEmpty && refusing == 0) {
                if deadline.hasPassed {
                    clean = false
                    for connection in connections.values { connection.cut() }
                    _ = condition.wait(until: Date(timeIntervalSinceNow: 0.05))
                } else {
                    _ = condition.wait(until: Date(timeIntervalSinceNow: 0.05))
                }
            }
        }
        return clean
    }

    private var isStopping: Bool { condition.withLock { stopping } }

    private func acceptLoop() {
        defer {
            condition.withLock {
                acceptorDone = true; condition.broadcast()
            }
        }
        while true {
            let accepted: OpaquePointer?
            do {
                accepted = try listener.whenConnectionWaits(deadline: .after(.seconds(3600))) {
                    httpAcceptConnection($0, 1)
                }
            } catch {
                if case .timedOut = error { continue }
                return
            }
            guard let accepted else { continue }
            admit(Connection(http: accepted, server: self))
        }
    }

    private enum Admission { case serve, refuse, drop }

    private func admit(_ connection: Connection) {
        let admission: Admission = condition.withLock {
            if stopping { return .drop }
            if connections.count < limits.connections {
                connections[ObjectIdentifier(connection)] = connection
                return .serve
            }
            if refusing < limits.refusers {
                refusing += 1
                return .refuse
            }
            return .drop
        }
        switch admission {
        case .drop:
            connection.close()
        case .serve:
            let thread = Thread { [self] in
                serve(connection)
                connection.close()
                condition.withLock {
                    connections[ObjectIdentifier(connection)] = nil
                    condition.broadcast()
                }
            }
            thread.name = "http \(address)"
            thread.start()
        case .refuse:
            let thread = Thread { [self] in
                refuse(connection)
                connection.close()
                condition.withLock {
                    refusing -= 1
                    condition.broadcast()
                }
            }
            thread.name = "http-refuse \(address)"
            thread.start()
        }
    }

    // MARK: One connection

    private func serve(_ connection: Connection) {
        connection.setDeadline(.after(limits.headerTimeout), abandonOnStop: true)
        guard startTLS(connection) else { return }
        var first = true
        var blankLines = 0
        while true {
            // Empty lines before a request count against that request's head deadline: they cannot stretch it.
            let waitUntil = first || blankLines > 0 ? connection.deadline : .after(limits.idleTimeout)
            guard connection.waitForData(until: waitUntil, stopping: { self.isStopping }) else { return }
            if !first && blankLines == 0 {
                connection.setDeadline(.after(limits.headerTimeout), abandonOnStop: true)
            }
            first = false
            switch handleOne(connection) {
            case .blankLine:
                blankLines += 1
                if blankLines > 8 { return }
            case .answered(let keepAlive):
                blankLines = 0
                guard keepAlive else { return }
            }
        }
    }

    private enum Outcome {
        /// An empty line where a request line was expected (RFC 9112 lets a server skip a few).
        case blankLine
        case answered(keepAlive: Bool)
    }

    private func startTLS(_ connection: Connection) -> Bool {
        guard case .tls(let credentials) = security else { return true }
        // libcups' server handshake picks `<directory>/<name>.crt` by the connection's Host field when set, else for a
        // non-loopback client by a reverse DNS lookup of the local address — a wait on DNS for every connection,
        // and a file (`<that name>.crt`) that does not exist, so the handshake would fail. Naming ours skips both;
        // httpReadRequest clears the field before the request's own Host is read.
        httpSetField(connection.http, HTTP_FIELD_HOST, credentials.commonName)
        return httpEncryption(connection.http, HTTP_ENCRYPTION_ALWAYS) == 0
    }

    /// A connection over the limit: read its head briefly (so the client is not reset before it reads the answer),
    /// then 503 with Retry-After and close.
    private func refuse(_ connection: Connection) {
        connection.setDeadline(.after(limits.refusalTimeout), abandonOnStop: false)
        guard startTLS(connection) else { return }
        var uri = [CChar](repeating: 0, count: 4096)
        let state = httpReadRequest(connection.http, &uri, uri.count)
        if state != HTTP_STATE_ERROR && state != HTTP_STATE_WAITING {
            var status = HTTP_STATUS_CONTINUE
            var lines = 0
            while _httpUpdate(connection.http, &status) != 0 && lines < limits.headerFields { lines += 1 }
        }
        connection.setDeadline(.after(limits.writeTimeout), abandonOnStop: false)
        let response = HTTPResponse.problem(
            status: 503, detail: "the server is serving \(limits.connections) connections; try again later",
            fields: [.retryAfter: String(limits.retryAfterSeconds)])
        refused?(503)
        write(response, to: connection, method: .get, keepAlive: false)
    }

    /// Reads and answers one request.
    private func handleOne(_ connection: Connection) -> Outcome {
        guard let keepAlive = answerOne(connection) else { return .blankLine }
        return .answered(keepAlive: keepAlive)
    }

    /// Reads, answers and returns whether to keep the connection for another request; nil for an empty line.
    private func answerOne(_ connection: Connection) -> Bool? {
        let http = connection.http
        let before = connection.consumedBytes()
        var uri = [CChar](repeating: 0, count: 4096)
        let state = httpReadRequest(http, &uri, uri.count)
        let method: HTTPMethod
        switch state {
        case HTTP_STATE_WAITING: return nil
        case HTTP_STATE_UNKNOWN_METHOD:
            return fail(connection, 501, "the request method is not one this server knows")
        case HTTP_STATE_UNKNOWN_VERSION:
            return fail(connection, 505, "only HTTP/1.0 and HTTP/1.1 are served")
        case HTTP_STATE_GET: method = .get
        case HTTP_STATE_HEAD: method = .head
        case HTTP_STATE_POST: method = .post
        case HTTP_STATE_PUT: method = .put
        case HTTP_STATE_DELETE: method = .delete
        case HTTP_STATE_OPTIONS: method = .options
        case HTTP_STATE_TRACE: method = .trace
        case HTTP_STATE_CONNECT: method = .connect
        default:
            return readFailed(connection, "the request line is malformed or longer than 4 KiB")
        }
        let rawTarget = uri.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }

        // The head, one header line at a time, bounded in lines and bytes.
        let headerLimit = limits.headerBytes + (connection.isEncrypted ? 16 * 1024 + 512 : 0)
        var status = HTTP_STATUS_CONTINUE
        var lines = 0
        while _httpUpdate(http, &status) != 0 {
            lines += 1
            if lines > limits.headerFields {
                return fail(connection, 431, "more than \(limits.headerFields) header fields")
            }
            if connection.consumedBytes() - before > headerLimit {
                return fail(connection, 431, "the request head is larger than \(limits.headerBytes) bytes")
            }
        }
        if connection.consumedBytes() - before > headerLimit {
            return fail(connection, 431, "the request head is larger than \(limits.headerBytes) bytes")
        }
        guard httpError(http) == 0, status == HTTP_STATUS_OK else {
            return readFailed(connection, "the request head is malformed")
        }

        let host = connection.field(HTTP_FIELD_HOST)
        let origin = connection.field(HTTP_FIELD_ORIGIN)
        let contentType = connection.field(HTTP_FIELD_CONTENT_TYPE)
        let authorization = connection.field(HTTP_FIELD_AUTHORIZATION)
        let expectsContinue = httpGetExpect(http) == HTTP_STATUS_CONTINUE
        // libcups keeps an HTTP/1.1 connection alive whatever the client asked; honour `Connection: close`.
        let clientCloses =
            connection.field(HTTP_FIELD_CONNECTION)?.lowercased().split(separator: ",").contains {
                $0.trimmingCharacters(in: .whitespaces) == "close"
            } ?? false

        if let encoding = connection.field(HTTP_FIELD_TRANSFER_ENCODING) {
            if encoding.lowercased().contains("chunked") {
                return fail(connection, 411, "send the request body with Content-Length, not chunked")
            }
            return fail(connection, 501, "Transfer-Encoding is not supported")
        }
        if let encoding = connection.field(HTTP_FIELD_CONTENT_ENCODING), encoding.lowercased() != "identity" {
            return fail(connection, 415, "compressed request bodies are not accepted")
        }
        var length = 0
        if let text = connection.field(HTTP_FIELD_CONTENT_LENGTH) {
            guard text.count <= 18, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int(text) else {
                return fail(connection, 400, "Content-Length must be one decimal number")
            }
            guard value <= limits.bodyBytes else {
                return fail(connection, 413, "the request body is larger than \(limits.bodyBytes) bytes")
            }
            length = value
        } else if method == .post || method == .put {
            return fail(connection, 411, "a request body needs Content-Length")
        }
        let target: RequestTarget
        do { target = try RequestTarget.parse(rawTarget) } catch {
            return fail(connection, 400, error.description)
        }

        var body = [UInt8](repeating: 0, count: length)
        if length > 0 {
            if expectsContinue { _ = httpWriteResponse(http, HTTP_STATUS_CONTINUE) }
            connection.setDeadline(.after(limits.bodyTimeout), abandonOnStop: false)
            var received = 0
            while received < length {
                let count = body.withUnsafeMutableBytes { buffer in
                    httpRead2(
                        http, buffer.baseAddress!.advanced(by: received).assumingMemoryBound(to: CChar.self),
                        length - received)
                }
                guard count > 0 else {
                    if connection.timedOut {
                        return fail(connection, 408, "the request body did not arrive in time")
                    }
                    return false
                }
                received += count
            }
        }

        let request = HTTPRequest(
            method: method, target: target, rawTarget: rawTarget, host: host, origin: origin,
            contentType: contentType, authorization: authorization, body: body, peerAddress: connection.peerAddress,
            isEncrypted: connection.isEncrypted)
        let response = handler(request)
        if let stream = response.stream {
            serveStream(response, stream, on: connection, method: method)
            return false
        }
        connection.setDeadline(.after(limits.writeTimeout), abandonOnStop: false)
        let keepAlive =
            httpGetKeepAlive(http) == HTTP_KEEPALIVE_ON && !clientCloses && !isStopping && response.status < 400
        guard write(response, to: connection, method: method, keepAlive: keepAlive) else { return false }
        return keepAlive && httpGetState(http) == HTTP_STATE_WAITING
    }

    /// A read that ended early: silent close if the client went away, 408 at the deadline, else 400.
    private func readFailed(_ connection: Connection, _ detail: String) -> Bool {
        if connection.timedOut {
            return fail(connection, 408, "the request head did not arrive within the deadline")
        }
        let code = httpError(connection.http)
        if code == EPIPE || code == ECONNRESET { return false }
        return fail(connection, 400, detail)
    }

    /// Answers with a problem document and closes — after reading and discarding for a moment what the client is
    /// still sending (a body we refused), since closing with unread input resets the connection and can destroy
    /// the answer before the client reads it.
    private func fail(_ connection: Connection, _ status: Int, _ detail: String) -> Bool {
        connection.setDeadline(.after(limits.writeTimeout), abandonOnStop: false)
        refused?(status)
        if write(.problem(status: status, detail: detail), to: connection, method: .get, keepAlive: false) {
            connection.discardInputBeforeClosing(for: .seconds(1), upTo: 2 * limits.bodyBytes + limits.headerBytes)
        }
        return false
    }

    @discardableResult
    private func write(_ response: HTTPResponse, to connection: Connection, method: HTTPMethod, keepAlive: Bool)
        -> Bool
    {
        let http = connection.http
        httpClearFields(http)
        if let type = response.contentType { httpSetField(http, HTTP_FIELD_CONTENT_TYPE, type) }
        Self.setFields(response.fields, on: http)
        // httpSetLength(0) would mean chunked; an empty body is Content-Length: 0.
        httpSetField(http, HTTP_FIELD_CONTENT_LENGTH, String(response.body.count))
        if keepAlive {
            httpSetField(http, HTTP_FIELD_KEEP_ALIVE, "timeout=\(limits.idleTimeout.components.seconds)")
        } else {
            httpSetKeepAlive(http, HTTP_KEEPALIVE_OFF)
            httpSetField(http, HTTP_FIELD_CONNECTION, "close")
        }
        guard httpWriteResponse(http, http_status_t(rawValue: Int32(response.status))) == 0 else { return false }
        if let cut = response.resetAfterBodyBytes {
            let part = Array(response.body.prefix(max(0, cut)))
            if !part.isEmpty {
                _ = part.withUnsafeBytes {
                    httpWrite2(http, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)
                }
            }
            _ = httpFlushWrite(http)
            Self.reset(httpGetFd(http))
            return false
        }
        if method != .head && !response.body.isEmpty {
            let written = response.body.withUnsafeBytes { buffer in
                httpWrite2(http, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count)
            }
            guard written == response.body.count else { return false }
        }
        return httpFlushWrite(http) >= 0
    }
}

// MARK: Streamed responses

extension HTTPServer {
    /// Sends a streamed response on the connection's thread until the producer ends, the client goes away, a newer
    /// stream closes this one (over `limits.streams`) or the server stops; then ends the body and closes. HTTP/1.1
    /// gets `Transfer-Encoding: chunked` (libcups: `httpSetLength(http, 0)`), each piece one chunk, flushed at once,
    /// and the zero-length chunk at the end; HTTP/1.0 gets the body until the connection closes.
    private func serveStream(
        _ response: HTTPResponse, _ stream: any HTTPResponseStream, on connection: Connection, method: HTTPMethod
    ) {
        let slot = StreamSlot(stream)
        admitStream(slot)
        defer {
            condition.withLock { streams.removeAll { $0 === slot } }
            slot.close()
        }
        let http = connection.http
        httpClearFields(http)
        if let type = response.contentType { httpSetField(http, HTTP_FIELD_CONTENT_TYPE, type) }
        Self.setFields(response.fields, on: http)
        httpSetKeepAlive(http, HTTP_KEEPALIVE_OFF)
        httpSetField(http, HTTP_FIELD_CONNECTION, "close")
        let chunked = httpGetVersion(http) == HTTP_VERSION_1_1
        if chunked { httpSetLength(http, 0) }
        connection.setDeadline(.after(limits.writeTimeout), abandonOnStop: true)
        guard httpWriteResponse(http, http_status_t(rawValue: Int32(response.status))) == 0 else { return }
        guard method != .head else { return }
        streaming: while !isStopping && !slot.isClosed && !connection.peerHasGone() {
            switch stream.next(waitingAtMost: .milliseconds(200)) {
            case .nothingYet:
                continue
            case .end:
                break streaming
            case .bytes(let bytes):
                guard !bytes.isEmpty else { continue }
                guard writeChunk(bytes, on: connection) else { return }
            case .wipedAfterWrite(let bytes):
                guard !bytes.isEmpty else { continue }
                let sent = writeChunk(bytes, on: connection)
                Self.zero(bytes)
                guard sent else { return }
            }
        }
        // The end of the body: the last chunk (HTTP/1.1); for HTTP/1.0 the close itself.
        connection.setDeadline(.after(.seconds(1)), abandonOnStop: false)
        if chunked { _ = httpWrite2(http, "", 0) }
        _ = httpFlushWrite(http)
    }

    /// Overwrites the buffer itself with zeros. Through its pointer, not a mutating copy: the chunk still refers
    /// to the same storage, so copy-on-write would zero a copy and leave the bytes in place.
    static func zero(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            UnsafeMutableRawPointer(mutating: base).initializeMemory(as: UInt8.self, repeating: 0, count: buffer.count)
        }
    }

    /// Writes one piece of a streamed body (one chunk over HTTP/1.1) and flushes it.
    private func writeChunk(_ bytes: [UInt8], on connection: Connection) -> Bool {
        connection.setDeadline(.after(limits.writeTimeout), abandonOnStop: true)
        let http = connection.http
        let written = bytes.withUnsafeBytes { buffer in
            httpWrite2(http, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count)
        }
        return written == bytes.count && httpFlushWrite(http) >= 0
    }

    /// Registers a stream; past `limits.streams` the oldest are told to close (they end within one slice).
    private func admitStream(_ slot: StreamSlot) {
        let evicted = condition.withLock { () -> [StreamSlot] in
            streams.append(slot)
            let excess = max(0, streams.count - max(1, limits.streams))
            let oldest = Array(streams.prefix(excess))
            streams.removeFirst(excess)
            return oldest
        }
        for old in evicted { old.close() }
    }
}

/// A stream being sent, and whether the server is done with it (ended, closed for a newer one, or stopping).
private final class StreamSlot: @unchecked Sendable {
    let stream: any HTTPResponseStream
    private let lock = NSLock()
    private var closed = false

    init(_ stream: any HTTPResponseStream) { self.stream = stream }

    var isClosed: Bool { lock.withLock { closed } }

    /// Tells the producer, once, whoever calls first.
    func close() {
        let first = lock.withLock {
            defer { closed = true }
            return !closed
        }
        if first { stream.close() }
    }
}

extension HTTPServer {
    /// Aborts a TCP connection with a RST at once (`SO_LINGER` 0, then `connect(AF_UNSPEC)`, which disconnects the
    /// socket on Linux and leaves the descriptor valid for libcups to close; TLS's close alert then goes nowhere).
    static func reset(_ fd: Int32) {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        var unspecified = sockaddr()
        unspecified.sa_family = sa_family_t(AF_UNSPEC)
        _ = Glibc.connect(fd, &unspecified, socklen_t(MemoryLayout<sockaddr>.size))
    }
}

extension HTTPServer {
    /// The server's name, sent as `Server` on every response.
    static let serverName = "kioskd"

    /// Sets a response's fields on `http`. libcups writes only the fields of its `http_field_t` list, each as
    /// `Name: value` CRLF in the list's order; a field outside it (`Cache-Control`) is sent as its own line after
    /// `Server`'s value, which libcups writes as given. Only values from `HTTPResponse.CacheControl` get there, and
    /// a value with CR, LF or NUL is dropped, so nothing a handler passes can split the head.
    static func setFields(_ fields: [HTTPResponse.Field: String], on http: OpaquePointer) {
        var server = serverName
        for (field, value) in fields.sorted(by: { "\($0.key)" < "\($1.key)" }) {
            guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else { continue }
            if let cups = field.cupsField {
                httpSetField(http, cups, value)
            } else if let name = field.extraName {
                server += "\r\n\(name): \(value)"
            }
        }
        if server != serverName { httpSetField(http, HTTP_FIELD_SERVER, server) }
    }
}

extension HTTPResponse.Field {
    /// The libcups field, or nil for a field libcups does not know.
    var cupsField: http_field_t? {
        switch self {
        case .retryAfter: HTTP_FIELD_RETRY_AFTER
        case .wwwAuthenticate: HTTP_FIELD_WWW_AUTHENTICATE
        case .location: HTTP_FIELD_LOCATION
        case .allow: HTTP_FIELD_ALLOW
        case .lastModified: HTTP_FIELD_LAST_MODIFIED
        case .accessControlAllowOrigin: HTTP_FIELD_ACCESS_CONTROL_ALLOW_ORIGIN
        case .cacheControl: nil
        }
    }

    /// The name of a field libcups does not know.
    var extraName: String? {
        switch self {
        case .cacheControl: "Cache-Control"
        default: nil
        }
    }
}

/// One accepted `http_t` and the deadline its waits run to. libcups calls `keepWaiting` (through the C callback)
/// every 0.2 s while it waits to read or write.
private final class Connection: @unchecked Sendable {
    let http: OpaquePointer
    let peerAddress: String
    private(set) var isEncrypted = false
    private let lock = NSLock()
    private var until = Deadline.now
    private var abandonOnStop = false
    private var expired = false
    private var closed = false
    private weak var server: HTTPServer?
    private let stoppingCheck: @Sendable () -> Bool

    init(http: OpaquePointer, server: HTTPServer) {
        self.http = http
        self.server = server
        var text = [CChar](repeating: 0, count: 256)
        if let address = httpGetAddress(http) {
            _ = httpAddrString(address, &text, Int32(text.count))
        }
        self.peerAddress = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        self.stoppingCheck = { [weak server] in server?.stoppingForCallback ?? true }
        if case .tls = server.security { isEncrypted = true }
        httpSetDefaultField(http, HTTP_FIELD_SERVER, HTTPServer.serverName)
        // libcups would advertise gzip and deflate; compressed request bodies are refused (415).
        httpSetDefaultField(http, HTTP_FIELD_ACCEPT_ENCODING, "identity")
        httpSetTimeout(http, 0.2, connectionKeepWaiting, Unmanaged.passUnretained(self).toOpaque())
    }

    var deadline: Deadline { lock.withLock { until } }
    var timedOut: Bool { lock.withLock { expired } }

    /// Starts a phase: waits end at `deadline`, and also when the server stops if `abandonOnStop`.
    func setDeadline(_ deadline: Deadline, abandonOnStop: Bool) {
        lock.withLock {
            until = deadline
            self.abandonOnStop = abandonOnStop
            expired = false
        }
    }

    /// Called by libcups between wait slices: 1 = keep waiting, 0 = give up.
    func keepWaiting() -> Bool {
        let (deadline, abandon) = lock.withLock { (until, abandonOnStop) }
        if deadline.hasPassed || (abandon && stoppingCheck()) {
            lock.withLock { expired = true }
            return false
        }
        return true
    }

    /// Waits for the first byte of a request until `deadline`, or false (deadline, peer gone, server stopping).
    func waitForData(until deadline: Deadline, stopping: () -> Bool) -> Bool {
        while true {
            if httpWait(http, 200) != 0 {
                // Readable: data, or the peer closed (then the read sees EOF and closes silently).
                return true
            }
            if deadline.hasPassed || stopping() { return false }
        }
    }

    /// Whether the peer closed or reset the connection (poll(2) without waiting: POLLRDHUP, POLLHUP, POLLERR). What
    /// else it sends meanwhile is left unread.
    func peerHasGone() -> Bool {
        // POLLRDHUP (Linux, 0x2000) is behind _GNU_SOURCE in the C headers Swift imports.
        let readHangUp: Int16 = 0x2000
        var entry = pollfd(fd: httpGetFd(http), events: readHangUp, revents: 0)
        let ready = poll(&entry, 1, 0)
        guard ready > 0 else { return false }
        return entry.revents & (readHangUp | Int16(POLLHUP | POLLERR | POLLNVAL)) != 0
    }

    /// Bytes taken from the socket that libcups has consumed (not merely buffered).
    func consumedBytes() -> Int {
        let taken = kiosk_tcp_bytes_consumed(httpGetFd(http))
        guard taken >= 0 else { return 0 }
        return Int(taken) - httpGetReady(http)
    }

    func field(_ field: http_field_t) -> String? {
        guard let value = httpGetField(http, field) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    /// Half-closes (our answer is complete), then reads and drops input until the peer closes, `duration` passes or
    /// `limit` bytes were dropped. Wraps shutdown(2), poll(2), recv(2).
    func discardInputBeforeClosing(for duration: Duration, upTo limit: Int) {
        let fd = httpGetFd(http)
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
        let deadline = Deadline.after(duration)
        var scratch = [UInt8](repeating: 0, count: 16384)
        var dropped = 0
        while dropped < limit && !deadline.hasPassed {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, deadline.pollTimeoutMilliseconds)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return }
            let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard count > 0 else { return }
            dropped += count
        }
    }

    /// Ends the connection's I/O from another thread (forced shutdown): its blocked reads and writes fail.
    func cut() {
        lock.withLock {
            guard !closed else { return }
            _ = Glibc.shutdown(httpGetFd(http), Int32(SHUT_RDWR))
        }
    }

    func close() {
        let wasOpen = lock.withLock {
            defer { closed = true }
            return !closed
        }
        if wasOpen { httpClose(http) }
    }
}

extension HTTPServer {
    fileprivate var stoppingForCallback: Bool { isStopping }
}

private func connectionKeepWaiting(_ http: OpaquePointer?, _ data: UnsafeMutableRawPointer?) -> Int32 {
    guard let data else { return 0 }
    return Unmanaged<Connection>.fromOpaque(data).takeUnretainedValue().keepWaiting() ? 1 : 0
}
