import Foundation
import KioskIO

/// A child process started by `PrivateCUPS` (through `ChildProcess`), with its output collected so start-up can
/// wait for a line (an event, not a sleep) and a failure can show what the program said.
final class PrivateCUPSProcess: @unchecked Sendable {
    let name: String
    private let executable: String
    private let arguments: [String]
    private let environment: [String: String]
    private let captureOutput: Bool
    private var child: ChildProcess?

    init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], name: String,
        captureOutput: Bool = true
    ) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        self.environment = env
        self.captureOutput = captureOutput
    }

    var collectedOutput: String { child?.output ?? "" }
    var isRunning: Bool { child?.isRunning ?? false }

    func start() throws(PrivateCUPSError) {
        do {
            child = try ChildProcess(executable, arguments, environment: environment, captureOutput: captureOutput)
        } catch {
            throw .startFailed(program: name, detail: "\(error)")
        }
    }

    func waitForOutput(containing text: String, deadline: Deadline) -> Bool {
        child?.waitForOutput(containing: text, deadline: deadline) ?? false
    }

    func waitForExit(deadline: Deadline) -> Bool { child?.waitForExit(deadline: deadline) ?? true }

    /// SIGTERM to its process group, then SIGKILL if it has not exited within `grace`.
    func stop(grace: Duration = .seconds(3)) { child?.stop(grace: grace) }

    /// SIGKILL at once (a crash).
    func crash() {
        child?.signal(SIGKILL)
        _ = child?.waitForExit(deadline: .after(seconds: 3))
    }

    /// Runs a short command to completion with a deadline; its exit status and output.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], deadline: Deadline,
        captureOutput: Bool = true
    ) throws(PrivateCUPSError) -> (Int32, String) {
        let process = PrivateCUPSProcess(
            executable, arguments, environment: environment, name: (executable as NSString).lastPathComponent,
            captureOutput: captureOutput)
        try process.start()
        guard process.waitForExit(deadline: deadline), let status = process.child?.exitStatus else {
            process.crash()
            throw .timedOut(
                what: "\(process.name) \(arguments.joined(separator: " "))", output: process.collectedOutput)
        }
        return (status, process.collectedOutput)
    }
}
