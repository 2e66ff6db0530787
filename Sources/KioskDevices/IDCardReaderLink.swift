import KioskIO
import KioskProtocols

/// One command, one reply, over a `ByteTransport`: the blocking request/response layer under the reader loop.
///
/// After a timeout or noise it flushes the input and resynchronises on the preamble before the next command
/// (docs/ARCHITECTURE.md §4.3, §7). Blocking: call it from the reader's own thread (or a CLI), never from an actor's
/// executor.
public final class IDCardReaderLink {
    public let transport: any ByteTransport
    private var decoder = GA467Decoder.replies()
    private var needsResync = false
    /// Noise and damaged frames discarded so far (for diagnostics).
    public private(set) var discardCount = 0

    public init(transport: any ByteTransport) {
        self.transport = transport
    }

    /// Sends `command` and waits up to `timeout` for a reply frame.
    public func exchange(_ command: GA467Command, timeout: Duration) throws(IDCardReaderError) -> GA467Response {
        try exchange(raw: command.bytes, describedAs: command, timeout: timeout)
    }

    /// Sends `bytes` as they are (tests use this to send damaged frames) and waits for a reply frame.
    public func exchange(raw bytes: [UInt8], describedAs command: GA467Command, timeout: Duration)
        throws(IDCardReaderError) -> GA467Response
    {
        let deadline = Deadline.after(timeout)
        do {
            if needsResync {
                try transport.discardInput()
                decoder.reset()
                needsResync = false
            }
            try transport.write(bytes, deadline: deadline)
            while true {
                while let output = decoder.next() {
                    switch output {
                    case .frame(let payload):
                        guard let response = GA467Response(payload: payload) else {
                            needsResync = true
                            throw IDCardReaderError.malformedReply(.payloadTooShort(payload.count))
                        }
                        guard Self.isPlausible(response, for: command) else {
                            // A late reply to an earlier, timed-out command: skip it and keep waiting.
                            discardCount += 1
                            needsResync = true
                            continue
                        }
                        return response
                    case .discarded:
                        discardCount += 1
                        needsResync = true
                    }
                }
                decoder.append(try transport.read(upTo: 4096, deadline: deadline))
            }
        } catch let error as TransportError {
            needsResync = true
            throw IDCardReaderError(error, command: command)
        } catch let error as IDCardReaderError {
            throw error
        } catch {
            throw .transport("\(error)")
        }
    }

    /// Whether `response` can be the answer to `command`. Replies do not echo the command, so a reply that arrives
    /// after its command timed out could be taken for the next command's; the clear mismatches are caught here:
    /// only find-card answers 0x9F and never 0x90, and a successful SAM ID or read-base reply carries its data.
    public static func isPlausible(_ response: GA467Response, for command: GA467Command) -> Bool {
        switch (command, response.status) {
        case (.findCard, .success): false
        case (.findCard, _): true
        case (_, .cardFound): false
        case (.samID, .success): response.data.count >= 16
        case (.readBaseInfo, .success): response.data.count > 4
        case (.readBaseInfoWithFingerprint, .success): response.data.count > 6
        default: true
        }
    }

    /// Flushes input and resynchronises before the next command.
    public func markNeedsResync() { needsResync = true }

    public func close() { transport.close() }
}
