import Foundation
import Testing

@testable import KioskDocuments

/// Our deflate output inflated by a real zlib (Python's, python3 from scripts/install-deps.sh) gives back the input.
@Suite struct FlateEncoderTests {
    static func inflated(_ compressed: [UInt8]) throws -> [UInt8]? {
        guard ExternalTools.path(of: "python3") != nil else {
            if LicenceFontFixtures.inCI { throw ExternalTools.ToolMissing(description: "python3 is missing") }
            print("⚠️  SKIPPED FlateEncoderTests: python3 is missing")
            return nil
        }
        let directory = try ExternalTools.temporaryDirectory("flate")
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.z")
        try Data(compressed).write(to: input)
        let result = try ExternalTools.run(
            "python3",
            [
                "-c", "import sys, zlib; sys.stdout.write(zlib.decompress(open(sys.argv[1], 'rb').read()).hex())",
                input.path,
            ])
        #expect(result.status == 0, "zlib refused our stream")
        let hex = Array(result.output.utf8)
        func nibble(_ digit: UInt8) -> UInt8 { digit <= 0x39 ? digit - 0x30 : digit - 0x61 + 10 }
        let bytes = stride(from: 0, to: hex.count - 1, by: 2).map { nibble(hex[$0]) << 4 | nibble(hex[$0 + 1]) }
        return bytes
    }

    @Test func inputs_roundTripThroughZlib() throws {
        var generator = SplitMix(seed: 7)
        let noise = (0..<20_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let repetitive = [UInt8](repeating: 0x41, count: 30_000)
        let text = Array(String(repeating: "技术开发、技术咨询、技术服务；", count: 100).utf8)
        // Long-distance repeats and matches of every length, including 258.
        var mixed: [UInt8] = []
        for length in 1...300 {
            mixed += noise[length..<(length * 7 % 900 + length + 1)] + [UInt8](repeating: 7, count: length)
        }
        for input in [[], [0x00], [1, 2], noise, repetitive, text, mixed] as [[UInt8]] {
            let compressed = FlateEncoder.zlib(input)
            guard let back = try Self.inflated(compressed) else { return }
            #expect(back == input, "round trip of \(input.count) bytes")
        }
        #expect(FlateEncoder.zlib(repetitive).count < 1_000)
        #expect(FlateEncoder.zlib(text).count < text.count / 10)
    }

    @Test func umingSubset_compressesByAtLeastAThird() throws {
        guard let font = try LicenceFontFixtures.font(LicenceFontFixtures.uming, package: "fonts-arphic-uming")
        else { return }
        let subset = TrueTypeSubset(font: font, characters: try LicenceFontEmbeddingTests.sampleCharacters())
        let compressed = FlateEncoder.zlib(subset.bytes)
        #expect(compressed.count < subset.bytes.count * 2 / 3, "\(compressed.count) of \(subset.bytes.count)")
        #expect(try Self.inflated(compressed).map { $0 == subset.bytes } ?? true)
    }
}

/// A small deterministic generator for test noise.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
