import KioskCore

/// One sample card per card type, with numbers whose check digits are valid (docs/device-protocols.md §1.7.5, §1.10).
/// Invented people; usable by the simulator, tests and the daemon's demo.
public enum IDReaderSampleCards {
    /// 居民身份证: number `11010519491231002X` (§1.10 test vector), long-term validity.
    public static let resident = IdentityCard(
        cardType: .resident, name: PersonalText("张三丰", kind: .name), gender: .female, nation: "01",
        birthDate: date(1949, 12, 31), address: PersonalText("北京市东城区景山前街4号", kind: .address),
        idNumber: PersonalText("11010519491231002X", kind: .idNumber), issuingAuthority: "北京市公安局东城分局",
        validFrom: date(2016, 3, 1), validUntil: .longTerm)

    /// 港澳台居民居住证 ('J'): HK prefix 810000, check digit computed by GB 11643.
    public static let hkMacaoTaiwanPermit = IdentityCard(
        cardType: .hkMacaoTaiwanPermit, name: PersonalText("陈大文", kind: .name), gender: .female,
        birthDate: date(1990, 3, 15), address: PersonalText("广东省深圳市福田区福华路1号", kind: .address),
        idNumber: PersonalText("810000199003150023", kind: .idNumber), issuingAuthority: "深圳市公安局",
        validFrom: date(2022, 6, 1), validUntil: .until(date(2027, 6, 1)), passNumber: "H12345678", issueCount: "01")

    /// 外国人永久居留身份证 2017 ('I'): 3 letters + 12 digits.
    public static let foreignerPermanent2017 = IdentityCard(
        cardType: .foreignerPermanent2017, name: PersonalText("史密斯", kind: .name), gender: .male,
        birthDate: date(1980, 1, 1), idNumber: PersonalText("USA110080010108", kind: .idNumber),
        issuingAuthority: "1100", validFrom: date(2019, 6, 1), validUntil: .until(date(2029, 6, 1)),
        englishName: PersonalText("SMITH JOHN", kind: .name), nationality: "USA",
        chineseName: PersonalText("史密斯", kind: .name))

    /// 新版外国人永久居留身份证 2023 ('Y'): official sample number `932682198501010017` (§1.7.5).
    public static let foreignerPermanent2023 = IdentityCard(
        cardType: .foreignerPermanent2023, name: PersonalText("玛丽", kind: .name), gender: .male,
        birthDate: date(1985, 1, 1), idNumber: PersonalText("932682198501010017", kind: .idNumber),
        validFrom: date(2024, 1, 15), validUntil: .until(date(2034, 1, 15)),
        englishName: PersonalText("MARTIN MARIE CLAIRE", kind: .name), nationality: "FRA", renewalCount: "00")

    public static func card(_ type: CardType) -> IdentityCard {
        switch type {
        case .resident: resident
        case .hkMacaoTaiwanPermit: hkMacaoTaiwanPermit
        case .foreignerPermanent2017: foreignerPermanent2017
        case .foreignerPermanent2023: foreignerPermanent2023
        }
    }

    private static func date(_ y: Int, _ m: Int, _ d: Int) -> CivilDate {
        CivilDate(year: y, month: m, day: d) ?? CivilDate(daysSinceEpoch: 0)
    }
}
