import Foundation
import KioskCore
import KioskHTTP

/// The touch UI's listener (`ui.listen`, docs/ui-api.md): plain HTTP on loopback, with the API's own Host and Origin
/// checks, and the screen state hub that follows the flow.
final class UIListener: Sendable {
    let server: HTTPServer
    let hub: UIStateHub

    /// Binds `listen` and starts serving; the hub starts following the flow when `follow` runs.
    init(
        listen: UIConfig.Listen, heartbeat: Duration, runner: FlowRunner, terminal: Terminal,
        inhibitions: InhibitionSwitch, kioskID: String, policy: FlowPolicy, clock: @escaping @Sendable () -> Date,
        metrics: DaemonMetrics, logger: Logger
    ) throws {
        hub = UIStateHub(
            terminal: terminal, inhibitions: inhibitions, maximumCardAttempts: policy.maximumCardAttempts,
            heartbeat: heartbeat, clock: clock)
        let authority = UIAuthority()
        let api = UIAPI(
            runner: runner, hub: hub, kioskID: kioskID, timeZone: policy.timeZone, clock: clock, metrics: metrics,
            logger: logger, authority: authority)
        server = try HTTPServer(
            host: listen.host, port: listen.port, security: .plain,
            refused: { metrics.request(route: UIAPI.refusedRoute, code: $0) }
        ) { api.handle($0) }
        authority.bind(host: listen.host, port: server.port)
    }

    /// `http://HOST:PORT/`.
    var url: String { "http://\(server.address.description)/" }

    /// For `status`: where it listens and what it serves now.
    var status: [String: Any] {
        ["url": url, "activeConnections": server.activeConnections, "streams": server.activeStreams]
    }

    /// Stops serving (streams end at once, other requests get at most 2 s); off the concurrency pool.
    func stop() async {
        let server = server
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread {
                server.shutdown(deadline: .after(.seconds(2)))
                done.resume()
            }.start()
        }
    }
}
