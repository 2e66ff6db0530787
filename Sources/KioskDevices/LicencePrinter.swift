import Foundation
import KioskDocuments
import KioskIO

/// The licence printer: one CUPS queue with pre-printed licence paper (docs/ARCHITECTURE.md §4.4).
///
/// The rule it exists for: a licence never prints twice by accident. So the caller persists the job's UUID before
/// any byte is sent and its CUPS job id as soon as cupsd assigns it; `supervise` watches the job until it
/// completes, fails or becomes unknown; nothing here ever resubmits. A reprint is the separate call `reprint`,
/// which names the original job and who authorised it.
///
/// On the one driver shape (docs/ARCHITECTURE.md §4.1): libcups calls run on the client's lane with a deadline each,
/// and `stop()` shuts the cupsd connection so a request blocked on a cupsd that never answers returns at once.
public actor LicencePrinter: DeviceService {
    public let queue: String
    /// The cupsd socket path or host[:port] in use.
    public nonisolated var server: String { client.server }
    private nonisolated let client: CUPSClient
    /// The queue's last known state; refreshed by `refreshHealth`, `selfTest`, `submit` and `supervise`.
    public private(set) var health = DeviceHealth(.starting)
    private nonisolated let stopSignal = StopSignal()

    /// The policy licence queues should have: on a backend failure cupsd retries the job later instead of
    /// stopping the whole queue (CUPS's default `stop-printer`).
    public static let recommendedErrorPolicy = "retry-job"
    /// Larger documents are refused (a licence PDF is tens of KB; with an embedded CJK font a few MB).
    public static let maximumDocumentBytes = 64 << 20

    /// `server`: cupsd's socket path (or host:port); nil = libcups's default (`CUPS_SERVER`, /run/cups/cups.sock).
    public init(queue: String, server: String? = nil) {
        self.queue = queue
        client = CUPSClient(server: server)
    }

    // MARK: - Service

    /// cupsd owns the queue and its device, so there is nothing to poll here between requests (the daemon asks
    /// `refreshHealth`): lives until `stop()` or cancellation, then closes the client.
    public func run() async {
        await stopSignal.wait()
        client.stop()
    }

    /// Shuts the cupsd connection (a blocked request fails at once, as unreachable) and ends `run()`; later
    /// requests fail without reaching cupsd.
    public nonisolated func stop() {
        stopSignal.fire()
        client.stop()
    }

    /// Asks cupsd about the queue now.
    public func reopenNow() async { await refreshHealth() }

    // MARK: - Health

    /// Asks cupsd about the queue (Get-Printer-Attributes) and maps printer-state-reasons to health reasons.
    @discardableResult
    public func refreshHealth(deadline: Deadline = .after(seconds: 5)) async -> DeviceHealth {
        let queue = self.queue
        do {
            let status = try await client.run(deadline: deadline) { connection throws(CUPSError) in
                try connection.printerStatus(queue: queue)
            }
            health = LicencePrinterHealth.health(status, recommendedPolicy: LicencePrinter.recommendedErrorPolicy)
        } catch {
            health = LicencePrinterHealth.health(error)
        }
        return health
    }

    /// The queue's raw status (for `kioskctl` and diagnostics).
    public func queueStatus(deadline: Deadline = .after(seconds: 5)) async throws(CUPSError) -> CUPSPrinterStatus {
        let queue = self.queue
        return try await client.run(deadline: deadline) { connection throws(CUPSError) in
            try connection.printerStatus(queue: queue)
        }
    }

    /// Checks that cupsd answers, the queue exists, is enabled and accepting, and uses `printer-error-policy`
    /// `retry-job`. Returns the health plus a sentence per problem, each saying what to do.
    public func selfTest(deadline: Deadline = .after(seconds: 5)) async -> (health: DeviceHealth, problems: [String]) {
        let status: CUPSPrinterStatus
        do {
            status = try await queueStatus(deadline: deadline)
        } catch {
            health = LicencePrinterHealth.health(error)
            return (health, ["\(error)"])
        }
        health = LicencePrinterHealth.health(status, recommendedPolicy: LicencePrinter.recommendedErrorPolicy)
        var problems: [String] = []
        if status.isStopped {
            problems.append(
                "licence queue '\(queue)' is stopped (printer-state-reasons: \(status.reasons.joined(separator: ", "))); clear the fault, then: cupsenable \(queue)"
            )
        }
        if !status.isAcceptingJobs {
            problems.append(
                "licence queue '\(queue)' is rejecting jobs; after checking the printer: cupsaccept \(queue)")
        }
        if status.errorPolicy != LicencePrinter.recommendedErrorPolicy {
            problems.append(
                "licence queue '\(queue)' has printer-error-policy '\(status.errorPolicy)'; set it with: lpadmin -p \(queue) -o printer-error-policy=\(LicencePrinter.recommendedErrorPolicy)"
            )
        }
        for reason in health.reasons where !reason.hasPrefix("cups-") {
            problems.append("licence printer reports \(reason)")
        }
        return (health, problems)
    }

    // MARK: - Submitting

    /// Submits one licence. Order, so that a crash anywhere leaves a trace and never a silent second print:
    /// 1. refuses when the queue is stopped, rejecting or faulted (nothing sent);
    /// 2. `willSend(job)` — persist the UUID; if it throws nothing is sent;
    /// 3. Create-Job (job-name `licence-UUID`), then `didCreate(job)` with the job id — persist it; if it throws
    ///    the job is cancelled before any document byte is sent;
    /// 4. streams the document (Send-Document). If that fails the job is cancelled if possible and
    ///    `.sendFailed` names it: supervise it before deciding anything.
    public func submit(
        document: [UInt8], jobUUID: String, options: LicencePrintOptions, deadline: Deadline = .after(seconds: 30),
        willSend: @Sendable (LicencePrintJob) async throws -> Void,
        didCreate: @Sendable (LicencePrintJob) async throws -> Void
    ) async throws(LicencePrintError) -> LicencePrintJob {
        let job = LicencePrintJob(jobUUID: jobUUID, queue: queue, copy: options.copy)
        return try await send(
            job, document: document, options: options, deadline: deadline, willSend: willSend, didCreate: didCreate)
    }

    /// An explicit, audited reprint of the licence printed (or not) by job `originalJobID`; the caller records
    /// `authorisedBy` in its audit log. Refuses while the original is still pending or printing, so a reprint
    /// can never race the original.
    public func reprint(
        originalJobID: Int, authorisedBy: String, document: [UInt8], jobUUID: String, options: LicencePrintOptions,
        deadline: Deadline = .after(seconds: 30), willSend: @Sendable (LicencePrintJob) async throws -> Void,
        didCreate: @Sendable (LicencePrintJob) async throws -> Void
    ) async throws(LicencePrintError) -> LicencePrintJob {
        guard !authorisedBy.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .invalidRequest("a reprint needs the technician who authorised it")
        }
        do {
            let original = try await client.run(deadline: deadline) { connection throws(CUPSError) in
                try connection.jobStatus(jobID: originalJobID)
            }
            if let state = original.state, !state.isTerminal {
                throw LicencePrintError.invalidRequest(
                    "original job \(originalJobID) is still \(state); cancel it or wait for its outcome before a reprint"
                )
            }
        } catch let error as LicencePrintError {
            throw error
        } catch {
            // The original is unknown to cupsd (purged or lost): a reprint is exactly what the technician decides.
        }
        let job = LicencePrintJob(
            jobUUID: jobUUID, queue: queue, copy: options.copy, reprintOf: originalJobID, authorisedBy: authorisedBy)
        return try await send(
            job, document: document, options: options, deadline: deadline, willSend: willSend, didCreate: didCreate)
    }

    private func send(
        _ job: LicencePrintJob, document: [UInt8], options: LicencePrintOptions, deadline: Deadline,
        willSend: @Sendable (LicencePrintJob) async throws -> Void,
        didCreate: @Sendable (LicencePrintJob) async throws -> Void
    ) async throws(LicencePrintError) -> LicencePrintJob {
        guard job.jobUUID.count <= 64, !job.jobUUID.isEmpty,
            job.jobUUID.unicodeScalars.allSatisfy({
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-")
            })
        else { throw .invalidRequest("job UUID must be 1–64 ASCII letters, digits or '-'") }
        guard !document.isEmpty, document.count <= LicencePrinter.maximumDocumentBytes else {
            throw .invalidRequest(
                "document is \(document.count) bytes; 1…\(LicencePrinter.maximumDocumentBytes) accepted")
        }
        let current = await refreshHealth(deadline: deadline)
        guard current.state == .ready || current.state == .degraded else {
            throw .queueUnavailable(queue: queue, health: current.description)
        }
        do {
            try await willSend(job)
        } catch {
            throw .notPersisted("\(error)")
        }
        let queue = self.queue
        let name = job.jobName
        let ippOptions = options.ippOptions.map { Pair(name: $0.0, value: $0.1) }
        var created = job
        do {
            created.jobID = try await client.run(deadline: deadline) { connection throws(CUPSError) in
                try connection.createJob(queue: queue, jobName: name, options: ippOptions.map { ($0.name, $0.value) })
            }
        } catch {
            throw .notSubmitted(error)
        }
        let jobID = created.jobID ?? 0
        do {
            try await didCreate(created)
        } catch {
            _ = try? await client.run(deadline: .after(seconds: 5)) { connection throws(CUPSError) in
                try connection.cancel(jobID: jobID)
            }
            throw .notPersisted("job \(jobID) was created and then cancelled before its document was sent: \(error)")
        }
        do {
            try await client.run(deadline: deadline) { connection throws(CUPSError) in
                try connection.sendDocument(
                    queue: queue, jobID: jobID, document: document, format: "application/pdf", name: name + ".pdf")
            }
        } catch {
            _ = try? await client.run(deadline: .after(seconds: 5)) { connection throws(CUPSError) in
                try connection.cancel(jobID: jobID)
            }
            throw .sendFailed(job: created, error)
        }
        return created
    }

    private struct Pair: Sendable {
        let name: String
        let value: String
    }

    // MARK: - Finding and cancelling

    /// The CUPS job id of the job submitted with `jobUUID`, if cupsd knows it (for a daemon that crashed between
    /// Create-Job and persisting the id).
    public func findJob(uuid jobUUID: String, deadline: Deadline = .after(seconds: 5)) async throws(CUPSError) -> Int? {
        let queue = self.queue
        let name = "licence-\(jobUUID)"
        let jobs = try await client.run(deadline: deadline) { connection throws(CUPSError) in
            try connection.jobs(queue: queue)
        }
        return jobs.filter { $0.name == name }.map(\.jobID).max()
    }

    /// The job's current status at cupsd.
    public func jobStatus(jobID: Int, deadline: Deadline = .after(seconds: 5)) async throws(CUPSError) -> CUPSJobStatus
    {
        try await client.run(deadline: deadline) { connection throws(CUPSError) in
            try connection.jobStatus(jobID: jobID)
        }
    }

    /// Cancel-Job; for a technician abandoning a job whose outcome is unknown.
    public func cancel(jobID: Int, deadline: Deadline = .after(seconds: 5)) async throws(CUPSError) {
        try await client.run(deadline: deadline) { connection throws(CUPSError) in try connection.cancel(jobID: jobID) }
    }

    // MARK: - Supervision

    /// Watches job `jobID` until it completes or fails, or `deadline` passes (→ `unknown`). Works for any job id,
    /// including one submitted by an earlier process. See `LicencePrintSupervisor` for the rules.
    public func supervise(jobID: Int, deadline: Deadline) async -> LicencePrintOutcome {
        var supervisor = LicencePrintSupervisor(jobID: jobID, queue: queue, client: client)
        let outcome = await supervisor.run(until: deadline)
        if let status = supervisor.lastPrinterStatus {
            health = LicencePrinterHealth.health(status, recommendedPolicy: LicencePrinter.recommendedErrorPolicy)
        }
        return outcome
    }
}
