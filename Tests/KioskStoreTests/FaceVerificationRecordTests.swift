import Foundation
import KioskCore
import KioskIO
import KioskStore
import Testing

/// The face comparison's summary (decision, score, attempts) is kept with the record in the real SQLite file, read
/// back as written, and stays after retention removes the personal data (docs/face-verification.md).
@Suite struct FaceVerificationRecordTests {
    @Test func summary_isStoredAndReadBack_andSurvivesThePurge() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        var record = StoreFixture.record("T-F1", outcome: .handedOff(reason: "face-mismatch"))
        let summary = FaceVerificationSummary(decision: "noMatch", score: 0.31, attempts: 3)
        record.faceVerification = summary
        try store.complete(record)

        #expect(try store.transaction(id: "T-F1")?.faceVerification == summary)
        #expect(try store.page(after: 0, limit: 10).entries[0].record().faceVerification == summary)

        #expect(try store.purgePersonalData(anchor: .ended, before: Date(unixMilliseconds: 1_900_000_000_000)) == 1)
        let purged = try #require(try store.transaction(id: "T-F1"))
        #expect(purged.applicantIDNumber == nil)
        #expect(purged.faceVerification == summary)
    }

    @Test func recordWithoutTheComparison_readsBackWithout() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.complete(StoreFixture.record("T-F2"))
        #expect(try store.transaction(id: "T-F2")?.faceVerification == nil)
    }
}
