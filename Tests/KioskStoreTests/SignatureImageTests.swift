import Foundation
import KioskCore
import KioskIO
import KioskStore
import Testing

/// The signature PNG (issue 11, item 8) in a real SQLite file: kept with the in-flight session, moved into the
/// transaction's row by the same transaction that records it, served with the outbox entry, purged by retention, and
/// gone from the file's bytes with the checkpoint of a session that ends without it.
@Suite struct SignatureImageTests {
    /// A PNG-headed image whose bytes carry a marker that can be looked for in the database file.
    static func image(_ marker: String, size: Int = 4096) throws -> SignatureImage {
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(marker.utf8)
        png += (0..<max(0, size - png.count)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        return try SignatureImage(png: png)
    }

    static func signed(_ id: String, _ image: SignatureImage, outcome: TransactionOutcome = .completed)
        -> TransactionRecord
    {
        var record = StoreFixture.record(id, outcome: outcome)
        record.signatureSHA256 = image.sha256
        return record
    }

    @Test func image_travelsFromTheSessionIntoTheRecord_andOutWithTheOutbox() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        let image = try Self.image("SIGMARK-\(UUID().uuidString)")
        #expect(throws: StoreError.self) { try store.saveSignatureImage(image, sessionID: "T-1") }
        try store.saveCheckpoint(sessionID: "T-1", state: Data(#"{"step":"awaitingSignature"}"#.utf8))
        try store.saveSignatureImage(image, sessionID: "T-1")
        // A later checkpoint of the same session keeps it.
        try store.saveCheckpoint(sessionID: "T-1", state: Data(#"{"step":"approving"}"#.utf8))
        #expect(try store.sessionSignatureImage(sessionID: "T-1", sha256: image.sha256) == image)
        #expect(try store.sessionSignatureImage(sessionID: "T-1", sha256: String(repeating: "0", count: 64)) == nil)

        try store.complete(Self.signed("T-1", image))
        #expect(try store.loadCheckpoint() == nil)
        #expect(try store.transactionSignatureImage(id: "T-1") == image)
        let entry = try #require(try store.page(after: 0, limit: 10).entries.first)
        #expect(entry.signaturePNG.map { Array($0) } == image.png)
        // Still there after a reopen: the image is durable with its transaction.
        store.close()
        let again = try fixture.open()
        defer { again.close() }
        #expect(try again.transactionSignatureImage(id: "T-1") == image)
    }

    @Test func retention_purgesTheImage_fromTheRowAndTheFile() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        let marker = "SIGMARK-\(UUID().uuidString)"
        let image = try Self.image(marker)
        try store.saveCheckpoint(sessionID: "T-1", state: Data("{}".utf8))
        try store.saveSignatureImage(image, sessionID: "T-1")
        try store.complete(Self.signed("T-1", image))
        try store.ack(upTo: 1)
        fixture.clock.advance(seconds: 31 * 86_400)
        #expect(try store.purgePersonalData(retention: .seconds(30 * 86_400)) == 1)
        #expect(try store.transactionSignatureImage(id: "T-1") == nil)
        #expect(try store.page(after: 0, limit: 1).entries.first?.signaturePNG == nil)
        #expect(try store.truncateWriteAheadLog())
        #expect(!fileContains(fixture.path, marker))
    }

    @Test func sessionEndingWithoutItsSignature_leavesNoImageInTheFile() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        let marker = "SIGMARK-\(UUID().uuidString)"
        let image = try Self.image(marker)
        try store.saveCheckpoint(sessionID: "T-1", state: Data("{}".utf8))
        try store.saveSignatureImage(image, sessionID: "T-1")
        #expect(try store.truncateWriteAheadLog())
        #expect(fileContains(fixture.path, marker))
        // Cancelled: the record keeps no signature, so the image goes with the checkpoint.
        var cancelled = TransactionRecord(id: "T-1", kioskID: "KIOSK-0001", startedAt: fixture.clock.now)
        cancelled.outcome = .cancelled(reason: "timed-out")
        try store.complete(cancelled)
        #expect(try store.transactionSignatureImage(id: "T-1") == nil)
        #expect(try store.truncateWriteAheadLog())
        #expect(!fileContains(fixture.path, marker))
    }

    @Test func anotherSessionsCheckpoint_orADiscard_dropsTheImage() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        let image = try Self.image("first")
        try store.saveCheckpoint(sessionID: "T-1", state: Data("{}".utf8))
        try store.saveSignatureImage(image, sessionID: "T-1")
        #expect(try store.discardSignatureImage(sessionID: "T-1", sha256: String(repeating: "0", count: 64)) == false)
        #expect(try store.discardSignatureImage(sessionID: "T-1", sha256: image.sha256))
        #expect(try store.sessionSignatureImage(sessionID: "T-1", sha256: image.sha256) == nil)
        try store.saveSignatureImage(image, sessionID: "T-1")
        try store.saveCheckpoint(sessionID: "T-2", state: Data("{}".utf8))
        #expect(try store.sessionSignatureImage(sessionID: "T-2", sha256: image.sha256) == nil)
        #expect(try store.sessionSignatureImage(sessionID: "T-1", sha256: image.sha256) == nil)
    }

    @Test func imageOfAnotherHash_isNotMovedIntoTheRecord() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        let drawn = try Self.image("drawn")
        try store.saveCheckpoint(sessionID: "T-1", state: Data("{}".utf8))
        try store.saveSignatureImage(drawn, sessionID: "T-1")
        // The record names another signature (the first was refused by the authority and signed again by hash).
        try store.complete(Self.signed("T-1", try Self.image("other")))
        #expect(try store.transactionSignatureImage(id: "T-1") == nil)
    }

    @Test func outboxPage_endsEarly_onceItsImagesFillTheByteBudget() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        let count = OutboxPage.maximumPageBytes / SignatureImage.maximumBytes + 3
        for index in 0..<count {
            let id = "T-\(index)"
            let image = try Self.image("big-\(index)", size: SignatureImage.maximumBytes)
            try store.saveCheckpoint(sessionID: id, state: Data("{}".utf8))
            try store.saveSignatureImage(image, sessionID: id)
            try store.complete(Self.signed(id, image))
        }
        let first = try store.page(after: 0, limit: 1000)
        #expect(first.hasMore)
        #expect(first.entries.count < count)
        #expect(
            first.entries.reduce(0) { $0 + $1.payload.count + ($1.signaturePNG?.count ?? 0) }
                <= OutboxPage.maximumPageBytes)
        let rest = try store.page(after: first.next, limit: 1000)
        #expect(first.entries.count + rest.entries.count == count)
        #expect(!rest.hasMore)
    }

    @Test func signatureImage_refusesWhatIsNotASmallPNG() throws {
        #expect(throws: SignatureImage.Refusal.empty) { try SignatureImage(png: []) }
        #expect(throws: SignatureImage.Refusal.notPNG) { try SignatureImage(png: Array("GIF89a......".utf8)) }
        let big =
            [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 0, count: SignatureImage.maximumBytes)
        #expect(throws: SignatureImage.Refusal.tooLarge(bytes: big.count)) { try SignatureImage(png: big) }
        let image = try Self.image("x", size: SignatureImage.maximumBytes)
        #expect(image.sha256 == SHA256.hex(of: image.png))
    }
}
