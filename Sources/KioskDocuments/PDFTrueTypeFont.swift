import Foundation

/// A TrueType (glyf outlines) face read from a .ttf or a .ttc collection, just enough to embed a subset of it in a
/// PDF: the Unicode character map, glyph outlines (loca/glyf), metrics (hmtx), units per em and bounding box.
/// docs/ARCHITECTURE.md §4.8 says which fonts the daemon uses.
///
/// Pure: the caller reads (or maps) the file and passes its bytes in.
public struct PDFTrueTypeFont: Sendable {
    /// The whole file (every face of a collection).
    public var data: Data { reader.bytes }
    /// The PostScript-safe name used (after the subset tag) as /BaseFont.
    public let name: String
    let unitsPerEm: Int
    let boundingBox: (Int, Int, Int, Int)
    let ascender: Int
    let descender: Int
    /// Glyphs in the face (maxp).
    let glyphCount: Int
    let reader: BigEndianReader
    let tables: TrueTypeTableDirectory
    private let metricCount: Int
    private let longOffsets: Bool
    private let cmap: TrueTypeCharacterMap

    /// The largest font file accepted (Debian's HanaMinB.ttf is 30 MB, uming.ttc 21 MB).
    public static let maximumByteCount = 48 << 20

    public init(bytes: [UInt8], face: TrueTypeFace = .index(0), name: String? = nil) throws(PDFFontError) {
        try self.init(data: Data(bytes), face: face, name: name)
    }

    /// `data` may be a memory-mapped file (`Data(bytesNoCopy:…)`): only the pages read are touched.
    public init(data: Data, face: TrueTypeFace = .index(0), name: String? = nil) throws(PDFFontError) {
        guard data.count <= PDFTrueTypeFont.maximumByteCount else {
            throw .unreadable("font file is \(data.count) bytes, over the limit")
        }
        let reader = BigEndianReader(data)
        let tables = try TrueTypeCollection.directory(of: face, in: reader)
        guard let head = tables["head"], let hhea = tables["hhea"], let hmtx = tables["hmtx"],
            let maxp = tables["maxp"], let cmapTable = tables["cmap"], tables["glyf"] != nil, tables["loca"] != nil
        else { throw .unreadable("missing one of the tables head, hhea, hmtx, maxp, cmap, loca, glyf") }
        guard let units = reader.u16(head.offset + 18), units > 0,
            let xMin = reader.i16(head.offset + 36), let yMin = reader.i16(head.offset + 38),
            let xMax = reader.i16(head.offset + 40), let yMax = reader.i16(head.offset + 42),
            let locaFormat = reader.i16(head.offset + 50),
            let ascender = reader.i16(hhea.offset + 4), let descender = reader.i16(hhea.offset + 6),
            let metricCount = reader.u16(hhea.offset + 34), metricCount > 0, metricCount * 4 <= hmtx.length,
            let glyphCount = reader.u16(maxp.offset + 4), glyphCount > 0, glyphCount >= metricCount,
            hmtx.length >= metricCount * 4 + (glyphCount - metricCount) * 2
        else { throw .unreadable("head/hhea/hmtx/maxp tables are truncated") }
        guard let loca = tables["loca"], loca.length >= (glyphCount + 1) * (locaFormat == 0 ? 2 : 4) else {
            throw .unreadable("loca table is shorter than the glyph count")
        }
        self.reader = reader
        self.tables = tables
        let given = name ?? TrueTypeNames(reader: reader, directory: tables).postScript ?? "KioskEmbeddedCJK"
        let safe = String(
            given.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) })
        self.name = safe.isEmpty ? "KioskEmbeddedCJK" : safe
        unitsPerEm = units
        boundingBox = (xMin, yMin, xMax, yMax)
        self.ascender = ascender
        self.descender = descender
        self.glyphCount = glyphCount
        self.metricCount = metricCount
        longOffsets = locaFormat != 0
        cmap = try TrueTypeCharacterMap(reader: reader, table: cmapTable.offset)
    }

    /// The glyph for `scalar`, 0 (.notdef) when the font lacks it.
    func glyph(for scalar: Unicode.Scalar) -> Int {
        let glyph = cmap.glyph(for: scalar.value)
        return glyph < glyphCount ? glyph : 0
    }

    /// The advance of glyph `glyph` in thousandths of an em.
    func advance(ofGlyph glyph: Int) -> Double {
        Double(horizontalMetric(ofGlyph: glyph).advance) * 1000 / Double(unitsPerEm)
    }

    /// Advance width and left side bearing in font units; glyphs past the last full metric share its advance.
    func horizontalMetric(ofGlyph glyph: Int) -> (advance: Int, leftSideBearing: Int) {
        let hmtx = tables["hmtx"]?.offset ?? 0
        let glyph = min(max(glyph, 0), glyphCount - 1)
        if glyph < metricCount {
            return (reader.u16(hmtx + 4 * glyph) ?? 0, reader.i16(hmtx + 4 * glyph + 2) ?? 0)
        }
        return (
            reader.u16(hmtx + 4 * (metricCount - 1)) ?? 0,
            reader.i16(hmtx + 4 * metricCount + 2 * (glyph - metricCount)) ?? 0
        )
    }

    /// The glyph's outline record in `glyf` (empty for a blank glyph such as the space).
    func outline(ofGlyph glyph: Int) -> [UInt8] {
        guard glyph >= 0, glyph < glyphCount, let loca = tables["loca"], let glyf = tables["glyf"] else { return [] }
        let start: Int?
        let end: Int?
        if longOffsets {
            start = reader.u32(loca.offset + 4 * glyph)
            end = reader.u32(loca.offset + 4 * glyph + 4)
        } else {
            start = reader.u16(loca.offset + 2 * glyph).map { $0 * 2 }
            end = reader.u16(loca.offset + 2 * glyph + 2).map { $0 * 2 }
        }
        guard let start, let end, start < end, end <= glyf.length else { return [] }
        return reader.slice(glyf.offset + start, end - start)
    }

    /// Scales font units to the PDF's thousandths of an em.
    func scaled(_ units: Int) -> Int { units * 1000 / unitsPerEm }
}

/// Why a font could not be used.
public enum PDFFontError: Error, Sendable, CustomStringConvertible {
    case unreadable(String)

    public var description: String {
        switch self {
        case .unreadable(let why):
            "font file cannot be embedded: \(why); configure a TrueType (.ttf or .ttc) CJK font"
        }
    }
}
