import Foundation
import KioskCore
import KioskIO
import KioskStore
import Testing

/// What the touch screen needs of kioskd, as a real process through admin.sock (issue 11): the signature image kept
/// with the session and then the record, served to the centre; the five-grade rating with reasons and 回访 consent;
/// 呼叫工作人员 in status, the audit log and /metrics; 适老模式 in status.
@Suite(.serialized) struct DaemonTouchFlowTests {
    static let token = "touch-token-\(UUID().uuidString)"

    /// A PNG-headed image (the daemon checks the signature, the size and nothing else) with a marker to look for.
    static let png: [UInt8] =
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array("SIGNED-BY-HAND".utf8)
        + (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) }

    private func curl(_ arguments: [String]) throws -> String {
        let child = try ChildProcess("/usr/bin/curl", ["-s"] + arguments, environment: ["PATH": "/usr/bin:/bin"])
        guard child.waitForExit(deadline: .after(seconds: 30)) else {
            child.stop()
            throw DaemonProcess.Failure(description: "curl \(arguments) hung")
        }
        return child.output
    }

    /// kioskd with its pull listener on 127.0.0.1:0 without TLS; its base URL.
    private func startKioskd(_ directory: URL) throws -> (DaemonProcess, String) {
        let daemon = try DaemonProcess(
            stateDirectory: directory,
            config: [
                "kioskID": "TOUCH-01",
                "central": [
                    "pull": [
                        "listen": "127.0.0.1:0", "tls": "off", "tokenSHA256": [SHA256.hex(of: Array(Self.token.utf8))],
                    ]
                ],
            ])
        guard daemon.child.waitForOutput(containing: "pull API listening on http://", deadline: .after(seconds: 10)),
            let line = daemon.output.components(separatedBy: "\n").first(where: {
                $0.contains("pull API listening on http://127.0.0.1:")
            }),
            let port = line.components(separatedBy: "http://127.0.0.1:").last.flatMap({ Int($0.prefix { $0.isNumber }) }
            )
        else {
            daemon.stop()
            throw DaemonProcess.Failure(description: "no pull listener logged:\n\(daemon.output)")
        }
        return (daemon, "http://127.0.0.1:\(port)")
    }

    @Test func signatureImage_andDissatisfiedRating_reachTheRecordAndTheCentre() throws {
        let dir = try TemporaryDirectory("kioskd-touch-sign")
        defer { dir.remove() }
        let (daemon, base) = try startKioskd(dir.url)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        let started = try admin.flow("start", ["elderly": true])
        let id = try #require(started["transactionID"] as? String)
        let status = try admin.request(["command": "status"])
        #expect((status["flow"] as? [String: Any])?["elderly"] as? Bool == true, "\(status)")
        try admin.sim("place-card", ["card": "resident"])
        try DaemonScript.passIdentity(admin)
        try admin.sim("lift-card")
        try DaemonScript.expectApplied(admin.flow("submit-form", ["form": DaemonScript.form]))
        // Not a PNG, and too large: refused before the flow hears of them.
        let gif = try admin.flow("sign", ["signature": Data("GIF89a-not-a-png".utf8).base64EncodedString()])
        #expect(gif["ok"] as? Bool == false && (gif["error"] as? String)?.contains("not a PNG") == true, "\(gif)")
        let huge = Self.png + [UInt8](repeating: 1, count: SignatureImage.maximumBytes)
        let tooLarge = try admin.flow("sign", ["signature": Data(huge).base64EncodedString()])
        #expect(tooLarge["ok"] as? Bool == false, "\(tooLarge)")
        try DaemonScript.expectApplied(admin.flow("sign", ["signature": Data(Self.png).base64EncodedString()]))
        try DaemonScript.expectApplied(admin.flow("confirm", ["declarationAccepted": true]))
        try admin.wait(for: "rating")
        let satisfiedWithReasons = try admin.flow("rate", ["grade": 4, "reasons": ["efficiency"]])
        #expect(satisfiedWithReasons["applied"] as? Bool == false, "\(satisfiedWithReasons)")
        try DaemonScript.expectApplied(
            admin.flow("rate", ["grade": 2, "reasons": ["deviceFault", "complexity"], "followUpConsent": true]))
        try admin.wait(for: "completed")
        let again = try admin.flow("rate", ["grade": 5])
        #expect(again["applied"] as? Bool == false, "\(again)")

        // The centre's pull: the image with its hash, and the rating.
        let page = try curl(["-H", "Authorization: Bearer \(Self.token)", "\(base)/v1/transactions"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(page.utf8)) as? [String: Any])
        let data = try #require((object["transactions"] as? [[String: Any]])?.first?["data"] as? [String: Any])
        let signature = try #require(data["signature"] as? [String: Any], "\(data)")
        #expect(signature["sha256"] as? String == SHA256.hex(of: Self.png))
        #expect(signature["mediaType"] as? String == "image/png")
        #expect((signature["image"] as? String).flatMap { Data(base64Encoded: $0) }.map(Array.init) == Self.png)
        let rating = try #require(data["rating"] as? [String: Any])
        #expect(rating["grade"] as? Int == 2)
        #expect(rating["reasons"] as? [String] == ["deviceFault", "complexity"])
        #expect(rating["followUpConsent"] as? Bool == true)
        #expect(!daemon.stderr.contains(Data(Self.png).base64EncodedString().prefix(40)))
        #expect(daemon.terminate() == 0)

        let store = try TransactionStore.open(path: dir.url.appendingPathComponent("kioskd.db").path)
        defer { store.close() }
        #expect(try store.transactionSignatureImage(id: id)?.png == Self.png)
        let record = try #require(try store.transaction(id: id))
        #expect(record.signatureSHA256 == SHA256.hex(of: Self.png))
        #expect(
            record.rating
                == ServiceRating(grade: .dissatisfied, reasons: [.deviceFault, .complexity], followUpConsent: true))
        #expect(try store.loadCheckpoint() == nil)
    }

    @Test func handOff_thenSIGKILLDuringItsRating_keepsTheQueueTicketInTheRecord() throws {
        let dir = try TemporaryDirectory("kioskd-touch-ticket")
        defer { dir.remove() }
        var (daemon, _) = try startKioskd(dir.url)
        defer { daemon.stop() }
        var admin = try daemon.admin()
        let started = try admin.flow("start")
        let id = try #require(started["transactionID"] as? String)
        try admin.sim("place-card", ["card": "resident"])
        try DaemonScript.passIdentity(admin)
        try admin.sim("lift-card")
        try DaemonScript.expectApplied(admin.flow("request-hand-off"))
        try admin.wait(for: "rating")
        // The number is allocated while the rating is asked for; once status shows it, the flow has been told, and
        // the next request is handled after that (events are handled in order, each with its checkpoint).
        let deadline = Deadline.after(seconds: 10)
        var ticket: String?
        while ticket == nil && !deadline.hasPassed {
            ticket = (try admin.request(["command": "status"])["flow"] as? [String: Any])?["lastTicket"] as? String
        }
        let number = try #require(ticket)
        try DaemonScript.expectApplied(admin.flow("citizen-active"))
        daemon.kill9()

        (daemon, _) = try startKioskd(dir.url)
        admin = try daemon.admin()
        try admin.wait(for: "rating")
        try DaemonScript.expectApplied(admin.flow("skip-rating"))
        try admin.wait(for: "handedOff")
        #expect(daemon.terminate() == 0)
        let store = try TransactionStore.open(path: dir.url.appendingPathComponent("kioskd.db").path)
        defer { store.close() }
        let record = try #require(try store.transaction(id: id))
        #expect(record.queueTicket == number)
        #expect(record.outcome == .handedOff(reason: "requested-by-citizen"))
    }

    @Test func callStaff_showsInStatusAuditAndMetrics_untilStaffAct() throws {
        let dir = try TemporaryDirectory("kioskd-touch-staff")
        defer { dir.remove() }
        let (daemon, base) = try startKioskd(dir.url)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        // On the welcome screen, with no session.
        try DaemonScript.expectApplied(admin.flow("call-staff"))
        let twice = try admin.flow("call-staff")
        #expect(twice["applied"] as? Bool == false, "\(twice)")
        var flow = try admin.request(["command": "status"])["flow"] as? [String: Any]
        let call = try #require(flow?["staffCall"] as? [String: Any], "\(String(describing: flow))")
        #expect(call["by"] as? String == "citizen")
        #expect(call["reason"] as? String == "requested-by-citizen")
        let metrics = try PrometheusParser.parse(try curl(["\(base)/metrics"]))
        #expect(metrics.value("kioskd_staff_calls_total", ["by": "citizen"]) == 1)
        #expect(metrics.value("kioskd_staff_calls_total", ["by": "flow"]) == 0)
        let answered = try admin.request(["command": "staff", "staffID": "s-9", "action": "extend-time"])
        #expect(answered["applied"] as? Bool == true, "\(answered)")
        flow = try admin.request(["command": "status"])["flow"] as? [String: Any]
        #expect(flow?["staffCall"] == nil, "\(String(describing: flow))")
        #expect(daemon.terminate() == 0)

        let store = try TransactionStore.open(path: dir.url.appendingPathComponent("kioskd.db").path)
        defer { store.close() }
        let audit = try store.auditEntries()
        #expect(audit.contains { $0.actor == "citizen" && $0.action == "staff-call" }, "\(audit)")
        #expect(audit.contains { $0.actor == "s-9" && $0.action == "extend-time" }, "\(audit)")
    }
}
