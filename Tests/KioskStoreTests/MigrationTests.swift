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

    /// Version 5: the three-valued rating of older records becomes the five grades (good 5, average 3, bad 1), in the
    /// columns, the stored record and the outbox payload; the old column goes.
    @Test func migrationTo5_turnsTheThreeValuedRatingIntoGrades() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        try FileManager.default.createDirectory(
            atPath: (fixture.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        do {
            let db = try SQLiteDatabase(path: fixture.path)
            #expect(try Migrations.migrate(db, upTo: 4, now: Date()) == 4)
            for (id, rating) in [("T-G", "good"), ("T-A", "average"), ("T-B", "bad")] {
                let json =
                    #"{"id":"\#(id)","kioskID":"K-1","outcome":{"completed":{}},"rating":"\#(rating)","startedAt":1}"#
                try db.run(
                    """
                    INSERT INTO transactions (id, kiosk_id, started_at_ms, outcome, rating, recorded_at_ms, record_json)
                    VALUES (?, 'K-1', 1, 'completed', ?, 2, ?)
                    """, [.text(id), .text(rating), .text(json)])
                try db.run(
                    "INSERT INTO outbox (transaction_id, payload, created_at_ms) VALUES (?, ?, 2)",
                    [.text(id), .text(json)])
            }
            try db.run(
                """
                INSERT INTO transactions (id, kiosk_id, started_at_ms, outcome, recorded_at_ms, record_json)
                VALUES ('T-N', 'K-1', 1, 'cancelled', 2, '{"id":"T-N","kioskID":"K-1","startedAt":1}')
                """)
            db.close()
        }
        let store = try fixture.open()
        defer { store.close() }
        #expect(store.schemaVersion == Schema.latestVersion)
        let expected: [String: ServiceGrade] = [
            "T-G": .verySatisfied, "T-A": .fairlySatisfied, "T-B": .veryDissatisfied,
        ]
        for (id, grade) in expected {
            #expect(try store.transaction(id: id)?.rating == ServiceRating(grade: grade), "\(id)")
        }
        #expect(try store.transaction(id: "T-N")?.rating == nil)
        let entries = try store.page(after: 0, limit: 10).entries
        #expect(
            try entries.map { try $0.record().rating?.grade } == [.verySatisfied, .fairlySatisfied, .veryDissatisfied])
        let raw = try fixture.raw()
        defer { raw.close() }
        let grades = try raw.rows("SELECT id, rating_grade, follow_up_consent FROM transactions ORDER BY id") {
            "\($0.string(0) ?? "") \($0.optionalInt64(1).map(String.init) ?? "-") \($0.optionalInt64(2).map(String.init) ?? "-")"
        }
        #expect(grades == ["T-A 3 0", "T-B 1 0", "T-G 5 0", "T-N - -"])
        let stored = try raw.rows("SELECT json_type(record_json, '$.rating') FROM transactions WHERE id = 'T-G'") {
            $0.string(0)
        }
        #expect(stored == ["object"])
        let columns = try raw.rows("SELECT name FROM pragma_table_info('transactions')") { $0.string(0) ?? "" }
        #expect(!columns.contains("rating"))
        #expect(columns.contains("signature_png") && columns.contains("rating_reasons"))
    }

    /// Version 6: the outbox gains stored events (`outbox_events`), none for the entries already there (SQL cannot
    /// call the event encoder) — those are listed in `outbox_unrendered`; the daemon's store renders them at open
    /// (`renderMissingEvents`), and until then readers render them as before.
    @Test func migrationTo6_addsTheStoredEvent_emptyUntilRendered() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        try FileManager.default.createDirectory(
            atPath: (fixture.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let json = String(decoding: try JSONEncoder().encode(["id": "T-OLD"]), as: UTF8.self)
        do {
            let db = try SQLiteDatabase(path: fixture.path)
            #expect(try Migrations.migrate(db, upTo: 5, now: Date()) == 5)
            try db.run(
                """
                INSERT INTO transactions (id, kiosk_id, started_at_ms, outcome, recorded_at_ms, record_json)
                VALUES ('T-OLD', 'K-1', 1, 'cancelled', 2, ?)
                """, [.text(json)])
            try db.run(
                "INSERT INTO outbox (transaction_id, payload, created_at_ms) VALUES ('T-OLD', ?, 2)", [.text(json)])
            db.close()
        }
        do {
            let store = try fixture.open()
            defer { store.close() }
            #expect(store.schemaVersion == 6)
            let entry = try #require(try store.page(after: 0, limit: 1).entries.first)
            #expect(entry.event == nil)
            #expect(String(decoding: entry.payload, as: UTF8.self) == json)
        }
        let raw = try fixture.raw()
        defer { raw.close() }
        let unrendered = "SELECT COUNT(*) FROM outbox_unrendered"
        #expect(try raw.firstRow(unrendered) { $0.int64(0) } == 1)
        #expect(try raw.firstRow("SELECT COUNT(*) FROM outbox_events") { $0.int64(0) } == 0)

        let rendering = try fixture.open(eventRenderer: { entry in Array("event of \(entry.transactionID)".utf8) })
        defer { rendering.close() }
        #expect(try rendering.renderMissingEvents() == 1)
        let entry = try #require(try rendering.page(after: 0, limit: 1).entries.first)
        #expect(entry.event.map { String(decoding: $0, as: UTF8.self) } == "event of T-OLD")
        #expect(try raw.firstRow(unrendered) { $0.int64(0) } == 0)
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
