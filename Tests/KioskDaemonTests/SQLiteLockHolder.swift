import Foundation

/// Another process holding the write lock of a SQLite file (`BEGIN IMMEDIATE`), as a backup tool or a technician's
/// `sqlite3` shell would: python3's sqlite3 module, started for a test and released (or killed) by it.
final class SQLiteLockHolder {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Returns once the lock is held.
    init(path: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
            c.execute("BEGIN IMMEDIATE")
            print("locked", flush=True)
            sys.stdin.read()
            c.execute("ROLLBACK")
            """
        process.arguments = ["python3", "-c", script, path]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let line = output.fileHandleForReading.availableData
        guard String(decoding: line, as: UTF8.self).contains("locked") else {
            process.terminate()
            throw Failure(description: "python3 could not lock \(path)")
        }
    }

    /// Lets go of the lock and waits for the process to end.
    func release() {
        guard process.isRunning else { return }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}
