/// Capacity facts of ISO/IEC 18004 (table 9): error-correction codewords per block and block counts per version
/// and level, plus the module counts they are derived from.
enum QRCodeTables {
    /// Error-correction codewords per block, index = version (0 unused); rows L, M, Q, H.
    private static let eccPerBlock: [[Int]] = [
        [
            0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
            28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
        ],
        [
            0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
            26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        ],
        [
            0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
            28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
        ],
        [
            0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
            30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
        ],
    ]

    /// Error-correction blocks, index = version (0 unused); rows L, M, Q, H.
    private static let blockCounts: [[Int]] = [
        [
            0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
            8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25,
        ],
        [
            0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
            17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
        ],
        [
            0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
            23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68,
        ],
        [
            0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
            25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81,
        ],
    ]

    static func eccCodewordsPerBlock(version: Int, level: QRCode.ErrorCorrection) -> Int {
        eccPerBlock[level.rawValue][version]
    }

    static func blockCount(version: Int, level: QRCode.ErrorCorrection) -> Int {
        blockCounts[level.rawValue][version]
    }

    /// Modules left for codewords (data + error correction + remainder bits) once every function pattern, the
    /// format and the version information are placed.
    static func rawDataModuleCount(version: Int) -> Int {
        let size = 17 + 4 * version
        var count = size * size
        count -= 3 * 64 + 2 * (size - 16)  // finders with separators, timing rows
        count -= 31  // two copies of format info + the dark module
        let alignments = alignmentPositions(version: version).count
        if alignments > 0 {
            // n² patterns minus the three under finders, each 25 modules; those on timing rows overlap 5 each.
            count -= (alignments * alignments - 3) * 25 - 2 * (alignments - 2) * 5
        }
        if version >= 7 { count -= 36 }
        return count
    }

    static func totalCodewordCount(version: Int) -> Int { rawDataModuleCount(version: version) / 8 }

    static func dataCodewordCount(version: Int, level: QRCode.ErrorCorrection) -> Int {
        totalCodewordCount(version: version) - eccCodewordsPerBlock(version: version, level: level)
            * blockCount(version: version, level: level)
    }

    /// Centre coordinates of alignment patterns on each axis (ISO/IEC 18004 annex E): first at 6, last at
    /// size − 7, the rest evenly spaced by an even step; none for version 1.
    static func alignmentPositions(version: Int) -> [Int] {
        guard version >= 2 else { return [] }
        let count = version / 7 + 2
        let last = 17 + 4 * version - 7
        let step: Int
        if version == 32 {
            step = 26
        } else {
            // The span from 6 to `last` split into count − 1 gaps, rounded up to an even number.
            let gaps = count - 1
            let span = last - 6
            step = ((span + gaps - 1) / gaps + 1) / 2 * 2
        }
        var positions = [6]
        for index in stride(from: count - 2, through: 0, by: -1) { positions.append(last - index * step) }
        return positions
    }
}
