import Foundation
import KioskIO

extension TransactionStore {
    /// Renders, with the store's `eventRenderer`, the stored event of every outbox entry that has none — those written
    /// before schema version 6, or written or purged by a store opened without a renderer — `batchLimit` (1...1000)
    /// entries per SQLite transaction; returns how many were rendered (0 without a renderer). The daemon calls it once
    /// at open, so the pull API and the pusher copy stored bytes for old entries too (docs/ARCHITECTURE.md §15).
    @discardableResult
    public func renderMissingEvents(batchLimit: Int = 500) throws(StoreError) -> Int {
        guard (1...OutboxPage.maximumLimit).contains(batchLimit) else {
            throw .invalidArgument("batchLimit must be 1–\(OutboxPage.maximumLimit), got \(batchLimit)")
        }
        guard let render = options.eventRenderer else { return 0 }
        var total = 0
        while true {
            let rendered = try writing("render the stored events of outbox entries without one") { db in
                let entries = try db.rows(
                    """
                    SELECT o.seq, o.transaction_id, o.payload, o.created_at_ms, o.acked_at_ms,
                        t.personal_purged_at_ms, t.signature_png
                    FROM outbox_unrendered u JOIN outbox o ON o.seq = u.seq
                    LEFT JOIN transactions t ON t.id = o.transaction_id
                    ORDER BY u.seq LIMIT ?
                    """, [.integer(Int64(batchLimit))]
                ) { row in
                    OutboxEntry(
                        seq: row.int64(0), transactionID: row.string(1) ?? "", payload: row.data(2) ?? Data(),
                        createdAt: Date(unixMilliseconds: row.int64(3)),
                        ackedAt: row.optionalInt64(4).map { Date(unixMilliseconds: $0) },
                        personalDataPurgedAt: row.optionalInt64(5).map { Date(unixMilliseconds: $0) },
                        signaturePNG: row.data(6))
                }
                for entry in entries { try Self.storeEvent(db, of: entry, rendering: render) }
                return entries.count
            }
            total += rendered
            if rendered < batchLimit { return total }
        }
    }

    /// Stores `entry`'s event rendered by `render` (replacing one stored before), or — without a renderer — drops any
    /// stored event and marks the entry for `renderMissingEvents`. Call inside the transaction that writes `entry`.
    static func storeEvent(_ db: SQLiteDatabase, of entry: OutboxEntry, rendering render: OutboxEventRenderer?) throws {
        if let render {
            try db.run(
                "INSERT OR REPLACE INTO outbox_events (seq, event) VALUES (?, ?)",
                [.integer(entry.seq), .blob(Data(render(entry)))])
            try db.run("DELETE FROM outbox_unrendered WHERE seq = ?", [.integer(entry.seq)])
        } else {
            try db.run("DELETE FROM outbox_events WHERE seq = ?", [.integer(entry.seq)])
            try db.run("INSERT OR IGNORE INTO outbox_unrendered (seq) VALUES (?)", [.integer(entry.seq)])
        }
    }
}
