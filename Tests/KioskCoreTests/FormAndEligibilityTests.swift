import Foundation
import Testing

@testable import KioskCore

private let today = CivilDate(year: 2026, month: 11, day: 22)!

func sampleForm(kind: EntityKind = .company, representative: String = "张三") -> ApplicationForm {
    ApplicationForm(
        kind: kind, name: kind == .company ? "北京自助示范科技有限公司" : "张三便利店",
        entityType: kind == .company ? "有限责任公司（自然人独资）" : "个体工商户",
        representative: PersonalText(representative, kind: .name), registeredCapitalWan: 100,
        address: PersonalText("北京市东城区景山前街4号", kind: .address), businessScope: "技术开发、技术咨询；销售电子产品。",
        phone: PersonalText("13812345678", kind: .phone))
}

func sampleCard(
    name: String = "张三", number: String = "11010519491231002X",
    birth: CivilDate = CivilDate(year: 1949, month: 12, day: 31)!,
    until: CardValidity = .longTerm
) -> IdentityCard {
    IdentityCard(
        cardType: .resident, name: PersonalText(name, kind: .name), gender: .male, nation: "01", birthDate: birth,
        address: PersonalText("北京市东城区景山前街4号", kind: .address), idNumber: PersonalText(number, kind: .idNumber),
        issuingAuthority: "北京市公安局东城分局", validFrom: CivilDate(year: 2010, month: 1, day: 1)!, validUntil: until)
}

@Suite struct FormValidatorTests {
    @Test func validCompanyAndIndividualForms_haveNoIssues() {
        #expect(FormValidator.issues(in: sampleForm()).isEmpty)
        #expect(FormValidator.issues(in: sampleForm(kind: .individualBusiness)).isEmpty)
    }

    @Test func everyFieldRule_namesItsField() {
        var form = sampleForm()
        form.name = "示范"
        form.entityType = ""
        form.representative = PersonalText(" ", kind: .name)
        form.registeredCapitalWan = nil
        form.address = PersonalText("北京", kind: .address)
        form.businessScope = ""
        form.phone = PersonalText("12345", kind: .phone)
        let fields = Set(FormValidator.issues(in: form).map(\.field))
        #expect(fields == Set(FormField.allCases))
    }

    @Test func companyName_mustEndInGongSi() {
        var form = sampleForm()
        form.name = "北京自助示范科技工作室"
        let issues = FormValidator.issues(in: form)
        #expect(issues.map(\.code) == ["suffix"])
        #expect(issues[0].chinese.hasPrefix("名称"))
    }

    @Test func individualBusiness_labelsUseOperatorAndPlaceOfBusiness() {
        var form = sampleForm(kind: .individualBusiness)
        form.address = PersonalText("", kind: .address)
        #expect(FormValidator.issues(in: form).first?.chinese.hasPrefix("经营场所") == true)
    }

    @Test(arguments: [
        ("13812345678", true), ("010-12345678", true), ("075512345678", true), ("12812345678", false),
        ("1381234567", false), ("138-1234-5678", false), ("abc", false), ("", false),
    ])
    func phoneNumbers(_ text: String, _ valid: Bool) {
        #expect(FormValidator.isPhoneNumber(text) == valid)
    }

    @Test func capital_outOfRange_isRefused() {
        var form = sampleForm()
        form.registeredCapitalWan = 0
        #expect(FormValidator.issues(in: form).map(\.code) == ["range"])
        form.registeredCapitalWan = Decimal(2_000_000)
        #expect(FormValidator.issues(in: form).map(\.code) == ["range"])
    }
}

@Suite struct IdentityEligibilityTests {
    @Test func longTermCard_ofAnAdult_isAccepted() {
        #expect(IdentityEligibility.refusals(for: sampleCard(), today: today).isEmpty)
    }

    @Test func expiredCard_isRefusedWithItsDate() {
        let card = sampleCard(until: .until(CivilDate(year: 2026, month: 11, day: 21)!))
        #expect(
            IdentityEligibility.refusals(for: card, today: today) == [
                .expired(on: CivilDate(year: 2026, month: 11, day: 21)!)
            ])
        let lastDay = sampleCard(until: .until(today))
        #expect(IdentityEligibility.refusals(for: lastDay, today: today).isEmpty)
    }

    @Test func underAgeHolder_isRefused() {
        // Born 2008-11-23: 17 on 2026-11-22. Check digit computed for this test.
        let body = "11010520081123003"
        let check = IDNumberValidator.checkCharacter(for: body.compactMap(\.wholeNumberValue))
        let card = sampleCard(number: body + String(check), birth: CivilDate(year: 2008, month: 11, day: 23)!)
        #expect(IdentityEligibility.refusals(for: card, today: today) == [.underAge(age: 17, minimum: 18)])
    }

    @Test func refusalMessages_carryNoPersonalData() {
        let card = sampleCard(number: "110105194912310021")
        let text = IdentityEligibility.refusals(for: card, today: today).map(\.description).joined()
        #expect(!text.contains("19491231"))
        #expect(text.contains("invalid"))
    }
}
