/// A TrueType / OpenType (glyf outlines) font file read just enough to embed it whole in a PDF: the Unicode
/// character map (cmap format 4 or 12), advance widths (hmtx), units per em and the bounding box.
///
/// Pure: the caller reads the file and passes its bytes in.
public struct PDFTrueTypeFont: Sendable {
    public let bytes: [UInt8]
    /// The PostScript-safe name used as /BaseFont.
    public let name: String
    let unitsPerEm: Int
    let boundingBox: (Int, Int, Int, Int)
    let ascender: Int
    let descender: Int
    private let advances: [Int]
    private let cmap: CharacterMap

    /// The largest font file accepted (a full CJK font is 4–20 MB).
    public static let maximumByteCount = 40 << 20

    public init(bytes: [UInt8], name: String = "KioskEmbeddedCJK") throws(PDFFontError) {
        guard bytes.count <= PDFTrueTypeFont.maximumByteCount else {
            throw .unreadable("font file is \(bytes.count) bytes, over the limit")
        }
        let reader = BigEndianReader(bytes)
        guard let tag = reader.u32(0), tag == 0x0001_0000 || tag == 0x7472_7565 else {
            throw .unreadable(
                "not a TrueType font (no glyf-outline header); TrueType collections (.ttc) and CFF fonts are not supported"
            )
        }
        guard let tableCount = reader.u16(4) else { throw .unreadable("truncated table directory") }
        var tables: [String: (offset: Int, length: Int)] = [:]
        for index in 0..<tableCount {
            let record = 12 + 16 * index
            guard let rawTag = reader.u32(record), let offset = reader.u32(record + 8),
                let length = reader.u32(record + 12),
                offset + length <= bytes.count
            else { throw .unreadable("table record \(index) points outside the file") }
            let tagText = String(decoding: [24, 16, 8, 0].map { UInt8((rawTag >> $0) & 0xFF) }, as: UTF8.self)
            tables[tagText] = (offset, length)
        }
        guard let head = tables["head"], let hhea = tables["hhea"], let hmtx = tables["hmtx"],
            let cmapTable = tables["cmap"],
            tables["glyf"] != nil
        else { throw .unreadable("missing one of the tables head, hhea, hmtx, cmap, glyf") }
        guard let units = reader.u16(head.offset + 18), units > 0,
            let xMin = reader.i16(head.offset + 36), let yMin = reader.i16(head.offset + 38),
            let xMax = reader.i16(head.offset + 40), let yMax = reader.i16(head.offset + 42),
            let ascender = reader.i16(hhea.offset + 4), let descender = reader.i16(hhea.offset + 6),
            let metricCount = reader.u16(hhea.offset + 34), metricCount > 0, metricCount * 4 <= hmtx.length
        else { throw .unreadable("head/hhea/hmtx tables are truncated") }
        var advances: [Int] = []
        advances.reserveCapacity(metricCount)
        for index in 0..<metricCount { advances.append(reader.u16(hmtx.offset + 4 * index) ?? 0) }
        self.bytes = bytes
        self.name = String(
            name.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) })
        unitsPerEm = units
        boundingBox = (xMin, yMin, xMax, yMax)
        self.ascender = ascender
        self.descender = descender
        self.advances = advances
        cmap = try CharacterMap(reader: reader, table: cmapTable.offset)
    }

    /// The glyph for `scalar`, 0 (.notdef) when the font lacks it.
    func glyph(for scalar: Unicode.Scalar) -> Int { cmap.glyph(for: scalar.value) }

    /// The advance of glyph `glyph` in thousandths of an em.
    func advance(ofGlyph glyph: Int) -> Double {
        let units = advances[min(glyph, advances.count - 1)]
        return Double(units) * 1000 / Double(unitsPerEm)
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
            "font file cannot be embedded: \(why); configure a TrueType (.ttf) CJK font or none (STSong-Light is then referenced)"
        }
    }
}

/// Unicode → glyph from a cmap subtable: format 12 (full Unicode) preferred, else format 4 (BMP).
private struct CharacterMap: Sendable {
    private let reader: BigEndianReader
    private let subtable: Int
    private let format: Int

    init(reader: BigEndianReader, table: Int) throws(PDFFontError) {
        self.reader = reader
        guard let count = reader.u16(table + 2) else { throw .unreadable("truncated cmap") }
        var best: (offset: Int, format: Int)?
        for index in 0..<count {
            let record = table + 4 + 8 * index
            guard let platform = reader.u16(record), let encoding = reader.u16(record + 2),
                let offset = reader.u32(record + 4),
                let format = reader.u16(table + offset)
            else { continue }
            let unicode = platform == 0 || (platform == 3 && (encoding == 1 || encoding == 10))
            guard unicode, format == 4 || format == 12 else { continue }
            if best == nil || (format == 12 && best?.format == 4) { best = (table + offset, format) }
        }
        guard let best else { throw .unreadable("no Unicode cmap (format 4 or 12)") }
        subtable = best.offset
        format = best.format
    }

    func glyph(for code: UInt32) -> Int {
        format == 12 ? glyph12(code) : glyph4(code)
    }

    private func glyph12(_ code: UInt32) -> Int {
        guard let groups = reader.u32(subtable + 12) else { return 0 }
        var low = 0
        var high = groups - 1
        while low <= high {
            let middle = (low + high) / 2
            let group = subtable + 16 + 12 * middle
            guard let start = reader.u32(group), let end = reader.u32(group + 4), let first = reader.u32(group + 8)
            else { return 0 }
            if code < UInt32(start) {
                high = middle - 1
            } else if code > UInt32(end) {
                low = middle + 1
            } else {
                return first + Int(code) - start
            }
        }
        return 0
    }

    private func glyph4(_ code: UInt32) -> Int {
        guard code <= 0xFFFF, let doubled = reader.u16(subtable + 6) else { return 0 }
        let segments = doubled / 2
        let ends = subtable + 14
        let starts = ends + doubled + 2
        let deltas = starts + doubled
        let rangeOffsets = deltas + doubled
        for segment in 0..<segments {
            guard let end = reader.u16(ends + 2 * segment), Int(code) <= end else { continue }
            guard let start = reader.u16(starts + 2 * segment), Int(code) >= start,
                let delta = reader.u16(deltas + 2 * segment), let rangeOffset = reader.u16(rangeOffsets + 2 * segment)
            else { return 0 }
            if rangeOffset == 0 { return (Int(code) + delta) & 0xFFFF }
            let address = rangeOffsets + 2 * segment + rangeOffset + 2 * (Int(code) - start)
            guard let glyph = reader.u16(address), glyph != 0 else { return 0 }
            return (glyph + delta) & 0xFFFF
        }
        return 0
    }
}

/// Bounds-checked big-endian reads; nil past the end.
struct BigEndianReader: Sendable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func u16(_ offset: Int) -> Int? {
        guard offset >= 0, offset + 2 <= bytes.count else { return nil }
        return Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
    }

    func i16(_ offset: Int) -> Int? {
        guard let value = u16(offset) else { return nil }
        return value >= 0x8000 ? value - 0x10000 : value
    }

    func u32(_ offset: Int) -> Int? {
        guard let high = u16(offset), let low = u16(offset + 2) else { return nil }
        return high << 16 | low
    }
}
