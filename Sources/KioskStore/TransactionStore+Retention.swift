import Foundation
import KioskCore
import KioskIO

/// The instant a transaction's retention period is counted from.
public enum RetentionAnchor: String, Sendable, CaseIterable {
    /// When the transaction ended (completed, handed off or cancelled), whether or not the central server has
    /// collected it yet. What kioskd uses until the link to the central server acknowledges transactions.
    case ended
    /// When the central server acknowledged the transaction's outbox entry; unacknowledged ones are never purged.
    case acknowledged
}

extension TransactionStore {
    /// Purges the personal fields (`PersonalDataPurge`) of transactions whose `anchor` instant lies before `cutoff`, in
    /// the stored record and the outbox payload alike, at most `batchLimit` (1...1000) per call in one transaction,
    /// with an audit row (actor `kioskd`, action `retention-purge`) naming the count; returns how many were purged
    /// (call again while it returns `batchLimit`). The rest of each record stays.
    @discardableResult
    public func purgePersonalData(anchor: RetentionAnchor, before cutoff: Date, batchLimit: Int = 500)
        throws(StoreError) -> Int
    {
        guard (1...OutboxPage.maximumLimit).contains(batchLimit) else {
            throw .invalidArgument("batchLimit must be 1–\(OutboxPage.maximumLimit), got \(batchLimit)")
        }
        let query =
            switch anchor {
            case .ended:
                """
                SELECT t.id, t.record_json, o.seq, o.created_at_ms, o.acked_at_ms FROM transactions t
                LEFT JOIN outbox o ON o.transaction_id = t.id
                WHERE COALESCE(t.ended_at_ms, t.recorded_at_ms) < ? AND t.personal_purged_at_ms IS NULL
                ORDER BY COALESCE(t.ended_at_ms, t.recorded_at_ms), t.id LIMIT ?
                """
            case .acknowledged:
                """
                SELECT t.id, t.record_json, o.seq, o.created_at_ms, o.acked_at_ms FROM transactions t JOIN outbox o ON o.transaction_id = t.id
                WHERE o.acked_at_ms IS NOT NULL AND o.acked_at_ms < ? AND t.personal_purged_at_ms IS NULL
                ORDER BY o.seq LIMIT ?
                """
            }
        let cutoffMS = cutoff.unixMilliseconds
        return try writing("purge personal data of transactions \(anchor.rawValue) before \(cutoff)") { db in
            let due = try db.rows(query, [.integer(cutoffMS), .integer(Int64(batchLimit))]) { row in
                DueRow(
                    id: row.string(0) ?? "", json: row.string(1) ?? "", seq: row.optionalInt64(2),
                    createdAtMS: row.int64(3), ackedAtMS: row.optionalInt64(4))
            }
            guard !due.isEmpty else { return 0 }
            let now = nowMilliseconds
            for row in due {
                let record = try RecordCoding.decode(
                    TransactionRecord.self, from: Data(row.json.utf8), what: "transaction \(row.id)")
                let json = try RecordCoding.encode(PersonalDataPurge.purged(record))
                let text = String(decoding: json, as: UTF8.self)
                try db.run(
                    """
                    UPDATE transactions SET record_json = ?, personal_purged_at_ms = ?, signature_png = NULL
                    WHERE id = ?
                    """,
                    [.text(text), .integer(now), .text(row.id)])
                try db.run("UPDATE outbox SET payload = ? WHERE transaction_id = ?", [.text(text), .text(row.id)])
                // The stored event carried the same personal data: it is rendered again from the purged record (or
                // dropped, without a renderer, for readers to render), in this same transaction (§15).
                if let seq = row.seq {
                    let entry = OutboxEntry(
                        seq: seq, transactionID: row.id, payload: json,
                        createdAt: Date(unixMilliseconds: row.createdAtMS),
                        ackedAt: row.ackedAtMS.map { Date(unixMilliseconds: $0) },
                        personalDataPurgedAt: Date(unixMilliseconds: now))
                    try Self.storeEvent(db, of: entry, rendering: options.eventRenderer)
                }
            }
            _ = try Self.insertAudit(
                db, actor: "kioskd", action: "retention-purge",
                detail: "purged the personal data of \(due.count) transaction(s) \(anchor.rawValue) before "
                    + ISO8601DateFormatter().string(from: cutoff),
                at: now)
            return due.count
        }
    }

    /// A transaction due for the purge, with its outbox entry's fields (for re-rendering its event).
    private struct DueRow {
        let id: String
        let json: String
        let seq: Int64?
        let createdAtMS: Int64
        let ackedAtMS: Int64?
    }

    /// `purgePersonalData(anchor: .acknowledged, before:)`.
    @discardableResult
    public func purgePersonalData(ackedBefore cutoff: Date, batchLimit: Int = 500) throws(StoreError) -> Int {
        try purgePersonalData(anchor: .acknowledged, before: cutoff, batchLimit: batchLimit)
    }

    /// Purges every transaction whose `anchor` instant is more than `retention` before the store's clock, batch by
    /// batch (each its own transaction with its audit row); returns the total.
    @discardableResult
    public func purgePersonalData(olderThan retention: Duration, from anchor: RetentionAnchor, batchLimit: Int = 500)
        throws(StoreError) -> Int
    {
        let cutoff = options.clock().addingTimeInterval(-Self.seconds(retention))
        var total = 0
        while true {
            let purged = try purgePersonalData(anchor: anchor, before: cutoff, batchLimit: batchLimit)
            total += purged
            if purged < batchLimit { return total }
        }
    }

    /// `purgePersonalData(ackedBefore:)` with the cutoff `retention` before the store's clock (one batch).
    @discardableResult
    public func purgePersonalData(retention: Duration, batchLimit: Int = 500) throws(StoreError) -> Int {
        try purgePersonalData(
            ackedBefore: options.clock().addingTimeInterval(-Self.seconds(retention)), batchLimit: batchLimit)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
