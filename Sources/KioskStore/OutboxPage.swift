import Foundation
import KioskCore

/// One ended transaction waiting for (or already taken by) the central server, in `seq` order.
public struct OutboxEntry: Sendable, Hashable {
    /// Monotonic, never reused.
    public let seq: Int64
    public let transactionID: String
    /// The transaction record as JSON (dates in Unix milliseconds); personal fields are empty once purged.
    public let payload: Data
    public let createdAt: Date
    public let ackedAt: Date?
    /// When retention removed the personal fields from `payload`; nil while they are there.
    public let personalDataPurgedAt: Date?
    /// The signature PNG kept with the transaction (nil when none was drawn or retention purged it).
    public let signaturePNG: Data?
    /// The entry as the centre receives it, rendered by the store's `eventRenderer` when the transaction was recorded
    /// (or purged); nil for entries stored without one, which readers render from the fields above.
    public let event: Data?

    public init(
        seq: Int64, transactionID: String, payload: Data, createdAt: Date, ackedAt: Date?,
        personalDataPurgedAt: Date? = nil, signaturePNG: Data? = nil, event: Data? = nil
    ) {
        self.event = event
        self.signaturePNG = signaturePNG
        self.seq = seq
        self.transactionID = transactionID
        self.payload = payload
        self.createdAt = createdAt
        self.ackedAt = ackedAt
        self.personalDataPurgedAt = personalDataPurgedAt
    }

    /// The payload decoded.
    public func record() throws(StoreError) -> TransactionRecord {
        try RecordCoding.decode(TransactionRecord.self, from: payload, what: "outbox entry \(seq)")
    }
}

/// Renders an outbox entry as the bytes the central server receives for it (the central link's event encoder, passed
/// into the store so that the store does not depend on the wire format: docs/ARCHITECTURE.md §15). Pure: called inside
/// the SQLite transaction that writes the entry.
public typealias OutboxEventRenderer = @Sendable (OutboxEntry) -> [UInt8]

/// A page of the outbox for the pull API: entries after a cursor, and the cursor to ask with next.
public struct OutboxPage: Sendable, Hashable {
    /// The largest page the store hands out in one call.
    public static let maximumLimit = 1000
    /// Payload and signature-image bytes past which a page ends early (`hasMore`), whatever the limit.
    public static let maximumPageBytes = 16 << 20

    public let entries: [OutboxEntry]
    /// The seq to pass as `after` for the next page (the last seq here, or the same cursor when empty).
    public let next: Int64
    /// True when more entries follow `next`.
    public let hasMore: Bool

    public init(entries: [OutboxEntry], next: Int64, hasMore: Bool) {
        self.entries = entries
        self.next = next
        self.hasMore = hasMore
    }
}
