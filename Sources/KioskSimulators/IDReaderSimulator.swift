import Foundation
import KioskCore
import KioskIO
import KioskProtocols

/// A GA 467 second-generation ID-card reader on a real pseudo-terminal, answering every command of
/// docs/device-protocols.md §1.4 byte-exactly. A driver opens `devicePath` as if it were the reader's serial port.
///
/// Behaviour follows docs/device-protocols.md §1: find-card answers 0x9F with the card's 4-byte serial while an unread
/// card lies on it and 0x80 otherwise, including after a successful read until the card is lifted and placed again
/// (§1.11); a frame with a wrong checksum gets 0x10, a wrong length 0x11, an unknown command 0x21. Faults and timing
/// are settable while it runs. Runs on its own thread until `stop()`.
public final class IDReaderSimulator: @unchecked Sendable {
    /// The replica path a driver opens, e.g. `/dev/pts/7`.
    public let devicePath: String
    /// The SAM ID `12 FF` returns (16 bytes).
    public static let samIDBytes: [UInt8] = [
        0x05, 0x00, 0x01, 0x00, 0x7E, 0xBD, 0x32, 0x01, 0x39, 0x30, 0x00, 0x00, 0xD2, 0x02, 0x96, 0x49,
    ]

    private let pty: PseudoTerminal
    private let state = NSCondition()
    // Guarded by `state`.
    private var card: IDReaderSimulatorCard?
    private var cardRead = false
    private var selected = false
    private var _faults = IDReaderSimulatorFaults()
    private var _timing: IDReaderSimulatorTiming
    private var _findsCardAfterRead: Bool
    private var counts: [GA467Command: Int] = [:]
    private var arrivals: [(GA467Command, ContinuousClock.Instant)] = []
    private var badFrames = 0
    private var repliesSent = 0
    private var stopping = false
    private var running = false
    private var unplugged = false

    /// Opens the PTY and starts answering. `findsCardAfterRead`: some readers keep answering 0x9F for a card left
    /// on them after it was read; real readers answer 0x80 (docs/device-protocols.md §1.11) (false).
    public init(
        timing: IDReaderSimulatorTiming = .instant, card: IDReaderSimulatorCard? = nil,
        findsCardAfterRead: Bool = false
    ) throws(SystemError) {
        pty = try PseudoTerminal()
        devicePath = pty.replicaPath
        _timing = timing
        _findsCardAfterRead = findsCardAfterRead
        self.card = card
        running = true
        let thread = Thread { [self] in serve() }
        thread.name = "IDReaderSimulator \(devicePath)"
        thread.start()
    }

    deinit { stop() }

    // MARK: - Scripting

    /// Places `card` on the reader (replacing any card there); it is unread until lifted.
    public func place(_ card: IDReaderSimulatorCard) {
        locked {
            self.card = card
            cardRead = false
            selected = false
        }
    }

    /// Places the sample card of `type`.
    public func place(_ type: CardType) { place(.sample(type)) }

    /// Lifts the card off the reader.
    public func lift() {
        locked {
            card = nil
            cardRead = false
            selected = false
        }
    }

    public var isCardPresent: Bool { locked { card != nil } }

    public var faults: IDReaderSimulatorFaults {
        get { locked { _faults } }
        set { locked { _faults = newValue } }
    }

    /// Changes `faults` atomically.
    public func updateFaults(_ change: (inout IDReaderSimulatorFaults) -> Void) {
        state.lock()
        change(&_faults)
        state.unlock()
    }

    public var timing: IDReaderSimulatorTiming {
        get { locked { _timing } }
        set { locked { _timing = newValue } }
    }

    /// How many times `command` was received (answered or not).
    public func count(of command: GA467Command) -> Int { locked { counts[command, default: 0] } }

    /// When `command` arrived, for the most recent 256 commands of any kind (for latency measurements).
    public func arrivalTimes(of command: GA467Command) -> [ContinuousClock.Instant] {
        locked { arrivals.filter { $0.0 == command }.map(\.1) }
    }

    /// Replies written completely so far.
    public var replyCount: Int { locked { repliesSent } }

    /// Waits until `count` replies have been written completely; false if `timeout` passed first.
    public func replies(reaching count: Int, within timeout: Duration = .seconds(5)) async -> Bool {
        let until = Date(timeIntervalSinceNow: seconds(timeout))
        return await withCheckedContinuation { done in
            let thread = Thread { [self] in
                state.lock()
                while repliesSent < count && !stopping && state.wait(until: until) {}
                let reached = repliesSent >= count
                state.unlock()
                done.resume(returning: reached)
            }
            thread.start()
        }
    }

    /// Frames received with a wrong checksum or length.
    public var badFrameCount: Int { locked { badFrames } }

    /// Waits until `command` has been received at least `count` times in total; false if the deadline passed first.
    public func waitFor(_ command: GA467Command, count: Int = 1, deadline: Deadline) -> Bool {
        state.lock()
        defer { state.unlock() }
        while counts[command, default: 0] < count {
            if stopping || !state.wait(until: Date(timeIntervalSinceNow: seconds(deadline.remaining))) {
                return counts[command, default: 0] >= count
            }
        }
        return true
    }

    /// `waitFor` without blocking a thread of Swift's cooperative pool (for async callers and tests).
    public func arrival(of command: GA467Command, count: Int = 1, within timeout: Duration = .seconds(5)) async -> Bool
    {
        let deadline = Deadline.after(timeout)
        return await withCheckedContinuation { done in
            let thread = Thread { [self] in done.resume(returning: waitFor(command, count: count, deadline: deadline)) }
            thread.start()
        }
    }

    /// Simulates pulling the cable: the PTY closes and the driver's calls fail with `.disconnected`.
    public func unplug() {
        locked { unplugged = true }
        pty.unplug()
    }

    /// Stops answering, closes the PTY and waits (at most 2 s) for the serving thread to end.
    public func stop() {
        state.lock()
        stopping = true
        state.broadcast()
        state.unlock()
        pty.unplug()
        state.lock()
        let until = Date(timeIntervalSinceNow: 2)
        while running && state.wait(until: until) {}
        state.unlock()
    }

    // MARK: - Serving

    private func serve() {
        var decoder = GA467Decoder.requests()
        defer {
            locked {
                running = false
                state.broadcast()
            }
        }
        while !locked({ stopping || unplugged }) {
            let bytes: [UInt8]
            do {
                bytes = try pty.controller.read(upTo: 4096, deadline: .after(.milliseconds(250)))
            } catch .timedOut {
                continue
            } catch {
                return
            }
            decoder.append(bytes)
            while let output = decoder.next() {
                switch output {
                case .frame(let payload):
                    if let request = GA467Request(payload: payload) { answer(request) }
                case .discarded(.badChecksum):
                    locked { badFrames += 1 }
                    reply(GA467Response(status: .checksumError), command: nil)
                case .discarded(.badLength):
                    locked { badFrames += 1 }
                    reply(GA467Response(status: .lengthError), command: nil)
                case .discarded:
                    break
                }
            }
        }
    }

    private func answer(_ request: GA467Request) {
        let command = GA467Command(request)
        let decision: (GA467Response?, unplugMidway: Bool) = locked {
            if let command {
                counts[command, default: 0] += 1
                arrivals.append((command, .now))
                if arrivals.count > 256 { arrivals.removeFirst(arrivals.count - 256) }
                state.broadcast()
            }
            if _faults.silent { return (nil, false) }
            if _faults.silentCommands > 0 {
                _faults.silentCommands -= 1
                return (nil, false)
            }
            guard let command else { return (GA467Response(status: .commandError), false) }
            if _faults.samStatus != .success {
                return (GA467Response(status: _faults.samStatus), false)
            }
            return respond(to: command)
        }
        guard let response = decision.0 else { return }
        reply(response, command: command, unplugMidway: decision.unplugMidway)
    }

    /// The reader's answer and state change; called with `state` locked.
    private func respond(to command: GA467Command) -> (GA467Response?, unplugMidway: Bool) {
        switch command {
        case .reset:
            selected = false
            return (GA467Response(status: .success), false)
        case .samStatus:
            return (GA467Response(status: .success), false)
        case .samID:
            return (GA467Response(status: .success, data: IDReaderSimulator.samIDBytes), false)
        case .findCard:
            guard let card, !cardRead || _findsCardAfterRead else { return (GA467Response(status: .noCard), false) }
            return (GA467Response(status: .cardFound, data: card.serial), false)
        case .selectCard:
            guard card != nil else { return (GA467Response(status: .selectFailed), false) }
            if _faults.failSelects > 0 {
                _faults.failSelects -= 1
                return (GA467Response(status: .selectFailed), false)
            }
            selected = true
            return (GA467Response(status: .success, data: [UInt8](repeating: 0, count: 8)), false)
        case .readBaseInfo, .readBaseInfoWithFingerprint:
            guard let card, selected else { return (GA467Response(status: .readFailed), false) }
            selected = false
            if _faults.failReads > 0 {
                _faults.failReads -= 1
                return (GA467Response(status: .readFailed), false)
            }
            let withFingerprint = command == .readBaseInfoWithFingerprint
            let info = GA467BaseInfo(
                text: card.textBlock, photo: card.photo,
                fingerprint: withFingerprint ? (card.fingerprint ?? []) : nil)
            let unplug = _faults.unplugDuringRead
            _faults.unplugDuringRead = false
            if !unplug { cardRead = true }
            return (GA467Response(status: .success, data: info.replyData()), unplug)
        case .readAppendedAddress, .readManagementNumber:
            guard card != nil else { return (GA467Response(status: .noCard), false) }
            return (GA467Response(status: .itemAbsent), false)
        case .setBaudRate, .setMaxRFBytes:
            return (GA467Response(status: .success), false)
        }
    }

    private func reply(_ response: GA467Response, command: GA467Command?, unplugMidway: Bool = false) {
        let (timing, faults) = locked { () -> (IDReaderSimulatorTiming, IDReaderSimulatorFaults) in
            let snapshot = _faults
            if _faults.corruptReplies > 0 { _faults.corruptReplies -= 1 }
            return (_timing, snapshot)
        }
        var frame = response.bytes
        if faults.corruptReplies > 0 { frame[frame.count - 1] ^= 0x5A }
        // Device time runs from when the command arrived, on one schedule: each pause waits until its due instant,
        // so the sleeps' overshoot does not pile up over the pieces of a long reply (a UART does not drift either).
        var due = ContinuousClock.now + timing.wireTime(bytes: command?.bytes.count ?? 10) + timing.processing(command)
        pause(until: due)
        if !faults.garbageBeforeReplies.isEmpty { send(faults.garbageBeforeReplies, timing: timing, due: &due) }
        if unplugMidway {
            send(Array(frame.prefix(frame.count / 2)), timing: timing, due: &due)
            unplug()
            return
        }
        if let chunk = faults.replyChunkSize, chunk > 0 {
            var index = 0
            while index < frame.count {
                send(Array(frame[index..<min(frame.count, index + chunk)]), timing: timing, due: &due)
                index += chunk
                if index < frame.count {
                    due = max(due, ContinuousClock.now) + .milliseconds(2)  // a real gap between the pieces
                    pause(until: due)
                }
            }
        } else {
            send(frame, timing: timing, due: &due)
        }
        locked {
            repliesSent += 1
            state.broadcast()
        }
    }

    /// Writes `bytes`, paced at the line rate in 64-byte pieces when the timing has one (each piece leaves when its
    /// last bit would have arrived: `due` moves on by each piece's wire time).
    private func send(_ bytes: [UInt8], timing: IDReaderSimulatorTiming, due: inout ContinuousClock.Instant) {
        let piece = timing.baudRate == nil ? max(1, bytes.count) : 64
        var index = 0
        while index < bytes.count {
            let part = Array(bytes[index..<min(bytes.count, index + piece)])
            due += timing.wireTime(bytes: part.count)
            pause(until: due)
            do {
                try pty.controller.write(part, deadline: .after(.seconds(2)))
            } catch {
                return
            }
            index += part.count
        }
    }

    /// Device time (SAM work, wire time), not synchronisation: the simulator is being slow on purpose.
    private func pause(until due: ContinuousClock.Instant) {
        let remaining = due - ContinuousClock.now
        guard remaining > .zero else { return }
        Thread.sleep(forTimeInterval: seconds(remaining))
    }

    private func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    private func locked<T>(_ body: () -> T) -> T {
        state.lock()
        defer { state.unlock() }
        return body()
    }
}
