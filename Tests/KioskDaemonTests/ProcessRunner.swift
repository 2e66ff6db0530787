import Foundation

/// Runs one of this package's executables (built next to the test bundle) and collects what it printed.
struct ProcessRunner {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The directory of the running test bundle, where SwiftPM also puts the package's executables.
    static var productsDirectory: URL {
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent()
    }

    static func executable(_ name: String) -> URL { productsDirectory.appendingPathComponent(name) }

    /// Runs `name` with `arguments` and waits for it to exit (the deadline kills it, so a hung CLI fails the test).
    static func run(
        _ name: String, _ arguments: [String], environment: [String: String]? = nil,
        timeout: TimeInterval = 60
    ) throws -> Result {
        let process = Process()
        process.executableURL = executable(name)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        nonisolated(unsafe) var stdoutData = Data()
        let reader = Thread { stdoutData = out.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            exited.wait()
        }
        while !reader.isFinished { usleep(1000) }
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData, as: UTF8.self))
    }
}
