/// The USB printer class port-status byte (GET_PORT_STATUS, or `LPGETSTATUS` on usblp), docs/device-protocols.md §2.8.
/// Printers that cannot answer `DLE EOT` over a unidirectional link still report these three bits.
public struct USBPrinterPortStatus: Sendable, Hashable, Codable, CustomStringConvertible {
    public let raw: UInt8

    public init(raw: UInt8) { self.raw = raw }

    /// `LP_POUTPA` 0x20.
    public var paperEmpty: Bool { raw & 0x20 != 0 }
    /// `LP_PSELECD` 0x10: online.
    public var selected: Bool { raw & 0x10 != 0 }
    /// `LP_PERRORP` 0x08 is "not error": the error line is active low.
    public var error: Bool { raw & 0x08 == 0 }

    public var description: String {
        var parts: [String] = []
        if paperEmpty { parts.append("paper empty") }
        parts.append(selected ? "selected" : "not selected")
        if error { parts.append("error") }
        return parts.joined(separator: ", ")
    }
}

/// An IEEE 1284 device ID (`MFG:Custom;MDL:KPM180H;CMD:ESC/POS;`), from GET_DEVICE_ID or `LPIOC_GET_DEVICE_ID`.
public struct IEEE1284DeviceID: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    /// Keys as sent (`MFG`, `MANUFACTURER`, `MDL`, `MODEL`, `CMD`, ...), values trimmed.
    public let fields: [String: String]

    /// Parses the raw reply: a big-endian length that counts its own two bytes, then `KEY:value;` pairs.
    /// Lengths beyond the reply are clamped; bytes that are not UTF-8 become U+FFFD.
    public init(reply: [UInt8]) {
        var body = ArraySlice(reply)
        if reply.count >= 2 {
            let length = Int(reply[0]) << 8 | Int(reply[1])
            body = reply[2..<max(2, min(reply.count, length))]
        }
        text = String(decoding: body, as: UTF8.self)
        var fields: [String: String] = [:]
        for pair in text.split(separator: ";") {
            guard let colon = pair.firstIndex(of: ":") else { continue }
            let key = pair[..<colon].trimmingSpaces.uppercased()
            fields[key] = String(pair[pair.index(after: colon)...]).trimmingSpaces
        }
        self.fields = fields
    }

    public var manufacturer: String? { fields["MFG"] ?? fields["MANUFACTURER"] }
    public var model: String? { fields["MDL"] ?? fields["MODEL"] }
    public var commandSet: String? { fields["CMD"] ?? fields["COMMAND SET"] }
    public var description: String { text }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
