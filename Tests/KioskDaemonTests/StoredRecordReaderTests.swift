import Foundation
import KioskCore
import Testing

@testable import KioskDaemon
@testable import KioskStore

/// The pull API's fast reader of stored records gives exactly what `JSONDecoder` gives, or nothing (and then the
/// caller decodes with `JSONDecoder`).
@Suite struct StoredRecordReaderTests {
    /// What the store writes for `record` (the outbox payload).
    private static func payload(_ record: TransactionRecord) throws -> Data { try RecordCoding.encode(record) }

    private static func decoded(_ payload: Data) -> TransactionRecord? {
        try? RecordCoding.decode(TransactionRecord.self, from: payload, what: "test")
    }

    @Test func everyShapeOfTheEventTests_readsAsJSONDecoderReadsIt() throws {
        for record in TransactionEventTests.records() {
            let payload = try Self.payload(record)
            let fast = try #require(StoredRecordReader.record(payload), "not read: \(record.id)")
            #expect(fast == Self.decoded(payload))
            #expect(fast == Self.decoded(try Self.payload(fast)))
        }
    }

    @Test func randomRecords_readAsJSONDecoderReadsThem() throws {
        var random = SplitMix64(state: 0x5EED_0010)
        for index in 0..<400 {
            let record = Self.randomRecord(index, &random)
            let payload = try Self.payload(record)
            let fast = StoredRecordReader.record(payload)
            #expect(fast != nil, "record \(index) not read")
            #expect(fast == Self.decoded(payload), "record \(index)")
        }
    }

    /// Damaged payloads: whenever the fast reader gives a record, `JSONDecoder` gives the same one.
    @Test func damagedPayloads_neverReadDifferently() throws {
        var random = SplitMix64(state: 0xDA_0A9E)
        var readFast = 0
        for index in 0..<1000 {
            var bytes = Array(try Self.payload(Self.randomRecord(index, &random)))
            switch random.next() % 4 {
            case 0: bytes.removeLast(Int(random.next() % UInt64(bytes.count)))
            case 1: bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
            case 2:
                let at = Int(random.next() % UInt64(bytes.count))
                bytes.insert(contentsOf: Array(",\"x\":null".utf8), at: at)
            default:
                // A value of another type where a string or a date is.
                let text = String(decoding: bytes, as: UTF8.self)
                    .replacingOccurrences(of: "\"kioskID\":\"", with: "\"kioskID\":1,\"_\":\"")
                    .replacingOccurrences(of: "\"startedAt\":", with: "\"startedAt\":\"")
                bytes = Array(text.utf8)
            }
            let payload = Data(bytes)
            if let fast = StoredRecordReader.record(payload) {
                readFast += 1
                #expect(
                    fast == Self.decoded(payload),
                    "damaged record \(index): \(String(decoding: payload, as: UTF8.self))")
            }
        }
        #expect(readFast > 0)
    }

    @Test func unexpectedShapes_areLeftToJSONDecoder() {
        let start = #"{"id":"T","kioskID":"K","startedAt":1000"#
        // Keys neither knows are skipped by both, in the record and in an enum's payload alike.
        for text in [
            start + ",\"outcome\":{\"completed\":{\"extra\":1}},\"x\":[1,{\"y\":null}]}",
            start + ",\"outcome\":{\"handedOff\":{\"reason\":\"r\",\"z\":true}}}",
            // The three-valued rating of older records, and five-grade ones with optional members left out.
            start + ",\"rating\":\"good\"}", start + ",\"rating\":\"bad\"}",
            start + ",\"rating\":{\"grade\":2,\"reasons\":[\"other\",\"efficiency\"],\"followUpConsent\":true}}",
            start + ",\"rating\":{\"grade\":4}}",
        ] {
            let fast = StoredRecordReader.record(Data(text.utf8))
            #expect(fast != nil && fast == Self.decoded(Data(text.utf8)), "\(text)")
        }
        for text in [
            start + ",\"id\":\"again\"}",  // a repeated key
            start + ",\"endedAt\":1.5}",  // a fractional millisecond
            start + ",\"licenceJobID\":1e3}",
            #"{"id":"T","kioskID":"K"}"#,  // a required key missing
            "null", "[]", start + "} trailing",
        ] {
            #expect(StoredRecordReader.record(Data(text.utf8)) == nil, "\(text)")
        }
        // Not UTF-8, in a key neither uses: JSONDecoder refuses it.
        #expect(StoredRecordReader.record(Data(Array((start + ",\"").utf8) + [0xFF] + Array("\":1}".utf8))) == nil)
        let plain = StoredRecordReader.record(Data((start + ",\"rating\":null,\"queueTicket\":\"A\\u0030\\/1\"}").utf8))
        #expect(plain?.queueTicket == "A0/1")
        #expect(plain?.rating == nil)
        #expect(plain?.startedAt == Date(timeIntervalSince1970: 1))
    }

    static func randomRecord(_ index: Int, _ random: inout SplitMix64) -> TransactionRecord {
        func chance() -> Bool { random.next() % 2 == 0 }
        func text() -> String {
            let pieces = ["张三丰", "a/b", "\"q\"", "\\", "\n\t\r", "\u{1}\u{1f}", "😀", "é", "", "x y", "\u{2028}"]
            return (0..<Int(random.next() % 4)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }
                .joined()
        }
        func date() -> Date { Date(timeIntervalSince1970: Double(random.next() % 4_000_000_000_000) / 1000) }
        func personal(_ kind: PersonalText.Kind) -> PersonalText { PersonalText(text(), kind: kind) }
        func civil() -> CivilDate { CivilDate(daysSinceEpoch: Int(random.next() % 40_000)) }
        func print() -> PrintOutcome? {
            switch random.next() % 4 {
            case 0: .completed
            case 1: .failed(reason: text())
            case 2: .unknown(reason: text())
            default: nil
            }
        }
        var record = TransactionRecord(id: "T-\(index)" + text(), kioskID: "K-" + text(), startedAt: date())
        if chance() { record.identityVerifiedAt = date() }
        if chance() { record.formSubmittedAt = date() }
        if chance() { record.signedAt = date() }
        if chance() { record.approvedAt = date() }
        if chance() { record.licencePrintedAt = date() }
        if chance() { record.endedAt = date() }
        switch random.next() % 4 {
        case 0: record.outcome = .completed
        case 1: record.outcome = .handedOff(reason: text())
        case 2: record.outcome = .cancelled(reason: text())
        default: break
        }
        if chance() { record.cardType = CardType.allCases[Int(random.next() % UInt64(CardType.allCases.count))] }
        if chance() { record.applicantName = personal(.name) }
        if chance() { record.applicantIDNumber = personal(.idNumber) }
        if chance() {
            let capitals: [Decimal?] = [nil, 0, 100, Decimal(string: "12.5"), Decimal(string: "0.001")]
            record.form = ApplicationForm(
                kind: chance() ? .company : .individualBusiness, name: text(), entityType: text(),
                representative: personal(.name), registeredCapitalWan: capitals[Int(random.next() % 5)],
                address: personal(.address), businessScope: text(), phone: personal(.phone))
        }
        if chance() { record.signatureSHA256 = String(repeating: "cd", count: 32) }
        if chance() {
            let decisions = ["match", "noMatch", "unavailable", "cameraFailed"]
            let score: Double? = chance() ? Double(random.next() % 1_000_001) / 1_000_000 : nil
            record.faceVerification = FaceVerificationSummary(
                decision: decisions[Int(random.next() % 4)], score: score, attempts: 1 + Int(random.next() % 3))
        }
        if chance() {
            record.licence = BusinessLicence(
                creditCode: "91110101MA01ABCD1X", name: text(), entityType: text(), representative: text(),
                kind: chance() ? .company : .individualBusiness, registeredCapital: text(), establishedOn: civil(),
                businessTermFrom: civil(), businessTermUntil: chance() ? .longTerm : .until(civil()), address: text(),
                businessScope: text(), registrationAuthority: text(), issuedOn: civil(),
                qrPayload: "https://x/" + text())
        }
        if chance() { record.licenceJobID = Int(random.next() % 100_000) }
        record.licencePrint = print()
        record.receiptPrint = print()
        if chance() {
            let grade = ServiceGrade.allCases[Int(random.next() % UInt64(ServiceGrade.allCases.count))]
            let reasons = RatingReason.allCases.filter { _ in grade.rawValue <= 2 && chance() }
            record.rating = ServiceRating(
                grade: grade, reasons: reasons, followUpConsent: grade.rawValue <= 2 && chance())
        }
        if chance() { record.queueTicket = "A" + text() }
        return record
    }
}
