import KioskCore
import KioskProtocols

/// A card lying on the simulated reader: what its chip returns.
public struct IDReaderSimulatorCard: Sendable, Hashable, CustomStringConvertible {
    public var identity: IdentityCard
    /// The 1024-byte WLT photo (any bytes: nothing decodes it).
    public var photo: [UInt8]
    /// Fingerprint templates for `30 10`; nil answers with fpLen = 0.
    public var fingerprint: [UInt8]?
    /// The 4 data bytes of the find-card reply (卡的IIN/管理号).
    public var serial: [UInt8]
    /// Overrides the encoded 256-byte text block (to present malformed or unknown cards).
    public var rawText: [UInt8]?

    public init(
        identity: IdentityCard, photo: [UInt8]? = nil, fingerprint: [UInt8]? = nil,
        serial: [UInt8] = [0x01, 0x02, 0x03, 0x04], rawText: [UInt8]? = nil
    ) {
        self.identity = identity
        self.photo = photo ?? (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 0x57) }
        self.fingerprint = fingerprint
        self.serial = serial
        self.rawText = rawText
    }

    /// The sample card of `type` (see `IDReaderSampleCards`).
    public static func sample(_ type: CardType) -> IDReaderSimulatorCard {
        IDReaderSimulatorCard(identity: IDReaderSampleCards.card(type))
    }

    /// The text block the chip returns.
    public var textBlock: [UInt8] { rawText ?? GA467TextBlockEncoder.encode(identity) }

    public var description: String { "IDReaderSimulatorCard(\(identity.cardType.rawValue), \(identity.idNumber))" }
}
