/// Unicode → glyph from a font's `cmap`: the format 12 subtable (full Unicode) preferred, else format 4 (BMP).
/// Both are searched by bisection: a CJK font's format 4 has thousands of segments and the fitter asks for every
/// character at every font size it tries.
struct TrueTypeCharacterMap: Sendable {
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
        guard code <= 0xFFFF, let doubled = reader.u16(subtable + 6), doubled >= 2 else { return 0 }
        let ends = subtable + 14
        let starts = ends + doubled + 2
        let deltas = starts + doubled
        let rangeOffsets = deltas + doubled
        // The first segment whose end code is ≥ code (end codes ascend).
        var low = 0
        var high = doubled / 2 - 1
        while low < high {
            let middle = (low + high) / 2
            guard let end = reader.u16(ends + 2 * middle) else { return 0 }
            if end < Int(code) { low = middle + 1 } else { high = middle }
        }
        let segment = low
        guard let end = reader.u16(ends + 2 * segment), Int(code) <= end,
            let start = reader.u16(starts + 2 * segment), Int(code) >= start,
            let delta = reader.u16(deltas + 2 * segment), let rangeOffset = reader.u16(rangeOffsets + 2 * segment)
        else { return 0 }
        if rangeOffset == 0 { return (Int(code) + delta) & 0xFFFF }
        let address = rangeOffsets + 2 * segment + rangeOffset + 2 * (Int(code) - start)
        guard let glyph = reader.u16(address), glyph != 0 else { return 0 }
        return (glyph + delta) & 0xFFFF
    }

    /// A `cmap` table with one format 12 subtable (Windows, UCS-4) mapping each code to its glyph: what a subset
    /// font carries so it can be read back and checked like any other font.
    static func format12Table(_ mapping: [UInt32: Int]) -> [UInt8] {
        var groups: [(start: UInt32, end: UInt32, glyph: Int)] = []
        for code in mapping.keys.sorted() {
            let glyph = mapping[code] ?? 0
            if let last = groups.last, last.end + 1 == code, last.glyph + Int(code - last.start) == glyph {
                groups[groups.count - 1].end = code
            } else {
                groups.append((code, code, glyph))
            }
        }
        var out = TrueTypeBytes()
        out.u16(0)  // version
        out.u16(1)  // one encoding record
        out.u16(3)  // Windows
        out.u16(10)  // UCS-4
        out.u32(12)  // subtable offset
        out.u16(12)  // format
        out.u16(0)
        out.u32(16 + 12 * groups.count)
        out.u32(0)  // language
        out.u32(groups.count)
        for group in groups {
            out.u32(Int(group.start))
            out.u32(Int(group.end))
            out.u32(group.glyph)
        }
        return out.bytes
    }
}
