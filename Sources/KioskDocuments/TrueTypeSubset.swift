/// A TrueType font holding only the glyphs a document uses: .notdef, the glyphs of the shown characters and the
/// components of composite glyphs, renumbered from 0 in original order. glyf/loca/hmtx/maxp/head/hhea are rebuilt,
/// a format 12 cmap maps the characters to the new glyph ids, hinting tables (cvt, fpgm, prep) and OS/2 are kept,
/// everything else (bitmaps, layout, vertical metrics, names) is dropped. A licence uses a few hundred of a CJK
/// font's tens of thousands of glyphs, so the embedded font shrinks from megabytes to tens of kilobytes.
struct TrueTypeSubset: Sendable {
    /// The subset font file (FontFile2).
    let bytes: [UInt8]
    /// Original glyph id → glyph id in the subset.
    let newGlyph: [Int: Int]
    /// The subset's glyphs by new id: their original ids.
    let originalGlyphs: [Int]

    /// Composite glyph flags (TrueType `glyf` specification).
    private static let argumentsAreWords = 0x0001
    private static let hasScale = 0x0008
    private static let moreComponents = 0x0020
    private static let hasXYScale = 0x0040
    private static let hasTwoByTwo = 0x0080

    init(font: PDFTrueTypeFont, characters: some Sequence<Unicode.Scalar>) {
        var mapping: [UInt32: Int] = [:]
        var wanted: Set<Int> = [0]
        for scalar in characters {
            let glyph = font.glyph(for: scalar)
            guard glyph != 0 else { continue }
            mapping[scalar.value] = glyph
            wanted.insert(glyph)
        }
        // Composite glyphs draw other glyphs: keep those too, however deep.
        var pending = Array(wanted)
        while let glyph = pending.popLast() {
            for component in TrueTypeSubset.components(of: font.outline(ofGlyph: glyph))
            where !wanted.contains(component) {
                wanted.insert(component)
                pending.append(component)
            }
        }
        let kept = wanted.filter { $0 < font.glyphCount }.sorted()
        var newGlyph: [Int: Int] = [:]
        for (index, glyph) in kept.enumerated() { newGlyph[glyph] = index }

        var glyf: [UInt8] = []
        var loca = TrueTypeBytes()
        var hmtx = TrueTypeBytes()
        for glyph in kept {
            loca.u32(glyf.count)
            glyf += TrueTypeSubset.renumbered(font.outline(ofGlyph: glyph), newGlyph)
            glyf += [UInt8](repeating: 0, count: (4 - glyf.count % 4) % 4)
            let metric = font.horizontalMetric(ofGlyph: glyph)
            hmtx.u16(metric.advance)
            hmtx.u16(metric.leftSideBearing & 0xFFFF)
        }
        loca.u32(glyf.count)

        var tables: [String: [UInt8]] = [
            "glyf": glyf, "loca": loca.bytes, "hmtx": hmtx.bytes,
            "cmap": TrueTypeCharacterMap.format12Table(mapping.mapValues { newGlyph[$0] ?? 0 }),
        ]
        func copy(_ tag: String) -> [UInt8]? { font.tables.bytes(tag, in: font.reader) }
        if var head = copy("head") {
            TrueTypeBytes.set16(&head, 50, 1)  // long loca offsets
            tables["head"] = head
        }
        if var hhea = copy("hhea") {
            TrueTypeBytes.set16(&hhea, 34, kept.count)
            tables["hhea"] = hhea
        }
        if var maxp = copy("maxp") {
            TrueTypeBytes.set16(&maxp, 4, kept.count)
            tables["maxp"] = maxp
        }
        if var post = copy("post"), post.count >= 32 {
            // Format 3: no glyph names, which would refer to the old numbering.
            post = Array(post[0..<32])
            TrueTypeBytes.set32(&post, 0, 0x0003_0000)
            tables["post"] = post
        }
        for tag in ["cvt ", "fpgm", "prep", "OS/2"] { tables[tag] = copy(tag) }
        bytes = TrueTypeFontFile.assemble(tables)
        self.newGlyph = newGlyph
        originalGlyphs = kept
    }

    /// The glyph ids a composite glyph's components refer to; none for a simple glyph.
    static func components(of outline: [UInt8]) -> [Int] {
        var found: [Int] = []
        walkComponents(outline) { found.append($1) }
        return found
    }

    /// The outline with every component reference replaced by its new id.
    private static func renumbered(_ outline: [UInt8], _ newGlyph: [Int: Int]) -> [UInt8] {
        var out = outline
        walkComponents(outline) { offset, glyph in TrueTypeBytes.set16(&out, offset, newGlyph[glyph] ?? 0) }
        return out
    }

    /// Calls `visit(offsetOfGlyphIndexInOutline, glyphIndex)` for each component of a composite outline.
    private static func walkComponents(_ outline: [UInt8], _ visit: (Int, Int) -> Void) {
        let reader = BigEndianReader(outline)
        guard let contours = reader.i16(0), contours < 0 else { return }
        var offset = 10
        while let flags = reader.u16(offset), let glyph = reader.u16(offset + 2) {
            visit(offset + 2, glyph)
            offset += 4 + (flags & argumentsAreWords != 0 ? 4 : 2)
            if flags & hasScale != 0 {
                offset += 2
            } else if flags & hasXYScale != 0 {
                offset += 4
            } else if flags & hasTwoByTwo != 0 {
                offset += 8
            }
            guard flags & moreComponents != 0 else { return }
        }
    }
}
