import Foundation
import KioskCore
import KioskIO
import KioskStore
import Testing

@Suite struct MigrationTests {
    @Test func open_emptyDirectory_createsFileAndMigratesToLatest() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        #expect(store.schemaVersion == Schema.latestVersion)
        let raw = try fixture.raw()
        let versions = try raw.rows("SELECT version FROM schema_version ORDER BY version") { Int($0.int64(0)) }
        #expect(versions == Array(1...Schema.latestVersion))
        let figures = try store.figures()
        #expect(figures.journalMode == "wal")
        #expect(figures.schemaVersion == Schema.latestVersion)
        #expect(figures.databaseBytes > 0)
        #expect(figures.endedTransactions == 0)
        // Personal data inside: not readable by others.
        let mode = try FileManager.default.attributesOfItem(atPath: fixture.path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
    }

    /// Every older version, with data written at that version, migrates step by step and keeps the data.
    @Test(arguments: 1..<Schema.latestVersion)
    func open_fromOlderVersion_migratesStepwiseAndKeepsData(version: Int) throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        try FileManager.default.createDirectory(
            atPath: (fixture.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        do {
            let db = try SQLiteDatabase(path: fixture.path)
            #expect(try Migrations.migrate(db, upTo: version, now: Date()) == version)
            // A transaction as version 1 already stored it.
            try db.run(
                """
                INSERT INTO transactions (id, kiosk_id, started_at_ms, outcome, recorded_at_ms, record_json)
                VALUES ('T-OLD', 'KIOSK-0001', 1, 'cancelled', 2, ?)
                """, [.text(#"{"id":"T-OLD","kioskID":"KIOSK-0001","startedAt":1}"#)])
            try db.run("INSERT INTO outbox (transaction_id, payload, created_at_ms) VALUES ('T-OLD', '{}', 2)")
            try db.run("INSERT INTO queue_counters VALUES ('A', '2025-11-22', 22)")
            if version >= 2 {
                try db.run(
                    "INSERT INTO licence_jobs (job_uuid, transaction_id, intended_at_ms) VALUES ('J-OLD', 'T-OLD', 3)")
            }
            db.close()
        }
        let store = try fixture.open()
        defer { store.close() }
        #expect(store.schemaVersion == Schema.latestVersion)
        #expect(try store.transaction(id: "T-OLD")?.kioskID == "KIOSK-0001")
        #expect(try store.page(after: 0, limit: 10).entries.map(\.transactionID) == ["T-OLD"])
        #expect(try store.next(category: "A", day: CivilDate(year: 2025, month: 11, day: 22)!) == 23)
        if version >= 2 { #expect(try store.unresolvedLicenceJobs().map(\.jobUUID) == ["J-OLD"]) }
        let applied = try fixture.raw().rows("SELECT version FROM schema_version ORDER BY version") { Int($0.int64(0)) }
        #expect(applied == Array(1...Schema.latestVersion))
    }

    @Test func open_databaseFromNewerCode_isRefusedWithClearMessage() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        try fixture.open().close()
        let raw = try fixture.raw()
        try raw.run(
            "INSERT INTO schema_version VALUES (?, 0, 'from the future')", [.integer(Int64(Schema.latestVersion + 1))])
        raw.close()
        let error = #expect(throws: StoreError.self) { try fixture.open() }
        #expect(
            error == .schemaTooNew(path: fixture.path, found: Schema.latestVersion + 1, supported: Schema.latestVersion)
        )
        #expect(error?.healthReason == "store-schema-too-new")
        #expect(error?.description.contains("newer kioskd") == true)
    }

    @Test func open_otherApplicationsDatabase_isRefusedAsNotAKioskStore() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        try FileManager.default.createDirectory(
            atPath: (fixture.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let db = try SQLiteDatabase(path: fixture.path)
        try db.exec("CREATE TABLE moz_cookies (id INTEGER)")
        db.close()
        let error = #expect(throws: StoreError.self) { try fixture.open() }
        #expect(error == .notAKioskStore(path: fixture.path, tables: ["moz_cookies"]))
    }

    @Test func openReadOnly_olderSchema_asksForMigrationInsteadOfWriting() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        try FileManager.default.createDirectory(
            atPath: (fixture.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let db = try SQLiteDatabase(path: fixture.path)
        try Migrations.migrate(db, upTo: 1, now: Date())
        db.close()
        let error = #expect(throws: StoreError.self) { try fixture.open(readOnly: true) }
        #expect(error == .needsMigration(path: fixture.path, found: 1, supported: Schema.latestVersion))
    }

    @Test func reopen_afterClose_keepsEverything() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let first = try fixture.open()
        try first.complete(StoreFixture.record("T-1"))
        try first.saveCheckpoint(sessionID: "T-2", state: Data(#"{"step":"fillingForm"}"#.utf8))
        try first.audit(actor: "tech:li", action: "printer-enable", detail: "queue A3", at: fixture.clock.now)
        first.close()
        #expect(throws: StoreError.closed(path: fixture.path)) { try first.figures() }

        let second = try fixture.open()
        defer { second.close() }
        #expect(try second.transaction(id: "T-1") == StoreFixture.record("T-1"))
        #expect(try second.loadCheckpoint()?.sessionID == "T-2")
        #expect(try second.auditEntries().map(\.action) == ["printer-enable"])
        #expect(try second.figures().completedTransactions == 1)
    }
}
