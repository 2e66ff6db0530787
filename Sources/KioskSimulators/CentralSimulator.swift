import Foundation
import KioskCore
import KioskHTTP
import KioskIO

/// A simulated central server: a real HTTPS server (KioskHTTP on libcups, its own credentials, so it runs in a
/// process of its own) that receives pushed transactions and answers registrations, with faults switched at run time.
///
/// Two listeners: the centre itself (`https://`, bearer token) with `POST /v1/events` and `POST /v1/registrations`;
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
        /// How many times it arrived (1 = exactly once).
        public var deliveries: Int
    }

    public let credentials: HTTPServerCredentials
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
    private var decisions: [String: String] = [:]
    private var registrationRequests = 0
    private var nextCreditSequence = 1

    /// Starts the centre on `host:port` (0 = any free port) with credentials in `directory` (created self-signed
    /// if missing), accepting `token`, and the control listener on `host:controlPort`.
    public init(host: String, port: UInt16, controlPort: UInt16 = 0, directory: String, token: String) throws {
        self.host = host
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
        let (server, control) = lock.withLock { (self.server, self.control) }
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
        }
        lock.withLock {
            posts += 1
            answered[response.status, default: 0] += 1
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
        var duplicates = 0
        lock.withLock {
            for (source, id, seq) in keys {
                let key = source + "\u{0}" + id
                if events[key] != nil {
                    events[key]!.deliveries += 1
                    duplicates += 1
                } else {
                    events[key] = ReceivedEvent(source: source, id: id, seq: seq, deliveries: 1)
                    order.append(key)
                }
            }
        }
        return .json("{\"received\":\(keys.count),\"duplicates\":\(duplicates)}")
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
        case (.get, "/sim/received"):
            return receivedJSON(events: request.target.query.first { $0.name == "summary" } == nil)
        default: return .problem(status: 404, detail: "no such resource")
        }
    }

    private func setMode(_ request: HTTPRequest) -> HTTPResponse {
        guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return .problem(status: 400, detail: "expected a JSON object")
        }
        if let seconds = object["retryAfter"] as? Int { lock.withLock { retryAfterSeconds = max(0, seconds) } }
        if let seconds = object["slowSeconds"] as? Double { lock.withLock { slowSeconds = max(0, seconds) } }
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
                var entry: [String: Any] = ["source": event.source, "id": event.id, "deliveries": event.deliveries]
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
                "registrationRequests": registrationRequests,
            ]
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            return .problem(status: 500, detail: "cannot encode")
        }
        return HTTPResponse(status: 200, contentType: "application/json", body: Array(data))
    }
}
