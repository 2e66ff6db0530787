import Foundation

/// GB18030's one- and two-byte codes for the Basic Multilingual Plane, built once from Foundation's converter
/// (docs/device-protocols.md §6) so encoding a receipt is a table lookup per character instead of a converter call.
enum GB18030Table {
    /// Index: BMP scalar value. Value: lead << 8 | trail for two-byte codes; the byte itself below 0x80;
    /// 0 for surrogates and for characters GB18030 encodes with four bytes.
    static let twoByte: [UInt16] = build()

    private static func build() -> [UInt16] {
        var table = [UInt16](repeating: 0, count: 0x10000)
        for v in 0..<0x80 { table[v] = UInt16(v) }
        var scalars = String.UnicodeScalarView()
        var order: [Int] = []
        order.reserveCapacity(0x10000)
        for v in 0x80..<0x10000 {
            guard let scalar = Unicode.Scalar(UInt32(v)) else { continue }  // surrogates
            scalars.append(scalar)
            order.append(v)
        }
        guard let data = String(scalars).data(using: ESCPOSText.gb18030) else { return table }
        let bytes = [UInt8](data)
        // GB18030 is self-delimiting: a trail byte 0x30–0x39 marks a four-byte sequence.
        var i = 0
        var k = 0
        while i < bytes.count, k < order.count {
            let lead = bytes[i]
            if lead < 0x80 {
                i += 1
            } else if i + 1 < bytes.count, (0x30...0x39).contains(bytes[i + 1]) {
                i += 4
            } else if i + 1 < bytes.count {
                table[order[k]] = UInt16(lead) << 8 | UInt16(bytes[i + 1])
                i += 2
            } else {
                break
            }
            k += 1
        }
        return table
    }
}
