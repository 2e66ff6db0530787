import Foundation
import KioskDevices
import KioskSimulators
import Testing

/// The polling policy of docs/ARCHITECTURE.md §4.3: find-card every `pollInterval` in the window after a resume or a
/// card coming or going, every `relaxedPollInterval` after it.
@Suite struct IDCardReaderPollingTests {
    /// A window long enough for ten fast find-cards even on a loaded machine (each is a PTY round trip with the
    /// simulator), and a relaxed interval that ten find-cards in 1.5 s could not come from.
    static let window: Duration = .milliseconds(1200)
    static let relaxed: Duration = .milliseconds(1000)

    static func configure(_ profile: inout IDReaderProfile) {
        profile.pollInterval = .milliseconds(10)
        profile.relaxedPollInterval = relaxed
        profile.fastPollingWindow = window
    }

    @Test func polling_isFastAfterResume_relaxesAfterTheWindow_andIsFastAgainAfterTheNextResume() async throws {
        try await withSimulatedReader(startPaused: true, configure: Self.configure) { simulator, reader, _ in
            await reader.resume()
            // Fast: ten find-cards within 1.5 s (the relaxed rate would need 9 s).
            #expect(await simulator.arrival(of: .findCard, count: 10, within: .milliseconds(1500)))
            // The window opened no later than the first find-card after the resume.
            let first = try #require(simulator.arrivalTimes(of: .findCard).first)
            try await expectRelaxedCadence(simulator, after: first + Self.window + .milliseconds(100))
            await reader.pause()
            await reader.resume()
            let resumedFrom = simulator.count(of: .findCard)
            #expect(await simulator.arrival(of: .findCard, count: resumedFrom + 10, within: .milliseconds(1500)))
        }
    }

    @Test func aCardPlacedWhileRelaxed_opensTheWindowAgain() async throws {
        try await withSimulatedReader(configure: Self.configure) { simulator, _, log in
            try #require(await simulator.arrival(of: .findCard, within: .seconds(2)))
            let first = try #require(simulator.arrivalTimes(of: .findCard).first)
            try await expectRelaxedCadence(simulator, after: first + Self.window + .milliseconds(100))
            simulator.place(.resident)
            #expect(await log.next { $0.readCard != nil } != nil)
            // The find-card that sees the card gone (a change of presence) opens the window.
            let beforeLift = simulator.count(of: .findCard)
            simulator.lift()
            try #require(await simulator.arrival(of: .findCard, count: beforeLift + 1, within: .seconds(2)))
            let afterLift = simulator.count(of: .findCard)
            #expect(await simulator.arrival(of: .findCard, count: afterLift + 10, within: .milliseconds(1500)))
        }
    }

    /// Follows find-cards until `instant` (past the fast window) has gone by, then expects the next ones `relaxed`
    /// apart.
    private func expectRelaxedCadence(_ simulator: IDReaderSimulator, after instant: ContinuousClock.Instant)
        async throws
    {
        while ContinuousClock.now < instant {
            let next = simulator.count(of: .findCard) + 1
            try #require(await simulator.arrival(of: .findCard, count: next, within: .seconds(2)))
        }
        let from = simulator.count(of: .findCard)
        try #require(await simulator.arrival(of: .findCard, count: from + 3, within: .seconds(5)))
        let last = Array(simulator.arrivalTimes(of: .findCard).suffix(3))
        let gaps = zip(last.dropFirst(), last).map { $0 - $1 }
        #expect(gaps.allSatisfy { $0 >= Self.relaxed - .milliseconds(10) }, "find-card gaps \(gaps)")
    }
}
