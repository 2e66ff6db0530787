import Foundation
import KioskIO
import Testing

/// The SQLite seam on real files in a fresh temporary directory per test.
@Suite struct SQLiteDatabaseTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    private func path(_ name: String = "test.db") -> String { directory.appendingPathComponent(name).path }

    private func cleanUp() { try? FileManager.default.removeItem(at: directory) }

    @Test func bind_everyStorageClass_readsBackTheSameValues() throws {
        defer { cleanUp() }
        let db = try SQLiteDatabase(path: path())
        try db.exec("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n)")
        let values: [SQLiteValue] = [
            .integer(Int64.min), .real(-1.5e300), .text("营业执照 \u{0}after-nul"), .blob(Data([0, 0xFF, 0x10])), .null,
        ]
        try db.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", values)
        try db.run(
            "INSERT INTO t VALUES (?, ?, ?, ?, ?)", [.integer(Int64.max), .real(0), .text(""), .blob(Data()), .null])
        let rows = try db.rows("SELECT i, r, s, b, n FROM t ORDER BY rowid") { row in (0..<5).map { row.value($0) } }
        #expect(rows[0] == values)
        // Empty text and an empty blob stay empty, not NULL.
        #expect(rows[1] == [.integer(Int64.max), .real(0), .text(""), .blob(Data()), .null])
    }

    @Test func bind_wrongNumberOfValues_failsWithRange() throws {
        defer { cleanUp() }
        let db = try SQLiteDatabase(path: path())
        try db.exec("CREATE TABLE t (a, b)")
        let error = #expect(throws: SQLiteError.self) { try db.run("INSERT INTO t VALUES (?, ?)", [1]) }
        #expect(error?.codeName == "SQLITE_RANGE")
    }

    @Test func transaction_bodyThrows_rollsEverythingBack() throws {
        defer { cleanUp() }
        struct Injected: Error {}
        let db = try SQLiteDatabase(path: path())
        try db.exec("CREATE TABLE t (a INTEGER)")
        #expect(throws: Injected.self) {
            try db.transaction {
                try db.run("INSERT INTO t VALUES (1)")
                throw Injected()
            }
        }
        #expect(!db.isInTransaction)
        #expect(try db.firstRow("SELECT COUNT(*) FROM t") { $0.int64(0) } == 0)
    }

    @Test func transaction_bodyReturns_commitsVisibleToAnotherConnection() throws {
        defer { cleanUp() }
        let db = try SQLiteDatabase(path: path())
        try db.setJournalModeWAL()
        try db.exec("CREATE TABLE t (a INTEGER)")
        let value = try db.transaction { () throws -> Int64 in
            try db.run("INSERT INTO t VALUES (42)")
            return db.lastInsertRowID
        }
        #expect(value == 1)
        let other = try SQLiteDatabase(path: path(), access: .readOnly)
        #expect(try other.firstRow("SELECT a FROM t") { $0.int64(0) } == 42)
    }

    @Test func pragmas_walFullSynchronousForeignKeys_areInForce() throws {
        defer { cleanUp() }
        let db = try SQLiteDatabase(path: path())
        #expect(try db.setJournalModeWAL() == "wal")
        try db.setSynchronous(.full)
        try db.setForeignKeys(true)
        #expect(try db.journalMode() == "wal")
        #expect(try db.synchronousLevel() == 2)
        try db.exec(
            "CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (p INTEGER REFERENCES parent (id))")
        let error = #expect(throws: SQLiteError.self) { try db.run("INSERT INTO child VALUES (7)") }
        #expect(error?.kind == .constraint)
    }

    @Test func write_onReadOnlyConnection_failsAsReadOnly() throws {
        defer { cleanUp() }
        let writer = try SQLiteDatabase(path: path())
        try writer.exec("CREATE TABLE t (a)")
        writer.close()
        let reader = try SQLiteDatabase(path: path(), access: .readOnly)
        let error = #expect(throws: SQLiteError.self) { try reader.run("INSERT INTO t VALUES (1)") }
        #expect(error?.kind == .readOnly)
        #expect(error?.primaryCode == 8)
        #expect(error?.call.hasPrefix("sqlite3_step") == true)
    }

    @Test func requireWritable_onReadOnlyConnection_throwsReadOnly() throws {
        defer { cleanUp() }
        let writer = try SQLiteDatabase(path: path())
        try writer.exec("CREATE TABLE t (a)")
        #expect(!writer.isReadOnly)
        try writer.requireWritable()
        let reader = try SQLiteDatabase(path: path(), access: .readOnly)
        #expect(reader.isReadOnly)
        let error = #expect(throws: SQLiteError.self) { try reader.requireWritable() }
        #expect(error?.kind == .readOnly)
    }

    @Test func open_garbageFile_failsAsCorruptOnFirstRead() throws {
        defer { cleanUp() }
        try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: URL(fileURLWithPath: path()))
        let db = try SQLiteDatabase(path: path())
        let error = #expect(throws: SQLiteError.self) { try db.setJournalModeWAL() }
        #expect(error?.kind == .corrupt)
        #expect(error?.codeName == "SQLITE_NOTADB")
    }

    @Test func insert_pastMaxPageCount_failsAsDiskFullAndLeavesNothing() throws {
        defer { cleanUp() }
        let db = try SQLiteDatabase(path: path())
        try db.setJournalModeWAL()
        try db.exec("CREATE TABLE t (b BLOB)")
        try db.setMaxPageCount(try db.pageCount() + 2)
        let error = #expect(throws: SQLiteError.self) {
            try db.transaction { try db.run("INSERT INTO t VALUES (?)", [.blob(Data(count: 64 * 1024))]) }
        }
        #expect(error?.kind == .diskFull)
        #expect(error?.primaryCode == 13)
        #expect(!db.isInTransaction)
        #expect(try db.firstRow("SELECT COUNT(*) FROM t") { $0.int64(0) } == 0)
    }

    @Test func beginImmediate_whileAnotherConnectionWrites_failsAsBusyAfterTimeout() throws {
        defer { cleanUp() }
        let first = try SQLiteDatabase(path: path())
        try first.setJournalModeWAL()
        try first.exec("CREATE TABLE t (a)")
        let second = try SQLiteDatabase(path: path())
        try second.setBusyTimeout(.milliseconds(0))
        try first.exec("BEGIN IMMEDIATE")
        defer { first.rollbackIfActive() }
        let error = #expect(throws: SQLiteError.self) {
            try second.transaction { try second.run("INSERT INTO t VALUES (1)") }
        }
        #expect(error?.kind == .busy)
    }

    @Test func open_inMissingDirectory_failsAsCannotOpen() throws {
        defer { cleanUp() }
        let error = #expect(throws: SQLiteError.self) { _ = try SQLiteDatabase(path: path("missing/dir/test.db")) }
        #expect(error?.kind == .cannotOpen)
        #expect(error?.call == "sqlite3_open_v2")
        #expect(error?.description.contains("missing/dir") == true)
    }

    @Test func call_afterClose_failsAsMisuse() throws {
        defer { cleanUp() }
        let db = try SQLiteDatabase(path: path())
        db.close()
        let error = #expect(throws: SQLiteError.self) { try db.exec("SELECT 1") }
        #expect(error?.codeName == "SQLITE_MISUSE")
    }

    @Test func error_description_namesCallPathCodeAndMessage() {
        let error = SQLiteError(
            code: 13, call: "sqlite3_step(INSERT INTO outbox …)", message: "database or disk is full",
            path: "/var/lib/kioskd/kiosk.db")
        #expect(
            error.description
                == "sqlite3_step(INSERT INTO outbox …) on /var/lib/kioskd/kiosk.db: database or disk is full (SQLITE_FULL)"
        )
        let extended = SQLiteError(code: 8 | (5 << 8), call: "x", message: "m", path: "p")
        #expect(extended.kind == .readOnly)
        #expect(extended.description.hasSuffix("(SQLITE_READONLY, extended 1288)"))
    }
}
