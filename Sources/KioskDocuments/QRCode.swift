/// A QR code symbol (ISO/IEC 18004, model 2) in byte mode: the module matrix a layout draws.
///
/// Pure: the same bytes, level and version bounds always give the same symbol. The licence's QR code carries its
/// public lookup URL; byte mode keeps any URL exact (no case folding, no character-set guessing).
public struct QRCode: Sendable, Hashable {
    /// Error-correction level: how much of the symbol can be damaged and still decode (about 7/15/25/30 %).
    public enum ErrorCorrection: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case low, medium, quartile, high

        /// The two format-information bits of ISO/IEC 18004 table 12: L 01, M 00, Q 11, H 10.
        var formatBits: Int {
            switch self {
            case .low: 1
            case .medium: 0
            case .quartile: 3
            case .high: 2
            }
        }

        public var description: String { ["L", "M", "Q", "H"][rawValue] }
    }

    /// 1...40; the symbol is `17 + 4 × version` modules wide.
    public let version: Int
    public let errorCorrection: ErrorCorrection
    /// The data mask pattern 0...7 chosen by penalty scoring (or forced by the caller).
    public let mask: Int
    /// Modules per side.
    public let size: Int
    /// Row-major, `true` = dark.
    public let modules: [Bool]

    /// Whether the module at column `x`, row `y` is dark; modules outside the symbol (the quiet zone) are light.
    public subscript(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < size, y < size else { return false }
        return modules[y * size + x]
    }

    /// The most bytes one symbol can carry (version 40, level L).
    public static let maximumByteCount = 2953

    /// Encodes `bytes` in byte mode in the smallest version from `minimumVersion` that holds them at
    /// `errorCorrection`; `mask` forces a mask pattern (for tests), otherwise the lowest-penalty one is used.
    public static func encode(
        _ bytes: [UInt8], errorCorrection: ErrorCorrection, minimumVersion: Int = 1, maximumVersion: Int = 40,
        mask forcedMask: Int? = nil
    ) throws(QRCodeError) -> QRCode {
        guard (1...40).contains(minimumVersion), (minimumVersion...40).contains(maximumVersion) else {
            throw .invalidVersionRange(minimumVersion, maximumVersion)
        }
        if let forcedMask, !(0...7).contains(forcedMask) { throw .invalidMask(forcedMask) }
        var chosen: Int?
        for version in minimumVersion...maximumVersion
        where dataBitCount(byteCount: bytes.count, version: version)
            <= QRCodeTables.dataCodewordCount(version: version, level: errorCorrection) * 8
        {
            chosen = version
            break
        }
        guard let version = chosen else {
            throw .dataTooLong(byteCount: bytes.count, maximumVersion: maximumVersion, level: errorCorrection)
        }
        let data = dataCodewords(bytes, version: version, level: errorCorrection)
        let codewords = QRCodeReedSolomon.interleave(data, version: version, level: errorCorrection)
        var matrix = QRCodeMatrix(version: version)
        matrix.drawFunctionPatterns()
        matrix.placeCodewords(codewords)
        let mask = forcedMask ?? matrix.bestMask(level: errorCorrection)
        matrix.applyMask(mask)
        matrix.drawFormatBits(level: errorCorrection, mask: mask)
        return QRCode(
            version: version, errorCorrection: errorCorrection, mask: mask, size: matrix.size, modules: matrix.dark)
    }

    /// UTF-8 text in byte mode.
    public static func encode(text: String, errorCorrection: ErrorCorrection, mask: Int? = nil) throws(QRCodeError)
        -> QRCode
    {
        try encode(Array(text.utf8), errorCorrection: errorCorrection, mask: mask)
    }

    /// Mode indicator (4) + character count (8 bits up to version 9, 16 after) + 8 per byte.
    static func dataBitCount(byteCount: Int, version: Int) -> Int {
        4 + (version <= 9 ? 8 : 16) + 8 * byteCount
    }

    /// The data codewords: byte-mode segment, terminator, padding to a byte, then the pad bytes EC 11 alternating.
    static func dataCodewords(_ bytes: [UInt8], version: Int, level: ErrorCorrection) -> [UInt8] {
        let capacityBits = QRCodeTables.dataCodewordCount(version: version, level: level) * 8
        var bits = BitBuffer()
        bits.append(0b0100, count: 4)
        bits.append(bytes.count, count: version <= 9 ? 8 : 16)
        for byte in bytes { bits.append(Int(byte), count: 8) }
        bits.append(0, count: min(4, capacityBits - bits.count))
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var codewords = bits.bytes
        var pad: UInt8 = 0xEC
        while codewords.count * 8 < capacityBits {
            codewords.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return codewords
    }
}

/// Why a QR code could not be made.
public enum QRCodeError: Error, Sendable, Hashable, CustomStringConvertible {
    case dataTooLong(byteCount: Int, maximumVersion: Int, level: QRCode.ErrorCorrection)
    case invalidVersionRange(Int, Int)
    case invalidMask(Int)

    public var description: String {
        switch self {
        case .dataTooLong(let count, let version, let level):
            "QR payload of \(count) bytes does not fit a version-\(version) symbol at level \(level); shorten it or lower the error-correction level"
        case .invalidVersionRange(let low, let high): "QR version range \(low)...\(high) is not within 1...40"
        case .invalidMask(let mask): "QR mask \(mask) is not within 0...7"
        }
    }
}

/// Bits appended most-significant first.
struct BitBuffer {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    mutating func append(_ value: Int, count bitCount: Int) {
        for shift in stride(from: bitCount - 1, through: 0, by: -1) {
            if count % 8 == 0 { bytes.append(0) }
            if (value >> shift) & 1 == 1 { bytes[count / 8] |= UInt8(0x80 >> (count % 8)) }
            count += 1
        }
    }
}
