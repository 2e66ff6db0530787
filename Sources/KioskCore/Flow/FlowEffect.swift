import Foundation

/// What the touch UI is told. Payloads are masked or non-personal; the UI gets personal values it must show the
/// citizen through its own session API, never through these events.
public enum UIEvent: Sendable, Hashable, Codable {
    case stepChanged(FlowStepName)
    /// The card was read; what the citizen sees to confirm it is theirs (masked).
    case identitySummary(maskedName: String, maskedIDNumber: String, cardType: CardType)
    case cardReadFailed(reason: String, attemptsLeft: Int)
    /// The centre said the face is not the card holder's; the citizen may try again `attemptsLeft` times.
    case faceMismatch(attemptsLeft: Int)
    case identityRefused(reasons: [String], attemptsLeft: Int)
    case formRejected([FormIssue])
    case signatureRequired
    case declarationRequired
    case applicationRejected(reasons: [String], attemptsLeft: Int)
    case timeoutWarning(secondsLeft: Int)
    case deviceProblem(DeviceRole)
    case deviceRecovered(DeviceRole)
    /// Staff have been called to the terminal (by the citizen: reason `requested-by-citizen`).
    case staffCalled(reason: String)
    /// A staff member did something at the terminal (shown on screen; the staff call, if any, is answered).
    case staffActed(StaffAction)
    case receiptFailed
    case pleaseWait
    /// kioskd restarted mid-session: the citizen must place the same card again to go on.
    case presentCardAgain
    /// Shown only after the completed transaction is durable.
    case done(transactionID: String)
    case handedOff(reason: HandOffReason)
    case cancelled(reason: CancelReason)
}

/// What the data on a receipt may be: masked or public.
public struct ReceiptFacts: Sendable, Hashable, Codable {
    public var transactionID: String
    public var kioskID: String
    public var maskedApplicant: String
    public var enterpriseName: String
    public var creditCode: String
    /// What was printed, e.g. ["营业执照正本"].
    public var printed: [String]

    public init(
        transactionID: String, kioskID: String, maskedApplicant: String, enterpriseName: String,
        creditCode: String, printed: [String]
    ) {
        self.transactionID = transactionID
        self.kioskID = kioskID
        self.maskedApplicant = maskedApplicant
        self.enterpriseName = enterpriseName
        self.creditCode = creditCode
        self.printed = printed
    }
}

/// What the runtime must do, in order, after a transition.
public indirect enum FlowEffect: Sendable, Hashable, Codable {
    case startReadingCard
    case stopReadingCard
    /// Stream the camera (the face step began): the live preview and the capture read it.
    case startCamera
    /// Stop streaming and wipe every frame held (the face step ended).
    case stopCamera
    /// Take a frame, send it with the card holder's ID number and name to the central identity service, wipe it, and
    /// answer `.faceVerificationResult(attempt:)`.
    case verifyFace(transactionID: String, attempt: Int, identity: IdentityCard)
    /// Start the one flow timer (replacing any other); when it fires, send `.timerFired(generation:)`.
    case startTimer(generation: Int, after: Duration)
    case cancelTimers
    /// Save the state durably before the effects that follow (so a crash can resume it).
    case persistCheckpoint(FlowState)
    /// Ask the registration authority to approve the application (`signatureSHA256`: the signature it was signed
    /// with).
    case requestApproval(transactionID: String, identity: IdentityCard, form: ApplicationForm, signatureSHA256: String?)
    /// Print the licence as job `jobUUID`. The runtime journals the UUID before any byte is sent.
    /// `attempt` is 1, or 2+ for a reprint `authorisedBy` a staff member.
    case printLicence(
        transactionID: String, jobUUID: String, licence: BusinessLicence, attempt: Int, authorisedBy: String?)
    /// After a restart: find out how job `jobUUID` ended, never resubmitting it; answer `.licencePrintResult`.
    case superviseLicence(transactionID: String, jobUUID: String)
    case printReceipt(ReceiptFacts)
    /// Dispense a queue ticket for a staffed window (the runtime allocates the number).
    case dispenseTicket(category: String, reason: HandOffReason)
    /// Write the ended transaction (and its outbox entry, and clear the checkpoint) in one store transaction; answer
    /// `.transactionPersisted` or `.persistFailed`.
    case persistTransaction(TransactionRecord)
    /// Forget every personal value of the session (in the UI, drivers' buffers and the store's journal files). Comes
    /// after the ended record and the checkpoint's removal were committed.
    case wipePersonalData(transactionID: String)
    /// Record who did what (staff assists, reprints, print problems) in the audit log; `action` is a short code,
    /// `detail` the free text (a reason).
    case audit(actor: String, action: String, transactionID: String?, detail: String = "")
    case ui(UIEvent)
}
