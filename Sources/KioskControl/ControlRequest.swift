import Foundation
import KioskCore

/// A staff member's action at the terminal, as `staff` takes it: the flow's four (`StaffAction`) and `cancel`, which
/// ends the session on the staff member's word (audited under their ID).
public enum StaffVerb: String, Sendable, Hashable, Codable, CaseIterable {
    case extendTime = "extend-time"
    case authoriseReprint = "authorise-reprint"
    case confirmLicencePrinted = "confirm-licence-printed"
    case handOff = "hand-off"
    case cancel
}

/// The log levels `log-level` takes, by name.
public enum LogLevelName: String, Sendable, Hashable, Codable, CaseIterable {
    case error, warning, notice, info, debug
}

/// Every request a control socket takes (docs/control-protocol.md), decoded and validated from one JSON line.
/// `flow` and `sim` carry their event's own fields on to the flow's and the simulators' parsers, which name the field
/// they refuse in the same way.
public enum ControlRequest: Sendable, Hashable, Codable {
    case ping
    case status
    case devices(role: DeviceRole?)
    case history(since: Date?, limit: Int)
    case outbox
    /// `hold`: released when this connection closes (kioskctl's default); otherwise kept until `release`.
    case inhibit(reason: String, hold: Bool)
    case release
    case logLevel(LogLevelName)
    case staff(staffID: String, action: StaffVerb)
    case flow(event: String, fields: [String: ControlJSON])
    case sim(action: String, fields: [String: ControlJSON])
    /// Turns the connection into a stream of `MonitorEvent`s (after a `MonitorAnswer`), until either side closes.
    case monitor
    /// What `kioskctl debug-bundle` packs (`DebugInfoReply`).
    case debugInfo
    /// Records `role`'s traffic for `seconds` and answers the trace (`CaptureReply`), masked unless asked otherwise.
    case capture(role: DeviceRole, seconds: Int, includePersonalData: Bool)
    /// Tests `targets` through the running daemon (`SelftestReply`); `print` allows a real licence test page.
    case selftest(targets: [SelftestTarget], print: Bool)

    /// The requests only admin.sock answers.
    public var needsAdmin: Bool {
        switch self {
        case .ping, .status, .devices, .history, .outbox, .monitor: false
        case .inhibit, .release, .logLevel, .staff, .flow, .sim, .debugInfo, .capture, .selftest: true
        }
    }

    public static let readOnlyCommands = ["ping", "status", "devices", "history", "outbox", "monitor"]
    public static let adminCommands = [
        "flow", "staff", "sim", "log-level", "inhibit", "release", "debug-info", "capture", "selftest",
    ]

    public var command: String {
        switch self {
        case .ping: "ping"
        case .status: "status"
        case .devices: "devices"
        case .history: "history"
        case .outbox: "outbox"
        case .inhibit: "inhibit"
        case .release: "release"
        case .logLevel: "log-level"
        case .staff: "staff"
        case .flow: "flow"
        case .sim: "sim"
        case .monitor: "monitor"
        case .debugInfo: "debug-info"
        case .capture: "capture"
        case .selftest: "selftest"
        }
    }

    /// Parses one request line: at most `ControlProtocol.maximumRequestBytes`, one JSON object, a known `command`,
    /// every field checked.
    public static func decode(line: [UInt8]) throws(FieldError) -> ControlRequest {
        guard line.count <= ControlProtocol.maximumRequestBytes else {
            throw FieldError(field: nil, "request longer than \(ControlProtocol.maximumRequestBytes) bytes")
        }
        guard let value = try? JSONDecoder().decode(ControlJSON.self, from: Data(line)),
            case .object(let fields) = value
        else {
            throw FieldError(field: nil, "each request must be one JSON object on one line")
        }
        return try ControlRequest(fields: fields)
    }

    public init(fields object: [String: ControlJSON]) throws(FieldError) {
        let fields = RequestFields(object)
        guard let value = object["command"], case .string(let command) = value else {
            throw .field("command", mustBe: "a string", got: object["command"])
        }
        switch command {
        case "ping": self = .ping
        case "status": self = .status
        case "devices":
            try fields.refuseUnknown(["role"], in: command)
            self = .devices(role: fields.has("role") ? try fields.oneOf("role", DeviceRole.self) : nil)
        case "history":
            try fields.refuseUnknown(["since", "limit"], in: command)
            self = .history(
                since: try fields.optionalDate("since"),
                limit: try fields.wholeNumber(
                    "limit", in: 1...ControlProtocol.maximumHistoryLimit, default: ControlProtocol.defaultHistoryLimit))
        case "outbox":
            try fields.refuseUnknown([], in: command)
            self = .outbox
        case "monitor":
            try fields.refuseUnknown([], in: command)
            self = .monitor
        case "debug-info":
            try fields.refuseUnknown([], in: command)
            self = .debugInfo
        case "capture":
            try fields.refuseUnknown(["role", "seconds", "includePersonalData"], in: command)
            self = .capture(
                role: try fields.oneOf("role", DeviceRole.self),
                seconds: try fields.wholeNumber(
                    "seconds", in: 1...ControlProtocol.longestCaptureSeconds, default: 10),
                includePersonalData: try fields.bool("includePersonalData", default: false))
        case "inhibit":
            try fields.refuseUnknown(["reason", "hold"], in: command)
            self = .inhibit(
                reason: try fields.requiredString("reason", maximumLength: ControlProtocol.maximumReasonLength),
                hold: try fields.bool("hold", default: false))
        case "release":
            try fields.refuseUnknown([], in: command)
            self = .release
        case "selftest":
            try fields.refuseUnknown(["targets", "print"], in: command)
            self = .selftest(
                targets: try Self.selftestTargets(object["targets"]), print: try fields.bool("print", default: false))
        case "log-level":
            try fields.refuseUnknown(["level"], in: command)
            self = .logLevel(try fields.oneOf("level", LogLevelName.self))
        case "staff":
            try fields.refuseUnknown(["staffID", "action"], in: command)
            self = .staff(
                staffID: try fields.requiredString("staffID", maximumLength: ControlProtocol.maximumStaffIDLength),
                action: try fields.oneOf("action", StaffVerb.self))
        case "flow":
            self = .flow(
                event: try fields.requiredString("event", maximumLength: 64),
                fields: object.filter { $0.key != "command" && $0.key != "event" })
        case "sim":
            self = .sim(
                action: try fields.requiredString("action", maximumLength: 64),
                fields: object.filter { $0.key != "command" && $0.key != "action" })
        default:
            let known = (Self.readOnlyCommands + Self.adminCommands).joined(separator: ", ")
            throw FieldError(field: "command", "unknown command '\(command.prefix(40))'; one of \(known)")
        }
    }

    /// The request as a JSON object, the form `encode(to:)` writes.
    public var fields: [String: ControlJSON] {
        var fields: [String: ControlJSON] = ["command": .string(command)]
        switch self {
        case .ping, .status, .outbox, .release, .monitor, .debugInfo: break
        case .devices(let role): if let role { fields["role"] = .string(role.rawValue) }
        case .history(let since, let limit):
            if let since { fields["since"] = .string(ControlDates.format(since)) }
            fields["limit"] = .int(limit)
        case .inhibit(let reason, let hold):
            fields["reason"] = .string(reason)
            if hold { fields["hold"] = .bool(true) }
        case .logLevel(let level): fields["level"] = .string(level.rawValue)
        case .capture(let role, let seconds, let includePersonalData):
            fields["role"] = .string(role.rawValue)
            fields["seconds"] = .int(seconds)
            if includePersonalData { fields["includePersonalData"] = .bool(true) }
        case .selftest(let targets, let print):
            fields["targets"] = .array(targets.map { .string($0.rawValue) })
            if print { fields["print"] = .bool(true) }
        case .staff(let staffID, let action):
            fields["staffID"] = .string(staffID)
            fields["action"] = .string(action.rawValue)
        case .flow(let event, let extra):
            fields.merge(extra) { old, _ in old }
            fields["event"] = .string(event)
        case .sim(let action, let extra):
            fields.merge(extra) { old, _ in old }
            fields["action"] = .string(action)
        }
        return fields
    }

    /// `targets`: a non-empty list of distinct `SelftestTarget` names, in the order they run.
    static func selftestTargets(_ value: ControlJSON?) throws(FieldError) -> [SelftestTarget] {
        let what = "a non-empty list of distinct: " + SelftestTarget.allCases.map(\.rawValue).joined(separator: ", ")
        guard case .array(let items) = value, !items.isEmpty, items.count <= SelftestTarget.allCases.count else {
            throw .field("targets", mustBe: what, got: value)
        }
        var targets: [SelftestTarget] = []
        for item in items {
            guard case .string(let name) = item, let target = SelftestTarget(rawValue: name), !targets.contains(target)
            else { throw .field("targets", mustBe: what) }
            targets.append(target)
        }
        return targets
    }

    public init(from decoder: any Decoder) throws {
        let value = try ControlJSON(from: decoder)
        guard case .object(let object) = value else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an object"))
        }
        do {
            self = try ControlRequest(fields: object)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws { try ControlJSON.object(fields).encode(to: encoder) }
}
