import Foundation

/// One thing that happened on the terminal, as `kioskctl monitor` shows it: a device's health, a card, a flow step, a
/// print, a staff call, a push to the centre. Built only from codes, ids and already masked text (`PersonalText`'s
/// description), never from a card's or a form's unmasked fields. On the wire (docs/control-protocol.md, `monitor`):
/// `{"class":"event","seq":…,"at":…,"kind":…,"event":…,"detail":{…},"text":…}`.
public struct MonitorEvent: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case device, card, flow, print, staff, central, monitor
    }

    public var `class` = "event"
    /// Ascending per daemon start, so a gap shows events the subscriber missed.
    public var seq: Int
    /// When it happened, with milliseconds (the wire form keeps them: `2026-12-01T18:45:22.123Z`).
    public var at: Date
    public var kind: Kind
    /// What happened within the kind: `health`, `presented`, `read`, `error`, `step`, `completed`, `failed`, ...
    public var event: String
    /// Codes and masked values by name (`role`, `state`, `reasons`, `cardType`, `idNumber`, `step`, ...).
    public var detail: [String: String]
    /// The line a technician reads.
    public var text: String

    public init(
        seq: Int = 0, at: Date = Date(), kind: Kind, event: String, detail: [String: String] = [:], text: String
    ) {
        self.seq = seq
        self.at = at
        self.kind = kind
        self.event = event
        self.detail = detail
        self.text = text
    }

    private enum CodingKeys: String, CodingKey {
        case `class`, seq, at, kind, event, detail, text
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .class)
        guard kind == "event" else {
            throw DecodingError.dataCorruptedError(forKey: .class, in: container, debugDescription: "not an event")
        }
        let at = try container.decode(String.self, forKey: .at)
        guard let date = ControlDates.parse(at) else {
            throw DecodingError.dataCorruptedError(forKey: .at, in: container, debugDescription: "not a time")
        }
        self.init(
            seq: try container.decode(Int.self, forKey: .seq), at: date,
            kind: try container.decode(Kind.self, forKey: .kind),
            event: try container.decode(String.self, forKey: .event),
            detail: try container.decodeIfPresent([String: String].self, forKey: .detail) ?? [:],
            text: try container.decode(String.self, forKey: .text))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(`class`, forKey: .class)
        try container.encode(seq, forKey: .seq)
        try container.encode(ControlDates.formatWithMilliseconds(at), forKey: .at)
        try container.encode(kind, forKey: .kind)
        try container.encode(event, forKey: .event)
        try container.encode(detail, forKey: .detail)
        try container.encode(text, forKey: .text)
    }
}

/// The first line of a `monitor` stream: the kinds of event that will follow.
public struct MonitorAnswer: Sendable, Hashable, Codable {
    public var `class` = "monitor"
    public var ok = true
    public var kinds: [String]

    public init(kinds: [String] = MonitorEvent.Kind.allCases.map(\.rawValue)) { self.kinds = kinds }
}

/// Sent on a quiet `monitor` stream every few seconds, so each side notices the other gone.
public struct MonitorHeartbeat: Sendable, Hashable, Codable {
    public var `class` = "heartbeat"
    public init() {}
}
