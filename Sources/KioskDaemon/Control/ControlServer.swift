import Foundation
import KioskIO

/// One control socket (docs/ARCHITECTURE.md §8): a Unix socket whose clients send JSON lines and get JSON lines back,
/// the first being a `hello` with the protocol version. Each connection runs on a thread of its own with deadlines, so
/// a stuck client never blocks the daemon.
final class ControlServer: @unchecked Sendable {
    typealias Handler = @Sendable (_ request: [String: Any], _ peer: PeerCredentials?) -> [String: Any]

    let name: String
    let path: String
    private let listener: SocketListener
    private let handler: Handler
    private let logger: Logger
    private let authorise: @Sendable (PeerCredentials?) -> Bool
    private let lock = NSLock()
    private var stopped = false
    private var connections: [ObjectIdentifier: any ByteTransport] = [:]
    /// How long a client may stay silent before it is disconnected.
    static let idleTimeout: Duration = .seconds(300)
    static let maximumConnections = 32

    init(
        name: String, path: String, mode: mode_t, logger: Logger,
        authorise: @escaping @Sendable (PeerCredentials?) -> Bool, handler: @escaping Handler
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
        listener.close()
        for transport in open { transport.close() }
        try? FileManager.default.removeItem(atPath: path)
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func acceptLoop() {
        while !isStopped {
            let connection: AcceptedConnection
            do {
                connection = try listener.accept(deadline: .after(.seconds(1)))
            } catch .timedOut {
                continue
            } catch {
                if !isStopped { logger.error("control", "\(name): accept failed: \(error)") }
                return
            }
            let admitted = lock.withLock { () -> Bool in
                guard connections.count < Self.maximumConnections else { return false }
                connections[ObjectIdentifier(connection.transport)] = connection.transport
                return true
            }
            guard admitted else {
                logger.warning("control", "\(name): too many connections; refusing one")
                connection.transport.close()
                continue
            }
            let thread = Thread { [self] in serve(connection) }
            thread.name = "control \(name) client"
            thread.start()
        }
    }

    private func serve(_ connection: AcceptedConnection) {
        let channel = LineChannel(connection.transport)
        defer {
            lock.withLock { connections[ObjectIdentifier(connection.transport)] = nil }
            connection.transport.close()
        }
        let peer = connection.peer
        guard authorise(peer) else {
            logger.warning("control", "\(name): refused \(peer.map(\.description) ?? "unknown peer")")
            try? channel.write(["class": "error", "ok": false, "error": "not authorised on \(name)"])
            return
        }
        if name == "admin.sock" {
            logger.notice("control", "admin connection from \(peer.map(\.description) ?? "unknown peer")")
        }
        do {
            try channel.write([
                "class": "hello", "ok": true, "protocol": KioskDaemonInfo.controlProtocol,
                "version": KioskDaemonInfo.version, "socket": name,
            ])
        } catch {
            return
        }
        while !isStopped {
            let line: String
            do {
                line = try channel.readLine(deadline: .after(Self.idleTimeout))
            } catch .tooLong {
                try? channel.write([
                    "class": "error", "ok": false, "error": "request longer than \(LineChannel.maximumLine) bytes",
                ])
                return
            } catch {
                return
            }
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let reply: [String: Any]
            if let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] {
                reply = handler(object, peer)
            } else {
                reply = ["class": "error", "ok": false, "error": "each request must be one JSON object on one line"]
            }
            do { try channel.write(reply) } catch { return }
        }
    }
}
