import Foundation
import KioskCore
import KioskIO
import KioskStore
import Testing

/// Damage found at open (quick_check, before anything reads the schema) and the daily verified backups.
@Suite struct IntegrityAndBackupTests {
    /// A store with a few transactions, checkpointed into the main file; returns the page size and the root page of
    /// `table`, so a test can overwrite exactly that page.
    private func storeWithRows(_ fixture: StoreFixture, rootOf table: String) throws -> (pageSize: Int, root: Int) {
        let store = try fixture.open()
        for index in 1...3 { try store.complete(StoreFixture.record("T-\(index)")) }
        store.close()
        let raw = try fixture.raw()
        defer { raw.close() }
        try raw.exec("PRAGMA wal_checkpoint(TRUNCATE)")
        let root = try #require(
            try raw.firstRow("SELECT rootpage FROM sqlite_schema WHERE name = ?", [.text(table)]) { Int($0.int64(0)) })
        return (Int(try raw.pageSize()), root)
    }

    /// Overwrites bytes `range` of page `page` (1-based) of the file with a fixed garbage pattern.
    private func overwrite(_ path: String, page: Int, pageSize: Int, bytes range: Range<Int>) throws {
        var data = try #require(FileManager.default.contents(atPath: path))
        let start = (page - 1) * pageSize
        #expect(data.count >= start + pageSize)
        for offset in range { data[start + offset] = UInt8(truncatingIfNeeded: offset &* 37 &+ 11) }
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// The reproduction of the "schema version 5380 … a newer kioskd wrote it" report: the cells of the
    /// schema_version page are garbage, which a plain `SELECT MAX(version)` reads as some large number.
    @Test func open_schemaVersionPageOverwritten_isCorruptNotNewer() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let (pageSize, root) = try storeWithRows(fixture, rootOf: "schema_version")
        try overwrite(fixture.path, page: root, pageSize: pageSize, bytes: (pageSize - 1000)..<pageSize)

        let error = #expect(throws: StoreError.self) { try fixture.open() }

        #expect(error?.healthReason == "store-corrupt")
        #expect(error?.description.contains("newer") == false)
        #expect(error?.description.contains("restore the last backup") == true)
    }

    /// Damaged data pages of a table the open does not read: before the check the store opened and wrote new rows
    /// next to the garbage.
    @Test func open_transactionsPageOverwritten_isRefusedAtOpen() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let (pageSize, root) = try storeWithRows(fixture, rootOf: "transactions")
        try overwrite(fixture.path, page: root, pageSize: pageSize, bytes: 0..<pageSize)

        let error = #expect(throws: StoreError.self) { try fixture.open() }

        #expect(error?.healthReason == "store-corrupt")
        #expect(error?.description.contains("docs/store-backup-and-restore.md") == true)
    }

    /// Without the page check, the schema rows themselves must still look like a history (1…N): a lone huge
    /// version is damage, while a contiguous newer history stays "newer kioskd" (MigrationTests).
    @Test func open_schemaVersionWithAGap_isCorruptNotNewer() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        try fixture.open().close()
        let raw = try fixture.raw()
        try raw.run("INSERT INTO schema_version VALUES (5380, 0, 'garbage')")
        raw.close()
        let clock = fixture.clock
        let error = #expect(throws: StoreError.self) {
            try TransactionStore.open(
                path: fixture.path, options: .init(clock: { clock.now }, checkIntegrityAtOpen: false))
        }
        guard case .corrupt(_, let findings)? = error else {
            Issue.record("expected corrupt, got \(String(describing: error))")
            return
        }
        #expect(findings.first?.contains("not 1…") == true)
        #expect(error?.healthReason == "store-corrupt")
    }

    @Test func verifyIntegrity_onSoundStore_passes_andOnDamagedStore_throwsCorrupt() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let (pageSize, root) = try storeWithRows(fixture, rootOf: "transactions")
        let store = try fixture.open()
        defer { store.close() }
        try store.verifyIntegrity()
        try overwrite(fixture.path, page: root, pageSize: pageSize, bytes: 0..<pageSize)
        let error = #expect(throws: StoreError.self) { try store.verifyIntegrity() }
        #expect(error?.healthReason == "store-corrupt")
    }

    @Test func backUp_writesAVerifiedPrivateCopy_onceADay() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        for index in 1...3 { try store.complete(StoreFixture.record("T-\(index)")) }
        let directory = fixture.directory.appendingPathComponent("state/backups").path
        let day = try #require(CivilDate(year: 2026, month: 12, day: 1))

        let result = try store.backUp(into: directory, day: day, keep: 7)

        #expect(result.created)
        #expect(result.path == directory + "/kioskd-20261201.db")
        let attributes = try FileManager.default.attributesOfItem(atPath: result.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let folder = try FileManager.default.attributesOfItem(atPath: directory)
        #expect((folder[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        // A self-contained file (not WAL), with nothing but the backup left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["kioskd-20261201.db"])
        let check = try SQLiteDatabase(path: result.path, access: .readOnly)
        #expect(try check.quickCheck() == [])
        #expect(try check.journalMode() == "delete")
        check.close()
        let copy = try TransactionStore.open(path: result.path, options: .init(readOnly: true))
        #expect(try copy.recentTransactions(limit: 10).map(\.id).sorted() == ["T-1", "T-2", "T-3"])
        #expect(try copy.quickCheck() == [])
        copy.close()

        // The same day again (a restart): the verified file stays as it is.
        try store.complete(StoreFixture.record("T-4"))
        let again = try store.backUp(into: directory, day: day, keep: 7)
        #expect(!again.created)
        #expect(
            try SQLiteDatabase(path: result.path, access: .readOnly).firstRow("SELECT COUNT(*) FROM transactions") {
                $0.int64(0)
            } == 3)
    }

    @Test func backUp_rotation_keepsTheNewestN() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.complete(StoreFixture.record("T-1"))
        let directory = fixture.directory.appendingPathComponent("backups").path
        var removed: [String] = []
        for day in 1...5 {
            removed += try store.backUp(
                into: directory, day: try #require(CivilDate(year: 2026, month: 11, day: day)), keep: 3
            )
            .removed
        }
        let names = TransactionStore.backups(in: directory).map { ($0 as NSString).lastPathComponent }
        #expect(names == ["kioskd-20261103.db", "kioskd-20261104.db", "kioskd-20261105.db"])
        #expect(removed.map { ($0 as NSString).lastPathComponent } == ["kioskd-20261101.db", "kioskd-20261102.db"])
        #expect(throws: StoreError.self) {
            try store.backUp(into: directory, day: CivilDate(daysSinceEpoch: 0), keep: 0)
        }
    }

    /// The copy reads its own snapshot: a writer holding the lock neither blocks it nor leaks uncommitted rows in.
    @Test func backUp_whileAnotherConnectionHoldsTheWriteLock_copiesTheCommittedState() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.complete(StoreFixture.record("T-1"))
        let writer = try fixture.raw()
        defer { writer.close() }
        try writer.exec("BEGIN IMMEDIATE")
        try writer.run("INSERT INTO audit (at_ms, actor, action, detail) VALUES (1, 'test', 'uncommitted', '')")

        let started = ContinuousClock.now
        let result = try store.backUp(
            into: fixture.directory.appendingPathComponent("backups").path, day: CivilDate(daysSinceEpoch: 20_000),
            keep: 7)
        #expect(ContinuousClock.now - started < .seconds(4))
        try writer.exec("ROLLBACK")

        let copy = try SQLiteDatabase(path: result.path, access: .readOnly)
        defer { copy.close() }
        #expect(try copy.firstRow("SELECT COUNT(*) FROM transactions") { $0.int64(0) } == 1)
        #expect(try copy.firstRow("SELECT COUNT(*) FROM audit WHERE action = 'uncommitted'") { $0.int64(0) } == 0)
    }
}
