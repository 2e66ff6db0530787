/// The SAM's identity from a `12 FF` reply: 16 data bytes shown as
/// `u16LE[0] "." u16LE[2] "-" u32LE[4] "-" u32LE[8] "-" u32LE[12]`, the second and third numbers of the dashes
/// zero-padded to 9 digits and the first two to 2 (docs/device-protocols.md §1.6, single source).
public struct GA467SAMID: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Nil unless the reply carries at least 16 data bytes.
    public init?(replyData data: [UInt8]) {
        guard data.count >= 16 else { return nil }
        bytes = Array(data.prefix(16))
    }

    /// e.g. `05.01-20101214-000012345-001234567`.
    public var formatted: String {
        func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { (0..<4).reduce(0) { $0 | Int(bytes[i + $1]) << (8 * $1) } }
        func padded(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(padded(u16(0), 2)).\(padded(u16(2), 2))-\(u32(4))-\(padded(u32(8), 9))-\(padded(u32(12), 9))"
    }

    public var description: String { formatted }
}
