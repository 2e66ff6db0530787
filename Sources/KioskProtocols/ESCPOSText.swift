import Foundation

/// Roll widths kiosk printers use, with their character-cell count in font A (12 × 24 dots).
public enum PaperWidth: Int, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// 58 mm roll, 384 printable dots → 32 cells.
    case mm58 = 58
    /// 80 mm roll, 576 printable dots → 48 cells.
    case mm80 = 80

    /// Single-width cells per line; a CJK character takes two.
    public var columns: Int {
        switch self {
        case .mm58: 32
        case .mm80: 48
        }
    }

    public var description: String { "\(rawValue) mm" }
}

/// Which characters a printer's Chinese font holds (§2.2): most take GB18030's two-byte areas, some only GB2312.
public enum TextRepertoire: String, Sendable, Codable, CaseIterable {
    case gb18030, gb2312
}

/// Text prepared for a printer in Chinese mode: GB18030 bytes in which every character is one byte (ASCII, one cell)
/// or two bytes (two cells). Anything the printer cannot show — control characters that would act as commands,
/// four-byte GB18030 sequences (emoji, rare CJK extensions), characters outside the repertoire — becomes `?`, and
/// `replacedCount` says how many, so callers can tell.
public struct ESCPOSText: Sendable, Equatable {
    /// GB18030 (CFStringEncoding GB_18030_2000 with the high bit set, docs/device-protocols.md §6).
    public static let gb18030 = String.Encoding(rawValue: 0x80000632)
    /// What replaces a character the printer cannot show.
    public static let replacement: UInt8 = 0x3F

    public let bytes: [UInt8]
    public let replacedCount: Int

    /// Encodes `text`; newlines, tabs and other control characters count as unprintable (callers split lines first).
    public init(_ text: String, repertoire: TextRepertoire = .gb18030) {
        var out: [UInt8] = []
        let (replaced, _) = ESCPOSText.append(text, repertoire: repertoire, to: &out)
        bytes = out
        replacedCount = replaced
    }

    /// Already-encoded bytes (one- and two-byte characters only).
    init(encoded: [UInt8], replacedCount: Int) {
        bytes = encoded
        self.replacedCount = replacedCount
    }

    /// Encodes `text` onto the end of `buffer`; returns how many characters were replaced and the cells added.
    /// The builder calls this to write straight into its stream.
    static func append(_ text: String, repertoire: TextRepertoire, to buffer: inout [UInt8]) -> (
        replaced: Int, cells: Int
    ) {
        if let result = text.utf8.withContiguousStorageIfAvailable({
            append(utf8: $0, repertoire: repertoire, to: &buffer)
        }) {
            return result
        }
        var copy = text
        return copy.withUTF8 { append(utf8: $0, repertoire: repertoire, to: &buffer) }
    }

    /// `append`, or nothing at all (and `nil`) when `text` holds a line break, so the caller can split it first.
    static func appendUnlessLineBreak(_ text: String, repertoire: TextRepertoire, to buffer: inout [UInt8])
        -> (replaced: Int, cells: Int)?
    {
        func run(_ utf8: UnsafeBufferPointer<UInt8>) -> (replaced: Int, cells: Int)? {
            guard !utf8.isEmpty else { return (0, 0) }
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: utf8.count) { scratch in
                var lineBreak = false
                let (count, replaced, cells) = encode(
                    utf8: utf8, repertoire: repertoire, into: scratch, lineBreak: &lineBreak)
                if lineBreak { return nil }
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[0..<count]))
                return (replaced, cells)
            }
        }
        if let result = text.utf8.withContiguousStorageIfAvailable(run) { return result }
        var copy = text
        return copy.withUTF8(run)
    }

    /// Encodes `text` into stack scratch space and hands the bytes, replacement count and cells to `body`.
    static func withEncoded<R>(
        _ text: String, repertoire: TextRepertoire,
        _ body: (UnsafeBufferPointer<UInt8>, _ replaced: Int, _ cells: Int) -> R
    ) -> R {
        func run(_ utf8: UnsafeBufferPointer<UInt8>) -> R {
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, utf8.count)) { scratch in
                let (count, replaced, cells) = encode(utf8: utf8, repertoire: repertoire, into: scratch)
                return body(UnsafeBufferPointer(rebasing: scratch[0..<count]), replaced, cells)
            }
        }
        if let result = text.utf8.withContiguousStorageIfAvailable(run) { return result }
        var copy = text
        return copy.withUTF8(run)
    }

    /// GB18030 output is never longer than the UTF-8 input (1→1, 2→≤2, 3→≤2, 4→1 bytes), so one scratch buffer of
    /// the input's size holds it and the stream grows by a single append.
    private static func append(utf8: UnsafeBufferPointer<UInt8>, repertoire: TextRepertoire, to buffer: inout [UInt8])
        -> (replaced: Int, cells: Int)
    {
        guard !utf8.isEmpty else { return (0, 0) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: utf8.count) { scratch in
            let (count, replaced, cells) = encode(utf8: utf8, repertoire: repertoire, into: scratch)
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[0..<count]))
            return (replaced, cells)
        }
    }

    /// One table lookup per character; `out` must hold `utf8.count` bytes.
    private static func encode(
        utf8: UnsafeBufferPointer<UInt8>, repertoire: TextRepertoire,
        into out: UnsafeMutableBufferPointer<UInt8>
    ) -> (count: Int, replaced: Int, cells: Int) {
        var lineBreak = false
        return encode(utf8: utf8, repertoire: repertoire, into: out, lineBreak: &lineBreak)
    }

    /// `encode`, also noting whether a line break (LF, VT, FF, CR, NEL, U+2028, U+2029) went by (as `?`).
    static func encode(
        utf8: UnsafeBufferPointer<UInt8>, repertoire: TextRepertoire, into out: UnsafeMutableBufferPointer<UInt8>,
        lineBreak: inout Bool
    ) -> (count: Int, replaced: Int, cells: Int) {
        var replaced = 0
        var cells = 0
        var o = 0
        let table = GB18030Table.twoByte
        var i = 0
        let n = utf8.count
        while i < n {
            let b0 = utf8[i]
            if b0 < 0x80 {
                if b0 < 0x20 || b0 == 0x7F {
                    out[o] = ESCPOSText.replacement
                    replaced += 1
                    if b0 &- 0x0A <= 3 { lineBreak = true }
                } else {
                    out[o] = b0
                }
                o += 1
                cells += 1
                i += 1
                continue
            }
            var value: Int
            if b0 < 0xE0 {
                value = i + 1 < n ? (Int(b0 & 0x1F) << 6) | Int(utf8[i + 1] & 0x3F) : 0
                i += 2
            } else if b0 < 0xF0 {
                value =
                    i + 2 < n ? (Int(b0 & 0x0F) << 12) | (Int(utf8[i + 1] & 0x3F) << 6) | Int(utf8[i + 2] & 0x3F) : 0
                i += 3
            } else {
                // Outside the BMP: GB18030 has only four-byte codes there, which printers lack.
                value = 0x10000
                i += 4
            }
            if value == 0x85 || value == 0x2028 || value == 0x2029 { lineBreak = true }
            // A BMP character GB18030 puts in its four-byte area is also unprintable (table entry 0).
            let code = value < 0x10000 ? table[value] : 0
            let lead = UInt8(truncatingIfNeeded: code >> 8)
            let trail = UInt8(truncatingIfNeeded: code)
            if code == 0 || (repertoire == .gb2312 && !ESCPOSText.isGB2312(lead: lead, trail: trail)) {
                out[o] = ESCPOSText.replacement
                o += 1
                replaced += 1
                cells += 1
            } else {
                out[o] = lead
                out[o + 1] = trail
                o += 2
                cells += 2
            }
        }
        return (o, replaced, cells)
    }

    /// GB2312's assigned rows: symbols A1–A9 and hanzi B0–F7, trail A1–FE.
    static func isGB2312(lead: UInt8, trail: UInt8) -> Bool {
        ((0xA1...0xA9).contains(lead) || (0xB0...0xF7).contains(lead)) && (0xA1...0xFE).contains(trail)
    }

    /// Cells this text takes at single width: one per ASCII byte, two per two-byte character.
    public var cellCount: Int {
        var cells = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] < 0x80 { cells += 1; i += 1 } else { cells += 2; i += 2 }
        }
        return cells
    }

    /// Cells `text` takes on paper (CJK double width), after the same replacements `init` makes.
    public static func cellWidth(of text: String, repertoire: TextRepertoire = .gb18030) -> Int {
        ESCPOSText(text, repertoire: repertoire).cellCount
    }

    /// Splits into lines of at most `columns` cells. Breaks at the last space when a Latin word would be cut, and
    /// anywhere between CJK characters; a word longer than a line is cut. Never splits a two-byte character.
    public func wrapped(columns: Int) -> [ArraySlice<UInt8>] {
        let limit = max(2, columns)
        var lines: [ArraySlice<UInt8>] = []
        var start = 0  // first byte of the current line
        var cells = 0
        var lastSpace = -1  // byte index of the last space in the current line
        var i = 0
        while i < bytes.count {
            let width = bytes[i] < 0x80 ? 1 : 2
            if cells + width > limit {
                let isSpace = width == 1 && bytes[i] == 0x20
                if width == 1, !isSpace, lastSpace > start {
                    // Carry the unfinished word to the next line; the space itself is dropped.
                    lines.append(bytes[start..<lastSpace])
                    start = lastSpace + 1
                } else {
                    lines.append(bytes[start..<i])
                    start = isSpace ? i + 1 : i
                }
                // After a dropped space the new line starts past `i` and is still empty.
                cells = start < i ? ESCPOSText.cells(of: bytes[start..<i]) : 0
                lastSpace = -1
                if isSpace {
                    i += 1
                    continue
                }
            }
            if width == 1 && bytes[i] == 0x20 { lastSpace = i }
            cells += width
            i += width
        }
        if start < bytes.count || lines.isEmpty { lines.append(bytes[min(start, bytes.count)...]) }
        return lines
    }

    static func cells(of line: ArraySlice<UInt8>) -> Int {
        var cells = 0
        var i = line.startIndex
        while i < line.endIndex {
            if line[i] < 0x80 { cells += 1; i += 1 } else { cells += 2; i += 2 }
        }
        return cells
    }
}
