import Foundation
import Glibc
import KioskIO
import Testing

/// `kioskctl selftest` against `kioskd --simulate`, both real processes: the table and JSON, a failing printer, the
/// licence queue's dry check against the print that uses stock, the refusal during a citizen's session.
@Suite(.serialized) struct KioskctlSelftestTests {
    static func kioskctl(_ daemon: DaemonProcess, _ arguments: [String]) throws -> ProcessRunner.Result {
        try ProcessRunner.run("kioskctl", ["--socket", daemon.statusSocket] + arguments, timeout: 120)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    static func checks(_ reply: [String: Any]) -> [[String: Any]] { reply["checks"] as? [[String: Any]] ?? [] }

    @Test func all_passes_inTheTableAndJSON_andIsAudited() throws {
        let dir = try TemporaryDirectory("kioskctl-selftest")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let table = try Self.kioskctl(daemon, ["selftest", "all"])
        #expect(table.status == 0, "\(table.stdout)\(table.stderr)")
        #expect(table.stdout.hasPrefix("TARGET"), "\(table.stdout)")
        for row in ["SAM status", "SAM ID", "test receipt", "test ticket", "licencePrinter", "central", "host"] {
            #expect(table.stdout.contains(row), "missing \(row) in\n\(table.stdout)")
        }
        #expect(table.stdout.contains("selftest passed"), "\(table.stdout)")
        print(table.stdout)

        let json = try Self.json(try Self.kioskctl(daemon, ["selftest", "all", "--json"]).stdout)
        #expect(json["class"] as? String == "selftest")
        #expect(json["result"] as? String != "fail", "\(json)")
        let checks = Self.checks(json)
        #expect(
            checks.contains {
                $0["check"] as? String == "SAM ID" && $0["reason"] as? String == "05.01-20102526-000012345-1234567890"
            }, "\(checks)")
        #expect(checks.contains { $0["check"] as? String == "test receipt" && $0["result"] as? String == "pass" })
        #expect(checks.contains { $0["check"] as? String == "test ticket" && $0["result"] as? String == "pass" })
        #expect(Set(checks.compactMap { $0["target"] as? String }).count == 6, "\(checks)")

        let history = try Self.json(try Self.kioskctl(daemon, ["history", "--json"]).stdout)
        let audit = history["audit"] as? [[String: Any]] ?? []
        let entries = audit.filter { $0["action"] as? String == "selftest" }
        #expect(entries.count == 2, "\(audit)")
        #expect(entries.allSatisfy { ($0["actor"] as? String)?.hasPrefix("uid ") == true }, "\(entries)")
        #expect(entries.allSatisfy { ($0["detail"] as? String)?.contains("idReader,receiptPrinter") == true })
    }

    @Test func receiptPrinter_inPaperEnd_fails() throws {
        let dir = try TemporaryDirectory("kioskctl-selftest-paper")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        try daemon.admin().sim("printer-fault", ["role": "receiptPrinter", "fault": "paper-end", "on": true])
        let run = try Self.kioskctl(daemon, ["selftest", "receiptPrinter"])
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("selftest FAILED"), "\(run.stdout)")
        #expect(run.stdout.contains("paper-end"), "\(run.stdout)")
        #expect(!run.stdout.contains("idReader"))
        // The ticket dispenser is another printer: it still passes alone.
        #expect(try Self.kioskctl(daemon, ["selftest", "ticketDispenser"]).status == 0)
    }

    @Test func refused_duringACitizensSession_andUsageErrors() throws {
        let dir = try TemporaryDirectory("kioskctl-selftest-session")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        try admin.flow("start")
        let refused = try Self.kioskctl(daemon, ["selftest", "all"])
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("a citizen's session is active"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)
        try admin.flow("cancel")
        try admin.wait(for: "cancelled")
        #expect(try Self.kioskctl(daemon, ["selftest", "idReader"]).status == 0)

        #expect(try Self.kioskctl(daemon, ["selftest"]).status == 2)
        #expect(try Self.kioskctl(daemon, ["selftest", "printer"]).status == 2)
        #expect(try Self.kioskctl(daemon, ["selftest", "all", "--dry"]).status == 2)
        let help = try Self.kioskctl(daemon, ["selftest", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("usage: kioskctl selftest"), "\(help.stdout)")
        let unreachable = try ProcessRunner.run(
            "kioskctl", ["--socket", dir.url.appendingPathComponent("none/kioskd.sock").path, "selftest", "all"],
            timeout: 30)
        #expect(unreachable.status == 3, "\(unreachable.stderr)")
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return }
        let denied = try ProcessRunner.runAny(
            "/usr/bin/setpriv",
            [
                "--reuid=65534", "--regid=65534", "--clear-groups", ProcessRunner.executable("kioskctl").path,
                "--socket", daemon.statusSocket, "selftest", "all",
            ])
        #expect(denied.status == 4, "\(denied.stdout)\(denied.stderr)")
        #expect(denied.stderr.contains("permission denied"), "\(denied.stderr)")
    }

    @Test func central_withTheCentralSimulator_isReachedOverVerifiedTLS() throws {
        let dir = try TemporaryDirectory("kioskctl-selftest-central")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url, central: true, readyTimeout: 120)
        defer { daemon.stop() }
        let run = try Self.kioskctl(daemon, ["selftest", "central", "--json"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let checks = Self.checks(try Self.json(run.stdout))
        #expect(checks.map { $0["check"] as? String } == ["registration", "push", "pull", "identity"], "\(checks)")
        for check in checks {
            #expect(check["result"] as? String == "pass", "\(check)")
            #expect((check["reason"] as? String)?.contains("TLS verified (pinned)") == true, "\(check)")
        }

        // `simulate face` sets what the simulated centre's identity service answers, through admin.sock.
        let face = try Self.kioskctl(daemon, ["simulate", "face", "no-match", "--script", "unavailable,match"])
        #expect(face.status == 0, "\(face.stdout)\(face.stderr)")
        #expect(face.stdout.contains("face: next unavailable, match; then no-match"), "\(face.stdout)")
        let control = try #require(
            daemon.stderr.firstMatch(of: /\(control (http:\/\/127\.0\.0\.1:[0-9]+),/)?.1, "\(daemon.stderr)")
        let received = try ProcessRunner.runAny("/usr/bin/curl", ["-s", control + "/sim/received?summary"])
        let identity = try #require(try Self.json(received.stdout)["identity"] as? [String: Any])
        #expect(identity["mode"] as? String == "no-match", "\(identity)")
        #expect(identity["script"] as? [String] == ["unavailable", "match"], "\(identity)")
        #expect(try Self.kioskctl(daemon, ["simulate", "face", "perhaps"]).status == 2)
    }

    @Test(.enabled(if: PrivateCUPSRequirement.canRun, PrivateCUPSRequirement.whyNot))
    func licencePrinter_dryCheckPrintsNothing_andPrintPrintsOnePage() throws {
        let dir = try TemporaryDirectory("kioskctl-selftest-cups")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url, cups: true, readyTimeout: 120)
        defer { daemon.stop() }
        let devices = try Self.json(try Self.kioskctl(daemon, ["devices", "licencePrinter", "--json"]).stdout)
        let endpoint = try #require((devices["devices"] as? [[String: Any]])?.first?["endpoint"] as? String)
        // "cups queue licence on PATH"
        let server = String(try #require(endpoint.components(separatedBy: " on ").last))
        #expect(try Self.jobs(server: server) == 0)

        let dry = try Self.kioskctl(daemon, ["selftest", "licencePrinter", "--json"])
        #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
        let dryChecks = Self.checks(try Self.json(dry.stdout))
        for check in ["queue", "accepting", "printer-state", "error-policy", "media", "test page"] {
            #expect(dryChecks.contains { $0["check"] as? String == check }, "missing \(check): \(dryChecks)")
        }
        #expect(
            dryChecks.contains { ($0["reason"] as? String)?.hasPrefix("not printed: a dry check") == true },
            "\(dryChecks)")
        #expect(try Self.jobs(server: server) == 0, "the dry check printed")

        let printed = try Self.kioskctl(daemon, ["selftest", "licencePrinter", "--print"])
        #expect(printed.status == 0, "\(printed.stdout)\(printed.stderr)")
        #expect(printed.stdout.contains("printed (job "), "\(printed.stdout)")
        #expect(try Self.jobs(server: server) == 1)

        // The printer out of paper: the test page's outcome fails the selftest.
        try daemon.admin().sim("licence-fault", ["fault": "media-empty"])
        let empty = try Self.kioskctl(daemon, ["selftest", "licencePrinter", "--print"])
        #expect(empty.status == 1, "\(empty.stdout)\(empty.stderr)")
        #expect(
            empty.stdout.split(separator: "\n").contains { $0.contains("test page") && $0.contains(" fail ") },
            "\(empty.stdout)")

        // A queue that rejects jobs fails the dry check, which still prints nothing.
        let jobsBefore = try Self.jobs(server: server)
        #expect(try Self.cups("/usr/sbin/cupsreject", ["licence"], server: server) == 0)
        let rejecting = try Self.kioskctl(daemon, ["selftest", "licencePrinter"])
        #expect(rejecting.status == 1, "\(rejecting.stdout)\(rejecting.stderr)")
        #expect(
            rejecting.stdout.contains("rejecting jobs; after checking it: cupsaccept licence"), "\(rejecting.stdout)")
        #expect(try Self.jobs(server: server) == jobsBefore)
    }

    /// A CUPS admin command against the private cupsd; its exit status.
    static func cups(_ program: String, _ arguments: [String], server: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["CUPS_SERVER": server]) { $1 }
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Every job the private cupsd has had on the licence queue, finished or not (`lpstat -W all -o`).
    static func jobs(server: String) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/lpstat")
        process.arguments = ["-W", "all", "-o", "licence"]
        process.environment = ProcessInfo.processInfo.environment.merging(["CUPS_SERVER": server]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("licence-") }.count
    }
}
