import KioskCore
import KioskProtocols
import Testing

/// A 256-byte text block built field by field from the layouts of docs/device-protocols.md §1.7 (UTF-16LE, padded with
/// `20 00`), independent of `GA467TextBlockEncoder`.
struct HandBlock {
    var bytes: [UInt8] = Array(repeating: [0x20, 0x00], count: 128).flatMap { $0 }

    mutating func put(_ text: String, at offset: Int) {
        for (i, unit) in text.utf16.enumerated() {
            bytes[offset + 2 * i] = UInt8(unit & 0xFF)
            bytes[offset + 2 * i + 1] = UInt8(unit >> 8)
        }
    }

    mutating func putBytes(_ raw: [UInt8], at offset: Int) {
        for (i, byte) in raw.enumerated() { bytes[offset + i] = byte }
    }
}

@Suite struct GA467TextBlockTests {
    /// §1.7.2 resident layout; ID number from §1.10's test vectors.
    func residentBlock(validUntil: String = "20300101") -> HandBlock {
        var block = HandBlock()
        block.put("张三丰", at: 0)
        block.put("2", at: 30)
        block.put("01", at: 32)
        block.put("19491231", at: 36)
        block.put("北京市东城区景山前街4号", at: 52)
        block.put("11010519491231002X", at: 122)
        block.put("北京市公安局东城分局", at: 158)
        block.put("20100101", at: 188)
        block.put(validUntil, at: 204)
        // Marker at 248 is 20 00 (space), already the padding.
        return block
    }

    @Test func decode_residentBlock_yieldsEveryField() throws {
        let card = try GA467TextBlock.decode(residentBlock().bytes)
        #expect(card.cardType == .resident)
        #expect(card.name.unmasked == "张三丰")
        #expect(card.gender == .female)
        #expect(card.nation == "01")
        #expect(card.birthDate == CivilDate(year: 1949, month: 12, day: 31))
        #expect(card.address?.unmasked == "北京市东城区景山前街4号")
        #expect(card.idNumber.unmasked == "11010519491231002X")
        #expect(card.issuingAuthority == "北京市公安局东城分局")
        #expect(card.validFrom == CivilDate(year: 2010, month: 1, day: 1))
        #expect(card.validUntil == .until(CivilDate(year: 2030, month: 1, day: 1)!))
        #expect(card.passNumber == nil)
    }

    // §1.7.2: "长期" = 7F 95 1F 67 followed by six 20 00.
    @Test func decode_longTermEndDate_yieldsLongTerm() throws {
        var block = residentBlock()
        block.putBytes([0x7F, 0x95, 0x1F, 0x67] + Array(repeating: [0x20, 0x00], count: 6).flatMap { $0 }, at: 204)
        #expect(try GA467TextBlock.decode(block.bytes).validUntil == .longTerm)
    }

    @Test func decode_addressFillingAllSeventyBytes_keepsAllThirtyFiveCharacters() throws {
        var block = residentBlock()
        let address = String(repeating: "路", count: 35)
        block.put(address, at: 52)
        #expect(try GA467TextBlock.decode(block.bytes).address?.unmasked == address)
    }

    // Found by the fuzzer: U+0600 joins the padding space after it into one grapheme; trimming must still drop it.
    @Test func decode_prependCharacterBeforePadding_trimsThePadding() throws {
        var block = residentBlock()
        block.putBytes([0x00, 0x06, 0x20, 0x00], at: 32)
        let card = try GA467TextBlock.decode(block.bytes)
        #expect(card.nation == "\u{0600}")
        #expect(try GA467TextBlock.decode(GA467TextBlockEncoder.encode(card)) == card)
    }

    @Test func decode_invalidBirthDate_throwsNamingTheFieldOnly() {
        var block = residentBlock()
        block.put("19491332", at: 36)
        #expect(throws: GA467TextBlockError.invalidDate(field: "birth date")) { try GA467TextBlock.decode(block.bytes) }
    }

    @Test func decode_wrongSize_throws() {
        #expect(throws: GA467TextBlockError.wrongSize(255)) {
            try GA467TextBlock.decode(Array(repeating: 0x20, count: 255))
        }
    }

    @Test func decode_unknownMarker_throwsUnsupportedWithRawBlockButMaskedDescription() {
        var block = residentBlock()
        block.put("Q", at: 248)
        do {
            _ = try GA467TextBlock.decode(block.bytes)
            Issue.record("expected unsupported card type")
        } catch {
            guard case .unsupportedCardType(let marker, let raw) = error else {
                Issue.record("wrong error \(error)"); return
            }
            #expect(marker == 0x51)
            #expect(raw == block.bytes)
            #expect(!error.description.contains("1101"))
        }
    }

    // §1.7.3 J card.
    @Test func decode_hkMacaoTaiwanPermit_yieldsPassNumberAndIssueCount() throws {
        var block = HandBlock()
        block.put("陈大文", at: 0)
        block.put("1", at: 30)
        block.put("19900315", at: 36)
        block.put("广东省深圳市福田区福华路1号", at: 52)
        block.put("810000199003150023", at: 122)
        block.put("深圳市公安局", at: 158)
        block.put("20200601", at: 188)
        block.put("20250601", at: 204)
        block.put("H12345678", at: 220)
        block.put("02", at: 238)
        block.put("J", at: 248)
        let card = try GA467TextBlock.decode(block.bytes)
        #expect(card.cardType == .hkMacaoTaiwanPermit)
        #expect(card.nation == nil)
        #expect(card.passNumber == "H12345678")
        #expect(card.issueCount == "02")
        #expect(card.idNumber.unmasked == "810000199003150023")
        #expect(card.gender == .male)
    }

    // §1.7.4 I card (2017).
    @Test func decode_foreignerPermanent2017_yieldsEnglishAndChineseNames() throws {
        var block = HandBlock()
        block.put("SMITH JOHN", at: 0)
        block.put("1", at: 120)
        block.put("USA110080101001", at: 122)
        block.put("USA", at: 152)
        block.put("史密斯", at: 158)
        block.put("20170601", at: 188)
        block.put("20270601", at: 204)
        block.put("19800101", at: 220)
        block.put("01", at: 236)
        block.put("1100", at: 240)
        block.put("I", at: 248)
        let card = try GA467TextBlock.decode(block.bytes)
        #expect(card.cardType == .foreignerPermanent2017)
        #expect(card.englishName?.unmasked == "SMITH JOHN")
        #expect(card.chineseName?.unmasked == "史密斯")
        #expect(card.name.unmasked == "史密斯")
        #expect(card.nationality == "USA")
        #expect(card.idNumber.unmasked == "USA110080101001")
        #expect(card.birthDate == CivilDate(year: 1980, month: 1, day: 1))
        #expect(card.validFrom == CivilDate(year: 2017, month: 6, day: 1))
        #expect(card.issuingAuthority == "1100")
    }

    @Test func decode_foreignerPermanent2017WithoutChineseName_usesEnglishName() throws {
        var block = HandBlock()
        block.put("SMITH JOHN", at: 0)
        block.put("1", at: 120)
        block.put("USA110080101001", at: 122)
        block.put("20170601", at: 188)
        block.put("20270601", at: 204)
        block.put("19800101", at: 220)
        block.put("I", at: 248)
        let card = try GA467TextBlock.decode(block.bytes)
        #expect(card.name.unmasked == "SMITH JOHN")
        #expect(card.chineseName == nil)
    }

    // §1.7.5 Y card (2023); number from §1.7.5's official samples.
    @Test func decode_foreignerPermanent2023_joinsEnglishNameAcrossBothFields() throws {
        var block = HandBlock()
        let english = "MONTGOMERY-WILLIAMSON ALEXANDRA CATHERINE ELIZ"  // 46 characters
        #expect(english.count == 46)
        block.put("蒙哥马利", at: 0)
        block.put("2", at: 30)
        block.put("01", at: 32)
        block.put("19850101", at: 36)
        block.put(String(english.prefix(35)), at: 52)
        block.put("932682198501010017", at: 122)
        block.put("20231201", at: 188)
        block.put("20331201", at: 204)
        block.put(String(english.dropFirst(35)), at: 220)
        block.put("CAN", at: 242)
        block.put("Y", at: 248)
        block.put("ABC", at: 250)
        let card = try GA467TextBlock.decode(block.bytes)
        #expect(card.cardType == .foreignerPermanent2023)
        #expect(card.englishName?.unmasked == english)
        #expect(card.name.unmasked == "蒙哥马利")
        #expect(card.renewalCount == "01")
        #expect(card.nationality == "CAN")
        #expect(card.idNumber.unmasked == "932682198501010017")
        #expect(card.validUntil == .until(CivilDate(year: 2033, month: 12, day: 1)!))
    }

    // Found by the fuzzer: with leading padding trimmed, the join of the two name fields moved and the encoder split
    // a surrogate pair; only trailing padding goes when the name runs into the second field.
    @Test func decode_foreigner2023NameIntoSecondField_keepsTheJoinAtCharacter35() throws {
        var block = HandBlock()
        block.put("19850101", at: 36)
        block.put("  " + String(repeating: "A", count: 32) + "X", at: 52)
        block.put("\u{1F600}B", at: 220)
        block.put("20231201", at: 188)
        block.put("20331201", at: 204)
        block.put("Y", at: 248)
        let card = try GA467TextBlock.decode(block.bytes)
        #expect(card.englishName?.unmasked == "  " + String(repeating: "A", count: 32) + "X\u{1F600}B")
        #expect(try GA467TextBlock.decode(GA467TextBlockEncoder.encode(card)) == card)
    }

    @Test func decode_shortEnglishName2023_isTrimmed() throws {
        var block = HandBlock()
        block.put("李", at: 0)
        block.put("1", at: 30)
        block.put("19850101", at: 36)
        block.put("LI MING", at: 52)
        block.put("932682198501010017", at: 122)
        block.put("20231201", at: 188)
        block.put("20331201", at: 204)
        block.put("Y", at: 248)
        #expect(try GA467TextBlock.decode(block.bytes).englishName?.unmasked == "LI MING")
    }

    @Test(arguments: CardType.allCases)
    func encoder_thenDecoder_roundTripsEveryCardType(type: CardType) throws {
        let card = sampleCard(type)
        #expect(try GA467TextBlock.decode(GA467TextBlockEncoder.encode(card)) == card)
    }

    @Test func encoder_residentBlock_matchesHandBuiltBlock() {
        let card = try? GA467TextBlock.decode(residentBlock().bytes)
        #expect(card.map(GA467TextBlockEncoder.encode) == residentBlock().bytes)
    }

    @Test func nationTable_knowsAll56AndTheTwoExtraCodes() {
        #expect(GA467NationCode.names.count == 58)
        #expect(GA467NationCode.name(for: "01") == "汉")
        #expect(GA467NationCode.name(for: "46") == "德昂")
        #expect(GA467NationCode.label(for: "56") == "基诺族")
        #expect(GA467NationCode.label(for: "98") == "外国血统中国籍人士")
        #expect(GA467NationCode.name(for: "77") == "77")
    }

    private func sampleCard(_ type: CardType) -> IdentityCard {
        let from = CivilDate(year: 2020, month: 1, day: 2)!
        switch type {
        case .resident:
            return IdentityCard(
                cardType: .resident, name: PersonalText("王五", kind: .name), gender: .male, nation: "03",
                birthDate: CivilDate(year: 1970, month: 5, day: 6)!,
                address: PersonalText("上海市", kind: .address),
                idNumber: PersonalText("11010519491231002X", kind: .idNumber), issuingAuthority: "某局",
                validFrom: from, validUntil: .longTerm)
        case .hkMacaoTaiwanPermit:
            return IdentityCard(
                cardType: .hkMacaoTaiwanPermit, name: PersonalText("陈", kind: .name), gender: .female,
                birthDate: from, address: PersonalText("深圳", kind: .address),
                idNumber: PersonalText("810000199003150023", kind: .idNumber), issuingAuthority: "深圳",
                validFrom: from, validUntil: .until(from.adding(days: 1000)), passNumber: "H1",
                issueCount: "01")
        case .foreignerPermanent2017:
            return IdentityCard(
                cardType: .foreignerPermanent2017, name: PersonalText("史", kind: .name), gender: .male,
                birthDate: from, idNumber: PersonalText("USA110080101001", kind: .idNumber),
                issuingAuthority: "1100", validFrom: from, validUntil: .until(from.adding(days: 10)),
                englishName: PersonalText("SMITH J", kind: .name), nationality: "USA",
                chineseName: PersonalText("史", kind: .name))
        case .foreignerPermanent2023:
            return IdentityCard(
                cardType: .foreignerPermanent2023, name: PersonalText("安", kind: .name), gender: .female,
                birthDate: from, idNumber: PersonalText("911124198108030024", kind: .idNumber),
                validFrom: from, validUntil: .until(from.adding(days: 10)),
                englishName: PersonalText("ANNA", kind: .name), nationality: "DEU", renewalCount: "00")
        }
    }
}
