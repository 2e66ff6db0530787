import Foundation

/// A queue ticket number (排号) such as `A023`: a category's prefix and that day's sequence number.
public struct QueueNumber: Sendable, Hashable, Codable, CustomStringConvertible {
    public let category: String
    public let prefix: String
    public let sequence: Int
    /// The local day the number belongs to; numbering restarts each day.
    public let day: CivilDate
    /// The printed form: prefix, then the sequence with at least `digits` digits (`A023`, `B1000`).
    public let text: String

    public var description: String { text }
}

/// Why a queue number could not be issued.
public enum QueueNumberingError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownCategory(String, known: [String])
    case invalidPrefix(category: String, prefix: String)
    case counterReturnedInvalid(category: String, value: Int)

    public var description: String {
        switch self {
        case .unknownCategory(let category, let known):
            "no queue prefix is configured for service category '\(category)'; configured: \(known.joined(separator: ", "))"
        case .invalidPrefix(let category, let prefix):
            "queue prefix '\(prefix)' for category '\(category)' must be 1–2 capital letters A–Z"
        case .counterReturnedInvalid(let category, let value):
            "the queue counter returned \(value) for category '\(category)'; sequence numbers start at 1"
        }
    }
}

/// The queue-number rule: a prefix per service category, numbering restarting at local midnight, never the same
/// number twice in a day. Pure — the instant and time zone come in, the counter (durable in production) is passed in.
public struct QueueNumbering: Sendable {
    /// Category → prefix, e.g. `["A": "A", "registration": "B"]`.
    public let prefixes: [String: String]
    /// Minimum digits after the prefix; a busy day past 999 prints `A1000`, still unique.
    public let digits: Int

    public init(prefixes: [String: String], digits: Int = 3) throws(QueueNumberingError) {
        for (category, prefix) in prefixes {
            guard (1...2).contains(prefix.count), prefix.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                throw .invalidPrefix(category: category, prefix: prefix)
            }
        }
        self.prefixes = prefixes
        self.digits = max(1, min(6, digits))
    }

    /// The local calendar day of `instant` in `timeZone`: the day changes at local midnight.
    public static func day(of instant: Date, in timeZone: TimeZone) -> CivilDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return CivilDate(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
            ?? CivilDate(daysSinceEpoch: 0)
    }

    /// `A` + 23 → `A023`.
    public func format(prefix: String, sequence: Int) -> String {
        let number = String(sequence)
        return prefix + String(repeating: "0", count: max(0, digits - number.count)) + number
    }

    /// Issues the next number for `category` on the local day of `instant`.
    public func issue(category: String, at instant: Date, timeZone: TimeZone, counter: any QueueNumberCounter) throws
        -> QueueNumber
    {
        guard let prefix = prefixes[category] else {
            throw QueueNumberingError.unknownCategory(category, known: prefixes.keys.sorted())
        }
        let day = QueueNumbering.day(of: instant, in: timeZone)
        let sequence = try counter.next(category: category, day: day)
        guard sequence >= 1 else {
            throw QueueNumberingError.counterReturnedInvalid(category: category, value: sequence)
        }
        return QueueNumber(
            category: category, prefix: prefix, sequence: sequence, day: day,
            text: format(prefix: prefix, sequence: sequence))
    }
}

/// A `QueueNumberCounter` in memory, for tests and simulation; the store's SQLite counter replaces it in production.
public final class InMemoryQueueNumberCounter: QueueNumberCounter, @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]

    public init() {}

    public func next(category: String, day: CivilDate) throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        let key = "\(day.compact)/\(category)"
        let value = (counts[key] ?? 0) + 1
        counts[key] = value
        return value
    }
}
