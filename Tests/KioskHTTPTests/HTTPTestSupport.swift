import Foundation
import Glibc
import KioskCore
import KioskHTTP
import KioskIO

/// Runs the real `curl` and returns its exit status and stdout (curl's own messages are silenced with `-s`).
enum Curl {
    static let path = "/usr/bin/curl"

    struct Result {
        let status: Int32
        let output: String
    }

    static func run(_ arguments: [String], seconds: Double = 30) throws -> Result {
        let child = try ChildProcess(path, ["-s"] + arguments, environment: ["PATH": "/usr/bin:/bin"])
        guard child.waitForExit(deadline: .after(seconds: seconds)) else {
            child.stop()
            throw TestFailure("curl \(arguments) did not finish within \(seconds) s")
        }
        return Result(status: child.exitStatus ?? -1, output: child.output)
    }

    /// Starts curl without waiting for it.
    static func start(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(path, ["-s"] + arguments, environment: ["PATH": "/usr/bin:/bin"])
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A scratch directory removed at the end of the test.
final class ScratchDirectory {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "kioskhttp-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }
}

/// The one set of TLS credentials this test process serves with (libcups keeps them per process), created in a
/// directory that lives as long as the process.
enum TestCredentials {
    static let shared: HTTPServerCredentials = {
        var template = Array((NSTemporaryDirectory() + "kioskhttp-tls-XXXXXX").utf8CString)
        let directory = String(cString: mkdtemp(&template)!)
        return HTTPServerCredentials(directory: directory, commonName: "kioskd-test")
    }()
}

/// Waits, polling a counter the server keeps, until `condition` holds or `deadline` passes.
func waitUntil(_ deadline: Deadline, _ condition: () -> Bool) -> Bool {
    while !condition() {
        if deadline.hasPassed { return false }
        usleep(5000)
    }
    return true
}

/// Reads from `transport` until the peer closes or `deadline`; returns what arrived and whether it closed.
func readUntilClosed(_ transport: DescriptorTransport, deadline: Deadline) -> (bytes: [UInt8], closed: Bool) {
    var bytes: [UInt8] = []
    while true {
        do {
            let chunk = try transport.read(upTo: 65536, deadline: deadline)
            if chunk.isEmpty { return (bytes, true) }
            bytes += chunk
        } catch {
            if case .disconnected = error { return (bytes, true) }
            return (bytes, false)
        }
    }
}

/// A handler that answers with what it was sent, as lines `key: value`.
let echoHandler: HTTPHandler = { request in
    var lines = [
        "method: \(request.method.rawValue)", "path: \(request.target.path)",
        "segments: \(request.target.segments.joined(separator: "|"))",
        "query: \(request.target.query.map { "\($0.name)=\($0.value ?? "<none>")" }.joined(separator: "&"))",
        "host: \(request.host ?? "<none>")", "content-type: \(request.contentType ?? "<none>")",
        "bytes: \(request.body.count)", "body-sha256: \(SHA256Hex.of(request.body))",
        "encrypted: \(request.isEncrypted)", "peer: \(request.peerAddress)",
    ]
    if request.authorization != nil { lines.append("authorization: present") }
    return HTTPResponse(
        status: 200, contentType: "text/plain", body: Array((lines.joined(separator: "\n") + "\n").utf8))
}

enum SHA256Hex {
    static func of(_ bytes: [UInt8]) -> String { SHA256.hex(of: bytes) }
}

/// A thread-safe flag a handler sets.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
