import Foundation
import KioskIO

/// A client of kioskd's control sockets for tests: reads the `hello`, then one reply per request.
final class ControlConnection {
    let transport: DescriptorTransport
    private(set) var hello: [String: Any] = [:]
    private var buffer: [UInt8] = []

    struct Failure: Error, CustomStringConvertible { let description: String }

    init(path: String, timeout: Duration = .seconds(10)) throws {
        transport = try UnixSocket.connect(path: path, deadline: .after(timeout))
        hello = try readObject(deadline: .after(timeout))
    }

    deinit { transport.close() }

    func request(_ object: [String: Any], timeout: Duration = .seconds(30)) throws -> [String: Any] {
        let data = try JSONSerialization.data(withJSONObject: object)
        try transport.write(Array(data) + [0x0A], deadline: .after(.seconds(5)))
        return try readObject(deadline: .after(timeout))
    }

    func sendRaw(_ bytes: [UInt8]) throws { try transport.write(bytes, deadline: .after(.seconds(5))) }

    func readObject(deadline: Deadline) throws -> [String: Any] {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                    throw Failure(description: "not a JSON object: \(String(decoding: line, as: UTF8.self))")
                }
                return object
            }
            buffer += try transport.read(upTo: 65536, deadline: deadline)
        }
    }

    // Shorthands for the flow.

    @discardableResult
    func flow(_ event: String, _ extra: [String: Any] = [:]) throws -> [String: Any] {
        try request(["command": "flow", "event": event].merging(extra) { $1 })
    }

    @discardableResult
    func sim(_ action: String, _ extra: [String: Any] = [:]) throws -> [String: Any] {
        try request(["command": "sim", "action": action].merging(extra) { $1 })
    }

    /// Waits (event-driven, in the daemon) until the flow is at `step`.
    @discardableResult
    func wait(for step: String, timeout: Duration = .seconds(30)) throws -> [String: Any] {
        let ms = Int(timeout.components.seconds * 1000)
        let reply = try request(
            ["command": "flow", "event": "wait", "step": step, "timeoutMs": ms], timeout: timeout + .seconds(10))
        guard reply["ok"] as? Bool == true else {
            throw Failure(description: "waiting for \(step): \(reply["error"] ?? reply)")
        }
        return reply
    }
}
