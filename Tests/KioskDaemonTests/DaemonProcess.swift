import Foundation
import Glibc
import KioskIO
import KioskSimulators

/// kioskd started as a real process for a test (simulate mode, its own state directory), ready when it says
/// `READY=1` over sd_notify. Stopped (SIGTERM, then SIGKILL) when the test ends, even on failure.
/// Started with `ChildProcess` (posix_spawn + waitpid), whose exit detection does not depend on inherited sockets.
final class DaemonProcess {
    let stateDirectory: URL
    let child: ChildProcess
    let notify: SystemdNotifyListener

    var adminSocket: String { stateDirectory.appendingPathComponent("admin.sock").path }
    var statusSocket: String { stateDirectory.appendingPathComponent("kioskd.sock").path }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Starts `kioskd --simulate --state-dir DIR [--no-cups] [--no-central] [--config FILE] extra...` (without the
    /// central simulator unless `central`: most tests need neither its start-up time nor its registration); with `standardError`, kioskd's
    /// stderr is that descriptor (then `output` holds stdout only).
    init(
        stateDirectory: URL, cups: Bool = false, central: Bool = false, config: [String: Any]? = nil,
        extra: [String] = [],
        environment overrides: [String: String] = [:], readyTimeout: TimeInterval = 60, standardError: Int32? = nil
    ) throws {
        self.stateDirectory = stateDirectory
        try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        notify = try SystemdNotifyListener(directory: stateDirectory)
        var arguments = ["--simulate", "--state-dir", stateDirectory.path] + extra
        if !cups { arguments.append("--no-cups") }
        if !central { arguments.append("--no-central") }
        if let config {
            let file = stateDirectory.appendingPathComponent("kioskd.json")
            try JSONSerialization.data(withJSONObject: config).write(to: file)
            arguments += ["--config", file.path]
        }
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notify.path
        environment.merge(overrides) { $1 }
        child = try ChildProcess(
            ProcessRunner.executable("kioskd").path, arguments, environment: environment, standardError: standardError)
        // Wait for READY=1 in short slices so a daemon that exits at once is reported at once.
        let end = Date().addingTimeInterval(readyTimeout)
        var ready = false
        while !ready && child.isRunning && Date() < end { ready = notify.waitFor("READY=1", timeout: 0.2) }
        guard ready else {
            let running = child.isRunning
            stop()
            throw Failure(
                description:
                    "kioskd did not say READY=1 within \(readyTimeout) s (running: \(running)); output:\n\(output)")
        }
    }

    deinit { stop() }

    /// What kioskd wrote to stdout and stderr (the last 64 KiB).
    var output: String { child.output }
    var stderr: String { child.output }

    func admin() throws -> ControlConnection { try ControlConnection(path: adminSocket) }

    /// SIGKILL: no chance to clean up, as in a power cut or a crash.
    func kill9() {
        guard child.isRunning else { return }
        child.signal(SIGKILL)
        _ = child.waitForExit(deadline: .after(.seconds(30)))
    }

    /// SIGTERM and wait (at most `timeout`) for an orderly exit; returns the exit status (nil if it had to be killed).
    @discardableResult
    func terminate(timeout: TimeInterval = 60) -> Int32? {
        guard child.isRunning else { return child.exitStatus }
        child.signal(SIGTERM)
        guard child.waitForExit(deadline: .after(seconds: timeout)) else {
            kill9()
            return nil
        }
        return child.exitStatus
    }

    func stop() {
        if child.isRunning { terminate(timeout: 20) }
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
