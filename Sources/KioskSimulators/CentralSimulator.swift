import Foundation
import KioskCore
import KioskHTTP
import KioskIO

/// A simulated central server: a real HTTPS server (KioskHTTP on libcups, its own credentials, so it runs in a
/// process of its own) that receives pushed transactions and answers registrations, with faults switched at run time.
///
/// Two listeners: the centre itself (`https://`, bearer token) with `POST /v1/events`, `POST /v1/registrations` and
/// the identity service's `POST /identity/v1/verify` (`IdentityServiceSimulator`);
/// and a plain loopback control listener for tests with `POST /sim/mode`, `GET /sim/received`, so that "down" can
/// close the centre's listener for real (connections refused) while the control stays reachable.
///
/// Pushes are de-duplicated on the CloudEvent `source` + `id`, and every re-delivery is counted; registrations on
/// `transactionID` (a repeat gets the first decision).
public final class CentralSimulator: @unchecked Sendable {
    /// How the centre answers pushes.
    public enum PushMode: String, Sendable, CaseIterable {
        case normal
        /// The listener is closed: connections are refused.
        case down
        /// 500 problem+json.
        case error500 = "500"
        /// 429 with `Retry-After: retryAfterSeconds`.
        case tooManyRequests = "429"
        /// 400 problem+json: the centre rejects the batch.
        case reject400 = "400"
        /// Answers after `slowSeconds`.
        case slow
        /// Takes the batch (it is counted), then resets the connection mid-response (RST after a few body bytes):
        /// the pusher cannot know, re-delivers, and the centre recognises the repeats.
        case resetMidResponse = "reset"
    }

    /// How the centre answers registrations.
    public enum RegistrationMode: String, Sendable, CaseIterable {
        case approve, reject, unavailable, slow
    }

    /// One distinct event the centre received.
    public struct ReceivedEvent: Sendable {
        public let source: String
        public let id: String
        public let seq: Int64?
        /// How many times it arrived, pushed or pulled (1 = exactly once).
        public var deliveries: Int
        /// Of those, how many came by push and how many by pull.
        public var pushed = 0
        public var pulled = 0
    }

    /// Where the centre pulls from, like the real one: `GET /v1/transactions?after=&limit=` with the pull API's
    /// token over TLS (the kiosk's certificate pinned), then `POST /v1/transactions/ack` up to what it pulled.
    public struct PullTarget: Sendable {
        public var base: String
        public var token: String
        public var verification: PeerVerification
        public var interval: Duration
        public var pageSize: Int

        public init(
            base: String, token: String, verification: PeerVerification, interval: Duration = .milliseconds(500),
            pageSize: Int = 500
        ) {
            self.base = base
            self.token = token
            self.verification = verification
            self.interval = interval
            self.pageSize = pageSize
        }
    }

    public let credentials: HTTPServerCredentials
    /// The identity-verification service; its modes are switched with `POST /sim/mode` too.
    public let identity: IdentityServiceSimulator
    public let certificateSHA256: String
    public let host: String
    public private(set) var port: UInt16 = 0
    public var controlPort: UInt16 { control?.port ?? 0 }

    private let tokenSHA256: [UInt8]
    private let lock = NSLock()
    private var server: HTTPServer?
    private var control: HTTPServer?
    private var pushMode = PushMode.normal
    private var registrationMode = RegistrationMode.approve
    private var retryAfterSeconds = 1
    private var slowSeconds = 3.0
    private var events: [String: ReceivedEvent] = [:]
    private var order: [String] = []
    private var posts = 0
    private var started = 0
    /// The last 100 push answers: (status, milliseconds since the simulator started).
    private var answerLog: [(Int, Int64)] = []
    private let startedAt = ContinuousClock.now
    private var answered: [Int: Int] = [:]
    /// Pushes answered with a reset mid-response (not counted in `answered`).
    private var resets = 0
    private var decisions: [String: String] = [:]
    private var registrationRequests = 0
    private var nextCreditSequence = 1
    private var pullTarget: PullTarget?
    private var pullGeneration = 0
    private var pullPaused = false
    private var pullCursor: Int64 = 0
    private var pullRequests = 0
    private var pullFailures = 0
    private var lastPullError: String?

    /// Starts the centre on `host:port` (0 = any free port) with credentials in `directory` (created self-signed
    /// if missing), accepting `token`, and the control listener on `host:controlPort`.
    /// `log` gets the identity service's lines (nothing personal in them).
    public init(
        host: String, port: UInt16, controlPort: UInt16 = 0, directory: String, token: String,
        log: (@Sendable (String) -> Void)? = nil
    ) throws {
        self.host = host
        identity = IdentityServiceSimulator(log: log)
        credentials = HTTPServerCredentials(directory: directory, commonName: "central-simulator")
        try credentials.install()
        certificateSHA256 = try credentials.certificateSHA256()
        tokenSHA256 = SHA256.digest(Array(token.utf8))
        let server = try makeServer(port: port)
        self.server = server
        self.port = server.port
        control = try HTTPServer(host: host, port: controlPort) { [unowned self] in controlRequest($0) }
    }

    public var url: String { "https://\(host):\(port)" }

    public func stop() {
        let (server, control) = lock.withLock {
            pullGeneration += 1
            pullTarget = nil
            return (self.server, self.control)
        }
        server?.shutdown(deadline: .after(seconds: 2))
        control?.shutdown(deadline: .after(seconds: 2))
    }

    private func makeServer(port: UInt16) throws -> HTTPServer {
        try HTTPServer(host: host, port: port, security: .tls(credentials)) { [unowned self] in centreRequest($0) }
    }

    /// Switches the push mode; `down` closes the listener, leaving it re-opens it on the same port.
    public func setPushMode(_ mode: PushMode) throws {
        let previous = lock.withLock {
            defer { pushMode = mode }
            return pushMode
        }
        if mode == .down && previous != .down {
            let server = lock.withLock {
                defer { self.server = nil }
                return self.server
            }
            server?.shutdown(deadline: .after(seconds: 2))
        } else if mode != .down && previous == .down {
            let server = try makeServer(port: port)
            lock.withLock { self.server = server }
        }
    }

    public func setRegistrationMode(_ mode: RegistrationMode) { lock.withLock { registrationMode = mode } }

    /// Distinct events in the order first received.
    public var received: [ReceivedEvent] { lock.withLock { order.compactMap { events[$0] } } }

    // MARK: The centre

    private func centreRequest(_ request: HTTPRequest) -> HTTPResponse {
        guard authorized(request) else {
            return .problem(
                status: 401, detail: "a valid bearer token is needed",
                fields: [.wwwAuthenticate: "Bearer realm=\"sim\""])
        }
        switch (request.method, request.target.path) {
        case (.post, "/v1/events"): return push(request)
        case (.post, "/v1/registrations"): return registration(request)
        case (.post, "/identity/v1/verify"): return identity.verify(request)
        default: return .problem(status: 404, detail: "no such resource")
        }
    }

    private func authorized(_ request: HTTPRequest) -> Bool {
        guard let authorization = request.authorization, authorization.hasPrefix("Bearer ") else { return false }
        return SHA256.digest(Array(authorization.dropFirst(7).utf8)) == tokenSHA256
    }

    private func push(_ request: HTTPRequest) -> HTTPResponse {
        let (mode, retryAfter, slow) = lock.withLock {
            started += 1
            return (pushMode, retryAfterSeconds, slowSeconds)
        }
        let response: HTTPResponse
        switch mode {
        case .error500: response = .problem(status: 500, detail: "simulated failure")
        case .tooManyRequests:
            response = .problem(
                status: 429, detail: "simulated overload", fields: [.retryAfter: String(retryAfter)])
        case .reject400: response = .problem(status: 400, detail: "simulated rejection of the batch")
        case .normal, .down, .slow:
            if mode == .slow { Thread.sleep(forTimeInterval: slow) }
            response = accept(request)
        case .resetMidResponse:
            var partial = accept(request)
            partial.resetAfterBodyBytes = 4
            response = partial
        }
        lock.withLock {
            posts += 1
            if response.resetAfterBodyBytes != nil { resets += 1 } else { answered[response.status, default: 0] += 1 }
            let elapsed = ContinuousClock.now - startedAt
            answerLog.append(
                (
                    response.status,
                    elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
                ))
            if answerLog.count > 100 { answerLog.removeFirst() }
        }
        return response
    }

    private func accept(_ request: HTTPRequest) -> HTTPResponse {
        let media = request.contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces)
        guard media?.lowercased() == "application/cloudevents-batch+json" else {
            return .problem(status: 415, detail: "send application/cloudevents-batch+json")
        }
        guard let batch = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [[String: Any]] else {
            return .problem(status: 400, detail: "expected a JSON array of CloudEvents")
        }
        var keys: [(String, String, Int64?)] = []
        for event in batch {
            guard event["specversion"] as? String == "1.0", let source = event["source"] as? String,
                let id = event["id"] as? String, !source.isEmpty, !id.isEmpty, event["type"] is String
            else { return .problem(status: 400, detail: "every event needs specversion 1.0, source, id and type") }
            keys.append((source, id, (event["seq"] as? NSNumber)?.int64Value))
        }
        let duplicates = lock.withLock { record(keys, pulled: false) }
        return .json("{\"received\":\(keys.count),\"duplicates\":\(duplicates)}")
    }

    /// Adds events (de-duplicated on source + id, whichever way they came); returns how many were repeats. Locked.
    private func record(_ keys: [(String, String, Int64?)], pulled: Bool) -> Int {
        var duplicates = 0
        for (source, id, seq) in keys {
            let key = source + "\u{0}" + id
            if events[key] != nil {
                events[key]!.deliveries += 1
                duplicates += 1
            } else {
                events[key] = ReceivedEvent(source: source, id: id, seq: seq, deliveries: 1)
                order.append(key)
            }
            if pulled { events[key]!.pulled += 1 } else { events[key]!.pushed += 1 }
        }
        return duplicates
    }

    // MARK: Pulling

    /// Starts (or re-points) the pull loop; nil stops it.
    public func setPullTarget(_ target: PullTarget?) {
        let generation = lock.withLock {
            pullGeneration += 1
            pullTarget = target
            pullCursor = 0
            return pullGeneration
        }
        guard let target else { return }
        let thread = Thread { [self] in pullLoop(target, generation: generation) }
        thread.name = "central-sim-pull"
        thread.start()
    }

    private func pullLoop(_ target: PullTarget, generation: Int) {
        // One kept-alive connection to the kiosk, made again whenever it fails or the kiosk closed it.
        guard let base = HTTPSURL(target.base + "/") else {
            lock.withLock { lastPullError = "not an https URL: \(target.base)" }
            return
        }
        let connection = HTTPClientConnection(host: base.host, port: base.port, verification: target.verification)
        defer { connection.close() }
        while lock.withLock({ pullGeneration == generation }) {
            var more = false
            // A centre that is down neither receives nor pulls.
            if lock.withLock({ pushMode == .down || pullPaused }) {
                Thread.sleep(forTimeInterval: 0.1)
                continue
            }
            do {
                more = try pullOnce(target, connection: connection, generation: generation)
            } catch {
                lock.withLock {
                    pullFailures += 1
                    lastPullError = "\(error)"
                }
            }
            if !more {
                Thread.sleep(
                    forTimeInterval: Double(target.interval.components.seconds)
                        + Double(target.interval.components.attoseconds) / 1e18)
            }
        }
    }

    struct PullError: Error, CustomStringConvertible { let description: String }

    /// One page and its ack; whether there is more to pull at once.
    private func pullOnce(_ target: PullTarget, connection: HTTPClientConnection, generation: Int) throws -> Bool {
        let after = lock.withLock { pullCursor }
        guard let pageURL = HTTPSURL(target.base + "/v1/transactions?after=\(after)&limit=\(target.pageSize)"),
            let ackURL = HTTPSURL(target.base + "/v1/transactions/ack")
        else { throw PullError(description: "not an https URL: \(target.base)") }
        lock.withLock { pullRequests += 1 }
        let page = try connection.send(
            .get, pageURL.resource, bearerToken: target.token, deadline: .after(seconds: 30),
            maximumResponseBytes: 64 << 20)
        guard page.status == 200,
            let object = try? JSONSerialization.jsonObject(with: Data(page.body)) as? [String: Any],
            let list = object["transactions"] as? [[String: Any]], let next = (object["next"] as? NSNumber)?.int64Value
        else { throw PullError(description: "pull answered \(page.status)") }
        var keys: [(String, String, Int64?)] = []
        for event in list {
            guard let source = event["source"] as? String, let id = event["id"] as? String else {
                throw PullError(description: "a pulled event without source or id")
            }
            keys.append((source, id, (event["seq"] as? NSNumber)?.int64Value))
        }
        guard !keys.isEmpty else { return false }
        // Stored before the ack, as a real centre would: an ack that is lost only means a repeat, de-duplicated.
        lock.withLock {
            guard pullGeneration == generation else { return }
            _ = record(keys, pulled: true)
        }
        let ack = try connection.send(
            .post, ackURL.resource, contentType: "application/json", bearerToken: target.token,
            body: Array("{\"upTo\":\(next)}".utf8), deadline: .after(seconds: 30))
        guard ack.status == 200 else { throw PullError(description: "ack answered \(ack.status)") }
        lock.withLock { if pullGeneration == generation { pullCursor = next } }
        return object["hasMore"] as? Bool ?? false
    }

    private func registration(_ request: HTTPRequest) -> HTTPResponse {
        guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
            let transactionID = object["transactionID"] as? String, !transactionID.isEmpty
        else { return .problem(status: 400, detail: "expected a JSON object with transactionID") }
        let (mode, slow, stored) = lock.withLock {
            registrationRequests += 1
            return (registrationMode, slowSeconds, decisions[transactionID])
        }
        if let stored { return .json(stored) }
        switch mode {
        case .unavailable: return .problem(status: 503, detail: "simulated registration outage")
        case .slow:
            Thread.sleep(forTimeInterval: slow)
            return .problem(status: 503, detail: "simulated slow registration")
        case .reject:
            let decision =
                "{\"decision\":\"rejected\",\"reasons\":[{\"field\":\"name\",\"message\":\"the name is already "
                + "registered\"}]}"
            return .json(lock.withLock { decisions[transactionID, default: decision] })
        case .approve:
            let form = object["form"] as? [String: Any] ?? [:]
            let date = (object["date"] as? String).flatMap { CivilDate($0) }
            let kind = (form["kind"] as? String).flatMap { EntityKind(rawValue: $0) }
            guard let date, let kind, let name = form["name"] as? String,
                let representative = form["representative"] as? String
            else { return .problem(status: 400, detail: "the application needs date, form.kind, name, representative") }
            return .json(
                lock.withLock {
                    if let stored = decisions[transactionID] { return stored }
                    let code = Self.creditCode(sequence: nextCreditSequence) ?? ""
                    nextCreditSequence += 1
                    let capital = (form["registeredCapitalWan"] as? NSNumber).map { "\($0)万元人民币" } ?? ""
                    let licence = BusinessLicence(
                        creditCode: code, name: name, entityType: form["entityType"] as? String ?? "",
                        representative: representative, kind: kind, registeredCapital: capital, establishedOn: date,
                        businessTermFrom: date, businessTermUntil: .longTerm, address: form["address"] as? String ?? "",
                        businessScope: form["businessScope"] as? String ?? "", registrationAuthority: "中心模拟登记机关",
                        issuedOn: date, qrPayload: "https://centre.invalid/licence/" + code)
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    let licenceJSON = (try? encoder.encode(licence)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                    let decision = "{\"decision\":\"approved\",\"licence\":\(licenceJSON)}"
                    decisions[transactionID] = decision
                    return decision
                })
        }
    }

    /// A valid credit code (GB 32100, with a valid GB 11714 organisation code) in the simulator's own block.
    static func creditCode(sequence: Int) -> String? {
        let digits = String(sequence)
        guard digits.count <= 6 else { return nil }
        let body = "MA" + String(repeating: "0", count: 6 - digits.count) + digits
        for check in "0123456789X" where CreditCodeValidator.organisationCodeIsValid(Array(body) + [check]) {
            return CreditCodeValidator.complete("91990000" + body + String(check))
        }
        return nil
    }

    // MARK: Control

    private func controlRequest(_ request: HTTPRequest) -> HTTPResponse {
        switch (request.method, request.target.path) {
        case (.post, "/sim/mode"): return setMode(request)
        case (.post, "/sim/pull"): return setPull(request)
        case (.get, "/sim/received"):
            return receivedJSON(events: request.target.query.first { $0.name == "summary" } == nil)
        default: return .problem(status: 404, detail: "no such resource")
        }
    }

    /// `{"url": "https://HOST:PORT", "token": "...", "pinSHA256": "<hex>", "intervalMs": 500}` starts pulling from
    /// that kiosk (from the start: the cursor is the centre's, kept in memory); `{}` stops.
    private func setPull(_ request: HTTPRequest) -> HTTPResponse {
        guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return .problem(status: 400, detail: "expected a JSON object")
        }
        guard let base = object["url"] as? String else {
            setPullTarget(nil)
            return receivedJSON(events: false)
        }
        guard let token = object["token"] as? String, !token.isEmpty, HTTPSURL(base + "/") != nil else {
            return .problem(status: 400, detail: "pull needs an https url and the token")
        }
        var verification = PeerVerification.systemTrust
        if let pin = object["pinSHA256"] as? String {
            guard let pinned = PeerVerification.pin(hex: pin) else {
                return .problem(status: 400, detail: "pinSHA256: expected 64 hex digits")
            }
            verification = pinned
        }
        let interval = Duration.milliseconds(max(10, object["intervalMs"] as? Int ?? 500))
        setPullTarget(PullTarget(base: base, token: token, verification: verification, interval: interval))
        return receivedJSON(events: false)
    }

    private func setMode(_ request: HTTPRequest) -> HTTPResponse {
        guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return .problem(status: 400, detail: "expected a JSON object")
        }
        if let seconds = object["retryAfter"] as? Int { lock.withLock { retryAfterSeconds = max(0, seconds) } }
        if let seconds = object["slowSeconds"] as? Double { lock.withLock { slowSeconds = max(0, seconds) } }
        if let pull = object["pull"] as? String {
            guard pull == "paused" || pull == "running" else {
                return .problem(status: 400, detail: "pull is \"paused\" or \"running\"")
            }
            lock.withLock { pullPaused = pull == "paused" }
        }
        if let problem = identity.configure(object) { return .problem(status: 400, detail: problem) }
        if let name = object["registration"] as? String {
            guard let mode = RegistrationMode(rawValue: name) else {
                return .problem(status: 400, detail: "unknown registration mode '\(name)'")
            }
            setRegistrationMode(mode)
        }
        if let name = object["push"] as? String {
            guard let mode = PushMode(rawValue: name) else {
                return .problem(status: 400, detail: "unknown push mode '\(name)'")
            }
            do { try setPushMode(mode) } catch {
                return .problem(status: 500, detail: "cannot switch to \(name): \(error)")
            }
        }
        return receivedJSON(events: false)
    }

    /// `{"pushMode", "registrationMode", "started" (pushes read whole, answered or not), "posts" (answered),
    /// "answered": {code: n}, "answerLog": [{"status", "atMilliseconds"}] (the last 100), "unique", "redeliveries", "events": [...], "registrationRequests"}`; without `events`
    /// (`?summary`), the list is left out.
    public func receivedJSON(events withEvents: Bool = true) -> HTTPResponse {
        let object: [String: Any] = lock.withLock {
            let list: [[String: Any]] = order.compactMap { key in
                guard let event = events[key] else { return nil }
                var entry: [String: Any] = [
                    "source": event.source, "id": event.id, "deliveries": event.deliveries, "pushed": event.pushed,
                    "pulled": event.pulled,
                ]
                if let seq = event.seq { entry["seq"] = seq }
                return entry
            }
            return [
                "pushMode": pushMode.rawValue, "registrationMode": registrationMode.rawValue, "posts": posts,
                "started": started,
                "answerLog": answerLog.map { ["status": $0.0, "atMilliseconds": $0.1] },
                "answered": Dictionary(uniqueKeysWithValues: answered.map { (String($0.key), $0.value) }),
                "unique": order.count,
                "redeliveries": events.values.reduce(0) { $0 + $1.deliveries - 1 }, "events": withEvents ? list : [],
                "registrationRequests": registrationRequests, "resets": resets, "identity": identity.report,
                "pull": [
                    "on": pullTarget != nil, "paused": pullPaused, "cursor": pullCursor, "requests": pullRequests,
                    "failures": pullFailures,
                    "lastError": lastPullError ?? "", "pulledEvents": events.values.reduce(0) { $0 + $1.pulled },
                ] as [String: Any],
            ]
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            return .problem(status: 500, detail: "cannot encode")
        }
        return HTTPResponse(status: 200, contentType: "application/json", body: Array(data))
    }
}
