extension TransactionStore {
    /// Where the central server stands: the highest acknowledged outbox seq (0 when none) and the last seq (0 when
    /// the outbox is empty). The pull API's ack answers with `acked`, and refuses to go past `last`.
    /// Acknowledgements cover prefixes (`ack(upTo:)`), so `acked` is the seq just below the first pending one; both
    /// halves are answered from the rowid and the pending index, never a scan of the acknowledged rows.
    public func outboxCursor() throws(StoreError) -> (acked: Int64, last: Int64) {
        try withDatabase("read the outbox cursor") { db in
            try db.firstRow(
                """
                WITH pending(first) AS (SELECT MIN(seq) FROM outbox WHERE acked_at_ms IS NULL)
                SELECT CASE WHEN pending.first IS NULL THEN COALESCE((SELECT MAX(seq) FROM outbox), 0)
                            ELSE COALESCE((SELECT MAX(seq) FROM outbox WHERE seq < pending.first), 0) END,
                       COALESCE((SELECT MAX(seq) FROM outbox), 0)
                FROM pending
                """
            ) { ($0.int64(0), $0.int64(1)) } ?? (0, 0)
        }
    }
}
