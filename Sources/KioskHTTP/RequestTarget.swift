// The request target of an HTTP request in origin form (`/v1/transactions?after=5&limit=10`), split into a
// percent-decoded path and typed query items. Pure Swift with no imports: scripts/fuzz.sh builds it on its own.

/// A parsed origin-form request target (RFC 9112 §3.2.1): an absolute path and an optional query.
public struct RequestTarget: Sendable, Hashable {
    /// One `name=value` pair of the query, both percent-decoded (`+` in the query is a space, as in HTML forms).
    /// `value` is nil for a bare `name`.
    public struct QueryItem: Sendable, Hashable {
        public let name: String
        public let value: String?

        public init(name: String, value: String?) {
            self.name = name
            self.value = value
        }
    }

    /// Why a target was refused. Every case is the client's fault (a 400).
    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        case empty
        case tooLong(limit: Int)
        /// Not origin form: absolute form (`http://…`), authority form and `*` are not served.
        case notOriginForm
        /// A byte outside RFC 3986's path/query characters, at this offset.
        case invalidCharacter(offset: Int)
        /// `%` not followed by two hex digits, at this offset.
        case badPercentEncoding(offset: Int)
        /// A percent-decoded part that is not UTF-8 or that holds a control character.
        case undecodable
        /// A `.` or `..` path segment.
        case dotSegment
        case tooManySegments(limit: Int)
        case tooManyQueryItems(limit: Int)

        public var description: String {
            switch self {
            case .empty: "the request target is empty"
            case .tooLong(let limit): "the request target is longer than \(limit) bytes"
            case .notOriginForm: "the request target must be an absolute path such as /v1/transactions"
            case .invalidCharacter(let offset): "the request target has a character not allowed at offset \(offset)"
            case .badPercentEncoding(let offset): "the request target has a bad percent-encoding at offset \(offset)"
            case .undecodable: "the request target decodes to something that is not printable UTF-8"
            case .dotSegment: "the request target has a '.' or '..' path segment"
            case .tooManySegments(let limit): "the request target has more than \(limit) path segments"
            case .tooManyQueryItems(let limit): "the request target has more than \(limit) query parameters"
            }
        }
    }

    /// Why a query parameter could not be read as asked.
    public enum QueryError: Error, Sendable, Hashable, CustomStringConvertible {
        case repeated(name: String)
        case missingValue(name: String)
        case notAnInteger(name: String)
        case outOfRange(name: String, range: ClosedRange<Int64>)

        public var description: String {
            switch self {
            case .repeated(let name): "query parameter '\(name)' is given more than once"
            case .missingValue(let name): "query parameter '\(name)' has no value"
            case .notAnInteger(let name): "query parameter '\(name)' must be a decimal integer"
            case .outOfRange(let name, let range):
                "query parameter '\(name)' must be between \(range.lowerBound) and \(range.upperBound)"
            }
        }
    }

    public static let maximumLength = 2048
    public static let maximumSegments = 32
    public static let maximumQueryItems = 32

    /// The decoded path, always starting with `/` (segments joined with `/`; an encoded `%2F` stays inside its
    /// segment in `segments`, and shows as `/` here).
    public let path: String
    /// The decoded path segments: `/v1/transactions/` is `["v1", "transactions", ""]`, `/` is `[""]`.
    public let segments: [String]
    /// The query items in order; empty without a query.
    public let query: [QueryItem]

    /// Parses `target` as sent on the request line.
    public static func parse(_ target: String) throws(ParseError) -> RequestTarget {
        let bytes = Array(target.utf8)
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= maximumLength else { throw .tooLong(limit: maximumLength) }
        guard bytes[0] == UInt8(ascii: "/") else { throw .notOriginForm }
        let questionMark = bytes.firstIndex(of: UInt8(ascii: "?"))
        let pathEnd = questionMark ?? bytes.count

        var segments: [String] = []
        var start = 1
        while true {
            var end = start
            while end < pathEnd && bytes[end] != UInt8(ascii: "/") { end += 1 }
            let segment = try decode(bytes, start..<end, plusIsSpace: false, allowed: isPathByte)
            guard segment != "." && segment != ".." else { throw .dotSegment }
            segments.append(segment)
            guard segments.count <= maximumSegments else { throw .tooManySegments(limit: maximumSegments) }
            if end >= pathEnd { break }
            start = end + 1
        }

        var query: [QueryItem] = []
        if let questionMark {
            var start = questionMark + 1
            while start <= bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: "&") { end += 1 }
                if end > start {
                    let equals = bytes[start..<end].firstIndex(of: UInt8(ascii: "="))
                    let name = try decode(bytes, start..<(equals ?? end), plusIsSpace: true, allowed: isQueryByte)
                    let value = try equals.map { (equals) throws(ParseError) in
                        try decode(bytes, (equals + 1)..<end, plusIsSpace: true, allowed: isQueryByte)
                    }
                    query.append(QueryItem(name: name, value: value))
                    guard query.count <= maximumQueryItems else {
                        throw .tooManyQueryItems(limit: maximumQueryItems)
                    }
                }
                start = end + 1
            }
        }
        return RequestTarget(path: "/" + segments.joined(separator: "/"), segments: segments, query: query)
    }

    /// The value of the query parameter `name`; nil when absent. Given twice is an error (which one would count?).
    public func value(_ name: String) throws(QueryError) -> String? {
        var found: QueryItem?
        for item in query where item.name == name {
            guard found == nil else { throw .repeated(name: name) }
            found = item
        }
        guard let found else { return nil }
        guard let value = found.value else { throw .missingValue(name: name) }
        return value
    }

    /// The query parameter `name` as a decimal integer in `range`, or `defaultValue` when absent. Only ASCII digits
    /// with an optional leading `-` are accepted (no `+`, spaces, or hex).
    public func integer(_ name: String, default defaultValue: Int64, in range: ClosedRange<Int64>) throws(QueryError)
        -> Int64
    {
        guard let text = try value(name) else { return defaultValue }
        guard let number = Self.decimal(text) else { throw .notAnInteger(name: name) }
        guard range.contains(number) else { throw .outOfRange(name: name, range: range) }
        return number
    }

    /// Strict decimal: `-?[0-9]{1,19}`, no overflow.
    static func decimal(_ text: String) -> Int64? {
        var digits = Substring(text)
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 19 else { return nil }
        var value: Int64 = 0
        for character in digits.utf8 {
            guard character >= UInt8(ascii: "0") && character <= UInt8(ascii: "9") else { return nil }
            let (times, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = times.addingReportingOverflow(Int64(character - UInt8(ascii: "0")))
            guard !overflowA && !overflowB else { return nil }
            value = sum
        }
        return negative ? -value : value
    }

    private static func decode(
        _ bytes: [UInt8], _ range: Range<Int>, plusIsSpace: Bool, allowed: (UInt8) -> Bool
    ) throws(ParseError) -> String {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(range.count)
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < range.upperBound,
                    let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
                else { throw .badPercentEncoding(offset: index) }
                decoded.append(high << 4 | low)
                index += 3
                continue
            }
            guard allowed(byte) else { throw .invalidCharacter(offset: index) }
            decoded.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
        guard let text = String(validating: decoded, as: UTF8.self) else { throw .undecodable }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .undecodable
        }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// RFC 3986 pchar without `%` (handled apart): unreserved, sub-delims, `:` and `@`.
    private static func isPathByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default: Array("-._~!$&'()*+,;=:@".utf8).contains(byte)
        }
    }

    /// RFC 3986 query characters: pchar, `/` and `?`; `&` and `=` never reach here (they split the query).
    private static func isQueryByte(_ byte: UInt8) -> Bool {
        isPathByte(byte) || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?")
    }
}
