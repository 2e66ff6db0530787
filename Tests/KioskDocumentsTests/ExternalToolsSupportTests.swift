import Foundation
import Testing

/// Runs the Debian tools that check our output from outside: zbarimg (zbar-tools), pdftotext and pdftoppm
/// (poppler-utils). Each run has a deadline; a tool that is missing is reported by name.
enum ExternalTools {
    struct Result {
        let status: Int32
        let output: String
    }

    static let searchPath = ["/usr/bin", "/usr/local/bin", "/bin"]

    static func path(of tool: String) -> String? {
        searchPath.map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `tool` with `arguments`, kills it if it runs past `seconds`, returns its exit status and stdout.
    static func run(
        _ tool: String, _ arguments: [String], seconds: Double = 60, environment: [String: String]? = nil
    ) throws -> Result {
        guard let executable = path(of: tool) else {
            throw ToolMissing(
                description: "\(tool) is not installed; run scripts/install-deps.sh (poppler-utils, zbar-tools)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        if finished.wait(timeout: .now() + seconds) == .timedOut {
            process.terminate()
            finished.wait()
        }
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    struct ToolMissing: Error, CustomStringConvertible {
        let description: String
    }

    /// A fresh directory under the temporary directory; the caller removes it.
    static func temporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

@Test func externalTools_missingTool_isReportedByName() {
    #expect(throws: ExternalTools.ToolMissing.self) { try ExternalTools.run("no-such-tool-kiosk", []) }
}
