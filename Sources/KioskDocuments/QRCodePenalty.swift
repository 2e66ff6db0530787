/// The mask penalty of ISO/IEC 18004 §7.8.3: lower is easier for a scanner. Four rules:
/// N1 runs of five or more same-coloured modules in a row or column (3 + run − 5 each), N2 2×2 same-coloured
/// blocks (3 each), N3 finder-like 1:1:3:1:1 patterns with four light modules on either side (40 each),
/// N4 dark share away from 50 % (10 per 5 % step).
enum QRCodePenalty {
    static func score(_ dark: [Bool], size: Int) -> Int {
        var penalty = 0
        for line in 0..<size {
            let row = (0..<size).map { dark[line * size + $0] }
            let column = (0..<size).map { dark[$0 * size + line] }
            penalty += runPenalty(row) + finderLikePenalty(row)
            penalty += runPenalty(column) + finderLikePenalty(column)
        }
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let colour = dark[y * size + x]
                if colour == dark[y * size + x + 1], colour == dark[(y + 1) * size + x],
                    colour == dark[(y + 1) * size + x + 1]
                {
                    penalty += 3
                }
            }
        }
        let darkCount = dark.reduce(0) { $0 + ($1 ? 1 : 0) }
        let total = size * size
        // k = floor(|dark% − 50| / 5), computed in integers: |20·dark − 10·total| / total.
        let k = abs(darkCount * 20 - total * 10) / total
        penalty += 10 * k
        return penalty
    }

    static func runPenalty(_ line: [Bool]) -> Int {
        var penalty = 0
        var runLength = 1
        for index in 1...line.count {
            if index < line.count, line[index] == line[index - 1] {
                runLength += 1
            } else {
                if runLength >= 5 { penalty += 3 + runLength - 5 }
                runLength = 1
            }
        }
        return penalty
    }

    /// dark-light-dark-dark-dark-light-dark with four light modules before or after (outside the symbol is light).
    static func finderLikePenalty(_ line: [Bool]) -> Int {
        let core: [Bool] = [true, false, true, true, true, false, true]
        func isLight(_ index: Int) -> Bool { index < 0 || index >= line.count || !line[index] }
        var penalty = 0
        for start in 0...(line.count - core.count) {
            guard (0..<core.count).allSatisfy({ line[start + $0] == core[$0] }) else { continue }
            let lightBefore = (1...4).allSatisfy { isLight(start - $0) }
            let lightAfter = (1...4).allSatisfy { isLight(start + core.count - 1 + $0) }
            if lightBefore || lightAfter { penalty += 40 }
        }
        return penalty
    }
}
