import Foundation

/// `identity.faceVerification`: whether 身份证比对 compares the person at the terminal with the card holder (camera and
/// the central identity service) or keeps the older "this is me" confirmation (docs/face-verification.md).
public enum FaceVerificationMode: String, Sendable, Hashable, Codable, CaseIterable {
    case required, off
}

/// What the central identity service decided about one capture.
public enum FaceDecision: String, Sendable, Hashable, Codable {
    case match, noMatch
}

/// What one attempt of the face comparison came to: the runtime's answer to `FlowEffect.verifyFace`. Holds no image
/// and no personal data, so it may be logged, checkpointed and recorded.
public enum FaceVerificationOutcome: Sendable, Hashable, Codable {
    /// The centre decided; `score` is its similarity, 0…1.
    case decided(FaceDecision, score: Double)
    /// The centre could not be asked or did not answer in time (timeout, 5xx, TLS or network failure); `reason` is a
    /// short code.
    case unavailable(reason: String)
    /// The camera gave no usable frame (absent, stalled, garbage); `reason` is a short code.
    case cameraFailed(reason: String)
}

/// What the transaction record keeps of the comparison: the last decision, its score and the attempts made — never
/// the image.
public struct FaceVerificationSummary: Sendable, Hashable, Codable {
    /// `match`, `noMatch`, `unavailable` or `cameraFailed`.
    public var decision: String
    public var score: Double?
    public var attempts: Int

    public init(decision: String, score: Double?, attempts: Int) {
        self.decision = decision
        self.score = score
        self.attempts = attempts
    }
}
