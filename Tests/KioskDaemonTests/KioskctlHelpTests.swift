import Foundation
import Testing

/// `--help` on every verb (wherever it stands), `help VERB`, `--version`, "did you mean", and every option in the
/// usage: kioskctl and kioskd as real processes, no daemon needed.
@Suite struct KioskctlHelpTests {
    static let verbs: [[String]] = [
        ["version"], ["validate"], ["validate", "id"], ["status"], ["devices"], ["devices", "idReader"], ["history"],
        ["outbox"], ["inhibit"], ["release"], ["log-level"], ["staff"], ["staff", "reprint"], ["direct"],
        ["direct", "read-card"], ["direct", "printer-status"], ["simulate"], ["simulate", "id-reader"], ["help"],
        ["monitor"], ["debug-bundle"], ["selftest"], ["selftest", "all"],
    ]

    /// `kioskctl help | head -1`: the reader closes the pipe; kioskctl ends as if by SIGPIPE (141), without a crash
    /// report (FileHandle's write trapped on EPIPE).
    @Test func closedStandardOutput_endsWithStatus141_notACrash() throws {
        let process = Process()
        process.executableURL = ProcessRunner.executable("kioskctl")
        process.arguments = ["help"]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try output.fileHandleForReading.close()
        try process.run()
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 141, "\(stderr)")
        #expect(!stderr.contains("Fatal error"), "\(stderr)")
    }

    @Test(arguments: verbs)
    func help_onEveryVerb_exitsZero_andShowsItsUsage(verb: [String]) throws {
        for flag in ["--help", "-h"] {
            let run = try ProcessRunner.run("kioskctl", verb + [flag])
            #expect(run.status == 0, "\(verb) \(flag): \(run.stderr)")
            let expected = verb[0] == "help" ? "usage: kioskctl" : "usage: kioskctl \(verb[0])"
            #expect(run.stdout.contains(expected), "\(verb): \(run.stdout)")
            #expect(run.stdout.contains("exit codes: 0 ok, 1 failed or degraded, 2 usage, 3 kioskd unreachable"))
        }
    }

    @Test func validateID_help_isHelp_notAnIDNumber() throws {
        let run = try ProcessRunner.run("kioskctl", ["validate", "id", "--help"])
        #expect(run.status == 0)
        #expect(!run.stdout.hasPrefix("invalid"))
        #expect(run.stdout.contains("validate id NUMBER"))
    }

    @Test func helpVerb_printsThatVerbsHelp_andTheListWithoutOne() throws {
        let one = try ProcessRunner.run("kioskctl", ["help", "inhibit"])
        #expect(one.status == 0)
        #expect(one.stdout.contains("--until-released"))
        let all = try ProcessRunner.run("kioskctl", ["help"])
        #expect(all.status == 0)
        for verb in ["status", "devices", "history", "outbox", "inhibit", "release", "log-level", "staff"] {
            #expect(all.stdout.contains("  \(verb)"), "missing \(verb)")
        }
        #expect(try ProcessRunner.run("kioskctl", ["help", "frobnicate"]).status == 2)
    }

    @Test func usage_listsEveryOption_eachVerbAccepts() throws {
        let usage = try ProcessRunner.run("kioskctl", ["help"]).stdout
        for option in [
            "--usb", "--profile", "--fault", "--pty", "--take-after", "--tray", "--socket", "--json",
            "--since", "--limit", "--reason", "--until-released", "--staff", "--show-personal-info", "--category",
        ] {
            #expect(usage.contains(option), "usage lacks \(option)")
        }
    }

    @Test(arguments: [("stauts", "status"), ("devcies", "devices"), ("inhbit", "inhibit"), ("histroy", "history")])
    func mistypedVerb_suggestsTheNearestOne_andExitsTwo(typo: String, meant: String) throws {
        let run = try ProcessRunner.run("kioskctl", [typo])
        #expect(run.status == 2)
        #expect(run.stderr.contains("did you mean '\(meant)'?"), "\(run.stderr)")
    }

    @Test func version_onKioskctlAndKioskd() throws {
        let ctl = try ProcessRunner.run("kioskctl", ["--version"])
        #expect(ctl.status == 0)
        #expect(ctl.stdout.hasPrefix("kioskctl 0."))
        #expect(ctl.stdout.contains("control protocol 2"))
        let daemon = try ProcessRunner.run("kioskd", ["--version"])
        #expect(daemon.status == 0)
        #expect(daemon.stdout.hasPrefix("kioskd 0."))
    }

    @Test func direct_onAMissingNode_saysNoSuchDevice() throws {
        let run = try ProcessRunner.run("kioskctl", ["direct", "printer-status", "--port", "/dev/nonexistent-printer"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("no such device /dev/nonexistent-printer"), "\(run.stderr)")
        #expect(!run.stderr.contains("reconnect"))
    }
}
