import Foundation
import KioskCore
import KioskHTTP
import Testing

@testable import KioskDaemon
@testable import KioskStore

/// The event encoder writes its JSON by hand for speed; these records (slashes, quotes, control characters,
/// decimals, every outcome, purged or not) must come out byte for byte as the dictionary + `JSONSerialization`
/// encoder below wrote them, the one the centre has been reading.
@Suite struct TransactionEventTests {
    @Test func data_isByteForByteWhatJSONSerializationWrote() throws {
        for (index, record) in Self.records().enumerated() {
            for purged in [false, true] {
                for image in [nil, Self.signaturePNG] {
                    #expect(
                        TransactionEventData.json(record, purged: purged, signaturePNG: image)
                            == Reference.json(record, purged: purged, signaturePNG: image),
                        "record \(index), purged \(purged), image \(image != nil)")
                }
            }
        }
    }

    /// Bytes whose base64 has `/` and `+` in it (escaped as `\/` like every slash).
    static let signaturePNG = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0xFF, 0xFE, 0xFB, 0xEF, 0x3F, 0x00])

    @Test func data_carriesTheFiveGradeRating_andTheSignatureImage() throws {
        let record = Self.records()[1]
        let text = TransactionEventData.json(record, purged: false, signaturePNG: Self.signaturePNG)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let rating = try #require(object["rating"] as? [String: Any])
        #expect(rating["grade"] as? Int == 2)
        #expect(rating["reasons"] as? [String] == ["efficiency", "deviceFault"])
        #expect(rating["followUpConsent"] as? Bool == true)
        let signature = try #require(object["signature"] as? [String: Any])
        #expect(signature["mediaType"] as? String == "image/png")
        #expect((signature["image"] as? String).flatMap { Data(base64Encoded: $0) } == Self.signaturePNG)
        #expect(signature["sha256"] as? String == record.signatureSHA256)
        // Purged: neither the image nor its hash.
        let purged = TransactionEventData.json(record, purged: true, signaturePNG: nil)
        #expect(!purged.contains("signature"))
        #expect(purged.contains(#""grade":2"#))
    }

    @Test func data_carriesTheFaceComparison_evenWhenPurged() throws {
        for purged in [false, true] {
            let text = TransactionEventData.json(Self.records()[1], purged: purged)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let face = try #require(object["faceVerification"] as? [String: Any])
            #expect(face["decision"] as? String == "noMatch")
            #expect(face["score"] as? Double == 0.3125)
            #expect(face["attempts"] as? Int == 3)
            #expect(face.count == 3)
        }
        let unscored = TransactionEventData.json(Self.records()[2], purged: false)
        #expect(unscored.contains(#""faceVerification":{"attempts":2,"decision":"unavailable"}"#))
    }

    @Test func batch_isTheEventsInAnArray_andPullAndPushAgree() throws {
        let entries = try Self.records().enumerated().map { index, record throws in
            OutboxEntry(
                seq: Int64(index + 1), transactionID: record.id, payload: try RecordCoding.encode(record),
                createdAt: Date(timeIntervalSince1970: 1_763_800_000), ackedAt: nil)
        }
        let undecodable = OutboxEntry(
            seq: 99, transactionID: "T-x", payload: Data(#"{"not":"a record"}"#.utf8), createdAt: Date(), ackedAt: nil)
        let all = entries + [undecodable]
        let batch = String(decoding: TransactionEvent.batch(all, kioskID: "K/1"), as: UTF8.self)
        let events = all.map { TransactionEvent.json($0, kioskID: "K/1") }
        #expect(batch == "[" + events.joined(separator: ",") + "]")
        #expect(events.last?.hasSuffix(#","seq":99,"data":{"not":"a record"}}"#) == true)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(batch.utf8)) as? [[String: Any]])
        #expect(parsed.count == all.count)
        #expect(parsed.first?["source"] as? String == "urn:kioskd:K/1")
        let api = PullAPI(kioskID: "K/1", tokenSHA256: [], backend: NoBackend())
        #expect(all.map(api.event) == events)
    }

    private struct NoBackend: PullBackend {
        struct Unused: Error {}
        func page(after: Int64, limit: Int) throws -> OutboxPage { throw Unused() }
        func ack(upTo: Int64) throws -> PullAckResult { throw Unused() }
        func health() -> PullHealth? { nil }
    }

    static func records() -> [TransactionRecord] {
        let start = Date(timeIntervalSince1970: 1_763_800_000.123)
        var full = TransactionRecord(id: "T-1/\"a\"", kioskID: "K-1", startedAt: start)
        full.identityVerifiedAt = start.addingTimeInterval(10)
        full.formSubmittedAt = start.addingTimeInterval(100.25)
        full.signedAt = start.addingTimeInterval(130)
        full.approvedAt = start.addingTimeInterval(131)
        full.licencePrintedAt = start.addingTimeInterval(200)
        full.endedAt = start.addingTimeInterval(260.5)
        full.outcome = .completed
        full.cardType = .resident
        full.applicantName = PersonalText("张三丰\u{8}\u{c}\u{1}\u{7f}\u{2028}😀", kind: .name)
        full.applicantIDNumber = PersonalText("11010519491231002X", kind: .idNumber)
        full.form = ApplicationForm(
            kind: .company, name: "北京/景山 \"软件\" 有限公司\\", entityType: "有限责任公司（自然人独资）",
            representative: PersonalText("张三丰", kind: .name), registeredCapitalWan: Decimal(string: "12.5"),
            address: PersonalText("北京市东城区景山前街4号\n二层\t东", kind: .address),
            businessScope: "软件开发；信息技术咨询服务\r\u{1f}", phone: PersonalText("138-0013/8000", kind: .phone))
        full.signatureSHA256 = String(repeating: "ab", count: 32)
        full.licence = BusinessLicence(
            creditCode: "91110101MA01ABCD1X", name: "北京景山软件有限公司", entityType: "有限责任公司（自然人独资）",
            representative: "张三丰", kind: .company, registeredCapital: "壹佰万元整",
            establishedOn: CivilDate(year: 2025, month: 11, day: 22)!,
            businessTermFrom: CivilDate(year: 2025, month: 11, day: 22)!, businessTermUntil: .longTerm,
            address: "北京市东城区景山前街4号", businessScope: "软件开发", registrationAuthority: "北京市东城区市场监督管理局",
            issuedOn: CivilDate(year: 2025, month: 11, day: 22)!,
            qrPayload: "https://www.gsxt.gov.cn/91110101MA01ABCD1X")
        full.licenceJobID = 17
        full.licencePrint = .completed
        full.receiptPrint = .failed(reason: "paper-end/\"x\"")
        full.rating = ServiceRating(grade: .verySatisfied)
        full.queueTicket = "A/007"
        full.faceVerification = FaceVerificationSummary(decision: "match", score: 0.93, attempts: 1)

        var handedOff = full
        handedOff.id = "T-2"
        handedOff.outcome = .handedOff(reason: "authority/unavailable")
        handedOff.licencePrint = .unknown(reason: "timeout\n")
        handedOff.receiptPrint = nil
        handedOff.rating = ServiceRating(
            grade: .dissatisfied, reasons: [.deviceFault, .efficiency, .deviceFault], followUpConsent: true)
        handedOff.form?.registeredCapitalWan = nil
        handedOff.faceVerification = FaceVerificationSummary(decision: "noMatch", score: 0.3125, attempts: 3)

        var cancelled = TransactionRecord(id: "T-3", kioskID: "K-1", startedAt: start)
        cancelled.outcome = .cancelled(reason: "timeout")
        cancelled.faceVerification = FaceVerificationSummary(decision: "unavailable", score: nil, attempts: 2)
        cancelled.applicantName = PersonalText("李四", kind: .name)
        cancelled.form = ApplicationForm(
            kind: .individualBusiness, name: "x", entityType: "个体工商户", representative: PersonalText("", kind: .name),
            registeredCapitalWan: Decimal(string: "0.001"), address: PersonalText("", kind: .address),
            businessScope: "", phone: PersonalText("", kind: .phone))

        var bare = TransactionRecord(id: "T-4", kioskID: "K-1", startedAt: start)
        bare.cardType = .resident
        let empty = TransactionRecord(id: "T-5", kioskID: "", startedAt: Date(timeIntervalSince1970: 0))
        return [full, handedOff, cancelled, bare, empty]
    }
}

/// The encoder as it was: a dictionary per object, `JSONSerialization` with sorted keys (also the reference for the
/// events the store keeps, `StoredEventTests`).
enum Reference {
    static func json(_ record: TransactionRecord, purged: Bool, signaturePNG: Data?) -> String {
        var data: [String: Any] = ["id": record.id, "kioskID": record.kioskID]
        switch record.outcome {
        case .completed?: data["outcome"] = "completed"
        case .handedOff(let reason)?:
            data["outcome"] = "handedOff"
            data["reason"] = reason
        case .cancelled(let reason)?:
            data["outcome"] = "cancelled"
            data["reason"] = reason
        case nil: break
        }
        var times: [String: Any] = ["startedAt": PullAPI.rfc3339(record.startedAt)]
        let steps: [(String, Date?)] = [
            ("identityVerifiedAt", record.identityVerifiedAt), ("formSubmittedAt", record.formSubmittedAt),
            ("signedAt", record.signedAt), ("approvedAt", record.approvedAt),
            ("licencePrintedAt", record.licencePrintedAt), ("endedAt", record.endedAt),
        ]
        for (key, date) in steps { if let date { times[key] = PullAPI.rfc3339(date) } }
        data["times"] = times

        if purged {
            data["personalDataPurged"] = true
            if let cardType = record.cardType { data["applicant"] = ["cardType": cardType.rawValue] }
        } else {
            var applicant: [String: Any] = [:]
            if let cardType = record.cardType { applicant["cardType"] = cardType.rawValue }
            if let name = record.applicantName { applicant["name"] = name.unmasked }
            if let number = record.applicantIDNumber { applicant["idNumber"] = number.unmasked }
            if !applicant.isEmpty { data["applicant"] = applicant }
            if let hash = record.signatureSHA256 {
                var signature: [String: Any] = ["sha256": hash]
                if let png = signaturePNG {
                    signature["mediaType"] = "image/png"
                    signature["image"] = png.base64EncodedString()
                }
                data["signature"] = signature
            }
        }
        if let form = record.form {
            var fields: [String: Any] = [
                "kind": form.kind.rawValue, "name": form.name, "entityType": form.entityType,
                "businessScope": form.businessScope,
            ]
            if let capital = form.registeredCapitalWan {
                fields["registeredCapitalWan"] = NSDecimalNumber(decimal: capital)
            }
            if !purged {
                fields["representative"] = form.representative.unmasked
                fields["address"] = form.address.unmasked
                fields["phone"] = form.phone.unmasked
            }
            data["form"] = fields
        }
        if let licence = record.licence, case .completed? = record.outcome, let object = licenceJSON(licence) {
            data["licence"] = object
        }
        if let print = record.licencePrint { data["licencePrint"] = printJSON(print) }
        if let print = record.receiptPrint { data["receiptPrint"] = printJSON(print) }
        if let rating = record.rating {
            data["rating"] = [
                "grade": rating.grade.rawValue, "reasons": rating.reasons.map(\.rawValue),
                "followUpConsent": rating.followUpConsent,
            ]
        }
        if let ticket = record.queueTicket { data["queueTicket"] = ticket }
        if let face = record.faceVerification {
            var summary: [String: Any] = ["decision": face.decision, "attempts": face.attempts]
            if let score = face.score { summary["score"] = score }
            data["faceVerification"] = summary
        }
        guard let encoded = try? JSONSerialization.data(withJSONObject: data, options: [.sortedKeys]) else {
            return "{\"id\":\(HTTPResponse.jsonString(record.id))}"
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    static func licenceJSON(_ licence: BusinessLicence) -> Any? {
        guard let data = try? JSONEncoder().encode(licence) else { return nil }
        return try? JSONSerialization.jsonObject(with: data)
    }

    static func printJSON(_ outcome: PrintOutcome) -> [String: Any] {
        switch outcome {
        case .completed: ["result": "completed"]
        case .failed(let reason): ["result": "failed", "reason": reason]
        case .unknown(let reason): ["result": "unknown", "reason": reason]
        }
    }
}
