import Testing

@testable import KioskCore

private let today = CivilDate(year: 2026, month: 11, day: 22)!

@Suite struct IDNumberValidatorTests {
    // Vectors from docs/device-protocols.md §1.10 (check digits recomputed there) and §1.7.5 (2023 foreigner samples).
    @Test(arguments: [
        ("11010519491231002X", ValidIDNumber.Kind.resident),
        ("360426199101010071", .resident),
        ("932682198501010017", .foreignerPermanent2023),
        ("911124198108030024", .foreignerPermanent2023),
        ("11010519491231002x", .resident),
        ("  360426199101010071\n", .resident),
        ("810000199408230021", .hkMacaoTaiwanPermit),
    ])
    func validate_acceptsPublishedVectors(number: String, kind: ValidIDNumber.Kind) throws {
        let valid = try IDNumberValidator.validate(number, today: today).get()
        #expect(valid.kind == kind)
    }

    @Test(arguments: [
        ("", IDNumberError.empty),
        ("11010519491231002", .wrongLength(17)),
        ("11010519491231002XX", .wrongLength(19)),
        ("1101051949123100AX", .invalidCharacter(position: 17)),
        ("X10105194912310021", .invalidCharacter(position: 1)),
        ("110105194902300021", .invalidBirthDate),
        ("110105203001010021", .birthDateInFuture),
        ("110105180001010021", .implausibleAge(226)),
        ("110105194912310021", .badCheckDigit(expected: "X")),
        ("１１０１０５１９４９１２３１００２Ｘ", .invalidCharacter(position: 1)),
    ])
    func validate_rejectsWithReason(number: String, error: IDNumberError) {
        #expect(IDNumberValidator.validate(number, today: today) == .failure(error))
    }

    @Test func validate_hugeInput_failsOnLengthWithoutCrashing() {
        let huge = String(repeating: "9", count: 1_000_000)
        #expect(IDNumberValidator.validate(huge, today: today) == .failure(.wrongLength(1_000_000)))
    }

    @Test func errors_speakChineseAndEnglish_withoutTheNumber() {
        let message = IDNumberError.badCheckDigit(expected: "X").description
        #expect(message.contains("校验码") && message.contains("check character"))
    }

    @Test func foreigner2023_requiresLeadingNine() {
        #expect(
            IDNumberValidator.validateForeigner2023("11010519491231002X", today: today) == .failure(.badForeignerPrefix)
        )
        #expect((try? IDNumberValidator.validateForeigner2023("932682198501010017", today: today).get()) != nil)
    }

    @Test func checkCharacter_matchesClosedFormForAllPrefixes() {
        // The weights are 2^(18−i) mod 11 (§1.10); check the table against that formula.
        for i in 1...17 {
            var power = 1
            for _ in 0..<(18 - i) { power = power * 2 % 11 }
            #expect(IDNumberValidator.weights[i - 1] == power)
        }
    }

    @Test func foreigner2017_formatIsThreeLettersAndTwelveDigits() {
        #expect(Foreigner2017NumberValidator.isWellFormed("USA310085010100"))
        #expect(!Foreigner2017NumberValidator.isWellFormed("US3310085010100"))
        #expect(!Foreigner2017NumberValidator.isWellFormed("USA31008501010"))
    }
}

@Suite struct CreditCodeValidatorTests {
    // Vectors from docs/device-protocols.md §4.2 (valid; check digits recomputed there).
    @Test(arguments: [
        "91110000600037341L", "91440300708461136T", "91110108551385082Q", "91350100M000100Y43", "91350100m000100y43",
    ])
    func validate_acceptsPublishedVectors(code: String) throws {
        let valid = try CreditCodeValidator.validate(code).get()
        #expect(!valid.organisationCodeMismatch)
    }

    @Test(arguments: [
        ("", CreditCodeError.empty),
        ("91110000600037341", .wrongLength(17)),
        ("91110000600037341LL", .wrongLength(19)),
        ("91110000600037341I", .invalidCharacter(position: 18, "I")),
        ("9111000060003734OL", .invalidCharacter(position: 17, "O")),
        ("9S110000600037341L", .invalidCharacter(position: 2, "S")),
        ("91110000600037341M", .badCheckCharacter(expected: "L")),
        ("统一社会信用代码统一社会信用代码统一", .invalidCharacter(position: 1, "统")),
    ])
    func validate_rejectsWithReason(code: String, error: CreditCodeError) {
        #expect(CreditCodeValidator.validate(code) == .failure(error))
    }

    @Test func validate_organisationCodeMismatch_isAWarningNotAnError() throws {
        // Same body as 91110000600037341L but the embedded organisation check digit 1 changed to 2.
        let code = try #require(CreditCodeValidator.complete("91110000600037342"))
        let valid = try CreditCodeValidator.validate(code).get()
        #expect(valid.organisationCodeMismatch)
    }

    @Test func weights_arePowersOfThreeModThirtyOne() {
        var power = 1
        for weight in CreditCodeValidator.weights {
            #expect(weight == power)
            power = power * 3 % 31
        }
        #expect(CreditCodeValidator.alphabet.count == 31)
        #expect(!CreditCodeValidator.alphabet.contains { "IOSVZ".contains($0) })
    }
}

@Suite struct CivilDateTests {
    @Test func parsing_acceptsCompactAndDashedForms_andRejectsImpossibleDates() {
        #expect(CivilDate("20240229") == CivilDate(year: 2024, month: 2, day: 29))
        #expect(CivilDate("2024-02-29")?.description == "2024-02-29")
        #expect(CivilDate("20230229") == nil)
        #expect(CivilDate("2023-13-01") == nil)
        #expect(CivilDate("2023/01/01") == nil)
        #expect(CivilDate("") == nil)
    }

    @Test func years_countsWholeYearsUpToTheBirthday() {
        let birth = CivilDate(year: 2008, month: 11, day: 23)!
        #expect(birth.years(until: today) == 17)
        #expect(birth.years(until: CivilDate(year: 2026, month: 11, day: 23)!) == 18)
    }

    @Test func epochDays_roundTrip() {
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            #expect(CivilDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(CivilDate(year: 1970, month: 1, day: 1)!.daysSinceEpoch == 0)
    }
}

@Suite struct MaskingTests {
    @Test func idNumber_keepsFourAndFour() {
        #expect(PersonalText("11010519491231002X", kind: .idNumber).description == "1101**********002X")
    }

    @Test func names_keepTheFirstCharacter() {
        #expect(Masking.name("张三") == "张*")
        #expect(Masking.name("欧阳娜娜") == "欧***")
        #expect(Masking.name("张") == "张*")
        #expect(Masking.name("JOHN SMITH") == "J*** S****")
    }

    @Test func address_andPhone() {
        #expect(Masking.address("北京市东城区景山前街4号") == "北京市东城区****")
        #expect(Masking.mask("13812345678", as: .phone) == "138****5678")
    }

    @Test func interpolation_andDebugDescription_neverShowTheValue() {
        let id = PersonalText("11010519491231002X", kind: .idNumber)
        #expect(!"\(id)".contains("19491231"))
        #expect(!String(reflecting: id).contains("19491231"))
        #expect(id.unmasked == "11010519491231002X")
    }
}
