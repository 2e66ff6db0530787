import Foundation
import KioskDaemon

/// Tests talk to kioskd with the same client kioskctl uses.
typealias ControlConnection = ControlClient

/// Shorthands for the flow and the simulators, on admin.sock.
extension ControlClient {
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
