import Foundation
import KioskCore
import KioskHTTP

/// The central simulator's identity-verification service (`POST /identity/v1/verify`, docs/central-api.yaml): checks
/// each request as the real service would (every field, attempt 1…3, the ID number's format, the image a JPEG of at
/// most 200 KiB) and answers as told — one mode, with a queue of scripted answers taken first.
///
/// It keeps what it was asked (transaction ID, attempt, image size and SHA-256, what it answered) and nothing
/// personal: the decoded request goes when the answer is made. `log` gets one line per request without the ID
/// number, the name or the image.
public final class IdentityServiceSimulator: @unchecked Sendable {
    /// How the service answers.
    public enum Answer: String, Sendable, CaseIterable {
        /// 200 `{"decision": "match", "score": 0.93}`.
        case match
        /// 200 `{"decision": "noMatch", "score": 0.12}`.
        case noMatch = "no-match"
        /// 503 problem+json.
        case unavailable
        /// `match`, after `slowSeconds` (longer than the client waits).
        case slow
        /// 200 with a body that is not a decision.
        case malformed
        /// 200 with a decision padded past the client's 16 KiB limit.
        case oversized
    }

    /// One request as recorded: nothing personal.
    public struct Asked: Sendable, Hashable {
        public var transactionID: String
        public var attempt: Int
        public var imageBytes: Int
        public var imageSHA256: String
        /// The HTTP status it got.
        public var status: Int
        /// `match`, `noMatch`, or empty when refused or unavailable.
        public var decision: String
    }

    public static let matchScore = 0.93
    public static let noMatchScore = 0.12

    private let lock = NSLock()
    private var mode = Answer.match
    private var script: [Answer] = []
    private var slowSeconds = 15.0
    private var asked: [Asked] = []
    private var refused = 0
    private let log: (@Sendable (String) -> Void)?

    public init(log: (@Sendable (String) -> Void)? = nil) {
        self.log = log
    }

    /// Sets the mode (kept until changed) and/or replaces the script (answers taken one per request before the
    /// mode applies again).
    public func set(mode: Answer? = nil, script: [Answer]? = nil, slowSeconds: Double? = nil) {
        lock.withLock {
            if let mode { self.mode = mode }
            if let script { self.script = script }
            if let slowSeconds { self.slowSeconds = max(0, min(slowSeconds, 120)) }
        }
    }

    /// What the service was asked, oldest first (the last 1000).
    public var requests: [Asked] { lock.withLock { asked } }

    /// `{"mode", "script", "slowSeconds", "refused", "requests": [{"transactionID", "attempt", "imageBytes",
    /// "imageSHA256", "status", "decision"}]}` for `/sim/received`.
    public var report: [String: Any] {
        lock.withLock {
            [
                "mode": mode.rawValue, "script": script.map(\.rawValue), "slowSeconds": slowSeconds,
                "refused": refused,
                "requests": asked.map {
                    [
                        "transactionID": $0.transactionID, "attempt": $0.attempt, "imageBytes": $0.imageBytes,
                        "imageSHA256": $0.imageSHA256, "status": $0.status, "decision": $0.decision,
                    ] as [String: Any]
                },
            ]
        }
    }

    /// The control's `identity` (a mode), `identityScript` (a list of modes) and `identitySlowSeconds` keys of
    /// `POST /sim/mode`; the problem when one is not understood (then nothing is changed).
    public func configure(_ object: [String: Any]) -> String? {
        var mode: Answer?
        var script: [Answer]?
        if let name = object["identity"] {
            guard let text = name as? String, let answer = Answer(rawValue: text) else {
                return "identity is one of \(Self.names)"
            }
            mode = answer
        }
        if let names = object["identityScript"] {
            guard let list = names as? [String], list.count <= 100 else {
                return "identityScript is a list of at most 100 of \(Self.names)"
            }
            var answers: [Answer] = []
            for name in list {
                guard let answer = Answer(rawValue: name) else { return "identityScript: unknown answer '\(name)'" }
                answers.append(answer)
            }
            script = answers
        }
        var slow: Double?
        if let seconds = object["identitySlowSeconds"] {
            guard let number = seconds as? Double else { return "identitySlowSeconds is a number" }
            slow = number
        }
        set(mode: mode, script: script, slowSeconds: slow)
        return nil
    }

    static var names: String { Answer.allCases.map(\.rawValue).joined(separator: ", ") }

    // MARK: The service

    /// Answers one `POST /identity/v1/verify`.
    public func verify(_ request: HTTPRequest) -> HTTPResponse {
        let checked = Self.check(request)
        switch checked {
        case .failure(let refusal):
            lock.withLock { refused += 1 }
            log?("identity: refused a request: \(refusal.detail)")
            return .problem(status: 400, detail: refusal.detail)
        case .success(let valid):
            let (answer, slow) = lock.withLock { () -> (Answer, Double) in
                (script.isEmpty ? mode : script.removeFirst(), slowSeconds)
            }
            if answer == .slow { Thread.sleep(forTimeInterval: slow) }
            let response = Self.response(answer)
            let decision: String =
                switch answer {
                case .match, .slow: FaceDecision.match.rawValue
                case .noMatch: FaceDecision.noMatch.rawValue
                case .unavailable, .malformed, .oversized: ""
                }
            let entry = Asked(
                transactionID: valid.transactionID, attempt: valid.attempt, imageBytes: valid.imageBytes,
                imageSHA256: valid.imageSHA256, status: response.status, decision: decision)
            lock.withLock {
                asked.append(entry)
                if asked.count > 1000 { asked.removeFirst() }
            }
            log?(
                "identity: \(entry.transactionID) attempt \(entry.attempt): image \(entry.imageBytes) bytes "
                    + "sha256 \(entry.imageSHA256) -> \(answer.rawValue) (HTTP \(response.status))")
            return response
        }
    }

    /// What is kept of a valid request.
    struct Valid {
        var transactionID: String
        var attempt: Int
        var imageBytes: Int
        var imageSHA256: String
    }

    /// Why a request is refused; never quotes the ID number or the name.
    struct Refusal: Error {
        var detail: String
    }

    /// Checks every field (pure).
    static func check(_ request: HTTPRequest, now: Date = Date()) -> Result<Valid, Refusal> {
        let media = request.contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces)
        guard media?.lowercased() == IdentityVerificationWire.contentType else {
            return .failure(Refusal(detail: "send application/json"))
        }
        guard
            let wire = try? JSONDecoder().decode(IdentityVerificationRequest.self, from: Data(request.body))
        else {
            return .failure(
                Refusal(
                    detail: "expected a JSON object with transactionID, attempt, idNumber, name and image (strings; "
                        + "attempt a number)"))
        }
        guard !wire.transactionID.isEmpty, wire.transactionID.count <= 64,
            wire.transactionID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { return .failure(Refusal(detail: "transactionID: 1 to 64 letters, digits, '-' or '_'")) }
        guard IdentityVerificationWire.attempts.contains(wire.attempt) else {
            return .failure(Refusal(detail: "attempt must be 1, 2 or 3"))
        }
        let today = Today.civilDate(in: TimeZone(identifier: "Asia/Shanghai") ?? .current, now: now)
        let wellFormed: Bool =
            switch IDNumberValidator.validate(wire.idNumber, today: today) {
            case .success: true
            case .failure: Foreigner2017NumberValidator.isWellFormed(wire.idNumber)
            }
        guard wellFormed else { return .failure(Refusal(detail: "idNumber is not a valid identity number")) }
        let name = wire.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 64 else {
            return .failure(Refusal(detail: "name must be 1 to 64 characters"))
        }
        guard let image = Data(base64Encoded: wire.image).map(Array.init) else {
            return .failure(Refusal(detail: "image is not base64"))
        }
        guard image.count <= IdentityVerificationWire.maximumImageBytes else {
            return .failure(
                Refusal(detail: "image is larger than \(IdentityVerificationWire.maximumImageBytes) bytes"))
        }
        guard image.count >= 4, image[0] == 0xFF, image[1] == 0xD8, image[image.count - 2] == 0xFF,
            image[image.count - 1] == 0xD9
        else { return .failure(Refusal(detail: "image is not a JPEG (FF D8 … FF D9)")) }
        return .success(
            Valid(
                transactionID: wire.transactionID, attempt: wire.attempt, imageBytes: image.count,
                imageSHA256: SHA256.hex(of: image)))
    }

    static func response(_ answer: Answer) -> HTTPResponse {
        switch answer {
        case .match, .slow:
            return HTTPResponse(
                status: 200, contentType: IdentityVerificationWire.contentType,
                body: IdentityVerificationAnswer(decision: .match, score: matchScore).json)
        case .noMatch:
            return HTTPResponse(
                status: 200, contentType: IdentityVerificationWire.contentType,
                body: IdentityVerificationAnswer(decision: .noMatch, score: noMatchScore).json)
        case .unavailable: return .problem(status: 503, detail: "simulated identity-service outage")
        case .malformed: return .json("{\"decision\":\"perhaps\",\"score\":\"high\"}")
        case .oversized:
            let padding = String(repeating: " ", count: IdentityVerificationWire.maximumAnswerBytes)
            return .json("{\"decision\":\"match\",\"score\":0.93,\"padding\":\"\(padding)\"}")
        }
    }
}
