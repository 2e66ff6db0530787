import KioskIO

/// Why the store could not do what it was asked. Each case says what happened, to what, and what to do; none carries
/// personal data (transaction ids and job UUIDs are not personal).
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// SQLite refused `operation` (e.g. "complete transaction T-1"); nothing of that operation was written.
    case database(SQLiteError, operation: String)
    /// The file was written by a newer kioskd.
    case schemaTooNew(path: String, found: Int, supported: Int)
    /// `PRAGMA quick_check` found damage (or the schema rows are not a plausible history): the file must not be used.
    case corrupt(path: String, findings: [String])
    /// The file is an SQLite database, but not one of ours (tables without a `schema_version`).
    case notAKioskStore(path: String, tables: [String])
    /// A read-only store found a schema older than this code; it must be opened read-write once to migrate.
    case needsMigration(path: String, found: Int, supported: Int)
    /// The directory for the database could not be created.
    case cannotCreateDirectory(path: String, reason: String)
    /// The store was closed.
    case closed(path: String)
    /// A caller passed a value the store does not accept (too long, empty, out of range).
    case invalidArgument(String)
    /// The transaction is already recorded with a different outcome; the first write stands.
    case conflictingRecord(transactionID: String, stored: String, offered: String)
    /// A licence for this transaction was printed, or may have been: a new print needs a technician's authorisation.
    case licenceAlreadyPrinted(transactionID: String, jobUUID: String, state: String)
    /// No print-journal entry with this job UUID.
    case unknownLicenceJob(jobUUID: String)
    /// The job's outcome is final (`completed` or `failed`) and cannot change.
    case licenceJobOutcomeFinal(jobUUID: String, current: String, offered: String)
    /// A backup could not be written or did not verify; the store itself is unaffected and older backups are kept.
    case backupFailed(path: String, reason: String)
    /// A JSON column did not decode (a bug or a hand-edited file).
    case undecodable(what: String, detail: String)

    /// The health reason `kioskctl status` shows for the store, when the failure is about the store's file or disk.
    public var healthReason: String? {
        switch self {
        case .database(let error, _):
            switch error.kind {
            case .diskFull: "store-disk-full"
            case .readOnly: "store-read-only"
            case .corrupt: "store-corrupt"
            case .ioError: "store-io-error"
            case .cannotOpen: "store-cannot-open"
            case .busy: "store-busy"
            case .constraint, .other: nil
            }
        case .schemaTooNew: "store-schema-too-new"
        case .corrupt: "store-corrupt"
        case .notAKioskStore: "store-corrupt"
        case .needsMigration: "store-needs-migration"
        case .cannotCreateDirectory: "store-cannot-open"
        case .closed: "store-closed"
        case .backupFailed: "store-backup-failed"
        case .invalidArgument, .conflictingRecord, .licenceAlreadyPrinted, .unknownLicenceJob, .licenceJobOutcomeFinal,
            .undecodable:
            nil
        }
    }

    public var description: String {
        switch self {
        case .database(let error, let operation):
            "\(operation) failed, nothing was written: \(error). \(advice(for: error))"
        case .schemaTooNew(let path, let found, let supported):
            "the store \(path) has schema version \(found) but this kioskd knows versions up to \(supported): a newer "
                + "kioskd wrote it. Run that version again or restore a backup; do not open it with an older kioskd"
        case .corrupt(let path, let findings):
            "the store \(path) is damaged (quick_check: \(Self.flatten(findings))). "
                + Self.corruptAdvice
        case .notAKioskStore(let path, let tables):
            "\(path) is an SQLite database but not a kioskd store (tables \(tables.prefix(5).joined(separator: ", ")), "
                + "no schema_version); point the state directory at the right place or move the file aside"
        case .needsMigration(let path, let found, let supported):
            "the store \(path) has schema version \(found), this kioskd needs \(supported); open it read-write once "
                + "(start kioskd) so it migrates, then read it"
        case .cannotCreateDirectory(let path, let reason):
            "cannot create the store's directory \(path): \(reason); create it with owner kioskd and mode 0750"
        case .closed(let path):
            "the store \(path) is closed; open it again"
        case .invalidArgument(let what):
            what
        case .conflictingRecord(let id, let stored, let offered):
            "transaction \(id) is already recorded as \(stored); refusing to record it again as \(offered) (the first "
                + "record stands)"
        case .licenceAlreadyPrinted(let id, let job, let state):
            "the licence of transaction \(id) was already sent to the printer as job \(job) (\(state)); printing it "
                + "again needs a technician's reprint authorisation, as a new job"
        case .unknownLicenceJob(let job):
            "no licence print job \(job) in the journal; record its intent before submitting it"
        case .licenceJobOutcomeFinal(let job, let current, let offered):
            "licence print job \(job) already ended as \(current); refusing to change it to \(offered)"
        case .backupFailed(let path, let reason):
            "the backup \(path) was not written: \(reason); the store is unaffected and older backups were kept. Check "
                + "the free space and permissions of the backup directory"
        case .undecodable(let what, let detail):
            "\(what) in the store does not decode (\(detail)); the file may have been edited by hand"
        }
    }

    /// What to do with a damaged store; the steps are in docs/store-backup-and-restore.md.
    static let corruptAdvice =
        "Stop kioskd, move the file and its -wal/-shm files aside for analysis and restore the last backup "
        + "(stateDirectory/backups/kioskd-YYYYMMDD.db; see docs/store-backup-and-restore.md)."

    /// The first few findings on one line.
    private static func flatten(_ findings: [String]) -> String {
        findings.prefix(3).joined(separator: "; ").split(whereSeparator: \.isNewline).joined(separator: "; ")
    }

    private func advice(for error: SQLiteError) -> String {
        switch error.kind {
        case .diskFull:
            "The disk (or the store's size cap) is full: free space on the filesystem holding the state directory, then retry."
        case .readOnly:
            "The file or its filesystem is read-only: check the owner and mode of the store and its -wal/-shm files, and that the filesystem is mounted read-write."
        case .corrupt:
            "The file is damaged or not a database. " + Self.corruptAdvice
        case .ioError:
            "The disk failed a read, write or fsync: check the disk (dmesg, smartctl) before trusting it again."
        case .busy:
            "Another process holds the store's lock: make sure only one kioskd runs on this state directory."
        case .cannotOpen:
            "The file cannot be opened or created: check that the state directory exists and kioskd may write it."
        case .constraint, .other:
            "This is a bug in kioskd; report it with this message."
        }
    }
}
