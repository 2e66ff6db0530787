/// What the incremental decoder found in the bytes so far.
public enum GA467DecoderOutput: Sendable, Hashable {
    /// A complete frame with a valid LEN and CHK: its payload (without preamble, LEN and CHK).
    case frame([UInt8])
    /// Bytes were thrown away; the decoder has resynchronised on the next preamble (or is still looking for one).
    case discarded(GA467Error)
}

/// Incremental GA 467 frame decoder: accepts bytes in any chunking, skips noise before a preamble, checks LEN and the
/// XOR checksum, and yields frames or typed errors (docs/device-protocols.md §1.3, §5.2). Pure value type; no I/O.
///
/// Buffered input is capped: when more than `bufferLimit` bytes wait without forming a frame, the oldest are dropped.
public struct GA467Decoder: Sendable {
    /// The shortest LEN accepted: 4 for replies (SW1 SW2 SW3 CHK), 3 for requests (CMD PARA CHK).
    public let minimumLength: Int
    public let maximumLength: Int
    /// Most bytes held while waiting; one longest frame plus slack.
    public let bufferLimit: Int
    private var buffer: [UInt8] = []
    private var start = 0

    /// A decoder for reader → host replies.
    public static func replies() -> GA467Decoder { GA467Decoder(minimumLength: 4) }
    /// A decoder for host → reader requests (the simulator's side).
    public static func requests() -> GA467Decoder { GA467Decoder(minimumLength: 3) }

    public init(minimumLength: Int, maximumLength: Int = GA467Frame.maximumLength) {
        self.minimumLength = max(1, minimumLength)
        self.maximumLength = max(self.minimumLength, maximumLength)
        bufferLimit = GA467Frame.headerLength + self.maximumLength + 1024
    }

    /// Bytes received but not yet consumed.
    public var bufferedCount: Int { buffer.count - start }

    /// Adds received bytes. Call `next()` until it returns nil to collect what they completed.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        if start > 0 && (start > 4096 || start * 2 > buffer.count) {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
        let excess = bufferedCount - bufferLimit
        if excess > 0 { start += excess }
    }

    /// Forgets everything buffered (after the transport input was flushed).
    public mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        start = 0
    }

    /// The next frame or discard, or nil when more bytes are needed.
    public mutating func next() -> GA467DecoderOutput? {
        let preamble = GA467Frame.preamble
        let available = buffer.count - start
        guard available > 0 else { return nil }
        guard let found = firstPreamble() else {
            // Keep a tail that could be the start of a preamble split across chunks.
            let keep = partialPreambleSuffix()
            let skipped = available - keep
            guard skipped > 0 else { return nil }
            start += skipped
            return .discarded(.garbage(count: skipped))
        }
        if found > start {
            let skipped = found - start
            start = found
            return .discarded(.garbage(count: skipped))
        }
        guard available >= GA467Frame.headerLength else { return nil }
        let length = Int(buffer[start + 5]) << 8 | Int(buffer[start + 6])
        guard length >= minimumLength, length <= maximumLength else {
            start += 1
            return .discarded(.badLength(length))
        }
        guard available >= GA467Frame.headerLength + length else { return nil }
        let lengthStart = start + preamble.count
        let checksumIndex = start + GA467Frame.headerLength + length - 1
        let expected = GA467Frame.checksum(buffer[lengthStart..<checksumIndex])
        let received = buffer[checksumIndex]
        guard expected == received else {
            start += 1
            return .discarded(.badChecksum(expected: expected, received: received))
        }
        let payload = Array(buffer[(start + GA467Frame.headerLength)..<checksumIndex])
        start = checksumIndex + 1
        return .frame(payload)
    }

    private func firstPreamble() -> Int? {
        let preamble = GA467Frame.preamble
        var index = start
        while index + preamble.count <= buffer.count {
            if buffer[index] == 0xAA && buffer[index + 1] == 0xAA && buffer[index + 2] == 0xAA
                && buffer[index + 3] == 0x96 && buffer[index + 4] == 0x69
            {
                return index
            }
            index += 1
        }
        return nil
    }

    /// How many trailing bytes match the beginning of the preamble (0...4).
    private func partialPreambleSuffix() -> Int {
        let preamble = GA467Frame.preamble
        let available = buffer.count - start
        var keep = min(preamble.count - 1, available)
        while keep > 0 {
            if buffer[(buffer.count - keep)...].elementsEqual(preamble.prefix(keep)) { return keep }
            keep -= 1
        }
        return 0
    }
}
