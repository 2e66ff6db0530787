/// Reed–Solomon error correction over GF(256) with the QR field polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D), and the
/// block split and interleaving of ISO/IEC 18004 §7.5–7.6.
enum QRCodeReedSolomon {
    /// exp[i] = αⁱ and log[αⁱ] = i, for α = 2.
    private static let tables: (exp: [UInt8], log: [Int]) = {
        var exp = [UInt8](repeating: 0, count: 512)
        var log = [Int](repeating: 0, count: 256)
        var value = 1
        for power in 0..<255 {
            exp[power] = UInt8(value)
            log[value] = power
            value <<= 1
            if value & 0x100 != 0 { value ^= 0x11D }
        }
        for power in 255..<512 { exp[power] = exp[power - 255] }
        return (exp, log)
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        guard a != 0, b != 0 else { return 0 }
        return tables.exp[tables.log[Int(a)] + tables.log[Int(b)]]
    }

    /// Coefficients of ∏(x − αⁱ), i = 0..<degree, highest power first without the leading 1.
    static func generator(degree: Int) -> [UInt8] {
        var poly: [UInt8] = [1]
        for i in 0..<degree {
            var next = [UInt8](repeating: 0, count: poly.count + 1)
            for (j, coefficient) in poly.enumerated() {
                next[j] ^= coefficient
                next[j + 1] ^= multiply(coefficient, tables.exp[i])
            }
            poly = next
        }
        return Array(poly.dropFirst())
    }

    /// The remainder of data·x^degree divided by the generator: the error-correction codewords.
    static func remainder(_ data: [UInt8], generator: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: generator.count)
        for byte in data {
            let factor = byte ^ result[0]
            result.removeFirst()
            result.append(0)
            for (index, coefficient) in generator.enumerated() { result[index] ^= multiply(coefficient, factor) }
        }
        return result
    }

    /// Splits `data` into the version's blocks (short blocks first, long ones one codeword longer), appends each
    /// block's error correction, and interleaves: data codewords column by column, then EC codewords likewise.
    static func interleave(_ data: [UInt8], version: Int, level: QRCode.ErrorCorrection) -> [UInt8] {
        let blocks = QRCodeTables.blockCount(version: version, level: level)
        let eccLength = QRCodeTables.eccCodewordsPerBlock(version: version, level: level)
        let shortLength = data.count / blocks
        let longBlocks = data.count % blocks
        let generator = generator(degree: eccLength)
        var dataBlocks: [[UInt8]] = []
        var eccBlocks: [[UInt8]] = []
        var start = 0
        for index in 0..<blocks {
            let length = shortLength + (index >= blocks - longBlocks ? 1 : 0)
            let block = Array(data[start..<start + length])
            start += length
            dataBlocks.append(block)
            eccBlocks.append(remainder(block, generator: generator))
        }
        var result: [UInt8] = []
        result.reserveCapacity(data.count + blocks * eccLength)
        for column in 0...shortLength {
            for block in dataBlocks where column < block.count { result.append(block[column]) }
        }
        for column in 0..<eccLength {
            for block in eccBlocks { result.append(block[column]) }
        }
        return result
    }
}
