import Foundation
import KioskCore
import KioskIO
import KioskStore
import Testing

/// The event the store keeps with each outbox entry (docs/ARCHITECTURE.md §15), in a real SQLite file: rendered by
/// the renderer passed in, in the transaction that records the entry, again in the one that purges it, and for old
/// entries by `renderMissingEvents`. The renderer here writes what it was given, so each test sees exactly which
/// entry the store rendered; the central encoder's own bytes are checked in KioskDaemonTests.
@Suite struct OutboxEventTests {
    /// Every field the store hands the renderer, the payload last.
    static let renderer: OutboxEventRenderer = { entry in
        let purged = entry.personalDataPurgedAt.map { String($0.unixMilliseconds) } ?? "-"
        let png = entry.signaturePNG.map { $0.base64EncodedString() } ?? "-"
        return Array(
            "seq=\(entry.seq) id=\(entry.transactionID) created=\(entry.createdAt.unixMilliseconds) purged=\(purged) "
                .utf8) + Array("png=\(png) ".utf8) + Array(entry.payload)
    }

    static func text(_ event: Data?) -> String? { event.map { String(decoding: $0, as: UTF8.self) } }

    @Test func complete_withARenderer_storesTheEventOfTheEntryWithItsSeqAndSignatureImage() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open(eventRenderer: Self.renderer)
        defer { store.close() }
        try store.complete(StoreFixture.record("T-1"))
        let image = try SignatureImageTests.image("MARK")
        try store.saveCheckpoint(sessionID: "T-2", state: Data("{}".utf8))
        try store.saveSignatureImage(image, sessionID: "T-2")
        try store.complete(SignatureImageTests.signed("T-2", image))

        let entries = try store.page(after: 0, limit: 10).entries
        #expect(entries.count == 2)
        for entry in entries {
            let png = entry.signaturePNG.map { $0.base64EncodedString() } ?? "-"
            #expect(
                Self.text(entry.event)
                    == "seq=\(entry.seq) id=\(entry.transactionID) created=\(entry.createdAt.unixMilliseconds) "
                    + "purged=- png=\(png) " + String(decoding: entry.payload, as: UTF8.self))
        }
        #expect(entries.map(\.seq) == [1, 2])
        #expect(entries[1].signaturePNG.map(Array.init) == image.png)
        #expect(Self.text(entries[0].event)?.contains("png=- ") == true)
    }

    @Test func complete_withoutARenderer_storesNoEvent_andARepeatKeepsTheFirst() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        do {
            let plain = try fixture.open()
            defer { plain.close() }
            try plain.complete(StoreFixture.record("T-1"))
            #expect(try plain.page(after: 0, limit: 10).entries.first?.event == nil)
        }
        let store = try fixture.open(eventRenderer: Self.renderer)
        defer { store.close() }
        // A retry of a recorded transaction writes nothing: no event appears for it.
        #expect(try store.complete(StoreFixture.record("T-1")).wasAlreadyRecorded)
        #expect(try store.page(after: 0, limit: 10).entries.first?.event == nil)
        // `renderMissingEvents` renders it, and nothing the second time.
        #expect(try store.renderMissingEvents() == 1)
        #expect(try store.renderMissingEvents() == 0)
        let entry = try #require(try store.page(after: 0, limit: 10).entries.first)
        #expect(Self.text(entry.event)?.hasPrefix("seq=1 id=T-1 ") == true)
    }

    @Test func renderMissingEvents_goesBatchByBatch_andRendersPurgedEntriesAsPurged() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        do {
            let plain = try fixture.open()
            defer { plain.close() }
            for index in 1...7 { try plain.complete(StoreFixture.record("T-\(index)")) }
            fixture.clock.advance(seconds: 31 * 86_400)
            #expect(try plain.purgePersonalData(olderThan: .seconds(30 * 86_400), from: .ended) == 7)
            for index in 8...12 { try plain.complete(StoreFixture.record("T-\(index)")) }
        }
        let store = try fixture.open(eventRenderer: Self.renderer)
        defer { store.close() }
        #expect(try store.renderMissingEvents(batchLimit: 5) == 12)
        let entries = try store.page(after: 0, limit: 20).entries
        #expect(entries.count == 12)
        for entry in entries {
            let event = try #require(Self.text(entry.event))
            #expect(event.hasPrefix("seq=\(entry.seq) id=\(entry.transactionID) "))
            #expect(event.contains("purged=-") == (entry.seq > 7), "\(entry.seq)")
        }
        #expect(throws: StoreError.self) { try store.renderMissingEvents(batchLimit: 0) }
    }

    /// The purge renders the stored event again from the purged record, in its own transaction: afterwards neither
    /// the record nor the event holds the name, ID number, phone, address or image — not in the file, not in the WAL.
    @Test func purge_rendersTheStoredEventAgain_andNoPersonalBytesRemainInTheFileOrTheWAL() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open(eventRenderer: Self.renderer)
        defer { store.close() }
        let image = try SignatureImageTests.image("SIGNATURE-MARK")
        try store.saveCheckpoint(sessionID: "T-1", state: Data("{}".utf8))
        try store.saveSignatureImage(image, sessionID: "T-1")
        try store.complete(SignatureImageTests.signed("T-1", image))
        try store.ack(upTo: 1)
        let pngBase64 = Data(image.png).base64EncodedString()
        let before = try #require(Self.text(try store.page(after: 0, limit: 1).entries.first?.event))
        #expect(before.contains(pngBase64) && before.contains(StoreFixture.idNumber))

        fixture.clock.advance(seconds: 31 * 86_400)
        #expect(try store.purgePersonalData(retention: .seconds(30 * 86_400)) == 1)

        let entry = try #require(try store.page(after: 0, limit: 1).entries.first)
        let purgedAt = try #require(entry.personalDataPurgedAt)
        #expect(
            Self.text(entry.event)
                == "seq=1 id=T-1 created=\(entry.createdAt.unixMilliseconds) purged=\(purgedAt.unixMilliseconds) png=- "
                + String(decoding: entry.payload, as: UTF8.self))
        #expect(try store.truncateWriteAheadLog())
        let personal = [
            StoreFixture.name, StoreFixture.idNumber, StoreFixture.phone, StoreFixture.address, "SIGNATURE-MARK",
            pngBase64,
        ]
        for path in [fixture.path, fixture.path + "-wal"] {
            for text in personal { #expect(!fileContains(path, text), "\(text) in \(path)") }
        }
    }

    @Test func purge_withoutARenderer_dropsTheStoredEvent() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        do {
            let rendering = try fixture.open(eventRenderer: Self.renderer)
            defer { rendering.close() }
            try rendering.complete(StoreFixture.record("T-1"))
        }
        let store = try fixture.open()
        defer { store.close() }
        #expect(try store.page(after: 0, limit: 1).entries.first?.event != nil)
        fixture.clock.advance(seconds: 31 * 86_400)
        #expect(try store.purgePersonalData(olderThan: .seconds(30 * 86_400), from: .ended) == 1)
        // An event that still named the applicant must not outlive the purge; readers render the purged record.
        #expect(try store.page(after: 0, limit: 1).entries.first?.event == nil)
    }
}
