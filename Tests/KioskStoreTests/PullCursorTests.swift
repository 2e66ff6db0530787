import Foundation
import KioskCore
import KioskStore
import Testing

/// What the pull API reads from the store besides pages: where the centre's acknowledgements stand, and which
/// entries retention has purged.
@Suite struct PullCursorTests {
    @Test func outboxCursor_followsAcksAndTheLastSeq() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        #expect(try store.outboxCursor() == (0, 0))
        for index in 1...4 { try store.complete(StoreFixture.record("T-\(index)")) }
        #expect(try store.outboxCursor() == (0, 4))
        try store.ack(upTo: 2)
        #expect(try store.outboxCursor() == (2, 4))
        try store.ack(upTo: 4)
        #expect(try store.outboxCursor() == (4, 4))
        try store.complete(StoreFixture.record("T-5"))
        #expect(try store.outboxCursor() == (4, 5))
    }

    @Test func page_marksEntriesWhosePersonalDataWasPurged() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.complete(StoreFixture.record("T-old"))
        try store.complete(StoreFixture.record("T-new"))
        try store.ack(upTo: 1)
        fixture.clock.advance(seconds: 31 * 86_400)
        #expect(try store.purgePersonalData(retention: .seconds(30 * 86_400)) == 1)
        let entries = try store.page(after: 0, limit: 10).entries
        #expect(entries.map(\.transactionID) == ["T-old", "T-new"])
        #expect(entries[0].personalDataPurgedAt == fixture.clock.now)
        #expect(entries[1].personalDataPurgedAt == nil)
        #expect(!String(decoding: entries[0].payload, as: UTF8.self).contains(StoreFixture.idNumber))
    }
}
