import Foundation
import KioskCore
import KioskIO

/// The licence print journal: never print a licence twice (docs/ARCHITECTURE.md §6.5). The intent is durable before any
/// byte goes to the printer; a job whose outcome is not known is never reprinted without a technician.
extension TransactionStore {
    /// Records the intent to print the licence of `transactionID` as job `jobUUID` (the CUPS job name), before
    /// submission. Refused with `licenceAlreadyPrinted` while another job of the transaction completed, is in flight
    /// or ended `unknown` — unless a technician authorised the reprint (`reprintAuthorisedBy`), which is audited in
    /// the same transaction. A job that `failed` needs no authorisation.
    ///
    /// A job UUID names one send. A second intent for a UUID already in the journal is refused with
    /// `licenceAlreadyPrinted` whatever the job's state (intended, submitted, completed, unknown, even failed) and
    /// whoever authorises it: a caller repeating an intent works from stale state (a checkpoint older than the
    /// journal), and only the journal knows whether paper came out. A retry or a reprint is a new job UUID.
    public func recordLicenceJobIntent(
        transactionID: String, jobUUID: String, reprintAuthorisedBy technician: String? = nil
    ) throws(StoreError) {
        try Self.checkID(transactionID, "the transaction id")
        try Self.checkID(jobUUID, "the job UUID")
        if let technician {
            try Self.checkAudit(actor: technician, action: "licence-reprint", detail: "")
        }
        try writing("record the intent to print licence job \(jobUUID)") { db in
            let now = nowMilliseconds
            if let existing = try Self.jobs(db, where: "job_uuid = ?", [.text(jobUUID)]).first {
                guard existing.transactionID == transactionID else {
                    throw StoreError.invalidArgument(
                        "licence job \(jobUUID) already belongs to another transaction; use a new UUID per job")
                }
                throw StoreError.licenceAlreadyPrinted(
                    transactionID: transactionID, jobUUID: jobUUID, state: Self.describe(existing))
            }
            let blocking = try Self.jobs(db, where: "transaction_id = ?", [.text(transactionID)]).filter { job in
                if case .failed = job.outcome { return false }
                return true
            }
            if let earlier = blocking.last {
                guard let technician else {
                    throw StoreError.licenceAlreadyPrinted(
                        transactionID: transactionID, jobUUID: earlier.jobUUID, state: Self.describe(earlier))
                }
                _ = try Self.insertAudit(
                    db, actor: technician, action: "licence-reprint",
                    detail:
                        "transaction \(transactionID): job \(jobUUID) reprints job \(earlier.jobUUID) (\(Self.describe(earlier)))",
                    at: now)
            }
            try db.run(
                """
                INSERT INTO licence_jobs (job_uuid, transaction_id, intended_at_ms, reprint_authorised_by)
                VALUES (?, ?, ?, ?)
                """,
                [.text(jobUUID), .text(transactionID), .integer(now), blocking.isEmpty ? .null : .optional(technician)])
        }
    }

    /// Records that CUPS accepted job `jobUUID` as `cupsJobID`. Repeating it with the same id is a no-op.
    public func recordLicenceJobSubmitted(jobUUID: String, cupsJobID: Int) throws(StoreError) {
        guard cupsJobID > 0 else { throw .invalidArgument("a CUPS job id is positive, got \(cupsJobID)") }
        try writing("record the submission of licence job \(jobUUID)") { db in
            guard let job = try Self.jobs(db, where: "job_uuid = ?", [.text(jobUUID)]).first else {
                throw StoreError.unknownLicenceJob(jobUUID: jobUUID)
            }
            if job.cupsJobID == cupsJobID { return }
            guard job.cupsJobID == nil else {
                throw StoreError.invalidArgument(
                    "licence job \(jobUUID) was already submitted as CUPS job \(job.cupsJobID ?? 0), not \(cupsJobID)")
            }
            try db.run(
                "UPDATE licence_jobs SET cups_job_id = ?, submitted_at_ms = ? WHERE job_uuid = ?",
                [.integer(Int64(cupsJobID)), .integer(nowMilliseconds), .text(jobUUID)])
        }
    }

    /// Records how job `jobUUID` ended. `completed` and `failed` are final; `unknown` may later be resolved to either
    /// (a technician looked at the tray). Repeating the same outcome is a no-op.
    public func recordLicenceJobOutcome(jobUUID: String, outcome: PrintOutcome) throws(StoreError) {
        let (name, reason) = outcome.columns
        try writing("record the outcome of licence job \(jobUUID)") { db in
            guard let job = try Self.jobs(db, where: "job_uuid = ?", [.text(jobUUID)]).first else {
                throw StoreError.unknownLicenceJob(jobUUID: jobUUID)
            }
            if job.outcome == outcome { return }
            if let current = job.outcome, !job.isUnresolved {
                throw StoreError.licenceJobOutcomeFinal(jobUUID: jobUUID, current: current.columns.0, offered: name)
            }
            try db.run(
                "UPDATE licence_jobs SET outcome = ?, outcome_reason = ?, outcome_at_ms = ? WHERE job_uuid = ?",
                [.text(name), .optional(reason), .integer(nowMilliseconds), .text(jobUUID)])
        }
    }

    /// Jobs whose outcome is not known — intended, submitted or `unknown` — oldest first: what the licence printer's
    /// supervision looks at after a restart.
    public func unresolvedLicenceJobs() throws(StoreError) -> [LicenceJob] {
        try withDatabase("read unresolved licence jobs") { db in
            try Self.jobs(db, where: "outcome IS NULL OR outcome = 'unknown'", [])
        }
    }

    /// Every job of a transaction, oldest first.
    public func licenceJobs(transactionID: String) throws(StoreError) -> [LicenceJob] {
        try withDatabase("read the licence jobs of transaction \(transactionID)") { db in
            try Self.jobs(db, where: "transaction_id = ?", [.text(transactionID)])
        }
    }

    private static func jobs(_ db: SQLiteDatabase, where condition: String, _ values: [SQLiteValue]) throws
        -> [LicenceJob]
    {
        try db.rows(
            """
            SELECT job_uuid, transaction_id, intended_at_ms, cups_job_id, submitted_at_ms, outcome, outcome_reason,
                outcome_at_ms, reprint_authorised_by
            FROM licence_jobs WHERE \(condition) ORDER BY intended_at_ms, rowid
            """, values
        ) { row in
            LicenceJob(
                jobUUID: row.string(0) ?? "", transactionID: row.string(1) ?? "",
                intendedAt: Date(unixMilliseconds: row.int64(2)), cupsJobID: row.optionalInt64(3).map { Int($0) },
                submittedAt: row.optionalInt64(4).map { Date(unixMilliseconds: $0) },
                outcome: PrintOutcome(column: row.string(5), reason: row.string(6)),
                outcomeAt: row.optionalInt64(7).map { Date(unixMilliseconds: $0) },
                reprintAuthorisedBy: row.string(8))
        }
    }

    private static func describe(_ job: LicenceJob) -> String {
        switch job.stage {
        case .intended: "intended, not known to be submitted"
        case .submitted: "submitted as CUPS job \(job.cupsJobID ?? 0), outcome not known yet"
        case .ended(let outcome): "ended \(outcome.columns.0)"
        }
    }
}
