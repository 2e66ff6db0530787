import Foundation
import KioskControl

/// A ring of the last `capacity` log lines, kept in memory so a debug bundle carries the recent log even where the
/// technician cannot read the journal. The lines are the ones the logger wrote: callers mask personal data before
/// logging, so nothing here needs masking again.
public struct RecentLogLines: Sendable {
    public struct Line: Sendable, Equatable {
        public let at: Date
        public let level: LogLevel
        public let component: String
        public let text: String

        /// `2026-12-01T18:45:22.123Z <4>receiptPrinter: ...`, the journal's line with the time in front.
        public var rendered: String {
            "\(ControlDates.formatWithMilliseconds(at)) <\(level.rawValue)>\(component): \(text)"
        }
    }

    public static let defaultCapacity = 2000
    public let capacity: Int
    private var storage: [Line] = []
    /// Where the next line goes once the ring is full.
    private var next = 0

    public init(capacity: Int = RecentLogLines.defaultCapacity) { self.capacity = max(1, capacity) }

    public mutating func append(_ line: Line) {
        if storage.count < capacity {
            storage.append(line)
        } else {
            storage[next] = line
            next = (next + 1) % capacity
        }
    }

    /// Oldest first.
    public var lines: [Line] { Array(storage[next...] + storage[..<next]) }
}
