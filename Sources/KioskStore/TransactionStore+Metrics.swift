import Foundation
import KioskIO

/// What `/metrics` reads from the store: grouped counts, answered from indexes (the licence journal is small).
public struct StoreMetricFigures: Sendable, Hashable {
    /// Ended transactions by outcome (`completed`, `handedOff`, `cancelled`); an outcome with none is absent.
    public var transactionsByOutcome: [String: Int]
    /// Licence print jobs by their journal outcome (`completed`, `failed`, `unknown`), and `pending` for those
    /// intended or submitted whose outcome is not recorded yet.
    public var licenceJobsByOutcome: [String: Int]
    public var pendingOutbox: Int
    /// When the oldest unacknowledged outbox entry was written; nil when none is pending.
    public var oldestPendingAt: Date?

    public init(
        transactionsByOutcome: [String: Int], licenceJobsByOutcome: [String: Int], pendingOutbox: Int,
        oldestPendingAt: Date?
    ) {
        self.transactionsByOutcome = transactionsByOutcome
        self.licenceJobsByOutcome = licenceJobsByOutcome
        self.pendingOutbox = pendingOutbox
        self.oldestPendingAt = oldestPendingAt
    }
}

extension TransactionStore {
    public func metricFigures() throws(StoreError) -> StoreMetricFigures {
        try withDatabase("read the store's metrics") { db in
            // Separate statements, so separate snapshots: a completion between them can show in one count and not
            // yet in another, which a scrape tolerates.
            var transactions: [String: Int] = [:]
            for (outcome, count) in try db.rows(
                "SELECT outcome, COUNT(*) FROM transactions GROUP BY outcome", [],
                { row in (row.string(0) ?? "", Int(row.int64(1))) })
            {
                transactions[outcome] = count
            }
            var jobs: [String: Int] = [:]
            for (outcome, count) in try db.rows(
                "SELECT COALESCE(outcome, 'pending'), COUNT(*) FROM licence_jobs GROUP BY 1", [],
                { row in (row.string(0) ?? "", Int(row.int64(1))) })
            {
                jobs[outcome] = count
            }
            let pending =
                try db.firstRow("SELECT COUNT(*) FROM outbox WHERE acked_at_ms IS NULL") { Int($0.int64(0)) } ?? 0
            let oldest = try db.firstRow(
                "SELECT created_at_ms FROM outbox WHERE acked_at_ms IS NULL ORDER BY seq LIMIT 1"
            ) { Date(unixMilliseconds: $0.int64(0)) }
            return StoreMetricFigures(
                transactionsByOutcome: transactions, licenceJobsByOutcome: jobs, pendingOutbox: pending,
                oldestPendingAt: oldest)
        }
    }
}
