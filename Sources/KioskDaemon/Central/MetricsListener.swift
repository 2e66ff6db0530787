import Foundation
import KioskHTTP
import KioskIO
import KioskStore

/// `central.metrics.listen`: a second listener that serves `/metrics` and `/healthz` only (everything else 404), so
/// a Prometheus scraper or a monitor can be let in where the pull API is not. Plain HTTP and no token: neither
/// route carries personal data or a secret. Its own read-only store connection, like the pull listener's.
final class MetricsListener: Sendable {
    let server: HTTPServer
    private let reader: TransactionStore

    init(
        config: DaemonConfig, listen: MetricsListenConfig, store: TransactionStore, lane: StoreLane,
        terminal: Terminal, metrics: DaemonMetrics, logger: Logger, warnings: @escaping @Sendable () -> [String]
    ) throws {
        reader = try TransactionStore.open(
            path: store.path, options: .init(readOnly: true, checkIntegrityAtOpen: false))
        let api = PullAPI(
            kioskID: config.kioskID, tokenSHA256: [],
            backend: StorePullBackend(
                reader: reader, lane: lane, terminal: terminal, logger: logger, warnings: warnings),
            metrics: metrics, paths: PullAPI.metricsPaths)
        do {
            server = try HTTPServer(
                host: listen.host, port: listen.port, security: .plain,
                refused: { metrics.request(route: PullAPI.refusedRoute, code: $0) }
            ) { api.handle($0) }
        } catch {
            reader.close()
            throw error
        }
    }

    /// Starts the listener if `central.metrics` is configured (nil otherwise) and logs where.
    static func start(
        config: DaemonConfig, store: TransactionStore, lane: StoreLane, terminal: Terminal, metrics: DaemonMetrics,
        logger: Logger, warnings: @escaping @Sendable () -> [String] = { [] }
    ) throws -> MetricsListener? {
        guard let listen = config.central.metrics else { return nil }
        let listener = try MetricsListener(
            config: config, listen: listen, store: store, lane: lane, terminal: terminal, metrics: metrics,
            logger: logger, warnings: warnings)
        logger.notice("central", "metrics listening on \(listener.url) (/metrics and /healthz only)")
        return listener
    }

    var url: String { "http://\(server.address)" }

    /// For `status`.
    var status: [String: Any] { ["listen": server.address.description, "url": url] }

    /// Stops taking requests, lets those in flight finish (at most 5 s), closes the read connection — on a thread of
    /// its own, off the concurrency pool.
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
