import Foundation
import KioskCore
import KioskIO
import KioskStore
import Testing

@Suite struct StoreErrorTests {
    @Test func completeOnFullDisk_failsAsDiskFull_showsNothing_andSucceedsOnceThereIsRoom() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        // A cap of 32 pages of 4 KiB: a few records fit, then SQLITE_FULL (max_page_count), as on a full disk.
        let store = try fixture.open(maximumBytes: 32 * 4096)
        let scope = String(repeating: "软件开发；", count: 300)
        var failed: (id: String, error: StoreError)?
        var written = 0
        for index in 1...100 {
            do {
                try store.complete(StoreFixture.record("T-\(index)", scope: scope))
                written += 1
            } catch {
                failed = ("T-\(index)", error)
                break
            }
        }
        let (failedID, error) = try #require(failed)
        #expect(written > 0)
        #expect(error.healthReason == "store-disk-full")
        #expect(error.description.contains("record transaction \(failedID) as completed failed, nothing was written"))
        #expect(error.description.contains("SQLITE_FULL"))
        #expect(!error.description.contains(StoreFixture.idNumber))
        #expect(try store.transaction(id: failedID) == nil)
        let figures = try store.figures()
        #expect(figures.completedTransactions == written)
        #expect(figures.lastSeq == Int64(written))
        store.close()

        let roomy = try fixture.open()
        defer { roomy.close() }
        #expect(try roomy.complete(StoreFixture.record(failedID, scope: scope)).seq == Int64(written + 1))
    }

    @Test func writeToStoreOpenedReadOnly_failsAsReadOnly() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let writer = try fixture.open()
        try writer.complete(StoreFixture.record("T-1"))
        writer.close()
        let store = try fixture.open(readOnly: true)
        defer { store.close() }
        #expect(try store.transaction(id: "T-1") != nil)
        let error = #expect(throws: StoreError.self) { try store.complete(StoreFixture.record("T-2")) }
        #expect(error?.healthReason == "store-read-only")
        #expect(error?.description.contains("read-only") == true)
        #expect(try store.figures().endedTransactions == 1)
    }

    /// Root ignores file modes, so this runs only for an unprivileged user (the read-only open above covers root).
    @Test(.enabled(if: geteuid() != 0, "root ignores file modes"))
    func writeToReadOnlyFile_failsAsReadOnly() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        try fixture.open().close()
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: fixture.path)
        // Refused at open, so the daemon reports it at start-up rather than at a citizen's last step.
        let error = #expect(throws: StoreError.self) { try fixture.open() }
        #expect(error?.healthReason == "store-read-only")
        #expect(error?.description.contains("check the owner and mode") == true)
    }

    @Test func openGarbageFile_failsAsCorruptWithAdvice() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        try FileManager.default.createDirectory(
            atPath: (fixture.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let garbage = Data((0..<16_384).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 17) })
        try garbage.write(to: URL(fileURLWithPath: fixture.path))

        let error = #expect(throws: StoreError.self) { try fixture.open() }

        #expect(error?.healthReason == "store-corrupt")
        #expect(error?.description.contains("SQLITE_NOTADB") == true)
        #expect(error?.description.contains("restore the last backup") == true)
        // The file is left as it was, for analysis.
        #expect(FileManager.default.contents(atPath: fixture.path) == garbage)
    }

    /// The header is intact but every page after the first (the schema) is overwritten: SQLite opens the file, and the
    /// first read of a table fails as corrupt.
    @Test func openStoreWithDamagedPages_failsAsCorrupt() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        for index in 1...3 { try store.complete(StoreFixture.record("T-\(index)")) }
        store.close()
        let raw = try fixture.raw()
        try raw.exec("PRAGMA wal_checkpoint(TRUNCATE)")
        let pageSize = Int(try raw.pageSize())
        raw.close()
        var bytes = try #require(FileManager.default.contents(atPath: fixture.path))
        #expect(bytes.count > 2 * pageSize)
        for offset in pageSize..<bytes.count { bytes[offset] = UInt8(truncatingIfNeeded: offset &* 37 &+ 11) }
        try bytes.write(to: URL(fileURLWithPath: fixture.path))

        let error = #expect(throws: StoreError.self) { try fixture.open() }

        #expect(error?.healthReason == "store-corrupt")
        // Found by the open's quick_check, or by SQLite itself when the damage stops the check from reading.
        let text = error?.description ?? ""
        #expect(text.contains("quick_check") || text.contains("SQLITE_CORRUPT"), "\(text)")
    }

    @Test func callOnClosedStore_failsAsClosed() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        store.close()
        store.close()
        let error = #expect(throws: StoreError.self) { try store.complete(StoreFixture.record("T-1")) }
        #expect(error?.healthReason == "store-closed")
    }

    @Test(
        arguments: [
            (13, "store-disk-full"), (8, "store-read-only"), (8 | (3 << 8), "store-read-only"), (11, "store-corrupt"),
            (26, "store-corrupt"), (10, "store-io-error"), (10 | (4 << 8), "store-io-error"), (5, "store-busy"),
        ] as [(Int32, String)])
    func healthReason_forSQLiteCode(code: Int32, reason: String) {
        let error = StoreError.database(SQLiteError(code: code, call: "c", message: "m", path: "p"), operation: "op")
        #expect(error.healthReason == reason)
    }
}
