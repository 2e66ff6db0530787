import Foundation
import KioskProtocols
import Testing

/// A synthetic camera picture in YUYV, limited range: a luma gradient with a bright disc and bars, chroma ramps, and a
/// little deterministic noise so it is not unnaturally easy to compress.
struct SyntheticYUYV {
    let width: Int
    let height: Int
    let bytes: [UInt8]

    init(width: Int, height: Int, padding: Int = 0) {
        self.width = width
        self.height = height
        var bytes = [UInt8](repeating: 0, count: (width * 2 + padding) * height)
        var noise: UInt32 = 12345
        func jitter() -> Int {
            noise = noise &* 1_103_515_245 &+ 12345
            return Int((noise >> 16) % 7) - 3
        }
        for y in 0..<height {
            for x in 0..<width {
                let dx = x - width / 2
                let dy = y - height / 2
                var luma = 40 + 150 * x / max(1, width - 1)
                if dx * dx + dy * dy < (height / 4) * (height / 4) { luma = 200 }
                if (x / 24) % 5 == 0, y < height / 5 { luma = 30 }
                bytes[y * (width * 2 + padding) + x * 2] = UInt8(min(235, max(16, luma + jitter())))
            }
            for pair in 0..<(width / 2) {
                let base = y * (width * 2 + padding) + pair * 4
                bytes[base + 1] = UInt8(70 + 110 * y / max(1, height - 1))
                bytes[base + 3] = UInt8(180 - 100 * pair / max(1, width / 2 - 1))
            }
        }
        self.bytes = bytes
    }

    var bytesPerLine: Int { bytes.count / height }

    /// What a JFIF decoder should give back: limited-range BT.601 to RGB (nearest chroma), and the full-range luma.
    func expected(channels: Int) -> [UInt8] {
        var out: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                let line = y * bytesPerLine
                let luma = (Double(bytes[line + x * 2]) - 16) * 255 / 219
                if channels == 1 {
                    out.append(UInt8(min(255, max(0, luma.rounded()))))
                    continue
                }
                let cb = (Double(bytes[line + (x / 2) * 4 + 1]) - 128) * 255 / 224
                let cr = (Double(bytes[line + (x / 2) * 4 + 3]) - 128) * 255 / 224
                for value in [luma + 1.402 * cr, luma - 0.344136 * cb - 0.714136 * cr, luma + 1.772 * cb] {
                    out.append(UInt8(min(255, max(0, value.rounded()))))
                }
            }
        }
        return out
    }
}

func peakSignalToNoise(_ a: [UInt8], _ b: [UInt8]) -> Double {
    precondition(a.count == b.count)
    let squared = zip(a, b).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) }
    let mean = squared / Double(a.count)
    return mean == 0 ? .infinity : 10 * log10(255 * 255 / mean)
}

@Suite struct JPEGEncoderTests {
    func encode(_ image: SyntheticYUYV, quality: Int = JPEGEncoder.defaultQuality) throws -> [UInt8] {
        try image.bytes.withUnsafeBytes { raw in
            try JPEGEncoder(quality: quality).encode(
                yuyv: raw, width: image.width, height: image.height, bytesPerLine: image.bytesPerLine)
        }
    }

    @Test(arguments: [(640, 480, 0), (64, 48, 0), (50, 30, 12), (2, 1, 0)])
    func encode_isDecodedByDjpeg_atPSNRAbove30(width: Int, height: Int, padding: Int) throws {
        let image = SyntheticYUYV(width: width, height: height, padding: padding)
        let jpeg = try encode(image)
        let info = try JPEGFrameInfo(parsing: jpeg)
        #expect(info.width == width && info.height == height && info.components == 3 && info.hasHuffmanTables)
        let grey = try Djpeg.decode(jpeg, options: ["-grayscale"])
        #expect(grey.width == width && grey.height == height)
        let lumaPSNR = peakSignalToNoise(grey.samples, image.expected(channels: 1))
        let colour = try Djpeg.decode(jpeg, options: ["-nosmooth"])
        let colourPSNR = peakSignalToNoise(colour.samples, image.expected(channels: 3))
        print("JPEGEncoder \(width)×\(height): \(jpeg.count) bytes, luma PSNR \(lumaPSNR) dB, RGB \(colourPSNR) dB")
        #expect(lumaPSNR >= 30)
        #expect(colourPSNR >= 30)
    }

    @Test func encode640x480_atDefaultQuality_staysUnder200KB() throws {
        let image = SyntheticYUYV(width: 640, height: 480)
        let started = ContinuousClock.now
        let jpeg = try encode(image)
        print(
            "JPEGEncoder 640×480 q\(JPEGEncoder.defaultQuality): \(jpeg.count) bytes in \(ContinuousClock.now - started)"
        )
        #expect(jpeg.count <= 200 * 1024)
        #expect(jpeg.count > 5 * 1024)
    }

    @Test func lowerQuality_givesSmallerFrames() throws {
        let image = SyntheticYUYV(width: 160, height: 120)
        let sizes = try [95, 80, 50, 20].map { try encode(image, quality: $0).count }
        #expect(sizes == sizes.sorted(by: >))
        #expect(Set(sizes).count == sizes.count)
    }

    @Test func encode_refusesOddWidthAndShortFrames() {
        let bytes = [UInt8](repeating: 0x80, count: 100)
        bytes.withUnsafeBytes { raw in
            #expect(throws: JPEGEncoderError.badSize(width: 3, height: 2)) {
                try JPEGEncoder().encode(yuyv: raw, width: 3, height: 2, bytesPerLine: 6)
            }
            #expect(throws: JPEGEncoderError.shortFrame(bytes: 100, expected: 160)) {
                try JPEGEncoder().encode(yuyv: raw, width: 10, height: 8, bytesPerLine: 20)
            }
        }
    }
}

/// Our Huffman tables are the Annex K ones: a frame of ours with its DHT cut out, decoded by libjpeg-turbo with its
/// built-in standard tables, gives the same pixels as with our DHT. Every symbol of the 640×480 picture is coded with
/// our tables, so a wrong code length or symbol order shows as different pixels or a decoder error.
@Test func encoderOutput_withoutItsDHT_decodesIdentically() throws {
    let image = SyntheticYUYV(width: 320, height: 240)
    let jpeg = try image.bytes.withUnsafeBytes { raw in
        try JPEGEncoder().encode(yuyv: raw, width: image.width, height: image.height, bytesPerLine: image.bytesPerLine)
    }
    let segment = JPEGStandardTables.huffmanSegment
    let start = try #require(
        jpeg.indices.first { jpeg[$0...].starts(with: segment) })
    let bare = Array(jpeg[..<start]) + jpeg[(start + segment.count)...]
    #expect(try JPEGFrameInfo(parsing: bare).hasHuffmanTables == false)
    #expect(try Djpeg.decode(bare).samples == Djpeg.decode(jpeg).samples)
    #expect(try JPEGFrameInfo.withStandardHuffmanTables(bare) == jpeg)
}
