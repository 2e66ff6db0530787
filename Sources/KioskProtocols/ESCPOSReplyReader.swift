/// Picks the reply a driver is waiting for out of the bytes a printer sends back, which may also hold XON/XOFF,
/// automatic-status-back blocks and line noise (docs/device-protocols.md §2.6: replies are told apart by their fixed
/// bits).
///
/// Pure and bounded: at most `bufferLimit` bytes are kept; older ones are dropped and counted.
public struct ESCPOSReplyReader: Sendable {
    public enum Expectation: Sendable {
        /// One `DLE EOT n` byte, `0xx1xx10`.
        case realTimeStatus
        /// One `GS e 6` ejector byte (no fixed bits: the first byte is taken).
        case ejectorStatus
        /// Six bytes `10 0F P U R E`.
        case customFullStatus
    }

    public enum Reply: Sendable, Equatable {
        case realTimeStatus(UInt8)
        case ejectorStatus(UInt8)
        case customFullStatus([UInt8])
    }

    public static let bufferLimit = 256
    static let xon: UInt8 = 0x11
    static let xoff: UInt8 = 0x13

    private var buffer: [UInt8] = []
    /// Bytes thrown away because they fit no expected reply.
    public private(set) var discardedCount = 0
    /// The last complete automatic status back block seen, if any.
    public private(set) var latestAutomaticStatusBack: [UInt8]?

    public init() {}

    public mutating func append(_ bytes: [UInt8]) {
        buffer += bytes
        if buffer.count > ESCPOSReplyReader.bufferLimit {
            let excess = buffer.count - ESCPOSReplyReader.bufferLimit
            buffer.removeFirst(excess)
            discardedCount += excess
        }
    }

    /// Forgets everything buffered (before a new request, so an old reply cannot answer it).
    public mutating func reset() { buffer.removeAll(keepingCapacity: true) }

    /// The expected reply once it is complete, or nil when more bytes are needed.
    public mutating func next(expecting expectation: Expectation) -> Reply? {
        switch expectation {
        case .realTimeStatus: nextRealTimeStatus()
        case .ejectorStatus: nextEjectorStatus()
        case .customFullStatus: nextCustomFullStatus()
        }
    }

    private mutating func nextRealTimeStatus() -> Reply? {
        var i = 0
        defer { drop(i) }
        while i < buffer.count {
            let b = buffer[i]
            if ESCPOSStatusDecoder.isRealTimeStatus(b) {
                i += 1
                return .realTimeStatus(b)
            }
            if b == ESCPOSReplyReader.xon || b == ESCPOSReplyReader.xoff {
                i += 1
                continue
            }
            if b & 0x93 == 0x10 {
                // Possibly an ASB block: wait for all four bytes before deciding.
                guard buffer.count - i >= 4 else { return nil }
                let block = Array(buffer[i..<(i + 4)])
                if (try? ESCPOSStatusDecoder.automaticStatusBack(block)) != nil {
                    latestAutomaticStatusBack = block
                    i += 4
                    continue
                }
            }
            discardedCount += 1
            i += 1
        }
        return nil
    }

    private mutating func nextEjectorStatus() -> Reply? {
        guard let first = buffer.first else { return nil }
        drop(1)
        return .ejectorStatus(first)
    }

    private mutating func nextCustomFullStatus() -> Reply? {
        var i = 0
        while i + 1 < buffer.count, !(buffer[i] == 0x10 && buffer[i + 1] == 0x0F) { i += 1 }
        if i + 1 >= buffer.count {
            // Keep a trailing 0x10: it may start the reply.
            let keep = buffer.last == 0x10 ? 1 : 0
            discardedCount += buffer.count - keep
            drop(buffer.count - keep)
            return nil
        }
        discardedCount += i
        drop(i)
        guard buffer.count >= 6 else { return nil }
        let reply = Array(buffer[0..<6])
        drop(6)
        return .customFullStatus(reply)
    }

    private mutating func drop(_ count: Int) {
        buffer.removeFirst(min(count, buffer.count))
    }
}
