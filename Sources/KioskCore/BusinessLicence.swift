import Foundation

/// 营业期限 — the business term: until a date, or 长期 (long-term).
public typealias BusinessTerm = CardValidity

/// The printed fields of a business licence (营业执照). Codable with the keys of `kioskctl direct print-licence
/// --data`: `creditCode`, `name`, `entityType`, `legalRepresentative` or `operator`, `registeredCapital`,
/// `establishedOn`, `businessTermFrom`, `businessTermUntil`, `address`, `businessScope`, `registrationAuthority`,
/// `issuedOn`, `qrPayload`.
public struct BusinessLicence: Sendable, Hashable, Codable {
    /// 统一社会信用代码.
    public var creditCode: String
    /// 名称.
    public var name: String
    /// 类型.
    public var entityType: String
    /// 法定代表人 (companies) or 经营者 (individual businesses, `kind == .individualBusiness`).
    public var representative: String
    public var kind: EntityKind
    /// 注册资本, as printed (e.g. "壹佰万元整" or "100万元"); empty for individual businesses without one.
    public var registeredCapital: String
    /// 成立日期.
    public var establishedOn: CivilDate
    /// 营业期限 from.
    public var businessTermFrom: CivilDate
    /// 营业期限 until, or long-term.
    public var businessTermUntil: BusinessTerm
    /// 住所 / 经营场所.
    public var address: String
    /// 经营范围.
    public var businessScope: String
    /// 登记机关.
    public var registrationAuthority: String
    /// The date under the authority's seal.
    public var issuedOn: CivilDate
    /// What the QR code carries: the licence's public lookup URL.
    public var qrPayload: String

    public init(
        creditCode: String, name: String, entityType: String, representative: String, kind: EntityKind,
        registeredCapital: String, establishedOn: CivilDate, businessTermFrom: CivilDate,
        businessTermUntil: BusinessTerm, address: String, businessScope: String,
        registrationAuthority: String, issuedOn: CivilDate, qrPayload: String
    ) {
        self.creditCode = creditCode
        self.name = name
        self.entityType = entityType
        self.representative = representative
        self.kind = kind
        self.registeredCapital = registeredCapital
        self.establishedOn = establishedOn
        self.businessTermFrom = businessTermFrom
        self.businessTermUntil = businessTermUntil
        self.address = address
        self.businessScope = businessScope
        self.registrationAuthority = registrationAuthority
        self.issuedOn = issuedOn
        self.qrPayload = qrPayload
    }

    private enum CodingKeys: String, CodingKey {
        case creditCode, name, entityType, legalRepresentative, `operator`, registeredCapital, establishedOn,
            businessTermFrom, businessTermUntil, address, businessScope, registrationAuthority, issuedOn, qrPayload
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        creditCode = try c.decode(String.self, forKey: .creditCode)
        name = try c.decode(String.self, forKey: .name)
        entityType = try c.decode(String.self, forKey: .entityType)
        if let op = try c.decodeIfPresent(String.self, forKey: .operator) {
            representative = op
            kind = .individualBusiness
        } else {
            representative = try c.decode(String.self, forKey: .legalRepresentative)
            kind = .company
        }
        registeredCapital = try c.decodeIfPresent(String.self, forKey: .registeredCapital) ?? ""
        establishedOn = try c.decode(CivilDate.self, forKey: .establishedOn)
        businessTermFrom = try c.decode(CivilDate.self, forKey: .businessTermFrom)
        businessTermUntil = try c.decode(BusinessTerm.self, forKey: .businessTermUntil)
        address = try c.decode(String.self, forKey: .address)
        businessScope = try c.decode(String.self, forKey: .businessScope)
        registrationAuthority = try c.decode(String.self, forKey: .registrationAuthority)
        issuedOn = try c.decode(CivilDate.self, forKey: .issuedOn)
        qrPayload = try c.decode(String.self, forKey: .qrPayload)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(creditCode, forKey: .creditCode)
        try c.encode(name, forKey: .name)
        try c.encode(entityType, forKey: .entityType)
        try c.encode(representative, forKey: kind == .company ? .legalRepresentative : .operator)
        try c.encode(registeredCapital, forKey: .registeredCapital)
        try c.encode(establishedOn, forKey: .establishedOn)
        try c.encode(businessTermFrom, forKey: .businessTermFrom)
        try c.encode(businessTermUntil, forKey: .businessTermUntil)
        try c.encode(address, forKey: .address)
        try c.encode(businessScope, forKey: .businessScope)
        try c.encode(registrationAuthority, forKey: .registrationAuthority)
        try c.encode(issuedOn, forKey: .issuedOn)
        try c.encode(qrPayload, forKey: .qrPayload)
    }

    /// Size limits per JSON key, far above any real licence; the layout may refuse shorter text that does not fit.
    public static let maximumCharacters: [String: Int] = [
        "name": 100, "entityType": 60, "legalRepresentative": 60, "operator": 60, "registeredCapital": 60,
        "address": 200, "businessScope": 3000, "registrationAuthority": 100, "qrPayload": 1000,
    ]

    /// Which field is wrong and why, before anything is rendered or sent; empty when the licence is printable.
    public func problems() -> [String] {
        var problems: [String] = []
        if case .failure(let e) = CreditCodeValidator.validate(creditCode) { problems.append("creditCode: \(e)") }
        let required: [(String, String)] = [
            ("name", name), ("entityType", entityType),
            (kind == .company ? "legalRepresentative" : "operator", representative),
            ("address", address), ("businessScope", businessScope), ("registrationAuthority", registrationAuthority),
            ("qrPayload", qrPayload),
        ]
        for (key, value) in required where value.trimmed.isEmpty {
            problems.append("\(key): must not be empty")
        }
        for (key, value) in required + [("registeredCapital", registeredCapital)] {
            if let limit = BusinessLicence.maximumCharacters[key], value.count > limit {
                problems.append("\(key): \(value.count) characters; at most \(limit) are accepted")
            }
        }
        if kind == .company && registeredCapital.trimmed.isEmpty {
            problems.append("registeredCapital: must not be empty for a company")
        }
        if case .until(let end) = businessTermUntil, end < businessTermFrom {
            problems.append("businessTermUntil: must not be before businessTermFrom")
        }
        return problems
    }
}
