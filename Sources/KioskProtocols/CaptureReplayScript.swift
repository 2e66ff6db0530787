/// What a replaying simulator answers (`kioskctl simulate … --replay FILE`, docs/device-capture.md §Replay): the
/// capture as a list of exchanges, each the last host → device chunk (for ESC/POS: the last command in it) before a
/// run of device → host chunks, and that run's bytes. Requests are matched by their bytes, in order: the first exchange at or after the cursor whose request
/// matches is answered and the cursor moves past it; a request that matches none gets no answer and is reported.
/// Pure value type; the simulator does the I/O.
public struct CaptureReplayScript: Sendable {
    public struct Exchange: Sendable, Hashable {
        public var request: [UInt8]
        public var reply: [UInt8]

        public init(request: [UInt8], reply: [UInt8]) {
            self.request = request
            self.reply = reply
        }
    }

    /// How received bytes are cut into requests.
    public enum Framing: Sendable {
        /// GA 467: each request frame is one request.
        case ga467
        /// ESC/POS: requests are found in the byte stream; the bytes before one (a print job) need no answer.
        case stream
    }

    /// What one `receive` call produced.
    public struct Outcome: Sendable, Hashable {
        /// Bytes to send, in order.
        public var replies: [[UInt8]] = []
        /// Requests that match no exchange left in the script (GA 467 frames, or undecodable bytes).
        public var unmatched: [[UInt8]] = []
    }

    public let exchanges: [Exchange]
    public let framing: Framing
    /// The next exchange to look at.
    public private(set) var cursor = 0
    private var decoder = GA467Decoder.requests()
    private var pending: [UInt8] = []
    /// Stream bytes kept while no request matches: one print job's worth.
    static let pendingLimit = 256 * 1024

    public init(_ capture: DeviceCapture, framing: Framing) {
        var exchanges: [Exchange] = []
        var lastRequest: [UInt8]?
        var answering = false
        for chunk in capture.chunks {
            switch chunk.direction {
            case .toDevice:
                lastRequest = chunk.bytes
                answering = false
            case .fromDevice:
                if answering {
                    exchanges[exchanges.count - 1].reply += chunk.bytes
                } else if let request = lastRequest {
                    let key = framing == .stream ? Self.lastCommand(of: request) : request
                    exchanges.append(Exchange(request: key, reply: chunk.bytes))
                    answering = true
                }
            // Bytes the device sent before the host said anything are not an answer to anything: left out.
            }
        }
        self.exchanges = exchanges
        self.framing = framing
    }

    /// The last ESC/POS command in `bytes`: a status request written together with a print job (or read by a proxy
    /// in one piece with it) is still the request the reply answers.
    static func lastCommand(of bytes: [UInt8]) -> [UInt8] {
        var index = 0
        var last = 0..<bytes.count
        while index < bytes.count {
            let length = max(1, ESCPOSCommandLength.measure(bytes, at: index).length)
            last = index..<min(bytes.count, index + length)
            index += length
        }
        return Array(bytes[last])
    }

    /// All exchanges answered.
    public var isFinished: Bool { cursor >= exchanges.count }

    /// Takes bytes the host sent; returns what to answer.
    public mutating func receive(_ bytes: [UInt8]) -> Outcome {
        var outcome = Outcome()
        switch framing {
        case .ga467:
            decoder.append(bytes)
            while let output = decoder.next() {
                switch output {
                case .frame(let payload):
                    let request = GA467Frame.encode(payload: payload)
                    if let reply = answer(where: { $0 == request }) {
                        outcome.replies.append(reply)
                    } else {
                        outcome.unmatched.append(request)
                    }
                case .discarded:
                    break  // noise between frames is no request; the driver resends what it meant
                }
            }
        case .stream:
            pending += bytes
            while let (reply, end) = streamMatch() {
                outcome.replies.append(reply)
                pending.removeFirst(end)
            }
            if pending.count > Self.pendingLimit { pending.removeFirst(pending.count - Self.pendingLimit) }
        }
        return outcome
    }

    private mutating func answer(where matches: ([UInt8]) -> Bool) -> [UInt8]? {
        guard let index = exchanges[cursor...].firstIndex(where: { matches($0.request) }) else { return nil }
        cursor = index + 1
        return exchanges[index].reply
    }

    /// The first exchange from the cursor whose request occurs in `pending`, and where the occurrence ends.
    private mutating func streamMatch() -> (reply: [UInt8], end: Int)? {
        for index in exchanges.indices[cursor...] {
            let request = exchanges[index].request
            if let end = Self.endOfFirstOccurrence(of: request, in: pending) {
                cursor = index + 1
                return (exchanges[index].reply, end)
            }
        }
        return nil
    }

    static func endOfFirstOccurrence(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard !needle.isEmpty, needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start] == needle[0] && haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start + needle.count
        }
        return nil
    }
}
