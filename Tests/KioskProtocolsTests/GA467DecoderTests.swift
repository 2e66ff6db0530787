import KioskProtocols
import Testing

/// The incremental decoder on split, noisy and damaged input. Frames are from docs/device-protocols.md §1.5 and §1.6.
@Suite struct GA467DecoderTests {
    let findOK = hex("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
    let noCard = hex("AA AA AA 96 69 00 04 00 00 80 84")

    private func drain(_ decoder: inout GA467Decoder) -> [GA467DecoderOutput] {
        var out: [GA467DecoderOutput] = []
        while let next = decoder.next() { out.append(next) }
        return out
    }

    @Test func decode_oneByteAtATime_yieldsFrameOnlyWhenComplete() {
        var decoder = GA467Decoder.replies()
        var outputs: [GA467DecoderOutput] = []
        for (i, byte) in findOK.enumerated() {
            decoder.append([byte])
            let now = drain(&decoder)
            if i < findOK.count - 1 { #expect(now.isEmpty, "frame yielded early at byte \(i)") }
            outputs += now
        }
        #expect(outputs == [.frame([0x00, 0x00, 0x9F, 0x00, 0x00, 0x00, 0x00])])
    }

    @Test(arguments: [1, 2, 3, 5, 7, 13])
    func decode_twoFramesInAnyChunking_yieldsBoth(chunk: Int) {
        var decoder = GA467Decoder.replies()
        let stream = findOK + noCard
        var frames: [[UInt8]] = []
        var index = 0
        while index < stream.count {
            decoder.append(stream[index..<min(stream.count, index + chunk)])
            index += chunk
            for case .frame(let payload) in drain(&decoder) { frames.append(payload) }
        }
        #expect(frames.count == 2)
        #expect(frames.last.flatMap { GA467Response(payload: $0) }?.status == .noCard)
    }

    @Test func decode_afterGarbage_resyncsOnPreamble() {
        var decoder = GA467Decoder.replies()
        decoder.append([0x00, 0x13, 0xAA, 0x96, 0xFF, 0xAA, 0xAA] + noCard)
        let out = drain(&decoder)
        #expect(out.first == .discarded(.garbage(count: 7)))
        #expect(out.last.map { if case .frame = $0 { true } else { false } } == true)
    }

    @Test func decode_garbageEndingInPartialPreamble_keepsThePartialPreamble() {
        var decoder = GA467Decoder.replies()
        decoder.append([0x01, 0x02, 0xAA, 0xAA, 0xAA])
        #expect(decoder.next() == .discarded(.garbage(count: 2)))
        #expect(decoder.next() == nil)
        decoder.append(noCard.dropFirst(3))
        guard case .frame(let payload) = decoder.next() else { Issue.record("frame expected"); return }
        #expect(GA467Response(payload: payload)?.status == .noCard)
    }

    @Test func decode_badChecksum_isReportedAndNextFrameStillDecodes() {
        var decoder = GA467Decoder.replies()
        var damaged = noCard
        damaged[damaged.count - 1] ^= 0xFF
        decoder.append(damaged + findOK)
        let out = drain(&decoder)
        #expect(out.first == .discarded(.badChecksum(expected: 0x84, received: 0x84 ^ 0xFF)))
        #expect(out.contains(.frame([0x00, 0x00, 0x9F, 0x00, 0x00, 0x00, 0x00])))
    }

    @Test func decode_lengthBelowMinimum_isBadLength() {
        var decoder = GA467Decoder.replies()
        decoder.append(hex("AA AA AA 96 69 00 02 00 02"))
        #expect(decoder.next() == .discarded(.badLength(2)))
    }

    @Test func decode_lengthAboveMaximum_isBadLengthWithoutWaitingForIt() {
        var decoder = GA467Decoder.replies()
        decoder.append(hex("AA AA AA 96 69 FF FF 00 00 90") + noCard)
        let out = drain(&decoder)
        #expect(out.first == .discarded(.badLength(0xFFFF)))
        #expect(out.last.map { if case .frame = $0 { true } else { false } } == true)
    }

    @Test func decode_endlessNoise_keepsBufferBounded() {
        var decoder = GA467Decoder.replies()
        for _ in 0..<100 {
            decoder.append([UInt8](repeating: 0x55, count: 1000))
            _ = drain(&decoder)
        }
        #expect(decoder.bufferedCount <= 4)
    }

    @Test func decode_stalledPartialFrame_bufferStaysUnderLimit() {
        var decoder = GA467Decoder.replies()
        decoder.append(hex("AA AA AA 96 69 10 00"))
        for _ in 0..<20 { decoder.append([UInt8](repeating: 0, count: 1000)); _ = drain(&decoder) }
        #expect(decoder.bufferedCount <= decoder.bufferLimit)
    }

    @Test func reset_dropsBufferedPartialFrame() {
        var decoder = GA467Decoder.replies()
        decoder.append(noCard.prefix(8))
        decoder.reset()
        decoder.append(findOK)
        guard case .frame(let payload) = decoder.next() else { Issue.record("frame expected"); return }
        #expect(GA467Response(payload: payload)?.status == .cardFound)
    }

    // §1.6: SAM ID formatting (HSL ExtractSafeModuleNumber), 16 data bytes little-endian.
    @Test func samID_sixteenBytes_formatsAsDottedDashedNumbers() {
        let data: [UInt8] = [
            0x05, 0x00, 0x01, 0x00, 0x7E, 0xBD, 0x32, 0x01, 0x39, 0x30, 0x00, 0x00, 0xD2, 0x02, 0x96, 0x49,
        ]
        // 0x0005, 0x0001, 0x0132BD7E = 20102526, 0x00003039 = 12345, 0x499602D2 = 1234567890
        #expect(GA467SAMID(replyData: data)?.formatted == "05.01-20102526-000012345-1234567890")
    }

    @Test func samID_shortReply_isNil() {
        #expect(GA467SAMID(replyData: [UInt8](repeating: 1, count: 15)) == nil)
    }

    // §1.6 read base 30 01: [10..11] text length 01 00, [12..13] photo length 04 00.
    @Test func baseInfo_readBaseReply_splitsTextAndPhotoByDeclaredLengths() throws {
        let text = [UInt8](repeating: 0x20, count: 256)
        let photo = [UInt8](repeating: 0x57, count: 1024)
        let info = try GA467BaseInfo(replyData: [0x01, 0x00, 0x04, 0x00] + text + photo, withFingerprint: false)
        #expect(info.text == text)
        #expect(info.photo == photo)
        #expect(info.fingerprint == nil)
    }

    // §1.6 read base + FP 30 10 with fpLen = 0 (1297-byte reply).
    @Test func baseInfo_fingerprintReplyWithZeroFingerprint_yieldsEmptyFingerprint() throws {
        let data: [UInt8] = [0x01, 0x00, 0x04, 0x00, 0x00, 0x00] + [UInt8](repeating: 0x20, count: 1280)
        let info = try GA467BaseInfo(replyData: data, withFingerprint: true)
        #expect(info.fingerprint == [])
        #expect(info.photo.count == 1024)
    }

    @Test func baseInfo_fingerprintReply_yieldsAllThreeParts() throws {
        let data: [UInt8] =
            [0x01, 0x00, 0x04, 0x00, 0x04, 0x00] + [UInt8](repeating: 0x20, count: 256)
            + [UInt8](repeating: 1, count: 1024) + [UInt8](repeating: 2, count: 1024)
        let info = try GA467BaseInfo(replyData: data, withFingerprint: true)
        #expect(info.fingerprint == [UInt8](repeating: 2, count: 1024))
    }

    @Test func baseInfo_declaredLengthsBeyondData_throws() {
        #expect(throws: GA467Error.baseInfoLengthsMismatch(declared: 1284, available: 104)) {
            try GA467BaseInfo(
                replyData: [0x01, 0x00, 0x04, 0x00] + [UInt8](repeating: 0, count: 100), withFingerprint: false)
        }
    }
}
