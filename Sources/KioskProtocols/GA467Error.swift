/// What went wrong while decoding GA 467 bytes. Carries no card content, so it is safe to log.
public enum GA467Error: Error, Sendable, Hashable, CustomStringConvertible {
    /// Bytes that did not start a frame were skipped while looking for `AA AA AA 96 69`.
    case garbage(count: Int)
    /// A frame's LEN was outside the accepted range; its preamble was skipped.
    case badLength(Int)
    /// A frame's CHK did not match the XOR of its bytes; its preamble was skipped.
    case badChecksum(expected: UInt8, received: UInt8)
    /// A frame was too short for its direction (reply without SW1 SW2 SW3, request without CMD PARA).
    case payloadTooShort(Int)
    /// The read-base-info reply's lengths (bytes 10–15) do not fit the data that came with it.
    case baseInfoLengthsMismatch(declared: Int, available: Int)

    public var description: String {
        switch self {
        case .garbage(let count): "skipped \(count) byte(s) of noise before a GA 467 preamble"
        case .badLength(let length):
            "discarded a GA 467 frame with LEN \(length) (accepted: up to \(GA467Frame.maximumLength))"
        case .badChecksum(let expected, let received):
            "discarded a GA 467 frame with checksum 0x\(hexByte(received)) (expected 0x\(hexByte(expected)))"
        case .payloadTooShort(let count): "discarded a GA 467 frame with only \(count) payload byte(s)"
        case .baseInfoLengthsMismatch(let declared, let available):
            "the card data declares \(declared) bytes but the reply carries \(available); the read is discarded"
        }
    }
}
