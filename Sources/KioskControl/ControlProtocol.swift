import Foundation

/// Facts of the control protocol both ends agree on (docs/control-protocol.md).
public enum ControlProtocol {
    /// Announced in `hello`. 2: typed requests, every field validated and named in errors, `devices`, `history`,
    /// `outbox`, held inhibitions.
    public static let version = 2
    /// The longest request line accepted: room for `flow sign` with a base64 signature image of 256 KiB (about
    /// 350,000 bytes), and no more. A longer line is answered with an error and the connection is closed.
    public static let maximumRequestBytes = 512 * 1024
    /// `history`'s `limit` when none is given, and its ceiling.
    public static let defaultHistoryLimit = 20
    public static let maximumHistoryLimit = 1000
    /// The longest staff ID (a badge number, an employee code).
    public static let maximumStaffIDLength = 64
    /// The longest `capture`: the connection waits it out, and the trace must fit one reply line.
    public static let longestCaptureSeconds = 300
    /// The longest inhibition reason: it is shown on the screen.
    public static let maximumReasonLength = 200

    /// One message as one line: compact, keys sorted (stable for tests and diffs), slashes as they are.
    public static func encodeLine<Message: Encodable>(_ message: Message) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Array(try encoder.encode(message)) + [0x0A]
    }

    /// Pretty JSON for `kioskctl --json`.
    public static func encodePretty<Message: Encodable>(_ message: Message) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        return (try? encoder.encode(message)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// A reply line as `Reply`; nil when it is not one (then decode it as an `ErrorReply`).
    public static func decode<Message: Decodable>(_ type: Message.Type, from line: [UInt8]) -> Message? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(type, from: Data(line))
    }
}

/// A request the daemon refuses, naming the field: `field 'staffID' must be a non-empty string`.
public struct FieldError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The offending field (dotted for a nested one: `form.name`), nil when the whole line is wrong.
    public let field: String?
    public let description: String

    public init(field: String?, _ description: String) {
        self.field = field
        self.description = description
    }

    /// `field 'NAME' must be WHAT` and, when something else was sent, what it was.
    public static func field(_ name: String, mustBe what: String, got value: ControlJSON? = nil) -> FieldError {
        let got = value.map { ", got \($0.kind)" } ?? ""
        return FieldError(field: name, "field '\(name)' must be \(what)\(got)")
    }
}

/// Reads a request object's fields, each check failing with the field's name. Unknown fields are refused too, so a
/// misspelt option is an error rather than silently ignored.
public struct RequestFields: Sendable {
    public let fields: [String: ControlJSON]

    public init(_ fields: [String: ControlJSON]) { self.fields = fields }

    public func has(_ name: String) -> Bool { fields[name].map { $0 != .null } ?? false }

    public func requiredString(_ name: String, maximumLength: Int) throws(FieldError) -> String {
        guard let value = try optionalString(name, maximumLength: maximumLength) else {
            throw .field(name, mustBe: "a non-empty string of at most \(maximumLength) characters")
        }
        return value
    }

    /// Absent or null is nil; anything but a non-blank string of at most `maximumLength` characters is refused.
    public func optionalString(_ name: String, maximumLength: Int) throws(FieldError) -> String? {
        guard let value = fields[name], value != .null else { return nil }
        let what = "a non-empty string of at most \(maximumLength) characters"
        guard case .string(let text) = value else { throw .field(name, mustBe: what, got: value) }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, text.count <= maximumLength else {
            throw .field(name, mustBe: what)
        }
        return text
    }

    public func oneOf<Choice: RawRepresentable & CaseIterable>(_ name: String, _ type: Choice.Type) throws(FieldError)
        -> Choice
    where Choice.RawValue == String {
        let names = Choice.allCases.map(\.rawValue).joined(separator: ", ")
        guard let value = fields[name], case .string(let text) = value, let choice = Choice(rawValue: text) else {
            throw .field(
                name, mustBe: "one of \(names)", got: fields[name].flatMap { $0.stringValue == nil ? $0 : nil })
        }
        return choice
    }

    public func wholeNumber(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws(FieldError) -> Int
    {
        guard let value = fields[name], value != .null else { return fallback }
        let what = "a whole number in \(range.lowerBound)...\(range.upperBound)"
        guard case .int(let number) = value else { throw .field(name, mustBe: what, got: value) }
        guard range.contains(number) else { throw .field(name, mustBe: what) }
        return number
    }

    public func bool(_ name: String, default fallback: Bool) throws(FieldError) -> Bool {
        guard let value = fields[name], value != .null else { return fallback }
        guard case .bool(let flag) = value else { throw .field(name, mustBe: "true or false", got: value) }
        return flag
    }

    /// An RFC 3339 instant (`2026-12-01T08:00:00Z`).
    public func optionalDate(_ name: String) throws(FieldError) -> Date? {
        guard let text = try optionalString(name, maximumLength: 64) else { return nil }
        guard let date = ControlDates.parse(text) else {
            throw .field(name, mustBe: "an RFC 3339 time such as 2026-12-01T08:00:00Z")
        }
        return date
    }

    /// Refuses any field not in `known` (besides `command`).
    public func refuseUnknown(_ known: Set<String>, in command: String) throws(FieldError) {
        if let stray = fields.keys.sorted().first(where: { $0 != "command" && !known.contains($0) }) {
            let allowed = known.isEmpty ? "no fields" : "only " + known.sorted().joined(separator: ", ")
            throw FieldError(field: stray, "unknown field '\(stray.prefix(40))' for '\(command)' (it takes \(allowed))")
        }
    }
}

/// Times on the wire: RFC 3339 in UTC, with or without fractional seconds.
public enum ControlDates {
    public static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// RFC 3339 with milliseconds, for the times of log lines and monitor events.
    public static func formatWithMilliseconds(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
