import Foundation
import Glibc
import KioskSimulators

/// kioskd as a process: start → READY=1, and idle RSS / CPU with every simulated device attached
/// (DESIGN §8: READY ≤ 300 ms, RSS ≤ 25 MB, CPU ≤ 0.5 % of a core). The commit-time figure is the store bench's.
enum DaemonBench {
    static func run() -> Int32 {
        let starts = Int(ProcessInfo.processInfo.environment["KIOSKD_BENCH_STARTS"] ?? "") ?? 10
        let idleSeconds = Double(ProcessInfo.processInfo.environment["KIOSKD_IDLE_SECONDS"] ?? "") ?? 60
        let kioskd = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
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
                            "daemon: idle %.0f s with all simulated devices: RSS %.1f MB (target ≤ 25), CPU %.2f %% of a core (target ≤ 0.5)",
                        idleSeconds, rss, cpu))
                if rss > 25 || cpu > 0.5 { status = 1 }
            }
            daemon.stop()
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

/// One kioskd in simulate mode (PDF licence sink, so cupsd's own start-up is not counted) with a notify socket.
private final class BenchDaemon {
    let process = Process()
    let directory: URL
    let notify: SystemdNotifyListener
    let started: Date

    init(executable: URL) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kioskd-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        notify = try SystemdNotifyListener(directory: directory)
        process.executableURL = executable
        process.arguments = ["--simulate", "--no-cups", "--state-dir", directory.path]
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notify.path
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        started = Date()
        try process.run()
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
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state(0) ... utime is field 14 of the line, i.e. index 11 here; stime index 12.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    private func rssMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        return kilobytes / 1024
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
