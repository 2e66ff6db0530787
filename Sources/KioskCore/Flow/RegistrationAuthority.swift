/// What the kiosk sends to be approved: the applicant, the form and the signature. Never the photo.
public struct ApprovalRequest: Sendable, Hashable {
    public var transactionID: String
    public var identity: IdentityCard
    public var form: ApplicationForm
    /// The date of the application (the licence's establishment and issue date).
    public var date: CivilDate
    /// SHA-256 (hex) of the signature the citizen signed with; the image itself never enters the flow.
    public var signatureSHA256: String?
    /// The signature image with that hash, when the runtime holds it (the touch screen's path); nil when only the
    /// hash was given.
    public var signatureImage: SignatureImage?

    public init(
        transactionID: String, identity: IdentityCard, form: ApplicationForm, date: CivilDate,
        signatureSHA256: String? = nil, signatureImage: SignatureImage? = nil
    ) {
        self.transactionID = transactionID
        self.identity = identity
        self.form = form
        self.date = date
        self.signatureSHA256 = signatureSHA256
        self.signatureImage = signatureImage
    }
}

/// Who approves an application: the central registration service in production, an embedded rules-based authority
/// in simulation. Implementations are idempotent on the transaction id (a resumed session asks again).
public protocol RegistrationAuthority: Sendable {
    func approve(_ request: ApprovalRequest) async -> ApprovalOutcome
}
