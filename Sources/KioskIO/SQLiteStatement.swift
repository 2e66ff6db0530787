import CSQLite
import Foundation

/// A prepared statement (`sqlite3_stmt`): bind typed values, step through rows, read typed columns.
///
/// Not thread-safe and tied to its `SQLiteDatabase`; the database's lock owner uses it. Finalized on deinit.
public final class SQLiteStatement {
    let handle: OpaquePointer
    /// The SQL text, shortened, for error messages.
    public let summary: String
    /// The database file, for error messages. (No reference to the `SQLiteDatabase`: it caches statements, and a
    /// back-reference would make a cycle.)
    private let path: String

    init(handle: OpaquePointer, sql: String, path: String) {
        self.handle = handle
        self.path = path
        let flat = sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        summary = flat.count > 60 ? String(flat.prefix(60)) + "…" : flat
    }

    /// sqlite3_finalize(3).
    deinit { sqlite3_finalize(handle) }

    /// Resets the statement and binds `values` to parameters 1...n (sqlite3_reset, sqlite3_clear_bindings,
    /// sqlite3_bind_*).
    public func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard values.count == expected else {
            throw SQLiteError(
                code: SQLITE_RANGE, call: "sqlite3_bind(\(summary))",
                message: "\(values.count) values for \(expected) parameters", path: path)
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let result: Int32
            switch value {
            case .integer(let number): result = sqlite3_bind_int64(handle, index, number)
            case .real(let number): result = sqlite3_bind_double(handle, index, number)
            case .null: result = sqlite3_bind_null(handle, index)
            case .text(let text):
                var text = text
                result = text.withUTF8 { utf8 in
                    // An empty buffer may have no base address, which SQLite would take as NULL.
                    guard let base = utf8.baseAddress, utf8.count > 0 else {
                        return sqlite3_bind_text(handle, index, "", 0, sqliteTransient)
                    }
                    return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                        sqlite3_bind_text64(
                            handle, index, $0, sqlite3_uint64(utf8.count), sqliteTransient, UInt8(SQLITE_UTF8))
                    }
                }
            case .blob(let data):
                result = data.withUnsafeBytes { bytes in
                    guard let base = bytes.baseAddress, bytes.count > 0 else {
                        return sqlite3_bind_zeroblob(handle, index, 0)
                    }
                    return sqlite3_bind_blob64(handle, index, base, sqlite3_uint64(bytes.count), sqliteTransient)
                }
            }
            guard result == SQLITE_OK else { throw error("sqlite3_bind(\(summary))", code: result) }
        }
    }

    /// sqlite3_step(3): true when a row is ready to read, false when the statement is done.
    public func step() throws(SQLiteError) -> Bool {
        let result = sqlite3_step(handle)
        switch result {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = error("sqlite3_step(\(summary))", code: result)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// sqlite3_reset(3): ready to run again and releases its read lock; bindings stay.
    public func reset() { sqlite3_reset(handle) }

    /// The connection's error for `call` (sqlite3_db_handle, sqlite3_extended_errcode, sqlite3_errmsg).
    private func error(_ call: String, code: Int32) -> SQLiteError {
        SQLiteError(connection: sqlite3_db_handle(handle), call: call, code: code, path: path)
    }

    /// The current row; valid until the next `step()`, `bind(_:)` or `reset()`.
    public var row: SQLiteRow { SQLiteRow(statement: self) }
}

/// The columns of the row a statement is on. Read it inside the row loop; do not keep it.
public struct SQLiteRow {
    let statement: SQLiteStatement

    /// The number of columns (sqlite3_column_count).
    public var count: Int { Int(sqlite3_column_count(statement.handle)) }

    public func isNull(_ column: Int) -> Bool { sqlite3_column_type(statement.handle, Int32(column)) == SQLITE_NULL }

    /// sqlite3_column_int64(3); 0 for NULL.
    public func int64(_ column: Int) -> Int64 { sqlite3_column_int64(statement.handle, Int32(column)) }

    /// The integer, or nil for NULL.
    public func optionalInt64(_ column: Int) -> Int64? { isNull(column) ? nil : int64(column) }

    /// sqlite3_column_double(3); 0 for NULL.
    public func double(_ column: Int) -> Double { sqlite3_column_double(statement.handle, Int32(column)) }

    /// sqlite3_column_text(3) as UTF-8, or nil for NULL.
    public func string(_ column: Int) -> String? {
        guard !isNull(column), let text = sqlite3_column_text(statement.handle, Int32(column)) else { return nil }
        let count = Int(sqlite3_column_bytes(statement.handle, Int32(column)))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// sqlite3_column_blob(3), or nil for NULL (an empty blob reads as empty `Data`).
    public func data(_ column: Int) -> Data? {
        guard !isNull(column) else { return nil }
        let count = Int(sqlite3_column_bytes(statement.handle, Int32(column)))
        guard count > 0, let bytes = sqlite3_column_blob(statement.handle, Int32(column)) else { return Data() }
        return Data(bytes: bytes, count: count)
    }

    /// The column in its own storage class.
    public func value(_ column: Int) -> SQLiteValue {
        switch sqlite3_column_type(statement.handle, Int32(column)) {
        case SQLITE_INTEGER: .integer(int64(column))
        case SQLITE_FLOAT: .real(double(column))
        case SQLITE_TEXT: string(column).map(SQLiteValue.text) ?? .null
        case SQLITE_BLOB: data(column).map(SQLiteValue.blob) ?? .null
        default: .null
        }
    }
}

/// `SQLITE_TRANSIENT` (a macro Swift cannot import): SQLite copies the bound bytes before the bind call returns.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
