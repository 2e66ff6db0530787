import Foundation
import Testing

@testable import KioskCore

/// The face comparison of 身份证比对 with `identity.faceVerification: required` (docs/face-verification.md).
@Suite struct LicenceFlowFaceTests {
    static let required = FlowPolicy(faceVerification: .required)

    /// A session at `capturingFace`: started, card accepted.
    static func atCamera(_ policy: FlowPolicy = required) -> FlowDriver {
        var d = FlowDriver(policy: policy)
        d.send(.start(transactionID: "T1", kioskID: "K1"))
        d.send(.cardRead(sampleCard()))
        return d
    }

    static func count(_ effect: FlowEffect, in effects: [FlowEffect]) -> Int { effects.filter { $0 == effect }.count }

    static func verifications(in effects: [FlowEffect]) -> [Int] {
        effects.compactMap { if case .verifyFace(_, let attempt, _) = $0 { attempt } else { nil } }
    }

    @Test func acceptedCard_startsTheCamera_notTheConfirmStep() {
        let d = Self.atCamera()
        #expect(d.step == .capturingFace)
        #expect(d.lastEffects.contains(.stopReadingCard))
        #expect(Self.count(.startCamera, in: d.lastEffects) == 1)
        #expect(d.uiEvents.contains(.stepChanged(.capturingFace)))
        #expect(d.state.session?.faceAttempts == 0)
    }

    @Test func off_keepsTheConfirmStep_andNeverTouchesTheCamera() {
        var d = Self.atCamera(FlowPolicy())
        #expect(d.step == .verifyingIdentity)
        d.send(.captureFace)
        #expect(d.lastDisposition != .applied)
        d.send(.faceVerificationResult(attempt: 1, .decided(.match, score: 0.9)))
        #expect(d.lastDisposition != .applied)
        d.send(.confirmIdentity)
        #expect(d.step == .fillingForm)
        #expect(!d.allEffects.contains(.startCamera) && !d.allEffects.contains(.stopCamera))
        #expect(d.state.session?.record.faceVerification == nil)
    }

    @Test func match_opensTheForm_stopsTheCamera_andIsRecorded() throws {
        var d = Self.atCamera()
        d.send(.captureFace)
        #expect(d.step == .verifyingFace)
        let verify = try #require(d.lastEffects.first { if case .verifyFace = $0 { true } else { false } })
        #expect(verify == .verifyFace(transactionID: "T1", attempt: 1, identity: sampleCard()))
        // The identity service's own deadline: no answer in 30 s counts as unavailable.
        #expect(d.lastEffects.contains(.startTimer(generation: d.state.timerGeneration, after: .seconds(30))))
        d.send(.faceVerificationResult(attempt: 1, .decided(.match, score: 0.93)))
        #expect(d.step == .fillingForm)
        #expect(Self.count(.stopCamera, in: d.lastEffects) == 1)
        #expect(
            d.state.session?.record.faceVerification
                == FaceVerificationSummary(decision: "match", score: 0.93, attempts: 1))
        #expect(!d.lastEffects.contains { if case .ui(.faceMismatch) = $0 { true } else { false } })
    }

    @Test func noMatchThreeTimes_handsOffWithFaceMismatch() throws {
        var d = Self.atCamera()
        for attempt in 1...2 {
            d.send(.captureFace)
            d.send(.faceVerificationResult(attempt: attempt, .decided(.noMatch, score: 0.2)))
            #expect(d.step == .capturingFace)
            #expect(d.uiEvents.contains(.faceMismatch(attemptsLeft: 3 - attempt)))
            // The camera keeps streaming between attempts.
            #expect(!d.lastEffects.contains(.stopCamera) && !d.lastEffects.contains(.startCamera))
        }
        d.send(.captureFace)
        d.send(.faceVerificationResult(attempt: 3, .decided(.noMatch, score: 0.31)))
        #expect(d.step == .rating)
        #expect(d.state.handOffReason == .faceMismatch)
        #expect(d.lastEffects.contains(.dispenseTicket(category: "A", reason: .faceMismatch)))
        #expect(Self.count(.stopCamera, in: d.allEffects) == 1)
        #expect(Self.verifications(in: d.allEffects) == [1, 2, 3])
        d.storeAcknowledges()
        let record = try #require(d.lastEffects.persistedRecords.first)
        #expect(record.outcome == .handedOff(reason: "face-mismatch"))
        #expect(record.faceVerification == FaceVerificationSummary(decision: "noMatch", score: 0.31, attempts: 3))
        #expect(d.step == .handedOff)
    }

    @Test func unavailable_handsOffWithVerificationUnavailable() throws {
        var d = Self.atCamera()
        d.send(.captureFace)
        d.send(.faceVerificationResult(attempt: 1, .unavailable(reason: "timeout")))
        #expect(d.state.handOffReason == .verificationUnavailable)
        #expect(Self.count(.stopCamera, in: d.lastEffects) == 1)
        d.storeAcknowledges()
        let record = try #require(d.lastEffects.persistedRecords.first)
        #expect(record.faceVerification == FaceVerificationSummary(decision: "unavailable", score: nil, attempts: 1))
    }

    @Test func cameraFailed_handsOffWithDeviceUnavailable() {
        var d = Self.atCamera()
        d.send(.captureFace)
        d.send(.faceVerificationResult(attempt: 1, .cameraFailed(reason: "stalled")))
        #expect(d.state.handOffReason == .deviceUnavailable)
        #expect(Self.count(.stopCamera, in: d.lastEffects) == 1)
        #expect(d.state.session?.record.faceVerification?.decision == "cameraFailed")
    }

    @Test func noAnswerWithinTheTimeout_handsOffWithVerificationUnavailable() {
        var d = Self.atCamera()
        d.send(.captureFace)
        d.fireTimer()
        #expect(d.state.handOffReason == .verificationUnavailable)
        #expect(Self.count(.stopCamera, in: d.lastEffects) == 1)
        #expect(d.state.session?.record.faceVerification?.decision == "unavailable")
        // The late answer changes nothing.
        d.send(.faceVerificationResult(attempt: 1, .decided(.match, score: 0.9)))
        #expect(d.lastDisposition != .applied)
    }

    @Test func citizenWalksAwayFromTheCamera_warnedThenCancelled() {
        var d = Self.atCamera()
        d.fireTimer()
        #expect(d.uiEvents.contains { if case .timeoutWarning = $0 { true } else { false } })
        #expect(d.step == .capturingFace)
        d.fireTimer()
        #expect(d.step == .persisting)
        #expect(d.state.cancelReason == .timedOut)
        #expect(Self.count(.stopCamera, in: d.lastEffects) == 1)
    }

    @Test(arguments: [FlowStepName.capturingFace, .verifyingFace])
    func cancelOrWindowFromAFaceStep_stopsTheCameraOnce(step: FlowStepName) {
        for event in [FlowEvent.cancel, .requestHandOff, .staffAssist(staffID: "s1", .handOff)] {
            var d = Self.atCamera()
            if step == .verifyingFace { d.send(.captureFace) }
            d.send(event)
            #expect(d.lastDisposition == .applied, "\(event.name)")
            #expect(Self.count(.stopCamera, in: d.lastEffects) == 1, "\(event.name)")
            #expect(!d.step.isFaceStep)
            #expect(Self.count(.startCamera, in: d.allEffects) == Self.count(.stopCamera, in: d.allEffects))
        }
    }

    @Test func staleOrMisplacedResults_areNotApplicable() {
        var d = Self.atCamera()
        d.send(.faceVerificationResult(attempt: 1, .decided(.match, score: 0.9)))
        #expect(d.lastDisposition != .applied)
        #expect(d.step == .capturingFace)
        d.send(.captureFace)
        d.send(.faceVerificationResult(attempt: 1, .decided(.noMatch, score: 0.1)))
        d.send(.captureFace)
        // Attempt 1 answered again, late: attempt 2 is the one waited for.
        d.send(.faceVerificationResult(attempt: 1, .decided(.match, score: 0.9)))
        #expect(d.lastDisposition != .applied)
        #expect(d.step == .verifyingFace)
        d.send(.captureFace)
        #expect(d.lastDisposition != .applied)
        #expect(Self.verifications(in: d.allEffects) == [1, 2])
    }

    @Test func restartAtAFaceStep_asksForTheCardAndComparesAgain() throws {
        var d = Self.atCamera()
        d.send(.captureFace)
        let saved = d.state
        let resumed = d.flow.resume(saved, savedAt: d.now, at: d.now + 5)
        #expect(resumed.state.step == .awaitingCard)
        #expect(resumed.effects.contains(.stopCamera))
        #expect(resumed.effects.contains(.ui(.presentCardAgain)))
        d.state = resumed.state
        d.send(.cardRead(sampleCard()))
        #expect(d.step == .capturingFace)
        #expect(d.lastEffects.contains(.startCamera))
        // The attempt lost with the restart counts.
        d.send(.captureFace)
        #expect(Self.verifications(in: d.lastEffects) == [2])
    }

    @Test func restartAtTheFormWithoutAMatch_goesBackToTheCamera() {
        // A session that reached the form with the comparison off resumes under a policy that requires it.
        var d = FlowDriver()
        d.advance(to: .fillingForm)
        let strict = LicenceFlow(policy: Self.required)
        let resumed = strict.resume(d.state, savedAt: d.now, at: d.now + 5)
        let card = strict.handle(.cardRead(sampleCard()), in: resumed.state, at: d.now + 6)
        #expect(card.state.step == .capturingFace)
        #expect(card.effects.contains(.startCamera))
    }

    @Test func restartAtTheFormAfterAMatch_returnsToTheForm() {
        var d = Self.atCamera()
        d.send(.captureFace)
        d.send(.faceVerificationResult(attempt: 1, .decided(.match, score: 0.9)))
        let resumed = d.flow.resume(d.state, savedAt: d.now, at: d.now + 5)
        let card = d.flow.handle(.cardRead(sampleCard()), in: resumed.state, at: d.now + 6)
        #expect(card.state.step == .fillingForm)
    }

    @Test func restartWithEveryAttemptMade_handsOffInsteadOfAFourthAttempt() {
        var d = Self.atCamera()
        for attempt in 1...2 {
            d.send(.captureFace)
            d.send(.faceVerificationResult(attempt: attempt, .decided(.noMatch, score: 0.2)))
        }
        d.send(.captureFace)
        let resumed = d.flow.resume(d.state, savedAt: d.now, at: d.now + 5)
        let card = d.flow.handle(.cardRead(sampleCard()), in: resumed.state, at: d.now + 6)
        #expect(card.state.handOffReason == .verificationUnavailable)
        #expect(!card.effects.contains(.startCamera))
    }

    @Test func checkpointWrittenBeforeFaceAttempts_stillDecodes() throws {
        let d = Self.atCamera()
        let data = try JSONEncoder().encode(d.state.session)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["faceAttempts"] != nil)
        object["faceAttempts"] = nil
        let old = try JSONSerialization.data(withJSONObject: object)
        let session = try JSONDecoder().decode(FlowSession.self, from: old)
        #expect(session.faceAttempts == 0)
        #expect(session.identity == d.state.session?.identity)
    }

    @Test
    func cameraLostInAFaceStep_handsOffWithDeviceUnavailable() throws {
        let camera = DeviceRole.camera
        var d = Self.atCamera()
        d.send(.deviceLost(camera))
        #expect(d.state.handOffReason == .deviceUnavailable)
        #expect(Self.count(.stopCamera, in: d.lastEffects) == 1)
    }
}
