import Foundation

/// The step the flow is at, without its data: what UIs, logs and `kioskctl status` show.
public enum FlowStepName: String, Sendable, Hashable, Codable, CaseIterable {
    case idle
    /// 身份证比对 — waiting for the card on the reader.
    case awaitingCard
    /// The card was read and accepted; the citizen checks the masked summary and continues.
    case verifyingIdentity
    /// 身份证比对 with `identity.faceVerification: required`: the live preview, waiting for the citizen to look at the
    /// camera and start the comparison.
    case capturingFace
    /// A frame was taken and is with the central identity service.
    case verifyingFace
    /// 填报信息.
    case fillingForm
    /// 签字确认 — signature and declaration.
    case awaitingSignature
    /// Waiting for the registration authority.
    case approving
    /// 执照打印.
    case printingLicence
    /// The licence print failed or its result is unknown: waiting for staff (帮办) to decide.
    case licencePrintProblem
    case printingReceipt
    /// 好差评 — optional.
    case rating
    /// Writing the ended transaction (completed, handed off or cancelled) with the checkpoint's removal; the end
    /// screen ("done" above all) is shown only after it is durable, and a failed write is retried with back-off.
    case persisting
    case completed
    /// 办不成事 — sent to a staffed window.
    case handedOff
    case cancelled

    /// Steps where the citizen is the one expected to act, so a timeout means they walked away.
    public var waitsForCitizen: Bool {
        switch self {
        case .awaitingCard, .verifyingIdentity, .capturingFace, .fillingForm, .awaitingSignature, .rating: true
        default: false
        }
    }

    /// The two steps of the face comparison, while which the camera streams.
    public var isFaceStep: Bool { self == .capturingFace || self == .verifyingFace }

    public var isTerminal: Bool {
        switch self {
        case .completed, .handedOff, .cancelled: true
        default: false
        }
    }
}

/// Why a session was sent to a staffed window. Stable codes, no personal data.
public enum HandOffReason: String, Sendable, Hashable, Codable {
    case cardUnreadable = "card-unreadable"
    case identityRefused = "identity-refused"
    /// The face did not match the card holder's in the allowed attempts.
    case faceMismatch = "face-mismatch"
    /// The central identity service could not be asked or did not answer.
    case verificationUnavailable = "verification-unavailable"
    case applicationRejected = "application-rejected"
    case authorityUnavailable = "authority-unavailable"
    case licencePrintFailed = "licence-print-failed"
    case licencePrintUnknown = "licence-print-unknown"
    case deviceUnavailable = "device-unavailable"
    case requestedByStaff = "requested-by-staff"
    case requestedByCitizen = "requested-by-citizen"
}

/// Why a session was cancelled. Stable codes, no personal data.
public enum CancelReason: String, Sendable, Hashable, Codable {
    case citizenCancelled = "citizen-cancelled"
    case timedOut = "timed-out"
    case daemonRestarted = "daemon-restarted"
    /// kioskd restarted too long after the step began (the citizen will not have waited), or someone else's card was
    /// presented to a session resumed after a restart.
    case interrupted = "interrupted"
}

/// Staff (帮办) have been called to the terminal and have not yet acted: what the screen, `status` and the monitor
/// show ("help is coming").
public struct StaffCall: Sendable, Hashable, Codable {
    /// Who called: the citizen (呼叫工作人员), or the flow itself (a licence print problem, a resumed session).
    public enum Caller: String, Sendable, Hashable, Codable {
        case citizen, flow
    }

    public var since: Date
    public var by: Caller
    /// A code or a short non-personal text (`requested-by-citizen`, a print problem's reason).
    public var reason: String

    public init(since: Date, by: Caller, reason: String) {
        self.since = since
        self.by = by
        self.reason = reason
    }

    /// The reason of a citizen's call.
    public static let citizenReason = "requested-by-citizen"
}

/// One citizen's session: everything the flow knows about them. Dropped whole (wiped) when the session ends.
public struct FlowSession: Sendable, Hashable, Codable {
    public var record: TransactionRecord
    public var identity: IdentityCard?
    public var form: ApplicationForm?
    /// SHA-256 of the signature image (hex); the image itself never enters the flow.
    public var signatureSHA256: String?
    public var cardAttempts = 0
    public var applicationAttempts = 0
    /// Licence print attempts so far; attempt 2+ only after a staff-authorised reprint.
    public var licenceAttempts = 0
    /// Reprints a staff member has authorised and that have not yet been started.
    public var reprintsAuthorised = 0
    /// The job UUID of the latest licence attempt.
    public var licenceJobUUID: String?
    public var lastLicenceOutcome: PrintOutcome?
    /// Set on a session resumed after a restart before its licence was sent: the step it was at, to which it returns
    /// only once the same card (same ID number) is presented again. A restart never hands one citizen's session to
    /// whoever stands at the screen next.
    public var resumeStep: FlowStepName?
    /// 适老模式, chosen at the start: every citizen-facing timeout of the session (and its warning) is doubled.
    public var elderly = false
    /// Face comparisons started so far (`verifyFace` attempts); the result of any other attempt is stale.
    public var faceAttempts = 0

    public init(record: TransactionRecord, elderly: Bool = false) {
        self.record = record
        self.elderly = elderly
    }

    private enum CodingKeys: String, CodingKey {
        case record, identity, form, signatureSHA256, cardAttempts, applicationAttempts, licenceAttempts
        case reprintsAuthorised, licenceJobUUID, lastLicenceOutcome, resumeStep, elderly, faceAttempts
    }

    /// Keys added after the first release (`elderly`, `faceAttempts`) are optional, so a checkpoint written by an older kioskd resumes.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        record = try c.decode(TransactionRecord.self, forKey: .record)
        identity = try c.decodeIfPresent(IdentityCard.self, forKey: .identity)
        form = try c.decodeIfPresent(ApplicationForm.self, forKey: .form)
        signatureSHA256 = try c.decodeIfPresent(String.self, forKey: .signatureSHA256)
        cardAttempts = try c.decode(Int.self, forKey: .cardAttempts)
        applicationAttempts = try c.decode(Int.self, forKey: .applicationAttempts)
        licenceAttempts = try c.decode(Int.self, forKey: .licenceAttempts)
        reprintsAuthorised = try c.decode(Int.self, forKey: .reprintsAuthorised)
        licenceJobUUID = try c.decodeIfPresent(String.self, forKey: .licenceJobUUID)
        lastLicenceOutcome = try c.decodeIfPresent(PrintOutcome.self, forKey: .lastLicenceOutcome)
        resumeStep = try c.decodeIfPresent(FlowStepName.self, forKey: .resumeStep)
        elderly = try c.decodeIfPresent(Bool.self, forKey: .elderly) ?? false
        faceAttempts = try c.decodeIfPresent(Int.self, forKey: .faceAttempts) ?? 0
    }

    public var transactionID: String { record.id }
}

/// The whole state of the flow: the step, the session (nil when idle or wiped), and the timer generation that
/// lets a stale timer be told from the current one. Codable, so the daemon can checkpoint and resume it.
public struct FlowState: Sendable, Hashable, Codable {
    public var step: FlowStepName
    /// The citizen's session. Held in a shared immutable box so the many copies of a state a transition makes (and
    /// the checkpoint effect) share one session instead of copying it; a write makes a new box.
    public var session: FlowSession? {
        get { sessionBox?.value }
        set { sessionBox = newValue.map(SessionBox.init) }
    }
    private var sessionBox: SessionBox?
    /// Set in `.handedOff` / `.cancelled`.
    public var handOffReason: HandOffReason?
    public var cancelReason: CancelReason?
    /// The id of the only timer that counts; bumped whenever a timer is started or timers are cancelled.
    public var timerGeneration: Int
    /// Whether the current step's warning has fired (the next expiry ends the step).
    public var warned: Bool
    /// Consecutive failed attempts to persist the completed transaction (for the retry back-off).
    public var persistFailures: Int
    /// Devices the flow has been told are lost and not yet restored.
    public var lostDevices: Set<DeviceRole>
    /// Staff have been called and have not yet acted (set with or without a session; cleared by any staff action and
    /// when a session ends).
    public var staffCall: StaffCall?

    public init(
        step: FlowStepName, session: FlowSession?, handOffReason: HandOffReason?, cancelReason: CancelReason?,
        timerGeneration: Int, warned: Bool, persistFailures: Int, lostDevices: Set<DeviceRole>,
        staffCall: StaffCall? = nil
    ) {
        self.step = step
        self.sessionBox = session.map(SessionBox.init)
        self.handOffReason = handOffReason
        self.cancelReason = cancelReason
        self.timerGeneration = timerGeneration
        self.warned = warned
        self.persistFailures = persistFailures
        self.lostDevices = lostDevices
        self.staffCall = staffCall
    }

    public static let idle = FlowState(
        step: .idle, session: nil, handOffReason: nil, cancelReason: nil, timerGeneration: 0, warned: false,
        persistFailures: 0, lostDevices: [])

    public static func == (a: FlowState, b: FlowState) -> Bool {
        a.step == b.step && a.handOffReason == b.handOffReason && a.cancelReason == b.cancelReason
            && a.timerGeneration == b.timerGeneration && a.warned == b.warned && a.persistFailures == b.persistFailures
            && a.lostDevices == b.lostDevices && a.staffCall == b.staffCall
            && (a.sessionBox === b.sessionBox || a.session == b.session)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(step)
        hasher.combine(timerGeneration)
        hasher.combine(session)
    }

    private enum CodingKeys: String, CodingKey {
        case step, session, handOffReason, cancelReason, timerGeneration, warned, persistFailures, lostDevices
        case staffCall
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            step: try c.decode(FlowStepName.self, forKey: .step),
            session: try c.decodeIfPresent(FlowSession.self, forKey: .session),
            handOffReason: try c.decodeIfPresent(HandOffReason.self, forKey: .handOffReason),
            cancelReason: try c.decodeIfPresent(CancelReason.self, forKey: .cancelReason),
            timerGeneration: try c.decode(Int.self, forKey: .timerGeneration),
            warned: try c.decode(Bool.self, forKey: .warned),
            persistFailures: try c.decode(Int.self, forKey: .persistFailures),
            lostDevices: try c.decode(Set<DeviceRole>.self, forKey: .lostDevices),
            staffCall: try c.decodeIfPresent(StaffCall.self, forKey: .staffCall))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step)
        try c.encodeIfPresent(session, forKey: .session)
        try c.encodeIfPresent(handOffReason, forKey: .handOffReason)
        try c.encodeIfPresent(cancelReason, forKey: .cancelReason)
        try c.encode(timerGeneration, forKey: .timerGeneration)
        try c.encode(warned, forKey: .warned)
        try c.encode(persistFailures, forKey: .persistFailures)
        try c.encode(lostDevices, forKey: .lostDevices)
        try c.encodeIfPresent(staffCall, forKey: .staffCall)
    }

    /// Whether `session` was written since `old` (cheap: compares the boxes, not the sessions).
    func sessionWritten(since old: FlowState) -> Bool { sessionBox !== old.sessionBox }

    /// True when the state holds any personal data of a citizen.
    public var holdsPersonalData: Bool {
        guard let session else { return false }
        return session.identity != nil || session.form != nil || session.signatureSHA256 != nil
            || session.record.applicantName != nil || session.record.applicantIDNumber != nil
            || session.record.form != nil || session.record.signatureSHA256 != nil
    }
}

/// An immutable reference to a session, shared between copies of a `FlowState`.
private final class SessionBox: Sendable {
    let value: FlowSession
    init(_ value: FlowSession) { self.value = value }
}
