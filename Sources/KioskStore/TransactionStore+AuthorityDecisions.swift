import Foundation
import KioskCore
import KioskIO

/// The registration authority's approvals, one per transaction: stored before the licence is used, so a repeat
/// request for the same transaction (a resumed session, a restart, a stale checkpoint) gets the same licence and
/// credit code back instead of a second one.
///
/// Only approvals are kept. An approval is final for its transaction: the flow prints right after it and never edits
/// the form again. A rejection is not: the citizen may correct the form and ask again under the same transaction id,
/// and that request must be judged afresh, so storing it would wrongly refuse the corrected form.
///
/// The licence names the representative and the address: `purgeAuthorityDecisions(decidedBefore:)` drops rows once
/// retention says the personal data goes, and `forgetAuthorityDecision(transactionID:)` drops one with a wipe.
extension TransactionStore {
    /// The approval stored for `transactionID`, or nil when none was given.
    public func authorityApproval(transactionID: String) throws(StoreError) -> BusinessLicence? {
        try Self.checkID(transactionID, "the transaction id")
        let json = try withDatabase("read the authority's decision for transaction \(transactionID)") { db in
            try db.firstRow(
                "SELECT decision_json FROM authority_decisions WHERE transaction_id = ?", [.text(transactionID)]
            ) { $0.string(0) }
        }
        guard let json = json ?? nil else { return nil }
        return try RecordCoding.decode(
            BusinessLicence.self, from: Data(json.utf8),
            what: "the authority's decision for transaction \(transactionID)")
    }

    /// Stores `licence` as the approval of `transactionID`, unless one is stored already, and returns the approval
    /// that stands: the first one written wins, so two racing requests for one transaction still yield one licence.
    /// Refused when the credit code was already given to another transaction.
    @discardableResult
    public func recordAuthorityApproval(transactionID: String, licence: BusinessLicence) throws(StoreError)
        -> BusinessLicence
    {
        try Self.checkID(transactionID, "the transaction id")
        try Self.checkID(licence.creditCode, "the credit code")
        let json = try RecordCoding.encode(licence)
        guard json.count <= Self.maximumRecordBytes else {
            throw .invalidArgument(
                "the licence approved for transaction \(transactionID) has \(json.count) bytes, above the limit of "
                    + "\(Self.maximumRecordBytes)")
        }
        let stored = try writing("record the authority's approval of transaction \(transactionID)") { db in
            if let holder = try db.firstRow(
                "SELECT transaction_id FROM authority_decisions WHERE credit_code = ? AND transaction_id <> ?",
                [.text(licence.creditCode), .text(transactionID)], { $0.string(0) }) ?? nil
            {
                throw StoreError.invalidArgument(
                    "credit code \(licence.creditCode) was already issued to transaction \(holder); a code is issued "
                        + "once")
            }
            try db.run(
                """
                INSERT INTO authority_decisions (transaction_id, credit_code, decision_json, decided_at_ms)
                VALUES (?, ?, ?, ?) ON CONFLICT (transaction_id) DO NOTHING
                """,
                [
                    .text(transactionID), .text(licence.creditCode), .text(String(decoding: json, as: UTF8.self)),
                    .integer(nowMilliseconds),
                ])
            return try db.firstRow(
                "SELECT decision_json FROM authority_decisions WHERE transaction_id = ?", [.text(transactionID)]
            ) { $0.string(0) }
        }
        guard let text = stored ?? nil else {
            throw .invalidArgument("the approval of transaction \(transactionID) was not found after it was written")
        }
        return try RecordCoding.decode(
            BusinessLicence.self, from: Data(text.utf8),
            what: "the authority's decision for transaction \(transactionID)")
    }

    /// Deletes the approval of one transaction (a session that ends without its licence, when its personal data is
    /// wiped); returns whether there was one. Call it in the same SQLite transaction as the wipe where possible.
    @discardableResult
    public func forgetAuthorityDecision(transactionID: String) throws(StoreError) -> Bool {
        try Self.checkID(transactionID, "the transaction id")
        return try writing("forget the authority's decision for transaction \(transactionID)") { db in
            try Self.forgetAuthorityDecision(db, transactionID: transactionID)
        }
    }

    /// `forgetAuthorityDecision` on a connection already inside a write transaction.
    static func forgetAuthorityDecision(_ db: SQLiteDatabase, transactionID: String) throws -> Bool {
        try db.run("DELETE FROM authority_decisions WHERE transaction_id = ?", [.text(transactionID)]) > 0
    }

    /// Deletes the approvals decided before `date` (their licences hold personal data); returns how many went.
    @discardableResult
    public func purgeAuthorityDecisions(decidedBefore date: Date) throws(StoreError) -> Int {
        try writing("purge the authority's decisions") { db in
            try db.run(
                "DELETE FROM authority_decisions WHERE decided_at_ms < ?", [.integer(date.unixMilliseconds)])
        }
    }
}
