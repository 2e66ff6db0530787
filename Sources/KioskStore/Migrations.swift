import Foundation
import KioskIO

/// Brings a database to a schema version one step at a time, each step in its own `BEGIN IMMEDIATE` transaction, so
/// a crash or a full disk mid-way leaves the file at the last whole version.
public enum Migrations {
    /// The version the file is at: 0 for an empty file. Throws `notAKioskStore` for a database with other tables and
    /// no `schema_version`.
    public static func currentVersion(of db: SQLiteDatabase) throws -> Int {
        let tables = try db.rows("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
            $0.string(0) ?? ""
        }
        guard tables.contains("schema_version") else {
            if tables.isEmpty { return 0 }
            throw StoreError.notAKioskStore(path: db.path, tables: tables.sorted())
        }
        let (count, lowest, highest) =
            try db.firstRow("SELECT COUNT(*), COALESCE(MIN(version), 0), COALESCE(MAX(version), 0) FROM schema_version")
        { ($0.int64(0), $0.int64(1), $0.int64(2)) } ?? (0, 0, 0)
        // Every migration adds one row, so a real history is 1...N without a gap. Anything else is damage (or a hand
        // edit), never "a newer kioskd": refusing it as corrupt sends the technician to the backup, not to an upgrade.
        guard count == 0 || (lowest == 1 && highest == count) else {
            throw StoreError.corrupt(
                path: db.path,
                findings: ["schema_version holds \(count) rows with versions \(lowest)…\(highest), not 1…\(count)"])
        }
        return Int(highest)
    }

    /// Applies the missing steps up to `target` (the latest by default) and returns the version reached. Refuses a file
    /// newer than the code. `now` stamps each step's row.
    @discardableResult
    public static func migrate(_ db: SQLiteDatabase, upTo target: Int = Schema.latestVersion, now: Date) throws -> Int {
        let supported = Schema.latestVersion
        precondition((0...supported).contains(target), "no schema version \(target)")
        var version = try currentVersion(of: db)
        if version > supported {
            throw StoreError.schemaTooNew(path: db.path, found: version, supported: supported)
        }
        for step in Schema.steps where step.version > version && step.version <= target {
            try db.transaction {
                // Another process may have migrated between our read and our lock: look again under the lock.
                let found = try currentVersion(of: db)
                guard found < step.version else { return }
                try db.exec(step.sql)
                try db.run(
                    "INSERT INTO schema_version (version, applied_at_ms, summary) VALUES (?, ?, ?)",
                    [.integer(Int64(step.version)), .integer(now.unixMilliseconds), .text(step.summary)])
            }
            version = step.version
        }
        return max(version, try currentVersion(of: db))
    }
}

extension Date {
    /// Unix milliseconds, rounded: the store's one representation of an instant.
    var unixMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    init(unixMilliseconds ms: Int64) { self.init(timeIntervalSince1970: Double(ms) / 1000) }
}
