import Foundation
import Glibc
import KioskCore
import KioskHTTP
import KioskIO
import KioskSimulators
import Testing

@testable import KioskDaemon

/// Approvals kept in memory for these tests (the daemon keeps them in the store: authorityApproval /
/// recordAuthorityApproval); first one written wins, like the store's.
private actor MemoryApprovals: ApprovalRecords {
    private(set) var approvals: [String: BusinessLicence] = [:]
    func approval(transactionID: String) async throws -> BusinessLicence? { approvals[transactionID] }
    func record(transactionID: String, licence: BusinessLicence) async throws -> BusinessLicence {
        if let stored = approvals[transactionID] { return stored }
        approvals[transactionID] = licence
        return licence
    }
}

/// The central authority against the central simulator as a real process over pinned TLS.
@Suite(.serialized) struct CentralAuthorityTests {
    private func request(_ id: String) -> ApprovalRequest {
        ApprovalRequest(
            transactionID: id, identity: IDReaderSampleCards.resident,
            form: ApplicationForm(
                kind: .company, name: "北京景山软件有限公司", entityType: "有限责任公司（自然人独资）",
                representative: PersonalText("张三丰", kind: .name), registeredCapitalWan: 100,
                address: PersonalText("北京市东城区景山前街4号", kind: .address), businessScope: "软件开发",
                phone: PersonalText("13800138000", kind: .phone)),
            date: CivilDate(year: 2026, month: 12, day: 1)!, signatureSHA256: String(repeating: "5a", count: 32))
    }

    private func authority(
        _ centre: CentralSimulatorProcess, _ directory: URL, records: any ApprovalRecords,
        timeout: Duration = .seconds(20),
        pin: String? = nil
    ) throws -> CentralAuthority {
        let push = try centre.pushConfig(directory: directory)
        let config = RegistrationConfig(
            url: try #require(HTTPSURL(centre.url + "/v1/registrations")), tokenFile: push["tokenFile"] as! String,
            verification: try #require(PeerVerification.pin(hex: pin ?? centre.certificateSHA256)), timeout: timeout)
        return try CentralAuthority(config: config, records: records)
    }

    @Test func applicationJSON_carriesTheSignatureImage_withItsHash() throws {
        let image = try SignatureImage(png: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0xFB, 0xFF])
        var signed = request("T-1")
        signed.signatureSHA256 = image.sha256
        signed.signatureImage = image
        let body = try #require(
            try JSONSerialization.jsonObject(with: Data(CentralAuthority.applicationJSON(signed))) as? [String: Any])
        let signature = try #require(body["signature"] as? [String: Any])
        #expect(signature["sha256"] as? String == image.sha256)
        #expect(signature["mediaType"] as? String == "image/png")
        #expect((signature["image"] as? String).flatMap { Data(base64Encoded: $0) }.map(Array.init) == image.png)
        // Only the hash when the image is not the one signed (or there is none).
        var other = request("T-2")
        other.signatureImage = image
        let hashOnly = try #require(
            try JSONSerialization.jsonObject(with: Data(CentralAuthority.applicationJSON(other))) as? [String: Any])
        #expect((hashOnly["signature"] as? [String: Any])?.keys.sorted() == ["sha256"])
    }

    @Test func approve_givesAValidLicence_storedFirst_andARepeatIsNotAskedAgain() async throws {
        let directory = try TemporaryDirectory("central-authority")
        defer { directory.remove() }
        let centre = try CentralSimulatorProcess(directory: directory.url)
        let records = MemoryApprovals()
        let authority = try authority(centre, directory.url, records: records)
        let outcome = await authority.approve(request("T-1"))
        guard case .approved(let licence) = outcome else {
            Issue.record("expected approval, got \(outcome)")
            return
        }
        #expect(try CreditCodeValidator.validate(licence.creditCode).get().code == licence.creditCode)
        #expect(licence.name == "北京景山软件有限公司")
        #expect(licence.representative == "张三丰")
        #expect(await records.approvals["T-1"] == licence)
        #expect(try centre.received()["registrationRequests"] as? Int == 1)

        // A repeat (resumed session, restart) returns the stored decision without asking again, whatever the centre
        // would say now.
        try centre.setMode(["registration": "reject"])
        #expect(await authority.approve(request("T-1")) == .approved(licence))
        #expect(try centre.received()["registrationRequests"] as? Int == 1)
    }

    @Test func reject_givesTheCentresReasons_unavailableAndSlow_areUnavailable() async throws {
        let directory = try TemporaryDirectory("central-authority-modes")
        defer { directory.remove() }
        let centre = try CentralSimulatorProcess(directory: directory.url, arguments: ["--registration", "reject"])
        let records = MemoryApprovals()
        let authority = try authority(centre, directory.url, records: records, timeout: .seconds(1))
        #expect(await authority.approve(request("T-1")) == .rejected(reasons: ["name: the name is already registered"]))

        try centre.setMode(["registration": "unavailable"])
        guard case .unavailable(let reason) = await authority.approve(request("T-2")) else {
            Issue.record("a 503 must be unavailable")
            return
        }
        #expect(reason.contains("503"))

        try centre.setMode(["registration": "slow", "slowSeconds": 3.0])
        let started = ContinuousClock.now
        guard case .unavailable(let slow) = await authority.approve(request("T-3")) else {
            Issue.record("a timeout must be unavailable")
            return
        }
        #expect(slow.contains("timed out"))
        #expect(ContinuousClock.now - started < .seconds(2.5))
        #expect(await records.approvals.isEmpty)
    }

    @Test func wrongPin_isUnavailable_andNothingIsSent() async throws {
        let directory = try TemporaryDirectory("central-authority-pin")
        defer { directory.remove() }
        let centre = try CentralSimulatorProcess(directory: directory.url)
        let authority = try authority(
            centre, directory.url, records: MemoryApprovals(), pin: String(repeating: "00", count: 32))
        guard case .unavailable(let reason) = await authority.approve(request("T-1")) else {
            Issue.record("an untrusted centre must be unavailable")
            return
        }
        #expect(reason.contains("refused"))
        #expect(try centre.received()["registrationRequests"] as? Int == 0)
    }

    @Test func decisions_malformedAnswersAreUnavailable() {
        let invalidCode =
            "{\"decision\":\"approved\",\"licence\":{\"creditCode\":\"91110101MA01ABCD10\",\"name\":\"x\"}}"
        for (status, body) in [
            (200, "{\"decision\":\"maybe\"}"), (200, "not json"), (200, invalidCode), (401, "{}"),
            (500, "{\"decision\":\"approved\"}"),
        ] {
            guard case .unavailable = CentralAuthority.decision(status: status, body: Array(body.utf8)) else {
                Issue.record("\(status) \(body) should be unavailable")
                continue
            }
        }
        let rejected = CentralAuthority.decision(
            status: 200, body: Array("{\"decision\":\"rejected\",\"reasons\":[{\"message\":\"no\"}]}".utf8))
        #expect(rejected == .rejected(reasons: ["no"]))
    }

    @Test func application_carriesTheTransactionIDApplicantFormAndSignature() throws {
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(CentralAuthority.applicationJSON(request("T-9"))))
                as? [String: Any])
        #expect(object["transactionID"] as? String == "T-9")
        #expect(object["date"] as? String == "2026-12-01")
        #expect((object["applicant"] as? [String: Any])?["idNumber"] as? String == "11010519491231002X")
        #expect((object["form"] as? [String: Any])?["phone"] as? String == "13800138000")
        #expect((object["signature"] as? [String: Any])?["sha256"] as? String == String(repeating: "5a", count: 32))
    }
}
