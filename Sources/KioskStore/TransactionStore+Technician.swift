import Foundation
import KioskIO

/// What waits in the outbox, for `kioskctl outbox`.
public struct OutboxSummary: Sendable, Hashable {
    public var pending: Int
    public var acked: Int
    public var lastSeq: Int64
    /// Every entry with `seq` up to this is acknowledged (0: none is).
    public var ackedUpTo: Int64
    public var oldestPendingAt: Date?
    public var lastAckAt: Date?
}

extension TransactionStore {
    /// The outbox's figures in one read: counts, the oldest unacknowledged entry and the acknowledged prefix.
    public func outboxSummary() throws(StoreError) -> OutboxSummary {
        try withDatabase("read the outbox summary") { db in
            let row = try db.firstRow(
                """
                SELECT
                    (SELECT COUNT(*) FROM outbox WHERE acked_at_ms IS NULL),
                    (SELECT COUNT(*) FROM outbox WHERE acked_at_ms IS NOT NULL),
                    (SELECT COALESCE(MAX(seq), 0) FROM outbox),
                    (SELECT COALESCE(MIN(seq), 0) FROM outbox WHERE acked_at_ms IS NULL),
                    (SELECT COALESCE(MIN(created_at_ms), -1) FROM outbox WHERE acked_at_ms IS NULL),
                    (SELECT COALESCE(MAX(acked_at_ms), -1) FROM outbox)
                """
            ) { row in
                (row.int64(0), row.int64(1), row.int64(2), row.int64(3), row.int64(4), row.int64(5))
            }
            let (pending, acked, lastSeq, firstPending, oldest, lastAck) = row ?? (0, 0, 0, 0, -1, -1)
            return OutboxSummary(
                pending: Int(pending), acked: Int(acked), lastSeq: lastSeq,
                ackedUpTo: firstPending == 0 ? lastSeq : firstPending - 1,
                oldestPendingAt: oldest < 0 ? nil : Date(unixMilliseconds: oldest),
                lastAckAt: lastAck < 0 ? nil : Date(unixMilliseconds: lastAck))
        }
    }

    /// The newest audit entries, newest first, at or after `since` when given, at most `limit` (1...1000).
    public func recentAuditEntries(since: Date? = nil, limit: Int = 100) throws(StoreError) -> [AuditEntry] {
        guard (1...OutboxPage.maximumLimit).contains(limit) else {
            throw .invalidArgument("limit must be 1–\(OutboxPage.maximumLimit), got \(limit)")
        }
        return try withDatabase("read the audit log") { db in
            try db.rows(
                "SELECT id, at_ms, actor, action, detail FROM audit WHERE at_ms >= ? ORDER BY id DESC LIMIT ?",
                [.integer(since?.unixMilliseconds ?? Int64.min), .integer(Int64(limit))]
            ) { row in
                AuditEntry(
                    id: row.int64(0), at: Date(unixMilliseconds: row.int64(1)), actor: row.string(2) ?? "",
                    action: row.string(3) ?? "", detail: row.string(4) ?? "")
            }
        }
    }
}
