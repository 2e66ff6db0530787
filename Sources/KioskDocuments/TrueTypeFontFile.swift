/// Assembles an sfnt (TrueType) file from its tables: the offset table, the directory sorted by tag, each table
/// 4-byte aligned with its checksum, and `head.checkSumAdjustment` set so the whole file sums to 0xB1B0AFBA as the
/// TrueType specification requires.
enum TrueTypeFontFile {
    static func assemble(_ tables: [String: [UInt8]]) -> [UInt8] {
        let tags = tables.keys.sorted()
        var entrySelector = 0
        while 1 << (entrySelector + 1) <= tags.count { entrySelector += 1 }
        let searchRange = (1 << entrySelector) * 16
        var out = TrueTypeBytes()
        out.u32(0x0001_0000)
        out.u16(tags.count)
        out.u16(searchRange)
        out.u16(entrySelector)
        out.u16(tags.count * 16 - searchRange)
        var offset = 12 + 16 * tags.count
        var body: [UInt8] = []
        var headOffset: Int?
        for tag in tags {
            var table = tables[tag] ?? []
            if tag == "head", table.count >= 12 {
                TrueTypeBytes.set32(&table, 8, 0)
                headOffset = offset
            }
            for scalar in tag.unicodeScalars { out.bytes.append(UInt8(scalar.value & 0xFF)) }
            out.u32(Int(TrueTypeBytes.checksum(table)))
            out.u32(offset)
            out.u32(table.count)
            body += table
            let padding = (4 - table.count % 4) % 4
            body += [UInt8](repeating: 0, count: padding)
            offset += table.count + padding
        }
        var file = out.bytes + body
        if let headOffset {
            TrueTypeBytes.set32(&file, headOffset + 8, 0xB1B0_AFBA &- TrueTypeBytes.checksum(file))
        }
        return file
    }
}
