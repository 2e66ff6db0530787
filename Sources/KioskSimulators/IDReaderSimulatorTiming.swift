import KioskProtocols

/// How long the simulated reader takes: SAM processing per command plus wire time at the line rate.
/// The processing figures are assumptions (docs/device-protocols.md §1.11 gives client timeouts, not SAM times); wire
/// time is 10 bits per byte (8N1).
public struct IDReaderSimulatorTiming: Sendable, Equatable {
    /// Nil: bytes move as fast as the PTY takes them.
    public var baudRate: Int?
    public var findCard: Duration
    public var selectCard: Duration
    public var readBaseInfo: Duration
    public var other: Duration

    public init(baudRate: Int?, findCard: Duration, selectCard: Duration, readBaseInfo: Duration, other: Duration) {
        self.baudRate = baudRate
        self.findCard = findCard
        self.selectCard = selectCard
        self.readBaseInfo = readBaseInfo
        self.other = other
    }

    /// No delays: for tests.
    public static let instant = IDReaderSimulatorTiming(
        baudRate: nil, findCard: .zero, selectCard: .zero, readBaseInfo: .zero, other: .zero)

    /// 115200 bps and SAM times in the range client code budgets for (find/select well under their 200–300 ms
    /// timeouts, read base a few hundred ms).
    public static let realistic = IDReaderSimulatorTiming(
        baudRate: 115200, findCard: .milliseconds(15), selectCard: .milliseconds(20), readBaseInfo: .milliseconds(400),
        other: .milliseconds(10))

    /// SAM processing time for `command`.
    public func processing(_ command: GA467Command?) -> Duration {
        switch command {
        case .findCard: findCard
        case .selectCard: selectCard
        case .readBaseInfo, .readBaseInfoWithFingerprint: readBaseInfo
        default: other
        }
    }

    /// Time `count` bytes take on the wire.
    public func wireTime(bytes count: Int) -> Duration {
        guard let baudRate, baudRate > 0 else { return .zero }
        return .microseconds(Int64(count) * 10 * 1_000_000 / Int64(baudRate))
    }

    /// The physical floor of one find → select → read cycle for a card: processing plus wire time both ways.
    public func readCycleFloor(textLength: Int = 256, photoLength: Int = 1024) -> Duration {
        let request = 10
        let findReply = 15
        let selectReply = 19
        let readReply = 7 + 3 + 4 + textLength + photoLength + 1
        return findCard + selectCard + readBaseInfo + wireTime(bytes: 3 * request + findReply + selectReply + readReply)
    }
}
