import Foundation
import KioskCore
import KioskStore
import Testing

/// SIGKILL at random points of scripted flows, restart, and check what a power cut must never cost: a completed
/// transaction, a second licence, or a half-open session holding personal data (issue 6).
@Suite(.serialized) struct DaemonCrashTests {
    /// `KIOSKD_CRASH_FLOWS` raises it for the bench script.
    static var flows: Int { Int(ProcessInfo.processInfo.environment["KIOSKD_CRASH_FLOWS"] ?? "") ?? 100 }

    /// The steps of one citizen; the kill may come after any of them.
    nonisolated(unsafe) static let script: [(String, (ControlConnection) throws -> Void)] = [
        ("start", { a in _ = try a.flow("start") }),
        (
            "place-card",
            { a in
                try a.sim("place-card", ["card": "resident"]); try a.wait(for: "verifyingIdentity")
            }
        ),
        (
            "confirm-identity",
            { a in
                try a.flow("confirm-identity"); try a.sim("lift-card")
            }
        ),
        ("submit-form", { a in try DaemonScript.expectApplied(a.flow("submit-form", ["form": DaemonScript.form])) }),
        ("sign", { a in try DaemonScript.expectApplied(a.flow("sign", ["signatureSHA256": DaemonScript.signature])) }),
        ("confirm", { a in try DaemonScript.expectApplied(a.flow("confirm", ["declarationAccepted": true])) }),
        ("rating", { a in try a.wait(for: "rating") }),
        ("rate", { a in try a.flow("rate", ["grade": 5]) }),
    ]

    @Test func sigkillAtRandomPoints_losesNoCompletedTransaction_printsNoLicenceTwice() throws {
        let dir = try TemporaryDirectory("kioskd-crash")
        defer { dir.remove() }
        let config: [String: Any] = [
            "kioskID": "CRASH-01", "flow": ["endScreenSeconds": 0.2], "log": ["level": "debug"],
        ]
        var rng = SplitMix64(state: 20261122)
        var daemon: DaemonProcess? = try DaemonProcess(stateDirectory: dir.url, config: config)
        var seenCompleted: Set<String> = []
        var started: Set<String> = []
        var kills = 0
        for flow in 0..<Self.flows {
            let live = try #require(daemon)
            let admin = try live.admin()
            try settle(admin, seenCompleted: &seenCompleted, licences: dir.url)
            // Half the flows are cut by a kill after a random step; the kill may also land mid-command.
            let killAfter = Bool.random(using: &rng) ? Int.random(in: 0..<Self.script.count, using: &rng) : nil
            let midCommand = Bool.random(using: &rng)
            var killed = false
            for (index, (name, step)) in Self.script.enumerated() {
                if killAfter == index && midCommand {
                    // Send and kill without waiting for the answer.
                    try? admin.sendRaw(Array(#"{"command":"flow","event":"citizen-active"}"#.utf8) + [0x0A])
                    live.kill9()
                    killed = true
                    break
                }
                do {
                    try step(admin)
                } catch {
                    Issue.record("flow \(flow) step \(name): \(error)\n\(live.stderr.suffix(3000))")
                    break
                }
                if name == "start", let id = try? admin.request(["command": "status"]),
                    let tx = (id["flow"] as? [String: Any])?["transactionID"] as? String
                {
                    started.insert(tx)
                }
                if killAfter == index {
                    live.kill9()
                    killed = true
                    break
                }
            }
            if killed {
                kills += 1
                daemon = nil
                daemon = try DaemonProcess(stateDirectory: dir.url, config: config)
            } else {
                let done = try admin.wait(for: "completed")
                if let id = done["transactionID"] as? String { seenCompleted.insert(id) }
            }
        }
        // Finish whatever was resumed last, then stop in order and look at what is on disk.
        try settle(try #require(daemon).admin(), seenCompleted: &seenCompleted, licences: dir.url)
        #expect(daemon?.terminate() == 0)
        daemon = nil
        #expect(kills >= Self.flows / 3, "only \(kills) kills")

        let store = try TransactionStore.open(path: dir.url.appendingPathComponent("kioskd.db").path)
        defer { store.close() }
        for id in seenCompleted {
            #expect(try store.transaction(id: id)?.outcome == .completed, "completed transaction \(id) lost")
        }
        for id in started {
            #expect(try store.transaction(id: id) != nil, "session \(id) left half-open")
        }
        #expect(try store.loadCheckpoint() == nil, "a session checkpoint (personal data) survived")
        for record in try store.recentTransactions(limit: 1000) where record.outcome != .completed {
            if case .cancelled = record.outcome {
                #expect(
                    record.applicantIDNumber == nil && record.form == nil, "cancelled \(record.id) kept personal data")
            }
        }
        let licences = try FileManager.default.contentsOfDirectory(
            atPath: dir.url.appendingPathComponent("sim-output/licences").path)
        var perTransaction: [String: Int] = [:]
        for file in licences {
            let id = String(
                file.dropFirst("licence-".count).prefix { $0 != "." }.split(separator: "-").dropLast().joined(
                    separator: "-"))
            perTransaction[id, default: 0] += 1
        }
        for (id, count) in perTransaction { #expect(count == 1, "licence of \(id) printed \(count) times") }
        for id in seenCompleted { #expect(perTransaction[id] == 1, "completed \(id) has no licence") }
    }

    /// Brings a resumed session to an end the way staff and citizen would: cancel before printing; after printing
    /// started, carry on; a print whose result is unknown is confirmed if the sheet is in the tray, reprinted if not.
    private func settle(_ admin: ControlConnection, seenCompleted: inout Set<String>, licences: URL) throws {
        for _ in 0..<20 {
            let status = try admin.request(["command": "status"])
            let flow = status["flow"] as? [String: Any] ?? [:]
            let step = flow["step"] as? String ?? "idle"
            let id = flow["transactionID"] as? String ?? ""
            switch step {
            case "idle":
                return
            case "completed", "cancelled", "handedOff":
                if step == "completed", let done = flow["lastCompletedTransaction"] as? String {
                    seenCompleted.insert(done)
                }
                try admin.wait(for: "idle")
            case "awaitingCard", "verifyingIdentity", "fillingForm", "awaitingSignature":
                try admin.flow("cancel")
            case "approving", "printingLicence", "printingReceipt":
                _ = try? admin.flow("wait", ["step": "rating", "timeoutMs": 5000])
                let now = (try admin.request(["command": "status"])["flow"] as? [String: Any])?["step"] as? String
                if now == step && step != "printingLicence" { try admin.flow("cancel") }
            case "licencePrintProblem":
                let printed =
                    (try? FileManager.default.contentsOfDirectory(
                        atPath: licences.appendingPathComponent("sim-output/licences").path))?
                    .contains { $0.hasPrefix("licence-\(id)-") } ?? false
                _ = try admin.request([
                    "command": "staff", "staffID": "tech-1",
                    "action": printed ? "confirm-licence-printed" : "authorise-reprint",
                ])
            case "rating":
                try admin.flow("rate", ["grade": 3])
            case "persisting":
                // An ending (completed, handed off or cancelled) being recorded: it ends by itself.
                try admin.wait(for: "idle")
                let after = try admin.request(["command": "status"])["flow"] as? [String: Any] ?? [:]
                if let done = after["lastCompletedTransaction"] as? String { seenCompleted.insert(done) }
            default:
                Issue.record("unexpected step \(step)")
                return
            }
        }
        Issue.record("the resumed session did not settle")
    }
}
