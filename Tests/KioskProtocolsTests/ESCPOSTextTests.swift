import Testing

@testable import KioskProtocols

struct ESCPOSTextTests {
    @Test func encode_chineseText_isGB18030() {
        // docs/device-protocols.md §6: "营业执照 回执" → D3 AA D2 B5 D6 B4 D5 D5 20 BB D8 D6 B4.
        let text = ESCPOSText("营业执照 回执")
        #expect(text.bytes == [0xD3, 0xAA, 0xD2, 0xB5, 0xD6, 0xB4, 0xD5, 0xD5, 0x20, 0xBB, 0xD8, 0xD6, 0xB4])
        #expect(text.replacedCount == 0)
        #expect(text.cellCount == 13)
    }

    @Test func encode_fourByteSequence_isReplacedByQuestionMark() {
        // §6: 𠀀 becomes the four-byte sequence 95 32 82 36, which printers' double-byte fonts lack.
        let text = ESCPOSText("执照𠀀")
        #expect(text.bytes == [0xD6, 0xB4, 0xD5, 0xD5, 0x3F])
        #expect(text.replacedCount == 1)
    }

    @Test func encode_controlCharacters_cannotInjectCommands() {
        let text = ESCPOSText("A\u{1B}@B\u{1D}V\u{7F}")
        #expect(text.bytes == [0x41, 0x3F, 0x40, 0x42, 0x3F, 0x56, 0x3F])
        #expect(text.replacedCount == 3)
    }

    @Test func encode_gb2312Repertoire_replacesGBKOnlyCharacters() {
        // 𠀀 aside, "镕" (U+9555) is in GBK's extension (lead byte below 0xB0 trail below 0xA1), not GB2312.
        let gbk = ESCPOSText("镕", repertoire: .gb18030)
        #expect(gbk.bytes.count == 2)
        let narrow = ESCPOSText("镕", repertoire: .gb2312)
        #expect(narrow.bytes == [0x3F])
        #expect(ESCPOSText("回执", repertoire: .gb2312).bytes == [0xBB, 0xD8, 0xD6, 0xB4])
    }

    @Test func cellWidth_countsCJKAsDouble() {
        #expect(ESCPOSText.cellWidth(of: "A023") == 4)
        #expect(ESCPOSText.cellWidth(of: "回执A") == 5)
    }

    @Test func wrap_cjkAt32Columns_splitsEvery16Characters() {
        let text = ESCPOSText(String(repeating: "执", count: 20))
        let lines = text.wrapped(columns: PaperWidth.mm58.columns)
        #expect(lines.count == 2)
        #expect(lines[0].count == 32)
        #expect(lines[1].count == 8)
    }

    @Test func wrap_oddColumnsWithCJK_neverSplitsACharacter() {
        let lines = ESCPOSText("A执执执").wrapped(columns: 4)
        #expect(lines == [[0x41, 0xD6, 0xB4], [0xD6, 0xB4, 0xD6, 0xB4]])
    }

    @Test func wrap_latinWords_breakAtSpace() {
        let lines = ESCPOSText("hello big world").wrapped(columns: 10)
        #expect(lines.map { String(decoding: $0, as: UTF8.self) } == ["hello big", "world"])
    }

    @Test func wrap_wordLongerThanLine_isCut() {
        let lines = ESCPOSText("abcdefghijkl").wrapped(columns: 5)
        #expect(lines.map { String(decoding: $0, as: UTF8.self) } == ["abcde", "fghij", "kl"])
    }

    @Test func wrap_spaceExactlyAtTheEdge_isDroppedNotCarried() {
        // Found by the fuzzer: "??" fills 2 columns, the space that follows starts no line of its own.
        let lines = ESCPOSText("\u{0}\u{0} ").wrapped(columns: 2)
        #expect(lines.map(Array.init) == [[0x3F, 0x3F]])
        let words = ESCPOSText("ab cd").wrapped(columns: 2)
        #expect(words.map { String(decoding: $0, as: UTF8.self) } == ["ab", "cd"])
    }

    @Test func paperWidth_columnsFor58And80() {
        #expect(PaperWidth.mm58.columns == 32)
        #expect(PaperWidth.mm80.columns == 48)
    }
}
