/// Replaces personal data in a capture by filler of the same length, so chunk sizes, timing and frame structure stay
/// as recorded (docs/device-capture.md §Masking). What counts as personal depends on the protocol:
///
/// - GA 467: the text block, photo and fingerprint of a read-base-info reply (`30 01` / `30 10`) and the data of an
///   appended-address reply (`30 03`). The frame's XOR checksum is adjusted by the change, so a valid frame stays
///   valid and a corrupt one stays corrupt by the same amount.
/// - ESC/POS: printable text (ASCII and GB18030) the host sends, and the data of barcodes and QR codes; command bytes
///   and their parameters are kept, so the masked job still prints the same layout.
public enum CaptureMasking {
    /// The filler for a GA 467 text block: UCS-2 `*`.
    public static let textFiller: [UInt8] = [0x2A, 0x00]
    /// The filler for photo and fingerprint bytes.
    public static let imageFiller: UInt8 = 0x00
    /// The filler for ESC/POS text.
    public static let printedTextFiller: UInt8 = 0x2A

    /// Masks the GA 467 replies that carry card data.
    public static func maskGA467(_ chunks: [CaptureChunk]) -> [CaptureChunk] {
        var stream = DirectionStream(chunks, .fromDevice)
        // The request each device chunk answers: the last complete request frame the host sent before it.
        var requests = GA467Decoder.requests()
        var lastRequest: GA467Request?
        var requestAtByte: [(start: Int, request: GA467Request?)] = []
        for (index, chunk) in chunks.enumerated() {
            if chunk.direction == .toDevice {
                requests.append(chunk.bytes)
                while let output = requests.next() {
                    if case .frame(let payload) = output { lastRequest = GA467Request(payload: payload) }
                }
            } else if let start = stream.start(ofChunk: index) {
                requestAtByte.append((start, lastRequest))
            }
        }
        func request(at byte: Int) -> GA467Request? {
            requestAtByte.last(where: { $0.start <= byte })?.request ?? nil
        }
        var bytes = stream.bytes
        var index = 0
        while let found = firstPreamble(in: bytes, from: index) {
            let header = GA467Frame.headerLength
            guard found + header <= bytes.count else { break }
            let length = Int(bytes[found + 5]) << 8 | Int(bytes[found + 6])
            guard length >= 4, length <= GA467Frame.maximumLength else {
                index = found + 1
                continue
            }
            let frameEnd = found + header + length  // one past CHK
            let dataStart = found + header + 3  // after SW1 SW2 SW3
            let dataEnd = min(frameEnd - 1, bytes.count)
            if let request = request(at: found), dataStart < dataEnd {
                let before = GA467Frame.checksum(bytes[dataStart..<dataEnd])
                maskReplyData(&bytes, from: dataStart, to: dataEnd, request: request)
                let after = GA467Frame.checksum(bytes[dataStart..<dataEnd])
                if frameEnd <= bytes.count { bytes[frameEnd - 1] ^= before ^ after }
            }
            index = min(max(frameEnd, found + 1), bytes.count)
        }
        stream.bytes = bytes
        return stream.chunks
    }

    /// Masks printed text, barcode and QR data in what the host sent to an ESC/POS printer.
    public static func maskESCPOS(_ chunks: [CaptureChunk]) -> [CaptureChunk] {
        var stream = DirectionStream(chunks, .toDevice)
        var bytes = stream.bytes
        var index = 0
        while index < bytes.count {
            let (length, maskedRange) = ESCPOSCommandLength.measure(bytes, at: index)
            if let maskedRange {
                for position in maskedRange where position < bytes.count { bytes[position] = printedTextFiller }
            }
            index += max(1, length)
        }
        stream.bytes = bytes
        return stream.chunks
    }

    private static func maskReplyData(_ bytes: inout [UInt8], from start: Int, to end: Int, request: GA467Request) {
        switch (request.command, request.parameter) {
        case (0x30, 0x01), (0x30, 0x10):
            // Keep the length fields (2 or 3 × 2 bytes); the text block is filled with UCS-2 '*', the rest with 0.
            let lengthFields = request.parameter == 0x10 ? 3 : 2
            let partsStart = start + lengthFields * 2
            guard partsStart <= end else {
                for position in start..<end { bytes[position] = imageFiller }
                return
            }
            let textLength = Int(bytes[start]) << 8 | Int(bytes[start + 1])
            let textEnd = min(end, partsStart + textLength)
            for position in partsStart..<textEnd {
                bytes[position] = textFiller[(position - partsStart) % textFiller.count]
            }
            for position in textEnd..<end { bytes[position] = imageFiller }
        case (0x30, 0x03):
            for position in start..<end { bytes[position] = imageFiller }
        default:
            break
        }
    }

    private static func firstPreamble(in bytes: [UInt8], from start: Int) -> Int? {
        let preamble = GA467Frame.preamble
        var index = start
        while index + preamble.count <= bytes.count {
            if bytes[index..<(index + preamble.count)].elementsEqual(preamble) { return index }
            index += 1
        }
        return nil
    }
}

/// The bytes of one direction laid end to end, with the way back into the chunks they came from, so masking can work
/// across chunk boundaries and still leave every chunk its recorded length.
struct DirectionStream {
    private var original: [CaptureChunk]
    private let direction: CaptureDirection
    /// For each chunk of `direction`: (chunk index, first byte in `bytes`).
    private var starts: [(chunk: Int, start: Int)] = []
    var bytes: [UInt8] = []

    init(_ chunks: [CaptureChunk], _ direction: CaptureDirection) {
        original = chunks
        self.direction = direction
        for (index, chunk) in chunks.enumerated() where chunk.direction == direction {
            starts.append((index, bytes.count))
            bytes += chunk.bytes
        }
    }

    func start(ofChunk index: Int) -> Int? { starts.first(where: { $0.chunk == index })?.start }

    /// The chunks with `bytes` written back; a chunk whose bytes changed is marked `masked`.
    var chunks: [CaptureChunk] {
        var result = original
        for (chunk, start) in starts {
            let count = original[chunk].bytes.count
            let replaced = Array(bytes[start..<(start + count)])
            if replaced != original[chunk].bytes {
                result[chunk].bytes = replaced
                result[chunk].masked = true
            }
        }
        return result
    }
}

/// How long the ESC/POS command at a position is, and which of its bytes carry printed content (text, barcode or QR
/// data), for the commands docs/device-protocols.md §2 lists. Unknown commands count as their introducer plus one
/// byte: their parameters, if printable, are then masked too, which costs fidelity but never leaks.
enum ESCPOSCommandLength {
    static func measure(_ bytes: [UInt8], at index: Int) -> (length: Int, masked: Range<Int>?) {
        let available = bytes.count - index
        func byte(_ offset: Int) -> Int { index + offset < bytes.count ? Int(bytes[index + offset]) : 0 }
        switch bytes[index] {
        case 0x10:  // DLE EOT n, DLE DC4 fn m t
            return (byte(1) == 0x14 ? 5 : byte(1) == 0x04 ? 3 : 2, nil)
        case 0x1B:
            switch byte(1) {
            case 0x40, 0x32: return (2, nil)
            case 0x70: return (5, nil)
            default: return (3, nil)
            }
        case 0x1C:
            switch byte(1) {
            case 0x21, 0x57, 0x2D: return (3, nil)
            default: return (2, nil)
            }
        case 0x1D:
            switch byte(1) {
            case 0x56: return (byte(2) == 0x41 || byte(2) == 0x42 ? 4 : 3, nil)
            case 0x6B where byte(2) <= 6:
                var end = 3
                while end < available, byte(end) != 0 { end += 1 }
                return (end + 1, (index + 3)..<(index + end))
            case 0x6B:
                let count = byte(3)
                return (4 + count, (index + 4)..<(index + 4 + count))
            case 0x28:
                let length = 5 + byte(3) + 256 * byte(4)
                // GS ( k … 31 50 30 DATA: store QR data.
                if byte(2) == 0x6B, byte(5) == 0x31, byte(6) == 0x50, length > 8 {
                    return (length, (index + 8)..<(index + length))
                }
                return (length, nil)
            case 0x65:
                switch byte(2) {
                case 0x03: return (4, nil)
                case 0x20: return (5, nil)
                default: return (3, nil)
                }
            case 0x52: return (byte(2) == 0x31 ? 4 : 3, nil)
            case 0x4C, 0x57: return (4, nil)
            case 0x76 where byte(2) == 0x30:  // GS v 0 m xL xH yL yH raster
                return (8 + (byte(4) + 256 * byte(5)) * (byte(6) + 256 * byte(7)), nil)
            default: return (3, nil)
            }
        case 0x00..<0x20, 0x7F:
            return (1, nil)
        default:
            var end = index
            while end < bytes.count, bytes[end] >= 0x20, bytes[end] != 0x7F { end += 1 }
            return (end - index, index..<end)
        }
    }
}
