/// The GA 467 frame envelope shared by both directions (docs/device-protocols.md §1.3):
/// `AA AA AA 96 69 | LEN_H LEN_L | payload… | CHK`, where LEN counts the payload plus CHK and CHK is the XOR of every
/// byte from LEN_H through the last payload byte.
public enum GA467Frame {
    /// `AA AA AA` sync, then `96 69` frame start.
    public static let preamble: [UInt8] = [0xAA, 0xAA, 0xAA, 0x96, 0x69]
    /// Preamble plus the two LEN bytes.
    public static let headerLength = 7
    /// The largest LEN we accept. The longest documented reply (30 10 with fingerprint) has LEN 0x090A; anything far
    /// beyond is noise, and waiting for it would stall the link.
    public static let maximumLength = 4096

    /// XOR of `bytes` (LEN_H through the last payload byte).
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt8 {
        bytes.reduce(0, ^)
    }

    /// Wraps `payload` (host: CMD PARA DATA; reader: SW1 SW2 SW3 DATA) into a complete frame.
    /// The payload must be shorter than `maximumLength`; callers build payloads from fixed-size parts.
    public static func encode(payload: [UInt8]) -> [UInt8] {
        let length = payload.count + 1
        let lengthBytes: [UInt8] = [UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
        var frame = preamble
        frame.reserveCapacity(headerLength + length)
        frame += lengthBytes
        frame += payload
        frame.append(checksum(lengthBytes) ^ checksum(payload))
        return frame
    }
}
