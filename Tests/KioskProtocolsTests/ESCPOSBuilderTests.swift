import Testing

@testable import KioskProtocols

// Golden bytes from docs/device-protocols.md §2.1–2.4 and GB18030 values from §6.
struct ESCPOSBuilderTests {
    @Test func initialize_resetsThenEntersChineseMode() {
        var b = ESCPOSBuilder(paper: .mm80)
        b.initialize()
        #expect(b.bytes == [0x1B, 0x40, 0x1C, 0x26])
    }

    @Test func line_chinese_endsWithLF() {
        var b = ESCPOSBuilder(paper: .mm80)
        b.line("回执")
        #expect(b.bytes == [0xBB, 0xD8, 0xD6, 0xB4, 0x0A])
    }

    @Test func line_empty_feedsOneBlankLine() {
        var b = ESCPOSBuilder(paper: .mm58)
        b.line("")
        #expect(b.bytes == [0x0A])
    }

    @Test func line_doubleWidth_wrapsAtHalfTheColumns() {
        var b = ESCPOSBuilder(paper: .mm58)
        b.characterSize(width: 2, height: 2)
        #expect(b.columns == 16)
        b.line(String(repeating: "执", count: 9))  // 18 cells > 16
        let body = Array(b.bytes.dropFirst(3))
        #expect(
            body == [UInt8](repeating: 0, count: 0) + Array(repeating: [0xD6, 0xB4], count: 8).flatMap { $0 } + [
                0x0A, 0xD6, 0xB4, 0x0A,
            ])
    }

    @Test func line_embeddedNewline_startsNewLine() {
        var b = ESCPOSBuilder(paper: .mm80)
        b.line("A\nB")
        #expect(b.bytes == [0x41, 0x0A, 0x42, 0x0A])
    }

    @Test func line_unprintable_isCountedAsReplaced() {
        var b = ESCPOSBuilder(paper: .mm80)
        b.line("😀")
        #expect(b.bytes == [0x3F, 0x0A])
        #expect(b.replacedCharacterCount == 1)
    }

    @Test func pair_padsBetweenLabelAndValue() {
        var b = ESCPOSBuilder(paper: .mm58)
        b.pair("AB", "CD")
        #expect(b.bytes == [0x41, 0x42] + [UInt8](repeating: 0x20, count: 28) + [0x43, 0x44, 0x0A])
    }

    @Test func qrCode_sendsModelSizeLevelStorePrint() throws {
        var b = ESCPOSBuilder(paper: .mm80)
        try b.qrCode("AB", model: .model2, moduleSize: 6, errorCorrection: .medium)
        #expect(
            b.bytes == [
                0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00,
                0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06,
                0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31,
                0x1D, 0x28, 0x6B, 0x05, 0x00, 0x31, 0x50, 0x30, 0x41, 0x42,
                0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30,
            ])
    }

    @Test func qrCode_emptyOrTooLong_isRejected() {
        var b = ESCPOSBuilder(paper: .mm80)
        #expect(throws: ESCPOSBuildError.qrPayloadEmpty) { try b.qrCode("") }
        #expect(throws: ESCPOSBuildError.qrPayloadTooLong(bytes: 3000, limit: 2953)) {
            try b.qrCode(String(repeating: "x", count: 3000))
        }
        #expect(b.bytes.isEmpty)
    }

    @Test func code128_prefixesCodeSetB() throws {
        var b = ESCPOSBuilder(paper: .mm80)
        try b.code128("A1", height: 60, moduleWidth: 2, text: .below)
        #expect(
            b.bytes == [0x1D, 0x68, 60, 0x1D, 0x77, 2, 0x1D, 0x48, 2, 0x1D, 0x6B, 0x49, 0x04, 0x7B, 0x42, 0x41, 0x31])
    }

    @Test func code128_nonASCII_isRejected() {
        var b = ESCPOSBuilder(paper: .mm80)
        #expect(throws: ESCPOSBuildError.self) { try b.code128("回执") }
    }

    @Test func feed_moreThan255_isSplit() {
        var b = ESCPOSBuilder(paper: .mm80)
        b.feed(lines: 300)
        #expect(b.bytes == [0x1B, 0x64, 0xFF, 0x1B, 0x64, 45])
    }

    @Test func rule_fillsTheLine() {
        var b = ESCPOSBuilder(paper: .mm58)
        b.rule()
        #expect(b.bytes == [UInt8](repeating: 0x2D, count: 32) + [0x0A])
    }
}
