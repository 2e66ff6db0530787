import Foundation
import Glibc
import KioskIO
import KioskSimulators

/// kioskd as a process: start → READY=1, and idle RSS / CPU with every simulated device attached
/// (docs/ARCHITECTURE.md §13: READY ≤ 300 ms, RSS ≤ 25 MB, CPU ≤ 0.5 % of a core). The commit-time figure is the store
/// bench's.
enum DaemonBench {
    static func run() -> Int32 {
        let starts = Int(ProcessInfo.processInfo.environment["KIOSKD_BENCH_STARTS"] ?? "") ?? 10
        let idleSeconds = Double(ProcessInfo.processInfo.environment["KIOSKD_IDLE_SECONDS"] ?? "") ?? 60
        let kioskd =
            ProcessInfo.processInfo.environment["KIOSKD_BINARY"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
                "kioskd")
        var readyTimes: [Double] = []
        var status: Int32 = 0
        for run in 0..<starts {
            guard let daemon = try? BenchDaemon(executable: kioskd) else {
                print("daemon: could not start kioskd")
                return 1
            }
            guard let ready = daemon.waitReady() else {
                print("daemon: kioskd did not become ready")
                daemon.stop()
                return 1
            }
            readyTimes.append(ready)
            if run == starts - 1 {
                let (rss, cpu) = daemon.idleFigures(seconds: idleSeconds)
                print(
                    String(
                        format:
                            "daemon: --simulate (simulators inside kioskd) idle %.0f s: RSS %.1f MB, CPU %.2f %% of a core",
                        idleSeconds, rss, cpu))
            }
            daemon.stop()
        }
        // As in production: the devices outside the daemon (simulators in this process on a PTY and TCP),
        // kioskd started with a config file only.
        if let figures = productionIdle(kioskd: kioskd, seconds: idleSeconds) {
            print(
                String(
                    format:
                        "daemon: production mode, reader + receipt printer + dispenser attached, idle %.0f s: RSS %.1f MB (target ≤ 25), CPU %.2f %% of a core (target ≤ 0.5)",
                    idleSeconds, figures.rss, figures.cpu))
            if figures.rss > 25 || figures.cpu > 0.5 { status = 1 }
        } else {
            print("daemon: production-mode idle figures could not be taken")
            status = 1
        }
        readyTimes.sort()
        let median = readyTimes[readyTimes.count / 2]
        print(
            String(
                format: "daemon: start → READY=1 median %.0f ms, max %.0f ms over %d starts (target ≤ 300 ms)",
                median * 1000, (readyTimes.last ?? 0) * 1000, readyTimes.count))
        if median > 0.3 { status = 1 }
        print("daemon: completed-transaction commit vs bare WAL commit: see the store bench")
        return status
    }
}

/// kioskd with a config file pointing at simulators run by the bench itself.
private func productionIdle(kioskd: URL, seconds: Double) -> (rss: Double, cpu: Double)? {
    guard let reader = try? IDReaderSimulator(timing: .realistic),
        let receipt = try? ESCPOSPrinterSimulator.startTCP(options: .receiptPrinter),
        let dispenser = try? ESCPOSPrinterSimulator.startTCP(options: .dispenser())
    else { return nil }
    defer {
        reader.stop()
        receipt.stop()
        dispenser.stop()
    }
    func port(_ simulator: ESCPOSPrinterSimulator) -> Int {
        if case .tcp(_, let port) = simulator.endpoint { return Int(port) }
        return 0
    }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "kioskd-bench-prod-\(UUID().uuidString.prefix(8))")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let config: [String: Any] = [
        "kioskID": "BENCH-01", "stateDirectory": directory.path, "runtimeDirectory": directory.path,
        // Production mode names its registration authority (docs/ARCHITECTURE.md §15); the bench needs no centre.
        "authority": ["mode": "embedded"],
        "devices": [
            "idReader": ["transport": "serial", "path": reader.devicePath],
            "receiptPrinter": [
                "transport": "tcp", "host": "127.0.0.1", "port": port(receipt), "profile": "generic-80",
            ],
            "ticketDispenser": [
                "transport": "tcp", "host": "127.0.0.1", "port": port(dispenser), "profile": "kpm-ticket-80",
            ],
        ],
    ]
    let file = directory.appendingPathComponent("kioskd.json")
    guard (try? JSONSerialization.data(withJSONObject: config).write(to: file)) != nil,
        let daemon = try? BenchDaemon(executable: kioskd, arguments: ["--config", file.path], directory: directory)
    else { return nil }
    defer { daemon.stop() }
    guard daemon.waitReady() != nil else { return nil }
    let (rss, cpu) = daemon.idleFigures(seconds: seconds)
    return (rss, cpu)
}

/// One kioskd (by default in simulate mode with the PDF licence sink, so cupsd's own start-up is not counted)
/// with a notify socket.
private final class BenchDaemon {
    let process: ChildProcess
    let directory: URL
    let notify: SystemdNotifyListener
    let started: Date

    convenience init(executable: URL) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kioskd-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try self.init(
            executable: executable,
            arguments: ["--simulate", "--no-cups", "--no-central", "--state-dir", directory.path],
            directory: directory)
    }

    init(executable: URL, arguments: [String], directory: URL) throws {
        self.directory = directory
        notify = try SystemdNotifyListener(directory: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notify.path
        started = Date()
        process = try ChildProcess(executable.path, arguments, environment: environment, captureOutput: false)
    }

    /// Seconds from exec to READY=1, or nil.
    func waitReady() -> Double? {
        notify.waitFor("READY=1", timeout: 30) ? Date().timeIntervalSince(started) : nil
    }

    /// RSS in MB at the end, and CPU as % of one core over the idle period, from /proc.
    func idleFigures(seconds: Double) -> (Double, Double) {
        let before = cpuSeconds()
        let start = Date()
        Thread.sleep(forTimeInterval: seconds)
        let cpu = (cpuSeconds() - before) / Date().timeIntervalSince(start) * 100
        return (rssMegabytes(), cpu)
    }

    private func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state(0) ... utime is field 14 of the line, i.e. index 11 here; stime index 12.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    private func rssMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        return kilobytes / 1024
    }

    func stop() {
        process.stop(grace: .seconds(30))
        try? FileManager.default.removeItem(at: directory)
    }
}
