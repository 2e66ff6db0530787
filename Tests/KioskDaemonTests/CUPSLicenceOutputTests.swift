import Foundation
import KioskDevices
import KioskSimulators
import Testing

@testable import KioskDaemon

/// The daemon's CUPS licence output against a real private cupsd + ippeveprinter.
@Suite(.serialized, .enabled(if: PrivateCUPSRequirement.canRun, PrivateCUPSRequirement.whyNot))
struct CUPSLicenceOutputTests {
    /// kioskd killed between Create-Job and Send-Document left a job without a document: cupsd holds it until its
    /// multiple-operation timeout (15 minutes), and the restarted kioskd waited on it until its own deadline.
    @Test func supervise_aJobWhoseDocumentNeverCame_cancelsItAndReportsFailed() async throws {
        try #require(PrivateCUPS.isAvailable, "cupsd/ippeveprinter missing: \(PrivateCUPS.reasonUnavailable ?? "")")
        let cups = try await PrivateCUPS.start()
        let printer = LicencePrinter(queue: cups.queue, server: cups.socketPath)
        let created = Latch<Int>()
        let resume = Latch<Void>()
        // The sender stops right after Create-Job, as a kioskd killed at that point would.
        let sender = Task {
            try? await printer.submit(
                document: Array("%PDF-1.4\n%%EOF\n".utf8), jobUUID: "ORPHAN-1-L1",
                options: LicencePrintOptions(copy: .original), willSend: { _ in },
                didCreate: { job in
                    await created.open(job.jobID ?? 0)
                    await resume.value()
                })
        }
        let jobID = await created.value()
        #expect(try await printer.jobStatus(jobID: jobID).documentCount == 0)

        let output = CUPSLicenceOutput(queue: cups.queue, server: cups.socketPath)
        let began = Date()
        let outcome = await output.supervise(jobUUID: "ORPHAN-1-L1", jobID: jobID, deadline: .after(seconds: 60))
        #expect(Date().timeIntervalSince(began) < 10, "supervision waited on a job that can never print")
        guard case .failed(let reason) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            await resume.open(())
            _ = await sender.value
            await cups.shutdown()
            return
        }
        #expect(reason.contains("never received its document"), "\(reason)")
        #expect(try await printer.jobStatus(jobID: jobID).state == .canceled)

        // The stopped sender cannot bring the job back: nothing reaches the printer.
        await resume.open(())
        _ = await sender.value
        #expect(cups.receivedDocuments().isEmpty, "\(cups.receivedDocuments())")
        await cups.shutdown()
    }
}

/// A value handed from one task to others once.
private actor Latch<T: Sendable> {
    private var stored: T?
    private var waiters: [CheckedContinuation<T, Never>] = []

    func open(_ value: T) {
        guard stored == nil else { return }
        stored = value
        for waiter in waiters { waiter.resume(returning: value) }
        waiters = []
    }

    func value() async -> T {
        if let stored { return stored }
        return await withCheckedContinuation { waiters.append($0) }
    }
}
