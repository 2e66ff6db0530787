import Foundation

/// 身份证比对 with `identity.faceVerification: required` (docs/face-verification.md): after an accepted card read the
/// camera streams (`capturingFace`), the citizen presses 开始比对, the runtime compares one frame with the card holder
/// through the central identity service (`verifyingFace`), and only a `match` opens the form. The flow never holds an
/// image; it counts attempts and keeps the decision, the score and the attempt count in the record.
extension StepContext {
    /// The card was accepted (at `awaitingCard`) and the policy asks for the comparison: stop the reader, start the
    /// camera and wait for 开始比对. A camera already known to be lost cannot compare anyone, so the session goes to a
    /// staffed window at once.
    mutating func beginFaceStep() {
        if state.lostDevices.contains(.camera) {
            return handOff(.deviceUnavailable)
        }
        emit(.stopReadingCard)
        enter(.capturingFace)
        emit(.startCamera)
    }

    /// 开始比对: attempt `faceAttempts + 1` goes to the runtime with the card holder's identity.
    mutating func captureFace() {
        guard state.step == .capturingFace, var session = state.session, let identity = session.identity else {
            return notApplicable("no face comparison is waiting to be started")
        }
        guard session.faceAttempts < policy.maximumFaceAttempts else {
            return notApplicable("every face comparison of this session has been made")
        }
        session.faceAttempts += 1
        state.session = session
        enter(.verifyingFace)
        emit(.verifyFace(transactionID: session.transactionID, attempt: session.faceAttempts, identity: identity))
    }

    mutating func faceVerificationResult(attempt: Int, _ outcome: FaceVerificationOutcome) {
        guard state.step == .verifyingFace, var session = state.session else {
            return notApplicable("no face comparison is waiting for its result")
        }
        guard attempt == session.faceAttempts else {
            return notApplicable("face comparison \(attempt) is stale (attempt \(session.faceAttempts) is current)")
        }
        session.record.faceVerification = Self.summary(of: outcome, attempts: attempt)
        state.session = session
        switch outcome {
        case .decided(.match, _):
            emit(.stopCamera)
            enter(.fillingForm)
        case .decided(.noMatch, _):
            let left = policy.maximumFaceAttempts - attempt
            if left <= 0 { return handOff(.faceMismatch) }
            enter(.capturingFace)
            ui(.faceMismatch(attemptsLeft: left))
        case .unavailable:
            handOff(.verificationUnavailable)
        case .cameraFailed:
            handOff(.deviceUnavailable)
        }
    }

    /// The identity service gave no answer within `verifyingFace`'s timeout: the attempt counts as unavailable.
    mutating func faceVerificationTimedOut() {
        if var session = state.session {
            session.record.faceVerification = FaceVerificationSummary(
                decision: "unavailable", score: nil, attempts: session.faceAttempts)
            state.session = session
        }
        handOff(.verificationUnavailable)
    }

    /// The camera was lost during a face step: no comparison can be made.
    mutating func cameraLostInFaceStep() {
        guard state.step.isFaceStep else { return }
        handOff(.deviceUnavailable)
    }

    /// The step a session resumed after a restart returns to once its card is presented again. With the comparison
    /// required, a session that has no `match` goes back to the camera, whatever step it was at: a restart never
    /// skips the comparison (nor does a policy changed across it). With it off, a face step becomes the confirm step.
    func resumeTarget(_ back: FlowStepName) -> FlowStepName {
        let matched = state.session?.record.faceVerification?.decision == FaceDecision.match.rawValue
        switch policy.faceVerification {
        case .required:
            switch back {
            case .verifyingIdentity, .capturingFace, .verifyingFace: return .capturingFace
            case .fillingForm, .awaitingSignature, .approving: return matched ? back : .capturingFace
            default: return back
            }
        case .off:
            return back.isFaceStep ? .verifyingIdentity : back
        }
    }

    /// Re-entering the face step after a restart (at `awaitingCard`, the same card presented again): the comparison
    /// is made again. An attempt lost with the restart counts, so a restart never gives more attempts; when none is
    /// left, the session goes to a staffed window.
    mutating func resumeFaceStep() {
        guard let session = state.session else { return }
        if session.faceAttempts >= policy.maximumFaceAttempts { return handOff(.verificationUnavailable) }
        beginFaceStep()
    }

    static func summary(of outcome: FaceVerificationOutcome, attempts: Int) -> FaceVerificationSummary {
        switch outcome {
        case .decided(let decision, let score):
            FaceVerificationSummary(
                decision: decision.rawValue, score: score.isFinite ? score : nil, attempts: attempts)
        case .unavailable: FaceVerificationSummary(decision: "unavailable", score: nil, attempts: attempts)
        case .cameraFailed: FaceVerificationSummary(decision: "cameraFailed", score: nil, attempts: attempts)
        }
    }
}
