import Foundation
import Glibc
import KioskCore
import KioskIO

/// What one `backUp` call did.
public struct StoreBackupResult: Sendable, Equatable {
    /// The day's backup file (verified with quick_check).
    public let path: String
    /// False when the day's backup already existed (e.g. a restart later the same day) and was kept as it was.
    public let created: Bool
    /// Older backups removed so only the newest `keep` remain.
    public let removed: [String]
}

extension TransactionStore {
    /// The folder of daily backups inside the state directory.
    public static let backupDirectoryName = "backups"

    /// `directory/backups`.
    public static func backupDirectory(inStateDirectory directory: String) -> String {
        (directory as NSString).appendingPathComponent(backupDirectoryName)
    }

    /// `kioskd-YYYYMMDD.db` for the local day `day`.
    public static func backupFileName(for day: CivilDate) -> String { "kioskd-\(day.compact).db" }

    /// The backup files in `directory`, oldest first (their names sort by day).
    public static func backups(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter(isBackupName).sorted().map { (directory as NSString).appendingPathComponent($0) }
    }

    private static func isBackupName(_ name: String) -> Bool {
        let digits = name.dropFirst("kioskd-".count).dropLast(".db".count)
        return name.hasPrefix("kioskd-") && name.hasSuffix(".db") && digits.count == 8
            && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Writes the day's online backup into `directory` (created with mode 0700; the file gets 0600, as it holds the
    /// same personal data as the store), verifies it with quick_check, then removes the oldest so `keep` (1...366)
    /// remain. The copy reads one snapshot on a connection of its own, so the store's writers go on meanwhile. The
    /// file appears under its final name only once complete and verified; a failure leaves older backups alone.
    @discardableResult
    public func backUp(into directory: String, day: CivilDate, keep: Int) throws(StoreError) -> StoreBackupResult {
        guard (1...366).contains(keep) else { throw .invalidArgument("keep must be 1–366 backups, got \(keep)") }
        let files = FileManager.default
        let target = (directory as NSString).appendingPathComponent(Self.backupFileName(for: day))
        if !files.fileExists(atPath: directory) {
            do {
                try files.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw .cannotCreateDirectory(path: directory, reason: error.localizedDescription)
            }
        }
        var created = false
        if !files.fileExists(atPath: target) {
            try writeBackup(to: target)
            created = true
        }
        var removed: [String] = []
        for old in Self.backups(in: directory).dropLast(keep) where old != target {
            if (try? files.removeItem(atPath: old)) != nil { removed.append(old) }
        }
        return StoreBackupResult(path: target, created: created, removed: removed)
    }

    private func writeBackup(to target: String) throws(StoreError) {
        let partial = target + ".partial"
        let files = FileManager.default
        for leftover in [partial, partial + "-journal", partial + "-wal", partial + "-shm"] {
            try? files.removeItem(atPath: leftover)
        }
        guard files.createFile(atPath: partial, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw .backupFailed(path: target, reason: "cannot create \(partial)")
        }
        do {
            try copyAndVerify(into: partial)
            try Self.syncFile(partial)
            guard Glibc.rename(partial, target) == 0 else {
                throw StoreError.backupFailed(
                    path: target, reason: "rename from \(partial) failed: \(String(cString: strerror(errno)))")
            }
            try Self.syncFile((target as NSString).deletingLastPathComponent)
        } catch let error as StoreError {
            try? files.removeItem(atPath: partial)
            throw error
        } catch {
            try? files.removeItem(atPath: partial)
            throw .backupFailed(path: target, reason: "\(error)")
        }
    }

    /// sqlite3_backup from a read-only connection on the store into `partial`, switched out of WAL so the backup is a
    /// single self-contained file, then opened afresh and checked.
    private func copyAndVerify(into partial: String) throws {
        do {
            let source = try SQLiteDatabase(path: path, access: .readOnly)
            defer { source.close() }
            try source.setBusyTimeout(options.busyTimeout)
            let copy = try SQLiteDatabase(path: partial, access: .readWrite)
            defer { copy.close() }
            try SQLiteBackup.copy(from: source, to: copy, busyDeadline: options.busyTimeout)
            _ = try copy.firstRow("PRAGMA journal_mode=DELETE") { $0.string(0) }
        } catch {
            throw StoreError.database(error, operation: "back up the store to \(partial)")
        }
        let findings: [String]
        let version: Int
        do {
            let check = try SQLiteDatabase(path: partial, access: .readOnly)
            defer { check.close() }
            findings = try check.quickCheck()
            version = try Migrations.currentVersion(of: check)
        } catch {
            throw StoreError.backupFailed(path: partial, reason: "the copy does not open: \(error)")
        }
        guard findings.isEmpty else {
            throw StoreError.backupFailed(
                path: partial, reason: "the copy failed quick_check: \(findings.prefix(3).joined(separator: "; "))")
        }
        guard version == schemaVersion else {
            throw StoreError.backupFailed(
                path: partial, reason: "the copy has schema version \(version), the store \(schemaVersion)")
        }
    }

    /// fsync(2) a file or directory, so a backup that was renamed into place survives a power cut.
    private static func syncFile(_ path: String) throws(StoreError) {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw .backupFailed(path: path, reason: "cannot open it to sync: \(String(cString: strerror(errno)))")
        }
        defer { Glibc.close(fd) }
        guard fsync(fd) == 0 else {
            throw .backupFailed(path: path, reason: "fsync failed: \(String(cString: strerror(errno)))")
        }
    }
}
