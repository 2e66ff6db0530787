import Foundation

/// A small tmpfs the test mounts (as root) so the state directory can really run out of space, and unmounts after.
final class SmallFileSystem {
    let url: URL
    private var filler: FileHandle?

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Whether this process may mount one (root, and a kernel that lets the sandbox mount tmpfs).
    static let canMount: Bool = {
        guard getuid() == 0, let probe = try? SmallFileSystem(megabytes: 1) else { return false }
        probe.unmount()
        return true
    }()

    init(megabytes: Int) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kioskd-fs-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let status = try Self.run(
            "/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0700", "tmpfs", url.path])
        guard status == 0 else {
            try? FileManager.default.removeItem(at: url)
            throw Failure(description: "mount -t tmpfs failed (\(status))")
        }
    }

    /// Writes a filler file until the file system refuses (ENOSPC).
    func fill() throws {
        let path = url.appendingPathComponent("filler").path
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw Failure(description: "cannot open \(path)") }
        filler = handle
        let chunk = Data(repeating: 0x5A, count: 16 * 1024)
        while (try? handle.write(contentsOf: chunk)) != nil {}
        // The last bytes: what a 16 KiB chunk could not take.
        let byte = Data([0x5A])
        while (try? handle.write(contentsOf: byte)) != nil {}
    }

    /// Deletes the filler: the space is free again.
    func free() {
        try? filler?.close()
        filler = nil
        try? FileManager.default.removeItem(at: url.appendingPathComponent("filler"))
    }

    func unmount() {
        free()
        _ = try? Self.run("/bin/umount", ["-l", url.path])
        try? FileManager.default.removeItem(at: url)
    }

    private static func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
