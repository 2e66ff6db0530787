import Foundation
import Glibc
import KioskCore
import KioskDaemon
import KioskHTTP
import KioskIO
import KioskSimulators
import KioskStore

/// The central link under load (docs/ARCHITECTURE.md §13): kioskd as a real process on a store filled beforehand
/// with completed transactions, each with its licence.
/// - Pull over TLS, as the centre does it with KioskHTTP's client pinned to the kiosk's certificate: 10,000
///   transactions in pages of 500, an ack per page (≥ 5,000 tx/s, page p99 ≤ 50 ms); then 50 pullers at once, every
///   answer a 200.
/// - Push of a 10,000-transaction backlog to the central simulator (in this process; ≥ 2,000 tx/s).
/// Beside them, the store-only drain (the store bench's) on the same machine in the same run: the floor.
enum CentralBench {
    static let transactions = 10_000
    static let pageSize = 500
    static let concurrentPullers = 50
    static let pagesPerPuller = 2
    static let token = "bench-token"

    static func run() -> Int32 {
        let kioskd =
            ProcessInfo.processInfo.environment["KIOSKD_BINARY"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
                "kioskd")
        let base = ProcessInfo.processInfo.environment["KIOSK_BENCH_DIR"] ?? FileManager.default.temporaryDirectory.path
        let directory = URL(fileURLWithPath: base).appendingPathComponent("kioskbench-central-\(getpid())")
        defer { try? FileManager.default.removeItem(at: directory) }
        var status: Int32 = 0
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let floor = try StoreBench.drain(
                path: directory.appendingPathComponent("floor.db").path,
                record: StoreBench.sampleRecordWithLicence(id: "T-0"))
            print(
                String(
                    format: "store only: drained %d in pages of %d (page + ack): %.0f tx/s", transactions, pageSize,
                    floor))

            let write = try writeCost(directory: directory.appendingPathComponent("write"))
            print(
                String(
                    format:
                        "stored events (rendered once, when written): %d at open %.0f ms (%.1f µs each); "
                        + "complete() median %.3f ms with the renderer, %.3f ms without",
                    transactions, write.backfill, write.backfill * 1000 / Double(transactions), write.completeWith,
                    write.completeWithout))

            let pull = try pullFigures(kioskd: kioskd, directory: directory.appendingPathComponent("pull"))
            let rateOK = pull.rate >= 5000
            let p99OK = pull.pageP99 <= 50
            print(
                String(
                    format:
                        "pull over TLS: %d in pages of %d + ack: %.0f tx/s (target ≥ 5,000) %@, %.0f %% of the store-only rate",
                    transactions, pageSize, pull.rate, rateOK ? "ok" : "MISSED", pull.rate / floor * 100))
            print(
                String(
                    format:
                        "pull over TLS: page (GET of %d) median %.1f ms, p99 %.1f ms (target ≤ 50 ms) %@; ack median %.1f ms; "
                        + "%d TLS connection(s) for %d requests",
                    pageSize, pull.pageMedian, pull.pageP99, p99OK ? "ok" : "MISSED", pull.ackMedian, pull.connections,
                    transactions / pageSize * 2))
            let concurrentOK = pull.concurrentErrors == 0
            print(
                String(
                    format:
                        "pull over TLS: %d pullers at once, %d pages of %d each: %d errors (target 0) %@, %.0f tx/s together",
                    concurrentPullers, pagesPerPuller, pageSize, pull.concurrentErrors, concurrentOK ? "ok" : "MISSED",
                    pull.concurrentRate))
            if !rateOK || !p99OK || !concurrentOK { status = 1 }

            let push = try pushRate(kioskd: kioskd, directory: directory.appendingPathComponent("push"))
            let pushOK = push >= 2000
            print(
                String(
                    format:
                        "push to the central simulator: a backlog of %d in batches of 100: %.0f tx/s (target ≥ 2,000) %@",
                    transactions, push, pushOK ? "ok" : "MISSED"))
            if !pushOK { status = 1 }
        } catch {
            print("central bench failed: \(error)")
            return 1
        }
        return status
    }

    struct PullFigures {
        var rate: Double
        var pageMedian: Double
        var pageP99: Double
        var ackMedian: Double
        /// TLS connections the sequential drain made (1 when keep-alive held).
        var connections: Int
        var concurrentErrors: Int
        var concurrentRate: Double
    }

    private static func pullFigures(kioskd: URL, directory: URL) throws -> PullFigures {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Completed transactions as they are: each with its licence.
        try StoreBench.fill(
            path: TransactionStore.path(inStateDirectory: directory.path), count: transactions,
            record: StoreBench.sampleRecordWithLicence(id: "T-0"))
        let daemon = try BenchKioskd(
            executable: kioskd, directory: directory,
            central: ["pull": ["listen": "127.0.0.1:0", "tokenSHA256": [SHA256.hex(of: Array(token.utf8))]]])
        defer { daemon.stop() }
        let (port, fingerprint) = try daemon.pullListener()
        guard let pin = PeerVerification.pin(hex: fingerprint) else { throw BenchFailure("bad fingerprint") }
        // One kept-alive connection for the drain, as a centre pulls page after page.
        let puller = Puller(port: port, verification: pin)

        var pages: [Double] = []
        var acks: [Double] = []
        var cursor: Int64 = 0
        var count = 0
        let start = ContinuousClock.now
        while true {
            let pageStart = ContinuousClock.now
            let page = try puller.page(after: cursor)
            pages.append(StoreBench.seconds(ContinuousClock.now - pageStart) * 1000)
            count += page.events
            if page.next > cursor {
                let ackStart = ContinuousClock.now
                try puller.ack(upTo: page.next)
                acks.append(StoreBench.seconds(ContinuousClock.now - ackStart) * 1000)
            }
            cursor = page.next
            if !page.hasMore { break }
        }
        let elapsed = StoreBench.seconds(ContinuousClock.now - start)
        guard count == transactions else { throw BenchFailure("pulled \(count) of \(transactions)") }

        // 50 centres at once (pulling is by cursor, so each reads from the start again).
        let errors = Counter()
        let concurrentStart = ContinuousClock.now
        DispatchQueue.concurrentPerform(iterations: concurrentPullers) { index in
            let puller = Puller(port: port, verification: pin)
            defer { puller.close() }
            var after = Int64(index % (transactions / pageSize - pagesPerPuller + 1) * pageSize)
            for _ in 0..<pagesPerPuller {
                do {
                    let page = try puller.page(after: after)
                    guard page.events == pageSize else { throw BenchFailure("short page: \(page.events)") }
                    after = page.next
                } catch {
                    errors.add(error)
                }
            }
        }
        let concurrentElapsed = StoreBench.seconds(ContinuousClock.now - concurrentStart)
        if let first = errors.first { print("pull over TLS: first error of the concurrent pullers: \(first)") }
        let connections = puller.connectionsMade
        puller.close()
        return PullFigures(
            rate: Double(count) / elapsed, pageMedian: median(pages), pageP99: percentile(pages, 0.99),
            ackMedian: median(acks), connections: connections, concurrentErrors: errors.count,
            concurrentRate: Double(concurrentPullers * pagesPerPuller * pageSize) / concurrentElapsed)
    }

    /// What rendering each event once costs where it now happens: the daemon's open of a store whose `transactions`
    /// entries have no stored event yet, less a plain open of the same file (milliseconds), and `complete()` with the
    /// daemon's renderer and without it, alternating, each in its own file.
    private static func writeCost(directory: URL) throws -> (
        backfill: Double, completeWith: Double, completeWithout: Double
    ) {
        let state = directory.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let path = TransactionStore.path(inStateDirectory: state.path)
        try StoreBench.fill(path: path, count: transactions, record: StoreBench.sampleRecordWithLicence(id: "T-0"))
        let plainStart = ContinuousClock.now
        try TransactionStore.open(path: path).close()
        let plain = StoreBench.seconds(ContinuousClock.now - plainStart)
        let config = DaemonConfig(kioskID: "BENCH-01", stateDirectory: state.path)
        let openStart = ContinuousClock.now
        let opened: TransactionStore
        do { opened = try StoreMaintenance.openStore(config: config) } catch { throw BenchFailure("\(error)") }
        let rendering = StoreBench.seconds(ContinuousClock.now - openStart)
        opened.close()

        let withState = directory.appendingPathComponent("with")
        try FileManager.default.createDirectory(at: withState, withIntermediateDirectories: true)
        let rendered: TransactionStore
        do {
            rendered = try StoreMaintenance.openStore(
                config: DaemonConfig(kioskID: "BENCH-01", stateDirectory: withState.path))
        } catch { throw BenchFailure("\(error)") }
        defer { rendered.close() }
        let bare = try TransactionStore.open(path: directory.appendingPathComponent("without.db").path)
        defer { bare.close() }
        var with: [Double] = []
        var without: [Double] = []
        for index in 0..<300 {
            for (store, into) in [(rendered, 0), (bare, 1)] {
                let record = StoreBench.sampleRecordWithLicence(id: "T-\(index)")
                try store.saveCheckpoint(sessionID: record.id, state: Data(#"{"step":"rating"}"#.utf8))
                let start = ContinuousClock.now
                _ = try store.complete(record)
                let ms = StoreBench.seconds(ContinuousClock.now - start) * 1000
                if into == 0 { with.append(ms) } else { without.append(ms) }
            }
        }
        return ((rendering - plain) * 1000, median(with), median(without))
    }

    /// Transactions per second from kioskd's READY=1 until the simulated centre holds the whole backlog.
    private static func pushRate(kioskd: URL, directory: URL) throws -> Double {
        let state = directory.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        try StoreBench.fill(
            path: TransactionStore.path(inStateDirectory: state.path), count: transactions,
            record: StoreBench.sampleRecordWithLicence(id: "T-0"))
        let credentials = directory.appendingPathComponent("centre-tls")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        let centre = try CentralSimulator(host: "127.0.0.1", port: 0, directory: credentials.path, token: token)
        defer { centre.stop() }
        let tokenFile = directory.appendingPathComponent("push-token")
        try Data(token.utf8).write(to: tokenFile)
        _ = chmod(tokenFile.path, 0o600)
        let daemon = try BenchKioskd(
            executable: kioskd, directory: state,
            central: [
                "push": [
                    "url": centre.url + "/v1/events", "tokenFile": tokenFile.path,
                    "tls": ["pinSHA256": centre.certificateSHA256],
                ]
            ])
        defer { daemon.stop() }
        guard daemon.waitReady() else { throw BenchFailure("kioskd did not become ready: \(daemon.output)") }
        let start = ContinuousClock.now
        let deadline = Deadline.after(seconds: 120)
        while centre.received.count < transactions {
            guard !deadline.hasPassed else {
                throw BenchFailure("the centre holds \(centre.received.count) of \(transactions) after 120 s")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let elapsed = StoreBench.seconds(ContinuousClock.now - start)
        let redelivered = centre.received.reduce(0) { $0 + $1.deliveries - 1 }
        if redelivered > 0 { print("push: \(redelivered) re-deliveries") }
        return Double(transactions) / elapsed
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Errors from many threads.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [any Error] = []
    func add(_ error: any Error) { lock.withLock { errors.append(error) } }
    var count: Int { lock.withLock { errors.count } }
    var first: (any Error)? { lock.withLock { errors.first } }
}

/// The centre's side of a pull: KioskHTTP's client on one kept-alive TLS connection, the kiosk's certificate pinned.
private struct Puller: Sendable {
    let connection: HTTPClientConnection

    init(port: UInt16, verification: PeerVerification) {
        connection = HTTPClientConnection(host: "127.0.0.1", port: port, verification: verification)
    }

    var connectionsMade: Int { connection.connectionsMade }

    func close() { connection.close() }

    struct Page {
        var events: Int
        var next: Int64
        var hasMore: Bool
    }

    func page(after: Int64) throws -> Page {
        let response = try connection.send(
            .get, "/v1/transactions?after=\(after)&limit=\(CentralBench.pageSize)", bearerToken: CentralBench.token,
            deadline: .after(seconds: 30), maximumResponseBytes: 16 << 20)
        guard response.status == 200, let page = Self.scan(response.body) else {
            throw BenchFailure("page after \(after): HTTP \(response.status)")
        }
        return page
    }

    /// The events counted by their opening and the cursor read from the page's tail (`"next":N,"hasMore":B}`),
    /// without a JSON parse: the client's own decoding is not kioskd's cost, and on two shared cores it would be
    /// counted against it. A page that does not look like that is nil.
    static func scan(_ body: [UInt8]) -> Page? {
        let opening = Array(#"{"specversion":"1.0""#.utf8)
        var events = 0
        var index = 0
        while index + opening.count <= body.count {
            if body[index] == opening[0], body[index..<index + opening.count].elementsEqual(opening) {
                events += 1
                index += opening.count
            } else {
                index += 1
            }
        }
        let tail = String(decoding: body.suffix(64), as: UTF8.self)
        guard let range = tail.range(of: #""next":"#, options: .backwards) else { return nil }
        let rest = tail[range.upperBound...]
        guard let next = Int64(rest.prefix { $0.isNumber }) else { return nil }
        let hasMore = rest.hasSuffix(#""hasMore":true}"#)
        guard hasMore || rest.hasSuffix(#""hasMore":false}"#) else { return nil }
        return Page(events: events, next: next, hasMore: hasMore)
    }

    func ack(upTo: Int64) throws {
        let response = try connection.send(
            .post, "/v1/transactions/ack", contentType: "application/json", bearerToken: CentralBench.token,
            body: Array("{\"upTo\":\(upTo)}".utf8), deadline: .after(seconds: 30))
        guard response.status == 200 else { throw BenchFailure("ack up to \(upTo): HTTP \(response.status)") }
    }
}

/// kioskd in simulate mode (PDF licences, no cupsd) with a `central` section, its log captured.
private final class BenchKioskd {
    let process: ChildProcess
    let directory: URL
    let notify: SystemdNotifyListener

    init(executable: URL, directory: URL, central: [String: Any]) throws {
        self.directory = directory
        let file = directory.appendingPathComponent("kioskd.json")
        try JSONSerialization.data(withJSONObject: ["kioskID": "BENCH-01", "central": central]).write(to: file)
        notify = try SystemdNotifyListener(directory: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notify.path
        process = try ChildProcess(
            executable.path,
            ["--simulate", "--no-cups", "--state-dir", directory.path, "--config", file.path],
            environment: environment)
    }

    var output: String { process.output }

    func waitReady() -> Bool { notify.waitFor("READY=1", timeout: 30) }

    /// The port and certificate fingerprint kioskd logs for its pull listener.
    func pullListener() throws -> (UInt16, String) {
        guard waitReady(), process.waitForOutput(containing: "certificate SHA-256 ", deadline: .after(seconds: 10)),
            let line = output.components(separatedBy: "\n").first(where: {
                $0.contains("pull API listening on https://127.0.0.1:")
            }),
            let port = line.components(separatedBy: "https://127.0.0.1:").last.flatMap({
                UInt16($0.prefix { $0.isNumber })
            }),
            let fingerprint = line.components(separatedBy: "certificate SHA-256 ").last?.prefix(64)
        else { throw BenchFailure("kioskd's pull listener did not start: \(output)") }
        return (port, String(fingerprint))
    }

    func stop() { process.stop(grace: .seconds(30)) }
}
