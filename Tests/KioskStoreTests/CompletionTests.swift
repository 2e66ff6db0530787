import Foundation
import KioskCore
import KioskIO
import KioskStore
import Testing

@Suite struct CompletionTests {
    @Test func complete_writesRecordAndOutboxEntryAndClearsItsCheckpoint() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.saveCheckpoint(sessionID: "T-1", state: Data(#"{"step":"rating"}"#.utf8))
        let record = StoreFixture.record("T-1")

        let receipt = try store.complete(record)

        #expect(receipt == CompletionReceipt(seq: 1, wasAlreadyRecorded: false))
        #expect(try store.transaction(id: "T-1") == record)
        let page = try store.page(after: 0, limit: 10)
        #expect(page.entries.map(\.seq) == [1])
        #expect(try page.entries[0].record() == record)
        #expect(try store.loadCheckpoint() == nil)
        let figures = try store.figures()
        #expect(figures.completedTransactions == 1)
        #expect(figures.pendingOutbox == 1)
        #expect(figures.lastSeq == 1)
    }

    @Test func complete_sameTransactionAgain_writesNothingNewAndReturnsFirstSeq() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.complete(StoreFixture.record("T-1"))
        try store.complete(StoreFixture.record("T-2"))
        // A retry after a crash: the daemon resumed the session and completes it again.
        try store.saveCheckpoint(sessionID: "T-1", state: Data("{}".utf8))
        var retried = StoreFixture.record("T-1")
        retried.rating = ServiceRating(grade: .fairlySatisfied)

        let receipt = try store.complete(retried)

        #expect(receipt == CompletionReceipt(seq: 1, wasAlreadyRecorded: true))
        #expect(try store.transaction(id: "T-1")?.rating == ServiceRating(grade: .verySatisfied))
        #expect(try store.page(after: 0, limit: 10).entries.count == 2)
        #expect(try store.figures().completedTransactions == 2)
        #expect(try store.loadCheckpoint() == nil)
    }

    @Test func complete_sameTransactionWithOtherOutcome_isRefused() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.complete(StoreFixture.record("T-1", outcome: .cancelled(reason: "timeout")))
        let error = #expect(throws: StoreError.self) { try store.complete(StoreFixture.record("T-1")) }
        #expect(error == .conflictingRecord(transactionID: "T-1", stored: "cancelled", offered: "completed"))
        #expect(try store.figures().completedTransactions == 0)
    }

    @Test func complete_failureAfterTheTransactionRow_leavesNothingWritten() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.saveCheckpoint(sessionID: "T-1", state: Data(#"{"step":"rating"}"#.utf8))
        // The outbox insert comes after the transactions insert; make it fail as a real constraint failure would.
        let raw = try fixture.raw()
        try raw.exec("CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'injected'); END")

        let error = #expect(throws: StoreError.self) { try store.complete(StoreFixture.record("T-1")) }

        guard case .database(let sqlite, let operation) = error else {
            Issue.record("expected a database error, got \(String(describing: error))")
            return
        }
        #expect(sqlite.kind == .constraint)
        #expect(operation == "record transaction T-1 as completed")
        #expect(try store.transaction(id: "T-1") == nil)
        #expect(try store.figures().endedTransactions == 0)
        #expect(try store.page(after: 0, limit: 10).entries.isEmpty)
        #expect(try store.loadCheckpoint()?.sessionID == "T-1")
        // Once the fault is gone the same call succeeds.
        try raw.exec("DROP TRIGGER fail_outbox")
        #expect(try store.complete(StoreFixture.record("T-1")).wasAlreadyRecorded == false)
    }

    @Test func complete_handOffAndCancel_areRecordedWithTheirOutcome() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.complete(StoreFixture.record("T-1", outcome: .handedOff(reason: "authority-unavailable")))
        try store.complete(StoreFixture.record("T-2", outcome: .cancelled(reason: "citizen-walked-away")))
        try store.complete(StoreFixture.record("T-3"))

        #expect(try store.transaction(id: "T-1")?.outcome == .handedOff(reason: "authority-unavailable"))
        #expect(try store.transaction(id: "T-1")?.queueTicket == "A023")
        #expect(try store.transaction(id: "T-2")?.outcome == .cancelled(reason: "citizen-walked-away"))
        let figures = try store.figures()
        #expect(figures.completedTransactions == 1)
        #expect(figures.endedTransactions == 3)
        #expect(figures.pendingOutbox == 3)
        #expect(try store.recentTransactions(limit: 2).map(\.id) == ["T-3", "T-2"])
    }

    @Test func complete_recordWithoutOutcome_isRefused() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        var record = StoreFixture.record("T-1")
        record.outcome = nil
        let error = #expect(throws: StoreError.self) { try store.complete(record) }
        #expect(error?.description.contains("has no outcome") == true)
        #expect(try store.figures().endedTransactions == 0)
    }

    /// As after a crash and restart: a second instance on the same file sees what the first committed, both ways.
    @Test func twoStoresOnOneFile_seeEachOthersCommittedData() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let first = try fixture.open()
        defer { first.close() }
        let second = try fixture.open()
        defer { second.close() }

        try first.complete(StoreFixture.record("T-1"))
        try first.saveCheckpoint(sessionID: "T-2", state: Data("{}".utf8))
        #expect(try second.transaction(id: "T-1") != nil)
        #expect(try second.loadCheckpoint()?.sessionID == "T-2")

        try second.complete(StoreFixture.record("T-2", outcome: .cancelled(reason: "timeout")))
        #expect(try first.loadCheckpoint() == nil)
        #expect(try first.page(after: 0, limit: 10).entries.map(\.seq) == [1, 2])
        #expect(try first.next(category: "A", day: CivilDate(year: 2025, month: 11, day: 22)!) == 1)
        #expect(try second.next(category: "A", day: CivilDate(year: 2025, month: 11, day: 22)!) == 2)
    }
}
