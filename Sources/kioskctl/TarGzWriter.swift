/// A `.tar.gz` built in memory: POSIX ustar entries (the POSIX.1-2001 `pax` ustar interchange format) inside a gzip
/// member (RFC 1952) whose deflate stream uses stored blocks only (RFC 1951 §3.2.4). Written here rather than by
/// running `tar`: a debug bundle must come out the same on a terminal whose tar lacks an option, and the files are
/// small text, so compression is not worth a deflate encoder.
struct TarGzWriter {
    private var tar: [UInt8] = []
    /// Seconds since 1970 for every entry's mtime and the gzip header.
    let modified: Int

    init(modified: Int) { self.modified = modified }

    struct NameTooLong: Error, CustomStringConvertible {
        let name: String
        var description: String { "tar entry name longer than 99 bytes: \(name)" }
    }

    mutating func addDirectory(_ name: String) throws(NameTooLong) {
        tar += try Self.header(name: name.hasSuffix("/") ? name : name + "/", size: 0, type: "5", mode: 0o755, modified)
    }

    mutating func addFile(_ name: String, _ contents: [UInt8]) throws(NameTooLong) {
        tar += try Self.header(name: name, size: contents.count, type: "0", mode: 0o644, modified)
        tar += contents
        tar += [UInt8](repeating: 0, count: (512 - contents.count % 512) % 512)
    }

    /// The archive: tar's two zero blocks at the end, gzipped.
    func finished() -> [UInt8] { Self.gzip(tar + [UInt8](repeating: 0, count: 1024), modified: modified) }

    static func header(name: String, size: Int, type: Character, mode: Int, _ modified: Int) throws(NameTooLong)
        -> [UInt8]
    {
        let nameBytes = Array(name.utf8)
        guard nameBytes.count < 100 else { throw NameTooLong(name: name) }
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], at offset: Int) { for (i, b) in bytes.enumerated() { block[offset + i] = b } }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
        }
        put(nameBytes, at: 0)
        put(octal(mode, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(size, width: 12), at: 124)
        put(octal(modified, width: 12), at: 136)
        put(Array("        ".utf8), at: 148)
        put(Array(String(type).utf8), at: 156)
        put(Array("ustar".utf8) + [0], at: 257)
        put(Array("00".utf8), at: 263)
        put(Array("root".utf8), at: 265)
        put(Array("root".utf8), at: 297)
        let sum = block.reduce(0) { $0 + Int($1) }
        put(octal(sum, width: 7) + [UInt8(ascii: " ")], at: 148)
        return block
    }

    static func gzip(_ data: [UInt8], modified: Int) -> [UInt8] {
        var out: [UInt8] = [0x1F, 0x8B, 8, 0] + littleEndian(UInt32(truncatingIfNeeded: modified)) + [0, 3]
        var offset = 0
        repeat {
            let count = min(65_535, data.count - offset)
            let last = offset + count == data.count
            out.append(last ? 1 : 0)
            out += [UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
            out += data[offset..<(offset + count)]
            offset += count
        } while offset < data.count
        out += littleEndian(crc32(data))
        out += littleEndian(UInt32(truncatingIfNeeded: data.count))
        return out
    }

    private static func littleEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
    }

    /// CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320), as gzip's trailer needs.
    static func crc32(_ data: [UInt8]) -> UInt32 {
        var table = [UInt32](repeating: 0, count: 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            table[i] = c
        }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
