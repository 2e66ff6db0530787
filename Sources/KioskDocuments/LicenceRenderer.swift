import KioskCore

/// Turns a `BusinessLicence` into the PDF printed on pre-printed licence paper: only the variable parts (credit
/// code, field labels and contents, QR code, authority and date); the emblem, border and title are on the paper.
///
/// Pure: no clock, no randomness; the same licence, copy, profile and font always give the same bytes.
public enum LicenceRenderer {
    /// Renders with one font (STSong-Light unless given): for tools and tests; the daemon passes its configured
    /// font set.
    public static func render(
        _ licence: BusinessLicence, copy: LicenceCopy, profile: LicenceLayoutProfile? = nil,
        font: PDFFont = .standardSong
    ) throws(LicenceRenderError) -> [UInt8] {
        try render(licence, copy: copy, profile: profile, fonts: PDFFontSet([font]))
    }

    /// Checks the licence, lays out every field and returns the PDF; refuses (naming the field) when the licence is
    /// invalid, a field has a character none of `fonts` can draw, or a field does not fit its box even at the
    /// smallest font size.
    public static func render(
        _ licence: BusinessLicence, copy: LicenceCopy, profile: LicenceLayoutProfile? = nil, fonts: PDFFontSet
    ) throws(LicenceRenderError) -> [UInt8] {
        let problems = licence.problems()
        guard problems.isEmpty else { throw .invalid(problems) }
        let profile = profile ?? .standard(for: copy)
        let fields = LicenceFields(licence)
        var page = PageBuilder(profile: profile, fonts: fonts)
        try page.place("creditCode", label: "统一社会信用代码", value: licence.creditCode, in: profile.creditCode)
        try page.place("name", label: "名　　称", value: licence.name, in: profile.name)
        try page.place("entityType", label: "类　　型", value: licence.entityType, in: profile.entityType)
        try page.place(
            fields.representativeKey, label: fields.representativeLabel, value: licence.representative,
            in: profile.representative)
        try page.place("businessScope", label: "经营范围", value: licence.businessScope, in: profile.businessScope)
        if !licence.registeredCapital.isEmpty {
            try page.place(
                "registeredCapital", label: "注册资本", value: licence.registeredCapital, in: profile.registeredCapital)
        }
        try page.place(
            "establishedOn", label: fields.establishedLabel, value: chineseDate(licence.establishedOn),
            in: profile.establishedOn)
        try page.place("businessTermUntil", label: "营业期限", value: fields.term, in: profile.businessTerm)
        try page.place("address", label: fields.addressLabel, value: licence.address, in: profile.address)
        try page.place(
            "registrationAuthority", label: "登记机关",
            value: licence.registrationAuthority + "\n" + chineseDate(licence.issuedOn),
            in: profile.registrationAuthority)
        if copy == .duplicate, let notice = profile.annualReportNotice {
            try page.place("annualReportNotice", label: "", value: LicenceRenderer.annualReportNotice, in: notice)
        }
        do {
            let symbol = try QRCode.encode(text: licence.qrPayload, errorCorrection: .medium)
            page.drawQRCode(symbol, in: profile.qrCode)
        } catch {
            throw .qrCode(error)
        }
        return page.finish()
    }

    /// The 副本's reminder to file the annual report through the public credit-information system.
    public static let annualReportNotice = "请于每年1月1日至6月30日通过国家企业信用信息公示系统报送上一年度年度报告。"

    /// `2024年01月15日`, as licences print dates.
    public static func chineseDate(_ date: CivilDate) -> String {
        let text = date.description
        let parts = text.split(separator: "-")
        return "\(parts[0])年\(parts[1])月\(parts[2])日"
    }
}

/// Labels and values that depend on the kind of entity (company or 个体工商户).
private struct LicenceFields {
    let representativeKey: String
    let representativeLabel: String
    let establishedLabel: String
    let addressLabel: String
    let term: String

    init(_ licence: BusinessLicence) {
        let individual = licence.kind == .individualBusiness
        representativeKey = individual ? "operator" : "legalRepresentative"
        representativeLabel = individual ? "经 营 者" : "法定代表人"
        establishedLabel = individual ? "注册日期" : "成立日期"
        addressLabel = individual ? "经营场所" : "住　　所"
        let until: String
        switch licence.businessTermUntil {
        case .longTerm: until = "长期"
        case .until(let date): until = LicenceRenderer.chineseDate(date)
        }
        term = "\(LicenceRenderer.chineseDate(licence.businessTermFrom)) 至 \(until)"
    }
}

/// One page being laid out: fitted text and the QR symbol, then the PDF objects.
private struct PageBuilder {
    let profile: LicenceLayoutProfile
    let fonts: PDFFontSet
    /// The QR code's rectangles, drawn after the text.
    var graphics = PDFContentStream()
    /// Every run of text shown, in order; encoded once the fonts' subsets are known.
    var shown: [(font: Int, text: String, size: Double, x: Double, y: Double)] = []
    static let labelGap = 3.0

    init(profile: LicenceLayoutProfile, fonts: PDFFontSet) {
        self.profile = profile
        self.fonts = fonts
    }

    /// Top-left millimetres (with the calibration offset) to PDF points from the bottom-left.
    func point(x: Double, y: Double) -> (Double, Double) {
        let scale = PDFContentStream.pointsPerMillimetre
        return ((x + profile.offsetX) * scale, (profile.pageHeight - y - profile.offsetY) * scale)
    }

    /// Draws "label  value" in `box`, value wrapped under itself; explicit line breaks in `value` start new
    /// paragraphs. Throws naming `key` when it cannot fit.
    mutating func place(_ key: String, label: String, value: String, in box: LicenceLayoutProfile.Box)
        throws(LicenceRenderError)
    {
        if let scalar = fonts.firstUndrawable(in: label + value) {
            throw .undrawableCharacter(field: key, scalar: scalar)
        }
        let fitter = LicenceTextFitter(fonts: fonts)
        let labelText = label
        let indent: (Double) -> Double = { size in
            labelText.isEmpty ? 0 : fitter.fonts.width(of: labelText, size: size) + PageBuilder.labelGap * size / 4
        }
        let paragraphs = value.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Fit paragraphs together: find the largest size at which all of them fit the box.
        var size = box.largestFontSize
        var chosen: (Double, [String])?
        while size >= box.smallestFontSize - 0.001 {
            let width = box.width * PDFContentStream.pointsPerMillimetre
            var lines: [String] = []
            var ok = true
            for paragraph in paragraphs {
                guard
                    let wrapped = fitter.wrap(
                        paragraph, size: size, firstWidth: width - indent(size), width: width - indent(size))
                else {
                    ok = false
                    break
                }
                lines += wrapped
            }
            let height = box.height * PDFContentStream.pointsPerMillimetre
            if ok, Double(lines.count - 1) * size * LicenceTextFitter.lineSpacing + size <= height {
                chosen = (size, lines)
                break
            }
            size -= LicenceTextFitter.sizeStep
        }
        guard let (fontSize, lines) = chosen else {
            throw .doesNotFit(field: key, characters: value.count)
        }
        let (x, top) = point(x: box.x, y: box.y)
        let baseline = top - fontSize * 0.88
        if !label.isEmpty {
            show(label, size: fontSize, x: x, y: baseline)
        }
        for (index, line) in lines.enumerated() where !line.isEmpty {
            show(
                line, size: fontSize, x: x + indent(fontSize),
                y: baseline - Double(index) * fontSize * LicenceTextFitter.lineSpacing)
        }
    }

    /// Shows `text` as runs, each in the first font that has its characters.
    private mutating func show(_ text: String, size: Double, x: Double, y: Double) {
        var x = x
        for run in fonts.runs(text) {
            if let font = run.font { shown.append((font, run.text, size, x, y)) }
            x += fonts.width(of: run.text, size: size)
        }
    }

    /// The symbol square in the box's top-left, dark runs of each row drawn as one rectangle; the paper's margin
    /// around the box serves as quiet zone.
    mutating func drawQRCode(_ symbol: QRCode, in box: LicenceLayoutProfile.Box) {
        let side = min(box.width, box.height)
        let module = side / Double(symbol.size)
        let scale = PDFContentStream.pointsPerMillimetre
        var rectangles: [(Double, Double, Double, Double)] = []
        for row in 0..<symbol.size {
            var column = 0
            while column < symbol.size {
                guard symbol[column, row] else {
                    column += 1
                    continue
                }
                let start = column
                while column < symbol.size, symbol[column, row] { column += 1 }
                let (x, y) = point(x: box.x + Double(start) * module, y: box.y + Double(row + 1) * module)
                rectangles.append((x, y, Double(column - start) * module * scale, module * scale))
            }
        }
        graphics.fillRectangles(rectangles)
    }

    func finish() -> [UInt8] {
        var writer = PDFWriter()
        let catalog = writer.reserve()
        let pages = writer.reserve()
        var fontEntries: [String] = []
        var encodings: [Int: PDFTextEncoding] = [:]
        for (index, font) in fonts.fonts.enumerated() {
            let used = shown.filter { $0.font == index }.map(\.text)
            guard !used.isEmpty else { continue }
            let (id, encoding) = font.addObjects(to: &writer, usedText: used)
            encodings[index] = encoding
            fontEntries.append("/\(PDFFontSet.resource(index)) \(id) 0 R")
        }
        var content = PDFContentStream()
        for run in shown {
            guard let encoding = encodings[run.font] else { continue }
            content.showText(
                encoding.encode(run.text), fontResource: PDFFontSet.resource(run.font), size: run.size, x: run.x,
                y: run.y)
        }
        let contents = writer.addStream("", content.bytes + graphics.bytes)
        let scale = PDFContentStream.pointsPerMillimetre
        let page = writer.add(
            "<< /Type /Page /Parent \(pages) 0 R /MediaBox [0 0 \(pdfNumber(profile.pageWidth * scale)) \(pdfNumber(profile.pageHeight * scale))] "
                + "/Resources << /Font << \(fontEntries.joined(separator: " ")) >> >> /Contents \(contents) 0 R >>")
        writer.set(pages, "<< /Type /Pages /Kids [\(page) 0 R] /Count 1 >>")
        writer.set(catalog, "<< /Type /Catalog /Pages \(pages) 0 R >>")
        return writer.finish(root: catalog)
    }
}

/// Why a licence was not rendered.
public enum LicenceRenderError: Error, Sendable, CustomStringConvertible {
    /// The licence fails validation; each entry names its field (`creditCode: ...`).
    case invalid([String])
    /// The field's text is too long for its box even at the smallest font size.
    case doesNotFit(field: String, characters: Int)
    case qrCode(QRCodeError)
    /// A character of the field that none of the configured fonts has a glyph for: printed, it would be a box.
    case undrawableCharacter(field: String, scalar: Unicode.Scalar)

    public var description: String {
        switch self {
        case .invalid(let problems): "licence refused: " + problems.joined(separator: "; ")
        case .doesNotFit(let field, let count):
            "licence refused: \(field): \(count) characters do not fit the field's box even at the smallest font size; shorten the text or widen the box in the layout profile"
        case .qrCode(let error): "licence refused: qrPayload: \(error)"
        case .undrawableCharacter(let field, let scalar):
            "licence refused: field '\(field)' has a character no configured font can draw: U+\(String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)); configure a fallback font that has it (licence.fallbackFontPaths)"
        }
    }

    /// The JSON key of the field at fault, when there is one.
    public var field: String? {
        switch self {
        case .invalid(let problems): problems.first.map { String($0.prefix { $0 != ":" }) }
        case .doesNotFit(let field, _): field
        case .qrCode: "qrPayload"
        case .undrawableCharacter(let field, _): field
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
