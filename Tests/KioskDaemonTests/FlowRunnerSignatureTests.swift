import Foundation
import KioskCore
import KioskSimulators
import KioskStore
import Testing

@testable import KioskDaemon

/// What the registration authority was asked (and it answers "unavailable", which hands the session off).
private actor RecordingAuthority: RegistrationAuthority {
    private(set) var requests: [ApprovalRequest] = []
    func approve(_ request: ApprovalRequest) async -> ApprovalOutcome {
        requests.append(request)
        return .unavailable(reason: "recorded")
    }
}

/// `FlowRunner.sign(png:)` on a real store file (issue 11, item 8): the image is checked, kept with the session, sent
/// with the application, and kept with the record of a hand-off after its rating.
@Suite struct FlowRunnerSignatureTests {
    static func png(_ marker: String) -> [UInt8] {
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(marker.utf8) + [UInt8](repeating: 7, count: 500)
    }

    @Test func signedImage_goesWithTheApplication_andStaysWithTheHandedOffRecord() async throws {
        let dir = try TemporaryDirectory("runner-signature")
        defer { dir.remove() }
        let store = StoreLane(try TransactionStore.open(path: dir.url.appendingPathComponent("kioskd.db").path))
        let authority = RecordingAuthority()
        let runner = FlowRunner(
            flow: LicenceFlow(),
            dependencies: .init(
                store: store,
                terminal: Terminal(
                    idReader: nil, receiptPrinter: nil, ticketDispenser: nil, licenceOutput: nil, endpoints: [:]),
                authority: authority, logger: Logger(level: .error), kioskID: "K1", renderLicence: { _ in [] },
                queueNumbering: try QueueNumbering(prefixes: ["A": "A"]),
                receiptQRURLBase: "https://example.invalid/tx/", licencePrintDeadline: .seconds(30)))
        let loop = Task { await runner.run() }

        #expect(try await runner.sign(png: Self.png("early")) == .notApplicable("no signature is expected"))
        await #expect(throws: FlowRunner.SignError.refused(.notPNG)) {
            try await runner.sign(png: Array("not a png at all".utf8))
        }
        let card = IDReaderSampleCards.resident
        let form = ApplicationForm(
            kind: .company, name: "北京景山软件有限公司", entityType: "有限责任公司（自然人独资）",
            representative: card.name, registeredCapitalWan: 100, address: PersonalText("北京市东城区景山前街4号", kind: .address),
            businessScope: "软件开发", phone: PersonalText("13800138000", kind: .phone))
        for event: FlowEvent in [
            .start(transactionID: "T1", kioskID: "K1"), .cardRead(card), .confirmIdentity, .submitForm(form),
        ] {
            #expect(try await runner.send(event) == .applied, "\(event.name)")
        }
        let first = Self.png("first")
        let second = Self.png("second")
        #expect(try await runner.sign(png: first) == .applied)
        // Signed again: the second image replaces the first.
        #expect(try await runner.sign(png: second) == .applied)
        let kept = try await store.run { try $0.sessionSignatureImage(sessionID: "T1", sha256: SHA256.hex(of: second)) }
        #expect(kept?.png == second)
        #expect(try await runner.send(.confirm(declarationAccepted: true)) == .applied)
        #expect(await FlowWaiter.wait(for: .rating, on: runner, timeout: .seconds(10)))
        let asked = try #require(await authority.requests.first)
        #expect(asked.signatureSHA256 == SHA256.hex(of: second))
        #expect(asked.signatureImage?.png == second)
        // Too late to sign now; the image that was signed stays.
        #expect(try await runner.sign(png: Self.png("late")) == .notApplicable("no signature is expected"))
        #expect(try await runner.send(.skipRating) == .applied)
        #expect(await FlowWaiter.wait(for: .handedOff, on: runner, timeout: .seconds(10)))
        await runner.stop()
        await loop.value

        let record = try await store.run { try $0.transaction(id: "T1") }
        #expect(record?.outcome == .handedOff(reason: "authority-unavailable"))
        #expect(try await store.run { try $0.transactionSignatureImage(id: "T1") }?.png == second)
        #expect(try await store.run { try $0.loadCheckpoint() } == nil)
    }
}
