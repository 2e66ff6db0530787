import Foundation
import KioskCore
import Testing

@testable import KioskDocuments

/// The Debian fonts the daemon embeds by default (docs/ARCHITECTURE.md §"Licence fonts") and the tools that check
/// the result. Missing outside CI: the test says so loudly and passes; with CI=true it fails.
enum LicenceFontFixtures {
    static let uming = "/usr/share/fonts/truetype/arphic/uming.ttc"
    static let hanaMinA = "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf"
    static let hanaMinB = "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf"
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// The file's bytes, or nil (after saying why) when it is missing outside CI.
    static func bytes(_ path: String, package: String) throws -> [UInt8]? {
        if let data = FileManager.default.contents(atPath: path) { return [UInt8](data) }
        let message = "\(path) is missing: run scripts/install-deps.sh (Debian \(package))"
        if inCI { throw ExternalTools.ToolMissing(description: message) }
        print("⚠️  SKIPPED: \(message)")
        return nil
    }

    static func font(_ path: String, package: String) throws -> PDFTrueTypeFont? {
        try bytes(path, package: package).map { try PDFTrueTypeFont(bytes: $0) }
    }

    /// Whether `tool` is installed; outside CI a missing tool skips loudly, in CI it fails.
    static func have(_ tool: String, package: String) throws -> Bool {
        if ExternalTools.path(of: tool) != nil { return true }
        let message = "\(tool) is not installed: run scripts/install-deps.sh (Debian \(package))"
        if inCI { throw ExternalTools.ToolMissing(description: message) }
        print("⚠️  SKIPPED: \(message)")
        return false
    }

    /// The default font set: UMing, then HanaMin A and B.
    static func defaultFonts() throws -> PDFFontSet? {
        guard let primary = try font(uming, package: "fonts-arphic-uming"),
            let fallbackA = try font(hanaMinA, package: "fonts-hanazono"),
            let fallbackB = try font(hanaMinB, package: "fonts-hanazono")
        else { return nil }
        return PDFFontSet([.embedded(primary), .embedded(fallbackA), .embedded(fallbackB)])
    }

    /// The first character of `range` the set draws with font `index` (none of the fonts before it has it).
    static func firstCharacter(in range: ClosedRange<UInt32>, drawnBy index: Int, _ fonts: PDFFontSet)
        -> Unicode.Scalar?
    {
        range.lazy.compactMap(Unicode.Scalar.init).first { fonts.fontIndex(for: $0) == index }
    }

    static let extensionA: ClosedRange<UInt32> = 0x3400...0x4DBF
    /// As encoded up to Unicode 12 (13 added U+2A6D7…2A6DD, which HanaMin B predates).
    static let extensionB: ClosedRange<UInt32> = 0x20000...0x2A6D6
}

/// A licence whose name and address hold 𠀋 (U+2000B, CJK extension B), which UMing lacks.
func extensionBLicence() throws -> BusinessLicence {
    var licence = try sampleLicence()
    licence.name = "北京𠀋示例科技有限公司"
    licence.address = "北京市东城区𠀋示例路1号"
    return licence
}

@Suite(.serialized) struct LicenceFontEmbeddingTests {
    /// Characters of the sample licence, labels included, for subsetting outside a render.
    static func sampleCharacters() throws -> Set<Unicode.Scalar> {
        let licence = try sampleLicence()
        let text = [
            licence.creditCode, licence.name, licence.entityType, licence.representative, licence.businessScope,
            licence.address, licence.registrationAuthority, "统一社会信用代码名　称类型法定代表人经营范围注册资本成立日期营业期限住所登记机关年月日长期至",
            "0123456789",
        ].joined()
        return Set(text.unicodeScalars)
    }

    @Test func subsetOfUMing_parsesBackWithTheSameGlyphsMetricsAndValidChecksums() throws {
        guard let font = try LicenceFontFixtures.font(LicenceFontFixtures.uming, package: "fonts-arphic-uming")
        else { return }
        let characters = try Self.sampleCharacters()
        let subset = TrueTypeSubset(font: font, characters: characters)
        let parsed = try PDFTrueTypeFont(bytes: subset.bytes)

        let used = Set(characters.map { font.glyph(for: $0) }.filter { $0 != 0 })
        #expect(used.count > 100, "the sample licence should need over 100 glyphs, got \(used.count)")
        #expect(subset.originalGlyphs.first == 0, ".notdef stays glyph 0")
        #expect(parsed.glyphCount == subset.originalGlyphs.count)
        #expect(parsed.glyphCount >= used.count + 1)
        #expect(parsed.glyphCount < font.glyphCount / 20, "subset keeps \(parsed.glyphCount) of \(font.glyphCount)")
        for scalar in characters where font.glyph(for: scalar) != 0 {
            let original = font.glyph(for: scalar)
            let new = parsed.glyph(for: scalar)
            #expect(new == subset.newGlyph[original], "cmap of the subset for U+\(String(scalar.value, radix: 16))")
            #expect(parsed.advance(ofGlyph: new) == font.advance(ofGlyph: original))
            #expect(parsed.horizontalMetric(ofGlyph: new) == font.horizontalMetric(ofGlyph: original))
            if TrueTypeSubset.components(of: font.outline(ofGlyph: original)).isEmpty {
                #expect(parsed.outline(ofGlyph: new) == font.outline(ofGlyph: original))
            }
        }
        // Composite glyphs' components are in the subset too, renumbered.
        for new in 0..<parsed.glyphCount {
            for component in TrueTypeSubset.components(of: parsed.outline(ofGlyph: new)) {
                #expect(component < parsed.glyphCount)
            }
        }
        #expect(parsed.glyph(for: "\u{2000B}") == 0)
        try Self.expectValidChecksums(subset.bytes)
        #expect(subset.bytes.count < 150_000, "subset is \(subset.bytes.count) bytes")
    }

    @Test func collectionFace_isPickedByIndexOrName() throws {
        guard let bytes = try LicenceFontFixtures.bytes(LicenceFontFixtures.uming, package: "fonts-arphic-uming")
        else { return }
        // The PostScript names become /BaseFont.
        #expect(try PDFTrueTypeFont(bytes: bytes).name == "UMingCN")
        #expect(try PDFTrueTypeFont(bytes: bytes, face: .index(2)).name == "UMingTW")
        #expect(try PDFTrueTypeFont(bytes: bytes, face: .name("AR PL UMing HK")).name == "UMingHK")
        #expect(try PDFTrueTypeFont(bytes: bytes, face: .name("UMingTWMBE")).name == "UMingTWMBE")
        let noFace = #expect(throws: PDFFontError.self) { try PDFTrueTypeFont(bytes: bytes, face: .index(4)) }
        #expect(noFace?.description.contains("4 face(s)") == true)
        let noName = #expect(throws: PDFFontError.self) { try PDFTrueTypeFont(bytes: bytes, face: .name("Nope")) }
        #expect(noName?.description.contains("AR PL UMing CN") == true)
    }

    /// What the fonts really hold: UMing has Latin, digits, the common CJK, some of extensions A and B, not 𠀋;
    /// HanaMin A the BMP CJK with extension A; HanaMin B (ASCII and) plane 2 with all of extension B.
    @Test func defaultFonts_coverWhatTheLicenceNeedsBetweenThem() throws {
        guard let fonts = try LicenceFontFixtures.defaultFonts(),
            case .embedded(let uming) = fonts.fonts[0], case .embedded(let hanaMinB) = fonts.fonts[2]
        else { return }
        for scalar in "09AZaz．（）：　中国𠀋".unicodeScalars where scalar != "𠀋" {
            #expect(uming.glyph(for: scalar) != 0, "UMing lacks U+\(String(scalar.value, radix: 16))")
        }
        #expect(uming.glyph(for: "\u{2000B}") == 0)
        #expect(hanaMinB.glyph(for: "\u{2000B}") != 0)
        #expect(hanaMinB.glyph(for: "中") == 0)
        // HanaMin A has 𠀋 among the 3650 plane-2 characters it holds.
        #expect(fonts.fontIndex(for: "\u{2000B}") == 1)
        #expect(fonts.fontIndex(for: "9") == 0)
        #expect(fonts.fontIndex(for: "中") == 0)
        #expect(LicenceFontFixtures.firstCharacter(in: LicenceFontFixtures.extensionA, drawnBy: 1, fonts) != nil)
        #expect(LicenceFontFixtures.firstCharacter(in: LicenceFontFixtures.extensionB, drawnBy: 2, fonts) != nil)
        let extensionBInUMing = LicenceFontFixtures.extensionB.filter {
            Unicode.Scalar($0).map { uming.glyph(for: $0) != 0 } ?? false
        }.count
        let extensionBInHanaMinB = LicenceFontFixtures.extensionB.filter {
            Unicode.Scalar($0).map { hanaMinB.glyph(for: $0) != 0 } ?? false
        }.count
        #expect(extensionBInUMing < 2000)
        #expect(extensionBInHanaMinB == LicenceFontFixtures.extensionB.count)
        #expect(fonts.firstUndrawable(in: "北京\u{10FFFD}") == "\u{10FFFD}")
    }

    /// A long, realistic 经营范围 (351 characters, 145 distinct): the heaviest common case for the subset's size.
    static let longBusinessScope =
        "一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；软件开发；信息系统集成服务；计算机系统服务；数据处理和存储支持服务；"
        + "信息技术咨询服务；网络技术服务；人工智能应用软件开发；物联网技术服务；计算机软硬件及辅助设备零售；电子产品销售；通讯设备销售；办公设备销售；"
        + "文具用品零售；日用百货销售；会议及展览服务；企业管理咨询；市场营销策划；广告设计、代理；广告制作；广告发布；组织文化艺术交流活动；翻译服务；"
        + "家用电器销售；五金产品零售；建筑材料销售；化工产品销售（不含许可类化工产品）。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
        + "许可项目：第二类增值电信业务；互联网信息服务。（依法须经批准的项目，经相关部门批准后方可开展经营活动，具体经营项目以相关部门批准文件或"
        + "许可证件为准）"

    @Test func longBusinessScope_licenceStaysUnder200KB() throws {
        guard let fonts = try LicenceFontFixtures.defaultFonts(), try LicenceFontFixtures.have("qpdf", package: "qpdf")
        else { return }
        var licence = try sampleLicence()
        licence.businessScope = Self.longBusinessScope
        let bytes = try LicenceRenderer.render(licence, copy: .original, fonts: fonts)
        print("licence with a \(licence.businessScope.count)-character scope: \(bytes.count) bytes")
        #expect(bytes.count <= 200_000, "licence is \(bytes.count) bytes")
        let rendered = try RenderedPDF(bytes)
        defer { rendered.remove() }
        #expect(try ExternalTools.run("qpdf", ["--check", rendered.pdf.path]).status == 0)
        #expect(try rendered.text().replacingOccurrences(of: "\n", with: "").contains("人工智能应用软件开发"))
    }

    @Test func defaultLicence_embedsSubsetsOnlyPassesQpdfAndIsSmall() throws {
        guard let fonts = try LicenceFontFixtures.defaultFonts(),
            try LicenceFontFixtures.have("qpdf", package: "qpdf"),
            try LicenceFontFixtures.have("pdffonts", package: "poppler-utils")
        else { return }
        for copy in LicenceCopy.allCases {
            let bytes = try LicenceRenderer.render(try sampleLicence(), copy: copy, fonts: fonts)
            #expect(bytes.count <= 200_000, "\(copy) licence is \(bytes.count) bytes")
            #expect(
                try LicenceRenderer.render(try sampleLicence(), copy: copy, fonts: fonts) == bytes, "not deterministic")
            print("licence \(copy): \(bytes.count) bytes")
            let rendered = try RenderedPDF(bytes)
            defer { rendered.remove() }
            let check = try ExternalTools.run("qpdf", ["--check", rendered.pdf.path])
            #expect(check.status == 0, "qpdf --check: \(check.output)")
            #expect(check.output.contains("No syntax or stream encoding errors"))
            let listed = try ExternalTools.run("pdffonts", [rendered.pdf.path]).output
            #expect(!listed.contains("STSong"), "\(listed)")
            // Only UMing is used (no extension B character): one font, a tagged subset, embedded.
            let rows = listed.split(separator: "\n").dropFirst(2)
            #expect(rows.count == 1, "\(listed)")
            #expect(rows.allSatisfy { $0.contains("CID TrueType") && $0.contains("yes yes") }, "\(listed)")
            #expect(rows.first?.range(of: #"^[A-Z]{6}\+UMingCN "#, options: .regularExpression) != nil, "\(listed)")
            let text = try rendered.text()
            for field in ["91110000600037341L", "北京示例科技有限公司", "北京市东城区示例路1号", "2024年01月15日"] {
                #expect(text.contains(field), "pdftotext lacks \(field)")
            }
        }
    }

    @Test func defaultLicence_rendersTheSamePixelsWithoutAnyHostFont() throws {
        guard let fonts = try LicenceFontFixtures.defaultFonts(),
            try LicenceFontFixtures.have("pdftoppm", package: "poppler-utils")
        else { return }
        let plain = try PixelComparison(try LicenceRenderer.render(try sampleLicence(), copy: .original, fonts: fonts))
        defer { plain.remove() }
        #expect(plain.withHostFonts == plain.withoutHostFonts, "page 1 differs without host fonts")
        #expect(plain.darkPixels(plain.withHostFonts) > 20_000, "the page is (nearly) blank")

        // Control: the STSong-Light reference does depend on the host's fonts, so the comparison can fail.
        let referenced = try PixelComparison(try LicenceRenderer.render(try sampleLicence(), copy: .original))
        defer { referenced.remove() }
        #expect(referenced.withHostFonts != referenced.withoutHostFonts)
        #expect(referenced.darkPixels(referenced.withoutHostFonts) < plain.darkPixels(plain.withoutHostFonts))
    }

    /// 𠀋 (extension B, which UMing lacks) in the name and address is drawn from HanaMin A; the legal
    /// representative's name holds an extension A character only HanaMin A has and an extension B one only HanaMin B
    /// has.
    @Test func rareCharacters_areDrawnWithTheFallbacksTheSameWithoutHostFonts() throws {
        guard let fonts = try LicenceFontFixtures.defaultFonts(),
            try LicenceFontFixtures.have("pdftoppm", package: "poppler-utils"),
            try LicenceFontFixtures.have("qpdf", package: "qpdf")
        else { return }
        let extensionA = try #require(
            LicenceFontFixtures.firstCharacter(in: LicenceFontFixtures.extensionA, drawnBy: 1, fonts))
        let extensionB = try #require(
            LicenceFontFixtures.firstCharacter(in: LicenceFontFixtures.extensionB, drawnBy: 2, fonts))
        var licence = try extensionBLicence()
        licence.representative = "张\(extensionA)\(extensionB)"
        let bytes = try LicenceRenderer.render(licence, copy: .original, fonts: fonts)
        #expect(bytes.count <= 200_000, "licence is \(bytes.count) bytes")
        let comparison = try PixelComparison(bytes)
        defer { comparison.remove() }
        #expect(comparison.withHostFonts == comparison.withoutHostFonts, "page 1 differs without host fonts")
        let check = try ExternalTools.run("qpdf", ["--check", comparison.pdf.path])
        #expect(check.status == 0, "qpdf --check: \(check.output)")
        let listed = try ExternalTools.run("pdffonts", [comparison.pdf.path]).output
        for name in ["UMingCN", "HanaMinA", "HanaMinB"] {
            #expect(
                listed.range(of: #"[A-Z]{6}\+"# + name + #"\s+CID TrueType"#, options: .regularExpression) != nil,
                "\(listed)")
        }
        let text = try comparison.text()
        #expect(text.contains("北京𠀋示例科技有限公司"), "the fallback's ToUnicode map names 𠀋")
        #expect(text.contains("张\(extensionA)\(extensionB)"), "the fallbacks' ToUnicode maps name both")
        // The fallback glyph is ink on paper: more dark pixels than the same licence without the character.
        let without = try PixelComparison(
            try LicenceRenderer.render(try sampleLicence(), copy: .original, fonts: fonts))
        defer { without.remove() }
        #expect(comparison.darkPixels(comparison.withHostFonts) > without.darkPixels(without.withHostFonts))
    }

    @Test func extensionBCharacter_withoutFallback_isRefusedNamingTheField() throws {
        guard let font = try LicenceFontFixtures.font(LicenceFontFixtures.uming, package: "fonts-arphic-uming")
        else { return }
        var licence = try sampleLicence()
        licence.address = "北京市东城区𠀋示例路1号"
        let error = #expect(throws: LicenceRenderError.self) {
            try LicenceRenderer.render(licence, copy: .original, fonts: PDFFontSet([.embedded(font)]))
        }
        #expect(error?.field == "address")
        #expect(
            error?.description.contains("field 'address' has a character no configured font can draw: U+2000B") == true,
            "\(error?.description ?? "no error")")
        #expect(error?.description.contains("东城区") == false, "the address itself is personal data")
    }

    /// Every table's checksum matches its directory entry and the file sums to 0xB1B0AFBA.
    static func expectValidChecksums(_ bytes: [UInt8]) throws {
        let reader = BigEndianReader(bytes)
        let directory = try TrueTypeTableDirectory(reader: reader, start: 0)
        #expect(Set(directory.entries.keys).isSuperset(of: ["cmap", "glyf", "head", "hhea", "hmtx", "loca", "maxp"]))
        for index in 0..<(reader.u16(4) ?? 0) {
            let record = 12 + 16 * index
            let tag = TrueTypeTableDirectory.tagText(reader.u32(record) ?? 0)
            guard let entry = directory[tag] else { continue }
            var table = Array(bytes[entry.offset..<entry.offset + entry.length])
            if tag == "head" { TrueTypeBytes.set32(&table, 8, 0) }
            #expect(UInt32(reader.u32(record + 4) ?? -1) == TrueTypeBytes.checksum(table), "checksum of \(tag)")
            #expect(entry.offset % 4 == 0, "\(tag) is not 4-byte aligned")
        }
        #expect(TrueTypeBytes.checksum(bytes) == 0xB1B0_AFBA)
    }
}

/// A rendered licence's page 1 rasterised by pdftoppm (-r 100 -gray, PGM) twice: with the host's fontconfig and with
/// `FONTCONFIG_FILE` pointing at a configuration that lists no font directory at all.
struct PixelComparison {
    let rendered: RenderedPDF
    let withHostFonts: Data
    let withoutHostFonts: Data
    var pdf: URL { rendered.pdf }

    init(_ bytes: [UInt8]) throws {
        rendered = try RenderedPDF(bytes)
        let emptyConfig = rendered.directory.appendingPathComponent("fonts.conf")
        let cache = rendered.directory.appendingPathComponent("fontcache").path
        try Data(
            """
            <?xml version="1.0"?>
            <!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
            <fontconfig><cachedir>\(cache)</cachedir></fontconfig>

            """.utf8
        ).write(to: emptyConfig)
        withHostFonts = try Self.raster(rendered, stem: "host", environment: nil)
        withoutHostFonts = try Self.raster(rendered, stem: "bare", environment: ["FONTCONFIG_FILE": emptyConfig.path])
    }

    private static func raster(_ rendered: RenderedPDF, stem: String, environment: [String: String]?) throws -> Data {
        let path = rendered.directory.appendingPathComponent(stem).path
        let result = try ExternalTools.run(
            "pdftoppm", ["-r", "100", "-gray", "-f", "1", "-l", "1", "-singlefile", rendered.pdf.path, path],
            environment: environment)
        #expect(result.status == 0, "pdftoppm failed")
        return try Data(contentsOf: URL(fileURLWithPath: path + ".pgm"))
    }

    /// Pixels darker than mid-grey in a binary PGM (P5, 8-bit).
    func darkPixels(_ pgm: Data) -> Int {
        let bytes = [UInt8](pgm)
        // Header: "P5", width, height, maxval, each after whitespace, then one whitespace byte.
        var fields = 0
        var index = 0
        while fields < 4, index < bytes.count {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A { index += 1 }
            while index < bytes.count, bytes[index] != 0x20, bytes[index] != 0x0A { index += 1 }
            fields += 1
        }
        return bytes[(index + 1)...].reduce(0) { $0 + ($1 < 128 ? 1 : 0) }
    }

    func text() throws -> String { try rendered.text() }

    func remove() { rendered.remove() }
}
