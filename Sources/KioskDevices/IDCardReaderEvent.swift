import KioskCore
import KioskProtocols

/// What the reader loop reports, in order.
public enum IDCardReaderEvent: Sendable, CustomStringConvertible {
    /// A card was found on the reader (once per presentation, before it is read).
    case cardPresented
    /// The card was read and decoded. Emitted once per presentation: the same card is not read again until it has
    /// been lifted.
    case cardRead(IdentityCard, CardPhoto)
    /// Reading the presented card failed; the driver retries up to the profile's cap while the card stays.
    case cardError(IDCardReaderError)
    /// The card is known to be gone: an unread card vanished, or a new presentation followed a read. Readers answer
    /// "no card" right after a successful read even while the card still lies there (docs/device-protocols.md §1.11),
    /// so the removal of a read card is only certain once a card is presented again.
    case cardRemoved
    /// The reader's health changed.
    case health(DeviceHealth)

    /// Masked: never prints card content.
    public var description: String {
        switch self {
        case .cardPresented: "cardPresented"
        case .cardRead(let card, let photo): "cardRead(\(card.cardType.rawValue), \(card.idNumber), \(photo))"
        case .cardError(let error): "cardError(\(error.reasonCode))"
        case .cardRemoved: "cardRemoved"
        case .health(let health): "health(\(health))"
        }
    }
}

/// The answer of `IDCardReader.selfTest()`.
public struct IDReaderSelfTestReport: Sendable, Equatable, CustomStringConvertible {
    public var samStatus: GA467Status
    /// Nil when the SAM would not give its ID.
    public var samID: GA467SAMID?

    public init(samStatus: GA467Status, samID: GA467SAMID?) {
        self.samStatus = samStatus
        self.samID = samID
    }

    public var passed: Bool { samStatus == .success && samID != nil }

    public var description: String {
        "SAM status: \(samStatus); SAM ID: \(samID?.formatted ?? "unavailable")"
    }
}
