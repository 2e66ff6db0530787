import Foundation

/// One ended transaction as `history` lists it: names and ID numbers masked (`张*三`, `1101**********002X`), never
/// the form's address or phone.
public struct HistoryEntry: Sendable, Hashable, Codable {
    public var transactionID: String
    public var startedAt: Date
    public var endedAt: Date?
    /// `completed`, `handedOff` or `cancelled`.
    public var outcome: String?
    public var cardType: String?
    public var applicant: String?
    public var idNumber: String?
    public var licenceNumber: String?
    public var licencePrint: String?
    public var receiptPrint: String?
    public var queueTicket: String?
    public var rating: Int?

    public init(transactionID: String, startedAt: Date) {
        self.transactionID = transactionID
        self.startedAt = startedAt
    }
}

public struct HistoryReply: Sendable, Hashable, Codable {
    public var `class` = "history"
    public var ok = true
    public var entries: [HistoryEntry]
    /// The staff actions, inhibitions and releases of the same period, from the store's audit log.
    public var audit: [AuditReport]
    public init(entries: [HistoryEntry], audit: [AuditReport]) {
        self.entries = entries
        self.audit = audit
    }
}

public struct AuditReport: Sendable, Hashable, Codable {
    public var at: Date
    public var actor: String
    public var action: String
    public var detail: String
    public init(at: Date, actor: String, action: String, detail: String) {
        self.at = at
        self.actor = actor
        self.action = action
        self.detail = detail
    }
}

/// What waits for the central service.
public struct OutboxReply: Sendable, Hashable, Codable {
    public var `class` = "outbox"
    public var ok = true
    public var pending: Int
    public var acked: Int
    public var lastSeq: Int64
    /// Every entry up to this sequence number is acknowledged.
    public var ackedUpTo: Int64
    public var oldestPendingSince: Date?
    public var oldestPendingAgeSeconds: Int?
    /// The pusher's last successful push, its state and last error (absent when push is off).
    public var lastPush: Date?
    public var pushState: String?
    public var pushError: String?
    /// The last acknowledgement the centre sent through the pull API or a push.
    public var lastAck: Date?

    public init(pending: Int, acked: Int, lastSeq: Int64, ackedUpTo: Int64) {
        self.pending = pending
        self.acked = acked
        self.lastSeq = lastSeq
        self.ackedUpTo = ackedUpTo
    }
}
