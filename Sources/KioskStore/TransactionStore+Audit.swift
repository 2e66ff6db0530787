import Foundation
import KioskIO

extension TransactionStore {
    static let maximumAuditFieldLength = 64
    static let maximumAuditDetailLength = 4096

    /// Records a technician or staff action (reprint authorised, printer re-enabled, inhibit, ...). Keep personal data
    /// out of `detail`: name the transaction by id. Returns the entry's id.
    @discardableResult
    public func audit(actor: String, action: String, detail: String, at time: Date) throws(StoreError) -> Int64 {
        try Self.checkAudit(actor: actor, action: action, detail: detail)
        return try writing("record audit action \(action)") { db in
            try Self.insertAudit(db, actor: actor, action: action, detail: detail, at: time.unixMilliseconds)
        }
    }

    /// Audit entries with `id > after`, oldest first, at most `limit` (1...1000).
    public func auditEntries(after id: Int64 = 0, limit: Int = 100) throws(StoreError) -> [AuditEntry] {
        guard (1...OutboxPage.maximumLimit).contains(limit) else {
            throw .invalidArgument("limit must be 1–\(OutboxPage.maximumLimit), got \(limit)")
        }
        return try withDatabase("read the audit log") { db in
            try db.rows(
                "SELECT id, at_ms, actor, action, detail FROM audit WHERE id > ? ORDER BY id LIMIT ?",
                [.integer(id), .integer(Int64(limit))]
            ) { row in
                AuditEntry(
                    id: row.int64(0), at: Date(unixMilliseconds: row.int64(1)), actor: row.string(2) ?? "",
                    action: row.string(3) ?? "", detail: row.string(4) ?? "")
            }
        }
    }

    static func checkAudit(actor: String, action: String, detail: String) throws(StoreError) {
        guard !actor.isEmpty, actor.count <= maximumAuditFieldLength, !action.isEmpty,
            action.count <= maximumAuditFieldLength, detail.count <= maximumAuditDetailLength
        else {
            throw .invalidArgument(
                "an audit entry needs an actor and an action of 1–\(maximumAuditFieldLength) characters and a detail of "
                    + "at most \(maximumAuditDetailLength)")
        }
    }

    /// Inserts one audit row inside the caller's transaction.
    static func insertAudit(_ db: SQLiteDatabase, actor: String, action: String, detail: String, at ms: Int64) throws
        -> Int64
    {
        try db.run(
            "INSERT INTO audit (at_ms, actor, action, detail) VALUES (?, ?, ?, ?)",
            [.integer(ms), .text(actor), .text(action), .text(detail)])
        return db.lastInsertRowID
    }
}
