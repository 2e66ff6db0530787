import CSQLite

/// A failed SQLite call: the extended result code, which call on which database, and SQLite's own message.
///
/// `kind` sorts the code into the few cases a caller acts on differently (docs/ARCHITECTURE.md §6.8: a full disk, a
/// read-only file and a corrupt file each surface as their own health reason).
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What the caller can do about a failure.
    public enum Kind: String, Sendable, Equatable {
        /// `SQLITE_FULL`: the disk (or the configured `max_page_count`) is full.
        case diskFull
        /// `SQLITE_READONLY*`: the file, its directory or the connection cannot be written.
        case readOnly
        /// `SQLITE_CORRUPT*` or `SQLITE_NOTADB`: the file is damaged or not a database.
        case corrupt
        /// `SQLITE_BUSY*` or `SQLITE_LOCKED*`: another connection held the lock past the busy timeout.
        case busy
        /// `SQLITE_IOERR*`: the OS failed a read, write or fsync.
        case ioError
        /// `SQLITE_CANTOPEN*`: the file or its directory cannot be opened or created.
        case cannotOpen
        /// `SQLITE_CONSTRAINT*`: a UNIQUE, CHECK, NOT NULL, foreign-key constraint or a trigger refused the change.
        case constraint
        /// `SQLITE_MISUSE`, `SQLITE_RANGE`, `SQLITE_ERROR` (SQL error) and anything else: a bug on our side.
        case other
    }

    /// The extended result code (`sqlite3_extended_errcode`), e.g. 13 (`SQLITE_FULL`) or 1032 (`SQLITE_READONLY_DBMOVED`).
    public let code: Int32
    /// The call and what it was doing, e.g. `sqlite3_step(INSERT INTO outbox …)`.
    public let call: String
    /// `sqlite3_errmsg` at the time of the failure.
    public let message: String
    /// The database file, for messages.
    public let path: String

    public init(code: Int32, call: String, message: String, path: String) {
        self.code = code
        self.call = call
        self.message = message
        self.path = path
    }

    /// The error `call` left on a connection (sqlite3_extended_errcode, sqlite3_errmsg); `code` is what the call
    /// returned, used when the connection is gone or holds another call's error.
    init(connection db: OpaquePointer?, call: String, code: Int32, path: String) {
        guard let db else {
            self.init(code: code, call: call, message: String(cString: sqlite3_errstr(code)), path: path)
            return
        }
        let extended = sqlite3_extended_errcode(db)
        let best = (extended & 0xFF) == (code & 0xFF) ? extended : code
        self.init(code: best, call: call, message: String(cString: sqlite3_errmsg(db)), path: path)
    }

    /// The primary result code (the low byte of the extended one).
    public var primaryCode: Int32 { code & 0xFF }

    public var kind: Kind {
        switch primaryCode {
        case SQLITE_FULL: .diskFull
        case SQLITE_READONLY: .readOnly
        case SQLITE_CORRUPT, SQLITE_NOTADB: .corrupt
        case SQLITE_BUSY, SQLITE_LOCKED: .busy
        case SQLITE_IOERR: .ioError
        case SQLITE_CANTOPEN: .cannotOpen
        case SQLITE_CONSTRAINT: .constraint
        default: .other
        }
    }

    /// The symbolic name of the code as the SQLite documentation spells it (`sqlite3_errstr` gives only prose).
    public var codeName: String {
        switch primaryCode {
        case SQLITE_FULL: "SQLITE_FULL"
        case SQLITE_READONLY: "SQLITE_READONLY"
        case SQLITE_CORRUPT: "SQLITE_CORRUPT"
        case SQLITE_NOTADB: "SQLITE_NOTADB"
        case SQLITE_BUSY: "SQLITE_BUSY"
        case SQLITE_LOCKED: "SQLITE_LOCKED"
        case SQLITE_IOERR: "SQLITE_IOERR"
        case SQLITE_CANTOPEN: "SQLITE_CANTOPEN"
        case SQLITE_CONSTRAINT: "SQLITE_CONSTRAINT"
        case SQLITE_MISUSE: "SQLITE_MISUSE"
        case SQLITE_RANGE: "SQLITE_RANGE"
        case SQLITE_NOMEM: "SQLITE_NOMEM"
        case SQLITE_ERROR: "SQLITE_ERROR"
        default: "SQLITE_\(primaryCode)"
        }
    }

    public var description: String {
        let extended = code == primaryCode ? "" : ", extended \(code)"
        return "\(call) on \(path): \(message) (\(codeName)\(extended))"
    }
}
