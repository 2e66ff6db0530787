import Foundation
import KioskCore
import KioskDevices

/// What the touch UI remembers of the transaction on screen beyond the flow state: learnt from the flow's UI events
/// and from what the page and staff did. Pure; forgotten when another transaction (or none) is on screen.
struct UIMemory: Sendable, Hashable {
    var transactionID: String?
    /// The runner's last queue number when this transaction came on screen: a different one later is its own.
    var ticketBefore: String?
    var lastCardError: String?
    /// From the flow's last `faceMismatch`; forgotten once the face steps are left.
    var faceAttemptsLeft: Int?
    var formIssues: [UIIssue] = []
    var applicationRejected: ScreenState.ApplicationRejected?
    var notice: UINotice?
    var ratedGrade: Int?
    var enterpriseName: String?
    var creditCode: String?
    var lastStep: FlowStepName?
    /// Counts refusals the flow reported (form issues, a missing signature or declaration), with the latest, so a
    /// request can tell whether its own event was refused.
    var refusals = 0
    var lastRefusal: [UIIssue] = []

    /// The transaction whose screen this is: the session's, or the one whose end screen shows.
    static func transaction(of view: FlowRunner.UIView) -> String? {
        if let id = view.state.session?.transactionID { return id }
        return view.state.step.isTerminal ? view.lastEnded?.transactionID : nil
    }

    mutating func absorb(_ view: FlowRunner.UIView) {
        let state = view.state
        let transaction = Self.transaction(of: view)
        if transaction != transactionID {
            let kept = (refusals, lastRefusal)
            self = UIMemory()
            (refusals, lastRefusal) = kept
            transactionID = transaction
            ticketBefore = view.lastTicket
        }
        if state.step != lastStep { notice = nil }
        if state.step != .fillingForm {
            formIssues = []
            applicationRejected = nil
        }
        if state.step != .awaitingCard { lastCardError = nil }
        if !state.step.isFaceStep { faceAttemptsLeft = nil }
        if let licence = state.session?.record.licence {
            enterpriseName = licence.name
            creditCode = licence.creditCode
        }
        lastStep = state.step
    }

    /// Takes in one UI event of the flow; answers the notice it is worth, if any.
    mutating func absorb(_ event: UIEvent, at now: Date) -> UINotice? {
        var heard: UINotice?
        switch event {
        case .identitySummary:
            heard = UINotice(.cardRead)
        case .cardReadFailed(let reason, _):
            lastCardError = reason
            heard = UINotice(.cardError, reason: reason)
        case .faceMismatch(let left):
            faceAttemptsLeft = left
        case .identityRefused(let reasons, _):
            let code = reasons.first.map(Self.refusalCode) ?? "refused"
            lastCardError = code
            heard = UINotice(.cardError, reason: code)
        case .formRejected(let issues):
            formIssues = issues.map {
                UIIssue(field: $0.field.rawValue, code: $0.code, message: $0.chinese, messageEnglish: $0.english)
            }
            refused(formIssues)
        case .signatureRequired:
            refused([UIIssue(field: "signature", code: "required", message: "请先签字", messageEnglish: "sign first")])
        case .declarationRequired:
            refused([
                UIIssue(
                    field: "declarationAccepted", code: "required", message: "请勾选声明",
                    messageEnglish: "tick the declaration first")
            ])
        case .applicationRejected(let reasons, let left):
            applicationRejected = ScreenState.ApplicationRejected(reasons: reasons, attemptsLeft: left)
        case .timeoutWarning(let seconds):
            heard = UINotice(.timeoutWarning, secondsLeft: seconds)
        case .deviceProblem(let role):
            heard = UINotice(.deviceProblem, role: role.rawValue)
        case .deviceRecovered(let role):
            heard = UINotice(.deviceRecovered, role: role.rawValue)
        case .staffCalled:
            heard = UINotice(.staffCalled)
        case .staffActed(let action):
            heard = UINotice(.staffAction, action: action.rawValue)
        case .receiptFailed:
            heard = UINotice(.receiptFailed)
        case .stepChanged, .pleaseWait, .presentCardAgain, .done, .handedOff, .cancelled:
            break
        }
        if let heard { notice = heard }
        return heard
    }

    mutating func heard(_ notice: UINotice) { self.notice = notice }

    private mutating func refused(_ issues: [UIIssue]) {
        refusals += 1
        lastRefusal = issues
    }

    /// The code of an identity refusal from its text (the flow's UI event carries the texts of `IdentityRefusal`).
    static func refusalCode(_ text: String) -> String {
        if text.hasPrefix("证件已于") { return "card-expired" }
        if text.hasPrefix("证件自") { return "card-not-yet-valid" }
        if text.hasPrefix("申请人") { return "under-age" }
        if text.hasPrefix("证件号码无效") { return "invalid-number" }
        return "refused"
    }
}

extension FlowStepName {
    /// The face comparison's steps: the face screens show, and the UI serves the live preview (`GET /ui/v1/camera`).
    var isFaceStep: Bool { self == .capturingFace || self == .verifyingFace }
}

/// The screen state as a pure function of the flow's view, the UI's memory and whether the terminal is out of
/// service (docs/ui-api.md, "State").
enum ScreenProjection {
    /// 人工窗口: where a handed-off citizen goes (the page words the reason from its code).
    static let staffedWindow = "人工窗口"

    static func project(
        _ view: FlowRunner.UIView, memory: UIMemory, outOfService: ScreenState.OutOfService?
    ) -> ScreenState {
        let state = view.state
        let session = state.session
        let record = session?.record
        let transaction = UIMemory.transaction(of: view)
        let resumed = session?.resumeStep != nil
        let signed = session?.signatureSHA256 != nil

        // A session resumed after a restart shows nobody's name until the same card is placed again.
        let identity =
            resumed
            ? nil
            : session?.identity.map {
                ScreenState.Identity(
                    name: $0.name.unmasked, maskedIDNumber: $0.idNumber.masked, cardType: $0.cardType.rawValue)
            }
        let card = ScreenState.Card(
            attemptsLeft: max(0, view.maximumCardAttempts - (session?.cardAttempts ?? 0)),
            lastError: state.step == .awaitingCard ? memory.lastCardError : nil, presentAgain: resumed)

        var licence = ScreenState.Progress.Licence.pending
        if record?.licencePrint == .completed { licence = .printed }
        if state.step == .printingLicence { licence = .printing }
        if state.step == .licencePrintProblem { licence = .problem }
        var receipt = ScreenState.Progress.Receipt.pending
        switch record?.receiptPrint {
        case .completed?: receipt = .printed
        case .failed?, .unknown?: receipt = .failed
        case nil: break
        }
        if state.step == .printingReceipt { receipt = .printing }

        let handOff = state.handOffReason.map {
            ScreenState.HandOff(
                reason: $0.rawValue, window: staffedWindow,
                ticket: record?.queueTicket ?? (view.lastTicket != memory.ticketBefore ? view.lastTicket : nil))
        }
        let done =
            state.step == .completed
            ? transaction.map {
                ScreenState.Done(
                    transactionID: $0, enterpriseName: memory.enterpriseName, creditCode: memory.creditCode)
            } : nil

        let face = state.step.isFaceStep ? ScreenState.Face(attemptsLeft: memory.faceAttemptsLeft) : nil
        let deadline = state.step.waitsForCitizen ? view.stepDeadline : nil
        return ScreenState(
            screen: screen(state, signed: signed, outOfService: outOfService != nil), step: state.step,
            transactionID: transaction, elderly: session?.elderly ?? false,
            deadline: deadline, secondsLeft: nil,
            warning: deadline != nil && state.warned && state.step != .rating, identity: identity, card: card,
            face: face, formIssues: state.step == .fillingForm ? memory.formIssues : [],
            applicationRejected: state.step == .fillingForm ? memory.applicationRejected : nil, signed: signed,
            progress: ScreenState.Progress(licence: licence, receipt: receipt), handOff: handOff,
            rating: ScreenState.Rating(asked: state.step == .rating, given: memory.ratedGrade),
            staffCall: state.staffCall.map(ScreenState.StaffCall.init), outOfService: outOfService, done: done,
            notice: memory.notice)
    }

    static func screen(_ state: FlowState, signed: Bool, outOfService: Bool) -> ScreenState.Screen {
        switch state.step {
        case .idle: outOfService ? .outOfService : .welcome
        case .awaitingCard: .placeCard
        case .verifyingIdentity: .confirmIdentity
        case .capturingFace: .captureFace
        case .verifyingFace: .verifyingFace
        case .fillingForm: .form
        case .awaitingSignature: signed ? .declaration : .signature
        case .approving: .approving
        case .printingLicence, .licencePrintProblem, .printingReceipt: .printing
        case .rating: .rating
        case .persisting: .pleaseWait
        case .completed: .done
        case .handedOff: .handOff
        case .cancelled: .cancelled
        }
    }

    /// Why the terminal cannot take a citizen: a required device (the ID reader, the licence printer) is lost or
    /// down — a device still starting is not — or a technician inhibited it. nil when it can.
    static func outOfService(
        lostDevices: Set<DeviceRole>, health: [DeviceRole: DeviceHealth], inhibition: Inhibition?,
        required: [DeviceRole] = requiredDevices
    ) -> ScreenState.OutOfService? {
        var reasons: [String] = []
        for role in required {
            let down = health[role].map { !Terminal.isUsable($0) && $0.state != .starting } ?? false
            if lostDevices.contains(role) || down { reasons.append("device:\(role.rawValue)") }
        }
        if inhibition != nil { reasons.append("inhibited") }
        guard !reasons.isEmpty else { return nil }
        return ScreenState.OutOfService(reasons: reasons, message: inhibition?.reason)
    }

    /// Without these no licence can be issued; the receipt printer and the ticket dispenser are not required (the
    /// flow goes on without a receipt, and shows a queue number on screen).
    static let requiredDevices: [DeviceRole] = requiredDevices(cameraRequired: false)

    /// The camera joins them when the face comparison is required (`identity.faceVerification`).
    static func requiredDevices(cameraRequired: Bool) -> [DeviceRole] {
        [.idReader, .licencePrinter] + (cameraRequired ? [.camera] : [])
    }
}
