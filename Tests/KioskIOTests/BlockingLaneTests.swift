import Foundation
import KioskIO
import Testing

/// The one blocking-I/O primitive: jobs in order, deadlines, and a `close()` that wakes a job blocked on an attached
/// transport (a real PTY whose other end never writes).
struct BlockingLaneTests {
    @Test func close_wakesAReadBlockedOnAnAttachedTransport_promptly() async throws {
        let pty = try PseudoTerminal()
        let replica = try SerialPort.open(pty.replicaPath)
        let lane = BlockingLane(name: "lane test")
        #expect(lane.attach(replica))
        let (started, didStart) = AsyncStream.makeStream(of: Void.self)
        let reading = Task {
            try await lane.run {
                didStart.yield()
                return try replica.read(upTo: 16, deadline: .after(seconds: 10))
            }
        }
        for await _ in started { break }  // the job is on the lane, about to block
        // `close()` returns once the blocked read has let go of the descriptor (the transport's close waits for it),
        // so its duration is the wake-up time, measured on this thread without the concurrency pool's scheduling.
        let closing = ContinuousClock.now
        lane.close()
        #expect(ContinuousClock.now - closing < .milliseconds(100))
        await #expect(throws: TransportError.closed) { try await reading.value }
        await #expect(throws: BlockingLane.Closed.self) { try await lane.run { 1 } }
    }

    @Test func attach_toAClosedLane_closesTheTransportAtOnce() throws {
        let pty = try PseudoTerminal()
        let replica = try SerialPort.open(pty.replicaPath)
        let lane = BlockingLane(name: "lane test")
        lane.close()
        #expect(!lane.attach(replica))
        #expect(throws: TransportError.closed) { try replica.write([1], deadline: .after(seconds: 1)) }
    }

    @Test func interrupt_closesAttachedTransports_butTheLaneKeepsRunning() async throws {
        let pty = try PseudoTerminal()
        let replica = try SerialPort.open(pty.replicaPath)
        let lane = BlockingLane(name: "lane test")
        defer { lane.close() }
        lane.attach(replica)
        lane.interrupt()
        #expect(throws: TransportError.closed) { try replica.write([1], deadline: .after(seconds: 1)) }
        #expect(try await lane.run { 42 } == 42)
    }

    @Test func run_whoseDeadlinePassedBeforeItsTurn_isNotRun() async throws {
        let lane = BlockingLane(name: "lane test")
        defer { lane.close() }
        let ran = Flag()
        await #expect(throws: BlockingLane.Expired.self) {
            try await lane.run(deadline: .now) { ran.set() }
        }
        #expect(!ran.isSet)
        #expect(try await lane.run(deadline: .after(seconds: 5)) { 7 } == 7)
    }
}

/// Whether a job ran.
private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
