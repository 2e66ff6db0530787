import KioskCore

/// The roles live in KioskCore because the flow names them too.
public typealias DeviceRole = KioskCore.DeviceRole

/// How a device is doing, as `kioskctl status` shows it.
public struct DeviceHealth: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum State: String, Sendable, Codable {
        /// Opening or probing.
        case starting
        /// Working; `reasons` may hold warnings such as `paper-near-end`.
        case ready
        /// Usable with limits (e.g. near end, toner low).
        case degraded
        /// Attached but cannot work until someone acts (`paper-end`, `cover-open`, `sam-selftest-failed`).
        case faulted
        /// Not attached or not answering.
        case disconnected
    }

    public var state: State
    /// Stable kebab-case reason codes: `paper-end`, `cover-open`, `sam-selftest-failed`, `cups-queue-stopped`,
    /// `disconnected`, ... Never personal data.
    public var reasons: [String]

    public init(_ state: State, reasons: [String] = []) {
        self.state = state
        self.reasons = reasons
    }

    public var description: String {
        reasons.isEmpty ? state.rawValue : "\(state.rawValue) (\(reasons.joined(separator: ", ")))"
    }
}
