/// A recorded trace of one device's traffic in both directions (`kioskctl capture`, docs/device-capture.md).
///
/// The text form has one header line and one line per transport call:
///
///     # kioskd-capture 1 role=idReader transport=serial:/dev/pts/4 version=0.9.0 start=2026-12-01T19:20:00Z masked=yes
///     0.000120 > AAAAAA96690003 11FF ED
///     0.004310 < AAAAAA9669000400 0090 94 masked
///
/// Timestamps are monotonic seconds since the capture started, `>` is host → device and `<` device → host, the bytes
/// are hex (spaces allowed), and a trailing `masked` says personal data in that chunk was replaced by filler.
/// Pure value type: parsing and printing do no I/O.
public struct DeviceCapture: Sendable, Hashable {
    /// The format's version, the token after `kioskd-capture`.
    public static let formatVersion = 1
    /// The largest capture file `init(parsing:)` accepts; a 300 s capture of a polling reader is far below this.
    public static let maximumTextBytes = 16 * 1024 * 1024

    public var header: CaptureHeader
    public var chunks: [CaptureChunk]

    public init(header: CaptureHeader, chunks: [CaptureChunk]) {
        self.header = header
        self.chunks = chunks
    }

    /// The text form, ending with a newline.
    public var text: String {
        var lines = [header.line]
        lines.reserveCapacity(chunks.count + 1)
        for chunk in chunks { lines.append(chunk.line) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses the text form; errors name the line.
    public init(parsing text: String) throws(CaptureFormatError) {
        guard text.utf8.count <= DeviceCapture.maximumTextBytes else {
            throw .tooLarge(bytes: text.utf8.count, limit: DeviceCapture.maximumTextBytes)
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().makeIterator()
        guard let (_, first) = lines.next() else { throw .missingHeader }
        header = try CaptureHeader(line: String(first))
        chunks = []
        while let (index, raw) = lines.next() {
            let line = raw.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            chunks.append(try CaptureChunk(line: line, number: index + 1))
        }
    }
}

/// Direction of a chunk, as seen from the host (kioskd).
public enum CaptureDirection: String, Sendable, Hashable {
    /// Host → device: what the driver wrote.
    case toDevice = ">"
    /// Device → host: what the driver read.
    case fromDevice = "<"
}

/// The bytes one transport call moved.
public struct CaptureChunk: Sendable, Hashable {
    /// Monotonic microseconds since the capture started.
    public var microseconds: Int64
    public var direction: CaptureDirection
    public var bytes: [UInt8]
    /// Personal data in these bytes was replaced by filler.
    public var masked: Bool

    public init(microseconds: Int64, direction: CaptureDirection, bytes: [UInt8], masked: Bool = false) {
        self.microseconds = microseconds
        self.direction = direction
        self.bytes = bytes
        self.masked = masked
    }

    var line: String {
        let seconds = microseconds / 1_000_000
        let fraction = String(microseconds % 1_000_000)
        let padded = String(repeating: "0", count: 6 - fraction.count) + fraction
        return "\(seconds).\(padded) \(direction.rawValue) \(CaptureHex.encode(bytes))" + (masked ? " masked" : "")
    }

    init(line: Substring, number: Int) throws(CaptureFormatError) {
        var words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count >= 3 else { throw .badLine(number, "expected TIME DIRECTION HEX") }
        masked = words.last == "masked"
        if masked { words.removeLast() }
        guard let time = CaptureChunk.microseconds(words[0]) else {
            throw .badLine(number, "'\(words[0].prefix(20))' is not a time in seconds")
        }
        guard let direction = CaptureDirection(rawValue: String(words[1])) else {
            throw .badLine(number, "direction must be > or <, not '\(words[1].prefix(5))'")
        }
        guard let bytes = CaptureHex.decode(words[2...].joined()) else {
            throw .badLine(number, "the bytes are not hex pairs")
        }
        microseconds = time
        self.direction = direction
        self.bytes = bytes
    }

    private static func microseconds(_ word: Substring) -> Int64? {
        let parts = word.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int64(parts[0]), whole >= 0, whole < 1_000_000_000 else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 6, let value = Int64(digits) else { return nil }
            fraction = value * Int64([1, 10, 100, 1000, 10_000, 100_000, 1_000_000][6 - digits.count])
        }
        return whole * 1_000_000 + fraction
    }
}

/// The capture's first line: what was recorded, where, by which kioskd, when, and whether it is masked.
public struct CaptureHeader: Sendable, Hashable {
    /// The device role (`idReader`, `receiptPrinter`, …).
    public var role: String
    /// Where the device was attached, e.g. `serial:/dev/ttyUSB0` or `tcp:127.0.0.1:9100`.
    public var transport: String
    public var version: String
    /// Wall-clock start, ISO 8601 (UTC).
    public var start: String
    public var masked: Bool
    /// The capture sink filled up and later traffic was not recorded.
    public var truncated: Bool

    public init(
        role: String, transport: String, version: String, start: String, masked: Bool, truncated: Bool = false
    ) {
        self.role = role
        self.transport = transport
        self.version = version
        self.start = start
        self.masked = masked
        self.truncated = truncated
    }

    var line: String {
        func value(_ text: String) -> String {
            let cleaned = String(text.map { $0.isWhitespace || $0 == "=" ? "_" : $0 })
            return cleaned.isEmpty ? "-" : cleaned
        }
        var line = "# kioskd-capture \(DeviceCapture.formatVersion) role=\(value(role)) transport=\(value(transport))"
        line += " version=\(value(version)) start=\(value(start)) masked=\(masked ? "yes" : "no")"
        if truncated { line += " truncated=yes" }
        return line
    }

    init(line: String) throws(CaptureFormatError) {
        let words = line.split(separator: " ")
        guard words.count >= 3, words[0] == "#", words[1] == "kioskd-capture" else { throw .missingHeader }
        guard words[2] == "\(DeviceCapture.formatVersion)" else {
            throw .unsupportedVersion(String(words[2].prefix(10)))
        }
        var fields: [Substring: Substring] = [:]
        for word in words.dropFirst(3) {
            guard let eq = word.firstIndex(of: "=") else { continue }
            fields[word[..<eq]] = word[word.index(after: eq)...]
        }
        guard let role = fields["role"], !role.isEmpty else { throw .badLine(1, "the header has no role=") }
        self.role = String(role)
        transport = String(fields["transport"] ?? "-")
        version = String(fields["version"] ?? "-")
        start = String(fields["start"] ?? "-")
        masked = fields["masked"] != "no"
        truncated = fields["truncated"] == "yes"
    }
}

/// Why a capture file was refused.
public enum CaptureFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    case missingHeader
    case unsupportedVersion(String)
    case badLine(Int, String)
    case tooLarge(bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case .missingHeader: "not a kioskd capture: the first line must be '# kioskd-capture 1 role=…'"
        case .unsupportedVersion(let version): "capture format version \(version) is not supported (only 1)"
        case .badLine(let line, let why): "line \(line): \(why)"
        case .tooLarge(let bytes, let limit): "capture is \(bytes) bytes; at most \(limit) are read"
        }
    }
}

/// Uppercase hex without separators; decoding ignores nothing but requires pairs.
enum CaptureHex {
    private static let digits = Array("0123456789ABCDEF".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0, !utf8.isEmpty else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var text = self
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }
}
