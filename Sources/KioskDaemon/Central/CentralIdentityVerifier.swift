import Foundation
import KioskCore
import KioskHTTP
import KioskIO

/// The central identity-verification service as the flow's `IdentityVerifying` (`central.identity`,
/// docs/central-api.yaml `POST /identity/v1/verify`, docs/face-verification.md).
///
/// One `POST` per attempt (`IdentityVerificationRequest`) through `HTTPClient` over verified TLS, on a thread of its
/// own; `200 {"decision", "score"}` is `.decided`, anything else `.unavailable` with a short code:
/// `timeout`, `connect-failed`, `tls-failed`, `http-NNN` (a 4xx or 5xx status), `bad-answer` (another status, an
/// unknown decision, a score outside 0…1, a malformed or oversized body), `image-too-large` (refused before
/// connecting), `no-image`. The request body — the only place the base64 of the face exists — is zeroed once sent.
/// The log gets the transaction ID, the attempt, the outcome, the score and the duration; never the ID number, the
/// name or the image.
final class CentralIdentityVerifier: IdentityVerifying {
    private let config: IdentityConfig
    private let token: String
    private let logger: Logger?

    init(config: IdentityConfig, logger: Logger?) throws {
        self.config = config
        token = try TokenFile.read(config.tokenFile, key: "central.identity.tokenFile")
        self.logger = logger
    }

    func verify(_ request: FaceVerificationRequest) async -> FaceVerificationOutcome {
        let started = ContinuousClock.now
        let outcome = await exchange(request)
        let elapsed = ContinuousClock.now - started
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        // At debug: the flow's runtime logs each attempt's outcome at info already ("face attempt N: …").
        logger?.debug(
            "central",
            "identity check of \(request.transactionID) attempt \(request.attempt): \(Self.describe(outcome)) in "
                + "\(milliseconds) ms")
        return outcome
    }

    private func exchange(_ request: FaceVerificationRequest) async -> FaceVerificationOutcome {
        let size = request.frame.jpeg.count
        guard size > 0 else { return .unavailable(reason: "no-image") }
        guard size <= IdentityVerificationWire.maximumImageBytes else {
            return .unavailable(reason: "image-too-large")
        }
        let (config, token) = (config, token)
        // Built here, before the frame's owner can wipe it: after this the frame is not read again.
        let body = RequestBody(
            IdentityVerificationRequest.body(
                transactionID: request.transactionID, attempt: request.attempt, idNumber: request.idNumber,
                name: request.name, jpeg: request.frame.jpeg))
        // libcups bounds the connect and every read, but not a TLS handshake with a peer that takes the connection
        // and stays silent (about 10 s): the attempt is given up at the deadline whatever the thread is doing, and
        // that thread still zeroes the body when its call returns.
        let giveUp = Deadline.after(config.timeout + Self.lateness)
        return await Self.onOwnThread("central-identity", until: giveUp, otherwise: .unavailable(reason: "timeout")) {
            () -> FaceVerificationOutcome in
            defer { body.wipe() }
            do throws(HTTPClientError) {
                let response = try HTTPClient.send(
                    .post, config.url, contentType: IdentityVerificationWire.contentType, bearerToken: token,
                    body: body.bytes, verification: config.verification, deadline: .after(config.timeout),
                    maximumResponseBytes: IdentityVerificationWire.maximumAnswerBytes)
                return Self.outcome(status: response.status, body: response.body)
            } catch {
                return .unavailable(reason: Self.reason(error.kind))
            }
        }
    }

    /// How long past its own deadline the client may take to notice it (its waits run in 0.2 s slices).
    static let lateness: Duration = .milliseconds(300)

    /// `work` on a thread of its own; `late` if it has not finished by `deadline` (the thread then runs to its end
    /// unobserved).
    static func onOwnThread<T: Sendable>(
        _ name: String, until deadline: Deadline, otherwise late: T, _ work: @escaping @Sendable () -> T
    ) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            let once = ResumeOnce(continuation)
            let thread = Thread { once.resume(work()) }
            thread.name = name
            thread.start()
            let remaining = deadline.remaining.components
            let nanoseconds = Int(remaining.seconds) * 1_000_000_000 + Int(remaining.attoseconds / 1_000_000_000)
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { once.resume(late) }
        }
    }

    /// The centre's answer as an outcome (pure).
    static func outcome(status: Int, body: [UInt8]) -> FaceVerificationOutcome {
        switch status {
        case 200:
            guard let answer = IdentityVerificationAnswer.parse(body) else {
                return .unavailable(reason: "bad-answer")
            }
            return .decided(answer.decision, score: answer.score)
        case 400...599: return .unavailable(reason: "http-\(status)")
        default: return .unavailable(reason: "bad-answer")
        }
    }

    /// The short code for a request that got no response.
    static func reason(_ kind: HTTPClientError.Kind) -> String {
        switch kind {
        case .timedOut: "timeout"
        case .connect, .io: "connect-failed"
        case .untrustedPeer: "tls-failed"
        case .responseTooLarge: "bad-answer"
        }
    }

    /// What the log says of an outcome: the decision and score, or the reason; nothing personal is in either.
    static func describe(_ outcome: FaceVerificationOutcome) -> String {
        switch outcome {
        case .decided(let decision, let score): "\(decision.rawValue) (score \(score))"
        case .unavailable(let reason): "unavailable (\(reason))"
        case .cameraFailed(let reason): "camera failed (\(reason))"
        }
    }

}

/// A continuation resumed by whichever comes first: the work or its deadline.
private final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Never>?

    init(_ continuation: CheckedContinuation<T, Never>) { self.continuation = continuation }

    func resume(_ value: T) {
        let waiting = lock.withLock { () -> CheckedContinuation<T, Never>? in
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(returning: value)
    }
}

/// The request body — the one buffer the face's base64 and the card holder's data were written into — held by
/// reference, so that zeroing it after the call overwrites that buffer itself rather than a copy.
final class RequestBody: @unchecked Sendable {
    private(set) var bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Overwrites the bytes in place, then drops them. Call once nothing else holds `bytes` (the send returned).
    func wipe() {
        bytes.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            base.initializeMemory(as: UInt8.self, repeating: 0, count: raw.count)
        }
        bytes = []
    }

    deinit { wipe() }
}
