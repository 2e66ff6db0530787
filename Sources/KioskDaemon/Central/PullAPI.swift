import Foundation
import KioskCore
import KioskHTTP
import KioskStore

/// What the pull API reads and writes; the daemon backs it with the store, tests with a fake.
public protocol PullBackend: Sendable {
    /// Outbox entries after `after`, at most `limit`.
    func page(after: Int64, limit: Int) throws -> OutboxPage
    /// Acknowledges up to `upTo` durably, unless that is beyond the last seq; answers the acknowledged seq after it.
    func ack(upTo: Int64) throws -> PullAckResult
    /// For `/healthz`; nil when the store cannot be read.
    func health() -> PullHealth?
    /// For `/metrics`; nil when the store cannot be read.
    func metricsSnapshot() -> MetricsSnapshot?
}

extension PullBackend {
    /// A backend that only pages (or encodes events) has no metrics: `/metrics` answers 503 over it.
    public func metricsSnapshot() -> MetricsSnapshot? { nil }
}

public enum PullAckResult: Sendable, Hashable {
    /// Everything up to this seq is acknowledged (the request's `upTo`, or more if more was acknowledged before).
    case acked(Int64)
    /// `upTo` is past the last seq.
    case beyondEnd(last: Int64)
}

public struct PullHealth: Sendable, Hashable {
    public var devices: [String: String]
    public var outboxPending: Int
    public var degraded: Bool
    /// Why the daemon itself is degraded, as health reasons (no personal data).
    public var warnings: [String]

    public init(devices: [String: String], outboxPending: Int, degraded: Bool, warnings: [String] = []) {
        self.devices = devices
        self.outboxPending = outboxPending
        self.degraded = degraded
        self.warnings = warnings
    }
}

/// The pull API's routes, pure over a `PullBackend`: `GET /v1/transactions`, `POST /v1/transactions/ack` (both with
/// a bearer token), `GET /healthz` and `GET /metrics` (without). Every request is counted in
/// `kioskd_http_requests_total` by route template and status. Every error is an RFC 9457 problem document.
public final class PullAPI: Sendable {
    public static let maximumLimit = OutboxPage.maximumLimit
    public static let defaultLimit = 100
    /// Failed authentications from one peer within `failureWindow` before it gets 429.
    public static let failureLimit = 10
    public static let failureWindow: Duration = .seconds(60)

    let kioskID: String
    /// The paths served; the others answer 404 (the metrics listener serves `metricsPaths` only).
    private let paths: Set<String>
    private let tokenSHA256: [[UInt8]]
    private let backend: any PullBackend
    private let failures: FailureCounter
    let metrics: DaemonMetrics

    public init(
        kioskID: String, tokenSHA256: [[UInt8]], backend: any PullBackend, metrics: DaemonMetrics = DaemonMetrics(),
        paths: Set<String> = Set(PullAPI.routes.map(\.path)),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.metrics = metrics
        self.paths = paths
        self.kioskID = kioskID
        self.tokenSHA256 = tokenSHA256
        self.backend = backend
        self.failures = FailureCounter(limit: Self.failureLimit, window: Self.failureWindow, now: now)
    }

    /// One route: what `docs/central-api.yaml` documents, and a test checks it against this list.
    public struct Route: Sendable, Hashable {
        public let method: HTTPMethod
        public let path: String
        public let needsToken: Bool
    }

    public static let routes: [Route] = [
        Route(method: .get, path: "/healthz", needsToken: false),
        Route(method: .get, path: "/metrics", needsToken: false),
        Route(method: .get, path: "/v1/transactions", needsToken: true),
        Route(method: .post, path: "/v1/transactions/ack", needsToken: true),
    ]

    /// What the metrics listener (`central.metrics.listen`) serves: no token, nothing personal.
    public static let metricsPaths: Set<String> = ["/healthz", "/metrics"]

    /// The route label of requests for no route: the raw path never becomes a label.
    public static let unmatchedRoute = "unmatched"
    /// The route label of requests the HTTP server refused itself, before routing (malformed, too large, too many
    /// connections).
    public static let refusedRoute = "refused"

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        let (route, response) = route(request)
        metrics.request(route: route, code: response.status)
        return response
    }

    /// The response, and the route template it was answered for.
    private func route(_ request: HTTPRequest) -> (String, HTTPResponse) {
        let candidates = Self.routes.filter { $0.path == request.target.path && paths.contains($0.path) }
        guard let path = candidates.first?.path else {
            return (Self.unmatchedRoute, .problem(status: 404, detail: "no such resource"))
        }
        guard let route = candidates.first(where: { $0.method == request.method }) else {
            let allowed = candidates.map(\.method.rawValue).joined(separator: ", ")
            return (path, .problem(status: 405, detail: "use \(allowed) here", fields: [.allow: allowed]))
        }
        if route.needsToken, let refusal = authenticate(request) { return (path, refusal) }
        switch route.path {
        case "/healthz": return (path, healthz())
        case "/metrics": return (path, metricsText())
        case "/v1/transactions": return (path, transactions(request))
        case "/v1/transactions/ack": return (path, ack(request))
        default: return (path, .problem(status: 404, detail: "no such resource"))
        }
    }

    // MARK: Routes

    private func healthz() -> HTTPResponse {
        guard let health = backend.health() else {
            return .problem(status: 503, detail: "the store cannot be read")
        }
        let devices = health.devices.keys.sorted().map {
            "\(HTTPResponse.jsonString($0)):\(HTTPResponse.jsonString(health.devices[$0] ?? ""))"
        }
        let warnings = health.warnings.map(HTTPResponse.jsonString).joined(separator: ",")
        return .json(
            "{\"status\":\"\(health.degraded ? "degraded" : "ok")\",\"devices\":{\(devices.joined(separator: ","))},"
                + "\"outboxPending\":\(health.outboxPending),\"warnings\":[\(warnings)]}")
    }

    private func metricsText() -> HTTPResponse {
        guard let snapshot = backend.metricsSnapshot() else {
            return .problem(status: 503, detail: "the store cannot be read")
        }
        return HTTPResponse(
            status: 200, contentType: PrometheusText.contentType, body: Array(metrics.exposition(snapshot).utf8))
    }

    private func transactions(_ request: HTTPRequest) -> HTTPResponse {
        let after: Int64
        let limit: Int64
        do {
            after = try request.target.integer("after", default: 0, in: 0...Int64.max)
            limit = try request.target.integer(
                "limit", default: Int64(Self.defaultLimit), in: 1...Int64(Self.maximumLimit))
        } catch {
            return .problem(status: 400, detail: error.description)
        }
        let page: OutboxPage
        do { page = try backend.page(after: after, limit: Int(limit)) } catch {
            return .problem(status: 503, detail: "the outbox cannot be read now")
        }
        var out = JSONBytes()
        out.bytes.reserveCapacity(page.entries.count * 1600 + 128)
        out.raw("{\"kioskID\":")
        out.string(kioskID, escapingSlashes: false)
        out.raw(",\"transactions\":[")
        for (index, entry) in page.entries.enumerated() {
            if index > 0 { out.raw(",") }
            TransactionEvent.append(entry, kioskID: kioskID, to: &out)
        }
        out.raw("],\"next\":\(page.next),\"hasMore\":\(page.hasMore)}")
        return HTTPResponse(status: 200, contentType: "application/json", body: out.bytes)
    }

    private func ack(_ request: HTTPRequest) -> HTTPResponse {
        guard let type = request.contentType, Self.isJSON(type) else {
            return .problem(status: 415, detail: "send the acknowledgement as application/json")
        }
        guard let upTo = AckBody.upTo(request.body) else {
            return .problem(status: 400, detail: "expected {\"upTo\": SEQ} with a non-negative integer SEQ")
        }
        let result: PullAckResult
        do { result = try backend.ack(upTo: upTo) } catch {
            return .problem(status: 503, detail: "the acknowledgement could not be recorded now")
        }
        switch result {
        case .acked(let seq): return .json("{\"acked\":\(seq)}")
        case .beyondEnd(let last):
            return .problem(
                status: 409,
                detail: "upTo \(upTo) is beyond the last transaction seq \(last); acknowledge what you pulled")
        }
    }

    /// One outbox entry as a CloudEvents 1.0 event (`TransactionEvent`, shared with the pusher).
    func event(_ entry: OutboxEntry) -> String { TransactionEvent.json(entry, kioskID: kioskID) }

    // MARK: Authentication

    /// nil when the request carries an accepted bearer token; else the 401 (or 429 for a peer that keeps failing).
    private func authenticate(_ request: HTTPRequest) -> HTTPResponse? {
        let peer = request.peerAddress
        if failures.isBlocked(peer) {
            return .problem(
                status: 429, detail: "too many failed authentications; wait a minute",
                fields: [.retryAfter: String(Self.failureWindow.components.seconds)])
        }
        if let token = Self.bearerToken(request.authorization), Self.accepts(token, hashes: tokenSHA256) {
            return nil
        }
        failures.record(peer)
        return .problem(
            status: 401, detail: "a valid bearer token is needed", fields: [.wwwAuthenticate: "Bearer realm=\"kioskd\""]
        )
    }

    /// The token of `Bearer <token>` (scheme case-insensitive), nil for anything else.
    static func bearerToken(_ authorization: String?) -> String? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// Whether SHA-256(`token`) is one of `hashes`, comparing every byte of every hash (no early exit).
    static func accepts(_ token: String, hashes: [[UInt8]]) -> Bool {
        let digest = SHA256.digest(Array(token.utf8))
        var matched: UInt8 = 0
        for hash in hashes where hash.count == digest.count {
            var difference: UInt8 = 0
            for index in 0..<digest.count { difference |= hash[index] ^ digest[index] }
            matched |= difference == 0 ? 1 : 0
        }
        return matched == 1
    }

    // MARK: Parsing

    static func isJSON(_ contentType: String) -> Bool {
        let media = contentType.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        return media == "application/json"
    }

    /// `2026-11-17T08:00:00.123Z`: UTC, milliseconds. Formatted by hand from the civil date: a formatter object per
    /// call cost a fifth of a pull page's time, and a shared one is not thread-safe.
    static func rfc3339(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (days, inDay) = milliseconds.quotientAndRemainder(dividingBy: 86_400_000)
        let (day, ms) = inDay < 0 ? (days - 1, inDay + 86_400_000) : (days, inDay)
        let civil = CivilDate(daysSinceEpoch: Int(day))
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(Int64(civil.year), 4))-\(pad(Int64(civil.month), 2))-\(pad(Int64(civil.day), 2))T"
            + "\(pad(ms / 3_600_000, 2)):\(pad(ms / 60_000 % 60, 2)):\(pad(ms / 1000 % 60, 2)).\(pad(ms % 1000, 3))Z"
    }
}

/// Failed authentications per peer in a sliding window.
final class FailureCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var failures: [String: [ContinuousClock.Instant]] = [:]
    private let limit: Int
    private let window: Duration
    private let now: @Sendable () -> ContinuousClock.Instant

    init(limit: Int, window: Duration, now: @escaping @Sendable () -> ContinuousClock.Instant) {
        self.limit = limit
        self.window = window
        self.now = now
    }

    func isBlocked(_ peer: String) -> Bool {
        lock.withLock {
            let recent = prune(peer)
            return recent >= limit
        }
    }

    func record(_ peer: String) {
        lock.withLock {
            _ = prune(peer)
            failures[peer, default: []].append(now())
            // Bounded: a flood of peers cannot grow the table without limit.
            if failures.count > 4096 { failures.removeAll() }
        }
    }

    /// Drops failures older than the window; returns how many remain. Call under the lock.
    private func prune(_ peer: String) -> Int {
        let cutoff = now() - window
        guard var list = failures[peer] else { return 0 }
        list.removeAll { $0 <= cutoff }
        failures[peer] = list.isEmpty ? nil : list
        return list.count
    }
}
