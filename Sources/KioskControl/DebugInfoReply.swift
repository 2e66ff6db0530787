import Foundation

/// `debug-info` on admin.sock: what `kioskctl debug-bundle` packs (docs/control-protocol.md). Nothing here holds
/// personal data: the status and the log carry only codes, ids and masked values, and the configuration has its
/// secrets replaced.
public struct DebugInfoReply: Sendable, Hashable, Codable {
    public var `class` = "debug-info"
    public var ok = true
    public var version: String
    public var `protocol`: Int = ControlProtocol.version
    public var pid: Int
    /// `production` or `simulate`.
    public var mode: String
    public var status: StatusReply
    /// The device nodes the configuration names, for `udevadm info`.
    public var deviceNodes: [String]
    public var log: RecentLog
    /// The configuration file kioskd was started with; nil under `--simulate` without one.
    public var configFile: String?
    /// That file as it reads now, secrets replaced by `(removed)`; or a note saying why it is not here.
    public var config: ControlJSON

    public struct RecentLog: Sendable, Hashable, Codable {
        public var level: String
        /// Lines stderr refused (they are still in `lines`).
        public var droppedLines: Int
        public var capacity: Int
        /// Oldest first, as logged: `2026-12-01T18:45:22.123Z <4>receiptPrinter: ...`.
        public var lines: [String]

        public init(level: String, droppedLines: Int, capacity: Int, lines: [String]) {
            self.level = level
            self.droppedLines = droppedLines
            self.capacity = capacity
            self.lines = lines
        }
    }

    public init(
        version: String, pid: Int, mode: String, status: StatusReply, deviceNodes: [String], log: RecentLog,
        configFile: String?, config: ControlJSON
    ) {
        self.version = version
        self.pid = pid
        self.mode = mode
        self.status = status
        self.deviceNodes = deviceNodes
        self.log = log
        self.configFile = configFile
        self.config = config
    }
}
