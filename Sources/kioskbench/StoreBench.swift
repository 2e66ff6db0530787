import Foundation
import KioskCore
import KioskIO
import KioskStore

/// docs/ARCHITECTURE.md §13: a completed transaction is durable in ≤ 1.5× a bare SQLite WAL commit on the same disk,
/// and the pull API drains ≥ 5,000 tx/s. Runs in `$KIOSK_BENCH_DIR` (default: the temporary directory) so it can be
/// pointed at the disk that holds the real state directory.
enum StoreBench {
    static let commits = 300
    static let drained = 10_000
    static let pageSize = 500

    static func run() -> Int32 {
        let base = ProcessInfo.processInfo.environment["KIOSK_BENCH_DIR"] ?? FileManager.default.temporaryDirectory.path
        let directory = URL(fileURLWithPath: base).appendingPathComponent("kioskbench-store-\(getpid())")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            print("store bench in \(directory.path), SQLite \(LibraryVersions.sqlite), WAL, synchronous=FULL")
            let payload = String(decoding: try JSONEncoder().encode(sampleRecord(id: "T-0")), as: UTF8.self)
            let (bare, complete) = try interleavedCommits(in: directory, payload: payload)
            let ratio = median(complete) / median(bare)
            print(
                String(
                    format: "bare WAL commit (1-row insert, %d B): median %.3f ms, p95 %.3f ms", payload.utf8.count,
                    median(bare), p95(bare)))
            print(
                String(
                    format: "complete(record) (transaction + outbox + checkpoint clear): median %.3f ms, p95 %.3f ms",
                    median(complete), p95(complete)))
            print(
                String(
                    format: "complete / bare (median): %.2f× (target ≤ 1.5×) %@", ratio, ratio <= 1.5 ? "ok" : "MISSED")
            )
            let rate = try drain(path: directory.appendingPathComponent("pull.db").path)
            print(
                String(
                    format: "pull: drained %d records in pages of %d (page + ack): %.0f tx/s (target ≥ 5,000) %@",
                    drained, pageSize, rate, rate >= 5000 ? "ok" : "MISSED"))
            let (statusP99, writerPath) = try statusWhileAWriteWaits(in: directory)
            print(
                String(
                    format:
                        "status figures while a write waits for another connection's lock: p99 %.2f ms over %d reads "
                        + "(target ≤ 50 ms) %@; the same through the writer's connection: %.0f ms",
                    statusP99, statusReads, statusP99 <= 50 ? "ok" : "MISSED", writerPath))
            return ratio <= 1.5 && rate >= 5000 && statusP99 <= 50 ? 0 : 1
        } catch {
            print("store bench failed: \(error)")
            return 1
        }
    }

    /// Milliseconds per bare commit (`BEGIN IMMEDIATE; INSERT one row; COMMIT` with the store's pragmas, in its own
    /// file) and per `TransactionStore.complete(_:)` (a fresh transaction each time, its checkpoint saved first, not
    /// timed, so the clear in the same transaction has something to delete). The two alternate, so both see the same
    /// disk: the machine may be shared.
    private static func interleavedCommits(in directory: URL, payload: String) throws -> ([Double], [Double]) {
        let db = try SQLiteDatabase(path: directory.appendingPathComponent("bare.db").path)
        try db.setJournalModeWAL()
        try db.setSynchronous(.full)
        try db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
        let store = try TransactionStore.open(path: directory.appendingPathComponent("store.db").path)
        defer { store.close() }
        var bare: [Double] = []
        var complete: [Double] = []
        for index in 0..<commits {
            bare.append(
                try timed {
                    _ = try db.transaction { try db.run("INSERT INTO t (payload) VALUES (?)", [.text(payload)]) }
                })
            let record = sampleRecord(id: "T-\(index)")
            try store.saveCheckpoint(sessionID: record.id, state: Data(#"{"step":"rating"}"#.utf8))
            complete.append(try timed { _ = try store.complete(record) })
        }
        return (bare, complete)
    }

    /// Fills the outbox with `drained` records in one bulk transaction (setup, not timed), then drains it as the
    /// central server would: page after page, acknowledging each. Returns records per second.
    static func drain(path: String, record: TransactionRecord = sampleRecord(id: "T-0")) throws -> Double {
        try fill(path: path, count: drained, record: record)
        let store = try TransactionStore.open(path: path)
        defer { store.close() }
        var cursor: Int64 = 0
        var count = 0
        let start = ContinuousClock.now
        while true {
            let page = try store.page(after: cursor, limit: pageSize)
            count += page.entries.count
            if page.next > cursor { try store.ack(upTo: page.next) }
            cursor = page.next
            if !page.hasMore { break }
        }
        let elapsed = ContinuousClock.now - start
        guard count == drained else { throw StoreError.invalidArgument("drained \(count) of \(drained) records") }
        // What a `kioskctl status` costs the store with this many transactions in it.
        let figures = try (0..<20).map { _ in try timed { _ = try store.figures() } }
        print(String(format: "figures() with %d transactions: median %.3f ms", drained, median(figures)))
        return Double(count) / seconds(elapsed)
    }

    /// Puts `count` completed transactions (and their outbox entries) into the store at `path`, in one transaction,
    /// as a store without an event renderer writes them (sorted keys, dates in Unix milliseconds, no stored event).
    static func fill(path: String, count: Int, record: TransactionRecord = sampleRecord(id: "T-0")) throws {
        try TransactionStore.open(path: path).close()
        let db = try SQLiteDatabase(path: path, access: .readWrite)
        defer { db.close() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        let json = String(decoding: try encoder.encode(record), as: UTF8.self)
        try db.transaction {
            for index in 0..<count {
                try db.run(
                    """
                    INSERT INTO transactions (id, kiosk_id, started_at_ms, outcome, recorded_at_ms, record_json)
                    VALUES (?, 'KIOSK-0001', 0, 'completed', 0, ?)
                    """, [.text("T-\(index)"), .text(json)])
                try db.run(
                    "INSERT INTO outbox (transaction_id, payload, created_at_ms) VALUES (?, ?, 0)",
                    [.text("T-\(index)"), .text(json)])
                // Without a stored event, as a store without a renderer lists it (the daemon renders it at open).
                try db.run("INSERT INTO outbox_unrendered (seq) VALUES (?)", [.integer(db.lastInsertRowID)])
            }
        }
    }

    static let statusReads = 200

    /// Another connection holds the write lock; the writer's `complete` waits for it on a thread of its own (as on the
    /// store lane). Meanwhile `figures()` is read `statusReads` times through a read-only connection (what `status`
    /// uses) — and once through the waiting writer's own instance, the floor the old design had. Milliseconds.
    private static func statusWhileAWriteWaits(in directory: URL) throws -> (p99: Double, writerPath: Double) {
        let path = directory.appendingPathComponent("status.db").path
        let writer = try TransactionStore.open(path: path, options: .init(busyTimeout: .seconds(3)))
        defer { writer.close() }
        let reader = try TransactionStore.open(path: path, options: .init(readOnly: true))
        defer { reader.close() }
        _ = try writer.complete(sampleRecord(id: "T-warm"))
        let holder = try SQLiteDatabase(path: path, access: .readWrite)
        try holder.exec("BEGIN IMMEDIATE")
        // The waiting write and the writer-side read are what is measured against: either may end store-busy.
        let waiting = Thread { _ = try? writer.complete(sampleRecord(id: "T-waits")) }
        waiting.start()
        Thread.sleep(forTimeInterval: 0.05)
        let reads = try (0..<statusReads).map { _ in try timed { _ = try reader.figures() } }
        let throughWriter = try timed { _ = try? writer.figures() }
        try holder.exec("ROLLBACK")
        holder.close()
        return (percentile(reads, 0.99), throughWriter)
    }

    private static func timed(_ body: () throws -> Void) throws -> Double {
        let start = ContinuousClock.now
        try body()
        return seconds(ContinuousClock.now - start) * 1000
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private static func p95(_ values: [Double]) -> Double { percentile(values, 0.95) }

    /// A completed transaction of realistic size.
    static func sampleRecord(id: String) -> TransactionRecord {
        let start = Date(timeIntervalSince1970: 1_763_800_000)
        var record = TransactionRecord(id: id, kioskID: "KIOSK-0001", startedAt: start)
        record.identityVerifiedAt = start.addingTimeInterval(10)
        record.formSubmittedAt = start.addingTimeInterval(100)
        record.signedAt = start.addingTimeInterval(130)
        record.approvedAt = start.addingTimeInterval(131)
        record.licencePrintedAt = start.addingTimeInterval(200)
        record.endedAt = start.addingTimeInterval(260)
        record.outcome = .completed
        record.cardType = .resident
        record.applicantName = PersonalText("张三丰", kind: .name)
        record.applicantIDNumber = PersonalText("11010519491231002X", kind: .idNumber)
        record.form = ApplicationForm(
            kind: .company, name: "北京景山软件有限公司", entityType: "有限责任公司（自然人独资）",
            representative: PersonalText("张三丰", kind: .name), registeredCapitalWan: 100,
            address: PersonalText("北京市东城区景山前街4号", kind: .address),
            businessScope: "软件开发；信息技术咨询服务；技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广",
            phone: PersonalText("13800138000", kind: .phone))
        record.signatureSHA256 = String(repeating: "ab", count: 32)
        record.licenceJobID = 17
        record.licencePrint = .completed
        record.receiptPrint = .completed
        record.rating = ServiceRating(grade: .verySatisfied)
        return record
    }

    /// `sampleRecord` with the licence a completed transaction carries.
    static func sampleRecordWithLicence(id: String) -> TransactionRecord {
        var record = sampleRecord(id: id)
        let day = CivilDate(year: 2025, month: 11, day: 22)!
        record.licence = BusinessLicence(
            creditCode: "91110101MA01ABCD1X", name: "北京景山软件有限公司", entityType: "有限责任公司（自然人独资）",
            representative: "张三丰", kind: .company, registeredCapital: "壹佰万元整", establishedOn: day,
            businessTermFrom: day, businessTermUntil: .longTerm, address: "北京市东城区景山前街4号",
            businessScope: "软件开发；信息技术咨询服务；技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广",
            registrationAuthority: "北京市东城区市场监督管理局", issuedOn: day,
            qrPayload: "https://www.gsxt.gov.cn/91110101MA01ABCD1X")
        return record
    }
}
