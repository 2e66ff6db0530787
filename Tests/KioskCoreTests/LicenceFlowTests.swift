import Foundation
import Testing

@testable import KioskCore

@Suite struct LicenceFlowPathTests {
    @Test func happyPath_reachesDone_onlyAfterPersistAcknowledged() throws {
        var d = FlowDriver()
        d.advance(to: .persisting)
        let record = try #require(d.lastEffects.persistedRecords.first)
        #expect(record.outcome == .completed)
        #expect(record.rating == ServiceRating(grade: .verySatisfied))
        #expect(record.licencePrint == .completed)
        #expect(!d.uiEvents.contains { if case .done = $0 { true } else { false } })
        d.send(.transactionPersisted(transactionID: "T1"))
        #expect(d.step == .completed)
        #expect(d.uiEvents.contains(.done(transactionID: "T1")))
        #expect(d.lastEffects.wipes)
        #expect(!d.state.holdsPersonalData)
        #expect(d.licencePrints.count == 1)
        d.fireTimer()
        #expect(d.step == .idle)
    }

    @Test func start_emitsReadCard_andACheckpoint() {
        var d = FlowDriver()
        let effects = d.send(.start(transactionID: "T1", kioskID: "K1"))
        #expect(d.step == .awaitingCard)
        #expect(effects.contains(.startReadingCard))
        if case .persistCheckpoint(let saved) = effects.first {
            #expect(saved.step == .awaitingCard)
        } else {
            Issue.record("the first effect must be the checkpoint")
        }
    }

    @Test func printLicence_isPrecededByACheckpointOfThePrintingState() throws {
        var d = FlowDriver()
        d.advance(to: .approving)
        let effects = d.send(.approvalResult(.approved(sampleLicence())))
        let checkpoint = try #require(
            effects.firstIndex { if case .persistCheckpoint(let s) = $0 { s.step == .printingLicence } else { false } })
        let print = try #require(effects.firstIndex { if case .printLicence = $0 { true } else { false } })
        #expect(checkpoint < print)
        #expect(d.currentJobUUID == "T1-L1")
    }

    @Test func cardError_retriesThenHandsOffWithATicket() {
        var d = FlowDriver()
        d.send(.start(transactionID: "T1", kioskID: "K1"))
        d.send(.cardError(reason: "read failed (SW3 0x41)"))
        #expect(d.uiEvents.contains(.cardReadFailed(reason: "read failed (SW3 0x41)", attemptsLeft: 2)))
        d.send(.cardError(reason: "read failed"))
        d.send(.cardError(reason: "read failed"))
        d.storeAcknowledges()
        #expect(d.step == .handedOff)
        #expect(d.state.handOffReason == .cardUnreadable)
        #expect(d.lastEffects.tickets == ["A"])
        #expect(d.lastEffects.contains(.stopReadingCard))
        #expect(d.lastEffects.wipes)
    }

    @Test func expiredCard_isRefusedWithReason_andAnotherCardMayFollow() {
        var d = FlowDriver()
        d.send(.start(transactionID: "T1", kioskID: "K1"))
        d.send(.cardRead(sampleCard(until: .until(CivilDate(year: 2020, month: 1, day: 1)!))))
        #expect(d.step == .awaitingCard)
        let refused = d.uiEvents.compactMap {
            if case .identityRefused(let r, let left) = $0 { (r, left) } else { nil }
        }
        #expect(refused.first?.0.first?.contains("expired") == true)
        #expect(refused.first?.1 == 2)
        #expect(d.state.session?.identity == nil)
        d.send(.cardRead(sampleCard()))
        #expect(d.step == .verifyingIdentity)
    }

    @Test func underAgeCard_isRefused() {
        var d = FlowDriver()
        d.send(.start(transactionID: "T1", kioskID: "K1"))
        let body = "11010520100101003"
        let number = body + String(IDNumberValidator.checkCharacter(for: body.compactMap(\.wholeNumberValue)))
        d.send(.cardRead(sampleCard(number: number, birth: CivilDate(year: 2010, month: 1, day: 1)!)))
        #expect(d.step == .awaitingCard)
        #expect(
            d.uiEvents.contains {
                if case .identityRefused(let r, _) = $0 { r.first?.contains("minimum age") == true } else { false }
            })
    }

    @Test func invalidForm_staysWithIssues_andRepresentativeMustBeCardHolder() {
        var d = FlowDriver()
        d.advance(to: .fillingForm)
        var form = sampleForm(representative: "李四")
        d.send(.submitForm(form))
        #expect(d.step == .fillingForm)
        #expect(
            d.uiEvents.contains {
                if case .formRejected(let issues) = $0 { issues.map(\.code) == ["not-card-holder"] } else { false }
            })
        form = sampleForm()
        form.businessScope = ""
        d.send(.submitForm(form))
        #expect(d.step == .fillingForm)
        d.send(.submitForm(sampleForm()))
        #expect(d.step == .awaitingSignature)
    }

    @Test func confirm_needsSignatureAndDeclaration() {
        var d = FlowDriver()
        d.advance(to: .awaitingSignature)
        d.send(.confirm(declarationAccepted: true))
        #expect(d.uiEvents.contains(.signatureRequired))
        d.send(.sign(signatureSHA256: "not-a-hash"))
        #expect(d.lastDisposition != .applied)
        d.send(.sign(signatureSHA256: String(repeating: "0f", count: 32)))
        d.send(.confirm(declarationAccepted: false))
        #expect(d.uiEvents.contains(.declarationRequired))
        #expect(d.step == .awaitingSignature)
        let effects = d.send(.confirm(declarationAccepted: true))
        #expect(d.step == .approving)
        #expect(effects.contains { if case .requestApproval(let id, _, _, _) = $0 { id == "T1" } else { false } })
    }

    @Test func rejectedApplication_returnsToTheForm_thenHandsOff() {
        var d = FlowDriver()
        d.advance(to: .approving)
        d.send(.approvalResult(.rejected(reasons: ["名称与已登记企业重复 / the name is taken"])))
        #expect(d.step == .fillingForm)
        #expect(d.state.session?.signatureSHA256 == nil)
        d.send(.submitForm(sampleForm()))
        d.send(.sign(signatureSHA256: String(repeating: "ab", count: 32)))
        d.send(.confirm(declarationAccepted: true))
        d.send(.approvalResult(.rejected(reasons: ["again"])))
        d.storeAcknowledges()
        #expect(d.step == .handedOff)
        #expect(d.state.handOffReason == .applicationRejected)
    }

    @Test func authorityUnavailable_handsOffWithTicket() {
        var d = FlowDriver()
        d.advance(to: .approving)
        d.send(.approvalResult(.unavailable(reason: "connection refused")))
        d.storeAcknowledges()
        #expect(d.step == .handedOff)
        #expect(d.state.handOffReason == .authorityUnavailable)
        #expect(d.lastEffects.tickets == ["A"])
        #expect(d.lastEffects.persistedRecords.first?.outcome == .handedOff(reason: "authority-unavailable"))
    }

    @Test func licencePrintUnknown_isNeverReprintedWithoutStaff() {
        var d = FlowDriver()
        d.advance(to: .printingLicence)
        d.send(.licencePrintResult(jobUUID: "T1-L1", .unknown(reason: "cupsd restarted")))
        #expect(d.step == .licencePrintProblem)
        #expect(d.uiEvents.contains(.staffCalled(reason: "cupsd restarted")))
        d.send(.cancel)
        #expect(d.step == .licencePrintProblem)
        d.fireTimer()
        d.storeAcknowledges()
        #expect(d.step == .handedOff)
        #expect(d.state.handOffReason == .licencePrintUnknown)
        #expect(d.licencePrints.count == 1)
    }

    @Test func staffReprint_printsASecondTime_andIsAudited() {
        var d = FlowDriver()
        d.advance(to: .printingLicence)
        d.send(.licencePrintResult(jobUUID: "T1-L1", .failed(reason: "media-jam")))
        let effects = d.send(.staffAssist(staffID: "staff-007", .authoriseReprint))
        #expect(effects.contains(.audit(actor: "staff-007", action: "authorise-reprint", transactionID: "T1")))
        #expect(effects.contains { if case .printLicence(_, "T1-L2", _, 2, "staff-007") = $0 { true } else { false } })
        #expect(d.licencePrints.count == 2)
        d.send(.licencePrintResult(jobUUID: "T1-L1", .completed))
        #expect(d.lastDisposition != .applied)
        d.send(.licencePrintResult(jobUUID: "T1-L2", .completed))
        #expect(d.step == .printingReceipt)
    }

    @Test func staffConfirmsUnknownPrint_continuesWithoutPrinting() {
        var d = FlowDriver()
        d.advance(to: .printingLicence)
        d.send(.licencePrintResult(jobUUID: "T1-L1", .unknown(reason: "timeout")))
        d.send(.staffAssist(staffID: "staff-1", .confirmLicencePrinted))
        #expect(d.step == .printingReceipt)
        #expect(d.licencePrints.count == 1)
    }

    @Test func printingTimeout_becomesUnknown_notAReprint() {
        var d = FlowDriver()
        d.advance(to: .printingLicence)
        d.fireTimer()
        #expect(d.step == .licencePrintProblem)
        #expect(d.state.session?.record.licencePrint == .unknown(reason: "no result within the timeout"))
        #expect(d.licencePrints.count == 1)
    }

    @Test func receiptFailure_doesNotStopTheTransaction() throws {
        var d = FlowDriver()
        d.advance(to: .printingReceipt)
        d.send(.receiptPrintResult(.failed(reason: "paper-end")))
        #expect(d.uiEvents.contains(.receiptFailed))
        #expect(d.step == .rating)
        d.fireTimer()
        #expect(d.step == .persisting)
        let record = try #require(d.lastEffects.persistedRecords.first)
        #expect(record.receiptPrint == .failed(reason: "paper-end"))
        #expect(record.rating == nil)
    }

    @Test func citizenWalksAway_atEachCitizenStep_warnsThenCancelsAndWipes() {
        for target in [FlowStepName.awaitingCard, .verifyingIdentity, .fillingForm, .awaitingSignature] {
            var d = FlowDriver()
            d.advance(to: target)
            d.fireTimer()
            #expect(d.step == target)
            #expect(d.uiEvents.contains(.timeoutWarning(secondsLeft: 20)))
            d.fireTimer()
            d.storeAcknowledges()
            #expect(d.step == .cancelled, "at \(target)")
            #expect(d.state.cancelReason == .timedOut)
            #expect(d.lastEffects.wipes)
            #expect(!d.state.holdsPersonalData)
            let record = d.lastEffects.persistedRecords.first
            #expect(record?.applicantIDNumber == nil && record?.form == nil)
        }
    }

    @Test func citizenActivity_postponesTheWarning() {
        var d = FlowDriver()
        d.advance(to: .fillingForm)
        let old = d.state.timerGeneration
        d.send(.citizenActive)
        #expect(d.state.timerGeneration == old + 1)
        d.send(.timerFired(generation: old))
        #expect(d.lastDisposition == .notApplicable("stale timer \(old)"))
        #expect(d.lastEffects.isEmpty)
    }

    @Test func idReaderLost_whileWaiting_handsOffInsteadOfCancelling_andResumesWhenBack() {
        var d = FlowDriver()
        d.send(.start(transactionID: "T1", kioskID: "K1"))
        d.send(.deviceLost(.idReader))
        #expect(d.uiEvents.contains(.deviceProblem(.idReader)))
        d.send(.deviceRestored(.idReader))
        #expect(d.lastEffects.contains(.startReadingCard))
        d.send(.deviceLost(.idReader))
        d.fireTimer()
        d.fireTimer()
        d.storeAcknowledges()
        #expect(d.step == .handedOff)
        #expect(d.state.handOffReason == .deviceUnavailable)
    }

    @Test func persistFailure_retriesWithBackoff_andNeverClaimsDone() {
        var d = FlowDriver()
        d.advance(to: .persisting)
        d.send(.persistFailed(transactionID: "T1", reason: "disk full"))
        #expect(d.lastEffects.contains(.startTimer(generation: d.state.timerGeneration, after: .seconds(1))))
        d.send(.persistFailed(transactionID: "T1", reason: "disk full"))
        #expect(d.lastEffects.contains(.startTimer(generation: d.state.timerGeneration, after: .seconds(2))))
        let retry = d.fireTimer()
        #expect(retry.persistedRecords.count == 1)
        #expect(d.step == .persisting)
        #expect(!d.allEffects.contains(.ui(.done(transactionID: "T1"))))
        d.send(.transactionPersisted(transactionID: "T1"))
        #expect(d.step == .completed)
    }

    @Test func cancel_isRefusedWhileTheLicencePrints() {
        var d = FlowDriver()
        d.advance(to: .printingLicence)
        d.send(.cancel)
        #expect(d.step == .printingLicence)
        if case .notApplicable(let why) = d.lastDisposition {
            #expect(why.contains("cannot be cancelled"))
        } else {
            Issue.record("cancel must be reported as not applicable")
        }
    }

    @Test func citizenAsksForWindow_handsOff() {
        var d = FlowDriver()
        d.advance(to: .fillingForm)
        d.send(.requestHandOff)
        d.storeAcknowledges()
        #expect(d.step == .handedOff)
        #expect(d.state.handOffReason == .requestedByCitizen)
    }

    @Test func staffHandOff_andExtendTime_areAudited() {
        var d = FlowDriver()
        d.advance(to: .fillingForm)
        let extend = d.send(.staffAssist(staffID: "s1", .extendTime))
        #expect(extend.contains(.audit(actor: "s1", action: "extend-time", transactionID: "T1")))
        let handOff = d.send(.staffAssist(staffID: "s1", .handOff))
        #expect(handOff.contains(.audit(actor: "s1", action: "hand-off", transactionID: "T1")))
        #expect(d.state.handOffReason == .requestedByStaff)
    }

    @Test func eventsThatDoNotApply_areReported_andChangeNothing() {
        var d = FlowDriver()
        let before = d.state
        for event: FlowEvent in [
            .confirmIdentity, .cardRead(sampleCard()), .rate(ServiceRating(grade: .satisfied)), .cancel, .cardRemoved,
            .transactionPersisted(transactionID: "X"), .staffAssist(staffID: "s", .authoriseReprint),
        ] {
            let effects = d.send(event)
            if case .applied = d.lastDisposition { Issue.record("\(event.name) applied in idle") }
            #expect(effects.isEmpty)
            #expect(d.state == before)
        }
    }

    @Test func newSession_canStartOnTheEndScreen() {
        var d = FlowDriver()
        d.advance(to: .fillingForm)
        d.send(.cancel)
        d.storeAcknowledges()
        #expect(d.step == .cancelled)
        d.send(.start(transactionID: "T2", kioskID: "K1"))
        #expect(d.step == .awaitingCard)
        #expect(d.state.session?.transactionID == "T2")
    }
}

@Suite struct LicenceFlowResumeTests {
    @Test func resume_inPrintingLicence_supervisesTheJournalledJob_neverResubmits() {
        var d = FlowDriver()
        d.advance(to: .printingLicence)
        let resumed = d.flow.resume(d.state, savedAt: d.now, at: d.now)
        #expect(resumed.effects.contains(.superviseLicence(transactionID: "T1", jobUUID: "T1-L1")))
        #expect(!resumed.effects.contains { if case .printLicence = $0 { true } else { false } })
        #expect(resumed.state.step == .printingLicence)
    }

    @Test func resume_inPersisting_persistsAgain() {
        var d = FlowDriver()
        d.advance(to: .persisting)
        let resumed = d.flow.resume(d.state, savedAt: d.now, at: d.now)
        #expect(resumed.effects.persistedRecords.first?.outcome == .completed)
    }

    @Test func resume_inAwaitingCard_readsAgain_andRestartsTheTimer() {
        var d = FlowDriver()
        d.advance(to: .awaitingCard)
        let resumed = d.flow.resume(d.state, savedAt: d.now, at: d.now)
        #expect(resumed.effects.contains(.startReadingCard))
        #expect(resumed.effects.contains { if case .startTimer = $0 { true } else { false } })
    }

    @Test func resume_ofACheckpointRoundTrippedThroughJSON_isTheSame() throws {
        var d = FlowDriver()
        d.advance(to: .approving)
        let data = try JSONEncoder().encode(d.state)
        let decoded = try JSONDecoder().decode(FlowState.self, from: data)
        #expect(decoded == d.state)
        #expect(!String(decoding: data, as: UTF8.self).contains("photo"))
    }
}
