import Foundation
import KioskCore
import KioskDevices
import KioskIO

/// 身份证比对's face comparison as the flow's runtime carries it out (docs/face-verification.md): the camera that
/// streams during the face step and takes the frame, and the central identity service that compares it with the card
/// holder. The frame lives only for one exchange and is wiped as soon as the service has answered.
struct FaceCheck: Sendable {
    var camera: any CameraCapturing
    var verifier: any IdentityVerifying
    /// How long the camera may take to give the frame of one attempt.
    var captureDeadline: Duration = .seconds(5)

    /// One attempt: capture, ask the centre, wipe. Never throws: a camera that gives no frame is `.cameraFailed`
    /// with a short reason code, everything the centre could not answer is the verifier's `.unavailable`.
    func compare(transactionID: String, attempt: Int, identity: IdentityCard) async -> FaceVerificationOutcome {
        let frame: CameraFrame
        do {
            frame = try await camera.capture(deadline: .after(captureDeadline))
        } catch {
            return .cameraFailed(reason: Self.reasonCode(error))
        }
        defer { frame.wipe() }
        let request = FaceVerificationRequest(
            transactionID: transactionID, attempt: attempt, idNumber: identity.idNumber.unmasked,
            name: identity.name.unmasked, frame: frame)
        return await verifier.verify(request)
    }

    /// A camera error as a short code (the health reasons' words), without the device path.
    static func reasonCode(_ error: CameraError) -> String {
        switch error {
        case .absent: "absent"
        case .busy: "busy"
        case .permissionDenied: "permission"
        case .noSupportedFormat, .notACaptureDevice: "no-supported-format"
        case .stalled: "stalled"
        case .garbage: "garbage"
        case .frameTooLarge: "frame-too-large"
        case .closed: "closed"
        case .system: "system"
        }
    }

    /// The log line of one attempt, without personal data: "face attempt 2: noMatch (0.31) in 412 ms".
    static func logLine(attempt: Int, _ outcome: FaceVerificationOutcome, took: Duration) -> String {
        let result =
            switch outcome {
            case .decided(let decision, let score): "\(decision.rawValue) (\(String(format: "%.2f", score)))"
            case .unavailable(let reason): "unavailable (\(reason))"
            case .cameraFailed(let reason): "camera failed (\(reason))"
            }
        let milliseconds = took.components.seconds * 1000 + took.components.attoseconds / 1_000_000_000_000_000
        return "face attempt \(attempt): \(result) in \(milliseconds) ms"
    }
}

extension FlowRunner.Dependencies {
    /// These dependencies with the face comparison's camera and identity service (nil: none set up).
    func comparingFaces(_ check: FaceCheck?) -> Self {
        var copy = self
        copy.faceCheck = check
        return copy
    }
}

extension FlowRunner {
    /// `.startCamera`: the face step began. Without a face check the comparison cannot be made, and the flow must not
    /// skip it: the attempt is started at once and answered `cameraFailed`, so the session goes to a staffed window
    /// (device-unavailable) with the reason in the log.
    func startCamera() async {
        guard let check = deps.faceCheck else {
            deps.logger.error(
                "face",
                "the face comparison is required (identity.faceVerification) but no camera and identity service "
                    + "are set up; the session goes to a staffed window")
            post(.captureFace)
            return
        }
        await check.camera.beginStreaming()
    }

    /// `.stopCamera`: the face step ended; the camera stops streaming and wipes what it holds.
    func stopCamera() async {
        await deps.faceCheck?.camera.endStreaming()
    }

    /// `.verifyFace`: one attempt, off the actor; its outcome comes back as `.faceVerificationResult`.
    func verifyFace(transactionID: String, attempt: Int, identity: IdentityCard) {
        let logger = deps.logger
        guard let check = deps.faceCheck else {
            let outcome = FaceVerificationOutcome.cameraFailed(reason: "not-configured")
            logger.error("face", FaceCheck.logLine(attempt: attempt, outcome, took: .zero))
            return post(.faceVerificationResult(attempt: attempt, outcome))
        }
        spawn {
            let started = ContinuousClock.now
            let outcome = await check.compare(transactionID: transactionID, attempt: attempt, identity: identity)
            let line = FaceCheck.logLine(attempt: attempt, outcome, took: ContinuousClock.now - started)
            switch outcome {
            case .decided: logger.info("face", line)
            case .unavailable, .cameraFailed: logger.warning("face", line)
            }
            return .faceVerificationResult(attempt: attempt, outcome)
        }
    }
}
