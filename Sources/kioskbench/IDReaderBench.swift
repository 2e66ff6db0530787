import Foundation
import KioskCore
import KioskDaemon
import KioskDevices
import KioskIO
import KioskSimulators

/// Card placed → `cardRead` latency of the real driver against the simulator with realistic timing (115200 bps wire
/// time + simulated SAM processing), over a real PTY. Prints the latency and the overhead over the physical floor
/// (one find + select + read cycle's wire and SAM time), against the targets of docs/ARCHITECTURE.md §13: median
/// overhead ≤ 60 ms (and ≤ half the poll interval + 20 ms), the driver's own share ≤ 3 ms. Cards are placed at
/// spread-out phases of the poll cycle. Then the cost of polling: the reader thread's CPU while it polls an empty
/// reader (the flow awaits a card) and while it is paused (the flow does not).
enum IDReaderBench {
    static let trials = 25
    /// The interval kioskd ships with (`pollIntervalMs` unset); `IDREADER_POLL_MS` tries another.
    static let pollInterval: Duration =
        ProcessInfo.processInfo.environment["IDREADER_POLL_MS"].flatMap(Int64.init).map(Duration.milliseconds)
        ?? IDReaderProfile.defaultPollInterval
    static let overheadTarget: Duration = .milliseconds(60)
    static let driverShareTarget: Duration = .milliseconds(3)
    /// Find-card polls of an empty reader over which its CPU is measured.
    static let emptyPolls = 100

    static func run() -> Int32 { runBlocking { await measure() } }

    private static func measure() async -> Int32 {
        let timing = IDReaderSimulatorTiming.realistic
        let simulator: IDReaderSimulator
        do {
            simulator = try IDReaderSimulator(timing: timing)
        } catch {
            print("idreader: cannot create a PTY: \(error)")
            return 1
        }
        defer { simulator.stop() }
        var profile = IDReaderProfile.serial(path: simulator.devicePath)
        profile.pollInterval = pollInterval
        let reader = IDCardReader(profile: profile)
        let reads = ReadClock()
        let pump = Task {
            for await event in reader.events {
                if case .cardRead = event { reads.mark() }
            }
        }
        let running = Task { await reader.run() }
        defer {
            running.cancel()
            pump.cancel()
        }
        let floor = timing.readCycleFloor()
        var latencies: [Duration] = []
        var driverOverheads: [Duration] = []
        var phase: UInt64 = 0x9E37_79B9
        for trial in 0..<trials {
            // Wait for a poll to pass with no card, then place it at a pseudo-random phase of the next cycle.
            let finds = simulator.count(of: .findCard)
            guard await simulator.arrival(of: .findCard, count: finds + 1, within: .seconds(5)) else {
                print("idreader: the driver stopped polling (trial \(trial))")
                return 1
            }
            phase = phase &* 6364136223846793005 &+ 1442695040888963407
            let offset = Duration.milliseconds(Int64((phase >> 33) % UInt64(milliseconds(pollInterval))))
            try? await Task.sleep(for: offset)  // the placement phase, part of the experiment
            let before = reads.count
            let placed = ContinuousClock.now
            simulator.place(.resident)
            guard let readAt = await reads.wait(beyond: before, within: .seconds(5)) else {
                print("idreader: no cardRead within 5 s (trial \(trial))")
                return 1
            }
            latencies.append(readAt - placed)
            // The find-card that found the card: the first to arrive after placement.
            if let found = simulator.arrivalTimes(of: .findCard).first(where: { $0 >= placed }) {
                driverOverheads.append(readAt - found - floor)
            }
            simulator.lift()
        }
        latencies.sort()
        driverOverheads.sort()
        let overheads = latencies.map { $0 - floor }
        let median = overheads[overheads.count / 2]
        let target = min(overheadTarget, pollInterval / 2 + .milliseconds(20))
        print(
            "idreader: \(trials) cards, poll interval \(ms(pollInterval)), realistic timing (115200 bps, SAM "
                + "find \(ms(timing.findCard)) / select \(ms(timing.selectCard)) / read \(ms(timing.readBaseInfo)))")
        print("idreader: physical floor per read cycle \(ms(floor))")
        print(
            "idreader: placed → cardRead  median \(ms(latencies[latencies.count / 2]))  p90 "
                + "\(ms(latencies[latencies.count * 9 / 10]))  max \(ms(latencies[latencies.count - 1]))")
        print(
            "idreader: overhead over floor median \(ms(median))  p90 \(ms(overheads[overheads.count * 9 / 10]))  "
                + "min \(ms(overheads[0]))  (target median ≤ \(ms(target)))")
        var passed = median <= target
        if driverOverheads.isEmpty {
            print("idreader: driver's own share not measured (no find-card seen after a placement)")
            passed = false
        } else {
            let share = driverOverheads[driverOverheads.count / 2]
            print(
                "idreader: driver's own share (from the find-card that saw the card to cardRead, minus the floor) "
                    + "median \(ms(share))  max \(ms(driverOverheads[driverOverheads.count - 1]))  "
                    + "(target median ≤ \(ms(driverShareTarget)))")
            passed = passed && share <= driverShareTarget
        }
        guard await pollingCost(simulator, reader) else { return 1 }
        print("idreader: \(passed ? "PASS" : "FAIL")")
        return passed ? 0 : 1
    }

    /// Prints the reader thread's CPU while it polls an empty reader (in the fast window after the last card, then
    /// relaxed) and while it is paused; false when the thread or its polls cannot be observed.
    private static func pollingCost(_ simulator: IDReaderSimulator, _ reader: IDCardReader) async -> Bool {
        let fast = await threadCPU(polls: emptyPolls, simulator)
        try? await Task.sleep(for: reader.profile.fastPollingWindow)  // let the fast window run out
        let relaxed = await threadCPU(polls: emptyPolls / 4, simulator)
        guard let fast, let relaxed else {
            print("idreader: the reader thread's CPU could not be measured (/proc/self/task/*/schedstat)")
            return false
        }
        await reader.pause()
        let pausedWindow = pollInterval * 20
        let pausedBefore = ThreadCPU.nanoseconds(threadsNamed: readerThread) ?? 0
        let pausedStart = ContinuousClock.now
        try? await Task.sleep(for: pausedWindow)  // the measurement window, nothing to wait for
        let pausedCPU = (ThreadCPU.nanoseconds(threadsNamed: readerThread) ?? 0) - pausedBefore
        let pausedPercent = percent(Double(pausedCPU) / 1e9, of: ContinuousClock.now - pausedStart)
        let profile = reader.profile
        print(
            "idreader: reader thread CPU polling an empty reader: every \(ms(pollInterval)) (the first "
                + "\(ms(profile.fastPollingWindow)) after a card or a resume) \(fixed(fast.percent, 3)) % of a core "
                + "(\(fixed(fast.perPoll * 1e6, 0)) µs a find-card); every \(ms(profile.relaxedPollInterval)) after "
                + "that \(fixed(relaxed.percent, 3)) %; paused \(fixed(pausedPercent, 3)) %")
        await reader.resume()
        return true
    }

    /// The reader thread's CPU over `polls` find-cards of an empty reader: % of a core and seconds per poll.
    private static func threadCPU(polls: Int, _ simulator: IDReaderSimulator) async -> (
        percent: Double, perPoll: Double
    )? {
        let first = simulator.count(of: .findCard) + 1
        guard await simulator.arrival(of: .findCard, count: first, within: .seconds(5)),
            let before = ThreadCPU.nanoseconds(threadsNamed: readerThread)
        else { return nil }
        let start = ContinuousClock.now
        guard
            await simulator.arrival(
                of: .findCard, count: first + polls, within: pollInterval * (polls * 2) + .seconds(5)),
            let after = ThreadCPU.nanoseconds(threadsNamed: readerThread)
        else { return nil }
        let cpu = Double(after - before) / 1e9
        return (percent(cpu, of: ContinuousClock.now - start), cpu / Double(polls))
    }

    /// The reader loop's thread name (IDCardReaderLoop), as /proc shows it.
    private static let readerThread = "IDCardReader"

    private static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

    private static func percent(_ cpuSeconds: Double, of wall: Duration) -> Double {
        cpuSeconds / (milliseconds(wall) / 1000) * 100
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) * 1000 + Double(parts.attoseconds) / 1e15
    }

    private static func ms(_ duration: Duration) -> String {
        let parts = duration.components
        let value = Double(parts.seconds) * 1000 + Double(parts.attoseconds) / 1e15
        return String(format: "%.1f ms", value)
    }

    /// When each `cardRead` arrived; waits on a condition with a deadline.
    private final class ReadClock: @unchecked Sendable {
        private let condition = NSCondition()
        private var times: [ContinuousClock.Instant] = []

        var count: Int {
            condition.lock()
            defer { condition.unlock() }
            return times.count
        }

        func mark() {
            condition.lock()
            times.append(.now)
            condition.broadcast()
            condition.unlock()
        }

        func wait(beyond count: Int, within timeout: Duration) async -> ContinuousClock.Instant? {
            await withCheckedContinuation { done in
                Thread { [self] in
                    let until = Date(timeIntervalSinceNow: Double(timeout.components.seconds))
                    condition.lock()
                    while times.count <= count && condition.wait(until: until) {}
                    let result = times.count > count ? times[count] : nil
                    condition.unlock()
                    done.resume(returning: result)
                }.start()
            }
        }
    }
}
