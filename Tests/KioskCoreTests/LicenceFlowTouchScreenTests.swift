import Foundation
import Testing

@testable import KioskCore

/// What the touch screen needs of the flow (issue 11): 好差评 in five grades, a rating after a hand-off too, 呼叫工作人员,
/// 适老模式 and 继续办理.
@Suite struct LicenceFlowTouchScreenTests {
    static let dissatisfied = ServiceRating(
        grade: .dissatisfied, reasons: [.other, .deviceFault], followUpConsent: true)

    @Test func dissatisfiedRating_keepsItsReasonsAndConsent_inTheRecord() throws {
        var d = FlowDriver()
        d.advance(to: .rating)
        d.send(.rate(Self.dissatisfied))
        #expect(d.lastDisposition == .applied)
        #expect(d.step == .persisting)
        let rating = try #require(d.lastEffects.persistedRecords.first?.rating)
        #expect(rating.grade == .dissatisfied && rating.grade.rawValue == 2)
        #expect(rating.reasons == [.deviceFault, .other])
        #expect(rating.followUpConsent)
        #expect(d.lastEffects.persistedRecords.first?.outcome == .completed)
    }

    @Test func reasonsOrFollowUp_withASatisfiedGrade_areRefused() {
        for refused in [
            ServiceRating(grade: .fairlySatisfied, reasons: [.efficiency]),
            ServiceRating(grade: .verySatisfied, followUpConsent: true),
        ] {
            var d = FlowDriver()
            d.advance(to: .rating)
            d.send(.rate(refused))
            guard case .notApplicable(let why) = d.lastDisposition else {
                Issue.record("\(refused) was taken")
                continue
            }
            #expect(why.contains("不满意"))
            #expect(d.step == .rating)
            #expect(d.lastEffects.isEmpty)
        }
    }

    @Test func secondRating_isRefused() {
        var d = FlowDriver()
        d.advance(to: .rating)
        d.send(.rate(ServiceRating(grade: .satisfied)))
        d.send(.rate(ServiceRating(grade: .veryDissatisfied)))
        #expect(
            d.lastDisposition == .notApplicable("this transaction has already been rated (one rating per transaction)"))
        d.send(.transactionPersisted(transactionID: "T1"))
        d.send(.rate(ServiceRating(grade: .veryDissatisfied)))
        #expect(d.lastDisposition != .applied)
    }

    @Test func handOff_asksForARating_keepingItsReason_thenRecordsBoth() throws {
        var d = FlowDriver()
        d.advance(to: .approving)
        d.send(.approvalResult(.unavailable(reason: "connection refused")))
        #expect(d.step == .rating)
        #expect(d.state.handOffReason == .authorityUnavailable)
        #expect(d.lastEffects.tickets == ["A"])
        #expect(d.lastEffects.persistedRecords.isEmpty)
        d.send(.staffAssist(staffID: "s1", .handOff))
        #expect(d.lastDisposition == .notApplicable("the transaction has ended; only its rating is still open"))
        d.send(.rate(Self.dissatisfied))
        #expect(d.step == .persisting)
        let record = try #require(d.lastEffects.persistedRecords.first)
        #expect(record.outcome == .handedOff(reason: "authority-unavailable"))
        #expect(record.rating == Self.dissatisfied)
        d.send(.transactionPersisted(transactionID: "T1"))
        #expect(d.step == .handedOff)
        #expect(d.uiEvents.contains(.handedOff(reason: .authorityUnavailable)))
        #expect(d.lastEffects.wipes)
    }

    @Test func handOff_ratingTimesOut_orIsCancelled_recordsItUnrated() throws {
        for ending in [FlowEvent.timerFired(generation: -1), .cancel, .skipRating] {
            var d = FlowDriver()
            d.advance(to: .fillingForm)
            d.send(.requestHandOff)
            #expect(d.step == .rating)
            d.send(ending == .timerFired(generation: -1) ? .timerFired(generation: d.state.timerGeneration) : ending)
            #expect(d.step == .persisting, "\(ending.name)")
            let record = try #require(d.lastEffects.persistedRecords.first)
            #expect(record.outcome == .handedOff(reason: "requested-by-citizen"))
            #expect(record.rating == nil)
        }
    }

    @Test func handOffTicket_joinsTheRecordAndItsCheckpoint_soARestartDuringTheRatingKeepsIt() throws {
        var d = FlowDriver()
        d.advance(to: .fillingForm)
        d.send(.requestHandOff)
        #expect(d.step == .rating)
        d.send(.ticketIssued(number: "A023"))
        #expect(d.lastDisposition == .applied)
        let saved = d.lastEffects.compactMap { if case .persistCheckpoint(let state) = $0 { state } else { nil } }
        #expect(saved.last?.session?.record.queueTicket == "A023")
        d.send(.ticketIssued(number: "A024"))
        #expect(d.lastDisposition != .applied, "a second number must not replace the first")

        let resumed = LicenceFlow().resume(try #require(saved.last), savedAt: Date(), at: Date())
        #expect(resumed.state.step == .rating)
        #expect(!resumed.effects.contains { if case .dispenseTicket = $0 { true } else { false } })
        d.state = resumed.state
        d.send(.skipRating)
        let record = try #require(d.lastEffects.persistedRecords.first)
        #expect(record.queueTicket == "A023")
    }

    @Test func ticketIssued_withoutAHandOff_isNotApplicable() {
        var d = FlowDriver()
        d.advance(to: .fillingForm)
        d.send(.ticketIssued(number: "A001"))
        #expect(d.lastDisposition != .applied)
        #expect(d.state.session?.record.queueTicket == nil)
    }

    @Test func followUpConsent_needsAPhoneOnTheForm() {
        var d = FlowDriver()
        d.send(.start(transactionID: "T1", kioskID: "K1"))
        d.send(.requestHandOff)
        #expect(d.step == .rating)
        d.send(.rate(ServiceRating(grade: .veryDissatisfied, followUpConsent: true)))
        guard case .notApplicable(let why) = d.lastDisposition else {
            Issue.record("a follow-up call without a phone number was agreed")
            return
        }
        #expect(why.contains("phone"))
        d.send(.rate(ServiceRating(grade: .veryDissatisfied, reasons: [.complexity])))
        #expect(d.lastDisposition == .applied)
    }

    @Test func cancelledSession_getsNoRating() throws {
        var d = FlowDriver()
        d.advance(to: .awaitingSignature)
        d.send(.cancel)
        #expect(d.step == .persisting)
        d.send(.rate(ServiceRating(grade: .satisfied)))
        #expect(d.lastDisposition == .notApplicable("no rating is asked for"))
    }

    @Test func legacyThreeValuedRating_decodesAsGrades() throws {
        for (legacy, grade) in [
            ("good", ServiceGrade.verySatisfied), ("average", .fairlySatisfied), ("bad", .veryDissatisfied),
        ] {
            let json = #"{"id":"T","kioskID":"K","startedAt":0,"rating":"\#(legacy)"}"#
            let record = try JSONDecoder().decode(TransactionRecord.self, from: Data(json.utf8))
            #expect(record.rating == ServiceRating(grade: grade))
        }
        let unknown = #"{"id":"T","kioskID":"K","startedAt":0,"rating":"great"}"#
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(TransactionRecord.self, from: Data(unknown.utf8))
        }
    }

    // MARK: 呼叫工作人员

    @Test func callStaff_withNoSession_isAuditedKept_andAnsweredByStaff() {
        var d = FlowDriver()
        let effects = d.send(.callStaff)
        #expect(d.lastDisposition == .applied)
        #expect(effects.contains(.audit(actor: "citizen", action: "staff-call", transactionID: nil)))
        #expect(effects.contains(.ui(.staffCalled(reason: "requested-by-citizen"))))
        #expect(d.state.staffCall == StaffCall(since: d.now, by: .citizen, reason: "requested-by-citizen"))
        d.send(.callStaff)
        #expect(d.lastDisposition != .applied)
        let answered = d.send(.staffAssist(staffID: "s1", .extendTime))
        #expect(d.lastDisposition == .applied)
        #expect(answered.contains(.ui(.staffActed(.extendTime))))
        #expect(d.state.staffCall == nil)
        d.send(.staffAssist(staffID: "s1", .extendTime))
        #expect(d.lastDisposition == .notApplicable("no session to assist"))
    }

    @Test func callStaff_duringASession_isCheckpointed_andClearedWhenTheSessionEnds() throws {
        var d = FlowDriver()
        d.advance(to: .fillingForm)
        let effects = d.send(.callStaff)
        #expect(effects.contains(.audit(actor: "citizen", action: "staff-call", transactionID: "T1")))
        let saved = try #require(effects.compactMap { if case .persistCheckpoint(let s) = $0 { s } else { nil } }.first)
        #expect(saved.staffCall?.by == .citizen)
        #expect(d.step == .fillingForm)
        d.send(.cancel)
        d.storeAcknowledges()
        #expect(d.step == .cancelled)
        #expect(d.state.staffCall == nil)
    }

    @Test func flowsOwnStaffCalls_areKept_andAnyStaffActionAnswersThem() throws {
        var d = FlowDriver()
        d.advance(to: .printingLicence)
        d.send(.licencePrintResult(jobUUID: "T1-L1", .failed(reason: "media-jam")))
        #expect(d.state.staffCall?.by == .flow)
        #expect(d.state.staffCall?.reason == "media-jam")
        d.send(.callStaff)
        #expect(d.lastDisposition != .applied)
        // After a restart at the problem the call is made again.
        let resumed = d.flow.resume(d.state, savedAt: d.now, at: d.now + 5)
        #expect(resumed.state.staffCall?.reason == "resumed after a restart")
        d.state = resumed.state
        let effects = d.send(.staffAssist(staffID: "s1", .authoriseReprint))
        #expect(effects.contains(.ui(.staffActed(.authoriseReprint))))
        #expect(d.state.staffCall == nil)
        #expect(d.step == .printingLicence)
    }

    @Test func checkpointWrittenBeforeTheTouchScreen_stillDecodes() throws {
        var d = FlowDriver()
        d.advance(to: .fillingForm)
        let data = try JSONEncoder().encode(d.state)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var session = try #require(object["session"] as? [String: Any])
        #expect(session["elderly"] as? Bool == false)
        session["elderly"] = nil
        object["session"] = session
        object["staffCall"] = nil
        let old = try JSONSerialization.data(withJSONObject: object)
        let decoded = try JSONDecoder().decode(FlowState.self, from: old)
        #expect(decoded.step == .fillingForm)
        #expect(decoded.session?.elderly == false)
        #expect(decoded.staffCall == nil)
        #expect(decoded.session?.identity == d.state.session?.identity)
    }

    // MARK: 适老模式 and 继续办理

    @Test func elderlySession_doublesEveryCitizenTimeout_andItsWarning() {
        let policy = FlowPolicy()
        var d = FlowDriver(policy: policy)
        let effects = d.send(.start(transactionID: "T1", kioskID: "K1", elderly: true))
        #expect(d.state.session?.elderly == true)
        let card = policy.timeout(for: .awaitingCard) * 2 - policy.warningLead * 2
        #expect(effects.contains(.startTimer(generation: d.state.timerGeneration, after: card)))
        let warning = d.fireTimer()
        #expect(warning.contains(.ui(.timeoutWarning(secondsLeft: 40))))
        #expect(warning.contains(.startTimer(generation: d.state.timerGeneration, after: .seconds(40))))
        d.send(.cardRead(sampleCard()))
        d.send(.confirmIdentity)
        let form = policy.timeout(for: .fillingForm) * 2 - policy.warningLead * 2
        #expect(d.lastEffects.contains(.startTimer(generation: d.state.timerGeneration, after: form)))
        d.send(.submitForm(sampleForm()))
        d.send(.sign(signatureSHA256: String(repeating: "ab", count: 32)))
        d.send(.confirm(declarationAccepted: true))
        // The authority's deadline is the machine's, not the citizen's.
        #expect(d.lastEffects.contains(.startTimer(generation: d.state.timerGeneration, after: .seconds(60))))
    }

    @Test func ordinarySession_keepsThePolicysTimeouts() {
        var d = FlowDriver()
        let effects = d.send(.start(transactionID: "T1", kioskID: "K1"))
        #expect(d.state.session?.elderly == false)
        #expect(effects.contains(.startTimer(generation: d.state.timerGeneration, after: .seconds(100))))
    }

    @Test func elderlyResume_usesTheDoubledTimeout() {
        var d = FlowDriver()
        d.send(.start(transactionID: "T1", kioskID: "K1", elderly: true))
        d.send(.cardRead(sampleCard()))
        d.send(.confirmIdentity)
        // 900 s away: past the ordinary 600 s of the form, within the doubled 1200 s.
        let resumed = d.flow.resume(d.state, savedAt: d.now, at: d.now + 900)
        #expect(resumed.state.step == .awaitingCard)
        #expect(resumed.state.session?.resumeStep == .fillingForm)
    }

    @Test func stillHere_afterTheWarning_restoresTheFullTime() {
        for elderly in [false, true] {
            let policy = FlowPolicy()
            var d = FlowDriver(policy: policy)
            d.send(.start(transactionID: "T1", kioskID: "K1", elderly: elderly))
            d.send(.cardRead(sampleCard()))
            d.send(.confirmIdentity)
            let factor = elderly ? 2 : 1
            let warning = d.fireTimer()
            #expect(warning.contains(.ui(.timeoutWarning(secondsLeft: 20 * factor))))
            #expect(d.state.warned)
            let effects = d.send(.citizenActive)
            #expect(d.lastDisposition == .applied)
            #expect(!d.state.warned)
            let full = (policy.timeout(for: .fillingForm) - policy.warningLead) * factor
            #expect(effects == [.startTimer(generation: d.state.timerGeneration, after: full)])
            // The next expiry is a fresh warning, not the end of the session.
            let next = d.fireTimer()
            #expect(d.step == .fillingForm)
            #expect(next.contains(.ui(.timeoutWarning(secondsLeft: 20 * factor))))
        }
    }
}
