import Foundation
import KioskCore
import KioskIO
import KioskSimulators
import Testing

@testable import KioskDevices

/// The one driver shape's promise (docs/ARCHITECTURE.md §4.1): `stop()` wakes a call blocked on a device that never
/// answers within 100 ms, long before the call's own deadline (10 s here). Real parts: a PTY whose other end stays
/// silent, a TCP peer that accepts and reads but never answers.
///
/// The 100 ms is measured on threads: from the call to `stop()` (which does not wait for the actor) to the moment the
/// silent peer, blocked in a read on a thread of its own, sees the driver's end close or shut down — which happens
/// only once the blocked call has let go of the descriptor. The blocked async call must then return well before its
/// deadline too; that wait also includes the cooperative pool's scheduling, so it gets a looser bound.
struct DriverStopTests {
    static let promptly: Duration = .milliseconds(100)
    static let farDeadline = 10_000
    static let wellBeforeTheDeadline: Duration = .seconds(2)

    @Test func idReader_stop_wakesAnExchangeBlockedOnASilentReader() async throws {
        let pty = try PseudoTerminal()
        let profile = IDReaderProfile(
            transport: .serial(path: pty.replicaPath, baudRate: 115200),
            commandTimeout: .milliseconds(Self.farDeadline), readTimeout: .milliseconds(Self.farDeadline))
        let reader = IDCardReader(profile: profile)
        let running = Task { await reader.run() }
        // The SAM status command arrived: the reader now waits for a reply that never comes.
        let request = try await Self.firstBytes(from: pty.controller)
        #expect(request.starts(with: [0xAA, 0xAA, 0xAA, 0x96, 0x69]))
        pty.releaseReplica()  // the controller sees a hang-up once the reader's descriptor closes
        let hangUp = Self.watchForHangUp(pty.controller)
        let started = ContinuousClock.now
        reader.stop()
        let seen = try #require(await hangUp.instant())
        #expect(seen - started < Self.promptly, "the reader let go after \(seen - started)")
        await running.value
        #expect(ContinuousClock.now - started < Self.wellBeforeTheDeadline)
    }

    @Test func receiptPrinter_stop_wakesAStatusRequestBlockedOnASilentTCPPeer() async throws {
        let listener = try SocketListener.tcp()
        defer { listener.close() }
        let port = try #require(listener.port)
        var profile = PrinterProfile.generic80
        profile.statusTimeoutMilliseconds = Self.farDeadline
        let printer = ReceiptPrinter(
            configuration: PrinterConfiguration(endpoint: .tcp(host: "127.0.0.1", port: port), profile: profile))
        let asking = Task { await printer.refreshStatus() }
        let peer = try await Self.accept(listener)
        defer { peer.close() }
        _ = try await Self.firstBytes(from: peer)  // the DLE EOT request; no answer follows
        let hangUp = Self.watchForHangUp(peer)
        let started = ContinuousClock.now
        printer.stop()
        let seen = try #require(await hangUp.instant())
        #expect(seen - started < Self.promptly, "the printer let go after \(seen - started)")
        let health = await asking.value
        #expect(ContinuousClock.now - started < Self.wellBeforeTheDeadline)
        #expect(health.state == .disconnected)
        #expect(await printer.print(PrinterJob(title: "after stop", bytes: [0x0A])) != .printed)
    }

    @Test func ticketDispenser_stop_wakesAStatusRequestBlockedOnASilentPTY() async throws {
        let pty = try PseudoTerminal()
        var profile = PrinterProfile.kpmTicket80
        profile.statusTimeoutMilliseconds = Self.farDeadline
        let dispenser = TicketDispenser(
            configuration: PrinterConfiguration(
                endpoint: .serial(path: pty.replicaPath, baudRate: 115200), profile: profile))
        let running = Task { await dispenser.run() }
        let asking = Task { await dispenser.refreshStatus() }
        _ = try await Self.firstBytes(from: pty.controller)
        pty.releaseReplica()
        let hangUp = Self.watchForHangUp(pty.controller)
        let started = ContinuousClock.now
        dispenser.stop()
        let seen = try #require(await hangUp.instant())
        #expect(seen - started < Self.promptly, "the dispenser let go after \(seen - started)")
        let health = await asking.value
        await running.value
        #expect(ContinuousClock.now - started < Self.wellBeforeTheDeadline)
        #expect(health.state == .disconnected)
    }

    @Test func licencePrinter_stop_wakesARequestBlockedOnACupsdThatNeverAnswers() async throws {
        let listener = try SocketListener.tcp()
        defer { listener.close() }
        let port = try #require(listener.port)
        let printer = LicencePrinter(queue: "licence", server: "127.0.0.1:\(port)")
        let running = Task { await printer.run() }
        let asking = Task { await printer.refreshHealth(deadline: .after(.milliseconds(Self.farDeadline))) }
        let peer = try await Self.accept(listener)
        defer { peer.close() }
        let request = try await Self.firstBytes(from: peer)
        #expect(request.starts(with: Array("POST ".utf8)))
        let hangUp = Self.watchForHangUp(peer)
        let started = ContinuousClock.now
        printer.stop()
        let seen = try #require(await hangUp.instant())
        #expect(seen - started < Self.promptly, "the licence printer let go after \(seen - started)")
        let health = await asking.value
        await running.value
        #expect(ContinuousClock.now - started < Self.wellBeforeTheDeadline)
        #expect(health.state == .disconnected)
    }

    // MARK: - Helpers

    /// The silent peer's blocking waits run on a lane of their own, off the concurrency pool.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let lane = BlockingLane(name: "silent peer")
        defer { lane.close() }
        return try await lane.run(body)
    }

    static func firstBytes(from transport: any ByteTransport) async throws -> [UInt8] {
        try await offPool { try transport.read(upTo: 4096, deadline: .after(seconds: 5)) }
    }

    static func accept(_ listener: SocketListener) async throws -> DescriptorTransport {
        try await offPool { try listener.accept(deadline: .after(seconds: 5)).transport }
    }

    /// Starts, on a thread of its own and before the caller goes on, a read on the peer that ends when the driver's
    /// end goes away; `instant()` is when it did (nil if it never did within 5 s).
    static func watchForHangUp(_ peer: any ByteTransport) -> HangUpWatch {
        let watch = HangUpWatch()
        let lane = BlockingLane(name: "hang-up watch")
        lane.start {
            let deadline = Deadline.after(seconds: 5)
            while !deadline.hasPassed {
                do throws(TransportError) { _ = try peer.read(upTo: 4096, deadline: deadline) } catch {
                    if case .disconnected = error { watch.record(.now) }
                    break
                }
            }
            watch.finish()
        }
        lane.close()
        return watch
    }
}

/// When the silent peer saw the driver's end go; filled by the watching thread.
final class HangUpWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: ContinuousClock.Instant?
    private let done = DispatchSemaphore(value: 0)

    func record(_ instant: ContinuousClock.Instant) { lock.withLock { seen = instant } }
    func finish() { done.signal() }

    func instant() async -> ContinuousClock.Instant? {
        let done = done
        _ = try? await DriverStopTests.offPool { done.wait() }
        return lock.withLock { seen }
    }
}

/// The camera on the same promise: a frame loop blocked in `nextFrame` on a stalled camera wakes within 100 ms of
/// `stop()`, long before its 10 s frame deadline.
struct CameraStopTests {
    @Test func camera_stop_wakesANextFrameBlockedOnAStalledCamera() async throws {
        let camera = try SimulatedCamera(directory: try #require(SimulatedCamera.shippedDirectory))
        let driver = Camera(
            configuration: CameraConfiguration(
                path: camera.path, frameTimeout: .milliseconds(DriverStopTests.farDeadline)),
            source: { camera })
        camera.setFault(.stalled)
        await driver.beginStreaming()
        let blocked = try await DriverStopTests.offPool { camera.waitForStalledCalls(1, deadline: .after(.seconds(5))) }
        #expect(blocked, "the frame loop never blocked")
        // Watched from a thread of its own (not the pool), started before the stop.
        let unblocked = WokenAt()
        let watch = BlockingLane(name: "camera watch")
        defer { watch.close() }
        watch.start {
            if camera.waitForStalledCalls(0, deadline: .after(.seconds(5))) { unblocked.record(.now) }
        }
        let started = ContinuousClock.now
        driver.stop()
        let seen = try #require(try await DriverStopTests.offPool { unblocked.wait(deadline: .after(.seconds(5))) })
        #expect(seen - started < DriverStopTests.promptly, "the blocked nextFrame woke after \(seen - started)")
        await #expect(throws: CameraError.closed) { try await driver.capture(deadline: .after(.seconds(1))) }
        #expect(!camera.isOpen)
    }
}

/// When a watched thread saw what it waited for.
final class WokenAt: @unchecked Sendable {
    private let condition = NSCondition()
    private var instant: ContinuousClock.Instant?

    func record(_ now: ContinuousClock.Instant) {
        condition.withLock {
            instant = now
            condition.broadcast()
        }
    }

    func wait(deadline: Deadline) -> ContinuousClock.Instant? {
        condition.withLock {
            while instant == nil && !deadline.hasPassed {
                _ = condition.wait(until: Date(timeIntervalSinceNow: Double(deadline.pollTimeoutMilliseconds) / 1000))
            }
            return instant
        }
    }
}
