import Foundation

/// Bounds-checked big-endian reads; nil past the end. Over `Data` so a font file can be memory-mapped by the caller
/// rather than copied: the daemon keeps three CJK fonts (74 MB) at hand and touches a few pages per licence.
struct BigEndianReader: Sendable {
    let bytes: Data
    init(_ bytes: [UInt8]) { self.bytes = Data(bytes) }
    init(_ data: Data) { bytes = data }

    func u16(_ offset: Int) -> Int? {
        guard offset >= 0, offset + 2 <= bytes.count else { return nil }
        let start = bytes.startIndex + offset
        return Int(bytes[start]) << 8 | Int(bytes[start + 1])
    }

    /// `count` bytes from `offset` (the caller has checked the range).
    func slice(_ offset: Int, _ count: Int) -> [UInt8] {
        let start = bytes.startIndex + offset
        return [UInt8](bytes[start..<start + count])
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

/// Big-endian writes for building font tables.
struct TrueTypeBytes {
    var bytes: [UInt8] = []

    mutating func u16(_ value: Int) {
        bytes.append(UInt8(value >> 8 & 0xFF))
        bytes.append(UInt8(value & 0xFF))
    }

    mutating func u32(_ value: Int) {
        u16(value >> 16 & 0xFFFF)
        u16(value & 0xFFFF)
    }

    /// Overwrites the 16-bit value at `offset` of `table`.
    static func set16(_ table: inout [UInt8], _ offset: Int, _ value: Int) {
        table[offset] = UInt8(value >> 8 & 0xFF)
        table[offset + 1] = UInt8(value & 0xFF)
    }

    static func set32(_ table: inout [UInt8], _ offset: Int, _ value: UInt32) {
        set16(&table, offset, Int(value >> 16))
        set16(&table, offset + 2, Int(value & 0xFFFF))
    }

    /// The TrueType table checksum: the sum of the big-endian 32-bit words, the last one padded with zeros.
    static func checksum(_ data: some Collection<UInt8>) -> UInt32 {
        var sum: UInt32 = 0
        var word: UInt32 = 0
        var count = 0
        for byte in data {
            word = word << 8 | UInt32(byte)
            count += 1
            if count == 4 {
                sum &+= word
                word = 0
                count = 0
            }
        }
        if count > 0 { sum &+= word << (8 * UInt32(4 - count)) }
        return sum
    }
}
