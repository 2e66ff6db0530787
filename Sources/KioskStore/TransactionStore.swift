import Foundation
import KioskCore
import KioskIO

/// The durable store of a terminal (docs/ARCHITECTURE.md §6): ended transactions with their outbox entries, the
/// in-flight session's checkpoint, the licence print journal, audit rows and queue counters, in one SQLite file in WAL
/// mode with `synchronous=FULL`.
///
/// Every write is one `BEGIN IMMEDIATE` transaction: when a call returns, what it wrote is on disk; when it throws,
/// nothing of it was written. Calls are serialised by a lock and block for the length of a commit (one fsync), so
/// call them off latency-sensitive executors. Several instances (even in several processes) may share a file.
public final class TransactionStore: @unchecked Sendable {
    /// How the store opens its file.
    public struct Options: Sendable {
        /// Open without write access (e.g. `kioskctl history` next to a running daemon); every write then fails with
        /// `store-read-only`.
        public var readOnly: Bool
        /// How long a call waits for another connection's write lock before failing with `store-busy`.
        public var busyTimeout: Duration
        /// A cap on the file's size, so the store fails clearly (`store-disk-full`) before it fills the disk that
        /// also holds the logs. Nil: no cap but the disk.
        public var maximumDatabaseBytes: Int64?
        /// The clock for the store's own timestamps (saved-at, acked-at, journal times); tests pass a fixed one.
        public var clock: @Sendable () -> Date
        /// Run `PRAGMA quick_check` at open and refuse a damaged file with `store-corrupt` before anything reads or
        /// writes it. Costs a read of the whole file; a second connection next to an already checked one may skip it.
        public var checkIntegrityAtOpen: Bool
        /// Renders an outbox entry as the event the centre receives, stored with the entry when a transaction is
        /// recorded and again when retention purges it. The daemon passes the central link's encoder in (the store
        /// does not know the wire format); nil stores no event, and readers render such entries themselves.
        public var eventRenderer: OutboxEventRenderer?

        public init(
            readOnly: Bool = false, busyTimeout: Duration = .seconds(5), maximumDatabaseBytes: Int64? = nil,
            clock: @escaping @Sendable () -> Date = { Date() }, checkIntegrityAtOpen: Bool = true,
            eventRenderer: OutboxEventRenderer? = nil
        ) {
            self.eventRenderer = eventRenderer
            self.readOnly = readOnly
            self.busyTimeout = busyTimeout
            self.maximumDatabaseBytes = maximumDatabaseBytes
            self.clock = clock
            self.checkIntegrityAtOpen = checkIntegrityAtOpen
        }
    }

    /// The database file.
    public let path: String
    let options: Options
    private let lock = NSLock()
    private var database: SQLiteDatabase?
    /// The schema version found or reached at open.
    public let schemaVersion: Int

    /// Limits on what callers hand in (every input has a size limit).
    static let maximumIDLength = 64
    static let maximumCheckpointBytes = 256 * 1024
    static let maximumRecordBytes = 256 * 1024

    /// The store's file name inside the state directory (`/var/lib/kioskd`, or `--state-dir DIR` when simulating).
    public static let fileName = "kioskd.db"

    /// `directory/kioskd.db`.
    public static func path(inStateDirectory directory: String) -> String {
        (directory as NSString).appendingPathComponent(fileName)
    }

    /// Opens (creating the file with mode 0600 and its directory with 0750 when missing) and migrates the store.
    public static func open(path: String, options: Options = Options()) throws(StoreError) -> TransactionStore {
        try TransactionStore(path: path, options: options)
    }

    public init(path: String, options: Options = Options()) throws(StoreError) {
        self.path = path
        self.options = options
        if !options.readOnly { try Self.prepareFile(at: path) }
        let operation = "open the store"
        do {
            let db = try SQLiteDatabase(path: path, access: options.readOnly ? .readOnly : .readWrite)
            // SQLite opens an unwritable file read-only without a word; say so now, not at the first citizen's "done".
            if !options.readOnly { try db.requireWritable() }
            try db.setBusyTimeout(options.busyTimeout)
            // The first statement reads the header: a garbage file fails here with SQLITE_NOTADB.
            if options.readOnly { _ = try db.journalMode() } else { try db.setJournalModeWAL() }
            try db.setSynchronous(.full)
            try db.setForeignKeys(true)
            try db.setSecureDelete(true)
            // Before the schema is read: damaged pages can read as any "version" (garbage is not a newer kioskd).
            if options.checkIntegrityAtOpen {
                let findings = try db.quickCheck()
                if !findings.isEmpty { throw StoreError.corrupt(path: path, findings: findings) }
            }
            if let bytes = options.maximumDatabaseBytes {
                let pageSize = max(512, try db.pageSize())
                try db.setMaxPageCount(bytes / pageSize)
            }
            if options.readOnly {
                let found = try Migrations.currentVersion(of: db)
                if found > Schema.latestVersion {
                    throw StoreError.schemaTooNew(path: path, found: found, supported: Schema.latestVersion)
                }
                if found < Schema.latestVersion {
                    throw StoreError.needsMigration(path: path, found: found, supported: Schema.latestVersion)
                }
                schemaVersion = found
            } else {
                schemaVersion = try Migrations.migrate(db, now: options.clock())
            }
            database = db
        } catch let error as StoreError {
            throw error
        } catch let error as SQLiteError {
            throw .database(error, operation: operation)
        } catch {
            throw .invalidArgument("\(operation) \(path): \(error)")
        }
    }

    /// Closes the file; later calls fail with `store-closed`. Safe to call twice.
    public func close() {
        lock.withLock {
            database?.close()
            database = nil
        }
    }

    deinit { database?.close() }

    /// Creates the directory (0750) and an empty file (0600) so the personal data in it is never world-readable;
    /// SQLite gives its -wal and -shm files the same mode.
    private static func prepareFile(at path: String) throws(StoreError) {
        let directory = (path as NSString).deletingLastPathComponent
        let files = FileManager.default
        if !directory.isEmpty && !files.fileExists(atPath: directory) {
            do {
                try files.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            } catch {
                throw .cannotCreateDirectory(path: directory, reason: error.localizedDescription)
            }
        }
        if !files.fileExists(atPath: path) {
            _ = files.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
    }

    // MARK: - Running work on the connection

    /// Runs `body` on the connection under the lock, mapping SQLite failures to `StoreError.database` with `operation`.
    @discardableResult
    func withDatabase<T>(_ operation: @autoclosure () -> String, _ body: (SQLiteDatabase) throws -> T)
        throws(StoreError) -> T
    {
        lock.lock()
        defer { lock.unlock() }
        guard let db = database else { throw .closed(path: path) }
        do {
            return try body(db)
        } catch let error as StoreError {
            throw error
        } catch let error as SQLiteError {
            throw .database(error, operation: operation())
        } catch {
            throw .invalidArgument("\(operation()): \(error)")
        }
    }

    /// `withDatabase` inside one `BEGIN IMMEDIATE` transaction: all of `body` is written, or none of it.
    @discardableResult
    func writing<T>(_ operation: @autoclosure () -> String, _ body: (SQLiteDatabase) throws -> T) throws(StoreError)
        -> T
    {
        try withDatabase(operation()) { db in try db.transaction { try body(db) } }
    }

    var nowMilliseconds: Int64 { options.clock().unixMilliseconds }

    static func checkID(_ value: String, _ name: String) throws(StoreError) {
        guard !value.isEmpty, value.utf8.count <= maximumIDLength else {
            throw .invalidArgument("\(name) must have 1–\(maximumIDLength) bytes, got \(value.utf8.count)")
        }
    }

    // MARK: - Figures and checks

    /// The figures `kioskctl status` shows.
    public func figures() throws(StoreError) -> StoreFigures {
        try withDatabase("read the store's figures") { db in
            // One statement, so one snapshot; every count is answered from an index, never the wide JSON rows.
            let counts =
                try db.firstRow(
                    """
                    SELECT (SELECT COUNT(*) FROM transactions),
                        (SELECT COUNT(*) FROM transactions WHERE outcome = 'completed'),
                        (SELECT COUNT(*) FROM outbox WHERE acked_at_ms IS NULL),
                        (SELECT COUNT(*) FROM outbox WHERE acked_at_ms IS NOT NULL),
                        (SELECT COALESCE(MAX(seq), 0) FROM outbox),
                        (SELECT COUNT(*) FROM licence_jobs WHERE outcome IS NULL OR outcome = 'unknown')
                    """
                ) { row in (0..<6).map { row.int64($0) } } ?? Array(repeating: 0, count: 6)
            return StoreFigures(
                completedTransactions: Int(counts[1]), endedTransactions: Int(counts[0]),
                pendingOutbox: Int(counts[2]), ackedOutbox: Int(counts[3]), lastSeq: counts[4],
                unresolvedLicenceJobs: Int(counts[5]),
                databaseBytes: Self.fileSize(path), walBytes: Self.fileSize(path + "-wal"),
                journalMode: try db.journalMode(), schemaVersion: schemaVersion)
        }
    }

    /// `PRAGMA quick_check`: empty when the file is sound; otherwise SQLite's findings, for `store-corrupt`.
    public func quickCheck() throws(StoreError) -> [String] {
        try withDatabase("check the store's integrity") { db in try db.quickCheck() }
    }

    /// `PRAGMA quick_check` on a connection of its own (read-only, one snapshot), so a check of a large file does not
    /// hold the store's lock: writers go on meanwhile (WAL). Throws `corrupt` with SQLite's findings when the file is
    /// damaged, and `database` (often `store-corrupt` too) when the check itself cannot read it.
    public func verifyIntegrity() throws(StoreError) {
        let findings: [String]
        do {
            let db = try SQLiteDatabase(path: path, access: .readOnly)
            defer { db.close() }
            try db.setBusyTimeout(options.busyTimeout)
            findings = try db.quickCheck()
        } catch {
            throw .database(error, operation: "check the integrity of \(path)")
        }
        if !findings.isEmpty { throw .corrupt(path: path, findings: findings) }
    }

    private static func fileSize(_ path: String) -> Int64 {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber
        return size?.int64Value ?? 0
    }
}
