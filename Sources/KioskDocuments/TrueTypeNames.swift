/// The names a face gives itself in its `name` table: family (ID 1), full (ID 4) and PostScript (ID 6) name, used to
/// pick a face of a collection by name and as the embedded font's /BaseFont.
struct TrueTypeNames: Sendable {
    private(set) var family: String?
    private(set) var postScript: String?
    private(set) var all: Set<String> = []

    init(reader: BigEndianReader, directory: TrueTypeTableDirectory) {
        guard let table = directory["name"], let count = reader.u16(table.offset + 2),
            let storage = reader.u16(table.offset + 4)
        else { return }
        for index in 0..<count {
            let record = table.offset + 6 + 12 * index
            guard let platform = reader.u16(record), let nameID = reader.u16(record + 6),
                let length = reader.u16(record + 8), let offset = reader.u16(record + 10),
                [1, 4, 6].contains(nameID)
            else { continue }
            let start = table.offset + storage + offset
            guard start + length <= reader.bytes.count else { continue }
            let raw = reader.slice(start, length)
            let text: String
            switch platform {
            case 0, 3:
                // UTF-16BE (Unicode and Windows platforms).
                let units = stride(from: raw.startIndex, to: raw.endIndex - 1, by: 2).map {
                    UInt16(raw[$0]) << 8 | UInt16(raw[$0 + 1])
                }
                text = String(decoding: units, as: UTF16.self)
            case 1:
                // Mac Roman; names that matter here are ASCII.
                text = String(decoding: raw.filter { $0 < 0x80 }, as: UTF8.self)
            default: continue
            }
            guard !text.isEmpty else { continue }
            all.insert(text)
            if nameID == 1, family == nil || platform == 3, text.unicodeScalars.allSatisfy(\.isASCII) {
                family = text
            }
            if nameID == 6 { postScript = text }
        }
    }
}
