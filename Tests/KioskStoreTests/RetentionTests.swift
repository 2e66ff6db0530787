import Foundation
import KioskCore
import KioskStore
import Testing

@Suite struct RetentionTests {
    @Test func purge_ackedLongAgo_removesPersonalFieldsAndKeepsTheRest() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.complete(StoreFixture.record("T-1"))
        try store.ack(upTo: 1)

        fixture.clock.advance(seconds: 31 * 86_400)
        #expect(try store.purgePersonalData(retention: .seconds(30 * 86_400)) == 1)

        let purged = try #require(try store.transaction(id: "T-1"))
        #expect(purged.applicantName == nil)
        #expect(purged.applicantIDNumber == nil)
        #expect(purged.form?.representative.isEmpty == true)
        #expect(purged.form?.address.isEmpty == true)
        #expect(purged.form?.phone.isEmpty == true)
        #expect(purged.licence?.representative == "")
        #expect(purged.licence?.address == "")
        // What is not personal stays.
        #expect(purged.licence?.creditCode == "91110101MA01ABCD1X")
        #expect(purged.form?.name == "北京景山软件有限公司")
        #expect(purged.outcome == .completed)
        #expect(purged.rating == ServiceRating(grade: .verySatisfied))
        #expect(try store.page(after: 0, limit: 1).entries.first?.record() == purged)
        // Nothing of it is left in the file's bytes.
        let raw = try fixture.raw()
        try raw.exec("PRAGMA wal_checkpoint(TRUNCATE)")
        #expect(!fileContains(fixture.path, StoreFixture.idNumber))
        #expect(!fileContains(fixture.path, StoreFixture.phone))
    }

    @Test func purge_leavesUnackedAndRecentlyAckedTransactionsAlone() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.complete(StoreFixture.record("T-old"))
        try store.ack(upTo: 1)
        fixture.clock.advance(seconds: 20 * 86_400)
        try store.complete(StoreFixture.record("T-recent"))
        try store.ack(upTo: 2)
        try store.complete(StoreFixture.record("T-pending", outcome: .handedOff(reason: "printer-fault")))
        fixture.clock.advance(seconds: 15 * 86_400)

        #expect(try store.purgePersonalData(retention: .seconds(30 * 86_400)) == 1)
        #expect(try store.purgePersonalData(retention: .seconds(30 * 86_400)) == 0)

        #expect(try store.transaction(id: "T-old")?.applicantIDNumber == nil)
        #expect(try store.transaction(id: "T-recent")?.applicantIDNumber?.unmasked == StoreFixture.idNumber)
        #expect(try store.transaction(id: "T-pending")?.applicantIDNumber?.unmasked == StoreFixture.idNumber)
    }

    @Test func purge_inBatches_reachesEveryDueTransaction() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        for index in 1...5 { try store.complete(StoreFixture.record("T-\(index)")) }
        try store.ack(upTo: 5)
        fixture.clock.advance(seconds: 10)
        let cutoff = fixture.clock.now
        #expect(try store.purgePersonalData(ackedBefore: cutoff, batchLimit: 2) == 2)
        #expect(try store.purgePersonalData(ackedBefore: cutoff, batchLimit: 2) == 2)
        #expect(try store.purgePersonalData(ackedBefore: cutoff, batchLimit: 2) == 1)
        #expect(try store.recentTransactions(limit: 10).allSatisfy { $0.applicantName == nil })
    }
}

/// The scheduled purge counted from the end of a transaction (until the central server acknowledges them).
@Suite struct RetentionFromEndTests {
    private func ended(_ id: String, at time: Date, outcome: TransactionOutcome = .completed) -> TransactionRecord {
        var record = StoreFixture.record(id, outcome: outcome)
        record.endedAt = time
        return record
    }

    @Test func purgeFromEnd_withInjectedClock_clearsEveryOutcomeOlderThanRetention_andAudits() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        let start = fixture.clock.now
        try store.complete(ended("T-done", at: start))
        try store.complete(ended("T-handed", at: start, outcome: .handedOff(reason: "printer-fault")))
        fixture.clock.advance(seconds: 10 * 86_400)
        try store.complete(ended("T-recent", at: fixture.clock.now))
        // Never acknowledged: counted from the end all the same.
        fixture.clock.advance(seconds: 19 * 86_400)
        #expect(try store.purgePersonalData(olderThan: .seconds(30 * 86_400), from: .ended) == 0)
        fixture.clock.advance(seconds: 2 * 86_400)

        #expect(try store.purgePersonalData(olderThan: .seconds(30 * 86_400), from: .ended) == 2)
        #expect(try store.purgePersonalData(olderThan: .seconds(30 * 86_400), from: .ended) == 0)

        for id in ["T-done", "T-handed"] {
            let purged = try #require(try store.transaction(id: id))
            #expect(purged.applicantName == nil)
            #expect(purged.applicantIDNumber == nil)
            #expect(purged.signatureSHA256 == nil)
            #expect(purged.form?.phone.isEmpty == true)
            #expect(purged.form?.address.isEmpty == true)
            #expect(purged.form?.representative.isEmpty == true)
            #expect(purged.form?.name == "北京景山软件有限公司")
            #expect(purged.endedAt == start)
        }
        #expect(try store.transaction(id: "T-handed")?.queueTicket == "A023")
        #expect(try store.transaction(id: "T-done")?.licence?.creditCode == "91110101MA01ABCD1X")
        let recent = try #require(try store.transaction(id: "T-recent"))
        #expect(recent.applicantIDNumber?.unmasked == StoreFixture.idNumber)
        #expect(recent.signatureSHA256 != nil)

        let audit = try store.auditEntries().filter { $0.action == "retention-purge" }
        #expect(audit.count == 1)
        #expect(audit.first?.actor == "kioskd")
        #expect(audit.first?.detail.contains("2 transaction(s) ended before") == true)
        #expect(audit.first?.at == fixture.clock.now)
        #expect(audit.first?.detail.contains(StoreFixture.idNumber) == false)
        // The outbox payload is purged with the record.
        let payloads = try store.page(after: 0, limit: 10).entries.map { try $0.record() }
        #expect(payloads.filter { $0.applicantIDNumber == nil }.map(\.id).sorted() == ["T-done", "T-handed"])
    }

    @Test func purgeFromEnd_inBatches_reachesEveryDueTransaction_withOneAuditRowPerBatch() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        for index in 1...5 { try store.complete(ended("T-\(index)", at: fixture.clock.now)) }
        fixture.clock.advance(seconds: 31 * 86_400)
        #expect(try store.purgePersonalData(olderThan: .seconds(30 * 86_400), from: .ended, batchLimit: 2) == 5)
        #expect(try store.recentTransactions(limit: 10).allSatisfy { $0.applicantName == nil })
        #expect(try store.auditEntries().filter { $0.action == "retention-purge" }.count == 3)
    }
}
