import Foundation
import Testing

/// kioskd as a real process in simulate mode, driven through its sockets (issue 6).
@Suite(.serialized) struct DaemonFlowTests {
    @Test func happyPath_completesAndIsStored_andStatusShowsEveryDevice() throws {
        let dir = try TemporaryDirectory("kioskd-happy")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        #expect(admin.hello["class"] as? String == "hello")
        #expect(admin.hello["protocol"] as? Int == 2)
        let id = try DaemonScript.throughSignature(admin)
        try admin.wait(for: "rating")
        try admin.flow("rate", ["grade": 5])
        try admin.wait(for: "completed")

        let result = try ProcessRunner.run("kioskctl", ["--socket", daemon.statusSocket, "--json", "status"])
        #expect(result.status == 0, "\(result.stderr)")
        let status = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let devices = try #require(status["devices"] as? [[String: Any]])
        #expect(
            Set(devices.compactMap { $0["role"] as? String }) == [
                "idReader", "receiptPrinter", "ticketDispenser", "licencePrinter", "camera",
            ])
        for device in devices {
            #expect(device["state"] as? String == "ready", "\(device)\n\(daemon.stderr)")
            #expect(device["reasons"] is [String])
        }
        let store = try #require(status["store"] as? [String: Any])
        #expect(store["completedTransactions"] as? Int == 1)
        let flow = try #require(status["flow"] as? [String: Any])
        #expect(flow["lastCompletedTransaction"] as? String == id)

        // The licence went to the (simulated) printer once; the receipt printer printed a receipt for this id.
        let licences = try FileManager.default.contentsOfDirectory(
            atPath: dir.url.appendingPathComponent("sim-output/licences").path)
        #expect(licences == ["licence-\(id)-L1.pdf"])
        let table = try ProcessRunner.run("kioskctl", ["--socket", daemon.statusSocket, "status"])
        #expect(table.stdout.contains("licencePrinter"))
        #expect(table.stdout.contains("1 completed"))
        // No personal data in the logs.
        #expect(!daemon.stderr.contains("11010519491231002X"))
        #expect(!daemon.stderr.contains("张三丰"))
        #expect(daemon.terminate() == 0)
    }

    @Test func cardReadErrors_handOffWithAQueueTicket() throws {
        let dir = try TemporaryDirectory("kioskd-card")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        try admin.flow("start")
        try admin.sim("card-read-failures", ["count": 50])
        try admin.sim("place-card", ["card": "resident"])
        // A hand-off asks for 好差评 first; the citizen skips it.
        try admin.wait(for: "rating")
        try DaemonScript.expectApplied(admin.flow("skip-rating"))
        let reply = try admin.wait(for: "handedOff")
        #expect((reply["lastTicket"] as? String)?.hasPrefix("A") == true)
        let status = try admin.request(["command": "status"])
        #expect((status["flow"] as? [String: Any])?["handOffReason"] as? String == "card-unreadable")
    }

    @Test func expiredCard_isRefused_thenAGoodCardProceeds() throws {
        let dir = try TemporaryDirectory("kioskd-expired")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        try admin.flow("start")
        try admin.sim("place-card", ["card": "expired"])
        // The refusal is a UI event while the flow keeps waiting for a card.
        let refusal = try admin.waitForUI(containing: "identity refused")
        #expect(refusal.contains("expired"), "\(refusal)")
        let flow = try admin.request(["command": "status"])["flow"] as? [String: Any]
        #expect(flow?["step"] as? String == "awaitingCard")
        try admin.sim("lift-card", ["waitForPoll": true])
        try admin.sim("place-card", ["card": "resident"])
        try admin.wait(for: "verifyingIdentity")
    }

    @Test func rejectedApplication_returnsToForm_thenHandsOff() throws {
        let dir = try TemporaryDirectory("kioskd-reject")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        try admin.sim("authority", ["mode": "reject"])
        try DaemonScript.throughSignature(admin)
        try admin.wait(for: "fillingForm")
        try DaemonScript.expectApplied(admin.flow("submit-form", ["form": DaemonScript.form]))
        try DaemonScript.expectApplied(admin.flow("sign", ["signatureSHA256": DaemonScript.signature]))
        try DaemonScript.expectApplied(admin.flow("confirm", ["declarationAccepted": true]))
        // A hand-off asks for 好差评 first; the citizen skips it.
        try admin.wait(for: "rating")
        try DaemonScript.expectApplied(admin.flow("skip-rating"))
        let reply = try admin.wait(for: "handedOff")
        #expect(reply["lastTicket"] != nil)
    }

    @Test func authorityDown_handsOff() throws {
        let dir = try TemporaryDirectory("kioskd-authority")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        try admin.sim("authority", ["mode": "unavailable"])
        try DaemonScript.throughSignature(admin)
        // A hand-off asks for 好差评 first; the citizen skips it.
        try admin.wait(for: "rating")
        try DaemonScript.expectApplied(admin.flow("skip-rating"))
        try admin.wait(for: "handedOff")
        let status = try admin.request(["command": "status"])
        #expect((status["flow"] as? [String: Any])?["handOffReason"] as? String == "authority-unavailable")
        #expect((status["store"] as? [String: Any])?["completedTransactions"] as? Int == 0)
    }

    @Test func receiptPaperEnd_isReported_andTheTransactionStillCompletes() throws {
        let dir = try TemporaryDirectory("kioskd-paper")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        try admin.sim("printer-fault", ["role": "receiptPrinter", "fault": "paper-end", "on": true])
        try DaemonScript.throughSignature(admin)
        try admin.wait(for: "rating")
        let status = try admin.request(["command": "status"])
        let recent = ((status["flow"] as? [String: Any])?["recent"] as? [String]) ?? []
        #expect(recent.contains("receipt failed"))
        let receipt = (status["devices"] as? [[String: Any]])?.first { $0["role"] as? String == "receiptPrinter" }
        #expect((receipt?["reasons"] as? [String])?.contains("paper-end") == true, "\(String(describing: receipt))")
        try admin.flow("skip-rating")
        try admin.wait(for: "completed")
    }

    @Test func citizenWalksAway_atEachStep_isCancelledAndWiped() throws {
        let dir = try TemporaryDirectory("kioskd-away")
        defer { dir.remove() }
        let config: [String: Any] = [
            "kioskID": "TEST-AWAY",
            "flow": [
                "timeoutsSeconds": [
                    "awaitingCard": 3, "verifyingIdentity": 1.5, "fillingForm": 1.5, "awaitingSignature": 1.5,
                ],
                "warningSeconds": 0.3, "endScreenSeconds": 0.2,
            ],
        ]
        let daemon = try DaemonProcess(stateDirectory: dir.url, config: config)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        let steps: [(String, (ControlConnection) throws -> Void)] = [
            ("awaitingCard", { _ in }),
            (
                "verifyingIdentity",
                { a in
                    try a.sim("place-card", ["card": "resident"]); try a.wait(for: "verifyingIdentity")
                }
            ),
            (
                "fillingForm",
                { a in
                    try a.sim("place-card", ["card": "resident"]); try a.wait(for: "verifyingIdentity")
                    try a.flow("confirm-identity")
                }
            ),
            (
                "awaitingSignature",
                { a in
                    try a.sim("place-card", ["card": "resident"]); try a.wait(for: "verifyingIdentity")
                    try a.flow("confirm-identity");
                    try DaemonScript.expectApplied(a.flow("submit-form", ["form": DaemonScript.form]))
                }
            ),
        ]
        for (step, reach) in steps {
            try admin.wait(for: "idle")
            let id = try #require(try admin.flow("start")["transactionID"] as? String)
            try reach(admin)
            try admin.sim("lift-card")
            // Walked away: warning, then cancel, then the end screen, then idle again.
            try admin.wait(for: "idle", timeout: .seconds(20))
            let status = try admin.request(["command": "status"])
            let ended = (status["flow"] as? [String: Any])?["lastEnded"] as? [String: Any]
            #expect(ended?["transactionID"] as? String == id, "at \(step)")
            #expect(ended?["step"] as? String == "cancelled", "at \(step)")
            #expect(ended?["reason"] as? String == "timed-out", "at \(step)")
        }
        // Nothing personal was kept for the cancelled sessions.
        let dump = try String(contentsOf: dir.url.appendingPathComponent("kioskd.db"), encoding: .isoLatin1)
        #expect(!dump.contains("11010519491231002X"))
    }

    @Test func adminSocket_refusesMalformedAndOversizedRequests() throws {
        let dir = try TemporaryDirectory("kioskd-bad")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        try admin.sendRaw(Array("not json\n".utf8))
        let bad = try admin.readObject(timeout: .seconds(5))
        #expect(bad["ok"] as? Bool == false)
        #expect(bad["class"] as? String == "error")
        let unknown = try admin.request(["command": "flow", "event": "teleport"])
        #expect((unknown["error"] as? String)?.contains("unknown flow event") == true)
        let status = try ControlConnection(path: daemon.statusSocket)
        let refused = try status.request(["command": "flow", "event": "start"])
        #expect((refused["error"] as? String)?.contains("only available on admin.sock") == true)
        try admin.sendRaw([UInt8](repeating: 0x41, count: 530_000) + [0x0A])
        let tooLong = try admin.readObject(timeout: .seconds(5))
        #expect((tooLong["error"] as? String)?.contains("longer than") == true)
        // The daemon is still fine.
        let fresh = try daemon.admin()
        #expect(try fresh.request(["command": "ping"])["class"] as? String == "pong")
    }

    @Test func secondDaemonOnTheSameSockets_refusesToStart_andTheFirstKeepsServing() throws {
        let dir = try TemporaryDirectory("kioskd-twice")
        defer { dir.remove() }
        let first = try DaemonProcess(stateDirectory: dir.url)
        defer { first.stop() }
        var refusal = ""
        do {
            _ = try DaemonProcess(stateDirectory: dir.url, readyTimeout: 30)
            Issue.record("a second kioskd became ready on the same sockets")
        } catch {
            refusal = "\(error)"
        }
        #expect(refusal.contains("another kioskd is already serving"), "\(refusal)")
        let admin = try first.admin()
        #expect(try admin.request(["command": "ping"])["class"] as? String == "pong")
    }
}
