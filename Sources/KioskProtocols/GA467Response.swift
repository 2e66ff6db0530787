/// A reader → host reply: `SW1 SW2 SW3 DATA…` inside a GA 467 frame (docs/device-protocols.md §1.3, §1.6).
/// Success is decided on SW3; SW1/SW2 (the card's APDU status) are kept for diagnostics.
public struct GA467Response: Sendable, Hashable {
    public var sw1: UInt8
    public var sw2: UInt8
    public var status: GA467Status
    public var data: [UInt8]

    public init(sw1: UInt8 = 0, sw2: UInt8 = 0, status: GA467Status, data: [UInt8] = []) {
        self.sw1 = sw1
        self.sw2 = sw2
        self.status = status
        self.data = data
    }

    /// Reads a reply from a decoded frame payload; nil when it is shorter than SW1 SW2 SW3.
    public init?(payload: [UInt8]) {
        guard payload.count >= 3 else { return nil }
        self.init(
            sw1: payload[0], sw2: payload[1], status: GA467Status(code: payload[2]), data: Array(payload.dropFirst(3)))
    }

    /// The complete frame on the wire (used by the simulator).
    public var bytes: [UInt8] { GA467Frame.encode(payload: [sw1, sw2, status.code] + data) }
}
