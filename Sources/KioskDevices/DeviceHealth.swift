import Foundation
import KioskCore
import KioskIO

/// The roles live in KioskCore because the flow names them too.
public typealias DeviceRole = KioskCore.DeviceRole

/// How a device is doing, as `kioskctl status`, the UI and the metrics show it: the one health model of every driver
/// (docs/ARCHITECTURE.md §4.1). `state` and `reasons` are what a device *is*; `since` and `lastError` annotate it and
/// take no part in equality, so a driver that reports the same state again is not seen as a change.
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

    /// The last failed system call on the device: which node, which errno, and a sentence. Never personal data.
    public struct LastError: Sendable, Hashable, Codable, CustomStringConvertible {
        public var path: String
        /// 0 when the failure was no system call's (a timeout, a protocol error).
        public var errno: Int32
        public var message: String

        public init(path: String, errno: Int32, message: String) {
            self.path = path
            self.errno = errno
            self.message = message
        }

        public var description: String { errno == 0 ? message : "\(message) (errno \(errno))" }
    }

    public var state: State
    /// Stable kebab-case reason codes: `paper-end`, `cover-open`, `sam-selftest-failed`, `cups-queue-stopped`,
    /// `disconnected`, `permission-denied`, ... Never personal data.
    public var reasons: [String]
    /// When the device entered this state with these reasons (kept by `Terminal` across equal reports).
    public var since: Date?
    public var lastError: LastError?

    public init(_ state: State, reasons: [String] = [], since: Date? = Date(), lastError: LastError? = nil) {
        self.state = state
        self.reasons = reasons
        self.since = since
        self.lastError = lastError
    }

    /// The health of a device whose call on `path` failed with `errno`, by the one table (`DeviceFailure`).
    public static func failure(path: String, errno code: Int32, message: String) -> DeviceHealth {
        let failure = DeviceFailure.classify(errno: code)
        let state: State =
            switch failure {
            case .gone, .stalled: .disconnected
            case .permission, .busy, .other: .faulted
            }
        return DeviceHealth(
            state, reasons: [failure.reason], lastError: LastError(path: path, errno: code, message: message))
    }

    /// A copy carrying `error` as its last error.
    public func with(lastError error: LastError?) -> DeviceHealth {
        var copy = self
        copy.lastError = error
        return copy
    }

    public static func == (lhs: DeviceHealth, rhs: DeviceHealth) -> Bool {
        lhs.state == rhs.state && lhs.reasons == rhs.reasons
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(state)
        hasher.combine(reasons)
    }

    private enum CodingKeys: String, CodingKey { case state, reasons, since, lastError }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        state = try c.decode(State.self, forKey: .state)
        reasons = try c.decodeIfPresent([String].self, forKey: .reasons) ?? []
        since = try c.decodeIfPresent(String.self, forKey: .since).flatMap { try? Date($0, strategy: .iso8601) }
        lastError = try c.decodeIfPresent(LastError.self, forKey: .lastError)
    }

    /// `since` as an ISO 8601 UTC string, whatever the encoder's date strategy.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(state, forKey: .state)
        try c.encode(reasons, forKey: .reasons)
        try c.encodeIfPresent(since?.formatted(.iso8601), forKey: .since)
        try c.encodeIfPresent(lastError, forKey: .lastError)
    }

    public var description: String {
        reasons.isEmpty ? state.rawValue : "\(state.rawValue) (\(reasons.joined(separator: ", ")))"
    }
}
