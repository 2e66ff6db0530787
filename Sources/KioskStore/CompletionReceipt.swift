/// What `TransactionStore.complete(_:)` wrote: once it returns, the record and its outbox entry are on disk.
public struct CompletionReceipt: Sendable, Hashable {
    /// The outbox seq of the transaction.
    public let seq: Int64
    /// True when an earlier call (e.g. before a crash) had already recorded it; nothing new was written.
    public let wasAlreadyRecorded: Bool

    public init(seq: Int64, wasAlreadyRecorded: Bool) {
        self.seq = seq
        self.wasAlreadyRecorded = wasAlreadyRecorded
    }
}
