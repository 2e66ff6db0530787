import KioskProtocols

/// Bytes to print, with a title for logs (never personal data).
public struct PrinterJob: Sendable, Hashable {
    public var title: String
    public var bytes: [UInt8]

    public init(title: String, bytes: [UInt8]) {
        self.title = title
        self.bytes = bytes
    }
}

/// Why a job failed or has an unknown outcome: a stable reason code (`paper-end`, `cover-open`, `disconnected`,
/// `status-timeout`, ...) and a sentence for the technician.
public struct PrintProblem: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var reason: String
    public var message: String

    public init(reason: String, message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(reason): \(message)" }
}

/// The outcome of a print. `failed` means nothing reached the printer (safe to retry elsewhere or later); `unknown`
/// means bytes were sent but the result could not be confirmed — never reprint automatically.
public enum PrintResult: Sendable, Hashable, CustomStringConvertible {
    case printed
    case failed(PrintProblem)
    case unknown(PrintProblem)

    public var description: String {
        switch self {
        case .printed: "printed"
        case .failed(let problem): "failed (\(problem))"
        case .unknown(let problem): "unknown (\(problem))"
        }
    }
}

/// The outcome of dispensing a queue ticket.
public enum DispenseResult: Sendable, Hashable, CustomStringConvertible {
    /// Presented and taken by the citizen.
    case taken
    /// Presented, not taken in time, left in the exit by policy.
    case left
    /// Presented, not taken in time, pulled back in by policy.
    case retracted
    /// Nothing was printed.
    case failed(PrintProblem)
    /// Bytes were sent but what happened after is not known.
    case unknown(PrintProblem)

    public var description: String {
        switch self {
        case .taken: "taken"
        case .left: "left in the exit"
        case .retracted: "retracted"
        case .failed(let problem): "failed (\(problem))"
        case .unknown(let problem): "unknown (\(problem))"
        }
    }
}

/// What `selfTest()` found.
public struct PrinterSelfTestReport: Sendable, Hashable, CustomStringConvertible {
    public var health: DeviceHealth
    public var status: PrinterStatus?
    /// The IEEE 1284 device ID, when the transport can read one.
    public var deviceID: String?

    public var description: String {
        var text = "health: \(health)"
        if let status { text += "; status: \(status)" }
        if let deviceID { text += "; device ID: \(deviceID)" }
        return text
    }
}

extension DeviceHealth {
    /// Health from a printer status: blocking conditions fault it, near-end degrades it.
    public init(printerStatus status: PrinterStatus) {
        let blocking = status.blockingConditions
        if !blocking.isEmpty {
            var reasons = blocking.map(\.rawValue)
            if status.contains(.paperNearEnd) && !status.contains(.paperEnd) {
                reasons.append(PrinterCondition.paperNearEnd.rawValue)
            }
            self.init(.faulted, reasons: reasons)
        } else if status.contains(.paperNearEnd) {
            self.init(.degraded, reasons: [PrinterCondition.paperNearEnd.rawValue])
        } else {
            self.init(.ready)
        }
    }
}
