/// A point on the monotonic clock by which a wait must end. Every blocking call in kioskd takes one.
public struct Deadline: Sendable, Comparable, Hashable {
    public let instant: ContinuousClock.Instant

    public init(_ instant: ContinuousClock.Instant) { self.instant = instant }

    public static var now: Deadline { Deadline(.now) }

    /// `duration` from now.
    public static func after(_ duration: Duration) -> Deadline { Deadline(.now + duration) }

    /// `seconds` from now; fractional seconds are kept to the millisecond.
    public static func after(seconds: Double) -> Deadline { after(.milliseconds(Int64((seconds * 1000).rounded()))) }

    public var hasPassed: Bool { instant <= .now }

    /// Time left, never negative.
    public var remaining: Duration { max(.zero, instant - .now) }

    /// Time left in whole milliseconds rounded up, the unit `poll(2)` wants; 0 once passed.
    public var pollTimeoutMilliseconds: Int32 {
        let left = remaining.components
        let ms = left.seconds * 1000 + (left.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: ms)
    }

    public static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.instant < rhs.instant }
}
