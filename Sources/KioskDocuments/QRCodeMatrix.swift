/// The module grid while a symbol is built: function patterns first (marked reserved), then the codewords in the
/// zig-zag order of ISO/IEC 18004 §7.7.3, then the mask and the format bits.
struct QRCodeMatrix {
    let version: Int
    let size: Int
    /// Row-major, `true` = dark.
    private(set) var dark: [Bool]
    /// Modules that belong to function patterns (never masked, never carry data).
    private var reserved: [Bool]

    init(version: Int) {
        self.version = version
        size = 17 + 4 * version
        dark = [Bool](repeating: false, count: size * size)
        reserved = [Bool](repeating: false, count: size * size)
    }

    subscript(x: Int, y: Int) -> Bool { dark[y * size + x] }

    private mutating func setFunction(_ x: Int, _ y: Int, _ isDark: Bool) {
        dark[y * size + x] = isDark
        reserved[y * size + x] = true
    }

    mutating func drawFunctionPatterns() {
        for i in 0..<size {
            setFunction(6, i, i % 2 == 0)
            setFunction(i, 6, i % 2 == 0)
        }
        drawFinder(centreX: 3, centreY: 3)
        drawFinder(centreX: size - 4, centreY: 3)
        drawFinder(centreX: 3, centreY: size - 4)
        let positions = QRCodeTables.alignmentPositions(version: version)
        for (i, x) in positions.enumerated() {
            for (j, y) in positions.enumerated() {
                let underFinder =
                    (i == 0 && j == 0) || (i == 0 && j == positions.count - 1) || (i == positions.count - 1 && j == 0)
                if !underFinder { drawAlignment(centreX: x, centreY: y) }
            }
        }
        // Reserve the format areas now (drawn for real after masking) and draw the version blocks.
        drawFormatBits(level: .medium, mask: 0)
        drawVersionBits()
    }

    /// A 7×7 finder with its one-module light separator, clipped at the symbol's edge.
    private mutating func drawFinder(centreX: Int, centreY: Int) {
        for dy in -4...4 {
            for dx in -4...4 {
                let x = centreX + dx
                let y = centreY + dy
                guard x >= 0, y >= 0, x < size, y < size else { continue }
                let ring = max(abs(dx), abs(dy))
                setFunction(x, y, ring != 2 && ring != 4)
            }
        }
    }

    private mutating func drawAlignment(centreX: Int, centreY: Int) {
        for dy in -2...2 {
            for dx in -2...2 { setFunction(centreX + dx, centreY + dy, max(abs(dx), abs(dy)) != 1) }
        }
    }

    /// The 15-bit format word: level and mask, BCH(15,5) with generator 0x537, XOR 0x5412 (ISO/IEC 18004 §7.9).
    static func formatWord(level: QRCode.ErrorCorrection, mask: Int) -> Int {
        let data = level.formatBits << 3 | mask
        var remainder = data << 10
        for bit in stride(from: 14, through: 10, by: -1) where remainder & (1 << bit) != 0 {
            remainder ^= 0x537 << (bit - 10)
        }
        return (data << 10 | remainder) ^ 0x5412
    }

    /// The 18-bit version word: version, BCH(18,6) with generator 0x1F25 (ISO/IEC 18004 §7.10).
    static func versionWord(version: Int) -> Int {
        var remainder = version << 12
        for bit in stride(from: 17, through: 12, by: -1) where remainder & (1 << bit) != 0 {
            remainder ^= 0x1F25 << (bit - 12)
        }
        return version << 12 | remainder
    }

    /// Both copies of the format word; bit 0 is the least significant.
    mutating func drawFormatBits(level: QRCode.ErrorCorrection, mask: Int) {
        let word = QRCodeMatrix.formatWord(level: level, mask: mask)
        func bit(_ i: Int) -> Bool { (word >> i) & 1 == 1 }
        // Around the top-left finder: down column 8 (skipping the timing row), then left along row 8.
        for i in 0...5 { setFunction(8, i, bit(i)) }
        setFunction(8, 7, bit(6))
        setFunction(8, 8, bit(7))
        setFunction(7, 8, bit(8))
        for i in 9...14 { setFunction(14 - i, 8, bit(i)) }
        // Split between the other two finders.
        for i in 0...7 { setFunction(size - 1 - i, 8, bit(i)) }
        for i in 8...14 { setFunction(8, size - 15 + i, bit(i)) }
        setFunction(8, size - 8, true)  // the dark module
    }

    /// Two 6×3 copies of the version word, from version 7 on.
    private mutating func drawVersionBits() {
        guard version >= 7 else { return }
        let word = QRCodeMatrix.versionWord(version: version)
        for i in 0..<18 {
            let isDark = (word >> i) & 1 == 1
            let a = size - 11 + i % 3
            let b = i / 3
            setFunction(a, b, isDark)
            setFunction(b, a, isDark)
        }
    }

    /// Codeword bits, most significant first, up and down two-module columns from the right; column 6 (timing)
    /// is skipped; remainder bits stay light.
    mutating func placeCodewords(_ codewords: [UInt8]) {
        let totalBits = codewords.count * 8
        var bitIndex = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            let upward = ((right + 1) & 2) == 0
            for step in 0..<size {
                let y = upward ? size - 1 - step : step
                for x in [right, right - 1] where !reserved[y * size + x] {
                    if bitIndex < totalBits {
                        dark[y * size + x] = (codewords[bitIndex / 8] >> (7 - bitIndex % 8)) & 1 == 1
                        bitIndex += 1
                    }
                }
            }
            right -= 2
        }
    }

    /// Whether mask `mask` flips the module at column `x`, row `y` (ISO/IEC 18004 table 10).
    static func maskFlips(_ mask: Int, x: Int, y: Int) -> Bool {
        switch mask {
        case 0: (x + y) % 2 == 0
        case 1: y % 2 == 0
        case 2: x % 3 == 0
        case 3: (x + y) % 3 == 0
        case 4: (x / 3 + y / 2) % 2 == 0
        case 5: x * y % 2 + x * y % 3 == 0
        case 6: (x * y % 2 + x * y % 3) % 2 == 0
        default: ((x + y) % 2 + x * y % 3) % 2 == 0
        }
    }

    /// XORs the data modules with mask `mask`; applying it twice undoes it.
    mutating func applyMask(_ mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !reserved[y * size + x] && QRCodeMatrix.maskFlips(mask, x: x, y: y) {
                dark[y * size + x].toggle()
            }
        }
    }

    /// The mask with the lowest penalty (ties go to the lower number), each scored with its format bits drawn.
    mutating func bestMask(level: QRCode.ErrorCorrection) -> Int {
        var best = 0
        var bestPenalty = Int.max
        for mask in 0..<8 {
            applyMask(mask)
            drawFormatBits(level: level, mask: mask)
            let penalty = QRCodePenalty.score(dark, size: size)
            if penalty < bestPenalty {
                best = mask
                bestPenalty = penalty
            }
            applyMask(mask)
        }
        return best
    }
}
