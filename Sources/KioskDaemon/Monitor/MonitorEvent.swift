import Foundation

/// One thing that happened on the terminal, as `kioskctl monitor` shows it: a device's health, a card, a flow step, a
/// print, a staff call, a push to the centre. Built only from codes, ids and already masked text (`PersonalText`'s
/// description), never from a card's or a form's unmasked fields.
public struct MonitorEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case device, card, flow, print, staff, central, monitor
    }

    /// Ascending per daemon start, so a gap shows events the subscriber missed.
    public var seq: Int
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

    /// The JSON line's object: `{"class":"event","seq":…,"at":…,"kind":…,"event":…,"detail":{…},"text":…}`.
    public var json: [String: Any] {
        [
            "class": "event", "seq": seq, "at": RecentLogLines.timestamp(at), "kind": kind.rawValue, "event": event,
            "detail": detail, "text": text,
        ]
    }

    /// The event back from its JSON line (kioskctl's side); nil when the object is not an event.
    public init?(json object: [String: Any]) {
        guard object["class"] as? String == "event", let kindName = object["kind"] as? String,
            let kind = Kind(rawValue: kindName), let event = object["event"] as? String,
            let text = object["text"] as? String
        else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        self.init(
            seq: object["seq"] as? Int ?? 0, at: (object["at"] as? String).flatMap(formatter.date(from:)) ?? Date(),
            kind: kind, event: event, detail: object["detail"] as? [String: String] ?? [:], text: text)
    }
}
