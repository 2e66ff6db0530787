import Foundation
import KioskCore

/// One entry of the licence print journal: a print intended (before any byte is sent), submitted to CUPS, and how it
/// ended. A job whose `outcome` is nil or `.unknown` needs supervision after a restart and is never reprinted
/// automatically (docs/ARCHITECTURE.md §4.4).
public struct LicenceJob: Sendable, Hashable {
    /// Where the job is in its life.
    public enum Stage: Sendable, Hashable {
        /// Intent recorded; the job may or may not have reached CUPS (a crash between submit and journal).
        case intended
        /// CUPS accepted it as `cupsJobID`; the outcome is not known yet.
        case submitted
        /// The driver reported an outcome.
        case ended(PrintOutcome)
    }

    public let jobUUID: String
    public let transactionID: String
    public let intendedAt: Date
    public let cupsJobID: Int?
    public let submittedAt: Date?
    public let outcome: PrintOutcome?
    public let outcomeAt: Date?
    /// The technician who authorised this job as a reprint, or nil for the first print.
    public let reprintAuthorisedBy: String?

    public var stage: Stage {
        if let outcome { return .ended(outcome) }
        return cupsJobID == nil ? .intended : .submitted
    }

    /// Nil or `.unknown`: nobody knows yet whether paper came out.
    public var isUnresolved: Bool {
        switch outcome {
        case nil, .unknown: true
        case .completed, .failed: false
        }
    }
}

extension PrintOutcome {
    /// The journal's column values: (`completed` | `failed` | `unknown`, reason).
    var columns: (String, String?) {
        switch self {
        case .completed: ("completed", nil)
        case .failed(let reason): ("failed", reason)
        case .unknown(let reason): ("unknown", reason)
        }
    }

    init?(column: String?, reason: String?) {
        switch column {
        case "completed": self = .completed
        case "failed": self = .failed(reason: reason ?? "")
        case "unknown": self = .unknown(reason: reason ?? "")
        default: return nil
        }
    }
}
