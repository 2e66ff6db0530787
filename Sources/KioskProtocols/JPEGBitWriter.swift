/// The entropy-coded part of a baseline JPEG: Huffman codes and value bits packed most significant bit first, a zero
/// byte stuffed after every 0xFF so no marker appears inside the data (ITU-T T.81 F.1.2.3), the last byte padded
/// with ones.
struct JPEGBitWriter {
    private(set) var bytes: [UInt8]
    private var accumulator: UInt32 = 0
    private var pending = 0

    init(reservingCapacity capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends the low `count` bits of `value` (count ≤ 16).
    mutating func write(_ value: UInt32, count: Int) {
        guard count > 0 else { return }
        accumulator = accumulator << UInt32(count) | (value & ((1 << UInt32(count)) - 1))
        pending += count
        while pending >= 8 {
            pending -= 8
            let byte = UInt8(truncatingIfNeeded: accumulator >> UInt32(pending))
            bytes.append(byte)
            if byte == 0xFF { bytes.append(0x00) }
        }
        accumulator &= (1 << UInt32(pending)) - 1
    }

    /// Pads the last byte with one bits.
    mutating func flush() {
        if pending > 0 { write((1 << UInt32(8 - pending)) - 1, count: 8 - pending) }
    }
}

/// A Huffman table turned into the code and its length for each symbol (ITU-T T.81 Annex C).
struct JPEGHuffmanCodes {
    private(set) var code = [UInt16](repeating: 0, count: 256)
    private(set) var length = [UInt8](repeating: 0, count: 256)

    init(_ table: JPEGStandardTables.Huffman) {
        var next: UInt16 = 0
        var symbolIndex = 0
        for bits in 1...16 {
            for _ in 0..<Int(table.counts[bits - 1]) {
                let symbol = Int(table.symbols[symbolIndex])
                code[symbol] = next
                length[symbol] = UInt8(bits)
                next += 1
                symbolIndex += 1
            }
            next <<= 1
        }
    }
}
