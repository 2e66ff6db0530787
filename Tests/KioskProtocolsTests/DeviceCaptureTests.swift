import KioskCore
import KioskProtocols
import Testing

/// The capture file format, its masking and the replay script, on frames built by the codecs the simulators use
/// (GA467Response, GA467BaseInfo, GA467TextBlockEncoder, ESCPOSBuilder).
@Suite struct DeviceCaptureTests {
    static let card = IdentityCard(
        cardType: .resident, name: PersonalText("李秀英", kind: .name), gender: .female, nation: "01",
        birthDate: CivilDate(year: 1949, month: 12, day: 31)!,
        address: PersonalText("北京市东城区景山前街4号", kind: .address),
        idNumber: PersonalText("11010519491231002X", kind: .idNumber), issuingAuthority: "北京市公安局东城分局",
        validFrom: CivilDate(year: 2016, month: 3, day: 1)!, validUntil: .longTerm)
    static let photo = (0..<1024).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) }

    static var baseInfoReply: [UInt8] {
        GA467Response(
            sw1: 0, sw2: 0, status: .success,
            data: GA467BaseInfo(text: GA467TextBlockEncoder.encode(card), photo: photo).replyData()
        ).bytes
    }

    static func utf16(_ text: String) -> [UInt8] { text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }

    /// A reader session: SAM status, find card, select, read base info with the reply split in three reads.
    static var readerChunks: [CaptureChunk] {
        let reply = baseInfoReply
        return [
            CaptureChunk(microseconds: 100, direction: .toDevice, bytes: GA467Command.samStatus.bytes),
            CaptureChunk(microseconds: 2_000, direction: .fromDevice, bytes: GA467Response(status: .success).bytes),
            CaptureChunk(microseconds: 80_000, direction: .toDevice, bytes: GA467Command.findCard.bytes),
            CaptureChunk(
                microseconds: 82_000, direction: .fromDevice,
                bytes: GA467Response(status: .cardFound, data: [1, 2, 3, 4]).bytes),
            CaptureChunk(microseconds: 83_000, direction: .toDevice, bytes: GA467Command.selectCard.bytes),
            CaptureChunk(
                microseconds: 90_000, direction: .fromDevice,
                bytes: GA467Response(status: .success, data: [UInt8](repeating: 0, count: 8)).bytes),
            CaptureChunk(microseconds: 91_000, direction: .toDevice, bytes: GA467Command.readBaseInfo.bytes),
            CaptureChunk(microseconds: 500_000, direction: .fromDevice, bytes: Array(reply[0..<100])),
            CaptureChunk(microseconds: 600_000, direction: .fromDevice, bytes: Array(reply[100..<700])),
            CaptureChunk(microseconds: 1_200_345, direction: .fromDevice, bytes: Array(reply[700...])),
        ]
    }

    static func deviceBytes(_ chunks: [CaptureChunk]) -> [UInt8] {
        chunks.filter { $0.direction == .fromDevice }.flatMap(\.bytes)
    }

    // MARK: format

    @Test func text_roundTrips_headerAndChunks() throws {
        let header = CaptureHeader(
            role: "idReader", transport: "serial:/dev/pts/4", version: "0.1.0", start: "2026-12-01T19:20:00Z",
            masked: false, truncated: true)
        let capture = DeviceCapture(header: header, chunks: Self.readerChunks)
        let text = capture.text
        #expect(text.hasPrefix("# kioskd-capture 1 role=idReader transport=serial:/dev/pts/4 version=0.1.0 "))
        #expect(text.contains("\n0.000100 > AAAAAA9669000311FFED\n"))
        #expect(text.contains("\n1.200345 < "))
        #expect(try DeviceCapture(parsing: text) == capture)
    }

    @Test func parsing_acceptsSpacedHexAndComments_andRejectsBadLinesByNumber() throws {
        let text = """
            # kioskd-capture 1 role=receiptPrinter transport=tcp:127.0.0.1:9100 version=0.1.0 start=x masked=yes
            # a comment
            0.5 > 10 04 01
            1.25 < 16 masked
            """
        let capture = try DeviceCapture(parsing: text)
        #expect(capture.header.role == "receiptPrinter")
        #expect(capture.header.masked)
        #expect(
            capture.chunks == [
                CaptureChunk(microseconds: 500_000, direction: .toDevice, bytes: [0x10, 0x04, 0x01]),
                CaptureChunk(microseconds: 1_250_000, direction: .fromDevice, bytes: [0x16], masked: true),
            ])
        #expect(throws: CaptureFormatError.badLine(3, "direction must be > or <, not '='")) {
            try DeviceCapture(parsing: "# kioskd-capture 1 role=idReader\n0.1 > 00\n0.2 = 00\n")
        }
        #expect(throws: CaptureFormatError.badLine(2, "the bytes are not hex pairs")) {
            try DeviceCapture(parsing: "# kioskd-capture 1 role=idReader\n0.1 > 0G\n")
        }
        #expect(throws: CaptureFormatError.missingHeader) { try DeviceCapture(parsing: "0.1 > 00\n") }
        #expect(throws: CaptureFormatError.unsupportedVersion("2")) {
            try DeviceCapture(parsing: "# kioskd-capture 2 role=idReader\n")
        }
    }

    @Test func parsing_refusesAFileOverTheLimit() {
        let big = "# kioskd-capture 1 role=idReader\n" + String(repeating: "0.1 > 00\n", count: 1_900_000)
        #expect(throws: CaptureFormatError.tooLarge(bytes: big.utf8.count, limit: DeviceCapture.maximumTextBytes)) {
            try DeviceCapture(parsing: big)
        }
    }

    // MARK: GA 467 masking

    @Test func maskGA467_fillsTextAndPhoto_keepsChunkSizesAndAValidFrame() throws {
        let original = Self.readerChunks
        let masked = CaptureMasking.maskGA467(original)
        #expect(masked.map(\.bytes.count) == original.map(\.bytes.count))
        #expect(masked.map(\.microseconds) == original.map(\.microseconds))
        // Only the three chunks of the base-info reply changed.
        #expect(masked.map(\.masked) == [false, false, false, false, false, false, false, true, true, true])
        let stream = Self.deviceBytes(masked)
        for secret in ["李秀英", "11010519491231002X", "景山前街"] {
            #expect(!contains(stream, Self.utf16(secret)), "\(secret) left in the masked trace")
        }
        var decoder = GA467Decoder.replies()
        decoder.append(stream)
        var frames: [[UInt8]] = []
        while let output = decoder.next() {
            guard case .frame(let payload) = output else {
                Issue.record("masked stream does not decode: \(output)")
                return
            }
            frames.append(payload)
        }
        #expect(frames.count == 4)
        let reply = try #require(GA467Response(payload: frames[3]))
        #expect(reply.status == .success)
        let info = try GA467BaseInfo(replyData: reply.data, withFingerprint: false)
        #expect(info.text.count == 256)
        #expect(info.text == (0..<128).flatMap { _ in CaptureMasking.textFiller })
        #expect(info.photo == [UInt8](repeating: 0, count: 1024))
        // Requests and the other replies are untouched.
        #expect(Array(masked[0..<7]) == Array(original[0..<7]))
    }

    @Test func maskGA467_keepsACorruptReplyCorrupt() {
        var chunks = Self.readerChunks
        chunks[9].bytes[chunks[9].bytes.count - 1] ^= 0x5A  // the checksum
        let masked = CaptureMasking.maskGA467(chunks)
        var decoder = GA467Decoder.replies()
        decoder.append(Self.deviceBytes(masked))
        var sawBadChecksum = false
        var frames = 0
        while let output = decoder.next() {
            if case .discarded(.badChecksum) = output { sawBadChecksum = true }
            if case .frame = output { frames += 1 }
        }
        #expect(sawBadChecksum)
        #expect(frames == 3)
        #expect(!contains(Self.deviceBytes(masked), Self.utf16("李秀英")))
    }

    @Test func maskGA467_masksAReplyCutOffByTheEndOfTheCapture() {
        let chunks = Array(Self.readerChunks.prefix(8))  // only the first 100 bytes of the reply
        #expect(contains(chunks[7].bytes, Self.utf16("李秀英")))
        let masked = CaptureMasking.maskGA467(chunks)
        #expect(masked[7].masked)
        #expect(!contains(masked[7].bytes, Self.utf16("李秀英")))
        #expect(masked[7].bytes.prefix(14) == chunks[7].bytes.prefix(14))  // header, SW and the two lengths
    }

    @Test func maskGA467_leavesAReplyToAnotherCommandAlone() {
        // The same bytes after a find-card request are not card data (and not a base-info reply at all).
        let chunks = [
            CaptureChunk(microseconds: 0, direction: .toDevice, bytes: GA467Command.findCard.bytes),
            CaptureChunk(microseconds: 1, direction: .fromDevice, bytes: Self.baseInfoReply),
        ]
        #expect(CaptureMasking.maskGA467(chunks) == chunks)
    }

    // MARK: ESC/POS masking

    @Test func maskESCPOS_masksTextBarcodeAndQR_keepsCommands() throws {
        var builder = ESCPOSBuilder(paper: .mm80)
        builder.initialize()
        builder.chineseMode(true)
        builder.bold(true)
        builder.line("申请人 李秀英")
        builder.bold(false)
        builder.pair("证件号码", "110105********002X")
        try builder.code128("Q20261201-0007")
        try builder.qrCode("https://example.invalid/t/11010519491231002X")
        builder.cut(.full)
        let job = builder.bytes
        let status = ESCPOSCommand.realTimeStatus(.printer)
        let chunks = [
            CaptureChunk(microseconds: 0, direction: .toDevice, bytes: job),
            CaptureChunk(microseconds: 10, direction: .toDevice, bytes: status),
            CaptureChunk(microseconds: 20, direction: .fromDevice, bytes: [0x16]),
        ]
        let masked = CaptureMasking.maskESCPOS(chunks)
        let out = masked[0].bytes
        #expect(out.count == job.count)
        #expect(masked[0].masked)
        #expect(Array(masked[1...]) == Array(chunks[1...]))
        for secret in ["李秀英", "Q20261201-0007", "11010519491231002X", "证件号码"] {
            let encoded = ESCPOSText(secret).bytes
            #expect(!contains(out, encoded), "\(secret) left in the masked job")
        }
        #expect(out.prefix(4) == job.prefix(4))  // ESC @, FS &
        #expect(out.suffix(ESCPOSCommand.cut(.full).count) == ESCPOSCommand.cut(.full)[...])
        // Every command byte survives: only bytes of printable runs changed, each to the filler.
        for (before, after) in zip(job, out) where before != after {
            #expect(before >= 0x20 && after == CaptureMasking.printedTextFiller)
        }
    }

    // MARK: replay script

    @Test func replayGA467_answersInOrder_andReportsUnknownRequests() {
        let capture = DeviceCapture(
            header: CaptureHeader(role: "idReader", transport: "-", version: "-", start: "-", masked: false),
            chunks: Self.readerChunks)
        var script = CaptureReplayScript(capture, framing: .ga467)
        #expect(script.exchanges.count == 4)
        #expect(script.exchanges[3].reply == Self.baseInfoReply)
        var outcome = script.receive(GA467Command.samStatus.bytes)
        #expect(outcome.replies == [GA467Response(status: .success).bytes])
        // A request the capture does not hold: no answer, reported.
        outcome = script.receive(GA467Command.samID.bytes)
        #expect(outcome.replies.isEmpty)
        #expect(outcome.unmatched == [GA467Command.samID.bytes])
        // Find card split over two writes, then select and read in one.
        let find = GA467Command.findCard.bytes
        #expect(script.receive(Array(find.prefix(4))).replies.isEmpty)
        #expect(script.receive(Array(find.dropFirst(4))).replies.count == 1)
        outcome = script.receive(GA467Command.selectCard.bytes + GA467Command.readBaseInfo.bytes)
        #expect(outcome.replies.count == 2)
        #expect(outcome.replies.last == Self.baseInfoReply)
        #expect(script.isFinished)
        // Once used, an exchange is not answered again.
        #expect(script.receive(GA467Command.readBaseInfo.bytes).unmatched.count == 1)
    }

    @Test func replayStream_answersStatusRequestsAfterAJob() {
        let status = ESCPOSCommand.realTimeStatus(.printer)
        let paper = ESCPOSCommand.realTimeStatus(.rollPaper)
        let chunks = [
            CaptureChunk(microseconds: 0, direction: .toDevice, bytes: status),
            CaptureChunk(microseconds: 1, direction: .fromDevice, bytes: [0x16]),
            CaptureChunk(microseconds: 2, direction: .toDevice, bytes: [0x1B, 0x40, 0x41, 0x42, 0x0A]),
            CaptureChunk(microseconds: 3, direction: .toDevice, bytes: paper),
            CaptureChunk(microseconds: 4, direction: .fromDevice, bytes: [0x12]),
            CaptureChunk(microseconds: 5, direction: .fromDevice, bytes: [0x00]),
        ]
        let capture = DeviceCapture(
            header: CaptureHeader(role: "receiptPrinter", transport: "-", version: "-", start: "-", masked: true),
            chunks: chunks)
        var script = CaptureReplayScript(capture, framing: .stream)
        #expect(
            script.exchanges == [.init(request: status, reply: [0x16]), .init(request: paper, reply: [0x12, 0x00])])
        #expect(script.receive(status).replies == [[0x16]])
        // The job and the next request arrive in one read, the job's text different from the capture's.
        #expect(script.receive([0x1B, 0x40, 0x2A, 0x2A, 0x0A] + paper.prefix(2)).replies.isEmpty)
        #expect(script.receive(Array(paper.dropFirst(2))).replies == [[0x12, 0x00]])
        #expect(script.isFinished)
    }

    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains {
            haystack[$0..<($0 + needle.count)].elementsEqual(needle)
        }
    }
}
