import CKioskSupport
import Foundation

/// The sd_notify(3) protocol without libsystemd: newline-separated `KEY=VALUE` datagrams to `$NOTIFY_SOCKET`.
/// Does nothing when the variable is unset (not started by systemd with Type=notify).
public struct SystemdNotifier: Sendable {
    public let socketPath: String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `WATCHDOG_USEC` as a duration, when the watchdog is on for this process (`WATCHDOG_PID` unset or ours).
    public static func watchdogInterval(environment: [String: String] = ProcessInfo.processInfo.environment)
        -> Duration?
    {
        guard let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"], pid != String(getpid()) { return nil }
        return .microseconds(usec)
    }

    /// Sends `fields` (e.g. ["READY=1", "STATUS=ready"]). Wraps sendto(2) on an AF_UNIX datagram socket.
    public func notify(_ fields: [String]) throws(SystemError) {
        guard let socketPath else { return }
        let message = Array(fields.joined(separator: "\n").utf8)
        let rc = message.withUnsafeBytes { kiosk_unix_datagram_send(socketPath, $0.baseAddress, $0.count) }
        if rc != 0 { throw SystemError("sendto(\(socketPath))") }
    }
}
