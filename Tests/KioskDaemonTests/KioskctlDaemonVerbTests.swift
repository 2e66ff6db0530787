import Foundation
import Glibc
import KioskIO
import Testing

/// kioskctl's daemon verbs as a technician runs them: kioskctl and `kioskd --simulate` as real processes, each
/// verb's table, JSON and exit code (docs/control-protocol.md; exit codes in the README).
@Suite(.serialized) struct KioskctlDaemonVerbTests {
    static func kioskctl(_ daemon: DaemonProcess?, _ arguments: [String], socket: String? = nil) throws
        -> ProcessRunner.Result
    {
        let path = socket ?? daemon?.statusSocket ?? "/nonexistent/kioskd.sock"
        return try ProcessRunner.run("kioskctl", ["--socket", path] + arguments, timeout: 30)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    @Test func status_allReady_exitsZero_andPaperEnd_exitsOne() throws {
        let dir = try TemporaryDirectory("kioskctl-status")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let table = try Self.kioskctl(daemon, ["status"])
        #expect(table.status == 0, "\(table.stdout)\(table.stderr)")
        #expect(table.stdout.contains("protocol 2"))
        #expect(table.stdout.contains("receiptPrinter   ready"), "\(table.stdout)")
        let json = try Self.kioskctl(daemon, ["status", "--json"])
        #expect(json.status == 0)
        #expect(try Self.json(json.stdout)["protocol"] as? Int == 2)

        try daemon.admin().sim("printer-fault", ["role": "receiptPrinter", "fault": "paper-end", "on": true])
        let faulted = try Self.waitFor(daemon, role: "receiptPrinter", state: "faulted")
        #expect(faulted.contains("paper-end"), "\(faulted)")
        let degraded = try Self.kioskctl(daemon, ["status"])
        #expect(degraded.status == 1, "\(degraded.stdout)")
        #expect(degraded.stderr.contains("degraded: receiptPrinter faulted"), "\(degraded.stderr)")
        #expect(try Self.kioskctl(daemon, ["status", "--json"]).status == 1)
        let one = try Self.kioskctl(daemon, ["devices", "receiptPrinter"])
        #expect(one.status == 1)
        #expect(one.stdout.contains("faulted (paper-end)"), "\(one.stdout)")
        #expect(try Self.kioskctl(daemon, ["devices", "idReader"]).status == 0)
    }

    /// The printer is polled while idle; waits (with a deadline) until `devices ROLE --json` shows `state`.
    static func waitFor(_ daemon: DaemonProcess, role: String, state: String) throws -> String {
        let deadline = Date().addingTimeInterval(30)
        var last = ""
        while Date() < deadline {
            last = try kioskctl(daemon, ["devices", role, "--json"]).stdout
            if last.contains("\"state\" : \"\(state)\"") { return last }
            Thread.sleep(forTimeInterval: 0.2)  // the poll interval; the deadline above bounds the wait
        }
        Issue.record("\(role) never became \(state): \(last)")
        return last
    }

    @Test func devices_tableAndJSON_showEndpointSinceAndCounters() throws {
        let dir = try TemporaryDirectory("kioskctl-devices")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        // READY=1 comes before every printer has answered its first status poll (it failed once under load).
        for role in ["idReader", "receiptPrinter", "ticketDispenser", "licencePrinter"] {
            _ = try Self.waitFor(daemon, role: role, state: "ready")
        }
        let table = try Self.kioskctl(daemon, ["devices"])
        #expect(table.status == 0, "\(table.stderr)")
        for text in [
            "idReader", "receiptPrinter", "ticketDispenser", "licencePrinter", "endpoint", "since",
            "0 cards read", "0 receipts", "0 tickets", "0 licences",
        ] {
            #expect(table.stdout.contains(text), "missing \(text) in \(table.stdout)")
        }
        let json = try Self.json(try Self.kioskctl(daemon, ["devices", "--json"]).stdout)
        let devices = try #require(json["devices"] as? [[String: Any]])
        #expect(
            devices.map { $0["role"] as? String } == [
                "idReader", "receiptPrinter", "ticketDispenser", "licencePrinter", "camera",
            ])
        let reader = try #require(devices.first)
        #expect((reader["endpoint"] as? String)?.contains("/dev/pts/") == true)
        #expect(reader["since"] is String)
        #expect((reader["counters"] as? [String: Any])?["cardsRead"] as? Int == 0)
        // The simulated reader's SAM ID (IDReaderSimulator), read between polls.
        #expect(reader["samID"] as? String == "05.01-20102526-000012345-1234567890", "\(reader)")
        #expect(table.stdout.contains("SAM ID"), "\(table.stdout)")
        #expect(devices[1]["model"] is String, "\(devices[1])")
        let bad = try Self.kioskctl(daemon, ["devices", "printer"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("unknown role 'printer'"))
    }

    @Test func history_masksNames_andOutbox_countsTheTransaction_andStaffIsAudited() throws {
        let dir = try TemporaryDirectory("kioskctl-history")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        let id = try DaemonScript.throughSignature(admin)
        try admin.wait(for: "rating")
        try admin.flow("skip-rating")
        try admin.wait(for: "completed")

        let table = try Self.kioskctl(daemon, ["history"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains(id), "\(table.stdout)")
        #expect(table.stdout.contains("completed"))
        let json = try Self.kioskctl(daemon, ["history", "--json", "--limit", "5"])
        let entries = try #require(try Self.json(json.stdout)["entries"] as? [[String: Any]])
        #expect(entries.first?["transactionID"] as? String == id)
        #expect(entries.first?["cardsRead"] == nil)
        for output in [table.stdout, json.stdout] {
            #expect(!output.contains("张三丰"))
            #expect(!output.contains("11010519491231002X"))
            #expect(!output.contains("13812345678"))
        }
        #expect((entries.first?["idNumber"] as? String)?.hasSuffix("002X") == true, "\(entries)")
        let future = try Self.kioskctl(daemon, ["history", "--since", "2999-01-01", "--json"])
        #expect((try Self.json(future.stdout)["entries"] as? [Any])?.isEmpty == true)
        #expect(try Self.kioskctl(daemon, ["history", "--since", "yesterday"]).status == 2)
        #expect(try Self.kioskctl(daemon, ["history", "--limit", "0"]).status == 2)

        let outbox = try Self.json(try Self.kioskctl(daemon, ["outbox", "--json"]).stdout)
        #expect(outbox["pending"] as? Int == 1, "\(outbox)")
        #expect(outbox["ackedUpTo"] as? Int == 0)
        #expect(outbox["oldestPendingAgeSeconds"] is Int)
        let outboxTable = try Self.kioskctl(daemon, ["outbox"])
        #expect(outboxTable.status == 0)
        #expect(outboxTable.stdout.contains("pending      1"), "\(outboxTable.stdout)")

        let devices = try Self.json(try Self.kioskctl(daemon, ["devices", "--json"]).stdout)
        let counters = (devices["devices"] as? [[String: Any]] ?? []).map { $0["counters"] as? [String: Any] ?? [:] }
        #expect(counters.first?["cardsRead"] as? Int == 1, "\(counters)")
        #expect(counters[3]["licences"] as? Int == 1, "\(counters)")  // the licence printer; the camera counts nothing

        // A staff cancel with no session does not apply (exit 1); one during a session does and is audited.
        #expect(try Self.kioskctl(daemon, ["staff", "cancel", "--staff", "T-9"]).status == 1)
        try admin.flow("start")
        let cancelled = try Self.kioskctl(daemon, ["staff", "cancel", "--staff", "T-9"])
        #expect(cancelled.status == 0, "\(cancelled.stdout)\(cancelled.stderr)")
        let audit = try Self.json(try Self.kioskctl(daemon, ["history", "--json"]).stdout)["audit"] as? [[String: Any]]
        #expect(
            audit?.contains { $0["actor"] as? String == "T-9" && $0["action"] as? String == "staff-cancel" } == true)
        #expect(try Self.kioskctl(daemon, ["staff", "cancel"]).status == 2)
        #expect(try Self.kioskctl(daemon, ["staff", "dance", "--staff", "T-9"]).status == 2)
    }

    @Test func inhibit_isReleased_whenTheHoldingKioskctlIsKilled() throws {
        let dir = try TemporaryDirectory("kioskctl-inhibit")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let holder = try ChildProcess(
            ProcessRunner.executable("kioskctl").path,
            ["--socket", daemon.statusSocket, "inhibit", "--reason", "更换打印纸"],
            environment: ProcessInfo.processInfo.environment)
        defer { holder.stop() }
        #expect(holder.waitForOutput(containing: "press Ctrl-C", deadline: .after(.seconds(20))), "\(holder.output)")
        #expect(try Self.inhibition(daemon) == "更换打印纸")
        holder.signal(SIGKILL)
        #expect(holder.waitForExit(deadline: .after(.seconds(10))))
        #expect(try Self.waitUntilReleased(daemon), "still inhibited after kioskctl was killed")

        // --until-released stays after kioskctl exits, until `release`.
        let kept = try Self.kioskctl(daemon, ["inhibit", "--reason", "维护", "--until-released"])
        #expect(kept.status == 0, "\(kept.stderr)")
        #expect(try Self.inhibition(daemon) == "维护")
        let released = try Self.kioskctl(daemon, ["release"])
        #expect(released.status == 0)
        #expect(released.stdout.contains("back in service"))
        #expect(try Self.inhibition(daemon) == nil)
        #expect(try Self.kioskctl(daemon, ["inhibit"]).status == 2)
    }

    static func inhibition(_ daemon: DaemonProcess) throws -> String? {
        let status = try daemon.admin().request(["command": "status"])
        return ((status["ui"] as? [String: Any])?["inhibited"] as? [String: Any])?["reason"] as? String
    }

    /// The daemon notices the closed connection at once; allow it a deadline, checking each 100 ms.
    static func waitUntilReleased(_ daemon: DaemonProcess) throws -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if try inhibition(daemon) == nil { return true }
            Thread.sleep(forTimeInterval: 0.1)  // the poll interval; the deadline above bounds the wait
        }
        return false
    }

    @Test func printerStatus_onThePrinterKioskdHolds_saysSo() throws {
        let dir = try TemporaryDirectory("kioskctl-held-printer")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let devices = try Self.json(try Self.kioskctl(daemon, ["devices", "receiptPrinter", "--json"]).stdout)
        let endpoint = try #require((devices["devices"] as? [[String: Any]])?.first?["endpoint"] as? String)
        let address = String(try #require(endpoint.split(separator: " ").last))  // "tcp 127.0.0.1:PORT"
        let run = try Self.kioskctl(daemon, ["direct", "printer-status", "--tcp", address])
        #expect(run.status == 1)
        #expect(run.stderr.contains("\(address) is the receiptPrinter kioskd holds"), "\(run.stderr)")
        #expect(run.stderr.contains("kioskctl devices receiptPrinter"))
    }

    @Test func logLevel_setsTheLevel_andRefusesUnknownOnes() throws {
        let dir = try TemporaryDirectory("kioskctl-loglevel")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let set = try Self.kioskctl(daemon, ["log-level", "debug"])
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stdout.contains("log level: debug"))
        let status = try Self.json(try Self.kioskctl(daemon, ["status", "--json"]).stdout)
        #expect((status["log"] as? [String: Any])?["level"] as? String == "debug")
        #expect(try Self.kioskctl(daemon, ["log-level", "loud"]).status == 2)
    }

    @Test func noDaemon_exitsThree_withWhereItLooked() throws {
        let dir = try TemporaryDirectory("kioskctl-nodaemon")
        defer { dir.remove() }
        let socket = dir.url.appendingPathComponent("kioskd.sock").path
        for verb in [["status"], ["devices"], ["history"], ["outbox"], ["release"], ["log-level", "info"]] {
            let run = try Self.kioskctl(nil, verb, socket: socket)
            #expect(run.status == 3, "\(verb): \(run.stderr)")
            #expect(run.stderr.contains("kioskd is not running (no socket at"), "\(run.stderr)")
        }
    }

    @Test func aDeadDaemonsSocketFile_exitsThree() throws {
        let dir = try TemporaryDirectory("kioskctl-stale")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        daemon.kill9()
        #expect(FileManager.default.fileExists(atPath: daemon.statusSocket), "SIGKILL leaves the socket file behind")
        let run = try Self.kioskctl(daemon, ["status"])
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("kioskd is not running (no one answers at \(daemon.statusSocket)"), "\(run.stderr)")
    }

    @Test func unprivilegedUser_exitsFour_withTheGroupToJoin() throws {
        guard getuid() == 0 else {
            Issue.record("SKIPPED: needs root to run kioskctl as nobody with setpriv")
            return
        }
        let dir = try TemporaryDirectory("kioskctl-eacces")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        // The state directory is the test's temporary directory (0755): the sockets' own modes decide.
        for verb in [["status"], ["devices"], ["release"]] {
            let run = try ChildProcess(
                "/usr/bin/setpriv",
                [
                    "--reuid=nobody", "--regid=nogroup", "--clear-groups", ProcessRunner.executable("kioskctl").path,
                    "--socket", daemon.statusSocket,
                ] + verb, environment: ProcessInfo.processInfo.environment)
            #expect(run.waitForExit(deadline: .after(.seconds(30))))
            #expect(run.exitStatus == 4, "\(verb): \(run.output)")
            #expect(run.output.contains("permission denied: add your user to the kioskd group"), "\(run.output)")
        }
    }
}
