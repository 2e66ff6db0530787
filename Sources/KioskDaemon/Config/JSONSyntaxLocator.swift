/// Finds where a JSON text stops being valid (RFC 8259), so a config error can name the line and column;
/// JSONSerialization's own error gives at best a character offset, and often nothing.
struct JSONSyntaxLocator {
    /// Where the text goes wrong: a byte offset, its 1-based line and column (in characters), and what was expected.
    struct Problem: Error, Equatable {
        let offset: Int
        let line: Int
        let column: Int
        let message: String
    }

    private let bytes: [UInt8]
    private var index = 0
    private static let maximumDepth = 512

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The first syntax problem in `bytes`, or nil when they are one well-formed JSON value.
    static func firstProblem(in bytes: [UInt8]) -> Problem? {
        var scanner = JSONSyntaxLocator(bytes)
        do throws(Problem) {
            scanner.skipSpace()
            try scanner.value(depth: 0)
            scanner.skipSpace()
            if scanner.index < bytes.count { throw scanner.problem("unexpected text after the end of the JSON value") }
            return nil
        } catch {
            return error
        }
    }

    private func problem(_ message: String) -> Problem {
        let offset = min(index, bytes.count)
        var line = 1
        var lineStart = 0
        for position in 0..<offset where bytes[position] == 0x0A {
            line += 1
            lineStart = position + 1
        }
        let column = String(decoding: bytes[lineStart..<offset], as: UTF8.self).count + 1
        return Problem(offset: offset, line: line, column: column, message: message)
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func value(depth: Int) throws(Problem) {
        guard depth < Self.maximumDepth else { throw problem("nested deeper than \(Self.maximumDepth) levels") }
        guard let byte = current else { throw problem("unexpected end of the file; expected a value") }
        switch byte {
        case UInt8(ascii: "{"): try object(depth: depth)
        case UInt8(ascii: "["): try array(depth: depth)
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: throw problem("expected a value (object, array, string, number, true, false or null)")
        }
    }

    private mutating func object(depth: Int) throws(Problem) {
        index += 1
        skipSpace()
        if current == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            guard current == UInt8(ascii: "\"") else { throw problem("expected a key in double quotes") }
            try string()
            skipSpace()
            guard current == UInt8(ascii: ":") else { throw problem("expected ':' after the key") }
            index += 1
            skipSpace()
            try value(depth: depth + 1)
            skipSpace()
            switch current {
            case UInt8(ascii: ","):
                index += 1
                skipSpace()
            case UInt8(ascii: "}"):
                index += 1
                return
            default: throw problem("expected ',' or '}' after a value in an object")
            }
        }
    }

    private mutating func array(depth: Int) throws(Problem) {
        index += 1
        skipSpace()
        if current == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            try value(depth: depth + 1)
            skipSpace()
            switch current {
            case UInt8(ascii: ","):
                index += 1
                skipSpace()
            case UInt8(ascii: "]"):
                index += 1
                return
            default: throw problem("expected ',' or ']' after a value in an array")
            }
        }
    }

    private mutating func string() throws(Problem) {
        index += 1
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return
            case UInt8(ascii: "\\"):
                index += 1
                guard let escaped = current else { break }
                if escaped == UInt8(ascii: "u") {
                    for _ in 0..<4 {
                        index += 1
                        guard let digit = current, Self.isHexDigit(digit) else {
                            throw problem("expected 4 hex digits after \\u")
                        }
                    }
                } else if !Array("\"\\/bfnrt".utf8).contains(escaped) {
                    throw problem(
                        "unknown escape in a string; expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
                }
                index += 1
            case 0..<0x20:
                throw problem("control character in a string (write it as an escape such as \\n)")
            default:
                index += 1
            }
        }
        throw problem("unexpected end of the file inside a string (missing closing '\"')")
    }

    private mutating func number() throws(Problem) {
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, Self.isDigit(first) else { throw problem("expected a digit") }
        index += 1
        if first != UInt8(ascii: "0") { digits() }
        if current == UInt8(ascii: ".") {
            index += 1
            guard let digit = current, Self.isDigit(digit) else { throw problem("expected a digit after '.'") }
            digits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let digit = current, Self.isDigit(digit) else { throw problem("expected a digit in the exponent") }
            digits()
        }
    }

    private mutating func digits() {
        while let byte = current, Self.isDigit(byte) { index += 1 }
    }

    private mutating func literal(_ word: String) throws(Problem) {
        for expected in word.utf8 {
            guard current == expected else { throw problem("expected '\(word)'") }
            index += 1
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }
}
