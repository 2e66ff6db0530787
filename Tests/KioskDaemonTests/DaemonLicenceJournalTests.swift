import Foundation
import KioskCore
import KioskStore
import Testing

/// Whatever a checkpoint says, the licence journal decides: a session resumed from a checkpoint older than its
/// licence print (a checkpoint write that failed, a restore) never sends the licence again, and the authority gives
/// the same credit code again.
@Suite(.serialized) struct DaemonLicenceJournalTests {
    @Test func staleCheckpointFromBeforeThePrint_afterTheLicencePrinted_printsNoSecondSheet() throws {
        let dir = try TemporaryDirectory("kioskd-stale")
        defer { dir.remove() }
        let config: [String: Any] = ["kioskID": "STALE-01", "flow": ["endScreenSeconds": 0.2]]
        var daemon: DaemonProcess? = try DaemonProcess(stateDirectory: dir.url, config: config)
        let admin = try #require(daemon).admin()
        let id = try DaemonScript.throughSignature(admin)
        try admin.wait(for: "rating")
        try #require(daemon).kill9()
        daemon = nil

        // The checkpoint as it was before the print: approving, no attempt made, no licence yet.
        let path = dir.url.appendingPathComponent("kioskd.db").path
        let store = try TransactionStore.open(path: path)
        let saved = try #require(try store.loadCheckpoint())
        var state = try JSONDecoder().decode(FlowState.self, from: saved.state)
        #expect(state.step == .rating)
        let code = try #require(state.session?.record.licence?.creditCode)
        state.step = .approving
        state.session?.licenceAttempts = 0
        state.session?.licenceJobUUID = nil
        state.session?.lastLicenceOutcome = nil
        state.session?.record.licence = nil
        state.session?.record.licencePrint = nil
        state.session?.record.licencePrintedAt = nil
        try store.saveCheckpoint(sessionID: id, state: try JSONEncoder().encode(state))
        store.close()

        let licences = dir.url.appendingPathComponent("sim-output/licences")
        let sheets = { (transaction: String) -> [String] in
            ((try? FileManager.default.contentsOfDirectory(atPath: licences.path)) ?? [])
                .filter { $0.hasPrefix("licence-\(transaction)-") }.sorted()
        }
        daemon = try DaemonProcess(stateDirectory: dir.url, config: config)
        var citizen = DaemonCitizen(try #require(daemon).admin()) { !sheets($0).isEmpty }
        try citizen.settle()
        #expect(daemon?.terminate() == 0)

        #expect(sheets(id) == ["licence-\(id)-L1.pdf"], "the licence of \(id) went to the printer again")
        let reopened = try TransactionStore.open(path: path)
        defer { reopened.close() }
        #expect(try reopened.licenceJobs(transactionID: id).map(\.jobUUID) == ["\(id)-L1"])
        let record = try reopened.transaction(id: id)
        // The journal's answer (completed) is what the resumed session went on with, and the same licence.
        #expect(record?.outcome == .completed, "\(String(describing: record?.outcome))")
        #expect(record?.licencePrint == .completed)
        #expect(record?.licence?.creditCode == code, "a second credit code for \(id)")
    }
}
