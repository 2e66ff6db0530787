import Foundation
import Glibc
import KioskCore
import KioskDevices
import KioskIO
import KioskSimulators
import Testing

@testable import KioskDaemon

/// The daemon's ID reader (as `DeviceFactory` builds it) survives its device going away and coming back on another
/// node, without a restart (docs/ARCHITECTURE.md §4.7): once through a re-pointed symlink, as udev does with
/// `/dev/kioskd/idReader`, once through `DeviceRoutes`, as the hotplug monitor does for a tagged device on a new node.
/// Real simulated readers on real pseudo-terminals.
@Suite struct ReaderReplugTests {
    /// The reader's events, recorded so the test can wait for one with a deadline — without blocking a thread of
    /// the cooperative pool, which the reader's actor needs.
    actor EventLog {
        private var events: [IDCardReaderEvent] = []
        private var cursor = 0
        private var waiter:
            (id: Int, predicate: @Sendable (IDCardReaderEvent) -> Bool, CheckedContinuation<IDCardReaderEvent?, Never>)?
        private var nextID = 0

        func append(_ event: IDCardReaderEvent) {
            events.append(event)
            if let waiter, let found = take(waiter.predicate) {
                self.waiter = nil
                waiter.2.resume(returning: found)
            }
        }

        /// The next event after the last match that satisfies `predicate`, or nil at the deadline.
        func next(within timeout: Duration, _ predicate: @escaping @Sendable (IDCardReaderEvent) -> Bool) async
            -> IDCardReaderEvent?
        {
            if let found = take(predicate) { return found }
            nextID += 1
            let id = nextID
            return await withCheckedContinuation { continuation in
                waiter = (id, predicate, continuation)
                Task {
                    try? await Task.sleep(for: timeout)  // the deadline, not a synchronisation
                    self.expire(id)
                }
            }
        }

        private func expire(_ id: Int) {
            guard let waiter, waiter.id == id else { return }
            self.waiter = nil
            waiter.2.resume(returning: nil)
        }

        private func take(_ predicate: (IDCardReaderEvent) -> Bool) -> IDCardReaderEvent? {
            while cursor < events.count {
                let event = events[cursor]
                cursor += 1
                if predicate(event) { return event }
            }
            return nil
        }
    }

    static func health(_ event: IDCardReaderEvent) -> DeviceHealth? {
        if case .health(let health) = event { health } else { nil }
    }

    static func card(_ event: IDCardReaderEvent) -> IdentityCard? {
        if case .cardRead(let card, _) = event { card } else { nil }
    }

    @Test(arguments: ["symlink", "route"])
    func aReaderBackOnAnotherNodeIsReadAgainWithoutARestart(via: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kioskd-replug-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let link = directory.appendingPathComponent("idReader").path
        let first = try IDReaderSimulator(card: .sample(.resident))
        defer { first.stop() }
        // Made now, so the kernel cannot hand the first one's pseudo-terminal number to it.
        let second = try IDReaderSimulator(card: .sample(.foreignerPermanent2023))
        defer { second.stop() }
        #expect(first.devicePath != second.devicePath)
        #expect(symlink(first.devicePath, link) == 0)

        let routes = DeviceRoutes()
        let reader = try #require(
            DeviceFactory.idReader(
                DeviceConfig(endpoint: .serial(path: link, baud: 115200), pollInterval: .milliseconds(50)),
                routes: routes))
        let terminal = Terminal(
            idReader: reader, receiptPrinter: nil, ticketDispenser: nil, licenceOutput: nil,
            endpoints: [.idReader: "serial \(link)"])
        let log = EventLog()
        let running = Task { await reader.run() }
        let pump = Task {
            for await event in reader.events {
                if let health = Self.health(event) { terminal.update(.idReader, health) }
                await log.append(event)
            }
        }
        defer {
            running.cancel()
            pump.cancel()
        }
        await reader.resume()
        let firstRead = await log.next(within: .seconds(10)) { Self.card($0) != nil }
        #expect(firstRead.flatMap(Self.card)?.cardType == .resident)
        #expect(terminal.health(of: .idReader).state == .ready)

        first.unplug()
        let lost = await log.next(within: .seconds(10)) { Self.health($0)?.state == .disconnected }
        #expect(lost != nil)
        #expect(terminal.health(of: .idReader) == DeviceHealth(.disconnected, reasons: ["disconnected"]))
        if via == "symlink" {
            #expect(unlink(link) == 0 && symlink(second.devicePath, link) == 0)
        } else {
            routes.route(.idReader, to: second.devicePath)
        }
        // The driver's reopen back-off is at most 5 s; the second reader's card is then read.
        let read = await log.next(within: .seconds(15)) { Self.card($0) != nil }.flatMap(Self.card)
        #expect(read?.cardType == .foreignerPermanent2023)
        #expect(terminal.health(of: .idReader).state == .ready)
        #expect(second.count(of: .findCard) > 0, "the second reader was polled")
    }

    /// A spurious `remove` (the device never went) made the monitor report the reader lost; when the device settles
    /// the driver's own `ready` is re-reported, since it reports only changes. Nothing stale is ever re-reported.
    @Test func aSpuriousRemoveIsUndoneWhenTheDeviceSettlesAndOnlyThen() async throws {
        let simulator = try IDReaderSimulator(card: nil)
        defer { simulator.stop() }
        let reader = try #require(
            DeviceFactory.idReader(DeviceConfig(endpoint: .serial(path: simulator.devicePath, baud: 115200))))
        let terminal = Terminal(
            idReader: reader, receiptPrinter: nil, ticketDispenser: nil, licenceOutput: nil,
            endpoints: [.idReader: "serial \(simulator.devicePath)"])
        let log = EventLog()
        let running = Task { await reader.run() }
        let pump = Task {
            for await event in reader.events {
                if let health = Self.health(event) { terminal.update(.idReader, health) }
                await log.append(event)
            }
        }
        defer {
            running.cancel()
            pump.cancel()
        }
        #expect(await log.next(within: .seconds(10)) { Self.health($0)?.state == .ready } != nil)
        #expect(await terminal.healthToResync(.idReader) == nil, "nothing to undo while the terminal shows it ready")
        terminal.update(.idReader, DeviceHealth(.disconnected, reasons: ["disconnected"]))
        #expect(await terminal.healthToResync(.idReader) == DeviceHealth(.ready))
        await reader.resume()  // a polling reader notices the unplug at its next exchange
        simulator.unplug()
        #expect(await log.next(within: .seconds(10)) { Self.health($0)?.state == .disconnected } != nil)
        #expect(await terminal.healthToResync(.idReader) == nil, "a driver that lost the device is not resynced")
    }
}
