import Foundation
import KioskIO

/// A private CUPS for tests, `kioskd --simulate` and bench work: its own cupsd (own config directory, a Unix
/// socket, `User lp`), an `ippeveprinter` as IPP Everywhere licence printer on an ephemeral loopback port, and one
/// queue added with `lpadmin -m everywhere` and `printer-error-policy=retry-job` (docs/device-protocols.md §3.4–3.5,
/// §6).
///
/// Faults are injected through the printer's print command (`setFault`). Every process started here is stopped
/// by `stop()`; an already-running system D-Bus / avahi is reused and left alone.
public final class PrivateCUPS: @unchecked Sendable {
    /// The temporary directory holding configuration, spool, logs and the socket.
    public let directory: URL
    /// cupsd's socket: give it to `LicencePrinter(server:)`, or as `CUPS_SERVER` to CUPS tools.
    public let socketPath: String
    public let queue: String
    public let printerPort: Int
    /// Where ippeveprinter keeps every document it received (`-k -d`).
    public let printerSpool: URL
    public var printerURI: String { "ipp://127.0.0.1:\(printerPort)/ipp/print" }
    /// Environment for CUPS command-line tools (`lp`, `lpstat`) aimed at this cupsd.
    public var environment: [String: String] { ["CUPS_SERVER": socketPath] }

    private let lock = NSLock()
    private var scheduler: PrivateCUPSProcess?
    private var printer: PrivateCUPSProcess?
    private var dnsSD: PrivateCUPSDNSSD.Lease?
    private var stopped = false

    /// Paths of the programs used; all from Debian's cups, cups-ipp-utils and cups-client packages.
    static let cupsd = "/usr/sbin/cupsd"
    static let ippeveprinter = "/usr/sbin/ippeveprinter"
    static let lpadmin = "/usr/sbin/lpadmin"

    /// Whether this machine can run a private CUPS (the programs exist and we are root, which cupsd needs to run
    /// filters as `lp`). When false, `reasonUnavailable` says why.
    public static var isAvailable: Bool { reasonUnavailable == nil }

    public static var reasonUnavailable: String? {
        for program in [cupsd, ippeveprinter, lpadmin] where !FileManager.default.isExecutableFile(atPath: program) {
            return "\(program) is missing; install cups, cups-ipp-utils and cups-client (scripts/install-deps.sh)"
        }
        if geteuid() != 0 { return "a private cupsd needs root (it runs its filters as user lp)" }
        return nil
    }

    /// Starts D-Bus/avahi if needed, then ippeveprinter, cupsd and the queue; waits for each to be ready (by its
    /// output or by a command succeeding), all before `deadline`. On failure everything started is stopped again.
    /// The waiting happens on a thread of its own, never on the caller's (Swift concurrency) thread.
    public static func start(
        queue: String = "licence", errorPolicy: String = "retry-job", deadline: Deadline = .after(seconds: 60)
    ) async throws(PrivateCUPSError) -> PrivateCUPS {
        try await offThread { () throws(PrivateCUPSError) in
            try startBlocking(queue: queue, errorPolicy: errorPolicy, deadline: deadline)
        }
    }

    /// Runs blocking process management on a dispatch thread (Foundation's child-exit watch must not be starved).
    static func offThread<T: Sendable>(_ body: @escaping @Sendable () throws(PrivateCUPSError) -> T)
        async throws(PrivateCUPSError) -> T
    {
        let result: Result<T, PrivateCUPSError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Result { () throws(PrivateCUPSError) -> T in try body() })
            }
        }
        return try result.get()
    }

    /// `start` for callers that are not async (a blocking call; not from a Swift concurrency thread).
    public static func startBlocking(
        queue: String = "licence", errorPolicy: String = "retry-job", deadline: Deadline = .after(seconds: 60)
    ) throws(PrivateCUPSError) -> PrivateCUPS {
        if let reason = reasonUnavailable { throw .unavailable(reason) }
        guard queue.range(of: "^[A-Za-z0-9_-]{1,64}$", options: .regularExpression) != nil else {
            throw .unavailable("queue name '\(queue)' must be 1–64 letters, digits, '-' or '_'")
        }
        // The printer's port is picked at random; another process may hold it (ephemeral ports are handed out from
        // the same range), so a printer that does not come up is tried again on another port.
        var attempt = 1
        while true {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "kiosk-cups-\(UUID().uuidString.prefix(8))")
            let cups = try PrivateCUPS(directory: directory, queue: queue, port: Int.random(in: 20000..<32768))
            do {
                try cups.writeConfiguration()
                cups.dnsSD = try PrivateCUPSDNSSD.acquire(deadline: deadline)
                try cups.startPrinter(deadline: deadline)
                try cups.startSchedulerBlocking(deadline: deadline)
                try cups.addQueue(errorPolicy: errorPolicy, deadline: deadline)
                return cups
            } catch {
                cups.stop()
                guard case .startFailed(program: "ippeveprinter", _) = error, attempt < 3, !deadline.hasPassed else {
                    throw error
                }
                attempt += 1
            }
        }
    }

    private init(directory: URL, queue: String, port: Int) throws(PrivateCUPSError) {
        self.directory = directory
        self.queue = queue
        printerPort = port
        socketPath = directory.appendingPathComponent("cups.sock").path
        printerSpool = directory.appendingPathComponent("printer-spool")
    }

    deinit { stop() }

    // MARK: - Configuration

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func writeConfiguration() throws(PrivateCUPSError) {
        let files: [(String, String, Int)] = [
            ("cupsd.conf", PrivateCUPSConfiguration.cupsdConf(socket: socketPath), 0o644),
            ("cups-files.conf", PrivateCUPSConfiguration.cupsFilesConf(root: directory.path), 0o644),
            ("printer-attributes.conf", PrivateCUPSConfiguration.printerAttributes, 0o644),
            ("print-command.sh", PrivateCUPSConfiguration.printCommand(directory: directory.path), 0o755),
            ("fault", PrivateCUPSFault.none.rawValue + "\n", 0o644),
        ]
        do {
            for sub in ["", "spool", "tmp", "cache", "state", "ppd", "printer-spool"] {
                try FileManager.default.createDirectory(atPath: path(sub), withIntermediateDirectories: true)
            }
            // cupsd runs filters as lp, which must traverse the directory.
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
            for (name, text, mode) in files {
                try Data(text.utf8).write(to: directory.appendingPathComponent(name))
                try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path(name))
            }
        } catch {
            throw .startFailed(program: "configuration", detail: "cannot write \(directory.path): \(error)")
        }
    }

    // MARK: - Processes

    private func startPrinter(deadline: Deadline) throws(PrivateCUPSError) {
        let process = PrivateCUPSProcess(
            PrivateCUPS.ippeveprinter,
            [
                "-v", "-p", String(printerPort), "-k", "-d", printerSpool.path, "-c", path("print-command.sh"),
                "-a", path("printer-attributes.conf"), "-r", "off", "kiosk-\(queue)",
            ],
            name: "ippeveprinter")
        try process.start()
        setPrinter(process)
        // It prints its attributes once its listeners exist.
        guard process.waitForOutput(containing: "printer-uri-supported", deadline: deadline) else {
            throw .startFailed(
                program: "ippeveprinter",
                detail: "not ready on port \(printerPort): \(process.collectedOutput.suffix(2000))")
        }
    }

    /// Starts (or restarts) cupsd and waits until it listens on its socket.
    public func startScheduler(deadline: Deadline = .after(seconds: 30)) async throws(PrivateCUPSError) {
        try await PrivateCUPS.offThread { () throws(PrivateCUPSError) in
            try self.startSchedulerBlocking(deadline: deadline)
        }
    }

    private func startSchedulerBlocking(deadline: Deadline) throws(PrivateCUPSError) {
        let process = PrivateCUPSProcess(
            PrivateCUPS.cupsd, ["-f", "-c", path("cupsd.conf"), "-s", path("cups-files.conf")], name: "cupsd")
        try process.start()
        lock.lock()
        scheduler = process
        lock.unlock()
        guard process.waitForOutput(containing: "Listening to \(socketPath)", deadline: deadline) else {
            throw .startFailed(program: "cupsd", detail: process.collectedOutput.suffix(2000).description)
        }
    }

    private func addQueue(errorPolicy: String, deadline: Deadline) throws(PrivateCUPSError) {
        let (status, output) = try PrivateCUPSProcess.run(
            PrivateCUPS.lpadmin,
            ["-p", queue, "-E", "-v", printerURI, "-m", "everywhere", "-o", "printer-error-policy=\(errorPolicy)"],
            environment: environment, deadline: deadline)
        guard status == 0 else { throw .startFailed(program: "lpadmin", detail: "exit \(status): \(output)") }
        // cupsd writes the IPP Everywhere PPD in the background after lpadmin returns; the queue is usable once
        // it exists (lpadmin exits 0 even when the printer could not be queried, so a missing PPD is a failure).
        let ppd = path("ppd/\(queue).ppd")
        while !FileManager.default.fileExists(atPath: ppd) {
            guard !deadline.hasPassed else {
                throw .startFailed(program: "lpadmin", detail: "cupsd wrote no PPD for \(printerURI): \(diagnostics)")
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    private func setPrinter(_ process: PrivateCUPSProcess) {
        lock.lock()
        printer = process
        lock.unlock()
    }

    /// Stops cupsd gracefully (SIGTERM), as a service restart would; ippeveprinter keeps running.
    public func stopScheduler() async {
        _ = try? await PrivateCUPS.offThread { () throws(PrivateCUPSError) in self.stopSchedulerBlocking() }
    }

    private func stopSchedulerBlocking() {
        lock.lock()
        let process = scheduler
        scheduler = nil
        lock.unlock()
        process?.stop()
    }

    /// Kills cupsd with SIGKILL, as a crash would.
    public func crashScheduler() async {
        _ = try? await PrivateCUPS.offThread { () throws(PrivateCUPSError) in self.crashSchedulerBlocking() }
    }

    private func crashSchedulerBlocking() {
        lock.lock()
        let process = scheduler
        scheduler = nil
        lock.unlock()
        process?.crash()
    }

    /// Stops everything this instance started and removes its directory. Safe to call twice.
    public func shutdown() async {
        _ = try? await PrivateCUPS.offThread { () throws(PrivateCUPSError) in self.stop() }
    }

    /// `shutdown` for callers that are not async (blocks while the processes exit).
    public func stop() {
        lock.lock()
        let processes = [scheduler, printer].compactMap { $0 }
        scheduler = nil
        printer = nil
        let lease = dnsSD
        dnsSD = nil
        let alreadyStopped = stopped
        stopped = true
        lock.unlock()
        // Release a held print command so ippeveprinter's child does not linger.
        _ = FileManager.default.createFile(atPath: path("release"), contents: Data())
        for process in processes { process.stop() }
        lease?.release()
        if !alreadyStopped { try? FileManager.default.removeItem(at: directory) }
    }

    // MARK: - Faults and output

    /// What the printer's print command does with the next jobs.
    public func setFault(_ fault: PrivateCUPSFault) {
        try? Data((fault.rawValue + "\n").utf8).write(to: directory.appendingPathComponent("fault"))
        try? FileManager.default.removeItem(atPath: path("release"))
    }

    /// Lets a job held by `.hold` finish (successfully).
    public func releaseHeldJob() {
        _ = FileManager.default.createFile(atPath: path("release"), contents: Data())
    }

    /// Documents ippeveprinter received, oldest first (file names `JOB-NAME.pdf`).
    public func receivedDocuments() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: printerSpool.path)) ?? []
        return names.filter { !$0.hasSuffix(".prn") }
            .sorted { (Int($0.prefix { $0.isNumber }) ?? 0) < (Int($1.prefix { $0.isNumber }) ?? 0) }
            .map { printerSpool.appendingPathComponent($0) }
    }

    /// One line per job the print command ran: `<fault> <file>`; the lines with `none` are sheets that "printed".
    public func printLog() -> [String] {
        guard let data = FileManager.default.contents(atPath: path("printed.log")) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// How many sheets came out (print command runs that succeeded).
    public func printedSheetCount() -> Int { printLog().filter { $0.hasPrefix("printed ") }.count }

    /// Whether the print command has started on a job (so a held job is at the printer).
    public func printCommandStarted() -> Bool { !printLog().isEmpty }

    /// cupsd's and ippeveprinter's recent output, for a failing test's message.
    public var diagnostics: String {
        lock.lock()
        let processes = [scheduler, printer].compactMap { $0 }
        lock.unlock()
        return processes.map { "--- \($0.name)\n\($0.collectedOutput.suffix(4000))" }.joined(separator: "\n")
    }
}

/// What the simulated printer does with a job (through ippeveprinter's `-c` print command).
public enum PrivateCUPSFault: String, Sendable, CaseIterable {
    /// Prints, and clears any media fault.
    case none
    /// Reports `media-empty-error` and fails the job.
    case mediaEmpty = "media-empty"
    /// Reports `media-jam-error` and fails the job.
    case mediaJam = "media-jam"
    /// The print command exits 1 with no state change.
    case failingExit = "failing-exit"
    /// Holds the job "printing" until `releaseHeldJob()` (or 60 s), then prints.
    case hold
}

/// Why a private CUPS could not start.
public enum PrivateCUPSError: Error, Sendable, CustomStringConvertible {
    case unavailable(String)
    case startFailed(program: String, detail: String)
    case timedOut(what: String, output: String)

    public var description: String {
        switch self {
        case .unavailable(let why): "private CUPS unavailable: \(why)"
        case .startFailed(let program, let detail): "private CUPS: \(program) did not start: \(detail)"
        case .timedOut(let what, let output): "private CUPS: '\(what)' did not finish in time: \(output.suffix(1000))"
        }
    }
}
