/// The table directory of one TrueType face: where each table (`glyf`, `cmap`, …) lies in the file. In a collection
/// (.ttc) every face has its own directory but the offsets count from the start of the whole file, so one reader over
/// the file serves every face.
struct TrueTypeTableDirectory: Sendable {
    struct Entry: Sendable {
        let offset: Int
        let length: Int
    }

    let entries: [String: Entry]

    /// Reads the directory whose offset table starts at `start` (0 for a plain .ttf).
    init(reader: BigEndianReader, start: Int) throws(PDFFontError) {
        guard let version = reader.u32(start), version == 0x0001_0000 || version == 0x7472_7565 else {
            if reader.u32(start) == 0x4F54_544F {
                throw .unreadable("CFF-outline OpenType fonts (.otf) are not supported; configure a glyf TrueType font")
            }
            throw .unreadable("not a TrueType font (no glyf-outline header)")
        }
        guard let tableCount = reader.u16(start + 4) else { throw .unreadable("truncated table directory") }
        var entries: [String: Entry] = [:]
        for index in 0..<tableCount {
            let record = start + 12 + 16 * index
            guard let rawTag = reader.u32(record), let offset = reader.u32(record + 8),
                let length = reader.u32(record + 12),
                offset + length <= reader.bytes.count
            else { throw .unreadable("table record \(index) points outside the file") }
            entries[TrueTypeTableDirectory.tagText(rawTag)] = Entry(offset: offset, length: length)
        }
        self.entries = entries
    }

    subscript(tag: String) -> Entry? { entries[tag] }

    /// The table's bytes, nil when the face has no such table.
    func bytes(_ tag: String, in reader: BigEndianReader) -> [UInt8]? {
        entries[tag].map { reader.slice($0.offset, $0.length) }
    }

    static func tagText(_ raw: Int) -> String {
        String(decoding: [24, 16, 8, 0].map { UInt8((raw >> $0) & 0xFF) }, as: UTF8.self)
    }
}
