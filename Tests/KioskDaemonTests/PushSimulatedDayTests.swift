import Foundation
import Glibc
import KioskCore
import KioskHTTP
import KioskIO
import KioskStore
import Testing

@testable import KioskDaemon

/// A clock the test drives: each `sleep` of the pusher blocks until the test moves time to (or past) its end, so
/// a day of back-off runs as fast as the pusher can attempt, and the same way every time.
final class SimulatedPushClock: PushClock, @unchecked Sendable {
    private let condition = NSCondition()
    private var current: Date
    private var wake: Date?
    private var interrupted = false
    private var requested: [(at: Date, seconds: Double)] = []

    init(start: Date) { current = start }

    func now() -> Date { condition.withLock { current } }

    func sleep(_ duration: Duration) {
        condition.withLock {
            guard !interrupted else { return }
            let end = current.addingTimeInterval(PushBackoff.seconds(duration))
            requested.append((current, PushBackoff.seconds(duration)))
            wake = end
            condition.broadcast()
            while !interrupted && current < end { condition.wait() }
        }
    }

    func interrupt() {
        condition.withLock {
            interrupted = true
            condition.broadcast()
        }
    }

    /// Waits (in real time, until `deadline`) for the pusher to be asleep; when its sleep ends.
    func nextWake(_ deadline: Deadline) -> Date? {
        condition.withLock {
            while wake == nil {
                if deadline.hasPassed { return nil }
                _ = condition.wait(until: Date(timeIntervalSinceNow: 0.05))
            }
            return wake
        }
    }

    /// Moves time forward to `date`; a sleep that ends by then returns.
    func advance(to date: Date) {
        condition.withLock {
            current = max(current, date)
            if let end = wake, end <= current { wake = nil }
            condition.broadcast()
        }
    }

    /// Every sleep asked for: when, and for how long.
    var sleeps: [(at: Date, seconds: Double)] { condition.withLock { requested } }
}

/// The centre (the central simulator, a real HTTPS process) down for a simulated day while transactions complete,
/// then up: the pusher's back-off runs on `SimulatedPushClock`, its jitter from a seeded generator.
@Suite(.serialized) struct PushSimulatedDayTests {
    static let day: TimeInterval = 86_400
    static let completions = 300

    /// How the centre behaves through the day (from the given hour): refused connections, then 500s, then 429 with
    /// Retry-After, then storing batches but resetting the connection before the answer, then up.
    static var phases: [(hour: Double, mode: [String: Any])] {
        [
            (0, ["push": "down"]), (18, ["push": "500"]), (20, ["push": "429", "retryAfter": 240]),
            (22, ["push": "reset"]), (24, ["push": "normal"]),
        ]
    }

    private final class SeededJitter: @unchecked Sendable {
        private let lock = NSLock()
        private var generator = SplitMix64(state: 0xDA7_0010)
        func draw(_ range: ClosedRange<Double>) -> Double {
            lock.withLock { Double.random(in: range, using: &generator) }
        }
    }

    @Test func centreDownForADay_thenUp_everyTransactionDelivered_noneMissing_everyRepeatRecognised() throws {
        let directory = try TemporaryDirectory("kioskd-push-day")
        defer { directory.remove() }
        let centre = try CentralSimulatorProcess(directory: directory.url, arguments: ["--push", "down"])
        let settings = try centre.pushConfig(directory: directory.url, batchSize: 100, timeoutSeconds: 10)
        let push = PushConfig(
            url: try #require(HTTPSURL(centre.url + "/v1/events")), tokenFile: settings["tokenFile"] as! String,
            verification: try #require(PeerVerification.pin(hex: centre.certificateSHA256)), batchSize: 100,
            requestTimeout: .seconds(10))
        let store = try TransactionStore.open(path: TransactionStore.path(inStateDirectory: directory.url.path))
        let lane = StoreLane(store)
        defer { store.close() }

        let start = Date(timeIntervalSince1970: 1_796_000_000)
        let clock = SimulatedPushClock(start: start)
        var schedule = SplitMix64(state: 0x5C4E_D01E)
        let times = (0..<Self.completions).map { index in
            index == 0 ? 0 : Double(schedule.next() % UInt64(Self.day * 1000)) / 1000
        }.sorted()
        let ids = (1...Self.completions).map { "T-\($0)" }
        func complete(_ index: Int) throws {
            let id = ids[index]
            _ = try lane.runAndWait { try $0.complete(DaemonStoreTests.record(id, endedAgo: 0)) }
        }
        try complete(0)
        let jitter = SeededJitter()
        let pusher = try Pusher(
            kioskID: "DAY-01", push: push, store: store, lane: lane, logger: Logger(level: .error), clock: clock,
            random: { jitter.draw($0) })
        defer { pusher.stop() }

        var nextCompletion = 1
        var nextPhase = 1
        var delivered = false
        while !delivered {
            guard let wake = clock.nextWake(.after(seconds: 60)) else {
                Issue.record("the pusher did not wait again within a minute: \(pusher.status)")
                break
            }
            // What happens in the world while the pusher sleeps, in time order: completions, the centre's changes.
            while true {
                let completionAt = nextCompletion < times.count ? start + times[nextCompletion] : nil
                let phaseAt = nextPhase < Self.phases.count ? start + Self.phases[nextPhase].hour * 3600 : nil
                guard let at = [completionAt, phaseAt].compactMap({ $0 }).min(), at <= wake else { break }
                clock.advance(to: at)
                if at == completionAt {
                    try complete(nextCompletion)
                    nextCompletion += 1
                } else {
                    try centre.setMode(Self.phases[nextPhase].mode)
                    nextPhase += 1
                }
            }
            if nextPhase == Self.phases.count, try lane.runAndWait({ try $0.outboxCursor() }) == (300, 300) {
                delivered = true
            } else {
                clock.advance(to: wake)
            }
        }
        pusher.stop()

        // A whole day went by, and the centre has every transaction — once as it counts them, each repeat of the
        // reset hours recognised by its source and id.
        let end = clock.now()
        #expect(end.timeIntervalSince(start) >= Self.day)
        #expect(nextCompletion == Self.completions)
        let seen = try centre.received()
        #expect(seen.unique == Self.completions)
        #expect(Set(seen.eventIDs) == Set(ids))
        let events = seen["events"] as? [[String: Any]] ?? []
        #expect(events.allSatisfy { $0["source"] as? String == "urn:kioskd:DAY-01" })
        #expect(seen.answered(500) > 0 && seen.answered(429) > 0)
        #expect((seen["resets"] as? Int ?? 0) > 0)
        #expect((seen["redeliveries"] as? Int ?? 0) >= 100, "the batch stored in the reset hours came again")
        #expect(seen.deliveries.allSatisfy { $0 >= 1 })
        #expect(try lane.runAndWait { try $0.outboxCursor() } == (300, 300))
        #expect(pusher.status["pushedEvents"] as? Int == Self.completions)

        // The back-off: from 1 s doubling to at most 5 min with full jitter, and never sooner than Retry-After.
        let dayEnd = start + Self.day
        let backoffs = clock.sleeps.filter { $0.at < dayEnd }
        #expect(backoffs.count >= Int(Self.day / PushBackoff.cap), "attempts through the day: \(backoffs.count)")
        #expect(backoffs.allSatisfy { $0.seconds <= PushBackoff.cap })
        for (attempt, sleep) in backoffs.prefix(8).enumerated() {
            #expect(sleep.seconds <= pow(2, Double(attempt)), "attempt \(attempt + 1): \(sleep.seconds) s")
        }
        let limited = backoffs.filter { $0.at >= start + 20 * 3600 && $0.at < start + 22 * 3600 }
        #expect(!limited.isEmpty && limited.allSatisfy { $0.seconds >= 240 }, "after 429s: \(limited.map(\.seconds))")
        #expect(backoffs.contains { $0.seconds > 150 }, "the back-off grew to minutes")
    }
}
