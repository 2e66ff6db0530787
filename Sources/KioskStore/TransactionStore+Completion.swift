import Foundation
import KioskCore
import KioskIO

extension TransactionStore {
    /// Records an ended transaction — completed, handed off or cancelled — with its outbox entry, and clears the
    /// session checkpoint of `sessionID` (the transaction id by default) and the authority's stored decision, all in
    /// one SQLite transaction. Only after
    /// this returns may the citizen be told "done".
    ///
    /// Idempotent on the transaction id: a retry after a crash returns the first seq and writes nothing new (the first
    /// record stands). Recording the same id with a different outcome throws `conflictingRecord`.
    @discardableResult
    public func complete(_ record: TransactionRecord, sessionID: String? = nil) throws(StoreError) -> CompletionReceipt
    {
        try Self.checkID(record.id, "the transaction id")
        try Self.checkID(record.kioskID, "the kiosk id")
        guard let outcome = record.outcome else {
            throw .invalidArgument("transaction \(record.id) has no outcome; only ended transactions are recorded")
        }
        let json = try RecordCoding.encode(record)
        guard json.count <= Self.maximumRecordBytes else {
            throw .invalidArgument(
                "transaction \(record.id) encodes to \(json.count) bytes, above the limit of \(Self.maximumRecordBytes)"
            )
        }
        let text = String(decoding: json, as: UTF8.self)
        let (outcomeName, reason) = outcome.columns
        let session = sessionID ?? record.id
        return try writing("record transaction \(record.id) as \(outcomeName)") { db in
            let now = nowMilliseconds
            if let existing = try db.firstRow(
                "SELECT t.outcome, o.seq FROM transactions t JOIN outbox o ON o.transaction_id = t.id WHERE t.id = ?",
                [.text(record.id)], { ($0.string(0) ?? "", $0.int64(1)) })
            {
                guard existing.0 == outcomeName else {
                    throw StoreError.conflictingRecord(
                        transactionID: record.id, stored: existing.0, offered: outcomeName)
                }
                try db.run("DELETE FROM session_checkpoint WHERE session_id = ?", [.text(session)])
                _ = try Self.forgetAuthorityDecision(db, transactionID: record.id)
                return CompletionReceipt(seq: existing.1, wasAlreadyRecorded: true)
            }
            try db.run(
                """
                INSERT INTO transactions (id, kiosk_id, started_at_ms, ended_at_ms, outcome, outcome_reason,
                    credit_code, licence_job_id, queue_ticket, rating_grade, rating_reasons, follow_up_consent,
                    recorded_at_ms, record_json)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(record.id), .text(record.kioskID), .integer(record.startedAt.unixMilliseconds),
                    .optional(record.endedAt?.unixMilliseconds), .text(outcomeName), .optional(reason),
                    .optional(record.licence?.creditCode), .optional(record.licenceJobID.map(Int64.init)),
                    .optional(record.queueTicket), .optional(record.rating.map { Int64($0.grade.rawValue) }),
                    .optional(record.rating?.reasonsColumn),
                    .optional(record.rating.map { Int64($0.followUpConsent ? 1 : 0) }),
                    .integer(now), .text(text),
                ])
            try db.run(
                "INSERT INTO outbox (transaction_id, payload, created_at_ms) VALUES (?, ?, ?)",
                [.text(record.id), .text(text), .integer(now)])
            let seq = db.lastInsertRowID
            // The signature image the record's hash names moves from the session into the transaction's row, before
            // the checkpoint (and any other image with it) is deleted.
            var signaturePNG: Data?
            if let hash = record.signatureSHA256 {
                signaturePNG = try db.firstRow(
                    "SELECT signature_png FROM session_checkpoint WHERE session_id = ? AND signature_sha256 = ?",
                    [.text(session), .text(hash)]
                ) { $0.data(0) }.flatMap { $0 }
                if let signaturePNG {
                    try db.run(
                        "UPDATE transactions SET signature_png = ? WHERE id = ?",
                        [.blob(signaturePNG), .text(record.id)])
                }
            }
            // The event the centre will receive, rendered once here rather than on every pull (§15).
            let entry = OutboxEntry(
                seq: seq, transactionID: record.id, payload: json, createdAt: Date(unixMilliseconds: now),
                ackedAt: nil, signaturePNG: signaturePNG)
            try Self.storeEvent(db, of: entry, rendering: options.eventRenderer)
            try db.run("DELETE FROM session_checkpoint WHERE session_id = ?", [.text(session)])
            // The authority's decision was kept for repeat requests while the session lived; none can come now, and
            // it holds the applicant's name and address (the record keeps what the transaction needs).
            _ = try Self.forgetAuthorityDecision(db, transactionID: record.id)
            return CompletionReceipt(seq: seq, wasAlreadyRecorded: false)
        }
    }

    /// The recorded transaction with this id, or nil.
    public func transaction(id: String) throws(StoreError) -> TransactionRecord? {
        let json = try withDatabase("read transaction \(id)") { db in
            try db.firstRow("SELECT record_json FROM transactions WHERE id = ?", [.text(id)]) { $0.string(0) }
        }
        guard let json = json.flatMap({ $0 }) else { return nil }
        return try RecordCoding.decode(TransactionRecord.self, from: Data(json.utf8), what: "transaction \(id)")
    }

    /// The most recent ended transactions, newest first (for `kioskctl history`), at most `limit` (1...1000).
    public func recentTransactions(limit: Int = 20) throws(StoreError) -> [TransactionRecord] {
        guard (1...OutboxPage.maximumLimit).contains(limit) else {
            throw .invalidArgument("limit must be 1–\(OutboxPage.maximumLimit), got \(limit)")
        }
        let rows = try withDatabase("read recent transactions") { db in
            try db.rows(
                "SELECT id, record_json FROM transactions ORDER BY recorded_at_ms DESC, rowid DESC LIMIT ?",
                [.integer(Int64(limit))]
            ) { ($0.string(0) ?? "", $0.string(1) ?? "") }
        }
        var records: [TransactionRecord] = []
        for (id, json) in rows {
            records.append(
                try RecordCoding.decode(TransactionRecord.self, from: Data(json.utf8), what: "transaction \(id)"))
        }
        return records
    }
}

extension TransactionStore {
    /// The signature image kept with recorded transaction `id`, or nil (none was drawn, or retention purged it).
    public func transactionSignatureImage(id: String) throws(StoreError) -> SignatureImage? {
        let png = try withDatabase("read the signature image of transaction \(id)") { db in
            try db.firstRow("SELECT signature_png FROM transactions WHERE id = ?", [.text(id)]) { $0.data(0) }
        }
        return try Self.signatureImage(png.flatMap { $0 }, what: "transaction \(id)")
    }

    static func signatureImage(_ png: Data?, what: String) throws(StoreError) -> SignatureImage? {
        guard let png else { return nil }
        do {
            return try SignatureImage(png: Array(png))
        } catch {
            throw .undecodable(what: "the signature image of \(what)", detail: error.description)
        }
    }
}

extension ServiceRating {
    /// The `transactions.rating_reasons` column: reason codes, comma-separated; nil when there are none.
    var reasonsColumn: String? { reasons.isEmpty ? nil : reasons.map(\.rawValue).joined(separator: ",") }
}

extension TransactionOutcome {
    /// The `transactions.outcome` column and its reason.
    var columns: (String, String?) {
        switch self {
        case .completed: ("completed", nil)
        case .handedOff(let reason): ("handedOff", reason)
        case .cancelled(let reason): ("cancelled", reason)
        }
    }
}
