import Foundation
import KioskCore
import KioskStore
import Testing

@Suite struct OutboxTests {
    @Test func page_withCursor_walksEveryEntryOnceInSeqOrder() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        for index in 1...7 { try store.complete(StoreFixture.record("T-\(index)")) }

        var cursor: Int64 = 0
        var seen: [Int64] = []
        var pages = 0
        while pages < 10 {
            let page = try store.page(after: cursor, limit: 3)
            seen += page.entries.map(\.seq)
            cursor = page.next
            pages += 1
            if !page.hasMore { break }
        }
        #expect(seen == Array(1...7))
        #expect(pages == 3)
        let empty = try store.page(after: cursor, limit: 3)
        #expect(empty.entries.isEmpty)
        #expect(empty.next == 7)
        #expect(!empty.hasMore)
    }

    @Test func page_limitOutsideRange_isRefused() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        #expect(throws: StoreError.self) { try store.page(after: 0, limit: 0) }
        #expect(throws: StoreError.self) { try store.page(after: 0, limit: OutboxPage.maximumLimit + 1) }
    }

    @Test func ack_upToSeq_marksOnlyThoseAndCountsPendingAndAcked() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        for index in 1...5 { try store.complete(StoreFixture.record("T-\(index)")) }

        #expect(try store.ack(upTo: 3) == 3)
        #expect(try store.ack(upTo: 3) == 0)
        let counts = try store.outboxCounts()
        #expect(counts.pending == 2)
        #expect(counts.acked == 3)
        let entries = try store.page(after: 0, limit: 10).entries
        #expect(entries.map { $0.ackedAt != nil } == [true, true, true, false, false])
        #expect(entries[0].ackedAt == fixture.clock.now)
    }

    @Test func ack_beyondLastSeq_isRefusedAndAcksNothing() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.complete(StoreFixture.record("T-1"))
        let error = #expect(throws: StoreError.self) { try store.ack(upTo: 2) }
        #expect(error?.description.contains("beyond the last outbox seq 1") == true)
        #expect(try store.outboxCounts().acked == 0)
    }

    @Test func seq_acrossReopen_keepsGrowingAndIsNeverReused() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let first = try fixture.open()
        try first.complete(StoreFixture.record("T-1"))
        try first.complete(StoreFixture.record("T-2"))
        first.close()
        // Even if the newest entry were deleted by hand, its seq is not handed out again (AUTOINCREMENT).
        let raw = try fixture.raw()
        try raw.run("DELETE FROM outbox WHERE seq = 2")
        raw.close()
        let second = try fixture.open()
        defer { second.close() }
        #expect(try second.complete(StoreFixture.record("T-3")).seq == 3)
    }
}
