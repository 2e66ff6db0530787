import Foundation
import KioskDaemon

extension ControlClient {
    /// Waits (event-driven, in the daemon) for a UI event whose log-safe line contains `text`; returns that line.
    @discardableResult
    func waitForUI(containing text: String, timeout: Duration = .seconds(30)) throws -> String {
        let ms = Int(timeout.components.seconds * 1000)
        let reply = try request(
            ["command": "flow", "event": "wait-ui", "contains": text, "timeoutMs": ms], timeout: timeout + .seconds(10))
        guard reply["ok"] as? Bool == true, let line = reply["event"] as? String else {
            throw Failure(description: "waiting for a UI event containing '\(text)': \(reply["error"] ?? reply)")
        }
        return line
    }
}
