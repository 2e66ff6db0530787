import Foundation

/// `status`: the whole terminal at a glance. Parts whose shape another component owns (the touch UI, the central
/// links, the simulators) are carried as `ControlJSON` in the form that component reports.
public struct StatusReply: Sendable, Hashable, Codable {
    public var `class` = "status"
    public var ok = true
    public var version: String
    public var `protocol`: Int = ControlProtocol.version
    public var kioskID: String
    public var uptimeSeconds: Int
    /// `production` or `simulate`.
    public var mode: String
    public var pid: Int
    public var devices: [DeviceReport]
    public var flow: FlowStatus
    public var store: StoreStatus
    public var authority: AuthorityStatus
    public var log: LogStatus
    public var ui: ControlJSON
    public var central: ControlJSON?
    public var simulation: ControlJSON?

    public init(
        version: String, kioskID: String, uptimeSeconds: Int, mode: String, pid: Int, devices: [DeviceReport],
        flow: FlowStatus, store: StoreStatus, authority: AuthorityStatus, log: LogStatus, ui: ControlJSON
    ) {
        self.version = version
        self.kioskID = kioskID
        self.uptimeSeconds = uptimeSeconds
        self.mode = mode
        self.pid = pid
        self.devices = devices
        self.flow = flow
        self.store = store
        self.authority = authority
        self.log = log
        self.ui = ui
    }

    /// The required devices that are not ready: `kioskctl status` exits 1 while there is one.
    public var devicesNotReady: [DeviceReport] { devices.filter { $0.required && !$0.isReady } }
}

public struct FlowStatus: Sendable, Hashable, Codable {
    public struct StaffCall: Sendable, Hashable, Codable {
        public var since: Date
        public var by: String
        public var reason: String
        public init(since: Date, by: String, reason: String) {
            self.since = since
            self.by = by
            self.reason = reason
        }
    }

    public struct Ended: Sendable, Hashable, Codable {
        public var transactionID: String
        public var step: String
        public var reason: String
        public init(transactionID: String, step: String, reason: String) {
            self.transactionID = transactionID
            self.step = step
            self.reason = reason
        }
    }

    public var step: String
    public var since: Date
    public var eventsProcessed: Int
    public var eventsNotApplicable: Int
    public var lostDevices: [String]
    /// The last UI events, as log-safe lines.
    public var recent: [String]
    public var transactionID: String?
    public var handOffReason: String?
    public var cancelReason: String?
    public var lastTicket: String?
    public var lastCompletedTransaction: String?
    public var elderly: Bool?
    public var staffCall: StaffCall?
    public var lastEnded: Ended?

    public init(
        step: String, since: Date, eventsProcessed: Int, eventsNotApplicable: Int, lostDevices: [String],
        recent: [String]
    ) {
        self.step = step
        self.since = since
        self.eventsProcessed = eventsProcessed
        self.eventsNotApplicable = eventsNotApplicable
        self.lostDevices = lostDevices
        self.recent = recent
    }
}

public struct StoreStatus: Sendable, Hashable, Codable {
    public struct Maintenance: Sendable, Hashable, Codable {
        public var at: Date
        public var purged: Int
        public var problems: [String]
        public var integrity: String?
        public var backup: String?
        public init(at: Date, purged: Int, problems: [String], integrity: String?, backup: String?) {
            self.at = at
            self.purged = purged
            self.problems = problems
            self.integrity = integrity
            self.backup = backup
        }
    }

    /// `ok` or `error`.
    public var state: String
    public var reasons: [String]?
    public var error: String?
    public var completedTransactions: Int?
    public var endedTransactions: Int?
    public var pendingOutbox: Int?
    public var lastSeq: Int64?
    public var unresolvedLicenceJobs: Int?
    public var databaseBytes: Int64?
    public var journalMode: String?
    public var maintenance: Maintenance?

    public init(state: String) { self.state = state }
}

public struct AuthorityStatus: Sendable, Hashable, Codable {
    /// `central` or `embedded`.
    public var mode: String
    public var warning: String?
    public init(mode: String, warning: String?) {
        self.mode = mode
        self.warning = warning
    }
}

public struct LogStatus: Sendable, Hashable, Codable {
    public var droppedLines: Int
    public var level: String?
    public init(droppedLines: Int, level: String?) {
        self.droppedLines = droppedLines
        self.level = level
    }
}
