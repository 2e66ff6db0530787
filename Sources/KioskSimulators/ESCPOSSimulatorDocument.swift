/// What a simulated printer put on paper between two cuts: text lines (decoded from GB18030), QR payloads and
/// barcodes in print order, and how it was cut.
public struct ESCPOSSimulatorDocument: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Item: Sendable, Hashable, Codable {
        case line(String)
        case qrCode(String)
        case barcode(String)
    }

    public enum Cut: String, Sendable, Hashable, Codable {
        case full, partial
        /// Ended without a cut (presented, or still in progress).
        case none
    }

    public var items: [Item] = []
    public var cut: Cut = .none

    public init(items: [Item] = [], cut: Cut = .none) {
        self.items = items
        self.cut = cut
    }

    public var lines: [String] {
        items.compactMap { if case .line(let text) = $0 { text } else { nil } }
    }

    public var qrPayloads: [String] {
        items.compactMap { if case .qrCode(let payload) = $0 { payload } else { nil } }
    }

    public var barcodes: [String] {
        items.compactMap { if case .barcode(let data) = $0 { data } else { nil } }
    }

    public var isEmpty: Bool { items.isEmpty }

    /// A plain-text rendering: one line per printed line, `[QR] payload`, `[CODE128] data`, and the cut.
    public var text: String {
        var out: [String] = items.map { item in
            switch item {
            case .line(let text): text
            case .qrCode(let payload): "[QR] \(payload)"
            case .barcode(let data): "[CODE128] \(data)"
            }
        }
        if cut != .none { out.append("[cut: \(cut.rawValue)]") }
        return out.joined(separator: "\n")
    }

    public var description: String { text }
}

/// Faults a simulated printer can be put into.
public enum ESCPOSSimulatorFault: String, Sendable, Hashable, CaseIterable, Codable {
    case paperNearEnd = "paper-near-end"
    case paperEnd = "paper-end"
    case coverOpen = "cover-open"
    case cutterError = "cutter-error"
    case offline = "offline"
    case unrecoverableError = "unrecoverable-error"
    case paperJam = "paper-jam"

    /// Whether the printer stops printing in this state.
    var stopsPrinting: Bool { self != .paperNearEnd }
}

/// What happened at the presenter, in order.
public enum ESCPOSPresenterEvent: Sendable, Hashable, Codable {
    case presented
    case taken
    case retracted
    case ejected
}

/// When the simulated citizen takes a presented ticket.
public enum ESCPOSTicketTaking: Sendable, Hashable {
    /// Only when the test calls `takeTicket()`.
    case manual
    /// After the printer has answered this many presenter status requests (`GS e 6`, `DLE EOT 20`) with the ticket
    /// still in the exit.
    case afterStatusPolls(Int)
}
