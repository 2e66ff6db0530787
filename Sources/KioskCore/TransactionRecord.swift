import Foundation

/// 好差评 — the citizen's rating of the service.
public enum ServiceRating: String, Sendable, Codable, CaseIterable {
    case good, average, bad
}

/// How a print ended, as the drivers report it.
public enum PrintOutcome: Sendable, Hashable, Codable {
    case completed
    case failed(reason: String)
    /// Bytes were sent but the result is not known (timeout, crash mid-job). Never reprinted automatically.
    case unknown(reason: String)
}

/// How a transaction ended.
public enum TransactionOutcome: Sendable, Hashable, Codable {
    /// The licence printed and the transaction is complete.
    case completed
    /// 办不成事 — sent to a staffed window with a reason (and usually a queue ticket).
    case handedOff(reason: String)
    /// Cancelled by the citizen, a timeout, or a refusal, with a reason code.
    case cancelled(reason: String)
}

/// One citizen's transaction as kept by the store and collected by the central server.
/// Holds the identity fields registration needs, never the photo; the signature only as a hash.
public struct TransactionRecord: Sendable, Hashable, Codable {
    public var id: String
    public var kioskID: String
    public var startedAt: Date
    public var identityVerifiedAt: Date?
    public var formSubmittedAt: Date?
    public var signedAt: Date?
    public var approvedAt: Date?
    public var licencePrintedAt: Date?
    public var endedAt: Date?
    public var outcome: TransactionOutcome?
    public var cardType: CardType?
    public var applicantName: PersonalText?
    public var applicantIDNumber: PersonalText?
    public var form: ApplicationForm?
    /// SHA-256 of the signature image, hex.
    public var signatureSHA256: String?
    public var licence: BusinessLicence?
    /// The CUPS job the licence went out as, and how it ended.
    public var licenceJobID: Int?
    public var licencePrint: PrintOutcome?
    public var receiptPrint: PrintOutcome?
    public var rating: ServiceRating?
    /// The queue number issued on hand-off, e.g. `A023`.
    public var queueTicket: String?

    public init(id: String, kioskID: String, startedAt: Date) {
        self.id = id
        self.kioskID = kioskID
        self.startedAt = startedAt
    }
}
