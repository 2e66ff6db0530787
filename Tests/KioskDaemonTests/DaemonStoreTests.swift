import Foundation
import KioskCore
import KioskDaemon
import KioskIO
import KioskStore
import Testing

/// kioskd as a real process on a real store file: a damaged file refuses the start, and the maintenance pass at start
/// backs up and purges.
@Suite(.serialized) struct DaemonStoreTests {
    static let idNumber = "11010519491231002X"

    /// An ended transaction with personal data, `age` before now.
    static func record(_ id: String, endedAgo age: TimeInterval) -> TransactionRecord {
        let ended = Date().addingTimeInterval(-age)
        var record = TransactionRecord(id: id, kioskID: "STORE-01", startedAt: ended.addingTimeInterval(-300))
        record.endedAt = ended
        record.outcome = .completed
        record.applicantName = PersonalText("张三丰", kind: .name)
        record.applicantIDNumber = PersonalText(idNumber, kind: .idNumber)
        record.signatureSHA256 = String(repeating: "cd", count: 32)
        return record
    }

    /// A store in `directory` with a few transactions, checkpointed into the main file; returns the page size and
    /// the root page of `table`.
    private func makeStore(in directory: URL, rootOf table: String) throws -> (path: String, pageSize: Int, root: Int) {
        let path = TransactionStore.path(inStateDirectory: directory.path)
        let store = try TransactionStore.open(path: path)
        for index in 1...3 { try store.complete(Self.record("T-\(index)", endedAgo: 60)) }
        store.close()
        let raw = try SQLiteDatabase(path: path, access: .readWrite)
        defer { raw.close() }
        try raw.exec("PRAGMA wal_checkpoint(TRUNCATE)")
        let root = try #require(
            try raw.firstRow("SELECT rootpage FROM sqlite_schema WHERE name = ?", [.text(table)]) { Int($0.int64(0)) })
        return (path, Int(try raw.pageSize()), root)
    }

    private func overwrite(_ path: String, page: Int, pageSize: Int, bytes range: Range<Int>) throws {
        var data = try #require(FileManager.default.contents(atPath: path))
        for offset in range { data[(page - 1) * pageSize + offset] = UInt8(truncatingIfNeeded: offset &* 37 &+ 11) }
        try data.write(to: URL(fileURLWithPath: path))
    }

    private func startKioskd(_ directory: URL) throws -> ProcessRunner.Result {
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = nil
        return try ProcessRunner.run(
            "kioskd", ["--simulate", "--state-dir", directory.path, "--no-cups", "--no-central"],
            environment: environment,
            timeout: 60)
    }

    /// Overwritten data pages: before the check kioskd started, reported `ok` and wrote new rows next to the garbage.
    @Test func start_onStoreWithOverwrittenDataPage_refusesWithStoreCorruptAndRestoreAdvice() throws {
        let dir = try TemporaryDirectory("kioskd-corrupt")
        defer { dir.remove() }
        let (path, pageSize, root) = try makeStore(in: dir.url, rootOf: "transactions")
        try overwrite(path, page: root, pageSize: pageSize, bytes: 0..<pageSize)
        let damaged = FileManager.default.contents(atPath: path)

        let result = try startKioskd(dir.url)

        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot start: the store cannot be used (store-corrupt)"))
        #expect(result.stderr.contains("restore the last backup"))
        #expect(result.stderr.contains("docs/store-backup-and-restore.md"))
        #expect(!result.stderr.contains("READY"))
        // Left exactly as found, for analysis.
        #expect(FileManager.default.contents(atPath: path) == damaged)
    }

    /// Overwritten schema page: before the check this read as "schema version N … a newer kioskd wrote it".
    @Test func start_onStoreWithOverwrittenSchemaPage_refusesAsCorruptNotAsNewer() throws {
        let dir = try TemporaryDirectory("kioskd-corrupt")
        defer { dir.remove() }
        let (path, pageSize, root) = try makeStore(in: dir.url, rootOf: "schema_version")
        try overwrite(path, page: root, pageSize: pageSize, bytes: (pageSize - 1000)..<pageSize)

        let result = try startKioskd(dir.url)

        #expect(result.status == 1)
        #expect(result.stderr.contains("(store-corrupt)"))
        #expect(result.stderr.contains("restore the last backup"))
        #expect(!result.stderr.contains("newer kioskd"))
    }

    /// The pass at start: a verified private backup in stateDirectory/backups (the oldest beyond `backup.keep`
    /// removed), and the personal data of a transaction older than `retention.personalDataDays` purged and audited.
    @Test func start_runsMaintenance_backsUpAndPurgesOldPersonalData() throws {
        let dir = try TemporaryDirectory("kioskd-maintenance")
        defer { dir.remove() }
        let path = TransactionStore.path(inStateDirectory: dir.url.path)
        let seed = try TransactionStore.open(path: path)
        try seed.complete(Self.record("T-old", endedAgo: 31 * 86_400))
        try seed.complete(Self.record("T-new", endedAgo: 29 * 86_400))
        seed.close()
        let backups = TransactionStore.backupDirectory(inStateDirectory: dir.url.path)
        try FileManager.default.createDirectory(atPath: backups, withIntermediateDirectories: true)
        for old in ["kioskd-20200101.db", "kioskd-20200102.db"] {
            #expect(FileManager.default.createFile(atPath: backups + "/" + old, contents: Data()))
        }

        let daemon = try DaemonProcess(
            stateDirectory: dir.url,
            config: ["kioskID": "STORE-01", "retention": ["personalDataDays": 30], "backup": ["keep": 2]])
        #expect(daemon.child.waitForOutput(containing: "maintenance: backup", deadline: .after(.seconds(30))))
        #expect(daemon.terminate() == 0)
        #expect(daemon.output.contains("retention purged 1 transaction(s)"))

        let names = TransactionStore.backups(in: backups).map { ($0 as NSString).lastPathComponent }
        #expect(names.count == 2)
        #expect(names.first == "kioskd-20200102.db")
        let today = try #require(TransactionStore.backups(in: backups).last)
        let attributes = try FileManager.default.attributesOfItem(atPath: today)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let copy = try SQLiteDatabase(path: today, access: .readOnly)
        #expect(try copy.quickCheck() == [])
        #expect(try copy.firstRow("SELECT COUNT(*) FROM transactions") { $0.int64(0) } == 2)
        copy.close()

        let store = try TransactionStore.open(path: path, options: .init(readOnly: true))
        defer { store.close() }
        let old = try #require(try store.transaction(id: "T-old"))
        #expect(old.applicantIDNumber == nil)
        #expect(old.applicantName == nil)
        #expect(old.signatureSHA256 == nil)
        #expect(old.outcome == .completed)
        #expect(try store.transaction(id: "T-new")?.applicantIDNumber?.unmasked == Self.idNumber)
        let audit = try store.auditEntries().filter { $0.action == "retention-purge" }
        #expect(audit.map(\.actor) == ["kioskd"])
        #expect(audit.first?.detail.contains("1 transaction(s) ended before") == true)
    }
}

/// The maintenance pass and its schedule, on a real store file, without the daemon.
@Suite struct StoreMaintenanceTests {
    @Test func retention_countsFromTheEnd_untilACentreCollects_thenFromItsAcknowledgement() throws {
        var config = DaemonConfig()
        #expect(StoreMaintenance.Settings(config: config).retentionAnchor == .ended)
        config.central.pull = PullConfig(host: "127.0.0.1", port: 0, tls: false, tokenSHA256: [])
        #expect(StoreMaintenance.Settings(config: config).retentionAnchor == .acknowledged)
    }

    @Test func pass_onDamagedStore_reportsStoreCorrupt_andNeitherPurgesNorBacksUp() throws {
        let dir = try TemporaryDirectory("kioskd-maintenance")
        defer { dir.remove() }
        let path = TransactionStore.path(inStateDirectory: dir.url.path)
        let store = try TransactionStore.open(path: path)
        defer { store.close() }
        for index in 1...3 { try store.complete(DaemonStoreTests.record("T-\(index)", endedAgo: 40 * 86_400)) }
        let raw = try SQLiteDatabase(path: path, access: .readWrite)
        try raw.exec("PRAGMA wal_checkpoint(TRUNCATE)")
        let pageSize = Int(try raw.pageSize())
        let root = try #require(
            try raw.firstRow("SELECT rootpage FROM sqlite_schema WHERE name = 'transactions'") { Int($0.int64(0)) })
        raw.close()
        var data = try #require(FileManager.default.contents(atPath: path))
        for offset in 0..<pageSize { data[(root - 1) * pageSize + offset] = UInt8(truncatingIfNeeded: offset &* 7) }
        try data.write(to: URL(fileURLWithPath: path))
        let backups = dir.url.appendingPathComponent("backups").path

        let report = StoreMaintenance.pass(
            store: store, settings: .init(backupDirectory: backups), at: Date(), checkIntegrity: true)

        #expect(report.integrity == "store-corrupt")
        #expect(report.backup == nil)
        #expect(report.purged == 0)
        #expect(report.problems.first?.hasPrefix("store-corrupt: ") == true)
        #expect(!FileManager.default.fileExists(atPath: backups))
    }

    /// The schedule: a pass at once, then one per interval, each on the lane it was given (here one that counts).
    @Test func run_passesAtOnceAndThenEveryInterval_onTheGivenLane() async throws {
        let dir = try TemporaryDirectory("kioskd-maintenance")
        defer { dir.remove() }
        let store = try TransactionStore.open(path: TransactionStore.path(inStateDirectory: dir.url.path))
        defer { store.close() }
        let (passes, sink) = AsyncStream.makeStream(of: StoreMaintenance.Report.self)
        let onQueue = StoreMaintenance.dispatchLane(label: "test.maintenance")
        let maintenance = StoreMaintenance(
            store: store,
            settings: .init(
                backupDirectory: dir.url.appendingPathComponent("backups").path, interval: .milliseconds(50)),
            logger: Logger(level: .error, write: { _ in true }),
            lane: { pass in
                let report = await onQueue(pass)
                sink.yield(report)
                return report
            })
        let task = Task { await maintenance.run() }
        var reports: [StoreMaintenance.Report] = []
        let watchdog = Task {
            try await Task.sleep(for: .seconds(20))
            sink.finish()
        }
        for await report in passes {
            reports.append(report)
            if reports.count == 3 { break }
        }
        task.cancel()
        watchdog.cancel()
        #expect(reports.count == 3)
        // The first pass leaves the check to the open; later ones check.
        #expect(reports.map(\.integrity) == [nil, "ok", "ok"])
        #expect(reports.allSatisfy { $0.problems.isEmpty && $0.backup != nil })
        #expect(maintenance.latestReport != nil)
    }
}
