import Foundation
import KioskCore
import KioskSimulators
import KioskStore
import Testing

/// SIGKILL around the licence print through a real cupsd + ippeveprinter: right after printingLicence is entered,
/// while the job is in CUPS (held at the printer, or after a short random delay), and during the supervision that
/// follows a restart. cupsd outlives kioskd, as a system cupsd does, so a restarted kioskd finds its jobs there.
/// At the end, what ippeveprinter received must show at most one sheet per transaction, and exactly one for every
/// transaction that completed.
@Suite(.serialized, .enabled(if: PrivateCUPSRequirement.canRun, PrivateCUPSRequirement.whyNot))
struct DaemonCUPSCrashTests {
    /// `KIOSKD_CUPS_CRASH_FLOWS` raises it (scripts/crash-soak.sh).
    static var flows: Int { Int(ProcessInfo.processInfo.environment["KIOSKD_CUPS_CRASH_FLOWS"] ?? "") ?? 50 }

    /// Where the kill lands in one flow.
    enum KillPoint: CaseIterable {
        /// No kill: the flow runs to the end.
        case none
        /// As soon as the flow shows printingLicence (the job is being journalled and submitted).
        case printingEntered
        /// 0–400 ms after printingLicence was entered: anywhere in submission or the job's processing.
        case randomDelayInPrint
        /// While the job is held "printing" at the printer; released after the restart.
        case heldAtThePrinter
        /// As heldAtThePrinter, then once more while the restarted kioskd supervises the job.
        case duringSupervision
    }

    @Test func sigkillAroundTheLicencePrint_neverTwoSheetsForOneTransaction() throws {
        try #require(PrivateCUPS.isAvailable, "cupsd/ippeveprinter missing: \(PrivateCUPS.reasonUnavailable ?? "")")
        let cups = try PrivateCUPS.startBlocking(queue: "licence")
        defer { cups.stop() }
        let dir = try TemporaryDirectory("kioskd-cups-crash")
        defer { dir.remove() }
        let config: [String: Any] = [
            "kioskID": "CUPSCRASH-01", "flow": ["endScreenSeconds": 0.2], "log": ["level": "debug"],
            "devices": ["licencePrinter": ["transport": "cups", "queue": cups.queue, "server": cups.socketPath]],
        ]
        // ippeveprinter keeps every document it received as `N-job-name.pdf`, the job name lower-cased.
        let sheets = { (transaction: String) -> Int in
            let name = "-licence-\(transaction.lowercased())-"
            return cups.receivedDocuments().filter { $0.lastPathComponent.lowercased().contains(name) }.count
        }
        var rng = SplitMix64(state: 20_261_201)
        var daemon: DaemonProcess? = try DaemonProcess(stateDirectory: dir.url, config: config)
        var started: Set<String> = []
        var completed: Set<String> = []
        var kills = 0
        let began = Date()
        do {
            for flow in 0..<Self.flows {
                let point = KillPoint.allCases.randomElement(using: &rng) ?? .none
                let live = try #require(daemon)
                let admin = try live.admin()
                var citizen = DaemonCitizen(admin) { sheets($0) > 0 }
                try citizen.settle()
                completed.formUnion(citizen.completed)

                cups.setFault(point == .heldAtThePrinter || point == .duringSupervision ? .hold : .none)
                let id: String
                do {
                    id = try DaemonScript.throughSignature(admin)
                } catch {
                    Issue.record("flow \(flow): \(error)\n\(live.output.suffix(3000))")
                    break
                }
                started.insert(id)
                switch point {
                case .none:
                    try admin.wait(for: "rating", timeout: .seconds(120))
                    try admin.flow("rate", ["grade": 5])
                    let done = try admin.wait(for: "completed")
                    if let doneID = done["transactionID"] as? String { completed.insert(doneID) }
                    continue
                case .printingEntered:
                    try admin.wait(for: "printingLicence")
                case .randomDelayInPrint:
                    try admin.wait(for: "printingLicence")
                    try Self.pause(milliseconds: Int.random(in: 0...400, using: &rng))
                case .heldAtThePrinter, .duringSupervision:
                    let before = cups.printLog().count
                    try admin.wait(for: "printingLicence")
                    guard Self.waitUntil(seconds: 60, { cups.printLog().count > before }) else {
                        Issue.record("flow \(flow): the job never reached the printer\n\(cups.diagnostics)")
                        break
                    }
                }
                live.kill9()
                kills += 1
                daemon = nil
                daemon = try DaemonProcess(stateDirectory: dir.url, config: config)
                if point == .duringSupervision {
                    // The restarted kioskd supervises the held job; kill it again in the middle of that.
                    let again = try #require(daemon).admin()
                    if (try again.request(["command": "status"])["flow"] as? [String: Any])?["step"] as? String
                        == "printingLicence"
                    {
                        try #require(daemon).kill9()
                        kills += 1
                        daemon = nil
                        daemon = try DaemonProcess(stateDirectory: dir.url, config: config)
                    }
                }
                if point == .heldAtThePrinter || point == .duringSupervision {
                    cups.setFault(.none)
                    cups.releaseHeldJob()
                }
            }
        } catch {
            // A flow that went wrong is reported; what reached the printer so far is still checked below.
            Issue.record("flows stopped: \(error)\n\(daemon?.output.suffix(3000) ?? "")")
        }
        if let daemon, let admin = try? daemon.admin() {
            var citizen = DaemonCitizen(admin) { sheets($0) > 0 }
            try? citizen.settle()
            completed.formUnion(citizen.completed)
        }
        #expect(daemon?.terminate() == 0)
        daemon = nil
        print("DaemonCUPSCrashTests: \(Self.flows) flows, \(kills) kills in \(Int(Date().timeIntervalSince(began))) s")
        #expect(kills >= Self.flows / 3, "only \(kills) kills")

        // Every job CUPS still holds has ended, so what ippeveprinter received is final.
        #expect(Self.waitUntil(seconds: 60) { Self.pendingJobs(cups) == 0 }, "jobs still pending\n\(cups.diagnostics)")
        let store = try TransactionStore.open(path: dir.url.appendingPathComponent("kioskd.db").path)
        defer { store.close() }
        for id in started {
            let count = sheets(id)
            let jobs = try store.licenceJobs(transactionID: id)
            #expect(count <= 1, "transaction \(id) got \(count) sheets: \(jobs)")
            let record = try store.transaction(id: id)
            #expect(record != nil, "session \(id) left half-open")
            if record?.outcome == .completed {
                #expect(count == 1, "completed transaction \(id) has \(count) sheets")
            }
        }
        for id in completed {
            #expect(try store.transaction(id: id)?.outcome == .completed, "completed transaction \(id) lost")
        }
        #expect(try store.loadCheckpoint() == nil, "a session checkpoint (personal data) survived")
        var outcomes: [String: Int] = [:]
        for id in started {
            for job in try store.licenceJobs(transactionID: id) {
                let name = job.outcome.map { "\($0)".prefix { $0 != "(" } } ?? "none"
                outcomes[String(name), default: 0] += 1
            }
        }
        print(
            "DaemonCUPSCrashTests: \(completed.count) completed; licence jobs by outcome: \(outcomes.sorted { $0.key < $1.key })"
        )
    }

    /// Jobs not yet ended at cupsd (`lpstat -o` lists pending, held and processing jobs).
    static func pendingJobs(_ cups: PrivateCUPS) -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/lpstat")
        process.arguments = ["-o"]
        process.environment = cups.environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").count
    }

    /// Polls cheap local state (a file ippeveprinter's command writes) until `condition` holds or time is up.
    static func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// The random delay of a kill point (the point itself is the test's input, not a synchronisation).
    static func pause(milliseconds: Int) throws {
        usleep(UInt32(milliseconds) * 1000)
    }
}
