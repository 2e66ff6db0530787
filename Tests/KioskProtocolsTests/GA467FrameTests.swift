import KioskProtocols
import Testing

/// Hex text → bytes, for golden frames copied from docs/device-protocols.md.
func hex(_ text: String) -> [UInt8] {
    text.split(separator: " ").compactMap { UInt8($0, radix: 16) }
}

/// Golden frames from docs/device-protocols.md §1.4 (commands) and §1.5/§1.6 (replies). Never from our encoder.
@Suite struct GA467FrameTests {
    @Test(arguments: [
        (GA467Command.reset, "AA AA AA 96 69 00 03 10 FF EC"),
        (.samStatus, "AA AA AA 96 69 00 03 11 FF ED"),
        (.samID, "AA AA AA 96 69 00 03 12 FF EE"),
        (.findCard, "AA AA AA 96 69 00 03 20 01 22"),
        (.selectCard, "AA AA AA 96 69 00 03 20 02 21"),
        (.readBaseInfo, "AA AA AA 96 69 00 03 30 01 32"),
        (.readBaseInfoWithFingerprint, "AA AA AA 96 69 00 03 30 10 23"),
        (.readAppendedAddress, "AA AA AA 96 69 00 03 30 03 30"),
        (.readManagementNumber, "AA AA AA 96 69 00 03 30 05 36"),
        (.setBaudRate(115200), "AA AA AA 96 69 00 03 60 00 63"),
        (.setMaxRFBytes(0x50), "AA AA AA 96 69 00 04 61 FF 50 CA"),
    ])
    func encodeCommand_matchesReferenceFrame(command: GA467Command, golden: String) {
        #expect(command.bytes == hex(golden))
    }

    @Test(arguments: [
        (GA467Command.reset, "AA AA AA 96 69 00 03 10 FF EC"),
        (.samStatus, "AA AA AA 96 69 00 03 11 FF ED"),
        (.samID, "AA AA AA 96 69 00 03 12 FF EE"),
        (.findCard, "AA AA AA 96 69 00 03 20 01 22"),
        (.selectCard, "AA AA AA 96 69 00 03 20 02 21"),
        (.readBaseInfo, "AA AA AA 96 69 00 03 30 01 32"),
        (.readBaseInfoWithFingerprint, "AA AA AA 96 69 00 03 30 10 23"),
        (.readAppendedAddress, "AA AA AA 96 69 00 03 30 03 30"),
        (.setMaxRFBytes(0x50), "AA AA AA 96 69 00 04 61 FF 50 CA"),
    ])
    func decodeRequest_referenceFrame_yieldsCommand(command: GA467Command, golden: String) {
        var decoder = GA467Decoder.requests()
        decoder.append(hex(golden))
        guard case .frame(let payload) = decoder.next(), let request = GA467Request(payload: payload) else {
            Issue.record("no frame decoded")
            return
        }
        #expect(GA467Command(request) == command)
        #expect(decoder.next() == nil)
    }

    @Test func setBaudRate_unsupportedRate_hasNoFrame() {
        #expect(GA467Command.setBaudRate(4800).request == nil)
        #expect(GA467Command.setBaudRate(4800).bytes.isEmpty)
    }

    // §1.4: "one code source sends find-card with CHK 0x21 (wrong; the correct XOR is 0x22)".
    @Test func decodeRequest_wrongChecksumFromTheWild_isDiscardedAsBadChecksum() {
        var decoder = GA467Decoder.requests()
        decoder.append(hex("AA AA AA 96 69 00 03 20 01 21"))
        #expect(decoder.next() == .discarded(.badChecksum(expected: 0x22, received: 0x21)))
    }

    // §1.6 find card OK (15 B).
    @Test func decodeReply_findCardOK_yieldsCardFoundWithFourDataBytes() {
        let response = decodeOneReply(hex("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"))
        #expect(response?.status == .cardFound)
        #expect(response?.data == [0, 0, 0, 0])
    }

    // §1.6 select card OK with zero data, CHK 9C (19 B).
    @Test func decodeReply_selectCardOK_yieldsSuccessWithEightDataBytes() {
        let response = decodeOneReply(hex("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C"))
        #expect(response?.status == .success)
        #expect(response?.data.count == 8)
    }

    // §1.5: 0x32 and 0x41 examples (softs.im), 0x80 (no card).
    @Test(arguments: [
        ("AA AA AA 96 69 00 04 00 00 32 36", GA467Status.samAuthenticationOfCardFailed),
        ("AA AA AA 96 69 00 04 00 00 41 45", .readFailed),
        ("AA AA AA 96 69 00 04 00 00 80 84", .noCard),
    ])
    func decodeReply_referenceErrorFrames_yieldStatus(golden: String, status: GA467Status) {
        #expect(decodeOneReply(hex(golden))?.status == status)
    }

    @Test(arguments: [
        ("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", GA467Response(status: .cardFound, data: [0, 0, 0, 0])),
        ("AA AA AA 96 69 00 04 00 00 32 36", GA467Response(status: .samAuthenticationOfCardFailed)),
        ("AA AA AA 96 69 00 04 00 00 41 45", GA467Response(status: .readFailed)),
        ("AA AA AA 96 69 00 04 00 00 80 84", GA467Response(status: .noCard)),
    ])
    func encodeReply_matchesReferenceFrame(golden: String, response: GA467Response) {
        #expect(response.bytes == hex(golden))
    }

    /// Every SW3 of §1.5 in the 11-byte error frame of §1.6 (`00 04 SW1 SW2 SW3 CHK`). The expected CHK is the
    /// rule of docs/device-protocols.md §1.3 written out here (LEN_L 04 XOR SW3, SW1 = SW2 = 0), not our encoder.
    @Test(
        arguments: [
            0x90, 0x91, 0x9F, 0x10, 0x11, 0x21, 0x23, 0x24, 0x31, 0x32, 0x33, 0x40, 0x41, 0x47, 0x60, 0x66, 0x80, 0x81,
            0xFF,
        ] as [UInt8])
    func statusFrame_everyReferenceCode_roundTrips(code: UInt8) {
        let wire: [UInt8] = [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x00, 0x00, code, 0x04 ^ code]
        let decoded = decodeOneReply(wire)
        #expect(decoded?.status.code == code)
        #expect(decoded?.status != .other(code))
        #expect(GA467Response(status: GA467Status(code: code)).bytes == wire)
    }

    @Test func status_unknownCode_passesThroughAsOther() {
        let decoded = decodeOneReply([
            0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x12, 0x34, 0x55, 0x04 ^ 0x12 ^ 0x34 ^ 0x55,
        ])
        #expect(decoded?.status == .other(0x55))
        #expect(decoded?.sw1 == 0x12)
        #expect(decoded?.sw2 == 0x34)
        #expect(GA467Status.other(0x55).reasonCode == "sw3-0x55")
    }

    @Test func status_knownList_coversEveryReferenceCodeOnce() {
        let codes = GA467Status.known.map(\.code)
        #expect(Set(codes).count == 19)
        #expect(GA467Status.known.allSatisfy { GA467Status(code: $0.code) == $0 })
    }

    @Test func status_readerFaults_areSelfTestAndAuthorisation() {
        #expect(GA467Status.samSelfTestFailed.isReaderFault)
        #expect(GA467Status.samUnauthorised.isReaderFault)
        #expect(!GA467Status.readFailed.isReaderFault)
        #expect(GA467Status.samSelfTestFailed.reasonCode == "sam-selftest-failed")
        #expect(GA467Status.samSelfTestFailed.meaning.contains("自检失败"))
    }

    private func decodeOneReply(_ bytes: [UInt8]) -> GA467Response? {
        var decoder = GA467Decoder.replies()
        decoder.append(bytes)
        guard case .frame(let payload) = decoder.next() else { return nil }
        return GA467Response(payload: payload)
    }
}
