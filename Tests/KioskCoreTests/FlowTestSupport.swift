import Foundation

@testable import KioskCore

/// Drives `LicenceFlow` in tests: keeps the state, a virtual clock and every effect emitted so far.
struct FlowDriver {
    let flow: LicenceFlow
    var state = FlowState.idle
    var now = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-17
    var lastEffects: [FlowEffect] = []
    var allEffects: [FlowEffect] = []
    var lastDisposition: FlowTransition.Disposition = .applied

    init(policy: FlowPolicy = FlowPolicy()) { flow = LicenceFlow(policy: policy) }

    @discardableResult
    mutating func send(_ event: FlowEvent, after seconds: Double = 1) -> [FlowEffect] {
        now += seconds
        let transition = flow.handle(event, in: state, at: now)
        state = transition.state
        lastEffects = transition.effects
        lastDisposition = transition.disposition
        allEffects += transition.effects
        return transition.effects
    }

    /// The store acknowledges the ended record the flow is waiting for in `persisting`. `lastEffects` then holds the
    /// effects of the ending event and of the acknowledgement, so a test sees the ticket, the record and the wipe.
    /// A hand-off asks for 好差评 first: at `rating` after a hand-off, the citizen skips it before the store answers
    /// (its effects are kept with the ending's).
    mutating func storeAcknowledges() {
        if step == .rating, state.handOffReason != nil {
            let handOff = lastEffects
            send(.skipRating)
            lastEffects = handOff + lastEffects
        }
        precondition(step == .persisting, "expected persisting, got \(step)")
        let ending = lastEffects
        send(.transactionPersisted(transactionID: state.session?.transactionID ?? ""))
        lastEffects = ending + lastEffects
    }

    /// Fires the timer the flow last asked for.
    @discardableResult
    mutating func fireTimer() -> [FlowEffect] {
        send(.timerFired(generation: state.timerGeneration), after: 30)
    }

    var step: FlowStepName { state.step }

    var uiEvents: [UIEvent] { lastEffects.compactMap { if case .ui(let e) = $0 { e } else { nil } } }

    var currentJobUUID: String? { state.session?.licenceJobUUID }

    var licencePrints: [FlowEffect] { allEffects.filter { if case .printLicence = $0 { true } else { false } } }

    /// Runs the happy path up to (not including) the given step.
    mutating func advance(to target: FlowStepName) {
        let path: [(FlowStepName, FlowEvent)] = [
            (.awaitingCard, .start(transactionID: "T1", kioskID: "K1")),
            (.verifyingIdentity, .cardRead(sampleCard())),
            (.fillingForm, .confirmIdentity),
            (.awaitingSignature, .submitForm(sampleForm())),
            (.awaitingSignature, .sign(signatureSHA256: String(repeating: "ab", count: 32))),
            (.approving, .confirm(declarationAccepted: true)),
            (.printingLicence, .approvalResult(.approved(sampleLicence()))),
        ]
        for (reached, event) in path where step != target {
            send(event)
            precondition(step == reached, "expected \(reached), got \(step)")
        }
        if target == .printingReceipt || target == .rating || target == .persisting {
            send(.licencePrintResult(jobUUID: currentJobUUID ?? "", .completed))
        }
        if target == .rating || target == .persisting { send(.receiptPrintResult(.completed)) }
        if target == .persisting { send(.rate(ServiceRating(grade: .verySatisfied))) }
        precondition(step == target, "expected \(target), got \(step)")
    }
}

func sampleLicence() -> BusinessLicence {
    BusinessLicence(
        creditCode: "91110000600037341L", name: "北京自助示范科技有限公司", entityType: "有限责任公司（自然人独资）",
        representative: "张三", kind: .company, registeredCapital: "壹佰万元整",
        establishedOn: CivilDate(year: 2026, month: 11, day: 17)!,
        businessTermFrom: CivilDate(year: 2026, month: 11, day: 17)!,
        businessTermUntil: .longTerm, address: "北京市东城区景山前街4号", businessScope: "技术开发、技术咨询；销售电子产品。",
        registrationAuthority: "北京市东城区市场监督管理局", issuedOn: CivilDate(year: 2026, month: 11, day: 17)!,
        qrPayload: "https://www.gsxt.gov.cn/91110000600037341L")
}

extension [FlowEffect] {
    var wipes: Bool { contains { if case .wipePersonalData = $0 { true } else { false } } }
    var persistedRecords: [TransactionRecord] {
        compactMap { if case .persistTransaction(let r) = $0 { r } else { nil } }
    }
    var tickets: [String] { compactMap { if case .dispenseTicket(let c, _) = $0 { c } else { nil } } }
}
