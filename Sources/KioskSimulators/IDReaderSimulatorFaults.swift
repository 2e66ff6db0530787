import KioskProtocols

/// Faults the simulated reader injects; set them with `IDReaderSimulator.faults`. Counters count down as used.
public struct IDReaderSimulatorFaults: Sendable, Equatable {
    /// The next N read-base-info commands answer SW3 0x41 (读证/卡操作失败); the card stays unread.
    public var failReads = 0
    /// The next N select commands answer SW3 0x81.
    public var failSelects = 0
    /// The next N commands get no reply at all (the host times out).
    public var silentCommands = 0
    /// No reply to anything until cleared.
    public var silent = false
    /// Written before every reply (noise on the line).
    public var garbageBeforeReplies: [UInt8] = []
    /// Replies are written in chunks of this many bytes, one write each, with a pause between.
    public var replyChunkSize: Int?
    /// The next N replies go out with a wrong checksum.
    public var corruptReplies = 0
    /// The next read-base-info reply stops halfway and the PTY closes (USB cable pulled mid-read).
    public var unplugDuringRead = false
    /// The SAM's state: `.success`, or `.samSelfTestFailed` (0x60) / `.samUnauthorised` (0x66), which every
    /// command then answers.
    public var samStatus: GA467Status = .success

    public init() {}
}
