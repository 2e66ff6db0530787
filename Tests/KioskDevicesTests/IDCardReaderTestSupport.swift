import Foundation
import KioskCore
import KioskDevices
import KioskIO
import KioskSimulators
import Testing

/// Records a reader's events and lets a test wait, with a deadline, for the next one matching a predicate.
actor IDCardReaderEventLog {
    private(set) var all: [IDCardReaderEvent] = []
    private var cursor = 0
    private var waiter:
        (
            predicate: @Sendable (IDCardReaderEvent) -> Bool,
            continuation: CheckedContinuation<IDCardReaderEvent?, Never>, id: Int
        )?
    private var nextID = 0

    func append(_ event: IDCardReaderEvent) {
        all.append(event)
        if let waiter, let found = take(waiter.predicate) {
            self.waiter = nil
            waiter.continuation.resume(returning: found)
        }
    }

    /// The next event after the previous match that satisfies `predicate`, or nil when `timeout` passes first.
    func next(within timeout: Duration = .seconds(5), _ predicate: @escaping @Sendable (IDCardReaderEvent) -> Bool)
        async
        -> IDCardReaderEvent?
    {
        if let found = take(predicate) { return found }
        nextID += 1
        let id = nextID
        return await withCheckedContinuation { continuation in
            waiter = (predicate, continuation, id)
            Task {
                try? await Task.sleep(for: timeout)  // the deadline, not a synchronisation
                self.expire(id)
            }
        }
    }

    /// Events since the start, for assertions that something did *not* happen.
    func count(_ predicate: (IDCardReaderEvent) -> Bool) -> Int { all.filter(predicate).count }

    private func expire(_ id: Int) {
        guard let waiter, waiter.id == id else { return }
        self.waiter = nil
        waiter.continuation.resume(returning: nil)
    }

    private func take(_ predicate: (IDCardReaderEvent) -> Bool) -> IDCardReaderEvent? {
        while cursor < all.count {
            let event = all[cursor]
            cursor += 1
            if predicate(event) { return event }
        }
        return nil
    }
}

extension IDCardReaderEvent {
    var isPresented: Bool { if case .cardPresented = self { true } else { false } }
    var isRemoved: Bool { if case .cardRemoved = self { true } else { false } }
    var readCard: IdentityCard? { if case .cardRead(let card, _) = self { card } else { nil } }
    var readPhoto: CardPhoto? { if case .cardRead(_, let photo) = self { photo } else { nil } }
    var error: IDCardReaderError? { if case .cardError(let error) = self { error } else { nil } }
    var healthValue: DeviceHealth? { if case .health(let health) = self { health } else { nil } }
}

/// A fast profile for tests against the instant simulator.
func testProfile(_ path: String) -> IDReaderProfile {
    IDReaderProfile(
        transport: .serial(path: path, baudRate: 115200), pollInterval: .milliseconds(10),
        commandTimeout: .milliseconds(300), readTimeout: .milliseconds(1000), maxConsecutiveTimeouts: 3,
        maxReadAttempts: 3, initialReopenDelay: .milliseconds(20), maximumReopenDelay: .milliseconds(200),
        faultRecheckInterval: .milliseconds(30))
}

/// Runs `body` with a simulator, a reader running on it, and its event log; stops both afterwards, even on failure.
func withSimulatedReader(
    card: IDReaderSimulatorCard? = nil, findsCardAfterRead: Bool = false, faults: IDReaderSimulatorFaults? = nil,
    startPaused: Bool = false,
    configure: (inout IDReaderProfile) -> Void = { _ in },
    _ body: (IDReaderSimulator, IDCardReader, IDCardReaderEventLog) async throws -> Void
) async throws {
    let simulator = try IDReaderSimulator(card: card, findsCardAfterRead: findsCardAfterRead)
    defer { simulator.stop() }
    if let faults { simulator.faults = faults }
    var profile = testProfile(simulator.devicePath)
    configure(&profile)
    let reader = IDCardReader(profile: profile, startPaused: startPaused)
    let log = IDCardReaderEventLog()
    let pump = Task {
        for await event in reader.events { await log.append(event) }
    }
    let running = Task { await reader.run() }
    defer {
        running.cancel()
        pump.cancel()
    }
    try await body(simulator, reader, log)
    running.cancel()
    await running.value
    await pump.value
}
