/// What `kioskctl status` shows about the store.
public struct StoreFigures: Sendable, Hashable, Codable {
    /// Transactions that ended with the licence printed (`outcome = completed`).
    public var completedTransactions: Int
    /// All ended transactions: completed, handed off and cancelled.
    public var endedTransactions: Int
    /// Outbox entries the central server has not acknowledged.
    public var pendingOutbox: Int
    public var ackedOutbox: Int
    /// The newest outbox seq (0 when empty).
    public var lastSeq: Int64
    /// Licence print jobs whose outcome is not known (nil or `unknown`).
    public var unresolvedLicenceJobs: Int
    /// The main file and its WAL, in bytes.
    public var databaseBytes: Int64
    public var walBytes: Int64
    /// `wal` in normal operation.
    public var journalMode: String
    public var schemaVersion: Int
}
