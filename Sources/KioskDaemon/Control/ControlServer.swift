import Foundation
import KioskControl
import KioskIO

/// Who sent a request: the connection (so a held inhibition can end with it) and the peer's credentials.
struct ControlPeer: Sendable, Hashable {
    let connection: Int
    let credentials: PeerCredentials?
    let admin: Bool

    var description: String { credentials.map(\.description) ?? "unknown peer" }
}

/// One control socket (docs/ARCHITECTURE.md §8): a Unix socket whose clients send JSON lines and get JSON lines back,
/// the first being a `hello` with the protocol version. Each connection runs on a thread of its own with deadlines, so
/// a stuck client never blocks the daemon.
final class ControlServer: @unchecked Sendable {
    /// Answers one decoded request (docs/control-protocol.md).
    typealias Handler = @Sendable (_ request: ControlRequest, _ peer: ControlPeer) -> any Encodable & Sendable

    let name: String
    let path: String
    private let listener: SocketListener
    private let handler: Handler
    private let closed: @Sendable (ControlPeer) -> Void
    private let admin: Bool
    private let commands: [String]
    private var nextConnection = 0
    private let logger: Logger
    private let authorise: @Sendable (PeerCredentials?) -> Bool
    /// Serves `monitor` subscriptions (set before `start()`); nil leaves them to the handler, which refuses them.
    var monitor: MonitorStream?
    private let lock = NSLock()
    private var stopped = false
    private var connections: [ObjectIdentifier: any ByteTransport] = [:]
    /// Held so that, out of descriptors, a waiting client can still be accepted and told so.
    private let reserve = ReserveDescriptor()
    /// Where the accept loop waits out a back-off; `stop()` wakes it.
    private let pauses = NSCondition()
    // Touched by the accept thread only.
    private var refusals = BurstCounter(window: ControlServer.logWindow)
    private var acceptFailures = BurstCounter(window: ControlServer.logWindow)
    /// How long a client may stay silent before it is disconnected.
    static let idleTimeout: Duration = .seconds(300)
    static let maximumConnections = 32
    /// Refusals and accept failures are logged as one line per this long, with a count.
    static let logWindow: Duration = .seconds(5)
    /// After an accept error that let no client through, wait this long, doubling up to `longestBackoff`.
    static let firstBackoff: Duration = .milliseconds(10)
    static let longestBackoff: Duration = .seconds(1)

    init(
        name: String, path: String, mode: mode_t, logger: Logger, admin: Bool,
        authorise: @escaping @Sendable (PeerCredentials?) -> Bool, handler: @escaping Handler,
        closed: @escaping @Sendable (ControlPeer) -> Void = { _ in }
    ) throws(SystemError) {
        // A socket file someone still answers on belongs to another kioskd: refuse rather than steal it.
        if let other = try? UnixSocket.connect(path: path, deadline: .after(.milliseconds(500))) {
            other.close()
            throw SystemError("bind(\(path)): another kioskd is already serving this socket", errno: EADDRINUSE)
        }
        try? FileManager.default.removeItem(atPath: path)
        listener = try SocketListener.unix(path: path, mode: mode)
        self.name = name
        self.path = path
        self.logger = logger
        self.authorise = authorise
        self.handler = handler
        self.closed = closed
        self.admin = admin
        commands = ControlRequest.readOnlyCommands + (admin ? ControlRequest.adminCommands : [])
    }

    func start() {
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "control \(name)"
        thread.start()
    }

    func stop() {
        let open = lock.withLock { () -> [any ByteTransport] in
            stopped = true
            return Array(connections.values)
        }
        pauses.withLock { pauses.broadcast() }
        listener.close()
        for transport in open { transport.close() }
        try? FileManager.default.removeItem(atPath: path)
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    /// Accepts until `stop()`. No error ends it: a client over the limit, or one that arrives while kioskd is out of
    /// descriptors, gets a one-line JSON error and is closed; other accept errors are waited out with a bounded
    /// back-off. Both are logged as one line per burst.
    private func acceptLoop() {
        var delay: Duration?
        while !isStopped {
            reportBursts(at: .now)
            let connection: AcceptedConnection
            do {
                connection = try listener.accept(deadline: .after(.seconds(1)))
            } catch .timedOut {
                continue
            } catch .closed {
                break
            } catch {
                if isStopped { break }
                if Self.isOutOfDescriptors(error), refuseWaitingClient() {
                    delay = nil
                    continue
                }
                if let ended = acceptFailures.record("\(error)", at: .now) { logAcceptFailures(ended) }
                let next = delay.map { min($0 * 2, Self.longestBackoff) } ?? Self.firstBackoff
                delay = next
                pause(next)
                continue
            }
            delay = nil
            let admitted = lock.withLock { () -> Bool in
                guard connections.count < Self.maximumConnections else { return false }
                connections[ObjectIdentifier(connection.transport)] = connection.transport
                return true
            }
            guard admitted else {
                let reason = "too many connections (\(Self.maximumConnections) open)"
                try? LineChannel(connection.transport).write(refusal(reason), deadline: .after(.milliseconds(100)))
                connection.transport.close()
                if let ended = refusals.record(reason, at: .now) { logRefusals(ended) }
                continue
            }
            let thread = Thread { [self] in serve(connection) }
            thread.name = "control \(name) client"
            thread.start()
        }
        if let ended = refusals.drain() { logRefusals(ended) }
        if let ended = acceptFailures.drain() { logAcceptFailures(ended) }
    }

    private static func isOutOfDescriptors(_ error: TransportError) -> Bool {
        guard case .system(let failure) = error else { return false }
        return failure.errno == EMFILE || failure.errno == ENFILE
    }

    /// Out of descriptors, accept(2) cannot take a client to answer it: free the reserve descriptor, take one
    /// waiting client, tell it, close it, and take the reserve back. False if no client could be taken.
    private func refuseWaitingClient() -> Bool {
        let reason = "kioskd is out of file descriptors"
        let line = (try? ControlProtocol.encodeLine(refusal(reason))) ?? []
        reserve.release()
        let refused = listener.refuseWaiting(with: line)
        reserve.take()
        if refused, let ended = refusals.record(reason, at: .now) { logRefusals(ended) }
        return refused
    }

    private func refusal(_ reason: String) -> ErrorReply { ErrorReply("\(name): \(reason); try again later") }

    private func reportBursts(at now: ContinuousClock.Instant) {
        if let ended = refusals.due(at: now) { logRefusals(ended) }
        if let ended = acceptFailures.due(at: now) { logAcceptFailures(ended) }
    }

    private func logRefusals(_ burst: BurstCounter.Summary) {
        let what = burst.count == 1 ? "1 connection" : "\(burst.count) connections"
        logger.warning("control", "\(name): refused \(what) in \(Self.seconds(burst.span)): \(burst.detail)")
    }

    private func logAcceptFailures(_ burst: BurstCounter.Summary) {
        let what = burst.count == 1 ? "once" : "\(burst.count) times"
        logger.error(
            "control",
            "\(name): accept failed \(what) in \(Self.seconds(burst.span)) (last: \(burst.detail)); retrying with "
                + "back-off up to \(Self.seconds(Self.longestBackoff))")
    }

    private static func interval(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private static func seconds(_ duration: Duration) -> String { String(format: "%.1f s", interval(duration)) }

    /// Waits `delay`, or less if `stop()` comes first.
    private func pause(_ delay: Duration) {
        let until = Date(timeIntervalSinceNow: Self.interval(delay))
        pauses.lock()
        defer { pauses.unlock() }
        while !isStopped && pauses.wait(until: until) {}
    }

    private func serve(_ connection: AcceptedConnection) {
        let channel = LineChannel(connection.transport)
        let peer = lock.withLock { () -> ControlPeer in
            nextConnection += 1
            return ControlPeer(connection: nextConnection, credentials: connection.peer, admin: admin)
        }
        defer {
            lock.withLock { connections[ObjectIdentifier(connection.transport)] = nil }
            connection.transport.close()
            closed(peer)
        }
        guard authorise(connection.peer) else {
            // Per connection, so not a warning (docs/ARCHITECTURE.md §17): a misdirected script must not flood it.
            logger.notice("control", "\(name): refused \(peer.description)")
            try? channel.write(ErrorReply("not authorised on \(name)", denied: true))
            return
        }
        if admin { logger.notice("control", "admin connection from \(peer.description)") }
        let hello = HelloReply(version: KioskDaemonInfo.version, socket: name, commands: commands)
        do { try channel.write(hello) } catch { return }
        while !isStopped {
            let line: [UInt8]
            do {
                line = try channel.readLineBytes(deadline: .after(Self.idleTimeout))
            } catch .tooLong {
                try? channel.write(ErrorReply("request longer than \(ControlProtocol.maximumRequestBytes) bytes"))
                return
            } catch {
                return
            }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let reply: any Encodable & Sendable
            do {
                let request = try ControlRequest.decode(line: line)
                if case .monitor = request, let monitor {
                    return monitor.serve(channel) { [weak self] in self?.isStopped ?? true }
                }
                reply = handler(request, peer)
            } catch {
                reply = ErrorReply(error)
            }
            do { try channel.write(reply) } catch { return }
        }
    }
}
