import Foundation
import KioskCore
import KioskSimulators
import KioskStore
import Testing

/// The daemon's licence path through a real private cupsd + ippeveprinter (started by kioskd --simulate):
/// a jam fails the print, staff are called, and only an authorised reprint prints again.
@Suite(.serialized) struct DaemonLicencePrinterTests {
    @Test func licencePrinterJam_callsStaff_andOnlyAnAuthorisedReprintPrintsAgain() throws {
        guard PrivateCUPS.isAvailable else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("cupsd/ippeveprinter missing under CI: \(PrivateCUPS.reasonUnavailable ?? "")")
            } else {
                print("⚠️ SKIPPED: cupsd/ippeveprinter not installed (\(PrivateCUPS.reasonUnavailable ?? "")); run make deps")
            }
            return
        }
        let dir = try TemporaryDirectory("kioskd-jam")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url, cups: true, readyTimeout: 120)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        try admin.sim("licence-fault", ["fault": "media-jam"])
        let id = try DaemonScript.throughSignature(admin)
        try admin.wait(for: "licencePrintProblem", timeout: .seconds(120))
        let status = try admin.request(["command": "status"])
        let recent = ((status["flow"] as? [String: Any])?["recent"] as? [String]) ?? []
        #expect(recent.contains { $0.hasPrefix("staff called") }, "\(recent)")

        // Nothing happens on its own: the citizen cannot cancel, the job is not resubmitted.
        #expect(try admin.flow("cancel")["applied"] as? Bool == false)
        try admin.sim("licence-fault", ["fault": "none"])
        let reprint = try admin.request(["command": "staff", "staffID": "tech-7", "action": "authorise-reprint"])
        #expect(reprint["applied"] as? Bool == true, "\(reprint)")
        try admin.wait(for: "rating", timeout: .seconds(120))
        try admin.flow("rate", ["rating": "average"])
        try admin.wait(for: "completed")
        #expect(daemon.terminate() == 0)

        let store = try TransactionStore.open(path: dir.url.appendingPathComponent("kioskd.db").path)
        defer { store.close() }
        let jobs = try store.licenceJobs(transactionID: id)
        #expect(jobs.count == 2)
        #expect(jobs.first.map { if case .failed = $0.outcome { true } else { false } } == true, "\(jobs)")
        #expect(jobs.last?.outcome == .completed)
        #expect(jobs.last?.reprintAuthorisedBy == "tech-7")
        #expect(try store.auditEntries().contains { $0.action == "authorise-reprint" && $0.actor == "tech-7" })
        #expect(try store.transaction(id: id)?.outcome == .completed)
    }
}
