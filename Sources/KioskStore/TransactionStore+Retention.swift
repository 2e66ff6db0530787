import Foundation
import KioskCore
import KioskIO

extension TransactionStore {
    /// Purges the personal fields (`PersonalDataPurge`) of transactions whose outbox entry was acknowledged before
    /// `cutoff`, in the stored record and the outbox payload alike, at most `batchLimit` (1...1000) per call in one
    /// transaction; returns how many were purged (call again while it returns `batchLimit`). Unacknowledged
    /// transactions are never purged: the central server has not got them yet.
    @discardableResult
    public func purgePersonalData(ackedBefore cutoff: Date, batchLimit: Int = 500) throws(StoreError) -> Int {
        guard (1...OutboxPage.maximumLimit).contains(batchLimit) else {
            throw .invalidArgument("batchLimit must be 1–\(OutboxPage.maximumLimit), got \(batchLimit)")
        }
        return try writing("purge personal data acknowledged before \(cutoff)") { db in
            let due = try db.rows(
                """
                SELECT t.id, t.record_json FROM transactions t JOIN outbox o ON o.transaction_id = t.id
                WHERE o.acked_at_ms IS NOT NULL AND o.acked_at_ms < ? AND t.personal_purged_at_ms IS NULL
                ORDER BY o.seq LIMIT ?
                """,
                [.integer(cutoff.unixMilliseconds), .integer(Int64(batchLimit))]
            ) { ($0.string(0) ?? "", $0.string(1) ?? "") }
            let now = nowMilliseconds
            for (id, json) in due {
                let record = try RecordCoding.decode(
                    TransactionRecord.self, from: Data(json.utf8), what: "transaction \(id)")
                let text = String(decoding: try RecordCoding.encode(PersonalDataPurge.purged(record)), as: UTF8.self)
                try db.run(
                    "UPDATE transactions SET record_json = ?, personal_purged_at_ms = ? WHERE id = ?",
                    [.text(text), .integer(now), .text(id)])
                try db.run("UPDATE outbox SET payload = ? WHERE transaction_id = ?", [.text(text), .text(id)])
            }
            return due.count
        }
    }

    /// `purgePersonalData(ackedBefore:)` with the cutoff `retention` before the store's clock.
    @discardableResult
    public func purgePersonalData(retention: Duration, batchLimit: Int = 500) throws(StoreError) -> Int {
        let seconds = Double(retention.components.seconds) + Double(retention.components.attoseconds) / 1e18
        return try purgePersonalData(ackedBefore: options.clock().addingTimeInterval(-seconds), batchLimit: batchLimit)
    }
}
