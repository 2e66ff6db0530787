/// A job as cupsd (or a printer) reports it through Get-Job-Attributes / Get-Jobs.
public struct CUPSJobStatus: Sendable, Hashable {
    /// `job-state` (RFC 8011 §5.3.7).
    public enum State: Int, Sendable, Hashable, CustomStringConvertible {
        case pending = 3, held = 4, processing = 5, stopped = 6, canceled = 7, aborted = 8, completed = 9

        public var isTerminal: Bool { rawValue >= 7 }

        public var description: String {
            switch self {
            case .pending: "pending"
            case .held: "pending-held"
            case .processing: "processing"
            case .stopped: "processing-stopped"
            case .canceled: "canceled"
            case .aborted: "aborted"
            case .completed: "completed"
            }
        }
    }

    public let jobID: Int
    /// Nil when the response carried an unknown value.
    public let state: State?
    public let stateReasons: [String]
    public let stateMessage: String
    /// What cupsd's backend last heard from the printer while this job ran.
    public let printerStateMessage: String
    public let printerStateReasons: [String]
    public let name: String
    /// `job-uuid` (`urn:uuid:...`) — cupsd passes it on to an IPP printer, which lets us find the job there.
    public let uuid: String
    /// Every `job-uuid` value in the response (a printer lists the client's next to its own).
    public let uuids: [String]
    /// `time-at-processing` in the server's up-time seconds; changes when cupsd restarts a job.
    public let timeAtProcessing: Int
    public let impressionsCompleted: Int
    /// `number-of-documents`: 0 for a job created (Create-Job) whose document never arrived; nil when not reported.
    public let documentCount: Int?

    static let requestedAttributes = [
        "job-state", "job-state-reasons", "job-state-message", "job-printer-state-message", "job-printer-state-reasons",
        "job-name", "job-uuid", "time-at-processing", "job-impressions-completed", "number-of-documents",
    ]

    init(response: IPPResponse, jobID: Int) {
        self.jobID = jobID
        state = response.integer("job-state").flatMap(State.init(rawValue:))
        stateReasons = response.strings("job-state-reasons").filter { $0 != "none" }
        stateMessage = response.string("job-state-message") ?? ""
        printerStateMessage = response.string("job-printer-state-message") ?? ""
        printerStateReasons = CUPSPrinterStatus.strip(response.strings("job-printer-state-reasons"))
        name = response.string("job-name") ?? ""
        uuid = response.string("job-uuid") ?? ""
        uuids = response.strings("job-uuid")
        timeAtProcessing = response.integer("time-at-processing") ?? 0
        impressionsCompleted = response.integer("job-impressions-completed") ?? 0
        documentCount = response.integer("number-of-documents")
    }

    public init(
        jobID: Int, state: State?, stateReasons: [String] = [], stateMessage: String = "",
        printerStateMessage: String = "",
        printerStateReasons: [String] = [], name: String = "", uuid: String = "", timeAtProcessing: Int = 0,
        impressionsCompleted: Int = 0, documentCount: Int? = nil
    ) {
        self.jobID = jobID
        self.state = state
        self.stateReasons = stateReasons
        self.stateMessage = stateMessage
        self.printerStateMessage = printerStateMessage
        self.printerStateReasons = printerStateReasons
        self.name = name
        self.uuid = uuid
        uuids = uuid.isEmpty ? [] : [uuid]
        self.timeAtProcessing = timeAtProcessing
        self.impressionsCompleted = impressionsCompleted
        self.documentCount = documentCount
    }
}
