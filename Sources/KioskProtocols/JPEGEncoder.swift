/// Our own baseline JPEG encoder for YUYV (YUV 4:2:2) camera frames. Many cameras, and the kernel's vivid test driver,
/// give only YUYV; the centre wants JPEG, so a YUYV camera is converted rather than refused (docs/camera-v4l2.md).
/// YUYV's samples are already JPEG's 4:2:2 YCbCr, so the encoder only moves them into 16×8 MCUs (two luma blocks,
/// one Cb, one Cr), stretching limited-range samples to JFIF's full range. Tables: Annex K, quantisation scaled by
/// quality the way the IJG library does.
public struct JPEGEncoder: Sendable {
    /// Where the camera's samples sit: V4L2 defaults YUV to limited range (Y 16…235, Cb/Cr 16…240).
    public enum SampleRange: Sendable, Hashable {
        case limited
        case full
    }

    /// Keeps a 640×480 face well under the identity service's 200 KB (docs/camera-v4l2.md gives the figures).
    public static let defaultQuality = 80

    public let quality: Int
    private let luminanceTable: [UInt8]
    private let chrominanceTable: [UInt8]

    public init(quality: Int = JPEGEncoder.defaultQuality) {
        self.quality = min(100, max(1, quality))
        luminanceTable = JPEGBlockTransform.quantisation(JPEGStandardTables.luminanceQuantisation, quality: quality)
        chrominanceTable = JPEGBlockTransform.quantisation(
            JPEGStandardTables.chrominanceQuantisation, quality: quality)
    }

    /// Encodes one YUYV frame: `width` even, `bytesPerLine` ≥ 2 × width (V4L2's bytesperline may pad rows).
    public func encode(
        yuyv: UnsafeRawBufferPointer, width: Int, height: Int, bytesPerLine: Int, range: SampleRange = .limited
    ) throws(JPEGEncoderError) -> [UInt8] {
        guard width > 0, height > 0, width <= 65535, height <= 65535, width % 2 == 0 else {
            throw .badSize(width: width, height: height)
        }
        guard bytesPerLine >= width * 2, yuyv.count >= bytesPerLine * (height - 1) + width * 2 else {
            throw .shortFrame(bytes: yuyv.count, expected: max(bytesPerLine, width * 2) * height)
        }
        var out = header(width: width, height: height)
        var writer = JPEGBitWriter(reservingCapacity: width * height / 4)
        var scan = JPEGScanCoder(luminance: luminanceTable, chrominance: chrominanceTable)
        let levels = SampleLevels(range)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * 64) { blocks in
            for mcuY in stride(from: 0, to: height, by: 8) {
                for mcuX in stride(from: 0, to: width, by: 16) {
                    for row in 0..<8 {
                        // Rows and columns past the edge repeat the last one (T.81 leaves padding to the encoder).
                        let line = yuyv.baseAddress! + min(mcuY + row, height - 1) * bytesPerLine
                        for column in 0..<16 {
                            let x = min(mcuX + column, width - 1)
                            let luma = line.load(fromByteOffset: x * 2, as: UInt8.self)
                            blocks[(column / 8) * 64 + row * 8 + column % 8] = levels.luma[Int(luma)]
                        }
                        for pair in 0..<8 {
                            let x = min(mcuX + pair * 2, width - 2) & ~1
                            let cb = line.load(fromByteOffset: x * 2 + 1, as: UInt8.self)
                            let cr = line.load(fromByteOffset: x * 2 + 3, as: UInt8.self)
                            blocks[128 + row * 8 + pair] = levels.chroma[Int(cb)]
                            blocks[192 + row * 8 + pair] = levels.chroma[Int(cr)]
                        }
                    }
                    scan.encode(block: blocks.baseAddress!, component: .luma, into: &writer)
                    scan.encode(block: blocks.baseAddress! + 64, component: .luma, into: &writer)
                    scan.encode(block: blocks.baseAddress! + 128, component: .blueDifference, into: &writer)
                    scan.encode(block: blocks.baseAddress! + 192, component: .redDifference, into: &writer)
                }
            }
        }
        writer.flush()
        out += writer.bytes
        out += [0xFF, 0xD9]
        return out
    }

    /// SOI, JFIF APP0, both quantisation tables, SOF0 (Y at 2×1, Cb and Cr at 1×1), the Annex K Huffman tables, SOS.
    private func header(width: Int, height: Int) -> [UInt8] {
        var bytes: [UInt8] = [0xFF, 0xD8]
        bytes += [0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0, 0]
        bytes += [0xFF, 0xDB, 0x00, 0x84, 0x00] + JPEGBlockTransform.zigZag.map { luminanceTable[$0] }
        bytes += [0x01] + JPEGBlockTransform.zigZag.map { chrominanceTable[$0] }
        bytes += [0xFF, 0xC0, 0x00, 0x11, 0x08, UInt8(height >> 8), UInt8(height & 0xFF)]
        bytes += [UInt8(width >> 8), UInt8(width & 0xFF), 0x03, 0x01, 0x21, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]
        bytes += JPEGStandardTables.huffmanSegment
        bytes += [0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3F, 0x00]
        return bytes
    }
}

/// Why a YUYV frame could not be encoded.
public enum JPEGEncoderError: Error, Sendable, Hashable, CustomStringConvertible {
    case badSize(width: Int, height: Int)
    case shortFrame(bytes: Int, expected: Int)

    public var description: String {
        switch self {
        case .badSize(let width, let height): "cannot encode a \(width)×\(height) YUYV frame (width must be even)"
        case .shortFrame(let bytes, let expected): "YUYV frame of \(bytes) bytes, expected \(expected)"
        }
    }
}

/// Camera sample → level-shifted JPEG sample (−128…127), per byte value.
private struct SampleLevels {
    let luma: [Float]
    let chroma: [Float]

    init(_ range: JPEGEncoder.SampleRange) {
        switch range {
        case .full:
            luma = (0..<256).map { Float($0) - 128 }
            chroma = luma
        case .limited:
            luma = (0..<256).map { min(127, max(-128, (Float($0) - 16) * 255 / 219 - 128)) }
            chroma = (0..<256).map { min(127, max(-128, (Float($0) - 128) * 255 / 224)) }
        }
    }
}

/// Codes blocks of one scan: DC as a difference from the component's last DC, AC as run/size symbols with ZRL and
/// EOB (ITU-T T.81 F.1.2).
struct JPEGScanCoder {
    enum Component: Int {
        case luma = 0
        case blueDifference = 1
        case redDifference = 2
    }

    private let transforms: [JPEGBlockTransform]
    private let dcCodes: [JPEGHuffmanCodes]
    private let acCodes: [JPEGHuffmanCodes]
    private var lastDC: [Int32] = [0, 0, 0]

    init(luminance: [UInt8], chrominance: [UInt8]) {
        transforms = [JPEGBlockTransform(quantisation: luminance), JPEGBlockTransform(quantisation: chrominance)]
        dcCodes = [
            JPEGHuffmanCodes(JPEGStandardTables.luminanceDC), JPEGHuffmanCodes(JPEGStandardTables.chrominanceDC),
        ]
        acCodes = [
            JPEGHuffmanCodes(JPEGStandardTables.luminanceAC), JPEGHuffmanCodes(JPEGStandardTables.chrominanceAC),
        ]
    }

    mutating func encode(block: UnsafePointer<Float>, component: Component, into writer: inout JPEGBitWriter) {
        let table = component == .luma ? 0 : 1
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 64) { coefficients in
            transforms[table].quantisedCoefficients(block, into: coefficients.baseAddress!)
            let difference = coefficients[0] - lastDC[component.rawValue]
            lastDC[component.rawValue] = coefficients[0]
            let dcSize = Self.magnitudeBits(difference)
            Self.writeSymbol(UInt8(dcSize), dcCodes[table], &writer)
            writer.write(Self.valueBits(difference, size: dcSize), count: dcSize)
            var run = 0
            for k in 1..<64 {
                let value = coefficients[k]
                if value == 0 {
                    run += 1
                    continue
                }
                while run >= 16 {
                    Self.writeSymbol(0xF0, acCodes[table], &writer)
                    run -= 16
                }
                let size = Self.magnitudeBits(value)
                Self.writeSymbol(UInt8(run << 4 | size), acCodes[table], &writer)
                writer.write(Self.valueBits(value, size: size), count: size)
                run = 0
            }
            if run > 0 { Self.writeSymbol(0x00, acCodes[table], &writer) }
        }
    }

    private static func writeSymbol(_ symbol: UInt8, _ codes: JPEGHuffmanCodes, _ writer: inout JPEGBitWriter) {
        writer.write(UInt32(codes.code[Int(symbol)]), count: Int(codes.length[Int(symbol)]))
    }

    /// The size category: bits needed for |value|.
    private static func magnitudeBits(_ value: Int32) -> Int {
        value == 0 ? 0 : 32 - value.magnitude.leadingZeroBitCount
    }

    /// T.81 F.1.2.1: a negative value is sent as value − 1 in `size` bits.
    private static func valueBits(_ value: Int32, size: Int) -> UInt32 {
        UInt32(bitPattern: value < 0 ? value - 1 : value) & ((1 << UInt32(size)) - 1)
    }
}
