import Foundation
import KioskIO

extension TransactionStore {
    /// Entries with `seq > after`, oldest first, at most `limit` (1...`OutboxPage.maximumLimit`): the pull API's
    /// `GET /v1/transactions?after=SEQ&limit=N`.
    public func page(after seq: Int64, limit: Int) throws(StoreError) -> OutboxPage {
        guard (1...OutboxPage.maximumLimit).contains(limit) else {
            throw .invalidArgument("the page limit must be 1–\(OutboxPage.maximumLimit), got \(limit)")
        }
        guard seq >= 0 else { throw .invalidArgument("the cursor must not be negative, got \(seq)") }
        var entries = try withDatabase("read the outbox after \(seq)") { db in
            try db.rows(
                """
                SELECT o.seq, o.transaction_id, o.payload, o.created_at_ms, o.acked_at_ms, t.personal_purged_at_ms,
                    t.signature_png, e.event
                FROM outbox o LEFT JOIN transactions t ON t.id = o.transaction_id LEFT JOIN outbox_events e ON e.seq = o.seq
                WHERE o.seq > ? ORDER BY o.seq LIMIT ?
                """,
                [.integer(seq), .integer(Int64(limit + 1))]
            ) { row in
                OutboxEntry(
                    seq: row.int64(0), transactionID: row.string(1) ?? "", payload: row.data(2) ?? Data(),
                    createdAt: Date(unixMilliseconds: row.int64(3)),
                    ackedAt: row.optionalInt64(4).map { Date(unixMilliseconds: $0) },
                    personalDataPurgedAt: row.optionalInt64(5).map { Date(unixMilliseconds: $0) },
                    signaturePNG: row.data(6), event: row.data(7))
            }
        }
        var hasMore = entries.count > limit
        if hasMore { entries.removeLast() }
        // Signature images make entries large: a page ends once it holds `maximumPageBytes` (always one entry at
        // least), and the collector asks again for the rest.
        var bytes = 0
        if let cut = entries.firstIndex(where: { entry in
            bytes += entry.event?.count ?? (entry.payload.count + (entry.signaturePNG?.count ?? 0))
            return bytes > OutboxPage.maximumPageBytes
        }), max(cut, 1) < entries.count {
            entries.removeSubrange(max(cut, 1)...)
            hasMore = true
        }
        return OutboxPage(entries: entries, next: entries.last?.seq ?? seq, hasMore: hasMore)
    }

    /// Marks every entry up to and including `seq` as taken by the central server (`POST /v1/transactions/ack`);
    /// returns how many were newly acknowledged. Acknowledging past the last seq is refused: the collector can only
    /// have seen what exists.
    @discardableResult
    public func ack(upTo seq: Int64) throws(StoreError) -> Int {
        guard seq >= 0 else { throw .invalidArgument("ack upTo must not be negative, got \(seq)") }
        return try writing("acknowledge the outbox up to \(seq)") { db in
            let last = try db.firstRow("SELECT COALESCE(MAX(seq), 0) FROM outbox") { $0.int64(0) } ?? 0
            guard seq <= last else {
                throw StoreError.invalidArgument(
                    "ack upTo \(seq) is beyond the last outbox seq \(last); acknowledge only what was pulled")
            }
            return try db.run(
                "UPDATE outbox SET acked_at_ms = ? WHERE seq <= ? AND acked_at_ms IS NULL",
                [.integer(nowMilliseconds), .integer(seq)])
        }
    }

    /// (pending, acknowledged) outbox entries.
    public func outboxCounts() throws(StoreError) -> (pending: Int, acked: Int) {
        let figures = try figures()
        return (figures.pendingOutbox, figures.ackedOutbox)
    }
}
