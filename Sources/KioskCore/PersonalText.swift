import Foundation

/// A piece of a citizen's personal data (name, ID number, address, phone). Its `description` is masked, so a stray
/// `print`, log line or string interpolation cannot leak it; the clear value is reached only through `.unmasked`,
/// which is easy to grep for.
public struct PersonalText: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    /// How to mask the value for display.
    public enum Kind: String, Sendable, Codable {
        case name, idNumber, address, phone, other
    }

    public let unmasked: String
    public let kind: Kind

    public init(_ value: String, kind: Kind) {
        unmasked = value
        self.kind = kind
    }

    /// The value as shown to anyone who is not the citizen: `张*`, `1101**********002X`, `北京市东城区****`.
    public var masked: String { Masking.mask(unmasked, as: kind) }

    public var description: String { masked }
    public var debugDescription: String { "PersonalText(\(kind.rawValue): \(masked))" }
    public var isEmpty: Bool { unmasked.isEmpty }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        unmasked = try container.decode(String.self, forKey: .value)
        kind = try container.decode(Kind.self, forKey: .kind)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(unmasked, forKey: .value)
        try container.encode(kind, forKey: .kind)
    }

    private enum CodingKeys: String, CodingKey { case value, kind }
}

/// Masking rules for personal data shown on receipts, screens for staff, logs and error messages.
public enum Masking {
    public static func mask(_ value: String, as kind: PersonalText.Kind) -> String {
        switch kind {
        case .name: name(value)
        case .idNumber: keepEnds(value, head: 4, tail: 4)
        case .phone: keepEnds(value, head: 3, tail: 4)
        case .address: address(value)
        case .other: String(repeating: "*", count: min(value.count, 8))
        }
    }

    /// First character, then one `*` per remaining character: `张*`, `欧阳**`→`欧**`. Latin names keep the first
    /// letter of each word: `JOHN SMITH` → `J*** S****`.
    public static func name(_ value: String) -> String {
        let trimmed = value.trimmed
        guard let first = trimmed.first else { return "" }
        if trimmed.contains(" ") {
            return trimmed.split(separator: " ").map { (word: Substring) -> String in
                "\(word.prefix(1))" + String(repeating: "*", count: max(0, word.count - 1))
            }.joined(separator: " ")
        }
        return String(first) + String(repeating: "*", count: max(1, trimmed.count - 1))
    }

    /// Keeps `head` and `tail` characters: `11010519491231002X` → `1101**********002X`. Short values are fully masked.
    public static func keepEnds(_ value: String, head: Int, tail: Int) -> String {
        let chars = Array(value)
        guard chars.count > head + tail else { return String(repeating: "*", count: chars.count) }
        return String(chars.prefix(head)) + String(repeating: "*", count: chars.count - head - tail)
            + String(chars.suffix(tail))
    }

    /// The first six characters (province, city, district at most), then `****`.
    public static func address(_ value: String) -> String {
        let chars = Array(value)
        guard chars.count > 6 else { return String(repeating: "*", count: chars.count) }
        return String(chars.prefix(6)) + "****"
    }
}
