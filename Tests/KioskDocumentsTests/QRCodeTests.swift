import Foundation
import Testing

@testable import KioskDocuments

/// The symbol as a plain PBM image (P1) with a four-module quiet zone, `scale` pixels per module.
func portableBitmap(_ code: QRCode, scale: Int = 4) -> Data {
    let quiet = 4
    let side = (code.size + 2 * quiet) * scale
    var text = "P1\n\(side) \(side)\n"
    for py in 0..<side {
        var line = ""
        line.reserveCapacity(side * 2)
        for px in 0..<side {
            line += code[px / scale - quiet, py / scale - quiet] ? "1 " : "0 "
        }
        text += line + "\n"
    }
    return Data(text.utf8)
}

/// The largest payload of version `version` at `level` in byte mode.
func byteCapacity(version: Int, level: QRCode.ErrorCorrection) -> Int {
    (QRCodeTables.dataCodewordCount(version: version, level: level) * 8 - 4 - (version <= 9 ? 8 : 16)) / 8
}

struct QRCodeTests {
    // ISO/IEC 18004 annex I example ("01234567", version 1-M): the 16 data codewords and their 10 EC codewords.
    @Test func reedSolomon_isoAnnexIExample_givesPublishedECCodewords() {
        let data: [UInt8] = [
            0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11,
        ]
        let ecc = QRCodeReedSolomon.remainder(data, generator: QRCodeReedSolomon.generator(degree: 10))
        #expect(ecc == [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55])
    }

    // The widely published "HELLO WORLD" 1-M walk-through (alphanumeric data codewords, 10 EC codewords).
    @Test func reedSolomon_helloWorldExample_givesPublishedECCodewords() {
        let data: [UInt8] = [
            0x20, 0x5B, 0x0B, 0x78, 0xD1, 0x72, 0xDC, 0x4D, 0x43, 0x40, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11,
        ]
        let ecc = QRCodeReedSolomon.remainder(data, generator: QRCodeReedSolomon.generator(degree: 10))
        #expect(ecc == [0xC4, 0x23, 0x27, 0x77, 0xEB, 0xD7, 0xE7, 0xE2, 0x5D, 0x17])
    }

    // ISO/IEC 18004 annex C table C.1 (format information bit sequences).
    @Test func formatWord_matchesPublishedTable() {
        #expect(QRCodeMatrix.formatWord(level: .medium, mask: 0) == 0b101010000010010)
        #expect(QRCodeMatrix.formatWord(level: .low, mask: 0) == 0b111011111000100)
        #expect(QRCodeMatrix.formatWord(level: .low, mask: 7) == 0b110100101110110)
        #expect(QRCodeMatrix.formatWord(level: .high, mask: 0) == 0b001011010001001)
    }

    // ISO/IEC 18004 annex D table D.1 (version information bit sequences).
    @Test func versionWord_matchesPublishedTable() {
        #expect(QRCodeMatrix.versionWord(version: 7) == 0x07C94)
        #expect(QRCodeMatrix.versionWord(version: 40) == 0x28C69)
    }

    // ISO/IEC 18004 table 9: total codewords and data codewords per version and level.
    @Test func capacities_matchPublishedTable() {
        #expect(QRCodeTables.totalCodewordCount(version: 1) == 26)
        #expect(QRCodeTables.totalCodewordCount(version: 7) == 196)
        #expect(QRCodeTables.totalCodewordCount(version: 40) == 3706)
        #expect(QRCodeTables.dataCodewordCount(version: 1, level: .high) == 9)
        #expect(QRCodeTables.dataCodewordCount(version: 10, level: .medium) == 216)
        #expect(QRCodeTables.dataCodewordCount(version: 40, level: .low) == 2956)
        #expect(byteCapacity(version: 40, level: .low) == QRCode.maximumByteCount)
    }

    @Test func alignmentPositions_matchAnnexE() {
        #expect(QRCodeTables.alignmentPositions(version: 1) == [])
        #expect(QRCodeTables.alignmentPositions(version: 2) == [6, 18])
        #expect(QRCodeTables.alignmentPositions(version: 15) == [6, 26, 48, 70])
        #expect(QRCodeTables.alignmentPositions(version: 32) == [6, 34, 60, 86, 112, 138])
        #expect(QRCodeTables.alignmentPositions(version: 36) == [6, 24, 50, 76, 102, 128, 154])
        #expect(QRCodeTables.alignmentPositions(version: 40) == [6, 30, 58, 86, 114, 142, 170])
    }

    @Test func encode_picksSmallestVersionThatFits() throws {
        #expect(try QRCode.encode(Array(repeating: 0x41, count: 17), errorCorrection: .low).version == 1)
        #expect(try QRCode.encode(Array(repeating: 0x41, count: 18), errorCorrection: .low).version == 2)
        #expect(try QRCode.encode(Array(repeating: 0x41, count: 7), errorCorrection: .high).version == 1)
        #expect(try QRCode.encode(Array(repeating: 0x41, count: 8), errorCorrection: .high).version == 2)
    }

    @Test func encode_tooLong_throwsDataTooLong() {
        #expect(throws: QRCodeError.self) {
            try QRCode.encode(Array(repeating: 0x41, count: QRCode.maximumByteCount + 1), errorCorrection: .low)
        }
        #expect(throws: QRCodeError.self) {
            try QRCode.encode(Array(repeating: 0x41, count: 100), errorCorrection: .high, maximumVersion: 3)
        }
    }

    @Test func encode_sameInput_givesSameSymbol() throws {
        let a = try QRCode.encode(text: "https://www.gsxt.gov.cn/", errorCorrection: .medium)
        let b = try QRCode.encode(text: "https://www.gsxt.gov.cn/", errorCorrection: .medium)
        #expect(a == b)
    }

    @Test func encode_chosenMask_hasLowestPenalty() throws {
        let chosen = try QRCode.encode(
            text: "https://example.org/licence/91110000600037341L", errorCorrection: .quartile)
        for mask in 0..<8 {
            let forced = try QRCode.encode(
                text: "https://example.org/licence/91110000600037341L", errorCorrection: .quartile, mask: mask)
            #expect(
                QRCodePenalty.score(chosen.modules, size: chosen.size)
                    <= QRCodePenalty.score(forced.modules, size: forced.size))
        }
    }

    @Test func penalty_runOfSeven_scoresFive() {
        #expect(QRCodePenalty.runPenalty([true, true, true, true, true, true, true, false]) == 5)
        #expect(QRCodePenalty.runPenalty([true, false, true, false]) == 0)
    }

    @Test func penalty_finderLikePatternWithLightMargin_scoresForty() {
        let line: [Bool] = [false, false, false, false, true, false, true, true, true, false, true]
        #expect(QRCodePenalty.finderLikePenalty(line) == 40)
    }
}

/// Decoded by zbarimg, a decoder we did not write.
@Suite(.serialized) struct QRCodeDecodeTests {
    /// Writes each symbol as a PBM, decodes them all in one zbarimg run, returns the decoded texts in order.
    func decode(_ codes: [QRCode]) throws -> [String] {
        let directory = try ExternalTools.temporaryDirectory("qr")
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        for (index, code) in codes.enumerated() {
            let url = directory.appendingPathComponent(String(format: "%03d.pbm", index))
            try portableBitmap(code).write(to: url)
            paths.append(url.path)
        }
        var texts: [String] = []
        for path in paths {
            let result = try ExternalTools.run("zbarimg", ["--quiet", "--raw", "-Sbinary", path])
            texts.append(result.status == 0 ? result.output : "<zbarimg exit \(result.status)>")
        }
        return texts
    }

    /// Versions 1–10 (one and two alignment rows, version info from 7), then one per alignment-pattern count up
    /// to 40, plus 32 (the irregular spacing); each filled to capacity at every level.
    @Test func encode_sampleOfVersionsAtEveryLevel_decodesWithZbarimg() throws {
        var codes: [QRCode] = []
        var payloads: [String] = []
        for level in QRCode.ErrorCorrection.allCases {
            for version in Array(1...10) + [14, 21, 28, 32, 35, 40] {
                let capacity = byteCapacity(version: version, level: level)
                let head = "v\(version)\(level):"
                let body = String(
                    (0..<(capacity - head.count)).map {
                        Character(UnicodeScalar(UInt8(0x41 + ($0 * 7 + version) % 26)))
                    })
                let payload = head + body
                payloads.append(payload)
                let code = try QRCode.encode(text: payload, errorCorrection: level)
                #expect(code.version == version, "\(head) filled to capacity should need exactly version \(version)")
                codes.append(code)
            }
        }
        let decoded = try decode(codes)
        for (payload, text) in zip(payloads, decoded) {
            #expect(text == payload, "\(payload.prefix(8)) did not decode")
        }
    }

    @Test func encode_everyForcedMask_decodesWithZbarimg() throws {
        let url = "https://www.gsxt.gov.cn/licence?code=91110000600037341L"
        let codes = try (0..<8).map { try QRCode.encode(text: url, errorCorrection: .medium, mask: $0) }
        #expect(try decode(codes) == Array(repeating: url, count: 8))
    }

    @Test func encode_utf8ChineseText_decodesByteExact() throws {
        let text = "营业执照 https://例子.中国/91110000600037341L"
        let code = try QRCode.encode(text: text, errorCorrection: .high)
        #expect(try decode([code]) == [text])
    }
}
