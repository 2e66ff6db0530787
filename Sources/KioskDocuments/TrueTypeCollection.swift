/// Which face of a font file to use. A TrueType collection (.ttc, e.g. Debian's uming.ttc with its CN, HK, TW and
/// TW MBE faces) holds several; a plain .ttf holds one, face 0.
public enum TrueTypeFace: Sendable, Hashable, CustomStringConvertible {
    case index(Int)
    /// Matched against the face's family, full and PostScript names (`AR PL UMing CN`, `ARPLUMingCN`).
    case name(String)

    public var description: String {
        switch self {
        case .index(let index): "face \(index)"
        case .name(let name): "face named '\(name)'"
        }
    }
}

/// Finds where a face's table directory starts in a .ttf or .ttc file.
enum TrueTypeCollection {
    /// The offsets of every face's table directory: one (0) for a plain font, the `ttcf` header's list for a
    /// collection.
    static func faceOffsets(_ reader: BigEndianReader) throws(PDFFontError) -> [Int] {
        guard reader.u32(0) == 0x7474_6366 else { return [0] }
        guard let count = reader.u32(8), count > 0, count <= 1024 else {
            throw .unreadable("TrueType collection header is truncated")
        }
        var offsets: [Int] = []
        for index in 0..<count {
            guard let offset = reader.u32(12 + 4 * index), offset < reader.bytes.count else {
                throw .unreadable("TrueType collection face \(index) points outside the file")
            }
            offsets.append(offset)
        }
        return offsets
    }

    /// The directory of `face`; refuses naming the faces there are when it is not in the file.
    static func directory(of face: TrueTypeFace, in reader: BigEndianReader) throws(PDFFontError)
        -> TrueTypeTableDirectory
    {
        let offsets = try faceOffsets(reader)
        switch face {
        case .index(let index):
            guard offsets.indices.contains(index) else {
                throw .unreadable("the file has \(offsets.count) face(s), no face \(index)")
            }
            return try TrueTypeTableDirectory(reader: reader, start: offsets[index])
        case .name(let wanted):
            var seen: [String] = []
            for offset in offsets {
                let directory = try TrueTypeTableDirectory(reader: reader, start: offset)
                let names = TrueTypeNames(reader: reader, directory: directory)
                if names.all.contains(wanted) { return directory }
                seen.append(names.family ?? "?")
            }
            throw .unreadable("no face named '\(wanted)'; the file has \(seen.joined(separator: ", "))")
        }
    }
}
