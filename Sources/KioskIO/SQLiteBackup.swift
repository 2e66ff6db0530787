import CSQLite
import Foundation

/// An online copy of a database with SQLite's backup API (sqlite3_backup_init, _step, _finish): page by page from a
/// live connection, consistent even while other connections write (in WAL mode the copy reads one snapshot).
public enum SQLiteBackup {
    /// Copies the main database of `source` into `destination` (a connection on the new file, whose content is
    /// replaced). One step copies every page under one read transaction, so writers on other connections are not
    /// blocked (WAL) and the copy never restarts. A busy or locked step is retried until `busyDeadline`.
    public static func copy(
        from source: SQLiteDatabase, to destination: SQLiteDatabase, busyDeadline: Duration = .seconds(10)
    ) throws(SQLiteError) {
        guard let sourceHandle = source.handle, let destinationHandle = destination.handle else {
            throw SQLiteError(
                code: SQLITE_MISUSE, call: "sqlite3_backup_init", message: "a database connection is closed",
                path: destination.path)
        }
        guard let backup = sqlite3_backup_init(destinationHandle, "main", sourceHandle, "main") else {
            // The error is left on the destination connection.
            throw destination.error(
                "sqlite3_backup_init(from \(source.path))", code: sqlite3_errcode(destinationHandle))
        }
        let clock = ContinuousClock()
        let end = clock.now + busyDeadline
        var result: Int32
        repeat {
            result = sqlite3_backup_step(backup, -1)
            if (result & 0xFF) == SQLITE_BUSY || (result & 0xFF) == SQLITE_LOCKED {
                guard clock.now < end else { break }
                usleep(20_000)
            }
        } while result != SQLITE_DONE && ((result & 0xFF) == SQLITE_BUSY || (result & 0xFF) == SQLITE_LOCKED)
        // _finish releases everything; its result repeats the last step's error (or is OK).
        let finished = sqlite3_backup_finish(backup)
        if result != SQLITE_DONE {
            throw SQLiteError(
                connection: destinationHandle, call: "sqlite3_backup_step(from \(source.path))", code: result,
                path: destination.path)
        }
        if finished != SQLITE_OK {
            throw destination.error("sqlite3_backup_finish(from \(source.path))", code: finished)
        }
    }
}
