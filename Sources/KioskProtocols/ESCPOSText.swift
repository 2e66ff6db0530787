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
    /// GB18030 (CFStringEncoding GB_18030_2000 with the high bit set, device-protocols.md §6).
    public static let gb18030 = String.Encoding(rawValue: 0x80000632)
    /// What replaces a character the printer cannot show.
    public static let replacement: UInt8 = 0x3F

    public let bytes: [UInt8]
    public let replacedCount: Int

    /// Encodes `text`; newlines, tabs and other control characters count as unprintable (callers split lines first).
    public init(_ text: String, repertoire: TextRepertoire = .gb18030) {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            bytes = Array(text.utf8)
            replacedCount = 0
            return
        }
        let raw: [UInt8]
        var replaced = 0
        if let data = text.data(using: ESCPOSText.gb18030) {
            raw = [UInt8](data)
        } else {
            // Not expected (GB18030 maps every scalar), but never trust it: go scalar by scalar.
            var collected: [UInt8] = []
            for scalar in text.unicodeScalars {
                if let data = String(scalar).data(using: ESCPOSText.gb18030) {
                    collected += data
                } else {
                    collected.append(ESCPOSText.replacement)
                    replaced += 1
                }
            }
            raw = collected
        }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            let b = raw[i]
            if b < 0x80 {
                if b < 0x20 || b == 0x7F {
                    out.append(ESCPOSText.replacement)
                    replaced += 1
                } else {
                    out.append(b)
                }
                i += 1
                continue
            }
            guard b >= 0x81, b <= 0xFE, i + 1 < raw.count else {
                out.append(ESCPOSText.replacement)
                replaced += 1
                i += 1
                continue
            }
            let trail = raw[i + 1]
            if trail >= 0x30 && trail <= 0x39 {
                // Four-byte sequence: outside the double-byte areas printers hold.
                out.append(ESCPOSText.replacement)
                replaced += 1
                i += min(4, raw.count - i)
                continue
            }
            if repertoire == .gb2312 && !ESCPOSText.isGB2312(lead: b, trail: trail) {
                out.append(ESCPOSText.replacement)
                replaced += 1
            } else {
                out.append(b)
                out.append(trail)
            }
            i += 2
        }
        bytes = out
        replacedCount = replaced
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
    public func wrapped(columns: Int) -> [[UInt8]] {
        let limit = max(2, columns)
        var lines: [[UInt8]] = []
        var line: [UInt8] = []
        var cells = 0
        var lastSpace: Int?  // index in `line` of the last space
        var i = 0
        while i < bytes.count {
            let width = bytes[i] < 0x80 ? 1 : 2
            let char = Array(bytes[i..<min(bytes.count, i + width)])
            i += width
            if cells + width > limit {
                if width == 1, char[0] != 0x20, let space = lastSpace, space > 0 {
                    // Carry the unfinished word to the next line.
                    let carried = Array(line[(space + 1)...])
                    lines.append(Array(line[..<space]))
                    line = carried
                } else {
                    lines.append(line)
                    line = []
                }
                lastSpace = nil
                cells = ESCPOSText.cells(of: line)
                if char == [0x20] && line.isEmpty { continue }  // no leading space on a wrapped line
            }
            if char == [0x20] { lastSpace = line.count }
            line += char
            cells += width
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }

    private static func cells(of line: [UInt8]) -> Int {
        var cells = 0
        var i = 0
        while i < line.count {
            if line[i] < 0x80 { cells += 1; i += 1 } else { cells += 2; i += 2 }
        }
        return cells
    }
}
