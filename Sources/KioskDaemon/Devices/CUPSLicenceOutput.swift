import KioskCore
import KioskDevices
import KioskIO

/// Licences through a CUPS queue: the job's UUID is journalled before anything is sent, its job id as soon as cupsd
/// gives one, and the outcome comes from supervising the job (never from resubmitting it).
struct CUPSLicenceOutput: LicenceOutput {
    let printer: LicencePrinter
    let summary: String

    init(queue: String, server: String?) {
        printer = LicencePrinter(queue: queue, server: server)
        summary = "cups queue \(queue) on \(server ?? "the default cupsd")"
    }

    func health() async -> DeviceHealth { await printer.refreshHealth() }

    func print(
        pdf: [UInt8], jobUUID: String, reprintOf: Int?, authorisedBy: String?, journal: LicenceJournal,
        deadline: Deadline
    ) async -> PrintOutcome {
        let options = LicencePrintOptions(copy: .original)
        let willSend: @Sendable (LicencePrintJob) async throws -> Void = { job in
            try await journal.willSend(job.jobUUID)
        }
        let didCreate: @Sendable (LicencePrintJob) async throws -> Void = { job in
            if let id = job.jobID { try await journal.didCreate(job.jobUUID, id) }
        }
        let job: LicencePrintJob
        do {
            if let original = reprintOf, let staff = authorisedBy {
                job = try await printer.reprint(
                    originalJobID: original, authorisedBy: staff, document: pdf, jobUUID: jobUUID, options: options,
                    willSend: willSend, didCreate: didCreate)
            } else {
                job = try await printer.submit(
                    document: pdf, jobUUID: jobUUID, options: options,
                    willSend: willSend, didCreate: didCreate)
            }
        } catch {
            switch error {
            case .sendFailed(let job, _):
                guard let id = job.jobID else { return .unknown(reason: "\(error)") }
                return Self.outcome(await printer.supervise(jobID: id, deadline: deadline))
            default:
                return .failed(reason: "\(error)")
            }
        }
        guard let id = job.jobID else { return .unknown(reason: "cupsd gave no job id for \(jobUUID)") }
        return Self.outcome(await printer.supervise(jobID: id, deadline: deadline))
    }

    func supervise(jobUUID: String, jobID: Int?, deadline: Deadline) async -> PrintOutcome {
        var id = jobID
        if id == nil { id = try? await printer.findJob(uuid: jobUUID) }
        guard let id else {
            // Journalled but never seen by cupsd: a person must look, since the create may have raced the crash.
            return .unknown(reason: "job \(jobUUID) is not known to cupsd")
        }
        // Created before the crash but its document never arrived: the process that would have sent it is gone, so
        // cupsd would hold the job (and the flow would wait) until its multiple-operation timeout. Nothing can print
        // from a job without a document; cancel it and say so.
        if let status = try? await printer.jobStatus(jobID: id), status.documentCount == 0,
            status.state == .pending || status.state == .held
        {
            do {
                try await printer.cancel(jobID: id)
                return .failed(
                    reason: "job \(id) never received its document (kioskd stopped mid-submission); cancelled")
            } catch {
                return .unknown(reason: "job \(id) has no document and could not be cancelled: \(error)")
            }
        }
        return Self.outcome(await printer.supervise(jobID: id, deadline: deadline))
    }

    static func outcome(_ outcome: LicencePrintOutcome) -> PrintOutcome {
        switch outcome {
        case .completed: .completed
        case .failed(let reason): .failed(reason: reason)
        case .unknown(let reason): .unknown(reason: reason)
        }
    }
}
