import Foundation
import KioskCore
import KioskStore
import Testing

@Suite struct AuthorityDecisionTests {
    static func licence(code: String) throws -> BusinessLicence {
        var licence = try #require(StoreFixture.record("T-0").licence)
        licence.creditCode = code
        return licence
    }

    @Test func approval_storedThenReadAfterReopen_isTheSameLicence() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let first = try fixture.open()
        #expect(try first.authorityApproval(transactionID: "T-1") == nil)
        let licence = try Self.licence(code: "91110101MA0000011X")
        #expect(try first.recordAuthorityApproval(transactionID: "T-1", licence: licence) == licence)
        first.close()
        let second = try fixture.open()
        defer { second.close() }
        #expect(try second.authorityApproval(transactionID: "T-1") == licence)
    }

    /// Two requests for one transaction raced: the first approval written stands, the second gets it back.
    @Test func approval_recordedTwiceForOneTransaction_returnsTheFirst() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        let first = try Self.licence(code: "91110101MA0000011X")
        let second = try Self.licence(code: "91110101MA0000029X")
        try store.recordAuthorityApproval(transactionID: "T-1", licence: first)
        #expect(try store.recordAuthorityApproval(transactionID: "T-1", licence: second) == first)
        #expect(try store.authorityApproval(transactionID: "T-1")?.creditCode == first.creditCode)
    }

    @Test func approval_withACodeAlreadyIssuedToAnotherTransaction_isRefused() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        let licence = try Self.licence(code: "91110101MA0000011X")
        try store.recordAuthorityApproval(transactionID: "T-1", licence: licence)
        let error = #expect(throws: StoreError.self) {
            try store.recordAuthorityApproval(transactionID: "T-2", licence: licence)
        }
        guard case .invalidArgument(let text) = error else {
            Issue.record("expected invalidArgument, got \(String(describing: error))")
            return
        }
        #expect(text.contains("already issued to transaction T-1"))
        #expect(try store.authorityApproval(transactionID: "T-2") == nil)
    }

    @Test func forget_dropsOnlyThatTransactionsDecision() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.recordAuthorityApproval(transactionID: "T-1", licence: try Self.licence(code: "91110101MA0000011X"))
        try store.recordAuthorityApproval(transactionID: "T-2", licence: try Self.licence(code: "91110101MA0000029X"))
        #expect(try store.forgetAuthorityDecision(transactionID: "T-1"))
        #expect(try !store.forgetAuthorityDecision(transactionID: "T-1"))
        #expect(try store.authorityApproval(transactionID: "T-1") == nil)
        #expect(try store.authorityApproval(transactionID: "T-2") != nil)
    }

    @Test func purge_dropsDecisionsOlderThanTheCutOff() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.recordAuthorityApproval(transactionID: "T-1", licence: try Self.licence(code: "91110101MA0000011X"))
        fixture.clock.advance(seconds: 3600)
        let cutOff = fixture.clock.now
        try store.recordAuthorityApproval(transactionID: "T-2", licence: try Self.licence(code: "91110101MA0000029X"))
        #expect(try store.purgeAuthorityDecisions(decidedBefore: cutOff) == 1)
        #expect(try store.authorityApproval(transactionID: "T-1") == nil)
        #expect(try store.authorityApproval(transactionID: "T-2") != nil)
    }
}

@Suite struct AuthorityDecisionSessionEndTests {
    /// The decision (with the applicant's name and address in its licence) lives as long as the session: recording
    /// the ended transaction forgets it in the same SQLite transaction, whatever the outcome.
    @Test(arguments: [TransactionOutcome.completed, .cancelled(reason: "interrupted"), .handedOff(reason: "x")])
    func endingTheSession_forgetsTheAuthoritysDecision(outcome: TransactionOutcome) throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        let licence = try AuthorityDecisionTests.licence(code: "91110101MA0000011X")
        try store.recordAuthorityApproval(transactionID: "T-1", licence: licence)
        try store.recordAuthorityApproval(
            transactionID: "T-2", licence: try AuthorityDecisionTests.licence(code: "91110101MA0000029X"))
        var record = StoreFixture.record("T-1")
        record.outcome = outcome
        try store.complete(record)
        #expect(try store.authorityApproval(transactionID: "T-1") == nil)
        #expect(try store.authorityApproval(transactionID: "T-2") != nil, "another session's decision stays")
    }
}
