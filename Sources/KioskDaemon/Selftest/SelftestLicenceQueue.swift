import Foundation
import KioskControl
import KioskCore
import KioskDevices
import KioskDocuments
import KioskIO

/// The licence printer's selftest: by default a dry check of its CUPS queue (it exists, accepts jobs, its
/// printer-state, its error policy, the licence media among the queue's page sizes), because every real page uses a
/// sheet of pre-printed licence stock; a test page (SelftestTestPage) only when asked with `--print`.
struct SelftestLicenceQueue: Sendable {
    let printer: LicencePrinter
    let printTestPage: Bool

    static let skipped = "not printed: a dry check (--print prints one test page on licence stock)"

    func run() async -> [SelftestCheck] {
        let queue = await printer.queue
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
        checks.append(Self.media(status))
        guard printTestPage else {
            checks.append(SelftestCheck(.licencePrinter, "test page", .pass, Self.skipped))
            return checks
        }
        checks.append(await testPage())
        return checks
    }

    /// Whether the queue offers the sheet an original licence is printed on (A3, `LicenceCopy.original.media`), from
    /// its `media-supported`; the tray is the printer's default (no media-source is configured).
    static func media(_ status: CUPSPrinterStatus) -> SelftestCheck {
        let wanted = LicenceCopy.original.media
        guard !status.mediaSupported.isEmpty else {
            return SelftestCheck(.licencePrinter, "media", .warn, "not checked: the queue reports no media-supported")
        }
        return status.mediaSupported.contains(wanted)
            ? SelftestCheck(.licencePrinter, "media", .pass, "A3 (\(wanted)) offered; tray: the printer's default")
            : SelftestCheck(
                .licencePrinter, "media", .warn,
                "A3 (\(wanted)) not among \(status.mediaSupported.prefix(8).joined(separator: " ")); tray: the default")
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
                return SelftestCheck(.licencePrinter, "test page", .fail, Selftest.oneLine(reason))
            case .unknown(let reason):
                return SelftestCheck(.licencePrinter, "test page", .fail, Selftest.oneLine(reason))
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
}
