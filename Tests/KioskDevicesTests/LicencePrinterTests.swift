import Foundation
import KioskCore
import KioskDevices
import KioskDocuments
import KioskIO
import KioskSimulators
import Testing

/// The licence printer against a real private cupsd and ippeveprinter (IPP Everywhere), faults injected through
/// the printer's print command.
@Suite(.serialized, .enabled(if: PrivateCUPSRequirement.canRun, PrivateCUPSRequirement.whyNot))
struct LicencePrinterTests {
    @Test func printLicence_healthyPrinter_completesAndPrinterReceivesTheDocument() async throws {
        try await withPrivateCUPS { cups, printer in
            let log = HookLog()
            let job = try await submitLicence(printer, log: log)
            let jobID = try #require(job.jobID)
            #expect(await log.events.count == 2)
            #expect(await log.events.first?.hasPrefix("willSend") == true)
            #expect(await log.events.first?.hasSuffix("id=nil") == true, "the UUID is persisted before a job exists")
            #expect(await log.events.last == "didCreate id=\(jobID)")
            let outcome = await printer.supervise(jobID: jobID, deadline: .after(seconds: 30))
            #expect(outcome == .completed)
            #expect(cups.printedSheetCount() == 1)
            let documents = cups.receivedDocuments()
            #expect(documents.count == 1)
            let head = try #require(
                documents.first.flatMap { FileManager.default.contents(atPath: $0.path) }?.prefix(5))
            #expect(Array(head) == Array("%PDF-".utf8))
            #expect(await printer.health.state == .ready)
        }
    }

    @Test func printLicence_mediaEmpty_failsWithReasonAndHealthShowsIt() async throws {
        try await withPrivateCUPS { cups, printer in
            cups.setFault(.mediaEmpty)
            let job = try await submitLicence(printer)
            let outcome = await printer.supervise(jobID: try #require(job.jobID), deadline: .after(seconds: 30))
            guard case .failed(let reason) = outcome else {
                Issue.record("expected failed, got \(outcome)\n\(cups.diagnostics)")
                return
            }
            #expect(reason.contains("media-empty"))
            #expect(await printer.refreshHealth().reasons.contains("media-empty"))
            #expect(cups.printedSheetCount() == 0)
            #expect(cups.printLog().count == 1, "the job reached the printer once and was not resubmitted")
        }
    }

    @Test func printLicence_mediaJam_failsWithReasonAndHealthShowsIt() async throws {
        try await withPrivateCUPS { cups, printer in
            cups.setFault(.mediaJam)
            let job = try await submitLicence(printer)
            let outcome = await printer.supervise(jobID: try #require(job.jobID), deadline: .after(seconds: 30))
            guard case .failed(let reason) = outcome else {
                Issue.record("expected failed, got \(outcome)\n\(cups.diagnostics)")
                return
            }
            #expect(reason.contains("media-jam"))
            let health = await printer.refreshHealth()
            #expect(health.state == .faulted)
            #expect(health.reasons.contains("media-jam"))
            #expect(cups.printLog().count == 1)
        }
    }

    /// CUPS's ipp backend reports such a job completed; the printer's own job list says aborted.
    @Test func printLicence_printCommandFails_isFailedNotCompleted() async throws {
        try await withPrivateCUPS { cups, printer in
            cups.setFault(.failingExit)
            let job = try await submitLicence(printer)
            let outcome = await printer.supervise(jobID: try #require(job.jobID), deadline: .after(seconds: 30))
            guard case .failed(let reason) = outcome else {
                Issue.record("expected failed, got \(outcome)\n\(cups.diagnostics)")
                return
            }
            #expect(reason.contains("aborted") || reason.contains("canceled"), "\(reason)")
            #expect(cups.printedSheetCount() == 0)
            #expect(cups.printLog().count == 1)
        }
    }

    @Test func supervise_cupsdCrashesMidJob_isUnknownAndNeverPrintsTwice() async throws {
        try await withPrivateCUPS { cups, printer in
            cups.setFault(.hold)
            let job = try await submitLicence(printer)
            let jobID = try #require(job.jobID)
            #expect(await eventually { cups.printCommandStarted() }, "the job should reach the printer")
            await cups.crashScheduler()
            let outcome = await printer.supervise(jobID: jobID, deadline: .after(seconds: 2))
            guard case .unknown(let reason) = outcome else {
                Issue.record("expected unknown, got \(outcome)")
                return
            }
            #expect(reason.contains("cupsd"))
            // cupsd comes back; the printer finishes what it had. Asking again must not make anything print again.
            try await cups.startScheduler()
            cups.setFault(.none)
            cups.releaseHeldJob()
            let again = await printer.supervise(jobID: jobID, deadline: .after(seconds: 10))
            #expect(again != .completed || cups.printedSheetCount() == 1)
            #expect(await eventually { cups.printedSheetCount() >= 1 })
            #expect(cups.printedSheetCount() == 1, "one sheet, never two: \(cups.printLog())")
        }
    }

    /// A graceful cupsd restart makes cupsd start the job again by itself; supervision cancels the restarted copy.
    @Test func supervise_cupsdRestartsMidJob_cancelsTheRestartedCopyAndReportsUnknown() async throws {
        try await withPrivateCUPS { cups, printer in
            cups.setFault(.hold)
            let job = try await submitLicence(printer)
            let jobID = try #require(job.jobID)
            #expect(await eventually { cups.printCommandStarted() })
            let supervision = Task { await printer.supervise(jobID: jobID, deadline: .after(seconds: 10)) }
            #expect(await eventually { (try? await printer.jobStatus(jobID: jobID))?.state == .processing })
            await cups.stopScheduler()
            try await cups.startScheduler()
            let outcome = await supervision.value
            #expect(outcome.kind == "unknown", "got \(outcome)\n\(cups.diagnostics)")
            cups.releaseHeldJob()
            #expect(await eventually { cups.printedSheetCount() >= 1 })
            let final = try await printer.jobStatus(jobID: jobID)
            #expect(final.state != .completed || cups.printedSheetCount() == 1)
            #expect(cups.printedSheetCount() <= 1, "never two sheets: \(cups.printLog())")
        }
    }

    /// After a daemon restart the job id may be lost (crash between Create-Job and persisting it): the UUID finds it.
    @Test func supervise_fromANewProcessByUUID_findsAndFollowsTheJob() async throws {
        try await withPrivateCUPS { cups, firstPrinter in
            cups.setFault(.hold)
            let uuid = UUID().uuidString
            let job = try await submitLicence(firstPrinter, uuid: uuid)
            let restarted = LicencePrinter(queue: cups.queue, server: cups.socketPath)
            let found = try await restarted.findJob(uuid: uuid)
            #expect(found == job.jobID)
            cups.releaseHeldJob()
            #expect(await restarted.supervise(jobID: try #require(found), deadline: .after(seconds: 30)) == .completed)
            #expect(cups.printedSheetCount() == 1)
        }
    }

    @Test func submit_queueStopped_isRefusedBeforeAnythingIsSent() async throws {
        try await withPrivateCUPS { cups, printer in
            let (status, output) = try runTool("/usr/sbin/cupsdisable", [cups.queue], environment: cups.environment)
            #expect(status == 0, "\(output)")
            let log = HookLog()
            await #expect(throws: LicencePrintError.self) { _ = try await submitLicence(printer, log: log) }
            #expect(await log.events.isEmpty)
            #expect(await printer.health.reasons.contains("cups-queue-stopped"))
            let test = await printer.selfTest()
            #expect(test.problems.contains { $0.contains("is stopped") && $0.contains("cupsenable") })
            #expect(cups.receivedDocuments().isEmpty)
        }
    }

    @Test func submit_persistenceFails_sendsNothing() async throws {
        try await withPrivateCUPS { cups, printer in
            struct DiskFull: Error {}
            let pdf = try LicenceRenderer.render(testLicence(), copy: .duplicate)
            await #expect(throws: LicencePrintError.self) {
                _ = try await printer.submit(
                    document: pdf, jobUUID: UUID().uuidString, options: LicencePrintOptions(copy: .duplicate),
                    willSend: { _ in throw DiskFull() }, didCreate: { _ in })
            }
            #expect(try await printer.findJob(uuid: "none") == nil)
            #expect(cups.receivedDocuments().isEmpty)
        }
    }

    @Test func selfTest_queueWithStopPrinterPolicy_recommendsRetryJob() async throws {
        try await withPrivateCUPS(errorPolicy: "stop-printer") { _, printer in
            let test = await printer.selfTest()
            #expect(test.problems.contains { $0.contains("printer-error-policy") && $0.contains("retry-job") })
            #expect(test.health.reasons.contains("cups-error-policy-stop-printer"))
        }
    }

    @Test func selfTest_healthyQueue_reportsNoProblems() async throws {
        try await withPrivateCUPS { _, printer in
            let test = await printer.selfTest()
            #expect(test.problems.isEmpty, "\(test.problems)")
            #expect(test.health.state == .ready)
        }
    }

    @Test func reprint_namesTheOriginalAndPrintsOnceMore() async throws {
        try await withPrivateCUPS { cups, printer in
            let original = try await submitLicence(printer)
            let originalID = try #require(original.jobID)
            #expect(await printer.supervise(jobID: originalID, deadline: .after(seconds: 30)) == .completed)
            let pdf = try LicenceRenderer.render(testLicence(), copy: .original)
            let reprint = try await printer.reprint(
                originalJobID: originalID, authorisedBy: "technician-07", document: pdf, jobUUID: UUID().uuidString,
                options: LicencePrintOptions(copy: .original), willSend: { _ in }, didCreate: { _ in })
            #expect(reprint.reprintOf == originalID)
            #expect(reprint.authorisedBy == "technician-07")
            #expect(
                await printer.supervise(jobID: try #require(reprint.jobID), deadline: .after(seconds: 30)) == .completed
            )
            #expect(cups.printedSheetCount() == 2)
        }
    }

    @Test func reprint_whileOriginalStillPrinting_isRefused() async throws {
        try await withPrivateCUPS { cups, printer in
            cups.setFault(.hold)
            let original = try await submitLicence(printer)
            let originalID = try #require(original.jobID)
            #expect(await eventually { cups.printCommandStarted() })
            let pdf = try LicenceRenderer.render(testLicence(), copy: .original)
            await #expect(throws: LicencePrintError.self) {
                _ = try await printer.reprint(
                    originalJobID: originalID, authorisedBy: "technician-07", document: pdf, jobUUID: UUID().uuidString,
                    options: LicencePrintOptions(copy: .original), willSend: { _ in }, didCreate: { _ in })
            }
            await #expect(throws: LicencePrintError.self) {
                _ = try await printer.reprint(
                    originalJobID: originalID, authorisedBy: " ", document: pdf, jobUUID: UUID().uuidString,
                    options: LicencePrintOptions(copy: .original), willSend: { _ in }, didCreate: { _ in })
            }
            cups.releaseHeldJob()
            #expect(await printer.supervise(jobID: originalID, deadline: .after(seconds: 30)) == .completed)
            #expect(cups.printedSheetCount() == 1)
        }
    }
}

/// Runs a CUPS command-line tool to completion (bounded).
func runTool(_ path: String, _ arguments: [String], environment: [String: String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let done = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in done.signal() }
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    if done.wait(timeout: .now() + 20) == .timedOut { process.terminate() }
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
