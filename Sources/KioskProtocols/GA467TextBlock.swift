// The fuzz build (scripts/fuzz.sh) compiles KioskCore and this module as one module.
#if canImport(KioskCore)
    import KioskCore
#endif

/// Why a 256-byte text block could not become an `IdentityCard`. Never carries card content in its description.
public enum GA467TextBlockError: Error, Sendable, Hashable, CustomStringConvertible {
    case wrongSize(Int)
    /// The marker at byte 248 is not one of space / J / I / Y. `raw` holds the block for a later decoder; it is
    /// personal data and is not printed.
    case unsupportedCardType(marker: UInt16, raw: [UInt8])
    /// A date field is not `YYYYMMDD` (the field is named, its content is not shown).
    case invalidDate(field: String)

    public var description: String {
        switch self {
        case .wrongSize(let size): "the card text block has \(size) bytes; 256 are expected"
        case .unsupportedCardType(let marker, _):
            "unsupported card type (marker U+\(String(marker, radix: 16, uppercase: true)) at byte 248)"
        case .invalidDate(let field): "the card's \(field) is not a valid YYYYMMDD date"
        }
    }
}

/// Decodes the 256-byte text block of GA 490 cards (docs/device-protocols.md §1.7): UTF-16LE fields right-padded with
/// spaces, card type chosen by the marker at byte 248.
public enum GA467TextBlock {
    public static let size = 256
    public static let markerOffset = 248

    /// The card type the marker at byte 248 names; nil for an unknown marker.
    public static func cardType(marker: UInt16) -> CardType? {
        switch marker {
        case 0x0020: .resident
        case 0x004A: .hkMacaoTaiwanPermit
        case 0x0049: .foreignerPermanent2017
        case 0x0059: .foreignerPermanent2023
        default: nil
        }
    }

    /// The marker character for a card type (inverse of `cardType(marker:)`).
    public static func marker(for type: CardType) -> UInt16 {
        switch type {
        case .resident: 0x0020
        case .hkMacaoTaiwanPermit: 0x004A
        case .foreignerPermanent2017: 0x0049
        case .foreignerPermanent2023: 0x0059
        }
    }

    public static func decode(_ block: [UInt8]) throws(GA467TextBlockError) -> IdentityCard {
        guard block.count == size else { throw .wrongSize(block.count) }
        let fields = Fields(block)
        let marker = fields.unit(at: markerOffset)
        guard let type = cardType(marker: marker) else { throw .unsupportedCardType(marker: marker, raw: block) }
        switch type {
        case .resident, .hkMacaoTaiwanPermit: return try decodeResidentLayout(fields, type: type)
        case .foreignerPermanent2017: return try decodeForeigner2017(fields)
        case .foreignerPermanent2023: return try decodeForeigner2023(fields)
        }
    }

    /// §1.7.2 and §1.7.3: the resident layout; J cards have no nation and add pass number and issue count.
    private static func decodeResidentLayout(_ f: Fields, type: CardType) throws(GA467TextBlockError) -> IdentityCard {
        let isPermit = type == .hkMacaoTaiwanPermit
        return IdentityCard(
            cardType: type,
            name: PersonalText(f.text(0, 30), kind: .name),
            gender: gender(f.text(30, 2)),
            nation: isPermit ? nil : f.text(32, 4),
            birthDate: try f.date(36, field: "birth date"),
            address: PersonalText(f.text(52, 70), kind: .address),
            idNumber: PersonalText(f.text(122, 36), kind: .idNumber),
            issuingAuthority: f.text(158, 30),
            validFrom: try f.date(188, field: "valid-from date"),
            validUntil: try f.validity(204),
            passNumber: isPermit ? f.text(220, 18) : nil,
            issueCount: isPermit ? f.text(238, 4) : nil)
    }

    /// §1.7.4: English name first; the Chinese name (optional on the card) becomes `name` when present.
    private static func decodeForeigner2017(_ f: Fields) throws(GA467TextBlockError) -> IdentityCard {
        let english = f.text(0, 120)
        let chinese = f.text(158, 30)
        return IdentityCard(
            cardType: .foreignerPermanent2017,
            name: PersonalText(chinese.isEmpty ? english : chinese, kind: .name),
            gender: gender(f.text(120, 2)),
            birthDate: try f.date(220, field: "birth date"),
            idNumber: PersonalText(f.text(122, 30), kind: .idNumber),
            issuingAuthority: f.text(240, 8),
            validFrom: try f.date(188, field: "issue date"),
            validUntil: try f.validity(204),
            englishName: PersonalText(english, kind: .name),
            nationality: f.text(152, 6),
            chineseName: chinese.isEmpty ? nil : PersonalText(chinese, kind: .name))
    }

    /// §1.7.5: the English name runs over two fields (chars 1–35 at 52, 36–46 at 220).
    private static func decodeForeigner2023(_ f: Fields) throws(GA467TextBlockError) -> IdentityCard {
        // When the name runs into the second field, only trailing padding goes: the join must stay at character 35.
        let head = f.rawText(52, 70)
        let tail = f.rawText(220, 22)
        let english = trim(tail).isEmpty ? trim(head) : trim(head + tail, leading: false)
        return IdentityCard(
            cardType: .foreignerPermanent2023,
            name: PersonalText(f.text(0, 30), kind: .name),
            gender: gender(f.text(30, 2)),
            birthDate: try f.date(36, field: "birth date"),
            idNumber: PersonalText(f.text(122, 36), kind: .idNumber),
            validFrom: try f.date(188, field: "issue date"),
            validUntil: try f.validity(204),
            englishName: PersonalText(english, kind: .name),
            nationality: f.text(242, 6),
            renewalCount: f.text(32, 4))
    }

    /// GB/T 2261.1; an unknown code reads as 0 (未知的性别).
    private static func gender(_ code: String) -> Gender { Gender(rawValue: code) ?? .unknown }

    /// Drops the U+0020 padding (and NULs, ideographic spaces some readers leave) at both ends, or only at the end.
    /// Works on Unicode scalars, not Characters: a padding space can join the grapheme before it (e.g. after
    /// U+0600), which would hide it from a Character-based trim (found by the fuzzer).
    static func trim(_ text: String, leading: Bool = true) -> String {
        let scalars = Array(text.unicodeScalars)
        let isPadding: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\u{0}" || $0 == "\u{3000}" }
        guard let end = scalars.lastIndex(where: { !isPadding($0) }) else { return "" }
        let start = leading ? (scalars.firstIndex(where: { !isPadding($0) }) ?? end) : 0
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[start...end])
        return String(view)
    }

    /// Field access into one block.
    private struct Fields {
        let block: [UInt8]
        init(_ block: [UInt8]) { self.block = block }

        func unit(at offset: Int) -> UInt16 { UInt16(block[offset]) | UInt16(block[offset + 1]) << 8 }

        /// UTF-16LE as is (ill-formed units become U+FFFD).
        func rawText(_ offset: Int, _ length: Int) -> String {
            let units = stride(from: offset, to: offset + length, by: 2).map { unit(at: $0) }
            return String(decoding: units, as: UTF16.self)
        }

        func text(_ offset: Int, _ length: Int) -> String { GA467TextBlock.trim(rawText(offset, length)) }

        func date(_ offset: Int, field: String) throws(GA467TextBlockError) -> CivilDate {
            let text = text(offset, 16)
            guard text.count == 8, let date = CivilDate(text) else { throw .invalidDate(field: field) }
            return date
        }

        /// A date, or 长期 when the first character is not a digit (§1.7.2, §5.2).
        func validity(_ offset: Int) throws(GA467TextBlockError) -> CardValidity {
            let text = text(offset, 16)
            guard let first = text.first, first.isASCII, first.isNumber else { return .longTerm }
            guard text.count == 8, let date = CivilDate(text) else { throw .invalidDate(field: "valid-until date") }
            return .until(date)
        }
    }
}
