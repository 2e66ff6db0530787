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
        logger?.info(
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
        return await onOwnThread("central-identity") { () -> FaceVerificationOutcome in
            var body = IdentityVerificationRequest.body(
                transactionID: request.transactionID, attempt: request.attempt, idNumber: request.idNumber,
                name: request.name, jpeg: request.frame.jpeg)
            defer { Self.zero(&body) }
            do throws(HTTPClientError) {
                let response = try HTTPClient.send(
                    .post, config.url, contentType: IdentityVerificationWire.contentType, bearerToken: token,
                    body: body, verification: config.verification, deadline: .after(config.timeout),
                    maximumResponseBytes: IdentityVerificationWire.maximumAnswerBytes)
                return Self.outcome(status: response.status, body: response.body)
            } catch {
                return .unavailable(reason: Self.reason(error.kind))
            }
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

    /// Overwrites `bytes` in place (the one buffer the face's base64 was written into), then drops it.
    private static func zero(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            base.initializeMemory(as: UInt8.self, repeating: 0, count: raw.count)
        }
        bytes = []
    }
}
