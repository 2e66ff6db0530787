import Foundation
import KioskCore
import KioskStore
import Testing

/// What `/metrics` reads from a real store file: grouped counts, the outbox backlog and its oldest entry.
@Suite struct MetricFiguresTests {
    @Test func metricFigures_countByOutcome_andTheOldestPendingEntryFollowsAcks() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        let empty = try store.metricFigures()
        #expect(empty.transactionsByOutcome.isEmpty && empty.licenceJobsByOutcome.isEmpty)
        #expect(empty.pendingOutbox == 0 && empty.oldestPendingAt == nil)

        let first = fixture.clock.now
        try store.complete(StoreFixture.record("T-1"))
        fixture.clock.advance(seconds: 60)
        let second = fixture.clock.now
        try store.complete(StoreFixture.record("T-2"))
        try store.complete(StoreFixture.record("T-3", outcome: .handedOff(reason: "printer-fault")))
        try store.complete(StoreFixture.record("T-4", outcome: .cancelled(reason: "timeout")))
        try store.recordLicenceJobIntent(transactionID: "T-1", jobUUID: "T-1-L1")
        try store.recordLicenceJobOutcome(jobUUID: "T-1-L1", outcome: .completed)
        try store.recordLicenceJobIntent(transactionID: "T-2", jobUUID: "T-2-L1")
        try store.recordLicenceJobOutcome(jobUUID: "T-2-L1", outcome: .completed)
        try store.recordLicenceJobIntent(transactionID: "T-3", jobUUID: "T-3-L1")
        try store.recordLicenceJobOutcome(jobUUID: "T-3-L1", outcome: .failed(reason: "media-jam"))
        try store.recordLicenceJobIntent(transactionID: "T-5", jobUUID: "T-5-L1")

        let figures = try store.metricFigures()
        #expect(figures.transactionsByOutcome == ["completed": 2, "handedOff": 1, "cancelled": 1])
        #expect(figures.licenceJobsByOutcome == ["completed": 2, "failed": 1, "pending": 1])
        #expect(figures.pendingOutbox == 4)
        #expect(figures.oldestPendingAt == first)

        try store.ack(upTo: 1)
        #expect(try store.metricFigures().oldestPendingAt == second)
        #expect(try store.metricFigures().pendingOutbox == 3)
        try store.ack(upTo: 4)
        #expect(try store.metricFigures().oldestPendingAt == nil)
        #expect(try store.metricFigures().transactionsByOutcome["completed"] == 2)
    }
}
