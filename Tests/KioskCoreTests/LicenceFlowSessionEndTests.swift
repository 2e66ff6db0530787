import Foundation
import Testing

@testable import KioskCore

/// Ending a session is durable, and a restart never hands one citizen's session to the next person (issue 9, item 1).
@Suite struct LicenceFlowSessionEndTests {
    static let signature = String(repeating: "ab", count: 32)

    @Test func cancel_waitsForTheStore_beforeTheEndScreen_andRetriesWithBackoff() throws {
        var d = FlowDriver()
        d.advance(to: .awaitingSignature)
        d.send(.cancel)
        #expect(d.step == .persisting)
        let record = try #require(d.lastEffects.persistedRecords.first)
        #expect(record.outcome == .cancelled(reason: "citizen-cancelled"))
        #expect(record.applicantIDNumber == nil && record.applicantName == nil && record.form == nil)
        #expect(!d.lastEffects.wipes)
        // The checkpoint written for `persisting` holds nothing personal: only the stripped record.
        let checkpoint = try #require(
            d.lastEffects.compactMap { if case .persistCheckpoint(let s) = $0 { s } else { nil } }.first)
        #expect(!checkpoint.holdsPersonalData)

        d.send(.persistFailed(transactionID: "T1", reason: "store-busy"))
        #expect(d.step == .persisting)
        #expect(d.uiEvents.contains(.pleaseWait))
        d.fireTimer()
        #expect(d.lastEffects.persistedRecords.first?.outcome == .cancelled(reason: "citizen-cancelled"))
        d.send(.cancel)
        #expect(d.lastDisposition != .applied)

        d.send(.transactionPersisted(transactionID: "T1"))
        #expect(d.step == .cancelled)
        #expect(d.lastEffects.wipes)
        #expect(d.uiEvents.contains(.cancelled(reason: .citizenCancelled)))
    }

    @Test func handOff_showsItsScreenOnlyOnceRecorded() {
        var d = FlowDriver()
        d.advance(to: .fillingForm)
        d.send(.requestHandOff)
        #expect(d.step == .rating)
        #expect(d.lastEffects.tickets == ["A"])
        d.send(.skipRating)
        #expect(d.step == .persisting)
        #expect(!d.uiEvents.contains(.handedOff(reason: .requestedByCitizen)))
        d.send(.transactionPersisted(transactionID: "T1"))
        #expect(d.step == .handedOff)
        #expect(d.uiEvents.contains(.handedOff(reason: .requestedByCitizen)))
    }

    @Test func resume_beforeTheLicence_asksForTheSameCard_thenReturnsToTheStep() {
        var d = FlowDriver()
        d.advance(to: .awaitingSignature)
        d.send(.sign(signatureSHA256: Self.signature))
        let saved = d.state
        let resumed = d.flow.resume(saved, savedAt: d.now, at: d.now + 30)
        d.state = resumed.state
        #expect(d.step == .awaitingCard)
        #expect(resumed.effects.contains(.startReadingCard))
        #expect(resumed.effects.contains(.ui(.presentCardAgain)))
        // Whoever stands there cannot go on without the card.
        d.send(.confirm(declarationAccepted: true))
        #expect(d.lastDisposition != .applied)
        d.send(.requestHandOff)
        #expect(d.lastDisposition != .applied)

        d.send(.cardRead(sampleCard()))
        #expect(d.step == .awaitingSignature)
        #expect(d.lastEffects.contains(.stopReadingCard))
        d.send(.confirm(declarationAccepted: true))
        #expect(d.step == .approving)
    }

    @Test func resume_thenSomeoneElsesCard_endsTheSessionAsInterrupted() throws {
        var d = FlowDriver()
        d.advance(to: .awaitingSignature)
        d.state = d.flow.resume(d.state, savedAt: d.now, at: d.now + 5).state
        d.send(.cardRead(sampleCard(name: "李四", number: "110105198001010019")))
        #expect(d.step == .persisting)
        #expect(d.state.cancelReason == .interrupted)
        #expect(d.licencePrints.isEmpty)
        let record = try #require(d.lastEffects.persistedRecords.first)
        #expect(record.outcome == .cancelled(reason: "interrupted"))
        d.storeAcknowledges()
        #expect(d.step == .cancelled)
        #expect(!d.state.holdsPersonalData)
    }

    @Test func resume_inApproving_asksForTheCard_thenAsksTheAuthorityAgain() {
        var d = FlowDriver()
        d.advance(to: .approving)
        d.state = d.flow.resume(d.state, savedAt: d.now, at: d.now + 5).state
        #expect(d.step == .awaitingCard)
        let effects = d.send(.cardRead(sampleCard()))
        #expect(d.step == .approving)
        #expect(effects.contains { if case .requestApproval = $0 { true } else { false } })
    }

    @Test func resume_afterTheStepsTimeout_endsAsInterrupted_forEveryStepBeforeTheLicence() {
        let policy = FlowPolicy()
        for step in [FlowStepName.awaitingCard, .verifyingIdentity, .fillingForm, .awaitingSignature, .approving] {
            var d = FlowDriver(policy: policy)
            d.advance(to: step)
            let late = Double(policy.timeout(for: step).components.seconds) + 1
            let resumed = d.flow.resume(d.state, savedAt: d.now, at: d.now + late)
            #expect(resumed.state.step == .persisting, "at \(step)")
            #expect(resumed.state.cancelReason == .interrupted, "at \(step)")
            #expect(resumed.effects.persistedRecords.first?.outcome == .cancelled(reason: "interrupted"))
            #expect(!resumed.effects.contains(.startReadingCard))
        }
    }

    @Test func resume_withAClockThatWentBack_isNotTrusted() {
        var d = FlowDriver()
        d.advance(to: .fillingForm)
        let resumed = d.flow.resume(d.state, savedAt: d.now, at: d.now - 3600)
        #expect(resumed.state.cancelReason == .interrupted)
    }

    @Test func resume_afterTheLicenceWasSent_isSupervisedWhateverTheDelay() {
        var d = FlowDriver()
        d.advance(to: .printingLicence)
        let resumed = d.flow.resume(d.state, savedAt: d.now, at: d.now + 86_400)
        #expect(resumed.state.step == .printingLicence)
        #expect(resumed.effects.contains(.superviseLicence(transactionID: "T1", jobUUID: "T1-L1")))
    }

    @Test func resumedSession_leftAlone_endsAsInterrupted() {
        var d = FlowDriver()
        d.advance(to: .fillingForm)
        d.state = d.flow.resume(d.state, savedAt: d.now, at: d.now).state
        d.fireTimer()
        d.fireTimer()
        #expect(d.step == .persisting)
        #expect(d.state.cancelReason == .interrupted)
    }

    @Test func resume_ofAnEndingSession_recordsItAgain() {
        var d = FlowDriver()
        d.advance(to: .fillingForm)
        d.send(.cancel)
        let resumed = d.flow.resume(d.state, savedAt: d.now, at: d.now + 86_400)
        #expect(resumed.state.step == .persisting)
        #expect(resumed.effects.persistedRecords.first?.outcome == .cancelled(reason: "citizen-cancelled"))
    }
}
