import KioskCore
import KioskIO

/// One attempt of the face comparison, as sent to the central identity service. Holds the card holder's ID number
/// and name and their face: never logged, and the frame is wiped by whoever made the request once it is answered.
struct FaceVerificationRequest: Sendable {
    var transactionID: String
    /// 1…3.
    var attempt: Int
    var idNumber: String
    var name: String
    var frame: CameraFrame
}

/// Asks the central identity service whether the face is the card holder's (`central.identity.url`,
/// docs/face-verification.md). Never throws: every failure is an `.unavailable` outcome with a short reason.
protocol IdentityVerifying: Sendable {
    func verify(_ request: FaceVerificationRequest) async -> FaceVerificationOutcome
}
