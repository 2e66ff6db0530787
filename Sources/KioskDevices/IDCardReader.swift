import Foundation
import KioskCore
import KioskIO
import KioskProtocols

/// The ID-card reader driver (GA 467): one physical reader, as an actor.
///
/// `run()` starts the reader loop on its own thread (open, SAM status, poll find-card every `pollInterval`, select,
/// read) and relays its events to `events` until the task is cancelled. Rules (docs/ARCHITECTURE.md §4.3,
/// docs/device-protocols.md §5.2): a card is read once per presentation; after a timeout or noise the input is flushed
/// and the next reply found by its preamble; after `maxConsecutiveTimeouts` the reader gets a reset (`10 FF`) and the
/// port is reopened; SAM faults (0x60, 0x66, 0x23) and disconnects become health reasons, and the loop recovers without
/// a restart. The loop runs on the reader's `BlockingLane`; `stop()` closes it and wakes a blocked exchange at once.
public actor IDCardReader: DeviceService {
    public typealias Opener = @Sendable (IDReaderProfile) throws -> any ByteTransport

    public nonisolated let profile: IDReaderProfile
    /// Events in order. One consumer; finishes when `run()` returns. Keeps the newest 256 if nobody listens.
    public nonisolated let events: AsyncStream<IDCardReaderEvent>
    private let continuation: AsyncStream<IDCardReaderEvent>.Continuation
    private let open: Opener
    public private(set) var health = DeviceHealth(.starting)
    public private(set) var isPaused: Bool
    private var loop: IDCardReaderLoop?
    /// The running loop for `stop()`, which does not wait for the actor.
    private nonisolated let stopControl = ReaderStopControl()

    /// `startPaused`: do not poll for cards until `resume()` (the flow's "read card").
    /// `open` makes the transport; the default opens the profile's serial port or USB device.
    public init(profile: IDReaderProfile, startPaused: Bool = false, open: Opener? = nil) {
        self.profile = profile
        isPaused = startPaused
        self.open = open ?? { profile in try IDCardReader.openTransport(profile) }
        (events, continuation) = AsyncStream.makeStream(
            of: IDCardReaderEvent.self, bufferingPolicy: .bufferingNewest(256))
    }

    /// Runs the reader loop until `stop()` or the calling task is cancelled. Call once.
    public func run() async {
        guard loop == nil else { return }
        let (relay, relayInput) = AsyncStream.makeStream(of: IDCardReaderEvent.self, bufferingPolicy: .unbounded)
        let loop = IDCardReaderLoop(
            profile: profile, paused: isPaused, open: open,
            emit: { relayInput.yield($0) }, finished: { relayInput.finish() })
        guard stopControl.register(loop) else {
            continuation.finish()
            return
        }
        self.loop = loop
        loop.start()
        await withTaskCancellationHandler {
            for await event in relay { receive(event) }
        } onCancel: {
            loop.stop()
        }
        self.loop = nil
        continuation.finish()
    }

    /// Ends `run()`: the loop's lane closes the open port, so an exchange blocked on a silent reader returns at once.
    public nonisolated func stop() { stopControl.stop() }

    /// Opens the reader now if the loop is waiting out a back-off (the hotplug monitor saw it settle).
    public func reopenNow() { loop?.reopenNow() }

    /// Stops polling for cards (the flow is not waiting for one). Self-tests still run.
    public func pause() {
        isPaused = true
        loop?.setPaused(true)
    }

    /// Starts polling again.
    public func resume() {
        isPaused = false
        loop?.setPaused(false)
    }

    /// SAM status (`11 FF`) and SAM ID (`12 FF`). Runs on the reader loop between polls while `run()` is active;
    /// otherwise opens the reader on a lane of its own for the two commands.
    public func selfTest() async throws(IDCardReaderError) -> IDReaderSelfTestReport {
        let result: Result<IDReaderSelfTestReport, IDCardReaderError>
        if let loop {
            result = await withCheckedContinuation { done in loop.requestSelfTest { done.resume(returning: $0) } }
        } else {
            let profile = profile
            let open = open
            let lane = BlockingLane(name: "IDCardReader self-test")
            result = await lane.perform(whenClosed: .failure(.stopped)) {
                IDCardReader.standaloneSelfTest(profile, open: open)
            }
            lane.close()
        }
        return try result.get()
    }

    private func receive(_ event: IDCardReaderEvent) {
        if case .health(let new) = event { health = new }
        continuation.yield(event)
    }

    private static func standaloneSelfTest(_ profile: IDReaderProfile, open: Opener)
        -> Result<IDReaderSelfTestReport, IDCardReaderError>
    {
        let transport: any ByteTransport
        do {
            transport = try open(profile)
        } catch {
            return .failure(IDCardReaderError(openFailure: error))
        }
        defer { transport.close() }
        let link = IDCardReaderLink(transport: transport)
        do {
            let status = try link.exchange(.samStatus, timeout: profile.commandTimeout).status
            guard status == .success else { return .success(IDReaderSelfTestReport(samStatus: status, samID: nil)) }
            let id = try link.exchange(.samID, timeout: profile.commandTimeout)
            return .success(IDReaderSelfTestReport(samStatus: status, samID: GA467SAMID(replyData: id.data)))
        } catch {
            return .failure(error)
        }
    }

    /// Opens the profile's transport: termios serial port, or libusb bulk with the profile's framing.
    public static func openTransport(_ profile: IDReaderProfile) throws(TransportError) -> any ByteTransport {
        switch profile.transport {
        case .serial(let path, let baudRate):
            do {
                return try SerialPort.open(path, settings: SerialSettings(baudRate: baudRate))
            } catch {
                throw TransportError(error, path: path)
            }
        case .usb(let selector, let framing):
            return try GA467USBTransport(selector: selector, framing: framing)
        }
    }
}

/// The reader's stop switch, reachable without the actor: `stop()` closes the running loop's lane at once.
private final class ReaderStopControl: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private var loop: IDCardReaderLoop?

    /// Records the loop `run()` starts; false when already stopped.
    func register(_ loop: IDCardReaderLoop) -> Bool {
        lock.withLock {
            guard !stopped else { return false }
            self.loop = loop
            return true
        }
    }

    func stop() {
        let running = lock.withLock { () -> IDCardReaderLoop? in
            stopped = true
            return loop
        }
        running?.stop()
    }
}
