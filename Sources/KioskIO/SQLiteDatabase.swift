import CSQLite
import Foundation

/// One connection to an SQLite database file (`sqlite3*`): open with flags, run SQL, prepared statements with a
/// small cache, `BEGIN IMMEDIATE` transactions and the pragmas kioskd's store depends on.
///
/// Not thread-safe: one owner (e.g. the store, behind its lock) uses it at a time. Every failure is a `SQLiteError`
/// with the extended result code, so a full disk, a read-only file and a corrupt file can be told apart.
public final class SQLiteDatabase {
    /// How the file is opened (the `SQLITE_OPEN_*` flags of sqlite3_open_v2).
    public enum Access: Sendable {
        /// `SQLITE_OPEN_READONLY`: every write fails with `SQLITE_READONLY`.
        case readOnly
        /// `SQLITE_OPEN_READWRITE`: the file must exist.
        case readWrite
        /// `SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE`.
        case readWriteCreate
    }

    /// `PRAGMA synchronous` levels.
    public enum Synchronous: String, Sendable {
        case off = "OFF", normal = "NORMAL", full = "FULL", extra = "EXTRA"
    }

    public let path: String
    private(set) var handle: OpaquePointer?
    private var cache: [String: SQLiteStatement] = [:]
    /// Cached statements are few and fixed (the store's own SQL); this caps a caller that builds SQL dynamically.
    private static let cacheLimit = 64

    /// sqlite3_open_v2(3) with extended result codes on (sqlite3_extended_result_codes).
    public init(path: String, access: Access = .readWriteCreate) throws(SQLiteError) {
        self.path = path
        var flags = SQLITE_OPEN_FULLMUTEX
        switch access {
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        }
        var db: OpaquePointer?
        let result = sqlite3_open_v2(path, &db, flags, nil)
        guard result == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(result))
            let code = db.map { sqlite3_extended_errcode($0) } ?? result
            sqlite3_close_v2(db)
            throw SQLiteError(code: code, call: "sqlite3_open_v2", message: message, path: path)
        }
        sqlite3_extended_result_codes(db, 1)
        handle = db
    }

    deinit { close() }

    /// sqlite3_close_v2(3), after finalizing the cached statements. Later calls fail with `SQLITE_MISUSE`.
    public func close() {
        cache.removeAll()
        guard let db = handle else { return }
        handle = nil
        sqlite3_close_v2(db)
    }

    public var isOpen: Bool { handle != nil }

    /// sqlite3_exec(3): runs one or more statements without results.
    public func exec(_ sql: String) throws(SQLiteError) {
        let db = try open("sqlite3_exec")
        var message: UnsafeMutablePointer<CChar>?
        let result = sqlite3_exec(db, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard result == SQLITE_OK else {
            let flat = sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(db))
            throw SQLiteError(
                code: sqlite3_extended_errcode(db), call: "sqlite3_exec(\(flat.prefix(60)))", message: text, path: path)
        }
    }

    /// sqlite3_prepare_v2(3): a new statement the caller owns.
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        let db = try open("sqlite3_prepare_v2")
        var statement: OpaquePointer?
        let result = sqlite3_prepare_v2(db, sql, -1, &statement, nil)
        guard result == SQLITE_OK, let statement else {
            throw error("sqlite3_prepare_v2(\(sql.prefix(60)))", code: result)
        }
        return SQLiteStatement(handle: statement, sql: sql, path: path)
    }

    /// The cached statement for `sql`, bound to `values` and ready to step.
    public func statement(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) -> SQLiteStatement {
        let statement: SQLiteStatement
        if let cached = cache[sql] {
            statement = cached
        } else {
            statement = try prepare(sql)
            if cache.count >= Self.cacheLimit { cache.removeAll() }
            cache[sql] = statement
        }
        try statement.bind(values)
        return statement
    }

    /// Runs a statement that returns no rows; the number of rows it changed (sqlite3_changes64).
    @discardableResult
    public func run(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) -> Int {
        let statement = try statement(sql, values)
        defer { statement.reset() }
        while try statement.step() {}
        return changes
    }

    /// Runs a query and maps every row.
    public func rows<T>(_ sql: String, _ values: [SQLiteValue] = [], _ map: (SQLiteRow) -> T) throws(SQLiteError) -> [T]
    {
        let statement = try statement(sql, values)
        defer { statement.reset() }
        var result: [T] = []
        while try statement.step() { result.append(map(statement.row)) }
        return result
    }

    /// Runs a query and maps its first row, or nil when it has none.
    public func firstRow<T>(_ sql: String, _ values: [SQLiteValue] = [], _ map: (SQLiteRow) -> T) throws(SQLiteError)
        -> T?
    {
        let statement = try statement(sql, values)
        defer { statement.reset() }
        return try statement.step() ? map(statement.row) : nil
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, taking the write lock up front so the transaction cannot fail
    /// half-way with `SQLITE_BUSY`. Any error thrown by `body` or by `COMMIT` rolls everything back and is rethrown.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try exec("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try exec("COMMIT")
            return value
        } catch {
            rollbackIfActive()
            throw error
        }
    }

    /// `ROLLBACK` when a transaction is still open (SQLite rolls back by itself after some errors, e.g. `SQLITE_FULL`).
    public func rollbackIfActive() {
        guard let db = handle, sqlite3_get_autocommit(db) == 0 else { return }
        for statement in cache.values { statement.reset() }
        sqlite3_exec(db, "ROLLBACK", nil, nil, nil)
    }

    /// True while a transaction is open (sqlite3_get_autocommit(3) is 0).
    public var isInTransaction: Bool { handle.map { sqlite3_get_autocommit($0) == 0 } ?? false }

    /// sqlite3_db_readonly(3) for the main database: true when opened read-only, or opened read-write on a file SQLite
    /// could only open for reading (it falls back silently).
    public var isReadOnly: Bool { handle.map { sqlite3_db_readonly($0, "main") == 1 } ?? true }

    /// Throws `SQLITE_READONLY` when the connection cannot write (see `isReadOnly`), so a caller that needs to write
    /// finds out at open rather than at its first write.
    public func requireWritable() throws(SQLiteError) {
        guard isReadOnly else { return }
        throw SQLiteError(
            code: SQLITE_READONLY, call: "sqlite3_db_readonly",
            message: "the file is not writable by this process, so SQLite opened it read-only", path: path)
    }

    /// sqlite3_changes64(3): rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { handle.map { Int(sqlite3_changes64($0)) } ?? 0 }

    /// sqlite3_last_insert_rowid(3).
    public var lastInsertRowID: Int64 { handle.map { sqlite3_last_insert_rowid($0) } ?? 0 }

    // MARK: - Pragmas

    /// sqlite3_busy_timeout(3): how long a statement waits for another connection's lock before `SQLITE_BUSY`.
    public func setBusyTimeout(_ timeout: Duration) throws(SQLiteError) {
        let db = try open("sqlite3_busy_timeout")
        let ms = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        let result = sqlite3_busy_timeout(db, Int32(clamping: ms))
        guard result == SQLITE_OK else { throw error("sqlite3_busy_timeout", code: result) }
    }

    /// `PRAGMA journal_mode=WAL`; returns the mode now in force (`wal`, or the old mode when SQLite refused, e.g. on a
    /// read-only connection).
    @discardableResult
    public func setJournalModeWAL() throws(SQLiteError) -> String {
        try firstRow("PRAGMA journal_mode=WAL") { $0.string(0) }.flatMap { $0 }?.lowercased() ?? "unknown"
    }

    /// `PRAGMA journal_mode`: the mode in force, lower case.
    public func journalMode() throws(SQLiteError) -> String {
        try firstRow("PRAGMA journal_mode") { $0.string(0) }.flatMap { $0 }?.lowercased() ?? "unknown"
    }

    /// `PRAGMA synchronous=…`.
    public func setSynchronous(_ level: Synchronous) throws(SQLiteError) {
        try exec("PRAGMA synchronous=\(level.rawValue)")
    }

    /// `PRAGMA synchronous` as a number: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
    public func synchronousLevel() throws(SQLiteError) -> Int64 {
        try firstRow("PRAGMA synchronous") { $0.int64(0) } ?? -1
    }

    /// `PRAGMA foreign_keys=ON|OFF` (a no-op inside a transaction, so call it right after opening).
    public func setForeignKeys(_ on: Bool) throws(SQLiteError) {
        try exec("PRAGMA foreign_keys=\(on ? "ON" : "OFF")")
    }

    /// `PRAGMA secure_delete=ON|OFF`: deleted content is overwritten with zeros, so wiped personal data does not
    /// linger in free pages.
    public func setSecureDelete(_ on: Bool) throws(SQLiteError) {
        try exec("PRAGMA secure_delete=\(on ? "ON" : "OFF")")
    }

    /// `PRAGMA max_page_count=N`: caps the file's size; a write that needs more pages fails with `SQLITE_FULL`. Returns
    /// the cap in force (SQLite never sets it below the current page count).
    @discardableResult
    public func setMaxPageCount(_ pages: Int64) throws(SQLiteError) -> Int64 {
        try firstRow("PRAGMA max_page_count=\(max(1, pages))") { $0.int64(0) } ?? 0
    }

    /// `PRAGMA page_count` (pages in the main file, as the WAL sees it).
    public func pageCount() throws(SQLiteError) -> Int64 { try firstRow("PRAGMA page_count") { $0.int64(0) } ?? 0 }

    /// `PRAGMA page_size` in bytes.
    public func pageSize() throws(SQLiteError) -> Int64 { try firstRow("PRAGMA page_size") { $0.int64(0) } ?? 0 }

    /// `PRAGMA quick_check`: an empty array when the file is sound, else SQLite's findings (at most `limit`).
    public func quickCheck(limit: Int = 20) throws(SQLiteError) -> [String] {
        let lines = try rows("PRAGMA quick_check(\(max(1, limit)))") { $0.string(0) ?? "" }
        return lines == ["ok"] ? [] : lines
    }

    /// sqlite3_wal_checkpoint_v2(3) in `SQLITE_CHECKPOINT_TRUNCATE` mode: copies every WAL frame into the main file
    /// and truncates the -wal file to zero bytes, so no older version of a page (a wiped checkpoint's personal data)
    /// survives in it. False when another connection's reader or writer kept it from finishing (`SQLITE_BUSY`).
    public func checkpointAndTruncateWAL() throws(SQLiteError) -> Bool {
        let db = try open("sqlite3_wal_checkpoint_v2")
        var frames: Int32 = 0
        var copied: Int32 = 0
        let result = sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_TRUNCATE, &frames, &copied)
        if result == SQLITE_BUSY || result == SQLITE_LOCKED { return false }
        guard result == SQLITE_OK else { throw error("sqlite3_wal_checkpoint_v2(TRUNCATE)", code: result) }
        return true
    }

    // MARK: - Internals

    private func open(_ call: String) throws(SQLiteError) -> OpaquePointer {
        guard let handle else {
            throw SQLiteError(code: SQLITE_MISUSE, call: call, message: "the database connection is closed", path: path)
        }
        return handle
    }

    /// A `SQLiteError` for `call` from the connection's current error state.
    func error(_ call: String, code: Int32) -> SQLiteError {
        SQLiteError(connection: handle, call: call, code: code, path: path)
    }
}
