import Foundation

/// The four cards a second-generation reader returns, keyed by the marker at byte 248 of the text block.
public enum CardType: String, Sendable, Codable, CaseIterable {
    /// 居民身份证 — resident identity card.
    case resident
    /// 港澳台居民居住证 — Hong Kong / Macao / Taiwan residence permit ('J').
    case hkMacaoTaiwanPermit
    /// 外国人永久居留身份证 (2017) — foreigner permanent residence card ('I').
    case foreignerPermanent2017
    /// 新版外国人永久居留身份证 (2023) — foreigner permanent residence card ('Y').
    case foreignerPermanent2023
}

/// GB/T 2261.1 gender codes.
public enum Gender: String, Sendable, Codable, CaseIterable {
    case unknown = "0"
    case male = "1"
    case female = "2"
    case unspecified = "9"

    /// The Chinese label printed on documents.
    public var label: String {
        switch self {
        case .unknown: "未知"
        case .male: "男"
        case .female: "女"
        case .unspecified: "未说明"
        }
    }
}

/// How long a card is valid: until a date, or 长期 (long-term, no end date).
public enum CardValidity: Sendable, Hashable, Codable, CustomStringConvertible {
    case until(CivilDate)
    case longTerm

    /// Whether the card is still valid on `date` (valid through its end date inclusive).
    public func covers(_ date: CivilDate) -> Bool {
        switch self {
        case .until(let end): date <= end
        case .longTerm: true
        }
    }

    /// `YYYY-MM-DD` or `long-term`.
    public var description: String {
        switch self {
        case .until(let date): date.description
        case .longTerm: "long-term"
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        if text == "long-term" { self = .longTerm; return }
        guard let date = CivilDate(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "expected YYYY-MM-DD or long-term"))
        }
        self = .until(date)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// What a card's text block says about its holder. Personal values are `PersonalText`, masked when printed.
/// The photo is not here: it is opaque bytes that are never stored (see `CardPhoto`).
public struct IdentityCard: Sendable, Hashable, Codable {
    public var cardType: CardType
    /// 姓名 — Chinese name (for 'I' cards: 中文姓名 when present, else the English name).
    public var name: PersonalText
    public var gender: Gender
    /// 民族 — GB 3304 two-digit nation code (resident cards only).
    public var nation: String?
    public var birthDate: CivilDate
    /// 住址 — address (resident and J cards).
    public var address: PersonalText?
    /// 公民身份号码 / 永久居留证号码.
    public var idNumber: PersonalText
    /// 签发机关 — issuing authority (resident and J cards); the acceptance authority code for 'I' cards.
    public var issuingAuthority: String?
    public var validFrom: CivilDate
    public var validUntil: CardValidity
    /// 通行证号码 (J).
    public var passNumber: String?
    /// 签发次数 (J).
    public var issueCount: String?
    /// English name (I, Y).
    public var englishName: PersonalText?
    /// GB/T 2659 three-letter nationality (I, Y).
    public var nationality: String?
    /// 中文姓名 (I).
    public var chineseName: PersonalText?
    /// 换证次数 (Y).
    public var renewalCount: String?

    public init(
        cardType: CardType, name: PersonalText, gender: Gender, nation: String? = nil, birthDate: CivilDate,
        address: PersonalText? = nil, idNumber: PersonalText, issuingAuthority: String? = nil,
        validFrom: CivilDate, validUntil: CardValidity, passNumber: String? = nil, issueCount: String? = nil,
        englishName: PersonalText? = nil, nationality: String? = nil, chineseName: PersonalText? = nil,
        renewalCount: String? = nil
    ) {
        self.cardType = cardType
        self.name = name
        self.gender = gender
        self.nation = nation
        self.birthDate = birthDate
        self.address = address
        self.idNumber = idNumber
        self.issuingAuthority = issuingAuthority
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.passNumber = passNumber
        self.issueCount = issueCount
        self.englishName = englishName
        self.nationality = nationality
        self.chineseName = chineseName
        self.renewalCount = renewalCount
    }
}

/// The 1024-byte WLT photo from the card. Opaque (decoding needs a licensed vendor library), held only in memory for
/// the session, never stored or logged; `description` shows only its size.
public struct CardPhoto: Sendable, Hashable, CustomStringConvertible {
    public let wlt: [UInt8]
    public init(wlt: [UInt8]) { self.wlt = wlt }
    public var description: String { "CardPhoto(\(wlt.count) bytes WLT)" }
}

/// Why a card cannot be used to apply.
public enum IdentityRefusal: Sendable, Hashable, Codable, CustomStringConvertible {
    case expired(on: CivilDate)
    case notYetValid(from: CivilDate)
    case underAge(age: Int, minimum: Int)
    case invalidNumber(String)

    public var description: String {
        switch self {
        case .expired(let d): "证件已于\(d)过期 / the card expired on \(d)"
        case .notYetValid(let d): "证件自\(d)起生效 / the card is valid only from \(d)"
        case .underAge(let age, let minimum):
            "申请人\(age)岁，未满\(minimum)岁 / the applicant is \(age), under the minimum age of \(minimum)"
        case .invalidNumber(let why): "证件号码无效：\(why) / the card number is invalid"
        }
    }

    /// A short stable code for logs, the UI and the store (no personal data).
    public var code: String {
        switch self {
        case .expired: "card-expired"
        case .notYetValid: "card-not-yet-valid"
        case .underAge: "under-age"
        case .invalidNumber: "invalid-number"
        }
    }
}

/// Whether a card holder may apply: the card is in its validity period, the number checks, and the holder is old
/// enough to be a legal representative or operator.
public enum IdentityEligibility {
    /// Minimum age of a legal representative / operator (full civil capacity).
    public static let defaultMinimumAge = 18

    public static func refusals(for card: IdentityCard, today: CivilDate, minimumAge: Int = defaultMinimumAge)
        -> [IdentityRefusal]
    {
        var refusals: [IdentityRefusal] = []
        if today < card.validFrom { refusals.append(.notYetValid(from: card.validFrom)) }
        if case .until(let end) = card.validUntil, today > end { refusals.append(.expired(on: end)) }
        let age = card.birthDate.years(until: today)
        if age < minimumAge { refusals.append(.underAge(age: age, minimum: minimumAge)) }
        switch card.cardType {
        case .resident, .hkMacaoTaiwanPermit, .foreignerPermanent2023:
            if case .failure(let error) = IDNumberValidator.validate(card.idNumber.unmasked, today: today) {
                refusals.append(.invalidNumber(error.description))
            }
        case .foreignerPermanent2017:
            if !Foreigner2017NumberValidator.isWellFormed(card.idNumber.unmasked) {
                refusals.append(.invalidNumber("expected 3 letters and 12 digits"))
            }
        }
        return refusals
    }
}
