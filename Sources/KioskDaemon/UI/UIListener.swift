import Foundation
import KioskCore
import KioskDevices
import KioskHTTP

/// The touch UI's listener (`ui.listen`, docs/ui-api.md): plain HTTP on loopback, with the API's own Host and Origin
/// checks, and the screen state hub that follows the flow.
final class UIListener: Sendable {
    let server: HTTPServer
    let hub: UIStateHub

    let previews: CameraPreviews

    /// Binds `listen` and starts serving; the hub starts following the flow when `follow` runs. `camera` feeds the
    /// live preview (`GET /ui/v1/camera`); without one the preview answers 503.
    init(
        listen: UIConfig.Listen, heartbeat: Duration, runner: FlowRunner, terminal: Terminal,
        inhibitions: InhibitionSwitch, kioskID: String, policy: FlowPolicy, clock: @escaping @Sendable () -> Date,
        metrics: DaemonMetrics, logger: Logger, camera: (any CameraPreviewing)? = nil
    ) throws {
        let previews = CameraPreviews(camera: camera)
        self.previews = previews
        hub = UIStateHub(
            terminal: terminal, inhibitions: inhibitions, maximumCardAttempts: policy.maximumCardAttempts,
            heartbeat: heartbeat, clock: clock)
        let authority = UIAuthority()
        let api = UIAPI(
            runner: runner, hub: hub, kioskID: kioskID, timeZone: policy.timeZone, clock: clock, metrics: metrics,
            logger: logger, authority: authority, previews: previews)
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
        [
            "url": url, "activeConnections": server.activeConnections, "streams": server.activeStreams,
            "cameraPreviews": previews.count,
        ]
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
