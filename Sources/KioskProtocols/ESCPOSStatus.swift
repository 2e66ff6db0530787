/// One thing a receipt or ticket printer reports about itself. Raw values are the health reason codes.
public enum PrinterCondition: String, Sendable, Codable, CaseIterable, Comparable {
    case offline = "offline"
    case paperNearEnd = "paper-near-end"
    case paperEnd = "paper-end"
    case coverOpen = "cover-open"
    case cutterError = "cutter-error"
    /// `DLE EOT 3` bit2: mechanical error on Epson, BM-detection or presenter error on Citizen (per model,
    /// docs/device-protocols.md §2.5).
    case mechanicalError = "mechanical-error"
    /// Clears by itself (e.g. head overheat).
    case recoverableError = "recoverable-error"
    /// Needs a power cycle or service.
    case unrecoverableError = "unrecoverable-error"
    /// `DLE EOT 2` bit6: some error; the cause is in `DLE EOT 3`.
    case errorOccurred = "error"
    /// A presented ticket is sitting in the exit, not yet taken.
    case ticketAtExit = "ticket-at-exit"
    case paperJam = "paper-jam"
    case headUp = "head-up"
    /// The FEED button is feeding paper.
    case feeding = "paper-feeding"
    case waitingForOnlineRecovery = "waiting-for-online-recovery"

    /// Conditions under which printing cannot succeed.
    public var blocksPrinting: Bool {
        switch self {
        case .offline, .paperEnd, .coverOpen, .cutterError, .mechanicalError, .recoverableError, .unrecoverableError,
            .errorOccurred, .paperJam, .headUp:
            true
        case .paperNearEnd, .ticketAtExit, .feeding, .waitingForOnlineRecovery: false
        }
    }

    public static func < (a: PrinterCondition, b: PrinterCondition) -> Bool { a.rawValue < b.rawValue }
}

/// What the printer reported, merged from whichever status replies it answered.
public struct PrinterStatus: Sendable, Hashable, Codable, CustomStringConvertible {
    public var conditions: Set<PrinterCondition>

    public init(_ conditions: Set<PrinterCondition> = []) { self.conditions = conditions }

    public var isOnline: Bool { !conditions.contains(.offline) }
    /// Sorted, for stable output.
    public var sortedConditions: [PrinterCondition] { conditions.sorted() }
    /// The conditions that stop a print, most specific first (`errorOccurred` and `offline` only when nothing more
    /// specific explains them).
    public var blockingConditions: [PrinterCondition] {
        let blocking = conditions.filter(\.blocksPrinting)
        let specific = blocking.subtracting([.offline, .errorOccurred])
        return specific.isEmpty ? blocking.sorted() : specific.sorted()
    }
    public var canPrint: Bool { blockingConditions.isEmpty }

    public func contains(_ condition: PrinterCondition) -> Bool { conditions.contains(condition) }

    public var description: String {
        conditions.isEmpty ? "online" : sortedConditions.map(\.rawValue).joined(separator: ", ")
    }
}
