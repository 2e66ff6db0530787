import Foundation
import KioskCore

/// The first line on every connection.
public struct HelloReply: Sendable, Hashable, Codable {
    public var `class` = "hello"
    public var ok = true
    public var `protocol`: Int
    public var version: String
    /// `kioskd.sock` or `admin.sock`.
    public var socket: String
    /// The commands this socket answers.
    public var commands: [String]

    public init(protocol: Int = ControlProtocol.version, version: String, socket: String, commands: [String]) {
        self.protocol = `protocol`
        self.version = version
        self.socket = socket
        self.commands = commands
    }
}

/// Any refusal: `error` says what and, for a bad field, `field` names it.
public struct ErrorReply: Sendable, Hashable, Codable, Error, CustomStringConvertible {
    public var `class` = "error"
    public var ok = false
    public var error: String
    public var field: String?
    /// For flow requests: the step the flow is at.
    public var step: String?
    /// The refusal is about who asked (admin-only command on kioskd.sock, a peer not authorised).
    public var denied: Bool?

    public init(_ error: String, field: String? = nil, step: String? = nil, denied: Bool? = nil) {
        self.error = error
        self.field = field
        self.step = step
        self.denied = denied
    }

    public init(_ problem: FieldError) { self.init(problem.description, field: problem.field) }

    public var description: String { error }
}

public struct PongReply: Sendable, Hashable, Codable {
    public var `class` = "pong"
    public var ok = true
    public init() {}
}

/// `inhibit`, `release`.
public struct InhibitionReply: Sendable, Hashable, Codable {
    public var `class`: String
    public var ok = true
    public var inhibited: Bool
    public var reason: String?
    /// On `inhibit`: released when this connection closes.
    public var held: Bool?
    /// On `release`: whether there was an inhibition to lift.
    public var wasInhibited: Bool?

    public static func inhibited(reason: String, held: Bool) -> InhibitionReply {
        InhibitionReply(class: "inhibit", inhibited: true, reason: reason, held: held, wasInhibited: nil)
    }

    public static func released(wasInhibited: Bool) -> InhibitionReply {
        InhibitionReply(class: "release", inhibited: false, reason: nil, held: nil, wasInhibited: wasInhibited)
    }
}

public struct LogLevelReply: Sendable, Hashable, Codable {
    public var `class` = "log-level"
    public var ok = true
    public var level: LogLevelName
    public init(level: LogLevelName) { self.level = level }
}

/// A flow event's or a staff action's answer: where the flow is now and whether the event applied.
public struct FlowReply: Sendable, Hashable, Codable {
    public var `class` = "flow"
    public var ok = true
    public var step: String?
    public var transactionID: String?
    public var applied: Bool
    /// Why it did not apply.
    public var reason: String?
    public var lastTicket: String?
    /// `wait-ui`: the UI event's log-safe line.
    public var event: String?

    public init(
        step: String?, transactionID: String? = nil, applied: Bool, reason: String? = nil, lastTicket: String? = nil,
        event: String? = nil
    ) {
        self.step = step
        self.transactionID = transactionID
        self.applied = applied
        self.reason = reason
        self.lastTicket = lastTicket
        self.event = event
    }
}

public struct SimReply: Sendable, Hashable, Codable {
    public var `class` = "sim"
    public var ok = true
    public var action: String
    public init(action: String) { self.action = action }
}

/// `capture`'s answer: the trace in the capture format (docs/device-capture.md).
public struct CaptureReply: Sendable, Hashable, Codable {
    public var `class` = "capture"
    public var ok = true
    public var role: DeviceRole
    public var chunks: Int
    /// The recorder's limit was reached before the time was up.
    public var truncated: Bool
    public var masked: Bool
    public var trace: String

    public init(role: DeviceRole, chunks: Int, truncated: Bool, masked: Bool, trace: String) {
        self.role = role
        self.chunks = chunks
        self.truncated = truncated
        self.masked = masked
        self.trace = trace
    }
}
