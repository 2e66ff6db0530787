import Foundation
import Glibc
import KioskIO
import KioskSimulators
import Testing

/// Issue 13's technician plumbing against kioskd as a real process: log levels and STATUS= on a printer fault,
/// `--check-config` and `--version`, a live `kioskctl monitor`, and a debug bundle free of personal data.
@Suite(.serialized) struct DaemonOpsTests {
    /// Every personal value the sample citizen brings: the sample cards' names and numbers and the form's fields.
    static let personalValues = [
        "张三丰", "11010519491231002X", "陈大文", "810000199003150023", "史密斯", "USA110080010108", "SMITH JOHN",
        "玛丽", "932682198501010017", "MARTIN MARIE CLAIRE", "13812345678", "景山前街",
    ]

    @Test func printerFault_isAWarning_itsRecoveryANotice_andStatusFollows() throws {
        let dir = try TemporaryDirectory("kioskd-ops-fault")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        #expect(daemon.notify.waitFor("STATUS=ready: 5/5 devices", timeout: 5), "\(daemon.notify.messages)")
        let admin = try daemon.admin()
        try admin.sim("printer-fault", ["role": "receiptPrinter", "fault": "paper-end"])
        #expect(
            daemon.notify.waitFor("STATUS=degraded: receiptPrinter paper-end", timeout: 20),
            "\(daemon.notify.messages)\n\(daemon.stderr)")
        #expect(
            daemon.child.waitForOutput(
                containing: "<4>receiptPrinter: faulted (paper-end)", deadline: .after(.seconds(5))), "\(daemon.stderr)"
        )
        try admin.sim("printer-fault", ["role": "receiptPrinter", "fault": "paper-end", "on": false])
        #expect(
            daemon.notify.waitForAnother("STATUS=ready: 5/5 devices", timeout: 20),
            "\(daemon.notify.messages)\n\(daemon.stderr)")
        #expect(
            daemon.child.waitForOutput(
                containing: "<5>receiptPrinter: recovered: ready", deadline: .after(.seconds(5))),
            "\(daemon.stderr)")
        // Nothing about a connection at warning: the admin connections above were notices.
        let warnings = daemon.stderr.split(separator: "\n").filter { $0.hasPrefix("<4>") || $0.hasPrefix("<3>") }
        #expect(warnings.allSatisfy { !$0.contains("connection") }, "\(warnings)")
        #expect(daemon.terminate() == 0)
    }

    @Test func failedReceipt_isAWarning_andAPrintFailedEvent() throws {
        let dir = try TemporaryDirectory("kioskd-ops-receipt")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let monitor = try ChildProcess(
            ProcessRunner.executable("kioskctl").path, ["--socket", daemon.statusSocket, "monitor", "--json"],
            environment: ProcessInfo.processInfo.environment)
        defer { monitor.stop() }
        #expect(monitor.waitForOutput(containing: #""class":"monitor""#, deadline: .after(.seconds(20))))
        let admin = try daemon.admin()
        try admin.sim("printer-fault", ["role": "receiptPrinter", "fault": "paper-end"])
        // The flow prints the receipt whatever the printer's health: the attempt fails, nothing is sent.
        #expect(daemon.notify.waitFor("STATUS=degraded: receiptPrinter paper-end", timeout: 20))
        try DaemonScript.throughSignature(admin)
        #expect(
            daemon.child.waitForOutput(containing: "<4>receipt: receipt ", deadline: .after(.seconds(60))),
            "\(daemon.stderr)")
        #expect(
            monitor.waitForOutput(containing: #""event":"failed""#, deadline: .after(.seconds(10))), "\(monitor.output)"
        )
        let failed = daemon.stderr.split(separator: "\n").first { $0.hasPrefix("<4>receipt: receipt ") } ?? ""
        #expect(failed.contains("failed"), "\(failed)")
        #expect(daemon.terminate() == 0)
    }

    @Test func checkConfig_exitsZeroWhenValid_andOneWithTheKeyOrLineAndColumn() throws {
        let dir = try TemporaryDirectory("kioskd-ops-check")
        defer { dir.remove() }
        func check(_ text: String) throws -> ProcessRunner.Result {
            let file = dir.url.appendingPathComponent("kioskd-\(UUID().uuidString.prefix(6)).json")
            try Data(text.utf8).write(to: file)
            return try ProcessRunner.run("kioskd", ["--check-config", file.path])
        }
        let valid = try check(#"{"kioskID": "K-1", "authority": {"mode": "embedded"}}"#)
        #expect(valid.status == 0, "\(valid.stderr)")
        #expect(valid.stdout.contains("is OK"))

        let syntax = try check("{\n  \"kioskID\": \"K-1\",\n  \"log\" {\"level\": \"info\"}\n}\n")
        #expect(syntax.status == 1)
        #expect(syntax.stderr.contains(".json:3:"), "\(syntax.stderr)")

        let key = try check(#"{"kioskID": "K-1", "authority": {"mode": "embedded"}, "ui": {"listen": 5}}"#)
        #expect(key.status == 1)
        #expect(key.stderr.contains("ui.listen"), "\(key.stderr)")

        let authority = try check(#"{"kioskID": "K-1"}"#)
        #expect(authority.status == 1)
        #expect(authority.stderr.contains("authority.mode"), "\(authority.stderr)")

        let missing = try ProcessRunner.run("kioskd", ["--check-config", dir.url.appendingPathComponent("none").path])
        #expect(missing.status == 1)

        let version = try ProcessRunner.run("kioskd", ["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("kioskd 0."), "\(version.stdout)")
    }

    @Test func monitor_showsTheCardRead_maskedInBothForms_andEndsOnSIGTERM() throws {
        let dir = try TemporaryDirectory("kioskd-ops-monitor")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let kioskctl = ProcessRunner.executable("kioskctl").path
        let environment = ProcessInfo.processInfo.environment
        let json = try ChildProcess(
            kioskctl, ["--socket", daemon.statusSocket, "monitor", "--json"], environment: environment)
        defer { json.stop() }
        let human = try ChildProcess(kioskctl, ["monitor", "--socket", daemon.statusSocket], environment: environment)
        defer { human.stop() }
        #expect(json.waitForOutput(containing: #""class":"monitor""#, deadline: .after(.seconds(20))), "\(json.output)")
        #expect(human.waitForOutput(containing: "monitoring kioskd", deadline: .after(.seconds(20))), "\(human.output)")

        let admin = try daemon.admin()
        try admin.flow("start")
        let placed = ContinuousClock.now
        try admin.sim("place-card", ["card": "resident"])
        #expect(json.waitForOutput(containing: #""event":"read""#, deadline: .after(.seconds(10))), "\(json.output)")
        let seen = Date()
        let arrival = ContinuousClock.now - placed
        #expect(arrival < .seconds(5), "the card-read line came after \(arrival)")
        #expect(
            human.waitForOutput(containing: "card read: resident 1101", deadline: .after(.seconds(10))),
            "\(human.output)")
        try admin.wait(for: "verifyingIdentity")
        try admin.flow("cancel")
        #expect(json.waitForOutput(containing: #""kind":"flow""#, deadline: .after(.seconds(10))))

        json.signal(SIGTERM)
        human.signal(SIGINT)
        #expect(json.waitForExit(deadline: .after(.seconds(10))))
        #expect(human.waitForExit(deadline: .after(.seconds(10))))
        #expect(json.exitStatus == 0)
        #expect(human.exitStatus == 0)
        let lines = json.output.split(separator: "\n")
        let read = try #require(lines.first { $0.contains(#""event":"read""#) })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(read.utf8)) as? [String: Any])
        #expect(object["kind"] as? String == "card")
        let masked = try #require((object["detail"] as? [String: String])?["idNumber"])
        #expect(masked.hasPrefix("1101") && masked.contains("*"), "\(masked)")
        // From kioskd's publish to kioskctl's line: the reader's own read time is all the rest.
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let published = try #require((object["at"] as? String).flatMap(formatter.date(from:)))
        #expect(seen.timeIntervalSince(published) < 0.5, "delivered \(seen.timeIntervalSince(published)) s after")
        for value in Self.personalValues {
            #expect(!json.output.contains(value), "\(value) in the JSON monitor")
            #expect(!human.output.contains(value), "\(value) in the monitor")
        }
        #expect(daemon.terminate() == 0)
    }

    @Test func monitor_showsPrintsAndTheCentralSync() throws {
        let dir = try TemporaryDirectory("kioskd-ops-central")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url, central: true)
        defer { daemon.stop() }
        let monitor = try ChildProcess(
            ProcessRunner.executable("kioskctl").path, ["--socket", daemon.statusSocket, "--json", "monitor"],
            environment: ProcessInfo.processInfo.environment)
        defer { monitor.stop() }
        #expect(monitor.waitForOutput(containing: #""class":"monitor""#, deadline: .after(.seconds(20))))
        let admin = try daemon.admin()
        try DaemonScript.throughSignature(admin)
        try admin.wait(for: "rating", timeout: .seconds(60))
        try admin.flow("rate", ["grade": 5])
        try admin.wait(for: "completed")
        #expect(
            monitor.waitForOutput(containing: #""kind":"central""#, deadline: .after(.seconds(30))),
            "\(monitor.output)\n\(daemon.stderr)")
        let kinds = monitor.output.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }.compactMap { object -> String? in
            guard let kind = object["kind"] as? String, let event = object["event"] as? String else { return nil }
            return "\(kind)/\(event)"
        }
        for expected in ["card/read", "flow/step", "print/started", "print/completed", "flow/done"] {
            #expect(kinds.contains(expected), "\(expected) missing from \(kinds)")
        }
        // The simulated centre pulls and acknowledges (then the pusher finds nothing left), or the pusher is first.
        #expect(kinds.contains("central/acked") || kinds.contains("central/pushed"), "\(kinds)")
        for value in Self.personalValues { #expect(!monitor.output.contains(value), "\(value) in the monitor") }
        monitor.signal(SIGTERM)
        #expect(monitor.waitForExit(deadline: .after(.seconds(10))))
        #expect(monitor.exitStatus == 0)
        #expect(daemon.terminate() == 0)
    }

    @Test func monitorAndDebugBundle_exitCodes_helpUsageUnreachableDenied() throws {
        for verb in ["monitor", "debug-bundle"] {
            let help = try ProcessRunner.run("kioskctl", [verb, "--help"])
            #expect(help.status == 0)
            #expect(help.stdout.contains("usage: kioskctl"))
            let usage = try ProcessRunner.run("kioskctl", [verb, "--bogus"])
            #expect(usage.status == 2)
            let out = verb == "debug-bundle" ? ["--out", "/tmp/never-written.tar.gz"] : []
            let gone = try ProcessRunner.run("kioskctl", ["--socket", "/nonexistent/kioskd.sock", verb] + out)
            #expect(gone.status == 3, "\(verb): \(gone.stderr)")
        }
        let dir = try TemporaryDirectory("kioskd-ops-denied")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let kioskctl = ProcessRunner.executable("kioskctl").path
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("denied-\(UUID().uuidString).tar.gz")
        let denied = try ProcessRunner.runAny(
            "/usr/bin/setpriv",
            [
                "--reuid=65534", "--regid=65534", "--clear-groups", kioskctl, "--socket", daemon.adminSocket,
                "debug-bundle", "--out", out.path,
            ])
        #expect(denied.status == 4, "\(denied.stdout)\(denied.stderr)")
        #expect(denied.stderr.contains("permission denied"))
    }

    @Test func debugBundle_afterASampleCitizen_holdsTheFacts_andNoPersonalData() throws {
        let dir = try TemporaryDirectory("kioskd-ops-bundle")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        try DaemonScript.throughSignature(admin)
        try admin.wait(for: "rating")
        try admin.flow("rate", ["grade": 5])
        try admin.wait(for: "completed")

        let bundle = dir.url.appendingPathComponent("bundle.tar.gz")
        let made = try ProcessRunner.run(
            "kioskctl", ["--socket", daemon.adminSocket, "debug-bundle", "--out", bundle.path])
        #expect(made.status == 0, "\(made.stderr)")
        let unpacked = dir.url.appendingPathComponent("unpacked")
        try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
        let tar = try ProcessRunner.runAny("/usr/bin/tar", ["-xzf", bundle.path, "-C", unpacked.path])
        #expect(tar.status == 0, "\(tar.stderr)")
        let top = try #require(try FileManager.default.contentsOfDirectory(atPath: unpacked.path).first)
        let root = unpacked.appendingPathComponent(top)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: root.path))
        #expect(
            names == [
                "README.txt", "version.txt", "config.json", "status.json", "devices.json", "store.json", "log.txt",
                "udev.txt",
            ])
        var everything = ""
        for name in names { everything += try String(contentsOf: root.appendingPathComponent(name), encoding: .utf8) }
        let log = try String(contentsOf: root.appendingPathComponent("log.txt"), encoding: .utf8)
        #expect(log.contains("<5>kioskd: ready in"), "\(log.prefix(2000))")
        #expect(log.contains("card read: resident 1101"))
        let status = try JSONSerialization.jsonObject(
            with: Data(contentsOf: root.appendingPathComponent("status.json")))
        #expect(((status as? [String: Any])?["store"] as? [String: Any])?["completedTransactions"] as? Int == 1)
        for value in Self.personalValues { #expect(!everything.contains(value), "\(value) in the bundle") }
        #expect(daemon.terminate() == 0)
    }
}

extension ProcessRunner {
    /// Runs a program outside the package (tar, setpriv) the same way.
    static func runAny(_ path: String, _ arguments: [String]) throws -> Result {
        let child = try ChildProcess(path, arguments, environment: ProcessInfo.processInfo.environment)
        guard child.waitForExit(deadline: .after(.seconds(60))) else {
            child.stop()
            return Result(status: -1, stdout: child.output, stderr: "timed out")
        }
        return Result(status: child.exitStatus ?? -1, stdout: child.output, stderr: child.output)
    }
}
