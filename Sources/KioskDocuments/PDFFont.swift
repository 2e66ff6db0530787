/// A font licence text is set in. Chinese PDF tools either reference a standard CID-keyed CJK font by name (the
/// printer or viewer substitutes its own Song face, or boxes when it has none) or embed a font file; the daemon
/// embeds by default and references STSong-Light only when configured to.
public enum PDFFont: Sendable {
    /// STSong-Light (Adobe-GB1), not embedded, text encoded UTF-16BE through the UniGB-UTF16-H CMap.
    case standardSong
    /// A TrueType font embedded as a subset of the glyphs shown; text encoded as subset glyph ids (Identity-H)
    /// with a ToUnicode map so it can be searched and extracted.
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

    /// Whether the font has a glyph for `scalar` (STSong-Light is assumed to have every one).
    func draws(_ scalar: Unicode.Scalar) -> Bool {
        switch self {
        case .standardSong: true
        case .embedded(let font): font.glyph(for: scalar) != 0
        }
    }

    /// Writes the font's objects for the page and returns the font dictionary's object number and how the page's
    /// text is encoded for it; `usedText` is every string shown with it. An embedded font is written as a subset of
    /// the glyphs `usedText` needs (docs/ARCHITECTURE.md §4.8).
    func addObjects(to writer: inout PDFWriter, usedText: [String]) -> (id: Int, encoding: PDFTextEncoding) {
        switch self {
        case .standardSong:
            let descriptor = writer.add(
                "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 "
                    + "/Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>")
            let cidFont = writer.add(
                "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
                    + "/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
                    + "/FontDescriptor \(descriptor) 0 R /DW 1000 /W [1 95 500] >>")
            let id = writer.add(
                "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light-UniGB-UTF16-H /Encoding /UniGB-UTF16-H "
                    + "/DescendantFonts [\(cidFont) 0 R] >>")
            return (id, PDFTextEncoding(glyphs: nil))
        case .embedded(let font):
            var characters: Set<Unicode.Scalar> = []
            for text in usedText { characters.formUnion(text.unicodeScalars) }
            let subset = TrueTypeSubset(font: font, characters: characters)
            var glyphToText: [Int: Unicode.Scalar] = [:]
            var glyphs: [UInt32: Int] = [:]
            for scalar in characters.sorted(by: { $0.value < $1.value }) {
                guard let glyph = subset.newGlyph[font.glyph(for: scalar)], glyph != 0 else { continue }
                glyphs[scalar.value] = glyph
                if glyphToText[glyph] == nil { glyphToText[glyph] = scalar }
            }
            let baseFont = PDFFont.subsetTag(font.name, subset.originalGlyphs) + "+" + font.name
            let file = writer.addCompressedStream("/Length1 \(subset.bytes.count)", subset.bytes)
            let (xMin, yMin, xMax, yMax) = font.boundingBox
            let descriptor = writer.add(
                "<< /Type /FontDescriptor /FontName /\(baseFont) /Flags 4 "
                    + "/FontBBox [\(font.scaled(xMin)) \(font.scaled(yMin)) \(font.scaled(xMax)) \(font.scaled(yMax))] "
                    + "/ItalicAngle 0 /Ascent \(font.scaled(font.ascender)) /Descent \(font.scaled(font.descender)) "
                    + "/CapHeight \(font.scaled(font.ascender)) /StemV 80 /FontFile2 \(file) 0 R >>")
            // The subset numbers its glyphs 0…n-1, so one /W run lists every width.
            let widths = subset.originalGlyphs.map { pdfNumber(font.advance(ofGlyph: $0)) }.joined(separator: " ")
            let cidFont = writer.add(
                "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /\(baseFont) "
                    + "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                    + "/FontDescriptor \(descriptor) 0 R /CIDToGIDMap /Identity /DW 1000 /W [0 [\(widths)]] >>")
            let toUnicode = writer.addCompressedStream("", Array(toUnicodeMap(glyphToText).utf8))
            let id = writer.add(
                "<< /Type /Font /Subtype /Type0 /BaseFont /\(baseFont) /Encoding /Identity-H "
                    + "/DescendantFonts [\(cidFont) 0 R] /ToUnicode \(toUnicode) 0 R >>")
            return (id, PDFTextEncoding(glyphs: glyphs))
        }
    }

    /// The six capital letters before `+` that mark a subset font: derived from the font and the glyphs kept, so the
    /// same licence gives the same bytes and two different subsets in one file get different names.
    static func subsetTag(_ name: String, _ glyphs: [Int]) -> String {
        var hash: UInt32 = 2_166_136_261
        func mix(_ byte: UInt8) { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        for byte in name.utf8 { mix(byte) }
        for glyph in glyphs {
            mix(UInt8(glyph >> 8 & 0xFF))
            mix(UInt8(glyph & 0xFF))
        }
        var tag = ""
        for _ in 0..<6 {
            tag.unicodeScalars.append(Unicode.Scalar(UInt8(65 + hash % 26)))
            hash /= 26
        }
        return tag
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

/// How the text shown with one font becomes `Tj` string bytes: UTF-16BE for STSong-Light's UniGB-UTF16-H CMap, or
/// two-byte glyph ids of the embedded subset (Identity-H).
struct PDFTextEncoding {
    /// Character → subset glyph id; nil for UTF-16BE.
    let glyphs: [UInt32: Int]?

    func encode(_ text: String) -> [UInt8] {
        guard let glyphs else { return text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }
        return text.unicodeScalars.flatMap { scalar -> [UInt8] in
            let glyph = glyphs[scalar.value] ?? 0
            return [UInt8(glyph >> 8 & 0xFF), UInt8(glyph & 0xFF)]
        }
    }
}
