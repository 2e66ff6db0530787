import Foundation
import Testing

@testable import KioskCore

/// Random event sequences against the invariants of docs/ARCHITECTURE.md §5.5.
@Suite struct LicenceFlowPropertyTests {
    static let sequences = 10_000
    static let eventsPerSequence = 40
    static let card = sampleCard()
    static let expiredCard = sampleCard(until: .until(CivilDate(year: 2001, month: 1, day: 1)!))
    static let form = sampleForm()
    static let strangersForm = sampleForm(representative: "李四")
    static let strangersCard = sampleCard(name: "李四", number: "110105198001010019")
    static let licence = sampleLicence()
    static let signature = String(repeating: "ab", count: 32)
    /// Ratings that may be given, and two the flow must refuse (reasons or a follow-up call with a satisfied grade).
    static let ratings: [ServiceRating] = [
        ServiceRating(grade: .verySatisfied), ServiceRating(grade: .fairlySatisfied),
        ServiceRating(grade: .veryDissatisfied, reasons: [.deviceFault, .other], followUpConsent: true),
        ServiceRating(grade: .dissatisfied, reasons: [.attitude]),
        ServiceRating(grade: .satisfied, reasons: [.efficiency]),
        ServiceRating(grade: .verySatisfied, followUpConsent: true),
    ]

    /// An event that makes sense now most of the time, anything at all otherwise (late, duplicate, stale, wrong).
    static func nextEvent(_ state: FlowState, _ rng: inout SplitMix64, serial: Int) -> FlowEvent {
        let job = state.session?.licenceJobUUID ?? "T0-L1"
        let tx = state.session?.transactionID ?? "T0"
        let likely: [FlowEvent]
        switch state.step {
        case .idle, .completed, .handedOff, .cancelled:
            likely = [
                .start(transactionID: "T\(serial)", kioskID: "K1"),
                .start(transactionID: "T\(serial)", kioskID: "K1", elderly: true),
                .timerFired(generation: state.timerGeneration),
            ]
        case .awaitingCard:
            likely = [
                .cardRead(card), .cardRead(card), .cardError(reason: "read failed"),
                .cardRead(expiredCard),
            ]
        case .verifyingIdentity: likely = [.confirmIdentity]
        case .capturingFace: likely = [.captureFace]
        case .verifyingFace:
            let attempt = state.session?.faceAttempts ?? 1
            likely = [
                .faceVerificationResult(attempt: attempt, .decided(.match, score: 0.93)),
                .faceVerificationResult(attempt: attempt, .decided(.noMatch, score: 0.12)),
                .faceVerificationResult(attempt: attempt, .decided(.noMatch, score: 0.31)),
                .faceVerificationResult(attempt: attempt, .unavailable(reason: "timeout")),
                .faceVerificationResult(attempt: attempt, .cameraFailed(reason: "stalled")),
                .faceVerificationResult(attempt: attempt - 1, .decided(.match, score: 0.99)),
            ]
        case .fillingForm: likely = [.submitForm(form), .submitForm(strangersForm)]
        case .awaitingSignature:
            likely = [
                .sign(signatureSHA256: signature), .confirm(declarationAccepted: true),
                .confirm(declarationAccepted: false),
            ]
        case .approving:
            likely = [
                .approvalResult(.approved(licence)), .approvalResult(.approved(licence)),
                .approvalResult(.rejected(reasons: ["x"])), .approvalResult(.unavailable(reason: "down")),
            ]
        case .printingLicence:
            likely = [
                .licencePrintResult(jobUUID: job, .completed), .licencePrintResult(jobUUID: job, .completed),
                .licencePrintResult(jobUUID: job, .failed(reason: "media-jam")),
                .licencePrintResult(jobUUID: job, .unknown(reason: "timeout")),
            ]
        case .licencePrintProblem:
            likely = [
                .staffAssist(staffID: "s1", .authoriseReprint), .staffAssist(staffID: "s1", .confirmLicencePrinted),
                .staffAssist(staffID: "s1", .handOff), .licencePrintResult(jobUUID: job, .completed),
            ]
        case .printingReceipt:
            likely = [.receiptPrintResult(.completed), .receiptPrintResult(.failed(reason: "paper-end"))]
        case .rating:
            likely = ratings.map(FlowEvent.rate) + [.skipRating, .timerFired(generation: state.timerGeneration)]
        case .persisting:
            likely = [.transactionPersisted(transactionID: tx), .persistFailed(transactionID: tx, reason: "disk full")]
        }
        let anything: [FlowEvent] = [
            .cancel, .requestHandOff, .citizenActive, .cardRemoved, .confirmIdentity, .skipRating,
            .timerFired(generation: state.timerGeneration), .timerFired(generation: state.timerGeneration - 1),
            .deviceLost(.idReader), .deviceRestored(.idReader), .deviceLost(.licencePrinter),
            .licencePrintResult(jobUUID: job, .completed), .licencePrintResult(jobUUID: "other", .completed),
            .transactionPersisted(transactionID: tx), .transactionPersisted(transactionID: "other"),
            .staffAssist(staffID: "s2", .authoriseReprint), .staffAssist(staffID: "s2", .extendTime),
            .staffAssist(staffID: "s2", .handOff), .approvalResult(.approved(licence)),
            .start(transactionID: "T\(serial)", kioskID: "K1"), .cardRead(card), .cardRead(strangersCard),
            .callStaff, .callStaff, .rate(ratings[0]), .staffAssist(staffID: "s3", .confirmLicencePrinted),
            .captureFace, .faceVerificationResult(attempt: 1, .decided(.match, score: 0.9)),
            .faceVerificationResult(attempt: state.session?.faceAttempts ?? 0, .decided(.match, score: 0.9)),
        ]
        if Int.random(in: 0..<10, using: &rng) < 7 { return likely.randomElement(using: &rng)! }
        return anything.randomElement(using: &rng)!
    }

    /// The steps a policy never reaches: the face steps with the comparison off, the confirm step with it required.
    static func unreachable(with face: FaceVerificationMode) -> Set<FlowStepName> {
        face == .required ? [.verifyingIdentity] : [.capturingFace, .verifyingFace]
    }

    /// Steps only a session with a face `match` may be at when the comparison is required.
    static let afterTheComparison: Set<FlowStepName> = [
        .fillingForm, .awaitingSignature, .approving, .printingLicence, .licencePrintProblem, .printingReceipt,
    ]

    @Test(arguments: [FaceVerificationMode.off, .required])
    func randomSequences_keepEveryInvariant(face: FaceVerificationMode) throws {
        let flow = LicenceFlow(policy: FlowPolicy(faceVerification: face))
        let holderNumber = Self.card.idNumber.unmasked
        var reached: [FlowStepName: Int] = [:]
        for seed in 0..<Self.sequences {
            var rng = SplitMix64(state: UInt64(seed))
            var state = FlowState.idle
            var now = Date(timeIntervalSince1970: 1_795_000_000)
            var prints: [String: Int] = [:]
            var reprints: [String: Int] = [:]
            var persistRequested: Set<String> = []
            var rated: Set<String> = []
            var faceAttempts: [String: Int] = [:]
            // Whether the camera streams, as the flow's effects have it.
            var cameraOn = false
            for serial in 0..<Self.eventsPerSequence {
                now += Double(Int.random(in: 0...40, using: &rng))
                // Now and then kioskd restarts, after a short or a long outage, and resumes from the checkpoint.
                if Int.random(in: 0..<100, using: &rng) < 4 {
                    let outage = Double(Int.random(in: 0...900, using: &rng))
                    let resumed = flow.resume(state, savedAt: now - outage, at: now)
                    if resumed.effects.contains(where: { if case .printLicence = $0 { true } else { false } }) {
                        Issue.record("seed \(seed): a resume sent a licence")
                    }
                    // The checkpoint was written at a face step with the camera on: the resume must stop it.
                    cameraOn = state.step.isFaceStep && state.session != nil
                    for effect in resumed.effects {
                        if effect == .startCamera { Issue.record("seed \(seed): a resume started the camera") }
                        if effect == .stopCamera {
                            if !cameraOn { Issue.record("seed \(seed): a resume stopped a camera that was off") }
                            cameraOn = false
                        }
                    }
                    if cameraOn != resumed.state.step.isFaceStep {
                        Issue.record("seed \(seed): a resume left the camera \(cameraOn ? "on" : "off")")
                    }
                    state = resumed.state
                }
                let event = Self.nextEvent(state, &rng, serial: seed * 1000 + serial)
                let t = flow.handle(event, in: state, at: now)
                func fail(_ what: String) {
                    Issue.record("seed \(seed) event \(serial) \(event.name) in \(state.step): \(what)")
                }

                // Nothing is dropped silently: an event that does not apply changes nothing and says why.
                if case .notApplicable = t.disposition, t.state != state || !t.effects.isEmpty {
                    fail("a not-applicable event changed the state or had effects")
                }
                // At most one licence print per transaction unless staff authorised a reprint.
                if case .staffAssist(_, .authoriseReprint) = event, case .applied = t.disposition,
                    let id = state.session?.transactionID
                {
                    reprints[id, default: 0] += 1
                }
                for effect in t.effects {
                    switch effect {
                    case .printLicence(let id, _, _, _, _):
                        prints[id, default: 0] += 1
                        if prints[id, default: 0] > 1 + reprints[id, default: 0] {
                            fail("\(id) printed twice without a reprint")
                        }
                    case .persistTransaction(let r) where r.outcome == .completed:
                        persistRequested.insert(r.id)
                        if face == .required, r.faceVerification?.decision != "match" {
                            fail("\(r.id) completed without a face match")
                        }
                    case .startCamera:
                        if cameraOn { fail("the camera was started twice") }
                        cameraOn = true
                    case .stopCamera:
                        if !cameraOn { fail("a camera that was off was stopped") }
                        cameraOn = false
                    case .verifyFace(let id, let attempt, let identity):
                        if face == .off { fail("a face comparison with the comparison off") }
                        faceAttempts[id, default: 0] += 1
                        if faceAttempts[id, default: 0] > flow.policy.maximumFaceAttempts {
                            fail("\(id) compared the face more than \(flow.policy.maximumFaceAttempts) times")
                        }
                        if attempt != faceAttempts[id] { fail("\(id) attempt \(attempt) out of order") }
                        if identity != state.session?.identity { fail("a comparison with another card's identity") }
                    case .ui(.done(let id)):
                        // "Done" only in answer to the store's acknowledgement of that very transaction.
                        if event != .transactionPersisted(transactionID: id) || !persistRequested.contains(id) {
                            fail("done before the transaction was persisted")
                        }
                    default: break
                    }
                }
                // 好差评: once per transaction, never for a cancelled one, reasons and 回访 only when dissatisfied.
                if case .rate(let rating) = event, case .applied = t.disposition, let id = state.session?.transactionID
                {
                    if !rated.insert(id).inserted { fail("\(id) rated twice") }
                    if rating.refusal != nil { fail("a rating with reasons or 回访 for a satisfied grade was taken") }
                }
                if t.state.step == .rating, state.step != .rating {
                    switch t.state.session?.record.outcome {
                    case .handedOff?: break
                    case nil where t.state.session?.record.licencePrint == .completed: break
                    default: fail("asked for a rating of a session that was neither completed nor handed off")
                    }
                }
                if t.state.step == .persisting, state.step != .persisting, state.step != .rating,
                    case .handedOff? = t.state.session?.record.outcome, state.session?.resumeStep == nil
                {
                    fail("handed off without asking for a rating")
                }
                for case .persistTransaction(let r) in t.effects {
                    if case .cancelled? = r.outcome, r.rating != nil {
                        fail("a cancelled transaction carries a rating")
                    }
                }
                // A staff call is audited when the citizen makes it and answered by any staff action; it does not
                // outlive the session it was made in.
                if case .callStaff = event, case .applied = t.disposition {
                    if t.state.staffCall?.by != .citizen { fail("the citizen's staff call was not kept") }
                    if !t.effects.contains(where: { if case .audit(_, "staff-call", _, _) = $0 { true } else { false } }
                    ) {
                        fail("the citizen's staff call was not audited")
                    }
                }
                if case .staffAssist = event, case .applied = t.disposition, t.state.staffCall != nil,
                    t.state.step != .licencePrintProblem
                {
                    fail("a staff action left the staff call standing")
                }
                if t.state.step.isTerminal, !state.step.isTerminal, t.state.staffCall != nil {
                    fail("a staff call outlived its session")
                }
                // A print is always preceded by the checkpoint that journals it.
                if let p = t.effects.firstIndex(where: { if case .printLicence = $0 { true } else { false } }),
                    !t.effects[..<p].contains(where: { if case .persistCheckpoint = $0 { true } else { false } })
                {
                    fail("licence print without a checkpoint before it")
                }
                // A session resumed after a restart goes on only for the same card.
                if let waiting = state.session, waiting.resumeStep != nil, let next = t.state.session,
                    next.transactionID == waiting.transactionID, next.resumeStep == nil, t.state.step != .persisting
                {
                    guard case .cardRead(let presented) = event,
                        presented.idNumber.unmasked == waiting.identity?.idNumber.unmasked
                    else { fail("a resumed session went on without its card"); continue }
                }
                // Personal data is wiped whenever a session ends.
                if t.state.step.isTerminal && !state.step.isTerminal && !t.effects.wipes {
                    fail("session ended without a wipe")
                }
                if (t.state.step.isTerminal || t.state.step == .idle) && t.state.holdsPersonalData {
                    fail("personal data kept after the session ended")
                }
                if t.state.step == .completed && state.step != .completed,
                    event != .transactionPersisted(transactionID: state.session?.transactionID ?? "")
                {
                    fail("completed without the store's acknowledgement")
                }
                // The camera streams exactly while a face step is on screen.
                if cameraOn != t.state.step.isFaceStep {
                    fail("the camera is \(cameraOn ? "on" : "off") at \(t.state.step)")
                }
                if face == .required, Self.afterTheComparison.contains(t.state.step),
                    t.state.session?.record.faceVerification?.decision != "match"
                {
                    fail("reached \(t.state.step) without a face match")
                }
                // Around the face steps, the card holder's ID number travels only with the comparison itself (and
                // in the checkpoint and the record, where it is kept anyway).
                if state.step.isFaceStep || t.state.step.isFaceStep {
                    for effect in t.effects {
                        switch effect {
                        case .verifyFace, .persistCheckpoint, .persistTransaction, .requestApproval: continue
                        default:
                            let text = String(decoding: try JSONEncoder().encode(effect), as: UTF8.self)
                            if text.contains(holderNumber) { fail("personal data in \(text)") }
                        }
                    }
                }
                state = t.state
                reached[state.step, default: 0] += 1
            }
        }
        // The generator must actually reach every step, or the invariants above were not exercised.
        for step in FlowStepName.allCases {
            if Self.unreachable(with: face).contains(step) {
                #expect(reached[step, default: 0] == 0, "reached \(step) with the comparison \(face)")
            } else {
                #expect(reached[step, default: 0] > 0, "never reached \(step)")
            }
        }
    }
}
