import Foundation
import KioskCore
import KioskHTTP

/// The touch UI's HTTP side (docs/ui-api.md): the Host check before anything else, the embedded page, the state,
/// the events and the stream. Runs on the HTTP server's connection threads.
struct UIAPI: Sendable {
    /// Route labels for `kioskd_http_requests_total`: the templates below, never a raw path.
    static let routes = [
        "/", "/kiosk.css", "/kiosk.js", "/strings.js", "/favicon.ico", "/ui/v1/state", "/ui/v1/events",
        "/ui/v1/stream", "/ui/v1/camera",
    ]
    static let unmatchedRoute = "ui-unmatched"
    static let refusedRoute = "ui-refused"
    /// How long an event may wait for the flow before it is answered 503.
    static let flowDeadline: Duration = .seconds(10)

    let runner: FlowRunner
    let hub: UIStateHub
    let kioskID: String
    let timeZone: TimeZone
    let clock: @Sendable () -> Date
    let metrics: DaemonMetrics
    let logger: Logger
    /// `127.0.0.1:PORT` and `localhost:PORT`, known once the listener is bound.
    let authority: UIAuthority
    /// The live previews (`GET /ui/v1/camera`) and the camera they read, if there is one.
    let previews: CameraPreviews

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        let path = request.target.path
        let route = Self.routes.contains(path) ? path : Self.unmatchedRoute
        let response = answer(request)
        metrics.request(route: route, code: response.status)
        return response
    }

    private func answer(_ request: HTTPRequest) -> HTTPResponse {
        guard let host = request.host, authority.accepts(host: host) else {
            return .problem(
                status: 421, detail: "this server answers only for \(authority.hosts.joined(separator: " or "))")
        }
        let path = request.target.path
        if let asset = UIAssets.byPath[path] {
            guard request.method == .get || request.method == .head else { return notAllowed("GET, HEAD") }
            return HTTPResponse(status: 200, contentType: asset.contentType, body: asset.bytes)
        }
        switch path {
        case "/favicon.ico":
            // Chromium asks for it whatever the page says (a 404 would be a console error); the kiosk has no tab bar.
            return HTTPResponse(status: 204)
        case "/ui/v1/state":
            guard request.method == .get else { return notAllowed("GET") }
            return .json(hub.state().json())
        case "/ui/v1/stream":
            guard request.method == .get else { return notAllowed("GET") }
            return .streaming(hub.openStream(), contentType: "text/event-stream; charset=utf-8")
        case "/ui/v1/camera":
            guard request.method == .get else { return notAllowed("GET") }
            return preview()
        case "/ui/v1/events":
            guard request.method == .post else { return notAllowed("POST") }
            guard let origin = request.origin, authority.accepts(origin: origin) else {
                return .problem(
                    status: 403,
                    detail: "a state-changing request needs Origin \(authority.origins.joined(separator: " or "))")
            }
            guard Self.isJSON(request.contentType) else {
                return .problem(status: 415, detail: "send the event as Content-Type: application/json")
            }
            return UIEventHandler(api: self).handle(request.body)
        default:
            return .problem(status: 404, detail: "no such page or API")
        }
    }

    /// The camera's frames while the face step lasts (docs/ui-api.md, "Live preview"); never cached.
    private func preview() -> HTTPResponse {
        guard let camera = previews.camera else {
            return .problem(status: 503, detail: "no camera")
        }
        let (step, transactionID) = hub.step
        guard step.isFaceStep else {
            return .problem(
                status: 409, detail: "the live preview is served only in capturingFace and verifyingFace (now \(step))")
        }
        let hub = hub
        let stream = previews.open(camera) {
            let now = hub.step
            return now.name.isFaceStep && now.transactionID == transactionID
        }
        return HTTPResponse.streaming(stream, contentType: CameraPreviewStream.contentType).cacheControl(.noStore)
    }

    private func notAllowed(_ methods: String) -> HTTPResponse {
        .problem(status: 405, detail: "use \(methods)", fields: [.allow: methods])
    }

    /// `application/json`, with parameters (`; charset=utf-8`) or not, in any letter case.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let media = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        return media.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }
}

/// The names the UI is reached by, for the Host and Origin checks (DNS-rebinding defence).
final class UIAuthority: @unchecked Sendable {
    private let lock = NSLock()
    private var bound: (host: String, port: UInt16)?

    func bind(host: String, port: UInt16) { lock.withLock { bound = (host, port) } }

    /// `HOST:PORT` as bound, and `localhost:PORT`.
    var hosts: [String] {
        lock.withLock { bound.map { ["\($0.host):\($0.port)", "localhost:\($0.port)"] } ?? [] }
    }

    var origins: [String] { hosts.map { "http://" + $0 } }

    func accepts(host: String) -> Bool { hosts.contains(host.lowercased()) }

    func accepts(origin: String) -> Bool { origins.contains(origin.lowercased()) }
}
