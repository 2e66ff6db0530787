import Foundation
import KioskCore
import KioskDevices
import KioskDocuments
import KioskIO
import KioskSimulators
import Testing

/// Whether the tests that need a private cupsd run here: where cupsd and ippeveprinter are installed, and always
/// under `CI=true` (where a missing cupsd must fail them, not skip them). Elsewhere they show as skipped, with why.
enum PrivateCUPSRequirement {
    static var canRun: Bool { PrivateCUPS.isAvailable || ProcessInfo.processInfo.environment["CI"] == "true" }
    static var whyNot: Comment { "needs cupsd and ippeveprinter: \(PrivateCUPS.reasonUnavailable ?? "")" }
}

/// Starts a private cupsd + ippeveprinter for one test and stops it afterwards, even when the test throws. Tests
/// that use it carry `.enabled(if: PrivateCUPSRequirement.canRun, ...)`, so reaching it without cupsd (under CI)
/// is a failure.
func withPrivateCUPS(
    errorPolicy: String = "retry-job", _ body: (PrivateCUPS, LicencePrinter) async throws -> Void
) async throws {
    guard PrivateCUPS.isAvailable else {
        Issue.record("the licence-printer tests cannot run: \(PrivateCUPS.reasonUnavailable ?? "unknown")")
        return
    }
    let cups = try await PrivateCUPS.start(errorPolicy: errorPolicy)
    let printer = LicencePrinter(queue: cups.queue, server: cups.socketPath)
    do {
        try await body(cups, printer)
    } catch {
        Issue.record("\(error)\n\(cups.diagnostics)")
        await cups.shutdown()
        throw error
    }
    await cups.shutdown()
}

/// Waits (by polling cheap local state, with a deadline) until `condition` holds; false when the deadline passed.
func eventually(within seconds: Double = 20, _ condition: () async -> Bool) async -> Bool {
    let deadline = Deadline.after(seconds: seconds)
    while !deadline.hasPassed {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

/// A company licence (credit code from docs/device-protocols.md §4.2).
func testLicence() throws -> BusinessLicence {
    let json = """
        {"creditCode": "91440300708461136T", "name": "深圳示例贸易有限公司", "entityType": "有限责任公司",
         "legalRepresentative": "李四", "registeredCapital": "伍拾万元整", "establishedOn": "2021-06-01",
         "businessTermFrom": "2021-06-01", "businessTermUntil": "2041-05-31", "address": "深圳市南山区示例大道2号",
         "businessScope": "国内贸易；货物及技术进出口。", "registrationAuthority": "深圳市市场监督管理局",
         "issuedOn": "2024-02-01", "qrPayload": "https://www.gsxt.gov.cn/licence?code=91440300708461136T"}
        """
    return try JSONDecoder().decode(BusinessLicence.self, from: Data(json.utf8))
}

/// What the persistence hooks saw, in order.
actor HookLog {
    var events: [String] = []
    var jobCountAtWillSend: Int?
    func record(_ event: String) { events.append(event) }
    func setJobCount(_ count: Int) { jobCountAtWillSend = count }
}

/// Submits the test licence with hooks that log; returns the job.
func submitLicence(
    _ printer: LicencePrinter, uuid: String = UUID().uuidString, copy: LicenceCopy = .original, log: HookLog = HookLog()
) async throws -> LicencePrintJob {
    let pdf = try LicenceRenderer.render(testLicence(), copy: copy)
    return try await printer.submit(
        document: pdf, jobUUID: uuid, options: LicencePrintOptions(copy: copy),
        willSend: { job in await log.record("willSend \(job.jobUUID) id=\(job.jobID.map(String.init) ?? "nil")") },
        didCreate: { job in await log.record("didCreate id=\(job.jobID.map(String.init) ?? "nil")") })
}

@Suite(.serialized, .enabled(if: PrivateCUPSRequirement.canRun, PrivateCUPSRequirement.whyNot))
struct LicencePrinterHarnessTests {
    @Test func privateCUPS_stop_endsEveryProcessItStartedAndRemovesItsDirectory() async throws {
        try await withPrivateCUPS { cups, printer in
            #expect(await printer.refreshHealth().state == .ready)
            let directory = cups.directory
            await cups.shutdown()
            #expect(!FileManager.default.fileExists(atPath: directory.path))
            #expect(await printer.refreshHealth().state == .disconnected)
        }
    }
}
