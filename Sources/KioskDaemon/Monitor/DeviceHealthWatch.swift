import Foundation
import KioskDevices
import KioskIO

/// Where a device's health change becomes visible (docs/ARCHITECTURE.md §17): one log line at a level journald and
/// `journalctl -p warning` can filter on (a fault at warning, a recovery at notice), a `monitor` event, and systemd's
/// `STATUS=` line (`ready: 4/4 devices` / `degraded: receiptPrinter paper-end`), which `systemctl status` shows.
final class DeviceHealthWatch: @unchecked Sendable {
    private let terminal: Terminal
    private let logger: Logger
    private let events: EventHub
    private let notify: @Sendable ([String]) -> Void
    private let lock = NSLock()
    /// After READY=1; before it, the start-up probe's changes are logged but STATUS= waits for READY's own line.
    private var ready = false
    private var announced: String?

    init(terminal: Terminal, logger: Logger, events: EventHub, notify: @escaping @Sendable ([String]) -> Void) {
        self.terminal = terminal
        self.logger = logger
        self.events = events
        self.notify = notify
    }

    /// The status line to send with READY=1; later changes send their own.
    func markReady() -> String {
        lock.withLock {
            ready = true
            let line = statusLine()
            announced = line
            return line
        }
    }

    /// Called by the terminal after `role`'s health changed from `old` to `new`.
    func changed(_ role: DeviceRole, from old: DeviceHealth, to new: DeviceHealth) {
        let text = Self.describe(role, from: old, to: new)
        logger.log(Self.level(from: old, to: new), role.rawValue, text)
        events.publish(
            .device, "health",
            [
                "role": role.rawValue, "state": new.state.rawValue, "reasons": new.reasons.joined(separator: ","),
                "was": old.state.rawValue,
            ], text: text)
        // Under the lock, so two changes at once cannot send their lines in the wrong order.
        lock.withLock {
            guard ready else { return }
            let line = statusLine()
            guard line != announced else { return }
            announced = line
            notify(["STATUS=" + line])
        }
    }

    private func statusLine() -> String {
        let configured = DeviceRole.allCases.filter { terminal.endpoints[$0] != nil }
        return Self.statusLine(configured.map { ($0, terminal.health(of: $0)) })
    }

    /// `ready: 4/4 devices` when every configured device is ready (a ready device's reasons are notes, such as
    /// `simulated-pdf-sink`; limits such as paper-near-end make it degraded); otherwise `degraded: ` and each other
    /// device with its reasons (or its state when it gives none).
    static func statusLine(_ devices: [(DeviceRole, DeviceHealth)]) -> String {
        let problems = devices.filter { $0.1.state != .ready }
        guard !problems.isEmpty else { return "ready: \(devices.count)/\(devices.count) devices" }
        let listed = problems.map { role, health in
            "\(role.rawValue) "
                + (health.reasons.isEmpty ? health.state.rawValue : health.reasons.joined(separator: ","))
        }
        return "degraded: " + listed.joined(separator: "; ")
    }

    static func isBad(_ state: DeviceHealth.State) -> Bool { state == .faulted || state == .disconnected }

    /// Warning when a device becomes unusable (or stays so for another reason); notice when it recovers or its
    /// limits change; info for start-up (`starting` → anything usable).
    static func level(from old: DeviceHealth, to new: DeviceHealth) -> LogLevel {
        if isBad(new.state) { return .warning }
        if new.state == .starting || old.state == .starting { return .info }
        return .notice
    }

    static func describe(_ role: DeviceRole, from old: DeviceHealth, to new: DeviceHealth) -> String {
        let verb = isBad(old.state) && !isBad(new.state) && new.state != .starting ? "recovered: " : ""
        return "\(verb)\(new) (was \(old))"
    }
}
