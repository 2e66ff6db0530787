import Foundation
import Glibc
import KioskSimulators

/// kioskd started as a real process for a test (simulate mode, its own state directory), ready when it says
/// `READY=1` over sd_notify. Stopped (SIGTERM, then SIGKILL) when the test ends, even on failure.
final class DaemonProcess {
    let stateDirectory: URL
    let process = Process()
    let notify: SystemdNotifyListener
    let stdoutFile: URL
    let stderrFile: URL

    var adminSocket: String { stateDirectory.appendingPathComponent("admin.sock").path }
    var statusSocket: String { stateDirectory.appendingPathComponent("kioskd.sock").path }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Starts `kioskd --simulate --state-dir DIR [--no-cups] [--config FILE] extra...`.
    init(stateDirectory: URL, cups: Bool = false, config: [String: Any]? = nil, extra: [String] = [],
         readyTimeout: TimeInterval = 60) throws {
        self.stateDirectory = stateDirectory
        try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        notify = try SystemdNotifyListener(directory: stateDirectory)
        let run = UUID().uuidString.prefix(8)
        stdoutFile = stateDirectory.appendingPathComponent("kioskd-\(run).out")
        stderrFile = stateDirectory.appendingPathComponent("kioskd-\(run).err")
        _ = FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        var arguments = ["--simulate", "--state-dir", stateDirectory.path] + extra
        if !cups { arguments.append("--no-cups") }
        if let config {
            let file = stateDirectory.appendingPathComponent("kioskd.json")
            try JSONSerialization.data(withJSONObject: config).write(to: file)
            arguments += ["--config", file.path]
        }
        process.executableURL = ProcessRunner.executable("kioskd")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notify.path
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: stdoutFile)
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Wait for READY=1 in short slices so a daemon that exits at once is reported at once.
        let end = Date().addingTimeInterval(readyTimeout)
        var ready = false
        while !ready && process.isRunning && Date() < end { ready = notify.waitFor("READY=1", timeout: 0.2) }
        guard ready else {
            stop()
            throw Failure(description: "kioskd did not say READY=1 within \(readyTimeout) s (running: \(process.isRunning)); stderr:\n\(stderr)")
        }
    }

    deinit { stop() }

    var stderr: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }
    var stdout: String { (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? "" }

    func admin() throws -> ControlConnection { try ControlConnection(path: adminSocket) }

    /// SIGKILL: no chance to clean up, as in a power cut or a crash.
    func kill9() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and wait (at most `timeout`) for an orderly exit; returns the exit status.
    @discardableResult
    func terminate(timeout: TimeInterval = 60) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        let exited = DispatchSemaphore(value: 0)
        let waiter = Thread { [process] in process.waitUntilExit(); exited.signal() }
        waiter.start()
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            kill9()
            return nil
        }
        return process.terminationStatus
    }

    func stop() {
        if process.isRunning { terminate(timeout: 20) }
    }
}

/// A fresh directory under the system temp dir, removed by the caller with `remove()`.
struct TemporaryDirectory {
    let url: URL

    init(_ prefix: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
