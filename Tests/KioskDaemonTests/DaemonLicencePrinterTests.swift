import Foundation
import KioskCore
import KioskSimulators
import KioskStore
import Testing

/// The daemon's licence path through a real private cupsd + ippeveprinter (started by kioskd --simulate):
/// a jam fails the print and calls staff; nothing is resubmitted without a person.
@Suite(.serialized, .enabled(if: PrivateCUPSRequirement.canRun, PrivateCUPSRequirement.whyNot))
struct DaemonLicencePrinterTests {
    @Test func licencePrinterJam_callsStaff_andNothingIsResubmitted() throws {
        try #require(PrivateCUPS.isAvailable, "cupsd/ippeveprinter missing: \(PrivateCUPS.reasonUnavailable ?? "")")
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

        // Nothing happens on its own: the citizen cannot cancel, and the job is not resubmitted.
        #expect(try admin.flow("cancel")["applied"] as? Bool == false)
        let devices = status["devices"] as? [[String: Any]] ?? []
        let printer = devices.first { $0["role"] as? String == "licencePrinter" }
        #expect((printer?["reasons"] as? [String])?.contains("media-jam") == true, "\(String(describing: printer))")
        // Staff look at the jammed printer and send the citizen to a window.
        let handOff = try admin.request(["command": "staff", "staffID": "tech-7", "action": "hand-off"])
        #expect(handOff["applied"] as? Bool == true, "\(handOff)")
        // A hand-off asks for 好差评 first; the citizen skips it.
        try admin.wait(for: "rating")
        try DaemonScript.expectApplied(admin.flow("skip-rating"))
        let ended = try admin.wait(for: "handedOff")
        #expect(ended["lastTicket"] != nil)
        #expect(daemon.terminate() == 0)

        let store = try TransactionStore.open(path: dir.url.appendingPathComponent("kioskd.db").path)
        defer { store.close() }
        let jobs = try store.licenceJobs(transactionID: id)
        #expect(jobs.count == 1, "printed again without a person: \(jobs)")
        #expect(jobs.first.map { if case .failed = $0.outcome { true } else { false } } == true, "\(jobs)")
        #expect(try store.auditEntries().contains { $0.action == "hand-off" && $0.actor == "tech-7" })
        #expect(
            try store.auditEntries().contains {
                $0.action == "licence-print-problem" && $0.detail.contains("media-jam")
            })
        let record = try store.transaction(id: id)
        #expect(record?.outcome == .handedOff(reason: "requested-by-staff"))
        #expect(record.map { if case .failed = $0.licencePrint { true } else { false } } == true)
    }
}
