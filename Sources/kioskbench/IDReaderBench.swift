import Foundation
import KioskCore
import KioskDaemon
import KioskDevices
import KioskIO
import KioskSimulators

/// Card placed → `cardRead` latency of the real driver against the simulator with realistic timing (115200 bps wire
/// time + simulated SAM processing), over a real PTY. Prints the latency and the overhead over the physical floor
/// (one find + select + read cycle's wire and SAM time), against the target of docs/ARCHITECTURE.md §13: median
/// overhead ≤ half the poll interval + 20 ms. Cards are placed at spread-out phases of the poll cycle.
enum IDReaderBench {
    static let trials = 25
    static let pollInterval: Duration = .milliseconds(250)

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
            let offset = Duration.milliseconds(Int64((phase >> 33) % 250))
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
        let target = pollInterval / 2 + .milliseconds(20)
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
        if !driverOverheads.isEmpty {
            print(
                "idreader: driver's own share (from the find-card that saw the card to cardRead, minus the floor) "
                    + "median \(ms(driverOverheads[driverOverheads.count / 2]))  max \(ms(driverOverheads[driverOverheads.count - 1]))"
            )
        }
        print("idreader: \(median <= target ? "PASS" : "FAIL")")
        return median <= target ? 0 : 1
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
