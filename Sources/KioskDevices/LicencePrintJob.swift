import KioskDocuments

/// Job options for a licence sheet; defaults suit pre-printed licence paper.
public struct LicencePrintOptions: Sendable, Hashable, Codable {
    /// Which sheet (sets `media`: A3 for the original, A4 for the duplicate).
    public var copy: LicenceCopy
    /// `media-source` (IPP) / InputSlot: the tray holding that licence paper, e.g. `tray-1`; nil = printer default.
    public var mediaSource: String?
    /// `print-quality`: 3 draft, 4 normal, 5 high.
    public var printQuality: Int
    /// `sides`; licences are one-sided.
    public var sides: String

    public init(copy: LicenceCopy, mediaSource: String? = nil, printQuality: Int = 5, sides: String = "one-sided") {
        self.copy = copy
        self.mediaSource = mediaSource
        self.printQuality = printQuality
        self.sides = sides
    }

    /// The IPP job attributes sent with Create-Job.
    var ippOptions: [(String, String)] {
        var options = [("media", copy.media), ("sides", sides), ("print-quality", String(printQuality))]
        if let mediaSource { options.append(("media-source", mediaSource)) }
        return options
    }
}

/// What the caller persists about a licence print: the UUID before any byte is sent, the CUPS job id as soon as it
/// is known. With these two a restarted daemon can find and supervise the job again.
public struct LicencePrintJob: Sendable, Hashable, Codable {
    public let jobUUID: String
    public let queue: String
    /// Nil until cupsd has accepted Create-Job.
    public var jobID: Int?
    public let copy: LicenceCopy
    /// For a reprint: the CUPS job id of the original print and who authorised the reprint.
    public let reprintOf: Int?
    public let authorisedBy: String?

    /// The `job-name` given to cupsd; it carries the UUID so the job can be found by it (`LicencePrinter.findJob`).
    public var jobName: String { "licence-\(jobUUID)" }

    public init(
        jobUUID: String, queue: String, jobID: Int? = nil, copy: LicenceCopy, reprintOf: Int? = nil,
        authorisedBy: String? = nil
    ) {
        self.jobUUID = jobUUID
        self.queue = queue
        self.jobID = jobID
        self.copy = copy
        self.reprintOf = reprintOf
        self.authorisedBy = authorisedBy
    }
}

/// Why a licence was not (or not fully) submitted.
public enum LicencePrintError: Error, Sendable, CustomStringConvertible {
    /// Refused before anything was sent: the queue cannot print now.
    case queueUnavailable(queue: String, health: String)
    /// The caller's persistence hook threw; nothing was sent (or the created job was cancelled).
    case notPersisted(String)
    /// The job UUID or document is unacceptable.
    case invalidRequest(String)
    /// cupsd failed before the job existed; nothing will print.
    case notSubmitted(CUPSError)
    /// The job exists but sending its document failed; `job` names it; supervise it to learn the outcome.
    case sendFailed(job: LicencePrintJob, CUPSError)

    public var description: String {
        switch self {
        case .queueUnavailable(let queue, let health):
            "licence queue '\(queue)' cannot print now (\(health)); nothing was sent; fix the printer, then retry"
        case .notPersisted(let why): "the print was not started because its record could not be saved: \(why)"
        case .invalidRequest(let why): "licence print refused: \(why)"
        case .notSubmitted(let error): "licence job was not created, nothing will print: \(error)"
        case .sendFailed(let job, let error):
            "licence job \(job.jobID.map(String.init) ?? "?") on '\(job.queue)' did not receive its whole document (\(error)); it was cancelled if possible — supervise it before any reprint"
        }
    }
}
