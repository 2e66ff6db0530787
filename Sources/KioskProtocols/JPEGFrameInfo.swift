/// What a JPEG's marker structure says about it, read without decoding the image: a camera frame is checked with this
/// before it goes to the central identity service, so a torn or garbage frame is refused here with a reason rather
/// than by the centre (docs/camera-v4l2.md).
public struct JPEGFrameInfo: Sendable, Hashable {
    /// The largest frame we read: far above the identity service's 200 KB, far below what would hurt the daemon.
    public static let defaultMaximumBytes = 4 << 20

    /// Which start-of-frame marker the image has.
    public enum Coding: UInt8, Sendable, Hashable {
        case baseline = 0xC0
        case extendedSequential = 0xC1
        case progressive = 0xC2
    }

    public let coding: Coding
    public let width: Int
    public let height: Int
    /// 1 (grey) or 3 (YCbCr).
    public let components: Int
    /// Whether the image defines its own Huffman tables (UVC MJPEG frames do not).
    public let hasHuffmanTables: Bool
    /// Where the first SOS marker starts: where missing Huffman tables go.
    public let firstScanOffset: Int
    /// Bytes up to and including EOI; a camera may pad its buffer with zeros after it.
    public let length: Int

    /// Walks `bytes`' segments: SOI first, every segment's length inside the image, one SOF0/1/2 with a non-zero
    /// size, a scan after it and EOI at the end (only zero padding may follow).
    public init(parsing bytes: [UInt8], maximumBytes: Int = JPEGFrameInfo.defaultMaximumBytes) throws(JPEGFrameError) {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= maximumBytes else { throw .tooLarge(bytes: bytes.count, limit: maximumBytes) }
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { throw .noStartOfImage }
        var frame: (coding: Coding, width: Int, height: Int, components: Int)?
        var hasHuffman = false
        var firstScan: Int?
        var position = 2
        while true {
            let marker = try Self.marker(in: bytes, at: &position)
            switch marker {
            case 0xD8: throw .unexpectedMarker(marker, offset: position - 2)
            case 0xD9:
                guard let frame else { throw .noFrameHeader }
                guard let firstScan else { throw .noScan }
                guard bytes[position...].allSatisfy({ $0 == 0 }) else {
                    throw .dataAfterEndOfImage(bytes: bytes.count - position)
                }
                self.coding = frame.coding
                self.width = frame.width
                self.height = frame.height
                self.components = frame.components
                self.hasHuffmanTables = hasHuffman
                self.firstScanOffset = firstScan
                self.length = position
                return
            case 0x01, 0xD0...0xD7: continue  // standalone markers carry no length
            default: break
            }
            let segmentStart = position - 2
            guard position + 2 <= bytes.count else { throw .truncatedSegment(marker: marker, offset: segmentStart) }
            let length = Int(bytes[position]) << 8 | Int(bytes[position + 1])
            guard length >= 2 else { throw .badSegmentLength(marker: marker, offset: segmentStart, length: length) }
            guard position + length <= bytes.count else {
                throw .truncatedSegment(marker: marker, offset: segmentStart)
            }
            let body = bytes[(position + 2)..<(position + length)]
            position += length
            switch marker {
            case 0xC4: hasHuffman = true
            case 0xC0, 0xC1, 0xC2:
                guard frame == nil else { throw .unexpectedMarker(marker, offset: segmentStart) }
                frame = try Self.frameHeader(Coding(rawValue: marker)!, body)
            case 0xC3, 0xC5...0xC7, 0xC9...0xCB, 0xCD...0xCF: throw .unsupportedCoding(marker: marker)
            case 0xDA:
                guard frame != nil else { throw .noFrameHeader }
                if firstScan == nil { firstScan = segmentStart }
                position = try Self.endOfEntropyData(in: bytes, from: position)
            default: break  // APPn, COM, DQT, DRI, …: lengths checked, contents not ours to judge
            }
        }
    }

    /// `jpeg` trimmed at EOI, with the standard Huffman tables (ITU-T T.81 Annex K.3) inserted before the first scan
    /// when it has none: what a UVC MJPEG frame needs before any ordinary decoder (or the centre) can read it.
    public static func withStandardHuffmanTables(
        _ jpeg: [UInt8], maximumBytes: Int = JPEGFrameInfo.defaultMaximumBytes
    ) throws(JPEGFrameError) -> [UInt8] {
        let info = try JPEGFrameInfo(parsing: jpeg, maximumBytes: maximumBytes)
        if info.hasHuffmanTables { return Array(jpeg[..<info.length]) }
        var out: [UInt8] = []
        out.reserveCapacity(info.length + JPEGStandardTables.huffmanSegment.count)
        out += jpeg[..<info.firstScanOffset]
        out += JPEGStandardTables.huffmanSegment
        out += jpeg[info.firstScanOffset..<info.length]
        return out
    }

    /// Reads a marker at `position` (fill bytes 0xFF allowed before it) and moves past it.
    private static func marker(in bytes: [UInt8], at position: inout Int) throws(JPEGFrameError) -> UInt8 {
        guard position < bytes.count else { throw .noEndOfImage }
        guard bytes[position] == 0xFF else { throw .markerExpected(offset: position) }
        while position < bytes.count, bytes[position] == 0xFF { position += 1 }
        guard position < bytes.count else { throw .noEndOfImage }
        let marker = bytes[position]
        position += 1
        guard marker != 0x00 else { throw .markerExpected(offset: position - 2) }
        return marker
    }

    private static func frameHeader(
        _ coding: Coding, _ body: ArraySlice<UInt8>
    ) throws(JPEGFrameError) -> (coding: Coding, width: Int, height: Int, components: Int) {
        let b = Array(body)
        guard b.count >= 6 else { throw .badFrameHeader(why: "shorter than 6 bytes") }
        guard b[0] == 8 || (b[0] == 12 && coding != .baseline) else {
            throw .badFrameHeader(why: "sample precision \(b[0])")
        }
        let height = Int(b[1]) << 8 | Int(b[2])
        let width = Int(b[3]) << 8 | Int(b[4])
        let components = Int(b[5])
        guard width > 0, height > 0 else { throw .badFrameHeader(why: "size \(width)×\(height)") }
        guard components == 1 || components == 3 else { throw .badFrameHeader(why: "\(components) components") }
        guard b.count == 6 + 3 * components else {
            throw .badFrameHeader(why: "\(b.count) bytes for \(components) components")
        }
        return (coding, width, height, components)
    }

    /// The offset of the marker that ends a scan's entropy-coded data: 0xFF 0x00 is a stuffed byte, 0xFF 0xD0…D7 a
    /// restart marker, both inside the data.
    private static func endOfEntropyData(in bytes: [UInt8], from start: Int) throws(JPEGFrameError) -> Int {
        var position = start
        while position + 1 < bytes.count {
            if bytes[position] == 0xFF {
                let next = bytes[position + 1]
                if next == 0x00 || (0xD0...0xD7).contains(next) || next == 0xFF {
                    position += next == 0xFF ? 1 : 2
                    continue
                }
                return position
            }
            position += 1
        }
        throw .noEndOfImage
    }
}

/// Why bytes are not a JPEG frame we can use.
public enum JPEGFrameError: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    case tooLarge(bytes: Int, limit: Int)
    case noStartOfImage
    case markerExpected(offset: Int)
    case unexpectedMarker(UInt8, offset: Int)
    case truncatedSegment(marker: UInt8, offset: Int)
    case badSegmentLength(marker: UInt8, offset: Int, length: Int)
    case unsupportedCoding(marker: UInt8)
    case badFrameHeader(why: String)
    case noFrameHeader
    case noScan
    case noEndOfImage
    case dataAfterEndOfImage(bytes: Int)

    public var description: String {
        switch self {
        case .empty: "no bytes"
        case .tooLarge(let bytes, let limit): "\(bytes) bytes, over the \(limit)-byte limit"
        case .noStartOfImage: "does not start with SOI (FF D8)"
        case .markerExpected(let offset): "no marker at offset \(offset)"
        case .unexpectedMarker(let marker, let offset): "unexpected marker \(Self.hex(marker)) at offset \(offset)"
        case .truncatedSegment(let marker, let offset): "segment \(Self.hex(marker)) at offset \(offset) is cut short"
        case .badSegmentLength(let marker, let offset, let length):
            "segment \(Self.hex(marker)) at offset \(offset) has length \(length)"
        case .unsupportedCoding(let marker): "frame coding \(Self.hex(marker)) (only baseline, extended, progressive)"
        case .badFrameHeader(let why): "bad frame header: \(why)"
        case .noFrameHeader: "no frame header (SOF0/1/2) before the scan"
        case .noScan: "no scan (SOS)"
        case .noEndOfImage: "no end of image (FF D9)"
        case .dataAfterEndOfImage(let bytes): "\(bytes) bytes after the end of image"
        }
    }

    private static func hex(_ marker: UInt8) -> String {
        let digits = String(marker, radix: 16, uppercase: true)
        return "FF " + (digits.count == 1 ? "0" + digits : digits)
    }
}
