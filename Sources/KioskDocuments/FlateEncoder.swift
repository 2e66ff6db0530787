/// A zlib stream (RFC 1950) holding one deflate block with the fixed Huffman codes (RFC 1951 §3.2.6) and greedy LZ77
/// matches found through hash chains: what PDF's /FlateDecode reads. Embedded font subsets shrink by about half,
/// which keeps a licence with a long 经营范围 under its size target; the package has no zlib binding, and fixed codes
/// keep the encoder short.
enum FlateEncoder {
    static let window = 32_768
    static let minimumMatch = 3
    static let maximumMatch = 258
    /// Candidates tried per position, and the match length that ends the search: longer finds slightly longer matches
    /// for a lot more time (runs of one byte would otherwise compare 258 bytes at every candidate).
    static let chainLimit = 32
    static let niceLength = 64

    static func zlib(_ input: [UInt8]) -> [UInt8] {
        input.withUnsafeBufferPointer { deflate($0) }
    }

    /// Over a buffer pointer: array bounds checks in the match loop cost more than the search itself.
    private static func deflate(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var bits = BitWriter()
        bits.bytes = [0x78, 0x01]
        bits.write(1, count: 1)  // final block
        bits.write(1, count: 2)  // fixed Huffman codes
        let hashSize = 1 << 15
        var head = [Int](repeating: -1, count: hashSize)
        var previous = [Int](repeating: -1, count: window)
        func hash(_ at: Int) -> Int {
            (Int(input[at]) << 10 ^ Int(input[at + 1]) << 5 ^ Int(input[at + 2])) & (hashSize - 1)
        }
        func insert(_ at: Int) {
            guard at + minimumMatch <= input.count else { return }
            let key = hash(at)
            previous[at % window] = head[key]
            head[key] = at
        }
        var position = 0
        while position < input.count {
            var bestLength = 0
            var bestDistance = 0
            if position + minimumMatch <= input.count {
                var candidate = head[hash(position)]
                var tries = 0
                let limit = min(maximumMatch, input.count - position)
                while candidate >= 0, position - candidate <= window, tries < chainLimit {
                    var length = 0
                    while length < limit, input[candidate + length] == input[position + length] { length += 1 }
                    if length > bestLength {
                        bestLength = length
                        bestDistance = position - candidate
                        if length >= min(limit, niceLength) { break }
                    }
                    let next = previous[candidate % window]
                    guard next < candidate else { break }
                    candidate = next
                    tries += 1
                }
            }
            if bestLength >= minimumMatch {
                bits.writeLength(bestLength)
                bits.writeDistance(bestDistance)
                for at in position..<position + bestLength { insert(at) }
                position += bestLength
            } else {
                bits.writeLiteral(Int(input[position]))
                insert(position)
                position += 1
            }
        }
        bits.writeLiteral(256)  // end of block
        bits.flush()
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in input {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        let adler = b << 16 | a
        return bits.bytes + [24, 16, 8, 0].map { UInt8(adler >> $0 & 0xFF) }
    }
}

/// Deflate's bit order: values least significant bit first, Huffman codes most significant bit first.
private struct BitWriter {
    var bytes: [UInt8] = []
    private var buffer: UInt32 = 0
    private var count: UInt32 = 0

    private static let lengthBases = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ]
    private static let lengthExtraBits = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBases = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtraBits = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]

    mutating func write(_ value: Int, count bitCount: Int) {
        buffer |= UInt32(value) << count
        count += UInt32(bitCount)
        while count >= 8 {
            bytes.append(UInt8(buffer & 0xFF))
            buffer >>= 8
            count -= 8
        }
    }

    private mutating func writeCode(_ code: Int, length: Int) {
        var reversed = 0
        for bit in 0..<length where code >> bit & 1 == 1 { reversed |= 1 << (length - 1 - bit) }
        write(reversed, count: length)
    }

    /// A literal/length symbol 0…287 in the fixed code.
    mutating func writeLiteral(_ symbol: Int) {
        switch symbol {
        case 0...143: writeCode(0x30 + symbol, length: 8)
        case 144...255: writeCode(0x190 + symbol - 144, length: 9)
        case 256...279: writeCode(symbol - 256, length: 7)
        default: writeCode(0xC0 + symbol - 280, length: 8)
        }
    }

    mutating func writeLength(_ length: Int) {
        let index = (Self.lengthBases.lastIndex { $0 <= length }) ?? 0
        writeLiteral(257 + index)
        write(length - Self.lengthBases[index], count: Self.lengthExtraBits[index])
    }

    mutating func writeDistance(_ distance: Int) {
        let index = (Self.distanceBases.lastIndex { $0 <= distance }) ?? 0
        writeCode(index, length: 5)
        write(distance - Self.distanceBases[index], count: Self.distanceExtraBits[index])
    }

    mutating func flush() {
        if count > 0 { bytes.append(UInt8(buffer & 0xFF)) }
        buffer = 0
        count = 0
    }
}
