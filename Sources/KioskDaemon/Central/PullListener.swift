import Foundation
import KioskCore
import KioskHTTP
import KioskIO
import KioskStore

/// The pull API served by kioskd (`central.pull.listen`): the HTTP server, and the read-only store connection its
/// pages are read with (the writer's lane only takes the acknowledgements).
final class PullListener: Sendable {
    let server: HTTPServer
    /// Lower-case hex SHA-256 of the served certificate; nil without TLS.
    let certificateSHA256: String?
    private let reader: TransactionStore

    /// Opens the read connection, installs the TLS credentials (self-signed ones created once in
    /// `stateDirectory/tls` if none are there) and starts listening.
    init(
        config: DaemonConfig, pull: PullConfig, store: TransactionStore, lane: StoreLane, terminal: Terminal,
        metrics: DaemonMetrics, logger: Logger, warnings: @escaping @Sendable () -> [String], events: EventHub? = nil
    ) throws {
        reader = try TransactionStore.open(
            path: store.path, options: .init(readOnly: true, checkIntegrityAtOpen: false))
        let security: HTTPServer.Security
        if pull.tls {
            let directory = config.stateDirectory + "/tls"
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let credentials: HTTPServerCredentials
            if let files = pull.certificate {
                // libcups reads credentials as `<directory>/<name>.crt|.key`: copy the configured ones there at
                // every start (a renewed certificate is picked up by a restart).
                credentials = HTTPServerCredentials(directory: directory, commonName: "kioskd-configured")
                try Self.copy(files.certificate, to: credentials.certificatePath, mode: 0o644)
                try Self.copy(files.key, to: credentials.keyPath, mode: 0o600)
            } else {
                credentials = HTTPServerCredentials(directory: directory, commonName: "kioskd")
            }
            try credentials.install()
            certificateSHA256 = try credentials.certificateSHA256()
            security = .tls(credentials)
        } else {
            certificateSHA256 = nil
            security = .plain
        }
        let api = PullAPI(
            kioskID: config.kioskID, tokenSHA256: pull.tokenSHA256,
            backend: StorePullBackend(
                reader: reader, lane: lane, terminal: terminal, logger: logger, warnings: warnings, events: events),
            metrics: metrics)
        do {
            server = try HTTPServer(
                host: pull.host, port: pull.port, security: security,
                refused: { metrics.request(route: PullAPI.refusedRoute, code: $0) }
            ) { api.handle($0) }
        } catch {
            reader.close()
            throw error
        }
    }

    /// Starts the listener if `central.pull` is configured (nil otherwise) and logs where, with the certificate's
    /// fingerprint for the centre to pin.
    static func start(
        config: DaemonConfig, store: TransactionStore, lane: StoreLane, terminal: Terminal, metrics: DaemonMetrics,
        logger: Logger, warnings: @escaping @Sendable () -> [String] = { [] }, events: EventHub? = nil
    ) throws -> PullListener? {
        guard let pull = config.central.pull else { return nil }
        let listener = try PullListener(
            config: config, pull: pull, store: store, lane: lane, terminal: terminal, metrics: metrics, logger: logger,
            warnings: warnings, events: events)
        let fingerprint = listener.certificateSHA256.map { " (certificate SHA-256 \($0))" } ?? ""
        logger.notice("central", "pull API listening on \(listener.url)\(fingerprint)")
        return listener
    }

    struct CertificateFileError: Error, CustomStringConvertible {
        let description: String
    }

    private static func copy(_ source: String, to destination: String, mode: Int) throws {
        guard let data = FileManager.default.contents(atPath: source), !data.isEmpty else {
            throw CertificateFileError(description: "central.pull.tls: cannot read \(source)")
        }
        let temporary = destination + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: mode])
        else { throw CertificateFileError(description: "central.pull.tls: cannot write \(temporary)") }
        guard rename(temporary, destination) == 0 else {
            throw CertificateFileError(description: "central.pull.tls: cannot replace \(destination)")
        }
    }

    /// For `status`: where it listens, the certificate to pin, connections being served.
    var status: [String: Any] {
        var status: [String: Any] = [
            "listen": server.address.description, "url": url, "tls": certificateSHA256 != nil,
            "activeConnections": server.activeConnections,
        ]
        if let certificateSHA256 { status["certificateSHA256"] = certificateSHA256 }
        return status
    }

    /// `https://HOST:PORT` (or `http://` without TLS).
    var url: String { "\(certificateSHA256 == nil ? "http" : "https")://\(server.address)" }

    /// Stops taking requests, lets those in flight finish (at most 5 s), closes the read connection. Runs the
    /// blocking wait on a thread of its own, off the concurrency pool.
    func stop() async {
        let server = server
        let reader = reader
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread {
                server.shutdown(deadline: .after(.seconds(5)))
                reader.close()
                done.resume()
            }.start()
        }
    }
}

/// The pull API over the store: pages from the read-only connection, acknowledgements through the writer's lane
/// (durable when `ack` returns), health from the terminal and the outbox counts.
struct StorePullBackend: PullBackend {
    let reader: TransactionStore
    let lane: StoreLane
    let terminal: Terminal
    let logger: Logger
    /// Health reasons of the daemon's own that make it degraded (`central-rejected`, `embedded-authority`).
    let warnings: @Sendable () -> [String]
    /// Where the centre's acknowledgements go for `monitor`.
    var events: EventHub? = nil

    func page(after: Int64, limit: Int) throws -> OutboxPage {
        try reader.page(after: after, limit: limit)
    }

    func ack(upTo: Int64) throws -> PullAckResult {
        try lane.runAndWait { store in
            let cursor = try store.outboxCursor()
            if upTo > cursor.last { return .beyondEnd(last: cursor.last) }
            if upTo <= cursor.acked { return .acked(cursor.acked) }
            try store.ack(upTo: upTo)
            events?.publish(
                .central, "acked", ["upToSeq": String(upTo)],
                text: "the centre pulled and acknowledged up to seq \(upTo)")
            return .acked(upTo)
        }
    }

    func health() -> PullHealth? {
        guard let counts = try? reader.outboxCounts() else { return nil }
        var devices: [String: String] = [:]
        var degraded = false
        for role in DeviceRole.allCases where terminal.endpoints[role] != nil {
            let health = terminal.health(of: role)
            devices[role.rawValue] = health.state.rawValue
            if health.state != .ready { degraded = true }
        }
        let reasons = warnings()
        return PullHealth(
            devices: devices, outboxPending: counts.pending, degraded: degraded || !reasons.isEmpty, warnings: reasons)
    }

    func metricsSnapshot() -> MetricsSnapshot? {
        guard let figures = try? reader.metricFigures() else { return nil }
        var devicesUp: [DeviceRole: Bool] = [:]
        for role in DeviceRole.allCases where terminal.endpoints[role] != nil {
            devicesUp[role] = terminal.health(of: role).state == .ready
        }
        return MetricsSnapshot(
            store: figures, devicesUp: devicesUp, logLinesDropped: logger.droppedLines, now: Date())
    }
}
