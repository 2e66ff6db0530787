/// The font licence text is set in. Chinese PDF tools either reference a standard CID-keyed CJK font by name (the
/// printer or viewer substitutes its own Song face) or embed a font file; both are supported.
public enum PDFFont: Sendable {
    /// STSong-Light (Adobe-GB1), not embedded, text encoded UTF-16BE through the UniGB-UTF16-H CMap.
    case standardSong
    /// A TrueType font embedded whole; text encoded as glyph ids (Identity-H) with a ToUnicode map so it can be
    /// searched and extracted.
    case embedded(PDFTrueTypeFont)

    /// The advance of `scalar` in thousandths of an em.
    func advance(of scalar: Unicode.Scalar) -> Double {
        switch self {
        case .standardSong: scalar.value < 0x7F ? 500 : 1000
        case .embedded(let font): font.advance(ofGlyph: font.glyph(for: scalar))
        }
    }

    /// The width of `text` at `size` points.
    func width(of text: String, size: Double) -> Double {
        text.unicodeScalars.reduce(0) { $0 + advance(of: $1) } * size / 1000
    }

    /// Whether every character of `text` can be shown (the embedded font has a glyph for it).
    func missingCharacters(in text: String) -> [Unicode.Scalar] {
        switch self {
        case .standardSong: []
        case .embedded(let font): text.unicodeScalars.filter { !$0.properties.isWhitespace && font.glyph(for: $0) == 0 }
        }
    }

    /// The string bytes for a `Tj` operator.
    func encode(_ text: String) -> [UInt8] {
        switch self {
        case .standardSong:
            return text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        case .embedded(let font):
            return text.unicodeScalars.flatMap { scalar -> [UInt8] in
                let glyph = font.glyph(for: scalar)
                return [UInt8(glyph >> 8 & 0xFF), UInt8(glyph & 0xFF)]
            }
        }
    }

    /// Writes the Type0 font and its parts; `usedText` is every string shown with it (for widths and ToUnicode).
    /// Returns the font dictionary's object number.
    func addObjects(to writer: inout PDFWriter, usedText: [String]) -> Int {
        switch self {
        case .standardSong:
            let descriptor = writer.add(
                "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 "
                    + "/Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>")
            let cidFont = writer.add(
                "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
                    + "/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
                    + "/FontDescriptor \(descriptor) 0 R /DW 1000 /W [1 95 500] >>")
            return writer.add(
                "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light-UniGB-UTF16-H /Encoding /UniGB-UTF16-H "
                    + "/DescendantFonts [\(cidFont) 0 R] >>")
        case .embedded(let font):
            var glyphToText: [Int: Unicode.Scalar] = [:]
            for text in usedText {
                for scalar in text.unicodeScalars {
                    let glyph = font.glyph(for: scalar)
                    if glyph != 0, glyphToText[glyph] == nil { glyphToText[glyph] = scalar }
                }
            }
            let glyphs = glyphToText.keys.sorted()
            let file = writer.addStream("/Length1 \(font.bytes.count)", font.bytes)
            let (xMin, yMin, xMax, yMax) = font.boundingBox
            let descriptor = writer.add(
                "<< /Type /FontDescriptor /FontName /\(font.name) /Flags 4 "
                    + "/FontBBox [\(font.scaled(xMin)) \(font.scaled(yMin)) \(font.scaled(xMax)) \(font.scaled(yMax))] "
                    + "/ItalicAngle 0 /Ascent \(font.scaled(font.ascender)) /Descent \(font.scaled(font.descender)) "
                    + "/CapHeight \(font.scaled(font.ascender)) /StemV 80 /FontFile2 \(file) 0 R >>")
            let widths = glyphs.map { "\($0) [\(pdfNumber(font.advance(ofGlyph: $0)))]" }.joined(separator: " ")
            let cidFont = writer.add(
                "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /\(font.name) "
                    + "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                    + "/FontDescriptor \(descriptor) 0 R /CIDToGIDMap /Identity /DW 1000 /W [\(widths)] >>")
            let toUnicode = writer.addStream("", Array(toUnicodeMap(glyphToText).utf8))
            return writer.add(
                "<< /Type /Font /Subtype /Type0 /BaseFont /\(font.name) /Encoding /Identity-H "
                    + "/DescendantFonts [\(cidFont) 0 R] /ToUnicode \(toUnicode) 0 R >>")
        }
    }

    /// A ToUnicode CMap mapping each used glyph id to its character (UTF-16BE), in chunks of 100 as the CMap
    /// format requires.
    private func toUnicodeMap(_ glyphToText: [Int: Unicode.Scalar]) -> String {
        func hex(_ value: Int, digits: Int) -> String {
            let text = String(value, radix: 16, uppercase: true)
            return String(repeating: "0", count: max(0, digits - text.count)) + text
        }
        var map = """
            /CIDInit /ProcSet findresource begin
            12 dict begin
            begincmap
            /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
            /CMapName /Adobe-Identity-UCS def
            /CMapType 2 def
            1 begincodespacerange
            <0000> <FFFF>
            endcodespacerange

            """
        let entries = glyphToText.sorted { $0.key < $1.key }
        var start = 0
        while start < entries.count {
            let chunk = entries[start..<min(start + 100, entries.count)]
            map += "\(chunk.count) beginbfchar\n"
            for (glyph, scalar) in chunk {
                let units = String(scalar).utf16.map { hex(Int($0), digits: 4) }.joined()
                map += "<\(hex(glyph, digits: 4))> <\(units)>\n"
            }
            map += "endbfchar\n"
            start += 100
        }
        map += "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
        return map
    }
}
