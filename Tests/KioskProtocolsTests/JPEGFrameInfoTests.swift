import KioskProtocols
import Testing

/// A baseline 8×8 grey JPEG written out segment by segment (not by our encoder): every block is mid-grey, so its one
/// scan is DC difference 0 (code 00) and end-of-block (code 1010) under the Annex K luminance tables, padded with
/// ones. `huffman: false` leaves DHT out, as UVC MJPEG cameras do.
func handMadeGreyJPEG(huffman: Bool = true, width: Int = 8, height: Int = 8) -> [UInt8] {
    var bytes: [UInt8] = [0xFF, 0xD8]
    bytes += [0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0, 0]
    bytes += [0xFF, 0xDB, 0x00, 0x43, 0x00] + [UInt8](repeating: 1, count: 64)
    bytes += [0xFF, 0xC0, 0x00, 0x0B, 0x08, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8)]
    bytes += [UInt8(width & 0xFF), 0x01, 0x01, 0x11, 0x00]
    if huffman { bytes += JPEGStandardTables.huffmanSegment }
    bytes += [0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]
    let blocks = ((width + 7) / 8) * ((height + 7) / 8)
    var bits: [Bool] = []
    for _ in 0..<blocks { bits += [false, false, true, false, true, false] }
    while bits.count % 8 != 0 { bits.append(true) }
    for index in stride(from: 0, to: bits.count, by: 8) {
        let byte = bits[index..<(index + 8)].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) }
        bytes.append(byte)
        if byte == 0xFF { bytes.append(0x00) }
    }
    return bytes + [0xFF, 0xD9]
}

@Suite struct JPEGFrameInfoTests {
    @Test func parse_handMadeBaseline_givesSizeComponentsTables() throws {
        let info = try JPEGFrameInfo(parsing: handMadeGreyJPEG(width: 24, height: 16))
        #expect(info.coding == .baseline)
        #expect(info.width == 24)
        #expect(info.height == 16)
        #expect(info.components == 1)
        #expect(info.hasHuffmanTables)
        #expect(info.length == handMadeGreyJPEG(width: 24, height: 16).count)
    }

    @Test func handMadeBaseline_isDecodedByDjpeg() throws {
        let image = try Djpeg.decode(handMadeGreyJPEG(width: 16, height: 8))
        #expect(image.width == 16 && image.height == 8 && image.channels == 1)
        #expect(image.samples.allSatisfy { $0 == 128 })
    }

    /// libjpeg-turbo fills in the Annex K tables itself when DHT is missing; a decoder at the centre need not, so
    /// the frame gets them before it leaves (docs/camera-v4l2.md).
    @Test func withoutHuffmanTables_standardTablesAreInsertedBeforeTheScan() throws {
        let bare = handMadeGreyJPEG(huffman: false)
        #expect(try JPEGFrameInfo(parsing: bare).hasHuffmanTables == false)
        let fixed = try JPEGFrameInfo.withStandardHuffmanTables(bare)
        #expect(fixed == handMadeGreyJPEG(huffman: true))
        #expect(try JPEGFrameInfo(parsing: fixed).hasHuffmanTables)
        let image = try Djpeg.decode(fixed)
        #expect(image.samples.allSatisfy { $0 == 128 })
    }

    @Test func withStandardHuffmanTables_keepsAFrameWithTables_andTrimsZeroPadding() throws {
        let jpeg = handMadeGreyJPEG()
        #expect(try JPEGFrameInfo.withStandardHuffmanTables(jpeg + [0, 0, 0, 0]) == jpeg)
    }

    @Test func standardTables_haveTheAnnexKCounts() {
        for table in [
            JPEGStandardTables.luminanceDC, JPEGStandardTables.chrominanceDC, JPEGStandardTables.luminanceAC,
            JPEGStandardTables.chrominanceAC,
        ] {
            #expect(table.counts.count == 16)
            #expect(table.counts.reduce(0) { $0 + Int($1) } == table.symbols.count)
            #expect(Set(table.symbols).count == table.symbols.count)
        }
        #expect(JPEGStandardTables.luminanceAC.symbols.count == 162)
        #expect(JPEGStandardTables.chrominanceAC.symbols.count == 162)
        #expect(JPEGStandardTables.huffmanSegment.count == 4 + 4 * 17 + 12 + 12 + 162 + 162)
    }

    @Test(arguments: [
        ([UInt8](), JPEGFrameError.empty),
        ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A], .noStartOfImage),
        ([0xFF, 0xD8, 0xFF, 0xD9], .noFrameHeader),
        ([0xFF, 0xD8, 0x12, 0x34], .markerExpected(offset: 2)),
        ([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x20, 0x00], .truncatedSegment(marker: 0xE0, offset: 2)),
        ([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01, 0xFF, 0xD9], .badSegmentLength(marker: 0xE0, offset: 2, length: 1)),
        ([0xFF, 0xD8, 0xFF, 0xD8], .unexpectedMarker(0xD8, offset: 2)),
        ([0xFF, 0xD8, 0xFF, 0xC3, 0x00, 0x02], .unsupportedCoding(marker: 0xC3)),
        ([0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02], .noFrameHeader),
    ])
    func parse_garbage_saysWhatIsWrong(bytes: [UInt8], expected: JPEGFrameError) {
        #expect(throws: expected) { try JPEGFrameInfo(parsing: bytes) }
    }

    @Test func parse_truncatedFrame_hasNoEndOfImage() {
        let jpeg = handMadeGreyJPEG()
        #expect(throws: JPEGFrameError.noEndOfImage) { try JPEGFrameInfo(parsing: Array(jpeg.dropLast(2))) }
    }

    @Test func parse_frameWithoutScan_saysNoScan() {
        let jpeg = handMadeGreyJPEG()
        let sos = jpeg.indices.first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xDA }!
        #expect(throws: JPEGFrameError.noScan) { try JPEGFrameInfo(parsing: Array(jpeg[..<sos]) + [0xFF, 0xD9]) }
    }

    @Test func parse_zeroHeight_isABadFrameHeader() {
        #expect(throws: JPEGFrameError.badFrameHeader(why: "size 8×0")) {
            try JPEGFrameInfo(parsing: handMadeGreyJPEG(width: 8, height: 0))
        }
    }

    @Test func parse_junkAfterEndOfImage_isRefused() {
        #expect(throws: JPEGFrameError.dataAfterEndOfImage(bytes: 2)) {
            try JPEGFrameInfo(parsing: handMadeGreyJPEG() + [0x12, 0x34])
        }
    }

    @Test func parse_overTheLimit_isTooLarge() {
        let jpeg = handMadeGreyJPEG()
        #expect(throws: JPEGFrameError.tooLarge(bytes: jpeg.count, limit: 100)) {
            try JPEGFrameInfo(parsing: jpeg, maximumBytes: 100)
        }
    }
}
