import Foundation
import KioskCore
import Testing

@testable import KioskDocuments

/// A company licence as `kioskctl direct print-licence --data` takes it (credit code from docs/device-protocols.md
/// §4.2).
let sampleLicenceJSON = """
    {"creditCode": "91110000600037341L", "name": "北京示例科技有限公司", "entityType": "有限责任公司(自然人投资或控股)",
     "legalRepresentative": "张三", "registeredCapital": "壹佰万元整", "establishedOn": "2020-03-01",
     "businessTermFrom": "2020-03-01", "businessTermUntil": "long-term", "address": "北京市东城区示例路1号",
     "businessScope": "技术开发、技术咨询、技术服务；软件开发；计算机系统服务。（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
     "registrationAuthority": "北京市东城区市场监督管理局", "issuedOn": "2024-01-15",
     "qrPayload": "https://www.gsxt.gov.cn/licence?code=91110000600037341L"}
    """

func sampleLicence() throws -> BusinessLicence {
    try JSONDecoder().decode(BusinessLicence.self, from: Data(sampleLicenceJSON.utf8))
}

/// A rendered PDF on disk with the poppler views of it; the directory goes away with `remove()`.
struct RenderedPDF {
    let directory: URL
    let pdf: URL

    init(_ bytes: [UInt8]) throws {
        directory = try ExternalTools.temporaryDirectory("licence")
        pdf = directory.appendingPathComponent("licence.pdf")
        try Data(bytes).write(to: pdf)
    }

    func text() throws -> String {
        let result = try ExternalTools.run("pdftotext", ["-layout", pdf.path, "-"])
        #expect(result.status == 0, "pdftotext failed")
        return result.output
    }

    func info() throws -> String { try ExternalTools.run("pdfinfo", [pdf.path]).output }

    /// The page rasterised at `dpi` and read by zbarimg.
    func qrCodes(dpi: Int = 150) throws -> [String] {
        let stem = directory.appendingPathComponent("page").path
        let raster = try ExternalTools.run(
            "pdftoppm", ["-r", String(dpi), "-gray", "-png", "-singlefile", pdf.path, stem])
        #expect(raster.status == 0, "pdftoppm failed")
        let decoded = try ExternalTools.run("zbarimg", ["--quiet", "--raw", stem + ".png"])
        return decoded.output.split(separator: "\n").map(String.init)
    }

    /// x position (points) of the first word equal to `word` in `pdftotext -bbox` output.
    func xPosition(of word: String) throws -> Double? {
        let html = try ExternalTools.run("pdftotext", ["-bbox", pdf.path, "-"]).output
        for line in html.split(separator: "\n") where line.contains(">\(word)</word>") {
            guard let range = line.range(of: "xMin=\"") else { continue }
            return Double(line[range.upperBound...].prefix { $0 != "\"" })
        }
        return nil
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// Rendered PDFs read back with poppler (pdftotext, pdftoppm) and zbarimg.
@Suite(.serialized) struct LicenceRendererTests {
    @Test func render_originalA3_fieldsLegibleInPdftotext() throws {
        let rendered = try RenderedPDF(LicenceRenderer.render(sampleLicence(), copy: .original))
        defer { rendered.remove() }
        let text = try rendered.text()
        for expected in [
            "统一社会信用代码", "91110000600037341L", "北京示例科技有限公司", "法定代表人", "张三", "壹佰万元整",
            "2020年03月01日", "长期", "北京市东城区示例路1号", "经营范围", "技术开发", "北京市东城区市场监督管理局", "2024年01月15日",
        ] {
            #expect(text.contains(expected), "pdftotext output lacks \(expected)")
        }
    }

    @Test func render_originalA3_isOneA3LandscapePage() throws {
        let rendered = try RenderedPDF(LicenceRenderer.render(sampleLicence(), copy: .original))
        defer { rendered.remove() }
        let info = try rendered.info()
        #expect(info.contains("Pages:           1"))
        #expect(info.contains("1190.55 x 841.89 pts"), "A3 landscape is 420 × 297 mm = 1190.55 × 841.89 pt")
    }

    @Test func render_duplicateA4_isA4LandscapeWithAnnualReportNotice() throws {
        let rendered = try RenderedPDF(LicenceRenderer.render(sampleLicence(), copy: .duplicate))
        defer { rendered.remove() }
        #expect(try rendered.info().contains("841.89 x 595.276 pts"))
        let text = try rendered.text()
        #expect(text.contains("91110000600037341L"))
        #expect(text.contains("年度报告"))
    }

    @Test func render_qrCode_decodesToLicenceURLWithZbarimg() throws {
        let licence = try sampleLicence()
        for copy in LicenceCopy.allCases {
            let rendered = try RenderedPDF(LicenceRenderer.render(licence, copy: copy))
            defer { rendered.remove() }
            #expect(try rendered.qrCodes() == [licence.qrPayload], "\(copy)")
        }
    }

    @Test func render_longBusinessScope_shrinksAndKeepsEveryCharacter() throws {
        var licence = try sampleLicence()
        let clause = "电子产品、通讯设备、计算机软硬件的技术开发与销售；"
        licence.businessScope = String(repeating: clause, count: 14) + "末尾项目"
        let rendered = try RenderedPDF(LicenceRenderer.render(licence, copy: .original))
        defer { rendered.remove() }
        let text = try rendered.text().filter { !$0.isWhitespace }
        #expect(text.contains("末尾项目"))
        #expect(text.components(separatedBy: "计算机软硬件").count - 1 >= 14)
    }

    @Test func render_businessScopeTooLongEvenWhenShrunk_isRefusedNamingTheField() throws {
        var licence = try sampleLicence()
        licence.businessScope = String(repeating: "技术开发、技术咨询、技术服务；", count: 400)
        #expect(throws: LicenceRenderError.self) { try LicenceRenderer.render(licence, copy: .original) }
        do {
            _ = try LicenceRenderer.render(licence, copy: .original)
        } catch {
            #expect(error.field == "businessScope")
            #expect(error.description.contains("businessScope"))
        }
    }

    @Test func render_badCreditCode_isRefusedNamingTheField() throws {
        var licence = try sampleLicence()
        licence.creditCode = "91110000600037341X"
        do {
            _ = try LicenceRenderer.render(licence, copy: .original)
            Issue.record("an invalid credit code was rendered")
        } catch {
            #expect(error.field == "creditCode")
        }
    }

    @Test func render_calibrationOffset_movesFieldsByThatMuch() throws {
        var profile = LicenceLayoutProfile.originalA3
        let plain = try RenderedPDF(LicenceRenderer.render(sampleLicence(), copy: .original, profile: profile))
        defer { plain.remove() }
        profile.offsetX = 10
        let shifted = try RenderedPDF(LicenceRenderer.render(sampleLicence(), copy: .original, profile: profile))
        defer { shifted.remove() }
        let before = try #require(try plain.xPosition(of: "91110000600037341L"))
        let after = try #require(try shifted.xPosition(of: "91110000600037341L"))
        #expect(abs(after - before - 10 * 72 / 25.4) < 0.5, "10 mm is 28.35 pt")
    }

    @Test func render_individualBusiness_usesOperatorAndPlaceOfBusinessLabels() throws {
        let json = sampleLicenceJSON.replacingOccurrences(of: "\"legalRepresentative\"", with: "\"operator\"")
        let licence = try JSONDecoder().decode(BusinessLicence.self, from: Data(json.utf8))
        let rendered = try RenderedPDF(LicenceRenderer.render(licence, copy: .original))
        defer { rendered.remove() }
        let text = try rendered.text().filter { !$0.isWhitespace }
        #expect(text.contains("经营者"))
        #expect(text.contains("经营场所"))
        #expect(!text.contains("法定代表人"))
    }

    @Test func render_sameLicence_givesSameBytes() throws {
        let licence = try sampleLicence()
        #expect(
            try LicenceRenderer.render(licence, copy: .original) == LicenceRenderer.render(licence, copy: .original))
    }

    /// With a TrueType CJK font configured, the font is embedded and the text still extracts.
    @Test func render_embeddedTrueTypeFont_isEmbeddedAndExtractable() throws {
        let path = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
        guard let data = FileManager.default.contents(atPath: path) else {
            print("⚠️  SKIPPED render_embeddedTrueTypeFont: \(path) is missing (Debian fonts-droid-fallback)")
            return
        }
        let font = try PDFTrueTypeFont(bytes: [UInt8](data))
        let rendered = try RenderedPDF(LicenceRenderer.render(sampleLicence(), copy: .original, font: .embedded(font)))
        defer { rendered.remove() }
        let fonts = try ExternalTools.run("pdffonts", [rendered.pdf.path]).output
        #expect(fonts.contains("CID TrueType"))
        #expect(fonts.contains("yes"))
        let text = try rendered.text()
        #expect(text.contains("北京示例科技有限公司"))
        #expect(text.contains("91110000600037341L"))
        #expect(try rendered.qrCodes() == [try sampleLicence().qrPayload])
    }

    @Test func wrap_closingPunctuation_neverStartsALine() {
        let fitter = LicenceTextFitter(fonts: PDFFontSet(primary: .standardSong))
        // Four CJK characters fit a 40 pt line at 10 pt; the fifth, a full stop, must not begin line two.
        let lines = fitter.wrap("技术开发。服务", size: 10, firstWidth: 40, width: 40)
        #expect(lines == ["技术开", "发。服务"])
    }

    @Test func wrap_latinWord_staysWhole() {
        let fitter = LicenceTextFitter(fonts: PDFFontSet(primary: .standardSong))
        let lines = fitter.wrap("软件 Kiosk", size: 10, firstWidth: 30, width: 30)
        #expect(lines == ["软件", "Kiosk"])
    }

    @Test func trueTypeFont_notAFont_isRefused() {
        #expect(throws: PDFFontError.self) { try PDFTrueTypeFont(bytes: Array("%PDF-1.7 not a font".utf8)) }
    }
}

struct LicenceValidationTests {
    @Test func problems_overLongField_namesFieldAndLimit() throws {
        var licence = try sampleLicence()
        licence.name = String(repeating: "名", count: 101)
        #expect(licence.problems().contains { $0.hasPrefix("name:") && $0.contains("100") })
    }

    @Test func problems_validSample_hasNone() throws {
        #expect(try sampleLicence().problems().isEmpty)
    }
}
