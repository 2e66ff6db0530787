import Foundation
import KioskCore
import KioskStore
import Testing

@Suite struct LicenceJournalTests {
    @Test func job_intentSubmittedCompleted_walksItsStagesAndLeavesTheUnresolvedList() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.recordLicenceJobIntent(transactionID: "T-1", jobUUID: "J-1")
        #expect(try store.unresolvedLicenceJobs().map(\.stage) == [.intended])
        try store.recordLicenceJobSubmitted(jobUUID: "J-1", cupsJobID: 17)
        #expect(try store.unresolvedLicenceJobs().map(\.stage) == [.submitted])
        #expect(try store.unresolvedLicenceJobs().first?.cupsJobID == 17)
        try store.recordLicenceJobOutcome(jobUUID: "J-1", outcome: .completed)
        #expect(try store.unresolvedLicenceJobs().isEmpty)
        #expect(try store.licenceJobs(transactionID: "T-1").map(\.stage) == [.ended(.completed)])
    }

    /// Where the job is when its intent is repeated: the stale checkpoint of a crashed session asks to send it again.
    enum RepeatedAt: String, CaseIterable, Sendable {
        case intended, submitted, completed, unknown, failed
    }

    /// A stale checkpoint re-sent L1 after it printed: the repeated intent returned before any check.
    @Test(arguments: RepeatedAt.allCases)
    func intent_repeatedWithTheSameUUID_isRefusedWhateverTheJobsState(at stage: RepeatedAt) throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.recordLicenceJobIntent(transactionID: "T-1", jobUUID: "T-1-L1")
        if stage != .intended { try store.recordLicenceJobSubmitted(jobUUID: "T-1-L1", cupsJobID: 17) }
        switch stage {
        case .intended, .submitted: break
        case .completed: try store.recordLicenceJobOutcome(jobUUID: "T-1-L1", outcome: .completed)
        case .unknown: try store.recordLicenceJobOutcome(jobUUID: "T-1-L1", outcome: .unknown(reason: "timeout"))
        case .failed: try store.recordLicenceJobOutcome(jobUUID: "T-1-L1", outcome: .failed(reason: "media-jam"))
        }

        let error = #expect(throws: StoreError.self) {
            try store.recordLicenceJobIntent(transactionID: "T-1", jobUUID: "T-1-L1")
        }
        guard case .licenceAlreadyPrinted(let transaction, let job, _) = error else {
            Issue.record("expected licenceAlreadyPrinted, got \(String(describing: error))")
            return
        }
        #expect(transaction == "T-1")
        #expect(job == "T-1-L1")
        #expect(try store.licenceJobs(transactionID: "T-1").count == 1)
    }

    /// A reprint is a new job: even a technician's authorisation does not send the same job UUID twice.
    @Test func intent_repeatedWithTheSameUUID_isRefusedEvenWithAReprintAuthorisation() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.recordLicenceJobIntent(transactionID: "T-1", jobUUID: "T-1-L1")
        try store.recordLicenceJobOutcome(jobUUID: "T-1-L1", outcome: .unknown(reason: "daemon restarted mid-job"))

        let error = #expect(throws: StoreError.self) {
            try store.recordLicenceJobIntent(
                transactionID: "T-1", jobUUID: "T-1-L1", reprintAuthorisedBy: "tech:li")
        }
        guard case .licenceAlreadyPrinted = error else {
            Issue.record("expected licenceAlreadyPrinted, got \(String(describing: error))")
            return
        }
        #expect(try store.auditEntries().isEmpty)
        #expect(try store.licenceJobs(transactionID: "T-1").map(\.reprintAuthorisedBy) == [nil])
    }

    @Test(arguments: [
        nil, PrintOutcome.completed, PrintOutcome.unknown(reason: "timeout after 3 s of silence"),
    ])
    func intent_secondJobWhileFirstPrintedOrMayHave_isRefused(first: PrintOutcome?) throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.recordLicenceJobIntent(transactionID: "T-1", jobUUID: "J-1")
        try store.recordLicenceJobSubmitted(jobUUID: "J-1", cupsJobID: 17)
        if let first { try store.recordLicenceJobOutcome(jobUUID: "J-1", outcome: first) }

        let error = #expect(throws: StoreError.self) {
            try store.recordLicenceJobIntent(transactionID: "T-1", jobUUID: "J-2")
        }
        guard case .licenceAlreadyPrinted(let transaction, let job, _) = error else {
            Issue.record("expected licenceAlreadyPrinted, got \(String(describing: error))")
            return
        }
        #expect(transaction == "T-1")
        #expect(job == "J-1")
        #expect(try store.licenceJobs(transactionID: "T-1").map(\.jobUUID) == ["J-1"])
    }

    @Test func intent_afterAFailedJob_isAllowedWithoutAuthorisation() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.recordLicenceJobIntent(transactionID: "T-1", jobUUID: "J-1")
        try store.recordLicenceJobOutcome(
            jobUUID: "J-1", outcome: .failed(reason: "client-error-document-format-not-supported"))
        try store.recordLicenceJobIntent(transactionID: "T-1", jobUUID: "J-2")
        #expect(try store.licenceJobs(transactionID: "T-1").map(\.jobUUID) == ["J-1", "J-2"])
        #expect(try store.licenceJobs(transactionID: "T-1").last?.reprintAuthorisedBy == nil)
    }

    @Test func intent_reprintAuthorisedByTechnician_isRecordedAndAudited() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.recordLicenceJobIntent(transactionID: "T-1", jobUUID: "J-1")
        try store.recordLicenceJobOutcome(jobUUID: "J-1", outcome: .unknown(reason: "daemon restarted mid-job"))

        try store.recordLicenceJobIntent(transactionID: "T-1", jobUUID: "J-2", reprintAuthorisedBy: "tech:li")

        let jobs = try store.licenceJobs(transactionID: "T-1")
        #expect(jobs.map(\.reprintAuthorisedBy) == [nil, "tech:li"])
        let audit = try store.auditEntries()
        #expect(audit.map(\.action) == ["licence-reprint"])
        #expect(audit.first?.actor == "tech:li")
        #expect(audit.first?.detail.contains("J-2 reprints job J-1") == true)
    }

    @Test func outcome_unknownResolvedLater_butCompletedIsFinal() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.recordLicenceJobIntent(transactionID: "T-1", jobUUID: "J-1")
        try store.recordLicenceJobOutcome(jobUUID: "J-1", outcome: .unknown(reason: "timeout"))
        #expect(try store.unresolvedLicenceJobs().map(\.jobUUID) == ["J-1"])
        try store.recordLicenceJobOutcome(jobUUID: "J-1", outcome: .completed)
        try store.recordLicenceJobOutcome(jobUUID: "J-1", outcome: .completed)
        let error = #expect(throws: StoreError.self) {
            try store.recordLicenceJobOutcome(jobUUID: "J-1", outcome: .failed(reason: "jam"))
        }
        #expect(error == .licenceJobOutcomeFinal(jobUUID: "J-1", current: "completed", offered: "failed"))
    }

    @Test func submitted_forAJobNeverIntended_isRefused() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        #expect(throws: StoreError.unknownLicenceJob(jobUUID: "J-9")) {
            try store.recordLicenceJobSubmitted(jobUUID: "J-9", cupsJobID: 3)
        }
    }

    /// After a crash the journal is what tells the supervisor which jobs to look up in CUPS.
    @Test func unresolvedJobs_afterReopen_areStillListed() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let first = try fixture.open()
        try first.recordLicenceJobIntent(transactionID: "T-1", jobUUID: "J-1")
        try first.recordLicenceJobSubmitted(jobUUID: "J-1", cupsJobID: 17)
        try first.recordLicenceJobIntent(transactionID: "T-2", jobUUID: "J-2")
        try first.recordLicenceJobOutcome(jobUUID: "J-2", outcome: .completed)
        first.close()
        let second = try fixture.open()
        defer { second.close() }
        #expect(try second.unresolvedLicenceJobs().map(\.jobUUID) == ["J-1"])
        #expect(try second.figures().unresolvedLicenceJobs == 1)
    }
}
