import KioskIO

/// Follows one licence job to its outcome through IPP Get-Job-Attributes, polling cupsd with a short, growing
/// interval (IPP has no cheaper way for a local client to learn a job's end).
///
/// Rules, each from a way licence printing fails in practice:
/// - `canceled` / `aborted` at cupsd → `failed` with the job and printer reasons.
/// - `completed` at cupsd is confirmed with the printer itself when the queue's device is an IPP printer: CUPS's
///   ipp backend can report success as soon as the document is handed over (before the printer has printed it,
///   and even when the printer then aborts it), and a restarted cupsd may have sent the job twice. The
///   printer's own job list (matched by `job-uuid` or our `job-name`) decides, and supervision waits for the printer to finish.
/// - cupsd unreachable, the job gone, or the deadline passing → `unknown`, never a resubmission.
/// - If cupsd restarted mid-job it restarts the job by itself; a job seen processing again after lost contact
///   is cancelled at once (to stop a second copy) and reported `unknown`.
struct LicencePrintSupervisor {
    let jobID: Int
    let queue: String
    let client: CUPSClient
    private(set) var lastStatus: CUPSJobStatus?
    private(set) var lastPrinterStatus: CUPSPrinterStatus?
    private var lostContact = false
    private var sawProcessing = false
    private var lastError: CUPSError?

    static let firstInterval = Duration.milliseconds(10)
    static let longestInterval = Duration.milliseconds(200)

    init(jobID: Int, queue: String, client: CUPSClient) {
        self.jobID = jobID
        self.queue = queue
        self.client = client
    }

    mutating func run(until deadline: Deadline) async -> LicencePrintOutcome {
        var interval = LicencePrintSupervisor.firstInterval
        let jobID = self.jobID
        while true {
            if deadline.hasPassed { return timedOut() }
            let requestDeadline = Deadline(min(deadline.instant, ContinuousClock.now + .seconds(5)))
            do {
                let status = try await client.run(deadline: requestDeadline) { connection throws(CUPSError) in
                    try connection.jobStatus(jobID: jobID)
                }
                if let outcome = await judge(status) { return outcome }
                if status.state != lastStatus?.state { interval = LicencePrintSupervisor.firstInterval }
                lastStatus = status
            } catch {
                if case .notFound = error {
                    return .unknown(
                        reason:
                            "cupsd no longer knows job \(jobID) (cupsd lost it in a restart or purged its history); "
                            + "check the printer's output before authorising a reprint")
                }
                lostContact = true
                lastError = error
            }
            let pause = min(interval, deadline.remaining)
            do {
                try await Task.sleep(for: pause)
            } catch {
                return .unknown(
                    reason: "supervision of job \(jobID) was cancelled while the job was \(describe(lastStatus))")
            }
            interval = min(interval * 2, LicencePrintSupervisor.longestInterval)
        }
    }

    private func describe(_ status: CUPSJobStatus?) -> String {
        guard let status else { return "not yet seen" }
        let state = status.state.map(\.description) ?? "in an unknown state"
        let reasons = (status.stateReasons + status.printerStateReasons).joined(separator: ", ")
        return reasons.isEmpty ? state : "\(state) (\(reasons))"
    }

    private func timedOut() -> LicencePrintOutcome {
        if lastStatus?.state == .completed {
            return .unknown(
                reason:
                    "cupsd finished job \(jobID) but the printer had not finished printing it when supervision timed out; check the printer"
            )
        }
        if lostContact, let lastError {
            return .unknown(
                reason: "lost contact with cupsd while job \(jobID) was \(describe(lastStatus)): \(lastError)")
        }
        return .unknown(
            reason: "job \(jobID) still \(describe(lastStatus)) when supervision timed out; check the printer")
    }

    /// The outcome if `status` is final, nil to keep watching.
    private mutating func judge(_ status: CUPSJobStatus) async -> LicencePrintOutcome? {
        guard let state = status.state else { return nil }
        if state == .processing { sawProcessing = true }
        // After lost contact with cupsd mid-job (cupsd stopped or restarted), a job that is not finished will be
        // sent again by cupsd on its own: cancel it now and let a person decide.
        if lostContact, sawProcessing, !state.isTerminal {
            let jobID = self.jobID
            let cancelled =
                (try? await client.run(deadline: .after(seconds: 5)) { connection throws(CUPSError) in
                    try connection.cancel(jobID: jobID)
                }) != nil
            return .unknown(
                reason:
                    "lost contact with cupsd while job \(jobID) was printing; cupsd would have sent it again, so it was "
                    + (cancelled ? "cancelled" : "to be cancelled (the cancel failed: cancel it by hand)")
                    + ". The first attempt may or may not have printed: check the output tray")
        }
        switch state {
        case .canceled:
            return .failed(reason: failureText("canceled", status))
        case .aborted:
            return .failed(reason: failureText("aborted", status))
        case .completed:
            return await confirmAtPrinter(status)  // nil: the printer is still at it
        case .pending, .held, .processing, .stopped:
            if state == .stopped || status.stateReasons.contains("printer-stopped") {
                lastPrinterStatus = try? await queueStatus()
            }
            return nil
        }
    }

    private func failureText(_ what: String, _ status: CUPSJobStatus) -> String {
        var parts = ["job \(jobID) \(what)"]
        let reasons = status.stateReasons.filter { $0 != "processing-to-stop-point" }
        if !reasons.isEmpty { parts.append("job-state-reasons: \(reasons.joined(separator: ", "))") }
        if !status.printerStateReasons.isEmpty {
            parts.append("printer-state-reasons: \(status.printerStateReasons.joined(separator: ", "))")
        }
        let message = status.printerStateMessage.isEmpty ? status.stateMessage : status.printerStateMessage
        if !message.isEmpty { parts.append("\"\(message)\"") }
        return parts.joined(separator: "; ")
    }

    private func queueStatus() async throws(CUPSError) -> CUPSPrinterStatus {
        let queue = self.queue
        return try await client.run(deadline: .after(seconds: 5)) { connection throws(CUPSError) in
            try connection.printerStatus(queue: queue)
        }
    }

    /// cupsd says completed; ask the IPP printer behind the queue what happened to the job with this job-uuid.
    /// Nil while the printer still has the job pending or printing (cupsd's ipp backend may finish before the
    /// printer does): keep watching.
    private mutating func confirmAtPrinter(_ status: CUPSJobStatus) async -> LicencePrintOutcome? {
        guard let printer = try? await queueStatus() else { return .completed }
        lastPrinterStatus = printer
        guard !status.uuid.isEmpty, let parts = CUPSConnection.separate(printer.deviceURI),
            parts.scheme == "ipp" || parts.scheme == "ipps"
        else { return .completed }  // a USB or socket printer: cupsd's word is all there is
        let uri = printer.deviceURI
        let uuid = status.uuid
        // Only our names are unique (`licence-UUID`); another client's job-name may repeat.
        let name = status.name.hasPrefix("licence-") ? status.name : ""
        let deviceJobs: [CUPSJobStatus]
        do {
            deviceJobs = try await client.runElsewhere(host: parts.host, port: parts.port, deadline: .after(seconds: 3))
            {
                connection throws(CUPSError) in
                let active = try connection.jobs(printerURI: uri, resource: parts.resource, which: "not-completed")
                let finished = try connection.jobs(printerURI: uri, resource: parts.resource, which: "completed")
                // cupsd's ipp backend passes the job-name (ours carries the job UUID) and sometimes its job-uuid.
                return (active + finished).filter { $0.uuids.contains(uuid) || (!name.isEmpty && $0.name == name) }
            }
        } catch {
            return .completed  // the printer does not answer job queries: cupsd's word stands
        }
        if deviceJobs.count > 1 {
            return .unknown(
                reason:
                    "job \(jobID) reached the printer \(deviceJobs.count) times (cupsd resent it); more than one sheet may have printed — check the output tray"
            )
        }
        guard let device = deviceJobs.first, let deviceState = device.state else { return .completed }
        switch deviceState {
        case .completed: return .completed
        case .canceled, .aborted:
            var reasons = device.stateReasons
            reasons += printer.reasons.filter { LicencePrinterHealth.faults[$0] != nil }
            return .failed(
                reason:
                    "cupsd reported job \(jobID) completed but the printer \(deviceState == .aborted ? "aborted" : "canceled") it"
                    + (reasons.isEmpty ? "" : " (\(reasons.joined(separator: ", ")))"))
        case .pending, .held, .processing, .stopped:
            return nil
        }
    }
}
