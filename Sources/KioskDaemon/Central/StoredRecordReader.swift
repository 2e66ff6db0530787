import Foundation
import Glibc
import KioskCore

/// Reads a stored transaction record (the store's JSON: `RecordCoding`'s keys and shapes, dates as integer Unix
/// milliseconds) without `JSONDecoder`, for the pull API's pages and the pusher's batches. `JSONDecoder` spent
/// ~55 µs a record on its generic containers — most of a 500-event page's time (docs/ARCHITECTURE.md §13).
///
/// It gives the record `JSONDecoder` would give, or nil — for anything it does not expect (a missing required key,
/// a value of the wrong type, malformed JSON), and the caller then decodes with `JSONDecoder` as before, so a record
/// is never read differently, only faster. A property test checks both agree.
enum StoredRecordReader {
    static func record(_ payload: Data) -> TransactionRecord? {
        guard let root = payload.withUnsafeBytes({ JSONTree.parse($0) })?.object else { return nil }
        guard let id = root[.id]?.string, let kioskID = root[.kioskID]?.string,
            let startedAt = root[.startedAt]?.date
        else { return nil }
        var record = TransactionRecord(id: id, kioskID: kioskID, startedAt: startedAt)
        guard root.optional(.identityVerifiedAt, { $0.date }, into: &record.identityVerifiedAt),
            root.optional(.formSubmittedAt, { $0.date }, into: &record.formSubmittedAt),
            root.optional(.signedAt, { $0.date }, into: &record.signedAt),
            root.optional(.approvedAt, { $0.date }, into: &record.approvedAt),
            root.optional(.licencePrintedAt, { $0.date }, into: &record.licencePrintedAt),
            root.optional(.endedAt, { $0.date }, into: &record.endedAt),
            root.optional(.outcome, { $0.transactionOutcome }, into: &record.outcome),
            root.optional(.cardType, { $0.string.flatMap(CardType.init(rawValue:)) }, into: &record.cardType),
            root.optional(.applicantName, { $0.personalText }, into: &record.applicantName),
            root.optional(.applicantIDNumber, { $0.personalText }, into: &record.applicantIDNumber),
            root.optional(.form, { $0.form }, into: &record.form),
            root.optional(.signatureSHA256, { $0.string }, into: &record.signatureSHA256),
            root.optional(.licence, { $0.licence }, into: &record.licence),
            root.optional(.licenceJobID, { $0.int }, into: &record.licenceJobID),
            root.optional(.licencePrint, { $0.printOutcome }, into: &record.licencePrint),
            root.optional(.receiptPrint, { $0.printOutcome }, into: &record.receiptPrint),
            root.optional(.rating, { $0.rating }, into: &record.rating),
            root.optional(.queueTicket, { $0.string }, into: &record.queueTicket),
            root.optional(.faceVerification, { $0.faceVerification }, into: &record.faceVerification)
        else { return nil }
        return record
    }
}

/// A parsed JSON value; numbers keep their text.
enum JSONTree {
    /// Members in document order (a record's objects have a few dozen at most: a linear search beats hashing).
    case object(JSONObject)
    case array([JSONTree])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// The value of the whole text, or nil if it is not exactly one JSON value (whitespace around it allowed).
    static func parse(_ bytes: UnsafeRawBufferPointer) -> JSONTree? {
        var parser = Parser(bytes: bytes)
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipWhitespace()
        return parser.index == bytes.count ? value : nil
    }

    var object: JSONObject? { if case .object(let members) = self { members } else { nil } }
    var string: String? { if case .string(let text) = self { text } else { nil } }

    /// An integer (no fraction, no exponent) in range.
    var int64: Int64? { if case .number(let text) = self { Int64(text) } else { nil } }
    var int: Int? { int64.flatMap { Int(exactly: $0) } }
    var date: Date? { int64.map { Date(timeIntervalSince1970: Double($0) / 1000) } }
    var decimal: Decimal? { if case .number(let text) = self { Decimal(string: text) } else { nil } }

    var personalText: PersonalText? {
        guard let members = object, let value = members[.value]?.string,
            let kind = members[.kind]?.string.flatMap(PersonalText.Kind.init(rawValue:))
        else { return nil }
        return PersonalText(value, kind: kind)
    }

    /// A synthesized enum coding: `{"case": {}}` or `{"case": {"reason": "…"}}`; (case, reason).
    private var enumCase: (RecordKey, String?)? {
        guard let members = object, members.count == 1, let (name, payload) = members.pairs.first,
            let fields = payload.object
        else { return nil }
        if fields.isEmpty { return (name, nil) }
        guard fields.count == 1, let reason = fields[.reason]?.string else { return nil }
        return (name, reason)
    }

    var transactionOutcome: TransactionOutcome? {
        switch enumCase {
        case (.completed, nil)?: .completed
        case (.handedOff, let reason?)?: .handedOff(reason: reason)
        case (.cancelled, let reason?)?: .cancelled(reason: reason)
        default: nil
        }
    }

    /// `ServiceRating`'s coding: `{"grade": 1…5, "reasons": [...], "followUpConsent": bool}` (reasons and consent
    /// optional), or the three-valued rating stored before the five grades (`"good"`, `"average"`, `"bad"`).
    var rating: ServiceRating? {
        switch self {
        case .string("good"): return ServiceRating(grade: .verySatisfied)
        case .string("average"): return ServiceRating(grade: .fairlySatisfied)
        case .string("bad"): return ServiceRating(grade: .veryDissatisfied)
        case .object(let members):
            guard let grade = members[.grade]?.int.flatMap(ServiceGrade.init(rawValue:)) else { return nil }
            var reasons: [RatingReason]?
            var consent: Bool?
            guard members.optional(.reasons, { $0.ratingReasons }, into: &reasons),
                members.optional(.followUpConsent, { $0.bool }, into: &consent)
            else { return nil }
            return ServiceRating(grade: grade, reasons: reasons ?? [], followUpConsent: consent ?? false)
        default: return nil
        }
    }

    private var ratingReasons: [RatingReason]? {
        guard case .array(let items) = self else { return nil }
        var reasons: [RatingReason] = []
        for item in items {
            guard let reason = item.string.flatMap(RatingReason.init(rawValue:)) else { return nil }
            reasons.append(reason)
        }
        return reasons
    }

    var bool: Bool? { if case .bool(let value) = self { value } else { nil } }

    /// A number as `JSONDecoder` reads a `Double`.
    var double: Double? { if case .number(let text) = self { Double(text) } else { nil } }

    /// `FaceVerificationSummary`'s coding: `{"decision": "…", "score": 0.93, "attempts": 1}` (score optional).
    var faceVerification: FaceVerificationSummary? {
        guard let members = object, let decision = members[.decision]?.string,
            let attempts = members[.attempts]?.int
        else { return nil }
        var score: Double?
        guard members.optional(.score, { $0.double }, into: &score) else { return nil }
        return FaceVerificationSummary(decision: decision, score: score, attempts: attempts)
    }

    var printOutcome: PrintOutcome? {
        switch enumCase {
        case (.completed, nil)?: .completed
        case (.failed, let reason?)?: .failed(reason: reason)
        case (.unknown, let reason?)?: .unknown(reason: reason)
        default: nil
        }
    }

    var form: ApplicationForm? {
        guard let members = object, let kind = members[.kind]?.string.flatMap(EntityKind.init(rawValue:)),
            let name = members[.name]?.string, let entityType = members[.entityType]?.string,
            let representative = members[.representative]?.personalText,
            let address = members[.address]?.personalText, let businessScope = members[.businessScope]?.string,
            let phone = members[.phone]?.personalText
        else { return nil }
        var capital: Decimal?
        guard members.optional(.registeredCapitalWan, { $0.decimal }, into: &capital) else { return nil }
        return ApplicationForm(
            kind: kind, name: name, entityType: entityType, representative: representative,
            registeredCapitalWan: capital, address: address, businessScope: businessScope, phone: phone)
    }

    var licence: BusinessLicence? {
        guard let members = object else { return nil }
        let representative: String
        let kind: EntityKind
        if let value = members[.operator], value != .null {
            guard let text = value.string else { return nil }
            (representative, kind) = (text, .individualBusiness)
        } else if let text = members[.legalRepresentative]?.string {
            (representative, kind) = (text, .company)
        } else {
            return nil
        }
        var capital: String?
        guard members.optional(.registeredCapital, { $0.string }, into: &capital),
            let creditCode = members[.creditCode]?.string, let name = members[.name]?.string,
            let entityType = members[.entityType]?.string,
            let established = members[.establishedOn]?.string.flatMap(CivilDate.init),
            let from = members[.businessTermFrom]?.string.flatMap(CivilDate.init),
            let until = members[.businessTermUntil]?.string.flatMap(Self.validity),
            let address = members[.address]?.string, let scope = members[.businessScope]?.string,
            let authority = members[.registrationAuthority]?.string,
            let issued = members[.issuedOn]?.string.flatMap(CivilDate.init),
            let qr = members[.qrPayload]?.string
        else { return nil }
        return BusinessLicence(
            creditCode: creditCode, name: name, entityType: entityType, representative: representative, kind: kind,
            registeredCapital: capital ?? "", establishedOn: established, businessTermFrom: from,
            businessTermUntil: until, address: address, businessScope: scope, registrationAuthority: authority,
            issuedOn: issued, qrPayload: qr)
    }

    private static func validity(_ text: String) -> CardValidity? {
        text == "long-term" ? .longTerm : CivilDate(text).map { .until($0) }
    }
}

extension JSONTree: Equatable {}

/// The keys the reader knows: any other key is skipped, as `JSONDecoder` skips keys a type does not have.
enum RecordKey: UInt8, CaseIterable {
    case id, kioskID, startedAt, identityVerifiedAt, formSubmittedAt, signedAt, approvedAt, licencePrintedAt, endedAt
    case outcome, cardType, applicantName, applicantIDNumber, form, signatureSHA256, licence, licenceJobID
    case licencePrint, receiptPrint, rating, queueTicket
    case value, kind, completed, handedOff, cancelled, failed, unknown, reason
    case name, entityType, representative, registeredCapitalWan, address, businessScope, phone
    case `operator`, legalRepresentative, registeredCapital, creditCode, establishedOn, businessTermFrom
    case businessTermUntil, registrationAuthority, issuedOn, qrPayload
    case grade, reasons, followUpConsent
    case faceVerification, decision, score, attempts

    /// Each key's UTF-8 spelling, indexed by its length, for matching a key in the text without making a string of
    /// it.
    static let byLength: [[(spelling: [UInt8], key: RecordKey)]] = {
        let spellings = allCases.map { (spelling: Array(String(describing: $0).utf8), key: $0) }
        var table = Array(
            repeating: [(spelling: [UInt8], key: RecordKey)](), count: 1 + spellings.map(\.spelling.count).max()!)
        for entry in spellings { table[entry.spelling.count].append(entry) }
        return table
    }()

    static func matching(_ bytes: UnsafeRawBufferPointer) -> RecordKey? {
        guard bytes.count < byLength.count, let base = bytes.baseAddress else { return nil }
        for entry in byLength[bytes.count] {
            let same = entry.spelling.withUnsafeBytes { memcmp($0.baseAddress!, base, bytes.count) == 0 }
            if same { return entry.key }
        }
        return nil
    }
}

/// A JSON object's members the reader knows, in document order, each key once.
struct JSONObject: Equatable {
    var pairs: [(key: RecordKey, value: JSONTree)] = []

    var count: Int { pairs.count }
    var isEmpty: Bool { pairs.isEmpty }

    subscript(key: RecordKey) -> JSONTree? { pairs.first { $0.key == key }?.value }

    /// Adds a member; false if the key is already there.
    mutating func add(_ key: RecordKey, _ value: JSONTree) -> Bool {
        guard !pairs.contains(where: { $0.key == key }) else { return false }
        pairs.append((key, value))
        return true
    }

    static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.pairs.count == b.pairs.count && zip(a.pairs, b.pairs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension JSONObject {
    /// An optional member as `decodeIfPresent` reads it: absent or null → nil (true); present → `read` must give a
    /// value (else false: the caller gives up).
    fileprivate func optional<T>(_ key: RecordKey, _ read: (JSONTree) -> T?, into target: inout T?) -> Bool {
        guard let value = self[key], value != .null else {
            target = nil
            return true
        }
        guard let read = read(value) else { return false }
        target = read
        return true
    }
}

/// A member's key: one of `RecordKey`, or nil for any other.
private struct ParsedKey {
    let known: RecordKey?
}

/// A recursive-descent JSON parser (RFC 8259) over bytes; nil on any error. Depth-limited: stored records nest
/// three deep.
private struct Parser {
    let bytes: UnsafeRawBufferPointer
    var index = 0
    static let maximumDepth = 32

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func skipWhitespace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D
                || bytes[index] == 0x09
        {
            index += 1
        }
    }

    mutating func value(depth: Int) -> JSONTree? {
        skipWhitespace()
        guard index < bytes.count, depth < Self.maximumDepth else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "{"): return object(depth: depth)
        case UInt8(ascii: "["): return array(depth: depth)
        case UInt8(ascii: "\""): return string().map(JSONTree.string)
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", .null)
        default: return number()
        }
    }

    private mutating func literal(_ text: StaticString, _ value: JSONTree) -> JSONTree? {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { return nil }
        for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] { return nil }
        index += count
        return value
    }

    private mutating func object(depth: Int) -> JSONTree? {
        index += 1
        var members = JSONObject()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = objectKey() else { return nil }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            guard let value = value(depth: depth + 1) else { return nil }
            // An unknown key is skipped; a repeated one: JSONDecoder's choice between them is not ours to guess.
            if let key = key.known, !members.add(key, value) { return nil }
            skipWhitespace()
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            } else {
                return nil
            }
        }
    }

    private mutating func array(depth: Int) -> JSONTree? {
        index += 1
        var elements: [JSONTree] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            guard let element = value(depth: depth + 1) else { return nil }
            elements.append(element)
            skipWhitespace()
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            } else {
                return nil
            }
        }
    }

    /// A member's key at `index` (its opening quote): one the reader knows, or another. A key written with
    /// escapes is not guessed at (nil: the caller leaves the record to JSONDecoder).
    private mutating func objectKey() -> ParsedKey? {
        index += 1
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                index += 1
                if let key = RecordKey.matching(text) { return ParsedKey(known: key) }
                // JSONDecoder refuses malformed UTF-8 anywhere, in a key it does not use too.
                return UTF8Check.isValid(text) ? ParsedKey(known: nil) : nil
            }
            guard byte != UInt8(ascii: "\\"), byte >= 0x20 else { return nil }
            index += 1
        }
        return nil
    }

    /// A string at `index` (its opening quote); unescaped.
    private mutating func string() -> String? {
        index += 1
        let start = index
        // Fast path: no escapes — the text is the bytes between the quotes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                index += 1
                return UTF8Check.isValid(text) ? String(decoding: text, as: UTF8.self) : nil
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { return nil }
            index += 1
        }
        var scalars = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return scalars.withUnsafeBytes { UTF8Check.isValid($0) }
                    ? String(decoding: scalars, as: UTF8.self) : nil
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    guard var code = hex4() else { return nil }
                    if (0xD800...0xDBFF).contains(code) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { return nil }
                        index += 2
                        guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(code) {
                        return nil
                    }
                    guard let scalar = Unicode.Scalar(code) else { return nil }
                    scalars.append(contentsOf: String(Character(scalar)).utf8)
                default: return nil
                }
            default:
                guard byte >= 0x20 else { return nil }
                scalars.append(byte)
                index += 1
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// A number as RFC 8259 spells it; its text.
    private mutating func number() -> JSONTree? {
        let start = index
        func digits() -> Int {
            let from = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                index += 1
            }
            return index - from
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integer = digits()
        guard integer > 0, integer == 1 || bytes[index - integer] != UInt8(ascii: "0") else { return nil }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return nil }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() > 0 else { return nil }
        }
        return .number(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
    }
}

/// Whether bytes are well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF) — what
/// `String(validating:)` checks, without its generic path.
enum UTF8Check {
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            let low: UInt8
            let high: UInt8
            switch lead {
            case 0xC2...0xDF: (length, low, high) = (2, 0x80, 0xBF)
            case 0xE0: (length, low, high) = (3, 0xA0, 0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (length, low, high) = (3, 0x80, 0xBF)
            case 0xED: (length, low, high) = (3, 0x80, 0x9F)
            case 0xF0: (length, low, high) = (4, 0x90, 0xBF)
            case 0xF1...0xF3: (length, low, high) = (4, 0x80, 0xBF)
            case 0xF4: (length, low, high) = (4, 0x80, 0x8F)
            default: return false
            }
            guard index + length <= count, (low...high).contains(bytes[index + 1]) else { return false }
            for offset in 2..<max(2, length) where !(0x80...0xBF).contains(bytes[index + offset]) { return false }
            index += length
        }
        return true
    }
}
