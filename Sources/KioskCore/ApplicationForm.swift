import Foundation

/// 市场主体类别 — what is being registered.
public enum EntityKind: String, Sendable, Codable, CaseIterable {
    /// 公司 — a company, with a 法定代表人 (legal representative) and a 住所 (domicile).
    case company
    /// 个体工商户 — an individual business, with a 经营者 (operator) and a 经营场所 (place of business).
    case individualBusiness
}

/// The form the citizen fills in at step 2 (填报信息).
public struct ApplicationForm: Sendable, Hashable, Codable {
    public var kind: EntityKind
    /// 名称 — the enterprise name.
    public var name: String
    /// 类型 — e.g. 有限责任公司（自然人独资）, 个体工商户.
    public var entityType: String
    /// 法定代表人 / 经营者 — normally the card holder.
    public var representative: PersonalText
    /// 注册资本 / 资金数额 in 万元 (ten-thousand yuan); optional for individual businesses.
    public var registeredCapitalWan: Decimal?
    /// 住所 / 经营场所.
    public var address: PersonalText
    /// 经营范围.
    public var businessScope: String
    /// 联系电话.
    public var phone: PersonalText

    public init(
        kind: EntityKind, name: String, entityType: String, representative: PersonalText,
        registeredCapitalWan: Decimal?, address: PersonalText, businessScope: String, phone: PersonalText
    ) {
        self.kind = kind
        self.name = name
        self.entityType = entityType
        self.representative = representative
        self.registeredCapitalWan = registeredCapitalWan
        self.address = address
        self.businessScope = businessScope
        self.phone = phone
    }
}

/// The form's fields, named as in the form and in error messages.
public enum FormField: String, Sendable, Codable, CaseIterable {
    case name, entityType, representative, registeredCapital, address, businessScope, phone

    /// The field's label on the form, as the citizen sees it, for `kind`.
    public func label(for kind: EntityKind) -> String {
        switch self {
        case .name: "名称"
        case .entityType: "类型"
        case .representative: kind == .company ? "法定代表人" : "经营者"
        case .registeredCapital: kind == .company ? "注册资本" : "资金数额"
        case .address: kind == .company ? "住所" : "经营场所"
        case .businessScope: "经营范围"
        case .phone: "联系电话"
        }
    }
}

/// One problem with one field, in Chinese for the citizen and English for the log (no personal values in either).
public struct FormIssue: Sendable, Hashable, Codable, CustomStringConvertible {
    public let field: FormField
    /// A stable code (`required`, `too-long`, ...).
    public let code: String
    public let chinese: String
    public let english: String

    public var description: String { "\(field.rawValue): \(chinese) / \(english)" }
}

/// The field rules of the form. Pure; each rule names its field.
public enum FormValidator {
    public static let nameLength = 4...50
    public static let addressLength = 6...100
    public static let scopeLength = 2...2000
    public static let entityTypeLength = 2...30
    /// 注册资本 bounds in 万元: more than zero, at most 10 billion yuan.
    public static let maximumCapitalWan: Decimal = 1_000_000

    public static func issues(in form: ApplicationForm) -> [FormIssue] {
        var issues: [FormIssue] = []
        func add(_ field: FormField, _ code: String, _ zh: String, _ en: String) {
            issues.append(
                FormIssue(field: field, code: code, chinese: "\(field.label(for: form.kind))\(zh)", english: en))
        }
        let name = form.name.trimmed
        if name.isEmpty {
            add(.name, "required", "不能为空", "the name is required")
        } else if !nameLength.contains(name.count) {
            add(
                .name, "length", "应为\(nameLength.lowerBound)至\(nameLength.upperBound)个字",
                "the name must have \(nameLength.lowerBound)–\(nameLength.upperBound) characters")
        } else if form.kind == .company && !(name.hasSuffix("公司")) {
            add(.name, "suffix", "应以“有限公司”或“股份有限公司”结尾", "a company name must end in 公司")
        } else if name.contains(where: { $0.isASCII && !$0.isLetter && !$0.isNumber && $0 != "(" && $0 != ")" }) {
            add(.name, "characters", "含有不允许的字符", "the name contains characters that are not allowed")
        }
        let type = form.entityType.trimmed
        if !entityTypeLength.contains(type.count) {
            add(.entityType, "required", "不能为空", "the entity type is required")
        } else if form.kind == .individualBusiness && type != "个体工商户" {
            add(.entityType, "mismatch", "应为“个体工商户”", "an individual business has the type 个体工商户")
        }
        if form.representative.unmasked.trimmed.isEmpty {
            add(.representative, "required", "不能为空", "the representative is required")
        }
        switch (form.kind, form.registeredCapitalWan) {
        case (.company, nil):
            add(.registeredCapital, "required", "不能为空", "the registered capital is required for a company")
        case (_, let capital?) where capital <= 0 || capital > maximumCapitalWan:
            add(
                .registeredCapital, "range", "应大于0且不超过\(maximumCapitalWan)万元",
                "the capital must be above 0 and at most \(maximumCapitalWan) (10,000 yuan)")
        default: break
        }
        let address = form.address.unmasked.trimmed
        if address.isEmpty {
            add(.address, "required", "不能为空", "the address is required")
        } else if !addressLength.contains(address.count) {
            add(
                .address, "length", "应为\(addressLength.lowerBound)至\(addressLength.upperBound)个字",
                "the address must have \(addressLength.lowerBound)–\(addressLength.upperBound) characters")
        }
        let scope = form.businessScope.trimmed
        if scope.isEmpty {
            add(.businessScope, "required", "不能为空", "the business scope is required")
        } else if !scopeLength.contains(scope.count) {
            add(
                .businessScope, "length", "不超过\(scopeLength.upperBound)个字",
                "the business scope must have at most \(scopeLength.upperBound) characters")
        }
        if !isPhoneNumber(form.phone.unmasked) {
            add(
                .phone, "format", "应为11位手机号码或带区号的固定电话",
                "expected an 11-digit mobile number or a landline with area code")
        }
        return issues
    }

    /// Mobile `1[3-9]` + 9 digits, or a landline `0` + 2–3 digit area code, optional `-`, 7–8 digits.
    public static func isPhoneNumber(_ text: String) -> Bool {
        let chars = Array(text.trimmed)
        let digits = chars.filter { $0 != "-" }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), chars.filter({ $0 == "-" }).count <= 1 else {
            return false
        }
        if chars.count == 11, chars[0] == "1", let second = chars[1].wholeNumberValue, second >= 3 {
            return !chars.contains("-")
        }
        guard digits.first == "0", (10...12).contains(digits.count) else { return false }
        if let dash = chars.firstIndex(of: "-") { return (3...4).contains(dash) }
        return true
    }
}
