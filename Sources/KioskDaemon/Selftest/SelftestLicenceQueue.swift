import Foundation
import KioskControl
import KioskCore
import KioskDevices
import KioskDocuments

/// The licence printer's selftest: by default a dry check of its CUPS queue (it exists, accepts jobs, its
/// printer-state, its error policy, the licence media among the queue's page sizes), because every real page uses a
/// sheet of pre-printed licence stock; a test page (SelftestTestPage) only when asked with `--print`.
struct SelftestLicenceQueue: Sendable {
    let printer: LicencePrinter
    let printTestPage: Bool

    static let skipped = "not printed: a dry check (--print prints one test page on licence stock)"

    func run() async -> [SelftestCheck] {
        let queue = printer.queue
        let status: CUPSPrinterStatus
        do {
            status = try await printer.queueStatus()
        } catch {
            return [SelftestCheck(.licencePrinter, "queue", .fail, Selftest.oneLine("'\(queue)': \(error)"))]
        }
        var checks = [SelftestCheck(.licencePrinter, "queue", .pass, "'\(queue)' exists on \(printer.server)")]
        checks.append(
            status.isAcceptingJobs
                ? SelftestCheck(.licencePrinter, "accepting", .pass, "accepting jobs")
                : SelftestCheck(
                    .licencePrinter, "accepting", .fail, "rejecting jobs; after checking it: cupsaccept \(queue)"))
        let reasons = status.reasons.isEmpty ? "" : " (\(status.reasons.joined(separator: ", ")))"
        switch status.state {
        case 3: checks.append(SelftestCheck(.licencePrinter, "printer-state", .pass, "idle" + reasons))
        case 4: checks.append(SelftestCheck(.licencePrinter, "printer-state", .pass, "processing" + reasons))
        case 5:
            checks.append(
                SelftestCheck(.licencePrinter, "printer-state", .fail, "stopped\(reasons); then: cupsenable \(queue)"))
        default:
            checks.append(SelftestCheck(.licencePrinter, "printer-state", .warn, "state \(status.state)\(reasons)"))
        }
        let health = await printer.refreshHealth()
        if health.state != .ready {
            checks.append(Selftest.status(.licencePrinter, health))
        }
        checks.append(
            status.errorPolicy == LicencePrinter.recommendedErrorPolicy
                ? SelftestCheck(.licencePrinter, "error-policy", .pass, status.errorPolicy)
                : SelftestCheck(
                    .licencePrinter, "error-policy", .warn,
                    "'\(status.errorPolicy)'; set: lpadmin -p \(queue) -o printer-error-policy=retry-job"))
        checks.append(await media(queue: queue))
        guard printTestPage else {
            checks.append(SelftestCheck(.licencePrinter, "test page", .pass, Self.skipped))
            return checks
        }
        checks.append(await testPage())
        return checks
    }

    /// Whether the queue offers the sheet an original licence is printed on (A3, `LicenceCopy.original.media`),
    /// from its PageSize choices as `lpoptions -l` lists them; the tray is the printer's default (no media-source is
    /// configured).
    private func media(queue: String) async -> SelftestCheck {
        let wanted = LicenceCopy.original.media
        let server = printer.server
        let listing = await Self.offThePool { Self.lpoptions(queue: queue, server: server) }
        guard let listing else {
            return SelftestCheck(.licencePrinter, "media", .warn, "not checked: lpoptions could not list the queue")
        }
        guard let pageSizes = listing.split(separator: "\n").first(where: { $0.hasPrefix("PageSize/") }) else {
            return SelftestCheck(.licencePrinter, "media", .warn, "not checked: the queue lists no PageSize")
        }
        let choices = pageSizes.split(separator: ":", maxSplits: 1).last.map(String.init) ?? ""
        let offered = choices.split(separator: " ").contains { $0.trimmingCharacters(in: ["*"]) == "A3" }
        return offered
            ? SelftestCheck(.licencePrinter, "media", .pass, "A3 (\(wanted)) offered; tray: the printer's default")
            : SelftestCheck(
                .licencePrinter, "media", .warn, "A3 (\(wanted)) not among the queue's page sizes; tray: default")
    }

    private func testPage() async -> SelftestCheck {
        let jobUUID = "selftest-" + UUID().uuidString.lowercased()
        do {
            let job = try await printer.submit(
                document: SelftestTestPage.pdf(), jobUUID: jobUUID, options: LicencePrintOptions(copy: .original),
                willSend: { _ in }, didCreate: { _ in })
            guard let id = job.jobID else {
                return SelftestCheck(.licencePrinter, "test page", .fail, "cupsd gave no job id")
            }
            switch await printer.supervise(jobID: id, deadline: .after(seconds: 120)) {
            case .completed: return SelftestCheck(.licencePrinter, "test page", .pass, "printed (job \(id))")
            case .failed(let reason):
                return SelftestCheck(.licencePrinter, "test page", .fail, Selftest.oneLine("job \(id): \(reason)"))
            case .unknown(let reason):
                return SelftestCheck(.licencePrinter, "test page", .fail, Selftest.oneLine("job \(id): \(reason)"))
            }
        } catch {
            return SelftestCheck(.licencePrinter, "test page", .fail, Selftest.oneLine("not printed: \(error)"))
        }
    }

    static func verdict(_ outcome: PrintOutcome) -> SelftestCheck {
        switch outcome {
        case .completed: SelftestCheck(.licencePrinter, "test page", .pass, "printed")
        case .failed(let reason): SelftestCheck(.licencePrinter, "test page", .fail, Selftest.oneLine(reason))
        case .unknown(let reason): SelftestCheck(.licencePrinter, "test page", .fail, Selftest.oneLine(reason))
        }
    }

    /// `lpoptions -p QUEUE -l` against `server` (a socket path or host:port); nil when it cannot run or fails.
    static func lpoptions(queue: String, server: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/lpoptions")
        process.arguments = ["-p", queue, "-l"]
        var environment = ProcessInfo.processInfo.environment
        environment["CUPS_SERVER"] = server
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Blocking work (a child process) on a thread of its own, never on the concurrency pool.
    static func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { done in
            let thread = Thread { done.resume(returning: work()) }
            thread.name = "selftest"
            thread.start()
        }
    }
}
