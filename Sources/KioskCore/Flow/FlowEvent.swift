import Foundation

/// What the registration authority answered.
public enum ApprovalOutcome: Sendable, Hashable, Codable {
    case approved(BusinessLicence)
    /// Reasons for the citizen, in Chinese and English; no personal data.
    case rejected(reasons: [String])
    case unavailable(reason: String)
}

/// What a staff member (帮办) may do at the terminal. The daemon checks authorisation before the event reaches the
/// flow; the flow audits it.
public enum StaffAction: String, Sendable, Hashable, Codable {
    /// Give the citizen more time at the current step.
    case extendTime = "extend-time"
    /// Print the licence again after a failed or unknown print (the only way a second print happens).
    case authoriseReprint = "authorise-reprint"
    /// The staff member saw the licence come out: treat an unknown print as completed.
    case confirmLicencePrinted = "confirm-licence-printed"
    /// Send the citizen to a staffed window now.
    case handOff = "hand-off"
}

/// Everything that can happen to the flow. Time comes with each event (`at:`), never from a clock inside.
public indirect enum FlowEvent: Sendable, Hashable, Codable {
    // Citizen, through the touch UI.
    /// `elderly`: 适老模式 — every citizen-facing timeout of the session is doubled.
    case start(transactionID: String, kioskID: String, elderly: Bool = false)
    /// 继续办理 ("still here"): restores the current step's full time.
    case citizenActive
    case confirmIdentity
    /// 开始比对: the citizen looks at the camera and starts the face comparison.
    case captureFace
    case submitForm(ApplicationForm)
    case sign(signatureSHA256: String)
    case confirm(declarationAccepted: Bool)
    case rate(ServiceRating)
    case skipRating
    case cancel
    case requestHandOff
    /// 呼叫工作人员: the citizen calls staff to the terminal (on every screen, with or without a session).
    case callStaff

    // ID-card reader.
    case cardRead(IdentityCard)
    case cardError(reason: String)
    case cardRemoved

    // Devices coming and going.
    case deviceLost(DeviceRole)
    case deviceRestored(DeviceRole)

    // Results of effects.
    case approvalResult(ApprovalOutcome)
    /// What attempt `attempt` of the face comparison came to.
    case faceVerificationResult(attempt: Int, FaceVerificationOutcome)
    case licencePrintResult(jobUUID: String, PrintOutcome)
    case receiptPrintResult(PrintOutcome)
    /// The runtime allocated the hand-off's queue number (durably, in the store's counter): it joins the record, so
    /// a restart during the rating that follows does not lose it.
    case ticketIssued(number: String)
    case transactionPersisted(transactionID: String)
    case persistFailed(transactionID: String, reason: String)

    // Staff (帮办).
    case staffAssist(staffID: String, StaffAction)

    // Timers the flow asked for.
    case timerFired(generation: Int)

    /// A short name for logs (no payload, so no personal data).
    public var name: String {
        switch self {
        case .start: "start"
        case .citizenActive: "citizen-active"
        case .confirmIdentity: "confirm-identity"
        case .captureFace: "capture-face"
        case .submitForm: "submit-form"
        case .sign: "sign"
        case .confirm: "confirm"
        case .rate: "rate"
        case .skipRating: "skip-rating"
        case .cancel: "cancel"
        case .requestHandOff: "request-hand-off"
        case .callStaff: "call-staff"
        case .cardRead: "card-read"
        case .cardError: "card-error"
        case .cardRemoved: "card-removed"
        case .deviceLost(let role): "device-lost(\(role.rawValue))"
        case .deviceRestored(let role): "device-restored(\(role.rawValue))"
        case .approvalResult: "approval-result"
        case .faceVerificationResult: "face-verification-result"
        case .licencePrintResult: "licence-print-result"
        case .receiptPrintResult: "receipt-print-result"
        case .ticketIssued: "ticket-issued"
        case .transactionPersisted: "transaction-persisted"
        case .persistFailed: "persist-failed"
        case .staffAssist(_, let action): "staff-assist(\(action.rawValue))"
        case .timerFired: "timer-fired"
        }
    }
}
